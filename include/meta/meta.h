/*
 * meta.h - the metastore: kiln's metadata in a relational store, SQLite
 * (embedded default) or MySQL/MariaDB (cluster), behind one interface.
 *
 * What it holds: schemas, foreign servers, source tables and their columns,
 * models (fact and lookup tables, join conditions), cubes (dimensions,
 * measures, aggregation groups, options), segments, jobs and job steps with
 * their output, roles (users are roles that log in), nodes, and an
 * append-only event log. The schema is in sql/meta/ (embedded in the binary).
 *
 * Rules every caller relies on:
 * - Every entity row has a version. meta_put() of an existing row is a
 *   compare-and-set on the version the caller read: if another writer got
 *   there first the result is META_CONFLICT and nothing is written. Reread,
 *   reapply, retry: meta_run() does that for you.
 * - Every put/delete appends one event (entity, key = id, action, new
 *   version, time, origin node) in the same transaction, so the log and the
 *   data never disagree. Event ids are in commit order (see src/meta/README.md).
 * - A transaction that fails leaves nothing behind. A commit whose answer was
 *   lost with the connection is resolved after reconnecting (the transaction
 *   token is looked up in the event log), so META_OK from meta_commit means
 *   committed and META_UNAVAILABLE means not committed; only when the server
 *   stays away is the outcome unknown (META_INDOUBT).
 *
 * Threads: every function here may block on disk or network (up to the
 * store's bounded wait). Call them from worker threads (libuv work pool,
 * uv_queue_work), never from the loop thread. A meta_store_t may be shared
 * by threads (it holds a small connection pool); a meta_tx_t belongs to one
 * thread. The catalog snapshot functions meta_catalog_acquire/release never
 * block and never lock, and are the only ones the loop thread may call.
 *
 * Memory: results are allocated in the arena the caller passes and live as
 * long as it; strings in entities are NUL-terminated, NULL when SQL NULL.
 * Entities passed to meta_put are read, never kept; their head is updated.
 *
 * Not here: parsing CREATE FOREIGN TABLE / MATERIALIZED VIEW (src/sql),
 * cube planning (src/cube), broadcasting events to other nodes (src/rest,
 * src/coord), storage files (src/storage).
 *
 * Interface index: meta_open/close, meta_begin/commit/rollback/run,
 * meta_put/get/find/list/delete, meta_event_append/meta_events_after,
 * meta_catalog_refresh/acquire/release and catalog lookups.
 */
#ifndef META_META_H
#define META_META_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "common/mem.h"

typedef struct meta_store meta_store_t;
typedef struct meta_tx meta_tx_t;

/* Outcomes. Every error also fills the err_t (SQLSTATE in parentheses). */
typedef enum meta_rc {
    META_OK = 0,
    META_ERROR = -1,       /* anything else; err says what (XX000, 42P17, ...) */
    META_CONFLICT = -2,    /* lost a compare-and-set or a lock race: retry (40001) */
    META_NOT_FOUND = -3,   /* no such row (42704) */
    META_DUPLICATE = -4,   /* a row with that name exists (23505) */
    META_UNAVAILABLE = -5, /* metastore unreachable past the bounded wait; nothing committed (08006) */
    META_INDOUBT = -6      /* connection lost during COMMIT and not resolvable yet (08007) */
} meta_rc_t;

/* ---- opening ---- */

typedef struct meta_options {
    /* kylin.metadata.url. Empty or NULL: SQLite file <data_dir>/metastore.db,
     * created if missing, WAL mode. "sqlite:PATH": that SQLite file. MySQL:
     * "ident@jdbc,url=jdbc:mysql://host:port/db,username=u,password=p[,maxActive=n]"
     * as Kylin writes it, or "mysql://user:pass@host:port/db". */
    const char *url;
    const char *data_dir;  /* kiln.data-dir; NULL means "data" */
    const char *node;      /* this node's name, recorded as events' origin; NULL: host:pid */
    int pool_size;         /* connections kept; 0: maxActive from the URL, else 4 */
    int wait_ms;           /* bounded wait for an unreachable server or a busy lock; 0: 10000 */
} meta_options_t;

/* meta_open - connects (with the bounded wait), applies pending migrations
 * under a lock (one node migrates, the others wait), and loads the first
 * catalog snapshot. On failure *out is NULL and err says why (08006 when the
 * server is unreachable, F0000 for a bad URL). */
int meta_open(const meta_options_t *opt, meta_store_t **out, err_t *err) MUST_CHECK;
/* meta_set_commit_hook - fn(arg) runs after every commit that appended
 * metadata events, on the committing thread, after the transaction ended.
 * The node uses it to notify the other nodes; fn must not block. Set once at
 * startup, before any transaction. */
void meta_set_commit_hook(meta_store_t *s, void (*fn)(void *arg), void *arg);
/* meta_close - closes connections, frees the store and its current catalog
 * (snapshots still acquired are freed by their last release). NULL ok. */
void meta_close(meta_store_t *s);
/* meta_describe - "sqlite:/path/metastore.db" or "mysql://user@host:port/db"
 * (never the password): for messages. Owned by the store. */
const char *meta_describe(const meta_store_t *s);
/* meta_schema_version - the highest migration applied to the store. */
int meta_schema_version(const meta_store_t *s);
/* meta_is_mysql - whether the backend is MySQL/MariaDB. */
bool meta_is_mysql(const meta_store_t *s);

/* ---- transactions ---- */

#define META_TX_READ 0x1 /* read-only: a consistent snapshot, no write lock */

/* meta_begin - starts a transaction on a pooled connection, reconnecting
 * (with backoff, up to the bounded wait) if the server went away, and
 * waiting on a busy lock up to the same bounded wait (META_CONFLICT only
 * past it). Write
 * transactions take the store's write lock at their first write and keep it
 * until commit, so metadata writers are serialized (metadata writes are
 * rare; this is what keeps event ids in commit order). */
int meta_begin(meta_store_t *s, int flags, meta_tx_t **tx, err_t *err) MUST_CHECK;
/* meta_commit - commits and ends tx (tx is freed whatever the outcome).
 * META_OK: durable. META_UNAVAILABLE / META_CONFLICT: not committed, safe to
 * retry. META_INDOUBT: unknown (server still away). */
int meta_commit(meta_tx_t *tx, err_t *err) MUST_CHECK;
/* meta_rollback - rolls back and ends tx. NULL ok. */
void meta_rollback(meta_tx_t *tx);
/* meta_tx_arena - scratch arena of tx, freed when tx ends. */
mem_arena_t *meta_tx_arena(meta_tx_t *tx);

typedef int (*meta_tx_fn)(meta_tx_t *tx, void *arg, err_t *err);
/* meta_run - runs fn in a transaction and commits; on META_CONFLICT or
 * META_UNAVAILABLE (not committed) it rolls back, waits a little (jittered
 * backoff) and runs fn again, until it succeeds, fails otherwise, or the
 * retries (50) / bounded wait run out. fn must therefore read what it
 * changes inside the transaction and keep no side effects outside it.
 * Returns fn's or commit's outcome. */
int meta_run(meta_store_t *s, int flags, meta_tx_fn fn, void *arg, err_t *err) MUST_CHECK;

/* ---- entities ---- */

typedef enum meta_kind {
    META_SCHEMA = 0, /* meta_schema_t */
    META_SERVER,     /* meta_server_t */
    META_TABLE,      /* meta_table_t, parent: schema */
    META_MODEL,      /* meta_model_t, parent: schema */
    META_CUBE,       /* meta_cube_t, parent: schema */
    META_SEGMENT,    /* meta_segment_t, parent: cube */
    META_JOB,        /* meta_job_t, parent: cube (0 for jobs of no cube) */
    META_JOB_STEP,   /* meta_job_step_t, parent: job */
    META_ROLE,       /* meta_role_t */
    META_NODE,       /* meta_node_t */
    META__NKINDS
} meta_kind_t;

/* meta_kind_name - "schema", "table", ... as events name the entity. */
const char *meta_kind_name(meta_kind_t k);

/* The head every entity struct starts with. id 0 means "new": meta_put
 * inserts and assigns id (> 16383, usable as a PostgreSQL OID) and version 1. */
typedef struct meta_head {
    int64_t id;
    int64_t version;
    int64_t created;  /* ms since the epoch, set by the store */
    int64_t modified;
} meta_head_t;

typedef struct meta_option {
    const char *name;
    const char *value;
} meta_option_t;

typedef struct meta_schema {
    meta_head_t h;
    const char *name;
    const char *owner;
} meta_schema_t;

typedef struct meta_server { /* CREATE SERVER name FOREIGN DATA WRAPPER wrapper OPTIONS (...) */
    meta_head_t h;
    const char *name;
    const char *wrapper;
    size_t noptions;
    meta_option_t *options;
} meta_server_t;

typedef struct meta_column {
    const char *name;
    const char *type;  /* type name as PostgreSQL prints it: "integer", "numeric", "text", "date"... */
    int32_t typmod;    /* -1 when none (PostgreSQL's atttypmod) */
    bool not_null;
} meta_column_t;       /* attnum = index + 1 */

typedef struct meta_table {
    meta_head_t h;
    int64_t schema_id;
    const char *name;
    const char *kind;  /* "foreign" (file sources); later "view", "remote" */
    int64_t server_id; /* 0 when none */
    size_t ncolumns;
    meta_column_t *columns;
    size_t noptions;   /* OPTIONS (filename '...', format 'csv', delimiter '|') */
    meta_option_t *options;
} meta_table_t;

typedef struct meta_model_table {
    const char *alias;
    int64_t table_id;
    const char *kind;      /* "fact" (exactly one) or "lookup" */
    const char *join_type; /* "inner" or "left"; NULL for the fact table */
} meta_model_table_t;

typedef struct meta_join_cond { /* alias.pk_column = fk_column */
    const char *alias;     /* the lookup alias this condition joins in */
    const char *fk_column; /* "alias.column" on the referencing side */
    const char *pk_column; /* "alias.column" of the lookup */
} meta_join_cond_t;

typedef struct meta_model {
    meta_head_t h;
    int64_t schema_id;
    const char *name;
    int64_t fact_table_id;
    const char *partition_column; /* "alias.column" or NULL */
    const char *filter;           /* SQL boolean expression or NULL */
    size_t ntables;
    meta_model_table_t *tables;
    size_t njoins;
    meta_join_cond_t *joins;
} meta_model_t;

typedef struct meta_dimension {
    const char *name;
    const char *table_alias;
    const char *column;
} meta_dimension_t;

typedef struct meta_measure {
    const char *name;
    const char *function;    /* sum, count, min, max, count_distinct, approx_count_distinct, ... */
    const char *argument;    /* expression text, NULL for count(*) */
    const char *return_type;
} meta_measure_t;

typedef struct meta_agg_member {
    int32_t group_no;      /* aggregation group, from 0 */
    const char *role;      /* "include", "mandatory", "hierarchy" or "joint" */
    int32_t set_no;        /* which hierarchy / joint set in the group (0 for the others) */
    const char *dimension; /* dimension name; hierarchy order is array order */
} meta_agg_member_t;

typedef struct meta_cube {
    meta_head_t h;
    int64_t schema_id;
    const char *name;
    int64_t model_id;
    const char *status;     /* "disabled", "ready", "broken" */
    const char *definition; /* the CREATE MATERIALIZED VIEW text */
    size_t ndims;
    meta_dimension_t *dims;
    size_t nmeasures;
    meta_measure_t *measures;
    size_t naggs;
    meta_agg_member_t *aggs;
    size_t noptions;
    meta_option_t *options;
} meta_cube_t;

typedef struct meta_segment {
    meta_head_t h;
    int64_t cube_id;
    const char *name;
    int64_t range_start;   /* [start, end) in the partition column's integer form; 0,0 full build */
    int64_t range_end;
    const char *status;    /* "new", "ready", "discarded" */
    const char *storage_path;
    int64_t size_bytes;
    int64_t input_rows;
    int64_t job_id;
    int64_t fencing_token; /* token of the job lock that published it */
} meta_segment_t;

typedef struct meta_job {
    meta_head_t h;
    int64_t cube_id;
    const char *name;      /* unique, e.g. a uuid */
    const char *kind;      /* "build", "refresh", "merge", "discard" */
    int64_t segment_id;
    const char *status;    /* "ready", "running", "error", "stopped", "succeed", "discarded" */
    const char *owner_node;
    int64_t fencing_token;
    const char *submitter;
    const char *params;
    const char *error;
    int64_t started;
    int64_t finished;
} meta_job_t;

typedef struct meta_job_step {
    meta_head_t h;
    int64_t job_id;
    const char *name;      /* unique within the job */
    int32_t step_no;
    const char *status;
    int64_t started;
    int64_t finished;
    const char *output;    /* log text; may be large */
} meta_job_step_t;

typedef struct meta_role_member {
    const char *member_of; /* name of a role this role belongs to */
} meta_role_member_t;

typedef struct meta_role {
    meta_head_t h;
    const char *name;
    bool can_login;        /* a user */
    bool superuser;
    const char *secret;    /* SCRAM-SHA-256 verifier or md5 hash; NULL: none */
    size_t nmember_of;
    meta_role_member_t *member_of;
} meta_role_t;

typedef struct meta_node {
    meta_head_t h;
    const char *name;      /* kylin.server.host-address */
    const char *mode;      /* "all", "job", "query" */
    const char *pg_address;
    const char *status;    /* "up", "down" */
    int64_t heartbeat;     /* ms since the epoch */
} meta_node_t;

/* meta_put - inserts obj (h.id == 0) or compare-and-sets it (h.id != 0,
 * expecting h.version); children (columns, options, ...) are replaced with
 * obj's. On META_OK obj->h holds the new id/version/timestamps and an event
 * ("create" or "update") is appended; if the transaction then does not
 * commit, obj->h is ahead of the store (reread, or zero it for a new row). META_CONFLICT: the row moved on (or
 * was deleted); META_DUPLICATE: name taken. obj is a meta_<kind>_t. */
int meta_put(meta_tx_t *tx, meta_kind_t kind, void *obj, err_t *err) MUST_CHECK;
/* meta_delete - deletes row id (and its children) if its version is still
 * version (0: any); appends a "drop" event. META_CONFLICT when it moved on,
 * META_NOT_FOUND when it is gone. */
int meta_delete(meta_tx_t *tx, meta_kind_t kind, int64_t id, int64_t version, err_t *err) MUST_CHECK;
/* meta_get - row id, children included, allocated in arena: *out is a
 * meta_<kind>_t *. META_NOT_FOUND when none. */
int meta_get(meta_tx_t *tx, meta_kind_t kind, int64_t id, mem_arena_t *arena, void *out, err_t *err) MUST_CHECK;
/* meta_find - by name within parent (schema id for tables, models, cubes;
 * cube id for segments; job id for steps; ignored for the others). */
int meta_find(meta_tx_t *tx, meta_kind_t kind, int64_t parent, const char *name, mem_arena_t *arena,
              void *out, err_t *err) MUST_CHECK;
/* meta_list - every row of kind (parent 0) or of one parent, by id, as an
 * array of meta_<kind>_t in arena: *out is a meta_<kind>_t *. */
int meta_list(meta_tx_t *tx, meta_kind_t kind, int64_t parent, mem_arena_t *arena, void *out, size_t *n,
              err_t *err) MUST_CHECK;

/* ---- event log ---- */

typedef struct meta_event {
    int64_t id;
    const char *entity;  /* meta_kind_name(), or a caller's own entity name */
    const char *key;     /* the entity id in decimal, or a caller's key */
    const char *action;  /* "create", "update", "drop", or a caller's */
    int64_t version;     /* entity version after the change (0 after drop) */
    int64_t at;          /* ms since the epoch */
    const char *origin;  /* node that made the change */
} meta_event_t;

/* meta_event_append - appends an event of the caller's own (e.g. a job
 * state change the catalog does not hold) in tx; *id (may be NULL) gets its id. */
int meta_event_append(meta_tx_t *tx, const char *entity, const char *key, const char *action, int64_t version,
                      int64_t *id, err_t *err) MUST_CHECK;
/* meta_events_after - up to limit events with id > after, in id order, in arena. */
int meta_events_after(meta_tx_t *tx, int64_t after, int limit, mem_arena_t *arena, meta_event_t **out,
                      size_t *n, err_t *err) MUST_CHECK;
/* meta_events_trim - deletes events with id < before (the log is otherwise
 * append-only and grows; a node's sync must have passed `before`, so keep a
 * margin: e.g. trim what is older than a day, or Kylin 5's 500000 rows).
 * The id counter is not reset. *deleted may be NULL. */
int meta_events_trim(meta_tx_t *tx, int64_t before, int64_t *deleted, err_t *err) MUST_CHECK;
/* meta_last_event_id - the newest event id (0 when the log is empty). */
int meta_last_event_id(meta_tx_t *tx, int64_t *id, err_t *err) MUST_CHECK;

/* ---- the node's catalog: an immutable snapshot ---- */

/* A snapshot of everything queries need, consistent as of event `version`.
 * Arrays are sorted by id; nothing in it ever changes, so readers use it
 * without locks for as long as they hold it. */
typedef struct meta_catalog {
    int64_t version; /* last event id it includes */
    size_t nschemas;
    const meta_schema_t *schemas;
    size_t nservers;
    const meta_server_t *servers;
    size_t ntables;
    const meta_table_t *tables;
    size_t nmodels;
    const meta_model_t *models;
    size_t ncubes;
    const meta_cube_t *cubes;
    size_t nsegments;
    const meta_segment_t *segments;
    size_t nroles;
    const meta_role_t *roles;
} meta_catalog_t;

/* meta_catalog_refresh - if the event log moved past the current snapshot
 * (or force), loads a new snapshot in one read transaction and publishes it
 * (atomic pointer swap); readers of the old one keep it until they release.
 * Blocking: worker thread only. Called by the sync timer and after local
 * changes or notifications. */
int meta_catalog_refresh(meta_store_t *s, bool force, err_t *err) MUST_CHECK;
/* meta_catalog_acquire - the current snapshot, with a reference. Never NULL
 * for an open store, never blocks, takes no lock: any thread. */
const meta_catalog_t *meta_catalog_acquire(meta_store_t *s);
/* meta_catalog_release - drops the reference. NULL ok. Any thread. */
void meta_catalog_release(const meta_catalog_t *c);
/* meta_catalog_version - the current snapshot's version, without acquiring. */
int64_t meta_catalog_version(meta_store_t *s);

/* Lookups in a snapshot: NULL when absent. Binary search by id; names by scan. */
const meta_schema_t *meta_catalog_schema(const meta_catalog_t *c, const char *name);
const meta_schema_t *meta_catalog_schema_by_id(const meta_catalog_t *c, int64_t id);
const meta_table_t *meta_catalog_table(const meta_catalog_t *c, const char *schema, const char *name);
const meta_table_t *meta_catalog_table_by_id(const meta_catalog_t *c, int64_t id);
const meta_server_t *meta_catalog_server_by_id(const meta_catalog_t *c, int64_t id);
const meta_model_t *meta_catalog_model_by_id(const meta_catalog_t *c, int64_t id);
const meta_cube_t *meta_catalog_cube(const meta_catalog_t *c, const char *schema, const char *name);
const meta_cube_t *meta_catalog_cube_by_id(const meta_catalog_t *c, int64_t id);
/* meta_option_get - value of option name in opts, NULL when absent. */
const char *meta_option_get(const meta_option_t *opts, size_t n, const char *name);

#endif
