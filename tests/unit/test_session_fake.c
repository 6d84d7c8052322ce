/*
 * test_session_fake.c - a fake SQL engine implementing include/sql/sql.h for
 * the session tests (tests/unit/test_session.c) and for trying the server
 * with real clients before the engine exists.
 *
 * Statements: SELECT <int>, SELECT $1, ROWS <n> (cheap, n int4 rows),
 * SLOW <n> (same on a worker), SLEEP (worker, until cancelled), FAIL
 * (22012 at execution), SET name = value, SHOW name, NOTICE, NOTICES <n>
 * [<k> [<ms>]] (worker: n notices, a row before each of the first k, then
 * ms of sleep or until cancelled), BEGIN, START
 * TRANSACTION, COMMIT, END, ROLLBACK, ABORT, SAVEPOINT x, RELEASE x,
 * ROLLBACK TO x, DEALLOCATE x|ALL, DISCARD ALL, PREPARE x AS SELECT <n>,
 * EXECUTE x; anything else is 42601 with a position.
 */
#include <ctype.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/cfg.h"
#include "common/mem.h"
#include "sql/sql.h"
#include "types/types.h"

enum op { OP_NONE, OP_CONST, OP_PARAM, OP_ROWS, OP_SLEEP, OP_FAIL, OP_SET, OP_SHOW, OP_NOTICE, OP_NOTICES, OP_RESET_ALL };

struct sql_ctx {
    sql_session_info_t info;
    atomic_int cancel;
};

struct sql_stmt {
    enum op op;
    sql_kind_t kind;
    bool cheap;
    long n;
    long k, ms; /* NOTICES */
    int nparams;
    type_oid_t ptypes[1];
    sql_col_t cols[1];
    int ncols;
    char *target;
    char *name, *value;
    const char *tag;
};

struct sql_portal {
    sql_stmt_t *st;
    sql_ctx_t *ctx;
    long next;
    char *param;
    char tag[64];
};

sql_ctx_t *sql_ctx_new(mem_arena_t *a, const sql_session_info_t *info)
{
    sql_ctx_t *c = MEM_NEW(a, sql_ctx_t);
    c->info = *info;
    atomic_store(&c->cancel, 0);
    return c;
}

void sql_ctx_cancel(sql_ctx_t *c)
{
    atomic_store(&c->cancel, 1);
}

/* What sql_stmt_is_current answers, and how many statements were prepared. */
bool fake_current = true;
int fake_prepares;

bool sql_stmt_is_current(const sql_stmt_t *s)
{
    (void)s;
    return fake_current;
}

/* Transaction ends the session reported, for the tests: "c" commit, "a" abort. */
char fake_tx_log[256];

void sql_ctx_end_tx(sql_ctx_t *c, bool commit)
{
    (void)c;
    size_t n = strlen(fake_tx_log);
    if (n + 1 < sizeof fake_tx_log) {
        fake_tx_log[n] = commit ? 'c' : 'a';
        fake_tx_log[n + 1] = '\0';
    }
}

int sql_split(mem_arena_t *a, const char *query, sql_text_t **stmts, int *n, err_t *err)
{
    (void)err;
    int cap = 1;
    for (const char *p = query; *p; p++)
        cap += *p == ';';
    *stmts = mem_alloc(a, (size_t)cap * sizeof(sql_text_t));
    *n = 0;
    const char *p = query;
    while (*p) {
        const char *semi = strchr(p, ';');
        size_t len = semi ? (size_t)(semi - p) : strlen(p);
        const char *q = p;
        while (q < p + len && isspace((unsigned char)*q))
            q++;
        if (q < p + len) {
            (*stmts)[*n].sql = mem_astrndup(a, p, len);
            (*stmts)[*n].offset = (int)(p - query);
            (*n)++;
        }
        if (!semi)
            break;
        p = semi + 1;
    }
    return 0;
}

static bool word(const char **p, const char *w)
{
    while (isspace((unsigned char)**p))
        (*p)++;
    size_t n = strlen(w);
    if (strncasecmp(*p, w, n) != 0 || isalnum((unsigned char)(*p)[n]))
        return false;
    *p += n;
    while (isspace((unsigned char)**p))
        (*p)++;
    return true;
}

int sql_prepare(sql_ctx_t *ctx, mem_arena_t *a, const char *sql, int offset, int nparams,
                const type_oid_t *param_types, sql_stmt_t **out, err_t *err)
{
    (void)ctx;
    fake_prepares++;
    sql_stmt_t *s = MEM_NEW(a, sql_stmt_t);
    s->cheap = true;
    s->ncols = -1;
    s->kind = SQL_K_COMMAND;
    const char *p = sql;
    char *end;
    if (word(&p, "SELECT")) {
        s->kind = SQL_K_ROWS;
        s->ncols = 1;
        s->cols[0] = (sql_col_t){ "?column?", 0, 0, TYPE_INT4, 4, -1 };
        if (strncmp(p, "$1", 2) == 0) {
            s->op = OP_PARAM;
            s->nparams = 1;
            s->ptypes[0] = nparams > 0 && param_types[0] ? param_types[0] : TYPE_TEXT;
            s->cols[0].type = TYPE_TEXT;
            s->cols[0].typlen = -1;
        } else {
            s->op = OP_CONST;
            s->n = strtol(p, &end, 10);
            if (end == p)
                goto syntax;
        }
    } else if (word(&p, "ROWS") || (word(&p, "SLOW") && (s->cheap = false, true))) {
        s->kind = SQL_K_ROWS;
        s->op = OP_ROWS;
        s->n = strtol(p, &end, 10);
        s->ncols = 1;
        s->cols[0] = (sql_col_t){ "i", 0, 0, TYPE_INT4, 4, -1 };
    } else if (word(&p, "SLEEP")) {
        s->kind = SQL_K_ROWS;
        s->op = OP_SLEEP;
        s->cheap = false;
        s->ncols = 1;
        s->cols[0] = (sql_col_t){ "i", 0, 0, TYPE_INT4, 4, -1 };
    } else if (word(&p, "FAIL")) {
        s->kind = SQL_K_ROWS;
        s->op = OP_FAIL;
        s->ncols = 1;
        s->cols[0] = (sql_col_t){ "x", 0, 0, TYPE_INT4, 4, -1 };
    } else if (word(&p, "SET")) {
        const char *eq = strchr(p, '=');
        if (!eq)
            goto syntax;
        s->op = OP_SET;
        s->name = mem_astrndup(a, p, (size_t)(eq - p));
        for (char *q = s->name + strlen(s->name); q > s->name && q[-1] == ' ';)
            *--q = '\0';
        eq++;
        while (*eq == ' ')
            eq++;
        s->value = mem_astrdup(a, eq);
        s->tag = "SET";
    } else if (word(&p, "SHOW")) {
        s->kind = SQL_K_ROWS;
        s->op = OP_SHOW;
        s->name = mem_astrdup(a, p);
        s->ncols = 1;
        s->cols[0] = (sql_col_t){ s->name, 0, 0, TYPE_TEXT, -1, -1 };
    } else if (word(&p, "NOTICES")) {
        s->kind = SQL_K_ROWS;
        s->op = OP_NOTICES;
        s->cheap = false;
        s->n = strtol(p, &end, 10);
        s->k = strtol(end, &end, 10);
        s->ms = strtol(end, &end, 10);
        s->ncols = 1;
        s->cols[0] = (sql_col_t){ "i", 0, 0, TYPE_INT4, 4, -1 };
    } else if (word(&p, "NOTICE")) {
        s->op = OP_NOTICE;
        s->tag = "DO";
    } else if (word(&p, "BEGIN") || word(&p, "START")) {
        s->kind = SQL_K_BEGIN;
    } else if (word(&p, "COMMIT") || word(&p, "END")) {
        s->kind = SQL_K_COMMIT;
    } else if (word(&p, "ROLLBACK") || word(&p, "ABORT")) {
        if (word(&p, "TO")) {
            s->kind = SQL_K_SAVEPOINT;
            s->tag = "ROLLBACK";
        } else
            s->kind = SQL_K_ROLLBACK;
    } else if (word(&p, "SAVEPOINT")) {
        s->kind = SQL_K_SAVEPOINT;
        s->tag = "SAVEPOINT";
    } else if (word(&p, "RELEASE")) {
        s->kind = SQL_K_SAVEPOINT;
        s->tag = "RELEASE";
    } else if (word(&p, "DEALLOCATE")) {
        s->kind = SQL_K_DEALLOCATE;
        s->target = word(&p, "ALL") ? NULL : mem_astrdup(a, p);
    } else if (word(&p, "DISCARD")) {
        s->kind = SQL_K_DISCARD_ALL;
        s->op = OP_RESET_ALL;
        s->tag = "DISCARD ALL";
    } else if (word(&p, "PREPARE")) {
        const char *as = strstr(p, " AS ");
        if (!as)
            goto syntax;
        s->kind = SQL_K_PREPARE;
        s->target = mem_astrndup(a, p, (size_t)(as - p));
        s->op = OP_CONST;
        s->n = strtol(strstr(as, "SELECT") ? strstr(as, "SELECT") + 6 : as, NULL, 10);
        s->ncols = 1;
        s->cols[0] = (sql_col_t){ "?column?", 0, 0, TYPE_INT4, 4, -1 };
    } else if (word(&p, "EXECUTE")) {
        s->kind = SQL_K_EXECUTE;
        s->target = mem_astrdup(a, p);
    } else if (!*p) {
        s->kind = SQL_K_EMPTY;
    } else {
        goto syntax;
    }
    *out = s;
    return 0;
syntax:
    err_set(err, ERRCODE_SYNTAX_ERROR, "syntax error at or near \"%.10s\"", p);
    err_position(err, offset + (int)(p - sql) + 1);
    return -1;
}

sql_kind_t sql_stmt_kind(const sql_stmt_t *s) { return s->kind; }
const char *sql_stmt_target(const sql_stmt_t *s) { return s->target; }
int sql_stmt_nparams(const sql_stmt_t *s) { return s->nparams; }
const type_oid_t *sql_stmt_param_types(const sql_stmt_t *s) { return s->ptypes; }
bool sql_stmt_is_cheap(const sql_stmt_t *s) { return s->cheap; }
const sql_copy_t *sql_stmt_copy(const sql_stmt_t *s) { (void)s; return NULL; } /* the fake has no COPY */
bool sql_stmt_allowed_in_failed_tx(const sql_stmt_t *s)
{
    return s->kind == SQL_K_ROLLBACK || s->kind == SQL_K_COMMIT ||
           (s->kind == SQL_K_SAVEPOINT && s->tag && strcmp(s->tag, "ROLLBACK") == 0);
}
int sql_stmt_columns(const sql_stmt_t *s, const sql_col_t **cols)
{
    *cols = s->cols;
    return s->ncols;
}

int sql_bind(sql_ctx_t *ctx, sql_stmt_t *s, mem_arena_t *a, int nparams, const sql_param_t *params,
             sql_portal_t **out, err_t *err)
{
    sql_portal_t *p = MEM_NEW(a, sql_portal_t);
    p->st = s;
    p->ctx = ctx;
    if (nparams == 1) {
        if (!params[0].data)
            p->param = NULL;
        else if (params[0].format == 1) {
            if (s->ptypes[0] != TYPE_INT4 || params[0].len != 4)
                return err_set(err, ERRCODE_INVALID_BINARY_REPRESENTATION, "incorrect binary data format in bind parameter 1");
            p->param = mem_asprintf(a, "%d", (int32_t)buf_get_u32(params[0].data));
        } else
            p->param = mem_astrndup(a, params[0].data, (size_t)params[0].len);
    }
    *out = p;
    return 0;
}

int sql_execute(sql_portal_t *p, uint64_t max_rows, const sql_sink_t *sink, err_t *err)
{
    sql_stmt_t *s = p->st;
    sql_ctx_t *c = p->ctx;
    value_t v = { 0 };
    uint64_t sent = 0;
    switch (s->op) {
    case OP_CONST:
        if (p->next == 0) {
            p->next = 1;
            v.u.i = s->n;
            sink->row(sink->arg, 1, &v);
            snprintf(p->tag, sizeof p->tag, "SELECT 1");
        } else
            snprintf(p->tag, sizeof p->tag, "SELECT 0");
        return SQL_EXEC_DONE;
    case OP_PARAM:
        if (p->param) {
            v.u.s.p = p->param;
            v.u.s.len = (uint32_t)strlen(p->param);
        } else
            v.isnull = true;
        sink->row(sink->arg, 1, &v);
        snprintf(p->tag, sizeof p->tag, "SELECT 1");
        return SQL_EXEC_DONE;
    case OP_ROWS:
        while (p->next < s->n) {
            if (max_rows && sent == max_rows)
                return SQL_EXEC_SUSPENDED;
            v.u.i = ++p->next;
            sent++;
            if (sink->row(sink->arg, 1, &v) < 0)
                return SQL_EXEC_SUSPENDED;
        }
        snprintf(p->tag, sizeof p->tag, "SELECT %ld", s->n);
        return SQL_EXEC_DONE;
    case OP_SLEEP:
        for (int i = 0; i < 5000 && !atomic_load(&c->cancel); i++)
            usleep(1000);
        atomic_store(&c->cancel, 0);
        return err_set(err, ERRCODE_QUERY_CANCELED, "canceling statement due to user request");
    case OP_FAIL:
        return err_set(err, ERRCODE_DIVISION_BY_ZERO, "division by zero");
    case OP_SET: {
        int id = cfg_find(s->name);
        if (id < 0)
            return err_set(err, ERRCODE_UNDEFINED_OBJECT, "unrecognized configuration parameter \"%s\"", s->name);
        if (cfg_set(c->info.settings, (cfg_id_t)id, s->value, CFG_C_SESSION, err) < 0)
            return -1;
        c->info.hooks.param_changed(c->info.hooks.arg, cfg_def((cfg_id_t)id)->name, s->value);
        break;
    }
    case OP_SHOW: {
        int id = cfg_find(s->name);
        if (id < 0)
            return err_set(err, ERRCODE_UNDEFINED_OBJECT, "unrecognized configuration parameter \"%s\"", s->name);
        const char *val = cfg_str(c->info.settings, (cfg_id_t)id);
        v.u.s.p = val;
        v.u.s.len = (uint32_t)strlen(val);
        sink->row(sink->arg, 1, &v);
        snprintf(p->tag, sizeof p->tag, "SHOW");
        return SQL_EXEC_DONE;
    }
    case OP_RESET_ALL:
        /* As the real engine: DISCARD ALL through sql_execute does RESET ALL. */
        for (int id = 0; id < CFG__COUNT; id++) {
            if (cfg_def((cfg_id_t)id)->context != CFG_C_SESSION ||
                strcmp(cfg_str(c->info.settings, (cfg_id_t)id), cfg_str(c->info.server, (cfg_id_t)id)) == 0)
                continue;
            cfg_copy_value(c->info.settings, c->info.server, (cfg_id_t)id);
            if (cfg_def((cfg_id_t)id)->flags & CFG_F_REPORT)
                c->info.hooks.param_changed(c->info.hooks.arg, cfg_def((cfg_id_t)id)->name,
                                            cfg_str(c->info.settings, (cfg_id_t)id));
        }
        break;
    case OP_NOTICES: {
        err_t e = { 0 };
        err_set(&e, ERRCODE_WARNING, "hello from a worker");
        e.severity = ERR_NOTICE;
        for (long i = 0; i < s->n; i++) {
            if (i < s->k) {
                v.u.i = i + 1;
                sink->row(sink->arg, 1, &v);
            }
            c->info.hooks.notice(c->info.hooks.arg, &e);
        }
        for (long i = 0; i < s->ms && !atomic_load(&c->cancel); i++)
            usleep(1000);
        err_clear(&e);
        snprintf(p->tag, sizeof p->tag, "SELECT %ld", s->k < s->n ? s->k : s->n);
        return SQL_EXEC_DONE;
    }
    case OP_NOTICE: {
        err_t e = { 0 };
        err_set(&e, ERRCODE_WARNING, "hello from the engine");
        e.severity = ERR_NOTICE;
        c->info.hooks.notice(c->info.hooks.arg, &e);
        break;
    }
    default:
        break;
    }
    snprintf(p->tag, sizeof p->tag, "%s", s->tag ? s->tag : "OK");
    return SQL_EXEC_DONE;
}

const char *sql_portal_tag(const sql_portal_t *p) { return p->tag; }
const sql_stmt_t *sql_portal_stmt(const sql_portal_t *p) { return p->st; }

