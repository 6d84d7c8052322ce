/*
 * server.c - the sessions of one node: the listener glue between src/net
 * connections and sessions, the user table and authentication exchanges
 * (trust, cleartext password, md5, SCRAM-SHA-256), backend keys and
 * CancelRequest lookup, and shutdown.
 *
 * Not here: the mechanisms' cryptography (src/protocol/auth.c), message
 * framing (src/protocol/codec.c), query processing (query.c).
 *
 * Failed authentication always says `password authentication failed for
 * user "x"` (28P01), for unknown users too, as PostgreSQL does so that user
 * names cannot be probed; SCRAM runs a mock exchange for unknown users.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/hmac.h>

#include "common/log.h"
#include "session_int.h"

/* ---- users ---- */

static void load_users(sess_server_t *srv)
{
    const char *spec = cfg_str(srv->cfg, CFG_AUTH_USERS);
    const char *p = spec;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        while (n && (*p == ' ' || *p == '\t')) {
            p++;
            n--;
        }
        while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        const char *colon = memchr(p, ':', n);
        if (n && colon && colon > p) {
            sess_user_t *u = mem_calloc(1, sizeof *u);
            u->e.name = mem_strndup(p, (size_t)(colon - p));
            u->password = mem_strndup(colon + 1, n - (size_t)(colon - p) - 1);
            if (sess__map_get(&srv->users, u->e.name)) {
                log_warn("kiln.auth.users: user \"%s\" listed twice; the first entry counts", u->e.name);
                mem_free((void *)u->e.name);
                mem_free(u->password);
                mem_free(u);
            } else {
                sess__map_put(&srv->users, &u->e);
            }
        } else if (n) {
            log_warn("kiln.auth.users: entry without user:password ignored");
        }
        if (!comma)
            break;
        p = comma + 1;
    }
}

static sess_user_t *find_user(sess_server_t *srv, const char *name)
{
    return (sess_user_t *)sess__map_get(&srv->users, name);
}

/* ---- authentication ---- */

static int auth_failed(sess_t *s)
{
    err_set(&s->err, ERRCODE_INVALID_PASSWORD, "password authentication failed for user \"%s\"", s->user);
    log_info("authentication failed for user \"%s\"", s->user);
    sess__fatal(s, &s->err);
    return H_CLOSE;
}

static bool same_string(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    return la == lb && CRYPTO_memcmp(a, b, la) == 0;
}

int sess__auth_start(sess_t *s)
{
    sess_server_t *srv = s->srv;
    sess_user_t *u = find_user(srv, s->user);
    switch (srv->auth_method) {
    case 0: /* trust */
        if (srv->users.count && !u) {
            err_set(&s->err, ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION, "role \"%s\" does not exist", s->user);
            sess__fatal(s, &s->err);
            return H_CLOSE;
        }
        sess__startup_complete(s);
        return H_DONE;
    case 1: /* password */
        pgp_put_auth(&s->out, 3, NULL, 0);
        s->auth = AUTH_CLEARTEXT;
        break;
    case 2: /* md5 */
        if (pgp_random_bytes(s->md5_salt, sizeof s->md5_salt) < 0) {
            err_set(&s->err, ERRCODE_INTERNAL_ERROR, "could not generate random salt");
            sess__fatal(s, &s->err);
            return H_CLOSE;
        }
        pgp_put_auth(&s->out, 5, s->md5_salt, sizeof s->md5_salt);
        s->auth = AUTH_MD5;
        break;
    default: { /* scram-sha-256 */
        static const char *const mechs[] = { "SCRAM-SHA-256" };
        pgp_put_auth_sasl(&s->out, mechs, 1);
        s->auth = AUTH_SASL_INIT;
        break;
    }
    }
    s->phase = PH_AUTH;
    return H_DONE;
}

/* scram_setup - the secret of a known user (computed once, PBKDF2 costs
 * milliseconds), or a mock one whose salt is stable per user name. */
static int scram_setup(sess_t *s)
{
    sess_user_t *u = find_user(s->srv, s->user);
    memset(&s->scram, 0, sizeof s->scram);
    s->scram.user = s->user;
    if (u) {
        if (!u->have_secret) {
            uint8_t salt[16];
            if (pgp_random_bytes(salt, sizeof salt) < 0 ||
                pgp_scram_make_secret(u->password, salt, sizeof salt, PGP_SCRAM_ITERATIONS, &u->secret) < 0)
                return -1;
            u->have_secret = true;
        }
        s->scram.secret = u->secret;
        return 0;
    }
    uint8_t mac[32];
    unsigned int len = sizeof mac;
    HMAC(EVP_sha256(), s->srv->mock_key, sizeof s->srv->mock_key, (const uint8_t *)s->user,
         strlen(s->user), mac, &len);
    memcpy(s->scram.secret.salt, mac, 16);
    s->scram.secret.salt_len = 16;
    s->scram.secret.iterations = PGP_SCRAM_ITERATIONS;
    s->scram.mock = true;
    return 0;
}

int sess__auth_message(sess_t *s, const pgp_frame_t *f)
{
    sess_user_t *u = find_user(s->srv, s->user);
    switch (s->auth) {
    case AUTH_CLEARTEXT:
    case AUTH_MD5: {
        const char *pw;
        if (pgp_parse_password(f, &pw, &s->err) < 0) {
            sess__fatal(s, &s->err);
            return H_CLOSE;
        }
        if (!u || !*pw)
            return auth_failed(s);
        if (s->auth == AUTH_CLEARTEXT) {
            if (!same_string(pw, u->password))
                return auth_failed(s);
        } else {
            char expect[36];
            pgp_md5_password(s->user, u->password, s->md5_salt, expect);
            if (!same_string(pw, expect))
                return auth_failed(s);
        }
        break;
    }
    case AUTH_SASL_INIT: {
        pgp_sasl_initial_t si;
        if (pgp_parse_sasl_initial(f, &si, &s->err) < 0) {
            sess__fatal(s, &s->err);
            return H_CLOSE;
        }
        if (strcmp(si.mechanism, "SCRAM-SHA-256") != 0) {
            err_set(&s->err, ERRCODE_PROTOCOL_VIOLATION, "client selected an invalid SASL authentication mechanism");
            sess__fatal(s, &s->err);
            return H_CLOSE;
        }
        if (!si.data) {
            err_set(&s->err, ERRCODE_PROTOCOL_VIOLATION, "malformed SCRAM message");
            err_detail(&s->err, "The message is empty.");
            sess__fatal(s, &s->err);
            return H_CLOSE;
        }
        uint8_t raw[18];
        char nonce[32];
        const char *server_first;
        if (scram_setup(s) < 0 || pgp_random_bytes(raw, sizeof raw) < 0) {
            err_set(&s->err, ERRCODE_INTERNAL_ERROR, "could not prepare SCRAM authentication");
            sess__fatal(s, &s->err);
            return H_CLOSE;
        }
        pgp_base64_encode(raw, sizeof raw, nonce);
        if (pgp_scram_first(&s->scram, s->arena, si.data, (size_t)si.len, nonce, &server_first, &s->err) < 0) {
            sess__fatal(s, &s->err);
            return H_CLOSE;
        }
        pgp_put_auth(&s->out, 11, server_first, strlen(server_first));
        s->auth = AUTH_SASL_FINAL;
        return H_DONE;
    }
    case AUTH_SASL_FINAL: {
        const char *server_final;
        if (pgp_scram_final(&s->scram, s->arena, f->body, f->len, &server_final, &s->err) < 0) {
            if (strcmp(s->err.sqlstate, ERRCODE_INVALID_PASSWORD) == 0) {
                err_clear(&s->err);
                return auth_failed(s);
            }
            sess__fatal(s, &s->err);
            return H_CLOSE;
        }
        pgp_put_auth(&s->out, 12, server_final, strlen(server_final));
        break;
    }
    default:
        err_set(&s->err, ERRCODE_PROTOCOL_VIOLATION, "unexpected authentication message");
        sess__fatal(s, &s->err);
        return H_CLOSE;
    }
    s->auth = AUTH_NONE;
    sess__startup_complete(s);
    return H_DONE;
}

/* ---- backend keys and cancel ---- */

void sess__register(sess_t *s)
{
    sess_server_t *srv = s->srv;
    for (;;) {
        srv->next_pid = srv->next_pid >= 0x7fffff00u ? 10000 : srv->next_pid + 1;
        snprintf(s->pid_name, sizeof s->pid_name, "%u", srv->next_pid);
        if (!sess__map_get(&srv->by_pid, s->pid_name))
            break;
    }
    s->pid = (int32_t)srv->next_pid;
    if (pgp_random_bytes(&s->key, sizeof s->key) < 0)
        s->key = (uint32_t)s->pid * 2654435761u;
    s->pid_entry.name = s->pid_name;
    sess__map_put(&srv->by_pid, &s->pid_entry);
    s->registered = true;
}

void sess__unregister(sess_t *s)
{
    if (s->registered) {
        sess__map_del(&s->srv->by_pid, &s->pid_entry);
        s->registered = false;
    }
}

/* sess__cancel - true when pid and key name a session of this node (the
 * request is then settled here, whether or not a statement was running). */
bool sess__cancel(sess_server_t *srv, uint32_t pid, uint32_t key)
{
    char name[16];
    snprintf(name, sizeof name, "%u", pid);
    sess_entry_t *e = sess__map_get(&srv->by_pid, name);
    if (!e)
        return false;
    sess_t *s = (sess_t *)((char *)e - offsetof(sess_t, pid_entry));
    if (s->key != key)
        return false;
    /* Only a statement in flight is cancelled; an idle session ignores it. */
    if (s->ctx && (s->busy || s->x.active)) {
        s->x.cancel_requested = true;
        sql_ctx_cancel(s->ctx);
    }
    return true;
}

/* ---- deadlines: authentication, statement_timeout ---- */

/* PostgreSQL's authentication_timeout default: a client that has not
 * finished startup and authentication by then is dropped. */
#define SESS_AUTH_TIMEOUT_MS 60000

/* statement_timeout_ms - the session's limit: statement_timeout (ms) or
 * kylin.query.timeout-seconds, the smaller one that is set; 0 for none. */
static uint64_t statement_timeout_ms(const sess_t *s)
{
    uint64_t a = (uint64_t)cfg_int(s->settings, CFG_STATEMENT_TIMEOUT);
    uint64_t b = (uint64_t)cfg_int(s->settings, CFG_QUERY_TIMEOUT) * 1000;
    if (!a)
        return b;
    return b && b < a ? b : a;
}

void sess__check_deadlines(sess_server_t *srv, uint64_t now)
{
    for (sess_t *s = srv->all; s; s = s->next_all) {
        if ((s->phase == PH_STARTUP || s->phase == PH_AUTH) && now - s->started >= SESS_AUTH_TIMEOUT_MS) {
            err_t e = { 0 };
            err_set(&e, ERRCODE_PROTOCOL_VIOLATION, "canceling authentication due to timeout");
            sess__fatal(s, &e);
            continue;
        }
        /* Idle inside a transaction block for too long: PostgreSQL ends the
         * session (its locks would be held forever; ours hold snapshots). */
        if (s->phase == PH_READY && !s->x.active && s->tx != 'I' && s->ready_ms && s->settings) {
            uint64_t limit = (uint64_t)cfg_int(s->settings, CFG_IDLE_TX_TIMEOUT);
            if (limit && now - s->ready_ms >= limit) {
                err_t e = { 0 };
                err_set(&e, ERRCODE_IDLE_IN_TRANSACTION_SESSION_TIMEOUT,
                        "terminating connection due to idle-in-transaction timeout");
                sess__fatal(s, &e);
                continue;
            }
        }
        /* Only statements off the loop thread can be running now. */
        if (s->phase == PH_READY && s->x.active && !s->x.timed_out && s->ctx) {
            uint64_t limit = statement_timeout_ms(s);
            if (limit && now - s->x.start_ms >= limit) {
                s->x.timed_out = true;
                sql_ctx_cancel(s->ctx);
            }
        }
    }
}

static void tick_cb(uv_timer_t *t)
{
    sess_server_t *srv = t->data;
    sess__check_deadlines(srv, uv_now(srv->loop));
}

/* ---- the listener glue ---- */

static const char *io_input(void *arg, size_t *len)
{
    return net_conn_data(arg, len);
}
static void io_consume(void *arg, size_t n)
{
    net_conn_consume(arg, n);
}
static int io_send(void *arg, buf_t *out)
{
    return net_conn_send(arg, out);
}
static size_t io_pending(void *arg)
{
    return net_conn_pending(arg);
}
static void io_read(void *arg, bool on)
{
    net_conn_read(arg, on);
}
static void io_close(void *arg)
{
    net_conn_close(arg);
}

static void io_abort(void *arg)
{
    net_conn_abort(arg);
}

static void *on_open(void *arg, net_conn_t *c)
{
    sess_io_t io = { c, io_input, io_consume, io_send, io_pending, io_read, io_close, io_abort };
    return sess_new(arg, &io);
}
static void on_read(void *ud)
{
    sess_on_input(ud);
}
static void on_drain(void *ud)
{
    sess_on_drain(ud);
}
static void on_eof(void *ud, int status)
{
    (void)status;
    sess_on_eof(ud);
}
static void on_close(void *ud)
{
    sess_free(ud);
}

/* ---- the server ---- */

sess_server_t *sess_server_new(uv_loop_t *loop, const cfg_t *cfg)
{
    sess_server_t *srv = mem_calloc(1, sizeof *srv);
    srv->loop = loop;
    srv->cfg = cfg;
    srv->auth_method = (int)cfg_int(cfg, CFG_AUTH_METHOD);
    srv->max_connections = (int)cfg_int(cfg, CFG_MAX_CONNECTIONS);
    srv->max_message = (uint32_t)cfg_int(cfg, CFG_MAX_MESSAGE);
    srv->high_water = (size_t)cfg_int(cfg, CFG_OUTPUT_HIGH_WATER);
    uint32_t r = 0;
    if (pgp_random_bytes(&r, sizeof r) < 0 || pgp_random_bytes(srv->mock_key, sizeof srv->mock_key) < 0)
        log_warn("random bytes unavailable; backend keys are predictable");
    srv->next_pid = 10000 + r % 1000000;
    uv_mutex_init(&srv->notice_mu);
    load_users(srv);
    sess__cancel_peers_init(srv);
    if (srv->auth_method != 0 && srv->users.count == 0)
        log_warn("kiln.auth.method is %s but kiln.auth.users is empty: nobody can log in",
                 cfg_str(cfg, CFG_AUTH_METHOD));
    return srv;
}

int sess_server_listen(sess_server_t *srv, err_t *err)
{
    static const net_conn_cbs_t cbs = { on_open, on_read, on_drain, on_eof, on_close };
    const char *addr = cfg_str(srv->cfg, CFG_PG_LISTEN);
    if (net_listen(srv->loop, addr, (int)cfg_int(srv->cfg, CFG_PG_PORT), &cbs, srv, &srv->listener, err) < 0)
        return -1;
    srv->port = net_listener_port(srv->listener);
    uv_timer_init(srv->loop, &srv->tick);
    srv->tick.data = srv;
    /* 100 ms: the granularity of statement_timeout. */
    uv_timer_start(&srv->tick, tick_cb, 100, 100);
    /* The deadline check never keeps the loop alive by itself. */
    uv_unref((uv_handle_t *)&srv->tick);
    srv->tick_on = true;
    /* Wakes the loop for notices raised on workers; like the tick it never
     * keeps the loop alive by itself. */
    uv_async_init(srv->loop, &srv->notice_async, sess__notice_async_cb);
    srv->notice_async.data = srv;
    uv_unref((uv_handle_t *)&srv->notice_async);
    uv_mutex_lock(&srv->notice_mu);
    srv->notice_async_on = true;
    uv_mutex_unlock(&srv->notice_mu);
    log_info("listening on %s:%d", addr, srv->port);
    return 0;
}

int sess_server_port(const sess_server_t *srv)
{
    return srv->port;
}

int sess_server_count(const sess_server_t *srv)
{
    int n = 0;
    for (const sess_t *s = srv->all; s; s = s->next_all)
        n++;
    return n;
}

void sess_server_shutdown(sess_server_t *srv)
{
    srv->shutting_down = true;
    if (srv->listener) {
        net_listener_close(srv->listener);
        srv->listener = NULL;
    }
    if (srv->tick_on) {
        uv_timer_stop(&srv->tick);
        uv_close((uv_handle_t *)&srv->tick, NULL);
        srv->tick_on = false;
        /* Workers stop signalling first; what they raise from now on is
         * sent when their statement ends. */
        uv_mutex_lock(&srv->notice_mu);
        srv->notice_async_on = false;
        uv_mutex_unlock(&srv->notice_mu);
        uv_close((uv_handle_t *)&srv->notice_async, NULL);
    }
    for (sess_t *s = srv->all, *next; s; s = next) {
        next = s->next_all;
        if (s->phase == PH_CLOSED)
            continue;
        if (s->busy) {
            s->eof = true;
            if (s->ctx)
                sql_ctx_cancel(s->ctx);
            continue;
        }
        if (s->phase == PH_READY) {
            err_t e = { 0 };
            err_set(&e, ERRCODE_ADMIN_SHUTDOWN, "terminating connection due to administrator command");
            sess__fatal(s, &e);
        } else {
            sess__close(s);
        }
    }
}

void sess_server_abort(sess_server_t *srv)
{
    for (sess_t *s = srv->all, *next; s; s = next) {
        next = s->next_all;
        if (s->aborted)
            continue;
        s->aborted = true;
        s->phase = PH_CLOSED;
        s->closed = true;
        if (s->ctx && s->busy)
            sql_ctx_cancel(s->ctx);
        s->io.abort(s->io.arg);
    }
}

void sess_server_free(sess_server_t *srv)
{
    if (!srv)
        return;
    for (sess_entry_t *e; (e = sess__map_first(&srv->users));) {
        sess_user_t *u = (sess_user_t *)e;
        sess__map_del(&srv->users, e);
        mem_free((void *)u->e.name);
        OPENSSL_cleanse(u->password, strlen(u->password));
        mem_free(u->password);
        mem_free(u);
    }
    sess__map_free(&srv->users);
    sess__map_free(&srv->by_pid);
    sess__cancel_peers_free(srv);
    uv_mutex_destroy(&srv->notice_mu);
    mem_free(srv);
}
