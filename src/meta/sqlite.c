/*
 * sqlite.c - the embedded metastore backend (libsqlite3): one file, WAL
 * mode, so one writer and many readers across threads and processes.
 *
 * Write transactions start with BEGIN IMMEDIATE: the file's write lock is
 * taken up front, which serializes writers (what keeps event ids in commit
 * order) and avoids the deadlock of two readers upgrading at once. Waiting
 * for the lock is bounded by the store's wait (busy_timeout); past it the
 * outcome is META_CONFLICT, which meta_run retries.
 *
 * SQLite's own lock wait polls (busy handler), and a waiter can starve
 * while others commit back to back: seen with 4 writer processes, where one
 * could not begin in 5 s. So writers first queue on a blocking flock() of
 * "<file>-wlock" (the kernel wakes waiters in turn), then BEGIN IMMEDIATE.
 * flock locks belong to open files, so this orders threads of one process
 * (one descriptor per connection) as well as processes.
 *
 * Does not: share connections between threads at once (the pool hands one
 * connection to one transaction).
 */
#include "meta/meta_int.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

typedef struct sqlite_conn {
    meta_conn_t base;
    sqlite3 *db;
    int lock_fd;     /* "<file>-wlock", -1 if it could not be opened */
    bool write_lock; /* holds lock_fd's flock for a write transaction */
} sqlite_conn_t;

#define BEGIN_WRITE "BEGIN IMMEDIATE"

static int classify(sqlite3 *db, int rc, const char *sql, err_t *err)
{
    int ext = sqlite3_extended_errcode(db);
    const char *msg = sqlite3_errmsg(db);
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        err_set(err, ERRCODE_T_R_SERIALIZATION_FAILURE, "metastore is busy: %s", msg);
        err_detail(err, "SQLite code %d; SQL: %.900s", ext, sql);
        return META_CONFLICT;
    case SQLITE_CONSTRAINT:
        if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY) {
            err_set(err, ERRCODE_UNIQUE_VIOLATION, "duplicate key in metastore: %s", msg);
            return META_DUPLICATE;
        }
        break;
    case SQLITE_FULL:
        err_set(err, ERRCODE_DISK_FULL, "metastore disk is full: %s", msg);
        return META_ERROR;
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
        err_set(err, ERRCODE_IO_ERROR, "metastore I/O error: %s", msg);
        return META_ERROR;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        err_set(err, ERRCODE_DATA_CORRUPTED, "metastore file is corrupt: %s", msg);
        return META_ERROR;
    default:
        break;
    }
    err_set(err, ERRCODE_INTERNAL_ERROR, "metastore error: %s", msg);
    err_detail(err, "SQL: %.900s", sql);
    return META_ERROR;
}

static int open_db(meta_store_t *s, sqlite3 **out, err_t *err)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(s->url.path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        err_set(err, ERRCODE_IO_ERROR, "could not open metastore %s: %s", s->url.path,
                db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close(db);
        return META_ERROR;
    }
    sqlite3_busy_timeout(db, s->wait_ms);
    /* WAL: readers never block the writer; synchronous=FULL: a commit that
     * returned is on disk (the metastore is the source of truth). */
    const char *setup = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=OFF";
    char *msg = NULL;
    if (sqlite3_exec(db, setup, NULL, NULL, &msg) != SQLITE_OK) {
        err_set(err, ERRCODE_IO_ERROR, "could not set up metastore %s: %s", s->url.path, msg ? msg : "?");
        sqlite3_free(msg);
        sqlite3_close(db);
        return META_ERROR;
    }
    *out = db;
    return 0;
}

static int sq_connect(meta_store_t *s, meta_conn_t **out, err_t *err)
{
    sqlite3 *db;
    int rc = open_db(s, &db, err);
    if (rc != 0)
        return rc;
    sqlite_conn_t *c = mem_calloc(1, sizeof *c);
    c->db = db;
    char lp[4200];
    snprintf(lp, sizeof lp, "%s-wlock", s->url.path);
    c->lock_fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    *out = &c->base;
    return 0;
}

static void sq_disconnect(meta_conn_t *base)
{
    sqlite_conn_t *c = (sqlite_conn_t *)base;
    if (!c)
        return;
    sqlite3_close(c->db);
    if (c->lock_fd >= 0)
        close(c->lock_fd); /* releases the flock too */
    mem_free(c);
}

static int sq_reconnect(meta_store_t *s, meta_conn_t *base, err_t *err)
{
    sqlite_conn_t *c = (sqlite_conn_t *)base;
    sqlite3_close(c->db);
    c->db = NULL;
    if (c->write_lock) {
        flock(c->lock_fd, LOCK_UN);
        c->write_lock = false;
    }
    int rc = open_db(s, &c->db, err);
    if (rc == 0)
        base->broken = false;
    return rc;
}

static int sq_exec_stmt(sqlite_conn_t *c, const char *sql, const meta_val_t *params, int nparams, meta_rows_t *rows,
                        mem_arena_t *arena, int64_t *changes, err_t *err);

static int sq_exec(meta_conn_t *base, const char *sql, const meta_val_t *params, int nparams, meta_rows_t *rows,
                   mem_arena_t *arena, int64_t *changes, err_t *err)
{
    sqlite_conn_t *c = (sqlite_conn_t *)base;
    if (strcmp(sql, BEGIN_WRITE) == 0) {
        if (c->lock_fd >= 0 && !c->write_lock) {
            while (flock(c->lock_fd, LOCK_EX) != 0)
                ; /* EINTR */
            c->write_lock = true;
        }
        int rc = sq_exec_stmt(c, sql, params, nparams, rows, arena, changes, err);
        if (rc != 0 && c->write_lock) {
            flock(c->lock_fd, LOCK_UN);
            c->write_lock = false;
        }
        return rc;
    }
    int rc = sq_exec_stmt(c, sql, params, nparams, rows, arena, changes, err);
    if (c->write_lock && sqlite3_get_autocommit(c->db)) {
        /* COMMIT or ROLLBACK ended the write transaction. */
        flock(c->lock_fd, LOCK_UN);
        c->write_lock = false;
    }
    return rc;
}

static int sq_exec_stmt(sqlite_conn_t *c, const char *sql, const meta_val_t *params, int nparams, meta_rows_t *rows,
                        mem_arena_t *arena, int64_t *changes, err_t *err)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(c->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return classify(c->db, rc, sql, err);
    if (rows)
        memset(rows, 0, sizeof *rows);
    if (!st) /* only comments */
        return 0;
    for (int i = 0; i < nparams; i++) {
        switch (params[i].type) {
        case META_V_NULL:
            sqlite3_bind_null(st, i + 1);
            break;
        case META_V_INT:
            sqlite3_bind_int64(st, i + 1, params[i].i);
            break;
        case META_V_STR:
            sqlite3_bind_text(st, i + 1, params[i].s, -1, SQLITE_STATIC);
            break;
        }
    }
    int ncols = sqlite3_column_count(st);
    size_t cap = 0, n = 0;
    const char **cells = NULL;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (!rows)
            continue;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            const char **nc = mem_alloc(arena, ncap * (size_t)(ncols ? ncols : 1) * sizeof *nc);
            if (n)
                memcpy(nc, cells, n * (size_t)ncols * sizeof *nc);
            cells = nc;
            cap = ncap;
        }
        for (int j = 0; j < ncols; j++) {
            const unsigned char *t = sqlite3_column_text(st, j);
            cells[n * (size_t)ncols + (size_t)j] =
                t ? mem_astrndup(arena, (const char *)t, (size_t)sqlite3_column_bytes(st, j)) : NULL;
        }
        n++;
    }
    if (rc != SQLITE_DONE) {
        int r = classify(c->db, rc, sql, err);
        sqlite3_finalize(st);
        return r;
    }
    sqlite3_finalize(st);
    if (rows) {
        rows->nrows = n;
        rows->ncols = ncols;
        rows->cells = cells;
    }
    if (changes)
        *changes = sqlite3_changes(c->db);
    return 0;
}

const meta_driver_t meta__sqlite_driver = {
    .name = "sqlite",
    .connect = sq_connect,
    .disconnect = sq_disconnect,
    .reconnect = sq_reconnect,
    .exec = sq_exec,
    .begin_write = BEGIN_WRITE,
    .begin_read = "BEGIN DEFERRED",
    .lock_writes = NULL,
    .table_options = "",
    .lock_migrations = NULL,
    .unlock_migrations = NULL,
};
