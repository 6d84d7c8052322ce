/*
 * expr.c - vectorized evaluation of expression trees over column batches.
 *
 * Every node evaluates its children for the selected rows, then applies
 * itself in a loop. Conditional nodes (AND, OR, CASE, COALESCE) narrow the
 * selection before evaluating the next child, so untaken branches are never
 * evaluated for a row. Temporary vectors come from ec->arena, which the
 * operator resets per batch.
 */
#include "exec/expr.h"

#include <string.h>

#include "exec/exec.h"
#include "types/array.h"
#include "types/record.h"
#include "types/value.h"

exec_expr_t *exec_expr_new(mem_arena_t *a, exec_expr_kind_t kind, type_oid_t type, int nargs)
{
    exec_expr_t *e = mem_alloc0(a, sizeof *e);
    e->kind = kind;
    e->type = type;
    e->typmod = -1;
    e->location = -1;
    e->nargs = nargs;
    if (nargs > 0)
        e->args = mem_alloc0(a, sizeof(exec_expr_t *) * (size_t)nargs);
    return e;
}

bool exec_expr_node_fixed(const exec_expr_t *e)
{
    switch (e->kind) {
    case EXPR_PARAM:
    case EXPR_COLREF:
    case EXPR_VAR:
    case EXPR_OUTER:
    case EXPR_SUBPLAN:
    case EXPR_AGGREF:
    case EXPR_WINDOWREF:
        return false;
    case EXPR_FUNC:
        return !(e->u.fn->flags & (EXEC_FN_VOLATILE | EXEC_FN_STABLE | EXEC_FN_SETOF));
    default:
        return true;
    }
}

bool exec_expr_foldable(const exec_expr_t *e)
{
    if (!exec_expr_node_fixed(e))
        return false;
    for (int i = 0; i < e->nargs; i++)
        if (e->args[i] && !exec_expr_foldable(e->args[i]))
            return false;
    return true;
}

/* Selection helpers: iterate rows of (sel, nsel). */
#define FOR_SEL(i, r) for (int i = 0, r = 0; i < nsel && ((r = sel ? sel[i] : i), 1); i++)

static uint16_t *sel_alloc(exec_ectx_t *ec, int n)
{
    return mem_alloc(ec->arena, sizeof(uint16_t) * (size_t)(n > 0 ? n : 1));
}

static value_t *vec_alloc(exec_ectx_t *ec, const exec_batch_t *in)
{
    int n = in ? in->nrows : 1;
    return mem_alloc(ec->arena, sizeof(value_t) * (size_t)(n > 0 ? n : 1));
}

static int eval_func(exec_ectx_t *ec, const exec_expr_t *e, const exec_batch_t *in, const uint16_t *sel, int nsel,
                     value_t *out)
{
    const exec_func_t *fn = e->u.fn;
    int na = e->nargs;
    value_t *argv[16];
    if (na > 16)
        return err_set(ec->err, ERRCODE_PROGRAM_LIMIT_EXCEEDED, "cannot pass more than 16 arguments to a function");
    for (int k = 0; k < na; k++) {
        argv[k] = vec_alloc(ec, in);
        if (exec_eval(ec, e->args[k], in, sel, nsel, argv[k]) < 0)
            return -1;
    }
    exec_fctx_t fc = { ec->arena, ec->err, ec->sess, e, na };
    value_t args[16];
    bool strict = (fn->flags & EXEC_FN_STRICT) != 0;
    FOR_SEL(i, r)
    {
        bool anynull = false;
        for (int k = 0; k < na; k++) {
            args[k] = argv[k][r];
            anynull |= args[k].isnull;
        }
        value_t *o = &out[r];
        if (strict && anynull) {
            o->isnull = true;
            o->u.i = 0;
            continue;
        }
        o->isnull = false;
        o->u.i = 0;
        /* PostgreSQL reports no cursor position for errors raised while executing */
        if (fn->impl(&fc, args, o) < 0)
            return -1;
    }
    return 0;
}

static int eval_bool_chain(exec_ectx_t *ec, const exec_expr_t *e, const exec_batch_t *in, const uint16_t *sel,
                           int nsel, value_t *out, bool is_and)
{
    /* Rows still undecided; result starts as the identity (true for AND). */
    uint16_t *cur = sel_alloc(ec, nsel);
    int ncur = 0;
    FOR_SEL(i, r)
    {
        cur[ncur++] = (uint16_t)r;
        out[r].isnull = false;
        out[r].u.i = is_and;
    }
    value_t *tmp = vec_alloc(ec, in);
    for (int k = 0; k < e->nargs && ncur > 0; k++) {
        if (exec_eval(ec, e->args[k], in, cur, ncur, tmp) < 0)
            return -1;
        int nn = 0;
        for (int i = 0; i < ncur; i++) {
            int r = cur[i];
            if (tmp[r].isnull) {
                out[r].isnull = true;
                cur[nn++] = (uint16_t)r;
            } else if ((tmp[r].u.i != 0) == is_and) {
                cur[nn++] = (uint16_t)r; /* true for AND / false for OR: undecided */
            } else {
                out[r].isnull = false;
                out[r].u.i = !is_and; /* decided */
            }
        }
        ncur = nn;
    }
    return 0;
}

static int eval_case(exec_ectx_t *ec, const exec_expr_t *e, const exec_batch_t *in, const uint16_t *sel, int nsel,
                     value_t *out)
{
    uint16_t *rem = sel_alloc(ec, nsel), *hit = sel_alloc(ec, nsel);
    int nrem = 0;
    FOR_SEL(i, r)
    rem[nrem++] = (uint16_t)r;
    value_t *cond = vec_alloc(ec, in);
    int npairs = (e->nargs - 1) / 2;
    for (int p = 0; p < npairs && nrem > 0; p++) {
        if (exec_eval(ec, e->args[2 * p], in, rem, nrem, cond) < 0)
            return -1;
        int nh = 0, nn = 0;
        for (int i = 0; i < nrem; i++) {
            int r = rem[i];
            if (!cond[r].isnull && cond[r].u.i)
                hit[nh++] = (uint16_t)r;
            else
                rem[nn++] = (uint16_t)r;
        }
        nrem = nn;
        if (nh > 0 && exec_eval(ec, e->args[2 * p + 1], in, hit, nh, out) < 0)
            return -1;
    }
    if (nrem > 0 && exec_eval(ec, e->args[e->nargs - 1], in, rem, nrem, out) < 0)
        return -1;
    return 0;
}

static int eval_coalesce(exec_ectx_t *ec, const exec_expr_t *e, const exec_batch_t *in, const uint16_t *sel, int nsel,
                         value_t *out)
{
    uint16_t *rem = sel_alloc(ec, nsel);
    int nrem = 0;
    FOR_SEL(i, r)
    {
        rem[nrem++] = (uint16_t)r;
        out[r].isnull = true;
        out[r].u.i = 0;
    }
    value_t *tmp = vec_alloc(ec, in);
    for (int k = 0; k < e->nargs && nrem > 0; k++) {
        if (exec_eval(ec, e->args[k], in, rem, nrem, tmp) < 0)
            return -1;
        int nn = 0;
        for (int i = 0; i < nrem; i++) {
            int r = rem[i];
            if (tmp[r].isnull)
                rem[nn++] = (uint16_t)r;
            else
                out[r] = tmp[r];
        }
        nrem = nn;
    }
    return 0;
}

/* call_cmp - applies a boolean comparison function to two values. */
static int call_cmp(exec_ectx_t *ec, const exec_expr_t *e, const exec_func_t *fn, const value_t *a, const value_t *b,
                    value_t *res)
{
    /* The comparator reads argument types from a fake call node. */
    exec_expr_t call = *e;
    exec_expr_t *args[2] = { e->args[0], e->args[0] };
    call.args = args;
    call.nargs = 2;
    call.type = TYPE_BOOL;
    exec_fctx_t fc = { ec->arena, ec->err, ec->sess, &call, 2 };
    value_t av[2] = { *a, *b };
    res->isnull = false;
    return fn->impl(&fc, av, res);
}

int exec_eval(exec_ectx_t *ec, const exec_expr_t *e, const exec_batch_t *in, const uint16_t *sel, int nsel,
              value_t *out)
{
    if (!sel && in)
        nsel = in->nrows;
    switch (e->kind) {
    case EXPR_CONST:
        FOR_SEL(i, r)
        out[r] = e->u.cval;
        return 0;
    case EXPR_PARAM:
        if (e->u.param >= ec->nparams)
            return err_set(ec->err, ERRCODE_UNDEFINED_PARAMETER, "there is no parameter $%d", e->u.param + 1);
        FOR_SEL(i, r)
        out[r] = ec->params[e->u.param];
        return 0;
    case EXPR_VAR: {
        const value_t *col = in->cols[e->u.slot];
        FOR_SEL(i, r)
        out[r] = col[r];
        return 0;
    }
    case EXPR_OUTER: {
        if (e->u.outer.level >= ec->nouter)
            return err_set(ec->err, ERRCODE_INTERNAL_ERROR, "outer reference out of range");
        const value_t v = ec->outer[e->u.outer.level].row[e->u.outer.slot];
        FOR_SEL(i, r)
        out[r] = v;
        return 0;
    }
    case EXPR_FUNC:
        return eval_func(ec, e, in, sel, nsel, out);
    case EXPR_AND:
        return eval_bool_chain(ec, e, in, sel, nsel, out, true);
    case EXPR_OR:
        return eval_bool_chain(ec, e, in, sel, nsel, out, false);
    case EXPR_NOT:
        if (exec_eval(ec, e->args[0], in, sel, nsel, out) < 0)
            return -1;
        FOR_SEL(i, r)
        if (!out[r].isnull) out[r].u.i = !out[r].u.i;
        return 0;
    case EXPR_CASE:
        return eval_case(ec, e, in, sel, nsel, out);
    case EXPR_COALESCE:
        return eval_coalesce(ec, e, in, sel, nsel, out);
    case EXPR_NULLIF: {
        value_t *b = vec_alloc(ec, in);
        if (exec_eval(ec, e->args[0], in, sel, nsel, out) < 0 || exec_eval(ec, e->args[1], in, sel, nsel, b) < 0)
            return -1;
        FOR_SEL(i, r)
        {
            if (out[r].isnull || b[r].isnull)
                continue;
            value_t res;
            if (call_cmp(ec, e, e->u.fn, &out[r], &b[r], &res) < 0)
                return -1;
            if (!res.isnull && res.u.i) {
                out[r].isnull = true;
                out[r].u.i = 0;
            }
        }
        return 0;
    }
    case EXPR_MINMAX: {
        value_t *tmp = vec_alloc(ec, in);
        FOR_SEL(i, r)
        {
            out[r].isnull = true;
            out[r].u.i = 0;
        }
        for (int k = 0; k < e->nargs; k++) {
            if (exec_eval(ec, e->args[k], in, sel, nsel, tmp) < 0)
                return -1;
            FOR_SEL(i, r)
            {
                if (tmp[r].isnull)
                    continue;
                if (out[r].isnull) {
                    out[r] = tmp[r];
                    continue;
                }
                int c = value_cmp(e->type, &tmp[r], &out[r]);
                if (e->u.ival ? c > 0 : c < 0)
                    out[r] = tmp[r];
            }
        }
        return 0;
    }
    case EXPR_IS_NULL:
        if (exec_eval(ec, e->args[0], in, sel, nsel, out) < 0)
            return -1;
        FOR_SEL(i, r)
        {
            bool isn = out[r].isnull;
            out[r].isnull = false;
            out[r].u.i = e->u.ival ? !isn : isn;
        }
        return 0;
    case EXPR_BOOLTEST:
        if (exec_eval(ec, e->args[0], in, sel, nsel, out) < 0)
            return -1;
        FOR_SEL(i, r)
        {
            bool n = out[r].isnull, t = !n && out[r].u.i, f = !n && !out[r].u.i;
            bool res = false;
            switch (e->u.ival) {
            case 0: res = t; break;
            case 1: res = !t; break;
            case 2: res = f; break;
            case 3: res = !f; break;
            case 4: res = n; break;
            default: res = !n; break;
            }
            out[r].isnull = false;
            out[r].u.i = res;
        }
        return 0;
    case EXPR_ARRAY: {
        value_t **vs = mem_alloc(ec->arena, sizeof(value_t *) * (size_t)(e->nargs + 1));
        for (int k = 0; k < e->nargs; k++) {
            vs[k] = vec_alloc(ec, in);
            if (exec_eval(ec, e->args[k], in, sel, nsel, vs[k]) < 0)
                return -1;
        }
        FOR_SEL(i, r)
        {
            type_array_t *arr = type_array_new(ec->arena, e->u.elem, e->nargs);
            for (int k = 0; k < e->nargs; k++)
                arr->vals[k] = vs[k][r];
            out[r].isnull = false;
            out[r].u.arr = arr;
        }
        return 0;
    }
    case EXPR_IN_LIST: {
        value_t *lhs = vec_alloc(ec, in), *tmp = vec_alloc(ec, in);
        if (e->ival2 & 4) {
            /* x op ANY/ALL (array): PostgreSQL's ScalarArrayOpExpr */
            bool all = (e->ival2 & 8) != 0;
            if (exec_eval(ec, e->args[0], in, sel, nsel, lhs) < 0 || exec_eval(ec, e->args[1], in, sel, nsel, tmp) < 0)
                return -1;
            exec_expr_t a0 = *e->args[0], a1 = *e->args[0];
            a1.type = type_lookup(e->args[1]->type) ? type_lookup(e->args[1]->type)->elem : e->args[0]->type;
            exec_expr_t *cargs[2] = { &a0, &a1 }, call = *e;
            call.args = cargs;
            call.nargs = 2;
            call.type = TYPE_BOOL;
            exec_fctx_t fc = { ec->arena, ec->err, ec->sess, &call, 2 };
            FOR_SEL(i, r)
            {
                value_t *o = &out[r];
                o->isnull = false;
                o->u.i = all;
                if (tmp[r].isnull) {
                    o->isnull = true;
                    continue;
                }
                const type_array_t *arr = tmp[r].u.arr;
                if (arr->n == 0)
                    continue;
                if (lhs[r].isnull) {
                    o->isnull = true;
                    continue;
                }
                bool sawnull = false, decided = false;
                for (int k = 0; k < arr->n && !decided; k++) {
                    if (arr->vals[k].isnull) {
                        sawnull = true;
                        continue;
                    }
                    value_t av[2] = { lhs[r], arr->vals[k] }, res = { 0 };
                    if (e->u.fn->impl(&fc, av, &res) < 0)
                        return -1;
                    if (res.isnull)
                        sawnull = true;
                    else if (all ? !res.u.i : res.u.i) {
                        o->u.i = !all;
                        decided = true;
                    }
                }
                if (!decided && sawnull)
                    o->isnull = true;
            }
            return 0;
        }
        if (exec_eval(ec, e->args[0], in, sel, nsel, lhs) < 0)
            return -1;
        FOR_SEL(i, r)
        {
            out[r].isnull = lhs[r].isnull;
            out[r].u.i = 0;
        }
        for (int k = 1; k < e->nargs; k++) {
            if (exec_eval(ec, e->args[k], in, sel, nsel, tmp) < 0)
                return -1;
            FOR_SEL(i, r)
            {
                if (lhs[r].isnull || (!out[r].isnull && out[r].u.i))
                    continue;
                if (tmp[r].isnull) {
                    out[r].isnull = true;
                    continue;
                }
                value_t res;
                if (call_cmp(ec, e, e->u.fn, &lhs[r], &tmp[r], &res) < 0)
                    return -1;
                if (res.u.i) {
                    out[r].isnull = false;
                    out[r].u.i = 1;
                }
            }
        }
        if (e->ival2)
            FOR_SEL(i, r)
        if (!out[r].isnull) out[r].u.i = !out[r].u.i;
        return 0;
    }
    case EXPR_DISTINCT: {
        value_t *b = vec_alloc(ec, in);
        if (exec_eval(ec, e->args[0], in, sel, nsel, out) < 0 || exec_eval(ec, e->args[1], in, sel, nsel, b) < 0)
            return -1;
        FOR_SEL(i, r)
        {
            bool distinct;
            if (out[r].isnull || b[r].isnull) {
                distinct = out[r].isnull != b[r].isnull;
            } else {
                value_t res;
                if (call_cmp(ec, e, e->u.fn, &out[r], &b[r], &res) < 0)
                    return -1;
                distinct = !res.u.i;
            }
            out[r].isnull = false;
            out[r].u.i = e->ival2 ? !distinct : distinct;
        }
        return 0;
    }
    case EXPR_SUBPLAN:
        return exec__eval_subplan(ec, e, in, sel, nsel, out);
    case EXPR_FIELD:
        /* a NULL record has NULL fields */
        if (exec_eval(ec, e->args[0], in, sel, nsel, out) < 0)
            return -1;
        FOR_SEL(i, r)
        out[r] = out[r].isnull ? out[r] : out[r].u.rec->vals[e->u.ival];
        return 0;
    case EXPR_ROW: {
        value_t **vs = mem_alloc(ec->arena, sizeof(value_t *) * (size_t)(e->nargs + 1));
        for (int k = 0; k < e->nargs; k++) {
            vs[k] = vec_alloc(ec, in);
            if (exec_eval(ec, e->args[k], in, sel, nsel, vs[k]) < 0)
                return -1;
        }
        FOR_SEL(i, r)
        {
            type_record_t *rec = type_record_new(ec->arena, e->rowdesc);
            for (int k = 0; k < e->nargs; k++)
                rec->vals[k] = vs[k][r];
            out[r].isnull = false;
            out[r].u.rec = rec;
        }
        return 0;
    }
    case EXPR_COLREF:
    case EXPR_AGGREF:
    case EXPR_WINDOWREF:
        break;
    }
    return err_set(ec->err, ERRCODE_INTERNAL_ERROR, "unplanned expression node %d", (int)e->kind);
}

int exec_eval_row(exec_ectx_t *ec, const exec_expr_t *e, const value_t *row, int ncols, value_t *out)
{
    value_t *colp[64];
    value_t **cols = ncols <= 64 ? colp : mem_alloc(ec->arena, sizeof(value_t *) * (size_t)ncols);
    for (int c = 0; c < ncols; c++)
        cols[c] = (value_t *)&row[c];
    exec_batch_t b = { ncols, 1, cols };
    return exec_eval(ec, e, &b, NULL, 1, out);
}

int exec_eval_const(exec_ectx_t *ec, const exec_expr_t *e, value_t *out)
{
    exec_batch_t b = { 0, 1, NULL };
    return exec_eval(ec, e, &b, NULL, 1, out);
}
