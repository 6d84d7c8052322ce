/*
 * query.c - what a ready session does with client messages: the simple
 * query protocol (several statements per Query), the extended protocol
 * (Parse/Bind/Describe/Execute/Close/Flush/Sync with named and unnamed
 * statements and portals, row limits, error recovery that skips to Sync),
 * transaction status I/T/E, DEALLOCATE / DISCARD ALL / SQL PREPARE and
 * EXECUTE, and the row sink that encodes DataRows with back-pressure.
 *
 * Not here: startup and the message loop (session.c), authentication
 * (server.c), SQL itself (the engine behind include/sql/sql.h).
 *
 * Execution: a portal runs inline when the engine says the statement is
 * cheap, otherwise on the libuv worker pool while the session reads nothing
 * (sess_exec_t keeps the state across the round trip). The sink stops the
 * engine (returns -1) when pending output passes the high-water mark; the
 * execution resumes from sess__exec_resume when the client has read enough.
 * On a worker the sink only fills the session's buffer up to the mark, and
 * the loop thread writes it between worker steps.
 *
 * Statements and portals own arenas; the unnamed ones are recycled so a
 * steady stream of unnamed Parse/Bind does not allocate. An unnamed Parse
 * whose text and parameter types equal the current unnamed statement reuses
 * it (stmt_epoch invalidates that cache after commands that change state).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"
#include "session_int.h"
#include "types/types.h"

/* Output is written at least this often while rows stream inline. */
#define SESS_ROW_FLUSH 65536
/* A statement the engine calls cheap that streams rows for longer than this
 * on the loop thread is moved to the worker pool (checked every 256 rows). */
#define SESS_INLINE_NS 2000000ull
/* Inline steps longer than this are logged: the engine misjudged them. */
#define SESS_INLINE_WARN_NS 50000000ull

enum { STEP_AGAIN = 3 };

static int exec_step(sess_t *s);

/* Until src/sql implements these the references are weak (NULL); then the
 * engine's definitions are used. Without sql_stmt_is_current nothing is
 * reused across messages except named statements (which must be). */
extern void sql_ctx_end_tx(sql_ctx_t *ctx, bool commit) __attribute__((weak));
extern bool sql_stmt_is_current(const sql_stmt_t *s) __attribute__((weak));

void sess__end_tx(sess_t *s, bool commit)
{
    bool open = s->tx_open;
    s->implicit_failed = false;
    s->tx_open = false;
    if (open && sql_ctx_end_tx && s->ctx)
        sql_ctx_end_tx(s->ctx, commit);
}

/* ---- errors ---- */

static int fail(sess_t *s)
{
    s->stmt_failed = true;
    sess__send_error(s, &s->err);
    return H_DONE;
}

static int fail_aborted(sess_t *s)
{
    err_clear(&s->err);
    err_set(&s->err, ERRCODE_IN_FAILED_SQL_TRANSACTION,
            "current transaction is aborted, commands ignored until end of transaction block");
    return fail(s);
}

static int fatal(sess_t *s)
{
    sess__fatal(s, &s->err);
    return H_CLOSE;
}

/* first_word_is - whether the statement text starts with word (after
 * whitespace and comments), case-insensitively. */
static bool first_word_is(const char *sql, const char *word)
{
    const char *p = sql;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '(')
            p++;
        if (p[0] == '-' && p[1] == '-') {
            while (*p && *p != '\n')
                p++;
            continue;
        }
        if (p[0] == '/' && p[1] == '*') {
            const char *e = strstr(p + 2, "*/");
            p = e ? e + 2 : p + strlen(p);
            continue;
        }
        break;
    }
    size_t n = strlen(word);
    return strncasecmp(p, word, n) == 0 && !((p[n] >= 'a' && p[n] <= 'z') || (p[n] >= 'A' && p[n] <= 'Z') || p[n] == '_');
}

/* ---- statements ---- */

static void stmt_unref(sess_t *s, sess_stmt_t *st)
{
    if (--st->refs > 0)
        return;
    mem_arena_t *a = st->arena;
    if (!s->spare_stmt_arena) {
        mem_arena_reset(a);
        s->spare_stmt_arena = a;
    } else {
        mem_arena_free(a);
    }
}

static sess_stmt_t *stmt_new(sess_t *s, const char *name, const char *sql, size_t sql_len, int ntypes,
                             const uint32_t *types)
{
    mem_arena_t *a = s->spare_stmt_arena;
    if (a)
        s->spare_stmt_arena = NULL;
    else
        a = mem_arena_new(s->arena, "statement", 0);
    sess_stmt_t *st = MEM_NEW(a, sess_stmt_t);
    st->arena = a;
    st->e.name = mem_astrdup(a, name);
    st->sql = mem_astrndup(a, sql, sql_len);
    st->sql_len = sql_len;
    st->nparam_types = ntypes;
    if (ntypes) {
        st->param_types = mem_alloc(a, (size_t)ntypes * sizeof(uint32_t));
        memcpy(st->param_types, types, (size_t)ntypes * sizeof(uint32_t));
    }
    st->refs = 1;
    st->epoch = s->stmt_epoch;
    return st;
}

static void stmt_describe(sess_stmt_t *st)
{
    st->kind = sql_stmt_kind(st->stmt);
    st->ncols = sql_stmt_columns(st->stmt, &st->cols);
    if (st->ncols < 0)
        st->cols = NULL;
}

/* reusable - a kept unnamed or cached statement may serve a new message. */
static bool reusable(const sess_t *s, const sess_stmt_t *st)
{
    return st->epoch == s->stmt_epoch && sql_stmt_is_current && sql_stmt_is_current(st->stmt);
}

/* stmt_revalidate - prepares a kept named statement again when the engine
 * says the catalog moved on since (PostgreSQL re-plans the same way). The
 * old engine statement stays in the arena for portals made from it. */
static int stmt_revalidate(sess_t *s, sess_stmt_t *st)
{
    if (!sql_stmt_is_current || sql_stmt_is_current(st->stmt))
        return 0;
    sql_stmt_t *fresh;
    if (sql_prepare(s->ctx, st->arena, st->sql, 0, st->nparam_types, st->param_types, &fresh, &s->err) < 0)
        return -1;
    st->stmt = fresh;
    stmt_describe(st);
    return 0;
}

static sess_stmt_t *stmt_lookup(sess_t *s, const char *name)
{
    if (!name[0])
        return s->unnamed_stmt;
    return (sess_stmt_t *)sess__map_get(&s->stmts, name);
}

static void stmt_register(sess_t *s, sess_stmt_t *st)
{
    st->registered = true;
    if (st->e.name[0])
        sess__map_put(&s->stmts, &st->e);
    else
        s->unnamed_stmt = st;
}

static void stmt_drop(sess_t *s, sess_stmt_t *st)
{
    if (!st || !st->registered)
        return;
    st->registered = false;
    if (st->e.name[0])
        sess__map_del(&s->stmts, &st->e);
    else if (s->unnamed_stmt == st)
        s->unnamed_stmt = NULL;
    stmt_unref(s, st);
}

static void drop_named_statements(sess_t *s)
{
    for (sess_entry_t *e; (e = sess__map_first(&s->stmts));)
        stmt_drop(s, (sess_stmt_t *)e);
}

void sess__drop_all_statements(sess_t *s)
{
    drop_named_statements(s);
    stmt_drop(s, s->unnamed_stmt);
}

/* ---- portals ---- */

static sess_portal_t *portal_lookup(sess_t *s, const char *name)
{
    if (!name[0])
        return s->unnamed_portal;
    return (sess_portal_t *)sess__map_get(&s->portals, name);
}

static void portal_drop(sess_t *s, sess_portal_t *p)
{
    if (!p)
        return;
    sess_stmt_t *st = p->st;
    sess_stmt_t *exec_st = p->exec_st;
    if (p->e.name[0]) {
        sess__map_del(&s->portals, &p->e);
        mem_arena_free(p->arena);
    } else {
        s->unnamed_portal = NULL;
        mem_arena_reset(s->unnamed_portal_arena);
    }
    /* After the portal's arena: the engine's portal may refer to the statement. */
    if (st)
        stmt_unref(s, st);
    if (exec_st)
        stmt_unref(s, exec_st);
}

void sess__drop_all_portals(sess_t *s)
{
    for (sess_entry_t *e; (e = sess__map_first(&s->portals));)
        portal_drop(s, (sess_portal_t *)e);
    portal_drop(s, s->unnamed_portal);
}

/* ---- result encoding ---- */

static void put_row_description(sess_t *s, const sql_col_t *cols, int n, const int16_t *formats)
{
    size_t at = pgp_row_description_begin(&s->out, n);
    for (int i = 0; i < n; i++)
        pgp_put_field(&s->out, cols[i].name, cols[i].table_oid, cols[i].attnum, cols[i].type, cols[i].typlen,
                      cols[i].typmod, formats ? formats[i] : 0);
    pgp_msg_end(&s->out, at);
}

/* copy_row - one row of COPY TO STDOUT as one CopyData message, as
 * PostgreSQL's CopyOneRowTo writes it: text and csv attributes from the
 * types' text output, a delimiter between them and \n after the last;
 * binary: the field count and length-prefixed send forms, the file header
 * in front of the first row. */
static void copy_row(sess_t *s, int ncols, const value_t *vals)
{
    sess_exec_t *x = &s->x;
    buf_t *b = &s->out;
    const pgp_copy_opts_t *o = &x->copy_opts;
    size_t at = pgp_msg_begin(b, 'd');
    if (x->copy->format == SQL_COPY_BINARY) {
        if (x->copy_binary_header) {
            pgp_copy_binary_header(b);
            x->copy_binary_header = false;
        }
        buf_put_u16(b, (uint16_t)ncols);
        for (int i = 0; i < ncols; i++) {
            if (vals[i].isnull) {
                pgp_col_null(b);
                continue;
            }
            size_t col = pgp_col_begin(b);
            type_out_binary(x->cols[i].type, x->cols[i].typmod, &vals[i], b);
            pgp_col_end(b, col);
        }
        pgp_msg_end(b, at);
        return;
    }
    for (int i = 0; i < ncols; i++) {
        if (i)
            buf_putc(b, o->delim);
        if (vals[i].isnull) {
            buf_append(b, o->null_print, o->null_len);
            continue;
        }
        buf_reset(&x->copy_text);
        type_out_text(x->cols[i].type, x->cols[i].typmod, &vals[i], x->efd, &x->copy_text);
        pgp_copy_attr(b, x->copy_text.data ? x->copy_text.data : "", x->copy_text.len, o,
                      x->copy->force_quote && x->copy->force_quote[i], ncols == 1);
    }
    buf_putc(b, '\n');
    pgp_msg_end(b, at);
}

/* copy_begin - CopyOutResponse and the HEADER line (COPY TO STDOUT), or
 * CopyInResponse (COPY FROM STDIN, whose execution then fails: the client
 * sends its data, which the session ignores until CopyDone / Sync, as
 * PostgreSQL does after an error in copy-in). */
static void copy_begin(sess_t *s, sql_kind_t kind)
{
    sess_exec_t *x = &s->x;
    const sql_copy_t *c = x->copy;
    int format = c->format == SQL_COPY_BINARY ? 1 : 0;
    if (kind == SQL_K_COPY_IN) {
        pgp_put_copy_response(&s->out, 'G', format, c->ncols);
        return;
    }
    pgp_copy_opts_t *o = &x->copy_opts;
    o->csv = c->format == SQL_COPY_CSV;
    o->delim = c->delim;
    o->quote = c->quote;
    o->escape = c->escape;
    o->null_print = c->null_print ? c->null_print : "";
    o->null_len = strlen(o->null_print);
    x->copy_binary_header = format == 1;
    pgp_put_copy_response(&s->out, 'H', format, c->ncols);
    if (!c->header)
        return;
    size_t at = pgp_msg_begin(&s->out, 'd');
    for (int i = 0; i < c->ncols; i++) {
        if (i)
            buf_putc(&s->out, o->delim);
        const char *name = c->cols[i].name ? c->cols[i].name : "";
        pgp_copy_attr(&s->out, name, strlen(name), o, false, c->ncols == 1);
    }
    buf_putc(&s->out, '\n');
    pgp_msg_end(&s->out, at);
}

/* copy_end - what ends a COPY TO STDOUT before CommandComplete: the binary
 * trailer (with the header when no row carried it), then CopyDone. */
static void copy_end(sess_t *s)
{
    sess_exec_t *x = &s->x;
    if (x->copy->format == SQL_COPY_BINARY) {
        size_t at = pgp_msg_begin(&s->out, 'd');
        if (x->copy_binary_header)
            pgp_copy_binary_header(&s->out);
        x->copy_binary_header = false;
        buf_put_u16(&s->out, 0xffff);
        pgp_msg_end(&s->out, at);
    }
    pgp_put_empty(&s->out, 'c');
}

/* data_row - one DataRow in the portal's result formats. */
static void data_row(sess_t *s, int ncols, const value_t *vals)
{
    sess_exec_t *x = &s->x;
    buf_t *b = &s->out;
    size_t row = pgp_row_begin(b, ncols);
    for (int i = 0; i < ncols; i++) {
        const value_t *v = &vals[i];
        if (v->isnull) {
            pgp_col_null(b);
            continue;
        }
        type_oid_t t = i < x->ncols ? x->cols[i].type : TYPE_TEXT;
        int32_t typmod = i < x->ncols ? x->cols[i].typmod : -1;
        size_t at = pgp_col_begin(b);
        if (x->formats && i < x->ncols && x->formats[i])
            type_out_binary(t, typmod, v, b);
        else
            type_out_text(t, typmod, v, x->efd, b);
        pgp_col_end(b, at);
    }
    pgp_msg_end(b, row);
}

/* sink_row - one DataRow, or one CopyData row under COPY. The row is
 * always taken; -1 asks the engine to suspend after it because the output
 * is full. */
static int sink_row(void *arg, int ncols, const value_t *vals)
{
    sess_t *s = arg;
    sess_exec_t *x = &s->x;
    buf_t *b = &s->out;
    if (x->copy)
        copy_row(s, ncols, vals);
    else
        data_row(s, ncols, vals);
    x->rows++;
    if (x->on_worker) {
        if (b->len >= s->srv->high_water) {
            x->sink_stopped = true;
            return -1;
        }
        return 0;
    }
    if (b->len >= SESS_ROW_FLUSH) {
        sess__flush(s);
        if (s->blocked) {
            x->sink_stopped = true;
            return -1;
        }
    }
    /* Nothing may hold the loop thread: a long row stream moves to a worker. */
    if ((x->rows & 255) == 0 && uv_hrtime() - x->inline_start > SESS_INLINE_NS) {
        x->to_worker = true;
        x->sink_stopped = true;
        return -1;
    }
    return 0;
}

/* ---- transaction control and session-level statements ---- */

static void warn(sess_t *s, const char *sqlstate, const char *msg)
{
    err_t w = { 0 };
    err_set(&w, sqlstate, "%s", msg);
    w.severity = ERR_WARNING;
    sess__notice(s, &w);
}

static void tx_control(sess_t *s, sql_kind_t kind, const char *sql)
{
    const char *tag = "COMMIT";
    switch (kind) {
    case SQL_K_BEGIN:
        tag = first_word_is(sql, "START") ? "START TRANSACTION" : "BEGIN";
        if (s->tx != 'I')
            warn(s, ERRCODE_ACTIVE_SQL_TRANSACTION, "there is already a transaction in progress");
        else
            s->tx = 'T';
        break;
    case SQL_K_COMMIT:
        /* COMMIT of a failed block rolls back and says so. */
        tag = s->tx == 'E' ? "ROLLBACK" : "COMMIT";
        /* Outside a block, COMMIT still ends the implicit transaction of a
         * multi-statement message (PostgreSQL's TBLOCK_IMPLICIT_INPROGRESS):
         * what ran before it stays even if a later statement fails. */
        if (s->tx == 'I') {
            warn(s, ERRCODE_NO_ACTIVE_SQL_TRANSACTION, "there is no transaction in progress");
            sess__end_tx(s, !s->implicit_failed);
        } else
            sess__end_tx(s, s->tx == 'T');
        s->tx = 'I';
        break;
    default:
        tag = "ROLLBACK";
        /* ROLLBACK outside a block rolls the implicit transaction back. */
        if (s->tx == 'I')
            warn(s, ERRCODE_NO_ACTIVE_SQL_TRANSACTION, "there is no transaction in progress");
        sess__end_tx(s, false);
        s->tx = 'I';
        break;
    }
    pgp_put_command_complete(&s->out, tag);
}

/* engine_utility - runs a utility portal through the engine: BEGIN's
 * transaction options, the end of SET LOCAL at COMMIT / ROLLBACK, RESET ALL
 * for DISCARD ALL. Errors are left in s->err. */
static int null_row(void *arg, int ncols, const value_t *vals)
{
    (void)arg;
    (void)ncols;
    (void)vals;
    return 0;
}

static int engine_utility(sess_t *s, sql_portal_t *portal)
{
    sql_sink_t sink = { s, null_row };
    if (sql_execute(portal, 0, &sink, &s->x.err) < 0) {
        s->err = s->x.err;
        err_clear(&s->x.err);
        return -1;
    }
    return 0;
}

static void qcache_clear(sess_t *s);

/* discard_all - what DISCARD ALL does besides the engine's RESET ALL. */
static void discard_all(sess_t *s)
{
    sess__drop_all_portals(s);
    sess__drop_all_statements(s);
    qcache_clear(s);
    s->stmt_epoch++;
}

/* ---- scanning statement text (SQL-level PREPARE and EXECUTE) ---- */

static const char *skip_space(const char *p)
{
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f')
            p++;
        if (p[0] == '-' && p[1] == '-') {
            while (*p && *p != '\n')
                p++;
            continue;
        }
        if (p[0] == '/' && p[1] == '*') {
            const char *e = strstr(p + 2, "*/");
            p = e ? e + 2 : p + strlen(p);
            continue;
        }
        return p;
    }
}

/* skip_word - past a keyword (case-insensitive, whole word), or NULL. */
static const char *skip_word(const char *p, const char *word)
{
    p = skip_space(p);
    size_t n = strlen(word);
    if (strncasecmp(p, word, n) != 0)
        return NULL;
    char c = p[n];
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '$')
        return NULL;
    return skip_space(p + n);
}

/* skip_ident - past an identifier, quoted or not, or NULL. */
static const char *skip_ident(const char *p)
{
    p = skip_space(p);
    if (*p == '"') {
        for (p++; *p; p++) {
            if (*p == '"') {
                if (p[1] != '"')
                    return skip_space(p + 1);
                p++;
            }
        }
        return NULL;
    }
    const char *start = p;
    while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_' ||
           *p == '$' || (unsigned char)*p >= 0x80)
        p++;
    return p == start ? NULL : skip_space(p);
}

/* skip_quoted - past a '...' or "..." token starting at p. */
static const char *skip_quoted(const char *p)
{
    char q = *p;
    for (p++; *p; p++) {
        if (*p == q) {
            if (p[1] != q)
                return p + 1;
            p++;
        }
    }
    return p;
}

/* match_paren - p at '(': the matching ')', or NULL. */
static const char *match_paren(const char *p)
{
    int depth = 0;
    while (*p) {
        if (*p == '\'' || *p == '"') {
            p = skip_quoted(p);
            continue;
        }
        if (*p == '(')
            depth++;
        else if (*p == ')' && --depth == 0)
            return p;
        p++;
    }
    return NULL;
}

/* The values of a one-row SELECT, as text parameters. */
typedef struct capture {
    mem_arena_t *a;
    const sql_col_t *cols;
    int nc;
    sql_param_t *params;
    int efd;
} capture_t;

static int capture_row(void *arg, int ncols, const value_t *vals)
{
    capture_t *c = arg;
    buf_t b = BUF_INIT;
    for (int i = 0; i < ncols && i < c->nc; i++) {
        c->params[i].format = 0;
        if (vals[i].isnull) {
            c->params[i].data = NULL;
            c->params[i].len = -1;
            continue;
        }
        buf_reset(&b);
        type_out_text(c->cols[i].type, c->cols[i].typmod, &vals[i], c->efd, &b);
        c->params[i].data = mem_amemdup(c->a, b.data ? b.data : "", b.len);
        c->params[i].len = (int32_t)b.len;
    }
    buf_free(&b);
    return 0;
}

/* eval_select - runs a one-row SELECT and gives its values as text
 * parameters and its column types, in the message arena (params NULL:
 * types only, nothing runs). offset maps error positions to the client's
 * string. */
static int eval_select(sess_t *s, const char *sql, int offset, int *n, sql_param_t **params, const type_oid_t **types)
{
    sql_stmt_t *st;
    if (sql_prepare(s->ctx, s->msg_arena, sql, offset, 0, NULL, &st, &s->err) < 0)
        return -1;
    const sql_col_t *cols;
    int nc = sql_stmt_columns(st, &cols);
    if (nc < 0)
        nc = 0;
    type_oid_t *t = mem_alloc0(s->msg_arena, sizeof(type_oid_t) * (size_t)(nc + 1));
    for (int i = 0; i < nc; i++)
        t[i] = cols[i].type;
    *n = nc;
    *types = t;
    if (!params)
        return 0;
    sql_portal_t *portal;
    if (sql_bind(s->ctx, st, s->msg_arena, 0, NULL, &portal, &s->err) < 0)
        return -1;
    capture_t cap = { s->msg_arena, cols, nc, mem_alloc0(s->msg_arena, sizeof(sql_param_t) * (size_t)(nc + 1)),
                      (int)cfg_int(s->settings, CFG_EXTRA_FLOAT_DIGITS) };
    sql_sink_t sink = { &cap, capture_row };
    if (sql_execute(portal, 0, &sink, &s->x.err) < 0) {
        s->err = s->x.err;
        err_clear(&s->x.err);
        return -1;
    }
    *params = cap.params;
    return 0;
}

/* eval_list - "SELECT <list>" through eval_select; offset is where list
 * starts in the client's string. */
static int eval_list(sess_t *s, const char *list, size_t len, int offset, int *n, sql_param_t **params,
                     const type_oid_t **types)
{
    char *sql = mem_asprintf(s->msg_arena, "SELECT %.*s", (int)len, list);
    return eval_select(s, sql, offset - 7, n, params, types);
}

/* split_args - the top-level comma-separated items of p..end (quotes and
 * parentheses respected); starts and lengths in the message arena. */
static int split_args(mem_arena_t *a, const char *p, const char *end, const char ***starts, size_t **lens)
{
    int cap = 1;
    for (const char *q = p; q < end; q++)
        cap += *q == ',';
    *starts = mem_alloc(a, sizeof(char *) * (size_t)cap);
    *lens = mem_alloc(a, sizeof(size_t) * (size_t)cap);
    int n = 0, depth = 0;
    const char *start = p;
    for (const char *q = p;; q++) {
        if (q >= end || (*q == ',' && depth == 0)) {
            (*starts)[n] = start;
            (*lens)[n] = (size_t)((q < end ? q : end) - start);
            n++;
            if (q >= end)
                break;
            start = q + 1;
            continue;
        }
        if (*q == '\'' || *q == '"') {
            const char *e = skip_quoted(q);
            q = (e > end ? end : e) - 1;
        } else if (*q == '(')
            depth++;
        else if (*q == ')')
            depth--;
    }
    return n;
}

/* split_types - "int, numeric(10,2)" -> "NULL::int, NULL::numeric(10,2)". */
static char *null_casts(mem_arena_t *a, const char *p, const char *end)
{
    buf_t b = BUF_INIT;
    const char *start = p;
    int depth = 0;
    for (;; p++) {
        if (p == end || (*p == ',' && depth == 0)) {
            buf_printf(&b, "%sNULL::%.*s", b.len ? ", " : "", (int)(p - start), start);
            if (p == end)
                break;
            start = p + 1;
            continue;
        }
        if (*p == '"') {
            const char *q = skip_quoted(p);
            p = (q > end ? end : q) - 1;
        } else if (*p == '(')
            depth++;
        else if (*p == ')')
            depth--;
    }
    char *out = mem_astrndup(a, b.data, b.len);
    buf_free(&b);
    return out;
}

/* sql_prepare_named - SQL-level PREPARE name [(types)] AS query: the
 * query is prepared again into its own arena and kept under the name (the
 * engine's PREPARE statement does not expose the query it analyzed). offset
 * is where sql starts in the client's string. */
static int prepare_named(sess_t *s, const sql_stmt_t *stmt, const char *sql, int offset)
{
    const char *target = sql_stmt_target(stmt);
    if (!target || !*target) {
        err_set(&s->err, ERRCODE_INVALID_SQL_STATEMENT_NAME, "invalid statement name");
        return fail(s);
    }
    if (sess__map_get(&s->stmts, target)) {
        err_set(&s->err, ERRCODE_DUPLICATE_PREPARED_STATEMENT, "prepared statement \"%s\" already exists", target);
        return fail(s);
    }
    const char *p = skip_word(sql, "PREPARE");
    p = p ? skip_ident(p) : NULL;
    int ntypes = 0;
    const type_oid_t *types = NULL;
    if (p && *p == '(') {
        const char *close = match_paren(p);
        if (!close) {
            p = NULL;
        } else {
            const char *tl = skip_space(p + 1);
            if (tl < close) {
                char *casts = null_casts(s->msg_arena, tl, close);
                if (eval_list(s, casts, strlen(casts), 0, &ntypes, NULL, &types) < 0) {
                    err_position(&s->err, 0);
                    return fail(s);
                }
            }
            p = skip_space(close + 1);
        }
    }
    p = p ? skip_word(p, "AS") : NULL;
    if (!p) {
        err_set(&s->err, ERRCODE_SYNTAX_ERROR, "syntax error in PREPARE");
        return fail(s);
    }
    size_t len = strlen(p);
    while (len && (p[len - 1] == ';' || p[len - 1] == ' ' || p[len - 1] == '\n' || p[len - 1] == '\t'))
        len--;
    sess_stmt_t *st = stmt_new(s, target, p, len, ntypes, types);
    if (sql_prepare(s->ctx, st->arena, st->sql, offset + (int)(p - sql), ntypes, types, &st->stmt, &s->err) < 0) {
        stmt_unref(s, st);
        return fail(s);
    }
    stmt_describe(st);
    stmt_register(s, st);
    pgp_put_command_complete(&s->out, "PREPARE");
    return H_DONE;
}

/* session_statement - DEALLOCATE, DISCARD ALL, PREPARE: statements the
 * session carries out itself (DISCARD ALL also through the engine, which
 * resets the settings). portal is the bound statement; sql its text. */
static int session_statement(sess_t *s, const sql_stmt_t *stmt, sql_portal_t *portal, const char *sql, int offset,
                             bool in_execute)
{
    sql_kind_t kind = sql_stmt_kind(stmt);
    if (kind == SQL_K_DEALLOCATE) {
        const char *target = sql_stmt_target(stmt);
        if (!target) {
            drop_named_statements(s);
            pgp_put_command_complete(&s->out, "DEALLOCATE ALL");
            return H_DONE;
        }
        sess_stmt_t *st = (sess_stmt_t *)sess__map_get(&s->stmts, target);
        if (!st) {
            err_set(&s->err, ERRCODE_UNDEFINED_PSTATEMENT, "prepared statement \"%s\" does not exist", target);
            return fail(s);
        }
        stmt_drop(s, st);
        pgp_put_command_complete(&s->out, "DEALLOCATE");
        return H_DONE;
    }
    if (kind == SQL_K_DISCARD_ALL) {
        if (s->tx != 'I') {
            err_set(&s->err, ERRCODE_ACTIVE_SQL_TRANSACTION, "DISCARD ALL cannot run inside a transaction block");
            return fail(s);
        }
        if (engine_utility(s, portal) < 0)
            return fail(s);
        /* Inside an Execute the running portal must outlive this call. */
        if (in_execute)
            s->discard_pending = true;
        else
            discard_all(s);
        pgp_put_command_complete(&s->out, "DISCARD ALL");
        return H_DONE;
    }
    return prepare_named(s, stmt, sql, offset);
}

/* ---- execution ---- */

static void exec_end(sess_t *s)
{
    sess_exec_t *x = &s->x;
    x->active = false;
    x->waiting_drain = false;
    if (x->sp) {
        x->sp->busy = false;
        x->sp = NULL;
    }
    if (s->discard_pending) {
        s->discard_pending = false;
        discard_all(s);
    }
}

/* exec_result - what sql_execute's result means for the client: H_DONE
 * (CommandComplete, PortalSuspended or ErrorResponse sent), H_ASYNC (waiting
 * for the client to read) or STEP_AGAIN (run the next step now). */
static int exec_result(sess_t *s, int rc)
{
    sess_exec_t *x = &s->x;
    if (rc < 0) {
        exec_end(s);
        s->err = x->err;
        err_clear(&x->err);
        if (x->timed_out && strcmp(s->err.sqlstate, ERRCODE_QUERY_CANCELED) == 0) {
            err_clear(&s->err);
            err_set(&s->err, ERRCODE_QUERY_CANCELED, "canceling statement due to statement timeout");
        }
        return fail(s);
    }
    if (rc == SQL_EXEC_SUSPENDED) {
        if (x->max_rows && x->rows >= x->max_rows) {
            pgp_put_empty(&s->out, 's');
            exec_end(s);
            return H_DONE;
        }
        if (x->sink_stopped) {
            sess__flush(s);
            if (s->blocked) {
                x->waiting_drain = true;
                return H_ASYNC;
            }
            return STEP_AGAIN;
        }
        /* Suspended without a row limit and without our asking: report it as
         * PortalSuspended rather than lose the portal's rest silently. */
        pgp_put_empty(&s->out, 's');
        exec_end(s);
        return H_DONE;
    }
    sql_kind_t kind = sql_stmt_kind(x->stmt);
    const char *tag = sql_portal_tag(x->portal);
    char counted[32];
    if (x->copy) {
        copy_end(s);
        snprintf(counted, sizeof counted, "COPY %llu", (unsigned long long)x->rows);
        tag = counted;
    } else if (strncmp(tag, "SELECT ", 7) == 0) {
        /* PostgreSQL counts the rows of this Execute, not of the portal. */
        snprintf(counted, sizeof counted, "SELECT %llu", (unsigned long long)x->rows);
        tag = counted;
    }
    pgp_put_command_complete(&s->out, tag);
    /* Only ROLLBACK TO passes the failed-transaction check; it recovers. */
    if (kind == SQL_K_SAVEPOINT && s->tx == 'E')
        s->tx = 'T';
    if (kind == SQL_K_COMMAND)
        s->stmt_epoch++;
    exec_end(s);
    return H_DONE;
}

static void after_async(sess_t *s, int r, bool simple);

static void work_run(net_work_t *w)
{
    sess_exec_t *x = (sess_exec_t *)((char *)w - offsetof(sess_exec_t, work));
    sess_t *s = (sess_t *)((char *)x - offsetof(sess_t, x));
    sql_sink_t sink = { s, sink_row };
    uint64_t want = x->max_rows ? x->max_rows - x->rows : 0;
    x->rc = sql_execute(x->portal, want, &sink, &x->err);
}

static void work_done(net_work_t *w, int status)
{
    sess_exec_t *x = (sess_exec_t *)((char *)w - offsetof(sess_exec_t, work));
    sess_t *s = (sess_t *)((char *)x - offsetof(sess_t, x));
    s->busy = false;
    x->on_worker = false;
    /* The notices the worker raised precede everything it left in s->out. */
    sess__drain_notices(s, true);
    if (status == UV_ECANCELED) {
        x->rc = -1;
        err_set(&x->err, ERRCODE_QUERY_CANCELED, "canceling statement due to user request");
    }
    if (s->free_pending) {
        exec_end(s);
        s->q.active = false;
        sess_free(s);
        return;
    }
    bool simple = x->simple;
    int r = exec_result(s, x->rc);
    if (r == STEP_AGAIN)
        r = exec_step(s);
    after_async(s, r, simple);
}

static int exec_step(sess_t *s)
{
    sess_exec_t *x = &s->x;
    for (;;) {
        x->sink_stopped = false;
        if (x->rows && (x->timed_out || x->cancel_requested)) {
            /* Cancelled while it waited for the client to read. */
            err_set(&x->err, ERRCODE_QUERY_CANCELED, "canceling statement due to user request");
            int r = exec_result(s, -1);
            return r;
        }
        if (x->to_worker || !sql_stmt_is_cheap(x->stmt)) {
            /* Send what is queued: the worker owns s->out until it reports back. */
            sess__flush(s);
            x->on_worker = true;
            s->busy = true;
            s->io.read(s->io.arg, false);
            x->work.run = work_run;
            x->work.done = work_done;
            if (net_work_submit(s->srv->loop, &x->work) == 0)
                return H_ASYNC;
            /* The pool refused (cannot happen with a live loop): run here. */
            s->busy = false;
            x->on_worker = false;
        }
        sql_sink_t sink = { s, sink_row };
        uint64_t want = x->max_rows ? x->max_rows - x->rows : 0;
        x->inline_start = uv_hrtime();
        int rc = sql_execute(x->portal, want, &sink, &x->err);
        uint64_t took = uv_hrtime() - x->inline_start;
        if (took > SESS_INLINE_WARN_NS && x->inline_start - s->srv->last_slow_log > 1000000000ull) {
            s->srv->last_slow_log = x->inline_start;
            log_warn("a statement classified cheap held the event loop for %llu ms (session %d)",
                     (unsigned long long)(took / 1000000), s->pid);
        }
        int r = exec_result(s, rc);
        if (r != STEP_AGAIN)
            return r;
    }
}

static int exec_start(sess_t *s, sql_portal_t *portal, const sql_stmt_t *stmt, sess_portal_t *sp,
                      uint64_t max_rows, bool simple)
{
    sess_exec_t *x = &s->x;
    x->active = true;
    x->simple = simple;
    x->on_worker = false;
    x->waiting_drain = false;
    x->to_worker = false;
    x->timed_out = false;
    x->cancel_requested = false;
    x->start_ms = uv_now(s->srv->loop);
    x->sp = sp;
    if (sp)
        sp->busy = true;
    x->portal = portal;
    x->stmt = stmt;
    x->ncols = sql_stmt_columns(stmt, &x->cols);
    if (x->ncols < 0) {
        x->ncols = 0;
        x->cols = NULL;
    }
    /* formats were chosen at Bind for the columns then (a FETCH's cursor
     * could have been declared again since) */
    x->formats = sp && sp->nformats == x->ncols ? sp->formats : NULL;
    x->max_rows = max_rows;
    x->rows = 0;
    x->efd = (int)cfg_int(s->settings, CFG_EXTRA_FLOAT_DIGITS);
    x->copy = NULL;
    sql_kind_t kind = sql_stmt_kind(stmt);
    if (kind == SQL_K_COPY_OUT || kind == SQL_K_COPY_IN) {
        /* COPY runs to the end whatever Execute's row limit (PostgreSQL). */
        x->copy = sql_stmt_copy(stmt);
        x->cols = x->copy->cols;
        x->ncols = x->copy->ncols;
        x->formats = NULL;
        x->max_rows = 0;
        copy_begin(s, kind);
        if (kind == SQL_K_COPY_IN)
            x->copy = NULL;
    }
    return exec_step(s);
}

/* ---- simple query ---- */

static int query_continue(sess_t *s);

/* execute_target - the prepared statement a SQL-level EXECUTE names. */
static sess_stmt_t *execute_target(sess_t *s, const sql_stmt_t *stmt)
{
    const char *target = sql_stmt_target(stmt);
    return target ? (sess_stmt_t *)sess__map_get(&s->stmts, target) : NULL;
}

/* execute_bind - SQL-level EXECUTE name [(args)]: each argument is
 * evaluated by the engine as "SELECT (arg)::type" of its parameter's type,
 * so a bad value fails with the argument's position as in PostgreSQL, and
 * bound as a text parameter of the named statement, into arena a. sql is
 * the EXECUTE text, offset where it starts in the client's string. -1 with
 * s->err set on failure. */
static int execute_bind(sess_t *s, const sql_stmt_t *stmt, const char *sql, int offset, mem_arena_t *a,
                        sess_stmt_t **out_st, sql_portal_t **out)
{
    const char *target = sql_stmt_target(stmt);
    sess_stmt_t *st = execute_target(s, stmt);
    if (!st)
        return err_set(&s->err, ERRCODE_UNDEFINED_PSTATEMENT, "prepared statement \"%s\" does not exist",
                       target ? target : "");
    if (s->tx == 'E' && !sql_stmt_allowed_in_failed_tx(st->stmt))
        return err_set(&s->err, ERRCODE_IN_FAILED_SQL_TRANSACTION,
                       "current transaction is aborted, commands ignored until end of transaction block");
    if (stmt_revalidate(s, st) < 0)
        return -1;
    const char *p = skip_word(sql, "EXECUTE");
    p = p ? skip_ident(p) : NULL;
    int nargs = 0;
    const char **starts = NULL;
    size_t *lens = NULL;
    if (p && *p == '(') {
        const char *close = match_paren(p);
        if (close && skip_space(p + 1) < close)
            nargs = split_args(s->msg_arena, p + 1, close, &starts, &lens);
    }
    int need = sql_stmt_nparams(st->stmt);
    if (nargs != need) {
        err_set(&s->err, ERRCODE_SYNTAX_ERROR, "wrong number of parameters for prepared statement \"%s\"", target);
        err_detail(&s->err, "Expected %d parameters but got %d.", need, nargs);
        return -1;
    }
    sql_param_t *params = nargs ? mem_alloc0(s->msg_arena, sizeof(sql_param_t) * (size_t)nargs) : NULL;
    const type_oid_t *ptypes = sql_stmt_param_types(st->stmt);
    for (int i = 0; i < nargs; i++) {
        const type_info_t *ti = type_lookup(ptypes[i]);
        char *q = ti ? mem_asprintf(s->msg_arena, "SELECT (%.*s)::%s", (int)lens[i], starts[i], ti->typname)
                     : mem_asprintf(s->msg_arena, "SELECT (%.*s)", (int)lens[i], starts[i]);
        /* The argument starts 9 characters into q (1-based). */
        int off = offset + (int)(starts[i] - sql) - 8;
        int n;
        sql_param_t *one;
        const type_oid_t *t;
        if (eval_select(s, q, off, &n, &one, &t) < 0)
            return -1;
        if (n != 1)
            return err_set(&s->err, ERRCODE_SYNTAX_ERROR, "syntax error in EXECUTE parameter %d", i + 1);
        params[i] = one[0];
    }
    if (sql_bind(s->ctx, st->stmt, a, nargs, params, out, &s->err) < 0)
        return -1;
    *out_st = st;
    return 0;
}

/* query_execute - EXECUTE as a statement of a simple Query. */
static int query_execute(sess_t *s, const sql_stmt_t *stmt, const sql_text_t *text)
{
    sess_stmt_t *st;
    sql_portal_t *portal;
    if (execute_bind(s, stmt, text->sql, text->offset, s->query_arena, &st, &portal) < 0)
        return fail(s);
    if (st->ncols >= 0)
        put_row_description(s, st->cols, st->ncols, NULL);
    return exec_start(s, portal, st->stmt, NULL, 0, true);
}

/* ---- the simple-Query cache ---- */

static void qcache_clear(sess_t *s)
{
    for (int i = 0; i < SESS_QCACHE; i++) {
        if (s->qcache[i]) {
            stmt_unref(s, s->qcache[i]);
            s->qcache[i] = NULL;
        }
    }
}

static sess_stmt_t *qcache_lookup(sess_t *s, const char *text, size_t len)
{
    if (!sql_stmt_is_current)
        return NULL;
    uint32_t h = 0;
    for (int i = 0; i < SESS_QCACHE; i++) {
        sess_stmt_t *st = s->qcache[i];
        if (!st || st->key_len != len)
            continue;
        if (!h)
            h = sess__hash(text) | 1;
        if (st->key_hash != h || memcmp(st->key, text, len) != 0)
            continue;
        if (reusable(s, st))
            return st;
        /* Stale: drop it, the Query prepares afresh. */
        stmt_unref(s, st);
        s->qcache[i] = NULL;
        return NULL;
    }
    return NULL;
}

static void qcache_insert(sess_t *s, sess_stmt_t *st)
{
    int slot = s->qcache_next;
    s->qcache_next = (slot + 1) % SESS_QCACHE;
    if (s->qcache[slot])
        stmt_unref(s, s->qcache[slot]);
    st->key = mem_astrndup(st->arena, s->q.text, s->q.len);
    st->key_len = s->q.len;
    st->key_hash = sess__hash(st->key) | 1;
    st->refs++;
    s->qcache[slot] = st;
}

static void query_release_cur(sess_t *s)
{
    if (s->q.cur) {
        stmt_unref(s, s->q.cur);
        s->q.cur = NULL;
    }
}

static int query_one(sess_t *s, const sql_text_t *text)
{
    sql_stmt_t *stmt;
    s->tx_open = true;
    mem_arena_reset(s->query_arena);
    query_release_cur(s);
    if (s->q.hit) {
        /* The whole Query was seen before: no split, no parse. */
        s->q.cur = s->q.hit;
        s->q.hit = NULL;
        stmt = s->q.cur->stmt;
    } else if (s->q.n == 1 && sql_stmt_is_current && s->tx != 'E') {
        /* A Query of one statement gets its own arena so the cache can keep it. */
        sess_stmt_t *st = stmt_new(s, "", text->sql, strlen(text->sql), 0, NULL);
        if (sql_prepare(s->ctx, st->arena, st->sql, text->offset, -1, NULL, &st->stmt, &s->err) < 0) {
            stmt_unref(s, st);
            return fail(s);
        }
        stmt_describe(st);
        s->q.cur = st;
        stmt = st->stmt;
        if (st->kind == SQL_K_ROWS)
            qcache_insert(s, st);
    } else if (sql_prepare(s->ctx, s->query_arena, text->sql, text->offset, -1, NULL, &stmt, &s->err) < 0) {
        if (s->tx == 'E')
            return fail_aborted(s);
        return fail(s);
    }
    if (s->tx == 'E' && !sql_stmt_allowed_in_failed_tx(stmt))
        return fail_aborted(s);
    sql_kind_t kind = sql_stmt_kind(stmt);
    sql_portal_t *portal;
    switch (kind) {
    case SQL_K_EMPTY:
        if (s->q.n == 1)
            pgp_put_empty(&s->out, 'I');
        return H_DONE;
    case SQL_K_BEGIN:
    case SQL_K_COMMIT:
    case SQL_K_ROLLBACK:
        if (sql_bind(s->ctx, stmt, s->query_arena, 0, NULL, &portal, &s->err) < 0 || engine_utility(s, portal) < 0)
            return fail(s);
        tx_control(s, kind, text->sql);
        return H_DONE;
    case SQL_K_DEALLOCATE:
    case SQL_K_PREPARE:
        return session_statement(s, stmt, NULL, text->sql, text->offset, false);
    case SQL_K_DISCARD_ALL:
        if (sql_bind(s->ctx, stmt, s->query_arena, 0, NULL, &portal, &s->err) < 0)
            return fail(s);
        return session_statement(s, stmt, portal, text->sql, text->offset, false);
    case SQL_K_EXECUTE:
        return query_execute(s, stmt, text);
    case SQL_K_SAVEPOINT:
        if (s->tx == 'I') {
            const char *what = first_word_is(text->sql, "ROLLBACK") ? "ROLLBACK TO SAVEPOINT"
                               : first_word_is(text->sql, "RELEASE") ? "RELEASE SAVEPOINT" : "SAVEPOINT";
            err_set(&s->err, ERRCODE_NO_ACTIVE_SQL_TRANSACTION, "%s can only be used in transaction blocks", what);
            return fail(s);
        }
        break;
    default:
        break;
    }
    if (sql_bind(s->ctx, stmt, s->query_arena, 0, NULL, &portal, &s->err) < 0)
        return fail(s);
    const sql_col_t *cols;
    int ncols = sql_stmt_columns(stmt, &cols);
    if (ncols >= 0)
        put_row_description(s, cols, ncols, NULL);
    return exec_start(s, portal, stmt, NULL, 0, true);
}

static int query_continue(sess_t *s)
{
    while (s->q.i < s->q.n) {
        s->stmt_failed = false;
        int r = query_one(s, &s->q.stmts[s->q.i]);
        if (r == H_ASYNC)
            return H_ASYNC;
        if (r == H_CLOSE)
            return H_CLOSE;
        if (s->stmt_failed)
            break;
        s->q.i++;
    }
    s->q.active = false;
    s->stmt_failed = false;
    query_release_cur(s);
    if (s->tx == 'I') {
        /* The implicit transaction of this Query ends here. */
        sess__end_tx(s, !s->implicit_failed);
        sess__drop_all_portals(s);
    }
    sess__ready(s);
    return H_DONE;
}

/* after_async - an execution that went to a worker or waited for the client
 * has produced result r: finish the simple Query or the message. */
static void after_async(sess_t *s, int r, bool simple)
{
    if (r == H_ASYNC)
        return;
    if (simple && s->q.active) {
        if (s->stmt_failed)
            s->q.i = s->q.n;
        else
            s->q.i++;
        if (query_continue(s) == H_ASYNC)
            return;
    }
    sess__message_done(s);
}

void sess__exec_resume(sess_t *s)
{
    bool simple = s->x.simple;
    int r = exec_step(s);
    after_async(s, r, simple);
}

void sess__free_query_state(sess_t *s)
{
    query_release_cur(s);
    qcache_clear(s);
    s->q.active = false;
    s->x.active = false;
    s->x.sp = NULL;
}

static int handle_query(sess_t *s, const pgp_frame_t *f)
{
    pgp_query_t m;
    if (pgp_parse_query(f, &m, &s->err) < 0)
        return fatal(s);
    /* A simple Query replaces the unnamed statement and portal (PostgreSQL). */
    portal_drop(s, s->unnamed_portal);
    stmt_drop(s, s->unnamed_stmt);
    s->q.text = m.sql;
    s->q.len = m.len;
    s->q.hit = s->tx != 'E' ? qcache_lookup(s, m.sql, m.len) : NULL;
    if (s->q.hit) {
        s->q.hit->refs++; /* held as q.cur while it runs */
        s->q.hit_text.sql = s->q.hit->sql;
        s->q.hit_text.offset = 0;
        s->q.active = true;
        s->q.stmts = &s->q.hit_text;
        s->q.n = 1;
        s->q.i = 0;
        return query_continue(s);
    }
    sql_text_t *stmts;
    int n;
    if (sql_split(s->msg_arena, m.sql, &stmts, &n, &s->err) < 0) {
        if (s->tx == 'E')
            fail_aborted(s);
        else
            fail(s);
        s->stmt_failed = false;
        if (s->tx == 'I')
            sess__end_tx(s, false);
        sess__ready(s);
        return H_DONE;
    }
    if (n == 0) {
        pgp_put_empty(&s->out, 'I');
        if (s->tx == 'I')
            sess__end_tx(s, !s->implicit_failed);
        sess__ready(s);
        return H_DONE;
    }
    s->q.active = true;
    s->q.stmts = stmts;
    s->q.n = n;
    s->q.i = 0;
    return query_continue(s);
}

/* ---- extended protocol ---- */

/* several_statements - whether a Parse text holds more than one statement;
 * sql_split runs only when a ';' is followed by more text. */
static bool several_statements(sess_t *s, const char *sql, size_t len)
{
    const char *semi = memchr(sql, ';', len);
    if (!semi)
        return false;
    const char *end = sql + len;
    while (end > sql && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r' || end[-1] == ';'))
        end--;
    if (semi >= end)
        return false;
    sql_text_t *stmts;
    int n;
    err_t e = { 0 };
    if (sql_split(s->msg_arena, sql, &stmts, &n, &e) < 0)
        return false; /* sql_prepare reports the syntax error */
    return n > 1;
}

static bool same_types(const sess_stmt_t *st, int n, const uint32_t *types)
{
    return st->nparam_types == n && (n == 0 || memcmp(st->param_types, types, (size_t)n * sizeof(uint32_t)) == 0);
}

static int handle_parse(sess_t *s, const pgp_frame_t *f)
{
    pgp_parse_t m;
    if (pgp_parse_parse(f, s->msg_arena, &m, &s->err) < 0)
        return fatal(s);
    bool unnamed = m.name[0] == '\0';
    if (unnamed) {
        sess_stmt_t *u = s->unnamed_stmt;
        if (u && u->sql_len == m.sql_len && memcmp(u->sql, m.sql, m.sql_len) == 0 &&
            same_types(u, m.nparams, m.param_types) && s->tx != 'E' && reusable(s, u)) {
            pgp_put_empty(&s->out, '1');
            return H_DONE;
        }
        stmt_drop(s, u);
    } else if (sess__map_get(&s->stmts, m.name)) {
        err_set(&s->err, ERRCODE_DUPLICATE_PREPARED_STATEMENT, "prepared statement \"%s\" already exists", m.name);
        return fail(s);
    }
    if (several_statements(s, m.sql, m.sql_len)) {
        err_set(&s->err, ERRCODE_SYNTAX_ERROR, "cannot insert multiple commands into a prepared statement");
        return fail(s);
    }
    sess_stmt_t *st = stmt_new(s, m.name, m.sql, m.sql_len, m.nparams, m.param_types);
    if (sql_prepare(s->ctx, st->arena, st->sql, 0, m.nparams, m.param_types, &st->stmt, &s->err) < 0) {
        stmt_unref(s, st);
        if (s->tx == 'E')
            return fail_aborted(s);
        return fail(s);
    }
    if (s->tx == 'E' && !sql_stmt_allowed_in_failed_tx(st->stmt)) {
        stmt_unref(s, st);
        return fail_aborted(s);
    }
    stmt_describe(st);
    stmt_register(s, st);
    pgp_put_empty(&s->out, '1');
    return H_DONE;
}

static int no_statement(sess_t *s, const char *name)
{
    if (name[0])
        err_set(&s->err, ERRCODE_UNDEFINED_PSTATEMENT, "prepared statement \"%s\" does not exist", name);
    else
        err_set(&s->err, ERRCODE_UNDEFINED_PSTATEMENT, "unnamed prepared statement does not exist");
    return fail(s);
}

static int no_portal(sess_t *s, const char *name)
{
    err_set(&s->err, ERRCODE_INVALID_CURSOR_NAME, "portal \"%s\" does not exist", name);
    return fail(s);
}

static int handle_bind(sess_t *s, const pgp_frame_t *f)
{
    pgp_bind_t m;
    if (pgp_parse_bind(f, s->msg_arena, &m, &s->err) < 0)
        return fatal(s);
    sess_stmt_t *st = stmt_lookup(s, m.stmt);
    if (!st)
        return no_statement(s, m.stmt);
    if (s->tx == 'E' && !sql_stmt_allowed_in_failed_tx(st->stmt))
        return fail_aborted(s);
    if (stmt_revalidate(s, st) < 0)
        return fail(s);
    /* A FETCH's columns are its cursor's at this moment (PostgreSQL's
     * UtilityTupleDescriptor), not at Parse. */
    stmt_describe(st);
    int np = sql_stmt_nparams(st->stmt);
    if (m.nformats > 1 && m.nformats != m.nparams) {
        err_set(&s->err, ERRCODE_PROTOCOL_VIOLATION, "bind message has %d parameter formats but %d parameters",
                m.nformats, m.nparams);
        return fail(s);
    }
    if (m.nparams != np) {
        err_set(&s->err, ERRCODE_PROTOCOL_VIOLATION,
                "bind message supplies %d parameters, but prepared statement \"%s\" requires %d", m.nparams,
                m.stmt, np);
        return fail(s);
    }
    for (int i = 0; i < m.nformats; i++) {
        if (m.formats[i] != 0 && m.formats[i] != 1) {
            err_set(&s->err, ERRCODE_INVALID_PARAMETER_VALUE, "unsupported format code: %d", m.formats[i]);
            return fail(s);
        }
    }
    int ncols = st->ncols;
    bool any_binary = false;
    if (ncols >= 0) {
        if (m.nresult_formats > 1 && m.nresult_formats != ncols) {
            err_set(&s->err, ERRCODE_PROTOCOL_VIOLATION, "bind message has %d result formats but query has %d columns",
                    m.nresult_formats, ncols);
            return fail(s);
        }
        for (int i = 0; i < m.nresult_formats; i++) {
            if (m.result_formats[i] != 0 && m.result_formats[i] != 1) {
                err_set(&s->err, ERRCODE_INVALID_PARAMETER_VALUE, "unsupported format code: %d", m.result_formats[i]);
                return fail(s);
            }
            any_binary |= m.result_formats[i] == 1;
        }
        if (any_binary) {
            for (int i = 0; i < ncols; i++) {
                int16_t fmt = m.nresult_formats == 1 ? m.result_formats[0] : m.result_formats[i];
                if (fmt == 1 && !type_has_binary(st->cols[i].type)) {
                    const type_info_t *ti = type_lookup(st->cols[i].type);
                    err_set(&s->err, ERRCODE_UNDEFINED_FUNCTION, "no binary output function available for type %s",
                            ti ? ti->name : "unknown");
                    return fail(s);
                }
            }
        }
    }
    sess_portal_t *p;
    if (!m.portal[0]) {
        portal_drop(s, s->unnamed_portal);
        p = MEM_NEW(s->unnamed_portal_arena, sess_portal_t);
        p->e.name = "";
    } else {
        if (sess__map_get(&s->portals, m.portal)) {
            err_set(&s->err, ERRCODE_DUPLICATE_CURSOR, "portal \"%s\" already exists", m.portal);
            return fail(s);
        }
        mem_arena_t *a = mem_arena_new(s->arena, "portal", 0);
        p = MEM_NEW(a, sess_portal_t);
        p->arena = a;
        p->e.name = mem_astrdup(a, m.portal);
    }
    mem_arena_t *pa = p->arena ? p->arena : s->unnamed_portal_arena;
    if (any_binary) {
        p->formats = mem_alloc(pa, (size_t)ncols * sizeof(int16_t));
        p->nformats = ncols;
        for (int i = 0; i < ncols; i++)
            p->formats[i] = m.nresult_formats == 1 ? m.result_formats[0] : m.result_formats[i];
    }
    p->st = st;
    st->refs++;
    if (p->arena)
        sess__map_put(&s->portals, &p->e);
    else
        s->unnamed_portal = p;
    sql_param_t *params = NULL;
    if (np) {
        params = mem_alloc(s->msg_arena, (size_t)np * sizeof(sql_param_t));
        for (int i = 0; i < np; i++) {
            params[i].data = m.params[i].data;
            params[i].len = m.params[i].len;
            params[i].format = m.nformats == 0 ? 0 : m.nformats == 1 ? m.formats[0] : m.formats[i];
        }
    }
    if (sql_bind(s->ctx, st->stmt, pa, np, params, &p->portal, &s->err) < 0) {
        portal_drop(s, p);
        return fail(s);
    }
    pgp_put_empty(&s->out, '2');
    return H_DONE;
}

static int handle_describe(sess_t *s, const pgp_frame_t *f)
{
    pgp_target_t m;
    if (pgp_parse_target(f, &m, &s->err) < 0)
        return fatal(s);
    if (m.kind == 'S') {
        sess_stmt_t *st = stmt_lookup(s, m.name);
        if (!st)
            return no_statement(s, m.name);
        if (s->tx == 'E' && st->ncols >= 0 && !sql_stmt_allowed_in_failed_tx(st->stmt))
            return fail_aborted(s);
        if (stmt_revalidate(s, st) < 0)
            return fail(s);
        stmt_describe(st); /* FETCH: its cursor's columns now */
        pgp_put_parameter_description(&s->out, sql_stmt_nparams(st->stmt), sql_stmt_param_types(st->stmt));
        /* EXECUTE returns what the statement it names returns. */
        const sess_stmt_t *rows = st->kind == SQL_K_EXECUTE ? execute_target(s, st->stmt) : st;
        if (rows && rows->ncols >= 0)
            put_row_description(s, rows->cols, rows->ncols, NULL);
        else
            pgp_put_empty(&s->out, 'n');
        return H_DONE;
    }
    if (m.kind == 'P') {
        sess_portal_t *p = portal_lookup(s, m.name);
        if (!p)
            return no_portal(s, m.name);
        if (s->tx == 'E' && p->st->ncols >= 0 && !sql_stmt_allowed_in_failed_tx(p->st->stmt))
            return fail_aborted(s);
        if (p->st->kind == SQL_K_EXECUTE) {
            const sess_stmt_t *rows = p->exec_st ? p->exec_st : execute_target(s, p->st->stmt);
            if (rows && rows->ncols >= 0)
                put_row_description(s, rows->cols, rows->ncols, NULL);
            else
                pgp_put_empty(&s->out, 'n');
        } else {
            stmt_describe(p->st); /* FETCH: its cursor's columns now */
            if (p->st->ncols >= 0)
                put_row_description(s, p->st->cols, p->st->ncols,
                                    p->nformats == p->st->ncols ? p->formats : NULL);
            else
                pgp_put_empty(&s->out, 'n');
        }
        return H_DONE;
    }
    err_set(&s->err, ERRCODE_PROTOCOL_VIOLATION, "invalid DESCRIBE message subtype %d", (unsigned char)m.kind);
    return fail(s);
}

static int handle_execute(sess_t *s, const pgp_frame_t *f)
{
    pgp_execute_t m;
    if (pgp_parse_execute(f, &m, &s->err) < 0)
        return fatal(s);
    sess_portal_t *p = portal_lookup(s, m.portal);
    if (!p)
        return no_portal(s, m.portal);
    sess_stmt_t *st = p->st;
    if (s->tx == 'E' && !sql_stmt_allowed_in_failed_tx(st->stmt))
        return fail_aborted(s);
    switch (st->kind) {
    case SQL_K_EMPTY:
        pgp_put_empty(&s->out, 'I');
        return H_DONE;
    case SQL_K_BEGIN:
    case SQL_K_COMMIT:
    case SQL_K_ROLLBACK:
        if (engine_utility(s, p->portal) < 0)
            return fail(s);
        tx_control(s, st->kind, st->sql);
        return H_DONE;
    case SQL_K_DEALLOCATE:
    case SQL_K_DISCARD_ALL:
    case SQL_K_PREPARE: {
        int r = session_statement(s, st->stmt, p->portal, st->sql, 0, true);
        if (s->discard_pending) {
            s->discard_pending = false;
            discard_all(s);
        }
        return r;
    }
    case SQL_K_SAVEPOINT:
        if (s->tx == 'I') {
            err_set(&s->err, ERRCODE_NO_ACTIVE_SQL_TRANSACTION, "SAVEPOINT can only be used in transaction blocks");
            return fail(s);
        }
        break;
    case SQL_K_EXECUTE:
        /* The first Execute binds the named statement; later ones resume it. */
        if (!p->exec_portal) {
            sess_stmt_t *target;
            mem_arena_t *pa = p->arena ? p->arena : s->unnamed_portal_arena;
            if (execute_bind(s, st->stmt, st->sql, 0, pa, &target, &p->exec_portal) < 0)
                return fail(s);
            p->exec_st = target;
            target->refs++;
        }
        return exec_start(s, p->exec_portal, p->exec_st->stmt, p, m.max_rows > 0 ? (uint64_t)m.max_rows : 0, false);
    default:
        break;
    }
    return exec_start(s, p->portal, st->stmt, p, m.max_rows > 0 ? (uint64_t)m.max_rows : 0, false);
}

static int handle_close(sess_t *s, const pgp_frame_t *f)
{
    pgp_target_t m;
    if (pgp_parse_target(f, &m, &s->err) < 0)
        return fatal(s);
    if (m.kind == 'S')
        stmt_drop(s, stmt_lookup(s, m.name));
    else if (m.kind == 'P')
        portal_drop(s, portal_lookup(s, m.name));
    else {
        err_set(&s->err, ERRCODE_PROTOCOL_VIOLATION, "invalid CLOSE message subtype %d", (unsigned char)m.kind);
        return fail(s);
    }
    pgp_put_empty(&s->out, '3');
    return H_DONE;
}

static int handle_sync(sess_t *s, const pgp_frame_t *f)
{
    if (pgp_parse_empty(f, &s->err) < 0)
        return fatal(s);
    s->ignore_till_sync = false;
    /* The implicit transaction ends: its portals go with it. */
    if (s->tx == 'I') {
        sess__end_tx(s, !s->implicit_failed);
        sess__drop_all_portals(s);
    }
    sess__ready(s);
    return H_DONE;
}

int sess__handle_message(sess_t *s, const pgp_frame_t *f)
{
    switch (f->type) {
    case 'S':
        return handle_sync(s, f);
    case 'X':
        sess__close(s);
        return H_CLOSE;
    default:
        break;
    }
    /* After an error in the extended protocol everything up to Sync is skipped. */
    if (s->ignore_till_sync)
        return H_DONE;
    if (f->type == 'P' || f->type == 'B' || f->type == 'E')
        s->tx_open = true;
    switch (f->type) {
    case 'Q':
        return handle_query(s, f);
    case 'P':
        s->extended = true;
        return handle_parse(s, f);
    case 'B':
        s->extended = true;
        return handle_bind(s, f);
    case 'D':
        s->extended = true;
        return handle_describe(s, f);
    case 'E':
        s->extended = true;
        return handle_execute(s, f);
    case 'C':
        s->extended = true;
        return handle_close(s, f);
    case 'H':
        s->extended = true;
        if (pgp_parse_empty(f, &s->err) < 0)
            return fatal(s);
        sess__flush(s);
        return H_DONE;
    case 'F':
        err_set(&s->err, ERRCODE_FEATURE_NOT_SUPPORTED, "fastpath function calls are not supported");
        fail(s);
        s->stmt_failed = false;
        if (s->tx == 'I')
            sess__end_tx(s, false);
        sess__ready(s);
        return H_DONE;
    default:
        /* CopyData, CopyDone, CopyFail outside COPY: ignored, as PostgreSQL does. */
        return H_DONE;
    }
}
