/*
 * store.c - the metastore handle: kylin.metadata.url parsing, the
 * connection pool, reconnection with backoff, transactions with commit
 * resolution, retries, migrations, and the event log.
 *
 * Does not know entity layouts (entity.c) or how a backend talks (sqlite.c,
 * mysql.c); it drives a meta_driver_t. All functions block: worker threads.
 *
 * Interface: meta_open, meta_close, meta_describe, meta_schema_version,
 * meta_is_mysql, meta_begin, meta_commit, meta_rollback, meta_tx_arena,
 * meta_run, meta_event_append, meta_events_after, meta_last_event_id.
 */
#include "meta/meta_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"

#define META_DEFAULT_WAIT_MS 10000
#define META_DEFAULT_POOL 4
#define META_RUN_RETRIES 50
#define META_FIRST_OID 16383 /* ids start at 16384, PostgreSQL's FirstNormalObjectId */

int64_t meta__now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int64_t ms)
{
    if (ms <= 0)
        return;
    struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static unsigned rand_u32(void)
{
    unsigned v = 0;
    if (getrandom(&v, sizeof v, GRND_NONBLOCK) != (ssize_t)sizeof v)
        v = (unsigned)(mono_ms() ^ (getpid() << 16));
    return v;
}

/* ---------------------------------------------------------------- URL */

static char *pct_decode(mem_arena_t *a, const char *s, size_t n)
{
    char *out = mem_alloc(a, n + 1), *o = out;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n) {
            char hex[3] = { s[i + 1], s[i + 2], 0 };
            char *end;
            long v = strtol(hex, &end, 16);
            if (*end == 0) {
                *o++ = (char)v;
                i += 2;
                continue;
            }
        }
        *o++ = s[i];
    }
    *o = 0;
    return out;
}

/* parse_hostport_db - "host[:port]/db[?params]" into u. */
static int parse_hostport_db(const char *p, mem_arena_t *a, meta_url_t *u, const char *url, err_t *err)
{
    const char *slash = strchr(p, '/');
    if (!slash || slash == p || !slash[1])
        return err_set(err, ERRCODE_CONFIG_FILE_ERROR, "invalid kylin.metadata.url \"%s\": expected host:port/database",
                       url);
    const char *colon = memchr(p, ':', (size_t)(slash - p));
    u->host = mem_astrndup(a, p, (size_t)((colon ? colon : slash) - p));
    u->port = 3306;
    if (colon) {
        char *end;
        long port = strtol(colon + 1, &end, 10);
        if (end != slash || port <= 0 || port > 65535)
            return err_set(err, ERRCODE_CONFIG_FILE_ERROR, "invalid port in kylin.metadata.url \"%s\"", url);
        u->port = (unsigned)port;
    }
    const char *db = slash + 1;
    size_t dblen = strcspn(db, "?;,");
    u->db = mem_astrndup(a, db, dblen);
    return 0;
}

int meta__parse_url(const char *url, const char *data_dir, mem_arena_t *a, meta_url_t *u, err_t *err)
{
    memset(u, 0, sizeof *u);
    if (!url || !*url) {
        const char *dir = data_dir && *data_dir ? data_dir : "data";
        u->path = mem_asprintf(a, "%s/metastore.db", dir);
        return 0;
    }
    if (strncmp(url, "sqlite:", 7) == 0) {
        const char *p = url + 7;
        if (strncmp(p, "//", 2) == 0)
            p += 2;
        if (!*p)
            return err_set(err, ERRCODE_CONFIG_FILE_ERROR, "invalid kylin.metadata.url \"%s\": no file", url);
        u->path = mem_astrdup(a, p);
        return 0;
    }
    u->mysql = true;
    if (strncmp(url, "mysql://", 8) == 0) {
        const char *p = url + 8;
        const char *at = strrchr(p, '@');
        if (at) {
            const char *colon = memchr(p, ':', (size_t)(at - p));
            u->user = pct_decode(a, p, (size_t)((colon ? colon : at) - p));
            u->password = colon ? pct_decode(a, colon + 1, (size_t)(at - colon - 1)) : NULL;
            p = at + 1;
        }
        return parse_hostport_db(p, a, u, url, err);
    }
    /* Kylin: ident@jdbc,url=jdbc:mysql://host:port/db,username=u,password=p,... */
    const char *jdbc = strstr(url, "@jdbc,");
    if (!jdbc)
        return err_set(err, ERRCODE_CONFIG_FILE_ERROR,
                       "unsupported kylin.metadata.url \"%s\": expected empty (SQLite), sqlite:PATH, "
                       "mysql://user:pass@host:port/db or ident@jdbc,url=jdbc:mysql://host:port/db,username=...,password=...",
                       url);
    const char *p = jdbc + 6;
    bool have_url = false;
    while (*p) {
        size_t len = strcspn(p, ",");
        const char *eq = memchr(p, '=', len);
        if (eq) {
            size_t klen = (size_t)(eq - p);
            const char *v = eq + 1;
            size_t vlen = len - klen - 1;
            if (klen == 3 && strncmp(p, "url", 3) == 0) {
                const char *pre = "jdbc:mysql://";
                const char *pre2 = "jdbc:mariadb://";
                const char *hp;
                if (strncmp(v, pre, strlen(pre)) == 0)
                    hp = v + strlen(pre);
                else if (strncmp(v, pre2, strlen(pre2)) == 0)
                    hp = v + strlen(pre2);
                else
                    return err_set(err, ERRCODE_CONFIG_FILE_ERROR,
                                   "unsupported JDBC url in kylin.metadata.url \"%s\": only jdbc:mysql:// and jdbc:mariadb://",
                                   url);
                char *tmp = mem_astrndup(a, hp, vlen - (size_t)(hp - v));
                if (parse_hostport_db(tmp, a, u, url, err) < 0)
                    return -1;
                have_url = true;
            } else if (klen == 8 && strncmp(p, "username", 8) == 0) {
                u->user = mem_astrndup(a, v, vlen);
            } else if (klen == 8 && strncmp(p, "password", 8) == 0) {
                u->password = mem_astrndup(a, v, vlen);
            } else if (klen == 9 && strncmp(p, "maxActive", 9) == 0) {
                u->max_active = atoi(v);
            }
        }
        p += len;
        if (*p == ',')
            p++;
    }
    if (!have_url)
        return err_set(err, ERRCODE_CONFIG_FILE_ERROR, "kylin.metadata.url \"%s\" has no url=jdbc:mysql://...", url);
    return 0;
}

/* ---------------------------------------------------------------- pool */

static int unavailable(meta_store_t *s, err_t *err, const err_t *cause)
{
    err_set(err, ERRCODE_CONNECTION_FAILURE, "metastore %s is unavailable", s->describe);
    if (cause && cause->set)
        err_detail(err, "%s", cause->message);
    err_hint(err, "The node retried for %d ms; it keeps retrying and recovers by itself when the metastore is back.",
             s->wait_ms);
    return META_UNAVAILABLE;
}

/* conn_ensure - reconnects a broken connection with exponential backoff
 * until deadline (monotonic ms). */
static int conn_ensure(meta_store_t *s, meta_conn_t *c, int64_t deadline, err_t *err)
{
    int64_t backoff = 50;
    err_t last = { 0 };
    while (c->broken) {
        err_clear(&last);
        int rc = s->drv->reconnect(s, c, &last);
        if (rc == 0)
            break;
        if (rc != META_UNAVAILABLE) {
            *err = last;
            return rc;
        }
        int64_t left = deadline - mono_ms();
        if (left <= 0)
            return unavailable(s, err, &last);
        sleep_ms(backoff < left ? backoff : left);
        backoff = backoff * 2 > 500 ? 500 : backoff * 2;
    }
    return 0;
}

static int conn_acquire(meta_store_t *s, meta_conn_t **out, err_t *err)
{
    pthread_mutex_lock(&s->lock);
    for (;;) {
        if (s->free_conns) {
            meta_conn_t *c = s->free_conns;
            s->free_conns = c->next_free;
            pthread_mutex_unlock(&s->lock);
            *out = c;
            return 0;
        }
        if (s->nconns < s->pool_size) {
            s->nconns++;
            pthread_mutex_unlock(&s->lock);
            /* A fresh connection is just one that starts out broken. */
            meta_conn_t *c = NULL;
            err_t e = { 0 };
            int64_t deadline = mono_ms() + s->wait_ms, backoff = 50;
            int rc;
            while ((rc = s->drv->connect(s, &c, &e)) == META_UNAVAILABLE && mono_ms() < deadline) {
                sleep_ms(backoff);
                backoff = backoff * 2 > 500 ? 500 : backoff * 2;
                err_clear(&e);
            }
            if (rc != 0) {
                pthread_mutex_lock(&s->lock);
                s->nconns--;
                pthread_cond_signal(&s->cond);
                pthread_mutex_unlock(&s->lock);
                if (rc == META_UNAVAILABLE)
                    return unavailable(s, err, &e);
                *err = e;
                return rc;
            }
            *out = c;
            return 0;
        }
        pthread_cond_wait(&s->cond, &s->lock);
    }
}

static void conn_release(meta_store_t *s, meta_conn_t *c)
{
    pthread_mutex_lock(&s->lock);
    c->next_free = s->free_conns;
    s->free_conns = c;
    pthread_cond_signal(&s->cond);
    pthread_mutex_unlock(&s->lock);
}

/* ---------------------------------------------------------------- transactions */

int meta__exec(meta_tx_t *tx, const char *sql, const meta_val_t *p, int np, meta_rows_t *rows, int64_t *changes,
               err_t *err)
{
    if (tx->dead)
        return err_set(err, ERRCODE_IN_FAILED_SQL_TRANSACTION,
                       "metastore transaction is aborted, commands ignored until end of transaction block"),
               tx->dead_rc;
    int rc = tx->s->drv->exec(tx->c, sql, p, np, rows, tx->arena, changes, err);
    if (rc != 0 && rc != META_DUPLICATE && rc != META_NOT_FOUND) {
        tx->dead = true;
        tx->dead_rc = rc;
        if (rc == META_UNAVAILABLE) {
            err_t cause = *err;
            err_clear(err);
            unavailable(tx->s, err, &cause);
        }
    }
    return rc;
}

int meta__lock_writes(meta_tx_t *tx, err_t *err)
{
    if (tx->write_locked)
        return 0;
    if (tx->flags & META_TX_READ)
        return err_set(err, ERRCODE_READ_ONLY_SQL_TRANSACTION, "cannot write in a read-only metastore transaction");
    if (tx->s->drv->lock_writes) {
        meta_rows_t r;
        int rc = meta__exec(tx, tx->s->drv->lock_writes, NULL, 0, &r, NULL, err);
        if (rc != 0)
            return rc;
    }
    tx->write_locked = true;
    return 0;
}

int meta__next_counter(meta_tx_t *tx, const char *name, int64_t *out, err_t *err)
{
    int rc = meta__lock_writes(tx, err);
    if (rc != 0)
        return rc;
    meta_val_t p[1] = { meta__str(name) };
    if ((rc = meta__exec(tx, "UPDATE meta_counters SET value = value + 1 WHERE name = ?", p, 1, NULL, NULL, err)) != 0)
        return rc;
    meta_rows_t r;
    if ((rc = meta__exec(tx, "SELECT value FROM meta_counters WHERE name = ?", p, 1, &r, NULL, err)) != 0)
        return rc;
    if (r.nrows != 1 || !r.cells[0]) {
        tx->dead = true;
        tx->dead_rc = META_ERROR;
        return err_set(err, ERRCODE_DATA_CORRUPTED, "metastore counter \"%s\" is missing", name);
    }
    *out = strtoll(r.cells[0], NULL, 10);
    return 0;
}

int meta_begin(meta_store_t *s, int flags, meta_tx_t **out, err_t *err)
{
    *out = NULL;
    meta_conn_t *c;
    int rc = conn_acquire(s, &c, err);
    if (rc != 0)
        return rc;
    mem_arena_t *arena = mem_arena_new(NULL, "meta tx", 0);
    meta_tx_t *tx = MEM_NEW(arena, meta_tx_t);
    tx->s = s;
    tx->c = c;
    tx->arena = arena;
    tx->flags = flags;
    int64_t deadline = mono_ms() + s->wait_ms, backoff = 1;
    const char *sql = (flags & META_TX_READ) ? s->drv->begin_read : s->drv->begin_write;
    for (;;) {
        if ((rc = conn_ensure(s, c, deadline, err)) != 0)
            break;
        err_t e = { 0 };
        rc = s->drv->exec(c, sql, NULL, 0, NULL, arena, NULL, &e);
        /* A write transaction takes the write lock before it reads, so its
         * reads see the latest commit and its compare-and-sets succeed:
         * read-modify-write inside one transaction does not conflict. */
        if (rc == 0 && !(flags & META_TX_READ)) {
            tx->dead = false;
            rc = meta__lock_writes(tx, &e);
            if (rc != 0 && !c->broken)
                (void)s->drv->exec(c, "ROLLBACK", NULL, 0, NULL, arena, NULL, &e);
        }
        if (rc == 0)
            break;
        if (rc == META_CONFLICT && mono_ms() < deadline) {
            /* The lock is busy past the driver's own wait, or the driver
             * reported busy without waiting at all (SQLite does that rather
             * than risk a deadlock, and while another connection recovers
             * or checkpoints the WAL): the bounded wait is ours, so wait on. */
            int64_t left = deadline - mono_ms();
            sleep_ms(backoff < left ? backoff : left);
            backoff = backoff * 2 > 50 ? 50 : backoff * 2;
            continue;
        }
        if (rc != META_UNAVAILABLE || !c->broken || mono_ms() >= deadline) {
            if (rc == META_UNAVAILABLE)
                unavailable(s, err, &e);
            else
                *err = e;
            break;
        }
        /* Lost while idle in the pool: reconnect and begin again. */
    }
    if (rc != 0) {
        mem_arena_free(arena);
        conn_release(s, c);
        return rc;
    }
    tx->dead = false;
    tx->dead_rc = 0;
    unsigned a = rand_u32(), b = rand_u32(), d = rand_u32();
    snprintf(tx->txn, sizeof tx->txn, "%08x%08x%08x%08x", a, b, d, (unsigned)getpid());
    *out = tx;
    return 0;
}

mem_arena_t *meta_tx_arena(meta_tx_t *tx)
{
    return tx->arena;
}

static void tx_end(meta_tx_t *tx)
{
    meta_store_t *s = tx->s;
    meta_conn_t *c = tx->c;
    mem_arena_free(tx->arena);
    conn_release(s, c);
}

void meta_rollback(meta_tx_t *tx)
{
    if (!tx)
        return;
    if (!tx->c->broken) {
        err_t e = { 0 };
        (void)tx->s->drv->exec(tx->c, "ROLLBACK", NULL, 0, NULL, tx->arena, NULL, &e);
    }
    tx_end(tx);
}

/* resolve_commit - after the connection died during COMMIT: reconnect and
 * look for this transaction's events, which exist iff it committed. */
static int resolve_commit(meta_tx_t *tx, err_t *err)
{
    meta_store_t *s = tx->s;
    int64_t deadline = mono_ms() + s->wait_ms;
    for (;;) {
        err_t e = { 0 };
        int rc = conn_ensure(s, tx->c, deadline, &e);
        if (rc == 0) {
            meta_val_t p[1] = { meta__str(tx->txn) };
            meta_rows_t r;
            rc = s->drv->exec(tx->c, "SELECT count(*) FROM meta_events WHERE txn = ?", p, 1, &r, tx->arena, NULL, &e);
            if (rc == 0) {
                if (r.nrows == 1 && r.cells[0] && atoll(r.cells[0]) > 0) {
                    log_info("metastore: commit of transaction %s confirmed after reconnecting", tx->txn);
                    return META_OK;
                }
                return unavailable(s, err, NULL);
            }
        }
        if (mono_ms() >= deadline) {
            err_set(err, ERRCODE_TRANSACTION_RESOLUTION_UNKNOWN, "metastore %s went away during commit; the outcome is unknown", s->describe);
            err_detail(err, "Transaction token %s: it committed if the event log holds it.", tx->txn);
            return META_INDOUBT;
        }
        sleep_ms(100);
    }
}

int meta__fault_commit;

int meta_commit(meta_tx_t *tx, err_t *err)
{
    if (tx->dead) {
        int rc = tx->dead_rc ? tx->dead_rc : META_ERROR;
        if (!err->set)
            err_set(err, rc == META_CONFLICT ? ERRCODE_T_R_SERIALIZATION_FAILURE : ERRCODE_IN_FAILED_SQL_TRANSACTION,
                    "metastore transaction was aborted by an earlier error");
        meta_rollback(tx);
        return rc;
    }
    err_t e = { 0 };
    int fault = meta__fault_commit;
    meta__fault_commit = 0;
    int rc = fault == 2 ? META_UNAVAILABLE : tx->s->drv->exec(tx->c, "COMMIT", NULL, 0, NULL, tx->arena, NULL, &e);
    if (fault && (rc == 0 || fault == 2)) {
        tx->c->broken = true; /* reconnecting closes the old session: an open transaction rolls back */
        rc = META_UNAVAILABLE;
    }
    if (rc == META_UNAVAILABLE) {
        if (tx->nevents > 0)
            rc = resolve_commit(tx, err);
        else
            rc = (tx->flags & META_TX_READ) ? META_OK : unavailable(tx->s, err, &e);
    } else if (rc != 0) {
        *err = e;
        if (!tx->c->broken)
            (void)tx->s->drv->exec(tx->c, "ROLLBACK", NULL, 0, NULL, tx->arena, NULL, &e);
    }
    meta_store_t *s = tx->s;
    bool changed = rc == 0 && tx->nevents > 0;
    tx_end(tx);
    if (changed && s->commit_hook)
        s->commit_hook(s->commit_hook_arg);
    return rc;
}

void meta_set_commit_hook(meta_store_t *s, void (*fn)(void *arg), void *arg)
{
    s->commit_hook = fn;
    s->commit_hook_arg = arg;
}

int meta_run(meta_store_t *s, int flags, meta_tx_fn fn, void *arg, err_t *err)
{
    int rc = META_ERROR;
    for (int attempt = 0; attempt < META_RUN_RETRIES; attempt++) {
        meta_tx_t *tx;
        err_clear(err);
        if ((rc = meta_begin(s, flags, &tx, err)) != 0)
            return rc; /* begin already waited the bounded wait */
        rc = fn(tx, arg, err);
        if (rc == 0)
            rc = meta_commit(tx, err);
        else
            meta_rollback(tx);
        if (rc != META_CONFLICT && rc != META_UNAVAILABLE)
            return rc;
        /* Jittered exponential backoff so racing writers spread out. */
        int cap = 1 << (attempt < 6 ? attempt : 6);
        sleep_ms(1 + (int64_t)(rand_u32() % (unsigned)cap));
    }
    return rc;
}

/* ---------------------------------------------------------------- events */

int meta_event_append(meta_tx_t *tx, const char *entity, const char *key, const char *action, int64_t version,
                      int64_t *id, err_t *err)
{
    int64_t eid;
    int rc = meta__next_counter(tx, "event", &eid, err);
    if (rc != 0)
        return rc;
    meta_val_t p[8] = { meta__int(eid), meta__str(entity), meta__str(key), meta__str(action),
                        meta__int(version), meta__int(meta__now_ms()), meta__str(tx->s->node), meta__str(tx->txn) };
    rc = meta__exec(tx,
                    "INSERT INTO meta_events (id, entity, entity_key, action, entity_version, at_ms, origin, txn) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    p, 8, NULL, NULL, err);
    if (rc != 0)
        return rc;
    tx->nevents++;
    if (id)
        *id = eid;
    return 0;
}

int meta_events_after(meta_tx_t *tx, int64_t after, int limit, mem_arena_t *arena, meta_event_t **out, size_t *n,
                      err_t *err)
{
    meta_val_t p[2] = { meta__int(after), meta__int(limit > 0 ? limit : 1000) };
    meta_rows_t r;
    int rc = meta__exec(tx,
                        "SELECT id, entity, entity_key, action, entity_version, at_ms, origin FROM meta_events "
                        "WHERE id > ? ORDER BY id LIMIT ?",
                        p, 2, &r, NULL, err);
    if (rc != 0)
        return rc;
    meta_event_t *ev = MEM_NEW_N(arena, meta_event_t, r.nrows ? r.nrows : 1);
    for (size_t i = 0; i < r.nrows; i++) {
        const char **c = r.cells + i * 7;
        ev[i].id = atoll(c[0]);
        ev[i].entity = mem_astrdup(arena, c[1] ? c[1] : "");
        ev[i].key = mem_astrdup(arena, c[2] ? c[2] : "");
        ev[i].action = mem_astrdup(arena, c[3] ? c[3] : "");
        ev[i].version = c[4] ? atoll(c[4]) : 0;
        ev[i].at = c[5] ? atoll(c[5]) : 0;
        ev[i].origin = mem_astrdup(arena, c[6] ? c[6] : "");
    }
    *out = ev;
    *n = r.nrows;
    return 0;
}

int meta_events_trim(meta_tx_t *tx, int64_t before, int64_t *deleted, err_t *err)
{
    int rc = meta__lock_writes(tx, err);
    if (rc != 0)
        return rc;
    meta_val_t p[1] = { meta__int(before) };
    int64_t n = 0;
    rc = meta__exec(tx, "DELETE FROM meta_events WHERE id < ?", p, 1, NULL, &n, err);
    if (rc == 0 && deleted)
        *deleted = n;
    return rc;
}

int meta_last_event_id(meta_tx_t *tx, int64_t *id, err_t *err)
{
    meta_rows_t r;
    int rc = meta__exec(tx, "SELECT value FROM meta_counters WHERE name = 'event'", NULL, 0, &r, NULL, err);
    if (rc != 0)
        return rc;
    *id = r.nrows == 1 && r.cells[0] ? atoll(r.cells[0]) : 0;
    return 0;
}

/* ---------------------------------------------------------------- migrations */

/* subst_options - sql with @TABLE_OPTIONS@ replaced by the driver's text. */
static char *subst_options(mem_arena_t *a, const char *sql, const char *opts)
{
    const char *tok = "@TABLE_OPTIONS@";
    const char *hit = strstr(sql, tok);
    if (!hit)
        return mem_astrdup(a, sql);
    return mem_asprintf(a, "%.*s%s%s", (int)(hit - sql), sql, opts, hit + strlen(tok));
}

static int migrate_exec(meta_store_t *s, meta_conn_t *c, mem_arena_t *a, const char *sql, const meta_val_t *p,
                        int np, meta_rows_t *rows, err_t *err)
{
    int rc = s->drv->exec(c, subst_options(a, sql, s->drv->table_options), p, np, rows, a, NULL, err);
    if (rc == META_UNAVAILABLE)
        return unavailable(s, err, NULL);
    return rc;
}

/* run_migration - executes each statement of m (split at ";" ending a line). */
static int run_migration(meta_store_t *s, meta_conn_t *c, mem_arena_t *a, const meta_migration_t *m, err_t *err)
{
    const char *p = m->sql;
    char *stmt = mem_alloc(a, strlen(p) + 1);
    size_t len = 0;
    while (*p) {
        const char *eol = strchr(p, '\n');
        size_t ll = eol ? (size_t)(eol - p) : strlen(p);
        const char *q = p;
        while (q < p + ll && (*q == ' ' || *q == '\t'))
            q++;
        bool comment = (size_t)(p + ll - q) >= 2 && q[0] == '-' && q[1] == '-';
        if (!comment && q < p + ll) {
            memcpy(stmt + len, p, ll);
            len += ll;
            stmt[len++] = '\n';
            size_t e = ll;
            while (e > 0 && (p[e - 1] == ' ' || p[e - 1] == '\r'))
                e--;
            if (e > 0 && p[e - 1] == ';') {
                stmt[len] = 0;
                /* drop the ';' for drivers that dislike it */
                char *semi = strrchr(stmt, ';');
                *semi = 0;
                int rc = migrate_exec(s, c, a, stmt, NULL, 0, NULL, err);
                if (rc != 0) {
                    err_detail(err, "In migration %s.", m->name);
                    return rc;
                }
                len = 0;
            }
        }
        p += ll + (eol ? 1 : 0);
    }
    return 0;
}

static int migrate(meta_store_t *s, err_t *err)
{
    meta_conn_t *c;
    int rc = conn_acquire(s, &c, err);
    if (rc != 0)
        return rc;
    mem_arena_t *a = mem_arena_new(NULL, "meta migrate", 0);
    bool locked = false, in_tx = false;
    if (s->drv->lock_migrations) {
        if ((rc = s->drv->lock_migrations(c, s->wait_ms, err)) != 0)
            goto done;
        locked = true;
    } else {
        if ((rc = migrate_exec(s, c, a, s->drv->begin_write, NULL, 0, NULL, err)) != 0)
            goto done;
        in_tx = true;
    }
    rc = migrate_exec(s, c, a,
                      "CREATE TABLE IF NOT EXISTS meta_migrations (version INTEGER NOT NULL PRIMARY KEY, "
                      "name VARCHAR(255) NOT NULL, applied_at BIGINT NOT NULL) @TABLE_OPTIONS@",
                      NULL, 0, NULL, err);
    if (rc != 0)
        goto done;
    meta_rows_t r;
    if ((rc = migrate_exec(s, c, a, "SELECT max(version) FROM meta_migrations", NULL, 0, &r, err)) != 0)
        goto done;
    int cur = r.nrows && r.cells[0] ? atoi(r.cells[0]) : 0;
    int known = meta__nmigrations ? meta__migrations[meta__nmigrations - 1].version : 0;
    if (cur > known) {
        rc = err_set(err, ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                     "metastore %s has schema version %d, newer than this kiln knows (%d)", s->describe, cur, known);
        err_hint(err, "Upgrade this node to the version the other nodes run.");
        goto done;
    }
    for (int i = 0; i < meta__nmigrations; i++) {
        const meta_migration_t *m = &meta__migrations[i];
        if (m->version <= cur)
            continue;
        log_info("metastore %s: applying migration %s", s->describe, m->name);
        if ((rc = run_migration(s, c, a, m, err)) != 0)
            goto done;
        meta_val_t p[3] = { meta__int(m->version), meta__str(m->name), meta__int(meta__now_ms()) };
        if ((rc = migrate_exec(s, c, a, "INSERT INTO meta_migrations (version, name, applied_at) VALUES (?, ?, ?)", p,
                               3, NULL, err)) != 0)
            goto done;
        cur = m->version;
    }
    static const struct { const char *name; int64_t start; } counters[] = { { "event", 0 }, { "oid", META_FIRST_OID } };
    for (size_t i = 0; i < sizeof counters / sizeof counters[0]; i++) {
        meta_val_t p[2] = { meta__str(counters[i].name), meta__int(counters[i].start) };
        if ((rc = migrate_exec(s, c, a, "SELECT value FROM meta_counters WHERE name = ?", p, 1, &r, err)) != 0)
            goto done;
        if (r.nrows == 0 &&
            (rc = migrate_exec(s, c, a, "INSERT INTO meta_counters (name, value) VALUES (?, ?)", p, 2, NULL, err)) != 0)
            goto done;
    }
    s->schema_version = cur;
    if (in_tx) {
        rc = migrate_exec(s, c, a, "COMMIT", NULL, 0, NULL, err);
        in_tx = false;
    }
done:
    if (in_tx) {
        err_t e = { 0 };
        (void)s->drv->exec(c, "ROLLBACK", NULL, 0, NULL, a, NULL, &e);
    }
    if (locked)
        s->drv->unlock_migrations(c);
    mem_arena_free(a);
    conn_release(s, c);
    return rc;
}

/* ---------------------------------------------------------------- open / close */

static int mkdir_p(const char *path)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p == '/') {
            *p = 0;
            if (mkdir(buf, 0700) != 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    }
    return 0;
}

int meta_open(const meta_options_t *opt, meta_store_t **out, err_t *err)
{
    *out = NULL;
    mem_arena_t *a = mem_arena_new(NULL, "meta store", 0);
    meta_store_t *s = MEM_NEW(a, meta_store_t);
    s->arena = a;
    if (meta__parse_url(opt->url, opt->data_dir, a, &s->url, err) < 0) {
        mem_arena_free(a);
        return META_ERROR;
    }
    s->drv = s->url.mysql ? &meta__mysql_driver : &meta__sqlite_driver;
    s->wait_ms = opt->wait_ms > 0 ? opt->wait_ms : META_DEFAULT_WAIT_MS;
    s->pool_size = opt->pool_size > 0 ? opt->pool_size : s->url.max_active > 0 ? s->url.max_active : META_DEFAULT_POOL;
    if (opt->node && *opt->node) {
        s->node = mem_astrdup(a, opt->node);
    } else {
        char host[256] = "localhost";
        gethostname(host, sizeof host - 1);
        s->node = mem_asprintf(a, "%s:%d", host, (int)getpid());
    }
    if (s->url.mysql)
        s->describe = mem_asprintf(a, "mysql://%s@%s:%u/%s", s->url.user ? s->url.user : "", s->url.host,
                                   s->url.port, s->url.db);
    else
        s->describe = mem_asprintf(a, "sqlite:%s", s->url.path);
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->cond, NULL);
    pthread_mutex_init(&s->refresh_lock, NULL);
    atomic_init(&s->current, NULL);
    atomic_init(&s->in_acquire, 0);
    if (!s->url.mysql && mkdir_p(s->url.path) != 0) {
        err_set(err, ERRCODE_IO_ERROR, "could not create the directory of metastore %s: %s", s->url.path,
                strerror(errno));
        meta_close(s);
        return META_ERROR;
    }
    int rc = migrate(s, err);
    if (rc == 0)
        rc = meta_catalog_refresh(s, true, err);
    if (rc != 0) {
        meta_close(s);
        return rc;
    }
    *out = s;
    return 0;
}

void meta_close(meta_store_t *s)
{
    if (!s)
        return;
    meta__catalog_free_all(s);
    pthread_mutex_lock(&s->lock);
    meta_conn_t *c = s->free_conns;
    s->free_conns = NULL;
    pthread_mutex_unlock(&s->lock);
    while (c) {
        meta_conn_t *next = c->next_free;
        s->drv->disconnect(c);
        c = next;
    }
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->cond);
    pthread_mutex_destroy(&s->refresh_lock);
    mem_arena_free(s->arena);
}

const char *meta_describe(const meta_store_t *s)
{
    return s->describe;
}

int meta_schema_version(const meta_store_t *s)
{
    return s->schema_version;
}

bool meta_is_mysql(const meta_store_t *s)
{
    return s->url.mysql;
}
