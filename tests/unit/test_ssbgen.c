/*
 * test_ssbgen.c - unit tests of the SSB generator (src/tools/ssbgen.c):
 * row counts per ssb.md's formulas, determinism (same bytes whatever the
 * thread count, chunks independent of each other), value domains, derived
 * prices and referential integrity of the generated .tbl files at SF 0.01.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/mem.h"
#include "tap.h"
#include "tools/ssbgen.h"

/* ---- helpers ---- */

static char *read_file(const char *dir, const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        TAP_FAIL("cannot open %s", path);
    buf_t b = BUF_INIT;
    char tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
        buf_append(&b, tmp, n);
    fclose(f);
    *len = b.len;
    buf_cstr(&b);
    return b.data;
}

static uint64_t fnv1a(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static void make_dir(char *out, size_t n)
{
    snprintf(out, n, "/tmp/kiln-test-ssbgen.XXXXXX");
    if (!mkdtemp(out))
        TAP_FAIL("mkdtemp failed");
}

static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char path[512];
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

static void generate(const char *dir, double sf, int threads)
{
    err_t err = { 0 };
    ssbgen_scale_t s;
    ASSERT(ssbgen_scale_init(&s, sf, &err) == 0);
    for (int t = 0; t < SSBGEN__COUNT; t++) {
        if (ssbgen_write_table(&s, (ssbgen_table_t)t, dir, threads, NULL, &err) != 0)
            TAP_FAIL("write %s: %s", ssbgen_table_name((ssbgen_table_t)t), err.message);
    }
}

/* Splits a line (no newline) into fields at '|'; the trailing '|' must be
 * there and leaves no extra field. Returns the field count. */
#define MAX_FIELDS 24
static int split(char *line, char **f)
{
    int n = 0;
    char *p = line;
    size_t len = strlen(line);
    if (len == 0 || line[len - 1] != '|')
        TAP_FAIL("line without trailing '|': %s", line);
    line[len - 1] = '\0';
    for (;;) {
        char *bar = strchr(p, '|');
        if (n >= MAX_FIELDS)
            TAP_FAIL("too many fields");
        f[n++] = p;
        if (!bar)
            break;
        *bar = '\0';
        p = bar + 1;
    }
    return n;
}

/* Iterates over the lines of a NUL-terminated text, destructively. */
static char *next_line(char **cursor)
{
    char *p = *cursor;
    if (!*p)
        return NULL;
    char *nl = strchr(p, '\n');
    if (!nl)
        TAP_FAIL("last line without newline");
    *nl = '\0';
    *cursor = nl + 1;
    return p;
}

static long num(const char *s)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end)
        TAP_FAIL("not an integer: \"%s\"", s);
    return v;
}

static int64_t rprice(int64_t p)
{
    return 90000 + ((p / 10) % 20001) + (p % 1000) * 100;
}

/* ---- tests ---- */

static void test_scale_formulas(void)
{
    err_t err = { 0 };
    ssbgen_scale_t s;
    ASSERT(ssbgen_scale_init(&s, 1, &err) == 0);
    ASSERT_EQ(s.customers, 30000);
    ASSERT_EQ(s.suppliers, 2000);
    ASSERT_EQ(s.parts, 200000);
    ASSERT_EQ(s.orders, 1500000);
    ASSERT_EQ(s.partkey_max, 200000);
    ASSERT(ssbgen_scale_init(&s, 10, &err) == 0);
    ASSERT_EQ(s.customers, 300000);
    ASSERT_EQ(s.suppliers, 20000);
    ASSERT_EQ(s.parts, 800000);
    ASSERT_EQ(s.partkey_max, 600000); /* dbgen's ln instead of log2 (ssb.md 5.7) */
    ASSERT(ssbgen_scale_init(&s, 20, &err) == 0);
    ASSERT_EQ(s.parts, 1000000);
    ASSERT(ssbgen_scale_init(&s, 100, &err) == 0);
    ASSERT_EQ(s.parts, 1400000);
    ASSERT_EQ(s.partkey_max, 1000000);
    ASSERT_EQ(s.customers, 3000000);
    ASSERT(ssbgen_scale_init(&s, 1000, &err) == 0);
    ASSERT_EQ(s.parts, 2000000);
    ASSERT_EQ(s.orders, 1500000000LL);
    ASSERT(ssbgen_scale_init(&s, 0.01, &err) == 0);
    ASSERT_EQ(s.customers, 300);
    ASSERT_EQ(s.suppliers, 20);
    ASSERT_EQ(s.parts, 2000);
    ASSERT_EQ(s.orders, 15000);
    ASSERT_EQ(s.partkey_max, 2000);
    ASSERT(ssbgen_scale_init(&s, 0.1, &err) == 0);
    ASSERT_EQ(s.customers, 3000);
    ASSERT_EQ(s.orders, 150000);
    ASSERT_EQ(ssbgen_units(&s, SSBGEN_DATE), 2556);
    err_clear(&err);
    ASSERT(ssbgen_scale_init(&s, 0, &err) < 0);
    ASSERT_STREQ(err.sqlstate, "22023");
    err_clear(&err);
    ASSERT(ssbgen_scale_init(&s, -1, &err) < 0);
    err_clear(&err);
    ASSERT(ssbgen_scale_init(&s, 1e-6, &err) < 0);
    err_clear(&err);
    ASSERT(ssbgen_scale_init(&s, 5000, &err) < 0);
}

static void test_keys_and_dates(void)
{
    for (int i = 1; i <= 7; i++)
        ASSERT_EQ(ssbgen_sparse_key(i), i);
    ASSERT_EQ(ssbgen_sparse_key(8), 32);
    ASSERT_EQ(ssbgen_sparse_key(15), 39);
    ASSERT_EQ(ssbgen_sparse_key(16), 64);
    ASSERT_EQ(ssbgen_sparse_key(1500000), 6000000);
    ASSERT_EQ(ssbgen_date_key(0), 19920101);
    ASSERT_EQ(ssbgen_date_key(59), 19920229);
    ASSERT_EQ(ssbgen_date_key(366), 19930101);
    ASSERT_EQ(ssbgen_date_key(2405), 19980802); /* last order date */
    ASSERT_EQ(ssbgen_date_key(2555), 19981230); /* last row of the date table */
    ASSERT_EQ(ssbgen_table_parse("lineorder"), SSBGEN_LINEORDER);
    ASSERT_EQ(ssbgen_table_parse("d"), SSBGEN_DATE);
    ASSERT_EQ(ssbgen_table_parse("dates"), SSBGEN_DATE);
    ASSERT_EQ(ssbgen_table_parse("x"), -1);
}

static void test_deterministic(void)
{
    char d1[64], d2[64];
    make_dir(d1, sizeof(d1));
    make_dir(d2, sizeof(d2));
    generate(d1, 0.01, 1);
    generate(d2, 0.01, 3);
    static const char *const files[] = { "lineorder.tbl", "customer.tbl", "supplier.tbl", "part.tbl", "date.tbl" };
    for (int i = 0; i < 5; i++) {
        size_t n1, n2;
        char *a = read_file(d1, files[i], &n1);
        char *b = read_file(d2, files[i], &n2);
        ASSERT(n1 > 0);
        ASSERT_EQ(n1, n2);
        ASSERT_EQ(fnv1a(a, n1), fnv1a(b, n2));
        mem_free(a);
        mem_free(b);
    }
    /* a second run into the same directory replaces the files with the same bytes */
    size_t n1, n2;
    char *a = read_file(d1, "lineorder.tbl", &n1);
    generate(d1, 0.01, 2);
    char *b = read_file(d1, "lineorder.tbl", &n2);
    ASSERT_EQ(n1, n2);
    ASSERT(memcmp(a, b, n1) == 0);
    mem_free(a);
    mem_free(b);
    remove_dir(d1);
    remove_dir(d2);
}

static void test_chunks_independent(void)
{
    err_t err = { 0 };
    ssbgen_scale_t s;
    ASSERT(ssbgen_scale_init(&s, 0.01, &err) == 0);
    for (int t = 0; t < SSBGEN__COUNT; t++) {
        buf_t whole = BUF_INIT, parts = BUF_INIT;
        int64_t units = ssbgen_units(&s, (ssbgen_table_t)t);
        int64_t rows = ssbgen_gen_chunk(&s, (ssbgen_table_t)t, 0, units, &whole);
        int64_t rows2 = 0;
        /* Generated back to front in odd sizes, joined in order at the end
         * (prepending each piece copied megabytes per piece: minutes under valgrind). */
        int64_t npieces = (units + 36) / 37, k = npieces;
        buf_t *pieces = mem_calloc((size_t)(npieces ? npieces : 1), sizeof *pieces);
        for (int64_t first = units; first > 0;) {
            int64_t n = first >= 37 ? 37 : first;
            first -= n;
            rows2 += ssbgen_gen_chunk(&s, (ssbgen_table_t)t, first, n, &pieces[--k]);
        }
        ASSERT_EQ(k, 0);
        for (int64_t i = 0; i < npieces; i++) {
            buf_append(&parts, pieces[i].data, pieces[i].len);
            buf_free(&pieces[i]);
        }
        mem_free(pieces);
        ASSERT_EQ(rows, rows2);
        ASSERT_EQ(whole.len, parts.len);
        ASSERT(memcmp(whole.data, parts.data, whole.len) == 0);
        buf_free(&whole);
        buf_free(&parts);
    }
}

/* Reference facts from one generated data set, shared by the domain tests. */
static char dir[64];
static int date_ok[19990000 - 19920000]; /* datekey - 19920000 -> day index + 1 */

static void load_dates(void)
{
    size_t n;
    char *text = read_file(dir, "date.tbl", &n), *cur = text, *line;
    char *f[MAX_FIELDS];
    int rows = 0, week6_1994 = 0;
    memset(date_ok, 0, sizeof(date_ok));
    while ((line = next_line(&cur)) != NULL) {
        ASSERT_EQ(split(line, f), 17);
        long key = num(f[0]);
        ASSERT(key >= 19920101 && key <= 19981230);
        ASSERT_EQ(key, ssbgen_date_key(rows));
        date_ok[key - 19920000] = ++rows;
        long y = num(f[4]), m = num(f[10]), d = num(f[8]);
        ASSERT_EQ(key, y * 10000 + m * 100 + d);
        ASSERT_EQ(num(f[5]), y * 100 + m);
        ASSERT(num(f[7]) >= 1 && num(f[7]) <= 7);
        ASSERT(num(f[11]) >= 1 && num(f[11]) <= 53);
        ASSERT_EQ(num(f[11]), num(f[9]) / 7 + 1);
        ASSERT_EQ(strlen(f[6]), 7);
        if (y == 1994 && num(f[11]) == 6) {
            ASSERT(key >= 19940204 && key <= 19940210); /* Q1.3's week: Feb 4-10 */
            week6_1994++;
        }
    }
    ASSERT_EQ(rows, 2556);
    ASSERT_EQ(week6_1994, 7);
    mem_free(text);
}

static void test_date_table(void)
{
    make_dir(dir, sizeof(dir));
    generate(dir, 0.01, 2);
    load_dates();
    size_t n;
    char *text = read_file(dir, "date.tbl", &n);
    /* dbgen's quirks: day name shifted by one, inverted last-day-of-month flag */
    static const char first[] = "19920101|January 1, 1992|Thursday|January|1992|199201|Jan1992|5|1|1|1|1|Winter|0|1|1|1|\n";
    ASSERT(strncmp(text, first, sizeof(first) - 1) == 0);
    ASSERT(strstr(text, "\n19920831|Augest 31, 1992|Tuesday|Augest|1992|199208|Aug1992|3|31|244|8|35|Summer|0|0|0|1|\n"));
    ASSERT(strstr(text, "|Octorber|"));
    ASSERT(strstr(text, "\n19981230|December 30, 1998|"));
    ASSERT(strstr(text, "19981231|") == NULL);
    mem_free(text);
    remove_dir(dir);
}

static void test_dimensions(void)
{
    make_dir(dir, sizeof(dir));
    generate(dir, 0.01, 2);
    char *f[MAX_FIELDS], *line, *cur;
    size_t n;
    static const char *const reg[] = { "AFRICA", "AMERICA", "ASIA", "EUROPE", "MIDDLE EAST" };

    char *text = read_file(dir, "customer.tbl", &n);
    int rows = 0, seg[5] = { 0 };
    cur = text;
    while ((line = next_line(&cur)) != NULL) {
        ASSERT_EQ(split(line, f), 8);
        ASSERT_EQ(num(f[0]), ++rows);
        char name[32];
        snprintf(name, sizeof(name), "Customer#%09d", rows);
        ASSERT_STREQ(f[1], name);
        ASSERT(strlen(f[2]) >= 6 && strlen(f[2]) <= 24);
        ASSERT(strchr(f[2], '"') == NULL);
        ASSERT_EQ(strlen(f[3]), 10);
        ASSERT(strncmp(f[3], f[4], strlen(f[4]) < 9 ? strlen(f[4]) : 9) == 0);
        ASSERT(f[3][9] >= '0' && f[3][9] <= '9');
        int ok = 0;
        for (int r = 0; r < 5; r++)
            ok |= strcmp(f[5], reg[r]) == 0;
        ASSERT(ok);
        ASSERT_EQ(strlen(f[6]), 15);
        ASSERT(f[6][2] == '-' && f[6][6] == '-' && f[6][10] == '-');
        ASSERT(num((char[]){ f[6][0], f[6][1], 0 }) >= 10 && num((char[]){ f[6][0], f[6][1], 0 }) <= 34);
        static const char *const segs[] = { "AUTOMOBILE", "BUILDING", "FURNITURE", "HOUSEHOLD", "MACHINERY" };
        for (int s = 0; s < 5; s++)
            seg[s] += strcmp(f[7], segs[s]) == 0;
    }
    ASSERT_EQ(rows, 300);
    ASSERT_EQ(seg[0] + seg[1] + seg[2] + seg[3] + seg[4], 300);
    for (int s = 0; s < 5; s++)
        ASSERT(seg[s] > 30); /* roughly uniform: 60 expected */
    mem_free(text);

    text = read_file(dir, "supplier.tbl", &n);
    rows = 0;
    cur = text;
    while ((line = next_line(&cur)) != NULL) {
        ASSERT_EQ(split(line, f), 7);
        ASSERT_EQ(num(f[0]), ++rows);
        ASSERT(strncmp(f[1], "Supplier#0000000", 16) == 0);
        ASSERT_EQ(strlen(f[3]), 10);
    }
    ASSERT_EQ(rows, 20);
    mem_free(text);

    text = read_file(dir, "part.tbl", &n);
    rows = 0;
    cur = text;
    while ((line = next_line(&cur)) != NULL) {
        ASSERT_EQ(split(line, f), 9);
        ASSERT_EQ(num(f[0]), ++rows);
        ASSERT(strlen(f[1]) >= 7 && strlen(f[1]) <= 21);
        ASSERT(strchr(f[1], ' ') != NULL);
        { /* p_name: two colours, p_color a third one */
            char w[64];
            snprintf(w, sizeof(w), "%s", f[1]);
            char *sp = strchr(w, ' ');
            ASSERT(sp && !strchr(sp + 1, ' '));
            *sp = '\0';
            ASSERT(strcmp(w, sp + 1) != 0 && strcmp(w, f[5]) != 0 && strcmp(sp + 1, f[5]) != 0);
        }
        ASSERT_EQ(strlen(f[2]), 6);
        ASSERT(strncmp(f[2], "MFGR#", 5) == 0 && f[2][5] >= '1' && f[2][5] <= '5');
        ASSERT_EQ(strlen(f[3]), 7);
        ASSERT(strncmp(f[3], f[2], 6) == 0 && f[3][6] >= '1' && f[3][6] <= '5');
        ASSERT(strncmp(f[4], f[3], 7) == 0);
        long brand = num(f[4] + 7);
        ASSERT(brand >= 1 && brand <= 40);
        ASSERT(num(f[7]) >= 1 && num(f[7]) <= 50);
        ASSERT(strchr(f[6], ' ') != NULL);
        ASSERT(strchr(f[8], ' ') != NULL);
    }
    ASSERT_EQ(rows, 2000);
    mem_free(text);
    remove_dir(dir);
}

static void test_lineorder(void)
{
    make_dir(dir, sizeof(dir));
    generate(dir, 0.01, 2);
    load_dates();
    size_t n;
    char *text = read_file(dir, "lineorder.tbl", &n), *cur = text, *line;
    char *f[MAX_FIELDS];
    long rows = 0, orders = 0, last_okey = 0, expect_line = 1;
    long order_total = 0, sum_total = 0, order_date = 0;
    int custs_seen[301] = { 0 }, disc_seen[11] = { 0 };
    long min_od = 99999999, max_od = 0;
    while ((line = next_line(&cur)) != NULL) {
        ASSERT_EQ(split(line, f), 17);
        rows++;
        long okey = num(f[0]), ln = num(f[1]);
        if (okey != last_okey) {
            if (orders)
                ASSERT_EQ(sum_total, order_total);
            ASSERT(okey > last_okey);
            ASSERT(ln == 1);
            orders++;
            ASSERT_EQ(okey, ssbgen_sparse_key(orders));
            last_okey = okey;
            expect_line = 1;
            sum_total = 0;
            order_total = num(f[10]);
            order_date = num(f[5]);
        }
        ASSERT_EQ(ln, expect_line);
        expect_line++;
        ASSERT(ln <= 7);
        long cust = num(f[2]), part = num(f[3]), supp = num(f[4]);
        ASSERT(cust >= 1 && cust <= 300 && cust % 3 != 0);
        custs_seen[cust] = 1;
        ASSERT(part >= 1 && part <= 2000);
        ASSERT(supp >= 1 && supp <= 20);
        long od = num(f[5]), cd = num(f[15]);
        ASSERT_EQ(od, order_date);
        ASSERT(od >= 19920101 && od <= 19980802);
        ASSERT(date_ok[od - 19920000] > 0); /* references the date table */
        ASSERT(cd >= 19920131 && cd <= 19981031 && cd - 19920000 < (long)(sizeof(date_ok) / sizeof(int)));
        ASSERT(date_ok[cd - 19920000] > 0);
        int gap = date_ok[cd - 19920000] - date_ok[od - 19920000];
        ASSERT(gap >= 30 && gap <= 90);
        ASSERT(f[6][0] >= '1' && f[6][0] <= '5' && f[6][1] == '-');
        ASSERT_STREQ(f[7], "0");
        long qty = num(f[8]), ext = num(f[9]), disc = num(f[11]), rev = num(f[12]), cost = num(f[13]), tax = num(f[14]);
        ASSERT(qty >= 1 && qty <= 50);
        ASSERT(disc >= 0 && disc <= 10);
        disc_seen[disc] = 1;
        ASSERT(tax >= 0 && tax <= 8);
        ASSERT_EQ(ext, rprice(part) * qty);
        ASSERT_EQ(rev, ext * (100 - disc) / 100);
        ASSERT_EQ(cost, 6 * rprice(part) / 10);
        ASSERT(ext >= 90100 && ext <= 10494950);
        sum_total += rev * (100 + tax) / 100;
        ASSERT(strlen(f[16]) >= 3 && strlen(f[16]) <= 7);
        if (od < min_od)
            min_od = od;
        if (od > max_od)
            max_od = od;
    }
    ASSERT_EQ(sum_total, order_total);
    ASSERT_EQ(orders, 15000);
    /* U[1,7] lines per order: 4 on average; 60,000 +- 3% at this size */
    ASSERT(rows > 58200 && rows < 61800);
    int distinct = 0;
    for (int c = 1; c <= 300; c++)
        distinct += custs_seen[c];
    ASSERT_EQ(distinct, 200); /* the 100 multiples of 3 never order; all others do */
    for (int d = 0; d <= 10; d++)
        ASSERT(disc_seen[d]);
    ASSERT(min_od < 19920201 && max_od > 19980701);
    mem_free(text);
    remove_dir(dir);
}

static void test_write_errors(void)
{
    err_t err = { 0 };
    ssbgen_scale_t s;
    ASSERT(ssbgen_scale_init(&s, 0.01, &err) == 0);
    ASSERT(ssbgen_write_table(&s, SSBGEN_SUPPLIER, "/nonexistent/dir", 1, NULL, &err) < 0);
    ASSERT_STREQ(err.sqlstate, "58030");
    ASSERT(strstr(err.message, "/nonexistent/dir/supplier.tbl") != NULL);
}

static const tap_test_t tests[] = {
    { "scale factor formulas (ssb.md section 3)", test_scale_formulas },
    { "sparse order keys and date keys", test_keys_and_dates },
    { "same bytes for any thread count and on re-run", test_deterministic },
    { "chunks generate independently", test_chunks_independent },
    { "date table rows and dbgen quirks", test_date_table },
    { "customer, supplier, part domains", test_dimensions },
    { "lineorder domains, prices and keys", test_lineorder },
    { "write errors name the file", test_write_errors },
};

int main(void)
{
    return TAP_RUN(tests);
}
