/*
 * cube_bench.c - micro-benchmark of the cube core on SSB-shaped data: build
 * throughput and the latency of the 13 SSB queries answered from cuboids
 * through the scan API (no SQL, no wire: what the engine adds comes on top).
 *
 *   cube_bench [-s SF] [-t THREADS] [-d kylin|queries] [-n RUNS] [-o DIR] [-k] [-r RATIO]
 *
 * -k keeps the segment directory (its manifest lists rows and bytes per
 * cuboid) instead of removing it. -r sets the build's skip_ratio (cuboids
 * not stored when a stored superset has at most RATIO times their rows;
 * -1 stores all; default CUBE_SKIP_RATIO).
 *
 * Data: lineorder rows generated in memory with SSB's cardinalities (6M*SF
 * rows; 30000*SF customers, 2000*SF suppliers, 200000*floor(1+log2 SF)
 * parts, 2556 days) and uniform keys, joined to lookups the way the engine
 * will feed the build: REF columns (lookup row numbers) for lookup
 * attributes, values for lo_quantity and lo_discount. Text parsing is not
 * measured here (the engine's part).
 *
 * Designs: "kylin" is Kylin's published SSB cube (perf.md 3.6: two
 * aggregation groups, 191 + 7 cuboids); "queries" declares one group per SSB
 * query shape (mandatory dimensions only, with their hierarchy parents), the
 * ten small cuboids of perf.md 3.6 plus the base.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "cube/build.h"
#include "storage/scan.h"

enum { C_REGION, C_NATION, C_CITY, S_REGION, S_NATION, S_CITY, P_MFGR, P_CATEGORY, P_BRAND, D_YEAR,
       D_YEARMONTH, D_YEARMONTHNUM, D_WEEKNUM, LO_QUANTITY, LO_DISCOUNT, NDIMS };
static const char *dim_names[NDIMS] = {"c_region", "c_nation", "c_city", "s_region", "s_nation", "s_city",
                                       "p_mfgr", "p_category", "p_brand1", "d_year", "d_yearmonth",
                                       "d_yearmonthnum", "d_weeknuminyear", "lo_quantity", "lo_discount"};
enum { M_COUNT, M_REVENUE, M_VREV, M_SUPPLYCOST, NMEAS };

static const char *nations[25] = {"ALGERIA", "ARGENTINA", "BRAZIL", "CANADA", "EGYPT", "ETHIOPIA", "FRANCE",
                                  "GERMANY", "INDIA", "INDONESIA", "IRAN", "IRAQ", "JAPAN", "JORDAN", "KENYA",
                                  "MOROCCO", "MOZAMBIQUE", "PERU", "CHINA", "ROMANIA", "SAUDI ARABIA", "VIETNAM",
                                  "RUSSIA", "UNITED KINGDOM", "UNITED STATES"};
static const int nation_region[25] = {0, 1, 1, 1, 4, 0, 3, 3, 2, 2, 4, 4, 2, 4, 0, 0, 0, 1, 2, 3, 4, 2, 3, 3, 1};
static const char *regions[5] = {"AFRICA", "AMERICA", "ASIA", "EUROPE", "MIDDLE EAST"};
static const char *months[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* A lookup table column of text built once. */
typedef struct textcol {
    const char **s;
    uint32_t *len;
    size_t n;
} textcol_t;

static void text_set(textcol_t *t, size_t i, const char *v)
{
    t->s[i] = strdup(v);
    t->len[i] = (uint32_t)strlen(v);
}

static void text_init(textcol_t *t, size_t n)
{
    t->s = calloc(n, sizeof *t->s);
    t->len = calloc(n, sizeof *t->len);
    t->n = n;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t rng = 88172645463325252ULL;
static inline uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* lookups */
static textcol_t c_city, c_nation, c_region, s_city, s_nation, s_region, p_mfgr, p_cat, p_brand, d_ym;
static int64_t *d_year, *d_ymnum, *d_week;
static size_t ncust, nsupp, npart, ndays = 2556;

static void make_city(char *buf, int nation, int digit)
{
    char pre[10];
    snprintf(pre, sizeof pre, "%-9.9s", nations[nation]);
    snprintf(buf, 16, "%s%d", pre, digit);
}

static void gen_lookups(double sf)
{
    char buf[64];
    ncust = (size_t)(30000 * sf);
    nsupp = (size_t)(2000 * sf);
    npart = (size_t)(200000 * floor(1 + log2(sf < 1 ? 1 : sf)));
    text_init(&c_city, ncust), text_init(&c_nation, ncust), text_init(&c_region, ncust);
    for (size_t i = 0; i < ncust; i++) {
        int n = (int)(rnd() % 25);
        make_city(buf, n, (int)(rnd() % 10));
        text_set(&c_city, i, buf);
        text_set(&c_nation, i, nations[n]);
        text_set(&c_region, i, regions[nation_region[n]]);
    }
    text_init(&s_city, nsupp), text_init(&s_nation, nsupp), text_init(&s_region, nsupp);
    for (size_t i = 0; i < nsupp; i++) {
        int n = (int)(rnd() % 25);
        make_city(buf, n, (int)(rnd() % 10));
        text_set(&s_city, i, buf);
        text_set(&s_nation, i, nations[n]);
        text_set(&s_region, i, regions[nation_region[n]]);
    }
    text_init(&p_mfgr, npart), text_init(&p_cat, npart), text_init(&p_brand, npart);
    for (size_t i = 0; i < npart; i++) {
        int m = 1 + (int)(rnd() % 5), c = 1 + (int)(rnd() % 5), b = 1 + (int)(rnd() % 40);
        snprintf(buf, sizeof buf, "MFGR#%d", m);
        text_set(&p_mfgr, i, buf);
        snprintf(buf, sizeof buf, "MFGR#%d%d", m, c);
        text_set(&p_cat, i, buf);
        snprintf(buf, sizeof buf, "MFGR#%d%d%d", m, c, b);
        text_set(&p_brand, i, buf);
    }
    text_init(&d_ym, ndays);
    d_year = calloc(ndays, 8), d_ymnum = calloc(ndays, 8), d_week = calloc(ndays, 8);
    struct tm tm = {.tm_year = 92, .tm_mon = 0, .tm_mday = 1, .tm_hour = 12};
    for (size_t i = 0; i < ndays; i++) {
        struct tm t = tm;
        t.tm_mday += (int)i;
        time_t tt = timegm(&t);
        gmtime_r(&tt, &t);
        d_year[i] = 1900 + t.tm_year;
        d_ymnum[i] = d_year[i] * 100 + t.tm_mon + 1;
        d_week[i] = (t.tm_yday + 1) / 7 + 1;
        snprintf(buf, sizeof buf, "%s%d", months[t.tm_mon], (int)d_year[i]);
        text_set(&d_ym, i, buf);
    }
}

static cube_def_t *make_def(const char *design)
{
    cube_def_t *def = cube_def_new("ssb");
    err_t err = {0};
    for (int d = 0; d < NDIMS; d++) {
        type_oid_t t = d == D_YEAR || d == D_YEARMONTHNUM || d == D_WEEKNUM || d == LO_QUANTITY || d == LO_DISCOUNT
                           ? TYPE_INT4 : TYPE_TEXT;
        cube_def_add_dim(def, dim_names[d], NULL, t, &err);
    }
    cube_measure_spec_t ms[NMEAS] = {
        {"cnt", CUBE_AGG_COUNT, NULL, 0, NULL, 0},
        {"sum_revenue", CUBE_AGG_SUM, "lo_revenue", 0, NULL, TYPE_INT8},
        {"sum_vrev", CUBE_AGG_SUM, "lo_extendedprice * lo_discount", 0, NULL, TYPE_INT8},
        {"sum_supplycost", CUBE_AGG_SUM, "lo_supplycost", 0, NULL, TYPE_INT8},
    };
    for (int m = 0; m < NMEAS; m++)
        cube_def_add_measure(def, &ms[m], &err);
    if (!strcmp(design, "kylin")) {
        int g1 = cube_def_add_group(def), g2 = cube_def_add_group(def);
        cube_group_add_hierarchy(def, g1, (const int[]){C_REGION, C_NATION, C_CITY}, 3, &err);
        cube_group_add_hierarchy(def, g1, (const int[]){S_REGION, S_NATION, S_CITY}, 3, &err);
        cube_group_add_hierarchy(def, g1, (const int[]){P_MFGR, P_CATEGORY, P_BRAND}, 3, &err);
        cube_group_add_hierarchy(def, g1, (const int[]){D_YEAR, D_YEARMONTH}, 2, &err);
        cube_group_add_hierarchy(def, g2, (const int[]){D_YEAR, D_YEARMONTHNUM, D_WEEKNUM}, 3, &err);
        cube_group_add_joint(def, g2, (const int[]){LO_QUANTITY, LO_DISCOUNT}, 2, &err);
    } else {
        /* One group per query shape: its group-by and filter columns plus
         * their hierarchy parents (functionally dependent: no extra rows). */
        static const int shapes[][10] = {
            {D_YEAR, LO_DISCOUNT, LO_QUANTITY, -1},                                   /* Q1.1 */
            {D_YEAR, D_YEARMONTHNUM, LO_DISCOUNT, LO_QUANTITY, -1},                   /* Q1.2 */
            {D_YEAR, D_YEARMONTHNUM, D_WEEKNUM, LO_DISCOUNT, LO_QUANTITY, -1},        /* Q1.3 */
            {S_REGION, P_MFGR, P_CATEGORY, P_BRAND, D_YEAR, -1},                      /* Q2.x */
            {C_REGION, S_REGION, C_NATION, S_NATION, D_YEAR, -1},                     /* Q3.1 */
            {C_REGION, S_REGION, C_NATION, S_NATION, C_CITY, S_CITY, D_YEAR, -1},     /* Q3.2-3 */
            {C_REGION, S_REGION, C_NATION, S_NATION, C_CITY, S_CITY, D_YEAR, D_YEARMONTH, -1}, /* Q3.4 */
            {C_REGION, S_REGION, P_MFGR, D_YEAR, C_NATION, -1},                       /* Q4.1 */
            {C_REGION, S_REGION, P_MFGR, D_YEAR, S_NATION, P_CATEGORY, -1},           /* Q4.2 */
            {C_REGION, S_REGION, P_MFGR, D_YEAR, S_NATION, P_CATEGORY, S_CITY, P_BRAND, -1}, /* Q4.3 */
        };
        for (size_t q = 0; q < sizeof shapes / sizeof shapes[0]; q++) {
            int g = cube_def_add_group(def);
            for (int k = 0; shapes[q][k] >= 0; k++)
                cube_group_add_mandatory(def, g, shapes[q][k], &err);
        }
    }
    /* Filtered, low-cardinality dimensions lead (perf.md 3.6 take-away b). */
    static const int rowkey[NDIMS] = {C_REGION, S_REGION, P_MFGR, D_YEAR, C_NATION, S_NATION, P_CATEGORY,
                                      D_YEARMONTHNUM, D_YEARMONTH, D_WEEKNUM, LO_DISCOUNT, LO_QUANTITY,
                                      C_CITY, S_CITY, P_BRAND};
    cube_def_set_rowkey(def, rowkey, NDIMS, &err);
    if (cube_def_finalize(def, 0, &err) < 0) {
        fprintf(stderr, "finalize: %s\n", err.message);
        exit(1);
    }
    return def;
}

static void on_progress(const cube_progress_t *p, void *arg)
{
    (void)arg;
    static const char *last;
    if (p->step != last && strcmp(p->step, "cuboids") != 0)
        fprintf(stderr, "  [%6.2fs] %s (rows %llu, %.2fM rows/s)\n", p->elapsed_sec, p->step,
                (unsigned long long)p->rows_read, p->rows_per_sec / 1e6);
    last = p->step;
}

/* ---- queries ---- */

typedef struct qf {
    int dim;
    int op; /* 0 eq, 1 between, 2 in (2 values) */
    const char *s[2];
    int64_t i[2];
} qf_t;

typedef struct query {
    const char *name;
    int ngroup;
    int group[4];
    int nf;
    qf_t f[4];
    int nmeas;
    int meas[2];
} query_t;

static const query_t queries[] = {
    {"Q1.1", 0, {0}, 3, {{D_YEAR, 0, {0}, {1993}}, {LO_DISCOUNT, 1, {0}, {1, 3}}, {LO_QUANTITY, 1, {0}, {1, 24}}}, 1, {M_VREV}},
    {"Q1.2", 0, {0}, 3, {{D_YEARMONTHNUM, 0, {0}, {199401}}, {LO_DISCOUNT, 1, {0}, {4, 6}}, {LO_QUANTITY, 1, {0}, {26, 35}}}, 1, {M_VREV}},
    {"Q1.3", 0, {0}, 4, {{D_WEEKNUM, 0, {0}, {6}}, {D_YEAR, 0, {0}, {1994}}, {LO_DISCOUNT, 1, {0}, {5, 7}}, {LO_QUANTITY, 1, {0}, {26, 35}}}, 1, {M_VREV}},
    {"Q2.1", 2, {D_YEAR, P_BRAND}, 2, {{P_CATEGORY, 0, {"MFGR#12"}}, {S_REGION, 0, {"AMERICA"}}}, 1, {M_REVENUE}},
    {"Q2.2", 2, {D_YEAR, P_BRAND}, 2, {{P_BRAND, 1, {"MFGR#2221", "MFGR#2228"}}, {S_REGION, 0, {"ASIA"}}}, 1, {M_REVENUE}},
    {"Q2.3", 2, {D_YEAR, P_BRAND}, 2, {{P_BRAND, 0, {"MFGR#2221"}}, {S_REGION, 0, {"EUROPE"}}}, 1, {M_REVENUE}},
    {"Q3.1", 3, {C_NATION, S_NATION, D_YEAR}, 3, {{C_REGION, 0, {"ASIA"}}, {S_REGION, 0, {"ASIA"}}, {D_YEAR, 1, {0}, {1992, 1997}}}, 1, {M_REVENUE}},
    {"Q3.2", 3, {C_CITY, S_CITY, D_YEAR}, 3, {{C_NATION, 0, {"UNITED STATES"}}, {S_NATION, 0, {"UNITED STATES"}}, {D_YEAR, 1, {0}, {1992, 1997}}}, 1, {M_REVENUE}},
    {"Q3.3", 3, {C_CITY, S_CITY, D_YEAR}, 3, {{C_CITY, 2, {"UNITED KI1", "UNITED KI5"}}, {S_CITY, 2, {"UNITED KI1", "UNITED KI5"}}, {D_YEAR, 1, {0}, {1992, 1997}}}, 1, {M_REVENUE}},
    {"Q3.4", 3, {C_CITY, S_CITY, D_YEAR}, 3, {{C_CITY, 2, {"UNITED KI1", "UNITED KI5"}}, {S_CITY, 2, {"UNITED KI1", "UNITED KI5"}}, {D_YEARMONTH, 0, {"Dec1997"}}}, 1, {M_REVENUE}},
    {"Q4.1", 2, {D_YEAR, C_NATION}, 3, {{C_REGION, 0, {"AMERICA"}}, {S_REGION, 0, {"AMERICA"}}, {P_MFGR, 2, {"MFGR#1", "MFGR#2"}}}, 2, {M_REVENUE, M_SUPPLYCOST}},
    {"Q4.2", 3, {D_YEAR, S_NATION, P_CATEGORY}, 4, {{C_REGION, 0, {"AMERICA"}}, {S_REGION, 0, {"AMERICA"}}, {D_YEAR, 2, {0}, {1997, 1998}}, {P_MFGR, 2, {"MFGR#1", "MFGR#2"}}}, 2, {M_REVENUE, M_SUPPLYCOST}},
    {"Q4.3", 3, {D_YEAR, S_CITY, P_BRAND}, 3, {{S_NATION, 0, {"UNITED STATES"}}, {D_YEAR, 2, {0}, {1997, 1998}}, {P_CATEGORY, 0, {"MFGR#14"}}}, 2, {M_REVENUE, M_SUPPLYCOST}},
};

static value_t qval(const qf_t *f, int k)
{
    value_t v = {0};
    if (f->s[0]) {
        v.u.s.p = f->s[k];
        v.u.s.len = (uint32_t)strlen(f->s[k]);
    } else {
        v.u.i = f->i[k];
    }
    return v;
}

static int cmp_range(const void *a, const void *b)
{
    const stor_code_range_t *x = a, *y = b;
    return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* run_query - match, translate filters to codes, scan; returns groups. */
static long run_query(const cube_def_t *def, stor_segment_t *seg, const int64_t *rows, const query_t *q,
                      mem_arena_t *a, uint64_t *touched, uint64_t *cuboid_rows, double *check)
{
    err_t err = {0};
    uint64_t need = 0;
    for (int k = 0; k < q->ngroup; k++)
        need |= 1ULL << q->group[k];
    for (int k = 0; k < q->nf; k++)
        need |= 1ULL << q->f[k].dim;
    int ci = cube_def_pick_cuboid(def, need, rows, &err);
    uint64_t id = cube_def_cuboid(def, ci);
    stor_filter_t filt[4];
    stor_code_range_t *rg = mem_alloc(a, sizeof *rg * 8);
    int nf = 0;
    for (int k = 0; k < q->nf; k++) {
        const qf_t *f = &q->f[k];
        const stor_dict_t *d = stor_segment_dict(seg, f->dim);
        stor_code_range_t *r = rg + 2 * k;
        uint32_t n = 0;
        if (f->op == 0) {
            value_t v = qval(f, 0);
            uint32_t c = stor_dict_find(d, &v);
            if (c != STOR_CODE_NONE)
                r[n++] = (stor_code_range_t){c, c};
        } else if (f->op == 1) {
            value_t lo = qval(f, 0), hi = qval(f, 1);
            uint32_t l = stor_dict_lower_bound(d, &lo), h = stor_dict_upper_bound(d, &hi);
            if (l < h)
                r[n++] = (stor_code_range_t){l, h - 1};
        } else {
            for (int j = 0; j < 2; j++) {
                value_t v = qval(f, j);
                uint32_t c = stor_dict_find(d, &v);
                if (c != STOR_CODE_NONE)
                    r[n++] = (stor_code_range_t){c, c};
            }
            qsort(r, n, sizeof *r, cmp_range);
        }
        filt[nf++] = (stor_filter_t){f->dim, n, r};
    }
    stor_scan_spec_t sp = {.cuboid = id, .nfilters = nf, .filters = filt, .ngroup = q->ngroup, .group = q->group,
                           .nmeasures = q->nmeas, .measures = q->meas};
    stor_scan_t *sc;
    if (stor_scan_open(seg, &sp, a, &sc, &err) < 0) {
        fprintf(stderr, "%s: %s\n", q->name, err.message);
        exit(1);
    }
    const stor_batch_t *b;
    long groups = 0;
    double sum = 0;
    while (stor_scan_next(sc, &b, &err) > 0) {
        groups += b->n;
        for (uint32_t i = 0; i < b->n; i++)
            sum += (double)((const int64_t *)b->meas[0])[i];
    }
    *touched = stor_scan_rows_touched(sc);
    *cuboid_rows = stor_segment_cuboid_rows(seg, stor_segment_find_cuboid(seg, id));
    *check = sum;
    return groups;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    double sf = 1;
    int threads = 0, runs = 200, keep = 0;
    double skip_ratio = 0;
    const char *design = "queries", *outdir = "/tmp/kiln-cube-bench";
    int opt;
    while ((opt = getopt(argc, argv, "s:t:d:n:o:kr:")) != -1) {
        switch (opt) {
        case 's': sf = atof(optarg); break;
        case 't': threads = atoi(optarg); break;
        case 'd': design = optarg; break;
        case 'n': runs = atoi(optarg); break;
        case 'o': outdir = optarg; break;
        case 'k': keep = 1; break;
        case 'r': skip_ratio = atof(optarg); break;
        default:
            fprintf(stderr, "usage: cube_bench [-s SF] [-t THREADS] [-d kylin|queries] [-n RUNS] [-o DIR] [-k] [-r RATIO]\n");
            return 2;
        }
    }
    if (threads <= 0)
        threads = (int)sysconf(_SC_NPROCESSORS_ONLN);
    gen_lookups(sf);
    cube_def_t *def = make_def(design);
    uint64_t nrows = (uint64_t)(6000000 * sf);
    printf("# cube_bench: SF %g, %llu fact rows, design %s (%d cuboids), %d threads\n", sf,
           (unsigned long long)nrows, design, cube_def_ncuboids(def), threads);

    /* Generate all rows first so the build is timed alone. */
    const size_t B = 8192;
    uint32_t *rc = malloc(nrows * 4), *rs = malloc(nrows * 4), *rp = malloc(nrows * 4), *rd = malloc(nrows * 4);
    int64_t *qty = malloc(nrows * 8), *disc = malloc(nrows * 8), *rev = malloc(nrows * 8), *vrev = malloc(nrows * 8),
            *cost = malloc(nrows * 8);
    for (uint64_t r = 0; r < nrows; r++) {
        rc[r] = (uint32_t)(rnd() % ncust);
        rs[r] = (uint32_t)(rnd() % nsupp);
        rp[r] = (uint32_t)(rnd() % npart);
        rd[r] = (uint32_t)(rnd() % (ndays - 151));
        qty[r] = 1 + (int64_t)(rnd() % 50);
        disc[r] = (int64_t)(rnd() % 11);
        int64_t price = 90000 + (int64_t)(rnd() % 10000) * qty[r];
        rev[r] = price * (100 - disc[r]) / 100;
        vrev[r] = price * disc[r];
        cost[r] = 54060 + (int64_t)(rnd() % 70000);
    }
    char dir[512];
    snprintf(dir, sizeof dir, "%s/seg-%s-sf%g-%ld", outdir, design, sf, (long)getpid());
    char cmd[600];
    snprintf(cmd, sizeof cmd, "mkdir -p %s", outdir);
    if (system(cmd) != 0)
        return 1;

    struct rusage ru0, ru1;
    getrusage(RUSAGE_SELF, &ru0);
    double t0 = now();
    cube_build_opts_t o = {.threads = threads, .progress = on_progress, .progress_every = 10000000, .skip_ratio = skip_ratio};
    cube_build_t *b = cube_build_new(def, &o);
    err_t err = {0};
    cube_col_t vt[NDIMS] = {
        [C_REGION] = {CUBE_COL_TEXT, .s = c_region.s, .len = c_region.len},
        [C_NATION] = {CUBE_COL_TEXT, .s = c_nation.s, .len = c_nation.len},
        [C_CITY] = {CUBE_COL_TEXT, .s = c_city.s, .len = c_city.len},
        [S_REGION] = {CUBE_COL_TEXT, .s = s_region.s, .len = s_region.len},
        [S_NATION] = {CUBE_COL_TEXT, .s = s_nation.s, .len = s_nation.len},
        [S_CITY] = {CUBE_COL_TEXT, .s = s_city.s, .len = s_city.len},
        [P_MFGR] = {CUBE_COL_TEXT, .s = p_mfgr.s, .len = p_mfgr.len},
        [P_CATEGORY] = {CUBE_COL_TEXT, .s = p_cat.s, .len = p_cat.len},
        [P_BRAND] = {CUBE_COL_TEXT, .s = p_brand.s, .len = p_brand.len},
        [D_YEAR] = {CUBE_COL_INT, .i = d_year},
        [D_YEARMONTH] = {CUBE_COL_TEXT, .s = d_ym.s, .len = d_ym.len},
        [D_YEARMONTHNUM] = {CUBE_COL_INT, .i = d_ymnum},
        [D_WEEKNUM] = {CUBE_COL_INT, .i = d_week},
    };
    size_t vtn[NDIMS] = {ncust, ncust, ncust, nsupp, nsupp, nsupp, npart, npart, npart, ndays, ndays, ndays, ndays};
    for (int d = 0; d < LO_QUANTITY; d++)
        if (cube_build_set_values(b, d, &vt[d], vtn[d], &err) < 0) {
            fprintf(stderr, "%s\n", err.message);
            return 1;
        }
    for (uint64_t off = 0; off < nrows; off += B) {
        size_t n = nrows - off < B ? nrows - off : B;
        const uint32_t *refs[NDIMS] = {rc + off, rc + off, rc + off, rs + off, rs + off, rs + off, rp + off,
                                       rp + off, rp + off, rd + off, rd + off, rd + off, rd + off};
        cube_col_t dims[NDIMS];
        for (int d = 0; d < LO_QUANTITY; d++)
            dims[d] = (cube_col_t){CUBE_COL_REF, .ref = refs[d]};
        dims[LO_QUANTITY] = (cube_col_t){CUBE_COL_INT, .i = qty + off};
        dims[LO_DISCOUNT] = (cube_col_t){CUBE_COL_INT, .i = disc + off};
        cube_col_t meas[NMEAS] = {{0}, {CUBE_COL_INT, .i = rev + off}, {CUBE_COL_INT, .i = vrev + off},
                                  {CUBE_COL_INT, .i = cost + off}};
        cube_batch_t bt = {n, dims, meas};
        if (cube_build_add_batch(b, &bt, &err) < 0) {
            fprintf(stderr, "%s\n", err.message);
            return 1;
        }
    }
    double t_ingest = now() - t0;
    if (cube_build_finish(b, dir, &err) < 0) {
        fprintf(stderr, "finish: %s\n", err.message);
        return 1;
    }
    double t_build = now() - t0;
    getrusage(RUSAGE_SELF, &ru1);
    double cpu = (double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec) + (ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec) / 1e6 +
                 (double)(ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) + (ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec) / 1e6;
    uint64_t total_rows = 0;
    int nstored = 0;
    for (int i = 0; i < cube_def_ncuboids(def); i++)
        if (cube_build_cuboid_stored(b, i)) {
            total_rows += cube_build_cuboid_rows(b, i);
            nstored++;
        }
    cube_build_free(b);
    snprintf(cmd, sizeof cmd, "du -sb %s | cut -f1", dir);
    FILE *du = popen(cmd, "r");
    long long bytes = 0;
    if (du) {
        if (fscanf(du, "%lld", &bytes) != 1)
            bytes = 0;
        pclose(du);
    }
    printf("build: %.2f s wall (ingest %.2f s), %.2f s CPU, %.2f M rows/s, %.2f M rows/s/core (CPU), "
           "%d cuboids stored, %llu cuboid rows, %.1f MB on disk, peak RSS %ld MB\n",
           t_build, t_ingest, cpu, nrows / t_build / 1e6, nrows / cpu / 1e6, nstored, (unsigned long long)total_rows,
           bytes / 1e6, ru1.ru_maxrss / 1024);

    stor_segment_t *seg;
    if (stor_segment_open(dir, 0, &seg, &err) < 0) {
        fprintf(stderr, "open: %s\n", err.message);
        return 1;
    }
    int nc = cube_def_ncuboids(def);
    int64_t *rows = calloc((size_t)nc, 8);
    for (int i = 0; i < nc; i++) {
        int si = stor_segment_find_cuboid(seg, cube_def_cuboid(def, i));
        rows[i] = si < 0 ? -1 : (int64_t)stor_segment_cuboid_rows(seg, si); /* -1: not stored */
    }
    mem_arena_t *a = mem_arena_new(NULL, "query", 0);
    double *lat = calloc((size_t)runs, sizeof *lat);
    printf("%-5s %8s %10s %10s %10s %10s\n", "query", "groups", "touched", "cuboid", "p50_us", "p99_us");
    for (size_t q = 0; q < sizeof queries / sizeof queries[0]; q++) {
        uint64_t touched = 0, crows = 0;
        double check = 0;
        long groups = run_query(def, seg, rows, &queries[q], a, &touched, &crows, &check); /* warm: maps the file */
        mem_arena_reset(a);
        for (int r = 0; r < runs; r++) {
            double s = now();
            run_query(def, seg, rows, &queries[q], a, &touched, &crows, &check);
            lat[r] = (now() - s) * 1e6;
            mem_arena_reset(a);
        }
        qsort(lat, (size_t)runs, sizeof *lat, cmp_double);
        printf("%-5s %8ld %10llu %10llu %10.1f %10.1f\n", queries[q].name, groups, (unsigned long long)touched,
               (unsigned long long)crows, lat[runs / 2], lat[(runs * 99) / 100]);
    }
    stor_segment_close(seg);
    mem_arena_free(a);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (keep)
        printf("# kept %s\n", dir);
    else if (system(cmd) != 0)
        return 1;
    cube_def_free(def);
    return 0;
}
