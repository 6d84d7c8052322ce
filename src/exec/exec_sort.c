/*
 * exec_sort.c - the sort operator (multi-key, ASC/DESC, NULLS FIRST/LAST)
 * and the window operator (partition, order, ranking and offset functions,
 * aggregates and first/last/nth_value over ROWS, RANGE and GROUPS frames
 * with offsets and EXCLUDE).
 *
 * Both materialize their input in the budgeted query arena: rows are copied
 * with their evaluated sort keys appended, then sorted with a stable merge
 * sort (sort_rows), so equal keys keep input order.
 */
#include "exec_int.h"

#include <stdlib.h>
#include <string.h>

#include "types/datetime.h"
#include "types/numeric.h"
#include "types/value.h"

#define SORT_KIND_KEYS 16

typedef struct sortctx {
    int nkeys;
    int base;               /* keys start at this column of a stored row */
    const exec_sortkey_t *keys;
    const type_oid_t *types;
    /* per key (the first SORT_KIND_KEYS; sort_kinds): how cmp_keys compares
     * it inline; 0 (KEY_OTHER) calls value_cmp */
    uint8_t kind[SORT_KIND_KEYS];
} sortctx_t;

enum { KEY_OTHER = 0, KEY_INT, KEY_TEXT };

/* sort_kinds - fills sc->kind from sc->types */
static void sort_kinds(sortctx_t *sc)
{
    for (int k = 0; k < SORT_KIND_KEYS; k++) {
        type_oid_t t = k < sc->nkeys ? sc->types[k] : TYPE_UNKNOWN;
        sc->kind[k] = t == TYPE_INT2 || t == TYPE_INT4 || t == TYPE_INT8 || t == TYPE_DATE || t == TYPE_TIMESTAMP ||
                              t == TYPE_TIMESTAMPTZ
                          ? KEY_INT
                      : t == TYPE_TEXT || t == TYPE_VARCHAR ? KEY_TEXT
                                                            : KEY_OTHER;
    }
}

/* key_cmp - value_cmp of two non-null values of key k, the common types
 * inline: a sort makes n log n of these */
static inline int key_cmp(const sortctx_t *sc, int k, const value_t *x, const value_t *y)
{
    switch (k < SORT_KIND_KEYS ? sc->kind[k] : KEY_OTHER) {
    case KEY_INT:
        return (x->u.i > y->u.i) - (x->u.i < y->u.i);
    case KEY_TEXT:
        return value_bytes_cmp(x->u.s.p, x->u.s.len, y->u.s.p, y->u.s.len);
    default:
        return value_cmp(sc->types[k], x, y);
    }
}

static inline int cmp_keys(const sortctx_t *sc, const value_t *a, const value_t *b)
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
        c = key_cmp(sc, k, x, y);
        if (c)
            return sc->keys[k].desc ? -c : c;
    }
    return 0;
}

/* sort_rows - a stable sort of rows[0..n) by sc: insertion sort of short
 * runs, then bottom-up merges through tmp (n entries; sort_tmp), so glibc's
 * qsort_r no longer calls the comparator through two function pointers per
 * comparison */
#define SORT_RUN 16
static void sort_rows(value_t **rows, size_t n, const sortctx_t *sc, value_t **tmp)
{
    if (n < 2)
        return;
    for (size_t lo = 0; lo < n; lo += SORT_RUN) {
        size_t hi = n - lo < SORT_RUN ? n : lo + SORT_RUN;
        for (size_t i = lo + 1; i < hi; i++) {
            value_t *v = rows[i];
            size_t j = i;
            for (; j > lo && cmp_keys(sc, rows[j - 1], v) > 0; j--)
                rows[j] = rows[j - 1];
            rows[j] = v;
        }
    }
    if (n <= SORT_RUN)
        return;
    value_t **a = rows, **b = tmp;
    for (size_t w = SORT_RUN; w < n; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = n - lo < w ? n : lo + w, hi = n - lo < 2 * w ? n : lo + 2 * w, i = lo, j = mid, o = lo;
            if (mid < hi && cmp_keys(sc, a[mid - 1], a[mid]) > 0) {
                /* equal keys take the left run's row first: stable */
                while (i < mid && j < hi)
                    b[o++] = cmp_keys(sc, a[j], a[i]) < 0 ? a[j++] : a[i++];
            }
            memcpy(b + o, a + i, (mid - i) * sizeof *a);
            o += mid - i;
            memcpy(b + o, a + j, (hi - j) * sizeof *a);
        }
        value_t **t = a;
        a = b;
        b = t;
    }
    if (a != rows)
        memcpy(rows, a, n * sizeof *rows);
}

/* sort_tmp - sort_rows's scratch for n rows from the query's budget (NULL
 * with 53200 set when over it; not needed for a short input) */
static int sort_tmp(op_t *o, size_t n, value_t ***tmp)
{
    *tmp = NULL;
    if (n <= SORT_RUN)
        return 0;
    *tmp = exec__alloc(o, n * sizeof **tmp);
    return *tmp ? 0 : -1;
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
    value_t **tmp = NULL; /* the cuts' sort scratch, reused */
    size_t ntmp = 0;
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
            if (rs->n > ntmp) {
                if (sort_tmp(o, rs->n, &tmp) < 0)
                    return -1;
                ntmp = rs->n;
            }
            sort_rows(rs->rows, rs->n, sc, tmp);
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
        sort_kinds(&st->sc);
        if (materialize_topn(o, p->u.sort.nkeys, ke, &st->rows, p->u.sort.limit, &st->sc) < 0)
            return -1;
        value_t **tmp;
        if (sort_tmp(o, st->rows.n, &tmp) < 0)
            return -1;
        sort_rows(st->rows.rows, st->rows.n, &st->sc, tmp);
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

/* ---- frames ---- */

/* The frame of one function in one partition. */
typedef struct frame {
    int opts;
    int64_t soff, eoff;     /* ROWS / GROUPS offsets */
    value_t soffv, eoffv;   /* RANGE offsets */
    int keycol;             /* stored column of the (single) ORDER BY key */
    type_oid_t keytype;
    bool desc, nulls_first;
    size_t b, e;            /* the partition */
    const size_t *pstart, *pend; /* peer group bounds per row (index - b) */
    const size_t *gno;      /* peer group number per row */
    const size_t *gstart;   /* first row of each peer group */
    size_t ngroups;
} frame_t;

/* range_cmp - sign of key - (base + sign * off) for RANGE offsets, in the
 * key's own arithmetic (no overflow: ints in 128 bits, dates as timestamps). */
static int range_cmp(op_t *o, const frame_t *f, const value_t *key, const value_t *base, const value_t *off, int sign,
                     int *out)
{
    switch (f->keytype) {
    case TYPE_INT2:
    case TYPE_INT4:
    case TYPE_INT8: {
        __int128 d = (__int128)key->u.i - ((__int128)base->u.i + (__int128)sign * off->u.i);
        *out = (d > 0) - (d < 0);
        return 0;
    }
    case TYPE_FLOAT4:
    case TYPE_FLOAT8: {
        double d = key->u.f - (base->u.f + sign * off->u.f);
        *out = (d > 0) - (d < 0);
        return 0;
    }
    case TYPE_NUMERIC: {
        const type_numeric_t *bound;
        if ((sign > 0 ? numeric_add : numeric_sub)(o->scratch, base->u.num, off->u.num, &bound, o->run->err) < 0)
            return -1;
        *out = numeric_cmp(key->u.num, bound);
        return 0;
    }
    case TYPE_DATE:
    case TYPE_TIMESTAMP:
    case TYPE_TIMESTAMPTZ: {
        int64_t k = key->u.i, bt = base->u.i, bound;
        if (f->keytype == TYPE_DATE) {
            k *= INT64_C(86400000000);
            bt *= INT64_C(86400000000);
        }
        type_interval_t iv = off->u.iv;
        if (sign < 0) {
            iv.months = -iv.months;
            iv.days = -iv.days;
            iv.micros = -iv.micros;
        }
        if (dt_ts_add_interval(bt, &iv, &bound, o->run->err) < 0)
            return -1;
        *out = (k > bound) - (k < bound);
        return 0;
    }
    default:
        return err_set(o->run->err, ERRCODE_FEATURE_NOT_SUPPORTED,
                       "RANGE with offset PRECEDING/FOLLOWING is not supported for this column type");
    }
}

/* range_before - whether row j lies before key_i + sign * off in the sort
 * order (strictly, or also equal when incl): the binary searches below need
 * a predicate that is true for a prefix of the partition. */
static int range_before(op_t *o, const frame_t *f, const value_t *kj, const value_t *ki, const value_t *off, int sign,
                        bool incl, bool *out)
{
    if (kj->isnull) {
        *out = f->nulls_first; /* NULLs sort before or after every value */
        return 0;
    }
    int c = 0;
    if (range_cmp(o, f, kj, ki, off, f->desc ? -sign : sign, &c) < 0)
        return -1;
    if (f->desc)
        c = -c;
    *out = incl ? c <= 0 : c < 0;
    return 0;
}

/* range_search - the first row of [b, e) for which range_before is false. */
static int range_search(op_t *o, const frame_t *f, value_t **rows, const value_t *ki, const value_t *off, int sign,
                        bool incl, size_t *out)
{
    size_t lo = f->b, hi = f->e;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        bool before;
        if (range_before(o, f, &rows[mid][f->keycol], ki, off, sign, incl, &before) < 0)
            return -1;
        if (before)
            lo = mid + 1;
        else
            hi = mid;
    }
    *out = lo;
    return 0;
}

static size_t clamp(int64_t v, size_t b, size_t e)
{
    return v < (int64_t)b ? b : v > (int64_t)e ? e : (size_t)v;
}

/* frame_bounds - the frame [*fs, *fe) of row i. */
static int frame_bounds(op_t *o, const frame_t *f, value_t **rows, size_t i, size_t *fs, size_t *fe)
{
    size_t b = f->b, e = f->e, k = i - b;
    int opts = f->opts;
    int64_t ii = (int64_t)i;
    const value_t *ki = &rows[i][f->keycol];
    if (opts & EXEC_FRAME_START_UNBOUNDED_PRECEDING)
        *fs = b;
    else if (opts & EXEC_FRAME_START_CURRENT_ROW)
        *fs = (opts & EXEC_FRAME_ROWS) ? i : f->pstart[k];
    else if (opts & EXEC_FRAME_ROWS)
        *fs = clamp(opts & EXEC_FRAME_START_OFFSET_PRECEDING ? ii - f->soff : ii + f->soff, b, e);
    else if (opts & EXEC_FRAME_GROUPS) {
        int64_t g = (int64_t)f->gno[k] + (opts & EXEC_FRAME_START_OFFSET_PRECEDING ? -f->soff : f->soff);
        *fs = g < 0 ? b : g >= (int64_t)f->ngroups ? e : f->gstart[g];
    } else if (ki->isnull) {
        *fs = f->pstart[k];
    } else if (range_search(o, f, rows, ki, &f->soffv, opts & EXEC_FRAME_START_OFFSET_PRECEDING ? -1 : 1, false, fs) <
               0) {
        return -1;
    }
    if (opts & EXEC_FRAME_END_UNBOUNDED_FOLLOWING)
        *fe = e;
    else if (opts & EXEC_FRAME_END_CURRENT_ROW)
        *fe = (opts & EXEC_FRAME_ROWS) ? i + 1 : f->pend[k];
    else if (opts & EXEC_FRAME_ROWS)
        *fe = clamp((opts & EXEC_FRAME_END_OFFSET_PRECEDING ? ii - f->eoff : ii + f->eoff) + 1, b, e);
    else if (opts & EXEC_FRAME_GROUPS) {
        int64_t g = (int64_t)f->gno[k] + (opts & EXEC_FRAME_END_OFFSET_PRECEDING ? -f->eoff : f->eoff);
        *fe = g < 0 ? b : g + 1 >= (int64_t)f->ngroups ? e : f->gstart[g + 1];
    } else if (ki->isnull) {
        *fe = f->pend[k];
    } else if (range_search(o, f, rows, ki, &f->eoffv, opts & EXEC_FRAME_END_OFFSET_PRECEDING ? -1 : 1, true, fe) <
               0) {
        return -1;
    }
    if (*fe < *fs)
        *fe = *fs;
    return 0;
}

/* excluded - whether row j of row i's frame is left out by EXCLUDE. */
static bool excluded(const frame_t *f, size_t i, size_t j)
{
    if (f->opts & EXEC_FRAME_EXCLUDE_CURRENT_ROW)
        return j == i;
    if (f->opts & (EXEC_FRAME_EXCLUDE_GROUP | EXEC_FRAME_EXCLUDE_TIES)) {
        bool peer = j >= f->pstart[i - f->b] && j < f->pend[i - f->b];
        return peer && ((f->opts & EXEC_FRAME_EXCLUDE_GROUP) || j != i);
    }
    return false;
}

/* frame_offset - a ROWS / GROUPS offset: a non-negative, non-NULL count. */
static int frame_offset(op_t *o, const exec_expr_t *x, bool start, bool range, value_t *v)
{
    if (exec_eval_const(&o->ec, x, v) < 0)
        return -1;
    if (v->isnull)
        return err_set(o->run->err, ERRCODE_NULL_VALUE_NOT_ALLOWED, "frame %s offset must not be null",
                       start ? "starting" : "ending");
    bool neg = false;
    switch (x->type) {
    case TYPE_FLOAT4:
    case TYPE_FLOAT8:
        neg = v->u.f < 0;
        break;
    case TYPE_NUMERIC:
        neg = numeric_sign(v->u.num) < 0;
        break;
    case TYPE_INTERVAL:
        neg = v->u.iv.months < 0 || v->u.iv.days < 0 || v->u.iv.micros < 0;
        break;
    default:
        neg = v->u.i < 0;
        break;
    }
    if (neg && range)
        return err_set(o->run->err, "22013", "invalid preceding or following size in window function");
    if (neg)
        return err_set(o->run->err, "22013", "frame %s offset must not be negative", start ? "starting" : "ending");
    return 0;
}

/* agg_over - the aggregate of wf over rows [fs, fe) of the partition (except
 * the excluded ones of row i), into *res (copied into o's arena). */
static int agg_over(op_t *o, const exec_winfunc_t *wf, const frame_t *f, value_t *const *args, const bool *skip,
                    size_t i, size_t fs, size_t fe, mem_arena_t *tmp, value_t *res)
{
    size_t ss = wf->agg->state_size ? wf->agg->state_size : 8;
    void *state = mem_alloc_try(tmp, ss);
    if (!state)
        return exec__nomem(o);
    memset(state, 0, ss);
    type_oid_t at = wf->nargs > 0 ? wf->args[0]->type : 0;
    size_t b = f->b;
    for (size_t j = fs; j < fe; j++) {
        if (excluded(f, i, j) || (skip && skip[j - b]))
            continue;
        value_t v0 = wf->nargs > 0 ? args[0][j - b] : value_null();
        value_t v1 = wf->nargs > 1 ? args[1][j - b] : value_null();
        int rc;
        if (wf->agg->step2)
            rc = wf->agg->step2(state, at, &v0, &v1, tmp, o->run->err);
        else if (wf->agg->strict && !wf->star && v0.isnull)
            rc = 0;
        else
            rc = wf->agg->step(state, at, &v0, tmp, o->run->err);
        if (rc < 0)
            return -1;
    }
    value_t v = { 0 };
    if (wf->agg->final(state, at, wf->ret, tmp, &v, o->run->err) < 0)
        return -1;
    value_copy(o->arena, wf->ret, res, &v);
    return 0;
}

/* compute - the window functions over one partition rows[b..e). */
static int win_partition(op_t *o, win_st_t *st, size_t b, size_t e)
{
    const exec_plan_t *p = o->plan;
    value_t **rows = st->rows.rows;
    int nc = o->left->plan->ncols;
    /* peer group bounds and numbers per row */
    size_t *pstart = exec__alloc(o, sizeof(size_t) * (e - b + 1));
    size_t *pend = exec__alloc(o, sizeof(size_t) * (e - b + 1));
    size_t *gno = exec__alloc(o, sizeof(size_t) * (e - b + 1));
    size_t *gstart = exec__alloc(o, sizeof(size_t) * (e - b + 1));
    if (!pstart || !pend || !gno || !gstart)
        return -1;
    size_t ng = 0;
    for (size_t i = b; i < e;) {
        size_t j = i + 1;
        while (j < e && peers(st, rows[i], rows[j]))
            j++;
        gstart[ng] = i;
        for (size_t k = i; k < j; k++) {
            pstart[k - b] = i;
            pend[k - b] = j;
            gno[k - b] = ng;
        }
        ng++;
        i = j;
    }
    mem_arena_t *tmp = mem_arena_new(o->arena, "frame", 0);
    for (int fi = 0; fi < p->u.window.nfuncs; fi++) {
        const exec_winfunc_t *wf = &p->u.window.funcs[fi];
        value_t *res = st->results[fi];
        frame_t f = { 0 };
        f.opts = wf->frame ? wf->frame : EXEC_FRAME_DEFAULT;
        f.b = b;
        f.e = e;
        f.pstart = pstart;
        f.pend = pend;
        f.gno = gno;
        f.gstart = gstart;
        f.ngroups = ng;
        if (st->norder > 0) {
            f.keycol = nc + st->npart;
            f.keytype = p->u.window.order[0].expr->type;
            f.desc = p->u.window.order[0].desc;
            f.nulls_first = p->u.window.order[0].nulls_first;
        }
        bool range = (f.opts & (EXEC_FRAME_ROWS | EXEC_FRAME_GROUPS)) == 0;
        if (wf->start_off) {
            if (frame_offset(o, wf->start_off, true, range, &f.soffv) < 0)
                goto fail;
            f.soff = f.soffv.u.i;
        }
        if (wf->end_off) {
            if (frame_offset(o, wf->end_off, false, range, &f.eoffv) < 0)
                goto fail;
            f.eoff = f.eoffv.u.i;
        }
        /* evaluate arguments per row of the partition */
        value_t *args[3] = { NULL, NULL, NULL };
        bool *skip = NULL; /* rows the aggregate's FILTER rejects */
        if (wf->filter) {
            skip = exec__alloc(o, sizeof(bool) * (e - b + 1));
            if (!skip)
                goto fail;
            for (size_t i = b; i < e; i++) {
                value_t fv;
                if (exec_eval_row(&o->ec, wf->filter, rows[i], nc, &fv) < 0)
                    goto fail;
                skip[i - b] = fv.isnull || !fv.u.i;
            }
        }
        for (int a = 0; a < wf->nargs && a < 3; a++) {
            args[a] = exec__alloc(o, sizeof(value_t) * (e - b + 1));
            if (!args[a])
                goto fail;
            for (size_t i = b; i < e; i++)
                if (exec_eval_row(&o->ec, wf->args[a], rows[i], nc, &args[a][i - b]) < 0)
                    goto fail;
        }
        const char *nm = wf->name;
        bool excl = (f.opts & (EXEC_FRAME_EXCLUDE_CURRENT_ROW | EXEC_FRAME_EXCLUDE_GROUP | EXEC_FRAME_EXCLUDE_TIES)) != 0;
        if (wf->agg && (f.opts & EXEC_FRAME_START_UNBOUNDED_PRECEDING) && !excl) {
            /* frames that only grow: fold each row once */
            void *state = exec__alloc(o, wf->agg->state_size ? wf->agg->state_size : 8);
            if (!state)
                goto fail;
            memset(state, 0, wf->agg->state_size ? wf->agg->state_size : 8);
            type_oid_t at = wf->nargs > 0 ? wf->args[0]->type : 0;
            size_t fed = b;
            for (size_t i = b; i < e; i++) {
                size_t fs, upto;
                if (frame_bounds(o, &f, rows, i, &fs, &upto) < 0)
                    goto fail;
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
                        goto fail;
                    fed++;
                }
                res[i].isnull = false;
                if (wf->agg->final(state, at, wf->ret, o->arena, &res[i], o->run->err) < 0)
                    goto fail;
            }
            continue;
        }
        if (wf->agg) {
            /* moving frames: each row's frame folded afresh (the same frame reuses the result) */
            size_t pfs = 0, pfe = 0;
            for (size_t i = b; i < e; i++) {
                size_t fs, fe;
                if (frame_bounds(o, &f, rows, i, &fs, &fe) < 0)
                    goto fail;
                if (i > b && !excl && fs == pfs && fe == pfe) {
                    res[i] = res[i - 1];
                    continue;
                }
                mem_arena_reset(tmp);
                if (agg_over(o, wf, &f, args, skip, i, fs, fe, tmp, &res[i]) < 0)
                    goto fail;
                pfs = fs;
                pfe = fe;
                if (((i - b) & 1023) == 1023 && exec__check(o) < 0)
                    goto fail;
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
                if (buckets <= 0) {
                    err_set(o->run->err, "2201G", "argument of ntile must be greater than zero");
                    goto fail;
                }
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
            } else if (!strcmp(nm, "first_value") || !strcmp(nm, "last_value") || !strcmp(nm, "nth_value")) {
                /* the frame's first, last or k-th row that EXCLUDE leaves */
                size_t fs, fe;
                if (frame_bounds(o, &f, rows, i, &fs, &fe) < 0)
                    goto fail;
                int64_t want = 1;
                if (!strcmp(nm, "nth_value")) {
                    if (args[1][idx].isnull) {
                        r->isnull = true;
                        continue;
                    }
                    want = args[1][idx].u.i;
                    if (want <= 0) {
                        err_set(o->run->err, "2201H", "argument of nth_value must be greater than zero");
                        goto fail;
                    }
                }
                bool last = !strcmp(nm, "last_value");
                r->isnull = true;
                int64_t seen = 0;
                for (size_t j = last ? fe : fs; last ? j > fs : j < fe; last ? j-- : j++) {
                    size_t jj = last ? j - 1 : j;
                    if (excluded(&f, i, jj))
                        continue;
                    if (last || ++seen == want) {
                        *r = args[0][jj - b];
                        break;
                    }
                }
            } else {
                err_set(o->run->err, ERRCODE_FEATURE_NOT_SUPPORTED, "window function %s is not supported", nm);
                goto fail;
            }
        }
    }
    mem_arena_free(tmp);
    return 0;
fail:
    mem_arena_free(tmp);
    return -1;
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
        st->all_sc = (sortctx_t){ .nkeys = np + no, .base = nc, .keys = keys, .types = kt };
        st->part_sc = (sortctx_t){ .nkeys = np, .base = nc, .keys = keys, .types = kt };
        st->order_sc = (sortctx_t){ .nkeys = no, .base = nc + np, .keys = keys + np, .types = kt + np };
        sort_kinds(&st->all_sc);
        sort_kinds(&st->part_sc);
        sort_kinds(&st->order_sc);
        if (np + no > 0) {
            value_t **tmp;
            if (sort_tmp(o, st->rows.n, &tmp) < 0)
                return -1;
            sort_rows(st->rows.rows, st->rows.n, &st->all_sc, tmp);
        }
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
