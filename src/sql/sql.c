/*
 * sql.c - the engine side of include/sql/sql.h: statement splitting,
 * prepare (parse with libpg_query, then analyze/plan or classify utility
 * statements), bind (parameter conversion) and execute (run the plan into a
 * sink, or perform SET/SHOW/RESET and friends).
 *
 * Prepare does all the work a statement needs once: the plan, result
 * columns and parameter types live in the statement's arena, so Bind and
 * Execute never re-parse. A SELECT whose single row is constant is answered
 * from the precomputed row without starting the executor at all (pgbench
 * `SELECT 1`). The parse tree is unpacked with an arena allocator (no
 * per-node malloc) into the statement's arena.
 *
 * Not here: transaction state (the session's), DDL (the catalog's utility
 * hooks, later), protocol encoding.
 */
#include "sql/sql.h"
#include "sql/utility.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "analyze_int.h"
#include "cursor_int.h"
#include "sql_int.h"
#include "types/datetime.h"
#include "types/tz.h"
#include "types/value.h"

/* ---- protobuf in arenas ---- */

static void *pb_alloc(void *data, size_t size)
{
    return mem_alloc((mem_arena_t *)data, size);
}

static void pb_free(void *data, void *p)
{
    (void)data;
    (void)p;
}

/* ---- utility claimers ---- */

static struct {
    sql_utility_claim_fn fn;
    void *arg;
} claimers[16];
static int nclaimers;

void sql_utility_register(sql_utility_claim_fn fn, void *arg)
{
    for (int i = 0; i < nclaimers; i++)
        if (claimers[i].fn == fn && claimers[i].arg == arg)
            return; /* registering twice (tests re-initialise) changes nothing */
    if (nclaimers < 16) {
        claimers[nclaimers].fn = fn;
        claimers[nclaimers].arg = arg;
        nclaimers++;
    }
}

/* The session whose statement this thread prepares or executes. */
static _Thread_local const sql_session_info_t *current_session;

const sql_session_info_t *sql_current_session(void)
{
    return current_session;
}

/* The parameter values of the portal this thread executes: scans that
 * take them when they open (cube scans filtering on $n) read them here,
 * because a relation's open callback gets no expression context. */
static _Thread_local const value_t *current_params;
static _Thread_local int current_nparams;

const value_t *sql__exec_params(int *n)
{
    *n = current_nparams;
    return current_params;
}

/* The exec session of the portal this thread executes, for the same
 * scans: a value they compute when they open (now(), current_date) is the
 * statement's, in the session's settings. */
static _Thread_local exec_session_t *current_xsess;

exec_session_t *sql__exec_session(void)
{
    return current_xsess;
}

void sql__swap_exec_params(const value_t **params, int *n)
{
    const value_t *p = current_params;
    int k = current_nparams;
    current_params = *params;
    current_nparams = *n;
    *params = p;
    *n = k;
}

/* ---- context ---- */

static int hook_set(exec_session_t *s, const char *name, const char *value, bool is_local, err_t *err)
{
    return sql__set_option((sql_ctx_t *)s->owner, name, value, is_local, err);
}

static const char *hook_get(exec_session_t *s, const char *name)
{
    return sql__get_option((sql_ctx_t *)s->owner, name);
}

static int hook_path(exec_session_t *s, bool implicit, mem_arena_t *a, const char ***names, int *n)
{
    return sql__search_path((sql_ctx_t *)s->owner, implicit, a, names, n);
}

sql_ctx_t *sql_ctx_new(mem_arena_t *conn_arena, const sql_session_info_t *info)
{
    sql_ctx_t *ctx = mem_alloc0(conn_arena, sizeof *ctx);
    ctx->arena = conn_arena;
    ctx->info = *info;
    ctx->info.user = info->user ? mem_astrdup(conn_arena, info->user) : "kiln";
    ctx->info.database = info->database ? mem_astrdup(conn_arena, info->database) : "kiln";
    exec_session_t *s = &ctx->sess;
    s->settings = info->settings;
    s->server = info->server;
    s->user = ctx->info.user;
    s->database = ctx->info.database;
    s->backend_pid = info->backend_pid;
    s->set_option = hook_set;
    s->get_option = hook_get;
    s->search_path = hook_path;
    s->cancel = &ctx->cancel;
    s->owner = ctx;
    mem_arena_on_free(conn_arena, sql__free_settings, ctx);
    return ctx;
}

void sql_ctx_end_tx(sql_ctx_t *ctx, bool commit)
{
    sql__cursor_end_tx(ctx, commit);
    sql__end_tx(ctx, commit);
}

void sql_ctx_cancel(sql_ctx_t *ctx)
{
    __atomic_store_n(&ctx->cancel, 1, __ATOMIC_SEQ_CST);
}

/* ---- errors from libpg_query ---- */

static int chars_upto(const char *s, int bytes)
{
    int c = 0;
    for (int i = 0; i < bytes && s[i]; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            c++;
    return c;
}

static int parse_error(const PgQueryError *pe, const char *sql, int offset, err_t *err)
{
    err_set(err, ERRCODE_SYNTAX_ERROR, "%s", pe->message);
    /* cursorpos is already 1-based in characters (PostgreSQL's scanner counts
     * with pg_mbstrlen_with_len), unlike node locations, which are bytes */
    (void)sql;
    if (pe->cursorpos > 0)
        err_position(err, pe->cursorpos + offset);
    return -1;
}

/* ---- split ---- */

int sql_split(mem_arena_t *a, const char *query, sql_text_t **stmts, int *n, err_t *err)
{
    *stmts = NULL;
    *n = 0;
    PgQuerySplitResult r = pg_query_split_with_parser(query);
    if (r.error) {
        parse_error(r.error, query, 0, err);
        pg_query_free_split_result(r);
        return -1;
    }
    sql_text_t *out = mem_alloc0(a, sizeof(sql_text_t) * (size_t)(r.n_stmts > 0 ? r.n_stmts : 1));
    int k = 0;
    size_t qlen = strlen(query);
    for (int i = 0; i < r.n_stmts; i++) {
        int loc = r.stmts[i]->stmt_location, len = r.stmts[i]->stmt_len;
        if (len == 0)
            len = (int)qlen - loc;
        /* skip statements that are only whitespace/comments */
        out[k].sql = mem_astrndup(a, query + loc, (size_t)len);
        /* positions are in characters: so is the statement's offset */
        out[k].offset = chars_upto(query, loc);
        k++;
    }
    pg_query_free_split_result(r);
    *stmts = out;
    *n = k;
    return 0;
}

/* ---- prepare ---- */

static sql_stmt_t *stmt_new(mem_arena_t *a, sql_ctx_t *ctx, sql_kind_t kind, const char *tag)
{
    sql_stmt_t *s = mem_alloc0(a, sizeof *s);
    s->kind = kind;
    s->tag = tag;
    s->ncols = -1;
    s->cheap = true;
    s->cacheable = true;
    s->ctx = ctx;
    return s;
}

sql_stmt_t *sql__stmt_new(mem_arena_t *a, sql_ctx_t *ctx, sql_kind_t kind, const char *tag)
{
    return stmt_new(a, ctx, kind, tag);
}

/* set_value_text - the value of a SET as PostgreSQL flattens it. */
static int set_args_text(mem_arena_t *a, const PgQuery__VariableSetStmt *vs, char **out, err_t *err)
{
    buf_t b = BUF_INIT;
    bool listquote = vs->name && strcasecmp(vs->name, "search_path") == 0;
    for (size_t i = 0; i < vs->n_args; i++) {
        const PgQuery__Node *n = vs->args[i];
        if (i)
            buf_puts(&b, ", ");
        if (n->node_case == PG_QUERY__NODE__NODE_A_CONST) {
            const PgQuery__AConst *c = n->a_const;
            switch (c->val_case) {
            case PG_QUERY__A__CONST__VAL_IVAL:
                buf_printf(&b, "%d", c->ival->ival);
                break;
            case PG_QUERY__A__CONST__VAL_FVAL:
                buf_puts(&b, c->fval->fval);
                break;
            case PG_QUERY__A__CONST__VAL_SVAL: {
                const char *s = c->sval->sval;
                bool q = false;
                if (listquote) {
                    q = !*s;
                    for (const char *p = s; *p; p++)
                        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
                            q = true;
                    if (*s >= '0' && *s <= '9')
                        q = true;
                }
                if (q) {
                    buf_putc(&b, '"');
                    for (const char *p = s; *p; p++) {
                        if (*p == '"')
                            buf_putc(&b, '"');
                        buf_putc(&b, *p);
                    }
                    buf_putc(&b, '"');
                } else {
                    buf_puts(&b, s);
                }
                break;
            }
            case PG_QUERY__A__CONST__VAL_BOOLVAL:
                buf_puts(&b, c->boolval->boolval ? "true" : "false");
                break;
            default:
                buf_free(&b);
                return err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "unsupported SET value");
            }
        } else if (n->node_case == PG_QUERY__NODE__NODE_TYPE_CAST &&
                   n->type_cast->arg->node_case == PG_QUERY__NODE__NODE_A_CONST &&
                   n->type_cast->arg->a_const->val_case == PG_QUERY__A__CONST__VAL_SVAL) {
            /* SET TIME ZONE INTERVAL '...' : keep the literal */
            buf_puts(&b, n->type_cast->arg->a_const->sval->sval);
        } else {
            buf_free(&b);
            return err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "unsupported SET value");
        }
    }
    *out = mem_astrdup(a, buf_cstr(&b));
    buf_free(&b);
    return 0;
}

static const char *tx_defname_to_option(const char *defname)
{
    if (!strcmp(defname, "transaction_isolation"))
        return "transaction_isolation";
    if (!strcmp(defname, "transaction_read_only"))
        return "transaction_read_only";
    if (!strcmp(defname, "transaction_deferrable"))
        return NULL;
    return NULL;
}

/* tx_options - BEGIN / SET TRANSACTION options as (option, value) pairs. */
static int tx_options(mem_arena_t *a, sql_stmt_t *s, PgQuery__Node **opts, size_t n, bool session_default)
{
    s->tx_opt_names = mem_alloc0(a, sizeof(char *) * (n + 1));
    s->tx_opt_values = mem_alloc0(a, sizeof(char *) * (n + 1));
    for (size_t i = 0; i < n; i++) {
        if (opts[i]->node_case != PG_QUERY__NODE__NODE_DEF_ELEM)
            continue;
        const PgQuery__DefElem *d = opts[i]->def_elem;
        const char *opt = tx_defname_to_option(d->defname);
        if (!opt)
            continue;
        const char *val = "";
        if (d->arg && d->arg->node_case == PG_QUERY__NODE__NODE_A_CONST) {
            const PgQuery__AConst *c = d->arg->a_const;
            if (c->val_case == PG_QUERY__A__CONST__VAL_SVAL)
                val = c->sval->sval;
            else if (c->val_case == PG_QUERY__A__CONST__VAL_IVAL)
                val = c->ival->ival ? "on" : "off";
            else if (c->val_case == PG_QUERY__A__CONST__VAL_BOOLVAL)
                val = c->boolval->boolval ? "on" : "off";
        }
        if (session_default)
            opt = !strcmp(opt, "transaction_isolation") ? "default_transaction_isolation"
                                                        : "default_transaction_read_only";
        s->tx_opt_names[s->ntx_opts] = opt;
        s->tx_opt_values[s->ntx_opts++] = mem_astrdup(a, val);
    }
    return 0;
}

static int prepare_set(sql_ctx_t *ctx, mem_arena_t *a, const PgQuery__VariableSetStmt *vs, sql_stmt_t **out,
                       err_t *err)
{
    sql_stmt_t *s = stmt_new(a, ctx, SQL_K_COMMAND, "SET");
    switch (vs->kind) {
    case PG_QUERY__VARIABLE_SET_KIND__VAR_SET_VALUE:
        s->util = UTIL_SET;
        s->opt_name = mem_astrdup(a, vs->name);
        s->opt_local = vs->is_local;
        if (set_args_text(a, vs, (char **)&s->opt_value, err) < 0)
            return -1;
        break;
    case PG_QUERY__VARIABLE_SET_KIND__VAR_SET_DEFAULT:
        s->util = UTIL_SET;
        s->opt_name = mem_astrdup(a, vs->name);
        s->opt_local = vs->is_local;
        s->opt_value = NULL;
        break;
    case PG_QUERY__VARIABLE_SET_KIND__VAR_SET_CURRENT:
        return err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "SET FROM CURRENT is not supported");
    case PG_QUERY__VARIABLE_SET_KIND__VAR_SET_MULTI:
        /* SET TRANSACTION ... / SET SESSION CHARACTERISTICS AS TRANSACTION ... */
        s->util = UTIL_TX;
        tx_options(a, s, vs->args, vs->n_args, strcmp(vs->name, "SESSION CHARACTERISTICS") == 0);
        break;
    case PG_QUERY__VARIABLE_SET_KIND__VAR_RESET:
        s->util = UTIL_RESET;
        s->tag = "RESET";
        s->opt_name = mem_astrdup(a, vs->name);
        break;
    case PG_QUERY__VARIABLE_SET_KIND__VAR_RESET_ALL:
        s->util = UTIL_RESET_ALL;
        s->tag = "RESET";
        break;
    default:
        return err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "unsupported SET statement");
    }
    /* validate the name now, so Parse reports 42704 as PostgreSQL does at execution */
    if (s->opt_name && cfg_find(s->opt_name) < 0 && !strchr(s->opt_name, '.') && strcasecmp(s->opt_name, "role") &&
        strcasecmp(s->opt_name, "session_authorization"))
        return err_set(err, ERRCODE_UNDEFINED_OBJECT, "unrecognized configuration parameter \"%s\"", s->opt_name);
    *out = s;
    return 0;
}

static sql_col_t *text_cols(mem_arena_t *a, int n, const char **names)
{
    sql_col_t *c = mem_alloc0(a, sizeof(sql_col_t) * (size_t)n);
    for (int i = 0; i < n; i++) {
        c[i].name = names[i];
        c[i].type = TYPE_TEXT;
        c[i].typlen = -1;
        c[i].typmod = -1;
    }
    return c;
}

static int prepare_show(sql_ctx_t *ctx, mem_arena_t *a, const PgQuery__VariableShowStmt *vs, sql_stmt_t **out,
                        err_t *err)
{
    sql_stmt_t *s = stmt_new(a, ctx, SQL_K_ROWS, "SHOW");
    if (!strcasecmp(vs->name, "all")) {
        static const char *names[] = { "name", "setting", "description" };
        s->util = UTIL_SHOW_ALL;
        s->ncols = 3;
        s->cols = text_cols(a, 3, names);
    } else {
        const char *nm = vs->name;
        if (cfg_find(nm) < 0 && !strchr(nm, '.') && strcasecmp(nm, "session_authorization"))
            return err_set(err, ERRCODE_UNDEFINED_OBJECT, "unrecognized configuration parameter \"%s\"", nm);
        s->util = UTIL_SHOW;
        s->opt_name = mem_astrdup(a, nm);
        const char *col = mem_astrdup(a, sql__show_name(nm));
        if (cfg_find(nm) < 0) {
            char *lc = mem_astrdup(a, nm);
            for (char *p = lc; *p; p++)
                *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
            col = lc;
        }
        s->ncols = 1;
        s->cols = text_cols(a, 1, &col);
    }
    *out = s;
    return 0;
}

static int prepare_tx(sql_ctx_t *ctx, mem_arena_t *a, const PgQuery__TransactionStmt *t, sql_stmt_t **out, err_t *err)
{
    sql_stmt_t *s;
    switch (t->kind) {
    case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_BEGIN:
        s = stmt_new(a, ctx, SQL_K_BEGIN, "BEGIN");
        tx_options(a, s, t->options, t->n_options, false);
        break;
    case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_START:
        s = stmt_new(a, ctx, SQL_K_BEGIN, "START TRANSACTION");
        tx_options(a, s, t->options, t->n_options, false);
        break;
    case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_COMMIT:
        if (t->chain)
            return err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "COMMIT AND CHAIN is not supported");
        s = stmt_new(a, ctx, SQL_K_COMMIT, "COMMIT");
        s->in_failed_tx_ok = true;
        break;
    case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_ROLLBACK:
        if (t->chain)
            return err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "ROLLBACK AND CHAIN is not supported");
        s = stmt_new(a, ctx, SQL_K_ROLLBACK, "ROLLBACK");
        s->in_failed_tx_ok = true;
        break;
    case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_SAVEPOINT:
        s = stmt_new(a, ctx, SQL_K_SAVEPOINT, "SAVEPOINT");
        s->target = mem_astrdup(a, t->savepoint_name);
        break;
    case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_RELEASE:
        s = stmt_new(a, ctx, SQL_K_SAVEPOINT, "RELEASE");
        s->target = mem_astrdup(a, t->savepoint_name);
        break;
    case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_ROLLBACK_TO:
        s = stmt_new(a, ctx, SQL_K_SAVEPOINT, "ROLLBACK");
        s->target = mem_astrdup(a, t->savepoint_name);
        s->in_failed_tx_ok = true;
        break;
    default:
        return err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "two-phase commit is not supported");
    }
    s->util = UTIL_TX;
    *out = s;
    return 0;
}

/* const_row - the single constant row of a plan, if it is one. */
static const value_t *const_row(mem_arena_t *a, const exec_plan_t *p, int ncols)
{
    if (p->kind != PLAN_RESULT || p->u.result.nrows != 1 || p->ncols != ncols)
        return NULL;
    for (int i = 0; i < ncols; i++)
        if (p->u.result.exprs[i]->kind != EXPR_CONST)
            return NULL;
    value_t *row = mem_alloc(a, sizeof(value_t) * (size_t)(ncols > 0 ? ncols : 1));
    for (int i = 0; i < ncols; i++)
        row[i] = p->u.result.exprs[i]->u.cval;
    return row;
}

static bool plan_cheap(const exec_plan_t *p)
{
    if (!p)
        return true;
    if (p->kind == PLAN_SCAN)
        return p->u.scan.rel->cheap;
    /* generate_series and friends have no bound on their output: a worker
     * runs them, so the loop thread stays free to read a CancelRequest. */
    if (p->kind == PLAN_FUNCSCAN || p->kind == PLAN_PROJECT_SRF || p->kind == PLAN_RECURSIVE)
        return false;
    return plan_cheap(p->left) && plan_cheap(p->right);
}

/* plan_reads_sources - whether p scans a source table or a cube (not
 * pg_catalog, settings or constants). */
static bool plan_reads_sources(const exec_plan_t *p)
{
    if (!p)
        return false;
    if (p->kind == PLAN_SCAN && (p->u.scan.rel->kind == 'f' || p->u.scan.rel->kind == 'm'))
        return true;
    return plan_reads_sources(p->left) || plan_reads_sources(p->right);
}

bool sql_stmt_is_current(const sql_stmt_t *s)
{
    return !s->cat || exec_catalog_is_current(s->cat);
}

static int prepare_node(sql_ctx_t *ctx, mem_arena_t *a, const char *sql, int offset, int nparams,
                        const type_oid_t *param_types, const PgQuery__Node *node, int stmt_loc, sql_stmt_t **out,
                        err_t *err);

static int prepare_query(sql_ctx_t *ctx, mem_arena_t *a, const char *sql, int offset, int nparams,
                         const type_oid_t *param_types, const PgQuery__Node *node, sql_stmt_t **out, err_t *err)
{
    return sql__prepare_query(ctx, a, sql, offset, nparams, param_types, node, out, err);
}

int sql__prepare_query(sql_ctx_t *ctx, mem_arena_t *a, const char *sql, int offset, int nparams,
                       const type_oid_t *param_types, const PgQuery__Node *node, sql_stmt_t **out, err_t *err)
{
    sql_analyze_t an = { 0 };
    an.ctx = ctx;
    an.a = a;
    an.sql = sql;
    an.offset = offset;
    an.err = err;
    an.cat = exec_catalog_pin(a);
    an.cheap = true;
    /* reg* output and catalog functions folded during analysis read the
     * statement's own snapshot */
    exec_catview_t *prev_view = exec_catalog_set_current(an.cat);
    if (nparams > 0) {
        an.cap_params = nparams < 16 ? 16 : nparams;
        an.param_types = mem_alloc0(a, sizeof(type_oid_t) * (size_t)an.cap_params);
        an.param_nodes = mem_alloc0(a, sizeof(exec_expr_t *) * (size_t)an.cap_params);
        memcpy(an.param_types, param_types, sizeof(type_oid_t) * (size_t)nparams);
        an.nparams = nparams;
    }
    sql_stmt_t *s = stmt_new(a, ctx, SQL_K_ROWS, NULL);
    s->cat = an.cat;
    int arc = sql__analyze_select(&an, node, &s->plan, &s->ncols, &s->cols);
    exec_catalog_set_current(prev_view);
    if (arc < 0) {
        if (err->position < 0)
            err->position = sql__position(&an, -err->position - 1);
        return -1;
    }
    /* parameters nobody gave a type to are text, as PostgreSQL resolves unknown */
    s->nparams = an.nparams;
    s->param_types = mem_alloc0(a, sizeof(type_oid_t) * (size_t)(an.nparams > 0 ? an.nparams : 1));
    for (int i = 0; i < an.nparams; i++) {
        type_oid_t t = an.param_types[i];
        if (t == 0 || t == TYPE_UNKNOWN) {
            t = TYPE_TEXT;
            if (an.param_nodes[i])
                an.param_nodes[i]->type = TYPE_TEXT;
        }
        s->param_types[i] = t;
    }
    s->cheap = an.cheap && an.costly_scans == 0 && plan_cheap(s->plan);
    /* kylin.server.mode=job: the node builds, a query node answers. The
     * catalog, settings and constants still work (clients introspect on
     * connect); data does not. */
    if (ctx->info.settings && strcmp(cfg_str(ctx->info.settings, CFG_SERVER_MODE), "job") == 0 &&
        plan_reads_sources(s->plan)) {
        err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "this node runs in job mode and answers no queries");
        err_detail(err, "kylin.server.mode = job: the node builds cubes and runs jobs only.");
        err_hint(err, "Connect to a node whose kylin.server.mode is query or all, e.g. through the load balancer.");
        return -1;
    }
    s->const_row = const_row(a, s->plan, s->ncols);
    s->cacheable = !an.uses_catalog;
    /* A statement shared by text (no relations) must not freeze its
     * catalog functions on the snapshot of its first preparation. */
    if (s->cacheable)
        s->cat = NULL;
    *out = s;
    return 0;
}

static int prepare_node(sql_ctx_t *ctx, mem_arena_t *a, const char *sql, int offset, int nparams,
                        const type_oid_t *param_types, const PgQuery__Node *node, int stmt_loc, sql_stmt_t **out,
                        err_t *err)
{
    (void)stmt_loc;
    switch (node->node_case) {
    case PG_QUERY__NODE__NODE_DECLARE_CURSOR_STMT:
        return sql__cursor_prepare_declare(ctx, a, sql, offset, nparams, param_types, node->declare_cursor_stmt, out,
                                           err);
    case PG_QUERY__NODE__NODE_FETCH_STMT:
        return sql__cursor_prepare_fetch(ctx, a, node->fetch_stmt, out, err);
    case PG_QUERY__NODE__NODE_CLOSE_PORTAL_STMT:
        return sql__cursor_prepare_close(ctx, a, node->close_portal_stmt, out, err);
    case PG_QUERY__NODE__NODE_SELECT_STMT:
        return prepare_query(ctx, a, sql, offset, nparams, param_types, node, out, err);
    case PG_QUERY__NODE__NODE_VARIABLE_SET_STMT:
        return prepare_set(ctx, a, node->variable_set_stmt, out, err);
    case PG_QUERY__NODE__NODE_VARIABLE_SHOW_STMT:
        return prepare_show(ctx, a, node->variable_show_stmt, out, err);
    case PG_QUERY__NODE__NODE_TRANSACTION_STMT:
        return prepare_tx(ctx, a, node->transaction_stmt, out, err);
    case PG_QUERY__NODE__NODE_COPY_STMT:
        return sql__prepare_copy(ctx, a, sql, offset, nparams, param_types, node->copy_stmt, out, err);
    case PG_QUERY__NODE__NODE_DEALLOCATE_STMT: {
        const char *name = node->deallocate_stmt->name;
        sql_stmt_t *s = stmt_new(a, ctx, SQL_K_DEALLOCATE, name && *name ? "DEALLOCATE" : "DEALLOCATE ALL");
        s->target = name && *name ? mem_astrdup(a, name) : NULL;
        s->util = UTIL_NOOP;
        *out = s;
        return 0;
    }
    case PG_QUERY__NODE__NODE_DISCARD_STMT: {
        const PgQuery__DiscardStmt *d = node->discard_stmt;
        sql_stmt_t *s;
        if (d->target == PG_QUERY__DISCARD_MODE__DISCARD_ALL) {
            s = stmt_new(a, ctx, SQL_K_DISCARD_ALL, "DISCARD ALL");
            s->util = UTIL_RESET_ALL;
        } else {
            s = stmt_new(a, ctx, SQL_K_COMMAND,
                         d->target == PG_QUERY__DISCARD_MODE__DISCARD_PLANS       ? "DISCARD PLANS"
                         : d->target == PG_QUERY__DISCARD_MODE__DISCARD_SEQUENCES ? "DISCARD SEQUENCES"
                                                                                  : "DISCARD TEMP");
            s->util = UTIL_NOOP;
        }
        *out = s;
        return 0;
    }
    case PG_QUERY__NODE__NODE_PREPARE_STMT: {
        const PgQuery__PrepareStmt *ps = node->prepare_stmt;
        int n = (int)ps->n_argtypes;
        type_oid_t *types = mem_alloc0(a, sizeof(type_oid_t) * (size_t)(n > 0 ? n : 1));
        sql_analyze_t an = { 0 };
        an.ctx = ctx;
        an.a = a;
        an.sql = sql;
        an.offset = offset;
        an.err = err;
        for (int i = 0; i < n; i++) {
            int32_t tm;
            if (sql__typename(&an, ps->argtypes[i]->type_name, &types[i], &tm) < 0)
                return -1;
        }
        sql_stmt_t *inner;
        /* the prepared body infers its parameters, even from a simple Query */
        bool fixed = ctx->fixed_params;
        ctx->fixed_params = false;
        /* The session prepares the body again under the name (and that
         * preparation speaks): notices of this check would come twice. */
        void (*notice)(void *, const err_t *) = ctx->info.hooks.notice;
        ctx->info.hooks.notice = NULL;
        int prc = prepare_node(ctx, a, sql, offset, n, types, ps->query, stmt_loc, &inner, err);
        ctx->info.hooks.notice = notice;
        ctx->fixed_params = fixed;
        if (prc < 0)
            return -1;
        sql_stmt_t *s = stmt_new(a, ctx, SQL_K_PREPARE, "PREPARE");
        s->target = mem_astrdup(a, ps->name);
        s->inner = inner;
        s->util = UTIL_NOOP;
        *out = s;
        return 0;
    }
    case PG_QUERY__NODE__NODE_EXECUTE_STMT: {
        const PgQuery__ExecuteStmt *es = node->execute_stmt;
        sql_stmt_t *s = stmt_new(a, ctx, SQL_K_EXECUTE, NULL);
        s->target = mem_astrdup(a, es->name);
        s->nexec_params = (int)es->n_params;
        s->exec_params = mem_alloc0(a, sizeof(exec_expr_t *) * (es->n_params + 1));
        sql_analyze_t an = { 0 };
        an.ctx = ctx;
        an.a = a;
        an.sql = sql;
        an.offset = offset;
        an.err = err;
        an.cat = exec_catalog_pin(a);
        for (size_t i = 0; i < es->n_params; i++)
            if (sql__analyze_expr_noscope(&an, es->params[i], &s->exec_params[i]) < 0)
                return -1;
        *out = s;
        return 0;
    }
    case PG_QUERY__NODE__NODE_EXPLAIN_STMT: {
        const PgQuery__ExplainStmt *ex = node->explain_stmt;
        for (size_t i = 0; i < ex->n_options; i++) {
            const PgQuery__DefElem *d = ex->options[i]->def_elem;
            if (!strcmp(d->defname, "analyze"))
                return err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "EXPLAIN ANALYZE is not supported");
        }
        if (ex->query->node_case != PG_QUERY__NODE__NODE_SELECT_STMT)
            return err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "EXPLAIN is supported for queries only");
        sql_stmt_t *inner;
        if (prepare_query(ctx, a, sql, offset, nparams, param_types, ex->query, &inner, err) < 0)
            return -1;
        static const char *col = "QUERY PLAN";
        sql_stmt_t *s = stmt_new(a, ctx, SQL_K_ROWS, "EXPLAIN");
        s->util = UTIL_EXPLAIN;
        s->ncols = 1;
        s->cols = text_cols(a, 1, &col);
        s->nparams = inner->nparams;
        s->param_types = inner->param_types;
        s->cacheable = inner->cacheable;
        sql__explain_lines(a, inner->plan, &s->explain, &s->nexplain);
        *out = s;
        return 0;
    }
    default: {
        sql_utility_call_t call = { &ctx->info, sql, offset, node, a };
        for (int i = 0; i < nclaimers; i++) {
            sql_utility_t u = { 0 };
            u.ncols = -1;
            int rc = claimers[i].fn(claimers[i].arg, &call, &u, err);
            if (rc < 0)
                return -1;
            if (rc == 0)
                continue;
            sql_stmt_t *s = stmt_new(a, ctx, u.ncols >= 0 ? SQL_K_ROWS : SQL_K_COMMAND, u.tag);
            s->util = UTIL_HOOK;
            s->hook = mem_amemdup(a, &u, sizeof u);
            s->cheap = u.cheap;
            s->ncols = u.ncols;
            s->cols = (sql_col_t *)u.cols;
            *out = s;
            return 0;
        }
        const ProtobufCFieldDescriptor *fd = protobuf_c_message_descriptor_get_field(&pg_query__node__descriptor,
                                                                                      (unsigned)node->node_case);
        const char *what = fd ? fd->name : "this statement";
        err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "statement type %s is not supported by kiln", what);
        return -1;
    }
    }
}

static uint64_t text_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static sql_stmt_t *cache_get(sql_ctx_t *ctx, const char *sql, uint64_t h)
{
    for (int i = 0; i < ctx->ncached; i++)
        if (ctx->cache[i]->hash == h && ctx->cache[i]->zone == (const void *)dt_zone_current() &&
            strcmp(ctx->cache[i]->sql, sql) == 0)
            return ctx->cache[i]->stmt;
    return NULL;
}

static int prepare_uncached(sql_ctx_t *ctx, mem_arena_t *a, const char *sql, int offset, int nparams,
                            const type_oid_t *param_types, sql_stmt_t **out, err_t *err);

int sql__prepare_again(sql_ctx_t *ctx, mem_arena_t *a, const char *sql, int offset, int nparams,
                       const type_oid_t *param_types, sql_stmt_t **out, err_t *err)
{
    return prepare_uncached(ctx, a, sql, offset, nparams, param_types, out, err);
}

static int prepare(sql_ctx_t *ctx, mem_arena_t *a, const char *sql, int offset, int nparams,
                   const type_oid_t *param_types, sql_stmt_t **out, err_t *err);

/* session_style - sets this thread's DateStyle to the session's; returns
 * the previous one for dt_style_restore. */
static int session_style(const sql_ctx_t *ctx)
{
    dt_style_t style;
    dt_order_t order;
    dt_style_parse(cfg_str(ctx->info.settings, CFG_DATESTYLE), &style, &order);
    return dt_style_set(style, order);
}

int sql_prepare(sql_ctx_t *ctx, mem_arena_t *a, const char *sql, int offset, int nparams,
                const type_oid_t *param_types, sql_stmt_t **out, err_t *err)
{
    const sql_session_info_t *prev = current_session;
    bool prev_fixed = ctx->fixed_params;
    current_session = &ctx->info;
    ctx->fixed_params = nparams < 0;
    /* literals of timestamptz fold in the session's TimeZone, and dates such
     * as '01-02-1995' read in its DateStyle order */
    const dt_zone_t *prev_zone = dt_zone_set(dt_zone_lookup(cfg_str(ctx->info.settings, CFG_TIMEZONE)));
    int prev_style = session_style(ctx);
    int rc = prepare(ctx, a, sql, offset, nparams < 0 ? 0 : nparams, param_types, out, err);
    dt_style_restore(prev_style);
    dt_zone_set(prev_zone);
    ctx->fixed_params = prev_fixed;
    current_session = prev;
    return rc;
}

static int prepare(sql_ctx_t *ctx, mem_arena_t *a, const char *sql, int offset, int nparams,
                   const type_oid_t *param_types, sql_stmt_t **out, err_t *err)
{
    *out = NULL;
    if (nparams > 0)
        return prepare_uncached(ctx, a, sql, offset, nparams, param_types, out, err);
    /* Statements that depend only on their text are shared: they are immutable
     * and live in the context's cache arena for the connection's lifetime. */
    uint64_t h = text_hash(sql);
    sql_stmt_t *hit = cache_get(ctx, sql, h);
    if (hit && ctx->fixed_params && hit->nparams > 0)
        return prepare_uncached(ctx, a, sql, offset, 0, NULL, out, err); /* gives the 42P02 */
    if (hit) {
        *out = hit;
        return 0;
    }
    /* Prepared once into the caller's arena: most statements read relations
     * and are not shareable, and planning one twice would repeat what
     * planning does once per query (a cube routing NOTICE sent twice). A
     * shareable one depends on its text only, so preparing it again into
     * the cache is harmless. A full cache stays as it is: cached statements
     * may be held by named statements and portals, so they are never freed
     * before the connection. */
    if (prepare_uncached(ctx, a, sql, offset, 0, NULL, out, err) < 0)
        return -1;
    sql_stmt_t *s = *out;
    bool share = s->cacheable && s->kind != SQL_K_EMPTY && s->util != UTIL_HOOK && s->kind != SQL_K_PREPARE &&
                 s->kind != SQL_K_EXECUTE;
    if (!share || ctx->ncached == (int)(sizeof ctx->cache / sizeof ctx->cache[0]))
        return 0;
    if (!ctx->cache_arena)
        ctx->cache_arena = mem_arena_new(ctx->arena, "stmt-cache", 0);
    mem_arena_t *sa = mem_arena_new(ctx->cache_arena, "stmt", 0);
    err_t e2 = { 0 };
    if (prepare_uncached(ctx, sa, sql, offset, 0, NULL, &s, &e2) < 0) {
        mem_arena_free(sa); /* (cannot differ from the first time) the caller's copy serves */
        err_clear(&e2);
        return 0;
    }
    *out = s;
    sql_cached_t *c = mem_alloc(ctx->cache_arena, sizeof *c);
    c->sql = mem_astrdup(ctx->cache_arena, sql);
    c->hash = h;
    c->zone = dt_zone_current();
    c->stmt = s;
    ctx->cache[ctx->ncached++] = c;
    return 0;
}

static int prepare_uncached(sql_ctx_t *ctx, mem_arena_t *a, const char *sql, int offset, int nparams,
                            const type_oid_t *param_types, sql_stmt_t **out, err_t *err)
{
    *out = NULL;
    PgQueryProtobufParseResult r = pg_query_parse_protobuf(sql);
    if (r.error) {
        parse_error(r.error, sql, offset, err);
        pg_query_free_protobuf_parse_result(r);
        return -1;
    }
    ProtobufCAllocator alloc = { pb_alloc, pb_free, a };
    PgQuery__ParseResult *pr =
        pg_query__parse_result__unpack(&alloc, r.parse_tree.len, (const uint8_t *)r.parse_tree.data);
    pg_query_free_protobuf_parse_result(r);
    if (!pr)
        return err_set(err, ERRCODE_INTERNAL_ERROR, "could not decode the parse tree");
    if (pr->n_stmts == 0) {
        *out = stmt_new(a, ctx, SQL_K_EMPTY, "");
        return 0;
    }
    if (pr->n_stmts > 1)
        return err_set(err, ERRCODE_SYNTAX_ERROR, "cannot insert multiple commands into a prepared statement");
    const PgQuery__RawStmt *raw = pr->stmts[0];
    if (!raw->stmt) {
        *out = stmt_new(a, ctx, SQL_K_EMPTY, "");
        return 0;
    }
    int rc = prepare_node(ctx, a, sql, offset, nparams, param_types, raw->stmt, raw->stmt_location, out, err);
    if (rc == 0) {
        (*out)->sql = mem_astrdup(a, sql);
        (*out)->offset = offset;
    }
    if (rc == 0 && (*out)->nparams < nparams) {
        /* declared but unused parameters keep their declared types */
        sql_stmt_t *s = *out;
        type_oid_t *pt = mem_alloc0(a, sizeof(type_oid_t) * (size_t)nparams);
        for (int i = 0; i < nparams; i++)
            pt[i] = i < s->nparams ? s->param_types[i] : (param_types[i] ? param_types[i] : TYPE_TEXT);
        s->param_types = pt;
        s->nparams = nparams;
    }
    return rc;
}

int sql__prepare_text(sql_ctx_t *ctx, mem_arena_t *a, const char *sql, sql_stmt_t **out, err_t *err)
{
    return prepare_uncached(ctx, a, sql, 0, 0, NULL, out, err);
}

sql_kind_t sql_stmt_kind(const sql_stmt_t *s)
{
    return s->kind;
}

const char *sql_stmt_target(const sql_stmt_t *s)
{
    return s->target;
}

int sql_stmt_nparams(const sql_stmt_t *s)
{
    return s->nparams;
}

const type_oid_t *sql_stmt_param_types(const sql_stmt_t *s)
{
    return s->param_types;
}

int sql_stmt_columns(const sql_stmt_t *s, const sql_col_t **cols)
{
    if (s->util == UTIL_CURSOR)
        return sql__cursor_columns(s, cols);
    *cols = s->cols;
    return s->ncols;
}

const sql_copy_t *sql_stmt_copy(const sql_stmt_t *s)
{
    return s->copy;
}

bool sql_stmt_is_cheap(const sql_stmt_t *s)
{
    if (s->util == UTIL_CURSOR)
        return sql__cursor_is_cheap(s);
    return s->cheap;
}

bool sql_stmt_allowed_in_failed_tx(const sql_stmt_t *s)
{
    return s->in_failed_tx_ok;
}

/* ---- bind ---- */

static int bind(sql_ctx_t *ctx, sql_stmt_t *s, mem_arena_t *a, int nparams, const sql_param_t *params,
                sql_portal_t **out, err_t *err);

int sql_bind(sql_ctx_t *ctx, sql_stmt_t *s, mem_arena_t *a, int nparams, const sql_param_t *params,
             sql_portal_t **out, err_t *err)
{
    /* timestamptz parameters in text without an offset are in the session's
     * TimeZone, dates in its DateStyle order (SQL-level EXECUTE binds its
     * arguments as the text the session's DateStyle printed) */
    const dt_zone_t *prev_zone = dt_zone_set(dt_zone_lookup(cfg_str(ctx->info.settings, CFG_TIMEZONE)));
    int prev_style = session_style(ctx);
    int rc = bind(ctx, s, a, nparams, params, out, err);
    dt_style_restore(prev_style);
    dt_zone_set(prev_zone);
    return rc;
}

static int bind(sql_ctx_t *ctx, sql_stmt_t *s, mem_arena_t *a, int nparams, const sql_param_t *params,
                sql_portal_t **out, err_t *err)
{
    (void)ctx;
    *out = NULL;
    /* COPY TO runs its query: the portal is the query's. */
    if (s->kind == SQL_K_COPY_OUT && s->inner)
        s = s->inner;
    if (nparams != s->nparams)
        return err_set(err, ERRCODE_PROTOCOL_VIOLATION,
                       "bind message supplies %d parameters, but prepared statement requires %d", nparams, s->nparams);
    sql_portal_t *p = mem_alloc0(a, sizeof *p);
    p->stmt = s;
    p->arena = a;
    if (nparams > 0) {
        p->params = mem_alloc0(a, sizeof(value_t) * (size_t)nparams);
        for (int i = 0; i < nparams; i++) {
            const sql_param_t *pp = &params[i];
            if (!pp->data) {
                p->params[i].isnull = true;
                continue;
            }
            type_oid_t t = s->param_types[i];
            int rc;
            if (pp->format == 1) {
                if (!type_has_binary(t))
                    return err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "no binary input function available for type %s",
                                   type_lookup(t) ? type_lookup(t)->name : "unknown");
                rc = type_in_binary(t, -1, pp->data, (size_t)pp->len, a, &p->params[i], err);
                if (rc < 0 && !strcmp(err->sqlstate, ERRCODE_INVALID_BINARY_REPRESENTATION)) {
                    err_clear(err);
                    return err_set(err, ERRCODE_INVALID_BINARY_REPRESENTATION,
                                   "incorrect binary data format in bind parameter %d", i + 1);
                }
            } else {
                rc = type_in_text(t, -1, pp->data, (size_t)pp->len, a, &p->params[i], err);
            }
            if (rc < 0)
                return -1;
        }
    }
    *out = p;
    return 0;
}

/* ---- execute ---- */

static int show_rows(sql_portal_t *p, err_t *err)
{
    sql_stmt_t *s = p->stmt;
    sql_ctx_t *ctx = s->ctx;
    if (s->util == UTIL_SHOW) {
        const char *v = sql__get_option(ctx, s->opt_name);
        if (!v) {
            if (!strcasecmp(s->opt_name, "session_authorization"))
                v = ctx->info.user;
            else
                return err_set(err, ERRCODE_UNDEFINED_OBJECT, "unrecognized configuration parameter \"%s\"",
                               s->opt_name);
        }
        p->util_rows = mem_alloc(p->arena, sizeof(value_t));
        p->util_rows[0] = value_text(mem_astrdup(p->arena, v), strlen(v));
        p->util_nrows = 1;
        return 0;
    }
    /* SHOW ALL, ordered by name as PostgreSQL does */
    int order[CFG__COUNT];
    for (int i = 0; i < CFG__COUNT; i++)
        order[i] = i;
    for (int i = 1; i < CFG__COUNT; i++)
        for (int j = i; j > 0 && strcasecmp(cfg_def((cfg_id_t)order[j - 1])->name, cfg_def((cfg_id_t)order[j])->name) > 0;
             j--) {
            int t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    p->util_rows = mem_alloc(p->arena, sizeof(value_t) * 3 * CFG__COUNT);
    for (int i = 0; i < CFG__COUNT; i++) {
        const cfg_def_t *d = cfg_def((cfg_id_t)order[i]);
        const char *v = sql__get_option(ctx, d->name);
        p->util_rows[3 * i] = value_text(d->name, strlen(d->name));
        p->util_rows[3 * i + 1] = value_text(mem_astrdup(p->arena, v ? v : ""), v ? strlen(v) : 0);
        p->util_rows[3 * i + 2] = value_text(d->doc, strlen(d->doc));
    }
    p->util_nrows = CFG__COUNT;
    return 0;
}

static int run_utility(sql_portal_t *p, err_t *err)
{
    sql_stmt_t *s = p->stmt;
    sql_ctx_t *ctx = s->ctx;
    switch (s->util) {
    case UTIL_SET: {
        const char *name = s->opt_name;
        if (!strcasecmp(name, "session_authorization"))
            return 0;
        if (s->opt_local && !ctx->in_block && ctx->info.hooks.notice) {
            /* It still applies, until the implicit transaction ends. */
            err_t w = { 0 };
            err_set(&w, ERRCODE_NO_ACTIVE_SQL_TRANSACTION, "SET LOCAL can only be used in transaction blocks");
            w.severity = ERR_WARNING;
            ctx->info.hooks.notice(ctx->info.hooks.arg, &w);
        }
        return sql__set_option(ctx, name, s->opt_value, s->opt_local, err);
    }
    case UTIL_RESET:
        return sql__reset_option(ctx, s->opt_name, err);
    case UTIL_RESET_ALL:
        sql__reset_all(ctx);
        if (s->kind == SQL_K_DISCARD_ALL)
            sql__cursor_close_all(ctx); /* PostgreSQL's DISCARD ALL closes every cursor */
        return 0;
    case UTIL_TX:
        /* the session reports the end of the transaction (sql_ctx_end_tx) */
        if (s->kind == SQL_K_COMMIT || s->kind == SQL_K_ROLLBACK)
            return 0;
        if (s->kind == SQL_K_BEGIN)
            ctx->in_block = true;
        for (int i = 0; i < s->ntx_opts; i++)
            if (sql__set_option(ctx, s->tx_opt_names[i], s->tx_opt_values[i], false, err) < 0)
                return -1;
        return 0;
    default:
        return 0;
    }
}

struct hook_count {
    const sql_sink_t *inner;
    uint64_t n;
};

static int hook_count_row(void *arg, int ncols, const value_t *vals)
{
    struct hook_count *hc = arg;
    hc->n++;
    return hc->inner && hc->inner->row ? hc->inner->row(hc->inner->arg, ncols, vals) : 0;
}

static size_t query_budget(sql_ctx_t *ctx)
{
    int64_t b = cfg_int(ctx->info.settings, CFG_QUERY_MEMORY);
    return b > 0 ? (size_t)b : 0;
}

static int execute(sql_portal_t *p, uint64_t max_rows, const sql_sink_t *sink, err_t *err);

int sql_execute(sql_portal_t *p, uint64_t max_rows, const sql_sink_t *sink, err_t *err)
{
    /* Catalog functions and reg* output (also in the sink's row encoding)
     * read the snapshot the statement was analyzed against. */
    exec_catview_t *prev = exec_catalog_set_current(p->stmt->cat ? p->stmt->cat : exec_catalog_current());
    const sql_session_info_t *prev_sess = current_session;
    current_session = &p->stmt->ctx->info;
    const value_t *prev_params = current_params;
    int prev_nparams = current_nparams;
    current_params = p->params;
    current_nparams = p->params ? p->stmt->nparams : 0;
    exec_session_t *prev_xsess = current_xsess;
    current_xsess = &p->stmt->ctx->sess;
    /* dates and timestamps print in the session's DateStyle (rows and casts) */
    int prev_style = session_style(p->stmt->ctx);
    /* and timestamptz is read and printed in its TimeZone */
    const dt_zone_t *prev_zone = dt_zone_set(dt_zone_lookup(cfg_str(p->stmt->ctx->info.settings, CFG_TIMEZONE)));
    int rc = execute(p, max_rows, sink, err);
    dt_zone_set(prev_zone);
    dt_style_restore(prev_style);
    current_params = prev_params;
    current_nparams = prev_nparams;
    current_xsess = prev_xsess;
    current_session = prev_sess;
    exec_catalog_set_current(prev);
    return rc;
}

static int execute(sql_portal_t *p, uint64_t max_rows, const sql_sink_t *sink, err_t *err)
{
    sql_stmt_t *s = p->stmt;
    sql_ctx_t *ctx = s->ctx;
    if (p->done)
        return SQL_EXEC_DONE;
    if (s->util == UTIL_CURSOR) {
        if (!p->started) {
            p->started = true;
            __atomic_store_n(&ctx->cancel, 0, __ATOMIC_SEQ_CST);
            ctx->sess.stmt_start = dt_now();
        }
        return sql__cursor_execute(p, max_rows, sink, err);
    }
    if (!p->started) {
        p->started = true;
        __atomic_store_n(&ctx->cancel, 0, __ATOMIC_SEQ_CST);
        ctx->sess.stmt_start = dt_now();
        if (s->util == UTIL_HOOK) {
            p->done = true;
            sql_utility_run_t ur = { &ctx->info, sink, p->arena, &ctx->cancel };
            /* count rows through a wrapping sink for the tag */
            struct hook_count hc = { sink, 0 };
            sql_sink_t counting = { &hc, hook_count_row };
            ur.sink = &counting;
            if (s->hook->run(s->hook->state, &ur, err) < 0)
                return -1;
            if (s->hook->tag)
                snprintf(p->tag, sizeof p->tag, "%s", s->hook->tag);
            else
                snprintf(p->tag, sizeof p->tag, "SELECT %llu", (unsigned long long)hc.n);
            return SQL_EXEC_DONE;
        }
        if (s->kind != SQL_K_ROWS) {
            p->done = true;
            if (s->kind == SQL_K_COPY_IN)
                return err_set(err, s->copy_code, "%s", s->copy_msg);
            if (s->kind == SQL_K_EXECUTE)
                return err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED,
                               "EXECUTE must be run by the session (it looks up the prepared statement)");
            if (run_utility(p, err) < 0)
                return -1;
            snprintf(p->tag, sizeof p->tag, "%s", s->tag ? s->tag : "");
            return SQL_EXEC_DONE;
        }
        if (s->util == UTIL_EXPLAIN) {
            p->util_rows = mem_alloc(p->arena, sizeof(value_t) * (size_t)(s->nexplain + 1));
            for (int i = 0; i < s->nexplain; i++)
                p->util_rows[i] = value_text(s->explain[i], strlen(s->explain[i]));
            p->util_nrows = s->nexplain;
        } else if (s->util == UTIL_SHOW || s->util == UTIL_SHOW_ALL) {
            if (show_rows(p, err) < 0) {
                p->done = true;
                return -1;
            }
        } else if (!s->const_row) {
            p->run = exec_run_new(p->arena, s->plan, &ctx->sess, p->params, s->nparams, query_budget(ctx));
        }
    }
    uint64_t sent = 0;
    int nc = s->ncols;
    value_t rowbuf[64];
    value_t *row = nc <= 64 ? rowbuf : mem_alloc(p->arena, sizeof(value_t) * (size_t)nc);
    if (s->const_row || s->util == UTIL_SHOW || s->util == UTIL_SHOW_ALL || s->util == UTIL_EXPLAIN) {
        const value_t *rows = s->const_row ? s->const_row : p->util_rows;
        int nrows = s->const_row ? 1 : p->util_nrows;
        while (p->pos < nrows) {
            if (max_rows && sent >= max_rows)
                return SQL_EXEC_SUSPENDED;
            if (sink->row(sink->arg, nc, rows + (size_t)p->pos * (size_t)nc) < 0) {
                p->pos++;
                p->nrows++;
                return SQL_EXEC_SUSPENDED;
            }
            p->pos++;
            p->nrows++;
            sent++;
        }
        p->done = true;
        if (s->tag)
            snprintf(p->tag, sizeof p->tag, "%s", s->tag);
        else
            snprintf(p->tag, sizeof p->tag, "SELECT %llu", (unsigned long long)p->nrows);
        return SQL_EXEC_DONE;
    }
    for (;;) {
        if (!p->batch || p->pos >= p->batch->nrows) {
            if (exec_run_next(p->run, &p->batch, err) < 0) {
                p->done = true;
                if (err->position < 0) {
                    /* a byte offset into the statement from the executor */
                    err->position = chars_upto(s->sql, -err->position - 1) + 1 + s->offset;
                }
                return -1;
            }
            p->pos = 0;
            if (!p->batch) {
                p->done = true;
                snprintf(p->tag, sizeof p->tag, "SELECT %llu", (unsigned long long)p->nrows);
                return SQL_EXEC_DONE;
            }
        }
        while (p->pos < p->batch->nrows) {
            if (max_rows && sent >= max_rows)
                return SQL_EXEC_SUSPENDED;
            for (int c = 0; c < nc; c++)
                row[c] = p->batch->cols[c][p->pos];
            p->pos++;
            p->nrows++;
            sent++;
            if (sink->row(sink->arg, nc, row) < 0)
                return SQL_EXEC_SUSPENDED;
        }
    }
}

const char *sql_portal_tag(const sql_portal_t *p)
{
    return p->tag;
}

const sql_stmt_t *sql_portal_stmt(const sql_portal_t *p)
{
    return p->stmt;
}
