/*
 * test_exec.c - queries over in-memory relations through sql.h, compared
 * with PostgreSQL 15's answers for the same tables (expected rows below were
 * produced by psql -At against a reference server): scans, filters, joins of
 * every kind, aggregation, grouping sets, windows, set operations,
 * subqueries, CTEs, set-returning functions, errors.
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

static void add(exec_rel_t *r, const char *const *cells)
{
    value_t row[8];
    mem_arena_t *a = mem_arena_new(NULL, "row", 0);
    for (int c = 0; c < r->ncols; c++) {
        err_t e = { 0 };
        if (!cells[c]) {
            row[c].isnull = true;
            continue;
        }
        if (type_in_text(r->cols[c].type, r->cols[c].typmod, cells[c], strlen(cells[c]), a, &row[c], &e) < 0)
            TAP_FAIL("bad cell %s: %s", cells[c], e.message);
    }
    exec_memrel_append(r, row);
    mem_arena_free(a);
}

/* The tables: t(a int, b text, c numeric(10,2), d float8), u(a int, e date). */
static void setup(void)
{
    conn = mem_arena_new(NULL, "conn", 0);
    cfg_t *cfg = cfg_new();
    exec_relcol_t tc[] = { { "a", TYPE_INT4, -1, false }, { "b", TYPE_TEXT, -1, false },
                           { "c", TYPE_NUMERIC, ((10 << 16) | 2) + 4, false }, { "d", TYPE_FLOAT8, -1, false } };
    exec_rel_t *t = exec_memrel_new(conn, "public", "t", 16400, 4, tc);
    static const char *trows[][4] = { { "1", "x", "1.50", "0.5" }, { "2", "y", "2.25", NULL },
                                      { "3", NULL, NULL, "1.5" }, { "2", "x", "10.00", "2.5" },
                                      { NULL, "z", "-1.00", "-0.5" } };
    for (int i = 0; i < 5; i++)
        add(t, trows[i]);
    exec_relcol_t uc[] = { { "a", TYPE_INT4, -1, false }, { "e", TYPE_DATE, -1, false } };
    exec_rel_t *u = exec_memrel_new(conn, "public", "u", 16401, 2, uc);
    static const char *urows[][2] = { { "1", "2024-01-01" }, { "2", "2024-02-01" }, { "4", "2024-03-01" } };
    for (int i = 0; i < 3; i++)
        add(u, urows[i]);
    exec_rel_t *rels[] = { t, u };
    exec_catalog_register(exec_memcat_new(conn, rels, 2));
    sql_session_info_t info = { 0 };
    info.settings = cfg;
    info.server = cfg;
    info.user = "postgres";
    info.database = "postgres";
    ctx = sql_ctx_new(conn, &info);
}

static int sink_row(void *arg, int n, const value_t *v)
{
    void **a = arg;
    buf_t *b = a[0];
    const sql_col_t *cols = a[1];
    if (b->len)
        buf_putc(b, '\n');
    for (int i = 0; i < n; i++) {
        if (i)
            buf_putc(b, '|');
        if (!v[i].isnull)
            type_out_text(cols[i].type, cols[i].typmod, &v[i], 1, b);
    }
    return 0;
}

static const char *run(const char *sql)
{
    static buf_t b;
    buf_reset(&b);
    mem_arena_t *a = mem_arena_new(conn, "q", 0);
    sql_stmt_t *s;
    sql_portal_t *p;
    err_t e = { 0 };
    if (sql_prepare(ctx, a, sql, 0, 0, NULL, &s, &e) < 0 || sql_bind(ctx, s, a, 0, NULL, &p, &e) < 0) {
        buf_printf(&b, "ERROR:  %s", e.message);
    } else {
        const sql_col_t *cols;
        sql_stmt_columns(s, &cols);
        void *arg[2] = { &b, (void *)cols };
        sql_sink_t sink = { arg, sink_row };
        if (sql_execute(p, 0, &sink, &e) < 0) {
            if (b.len)
                buf_putc(&b, '\n');
            buf_printf(&b, "ERROR:  %s", e.message);
        }
    }
    mem_arena_free(a);
    return buf_cstr(&b);
}

static const struct {
    const char *sql;
    const char *want;
} cases[] = {
#include "exec_cases.h"
};

static void test_cases(void)
{
    setup();
    int bad = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *got = run(cases[i].sql);
        if (strcmp(got, cases[i].want) != 0) {
            printf("# %s\n#   want: %s\n#   got:  %s\n", cases[i].sql, cases[i].want, got);
            bad++;
        }
    }
    ASSERT_EQ(bad, 0);
}

static void test_memory_budget(void)
{
    setup();
    mem_arena_t *a = mem_arena_new(conn, "q", 0);
    sql_stmt_t *s;
    sql_portal_t *p;
    err_t e = { 0 };
    ASSERT_EQ(sql_prepare(ctx, a, "SET \"kiln.query.memory-limit-bytes\" = 1048576", 0, 0, NULL, &s, &e), 0);
    ASSERT_EQ(sql_bind(ctx, s, a, 0, NULL, &p, &e), 0);
    sql_sink_t none = { NULL, NULL };
    ASSERT_EQ(sql_execute(p, 0, &none, &e), SQL_EXEC_DONE);
    const char *r = run("select count(distinct g) from generate_series(1, 2000000) g");
    ASSERT(strncmp(r, "ERROR:  out of memory", 21) == 0);
    /* the session goes on */
    ASSERT_STREQ(run("select count(*) from generate_series(1, 100000) g"), "100000");
    mem_arena_free(a);
}

int main(void)
{
    static const tap_test_t tests[] = {
        { "queries over in-memory relations match PostgreSQL", test_cases },
        { "query memory budget gives 53200 and the session goes on", test_memory_budget },
    };
    return TAP_RUN(tests);
}
