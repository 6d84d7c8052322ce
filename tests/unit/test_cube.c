/*
 * test_cube.c - unit tests of the cube definition model: Kylin's pruning
 * rules as cuboid counts, the combination limit, and cuboid choice.
 */
#include <string.h>

#include "cube/cube.h"
#include "tap.h"

static cube_def_t *dims_def(const char *name, int n)
{
    cube_def_t *def = cube_def_new(name);
    err_t err = {0};
    for (int i = 0; i < n; i++) {
        char nm[16];
        snprintf(nm, sizeof nm, "d%d", i);
        if (cube_def_add_dim(def, nm, NULL, TYPE_INT4, &err) != i)
            TAP_FAIL("add_dim: %s", err.message);
    }
    return def;
}

static void test_rollup(void)
{
    /* ROLLUP(a, b, c): n + 1 prefixes, plus the base (which is {a,b,c}) */
    cube_def_t *def = dims_def("r", 3);
    err_t err = {0};
    int g = cube_def_add_group(def);
    ASSERT_EQ(cube_group_add_hierarchy(def, g, (const int[]){0, 1, 2}, 3, &err), 0);
    ASSERT_EQ(cube_def_finalize(def, 0, &err), 0);
    ASSERT_EQ(cube_def_group_combinations(def, g), 4);
    ASSERT_EQ(cube_def_ncuboids(def), 4);
    ASSERT(cube_def_cuboid_index(def, 0x7) == 0);
    ASSERT(cube_def_cuboid_index(def, 0x3) >= 0);
    ASSERT(cube_def_cuboid_index(def, 0x1) >= 0);
    ASSERT(cube_def_cuboid_index(def, 0x0) >= 0);
    ASSERT(cube_def_cuboid_index(def, 0x2) < 0); /* b without a */
    ASSERT(cube_def_cuboid_index(def, 0x5) < 0);
    cube_def_free(def);
}

static void test_cube_all(void)
{
    /* CUBE(a, b, c, d): 2^n */
    cube_def_t *def = dims_def("c", 4);
    err_t err = {0};
    int g = cube_def_add_group(def);
    for (int i = 0; i < 4; i++)
        ASSERT_EQ(cube_group_add_normal(def, g, i, &err), 0);
    ASSERT_EQ(cube_def_finalize(def, 0, &err), 0);
    ASSERT_EQ(cube_def_ncuboids(def), 16);
    /* parents before children */
    for (int i = 1; i < 16; i++)
        ASSERT(__builtin_popcountll(cube_def_cuboid(def, i - 1)) >= __builtin_popcountll(cube_def_cuboid(def, i)));
    cube_def_free(def);
}

static void test_joint_mandatory(void)
{
    /* GROUP BY m, CUBE((a, b), c): mandatory m, joint (a,b), normal c: 2 * 2 = 4 */
    cube_def_t *def = dims_def("j", 5); /* d4 is in no group: only in the base */
    err_t err = {0};
    int g = cube_def_add_group(def);
    ASSERT_EQ(cube_group_add_mandatory(def, g, 0, &err), 0);
    ASSERT_EQ(cube_group_add_joint(def, g, (const int[]){1, 2}, 2, &err), 0);
    ASSERT_EQ(cube_group_add_normal(def, g, 3, &err), 0);
    ASSERT_EQ(cube_def_finalize(def, 0, &err), 0);
    ASSERT_EQ(cube_def_group_combinations(def, g), 4);
    ASSERT_EQ(cube_def_ncuboids(def), 5); /* 4 + base */
    ASSERT(cube_def_cuboid_index(def, 0x1) >= 0);  /* m only */
    ASSERT(cube_def_cuboid_index(def, 0x7) >= 0);  /* m a b */
    ASSERT(cube_def_cuboid_index(def, 0x9) >= 0);  /* m c */
    ASSERT(cube_def_cuboid_index(def, 0xf) >= 0);  /* m a b c */
    ASSERT(cube_def_cuboid_index(def, 0x1f) == 0); /* base */
    ASSERT(cube_def_cuboid_index(def, 0x3) < 0);   /* a without b */
    ASSERT(cube_def_cuboid_index(def, 0x6) < 0);   /* without m */
    cube_def_free(def);
}

static void test_two_groups_ssb(void)
{
    /* Kylin's SSB cube (perf.md 3.6): group 1 = 4 hierarchies (3,3,3,2) ->
     * 192, group 2 = hierarchy(3) + joint(2) -> 8; d_year is in both. */
    const char *names[] = {"c_region", "c_nation", "c_city", "s_region", "s_nation", "s_city",
                           "p_mfgr", "p_category", "p_brand", "d_year", "d_yearmonth",
                           "d_yearmonthnum", "d_weeknuminyear", "lo_quantity", "lo_discount"};
    cube_def_t *def = cube_def_new("ssb");
    err_t err = {0};
    for (int i = 0; i < 15; i++)
        ASSERT_EQ(cube_def_add_dim(def, names[i], NULL, i < 9 || i == 10 ? TYPE_TEXT : TYPE_INT4, &err), i);
    int g1 = cube_def_add_group(def), g2 = cube_def_add_group(def);
    ASSERT_EQ(cube_group_add_hierarchy(def, g1, (const int[]){0, 1, 2}, 3, &err), 0);
    ASSERT_EQ(cube_group_add_hierarchy(def, g1, (const int[]){3, 4, 5}, 3, &err), 0);
    ASSERT_EQ(cube_group_add_hierarchy(def, g1, (const int[]){6, 7, 8}, 3, &err), 0);
    ASSERT_EQ(cube_group_add_hierarchy(def, g1, (const int[]){9, 10}, 2, &err), 0);
    ASSERT_EQ(cube_group_add_hierarchy(def, g2, (const int[]){9, 11, 12}, 3, &err), 0);
    ASSERT_EQ(cube_group_add_joint(def, g2, (const int[]){13, 14}, 2, &err), 0);
    ASSERT_EQ(cube_def_finalize(def, 0, &err), 0);
    ASSERT_EQ(cube_def_group_combinations(def, g1), 192);
    ASSERT_EQ(cube_def_group_combinations(def, g2), 8);
    /* {} and {d_year} are in both groups: 192 + 8 - 2 + base */
    ASSERT_EQ(cube_def_ncuboids(def), 192 + 8 - 2 + 1);
    /* Q1.1 needs d_year, lo_quantity, lo_discount */
    uint64_t need;
    const char *q11[] = {"d_year", "lo_discount", "lo_quantity"};
    ASSERT_EQ(cube_def_dims_mask(def, q11, 3, &need, &err), 0);
    int i = cube_def_pick_cuboid(def, need, NULL, &err);
    ASSERT(i >= 0);
    ASSERT_EQ(cube_def_cuboid(def, i), need);
    /* Q2.1: d_year, p_brand, p_category, s_region -> group 1 with p_mfgr */
    const char *q21[] = {"d_year", "p_brand", "p_category", "s_region"};
    ASSERT_EQ(cube_def_dims_mask(def, q21, 4, &need, &err), 0);
    i = cube_def_pick_cuboid(def, need, NULL, &err);
    ASSERT_EQ(cube_def_cuboid(def, i), need | (1ULL << 6));
    /* a mix of both groups only the base covers */
    uint64_t mix = (1ULL << 13) | (1ULL << 0);
    i = cube_def_pick_cuboid(def, mix, NULL, &err);
    ASSERT_EQ(i, 0);
    /* not a dimension */
    const char *bad[] = {"d_year", "lo_revenue"};
    ASSERT_EQ(cube_def_dims_mask(def, bad, 2, &need, &err), -1);
    ASSERT_STREQ(err.sqlstate, ERRCODE_UNDEFINED_COLUMN);
    ASSERT(strstr(err.message, "lo_revenue") != NULL);
    cube_def_free(def);
}

static void test_pick_by_rows(void)
{
    cube_def_t *def = dims_def("p", 3);
    err_t err = {0};
    int g = cube_def_add_group(def);
    for (int i = 0; i < 3; i++)
        ASSERT_EQ(cube_group_add_normal(def, g, i, &err), 0);
    ASSERT_EQ(cube_def_finalize(def, 0, &err), 0);
    int64_t rows[8];
    for (int i = 0; i < 8; i++)
        rows[i] = 1000;
    /* needed {d0}: by dimension count {d0} itself */
    int i = cube_def_pick_cuboid(def, 0x1, NULL, &err);
    ASSERT_EQ(cube_def_cuboid(def, i), 0x1);
    /* with sizes: make {d0,d2} smaller than {d0} is impossible in reality,
     * but the rule is "fewest rows" */
    rows[cube_def_cuboid_index(def, 0x5)] = 10;
    i = cube_def_pick_cuboid(def, 0x1, rows, &err);
    ASSERT_EQ(cube_def_cuboid(def, i), 0x5);
    /* equal rows: fewer dimensions wins */
    rows[cube_def_cuboid_index(def, 0x5)] = 1000;
    i = cube_def_pick_cuboid(def, 0x1, rows, &err);
    ASSERT_EQ(cube_def_cuboid(def, i), 0x1);
    ASSERT_EQ(cube_def_pick_cuboid(def, 0x8, rows, &err), -1);
    cube_def_free(def);
}

static void test_limit(void)
{
    /* 16 normal dims = 65536 > 32768 */
    cube_def_t *def = dims_def("big", 20);
    err_t err = {0};
    int g1 = cube_def_add_group(def);
    ASSERT_EQ(cube_group_add_normal(def, g1, 19, &err), 0);
    int g2 = cube_def_add_group(def);
    for (int i = 0; i < 16; i++)
        ASSERT_EQ(cube_group_add_normal(def, g2, i, &err), 0);
    ASSERT_EQ(cube_def_finalize(def, 0, &err), -1);
    ASSERT_STREQ(err.sqlstate, ERRCODE_PROGRAM_LIMIT_EXCEEDED);
    ASSERT(strstr(err.message, "group 2") != NULL);
    ASSERT(strstr(err.message, "65536") != NULL);
    ASSERT(strstr(err.message, "32768") != NULL);
    cube_def_free(def);
    /* exactly at the limit is fine: 15 normal = 32768 */
    def = dims_def("edge", 15);
    err_clear(&err);
    g1 = cube_def_add_group(def);
    for (int i = 0; i < 15; i++)
        ASSERT_EQ(cube_group_add_normal(def, g1, i, &err), 0);
    ASSERT_EQ(cube_def_finalize(def, 0, &err), 0);
    ASSERT_EQ(cube_def_ncuboids(def), 32768);
    cube_def_free(def);
    /* a lower configured limit */
    def = dims_def("cfg", 4);
    g1 = cube_def_add_group(def);
    for (int i = 0; i < 4; i++)
        ASSERT_EQ(cube_group_add_normal(def, g1, i, &err), 0);
    ASSERT_EQ(cube_def_finalize(def, 8, &err), -1);
    cube_def_free(def);
}

static void test_validation(void)
{
    cube_def_t *def = dims_def("v", 3);
    err_t err = {0};
    ASSERT_EQ(cube_def_add_dim(def, "d1", NULL, TYPE_INT4, &err), -1);
    ASSERT_STREQ(err.sqlstate, ERRCODE_DUPLICATE_COLUMN);
    err_clear(&err);
    ASSERT_EQ(cube_def_add_dim(def, "iv", NULL, TYPE_INTERVAL, &err), -1);
    ASSERT_STREQ(err.sqlstate, ERRCODE_FEATURE_NOT_SUPPORTED);
    err_clear(&err);
    int g = cube_def_add_group(def);
    ASSERT_EQ(cube_group_add_normal(def, g, 0, &err), 0);
    ASSERT_EQ(cube_group_add_hierarchy(def, g, (const int[]){1, 0}, 2, &err), -1);
    ASSERT_STREQ(err.sqlstate, ERRCODE_INVALID_OBJECT_DEFINITION);
    ASSERT(strstr(err.message, "d0") != NULL);
    err_clear(&err);
    ASSERT_EQ(cube_def_set_rowkey(def, (const int[]){2, 1, 1}, 3, &err), -1);
    err_clear(&err);
    ASSERT_EQ(cube_def_set_rowkey(def, (const int[]){2, 0, 1}, 3, &err), 0);
    cube_measure_spec_t m = {"cnt", CUBE_AGG_COUNT, NULL, 0, NULL, 0};
    ASSERT_EQ(cube_def_add_measure(def, &m, &err), 0);
    cube_term_t terms[] = {{1, "price", "disc"}};
    cube_measure_spec_t s = {"rev", CUBE_AGG_SUM, "price * disc", 1, terms, TYPE_INT8};
    ASSERT_EQ(cube_def_add_measure(def, &s, &err), 1);
    ASSERT_EQ(cube_def_add_measure(def, &s, &err), -1);
    cube_measure_spec_t t = {"txt", CUBE_AGG_SUM, "name", 0, NULL, TYPE_TEXT};
    err_clear(&err);
    ASSERT_EQ(cube_def_add_measure(def, &t, &err), -1);
    ASSERT_STREQ(err.sqlstate, ERRCODE_FEATURE_NOT_SUPPORTED);
    ASSERT_EQ(cube_def_find_measure(def, CUBE_AGG_SUM, "price * disc"), 1);
    ASSERT_EQ(cube_def_find_measure(def, CUBE_AGG_COUNT, NULL), 0);
    ASSERT_EQ(cube_def_find_measure(def, CUBE_AGG_MAX, "price"), -1);
    err_clear(&err);
    ASSERT_EQ(cube_def_finalize(def, 0, &err), 0);
    stor_schema_t sc;
    cube_def_schema(def, &sc);
    ASSERT_EQ(sc.rowkey[0], 2);
    ASSERT_EQ(sc.measures[1].kind, STOR_KIND_INT);
    cube_def_free(def);
    /* an empty cube */
    def = cube_def_new("empty");
    ASSERT_EQ(cube_def_finalize(def, 0, &err), -1);
    cube_def_free(def);
}

int main(void)
{
    static const tap_test_t tests[] = {
        {"ROLLUP gives n+1 prefixes", test_rollup},
        {"CUBE gives 2^n", test_cube_all},
        {"joint and mandatory pruning", test_joint_mandatory},
        {"two groups (Kylin SSB cube) and cuboid choice", test_two_groups_ssb},
        {"choice by recorded row counts", test_pick_by_rows},
        {"max-combination limit names the group", test_limit},
        {"definition validation", test_validation},
    };
    return TAP_RUN(tests);
}
