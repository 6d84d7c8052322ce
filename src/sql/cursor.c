/*
 * cursor.c - SQL cursors: DECLARE, FETCH / MOVE in every direction, CLOSE
 * [ALL], with PostgreSQL's positioning rules, command tags and errors.
 *
 * psql's FETCH_COUNT, psycopg2's named cursors and psqlODBC's
 * UseDeclareFetch all drive a query through these statements, so a cursor
 * must stream: DECLARE prepares the query again into the cursor's own arena
 * (the DECLARE statement's arena may go before the cursor does) and opens a
 * run; FETCH pulls rows from that run as it needs them. A NO SCROLL cursor
 * keeps nothing it has passed; a scrollable one copies every row it pulls
 * into its arena, from which backward movement and rewinds read.
 *
 * Positioning follows PostgreSQL's DoPortalRunFetch / PortalRunSelect /
 * DoPortalRewind (pquery.c) step by step: the portal's bookkeeping (pos,
 * at_start, at_end) is kept as PostgreSQL keeps it, over an executor
 * position (cpos) that moves like a scan that can go backward. So FETCH
 * ABSOLUTE, RELATIVE 0 and MOVE BACKWARD ALL give PostgreSQL's rows, counts
 * and "cursor can only scan forward" errors, including their corner cases.
 *
 * Lifetimes: a cursor lives in the session's engine context (sql_ctx_t),
 * in an arena under the connection's; WITHOUT HOLD ones end with their
 * transaction, WITH HOLD ones survive its commit (not its abort); all end
 * with the session (the connection arena). Unlike PostgreSQL, a WITH HOLD
 * cursor is not materialized at COMMIT (that would run the query on the loop
 * thread): it keeps streaming after the commit, so a run-time error of its
 * query surfaces at the FETCH that reaches it, not at COMMIT.
 *
 * Not here: binary cursors (0A000: rows go out in the portal's formats,
 * which the session owns), the shared namespace of protocol-level portals
 * and cursors (kiln keeps them apart), pg_cursors.
 */
#include "cursor_int.h"

#include <stdio.h>
#include <string.h>

#include "types/value.h"

/* PostgreSQL's CURSOR_OPT_* bits, as libpg_query reports them. */
#define CUR_OPT_BINARY 0x0001
#define CUR_OPT_SCROLL 0x0002
#define CUR_OPT_NO_SCROLL 0x0004
#define CUR_OPT_HOLD 0x0020

#define FETCH_ALL INT64_MAX
#define CHUNK_ROWS 256

typedef struct sql_cursor {
    struct sql_cursor *next;
    mem_arena_t *arena;     /* the cursor's lifetime: this struct, its query, its rows */
    char *name;
    uint64_t serial;        /* tells a re-declared cursor of the same name apart */
    bool scroll;            /* backward movement allowed (SCROLL, or a plan that allows it) */
    bool hold;              /* WITH HOLD */
    bool committed;         /* WITH HOLD and its transaction committed */
    bool failed;            /* its query failed: it cannot run any more */
    sql_stmt_t *query;      /* the query, prepared in arena */
    value_t *params;
    exec_run_t *run;
    exec_batch_t *batch;    /* current batch of the run, next row at bpos */
    int bpos;
    bool run_done;
    value_t *rowbuf;        /* NO SCROLL: the row being handed out */
    value_t **chunks;       /* scrollable: every row pulled, CHUNK_ROWS a chunk */
    size_t nchunks, capchunks;
    uint64_t npulled;       /* rows taken from the run */
    uint64_t cpos;          /* executor position: 0 before the first row, k on row k, npulled + 1 past the end */
    uint64_t pos;           /* PostgreSQL's portalPos */
    bool at_start, at_end;  /* PostgreSQL's atStart / atEnd */
} sql_cursor_t;

/* A FETCH / MOVE in progress: the final PortalRunSelect, resumable when the
 * sink stops or max_rows is reached. */
typedef struct sql_fetch_state {
    uint64_t serial;
    bool done_early;        /* MOVE answered without a final select */
    int64_t result;
    bool forward;
    int64_t count;
    bool nomove;
    uint64_t nproc;
    /* Execute with a row limit: PostgreSQL runs the whole FETCH into a
     * tuplestore and hands that out, so the cursor has moved all the way
     * whatever the client reads. Rows are copied here (portal arena). */
    bool buffered;
    value_t *rows;
    uint64_t nrows, caprows, next;
    int ncols;
    mem_arena_t *arena;
    const sql_col_t *cols;
} sql_fetch_state_t;

static uint64_t next_serial;

static sql_cursor_t *cursor_find(const sql_ctx_t *ctx, const char *name)
{
    for (sql_cursor_t *c = ctx->cursors; c; c = c->next)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

static void cursor_free(sql_ctx_t *ctx, sql_cursor_t *c)
{
    for (sql_cursor_t **pp = &ctx->cursors; *pp; pp = &(*pp)->next)
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    mem_arena_free(c->arena);
}

static int no_cursor(const char *name, err_t *err)
{
    return err_set(err, ERRCODE_INVALID_CURSOR_NAME, "cursor \"%s\" does not exist", name);
}

static int forward_only(err_t *err)
{
    err_set(err, ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE, "cursor can only scan forward");
    err_hint(err, "Declare it with SCROLL option to enable backward scan.");
    return -1;
}

/* ---- prepare ---- */

int sql__cursor_prepare_declare(sql_ctx_t *ctx, mem_arena_t *a, const char *sql, int offset, int nparams,
                                const type_oid_t *param_types, const PgQuery__DeclareCursorStmt *d, sql_stmt_t **out,
                                err_t *err)
{
    sql_stmt_t *q;
    if (!d->query || d->query->node_case != PG_QUERY__NODE__NODE_SELECT_STMT)
        return err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "DECLARE CURSOR is supported for queries only");
    if (sql__prepare_query(ctx, a, sql, offset, nparams, param_types, d->query, &q, err) < 0)
        return -1;
    sql_stmt_t *s = sql__stmt_new(a, ctx, SQL_K_COMMAND, "DECLARE CURSOR");
    s->util = UTIL_CURSOR;
    s->cursor = mem_alloc0(a, sizeof *s->cursor);
    s->cursor->op = CURSOR_DECLARE;
    s->cursor->name = mem_astrdup(a, d->portalname ? d->portalname : "");
    s->cursor->options = d->options;
    s->cursor->query = q;
    s->nparams = q->nparams;
    s->param_types = q->param_types;
    s->cacheable = q->cacheable;
    s->cat = q->cat;
    *out = s;
    return 0;
}

int sql__cursor_prepare_fetch(sql_ctx_t *ctx, mem_arena_t *a, const PgQuery__FetchStmt *f, sql_stmt_t **out,
                              err_t *err)
{
    (void)err;
    sql_stmt_t *s = sql__stmt_new(a, ctx, f->ismove ? SQL_K_COMMAND : SQL_K_ROWS, NULL);
    s->util = UTIL_CURSOR;
    s->cursor = mem_alloc0(a, sizeof *s->cursor);
    s->cursor->op = CURSOR_FETCH;
    s->cursor->name = mem_astrdup(a, f->portalname ? f->portalname : "");
    s->cursor->direction = (int)f->direction;
    s->cursor->count = f->how_many;
    s->cursor->move = f->ismove;
    *out = s;
    return 0;
}

int sql__cursor_prepare_close(sql_ctx_t *ctx, mem_arena_t *a, const PgQuery__ClosePortalStmt *c, sql_stmt_t **out,
                              err_t *err)
{
    (void)err;
    bool all = !c->portalname || !*c->portalname;
    sql_stmt_t *s = sql__stmt_new(a, ctx, SQL_K_COMMAND, all ? "CLOSE CURSOR ALL" : "CLOSE CURSOR");
    s->util = UTIL_CURSOR;
    s->cursor = mem_alloc0(a, sizeof *s->cursor);
    s->cursor->op = CURSOR_CLOSE;
    s->cursor->name = all ? NULL : mem_astrdup(a, c->portalname);
    *out = s;
    return 0;
}

int sql__cursor_columns(const sql_stmt_t *s, const sql_col_t **cols)
{
    *cols = NULL;
    const sql_cursor_op_t *op = s->cursor;
    if (op->op != CURSOR_FETCH || op->move)
        return -1;
    const sql_cursor_t *c = cursor_find(s->ctx, op->name);
    if (!c)
        return -1;
    *cols = c->query->cols;
    return c->query->ncols;
}

bool sql__cursor_is_cheap(const sql_stmt_t *s)
{
    const sql_cursor_op_t *op = s->cursor;
    if (op->op != CURSOR_FETCH)
        return true; /* DECLARE only opens the run; CLOSE frees */
    const sql_cursor_t *c = cursor_find(s->ctx, op->name);
    return !c || c->run_done || c->failed || c->query->cheap;
}

/* ---- the executor position ---- */

/* plan_backward - whether PostgreSQL's plan for the query would support
 * backward scans (ExecSupportsBackwardScan), which makes a cursor declared
 * without SCROLL or NO SCROLL scrollable: scans, VALUES of several rows,
 * functions in FROM, sorts, materializations and UNION ALL yes; a Result of
 * one row, aggregates, joins, DISTINCT, windows and set-returning target
 * lists no. kiln's plans approximate PostgreSQL's here. */
static bool plan_backward(const exec_plan_t *p)
{
    if (!p)
        return false;
    switch (p->kind) {
    case PLAN_RESULT:
        return p->left ? plan_backward(p->left) : p->u.result.nrows > 1;
    case PLAN_SCAN:
    case PLAN_FUNCSCAN:
    case PLAN_SORT:
    case PLAN_MATERIAL:
        return true;
    case PLAN_FILTER:
    case PLAN_PROJECT:
    case PLAN_LIMIT:
        return plan_backward(p->left);
    case PLAN_SETOP:
        return p->u.setop.op == SETOP_UNION && p->u.setop.all && plan_backward(p->left) && plan_backward(p->right);
    default:
        return false;
    }
}

static int row_width(const sql_cursor_t *c)
{
    return c->query->ncols > 0 ? c->query->ncols : 1;
}

static value_t *stored(const sql_cursor_t *c, uint64_t k)
{
    k--;
    return c->chunks[k / CHUNK_ROWS] + (size_t)(k % CHUNK_ROWS) * (size_t)row_width(c);
}

/* pull - the next row of the run (1), its end (0) or its error (-1, the
 * cursor then fails, as PostgreSQL marks the portal failed). A scrollable
 * cursor keeps a copy. The run reads the cursor's snapshot and parameters. */
static int pull(sql_cursor_t *c, const value_t **row, err_t *err)
{
    if (c->run_done)
        return 0;
    while (!c->batch || c->bpos >= c->batch->nrows) {
        exec_catview_t *prev = exec_catalog_set_current(c->query->cat ? c->query->cat : exec_catalog_current());
        const value_t *params = c->params;
        int np = c->query->nparams;
        sql__swap_exec_params(&params, &np);
        int rc = exec_run_next(c->run, &c->batch, err);
        sql__swap_exec_params(&params, &np);
        exec_catalog_set_current(prev);
        c->bpos = 0;
        if (rc < 0) {
            c->failed = true;
            c->run_done = true;
            c->batch = NULL;
            if (err->position < 0)
                err->position = 0; /* a FETCH's run-time errors have no position in its text */
            return -1;
        }
        if (!c->batch) {
            c->run_done = true;
            return 0;
        }
    }
    int nc = c->query->ncols;
    value_t *dst;
    if (c->scroll) {
        uint64_t k = c->npulled;
        if (k % CHUNK_ROWS == 0) {
            if (c->nchunks == c->capchunks) {
                size_t cap = c->capchunks ? c->capchunks * 2 : 16;
                value_t **n = mem_alloc(c->arena, cap * sizeof *n);
                if (c->nchunks)
                    memcpy(n, c->chunks, c->nchunks * sizeof *n);
                c->chunks = n;
                c->capchunks = cap;
            }
            c->chunks[c->nchunks++] = mem_alloc(c->arena, sizeof(value_t) * CHUNK_ROWS * (size_t)row_width(c));
        }
        c->npulled++;
        dst = stored(c, c->npulled);
        for (int i = 0; i < nc; i++)
            value_copy(c->arena, c->query->cols[i].type, &dst[i], &c->batch->cols[i][c->bpos]);
    } else {
        c->npulled++;
        dst = c->rowbuf;
        for (int i = 0; i < nc; i++)
            dst[i] = c->batch->cols[i][c->bpos];
    }
    c->bpos++;
    *row = dst;
    return 1;
}

static int step_forward(sql_cursor_t *c, const value_t **row, err_t *err)
{
    if (c->cpos < c->npulled) { /* scrollable, after a backward move */
        c->cpos++;
        *row = stored(c, c->cpos);
        return 1;
    }
    if (c->cpos > c->npulled)
        return 0; /* past the end */
    int rc = pull(c, row, err);
    if (rc < 0)
        return -1;
    c->cpos = rc ? c->npulled : c->npulled + 1;
    return rc;
}

static int step_backward(sql_cursor_t *c, const value_t **row)
{
    if (c->cpos == 0)
        return 0;
    c->cpos--;
    if (c->cpos == 0)
        return 0;
    *row = stored(c, c->cpos);
    return 1;
}

/* ---- PortalRunSelect, DoPortalRewind, DoPortalRunFetch ---- */

static int select_begin(sql_cursor_t *c, sql_fetch_state_t *st, bool forward, int64_t count, err_t *err)
{
    if (!forward && !c->scroll)
        return forward_only(err);
    st->forward = forward;
    st->count = count;
    st->nproc = 0;
    st->nomove = (forward ? c->at_end : c->at_start) || count <= 0;
    return 0;
}

/* select_run - moves and hands rows to sink (NULL: none); 1 when the select
 * is complete, 0 when the sink stopped or max_rows rows were sent (*sent
 * counts them), -1 on error. */
static int select_run(sql_cursor_t *c, sql_fetch_state_t *st, const sql_sink_t *sink, uint64_t max_rows,
                      uint64_t *sent, err_t *err)
{
    if (!st->nomove) {
        while (st->count == FETCH_ALL || st->nproc < (uint64_t)st->count) {
            if (sink && max_rows && *sent >= max_rows)
                return 0;
            const value_t *row = NULL;
            int rc = st->forward ? step_forward(c, &row, err) : step_backward(c, &row);
            if (rc < 0)
                return -1;
            if (rc == 0)
                break;
            st->nproc++;
            if (sink) {
                (*sent)++;
                if (sink->row(sink->arg, c->query->ncols, row) < 0)
                    return 0;
            }
        }
        bool all = st->count == FETCH_ALL || st->nproc < (uint64_t)st->count;
        if (st->forward) {
            if (st->nproc > 0)
                c->at_start = false;
            if (all)
                c->at_end = true;
            c->pos += st->nproc;
        } else {
            if (st->nproc > 0 && c->at_end) {
                c->at_end = false;
                c->pos++;
            }
            if (all) {
                c->at_start = true;
                c->pos = 0;
            } else {
                c->pos -= st->nproc;
            }
        }
    }
    st->nomove = true; /* a resumed call finds it complete */
    return 1;
}

/* skip - PortalRunSelect to None_Receiver. */
static int skip(sql_cursor_t *c, bool forward, int64_t count, err_t *err)
{
    sql_fetch_state_t st = { 0 };
    uint64_t sent = 0;
    if (select_begin(c, &st, forward, count, err) < 0)
        return -1;
    return select_run(c, &st, NULL, 0, &sent, err) < 0 ? -1 : 0;
}

static int rewind_cursor(sql_cursor_t *c, err_t *err)
{
    /* nothing to do (and no NO SCROLL error) before the first movement */
    if (c->at_start && !c->at_end)
        return 0;
    if (!c->scroll)
        return forward_only(err);
    c->cpos = 0;
    c->at_start = true;
    c->at_end = false;
    c->pos = 0;
    return 0;
}

/* fetch_plan - DoPortalRunFetch up to its final PortalRunSelect, which st
 * then describes; or st->done_early with st->result (MOVE 0, MOVE BACKWARD
 * ALL). to_dest: FETCH (rows go out), not MOVE. */
static int fetch_plan(sql_cursor_t *c, sql_fetch_state_t *st, int dir, int64_t count, bool to_dest, err_t *err)
{
    switch (dir) {
    case PG_QUERY__FETCH_DIRECTION__FETCH_BACKWARD:
        if (count < 0) {
            dir = PG_QUERY__FETCH_DIRECTION__FETCH_FORWARD;
            count = -count;
        }
        break;
    case PG_QUERY__FETCH_DIRECTION__FETCH_ABSOLUTE:
        if (count > 0) {
            /* to row count, going forward to it at the end; from the start
             * when that is nearer than from here */
            if ((uint64_t)(count - 1) <= c->pos / 2 || c->pos >= (uint64_t)INT64_MAX) {
                if (rewind_cursor(c, err) < 0)
                    return -1;
                if (count > 1 && skip(c, true, count - 1, err) < 0)
                    return -1;
            } else {
                int64_t pos = (int64_t)c->pos;
                if (c->at_end)
                    pos++; /* one extra fetch if off the end */
                if (count <= pos) {
                    if (skip(c, false, pos - count + 1, err) < 0)
                        return -1;
                } else if (count > pos + 1) {
                    if (skip(c, true, count - pos - 1, err) < 0)
                        return -1;
                }
            }
            return select_begin(c, st, true, 1, err);
        }
        if (count < 0) {
            /* to the end, back abs(count) - 1 rows, then the prior row */
            if (skip(c, true, FETCH_ALL, err) < 0)
                return -1;
            if (count < -1 && skip(c, false, -count - 1, err) < 0)
                return -1;
            return select_begin(c, st, false, 1, err);
        }
        if (rewind_cursor(c, err) < 0)
            return -1;
        return select_begin(c, st, true, 0, err);
    case PG_QUERY__FETCH_DIRECTION__FETCH_RELATIVE:
        if (count > 0) {
            if (count > 1 && skip(c, true, count - 1, err) < 0)
                return -1;
            return select_begin(c, st, true, 1, err);
        }
        if (count < 0) {
            if (count < -1 && skip(c, false, -count - 1, err) < 0)
                return -1;
            return select_begin(c, st, false, 1, err);
        }
        dir = PG_QUERY__FETCH_DIRECTION__FETCH_FORWARD; /* RELATIVE 0 is FORWARD 0 */
        break;
    default: /* FORWARD */
        if (count < 0) {
            dir = PG_QUERY__FETCH_DIRECTION__FETCH_BACKWARD;
            count = -count;
        }
        break;
    }
    bool forward = dir == PG_QUERY__FETCH_DIRECTION__FETCH_FORWARD;
    if (count == 0) {
        /* the current row again, if the cursor is on one */
        bool on_row = !c->at_start && !c->at_end;
        if (!to_dest) {
            st->done_early = true;
            st->result = on_row ? 1 : 0;
            return 0;
        }
        if (on_row) {
            if (skip(c, false, 1, err) < 0)
                return -1;
            count = 1;
            forward = true;
        }
    }
    if (!forward && count == FETCH_ALL && !to_dest) {
        /* MOVE BACKWARD ALL is a rewind */
        int64_t result = (int64_t)c->pos;
        if (result > 0 && !c->at_end)
            result--;
        if (rewind_cursor(c, err) < 0)
            return -1;
        st->done_early = true;
        st->result = result;
        return 0;
    }
    return select_begin(c, st, forward, count, err);
}

/* buffer_row - the sink of a FETCH run for an Execute with a row limit. */
static int buffer_row(void *arg, int ncols, const value_t *vals)
{
    sql_fetch_state_t *st = arg;
    size_t w = (size_t)(st->ncols > 0 ? st->ncols : 1);
    if (st->nrows == st->caprows) {
        uint64_t cap = st->caprows ? st->caprows * 2 : 64;
        value_t *n = mem_alloc(st->arena, sizeof(value_t) * w * cap);
        if (st->nrows)
            memcpy(n, st->rows, sizeof(value_t) * w * st->nrows);
        st->rows = n;
        st->caprows = cap;
    }
    for (int i = 0; i < ncols; i++)
        value_copy(st->arena, st->cols[i].type, &st->rows[st->nrows * w + (size_t)i], &vals[i]);
    st->nrows++;
    return 0;
}

/* ---- execute ---- */

static int run_declare(sql_portal_t *p, err_t *err)
{
    sql_stmt_t *s = p->stmt;
    sql_ctx_t *ctx = s->ctx;
    const sql_cursor_op_t *op = s->cursor;
    if (!(op->options & CUR_OPT_HOLD) && !ctx->in_block)
        return err_set(err, ERRCODE_NO_ACTIVE_SQL_TRANSACTION, "DECLARE CURSOR can only be used in transaction blocks");
    if (!*op->name)
        return err_set(err, ERRCODE_INVALID_CURSOR_NAME, "invalid cursor name: must not be empty");
    if (op->options & CUR_OPT_BINARY) {
        err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "binary cursors are not supported by kiln");
        err_hint(err, "Declare the cursor without BINARY; a client may ask for binary results with Bind.");
        return -1;
    }
    if (cursor_find(ctx, op->name))
        return err_set(err, ERRCODE_DUPLICATE_CURSOR, "cursor \"%s\" already exists", op->name);
    /* The query again, in the cursor's arena: the statement's arena may be
     * gone (a simple Query's, a closed statement's) while the cursor lives.
     * Its notices were sent when the DECLARE was prepared. */
    mem_arena_t *a = mem_arena_new(ctx->arena, "cursor", 0);
    sql_stmt_t *again;
    void (*notice)(void *, const err_t *) = ctx->info.hooks.notice;
    ctx->info.hooks.notice = NULL;
    int rc = sql__prepare_again(ctx, a, s->sql, s->offset, s->nparams, s->param_types, &again, err);
    ctx->info.hooks.notice = notice;
    if (rc < 0) {
        mem_arena_free(a);
        return -1;
    }
    if (again->util != UTIL_CURSOR || again->cursor->op != CURSOR_DECLARE) {
        mem_arena_free(a);
        return err_set(err, ERRCODE_INTERNAL_ERROR, "DECLARE prepared again as another statement");
    }
    sql_cursor_t *c = mem_alloc0(a, sizeof *c);
    c->arena = a;
    c->name = mem_astrdup(a, op->name);
    c->serial = __atomic_add_fetch(&next_serial, 1, __ATOMIC_RELAXED);
    c->hold = (op->options & CUR_OPT_HOLD) != 0;
    c->query = again->cursor->query;
    if (op->options & CUR_OPT_SCROLL)
        c->scroll = true;
    else if (op->options & CUR_OPT_NO_SCROLL)
        c->scroll = false;
    else
        c->scroll = plan_backward(c->query->plan);
    int np = c->query->nparams;
    if (np > 0 && p->params) {
        c->params = mem_alloc0(a, sizeof(value_t) * (size_t)np);
        for (int i = 0; i < np; i++)
            value_copy(a, c->query->param_types[i], &c->params[i], &p->params[i]);
    }
    c->rowbuf = mem_alloc0(a, sizeof(value_t) * (size_t)row_width(c));
    int64_t budget = cfg_int(ctx->info.settings, CFG_QUERY_MEMORY);
    c->run = exec_run_new(a, c->query->plan, &ctx->sess, c->params, np, budget > 0 ? (size_t)budget : 0);
    c->at_start = true;
    c->next = ctx->cursors;
    ctx->cursors = c;
    return 0;
}

static int run_fetch(sql_portal_t *p, uint64_t max_rows, const sql_sink_t *sink, err_t *err)
{
    sql_stmt_t *s = p->stmt;
    const sql_cursor_op_t *op = s->cursor;
    sql_cursor_t *c = cursor_find(s->ctx, op->name);
    sql_fetch_state_t *st = p->fetch;
    if (!c || (st && st->serial != c->serial)) {
        p->done = true;
        return no_cursor(op->name, err);
    }
    if (!st) {
        if (c->failed) {
            p->done = true;
            return err_set(err, ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE, "portal \"%s\" cannot be run", c->name);
        }
        st = p->fetch = mem_alloc0(p->arena, sizeof *st);
        st->serial = c->serial;
        if (fetch_plan(c, st, op->direction, op->count, !op->move, err) < 0) {
            p->done = true;
            return -1;
        }
    }
    uint64_t n;
    if (!st->done_early && !op->move && max_rows > 0 && !st->buffered) {
        st->buffered = true;
        st->ncols = c->query->ncols;
        st->cols = c->query->cols;
        st->arena = p->arena;
        sql_sink_t collect = { st, buffer_row };
        uint64_t sent = 0;
        if (select_run(c, st, &collect, 0, &sent, err) < 0) {
            p->done = true;
            return -1;
        }
    }
    if (st->buffered) {
        size_t w = (size_t)(st->ncols > 0 ? st->ncols : 1);
        for (uint64_t sent = 0; st->next < st->nrows;) {
            if (max_rows && sent >= max_rows)
                return SQL_EXEC_SUSPENDED;
            sent++;
            if (sink->row(sink->arg, st->ncols, st->rows + st->next++ * w) < 0)
                return SQL_EXEC_SUSPENDED;
        }
        n = st->nproc;
    } else if (st->done_early) {
        n = (uint64_t)st->result;
    } else {
        uint64_t sent = 0;
        int rc = select_run(c, st, op->move ? NULL : sink, max_rows, &sent, err);
        if (rc < 0) {
            p->done = true;
            return -1;
        }
        if (rc == 0)
            return SQL_EXEC_SUSPENDED;
        n = st->nproc;
    }
    p->done = true;
    snprintf(p->tag, sizeof p->tag, "%s %llu", op->move ? "MOVE" : "FETCH", (unsigned long long)n);
    return SQL_EXEC_DONE;
}

int sql__cursor_execute(sql_portal_t *p, uint64_t max_rows, const sql_sink_t *sink, err_t *err)
{
    sql_stmt_t *s = p->stmt;
    sql_ctx_t *ctx = s->ctx;
    const sql_cursor_op_t *op = s->cursor;
    switch (op->op) {
    case CURSOR_DECLARE:
        p->done = true;
        if (run_declare(p, err) < 0)
            return -1;
        break;
    case CURSOR_FETCH:
        return run_fetch(p, max_rows, sink, err);
    case CURSOR_CLOSE:
        p->done = true;
        if (!op->name) {
            sql__cursor_close_all(ctx);
        } else {
            sql_cursor_t *c = cursor_find(ctx, op->name);
            if (!c)
                return no_cursor(op->name, err);
            cursor_free(ctx, c);
        }
        break;
    }
    snprintf(p->tag, sizeof p->tag, "%s", s->tag);
    return SQL_EXEC_DONE;
}

/* ---- lifetimes ---- */

void sql__cursor_end_tx(sql_ctx_t *ctx, bool commit)
{
    sql_cursor_t *c = ctx->cursors;
    while (c) {
        sql_cursor_t *next = c->next;
        if (!c->hold || (!c->committed && !commit))
            cursor_free(ctx, c);
        else
            c->committed = true;
        c = next;
    }
}

void sql__cursor_close_all(sql_ctx_t *ctx)
{
    while (ctx->cursors)
        cursor_free(ctx, ctx->cursors);
}
