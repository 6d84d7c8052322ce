/*
 * catalog.c - the node's catalog: an immutable snapshot of the metastore
 * (schemas, servers, tables and columns, models, cubes, segments, roles)
 * with a version (the last event id it includes), replaced as a whole when
 * the event log moves.
 *
 * Readers never lock and never block. The current snapshot is an atomic
 * pointer; a reader announces itself in s->in_acquire, loads the pointer,
 * takes a reference, and leaves. The refresher swaps the pointer and puts the
 * old snapshot on a retired list; a retired snapshot is freed only once no
 * reader is inside acquire (so every reader that could have loaded it has
 * counted its reference) and its count is zero. Freeing happens on the next
 * refresh or at close, never in release, so release is one atomic decrement.
 *
 * Does not: load incrementally (a refresh rereads everything in one
 * consistent read transaction: simple, and metadata is small), or push
 * notifications (src/rest calls meta_catalog_refresh when told).
 *
 * Interface: meta_catalog_refresh, meta_catalog_acquire,
 * meta_catalog_release, meta_catalog_version, meta_catalog_<lookup>.
 */
#include "meta/meta_int.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"

struct meta_snap {
    meta_catalog_t cat; /* first: a catalog pointer is a snapshot pointer */
    atomic_long refs;   /* readers + 1 while current */
    mem_arena_t *arena;
    meta_snap_t *next_retired;
};

typedef struct load_ctx {
    mem_arena_t *arena;
    meta_catalog_t *cat;
} load_ctx_t;

static int load_all(meta_tx_t *tx, load_ctx_t *lc, err_t *err)
{
    meta_catalog_t *c = lc->cat;
    int rc;
    if ((rc = meta_last_event_id(tx, &c->version, err)) != 0)
        return rc;
#define LOAD(kind, field, count)                                                                                      \
    if ((rc = meta_list(tx, kind, 0, lc->arena, (void *)&c->field, &c->count, err)) != 0)                           \
        return rc;
    LOAD(META_SCHEMA, schemas, nschemas)
    LOAD(META_SERVER, servers, nservers)
    LOAD(META_TABLE, tables, ntables)
    LOAD(META_MODEL, models, nmodels)
    LOAD(META_CUBE, cubes, ncubes)
    LOAD(META_SEGMENT, segments, nsegments)
    LOAD(META_ROLE, roles, nroles)
#undef LOAD
    return 0;
}

static void snap_free(meta_snap_t *sn)
{
    mem_arena_t *a = sn->arena;
    mem_arena_free(a); /* sn lives in its own arena */
}

/* reclaim - frees retired snapshots nobody holds. Under refresh_lock. */
static void reclaim(meta_store_t *s)
{
    /* Order matters: first no reader in acquire, then the counts. */
    if (atomic_load(&s->in_acquire) != 0)
        return;
    meta_snap_t **pp = &s->retired;
    while (*pp) {
        meta_snap_t *sn = *pp;
        if (atomic_load(&sn->refs) == 0) {
            *pp = sn->next_retired;
            snap_free(sn);
        } else {
            pp = &sn->next_retired;
        }
    }
}

int meta_catalog_refresh(meta_store_t *s, bool force, err_t *err)
{
    pthread_mutex_lock(&s->refresh_lock);
    reclaim(s);
    meta_tx_t *tx;
    int rc = meta_begin(s, META_TX_READ, &tx, err);
    if (rc != 0) {
        pthread_mutex_unlock(&s->refresh_lock);
        return rc;
    }
    meta_snap_t *cur = atomic_load(&s->current);
    int64_t last;
    if ((rc = meta_last_event_id(tx, &last, err)) != 0 || (!force && cur && cur->cat.version == last)) {
        meta_rollback(tx);
        pthread_mutex_unlock(&s->refresh_lock);
        return rc;
    }
    mem_arena_t *a = mem_arena_new(NULL, "meta catalog", 0);
    meta_snap_t *sn = MEM_NEW(a, meta_snap_t);
    sn->arena = a;
    atomic_init(&sn->refs, 1);
    load_ctx_t lc = { a, &sn->cat };
    rc = load_all(tx, &lc, err);
    if (rc == 0)
        rc = meta_commit(tx, err);
    else
        meta_rollback(tx);
    if (rc != 0) {
        mem_arena_free(a);
        pthread_mutex_unlock(&s->refresh_lock);
        return rc;
    }
    if (cur && sn->cat.version < cur->cat.version) {
        /* Another refresher published a newer one meanwhile: keep it. */
        mem_arena_free(a);
        pthread_mutex_unlock(&s->refresh_lock);
        return 0;
    }
    atomic_store(&s->current, sn);
    if (cur) {
        cur->next_retired = s->retired;
        s->retired = cur;
        atomic_fetch_sub(&cur->refs, 1); /* the store's reference */
    }
    reclaim(s);
    pthread_mutex_unlock(&s->refresh_lock);
    log_debug("metastore catalog now at event %lld", (long long)sn->cat.version);
    return 0;
}

const meta_catalog_t *meta_catalog_acquire(meta_store_t *s)
{
    atomic_fetch_add(&s->in_acquire, 1);
    meta_snap_t *sn = atomic_load(&s->current);
    if (sn)
        atomic_fetch_add(&sn->refs, 1);
    atomic_fetch_sub(&s->in_acquire, 1);
    return sn ? &sn->cat : NULL;
}

void meta_catalog_release(const meta_catalog_t *c)
{
    if (!c)
        return;
    meta_snap_t *sn = (meta_snap_t *)c;
    atomic_fetch_sub(&sn->refs, 1);
}

int64_t meta_catalog_version(meta_store_t *s)
{
    const meta_catalog_t *c = meta_catalog_acquire(s);
    int64_t v = c ? c->version : 0;
    meta_catalog_release(c);
    return v;
}

void meta__catalog_free_all(meta_store_t *s)
{
    pthread_mutex_lock(&s->refresh_lock);
    meta_snap_t *cur = atomic_exchange(&s->current, NULL);
    if (cur) {
        if (atomic_fetch_sub(&cur->refs, 1) != 1)
            log_warn("metastore closed while its catalog snapshot is still acquired");
        snap_free(cur);
    }
    while (s->retired) {
        meta_snap_t *sn = s->retired;
        s->retired = sn->next_retired;
        snap_free(sn);
    }
    pthread_mutex_unlock(&s->refresh_lock);
}

/* ---------------------------------------------------------------- lookups */

static const void *by_id(const void *arr, size_t n, size_t size, int64_t id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int64_t v = ((const meta_head_t *)((const char *)arr + mid * size))->id;
        if (v == id)
            return (const char *)arr + mid * size;
        if (v < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const meta_schema_t *meta_catalog_schema(const meta_catalog_t *c, const char *name)
{
    for (size_t i = 0; i < c->nschemas; i++)
        if (strcmp(c->schemas[i].name, name) == 0)
            return &c->schemas[i];
    return NULL;
}

const meta_schema_t *meta_catalog_schema_by_id(const meta_catalog_t *c, int64_t id)
{
    return by_id(c->schemas, c->nschemas, sizeof *c->schemas, id);
}

const meta_table_t *meta_catalog_table(const meta_catalog_t *c, const char *schema, const char *name)
{
    const meta_schema_t *sc = meta_catalog_schema(c, schema);
    if (!sc)
        return NULL;
    for (size_t i = 0; i < c->ntables; i++)
        if (c->tables[i].schema_id == sc->h.id && strcmp(c->tables[i].name, name) == 0)
            return &c->tables[i];
    return NULL;
}

const meta_table_t *meta_catalog_table_by_id(const meta_catalog_t *c, int64_t id)
{
    return by_id(c->tables, c->ntables, sizeof *c->tables, id);
}

const meta_server_t *meta_catalog_server_by_id(const meta_catalog_t *c, int64_t id)
{
    return by_id(c->servers, c->nservers, sizeof *c->servers, id);
}

const meta_model_t *meta_catalog_model_by_id(const meta_catalog_t *c, int64_t id)
{
    return by_id(c->models, c->nmodels, sizeof *c->models, id);
}

const meta_cube_t *meta_catalog_cube(const meta_catalog_t *c, const char *schema, const char *name)
{
    const meta_schema_t *sc = meta_catalog_schema(c, schema);
    if (!sc)
        return NULL;
    for (size_t i = 0; i < c->ncubes; i++)
        if (c->cubes[i].schema_id == sc->h.id && strcmp(c->cubes[i].name, name) == 0)
            return &c->cubes[i];
    return NULL;
}

const meta_cube_t *meta_catalog_cube_by_id(const meta_catalog_t *c, int64_t id)
{
    return by_id(c->cubes, c->ncubes, sizeof *c->cubes, id);
}
