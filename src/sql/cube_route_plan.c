/*
 * cube_route_plan.c - answering aggregate query blocks from cubes: the
 * planner hands over the aggregate node it built (grouping keys and
 * aggregate calls over its input plan); this file describes that block as
 * a cube_query_t (include/cube/match.h), asks the node's matcher, and on a
 * match returns a cube scan (cube_plan_rel) that replaces the aggregate
 * node, so HAVING, expressions over aggregates, ORDER BY, LIMIT and joins
 * of the result stay the executor's.
 *
 * The description is read off the planned input, not the SQL text, so
 * every join syntax the planner accepts is covered the same way (JOIN ...
 * ON / USING, comma joins with the conditions in WHERE, in any order the
 * planner chose): scans are the tables, hash-join keys the equi-joins,
 * filters (WHERE conjuncts the planner pushed down, wherever they landed)
 * the predicates, projections only move columns. Anything else in the
 * input (a subquery, a function scan, an outer join with a filter on its
 * optional side, a condition that is not a column compared with
 * constants) makes the block one the cubes cannot answer, with a reason.
 *
 * Bind parameters ($n, and casts and operators over them) stand where a
 * constant may: the plan is matched once (the cube and cuboid do not depend
 * on the values), and the Cube Scan evaluates them when it opens, with the
 * portal's values (sql__exec_params), and binds its plan to them
 * (cube_plan_bind): a prepared statement runs again with other values.
 *
 * Policy (see include/sql/cube_route.h): a block whose scanned tables
 * include no cube's fact table is left to the executor; otherwise a cube
 * answers it, or it fails with 0A000 and the reasons, unless
 * kylin.query.pushdown is on (then the executor computes it from the
 * sources and a NOTICE says so). Never a wrong answer: when in doubt, the
 * block is described as unanswerable.
 *
 * Threads: prepare, on the loop thread. The plan holds its segment open
 * for as long as the statement's arena lives.
 */
#include <string.h>

#include "cube_route_int.h"
#include "types/array.h"
#include "types/numeric.h"
#include "types/value.h"

#define MAXT 64   /* tables of one block */
#define MAXJ 128  /* join keys of one block */
#define MAXC 256  /* WHERE conjuncts of one block */
#define MAXV 256  /* values known at execution (parameters) of one block */

/* Where an input column comes from: a table of the block and its column. */
typedef struct origin {
    int table; /* -1: computed, not a column */
    int col;
} origin_t;

typedef struct jkey {
    int lt, lc, rt, rc;
    bool right_optional;
} jkey_t;

typedef struct tr {
    sql_analyze_t *an;
    mem_arena_t *a;
    int ntables;
    const exec_rel_t *rels[MAXT];
    int njk;
    jkey_t jk[MAXJ];
    int nconj;
    const cube_q_pred_t *conj[MAXC];
    const char *why; /* the first reason the block cannot be described */
    bool has_source; /* a scan of a source table ('f') */
    /* values known only when the statement runs ($n and casts of it): the
     * aggregate path takes them (the cube scan evaluates them when it opens
     * and binds its plan); view scans do not (they would prune on them) */
    bool values;
    int nvx;
    const exec_expr_t *vx[MAXV];
} tr_t;

static int fail(tr_t *t, const char *why)
{
    if (!t->why)
        t->why = why;
    return 0;
}

/* ---- expressions ---- */

static bool is_int(type_oid_t t)
{
    return t == TYPE_INT2 || t == TYPE_INT4 || t == TYPE_INT8;
}

static bool is_str(type_oid_t t)
{
    return t == TYPE_TEXT || t == TYPE_VARCHAR;
}

/* strip_cast - e without casts that keep values and their order: integer
 * widening and integers to numeric / float8 (exact for the values integer
 * columns hold), and varchar to text. */
static const exec_expr_t *strip_cast(const exec_expr_t *e)
{
    while (e && e->kind == EXPR_FUNC && e->nargs == 1 && (e->u.fn->flags & EXEC_FN_CAST)) {
        type_oid_t from = e->args[0]->type, to = e->type;
        bool keeps = (is_int(from) && (is_int(to) || to == TYPE_NUMERIC || to == TYPE_FLOAT8) &&
                      !(from == TYPE_INT8 && to == TYPE_INT4) && !(to == TYPE_INT2 && from != TYPE_INT2)) ||
                     (is_str(from) && is_str(to) && e->typmod < 0);
        if (!keeps)
            break;
        e = e->args[0];
    }
    return e;
}

/* column_of - the table column e reads (through value-keeping casts). */
static bool column_of(const exec_expr_t *e, const origin_t *org, int width, origin_t *out)
{
    e = strip_cast(e);
    if (!e || e->kind != EXPR_VAR || e->u.slot < 0 || e->u.slot >= width || org[e->u.slot].table < 0)
        return false;
    *out = org[e->u.slot];
    return true;
}

static cube_q_col_t qcol(const tr_t *t, origin_t o)
{
    return (cube_q_col_t){ o.table, t->rels[o.table]->cols[o.col].name };
}

/* exec_value - whether e is a value known when the statement runs (at
 * least one part of it only then): bind parameters, stable calls (now(),
 * current_date: the statement's value, in the session's settings),
 * uncorrelated scalar subqueries and constants, through casts, operators
 * and other calls that are not volatile (extract(year FROM current_date));
 * nothing that reads a row. */
static bool exec_value(const exec_expr_t *e, bool *param)
{
    switch (e->kind) {
    case EXPR_CONST:
        return true;
    case EXPR_PARAM:
        *param = true;
        return true;
    case EXPR_SUBPLAN:
        /* (SELECT max(d_year) FROM dates), ARRAY(SELECT ...): run when the
         * scan opens, once */
        if ((e->u.sub->kind != SUBLINK_SCALAR && e->u.sub->kind != SUBLINK_ARRAY) || e->u.sub->nouter != 0)
            return false;
        *param = true;
        return true;
    case EXPR_FUNC:
        if (e->u.fn->flags & (EXEC_FN_VOLATILE | EXEC_FN_SETOF))
            return false;
        if (e->u.fn->flags & EXEC_FN_STABLE)
            *param = true;
        for (int i = 0; i < e->nargs; i++)
            if (!e->args[i] || !exec_value(e->args[i], param))
                return false;
        return true;
    default:
        return false;
    }
}

/* value_of - k as a leaf's value: a constant (1, *idx -1), a value known at
 * execution (1, *idx its index among t->vx), or neither (0). */
static int value_of(tr_t *t, const exec_expr_t *k, int *idx)
{
    *idx = -1;
    if (k->kind == EXPR_CONST)
        return 1;
    bool param = false;
    if (!t->values || !exec_value(k, &param) || !param)
        return 0;
    if (t->nvx >= MAXV)
        return 0;
    *idx = t->nvx;
    t->vx[t->nvx++] = k;
    return 1;
}

static cube_q_pred_t *pred_new(tr_t *t, cube_q_op_t op)
{
    cube_q_pred_t *p = MEM_NEW(t->a, cube_q_pred_t);
    p->op = op;
    p->col.table = -1;
    return p;
}

static int op_of(const char *name, bool flip)
{
    static const struct {
        const char *name;
        cube_q_op_t op, flipped;
    } ops[] = { { "=", CUBE_Q_EQ, CUBE_Q_EQ },  { "<>", CUBE_Q_NE, CUBE_Q_NE }, { "<", CUBE_Q_LT, CUBE_Q_GT },
                { "<=", CUBE_Q_LE, CUBE_Q_GE }, { ">", CUBE_Q_GT, CUBE_Q_LT },  { ">=", CUBE_Q_GE, CUBE_Q_LE } };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (strcmp(ops[i].name, name) == 0)
            return flip ? ops[i].flipped : ops[i].op;
    return 0;
}

/* bool_leaf - column o compared with a boolean: = v, or IS [NOT] NULL when
 * op says so. */
static cube_q_pred_t *bool_leaf(tr_t *t, origin_t o, cube_q_op_t op, bool v)
{
    cube_q_pred_t *p = pred_new(t, op);
    p->col = qcol(t, o);
    if (op == CUBE_Q_EQ) {
        value_t *val = MEM_NEW(t->a, value_t);
        *val = value_int(v);
        p->type = TYPE_BOOL;
        p->nvals = 1;
        p->vals = val;
    }
    return p;
}

/* bool_col - whether e is a boolean column of a table (into *o). */
static bool bool_col(const tr_t *t, const exec_expr_t *e, const origin_t *org, int width, origin_t *o)
{
    return e->type == TYPE_BOOL && column_of(e, org, width, o) && t->rels[o->table]->cols[o->col].type == TYPE_BOOL;
}

/* any_leaf - col = ANY (array) as col IN (its elements), col <> ALL (array)
 * as col NOT IN (...): the same under three-valued logic, a NULL element
 * included. Any other comparison: col op ANY (array) is the OR of col op v
 * over the elements, col op ALL (array) their AND, which is exactly how SQL
 * defines them (true / false / NULL). The array is a non-empty constant
 * (psycopg2 sends a Python list as ARRAY[...], folded) or an ARRAY[...] of
 * constants; NULL with t->why for anything else. */
static const cube_q_pred_t *any_leaf(tr_t *t, const exec_expr_t *e, origin_t o)
{
    bool all = e->ival2 == 12;
    const exec_expr_t *r = e->args[1];
    int op = op_of(e->u.fn->name, false);
    if (!op)
        return fail(t, "only =, <>, <, <=, >, >= with ANY or ALL (array) can be answered from a cube"), NULL;
    type_oid_t type;
    int nvals;
    const value_t *vals;
    if (r->kind == EXPR_CONST && !r->u.cval.isnull && r->u.cval.u.arr->n > 0) {
        type = r->u.cval.u.arr->elem;
        nvals = r->u.cval.u.arr->n;
        vals = r->u.cval.u.arr->vals;
    } else if (r->kind == EXPR_ARRAY && r->nargs > 0) {
        value_t *v = MEM_NEW_N(t->a, value_t, r->nargs);
        for (int i = 0; i < r->nargs; i++) {
            if (r->args[i]->kind != EXPR_CONST || r->args[i]->type != r->args[0]->type)
                return fail(t, "an ANY (array) whose elements are not constants cannot be answered from a cube"), NULL;
            v[i] = r->args[i]->u.cval;
        }
        type = r->args[0]->type;
        nvals = r->nargs;
        vals = v;
    } else {
        return fail(t, "an ANY (array) that is not a non-empty list of constants cannot be answered from a cube"), NULL;
    }
    if ((!all && op == CUBE_Q_EQ) || (all && op == CUBE_Q_NE)) {
        cube_q_pred_t *p = pred_new(t, all ? CUBE_Q_NE : CUBE_Q_IN);
        p->col = qcol(t, o);
        p->type = type;
        p->nvals = nvals;
        p->vals = vals;
        return p;
    }
    cube_q_pred_t *p = pred_new(t, all ? CUBE_Q_AND : CUBE_Q_OR);
    const cube_q_pred_t **args = MEM_NEW_N(t->a, const cube_q_pred_t *, nvals);
    for (int i = 0; i < nvals; i++) {
        /* col op NULL is NULL whatever col is: written as col IN (NULL),
         * which no row satisfies under either polarity, as NULL */
        cube_q_pred_t *leaf = pred_new(t, vals[i].isnull ? CUBE_Q_IN : (cube_q_op_t)op);
        leaf->col = qcol(t, o);
        leaf->type = type;
        leaf->nvals = 1;
        leaf->vals = &vals[i];
        args[i] = leaf;
    }
    p->nargs = nvals;
    p->args = args;
    return p;
}

/* session_bound - whether the call e gives what the session's settings
 * decide, which PostgreSQL marks stable but the engine's flags do not:
 * dates, times and floats to text and text to dates (DateStyle,
 * IntervalStyle, extra_float_digits), anything of timestamptz (TimeZone).
 * A condition with such a call is not tried over a dictionary: the plan
 * would keep the codes one session's settings chose. */
static bool session_bound(const exec_expr_t *e)
{
    bool to_str = is_str(e->type), from_time = false, from_str = false;
    bool time_out = e->type == TYPE_DATE || e->type == TYPE_TIME || e->type == TYPE_TIMESTAMP || e->type == TYPE_INTERVAL;
    if (e->type == TYPE_TIMESTAMPTZ)
        return true;
    for (int i = 0; i < e->nargs; i++) {
        type_oid_t a = e->args[i] ? e->args[i]->type : 0;
        if (a == TYPE_TIMESTAMPTZ)
            return true;
        from_time |= a == TYPE_DATE || a == TYPE_TIME || a == TYPE_TIMESTAMP || a == TYPE_INTERVAL || a == TYPE_FLOAT4 ||
                     a == TYPE_FLOAT8;
        from_str |= is_str(a) || a == TYPE_UNKNOWN;
    }
    return (to_str && from_time) || (time_out && from_str);
}

#define XMAXP 64 /* bind parameters one such condition may read */

/* one_column - whether e reads no column but the table column in slot
 * *slot (-1: not seen yet), and nothing else that varies (each node
 * exec_expr_node_fixed, as constant folding checks), nor a call whose
 * result the session's settings decide (session_bound); bind parameters
 * only where the block takes execution values (*maxp: 1 + the largest $n). */

/* The subtrees of one condition whose value is known only when the
 * statement runs (current_date, a scalar subquery): each becomes a value
 * of its own, computed when the scan opens (expr_leaf). */
#define XMAXS 8
typedef struct xsubs {
    const exec_expr_t *e[XMAXS];
    int n;
} xsubs_t;

static bool one_column(const tr_t *t, const exec_expr_t *e, const origin_t *org, int width, int *slot, int *maxp,
                       xsubs_t *xs)
{
    bool at_run = false;
    if (t->values && e->kind != EXPR_PARAM && e->kind != EXPR_CONST && exec_value(e, &at_run) && at_run) {
        for (int k = 0; k < xs->n; k++)
            if (xs->e[k] == e)
                return true;
        if (xs->n >= XMAXS)
            return false;
        xs->e[xs->n++] = e;
        return true;
    }
    switch (e->kind) {
    case EXPR_VAR:
        if (e->u.slot < 0 || e->u.slot >= width || org[e->u.slot].table < 0 || (*slot >= 0 && *slot != e->u.slot))
            return false;
        *slot = e->u.slot;
        return true;
    case EXPR_PARAM:
        /* $n: known when the statement runs, taken on the aggregate path */
        if (!t->values || e->u.param < 0 || e->u.param >= XMAXP)
            return false;
        *maxp = e->u.param + 1 > *maxp ? e->u.param + 1 : *maxp;
        return true;
    default:
        if (!exec_expr_node_fixed(e) || (e->kind == EXPR_FUNC && session_bound(e)))
            return false;
        break;
    }
    for (int i = 0; i < e->nargs; i++)
        if (e->args[i] && !one_column(t, e->args[i], org, width, slot, maxp, xs))
            return false;
    return true;
}

/* with_params - e with each subtree of xs replaced by $(base + k) (shallow
 * copies along the way; e itself where nothing is replaced). */
static const exec_expr_t *with_params(tr_t *t, const exec_expr_t *e, const xsubs_t *xs, int base)
{
    for (int k = 0; k < xs->n; k++)
        if (xs->e[k] == e) {
            exec_expr_t *p = exec_expr_new(t->a, EXPR_PARAM, e->type, 0);
            p->typmod = e->typmod;
            p->u.param = base + k;
            return p;
        }
    exec_expr_t *c = NULL;
    for (int i = 0; i < e->nargs; i++) {
        if (!e->args[i])
            continue;
        const exec_expr_t *a = with_params(t, e->args[i], xs, base);
        if (a == e->args[i])
            continue;
        if (!c) {
            c = MEM_NEW(t->a, exec_expr_t);
            *c = *e;
            c->args = MEM_NEW_N(t->a, exec_expr_t *, e->nargs);
            memcpy(c->args, e->args, sizeof(exec_expr_t *) * (size_t)e->nargs);
        }
        c->args[i] = (exec_expr_t *)a;
    }
    return c ? c : e;
}

/* param_nodes - the $n nodes of e, one per n, into by[n]. */
static void param_nodes(const exec_expr_t *e, const exec_expr_t **by)
{
    if (e->kind == EXPR_PARAM && e->u.param >= 0 && e->u.param < XMAXP)
        by[e->u.param] = e;
    for (int i = 0; i < e->nargs; i++)
        if (e->args[i])
            param_nodes(e->args[i], by);
}

typedef struct xleaf {
    const exec_expr_t *e;
    int width, slot;
    int nparams;     /* 1 + the largest $n it reads (0: none) */
    const int *vx;   /* per $n: its index among the execution values, -1 unused */
} xleaf_t;

/* xleaf_eval - the condition with its column's slot holding *v (and its
 * $n their execution values). */
static int xleaf_eval(void *arg, const value_t *v, const value_t *bvals, int nbvals, mem_arena_t *a, err_t *err)
{
    const xleaf_t *x = arg;
    value_t *row = MEM_NEW_N(a, value_t, x->width + 1);
    for (int i = 0; i < x->width; i++)
        row[i] = value_null();
    row[x->slot] = *v;
    exec_ectx_t ec = { 0 };
    ec.arena = a;
    ec.err = err;
    if (x->nparams > 0) {
        value_t *pv = MEM_NEW_N(a, value_t, x->nparams);
        for (int i = 0; i < x->nparams; i++)
            pv[i] = x->vx[i] >= 0 && bvals && x->vx[i] < nbvals ? bvals[x->vx[i]] : value_null();
        ec.params = pv;
        ec.nparams = x->nparams;
    }
    value_t out;
    if (exec_eval_row(&ec, x->e, row, x->width, &out) < 0)
        return -1;
    return out.isnull ? 2 : out.u.i ? 1 : 0;
}

/* expr_leaf - a boolean condition on one column that is not a comparison
 * with constants (LIKE, lower(col) = 'x', extract(...), CASE ...): the
 * matcher evaluates it over the column's dictionary, one call per distinct
 * value, and filters on the codes it holds for. NULL when e reads other
 * columns or anything that varies. */
static const cube_q_pred_t *expr_leaf(tr_t *t, const exec_expr_t *e, const origin_t *org, int width)
{
    int slot = -1, maxp = 0;
    xsubs_t xs = { { NULL }, 0 };
    if (!one_column(t, e, org, width, &slot, &maxp, &xs) || slot < 0)
        return NULL;
    origin_t o = org[slot];
    /* the values known at run time become $n after the bind parameters */
    int base = maxp;
    if (xs.n > 0) {
        e = with_params(t, e, &xs, base);
        maxp += xs.n;
    }
    xleaf_t *x = MEM_NEW(t->a, xleaf_t);
    *x = (xleaf_t){ e, width, slot, maxp, NULL };
    int *params = NULL, np = 0;
    if (maxp > 0) {
        /* each $n it reads becomes an execution value (the scan evaluates
         * them when it opens and binds its plan, which then tries the
         * condition with them) */
        const exec_expr_t *by[XMAXP + XMAXS] = { NULL };
        param_nodes(e, by);
        for (int k = 0; k < xs.n; k++)
            by[base + k] = xs.e[k];
        int *vx = MEM_NEW_N(t->a, int, maxp);
        params = MEM_NEW_N(t->a, int, maxp);
        for (int i = 0; i < maxp; i++) {
            vx[i] = -1;
            if (!by[i])
                continue;
            if (t->nvx >= MAXV)
                return NULL;
            vx[i] = t->nvx;
            params[np++] = t->nvx;
            t->vx[t->nvx++] = by[i];
        }
        x->vx = vx;
    }
    cube_q_pred_t *p = pred_new(t, CUBE_Q_EXPR);
    p->nvals = np;
    p->vals = np ? MEM_NEW_N(t->a, value_t, np) : NULL;
    p->params = params;
    p->col = qcol(t, o);
    p->type = t->rels[o.table]->cols[o.col].type;
    p->eval = xleaf_eval;
    p->eval_arg = x;
    p->text = mem_asprintf(t->a, "a condition on %s", p->col.column);
    return p;
}

/* pred_of - the predicate e (over an input whose columns come from org)
 * means, or NULL with t->why. */
static const cube_q_pred_t *pred_of(tr_t *t, const exec_expr_t *e, const origin_t *org, int width)
{
    switch (e->kind) {
    case EXPR_AND:
    case EXPR_OR:
    case EXPR_NOT: {
        cube_q_pred_t *p = pred_new(t, e->kind == EXPR_AND ? CUBE_Q_AND : e->kind == EXPR_OR ? CUBE_Q_OR : CUBE_Q_NOT);
        const cube_q_pred_t **args = MEM_NEW_N(t->a, const cube_q_pred_t *, e->nargs + 1);
        for (int i = 0; i < e->nargs; i++)
            if (!(args[i] = pred_of(t, e->args[i], org, width)))
                return NULL;
        p->nargs = e->nargs;
        p->args = args;
        return p;
    }
    case EXPR_VAR: {
        /* a boolean column as the condition: flag = true (NULL: not true) */
        origin_t o;
        if (!bool_col(t, e, org, width, &o))
            break;
        return bool_leaf(t, o, CUBE_Q_EQ, true);
    }
    case EXPR_BOOLTEST: {
        /* flag IS [NOT] TRUE / FALSE / UNKNOWN is never NULL itself, so it
         * is written with IS [NOT] NULL beside the comparison, which keeps
         * it two-valued under a NOT above (NOT (flag IS TRUE) holds for
         * NULL; NOT (flag = true) does not): IS TRUE = (flag = true AND
         * flag IS NOT NULL), IS NOT TRUE = (flag = false OR flag IS NULL) */
        origin_t o;
        if (e->nargs != 1 || !bool_col(t, e->args[0], org, width, &o))
            break;
        int test = (int)e->u.ival;
        if (test == 4 || test == 5)
            return bool_leaf(t, o, test == 4 ? CUBE_Q_IS_NULL : CUBE_Q_IS_NOT_NULL, false);
        if (test < 0 || test > 3)
            break;
        bool negated = test == 1 || test == 3, value = (test == 0 || test == 3);
        cube_q_pred_t *p = pred_new(t, negated ? CUBE_Q_OR : CUBE_Q_AND);
        const cube_q_pred_t **args = MEM_NEW_N(t->a, const cube_q_pred_t *, 2);
        args[0] = bool_leaf(t, o, CUBE_Q_EQ, value);
        args[1] = bool_leaf(t, o, negated ? CUBE_Q_IS_NULL : CUBE_Q_IS_NOT_NULL, false);
        p->nargs = 2;
        p->args = args;
        return p;
    }
    case EXPR_IS_NULL: {
        origin_t o;
        if (e->nargs != 1 || !column_of(e->args[0], org, width, &o))
            break;
        cube_q_pred_t *p = pred_new(t, e->u.ival == 0 ? CUBE_Q_IS_NULL : CUBE_Q_IS_NOT_NULL);
        p->col = qcol(t, o);
        return p;
    }
    case EXPR_IN_LIST: {
        origin_t o;
        if ((e->ival2 == 4 || e->ival2 == 12) && e->nargs == 2 && column_of(e->args[0], org, width, &o))
            return any_leaf(t, e, o);
        if ((e->ival2 & ~1) != 0 || !column_of(e->args[0], org, width, &o))
            break;
        value_t *vals = MEM_NEW_N(t->a, value_t, e->nargs);
        int *params = MEM_NEW_N(t->a, int, e->nargs);
        bool any = false;
        for (int i = 1; i < e->nargs; i++) {
            if (e->args[i]->type != e->args[1]->type || !value_of(t, e->args[i], &params[i - 1]))
                return fail(t, "an IN list that is not made of constants cannot be answered from a cube"), NULL;
            if (params[i - 1] >= 0)
                any = true;
            else
                vals[i - 1] = e->args[i]->u.cval;
        }
        cube_q_pred_t *p = pred_new(t, e->ival2 & 1 ? CUBE_Q_NE : CUBE_Q_IN);
        p->col = qcol(t, o);
        p->type = e->args[1]->type;
        p->nvals = e->nargs - 1;
        p->vals = vals;
        p->params = any ? params : NULL;
        return p;
    }
    case EXPR_SUBPLAN: {
        /* col [NOT] IN (SELECT ...), uncorrelated: the subquery's rows, as
         * an array computed when the scan opens, are the IN list (Tableau's
         * top-N filter, a list from another table) */
        const exec_subplan_t *sub = e->u.sub;
        origin_t o;
        bool in = sub->kind == SUBLINK_ANY && sub->cmp && strcmp(sub->cmp->name, "=") == 0;
        bool not_in = sub->kind == SUBLINK_ALL && sub->cmp && strcmp(sub->cmp->name, "<>") == 0;
        if ((!in && !not_in) || sub->nouter != 0 || e->nargs != 1 || sub->plan->ncols < 1 ||
            !column_of(e->args[0], org, width, &o))
            break;
        const type_info_t *ti = type_lookup(sub->plan->types[0]);
        if (!ti || !ti->array)
            break;
        exec_subplan_t *as = MEM_NEW(t->a, exec_subplan_t);
        *as = *sub;
        as->kind = SUBLINK_ARRAY;
        as->cmp = NULL;
        exec_expr_t *ae = exec_expr_new(t->a, EXPR_SUBPLAN, ti->array, 0);
        ae->u.sub = as;
        ae->typmod = -1;
        ae->location = -1;
        int idx;
        if (!value_of(t, ae, &idx) || idx < 0)
            break;
        /* NOT IN (x <> ALL): a NULL in the list makes it never true, and
         * over an empty list it holds for every row (the matcher's NE) */
        cube_q_pred_t *p = pred_new(t, in ? CUBE_Q_IN : CUBE_Q_NE);
        p->col = qcol(t, o);
        p->type = sub->plan->types[0];
        p->nvals = 1;
        p->vals = MEM_NEW(t->a, value_t);
        p->params = mem_amemdup(t->a, &idx, sizeof idx);
        p->set = true;
        return p;
    }
    case EXPR_FUNC: {
        if (e->nargs != 2 || !(e->u.fn->flags & EXEC_FN_OPERATOR) || e->type != TYPE_BOOL)
            break;
        for (int side = 0; side < 2; side++) {
            origin_t o;
            const exec_expr_t *k = e->args[1 - side];
            int op = op_of(e->u.fn->name, side == 1);
            int idx;
            if (!op || !column_of(e->args[side], org, width, &o) || !value_of(t, k, &idx))
                continue;
            cube_q_pred_t *p = pred_new(t, (cube_q_op_t)op);
            p->col = qcol(t, o);
            p->type = k->type;
            p->nvals = 1;
            if (idx < 0) {
                p->vals = &k->u.cval;
            } else {
                p->vals = MEM_NEW(t->a, value_t);
                p->params = mem_amemdup(t->a, &idx, sizeof idx);
            }
            return p;
        }
        break;
    }
    default:
        break;
    }
    if (e->type == TYPE_BOOL) {
        const cube_q_pred_t *x = expr_leaf(t, e, org, width);
        if (x)
            return x;
    }
    return fail(t, "a condition of the query reads several columns at once, or a parameter, a subquery or a "
                   "volatile function, so no cube can evaluate it (a cube evaluates conditions on one column, "
                   "combined with AND, OR, NOT)"),
           NULL;
}

static void add_conj(tr_t *t, const exec_expr_t *qual, const origin_t *org, int width)
{
    if (qual->kind == EXPR_AND) {
        for (int i = 0; i < qual->nargs; i++)
            add_conj(t, qual->args[i], org, width);
        return;
    }
    /* an equality of two columns is a join (comma joins the planner kept as a filter) */
    origin_t l, r;
    if (qual->kind == EXPR_FUNC && qual->nargs == 2 && (qual->u.fn->flags & EXEC_FN_OPERATOR) &&
        strcmp(qual->u.fn->name, "=") == 0 && column_of(qual->args[0], org, width, &l) &&
        column_of(qual->args[1], org, width, &r)) {
        if (l.table == r.table)
            fail(t, "a condition compares two columns of one table, which no cube can evaluate");
        else if (t->njk < MAXJ)
            t->jk[t->njk++] = (jkey_t){ l.table, l.col, r.table, r.col, false };
        return;
    }
    const cube_q_pred_t *p = pred_of(t, qual, org, width);
    if (p && t->nconj < MAXC)
        t->conj[t->nconj++] = p;
    else if (p)
        fail(t, "too many conditions");
}

/* ---- the input plan ---- */

/* walk - describes plan p; *org gets where each of its output columns comes
 * from. optional: p is the nullable side of an outer join. 1 described, 0 not
 * (t->why). */
static int walk(tr_t *t, const exec_plan_t *p, bool optional, origin_t **org)
{
    origin_t *o = MEM_NEW_N(t->a, origin_t, p->ncols + 1);
    *org = o;
    switch (p->kind) {
    case PLAN_SCAN: {
        const exec_rel_t *rel = p->u.scan.rel;
        if (rel->kind == 'm')
            return fail(t, mem_asprintf(t->a, "the query joins materialized view %s with source tables, and a cube "
                                              "answers aggregates over source tables only",
                                        rel->name));
        if (rel->kind != 'f')
            return fail(t, "the query reads a relation that is not a source table");
        t->has_source = true;
        if (t->ntables >= MAXT)
            return fail(t, "the query joins too many tables");
        int ti = t->ntables++;
        t->rels[ti] = rel;
        for (int c = 0; c < p->ncols; c++)
            o[c] = (origin_t){ ti, c };
        return 1;
    }
    case PLAN_FILTER: {
        origin_t *co;
        if (!walk(t, p->left, optional, &co))
            return 0;
        memcpy(o, co, sizeof *o * (size_t)p->ncols);
        if (optional)
            return fail(t, "a condition on the optional side of an outer join cannot be answered from a cube");
        add_conj(t, p->u.filter.qual, co, p->left->ncols);
        return t->why ? 0 : 1;
    }
    case PLAN_PROJECT: {
        origin_t *co;
        if (!walk(t, p->left, optional, &co))
            return 0;
        for (int c = 0; c < p->ncols; c++) {
            const exec_expr_t *e = p->u.project.exprs[c];
            o[c] = e->kind == EXPR_VAR && e->u.slot >= 0 && e->u.slot < p->left->ncols ? co[e->u.slot]
                                                                                        : (origin_t){ -1, 0 };
        }
        return 1;
    }
    case PLAN_JOIN: {
        exec_join_type_t jt = p->u.join.type;
        if (jt != JOIN_INNER && jt != JOIN_LEFT && jt != JOIN_RIGHT)
            return fail(t, "FULL, SEMI and ANTI joins cannot be answered from a cube");
        const exec_plan_t *keep = jt == JOIN_RIGHT ? p->right : p->left;
        const exec_plan_t *opt = jt == JOIN_RIGHT ? p->left : p->right;
        bool outer = jt != JOIN_INNER;
        if (outer && opt->kind != PLAN_SCAN)
            return fail(t, "an outer join whose optional side is not a single table cannot be answered from a cube");
        origin_t *lo, *ro;
        if (!walk(t, p->left, optional || (outer && opt == p->left), &lo) ||
            !walk(t, p->right, optional || (outer && opt == p->right), &ro))
            return 0;
        (void)keep;
        int nl = p->left->ncols;
        memcpy(o, lo, sizeof *o * (size_t)nl);
        if (p->ncols > nl)
            memcpy(o + nl, ro, sizeof *o * (size_t)(p->ncols - nl));
        if (p->u.join.nkeys == 0 && outer)
            return fail(t, "an outer join without an equality condition cannot be answered from a cube");
        for (int k = 0; k < p->u.join.nkeys; k++) {
            origin_t a, b;
            if (!column_of(p->u.join.lkeys[k], lo, nl, &a) || !column_of(p->u.join.rkeys[k], ro, p->right->ncols, &b))
                return fail(t, "a join condition is not an equality of columns");
            if (t->njk >= MAXJ)
                return fail(t, "too many join conditions");
            /* kept side first, the optional one second */
            if (jt == JOIN_RIGHT)
                t->jk[t->njk++] = (jkey_t){ b.table, b.col, a.table, a.col, true };
            else
                t->jk[t->njk++] = (jkey_t){ a.table, a.col, b.table, b.col, jt == JOIN_LEFT };
        }
        if (p->u.join.qual) {
            if (outer)
                return fail(t, "an outer join with a condition besides column equalities cannot be answered "
                               "from a cube");
            add_conj(t, p->u.join.qual, o, p->ncols);
            if (t->why)
                return 0;
        }
        return 1;
    }
    default:
        return fail(t, "the query reads a subquery, a function or a set operation, which cube matching does "
                       "not look into");
    }
}

/* reduce_outer - LEFT joins an INNER equi-join makes inner, as PostgreSQL's
 * reduce_outer_joins finds: the optional side of every outer join walk
 * accepts is one table, so an INNER equality that reads a column of that
 * table sits above the outer join, and a NULL-extended row fails it (`=`
 * is never true for NULL): `f LEFT JOIN c ON ... JOIN n ON c.k = n.k` keeps
 * exactly the rows of `f JOIN c JOIN n`. Repeated to a fixpoint, since the
 * join just made inner may read the optional table of another. */
static void reduce_outer(tr_t *t)
{
    for (bool changed = true; changed;) {
        changed = false;
        for (int i = 0; i < t->njk; i++) {
            if (!t->jk[i].right_optional)
                continue;
            int opt = t->jk[i].rt;
            bool rejected = false;
            for (int j = 0; j < t->njk && !rejected; j++)
                rejected = !t->jk[j].right_optional && (t->jk[j].lt == opt || t->jk[j].rt == opt);
            if (!rejected)
                continue;
            for (int j = 0; j < t->njk; j++) /* every key of that join (a composite key) */
                if (t->jk[j].right_optional && t->jk[j].rt == opt)
                    t->jk[j].right_optional = false;
            changed = true;
        }
    }
}

/* sources - the source tables under p, whatever p is (for the policy). */
static void sources(const exec_plan_t *p, const exec_rel_t **rels, int *n)
{
    if (!p)
        return;
    if (p->kind == PLAN_SCAN && p->u.scan.rel->kind == 'f' && *n < MAXT)
        rels[(*n)++] = p->u.scan.rel;
    sources(p->left, rels, n);
    sources(p->right, rels, n);
}

/* ---- aggregates ---- */

typedef struct lin {
    int n;
    cube_q_term_t t[16];
} lin_t;

static bool lin_add(lin_t *l, int64_t coef, origin_t a, origin_t b, const tr_t *t)
{
    if (l->n >= 16)
        return false;
    l->t[l->n].coef = coef;
    l->t[l->n].a = qcol(t, a);
    l->t[l->n].b = b.table >= 0 ? qcol(t, b) : (cube_q_col_t){ -1, NULL };
    l->n++;
    return true;
}

static bool int_const(const exec_expr_t *e, int64_t *v)
{
    e = strip_cast(e);
    if (!e || e->kind != EXPR_CONST || e->u.cval.isnull || !is_int(e->type))
        return false;
    *v = e->u.cval.u.i;
    return true;
}

/* linear - e as a sum of coef * column [* column] terms. */
static bool linear(tr_t *t, const exec_expr_t *e, const origin_t *org, int width, int64_t coef, lin_t *out)
{
    origin_t a, b;
    e = strip_cast(e);
    if (column_of(e, org, width, &a))
        return lin_add(out, coef, a, (origin_t){ -1, 0 }, t);
    if (e->kind != EXPR_FUNC || !(e->u.fn->flags & EXEC_FN_OPERATOR))
        return false;
    const char *op = e->u.fn->name;
    if (e->nargs == 1 && strcmp(op, "-") == 0)
        return linear(t, e->args[0], org, width, -coef, out);
    if (e->nargs == 1 && strcmp(op, "+") == 0)
        return linear(t, e->args[0], org, width, coef, out);
    if (e->nargs != 2)
        return false;
    if (strcmp(op, "+") == 0 || strcmp(op, "-") == 0)
        return linear(t, e->args[0], org, width, coef, out) &&
               linear(t, e->args[1], org, width, strcmp(op, "-") == 0 ? -coef : coef, out);
    if (strcmp(op, "*") == 0) {
        int64_t k;
        if (int_const(e->args[0], &k))
            return linear(t, e->args[1], org, width, coef * k, out);
        if (int_const(e->args[1], &k))
            return linear(t, e->args[0], org, width, coef * k, out);
        if (column_of(e->args[0], org, width, &a) && column_of(e->args[1], org, width, &b))
            return lin_add(out, coef, a, b, t);
    }
    return false;
}

static int agg_terms(tr_t *t, const char *name, cube_q_fn_t fn, bool distinct, const exec_expr_t *arg,
                     const origin_t *org, int width, cube_q_agg_t *out);

static int agg_of(tr_t *t, const exec_aggcall_t *call, const exec_expr_t *arg, const origin_t *org, int width,
                  cube_q_agg_t *out)
{
    const char *name = call->agg ? call->agg->name : "?";
    static const struct {
        const char *name;
        cube_q_fn_t fn;
    } fns[] = { { "sum", CUBE_Q_SUM }, { "count", CUBE_Q_COUNT }, { "avg", CUBE_Q_AVG },
                { "min", CUBE_Q_MIN }, { "max", CUBE_Q_MAX } };
    out->fn = 0;
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++)
        if (strcmp(fns[i].name, name) == 0)
            out->fn = fns[i].fn;
    if (!out->fn)
        return fail(t, mem_asprintf(t->a, "aggregate %s cannot be answered from a cube", name));
    if (call->filter || call->norder > 0)
        return fail(t, mem_asprintf(t->a, "%s with FILTER or ORDER BY cannot be answered from a cube", name));
    out->distinct = call->distinct;
    if (call->star || !arg) {
        out->star = true;
        out->nterms = 0;
        return 1;
    }
    return agg_terms(t, name, out->fn, call->distinct, arg, org, width, out);
}

/* agg_terms - out (fn, named name) over the argument arg: count of a
 * constant that is not NULL is count(*), anything else a linear form of
 * columns (a single column but for sum and avg). */
static int agg_terms(tr_t *t, const char *name, cube_q_fn_t fn, bool distinct, const exec_expr_t *arg,
                     const origin_t *org, int width, cube_q_agg_t *out)
{
    out->fn = fn;
    out->distinct = distinct;
    out->star = false;
    /* count(1), count('x'): a constant that is not NULL counts every row */
    const exec_expr_t *ca = strip_cast(arg);
    if (out->fn == CUBE_Q_COUNT && !distinct && ca->kind == EXPR_CONST && !ca->u.cval.isnull) {
        out->star = true;
        out->nterms = 0;
        return 1;
    }
    lin_t l = { 0 };
    if (!linear(t, arg, org, width, 1, &l) || l.n == 0)
        return fail(t, mem_asprintf(t->a, "the argument of %s is not a column or a sum of columns and products "
                                          "of two columns",
                                    name));
    if (out->fn != CUBE_Q_SUM && out->fn != CUBE_Q_AVG && (l.n != 1 || l.t[0].coef != 1 || l.t[0].b.table >= 0))
        return fail(t, mem_asprintf(t->a, "the argument of %s is not a column", name));
    out->nterms = l.n;
    out->terms = mem_amemdup(t->a, l.t, sizeof l.t[0] * (size_t)l.n);
    return 1;
}

/* ---- the cube scan ---- */

/* The relation the router puts in the plan: the matcher's, plus the plan
 * for EXPLAIN. */
typedef struct route_rel {
    exec_rel_t rel;
    const exec_rel_t *inner;
    const cube_plan_t *plan;
    int nvx;                /* the plan's execution values: evaluated at each open */
    const exec_expr_t **vx;
} route_rel_t;

static int rr_open(const exec_rel_t *rel, mem_arena_t *a, const bool *needed, void **scan, err_t *err)
{
    const route_rel_t *rr = rel->impl;
    const exec_rel_t *inner = rr->inner;
    if (rr->nvx > 0) {
        /* filters on $n: the plan is bound to this execution's values (a
         * prepared statement runs again with others), in the scan's arena */
        int np;
        const value_t *pv = sql__exec_params(&np);
        exec_ectx_t ec = { 0 };
        ec.arena = a;
        ec.sess = sql__exec_session();
        ec.params = pv;
        ec.nparams = np;
        ec.err = err;
        value_t *vals = MEM_NEW_N(a, value_t, rr->nvx);
        for (int i = 0; i < rr->nvx; i++)
            if (exec_eval_const(&ec, rr->vx[i], &vals[i]) < 0)
                return -1;
        const cube_plan_t *bound;
        if (cube_plan_bind(rr->plan, vals, rr->nvx, a, &bound, err) < 0)
            return -1;
        inner = cube_plan_rel(bound, a);
    }
    return inner->ops->open(inner, a, needed, scan, err);
}

static int rr_next(void *scan, exec_batch_t *out, mem_arena_t *scratch, err_t *err);
static void rr_close(void *scan);

static const exec_scan_ops_t *inner_ops; /* every plan relation shares the matcher's ops */
static const exec_scan_ops_t rr_ops = { rr_open, rr_next, rr_close };

static int rr_next(void *scan, exec_batch_t *out, mem_arena_t *scratch, err_t *err)
{
    return inner_ops->next(scan, out, scratch, err);
}

static void rr_close(void *scan)
{
    if (inner_ops->close)
        inner_ops->close(scan);
}

int sql__cube_route_explain(const exec_rel_t *rel, mem_arena_t *a, char ***lines, int *n)
{
    *lines = NULL;
    *n = 0;
    bool view = sql__cube_route_is_view(rel);
    if (!rel || (rel->ops != &rr_ops && !view))
        return 0;
    buf_t b = BUF_INIT;
    if (view)
        sql__cube_route_view_explain(rel, a, &b);
    else
        cube_plan_explain(((const route_rel_t *)rel->impl)->plan, &b);
    const char *s = buf_cstr(&b);
    int cnt = 0;
    for (const char *p = s; *p; p++)
        cnt += *p == '\n';
    char **out = MEM_NEW_N(a, char *, cnt + 2);
    int k = 0;
    for (const char *p = s; *p;) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        /* the node line already says "Cube Scan on <cube>": of the
         * matcher's heading keep the segment */
        const char *seg = p == s && strncmp(p, "Cube Scan", 9) == 0 ? strstr(p, "(segment ") : NULL;
        if (seg && seg < p + len)
            out[k++] = mem_asprintf(a, "Segment: %.*s", (int)strcspn(seg + 9, ")\n"), seg + 9);
        else if (!(p == s && strncmp(p, "Cube Scan", 9) == 0))
            out[k++] = mem_astrndup(a, p, len);
        p += len + (e ? 1 : 0);
    }
    buf_free(&b);
    *lines = out;
    *n = k;
    return k;
}

static exec_plan_t *scan_plan(sql_analyze_t *an, const exec_plan_t *agg, const cube_plan_t *cp, const tr_t *t)
{
    const exec_rel_t *inner = cube_plan_rel(cp, an->a);
    inner_ops = inner->ops;
    route_rel_t *rr = MEM_NEW(an->a, route_rel_t);
    rr->rel = *inner;
    rr->rel.ops = &rr_ops;
    rr->rel.impl = rr;
    rr->inner = inner;
    rr->plan = cp;
    if (cube_plan_nvalues(cp) > 0) {
        rr->nvx = t->nvx;
        rr->vx = mem_amemdup(an->a, t->vx, sizeof t->vx[0] * (size_t)t->nvx);
    }
    exec_plan_t *p = exec_plan_new(an->a, PLAN_SCAN, inner->ncols);
    p->u.scan.rel = &rr->rel;
    p->u.scan.needed = MEM_NEW_N(an->a, bool, inner->ncols + 1);
    for (int i = 0; i < inner->ncols; i++) {
        p->u.scan.needed[i] = true;
        p->types[i] = inner->cols[i].type;
        p->typmods[i] = inner->cols[i].typmod;
    }
    p->est_rows = inner->est_rows;
    p->cheap = inner->cheap;
    if (!agg) /* the inner scan of a two-level plan: the cube's types */
        return p;
    /* the aggregate's own output types: cast where the cube's differ */
    bool same = true;
    for (int i = 0; i < agg->ncols && same; i++)
        same = p->types[i] == agg->types[i];
    if (same)
        return p;
    exec_plan_t *pr = exec_plan_new(an->a, PLAN_PROJECT, agg->ncols);
    pr->left = p;
    pr->u.project.exprs = MEM_NEW_N(an->a, exec_expr_t *, agg->ncols + 1);
    for (int i = 0; i < agg->ncols; i++) {
        exec_expr_t *v = exec_expr_new(an->a, EXPR_VAR, p->types[i], 0);
        v->u.slot = i;
        v->typmod = p->typmods[i];
        v->location = -1;
        exec_expr_t *c = p->types[i] == agg->types[i] ? v
                                                       : sql__coerce(an, v, agg->types[i], -1, EXEC_CAST_EXPLICIT, -1);
        if (!c)
            return NULL;
        pr->u.project.exprs[i] = c;
        pr->types[i] = agg->types[i];
        pr->typmods[i] = c->typmod;
    }
    pr->est_rows = p->est_rows;
    pr->cheap = p->cheap;
    return pr;
}

/* ---- scans of the views themselves ---- */

/* view_conj - the conjuncts of qual the view scan can use, into t->conj;
 * the others (joins, expressions, measures compared with columns) are
 * simply not used: the filter node above the scan still decides every row. */
static void view_conj(tr_t *t, const exec_expr_t *qual, const origin_t *org, int width)
{
    if (qual->kind == EXPR_AND) {
        for (int i = 0; i < qual->nargs; i++)
            view_conj(t, qual->args[i], org, width);
        return;
    }
    t->why = NULL;
    const cube_q_pred_t *p = pred_of(t, qual, org, width);
    if (p && t->nconj < MAXC)
        t->conj[t->nconj++] = p;
}

void sql__cube_route_views(sql_analyze_t *an, exec_plan_t *p)
{
    if (!p)
        return;
    const exec_plan_t *scan = p;
    while (scan->kind == PLAN_FILTER && scan->left)
        scan = scan->left;
    if (p->kind == PLAN_FILTER && scan->kind == PLAN_SCAN && sql__cube_route_is_view(scan->u.scan.rel) &&
        !sql__cube_route_view_restricted(scan->u.scan.rel)) {
        const exec_rel_t *rel = scan->u.scan.rel;
        tr_t t = { 0 };
        t.an = an;
        t.a = an->a;
        t.ntables = 1;
        t.rels[0] = rel;
        origin_t *org = MEM_NEW_N(an->a, origin_t, rel->ncols + 1);
        for (int c = 0; c < rel->ncols; c++)
            org[c] = (origin_t){ 0, c };
        for (const exec_plan_t *f = p; f != scan; f = f->left)
            view_conj(&t, f->u.filter.qual, org, rel->ncols);
        if (t.nconj > 0) {
            cube_q_pred_t *w = pred_new(&t, CUBE_Q_AND);
            w->nargs = t.nconj;
            w->args = mem_amemdup(t.a, t.conj, sizeof t.conj[0] * (size_t)t.nconj);
            ((exec_plan_t *)scan)->u.scan.rel = sql__cube_route_view_where(rel, an->a, w);
        }
        return;
    }
    sql__cube_route_views(an, p->left);
    sql__cube_route_views(an, p->right);
}

/* ---- the policy ---- */

/* modeled - whether a cube's model has one of rels as its fact table. */
static bool modeled(const meta_catalog_t *cat, const exec_rel_t *const *rels, int n)
{
    for (size_t i = 0; i < cat->ncubes; i++) {
        const meta_model_t *mo = meta_catalog_model_by_id(cat, cat->cubes[i].model_id);
        const meta_table_t *ft = mo ? meta_catalog_table_by_id(cat, mo->fact_table_id) : NULL;
        const meta_schema_t *sc = ft ? meta_catalog_schema_by_id(cat, ft->schema_id) : NULL;
        for (int k = 0; ft && k < n; k++)
            if (strcmp(rels[k]->name, ft->name) == 0 && strcmp(rels[k]->schema ? rels[k]->schema : "public",
                                                              sc ? sc->name : "public") == 0)
                return true;
    }
    return false;
}

/* build_from - q's tables, joins and WHERE from what walk found. */
static void build_from(tr_t *t, cube_query_t *q)
{
    cube_q_table_t *tabs = MEM_NEW_N(t->a, cube_q_table_t, t->ntables + 1);
    for (int i = 0; i < t->ntables; i++)
        tabs[i] = (cube_q_table_t){ t->rels[i]->schema, t->rels[i]->name };
    /* join keys grouped per pair of tables (a composite key is one join) */
    cube_q_join_t *joins = MEM_NEW_N(t->a, cube_q_join_t, t->njk + 1);
    bool *done = MEM_NEW_N(t->a, bool, t->njk + 1);
    int nj = 0;
    for (int i = 0; i < t->njk; i++) {
        if (done[i])
            continue;
        const jkey_t *k = &t->jk[i];
        const char **lc = MEM_NEW_N(t->a, const char *, t->njk);
        const char **rc = MEM_NEW_N(t->a, const char *, t->njk);
        int nk = 0;
        for (int m = i; m < t->njk; m++) {
            const jkey_t *x = &t->jk[m];
            if (done[m])
                continue;
            bool same = x->lt == k->lt && x->rt == k->rt, rev = x->lt == k->rt && x->rt == k->lt;
            if (!same && !(rev && !x->right_optional && !k->right_optional))
                continue;
            if (x->right_optional != k->right_optional)
                continue;
            lc[nk] = t->rels[k->lt]->cols[same ? x->lc : x->rc].name;
            rc[nk] = t->rels[k->rt]->cols[same ? x->rc : x->lc].name;
            nk++;
            done[m] = true;
        }
        joins[nj++] = (cube_q_join_t){ k->lt, k->rt, k->right_optional, nk, lc, rc };
    }
    q->ntables = t->ntables;
    q->tables = tabs;
    q->njoins = nj;
    q->joins = joins;
    /* WHERE */
    if (t->nconj == 1) {
        q->where = t->conj[0];
    } else if (t->nconj > 1) {
        cube_q_pred_t *p = pred_new(t, CUBE_Q_AND);
        p->nargs = t->nconj;
        p->args = mem_amemdup(t->a, t->conj, sizeof t->conj[0] * (size_t)t->nconj);
        q->where = p;
    }
}

static int build_query(tr_t *t, const exec_plan_t *agg, cube_query_t *q, origin_t *org)
{
    const exec_plan_t *in = agg->left;
    int width = in->ncols;
    build_from(t, q);
    /* GROUP BY */
    int ng = agg->u.agg.ngroup;
    cube_q_col_t *group = MEM_NEW_N(t->a, cube_q_col_t, ng + 1);
    for (int i = 0; i < ng; i++) {
        const exec_expr_t *g = agg->u.agg.group[i];
        origin_t o;
        if (g->kind != EXPR_VAR || !column_of(g, org, width, &o))
            return fail(t, "a GROUP BY item is an expression, not a column");
        group[i] = qcol(t, o);
    }
    q->ngroup = ng;
    q->group = group;
    /* aggregates */
    int na = agg->u.agg.naggs;
    cube_q_agg_t *aggs = MEM_NEW_N(t->a, cube_q_agg_t, na + 1);
    for (int i = 0; i < na; i++)
        if (!agg_of(t, agg->u.agg.aggs[i], agg->u.agg.aggargs[2 * i], org, width, &aggs[i]))
            return 0;
    q->naggs = na;
    q->aggs = aggs;
    return 1;
}

/* ---- two-level plans ----
 *
 * A block whose GROUP BY items are expressions over dimensions, or that has
 * GROUPING SETS / ROLLUP / CUBE, aggregates with FILTER (WHERE ...), DISTINCT
 * aggregates or min/max of an expression, is answered by a Cube Scan grouped
 * by every column those read (each must be a dimension), producing partials
 * that re-aggregate, under the executor's own aggregate node, which then
 * evaluates the expressions, sets, GROUPING(), FILTERs and DISTINCTs over the
 * scan's rows as it would over the source rows:
 *
 *   sum(x)            sum of the partial sums (a NULL partial -- its group
 *                     had no non-NULL x -- is skipped: all NULL stays NULL)
 *   count(*), (x)     coalesce(sum of the partial counts, 0)
 *   min(x), max(x)    min / max of the partials
 *   avg(x)            sum of partial sums / sum of partial non-NULL counts,
 *                     PostgreSQL's numeric (or float8) division, as avg's
 *                     final function does
 *   agg(DISTINCT f), min/max(f)
 *                     the same aggregate over the scan's rows: f reads
 *                     dimensions only, and the scan has one row per
 *                     combination of their values the source rows hold, so
 *                     the set of f's values is the same
 *
 * The scan is projected back into the layout of the aggregate's input (the
 * columns read from the scan, the others NULL, the partials after them), so
 * the planned group expressions, FILTER conditions and arguments are used as
 * they are; a projection on top gives the node's output types (sum(int4)
 * bigint, count bigint, avg(int) numeric). A GROUP BY that reads no column
 * at all (GROUP BY 'all') has no group over no source rows, where a scan
 * with no group columns gives one row: the query says so (grouped) and the
 * scan then gives none.
 */

#define MAXP 128 /* partials of one block */

typedef enum part_kind { PK_OUTER = 1, PK_SUM, PK_COUNT, PK_MIN, PK_MAX, PK_AVG, PK_CASE } part_kind_t;

/* One result of a CASE inside sum/count/avg (PK_CASE): the partial that
 * stands for it in a group of the scan, whose WHEN conditions read only
 * its group columns, so one branch holds for all of the group's rows: a
 * sum (or count) of the branch, k times count(*) for a constant k, NULL
 * (p -1: sum and count skip it), or, in a sum, a constant zero (p -2, k). */
typedef struct cpart {
    int p;
    const exec_expr_t *k;
} cpart_t;

typedef struct two {
    int width;            /* the aggregate input's columns */
    int *dim_of;          /* per input slot: its group column in the scan, -1 */
    int ndims;
    origin_t *dorg;       /* per scan group column: the table column */
    int nparts;
    cube_q_agg_t parts[MAXP];
    part_kind_t *kind;    /* per aggregate */
    int *p1, *p2;         /* per aggregate: its partial(s) */
    cpart_t **cs, **cc;   /* per PK_CASE aggregate: per result (THENs, ELSE) its sum and count partials */
    const exec_expr_t **carg; /* per PK_CASE aggregate: its CASE (sum(1): CASE ELSE 1 END) */
    bool minmax_outer;    /* min/max of a column too over the scan's rows (the column a dimension) */
    bool minmax_part;     /* a min/max partial was asked for */
} two_t;

static bool is_name(const exec_aggcall_t *call, const char *name)
{
    return call->agg && strcmp(call->agg->name, name) == 0;
}

static int two_var(tr_t *t, two_t *w, const origin_t *org, int slot)
{
    if (slot < 0 || slot >= w->width || org[slot].table < 0)
        return fail(t, "a grouping expression, FILTER condition or aggregate argument reads a computed value, not "
                       "a column");
    if (w->dim_of[slot] >= 0)
        return 1;
    for (int i = 0; i < w->ndims; i++)
        if (w->dorg[i].table == org[slot].table && w->dorg[i].col == org[slot].col) {
            w->dim_of[slot] = i;
            return 1;
        }
    w->dorg[w->ndims] = org[slot];
    w->dim_of[slot] = w->ndims++;
    return 1;
}

/* two_vars - the columns e reads become group columns of the scan. */
static int two_vars(tr_t *t, two_t *w, const origin_t *org, const exec_expr_t *e)
{
    if (!e)
        return 1;
    switch (e->kind) {
    case EXPR_VAR:
        return two_var(t, w, org, e->u.slot);
    case EXPR_SUBPLAN:
        return fail(t, "a subquery in a grouping expression, FILTER condition or aggregate argument cannot be "
                       "answered from a cube");
    case EXPR_COLREF:
    case EXPR_AGGREF:
    case EXPR_WINDOWREF:
        return fail(t, "an unplanned expression cannot be answered from a cube");
    case EXPR_FUNC:
        if (e->u.fn->flags & (EXEC_FN_VOLATILE | EXEC_FN_SETOF))
            return fail(t, mem_asprintf(t->a, "volatile or set-returning function %s cannot be evaluated over a "
                                              "cube's rows",
                                        e->u.fn->name));
        break;
    default:
        break;
    }
    for (int i = 0; i < e->nargs; i++)
        if (!two_vars(t, w, org, e->args[i]))
            return 0;
    return 1;
}

static bool same_term(const cube_q_term_t *a, const cube_q_term_t *b)
{
    return a->coef == b->coef && a->a.table == b->a.table && strcmp(a->a.column, b->a.column) == 0 &&
           a->b.table == b->b.table && (a->b.table < 0 || strcmp(a->b.column, b->b.column) == 0);
}

/* add_part - the index of partial g among w's (added once). */
static int add_part(tr_t *t, two_t *w, const cube_q_agg_t *g)
{
    for (int i = 0; i < w->nparts; i++) {
        const cube_q_agg_t *o = &w->parts[i];
        bool same = o->fn == g->fn && o->star == g->star && o->nterms == g->nterms;
        for (int k = 0; same && k < g->nterms; k++)
            same = same_term(&o->terms[k], &g->terms[k]);
        if (same)
            return i;
    }
    if (w->nparts >= MAXP)
        return fail(t, "too many aggregates"), -1;
    w->parts[w->nparts] = *g;
    return w->nparts++;
}

/* zero_const - whether the constant e is a number equal to zero. */
static bool zero_const(const exec_expr_t *e)
{
    if (is_int(e->type))
        return e->u.cval.u.i == 0;
    if (e->type == TYPE_FLOAT4 || e->type == TYPE_FLOAT8)
        return e->u.cval.u.f == 0.0;
    if (e->type == TYPE_NUMERIC)
        return e->u.cval.u.num && !numeric_is_special(e->u.cval.u.num) && e->u.cval.u.num->ndigits == 0;
    return false;
}

/* case_part - the partial of one CASE result x for an aggregate of kind
 * fn (CUBE_Q_SUM: its sum; CUBE_Q_COUNT: its count of values). 1, or 0
 * with t->why. */
static int case_part(tr_t *t, two_t *w, const char *name, cube_q_fn_t fn, const exec_expr_t *x, const origin_t *org,
                     cpart_t *out)
{
    out->p = -1;
    out->k = NULL;
    const exec_expr_t *sx = strip_cast(x);
    if (sx->kind == EXPR_CONST && sx->u.cval.isnull)
        return 1;
    cube_q_agg_t g = { 0 };
    if (fn == CUBE_Q_SUM && sx->kind == EXPR_CONST && zero_const(sx)) {
        out->p = -2; /* ELSE 0: adds nothing, needs no count(*) */
        out->k = x;
        return 1;
    }
    if (sx->kind == EXPR_CONST) {
        g.fn = CUBE_Q_COUNT;
        g.star = true;
        out->k = fn == CUBE_Q_SUM ? x : NULL;
    } else if (!agg_terms(t, name, fn, false, x, org, w->width, &g)) {
        return 0;
    }
    out->p = add_part(t, w, &g);
    return out->p >= 0;
}

/* dup_blind - whether call gives the same over a multiset's distinct
 * values as over the multiset (DISTINCT, or an idempotent aggregate), so
 * the scan's rows, one per combination of the dimensions it reads, stand
 * for the fact rows. min and max have measures of their own: not here. */
static bool dup_blind(const exec_aggcall_t *call)
{
    static const char *const idem[] = { "bool_and", "bool_or", "every", "bit_and", "bit_or" };
    if (call->distinct)
        return true;
    for (size_t i = 0; i < sizeof idem / sizeof idem[0]; i++)
        if (is_name(call, idem[i]))
            return true;
    return false;
}

/* const_sum - whether call is sum or avg of a constant that is not NULL
 * (Tableau's "Number of Records" is sum(1)): k times count(*), as the one
 * result of a CASE without WHEN (PK_CASE). */
static bool const_sum(const exec_aggcall_t *call, const exec_expr_t *arg)
{
    if (!arg || call->distinct || (!is_name(call, "sum") && !is_name(call, "avg")))
        return false;
    const exec_expr_t *c = strip_cast(arg);
    return c->kind == EXPR_CONST && !c->u.cval.isnull;
}

/* needs_two - whether the block needs a two-level plan (see above). */
static bool needs_two(const exec_plan_t *agg, const origin_t *org)
{
    int width = agg->left->ncols;
    if (agg->u.agg.ngsets > 0)
        return true;
    for (int i = 0; i < agg->u.agg.ngroup; i++) {
        origin_t o;
        if (agg->u.agg.group[i]->kind != EXPR_VAR || !column_of(agg->u.agg.group[i], org, width, &o))
            return true;
    }
    for (int i = 0; i < agg->u.agg.naggs; i++) {
        const exec_aggcall_t *call = agg->u.agg.aggs[i];
        const exec_expr_t *arg = agg->u.agg.aggargs[2 * i];
        bool minmax = is_name(call, "min") || is_name(call, "max");
        origin_t o;
        if (call->filter || call->agg == &exec_agg_grouping || (dup_blind(call) && !minmax) ||
            (minmax && arg && !column_of(arg, org, width, &o)) || (!minmax && arg && arg->kind == EXPR_CASE) ||
            const_sum(call, arg))
            return true;
    }
    return false;
}

/* has_minmax - whether block agg calls min or max. */
static bool has_minmax(const exec_plan_t *agg)
{
    for (int i = 0; i < agg->u.agg.naggs; i++)
        if (is_name(agg->u.agg.aggs[i], "min") || is_name(agg->u.agg.aggs[i], "max"))
            return true;
    return false;
}

/* two_query - the inner query of block agg's two-level plan into q, its
 * bookkeeping into w. 1, or 0 with t->why. */
static int two_query(tr_t *t, const exec_plan_t *agg, const origin_t *org, cube_query_t *q, two_t *w)
{
    int width = agg->left->ncols, na = agg->u.agg.naggs, ng = agg->u.agg.ngroup;
    w->width = width;
    w->dim_of = MEM_NEW_N(t->a, int, width + 1);
    for (int i = 0; i < width; i++)
        w->dim_of[i] = -1;
    w->dorg = MEM_NEW_N(t->a, origin_t, width + 1);
    w->kind = MEM_NEW_N(t->a, part_kind_t, na + 1);
    w->p1 = MEM_NEW_N(t->a, int, na + 1);
    w->p2 = MEM_NEW_N(t->a, int, na + 1);
    w->cs = MEM_NEW_N(t->a, cpart_t *, na + 1);
    w->cc = MEM_NEW_N(t->a, cpart_t *, na + 1);
    w->carg = MEM_NEW_N(t->a, const exec_expr_t *, na + 1);
    for (int i = 0; i < ng; i++)
        if (!two_vars(t, w, org, agg->u.agg.group[i]))
            return 0;
    for (int i = 0; i < na; i++) {
        const exec_aggcall_t *call = agg->u.agg.aggs[i];
        const exec_expr_t *arg = agg->u.agg.aggargs[2 * i];
        w->p1[i] = w->p2[i] = -1;
        if (call->agg == &exec_agg_grouping) {
            w->kind[i] = PK_OUTER;
            continue;
        }
        const char *name = call->agg ? call->agg->name : "?";
        bool minmax = is_name(call, "min") || is_name(call, "max");
        if (!two_vars(t, w, org, call->filter))
            return 0;
        if (dup_blind(call) && !minmax) {
            /* string_agg(DISTINCT c_nation, ','), bool_or(d_year > 1997):
             * the executor's call over the scan's rows, its arguments and
             * ORDER BY over dimensions */
            w->kind[i] = PK_OUTER;
            if (!two_vars(t, w, org, arg) || !two_vars(t, w, org, agg->u.agg.aggargs[2 * i + 1]))
                return 0;
            for (int k = 0; k < call->norder; k++)
                if (!two_vars(t, w, org, call->order[k]))
                    return 0;
            continue;
        }
        if (!minmax && !is_name(call, "sum") && !is_name(call, "count") && !is_name(call, "avg"))
            return fail(t, mem_asprintf(t->a, "aggregate %s cannot be answered from a cube", name));
        if (call->norder > 0 || agg->u.agg.aggargs[2 * i + 1])
            return fail(t, mem_asprintf(t->a, "%s with ORDER BY cannot be answered from a cube", name));
        origin_t o;
        if (call->distinct || (minmax && arg && (w->minmax_outer || !column_of(arg, org, width, &o)))) {
            w->kind[i] = PK_OUTER;
            if (!two_vars(t, w, org, arg))
                return 0;
            continue;
        }
        if (const_sum(call, arg)) {
            exec_expr_t *ce = exec_expr_new(t->a, EXPR_CASE, arg->type, 1);
            ce->typmod = arg->typmod;
            ce->location = -1;
            ce->args[0] = (exec_expr_t *)arg;
            arg = ce;
        }
        w->carg[i] = arg;
        if (arg && arg->kind == EXPR_CASE) {
            /* sum(CASE WHEN d_year = 1993 THEN lo_revenue ELSE 0 END), as BI
             * tools write conditional totals: the conditions' columns become
             * group columns of the scan, each result a partial */
            int nw = (arg->nargs - 1) / 2;
            bool want_sum = !is_name(call, "count"), want_cnt = !is_name(call, "sum");
            for (int j = 0; j < nw; j++)
                if (!two_vars(t, w, org, arg->args[2 * j]))
                    return 0;
            w->cs[i] = want_sum ? MEM_NEW_N(t->a, cpart_t, nw + 1) : NULL;
            w->cc[i] = want_cnt ? MEM_NEW_N(t->a, cpart_t, nw + 1) : NULL;
            for (int j = 0; j <= nw; j++) {
                const exec_expr_t *x = arg->args[j < nw ? 2 * j + 1 : 2 * nw];
                if ((want_sum && !case_part(t, w, name, CUBE_Q_SUM, x, org, &w->cs[i][j])) ||
                    (want_cnt && !case_part(t, w, name, CUBE_Q_COUNT, x, org, &w->cc[i][j])))
                    return 0;
            }
            w->kind[i] = PK_CASE;
            continue;
        }
        exec_aggcall_t plain = *call;
        plain.filter = NULL;
        plain.distinct = false;
        cube_q_agg_t g;
        if (!agg_of(t, &plain, arg, org, width, &g))
            return 0;
        switch (g.fn) {
        case CUBE_Q_AVG:
            w->kind[i] = PK_AVG;
            g.fn = CUBE_Q_SUM;
            w->p1[i] = add_part(t, w, &g);
            g.fn = CUBE_Q_ARGCOUNT;
            w->p2[i] = add_part(t, w, &g);
            break;
        default:
            w->kind[i] = g.fn == CUBE_Q_SUM ? PK_SUM : g.fn == CUBE_Q_COUNT ? PK_COUNT : g.fn == CUBE_Q_MIN ? PK_MIN
                                                                                                            : PK_MAX;
            w->p1[i] = add_part(t, w, &g);
            w->minmax_part |= g.fn == CUBE_Q_MIN || g.fn == CUBE_Q_MAX;
            break;
        }
        if (w->p1[i] < 0 || (w->kind[i] == PK_AVG && w->p2[i] < 0))
            return 0;
    }
    /* With no group column, the scan is one row even over no fact row
     * (count 0): a constant result of a CASE must then add nothing, so it
     * is taken as the constant times count(*) (case_over makes that NULL
     * where the count is 0), the zero included. */
    for (int i = 0; i < na && w->ndims == 0; i++)
        for (int j = 0; w->kind[i] == PK_CASE && w->cs[i] && j <= (w->carg[i]->nargs - 1) / 2; j++)
            if (w->cs[i][j].p == -2) {
                cube_q_agg_t g = { 0 };
                g.fn = CUBE_Q_COUNT;
                g.star = true;
                if ((w->cs[i][j].p = add_part(t, w, &g)) < 0)
                    return 0;
            }
    build_from(t, q);
    q->grouped = ng > 0; /* GROUP BY constants: one group, or none over no row */
    cube_q_col_t *group = MEM_NEW_N(t->a, cube_q_col_t, w->ndims + 1);
    for (int i = 0; i < w->ndims; i++)
        group[i] = qcol(t, w->dorg[i]);
    q->ngroup = w->ndims;
    q->group = group;
    q->naggs = w->nparts;
    q->aggs = mem_amemdup(t->a, w->parts, sizeof w->parts[0] * (size_t)(w->nparts + 1));
    return 1;
}

static exec_expr_t *var_of(sql_analyze_t *an, int slot, type_oid_t type, int32_t typmod)
{
    exec_expr_t *v = exec_expr_new(an->a, EXPR_VAR, type, 0);
    v->u.slot = slot;
    v->typmod = typmod;
    v->location = -1;
    return v;
}

static exec_expr_t *cast_to(sql_analyze_t *an, exec_expr_t *e, type_oid_t type)
{
    if (!e || e->type == type)
        return e;
    return sql__coerce(an, e, type, -1, EXEC_CAST_EXPLICIT, -1);
}

/* reagg - the call re-aggregating a partial of type argt with name, under
 * orig's FILTER; *ret its type. */
static exec_aggcall_t *reagg(sql_analyze_t *an, const char *name, const exec_aggcall_t *orig, type_oid_t argt,
                             type_oid_t *ret)
{
    const exec_agg_t *fn = exec_agg_find(name, 1, &argt, ret);
    if (!fn) {
        err_set(an->err, ERRCODE_INTERNAL_ERROR, "no aggregate %s(%s) to re-aggregate a cube's partials", name,
                sql__type_name(argt));
        return NULL;
    }
    exec_aggcall_t *c = MEM_NEW(an->a, exec_aggcall_t);
    c->agg = fn;
    c->filter = orig->filter;
    c->index = orig->index;
    return c;
}

/* outer_call - call c over arg as the outer aggregate's next one (*k, then
 * advanced); the variable of its result, of type ret. */
static exec_expr_t *outer_call(sql_analyze_t *an, exec_plan_t *oa, int ng, int *k, exec_aggcall_t *c, exec_expr_t *arg,
                               type_oid_t ret)
{
    oa->u.agg.aggs[*k] = c;
    oa->u.agg.aggargs[2 * *k] = arg;
    oa->types[ng + *k] = ret;
    oa->typmods[ng + *k] = -1;
    return var_of(an, ng + (*k)++, ret, -1);
}

/* part_result - an aggregate's value of type want from its re-aggregated
 * partials v: a count is coalesce(sum, 0), an avg the sum over the count
 * (PostgreSQL's numeric or float8 division), anything else its partial. */
static exec_expr_t *part_result(sql_analyze_t *an, part_kind_t pk, exec_expr_t *const *v, type_oid_t want)
{
    if (pk == PK_COUNT) {
        exec_expr_t *c = cast_to(an, v[0], TYPE_INT8);
        if (!c)
            return NULL;
        exec_expr_t *e = exec_expr_new(an->a, EXPR_COALESCE, TYPE_INT8, 2);
        e->args[0] = c;
        e->args[1] = sql__const(an, TYPE_INT8, value_int(0), -1);
        e->args[1]->typmod = -1;
        return e;
    }
    if (pk == PK_AVG) {
        type_oid_t dt = want == TYPE_NUMERIC ? TYPE_NUMERIC : TYPE_FLOAT8;
        exec_expr_t *sm = cast_to(an, v[0], dt), *cn = cast_to(an, v[1], dt);
        return sm && cn ? cast_to(an, sql__make_op(an, "/", sm, cn, -1), want) : NULL;
    }
    return cast_to(an, v[0], want);
}

/* case_over - the CASE arg of a PK_CASE aggregate over a scan group: its
 * conditions as they are (they read group columns, which the input
 * projection gives), each result the partial br[j] says (NULL, the partial
 * column, or the constant times the count(*) partial), all in one type:
 * float8 where a partial or constant is a float, else numeric. NULL with
 * an->err. */
static exec_expr_t *case_over(sql_analyze_t *an, const exec_expr_t *arg, const cpart_t *br,
                              const cube_plan_col_t *cols, int nd, int width)
{
    int nw = (arg->nargs - 1) / 2;
    type_oid_t T = TYPE_NUMERIC;
    for (int j = 0; j <= nw; j++) {
        type_oid_t pt = br[j].p >= 0 ? cols[nd + br[j].p].type : 0, kt = br[j].k ? br[j].k->type : 0;
        /* (a float zero makes the sum float8, as the query's CASE type does) */
        if (pt == TYPE_FLOAT4 || pt == TYPE_FLOAT8 || kt == TYPE_FLOAT4 || kt == TYPE_FLOAT8)
            T = TYPE_FLOAT8;
    }
    exec_expr_t *ce = exec_expr_new(an->a, EXPR_CASE, T, arg->nargs);
    ce->typmod = -1;
    ce->location = -1;
    for (int j = 0; j <= nw; j++) {
        exec_expr_t *x;
        if (br[j].p == -2) {
            x = cast_to(an, (exec_expr_t *)br[j].k, T);
        } else if (br[j].p < 0) {
            x = sql__const_null(an, T, -1);
        } else {
            int p = br[j].p;
            x = cast_to(an, var_of(an, width + p, cols[nd + p].type, cols[nd + p].typmod), T);
            if (x && br[j].k) {
                exec_expr_t *kx = cast_to(an, (exec_expr_t *)br[j].k, T);
                x = kx ? sql__make_op(an, "*", x, kx, -1) : NULL;
                x = x ? cast_to(an, x, T) : NULL;
                if (x && nd == 0) {
                    /* the one row of a scan without group columns may stand
                     * for no fact row: CASE WHEN count = 0 THEN NULL ELSE k * count END */
                    exec_expr_t *cv = var_of(an, width + p, cols[nd + p].type, cols[nd + p].typmod);
                    exec_expr_t *z = cast_to(an, sql__const(an, TYPE_INT8, value_int(0), -1), cv->type);
                    exec_expr_t *eq = z ? sql__make_op(an, "=", cv, z, -1) : NULL;
                    exec_expr_t *g = eq ? exec_expr_new(an->a, EXPR_CASE, T, 3) : NULL;
                    if (g) {
                        g->typmod = -1;
                        g->location = -1;
                        g->args[0] = eq;
                        g->args[1] = sql__const_null(an, T, -1);
                        g->args[2] = x;
                    }
                    x = g;
                }
            }
        }
        if (!x)
            return NULL;
        if (j < nw)
            ce->args[2 * j] = arg->args[2 * j];
        ce->args[j < nw ? 2 * j + 1 : 2 * nw] = x;
    }
    return ce;
}

/* two_plan - the plan of a matched two-level block (see above), or NULL
 * with an->err. */
static exec_plan_t *two_plan(sql_analyze_t *an, const exec_plan_t *agg, const cube_plan_t *cp, const tr_t *t,
                             const two_t *w)
{
    exec_plan_t *scan = scan_plan(an, NULL, cp, t);
    const cube_plan_col_t *cols;
    cube_plan_columns(cp, &cols);
    int width = w->width, np = w->nparts, nd = w->ndims;
    int ng = agg->u.agg.ngroup, na = agg->u.agg.naggs;
    /* the aggregate input's layout, then the partials */
    exec_plan_t *in = exec_plan_new(an->a, PLAN_PROJECT, width + np);
    in->left = scan;
    in->u.project.exprs = MEM_NEW_N(an->a, exec_expr_t *, width + np + 1);
    for (int s = 0; s < width; s++) {
        type_oid_t ty = agg->left->types[s];
        int d = w->dim_of[s];
        exec_expr_t *e = d >= 0 ? cast_to(an, var_of(an, d, cols[d].type, cols[d].typmod), ty)
                                : sql__const_null(an, ty, -1);
        if (!e)
            return NULL;
        in->u.project.exprs[s] = e;
        in->types[s] = ty;
        in->typmods[s] = d >= 0 && e->type == cols[d].type ? cols[d].typmod : agg->left->typmods[s];
    }
    for (int k = 0; k < np; k++) {
        in->u.project.exprs[width + k] = var_of(an, nd + k, cols[nd + k].type, cols[nd + k].typmod);
        in->types[width + k] = cols[nd + k].type;
        in->typmods[width + k] = cols[nd + k].typmod;
    }
    in->est_rows = scan->est_rows;
    in->cheap = scan->cheap;
    /* the executor's aggregate over it */
    int nout = na;
    for (int i = 0; i < na; i++)
        nout += w->kind[i] == PK_AVG || (w->kind[i] == PK_CASE && w->cs[i] && w->cc[i]);
    exec_plan_t *oa = exec_plan_new(an->a, PLAN_AGG, ng + nout);
    oa->left = in;
    oa->u.agg.ngroup = ng;
    oa->u.agg.group = agg->u.agg.group;
    oa->u.agg.ngsets = agg->u.agg.ngsets;
    oa->u.agg.gsets = agg->u.agg.gsets;
    oa->u.agg.naggs = nout;
    oa->u.agg.aggs = MEM_NEW_N(an->a, exec_aggcall_t *, nout + 1);
    oa->u.agg.aggargs = MEM_NEW_N(an->a, exec_expr_t *, 2 * nout + 1);
    for (int i = 0; i < ng; i++) {
        oa->types[i] = agg->types[i];
        oa->typmods[i] = agg->typmods[i];
    }
    exec_expr_t **res = MEM_NEW_N(an->a, exec_expr_t *, na + 1);
    int k = 0;
    for (int i = 0; i < na; i++) {
        const exec_aggcall_t *call = agg->u.agg.aggs[i];
        type_oid_t want = agg->types[ng + i];
        if (w->kind[i] == PK_OUTER) {
            oa->u.agg.aggs[k] = agg->u.agg.aggs[i];
            oa->u.agg.aggargs[2 * k] = agg->u.agg.aggargs[2 * i];
            oa->u.agg.aggargs[2 * k + 1] = agg->u.agg.aggargs[2 * i + 1];
            oa->types[ng + k] = want;
            oa->typmods[ng + k] = agg->typmods[ng + i];
            res[i] = var_of(an, ng + k, want, agg->typmods[ng + i]);
            k++;
            continue;
        }
        if (w->kind[i] == PK_CASE) {
            /* sum of the CASE over the partials; count: coalesce(sum of
             * the counts' CASE, 0); avg: the one over the other */
            const exec_expr_t *arg = w->carg[i];
            exec_expr_t *v[2] = { NULL, NULL };
            int nv = 0;
            for (int j = 0; j < 2; j++) {
                const cpart_t *br = j == 0 ? w->cs[i] : w->cc[i];
                if (!br)
                    continue;
                exec_expr_t *ce = case_over(an, arg, br, cols, nd, width);
                type_oid_t ret;
                exec_aggcall_t *c = ce ? reagg(an, "sum", call, ce->type, &ret) : NULL;
                if (!c)
                    return NULL;
                v[nv++] = outer_call(an, oa, ng, &k, c, ce, ret);
            }
            exec_expr_t *e = part_result(an, is_name(call, "count") ? PK_COUNT : nv == 2 ? PK_AVG : PK_SUM, v, want);
            if (!e)
                return NULL;
            res[i] = e;
            continue;
        }
        part_kind_t pk = w->kind[i];
        int nparts = pk == PK_AVG ? 2 : 1;
        exec_expr_t *v[2] = { NULL, NULL };
        for (int j = 0; j < nparts; j++) {
            int p = j == 0 ? w->p1[i] : w->p2[i];
            type_oid_t pt = cols[nd + p].type, ret;
            const char *name = pk == PK_MIN ? "min" : pk == PK_MAX ? "max" : "sum";
            exec_aggcall_t *c = reagg(an, name, call, pt, &ret);
            if (!c)
                return NULL;
            v[j] = outer_call(an, oa, ng, &k, c, var_of(an, width + p, pt, cols[nd + p].typmod), ret);
        }
        exec_expr_t *e = part_result(an, pk, v, want);
        if (!e)
            return NULL;
        res[i] = e;
    }
    oa->est_rows = agg->est_rows;
    oa->cheap = in->cheap;
    /* the node's output columns and types */
    exec_plan_t *pr = exec_plan_new(an->a, PLAN_PROJECT, agg->ncols);
    pr->left = oa;
    pr->u.project.exprs = MEM_NEW_N(an->a, exec_expr_t *, agg->ncols + 1);
    for (int i = 0; i < agg->ncols; i++) {
        exec_expr_t *e = i < ng ? var_of(an, i, agg->types[i], agg->typmods[i]) : res[i - ng];
        pr->u.project.exprs[i] = e;
        pr->types[i] = agg->types[i];
        pr->typmods[i] = i < ng ? agg->typmods[i] : e->typmod;
    }
    pr->est_rows = oa->est_rows;
    pr->cheap = oa->cheap;
    return pr;
}

/* route_agg - sql__cube_route_agg; quiet: a query no cube answers is left
 * to the executor without an error or a NOTICE (sql__cube_route_distinct). */
static int route_agg(sql_analyze_t *an, const exec_plan_t *agg, exec_plan_t **out, bool quiet)
{
    *out = NULL;
    cube_matcher_t *m = atomic_load(&sql__cr.matcher);
    if (!m || !sql__cr.store || agg->kind != PLAN_AGG || !agg->left)
        return 0;
    const exec_rel_t *srcs[MAXT];
    int nsrc = 0;
    sources(agg->left, srcs, &nsrc);
    if (nsrc == 0)
        return 0;
    const meta_catalog_t *cat = meta_catalog_acquire(sql__cr.store);
    if (!modeled(cat, srcs, nsrc)) {
        meta_catalog_release(cat);
        return 0;
    }
    tr_t t = { 0 };
    t.an = an;
    t.a = an->a;
    t.values = true;
    origin_t *org = NULL;
    cube_query_t q = { 0 };
    cube_plan_t *plan = NULL;
    err_t merr = { 0 };
    int rc = 0;
    two_t w = { 0 };
    bool two = false;
    const char *alt = NULL; /* why min/max over a dimension did not answer either */
    if (walk(&t, agg->left, false, &org)) {
        reduce_outer(&t);
        two = needs_two(agg, org);
        if (two ? two_query(&t, agg, org, &q, &w) : build_query(&t, agg, &q, org))
            rc = cube_match(m, cat, &q, an->a, &plan, &merr);
        if (rc == 0 && (two ? w.minmax_part : has_minmax(agg))) {
            /* no cube stores min/max of that column: it may be a dimension,
             * then min/max over the scan's rows grouped by it (the first
             * attempt's reason stands if this fails too) */
            two_t w2 = { 0 };
            w2.minmax_outer = true;
            cube_query_t q2 = { 0 };
            err_t merr2 = { 0 };
            const char *why0 = two ? NULL : t.why;
            t.why = NULL;
            int rc2 = two_query(&t, agg, org, &q2, &w2) ? cube_match(m, cat, &q2, an->a, &plan, &merr2) : 0;
            if (rc2 != 0) {
                rc = rc2;
                w = w2;
                merr = merr2;
                two = true;
            }
            if (rc2 == 0 && !two && (t.why || merr2.message[0])) {
                static const char pre[] = "no cube can answer this query: ";
                const char *m2 = t.why ? t.why : merr2.message;
                alt = mem_asprintf(an->a, "%s", strncmp(m2, pre, sizeof pre - 1) == 0 ? m2 + sizeof pre - 1 : m2);
            }
            t.why = rc2 != 0 ? NULL : why0;
        }
    }
    meta_catalog_release(cat);
    if (rc < 0 && quiet)
        return 0;
    if (rc < 0) {
        *an->err = merr;
        return -1;
    }
    if (rc > 0) {
        exec_plan_t *p = two ? two_plan(an, agg, plan, &t, &w) : scan_plan(an, agg, plan, &t);
        if (!p)
            return -1;
        *out = p;
        return 1;
    }
    /* a cube models these tables and none answers */
    if (quiet)
        return 0;
    const char *why = t.why ? mem_asprintf(an->a, "no cube can answer this query: %s", t.why) : merr.message;
    cfg_t *settings = an->ctx->info.settings;
    if (settings && cfg_bool(settings, CFG_QUERY_PUSHDOWN)) {
        if (an->ctx->info.hooks.notice) {
            err_t n = { 0 };
            err_set(&n, ERRCODE_SUCCESSFUL_COMPLETION, "computed from the source tables (kylin.query.pushdown is on)");
            err_detail(&n, "%s", why);
            n.severity = ERR_NOTICE;
            an->ctx->info.hooks.notice(an->ctx->info.hooks.arg, &n);
        }
        return 0;
    }
    err_set(an->err, ERRCODE_FEATURE_NOT_SUPPORTED, "%s", why);
    if (alt)
        err_detail(an->err, "Taking min/max from a dimension instead: %s", alt);
    if (merr.hint[0] && !t.why)
        err_hint(an->err, "%s Or SET kylin.query.pushdown = on to compute it from the source tables.", merr.hint);
    else
        err_hint(an->err, "SET kylin.query.pushdown = on computes such queries from the source tables.");
    return -1;
}

int sql__cube_route_agg(sql_analyze_t *an, const exec_plan_t *agg, exec_plan_t **out)
{
    return route_agg(an, agg, out, false);
}

int sql__cube_route_distinct(sql_analyze_t *an, const exec_plan_t *agg, exec_plan_t **out)
{
    return route_agg(an, agg, out, true);
}
