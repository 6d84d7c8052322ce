/*
 * exec_misc.c - set-returning functions in FROM (generate_series over
 * integers and timestamps, unnest of an array, WITH ORDINALITY).
 *
 * Arguments are evaluated once per run (they cannot reference FROM items;
 * LATERAL is not supported), then rows are generated batch by batch without
 * materializing the series.
 */
#include "exec_int.h"

#include <string.h>
#include <strings.h>

#include "types/array.h"
#include "types/value.h"
#include "types/datetime.h"

typedef struct fscan_st {
    bool started, done;
    value_t args[3];
    int64_t cur;        /* generate_series position */
    int64_t ord;
    int idx;            /* unnest position */
} fscan_st_t;

static int fscan_next(op_t *o, exec_batch_t **out)
{
    fscan_st_t *st = o->st;
    const exec_plan_t *p = o->plan;
    if (!st->started) {
        st->started = true;
        for (int i = 0; i < p->u.func.nargs && i < 3; i++)
            if (exec_eval_const(&o->ec, p->u.func.args[i], &st->args[i]) < 0)
                return -1;
        /* the argument values must outlive the batch arena */
        for (int i = 0; i < p->u.func.nargs && i < 3; i++)
            if (st->args[i].isnull)
                st->done = true;
        if (p->u.func.fn == 0 && !st->done) {
            st->cur = st->args[0].u.i;
            if (p->u.func.nargs == 3 && p->types[0] != TYPE_TIMESTAMP && p->types[0] != TYPE_TIMESTAMPTZ &&
                st->args[2].u.i == 0)
                return err_set(o->run->err, ERRCODE_INVALID_PARAMETER_VALUE, "step size cannot equal zero");
        }
    }
    int n = 0;
    type_oid_t t = p->types[0];
    while (!st->done && n < EXEC_BATCH_ROWS) {
        value_t v;
        v.isnull = false;
        if (p->u.func.fn == 0) {
            if (t == TYPE_TIMESTAMP || t == TYPE_TIMESTAMPTZ) {
                const type_interval_t *step = &st->args[2].u.iv;
                bool up = step->months > 0 || step->days > 0 || step->micros > 0;
                bool down = step->months < 0 || step->days < 0 || step->micros < 0;
                if (!up && !down)
                    return err_set(o->run->err, ERRCODE_INVALID_PARAMETER_VALUE, "step size cannot equal zero");
                if ((up && st->cur > st->args[1].u.i) || (down && st->cur < st->args[1].u.i)) {
                    st->done = true;
                    break;
                }
                v.u.i = st->cur;
                int64_t nx;
                if (dt_ts_add_interval(st->cur, step, &nx, o->run->err) < 0)
                    return -1;
                st->cur = nx;
            } else {
                int64_t step = p->u.func.nargs == 3 ? st->args[2].u.i : 1;
                if ((step > 0 && st->cur > st->args[1].u.i) || (step < 0 && st->cur < st->args[1].u.i)) {
                    st->done = true;
                    break;
                }
                v.u.i = st->cur;
                if (__builtin_add_overflow(st->cur, step, &st->cur))
                    st->done = true, n += 0;
            }
        } else {
            const type_array_t *arr = st->args[0].u.arr;
            if (st->idx >= arr->n) {
                st->done = true;
                break;
            }
            v = arr->vals[st->idx++];
        }
        int oc = 1;
        if (p->u.func.fn == 2) {
            /* pg_options_to_table: "name=value" split at the first '=' */
            value_t name = v, val = value_null();
            if (!v.isnull) {
                const char *eq = memchr(v.u.s.p, '=', v.u.s.len);
                if (eq) {
                    name = value_text(v.u.s.p, (size_t)(eq - v.u.s.p));
                    val = value_text(eq + 1, v.u.s.len - (size_t)(eq - v.u.s.p) - 1);
                }
            }
            o->out.cols[0][n] = name;
            o->out.cols[1][n] = val;
            oc = 2;
        } else {
            o->out.cols[0][n] = v;
        }
        if (p->u.func.ordinality)
            o->out.cols[oc][n] = (value_t){ .u.i = ++st->ord, .isnull = false };
        n++;
        if (st->done)
            break;
    }
    o->out.nrows = n;
    *out = n ? &o->out : NULL;
    return 0;
}

op_t *exec__build_funcscan(exec_run_t *r, const exec_plan_t *p)
{
    op_t *o = exec__op_new(r, p, sizeof(fscan_st_t));
    o->next = fscan_next;
    /* function arguments are evaluated into the op's own arena, not the batch arena */
    o->ec.arena = o->arena;
    return o;
}

op_t *exec__build_material(exec_run_t *r, const exec_plan_t *p)
{
    return exec__build(r, p->left);
}

/* ---- set-returning functions in the select list ---- */

typedef struct psrf_st {
    exec_batch_t *in;
    int row;            /* current input row */
    bool row_ready;
    value_t *fixed;     /* non-SRF targets of the row */
    value_t **lists;    /* per SRF target: generated values */
    int *lens;
    int maxlen, pos;
    mem_arena_t *rowarena;
} psrf_st_t;

static bool is_srf(const exec_expr_t *e)
{
    return e->kind == EXPR_FUNC && (e->u.fn->flags & EXEC_FN_SETOF);
}

/* srf_values - all values of one SRF call for the current row. */
static int srf_values(op_t *o, psrf_st_t *st, const exec_expr_t *e, const value_t *row, int ncols, value_t **out,
                      int *n)
{
    value_t args[3];
    exec_ectx_t ec = o->ec;
    ec.arena = st->rowarena;
    for (int i = 0; i < e->nargs && i < 3; i++) {
        if (exec_eval_row(&ec, e->args[i], row, ncols, &args[i]) < 0)
            return -1;
        if (args[i].isnull) {
            *n = 0;
            return 0;
        }
    }
    int cap = 16, k = 0;
    value_t *vals = mem_alloc(st->rowarena, sizeof(value_t) * (size_t)cap);
    if (!strcmp(e->u.fn->name, "unnest")) {
        const type_array_t *arr = args[0].u.arr;
        *out = arr->vals;
        *n = arr->n;
        return 0;
    }
    if (!strcmp(e->u.fn->name, "generate_subscripts")) {
        /* the subscripts of dimension args[1] of a 1-D array (none for others) */
        const type_array_t *arr = args[0].u.arr;
        int cnt = args[1].u.i == 1 ? arr->n : 0;
        value_t *vals2 = mem_alloc(st->rowarena, sizeof(value_t) * (size_t)(cnt + 1));
        for (int i = 0; i < cnt; i++)
            vals2[i] = value_int(arr->lbound + i);
        *out = vals2;
        *n = cnt;
        return 0;
    }
    bool ts = e->type == TYPE_TIMESTAMP || e->type == TYPE_TIMESTAMPTZ;
    int64_t cur = args[0].u.i, stop = args[1].u.i, step = e->nargs == 3 && !ts ? args[2].u.i : 1;
    if (!ts && step == 0)
        return err_set(o->run->err, ERRCODE_INVALID_PARAMETER_VALUE, "step size cannot equal zero");
    for (;;) {
        if (ts) {
            const type_interval_t *iv = &args[2].u.iv;
            bool up = iv->months > 0 || iv->days > 0 || iv->micros > 0;
            if (!up && !(iv->months < 0 || iv->days < 0 || iv->micros < 0))
                return err_set(o->run->err, ERRCODE_INVALID_PARAMETER_VALUE, "step size cannot equal zero");
            if (up ? cur > stop : cur < stop)
                break;
        } else if (step > 0 ? cur > stop : cur < stop) {
            break;
        }
        if (k == cap) {
            value_t *nv = mem_alloc_try(st->rowarena, sizeof(value_t) * (size_t)cap * 2);
            if (!nv)
                return exec__nomem(o);
            memcpy(nv, vals, sizeof(value_t) * (size_t)k);
            vals = nv;
            cap *= 2;
        }
        vals[k].isnull = false;
        vals[k++].u.i = cur;
        if (ts) {
            if (dt_ts_add_interval(cur, &args[2].u.iv, &cur, o->run->err) < 0)
                return -1;
        } else if (__builtin_add_overflow(cur, step, &cur)) {
            break;
        }
    }
    *out = vals;
    *n = k;
    return 0;
}

static int psrf_next(op_t *o, exec_batch_t **out)
{
    psrf_st_t *st = o->st;
    const exec_plan_t *p = o->plan;
    int nc = p->ncols, n = 0;
    mem_arena_reset(o->scratch);
    while (n < EXEC_BATCH_ROWS) {
        if (!st->row_ready) {
            if (!st->in || st->row >= st->in->nrows) {
                if (o->left->next(o->left, &st->in) < 0)
                    return -1;
                if (!st->in)
                    break;
                st->row = 0;
            }
            mem_arena_reset(st->rowarena);
            int inc = st->in->ncols;
            value_t *row = mem_alloc(st->rowarena, sizeof(value_t) * (size_t)(inc > 0 ? inc : 1));
            exec__batch_row(st->in, st->row, row);
            st->maxlen = 0;
            exec_ectx_t ec = o->ec;
            ec.arena = st->rowarena;
            for (int c = 0; c < nc; c++) {
                const exec_expr_t *e = p->u.psrf.exprs[c];
                st->lens[c] = -1;
                if (is_srf(e)) {
                    if (srf_values(o, st, e, row, inc, &st->lists[c], &st->lens[c]) < 0)
                        return -1;
                    if (st->lens[c] > st->maxlen)
                        st->maxlen = st->lens[c];
                } else if (exec_eval_row(&ec, e, row, inc, &st->fixed[c]) < 0) {
                    return -1;
                }
            }
            st->pos = 0;
            st->row++;
            st->row_ready = true;
        }
        while (st->pos < st->maxlen && n < EXEC_BATCH_ROWS) {
            for (int c = 0; c < nc; c++) {
                if (st->lens[c] < 0)
                    o->out.cols[c][n] = st->fixed[c];
                else
                    o->out.cols[c][n] = st->pos < st->lens[c] ? st->lists[c][st->pos] : value_null();
            }
            st->pos++;
            n++;
        }
        if (st->pos >= st->maxlen)
            st->row_ready = false;
        if (n > 0 && st->row_ready)
            break; /* the row's values live in rowarena: emit before moving on */
        if (n > 0 && !st->row_ready)
            break;
    }
    o->out.nrows = n;
    *out = n ? &o->out : NULL;
    return 0;
}

op_t *exec__build_project_srf(exec_run_t *r, const exec_plan_t *p)
{
    op_t *o = exec__op_new(r, p, sizeof(psrf_st_t));
    psrf_st_t *st = o->st;
    o->next = psrf_next;
    o->left = exec__build(r, p->left);
    st->rowarena = mem_arena_new(o->arena, "srfrow", 0);
    st->fixed = mem_alloc(o->arena, sizeof(value_t) * (size_t)(p->ncols + 1));
    st->lists = mem_alloc0(o->arena, sizeof(value_t *) * (size_t)(p->ncols + 1));
    st->lens = mem_alloc0(o->arena, sizeof(int) * (size_t)(p->ncols + 1));
    return o;
}
