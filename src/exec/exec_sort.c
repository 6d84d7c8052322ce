/*
 * exec_sort.c - the sort operator (multi-key, ASC/DESC, NULLS FIRST/LAST)
 * and the window operator (partition, order, ranking and offset functions,
 * aggregates over the default, whole-partition and ROWS frames).
 *
 * Both materialize their input in the budgeted query arena: rows are copied
 * with their evaluated sort keys appended, then sorted with a stable merge
 * sort (glibc qsort_r), so equal keys keep input order.
 */
#include "exec_int.h"

#include <stdlib.h>
#include <string.h>

#include "types/value.h"

typedef struct sortctx {
    int nkeys;
    int base;               /* keys start at this column of a stored row */
    const exec_sortkey_t *keys;
    const type_oid_t *types;
} sortctx_t;

static int cmp_keys(const sortctx_t *sc, const value_t *a, const value_t *b)
{
    for (int k = 0; k < sc->nkeys; k++) {
        const value_t *x = &a[sc->base + k], *y = &b[sc->base + k];
        int c;
        if (x->isnull || y->isnull) {
            if (x->isnull && y->isnull)
                continue;
            /* NULLS FIRST puts nulls before everything, whatever the direction */
            c = x->isnull ? (sc->keys[k].nulls_first ? -1 : 1) : (sc->keys[k].nulls_first ? 1 : -1);
            return c;
        }
        c = value_cmp(sc->types[k], x, y);
        if (c)
            return sc->keys[k].desc ? -c : c;
    }
    return 0;
}

static int qcmp(const void *a, const void *b, void *arg)
{
    return cmp_keys(arg, *(value_t *const *)a, *(value_t *const *)b);
}

/* materialize - all child rows with nkeys evaluated key values appended.
 * With topn > 0 (and sc set) the store is cut back to the best topn rows
 * whenever it reaches a multiple of that, so ORDER BY ... LIMIT n keeps
 * O(n) rows whatever the input size. */
static int materialize_topn(op_t *o, int nkeys, exec_expr_t *const *keyexprs, exec_rows_t *rs, int64_t topn,
                            sortctx_t *sc);

static int materialize(op_t *o, int nkeys, exec_expr_t *const *keyexprs, exec_rows_t *rs)
{
    return materialize_topn(o, nkeys, keyexprs, rs, 0, NULL);
}

static int qcmp(const void *a, const void *b, void *arg);

static int materialize_topn(op_t *o, int nkeys, exec_expr_t *const *keyexprs, exec_rows_t *rs, int64_t topn,
                            sortctx_t *sc)
{
    size_t cut = topn > 0 ? (size_t)(topn < 4096 ? 4096 : topn) * 2 : 0;
    const value_t *worst = NULL; /* the last kept row after a cut: later rows must beat it */
    int nc = o->left->plan->ncols;
    rs->ncols = nc + nkeys;
    rs->types = mem_alloc(o->arena, sizeof(type_oid_t) * (size_t)(rs->ncols + 1));
    memcpy(rs->types, o->left->plan->types, sizeof(type_oid_t) * (size_t)nc);
    for (int k = 0; k < nkeys; k++)
        rs->types[nc + k] = keyexprs[k]->type;
    value_t **kv = mem_alloc(o->arena, sizeof(value_t *) * (size_t)(nkeys + 1));
    value_t *row = mem_alloc(o->arena, sizeof(value_t) * (size_t)(rs->ncols + 1));
    for (;;) {
        exec_batch_t *in;
        if (o->left->next(o->left, &in) < 0)
            return -1;
        if (!in)
            return 0;
        if (exec__check(o) < 0)
            return -1;
        mem_arena_reset(o->scratch);
        for (int k = 0; k < nkeys; k++) {
            if (keyexprs[k]->kind == EXPR_VAR) {
                kv[k] = in->cols[keyexprs[k]->u.slot];
                continue;
            }
            kv[k] = mem_alloc(o->scratch, sizeof(value_t) * (size_t)in->nrows);
            if (exec_eval(&o->ec, keyexprs[k], in, NULL, in->nrows, kv[k]) < 0)
                return -1;
        }
        for (int r = 0; r < in->nrows; r++) {
            for (int c = 0; c < nc; c++)
                row[c] = in->cols[c][r];
            for (int k = 0; k < nkeys; k++)
                row[nc + k] = kv[k][r];
            if (worst && cmp_keys(sc, row, worst) >= 0)
                continue;
            if (topn > 0 && topn <= 1024) {
                /* small top-N: a sorted array of at most topn rows, evicted rows reused */
                value_t *slot;
                if (rs->n < (size_t)topn) {
                    if (exec__rows_add(o, rs, row) < 0)
                        return -1;
                    slot = rs->rows[rs->n - 1];
                } else {
                    slot = rs->rows[rs->n - 1];
                    for (int c = 0; c < rs->ncols; c++)
                        value_copy(o->arena, rs->types[c], &slot[c], &row[c]);
                }
                size_t i = rs->n - 1;
                while (i > 0 && cmp_keys(sc, rs->rows[i - 1], slot) > 0) {
                    rs->rows[i] = rs->rows[i - 1];
                    i--;
                }
                rs->rows[i] = slot;
                if (rs->n == (size_t)topn)
                    worst = rs->rows[rs->n - 1];
                continue;
            }
            if (exec__rows_add(o, rs, row) < 0)
                return -1;
        }
        if (cut && topn > 1024 && rs->n >= cut) {
            /* keep the best topn; the dropped rows' memory is reclaimed with the run */
            qsort_r(rs->rows, rs->n, sizeof(value_t *), qcmp, sc);
            rs->n = (size_t)topn;
            worst = topn > 0 ? rs->rows[topn - 1] : NULL;
        }
    }
}

typedef struct sort_st {
    exec_rows_t rows;
    bool sorted;
    size_t pos;
    sortctx_t sc;
} sort_st_t;

static int sort_next(op_t *o, exec_batch_t **out)
{
    sort_st_t *st = o->st;
    const exec_plan_t *p = o->plan;
    if (!st->sorted) {
        st->sorted = true;
        exec_expr_t **ke = mem_alloc(o->arena, sizeof(exec_expr_t *) * (size_t)(p->u.sort.nkeys + 1));
        type_oid_t *kt = mem_alloc(o->arena, sizeof(type_oid_t) * (size_t)(p->u.sort.nkeys + 1));
        for (int k = 0; k < p->u.sort.nkeys; k++) {
            ke[k] = p->u.sort.keys[k].expr;
            kt[k] = ke[k]->type;
        }
        st->sc.nkeys = p->u.sort.nkeys;
        st->sc.base = o->left->plan->ncols;
        st->sc.keys = p->u.sort.keys;
        st->sc.types = kt;
        if (materialize_topn(o, p->u.sort.nkeys, ke, &st->rows, p->u.sort.limit, &st->sc) < 0)
            return -1;
        if (st->rows.n > 1)
            qsort_r(st->rows.rows, st->rows.n, sizeof(value_t *), qcmp, &st->sc);
    }
    exec__emit_rows(o, &st->rows, &st->pos);
    *out = o->out.nrows ? &o->out : NULL;
    return 0;
}

op_t *exec__build_sort(exec_run_t *r, const exec_plan_t *p)
{
    op_t *o = exec__op_new(r, p, sizeof(sort_st_t));
    o->next = sort_next;
    o->left = exec__build(r, p->left);
    return o;
}

/* ---- window functions ---- */

typedef struct win_st {
    exec_rows_t rows;
    bool done;
    size_t pos;
    value_t **results; /* per function, per row */
    int npart, norder;
    sortctx_t part_sc, order_sc, all_sc;
} win_st_t;

static bool same_part(win_st_t *st, const value_t *a, const value_t *b)
{
    return st->npart == 0 || cmp_keys(&st->part_sc, a, b) == 0;
}

static bool peers(win_st_t *st, const value_t *a, const value_t *b)
{
    return st->norder == 0 || cmp_keys(&st->order_sc, a, b) == 0;
}

/* compute - the window functions over one partition rows[b..e). */
static int win_partition(op_t *o, win_st_t *st, size_t b, size_t e)
{
    const exec_plan_t *p = o->plan;
    value_t **rows = st->rows.rows;
    int nc = o->left->plan->ncols;
    /* peer group bounds per row */
    size_t *pstart = exec__alloc(o, sizeof(size_t) * (e - b + 1));
    size_t *pend = exec__alloc(o, sizeof(size_t) * (e - b + 1));
    if (!pstart || !pend)
        return -1;
    for (size_t i = b; i < e;) {
        size_t j = i + 1;
        while (j < e && peers(st, rows[i], rows[j]))
            j++;
        for (size_t k = i; k < j; k++) {
            pstart[k - b] = i;
            pend[k - b] = j;
        }
        i = j;
    }
    for (int f = 0; f < p->u.window.nfuncs; f++) {
        const exec_winfunc_t *wf = &p->u.window.funcs[f];
        value_t *res = st->results[f];
        /* evaluate arguments per row of the partition */
        value_t *args[3] = { NULL, NULL, NULL };
        bool *skip = NULL; /* rows the aggregate's FILTER rejects */
        if (wf->filter) {
            skip = exec__alloc(o, sizeof(bool) * (e - b + 1));
            if (!skip)
                return -1;
            for (size_t i = b; i < e; i++) {
                value_t fv;
                if (exec_eval_row(&o->ec, wf->filter, rows[i], nc, &fv) < 0)
                    return -1;
                skip[i - b] = fv.isnull || !fv.u.i;
            }
        }
        for (int a = 0; a < wf->nargs && a < 3; a++) {
            args[a] = exec__alloc(o, sizeof(value_t) * (e - b + 1));
            if (!args[a])
                return -1;
            for (size_t i = b; i < e; i++)
                if (exec_eval_row(&o->ec, wf->args[a], rows[i], nc, &args[a][i - b]) < 0)
                    return -1;
        }
        const char *nm = wf->name;
        if (wf->agg) {
            void *state = exec__alloc(o, wf->agg->state_size ? wf->agg->state_size : 8);
            if (!state)
                return -1;
            memset(state, 0, wf->agg->state_size ? wf->agg->state_size : 8);
            type_oid_t at = wf->nargs > 0 ? wf->args[0]->type : 0;
            bool whole = wf->frame == 1 || (wf->frame == 0 && st->norder == 0);
            size_t fed = b;
            for (size_t i = b; i < e; i++) {
                size_t upto = whole ? e : wf->frame == 2 ? i + 1 : pend[i - b];
                while (fed < upto) {
                    value_t v0 = wf->nargs > 0 ? args[0][fed - b] : value_null();
                    value_t v1 = wf->nargs > 1 ? args[1][fed - b] : value_null();
                    int rc;
                    if (skip && skip[fed - b])
                        rc = 0;
                    else if (wf->agg->step2)
                        rc = wf->agg->step2(state, at, &v0, &v1, o->arena, o->run->err);
                    else if (wf->agg->strict && !wf->star && v0.isnull)
                        rc = 0;
                    else
                        rc = wf->agg->step(state, at, &v0, o->arena, o->run->err);
                    if (rc < 0)
                        return -1;
                    fed++;
                }
                res[i].isnull = false;
                if (wf->agg->final(state, at, wf->ret, o->arena, &res[i], o->run->err) < 0)
                    return -1;
            }
            continue;
        }
        int64_t n = (int64_t)(e - b);
        int64_t rank = 1, dense = 0;
        for (size_t i = b; i < e; i++) {
            value_t *r = &res[i];
            r->isnull = false;
            int64_t idx = (int64_t)(i - b);
            if (i == b || !peers(st, rows[i - 1], rows[i])) {
                rank = idx + 1;
                dense++;
            }
            if (!strcmp(nm, "row_number")) {
                r->u.i = idx + 1;
            } else if (!strcmp(nm, "rank")) {
                r->u.i = rank;
            } else if (!strcmp(nm, "dense_rank")) {
                r->u.i = dense;
            } else if (!strcmp(nm, "percent_rank")) {
                r->u.f = n > 1 ? (double)(rank - 1) / (double)(n - 1) : 0.0;
            } else if (!strcmp(nm, "cume_dist")) {
                r->u.f = (double)(pend[i - b] - b) / (double)n;
            } else if (!strcmp(nm, "ntile")) {
                int64_t buckets = args[0] && !args[0][idx].isnull ? args[0][idx].u.i : 1;
                if (buckets <= 0)
                    return err_set(o->run->err, "2201G", "argument of ntile must be greater than zero");
                int64_t per = n / buckets, extra = n % buckets;
                /* the first `extra` buckets get one more row */
                int64_t bound = extra * (per + 1);
                r->u.i = idx < bound ? idx / (per + 1) + 1 : (per ? (idx - bound) / per + extra + 1 : extra + 1);
            } else if (!strcmp(nm, "lag") || !strcmp(nm, "lead")) {
                int64_t off = wf->nargs > 1 && !args[1][idx].isnull ? args[1][idx].u.i : 1;
                int64_t j = !strcmp(nm, "lag") ? idx - off : idx + off;
                if (j >= 0 && j < n)
                    *r = args[0][j];
                else if (wf->nargs > 2)
                    *r = args[2][idx];
                else
                    r->isnull = true;
            } else if (!strcmp(nm, "first_value")) {
                *r = args[0][0];
            } else if (!strcmp(nm, "last_value")) {
                size_t last = (wf->frame == 1 || st->norder == 0) ? e - 1 : wf->frame == 2 ? i : pend[idx] - 1;
                *r = args[0][last - b];
            } else if (!strcmp(nm, "nth_value")) {
                int64_t k = args[1][idx].isnull ? 0 : args[1][idx].u.i;
                size_t last = (wf->frame == 1 || st->norder == 0) ? e - 1 : wf->frame == 2 ? i : pend[idx] - 1;
                if (k <= 0)
                    return err_set(o->run->err, "2201H", "argument of nth_value must be greater than zero");
                if ((size_t)(k - 1) + b <= last)
                    *r = args[0][k - 1];
                else
                    r->isnull = true;
            } else {
                return err_set(o->run->err, ERRCODE_FEATURE_NOT_SUPPORTED, "window function %s is not supported", nm);
            }
        }
    }
    return 0;
}

static int window_next(op_t *o, exec_batch_t **out)
{
    win_st_t *st = o->st;
    const exec_plan_t *p = o->plan;
    int nc = o->left->plan->ncols;
    if (!st->done) {
        st->done = true;
        int np = p->u.window.npart, no = p->u.window.norder;
        exec_expr_t **ke = mem_alloc(o->arena, sizeof(exec_expr_t *) * (size_t)(np + no + 1));
        exec_sortkey_t *keys = mem_alloc0(o->arena, sizeof(exec_sortkey_t) * (size_t)(np + no + 1));
        type_oid_t *kt = mem_alloc(o->arena, sizeof(type_oid_t) * (size_t)(np + no + 1));
        for (int k = 0; k < np; k++) {
            ke[k] = p->u.window.part[k];
            keys[k].expr = ke[k];
        }
        for (int k = 0; k < no; k++) {
            ke[np + k] = p->u.window.order[k].expr;
            keys[np + k] = p->u.window.order[k];
        }
        for (int k = 0; k < np + no; k++)
            kt[k] = ke[k]->type;
        if (materialize(o, np + no, ke, &st->rows) < 0)
            return -1;
        st->npart = np;
        st->norder = no;
        st->all_sc = (sortctx_t){ np + no, nc, keys, kt };
        st->part_sc = (sortctx_t){ np, nc, keys, kt };
        st->order_sc = (sortctx_t){ no, nc + np, keys + np, kt + np };
        if (st->rows.n > 1 && np + no > 0)
            qsort_r(st->rows.rows, st->rows.n, sizeof(value_t *), qcmp, &st->all_sc);
        st->results = mem_alloc(o->arena, sizeof(value_t *) * (size_t)(p->u.window.nfuncs + 1));
        for (int f = 0; f < p->u.window.nfuncs; f++) {
            st->results[f] = exec__alloc(o, sizeof(value_t) * (st->rows.n + 1));
            if (!st->results[f])
                return -1;
        }
        for (size_t i = 0; i < st->rows.n;) {
            size_t j = i + 1;
            while (j < st->rows.n && same_part(st, st->rows.rows[i], st->rows.rows[j]))
                j++;
            if (win_partition(o, st, i, j) < 0)
                return -1;
            i = j;
        }
    }
    int n = 0;
    while (st->pos < st->rows.n && n < EXEC_BATCH_ROWS) {
        const value_t *row = st->rows.rows[st->pos];
        for (int c = 0; c < nc; c++)
            o->out.cols[c][n] = row[c];
        for (int f = 0; f < p->u.window.nfuncs; f++)
            o->out.cols[nc + f][n] = st->results[f][st->pos];
        st->pos++;
        n++;
    }
    o->out.nrows = n;
    *out = n ? &o->out : NULL;
    return 0;
}

op_t *exec__build_window(exec_run_t *r, const exec_plan_t *p)
{
    op_t *o = exec__op_new(r, p, sizeof(win_st_t));
    o->next = window_next;
    o->left = exec__build(r, p->left);
    return o;
}
