/*
 * mysql.c - the cluster metastore backend: MySQL or MariaDB through the
 * MariaDB Connector/C (libmariadb), InnoDB, REPEATABLE READ.
 *
 * Statements go over the text protocol with parameters escaped by
 * mysql_real_escape_string (the statements are few and small; the text
 * protocol keeps one code path for results). Connection loss (server killed,
 * restarted, network cut) marks the connection broken and reports
 * META_UNAVAILABLE; store.c reconnects with backoff. The client library's
 * own auto-reconnect stays off: it would silently drop a transaction.
 *
 * Writers serialize on the 'event' row of meta_counters (SELECT ... FOR
 * UPDATE at the first write, held to commit): event ids are then in commit
 * order, and there are no deadlocks between metadata writers. A deadlock or
 * lock wait timeout anyway (other software on the same rows) is META_CONFLICT.
 */
#include "meta/meta_int.h"

#include <mysql.h>
#include <errmsg.h>
#include <mysqld_error.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "common/buf.h"

#define CONNECT_TIMEOUT_S 2
#define IO_TIMEOUT_S 30

typedef struct mysql_conn {
    meta_conn_t base;
    MYSQL *m;
} mysql_conn_t;

static pthread_once_t lib_once = PTHREAD_ONCE_INIT;

static void lib_init(void)
{
    mysql_library_init(0, NULL, NULL);
}

static bool is_connection_error(unsigned e)
{
    switch (e) {
    case CR_CONNECTION_ERROR:     /* 2002 */
    case CR_CONN_HOST_ERROR:      /* 2003 */
    case CR_SERVER_GONE_ERROR:    /* 2006 */
    case CR_SERVER_LOST:          /* 2013 */
    case CR_SERVER_LOST_EXTENDED: /* 2055 */
    case CR_COMMANDS_OUT_OF_SYNC: /* 2014: a half-read result after an error; reconnect */
    case ER_SERVER_SHUTDOWN:      /* 1053 */
    case ER_CONNECTION_KILLED:    /* 1927 */
    case 4031:                    /* ER_CLIENT_INTERACTION_TIMEOUT */
        return true;
    default:
        return false;
    }
}

static int classify(mysql_conn_t *c, const char *sql, err_t *err)
{
    unsigned e = mysql_errno(c->m);
    const char *msg = mysql_error(c->m);
    if (is_connection_error(e)) {
        c->base.broken = true;
        err_set(err, ERRCODE_CONNECTION_FAILURE, "lost connection to the metastore: %s (%u)", msg, e);
        return META_UNAVAILABLE;
    }
    switch (e) {
    case ER_LOCK_DEADLOCK:
    case ER_LOCK_WAIT_TIMEOUT:
        err_set(err, ERRCODE_T_R_SERIALIZATION_FAILURE, "metastore write conflict: %s", msg);
        return META_CONFLICT;
    case ER_DUP_ENTRY:
        err_set(err, ERRCODE_UNIQUE_VIOLATION, "duplicate key in metastore: %s", msg);
        return META_DUPLICATE;
    case ER_ACCESS_DENIED_ERROR:
    case ER_DBACCESS_DENIED_ERROR:
        err_set(err, ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION, "metastore refused the login: %s", msg);
        return META_ERROR;
    case ER_BAD_DB_ERROR:
        err_set(err, ERRCODE_INVALID_CATALOG_NAME, "metastore database does not exist: %s", msg);
        return META_ERROR;
    default:
        err_set(err, ERRCODE_INTERNAL_ERROR, "metastore error: %s (%u)", msg, e);
        if (sql)
            err_detail(err, "SQL: %.900s", sql);
        return META_ERROR;
    }
}

static int open_conn(meta_store_t *s, MYSQL **out, err_t *err)
{
    pthread_once(&lib_once, lib_init);
    MYSQL *m = mysql_init(NULL);
    if (!m)
        return err_set(err, ERRCODE_OUT_OF_MEMORY, "out of memory opening a metastore connection"), META_ERROR;
    unsigned ct = CONNECT_TIMEOUT_S, io = IO_TIMEOUT_S;
    my_bool no = 0;
    mysql_optionsv(m, MYSQL_OPT_CONNECT_TIMEOUT, &ct);
    mysql_optionsv(m, MYSQL_OPT_READ_TIMEOUT, &io);
    mysql_optionsv(m, MYSQL_OPT_WRITE_TIMEOUT, &io);
    mysql_optionsv(m, MYSQL_OPT_RECONNECT, &no);
    mysql_optionsv(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    if (!mysql_real_connect(m, s->url.host, s->url.user, s->url.password, s->url.db, s->url.port, NULL, 0)) {
        mysql_conn_t tmp = { .m = m };
        int rc = classify(&tmp, NULL, err);
        mysql_close(m);
        return rc;
    }
    /* Bound lock waits by the store's wait; REPEATABLE READ explicitly
     * (a server may default to another level). */
    char sql[160];
    int lw = s->wait_ms / 1000 > 0 ? s->wait_ms / 1000 : 1;
    snprintf(sql, sizeof sql, "SET SESSION innodb_lock_wait_timeout = %d", lw);
    if (mysql_query(m, sql) != 0 || mysql_query(m, "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ") != 0) {
        mysql_conn_t tmp = { .m = m };
        int rc = classify(&tmp, sql, err);
        mysql_close(m);
        return rc;
    }
    *out = m;
    return 0;
}

static int my_connect(meta_store_t *s, meta_conn_t **out, err_t *err)
{
    MYSQL *m;
    int rc = open_conn(s, &m, err);
    if (rc != 0)
        return rc;
    mysql_conn_t *c = mem_calloc(1, sizeof *c);
    c->m = m;
    *out = &c->base;
    return 0;
}

static void my_disconnect(meta_conn_t *base)
{
    mysql_conn_t *c = (mysql_conn_t *)base;
    if (!c)
        return;
    if (c->m)
        mysql_close(c->m);
    mem_free(c);
}

static int my_reconnect(meta_store_t *s, meta_conn_t *base, err_t *err)
{
    mysql_conn_t *c = (mysql_conn_t *)base;
    if (c->m)
        mysql_close(c->m);
    c->m = NULL;
    int rc = open_conn(s, &c->m, err);
    if (rc == 0)
        base->broken = false;
    return rc;
}

/* interpolate - sql with each ? replaced by the escaped parameter. Our SQL
 * has no ? inside literals, so a plain scan is exact. */
static const char *interpolate(mysql_conn_t *c, const char *sql, const meta_val_t *p, int np, mem_arena_t *a)
{
    if (np == 0)
        return sql;
    buf_t b = BUF_INIT;
    int k = 0;
    for (const char *q = sql; *q; q++) {
        if (*q != '?' || k >= np) {
            buf_putc(&b, *q);
            continue;
        }
        const meta_val_t *v = &p[k++];
        if (v->type == META_V_NULL) {
            buf_puts(&b, "NULL");
        } else if (v->type == META_V_INT) {
            buf_printf(&b, "%lld", (long long)v->i);
        } else {
            size_t len = strlen(v->s);
            buf_reserve(&b, len * 2 + 3);
            b.data[b.len++] = '\'';
            b.len += mysql_real_escape_string(c->m, b.data + b.len, v->s, (unsigned long)len);
            b.data[b.len++] = '\'';
        }
    }
    const char *out = mem_astrndup(a, b.data ? b.data : "", b.len);
    buf_free(&b);
    return out;
}

static int my_exec(meta_conn_t *base, const char *sql, const meta_val_t *params, int nparams, meta_rows_t *rows,
                   mem_arena_t *arena, int64_t *changes, err_t *err)
{
    mysql_conn_t *c = (mysql_conn_t *)base;
    if (rows)
        memset(rows, 0, sizeof *rows);
    if (base->broken || !c->m) {
        base->broken = true;
        err_set(err, ERRCODE_CONNECTION_FAILURE, "metastore connection is broken");
        return META_UNAVAILABLE;
    }
    const char *q = interpolate(c, sql, params, nparams, arena);
    if (mysql_real_query(c->m, q, (unsigned long)strlen(q)) != 0)
        return classify(c, q, err);
    if (mysql_field_count(c->m) == 0) {
        if (changes)
            *changes = (int64_t)mysql_affected_rows(c->m);
        return 0;
    }
    MYSQL_RES *res = mysql_store_result(c->m);
    if (!res)
        return classify(c, q, err);
    if (rows) {
        int ncols = (int)mysql_num_fields(res);
        size_t n = (size_t)mysql_num_rows(res);
        const char **cells = mem_alloc(arena, (n ? n : 1) * (size_t)(ncols ? ncols : 1) * sizeof *cells);
        MYSQL_ROW row;
        size_t i = 0;
        while ((row = mysql_fetch_row(res)) && i < n) {
            unsigned long *len = mysql_fetch_lengths(res);
            for (int j = 0; j < ncols; j++)
                cells[i * (size_t)ncols + (size_t)j] = row[j] ? mem_astrndup(arena, row[j], len[j]) : NULL;
            i++;
        }
        rows->nrows = i;
        rows->ncols = ncols;
        rows->cells = cells;
    }
    if (changes)
        *changes = (int64_t)mysql_num_rows(res);
    mysql_free_result(res);
    return 0;
}

static int my_lock_migrations(meta_conn_t *base, int wait_ms, err_t *err)
{
    mysql_conn_t *c = (mysql_conn_t *)base;
    char sql[96];
    /* Migrations may take a while on a big store; wait at least a minute. */
    int secs = wait_ms / 1000 > 60 ? wait_ms / 1000 : 60;
    snprintf(sql, sizeof sql, "SELECT GET_LOCK('kiln_meta_migrate', %d)", secs);
    meta_rows_t r;
    mem_arena_t *a = mem_arena_new(NULL, "meta lock", 0);
    int rc = my_exec(base, sql, NULL, 0, &r, a, NULL, err);
    if (rc == 0 && !(r.nrows == 1 && r.cells[0] && strcmp(r.cells[0], "1") == 0))
        rc = err_set(err, ERRCODE_LOCK_NOT_AVAILABLE, "could not take the metastore migration lock in %d s", secs);
    mem_arena_free(a);
    (void)c;
    return rc;
}

static void my_unlock_migrations(meta_conn_t *base)
{
    mysql_conn_t *c = (mysql_conn_t *)base;
    if (base->broken || !c->m)
        return;
    if (mysql_query(c->m, "SELECT RELEASE_LOCK('kiln_meta_migrate')") == 0) {
        MYSQL_RES *res = mysql_store_result(c->m);
        if (res)
            mysql_free_result(res);
    }
}

const meta_driver_t meta__mysql_driver = {
    .name = "mysql",
    .connect = my_connect,
    .disconnect = my_disconnect,
    .reconnect = my_reconnect,
    .exec = my_exec,
    .begin_write = "START TRANSACTION",
    .begin_read = "START TRANSACTION READ ONLY, WITH CONSISTENT SNAPSHOT",
    .lock_writes = "SELECT value FROM meta_counters WHERE name = 'event' FOR UPDATE",
    .table_options = "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
    .lock_migrations = my_lock_migrations,
    .unlock_migrations = my_unlock_migrations,
};
