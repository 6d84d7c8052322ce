/*
 * match.h - answering aggregate queries over source tables from cubes.
 *
 * The planner describes the aggregate part of a query block in a
 * cube_query_t (independent of the engine's own plan structures): the
 * tables, their equi-joins, the GROUP BY columns, the WHERE predicates over
 * columns (comparisons with constants or with values known when the plan
 * runs, BETWEEN, IN, IS [NOT] NULL, AND, OR, NOT) and the aggregates (sum / count / avg / min / max over a column or a
 * linear form of columns and products of two columns). cube_match() then
 * either returns a plan -- which cube, segment and cuboid, the filters as
 * dictionary code ranges, and how each aggregate is derived from stored
 * measures (COUNT as the sum of counts, AVG as SUM / COUNT, sum(a - b) as
 * sum(a) - sum(b)) -- or says, in err, why no cube covers the query.
 *
 *   cube_query_t q = { .ntables = 2, .tables = (cube_q_table_t[]){{NULL, "lineorder"}, {NULL, "dates"}},
 *       .njoins = 1, .joins = (cube_q_join_t[]){{0, 1, false, 1, (const char*[]){"lo_orderdate"},
 *                                                                 (const char*[]){"d_datekey"}}},
 *       .ngroup = 1, .group = (cube_q_col_t[]){{1, "d_year"}},
 *       .naggs = 1, .aggs = (cube_q_agg_t[]){{CUBE_Q_SUM, .nterms = 1,
 *                                              .terms = (cube_q_term_t[]){{1, {0, "lo_revenue"}, {-1, NULL}}}}}};
 *   rc = cube_match(matcher, catalog, &q, stmt_arena, &plan, &err);  // 1 plan, 0 no cube (err says why), -1 error
 *   cube_plan_open(plan, portal_arena, &it, &err);
 *   while ((rc = cube_iter_next(it, &row, &err)) > 0) ... row[0..ngroup) dims, then the aggregates
 *
 * Output rows: the GROUP BY columns in order, then the aggregates in order,
 * typed as PostgreSQL types them (cube_plan_columns); a query without GROUP
 * BY gets exactly one row (count 0, other aggregates NULL when no row
 * passes). Rows come sorted by the group columns' dictionary order (value
 * order, NULLs last). HAVING, ORDER BY, LIMIT and expressions over the
 * output are the executor's: cube_plan_rel() wraps a plan as a relation
 * whose scan yields these rows.
 *
 * Joins the query leaves out of the model are allowed only when they cannot
 * change its rows: a LEFT-joined lookup always (its key is unique, checked
 * by the build), an INNER-joined one only when the segment's build found a
 * row for every fact row. A query's INNER join matches a model LEFT join
 * (and a query LEFT a model INNER) under the same condition. Otherwise no
 * match: never a wrong answer.
 *
 * Threads: a cube_matcher_t is shared by all sessions (a mutex guards its
 * cache of loaded cubes and open segments); a plan belongs to the arena it
 * was made in and may be opened by any thread; an iterator by one thread.
 */
#ifndef CUBE_MATCH_H
#define CUBE_MATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/mem.h"
#include "exec/rel.h"
#include "meta/meta.h"
#include "types/types.h"

typedef struct cube_q_table {
    const char *schema; /* NULL: "public" */
    const char *name;
} cube_q_table_t;

typedef struct cube_q_col {
    int table;          /* index in cube_query_t.tables; -1: none */
    const char *column;
} cube_q_col_t;

/* An equi-join: tables[left].left_cols[k] = tables[right].right_cols[k].
 * right_optional: `left LEFT JOIN right` (else INNER; comma joins with the
 * equalities in WHERE are INNER, in either orientation). */
typedef struct cube_q_join {
    int left, right;
    bool right_optional;
    int nkeys;
    const char *const *left_cols;
    const char *const *right_cols;
} cube_q_join_t;

typedef enum cube_q_op {
    CUBE_Q_EQ = 1,
    CUBE_Q_NE,
    CUBE_Q_LT,
    CUBE_Q_LE,
    CUBE_Q_GT,
    CUBE_Q_GE,
    CUBE_Q_BETWEEN,    /* vals[0] <= col <= vals[1] */
    CUBE_Q_IN,         /* col IN (vals) */
    CUBE_Q_IS_NULL,
    CUBE_Q_IS_NOT_NULL,
    CUBE_Q_AND,
    CUBE_Q_OR,
    CUBE_Q_NOT,
    /* any other condition on col alone (LIKE, functions, CASE ...): eval
     * tells it for one value of col; EXPR holds where it is true, NOT_EXPR
     * where it is false (NULL is neither) */
    CUBE_Q_EXPR,
    CUBE_Q_NOT_EXPR,
} cube_q_op_t;

/* cube_q_eval_fn - a CUBE_Q_EXPR condition for one value of its column:
 * 1 true, 0 false, 2 NULL, -1 error (err set); a scratch arena. A condition
 * that reads bind parameters lists in the leaf's params (nvals of them) the
 * execution values it needs; eval then gets them all (cube_plan_bind's). */
typedef int (*cube_q_eval_fn)(void *arg, const value_t *v, const value_t *bvals, int nbvals, mem_arena_t *a,
                              err_t *err);

/* A predicate: a leaf compares col with constants (of type `type`; NULL
 * constants allowed), AND/OR/NOT combine args. A value may be known only
 * when the plan runs (a bind parameter $n, the same prepared statement
 * executed with other values): params[i] >= 0 says vals[i] is execution
 * value params[i] (cube_plan_bind), of type `type` too; params NULL, or
 * params[i] < 0: vals[i] is the constant. */
typedef struct cube_q_pred {
    cube_q_op_t op;
    cube_q_col_t col;
    type_oid_t type;
    int nvals;
    const value_t *vals;
    int nargs;
    const struct cube_q_pred *const *args;
    const int *params;
    /* CUBE_Q_IN / NE with one execution value that is an array (col [NOT]
     * IN (SELECT ...)): its elements are the list, known only when the
     * plan runs */
    bool set;
    /* CUBE_Q_EXPR / NOT_EXPR: col's type is `type`; text names it in reasons */
    cube_q_eval_fn eval;
    void *eval_arg;
    const char *text;
} cube_q_pred_t;

typedef enum cube_q_fn {
    CUBE_Q_SUM = 1,
    CUBE_Q_COUNT,
    CUBE_Q_AVG,
    CUBE_Q_MIN,
    CUBE_Q_MAX,
    /* the rows where the argument is not NULL: the count avg divides by
     * (count(*) when no term may be NULL, else the stored count of its one
     * column); outputs as count. The partial the planner's two-level plans
     * re-aggregate avg with. */
    CUBE_Q_ARGCOUNT,
} cube_q_fn_t;

/* coef * a [* b]; b.table = -1 when absent. */
typedef struct cube_q_term {
    int64_t coef;
    cube_q_col_t a, b;
} cube_q_term_t;

typedef struct cube_q_agg {
    cube_q_fn_t fn;
    bool star;       /* count(*) */
    bool distinct;
    int nterms;      /* count/min/max: one term, coef 1, no b */
    const cube_q_term_t *terms;
} cube_q_agg_t;

typedef struct cube_query {
    int ntables;
    const cube_q_table_t *tables;
    int njoins;
    const cube_q_join_t *joins;
    int ngroup;
    const cube_q_col_t *group;
    const cube_q_pred_t *where; /* NULL: none */
    int naggs;
    const cube_q_agg_t *aggs;
    /* GROUP BY of constants only (GROUP BY 'all'): no group column, but no
     * row either when no source row passes, where an aggregate without
     * GROUP BY gives one */
    bool grouped;
} cube_query_t;

typedef struct cube_matcher cube_matcher_t;
typedef struct cube_plan cube_plan_t;
typedef struct cube_iter cube_iter_t;

/* cube_matcher_new - the node's matcher over cubes stored under
 * storage_root (kiln.storage.root). Never NULL. */
cube_matcher_t *cube_matcher_new(const char *storage_root);
/* cube_matcher_free - closes cached segments (plans still open keep theirs
 * until their arenas go). NULL ok. */
void cube_matcher_free(cube_matcher_t *m);

/* cube_match - 1: *plan (allocated in a, holding its segment open until a
 * is freed); 0: no cube covers q, err (0A000) says why, per cube; -1: an
 * error (a segment that cannot be opened: XX001/58P01). cat must stay
 * acquired while matching only. */
int cube_match(cube_matcher_t *m, const meta_catalog_t *cat, const cube_query_t *q, mem_arena_t *a, cube_plan_t **plan,
               err_t *err) MUST_CHECK;

/* What a plan outputs and how it was chosen. */
typedef struct cube_plan_col {
    const char *name;  /* the dimension's, or "sum", "count", ... */
    type_oid_t type;
    int32_t typmod;
} cube_plan_col_t;
int cube_plan_columns(const cube_plan_t *p, const cube_plan_col_t **cols);
const char *cube_plan_cube(const cube_plan_t *p);
uint64_t cube_plan_cuboid(const cube_plan_t *p);
uint64_t cube_plan_cuboid_rows(const cube_plan_t *p);
/* cube_plan_explain - appends EXPLAIN lines (cube, segment, cuboid and its
 * rows, filters, derivations, and the rows the scan touches after its seeks:
 * the scan runs to count them), each line ending in '\n'. */
void cube_plan_explain(const cube_plan_t *p, buf_t *out);

/* cube_plan_nvalues - how many execution values the plan's filters read
 * (1 + the largest params index of its leaves); 0: it runs as matched. */
int cube_plan_nvalues(const cube_plan_t *p);
/* cube_plan_bind - p with the filters whose leaves read execution values
 * resolved with vals[0..nvals) (a NULL compares as SQL's NULL: no row
 * passes `d = NULL`), in a; p stays as it is, so a prepared statement's
 * plan runs with other values next time. *out is p when it reads none.
 * -1: fewer values than it reads (XX000). */
int cube_plan_bind(const cube_plan_t *p, const value_t *vals, int nvals, mem_arena_t *a, const cube_plan_t **out,
                   err_t *err) MUST_CHECK;

/* cube_plan_open - starts producing rows (a plan that reads execution
 * values once bound: XX000 otherwise); the iterator lives in a. */
int cube_plan_open(const cube_plan_t *p, mem_arena_t *a, cube_iter_t **it, err_t *err) MUST_CHECK;
/* cube_iter_next - 1 and *row (ncols values valid until the next call), 0
 * at the end, -1 on error. */
int cube_iter_next(cube_iter_t *it, const value_t **row, err_t *err) MUST_CHECK;
/* cube_iter_rows_touched - cuboid rows read by the scan (EXPLAIN ANALYZE). */
uint64_t cube_iter_rows_touched(const cube_iter_t *it);

/* cube_plan_rel - the plan as a relation (kind 'm', cheap) whose scan
 * yields its rows, for the executor to put operators on top. In a. */
const exec_rel_t *cube_plan_rel(const cube_plan_t *p, mem_arena_t *a);

/* ---- the view itself ----
 *
 * A query over the materialized view (SELECT ... FROM ssb_cube) reads the
 * rows PostgreSQL's matview would hold: one row per group of every grouping
 * set of the definition's GROUP BY (expanded as PostgreSQL expands CUBE,
 * ROLLUP and GROUPING SETS, duplicates included unless GROUP BY DISTINCT),
 * NULL in the columns a set does not group by, the view's columns in its
 * select-list order (hidden measures left out). Each set is scanned from
 * its cuboid, or rolled up from the smallest stored superset when the build
 * left it out (cuboids_not_stored). WHERE, aggregates and ORDER BY over
 * these rows stay the executor's, so any filter is exact; a filter that
 * pins grouping sets lets the scan skip the others (cube_view_restrict).
 *
 *   rc = cube_view_plan(matcher, catalog, meta_cube, stmt_arena, &v, &err);  // 55000 before a refresh
 *   cube_view_open(v, portal_arena, &it, &err);
 *   while ((rc = cube_view_next(it, batch_arena, row, &err)) > 0) ... row[0..ncols)
 */
typedef struct cube_view cube_view_t;
typedef struct cube_view_iter cube_view_iter_t;

/* cube_view_plan - the scan of view `cube` over its current READY segment
 * in cat (0 and *out in a, holding the segment open until a is freed);
 * -1: 55000 when the view has no READY segment ("has not been populated",
 * as PostgreSQL says), or the segment cannot be opened. */
int cube_view_plan(cube_matcher_t *m, const meta_catalog_t *cat, const meta_cube_t *cube, mem_arena_t *a,
                   cube_view_t **out, err_t *err) MUST_CHECK;
/* cube_view_columns - the view's columns (as cube_mv_columns types them). */
int cube_view_columns(const cube_view_t *v, const cube_plan_col_t **cols);
/* cube_view_restrict - keeps only the grouping sets whose rows can pass
 * where (a conjunction the caller still evaluates on every row: this only
 * skips sets, it never decides a row), over view column positions
 * (cube_q_col_t.table = 0, .column = the view column's name). Returns the
 * number of sets left. */
int cube_view_restrict(cube_view_t *v, const cube_q_pred_t *where);
/* cube_view_explain - EXPLAIN lines: segment, grouping sets and the cuboid
 * each is read from, each line ending in '\n'. */
void cube_view_explain(const cube_view_t *v, buf_t *out);
int cube_view_open(const cube_view_t *v, mem_arena_t *a, cube_view_iter_t **it, err_t *err) MUST_CHECK;
/* cube_view_next - 1 and row[0..ncols) (variable-width values in a), 0 at
 * the end, -1 on error. */
int cube_view_next(cube_view_iter_t *it, mem_arena_t *a, value_t *row, err_t *err) MUST_CHECK;

#endif
