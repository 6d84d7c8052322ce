/*
 * mv.h - cubes declared as SQL materialized views: analysis and validation
 * of CREATE MATERIALIZED VIEW, the metastore rows it becomes, DROP, and the
 * view's column list.
 *
 *   CREATE MATERIALIZED VIEW ssb WITH (rowkey = 'd_year, c_region') AS
 *   SELECT d_year, c_region, c_nation, sum(lo_revenue) AS revenue,
 *          sum(lo_extendedprice * lo_discount), count(*)
 *   FROM lineorder JOIN dates ON lo_orderdate = d_datekey
 *                  LEFT JOIN customer ON lo_custkey = c_custkey
 *   GROUP BY GROUPING SETS (ROLLUP (c_region, c_nation), CUBE (d_year));
 *
 * The model: the first FROM item is the fact table; every JOIN adds a lookup
 * (INNER or LEFT) whose ON condition is an AND of equalities between its
 * columns (the key) and columns of a table already joined (the fact table,
 * or a lookup: a snowflake). USING (cols) works too. The lookup's join
 * columns are its key: the build checks they are unique (a duplicate would
 * multiply fact rows) and fails naming the key otherwise.
 *
 * Model filter: WHERE conjuncts other than the `column = column`
 * equalities of comma joins (Kylin's filter condition of a data model):
 * columns of the model's tables compared with constants (=, <>, <, <=, >,
 * >=, BETWEEN, IN (list), IS [NOT] NULL, a bare boolean column or IS [NOT]
 * TRUE / FALSE / UNKNOWN of one, AND / OR / NOT of these; a timestamptz
 * constant with its offset). Only rows for which it is true (NULL is not) enter the
 * cube; a query over the source tables is answered from the cube only when
 * its WHERE includes every conjunct of the filter (src/cube/README.md,
 * "Model filter"). Anything else there (LIKE, functions, two columns,
 * subqueries) is 0A000 at the condition; a constant that does not fit its
 * column is 42883 or 22P02.
 *
 * Dimensions: every grouping column (a select-list alias renames it).
 * Aggregation groups, Kylin's in SQL (see src/cube/README.md):
 *   plain column             mandatory in every group of the GROUP BY
 *   ROLLUP (a, b, c)         hierarchy a > b > c
 *   CUBE (a, (b, c), d)      normal a and d, joint (b, c)
 *   GROUPING SETS (g1, ...)  one group per element (each element a column,
 *                            (a, b) = mandatory pair, CUBE, ROLLUP or ())
 * Items of GROUP BY multiply as SQL says (GROUP BY m, CUBE (a, b) puts m in
 * every group), so GROUPING SETS (...) next to other items distributes.
 *
 * Measures: sum, count(*), count(col), min(col), max(col), avg(x) (kept as
 * sum(x) and count(x)); sum's argument may be a linear form of columns and
 * products of two columns with integer coefficients
 * (sum(lo_extendedprice * lo_discount), sum(lo_revenue - lo_supplycost)).
 * min and max take integers, oid, numeric, floats, date, time, timestamp and
 * timestamptz (max(order_date) AS last_order): the view's column and query
 * results have the column's type, NULL inputs are skipped and a group with
 * none but NULLs answers NULL. Over text, char(n), varchar, interval or an
 * array they are 0A000; over boolean, bytea and other types PostgreSQL has
 * no min/max for, its 42883 "function min(boolean) does not exist".
 * kiln adds a hidden count(x) beside sum(x) when x may be NULL, so an
 * all-NULL group answers NULL as PostgreSQL does. Unaliased aggregates are
 * named <function>_<columns> (sum_lo_revenue, count for count(*)).
 *
 * Options (WITH): rowkey = 'dim, dim, ...' (sort order of cuboid rows:
 * filtered, low-cardinality dimensions first; default: mandatory
 * dimensions, then hierarchy levels top level first, then the others),
 * partition_column = 'col' (recorded for time-range builds). Others are
 * refused (22023) so typos do not pass silently.
 *
 * Errors (SQLSTATE, position of the offending expression where there is
 * one): 42703 unknown column, 42702 ambiguous, 42P01 unknown table or alias,
 * 42P17 a join that is not an equi-join to the new table / a dimension in
 * two roles of one group / a select item that is neither grouped nor an
 * aggregate, 42883 sum or min/max of a type PostgreSQL has none for (at the
 * argument, resp. the call), 0A000 unsupported measure, join type or expression, 54000 a
 * group over kylin.cube.aggrgroup.max-combination, 54011 over 63
 * dimensions, 42P07 the name is taken.
 *
 * Threads: analysis only reads the catalog snapshot it is given; create,
 * drop and load block on the metastore (worker threads, as meta.h says).
 */
#ifndef CUBE_MV_H
#define CUBE_MV_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"
#include "common/mem.h"
#include "cube/cube.h"
#include "meta/meta.h"
#include "types/types.h"

struct PgQuery__CreateTableAsStmt;

typedef struct cube_mv cube_mv_t;

typedef struct cube_mv_opts {
    const char *schema;       /* schema of unqualified names; NULL: "public" */
    int offset;               /* added to error positions (statement offset in the query string) */
    int64_t max_combination;  /* kylin.cube.aggrgroup.max-combination; 0: 32768 */
    const char *storage_root; /* cube storage root (drop removes <root>/<cube>/...) */
} cube_mv_opts_t;

/* cube_mv_analyze - validates the statement against the catalog snapshot and
 * returns the analyzed cube (free with cube_mv_free). sql is the statement
 * text the parse tree came from (positions are byte offsets into it). */
int cube_mv_analyze(const meta_catalog_t *cat, const struct PgQuery__CreateTableAsStmt *stmt, const char *sql,
                    const cube_mv_opts_t *opts, cube_mv_t **out, err_t *err) MUST_CHECK;
/* cube_mv_parse - parses sql (one CREATE MATERIALIZED VIEW statement) with
 * libpg_query and analyzes it (tests, tools). */
int cube_mv_parse(const meta_catalog_t *cat, const char *sql, const cube_mv_opts_t *opts, cube_mv_t **out,
                  err_t *err) MUST_CHECK;
void cube_mv_free(cube_mv_t *mv); /* NULL ok */

/* cube_mv_create - analyzes and stores the model and the cube (status
 * "disabled" until a refresh publishes a segment) in one metastore
 * transaction (events appended by meta_put), then refreshes the store's
 * catalog snapshot. IF NOT EXISTS with the name taken: *skipped = true and
 * 0 (the caller sends PostgreSQL's NOTICE). skipped may be NULL. */
int cube_mv_create(meta_store_t *s, const struct PgQuery__CreateTableAsStmt *stmt, const char *sql,
                   const cube_mv_opts_t *opts, bool *skipped, err_t *err) MUST_CHECK;
/* cube_mv_create_sql - cube_mv_create from text (tests, tools). */
int cube_mv_create_sql(meta_store_t *s, const char *sql, const cube_mv_opts_t *opts, err_t *err) MUST_CHECK;

/* cube_mv_drop - DROP MATERIALIZED VIEW: deletes the cube, its model, its
 * segment rows (one transaction), then the segment directories under
 * opts->storage_root. 42P01 when absent unless missing_ok (then *skipped).
 * A job building it meanwhile fails at publish (its cube row is gone). */
int cube_mv_drop(meta_store_t *s, const char *schema, const char *name, bool missing_ok, const cube_mv_opts_t *opts,
                 bool *skipped, err_t *err) MUST_CHECK;

/* cube_mv_sweep - removes the directories under storage_root of cubes the
 * metastore no longer has: a DROP sent to a node that cannot write the
 * storage (kylin.server.mode=query: read-only) removes only the metadata,
 * and a node that writes it calls this after each metadata sync. The
 * directories are listed before the metastore is read, so a cube created
 * meanwhile (its row is committed before its first build makes its
 * directory) is never taken for dropped; nothing is removed when the
 * metastore cannot be read. Returns the directories removed, -1 on error. */
int cube_mv_sweep(meta_store_t *s, const char *storage_root, err_t *err);

/* cube_mv_load - the analyzed cube from its metastore rows and the catalog
 * snapshot (the tables' current columns). */
int cube_mv_load(const meta_catalog_t *cat, const meta_cube_t *cube, cube_mv_t **out, err_t *err) MUST_CHECK;

/* Accessors. */
const cube_def_t *cube_mv_def(const cube_mv_t *mv);
const char *cube_mv_name(const cube_mv_t *mv);
const char *cube_mv_fact_table(const cube_mv_t *mv);
int cube_mv_nlookups(const cube_mv_t *mv);

/* A column of the view as \d shows it. */
typedef struct cube_mv_column {
    const char *name;
    type_oid_t type;
    int32_t typmod;
    const char *type_name;  /* "integer", "character varying(10)", "bigint", "numeric" */
    bool is_dimension;
    const char *expression; /* dimension: "alias.column"; measure: "sum(alias.col)" */
} cube_mv_column_t;

/* cube_mv_columns - the select list of the view in order, typed as
 * PostgreSQL types it: a dimension as its column, sum(int2/int4) bigint,
 * sum(int8/numeric) numeric, sum(float4) real, sum(float8) double precision,
 * count bigint, avg numeric (double precision over floats), min/max as the
 * argument. Allocated in a. */
int cube_mv_columns(mem_arena_t *a, const meta_catalog_t *cat, const meta_cube_t *cube, cube_mv_column_t **cols,
                    int *n, err_t *err) MUST_CHECK;
/* cube_mv_describe - the same for an analyzed or loaded cube. */
int cube_mv_describe(mem_arena_t *a, const cube_mv_t *mv, cube_mv_column_t **cols, int *n);

#endif
