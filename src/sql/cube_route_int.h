/*
 * cube_route_int.h - declarations shared by src/sql/cube_route*.c and the
 * two places of the engine that call into them (subsystem-private): the
 * planner's aggregate call site (select.c) and EXPLAIN (explain.c). Both
 * reference these functions weakly, so programs that link src/sql without
 * src/cube (tests/unit/test_sql) plan every aggregate themselves.
 */
#ifndef SQL_CUBE_ROUTE_INT_H
#define SQL_CUBE_ROUTE_INT_H

#include <stdatomic.h>

#include "analyze_int.h"
#include "cube/match.h"
#include "meta/meta.h"
#include "sql/utility.h"

typedef struct job_engine job_engine_t;

/* The node's state, set once by sql_cube_route_init. */
typedef struct sql_cube_route {
    meta_store_t *store;
    cube_matcher_t *_Atomic matcher;
    char *root;
    int64_t max_combination;
    int64_t poll_s;               /* kylin.job.scheduler.poll-interval-second */
    bool query_only;              /* kylin.server.mode = query: never schedules jobs */
    job_engine_t *_Atomic jobs;
    /* strong references that link cube_route_plan.c (see sql_cube_route_init) */
    int (*agg)(sql_analyze_t *an, const exec_plan_t *agg, exec_plan_t **out);
    int (*distinct)(sql_analyze_t *an, const exec_plan_t *agg, exec_plan_t **out);
    int (*explain)(const exec_rel_t *rel, mem_arena_t *a, char ***lines, int *n);
} sql_cube_route_t;

extern sql_cube_route_t sql__cr;

/* sql__cube_route_agg - called by the planner with the aggregate node it
 * built (agg->left is its input, agg->u.agg the grouping and aggregates).
 * 1: *out replaces agg (same output columns and types: the group keys, then
 * the aggregates), answered from a cube; 0: plan agg as usual (no cube
 * models the query's tables, or kylin.query.pushdown is on and a NOTICE was
 * sent); -1: an->err is set (0A000 with the reasons no cube answers).
 * Loop thread (prepare). */
int sql__cube_route_agg(sql_analyze_t *an, const exec_plan_t *agg, exec_plan_t **out) MUST_CHECK;

/* sql__cube_route_distinct - as sql__cube_route_agg for the group-by that
 * a SELECT DISTINCT without aggregates stands for, but 0 (no error, no
 * NOTICE) whenever no cube answers it: the query then stays the DISTINCT
 * over the sources it always was. */
int sql__cube_route_distinct(sql_analyze_t *an, const exec_plan_t *agg, exec_plan_t **out) MUST_CHECK;

/* sql__cube_route_explain - the EXPLAIN detail lines of a relation the
 * router created (cube, segment, cuboid, rows, filters, derivations), in a;
 * 0 lines for any other relation. */
int sql__cube_route_explain(const exec_rel_t *rel, mem_arena_t *a, char ***lines, int *n);

/* cube_route_rel.c: the provider for schema kiln (jobs, job_steps) and the views. */
const exec_catalog_t *sql__cube_route_provider(void);
/* sql__cube_route_catalog_hooks - gives the catalog the views' columns (pg_class, pg_attribute). */
void sql__cube_route_catalog_hooks(void);

/* sql__cube_route_is_view - whether rel is a materialized view's relation
 * (its scan reads the view's rows from the cube, cube_view_plan). */
bool sql__cube_route_is_view(const exec_rel_t *rel);
/* sql__cube_route_view_where - a copy of view relation rel (in a) whose scan
 * skips the grouping sets where cannot hold for (cube_view_restrict); the
 * filter itself stays in the plan. */
const exec_rel_t *sql__cube_route_view_where(const exec_rel_t *rel, mem_arena_t *a, const cube_q_pred_t *where);
/* sql__cube_route_view_restricted - whether rel already carries a WHERE. */
bool sql__cube_route_view_restricted(const exec_rel_t *rel);
/* sql__cube_route_views - called by the planner with a query block's FROM
 * and WHERE planned: each scan of a view under filters gets the filters'
 * conjuncts over its dimensions, so it skips the grouping sets they rule
 * out and seeks in the others (the filters stay and decide every row).
 * Loop thread (prepare). */
void sql__cube_route_views(sql_analyze_t *an, exec_plan_t *plan);
/* sql__cube_route_view_explain - EXPLAIN lines of a view's scan into out. */
int sql__cube_route_view_explain(const exec_rel_t *rel, mem_arena_t *a, buf_t *out);
/* sql__cube_route_views_release - drops the provider's current snapshot (shutdown). */
void sql__cube_route_views_release(void);

/* cube_route.c: the claimer. */
int sql__cube_route_claim(void *arg, const sql_utility_call_t *call, sql_utility_t *out, err_t *err);

/* sql__cube_route_find - the cube a possibly qualified view name names, in
 * cat: schema given, or the first schema of the session's search path that
 * has it. NULL when none. */
const meta_cube_t *sql__cube_route_find(const meta_catalog_t *cat, const sql_session_info_t *info, mem_arena_t *a,
                                        const char *schema, const char *name);

#endif
