/*
 * mv_filter.c - model filters: the WHERE of a cube definition beyond its
 * join equalities (Kylin's "filter condition" of a data model). Only rows
 * for which it is true enter the cube, so a query may be answered from the
 * cube only when its own WHERE implies the filter.
 *
 * A filter is a cube_q_pred_t (include/cube/match.h), the form the SQL
 * layer describes a query's WHERE in, over model columns (col.table = the
 * model table's index). Both sides are normalized the same way
 * (cube__filter_norm) and compared conjunct by conjunct
 * (cube__filter_equal): the sound, simple rule is that every conjunct of
 * the filter must appear among the query's top-level conjuncts. The same
 * leaves are evaluated by the build (cube__filter_leaf), so the build and
 * the matcher agree on what the filter means by construction; the SQL
 * engine's expressions are not used there because the cube layer sees the
 * definition as a parse tree, not as an analyzed plan, and a leaf is one
 * comparison of a column with constants.
 *
 * What it does not do: parse the definition (mv.c, cube__mv_filter_where),
 * read rows (cubejob.c), choose cubes (match.c).
 */
#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "mv_int.h"
#include "types/numeric.h"
#include "types/tz.h"
#include "types/value.h"

/* family - the type values of t are compared as: integers as int8, the
 * string types as text, floats as float8; others as themselves. */
static type_oid_t family(type_oid_t t)
{
    switch (t) {
    case TYPE_INT2:
    case TYPE_INT4:
    case TYPE_INT8: return TYPE_INT8;
    case TYPE_TEXT:
    case TYPE_VARCHAR:
    case TYPE_NAME: return TYPE_TEXT;
    case TYPE_FLOAT4:
    case TYPE_FLOAT8: return TYPE_FLOAT8;
    default: return t;
    }
}

static bool numberish(type_oid_t f)
{
    return f == TYPE_INT8 || f == TYPE_NUMERIC || f == TYPE_FLOAT8;
}

bool cube__filter_comparable(type_oid_t ct, type_oid_t kt)
{
    type_oid_t a = family(ct), b = family(kt);
    return a == b || (numberish(a) && numberish(b));
}

static double as_double(type_oid_t f, const value_t *v)
{
    if (f == TYPE_INT8)
        return (double)v->u.i;
    if (f == TYPE_NUMERIC)
        return numeric_to_double(v->u.num);
    return v->u.f;
}

/* cmp - two non-NULL values of comparable types. Mixed number types (an
 * integer column against 2.5: mv.c converts every other constant to its
 * column's type) compare as doubles. */
static int cmp(type_oid_t ct, const value_t *v, type_oid_t kt, const value_t *k)
{
    type_oid_t a = family(ct), b = family(kt);
    if (a == b)
        return value_cmp(a, v, k);
    double x = as_double(a, v), y = as_double(b, k);
    return x < y ? -1 : x > y ? 1 : 0;
}

int cube__filter_leaf(const cube_q_pred_t *l, type_oid_t ct, const value_t *v)
{
    if (l->op == CUBE_Q_IS_NULL)
        return v->isnull;
    if (l->op == CUBE_Q_IS_NOT_NULL)
        return !v->isnull;
    if (v->isnull)
        return -1;
    switch (l->op) {
    case CUBE_Q_IN:
    case CUBE_Q_NE: {
        /* IN: true on an equal value, else NULL if the list has a NULL;
         * NE with several values is NOT IN, its negation */
        bool eq = false, null = false;
        for (int i = 0; i < l->nvals && !eq; i++) {
            if (l->vals[i].isnull)
                null = true;
            else if (cmp(ct, v, l->type, &l->vals[i]) == 0)
                eq = true;
        }
        if (eq)
            return l->op == CUBE_Q_IN;
        if (null)
            return -1;
        return l->op == CUBE_Q_NE;
    }
    case CUBE_Q_BETWEEN:
        if (l->nvals < 2 || l->vals[0].isnull || l->vals[1].isnull)
            return -1;
        return cmp(ct, v, l->type, &l->vals[0]) >= 0 && cmp(ct, v, l->type, &l->vals[1]) <= 0;
    default:
        break;
    }
    if (l->nvals < 1 || l->vals[0].isnull)
        return -1;
    int c = cmp(ct, v, l->type, &l->vals[0]);
    switch (l->op) {
    case CUBE_Q_EQ: return c == 0;
    case CUBE_Q_LT: return c < 0;
    case CUBE_Q_LE: return c <= 0;
    case CUBE_Q_GT: return c > 0;
    case CUBE_Q_GE: return c >= 0;
    default: return -1;
    }
}

/* ---- normal form ---- */

static cube_q_pred_t *leaf_copy(mem_arena_t *a, const cube_q_pred_t *p)
{
    cube_q_pred_t *n = MEM_NEW(a, cube_q_pred_t);
    *n = *p;
    return n;
}

static cube_q_op_t negate(cube_q_op_t op, int nvals)
{
    switch (op) {
    case CUBE_Q_EQ: return CUBE_Q_NE;
    case CUBE_Q_NE: return nvals > 1 ? CUBE_Q_IN : CUBE_Q_EQ;
    case CUBE_Q_LT: return CUBE_Q_GE;
    case CUBE_Q_LE: return CUBE_Q_GT;
    case CUBE_Q_GT: return CUBE_Q_LE;
    case CUBE_Q_GE: return CUBE_Q_LT;
    case CUBE_Q_IN: return CUBE_Q_NE; /* NOT IN */
    case CUBE_Q_IS_NULL: return CUBE_Q_IS_NOT_NULL;
    case CUBE_Q_IS_NOT_NULL: return CUBE_Q_IS_NULL;
    case CUBE_Q_EXPR: return CUBE_Q_NOT_EXPR;
    case CUBE_Q_NOT_EXPR: return CUBE_Q_EXPR;
    default: return op;
    }
}

static const cube_q_pred_t *norm(mem_arena_t *a, const cube_q_pred_t *p, bool neg);

/* bool_of - args (already normal) under op, children with the same op
 * merged into it. */
static const cube_q_pred_t *bool_of(mem_arena_t *a, cube_q_op_t op, const cube_q_pred_t *const *args, int n)
{
    int total = 0;
    for (int i = 0; i < n; i++)
        total += args[i]->op == op ? args[i]->nargs : 1;
    const cube_q_pred_t **v = MEM_NEW_N(a, const cube_q_pred_t *, total + 1);
    int k = 0;
    for (int i = 0; i < n; i++) {
        if (args[i]->op == op)
            for (int j = 0; j < args[i]->nargs; j++)
                v[k++] = args[i]->args[j];
        else
            v[k++] = args[i];
    }
    if (k == 1)
        return v[0];
    cube_q_pred_t *r = MEM_NEW(a, cube_q_pred_t);
    r->op = op;
    r->col.table = -1;
    r->nargs = k;
    r->args = v;
    return r;
}

static const cube_q_pred_t *norm(mem_arena_t *a, const cube_q_pred_t *p, bool neg)
{
    switch (p->op) {
    case CUBE_Q_NOT:
        return p->nargs == 1 ? norm(a, p->args[0], !neg) : p;
    case CUBE_Q_AND:
    case CUBE_Q_OR: {
        cube_q_op_t op = (p->op == CUBE_Q_AND) != neg ? CUBE_Q_AND : CUBE_Q_OR;
        const cube_q_pred_t **v = MEM_NEW_N(a, const cube_q_pred_t *, p->nargs + 1);
        for (int i = 0; i < p->nargs; i++)
            v[i] = norm(a, p->args[i], neg);
        return p->nargs ? bool_of(a, op, v, p->nargs) : p;
    }
    case CUBE_Q_BETWEEN: {
        /* as the analyzer writes it: col >= lo AND col <= hi */
        if (p->nvals < 2)
            return p;
        const cube_q_pred_t *v[2];
        for (int i = 0; i < 2; i++) {
            cube_q_pred_t *l = leaf_copy(a, p);
            l->op = i == 0 ? CUBE_Q_GE : CUBE_Q_LE;
            l->nvals = 1;
            l->vals = p->vals + i;
            l->params = p->params ? p->params + i : NULL;
            v[i] = norm(a, l, neg);
        }
        return bool_of(a, neg ? CUBE_Q_OR : CUBE_Q_AND, v, 2);
    }
    default: {
        cube_q_pred_t *l = leaf_copy(a, p);
        if (l->op == CUBE_Q_IN && l->nvals == 1)
            l->op = CUBE_Q_EQ;
        if (neg)
            l->op = negate(l->op, l->nvals);
        return l;
    }
    }
}

const cube_q_pred_t *cube__filter_norm(mem_arena_t *a, const cube_q_pred_t *p)
{
    return p ? norm(a, p, false) : NULL;
}

int cube__filter_conjuncts(const cube_q_pred_t *p, const cube_q_pred_t **out, int max)
{
    if (!p)
        return 0;
    if (p->op != CUBE_Q_AND) {
        if (max < 1)
            return -1;
        out[0] = p;
        return 1;
    }
    if (p->nargs > max)
        return -1;
    for (int i = 0; i < p->nargs; i++)
        out[i] = p->args[i];
    return p->nargs;
}

/* ---- comparison ---- */

static bool val_equal(type_oid_t ft, const value_t *f, type_oid_t qt, const value_t *q)
{
    if (f->isnull || q->isnull)
        return f->isnull && q->isnull;
    if (family(ft) != family(qt))
        return false;
    return value_cmp(family(ft), f, q) == 0;
}

/* in_list - whether v is among vals (NULLs equal NULLs here: the lists are
 * compared as written). */
static bool in_list(type_oid_t vt, const value_t *v, type_oid_t lt, const value_t *vals, int n)
{
    for (int i = 0; i < n; i++)
        if (val_equal(vt, v, lt, &vals[i]))
            return true;
    return false;
}

bool cube__filter_equal(const cube_mv_t *mv, const cube_q_pred_t *f, const cube_q_pred_t *q, const int *assign)
{
    if (f->op != q->op)
        return false;
    if (f->op == CUBE_Q_AND || f->op == CUBE_Q_OR || f->op == CUBE_Q_NOT) {
        /* the same arguments in any order (AND and OR commute) */
        if (f->nargs != q->nargs || f->nargs > 64)
            return false;
        bool taken[64] = { false };
        for (int i = 0; i < f->nargs; i++) {
            bool found = false;
            for (int k = 0; k < q->nargs && !found; k++)
                if (!taken[k] && cube__filter_equal(mv, f->args[i], q->args[k], assign))
                    taken[k] = found = true;
            if (!found)
                return false;
        }
        return true;
    }
    if (q->col.table < 0 || !q->col.column || assign[q->col.table] != f->col.table ||
        strcmp(q->col.column, f->col.column) != 0)
        return false;
    for (int i = 0; q->params && i < q->nvals; i++)
        if (q->params[i] >= 0)
            return false; /* known only when the statement runs */
    if ((f->op == CUBE_Q_IN || (f->op == CUBE_Q_NE && f->nvals > 1)) && q->nvals > 1) {
        /* IN / NOT IN lists: the same values in any order */
        for (int i = 0; i < f->nvals; i++)
            if (!in_list(f->type, &f->vals[i], q->type, q->vals, q->nvals))
                return false;
        for (int i = 0; i < q->nvals; i++)
            if (!in_list(q->type, &q->vals[i], f->type, f->vals, f->nvals))
                return false;
        return true;
    }
    if (f->nvals != q->nvals)
        return false;
    for (int i = 0; i < q->nvals; i++)
        if (!val_equal(f->type, &f->vals[i], q->type, &q->vals[i]))
            return false;
    return true;
}

/* ---- text ---- */

static void put_val(buf_t *b, type_oid_t t, const value_t *v)
{
    if (v->isnull) {
        buf_puts(b, "NULL");
        return;
    }
    if (t == TYPE_BOOL) {
        buf_puts(b, v->u.i ? "true" : "false");
        return;
    }
    buf_t s = BUF_INIT;
    /* in UTC, as mv.c reads such constants: the text is compared across nodes */
    const dt_zone_t *saved = t == TYPE_TIMESTAMPTZ ? dt_zone_set(dt_zone_lookup("UTC")) : NULL;
    type_out_text(t, -1, v, 0, &s);
    if (t == TYPE_TIMESTAMPTZ)
        dt_zone_set(saved);
    bool quote = !numberish(family(t));
    if (quote)
        buf_putc(b, '\'');
    for (size_t i = 0; i < s.len; i++) {
        if (quote && s.data[i] == '\'')
            buf_putc(b, '\'');
        buf_putc(b, s.data[i]);
    }
    if (quote)
        buf_putc(b, '\'');
    buf_free(&s);
}

static void put_pred(const cube_mv_t *mv, mem_arena_t *a, buf_t *b, const cube_q_pred_t *p, bool top)
{
    static const char *const ops[] = { [CUBE_Q_EQ] = "=", [CUBE_Q_NE] = "<>", [CUBE_Q_LT] = "<",
                                       [CUBE_Q_LE] = "<=", [CUBE_Q_GT] = ">", [CUBE_Q_GE] = ">=" };
    if (p->op == CUBE_Q_AND || p->op == CUBE_Q_OR) {
        if (!top)
            buf_putc(b, '(');
        for (int i = 0; i < p->nargs; i++) {
            if (i)
                buf_puts(b, p->op == CUBE_Q_AND ? " AND " : " OR ");
            put_pred(mv, a, b, p->args[i], false);
        }
        if (!top)
            buf_putc(b, ')');
        return;
    }
    if (p->op == CUBE_Q_NOT) {
        buf_puts(b, "NOT ");
        put_pred(mv, a, b, p->args[0], false);
        return;
    }
    if (p->op == CUBE_Q_EXPR || p->op == CUBE_Q_NOT_EXPR) { /* a query's, never a filter's */
        buf_printf(b, "%s(%s)", p->op == CUBE_Q_NOT_EXPR ? "NOT " : "", p->text ? p->text : "a condition");
        return;
    }
    int t = p->col.table, c = t >= 0 && t < mv->ntables ? cube__table_col(&mv->tables[t], p->col.column) : -1;
    buf_puts(b, c >= 0 ? cube__mv_ref_text(mv, a, (cube_mv_ref_t){ t, c }) : p->col.column ? p->col.column : "?");
    switch (p->op) {
    case CUBE_Q_IS_NULL: buf_puts(b, " IS NULL"); return;
    case CUBE_Q_IS_NOT_NULL: buf_puts(b, " IS NOT NULL"); return;
    case CUBE_Q_BETWEEN:
        buf_puts(b, " BETWEEN ");
        put_val(b, p->type, &p->vals[0]);
        buf_puts(b, " AND ");
        put_val(b, p->type, &p->vals[1]);
        return;
    case CUBE_Q_IN:
    case CUBE_Q_NE:
        if (p->op == CUBE_Q_IN || p->nvals > 1) {
            buf_puts(b, p->op == CUBE_Q_IN ? " IN (" : " NOT IN (");
            for (int i = 0; i < p->nvals; i++) {
                if (i)
                    buf_puts(b, ", ");
                put_val(b, p->type, &p->vals[i]);
            }
            buf_putc(b, ')');
            return;
        }
        break;
    default:
        break;
    }
    buf_printf(b, " %s ", (size_t)p->op < sizeof ops / sizeof ops[0] && ops[p->op] ? ops[p->op] : "?");
    put_val(b, p->type, &p->vals[0]);
}

const char *cube__filter_text(const cube_mv_t *mv, mem_arena_t *a, const cube_q_pred_t *p)
{
    if (!p)
        return NULL;
    buf_t b = BUF_INIT;
    put_pred(mv, a, &b, p, true);
    const char *s = mem_astrndup(a, b.data ? b.data : "", b.len);
    buf_free(&b);
    return s;
}
