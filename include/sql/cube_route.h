/*
 * cube_route.h - how the SQL engine reaches the cubes of src/cube: the
 * materialized-view statements (CREATE / DROP / REFRESH MATERIALIZED VIEW,
 * CALL kiln.build), the kiln.jobs and kiln.job_steps relations, the views
 * themselves as relations, and the rewrite of aggregate queries over source
 * tables into cube scans (src/sql/cube_route*.c).
 *
 * Startup (src/main/node.c), on the loop thread, after catalog_init and the
 * job engine, before any session exists:
 *
 *   sql_cube_route_init(store, cfg, storage_root, &err);
 *   sql_cube_route_set_jobs(jobs);      // wakes the local scheduler after a submit
 *   ...
 *   sql_cube_route_set_jobs(NULL);      // when the job engine has stopped
 *   sql_cube_route_shutdown();          // before meta_close
 *
 * What it registers: a utility claimer (include/sql/utility.h), a relation
 * provider for schema kiln and for the views (include/exec/rel.h), and the
 * node's cube matcher (include/cube/match.h), which the planner asks for
 * every aggregate query block.
 *
 * Policy for an aggregate query over source tables: a cube that covers it
 * answers it; when no cube's model has the query's fact table, the query
 * runs on the raw sources; when one does but no cube can answer, the query
 * fails with 0A000 and the matcher's reasons, unless kylin.query.pushdown
 * is on for the session (then the raw sources answer it, with a NOTICE).
 */
#ifndef SQL_CUBE_ROUTE_H
#define SQL_CUBE_ROUTE_H

#include "common/cfg.h"
#include "common/err.h"
#include "meta/meta.h"

typedef struct job_engine job_engine_t;

/* sql_cube_route_init - remembers store (it must outlive the engine) and
 * the storage root (copied), creates the matcher and registers the claimer
 * and the provider. cfg is the server's (read at startup only). Loop
 * thread, once. */
int sql_cube_route_init(meta_store_t *store, const cfg_t *cfg, const char *storage_root, err_t *err) MUST_CHECK;
/* sql_cube_route_set_jobs - the local job engine (NULL: none, or stopped). Any thread. */
void sql_cube_route_set_jobs(job_engine_t *jobs);
/* sql_cube_route_shutdown - frees the matcher (plans still open keep their
 * segments). Statements arriving later run without cubes. */
void sql_cube_route_shutdown(void);

#endif
