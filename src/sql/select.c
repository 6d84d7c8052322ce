/*
 * select.c - planning of query blocks: SELECT (FROM, WHERE, GROUP BY,
 * HAVING, window functions, DISTINCT [ON], ORDER BY, LIMIT/OFFSET), VALUES,
 * UNION/INTERSECT/EXCEPT, WITH, subqueries in FROM and in expressions.
 *
 * The analyzer and planner are one pass per query block: FROM items are
 * planned first and define the input layout (the concatenation of their
 * columns, in FROM order); every expression is analyzed directly into slot
 * references of that layout. WHERE conjuncts over the top-level FROM list are
 * pushed down to single items and turned into hash-join keys where they are
 * equalities between the joined sides (so SSB's comma joins become hash
 * joins). Aggregation rewrites the select list over the aggregate's output
 * (group keys first, then aggregates), with PostgreSQL's 42803 for columns
 * that are neither grouped nor aggregated. ORDER BY expressions that are not
 * output columns ride along as hidden trailing columns of the projection.
 */
#include "analyze_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cube_route_int.h"
#include "types/record.h"
#include "types/value.h"

/* Weak: programs linking src/sql without src/cube aggregate everything themselves
 * and have no materialized views. */
#pragma weak sql__cube_route_agg
#pragma weak sql__cube_route_distinct
#pragma weak sql__cube_route_views

/* ---- scopes ---- */

static sql_scope_t *scope_new(sql_analyze_t *an, sql_scope_t *parent)
{
    sql_scope_t *s = mem_alloc0(an->a, sizeof *s);
    s->parent = parent;
    return s;
}

static void scope_add(sql_analyze_t *an, sql_scope_t *s, sql_rte_t *r)
{
    s->rtes = mem_agrow(an->a, s->rtes, s->nrtes, &s->cap, sizeof *s->rtes);
    s->rtes[s->nrtes++] = r;
}

/* alias_conflict - 42712 when r's name is already used by a FROM item of the
 * same query level (PostgreSQL's checkNameSpaceConflicts): two unaliased
 * tables of different schemas may share a name. */
static int alias_conflict(sql_analyze_t *an, const sql_scope_t *s, const sql_rte_t *r)
{
    if (!r->alias)
        return 0;
    for (int i = 0; i < s->nrtes; i++) {
        const sql_rte_t *o = s->rtes[i];
        if (!o->alias || strcmp(o->alias, r->alias) != 0)
            continue;
        if (o->schema && r->schema && o->table_oid && r->table_oid && o->table_oid != r->table_oid)
            continue;
        /* PostgreSQL gives this error no position */
        return err_set(an->err, ERRCODE_DUPLICATE_ALIAS, "table name \"%s\" specified more than once", r->alias);
    }
    return 0;
}

static sql_rte_t *rte_new(sql_analyze_t *an, const char *alias, int ncols)
{
    sql_rte_t *r = mem_alloc0(an->a, sizeof *r);
    r->alias = alias;
    r->ncols = ncols;
    r->names = mem_alloc0(an->a, sizeof(char *) * (size_t)(ncols > 0 ? ncols : 1));
    r->types = mem_alloc0(an->a, sizeof(type_oid_t) * (size_t)(ncols > 0 ? ncols : 1));
    r->typmods = mem_alloc0(an->a, sizeof(int32_t) * (size_t)(ncols > 0 ? ncols : 1));
    r->hidden = mem_alloc0(an->a, sizeof(bool) * (size_t)(ncols > 0 ? ncols : 1));
    return r;
}

/* ---- expression utilities ---- */

static exec_expr_t *var_node(sql_analyze_t *an, int slot, type_oid_t t, int32_t tm, int loc)
{
    exec_expr_t *e = exec_expr_new(an->a, EXPR_VAR, t, 0);
    e->u.slot = slot;
    e->typmod = tm;
    e->location = loc;
    return e;
}

static bool expr_equal(const exec_expr_t *a, const exec_expr_t *b)
{
    if (a == b)
        return true;
    if (!a || !b || a->kind != b->kind || a->type != b->type || a->nargs != b->nargs)
        return false;
    switch (a->kind) {
    case EXPR_CONST:
        if (a->u.cval.isnull || b->u.cval.isnull)
            return a->u.cval.isnull == b->u.cval.isnull;
        return a->type == TYPE_UNKNOWN ? (a->u.cval.u.s.len == b->u.cval.u.s.len &&
                                          memcmp(a->u.cval.u.s.p, b->u.cval.u.s.p, a->u.cval.u.s.len) == 0)
                                       : value_cmp(a->type, &a->u.cval, &b->u.cval) == 0;
    case EXPR_PARAM:
        return a->u.param == b->u.param;
    case EXPR_VAR:
        return a->u.slot == b->u.slot;
    case EXPR_OUTER:
        return a->u.outer.level == b->u.outer.level && a->u.outer.slot == b->u.outer.slot;
    case EXPR_FUNC:
    case EXPR_IN_LIST:
    case EXPR_DISTINCT:
    case EXPR_NULLIF:
        if (a->u.fn != b->u.fn || a->ival2 != b->ival2)
            return false;
        break;
    case EXPR_MINMAX:
    case EXPR_IS_NULL:
    case EXPR_BOOLTEST:
    case EXPR_FIELD:
        if (a->u.ival != b->u.ival)
            return false;
        break;
    case EXPR_SUBPLAN:
    case EXPR_AGGREF:
    case EXPR_WINDOWREF:
        return false;
    default:
        break;
    }
    for (int i = 0; i < a->nargs; i++)
        if (!expr_equal(a->args[i], b->args[i]))
            return false;
    return true;
}

/* copy_shallow - a copy of node e with a fresh args array. */
static exec_expr_t *copy_node(sql_analyze_t *an, const exec_expr_t *e)
{
    exec_expr_t *c = mem_alloc(an->a, sizeof *c);
    *c = *e;
    if (e->nargs > 0) {
        c->args = mem_alloc(an->a, sizeof(exec_expr_t *) * (size_t)e->nargs);
        memcpy(c->args, e->args, sizeof(exec_expr_t *) * (size_t)e->nargs);
    }
    return c;
}

/* shift - e with input slots moved by delta (for pushing conjuncts into FROM items). */
static exec_expr_t *shift(sql_analyze_t *an, exec_expr_t *e, int delta)
{
    if (!e)
        return NULL;
    if (e->kind == EXPR_VAR) {
        exec_expr_t *c = copy_node(an, e);
        c->u.slot += delta;
        return c;
    }
    if (e->nargs == 0)
        return e;
    exec_expr_t *c = copy_node(an, e);
    for (int i = 0; i < e->nargs; i++)
        c->args[i] = shift(an, e->args[i], delta);
    return c;
}

/* slot_range - lowest and highest input slot referenced (-1 when none);
 * *other set when the expression has subplans with outer references
 * (not movable) or window/aggregate calls. */
static void slot_range(const exec_expr_t *e, int *lo, int *hi, bool *pinned)
{
    if (!e)
        return;
    if (e->kind == EXPR_VAR) {
        if (*lo < 0 || e->u.slot < *lo)
            *lo = e->u.slot;
        if (e->u.slot > *hi)
            *hi = e->u.slot;
    }
    if (e->kind == EXPR_SUBPLAN && e->u.sub->nouter > 0)
        *pinned = true;
    if (e->kind == EXPR_AGGREF || e->kind == EXPR_WINDOWREF)
        *pinned = true;
    if (e->kind == EXPR_FUNC && (e->u.fn->flags & EXEC_FN_VOLATILE))
        *pinned = true;
    for (int i = 0; i < e->nargs; i++)
        slot_range(e->args[i], lo, hi, pinned);
}

static bool has_kind(const exec_expr_t *e, exec_expr_kind_t k)
{
    if (!e)
        return false;
    if (e->kind == k)
        return true;
    for (int i = 0; i < e->nargs; i++)
        if (has_kind(e->args[i], k))
            return true;
    return false;
}

/* ---- column references ---- */

static int ambiguous(sql_analyze_t *an, const char *name, int loc)
{
    err_set(an->err, ERRCODE_AMBIGUOUS_COLUMN, "column reference \"%s\" is ambiguous", name);
    return sql__err_at(an, loc);
}

/* find_in_scope - column (qualifier may be NULL) in one scope: 1 found, 0 not, -1 error. */
static int find_in_scope(sql_analyze_t *an, sql_scope_t *s, const char *schema, const char *qual, const char *col,
                         int loc, sql_rte_t **rte_out, int *idx_out)
{
    sql_rte_t *hit = NULL;
    int hidx = -1;
    bool qual_found = false;
    for (int i = 0; i < s->nrtes; i++) {
        sql_rte_t *r = s->rtes[i];
        if (qual) {
            if (!r->alias || strcmp(r->alias, qual) != 0)
                continue;
            if (schema && (!r->schema || strcmp(r->schema, schema) != 0))
                continue;
            qual_found = true;
        }
        for (int c = 0; c < r->ncols; c++) {
            if (strcmp(r->names[c], col) != 0)
                continue;
            if (!qual && r->hidden[c])
                continue;
            if (hit) {
                ambiguous(an, col, loc);
                return -1;
            }
            hit = r;
            hidx = c;
        }
        if (qual && qual_found && hit)
            break;
    }
    if (!hit) {
        if (qual && qual_found)
            return 2; /* table found, column missing */
        return 0;
    }
    *rte_out = hit;
    *idx_out = hidx;
    return 1;
}

exec_expr_t *sql__analyze_colref(sql_analyze_t *an, sql_escope_t *es, const PgQuery__ColumnRef *c)
{
    const char *parts[4] = { 0 };
    int np = (int)c->n_fields;
    if (np > 4)
        np = 4;
    for (int i = 0; i < np; i++) {
        if (c->fields[i]->node_case == PG_QUERY__NODE__NODE_A_STAR) {
            err_set(an->err, ERRCODE_SYNTAX_ERROR, "row expansion via \"*\" is not supported here");
            sql__err_at(an, c->location);
            return NULL;
        }
        parts[i] = c->fields[i]->string->sval;
    }
    const char *col = parts[np - 1];
    const char *qual = np >= 2 ? parts[np - 2] : NULL;
    const char *schema = np >= 3 ? parts[np - 3] : NULL;
    int level = 0;
    bool table_missing_col = false;
    for (sql_scope_t *s = es ? es->scope : NULL; s; s = s->parent, level++) {
        sql_rte_t *r = NULL;
        int idx = 0;
        int rc = find_in_scope(an, s, schema, qual, col, c->location, &r, &idx);
        if (rc < 0)
            return NULL;
        if (rc == 2) {
            table_missing_col = true;
            break;
        }
        if (rc == 0)
            continue;
        if (r->needed)
            r->needed[idx] = true;
        if (level == 0)
            return var_node(an, r->offset + idx, r->types[idx], r->typmods[idx], c->location);
        /* an outer reference: mark every query level between as correlated */
        int k = 0;
        for (sql_scope_t *t = es->scope; t && k < level; t = t->parent, k++)
            if (t->outer_refs < level - k)
                t->outer_refs = level - k;
        /* the scope remembers which of its slots inner queries read (grouped queries remap them) */
        if (s->nrefd == s->caprefd) {
            int nc = s->caprefd ? s->caprefd * 2 : 8;
            int *n = mem_alloc(an->a, sizeof(int) * (size_t)nc);
            if (s->nrefd)
                memcpy(n, s->refd, sizeof(int) * (size_t)s->nrefd);
            s->refd = n;
            s->caprefd = nc;
        }
        s->refd[s->nrefd++] = r->offset + idx;
        exec_expr_t *e = exec_expr_new(an->a, EXPR_OUTER, r->types[idx], 0);
        e->u.outer.level = level - 1;
        e->u.outer.slot = r->offset + idx;
        e->typmod = r->typmods[idx];
        e->location = c->location;
        return e;
    }
    if (qual && !table_missing_col) {
        bool found = false;
        for (sql_scope_t *s = es ? es->scope : NULL; s && !found; s = s->parent)
            for (int i = 0; i < s->nrtes; i++)
                if (s->rtes[i]->alias && strcmp(s->rtes[i]->alias, qual) == 0)
                    found = true;
        if (!found) {
            err_set(an->err, ERRCODE_UNDEFINED_TABLE, "missing FROM-clause entry for table \"%s\"", qual);
            sql__err_at(an, c->location);
            return NULL;
        }
    }
    if (qual)
        err_set(an->err, ERRCODE_UNDEFINED_COLUMN, "column %s.%s does not exist", qual, col);
    else
        err_set(an->err, ERRCODE_UNDEFINED_COLUMN, "column \"%s\" does not exist", col);
    sql__err_at(an, c->location);
    return NULL;
}

/* ---- aggregates and window functions ---- */

typedef struct sql_window {
    int npart;
    exec_expr_t **part;
    int norder;
    exec_expr_t **order;
    bool *desc;
    bool *nulls_first;
    int frame;            /* EXEC_FRAME_* options, 0 for the default frame */
    exec_expr_t *start_off, *end_off;
} sql_window_t;

static int analyze_sortby_list(sql_analyze_t *an, sql_escope_t *es, PgQuery__Node **items, size_t n,
                               exec_expr_t ***exprs, bool **desc, bool **nf)
{
    *exprs = mem_alloc0(an->a, sizeof(exec_expr_t *) * (n ? n : 1));
    *desc = mem_alloc0(an->a, sizeof(bool) * (n ? n : 1));
    *nf = mem_alloc0(an->a, sizeof(bool) * (n ? n : 1));
    for (size_t i = 0; i < n; i++) {
        const PgQuery__SortBy *sb = items[i]->sort_by;
        exec_expr_t *e = sql__analyze_expr(an, es, sb->node);
        if (!e)
            return -1;
        if (e->type == TYPE_UNKNOWN)
            e = sql__coerce(an, e, TYPE_TEXT, -1, EXEC_CAST_IMPLICIT, sb->location);
        (*exprs)[i] = e;
        (*desc)[i] = sb->sortby_dir == PG_QUERY__SORT_BY_DIR__SORTBY_DESC;
        (*nf)[i] = sb->sortby_nulls == PG_QUERY__SORT_BY_NULLS__SORTBY_NULLS_FIRST ||
                   (sb->sortby_nulls != PG_QUERY__SORT_BY_NULLS__SORTBY_NULLS_LAST && (*desc)[i]);
    }
    return 0;
}

/* frame_offset_expr - the n of n PRECEDING / FOLLOWING: no variables, int8
 * for ROWS and GROUPS, for RANGE the ORDER BY column's offset type (the
 * type PostgreSQL's in_range support functions take for it). */
static exec_expr_t *frame_offset_expr(sql_analyze_t *an, sql_escope_t *es, const PgQuery__Node *n, int opts,
                                      const sql_window_t *win)
{
    const char *what = (opts & EXEC_FRAME_ROWS) ? "ROWS" : (opts & EXEC_FRAME_GROUPS) ? "GROUPS" : "RANGE";
    sql_escope_t oes = { es->scope, es->q, what, false, false, false };
    exec_expr_t *x = sql__analyze_expr(an, &oes, n);
    if (!x)
        return NULL;
    int lo = -1, hi = -1;
    bool pinned = false;
    slot_range(x, &lo, &hi, &pinned);
    if (lo >= 0 || has_kind(x, EXPR_OUTER)) {
        err_set(an->err, ERRCODE_INVALID_COLUMN_REFERENCE, "argument of %s must not contain variables", what);
        sql__err_at(an, x->location);
        return NULL;
    }
    type_oid_t want = TYPE_INT8;
    if (!(opts & (EXEC_FRAME_ROWS | EXEC_FRAME_GROUPS))) {
        if (win->norder != 1) {
            err_set(an->err, ERRCODE_WINDOWING_ERROR,
                    "RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column");
            sql__err_at(an, x->location);
            return NULL;
        }
        type_oid_t kt = win->order[0]->type;
        switch (kt) {
        case TYPE_INT2: case TYPE_INT4: case TYPE_INT8: want = TYPE_INT8; break;
        case TYPE_FLOAT4: case TYPE_FLOAT8: want = TYPE_FLOAT8; break;
        case TYPE_NUMERIC: want = TYPE_NUMERIC; break;
        case TYPE_DATE: case TYPE_TIMESTAMP: case TYPE_TIMESTAMPTZ: want = TYPE_INTERVAL; break;
        default:
            err_set(an->err, ERRCODE_FEATURE_NOT_SUPPORTED,
                    "RANGE with offset PRECEDING/FOLLOWING is not supported for column type %s and offset type %s",
                    sql__type_name(kt), sql__type_name(x->type));
            sql__err_at(an, x->location);
            return NULL;
        }
    }
    return sql__coerce(an, x, want, -1, EXEC_CAST_IMPLICIT, x->location);
}

/* analyze_frame - the frame clause of w into win (PostgreSQL's frame option bits). */
static int analyze_frame(sql_analyze_t *an, sql_escope_t *es, const PgQuery__WindowDef *w, sql_window_t *win)
{
    int fo = w->frame_options;
    if (!(fo & 1))
        return 0; /* the default frame */
    win->frame = fo;
    if ((fo & (EXEC_FRAME_START_OFFSET_PRECEDING | EXEC_FRAME_START_OFFSET_FOLLOWING)) &&
        !(win->start_off = frame_offset_expr(an, es, w->start_offset, fo, win)))
        return -1;
    if ((fo & (EXEC_FRAME_END_OFFSET_PRECEDING | EXEC_FRAME_END_OFFSET_FOLLOWING)) &&
        !(win->end_off = frame_offset_expr(an, es, w->end_offset, fo, win)))
        return -1;
    return 0;
}

/* expr_push - appends e to the arena-grown array *list (doubling). */
static void expr_push(mem_arena_t *a, exec_expr_t ***list, int *n, int *cap, exec_expr_t *e)
{
    *list = mem_agrow(a, *list, *n, cap, sizeof **list);
    (*list)[(*n)++] = e;
}

exec_expr_t *sql__analyze_agg(sql_analyze_t *an, sql_escope_t *es, const PgQuery__FuncCall *f, const char *name)
{
    bool is_window = f->over != NULL;
    if (is_window ? !(es && es->allow_window) : !(es && es->allow_agg)) {
        if (es && es->in_agg)
            err_set(an->err, ERRCODE_GROUPING_ERROR, "aggregate function calls cannot be nested");
        else if (is_window)
            err_set(an->err, ERRCODE_WINDOWING_ERROR, "window functions are not allowed in %s",
                    es && es->clause ? es->clause : "this context");
        else if (!exec_agg_exists(name) && exec_window_exists(name))
            err_set(an->err, ERRCODE_WRONG_OBJECT_TYPE, "window function %s requires an OVER clause", name);
        else
            err_set(an->err, ERRCODE_GROUPING_ERROR, "aggregate functions are not allowed in %s",
                    es && es->clause ? es->clause : "this context");
        sql__err_at(an, f->location);
        return NULL;
    }
    sql_qstate_t *q = es->q;
    sql_escope_t inner = *es;
    /* a window function's arguments may hold the query's aggregates
     * (sum(count(*)) OVER ...), computed before the windows; an aggregate's may not */
    inner.allow_agg = is_window && es->allow_agg;
    inner.allow_window = false;
    inner.in_agg = !is_window;
    int nargs = (int)f->n_args;
    exec_expr_t **args = mem_alloc0(an->a, sizeof(exec_expr_t *) * (size_t)(nargs + 1));
    type_oid_t types[4] = { 0 };
    for (int i = 0; i < nargs; i++) {
        args[i] = sql__analyze_expr(an, &inner, f->args[i]);
        if (!args[i])
            return NULL;
        if (args[i]->type == TYPE_UNKNOWN)
            args[i] = sql__coerce(an, args[i], TYPE_TEXT, -1, EXEC_CAST_IMPLICIT, f->location);
        if (i < 4)
            types[i] = args[i]->type;
    }
    bool pct = !strcmp(name, "percentile_cont") || !strcmp(name, "percentile_disc");
    if (pct != (bool)f->agg_within_group) {
        if (pct) {
            /* PostgreSQL finds no plain aggregate of that name */
            err_set(an->err, ERRCODE_UNDEFINED_FUNCTION, "function %s(%s) does not exist", name,
                    nargs == 1 ? sql__type_name(args[0]->type) : "...");
            err_hint(an->err, "No function matches the given name and argument types. You might need to add explicit type casts.");
        } else
            err_set(an->err, ERRCODE_FEATURE_NOT_SUPPORTED, "ordered-set aggregate %s is not supported", name);
        sql__err_at(an, f->location);
        return NULL;
    }
    if (pct) {
        /* percentile_*(fraction) WITHIN GROUP (ORDER BY x): aggregated as
         * (x, fraction) over inputs sorted by x; _cont interpolates float8 */
        if (nargs != 1 || f->n_agg_order != 1 || is_window) {
            err_set(an->err, ERRCODE_UNDEFINED_FUNCTION, "function %s(%s) does not exist", name,
                    nargs == 1 ? "double precision" : "...");
            sql__err_at(an, f->location);
            return NULL;
        }
        exec_expr_t *x = sql__analyze_expr(an, &inner, f->agg_order[0]->sort_by->node);
        if (!x)
            return NULL;
        if (x->type == TYPE_UNKNOWN || name[11] == 'c')
            x = sql__coerce(an, x, name[11] == 'c' ? TYPE_FLOAT8 : TYPE_TEXT, -1, EXEC_CAST_IMPLICIT, f->location);
        /* the fraction again, as analyzed before unknown literals became text */
        exec_expr_t *frac = x ? sql__analyze_expr(an, &inner, f->args[0]) : NULL;
        if (frac)
            frac = sql__coerce(an, frac, TYPE_FLOAT8, -1, EXEC_CAST_IMPLICIT, f->location);
        if (!frac)
            return NULL;
        args = mem_alloc0(an->a, sizeof(exec_expr_t *) * 3);
        args[0] = x;
        args[1] = frac;
        nargs = 2;
        types[0] = x->type;
        types[1] = TYPE_FLOAT8;
    }
    exec_aggcall_t *call = mem_alloc0(an->a, sizeof *call);
    call->star = f->agg_star;
    call->distinct = f->agg_distinct;
    type_oid_t ret = 0;
    if (f->agg_star) {
        if (strcmp(name, "count") != 0 && !is_window) {
            err_set(an->err, ERRCODE_WRONG_OBJECT_TYPE, "%s(*) specified, but %s is not an aggregate function",
                    name, name);
            sql__err_at(an, f->location);
            return NULL;
        }
    }
    const exec_agg_t *agg = exec_agg_find(name, f->agg_star ? 0 : nargs, types, &ret);
    if (!agg && !(is_window && exec_window_exists(name))) {
        buf_t b = BUF_INIT;
        buf_printf(&b, "function %s(", name);
        for (int i = 0; i < nargs; i++)
            buf_printf(&b, "%s%s", i ? ", " : "", sql__type_name(types[i < 4 ? i : 3]));
        buf_puts(&b, ") does not exist");
        err_set(an->err, ERRCODE_UNDEFINED_FUNCTION, "%s", buf_cstr(&b));
        buf_free(&b);
        err_hint(an->err, "No function matches the given name and argument types. You might need to add explicit type casts.");
        sql__err_at(an, f->location);
        return NULL;
    }
    call->agg = agg;
    if (f->agg_filter) {
        call->filter = sql__analyze_expr(an, &inner, f->agg_filter);
        if (!call->filter)
            return NULL;
        if (call->filter->type != TYPE_BOOL) {
            err_set(an->err, ERRCODE_DATATYPE_MISMATCH, "argument of FILTER must be type boolean, not type %s",
                    sql__type_name(call->filter->type));
            sql__err_at(an, f->location);
            return NULL;
        }
    }
    if (f->n_agg_order > 0) {
        bool *nf;
        if (analyze_sortby_list(an, &inner, f->agg_order, f->n_agg_order, &call->order, &call->order_desc, &nf) < 0)
            return NULL;
        call->norder = (int)f->n_agg_order;
    }
    exec_expr_t *e = exec_expr_new(an->a, is_window ? EXPR_WINDOWREF : EXPR_AGGREF, ret, nargs);
    for (int i = 0; i < nargs; i++)
        e->args[i] = args[i];
    e->u.agg = call;
    e->location = f->location;
    e->ival2 = (int64_t)(intptr_t)mem_astrdup(an->a, name);
    if (is_window) {
        const PgQuery__WindowDef *w = f->over;
        if (w->refname && *w->refname) {
            /* named window: look it up in the WINDOW clause */
            const PgQuery__SelectStmt *st = q->stmt;
            for (size_t i = 0; st && i < st->n_window_clause; i++)
                if (strcmp(st->window_clause[i]->window_def->name, w->refname) == 0)
                    w = st->window_clause[i]->window_def;
        } else if (w->name && *w->name && w->n_partition_clause == 0 && w->n_order_clause == 0) {
            const PgQuery__SelectStmt *st = q->stmt;
            for (size_t i = 0; st && i < st->n_window_clause; i++)
                if (strcmp(st->window_clause[i]->window_def->name, w->name) == 0)
                    w = st->window_clause[i]->window_def;
        }
        sql_window_t *win = mem_alloc0(an->a, sizeof *win);
        sql_escope_t ws = *es;
        ws.allow_window = false;
        win->npart = (int)w->n_partition_clause;
        win->part = mem_alloc0(an->a, sizeof(exec_expr_t *) * (size_t)(win->npart + 1));
        for (int i = 0; i < win->npart; i++) {
            win->part[i] = sql__analyze_expr(an, &ws, w->partition_clause[i]);
            if (!win->part[i])
                return NULL;
        }
        if (analyze_sortby_list(an, &ws, w->order_clause, w->n_order_clause, &win->order, &win->desc,
                                &win->nulls_first) < 0)
            return NULL;
        win->norder = (int)w->n_order_clause;
        /* the frame is the call's own, else the named window's */
        const PgQuery__WindowDef *fw = (f->over->frame_options & 1) ? f->over : w;
        if (analyze_frame(an, es, fw, win) < 0)
            return NULL;
        call->window = win;
        e->u.agg = call;
        if (!agg) {
            /* window-only function: result type by name */
            if (!strcmp(name, "row_number") || !strcmp(name, "rank") || !strcmp(name, "dense_rank") ||
                !strcmp(name, "ntile"))
                e->type = TYPE_INT8;
            else if (!strcmp(name, "percent_rank") || !strcmp(name, "cume_dist"))
                e->type = TYPE_FLOAT8;
            else
                e->type = nargs > 0 ? args[0]->type : TYPE_INT8;
            if (!strcmp(name, "ntile"))
                e->type = TYPE_INT4;
            if (!strcmp(name, "rank") || !strcmp(name, "dense_rank") || !strcmp(name, "row_number"))
                e->type = TYPE_INT8;
        }
        call->index = q->nwins;
        expr_push(an->a, &q->winrefs, &q->nwins, &q->capwins, e);
        return e;
    }
    call->index = q->naggs;
    expr_push(an->a, &q->aggrefs, &q->naggs, &q->capaggs, e);
    return e;
}

/* sql__analyze_grouping - GROUPING(args) as a pseudo-aggregate of the query
 * level: its arguments are matched to the group items once GROUP BY is
 * analyzed (grouping_bind), and the aggregate operator computes its value
 * from each row's grouping set. */
exec_expr_t *sql__analyze_grouping(sql_analyze_t *an, sql_escope_t *es, const PgQuery__GroupingFunc *g)
{
    if (!es || !es->allow_agg || !es->q) {
        err_set(an->err, ERRCODE_GROUPING_ERROR, "grouping operations are not allowed in %s",
                es && es->clause ? es->clause : "this context");
        sql__err_at(an, g->location);
        return NULL;
    }
    if (g->n_args > 31) {
        err_set(an->err, ERRCODE_PROGRAM_LIMIT_EXCEEDED, "GROUPING must have fewer than 32 arguments");
        sql__err_at(an, g->location);
        return NULL;
    }
    sql_qstate_t *q = es->q;
    sql_escope_t inner = *es;
    inner.allow_agg = false;
    inner.allow_window = false;
    inner.in_agg = true;
    exec_aggcall_t *call = mem_alloc0(an->a, sizeof *call);
    call->agg = &exec_agg_grouping;
    call->ngrouping = (int)g->n_args;
    call->grouping_args = mem_alloc0(an->a, sizeof(exec_expr_t *) * (g->n_args + 1));
    call->grouping_items = mem_alloc0(an->a, sizeof(int) * (g->n_args + 1));
    for (size_t i = 0; i < g->n_args; i++)
        if (!(call->grouping_args[i] = sql__analyze_expr(an, &inner, g->args[i])))
            return NULL;
    exec_expr_t *e = exec_expr_new(an->a, EXPR_AGGREF, TYPE_INT4, 0);
    e->u.agg = call;
    e->location = g->location;
    e->ival2 = (int64_t)(intptr_t) "grouping";
    call->index = q->naggs;
    expr_push(an->a, &q->aggrefs, &q->naggs, &q->capaggs, e);
    return e;
}

/* rewrite_agg - e (over the FROM layout) rewritten over the aggregate's output. */
typedef struct agg_ctx {
    sql_analyze_t *an;
    sql_scope_t *scope;
    int ngroup;
    exec_expr_t **group;
} agg_ctx_t;

static const char *slot_name(sql_scope_t *s, int slot, char *buf, size_t n)
{
    for (int i = 0; s && i < s->nrtes; i++) {
        sql_rte_t *r = s->rtes[i];
        if (slot >= r->offset && slot < r->offset + r->ncols) {
            if (r->alias)
                snprintf(buf, n, "%s.%s", r->alias, r->names[slot - r->offset]);
            else
                snprintf(buf, n, "%s", r->names[slot - r->offset]);
            return buf;
        }
    }
    snprintf(buf, n, "?");
    return buf;
}

static exec_expr_t *rewrite_agg(agg_ctx_t *ac, exec_expr_t *e)
{
    if (!e)
        return NULL;
    for (int i = 0; i < ac->ngroup; i++)
        if (expr_equal(e, ac->group[i]) && e->kind != EXPR_CONST)
            return var_node(ac->an, i, e->type, e->typmod, e->location);
    switch (e->kind) {
    case EXPR_AGGREF:
        return var_node(ac->an, ac->ngroup + e->u.agg->index, e->type, e->typmod, e->location);
    case EXPR_VAR: {
        char nb[200];
        err_set(ac->an->err, ERRCODE_GROUPING_ERROR,
                "column \"%s\" must appear in the GROUP BY clause or be used in an aggregate function",
                slot_name(ac->scope, e->u.slot, nb, sizeof nb));
        sql__err_at(ac->an, e->location);
        return NULL;
    }
    case EXPR_SUBPLAN:
        if (e->u.sub->nrefs > 0) {
            /* it reads this query's columns: only grouped ones exist after
             * aggregation, and its outer row is rebuilt from them */
            const exec_subplan_t *os = e->u.sub;
            exec_subplan_t *ns = mem_alloc(ac->an->a, sizeof *ns);
            *ns = *os;
            ns->remap_from = mem_alloc(ac->an->a, sizeof(int) * (size_t)os->nrefs);
            ns->remap_to = mem_alloc(ac->an->a, sizeof(int) * (size_t)os->nrefs);
            ns->nremap = 0;
            ns->outer_width = ac->scope->width;
            for (int k = 0; k < os->nrefs; k++) {
                int g = 0;
                while (g < ac->ngroup && !(ac->group[g]->kind == EXPR_VAR && ac->group[g]->u.slot == os->refs[k]))
                    g++;
                if (g == ac->ngroup) {
                    char nb[200];
                    err_set(ac->an->err, ERRCODE_GROUPING_ERROR,
                            "subquery uses ungrouped column \"%s\" from outer query",
                            slot_name(ac->scope, os->refs[k], nb, sizeof nb));
                    sql__err_at(ac->an, e->location);
                    return NULL;
                }
                ns->remap_from[ns->nremap] = g;
                ns->remap_to[ns->nremap++] = os->refs[k];
            }
            exec_expr_t *c = copy_node(ac->an, e);
            c->u.sub = ns;
            for (int i = 0; i < e->nargs; i++)
                if (!(c->args[i] = rewrite_agg(ac, e->args[i])))
                    return NULL;
            return c;
        }
        break;
    case EXPR_WINDOWREF: {
        exec_expr_t *c = copy_node(ac->an, e);
        for (int i = 0; i < e->nargs; i++)
            if (!(c->args[i] = rewrite_agg(ac, e->args[i])))
                return NULL;
        exec_aggcall_t *call = mem_alloc(ac->an->a, sizeof *call);
        *call = *e->u.agg;
        if (call->filter && !(call->filter = rewrite_agg(ac, call->filter)))
            return NULL;
        sql_window_t *w = mem_alloc(ac->an->a, sizeof *w);
        *w = *(sql_window_t *)e->u.agg->window;
        w->part = mem_alloc0(ac->an->a, sizeof(exec_expr_t *) * (size_t)(w->npart + 1));
        w->order = mem_alloc0(ac->an->a, sizeof(exec_expr_t *) * (size_t)(w->norder + 1));
        for (int i = 0; i < w->npart; i++)
            if (!(w->part[i] = rewrite_agg(ac, ((sql_window_t *)e->u.agg->window)->part[i])))
                return NULL;
        for (int i = 0; i < w->norder; i++)
            if (!(w->order[i] = rewrite_agg(ac, ((sql_window_t *)e->u.agg->window)->order[i])))
                return NULL;
        call->window = w;
        c->u.agg = call;
        return c;
    }
    default:
        break;
    }
    if (e->nargs == 0)
        return e;
    exec_expr_t *c = copy_node(ac->an, e);
    for (int i = 0; i < e->nargs; i++) {
        c->args[i] = rewrite_agg(ac, e->args[i]);
        if (!c->args[i])
            return NULL;
    }
    return c;
}

/* rewrite_win - WINDOWREFs to the slots their window operator outputs. */
static exec_expr_t *rewrite_win(sql_analyze_t *an, exec_expr_t *e, const int *slot_of, int nwins)
{
    if (!e)
        return NULL;
    if (e->kind == EXPR_WINDOWREF && e->u.agg->index < nwins)
        return var_node(an, slot_of[e->u.agg->index], e->type, e->typmod, e->location);
    if (e->nargs == 0)
        return e;
    exec_expr_t *c = copy_node(an, e);
    for (int i = 0; i < e->nargs; i++)
        c->args[i] = rewrite_win(an, e->args[i], slot_of, nwins);
    return c;
}

/* ---- FROM ---- */

typedef struct from_item {
    exec_plan_t *plan;
    int offset, width;
    double est;
} from_item_t;

static int plan_from(sql_analyze_t *an, sql_scope_t *scope, sql_scope_t *outer, const PgQuery__Node *n, int item,
                     exec_plan_t **out);

static sql_cte_t *find_cte(sql_scope_t *s, const char *name, sql_scope_t **where)
{
    for (; s; s = s->cte_next ? s->cte_next : s->parent)
        for (sql_cte_t *c = s->ctes; c; c = c->next)
            if (strcmp(c->name, name) == 0) {
                if (where)
                    *where = s;
                return c;
            }
    return NULL;
}

/* cte_parent - the parent scope to plan a CTE's query in when it is
 * referenced from scope: its plan runs inside scope's run, so outer
 * references must count levels from there (the parent of scope). When the
 * CTE belongs to scope itself, a stand-in for scope's parent is returned
 * that sees the same columns but looks CTE names up from scope (the CTE's
 * siblings); the caller hands its correlation back (cte_parent_done). */
static sql_scope_t *cte_parent(sql_analyze_t *an, sql_scope_t *scope, sql_scope_t *where)
{
    if (scope != where)
        return scope->parent;
    sql_scope_t *z = scope_new(an, NULL);
    if (scope->parent) {
        *z = *scope->parent;
        z->ctes = NULL;
    }
    z->cte_next = where;
    return z;
}

static void cte_parent_done(sql_scope_t *scope, sql_scope_t *where, sql_scope_t *z)
{
    if (scope == where && scope->parent && scope->parent->outer_refs < z->outer_refs)
        scope->parent->outer_refs = z->outer_refs;
}

static const char *alias_name(const PgQuery__Alias *al)
{
    return al && al->aliasname && *al->aliasname ? al->aliasname : NULL;
}

static void apply_colaliases(sql_analyze_t *an, sql_rte_t *r, const PgQuery__Alias *al)
{
    if (!al)
        return;
    for (size_t i = 0; i < al->n_colnames && (int)i < r->ncols; i++)
        r->names[i] = mem_astrdup(an->a, al->colnames[i]->string->sval);
}

/* add_planned - a planned subquery as a FROM item named alias. */
static sql_rte_t *rte_from_planned(sql_analyze_t *an, const sql_planned_t *p, const char *alias, int offset)
{
    sql_rte_t *r = rte_new(an, alias, p->ncols);
    for (int i = 0; i < p->ncols; i++) {
        r->names[i] = p->names[i];
        r->types[i] = p->plan->types[i];
        r->typmods[i] = p->plan->typmods[i];
    }
    r->offset = offset;
    return r;
}

/* trim_plan - p restricted to its first n columns (hidden sort columns dropped). */
static exec_plan_t *trim_plan(sql_analyze_t *an, exec_plan_t *p, int n)
{
    if (p->ncols == n)
        return p;
    exec_plan_t *pr = exec_plan_new(an->a, PLAN_PROJECT, n);
    pr->left = p;
    pr->u.project.exprs = mem_alloc(an->a, sizeof(exec_expr_t *) * (size_t)(n > 0 ? n : 1));
    for (int i = 0; i < n; i++) {
        pr->types[i] = p->types[i];
        pr->typmods[i] = p->typmods[i];
        pr->u.project.exprs[i] = var_node(an, i, p->types[i], p->typmods[i], -1);
    }
    pr->est_rows = p->est_rows;
    pr->cheap = p->cheap;
    return pr;
}

static exec_plan_t *lateral_stub(sql_analyze_t *an, exec_plan_t *right);

/* plan_recursive_cte - WITH RECURSIVE name AS (non-recursive UNION [ALL]
 * recursive): the non-recursive term gives the work table's shape, the
 * recursive term reads it (PLAN_WORKTABLE) and is re-run until it adds no
 * rows. *planned stays false when the query is not a UNION or the second
 * term does not refer to the CTE: it is then planned as a plain query. */
static int plan_recursive_cte(sql_analyze_t *an, sql_scope_t *where, sql_cte_t *cte, sql_planned_t *out,
                              bool *planned)
{
    const PgQuery__Node *cq = cte->def->ctequery;
    const PgQuery__SelectStmt *ss = cq && cq->node_case == PG_QUERY__NODE__NODE_SELECT_STMT ? cq->select_stmt : NULL;
    *planned = false;
    if (!ss || ss->op != PG_QUERY__SET_OPERATION__SETOP_UNION || !ss->larg || !ss->rarg)
        return 0;
    PgQuery__Node ln = PG_QUERY__NODE__INIT, rn = PG_QUERY__NODE__INIT;
    ln.node_case = rn.node_case = PG_QUERY__NODE__NODE_SELECT_STMT;
    ln.select_stmt = ss->larg;
    rn.select_stmt = ss->rarg;
    sql_planned_t l, r;
    int saved_id = cte->work_id, saved_refs = cte->nrefs;
    cte->planning = true;
    cte->in_left = true;
    int rc = sql__plan_query(an, where, &ln, &l);
    cte->in_left = false;
    if (rc < 0) {
        cte->planning = false;
        return -1;
    }
    int n = l.ncols;
    cte->work_id = an->nworktabs++;
    cte->nrefs = 0;
    cte->work_ncols = n;
    cte->work_names = mem_alloc(an->a, sizeof(char *) * (size_t)(n + 1));
    cte->work_types = mem_alloc(an->a, sizeof(type_oid_t) * (size_t)(n + 1));
    cte->work_typmods = mem_alloc(an->a, sizeof(int32_t) * (size_t)(n + 1));
    for (int i = 0; i < n; i++) {
        cte->work_names[i] = i < (int)cte->def->n_aliascolnames ? cte->def->aliascolnames[i]->string->sval : l.names[i];
        cte->work_types[i] = l.plan->types[i] == TYPE_UNKNOWN ? TYPE_TEXT : l.plan->types[i];
        cte->work_typmods[i] = l.plan->typmods[i];
    }
    rc = sql__plan_query(an, where, &rn, &r);
    int nrefs = cte->nrefs, id = cte->work_id;
    cte->planning = false;
    cte->work_id = saved_id;
    cte->nrefs = saved_refs;
    if (rc < 0)
        return -1;
    if (nrefs == 0)
        return 0;
    if (ss->n_sort_clause || ss->limit_count || ss->limit_offset) {
        err_set(an->err, ERRCODE_FEATURE_NOT_SUPPORTED, "%s in a recursive query is not implemented",
                ss->n_sort_clause ? "ORDER BY" : ss->limit_offset ? "OFFSET" : "LIMIT");
        return sql__err_at(an, cte->def->location);
    }
    if (r.ncols != n) {
        err_set(an->err, ERRCODE_SYNTAX_ERROR, "each UNION query must have the same number of columns");
        return sql__err_at(an, cte->def->location);
    }
    exec_plan_t *lp = trim_plan(an, l.plan, n), *rp = trim_plan(an, r.plan, n);
    exec_expr_t **rx = mem_alloc(an->a, sizeof(exec_expr_t *) * (size_t)(n + 1));
    bool rneed = false;
    for (int i = 0; i < n; i++) {
        exec_expr_t *lv = var_node(an, i, lp->types[i], lp->typmods[i], -1);
        exec_expr_t *rv = var_node(an, i, rp->types[i], rp->typmods[i], -1);
        exec_expr_t *pair[2] = { lv, rv };
        type_oid_t t;
        if (sql__common_type(an, pair, 2, "UNION", &t) < 0)
            return -1;
        if (t != cte->work_types[i]) {
            err_set(an->err, ERRCODE_DATATYPE_MISMATCH,
                    "recursive query \"%s\" column %d has type %s in non-recursive term but type %s overall",
                    cte->name, i + 1, sql__type_name(cte->work_types[i]), sql__type_name(t));
            err_hint(an->err, "Cast the output of the non-recursive term to the correct type.");
            return sql__err_at(an, cte->def->location);
        }
        rx[i] = rp->types[i] == t ? rv : sql__coerce(an, rv, t, -1, EXEC_CAST_IMPLICIT, -1);
        if (!rx[i])
            return -1;
        rneed |= rx[i] != rv;
    }
    if (rneed) {
        exec_plan_t *pr = exec_plan_new(an->a, PLAN_PROJECT, n);
        pr->left = rp;
        pr->u.project.exprs = rx;
        memcpy(pr->types, cte->work_types, sizeof(type_oid_t) * (size_t)n);
        for (int i = 0; i < n; i++)
            pr->typmods[i] = -1;
        pr->est_rows = rp->est_rows;
        rp = pr;
    }
    exec_plan_t *rec = exec_plan_new(an->a, PLAN_RECURSIVE, n);
    memcpy(rec->types, cte->work_types, sizeof(type_oid_t) * (size_t)n);
    memcpy(rec->typmods, cte->work_typmods, sizeof(int32_t) * (size_t)n);
    rec->left = lp;
    rec->right = rp;
    rec->u.recursive.id = id;
    rec->u.recursive.all = ss->all;
    rec->est_rows = lp->est_rows * 10 + 10;
    memset(out, 0, sizeof *out);
    out->plan = rec;
    out->ncols = n;
    out->names = cte->work_names;
    out->table_oids = mem_alloc0(an->a, sizeof(uint32_t) * (size_t)(n + 1));
    out->attnums = mem_alloc0(an->a, sizeof(int16_t) * (size_t)(n + 1));
    out->outer_refs = l.outer_refs > r.outer_refs ? l.outer_refs : r.outer_refs;
    *planned = true;
    return 0;
}

static int plan_rangevar(sql_analyze_t *an, sql_scope_t *scope, const PgQuery__RangeVar *rv, int item,
                         exec_plan_t **out)
{
    const char *schema = rv->schemaname && *rv->schemaname ? rv->schemaname : NULL;
    const char *alias = alias_name(rv->alias);
    if (!schema) {
        sql_scope_t *where;
        sql_cte_t *cte = find_cte(scope, rv->relname, &where);
        if (cte && cte->planning) {
            /* A reference to a CTE from its own query. Without RECURSIVE it
             * is not in scope there (PostgreSQL: 42P01 with a detail); with
             * it, it must be the recursive term of a UNION. */
            if (!cte->recursive) {
                err_set(an->err, ERRCODE_UNDEFINED_TABLE, "relation \"%s\" does not exist", rv->relname);
                err_detail(an->err, "There is a WITH item named \"%s\", but it cannot be referenced from this part of the query.",
                           rv->relname);
                err_hint(an->err, "Use WITH RECURSIVE, or re-order the WITH items to remove forward references.");
                return sql__err_at(an, rv->location);
            }
            const PgQuery__Node *cq = cte->def->ctequery;
            const PgQuery__SelectStmt *ss = cq && cq->node_case == PG_QUERY__NODE__NODE_SELECT_STMT ? cq->select_stmt : NULL;
            if (!ss || ss->op != PG_QUERY__SET_OPERATION__SETOP_UNION) {
                err_set(an->err, ERRCODE_INVALID_RECURSION,
                        "recursive query \"%s\" does not have the form non-recursive-term UNION [ALL] recursive-term",
                        cte->name);
                return sql__err_at(an, cte->def->location);
            }
            if (cte->in_left || cte->work_id < 0) {
                err_set(an->err, ERRCODE_INVALID_RECURSION,
                        "recursive reference to query \"%s\" must not appear within its non-recursive term", cte->name);
                return sql__err_at(an, rv->location);
            }
            if (cte->nrefs++ > 0) {
                err_set(an->err, ERRCODE_INVALID_RECURSION,
                        "recursive reference to query \"%s\" must not appear more than once", cte->name);
                return sql__err_at(an, rv->location);
            }
            /* the previous iteration's rows */
            exec_plan_t *wp = exec_plan_new(an->a, PLAN_WORKTABLE, cte->work_ncols);
            wp->u.worktable.id = cte->work_id;
            memcpy(wp->types, cte->work_types, sizeof(type_oid_t) * (size_t)cte->work_ncols);
            memcpy(wp->typmods, cte->work_typmods, sizeof(int32_t) * (size_t)cte->work_ncols);
            wp->est_rows = 10;
            sql_rte_t *r = rte_new(an, alias ? alias : cte->name, cte->work_ncols);
            for (int i = 0; i < cte->work_ncols; i++) {
                r->names[i] = cte->work_names[i];
                r->types[i] = cte->work_types[i];
                r->typmods[i] = cte->work_typmods[i];
            }
            apply_colaliases(an, r, rv->alias);
            r->offset = scope->width;
            r->item = item;
            if (alias_conflict(an, scope, r) < 0)
                return -1;
            scope_add(an, scope, r);
            scope->width += r->ncols;
            *out = wp;
            return 0;
        }
        if (cte) {
            sql_planned_t p;
            bool planned = false;
            sql_scope_t *cp = cte_parent(an, scope, where);
            if (cte->recursive && plan_recursive_cte(an, cp, cte, &p, &planned) < 0)
                return -1;
            if (!planned) {
                cte->planning = true;
                int prc = sql__plan_query(an, cp, cte->def->ctequery, &p);
                cte->planning = false;
                if (prc < 0)
                    return -1;
            }
            cte_parent_done(scope, where, cp);
            if (p.outer_refs > 0 && scope->outer_refs < p.outer_refs)
                scope->outer_refs = p.outer_refs;
            sql_rte_t *r = rte_from_planned(an, &p, alias ? alias : cte->name, scope->width);
            for (size_t i = 0; i < cte->def->n_aliascolnames && (int)i < r->ncols; i++)
                r->names[i] = cte->def->aliascolnames[i]->string->sval;
            apply_colaliases(an, r, rv->alias);
            r->item = item;
            if (alias_conflict(an, scope, r) < 0)
                return -1;
            scope_add(an, scope, r);
            scope->width += r->ncols;
            *out = trim_plan(an, p.plan, p.ncols);
            return 0;
        }
    }
    const exec_rel_t *rel = NULL;
    int rc;
    an->uses_catalog = true;
    if (schema) {
        rc = exec_catalog_lookup(an->cat, schema, NULL, 0, rv->relname, &rel, an->err);
    } else {
        const char **path;
        int npath;
        sql__search_path(an->ctx, false, an->a, &path, &npath);
        rc = exec_catalog_lookup(an->cat, NULL, path, npath, rv->relname, &rel, an->err);
    }
    if (rc < 0)
        return sql__err_at(an, rv->location);
    if (rc == 0) {
        if (schema)
            err_set(an->err, ERRCODE_UNDEFINED_TABLE, "relation \"%s.%s\" does not exist", schema, rv->relname);
        else
            err_set(an->err, ERRCODE_UNDEFINED_TABLE, "relation \"%s\" does not exist", rv->relname);
        return sql__err_at(an, rv->location);
    }
    exec_plan_t *p = exec_plan_new(an->a, PLAN_SCAN, rel->ncols);
    p->u.scan.rel = rel;
    p->u.scan.needed = mem_alloc0(an->a, sizeof(bool) * (size_t)(rel->ncols > 0 ? rel->ncols : 1));
    p->est_rows = rel->est_rows > 0 ? rel->est_rows : 1000;
    p->cheap = rel->cheap;
    if (!rel->cheap)
        an->costly_scans++;
    sql_rte_t *r = rte_new(an, alias ? alias : rel->name, rel->ncols);
    r->schema = alias ? NULL : rel->schema;
    r->table_oid = rel->oid;
    for (int i = 0; i < rel->ncols; i++) {
        r->names[i] = rel->cols[i].name;
        r->types[i] = p->types[i] = rel->cols[i].type;
        r->typmods[i] = p->typmods[i] = rel->cols[i].typmod;
    }
    apply_colaliases(an, r, rv->alias);
    r->needed = p->u.scan.needed;
    r->offset = scope->width;
    r->item = item;
    if (alias_conflict(an, scope, r) < 0)
        return -1;
    scope_add(an, scope, r);
    scope->width += rel->ncols;
    *out = p;
    return 0;
}

static int plan_rangefunc(sql_analyze_t *an, sql_scope_t *scope, const PgQuery__RangeFunction *rf, int item,
                          exec_plan_t **out)
{
    if (rf->n_functions != 1) {
        err_set(an->err, ERRCODE_FEATURE_NOT_SUPPORTED, "ROWS FROM is not supported");
        return -1;
    }
    const PgQuery__Node *fl = rf->functions[0];
    const PgQuery__Node *fn = fl->list->items[0];
    if (fn->node_case != PG_QUERY__NODE__NODE_FUNC_CALL) {
        err_set(an->err, ERRCODE_FEATURE_NOT_SUPPORTED, "this function call in FROM is not supported");
        return -1;
    }
    const PgQuery__FuncCall *f = fn->func_call;
    const char *name = f->funcname[f->n_funcname - 1]->string->sval;
    /* Analyzed in this query level, so that references to enclosing queries
     * are outer references (correlated: the scan re-evaluates its arguments
     * per outer row); the FROM items before this one are visible, as
     * PostgreSQL makes functions in FROM implicitly LATERAL, but a
     * reference to them would need a lateral join, which kiln lacks. */
    sql_escope_t es = { scope, NULL, "functions in FROM", false, false, false };
    exec_expr_t *call = sql__analyze_expr(an, &es, fn);
    if (!call)
        return -1;
    int lo = -1, hi = -1;
    bool pinned = false;
    slot_range(call, &lo, &hi, &pinned);
    bool lateral = lo >= 0;
    if (lateral) {
        /* it reads earlier FROM items: analyzed again one level down, so
         * those are outer references of a lateral join's right side */
        sql_escope_t les = { scope_new(an, scope), NULL, "functions in FROM", false, false, false };
        if (!(call = sql__analyze_expr(an, &les, fn)))
            return -1;
    }
    bool is_call = call->kind == EXPR_FUNC;
    bool setof = is_call && (call->u.fn->flags & EXEC_FN_SETOF);
    const type_rowdesc_t *rd = is_call ? call->rowdesc : NULL;
    int nout = rd ? rd->n : 1;
    int ncols = nout + (rf->ordinality ? 1 : 0);
    exec_plan_t *p;
    if (is_call) {
        p = exec_plan_new(an->a, PLAN_FUNCSCAN, ncols);
        p->u.func.call = call;
        p->u.func.expand = rd != NULL;
        p->u.func.ordinality = rf->ordinality;
        p->est_rows = setof ? 1000 : 1;
    } else {
        /* folded to a constant (or not a plain call): a one-row result */
        p = exec_plan_new(an->a, PLAN_RESULT, ncols);
        p->u.result.nrows = 1;
        p->u.result.exprs = mem_alloc(an->a, sizeof(exec_expr_t *) * (size_t)ncols);
        p->u.result.exprs[0] = call;
        if (rf->ordinality)
            p->u.result.exprs[1] = sql__const(an, TYPE_INT8, value_int(1), -1);
        p->est_rows = 1;
    }
    p->cheap = true;
    const char *alias = alias_name(rf->alias);
    sql_rte_t *r = rte_new(an, alias ? alias : name, ncols);
    for (int c = 0; c < nout; c++) {
        p->types[c] = r->types[c] = rd ? rd->types[c] : call->type;
        p->typmods[c] = r->typmods[c] = rd ? rd->typmods[c] : call->typmod;
        r->names[c] = rd ? rd->names[c] : alias ? alias : name;
    }
    if (rf->ordinality) {
        r->names[nout] = "ordinality";
        p->types[nout] = r->types[nout] = TYPE_INT8;
        p->typmods[nout] = r->typmods[nout] = -1;
    }
    apply_colaliases(an, r, rf->alias);
    r->offset = scope->width;
    r->item = item;
    if (alias_conflict(an, scope, r) < 0)
        return -1;
    scope_add(an, scope, r);
    scope->width += ncols;
    *out = lateral ? lateral_stub(an, p) : p;
    return 0;
}

/* split_and - the conjuncts of e. */
static void split_and(exec_expr_t *e, exec_expr_t ***list, int *n, int *cap, mem_arena_t *a)
{
    if (e->kind == EXPR_AND) {
        for (int i = 0; i < e->nargs; i++)
            split_and(e->args[i], list, n, cap, a);
        return;
    }
    expr_push(a, list, n, cap, e);
}

static exec_expr_t *and_of(sql_analyze_t *an, exec_expr_t **xs, int n)
{
    if (n == 0)
        return NULL;
    if (n == 1)
        return xs[0];
    exec_expr_t *e = exec_expr_new(an->a, EXPR_AND, TYPE_BOOL, n);
    memcpy(e->args, xs, sizeof(exec_expr_t *) * (size_t)n);
    return e;
}

static exec_plan_t *add_filter(sql_analyze_t *an, exec_plan_t *child, exec_expr_t *qual)
{
    if (!qual)
        return child;
    if (qual->kind == EXPR_CONST && !qual->u.cval.isnull && qual->u.cval.u.i)
        return child;
    exec_plan_t *f = exec_plan_new(an->a, PLAN_FILTER, child->ncols);
    memcpy(f->types, child->types, sizeof(type_oid_t) * (size_t)child->ncols);
    memcpy(f->typmods, child->typmods, sizeof(int32_t) * (size_t)child->ncols);
    f->left = child;
    f->u.filter.qual = qual;
    f->est_rows = child->est_rows * 0.3;
    f->cheap = child->cheap;
    return f;
}

/* A FROM item that reads earlier items (LATERAL subquery, function over
 * their columns) is planned as a lateral join whose left side is filled in
 * when the items are joined: a "stub" has no left yet. */
static bool is_lateral_stub(const exec_plan_t *p)
{
    return p->kind == PLAN_LATERAL && !p->left;
}

static exec_plan_t *lateral_stub(sql_analyze_t *an, exec_plan_t *right)
{
    exec_plan_t *p = exec_plan_new(an->a, PLAN_LATERAL, right->ncols);
    memcpy(p->types, right->types, sizeof(type_oid_t) * (size_t)right->ncols);
    memcpy(p->typmods, right->typmods, sizeof(int32_t) * (size_t)right->ncols);
    p->right = right;
    p->est_rows = right->est_rows;
    p->cheap = right->cheap;
    return p;
}

/* lateral_join - the stub joined to left (whose columns are the stub's
 * outer slots base..), qual over the joined row. */
static exec_plan_t *lateral_join(sql_analyze_t *an, exec_plan_t *stub, exec_plan_t *left, exec_join_type_t jt,
                                 exec_expr_t *qual, int base)
{
    exec_plan_t *right = stub->right;
    int n = left->ncols + right->ncols;
    exec_plan_t *p = exec_plan_new(an->a, PLAN_LATERAL, n);
    memcpy(p->types, left->types, sizeof(type_oid_t) * (size_t)left->ncols);
    memcpy(p->typmods, left->typmods, sizeof(int32_t) * (size_t)left->ncols);
    memcpy(p->types + left->ncols, right->types, sizeof(type_oid_t) * (size_t)right->ncols);
    memcpy(p->typmods + left->ncols, right->typmods, sizeof(int32_t) * (size_t)right->ncols);
    p->left = left;
    p->right = right;
    p->u.lateral.type = jt;
    p->u.lateral.qual = qual;
    p->u.lateral.base = base;
    p->est_rows = left->est_rows * (right->est_rows > 1 ? right->est_rows : 1);
    p->cheap = left->cheap && right->cheap;
    return p;
}

/* through_project - e over a projection's outputs, over its input instead. */
static exec_expr_t *through_project(sql_analyze_t *an, exec_expr_t *e, exec_expr_t **exprs)
{
    if (e->kind == EXPR_VAR)
        return exprs[e->u.slot];
    if (e->nargs == 0)
        return e;
    exec_expr_t *c = copy_node(an, e);
    for (int i = 0; i < e->nargs; i++)
        c->args[i] = through_project(an, e->args[i], exprs);
    return c;
}

/* push_filter - adds qual (over p's output slots) as deep as it may go:
 * into the side of a join whose columns it uses when that side's rows are
 * not null-extended by the join, else on top of p. */
static exec_plan_t *push_filter(sql_analyze_t *an, exec_plan_t *p, exec_expr_t *qual)
{
    int lo = -1, hi = -1;
    bool pinned = false;
    slot_range(qual, &lo, &hi, &pinned);
    if (is_lateral_stub(p)) {
        p->right = push_filter(an, p->right, qual);
        return p;
    }
    if (!pinned && lo >= 0 && p->kind == PLAN_JOIN) {
        int nl = p->left->ncols;
        exec_join_type_t jt = p->u.join.type;
        if (hi < nl && (jt == JOIN_INNER || jt == JOIN_LEFT || jt == JOIN_SEMI || jt == JOIN_ANTI)) {
            p->left = push_filter(an, p->left, qual);
            p->est_rows = p->est_rows * 0.5 + 1;
            return p;
        }
        if (lo >= nl && (jt == JOIN_INNER || jt == JOIN_RIGHT)) {
            p->right = push_filter(an, p->right, shift(an, qual, -nl));
            return p;
        }
    }
    if (!pinned && lo >= 0 && p->kind == PLAN_FILTER) {
        p->left = push_filter(an, p->left, qual);
        return p;
    }
    if (!pinned && lo >= 0 && p->kind == PLAN_PROJECT) {
        /* a column permutation (swapped join sides): rewrite through it */
        bool perm = true;
        for (int i = 0; i < p->ncols && perm; i++)
            perm = p->u.project.exprs[i]->kind == EXPR_VAR;
        if (perm) {
            p->left = push_filter(an, p->left, through_project(an, qual, p->u.project.exprs));
            return p;
        }
    }
    return add_filter(an, p, qual);
}

/* make_join - join node over left and right with equi-keys (over each side's
 * own slots) and a residual qual over the joined layout. */
/* swap_sides - e over [l cols, r cols] rewritten over [r cols, l cols]. */
static exec_expr_t *swap_sides(sql_analyze_t *an, exec_expr_t *e, int nl, int nr)
{
    if (!e)
        return NULL;
    if (e->kind == EXPR_VAR) {
        exec_expr_t *c = copy_node(an, e);
        c->u.slot = e->u.slot < nl ? e->u.slot + nr : e->u.slot - nl;
        return c;
    }
    if (e->nargs == 0)
        return e;
    exec_expr_t *c = copy_node(an, e);
    for (int i = 0; i < e->nargs; i++)
        c->args[i] = swap_sides(an, e->args[i], nl, nr);
    return c;
}

static exec_plan_t *make_join(sql_analyze_t *an, exec_plan_t *l, exec_plan_t *r, exec_join_type_t jt, int nkeys,
                              exec_expr_t **lk, exec_expr_t **rk, exec_expr_t *qual)
{
    /* The hash table is built on the right input: put the smaller side there
     * for inner joins, and restore the column order with a projection. */
    if (jt == JOIN_INNER && nkeys > 0 && r->est_rows > 2 * l->est_rows) {
        int nl = l->ncols, nr = r->ncols;
        exec_plan_t *j = make_join(an, r, l, JOIN_INNER, nkeys, rk, lk, swap_sides(an, qual, nl, nr));
        exec_plan_t *pr = exec_plan_new(an->a, PLAN_PROJECT, nl + nr);
        pr->left = j;
        pr->u.project.exprs = mem_alloc(an->a, sizeof(exec_expr_t *) * (size_t)(nl + nr));
        for (int i = 0; i < nl + nr; i++) {
            int from = i < nl ? nr + i : i - nl;
            pr->types[i] = j->types[from];
            pr->typmods[i] = j->typmods[from];
            pr->u.project.exprs[i] = var_node(an, from, j->types[from], j->typmods[from], -1);
        }
        pr->est_rows = j->est_rows;
        pr->cheap = j->cheap;
        return pr;
    }
    int nc = l->ncols + r->ncols;
    if (jt == JOIN_SEMI || jt == JOIN_ANTI)
        nc = l->ncols;
    exec_plan_t *j = exec_plan_new(an->a, PLAN_JOIN, nc);
    memcpy(j->types, l->types, sizeof(type_oid_t) * (size_t)l->ncols);
    memcpy(j->typmods, l->typmods, sizeof(int32_t) * (size_t)l->ncols);
    if (nc > l->ncols) {
        memcpy(j->types + l->ncols, r->types, sizeof(type_oid_t) * (size_t)r->ncols);
        memcpy(j->typmods + l->ncols, r->typmods, sizeof(int32_t) * (size_t)r->ncols);
    }
    j->left = l;
    j->right = r;
    j->u.join.type = jt;
    j->u.join.nkeys = nkeys;
    j->u.join.lkeys = lk;
    j->u.join.rkeys = rk;
    j->u.join.qual = qual;
    j->est_rows = nkeys ? (l->est_rows > r->est_rows ? l->est_rows : r->est_rows) : l->est_rows * r->est_rows;
    j->cheap = l->cheap && r->cheap;
    return j;
}

/* equi_key - when c is `a = b` with a over [llo,lhi] and b over [rlo,rhi]
 * (or the reverse), the key pair (b shifted by -roff). */
static bool equi_key(sql_analyze_t *an, exec_expr_t *c, int llo, int lhi, int rlo, int rhi, exec_expr_t **lk,
                     exec_expr_t **rk)
{
    if (c->kind != EXPR_FUNC || c->nargs != 2 || strcmp(c->u.fn->name, "=") != 0 || c->type != TYPE_BOOL)
        return false;
    for (int sw = 0; sw < 2; sw++) {
        exec_expr_t *a = c->args[sw], *b = c->args[1 - sw];
        int alo = -1, ahi = -1, blo = -1, bhi = -1;
        bool ap = false, bp = false;
        slot_range(a, &alo, &ahi, &ap);
        slot_range(b, &blo, &bhi, &bp);
        if (ap || bp || alo < 0 || blo < 0)
            continue;
        if (alo >= llo && ahi <= lhi && blo >= rlo && bhi <= rhi) {
            *lk = a;
            *rk = shift(an, b, -rlo);
            return true;
        }
    }
    return false;
}

/* remap - e with input slots renumbered through map[old] = new. */
static exec_expr_t *remap(sql_analyze_t *an, exec_expr_t *e, const int *map)
{
    if (!e)
        return NULL;
    if (e->kind == EXPR_VAR) {
        exec_expr_t *c = copy_node(an, e);
        c->u.slot = map[e->u.slot];
        return c;
    }
    if (e->nargs == 0)
        return e;
    exec_expr_t *c = copy_node(an, e);
    for (int i = 0; i < e->nargs; i++)
        c->args[i] = remap(an, e->args[i], map);
    return c;
}

/* covered - every input slot e reads has in[slot] set (and e reads one). */
static bool covered(const exec_expr_t *e, const bool *in, bool *any)
{
    if (!e)
        return true;
    if (e->kind == EXPR_VAR) {
        *any = true;
        if (!in[e->u.slot])
            return false;
    }
    for (int i = 0; i < e->nargs; i++)
        if (!covered(e->args[i], in, any))
            return false;
    return true;
}

/* join_key_to - when conjunct c is `a = b` with a over the joined slots
 * (in) and b over item [off, off+w), the key pair (a remapped, b shifted). */
static bool join_key_to(sql_analyze_t *an, exec_expr_t *c, const bool *in, const int *map, int off, int w,
                        exec_expr_t **lk, exec_expr_t **rk)
{
    if (c->kind != EXPR_FUNC || c->nargs != 2 || strcmp(c->u.fn->name, "=") != 0 || c->type != TYPE_BOOL)
        return false;
    for (int sw = 0; sw < 2; sw++) {
        exec_expr_t *a = c->args[sw], *b = c->args[1 - sw];
        int blo = -1, bhi = -1;
        bool bp = false, ap = false, any = false;
        slot_range(b, &blo, &bhi, &bp);
        int alo = -1, ahi = -1;
        slot_range(a, &alo, &ahi, &ap);
        if (ap || bp || blo < off || bhi >= off + w || !covered(a, in, &any) || !any)
            continue;
        if (lk) {
            *lk = remap(an, a, map);
            *rk = shift(an, b, -off);
        }
        return true;
    }
    return false;
}

/* plan_comma_joins - inner joins of the FROM list in a greedy order instead
 * of the written one: start from the largest item (the fact table of a star
 * schema), then repeatedly join the smallest item that has an equi-key with
 * what is joined so far, a cross join only when none has. Written order
 * would cross-join the dimensions of `FROM dates, customer, supplier, part,
 * lineorder` first. Conjuncts are over the FROM layout (items in order);
 * they are renumbered as items join, and a final projection restores the
 * layout. Marks the conjuncts it consumed in used[]. */
static exec_plan_t *plan_comma_joins(sql_analyze_t *an, from_item_t *items, int nitems, exec_expr_t **conj,
                                     int nconj, bool *used)
{
    int total = items[nitems - 1].offset + items[nitems - 1].width;
    int *map = mem_alloc(an->a, sizeof(int) * (size_t)(total + 1));
    bool *in = mem_alloc0(an->a, sizeof(bool) * (size_t)(total + 1));
    bool *done = mem_alloc0(an->a, sizeof(bool) * (size_t)nitems);
    int first = 0;
    for (int i = 1; i < nitems; i++)
        if (items[i].plan->est_rows > items[first].plan->est_rows)
            first = i;
    exec_plan_t *plan = items[first].plan;
    int curw = 0;
    for (int k = 0; k < items[first].width; k++) {
        map[items[first].offset + k] = curw++;
        in[items[first].offset + k] = true;
    }
    done[first] = true;
    for (int step = 1; step < nitems; step++) {
        int pick = -1;
        bool pick_keyed = false;
        for (int i = 0; i < nitems; i++) {
            if (done[i])
                continue;
            bool keyed = false;
            for (int c = 0; c < nconj && !keyed; c++)
                keyed = !used[c] && join_key_to(an, conj[c], in, map, items[i].offset, items[i].width, NULL, NULL);
            if (pick < 0 || (keyed && !pick_keyed) ||
                (keyed == pick_keyed && items[i].plan->est_rows < items[pick].plan->est_rows)) {
                pick = i;
                pick_keyed = keyed;
            }
        }
        exec_expr_t **lk = mem_alloc(an->a, sizeof(exec_expr_t *) * (size_t)(nconj + 1));
        exec_expr_t **rk = mem_alloc(an->a, sizeof(exec_expr_t *) * (size_t)(nconj + 1));
        int nk = 0;
        for (int c = 0; c < nconj; c++)
            if (!used[c] &&
                join_key_to(an, conj[c], in, map, items[pick].offset, items[pick].width, &lk[nk], &rk[nk])) {
                nk++;
                used[c] = true;
            }
        plan = make_join(an, plan, items[pick].plan, JOIN_INNER, nk, lk, rk, NULL);
        for (int k = 0; k < items[pick].width; k++) {
            map[items[pick].offset + k] = curw++;
            in[items[pick].offset + k] = true;
        }
        done[pick] = true;
        /* conjuncts now fully covered filter the join's output */
        for (int c = 0; c < nconj; c++) {
            if (used[c])
                continue;
            int lo = -1, hi = -1;
            bool pinned = false, any = false;
            slot_range(conj[c], &lo, &hi, &pinned);
            if (!pinned && covered(conj[c], in, &any) && any) {
                plan = push_filter(an, plan, remap(an, conj[c], map));
                used[c] = true;
            }
        }
    }
    exec_plan_t *pr = exec_plan_new(an->a, PLAN_PROJECT, total);
    pr->left = plan;
    pr->u.project.exprs = mem_alloc(an->a, sizeof(exec_expr_t *) * (size_t)(total + 1));
    for (int i = 0; i < total; i++) {
        int from = map[i];
        pr->types[i] = plan->types[from];
        pr->typmods[i] = plan->typmods[from];
        pr->u.project.exprs[i] = var_node(an, from, plan->types[from], plan->typmods[from], -1);
    }
    pr->est_rows = plan->est_rows;
    pr->cheap = plan->cheap;
    return pr;
}

static int plan_join_expr(sql_analyze_t *an, sql_scope_t *scope, sql_scope_t *outer, const PgQuery__JoinExpr *j,
                          int item, exec_plan_t **out)
{
    exec_plan_t *l, *r;
    int loff = scope->width;
    int lrte0 = scope->nrtes;
    if (plan_from(an, scope, outer, j->larg, item, &l) < 0)
        return -1;
    int roff = scope->width;
    int rrte0 = scope->nrtes;
    if (plan_from(an, scope, outer, j->rarg, item, &r) < 0)
        return -1;
    int rend = scope->width;
    exec_join_type_t jt;
    switch (j->jointype) {
    case PG_QUERY__JOIN_TYPE__JOIN_LEFT: jt = JOIN_LEFT; break;
    case PG_QUERY__JOIN_TYPE__JOIN_RIGHT: jt = JOIN_RIGHT; break;
    case PG_QUERY__JOIN_TYPE__JOIN_FULL: jt = JOIN_FULL; break;
    default: jt = JOIN_INNER; break;
    }
    /* USING / NATURAL: equalities on same-named columns, right copies hidden */
    int nusing = 0;
    const char *using_names[64];
    if (j->is_natural) {
        for (int a = lrte0; a < rrte0; a++)
            for (int c = 0; c < scope->rtes[a]->ncols; c++) {
                if (scope->rtes[a]->hidden[c])
                    continue;
                const char *nm = scope->rtes[a]->names[c];
                for (int b = rrte0; b < scope->nrtes; b++)
                    for (int d = 0; d < scope->rtes[b]->ncols; d++)
                        if (strcmp(scope->rtes[b]->names[d], nm) == 0 && nusing < 64)
                            using_names[nusing++] = nm;
            }
    } else {
        for (size_t i = 0; i < j->n_using_clause && nusing < 64; i++)
            using_names[nusing++] = j->using_clause[i]->string->sval;
    }
    exec_expr_t **conj = NULL;
    int nconj = 0, cap = 0;
    for (int u = 0; u < nusing; u++) {
        exec_expr_t *lv = NULL, *rv = NULL;
        for (int a = lrte0; a < scope->nrtes; a++) {
            sql_rte_t *rt = scope->rtes[a];
            for (int c = 0; c < rt->ncols; c++) {
                if (strcmp(rt->names[c], using_names[u]) != 0 || rt->hidden[c])
                    continue;
                exec_expr_t *v = var_node(an, rt->offset + c, rt->types[c], rt->typmods[c], -1);
                if (rt->needed)
                    rt->needed[c] = true;
                if (a < rrte0 && !lv)
                    lv = v;
                else if (a >= rrte0 && !rv) {
                    rv = v;
                    if (jt != JOIN_RIGHT && jt != JOIN_FULL)
                        rt->hidden[c] = true;
                }
            }
        }
        if (!lv || !rv) {
            err_set(an->err, ERRCODE_UNDEFINED_COLUMN, "column \"%s\" specified in USING clause does not exist in %s table",
                    using_names[u], lv ? "right" : "left");
            return -1;
        }
        if (jt == JOIN_RIGHT || jt == JOIN_FULL) {
            /* hide the left copy for RIGHT joins so the visible one is the non-null side */
            for (int a = lrte0; a < rrte0; a++)
                for (int c = 0; c < scope->rtes[a]->ncols; c++)
                    if (jt == JOIN_RIGHT && strcmp(scope->rtes[a]->names[c], using_names[u]) == 0)
                        scope->rtes[a]->hidden[c] = true;
        }
        exec_expr_t *eq = sql__make_op(an, "=", lv, rv, -1);
        if (!eq)
            return -1;
        split_and(eq, &conj, &nconj, &cap, an->a);
    }
    if (j->quals) {
        sql_escope_t es = { scope, NULL, "JOIN conditions", false, false, false };
        exec_expr_t *q = sql__analyze_expr(an, &es, j->quals);
        if (!q)
            return -1;
        if (q->type != TYPE_BOOL) {
            q = sql__coerce(an, q, TYPE_BOOL, -1, EXEC_CAST_IMPLICIT, -1);
            if (!q) {
                err_clear(an->err);
                err_set(an->err, ERRCODE_DATATYPE_MISMATCH, "argument of JOIN/ON must be type boolean");
                return -1;
            }
        }
        split_and(q, &conj, &nconj, &cap, an->a);
    }
    if (is_lateral_stub(r)) {
        /* the right side reads the left one: a lateral join, the ON condition per pair */
        if (jt != JOIN_INNER && jt != JOIN_LEFT) {
            err_set(an->err, ERRCODE_INVALID_COLUMN_REFERENCE,
                    "invalid reference to FROM-clause entry for table \"%s\"", scope->rtes[lrte0]->alias);
            err_detail(an->err, "The combining JOIN type must be INNER or LEFT for a LATERAL reference.");
            return -1;
        }
        exec_expr_t **qs = mem_alloc(an->a, sizeof(exec_expr_t *) * (size_t)(nconj + 1));
        for (int i = 0; i < nconj; i++)
            qs[i] = shift(an, conj[i], -loff);
        *out = lateral_join(an, r, l, jt, and_of(an, qs, nconj), loff);
        return 0;
    }
    exec_expr_t **lk = mem_alloc(an->a, sizeof(exec_expr_t *) * (size_t)(nconj + 1));
    exec_expr_t **rk = mem_alloc(an->a, sizeof(exec_expr_t *) * (size_t)(nconj + 1));
    exec_expr_t **rest = mem_alloc(an->a, sizeof(exec_expr_t *) * (size_t)(nconj + 1));
    int nk = 0, nrest = 0;
    for (int i = 0; i < nconj; i++) {
        /* keys are over the local layout: left slots relative to loff */
        exec_expr_t *c = shift(an, conj[i], -loff);
        exec_expr_t *a, *b;
        if (equi_key(an, c, 0, roff - loff - 1, roff - loff, rend - loff - 1, &a, &b)) {
            lk[nk] = a;
            rk[nk++] = b;
        } else if (jt == JOIN_INNER) {
            /* pushable to one side? */
            int lo = -1, hi = -1;
            bool pinned = false;
            slot_range(c, &lo, &hi, &pinned);
            if (!pinned && lo >= 0 && hi < roff - loff) {
                l = push_filter(an, l, c);
            } else if (!pinned && lo >= roff - loff) {
                r = push_filter(an, r, shift(an, c, -(roff - loff)));
            } else {
                rest[nrest++] = c;
            }
        } else {
            rest[nrest++] = c;
        }
    }
    *out = make_join(an, l, r, jt, nk, lk, rk, and_of(an, rest, nrest));
    (void)rrte0;
    return 0;
}

static int plan_from(sql_analyze_t *an, sql_scope_t *scope, sql_scope_t *outer, const PgQuery__Node *n, int item,
                     exec_plan_t **out)
{
    switch (n->node_case) {
    case PG_QUERY__NODE__NODE_RANGE_VAR:
        return plan_rangevar(an, scope, n->range_var, item, out);
    case PG_QUERY__NODE__NODE_RANGE_SUBSELECT: {
        const PgQuery__RangeSubselect *rs = n->range_subselect;
        const char *alias = alias_name(rs->alias);
        if (!alias) {
            err_set(an->err, ERRCODE_SYNTAX_ERROR, "subquery in FROM must have an alias");
            err_hint(an->err, "For example, FROM (SELECT ...) [AS] foo.");
            return -1;
        }
        sql_planned_t p;
        /* LATERAL subqueries see the FROM items before them; others only outer levels */
        sql_scope_t *par = rs->lateral ? scope : outer;
        if (sql__plan_query(an, par, rs->subquery, &p) < 0)
            return -1;
        /* a derived table runs inside this query's run: its references to
         * enclosing queries make this query correlated to the same levels */
        if (!rs->lateral && scope->outer_refs < p.outer_refs)
            scope->outer_refs = p.outer_refs;
        sql_rte_t *r = rte_from_planned(an, &p, alias, scope->width);
        apply_colaliases(an, r, rs->alias);
        r->item = item;
        if (alias_conflict(an, scope, r) < 0)
            return -1;
        scope_add(an, scope, r);
        scope->width += r->ncols;
        *out = trim_plan(an, p.plan, p.ncols);
        if (rs->lateral && p.outer_refs > 0)
            *out = lateral_stub(an, *out);
        return 0;
    }
    case PG_QUERY__NODE__NODE_JOIN_EXPR:
        return plan_join_expr(an, scope, outer, n->join_expr, item, out);
    case PG_QUERY__NODE__NODE_RANGE_FUNCTION:
        return plan_rangefunc(an, scope, n->range_function, item, out);
    default:
        err_set(an->err, ERRCODE_FEATURE_NOT_SUPPORTED, "this kind of FROM item is not supported");
        return -1;
    }
}

/* ---- targets ---- */

typedef struct target {
    exec_expr_t *expr;
    const char *name;
    uint32_t table_oid;
    int16_t attnum;
    const PgQuery__Node *node; /* for ORDER BY matching */
    bool unknown;              /* an untyped literal made text */
} target_t;

typedef struct tlist {
    target_t *t;
    int n, cap;
} tlist_t;

static void tl_add(sql_analyze_t *an, tlist_t *tl, exec_expr_t *e, const char *name, const PgQuery__Node *node)
{
    tl->t = mem_agrow(an->a, tl->t, tl->n, &tl->cap, sizeof *tl->t);
    target_t *t = &tl->t[tl->n++];
    t->expr = e;
    t->name = name;
    t->node = node;
}

static void origin_of(sql_scope_t *scope, const exec_expr_t *e, uint32_t *oid, int16_t *att)
{
    *oid = 0;
    *att = 0;
    if (!e || e->kind != EXPR_VAR || !scope)
        return;
    for (int i = 0; i < scope->nrtes; i++) {
        sql_rte_t *r = scope->rtes[i];
        if (r->table_oid && e->u.slot >= r->offset && e->u.slot < r->offset + r->ncols) {
            *oid = r->table_oid;
            *att = (int16_t)(e->u.slot - r->offset + 1);
        }
    }
}

static int expand_star(sql_analyze_t *an, sql_scope_t *scope, const char *qual, tlist_t *tl, int loc)
{
    bool any = false;
    for (int i = 0; scope && i < scope->nrtes; i++) {
        sql_rte_t *r = scope->rtes[i];
        if (qual && (!r->alias || strcmp(r->alias, qual) != 0))
            continue;
        any = true;
        for (int c = 0; c < r->ncols; c++) {
            if (!qual && r->hidden[c])
                continue;
            if (r->needed)
                r->needed[c] = true;
            tl_add(an, tl, var_node(an, r->offset + c, r->types[c], r->typmods[c], loc), r->names[c], NULL);
            tl->t[tl->n - 1].table_oid = r->table_oid;
            tl->t[tl->n - 1].attnum = r->table_oid ? (int16_t)(c + 1) : 0;
        }
    }
    if (!any) {
        if (qual)
            err_set(an->err, ERRCODE_UNDEFINED_TABLE, "missing FROM-clause entry for table \"%s\"", qual);
        else
            err_set(an->err, ERRCODE_SYNTAX_ERROR, "SELECT * with no tables specified is not valid");
        return sql__err_at(an, loc);
    }
    return 0;
}

/* ---- sublinks ---- */

/* row_sublink - (a, b) IN / = ANY / <> ALL (SELECT x, y ...): the left row
 * and each subquery row become records of the columns' common types,
 * compared by exec_rows_eq / _ne (NULL logic of PostgreSQL's row-wise
 * comparison of a multi-column sublink). */
static exec_expr_t *row_sublink(sql_analyze_t *an, sql_escope_t *es, const PgQuery__SubLink *s, exec_subplan_t *sub,
                                int ncols)
{
    const PgQuery__RowExpr *row = s->testexpr->row_expr;
    int n = (int)row->n_args;
    if (n != ncols) {
        err_set(an->err, ERRCODE_SYNTAX_ERROR, ncols > n ? "subquery has too many columns" : "subquery has too few columns");
        sql__err_at(an, s->location);
        return NULL;
    }
    const char *op = s->n_oper_name ? s->oper_name[s->n_oper_name - 1]->string->sval : "=";
    if (strcmp(op, "=") != 0 && strcmp(op, "<>") != 0) {
        err_set(an->err, ERRCODE_FEATURE_NOT_SUPPORTED, "row comparison with %s against a subquery is not supported", op);
        sql__err_at(an, s->location);
        return NULL;
    }
    exec_expr_t *lrow = exec_expr_new(an->a, EXPR_ROW, TYPE_RECORD, n);
    exec_expr_t *rrow = exec_expr_new(an->a, EXPR_ROW, TYPE_RECORD, n);
    type_rowdesc_t *d = type_rowdesc_new(an->a, n);
    for (int k = 0; k < n; k++) {
        exec_expr_t *l = sql__analyze_expr(an, es, row->args[k]);
        if (!l)
            return NULL;
        exec_expr_t *c = var_node(an, k, sub->plan->types[k], sub->plan->typmods[k], -1);
        exec_expr_t *pair[2] = { l, c };
        type_oid_t t;
        if (sql__common_type(an, pair, 2, "IN", &t) < 0)
            return NULL;
        lrow->args[k] = sql__coerce(an, l, t, -1, EXEC_CAST_IMPLICIT, s->location);
        rrow->args[k] = sql__coerce(an, c, t, -1, EXEC_CAST_IMPLICIT, s->location);
        if (!lrow->args[k] || !rrow->args[k])
            return NULL;
        d->names[k] = mem_asprintf(an->a, "f%d", k + 1);
        d->types[k] = t;
    }
    lrow->rowdesc = rrow->rowdesc = d;
    lrow->typmod = rrow->typmod = sql__record_typmod(an, d);
    exec_plan_t *pr = exec_plan_new(an->a, PLAN_PROJECT, 1);
    pr->left = sub->plan;
    pr->u.project.exprs = mem_alloc(an->a, sizeof(exec_expr_t *));
    pr->u.project.exprs[0] = rrow;
    pr->types[0] = TYPE_RECORD;
    pr->typmods[0] = rrow->typmod;
    pr->est_rows = sub->plan->est_rows;
    pr->cheap = sub->plan->cheap;
    sub->plan = pr;
    sub->kind = s->sub_link_type == PG_QUERY__SUB_LINK_TYPE__ANY_SUBLINK ? SUBLINK_ANY : SUBLINK_ALL;
    sub->cmp = strcmp(op, "=") == 0 ? &exec_rows_eq : &exec_rows_ne;
    exec_expr_t *e = exec_expr_new(an->a, EXPR_SUBPLAN, TYPE_BOOL, 1);
    e->args[0] = lrow;
    return e;
}

exec_expr_t *sql__analyze_sublink(sql_analyze_t *an, sql_escope_t *es, const PgQuery__SubLink *s)
{
    sql_scope_t *parent = es ? es->scope : NULL;
    sql_scope_t holder;
    if (!parent) {
        memset(&holder, 0, sizeof holder);
        parent = &holder;
    }
    sql_planned_t p;
    int refd0 = parent->nrefd;
    if (sql__plan_query(an, parent, s->subselect, &p) < 0)
        return NULL;
    exec_subplan_t *sub = mem_alloc0(an->a, sizeof *sub);
    sub->nrefs = parent->nrefd - refd0;
    sub->refs = parent->refd + refd0;
    sub->plan = trim_plan(an, p.plan, p.ncols);
    sub->nouter = p.outer_refs;
    sub->id = an->nsubplans++;
    exec_expr_t *e = NULL;
    switch (s->sub_link_type) {
    case PG_QUERY__SUB_LINK_TYPE__EXISTS_SUBLINK:
        sub->kind = SUBLINK_EXISTS;
        e = exec_expr_new(an->a, EXPR_SUBPLAN, TYPE_BOOL, 0);
        break;
    case PG_QUERY__SUB_LINK_TYPE__EXPR_SUBLINK:
    case PG_QUERY__SUB_LINK_TYPE__ARRAY_SUBLINK:
        if (p.ncols != 1) {
            err_set(an->err, ERRCODE_SYNTAX_ERROR, p.ncols > 1 ? "subquery must return only one column"
                                                               : "subquery must return a column");
            sql__err_at(an, s->location);
            return NULL;
        }
        if (s->sub_link_type == PG_QUERY__SUB_LINK_TYPE__EXPR_SUBLINK) {
            sub->kind = SUBLINK_SCALAR;
            e = exec_expr_new(an->a, EXPR_SUBPLAN, sub->plan->types[0], 0);
            e->typmod = sub->plan->typmods[0];
        } else {
            sub->kind = SUBLINK_ARRAY;
            const type_info_t *ti = type_lookup(sub->plan->types[0]);
            e = exec_expr_new(an->a, EXPR_SUBPLAN, ti && ti->array ? ti->array : TYPE_TEXT_ARRAY, 0);
        }
        break;
    case PG_QUERY__SUB_LINK_TYPE__ANY_SUBLINK:
    case PG_QUERY__SUB_LINK_TYPE__ALL_SUBLINK: {
        if (s->testexpr && s->testexpr->node_case == PG_QUERY__NODE__NODE_ROW_EXPR) {
            e = row_sublink(an, es, s, sub, p.ncols);
            if (!e)
                return NULL;
            break;
        }
        if (p.ncols != 1) {
            err_set(an->err, ERRCODE_SYNTAX_ERROR, p.ncols > 1 ? "subquery has too many columns"
                                                               : "subquery has too few columns");
            sql__err_at(an, s->location);
            return NULL;
        }
        exec_expr_t *lhs = sql__analyze_expr(an, es, s->testexpr);
        if (!lhs)
            return NULL;
        const char *op = s->n_oper_name ? s->oper_name[s->n_oper_name - 1]->string->sval : "=";
        exec_expr_t *col = exec_expr_new(an->a, EXPR_VAR, sub->plan->types[0], 0);
        col->u.slot = 0; /* placeholder for the subquery's column: never evaluated */
        exec_expr_t *c = sql__make_op(an, op, lhs, col, s->location);
        if (!c)
            return NULL;
        if (c->kind != EXPR_FUNC || c->type != TYPE_BOOL) {
            err_set(an->err, ERRCODE_DATATYPE_MISMATCH, "operator of ANY/ALL must yield boolean");
            sql__err_at(an, s->location);
            return NULL;
        }
        /* coerce the subquery's column to the operator's right type */
        type_oid_t want = c->u.fn->args[1];
        if (want != sub->plan->types[0] && want != TYPE_ANY) {
            exec_plan_t *pr = exec_plan_new(an->a, PLAN_PROJECT, 1);
            pr->left = sub->plan;
            pr->u.project.exprs = mem_alloc(an->a, sizeof(exec_expr_t *));
            exec_expr_t *v = var_node(an, 0, sub->plan->types[0], sub->plan->typmods[0], -1);
            pr->u.project.exprs[0] = sql__coerce(an, v, want, -1, EXEC_CAST_IMPLICIT, s->location);
            if (!pr->u.project.exprs[0])
                return NULL;
            pr->types[0] = want;
            sub->plan = pr;
        }
        sub->kind = s->sub_link_type == PG_QUERY__SUB_LINK_TYPE__ANY_SUBLINK ? SUBLINK_ANY : SUBLINK_ALL;
        sub->cmp = c->u.fn;
        e = exec_expr_new(an->a, EXPR_SUBPLAN, TYPE_BOOL, 1);
        e->args[0] = c->args[0];
        break;
    }
    default:
        err_set(an->err, ERRCODE_FEATURE_NOT_SUPPORTED, "this kind of subquery is not supported");
        sql__err_at(an, s->location);
        return NULL;
    }
    e->u.sub = sub;
    e->location = s->location;
    if (!sub->plan->cheap)
        an->cheap = false;
    return e;
}

/* ---- VALUES ---- */

static int plan_values(sql_analyze_t *an, sql_scope_t *parent, const PgQuery__SelectStmt *s, sql_planned_t *out)
{
    int nrows = (int)s->n_values_lists;
    int ncols = (int)s->values_lists[0]->list->n_items;
    exec_expr_t **cells = mem_alloc0(an->a, sizeof(exec_expr_t *) * (size_t)(nrows * ncols));
    sql_scope_t *scope = scope_new(an, parent);
    sql_escope_t es = { scope, NULL, "VALUES", false, false, false };
    for (int r = 0; r < nrows; r++) {
        const PgQuery__List *l = s->values_lists[r]->list;
        if ((int)l->n_items != ncols) {
            err_set(an->err, ERRCODE_SYNTAX_ERROR, "VALUES lists must all be the same length");
            return -1;
        }
        for (int c = 0; c < ncols; c++) {
            cells[r * ncols + c] = sql__analyze_expr(an, &es, l->items[c]);
            if (!cells[r * ncols + c])
                return -1;
        }
    }
    exec_plan_t *p = exec_plan_new(an->a, PLAN_RESULT, ncols);
    p->u.result.nrows = nrows;
    p->u.result.exprs = cells;
    p->est_rows = nrows;
    p->cheap = true;
    exec_expr_t **col = mem_alloc(an->a, sizeof(exec_expr_t *) * (size_t)nrows);
    out->names = mem_alloc(an->a, sizeof(char *) * (size_t)ncols);
    for (int c = 0; c < ncols; c++) {
        for (int r = 0; r < nrows; r++)
            col[r] = cells[r * ncols + c];
        type_oid_t t;
        if (sql__common_type(an, col, nrows, "VALUES", &t) < 0)
            return -1;
        for (int r = 0; r < nrows; r++) {
            cells[r * ncols + c] = sql__coerce(an, cells[r * ncols + c], t, -1, EXEC_CAST_IMPLICIT, -1);
            if (!cells[r * ncols + c])
                return -1;
        }
        p->types[c] = t;
        char nb[32];
        snprintf(nb, sizeof nb, "column%d", c + 1);
        out->names[c] = mem_astrdup(an->a, nb);
    }
    out->plan = p;
    out->ncols = ncols;
    out->table_oids = mem_alloc0(an->a, sizeof(uint32_t) * (size_t)ncols);
    out->attnums = mem_alloc0(an->a, sizeof(int16_t) * (size_t)ncols);
    out->outer_refs = scope->outer_refs;
    return 0;
}

/* ---- ORDER BY / LIMIT over a finished block (set operations, VALUES) ---- */

static int int_const(const PgQuery__Node *n, int *v)
{
    if (n && n->node_case == PG_QUERY__NODE__NODE_A_CONST && n->a_const->val_case == PG_QUERY__A__CONST__VAL_IVAL &&
        !n->a_const->isnull) {
        *v = n->a_const->ival->ival;
        return 1;
    }
    return 0;
}

static exec_expr_t *limit_expr(sql_analyze_t *an, sql_scope_t *scope, const PgQuery__Node *n, const char *what)
{
    if (!n)
        return NULL;
    sql_escope_t es = { scope, NULL, what, false, false, false };
    exec_expr_t *e = sql__analyze_expr(an, &es, n);
    if (!e)
        return NULL;
    if (e->kind == EXPR_CONST && e->u.cval.isnull && e->type == TYPE_UNKNOWN)
        return sql__const_null(an, TYPE_INT8, -1);
    return sql__coerce(an, e, TYPE_INT8, -1, EXEC_CAST_ASSIGNMENT, -1);
}

/* add_limit - LIMIT / OFFSET over p; with ntie > 0 (FETCH FIRST ... WITH
 * TIES) rows equal to the last counted one on the sort keys follow it. */
static exec_plan_t *add_limit(sql_analyze_t *an, exec_plan_t *p, exec_expr_t *off, exec_expr_t *cnt, int ntie,
                              const exec_sortkey_t *keys)
{
    if (!off && !cnt)
        return p;
    /* ORDER BY ... LIMIT n: the sort keeps only the rows it can return (top-N) */
    if (p->kind == PLAN_SORT && ntie == 0 && cnt && cnt->kind == EXPR_CONST && !cnt->u.cval.isnull && cnt->u.cval.u.i >= 0 &&
        (!off || (off->kind == EXPR_CONST && !off->u.cval.isnull && off->u.cval.u.i >= 0)))
        p->u.sort.limit = cnt->u.cval.u.i + (off ? off->u.cval.u.i : 0) + 0;
    exec_plan_t *l = exec_plan_new(an->a, PLAN_LIMIT, p->ncols);
    memcpy(l->types, p->types, sizeof(type_oid_t) * (size_t)p->ncols);
    memcpy(l->typmods, p->typmods, sizeof(int32_t) * (size_t)p->ncols);
    l->left = p;
    l->u.limit.offset = off;
    l->u.limit.count = cnt;
    if (ntie > 0) {
        l->u.limit.ntie = ntie;
        l->u.limit.tie_cols = mem_alloc(an->a, sizeof(int) * (size_t)ntie);
        for (int i = 0; i < ntie; i++)
            l->u.limit.tie_cols[i] = keys[i].expr->u.slot;
    }
    l->est_rows = p->est_rows;
    l->cheap = p->cheap;
    return l;
}

static exec_plan_t *add_sort(sql_analyze_t *an, exec_plan_t *p, int nkeys, exec_sortkey_t *keys)
{
    if (nkeys == 0)
        return p;
    exec_plan_t *s = exec_plan_new(an->a, PLAN_SORT, p->ncols);
    memcpy(s->types, p->types, sizeof(type_oid_t) * (size_t)p->ncols);
    memcpy(s->typmods, p->typmods, sizeof(int32_t) * (size_t)p->ncols);
    s->left = p;
    s->u.sort.nkeys = nkeys;
    s->u.sort.keys = keys;
    s->est_rows = p->est_rows;
    s->cheap = p->cheap;
    return s;
}

/* sort_over_output - ORDER BY of a set operation / VALUES: output names or ordinals only. */
static int sort_over_output(sql_analyze_t *an, sql_scope_t *parent, const PgQuery__SelectStmt *s, sql_planned_t *p)
{
    int nk = (int)s->n_sort_clause;
    exec_sortkey_t *keys = mem_alloc0(an->a, sizeof(exec_sortkey_t) * (size_t)(nk + 1));
    sql_scope_t *scope = scope_new(an, parent);
    sql_rte_t *r = rte_new(an, NULL, p->ncols);
    for (int i = 0; i < p->ncols; i++) {
        r->names[i] = p->names[i];
        r->types[i] = p->plan->types[i];
        r->typmods[i] = p->plan->typmods[i];
    }
    scope_add(an, scope, r);
    scope->width = p->ncols;
    for (int i = 0; i < nk; i++) {
        const PgQuery__SortBy *sb = s->sort_clause[i]->sort_by;
        int ord;
        exec_expr_t *e;
        if (int_const(sb->node, &ord)) {
            if (ord < 1 || ord > p->ncols) {
                err_set(an->err, ERRCODE_INVALID_COLUMN_REFERENCE, "ORDER BY position %d is not in select list", ord);
                return sql__err_at(an, sb->location >= 0 ? sb->location : -1);
            }
            e = var_node(an, ord - 1, p->plan->types[ord - 1], -1, -1);
        } else {
            sql_escope_t es = { scope, NULL, "ORDER BY", false, false, false };
            e = sql__analyze_expr(an, &es, sb->node);
            if (!e)
                return -1;
            if (e->kind != EXPR_VAR) {
                err_set(an->err, ERRCODE_FEATURE_NOT_SUPPORTED,
                        "invalid UNION/INTERSECT/EXCEPT ORDER BY clause");
                err_detail(an->err, "Only result column names can be used, not expressions or functions.");
                return -1;
            }
        }
        keys[i].expr = e;
        keys[i].desc = sb->sortby_dir == PG_QUERY__SORT_BY_DIR__SORTBY_DESC;
        keys[i].nulls_first = sb->sortby_nulls == PG_QUERY__SORT_BY_NULLS__SORTBY_NULLS_FIRST ||
                              (sb->sortby_nulls != PG_QUERY__SORT_BY_NULLS__SORTBY_NULLS_LAST && keys[i].desc);
    }
    p->plan = add_sort(an, p->plan, nk, keys);
    exec_expr_t *off = limit_expr(an, scope, s->limit_offset, "OFFSET");
    if (s->limit_offset && !off)
        return -1;
    exec_expr_t *cnt = limit_expr(an, scope, s->limit_count, "LIMIT");
    if (s->limit_count && !cnt)
        return -1;
    if (s->limit_option == PG_QUERY__LIMIT_OPTION__LIMIT_OPTION_WITH_TIES && nk == 0) {
        err_set(an->err, ERRCODE_SYNTAX_ERROR, "WITH TIES cannot be specified without ORDER BY clause");
        return -1;
    }
    p->plan = add_limit(an, p->plan, off, cnt,
                        s->limit_option == PG_QUERY__LIMIT_OPTION__LIMIT_OPTION_WITH_TIES ? nk : 0, keys);
    return 0;
}

/* ---- set operations ---- */

static int plan_setop(sql_analyze_t *an, sql_scope_t *parent, const PgQuery__SelectStmt *s, sql_planned_t *out)
{
    PgQuery__Node ln = PG_QUERY__NODE__INIT, rn = PG_QUERY__NODE__INIT;
    ln.node_case = PG_QUERY__NODE__NODE_SELECT_STMT;
    ln.select_stmt = s->larg;
    rn.node_case = PG_QUERY__NODE__NODE_SELECT_STMT;
    rn.select_stmt = s->rarg;
    sql_planned_t l, r;
    if (sql__plan_query(an, parent, &ln, &l) < 0 || sql__plan_query(an, parent, &rn, &r) < 0)
        return -1;
    const char *opname = s->op == PG_QUERY__SET_OPERATION__SETOP_UNION       ? "UNION"
                         : s->op == PG_QUERY__SET_OPERATION__SETOP_INTERSECT ? "INTERSECT"
                                                                             : "EXCEPT";
    if (l.ncols != r.ncols) {
        err_set(an->err, ERRCODE_SYNTAX_ERROR, "each %s query must have the same number of columns", opname);
        return -1;
    }
    int n = l.ncols;
    exec_plan_t *lp = trim_plan(an, l.plan, n), *rp = trim_plan(an, r.plan, n);
    exec_expr_t **lx = mem_alloc(an->a, sizeof(exec_expr_t *) * (size_t)(n + 1));
    exec_expr_t **rx = mem_alloc(an->a, sizeof(exec_expr_t *) * (size_t)(n + 1));
    bool lneed = false, rneed = false;
    exec_plan_t *sp = exec_plan_new(an->a, PLAN_SETOP, n);
    bool lunk = false, runk = false;
    for (int i = 0; i < n; i++) {
        exec_expr_t *lv = var_node(an, i, lp->types[i], lp->typmods[i], -1);
        exec_expr_t *rv = var_node(an, i, rp->types[i], rp->typmods[i], -1);
        /* Unknown-typed literals of a branch count as unknown for type
         * resolution; their text then converts as their input would. */
        lunk = l.unknown && l.unknown[i];
        runk = r.unknown && r.unknown[i];
        exec_expr_t lu = *lv, ru = *rv;
        lu.type = lunk ? TYPE_UNKNOWN : lv->type;
        ru.type = runk ? TYPE_UNKNOWN : rv->type;
        exec_expr_t *pair[2] = { &lu, &ru };
        type_oid_t t;
        if (sql__common_type(an, pair, 2, opname, &t) < 0)
            return -1;
        lx[i] = lp->types[i] == t ? lv : sql__coerce(an, lv, t, -1, lunk ? EXEC_CAST_EXPLICIT : EXEC_CAST_IMPLICIT, -1);
        rx[i] = rp->types[i] == t ? rv : sql__coerce(an, rv, t, -1, runk ? EXEC_CAST_EXPLICIT : EXEC_CAST_IMPLICIT, -1);
        if (lunk && runk) {
            if (!out->unknown)
                out->unknown = mem_alloc0(an->a, sizeof(bool) * (size_t)(n + 1));
            out->unknown[i] = true;
        }
        if (!lx[i] || !rx[i])
            return -1;
        lneed |= lx[i] != lv;
        rneed |= rx[i] != rv;
        sp->types[i] = t;
        sp->typmods[i] = lp->typmods[i] == rp->typmods[i] ? lp->typmods[i] : -1;
    }
    if (lneed) {
        exec_plan_t *pr = exec_plan_new(an->a, PLAN_PROJECT, n);
        pr->left = lp;
        pr->u.project.exprs = lx;
        memcpy(pr->types, sp->types, sizeof(type_oid_t) * (size_t)n);
        pr->cheap = lp->cheap;
        lp = pr;
    }
    if (rneed) {
        exec_plan_t *pr = exec_plan_new(an->a, PLAN_PROJECT, n);
        pr->left = rp;
        pr->u.project.exprs = rx;
        memcpy(pr->types, sp->types, sizeof(type_oid_t) * (size_t)n);
        pr->cheap = rp->cheap;
        rp = pr;
    }
    sp->left = lp;
    sp->right = rp;
    sp->u.setop.op = s->op == PG_QUERY__SET_OPERATION__SETOP_UNION       ? SETOP_UNION
                     : s->op == PG_QUERY__SET_OPERATION__SETOP_INTERSECT ? SETOP_INTERSECT
                                                                         : SETOP_EXCEPT;
    sp->u.setop.all = s->all;
    sp->est_rows = lp->est_rows + rp->est_rows;
    sp->cheap = lp->cheap && rp->cheap;
    out->plan = sp;
    out->ncols = n;
    out->names = l.names;
    out->table_oids = mem_alloc0(an->a, sizeof(uint32_t) * (size_t)(n + 1));
    out->attnums = mem_alloc0(an->a, sizeof(int16_t) * (size_t)(n + 1));
    out->outer_refs = l.outer_refs > r.outer_refs ? l.outer_refs : r.outer_refs;
    return sort_over_output(an, parent, s, out);
}

/* ---- GROUP BY items ---- */

static int find_target_by_name(tlist_t *tl, int nvis, const char *name)
{
    int hit = -1;
    for (int i = 0; i < nvis; i++)
        if (tl->t[i].name && strcmp(tl->t[i].name, name) == 0) {
            if (hit >= 0)
                return -2;
            hit = i;
        }
    return hit;
}

static bool colref_is_input(sql_scope_t *scope, const PgQuery__Node *n)
{
    if (n->node_case != PG_QUERY__NODE__NODE_COLUMN_REF || n->column_ref->n_fields != 1 ||
        n->column_ref->fields[0]->node_case != PG_QUERY__NODE__NODE_STRING)
        return false;
    const char *name = n->column_ref->fields[0]->string->sval;
    for (int i = 0; scope && i < scope->nrtes; i++)
        for (int c = 0; c < scope->rtes[i]->ncols; c++)
            if (strcmp(scope->rtes[i]->names[c], name) == 0)
                return true;
    return false;
}

typedef struct gitems {
    exec_expr_t **e;
    int n, cap;
} gitems_t;

static int gitem_add(sql_analyze_t *an, gitems_t *g, exec_expr_t *e)
{
    for (int i = 0; i < g->n; i++)
        if (expr_equal(g->e[i], e))
            return i;
    expr_push(an->a, &g->e, &g->n, &g->cap, e);
    return g->n - 1;
}

static exec_expr_t *group_item_expr(sql_analyze_t *an, sql_escope_t *es, tlist_t *tl, int nvis,
                                    const PgQuery__Node *n)
{
    int ord;
    if (int_const(n, &ord)) {
        if (ord < 1 || ord > nvis) {
            err_set(an->err, ERRCODE_INVALID_COLUMN_REFERENCE, "GROUP BY position %d is not in select list", ord);
            sql__err_at(an, n->a_const->location);
            return NULL;
        }
        exec_expr_t *e = tl->t[ord - 1].expr;
        if (has_kind(e, EXPR_AGGREF)) {
            err_set(an->err, ERRCODE_GROUPING_ERROR, "aggregate functions are not allowed in GROUP BY");
            sql__err_at(an, e->location);
            return NULL;
        }
        return e;
    }
    if (n->node_case == PG_QUERY__NODE__NODE_COLUMN_REF && !colref_is_input(es->scope, n) &&
        n->column_ref->n_fields == 1 && n->column_ref->fields[0]->node_case == PG_QUERY__NODE__NODE_STRING) {
        int t = find_target_by_name(tl, nvis, n->column_ref->fields[0]->string->sval);
        if (t >= 0)
            return tl->t[t].expr;
    }
    return sql__analyze_expr(an, es, n);
}

/* grouping sets: each set is a bitmask over group items. */
typedef struct gsets {
    uint64_t *s;
    int n, cap;
} gsets_t;

static void gs_add(sql_analyze_t *an, gsets_t *g, uint64_t m)
{
    g->s = mem_agrow(an->a, g->s, g->n, &g->cap, sizeof *g->s);
    g->s[g->n++] = m;
}

/* item_mask - the group items of one element (expr or parenthesised row). */
static int item_mask(sql_analyze_t *an, sql_escope_t *es, tlist_t *tl, int nvis, gitems_t *gi,
                     const PgQuery__Node *n, uint64_t *m)
{
    *m = 0;
    if (n->node_case == PG_QUERY__NODE__NODE_ROW_EXPR) {
        for (size_t i = 0; i < n->row_expr->n_args; i++) {
            uint64_t mm;
            if (item_mask(an, es, tl, nvis, gi, n->row_expr->args[i], &mm) < 0)
                return -1;
            *m |= mm;
        }
        return 0;
    }
    if (n->node_case == PG_QUERY__NODE__NODE_LIST) {
        for (size_t i = 0; i < n->list->n_items; i++) {
            uint64_t mm;
            if (item_mask(an, es, tl, nvis, gi, n->list->items[i], &mm) < 0)
                return -1;
            *m |= mm;
        }
        return 0;
    }
    exec_expr_t *e = group_item_expr(an, es, tl, nvis, n);
    if (!e)
        return -1;
    int k = gitem_add(an, gi, e);
    if (k >= 64) {
        err_set(an->err, ERRCODE_PROGRAM_LIMIT_EXCEEDED, "too many grouping columns");
        return -1;
    }
    *m = 1ULL << k;
    return 0;
}

/* expand_gset - the sets one GROUP BY element produces. */
static int expand_gset(sql_analyze_t *an, sql_escope_t *es, tlist_t *tl, int nvis, gitems_t *gi,
                       const PgQuery__Node *n, gsets_t *out)
{
    if (n->node_case != PG_QUERY__NODE__NODE_GROUPING_SET) {
        uint64_t m;
        if (item_mask(an, es, tl, nvis, gi, n, &m) < 0)
            return -1;
        gs_add(an, out, m);
        return 0;
    }
    const PgQuery__GroupingSet *g = n->grouping_set;
    int nc = (int)g->n_content;
    switch (g->kind) {
    case PG_QUERY__GROUPING_SET_KIND__GROUPING_SET_EMPTY:
        gs_add(an, out, 0);
        return 0;
    case PG_QUERY__GROUPING_SET_KIND__GROUPING_SET_SIMPLE: {
        uint64_t m = 0;
        for (int i = 0; i < nc; i++) {
            uint64_t mm;
            if (item_mask(an, es, tl, nvis, gi, g->content[i], &mm) < 0)
                return -1;
            m |= mm;
        }
        gs_add(an, out, m);
        return 0;
    }
    case PG_QUERY__GROUPING_SET_KIND__GROUPING_SET_ROLLUP: {
        uint64_t *ms = mem_alloc(an->a, sizeof(uint64_t) * (size_t)(nc + 1));
        for (int i = 0; i < nc; i++)
            if (item_mask(an, es, tl, nvis, gi, g->content[i], &ms[i]) < 0)
                return -1;
        for (int k = nc; k >= 0; k--) {
            uint64_t m = 0;
            for (int i = 0; i < k; i++)
                m |= ms[i];
            gs_add(an, out, m);
        }
        return 0;
    }
    case PG_QUERY__GROUPING_SET_KIND__GROUPING_SET_CUBE: {
        if (nc > 12) {
            err_set(an->err, ERRCODE_PROGRAM_LIMIT_EXCEEDED, "CUBE is limited to 12 elements");
            return -1;
        }
        uint64_t *ms = mem_alloc(an->a, sizeof(uint64_t) * (size_t)(nc + 1));
        for (int i = 0; i < nc; i++)
            if (item_mask(an, es, tl, nvis, gi, g->content[i], &ms[i]) < 0)
                return -1;
        for (int bits = (1 << nc) - 1; bits >= 0; bits--) {
            uint64_t m = 0;
            for (int i = 0; i < nc; i++)
                if (bits & (1 << i))
                    m |= ms[i];
            gs_add(an, out, m);
        }
        return 0;
    }
    case PG_QUERY__GROUPING_SET_KIND__GROUPING_SET_SETS:
        for (int i = 0; i < nc; i++)
            if (expand_gset(an, es, tl, nvis, gi, g->content[i], out) < 0)
                return -1;
        return 0;
    default:
        err_set(an->err, ERRCODE_FEATURE_NOT_SUPPORTED, "unsupported grouping set");
        return -1;
    }
}

/* ---- SELECT ---- */

/* Set-returning calls of one ProjectSet level. */
typedef struct srf_calls {
    int n, cap;
    exec_expr_t **calls;
} srf_calls_t;

static bool is_srf_call(const exec_expr_t *e)
{
    return e->kind == EXPR_FUNC && (e->u.fn->flags & EXEC_FN_SETOF);
}

/* collect_srfs - the set-returning calls in e whose arguments hold none
 * (a call over another one's rows runs in the next ProjectSet up). */
static bool collect_srfs(sql_analyze_t *an, exec_expr_t *e, srf_calls_t *sc)
{
    if (!e)
        return false;
    bool below = false;
    for (int i = 0; i < e->nargs; i++)
        below |= collect_srfs(an, e->args[i], sc);
    if (!is_srf_call(e) || below)
        return below || is_srf_call(e);
    for (int k = 0; k < sc->n; k++)
        if (sc->calls[k] == e)
            return true;
    expr_push(an->a, &sc->calls, &sc->n, &sc->cap, e);
    return true;
}

/* replace_srfs - e with the calls of sc replaced by their ProjectSet columns (base + k). */
static exec_expr_t *replace_srfs(sql_analyze_t *an, exec_expr_t *e, const srf_calls_t *sc, int base)
{
    for (int k = 0; k < sc->n; k++)
        if (sc->calls[k] == e)
            return var_node(an, base + k, e->type, e->typmod, e->location);
    if (e->nargs == 0)
        return e;
    exec_expr_t *c = NULL;
    for (int i = 0; i < e->nargs; i++) {
        exec_expr_t *a = e->args[i] ? replace_srfs(an, e->args[i], sc, base) : NULL;
        if (a != e->args[i]) {
            if (!c)
                c = copy_node(an, e);
            c->args[i] = a;
        }
    }
    return c ? c : e;
}

static int plan_select(sql_analyze_t *an, sql_scope_t *parent, const PgQuery__SelectStmt *s, sql_planned_t *out)
{
    if (s->into_clause) {
        err_set(an->err, ERRCODE_FEATURE_NOT_SUPPORTED, "SELECT INTO is not supported");
        return -1;
    }
    if (s->n_locking_clause) {
        err_set(an->err, ERRCODE_FEATURE_NOT_SUPPORTED, "SELECT FOR UPDATE/SHARE is not supported");
        return -1;
    }
    sql_scope_t *scope = scope_new(an, parent);
    sql_qstate_t *q = mem_alloc0(an->a, sizeof *q);
    q->an = an;
    q->scope = scope;
    q->stmt = s;
    scope->q = q;
    if (s->with_clause) {
        /* WITH RECURSIVE is accepted as long as no CTE refers to itself
         * (plan_rangevar rejects the recursive ones when it meets them) */
        for (size_t i = 0; i < s->with_clause->n_ctes; i++) {
            const PgQuery__CommonTableExpr *c = s->with_clause->ctes[i]->common_table_expr;
            sql_cte_t *ct = mem_alloc0(an->a, sizeof *ct);
            ct->name = c->ctename;
            ct->def = c;
            ct->recursive = s->with_clause->recursive;
            ct->work_id = -1;
            ct->next = scope->ctes;
            scope->ctes = ct;
        }
    }
    if (s->op != PG_QUERY__SET_OPERATION__SETOP_NONE && s->op != PG_QUERY__SET_OPERATION__SET_OPERATION_UNDEFINED)
        return plan_setop(an, scope, s, out);
    if (s->n_values_lists > 0) {
        if (plan_values(an, scope, s, out) < 0)
            return -1;
        return sort_over_output(an, scope, s, out);
    }

    /* FROM: plan items, then WHERE, pushing conjuncts down and into join keys */
    int nitems = (int)s->n_from_clause, costly0 = an->costly_scans;
    from_item_t *items = mem_alloc0(an->a, sizeof(from_item_t) * (size_t)(nitems + 1));
    for (int i = 0; i < nitems; i++) {
        items[i].offset = scope->width;
        if (plan_from(an, scope, parent, s->from_clause[i], i, &items[i].plan) < 0)
            return -1;
        items[i].width = scope->width - items[i].offset;
    }
    int from_costly = an->costly_scans - costly0; /* dropped if a cube answers the block */
    exec_expr_t *where = NULL;
    if (s->where_clause) {
        sql_escope_t es = { scope, q, "WHERE", false, false, false };
        where = sql__analyze_expr(an, &es, s->where_clause);
        if (!where)
            return -1;
        if (where->type != TYPE_BOOL) {
            exec_expr_t *w = where->type == TYPE_UNKNOWN ? sql__coerce(an, where, TYPE_BOOL, -1, EXEC_CAST_IMPLICIT, -1)
                                                         : NULL;
            if (!w) {
                err_clear(an->err);
                err_set(an->err, ERRCODE_DATATYPE_MISMATCH, "argument of WHERE must be type boolean, not type %s",
                        sql__type_name(where->type));
                return sql__err_at(an, where->location);
            }
            where = w;
        }
    }
    exec_plan_t *plan;
    if (nitems == 0) {
        plan = exec_plan_new(an->a, PLAN_RESULT, 0);
        plan->u.result.nrows = 1;
        plan->cheap = true;
        plan = add_filter(an, plan, where);
    } else {
        exec_expr_t **conj = NULL;
        int nconj = 0, cap = 0;
        if (where)
            split_and(where, &conj, &nconj, &cap, an->a);
        bool *used = mem_alloc0(an->a, sizeof(bool) * (size_t)(nconj + 1));
        /* single-item conjuncts go below the joins */
        for (int c = 0; c < nconj; c++) {
            int lo = -1, hi = -1;
            bool pinned = false;
            slot_range(conj[c], &lo, &hi, &pinned);
            if (pinned || lo < 0 || nitems == 1)
                continue;
            for (int i = 0; i < nitems; i++)
                if (lo >= items[i].offset && hi < items[i].offset + items[i].width) {
                    items[i].plan = push_filter(an, items[i].plan, shift(an, conj[c], -items[i].offset));
                    used[c] = true;
                }
        }
        /* three or more independent items: join in a greedy order */
        bool reorder = nitems >= 3;
        for (int i = 0; i < nitems && reorder; i++)
            reorder = s->from_clause[i]->node_case != PG_QUERY__NODE__NODE_RANGE_FUNCTION &&
                      !is_lateral_stub(items[i].plan);
        if (reorder)
            plan = plan_comma_joins(an, items, nitems, conj, nconj, used);
        else
            plan = items[0].plan;
        int width = items[0].width;
        for (int i = 1; i < nitems && !reorder; i++) {
            exec_expr_t **lk = mem_alloc(an->a, sizeof(exec_expr_t *) * (size_t)(nconj + 1));
            exec_expr_t **rk = mem_alloc(an->a, sizeof(exec_expr_t *) * (size_t)(nconj + 1));
            int nk = 0;
            bool lateral = is_lateral_stub(items[i].plan);
            for (int c = 0; c < nconj && !lateral; c++) {
                if (used[c])
                    continue;
                if (equi_key(an, conj[c], 0, width - 1, items[i].offset, items[i].offset + items[i].width - 1,
                             &lk[nk], &rk[nk])) {
                    nk++;
                    used[c] = true;
                }
            }
            if (lateral)
                plan = lateral_join(an, items[i].plan, plan, JOIN_INNER, NULL, 0);
            else
                plan = make_join(an, plan, items[i].plan, JOIN_INNER, nk, lk, rk, NULL);
            width += items[i].width;
            /* conjuncts now fully covered become filters on the join */
            exec_expr_t **rest = mem_alloc(an->a, sizeof(exec_expr_t *) * (size_t)(nconj + 1));
            int nrest = 0;
            for (int c = 0; c < nconj; c++) {
                if (used[c])
                    continue;
                int lo = -1, hi = -1;
                bool pinned = false;
                slot_range(conj[c], &lo, &hi, &pinned);
                if (!pinned && hi < width) {
                    rest[nrest++] = conj[c];
                    used[c] = true;
                }
            }
            /* a filter over the join (make_join may have put a projection on top) */
            if (nrest)
                plan = push_filter(an, plan, and_of(an, rest, nrest));
        }
        exec_expr_t **rest = mem_alloc(an->a, sizeof(exec_expr_t *) * (size_t)(nconj + 1));
        int nrest = 0;
        for (int c = 0; c < nconj; c++) {
            if (used[c])
                continue;
            int lo = -1, hi = -1;
            bool pinned = false;
            slot_range(conj[c], &lo, &hi, &pinned);
            if (!pinned && lo >= 0)
                plan = push_filter(an, plan, conj[c]);
            else
                rest[nrest++] = conj[c];
        }
        plan = add_filter(an, plan, and_of(an, rest, nrest));
    }
    /* a materialized view's scan skips the grouping sets WHERE rules out */
    if (sql__cube_route_views)
        sql__cube_route_views(an, plan);

    /* target list */
    tlist_t tl = { 0 };
    sql_escope_t tes = { scope, q, "the select list", true, true, false };
    for (size_t i = 0; i < s->n_target_list; i++) {
        const PgQuery__ResTarget *rt = s->target_list[i]->res_target;
        const PgQuery__Node *v = rt->val;
        if (v->node_case == PG_QUERY__NODE__NODE_COLUMN_REF) {
            const PgQuery__ColumnRef *c = v->column_ref;
            const PgQuery__Node *last = c->fields[c->n_fields - 1];
            if (last->node_case == PG_QUERY__NODE__NODE_A_STAR) {
                const char *qual = c->n_fields >= 2 ? c->fields[c->n_fields - 2]->string->sval : NULL;
                if (expand_star(an, scope, qual, &tl, c->location) < 0)
                    return -1;
                continue;
            }
        }
        exec_expr_t *e = sql__analyze_expr(an, &tes, v);
        if (!e)
            return -1;
        bool unknown = e->type == TYPE_UNKNOWN;
        if (unknown)
            e = sql__coerce(an, e, TYPE_TEXT, -1, EXEC_CAST_IMPLICIT, rt->location);
        if (!e)
            return -1;
        const char *name = rt->name && *rt->name ? rt->name : sql__figure_colname(v);
        tl_add(an, &tl, e, name, v);
        tl.t[tl.n - 1].unknown = unknown;
        origin_of(scope, e, &tl.t[tl.n - 1].table_oid, &tl.t[tl.n - 1].attnum);
    }
    int nvis = tl.n;

    /* GROUP BY */
    gitems_t gi = { 0 };
    gsets_t gs = { 0 };
    bool has_gsets = false;
    sql_escope_t ges = { scope, q, "GROUP BY", false, false, false };
    for (size_t i = 0; i < s->n_group_clause; i++) {
        const PgQuery__Node *g = s->group_clause[i];
        if (g->node_case == PG_QUERY__NODE__NODE_GROUPING_SET) {
            has_gsets = true;
            continue;
        }
        exec_expr_t *e = group_item_expr(an, &ges, &tl, nvis, g);
        if (!e)
            return -1;
        gitem_add(an, &gi, e);
    }
    if (has_gsets) {
        /* plain items are in every set; cross product of the grouping-set elements */
        uint64_t base = (1ULL << gi.n) - 1;
        gsets_t acc = { 0 };
        gs_add(an, &acc, base);
        for (size_t i = 0; i < s->n_group_clause; i++) {
            const PgQuery__Node *g = s->group_clause[i];
            if (g->node_case != PG_QUERY__NODE__NODE_GROUPING_SET)
                continue;
            gsets_t one = { 0 };
            if (expand_gset(an, &ges, &tl, nvis, &gi, g, &one) < 0)
                return -1;
            gsets_t nx = { 0 };
            for (int a = 0; a < acc.n; a++)
                for (int b = 0; b < one.n; b++)
                    gs_add(an, &nx, acc.s[a] | one.s[b]);
            acc = nx;
        }
        if (s->group_distinct) {
            /* GROUP BY DISTINCT: each set once, first occurrence kept */
            int k = 0;
            for (int a = 0; a < acc.n; a++) {
                bool dup = false;
                for (int b = 0; b < k && !dup; b++)
                    dup = acc.s[b] == acc.s[a];
                if (!dup)
                    acc.s[k++] = acc.s[a];
            }
            acc.n = k;
        }
        gs = acc;
    }

    /* HAVING */
    exec_expr_t *having = NULL;
    if (s->having_clause) {
        sql_escope_t hes = { scope, q, "HAVING", true, false, false };
        having = sql__analyze_expr(an, &hes, s->having_clause);
        if (!having)
            return -1;
        if (having->type != TYPE_BOOL) {
            err_set(an->err, ERRCODE_DATATYPE_MISMATCH, "argument of HAVING must be type boolean, not type %s",
                    sql__type_name(having->type));
            return sql__err_at(an, having->location);
        }
    }

    /* ORDER BY: output columns by ordinal or name, else expressions (hidden columns) */
    int nsort = (int)s->n_sort_clause;
    exec_sortkey_t *keys = mem_alloc0(an->a, sizeof(exec_sortkey_t) * (size_t)(nsort + 1));
    int *key_target = mem_alloc0(an->a, sizeof(int) * (size_t)(nsort + 1));
    for (int i = 0; i < nsort; i++) {
        const PgQuery__SortBy *sb = s->sort_clause[i]->sort_by;
        int ord, t = -1;
        if (int_const(sb->node, &ord)) {
            if (ord < 1 || ord > nvis) {
                err_set(an->err, ERRCODE_INVALID_COLUMN_REFERENCE, "ORDER BY position %d is not in select list", ord);
                return sql__err_at(an, sb->node->a_const->location);
            }
            t = ord - 1;
        } else if (sb->node->node_case == PG_QUERY__NODE__NODE_COLUMN_REF && sb->node->column_ref->n_fields == 1 &&
                   sb->node->column_ref->fields[0]->node_case == PG_QUERY__NODE__NODE_STRING) {
            t = find_target_by_name(&tl, nvis, sb->node->column_ref->fields[0]->string->sval);
            if (t == -2) {
                err_set(an->err, ERRCODE_AMBIGUOUS_COLUMN, "ORDER BY \"%s\" is ambiguous",
                        sb->node->column_ref->fields[0]->string->sval);
                return sql__err_at(an, sb->location);
            }
        }
        if (t < 0) {
            sql_escope_t oes = { scope, q, "ORDER BY", true, true, false };
            exec_expr_t *e = sql__analyze_expr(an, &oes, sb->node);
            if (!e)
                return -1;
            if (e->type == TYPE_UNKNOWN)
                e = sql__coerce(an, e, TYPE_TEXT, -1, EXEC_CAST_IMPLICIT, sb->location);
            for (int k = 0; k < tl.n && t < 0; k++)
                if (expr_equal(tl.t[k].expr, e))
                    t = k;
            if (t < 0) {
                if (s->distinct_clause && s->n_distinct_clause > 0 && !s->distinct_clause[0]) {
                    /* plain DISTINCT (empty list marker) */
                }
                tl_add(an, &tl, e, "?sort?", sb->node);
                t = tl.n - 1;
            }
        }
        key_target[i] = t;
        keys[i].desc = sb->sortby_dir == PG_QUERY__SORT_BY_DIR__SORTBY_DESC;
        keys[i].nulls_first = sb->sortby_nulls == PG_QUERY__SORT_BY_NULLS__SORTBY_NULLS_FIRST ||
                              (sb->sortby_nulls != PG_QUERY__SORT_BY_NULLS__SORTBY_NULLS_LAST && keys[i].desc);
    }

    /* DISTINCT [ON] */
    bool distinct = s->n_distinct_clause > 0;
    int ndon = 0;
    int *don = NULL;
    if (distinct && !(s->n_distinct_clause == 1 && (!s->distinct_clause[0] ||
                                                     s->distinct_clause[0]->node_case == PG_QUERY__NODE__NODE__NOT_SET))) {
        don = mem_alloc0(an->a, sizeof(int) * s->n_distinct_clause);
        for (size_t i = 0; i < s->n_distinct_clause; i++) {
            const PgQuery__Node *d = s->distinct_clause[i];
            int ord, t = -1;
            if (int_const(d, &ord)) {
                if (ord < 1 || ord > nvis) {
                    err_set(an->err, ERRCODE_INVALID_COLUMN_REFERENCE, "SELECT DISTINCT ON position %d is not in select list", ord);
                    return -1;
                }
                t = ord - 1;
            } else {
                sql_escope_t des = { scope, q, "DISTINCT ON", true, false, false };
                exec_expr_t *e = sql__analyze_expr(an, &des, d);
                if (!e)
                    return -1;
                for (int k = 0; k < tl.n && t < 0; k++)
                    if (expr_equal(tl.t[k].expr, e))
                        t = k;
                if (t < 0) {
                    tl_add(an, &tl, e, "?distinct?", d);
                    t = tl.n - 1;
                }
            }
            don[ndon++] = t;
        }
        /* As PostgreSQL: once an ORDER BY item that is not a DISTINCT ON
         * expression has been passed, every DISTINCT ON expression must have
         * come before it (the leading ORDER BY items are the DISTINCT ON ones). */
        int skipped = -1;
        for (int i = 0; i < nsort && skipped < 0; i++) {
            bool in = false;
            for (int j = 0; j < ndon; j++)
                in = in || don[j] == key_target[i];
            if (!in)
                skipped = i;
        }
        for (int j = 0; skipped >= 0 && j < ndon; j++) {
            bool before = false;
            for (int i = 0; i < skipped; i++)
                before = before || key_target[i] == don[j];
            if (!before) {
                err_set(an->err, ERRCODE_INVALID_COLUMN_REFERENCE,
                        "SELECT DISTINCT ON expressions must match initial ORDER BY expressions");
                return sql__err_at(an, tl.t[don[j]].expr->location);
            }
        }
    } else if (distinct) {
        for (int i = 0; i < nsort; i++)
            if (key_target[i] >= nvis) {
                err_set(an->err, ERRCODE_INVALID_COLUMN_REFERENCE,
                        "for SELECT DISTINCT, ORDER BY expressions must appear in select list");
                return sql__err_at(an, s->sort_clause[i]->sort_by->location);
            }
    }

    /* aggregation */
    bool aggregated = q->naggs > 0 || gi.n > 0 || having || has_gsets;
    /* A SELECT DISTINCT without aggregates is the GROUP BY of its select
     * list: offered to the cubes as one, so `SELECT DISTINCT d_year FROM
     * lineorder JOIN dates ...` reads a cuboid instead of the fact table
     * (BI tools list filter values this way). When no cube answers, it
     * stays the DISTINCT over the sources it was: no error, no NOTICE. */
    if (distinct && ndon == 0 && !aggregated && q->nwins == 0 && tl.n == nvis && nvis > 0 && sql__cube_route_distinct) {
        srf_calls_t sc = { 0 };
        for (int i = 0; i < tl.n; i++)
            collect_srfs(an, tl.t[i].expr, &sc);
        exec_plan_t *cube_scan = NULL;
        if (sc.n == 0) {
            exec_expr_t **gk = mem_alloc(an->a, sizeof(exec_expr_t *) * (size_t)nvis);
            exec_plan_t *ap = exec_plan_new(an->a, PLAN_AGG, nvis);
            ap->left = plan;
            ap->u.agg.ngroup = nvis;
            ap->u.agg.group = gk;
            ap->u.agg.naggs = 0;
            ap->u.agg.aggs = mem_alloc(an->a, sizeof(exec_aggcall_t *));
            ap->u.agg.aggargs = mem_alloc0(an->a, sizeof(exec_expr_t *));
            for (int i = 0; i < nvis; i++) {
                gk[i] = tl.t[i].expr;
                ap->types[i] = gk[i]->type;
                ap->typmods[i] = gk[i]->typmod;
            }
            ap->est_rows = plan->est_rows / 10 + 1;
            ap->cheap = plan->cheap;
            if (sql__cube_route_distinct(an, ap, &cube_scan) < 0)
                return -1;
            if (cube_scan) {
                agg_ctx_t ac = { an, scope, nvis, gk };
                for (int i = 0; i < tl.n; i++)
                    if (!(tl.t[i].expr = rewrite_agg(&ac, tl.t[i].expr)))
                        return -1;
                plan = cube_scan;
                an->costly_scans -= from_costly;
                distinct = false; /* the groups are distinct */
            }
        }
    }
    /* GROUPING() arguments name group items */
    for (int i = 0; i < q->naggs; i++) {
        exec_aggcall_t *call = q->aggrefs[i]->u.agg;
        for (int j = 0; j < call->ngrouping; j++) {
            int k = 0;
            while (k < gi.n && !expr_equal(call->grouping_args[j], gi.e[k]))
                k++;
            if (k == gi.n) {
                err_set(an->err, ERRCODE_GROUPING_ERROR,
                        "arguments to GROUPING must be grouping expressions of the associated query level");
                return sql__err_at(an, call->grouping_args[j]->location);
            }
            call->grouping_items[j] = k;
        }
    }
    if (aggregated) {
        agg_ctx_t ac = { an, scope, gi.n, gi.e };
        exec_plan_t *ap = exec_plan_new(an->a, PLAN_AGG, gi.n + q->naggs);
        ap->left = plan;
        ap->u.agg.ngroup = gi.n;
        ap->u.agg.group = gi.e;
        ap->u.agg.naggs = q->naggs;
        ap->u.agg.aggs = mem_alloc(an->a, sizeof(exec_aggcall_t *) * (size_t)(q->naggs + 1));
        ap->u.agg.aggargs = mem_alloc0(an->a, sizeof(exec_expr_t *) * (size_t)(2 * q->naggs + 1));
        for (int i = 0; i < gi.n; i++) {
            ap->types[i] = gi.e[i]->type;
            ap->typmods[i] = gi.e[i]->typmod;
        }
        for (int i = 0; i < q->naggs; i++) {
            exec_expr_t *ar = q->aggrefs[i];
            ap->u.agg.aggs[i] = ar->u.agg;
            ap->u.agg.aggargs[2 * i] = ar->nargs > 0 ? ar->args[0] : NULL;
            ap->u.agg.aggargs[2 * i + 1] = ar->nargs > 1 ? ar->args[1] : NULL;
            ap->types[gi.n + i] = ar->type;
        }
        if (has_gsets) {
            ap->u.agg.ngsets = gs.n;
            ap->u.agg.gsets = gs.s;
        }
        ap->est_rows = gi.n ? plan->est_rows / 10 + 1 : 1;
        ap->cheap = plan->cheap;
        /* a cube may answer the aggregate: its scan then replaces the node */
        exec_plan_t *cube_scan = NULL;
        if (sql__cube_route_agg && sql__cube_route_agg(an, ap, &cube_scan) < 0)
            return -1;
        plan = cube_scan ? cube_scan : ap;
        if (cube_scan)
            an->costly_scans -= from_costly;
        for (int i = 0; i < tl.n; i++) {
            tl.t[i].expr = rewrite_agg(&ac, tl.t[i].expr);
            if (!tl.t[i].expr)
                return -1;
        }
        if (having) {
            having = rewrite_agg(&ac, having);
            if (!having)
                return -1;
            plan = add_filter(an, plan, having);
        }
    }

    /* window functions: one window operator per distinct window definition */
    if (q->nwins > 0) {
        exec_expr_t **cur = mem_alloc0(an->a, sizeof(exec_expr_t *) * (size_t)q->nwins);
        for (int i = 0; i < q->nwins; i++)
            cur[i] = q->winrefs[i];
        if (aggregated) {
            agg_ctx_t ac = { an, scope, gi.n, gi.e };
            for (int i = 0; i < q->nwins; i++)
                if (!(cur[i] = rewrite_agg(&ac, q->winrefs[i])))
                    return -1;
        }
        int *slot_of = mem_alloc0(an->a, sizeof(int) * (size_t)q->nwins);
        bool *done = mem_alloc0(an->a, sizeof(bool) * (size_t)q->nwins);
        for (int i0 = 0; i0 < q->nwins; i0++) {
            if (done[i0])
                continue;
            sql_window_t *w0 = cur[i0]->u.agg->window;
            int members[256], nm = 0;
            for (int i = i0; i < q->nwins && nm < 256; i++) {
                if (done[i])
                    continue;
                sql_window_t *w = cur[i]->u.agg->window;
                bool same = w->npart == w0->npart && w->norder == w0->norder;
                for (int k = 0; same && k < w->npart; k++)
                    same = expr_equal(w->part[k], w0->part[k]);
                for (int k = 0; same && k < w->norder; k++)
                    same = expr_equal(w->order[k], w0->order[k]) && w->desc[k] == w0->desc[k] &&
                           w->nulls_first[k] == w0->nulls_first[k];
                if (same) {
                    members[nm++] = i;
                    done[i] = true;
                }
            }
            int base = plan->ncols;
            exec_plan_t *wp = exec_plan_new(an->a, PLAN_WINDOW, base + nm);
            memcpy(wp->types, plan->types, sizeof(type_oid_t) * (size_t)base);
            memcpy(wp->typmods, plan->typmods, sizeof(int32_t) * (size_t)base);
            wp->left = plan;
            wp->u.window.npart = w0->npart;
            wp->u.window.part = w0->part;
            wp->u.window.norder = w0->norder;
            wp->u.window.order = mem_alloc0(an->a, sizeof(exec_sortkey_t) * (size_t)(w0->norder + 1));
            for (int k = 0; k < w0->norder; k++) {
                wp->u.window.order[k].expr = w0->order[k];
                wp->u.window.order[k].desc = w0->desc[k];
                wp->u.window.order[k].nulls_first = w0->nulls_first[k];
            }
            wp->u.window.nfuncs = nm;
            wp->u.window.funcs = mem_alloc0(an->a, sizeof(exec_winfunc_t) * (size_t)nm);
            for (int m = 0; m < nm; m++) {
                exec_expr_t *ce = cur[members[m]];
                exec_winfunc_t *wf = &wp->u.window.funcs[m];
                wf->name = (const char *)(intptr_t)ce->ival2;
                wf->agg = ce->u.agg->agg;
                wf->nargs = ce->nargs;
                wf->args = ce->args;
                wf->ret = ce->type;
                wf->star = ce->u.agg->star;
                wf->filter = ce->u.agg->filter;
                wf->frame = ((sql_window_t *)ce->u.agg->window)->frame;
                wf->start_off = ((sql_window_t *)ce->u.agg->window)->start_off;
                wf->end_off = ((sql_window_t *)ce->u.agg->window)->end_off;
                wp->types[base + m] = ce->type;
                slot_of[members[m]] = base + m;
            }
            wp->est_rows = plan->est_rows;
            wp->cheap = plan->cheap;
            plan = wp;
        }
        for (int i = 0; i < tl.n; i++)
            tl.t[i].expr = rewrite_win(an, tl.t[i].expr, slot_of, q->nwins);
    }

    /* set-returning functions in the select list: ProjectSet nodes below
     * the projection, innermost calls first */
    bool has_srf = false;
    for (;;) {
        srf_calls_t sc = { 0 };
        for (int i = 0; i < tl.n; i++)
            collect_srfs(an, tl.t[i].expr, &sc);
        if (sc.n == 0)
            break;
        has_srf = true;
        exec_plan_t *ps = exec_plan_new(an->a, PLAN_PROJECT_SRF, plan->ncols + sc.n);
        memcpy(ps->types, plan->types, sizeof(type_oid_t) * (size_t)plan->ncols);
        memcpy(ps->typmods, plan->typmods, sizeof(int32_t) * (size_t)plan->ncols);
        for (int k = 0; k < sc.n; k++) {
            ps->types[plan->ncols + k] = sc.calls[k]->type;
            ps->typmods[plan->ncols + k] = sc.calls[k]->typmod;
        }
        ps->left = plan;
        ps->u.psrf.ncalls = sc.n;
        ps->u.psrf.calls = sc.calls;
        ps->est_rows = plan->est_rows * 10;
        ps->cheap = plan->cheap;
        for (int i = 0; i < tl.n; i++)
            tl.t[i].expr = replace_srfs(an, tl.t[i].expr, &sc, plan->ncols);
        plan = ps;
    }

    /* projection (visible + hidden sort/distinct columns) */
    exec_plan_t *pr = exec_plan_new(an->a, PLAN_PROJECT, tl.n);
    pr->left = plan;
    pr->u.project.exprs = mem_alloc(an->a, sizeof(exec_expr_t *) * (size_t)(tl.n > 0 ? tl.n : 1));
    bool identity = tl.n == plan->ncols;
    for (int i = 0; i < tl.n; i++) {
        pr->u.project.exprs[i] = tl.t[i].expr;
        pr->types[i] = tl.t[i].expr->type;
        pr->typmods[i] = tl.t[i].expr->typmod;
        identity = identity && tl.t[i].expr->kind == EXPR_VAR && tl.t[i].expr->u.slot == i;
    }
    pr->est_rows = plan->est_rows;
    pr->cheap = plan->cheap;
    if (plan->kind == PLAN_RESULT && plan->ncols == 0 && plan->u.result.nrows == 1) {
        /* SELECT without FROM: evaluate the targets as the result row itself */
        plan->kind = PLAN_RESULT;
        exec_plan_t *rp = exec_plan_new(an->a, PLAN_RESULT, tl.n);
        rp->u.result.nrows = 1;
        rp->u.result.exprs = pr->u.project.exprs;
        memcpy(rp->types, pr->types, sizeof(type_oid_t) * (size_t)tl.n);
        memcpy(rp->typmods, pr->typmods, sizeof(int32_t) * (size_t)tl.n);
        rp->cheap = true;
        plan = rp;
    } else if (!identity || has_srf) {
        plan = pr;
    }

    /* sort, distinct, limit */
    for (int i = 0; i < nsort; i++)
        keys[i].expr = var_node(an, key_target[i], plan->types[key_target[i]], -1, -1);
    if (distinct && ndon == 0) {
        plan = add_sort(an, plan, nsort, keys);
        exec_plan_t *d = exec_plan_new(an->a, PLAN_DISTINCT, plan->ncols);
        memcpy(d->types, plan->types, sizeof(type_oid_t) * (size_t)plan->ncols);
        memcpy(d->typmods, plan->typmods, sizeof(int32_t) * (size_t)plan->ncols);
        d->left = plan;
        d->u.distinct.nkeys = nvis;
        d->u.distinct.keys = mem_alloc(an->a, sizeof(int) * (size_t)(nvis + 1));
        for (int i = 0; i < nvis; i++)
            d->u.distinct.keys[i] = i;
        d->est_rows = plan->est_rows;
        d->cheap = plan->cheap;
        plan = d;
    } else if (distinct) {
        plan = add_sort(an, plan, nsort, keys);
        exec_plan_t *d = exec_plan_new(an->a, PLAN_DISTINCT, plan->ncols);
        memcpy(d->types, plan->types, sizeof(type_oid_t) * (size_t)plan->ncols);
        memcpy(d->typmods, plan->typmods, sizeof(int32_t) * (size_t)plan->ncols);
        d->left = plan;
        d->u.distinct.nkeys = ndon;
        d->u.distinct.keys = don;
        d->est_rows = plan->est_rows;
        d->cheap = plan->cheap;
        plan = d;
    } else {
        plan = add_sort(an, plan, nsort, keys);
    }
    exec_expr_t *off = limit_expr(an, scope, s->limit_offset, "OFFSET");
    if (s->limit_offset && !off)
        return -1;
    exec_expr_t *cnt = limit_expr(an, scope, s->limit_count, "LIMIT");
    if (s->limit_count && !cnt)
        return -1;
    if (s->limit_option == PG_QUERY__LIMIT_OPTION__LIMIT_OPTION_WITH_TIES && nsort == 0) {
        err_set(an->err, ERRCODE_SYNTAX_ERROR, "WITH TIES cannot be specified without ORDER BY clause");
        return -1;
    }
    plan = add_limit(an, plan, off, cnt, s->limit_option == PG_QUERY__LIMIT_OPTION__LIMIT_OPTION_WITH_TIES ? nsort : 0,
                     keys);

    out->plan = plan;
    out->ncols = nvis;
    out->names = mem_alloc(an->a, sizeof(char *) * (size_t)(nvis + 1));
    out->table_oids = mem_alloc0(an->a, sizeof(uint32_t) * (size_t)(nvis + 1));
    out->attnums = mem_alloc0(an->a, sizeof(int16_t) * (size_t)(nvis + 1));
    for (int i = 0; i < nvis; i++) {
        out->names[i] = tl.t[i].name;
        out->table_oids[i] = tl.t[i].table_oid;
        out->attnums[i] = tl.t[i].attnum;
        if (tl.t[i].unknown) {
            if (!out->unknown)
                out->unknown = mem_alloc0(an->a, sizeof(bool) * (size_t)(nvis + 1));
            out->unknown[i] = true;
        }
    }
    out->outer_refs = scope->outer_refs;
    return 0;
}

int sql__plan_query(sql_analyze_t *an, sql_scope_t *parent, const PgQuery__Node *stmt, sql_planned_t *out)
{
    memset(out, 0, sizeof *out);
    if (stmt->node_case != PG_QUERY__NODE__NODE_SELECT_STMT) {
        err_set(an->err, ERRCODE_FEATURE_NOT_SUPPORTED, "only SELECT is supported as a subquery");
        return -1;
    }
    return plan_select(an, parent, stmt->select_stmt, out);
}

int sql__analyze_select(sql_analyze_t *an, const PgQuery__Node *stmt, exec_plan_t **plan, int *ncols,
                        sql_col_t **cols)
{
    sql_planned_t p;
    if (sql__plan_query(an, NULL, stmt, &p) < 0)
        return -1;
    *plan = p.plan;
    *ncols = p.ncols;
    sql_col_t *c = mem_alloc0(an->a, sizeof(sql_col_t) * (size_t)(p.ncols > 0 ? p.ncols : 1));
    for (int i = 0; i < p.ncols; i++) {
        const type_info_t *ti = type_lookup(p.plan->types[i]);
        c[i].name = p.names[i];
        c[i].type = p.plan->types[i];
        /* a record's typmod is this statement's own numbering: clients see -1 */
        c[i].typmod = p.plan->types[i] == TYPE_RECORD ? -1 : p.plan->typmods[i];
        c[i].typlen = ti ? ti->typlen : -1;
        c[i].table_oid = p.table_oids[i];
        c[i].attnum = p.attnums[i];
    }
    *cols = c;
    return 0;
}
