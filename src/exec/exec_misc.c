/*
 * exec_misc.c - functions in FROM (function scan, WITH ORDINALITY, record
 * results expanded into columns) and set-returning functions in the select
 * list (ProjectSet).
 *
 * A function scan evaluates its arguments once per run (references to
 * earlier FROM items go through a lateral join, whose right side is re-run
 * per row), then pulls rows from the function's iterator batch by batch
 * without materializing the series. ProjectSet collects each call's rows
 * for one input row and emits them in lockstep.
 */
#include "exec_int.h"

#include <string.h>

#include "types/record.h"
#include "types/value.h"

typedef struct fscan_st {
    bool started, done;
    value_t *args;
    exec_srf_state_t srf;
    int64_t ord;
} fscan_st_t;

/* call_row - the next value of the scan's call: a set-returning function's
 * next row, or the single value of any other function. 1 a value, 0 done. */
static int call_row(op_t *o, fscan_st_t *st, value_t *v)
{
    const exec_expr_t *call = o->plan->u.func.call;
    const exec_func_t *fn = call->u.fn;
    if (!(fn->flags & EXEC_FN_SETOF)) {
        if (st->srf.pos++ > 0)
            return 0;
        return exec_eval_const(&o->ec, call, v) < 0 ? -1 : 1;
    }
    exec_fctx_t fc = { o->scratch, o->run->err, o->run->sess, call, call->nargs };
    v->isnull = false;
    v->u.i = 0;
    return exec_func_ext(fn)->srf(&fc, st->args, &st->srf, v);
}

static int fscan_next(op_t *o, exec_batch_t **out)
{
    fscan_st_t *st = o->st;
    const exec_plan_t *p = o->plan;
    const exec_expr_t *call = p->u.func.call;
    mem_arena_reset(o->scratch);
    if (!st->started) {
        st->started = true;
        /* arguments are evaluated once, into the op's arena (they outlive batches) */
        exec_ectx_t ec = o->ec;
        ec.arena = o->arena;
        st->args = mem_alloc0(o->arena, sizeof(value_t) * (size_t)(call->nargs + 1));
        for (int i = 0; i < call->nargs; i++) {
            if (exec_eval_const(&ec, call->args[i], &st->args[i]) < 0)
                return -1;
            if (st->args[i].isnull && (call->u.fn->flags & EXEC_FN_SETOF) && (call->u.fn->flags & EXEC_FN_STRICT))
                st->done = true;
        }
    }
    int n = 0, nout = p->ncols - (p->u.func.ordinality ? 1 : 0);
    while (!st->done && n < EXEC_BATCH_ROWS) {
        value_t v;
        int rc = call_row(o, st, &v);
        if (rc < 0)
            return -1;
        if (rc == 0) {
            st->done = true;
            break;
        }
        if (p->u.func.expand) {
            /* a record's fields are the columns; a NULL record gives NULLs */
            for (int c = 0; c < nout; c++)
                o->out.cols[c][n] = v.isnull ? value_null() : v.u.rec->vals[c];
        } else {
            o->out.cols[0][n] = v;
        }
        if (p->u.func.ordinality)
            o->out.cols[nout][n] = value_int(++st->ord);
        n++;
    }
    o->out.nrows = n;
    *out = n ? &o->out : NULL;
    return 0;
}

op_t *exec__build_funcscan(exec_run_t *r, const exec_plan_t *p)
{
    op_t *o = exec__op_new(r, p, sizeof(fscan_st_t));
    o->next = fscan_next;
    return o;
}

/* ---- WITH RECURSIVE ---- */

/* The rows of a recursive CTE's previous iteration, found by id up the runs. */
struct worktab {
    struct worktab *next;
    int id;
    const exec_rows_t *rows;
};

typedef struct rec_st {
    struct worktab wt;
    exec_rows_t rows[2];   /* the iteration being read (cur) and the one being made */
    mem_arena_t *arenas[2];
    int cur;
    size_t pos;            /* next row of rows[!cur] to emit */
    bool left_done, done;
    htab_t seen;           /* UNION: every row produced so far */
    mem_arena_t *child;    /* the recursive term's run, one per iteration */
} rec_st_t;

/* rec_collect - the rows of one term into the new iteration (UNION drops
 * rows seen before), all at once: the term reads the previous iteration. */
static int rec_collect(op_t *o, rec_st_t *st, op_t *src)
{
    const exec_plan_t *p = o->plan;
    exec_rows_t *dst = &st->rows[!st->cur];
    op_t store = *o; /* the iteration's rows live in its own arena */
    store.arena = st->arenas[!st->cur];
    value_t *row = mem_alloc(o->arena, sizeof(value_t) * (size_t)(p->ncols + 1));
    for (;;) {
        exec_batch_t *b;
        if (src->next(src, &b) < 0)
            return -1;
        if (!b)
            return 0;
        if (exec__check(o) < 0)
            return -1;
        for (int i = 0; i < b->nrows; i++) {
            exec__batch_row(b, i, row);
            if (!p->u.recursive.all) {
                bool created;
                uint64_t h = exec__hash_keys(p->ncols, p->types, row);
                if (!exec__ht_find_or_add(o, &st->seen, row, h, &created))
                    return -1;
                if (!created)
                    continue;
            }
            if (exec__rows_add(&store, dst, row) < 0)
                return -1;
        }
    }
}

static int rec_next(op_t *o, exec_batch_t **out)
{
    rec_st_t *st = o->st;
    const exec_plan_t *p = o->plan;
    if (!p->u.recursive.all && !st->seen.slots && exec__ht_init(o, &st->seen, p->ncols, p->types) < 0)
        return -1;
    for (;;) {
        exec_rows_t *made = &st->rows[!st->cur];
        if (st->pos < made->n) {
            exec__emit_rows(o, made, &st->pos);
            *out = &o->out;
            return 0;
        }
        if (st->done) {
            *out = NULL;
            return 0;
        }
        if (st->left_done && made->n == 0) {
            st->done = true;
            continue;
        }
        if (st->left_done) {
            /* the rows just emitted become the work table; a fresh one is made */
            st->cur = !st->cur;
            mem_arena_reset(st->arenas[!st->cur]);
            st->rows[!st->cur].n = st->rows[!st->cur].cap = 0;
            st->rows[!st->cur].rows = NULL;
            st->wt.rows = &st->rows[st->cur];
            st->pos = 0;
            mem_arena_reset(st->child);
            exec_run_t *cr = exec__child_run(o->run, st->child, o->ec.outer, o->ec.nouter);
            cr->worktabs = &st->wt;
            if (rec_collect(o, st, exec__build(cr, p->right)) < 0)
                return -1;
            continue;
        }
        st->left_done = true;
        if (rec_collect(o, st, o->left) < 0)
            return -1;
    }
}

op_t *exec__build_recursive(exec_run_t *r, const exec_plan_t *p)
{
    op_t *o = exec__op_new(r, p, sizeof(rec_st_t));
    rec_st_t *st = o->st;
    o->next = rec_next;
    o->left = exec__build(r, p->left);
    st->wt.id = p->u.recursive.id;
    for (int k = 0; k < 2; k++) {
        st->arenas[k] = mem_arena_new(o->arena, "worktable", 0);
        st->rows[k].ncols = p->ncols;
        st->rows[k].types = p->types;
    }
    st->child = mem_arena_new(o->arena, "recursive", 0);
    return o;
}

typedef struct wt_st {
    const exec_rows_t *rows;
    size_t pos;
} wt_st_t;

static int wt_next(op_t *o, exec_batch_t **out)
{
    wt_st_t *st = o->st;
    if (!st->rows) {
        for (exec_run_t *r = o->run; r && !st->rows; r = r->parent)
            for (struct worktab *w = r->worktabs; w && !st->rows; w = w->next)
                if (w->id == o->plan->u.worktable.id)
                    st->rows = w->rows;
        if (!st->rows)
            return err_set(o->run->err, ERRCODE_INTERNAL_ERROR, "work table %d is not running",
                           o->plan->u.worktable.id);
    }
    exec__emit_rows(o, st->rows, &st->pos);
    *out = o->out.nrows ? &o->out : NULL;
    return 0;
}

op_t *exec__build_worktable(exec_run_t *r, const exec_plan_t *p)
{
    op_t *o = exec__op_new(r, p, sizeof(wt_st_t));
    o->next = wt_next;
    return o;
}

op_t *exec__build_material(exec_run_t *r, const exec_plan_t *p)
{
    return exec__build(r, p->left);
}

/* ---- set-returning functions in the select list (ProjectSet) ---- */

typedef struct psrf_st {
    exec_batch_t *in;
    int row;            /* next input row */
    int inrow;          /* the input row being expanded */
    bool row_ready;
    value_t **lists;    /* per call: its rows for the current input row */
    int *lens;
    int maxlen, pos;
    mem_arena_t *rowarena;
} psrf_st_t;

/* srf_values - all rows of one set-returning call for one input row, in rowarena. */
static int srf_values(op_t *o, psrf_st_t *st, const exec_expr_t *e, const value_t *row, int ncols, value_t **out,
                      int *n)
{
    exec_ectx_t ec = o->ec;
    ec.arena = st->rowarena;
    value_t *args = mem_alloc0(st->rowarena, sizeof(value_t) * (size_t)(e->nargs + 1));
    *n = 0;
    for (int i = 0; i < e->nargs; i++) {
        if (exec_eval_row(&ec, e->args[i], row, ncols, &args[i]) < 0)
            return -1;
        if (args[i].isnull && (e->u.fn->flags & EXEC_FN_STRICT))
            return 0;
    }
    exec_fctx_t fc = { st->rowarena, o->run->err, o->run->sess, e, e->nargs };
    exec_srf_state_t ss = { 0 };
    int cap = 16, k = 0;
    value_t *vals = mem_alloc(st->rowarena, sizeof(value_t) * (size_t)cap);
    for (;;) {
        if (k == cap) {
            value_t *nv = mem_alloc_try(st->rowarena, sizeof(value_t) * (size_t)cap * 2);
            if (!nv)
                return exec__nomem(o);
            memcpy(nv, vals, sizeof(value_t) * (size_t)k);
            vals = nv;
            cap *= 2;
        }
        vals[k].isnull = false;
        vals[k].u.i = 0;
        int rc = exec_func_ext(e->u.fn)->srf(&fc, args, &ss, &vals[k]);
        if (rc < 0)
            return -1;
        if (rc == 0)
            break;
        k++;
        if ((k & 1023) == 0 && exec__check(o) < 0)
            return -1;
    }
    *out = vals;
    *n = k;
    return 0;
}

static int psrf_next(op_t *o, exec_batch_t **out)
{
    psrf_st_t *st = o->st;
    const exec_plan_t *p = o->plan;
    int nin = p->ncols - p->u.psrf.ncalls, n = 0;
    mem_arena_reset(o->scratch);
    while (n == 0) {
        if (!st->row_ready) {
            if (!st->in || st->row >= st->in->nrows) {
                if (o->left->next(o->left, &st->in) < 0)
                    return -1;
                if (!st->in)
                    break;
                st->row = 0;
            }
            mem_arena_reset(st->rowarena);
            value_t *row = mem_alloc(st->rowarena, sizeof(value_t) * (size_t)(nin > 0 ? nin : 1));
            exec__batch_row(st->in, st->row, row);
            st->maxlen = 0;
            for (int c = 0; c < p->u.psrf.ncalls; c++) {
                if (srf_values(o, st, p->u.psrf.calls[c], row, nin, &st->lists[c], &st->lens[c]) < 0)
                    return -1;
                if (st->lens[c] > st->maxlen)
                    st->maxlen = st->lens[c];
            }
            st->pos = 0;
            st->inrow = st->row++;
            st->row_ready = true;
        }
        /* the rows of one input row; its set values live in rowarena, so
         * the batch ends with them */
        while (st->pos < st->maxlen && n < EXEC_BATCH_ROWS) {
            for (int c = 0; c < nin; c++)
                o->out.cols[c][n] = st->in->cols[c][st->inrow];
            for (int c = 0; c < p->u.psrf.ncalls; c++)
                o->out.cols[nin + c][n] = st->pos < st->lens[c] ? st->lists[c][st->pos] : value_null();
            st->pos++;
            n++;
        }
        if (st->pos >= st->maxlen)
            st->row_ready = false;
    }
    o->out.nrows = n;
    *out = n ? &o->out : NULL;
    return 0;
}

op_t *exec__build_project_srf(exec_run_t *r, const exec_plan_t *p)
{
    op_t *o = exec__op_new(r, p, sizeof(psrf_st_t));
    psrf_st_t *st = o->st;
    int nc = p->u.psrf.ncalls;
    o->next = psrf_next;
    o->left = exec__build(r, p->left);
    st->rowarena = mem_arena_new(o->arena, "srfrow", 0);
    st->lists = mem_alloc0(o->arena, sizeof(value_t *) * (size_t)(nc + 1));
    st->lens = mem_alloc0(o->arena, sizeof(int) * (size_t)(nc + 1));
    return o;
}
