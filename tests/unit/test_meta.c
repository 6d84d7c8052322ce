/*
 * test_meta.c - the metastore suite, written once and run against each
 * backend: SQLite by default (make check, no services), MySQL/MariaDB when
 * KILN_TEST_META_URL names one (tests/e2e/meta_mariadb.sh).
 *
 * Each test starts from an empty store (a new SQLite file, or the MariaDB
 * database with every meta_ table dropped), so tests are independent. The
 * concurrency test forks 4 writer processes doing 1000 compare-and-set
 * increments each and checks that every increment survived.
 */
#include <mysql.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "meta/meta.h"
#include "meta/meta_int.h"
#include "tap.h"

static char sqlite_path[256];

static const char *test_url(void)
{
    const char *u = getenv("KILN_TEST_META_URL");
    if (u && *u)
        return u;
    if (!sqlite_path[0])
        snprintf(sqlite_path, sizeof sqlite_path, "sqlite:/tmp/kiln-test-meta-%d.db", (int)getpid());
    return sqlite_path;
}

/* reset_store - empties the store test_url() names. */
static void reset_store(void)
{
    const char *url = test_url();
    mem_arena_t *a = mem_arena_new(NULL, "t", 0);
    meta_url_t u;
    err_t err = { 0 };
    ASSERT(meta__parse_url(url, NULL, a, &u, &err) == 0);
    if (!u.mysql) {
        char p[300];
        unlink(u.path);
        snprintf(p, sizeof p, "%s-wal", u.path);
        unlink(p);
        snprintf(p, sizeof p, "%s-shm", u.path);
        unlink(p);
        snprintf(p, sizeof p, "%s-wlock", u.path);
        unlink(p);
    } else {
        MYSQL *m = mysql_init(NULL);
        if (!mysql_real_connect(m, u.host, u.user, u.password, u.db, u.port, NULL, 0))
            TAP_FAIL("reset: %s", mysql_error(m));
        ASSERT(mysql_query(m, "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() "
                              "AND table_name LIKE 'meta\\_%'") == 0);
        MYSQL_RES *r = mysql_store_result(m);
        MYSQL_ROW row;
        char sql[300];
        while ((row = mysql_fetch_row(r))) {
            snprintf(sql, sizeof sql, "DROP TABLE IF EXISTS `%s`", row[0]);
            ASSERT(mysql_query(m, sql) == 0);
        }
        mysql_free_result(r);
        mysql_close(m);
    }
    mem_arena_free(a);
}

static void cleanup_store(void)
{
    if (!getenv("KILN_TEST_META_URL"))
        reset_store();
}

static meta_store_t *open_store(void)
{
    meta_options_t o = { .url = test_url(), .node = "test-node", .wait_ms = 5000 };
    meta_store_t *s = NULL;
    err_t err = { 0 };
    if (meta_open(&o, &s, &err) != 0)
        TAP_FAIL("meta_open %s: %s: %s (%s)", test_url(), err.sqlstate, err.message, err.detail);
    return s;
}

static meta_store_t *fresh_store(void)
{
    reset_store();
    return open_store();
}

static meta_tx_t *begin(meta_store_t *s, int flags)
{
    meta_tx_t *tx = NULL;
    err_t err = { 0 };
    if (meta_begin(s, flags, &tx, &err) != 0)
        TAP_FAIL("meta_begin: %s %s", err.sqlstate, err.message);
    return tx;
}

static void commit(meta_tx_t *tx)
{
    err_t err = { 0 };
    int rc = meta_commit(tx, &err);
    if (rc != 0)
        TAP_FAIL("meta_commit: %d %s %s", rc, err.sqlstate, err.message);
}

/* OK(call) - call must succeed; it reports through `err`, declared here. */
#define OK(call)                                                                                                      \
    do {                                                                                                              \
        err_t err = { 0 };                                                                                            \
        int rc_ = (call);                                                                                             \
        if (rc_ != 0)                                                                                                 \
            TAP_FAIL("%s: rc %d %s %s (%s)", #call, rc_, err.sqlstate, err.message, err.detail);                     \
    } while (0)

static int64_t put_schema(meta_store_t *s, const char *name)
{
    meta_tx_t *tx = begin(s, 0);
    meta_schema_t sc = { .name = name, .owner = "kiln" };
    OK(meta_put(tx, META_SCHEMA, &sc, &err));
    commit(tx);
    return sc.h.id;
}

static void make_table(meta_table_t *t, int64_t schema_id, const char *name, int ncols, int gen, mem_arena_t *a)
{
    memset(t, 0, sizeof *t);
    t->schema_id = schema_id;
    t->name = name;
    t->kind = "foreign";
    t->ncolumns = (size_t)ncols;
    t->columns = MEM_NEW_N(a, meta_column_t, ncols);
    for (int i = 0; i < ncols; i++) {
        t->columns[i].name = mem_asprintf(a, "c%d_%d", gen, i);
        t->columns[i].type = i % 2 ? "integer" : "text";
        t->columns[i].typmod = -1;
        t->columns[i].not_null = i == 0;
    }
    t->noptions = 2;
    t->options = MEM_NEW_N(a, meta_option_t, 2);
    t->options[0] = (meta_option_t){ "filename", "/data/ssb/lineorder.tbl" };
    t->options[1] = (meta_option_t){ "delimiter", "|" };
}

/* ---------------------------------------------------------------- tests */

static void test_url_parse(void)
{
    mem_arena_t *a = mem_arena_new(NULL, "t", 0);
    meta_url_t u;
    err_t e = { 0 };
    ASSERT(meta__parse_url("", "/var/kiln", a, &u, &e) == 0);
    ASSERT(!u.mysql);
    ASSERT_STREQ(u.path, "/var/kiln/metastore.db");
    ASSERT(meta__parse_url("kylin_metadata@jdbc,url=jdbc:mysql://10.0.0.5:3307/kylin?useSSL=false,username=ky,"
                           "password=s3cret,maxActive=10,maxIdle=10",
                           NULL, a, &u, &e) == 0);
    ASSERT(u.mysql);
    ASSERT_STREQ(u.host, "10.0.0.5");
    ASSERT_EQ(u.port, 3307);
    ASSERT_STREQ(u.db, "kylin");
    ASSERT_STREQ(u.user, "ky");
    ASSERT_STREQ(u.password, "s3cret");
    ASSERT_EQ(u.max_active, 10);
    ASSERT(meta__parse_url("mysql://olap:p%40ss@127.0.0.1/meta", NULL, a, &u, &e) == 0);
    ASSERT_STREQ(u.user, "olap");
    ASSERT_STREQ(u.password, "p@ss");
    ASSERT_EQ(u.port, 3306);
    ASSERT_STREQ(u.db, "meta");
    ASSERT(meta__parse_url("sqlite:/tmp/x.db", NULL, a, &u, &e) == 0);
    ASSERT_STREQ(u.path, "/tmp/x.db");
    ASSERT(meta__parse_url("kylin_metadata@hbase", NULL, a, &u, &e) < 0);
    ASSERT_STREQ(e.sqlstate, "F0000");
    err_clear(&e);
    ASSERT(meta__parse_url("mysql://u:p@host:99999/db", NULL, a, &u, &e) < 0);
    mem_arena_free(a);
}

static void test_migrations(void)
{
    meta_store_t *s = fresh_store();
    ASSERT_EQ(meta_schema_version(s), meta__migrations[meta__nmigrations - 1].version);
    ASSERT(meta_catalog_version(s) == 0);
    meta_close(s);
    /* Reopening applies nothing and keeps data. */
    s = open_store();
    ASSERT_EQ(meta_schema_version(s), meta__migrations[meta__nmigrations - 1].version);
    meta_close(s);
    cleanup_store();
}

static void test_crud_table(void)
{
    meta_store_t *s = fresh_store();
    mem_arena_t *a = mem_arena_new(NULL, "t", 0);
    int64_t sid = put_schema(s, "public");
    ASSERT(sid >= 16384);

    meta_tx_t *tx = begin(s, 0);
    meta_server_t srv = { .name = "files", .wrapper = "file_fdw" };
    OK(meta_put(tx, META_SERVER, &srv, &err));
    meta_table_t t;
    make_table(&t, sid, "lineorder", 5, 1, a);
    t.server_id = srv.h.id;
    OK(meta_put(tx, META_TABLE, &t, &err));
    ASSERT_EQ(t.h.version, 1);
    ASSERT(t.h.created > 0);
    commit(tx);

    tx = begin(s, META_TX_READ);
    meta_table_t *got;
    OK(meta_get(tx, META_TABLE, t.h.id, a, &got, &err));
    ASSERT_STREQ(got->name, "lineorder");
    ASSERT_EQ(got->server_id, srv.h.id);
    ASSERT_EQ(got->ncolumns, 5);
    ASSERT_STREQ(got->columns[0].name, "c1_0");
    ASSERT_STREQ(got->columns[1].type, "integer");
    ASSERT_EQ(got->columns[2].typmod, -1);
    ASSERT(got->columns[0].not_null && !got->columns[1].not_null);
    ASSERT_EQ(got->noptions, 2);
    ASSERT_STREQ(meta_option_get(got->options, got->noptions, "delimiter"), "|");
    meta_table_t *found;
    OK(meta_find(tx, META_TABLE, sid, "lineorder", a, &found, &err));
    ASSERT_EQ(found->h.id, t.h.id);
    err_t e = { 0 };
    ASSERT_EQ(meta_find(tx, META_TABLE, sid, "LINEORDER", a, &found, &e), META_NOT_FOUND); /* names are exact */
    ASSERT_STREQ(e.sqlstate, "42704");
    commit(tx);

    /* Update: children replaced, version bumped. */
    tx = begin(s, 0);
    got->ncolumns = 2;
    got->columns[1].name = "renamed";
    got->noptions = 0;
    OK(meta_put(tx, META_TABLE, got, &err));
    ASSERT_EQ(got->h.version, 2);
    commit(tx);
    tx = begin(s, META_TX_READ);
    meta_table_t *again;
    OK(meta_get(tx, META_TABLE, t.h.id, a, &again, &err));
    ASSERT_EQ(again->h.version, 2);
    ASSERT_EQ(again->ncolumns, 2);
    ASSERT_STREQ(again->columns[1].name, "renamed");
    ASSERT_EQ(again->noptions, 0);
    ASSERT_EQ(again->h.created, t.h.created);
    /* list by parent and all */
    meta_table_t t2;
    commit(tx);
    tx = begin(s, 0);
    make_table(&t2, sid, "dates", 3, 1, a);
    OK(meta_put(tx, META_TABLE, &t2, &err));
    commit(tx);
    tx = begin(s, META_TX_READ);
    meta_table_t *list;
    size_t n;
    OK(meta_list(tx, META_TABLE, sid, a, &list, &n, &err));
    ASSERT_EQ(n, 2);
    ASSERT_STREQ(list[0].name, "lineorder");
    ASSERT_EQ(list[0].ncolumns, 2);
    ASSERT_EQ(list[1].ncolumns, 3);
    OK(meta_list(tx, META_TABLE, 0, a, &list, &n, &err));
    ASSERT_EQ(n, 2);
    OK(meta_list(tx, META_TABLE, sid + 999, a, &list, &n, &err));
    ASSERT_EQ(n, 0);
    commit(tx);
    meta_close(s);
    mem_arena_free(a);
    cleanup_store();
}

static void test_cas_conflict(void)
{
    meta_store_t *s = fresh_store();
    mem_arena_t *a = mem_arena_new(NULL, "t", 0);
    int64_t sid = put_schema(s, "public");
    meta_tx_t *tx = begin(s, META_TX_READ);
    meta_schema_t *v1a, *v1b;
    OK(meta_get(tx, META_SCHEMA, sid, a, &v1a, &err));
    OK(meta_get(tx, META_SCHEMA, sid, a, &v1b, &err));
    commit(tx);
    tx = begin(s, 0);
    v1a->owner = "alice";
    OK(meta_put(tx, META_SCHEMA, v1a, &err));
    commit(tx);
    tx = begin(s, 0);
    v1b->owner = "bob";
    err_t e = { 0 };
    ASSERT_EQ(meta_put(tx, META_SCHEMA, v1b, &e), META_CONFLICT);
    ASSERT_STREQ(e.sqlstate, "40001");
    ASSERT_EQ(v1b->h.version, 1); /* untouched on failure */
    err_clear(&e);
    ASSERT_EQ(meta_commit(tx, &e), META_CONFLICT); /* the transaction is spent */
    tx = begin(s, META_TX_READ);
    meta_schema_t *now;
    OK(meta_get(tx, META_SCHEMA, sid, a, &now, &err));
    ASSERT_STREQ(now->owner, "alice");
    ASSERT_EQ(now->h.version, 2);
    commit(tx);
    meta_close(s);
    mem_arena_free(a);
    cleanup_store();
}

static void test_duplicate(void)
{
    meta_store_t *s = fresh_store();
    int64_t sid = put_schema(s, "public");
    (void)sid;
    meta_tx_t *tx = begin(s, 0);
    meta_schema_t dup = { .name = "public" };
    err_t e = { 0 };
    ASSERT_EQ(meta_put(tx, META_SCHEMA, &dup, &e), META_DUPLICATE);
    ASSERT_STREQ(e.sqlstate, "23505");
    ASSERT_EQ(dup.h.id, 0);
    /* The transaction goes on after a duplicate. */
    meta_schema_t other = { .name = "ssb" };
    OK(meta_put(tx, META_SCHEMA, &other, &err));
    commit(tx);
    meta_tx_t *r = begin(s, META_TX_READ);
    mem_arena_t *a = mem_arena_new(NULL, "t", 0);
    meta_schema_t *list;
    size_t n;
    OK(meta_list(r, META_SCHEMA, 0, a, &list, &n, &err));
    ASSERT_EQ(n, 2);
    commit(r);
    meta_close(s);
    mem_arena_free(a);
    cleanup_store();
}

static void test_delete(void)
{
    meta_store_t *s = fresh_store();
    mem_arena_t *a = mem_arena_new(NULL, "t", 0);
    int64_t sid = put_schema(s, "public");
    meta_tx_t *tx = begin(s, 0);
    meta_table_t t;
    make_table(&t, sid, "t1", 4, 1, a);
    OK(meta_put(tx, META_TABLE, &t, &err));
    commit(tx);
    tx = begin(s, 0);
    err_t e = { 0 };
    ASSERT_EQ(meta_delete(tx, META_TABLE, t.h.id, 7, &e), META_CONFLICT);
    meta_rollback(tx);
    tx = begin(s, 0);
    OK(meta_delete(tx, META_TABLE, t.h.id, t.h.version, &err));
    commit(tx);
    tx = begin(s, 0);
    err_clear(&e);
    ASSERT_EQ(meta_get(tx, META_TABLE, t.h.id, a, &t, &e), META_NOT_FOUND);
    err_clear(&e);
    ASSERT_EQ(meta_delete(tx, META_TABLE, t.h.id, 1, &e), META_NOT_FOUND);
    /* Children went with it: a new table with the same name starts clean. */
    meta_table_t t2;
    make_table(&t2, sid, "t1", 1, 2, a);
    OK(meta_put(tx, META_TABLE, &t2, &err));
    meta_table_t *got;
    OK(meta_get(tx, META_TABLE, t2.h.id, a, &got, &err));
    ASSERT_EQ(got->ncolumns, 1);
    meta_rows_t rows;
    OK(meta__exec(tx, "SELECT count(*) FROM meta_table_columns", NULL, 0, &rows, NULL, &err));
    ASSERT_STREQ(rows.cells[0], "1");
    commit(tx);
    meta_close(s);
    mem_arena_free(a);
    cleanup_store();
}

static void test_rollback_and_atomicity(void)
{
    meta_store_t *s = fresh_store();
    mem_arena_t *a = mem_arena_new(NULL, "t", 0);
    int64_t sid = put_schema(s, "public");
    int64_t before = meta_catalog_version(s);
    (void)before;
    meta_tx_t *tx = begin(s, 0);
    meta_table_t t;
    make_table(&t, sid, "gone", 3, 1, a);
    OK(meta_put(tx, META_TABLE, &t, &err));
    meta_rollback(tx);
    /* A multi-row change that fails half way commits nothing. */
    tx = begin(s, 0);
    meta_table_t t2;
    make_table(&t2, sid, "half", 3, 1, a);
    OK(meta_put(tx, META_TABLE, &t2, &err));
    meta_schema_t bad = { .h = { .id = sid, .version = 99 }, .name = "public" };
    err_t e = { 0 };
    ASSERT_EQ(meta_put(tx, META_SCHEMA, &bad, &e), META_CONFLICT);
    err_clear(&e);
    ASSERT(meta_commit(tx, &e) != 0);
    tx = begin(s, META_TX_READ);
    meta_table_t *list;
    size_t n;
    OK(meta_list(tx, META_TABLE, 0, a, &list, &n, &err));
    ASSERT_EQ(n, 0);
    meta_event_t *ev;
    OK(meta_events_after(tx, 0, 100, a, &ev, &n, &err));
    ASSERT_EQ(n, 1); /* only the schema's create */
    meta_rows_t rows;
    OK(meta__exec(tx, "SELECT count(*) FROM meta_table_columns", NULL, 0, &rows, NULL, &err));
    ASSERT_STREQ(rows.cells[0], "0");
    commit(tx);
    meta_close(s);
    mem_arena_free(a);
    cleanup_store();
}

static void test_events(void)
{
    meta_store_t *s = fresh_store();
    mem_arena_t *a = mem_arena_new(NULL, "t", 0);
    int64_t sid = put_schema(s, "public");
    meta_tx_t *tx = begin(s, 0);
    meta_schema_t *sc;
    OK(meta_get(tx, META_SCHEMA, sid, a, &sc, &err));
    sc->owner = "x";
    OK(meta_put(tx, META_SCHEMA, sc, &err));
    int64_t custom;
    OK(meta_event_append(tx, "job_output", "job-1", "append", 3, &custom, &err));
    OK(meta_delete(tx, META_SCHEMA, sid, sc->h.version, &err));
    commit(tx);
    tx = begin(s, META_TX_READ);
    meta_event_t *ev;
    size_t n;
    OK(meta_events_after(tx, 0, 100, a, &ev, &n, &err));
    ASSERT_EQ(n, 4);
    ASSERT_STREQ(ev[0].entity, "schema");
    ASSERT_STREQ(ev[0].action, "create");
    ASSERT_EQ(ev[0].version, 1);
    char key[24];
    snprintf(key, sizeof key, "%lld", (long long)sid);
    ASSERT_STREQ(ev[0].key, key);
    ASSERT_STREQ(ev[0].origin, "test-node");
    ASSERT(ev[0].at > 0);
    ASSERT_STREQ(ev[1].action, "update");
    ASSERT_EQ(ev[1].version, 2);
    ASSERT_STREQ(ev[2].entity, "job_output");
    ASSERT_EQ(ev[2].id, custom);
    ASSERT_STREQ(ev[3].action, "drop");
    for (size_t i = 1; i < n; i++)
        ASSERT_EQ(ev[i].id, ev[i - 1].id + 1);
    OK(meta_events_after(tx, ev[1].id, 1, a, &ev, &n, &err));
    ASSERT_EQ(n, 1);
    ASSERT_STREQ(ev[0].entity, "job_output");
    int64_t last;
    OK(meta_last_event_id(tx, &last, &err));
    ASSERT_EQ(last, custom + 1);
    commit(tx);
    meta_close(s);
    mem_arena_free(a);
    cleanup_store();
}

static void put_model_and_cube(meta_store_t *s, int64_t sid, mem_arena_t *a, meta_cube_t *cube_out)
{
    meta_tx_t *tx = begin(s, 0);
    meta_table_t fact, dates;
    make_table(&fact, sid, "lineorder", 4, 1, a);
    make_table(&dates, sid, "dates", 2, 1, a);
    OK(meta_put(tx, META_TABLE, &fact, &err));
    OK(meta_put(tx, META_TABLE, &dates, &err));
    meta_model_table_t mt[2] = { { "lineorder", fact.h.id, "fact", NULL }, { "dates", dates.h.id, "lookup", "inner" } };
    meta_join_cond_t jc[1] = { { "dates", "lineorder.lo_orderdate", "dates.d_datekey" } };
    meta_model_t m = { .schema_id = sid, .name = "ssb_model", .fact_table_id = fact.h.id,
                       .partition_column = "lineorder.lo_orderdate", .ntables = 2, .tables = mt, .njoins = 1,
                       .joins = jc };
    OK(meta_put(tx, META_MODEL, &m, &err));
    meta_dimension_t dims[3] = { { "d_year", "dates", "d_year" }, { "d_yearmonth", "dates", "d_yearmonth" },
                                 { "lo_discount", "lineorder", "lo_discount" } };
    meta_measure_t ms[2] = { { "sum_revenue", "sum", "lo_revenue", "bigint" }, { "cnt", "count", NULL, "bigint" } };
    meta_agg_member_t ag[3] = { { 0, "hierarchy", 0, "d_year" }, { 0, "hierarchy", 0, "d_yearmonth" },
                                { 0, "include", 0, "lo_discount" } };
    meta_option_t opt[1] = { { "partition_column", "lo_orderdate" } };
    meta_cube_t c = { .schema_id = sid, .name = "ssb_cube", .model_id = m.h.id, .status = "disabled",
                      .definition = "CREATE MATERIALIZED VIEW ssb_cube AS SELECT ...", .ndims = 3, .dims = dims,
                      .nmeasures = 2, .measures = ms, .naggs = 3, .aggs = ag, .noptions = 1, .options = opt };
    OK(meta_put(tx, META_CUBE, &c, &err));
    commit(tx);
    *cube_out = c;
}

static void test_model_cube(void)
{
    meta_store_t *s = fresh_store();
    mem_arena_t *a = mem_arena_new(NULL, "t", 0);
    int64_t sid = put_schema(s, "public");
    meta_cube_t c;
    put_model_and_cube(s, sid, a, &c);
    meta_tx_t *tx = begin(s, META_TX_READ);
    meta_cube_t *got;
    OK(meta_find(tx, META_CUBE, sid, "ssb_cube", a, &got, &err));
    ASSERT_EQ(got->ndims, 3);
    ASSERT_STREQ(got->dims[1].column, "d_yearmonth");
    ASSERT_EQ(got->nmeasures, 2);
    ASSERT_STREQ(got->measures[0].function, "sum");
    ASSERT(got->measures[1].argument == NULL);
    ASSERT_EQ(got->naggs, 3);
    ASSERT_STREQ(got->aggs[2].role, "include");
    ASSERT_STREQ(meta_option_get(got->options, got->noptions, "partition_column"), "lo_orderdate");
    meta_model_t *m;
    OK(meta_get(tx, META_MODEL, got->model_id, a, &m, &err));
    ASSERT_EQ(m->ntables, 2);
    ASSERT(m->tables[0].join_type == NULL);
    ASSERT_STREQ(m->tables[1].join_type, "inner");
    ASSERT_EQ(m->njoins, 1);
    ASSERT_STREQ(m->joins[0].pk_column, "dates.d_datekey");
    commit(tx);
    meta_close(s);
    mem_arena_free(a);
    cleanup_store();
}

static void test_jobs_roles_nodes(void)
{
    meta_store_t *s = fresh_store();
    mem_arena_t *a = mem_arena_new(NULL, "t", 0);
    meta_tx_t *tx = begin(s, 0);
    meta_job_t j = { .cube_id = 42, .name = "job-uuid-1", .kind = "build", .status = "ready", .submitter = "alice" };
    OK(meta_put(tx, META_JOB, &j, &err));
    char big[70000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = 0;
    for (int i = 0; i < 3; i++) {
        meta_job_step_t st = { .job_id = j.h.id, .step_no = i, .status = "ready" };
        st.name = mem_asprintf(a, "step-%d", i);
        st.output = i == 2 ? big : "log line\nwith 'quotes' and \\ backslash";
        OK(meta_put(tx, META_JOB_STEP, &st, &err));
    }
    meta_role_t r = { .name = "alice", .can_login = true, .secret = "SCRAM-SHA-256$4096:..." };
    meta_role_member_t mem[1] = { { "analysts" } };
    r.nmember_of = 1;
    r.member_of = mem;
    OK(meta_put(tx, META_ROLE, &r, &err));
    meta_node_t nd = { .name = "10.0.0.1:7070", .mode = "all", .status = "up", .heartbeat = 1 };
    OK(meta_put(tx, META_NODE, &nd, &err));
    commit(tx);

    tx = begin(s, 0);
    meta_job_step_t *steps;
    size_t n;
    OK(meta_list(tx, META_JOB_STEP, j.h.id, a, &steps, &n, &err));
    ASSERT_EQ(n, 3);
    ASSERT_STREQ(steps[1].output, "log line\nwith 'quotes' and \\ backslash");
    ASSERT_EQ(strlen(steps[2].output), sizeof big - 1);
    meta_role_t *rr;
    OK(meta_find(tx, META_ROLE, 0, "alice", a, &rr, &err));
    ASSERT(rr->can_login && !rr->superuser);
    ASSERT_EQ(rr->nmember_of, 1);
    ASSERT_STREQ(rr->member_of[0].member_of, "analysts");
    meta_node_t *nn;
    OK(meta_find(tx, META_NODE, 0, "10.0.0.1:7070", a, &nn, &err));
    ASSERT_STREQ(nn->mode, "all");
    /* Deleting a job takes its steps along. */
    OK(meta_delete(tx, META_JOB, j.h.id, 0, &err));
    OK(meta_list(tx, META_JOB_STEP, j.h.id, a, &steps, &n, &err));
    ASSERT_EQ(n, 0);
    commit(tx);
    meta_close(s);
    mem_arena_free(a);
    cleanup_store();
}

static void test_catalog(void)
{
    meta_store_t *s = fresh_store();
    mem_arena_t *a = mem_arena_new(NULL, "t", 0);
    const meta_catalog_t *c0 = meta_catalog_acquire(s);
    ASSERT(c0 != NULL);
    ASSERT_EQ(c0->ntables, 0);
    int64_t sid = put_schema(s, "public");
    meta_cube_t cube;
    put_model_and_cube(s, sid, a, &cube);
    err_t e = { 0 };
    ASSERT(meta_catalog_refresh(s, false, &e) == 0);
    const meta_catalog_t *c1 = meta_catalog_acquire(s);
    ASSERT(c1 != c0);
    ASSERT(c1->version > c0->version);
    ASSERT_EQ(c0->ntables, 0); /* the old snapshot is untouched */
    ASSERT_EQ(c1->ntables, 2);
    const meta_table_t *t = meta_catalog_table(c1, "public", "lineorder");
    ASSERT(t != NULL);
    ASSERT_EQ(t->ncolumns, 4);
    ASSERT(meta_catalog_table_by_id(c1, t->h.id) == t);
    ASSERT(meta_catalog_table(c1, "public", "nope") == NULL);
    ASSERT(meta_catalog_table(c1, "nope", "lineorder") == NULL);
    const meta_cube_t *cc = meta_catalog_cube(c1, "public", "ssb_cube");
    ASSERT(cc != NULL && cc->ndims == 3);
    ASSERT(meta_catalog_model_by_id(c1, cc->model_id) != NULL);
    ASSERT(meta_catalog_schema_by_id(c1, sid) != NULL);
    /* No change: refresh keeps the snapshot. */
    ASSERT(meta_catalog_refresh(s, false, &e) == 0);
    const meta_catalog_t *c2 = meta_catalog_acquire(s);
    ASSERT(c2 == c1);
    meta_catalog_release(c2);
    meta_catalog_release(c0);
    meta_catalog_release(c1);
    ASSERT_EQ(meta_catalog_version(s), c1->version);
    meta_close(s);
    mem_arena_free(a);
    cleanup_store();
}

/* Readers hammer acquire/release while the main thread publishes. */
static meta_store_t *race_store;
static atomic_int race_stop;

static void *reader(void *arg)
{
    long *seen = arg;
    int64_t last = 0;
    while (!atomic_load(&race_stop)) {
        const meta_catalog_t *c = meta_catalog_acquire(race_store);
        if (c->version < last)
            abort(); /* versions only move forward */
        last = c->version;
        for (size_t i = 0; i < c->nschemas; i++)
            if (!c->schemas[i].name)
                abort();
        meta_catalog_release(c);
        (*seen)++;
    }
    return NULL;
}

static void test_catalog_concurrent_readers(void)
{
    race_store = fresh_store();
    pthread_t th[3];
    long seen[3] = { 0 };
    for (int i = 0; i < 3; i++)
        pthread_create(&th[i], NULL, reader, &seen[i]);
    for (int i = 0; i < 40; i++) {
        char name[32];
        snprintf(name, sizeof name, "s%d", i);
        put_schema(race_store, name);
        err_t e = { 0 };
        ASSERT(meta_catalog_refresh(race_store, false, &e) == 0);
    }
    atomic_store(&race_stop, 1);
    for (int i = 0; i < 3; i++)
        pthread_join(th[i], NULL);
    const meta_catalog_t *c = meta_catalog_acquire(race_store);
    ASSERT_EQ(c->nschemas, 40);
    meta_catalog_release(c);
    ASSERT(seen[0] > 0 && seen[1] > 0 && seen[2] > 0);
    meta_close(race_store);
    cleanup_store();
}

/* ---- concurrency: 4 writer processes x 1000 compare-and-set increments ---- */

#define WRITERS 4
#define INCREMENTS_FULL 1000
static int INCREMENTS = INCREMENTS_FULL;

typedef struct incr_arg {
    int64_t seg_id;
} incr_arg_t;

static int incr(meta_tx_t *tx, void *arg, err_t *e)
{
    incr_arg_t *ia = arg;
    meta_segment_t *seg;
    int rc = meta_get(tx, META_SEGMENT, ia->seg_id, meta_tx_arena(tx), &seg, e);
    if (rc != 0)
        return rc;
    seg->input_rows++;
    return meta_put(tx, META_SEGMENT, seg, e);
}

static void test_concurrent_writers(void)
{
    meta_store_t *s = fresh_store();
    meta_tx_t *tx = begin(s, 0);
    meta_segment_t seg = { .cube_id = 1, .name = "counter", .status = "new" };
    OK(meta_put(tx, META_SEGMENT, &seg, &err));
    commit(tx);
    meta_close(s);
    pid_t pids[WRITERS];
    for (int w = 0; w < WRITERS; w++) {
        pids[w] = fork();
        if (pids[w] == 0) {
            meta_store_t *ws = open_store();
            incr_arg_t ia = { seg.h.id };
            long conflicts = 0;
            for (int i = 0; i < INCREMENTS; i++) {
                err_t e = { 0 };
                int rc;
                if (w % 2 == 0) {
                    /* Read-modify-write inside one transaction (meta_run). */
                    while ((rc = meta_run(ws, 0, incr, &ia, &e)) == META_CONFLICT)
                        err_clear(&e);
                } else {
                    /* Optimistic: read in one transaction, compare-and-set in
                     * another, reread on conflict. */
                    for (;;) {
                        meta_tx_t *r = begin(ws, META_TX_READ);
                        meta_segment_t *sg;
                        OK(meta_get(r, META_SEGMENT, ia.seg_id, meta_tx_arena(r), &sg, &err));
                        meta_segment_t copy = *sg;
                        meta_rollback(r);
                        copy.name = "counter";
                        copy.status = "new";
                        copy.storage_path = NULL;
                        copy.input_rows++;
                        meta_tx_t *wt = begin(ws, 0);
                        err_clear(&e);
                        rc = meta_put(wt, META_SEGMENT, &copy, &e);
                        if (rc == 0)
                            rc = meta_commit(wt, &e);
                        else
                            meta_rollback(wt);
                        if (rc != META_CONFLICT)
                            break;
                        conflicts++;
                    }
                }
                if (rc != 0) {
                    fprintf(stdout, "# writer %d: %s %s\n", w, e.sqlstate, e.message);
                    _exit(1);
                }
            }
            if (w % 2)
                printf("# optimistic writer %d: %ld conflicts retried\n", w, conflicts);
            fflush(stdout);
            meta_close(ws);
            _exit(0);
        }
    }
    for (int w = 0; w < WRITERS; w++) {
        int st;
        waitpid(pids[w], &st, 0);
        ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    s = open_store();
    mem_arena_t *a = mem_arena_new(NULL, "t", 0);
    tx = begin(s, META_TX_READ);
    meta_segment_t *got;
    OK(meta_get(tx, META_SEGMENT, seg.h.id, a, &got, &err));
    printf("# %d writers x %d increments: counter %lld, version %lld, lost %lld\n", WRITERS, INCREMENTS,
           (long long)got->input_rows, (long long)got->h.version,
           (long long)(WRITERS * INCREMENTS - got->input_rows));
    ASSERT_EQ(got->input_rows, WRITERS * INCREMENTS);
    ASSERT_EQ(got->h.version, WRITERS * INCREMENTS + 1);
    /* The log has one event per increment, versions rising with ids:
     * event ids are in commit order. */
    meta_event_t *ev;
    size_t n;
    OK(meta_events_after(tx, 0, 100000, a, &ev, &n, &err));
    ASSERT_EQ(n, WRITERS * INCREMENTS + 1);
    for (size_t i = 0; i < n; i++)
        ASSERT_EQ(ev[i].version, (int64_t)i + 1);
    commit(tx);
    meta_close(s);
    mem_arena_free(a);
    cleanup_store();
}

static void test_unavailable(void)
{
    /* Nothing listens on port 1: a clear 08006 naming the metastore, in bounded time. */
    meta_options_t o = { .url = "mysql://u:p@127.0.0.1:1/kylin", .wait_ms = 600 };
    meta_store_t *s = NULL;
    err_t e = { 0 };
    ASSERT_EQ(meta_open(&o, &s, &e), META_UNAVAILABLE);
    ASSERT(s == NULL);
    ASSERT_STREQ(e.sqlstate, "08006");
    ASSERT(strstr(e.message, "metastore mysql://u@127.0.0.1:1/kylin") != NULL);
    ASSERT(strstr(e.message, ":p@") == NULL); /* never the password */
}

static void test_commit_resolution(void);

static const tap_test_t tests[] = {
    { "url forms (Kylin jdbc, mysql://, sqlite:)", test_url_parse },
    { "migrations applied once, version recorded", test_migrations },
    { "create/read/update/list of tables with columns and options", test_crud_table },
    { "compare-and-set conflict is META_CONFLICT (40001)", test_cas_conflict },
    { "duplicate name is META_DUPLICATE (23505)", test_duplicate },
    { "delete with version check, children removed", test_delete },
    { "rollback and failed multi-row transactions leave nothing", test_rollback_and_atomicity },
    { "event log: one event per change, in the same transaction", test_events },
    { "models and cubes round-trip", test_model_cube },
    { "jobs, steps with large output, roles, nodes", test_jobs_roles_nodes },
    { "catalog snapshot: versioned, immutable, replaced on change", test_catalog },
    { "catalog readers never lock while snapshots are replaced", test_catalog_concurrent_readers },
    { "4 writer processes x 1000 CAS increments: none lost", test_concurrent_writers },
    { "commit whose answer was lost is resolved from the event log", test_commit_resolution },
    { "unreachable MySQL: 08006 naming the metastore, bounded wait", test_unavailable },
};

/* The commit's answer is lost with the connection: the transaction token in
 * the event log tells whether it committed. */
static void test_commit_resolution(void)
{
    meta_store_t *s = fresh_store();
    mem_arena_t *a = mem_arena_new(NULL, "t", 0);
    meta_tx_t *tx = begin(s, 0);
    meta_schema_t sc = { .name = "committed" };
    OK(meta_put(tx, META_SCHEMA, &sc, &err));
    meta__fault_commit = 1; /* committed, answer lost */
    OK(meta_commit(tx, &err));
    tx = begin(s, 0);
    meta_schema_t sc2 = { .name = "not-committed" };
    OK(meta_put(tx, META_SCHEMA, &sc2, &err));
    meta__fault_commit = 2; /* lost before COMMIT reached the server */
    err_t e = { 0 };
    ASSERT_EQ(meta_commit(tx, &e), META_UNAVAILABLE);
    ASSERT_STREQ(e.sqlstate, "08006");
    tx = begin(s, META_TX_READ);
    meta_schema_t *list;
    size_t n;
    OK(meta_list(tx, META_SCHEMA, 0, a, &list, &n, &err));
    ASSERT_EQ(n, 1);
    ASSERT_STREQ(list[0].name, "committed");
    meta_event_t *ev;
    OK(meta_events_after(tx, 0, 10, a, &ev, &n, &err));
    ASSERT_EQ(n, 1);
    commit(tx);
    /* The store goes on normally on the reconnected connection. */
    tx = begin(s, 0);
    memset(&sc2.h, 0, sizeof sc2.h); /* its put never committed: new again */
    OK(meta_put(tx, META_SCHEMA, &sc2, &err));
    int64_t deleted;
    OK(meta_events_trim(tx, 2, &deleted, &err));
    ASSERT_EQ(deleted, 1);
    commit(tx);
    meta_close(s);
    mem_arena_free(a);
    cleanup_store();
}

int main(void)
{
    /* Under valgrind (tests/run's valgrind stage) 4 x 1000 would take
     * minutes; fewer increments exercise the same code. */
    const char *pre = getenv("LD_PRELOAD");
    if (pre && strstr(pre, "vgpreload"))
        INCREMENTS = 50;
    log_set_level(LOG_LVL_WARN);
    printf("# metastore suite on %s\n", test_url());
    return TAP_RUN(tests);
}
