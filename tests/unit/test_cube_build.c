/*
 * test_cube_build.c - the cube build against a naive group-by: random rows
 * with NULLs in dimensions and measures, every cuboid of the lattice, every
 * measure, several thread counts; scans with filters and rollup over the
 * built segment; progress reports; an unpublished build leaves nothing.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cube/build.h"
#include "storage/scan.h"
#include "tap.h"

#define ND 5
#define NM 8
#define NROWS 30000

/* dims: a int4 (7 values + NULL), b text via REF (20 values + NULL refs),
 * c float8 (5 values), d int8 (~2000 values: forces the sort path),
 * e date (50 values) */
static int64_t va[NROWS], vd[NROWS], ve[NROWS], mx[NROWS];
static double vc[NROWS], my[NROWS];
static uint8_t na[NROWS], nx[NROWS];
static uint32_t rb[NROWS];
static char btab_buf[20][8];
static const char *btab[20];
static uint32_t btab_len[20];

static char root[256];

/* fresh_root - a new scratch directory for one test in root (mkdtemp: a
 * stale directory named by a reused pid once broke runs), and its segment
 * path in dir */
static void fresh_root(const char *what, char *dir, size_t n)
{
    snprintf(root, sizeof root, "/tmp/kiln-test-cube-%s-XXXXXX", what);
    if (!mkdtemp(root))
        TAP_FAIL("mkdtemp %s", root);
    snprintf(dir, n, "%s/seg", root);
}

static void remove_root(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    ASSERT_EQ(system(cmd), 0);
}

static void gen(unsigned seed)
{
    srand(seed);
    for (int i = 0; i < 20; i++) {
        snprintf(btab_buf[i], sizeof btab_buf[i], "v%02d", (i * 7) % 20); /* not in order */
        btab[i] = btab_buf[i];
        btab_len[i] = (uint32_t)strlen(btab_buf[i]);
    }
    for (int r = 0; r < NROWS; r++) {
        va[r] = rand() % 7 - 3;
        na[r] = rand() % 13 == 0;
        rb[r] = rand() % 17 == 0 ? CUBE_REF_NULL : (uint32_t)(rand() % 20);
        vc[r] = (rand() % 5) * 0.5 - 1.0;
        vd[r] = (int64_t)(rand() % 2000) * 1000003;
        ve[r] = 8000 + rand() % 50;
        mx[r] = rand() % 1000 - 500;
        nx[r] = rand() % 11 == 0;
        my[r] = (rand() % 1000) * 0.25; /* exact in binary: sums compare exactly */
    }
}

/* 1: sort order a, e, b, c, d instead of e, a, b, c, d: with group_mode,
 * the lookup's two dimensions are apart in the base's key, so b is keyed
 * by its rank among the b values under its a (build.c, base_ranks) */
static int rowkey_alt;

static cube_def_t *make_def(void)
{
    cube_def_t *def = cube_def_new("t");
    err_t err = {0};
    cube_def_add_dim(def, "a", NULL, TYPE_INT4, &err);
    cube_def_add_dim(def, "b", NULL, TYPE_TEXT, &err);
    cube_def_add_dim(def, "c", NULL, TYPE_FLOAT8, &err);
    cube_def_add_dim(def, "d", NULL, TYPE_INT8, &err);
    cube_def_add_dim(def, "e", NULL, TYPE_DATE, &err);
    cube_measure_spec_t ms[NM] = {
        {"cnt", CUBE_AGG_COUNT, NULL, 0, NULL, 0},
        {"sum_x", CUBE_AGG_SUM, "x", 0, NULL, TYPE_INT8},
        {"sum_y", CUBE_AGG_SUM, "y", 0, NULL, TYPE_FLOAT8},
        {"cnt_x", CUBE_AGG_COUNT, "x", 0, NULL, TYPE_INT8},
        {"min_x", CUBE_AGG_MIN, "x", 0, NULL, TYPE_INT8},
        {"max_x", CUBE_AGG_MAX, "x", 0, NULL, TYPE_INT8},
        {"min_y", CUBE_AGG_MIN, "y", 0, NULL, TYPE_FLOAT8},
        {"max_y", CUBE_AGG_MAX, "y", 0, NULL, TYPE_FLOAT8},
    };
    for (int m = 0; m < NM; m++)
        if (cube_def_add_measure(def, &ms[m], &err) != m)
            TAP_FAIL("measure: %s", err.message);
    int g1 = cube_def_add_group(def), g2 = cube_def_add_group(def);
    cube_group_add_hierarchy(def, g1, (const int[]){0, 1}, 2, &err);
    cube_group_add_normal(def, g1, 2, &err);
    cube_group_add_normal(def, g1, 3, &err);
    cube_group_add_mandatory(def, g2, 4, &err);
    cube_group_add_joint(def, g2, (const int[]){0, 2}, 2, &err);
    cube_group_add_normal(def, g2, 3, &err);
    /* sort order: e, a, b, c, d */
    cube_def_set_rowkey(def, rowkey_alt ? (const int[]){0, 4, 1, 2, 3} : (const int[]){4, 0, 1, 2, 3}, 5, &err);
    if (cube_def_finalize(def, 0, &err) < 0)
        TAP_FAIL("finalize: %s", err.message);
    return def;
}

static int progress_calls, saw_done;
static void on_progress(const cube_progress_t *p, void *arg)
{
    (void)arg;
    progress_calls++;
    if (!strcmp(p->step, "done"))
        saw_done = p->cuboids_done == p->cuboids_total;
}

static int nstored;
static uint64_t bucket_rows; /* 0: 4096 with threads, else the build's default */
/* 1: a comes from the same lookup rows as b (one reference array for both:
 * the build keeps the lookup row per input row); 2: so for the first half
 * of the batches, then a as a column of its own (the build expands its
 * group into id arrays halfway) */
static int group_mode;
static int64_t atab[20];
static uint8_t atab_null[20];

static int build(const cube_def_t *def, const char *dir, int threads, double skip_ratio, err_t *err)
{
    /* 3 threads: small sorts in buckets and small hash aggregations too */
    cube_build_opts_t o = {.threads = threads, .progress = on_progress, .progress_every = 5000, .skip_ratio = skip_ratio,
                           .bucket_rows = bucket_rows ? bucket_rows : threads >= 2 ? 4096 : 0};
    cube_build_t *b = cube_build_new(def, &o);
    cube_col_t vt = {.kind = CUBE_COL_TEXT, .s = btab, .len = btab_len};
    if (cube_build_set_values(b, 1, &vt, 20, err) < 0)
        return -1;
    cube_col_t avt = {.kind = CUBE_COL_INT, .i = atab, .isnull = atab_null};
    if (group_mode && cube_build_set_values(b, 0, &avt, 20, err) < 0)
        return -1;
    for (int off = 0; off < NROWS; off += 1000) {
        cube_col_t dims[ND] = {
            {.kind = CUBE_COL_INT, .i = va + off, .isnull = na + off},
            {.kind = CUBE_COL_REF, .ref = rb + off},
            {.kind = CUBE_COL_FLOAT, .f = vc + off},
            {.kind = CUBE_COL_INT, .i = vd + off},
            {.kind = CUBE_COL_INT, .i = ve + off},
        };
        if (group_mode == 1 || (group_mode == 2 && off < NROWS / 2))
            dims[0] = (cube_col_t){.kind = CUBE_COL_REF, .ref = rb + off};
        cube_col_t xi = {.kind = CUBE_COL_INT, .i = mx + off, .isnull = nx + off};
        cube_col_t yf = {.kind = CUBE_COL_FLOAT, .f = my + off};
        cube_col_t meas[NM] = {{0}, xi, yf, xi, xi, xi, yf, yf};
        cube_batch_t bt = {1000, dims, meas};
        if (cube_build_add_batch(b, &bt, err) < 0)
            return -1;
    }
    int rc = cube_build_finish(b, dir, err);
    nstored = 0;
    if (rc == 0)
        for (int i = 0; i < cube_def_ncuboids(def); i++) {
            if (cube_build_cuboid_rows(b, i) == 0)
                rc = err_set(err, ERRCODE_INTERNAL_ERROR, "cuboid %d has no rows", i);
            nstored += cube_build_cuboid_stored(b, i);
            /* a cuboid left out has a stored superset at most CUBE_SKIP_RATIO x its size */
            if (!cube_build_cuboid_stored(b, i)) {
                bool covered = false;
                for (int j = 0; j < i; j++) {
                    uint64_t p = cube_def_cuboid(def, j), c = cube_def_cuboid(def, i);
                    covered |= cube_build_cuboid_stored(b, j) && (p & c) == c &&
                               (double)cube_build_cuboid_rows(b, j) <= CUBE_SKIP_RATIO * (double)cube_build_cuboid_rows(b, i);
                }
                if (!covered || i == 0)
                    rc = err_set(err, ERRCODE_INTERNAL_ERROR, "cuboid %d left out without a close superset", i);
            }
        }
    cube_build_free(b);
    return rc;
}

/* ---- naive group-by ---- */

static uint64_t cur_mask;
static const int *cur_order; /* dims in rowkey order */
static int cur_nd;

/* dim value compare with NULL last; returns <0, 0, >0 */
static int cmp_dim(int d, int r1, int r2)
{
    switch (d) {
    case 0:
        if (na[r1] || na[r2])
            return na[r1] - na[r2];
        return (va[r1] > va[r2]) - (va[r1] < va[r2]);
    case 1: {
        bool n1 = rb[r1] == CUBE_REF_NULL, n2 = rb[r2] == CUBE_REF_NULL;
        if (n1 || n2)
            return n1 - n2;
        return strcmp(btab[rb[r1]], btab[rb[r2]]);
    }
    case 2: return (vc[r1] > vc[r2]) - (vc[r1] < vc[r2]);
    case 3: return (vd[r1] > vd[r2]) - (vd[r1] < vd[r2]);
    default: return (ve[r1] > ve[r2]) - (ve[r1] < ve[r2]);
    }
}

static int cmp_rows(const void *x, const void *y)
{
    int r1 = *(const int *)x, r2 = *(const int *)y;
    for (int k = 0; k < cur_nd; k++) {
        int c = cmp_dim(cur_order[k], r1, r2);
        if (c)
            return c;
    }
    return 0;
}

/* check_value - the decoded cuboid value of dim d equals row r's */
static int same_value(const stor_dict_t *dict, uint32_t code, int d, int r)
{
    value_t v;
    stor_dict_value(dict, code, &v);
    switch (d) {
    case 0: return na[r] ? v.isnull : !v.isnull && v.u.i == va[r];
    case 1:
        if (rb[r] == CUBE_REF_NULL)
            return v.isnull;
        return !v.isnull && v.u.s.len == btab_len[rb[r]] && !memcmp(v.u.s.p, btab[rb[r]], v.u.s.len);
    case 2: return !v.isnull && v.u.f == vc[r];
    case 3: return !v.isnull && v.u.i == vd[r];
    default: return !v.isnull && v.u.i == ve[r];
    }
}

static void check_cuboid(stor_segment_t *seg, uint64_t id, const int *rowkey)
{
    int order[ND], nd = 0;
    for (int k = 0; k < ND; k++)
        if (id >> rowkey[k] & 1)
            order[nd++] = rowkey[k];
    cur_mask = id;
    cur_order = order;
    cur_nd = nd;
    static int idx[NROWS];
    for (int r = 0; r < NROWS; r++)
        idx[r] = r;
    qsort(idx, NROWS, sizeof *idx, cmp_rows);
    mem_arena_t *a = mem_arena_new(NULL, "t", 0);
    stor_scan_t *sc;
    err_t err = {0};
    int ms[NM];
    for (int m = 0; m < NM; m++)
        ms[m] = m;
    stor_scan_spec_t sp = {.cuboid = id, .ngroup = nd, .group = order, .nmeasures = NM, .measures = ms, .batch_rows = 100};
    if (stor_scan_open(seg, &sp, a, &sc, &err) < 0)
        TAP_FAIL("scan %llx: %s", (unsigned long long)id, err.message);
    const stor_batch_t *bt;
    int g0 = 0; /* start of the current naive group in idx */
    int rc;
    uint64_t rows = 0;
    while ((rc = stor_scan_next(sc, &bt, &err)) > 0) {
        for (uint32_t i = 0; i < bt->n; i++, rows++) {
            if (g0 >= NROWS)
                TAP_FAIL("cuboid %llx has more rows than the naive group-by", (unsigned long long)id);
            int g1 = g0 + 1;
            while (g1 < NROWS && cmp_rows(&idx[g0], &idx[g1]) == 0)
                g1++;
            for (int k = 0; k < nd; k++)
                if (!same_value(stor_segment_dict(seg, order[k]), bt->codes[k][i], order[k], idx[g0]))
                    TAP_FAIL("cuboid %llx row %llu: dim %d differs", (unsigned long long)id,
                             (unsigned long long)rows, order[k]);
            int64_t cnt = 0, sx = 0, cx = 0, mnx = INT64_MAX, mxx = INT64_MIN;
            double sy = 0, mny = HUGE_VAL, mxy = -HUGE_VAL;
            for (int j = g0; j < g1; j++) {
                int r = idx[j];
                cnt++;
                sy += my[r];
                mny = fmin(mny, my[r]);
                mxy = fmax(mxy, my[r]);
                if (!nx[r]) {
                    sx += mx[r];
                    cx++;
                    mnx = mx[r] < mnx ? mx[r] : mnx;
                    mxx = mx[r] > mxx ? mx[r] : mxx;
                }
            }
            const int64_t *const *mi = (const int64_t *const *)bt->meas;
            const double *const *mf = (const double *const *)bt->meas;
            if (mi[0][i] != cnt || mi[1][i] != sx || mf[2][i] != sy || mi[3][i] != cx || mi[4][i] != mnx ||
                mi[5][i] != mxx || mf[6][i] != mny || mf[7][i] != mxy)
                TAP_FAIL("cuboid %llx row %llu: measures differ (cnt %lld/%lld sx %lld/%lld sy %g/%g cx %lld/%lld min %lld/%lld max %lld/%lld)",
                         (unsigned long long)id, (unsigned long long)rows, (long long)mi[0][i], (long long)cnt,
                         (long long)mi[1][i], (long long)sx, mf[2][i], sy, (long long)mi[3][i], (long long)cx,
                         (long long)mi[4][i], (long long)mnx, (long long)mi[5][i], (long long)mxx);
            g0 = g1;
        }
    }
    ASSERT_EQ(rc, 0);
    if (g0 != NROWS)
        TAP_FAIL("cuboid %llx has fewer rows than the naive group-by", (unsigned long long)id);
    mem_arena_free(a);
}

/* threads 1: every cuboid stored (skip_ratio -1) and checked; 3: the
 * default planner, the stored ones checked. */
static void run_build_check_fd(int threads, bool fd)
{
    char dir[300];
    fresh_root("build", dir, sizeof dir);
    snprintf(dir, sizeof dir, "%s/seg-t%d", root, threads);
    gen(42 + (unsigned)threads);
    if (fd)
        /* a is a function of d and c of e (NULLs included), so the build
         * finds dependencies and computes cuboids from parents whose order
         * only dependent dimensions disturb */
        for (int r = 0; r < NROWS; r++) {
            va[r] = (vd[r] / 1000003) % 7 - 3;
            na[r] = (vd[r] / 1000003) % 13 == 0;
            vc[r] = (double)(ve[r] % 5) * 0.5 - 1.0;
            /* b too: few (a, b, c, d) groups in a large code space, which
             * the build hashes (bucket_rows below) */
            rb[r] = (vd[r] / 1000003) % 17 == 0 ? CUBE_REF_NULL : (uint32_t)((vd[r] / 1000003) % 20);
        }
    if (group_mode) {
        /* a is the lookup row's: NULL where b's reference is, or its value is */
        for (int i = 0; i < 20; i++) {
            atab[i] = i % 6 - 2;
            atab_null[i] = i % 9 == 4;
        }
        for (int r = 0; r < NROWS; r++) {
            bool nul = rb[r] == CUBE_REF_NULL || atab_null[rb[r]];
            va[r] = nul ? 0 : atab[rb[r]];
            na[r] = nul;
        }
    }
    cube_def_t *def = make_def();
    err_t err = {0};
    progress_calls = saw_done = 0;
    if (build(def, dir, threads, threads == 1 || fd ? -1 : 0, &err) < 0)
        TAP_FAIL("build: %s", err.message);
    ASSERT(progress_calls > NROWS / 5000);
    ASSERT(saw_done);
    stor_segment_t *seg;
    if (stor_segment_open(dir, 0, &seg, &err) < 0)
        TAP_FAIL("open: %s", err.message);
    ASSERT_EQ(stor_segment_ncuboids(seg), nstored);
    if (threads == 1 || fd)
        ASSERT_EQ(nstored, cube_def_ncuboids(def));
    ASSERT_STREQ(stor_segment_info(seg, "input_rows"), "30000");
    for (int i = 0; i < cube_def_ncuboids(def); i++)
        if (stor_segment_find_cuboid(seg, cube_def_cuboid(def, i)) >= 0)
            check_cuboid(seg, cube_def_cuboid(def, i), cube_def_rowkey(def));
    printf("# %d of %d cuboids stored\n", nstored, cube_def_ncuboids(def));
    stor_segment_close(seg);
    cube_def_free(def);
    remove_root();
}

static void run_build_check(int threads) { run_build_check_fd(threads, false); }
static void test_build_1(void) { run_build_check(1); }
static void test_build_fd(void) { run_build_check_fd(2, true); }
static void test_build_3(void) { run_build_check(3); }

static void test_build_group(void)
{
    for (group_mode = 1; group_mode <= 2; group_mode++)
        run_build_check(2);
    group_mode = 0;
}

/* The lookup's dimensions a and b apart in the key (e between): b is keyed
 * by its rank under a, and every cuboid still equals the naive group-by in
 * the rowkey's order; one and two threads, NULLs among both. */
static void test_build_group_apart(void)
{
    rowkey_alt = 1;
    group_mode = 1;
    run_build_check(1);
    run_build_check(2);
    group_mode = 0;
    run_build_check(2);
    rowkey_alt = 0;
}

/* One thread, every cuboid computed, small parents counted as big: the
 * group without e is computed from the base, which leads with e, by merging
 * the base's 50 segments of equal e. */
static void test_build_segments(void)
{
    bucket_rows = 4096;
    run_build_check(1);
    bucket_rows = 0;
}

/* Rollup and filters through the scan API over a built segment, checked
 * against the naive answer: sum(x) by b where e in [8010, 8019] and a = 1,
 * from the cuboid {e, a, b, c, d}... whichever the definition picks. */
static void test_query(void)
{
    char dir[300];
    fresh_root("query", dir, sizeof dir);
    gen(7);
    cube_def_t *def = make_def();
    err_t err = {0};
    if (build(def, dir, 2, 0, &err) < 0)
        TAP_FAIL("build: %s", err.message);
    stor_segment_t *seg;
    ASSERT_EQ(stor_segment_open(dir, 0, &seg, &err), 0);
    uint64_t need;
    const char *cols[] = {"b", "e", "a"};
    ASSERT_EQ(cube_def_dims_mask(def, cols, 3, &need, &err), 0);
    int64_t rows[64];
    for (int i = 0; i < cube_def_ncuboids(def); i++) {
        int si = stor_segment_find_cuboid(seg, cube_def_cuboid(def, i));
        rows[i] = si < 0 ? -1 : (int64_t)stor_segment_cuboid_rows(seg, si); /* -1: not stored */
    }
    int ci = cube_def_pick_cuboid(def, need, rows, &err);
    ASSERT(ci >= 0);
    uint64_t id = cube_def_cuboid(def, ci);
    ASSERT((id & need) == need);
    const stor_dict_t *de = stor_segment_dict(seg, 4), *da = stor_segment_dict(seg, 0);
    value_t lo = {.u.i = 8010}, hi = {.u.i = 8019}, one = {.u.i = 1};
    stor_code_range_t re = {stor_dict_lower_bound(de, &lo), stor_dict_upper_bound(de, &hi) - 1};
    uint32_t c1 = stor_dict_find(da, &one);
    ASSERT(c1 != STOR_CODE_NONE);
    stor_code_range_t ra = {c1, c1};
    stor_filter_t f[] = {{4, 1, &re}, {0, 1, &ra}};
    stor_scan_spec_t sp = {.cuboid = id, .nfilters = 2, .filters = f, .ngroup = 1, .group = (const int[]){1},
                           .nmeasures = 2, .measures = (const int[]){1, 0}};
    mem_arena_t *a = mem_arena_new(NULL, "q", 0);
    stor_scan_t *sc;
    ASSERT_EQ(stor_scan_open(seg, &sp, a, &sc, &err), 0);
    /* naive: per b value (21 incl NULL) */
    int64_t want_sum[21] = {0}, want_cnt[21] = {0};
    for (int r = 0; r < NROWS; r++) {
        if (na[r] || va[r] != 1 || ve[r] < 8010 || ve[r] > 8019)
            continue;
        int k = rb[r] == CUBE_REF_NULL ? 20 : atoi(btab[rb[r]] + 1);
        want_cnt[k]++;
        if (!nx[r])
            want_sum[k] += mx[r];
    }
    const stor_batch_t *bt;
    int got = 0, rc;
    const stor_dict_t *db = stor_segment_dict(seg, 1);
    int64_t seen = 0;
    while ((rc = stor_scan_next(sc, &bt, &err)) > 0)
        for (uint32_t i = 0; i < bt->n; i++, got++) {
            value_t v;
            stor_dict_value(db, bt->codes[0][i], &v);
            int k = v.isnull ? 20 : atoi(v.u.s.p + 1);
            ASSERT_EQ(((const int64_t *)bt->meas[0])[i], want_sum[k]);
            ASSERT_EQ(((const int64_t *)bt->meas[1])[i], want_cnt[k]);
            seen += want_cnt[k];
        }
    ASSERT_EQ(rc, 0);
    int64_t total = 0;
    int groups = 0;
    for (int k = 0; k < 21; k++) {
        total += want_cnt[k];
        groups += want_cnt[k] > 0;
    }
    ASSERT_EQ(got, groups);
    ASSERT_EQ(seen, total);
    /* the seek kept the touched rows well below the cuboid */
    ASSERT(stor_scan_rows_touched(sc) < stor_segment_cuboid_rows(seg, stor_segment_find_cuboid(seg, id)) / 2);
    mem_arena_free(a);
    stor_segment_close(seg);
    cube_def_free(def);
    remove_root();
}

/* A build that fails (bad row reference) publishes nothing. */
static void test_failed_build(void)
{
    char dir[300];
    fresh_root("fail", dir, sizeof dir);
    gen(1);
    cube_def_t *def = make_def();
    err_t err = {0};
    cube_build_t *b = cube_build_new(def, NULL);
    cube_col_t vt = {.kind = CUBE_COL_TEXT, .s = btab, .len = btab_len};
    ASSERT_EQ(cube_build_set_values(b, 1, &vt, 20, &err), 0);
    uint32_t bad = 99;
    int64_t z = 0;
    double zf = 0;
    cube_col_t dims[ND] = {{.kind = CUBE_COL_INT, .i = &z}, {.kind = CUBE_COL_REF, .ref = &bad},
                           {.kind = CUBE_COL_FLOAT, .f = &zf}, {.kind = CUBE_COL_INT, .i = &z},
                           {.kind = CUBE_COL_INT, .i = &z}};
    cube_col_t xi = {.kind = CUBE_COL_INT, .i = &z}, yf = {.kind = CUBE_COL_FLOAT, .f = &zf};
    cube_col_t meas[NM] = {{0}, xi, yf, xi, xi, xi, yf, yf};
    cube_batch_t bt = {1, dims, meas};
    ASSERT_EQ(cube_build_add_batch(b, &bt, &err), -1);
    ASSERT_EQ(cube_build_rows_read(b), 0);
    /* a type mismatch is refused too */
    err_clear(&err);
    dims[1] = (cube_col_t){.kind = CUBE_COL_INT, .i = &z};
    ASSERT_EQ(cube_build_add_batch(b, &bt, &err), -1);
    ASSERT_STREQ(err.sqlstate, ERRCODE_DATATYPE_MISMATCH);
    cube_build_free(b);
    struct stat st;
    ASSERT(stat(dir, &st) != 0);
    /* past its memory limit a build fails with 53200, keeping the rows it
     * had: the limit counts the buffered rows (76 bytes each here) and 40 %
     * more for the base cuboid's sort */
    b = cube_build_new(def, &(cube_build_opts_t){.memory_limit = 1000});
    err_clear(&err);
    ASSERT_EQ(cube_build_set_values(b, 1, &vt, 20, &err), 0);
    uint32_t good = 3;
    dims[1] = (cube_col_t){.kind = CUBE_COL_REF, .ref = &good};
    int added = 0, rc;
    while ((rc = cube_build_add_batch(b, &bt, &err)) == 0 && added < 1000)
        added++;
    ASSERT_EQ(rc, -1);
    ASSERT_STREQ(err.sqlstate, ERRCODE_OUT_OF_MEMORY);
    ASSERT(added >= 1 && added <= 10);
    ASSERT_EQ(cube_build_rows_read(b), (uint64_t)added);
    cube_build_free(b);
    dims[1] = (cube_col_t){.kind = CUBE_COL_INT, .i = &z};
    /* an empty build publishes a segment of empty cuboids */
    b = cube_build_new(def, NULL);
    err_clear(&err);
    ASSERT_EQ(cube_build_finish(b, dir, &err), 0);
    cube_build_free(b);
    stor_segment_t *seg;
    ASSERT_EQ(stor_segment_open(dir, 0, &seg, &err), 0);
    ASSERT_EQ(stor_segment_cuboid_rows(seg, 0), 0);
    stor_segment_close(seg);
    /* an integer sum past int64 fails the build (22003) in the first cuboid
     * where two huge values meet, and publishes nothing */
    char dir2[320];
    snprintf(dir2, sizeof dir2, "%s/seg-ovf", root);
    gen(2);
    mx[1] = mx[0] = INT64_MAX / 2 + 1;
    nx[0] = nx[1] = 0;
    err_clear(&err);
    ASSERT_EQ(build(def, dir2, 2, 0, &err), -1);
    ASSERT_STREQ(err.sqlstate, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE);
    ASSERT(stat(dir2, &st) != 0);
    cube_def_free(def);
    remove_root();
}

/* ---- wide keys: dimensions whose codes need more than 64 bits together ----
 * 9 dimensions of 2^11..2^15 values (about 120 bits): the base cuboid's
 * keys take two words and children of it take the multi-word sort when a
 * run's key does not fit one word; two of them depend on a third (w2 -> w1,
 * w2 -> w0). Every cuboid of CUBE (all nine) is checked against a sort of
 * the rows. */
#define WD 9
#define WROWS 6000
static int64_t wv[WD][WROWS], wx[WROWS];
static uint64_t w_mask;

static int cmp_wide(const void *x, const void *y)
{
    int r1 = *(const int *)x, r2 = *(const int *)y;
    for (int d = 0; d < WD; d++)
        if (w_mask >> d & 1) {
            if (wv[d][r1] != wv[d][r2])
                return wv[d][r1] < wv[d][r2] ? -1 : 1;
        }
    return 0;
}

static void test_build_wide(void)
{
    char dir[300];
    fresh_root("wide", dir, sizeof dir);
    srand(11);
    for (int r = 0; r < WROWS; r++) {
        for (int d = 0; d < WD; d++)
            wv[d][r] = rand() % (2048 << (d % 5)) - 1000;
        wv[1][r] = wv[2][r] / 3;     /* w2 determines w1 and w0 */
        wv[0][r] = wv[2][r] % 7;
        if (r % 3 == 1)              /* repeated rows: groups of several */
            for (int d = 0; d < WD; d++)
                wv[d][r] = wv[d][r - 1];
        wx[r] = rand() % 100000 - 50000;
    }
    cube_def_t *def = cube_def_new("wide");
    err_t err = {0};
    char name[8];
    for (int d = 0; d < WD; d++) {
        snprintf(name, sizeof name, "w%d", d);
        cube_def_add_dim(def, name, NULL, TYPE_INT8, &err);
    }
    cube_measure_spec_t cnt = {"cnt", CUBE_AGG_COUNT, NULL, 0, NULL, 0};
    cube_measure_spec_t sx = {"sx", CUBE_AGG_SUM, "x", 0, NULL, TYPE_INT8};
    cube_def_add_measure(def, &cnt, &err);
    cube_def_add_measure(def, &sx, &err);
    int g = cube_def_add_group(def);
    for (int d = 0; d < WD; d++)
        cube_group_add_normal(def, g, d, &err);
    ASSERT_EQ(cube_def_finalize(def, 0, &err), 0);
    /* small buckets threshold: full sorts of this small input go through the buckets too */
    cube_build_t *b = cube_build_new(def, &(cube_build_opts_t){.threads = 2, .skip_ratio = -1, .bucket_rows = 1000});
    for (int off = 0; off < WROWS; off += 2000) {
        cube_col_t dims[WD];
        for (int d = 0; d < WD; d++)
            dims[d] = (cube_col_t){.kind = CUBE_COL_INT, .i = wv[d] + off};
        cube_col_t meas[2] = {{0}, {.kind = CUBE_COL_INT, .i = wx + off}};
        cube_batch_t bt = {2000, dims, meas};
        ASSERT_EQ(cube_build_add_batch(b, &bt, &err), 0);
    }
    if (cube_build_finish(b, dir, &err) < 0)
        TAP_FAIL("finish: %s", err.message);
    cube_build_free(b);
    stor_segment_t *seg;
    ASSERT_EQ(stor_segment_open(dir, 0, &seg, &err), 0);
    static int idx[WROWS];
    int checked = 0;
    for (int i = 0; i < cube_def_ncuboids(def); i++) {
        uint64_t id = cube_def_cuboid(def, i);
        w_mask = id;
        int order[WD], nd = 0;
        const int *rk = cube_def_rowkey(def);
        for (int k = 0; k < WD; k++)
            if (id >> rk[k] & 1)
                order[nd++] = rk[k];
        /* the naive groups in the cuboid's order (rowkey order, here w0..w8) */
        for (int r = 0; r < WROWS; r++)
            idx[r] = r;
        qsort(idx, WROWS, sizeof *idx, cmp_wide);
        mem_arena_t *a = mem_arena_new(NULL, "w", 0);
        stor_scan_t *sc;
        stor_scan_spec_t sp = {.cuboid = id, .ngroup = nd, .group = order, .nmeasures = 2,
                               .measures = (const int[]){0, 1}, .batch_rows = 1000};
        ASSERT_EQ(stor_scan_open(seg, &sp, a, &sc, &err), 0);
        const stor_batch_t *bt;
        int g0 = 0, rc;
        while ((rc = stor_scan_next(sc, &bt, &err)) > 0)
            for (uint32_t j = 0; j < bt->n; j++) {
                if (g0 >= WROWS)
                    TAP_FAIL("cuboid %llx: more groups than the rows have", (unsigned long long)id);
                int g1 = g0 + 1;
                while (g1 < WROWS && cmp_wide(&idx[g0], &idx[g1]) == 0)
                    g1++;
                for (int k = 0; k < nd; k++) {
                    value_t v;
                    stor_dict_value(stor_segment_dict(seg, order[k]), bt->codes[k][j], &v);
                    if (v.isnull || v.u.i != wv[order[k]][idx[g0]])
                        TAP_FAIL("cuboid %llx group %d: w%d differs", (unsigned long long)id, g0, order[k]);
                }
                int64_t n = g1 - g0, sum = 0;
                for (int x = g0; x < g1; x++)
                    sum += wx[idx[x]];
                const int64_t *const *mi = (const int64_t *const *)bt->meas;
                if (mi[0][j] != n || mi[1][j] != sum)
                    TAP_FAIL("cuboid %llx group %d: count %lld/%lld sum %lld/%lld", (unsigned long long)id, g0,
                             (long long)mi[0][j], (long long)n, (long long)mi[1][j], (long long)sum);
                g0 = g1;
            }
        ASSERT_EQ(rc, 0);
        if (g0 != WROWS)
            TAP_FAIL("cuboid %llx: fewer groups than the rows have", (unsigned long long)id);
        mem_arena_free(a);
        checked++;
    }
    ASSERT_EQ(checked, 1 << WD);
    stor_segment_close(seg);
    cube_def_free(def);
    remove_root();
}

/* Hierarchy region > nation > city (not declared as one: plain groups), a
 * non-dependent dim x; the build finds city -> nation -> region and a scan
 * filtering on city alone seeks through region and nation. */
static void test_dependencies(void)
{
    char dir[300];
    fresh_root("fd", dir, sizeof dir);
    cube_def_t *def = cube_def_new("fd");
    err_t err = {0};
    cube_def_add_dim(def, "region", NULL, TYPE_INT4, &err);
    cube_def_add_dim(def, "nation", NULL, TYPE_INT4, &err);
    cube_def_add_dim(def, "city", NULL, TYPE_INT4, &err);
    cube_def_add_dim(def, "x", NULL, TYPE_INT4, &err);
    cube_measure_spec_t cnt = {"cnt", CUBE_AGG_COUNT, NULL, 0, NULL, 0};
    cube_def_add_measure(def, &cnt, &err);
    int g = cube_def_add_group(def);
    for (int d = 0; d < 3; d++)
        cube_group_add_mandatory(def, g, d, &err);
    ASSERT_EQ(cube_def_finalize(def, 0, &err), 0);
    enum { N = 50000 };
    static int64_t reg[N], nat[N], city[N], x[N];
    srand(3);
    for (int r = 0; r < N; r++) {
        city[r] = rand() % 200;
        nat[r] = city[r] / 10;
        reg[r] = nat[r] / 5;
        x[r] = rand() % 7;
    }
    cube_build_t *b = cube_build_new(def, NULL);
    cube_col_t dims[4] = {{.kind = CUBE_COL_INT, .i = reg}, {.kind = CUBE_COL_INT, .i = nat},
                          {.kind = CUBE_COL_INT, .i = city}, {.kind = CUBE_COL_INT, .i = x}};
    cube_col_t meas[1] = {{0}};
    cube_batch_t bt = {N, dims, meas};
    ASSERT_EQ(cube_build_add_batch(b, &bt, &err), 0);
    ASSERT_EQ(cube_build_finish(b, dir, &err), 0);
    cube_build_free(b);
    stor_segment_t *seg;
    ASSERT_EQ(stor_segment_open(dir, 0, &seg, &err), 0);
    int found = 0;
    for (int i = 0; i < stor_segment_nfds(seg); i++) {
        const stor_fd_t *fd = stor_segment_fd(seg, i);
        ASSERT(fd->child != 3 && fd->parent != 3); /* x depends on nothing */
        if (fd->child == 2 && fd->parent == 1) {
            found++;
            value_t v = {.u.i = 137};
            uint32_t c = stor_dict_find(stor_segment_dict(seg, 2), &v);
            value_t pv;
            stor_dict_value(stor_segment_dict(seg, 1), fd->parent_code[c], &pv);
            ASSERT_EQ(pv.u.i, 13);
        }
        found += fd->child == 1 && fd->parent == 0;
    }
    ASSERT_EQ(found, 2);
    /* cuboid {region, nation, city} (sorted in that order): filter city = 137 */
    value_t v = {.u.i = 137};
    uint32_t c = stor_dict_find(stor_segment_dict(seg, 2), &v);
    stor_code_range_t r = {c, c};
    stor_filter_t f = {2, 1, &r};
    stor_scan_spec_t sp = {.cuboid = 0x7, .nfilters = 1, .filters = &f, .ngroup = 1, .group = (const int[]){2},
                           .nmeasures = 1, .measures = (const int[]){0}};
    mem_arena_t *a = mem_arena_new(NULL, "q", 0);
    stor_scan_t *sc;
    ASSERT_EQ(stor_scan_open(seg, &sp, a, &sc, &err), 0);
    const stor_batch_t *out;
    ASSERT_EQ(stor_scan_next(sc, &out, &err), 1);
    ASSERT_EQ(out->n, 1);
    int64_t want = 0;
    for (int i = 0; i < N; i++)
        want += city[i] == 137;
    ASSERT_EQ(((const int64_t *)out->meas[0])[0], want);
    ASSERT_EQ(stor_scan_next(sc, &out, &err), 0);
    /* region and nation were derived: the seek stops at a small range (<= 64
     * rows) instead of scanning all 200 */
    ASSERT(stor_scan_rows_touched(sc) <= 64);
    mem_arena_free(a);
    stor_segment_close(seg);
    cube_def_free(def);
    remove_root();
}

/* Runs added into cells without a sort, a digit per dimension, where the
 * digit of a city is its rank among the cities of its nation present in
 * the run (city determines nation, and x sits between them in the order):
 * cuboid {g, nation, x, city} from the base {g, z, nation, x, city},
 * against a naive count and sum per group. */
static int64_t dr_key[4];
static int cmp_dr(const void *p, const void *q)
{
    const int64_t *x = p, *y = q;
    for (int k = 0; k < 4; k++)
        if (x[k] != y[k])
            return x[k] < y[k] ? -1 : 1;
    return 0;
}

static void test_direct_rel(void)
{
    char dir[300];
    fresh_root("direct", dir, sizeof dir);
    cube_def_t *def = cube_def_new("direct");
    err_t err = {0};
    const char *names[5] = {"g", "z", "nation", "x", "city"};
    for (int d = 0; d < 5; d++)
        cube_def_add_dim(def, names[d], NULL, TYPE_INT4, &err);
    cube_measure_spec_t ms[2] = {{"cnt", CUBE_AGG_COUNT, NULL, 0, NULL, 0},
                                 {"sum_v", CUBE_AGG_SUM, "v", 0, NULL, TYPE_INT8}};
    for (int m = 0; m < 2; m++)
        cube_def_add_measure(def, &ms[m], &err);
    int g = cube_def_add_group(def);
    cube_group_add_mandatory(def, g, 0, &err);
    for (int d = 1; d < 5; d++)
        cube_group_add_normal(def, g, d, &err);
    cube_def_set_rowkey(def, (const int[]){0, 1, 2, 3, 4}, 5, &err);
    ASSERT_EQ(cube_def_finalize(def, 0, &err), 0);
    enum { N = 50000 };
    static int64_t col[5][N], v[N], want[N][6];
    srand(11);
    for (int r = 0; r < N; r++) {
        col[0][r] = rand() % 4;
        col[1][r] = rand() % 3;
        col[4][r] = rand() % 200;
        col[2][r] = col[4][r] * 7 % 10; /* a nation's cities are not neighbours */
        col[3][r] = rand() % 50;
        v[r] = rand() % 1000 - 300;
    }
    cube_build_opts_t o = {.threads = 1, .skip_ratio = -1};
    cube_build_t *b = cube_build_new(def, &o);
    cube_col_t dims[5];
    for (int d = 0; d < 5; d++)
        dims[d] = (cube_col_t){.kind = CUBE_COL_INT, .i = col[d]};
    cube_col_t meas[2] = {{0}, {.kind = CUBE_COL_INT, .i = v}};
    cube_batch_t bt = {N, dims, meas};
    ASSERT_EQ(cube_build_add_batch(b, &bt, &err), 0);
    ASSERT_EQ(cube_build_finish(b, dir, &err), 0);
    cube_build_free(b);
    /* the naive answer: rows sorted by (g, nation, x, city), then summed */
    for (int r = 0; r < N; r++) {
        int64_t *w = want[r];
        w[0] = col[0][r], w[1] = col[2][r], w[2] = col[3][r], w[3] = col[4][r], w[4] = 1, w[5] = v[r];
    }
    qsort(want, N, sizeof want[0], cmp_dr);
    int ng = 0;
    for (int r = 0; r < N; r++) {
        if (ng > 0 && cmp_dr(want[ng - 1], want[r]) == 0) {
            want[ng - 1][4]++;
            want[ng - 1][5] += want[r][5];
        } else if (ng++ != r)
            memcpy(want[ng - 1], want[r], sizeof want[r]);
    }
    stor_segment_t *seg;
    ASSERT_EQ(stor_segment_open(dir, 0, &seg, &err), 0);
    const int grp[4] = {0, 2, 3, 4};
    stor_scan_spec_t sp = {.cuboid = 0x1d, .ngroup = 4, .group = grp, .nmeasures = 2, .measures = (const int[]){0, 1}};
    mem_arena_t *a = mem_arena_new(NULL, "q", 0);
    stor_scan_t *sc;
    ASSERT_EQ(stor_scan_open(seg, &sp, a, &sc, &err), 0);
    const stor_batch_t *out;
    int rc, row = 0;
    while ((rc = stor_scan_next(sc, &out, &err)) > 0)
        for (uint32_t i = 0; i < out->n; i++, row++) {
            ASSERT(row < ng);
            for (int k = 0; k < 4; k++) {
                value_t val;
                stor_dict_value(stor_segment_dict(seg, grp[k]), out->codes[k][i], &val);
                dr_key[k] = val.u.i;
            }
            if (cmp_dr(dr_key, want[row]) != 0)
                TAP_FAIL("row %d: key (%lld %lld %lld %lld), want (%lld %lld %lld %lld)", row, (long long)dr_key[0],
                         (long long)dr_key[1], (long long)dr_key[2], (long long)dr_key[3], (long long)want[row][0],
                         (long long)want[row][1], (long long)want[row][2], (long long)want[row][3]);
            ASSERT_EQ(((const int64_t *)out->meas[0])[i], want[row][4]);
            ASSERT_EQ(((const int64_t *)out->meas[1])[i], want[row][5]);
        }
    ASSERT_EQ(rc, 0);
    ASSERT_EQ(row, ng);
    mem_arena_free(a);
    stor_segment_close(seg);
    cube_def_free(def);
    remove_root();
}

/* A cuboid in its parent's order whose groups are longer than the chunk
 * the in-order path takes at a time: {g} from {g, u}, 2 groups of 20000
 * parent rows. */
static void test_prefix_long(void)
{
    char dir[300];
    fresh_root("prefix", dir, sizeof dir);
    cube_def_t *def = cube_def_new("prefix");
    err_t err = {0};
    cube_def_add_dim(def, "g", NULL, TYPE_INT4, &err);
    cube_def_add_dim(def, "u", NULL, TYPE_INT4, &err);
    cube_measure_spec_t ms[2] = {{"cnt", CUBE_AGG_COUNT, NULL, 0, NULL, 0},
                                 {"sum_v", CUBE_AGG_SUM, "v", 0, NULL, TYPE_INT8}};
    for (int m = 0; m < 2; m++)
        cube_def_add_measure(def, &ms[m], &err);
    int g = cube_def_add_group(def);
    cube_group_add_mandatory(def, g, 0, &err);
    cube_group_add_normal(def, g, 1, &err);
    ASSERT_EQ(cube_def_finalize(def, 0, &err), 0);
    enum { N = 40000 };
    static int64_t gv[N], uv[N], v[N];
    int64_t want[2] = {0, 0};
    for (int r = 0; r < N; r++) {
        gv[r] = r % 2;
        uv[r] = r;
        v[r] = (r * 7919) % 1001 - 500;
        want[r % 2] += v[r];
    }
    cube_build_opts_t o = {.threads = 1, .skip_ratio = -1};
    cube_build_t *b = cube_build_new(def, &o);
    cube_col_t dims[2] = {{.kind = CUBE_COL_INT, .i = gv}, {.kind = CUBE_COL_INT, .i = uv}};
    cube_col_t meas[2] = {{0}, {.kind = CUBE_COL_INT, .i = v}};
    cube_batch_t bt = {N, dims, meas};
    ASSERT_EQ(cube_build_add_batch(b, &bt, &err), 0);
    ASSERT_EQ(cube_build_finish(b, dir, &err), 0);
    cube_build_free(b);
    stor_segment_t *seg;
    ASSERT_EQ(stor_segment_open(dir, 0, &seg, &err), 0);
    stor_scan_spec_t sp = {.cuboid = 0x1, .ngroup = 1, .group = (const int[]){0}, .nmeasures = 2,
                           .measures = (const int[]){0, 1}};
    mem_arena_t *a = mem_arena_new(NULL, "q", 0);
    stor_scan_t *sc;
    ASSERT_EQ(stor_scan_open(seg, &sp, a, &sc, &err), 0);
    const stor_batch_t *out;
    ASSERT_EQ(stor_scan_next(sc, &out, &err), 1);
    ASSERT_EQ(out->n, 2);
    for (uint32_t i = 0; i < 2; i++) {
        value_t val;
        stor_dict_value(stor_segment_dict(seg, 0), out->codes[0][i], &val);
        ASSERT_EQ(val.u.i, (int64_t)i);
        ASSERT_EQ(((const int64_t *)out->meas[0])[i], N / 2);
        ASSERT_EQ(((const int64_t *)out->meas[1])[i], want[i]);
    }
    ASSERT_EQ(stor_scan_next(sc, &out, &err), 0);
    mem_arena_free(a);
    stor_segment_close(seg);
    cube_def_free(def);
    remove_root();
}

int main(void)
{
    static const tap_test_t tests[] = {
        {"build = naive group-by, every cuboid and measure (1 thread)", test_build_1},
        {"build = naive group-by, every cuboid and measure (3 threads)", test_build_3},
        {"build = naive group-by, a parent's leading segments merged", test_build_segments},
        {"build = naive group-by with functional dependencies between dimensions", test_build_fd},
        {"build = naive group-by, two dimensions from one lookup's rows, then fed apart", test_build_group},
        {"build = naive group-by, a lookup's dimensions apart in the key (ranked under the earlier)", test_build_group_apart},
        {"build = naive group-by with keys wider than 64 bits (512 cuboids)", test_build_wide},
        {"cuboid choice, seek, filter and rollup = naive", test_query},
        {"failed and empty builds", test_failed_build},
        {"functional dependencies found and used by scans", test_dependencies},
        {"runs added into cells, a city ranked among its nation's", test_direct_rel},
        {"a cuboid in its parent's order, groups longer than a chunk", test_prefix_long},
    };
    return TAP_RUN(tests);
}
