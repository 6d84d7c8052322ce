/*
 * mv.c - CREATE MATERIALIZED VIEW as a cube definition: analysis of
 * libpg_query's parse tree against the catalog snapshot into a cube_mv_t
 * (model, dimensions, measures, aggregation groups, the model filter: the
 * WHERE beyond the join equalities) and the cube_def_t it implies, with
 * PostgreSQL-style errors carrying positions.
 *
 * What it does not do: write the metastore (mv_meta.c), build (cubejob.c),
 * answer queries (match.c). See include/cube/mv.h for the accepted SQL.
 *
 * GROUP BY translation: every GROUP BY item becomes a list of partial
 * aggregation groups (a column: one group with it mandatory; ROLLUP: one
 * group with a hierarchy; CUBE: one group of normal and joint dimensions;
 * GROUPING SETS: the concatenation of its elements' lists); the items
 * multiply (SQL's cross product of grouping sets distributes over their
 * union), so the result is a union of groups, Kylin's aggregation groups.
 */
#include "cube/mv.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pg_query.h>
#include <pg_query/pg_query.pb-c.h>

#include "mv_int.h"
#include "types/tz.h"
#include "types/value.h"

#define MAX_GROUPS 256

typedef struct an {
    cube_mv_t *mv;
    mem_arena_t *a;
    const meta_catalog_t *cat;
    const char *sql;
    const char *schema;
    int offset;
    err_t *err;
    /* grouping columns in order of first appearance, and their locations */
    int ngcols;
    cube_mv_ref_t gcols[CUBE_MAX_DIMS + 1];
    int gloc[CUBE_MAX_DIMS + 1];
} an_t;

/* ---- small helpers ---- */

/* at - sets the error position of byte offset loc (1-based characters). */
static int at(an_t *an, int loc)
{
    if (loc >= 0 && an->sql) {
        int chars = 0;
        for (int i = 0; i < loc && an->sql[i]; i++)
            if (((unsigned char)an->sql[i] & 0xC0) != 0x80)
                chars++;
        err_position(an->err, chars + 1 + an->offset);
    }
    return -1;
}

static const char *node_sval(const PgQuery__Node *n)
{
    return n && n->node_case == PG_QUERY__NODE__NODE_STRING ? n->string->sval : NULL;
}

const char *cube__mv_fn_name(cube_mv_fn_t fn)
{
    switch (fn) {
    case CUBE_MV_SUM: return "sum";
    case CUBE_MV_COUNT: return "count";
    case CUBE_MV_MIN: return "min";
    case CUBE_MV_MAX: return "max";
    case CUBE_MV_AVG: return "avg";
    }
    return "?";
}

type_oid_t cube__type_from_name(const char *name)
{
    if (!name)
        return 0;
    const type_info_t *ti = type_lookup_name(name);
    if (ti)
        return ti->oid;
    /* "character varying(10)", "numeric(15,2)": the name before '(' */
    const char *p = strchr(name, '(');
    if (p) {
        char buf[64];
        size_t n = (size_t)(p - name);
        if (n >= sizeof buf)
            return 0;
        memcpy(buf, name, n);
        while (n > 0 && buf[n - 1] == ' ')
            n--;
        buf[n] = 0;
        ti = type_lookup_name(buf);
        return ti ? ti->oid : 0;
    }
    return 0;
}

int cube__numeric_scale(int32_t typmod)
{
    if (typmod < 4)
        return -1;
    return (int)((uint32_t)(typmod - 4) & 0xffff);
}

const char *cube__mv_type_name(mem_arena_t *a, type_oid_t t, int32_t typmod)
{
    const type_info_t *ti = type_lookup(t);
    const char *base = ti ? ti->name : "unknown";
    if (typmod < 0)
        return base;
    if (t == TYPE_NUMERIC && typmod >= 4) {
        int p = (int)(((uint32_t)(typmod - 4) >> 16) & 0xffff), s = cube__numeric_scale(typmod);
        return mem_asprintf(a, "numeric(%d,%d)", p, s);
    }
    if (t == TYPE_VARCHAR || t == TYPE_BPCHAR)
        return mem_asprintf(a, "%s(%d)", base, typmod - 4);
    return base;
}

int cube__table_col(const cube_mv_table_t *t, const char *name)
{
    for (int i = 0; i < t->ncols; i++)
        if (strcmp(t->cols[i].name, name) == 0)
            return i;
    return -1;
}

int cube__load_table(mem_arena_t *a, const meta_catalog_t *cat, const meta_table_t *mt, cube_mv_table_t *t)
{
    const meta_schema_t *sc = meta_catalog_schema_by_id(cat, mt->schema_id);
    t->schema = mem_astrdup(a, sc ? sc->name : "public");
    t->name = mem_astrdup(a, mt->name);
    t->table_id = mt->h.id;
    t->ncols = (int)mt->ncolumns;
    t->cols = MEM_NEW_N(a, cube_mv_srccol_t, t->ncols + 1);
    for (int i = 0; i < t->ncols; i++) {
        t->cols[i].name = mem_astrdup(a, mt->columns[i].name);
        t->cols[i].type = cube__type_from_name(mt->columns[i].type);
        t->cols[i].typmod = mt->columns[i].typmod;
        t->cols[i].not_null = mt->columns[i].not_null;
    }
    return 0;
}

static bool ident_needs_quotes(const char *s)
{
    if (!*s || !(islower((unsigned char)*s) || *s == '_'))
        return true;
    for (const char *p = s; *p; p++)
        if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_'))
            return true;
    return false;
}

static const char *quote_ident(mem_arena_t *a, const char *s)
{
    if (!ident_needs_quotes(s))
        return s;
    size_t n = strlen(s);
    char *o = mem_alloc(a, 2 * n + 3), *p = o;
    *p++ = '"';
    for (const char *q = s; *q; q++) {
        if (*q == '"')
            *p++ = '"';
        *p++ = *q;
    }
    *p++ = '"';
    *p = 0;
    return o;
}

const char *cube__mv_ref_text(const cube_mv_t *mv, mem_arena_t *a, cube_mv_ref_t r)
{
    const cube_mv_table_t *t = &mv->tables[r.table];
    return mem_asprintf(a, "%s.%s", quote_ident(a, t->alias), quote_ident(a, t->cols[r.col].name));
}

bool cube__mv_col_nullable(const cube_mv_t *mv, cube_mv_ref_t r)
{
    const cube_mv_table_t *t = &mv->tables[r.table];
    return t->nullable || !t->cols[r.col].not_null;
}

static int ref_cmp(cube_mv_ref_t x, cube_mv_ref_t y)
{
    if (x.table != y.table)
        return x.table < y.table ? -1 : 1;
    return x.col < y.col ? -1 : x.col > y.col;
}

static int term_cmp(const void *p, const void *q)
{
    const cube_mv_term_t *x = p, *y = q;
    int c = ref_cmp(x->a, y->a);
    return c ? c : ref_cmp(x->b, y->b);
}

int cube__mv_canon_terms(cube_mv_term_t *t, int n)
{
    for (int i = 0; i < n; i++)
        if (t[i].b.table >= 0 && ref_cmp(t[i].b, t[i].a) < 0) {
            cube_mv_ref_t x = t[i].a;
            t[i].a = t[i].b;
            t[i].b = x;
        }
    qsort(t, (size_t)n, sizeof *t, term_cmp);
    int m = 0;
    for (int i = 0; i < n; i++) {
        if (m > 0 && term_cmp(&t[m - 1], &t[i]) == 0)
            t[m - 1].coef += t[i].coef;
        else
            t[m++] = t[i];
        if (t[m - 1].coef == 0)
            m--;
    }
    return m;
}

const char *cube__mv_terms_text(const cube_mv_t *mv, mem_arena_t *a, const cube_mv_term_t *t, int n)
{
    const char *s = "";
    for (int i = 0; i < n; i++) {
        int64_t c = t[i].coef;
        const char *sign = "";
        if (i > 0) {
            sign = c < 0 ? " - " : " + ";
            if (c < 0)
                c = -c;
        } else if (c == -1) {
            sign = "-";
        }
        const char *body = cube__mv_ref_text(mv, a, t[i].a);
        if (t[i].b.table >= 0)
            body = mem_asprintf(a, "%s * %s", body, cube__mv_ref_text(mv, a, t[i].b));
        if (c != 1 && !(i == 0 && c == -1))
            body = mem_asprintf(a, "%lld * %s", (long long)c, body);
        s = mem_asprintf(a, "%s%s%s", s, sign, body);
    }
    return s;
}

/* ---- tables and columns ---- */

static int find_alias(const cube_mv_t *mv, const char *alias)
{
    for (int i = 0; i < mv->ntables; i++)
        if (strcmp(mv->tables[i].alias, alias) == 0)
            return i;
    return -1;
}

/* resolve - a ColumnRef against the first `visible` model tables. */
static int resolve(an_t *an, const PgQuery__ColumnRef *cr, int location, int visible, cube_mv_ref_t *out)
{
    cube_mv_t *mv = an->mv;
    const char *tab = NULL, *col = NULL;
    if (cr->n_fields == 1) {
        col = node_sval(cr->fields[0]);
    } else if (cr->n_fields == 2) {
        tab = node_sval(cr->fields[0]);
        col = node_sval(cr->fields[1]);
    } else if (cr->n_fields == 3) {
        tab = node_sval(cr->fields[1]);
        col = node_sval(cr->fields[2]);
    }
    if (!col) {
        err_set(an->err, ERRCODE_FEATURE_NOT_SUPPORTED, "only plain column references are supported in a cube definition");
        return at(an, location);
    }
    if (tab) {
        int t = find_alias(mv, tab);
        if (t < 0 || t >= visible) {
            err_set(an->err, ERRCODE_UNDEFINED_TABLE, "missing FROM-clause entry for table \"%s\"", tab);
            return at(an, location);
        }
        int c = cube__table_col(&mv->tables[t], col);
        if (c < 0) {
            err_set(an->err, ERRCODE_UNDEFINED_COLUMN, "column %s.%s does not exist", tab, col);
            return at(an, location);
        }
        *out = (cube_mv_ref_t){ t, c };
        return 0;
    }
    int found = 0;
    for (int t = 0; t < visible; t++) {
        int c = cube__table_col(&mv->tables[t], col);
        if (c >= 0) {
            if (found++) {
                err_set(an->err, ERRCODE_AMBIGUOUS_COLUMN, "column reference \"%s\" is ambiguous", col);
                return at(an, location);
            }
            *out = (cube_mv_ref_t){ t, c };
        }
    }
    if (!found) {
        err_set(an->err, ERRCODE_UNDEFINED_COLUMN, "column \"%s\" does not exist", col);
        return at(an, location);
    }
    return 0;
}

static int resolve_node(an_t *an, const PgQuery__Node *n, int visible, cube_mv_ref_t *out)
{
    if (n->node_case != PG_QUERY__NODE__NODE_COLUMN_REF) {
        err_set(an->err, ERRCODE_FEATURE_NOT_SUPPORTED, "a column reference was expected here");
        return -1;
    }
    return resolve(an, n->column_ref, n->column_ref->location, visible, out);
}

static int add_table(an_t *an, const PgQuery__RangeVar *rv)
{
    cube_mv_t *mv = an->mv;
    if (mv->ntables >= CUBE_MV_MAX_TABLES) {
        err_set(an->err, ERRCODE_PROGRAM_LIMIT_EXCEEDED, "a cube model may join at most %d tables", CUBE_MV_MAX_TABLES);
        return at(an, rv->location);
    }
    const char *schema = rv->schemaname && *rv->schemaname ? rv->schemaname : an->schema;
    const meta_table_t *mt = meta_catalog_table(an->cat, schema, rv->relname);
    if (!mt) {
        if (rv->schemaname && *rv->schemaname)
            err_set(an->err, ERRCODE_UNDEFINED_TABLE, "relation \"%s.%s\" does not exist", schema, rv->relname);
        else
            err_set(an->err, ERRCODE_UNDEFINED_TABLE, "relation \"%s\" does not exist", rv->relname);
        return at(an, rv->location);
    }
    const char *alias = rv->alias && rv->alias->aliasname && *rv->alias->aliasname ? rv->alias->aliasname : rv->relname;
    if (find_alias(mv, alias) >= 0) {
        err_set(an->err, "42712", "table name \"%s\" specified more than once", alias);
        return at(an, rv->location);
    }
    cube_mv_table_t *t = &mv->tables[mv->ntables];
    memset(t, 0, sizeof *t);
    cube__load_table(an->a, an->cat, mt, t);
    t->alias = mem_astrdup(an->a, alias);
    t->parent = -1;
    for (int i = 0; i < t->ncols; i++)
        if (!t->cols[i].type) {
            err_set(an->err, ERRCODE_FEATURE_NOT_SUPPORTED, "column %s.%s has a type kiln does not know (%s)", alias,
                    t->cols[i].name, mt->columns[i].type);
            return at(an, rv->location);
        }
    return mv->ntables++;
}

/* add_key - one equality of a join condition: one side a column of the new
 * table t, the other a column of one table joined before it. */
static int add_key(an_t *an, int t, cube_mv_ref_t x, cube_mv_ref_t y, int location)
{
    cube_mv_t *mv = an->mv;
    cube_mv_table_t *tt = &mv->tables[t];
    if (y.table == t) {
        cube_mv_ref_t z = x;
        x = y;
        y = z;
    }
    if (x.table != t || y.table == t) {
        err_set(an->err, ERRCODE_INVALID_OBJECT_DEFINITION,
                "join condition of \"%s\" must compare one of its columns with a column of a table joined before it",
                tt->alias);
        err_hint(an->err, "A lookup is joined by key: JOIN %s ON fact_column = %s.key_column [AND ...].", tt->alias,
                 tt->alias);
        return at(an, location);
    }
    if (tt->parent >= 0 && tt->parent != y.table) {
        err_set(an->err, ERRCODE_INVALID_OBJECT_DEFINITION, "lookup \"%s\" is joined to two tables (\"%s\" and \"%s\")",
                tt->alias, mv->tables[tt->parent].alias, mv->tables[y.table].alias);
        err_hint(an->err, "Each lookup joins one table of the model by its key.");
        return at(an, location);
    }
    if (tt->nkeys >= CUBE_MV_MAX_KEYS) {
        err_set(an->err, ERRCODE_PROGRAM_LIMIT_EXCEEDED, "a join key may have at most %d columns", CUBE_MV_MAX_KEYS);
        return at(an, location);
    }
    type_oid_t tx = tt->cols[x.col].type, ty = mv->tables[y.table].cols[y.col].type;
    stor_kind_t kx = stor_kind_of_type(tx), ky = stor_kind_of_type(ty);
    if (!kx || kx != ky) {
        const type_info_t *ix = type_lookup(tx), *iy = type_lookup(ty);
        err_set(an->err, ERRCODE_DATATYPE_MISMATCH, "join columns %s and %s have types %s and %s that kiln cannot join by key",
                cube__mv_ref_text(mv, an->a, y), cube__mv_ref_text(mv, an->a, x), iy ? iy->name : "?",
                ix ? ix->name : "?");
        return at(an, location);
    }
    tt->parent = y.table;
    tt->fk[tt->nkeys] = y.col;
    tt->pk[tt->nkeys] = x.col;
    tt->nkeys++;
    return 0;
}

static int is_op(const PgQuery__AExpr *e, const char *op)
{
    return e->kind == PG_QUERY__A__EXPR__KIND__AEXPR_OP && e->n_name == 1 && node_sval(e->name[0]) &&
           strcmp(node_sval(e->name[0]), op) == 0;
}

/* join_quals - an AND of `column = column` equalities joining table t. */
static int join_quals(an_t *an, int t, const PgQuery__Node *q)
{
    if (q->node_case == PG_QUERY__NODE__NODE_BOOL_EXPR && q->bool_expr->boolop == PG_QUERY__BOOL_EXPR_TYPE__AND_EXPR) {
        for (size_t i = 0; i < q->bool_expr->n_args; i++)
            if (join_quals(an, t, q->bool_expr->args[i]) < 0)
                return -1;
        return 0;
    }
    if (q->node_case == PG_QUERY__NODE__NODE_A_EXPR && is_op(q->a_expr, "=") && q->a_expr->lexpr &&
        q->a_expr->rexpr && q->a_expr->lexpr->node_case == PG_QUERY__NODE__NODE_COLUMN_REF &&
        q->a_expr->rexpr->node_case == PG_QUERY__NODE__NODE_COLUMN_REF) {
        cube_mv_ref_t x, y;
        if (resolve_node(an, q->a_expr->lexpr, an->mv->ntables, &x) < 0 ||
            resolve_node(an, q->a_expr->rexpr, an->mv->ntables, &y) < 0)
            return -1;
        return add_key(an, t, x, y, q->a_expr->location);
    }
    int loc = q->node_case == PG_QUERY__NODE__NODE_A_EXPR ? q->a_expr->location
              : q->node_case == PG_QUERY__NODE__NODE_BOOL_EXPR ? q->bool_expr->location
                                                               : -1;
    err_set(an->err, ERRCODE_INVALID_OBJECT_DEFINITION, "join to \"%s\" is not an equi-join on columns",
            an->mv->tables[t].alias);
    err_detail(an->err, "A cube joins each lookup by key; its join condition must be column = column, "
                        "combined with AND.");
    err_hint(an->err, "Filter rows at query time, or declare a view of the lookup over its files.");
    return at(an, loc);
}

static int from_item(an_t *an, const PgQuery__Node *n)
{
    if (n->node_case == PG_QUERY__NODE__NODE_RANGE_VAR)
        return add_table(an, n->range_var) < 0 ? -1 : 0;
    if (n->node_case != PG_QUERY__NODE__NODE_JOIN_EXPR) {
        err_set(an->err, ERRCODE_FEATURE_NOT_SUPPORTED, "a cube is defined over tables: subqueries and functions in FROM are not supported");
        return -1;
    }
    const PgQuery__JoinExpr *j = n->join_expr;
    if (from_item(an, j->larg) < 0)
        return -1;
    if (!j->rarg || j->rarg->node_case != PG_QUERY__NODE__NODE_RANGE_VAR) {
        err_set(an->err, ERRCODE_FEATURE_NOT_SUPPORTED, "the right side of a join in a cube must be a table");
        err_hint(an->err, "Write the joins left to right: FROM fact JOIN a ON ... JOIN b ON ...");
        return -1;
    }
    if (j->jointype != PG_QUERY__JOIN_TYPE__JOIN_INNER && j->jointype != PG_QUERY__JOIN_TYPE__JOIN_LEFT) {
        err_set(an->err, ERRCODE_FEATURE_NOT_SUPPORTED, "only INNER and LEFT joins are supported in a cube");
        return at(an, j->rarg->range_var->location);
    }
    if (j->is_natural) {
        err_set(an->err, ERRCODE_FEATURE_NOT_SUPPORTED, "NATURAL joins are not supported in a cube");
        return at(an, j->rarg->range_var->location);
    }
    int t = add_table(an, j->rarg->range_var);
    if (t < 0)
        return -1;
    cube_mv_table_t *tt = &an->mv->tables[t];
    tt->left = j->jointype == PG_QUERY__JOIN_TYPE__JOIN_LEFT;
    if (j->n_using_clause > 0) {
        for (size_t i = 0; i < j->n_using_clause; i++) {
            const char *col = node_sval(j->using_clause[i]);
            int c = col ? cube__table_col(tt, col) : -1;
            cube_mv_ref_t other = { -1, -1 };
            for (int p = 0; p < t && c >= 0; p++) {
                int pc = cube__table_col(&an->mv->tables[p], col);
                if (pc >= 0) {
                    if (other.table >= 0) {
                        err_set(an->err, ERRCODE_AMBIGUOUS_COLUMN, "common column name \"%s\" appears more than once in left table", col);
                        return at(an, j->rarg->range_var->location);
                    }
                    other = (cube_mv_ref_t){ p, pc };
                }
            }
            if (c < 0 || other.table < 0) {
                err_set(an->err, ERRCODE_UNDEFINED_COLUMN, "column \"%s\" specified in USING clause does not exist in %s table",
                        col ? col : "?", c < 0 ? "right" : "left");
                return at(an, j->rarg->range_var->location);
            }
            if (add_key(an, t, (cube_mv_ref_t){ t, c }, other, j->rarg->range_var->location) < 0)
                return -1;
        }
    } else if (j->quals) {
        if (join_quals(an, t, j->quals) < 0)
            return -1;
    }
    if (tt->nkeys == 0) {
        err_set(an->err, ERRCODE_INVALID_OBJECT_DEFINITION, "join to \"%s\" has no join condition", tt->alias);
        err_hint(an->err, "A cube joins each lookup by key: JOIN %s ON fact_column = %s.key_column.", tt->alias, tt->alias);
        return at(an, j->rarg->range_var->location);
    }
    return 0;
}

/* is_join_eq - whether a WHERE conjunct is `column = column`: such a
 * conjunct joins a table of a comma join; any other is a model filter.
 * CREATE and cube_mv_load classify with this same test. */
static bool is_join_eq(const PgQuery__Node *q)
{
    return q->node_case == PG_QUERY__NODE__NODE_A_EXPR && is_op(q->a_expr, "=") && q->a_expr->lexpr &&
           q->a_expr->rexpr && q->a_expr->lexpr->node_case == PG_QUERY__NODE__NODE_COLUMN_REF &&
           q->a_expr->rexpr->node_case == PG_QUERY__NODE__NODE_COLUMN_REF;
}

/* where_joins - comma joins: FROM fact, a, b WHERE fact.x = a.k AND ... The
 * WHERE clause's `column = column` conjuncts attach each table to one
 * already attached; its other conjuncts are the model filter
 * (cube__mv_filter_where). */
static int collect_eqs(an_t *an, const PgQuery__Node *q, const PgQuery__AExpr **eqs, int *n, int max)
{
    if (q->node_case == PG_QUERY__NODE__NODE_BOOL_EXPR && q->bool_expr->boolop == PG_QUERY__BOOL_EXPR_TYPE__AND_EXPR) {
        for (size_t i = 0; i < q->bool_expr->n_args; i++)
            if (collect_eqs(an, q->bool_expr->args[i], eqs, n, max) < 0)
                return -1;
        return 0;
    }
    if (!is_join_eq(q))
        return 0;
    if (*n >= max) {
        err_set(an->err, ERRCODE_PROGRAM_LIMIT_EXCEEDED, "a cube definition may have at most %d join equalities", max);
        return at(an, q->a_expr->location);
    }
    eqs[(*n)++] = q->a_expr;
    return 0;
}

static int where_joins(an_t *an, const PgQuery__Node *where, int first_comma)
{
    cube_mv_t *mv = an->mv;
    const PgQuery__AExpr *eqs[256];
    int neq = 0;
    if (where && collect_eqs(an, where, eqs, &neq, 256) < 0)
        return -1;
    bool used[256] = { false };
    bool attached[CUBE_MV_MAX_TABLES];
    for (int t = 0; t < mv->ntables; t++)
        attached[t] = t < first_comma;
    for (bool progress = true; progress;) {
        progress = false;
        for (int t = first_comma; t < mv->ntables; t++) {
            if (attached[t])
                continue;
            for (int e = 0; e < neq; e++) {
                if (used[e])
                    continue;
                cube_mv_ref_t x, y;
                if (resolve_node(an, eqs[e]->lexpr, mv->ntables, &x) < 0 ||
                    resolve_node(an, eqs[e]->rexpr, mv->ntables, &y) < 0)
                    return -1;
                if ((x.table == t && attached[y.table]) || (y.table == t && attached[x.table])) {
                    if (add_key(an, t, x, y, eqs[e]->location) < 0)
                        return -1;
                    used[e] = true;
                }
            }
            if (mv->tables[t].nkeys > 0) {
                attached[t] = true;
                progress = true;
            }
        }
    }
    for (int t = first_comma; t < mv->ntables; t++)
        if (!attached[t]) {
            err_set(an->err, ERRCODE_INVALID_OBJECT_DEFINITION, "table \"%s\" is not joined to the fact table \"%s\"",
                    mv->tables[t].alias, mv->tables[0].alias);
            err_hint(an->err, "Join every lookup by key: WHERE fact_column = %s.key_column.", mv->tables[t].alias);
            return -1;
        }
    for (int e = 0; e < neq; e++)
        if (!used[e]) {
            err_set(an->err, ERRCODE_INVALID_OBJECT_DEFINITION, "condition does not join a new table to the model");
            err_detail(an->err, "Each lookup is joined once, by key, to one table joined before it.");
            return at(an, eqs[e]->location);
        }
    return 0;
}

/* ---- the model filter ---- */

/* The WHERE conjuncts that are not join equalities become the model filter,
 * a cube_q_pred_t over model columns (mv_filter.c normalizes, compares and
 * evaluates it). Constants take their column's type as PostgreSQL's
 * unknown literals do ('1994-01-01' against a date column is a date), and an
 * integer or decimal constant against a numeric or float column becomes
 * that type, so the values are the ones the planner hands the matcher for
 * the same condition in a query. */

static int node_loc(const PgQuery__Node *n);

static int floc(const PgQuery__Node *n)
{
    if (!n)
        return -1;
    switch (n->node_case) {
    case PG_QUERY__NODE__NODE_BOOL_EXPR: return n->bool_expr->location;
    case PG_QUERY__NODE__NODE_NULL_TEST: return n->null_test->location;
    case PG_QUERY__NODE__NODE_BOOLEAN_TEST: return n->boolean_test->location;
    case PG_QUERY__NODE__NODE_SUB_LINK: return n->sub_link->location;
    default: return node_loc(n);
    }
}

static int filter_unsupported(an_t *an, const PgQuery__Node *n, const char *what)
{
    err_set(an->err, ERRCODE_FEATURE_NOT_SUPPORTED, "%s is not supported in the WHERE of a cube definition", what);
    err_detail(an->err, "A cube's filter compares columns of its tables with constants: =, <>, <, <=, >, >=, "
                        "BETWEEN, IN (list), IS [NOT] NULL, a boolean column (IS [NOT] TRUE / FALSE / UNKNOWN), "
                        "combined with AND, OR, NOT.");
    err_hint(an->err, "Filter at query time, or declare a view of the table over its files.");
    return at(an, floc(n));
}

static cube_q_pred_t *fp_new(an_t *an, cube_q_op_t op)
{
    cube_q_pred_t *p = MEM_NEW(an->a, cube_q_pred_t);
    p->op = op;
    p->col.table = -1;
    return p;
}

static bool int_type(type_oid_t t)
{
    return t == TYPE_INT2 || t == TYPE_INT4 || t == TYPE_INT8;
}

/* fconst - a constant compared with column r: its type and value. */
static int fconst(an_t *an, const PgQuery__Node *n, cube_mv_ref_t r, type_oid_t *type, value_t *v)
{
    const cube_mv_srccol_t *c = &an->mv->tables[r.table].cols[r.col];
    type_oid_t ct = c->type, t = 0;
    int loc = floc(n);
    if (n->node_case == PG_QUERY__NODE__NODE_TYPE_CAST && n->type_cast->type_name &&
        n->type_cast->type_name->n_names > 0) {
        const PgQuery__TypeName *tn = n->type_cast->type_name;
        const char *name = node_sval(tn->names[tn->n_names - 1]);
        const type_info_t *ti = name ? type_lookup_name(name) : NULL;
        if (!ti || tn->n_array_bounds) {
            err_set(an->err, ERRCODE_UNDEFINED_OBJECT, "type \"%s\" does not exist", name ? name : "?");
            return at(an, loc);
        }
        t = ti->oid;
        n = n->type_cast->arg;
    }
    if (!n || n->node_case != PG_QUERY__NODE__NODE_A_CONST)
        return filter_unsupported(an, n, "a comparison with something other than a constant");
    const PgQuery__AConst *k = n->a_const;
    if (k->isnull) {
        *type = t ? t : ct;
        *v = value_null();
        return 0;
    }
    char ibuf[32];
    const char *text;
    switch (k->val_case) {
    case PG_QUERY__A__CONST__VAL_IVAL:
        snprintf(ibuf, sizeof ibuf, "%d", (int)k->ival->ival);
        text = ibuf;
        if (!t)
            t = int_type(ct) ? TYPE_INT8 : ct == TYPE_NUMERIC ? TYPE_NUMERIC
                : ct == TYPE_FLOAT4 || ct == TYPE_FLOAT8 ? TYPE_FLOAT8 : TYPE_INT4;
        break;
    case PG_QUERY__A__CONST__VAL_FVAL:
        text = k->fval->fval;
        if (!t) {
            /* an integer too long for int4 is a Float node too */
            bool integral = strspn(text + (text[0] == '-'), "0123456789") == strlen(text + (text[0] == '-'));
            t = ct == TYPE_FLOAT4 || ct == TYPE_FLOAT8 ? TYPE_FLOAT8
                : integral && int_type(ct)             ? TYPE_INT8
                                                       : TYPE_NUMERIC;
        }
        break;
    case PG_QUERY__A__CONST__VAL_BOOLVAL:
        text = k->boolval->boolval ? "true" : "false";
        if (!t)
            t = TYPE_BOOL;
        break;
    case PG_QUERY__A__CONST__VAL_SVAL:
        text = k->sval->sval;
        if (!t)
            t = ct; /* an unknown literal takes the column's type */
        break;
    default:
        return filter_unsupported(an, n, "this kind of constant");
    }
    if (!cube__filter_comparable(ct, t)) {
        const type_info_t *ci = type_lookup(ct), *ki = type_lookup(t);
        err_set(an->err, ERRCODE_UNDEFINED_FUNCTION, "operator does not exist: %s = %s", ci ? ci->name : "?",
                ki ? ki->name : "?");
        err_hint(an->err, "No operator matches the given name and argument types. You might need to add explicit "
                          "type casts.");
        return at(an, loc);
    }
    if (t != TYPE_TIMESTAMPTZ) {
        if (type_in_text(t, -1, text, strlen(text), an->a, v, an->err) < 0)
            return at(an, loc);
        *type = t;
        return 0;
    }
    /* timestamptz text means what the session's zone says, but every node
     * re-reads the definition (cube_mv_load) on threads in other zones:
     * the constant must carry its offset, so it reads the same in any zone
     * (read in two zones 14 hours apart to tell) */
    const dt_zone_t *saved = dt_zone_set(dt_zone_lookup("UTC"));
    value_t other;
    int rc = type_in_text(t, -1, text, strlen(text), an->a, v, an->err);
    if (rc == 0) {
        dt_zone_set(dt_zone_lookup("Etc/GMT-14"));
        rc = type_in_text(t, -1, text, strlen(text), an->a, &other, an->err);
    }
    dt_zone_set(saved);
    if (rc < 0)
        return at(an, loc);
    if (other.u.i != v->u.i) {
        err_set(an->err, ERRCODE_FEATURE_NOT_SUPPORTED, "a timestamp with time zone in the WHERE of a cube definition "
                "must give its offset");
        err_detail(an->err, "The cube is read by every node, whatever its session's TimeZone.");
        err_hint(an->err, "Write it with an offset, for example '2024-01-01 00:00:00+00'.");
        return at(an, loc);
    }
    *type = t;
    return 0;
}

/* fcol - a column of the model in a filter. */
static int fcol(an_t *an, const PgQuery__Node *n, cube_mv_ref_t *r, cube_q_col_t *qc)
{
    if (resolve(an, n->column_ref, n->column_ref->location, an->mv->ntables, r) < 0)
        return -1;
    *qc = (cube_q_col_t){ r->table, an->mv->tables[r->table].cols[r->col].name };
    return 0;
}

static bool is_col(const PgQuery__Node *n)
{
    return n && n->node_case == PG_QUERY__NODE__NODE_COLUMN_REF;
}

static cube_q_op_t cmp_op(const char *name, bool flip)
{
    static const struct {
        const char *name;
        cube_q_op_t op, flipped;
    } ops[] = { { "=", CUBE_Q_EQ, CUBE_Q_EQ },  { "<>", CUBE_Q_NE, CUBE_Q_NE }, { "<", CUBE_Q_LT, CUBE_Q_GT },
                { "<=", CUBE_Q_LE, CUBE_Q_GE }, { ">", CUBE_Q_GT, CUBE_Q_LT },  { ">=", CUBE_Q_GE, CUBE_Q_LE } };
    for (size_t i = 0; name && i < sizeof ops / sizeof ops[0]; i++)
        if (strcmp(ops[i].name, name) == 0)
            return flip ? ops[i].flipped : ops[i].op;
    return 0;
}

/* fleaf - a leaf over column node col with constants items[0..n). */
static int fleaf(an_t *an, cube_q_op_t op, const PgQuery__Node *col, PgQuery__Node *const *items, size_t n,
                 cube_q_pred_t **out)
{
    cube_mv_ref_t r;
    cube_q_pred_t *p = fp_new(an, op);
    if (fcol(an, col, &r, &p->col) < 0)
        return -1;
    value_t *vals = MEM_NEW_N(an->a, value_t, n + 1);
    type_oid_t type = 0;
    for (size_t i = 0; i < n; i++) {
        type_oid_t t = 0;
        if (fconst(an, items[i], r, &t, &vals[i]) < 0)
            return -1;
        if (vals[i].isnull)
            continue;
        if (type && t != type) {
            /* one type per leaf: a list mixing 1 and 2.5 against an integer column */
            err_set(an->err, ERRCODE_FEATURE_NOT_SUPPORTED, "constants of different types in one condition are not "
                                                          "supported in the WHERE of a cube definition");
            return at(an, floc(items[i]));
        }
        type = t;
    }
    p->type = type ? type : an->mv->tables[r.table].cols[r.col].type;
    p->nvals = (int)n;
    p->vals = vals;
    *out = p;
    return 0;
}

static int fpred(an_t *an, const PgQuery__Node *n, cube_q_pred_t **out)
{
    switch (n->node_case) {
    case PG_QUERY__NODE__NODE_BOOL_EXPR: {
        const PgQuery__BoolExpr *b = n->bool_expr;
        cube_q_op_t op = b->boolop == PG_QUERY__BOOL_EXPR_TYPE__AND_EXPR  ? CUBE_Q_AND
                         : b->boolop == PG_QUERY__BOOL_EXPR_TYPE__OR_EXPR ? CUBE_Q_OR
                                                                          : CUBE_Q_NOT;
        cube_q_pred_t *p = fp_new(an, op);
        const cube_q_pred_t **args = MEM_NEW_N(an->a, const cube_q_pred_t *, b->n_args + 1);
        for (size_t i = 0; i < b->n_args; i++) {
            cube_q_pred_t *x;
            if (fpred(an, b->args[i], &x) < 0)
                return -1;
            args[i] = x;
        }
        p->nargs = (int)b->n_args;
        p->args = args;
        *out = p;
        return 0;
    }
    case PG_QUERY__NODE__NODE_COLUMN_REF: {
        /* a boolean column: flag = true (NULL is not true), as the planner describes it */
        cube_mv_ref_t r;
        cube_q_pred_t *p = fp_new(an, CUBE_Q_EQ);
        if (fcol(an, n, &r, &p->col) < 0)
            return -1;
        if (an->mv->tables[r.table].cols[r.col].type != TYPE_BOOL) {
            err_set(an->err, ERRCODE_DATATYPE_MISMATCH, "argument of WHERE must be type boolean, not type %s",
                    cube__mv_type_name(an->a, an->mv->tables[r.table].cols[r.col].type, -1));
            return at(an, floc(n));
        }
        value_t *v = MEM_NEW(an->a, value_t);
        *v = value_int(1);
        p->type = TYPE_BOOL;
        p->nvals = 1;
        p->vals = v;
        *out = p;
        return 0;
    }
    case PG_QUERY__NODE__NODE_BOOLEAN_TEST: {
        /* flag IS [NOT] TRUE / FALSE / UNKNOWN, written as the planner
         * describes it: IS TRUE = (flag = true AND flag IS NOT NULL), IS NOT
         * TRUE = (flag = false OR flag IS NULL), UNKNOWN = IS NULL */
        const PgQuery__BooleanTest *bt = n->boolean_test;
        int test = (int)bt->booltesttype - (int)PG_QUERY__BOOL_TEST_TYPE__IS_TRUE;
        cube_mv_ref_t r;
        cube_q_col_t qc;
        if (!is_col(bt->arg) || test < 0 || test > 5)
            return filter_unsupported(an, n, "IS TRUE / IS FALSE of an expression");
        if (fcol(an, bt->arg, &r, &qc) < 0)
            return -1;
        if (an->mv->tables[r.table].cols[r.col].type != TYPE_BOOL) {
            err_set(an->err, ERRCODE_DATATYPE_MISMATCH, "argument of IS %s must be type boolean, not type %s",
                    test == 0 || test == 1 ? "TRUE" : test == 2 || test == 3 ? "FALSE" : "UNKNOWN",
                    cube__mv_type_name(an->a, an->mv->tables[r.table].cols[r.col].type, -1));
            return at(an, floc(n));
        }
        if (test >= 4)
            return fleaf(an, test == 4 ? CUBE_Q_IS_NULL : CUBE_Q_IS_NOT_NULL, bt->arg, NULL, 0, out);
        bool negated = test == 1 || test == 3, value = test == 0 || test == 3;
        cube_q_pred_t *eq = fp_new(an, CUBE_Q_EQ), *nn;
        eq->col = qc;
        value_t *v = MEM_NEW(an->a, value_t);
        *v = value_int(value);
        eq->type = TYPE_BOOL;
        eq->nvals = 1;
        eq->vals = v;
        if (fleaf(an, negated ? CUBE_Q_IS_NULL : CUBE_Q_IS_NOT_NULL, bt->arg, NULL, 0, &nn) < 0)
            return -1;
        cube_q_pred_t *p = fp_new(an, negated ? CUBE_Q_OR : CUBE_Q_AND);
        const cube_q_pred_t **args = MEM_NEW_N(an->a, const cube_q_pred_t *, 2);
        args[0] = eq;
        args[1] = nn;
        p->nargs = 2;
        p->args = args;
        *out = p;
        return 0;
    }
    case PG_QUERY__NODE__NODE_NULL_TEST: {
        const PgQuery__NullTest *t = n->null_test;
        if (!is_col(t->arg))
            return filter_unsupported(an, n, "IS NULL of an expression");
        return fleaf(an, t->nulltesttype == PG_QUERY__NULL_TEST_TYPE__IS_NULL ? CUBE_Q_IS_NULL : CUBE_Q_IS_NOT_NULL,
                     t->arg, NULL, 0, out);
    }
    case PG_QUERY__NODE__NODE_A_EXPR: {
        const PgQuery__AExpr *e = n->a_expr;
        const char *name = e->n_name == 1 ? node_sval(e->name[0]) : NULL;
        switch (e->kind) {
        case PG_QUERY__A__EXPR__KIND__AEXPR_OP: {
            cube_q_op_t op = cmp_op(name, false);
            if (!op || !e->lexpr || !e->rexpr)
                return filter_unsupported(an, n, mem_asprintf(an->a, "operator %s", name ? name : "?"));
            if (is_col(e->lexpr) && is_col(e->rexpr))
                return filter_unsupported(an, n, "a comparison of two columns");
            if (is_col(e->lexpr))
                return fleaf(an, op, e->lexpr, &e->rexpr, 1, out);
            if (is_col(e->rexpr))
                return fleaf(an, cmp_op(name, true), e->rexpr, &e->lexpr, 1, out);
            return filter_unsupported(an, n, "a comparison of an expression (not a plain column) with a constant");
        }
        case PG_QUERY__A__EXPR__KIND__AEXPR_IN: {
            bool not_in = name && strcmp(name, "<>") == 0;
            if (!is_col(e->lexpr) || !e->rexpr || e->rexpr->node_case != PG_QUERY__NODE__NODE_LIST)
                return filter_unsupported(an, n, "IN over an expression");
            const PgQuery__List *l = e->rexpr->list;
            return fleaf(an, not_in ? CUBE_Q_NE : CUBE_Q_IN, e->lexpr, l->items, l->n_items, out);
        }
        case PG_QUERY__A__EXPR__KIND__AEXPR_BETWEEN:
        case PG_QUERY__A__EXPR__KIND__AEXPR_NOT_BETWEEN: {
            if (!is_col(e->lexpr) || !e->rexpr || e->rexpr->node_case != PG_QUERY__NODE__NODE_LIST ||
                e->rexpr->list->n_items != 2)
                return filter_unsupported(an, n, "BETWEEN over an expression");
            cube_q_pred_t *b;
            if (fleaf(an, CUBE_Q_BETWEEN, e->lexpr, e->rexpr->list->items, 2, &b) < 0)
                return -1;
            if (e->kind == PG_QUERY__A__EXPR__KIND__AEXPR_BETWEEN) {
                *out = b;
                return 0;
            }
            cube_q_pred_t *p = fp_new(an, CUBE_Q_NOT);
            const cube_q_pred_t **args = MEM_NEW_N(an->a, const cube_q_pred_t *, 1);
            args[0] = b;
            p->nargs = 1;
            p->args = args;
            *out = p;
            return 0;
        }
        case PG_QUERY__A__EXPR__KIND__AEXPR_LIKE:
        case PG_QUERY__A__EXPR__KIND__AEXPR_ILIKE:
            return filter_unsupported(an, n, "LIKE");
        default:
            return filter_unsupported(an, n, "this kind of condition");
        }
    }
    case PG_QUERY__NODE__NODE_SUB_LINK:
        return filter_unsupported(an, n, "a subquery");
    case PG_QUERY__NODE__NODE_FUNC_CALL:
        return filter_unsupported(an, n, "a function call");
    default:
        return filter_unsupported(an, n, "this kind of condition");
    }
}

/* filter_conj - the non-join conjuncts of where into out. */
static int filter_conj(an_t *an, const PgQuery__Node *q, const PgQuery__Node **out, int *n, int max)
{
    if (q->node_case == PG_QUERY__NODE__NODE_BOOL_EXPR && q->bool_expr->boolop == PG_QUERY__BOOL_EXPR_TYPE__AND_EXPR) {
        for (size_t i = 0; i < q->bool_expr->n_args; i++)
            if (filter_conj(an, q->bool_expr->args[i], out, n, max) < 0)
                return -1;
        return 0;
    }
    if (is_join_eq(q))
        return 0;
    if (*n >= max) {
        err_set(an->err, ERRCODE_PROGRAM_LIMIT_EXCEEDED, "the WHERE of a cube definition may have at most %d conditions",
                max);
        return at(an, floc(q));
    }
    out[(*n)++] = q;
    return 0;
}

int cube__mv_filter_where(cube_mv_t *mv, const PgQuery__Node *where, const char *sql, int offset, err_t *err)
{
    mv->filter = NULL;
    mv->filter_text = NULL;
    if (!where)
        return 0;
    an_t an = { .mv = mv, .a = mv->arena, .sql = sql, .offset = offset, .err = err };
    const PgQuery__Node *conj[256];
    int n = 0;
    if (filter_conj(&an, where, conj, &n, 256) < 0)
        return -1;
    if (n == 0)
        return 0;
    cube_q_pred_t *and = fp_new(&an, CUBE_Q_AND);
    const cube_q_pred_t **args = MEM_NEW_N(mv->arena, const cube_q_pred_t *, n + 1);
    for (int i = 0; i < n; i++) {
        cube_q_pred_t *p;
        if (fpred(&an, conj[i], &p) < 0)
            return -1;
        args[i] = p;
    }
    and->nargs = n;
    and->args = args;
    mv->filter = cube__filter_norm(mv->arena, and);
    mv->filter_text = cube__filter_text(mv, mv->arena, mv->filter);
    return 0;
}

const PgQuery__SelectStmt *cube__mv_def_select(const PgQuery__ParseResult *pr, const char *name)
{
    for (size_t i = 0; pr && i < pr->n_stmts; i++) {
        const PgQuery__Node *st = pr->stmts[i]->stmt;
        if (!st || st->node_case != PG_QUERY__NODE__NODE_CREATE_TABLE_AS_STMT)
            continue;
        const PgQuery__CreateTableAsStmt *c = st->create_table_as_stmt;
        if (c->objtype == PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW && c->into && c->into->rel &&
            strcmp(c->into->rel->relname, name) == 0 && c->query && c->query->node_case == PG_QUERY__NODE__NODE_SELECT_STMT)
            return c->query->select_stmt;
    }
    return NULL;
}

int cube__mv_load_filter(cube_mv_t *mv, const char *expected, err_t *err)
{
    /* the stored text may hold several statements (the client's query
     * string): the one creating this view is the definition */
    PgQueryProtobufParseResult r = pg_query_parse_protobuf(mv->definition ? mv->definition : "");
    PgQuery__ParseResult *pr = NULL;
    if (!r.error)
        pr = pg_query__parse_result__unpack(NULL, r.parse_tree.len, (const uint8_t *)r.parse_tree.data);
    pg_query_free_protobuf_parse_result(r);
    const PgQuery__SelectStmt *sel = cube__mv_def_select(pr, mv->name);
    int rc = sel ? cube__mv_filter_where(mv, sel->where_clause, NULL, 0, err) : -1;
    if (pr)
        pg_query__parse_result__free_unpacked(pr, NULL);
    if (rc < 0 || !mv->filter_text || strcmp(mv->filter_text, expected) != 0) {
        /* a cube answering without its filter would answer wrongly: refuse it */
        err_set(err, ERRCODE_DATA_CORRUPTED, "stored definition of cube \"%s\" no longer yields its filter %s", mv->name,
                expected);
        return -1;
    }
    return 0;
}

/* ---- grouping ---- */

typedef struct ilist {
    int n, cap;
    int *v;
} ilist_t;

static void il_add(mem_arena_t *a, ilist_t *l, int x)
{
    l->v = mem_agrow(a, l->v, l->n, &l->cap, sizeof *l->v);
    l->v[l->n++] = x;
}

typedef struct pgroup {
    ilist_t mand, normal;
    int nhier, njoint;
    ilist_t hier[CUBE_MAX_DIMS];
    ilist_t joint[CUBE_MAX_DIMS];
} pgroup_t;

typedef struct plist {
    int n;
    pgroup_t **g;
} plist_t;

/* gdim - the dimension index of a grouping column (added on first sight). */
static int gdim(an_t *an, const PgQuery__Node *n, int *dim)
{
    cube_mv_ref_t r;
    if (n->node_case != PG_QUERY__NODE__NODE_COLUMN_REF) {
        err_set(an->err, ERRCODE_FEATURE_NOT_SUPPORTED, "GROUP BY of a cube lists columns, not expressions");
        err_hint(an->err, "Group by the column; compute expressions over it at query time.");
        int loc = n->node_case == PG_QUERY__NODE__NODE_A_EXPR ? n->a_expr->location
                  : n->node_case == PG_QUERY__NODE__NODE_FUNC_CALL ? n->func_call->location
                  : n->node_case == PG_QUERY__NODE__NODE_A_CONST ? n->a_const->location
                                                                  : -1;
        return at(an, loc);
    }
    if (resolve_node(an, n, an->mv->ntables, &r) < 0)
        return -1;
    for (int i = 0; i < an->ngcols; i++)
        if (ref_cmp(an->gcols[i], r) == 0) {
            *dim = i;
            return 0;
        }
    if (an->ngcols >= CUBE_MAX_DIMS) {
        err_set(an->err, ERRCODE_TOO_MANY_COLUMNS, "a cube may have at most %d dimensions", CUBE_MAX_DIMS);
        return at(an, n->column_ref->location);
    }
    an->gloc[an->ngcols] = n->column_ref->location;
    an->gcols[an->ngcols] = r;
    *dim = an->ngcols++;
    return 0;
}

static pgroup_t *pg_new(an_t *an)
{
    return MEM_NEW(an->a, pgroup_t);
}

static plist_t *pl_one(an_t *an, pgroup_t *g)
{
    plist_t *l = MEM_NEW(an->a, plist_t);
    l->g = MEM_NEW_N(an->a, pgroup_t *, 1);
    l->g[0] = g;
    l->n = 1;
    return l;
}

static int group_item(an_t *an, const PgQuery__Node *n, plist_t **out);

static int row_dims(an_t *an, const PgQuery__Node *n, ilist_t *l)
{
    if (n->node_case == PG_QUERY__NODE__NODE_ROW_EXPR) {
        for (size_t i = 0; i < n->row_expr->n_args; i++) {
            int d;
            if (gdim(an, n->row_expr->args[i], &d) < 0)
                return -1;
            il_add(an->a, l, d);
        }
        return 0;
    }
    int d;
    if (gdim(an, n, &d) < 0)
        return -1;
    il_add(an->a, l, d);
    return 0;
}

static int pg_merge(an_t *an, const pgroup_t *x, const pgroup_t *y, pgroup_t **out);

/* product - the cross product of two lists of groups. */
static bool pg_mand(const pgroup_t *g, int d)
{
    for (int i = 0; i < g->mand.n; i++)
        if (g->mand.v[i] == d)
            return true;
    return false;
}

/* pg_dims - every dimension of g (mandatory, normal, in a hierarchy or a joint). */
static uint64_t pg_dims(const pgroup_t *g)
{
    uint64_t m = 0;
    for (int i = 0; i < g->mand.n; i++)
        m |= 1ull << g->mand.v[i];
    for (int i = 0; i < g->normal.n; i++)
        m |= 1ull << g->normal.v[i];
    for (int h = 0; h < g->nhier; h++)
        for (int i = 0; i < g->hier[h].n; i++)
            m |= 1ull << g->hier[h].v[i];
    for (int j = 0; j < g->njoint; j++)
        for (int i = 0; i < g->joint[j].n; i++)
            m |= 1ull << g->joint[j].v[i];
    return m;
}

/* pg_conflict - whether x times y puts a dimension in two roles of one
 * group (anything but mandatory in both): no group can say that. */
static bool pg_conflict(const pgroup_t *x, const pgroup_t *y)
{
    uint64_t both = pg_dims(x) & pg_dims(y);
    for (int d = 0; both; d++, both >>= 1)
        if ((both & 1) && !(pg_mand(x, d) && pg_mand(y, d)))
            return true;
    return false;
}

/* pg_sets - the grouping sets group g stands for, as dimension masks:
 * mandatory ones always, any subset of the normal ones, a prefix of each
 * hierarchy, each joint set whole or not at all. -1 past MAX_GROUPS. */
static int pg_sets(an_t *an, const pgroup_t *g, int loc, uint64_t **out, int *n)
{
    uint64_t *v = MEM_NEW_N(an->a, uint64_t, MAX_GROUPS + 1);
    int k = 1;
    v[0] = 0;
    for (int i = 0; i < g->mand.n; i++)
        v[0] |= 1ull << g->mand.v[i];
    /* each component offers choices; the sets so far times them */
    int ncomp = g->normal.n + g->nhier + g->njoint;
    for (int c = 0; c < ncomp; c++) {
        uint64_t choice[CUBE_MAX_DIMS + 2];
        int nch = 0;
        choice[nch++] = 0;
        if (c < g->normal.n) {
            choice[nch++] = 1ull << g->normal.v[c];
        } else if (c < g->normal.n + g->nhier) {
            const ilist_t *h = &g->hier[c - g->normal.n];
            uint64_t m = 0;
            for (int i = 0; i < h->n; i++)
                choice[nch++] = m |= 1ull << h->v[i];
        } else {
            const ilist_t *j = &g->joint[c - g->normal.n - g->nhier];
            uint64_t m = 0;
            for (int i = 0; i < j->n; i++)
                m |= 1ull << j->v[i];
            choice[nch++] = m;
        }
        if ((int64_t)k * nch > MAX_GROUPS) {
            err_set(an->err, ERRCODE_PROGRAM_LIMIT_EXCEEDED, "GROUP BY of a cube yields more than %d aggregation groups",
                    MAX_GROUPS);
            return at(an, loc);
        }
        for (int i = k - 1; i >= 0; i--)
            for (int ch = nch - 1; ch >= 0; ch--)
                v[i * nch + ch] = v[i] | choice[ch];
        k *= nch;
    }
    *out = v;
    *n = k;
    return 0;
}

/* product - every group of x times every group of y. Groups that share a
 * dimension in different roles (ROLLUP (a, b), ROLLUP (a, c): a is in two
 * hierarchies) are multiplied out into their grouping sets, each a group
 * of mandatory dimensions: the same cuboids, PostgreSQL's sets without
 * their repetitions (aggregation groups do not keep those). */
static int product(an_t *an, const plist_t *x, const plist_t *y, int loc, plist_t **out)
{
    int cap = x->n * y->n + 1;
    if ((int64_t)x->n * y->n > MAX_GROUPS)
        goto too_many;
    plist_t *nl = MEM_NEW(an->a, plist_t);
    nl->g = MEM_NEW_N(an->a, pgroup_t *, cap);
    for (int i = 0; i < x->n; i++)
        for (int j = 0; j < y->n; j++) {
            if (!pg_conflict(x->g[i], y->g[j])) {
                if (nl->n >= MAX_GROUPS)
                    goto too_many;
                nl->g = mem_agrow(an->a, nl->g, nl->n, &cap, sizeof *nl->g);
                if (pg_merge(an, x->g[i], y->g[j], &nl->g[nl->n++]) < 0)
                    return -1;
                continue;
            }
            uint64_t *sx, *sy;
            int nx, ny;
            if (pg_sets(an, x->g[i], loc, &sx, &nx) < 0 || pg_sets(an, y->g[j], loc, &sy, &ny) < 0)
                return -1;
            uint64_t *made = MEM_NEW_N(an->a, uint64_t, MAX_GROUPS + 1);
            int nmade = 0;
            for (int a = 0; a < nx; a++)
                for (int b = 0; b < ny; b++) {
                    uint64_t m = sx[a] | sy[b];
                    bool seen = false;
                    for (int k = 0; k < nmade && !seen; k++)
                        seen = made[k] == m;
                    if (seen)
                        continue;
                    if (nmade < MAX_GROUPS)
                        made[nmade++] = m;
                    if (nl->n >= MAX_GROUPS)
                        goto too_many;
                    nl->g = mem_agrow(an->a, nl->g, nl->n, &cap, sizeof *nl->g);
                    pgroup_t *g = pg_new(an);
                    for (int d = 0; d < CUBE_MAX_DIMS; d++)
                        if (m & (1ull << d))
                            il_add(an->a, &g->mand, d);
                    nl->g[nl->n++] = g;
                }
        }
    *out = nl;
    return 0;
too_many:
    err_set(an->err, ERRCODE_PROGRAM_LIMIT_EXCEEDED, "GROUP BY of a cube yields more than %d aggregation groups", MAX_GROUPS);
    return at(an, loc);
}

/* rollup_of / cube_of - ROLLUP (...) and CUBE (...) members, from the
 * grammar's grouping set or from a function-call spelling inside a
 * parenthesised product (see group_item). */
static int rollup_of(an_t *an, PgQuery__Node *const *content, size_t n, plist_t **out)
{
    pgroup_t *g = pg_new(an);
    for (size_t i = 0; i < n; i++) {
        if (content[i]->node_case == PG_QUERY__NODE__NODE_ROW_EXPR) {
            err_set(an->err, ERRCODE_FEATURE_NOT_SUPPORTED, "a composite level inside ROLLUP is not supported");
            err_hint(an->err, "List the hierarchy's columns one level each: ROLLUP (a, b, c).");
            return at(an, content[i]->row_expr->location);
        }
        int d;
        if (gdim(an, content[i], &d) < 0)
            return -1;
        il_add(an->a, &g->hier[0], d);
    }
    g->nhier = n > 0;
    *out = pl_one(an, g);
    return 0;
}

static int cube_of(an_t *an, PgQuery__Node *const *content, size_t n, plist_t **out)
{
    pgroup_t *g = pg_new(an);
    for (size_t i = 0; i < n; i++) {
        const PgQuery__Node *c = content[i];
        if (c->node_case == PG_QUERY__NODE__NODE_ROW_EXPR && c->row_expr->n_args > 1) {
            if (row_dims(an, c, &g->joint[g->njoint]) < 0)
                return -1;
            g->njoint++;
        } else {
            ilist_t one = { 0 };
            if (row_dims(an, c, &one) < 0)
                return -1;
            il_add(an->a, &g->normal, one.v[0]);
        }
    }
    *out = pl_one(an, g);
    return 0;
}

static const char *fc_name(const PgQuery__Node *n)
{
    if (n->node_case != PG_QUERY__NODE__NODE_FUNC_CALL || n->func_call->n_funcname != 1)
        return NULL;
    return node_sval(n->func_call->funcname[0]);
}

static int group_item(an_t *an, const PgQuery__Node *n, plist_t **out)
{
    if (n->node_case == PG_QUERY__NODE__NODE_ROW_EXPR) {
        /* (a, b) is one grouping set of both; kiln also reads
         * (ROLLUP (a, b), ROLLUP (c, d), m) inside GROUPING SETS as the
         * product of its members -- one aggregation group with several
         * hierarchies, which PostgreSQL's grammar cannot otherwise put in
         * one element of GROUPING SETS (the parser sees function calls) */
        plist_t *acc = pl_one(an, pg_new(an));
        for (size_t i = 0; i < n->row_expr->n_args; i++) {
            plist_t *item;
            if (group_item(an, n->row_expr->args[i], &item) < 0 ||
                product(an, acc, item, n->row_expr->location, &acc) < 0)
                return -1;
        }
        *out = acc;
        return 0;
    }
    const char *fname = fc_name(n);
    if (fname && strcmp(fname, "rollup") == 0)
        return rollup_of(an, n->func_call->args, n->func_call->n_args, out);
    if (fname && strcmp(fname, "cube") == 0)
        return cube_of(an, n->func_call->args, n->func_call->n_args, out);
    if (n->node_case != PG_QUERY__NODE__NODE_GROUPING_SET) {
        pgroup_t *g = pg_new(an);
        if (row_dims(an, n, &g->mand) < 0)
            return -1;
        *out = pl_one(an, g);
        return 0;
    }
    const PgQuery__GroupingSet *gs = n->grouping_set;
    switch (gs->kind) {
    case PG_QUERY__GROUPING_SET_KIND__GROUPING_SET_EMPTY:
        *out = pl_one(an, pg_new(an));
        return 0;
    case PG_QUERY__GROUPING_SET_KIND__GROUPING_SET_SIMPLE: {
        pgroup_t *g = pg_new(an);
        for (size_t i = 0; i < gs->n_content; i++)
            if (row_dims(an, gs->content[i], &g->mand) < 0)
                return -1;
        *out = pl_one(an, g);
        return 0;
    }
    case PG_QUERY__GROUPING_SET_KIND__GROUPING_SET_ROLLUP:
        return rollup_of(an, gs->content, gs->n_content, out);
    case PG_QUERY__GROUPING_SET_KIND__GROUPING_SET_CUBE:
        return cube_of(an, gs->content, gs->n_content, out);
    case PG_QUERY__GROUPING_SET_KIND__GROUPING_SET_SETS: {
        plist_t *l = MEM_NEW(an->a, plist_t);
        for (size_t i = 0; i < gs->n_content; i++) {
            plist_t *sub;
            if (group_item(an, gs->content[i], &sub) < 0)
                return -1;
            if (l->n + sub->n > MAX_GROUPS) {
                err_set(an->err, ERRCODE_PROGRAM_LIMIT_EXCEEDED, "GROUP BY of a cube yields more than %d aggregation groups", MAX_GROUPS);
                return at(an, gs->location);
            }
            pgroup_t **ng = MEM_NEW_N(an->a, pgroup_t *, l->n + sub->n);
            if (l->n)
                memcpy(ng, l->g, sizeof(pgroup_t *) * (size_t)l->n);
            memcpy(ng + l->n, sub->g, sizeof(pgroup_t *) * (size_t)sub->n);
            l->g = ng;
            l->n += sub->n;
        }
        *out = l;
        return 0;
    }
    default:
        err_set(an->err, ERRCODE_FEATURE_NOT_SUPPORTED, "unsupported grouping set");
        return at(an, gs->location);
    }
}

static bool pg_has(const pgroup_t *g, int d)
{
    for (int i = 0; i < g->mand.n; i++)
        if (g->mand.v[i] == d)
            return true;
    for (int i = 0; i < g->normal.n; i++)
        if (g->normal.v[i] == d)
            return true;
    for (int h = 0; h < g->nhier; h++)
        for (int i = 0; i < g->hier[h].n; i++)
            if (g->hier[h].v[i] == d)
                return true;
    for (int j = 0; j < g->njoint; j++)
        for (int i = 0; i < g->joint[j].n; i++)
            if (g->joint[j].v[i] == d)
                return true;
    return false;
}

static int pg_check_add(an_t *an, pgroup_t *g, int d, bool mandatory)
{
    if (pg_has(g, d)) {
        /* the same column mandatory twice is harmless (GROUP BY a, a) */
        if (mandatory)
            for (int i = 0; i < g->mand.n; i++)
                if (g->mand.v[i] == d)
                    return 1;
        cube_mv_ref_t r = an->gcols[d];
        err_set(an->err, ERRCODE_INVALID_OBJECT_DEFINITION, "column %s has two roles in one aggregation group",
                cube__mv_ref_text(an->mv, an->a, r));
        err_detail(an->err, "A dimension is mandatory, in one ROLLUP, in one joint set or a normal CUBE member "
                            "of each group, not several of these.");
        at(an, an->gloc[d]);
        return -1;
    }
    return 0;
}

/* pg_merge - the group x ∪ y (one item of GROUP BY times another). */
static int pg_merge(an_t *an, const pgroup_t *x, const pgroup_t *y, pgroup_t **out)
{
    pgroup_t *g = pg_new(an);
    const pgroup_t *src[2] = { x, y };
    for (int s = 0; s < 2; s++) {
        const pgroup_t *p = src[s];
        for (int i = 0; i < p->mand.n; i++) {
            int rc = pg_check_add(an, g, p->mand.v[i], true);
            if (rc < 0)
                return -1;
            if (rc == 0)
                il_add(an->a, &g->mand, p->mand.v[i]);
        }
        for (int i = 0; i < p->normal.n; i++) {
            if (pg_check_add(an, g, p->normal.v[i], false) != 0)
                return -1;
            il_add(an->a, &g->normal, p->normal.v[i]);
        }
        for (int h = 0; h < p->nhier; h++) {
            for (int i = 0; i < p->hier[h].n; i++) {
                if (pg_check_add(an, g, p->hier[h].v[i], false) != 0)
                    return -1;
                il_add(an->a, &g->hier[g->nhier], p->hier[h].v[i]);
            }
            g->nhier++;
        }
        for (int j = 0; j < p->njoint; j++) {
            for (int i = 0; i < p->joint[j].n; i++) {
                if (pg_check_add(an, g, p->joint[j].v[i], false) != 0)
                    return -1;
                il_add(an->a, &g->joint[g->njoint], p->joint[j].v[i]);
            }
            g->njoint++;
        }
    }
    *out = g;
    return 0;
}

static int translate_groups(an_t *an, const PgQuery__SelectStmt *sel)
{
    cube_mv_t *mv = an->mv;
    plist_t *acc = pl_one(an, pg_new(an));
    for (size_t i = 0; i < sel->n_group_clause; i++) {
        plist_t *item;
        if (group_item(an, sel->group_clause[i], &item) < 0 || product(an, acc, item, -1, &acc) < 0)
            return -1;
    }
    mv->groups = MEM_NEW_N(an->a, cube_mv_group_t, acc->n);
    for (int i = 0; i < acc->n; i++) {
        const pgroup_t *p = acc->g[i];
        if (p->mand.n + p->normal.n + p->nhier + p->njoint == 0)
            continue; /* (): the grand total, which every cube answers */
        cube_mv_group_t *g = &mv->groups[mv->ngroups++];
        g->nmand = p->mand.n;
        g->mand = p->mand.v;
        g->nnormal = p->normal.n;
        g->normal = p->normal.v;
        g->nhier = p->nhier;
        g->hier_len = MEM_NEW_N(an->a, int, p->nhier + 1);
        g->hier = MEM_NEW_N(an->a, int *, p->nhier + 1);
        for (int h = 0; h < p->nhier; h++) {
            g->hier_len[h] = p->hier[h].n;
            g->hier[h] = p->hier[h].v;
        }
        g->njoint = p->njoint;
        g->joint_len = MEM_NEW_N(an->a, int, p->njoint + 1);
        g->joint = MEM_NEW_N(an->a, int *, p->njoint + 1);
        for (int j = 0; j < p->njoint; j++) {
            g->joint_len[j] = p->joint[j].n;
            g->joint[j] = p->joint[j].v;
        }
    }
    return 0;
}

/* ---- measures ---- */

typedef struct lin {
    int n;
    cube_mv_term_t t[CUBE_MV_MAX_TERMS];
    bool is_const;
    int64_t cval;
    type_oid_t type;
} lin_t;

static bool is_num_type(type_oid_t t)
{
    return t == TYPE_INT2 || t == TYPE_INT4 || t == TYPE_INT8 || t == TYPE_NUMERIC || t == TYPE_FLOAT4 ||
           t == TYPE_FLOAT8;
}

/* promote - PostgreSQL's result type of + - * over two numeric types. */
type_oid_t cube__promote(type_oid_t x, type_oid_t y)
{
    if (x == TYPE_FLOAT8 || y == TYPE_FLOAT8)
        return TYPE_FLOAT8;
    if (x == TYPE_FLOAT4 || y == TYPE_FLOAT4)
        return (x == TYPE_FLOAT4 && y == TYPE_FLOAT4) ? TYPE_FLOAT4 : TYPE_FLOAT8;
    if (x == TYPE_NUMERIC || y == TYPE_NUMERIC)
        return TYPE_NUMERIC;
    if (x == TYPE_INT8 || y == TYPE_INT8)
        return TYPE_INT8;
    if (x == TYPE_INT4 || y == TYPE_INT4)
        return TYPE_INT4;
    return TYPE_INT2;
}

static int lin_err(an_t *an, int loc)
{
    err_set(an->err, ERRCODE_FEATURE_NOT_SUPPORTED,
            "a measure's argument must be a column or a linear expression of columns");
    err_detail(an->err, "Allowed: column, integer * column, column * column, and + or - of these.");
    return at(an, loc);
}

static int node_loc(const PgQuery__Node *n)
{
    switch (n->node_case) {
    case PG_QUERY__NODE__NODE_A_EXPR: return n->a_expr->location;
    case PG_QUERY__NODE__NODE_COLUMN_REF: return n->column_ref->location;
    case PG_QUERY__NODE__NODE_FUNC_CALL: return n->func_call->location;
    case PG_QUERY__NODE__NODE_A_CONST: return n->a_const->location;
    case PG_QUERY__NODE__NODE_TYPE_CAST: return n->type_cast->location;
    default: return -1;
    }
}

static int lin_of(an_t *an, const PgQuery__Node *n, lin_t *out)
{
    memset(out, 0, sizeof *out);
    switch (n->node_case) {
    case PG_QUERY__NODE__NODE_COLUMN_REF: {
        cube_mv_ref_t r;
        if (resolve_node(an, n, an->mv->ntables, &r) < 0)
            return -1;
        out->n = 1;
        out->t[0] = (cube_mv_term_t){ 1, r, { -1, -1 } };
        out->type = an->mv->tables[r.table].cols[r.col].type;
        return 0;
    }
    case PG_QUERY__NODE__NODE_A_CONST: {
        const PgQuery__AConst *c = n->a_const;
        if (c->val_case != PG_QUERY__A__CONST__VAL_IVAL)
            return lin_err(an, c->location);
        out->is_const = true;
        out->cval = c->ival ? c->ival->ival : 0;
        out->type = TYPE_INT4;
        return 0;
    }
    case PG_QUERY__NODE__NODE_A_EXPR: {
        const PgQuery__AExpr *e = n->a_expr;
        if (e->kind != PG_QUERY__A__EXPR__KIND__AEXPR_OP || e->n_name != 1)
            return lin_err(an, e->location);
        const char *op = node_sval(e->name[0]);
        lin_t l, r;
        if (!e->lexpr && op && strcmp(op, "-") == 0) {
            if (lin_of(an, e->rexpr, out) < 0)
                return -1;
            out->cval = -out->cval;
            for (int i = 0; i < out->n; i++)
                out->t[i].coef = -out->t[i].coef;
            return 0;
        }
        if (!e->lexpr || !e->rexpr || !op)
            return lin_err(an, e->location);
        if (lin_of(an, e->lexpr, &l) < 0 || lin_of(an, e->rexpr, &r) < 0)
            return -1;
        out->type = cube__promote(l.type, r.type);
        if (strcmp(op, "+") == 0 || strcmp(op, "-") == 0) {
            int64_t s = op[0] == '-' ? -1 : 1;
            if (l.is_const && r.is_const) {
                out->is_const = true;
                out->cval = l.cval + s * r.cval;
                return 0;
            }
            if (l.is_const || r.is_const) {
                err_set(an->err, ERRCODE_FEATURE_NOT_SUPPORTED, "a constant added to a measure's argument is not supported");
                err_hint(an->err, "Add count(*) times the constant at query time.");
                return at(an, e->location);
            }
            if (l.n + r.n > CUBE_MV_MAX_TERMS)
                return lin_err(an, e->location);
            *out = l;
            out->type = cube__promote(l.type, r.type);
            for (int i = 0; i < r.n; i++) {
                out->t[out->n] = r.t[i];
                out->t[out->n++].coef *= s;
            }
            return 0;
        }
        if (strcmp(op, "*") == 0) {
            if (l.is_const && r.is_const) {
                out->is_const = true;
                out->cval = l.cval * r.cval;
                return 0;
            }
            if (l.is_const || r.is_const) {
                const lin_t *c = l.is_const ? &l : &r, *v = l.is_const ? &r : &l;
                type_oid_t ty = out->type;
                *out = *v;
                out->type = ty;
                for (int i = 0; i < out->n; i++)
                    out->t[i].coef *= c->cval;
                return 0;
            }
            if (l.n * r.n > CUBE_MV_MAX_TERMS)
                return lin_err(an, e->location);
            for (int i = 0; i < l.n; i++)
                for (int j = 0; j < r.n; j++) {
                    if (l.t[i].b.table >= 0 || r.t[j].b.table >= 0) {
                        err_set(an->err, ERRCODE_FEATURE_NOT_SUPPORTED, "a product of more than two columns is not supported as a measure's argument");
                        return at(an, e->location);
                    }
                    out->t[out->n++] = (cube_mv_term_t){ l.t[i].coef * r.t[j].coef, l.t[i].a, r.t[j].a };
                }
            return 0;
        }
        return lin_err(an, e->location);
    }
    default:
        return lin_err(an, node_loc(n));
    }
}

/* term_scale - the decimal scale of a term's value: -1 when it is a double. */
static int term_scale(const cube_mv_t *mv, const cube_mv_term_t *t)
{
    int s = 0;
    cube_mv_ref_t r[2] = { t->a, t->b };
    for (int k = 0; k < 2; k++) {
        if (r[k].table < 0)
            continue;
        const cube_mv_srccol_t *c = &mv->tables[r[k].table].cols[r[k].col];
        if (c->type == TYPE_FLOAT4 || c->type == TYPE_FLOAT8)
            return -1;
        if (c->type == TYPE_NUMERIC) {
            int cs = cube__numeric_scale(c->typmod);
            if (cs < 0)
                return -1;
            s += cs;
        }
    }
    return s;
}

/* minmax_type - whether min and max of type t can be a cube measure: 1 for
 * the types whose values are one int64 or double cell that orders as the
 * type does (integers, oid, numerics, floats, and date, time, timestamp and
 * timestamptz, which kiln keeps as int64 counts of days or microseconds); 0
 * for types PostgreSQL orders but a cell cannot hold (text, interval,
 * arrays); -1 where PostgreSQL has no min or max at all
 * (boolean, "char", bytea, ...), so the error can be its "does not exist". */
static int minmax_type(type_oid_t t)
{
    switch (t) {
    case TYPE_INT2: case TYPE_INT4: case TYPE_INT8: case TYPE_OID:
    case TYPE_FLOAT4: case TYPE_FLOAT8: case TYPE_NUMERIC:
    case TYPE_DATE: case TYPE_TIME: case TYPE_TIMESTAMP: case TYPE_TIMESTAMPTZ:
        return 1;
    case TYPE_TEXT: case TYPE_VARCHAR: case TYPE_BPCHAR: case TYPE_NAME: case TYPE_INTERVAL:
        return 0;
    default:
        if (type_lookup(t) && type_lookup(t)->category == 'A')
            return 0; /* PostgreSQL orders arrays element by element */
        return -1;
    }
}

/* measure_arg - fills m's argument from a parse node: a linear form for
 * sum/avg, one column for count/min/max. fn_loc is the aggregate call's
 * location (PostgreSQL's position for a function that does not exist), -1
 * when loading (cube__mv_parse_arg parses the stored argument text). */
static int measure_arg(an_t *an, cube_mv_measure_t *m, const PgQuery__Node *arg, int fn_loc)
{
    cube_mv_t *mv = an->mv;
    lin_t l;
    if (lin_of(an, arg, &l) < 0)
        return -1;
    if (l.is_const) {
        if (m->fn == CUBE_MV_COUNT) {
            m->star = true; /* count(1) */
            return 0;
        }
        err_set(an->err, ERRCODE_FEATURE_NOT_SUPPORTED, "%s of a constant is not a measure", cube__mv_fn_name(m->fn));
        return at(an, node_loc(arg));
    }
    l.n = cube__mv_canon_terms(l.t, l.n);
    if (l.n == 0) {
        err_set(an->err, ERRCODE_FEATURE_NOT_SUPPORTED, "the argument of %s is identically zero", cube__mv_fn_name(m->fn));
        return at(an, node_loc(arg));
    }
    bool single = l.n == 1 && l.t[0].coef == 1 && l.t[0].b.table < 0;
    if ((m->fn == CUBE_MV_COUNT || m->fn == CUBE_MV_MIN || m->fn == CUBE_MV_MAX) && !single) {
        err_set(an->err, ERRCODE_FEATURE_NOT_SUPPORTED, "%s over an expression is not supported as a measure",
                cube__mv_fn_name(m->fn));
        err_hint(an->err, "Use a column: %s(column).", cube__mv_fn_name(m->fn));
        return at(an, node_loc(arg));
    }
    m->nterms = l.n;
    m->terms = mem_amemdup(mv->arena, l.t, sizeof(cube_mv_term_t) * (size_t)l.n);
    m->arg = cube__mv_terms_text(mv, mv->arena, m->terms, m->nterms);
    m->arg_type = l.type;
    m->arg_nullable = false;
    m->scale = 0;
    for (int i = 0; i < l.n; i++) {
        if (cube__mv_col_nullable(mv, l.t[i].a) || (l.t[i].b.table >= 0 && cube__mv_col_nullable(mv, l.t[i].b)))
            m->arg_nullable = true;
        int s = term_scale(mv, &l.t[i]);
        if (s < 0 || m->scale < 0)
            m->scale = -1;
        else if (s > m->scale)
            m->scale = s;
    }
    if (m->fn == CUBE_MV_COUNT)
        return 0;
    if (m->fn == CUBE_MV_MIN || m->fn == CUBE_MV_MAX) {
        type_oid_t t = l.type;
        int how = minmax_type(t);
        if (how <= 0) {
            const type_info_t *ti = type_lookup(t);
            if (how < 0) {
                /* PostgreSQL's own error: it has no such aggregate to match */
                err_set(an->err, ERRCODE_UNDEFINED_FUNCTION, "function %s(%s) does not exist",
                        cube__mv_fn_name(m->fn), ti ? ti->name : "?");
                err_hint(an->err, "No function matches the given name and argument types. You might need to add "
                                  "explicit type casts.");
                return at(an, fn_loc >= 0 ? fn_loc : node_loc(arg));
            }
            err_set(an->err, ERRCODE_FEATURE_NOT_SUPPORTED, "%s(%s) is not supported as a measure",
                    cube__mv_fn_name(m->fn), ti ? ti->name : "?");
            err_detail(an->err, "Cube measures of min and max hold numbers, dates, times and timestamps.");
            err_hint(an->err, "Make the column a dimension; min and max of a dimension come from the cuboid.");
            return at(an, node_loc(arg));
        }
        if (t != TYPE_NUMERIC && t != TYPE_FLOAT4 && t != TYPE_FLOAT8)
            m->scale = 0;
        return 0;
    }
    for (int i = 0; i < l.n; i++) {
        cube_mv_ref_t r[2] = { l.t[i].a, l.t[i].b };
        for (int k = 0; k < 2; k++) {
            if (r[k].table < 0)
                continue;
            type_oid_t t = mv->tables[r[k].table].cols[r[k].col].type;
            if (!is_num_type(t)) {
                const type_info_t *ti = type_lookup(t);
                err_set(an->err, ERRCODE_UNDEFINED_FUNCTION, "function %s(%s) does not exist", cube__mv_fn_name(m->fn),
                        ti ? ti->name : "?");
                return at(an, node_loc(arg));
            }
        }
    }
    return 0;
}

static const char *default_measure_name(an_t *an, const cube_mv_measure_t *m)
{
    if (m->star)
        return cube__mv_fn_name(m->fn);
    const char *s = cube__mv_fn_name(m->fn);
    for (int i = 0; i < m->nterms; i++) {
        const cube_mv_term_t *t = &m->terms[i];
        s = mem_asprintf(an->a, "%s_%s", s, an->mv->tables[t->a.table].cols[t->a.col].name);
        if (t->b.table >= 0)
            s = mem_asprintf(an->a, "%s_%s", s, an->mv->tables[t->b.table].cols[t->b.col].name);
    }
    return s;
}

static int measure_of(an_t *an, const PgQuery__FuncCall *fc, const char *alias, int *index)
{
    cube_mv_t *mv = an->mv;
    const char *fname = fc->n_funcname > 0 ? node_sval(fc->funcname[fc->n_funcname - 1]) : NULL;
    if (fc->n_funcname == 2 && strcmp(node_sval(fc->funcname[0]) ? node_sval(fc->funcname[0]) : "", "pg_catalog") != 0)
        fname = NULL;
    cube_mv_fn_t fn = 0;
    if (fname) {
        if (strcmp(fname, "sum") == 0)
            fn = CUBE_MV_SUM;
        else if (strcmp(fname, "count") == 0)
            fn = CUBE_MV_COUNT;
        else if (strcmp(fname, "min") == 0)
            fn = CUBE_MV_MIN;
        else if (strcmp(fname, "max") == 0)
            fn = CUBE_MV_MAX;
        else if (strcmp(fname, "avg") == 0)
            fn = CUBE_MV_AVG;
    }
    if (!fn) {
        err_set(an->err, ERRCODE_FEATURE_NOT_SUPPORTED, "%s is not supported as a cube measure", fname ? fname : "this function");
        err_hint(an->err, "Measures are sum, count, min, max and avg; compute other expressions over them at query time.");
        return at(an, fc->location);
    }
    if (fc->agg_distinct) {
        err_set(an->err, ERRCODE_FEATURE_NOT_SUPPORTED, "%s(DISTINCT ...) measures are not supported yet", fname);
        err_hint(an->err, "Exact distinct counts (bitmaps) and approx_count_distinct are planned.");
        return at(an, fc->location);
    }
    if (fc->over || fc->agg_filter || fc->n_agg_order || fc->agg_within_group || fc->func_variadic) {
        err_set(an->err, ERRCODE_FEATURE_NOT_SUPPORTED, "%s with FILTER, ORDER BY or OVER is not supported as a cube measure", fname);
        return at(an, fc->location);
    }
    cube_mv_measure_t m = { 0 };
    m.fn = fn;
    m.location = fc->location;
    m.cube_measure = -1;
    m.sum_m = m.count_m = -1;
    if (fc->agg_star) {
        if (fn != CUBE_MV_COUNT) {
            err_set(an->err, ERRCODE_SYNTAX_ERROR, "%s(*) specified, but %s is not an aggregate function", fname, fname);
            return at(an, fc->location);
        }
        m.star = true;
    } else {
        if (fc->n_args != 1) {
            err_set(an->err, ERRCODE_UNDEFINED_FUNCTION, "function %s with %d arguments does not exist", fname, (int)fc->n_args);
            return at(an, fc->location);
        }
        if (measure_arg(an, &m, fc->args[0], fc->location) < 0)
            return -1;
    }
    m.name = alias ? mem_astrdup(mv->arena, alias) : default_measure_name(an, &m);
    /* the same aggregate twice would be the same stored column */
    for (int i = 0; i < mv->nmeasures; i++) {
        const cube_mv_measure_t *o = &mv->measures[i];
        if (o->fn == m.fn && o->star == m.star && o->nterms == m.nterms &&
            (m.star || memcmp(o->terms, m.terms, sizeof(cube_mv_term_t) * (size_t)m.nterms) == 0)) {
            err_set(an->err, ERRCODE_INVALID_OBJECT_DEFINITION, "measure %s(%s) appears twice in the cube", fname,
                    m.star ? "*" : m.arg);
            return at(an, fc->location);
        }
    }
    mv->measures[mv->nmeasures] = m;
    *index = mv->nmeasures++;
    return 0;
}

/* ---- the statement ---- */

static int check_name(an_t *an, const char *name, int loc)
{
    cube_mv_t *mv = an->mv;
    for (int i = 0; i < mv->ncolumns; i++) {
        const cube_mv_output_t *o = &mv->columns[i];
        const char *n = o->is_dim ? mv->dims[o->index].name : mv->measures[o->index].name;
        if (strcmp(n, name) == 0) {
            err_set(an->err, ERRCODE_DUPLICATE_COLUMN, "column \"%s\" specified more than once", name);
            err_hint(an->err, "Give the columns different names with AS.");
            return at(an, loc);
        }
    }
    return 0;
}

static int analyze_options(an_t *an, const PgQuery__IntoClause *into, bool *rowkey_set)
{
    cube_mv_t *mv = an->mv;
    mv->options = MEM_NEW_N(an->a, meta_option_t, into->n_options + 4);
    for (size_t i = 0; i < into->n_options; i++) {
        const PgQuery__Node *n = into->options[i];
        if (n->node_case != PG_QUERY__NODE__NODE_DEF_ELEM)
            continue;
        const PgQuery__DefElem *d = n->def_elem;
        const char *val = NULL;
        char buf[64];
        if (d->arg && d->arg->node_case == PG_QUERY__NODE__NODE_STRING)
            val = d->arg->string->sval;
        else if (d->arg && d->arg->node_case == PG_QUERY__NODE__NODE_INTEGER) {
            snprintf(buf, sizeof buf, "%d", (int)d->arg->integer->ival);
            val = buf;
        } else if (d->arg && d->arg->node_case == PG_QUERY__NODE__NODE_TYPE_NAME && d->arg->type_name->n_names > 0)
            val = node_sval(d->arg->type_name->names[d->arg->type_name->n_names - 1]);
        if (!val) {
            err_set(an->err, ERRCODE_INVALID_PARAMETER_VALUE, "option \"%s\" needs a value", d->defname);
            return at(an, d->location);
        }
        if (strcmp(d->defname, "rowkey") == 0) {
            /* a comma-separated list of dimension names, resolved after the dims exist */
            *rowkey_set = true;
        } else if (strcmp(d->defname, "partition_column") != 0) {
            err_set(an->err, ERRCODE_INVALID_PARAMETER_VALUE, "unrecognized parameter \"%s\"", d->defname);
            err_hint(an->err, "Cube options are rowkey and partition_column.");
            return at(an, d->location);
        }
        mv->options[mv->noptions++] = (meta_option_t){ mem_astrdup(an->a, d->defname), mem_astrdup(an->a, val) };
    }
    return 0;
}

/* set_rowkey - the dimensions the rowkey option lists, in order; returns
 * how many (cube__mv_finish appends the others in the default order). */
static int set_rowkey(an_t *an, const char *list)
{
    cube_mv_t *mv = an->mv;
    int n = 0;
    bool seen[CUBE_MAX_DIMS] = { false };
    const char *p = list;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        if (!*p)
            break;
        const char *s = p;
        while (*p && *p != ',')
            p++;
        const char *e = p;
        while (e > s && e[-1] == ' ')
            e--;
        char *name = mem_astrndup(an->a, s, (size_t)(e - s));
        int d = -1;
        for (int i = 0; i < mv->ndims; i++)
            if (strcmp(mv->dims[i].name, name) == 0)
                d = i;
        if (d < 0) {
            err_set(an->err, ERRCODE_UNDEFINED_COLUMN, "rowkey names \"%s\", which is not a dimension of the cube", name);
            return -1;
        }
        if (!seen[d]) {
            seen[d] = true;
            mv->rowkey[n++] = d;
        }
    }
    return n;
}

int cube__mv_parse_arg(cube_mv_t *mv, const char *text, cube_mv_measure_t *m, err_t *err)
{
    char *sql = mem_asprintf(mv->arena, "SELECT %s", text);
    PgQueryProtobufParseResult r = pg_query_parse_protobuf(sql);
    if (r.error) {
        err_set(err, ERRCODE_DATA_CORRUPTED, "stored measure argument \"%s\" of cube \"%s\" does not parse: %s", text,
                mv->name, r.error->message);
        pg_query_free_protobuf_parse_result(r);
        return -1;
    }
    PgQuery__ParseResult *pr = pg_query__parse_result__unpack(NULL, r.parse_tree.len, (const uint8_t *)r.parse_tree.data);
    pg_query_free_protobuf_parse_result(r);
    if (!pr)
        return err_set(err, ERRCODE_INTERNAL_ERROR, "could not decode the parse tree");
    int rc = -1;
    const PgQuery__Node *st = pr->n_stmts == 1 ? pr->stmts[0]->stmt : NULL;
    if (st && st->node_case == PG_QUERY__NODE__NODE_SELECT_STMT && st->select_stmt->n_target_list == 1 &&
        st->select_stmt->target_list[0]->node_case == PG_QUERY__NODE__NODE_RES_TARGET) {
        an_t an = { .mv = mv, .a = mv->arena, .sql = NULL, .err = err };
        rc = measure_arg(&an, m, st->select_stmt->target_list[0]->res_target->val, -1);
    } else {
        err_set(err, ERRCODE_DATA_CORRUPTED, "stored measure argument \"%s\" of cube \"%s\" is not an expression", text,
                mv->name);
    }
    pg_query__parse_result__free_unpacked(pr, NULL);
    return rc;
}

int cube_mv_analyze(const meta_catalog_t *cat, const struct PgQuery__CreateTableAsStmt *stmt, const char *sql,
                    const cube_mv_opts_t *opts, cube_mv_t **out, err_t *err)
{
    *out = NULL;
    cube_mv_opts_t o = opts ? *opts : (cube_mv_opts_t){ 0 };
    if (!o.schema)
        o.schema = "public";
    if (stmt->objtype != PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW || !stmt->into || !stmt->into->rel)
        return err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "CREATE TABLE AS is not supported by kiln; cubes are materialized views");
    const PgQuery__RangeVar *rel = stmt->into->rel;
    const char *schema = rel->schemaname && *rel->schemaname ? rel->schemaname : o.schema;
    cube_mv_t *mv = cube__mv_new(schema, rel->relname);
    an_t an = { .mv = mv, .a = mv->arena, .cat = cat, .sql = sql, .schema = o.schema, .offset = o.offset, .err = err };
    const meta_schema_t *sch = meta_catalog_schema(cat, schema);
    if (!sch) {
        err_set(err, ERRCODE_UNDEFINED_SCHEMA, "schema \"%s\" does not exist", schema);
        at(&an, rel->location);
        goto fail;
    }
    mv->schema_id = sch->h.id;
    if (!stmt->query || stmt->query->node_case != PG_QUERY__NODE__NODE_SELECT_STMT) {
        err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "a cube is defined by a SELECT ... GROUP BY query");
        goto fail;
    }
    const PgQuery__SelectStmt *sel = stmt->query->select_stmt;
    if (sel->op != PG_QUERY__SET_OPERATION__SETOP_NONE || sel->n_values_lists || sel->with_clause ||
        sel->n_distinct_clause || sel->having_clause || sel->n_sort_clause || sel->limit_count ||
        sel->limit_offset || sel->n_window_clause || sel->into_clause || sel->n_locking_clause) {
        err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED,
                "a cube's query is SELECT dimensions, measures FROM fact JOIN lookups GROUP BY ...");
        err_detail(err, "UNION, WITH, DISTINCT, HAVING, ORDER BY, LIMIT and windows are applied at query time, not in the cube.");
        goto fail;
    }
    if (sel->n_from_clause == 0) {
        err_set(err, ERRCODE_INVALID_OBJECT_DEFINITION, "a cube needs a fact table in FROM");
        goto fail;
    }
    mv->tables = MEM_NEW_N(mv->arena, cube_mv_table_t, CUBE_MV_MAX_TABLES);
    if (from_item(&an, sel->from_clause[0]) < 0)
        goto fail;
    int first_comma = mv->ntables;
    for (size_t i = 1; i < sel->n_from_clause; i++) {
        const PgQuery__Node *n = sel->from_clause[i];
        if (n->node_case != PG_QUERY__NODE__NODE_RANGE_VAR) {
            err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "after a comma in FROM a cube accepts only tables joined in WHERE");
            goto fail;
        }
        if (add_table(&an, n->range_var) < 0)
            goto fail;
    }
    if (sel->where_clause || first_comma < mv->ntables)
        if (where_joins(&an, sel->where_clause, first_comma) < 0)
            goto fail;
    /* nullability: a LEFT join anywhere on the path from the fact table */
    for (int t = 1; t < mv->ntables; t++)
        mv->tables[t].nullable = mv->tables[t].left || mv->tables[mv->tables[t].parent].nullable;
    if (cube__mv_filter_where(mv, sel->where_clause, sql, o.offset, err) < 0)
        goto fail;

    if (sel->n_group_clause == 0) {
        err_set(err, ERRCODE_INVALID_OBJECT_DEFINITION, "a cube needs GROUP BY: its columns are the dimensions");
        goto fail;
    }
    /* PostgreSQL reports the select list's unknown columns before GROUP BY's */
    for (size_t i = 0; i < sel->n_target_list; i++) {
        const PgQuery__Node *tn = sel->target_list[i];
        cube_mv_ref_t r;
        if (tn->node_case == PG_QUERY__NODE__NODE_RES_TARGET && tn->res_target->val &&
            tn->res_target->val->node_case == PG_QUERY__NODE__NODE_COLUMN_REF) {
            const PgQuery__ColumnRef *cr = tn->res_target->val->column_ref;
            if (cr->n_fields > 0 && cr->fields[cr->n_fields - 1]->node_case != PG_QUERY__NODE__NODE_A_STAR &&
                resolve(&an, cr, cr->location, mv->ntables, &r) < 0)
                goto fail;
        }
    }
    if (translate_groups(&an, sel) < 0)
        goto fail;

    bool rowkey_set = false;
    if (analyze_options(&an, stmt->into, &rowkey_set) < 0)
        goto fail;

    /* dimensions: every grouping column; select-list aliases name them */
    mv->dims = MEM_NEW_N(mv->arena, cube_mv_dim_t, an.ngcols + 1);
    mv->ndims = an.ngcols;
    for (int d = 0; d < an.ngcols; d++) {
        cube_mv_ref_t r = an.gcols[d];
        const cube_mv_srccol_t *c = &mv->tables[r.table].cols[r.col];
        mv->dims[d] = (cube_mv_dim_t){ c->name, r, c->type, c->typmod };
    }
    size_t ntargets = sel->n_target_list;
    mv->measures = MEM_NEW_N(mv->arena, cube_mv_measure_t, 2 * ntargets + 2 * CUBE_MAX_DIMS + 4);
    mv->columns = MEM_NEW_N(mv->arena, cube_mv_output_t, ntargets + 1);
    bool dim_named[CUBE_MAX_DIMS] = { false };
    for (size_t i = 0; i < ntargets; i++) {
        const PgQuery__Node *tn = sel->target_list[i];
        if (tn->node_case != PG_QUERY__NODE__NODE_RES_TARGET || !tn->res_target->val)
            continue;
        const PgQuery__ResTarget *rt = tn->res_target;
        const char *alias = rt->name && *rt->name ? rt->name : NULL;
        const PgQuery__Node *v = rt->val;
        if (stmt->into->n_col_names > i)
            alias = node_sval(stmt->into->col_names[i]);
        if (v->node_case == PG_QUERY__NODE__NODE_COLUMN_REF) {
            const PgQuery__ColumnRef *cr = v->column_ref;
            if (cr->n_fields > 0 && cr->fields[cr->n_fields - 1]->node_case == PG_QUERY__NODE__NODE_A_STAR) {
                err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "SELECT * is not supported in a cube definition");
                err_hint(err, "List the dimensions and the measures.");
                at(&an, cr->location);
                goto fail;
            }
            cube_mv_ref_t r;
            if (resolve(&an, cr, cr->location, mv->ntables, &r) < 0)
                goto fail;
            int d = -1;
            for (int k = 0; k < an.ngcols; k++)
                if (ref_cmp(an.gcols[k], r) == 0)
                    d = k;
            if (d < 0) {
                err_set(err, ERRCODE_GROUPING_ERROR, "column \"%s\" must appear in the GROUP BY clause or be used in an aggregate function",
                        cube__mv_ref_text(mv, mv->arena, r));
                err_detail(err, "In a cube every selected column is a dimension, and dimensions are the GROUP BY columns.");
                at(&an, cr->location);
                goto fail;
            }
            const char *name = alias ? mem_astrdup(mv->arena, alias) : mv->dims[d].name;
            if (dim_named[d] && strcmp(name, mv->dims[d].name) != 0) {
                err_set(err, ERRCODE_INVALID_OBJECT_DEFINITION, "dimension %s is selected twice under different names",
                        cube__mv_ref_text(mv, mv->arena, r));
                at(&an, cr->location);
                goto fail;
            }
            if (!dim_named[d] && check_name(&an, name, rt->location) < 0)
                goto fail;
            if (!dim_named[d]) {
                mv->dims[d].name = name;
                dim_named[d] = true;
                mv->columns[mv->ncolumns++] = (cube_mv_output_t){ true, d };
            }
            continue;
        }
        if (v->node_case == PG_QUERY__NODE__NODE_FUNC_CALL) {
            int m = -1;
            if (measure_of(&an, v->func_call, alias, &m) < 0)
                goto fail;
            if (check_name(&an, mv->measures[m].name, rt->location) < 0)
                goto fail;
            mv->columns[mv->ncolumns++] = (cube_mv_output_t){ false, m };
            continue;
        }
        err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "a cube's select list holds grouping columns and aggregates only");
        err_hint(err, "Compute expressions over dimensions or aggregates at query time.");
        at(&an, node_loc(v) >= 0 ? node_loc(v) : rt->location);
        goto fail;
    }
    if (stmt->into->n_col_names > (size_t)mv->ncolumns) {
        err_set(err, ERRCODE_SYNTAX_ERROR, "too many column names were specified");
        goto fail;
    }
    /* grouping columns that are not selected keep their column names; they
     * must not collide with the selected ones */
    for (int d = 0; d < mv->ndims; d++)
        if (!dim_named[d])
            for (int e = 0; e < mv->ndims; e++)
                if (e != d && strcmp(mv->dims[e].name, mv->dims[d].name) == 0) {
                    err_set(err, ERRCODE_DUPLICATE_COLUMN, "dimension name \"%s\" is used twice", mv->dims[d].name);
                    err_hint(err, "Select the column with an alias: SELECT %s AS another_name.",
                             cube__mv_ref_text(mv, mv->arena, mv->dims[d].ref));
                    at(&an, an.gloc[d]);
                    goto fail;
                }
    const char *rk = meta_option_get(mv->options, (size_t)mv->noptions, "rowkey");
    if (rk) {
        int n = set_rowkey(&an, rk);
        if (n < 0)
            goto fail;
        /* mark: cube__mv_finish completes a partial rowkey */
        for (int i = n; i < CUBE_MAX_DIMS; i++)
            mv->rowkey[i] = -1;
    }
    mv->definition = mem_astrdup(mv->arena, sql ? sql : "");
    if (cube__mv_finish(mv, o.max_combination, rk != NULL, err) < 0)
        goto fail;
    *out = mv;
    return 0;
fail:
    cube_mv_free(mv);
    return -1;
}

PgQuery__ParseResult *cube__parse_ctas(const char *sql, const cube_mv_opts_t *opts, PgQuery__CreateTableAsStmt **ctas,
                                       err_t *err)
{
    *ctas = NULL;
    PgQueryProtobufParseResult r = pg_query_parse_protobuf(sql);
    if (r.error) {
        err_set(err, ERRCODE_SYNTAX_ERROR, "%s", r.error->message);
        err_position(err, r.error->cursorpos + (opts ? opts->offset : 0));
        pg_query_free_protobuf_parse_result(r);
        return NULL;
    }
    PgQuery__ParseResult *pr = pg_query__parse_result__unpack(NULL, r.parse_tree.len, (const uint8_t *)r.parse_tree.data);
    pg_query_free_protobuf_parse_result(r);
    if (!pr) {
        err_set(err, ERRCODE_INTERNAL_ERROR, "could not decode the parse tree");
        return NULL;
    }
    if (pr->n_stmts != 1 || !pr->stmts[0]->stmt ||
        pr->stmts[0]->stmt->node_case != PG_QUERY__NODE__NODE_CREATE_TABLE_AS_STMT)
        err_set(err, ERRCODE_SYNTAX_ERROR, "expected one CREATE MATERIALIZED VIEW statement");
    else
        *ctas = pr->stmts[0]->stmt->create_table_as_stmt;
    return pr;
}

int cube_mv_parse(const meta_catalog_t *cat, const char *sql, const cube_mv_opts_t *opts, cube_mv_t **out, err_t *err)
{
    *out = NULL;
    PgQuery__CreateTableAsStmt *ctas;
    PgQuery__ParseResult *pr = cube__parse_ctas(sql, opts, &ctas, err);
    int rc = ctas ? cube_mv_analyze(cat, ctas, sql, opts, out, err) : -1;
    if (pr)
        pg_query__parse_result__free_unpacked(pr, NULL);
    return rc;
}
