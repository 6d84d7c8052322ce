/*
 * rel.h - where relations come from: the provider interface the catalog
 * (source tables over files, pg_catalog, information_schema, cube views)
 * plugs into, and in-memory relations for tests and small generated tables.
 *
 * A provider answers name lookups against one pinned catalog snapshot and
 * opens scans. The SQL engine pins a snapshot per statement at prepare
 * time (exec_catalog_pin) and releases it when the statement's arena is
 * freed, so a relation descriptor stays valid for as long as a prepared
 * statement may scan it, whatever DDL happens meanwhile.
 *
 * Threading: lookups happen on the loop thread; scans (open/next/close) run
 * on whichever thread executes the portal (a worker unless the relation is
 * `cheap`). A scan must not touch loop-thread state.
 *
 * Registration: providers are registered once at startup, before any
 * session exists (exec_catalog_register); lookups try them in order.
 */
#ifndef EXEC_REL_H
#define EXEC_REL_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"
#include "common/mem.h"
#include "exec/expr.h"
#include "types/types.h"

typedef struct exec_relcol {
    const char *name;
    type_oid_t type;
    int32_t typmod;
    bool notnull;
} exec_relcol_t;

typedef struct exec_rel exec_rel_t;

/* Scan callbacks of one relation. */
typedef struct exec_scan_ops {
    /* open - starts a scan. needed[c] tells which columns the query reads
     * (others may be left NULL-filled). State goes in a (the portal's arena,
     * freed after close); *scan receives it. */
    int (*open)(const exec_rel_t *rel, mem_arena_t *a, const bool *needed, void **scan, err_t *err);
    /* next - fills out->cols[c][0..n) for the needed columns, n <= out->nrows
     * on entry (the capacity); sets out->nrows = n; n == 0 means the end.
     * Variable-width values may point into memory valid until the next call
     * (use scratch, reset by the provider at each call). */
    int (*next)(void *scan, exec_batch_t *out, mem_arena_t *scratch, err_t *err);
    void (*close)(void *scan);
} exec_scan_ops_t;

struct exec_rel {
    uint32_t oid;         /* pg_class oid (stable; below 16384 for built-ins) */
    const char *schema;
    const char *name;
    char kind;            /* pg_class.relkind: 'r' 'v' 'f' 'm' */
    int ncols;
    const exec_relcol_t *cols;
    double est_rows;      /* planner estimate */
    bool cheap;           /* small and in memory: may be scanned on the loop thread */
    const exec_scan_ops_t *ops;
    void *impl;           /* the provider's own data */
};

/* A provider. All callbacks are optional except lookup. */
typedef struct exec_catalog {
    const char *name;     /* for logs */
    void *arg;
    /* pin - takes a reference on the current snapshot (NULL if none needed). */
    void *(*pin)(void *arg);
    void (*unpin)(void *arg, void *snap);
    /* lookup - the relation schema.name; 1 found (*out set), 0 not found, -1 error. */
    int (*lookup)(void *arg, void *snap, const char *schema, const char *name, const exec_rel_t **out, err_t *err);
    /* schema_exists - 1 when the schema exists in this provider. */
    int (*schema_exists)(void *arg, void *snap, const char *schema);
} exec_catalog_t;

/* exec_catalog_register - adds a provider (startup only, not thread-safe). */
void exec_catalog_register(const exec_catalog_t *cat);
/* exec_catalog_unregister_all - forgets every provider (tests). */
void exec_catalog_unregister_all(void);

/* A pinned view over all providers, owned by an arena (unpinned when it is freed). */
typedef struct exec_catview exec_catview_t;
exec_catview_t *exec_catalog_pin(mem_arena_t *a);
/* exec_catalog_lookup - schema NULL searches the path: pg_catalog first
 * (unless listed), then path[0..npath). 1 found, 0 not found, -1 error. */
int exec_catalog_lookup(exec_catview_t *v, const char *schema, const char *const *path, int npath,
                        const char *name, const exec_rel_t **out, err_t *err);
bool exec_catalog_schema_exists(exec_catview_t *v, const char *schema);
/* exec_catalog_is_current - true while every provider's current snapshot is
 * still the one v pinned (no DDL since): a cached statement stays valid. */
bool exec_catalog_is_current(const exec_catview_t *v);
/* exec_catalog_snap - the snapshot v pinned for provider cat (NULL when v is
 * NULL or cat is not among its providers). Valid while v is. */
void *exec_catalog_snap(const exec_catview_t *v, const exec_catalog_t *cat);

/* The view of the statement the calling thread is preparing or executing.
 * The SQL layer sets it around analysis and execution so that catalog
 * functions and reg* output (pg_table_is_visible, 'x'::regclass::text)
 * read the same snapshot as the statement's relations: psql passes c.oid
 * from one query into the next, and within a statement everything must
 * agree whatever DDL commits meanwhile. exec_catalog_set_current returns
 * the previous one, to be restored (nesting). */
exec_catview_t *exec_catalog_set_current(exec_catview_t *v);
exec_catview_t *exec_catalog_current(void);

/* ---- in-memory relations ---- */

/* exec_memrel_new - a relation with the given columns; rows are appended
 * with exec_memrel_append (values copied into a). Cheap, scanned in place. */
exec_rel_t *exec_memrel_new(mem_arena_t *a, const char *schema, const char *name, uint32_t oid, int ncols,
                            const exec_relcol_t *cols);
void exec_memrel_append(exec_rel_t *rel, const value_t *row);
/* exec_memcat_new - a provider serving a fixed list of relations (tests, small catalogs). */
exec_catalog_t *exec_memcat_new(mem_arena_t *a, exec_rel_t **rels, int n);

#endif
