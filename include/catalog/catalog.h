/*
 * catalog.h - kiln's catalog as the SQL engine sees it: source tables over
 * files and the pg_catalog / information_schema relations, generated from
 * the metastore's immutable catalog snapshot, plus the catalog functions
 * clients' introspection SQL calls.
 *
 * Startup (node.c): after meta_open, call catalog_init(store, cfg, &err)
 * once, before any session exists; it registers one relation provider with
 * the engine (exec_catalog_register). At shutdown call catalog_shutdown()
 * before meta_close().
 *
 * OIDs are stable across restarts and across nodes: built-in objects have
 * PostgreSQL 15's OIDs (pg_catalog 11, public 2200, information_schema 13207,
 * types, functions and catalog relations as PostgreSQL numbers them); user
 * objects (schemas, servers, foreign tables) use their metastore id, which
 * the metastore allocates from one counter starting at 16384.
 *
 * Threads: lookups and pg_catalog scans are cheap and may run on the loop
 * thread; source-file scans run wherever the portal executes. Pinned
 * snapshots are reference counted, so any thread may unpin.
 *
 * Not here: DDL (include/catalog/ddl.h), the file reader
 * (include/catalog/filescan.h), cubes as relations (src/cube).
 */
#ifndef CATALOG_CATALOG_H
#define CATALOG_CATALOG_H

#include <stdbool.h>
#include <stdint.h>

#include "common/cfg.h"
#include "common/err.h"
#include "common/mem.h"
#include "exec/expr.h"
#include "exec/rel.h"
#include "meta/meta.h"

/* catalog_init - remembers store and cfg (both must outlive the catalog) and
 * registers the provider with the engine. Loop thread, startup only. */
int catalog_init(meta_store_t *store, const cfg_t *cfg, err_t *err) MUST_CHECK;
/* catalog_shutdown - drops the cached snapshot (call before meta_close).
 * Statements still holding a pin keep theirs until they unpin. */
void catalog_shutdown(void);
/* catalog_set_matview_columns - how pg_class / pg_attribute get the columns
 * of materialized views (cubes: relkind 'm', oid = the cube's metastore id).
 * fn fills *cols (allocated in a) and *n for cube in snapshot mc, 0 or -1.
 * Startup only (the cube router registers it). */
typedef int (*catalog_matview_cols_fn)(mem_arena_t *a, const meta_catalog_t *mc, const meta_cube_t *cube,
                                       exec_relcol_t **cols, int *n);
void catalog_set_matview_columns(catalog_matview_cols_fn fn);
/* catalog_provider - the provider catalog_init registers (tests register it
 * themselves, or use it without the engine's registry). */
const exec_catalog_t *catalog_provider(void);

/* ---- one relation read by several threads (cube builds) ----
 * exec_scan_ops_t has no hook for this (a field there would break every
 * positional initializer of it), so readers that want parts ask the catalog:
 *
 *   catalog_rel_parts_t *pp; int n;
 *   catalog_rel_split(rel, a, threads, &pp, &n, &err);     (once, blocking)
 *   catalog_rel_open_part(rel, pp, i, a_i, needed, &scan_i, &err);   (thread i)
 *   rel->ops->next(scan_i, ...); rel->ops->close(scan_i);
 *
 * Foreign tables are cut at record boundaries (catalog_filescan_split, with
 * absolute line numbers in errors); any other relation is one part, read by
 * its own open. Parts together give every row once, in no particular order. */
typedef struct catalog_rel_parts catalog_rel_parts_t;
/* catalog_rel_split - plans at most want parts of rel (*n >= 1; the plan
 * lives in a). Blocking: it may read the whole file. */
int catalog_rel_split(const exec_rel_t *rel, mem_arena_t *a, int want, catalog_rel_parts_t **plan, int *n,
                      err_t *err) MUST_CHECK;
/* catalog_rel_open_part - rel->ops->open for part i of plan; a, needed and
 * *scan as open's (the scan is read with rel->ops->next and closed with
 * rel->ops->close). Any thread, one scan per thread. */
int catalog_rel_open_part(const exec_rel_t *rel, const catalog_rel_parts_t *plan, int i, mem_arena_t *a,
                          const bool *needed, void **scan, err_t *err) MUST_CHECK;

/* The name of the bootstrap superuser (oid 10) that owns built-in and
 * metastore objects. */
#define CATALOG_SUPERUSER "kiln"

/* ---- lookups for the engine's reg* types and catalog functions ----
 * All use the current snapshot (lock-free); any thread. Strings returned
 * are allocated in a. */

/* catalog_relation_name - "name" or "schema.name" (qualified unless visible
 * in search path path[0..npath)) of relation oid; NULL when no such relation
 * (regclass output then prints the number, as PostgreSQL does). */
const char *catalog_relation_name(uint32_t oid, const char *const *path, int npath, mem_arena_t *a);
/* catalog_relation_oid - the oid of a relation by (possibly qualified,
 * already case-folded) name; schema NULL searches pg_catalog, then path.
 * 0 when none. */
uint32_t catalog_relation_oid(const char *schema, const char *name, const char *const *path, int npath);
/* catalog_namespace_name / oid - pg_namespace by oid or name (0 / NULL when none). */
const char *catalog_namespace_name(uint32_t oid, mem_arena_t *a);
uint32_t catalog_namespace_oid(const char *name);
/* catalog_role_name / oid - pg_authid by oid or name. */
const char *catalog_role_name(uint32_t oid, mem_arena_t *a);
uint32_t catalog_role_oid(const char *name);
/* catalog_proc_name / oid - pg_proc of the built-in functions kiln lists
 * (regproc in and out: typinput = 'array_in'::regproc). 0 / NULL when none. */
const char *catalog_proc_name(uint32_t oid);
uint32_t catalog_proc_oid(const char *name);
/* catalog_format_type - PostgreSQL's format_type(type, typmod): "integer",
 * "character varying(25)", "numeric(15,2)", "\"char\"", "???" when unknown. */
const char *catalog_format_type(uint32_t type, int32_t typmod, mem_arena_t *a);
/* catalog_table_is_visible - pg_table_is_visible(oid) under search path path. */
bool catalog_table_is_visible(uint32_t oid, const char *const *path, int npath);

/* catalog_funcs - the catalog functions as engine functions (format_type,
 * pg_table_is_visible, pg_type_is_visible, pg_get_userbyid, obj_description,
 * col_description, shobj_description, pg_get_expr, pg_get_indexdef,
 * pg_get_constraintdef, pg_get_viewdef, pg_get_statisticsobjdef_columns,
 * pg_relation_is_publishable, pg_relation_size, pg_table_size,
 * pg_total_relation_size, pg_encoding_to_char, has_*_privilege, to_regclass,
 * pg_get_serial_sequence, pg_function_is_visible, pg_collation_is_visible),
 * for the engine to add to its registry. */
extern const exec_func_t catalog_funcs[];
extern const int catalog_nfuncs;

#endif
