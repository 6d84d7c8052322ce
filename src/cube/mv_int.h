/*
 * mv_int.h - the analyzed form of a cube declared as a materialized view,
 * shared by the SQL side of src/cube (mv*.c, cubejob*.c, match*.c).
 *
 * A cube_mv_t is the model (fact table, lookups and their equi-joins), the
 * dimensions (each a column of a model table), the measures (sum / count /
 * min / max / avg over a column or a linear form of columns and products of
 * two columns), the aggregation groups and the finalized cube_def_t. It is
 * built either from the CREATE MATERIALIZED VIEW parse tree (mv.c) or from
 * the metastore rows that statement wrote (mv_meta.c), and lives in its own
 * arena; it is immutable afterwards and may be shared by threads.
 */
#ifndef CUBE_MV_INT_H
#define CUBE_MV_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "common/mem.h"
#include "cube/cube.h"
#include "cube/match.h"
#include "cube/mv.h"
#include "meta/meta.h"
#include "types/types.h"

#define CUBE_MV_MAX_TABLES 64
#define CUBE_MV_MAX_KEYS 8
#define CUBE_MV_MAX_TERMS 16

/* A column of one source table, as the catalog declares it. */
typedef struct cube_mv_srccol {
    const char *name;
    type_oid_t type;
    int32_t typmod;
    bool not_null;
} cube_mv_srccol_t;

/* A table of the model: the fact table (index 0) or a lookup joined to an
 * earlier table (its parent: the fact, or another lookup in a snowflake). */
typedef struct cube_mv_table {
    const char *alias;
    const char *schema;
    const char *name;
    int64_t table_id;
    int ncols;
    cube_mv_srccol_t *cols;
    int parent;      /* -1 for the fact table */
    bool left;       /* LEFT JOIN (else INNER) */
    bool nullable;   /* its columns may be NULL in the joined rows (a LEFT join on its path) */
    int nkeys;
    int fk[CUBE_MV_MAX_KEYS]; /* column indexes in the parent */
    int pk[CUBE_MV_MAX_KEYS]; /* column indexes in this table */
} cube_mv_table_t;

/* A column of the model: table index and column index in it. */
typedef struct cube_mv_ref {
    int table;
    int col;
} cube_mv_ref_t;

/* One term of a linear form: coef * a [* b]; b.table < 0 when absent. */
typedef struct cube_mv_term {
    int64_t coef;
    cube_mv_ref_t a, b;
} cube_mv_term_t;

typedef enum cube_mv_fn {
    CUBE_MV_SUM = 1,
    CUBE_MV_COUNT,
    CUBE_MV_MIN,
    CUBE_MV_MAX,
    CUBE_MV_AVG, /* derived: sum / count */
} cube_mv_fn_t;

typedef struct cube_mv_dim {
    const char *name;
    cube_mv_ref_t ref;
    type_oid_t type;
    int32_t typmod;
} cube_mv_dim_t;

typedef struct cube_mv_measure {
    const char *name;
    cube_mv_fn_t fn;
    bool star;               /* count(*) */
    int nterms;
    cube_mv_term_t *terms;   /* canonical: sorted, merged, coef != 0 */
    const char *arg;         /* canonical SQL text of the argument, NULL for count(*) */
    type_oid_t arg_type;     /* PostgreSQL's type of the argument expression */
    int scale;               /* stored as int64 * 10^scale (0 for integers); -1: stored as double */
    bool arg_nullable;       /* the argument may be NULL in joined rows */
    type_oid_t result_type;  /* PostgreSQL's result type of the aggregate */
    bool hidden;             /* added by kiln (count for avg / nullable sums), not a view column */
    int cube_measure;        /* index in def; -1 for avg */
    int sum_m, count_m;      /* avg: its sum and count measures (indexes in measures) */
    int location;            /* byte offset in the definition, -1 when loaded */
} cube_mv_measure_t;

typedef struct cube_mv_output {
    bool is_dim;
    int index;
} cube_mv_output_t;

/* One aggregation group as the SQL wrote it. */
typedef struct cube_mv_group {
    int nmand, *mand;
    int nhier, *hier_len, **hier;
    int njoint, *joint_len, **joint;
    int nnormal, *normal;
} cube_mv_group_t;

struct cube_mv {
    mem_arena_t *arena;
    const char *schema;
    const char *name;
    int64_t schema_id;
    int64_t cube_id, cube_version, model_id;
    const char *definition;
    int ntables;
    cube_mv_table_t *tables;
    int ndims;
    cube_mv_dim_t *dims;
    int nmeasures;
    cube_mv_measure_t *measures;
    int ncolumns;
    cube_mv_output_t *columns;
    int ngroups;
    cube_mv_group_t *groups;
    int rowkey[CUBE_MAX_DIMS];
    int noptions;
    meta_option_t *options;
    cube_def_t *def; /* finalized */
    /* The model filter: the definition's WHERE conjuncts other than join
     * equalities, normalized (cube__filter_norm: NOT at the leaves, ANDs
     * flattened, BETWEEN as >= AND <=), leaf columns as col.table = model
     * table index, col.column = its column name. Only rows for which it is
     * true enter the cube. NULL: no filter. */
    const cube_q_pred_t *filter;
    const char *filter_text; /* its canonical text, stored as cube option kiln.filter */
};

/* cube__mv_new - an empty cube_mv_t in a fresh arena (freed by cube_mv_free). */
cube_mv_t *cube__mv_new(const char *schema, const char *name);
/* cube__mv_finish - computes hidden measures, result types, the default
 * rowkey (unless set) and builds + finalizes def. */
int cube__mv_finish(cube_mv_t *mv, int64_t max_combination, bool rowkey_set, err_t *err);
/* cube__mv_canon_terms - sorts and merges terms in place; returns the new count. */
int cube__mv_canon_terms(cube_mv_term_t *t, int n);
/* cube__mv_terms_text - canonical SQL text of a linear form (alias.column). */
const char *cube__mv_terms_text(const cube_mv_t *mv, mem_arena_t *a, const cube_mv_term_t *t, int n);
/* cube__mv_ref_text - "alias.column" (identifiers quoted when needed). */
const char *cube__mv_ref_text(const cube_mv_t *mv, mem_arena_t *a, cube_mv_ref_t r);
/* cube__mv_col_nullable - whether a model column may be NULL in joined rows. */
bool cube__mv_col_nullable(const cube_mv_t *mv, cube_mv_ref_t r);
/* cube__mv_fn_name - "sum", "count", ... */
const char *cube__mv_fn_name(cube_mv_fn_t fn);
/* cube__mv_type_name - PostgreSQL's name of a type with typmod ("numeric(15,2)"). */
const char *cube__mv_type_name(mem_arena_t *a, type_oid_t t, int32_t typmod);
/* cube__type_from_name - OID of a catalog type name, 0 when unknown. */
type_oid_t cube__type_from_name(const char *name);
/* cube__numeric_scale - decimal scale of a numeric typmod, -1 when unconstrained. */
int cube__numeric_scale(int32_t typmod);
/* cube__minmax_cell, cube__minmax_value - a min/max measure's int64 cell
 * of a value of type t and back. The all-NULL sentinels (INT64_MAX for min,
 * INT64_MIN for max: storage/segment.h) are also the timestamp and
 * timestamptz infinities, so those two are kept one step inside them
 * (no finite timestamp comes near); every other value is its own cell. */
int64_t cube__minmax_cell(type_oid_t t, int64_t v);
int64_t cube__minmax_value(type_oid_t t, int64_t cell);
/* cube__find_table_col - column index by name, -1 when absent. */
int cube__table_col(const cube_mv_table_t *t, const char *name);
/* cube__mv_parse_arg - m's argument from its stored text ("a.x * a.y"),
 * resolved against mv's tables (m->fn must be set). */
int cube__mv_parse_arg(cube_mv_t *mv, const char *text, cube_mv_measure_t *m, err_t *err);
/* cube__promote - PostgreSQL's result type of + - * over two numeric types. */
type_oid_t cube__promote(type_oid_t x, type_oid_t y);
/* cube__parse_ctas - parses sql as one CREATE MATERIALIZED VIEW; *ctas points
 * into the returned tree (free it with pg_query__parse_result__free_unpacked,
 * NULL ok) and is NULL with err set (42601) when sql is anything else. */
struct PgQuery__ParseResult;
struct PgQuery__CreateTableAsStmt;
struct PgQuery__ParseResult *cube__parse_ctas(const char *sql, const cube_mv_opts_t *opts,
                                              struct PgQuery__CreateTableAsStmt **ctas, err_t *err);
/* cube__result_type - PostgreSQL's type of fn(argument of type arg_type). */
type_oid_t cube__result_type(cube_mv_fn_t fn, type_oid_t arg_type);
/* cube__load_table - fills a model table's columns from the catalog. */
int cube__load_table(mem_arena_t *a, const meta_catalog_t *cat, const meta_table_t *mt, cube_mv_table_t *t);

/* cube__mv_filter_where - the model filter of mv from the WHERE of its
 * definition (the conjuncts that are not `column = column` join
 * equalities), into mv->filter and mv->filter_text; no WHERE or only joins:
 * filter NULL. sql/offset place error positions (sql NULL: none). Errors:
 * 0A000 for a condition a cube cannot filter by, 42883 / 22P02 for a
 * constant that does not fit its column, with the position. */
struct PgQuery__Node;
struct PgQuery__SelectStmt;
/* cube__mv_def_select - the SELECT of the CREATE MATERIALIZED VIEW name
 * among a stored definition's statements (the client's whole query string
 * is stored, so it may hold others), or NULL. */
const struct PgQuery__SelectStmt *cube__mv_def_select(const struct PgQuery__ParseResult *pr, const char *name);
int cube__mv_filter_where(cube_mv_t *mv, const struct PgQuery__Node *where, const char *sql, int offset, err_t *err);
/* cube__mv_load_filter - mv->filter again from the stored definition text
 * (cube_mv_load, when the cube's options say it has one: kiln.filter =
 * expected text). XX001 when the definition no longer yields that filter. */
int cube__mv_load_filter(cube_mv_t *mv, const char *expected, err_t *err);

/* ---- model filters (mv_filter.c) ---- */

/* cube__filter_norm - p with NOT pushed to the leaves (exact under SQL's
 * three-valued logic), nested ANDs / ORs flattened, BETWEEN as
 * (>= AND <=), IN of one value as =; in a. Query WHEREs and model filters
 * are compared in this form. */
const cube_q_pred_t *cube__filter_norm(mem_arena_t *a, const cube_q_pred_t *p);
/* cube__filter_conjuncts - the top-level conjuncts of a normalized p into
 * out (at most max; -1 when there are more). */
int cube__filter_conjuncts(const cube_q_pred_t *p, const cube_q_pred_t **out, int max);
/* cube__filter_equal - whether model filter conjunct f (model columns) and
 * query conjunct q (query columns, assign: query table -> model table) are
 * the same condition: same tree (the arguments of AND / OR in any order),
 * operators, columns and constants (equal values of one type family; IN
 * lists as sets). A leaf reading an execution value ($n) is never equal. */
bool cube__filter_equal(const cube_mv_t *mv, const cube_q_pred_t *f, const cube_q_pred_t *q, const int *assign);
/* cube__filter_text - canonical SQL text of a model filter (alias.column). */
const char *cube__filter_text(const cube_mv_t *mv, mem_arena_t *a, const cube_q_pred_t *p);
/* cube__filter_leaf - a leaf of a filter on a value v of column type ct:
 * 1 true, 0 false, -1 unknown (NULL), as SQL evaluates it. */
int cube__filter_leaf(const cube_q_pred_t *leaf, type_oid_t ct, const value_t *v);
/* cube__filter_comparable - whether a column of type ct can be compared
 * with a constant of type kt by cube__filter_leaf. */
bool cube__filter_comparable(type_oid_t ct, type_oid_t kt);

#endif
