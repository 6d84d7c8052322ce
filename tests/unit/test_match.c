/*
 * test_match.c - cubes end to end without services: an SQLite metastore
 * and small CSV files in /tmp, source tables declared through the catalog's
 * DDL, CREATE MATERIALIZED VIEW, REFRESH (cube_refresh), then SSB-shaped
 * queries answered through cube_match and compared with a naive
 * computation over the same generated rows; refusals with their reasons;
 * lookups left out of the query (LEFT always, INNER only when the build
 * verified every fact row found its row); derived aggregates (count as sum
 * of counts, avg, sum(a - b), NULL sums); a second refresh replacing the
 * first; DROP removing metadata and storage.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>

#include <pg_query.h>
#include <pg_query/pg_query.pb-c.h>

#include "catalog/catalog.h"
#include "catalog/ddl.h"
#include "catalog/filescan.h"
#include "common/cfg.h"
#include "cube/cubejob.h"
#include "cube/match.h"
#include "cube/mv.h"
#include "exec/rel.h"
#include "job/job.h"
#include "meta/meta.h"
#include "tap.h"
#include "types/numeric.h"
#include "types/value.h"

static char dir[256];
static meta_store_t *ST;
static char root[300];

/* ---- data ---- */

#define ND 730 /* days of 1992 and 1993 */
#define NC 40
#define NS 12
#define NP 60
#define NL 6000

typedef struct drow { int key, year, ym, week; char yms[8]; } drow_t;
typedef struct crow { int key; char city[16], nation[16], region[16]; } crow_t;
typedef struct prow { int key; char mfgr[8], cat[8], brand[12], color[8]; } prow_t;
typedef struct lrow { int date, cust, supp, part, qty, disc, price, rev, cost, tax; bool tax_null; int orphan_cust; } lrow_t;

static drow_t D[ND];
static crow_t C[NC], S[NS];
static prow_t P[NP];
static lrow_t L[NL];

static const char *regions[3] = { "AMERICA", "ASIA", "EUROPE" };
static const char *nations[6] = { "BRAZIL", "CANADA", "CHINA", "JAPAN", "FRANCE", "GERMANY" };
static const char *mon[12] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

static uint64_t rng = 12345;
static int rnd(int n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (int)(rng % (uint64_t)n);
}

static void gen(void)
{
    static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int n = 0;
    for (int y = 1992; y <= 1993; y++)
        for (int m = 0; m < 12; m++)
            for (int d = 1; d <= mdays[m] && n < ND; d++) {
                drow_t *r = &D[n];
                r->key = y * 10000 + (m + 1) * 100 + d;
                r->year = y;
                r->ym = y * 100 + m + 1;
                int doy = 0;
                for (int k = 0; k < m; k++)
                    doy += mdays[k];
                doy += d;
                r->week = doy / 7 + 1;
                snprintf(r->yms, sizeof r->yms, "%s%d", mon[m], y);
                n++;
            }
    for (int i = 0; i < NC; i++) {
        int nat = rnd(6);
        C[i].key = i + 1;
        snprintf(C[i].nation, 16, "%s", nations[nat]);
        snprintf(C[i].region, 16, "%s", regions[nat / 2]);
        snprintf(C[i].city, 16, "%.5s%d", nations[nat], rnd(3));
    }
    for (int i = 0; i < NS; i++) {
        int nat = rnd(6);
        S[i].key = i + 1;
        snprintf(S[i].nation, 16, "%s", nations[nat]);
        snprintf(S[i].region, 16, "%s", regions[nat / 2]);
        snprintf(S[i].city, 16, "%.5s%d", nations[nat], rnd(3));
    }
    for (int i = 0; i < NP; i++) {
        int mf = 1 + rnd(3), ca = 1 + rnd(3), br = 1 + rnd(4);
        P[i].key = i + 1;
        snprintf(P[i].mfgr, 8, "MFGR#%d", mf);
        snprintf(P[i].cat, 8, "MFGR#%d%d", mf, ca);
        snprintf(P[i].brand, 12, "MFGR#%d%d%d", mf, ca, br);
        snprintf(P[i].color, 8, "c%d", rnd(5));
    }
    for (int i = 0; i < NL; i++) {
        lrow_t *r = &L[i];
        r->date = D[rnd(ND)].key;
        r->cust = 1 + rnd(NC);
        r->supp = 1 + rnd(NS);
        r->part = 1 + rnd(NP);
        r->qty = 1 + rnd(50);
        r->disc = rnd(11);
        r->price = 1000 + rnd(100000);
        r->rev = r->price * (100 - r->disc) / 100;
        r->cost = 600 + rnd(50000);
        r->tax = rnd(9);
        r->tax_null = r->date < 19930101 || rnd(4) == 0; /* 1992: all NULL */
        r->orphan_cust = i % 100 == 0 ? 9999 : r->cust; /* for the unverified model */
    }
}

static void write_files(void)
{
    char p[400];
    snprintf(p, sizeof p, "%s/dates.tbl", dir);
    FILE *f = fopen(p, "w");
    for (int i = 0; i < ND; i++)
        fprintf(f, "%d|%d|%d|%s|%d\n", D[i].key, D[i].year, D[i].ym, D[i].yms, D[i].week);
    fclose(f);
    snprintf(p, sizeof p, "%s/customer.tbl", dir);
    f = fopen(p, "w");
    for (int i = 0; i < NC; i++)
        fprintf(f, "%d|%s|%s|%s\n", C[i].key, C[i].city, C[i].nation, C[i].region);
    fclose(f);
    snprintf(p, sizeof p, "%s/supplier.tbl", dir);
    f = fopen(p, "w");
    for (int i = 0; i < NS; i++)
        fprintf(f, "%d|%s|%s|%s\n", S[i].key, S[i].city, S[i].nation, S[i].region);
    fclose(f);
    snprintf(p, sizeof p, "%s/part.tbl", dir);
    f = fopen(p, "w");
    for (int i = 0; i < NP; i++)
        fprintf(f, "%d|%s|%s|%s|%s\n", P[i].key, P[i].mfgr, P[i].cat, P[i].brand, P[i].color);
    fclose(f);
    snprintf(p, sizeof p, "%s/lineorder.tbl", dir);
    f = fopen(p, "w");
    for (int i = 0; i < NL; i++) {
        const lrow_t *r = &L[i];
        fprintf(f, "%d|%d|%d|%d|%d|%d|%d|%d|%d|", r->date, r->cust, r->supp, r->part, r->qty, r->disc, r->price,
                r->rev, r->cost);
        if (!r->tax_null)
            fprintf(f, "%d", r->tax);
        fprintf(f, "|%d\n", r->orphan_cust);
    }
    fclose(f);
}

/* ---- metastore and DDL ---- */

static const char *const path[] = { "public" };

static void run_ddl(const char *sql)
{
    err_t err = { 0 };
    PgQueryProtobufParseResult r = pg_query_parse_protobuf(sql);
    if (r.error)
        TAP_FAIL("parse %s: %s", sql, r.error->message);
    PgQuery__ParseResult *pr = pg_query__parse_result__unpack(NULL, r.parse_tree.len, (const uint8_t *)r.parse_tree.data);
    const PgQuery__Node *n = pr->stmts[0]->stmt;
    catalog_ddl_t d = { ST, "tester", path, 1, NULL, NULL };
    int rc = -1;
    if (n->node_case == PG_QUERY__NODE__NODE_CREATE_FOREIGN_SERVER_STMT)
        rc = catalog_create_server(&d, n->create_foreign_server_stmt, &err);
    else if (n->node_case == PG_QUERY__NODE__NODE_CREATE_FOREIGN_TABLE_STMT)
        rc = catalog_create_foreign_table(&d, n->create_foreign_table_stmt, &err);
    if (rc != 0)
        TAP_FAIL("%s: %s %s", sql, err.sqlstate, err.message);
    pg_query__parse_result__free_unpacked(pr, NULL);
    pg_query_free_protobuf_parse_result(r);
}

static void ddlf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void ddlf(const char *fmt, ...)
{
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    run_ddl(buf);
}

static void mv_ok(const char *sql)
{
    err_t err = { 0 };
    cube_mv_opts_t o = { .storage_root = root };
    if (cube_mv_create_sql(ST, sql, &o, &err) != 0)
        TAP_FAIL("%s: %s %s (%s) [%s]", sql, err.sqlstate, err.message, err.detail, err.hint);
}

static cube_refresh_result_t refresh_ok(const char *name)
{
    err_t err = { 0 };
    cube_refresh_result_t res;
    cube_refresh_opts_t o = { .storage_root = root, .threads = 2 };
    if (cube_refresh(ST, "public", name, &o, &res, &err) != 0)
        TAP_FAIL("refresh %s: %s %s (%s)", name, err.sqlstate, err.message, err.detail);
    return res;
}

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/kiln-test-match-XXXXXX");
    if (!mkdtemp(dir)) /* a fresh directory: a stale one of a reused pid held another run's metastore */
        TAP_FAIL("mkdtemp %s", dir);
    snprintf(root, sizeof root, "%s/storage", dir);
    mkdir(root, 0755);
    char url[400];
    snprintf(url, sizeof url, "sqlite:%s/meta.db", dir);
    meta_options_t mo = { .url = url, .node = "test", .wait_ms = 5000 };
    err_t err = { 0 };
    if (meta_open(&mo, &ST, &err) != 0)
        TAP_FAIL("meta_open: %s", err.message);
    if (catalog_init(ST, cfg_new(), &err) != 0)
        TAP_FAIL("catalog_init: %s", err.message);
    gen();
    write_files();
    run_ddl("CREATE SERVER files FOREIGN DATA WRAPPER file_fdw");
    ddlf("CREATE FOREIGN TABLE dates (d_datekey integer NOT NULL, d_year integer NOT NULL, d_yearmonthnum integer "
         "NOT NULL, d_yearmonth varchar(7) NOT NULL, d_weeknuminyear integer NOT NULL) SERVER files OPTIONS "
         "(filename '%s/dates.tbl', format 'csv', delimiter '|')", dir);
    ddlf("CREATE FOREIGN TABLE customer (c_custkey integer NOT NULL, c_city varchar(10) NOT NULL, c_nation "
         "varchar(15) NOT NULL, c_region varchar(12) NOT NULL) SERVER files OPTIONS (filename '%s/customer.tbl', "
         "format 'csv', delimiter '|')", dir);
    ddlf("CREATE FOREIGN TABLE supplier (s_suppkey integer NOT NULL, s_city varchar(10) NOT NULL, s_nation "
         "varchar(15) NOT NULL, s_region varchar(12) NOT NULL) SERVER files OPTIONS (filename '%s/supplier.tbl', "
         "format 'csv', delimiter '|')", dir);
    ddlf("CREATE FOREIGN TABLE part (p_partkey integer NOT NULL, p_mfgr varchar(6) NOT NULL, p_category varchar(7) "
         "NOT NULL, p_brand1 varchar(9) NOT NULL, p_color varchar(11) NOT NULL) SERVER files OPTIONS "
         "(filename '%s/part.tbl', format 'csv', delimiter '|')", dir);
    ddlf("CREATE FOREIGN TABLE lineorder (lo_orderdate integer NOT NULL, lo_custkey integer NOT NULL, lo_suppkey "
         "integer NOT NULL, lo_partkey integer NOT NULL, lo_quantity integer NOT NULL, lo_discount integer NOT NULL, "
         "lo_extendedprice integer NOT NULL, lo_revenue integer NOT NULL, lo_supplycost integer NOT NULL, lo_tax "
         "integer, lo_orphan integer NOT NULL) SERVER files OPTIONS (filename '%s/lineorder.tbl', format 'csv', "
         "delimiter '|')", dir);
}

static void teardown(void)
{
    char cmd[400];
    catalog_shutdown();
    meta_close(ST);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        printf("# could not remove %s\n", dir);
}

/* The SSB-shaped cube: Kylin's two aggregation groups, plus the measures
 * the tests need (a nullable sum, min/max, avg). */
static const char *CUBE_SQL =
    "CREATE MATERIALIZED VIEW ssb AS SELECT c_region, c_nation, c_city, s_region, s_nation, s_city, p_mfgr, "
    "p_category, p_brand1, d_year, d_yearmonth, d_yearmonthnum, d_weeknuminyear, lo_quantity, lo_discount, "
    "count(*), sum(lo_revenue) AS revenue, sum(lo_supplycost) AS supplycost, sum(lo_extendedprice * lo_discount) "
    "AS v_revenue, sum(lo_tax) AS tax, min(lo_quantity) AS minq, max(lo_supplycost) AS maxc, avg(lo_revenue) AS "
    "avgrev FROM lineorder JOIN dates ON lo_orderdate = d_datekey JOIN customer ON lo_custkey = c_custkey JOIN "
    "supplier ON lo_suppkey = s_suppkey JOIN part ON lo_partkey = p_partkey GROUP BY GROUPING SETS ("
    "(ROLLUP (c_region, c_nation, c_city), ROLLUP (s_region, s_nation, s_city), ROLLUP (p_mfgr, p_category, "
    "p_brand1), ROLLUP (d_year, d_yearmonth)), (ROLLUP (d_year, d_yearmonthnum, d_weeknuminyear), "
    "CUBE ((lo_quantity, lo_discount))))";

/* ---- queries ---- */

enum { QL, QD, QC, QS, QP };
static const cube_q_table_t TABLES[5] = { { NULL, "lineorder" }, { NULL, "dates" }, { NULL, "customer" },
                                          { NULL, "supplier" }, { NULL, "part" } };
static const char *lcol[5] = { NULL, "lo_orderdate", "lo_custkey", "lo_suppkey", "lo_partkey" };
static const char *rcol[5] = { NULL, "d_datekey", "c_custkey", "s_suppkey", "p_partkey" };

typedef struct qb {
    cube_query_t q;
    cube_q_table_t tabs[5];
    int map[5];
    cube_q_join_t joins[8];
    cube_q_col_t group[8];
    cube_q_agg_t aggs[8];
    cube_q_term_t terms[8][4];
    mem_arena_t *a;
} qb_t;

/* qt - the query's index of fixed table t, added on first use. */
static int qt(qb_t *b, int t)
{
    if (b->map[t] < 0) {
        b->map[t] = b->q.ntables;
        b->tabs[b->q.ntables++] = TABLES[t];
    }
    return b->map[t];
}

static qb_t *qb_new(mem_arena_t *a, int nlookups, ...)
{
    qb_t *b = MEM_NEW(a, qb_t);
    b->a = a;
    for (int i = 0; i < 5; i++)
        b->map[i] = -1;
    b->q.tables = b->tabs;
    b->q.joins = b->joins;
    b->q.group = b->group;
    b->q.aggs = b->aggs;
    qt(b, QL);
    va_list ap;
    va_start(ap, nlookups);
    for (int i = 0; i < nlookups; i++) {
        int t = va_arg(ap, int);
        b->joins[b->q.njoins++] = (cube_q_join_t){ qt(b, QL), qt(b, t), false, 1, &lcol[t], &rcol[t] };
    }
    va_end(ap);
    return b;
}

static void qb_group(qb_t *b, int t, const char *col) { b->group[b->q.ngroup++] = (cube_q_col_t){ qt(b, t), col }; }

static void qb_agg(qb_t *b, cube_q_fn_t fn, int nterms, ...)
{
    cube_q_agg_t *g = &b->aggs[b->q.naggs];
    g->fn = fn;
    g->star = nterms == 0;
    g->terms = b->terms[b->q.naggs];
    va_list ap;
    va_start(ap, nterms);
    for (int i = 0; i < nterms; i++) {
        int64_t coef = va_arg(ap, int);
        const char *a = va_arg(ap, const char *);
        const char *bcol = va_arg(ap, const char *);
        b->terms[b->q.naggs][i] = (cube_q_term_t){ coef, { qt(b, QL), a }, { bcol ? qt(b, QL) : -1, bcol } };
    }
    va_end(ap);
    g->nterms = nterms;
    b->q.naggs++;
}

static cube_q_pred_t *leaf(qb_t *b, cube_q_op_t op, int t, const char *col, type_oid_t ty, int n, ...)
{
    mem_arena_t *a = b->a;
    cube_q_pred_t *p = MEM_NEW(a, cube_q_pred_t);
    p->op = op;
    p->col = (cube_q_col_t){ qt(b, t), col };
    p->type = ty;
    value_t *v = MEM_NEW_N(a, value_t, n + 1);
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++) {
        if (ty == TYPE_TEXT) {
            const char *s = va_arg(ap, const char *);
            v[i] = s ? value_text(s, strlen(s)) : value_null();
        } else {
            v[i] = value_int(va_arg(ap, int));
        }
    }
    va_end(ap);
    p->nvals = n;
    p->vals = v;
    return p;
}

static cube_q_pred_t *node(mem_arena_t *a, cube_q_op_t op, int n, ...)
{
    cube_q_pred_t *p = MEM_NEW(a, cube_q_pred_t);
    p->op = op;
    const cube_q_pred_t **args = MEM_NEW_N(a, const cube_q_pred_t *, n);
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        args[i] = va_arg(ap, const cube_q_pred_t *);
    va_end(ap);
    p->nargs = n;
    p->args = args;
    return p;
}

static int plan_rows(const cube_plan_t *p, mem_arena_t *a, char ***rows, err_t *err);

/* run - matches and renders every row as text "v1|v2|..." sorted. */
static int run(cube_matcher_t *m, qb_t *b, char ***rows, err_t *err, char *explain, size_t explain_n)
{
    const meta_catalog_t *cat = meta_catalog_acquire(ST);
    cube_plan_t *p;
    int rc = cube_match(m, cat, &b->q, b->a, &p, err);
    meta_catalog_release(cat);
    if (rc <= 0)
        return rc;
    if (explain) {
        buf_t e = BUF_INIT;
        cube_plan_explain(p, &e);
        snprintf(explain, explain_n, "%.*s", (int)e.len, e.data);
        buf_free(&e);
    }
    return plan_rows(p, b->a, rows, err);
}

/* plan_rows - runs plan p, its rows as text "v1|v2|..." into *rows; the count + 1, -1 on error. */
static int plan_rows(const cube_plan_t *p, mem_arena_t *a, char ***rows, err_t *err)
{
    int rc;
    const cube_plan_col_t *cols;
    int nc = cube_plan_columns(p, &cols);
    cube_iter_t *it;
    if (cube_plan_open(p, a, &it, err) < 0)
        return -1;
    int n = 0, cap = 4096;
    char **out = MEM_NEW_N(a, char *, cap);
    const value_t *row;
    while ((rc = cube_iter_next(it, &row, err)) > 0) {
        buf_t t = BUF_INIT;
        for (int c = 0; c < nc; c++) {
            if (c)
                buf_printf(&t, "|");
            if (row[c].isnull)
                buf_printf(&t, "NULL");
            else
                type_out_text(cols[c].type, -1, &row[c], 0, &t);
        }
        if (n < cap)
            out[n++] = mem_astrndup(a, t.data ? t.data : "", t.len);
        buf_free(&t);
    }
    if (rc < 0)
        return -1;
    out[n] = NULL;
    *rows = out;
    return n + 1; /* > 0 even for no rows */
}

static int strp_cmp(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* expected rows: a tiny map from group key text to accumulators */
typedef struct acc {
    char key[128];
    int64_t sum1, sum2, cnt, cnt2;
    bool used;
} acc_t;

static acc_t *acc_get(acc_t *t, int n, const char *key)
{
    for (int i = 0; i < n; i++)
        if (t[i].used && strcmp(t[i].key, key) == 0)
            return &t[i];
    for (int i = 0; i < n; i++)
        if (!t[i].used) {
            t[i].used = true;
            snprintf(t[i].key, sizeof t[i].key, "%s", key);
            return &t[i];
        }
    TAP_FAIL("acc full");
}

static const drow_t *dof(int key)
{
    for (int i = 0; i < ND; i++)
        if (D[i].key == key)
            return &D[i];
    return NULL;
}

static void check_rows(char **got, int ngot, acc_t *exp, int nexp_cap, const char *(*render)(const acc_t *, char *))
{
    char *want[4096];
    int nw = 0;
    char buf[256];
    for (int i = 0; i < nexp_cap; i++)
        if (exp[i].used)
            want[nw++] = strdup(render(&exp[i], buf));
    qsort(got, (size_t)ngot, sizeof *got, strp_cmp);
    qsort(want, (size_t)nw, sizeof *want, strp_cmp);
    if (nw != ngot) {
        for (int i = 0; i < ngot && i < 5; i++)
            printf("# got %s\n", got[i]);
        for (int i = 0; i < nw && i < 5; i++)
            printf("# want %s\n", want[i]);
        TAP_FAIL("%d rows, expected %d", ngot, nw);
    }
    for (int i = 0; i < nw; i++)
        if (strcmp(got[i], want[i]) != 0)
            TAP_FAIL("row %d: got %s, want %s", i, got[i], want[i]);
    for (int i = 0; i < nw; i++)
        free(want[i]);
}

static const char *render_key_sum(const acc_t *a, char *buf)
{
    snprintf(buf, 256, "%s|%lld", a->key, (long long)a->sum1);
    return buf;
}

static const crow_t *cof(const crow_t *t, int n, int key)
{
    for (int i = 0; i < n; i++)
        if (t[i].key == key)
            return &t[i];
    return NULL;
}

static const prow_t *pof(int key)
{
    return key >= 1 && key <= NP ? &P[key - 1] : NULL;
}

static void test_ssb(void)
{
    setup();
    mv_ok(CUBE_SQL);
    cube_refresh_result_t res = refresh_ok("ssb");
    ASSERT_EQ(res.fact_rows, NL);
    ASSERT_EQ(res.rows_built, NL);
    ASSERT(res.inner_joins_verified);
    mem_arena_t *a = mem_arena_new(NULL, "q", 0);
    cube_matcher_t *m = cube_matcher_new(root);
    err_t err = { 0 };
    char **rows;
    char ex[2048];

    /* Q1.1-shaped: no GROUP BY, filters on the joint and the year */
    qb_t *b = qb_new(a, 1, QD);
    qb_agg(b, CUBE_Q_SUM, 1, 1, "lo_extendedprice", "lo_discount");
    b->q.where = node(a, CUBE_Q_AND, 3, leaf(b, CUBE_Q_EQ, QD, "d_year", TYPE_INT4, 1, 1993),
                      leaf(b, CUBE_Q_BETWEEN, QL, "lo_discount", TYPE_INT4, 2, 1, 3),
                      leaf(b, CUBE_Q_LT, QL, "lo_quantity", TYPE_INT4, 1, 25));
    int n = run(m, b, &rows, &err, ex, sizeof ex);
    if (n <= 0)
        TAP_FAIL("Q1: %s", err.message);
    printf("# %s", ex);
    int64_t want = 0;
    for (int i = 0; i < NL; i++)
        if (dof(L[i].date)->year == 1993 && L[i].disc >= 1 && L[i].disc <= 3 && L[i].qty < 25)
            want += (int64_t)L[i].price * L[i].disc;
    ASSERT_EQ(n - 1, 1);
    ASSERT_EQ(atoll(rows[0]), want);
    ASSERT(strstr(ex, "lo_quantity") && strstr(ex, "Cube Scan on ssb"));

    /* Q2.1-shaped: group by year and brand, filters on category and supplier region */
    b = qb_new(a, 3, QD, QP, QS);
    qb_group(b, QD, "d_year");
    qb_group(b, QP, "p_brand1");
    qb_agg(b, CUBE_Q_SUM, 1, 1, "lo_revenue", NULL);
    b->q.where = node(a, CUBE_Q_AND, 2, leaf(b, CUBE_Q_EQ, QP, "p_category", TYPE_TEXT, 1, "MFGR#12"),
                      leaf(b, CUBE_Q_EQ, QS, "s_region", TYPE_TEXT, 1, "AMERICA"));
    n = run(m, b, &rows, &err, ex, sizeof ex);
    if (n <= 0)
        TAP_FAIL("Q2: %s", err.message);
    printf("# %s", ex);
    acc_t *acc = MEM_NEW_N(a, acc_t, 4096);
    for (int i = 0; i < NL; i++) {
        const prow_t *p = pof(L[i].part);
        const crow_t *s = cof(S, NS, L[i].supp);
        if (strcmp(p->cat, "MFGR#12") || strcmp(s->region, "AMERICA"))
            continue;
        char k[64];
        snprintf(k, sizeof k, "%d|%s", dof(L[i].date)->year, p->brand);
        acc_get(acc, 4096, k)->sum1 += L[i].rev;
    }
    check_rows(rows, n - 1, acc, 4096, render_key_sum);

    /* Q3.3-shaped: a cross-dimension OR (row filter), years by range */
    b = qb_new(a, 3, QC, QS, QD);
    qb_group(b, QC, "c_city");
    qb_group(b, QS, "s_city");
    qb_group(b, QD, "d_year");
    qb_agg(b, CUBE_Q_SUM, 1, 1, "lo_revenue", NULL);
    b->q.where = node(a, CUBE_Q_AND, 3,
                      node(a, CUBE_Q_OR, 2, leaf(b, CUBE_Q_EQ, QC, "c_nation", TYPE_TEXT, 1, "CHINA"),
                           leaf(b, CUBE_Q_IN, QS, "s_city", TYPE_TEXT, 2, "JAPAN0", "JAPAN1")),
                      leaf(b, CUBE_Q_GE, QD, "d_year", TYPE_INT4, 1, 1992),
                      node(a, CUBE_Q_NOT, 1, leaf(b, CUBE_Q_GT, QD, "d_year", TYPE_INT4, 1, 1992)));
    n = run(m, b, &rows, &err, ex, sizeof ex);
    if (n <= 0)
        TAP_FAIL("Q3: %s", err.message);
    printf("# %s", ex);
    ASSERT(strstr(ex, "Row Filter"));
    acc = MEM_NEW_N(a, acc_t, 4096);
    for (int i = 0; i < NL; i++) {
        const crow_t *c = cof(C, NC, L[i].cust), *s = cof(S, NS, L[i].supp);
        int y = dof(L[i].date)->year;
        if (!(strcmp(c->nation, "CHINA") == 0 || strcmp(s->city, "JAPAN0") == 0 || strcmp(s->city, "JAPAN1") == 0))
            continue;
        if (y != 1992)
            continue;
        char k[64];
        snprintf(k, sizeof k, "%s|%s|%d", c->city, s->city, y);
        acc_get(acc, 4096, k)->sum1 += L[i].rev;
    }
    check_rows(rows, n - 1, acc, 4096, render_key_sum);

    /* Q4.1-shaped: sum(lo_revenue - lo_supplycost) from the two sums */
    b = qb_new(a, 4, QD, QC, QS, QP);
    qb_group(b, QD, "d_year");
    qb_group(b, QC, "c_nation");
    qb_agg(b, CUBE_Q_SUM, 2, 1, "lo_revenue", NULL, -1, "lo_supplycost", NULL);
    b->q.where = node(a, CUBE_Q_AND, 3, leaf(b, CUBE_Q_EQ, QC, "c_region", TYPE_TEXT, 1, "AMERICA"),
                      leaf(b, CUBE_Q_EQ, QS, "s_region", TYPE_TEXT, 1, "AMERICA"),
                      node(a, CUBE_Q_OR, 2, leaf(b, CUBE_Q_EQ, QP, "p_mfgr", TYPE_TEXT, 1, "MFGR#1"),
                           leaf(b, CUBE_Q_EQ, QP, "p_mfgr", TYPE_TEXT, 1, "MFGR#2")));
    n = run(m, b, &rows, &err, ex, sizeof ex);
    if (n <= 0)
        TAP_FAIL("Q4: %s", err.message);
    printf("# %s", ex);
    ASSERT(strstr(ex, "revenue") && strstr(ex, "supplycost"));
    acc = MEM_NEW_N(a, acc_t, 4096);
    for (int i = 0; i < NL; i++) {
        const crow_t *c = cof(C, NC, L[i].cust), *s = cof(S, NS, L[i].supp);
        const prow_t *p = pof(L[i].part);
        if (strcmp(c->region, "AMERICA") || strcmp(s->region, "AMERICA") ||
            (strcmp(p->mfgr, "MFGR#1") && strcmp(p->mfgr, "MFGR#2")))
            continue;
        char k[64];
        snprintf(k, sizeof k, "%d|%s", dof(L[i].date)->year, c->nation);
        acc_get(acc, 4096, k)->sum1 += L[i].rev - L[i].cost;
    }
    check_rows(rows, n - 1, acc, 4096, render_key_sum);
    cube_matcher_free(m);
    mem_arena_free(a);
    teardown();
}

/* pleaf - a leaf whose values are execution values idx[0..n) (-1: the constant in vals). */
static cube_q_pred_t *pleaf(qb_t *b, cube_q_pred_t *l, int n, ...)
{
    int *idx = MEM_NEW_N(b->a, int, n);
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        idx[i] = va_arg(ap, int);
    va_end(ap);
    l->params = idx;
    return l;
}

static void test_params(void)
{
    setup();
    mv_ok(CUBE_SQL);
    refresh_ok("ssb");
    mem_arena_t *a = mem_arena_new(NULL, "q", 0);
    cube_matcher_t *m = cube_matcher_new(root);
    err_t err = { 0 };
    char **rows;

    /* Q1-shaped, d_year = $0 AND lo_discount BETWEEN $1 AND 3: matched once, run with several values */
    qb_t *b = qb_new(a, 1, QD);
    qb_agg(b, CUBE_Q_SUM, 1, 1, "lo_extendedprice", "lo_discount");
    cube_q_pred_t *year = pleaf(b, leaf(b, CUBE_Q_EQ, QD, "d_year", TYPE_INT4, 1, 0), 1, 0);
    cube_q_pred_t *disc = pleaf(b, leaf(b, CUBE_Q_BETWEEN, QL, "lo_discount", TYPE_INT4, 2, 0, 3), 2, 1, -1);
    b->q.where = node(a, CUBE_Q_AND, 3, year, disc, leaf(b, CUBE_Q_LT, QL, "lo_quantity", TYPE_INT4, 1, 25));
    const meta_catalog_t *cat = meta_catalog_acquire(ST);
    cube_plan_t *p;
    int rc = cube_match(m, cat, &b->q, a, &p, &err);
    meta_catalog_release(cat);
    if (rc <= 0)
        TAP_FAIL("match with parameters: %s", err.message);
    ASSERT_EQ(cube_plan_nvalues(p), 2);
    buf_t ex = BUF_INIT;
    cube_plan_explain(p, &ex);
    printf("# %s", buf_cstr(&ex));
    ASSERT(strstr(buf_cstr(&ex), "parameter values") && !strstr(buf_cstr(&ex), "Rows Touched"));
    buf_free(&ex);
    cube_iter_t *it;
    ASSERT(cube_plan_open(p, a, &it, &err) < 0 && strcmp(err.sqlstate, "XX000") == 0);
    err_clear(&err);
    const cube_plan_t *bound;
    ASSERT(cube_plan_bind(p, (value_t[]){ value_int(1993) }, 1, a, &bound, &err) < 0);
    err_clear(&err);
    static const int runs[][3] = { { 1993, 1, 0 }, { 1994, 2, 0 }, { 1992, 4, 0 }, { 0, 1, 1 }, { 1993, 0, 2 } };
    for (size_t r = 0; r < sizeof runs / sizeof runs[0]; r++) {
        /* runs[r][2]: 1 the year is NULL, 2 the lower bound is */
        value_t vals[2] = { value_int(runs[r][0]), value_int(runs[r][1]) };
        if (runs[r][2])
            vals[runs[r][2] - 1] = value_null();
        if (cube_plan_bind(p, vals, 2, a, &bound, &err) < 0)
            TAP_FAIL("bind: %s", err.message);
        int n = plan_rows(bound, a, &rows, &err);
        if (n <= 0)
            TAP_FAIL("run %zu: %s", r, err.message);
        int64_t want = 0;
        bool any = false;
        for (int i = 0; i < NL && !runs[r][2]; i++)
            if (dof(L[i].date)->year == runs[r][0] && L[i].disc >= runs[r][1] && L[i].disc <= 3 && L[i].qty < 25) {
                want += (int64_t)L[i].price * L[i].disc;
                any = true;
            }
        ASSERT_EQ(n - 1, 1);
        if (any)
            ASSERT_EQ(atoll(rows[0]), want);
        else
            ASSERT_STREQ(rows[0], "NULL");
    }
    ASSERT_EQ(cube_plan_nvalues(p), 2); /* binding left the plan as it was */

    /* a row filter over two dimensions reading values: (c_nation = $0 OR s_city IN ('JAPAN0', $1)) */
    b = qb_new(a, 3, QC, QS, QD);
    qb_group(b, QC, "c_city");
    qb_agg(b, CUBE_Q_SUM, 1, 1, "lo_revenue", NULL);
    b->q.where = node(a, CUBE_Q_AND, 2,
                      node(a, CUBE_Q_OR, 2, pleaf(b, leaf(b, CUBE_Q_EQ, QC, "c_nation", TYPE_TEXT, 1, ""), 1, 0),
                           pleaf(b, leaf(b, CUBE_Q_IN, QS, "s_city", TYPE_TEXT, 2, "JAPAN0", ""), 2, -1, 1)),
                      leaf(b, CUBE_Q_EQ, QD, "d_year", TYPE_INT4, 1, 1992));
    cat = meta_catalog_acquire(ST);
    rc = cube_match(m, cat, &b->q, a, &p, &err);
    meta_catalog_release(cat);
    if (rc <= 0)
        TAP_FAIL("match with a row filter on parameters: %s", err.message);
    static const char *const nat[][2] = { { "CHINA", "JAPAN1" }, { "UNITED STATES", NULL }, { NULL, "JAPAN3" } };
    for (size_t r = 0; r < sizeof nat / sizeof nat[0]; r++) {
        value_t vals[2];
        for (int k = 0; k < 2; k++)
            vals[k] = nat[r][k] ? value_text(nat[r][k], strlen(nat[r][k])) : value_null();
        if (cube_plan_bind(p, vals, 2, a, &bound, &err) < 0)
            TAP_FAIL("bind: %s", err.message);
        int n = plan_rows(bound, a, &rows, &err);
        if (n <= 0)
            TAP_FAIL("run %zu: %s", r, err.message);
        acc_t *acc = MEM_NEW_N(a, acc_t, 4096);
        for (int i = 0; i < NL; i++) {
            const crow_t *c = cof(C, NC, L[i].cust), *s = cof(S, NS, L[i].supp);
            bool hit = (nat[r][0] && strcmp(c->nation, nat[r][0]) == 0) || strcmp(s->city, "JAPAN0") == 0 ||
                       (nat[r][1] && strcmp(s->city, nat[r][1]) == 0);
            if (!hit || dof(L[i].date)->year != 1992)
                continue;
            acc_get(acc, 4096, c->city)->sum1 += L[i].rev;
        }
        check_rows(rows, n - 1, acc, 4096, render_key_sum);
    }
    cube_matcher_free(m);
    mem_arena_free(a);
    teardown();
}

static const char *render_derived(const acc_t *a, char *buf)
{
    /* key | count(*) | count(lo_tax) | sum(lo_tax) or NULL */
    if (a->cnt2)
        snprintf(buf, 256, "%s|%lld|%lld|%lld", a->key, (long long)a->cnt, (long long)a->cnt2, (long long)a->sum2);
    else
        snprintf(buf, 256, "%s|%lld|%lld|NULL", a->key, (long long)a->cnt, (long long)a->cnt2);
    return buf;
}

static void test_derived(void)
{
    setup();
    mv_ok(CUBE_SQL);
    refresh_ok("ssb");
    mem_arena_t *a = mem_arena_new(NULL, "q", 0);
    cube_matcher_t *m = cube_matcher_new(root);
    err_t err = { 0 };
    char **rows;
    /* count(*), count(lo_tax) from the hidden count, sum(lo_tax) NULL in 1992 */
    qb_t *b = qb_new(a, 1, QD);
    qb_group(b, QD, "d_year");
    qb_agg(b, CUBE_Q_COUNT, 0);
    qb_agg(b, CUBE_Q_COUNT, 1, 1, "lo_tax", NULL);
    qb_agg(b, CUBE_Q_SUM, 1, 1, "lo_tax", NULL);
    int n = run(m, b, &rows, &err, NULL, 0);
    if (n <= 0)
        TAP_FAIL("derived: %s", err.message);
    acc_t *acc = MEM_NEW_N(a, acc_t, 64);
    for (int i = 0; i < NL; i++) {
        char k[16];
        snprintf(k, sizeof k, "%d", dof(L[i].date)->year);
        acc_t *x = acc_get(acc, 64, k);
        x->cnt++;
        if (!L[i].tax_null) {
            x->cnt2++;
            x->sum2 += L[i].tax;
        }
    }
    check_rows(rows, n - 1, acc, 64, render_derived);
    ASSERT(strstr(rows[0], "|NULL") != NULL); /* 1992 */

    /* avg(lo_revenue) as numeric, min and max, over a month filter (IN) */
    b = qb_new(a, 1, QD);
    qb_agg(b, CUBE_Q_AVG, 1, 1, "lo_revenue", NULL);
    qb_agg(b, CUBE_Q_MIN, 1, 1, "lo_quantity", NULL);
    qb_agg(b, CUBE_Q_MAX, 1, 1, "lo_supplycost", NULL);
    b->q.where = leaf(b, CUBE_Q_IN, QD, "d_yearmonthnum", TYPE_INT4, 2, 199203, 199311);
    n = run(m, b, &rows, &err, NULL, 0);
    if (n <= 0)
        TAP_FAIL("avg: %s", err.message);
    int64_t s = 0, c = 0, mn = 1000, mx = -1;
    for (int i = 0; i < NL; i++) {
        int ym = dof(L[i].date)->ym;
        if (ym != 199203 && ym != 199311)
            continue;
        s += L[i].rev;
        c++;
        if (L[i].qty < mn)
            mn = L[i].qty;
        if (L[i].cost > mx)
            mx = L[i].cost;
    }
    /* PostgreSQL's numeric division of the sum by the count */
    const type_numeric_t *q;
    err_t e2 = { 0 };
    ASSERT(numeric_div(a, numeric_from_int64(a, s), numeric_from_int64(a, c), -1, &q, &e2) == 0);
    buf_t t = BUF_INIT;
    numeric_out(q, &t);
    char want[256];
    snprintf(want, sizeof want, "%.*s|%lld|%lld", (int)t.len, t.data, (long long)mn, (long long)mx);
    buf_free(&t);
    ASSERT_STREQ(rows[0], want);

    /* no row passes: one row, count 0 and NULL sum */
    b = qb_new(a, 1, QD);
    qb_agg(b, CUBE_Q_COUNT, 0);
    qb_agg(b, CUBE_Q_SUM, 1, 1, "lo_revenue", NULL);
    b->q.where = leaf(b, CUBE_Q_EQ, QD, "d_year", TYPE_INT4, 1, 2020);
    n = run(m, b, &rows, &err, NULL, 0);
    ASSERT(n == 2);
    ASSERT_STREQ(rows[0], "0|NULL");

    /* NOT IN and <> on text */
    b = qb_new(a, 1, QC);
    qb_group(b, QC, "c_region");
    qb_agg(b, CUBE_Q_COUNT, 0);
    b->q.where = node(a, CUBE_Q_NOT, 1, leaf(b, CUBE_Q_IN, QC, "c_region", TYPE_TEXT, 1, "ASIA"));
    n = run(m, b, &rows, &err, NULL, 0);
    if (n <= 0)
        TAP_FAIL("not in: %s", err.message);
    int64_t am = 0, eu = 0;
    for (int i = 0; i < NL; i++) {
        const crow_t *cr = cof(C, NC, L[i].cust);
        am += strcmp(cr->region, "AMERICA") == 0;
        eu += strcmp(cr->region, "EUROPE") == 0;
    }
    char w1[64], w2[64];
    snprintf(w1, sizeof w1, "AMERICA|%lld", (long long)am);
    snprintf(w2, sizeof w2, "EUROPE|%lld", (long long)eu);
    ASSERT_EQ(n - 1, 2);
    ASSERT_STREQ(rows[0], w1);
    ASSERT_STREQ(rows[1], w2);
    cube_matcher_free(m);
    mem_arena_free(a);
    teardown();
}

static void refused(cube_matcher_t *m, qb_t *b, const char *reason)
{
    err_t err = { 0 };
    char **rows;
    int n = run(m, b, &rows, &err, NULL, 0);
    if (n != 0)
        TAP_FAIL("expected no match (%s), got %d", reason, n);
    printf("# %s: %s\n", err.sqlstate, err.message);
    ASSERT_STREQ(err.sqlstate, "0A000");
    if (!strstr(err.message, reason))
        TAP_FAIL("reason \"%s\" not in \"%s\"", reason, err.message);
}

static void test_refusals(void)
{
    setup();
    mv_ok(CUBE_SQL);
    mem_arena_t *a = mem_arena_new(NULL, "q", 0);
    cube_matcher_t *m = cube_matcher_new(root);
    qb_t *b = qb_new(a, 1, QD);
    qb_group(b, QD, "d_year");
    qb_agg(b, CUBE_Q_COUNT, 0);
    refused(m, b, "has no built segment");
    refresh_ok("ssb");

    b = qb_new(a, 1, QP);
    qb_group(b, QP, "p_color");
    qb_agg(b, CUBE_Q_COUNT, 0);
    refused(m, b, "column p_color is not a dimension of cube ssb");

    b = qb_new(a, 1, QD);
    qb_agg(b, CUBE_Q_SUM, 1, 1, "lo_orphan", NULL);
    refused(m, b, "measure sum(lo_orphan) is missing");

    b = qb_new(a, 1, QD);
    qb_agg(b, CUBE_Q_SUM, 2, 1, "lo_revenue", NULL, 1, "lo_orphan", NULL);
    refused(m, b, "nor is sum(lineorder.lo_orphan)");

    b = qb_new(a, 0);
    static const char *pc[] = { "lo_partkey" }, *pk[] = { "p_color" };
    b->joins[b->q.njoins++] = (cube_q_join_t){ qt(b, QL), qt(b, QP), false, 1, pc, pk };
    qb_agg(b, CUBE_Q_COUNT, 0);
    refused(m, b, "join to part ON lo_partkey = p_color is not in the model");

    b = qb_new(a, 1, QD);
    qb_agg(b, CUBE_Q_COUNT, 1, 1, "lo_custkey", NULL);
    b->aggs[0].distinct = true;
    refused(m, b, "count(DISTINCT lo_custkey)");

    b = qb_new(a, 1, QD);
    qb_group(b, QL, "lo_tax");
    qb_agg(b, CUBE_Q_COUNT, 0);
    refused(m, b, "column lo_tax is not a dimension");
    cube_matcher_free(m);
    mem_arena_free(a);
    teardown();
}

/* Lookups the query leaves out: a fact table with 1% orphan customer keys. */
static void test_left_out_joins(void)
{
    setup();
    mv_ok("CREATE MATERIALIZED VIEW inner_m AS SELECT d_year, c_region, count(*), sum(lo_revenue) FROM lineorder "
          "JOIN dates ON lo_orderdate = d_datekey JOIN customer ON lo_orphan = c_custkey "
          "GROUP BY CUBE (d_year, c_region)");
    mv_ok("CREATE MATERIALIZED VIEW left_m AS SELECT d_year, c_region, count(*), sum(lo_revenue) FROM lineorder "
          "JOIN dates ON lo_orderdate = d_datekey LEFT JOIN customer ON lo_orphan = c_custkey "
          "GROUP BY CUBE (d_year, c_region)");
    cube_refresh_result_t r1 = refresh_ok("inner_m");
    ASSERT(!r1.inner_joins_verified);
    ASSERT_EQ(r1.rows_built, NL - NL / 100);
    cube_refresh_result_t r2 = refresh_ok("left_m");
    ASSERT_EQ(r2.rows_built, NL);
    mem_arena_t *a = mem_arena_new(NULL, "q", 0);
    cube_matcher_t *m = cube_matcher_new(root);
    err_t err = { 0 };
    char **rows;
    char ex[1024];
    /* without customer: only the LEFT model may answer, and it counts every row */
    qb_t *b = qb_new(a, 1, QD);
    qb_agg(b, CUBE_Q_COUNT, 0);
    int n = run(m, b, &rows, &err, ex, sizeof ex);
    if (n <= 0)
        TAP_FAIL("left out: %s", err.message);
    ASSERT(strstr(ex, "left_m") != NULL);
    ASSERT_EQ(atoll(rows[0]), NL);
    /* joining customer INNER: the INNER model answers (the LEFT one could not: unmatched rows) */
    b = qb_new(a, 1, QD);
    static const char *oc[] = { "lo_orphan" }, *ck[] = { "c_custkey" };
    b->joins[b->q.njoins++] = (cube_q_join_t){ qt(b, QL), qt(b, QC), false, 1, oc, ck };
    qb_group(b, QC, "c_region");
    qb_agg(b, CUBE_Q_COUNT, 0);
    n = run(m, b, &rows, &err, ex, sizeof ex);
    if (n <= 0)
        TAP_FAIL("inner: %s", err.message);
    ASSERT(strstr(ex, "inner_m") != NULL);
    int64_t total = 0;
    for (int i = 0; i < n - 1; i++)
        total += atoll(strchr(rows[i], '|') + 1);
    ASSERT_EQ(total, NL - NL / 100);
    /* only the INNER model exists: leaving customer out is refused */
    bool skipped;
    cube_mv_opts_t o = { .storage_root = root };
    ASSERT_EQ(cube_mv_drop(ST, "public", "left_m", false, &o, &skipped, &err), 0);
    b = qb_new(a, 1, QD);
    qb_agg(b, CUBE_Q_COUNT, 0);
    refused(m, b, "dropped 60 fact rows without a customer row");
    cube_matcher_free(m);
    mem_arena_free(a);
    teardown();
}

/* The view itself: PostgreSQL's matview rows, one per group of every grouping
 * set (a set listed twice twice: (d_year), and () beside ROLLUP's), NULL where a set does not
 * group; WHERE leaves skip sets and seek; 55000 before a refresh. */
static void test_view(void)
{
    setup();
    mv_ok("CREATE MATERIALIZED VIEW v AS SELECT c_region, d_year, c_nation, count(*) AS cnt, sum(lo_revenue) AS rev "
          "FROM lineorder JOIN dates ON lo_orderdate = d_datekey JOIN customer ON lo_custkey = c_custkey "
          "GROUP BY GROUPING SETS ((d_year), (d_year), (), ROLLUP (c_region, c_nation))");
    mv_ok("CREATE MATERIALIZED VIEW nodata AS SELECT d_year, count(*) FROM lineorder JOIN dates ON "
          "lo_orderdate = d_datekey GROUP BY ROLLUP (d_year) WITH NO DATA");
    refresh_ok("v");
    mem_arena_t *a = mem_arena_new(NULL, "view", 0);
    cube_matcher_t *m = cube_matcher_new(root);
    err_t err = { 0 };
    const meta_catalog_t *cat = meta_catalog_acquire(ST);
    cube_view_t *v;
    ASSERT_EQ(cube_view_plan(m, cat, meta_catalog_cube(cat, "public", "nodata"), a, &v, &err), -1);
    ASSERT_STREQ(err.sqlstate, "55000");
    ASSERT_STREQ(err.message, "materialized view \"nodata\" has not been populated");
    err_clear(&err);
    if (cube_view_plan(m, cat, meta_catalog_cube(cat, "public", "v"), a, &v, &err) != 0)
        TAP_FAIL("view: %s", err.message);
    const cube_plan_col_t *cols;
    ASSERT_EQ(cube_view_columns(v, &cols), 5);
    ASSERT_STREQ(cols[3].name, "cnt");
    ASSERT_EQ(cols[4].type, TYPE_INT8);
    /* naive: per region and nation the fact rows and revenue */
    int64_t total_rev = 0, rrev[3] = { 0 }, nat_rows[6] = { 0 };
    for (int i = 0; i < NL; i++) {
        const crow_t *c = cof(C, NC, L[i].cust);
        total_rev += L[i].rev;
        for (int r = 0; r < 3; r++)
            rrev[r] += strcmp(c->region, regions[r]) == 0 ? L[i].rev : 0;
        for (int k = 0; k < 6; k++)
            nat_rows[k] += strcmp(c->nation, nations[k]) == 0;
    }
    int nregions = 0, nnations = 0;
    for (int k = 0; k < 6; k++)
        nnations += nat_rows[k] > 0;
    for (int r = 0; r < 3; r++)
        nregions += rrev[r] != 0;
    /* rows per pattern of NULLs (the data has none): {d_year} read twice */
    cube_view_iter_t *it;
    ASSERT_EQ(cube_view_open(v, a, &it, &err), 0);
    value_t row[5];
    int rows[8] = { 0 };
    int64_t cnt[8] = { 0 }, rev[8] = { 0 };
    int rc;
    while ((rc = cube_view_next(it, a, row, &err)) > 0) {
        int pat = (!row[0].isnull) | (!row[1].isnull) << 1 | (!row[2].isnull) << 2;
        rows[pat]++;
        cnt[pat] += row[3].u.i;
        rev[pat] += row[4].u.i;
        if (pat == 1) /* (c_region): its revenue */
            for (int r = 0; r < 3; r++)
                if (strlen(regions[r]) == row[0].u.s.len && memcmp(regions[r], row[0].u.s.p, row[0].u.s.len) == 0)
                    ASSERT_EQ(row[4].u.i, rrev[r]);
    }
    ASSERT_EQ(rc, 0);
    ASSERT_EQ(rows[2], 4);            /* two years, twice */
    ASSERT_EQ(cnt[2], 2 * NL);
    ASSERT_EQ(rev[2], 2 * total_rev);
    ASSERT_EQ(rows[0], 2);            /* (), and the ROLLUP's () */
    ASSERT_EQ(cnt[0], 2 * NL);
    ASSERT_EQ(rows[1], nregions);
    ASSERT_EQ(rows[5], nnations);
    ASSERT_EQ(rev[5], total_rev);
    ASSERT_EQ(rows[3] + rows[4] + rows[6] + rows[7], 0);
    /* WHERE c_nation IS NULL: the sets without c_nation (c_nation is never NULL) */
    cube_q_pred_t isnull = { .op = CUBE_Q_IS_NULL, .col = { 0, "c_nation" }, .type = TYPE_TEXT };
    ASSERT_EQ(cube_view_restrict(v, &isnull), 3);
    /* AND c_region = 'ASIA': only (c_region), seeking ASIA */
    value_t asia = value_text("ASIA", 4);
    cube_q_pred_t eq = { .op = CUBE_Q_EQ, .col = { 0, "c_region" }, .type = TYPE_TEXT, .nvals = 1, .vals = &asia };
    ASSERT_EQ(cube_view_restrict(v, &eq), 1);
    buf_t ex = BUF_INIT;
    cube_view_explain(v, &ex);
    ASSERT(strstr(buf_cstr(&ex), "Grouping Sets: 1 of 4") != NULL);
    ASSERT(strstr(buf_cstr(&ex), "Filter: c_region in [ASIA]") != NULL);
    buf_free(&ex);
    ASSERT_EQ(cube_view_open(v, a, &it, &err), 0);
    int n = 0;
    while ((rc = cube_view_next(it, a, row, &err)) > 0) {
        ASSERT(!row[0].isnull && row[1].isnull && row[2].isnull);
        ASSERT_EQ(row[4].u.i, rrev[1]);
        n++;
    }
    ASSERT_EQ(rc, 0);
    ASSERT_EQ(n, 1);
    meta_catalog_release(cat);
    mem_arena_free(a);
    cube_matcher_free(m);
    teardown();
}

static int count_dirs(const char *p)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "find %s -mindepth 2 -maxdepth 2 -type d | wc -l", p);
    FILE *f = popen(cmd, "r");
    int n = -1;
    if (f) {
        if (fscanf(f, "%d", &n) != 1)
            n = -1;
        pclose(f);
    }
    return n;
}

static void test_refresh_drop(void)
{
    setup();
    mv_ok("CREATE MATERIALIZED VIEW small AS SELECT d_year, count(*) FROM lineorder JOIN dates ON "
          "lo_orderdate = d_datekey GROUP BY d_year");
    cube_refresh_result_t r1 = refresh_ok("small");
    cube_refresh_result_t r2 = refresh_ok("small");
    ASSERT(r2.segment_id > r1.segment_id);
    cube_refresh_result_t r3 = refresh_ok("small");
    (void)r3;
    /* r1 was discarded by r2 and deleted by r3; r2 discarded, r3 ready */
    ASSERT_EQ(count_dirs(root), 2);
    const meta_catalog_t *cat = meta_catalog_acquire(ST);
    const meta_cube_t *c = meta_catalog_cube(cat, "public", "small");
    ASSERT(c && strcmp(c->status, "ready") == 0);
    mem_arena_t *a = mem_arena_new(NULL, "q", 0);
    cube_mv_column_t *cols;
    int n;
    err_t err = { 0 };
    ASSERT_EQ(cube_mv_columns(a, cat, c, &cols, &n, &err), 0);
    ASSERT_EQ(n, 2);
    ASSERT_STREQ(cols[1].type_name, "bigint");
    meta_catalog_release(cat);
    /* a duplicate name and IF NOT EXISTS */
    cube_mv_opts_t o = { .storage_root = root };
    ASSERT(cube_mv_create_sql(ST, "CREATE MATERIALIZED VIEW small AS SELECT d_year, count(*) FROM lineorder JOIN "
                                  "dates ON lo_orderdate = d_datekey GROUP BY d_year", &o, &err) != 0);
    ASSERT_STREQ(err.sqlstate, "42P07");
    bool skipped;
    ASSERT_EQ(cube_mv_drop(ST, "public", "small", false, &o, &skipped, &err), 0);
    ASSERT_EQ(count_dirs(root), 0);
    err_clear(&err);
    ASSERT(cube_mv_drop(ST, "public", "small", false, &o, &skipped, &err) != 0);
    ASSERT_STREQ(err.sqlstate, "42P01");
    ASSERT_EQ(cube_mv_drop(ST, "public", "small", true, &o, &skipped, &err), 0);
    ASSERT(skipped);
    /* a duplicate lookup key fails the build and leaves no segment */
    char p[400];
    snprintf(p, sizeof p, "%s/customer.tbl", dir);
    FILE *f = fopen(p, "a");
    fprintf(f, "1|DUPCITY|CHINA|ASIA\n");
    fclose(f);
    mv_ok("CREATE MATERIALIZED VIEW dup AS SELECT c_region, count(*) FROM lineorder JOIN customer ON "
          "lo_custkey = c_custkey GROUP BY c_region");
    cube_refresh_opts_t ro = { .storage_root = root };
    err_clear(&err);
    ASSERT(cube_refresh(ST, "public", "dup", &ro, NULL, &err) != 0);
    ASSERT_STREQ(err.sqlstate, "23505");
    printf("# %s\n", err.message);
    ASSERT_EQ(count_dirs(root), 0);
    mem_arena_free(a);
    teardown();
}

static int64_t ms_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void stopped(void *arg) { *(int *)arg = 1; }

/* REFRESH as a job: the "cube.refresh" step with progress and a fenced publish. */
static void test_refresh_job(void)
{
    setup();
    mv_ok("CREATE MATERIALIZED VIEW small AS SELECT d_year, count(*) FROM lineorder JOIN dates ON "
          "lo_orderdate = d_datekey GROUP BY d_year");
    ASSERT_EQ(cube_job_register(root), 0);
    uv_loop_t loop;
    uv_loop_init(&loop);
    cfg_t *cfg = cfg_new();
    err_t err = { 0 };
    ASSERT(cfg_set(cfg, CFG_SERVER_MODE, "all", CFG_C_STARTUP, &err) == 0);
    job_engine_opts_t o = { .node = "n1", .poll_ms = 100, .lease_ms = 1000, .progress_ms = 20 };
    job_engine_t *e;
    if (job_engine_start(&loop, cfg, ST, NULL, NULL, &o, &e, &err) != 0)
        TAP_FAIL("job_engine_start: %s", err.message);
    int64_t id = 0;
    ASSERT_EQ(cube_job_submit_refresh(ST, "public", "small", "tester", NULL, &id, &err), 0);
    job_engine_wake(e);
    mem_arena_t *a = mem_arena_new(NULL, "j", 0);
    job_info_t ji = { 0 };
    int64_t end = ms_now() + 20000;
    while (ms_now() < end) {
        uv_run(&loop, UV_RUN_NOWAIT);
        ASSERT(job_show(ST, id, NULL, a, &ji, NULL, NULL, &err) == 0);
        if (job_state_is_final(ji.state) || ji.state == JOB_ERROR)
            break;
        usleep(5000);
    }
    job_step_info_t *steps;
    size_t nsteps;
    ASSERT(job_show(ST, id, NULL, a, &ji, &steps, &nsteps, &err) == 0);
    printf("# job %s: %s | %s\n", job_state_name(ji.state), steps[0].message, steps[0].log);
    ASSERT_EQ(ji.state, JOB_SUCCEED);
    ASSERT(strstr(steps[0].log, "inner joins verified") != NULL);
    ASSERT(meta_catalog_refresh(ST, true, &err) == 0);
    const meta_catalog_t *cat = meta_catalog_acquire(ST);
    int ready = 0;
    for (size_t i = 0; i < cat->nsegments; i++)
        if (strcmp(cat->segments[i].status, "ready") == 0 && cat->segments[i].job_id == id)
            ready++;
    meta_catalog_release(cat);
    ASSERT_EQ(ready, 1);
    int done = 0;
    job_engine_stop(e, stopped, &done);
    end = ms_now() + 10000;
    while (!done && ms_now() < end) {
        uv_run(&loop, UV_RUN_NOWAIT);
        usleep(2000);
    }
    uv_run(&loop, UV_RUN_NOWAIT);
    ASSERT(done);
    ASSERT_EQ(uv_loop_close(&loop), 0);
    cfg_free(cfg); /* the engine copied what it needs from cfg */
    mem_arena_free(a);
    teardown();
}

/* rows_text - every row of the query (grouped by all of the view's
 * dimensions), sorted, as one string. */
static char *rows_text(cube_matcher_t *m, qb_t *b)
{
    err_t err = { 0 };
    char **rows;
    int n = run(m, b, &rows, &err, NULL, 0);
    if (n <= 0)
        TAP_FAIL("query: %s %s", err.sqlstate, err.message);
    qsort(rows, (size_t)(n - 1), sizeof *rows, strp_cmp);
    buf_t t = BUF_INIT;
    for (int i = 0; i < n - 1; i++)
        buf_printf(&t, "%s\n", rows[i]);
    char *out = mem_astrndup(b->a, t.data ? t.data : "", t.len);
    buf_free(&t);
    return out;
}

static cube_refresh_result_t refresh_threads(const char *name, int threads, err_t *err)
{
    cube_refresh_result_t res;
    cube_refresh_opts_t o = { .storage_root = root, .threads = threads };
    memset(err, 0, sizeof *err);
    if (cube_refresh(ST, "public", name, &o, &res, err) != 0)
        memset(&res, 0, sizeof res);
    return res;
}

/* REFRESH reading the fact file in parts (cut small on purpose, 4 readers):
 * the same cube as one reader; a bad row in a later part is reported with
 * its absolute line; a csv fact file with quoted newlines. */
static void test_refresh_parts(void)
{
    setup();
    catalog_filescan_set_min_part(4096);
    mv_ok("CREATE MATERIALIZED VIEW parts AS SELECT d_year, c_region, s_nation, lo_discount, count(*), "
          "sum(lo_revenue) AS revenue, sum(lo_tax) AS tax, sum(lo_extendedprice * lo_discount) AS v FROM lineorder "
          "JOIN dates ON lo_orderdate = d_datekey JOIN customer ON lo_custkey = c_custkey JOIN supplier ON "
          "lo_suppkey = s_suppkey GROUP BY d_year, c_region, s_nation, lo_discount");
    mem_arena_t *a = mem_arena_new(NULL, "q", 0);
    cube_matcher_t *m = cube_matcher_new(root);
    err_t err;
    char *text[2];
    for (int k = 0; k < 2; k++) {
        cube_refresh_result_t r = refresh_threads("parts", k ? 4 : 1, &err);
        if (err.set)
            TAP_FAIL("refresh: %s %s (%s)", err.sqlstate, err.message, err.detail);
        ASSERT_EQ(r.fact_rows, NL);
        ASSERT_EQ(r.rows_built, NL);
        ASSERT(r.inner_joins_verified);
        qb_t *b = qb_new(a, 3, QD, QC, QS);
        qb_group(b, QD, "d_year");
        qb_group(b, QC, "c_region");
        qb_group(b, QS, "s_nation");
        qb_group(b, QL, "lo_discount");
        qb_agg(b, CUBE_Q_COUNT, 0);
        qb_agg(b, CUBE_Q_SUM, 1, 1, "lo_revenue", NULL);
        qb_agg(b, CUBE_Q_SUM, 1, 1, "lo_tax", NULL);
        qb_agg(b, CUBE_Q_SUM, 1, 1, "lo_extendedprice", "lo_discount");
        text[k] = rows_text(m, b);
    }
    ASSERT(strlen(text[0]) > 1000);
    ASSERT_STREQ(text[1], text[0]);
    /* the totals of the parts' cube are the generated rows' */
    qb_t *b = qb_new(a, 0);
    qb_agg(b, CUBE_Q_COUNT, 0);
    qb_agg(b, CUBE_Q_SUM, 1, 1, "lo_revenue", NULL);
    char want[64];
    int64_t rev = 0;
    for (int i = 0; i < NL; i++)
        rev += L[i].rev;
    snprintf(want, sizeof want, "%d|%lld\n", NL, (long long)rev);
    ASSERT_STREQ(rows_text(m, b), want);

    /* a bad value (of a column the view reads) on line 5000 of 6000: in the last of 4 parts */
    char p[400];
    snprintf(p, sizeof p, "%s/lineorder.tbl", dir);
    FILE *f = fopen(p, "w");
    for (int i = 0; i < NL; i++) {
        const lrow_t *r = &L[i];
        fprintf(f, "%d|%d|%d|%d|%d|", r->date, r->cust, r->supp, r->part, r->qty);
        if (i == 4999)
            fprintf(f, "x");
        fprintf(f, "%d|%d|%d|%d||%d\n", r->disc, r->price, r->rev, r->cost, r->orphan_cust);
    }
    fclose(f);
    for (int threads = 1; threads <= 4; threads += 3) {
        refresh_threads("parts", threads, &err);
        ASSERT(err.set);
        ASSERT_STREQ(err.sqlstate, "22P02");
        char msg[128], det[512];
        snprintf(msg, sizeof msg, "invalid input syntax for type integer: \"x%d\"", L[4999].disc);
        ASSERT_STREQ(err.message, msg);
        snprintf(det, sizeof det, "file \"%s\", line 5000, column lo_discount", p);
        ASSERT_STREQ(err.detail, det);
    }

    /* a csv fact file whose text column has quoted newlines (and doubled
     * quotes); every third record spans three lines */
    snprintf(p, sizeof p, "%s/notes.csv", dir);
    f = fopen(p, "w");
    fprintf(f, "n_datekey,n_note,n_amount\n");
    int64_t amount[2] = { 0, 0 };
    for (int i = 0; i < NL; i++) {
        if (i % 3 == 0)
            fprintf(f, "%d,\"note %d\nsays \"\"hi\"\",\n%d,%d\",%d\n", L[i].date, i, i, i, i);
        else
            fprintf(f, "%d,plain %d,%d\n", L[i].date, i, i);
        amount[L[i].date / 10000 - 1992] += i;
    }
    fclose(f);
    ddlf("CREATE FOREIGN TABLE notes (n_datekey integer NOT NULL, n_note text, n_amount integer) SERVER files "
         "OPTIONS (filename '%s', format 'csv', header 'true')", p);
    mv_ok("CREATE MATERIALIZED VIEW notes_by_year AS SELECT d_year, count(*), sum(n_amount) AS amount FROM notes "
          "JOIN dates ON n_datekey = d_datekey GROUP BY d_year");
    int n92 = 0;
    for (int i = 0; i < NL; i++)
        n92 += L[i].date < 19930101;
    snprintf(want, sizeof want, "1992|%d|%lld\n1993|%d|%lld\n", n92, (long long)amount[0], NL - n92,
             (long long)amount[1]);
    for (int k = 0; k < 2; k++) {
        cube_refresh_result_t r = refresh_threads("notes_by_year", k ? 4 : 1, &err);
        if (err.set)
            TAP_FAIL("refresh notes: %s %s (%s)", err.sqlstate, err.message, err.detail);
        ASSERT_EQ(r.fact_rows, NL);
        b = qb_new(a, 0);
        b->tabs[0].name = "notes";
        b->joins[b->q.njoins++] = (cube_q_join_t){ 0, qt(b, QD), false, 1, (const char *[]){ "n_datekey" }, &rcol[QD] };
        qb_group(b, QD, "d_year");
        qb_agg(b, CUBE_Q_COUNT, 0);
        qb_agg(b, CUBE_Q_SUM, 1, 1, "n_amount", NULL);
        ASSERT_STREQ(rows_text(m, b), want);
    }
    /* a bad record after the quoted newlines: its line counts records (the header is line 1) */
    f = fopen(p, "a");
    fprintf(f, "19920101,late,notanumber\n");
    fclose(f);
    for (int threads = 1; threads <= 4; threads += 3) {
        refresh_threads("notes_by_year", threads, &err);
        ASSERT_STREQ(err.sqlstate, "22P02");
        char det[512];
        snprintf(det, sizeof det, "file \"%s\", line %d, column n_amount", p, NL + 2);
        ASSERT_STREQ(err.detail, det);
    }
    cube_matcher_free(m);
    mem_arena_free(a);
    teardown();
}

typedef struct cancel_arg {
    int fact_calls;
    uint64_t max_rows;
} cancel_arg_t;

static int cancel_on_fact(const cube_refresh_progress_t *p, void *arg)
{
    cancel_arg_t *c = arg;
    if (strcmp(p->step, "fact") != 0)
        return 0;
    if (p->rows_read > c->max_rows)
        c->max_rows = p->rows_read;
    c->fact_calls++;
    return -1; /* stop at the first report of rows read */
}

/* A progress callback that cancels while 4 readers read the fact file: 57014,
 * the readers stop, the NEW segment is dropped and the old one stays. */
static void test_refresh_parts_cancel(void)
{
    setup();
    catalog_filescan_set_min_part(4096);
    mv_ok("CREATE MATERIALIZED VIEW c AS SELECT d_year, count(*) FROM lineorder JOIN dates ON "
          "lo_orderdate = d_datekey GROUP BY d_year");
    cube_refresh_result_t r1 = refresh_ok("c");
    cancel_arg_t ca = { 0, 0 };
    cube_refresh_opts_t o = { .storage_root = root, .threads = 4, .progress = cancel_on_fact, .progress_arg = &ca,
                              .progress_every = 500 };
    err_t err = { 0 };
    ASSERT(cube_refresh(ST, "public", "c", &o, NULL, &err) != 0);
    ASSERT_STREQ(err.sqlstate, "57014");
    ASSERT_EQ(ca.fact_calls, 1); /* the other readers stop without calling it again */
    const meta_catalog_t *cat = meta_catalog_acquire(ST);
    int ready = 0, other = 0;
    for (size_t i = 0; i < cat->nsegments; i++) {
        if (strcmp(cat->segments[i].status, "ready") == 0 && cat->segments[i].h.id == r1.segment_id)
            ready++;
        else if (strcmp(cat->segments[i].status, "ready") != 0)
            other++;
    }
    meta_catalog_release(cat);
    ASSERT_EQ(ready, 1);
    ASSERT_EQ(other, 0);
    teardown();
}

/* A model filter over a nullable fact column (lo_tax: every 1992 row NULL) and
 * a lookup column: the build keeps the rows where it is true, a query whose
 * WHERE includes every conjunct is answered (without lo_tax being a
 * dimension), any other is refused naming the filter; a new matcher loads
 * the filter from the stored definition as a restarted node does. */
static void test_filter(void)
{
    setup();
    mv_ok("CREATE MATERIALIZED VIEW f AS SELECT d_year, c_region, count(*) AS n, sum(lo_revenue) AS rev "
          "FROM lineorder JOIN dates ON lo_orderdate = d_datekey JOIN customer ON lo_custkey = c_custkey "
          "WHERE NOT (lo_tax < 4) AND c_region IN ('ASIA', 'EUROPE') GROUP BY CUBE (d_year, c_region)");
    int64_t want[2] = { 0, 0 }, want_rev[2] = { 0, 0 }, total = 0;
    for (int i = 0; i < NL; i++) {
        const lrow_t *r = &L[i];
        const crow_t *c = &C[r->cust - 1];
        if (r->tax_null || r->tax < 4 || (strcmp(c->region, "ASIA") != 0 && strcmp(c->region, "EUROPE") != 0))
            continue;
        int y = r->date / 10000 - 1992;
        want[y]++;
        want_rev[y] += r->rev;
        total++;
    }
    ASSERT_EQ(want[0], 0); /* NULL is not true */
    cube_refresh_result_t res = refresh_ok("f");
    ASSERT_EQ((int64_t)res.rows_built, total);
    for (int round = 0; round < 2; round++) {
        mem_arena_t *a = mem_arena_new(NULL, "q", 0);
        cube_matcher_t *m = cube_matcher_new(root); /* round 1: loaded afresh, as after a restart */
        err_t err = { 0 };
        char **rows;
        char ex[2048];
        /* the filter's conjuncts in another order (the IN list too), plus one of the query's own */
        qb_t *b = qb_new(a, 2, QD, QC);
        qb_group(b, QD, "d_year");
        qb_agg(b, CUBE_Q_COUNT, 0);
        qb_agg(b, CUBE_Q_SUM, 1, 1, "lo_revenue", NULL);
        b->q.where = node(a, CUBE_Q_AND, 3, leaf(b, CUBE_Q_IN, QC, "c_region", TYPE_TEXT, 2, "EUROPE", "ASIA"),
                          leaf(b, CUBE_Q_GE, QL, "lo_tax", TYPE_INT4, 1, 4),
                          leaf(b, CUBE_Q_GE, QD, "d_year", TYPE_INT4, 1, 1992));
        int n = run(m, b, &rows, &err, ex, sizeof ex);
        if (n <= 0)
            TAP_FAIL("filtered query: %s", err.message);
        ASSERT(strstr(ex, "Cube Filter: lineorder.lo_tax >= 4 AND customer.c_region IN ('ASIA', 'EUROPE')") != NULL);
        char line[64];
        snprintf(line, sizeof line, "1993|%lld|%lld", (long long)want[1], (long long)want_rev[1]);
        ASSERT_EQ(n - 1, 1);
        ASSERT_STREQ(rows[0], line);
        /* a query without the filter's lookup condition, or with a narrower tax condition */
        b = qb_new(a, 2, QD, QC);
        qb_group(b, QD, "d_year");
        qb_agg(b, CUBE_Q_COUNT, 0);
        b->q.where = leaf(b, CUBE_Q_GE, QL, "lo_tax", TYPE_INT4, 1, 4);
        refused(m, b, "cube f holds only the rows where lineorder.lo_tax >= 4 AND customer.c_region IN ('ASIA', "
                      "'EUROPE'), and the query's WHERE does not include customer.c_region IN ('ASIA', 'EUROPE')");
        b = qb_new(a, 2, QD, QC);
        qb_group(b, QD, "d_year");
        qb_agg(b, CUBE_Q_COUNT, 0);
        b->q.where = node(a, CUBE_Q_AND, 2, leaf(b, CUBE_Q_GE, QL, "lo_tax", TYPE_INT4, 1, 5),
                          leaf(b, CUBE_Q_IN, QC, "c_region", TYPE_TEXT, 2, "ASIA", "EUROPE"));
        refused(m, b, "does not include lineorder.lo_tax >= 4");
        /* OR of the filter with something else does not imply it */
        b = qb_new(a, 2, QD, QC);
        qb_agg(b, CUBE_Q_COUNT, 0);
        refused(m, b, "holds only the rows where");
        cube_matcher_free(m);
        mem_arena_free(a);
    }
    teardown();
}

int main(void)
{
    tap_test_t tests[] = {
        { "SSB-shaped queries from the cube equal a naive computation", test_ssb },
        { "parameters: one plan bound to other values per run, NULL values, a row filter on them", test_params },
        { "derived aggregates: counts, NULL sums, avg, min/max, empty input, NOT IN", test_derived },
        { "refusals name the missing column, measure or join", test_refusals },
        { "lookups left out: LEFT always, INNER only when verified", test_left_out_joins },
        { "the view itself: every grouping set's rows, NULL where not grouped, WHERE skips sets", test_view },
        { "model filter: the build keeps its rows (NULL not true), queries implying it match, others refused", test_filter },
        { "refresh replaces, drop removes metadata and storage, duplicate keys fail", test_refresh_drop },
        { "REFRESH as a job: cube.refresh step, progress, fenced publish", test_refresh_job },
        { "REFRESH in parts: the one reader's cube, absolute error lines, csv quoted newlines", test_refresh_parts },
        { "REFRESH in parts cancelled by its progress callback: 57014, the old segment stays", test_refresh_parts_cancel },
    };
    return TAP_RUN(tests);
}
