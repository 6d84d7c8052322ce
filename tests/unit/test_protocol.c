/*
 * test_protocol.c - unit tests of src/protocol: the codec against a corpus of
 * well-formed and malformed client bytes (bytes in, expected outcome out, no
 * sockets), backend message encodings, and the auth mechanisms against
 * RFC 7677 and PostgreSQL test vectors.
 */
#include <stdint.h>
#include <string.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/mem.h"
#include "protocol/auth.h"
#include "protocol/codec.h"
#include "tap.h"

/* ---- helpers to write client messages ---- */

static void put_str(buf_t *b, const char *s)
{
    buf_putstr0(b, s);
}

/* frame - wraps body in a typed message (type 0: startup packet). */
static buf_t frame(char type, const buf_t *body)
{
    buf_t b = BUF_INIT;
    if (type)
        buf_putc(&b, type);
    buf_put_u32(&b, (uint32_t)body->len + 4);
    buf_append(&b, body->data, body->len);
    return b;
}

static buf_t raw(const char *bytes, size_t n)
{
    buf_t b = BUF_INIT;
    buf_append(&b, bytes, n);
    return b;
}
#define RAW(lit) raw((lit), sizeof(lit) - 1)

/* ---- the malformed / well-formed corpus ---- */

enum phase { STARTUP, NORMAL, AUTH };
enum outcome { NEED_MORE, OK, FRAME_ERR, PARSE_ERR };

typedef struct corpus_case {
    const char *name;
    enum phase phase;
    buf_t (*make)(void);
    enum outcome expect;
    const char *message; /* expected error message (substring) */
} corpus_case_t;

static buf_t c_short_startup(void) { return RAW("\x00\x00\x00"); }
static buf_t c_startup_len7(void) { return RAW("\x00\x00\x00\x07\x00\x03\x00"); }
static buf_t c_startup_huge(void) { return RAW("\x00\x00\x27\x11\x00\x03\x00\x00"); }
static buf_t c_ssl(void) { return RAW("\x00\x00\x00\x08\x04\xd2\x16\x2f"); }
static buf_t c_ssl_trailing(void) { return RAW("\x00\x00\x00\x0c\x04\xd2\x16\x2f\x00\x00\x00\x00"); }
static buf_t c_gss(void) { return RAW("\x00\x00\x00\x08\x04\xd2\x16\x30"); }
static buf_t c_cancel(void) { return RAW("\x00\x00\x00\x10\x04\xd2\x16\x2e\x00\x00\x00\x07\x00\x00\x00\x09"); }
static buf_t c_cancel_short(void) { return RAW("\x00\x00\x00\x0c\x04\xd2\x16\x2e\x00\x00\x00\x07"); }
static buf_t c_startup_ok(void)
{
    buf_t body = BUF_INIT;
    buf_put_u32(&body, PGP_PROTOCOL(3, 0));
    put_str(&body, "user");
    put_str(&body, "alice");
    put_str(&body, "database");
    put_str(&body, "db");
    buf_putc(&body, 0);
    buf_t b = frame(0, &body);
    buf_free(&body);
    return b;
}
static buf_t c_startup_noterm(void)
{
    buf_t body = BUF_INIT;
    buf_put_u32(&body, PGP_PROTOCOL(3, 0));
    put_str(&body, "user");
    put_str(&body, "alice");
    buf_t b = frame(0, &body);
    buf_free(&body);
    return b;
}
static buf_t c_startup_unterminated_value(void)
{
    buf_t body = BUF_INIT;
    buf_put_u32(&body, PGP_PROTOCOL(3, 0));
    put_str(&body, "user");
    buf_append(&body, "alice", 5);
    buf_t b = frame(0, &body);
    buf_free(&body);
    return b;
}
static buf_t c_startup_after_term(void)
{
    buf_t body = BUF_INIT;
    buf_put_u32(&body, PGP_PROTOCOL(3, 0));
    put_str(&body, "user");
    put_str(&body, "alice");
    buf_putc(&body, 0);
    buf_putc(&body, 'x');
    buf_t b = frame(0, &body);
    buf_free(&body);
    return b;
}
static buf_t c_unknown_type(void) { return RAW("Z\x00\x00\x00\x04"); }
static buf_t c_len3(void) { return RAW("Q\x00\x00\x00\x03"); }
static buf_t c_sync_big(void) { return RAW("S\x00\x00\x27\x20"); }
static buf_t c_query_over_max(void) { return RAW("Q\x00\x01\x00\x05"); }
static buf_t c_query_partial(void) { return RAW("Q\x00\x00\x00\x0dSELECT"); }
static buf_t c_query_header_partial(void) { return RAW("Q\x00\x00"); }
static buf_t c_query_no_nul(void) { return RAW("Q\x00\x00\x00\x0cSELECT 1"); }
static buf_t c_query_trailing(void) { return RAW("Q\x00\x00\x00\x0eSELECT 1\x00x"); }
static buf_t c_query_ok(void) { return RAW("Q\x00\x00\x00\x0dSELECT 1\x00"); }
static buf_t c_parse_many_params(void)
{
    buf_t body = BUF_INIT;
    put_str(&body, "s1");
    put_str(&body, "SELECT $1");
    buf_put_u16(&body, 0xffff);
    buf_put_u32(&body, 23);
    buf_t b = frame('P', &body);
    buf_free(&body);
    return b;
}
static buf_t c_parse_ok(void)
{
    buf_t body = BUF_INIT;
    put_str(&body, "s1");
    put_str(&body, "SELECT $1, $2");
    buf_put_u16(&body, 2);
    buf_put_u32(&body, 23);
    buf_put_u32(&body, 0);
    buf_t b = frame('P', &body);
    buf_free(&body);
    return b;
}
static buf_t c_bind_formats_overflow(void)
{
    /* 5 format codes announced, 6 bytes left (pgwire's capacity-overflow case). */
    buf_t body = BUF_INIT;
    put_str(&body, "");
    put_str(&body, "");
    buf_put_u16(&body, 5);
    buf_append(&body, "\x00\x00\x00\x00\x00\x00", 6);
    buf_t b = frame('B', &body);
    buf_free(&body);
    return b;
}
static buf_t c_bind_neg_len(void)
{
    buf_t body = BUF_INIT;
    put_str(&body, "");
    put_str(&body, "");
    buf_put_u16(&body, 0);
    buf_put_u16(&body, 1);
    buf_put_u32(&body, (uint32_t)-2);
    buf_put_u16(&body, 0);
    buf_t b = frame('B', &body);
    buf_free(&body);
    return b;
}
static buf_t c_bind_len_past_end(void)
{
    buf_t body = BUF_INIT;
    put_str(&body, "");
    put_str(&body, "");
    buf_put_u16(&body, 0);
    buf_put_u16(&body, 1);
    buf_put_u32(&body, 1000);
    buf_append(&body, "abc", 3);
    buf_put_u16(&body, 0);
    buf_t b = frame('B', &body);
    buf_free(&body);
    return b;
}
static buf_t c_bind_nparams_huge(void)
{
    buf_t body = BUF_INIT;
    put_str(&body, "");
    put_str(&body, "");
    buf_put_u16(&body, 0);
    buf_put_u16(&body, 0xffff);
    buf_put_u32(&body, 1);
    buf_t b = frame('B', &body);
    buf_free(&body);
    return b;
}
static buf_t c_bind_missing_result_formats(void)
{
    buf_t body = BUF_INIT;
    put_str(&body, "");
    put_str(&body, "");
    buf_put_u16(&body, 0);
    buf_put_u16(&body, 0);
    buf_t b = frame('B', &body);
    buf_free(&body);
    return b;
}
static buf_t c_bind_ok(void)
{
    buf_t body = BUF_INIT;
    put_str(&body, "p1");
    put_str(&body, "s1");
    buf_put_u16(&body, 1);
    buf_put_u16(&body, 1);
    buf_put_u16(&body, 2);
    buf_put_u32(&body, 4);
    buf_append(&body, "\x00\x00\x07\xc9", 4);
    buf_put_u32(&body, (uint32_t)-1);
    buf_put_u16(&body, 1);
    buf_put_u16(&body, 1);
    buf_t b = frame('B', &body);
    buf_free(&body);
    return b;
}
static buf_t c_describe_no_nul(void) { return RAW("D\x00\x00\x00\x07Sab"); }
static buf_t c_describe_empty(void) { return RAW("D\x00\x00\x00\x04"); }
static buf_t c_describe_ok(void) { return RAW("D\x00\x00\x00\x06P\x00"); }
static buf_t c_execute_short(void) { return RAW("E\x00\x00\x00\x07\x00\x00\x00"); }
static buf_t c_execute_ok(void) { return RAW("E\x00\x00\x00\x09\x00\x00\x00\x00\x0a"); }
static buf_t c_sync_body(void) { return RAW("S\x00\x00\x00\x05x"); }
static buf_t c_sync_ok(void) { return RAW("S\x00\x00\x00\x04"); }
static buf_t c_password_in_normal(void) { return RAW("p\x00\x00\x00\x08pw\x00\x00"); }
static buf_t c_query_in_auth(void) { return RAW("Q\x00\x00\x00\x0dSELECT 1\x00"); }
static buf_t c_password_ok(void) { return RAW("p\x00\x00\x00\x07pw\x00"); }
static buf_t c_password_trailing(void) { return RAW("p\x00\x00\x00\x08pw\x00\x00"); }
static buf_t c_password_too_long(void) { return RAW("p\x00\x00\x27\x20"); }
static buf_t c_sasl_neg(void) { return RAW("p\x00\x00\x00\x16SCRAM-SHA-256\x00\xff\xff\xff\xfe"); }
static buf_t c_sasl_past_end(void) { return RAW("p\x00\x00\x00\x18SCRAM-SHA-256\x00\x00\x00\x00\x09" "ab"); }
static buf_t c_sasl_none(void) { return RAW("p\x00\x00\x00\x16SCRAM-SHA-256\x00\xff\xff\xff\xff"); }

static const corpus_case_t corpus[] = {
    { "startup: 3 bytes", STARTUP, c_short_startup, NEED_MORE, NULL },
    { "startup: length 7", STARTUP, c_startup_len7, FRAME_ERR, "invalid length of startup packet" },
    { "startup: length 10001", STARTUP, c_startup_huge, FRAME_ERR, "invalid length of startup packet" },
    { "startup: SSLRequest", STARTUP, c_ssl, OK, NULL },
    { "startup: SSLRequest with trailing bytes", STARTUP, c_ssl_trailing, PARSE_ERR, "invalid message format" },
    { "startup: GSSENCRequest", STARTUP, c_gss, OK, NULL },
    { "startup: CancelRequest", STARTUP, c_cancel, OK, NULL },
    { "startup: CancelRequest too short", STARTUP, c_cancel_short, PARSE_ERR, "insufficient data left in message" },
    { "startup: StartupMessage", STARTUP, c_startup_ok, OK, NULL },
    { "startup: no terminator", STARTUP, c_startup_noterm, PARSE_ERR, "expected terminator as last byte" },
    { "startup: unterminated value", STARTUP, c_startup_unterminated_value, PARSE_ERR, "expected terminator as last byte" },
    { "startup: bytes after terminator", STARTUP, c_startup_after_term, PARSE_ERR, "expected terminator as last byte" },
    { "msg: unknown type", NORMAL, c_unknown_type, FRAME_ERR, "invalid frontend message type 90" },
    { "msg: length 3", NORMAL, c_len3, FRAME_ERR, "invalid message length" },
    { "msg: Sync longer than small limit", NORMAL, c_sync_big, FRAME_ERR, "invalid message length" },
    { "msg: Query over max-message-bytes", NORMAL, c_query_over_max, FRAME_ERR, "invalid message length" },
    { "msg: partial body", NORMAL, c_query_partial, NEED_MORE, NULL },
    { "msg: partial header", NORMAL, c_query_header_partial, NEED_MORE, NULL },
    { "Query: no NUL", NORMAL, c_query_no_nul, PARSE_ERR, "invalid string in message" },
    { "Query: bytes after NUL", NORMAL, c_query_trailing, PARSE_ERR, "invalid message format" },
    { "Query: ok", NORMAL, c_query_ok, OK, NULL },
    { "Parse: 65535 params, 4 bytes", NORMAL, c_parse_many_params, PARSE_ERR, "insufficient data left in message" },
    { "Parse: ok", NORMAL, c_parse_ok, OK, NULL },
    { "Bind: 5 formats, 6 bytes", NORMAL, c_bind_formats_overflow, PARSE_ERR, "insufficient data left in message" },
    { "Bind: length -2", NORMAL, c_bind_neg_len, PARSE_ERR, "insufficient data left in message" },
    { "Bind: length past end", NORMAL, c_bind_len_past_end, PARSE_ERR, "insufficient data left in message" },
    { "Bind: 65535 params", NORMAL, c_bind_nparams_huge, PARSE_ERR, "insufficient data left in message" },
    { "Bind: no result formats", NORMAL, c_bind_missing_result_formats, PARSE_ERR, "insufficient data left in message" },
    { "Bind: ok", NORMAL, c_bind_ok, OK, NULL },
    { "Describe: no NUL", NORMAL, c_describe_no_nul, PARSE_ERR, "invalid string in message" },
    { "Describe: empty", NORMAL, c_describe_empty, PARSE_ERR, "insufficient data left in message" },
    { "Describe: ok", NORMAL, c_describe_ok, OK, NULL },
    { "Execute: no row count", NORMAL, c_execute_short, PARSE_ERR, "insufficient data left in message" },
    { "Execute: ok", NORMAL, c_execute_ok, OK, NULL },
    { "Sync: with a body", NORMAL, c_sync_body, PARSE_ERR, "invalid message format" },
    { "Sync: ok", NORMAL, c_sync_ok, OK, NULL },
    { "p after authentication", NORMAL, c_password_in_normal, FRAME_ERR, "invalid frontend message type 112" },
    { "auth: Query instead of password", AUTH, c_query_in_auth, FRAME_ERR, "expected password response, got message type 81" },
    { "auth: password ok", AUTH, c_password_ok, OK, NULL },
    { "auth: password trailing bytes", AUTH, c_password_trailing, PARSE_ERR, "invalid message format" },
    { "auth: password too long", AUTH, c_password_too_long, FRAME_ERR, "invalid message length" },
    { "auth: SASL length -2", AUTH, c_sasl_neg, PARSE_ERR, "insufficient data left in message" },
    { "auth: SASL data past end", AUTH, c_sasl_past_end, PARSE_ERR, "insufficient data left in message" },
    { "auth: SASL without data", AUTH, c_sasl_none, OK, NULL },
};

/* parse_frame - the parser a session would apply to this frame. */
static int parse_frame(enum phase ph, const pgp_frame_t *f, mem_arena_t *a, err_t *err)
{
    if (ph == STARTUP) {
        pgp_startup_t s;
        return pgp_parse_startup(f, a, &s, err);
    }
    if (ph == AUTH) {
        /* SASL messages start with the mechanism name. */
        if (f->len > 5 && memcmp(f->body, "SCRAM", 5) == 0) {
            pgp_sasl_initial_t si;
            return pgp_parse_sasl_initial(f, &si, err);
        }
        const char *pw;
        return pgp_parse_password(f, &pw, err);
    }
    switch (f->type) {
    case 'Q': { pgp_query_t q; return pgp_parse_query(f, &q, err); }
    case 'P': { pgp_parse_t p; return pgp_parse_parse(f, a, &p, err); }
    case 'B': { pgp_bind_t b; return pgp_parse_bind(f, a, &b, err); }
    case 'D': case 'C': { pgp_target_t t; return pgp_parse_target(f, &t, err); }
    case 'E': { pgp_execute_t e; return pgp_parse_execute(f, &e, err); }
    default: return pgp_parse_empty(f, err);
    }
}

static void test_corpus(void)
{
    mem_arena_t *a = mem_arena_new(NULL, "test", 0);
    for (size_t i = 0; i < sizeof corpus / sizeof corpus[0]; i++) {
        const corpus_case_t *c = &corpus[i];
        buf_t in = c->make();
        err_t err = { 0 };
        pgp_frame_t f;
        int rc = c->phase == STARTUP ? pgp_frame_startup(in.data, in.len, &f, &err)
                                     : pgp_frame_message(in.data, in.len, 65536, c->phase == AUTH, &f, &err);
        enum outcome got;
        if (rc < 0)
            got = FRAME_ERR;
        else if (rc == PGP_NEED_MORE)
            got = NEED_MORE;
        else {
            if (f.total != in.len)
                TAP_FAIL("%s: frame of %zu bytes, input %zu", c->name, f.total, in.len);
            got = parse_frame(c->phase, &f, a, &err) < 0 ? PARSE_ERR : OK;
        }
        if (got != c->expect)
            TAP_FAIL("%s: outcome %d, expected %d (%s)", c->name, got, c->expect, err.message);
        if (c->message) {
            if (!strstr(err.message, c->message))
                TAP_FAIL("%s: message \"%s\", expected \"%s\"", c->name, err.message, c->message);
            if (strcmp(err.sqlstate, "08P01") != 0 || err.severity != ERR_FATAL)
                TAP_FAIL("%s: %s severity %d, expected FATAL 08P01", c->name, err.sqlstate, err.severity);
        }
        buf_free(&in);
        mem_arena_reset(a);
    }
    mem_arena_free(a);
}

/* Every prefix of a valid message says "need more"; every truncation of a
 * valid body (shortened length word) is an error, never an over-read. */
static void test_truncations(void)
{
    buf_t (*valid[])(void) = { c_parse_ok, c_bind_ok, c_execute_ok, c_describe_ok, c_query_ok };
    mem_arena_t *a = mem_arena_new(NULL, "test", 0);
    for (size_t v = 0; v < sizeof valid / sizeof valid[0]; v++) {
        buf_t in = valid[v]();
        for (size_t n = 0; n < in.len; n++) {
            err_t err = { 0 };
            pgp_frame_t f;
            ASSERT_EQ(pgp_frame_message(in.data, n, 65536, false, &f, &err), PGP_NEED_MORE);
        }
        /* Shrink the length word: the body is cut, the parser must refuse. */
        for (uint32_t cut = 1; cut + 4 <= in.len - 1; cut++) {
            buf_t t = BUF_INIT;
            buf_append(&t, in.data, in.len - cut);
            buf_set_u32(&t, 1, (uint32_t)(in.len - 1 - cut));
            err_t err = { 0 };
            pgp_frame_t f;
            ASSERT_EQ(pgp_frame_message(t.data, t.len, 65536, false, &f, &err), PGP_FRAME);
            ASSERT(parse_frame(NORMAL, &f, a, &err) < 0);
            ASSERT_STREQ(err.sqlstate, "08P01");
            buf_free(&t);
            mem_arena_reset(a);
        }
        buf_free(&in);
    }
    mem_arena_free(a);
}

/* A stream of several messages, fed in every possible split, frames the same. */
static void test_stream_chunking(void)
{
    buf_t s = BUF_INIT;
    buf_t parts[] = { c_parse_ok(), c_bind_ok(), c_describe_ok(), c_execute_ok(), c_sync_ok() };
    for (int i = 0; i < 5; i++) {
        buf_append(&s, parts[i].data, parts[i].len);
        buf_free(&parts[i]);
    }
    const char expect[] = "PBDES";
    for (size_t avail = 0; avail <= s.len; avail++) {
        size_t off = 0;
        int n = 0;
        for (;;) {
            err_t err = { 0 };
            pgp_frame_t f;
            int rc = pgp_frame_message(s.data + off, avail - off, 65536, false, &f, &err);
            ASSERT(rc >= 0);
            if (rc == PGP_NEED_MORE)
                break;
            ASSERT_EQ(f.type, expect[n]);
            n++;
            off += f.total;
        }
        ASSERT(n <= 5);
        if (avail == s.len)
            ASSERT_EQ(n, 5);
    }
    buf_free(&s);
}

static void test_parsed_fields(void)
{
    mem_arena_t *a = mem_arena_new(NULL, "test", 0);
    err_t err = { 0 };
    pgp_frame_t f;

    buf_t in = c_startup_ok();
    ASSERT_EQ(pgp_frame_startup(in.data, in.len, &f, &err), PGP_FRAME);
    pgp_startup_t st;
    ASSERT_EQ(pgp_parse_startup(&f, a, &st, &err), 0);
    ASSERT_EQ(st.code, PGP_PROTOCOL(3, 0));
    ASSERT_EQ(st.nparams, 2);
    ASSERT_STREQ(st.names[0], "user");
    ASSERT_STREQ(st.values[0], "alice");
    ASSERT_STREQ(st.names[1], "database");
    ASSERT_STREQ(st.values[1], "db");
    buf_free(&in);

    in = c_cancel();
    ASSERT_EQ(pgp_frame_startup(in.data, in.len, &f, &err), PGP_FRAME);
    ASSERT_EQ(pgp_parse_startup(&f, a, &st, &err), 0);
    ASSERT_EQ(st.code, PGP_CANCEL_REQUEST_CODE);
    ASSERT_EQ(st.cancel_pid, 7);
    ASSERT_EQ(st.cancel_key, 9);
    buf_free(&in);

    in = c_bind_ok();
    ASSERT_EQ(pgp_frame_message(in.data, in.len, 65536, false, &f, &err), PGP_FRAME);
    pgp_bind_t b;
    ASSERT_EQ(pgp_parse_bind(&f, a, &b, &err), 0);
    ASSERT_STREQ(b.portal, "p1");
    ASSERT_STREQ(b.stmt, "s1");
    ASSERT_EQ(b.nformats, 1);
    ASSERT_EQ(b.formats[0], 1);
    ASSERT_EQ(b.nparams, 2);
    ASSERT_EQ(b.params[0].len, 4);
    ASSERT(memcmp(b.params[0].data, "\x00\x00\x07\xc9", 4) == 0);
    ASSERT_EQ(b.params[1].len, -1);
    ASSERT(b.params[1].data == NULL);
    ASSERT_EQ(b.nresult_formats, 1);
    ASSERT_EQ(b.result_formats[0], 1);
    buf_free(&in);

    in = c_parse_ok();
    ASSERT_EQ(pgp_frame_message(in.data, in.len, 65536, false, &f, &err), PGP_FRAME);
    pgp_parse_t p;
    ASSERT_EQ(pgp_parse_parse(&f, a, &p, &err), 0);
    ASSERT_STREQ(p.name, "s1");
    ASSERT_STREQ(p.sql, "SELECT $1, $2");
    ASSERT_EQ(p.sql_len, 13);
    ASSERT_EQ(p.nparams, 2);
    ASSERT_EQ(p.param_types[0], 23);
    ASSERT_EQ(p.param_types[1], 0);
    buf_free(&in);

    in = c_execute_ok();
    ASSERT_EQ(pgp_frame_message(in.data, in.len, 65536, false, &f, &err), PGP_FRAME);
    pgp_execute_t e;
    ASSERT_EQ(pgp_parse_execute(&f, &e, &err), 0);
    ASSERT_STREQ(e.portal, "");
    ASSERT_EQ(e.max_rows, 10);
    buf_free(&in);
    mem_arena_free(a);
}

/* ---- backend messages ---- */

static void test_backend_messages(void)
{
    buf_t b = BUF_INIT;
    pgp_put_ready(&b, 'I');
    ASSERT_EQ(b.len, 6);
    ASSERT(memcmp(b.data, "Z\x00\x00\x00\x05I", 6) == 0);
    buf_reset(&b);

    pgp_put_command_complete(&b, "SELECT 1");
    ASSERT_EQ(b.len, 1 + 4 + 9);
    ASSERT(memcmp(b.data, "C\x00\x00\x00\x0dSELECT 1\x00", 14) == 0);
    buf_reset(&b);

    pgp_put_empty(&b, '1');
    ASSERT(memcmp(b.data, "1\x00\x00\x00\x04", 5) == 0);
    buf_reset(&b);

    size_t at = pgp_row_description_begin(&b, 1);
    pgp_put_field(&b, "?column?", 0, 0, 23, 4, -1, 0);
    pgp_msg_end(&b, at);
    static const char rd[] = "T\x00\x00\x00\x21\x00\x01?column?\x00\x00\x00\x00\x00\x00\x00"
                             "\x00\x00\x00\x17\x00\x04\xff\xff\xff\xff\x00\x00";
    ASSERT_EQ(b.len, sizeof rd - 1);
    ASSERT(memcmp(b.data, rd, b.len) == 0);
    buf_reset(&b);

    size_t row = pgp_row_begin(&b, 2);
    size_t col = pgp_col_begin(&b);
    buf_putc(&b, '1');
    pgp_col_end(&b, col);
    pgp_col_null(&b);
    pgp_msg_end(&b, row);
    static const char dr[] = "D\x00\x00\x00\x0f\x00\x02\x00\x00\x00\x01" "1\xff\xff\xff\xff";
    ASSERT_EQ(b.len, sizeof dr - 1);
    ASSERT(memcmp(b.data, dr, b.len) == 0);
    buf_reset(&b);

    err_t e = { 0 };
    err_set(&e, ERRCODE_INVALID_PASSWORD, "password authentication failed for user \"%s\"", "bob");
    err_fatal(&e);
    e.file = NULL;
    pgp_put_error(&b, &e, false);
    static const char er[] = "E\x00\x00\x00\x49SFATAL\x00VFATAL\x00" "C28P01\x00"
                             "Mpassword authentication failed for user \"bob\"\x00\x00";
    ASSERT_EQ(b.len, sizeof er - 1);
    ASSERT(memcmp(b.data, er, b.len) == 0);
    buf_reset(&b);

    const char *opts[] = { "_pq_.x" };
    pgp_put_negotiate_version(&b, PGP_PROTOCOL(3, 0), 1, opts);
    static const char nv[] = "v\x00\x00\x00\x13\x00\x03\x00\x00\x00\x00\x00\x01_pq_.x\x00";
    ASSERT_EQ(b.len, sizeof nv - 1);
    ASSERT(memcmp(b.data, nv, b.len) == 0);
    buf_reset(&b);

    const char *mechs[] = { "SCRAM-SHA-256" };
    pgp_put_auth_sasl(&b, mechs, 1);
    static const char as[] = "R\x00\x00\x00\x17\x00\x00\x00\x0aSCRAM-SHA-256\x00\x00";
    ASSERT_EQ(b.len, sizeof as - 1);
    ASSERT(memcmp(b.data, as, b.len) == 0);
    buf_free(&b);
}

/* ---- auth ---- */

static void test_base64(void)
{
    char out[64];
    uint8_t dec[64];
    ASSERT_EQ(pgp_base64_encode((const uint8_t *)"n,,", 3, out), 4);
    ASSERT_STREQ(out, "biws");
    ASSERT_EQ(pgp_base64_encode((const uint8_t *)"y,,", 3, out), 4);
    ASSERT_STREQ(out, "eSws");
    pgp_base64_encode((const uint8_t *)"ab", 2, out);
    ASSERT_STREQ(out, "YWI=");
    pgp_base64_encode((const uint8_t *)"a", 1, out);
    ASSERT_STREQ(out, "YQ==");
    ASSERT_EQ(pgp_base64_decode("YWI=", 4, dec, sizeof dec), 2);
    ASSERT(memcmp(dec, "ab", 2) == 0);
    ASSERT_EQ(pgp_base64_decode("YQ==", 4, dec, sizeof dec), 1);
    ASSERT_EQ(pgp_base64_decode("YQ=", 3, dec, sizeof dec), -1);
    ASSERT_EQ(pgp_base64_decode("Y===", 4, dec, sizeof dec), -1);
    ASSERT_EQ(pgp_base64_decode("YQ==YQ==", 8, dec, sizeof dec), -1);
    ASSERT_EQ(pgp_base64_decode("Y!Q=", 4, dec, sizeof dec), -1);
    ASSERT_EQ(pgp_base64_decode("YWJj", 4, dec, 2), -1);
}

static void test_md5(void)
{
    char out[36];
    pgp_md5_password("postgres", "secret", NULL, out);
    ASSERT_STREQ(out, "md553f48b7c4b76a86ce72276c5755f217d");
    const uint8_t salt[4] = { 1, 2, 3, 4 };
    pgp_md5_password("postgres", "secret", salt, out);
    ASSERT_STREQ(out, "md5bb41a296aab6baccb36ff243a562abff");
}

/* RFC 7677 section 3: user "user", password "pencil". */
static const char rfc_client_first[] = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
static const char rfc_server_nonce[] = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
static const char rfc_server_first[] =
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
static const char rfc_client_final[] =
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
static const char rfc_server_final[] = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

static void rfc_state(pgp_scram_t *st)
{
    memset(st, 0, sizeof *st);
    uint8_t salt[16];
    ASSERT_EQ(pgp_base64_decode("W22ZaJ0SNY7soEsUEjb6gQ==", 24, salt, sizeof salt), 16);
    ASSERT_EQ(pgp_scram_make_secret("pencil", salt, 16, 4096, &st->secret), 0);
    st->user = "user";
}

static void test_scram_rfc7677(void)
{
    mem_arena_t *a = mem_arena_new(NULL, "test", 0);
    pgp_scram_t st;
    rfc_state(&st);
    err_t err = { 0 };
    const char *sf, *fin;
    ASSERT_EQ(pgp_scram_first(&st, a, rfc_client_first, strlen(rfc_client_first), rfc_server_nonce, &sf, &err), 0);
    ASSERT_STREQ(sf, rfc_server_first);
    ASSERT_EQ(pgp_scram_final(&st, a, rfc_client_final, strlen(rfc_client_final), &fin, &err), 0);
    ASSERT_STREQ(fin, rfc_server_final);
    mem_arena_free(a);
}

static void test_scram_failures(void)
{
    mem_arena_t *a = mem_arena_new(NULL, "test", 0);
    pgp_scram_t st;
    err_t err = { 0 };
    const char *sf, *fin;

    /* Wrong password: the proof does not verify. */
    rfc_state(&st);
    uint8_t salt[16];
    ASSERT_EQ(pgp_base64_decode("W22ZaJ0SNY7soEsUEjb6gQ==", 24, salt, sizeof salt), 16);
    ASSERT_EQ(pgp_scram_make_secret("pencil2", salt, 16, 4096, &st.secret), 0);
    ASSERT_EQ(pgp_scram_first(&st, a, rfc_client_first, strlen(rfc_client_first), rfc_server_nonce, &sf, &err), 0);
    ASSERT(pgp_scram_final(&st, a, rfc_client_final, strlen(rfc_client_final), &fin, &err) < 0);
    ASSERT_STREQ(err.sqlstate, "28P01");
    ASSERT_STREQ(err.message, "password authentication failed for user \"user\"");
    ASSERT_EQ(err.severity, ERR_FATAL);

    /* Mock exchange for an unknown user fails even with a "right" proof. */
    err_clear(&err);
    rfc_state(&st);
    st.mock = true;
    ASSERT_EQ(pgp_scram_first(&st, a, rfc_client_first, strlen(rfc_client_first), rfc_server_nonce, &sf, &err), 0);
    ASSERT(pgp_scram_final(&st, a, rfc_client_final, strlen(rfc_client_final), &fin, &err) < 0);
    ASSERT_STREQ(err.sqlstate, "28P01");

    static const struct {
        const char *first, *final, *sqlstate;
    } bad[] = {
        { "p=tls-server-end-point,,n=,r=abc", NULL, "08P01" },
        { "x,,n=,r=abc", NULL, "08P01" },
        { "n,a=bob,n=,r=abc", NULL, "0A000" },
        { "n,,r=abc", NULL, "08P01" },
        { "n,,n=,", NULL, "08P01" },
        { "n,,n=,r=", NULL, "08P01" },
        { "n", NULL, "08P01" },
        { "n,,m=x,n=,r=abc", NULL, "0A000" },
        { "n,,n=,r=abc", "c=eSws,r=abcSRV,p=AAAA", "08P01" },         /* flag y vs n */
        { "n,,n=,r=abc", "c=biws,r=abcXXX,p=AAAA", "08P01" },         /* nonce mismatch */
        { "n,,n=,r=abc", "c=biws,r=abcSRV", "08P01" },                /* no proof */
        { "n,,n=,r=abc", "c=biws,r=abcSRV,p=AAAA", "08P01" },         /* short proof */
        { "n,,n=,r=abc", "r=abcSRV,c=biws,p=AAAA", "08P01" },         /* order */
        { "n,,n=,r=abc", "c=biws,r=abcSRV,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=,x=1", "08P01" },
        { "y,,n=*,r=abc", "c=eSws,r=abcSRV,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=", "28P01" },
        { "n,,n=,r=abc", "c=biws,r=abcSRV,e=ext,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=", "28P01" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err_clear(&err);
        rfc_state(&st);
        int rc = pgp_scram_first(&st, a, bad[i].first, strlen(bad[i].first), "SRV", &sf, &err);
        if (!bad[i].final) {
            if (rc >= 0)
                TAP_FAIL("case %zu: client-first accepted", i);
        } else {
            if (rc < 0)
                TAP_FAIL("case %zu: client-first refused: %s", i, err.message);
            rc = pgp_scram_final(&st, a, bad[i].final, strlen(bad[i].final), &fin, &err);
            if (rc >= 0)
                TAP_FAIL("case %zu: client-final accepted", i);
        }
        if (strcmp(err.sqlstate, bad[i].sqlstate) != 0)
            TAP_FAIL("case %zu: %s %s, expected %s", i, err.sqlstate, err.message, bad[i].sqlstate);
    }
    mem_arena_free(a);
}

int main(void)
{
    static const tap_test_t tests[] = {
        { "codec corpus", test_corpus },
        { "codec truncations", test_truncations },
        { "codec stream chunking", test_stream_chunking },
        { "codec parsed fields", test_parsed_fields },
        { "backend messages", test_backend_messages },
        { "base64", test_base64 },
        { "md5 password", test_md5 },
        { "SCRAM-SHA-256 RFC 7677", test_scram_rfc7677 },
        { "SCRAM failures", test_scram_failures },
    };
    return TAP_RUN(tests);
}
