/*
 * test_storage.c - unit tests of src/storage: dictionaries, cuboid files,
 * atomic publish, corruption handling and scans over a hand-made segment.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage/scan.h"
#include "storage/segment.h"
#include "tap.h"

static char root[256];

static void mkroot(void)
{
    /* a fresh directory, one per run (a stale one of a reused pid broke
     * runs); made again where a test removed it */
    if (root[0]) {
        mkdir(root, 0755);
        return;
    }
    snprintf(root, sizeof root, "/tmp/kiln-test-storage-XXXXXX");
    if (!mkdtemp(root))
        TAP_FAIL("mkdtemp %s", root);
}

static int exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

/* Segment with dims a (int4: 10, 20, 30), b (text: "x", "y", NULL) and
 * measures cnt (count) and total (float sum). Cuboids {a,b} and {a}. */
static const char *const texts[] = {"x", "y"};
static const uint32_t text_lens[] = {1, 1};
static const int64_t ints[] = {10, 20, 30};

static int write_segment(const char *dir, err_t *err)
{
    stor_dim_schema_t dims[] = {{"a", TYPE_INT4}, {"b", TYPE_TEXT}};
    stor_measure_schema_t ms[] = {{"cnt", STOR_AGG_COUNT, STOR_KIND_INT, TYPE_INT8},
                                  {"total", STOR_AGG_SUM, STOR_KIND_FLOAT, TYPE_FLOAT8}};
    stor_schema_t sc = {2, dims, 2, ms, (const int[]){0, 1}};
    stor_writer_t *w;
    if (stor_writer_begin(dir, &sc, &w, err) < 0)
        return -1;
    stor_dict_src_t ds[2] = {
        {.kind = STOR_KIND_INT, .n = 3, .ints = ints},
        {.kind = STOR_KIND_TEXT, .n = 2, .texts = texts, .text_lens = text_lens, .has_null = true},
    };
    if (stor_writer_put_dicts(w, ds, err) < 0)
        goto fail;
    /* rows (a, b): (10,x) (10,NULL) (20,y) (30,x) (30,y) */
    uint8_t ca[] = {0, 0, 1, 2, 2}, cb[] = {0, 2, 1, 0, 1};
    int64_t cnt[] = {1, 2, 3, 4, 5};
    double tot[] = {1.5, 2.5, 3.5, 4.5, 5.5};
    if (stor_writer_put_cuboid(w, 3, 5, (const void *[]){ca, cb}, (const void *[]){cnt, tot}, err) < 0)
        goto fail;
    uint8_t ca1[] = {0, 1, 2};
    int64_t cnt1[] = {3, 3, 9};
    double tot1[] = {4.0, 3.5, 10.0};
    if (stor_writer_put_cuboid(w, 1, 3, (const void *[]){ca1}, (const void *[]){cnt1, tot1}, err) < 0)
        goto fail;
    stor_writer_set_info(w, "input_rows", "15");
    return stor_writer_commit(w, err);
fail:
    stor_writer_abort(w);
    return -1;
}

static void test_roundtrip(void)
{
    mkroot();
    char dir[300];
    snprintf(dir, sizeof dir, "%s/seg1", root);
    err_t err = {0};
    ASSERT_EQ(write_segment(dir, &err), 0);
    stor_segment_t *s;
    ASSERT_EQ(stor_segment_open(dir, 0, &s, &err), 0);
    ASSERT_EQ(stor_segment_ndims(s), 2);
    ASSERT_STREQ(stor_segment_dim_name(s, 1), "b");
    ASSERT_EQ(stor_segment_ncuboids(s), 2);
    ASSERT_EQ(stor_segment_cuboid_rows(s, stor_segment_find_cuboid(s, 3)), 5);
    ASSERT_STREQ(stor_segment_info(s, "input_rows"), "15");
    const stor_dict_t *da = stor_segment_dict(s, 0), *db = stor_segment_dict(s, 1);
    ASSERT_EQ(stor_dict_ncodes(da), 3);
    ASSERT_EQ(stor_dict_ncodes(db), 3);
    ASSERT_EQ(stor_dict_null_code(db), 2);
    ASSERT_EQ(stor_dict_int(da, 2), 30);
    value_t v = {.u.i = 20};
    ASSERT_EQ(stor_dict_find(da, &v), 1);
    v.u.i = 25;
    ASSERT_EQ(stor_dict_find(da, &v), STOR_CODE_NONE);
    ASSERT_EQ(stor_dict_lower_bound(da, &v), 2);
    ASSERT_EQ(stor_dict_upper_bound(da, &v), 2);
    v.u.i = 20;
    ASSERT_EQ(stor_dict_upper_bound(da, &v), 2);
    value_t t = {.u.s = {"y", 1}};
    ASSERT_EQ(stor_dict_find(db, &t), 1);
    value_t out[3];
    stor_dict_decode(db, (const uint32_t[]){1, 2, 0}, 3, out);
    ASSERT(!out[0].isnull && out[0].u.s.len == 1 && out[0].u.s.p[0] == 'y');
    ASSERT(out[1].isnull);
    const stor_cuboid_t *c;
    ASSERT_EQ(stor_segment_cuboid(s, 3, &c, &err), 0);
    ASSERT_EQ(c->nrows, 5);
    ASSERT_EQ(c->dims[0], 0);
    ASSERT_EQ(c->ncodes[1], 3);
    ASSERT_EQ(stor_cuboid_code(c, 1, 1), 2);
    uint64_t cells[5];
    stor_cuboid_meas(c, 0, 0, 5, cells);
    ASSERT_EQ(cells[4], 5);
    ASSERT_EQ(stor_segment_cuboid(s, 2, &c, &err), -1);
    stor_segment_close(s);
}

static void scan_all(stor_segment_t *s, const stor_scan_spec_t *sp, uint32_t *codes, int64_t *cnt,
                     double *tot, uint32_t *n)
{
    mem_arena_t *a = mem_arena_new(NULL, "scan", 0);
    stor_scan_t *sc;
    err_t err = {0};
    if (stor_scan_open(s, sp, a, &sc, &err) < 0)
        TAP_FAIL("scan_open: %s", err.message);
    const stor_batch_t *b;
    int rc;
    *n = 0;
    while ((rc = stor_scan_next(sc, &b, &err)) > 0)
        for (uint32_t i = 0; i < b->n; i++, (*n)++) {
            for (int k = 0; k < sp->ngroup; k++)
                codes[*n * 2 + k] = b->codes[k][i];
            cnt[*n] = ((const int64_t *)b->meas[0])[i];
            tot[*n] = ((const double *)b->meas[1])[i];
        }
    ASSERT_EQ(rc, 0);
    mem_arena_free(a);
}

static void test_scan(void)
{
    mkroot();
    char dir[300];
    snprintf(dir, sizeof dir, "%s/seg2", root);
    err_t err = {0};
    ASSERT_EQ(write_segment(dir, &err), 0);
    stor_segment_t *s;
    ASSERT_EQ(stor_segment_open(dir, 0, &s, &err), 0);
    uint32_t codes[32], n;
    int64_t cnt[16];
    double tot[16];
    const int ms[] = {0, 1};
    /* whole cuboid */
    stor_scan_spec_t sp = {.cuboid = 3, .ngroup = 2, .group = (const int[]){0, 1}, .nmeasures = 2, .measures = ms};
    scan_all(s, &sp, codes, cnt, tot, &n);
    ASSERT_EQ(n, 5);
    ASSERT_EQ(cnt[3], 4);
    /* filter a = 30 (leading: a seek), b = y (row filter) */
    stor_filter_t f[] = {{0, 1, (const stor_code_range_t[]){{2, 2}}}, {1, 1, (const stor_code_range_t[]){{1, 1}}}};
    sp.nfilters = 2;
    sp.filters = f;
    scan_all(s, &sp, codes, cnt, tot, &n);
    ASSERT_EQ(n, 1);
    ASSERT_EQ(cnt[0], 5);
    /* rollup to b, filter a in [0,1] */
    stor_filter_t f2[] = {{0, 1, (const stor_code_range_t[]){{0, 1}}}};
    stor_scan_spec_t sp2 = {.cuboid = 3, .nfilters = 1, .filters = f2, .ngroup = 1, .group = (const int[]){1},
                            .nmeasures = 2, .measures = ms};
    scan_all(s, &sp2, codes, cnt, tot, &n);
    ASSERT_EQ(n, 3); /* x, y, NULL in code order */
    ASSERT_EQ(codes[0], 0);
    ASSERT_EQ(cnt[0], 1);
    ASSERT_EQ(codes[2], 1);
    ASSERT_EQ(cnt[1], 3);
    ASSERT_EQ(codes[4], 2);
    ASSERT_EQ(cnt[2], 2);
    /* grand total */
    stor_scan_spec_t sp3 = {.cuboid = 1, .nmeasures = 2, .measures = ms};
    scan_all(s, &sp3, codes, cnt, tot, &n);
    ASSERT_EQ(n, 1);
    ASSERT_EQ(cnt[0], 15);
    ASSERT(tot[0] == 17.5);
    /* empty filter */
    stor_filter_t f3[] = {{1, 0, NULL}};
    sp2.filters = f3;
    scan_all(s, &sp2, codes, cnt, tot, &n);
    ASSERT_EQ(n, 0);
    stor_segment_close(s);
}

static void corrupt_byte(const char *path, long off)
{
    int fd = open(path, O_RDWR);
    ASSERT(fd >= 0);
    unsigned char c;
    if (off < 0)
        off += lseek(fd, 0, SEEK_END);
    ASSERT(pread(fd, &c, 1, off) == 1);
    c ^= 0x5a;
    ASSERT(pwrite(fd, &c, 1, off) == 1);
    close(fd);
}

static void expect_corrupt(const char *dir, uint64_t cuboid)
{
    err_t err = {0};
    stor_segment_t *s;
    int rc = stor_segment_open(dir, 0, &s, &err);
    if (rc == 0) {
        const stor_cuboid_t *c;
        rc = stor_segment_cuboid(s, cuboid, &c, &err);
        stor_segment_close(s);
    }
    ASSERT_EQ(rc, -1);
    if (strcmp(err.sqlstate, ERRCODE_DATA_CORRUPTED) != 0)
        TAP_FAIL("expected XX001, got %s: %s", err.sqlstate, err.message);
}

static void test_corruption(void)
{
    mkroot();
    err_t err = {0};
    char dir[300], path[400];
    const char *cub = "c0000000000000003.kcub";
    /* a flipped data byte, a flipped header byte, truncation, in each file */
    struct { const char *file; long off; long trunc; } cases[] = {
        {cub, -3, 0}, {cub, 20, 0}, {cub, 0, 100}, {cub, 0, 10},
        {"dicts.kdic", -1, 0}, {"dicts.kdic", 70, 0}, {"dicts.kdic", 0, 64},
        {"manifest.kseg", 5, 0}, {"manifest.kseg", 0, 30},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(dir, sizeof dir, "%s/corrupt%zu", root, i);
        ASSERT_EQ(write_segment(dir, &err), 0);
        snprintf(path, sizeof path, "%s/%s", dir, cases[i].file);
        if (cases[i].trunc)
            ASSERT_EQ(truncate(path, cases[i].trunc), 0);
        else
            corrupt_byte(path, cases[i].off);
        expect_corrupt(dir, 3);
    }
    /* with STOR_OPEN_NO_VERIFY a flipped data byte is not detected, but a
     * truncation still is */
    snprintf(dir, sizeof dir, "%s/noverify", root);
    ASSERT_EQ(write_segment(dir, &err), 0);
    snprintf(path, sizeof path, "%s/%s", dir, cub);
    ASSERT_EQ(truncate(path, 200), 0);
    stor_segment_t *s;
    ASSERT_EQ(stor_segment_open(dir, STOR_OPEN_NO_VERIFY, &s, &err), 0);
    const stor_cuboid_t *c;
    ASSERT_EQ(stor_segment_cuboid(s, 3, &c, &err), -1);
    ASSERT_STREQ(err.sqlstate, ERRCODE_DATA_CORRUPTED);
    stor_segment_close(s);
    /* missing segment */
    err_clear(&err);
    snprintf(dir, sizeof dir, "%s/nothere", root);
    ASSERT_EQ(stor_segment_open(dir, 0, &s, &err), -1);
    ASSERT_STREQ(err.sqlstate, ERRCODE_UNDEFINED_FILE);
}


/* A cuboid over several blocks whose columns take every encoding: a
 * leading dimension in long runs (RLE), a constant one, a bit-packed one
 * (u16 codes), a count of 1s (0 bits), a sum with a small range (FOR), a
 * sum spanning int64 (RAW) and doubles. */
#define BIG_ROWS 10000u
#define BIG_C 3000u

static int write_big(const char *dir, err_t *err, uint8_t **ca_out, uint16_t **cc_out, int64_t **wide_out)
{
    stor_dim_schema_t dims[] = {{"a", TYPE_INT4}, {"k", TYPE_INT4}, {"c", TYPE_INT4}};
    stor_measure_schema_t ms[] = {{"cnt", STOR_AGG_COUNT, STOR_KIND_INT, TYPE_INT8},
                                  {"small", STOR_AGG_SUM, STOR_KIND_INT, TYPE_INT8},
                                  {"wide", STOR_AGG_SUM, STOR_KIND_INT, TYPE_INT8},
                                  {"dbl", STOR_AGG_MAX, STOR_KIND_FLOAT, TYPE_FLOAT8}};
    stor_schema_t sc = {3, dims, 4, ms, (const int[]){0, 1, 2}};
    stor_writer_t *w;
    if (stor_writer_begin(dir, &sc, &w, err) < 0)
        return -1;
    static int64_t av[7], kv[1], cv[BIG_C];
    for (int i = 0; i < 7; i++)
        av[i] = i;
    kv[0] = 42;
    for (uint32_t i = 0; i < BIG_C; i++)
        cv[i] = i;
    stor_dict_src_t ds[3] = {{.kind = STOR_KIND_INT, .n = 7, .ints = av},
                             {.kind = STOR_KIND_INT, .n = 1, .ints = kv},
                             {.kind = STOR_KIND_INT, .n = BIG_C, .ints = cv}};
    if (stor_writer_put_dicts(w, ds, err) < 0)
        goto fail;
    uint8_t *ca = calloc(BIG_ROWS, 1), *ck = calloc(BIG_ROWS, 1);
    uint16_t *cc = calloc(BIG_ROWS, 2);
    int64_t *cnt = calloc(BIG_ROWS, 8), *small = calloc(BIG_ROWS, 8), *wide = calloc(BIG_ROWS, 8);
    double *dbl = calloc(BIG_ROWS, 8);
    /* rows sorted by (a, k, c) and distinct: a = i / 1500, c rising inside a */
    for (uint32_t i = 0; i < BIG_ROWS; i++) {
        ca[i] = (uint8_t)(i / 1500);
        cc[i] = (uint16_t)((i % 1500) * 2 + (i / 1500) % 2);
        cnt[i] = 1;
        small[i] = 1000 + (int64_t)(i * 7919u % 500);
        wide[i] = (i % 2 ? INT64_MIN / 2 : INT64_MAX / 2) + (int64_t)i;
        dbl[i] = (double)i * 0.5 - 100;
    }
    int rc = stor_writer_put_cuboid(w, 7, BIG_ROWS, (const void *[]){ca, ck, cc},
                                    (const void *[]){cnt, small, wide, dbl}, err);
    free(ck), free(cnt), free(small), free(dbl);
    *ca_out = ca;
    *cc_out = cc;
    *wide_out = wide;
    if (rc < 0)
        goto fail;
    return stor_writer_commit(w, err);
fail:
    stor_writer_abort(w);
    return -1;
}

static void test_encodings(void)
{
    mkroot();
    char dir[300];
    snprintf(dir, sizeof dir, "%s/big", root);
    err_t err = {0};
    uint8_t *ca;
    uint16_t *cc;
    int64_t *wide;
    ASSERT_EQ(write_big(dir, &err, &ca, &cc, &wide), 0);
    stor_segment_t *s;
    ASSERT_EQ(stor_segment_open(dir, 0, &s, &err), 0);
    const stor_cuboid_t *c;
    ASSERT_EQ(stor_segment_cuboid(s, 7, &c, &err), 0);
    ASSERT_EQ(c->nblocks, 3);
    /* random access and range decoding agree with the input, across blocks */
    uint32_t *codes = calloc(BIG_ROWS, 4);
    uint64_t *cells = calloc(BIG_ROWS, 8);
    stor_cuboid_codes(c, 0, 0, BIG_ROWS, codes);
    int bad = 0;
    for (uint32_t i = 0; i < BIG_ROWS; i++)
        bad += codes[i] != ca[i] || stor_cuboid_code(c, 0, i) != ca[i];
    stor_cuboid_codes(c, 2, 17, BIG_ROWS - 3, codes);
    for (uint32_t i = 17; i < BIG_ROWS - 3; i++)
        bad += codes[i - 17] != cc[i] || stor_cuboid_code(c, 2, i) != cc[i] || stor_cuboid_code(c, 1, i) != 0;
    stor_cuboid_meas(c, 2, 4000, 4200, cells);
    for (uint32_t i = 4000; i < 4200; i++)
        bad += (int64_t)cells[i - 4000] != wide[i];
    stor_cuboid_meas(c, 3, 0, BIG_ROWS, cells);
    for (uint32_t i = 0; i < BIG_ROWS; i++) {
        double d;
        memcpy(&d, &cells[i], 8);
        bad += d != (double)i * 0.5 - 100;
    }
    ASSERT_EQ(bad, 0);
    /* a seek on the RLE column plus a filter on the packed one, rolled up */
    mem_arena_t *a = mem_arena_new(NULL, "scan", 0);
    stor_filter_t f[] = {{0, 1, (const stor_code_range_t[]){{2, 3}}}, {2, 1, (const stor_code_range_t[]){{100, 199}}}};
    stor_scan_spec_t sp = {.cuboid = 7, .nfilters = 2, .filters = f, .ngroup = 1, .group = (const int[]){0},
                           .nmeasures = 2, .measures = (const int[]){0, 1}};
    stor_scan_t *scn;
    ASSERT_EQ(stor_scan_open(s, &sp, a, &scn, &err), 0);
    const stor_batch_t *b;
    int64_t want_cnt[7] = {0}, want_small[7] = {0}, got_cnt[7] = {0}, got_small[7] = {0};
    for (uint32_t i = 0; i < BIG_ROWS; i++)
        if (ca[i] >= 2 && ca[i] <= 3 && cc[i] >= 100 && cc[i] <= 199) {
            want_cnt[ca[i]]++;
            want_small[ca[i]] += 1000 + (int64_t)(i * 7919u % 500);
        }
    while (stor_scan_next(scn, &b, &err) > 0)
        for (uint32_t i = 0; i < b->n; i++) {
            got_cnt[b->codes[0][i]] = ((const int64_t *)b->meas[0])[i];
            got_small[b->codes[0][i]] = ((const int64_t *)b->meas[1])[i];
        }
    for (int k = 0; k < 7; k++) {
        ASSERT_EQ(got_cnt[k], want_cnt[k]);
        ASSERT_EQ(got_small[k], want_small[k]);
    }
    ASSERT(stor_scan_rows_touched(scn) <= 3000);
    mem_arena_free(a);
    stor_segment_close(s);
    free(codes), free(cells), free(ca), free(cc), free(wide);
}

/* put_bytes - overwrites n bytes at off of path. */
static void put_bytes(const char *path, long off, const void *p, size_t n)
{
    int fd = open(path, O_RDWR);
    ASSERT(fd >= 0);
    ASSERT(pwrite(fd, p, n, off) == (ssize_t)n);
    close(fd);
}

/* fix_header - recomputes the header checksum after an edit, so the block
 * structure checks (not the checksum) must catch it. Mirrors segment.c. */
extern uint64_t stor_checksum(const void *p, size_t n, uint64_t seed);
static void fix_header(const char *path)
{
    int fd = open(path, O_RDWR);
    unsigned char hdr[4096];
    ssize_t got = pread(fd, hdr, sizeof hdr, 0);
    uint32_t hlen;
    memcpy(&hlen, hdr + 12, 4);
    ASSERT(got >= (ssize_t)hlen);
    unsigned char tmp[64];
    memcpy(tmp, hdr, 64);
    memset(tmp + 60, 0, 4);
    uint64_t h = stor_checksum(tmp, 64, 0);
    h = stor_checksum(hdr + 64, hlen - 64, h);
    uint32_t h32 = (uint32_t)h;
    ASSERT(pwrite(fd, &h32, 4, 60) == 4);
    close(fd);
}

static int open_big_cuboid(const char *dir, int flags, err_t *err)
{
    stor_segment_t *s;
    if (stor_segment_open(dir, flags, &s, err) < 0)
        return -1;
    const stor_cuboid_t *c;
    int rc = stor_segment_cuboid(s, 7, &c, err);
    if (rc == 0) {
        /* whatever a damaged byte did, reading every row must stay in bounds */
        uint32_t *codes = calloc(BIG_ROWS, 4);
        uint64_t *cells = calloc(BIG_ROWS, 8);
        for (int k = 0; k < 3; k++) {
            stor_cuboid_codes(c, k, 0, BIG_ROWS, codes);
            for (uint32_t i = 0; i < BIG_ROWS; i++)
                if (codes[i] >= c->ncodes[k])
                    TAP_FAIL("code %u outside the dictionary", codes[i]);
        }
        for (int m = 0; m < 4; m++)
            stor_cuboid_meas(c, m, 0, BIG_ROWS, cells);
        free(codes), free(cells);
    }
    stor_segment_close(s);
    return rc;
}

static void test_block_corruption(void)
{
    mkroot();
    err_t err = {0};
    char dir[300], path[400];
    const char *cub = "c0000000000000007.kcub";
    /* header: 64 + 7 descriptors * 16 + 4 block offsets * 8 = 208, blocks at 256 */
    const long blk0 = 256;
    for (int i = 0; i < 7; i++) {
        uint8_t *ca;
        uint16_t *cc;
        int64_t *wide;
        snprintf(dir, sizeof dir, "%s/bigc%d", root, i);
        ASSERT_EQ(write_big(dir, &err, &ca, &cc, &wide), 0);
        free(ca), free(cc), free(wide);
        snprintf(path, sizeof path, "%s/%s", dir, cub);
        int flags = STOR_OPEN_NO_VERIFY;
        switch (i) {
        case 0: { /* unknown encoding of column 0 in block 0 */
            unsigned char e = 9;
            put_bytes(path, blk0, &e, 1);
            break;
        }
        case 1: { /* bit width past 32 for a code column */
            unsigned char bw = 40;
            put_bytes(path, blk0 + 16 * 2 + 1, &bw, 1);
            break;
        }
        case 2: { /* block max code past the dictionary */
            uint32_t mx = 5000;
            put_bytes(path, blk0 + 16 * 2 + 12, &mx, 4);
            break;
        }
        case 3: { /* column data offset past the block */
            uint32_t off = 1u << 30;
            put_bytes(path, blk0 + 16 * 3 + 4, &off, 4);
            break;
        }
        case 4: { /* block directory out of order (header checksum fixed) */
            uint64_t off = 100;
            put_bytes(path, 64 + 7 * 16 + 8, &off, 8);
            fix_header(path);
            break;
        }
        case 5: /* a flipped data byte: only the data checksum sees it */
            corrupt_byte(path, -20);
            flags = 0;
            break;
        case 6: { /* an old (version 1) cuboid file */
            uint32_t v = 1;
            put_bytes(path, 8, &v, 4);
            fix_header(path);
            flags = 0;
            break;
        }
        }
        err_clear(&err);
        ASSERT_EQ(open_big_cuboid(dir, flags, &err), -1);
        if (strcmp(err.sqlstate, ERRCODE_DATA_CORRUPTED) != 0)
            TAP_FAIL("case %d: expected XX001, got %s: %s", i, err.sqlstate, err.message);
    }
    /* an unverified flipped data byte may change values but never escapes
     * the dictionaries or the mapping */
    {
        uint8_t *ca;
        uint16_t *cc;
        int64_t *wide;
        snprintf(dir, sizeof dir, "%s/bigflip", root);
        ASSERT_EQ(write_big(dir, &err, &ca, &cc, &wide), 0);
        free(ca), free(cc), free(wide);
        snprintf(path, sizeof path, "%s/%s", dir, cub);
        for (long off = blk0 + 7 * 16; off < blk0 + 7 * 16 + 4000; off += 97)
            corrupt_byte(path, off);
        ASSERT_EQ(open_big_cuboid(dir, STOR_OPEN_NO_VERIFY, &err), 0);
    }
    /* a version 1 manifest (checksum intact) is refused at open */
    snprintf(path, sizeof path, "%s/bigflip/manifest.kseg", root);
    FILE *f = fopen(path, "r");
    ASSERT(f != NULL);
    static char text[8192];
    size_t len = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[len] = '\0';
    ASSERT(!strncmp(text, "kiln-segment 2\n", 15));
    text[13] = '1';
    char *end = strstr(text, "end ");
    ASSERT(end != NULL);
    snprintf(end, 22, "end %016llx\n", (unsigned long long)stor_checksum(text, (size_t)(end - text), 0));
    f = fopen(path, "w");
    ASSERT(f != NULL);
    ASSERT(fputs(text, f) >= 0);
    fclose(f);
    err_clear(&err);
    stor_segment_t *s;
    ASSERT_EQ(stor_segment_open(dir, 0, &s, &err), -1);
    ASSERT(strstr(err.message, "format version 1") != NULL);
    ASSERT_STREQ(err.sqlstate, ERRCODE_DATA_CORRUPTED);
}

static void test_atomic_publish(void)
{
    mkroot();
    err_t err = {0};
    char dir[300];
    snprintf(dir, sizeof dir, "%s/pub", root);
    /* A child that dies in the middle of writing leaves no segment. */
    pid_t pid = fork();
    if (pid == 0) {
        stor_dim_schema_t dims[] = {{"a", TYPE_INT4}};
        stor_measure_schema_t ms[] = {{"cnt", STOR_AGG_COUNT, STOR_KIND_INT, TYPE_INT8}};
        stor_schema_t sc = {1, dims, 1, ms, NULL};
        stor_writer_t *w;
        if (stor_writer_begin(dir, &sc, &w, &err) < 0)
            _exit(2);
        stor_dict_src_t ds = {.kind = STOR_KIND_INT, .n = 3, .ints = ints};
        if (stor_writer_put_dicts(w, &ds, &err) < 0)
            _exit(3);
        _exit(0); /* crash before commit */
    }
    int st;
    waitpid(pid, &st, 0);
    ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    ASSERT(!exists(dir));
    stor_segment_t *s;
    ASSERT_EQ(stor_segment_open(dir, 0, &s, &err), -1);
    ASSERT_EQ(stor_cleanup_tmp(root), 1);
    /* A full write publishes; a second one under the same name is refused
     * and leaves the first intact. */
    ASSERT_EQ(write_segment(dir, &err), 0);
    ASSERT(exists(dir));
    err_clear(&err);
    ASSERT_EQ(write_segment(dir, &err), -1);
    ASSERT_STREQ(err.sqlstate, ERRCODE_DUPLICATE_OBJECT);
    ASSERT_EQ(stor_segment_open(dir, 0, &s, &err), 0);
    stor_segment_close(s);
    ASSERT_EQ(stor_cleanup_tmp(root), 0);
    /* abort removes the temporary directory */
    char dir2[310];
    snprintf(dir2, sizeof dir2, "%s/pub2", root);
    stor_dim_schema_t dims[] = {{"a", TYPE_INT4}};
    stor_schema_t sc = {1, dims, 0, NULL, NULL};
    stor_writer_t *w;
    ASSERT_EQ(stor_writer_begin(dir2, &sc, &w, &err), 0);
    char tmp[400];
    snprintf(tmp, sizeof tmp, "%s", stor_writer_tmp_dir(w));
    ASSERT(exists(tmp));
    stor_writer_abort(w);
    ASSERT(!exists(tmp));
    ASSERT(!exists(dir2));
    /* remove */
    ASSERT_EQ(stor_segment_remove(dir, &err), 0);
    ASSERT(!exists(dir));
}

static void cleanup_root(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    if (system(cmd) != 0)
        fprintf(stderr, "cleanup failed\n");
}

static void test_cleanup(void)
{
    mkroot();
    cleanup_root();
}

int main(void)
{
    mkroot();
    static const tap_test_t tests[] = {
        {"dictionary and cuboid round trip", test_roundtrip},
        {"scan with seeks, filters, rollup", test_scan},
        {"corrupt and truncated files give XX001", test_corruption},
        {"block encodings round trip across blocks", test_encodings},
        {"corrupt blocks and old versions give XX001", test_block_corruption},
        {"atomic publish, crash mid-write, cleanup", test_atomic_publish},
        {"cleanup", test_cleanup},
    };
    int rc = TAP_RUN(tests);
    cleanup_root();
    return rc;
}
