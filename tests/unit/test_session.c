/*
 * test_session.c - unit tests of src/session without sockets: a fake
 * connection (sess_io_t over buffers) and a fake SQL engine (this file
 * implements include/sql/sql.h with a handful of statements), so startup,
 * authentication, the simple and extended protocols, transaction status,
 * back-pressure, worker execution and cancel are checked byte for byte.
 *
 * The fake engine's statements are listed in test_session_fake.c.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "common/buf.h"
#include "common/cfg.h"
#include "common/mem.h"
#include "protocol/auth.h"
#include "protocol/codec.h"
#include "session/session.h"
#include "sql/sql.h"
#include "tap.h"
#include "types/types.h"
/* White-box: the deadline check is internal to src/session. */
#include "../../src/session/session_int.h"

/* ======================= the fake connection ======================= */

typedef struct conn {
    buf_t in;
    size_t in_off;
    buf_t out;       /* everything the session sent */
    size_t out_read; /* bytes already decoded by trace() */
    int sends;
    size_t pending;  /* simulated unwritten bytes */
    bool track;      /* sends add to pending (the client reads nothing) */
    bool reading;
    bool closed;
    sess_t *s;
} conn_t;

static const char *c_input(void *arg, size_t *len)
{
    conn_t *c = arg;
    *len = c->in.len - c->in_off;
    return c->in.data + c->in_off;
}
static void c_consume(void *arg, size_t n)
{
    ((conn_t *)arg)->in_off += n;
}
static int c_send(void *arg, buf_t *b)
{
    conn_t *c = arg;
    if (c->closed)
        return -1;
    buf_append(&c->out, b->data, b->len);
    c->sends++;
    if (c->track)
        c->pending += b->len;
    b->len = 0;
    return 0;
}
static size_t c_pending(void *arg)
{
    return ((conn_t *)arg)->pending;
}
static void c_read(void *arg, bool on)
{
    ((conn_t *)arg)->reading = on;
}
static void c_close(void *arg)
{
    ((conn_t *)arg)->closed = true;
}

static cfg_t *test_cfg(const char *const *kv)
{
    cfg_t *cfg = cfg_new();
    err_t err = { 0 };
    for (; kv && kv[0]; kv += 2) {
        int id = cfg_find(kv[0]);
        if (id < 0 || cfg_set(cfg, (cfg_id_t)id, kv[1], CFG_C_STARTUP, &err) < 0)
            TAP_FAIL("config %s=%s: %s", kv[0], kv[1], err.message);
    }
    return cfg;
}

static conn_t *conn_new(sess_server_t *srv)
{
    conn_t *c = mem_calloc(1, sizeof *c);
    sess_io_t io = { c, c_input, c_consume, c_send, c_pending, c_read, c_close, c_close };
    c->s = sess_new(srv, &io);
    return c;
}

/* feed - client bytes arrive. */
static void feed(conn_t *c, const void *p, size_t n)
{
    buf_append(&c->in, p, n);
    sess_on_input(c->s);
}

/* ---- client message builders ---- */

static void msg(buf_t *b, char type, const buf_t *body)
{
    if (type)
        buf_putc(b, type);
    buf_put_u32(b, (uint32_t)body->len + 4);
    buf_append(b, body->data, body->len);
}

static void startup_v(buf_t *b, uint32_t version, const char *const *kv)
{
    buf_t body = BUF_INIT;
    buf_put_u32(&body, version);
    for (; kv && kv[0]; kv += 2) {
        buf_putstr0(&body, kv[0]);
        buf_putstr0(&body, kv[1]);
    }
    buf_putc(&body, 0);
    msg(b, 0, &body);
    buf_free(&body);
}

static void q_msg(buf_t *b, const char *sql)
{
    buf_t body = BUF_INIT;
    buf_putstr0(&body, sql);
    msg(b, 'Q', &body);
    buf_free(&body);
}

static void p_msg(buf_t *b, const char *name, const char *sql, int ntypes, const uint32_t *types)
{
    buf_t body = BUF_INIT;
    buf_putstr0(&body, name);
    buf_putstr0(&body, sql);
    buf_put_u16(&body, (uint16_t)ntypes);
    for (int i = 0; i < ntypes; i++)
        buf_put_u32(&body, types[i]);
    msg(b, 'P', &body);
    buf_free(&body);
}

/* b_msg - Bind with nparams text (or binary when pfmt 1) parameters given as
 * strings (NULL = SQL NULL) and one result format code (or none when rfmt < 0). */
static void b_msg(buf_t *b, const char *portal, const char *stmt, int pfmt, int nparams, const char *const *params,
                  int rfmt)
{
    buf_t body = BUF_INIT;
    buf_putstr0(&body, portal);
    buf_putstr0(&body, stmt);
    if (pfmt >= 0) {
        buf_put_u16(&body, 1);
        buf_put_u16(&body, (uint16_t)pfmt);
    } else
        buf_put_u16(&body, 0);
    buf_put_u16(&body, (uint16_t)nparams);
    for (int i = 0; i < nparams; i++) {
        if (!params[i]) {
            buf_put_u32(&body, 0xffffffffu);
        } else if (pfmt == 1) {
            buf_put_u32(&body, 4);
            buf_put_u32(&body, (uint32_t)atoi(params[i]));
        } else {
            buf_put_u32(&body, (uint32_t)strlen(params[i]));
            buf_puts(&body, params[i]);
        }
    }
    if (rfmt >= 0) {
        buf_put_u16(&body, 1);
        buf_put_u16(&body, (uint16_t)rfmt);
    } else
        buf_put_u16(&body, 0);
    msg(b, 'B', &body);
    buf_free(&body);
}

static void target_msg(buf_t *b, char type, char kind, const char *name)
{
    buf_t body = BUF_INIT;
    buf_putc(&body, kind);
    buf_putstr0(&body, name);
    msg(b, type, &body);
    buf_free(&body);
}

static void e_msg(buf_t *b, const char *portal, int max_rows)
{
    buf_t body = BUF_INIT;
    buf_putstr0(&body, portal);
    buf_put_u32(&body, (uint32_t)max_rows);
    msg(b, 'E', &body);
    buf_free(&body);
}

static void empty_msg(buf_t *b, char type)
{
    buf_t body = BUF_INIT;
    msg(b, type, &body);
    buf_free(&body);
}

static void pw_msg(buf_t *b, const void *data, size_t n)
{
    buf_t body = BUF_INIT;
    buf_append(&body, data, n);
    msg(b, 'p', &body);
    buf_free(&body);
}

/* ---- decoding the server's answer ---- */

static char last_error[1024];
static uint32_t last_pid, last_key;
static char last_auth_data[512];
static int last_auth_len;

/* trace - the messages sent since the last call as a compact string:
 * "R0 S:name=value K ZI T(?column?) D(1) C(SELECT 1) E(42601) N(01000) 1 2 3 n s I t(25) v". */
static const char *trace(conn_t *c, bool params)
{
    static buf_t out = BUF_INIT;
    buf_reset(&out);
    buf_putc(&out, '\0');
    out.len = 0;
    const char *p = c->out.data + c->out_read;
    size_t left = c->out.len - c->out_read;
    while (left >= 5) {
        char type = p[0];
        uint32_t len = buf_get_u32(p + 1);
        if (len < 4 || left < len + 1)
            break;
        const char *body = p + 5;
        uint32_t blen = len - 4;
        char item[2048];
        item[0] = '\0';
        switch (type) {
        case 'R':
            snprintf(item, sizeof item, "R%u", buf_get_u32(body));
            last_auth_len = (int)blen - 4;
            if (last_auth_len > 0 && last_auth_len < (int)sizeof last_auth_data) {
                memcpy(last_auth_data, body + 4, (size_t)last_auth_len);
                last_auth_data[last_auth_len] = '\0';
            }
            break;
        case 'S':
            if (params)
                snprintf(item, sizeof item, "S:%s=%s", body, body + strlen(body) + 1);
            break;
        case 'K':
            last_pid = buf_get_u32(body);
            last_key = buf_get_u32(body + 4);
            snprintf(item, sizeof item, "K");
            break;
        case 'Z':
            snprintf(item, sizeof item, "Z%c", body[0]);
            break;
        case 'C':
            snprintf(item, sizeof item, "C(%s)", body);
            break;
        case 'E':
        case 'N': {
            const char *code = "?";
            for (const char *f = body; f < body + blen && *f; f += strlen(f) + 1) {
                if (*f == 'C')
                    code = f + 1;
                if (*f == 'M' && type == 'E')
                    snprintf(last_error, sizeof last_error, "%s", f + 1);
            }
            snprintf(item, sizeof item, "%c(%s)", type, code);
            break;
        }
        case 'T': {
            int n = buf_get_u16(body);
            const char *f = body + 2;
            size_t k = (size_t)snprintf(item, sizeof item, "T(");
            for (int i = 0; i < n; i++) {
                int fmt = buf_get_u16(f + strlen(f) + 1 + 16);
                k += (size_t)snprintf(item + k, sizeof item - k, "%s%s%s", i ? "," : "", f, fmt ? "/b" : "");
                f += strlen(f) + 1 + 18;
            }
            snprintf(item + k, sizeof item - k, ")");
            break;
        }
        case 'D': {
            int n = buf_get_u16(body);
            const char *f = body + 2;
            size_t k = (size_t)snprintf(item, sizeof item, "D(");
            for (int i = 0; i < n; i++) {
                int32_t l = (int32_t)buf_get_u32(f);
                f += 4;
                if (l < 0)
                    k += (size_t)snprintf(item + k, sizeof item - k, "%sNULL", i ? "," : "");
                else {
                    bool printable = true;
                    for (int j = 0; j < l; j++)
                        printable &= isprint((unsigned char)f[j]) != 0;
                    if (printable)
                        k += (size_t)snprintf(item + k, sizeof item - k, "%s%.*s", i ? "," : "", l, f);
                    else {
                        k += (size_t)snprintf(item + k, sizeof item - k, "%sx", i ? "," : "");
                        for (int j = 0; j < l; j++)
                            k += (size_t)snprintf(item + k, sizeof item - k, "%02x", (uint8_t)f[j]);
                    }
                    f += l;
                }
            }
            snprintf(item + k, sizeof item - k, ")");
            break;
        }
        case 't': {
            int n = buf_get_u16(body);
            size_t k = (size_t)snprintf(item, sizeof item, "t(");
            for (int i = 0; i < n; i++)
                k += (size_t)snprintf(item + k, sizeof item - k, "%s%u", i ? "," : "", buf_get_u32(body + 2 + 4 * i));
            snprintf(item + k, sizeof item - k, ")");
            break;
        }
        default:
            snprintf(item, sizeof item, "%c", type);
        }
        if (item[0]) {
            if (out.len)
                buf_putc(&out, ' ');
            buf_puts(&out, item);
        }
        p += len + 1;
        left -= len + 1;
        c->out_read += len + 1;
    }
    return buf_cstr(&out);
}

#define EXPECT(c, str) ASSERT_STREQ(trace((c), false), (str))

/* login - a trusted session, its startup answer consumed. */
static conn_t *login(sess_server_t *srv)
{
    conn_t *c = conn_new(srv);
    buf_t b = BUF_INIT;
    const char *kv[] = { "user", "alice", "database", "db", NULL };
    startup_v(&b, PGP_PROTOCOL(3, 0), kv);
    feed(c, b.data, b.len);
    buf_free(&b);
    EXPECT(c, "R0 K ZI");
    return c;
}

static void send_q(conn_t *c, const char *sql)
{
    buf_t b = BUF_INIT;
    q_msg(&b, sql);
    feed(c, b.data, b.len);
    buf_free(&b);
}

static void conn_free(conn_t *c)
{
    sess_free(c->s);
    buf_free(&c->in);
    buf_free(&c->out);
    mem_free(c);
}

/* ======================= tests ======================= */

static void test_startup_trust(void)
{
    cfg_t *cfg = test_cfg(NULL);
    sess_server_t *srv = sess_server_new(uv_default_loop(), cfg);
    conn_t *c = conn_new(srv);
    buf_t b = BUF_INIT;
    /* SSLRequest, answered with the single byte N. */
    buf_append(&b, "\x00\x00\x00\x08\x04\xd2\x16\x2f", 8);
    feed(c, b.data, b.len);
    ASSERT_EQ(c->out.len, 1);
    ASSERT_EQ(c->out.data[0], 'N');
    c->out_read = 1;
    buf_reset(&b);
    const char *kv[] = { "user", "alice", "database", "db", "application_name", "psql", "client_encoding", "utf-8",
                         "DateStyle", "ISO", "TimeZone", "Etc/UTC", "extra_float_digits", "2",
                         "options", "-c search_path=x --statement-timeout=5 -cwork_mem=1MB", "nonsense", "1", NULL };
    startup_v(&b, PGP_PROTOCOL(3, 0), kv);
    feed(c, b.data, b.len);
    ASSERT_STREQ(trace(c, true),
                 "R0 S:server_version=15.0 (kiln 0.1.0) S:server_encoding=UTF8 S:client_encoding=UTF8 "
                 "S:application_name=psql S:DateStyle=ISO, MDY S:IntervalStyle=postgres S:TimeZone=Etc/UTC "
                 "S:integer_datetimes=on S:standard_conforming_strings=on S:is_superuser=on "
                 "S:session_authorization=alice S:default_transaction_read_only=off S:in_hot_standby=off K ZI");
    ASSERT(last_pid > 0);
    send_q(c, "SHOW search_path");
    EXPECT(c, "T(search_path) D(x) C(SHOW) ZI");
    send_q(c, "SHOW statement_timeout");
    EXPECT(c, "T(statement_timeout) D(5ms) C(SHOW) ZI");
    send_q(c, "SHOW extra_float_digits; SHOW work_mem");
    EXPECT(c, "T(extra_float_digits) D(2) C(SHOW) T(work_mem) D(1MB) C(SHOW) ZI");
    ASSERT(c->reading);
    ASSERT(!c->closed);
    conn_free(c);
    buf_free(&b);
    sess_server_free(srv);
    cfg_free(cfg);
}

static void test_startup_errors(void)
{
    cfg_t *cfg = test_cfg((const char *const[]){ "kiln.pg.max-connections", "1", NULL });
    sess_server_t *srv = sess_server_new(uv_default_loop(), cfg);
    buf_t b = BUF_INIT;

    /* Protocol 3.2 with a _pq_ option: NegotiateProtocolVersion, then on. */
    conn_t *c = conn_new(srv);
    const char *kv[] = { "user", "bob", "_pq_.grease", "1", NULL };
    startup_v(&b, PGP_PROTOCOL(3, 2), kv);
    feed(c, b.data, b.len);
    EXPECT(c, "v R0 K ZI");
    /* The second client is over kiln.pg.max-connections = 1. */
    conn_t *c2 = conn_new(srv);
    feed(c2, b.data, b.len);
    EXPECT(c2, "v E(53300)");
    ASSERT_STREQ(last_error, "sorry, too many clients already");
    ASSERT(c2->closed);
    conn_free(c2);
    conn_free(c);

    /* Protocol 2.0. */
    c = conn_new(srv);
    buf_reset(&b);
    startup_v(&b, PGP_PROTOCOL(2, 0), kv);
    feed(c, b.data, b.len);
    EXPECT(c, "E(0A000)");
    ASSERT_STREQ(last_error, "unsupported frontend protocol 2.0: server supports 3.0 to 3.0");
    ASSERT(c->closed);
    conn_free(c);

    /* No user. */
    c = conn_new(srv);
    buf_reset(&b);
    startup_v(&b, PGP_PROTOCOL(3, 0), (const char *const[]){ "database", "x", NULL });
    feed(c, b.data, b.len);
    EXPECT(c, "E(28000)");
    ASSERT_STREQ(last_error, "no PostgreSQL user name specified in startup packet");
    conn_free(c);

    /* A bad client_encoding. */
    c = conn_new(srv);
    buf_reset(&b);
    startup_v(&b, PGP_PROTOCOL(3, 0), (const char *const[]){ "user", "u", "client_encoding", "LATIN1", NULL });
    feed(c, b.data, b.len);
    EXPECT(c, "E(22023)");
    conn_free(c);

    /* Startup packet too long: 08P01 and closed. */
    c = conn_new(srv);
    feed(c, "\x00\x01\x00\x00\x00\x03\x00\x00", 8);
    EXPECT(c, "E(08P01)");
    ASSERT_STREQ(last_error, "invalid length of startup packet");
    ASSERT(c->closed);
    conn_free(c);

    /* A second SSLRequest is not answered N again: PostgreSQL 15 takes it
     * for protocol version 1234.5679 and rejects it (0A000). */
    static const char ssl_req[] = "\x00\x00\x00\x08\x04\xd2\x16\x2f";
    static const char gss_req[] = "\x00\x00\x00\x08\x04\xd2\x16\x30";
    c = conn_new(srv);
    feed(c, ssl_req, 8);
    ASSERT_EQ(c->out.len, 1);
    ASSERT_EQ(c->out.data[0], 'N');
    c->out_read = 1;
    feed(c, ssl_req, 8);
    EXPECT(c, "E(0A000)");
    ASSERT_STREQ(last_error, "unsupported frontend protocol 1234.5679: server supports 3.0 to 3.0");
    ASSERT(c->closed);
    conn_free(c);
    /* SSL refused, then GSS encryption refused, then the startup packet. */
    c = conn_new(srv);
    feed(c, ssl_req, 8);
    feed(c, gss_req, 8);
    ASSERT_EQ(c->out.len, 2);
    ASSERT(memcmp(c->out.data, "NN", 2) == 0);
    c->out_read = 2;
    buf_reset(&b);
    startup_v(&b, PGP_PROTOCOL(3, 0), (const char *const[]){ "user", "bob", NULL });
    feed(c, b.data, b.len);
    EXPECT(c, "R0 K ZI");
    conn_free(c);

    /* Startup arriving one byte at a time. */
    c = conn_new(srv);
    buf_reset(&b);
    startup_v(&b, PGP_PROTOCOL(3, 0), kv + 0);
    for (size_t i = 0; i < b.len; i++)
        feed(c, b.data + i, 1);
    EXPECT(c, "v R0 K ZI");
    conn_free(c);

    buf_free(&b);
    sess_server_free(srv);
    cfg_free(cfg);
}

static conn_t *start_auth(sess_server_t *srv, const char *user, const char *expect)
{
    conn_t *c = conn_new(srv);
    buf_t b = BUF_INIT;
    startup_v(&b, PGP_PROTOCOL(3, 0), (const char *const[]){ "user", user, NULL });
    feed(c, b.data, b.len);
    buf_free(&b);
    EXPECT(c, expect);
    return c;
}

static void send_pw(conn_t *c, const char *pw)
{
    buf_t b = BUF_INIT;
    pw_msg(&b, pw, strlen(pw) + 1);
    feed(c, b.data, b.len);
    buf_free(&b);
}

static void test_auth_password_md5(void)
{
    cfg_t *cfg = test_cfg((const char *const[]){ "kiln.auth.method", "password", "kiln.auth.users",
                                                 "alice:secret, bob:pw:with:colons", NULL });
    sess_server_t *srv = sess_server_new(uv_default_loop(), cfg);
    conn_t *c = start_auth(srv, "alice", "R3");
    send_pw(c, "secret");
    EXPECT(c, "R0 K ZI");
    conn_free(c);
    c = start_auth(srv, "bob", "R3");
    send_pw(c, "pw:with:colons");
    EXPECT(c, "R0 K ZI");
    conn_free(c);
    c = start_auth(srv, "alice", "R3");
    send_pw(c, "wrong");
    EXPECT(c, "E(28P01)");
    ASSERT_STREQ(last_error, "password authentication failed for user \"alice\"");
    ASSERT(c->closed);
    conn_free(c);
    c = start_auth(srv, "mallory", "R3");
    send_pw(c, "secret");
    EXPECT(c, "E(28P01)");
    ASSERT_STREQ(last_error, "password authentication failed for user \"mallory\"");
    conn_free(c);
    /* A query instead of the password. */
    c = start_auth(srv, "alice", "R3");
    send_q(c, "SELECT 1");
    EXPECT(c, "E(08P01)");
    ASSERT_STREQ(last_error, "expected password response, got message type 81");
    conn_free(c);
    sess_server_free(srv);
    cfg_free(cfg);

    cfg = test_cfg((const char *const[]){ "kiln.auth.method", "md5", "kiln.auth.users", "alice:secret", NULL });
    srv = sess_server_new(uv_default_loop(), cfg);
    c = start_auth(srv, "alice", "R5");
    char answer[36];
    pgp_md5_password("alice", "secret", (const uint8_t *)last_auth_data, answer);
    send_pw(c, answer);
    EXPECT(c, "R0 K ZI");
    conn_free(c);
    c = start_auth(srv, "alice", "R5");
    pgp_md5_password("alice", "wrong", (const uint8_t *)last_auth_data, answer);
    send_pw(c, answer);
    EXPECT(c, "E(28P01)");
    conn_free(c);
    sess_server_free(srv);
    cfg_free(cfg);

    /* trust with a user list: unknown users do not exist. */
    cfg = test_cfg((const char *const[]){ "kiln.auth.users", "alice:secret", NULL });
    srv = sess_server_new(uv_default_loop(), cfg);
    c = start_auth(srv, "carol", "E(28000)");
    ASSERT_STREQ(last_error, "role \"carol\" does not exist");
    conn_free(c);
    sess_server_free(srv);
    cfg_free(cfg);
}

/* scram_client - the client side of SCRAM-SHA-256, as libpq does it. */
static void scram_login(sess_server_t *srv, const char *user, const char *password, bool expect_ok)
{
    conn_t *c = start_auth(srv, user, "R10");
    ASSERT_STREQ(last_auth_data, "SCRAM-SHA-256");
    const char *cnonce = "rOprNGfwEbeRWgbNEkqO";
    char first[128];
    snprintf(first, sizeof first, "n,,n=,r=%s", cnonce);
    buf_t b = BUF_INIT, body = BUF_INIT;
    buf_putstr0(&body, "SCRAM-SHA-256");
    buf_put_u32(&body, (uint32_t)strlen(first));
    buf_puts(&body, first);
    msg(&b, 'p', &body);
    feed(c, b.data, b.len);
    EXPECT(c, "R11");
    char server_first[512];
    snprintf(server_first, sizeof server_first, "%s", last_auth_data);
    /* r=<nonce>,s=<salt>,i=<iter> */
    char *r = server_first + 2, *s = strstr(server_first, ",s="), *i = strstr(server_first, ",i=");
    ASSERT(s && i && strncmp(r, cnonce, strlen(cnonce)) == 0);
    char nonce[256];
    snprintf(nonce, sizeof nonce, "%.*s", (int)(s - r), r);
    uint8_t salt[64];
    int slen = pgp_base64_decode(s + 3, (size_t)(i - s - 3), salt, sizeof salt);
    ASSERT(slen > 0);
    int iter = atoi(i + 3);
    uint8_t salted[32], ckey[32], stored[32], csig[32], proof[32];
    unsigned int l = 32;
    PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, slen, iter, EVP_sha256(), 32, salted);
    HMAC(EVP_sha256(), salted, 32, (const uint8_t *)"Client Key", 10, ckey, &l);
    SHA256(ckey, 32, stored);
    char without_proof[512], auth_msg[2048];
    snprintf(without_proof, sizeof without_proof, "c=biws,r=%s", nonce);
    snprintf(auth_msg, sizeof auth_msg, "n=,r=%s,%s,%s", cnonce, last_auth_data, without_proof);
    HMAC(EVP_sha256(), stored, 32, (const uint8_t *)auth_msg, strlen(auth_msg), csig, &l);
    for (int k = 0; k < 32; k++)
        proof[k] = ckey[k] ^ csig[k];
    char proof64[64], final[600];
    pgp_base64_encode(proof, 32, proof64);
    snprintf(final, sizeof final, "%s,p=%s", without_proof, proof64);
    buf_reset(&b);
    pw_msg(&b, final, strlen(final));
    feed(c, b.data, b.len);
    if (expect_ok) {
        EXPECT(c, "R12 R0 K ZI");
        uint8_t skey[32], ssig[32];
        char ssig64[64], expect_final[80];
        HMAC(EVP_sha256(), salted, 32, (const uint8_t *)"Server Key", 10, skey, &l);
        HMAC(EVP_sha256(), skey, 32, (const uint8_t *)auth_msg, strlen(auth_msg), ssig, &l);
        pgp_base64_encode(ssig, 32, ssig64);
        snprintf(expect_final, sizeof expect_final, "v=%s", ssig64);
        /* last_auth_data holds the R0 (empty); check via a fresh decode of R12 is done by the server test. */
        (void)expect_final;
    } else {
        EXPECT(c, "E(28P01)");
        char m[128];
        snprintf(m, sizeof m, "password authentication failed for user \"%s\"", user);
        ASSERT_STREQ(last_error, m);
        ASSERT(c->closed);
    }
    buf_free(&b);
    buf_free(&body);
    conn_free(c);
}

static void test_auth_scram(void)
{
    cfg_t *cfg = test_cfg((const char *const[]){ "kiln.auth.method", "scram-sha-256", "kiln.auth.users",
                                                 "alice:secret", NULL });
    sess_server_t *srv = sess_server_new(uv_default_loop(), cfg);
    scram_login(srv, "alice", "secret", true);
    scram_login(srv, "alice", "secret", true); /* cached secret */
    scram_login(srv, "alice", "wrong", false);
    scram_login(srv, "nobody", "secret", false);
    sess_server_free(srv);
    cfg_free(cfg);
}

static void test_simple_query(void)
{
    cfg_t *cfg = test_cfg(NULL);
    sess_server_t *srv = sess_server_new(uv_default_loop(), cfg);
    conn_t *c = login(srv);
    send_q(c, "SELECT 1");
    EXPECT(c, "T(?column?) D(1) C(SELECT 1) ZI");
    send_q(c, "SELECT 1; SELECT 2;");
    EXPECT(c, "T(?column?) D(1) C(SELECT 1) T(?column?) D(2) C(SELECT 1) ZI");
    send_q(c, "");
    EXPECT(c, "I ZI");
    send_q(c, " ; ");
    EXPECT(c, "I ZI");
    send_q(c, "SELECT 1; bogus; SELECT 2");
    EXPECT(c, "T(?column?) D(1) C(SELECT 1) E(42601) ZI");
    send_q(c, "SET application_name = app1");
    EXPECT(c, "C(SET) ZI");
    send_q(c, "SET application_name = app2");
    ASSERT_STREQ(trace(c, true), "C(SET) S:application_name=app2 ZI");
    send_q(c, "NOTICE");
    EXPECT(c, "N(01000) C(DO) ZI");
    send_q(c, "SET client_min_messages = warning; NOTICE");
    EXPECT(c, "C(SET) C(DO) ZI");
    send_q(c, "ROWS 0");
    EXPECT(c, "T(i) C(SELECT 0) ZI");
    /* Several messages in one read get one write. */
    buf_t b = BUF_INIT;
    q_msg(&b, "SELECT 1");
    q_msg(&b, "SELECT 2");
    q_msg(&b, "SELECT 3");
    int sends = c->sends;
    feed(c, b.data, b.len);
    ASSERT_EQ(c->sends, sends + 1);
    EXPECT(c, "T(?column?) D(1) C(SELECT 1) ZI T(?column?) D(2) C(SELECT 1) ZI T(?column?) D(3) C(SELECT 1) ZI");
    buf_free(&b);
    /* Terminate closes without a reply, after the replies before it. */
    buf_t t = BUF_INIT;
    q_msg(&t, "SELECT 4");
    empty_msg(&t, 'X');
    q_msg(&t, "SELECT 5");
    feed(c, t.data, t.len);
    EXPECT(c, "T(?column?) D(4) C(SELECT 1) ZI");
    ASSERT(c->closed);
    buf_free(&t);
    conn_free(c);
    sess_server_free(srv);
    cfg_free(cfg);
}

static void test_transactions(void)
{
    cfg_t *cfg = test_cfg(NULL);
    sess_server_t *srv = sess_server_new(uv_default_loop(), cfg);
    conn_t *c = login(srv);
    send_q(c, "BEGIN");
    EXPECT(c, "C(BEGIN) ZT");
    send_q(c, "BEGIN");
    EXPECT(c, "N(25001) C(BEGIN) ZT");
    send_q(c, "SELECT 1");
    EXPECT(c, "T(?column?) D(1) C(SELECT 1) ZT");
    send_q(c, "FAIL");
    EXPECT(c, "T(x) E(22012) ZE");
    send_q(c, "SELECT 1");
    EXPECT(c, "E(25P02) ZE");
    ASSERT_STREQ(last_error, "current transaction is aborted, commands ignored until end of transaction block");
    send_q(c, "bogus");
    EXPECT(c, "E(25P02) ZE");
    send_q(c, "ROLLBACK TO s1");
    EXPECT(c, "C(ROLLBACK) ZT");
    send_q(c, "FAIL");
    EXPECT(c, "T(x) E(22012) ZE");
    send_q(c, "COMMIT");
    EXPECT(c, "C(ROLLBACK) ZI");
    send_q(c, "COMMIT");
    EXPECT(c, "N(25P01) C(COMMIT) ZI");
    send_q(c, "ROLLBACK");
    EXPECT(c, "N(25P01) C(ROLLBACK) ZI");
    send_q(c, "SAVEPOINT a");
    EXPECT(c, "E(25P01) ZI");
    ASSERT_STREQ(last_error, "SAVEPOINT can only be used in transaction blocks");
    send_q(c, "START TRANSACTION; SELECT 1; END");
    EXPECT(c, "C(START TRANSACTION) T(?column?) D(1) C(SELECT 1) C(COMMIT) ZI");
    send_q(c, "BEGIN; FAIL; SELECT 1");
    EXPECT(c, "C(BEGIN) T(x) E(22012) ZE");
    send_q(c, "ABORT");
    EXPECT(c, "C(ROLLBACK) ZI");
    send_q(c, "BEGIN; DISCARD ALL");
    EXPECT(c, "C(BEGIN) E(25001) ZE");
    send_q(c, "ROLLBACK");
    EXPECT(c, "C(ROLLBACK) ZI");
    conn_free(c);
    sess_server_free(srv);
    cfg_free(cfg);
}

extern char fake_tx_log[256];
extern bool fake_current;
extern int fake_prepares;

/* Statements kept across messages are reused while current, prepared
 * again when the engine says the catalog moved on. */
static void test_statement_caches(void)
{
    cfg_t *cfg = test_cfg(NULL);
    sess_server_t *srv = sess_server_new(uv_default_loop(), cfg);
    conn_t *c = login(srv);
    fake_current = true;
    int p0 = fake_prepares;
    send_q(c, "SELECT 11");
    send_q(c, "SELECT 11");
    send_q(c, "SELECT 11");
    EXPECT(c, "T(?column?) D(11) C(SELECT 1) ZI T(?column?) D(11) C(SELECT 1) ZI T(?column?) D(11) C(SELECT 1) ZI");
    ASSERT_EQ(fake_prepares - p0, 1);
    /* Different text, several statements, commands: not from the cache. */
    send_q(c, "SELECT 11;");
    send_q(c, "SELECT 11; SELECT 11");
    ASSERT_EQ(fake_prepares - p0, 4);
    /* A command invalidates what is cached. */
    send_q(c, "SET application_name = a");
    send_q(c, "SELECT 11");
    ASSERT_EQ(fake_prepares - p0, 6);
    /* The engine says the catalog changed: prepared again. */
    fake_current = false;
    send_q(c, "SELECT 11");
    send_q(c, "SELECT 11");
    ASSERT_EQ(fake_prepares - p0, 8);
    trace(c, false);

    /* Unnamed Parse of the same text: reused while current. */
    fake_current = true;
    buf_t b = BUF_INIT;
    for (int i = 0; i < 3; i++) {
        p_msg(&b, "", "SELECT 12", 0, NULL);
        b_msg(&b, "", "", -1, 0, NULL, -1);
        e_msg(&b, "", 0);
        empty_msg(&b, 'S');
    }
    p0 = fake_prepares;
    feed(c, b.data, b.len);
    ASSERT_EQ(fake_prepares - p0, 1);
    EXPECT(c, "1 2 D(12) C(SELECT 1) ZI 1 2 D(12) C(SELECT 1) ZI 1 2 D(12) C(SELECT 1) ZI");
    /* Never current (artificial): each Parse prepares, each Bind revalidates. */
    fake_current = false;
    p0 = fake_prepares;
    feed(c, b.data, b.len);
    ASSERT_EQ(fake_prepares - p0, 6);
    trace(c, false);

    /* A named statement is revalidated at Bind. */
    buf_reset(&b);
    fake_current = true;
    p_msg(&b, "n", "SELECT 13", 0, NULL);
    empty_msg(&b, 'S');
    feed(c, b.data, b.len);
    buf_reset(&b);
    b_msg(&b, "", "n", -1, 0, NULL, -1);
    e_msg(&b, "", 0);
    empty_msg(&b, 'S');
    p0 = fake_prepares;
    feed(c, b.data, b.len);
    ASSERT_EQ(fake_prepares - p0, 0);
    fake_current = false;
    feed(c, b.data, b.len);
    ASSERT_EQ(fake_prepares - p0, 1);
    EXPECT(c, "1 ZI 2 D(13) C(SELECT 1) ZI 2 D(13) C(SELECT 1) ZI");
    fake_current = true;
    buf_free(&b);
    conn_free(c);
    sess_server_free(srv);
    cfg_free(cfg);
}

/* The engine hears about every transaction end, with its outcome. */
static void test_tx_ends(void)
{
    cfg_t *cfg = test_cfg(NULL);
    sess_server_t *srv = sess_server_new(uv_default_loop(), cfg);
    conn_t *c = login(srv);
    fake_tx_log[0] = '\0';
    send_q(c, "SELECT 1");
    send_q(c, "SELECT 1; bogus");
    send_q(c, "BEGIN");
    send_q(c, "SELECT 1");
    send_q(c, "COMMIT");
    send_q(c, "BEGIN; SET application_name = x; ROLLBACK");
    send_q(c, "BEGIN; FAIL");
    send_q(c, "COMMIT");
    send_q(c, "");
    trace(c, false);
    ASSERT_STREQ(fake_tx_log, "cacaa");
    fake_tx_log[0] = '\0';
    buf_t b = BUF_INIT;
    p_msg(&b, "", "SELECT 1", 0, NULL);
    b_msg(&b, "", "", -1, 0, NULL, -1);
    e_msg(&b, "", 0);
    empty_msg(&b, 'S');
    p_msg(&b, "", "FAIL", 0, NULL);
    b_msg(&b, "", "", -1, 0, NULL, -1);
    e_msg(&b, "", 0);
    empty_msg(&b, 'S');
    empty_msg(&b, 'S');
    feed(c, b.data, b.len);
    EXPECT(c, "1 2 D(1) C(SELECT 1) ZI 1 2 E(22012) ZI ZI");
    ASSERT_STREQ(fake_tx_log, "ca");
    buf_free(&b);
    conn_free(c);
    sess_server_free(srv);
    cfg_free(cfg);
}

static void test_extended(void)
{
    cfg_t *cfg = test_cfg(NULL);
    sess_server_t *srv = sess_server_new(uv_default_loop(), cfg);
    conn_t *c = login(srv);
    buf_t b = BUF_INIT;

    /* pgjdbc's first-executions shape: P B D(P) E S, unnamed. */
    uint32_t t23[] = { 23 };
    p_msg(&b, "", "SELECT $1", 1, t23);
    b_msg(&b, "", "", 1, 1, (const char *const[]){ "1993" }, -1);
    target_msg(&b, 'D', 'P', "");
    e_msg(&b, "", 0);
    empty_msg(&b, 'S');
    feed(c, b.data, b.len);
    EXPECT(c, "1 2 T(?column?) D(1993) C(SELECT 1) ZI");

    /* Named statement, Describe S, binary results. */
    buf_reset(&b);
    p_msg(&b, "S_1", "ROWS 3", 0, NULL);
    target_msg(&b, 'D', 'S', "S_1");
    empty_msg(&b, 'S');
    b_msg(&b, "", "S_1", -1, 0, NULL, 1);
    target_msg(&b, 'D', 'P', "");
    e_msg(&b, "", 2);
    e_msg(&b, "", 2);
    e_msg(&b, "", 0);
    empty_msg(&b, 'S');
    feed(c, b.data, b.len);
    EXPECT(c, "1 t() T(i) ZI 2 T(i/b) D(x00000001) D(x00000002) s D(x00000003) C(SELECT 1) C(SELECT 0) ZI");

    /* Duplicate name, unknown statement and portal, error skips to Sync. */
    buf_reset(&b);
    p_msg(&b, "S_1", "SELECT 1", 0, NULL);
    b_msg(&b, "", "S_1", -1, 0, NULL, -1);
    e_msg(&b, "", 0);
    empty_msg(&b, 'S');
    feed(c, b.data, b.len);
    EXPECT(c, "E(42P05) ZI");
    ASSERT_STREQ(last_error, "prepared statement \"S_1\" already exists");
    buf_reset(&b);
    b_msg(&b, "", "nope", -1, 0, NULL, -1);
    empty_msg(&b, 'S');
    e_msg(&b, "nope", 0);
    empty_msg(&b, 'S');
    target_msg(&b, 'D', 'S', "nope");
    empty_msg(&b, 'S');
    q_msg(&b, "SELECT 1");
    target_msg(&b, 'D', 'S', "");
    empty_msg(&b, 'S');
    feed(c, b.data, b.len);
    EXPECT(c, "E(26000) ZI E(34000) ZI E(26000) ZI T(?column?) D(1) C(SELECT 1) ZI E(26000) ZI");
    ASSERT_STREQ(last_error, "unnamed prepared statement does not exist");

    /* Parameter count and format checks are ERRORs, the session lives on. */
    buf_reset(&b);
    p_msg(&b, "P1", "SELECT $1", 0, NULL);
    b_msg(&b, "", "P1", -1, 0, NULL, -1);
    empty_msg(&b, 'S');
    b_msg(&b, "", "P1", 7, 1, (const char *const[]){ "x" }, -1);
    empty_msg(&b, 'S');
    b_msg(&b, "", "P1", -1, 1, (const char *const[]){ NULL }, -1);
    e_msg(&b, "", 0);
    empty_msg(&b, 'S');
    feed(c, b.data, b.len);
    EXPECT(c, "1 E(08P01) ZI E(22023) ZI 2 D(NULL) C(SELECT 1) ZI");
    ASSERT(!c->closed);

    /* Close, then the statement is gone; Close of unknown names is fine. */
    buf_reset(&b);
    target_msg(&b, 'C', 'S', "P1");
    target_msg(&b, 'C', 'S', "P1");
    target_msg(&b, 'C', 'P', "zz");
    b_msg(&b, "", "P1", -1, 1, (const char *const[]){ "x" }, -1);
    empty_msg(&b, 'S');
    feed(c, b.data, b.len);
    EXPECT(c, "3 3 3 E(26000) ZI");

    /* Named portals survive Sync inside BEGIN, die at COMMIT's Sync. */
    buf_reset(&b);
    q_msg(&b, "BEGIN");
    b_msg(&b, "C_1", "S_1", -1, 0, NULL, -1);
    e_msg(&b, "C_1", 1);
    empty_msg(&b, 'S');
    e_msg(&b, "C_1", 1);
    empty_msg(&b, 'S');
    q_msg(&b, "COMMIT");
    e_msg(&b, "C_1", 1);
    empty_msg(&b, 'S');
    feed(c, b.data, b.len);
    EXPECT(c, "C(BEGIN) ZT 2 D(1) s ZT D(2) s ZT C(COMMIT) ZI E(34000) ZI");

    /* Extended BEGIN, error, Sync: status E; ROLLBACK through Execute. */
    buf_reset(&b);
    p_msg(&b, "", "BEGIN", 0, NULL);
    b_msg(&b, "", "", -1, 0, NULL, -1);
    e_msg(&b, "", 0);
    p_msg(&b, "", "FAIL", 0, NULL);
    b_msg(&b, "", "", -1, 0, NULL, -1);
    e_msg(&b, "", 0);
    p_msg(&b, "", "SELECT 1", 0, NULL);
    empty_msg(&b, 'S');
    p_msg(&b, "", "SELECT 1", 0, NULL);
    empty_msg(&b, 'S');
    p_msg(&b, "", "ROLLBACK", 0, NULL);
    b_msg(&b, "", "", -1, 0, NULL, -1);
    e_msg(&b, "", 0);
    empty_msg(&b, 'S');
    feed(c, b.data, b.len);
    EXPECT(c, "1 2 C(BEGIN) 1 2 E(22012) ZE E(25P02) ZE 1 2 C(ROLLBACK) ZI");

    /* Query in the middle of an extended sequence; Flush. */
    buf_reset(&b);
    p_msg(&b, "", "SELECT 5", 0, NULL);
    b_msg(&b, "", "", -1, 0, NULL, -1);
    empty_msg(&b, 'H');
    q_msg(&b, "SELECT 6");
    e_msg(&b, "", 0);
    empty_msg(&b, 'S');
    feed(c, b.data, b.len);
    EXPECT(c, "1 2 T(?column?) D(6) C(SELECT 1) ZI E(34000) ZI");

    /* Empty statement, Describe of a statement without rows, DEALLOCATE. */
    buf_reset(&b);
    p_msg(&b, "e", "", 0, NULL);
    b_msg(&b, "", "e", -1, 0, NULL, -1);
    e_msg(&b, "", 0);
    p_msg(&b, "set", "SET application_name = x", 0, NULL);
    target_msg(&b, 'D', 'S', "set");
    empty_msg(&b, 'S');
    q_msg(&b, "DEALLOCATE set");
    q_msg(&b, "DEALLOCATE set");
    b_msg(&b, "", "e", -1, 0, NULL, -1);
    empty_msg(&b, 'S');
    q_msg(&b, "DEALLOCATE ALL");
    b_msg(&b, "", "e", -1, 0, NULL, -1);
    empty_msg(&b, 'S');
    feed(c, b.data, b.len);
    EXPECT(c, "1 2 I 1 t() n ZI C(DEALLOCATE) ZI E(26000) ZI 2 ZI C(DEALLOCATE ALL) ZI E(26000) ZI");

    /* Multiple statements in a Parse. */
    buf_reset(&b);
    p_msg(&b, "", "SELECT 1; SELECT 2", 0, NULL);
    p_msg(&b, "", "SELECT 1;", 0, NULL);
    empty_msg(&b, 'S');
    feed(c, b.data, b.len);
    EXPECT(c, "E(42601) ZI");
    ASSERT_STREQ(last_error, "cannot insert multiple commands into a prepared statement");

    /* SQL PREPARE / EXECUTE, DISCARD ALL resets settings and statements. */
    buf_reset(&b);
    q_msg(&b, "PREPARE q AS SELECT 42");
    q_msg(&b, "EXECUTE q");
    q_msg(&b, "SET application_name = changed");
    p_msg(&b, "keep", "SELECT 1", 0, NULL);
    empty_msg(&b, 'S');
    q_msg(&b, "DISCARD ALL");
    q_msg(&b, "EXECUTE q");
    b_msg(&b, "", "keep", -1, 0, NULL, -1);
    empty_msg(&b, 'S');
    feed(c, b.data, b.len);
    ASSERT_STREQ(trace(c, true), "C(PREPARE) ZI T(?column?) D(42) C(SELECT 1) ZI C(SET) S:application_name=changed ZI "
                                 "1 ZI C(DISCARD ALL) S:application_name= ZI E(26000) ZI E(26000) ZI");

    /* SQL EXECUTE through the extended protocol: Describe shows the named
     * statement's columns; a row limit suspends and resumes it. */
    buf_reset(&b);
    q_msg(&b, "PREPARE r AS SELECT 7");
    p_msg(&b, "", "EXECUTE r", 0, NULL);
    target_msg(&b, 'D', 'S', "");
    b_msg(&b, "", "", -1, 0, NULL, -1);
    target_msg(&b, 'D', 'P', "");
    e_msg(&b, "", 0);
    empty_msg(&b, 'S');
    p_msg(&b, "", "EXECUTE nope", 0, NULL);
    b_msg(&b, "", "", -1, 0, NULL, -1);
    e_msg(&b, "", 0);
    empty_msg(&b, 'S');
    feed(c, b.data, b.len);
    EXPECT(c, "C(PREPARE) ZI 1 t() T(?column?) 2 T(?column?) D(7) C(SELECT 1) ZI 1 2 E(26000) ZI");

    /* Bind with a binary int4 parameter, parameter formats count mismatch. */
    buf_reset(&b);
    p_msg(&b, "", "SELECT $1", 1, t23);
    b_msg(&b, "", "", 1, 1, (const char *const[]){ "2024" }, -1);
    e_msg(&b, "", 0);
    empty_msg(&b, 'S');
    feed(c, b.data, b.len);
    EXPECT(c, "1 2 D(2024) C(SELECT 1) ZI");

    buf_free(&b);
    conn_free(c);
    sess_server_free(srv);
    cfg_free(cfg);
}

static void test_malformed(void)
{
    cfg_t *cfg = test_cfg(NULL);
    sess_server_t *srv = sess_server_new(uv_default_loop(), cfg);
    static const struct {
        const char *bytes;
        size_t len;
        const char *message;
    } cases[] = {
        { "Y\x00\x00\x00\x04", 5, "invalid frontend message type 89" },
        { "Q\x00\x00\x00\x02", 5, "invalid message length" },
        { "Q\x00\x00\x00\x06" "ab", 7, "invalid string in message" },
        { "S\x00\x00\x00\x05x", 6, "invalid message format" },
        { "E\x00\x00\x00\x06x\x00", 7, "insufficient data left in message" },
        { "B\x00\x00\x00\x0a\x00\x00\x00\x05\x00\x00", 11, "insufficient data left in message" },
        { "P\x00\x00\x00\x0a" "a\x00" "b\x00\xff\xff", 11, "insufficient data left in message" },
        { "p\x00\x00\x00\x05x", 6, "invalid frontend message type 112" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        conn_t *c = login(srv);
        /* A healthy neighbour must not notice. */
        conn_t *n = login(srv);
        feed(c, cases[i].bytes, cases[i].len);
        if (strcmp(trace(c, false), "E(08P01)") != 0)
            TAP_FAIL("case %zu: %s", i, trace(c, false));
        ASSERT_STREQ(last_error, cases[i].message);
        ASSERT(c->closed);
        /* Input after the fatal error is ignored. */
        send_q(c, "SELECT 1");
        EXPECT(c, "");
        send_q(n, "SELECT 7");
        EXPECT(n, "T(?column?) D(7) C(SELECT 1) ZI");
        conn_free(c);
        conn_free(n);
    }
    sess_server_free(srv);
    cfg_free(cfg);
}

static void test_backpressure(void)
{
    cfg_t *cfg = test_cfg((const char *const[]){ "kiln.pg.output-high-water-bytes", "100000", NULL });
    sess_server_t *srv = sess_server_new(uv_default_loop(), cfg);
    conn_t *c = login(srv);
    c->track = true; /* the client reads nothing */
    buf_t b = BUF_INIT;
    q_msg(&b, "ROWS 50000");
    q_msg(&b, "SELECT 9");
    feed(c, b.data, b.len);
    /* Stopped when the output passed the mark (inline or on a worker): reading off. */
    ASSERT(!c->reading);
    for (int i = 0; i < 10000 && sess_is_busy(c->s); i++)
        uv_run(uv_default_loop(), UV_RUN_ONCE);
    size_t first = c->out.len;
    ASSERT(first > 0 && first < 400000);
    sess_on_drain(c->s); /* still full: nothing happens */
    ASSERT_EQ(c->out.len, first);
    int rounds = 0;
    while ((!c->reading || sess_is_busy(c->s)) && rounds < 100000) {
        if (sess_is_busy(c->s)) {
            uv_run(uv_default_loop(), UV_RUN_ONCE);
            continue;
        }
        c->pending = 0; /* the client read everything */
        sess_on_drain(c->s);
        rounds++;
    }
    ASSERT(rounds > 3);
    /* Count the rows. */
    const char *t = trace(c, false);
    int rows = 0;
    for (const char *p = t; (p = strstr(p, "D(")); p++)
        rows++;
    ASSERT_EQ(rows, 50001);
    ASSERT(strstr(t, "C(SELECT 50000) ZI T(?column?) D(9) C(SELECT 1) ZI"));
    buf_free(&b);
    conn_free(c);
    sess_server_free(srv);
    cfg_free(cfg);
}

static void run_loop_until(bool (*done)(void *), void *arg)
{
    for (int i = 0; i < 10000 && !done(arg); i++)
        uv_run(uv_default_loop(), UV_RUN_ONCE);
}

static bool got_z(void *arg)
{
    conn_t *c = arg;
    return c->out.len > c->out_read && c->out.data[c->out.len - 6] == 'Z';
}

static void test_worker(void)
{
    cfg_t *cfg = test_cfg((const char *const[]){ "kiln.pg.output-high-water-bytes", "4096", NULL });
    sess_server_t *srv = sess_server_new(uv_default_loop(), cfg);
    conn_t *c = login(srv);
    buf_t b = BUF_INIT;
    q_msg(&b, "SLOW 3; SELECT 1; SLOW 2000");
    q_msg(&b, "SELECT 2");
    feed(c, b.data, b.len);
    ASSERT(!c->reading);
    ASSERT(sess_is_busy(c->s));
    run_loop_until(got_z, c);
    /* The second Query was handled after the first finished. */
    for (int i = 0; i < 100 && sess_is_busy(c->s); i++)
        uv_run(uv_default_loop(), UV_RUN_ONCE);
    const char *t = trace(c, false);
    ASSERT(strncmp(t, "T(i) D(1) D(2) D(3) C(SELECT 3) T(?column?) D(1) C(SELECT 1) T(i) D(1)", 70) == 0);
    ASSERT(strstr(t, "D(2000) C(SELECT 2000) ZI T(?column?) D(2) C(SELECT 1) ZI"));
    ASSERT(c->reading);

    /* A "cheap" statement streaming rows for long moves to a worker: after
     * 2 ms inline, which natively takes some 100000 rows. Under valgrind a
     * few hundred do, and 300000 rows through the worker and the 4096-byte
     * high-water mark take most of the per-test alarm on a loaded machine. */
    const char *pre = getenv("LD_PRELOAD");
    int nrows = pre && strstr(pre, "vgpreload") ? 30000 : 300000;
    char sql[32], tail[96];
    snprintf(sql, sizeof sql, "ROWS %d", nrows);
    snprintf(tail, sizeof tail, "D(%d) D(%d) C(SELECT %d) ZI", nrows - 1, nrows, nrows);
    buf_reset(&b);
    q_msg(&b, sql);
    feed(c, b.data, b.len);
    ASSERT(sess_is_busy(c->s));
    run_loop_until(got_z, c);
    for (int i = 0; i < 100 && sess_is_busy(c->s); i++)
        uv_run(uv_default_loop(), UV_RUN_ONCE);
    t = trace(c, false);
    ASSERT(strstr(t, tail));

    /* Extended protocol on a worker with a row limit. */
    buf_reset(&b);
    p_msg(&b, "", "SLOW 5", 0, NULL);
    b_msg(&b, "", "", -1, 0, NULL, -1);
    e_msg(&b, "", 3);
    e_msg(&b, "", 3);
    empty_msg(&b, 'S');
    feed(c, b.data, b.len);
    run_loop_until(got_z, c);
    EXPECT(c, "1 2 D(1) D(2) D(3) s D(4) D(5) C(SELECT 2) ZI");
    buf_free(&b);
    conn_free(c);
    sess_server_free(srv);
    cfg_free(cfg);
}

/* count - occurrences of what in s. */
static int count(const char *s, const char *what)
{
    int n = 0;
    for (const char *p = s; (p = strstr(p, what)); p += strlen(what))
        n++;
    return n;
}

static void test_worker_notices(void)
{
    cfg_t *cfg = test_cfg((const char *const[]){ "kiln.pg.output-high-water-bytes", "4096", NULL });
    sess_server_t *srv = sess_server_new(uv_default_loop(), cfg);
    conn_t *c = login(srv);
    buf_t b = BUF_INIT;
    /* Rows and notices of a worker keep their order (s->pend, then s->out). */
    send_q(c, "NOTICES 3 2");
    ASSERT(sess_is_busy(c->s));
    run_loop_until(got_z, c);
    EXPECT(c, "T(i) D(1) N(01000) D(2) N(01000) N(01000) C(SELECT 2) ZI");
    /* The same through Execute. */
    p_msg(&b, "", "NOTICES 2 2", 0, NULL);
    b_msg(&b, "", "", -1, 0, NULL, -1);
    e_msg(&b, "", 0);
    empty_msg(&b, 'S');
    feed(c, b.data, b.len);
    run_loop_until(got_z, c);
    EXPECT(c, "1 2 D(1) N(01000) D(2) N(01000) C(SELECT 2) ZI");

    /* A notice is sent while the statement still runs: here when a write of
     * the connection completes (the server's uv_async does it at once). */
    send_q(c, "NOTICES 1 0 3000");
    EXPECT(c, "T(i)"); /* sent before the job started */
    bool seen = false;
    for (int i = 0; i < 2500 && sess_is_busy(c->s) && !seen; i++) {
        sess_on_drain(c->s);
        seen = strcmp(trace(c, false), "N(01000)") == 0;
        if (!seen)
            usleep(1000);
    }
    ASSERT(seen);
    ASSERT(sess_is_busy(c->s));
    sess__cancel(srv, (uint32_t)c->s->pid, c->s->key);
    run_loop_until(got_z, c);
    EXPECT(c, "C(SELECT 0) ZI");

    /* A client that reads nothing: the notices kept are bounded by the
     * high-water mark, the rest are dropped and counted. */
    c->track = true;
    send_q(c, "NOTICES 20000");
    for (int i = 0; i < 100000 && sess_is_busy(c->s); i++) {
        sess_on_drain(c->s);
        uv_run(uv_default_loop(), UV_RUN_NOWAIT);
    }
    run_loop_until(got_z, c);
    size_t sent = c->out.len - c->out_read;
    ASSERT(sent < 4 * 4096);
    ASSERT(memmem(c->out.data + c->out_read, sent, "notices were dropped", 20) != NULL);
    const char *t = trace(c, false);
    ASSERT(count(t, "N(01000)") > 10 && count(t, "N(01000)") < 200);
    ASSERT(strstr(t, "N(01000) C(SELECT 0) ZI"));
    /* The client catches up: the session goes on. */
    c->track = false;
    c->pending = 0;
    sess_on_drain(c->s);
    send_q(c, "NOTICES 1 1");
    run_loop_until(got_z, c);
    EXPECT(c, "T(i) D(1) N(01000) C(SELECT 1) ZI");
    buf_free(&b);
    conn_free(c);
    sess_server_free(srv);
    cfg_free(cfg);
}

static void test_cancel(void)
{
    cfg_t *cfg = test_cfg(NULL);
    sess_server_t *srv = sess_server_new(uv_default_loop(), cfg);
    conn_t *a = login(srv);
    uint32_t pid = last_pid, key = last_key;
    send_q(a, "SLEEP");
    ASSERT(sess_is_busy(a->s));
    /* A wrong key is ignored. */
    conn_t *k = conn_new(srv);
    buf_t b = BUF_INIT;
    buf_put_u32(&b, 16);
    buf_put_u32(&b, PGP_CANCEL_REQUEST_CODE);
    buf_put_u32(&b, pid);
    buf_put_u32(&b, key + 1);
    feed(k, b.data, b.len);
    ASSERT(k->closed);
    ASSERT_EQ(k->out.len, 0);
    conn_free(k);
    for (int i = 0; i < 20; i++)
        uv_run(uv_default_loop(), UV_RUN_NOWAIT);
    ASSERT(sess_is_busy(a->s));
    k = conn_new(srv);
    buf_set_u32(&b, 12, key);
    feed(k, b.data, b.len);
    ASSERT_EQ(k->out.len, 0);
    conn_free(k);
    run_loop_until(got_z, a);
    EXPECT(a, "T(i) E(57014) ZI");
    /* The session goes on. */
    send_q(a, "SELECT 3");
    EXPECT(a, "T(?column?) D(3) C(SELECT 1) ZI");
    buf_free(&b);
    conn_free(a);
    sess_server_free(srv);
    cfg_free(cfg);
}

static void test_statement_timeout(void)
{
    cfg_t *cfg = test_cfg((const char *const[]){ "kiln.pg.output-high-water-bytes", "100000", NULL });
    sess_server_t *srv = sess_server_new(uv_default_loop(), cfg);
    conn_t *a = login(srv);
    send_q(a, "SET statement_timeout = 100");
    EXPECT(a, "C(SET) ZI");
    send_q(a, "SLEEP");
    ASSERT(sess_is_busy(a->s));
    uint64_t now = uv_now(uv_default_loop());
    sess__check_deadlines(srv, now + 50);
    sess__check_deadlines(srv, now + 150);
    run_loop_until(got_z, a);
    EXPECT(a, "T(i) E(57014) ZI");
    ASSERT_STREQ(last_error, "canceling statement due to statement timeout");

    /* A statement paused because the client reads nothing can be cancelled. */
    conn_t *b = login(srv);
    uint32_t pid = last_pid, key = last_key;
    b->track = true;
    send_q(b, "ROWS 1000000");
    for (int i = 0; i < 10000 && sess_is_busy(b->s); i++)
        uv_run(uv_default_loop(), UV_RUN_ONCE);
    ASSERT(!b->reading);
    conn_t *k = conn_new(srv);
    buf_t m = BUF_INIT;
    buf_put_u32(&m, 16);
    buf_put_u32(&m, PGP_CANCEL_REQUEST_CODE);
    buf_put_u32(&m, pid);
    buf_put_u32(&m, key);
    feed(k, m.data, m.len);
    conn_free(k);
    buf_free(&m);
    b->pending = 0;
    sess_on_drain(b->s);
    for (int i = 0; i < 10000 && sess_is_busy(b->s); i++)
        uv_run(uv_default_loop(), UV_RUN_ONCE);
    const char *t = trace(b, false);
    ASSERT(strlen(t) > 20 && strcmp(t + strlen(t) - 11, "E(57014) ZI") == 0);
    ASSERT(b->reading);
    conn_free(a);
    conn_free(b);
    sess_server_free(srv);
    cfg_free(cfg);
}

static void test_shutdown(void)
{
    cfg_t *cfg = test_cfg(NULL);
    sess_server_t *srv = sess_server_new(uv_default_loop(), cfg);
    conn_t *a = login(srv);
    ASSERT_EQ(sess_server_count(srv), 1);
    sess_server_shutdown(srv);
    EXPECT(a, "E(57P01)");
    ASSERT_STREQ(last_error, "terminating connection due to administrator command");
    ASSERT(a->closed);
    conn_free(a);
    ASSERT_EQ(sess_server_count(srv), 0);
    sess_server_free(srv);
    cfg_free(cfg);
}

static void test_auth_deadline(void)
{
    cfg_t *cfg = test_cfg((const char *const[]){ "kiln.auth.method", "password", "kiln.auth.users", "a:b", NULL });
    sess_server_t *srv = sess_server_new(uv_default_loop(), cfg);
    conn_t *slow = conn_new(srv);
    feed(slow, "\x00\x00", 2);
    conn_t *waiting = start_auth(srv, "a", "R3");
    conn_t *done = start_auth(srv, "a", "R3");
    send_pw(done, "b");
    EXPECT(done, "R0 K ZI");
    sess__check_deadlines(srv, uv_now(uv_default_loop()) + 59000);
    ASSERT(!slow->closed && !waiting->closed);
    sess__check_deadlines(srv, uv_now(uv_default_loop()) + 60001);
    EXPECT(slow, "E(08P01)");
    ASSERT_STREQ(last_error, "canceling authentication due to timeout");
    EXPECT(waiting, "E(08P01)");
    ASSERT(slow->closed && waiting->closed && !done->closed);
    conn_free(slow);
    conn_free(waiting);
    conn_free(done);
    sess_server_free(srv);
    cfg_free(cfg);
}

/* ---- fuzzing: hostile byte streams must only ever close their own session ---- */

static uint64_t rng_state = 88172645463325252ull;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)rng_state;
}

static void valid_message(buf_t *b)
{
    static const char *const sqls[] = { "SELECT 1", "SELECT $1", "ROWS 3", "BEGIN", "COMMIT", "FAIL", "bogus", "" };
    const char *sql = sqls[rnd() % 8];
    switch (rnd() % 9) {
    case 0: q_msg(b, sql); break;
    case 1: p_msg(b, rnd() % 2 ? "" : "s", sql, (int)(rnd() % 2), (const uint32_t[]){ 23 }); break;
    case 2: b_msg(b, rnd() % 2 ? "" : "p", rnd() % 2 ? "" : "s", (int)(rnd() % 3) - 1, (int)(rnd() % 2),
                  (const char *const[]){ "12" }, (int)(rnd() % 3) - 1); break;
    case 3: target_msg(b, 'D', rnd() % 2 ? 'S' : 'P', rnd() % 2 ? "" : "s"); break;
    case 4: e_msg(b, rnd() % 2 ? "" : "p", (int)(rnd() % 3)); break;
    case 5: target_msg(b, 'C', rnd() % 2 ? 'S' : 'P', "s"); break;
    case 6: empty_msg(b, 'H'); break;
    default: empty_msg(b, 'S'); break;
    }
}

static void test_fuzz(void)
{
    cfg_t *cfg = test_cfg((const char *const[]){ "kiln.pg.max-message-bytes", "4096", NULL });
    sess_server_t *srv = sess_server_new(uv_default_loop(), cfg);
    buf_t b = BUF_INIT;
    conn_t *witness = login(srv);
    for (int iter = 0; iter < 3000; iter++) {
        conn_t *c = iter % 10 == 0 ? conn_new(srv) : login(srv);
        buf_reset(&b);
        if (iter % 10 == 0) {
            const char *kv[] = { "user", "u", "options", "-c a=b", NULL };
            startup_v(&b, rnd() % 4 ? PGP_PROTOCOL(3, rnd() % 3) : rnd(), kv);
        }
        int n = 1 + (int)(rnd() % 12);
        for (int i = 0; i < n; i++) {
            size_t at = b.len;
            if (rnd() % 8 == 0) {
                int k = (int)(rnd() % 32);
                for (int j = 0; j < k; j++)
                    buf_putc(&b, (char)rnd());
            } else {
                valid_message(&b);
            }
            /* Mutate a few bytes of this message, often in the length or counts. */
            int flips = (int)(rnd() % 4);
            for (int j = 0; j < flips && b.len > at; j++) {
                size_t pos = at + (rnd() % 2 ? rnd() % (b.len - at) : rnd() % 8);
                if (pos < b.len)
                    b.data[pos] = (char)rnd();
            }
        }
        /* Feed in random chunks. */
        for (size_t off = 0; off < b.len && !c->closed;) {
            size_t k = 1 + rnd() % 64;
            if (k > b.len - off)
                k = b.len - off;
            feed(c, b.data + off, k);
            off += k;
        }
        if (!c->closed) {
            buf_t t = BUF_INIT;
            empty_msg(&t, 'S');
            q_msg(&t, "SELECT 1");
            feed(c, t.data, t.len);
            buf_free(&t);
        }
        conn_free(c);
    }
    /* The witness never noticed. */
    trace(witness, false);
    send_q(witness, "SELECT 2");
    EXPECT(witness, "T(?column?) D(2) C(SELECT 1) ZI");
    conn_free(witness);
    buf_free(&b);
    sess_server_free(srv);
    cfg_free(cfg);
}

int main(void)
{
    static const tap_test_t tests[] = {
        { "startup with trust, parameters, options", test_startup_trust },
        { "startup errors and protocol negotiation", test_startup_errors },
        { "cleartext and md5 passwords", test_auth_password_md5 },
        { "SCRAM-SHA-256", test_auth_scram },
        { "simple query", test_simple_query },
        { "transactions", test_transactions },
        { "extended protocol", test_extended },
        { "transaction ends reported to the engine", test_tx_ends },
        { "statement caches and revalidation", test_statement_caches },
        { "malformed messages drop only their connection", test_malformed },
        { "back-pressure", test_backpressure },
        { "worker execution", test_worker },
        { "notices from a worker", test_worker_notices },
        { "cancel", test_cancel },
        { "statement_timeout and cancel of a paused statement", test_statement_timeout },
        { "shutdown", test_shutdown },
        { "authentication deadline", test_auth_deadline },
        { "fuzzed client streams", test_fuzz },
    };
    return TAP_RUN(tests);
}
