/*
 * session.c - the per-connection state machine: the message loop, the
 * startup phase (SSL/GSS refusal, StartupMessage, protocol negotiation,
 * startup parameters), errors and notices, ReadyForQuery with the pending
 * ParameterStatus messages, output flushing and back-pressure.
 *
 * Not here: authentication and the server object (server.c), query
 * processing (query.c), sockets (src/net, reached through sess_io_t).
 *
 * The loop handles every complete message in the input before it writes, so
 * a pipelined batch (Bind/Describe/Execute/Sync) gets one write. A message
 * that starts work on the worker pool returns H_ASYNC; the loop stops and
 * resumes from sess__message_done when the work completes. Output above
 * kiln.pg.output-high-water-bytes stops the loop (and reading) until the
 * connection drains to half of it.
 */
#include "session/session.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"
#include "session_int.h"
#include "types/tz.h"

/* Output is written at least this often within a batch or a long result. */
#define SESS_FLUSH_CHUNK 65536

static void update_reading(sess_t *s);

/* ---- errors, notices, ReadyForQuery ---- */

/* sess__close - the session ends: what is queued is written, then the
 * connection closes (responses before a Terminate must not be lost). */
void sess__close(sess_t *s)
{
    if (s->closed)
        return;
    s->phase = PH_CLOSED;
    s->closed = true;
    if (!s->busy)
        sess__flush(s);
    s->io.close(s->io.arg);
}

void sess__fatal(sess_t *s, err_t *e)
{
    if (s->phase == PH_CLOSED)
        return;
    e->severity = ERR_FATAL;
    pgp_put_error(&s->out, e, false);
    if (e->severity == ERR_FATAL && strcmp(e->sqlstate, ERRCODE_PROTOCOL_VIOLATION) == 0)
        log_info("closing connection: %s", e->message);
    err_clear(e);
    sess__close(s);
}

void sess__send_error(sess_t *s, err_t *e)
{
    if (e->severity == ERR_FATAL) {
        sess__fatal(s, e);
        return;
    }
    e->severity = ERR_ERROR;
    pgp_put_error(&s->out, e, false);
    err_clear(e);
    if (s->tx == 'T')
        s->tx = 'E';
    else if (s->tx == 'I')
        s->implicit_failed = true;
    if (s->extended)
        s->ignore_till_sync = true;
}

/* notice_rank - position of a severity in client_min_messages' enum
 * (debug5 .. error); INFO is always sent, as PostgreSQL does. */
static int notice_rank(err_severity_t sev)
{
    switch (sev) {
    case ERR_DEBUG: return 4;
    case ERR_LOG: return 5;
    case ERR_NOTICE: return 6;
    case ERR_WARNING: return 7;
    case ERR_INFO: return 100;
    default: return 8;
    }
}

/* ---- notices from worker threads ----
 *
 * While a statement runs on a worker, the worker owns s->out and the loop
 * thread sends nothing of it until the worker reports back, possibly minutes
 * later (a REFRESH waiting for its build). A notice raised there goes to
 * s->pend instead, preceded by whatever rows the statement has put in s->out
 * so far (they come first on the wire), and the loop thread is woken through
 * srv->notice_async to send it at once. When the statement ends, s->pend is
 * sent before s->out (sess__drain_notices(s, true) in work_done), so every
 * notice precedes the statement's later messages.
 *
 * Bounds: s->pend holds at most kiln.pg.output-high-water-bytes (plus one
 * notice); the loop thread moves it to the connection only while the
 * connection's own pending output is under that mark. Notices that do not
 * fit are dropped and counted; the next notice kept, or the end of the
 * statement, is preceded by one WARNING saying how many were lost. Rows stay
 * in s->out when s->pend is full, where the sink's own high-water check
 * stops the statement as before. */

/* put_dropped - the WARNING that stands for n dropped notices. */
static void put_dropped(buf_t *b, uint64_t n)
{
    err_t w = { 0 };
    err_set(&w, ERRCODE_WARNING, "%llu notice%s dropped: the client did not read them in time",
            (unsigned long long)n, n == 1 ? " was" : "s were");
    w.severity = ERR_WARNING;
    pgp_put_error(b, &w, true);
    err_clear(&w);
}

/* worker_notice - sess__notice on the worker thread that runs s's statement. */
static void worker_notice(sess_t *s, const err_t *e)
{
    sess_server_t *srv = s->srv;
    size_t cap = srv->high_water;
    uv_mutex_lock(&srv->notice_mu);
    if (s->out.len && s->pend.len + s->out.len <= cap) {
        if (s->pend.len == 0) {
            buf_t t = s->pend;
            s->pend = s->out;
            s->out = t;
        } else {
            buf_append(&s->pend, s->out.data, s->out.len);
        }
        buf_reset(&s->out);
    }
    if (s->out.len || s->pend.len >= cap) {
        s->pend_dropped++;
    } else {
        if (s->pend_dropped) {
            put_dropped(&s->pend, s->pend_dropped);
            s->pend_dropped = 0;
        }
        pgp_put_error(&s->pend, e, true);
        if (!s->pend_queued) {
            s->pend_queued = true;
            s->pend_next = srv->notice_queue;
            srv->notice_queue = s;
        }
        if (srv->notice_async_on)
            uv_async_send(&srv->notice_async);
    }
    uv_mutex_unlock(&srv->notice_mu);
}

/* unqueue - takes s out of srv->notice_queue; notice_mu held. */
static void unqueue(sess_server_t *srv, sess_t *s)
{
    if (!s->pend_queued)
        return;
    for (sess_t **p = &srv->notice_queue; *p; p = &(*p)->pend_next) {
        if (*p == s) {
            *p = s->pend_next;
            break;
        }
    }
    s->pend_queued = false;
    s->pend_next = NULL;
}

/* sess__drain_notices - loop thread: sends what a worker left in s->pend.
 * Not final: only while the connection is under its high-water mark (the
 * worker drops notices when pend is full). final: the worker has finished;
 * everything goes, with the count of dropped notices, before s->out. */
void sess__drain_notices(sess_t *s, bool final)
{
    sess_server_t *srv = s->srv;
    /* free_pending: the connection is gone (s->io is dead). */
    bool gone = s->free_pending || s->aborted;
    if (!final && !gone && s->io.pending(s->io.arg) > srv->high_water)
        return;
    uint64_t dropped = 0;
    uv_mutex_lock(&srv->notice_mu);
    if (final || gone)
        unqueue(srv, s);
    buf_t t = s->pend;
    s->pend = s->pend_out;
    s->pend_out = t;
    if (final) {
        dropped = s->pend_dropped;
        s->pend_dropped = 0;
    }
    uv_mutex_unlock(&srv->notice_mu);
    if (dropped)
        put_dropped(&s->pend_out, dropped);
    if (s->pend_out.len && !gone && s->io.send(s->io.arg, &s->pend_out) < 0)
        s->eof = true;
    buf_reset(&s->pend_out);
}

/* sess__notice_async_cb - loop thread, woken by a worker's notice. */
void sess__notice_async_cb(uv_async_t *h)
{
    sess_server_t *srv = h->data;
    uv_mutex_lock(&srv->notice_mu);
    for (sess_t *s; (s = srv->notice_queue);) {
        srv->notice_queue = s->pend_next;
        s->pend_queued = false;
        s->pend_next = NULL;
        uv_mutex_unlock(&srv->notice_mu);
        sess__drain_notices(s, false);
        uv_mutex_lock(&srv->notice_mu);
    }
    uv_mutex_unlock(&srv->notice_mu);
}

/* sess__notice - a NOTICE / WARNING / INFO for the client. On the loop
 * thread it joins s->out; on the worker running the statement, s->pend. */
void sess__notice(sess_t *s, const err_t *e)
{
    if (s->settings && notice_rank(e->severity) < cfg_int(s->settings, CFG_CLIENT_MIN_MESSAGES))
        return;
    /* on_worker is set before the job is queued and cleared after it ended,
     * so only the worker sees it true while it runs. */
    if (s->x.on_worker) {
        worker_notice(s, e);
        return;
    }
    pgp_put_error(&s->out, e, true);
}

void sess__mark_param(sess_t *s, cfg_id_t id)
{
    if (!(cfg_def(id)->flags & CFG_F_REPORT))
        return;
    s->param_dirty[id / 8] |= (uint8_t)(1u << (id % 8));
    s->any_dirty = true;
}

/* sess__ready - ParameterStatus for every reported setting that changed,
 * then ReadyForQuery; PostgreSQL reports changes right before 'Z' too. */
void sess__ready(sess_t *s)
{
    if (s->any_dirty) {
        for (int id = 0; id < CFG__COUNT; id++) {
            if (s->param_dirty[id / 8] & (1u << (id % 8)))
                pgp_put_parameter_status(&s->out, cfg_def((cfg_id_t)id)->name, cfg_str(s->settings, (cfg_id_t)id));
        }
        memset(s->param_dirty, 0, sizeof s->param_dirty);
        s->any_dirty = false;
    }
    pgp_put_ready(&s->out, s->tx);
    if (s->srv)
        s->ready_ms = uv_now(s->srv->loop);
}

/* ---- output ---- */

void sess__flush(sess_t *s)
{
    if (s->out.len && s->io.send(s->io.arg, &s->out) < 0) {
        s->out.len = 0;
        s->eof = true;
    }
    if (!s->blocked && s->io.pending(s->io.arg) > s->srv->high_water)
        s->blocked = true;
}

static void update_reading(sess_t *s)
{
    bool on = s->phase != PH_CLOSED && !s->busy && !s->blocked && !s->x.waiting_drain && !s->eof;
    s->io.read(s->io.arg, on);
}

/* ---- startup ---- */

static int fatal_at_startup(sess_t *s)
{
    sess__fatal(s, &s->err);
    return H_CLOSE;
}

/* normalize_datestyle - "ISO" -> "ISO, MDY" as PostgreSQL reports it; other
 * values are kept as the client wrote them. */
static const char *normalize_datestyle(sess_t *s, const char *v)
{
    if (strcasecmp(v, "iso") == 0)
        return "ISO, MDY";
    if (strncasecmp(v, "iso,", 4) == 0) {
        const char *p = v + 4;
        while (*p == ' ')
            p++;
        if (*p)
            return mem_asprintf(s->msg_arena, "ISO, %s", p);
    }
    return v;
}

/* apply_setting - a startup parameter or `options -c` switch. Unknown names
 * and server-only options are ignored (clients send what PostgreSQL knows);
 * a bad value of a session option is FATAL 22023 as in PostgreSQL. */
static int apply_setting(sess_t *s, const char *name, const char *value)
{
    int id = cfg_find(name);
    if (id < 0) {
        /* --name=value switches spell underscores as dashes. */
        char *alt = mem_astrdup(s->msg_arena, name);
        for (char *p = alt; *p; p++)
            if (*p == '-')
                *p = '_';
        id = cfg_find(alt);
    }
    if (id < 0 || cfg_def((cfg_id_t)id)->context != CFG_C_SESSION) {
        log_debug("startup parameter \"%s\" ignored", name);
        return 0;
    }
    if (id == CFG_CLIENT_ENCODING) {
        if (strcasecmp(value, "utf8") != 0 && strcasecmp(value, "utf-8") != 0 &&
            strcasecmp(value, "unicode") != 0) {
            err_set(&s->err, ERRCODE_INVALID_PARAMETER_VALUE,
                    "invalid value for parameter \"client_encoding\": \"%s\"", value);
            err_detail(&s->err, "kiln supports only the UTF8 client encoding.");
            return -1;
        }
        value = "UTF8";
    } else if (id == CFG_DATESTYLE) {
        value = normalize_datestyle(s, value);
    } else if (id == CFG_TIMEZONE) {
        /* PGTZ, the JVM's zone: as SET TimeZone, in the tzdata's spelling */
        const dt_zone_t *z = dt_zone_lookup(value);
        if (!z) {
            err_set(&s->err, ERRCODE_INVALID_PARAMETER_VALUE, "invalid value for parameter \"TimeZone\": \"%s\"",
                    value);
            return -1;
        }
        value = mem_astrdup(s->msg_arena, dt_zone_name(z));
    }
    if (cfg_set(s->baseline, (cfg_id_t)id, value, CFG_C_SESSION, &s->err) < 0)
        return -1;
    return 0;
}

/* apply_options - the `options` startup parameter: whitespace-separated
 * switches with backslash escapes (PostgreSQL's pg_split_opts); `-c k=v`,
 * `-ck=v` and `--k=v` set options, other switches are ignored. */
static int apply_options(sess_t *s, const char *opts)
{
    size_t n = strlen(opts);
    char **tok = mem_alloc(s->msg_arena, (n / 2 + 2) * sizeof(char *));
    int ntok = 0;
    const char *p = opts;
    while (*p) {
        while (isspace((unsigned char)*p))
            p++;
        if (!*p)
            break;
        char *t = mem_alloc(s->msg_arena, n + 1);
        size_t k = 0;
        while (*p && !isspace((unsigned char)*p)) {
            if (*p == '\\' && p[1])
                p++;
            t[k++] = *p++;
        }
        t[k] = '\0';
        tok[ntok++] = t;
    }
    for (int i = 0; i < ntok; i++) {
        const char *kv = NULL;
        if (strcmp(tok[i], "-c") == 0 && i + 1 < ntok)
            kv = tok[++i];
        else if (strncmp(tok[i], "-c", 2) == 0 && tok[i][2])
            kv = tok[i] + 2;
        else if (strncmp(tok[i], "--", 2) == 0 && tok[i][2])
            kv = tok[i] + 2;
        if (!kv)
            continue;
        const char *eq = strchr(kv, '=');
        if (!eq) {
            err_set(&s->err, ERRCODE_SYNTAX_ERROR, "-c %s requires a value", kv);
            return -1;
        }
        char *name = mem_astrndup(s->msg_arena, kv, (size_t)(eq - kv));
        if (apply_setting(s, name, eq + 1) < 0)
            return -1;
    }
    return 0;
}

static bool is_true(const char *v)
{
    return strcasecmp(v, "true") == 0 || strcasecmp(v, "on") == 0 || strcasecmp(v, "yes") == 0 ||
           strcmp(v, "1") == 0 || strcasecmp(v, "database") == 0;
}

static int handle_startup(sess_t *s, const pgp_frame_t *f)
{
    pgp_startup_t st;
    if (pgp_parse_startup(f, s->msg_arena, &st, &s->err) < 0)
        return fatal_at_startup(s);
    /* Both are refused with 'N'. As PostgreSQL 15 (ProcessStartupPacket):
     * refusing one allows the other, and a repeated request is not a
     * negotiation but an unknown protocol version (1234.5679 / 1234.5680),
     * rejected below with 0A000. */
    if (st.code == PGP_SSL_REQUEST_CODE && !s->ssl_done) {
        s->ssl_done = true;
        s->gss_done = false;
        pgp_put_byte(&s->out, 'N');
        return H_DONE;
    }
    if (st.code == PGP_GSSENC_REQUEST_CODE && !s->gss_done) {
        s->gss_done = true;
        s->ssl_done = false;
        pgp_put_byte(&s->out, 'N');
        return H_DONE;
    }
    if (st.code == PGP_CANCEL_REQUEST_CODE || st.code == PGP_KILN_CANCEL_FORWARD_CODE) {
        /* No reply on the cancel connection, ever. A client's request for a
         * session of another node (a load balancer chose this one) goes on to
         * the cluster's other nodes; a forwarded one stops here. */
        if (!sess__cancel(s->srv, st.cancel_pid, st.cancel_key) && st.code == PGP_CANCEL_REQUEST_CODE)
            sess__cancel_forward(s->srv, st.cancel_pid, st.cancel_key);
        sess__close(s);
        return H_CLOSE;
    }
    uint32_t major = st.code >> 16, minor = st.code & 0xffff;
    if (major != 3) {
        err_set(&s->err, ERRCODE_FEATURE_NOT_SUPPORTED,
                "unsupported frontend protocol %u.%u: server supports 3.0 to 3.0", major, minor);
        return fatal_at_startup(s);
    }
    const char *user = NULL, *database = NULL, *options = NULL;
    const char **unrecognized = mem_alloc(s->msg_arena, (size_t)(st.nparams + 1) * sizeof(char *));
    int nunrec = 0;
    s->baseline = cfg_clone(s->srv->cfg);
    for (int i = 0; i < st.nparams; i++) {
        const char *n = st.names[i], *v = st.values[i];
        if (strcmp(n, "user") == 0)
            user = v;
        else if (strcmp(n, "database") == 0)
            database = v;
        else if (strcmp(n, "options") == 0)
            options = v;
        else if (strcmp(n, "replication") == 0) {
            if (is_true(v)) {
                err_set(&s->err, ERRCODE_FEATURE_NOT_SUPPORTED, "replication connections are not supported");
                return fatal_at_startup(s);
            }
        } else if (strncmp(n, "_pq_.", 5) == 0)
            unrecognized[nunrec++] = n;
    }
    if (minor > 0 || nunrec > 0)
        pgp_put_negotiate_version(&s->out, PGP_PROTOCOL_LATEST, nunrec, unrecognized);
    if (!user || !*user) {
        err_set(&s->err, ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION,
                "no PostgreSQL user name specified in startup packet");
        return fatal_at_startup(s);
    }
    if (s->srv->shutting_down) {
        err_set(&s->err, ERRCODE_CANNOT_CONNECT_NOW, "the database system is shutting down");
        return fatal_at_startup(s);
    }
    if (s->srv->nsessions >= s->srv->max_connections) {
        err_set(&s->err, ERRCODE_TOO_MANY_CONNECTIONS, "sorry, too many clients already");
        return fatal_at_startup(s);
    }
    s->counted = true;
    s->srv->nsessions++;
    /* PostgreSQL truncates names to NAMEDATALEN - 1. */
    s->user = mem_astrndup(s->arena, user, 63);
    s->database = mem_astrndup(s->arena, database && *database ? database : user, 63);
    for (int i = 0; i < st.nparams; i++) {
        const char *n = st.names[i];
        if (strcmp(n, "user") == 0 || strcmp(n, "database") == 0 || strcmp(n, "options") == 0 ||
            strcmp(n, "replication") == 0 || strncmp(n, "_pq_.", 5) == 0)
            continue;
        const char *v = st.values[i];
        if (strcasecmp(n, "application_name") == 0)
            v = mem_astrndup(s->msg_arena, v, 63);
        if (apply_setting(s, n, v) < 0)
            return fatal_at_startup(s);
    }
    if (options && apply_options(s, options) < 0)
        return fatal_at_startup(s);
    return sess__auth_start(s);
}

/* ---- hooks from the engine ---- */

static void hook_param_changed(void *arg, const char *name, const char *value)
{
    sess_t *s = arg;
    (void)value;
    int id = cfg_find(name);
    if (id >= 0)
        sess__mark_param(s, (cfg_id_t)id);
    /* A cached unnamed statement may depend on the setting (search_path). */
    s->stmt_epoch++;
}

static void hook_notice(void *arg, const err_t *e)
{
    sess__notice(arg, e);
}

/* sess__startup_complete - after AuthenticationOk: the session's settings,
 * the engine context, ParameterStatus, BackendKeyData, ReadyForQuery. */
void sess__startup_complete(sess_t *s)
{
    err_t e = { 0 };
    pgp_put_auth(&s->out, 0, NULL, 0);
    if (cfg_set(s->baseline, CFG_SESSION_AUTH, s->user, CFG_C_STARTUP, &e) < 0)
        err_clear(&e);
    s->settings = cfg_clone(s->baseline);
    sess__register(s);
    sql_session_info_t info = {
        .settings = s->settings,
        .server = s->baseline,
        .user = s->user,
        .database = s->database,
        .backend_pid = s->pid,
        .hooks = { .arg = s, .param_changed = hook_param_changed, .notice = hook_notice },
    };
    s->ctx = sql_ctx_new(s->arena, &info);
    for (int id = 0; id < CFG__COUNT; id++)
        if (cfg_def((cfg_id_t)id)->flags & CFG_F_REPORT)
            pgp_put_parameter_status(&s->out, cfg_def((cfg_id_t)id)->name, cfg_str(s->settings, (cfg_id_t)id));
    pgp_put_backend_key(&s->out, (uint32_t)s->pid, s->key);
    s->phase = PH_READY;
    s->tx = 'I';
    sess__ready(s);
}

/* ---- the loop ---- */

static void finish_message(sess_t *s)
{
    s->io.consume(s->io.arg, s->frame_total);
    s->frame_total = 0;
    s->extended = false;
    mem_arena_reset(s->msg_arena);
}

void sess_on_input(sess_t *s)
{
    while (!s->busy && !s->blocked && !s->x.waiting_drain && !s->q.active && !s->x.active && !s->eof &&
           s->phase != PH_CLOSED) {
        size_t len;
        const char *data = s->io.input(s->io.arg, &len);
        if (len == 0)
            break;
        pgp_frame_t f;
        int rc = s->phase == PH_STARTUP
                     ? pgp_frame_startup(data, len, &f, &s->err)
                     : pgp_frame_message(data, len, s->srv->max_message, s->phase == PH_AUTH, &f, &s->err);
        if (rc < 0) {
            sess__fatal(s, &s->err);
            break;
        }
        if (rc == PGP_NEED_MORE)
            break;
        s->frame_total = f.total;
        int h;
        if (s->phase == PH_STARTUP)
            h = handle_startup(s, &f);
        else if (s->phase == PH_AUTH)
            h = sess__auth_message(s, &f);
        else
            h = sess__handle_message(s, &f);
        if (h == H_ASYNC)
            break;
        finish_message(s);
        if (h == H_CLOSE)
            break;
        if (s->out.len >= SESS_FLUSH_CHUNK)
            sess__flush(s);
    }
    if (!s->busy)
        sess__flush(s);
    update_reading(s);
    if (s->eof && !s->busy && s->phase != PH_CLOSED)
        sess__close(s);
}

/* sess__message_done - the message that returned H_ASYNC has completed. */
void sess__message_done(sess_t *s)
{
    finish_message(s);
    sess_on_input(s);
}

void sess_on_drain(sess_t *s)
{
    if (s->busy) {
        /* Notices a worker could not send while the client was not reading. */
        sess__drain_notices(s, false);
        return;
    }
    if (s->phase == PH_CLOSED)
        return;
    if (s->blocked && s->io.pending(s->io.arg) <= s->srv->high_water / 2) {
        s->blocked = false;
        if (s->x.waiting_drain) {
            s->x.waiting_drain = false;
            sess__exec_resume(s);
            return;
        }
        sess_on_input(s);
    }
}

void sess_on_eof(sess_t *s)
{
    s->eof = true;
    if (s->busy) {
        /* The worker notices the flag; close when it reports back. */
        if (s->ctx)
            sql_ctx_cancel(s->ctx);
        return;
    }
    if (s->phase != PH_CLOSED)
        sess__close(s);
}

/* ---- lifecycle ---- */

sess_t *sess_new(sess_server_t *srv, const sess_io_t *io)
{
    sess_t *s = mem_calloc(1, sizeof *s);
    s->srv = srv;
    s->io = *io;
    s->phase = PH_STARTUP;
    s->tx = 'I';
    s->started = uv_now(srv->loop);
    s->arena = mem_arena_new(NULL, "connection", 0);
    s->msg_arena = mem_arena_new(s->arena, "message", 0);
    s->query_arena = mem_arena_new(s->arena, "query", 0);
    s->unnamed_portal_arena = mem_arena_new(s->arena, "unnamed portal", 0);
    s->next_all = srv->all;
    if (srv->all)
        srv->all->prev_all = s;
    srv->all = s;
    return s;
}

void sess_free(sess_t *s)
{
    if (!s)
        return;
    if (s->busy) {
        s->free_pending = true;
        s->phase = PH_CLOSED;
        if (s->ctx)
            sql_ctx_cancel(s->ctx);
        return;
    }
    sess_server_t *srv = s->srv;
    uv_mutex_lock(&srv->notice_mu);
    unqueue(srv, s);
    uv_mutex_unlock(&srv->notice_mu);
    sess__unregister(s);
    if (s->counted)
        srv->nsessions--;
    if (s->prev_all)
        s->prev_all->next_all = s->next_all;
    else
        srv->all = s->next_all;
    if (s->next_all)
        s->next_all->prev_all = s->prev_all;
    sess__free_query_state(s);
    sess__drop_all_portals(s);
    sess__drop_all_statements(s);
    sess__map_free(&s->stmts);
    sess__map_free(&s->portals);
    /* The engine context lives in the connection arena. */
    mem_arena_free(s->arena);
    cfg_free(s->settings);
    cfg_free(s->baseline);
    buf_free(&s->out);
    buf_free(&s->x.copy_text);
    buf_free(&s->pend);
    buf_free(&s->pend_out);
    mem_free(s);
}

bool sess_is_busy(const sess_t *s)
{
    return s->busy;
}

int sess_backend_pid(const sess_t *s)
{
    return s->pid;
}
