/*
 * test_sql.c - sql.h end to end without sockets: split, prepare, bind and
 * execute into a sink that renders rows as text, compared with what
 * PostgreSQL 15 prints (psql -A style: "col|col" header, rows, tag).
 */
#include <string.h>

#include "common/cfg.h"
#include "common/mem.h"
#include "exec/rel.h"
#include "sql/sql.h"
#include "types/types.h"
#include "tap.h"

static mem_arena_t *conn;
static sql_ctx_t *ctx;
static cfg_t *server, *settings;
static buf_t reported;

static void on_param(void *arg, const char *name, const char *value)
{
    (void)arg;
    buf_printf(&reported, "%s=%s;", name, value);
}

static void setup(void)
{
    conn = mem_arena_new(NULL, "conn", 0);
    server = cfg_new();
    settings = cfg_clone(server);
    sql_session_info_t info = { 0 };
    info.settings = settings;
    info.server = server;
    info.user = "alice";
    info.database = "kiln";
    info.backend_pid = 4242;
    info.hooks.param_changed = on_param;
    ctx = sql_ctx_new(conn, &info);
}

typedef struct out {
    buf_t b;
    const sql_col_t *cols;
    int efd;
} out_t;

static int sink_row(void *arg, int ncols, const value_t *vals)
{
    out_t *o = arg;
    for (int i = 0; i < ncols; i++) {
        if (i)
            buf_putc(&o->b, '|');
        if (vals[i].isnull)
            continue;
        type_out_text(o->cols[i].type, o->cols[i].typmod, &vals[i], o->efd, &o->b);
    }
    buf_putc(&o->b, '\n');
    return 0;
}

/* q - runs every statement of sql (simple protocol) and returns the transcript. */
static const char *q(const char *sql)
{
    static buf_t all;
    buf_reset(&all);
    mem_arena_t *msg = mem_arena_new(conn, "msg", 0);
    sql_text_t *st;
    int n;
    err_t err = { 0 };
    if (sql_split(msg, sql, &st, &n, &err) < 0) {
        buf_printf(&all, "ERROR %s %s @%d", err.sqlstate, err.message, err.position);
        mem_arena_free(msg);
        return buf_cstr(&all);
    }
    for (int i = 0; i < n; i++) {
        sql_stmt_t *s;
        sql_portal_t *p;
        if (sql_prepare(ctx, msg, st[i].sql, st[i].offset, 0, NULL, &s, &err) < 0 ||
            sql_bind(ctx, s, msg, 0, NULL, &p, &err) < 0) {
            buf_printf(&all, "ERROR %s %s", err.sqlstate, err.message);
            if (err.position)
                buf_printf(&all, " @%d", err.position);
            if (err.hint[0])
                buf_printf(&all, " HINT %s", err.hint);
            break;
        }
        const sql_col_t *cols;
        int nc = sql_stmt_columns(s, &cols);
        out_t o = { BUF_INIT, cols, (int)cfg_int(settings, CFG_EXTRA_FLOAT_DIGITS) };
        if (nc >= 0) {
            for (int c = 0; c < nc; c++)
                buf_printf(&o.b, "%s%s", c ? "|" : "", cols[c].name);
            buf_putc(&o.b, '\n');
        }
        sql_sink_t sink = { &o, sink_row };
        int rc = sql_execute(p, 0, &sink, &err);
        if (rc < 0) {
            buf_printf(&all, "ERROR %s %s", err.sqlstate, err.message);
            if (err.position)
                buf_printf(&all, " @%d", err.position);
            buf_free(&o.b);
            break;
        }
        buf_append(&all, o.b.data, o.b.len);
        buf_printf(&all, "(%s)", sql_portal_tag(p));
        buf_free(&o.b);
        if (i + 1 < n)
            buf_putc(&all, '\n');
    }
    mem_arena_free(msg);
    return buf_cstr(&all);
}

#define Q(sql, want) ASSERT_STREQ(q(sql), (want))

static void test_constants(void)
{
    setup();
    Q("SELECT 1", "?column?\n1\n(SELECT 1)");
    Q("select 1 as a, 'x' b, 1.5, 3000000000, null", "a|b|?column?|?column?|?column?\n1|x|1.5|3000000000|\n(SELECT 1)");
    Q("select 1::int, 'a'::varchar(3), cast(1 as text), 'abc'::varchar(2)", "int4|varchar|text|varchar\n1|a|1|ab\n(SELECT 1)");
    Q("select 2+3*4, 7/2, 7%3, -7/2, 7.0/2, 2^10", "?column?|?column?|?column?|?column?|?column?|?column?\n14|3|1|-3|3.5000000000000000|1024\n(SELECT 1)");
    Q("select 1/3::float8, 0.1::float4 + 0.2::float4, 1e15::float8", "?column?|?column?|float8\n0.3333333333333333|0.3|1e+15\n(SELECT 1)");
    Q("select 'a' || 'b', 'a' || 1, 1 || 'a', 'x' like 'x%', 'ABC' ilike 'a_c'", "?column?|?column?|?column?|?column?|?column?\nab|a1|1a|t|t\n(SELECT 1)");
    Q("select case when 1 > 2 then 'x' else 'y' end, coalesce(null, 2, 3), nullif(1, 1), greatest(1, 5, 3)",
      "case|coalesce|nullif|greatest\ny|2||5\n(SELECT 1)");
    Q("select case when false then 1/0 else 1 end", "case\n1\n(SELECT 1)");
    Q("select 1 in (1, 2), 3 not in (1, 2), 1 between 0 and 2, null is null, true and null, false and null",
      "?column?|?column?|?column?|?column?|?column?|?column?\nt|t|t|t||f\n(SELECT 1)");
    Q("select length('héllo'), upper('abc'), substring('hello' from 2 for 3), position('l' in 'hello'), trim('  x  ')",
      "length|upper|substring|position|btrim\n5|ABC|ell|3|x\n(SELECT 1)");
    Q("select '2024-01-31'::date + 1, date '2024-01-31' - date '2024-01-01', interval '1 day' + interval '2 hours'",
      "?column?|?column?|?column?\n2024-02-01|30|1 day 02:00:00\n(SELECT 1)");
    Q("select array[1,2,3], (array['a','b'])[2], '{1,2}'::int[]", "array|array|int4\n{1,2,3}|b|{1,2}\n(SELECT 1)");
    Q("select 1 where false", "?column?\n(SELECT 0)");
    Q("select 1 limit 0", "?column?\n(SELECT 0)");
    Q("values (1, 'a'), (2, 'b')", "column1|column2\n1|a\n2|b\n(SELECT 2)");
 Q("explain select 1", "QUERY PLAN\nResult  (cost=0.00..0.01 rows=1 width=4)\n(EXPLAIN)");
    Q("select 1; select 2", "?column?\n1\n(SELECT 1)\n?column?\n2\n(SELECT 1)");
}

static void test_errors(void)
{
    setup();
    Q("select 'x'::int", "ERROR 22P02 invalid input syntax for type integer: \"x\" @8");
    Q("select 2147483647 + 1", "ERROR 22003 integer out of range");
    Q("select 1/0", "ERROR 22012 division by zero");
    Q("select foo(1)", "ERROR 42883 function foo(integer) does not exist @8 HINT No function matches the given name and argument types. You might need to add explicit type casts.");
    Q("selec 1", "ERROR 42601 syntax error at or near \"selec\" @1");
    Q("select 1 +", "ERROR 42601 syntax error at end of input @11");
    Q("select * from nosuch", "ERROR 42P01 relation \"nosuch\" does not exist @15");
    Q("select x", "ERROR 42703 column \"x\" does not exist @8");
    Q("select 1 + 'a'", "ERROR 22P02 invalid input syntax for type integer: \"a\" @12");
    Q("select (1).x", "ERROR 42809 column notation .x applied to type integer, which is not a composite type @9");
    Q("select (row(1,2)).f3", "ERROR 42703 could not identify column \"f3\" in record data type @9");
    Q("create table t (a int)", "ERROR 0A000 statement type create_stmt is not supported by kiln");
}

static void test_session_functions(void)
{
    setup();
    const char *r = q("select version()");
    ASSERT(strncmp(r, "version\nPostgreSQL 15", 21) == 0);
    Q("select current_database(), current_schema(), current_user, session_user, user, pg_backend_pid()",
      "current_database|current_schema|current_user|session_user|user|pg_backend_pid\nkiln|public|alice|alice|alice|4242\n(SELECT 1)");
    Q("select current_schemas(true), current_schemas(false), (current_schemas(true))[1]",
      "current_schemas|current_schemas|current_schemas\n{pg_catalog,public}|{public}|pg_catalog\n(SELECT 1)");
    Q("select current_setting('DateStyle'), current_setting('nosuch', true), pg_is_in_recovery()",
      "current_setting|current_setting|pg_is_in_recovery\nISO, MDY||f\n(SELECT 1)");
    Q("select current_setting('nosuch')", "ERROR 42704 unrecognized configuration parameter \"nosuch\"");
    Q("select set_config('application_name', 'x', false)", "set_config\nx\n(SELECT 1)");
    r = q("select now() = current_timestamp, current_date = now()::date");
    ASSERT_STREQ(r, "?column?|?column?\nt|t\n(SELECT 1)");
}

static void test_settings(void)
{
    setup();
    buf_reset(&reported);
    Q("SET application_name = 'psql'", "(SET)");
    ASSERT_STREQ(buf_cstr(&reported), "application_name=psql;");
    Q("SHOW application_name", "application_name\npsql\n(SHOW)");
    Q("set datestyle to 'ISO'", "(SET)");
    Q("SHOW DateStyle", "DateStyle\nISO, MDY\n(SHOW)");
    Q("show datestyle", "DateStyle\nISO, MDY\n(SHOW)");
    Q("SET extra_float_digits = 3", "(SET)");
    Q("select 0.1::float8", "float8\n0.1\n(SELECT 1)");
    Q("SET extra_float_digits = 0", "(SET)");
    Q("select 1/3::float8", "?column?\n0.333333333333333\n(SELECT 1)");
    Q("SET search_path = \"MySchema\", public", "(SET)");
    Q("show search_path", "search_path\n\"MySchema\", public\n(SHOW)");
    Q("SET TIME ZONE 'utc'", "(SET)");
    Q("show timezone", "TimeZone\nUTC\n(SHOW)");
    Q("SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE", "(SET)");
    Q("show default_transaction_isolation", "default_transaction_isolation\nserializable\n(SHOW)");
    Q("SHOW TRANSACTION ISOLATION LEVEL", "transaction_isolation\nread committed\n(SHOW)");
    Q("SET nosuch = 1", "ERROR 42704 unrecognized configuration parameter \"nosuch\"");
    Q("SET server_version = '1'", "ERROR 55P02 parameter \"server_version\" cannot be changed");
    Q("SET myapp.flag = 'on'", "(SET)");
    Q("select current_setting('myapp.flag')", "current_setting\non\n(SELECT 1)");
    Q("RESET application_name", "(RESET)");
    Q("show application_name", "application_name\n\n(SHOW)");
    Q("RESET ALL", "(RESET)");
    Q("show extra_float_digits", "extra_float_digits\n1\n(SHOW)");
    /* transactions: ROLLBACK undoes SET, COMMIT keeps it but undoes SET LOCAL */
    Q("SET application_name = 'before'", "(SET)");
    sql_ctx_end_tx(ctx, true);
    Q("SET application_name = 'inside'; SET LOCAL extra_float_digits = 2", "(SET)\n(SET)");
    sql_ctx_end_tx(ctx, false);
    Q("show application_name", "application_name\nbefore\n(SHOW)");
    Q("SET application_name = 'kept'; SET LOCAL extra_float_digits = 2", "(SET)\n(SET)");
    sql_ctx_end_tx(ctx, true);
    Q("show application_name; show extra_float_digits", "application_name\nkept\n(SHOW)\nextra_float_digits\n1\n(SHOW)");
    Q("select set_config('myapp.v', 'x', true)", "set_config\nx\n(SELECT 1)");
    sql_ctx_end_tx(ctx, true);
    Q("select current_setting('myapp.v')", "current_setting\n\n(SELECT 1)");
    const char *r = q("SHOW ALL");
    ASSERT(strncmp(r, "name|setting|description\n", 25) == 0);
    ASSERT(strstr(r, "\nDateStyle|ISO, MDY|") != NULL);
}

static void test_utility_kinds(void)
{
    setup();
    struct {
        const char *sql;
        sql_kind_t kind;
        const char *tag;
        const char *target;
    } cases[] = {
        { "BEGIN", SQL_K_BEGIN, "BEGIN", NULL },
        { "START TRANSACTION ISOLATION LEVEL SERIALIZABLE", SQL_K_BEGIN, "START TRANSACTION", NULL },
        { "begin read only", SQL_K_BEGIN, "BEGIN", NULL },
        { "COMMIT", SQL_K_COMMIT, "COMMIT", NULL },
        { "END", SQL_K_COMMIT, "COMMIT", NULL },
        { "ROLLBACK", SQL_K_ROLLBACK, "ROLLBACK", NULL },
        { "ABORT", SQL_K_ROLLBACK, "ROLLBACK", NULL },
        { "SAVEPOINT s1", SQL_K_SAVEPOINT, "SAVEPOINT", "s1" },
        { "RELEASE SAVEPOINT s1", SQL_K_SAVEPOINT, "RELEASE", "s1" },
        { "ROLLBACK TO SAVEPOINT s1", SQL_K_SAVEPOINT, "ROLLBACK", "s1" },
        { "DEALLOCATE foo", SQL_K_DEALLOCATE, "DEALLOCATE", "foo" },
        { "DEALLOCATE PREPARE foo", SQL_K_DEALLOCATE, "DEALLOCATE", "foo" },
        { "DEALLOCATE ALL", SQL_K_DEALLOCATE, "DEALLOCATE ALL", NULL },
        { "DISCARD ALL", SQL_K_DISCARD_ALL, "DISCARD ALL", NULL },
        { "PREPARE p(int) AS SELECT $1 + 1", SQL_K_PREPARE, "PREPARE", "p" },
        { "  -- only a comment", SQL_K_EMPTY, "", NULL },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mem_arena_t *a = mem_arena_new(conn, "t", 0);
        sql_stmt_t *s;
        sql_portal_t *p;
        err_t err = { 0 };
        if (sql_prepare(ctx, a, cases[i].sql, 0, 0, NULL, &s, &err) < 0)
            TAP_FAIL("%s: %s", cases[i].sql, err.message);
        ASSERT_EQ(sql_stmt_kind(s), cases[i].kind);
        if (cases[i].target)
            ASSERT_STREQ(sql_stmt_target(s), cases[i].target);
        else if (cases[i].kind != SQL_K_EMPTY)
            ASSERT(sql_stmt_target(s) == NULL || cases[i].kind == SQL_K_PREPARE);
        if (cases[i].kind != SQL_K_EMPTY) {
            ASSERT_EQ(sql_bind(ctx, s, a, 0, NULL, &p, &err), 0);
            sql_sink_t sink = { NULL, NULL };
            ASSERT_EQ(sql_execute(p, 0, &sink, &err), SQL_EXEC_DONE);
            ASSERT_STREQ(sql_portal_tag(p), cases[i].tag);
        }
        ASSERT_EQ(sql_stmt_allowed_in_failed_tx(s),
                  cases[i].kind == SQL_K_COMMIT || cases[i].kind == SQL_K_ROLLBACK ||
                      (cases[i].kind == SQL_K_SAVEPOINT && !strcmp(cases[i].tag, "ROLLBACK")));
        mem_arena_free(a);
    }
}

static void test_params(void)
{
    setup();
    mem_arena_t *a = mem_arena_new(conn, "t", 0);
    sql_stmt_t *s;
    sql_portal_t *p;
    err_t err = { 0 };
    /* pgbench -M extended sends no parameter types: $1 is inferred from its context */
    ASSERT_EQ(sql_prepare(ctx, a, "select $1 + 1, $2::date, $3", 0, 0, NULL, &s, &err), 0);
    ASSERT_EQ(sql_stmt_nparams(s), 3);
    ASSERT_EQ(sql_stmt_param_types(s)[0], TYPE_INT4);
    ASSERT_EQ(sql_stmt_param_types(s)[1], TYPE_DATE);
    ASSERT_EQ(sql_stmt_param_types(s)[2], TYPE_TEXT);
    sql_param_t params[3] = { { "41", 2, 0 }, { "2024-01-31", 10, 0 }, { NULL, -1, 0 } };
    ASSERT_EQ(sql_bind(ctx, s, a, 3, params, &p, &err), 0);
    const sql_col_t *cols;
    ASSERT_EQ(sql_stmt_columns(s, &cols), 3);
    out_t o = { BUF_INIT, cols, 1 };
    sql_sink_t sink = { &o, sink_row };
    ASSERT_EQ(sql_execute(p, 0, &sink, &err), SQL_EXEC_DONE);
    ASSERT_STREQ(buf_cstr(&o.b), "42|2024-01-31|\n");
    /* binary int4 parameter with a declared type, as pgjdbc sends it */
    type_oid_t t4 = TYPE_INT4;
    ASSERT_EQ(sql_prepare(ctx, a, "select $1 * 2", 0, 1, &t4, &s, &err), 0);
    sql_param_t bp = { "\x00\x00\x07\xc9", 4, 1 };
    ASSERT_EQ(sql_bind(ctx, s, a, 1, &bp, &p, &err), 0);
    buf_reset(&o.b);
    ASSERT_EQ(sql_stmt_columns(s, &cols), 1);
    o.cols = cols;
    ASSERT_EQ(sql_execute(p, 0, &sink, &err), SQL_EXEC_DONE);
    ASSERT_STREQ(buf_cstr(&o.b), "3986\n");
    /* a bad text parameter */
    sql_param_t bad = { "x", 1, 0 };
    ASSERT_EQ(sql_bind(ctx, s, a, 1, &bad, &p, &err), -1);
    ASSERT_STREQ(err.sqlstate, "22P02");
    err_clear(&err);
    sql_param_t badbin = { "\x00\x01", 2, 1 };
    ASSERT_EQ(sql_bind(ctx, s, a, 1, &badbin, &p, &err), -1);
    ASSERT_STREQ(err.sqlstate, "22P03");
    /* re-executing a prepared constant SELECT: portals are independent */
    ASSERT_EQ(sql_prepare(ctx, a, "SELECT 1", 0, 0, NULL, &s, &err), 0);
    ASSERT(sql_stmt_is_cheap(s));
    for (int i = 0; i < 3; i++) {
        ASSERT_EQ(sql_bind(ctx, s, a, 0, NULL, &p, &err), 0);
        buf_reset(&o.b);
        ASSERT_EQ(sql_stmt_columns(s, &cols), 1);
        o.cols = cols;
        ASSERT_EQ(sql_execute(p, 0, &sink, &err), SQL_EXEC_DONE);
        ASSERT_STREQ(buf_cstr(&o.b), "1\n");
        ASSERT_STREQ(sql_portal_tag(p), "SELECT 1");
    }
    buf_free(&o.b);
    mem_arena_free(a);
}

static void test_max_rows(void)
{
    setup();
    mem_arena_t *a = mem_arena_new(conn, "t", 0);
    sql_stmt_t *s;
    sql_portal_t *p;
    err_t err = { 0 };
    ASSERT_EQ(sql_prepare(ctx, a, "values (1), (2), (3)", 0, 0, NULL, &s, &err), 0);
    ASSERT_EQ(sql_bind(ctx, s, a, 0, NULL, &p, &err), 0);
    const sql_col_t *cols;
    sql_stmt_columns(s, &cols);
    out_t o = { BUF_INIT, cols, 1 };
    sql_sink_t sink = { &o, sink_row };
    ASSERT_EQ(sql_execute(p, 2, &sink, &err), SQL_EXEC_SUSPENDED);
    ASSERT_STREQ(buf_cstr(&o.b), "1\n2\n");
    ASSERT_EQ(sql_execute(p, 2, &sink, &err), SQL_EXEC_DONE);
    ASSERT_STREQ(buf_cstr(&o.b), "1\n2\n3\n");
    ASSERT_STREQ(sql_portal_tag(p), "SELECT 3");
    ASSERT_EQ(sql_execute(p, 2, &sink, &err), SQL_EXEC_DONE);
    buf_free(&o.b);
    mem_arena_free(a);
}

int main(void)
{
    static const tap_test_t tests[] = {
        { "constant selects", test_constants },
        { "errors with SQLSTATE and position", test_errors },
        { "session functions", test_session_functions },
        { "SET / SHOW / RESET", test_settings },
        { "utility statement kinds and tags", test_utility_kinds },
        { "parameters", test_params },
        { "max_rows and suspension", test_max_rows },
    };
    return TAP_RUN(tests);
}
