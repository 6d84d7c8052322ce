/*
 * exec.c - the run (a portal's execution state) and the simple operators:
 * result rows, relation scan, filter, project, limit, plus correlated and
 * uncorrelated subplan evaluation.
 *
 * Operators are built once per run from the immutable plan (exec__build);
 * each pulls batches from its children. Sort, aggregation, joins, set
 * operations and window functions live in their own files.
 */
#include "exec/exec.h"

#include <string.h>

#include "exec_int.h"
#include "types/array.h"
#include "types/value.h"

exec_plan_t *exec_plan_new(mem_arena_t *a, exec_plan_kind_t kind, int ncols)
{
    exec_plan_t *p = mem_alloc0(a, sizeof *p);
    p->kind = kind;
    p->ncols = ncols;
    p->types = mem_alloc0(a, sizeof(type_oid_t) * (size_t)(ncols > 0 ? ncols : 1));
    p->typmods = mem_alloc0(a, sizeof(int32_t) * (size_t)(ncols > 0 ? ncols : 1));
    for (int i = 0; i < ncols; i++)
        p->typmods[i] = -1;
    p->est_rows = 1;
    return p;
}

op_t *exec__op_new(exec_run_t *r, const exec_plan_t *p, size_t st_size)
{
    mem_arena_t *a = mem_arena_new(r->arena, "op", 0);
    op_t *o = mem_alloc0(a, sizeof *o);
    o->plan = p;
    o->run = r;
    o->arena = a;
    o->scratch = mem_arena_new(a, "batch", 0);
    o->ec.arena = o->scratch;
    o->ec.sess = r->sess;
    o->ec.params = r->params;
    o->ec.nparams = r->nparams;
    o->ec.outer = r->outer;
    o->ec.nouter = r->nouter;
    o->ec.run = r;
    o->ec.err = r->err;
    int nc = p ? p->ncols : 0;
    o->out.ncols = nc;
    o->out.nrows = 0;
    o->out.cols = mem_alloc0(a, sizeof(value_t *) * (size_t)(nc > 0 ? nc : 1));
    for (int c = 0; c < nc; c++)
        o->out.cols[c] = mem_alloc0(a, sizeof(value_t) * EXEC_BATCH_ROWS);
    if (st_size)
        o->st = mem_alloc0(a, st_size);
    return o;
}

int exec__check(op_t *o)
{
    exec_session_t *s = o->run->sess;
    if (s && s->cancel && *s->cancel)
        return err_set(o->run->err, ERRCODE_QUERY_CANCELED, "canceling statement due to user request");
    return 0;
}

int exec__nomem(op_t *o)
{
    err_set(o->run->err, ERRCODE_OUT_OF_MEMORY, "out of memory");
    err_detail(o->run->err, "The query needed more than kiln.query.memory-limit-bytes.");
    return -1;
}

void *exec__alloc(op_t *o, size_t n)
{
    void *p = mem_alloc_try(o->arena, n);
    if (!p)
        exec__nomem(o);
    return p;
}

void exec__batch_row(const exec_batch_t *b, int i, value_t *vals)
{
    for (int c = 0; c < b->ncols; c++)
        vals[c] = b->cols[c][i];
}

int exec__rows_add(op_t *o, exec_rows_t *rs, const value_t *row)
{
    if (rs->n == rs->cap) {
        size_t nc = rs->cap ? rs->cap * 2 : 256;
        value_t **nr = mem_alloc_try(o->arena, sizeof(value_t *) * nc);
        if (!nr)
            return exec__nomem(o);
        if (rs->n)
            memcpy(nr, rs->rows, sizeof(value_t *) * rs->n);
        rs->rows = nr;
        rs->cap = nc;
    }
    value_t *dst = mem_alloc_try(o->arena, sizeof(value_t) * (size_t)(rs->ncols > 0 ? rs->ncols : 1));
    if (!dst)
        return exec__nomem(o);
    for (int c = 0; c < rs->ncols; c++)
        value_copy(o->arena, rs->types[c], &dst[c], &row[c]);
    rs->rows[rs->n++] = dst;
    return 0;
}

void exec__emit_rows(op_t *o, const exec_rows_t *rs, size_t *pos)
{
    int n = 0;
    while (*pos < rs->n && n < EXEC_BATCH_ROWS) {
        const value_t *row = rs->rows[*pos];
        for (int c = 0; c < o->out.ncols; c++)
            o->out.cols[c][n] = row[c];
        n++;
        (*pos)++;
    }
    o->out.nrows = n;
}

/* ---- RESULT ---- */

typedef struct result_st {
    int next_row;
} result_st_t;

static int result_next(op_t *o, exec_batch_t **out)
{
    result_st_t *st = o->st;
    const exec_plan_t *p = o->plan;
    int nc = p->ncols, n = 0;
    mem_arena_reset(o->scratch);
    while (st->next_row < p->u.result.nrows && n < EXEC_BATCH_ROWS) {
        for (int c = 0; c < nc; c++) {
            const exec_expr_t *e = p->u.result.exprs[st->next_row * nc + c];
            if (e->kind == EXPR_CONST) {
                o->out.cols[c][n] = e->u.cval;
            } else if (exec_eval_const(&o->ec, e, &o->out.cols[c][n]) < 0) {
                return -1;
            }
        }
        n++;
        st->next_row++;
    }
    o->out.nrows = n;
    *out = n ? &o->out : NULL;
    return 0;
}

/* ---- SCAN ---- */

typedef struct scan_st {
    void *scan;
    bool open;
} scan_st_t;

static int scan_next(op_t *o, exec_batch_t **out)
{
    scan_st_t *st = o->st;
    const exec_rel_t *rel = o->plan->u.scan.rel;
    if (exec__check(o) < 0)
        return -1;
    if (!st->open) {
        if (rel->ops->open(rel, o->arena, o->plan->u.scan.needed, &st->scan, o->run->err) < 0)
            return -1;
        st->open = true;
    }
    if (o->done) {
        *out = NULL;
        return 0;
    }
    mem_arena_reset(o->scratch);
    o->out.nrows = EXEC_BATCH_ROWS;
    for (int c = 0; c < o->out.ncols; c++)
        if (!o->plan->u.scan.needed[c])
            for (int i = 0; i < EXEC_BATCH_ROWS; i++)
                o->out.cols[c][i].isnull = true;
    if (rel->ops->next(st->scan, &o->out, o->scratch, o->run->err) < 0)
        return -1;
    if (o->out.nrows == 0) {
        o->done = true;
        if (rel->ops->close)
            rel->ops->close(st->scan);
        *out = NULL;
        return 0;
    }
    *out = &o->out;
    return 0;
}

/* ---- FILTER ---- */

static int filter_next(op_t *o, exec_batch_t **out)
{
    for (;;) {
        exec_batch_t *in;
        if (o->left->next(o->left, &in) < 0)
            return -1;
        if (!in) {
            *out = NULL;
            return 0;
        }
        mem_arena_reset(o->scratch);
        value_t *res = mem_alloc(o->scratch, sizeof(value_t) * (size_t)in->nrows);
        if (exec_eval(&o->ec, o->plan->u.filter.qual, in, NULL, in->nrows, res) < 0)
            return -1;
        int n = 0;
        for (int i = 0; i < in->nrows; i++) {
            if (res[i].isnull || !res[i].u.i)
                continue;
            for (int c = 0; c < o->out.ncols; c++)
                o->out.cols[c][n] = in->cols[c][i];
            n++;
        }
        if (n == 0)
            continue;
        o->out.nrows = n;
        *out = &o->out;
        return 0;
    }
}

/* ---- PROJECT ---- */

static int project_next(op_t *o, exec_batch_t **out)
{
    exec_batch_t *in;
    if (o->left->next(o->left, &in) < 0)
        return -1;
    if (!in) {
        *out = NULL;
        return 0;
    }
    mem_arena_reset(o->scratch);
    for (int c = 0; c < o->out.ncols; c++) {
        const exec_expr_t *e = o->plan->u.project.exprs[c];
        if (e->kind == EXPR_VAR) {
            memcpy(o->out.cols[c], in->cols[e->u.slot], sizeof(value_t) * (size_t)in->nrows);
            continue;
        }
        if (exec_eval(&o->ec, e, in, NULL, in->nrows, o->out.cols[c]) < 0)
            return -1;
    }
    o->out.nrows = in->nrows;
    *out = &o->out;
    return 0;
}

/* ---- LIMIT ---- */

typedef struct limit_st {
    bool started;
    int64_t skip, left; /* left < 0: no limit */
    value_t *tie;       /* WITH TIES: ORDER BY keys of the last counted row, NULL until then */
    bool ties_done;
} limit_st_t;

/* same_keys - row r of b equals the saved tie keys (NULLs equal, as in sorting). */
static bool same_keys(const exec_plan_t *p, const limit_st_t *st, const exec_batch_t *b, int r)
{
    for (int k = 0; k < p->u.limit.ntie; k++) {
        int c = p->u.limit.tie_cols[k];
        const value_t *v = &b->cols[c][r];
        if (v->isnull != st->tie[k].isnull)
            return false;
        if (!v->isnull && value_cmp(p->types[c], v, &st->tie[k]) != 0)
            return false;
    }
    return true;
}

static int limit_value(op_t *o, const exec_expr_t *e, bool is_offset, int64_t *v)
{
    value_t r;
    if (exec_eval_const(&o->ec, e, &r) < 0)
        return -1;
    if (r.isnull) {
        *v = -1;
        return 0;
    }
    if (r.u.i < 0) {
        if (is_offset)
            return err_set(o->run->err, ERRCODE_INVALID_ROW_COUNT_IN_RESULT_OFFSET_CLAUSE,
                           "OFFSET must not be negative");
        return err_set(o->run->err, ERRCODE_INVALID_ROW_COUNT_IN_LIMIT_CLAUSE, "LIMIT must not be negative");
    }
    *v = r.u.i;
    return 0;
}

static int limit_next(op_t *o, exec_batch_t **out)
{
    limit_st_t *st = o->st;
    if (!st->started) {
        st->started = true;
        st->skip = 0;
        st->left = -1;
        if (o->plan->u.limit.offset && limit_value(o, o->plan->u.limit.offset, true, &st->skip) < 0)
            return -1;
        if (st->skip < 0)
            st->skip = 0;
        if (o->plan->u.limit.count && limit_value(o, o->plan->u.limit.count, false, &st->left) < 0)
            return -1;
    }
    const exec_plan_t *p = o->plan;
    for (;;) {
        if (st->left == 0 && (p->u.limit.ntie == 0 || !st->tie || st->ties_done)) {
            *out = NULL;
            return 0;
        }
        exec_batch_t *in;
        if (o->left->next(o->left, &in) < 0)
            return -1;
        if (!in) {
            *out = NULL;
            return 0;
        }
        int start = 0, n = in->nrows;
        if (st->skip > 0) {
            int64_t s = st->skip < n ? st->skip : n;
            start = (int)s;
            st->skip -= s;
        }
        int take = n - start;
        if (st->left >= 0 && take > st->left)
            take = (int)st->left;
        if (st->left > 0) {
            st->left -= take;
            if (st->left == 0 && p->u.limit.ntie > 0 && take > 0) {
                /* the last counted row: its keys decide the ties */
                st->tie = mem_alloc(o->arena, sizeof(value_t) * (size_t)p->u.limit.ntie);
                for (int k = 0; k < p->u.limit.ntie; k++) {
                    int c = p->u.limit.tie_cols[k];
                    value_copy(o->arena, p->types[c], &st->tie[k], &in->cols[c][start + take - 1]);
                }
            }
        }
        if (st->left == 0 && st->tie && !st->ties_done) {
            while (start + take < n && same_keys(p, st, in, start + take))
                take++;
            if (start + take < n)
                st->ties_done = true;
        }
        if (take <= 0)
            continue;
        for (int c = 0; c < o->out.ncols; c++)
            memcpy(o->out.cols[c], in->cols[c] + start, sizeof(value_t) * (size_t)take);
        o->out.nrows = take;
        *out = &o->out;
        return 0;
    }
}

/* ---- subplans ---- */

typedef struct subcache {
    struct subcache *next;
    const exec_subplan_t *sub;
    bool has_value;
    value_t value;       /* EXISTS / SCALAR / ARRAY */
    exec_rows_t rows;    /* ANY / ALL: the subquery's first column */
} subcache_t;

exec_run_t *exec__child_run(exec_run_t *parent, mem_arena_t *a, exec_outer_t *outer, int nouter)
{
    exec_run_t *r = mem_alloc0(a, sizeof *r);
    r->arena = a;
    r->sess = parent->sess;
    r->params = parent->params;
    r->nparams = parent->nparams;
    r->err = parent->err;
    r->outer = outer;
    r->nouter = nouter;
    r->parent = parent;
    r->materials = parent->materials;
    r->nmaterials = parent->nmaterials;
    return r;
}

/* run_sub - runs sub's plan to completion as a child run with outer rows. */
static int run_sub(exec_ectx_t *ec, const exec_subplan_t *sub, exec_outer_t *outer, int nouter, mem_arena_t *a,
                   const value_t *lhs, value_t *out, exec_rows_t *collect)
{
    exec_run_t *parent = ec->run;
    exec_run_t *r = mem_alloc0(a, sizeof *r);
    r->arena = a;
    r->sess = ec->sess;
    r->params = ec->params;
    r->nparams = ec->nparams;
    r->err = ec->err;
    r->outer = outer;
    r->nouter = nouter;
    r->parent = parent;
    r->materials = parent ? parent->materials : NULL;
    r->nmaterials = parent ? parent->nmaterials : 0;
    r->root = exec__build(r, sub->plan);
    type_oid_t t0 = sub->plan->ncols > 0 ? sub->plan->types[0] : TYPE_BOOL;
    bool found = false, sawnull = false;
    type_array_t *arr = NULL;
    int acap = 0;
    out->isnull = false;
    out->u.i = 0;
    if (sub->kind == SUBLINK_SCALAR)
        out->isnull = true;
    if (sub->kind == SUBLINK_ALL)
        out->u.i = 1;
    for (;;) {
        exec_batch_t *b;
        if (r->root->next(r->root, &b) < 0)
            return -1;
        if (!b)
            break;
        for (int i = 0; i < b->nrows; i++) {
            switch (sub->kind) {
            case SUBLINK_EXISTS:
                out->u.i = 1;
                return 0;
            case SUBLINK_SCALAR:
                if (found)
                    return err_set(ec->err, ERRCODE_CARDINALITY_VIOLATION,
                                   "more than one row returned by a subquery used as an expression");
                found = true;
                value_copy(ec->arena, t0, out, &b->cols[0][i]);
                break;
            case SUBLINK_ARRAY:
                if (!arr || arr->n == acap) {
                    int nc = acap ? acap * 2 : 16;
                    type_array_t *na = type_array_new(ec->arena, t0, nc);
                    if (arr)
                        memcpy(na->vals, arr->vals, sizeof(value_t) * (size_t)arr->n);
                    na->n = arr ? arr->n : 0;
                    arr = na;
                    acap = nc;
                }
                value_copy(ec->arena, t0, &arr->vals[arr->n++], &b->cols[0][i]);
                break;
            case SUBLINK_ANY:
            case SUBLINK_ALL: {
                if (collect) {
                    op_t fake = { 0 };
                    fake.arena = ec->arena;
                    fake.run = parent;
                    if (exec__rows_add(&fake, collect, &b->cols[0][i]) < 0)
                        return -1;
                    break;
                }
                value_t rv = b->cols[0][i];
                if (lhs->isnull || rv.isnull) {
                    sawnull = true;
                    break;
                }
                exec_expr_t call = { 0 };
                exec_expr_t a0 = { 0 }, a1 = { 0 };
                a0.type = lhs->isnull ? t0 : sub->cmp->args[0];
                a1.type = t0;
                exec_expr_t *args[2] = { &a0, &a1 };
                call.kind = EXPR_FUNC;
                call.type = TYPE_BOOL;
                call.nargs = 2;
                call.args = args;
                a0.type = sub->cmp->args[0];
                exec_fctx_t fc = { ec->arena, ec->err, ec->sess, &call, 2 };
                value_t av[2] = { *lhs, rv }, res = { 0 };
                if (sub->cmp->impl(&fc, av, &res) < 0)
                    return -1;
                if (sub->kind == SUBLINK_ANY && res.u.i) {
                    out->isnull = false;
                    out->u.i = 1;
                    return 0;
                }
                if (sub->kind == SUBLINK_ALL && !res.u.i) {
                    out->isnull = false;
                    out->u.i = 0;
                    return 0;
                }
                break;
            }
            }
        }
    }
    if (sub->kind == SUBLINK_ARRAY) {
        out->isnull = false;
        out->u.arr = arr ? arr : type_array_new(ec->arena, t0, 0);
    }
    if ((sub->kind == SUBLINK_ANY || sub->kind == SUBLINK_ALL) && sawnull && !collect)
        out->isnull = true;
    return 0;
}

/* any_cached - x op ANY/ALL over a materialized column. */
static int any_cached(exec_ectx_t *ec, const exec_subplan_t *sub, const exec_rows_t *rows, const value_t *lhs,
                      value_t *out)
{
    bool is_any = sub->kind == SUBLINK_ANY, sawnull = false;
    out->isnull = false;
    out->u.i = is_any ? 0 : 1;
    if (rows->n == 0)
        return 0;
    if (lhs->isnull) {
        out->isnull = true;
        return 0;
    }
    exec_expr_t a0 = { 0 }, a1 = { 0 }, call = { 0 };
    a0.type = sub->cmp->args[0];
    a1.type = rows->types[0];
    exec_expr_t *args[2] = { &a0, &a1 };
    call.kind = EXPR_FUNC;
    call.type = TYPE_BOOL;
    call.nargs = 2;
    call.args = args;
    exec_fctx_t fc = { ec->arena, ec->err, ec->sess, &call, 2 };
    for (size_t i = 0; i < rows->n; i++) {
        value_t rv = rows->rows[i][0];
        if (rv.isnull) {
            sawnull = true;
            continue;
        }
        value_t av[2] = { *lhs, rv }, res = { 0 };
        if (sub->cmp->impl(&fc, av, &res) < 0)
            return -1;
        if (is_any && res.u.i) {
            out->u.i = 1;
            return 0;
        }
        if (!is_any && !res.u.i) {
            out->u.i = 0;
            return 0;
        }
    }
    if (sawnull)
        out->isnull = true;
    return 0;
}

int exec__eval_subplan(exec_ectx_t *ec, const exec_expr_t *e, const exec_batch_t *in, const uint16_t *sel, int nsel,
                       value_t *out)
{
    const exec_subplan_t *sub = e->u.sub;
    exec_run_t *run = ec->run;
    value_t *lhs = NULL;
    if ((sub->kind == SUBLINK_ANY || sub->kind == SUBLINK_ALL)) {
        lhs = mem_alloc(ec->arena, sizeof(value_t) * (size_t)(in ? in->nrows : 1));
        if (exec_eval(ec, e->args[0], in, sel, nsel, lhs) < 0)
            return -1;
    }
    if (sub->nouter == 0) {
        /* Uncorrelated: run once per run, cached in the query arena. */
        subcache_t *c = run ? run->subcache : NULL;
        while (c && c->sub != sub)
            c = c->next;
        if (!c) {
            mem_arena_t *qa = run ? run->arena : ec->arena;
            c = mem_alloc0(qa, sizeof *c);
            c->sub = sub;
            c->rows.ncols = 1;
            c->rows.types = sub->plan->types;
            mem_arena_t *tmp = mem_arena_new(qa, "subplan", 0);
            exec_ectx_t cec = *ec;
            cec.arena = qa;
            bool collect = sub->kind == SUBLINK_ANY || sub->kind == SUBLINK_ALL;
            if (run_sub(&cec, sub, ec->outer, ec->nouter, tmp, NULL, &c->value, collect ? &c->rows : NULL) < 0)
                return -1;
            mem_arena_free(tmp);
            if (run) {
                c->next = run->subcache;
                run->subcache = c;
            }
        }
        for (int i = 0; i < nsel; i++) {
            int r = sel ? sel[i] : i;
            if (lhs) {
                if (any_cached(ec, sub, &c->rows, &lhs[r], &out[r]) < 0)
                    return -1;
            } else {
                out[r] = c->value;
            }
        }
        return 0;
    }
    /* Correlated: run per row with the row pushed on the outer stack. */
    int depth = ec->nouter + 1;
    exec_outer_t *stack = mem_alloc(ec->arena, sizeof(exec_outer_t) * (size_t)depth);
    for (int k = 0; k < ec->nouter; k++)
        stack[k + 1] = ec->outer[k];
    int ncols = in ? in->ncols : 0;
    int width = sub->nremap > 0 ? sub->outer_width : ncols;
    value_t *row = mem_alloc(ec->arena, sizeof(value_t) * (size_t)(width > 0 ? width : 1));
    for (int c = 0; c < width; c++)
        row[c] = value_null();
    mem_arena_t *tmp = mem_arena_new(run ? run->arena : ec->arena, "subplan", 0);
    for (int i = 0; i < nsel; i++) {
        int r = sel ? sel[i] : i;
        if (sub->nremap > 0) {
            /* over an aggregate's output: the grouped columns at their input slots */
            for (int k = 0; k < sub->nremap; k++)
                row[sub->remap_to[k]] = in->cols[sub->remap_from[k]][r];
        } else {
            for (int c = 0; c < ncols; c++)
                row[c] = in->cols[c][r];
        }
        stack[0].row = row;
        stack[0].ncols = width;
        mem_arena_reset(tmp);
        if (run_sub(ec, sub, stack, depth, tmp, lhs ? &lhs[r] : NULL, &out[r], NULL) < 0) {
            mem_arena_free(tmp);
            return -1;
        }
    }
    mem_arena_free(tmp);
    return 0;
}

/* ---- build / run ---- */

op_t *exec__build(exec_run_t *r, const exec_plan_t *p)
{
    op_t *o;
    switch (p->kind) {
    case PLAN_RESULT:
        o = exec__op_new(r, p, sizeof(result_st_t));
        o->next = result_next;
        return o;
    case PLAN_SCAN:
        o = exec__op_new(r, p, sizeof(scan_st_t));
        o->next = scan_next;
        return o;
    case PLAN_FILTER:
        o = exec__op_new(r, p, 0);
        o->next = filter_next;
        o->left = exec__build(r, p->left);
        return o;
    case PLAN_PROJECT:
        o = exec__op_new(r, p, 0);
        o->next = project_next;
        o->left = exec__build(r, p->left);
        return o;
    case PLAN_LIMIT:
        o = exec__op_new(r, p, sizeof(limit_st_t));
        o->next = limit_next;
        o->left = exec__build(r, p->left);
        return o;
    case PLAN_AGG:
        return exec__build_agg(r, p);
    case PLAN_SORT:
        return exec__build_sort(r, p);
    case PLAN_DISTINCT:
        return exec__build_distinct(r, p);
    case PLAN_JOIN:
        return exec__build_join(r, p);
    case PLAN_SETOP:
        return exec__build_setop(r, p);
    case PLAN_FUNCSCAN:
        return exec__build_funcscan(r, p);
    case PLAN_MATERIAL:
        return exec__build_material(r, p);
    case PLAN_WINDOW:
        return exec__build_window(r, p);
    case PLAN_PROJECT_SRF:
        return exec__build_project_srf(r, p);
    case PLAN_RECURSIVE:
        return exec__build_recursive(r, p);
    case PLAN_WORKTABLE:
        return exec__build_worktable(r, p);
    case PLAN_LATERAL:
        return exec__build_lateral(r, p);
    }
    return NULL;
}

exec_run_t *exec_run_new(mem_arena_t *a, const exec_plan_t *plan, exec_session_t *sess, const value_t *params,
                         int nparams, size_t budget)
{
    exec_run_t *r = mem_alloc0(a, sizeof *r);
    r->arena = budget ? mem_arena_new(a, "query", budget) : a;
    r->sess = sess;
    r->params = params;
    r->nparams = nparams;
    r->plan = plan;
    r->err = &r->own_err;
    return r;
}

int exec_run_next(exec_run_t *r, exec_batch_t **out, err_t *err)
{
    *out = NULL;
    if (r->finished)
        return 0;
    if (!r->root)
        r->root = exec__build(r, r->plan);
    if (r->root->next(r->root, out) < 0) {
        r->finished = true;
        *out = NULL;
        if (!r->own_err.set)
            err_set(&r->own_err, ERRCODE_INTERNAL_ERROR, "executor failed without an error");
        *err = r->own_err;
        return -1;
    }
    if (!*out)
        r->finished = true;
    return 0;
}
