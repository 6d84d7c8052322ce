/*
 * meta_int.h - declarations private to src/meta: the backend driver
 * interface, the store and transaction structs, entity descriptors.
 *
 * The SQL the metastore runs is written once (entity.c, store.c) with `?`
 * placeholders; a driver (sqlite.c, mysql.c) only connects, runs one
 * statement with parameters and returns rows as strings, and classifies
 * errors into meta_rc_t outcomes.
 */
#ifndef META_META_INT_H
#define META_META_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "meta/meta.h"

/* ---- migrations (meta_sql.c, generated from sql/meta/) ---- */
typedef struct meta_migration {
    int version;
    const char *name;
    const char *sql;
} meta_migration_t;
extern const meta_migration_t meta__migrations[];
extern const int meta__nmigrations;

/* ---- driver ---- */
typedef enum meta_vtype { META_V_NULL = 0, META_V_INT, META_V_STR } meta_vtype_t;
typedef struct meta_val {
    meta_vtype_t type;
    int64_t i;
    const char *s;
} meta_val_t;

/* Rows of a result: cells[row * ncols + col], NULL for SQL NULL. */
typedef struct meta_rows {
    size_t nrows;
    int ncols;
    const char **cells;
} meta_rows_t;

typedef struct meta_conn meta_conn_t; /* a driver's connection; starts with meta_conn_t fields below */
struct meta_conn {
    meta_conn_t *next_free; /* pool list */
    bool broken;            /* the server went away: reconnect before use */
};

typedef struct meta_driver {
    const char *name;
    /* connect - a new connection; META_UNAVAILABLE when the server is unreachable. */
    int (*connect)(meta_store_t *s, meta_conn_t **out, err_t *err);
    void (*disconnect)(meta_conn_t *c);
    /* reconnect - reopens c in place after c->broken. */
    int (*reconnect)(meta_store_t *s, meta_conn_t *c, err_t *err);
    /* exec - runs sql; when rows is not NULL collects the result into arena;
     * *changes (may be NULL) gets the rows affected. Sets c->broken when the
     * connection is lost (returns META_UNAVAILABLE then). */
    int (*exec)(meta_conn_t *c, const char *sql, const meta_val_t *params, int nparams, meta_rows_t *rows,
                mem_arena_t *arena, int64_t *changes, err_t *err);
    const char *begin_write;  /* SQL that starts a write transaction */
    const char *begin_read;   /* SQL that starts a read-only snapshot transaction */
    const char *lock_writes;  /* SQL that takes the write lock (NULL: begin_write already did) */
    const char *table_options; /* text for @TABLE_OPTIONS@ in migrations */
    /* lock_migrations / unlock_migrations - serialize migrating nodes (NULL: begin_write does). */
    int (*lock_migrations)(meta_conn_t *c, int wait_ms, err_t *err);
    void (*unlock_migrations)(meta_conn_t *c);
} meta_driver_t;

extern const meta_driver_t meta__sqlite_driver;
extern const meta_driver_t meta__mysql_driver;

/* Parsed kylin.metadata.url. */
typedef struct meta_url {
    bool mysql;
    char *path;  /* sqlite file */
    char *host, *user, *password, *db;
    unsigned port;
    int max_active;
} meta_url_t;

typedef struct meta_snap meta_snap_t; /* catalog.c */

struct meta_store {
    const meta_driver_t *drv;
    meta_url_t url;
    char *describe;
    char *node;
    int wait_ms;
    int pool_size;
    int schema_version;
    mem_arena_t *arena; /* url strings and the like: the store's lifetime */

    pthread_mutex_t lock; /* pool only */
    pthread_cond_t cond;
    meta_conn_t *free_conns;
    int nconns;

    /* catalog: the current snapshot, readers never lock (catalog.c) */
    _Atomic(meta_snap_t *) current;
    atomic_long in_acquire;
    pthread_mutex_t refresh_lock; /* one refresher at a time (not readers) */
    meta_snap_t *retired;         /* old snapshots waiting for their readers; under refresh_lock */

    /* called after each commit that appended events (any thread) */
    void (*commit_hook)(void *arg);
    void *commit_hook_arg;
};

struct meta_tx {
    meta_store_t *s;
    meta_conn_t *c;
    mem_arena_t *arena;
    int flags;
    bool write_locked; /* took the write lock */
    bool dead;         /* a statement failed: only rollback remains */
    int dead_rc;
    int nevents;       /* events appended: commit can be resolved by txn */
    char txn[40];      /* token written on this transaction's events */
};

/* store.c */
/* meta__fault_commit - test hook, 0 normally. 1: the next commit succeeds
 * but its answer is "lost" (connection marked broken); 2: the connection is
 * "lost" just before the next COMMIT. Either way commit resolution runs. */
extern int meta__fault_commit;
int meta__exec(meta_tx_t *tx, const char *sql, const meta_val_t *p, int np, meta_rows_t *rows, int64_t *changes,
               err_t *err);
int meta__lock_writes(meta_tx_t *tx, err_t *err);
int meta__next_counter(meta_tx_t *tx, const char *name, int64_t *out, err_t *err);
int64_t meta__now_ms(void);
int meta__parse_url(const char *url, const char *data_dir, mem_arena_t *a, meta_url_t *u, err_t *err);

static inline meta_val_t meta__int(int64_t i) { return (meta_val_t){ META_V_INT, i, NULL }; }
static inline meta_val_t meta__str(const char *s) { return (meta_val_t){ s ? META_V_STR : META_V_NULL, 0, s }; }

/* entity.c */
/* meta__kind_size - sizeof the meta_<kind>_t struct. */
size_t meta__kind_size(meta_kind_t k);

/* catalog.c */
void meta__catalog_free_all(meta_store_t *s);

#endif
