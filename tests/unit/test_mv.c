/*
 * test_mv.c - CREATE MATERIALIZED VIEW as a cube: parsing and validation
 * (every error with its SQLSTATE and position), GROUP BY to aggregation
 * groups (cuboid counts), measures and their hidden companions, the view's
 * column types, and Kylin's SSB design in contrib/ssb/cube.sql. No services.
 */
#include <stdlib.h>
#include <string.h>

#include "cube/mv.h"
#include "cube/mv_int.h"
#include "tap.h"
#include "test_mv_fixture.c"

static mem_arena_t *A;
static meta_catalog_t *CAT;

static void setup(void)
{
    A = mem_arena_new(NULL, "test", 0);
    CAT = fx_catalog(A);
}

static cube_mv_t *ok_mv(const char *sql)
{
    err_t err = { 0 };
    cube_mv_t *mv = NULL;
    if (cube_mv_parse(CAT, sql, NULL, &mv, &err) != 0)
        TAP_FAIL("%s: %s %s (%s) [%s] at %d", sql, err.sqlstate, err.message, err.detail, err.hint, err.position);
    return mv;
}

/* bad - expects an error with sqlstate; returns it for more checks. */
static err_t bad(const char *sql, const char *sqlstate, int64_t max_combination)
{
    err_t err = { 0 };
    cube_mv_t *mv = NULL;
    cube_mv_opts_t o = { .max_combination = max_combination };
    if (cube_mv_parse(CAT, sql, &o, &mv, &err) == 0)
        TAP_FAIL("no error for %s", sql);
    if (strcmp(err.sqlstate, sqlstate) != 0)
        TAP_FAIL("%s: expected %s, got %s %s", sql, sqlstate, err.sqlstate, err.message);
    ASSERT(mv == NULL);
    printf("# %s: %s%s%s\n", err.sqlstate, err.message, err.hint[0] ? " HINT: " : "", err.hint);
    return err;
}

static int pos_of(const char *sql, const char *needle)
{
    const char *p = strstr(sql, needle);
    return p ? (int)(p - sql) + 1 : -1;
}

static void test_ssb_cube(void)
{
    setup();
    const char *sql = fx_cube_sql(A);
    ASSERT(sql != NULL);
    cube_mv_t *mv = ok_mv(sql);
    const cube_def_t *def = cube_mv_def(mv);
    ASSERT_EQ(cube_def_ndims(def), 15);
    ASSERT_EQ(cube_def_ngroups(def), 2);
    ASSERT_EQ(cube_def_group_combinations(def, 0), 192);
    ASSERT_EQ(cube_def_group_combinations(def, 1), 8);
    /* union: 192 + 8, minus {} and {d_year} counted twice, plus the base */
    ASSERT_EQ(cube_def_ncuboids(def), 199);
    ASSERT_EQ(cube_def_nmeasures(def), 4);
    ASSERT(cube_def_find_measure(def, CUBE_AGG_SUM, "lineorder.lo_extendedprice * lineorder.lo_discount") >= 0);
    ASSERT(cube_def_find_measure(def, CUBE_AGG_COUNT, NULL) >= 0);
    ASSERT_STREQ(cube_mv_fact_table(mv), "lineorder");
    ASSERT_EQ(cube_mv_nlookups(mv), 4);
    /* default rowkey: hierarchy top levels lead */
    const int *rk = cube_def_rowkey(def);
    ASSERT_STREQ(cube_def_dim_name(def, rk[0]), "c_region");
    ASSERT_STREQ(cube_def_dim_name(def, rk[1]), "s_region");
    cube_mv_column_t *cols;
    int n;
    ASSERT_EQ(cube_mv_describe(A, mv, &cols, &n), 0);
    ASSERT_EQ(n, 19);
    ASSERT_STREQ(cols[0].name, "c_region");
    ASSERT_STREQ(cols[0].type_name, "character varying(12)");
    ASSERT_STREQ(cols[15].name, "cnt");
    ASSERT_STREQ(cols[15].type_name, "bigint");
    ASSERT_STREQ(cols[18].type_name, "bigint");
    ASSERT_STREQ(cols[18].expression, "sum(lineorder.lo_extendedprice * lineorder.lo_discount)");
    cube_mv_free(mv);
}

static void test_groups(void)
{
    setup();
    /* mandatory beside CUBE with a joint and a ROLLUP: one group */
    cube_mv_t *mv = ok_mv("CREATE MATERIALIZED VIEW m AS SELECT d_year, count(*) FROM lineorder JOIN dates ON "
                          "lo_orderdate = d_datekey GROUP BY d_year, CUBE (lo_tax, (lo_quantity, lo_discount)), "
                          "ROLLUP (d_yearmonthnum, d_weeknuminyear)");
    const cube_def_t *def = cube_mv_def(mv);
    ASSERT_EQ(cube_def_ngroups(def), 1);
    ASSERT_EQ(cube_def_group_combinations(def, 0), 2 * 2 * 3);
    int year = cube_def_dim_index(def, "d_year");
    ASSERT(year >= 0);
    for (int i = 0; i < cube_def_ncuboids(def); i++)
        ASSERT(cube_def_cuboid(def, i) & (1ull << year)); /* mandatory everywhere */
    /* joint: lo_quantity never without lo_discount */
    int q = cube_def_dim_index(def, "lo_quantity"), d = cube_def_dim_index(def, "lo_discount");
    for (int i = 0; i < cube_def_ncuboids(def); i++) {
        uint64_t c = cube_def_cuboid(def, i);
        ASSERT(!!(c & (1ull << q)) == !!(c & (1ull << d)));
    }
    cube_mv_free(mv);

    /* GROUPING SETS next to a plain column: the column joins every group */
    mv = ok_mv("CREATE MATERIALIZED VIEW m AS SELECT count(*) FROM lineorder JOIN dates ON lo_orderdate = d_datekey "
               "GROUP BY GROUPING SETS (CUBE (lo_tax, lo_quantity), ROLLUP (d_year, d_yearmonthnum), (), lo_shipmode), "
               "lo_orderpriority");
    def = cube_mv_def(mv);
    ASSERT_EQ(cube_def_ngroups(def), 4);
    ASSERT_EQ(cube_def_group_combinations(def, 0), 4);
    ASSERT_EQ(cube_def_group_combinations(def, 1), 3);
    ASSERT_EQ(cube_def_group_combinations(def, 2), 1); /* () x lo_orderpriority */
    ASSERT_EQ(cube_def_group_combinations(def, 3), 1);
    cube_mv_free(mv);

    /* several hierarchies in one group: a parenthesised product inside GROUPING SETS */
    mv = ok_mv("CREATE MATERIALIZED VIEW m AS SELECT count(*) FROM lineorder JOIN dates ON lo_orderdate = d_datekey "
               "GROUP BY GROUPING SETS ((ROLLUP (d_year, d_yearmonthnum), ROLLUP (lo_tax, lo_quantity), lo_shipmode), "
               "(lo_discount, CUBE (lo_orderpriority)))");
    def = cube_mv_def(mv);
    ASSERT_EQ(cube_def_ngroups(def), 2);
    ASSERT_EQ(cube_def_group_combinations(def, 0), 9);
    ASSERT_EQ(cube_def_group_combinations(def, 1), 2);
    cube_mv_free(mv);

    /* a column in two ROLLUPs of one product (PostgreSQL accepts it): multiplied out into the
     * grouping sets {}, {a}, {a,b}, {a,c}, {a,b,c}, each a group (the () one left out) */
    mv = ok_mv("CREATE MATERIALIZED VIEW m AS SELECT count(*) FROM lineorder GROUP BY ROLLUP (lo_tax, lo_discount), "
               "ROLLUP (lo_tax, lo_quantity)");
    def = cube_mv_def(mv);
    ASSERT_EQ(cube_def_ngroups(def), 4);
    int tax = cube_def_dim_index(def, "lo_tax"), disc = cube_def_dim_index(def, "lo_discount"),
        qty = cube_def_dim_index(def, "lo_quantity");
    uint64_t want[] = { 1ull << tax, 1ull << tax | 1ull << disc, 1ull << tax | 1ull << qty,
                        1ull << tax | 1ull << disc | 1ull << qty };
    for (size_t w = 0; w < sizeof want / sizeof want[0]; w++) {
        bool found = false;
        for (int i = 0; i < cube_def_ncuboids(def); i++)
            found |= cube_def_cuboid(def, i) == want[w];
        ASSERT(found);
    }
    for (int i = 0; i < cube_def_ncuboids(def); i++) {
        uint64_t c = cube_def_cuboid(def, i);
        if (c & ((1ull << disc) | (1ull << qty)))
            ASSERT(c & (1ull << tax)); /* no set without lo_tax but with a lower level */
    }
    cube_mv_free(mv);
    /* a column mandatory beside a ROLLUP that holds it: {a}, {a,b} */
    mv = ok_mv("CREATE MATERIALIZED VIEW m AS SELECT count(*) FROM lineorder GROUP BY lo_tax, ROLLUP (lo_tax, "
               "lo_discount)");
    def = cube_mv_def(mv);
    ASSERT_EQ(cube_def_ngroups(def), 2);
    cube_mv_free(mv);
}

static void test_plain_group(void)
{
    setup();
    cube_mv_t *mv = ok_mv("CREATE MATERIALIZED VIEW m AS SELECT lo_tax, lo_shipmode, sum(lo_revenue) FROM lineorder "
                          "GROUP BY lo_tax, lo_shipmode");
    ASSERT_EQ(cube_def_ncuboids(cube_mv_def(mv)), 1);
    cube_mv_free(mv);
}

static void test_measures(void)
{
    setup();
    cube_mv_t *mv = ok_mv(
        "CREATE MATERIALIZED VIEW m AS SELECT s.city, sum(qty), sum(price), sum(big), count(*), count(qty), "
        "avg(price), avg(weight), min(day), max(weight), sum(price * 2 - big), sum(weight) "
        "FROM sales JOIN store s ON store = s.store_id GROUP BY s.city");
    cube_mv_column_t *cols;
    int n;
    ASSERT_EQ(cube_mv_describe(A, mv, &cols, &n), 0);
    ASSERT_EQ(n, 12);
    const char *want[12][2] = {
        { "city", "text" },          { "sum_qty", "bigint" },
        { "sum_price", "numeric" },  { "sum_big", "numeric" },
        { "count", "bigint" },       { "count_qty", "bigint" },
        { "avg_price", "numeric" },  { "avg_weight", "double precision" },
        { "min_day", "date" },       { "max_weight", "double precision" },
        { "sum_price_big", "numeric" }, { "sum_weight", "double precision" },
    };
    for (int i = 0; i < 12; i++) {
        ASSERT_STREQ(cols[i].name, want[i][0]);
        ASSERT_STREQ(cols[i].type_name, want[i][1]);
    }
    ASSERT_STREQ(cols[10].expression, "sum(2 * sales.price - sales.big)");
    /* hidden: count(qty) exists (user's), sum(qty) nullable reuses it; avg(price) reuses sum(price) and
     * count(*); avg(weight) adds sum(weight)? no: the user declared it */
    const cube_def_t *def = cube_mv_def(mv);
    ASSERT_EQ(cube_def_find_measure(def, CUBE_AGG_COUNT, "sales.qty") >= 0, 1);
    ASSERT_EQ(cube_def_nmeasures(def), 9);
    /* numeric(12,2) is kept exact: int64 cents */
    int m = cube_def_find_measure(def, CUBE_AGG_SUM, "sales.price");
    ASSERT(m >= 0);
    ASSERT_EQ(cube_def_measure_kind(def, m), STOR_KIND_INT);
    m = cube_def_find_measure(def, CUBE_AGG_SUM, "sales.weight");
    ASSERT_EQ(cube_def_measure_kind(def, m), STOR_KIND_FLOAT);
    cube_mv_free(mv);

    /* avg alone adds hidden sum and count */
    mv = ok_mv("CREATE MATERIALIZED VIEW m AS SELECT item, avg(qty) AS a FROM sales GROUP BY item");
    def = cube_mv_def(mv);
    ASSERT_EQ(cube_def_nmeasures(def), 2);
    ASSERT(cube_def_find_measure(def, CUBE_AGG_SUM, "sales.qty") >= 0);
    ASSERT(cube_def_find_measure(def, CUBE_AGG_COUNT, "sales.qty") >= 0);
    cube_mv_free(mv);

    /* products commute; a LEFT join makes lookup columns nullable */
    mv = ok_mv("CREATE MATERIALIZED VIEW m AS SELECT lo_tax, sum(lo_discount * lo_extendedprice) FROM lineorder "
               "GROUP BY lo_tax");
    ASSERT(cube_def_find_measure(cube_mv_def(mv), CUBE_AGG_SUM, "lineorder.lo_extendedprice * lineorder.lo_discount") >= 0);
    cube_mv_free(mv);
    mv = ok_mv("CREATE MATERIALIZED VIEW m AS SELECT item, sum(area) FROM sales LEFT JOIN store ON store = store_id "
               "GROUP BY item");
    ASSERT(cube_def_find_measure(cube_mv_def(mv), CUBE_AGG_COUNT, "store.area") >= 0);
    cube_mv_free(mv);
    /* comma joins with the equalities in WHERE, USING, aliases */
    mv = ok_mv("CREATE MATERIALIZED VIEW m AS SELECT d.d_year AS y, count(*) FROM lineorder l, dates d "
               "WHERE l.lo_orderdate = d.d_datekey GROUP BY d.d_year");
    ASSERT_STREQ(cube_def_dim_name(cube_mv_def(mv), 0), "y");
    cube_mv_free(mv);
}

static void test_errors(void)
{
    setup();
    const char *s;
    err_t e;
    s = "CREATE MATERIALIZED VIEW m AS SELECT d_yeer, count(*) FROM lineorder JOIN dates ON lo_orderdate = d_datekey "
        "GROUP BY d_yeer";
    e = bad(s, "42703", 0);
    ASSERT_EQ(e.position, pos_of(s, "d_yeer"));
    s = "CREATE MATERIALIZED VIEW m AS SELECT count(*) FROM lineorder JOIN dates ON lo_orderdate < d_datekey "
        "GROUP BY d_year";
    e = bad(s, "42P17", 0);
    ASSERT_EQ(e.position, pos_of(s, "<"));
    bad("CREATE MATERIALIZED VIEW m AS SELECT count(*) FROM lineorder JOIN dates ON lo_orderdate = d_datekey + 1 "
        "GROUP BY d_year", "42P17", 0);
    bad("CREATE MATERIALIZED VIEW m AS SELECT count(*) FROM lineorder JOIN dates ON lo_orderdate = d_datekey "
        "JOIN customer ON c_custkey = lo_custkey AND c_nation = d_month GROUP BY d_year", "42P17", 0);
    bad("CREATE MATERIALIZED VIEW m AS SELECT count(*) FROM lineorder JOIN dates ON true GROUP BY d_year", "42P17", 0);
    bad("CREATE MATERIALIZED VIEW m AS SELECT count(*) FROM lineorder FULL JOIN dates ON lo_orderdate = d_datekey "
        "GROUP BY d_year", "0A000", 0);
    /* 16 normal dimensions: 65536 combinations */
    s = "CREATE MATERIALIZED VIEW m AS SELECT count(*) FROM lineorder JOIN dates ON lo_orderdate = d_datekey "
        "GROUP BY CUBE (d_year, d_yearmonthnum, d_yearmonth, d_weeknuminyear, d_month, d_dayofweek, d_daynuminweek, "
        "d_daynuminmonth, d_daynuminyear, d_monthnuminyear, d_sellingseason, d_holidayfl, d_weekdayfl, lo_tax, "
        "lo_quantity, lo_discount)";
    e = bad(s, "54000", 0);
    ASSERT(strstr(e.message, "65536") != NULL);
    bad(s, "54000", 1000);
    bad("CREATE MATERIALIZED VIEW m AS SELECT count(DISTINCT lo_custkey) FROM lineorder GROUP BY lo_tax", "0A000", 0);
    bad("CREATE MATERIALIZED VIEW m AS SELECT stddev(lo_revenue) FROM lineorder GROUP BY lo_tax", "0A000", 0);
    bad("CREATE MATERIALIZED VIEW m AS SELECT sum(lo_revenue / 2) FROM lineorder GROUP BY lo_tax", "0A000", 0);
    bad("CREATE MATERIALIZED VIEW m AS SELECT sum(lo_revenue * lo_tax * lo_discount) FROM lineorder GROUP BY lo_tax",
        "0A000", 0);
    bad("CREATE MATERIALIZED VIEW m AS SELECT sum(lo_revenue + 1) FROM lineorder GROUP BY lo_tax", "0A000", 0);
    bad("CREATE MATERIALIZED VIEW m AS SELECT sum(lo_shipmode) FROM lineorder GROUP BY lo_tax", "42883", 0);
    bad("CREATE MATERIALIZED VIEW m AS SELECT min(lo_shipmode) FROM lineorder GROUP BY lo_tax", "0A000", 0);
    bad("CREATE MATERIALIZED VIEW m AS SELECT count(lo_tax + lo_discount) FROM lineorder GROUP BY lo_tax", "0A000", 0);
    bad("CREATE MATERIALIZED VIEW m AS SELECT sum(qty * store) FROM sales GROUP BY item", "0A000", 0);
    s = "CREATE MATERIALIZED VIEW m AS SELECT lo_shipmode, count(*) FROM lineorder GROUP BY lo_tax";
    e = bad(s, "42803", 0);
    ASSERT_EQ(e.position, pos_of(s, "lo_shipmode"));
    bad("CREATE MATERIALIZED VIEW m AS SELECT count(*) FROM sales JOIN store ON store = store_id JOIN item ON "
        "item = item_id GROUP BY city", "42702", 0);
    bad("CREATE MATERIALIZED VIEW m AS SELECT count(*) FROM nosuch GROUP BY x", "42P01", 0);
    bad("CREATE MATERIALIZED VIEW m AS SELECT count(*) FROM lineorder GROUP BY x.lo_tax", "42P01", 0);
    bad("CREATE MATERIALIZED VIEW m AS SELECT count(*) FROM lineorder", "42P17", 0);
    bad("CREATE MATERIALIZED VIEW m AS SELECT lo_tax + 1, count(*) FROM lineorder GROUP BY lo_tax", "0A000", 0);
    bad("CREATE MATERIALIZED VIEW m AS SELECT * FROM lineorder GROUP BY lo_tax", "0A000", 0);
    bad("CREATE MATERIALIZED VIEW m AS SELECT count(*) FROM lineorder WHERE lo_tax > lo_discount GROUP BY lo_tax",
        "0A000", 0);
    bad("CREATE MATERIALIZED VIEW m AS SELECT count(*) FROM lineorder GROUP BY lo_tax + 1", "0A000", 0);
    bad("CREATE MATERIALIZED VIEW m AS SELECT count(*), count(*) FROM lineorder GROUP BY lo_tax", "42P17", 0);
    bad("CREATE MATERIALIZED VIEW m AS SELECT sum(lo_tax) AS x, sum(lo_revenue) AS x FROM lineorder GROUP BY lo_tax",
        "42701", 0);
    bad("CREATE MATERIALIZED VIEW m WITH (rowky = 'lo_tax') AS SELECT count(*) FROM lineorder GROUP BY lo_tax", "22023", 0);
    bad("CREATE MATERIALIZED VIEW m WITH (rowkey = 'nope') AS SELECT count(*) FROM lineorder GROUP BY lo_tax", "42703", 0);
    bad("CREATE MATERIALIZED VIEW m AS SELECT count(*) FROM lineorder GROUP BY ROLLUP ((lo_tax, lo_discount))", "0A000", 0);
    bad("CREATE MATERIALIZED VIEW m AS SELECT count(*) FROM lineorder, dates GROUP BY lo_tax", "42P17", 0);
    bad("CREATE MATERIALIZED VIEW m AS SELECT count(*) FROM lineorder JOIN dates ON lo_shipmode = d_datekey GROUP BY lo_tax",
        "42804", 0);
    bad("CREATE TABLE m AS SELECT count(*) FROM lineorder GROUP BY lo_tax", "0A000", 0);
}

static void test_rowkey_option(void)
{
    setup();
    cube_mv_t *mv = ok_mv("CREATE MATERIALIZED VIEW m WITH (rowkey = 'lo_discount, lo_tax') AS SELECT count(*) "
                          "FROM lineorder GROUP BY CUBE (lo_tax, lo_quantity, lo_discount)");
    const cube_def_t *def = cube_mv_def(mv);
    const int *rk = cube_def_rowkey(def);
    ASSERT_STREQ(cube_def_dim_name(def, rk[0]), "lo_discount");
    ASSERT_STREQ(cube_def_dim_name(def, rk[1]), "lo_tax");
    ASSERT_STREQ(cube_def_dim_name(def, rk[2]), "lo_quantity");
    cube_mv_free(mv);
}

/* filter_of - the canonical text of the model filter of sql's cube. */
static const char *filter_of(const char *sql)
{
    cube_mv_t *mv = ok_mv(sql);
    const char *t = mv->filter_text ? mem_astrdup(A, mv->filter_text) : "(none)";
    cube_mv_free(mv);
    return t;
}

static void test_filter(void)
{
    setup();
    /* JOIN ... ON with a WHERE; NOT pushed to the leaves, BETWEEN split, IN of one value as = */
    ASSERT_STREQ(filter_of("CREATE MATERIALIZED VIEW m AS SELECT d_year, count(*) FROM lineorder JOIN dates ON "
                           "lo_orderdate = d_datekey WHERE lo_tax > 1 AND NOT (d_year BETWEEN 1992 AND 1994) "
                           "AND lo_shipmode IN ('AIR') GROUP BY d_year"),
                 "lineorder.lo_tax > 1 AND (dates.d_year < 1992 OR dates.d_year > 1994) AND "
                 "lineorder.lo_shipmode = 'AIR'");
    /* comma joins: the equalities join, the rest filters; constants flipped to the column's side */
    ASSERT_STREQ(filter_of("CREATE MATERIALIZED VIEW m AS SELECT d_year, count(*) FROM lineorder l, dates d "
                           "WHERE 3 <= l.lo_discount AND l.lo_orderdate = d.d_datekey AND "
                           "(d.d_month IS NULL OR d.d_month NOT IN ('May', 'June')) GROUP BY d_year"),
                 "l.lo_discount >= 3 AND (d.d_month IS NULL OR d.d_month NOT IN ('May', 'June'))");
    ASSERT_STREQ(filter_of("CREATE MATERIALIZED VIEW m AS SELECT lo_tax, count(*) FROM lineorder WHERE lo_tax <> 2.5 "
                           "OR lo_quantity IS NOT NULL GROUP BY lo_tax"),
                 "lineorder.lo_tax <> 2.5 OR lineorder.lo_quantity IS NOT NULL");
    ASSERT_STREQ(filter_of("CREATE MATERIALIZED VIEW m AS SELECT lo_tax, count(*) FROM lineorder GROUP BY lo_tax"),
                 "(none)");
    /* refusals, each at the condition */
    const char *s = "CREATE MATERIALIZED VIEW m AS SELECT count(*) FROM lineorder WHERE lo_shipmode LIKE 'A%' "
                    "GROUP BY lo_tax";
    err_t e = bad(s, "0A000", 0);
    ASSERT_EQ(e.position, pos_of(s, "LIKE"));
    s = "CREATE MATERIALIZED VIEW m AS SELECT count(*) FROM lineorder WHERE lo_tax = 1 OR lo_tax + 1 = 3 GROUP BY lo_tax";
    e = bad(s, "0A000", 0);
    ASSERT_EQ(e.position, pos_of(s, "= 3"));
    s = "CREATE MATERIALIZED VIEW m AS SELECT count(*) FROM lineorder WHERE lo_shipmode = 3 GROUP BY lo_tax";
    e = bad(s, "42883", 0);
    ASSERT_EQ(e.position, pos_of(s, "3 GROUP"));
    s = "CREATE MATERIALIZED VIEW m AS SELECT count(*) FROM lineorder WHERE lo_tax > 'x' GROUP BY lo_tax";
    e = bad(s, "22P02", 0);
    ASSERT_EQ(e.position, pos_of(s, "'x'"));
    s = "CREATE MATERIALIZED VIEW m AS SELECT count(*) FROM lineorder WHERE lo_taxx > 1 GROUP BY lo_tax";
    e = bad(s, "42703", 0);
    ASSERT_EQ(e.position, pos_of(s, "lo_taxx"));
    bad("CREATE MATERIALIZED VIEW m AS SELECT count(*) FROM lineorder WHERE lo_tax IN (SELECT 1) GROUP BY lo_tax",
        "0A000", 0);
    bad("CREATE MATERIALIZED VIEW m AS SELECT count(*) FROM lineorder WHERE abs(lo_tax) = 1 GROUP BY lo_tax", "0A000",
        0);
    bad("CREATE MATERIALIZED VIEW m AS SELECT count(*) FROM lineorder WHERE lo_tax GROUP BY lo_tax", "42804", 0);
    bad("CREATE MATERIALIZED VIEW m AS SELECT count(*) FROM lineorder JOIN dates ON lo_orderdate = d_datekey "
        "WHERE lo_custkey = d_year GROUP BY d_year", "42P17", 0);
}

/* min/max measures over dates and times: int64 cells typed as their column,
 * no hidden companions; types a cell cannot hold are 0A000 at the argument,
 * types PostgreSQL has no min/max for its 42883 at the call. */
static void test_minmax_types(void)
{
    setup();
    cube_mv_t *mv = ok_mv("CREATE MATERIALIZED VIEW m AS SELECT ev_kind, count(*), min(ev_at), max(ev_paid), "
                          "min(ev_slot), max(ev_day) AS last_day FROM events GROUP BY CUBE (ev_kind)");
    cube_mv_column_t *cols;
    int n;
    ASSERT_EQ(cube_mv_describe(A, mv, &cols, &n), 0);
    ASSERT_EQ(n, 6);
    const char *want[6][2] = {
        { "ev_kind", "text" },
        { "count", "bigint" },
        { "min_ev_at", "timestamp without time zone" },
        { "max_ev_paid", "timestamp with time zone" },
        { "min_ev_slot", "time without time zone" },
        { "last_day", "date" },
    };
    for (int i = 0; i < 6; i++) {
        ASSERT_STREQ(cols[i].name, want[i][0]);
        ASSERT_STREQ(cols[i].type_name, want[i][1]);
    }
    const cube_def_t *def = cube_mv_def(mv);
    ASSERT_EQ(cube_def_nmeasures(def), 5);
    int m = cube_def_find_measure(def, CUBE_AGG_MAX, "events.ev_paid");
    ASSERT(m >= 0);
    ASSERT_EQ(cube_def_measure_kind(def, m), STOR_KIND_INT);
    m = cube_def_find_measure(def, CUBE_AGG_MIN, "events.ev_slot");
    ASSERT(m >= 0);
    ASSERT_EQ(cube_def_measure_kind(def, m), STOR_KIND_INT);
    cube_mv_free(mv);

    const char *s = "CREATE MATERIALIZED VIEW m AS SELECT ev_id, max(ev_kind) FROM events GROUP BY ev_id";
    err_t e = bad(s, "0A000", 0);
    ASSERT_EQ(e.position, pos_of(s, "ev_kind)"));
    ASSERT(strstr(e.message, "max(text)") != NULL);
    s = "CREATE MATERIALIZED VIEW m AS SELECT ev_id, min(ev_wait) FROM events GROUP BY ev_id";
    e = bad(s, "0A000", 0);
    ASSERT(strstr(e.message, "min(interval)") != NULL);
    s = "CREATE MATERIALIZED VIEW m AS SELECT ev_id, min(ev_rush) FROM events GROUP BY ev_id";
    e = bad(s, "42883", 0);
    ASSERT_STREQ(e.message, "function min(boolean) does not exist");
    ASSERT_EQ(e.position, pos_of(s, "min(ev_rush)"));
    e = bad("CREATE MATERIALIZED VIEW m AS SELECT ev_id, max(ev_blob) FROM events GROUP BY ev_id", "42883", 0);
    ASSERT_STREQ(e.message, "function max(bytea) does not exist");

    /* the timestamp infinities are one step inside the all-NULL sentinels */
    ASSERT(cube__minmax_cell(TYPE_TIMESTAMP, INT64_MAX) == INT64_MAX - 1);
    ASSERT(cube__minmax_cell(TYPE_TIMESTAMPTZ, INT64_MIN) == INT64_MIN + 1);
    ASSERT(cube__minmax_value(TYPE_TIMESTAMPTZ, INT64_MAX - 1) == INT64_MAX);
    ASSERT(cube__minmax_value(TYPE_TIMESTAMP, INT64_MIN + 1) == INT64_MIN);
    ASSERT(cube__minmax_value(TYPE_TIMESTAMP, cube__minmax_cell(TYPE_TIMESTAMP, 12345)) == 12345);
    ASSERT(cube__minmax_cell(TYPE_INT8, INT64_MAX) == INT64_MAX); /* other types are their own cells */
    ASSERT(cube__minmax_cell(TYPE_DATE, INT32_MAX) == INT32_MAX);
}

int main(void)
{
    tap_test_t tests[] = {
        { "ssb cube.sql: 15 dims, groups of 192 and 8, 199 cuboids", test_ssb_cube },
        { "GROUP BY -> aggregation groups", test_groups },
        { "plain GROUP BY is one cuboid", test_plain_group },
        { "measures, hidden counts, result types", test_measures },
        { "errors with SQLSTATE and position", test_errors },
        { "rowkey option", test_rowkey_option },
        { "model filter: accepted forms, canonical text, refusals", test_filter },
        { "min/max over dates and times; refused types", test_minmax_types },
    };
    return TAP_RUN(tests);
}
