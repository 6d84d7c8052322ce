/*
 * test_catalog_scan.c - the source-file reader (src/catalog/filescan.c) and
 * the file_fdw option checks (src/catalog/copyopts.c): PostgreSQL COPY
 * semantics for csv and text (quoting, escapes, NULL markers, headers, end
 * marker, CRLF), typed conversion on both the fast and the general path,
 * and errors with PostgreSQL's SQLSTATE, message and the file/line/column.
 * Expected values were checked against PostgreSQL 15's file_fdw.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <sys/stat.h>

#include "tap.h"

#include "catalog/filescan.h"
#include "common/buf.h"
#include "types/numeric.h"
#include "types/types.h"

static char tmpdir[64];

static const char *write_file(const char *name, const char *data, size_t len)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    ASSERT(f);
    ASSERT(fwrite(data, 1, len, f) == len);
    fclose(f);
    return path;
}

static catalog_copy_opts_t csv_opts(const char *path, char delim, int header)
{
    catalog_copy_opts_t o;
    memset(&o, 0, sizeof o);
    o.filename = path;
    o.csv = true;
    o.delim = delim;
    o.quote = o.escape = '"';
    o.null = "";
    o.header = header;
    return o;
}

static catalog_copy_opts_t text_opts(const char *path)
{
    catalog_copy_opts_t o;
    memset(&o, 0, sizeof o);
    o.filename = path;
    o.delim = '\t';
    o.null = "\\N";
    o.null_len = 2;
    return o;
}

/* Scans everything (or one part); rows as "v1|v2|..." with NULL as "N", one per line. */
static int scan_rows(const catalog_copy_opts_t *o, const catalog_filepart_t *part, int ncols,
                     const exec_relcol_t *cols, const bool *needed, buf_t *out, err_t *err)
{
    mem_arena_t *a = mem_arena_new(NULL, "t", 0), *scratch = mem_arena_new(NULL, "s", 0);
    value_t *cv[32];
    for (int c = 0; c < ncols; c++)
        cv[c] = mem_alloc(a, sizeof(value_t) * EXEC_BATCH_ROWS);
    exec_batch_t b = { ncols, 0, cv };
    catalog_filescan_t *s;
    memset(err, 0, sizeof *err);
    int rc = 0;
    if ((part ? catalog_filescan_open_part(a, "t", o, ncols, cols, needed, part, &s, err)
              : catalog_filescan_open(a, "t", o, ncols, cols, needed, &s, err)) < 0) {
        rc = -1;
        goto out;
    }
    for (;;) {
        mem_arena_reset(scratch);
        b.nrows = 7; /* small batches: exercise batch boundaries */
        for (int c = 0; c < ncols; c++)
            for (int i = 0; i < 7; i++)
                cv[c][i].isnull = true;
        if (catalog_filescan_next(s, &b, scratch, err) < 0) {
            rc = -1;
            break;
        }
        if (b.nrows == 0)
            break;
        for (int i = 0; i < b.nrows; i++) {
            for (int c = 0; c < ncols; c++) {
                if (c)
                    buf_putc(out, '|');
                if (cv[c][i].isnull)
                    buf_putc(out, 'N');
                else
                    type_out_text(cols[c].type, cols[c].typmod, &cv[c][i], 1, out);
            }
            buf_putc(out, '\n');
        }
    }
    catalog_filescan_close(s);
out:
    mem_arena_free(a);
    mem_arena_free(scratch);
    return rc;
}

static int scan_text(const catalog_copy_opts_t *o, int ncols, const exec_relcol_t *cols, const bool *needed,
                     buf_t *out, err_t *err)
{
    return scan_rows(o, NULL, ncols, cols, needed, out, err);
}

static exec_relcol_t C(const char *name, type_oid_t t, int32_t typmod)
{
    exec_relcol_t c = { name, t, typmod, false };
    return c;
}

#define EXPECT_ROWS(o, n, cols, expected)                                       \
    do {                                                                      \
        buf_t out_ = BUF_INIT;                                                \
        err_t e_;                                                             \
        if (scan_text((o), (n), (cols), NULL, &out_, &e_) < 0)                \
            TAP_FAIL("scan failed: %s %s (%s)", e_.sqlstate, e_.message, e_.detail); \
        ASSERT_STREQ(buf_cstr(&out_), (expected));                            \
        buf_free(&out_);                                                      \
    } while (0)

static void check_detail(const char *got, const char *fmt, const char *path)
{
    char want[512];
    snprintf(want, sizeof want, fmt, path);
    ASSERT_STREQ(got, want);
}

#define EXPECT_ERROR(o, n, cols, state, msg, det)                             \
    do {                                                                      \
        buf_t out_ = BUF_INIT;                                                \
        err_t e_;                                                             \
        if (scan_text((o), (n), (cols), NULL, &out_, &e_) == 0)               \
            TAP_FAIL("scan succeeded: %s", buf_cstr(&out_));                  \
        ASSERT_STREQ(e_.sqlstate, (state));                                   \
        ASSERT_STREQ(e_.message, (msg));                                      \
        const char *det_ = (det);                                             \
        if (det_)                                                             \
            check_detail(e_.detail, det_, (o)->filename);                     \
        buf_free(&out_);                                                      \
    } while (0)

static void test_csv_quoting_nulls_header(void)
{
    static const char data[] = "a,b\n1,abc\n2,\"x,y\"\n3,\"multi\nline\"\n4,\n5,\"\"\n6,\"q\"\"q\"\n";
    const char *p = write_file("b.csv", data, sizeof data - 1);
    catalog_copy_opts_t o = csv_opts(p, ',', CATALOG_HEADER_SKIP);
    exec_relcol_t cols[] = { C("a", TYPE_INT4, -1), C("b", TYPE_TEXT, -1) };
    EXPECT_ROWS(&o, 2, cols, "1|abc\n2|x,y\n3|multi\nline\n4|N\n5|\n6|q\"q\n");
    o.header = CATALOG_HEADER_MATCH;
    EXPECT_ROWS(&o, 2, cols, "1|abc\n2|x,y\n3|multi\nline\n4|N\n5|\n6|q\"q\n");
    exec_relcol_t bad[] = { C("x", TYPE_INT4, -1), C("b", TYPE_TEXT, -1) };
    EXPECT_ERROR(&o, 2, bad, "22P04", "column name mismatch in header line field 1: got \"a\", expected \"x\"",
                 "file \"%s\", line 1");
}

static void test_csv_escape_and_null_marker(void)
{
    static const char data[] = "1;'it\\'s';NULL\n2;'NULL';x\n";
    const char *p = write_file("e.csv", data, sizeof data - 1);
    catalog_copy_opts_t o = csv_opts(p, ';', 0);
    o.quote = '\'';
    o.escape = '\\';
    o.null = "NULL";
    o.null_len = 4;
    exec_relcol_t cols[] = { C("a", TYPE_INT8, -1), C("b", TYPE_VARCHAR, -1), C("c", TYPE_TEXT, -1) };
    /* a quoted NULL marker is a string, as in PostgreSQL */
    EXPECT_ROWS(&o, 3, cols, "1|it's|N\n2|NULL|x\n");
}

static void test_text_format(void)
{
    static const char data[] = "1\tab\\tc\n\\N\t\\N\n3\t\\x41\\101\\\\\n4\tx\\\ny\n";
    const char *p = write_file("c.txt", data, sizeof data - 1);
    catalog_copy_opts_t o = text_opts(p);
    exec_relcol_t cols[] = { C("a", TYPE_INT4, -1), C("b", TYPE_TEXT, -1) };
    EXPECT_ROWS(&o, 2, cols, "1|ab\tc\nN|N\n3|AA\\\n4|x\ny\n");
}

static void test_ssb_trailing_delimiter(void)
{
    static const char data[] = "1|Customer#1|x y|AMERICA|\n2|C2|\xc3\xa9t\xc3\xa9|EUROPE|\n";
    const char *p = write_file("c.tbl", data, sizeof data - 1);
    catalog_copy_opts_t o = csv_opts(p, '|', 0);
    exec_relcol_t cols[] = { C("k", TYPE_INT4, -1), C("n", TYPE_VARCHAR, 25 + 4), C("a", TYPE_VARCHAR, 3 + 4),
                             C("r", TYPE_VARCHAR, 12 + 4), C("pad", TYPE_TEXT, -1) };
    EXPECT_ROWS(&o, 5, cols, "1|Customer#1|x y|AMERICA|N\n2|C2|été|EUROPE|N\n");
}

static void test_types_fast_and_slow_agree(void)
{
    /* Values the fast converters take, next to variants only the general
     * path takes (spaces, '+', quotes): both must give the same values. */
    static const char data[] =
        "-32768|2147483647|-9223372036854775807|1997-09-10|123.45|0.5|1e3|t\n"
        "\" -32768\"|+2147483647|\"-9223372036854775807\"|\" 1997-09-10\"|\"123.45\"|.5|\"1000\"|true\n"
        "0|-0|000000000000000000000000012|2000-01-01|-0.001|-00012.50|-1.5|f\n"
        "7|8|9|2000-02-29|99999999999999999.5|12345678901234567890.12345|2.5e-3|0\n";
    const char *p = write_file("t.tbl", data, sizeof data - 1);
    catalog_copy_opts_t o = csv_opts(p, '|', 0);
    exec_relcol_t cols[] = { C("a", TYPE_INT2, -1), C("b", TYPE_INT4, -1), C("c", TYPE_INT8, -1),
                             C("d", TYPE_DATE, -1), C("e", TYPE_NUMERIC, -1), C("f", TYPE_NUMERIC, -1),
                             C("g", TYPE_FLOAT8, -1), C("h", TYPE_BOOL, -1) };
    EXPECT_ROWS(&o, 8, cols,
                "-32768|2147483647|-9223372036854775807|1997-09-10|123.45|0.5|1000|t\n"
                "-32768|2147483647|-9223372036854775807|1997-09-10|123.45|0.5|1000|t\n"
                "0|0|12|2000-01-01|-0.001|-12.50|-1.5|f\n"
                "7|8|9|2000-02-29|99999999999999999.5|12345678901234567890.12345|0.0025|f\n");
}

/* One random field: the shapes the fast paths take and the ones they must
 * give to the slow path (quotes, '\r', UTF-8, bytes past a value, long). */
static unsigned next_rand(unsigned *seed)
{
    return (*seed = *seed * 1103515245u + 12345u) >> 8;
}

static void random_field(buf_t *b, unsigned *seed)
{
    static const char *tok[] = { "", "0", "-", "-5", "7", "12345678", "-12345678", "123456789", "99999",
                                 "32767", "-32768", "32768", "2147483648", "9223372036854775807",
                                 "9223372036854775808", "007", "+3", "1.5", "-0.25", "1e3", "abc", "a b",
                                 "\xc3\xa9", "\xff", "\"q\"", "a\"b", "x\ry", "\\N", "2000-01-01", "2000-02-30",
                                 "12a", " 1", "1 ", "NaN", "123456789012.125" };
    unsigned r = next_rand(seed);
    if (r % 23 == 0) {
        for (int i = 0; i < 300 + (int)(r % 400); i++)
            buf_putc(b, (char)('a' + i % 26)); /* past FS_INDEX_MAX: the walk */
        return;
    }
    buf_puts(b, tok[r % (sizeof tok / sizeof *tok)]);
}

static void test_index_matches_walk(void)
{
    /* Random records, one file each, scanned with and without the
     * record index: the same rows, or the same error. */
    exec_relcol_t cols[] = { C("a", TYPE_INT4, -1), C("b", TYPE_TEXT, -1), C("c", TYPE_INT2, -1),
                             C("d", TYPE_INT8, -1), C("e", TYPE_VARCHAR, 5 + 4), C("f", TYPE_DATE, -1),
                             C("g", TYPE_NUMERIC, -1), C("h", TYPE_FLOAT8, -1), C("i", TYPE_INT4, -1) };
    const int n = (int)(sizeof cols / sizeof *cols);
    bool needed[9];
    /* values each column takes, NULL (empty) among them */
    static const char *good[9][6] = {
        { "0", "-5", "12345678", "-12345678", "123456789", "" }, { "abc", "a b", "", "x1", "q", "Zz" },
        { "7", "-32768", "32767", "007", "", "1" }, { "9223372036854775807", "-1", "42", "", "0", "1234" },
        { "abcde", "", "x", "ab", "12", "a" }, { "2000-01-01", "1997-09-10", "", "2024-02-29", "0001-01-01", "2000-12-31" },
        { "1.5", "-0.25", "0", "123456789012.125", "", "7" }, { "1.5", "-0.25", "1e3", "", "0", "2" },
        { "1", "22", "-333", "", "4444", "55555" } };
    unsigned seed = 42;
    int differ = 0, indexed_rows = 0;
    for (int t = 0; t < 500; t++) {
        buf_t rec = BUF_INIT;
        unsigned r = next_rand(&seed);
        int nf = n + (r % 17 == 0 ? (r & 64 ? 1 : -1) : 0);
        for (int k = 0; k < 2; k++) { /* two records: a line number past the first */
            int junk = next_rand(&seed) % 3 == 0 ? (int)(next_rand(&seed) % (unsigned)nf) : -1;
            for (int c = 0; c < nf; c++) {
                if (c)
                    buf_putc(&rec, '|');
                if (c == junk || c >= n)
                    random_field(&rec, &seed);
                else
                    buf_puts(&rec, good[c][next_rand(&seed) % 6]);
            }
            buf_puts(&rec, next_rand(&seed) % 13 == 0 ? "\r\n" : "\n");
        }
        for (int c = 0; c < n; c++)
            needed[c] = next_rand(&seed) % 4 != 0;
        const char *p = write_file("r.tbl", buf_cstr(&rec), rec.len);
        catalog_copy_opts_t o = csv_opts(p, '|', 0);
        buf_t out[2] = { BUF_INIT, BUF_INIT };
        err_t e[2];
        int rc[2];
        for (int v = 0; v < 2; v++) {
            catalog_filescan_set_index(v == 0);
            rc[v] = scan_text(&o, n, cols, needed, &out[v], &e[v]);
        }
        catalog_filescan_set_index(true);
        bool same = rc[0] == rc[1] && strcmp(buf_cstr(&out[0]), buf_cstr(&out[1])) == 0 &&
                    (rc[0] == 0 || (strcmp(e[0].sqlstate, e[1].sqlstate) == 0 && strcmp(e[0].message, e[1].message) == 0 &&
                                    strcmp(e[0].detail, e[1].detail) == 0));
        if (!same && differ++ < 3)
            printf("# record %d differs: %s\n", t, buf_cstr(&rec));
        indexed_rows += rc[0] == 0;
        buf_free(&rec);
        buf_free(&out[0]);
        buf_free(&out[1]);
    }
    ASSERT(differ == 0);
    ASSERT(indexed_rows > 50); /* the random records are not all errors */
}

static void test_numeric_typmod(void)
{
    static const char data[] = "1.5\n-2\n0.005\n1234567890123.12\n0\n";
    const char *p = write_file("n.csv", data, sizeof data - 1);
    catalog_copy_opts_t o = csv_opts(p, ',', 0);
    int32_t tm = ((15 << 16) | 2) + 4;
    exec_relcol_t cols[] = { C("n", TYPE_NUMERIC, tm) };
    EXPECT_ROWS(&o, 1, cols, "1.50\n-2.00\n0.01\n1234567890123.12\n0.00\n");
    static const char over[] = "1.5\n12345678901234.5\n";
    p = write_file("n2.csv", over, sizeof over - 1);
    o.filename = p;
    EXPECT_ERROR(&o, 1, cols, "22003", "numeric field overflow", "file \"%s\", line 2, column n");
}

static void test_numeric_fast_matches_numeric_in(void)
{
    /* Every shape num_build produces, compared with numeric_in digit by digit. */
    static const char *vals[] = { "0", "1", "9999", "10000", "123456789012345678", "0.0001", "0.00001",
                                  "1.1", "12345.6789", "100000000.00000001", "-7.250", "0.000000000000001",
                                  "99999999999999.9999", "5000.0000" };
    buf_t file = BUF_INIT, want = BUF_INIT;
    mem_arena_t *a = mem_arena_new(NULL, "n", 0);
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        buf_printf(&file, "%s\n", vals[i]);
        const type_numeric_t *n;
        err_t e;
        memset(&e, 0, sizeof e);
        ASSERT(numeric_in(vals[i], strlen(vals[i]), a, &n, &e) == 0);
        numeric_out(n, &want);
        buf_putc(&want, '\n');
    }
    const char *p = write_file("nf.csv", buf_cstr(&file), file.len);
    catalog_copy_opts_t o = csv_opts(p, ',', 0);
    exec_relcol_t cols[] = { C("n", TYPE_NUMERIC, -1) };
    EXPECT_ROWS(&o, 1, cols, buf_cstr(&want));
    buf_free(&file);
    buf_free(&want);
    mem_arena_free(a);
}

static void test_errors(void)
{
    exec_relcol_t cols[] = { C("a", TYPE_INT4, -1), C("b", TYPE_TEXT, -1) };
    static const char bad[] = "1,abc\n2,\"x,y\"\nz,3\n";
    const char *p = write_file("a.csv", bad, sizeof bad - 1);
    catalog_copy_opts_t o = csv_opts(p, ',', 0);
    EXPECT_ERROR(&o, 2, cols, "22P02", "invalid input syntax for type integer: \"z\"", "file \"%s\", line 3, column a");

    static const char range[] = "1,abc\n99999999999,x\n";
    o.filename = write_file("r.csv", range, sizeof range - 1);
    EXPECT_ERROR(&o, 2, cols, "22003", "value \"99999999999\" is out of range for type integer",
                 "file \"%s\", line 2, column a");

    static const char unterminated[] = "1,\"abc\n";
    o.filename = write_file("u.csv", unterminated, sizeof unterminated - 1);
    EXPECT_ERROR(&o, 2, cols, "22P04", "unterminated CSV quoted field", "file \"%s\", line 1");

    static const char utf[] = "1,abc\n2,\xff\xfe\n";
    o.filename = write_file("f.csv", utf, sizeof utf - 1);
    EXPECT_ERROR(&o, 2, cols, "22021", "invalid byte sequence for encoding \"UTF8\": 0xff", "file \"%s\", line 2");

    exec_relcol_t three[] = { C("a", TYPE_INT4, -1), C("b", TYPE_TEXT, -1), C("c", TYPE_INT4, -1) };
    o.filename = p;
    EXPECT_ERROR(&o, 3, three, "22P04", "missing data for column \"c\"", "file \"%s\", line 1");
    exec_relcol_t one[] = { C("a", TYPE_INT4, -1) };
    EXPECT_ERROR(&o, 1, one, "22P04", "extra data after last expected column", "file \"%s\", line 1");

    exec_relcol_t vc[] = { C("a", TYPE_INT4, -1), C("b", TYPE_VARCHAR, 2 + 4) };
    EXPECT_ERROR(&o, 2, vc, "22001", "value too long for type character varying(2)", "file \"%s\", line 1, column b");

    exec_relcol_t dt[] = { C("a", TYPE_DATE, -1), C("b", TYPE_TEXT, -1) };
    EXPECT_ERROR(&o, 2, dt, "22007", "invalid input syntax for type date: \"1\"", "file \"%s\", line 1, column a");

    static const char feb[] = "1997-02-29,x\n";
    o.filename = write_file("d.csv", feb, sizeof feb - 1);
    EXPECT_ERROR(&o, 2, dt, "22008", "date/time field value out of range: \"1997-02-29\"", "file \"%s\", line 1, column a");

    o.filename = "/nonexistent/kiln/x.csv";
    EXPECT_ERROR(&o, 2, cols, "58P01",
                 "could not open file \"/nonexistent/kiln/x.csv\" for reading: No such file or directory", NULL);
    o.filename = "/tmp";
    EXPECT_ERROR(&o, 2, cols, "42809", "\"/tmp\" is a directory", NULL);
}

static void test_crlf_end_marker_no_final_newline(void)
{
    static const char data[] = "1,a\r\n2,\"b\r\nc\"\r\n3,c";
    catalog_copy_opts_t o = csv_opts(write_file("crlf.csv", data, sizeof data - 1), ',', 0);
    exec_relcol_t cols[] = { C("a", TYPE_INT4, -1), C("b", TYPE_TEXT, -1) };
    EXPECT_ROWS(&o, 2, cols, "1|a\n2|b\r\nc\n3|c\n");
    static const char marker[] = "1\ta\n\\.\n2\tb\n";
    catalog_copy_opts_t t = text_opts(write_file("m.txt", marker, sizeof marker - 1));
    EXPECT_ROWS(&t, 2, cols, "1|a\n");
    static const char cr[] = "1,a\rb\n";
    o.filename = write_file("cr.csv", cr, sizeof cr - 1);
    EXPECT_ERROR(&o, 2, cols, "22P04", "unquoted carriage return found in data", "file \"%s\", line 1");
    static const char empty[] = "";
    o.filename = write_file("empty.csv", empty, 0);
    EXPECT_ROWS(&o, 2, cols, "");
    o.header = CATALOG_HEADER_SKIP;
    EXPECT_ROWS(&o, 2, cols, "");
}

static void test_large_file_buffer_boundaries(void)
{
    /* More than the 4 MB read buffer, with records (and one quoted field with
     * newlines, and a record longer than the buffer) across its boundaries. */
    buf_t f = BUF_INIT;
    long long sum = 0;
    int rows = 0;
    for (int i = 0; f.len < (9u << 20); i++, rows++) {
        if (i % 1000 == 7)
            buf_printf(&f, "%d|\"quoted|with\nnewline %d\"|x\n", i, i);
        else
            buf_printf(&f, "%d|name %d|%s\n", i, i, i % 3 ? "y" : "");
        sum += i;
    }
    buf_printf(&f, "%d|", rows);
    for (int i = 0; i < (5 << 20); i++)
        buf_putc(&f, 'z');
    buf_puts(&f, "|big\n");
    sum += rows++;
    catalog_copy_opts_t o = csv_opts(write_file("big.tbl", buf_cstr(&f), f.len), '|', 0);
    exec_relcol_t cols[] = { C("k", TYPE_INT4, -1), C("n", TYPE_TEXT, -1), C("z", TYPE_TEXT, -1) };
    mem_arena_t *a = mem_arena_new(NULL, "t", 0), *scratch = mem_arena_new(NULL, "s", 0);
    value_t *cv[3];
    for (int c = 0; c < 3; c++)
        cv[c] = mem_alloc(a, sizeof(value_t) * EXEC_BATCH_ROWS);
    exec_batch_t b = { 3, 0, cv };
    catalog_filescan_t *s;
    err_t e;
    memset(&e, 0, sizeof e);
    ASSERT(catalog_filescan_open(a, "big", &o, 3, cols, NULL, &s, &e) == 0);
    long long got = 0;
    int n = 0, quoted = 0;
    for (;;) {
        mem_arena_reset(scratch);
        b.nrows = EXEC_BATCH_ROWS;
        if (catalog_filescan_next(s, &b, scratch, &e) < 0)
            TAP_FAIL("%s %s", e.message, e.detail);
        if (b.nrows == 0)
            break;
        for (int i = 0; i < b.nrows; i++) {
            ASSERT_EQ(cv[0][i].u.i, n);
            got += cv[0][i].u.i;
            if (n % 1000 == 7 && n != rows - 1) {
                char want[64];
                snprintf(want, sizeof want, "quoted|with\nnewline %d", n);
                ASSERT_EQ(cv[1][i].u.s.len, strlen(want));
                ASSERT(memcmp(cv[1][i].u.s.p, want, strlen(want)) == 0);
                quoted++;
            } else if (n != rows - 1) {
                ASSERT_EQ(cv[2][i].isnull, n % 3 == 0);
            } else {
                ASSERT_EQ(cv[1][i].u.s.len, 5 << 20);
            }
            n++;
        }
    }
    ASSERT_EQ(n, rows);
    ASSERT_EQ(got, sum);
    ASSERT(quoted > 100);
    catalog_filescan_close(s);
    mem_arena_free(a);
    mem_arena_free(scratch);
    buf_free(&f);
}

static void test_needed_columns(void)
{
    static const char data[] = "1|\"a|b\"|x\n2|c|notanumber\n";
    catalog_copy_opts_t o = csv_opts(write_file("nd.tbl", data, sizeof data - 1), '|', 0);
    exec_relcol_t cols[] = { C("a", TYPE_INT4, -1), C("b", TYPE_TEXT, -1), C("c", TYPE_INT4, -1) };
    bool needed[] = { true, true, false };
    buf_t out = BUF_INIT;
    err_t e;
    ASSERT(scan_text(&o, 3, cols, needed, &out, &e) == 0);
    ASSERT_STREQ(buf_cstr(&out), "1|a|b|N\n2|c|N\n");
    buf_free(&out);
}

static int opts_error(const char *const *kv, int n, err_t *e)
{
    meta_option_t o[16];
    for (int i = 0; i < n; i++)
        o[i].name = kv[2 * i], o[i].value = kv[2 * i + 1];
    catalog_copy_opts_t co;
    memset(e, 0, sizeof *e);
    return catalog_copy_opts_parse(o, (size_t)n, &co, e);
}

#define OPTS_ERR(state, msg, ...)                                               \
    do {                                                                        \
        static const char *const kv_[] = { __VA_ARGS__ };                       \
        err_t e_;                                                               \
        ASSERT(opts_error(kv_, (int)(sizeof kv_ / sizeof kv_[0] / 2), &e_) < 0); \
        ASSERT_STREQ(e_.sqlstate, state);                                       \
        ASSERT_STREQ(e_.message, msg);                                          \
    } while (0)

static void test_copy_options(void)
{
    /* Messages as PostgreSQL 15's file_fdw gives them for the same OPTIONS. */
    OPTS_ERR("HV002", "either filename or program is required for file_fdw foreign tables", "format", "csv");
    OPTS_ERR("22023", "COPY format \"xml\" not recognized", "filename", "/x", "format", "xml");
    OPTS_ERR("0A000", "COPY delimiter must be a single one-byte character", "filename", "/x", "delimiter", "ab");
    OPTS_ERR("42601", "header requires a Boolean value or \"match\"", "filename", "/x", "header", "maybe");
    OPTS_ERR("0A000", "COPY quote available only in CSV mode", "filename", "/x", "quote", "\"");
    OPTS_ERR("22023", "COPY delimiter and quote must be different", "filename", "/x", "format", "csv", "quote", ",");
    OPTS_ERR("HV00D", "invalid option \"foo\"", "filename", "/x", "foo", "bar");
    OPTS_ERR("42710", "option \"filename\" provided more than once", "filename", "/x", "filename", "/y");
    OPTS_ERR("22023", "COPY delimiter cannot be newline or carriage return", "filename", "/x", "delimiter", "\n");
    OPTS_ERR("22023", "COPY delimiter cannot be \"a\"", "filename", "/x", "format", "text", "delimiter", "a");
    OPTS_ERR("22023", "COPY null representation cannot use newline or carriage return", "filename", "/x", "null",
             "a\nb");
    OPTS_ERR("0A000", "COPY delimiter must not appear in the NULL specification", "filename", "/x", "format", "csv",
             "null", "a,b");
    OPTS_ERR("0A000", "COPY escape available only in CSV mode", "filename", "/x", "escape", "\\");

    meta_option_t ok[] = { { "filename", "/x.tbl" }, { "format", "csv" }, { "delimiter", "|" }, { "header", "on" } };
    catalog_copy_opts_t co;
    err_t e;
    memset(&e, 0, sizeof e);
    ASSERT(catalog_copy_opts_parse(ok, 4, &co, &e) == 0);
    ASSERT(co.csv && co.delim == '|' && co.quote == '"' && co.escape == '"' && co.null_len == 0);
    ASSERT_EQ(co.header, CATALOG_HEADER_SKIP);
    meta_option_t txt[] = { { "filename", "/x.txt" } };
    ASSERT(catalog_copy_opts_parse(txt, 1, &co, &e) == 0);
    ASSERT(!co.csv && co.delim == '\t');
    ASSERT_STREQ(co.null, "\\N");
}

/* ---- parts: one file, several readers ---- */

/* Splits o's file into at most want parts and scans them in order into out;
 * *failed_part gets the part that failed. Parts must tile the file. Returns
 * the number of parts, -1 on a scan error. */
static int scan_split(const catalog_copy_opts_t *o, int want, int ncols, const exec_relcol_t *cols, buf_t *out,
                      err_t *err, int *failed_part)
{
    mem_arena_t *a = mem_arena_new(NULL, "parts", 0);
    catalog_filepart_t *pp;
    int n = 0;
    memset(err, 0, sizeof *err);
    int rc = catalog_filescan_split(o, want, a, &pp, &n, err);
    for (int i = 0; rc == 0 && i < n; i++) {
        ASSERT(i == 0 ? pp[i].start == 0 : pp[i].start == pp[i - 1].end);
        ASSERT(i == n - 1 ? pp[i].end == UINT64_MAX : pp[i].end > pp[i].start);
        rc = scan_rows(o, &pp[i], ncols, cols, NULL, out, err);
        if (rc < 0 && failed_part)
            *failed_part = i;
    }
    mem_arena_free(a);
    return rc < 0 ? -1 : n;
}

/* Every cut (want 2..16 over a small file: nominal boundaries fall on every
 * kind of byte) gives the one reader's rows in the same order. */
static int expect_split_same(const catalog_copy_opts_t *o, int ncols, const exec_relcol_t *cols)
{
    buf_t one = BUF_INIT;
    err_t e;
    if (scan_text(o, ncols, cols, NULL, &one, &e) < 0)
        TAP_FAIL("one reader: %s %s", e.message, e.detail);
    int maxn = 0;
    for (int want = 2; want <= 16; want++) {
        buf_t got = BUF_INIT;
        int n = scan_split(o, want, ncols, cols, &got, &e, NULL);
        if (n < 0)
            TAP_FAIL("%d parts wanted: %s %s", want, e.message, e.detail);
        if (strcmp(buf_cstr(&got), buf_cstr(&one)) != 0)
            TAP_FAIL("%d parts wanted, %d made: rows differ\n--- one reader\n%s\n--- parts\n%s", want, n,
                     buf_cstr(&one), buf_cstr(&got));
        if (n > maxn)
            maxn = n;
        buf_free(&got);
    }
    buf_free(&one);
    return maxn;
}

static void test_split_plain_and_csv_quotes(void)
{
    catalog_filescan_set_min_part(1);
    exec_relcol_t cols[] = { C("k", TYPE_INT4, -1), C("n", TYPE_TEXT, -1), C("z", TYPE_TEXT, -1) };
    buf_t f = BUF_INIT;
    for (int i = 0; i < 200; i++)
        buf_printf(&f, "%d|name %d|%s\n", i, i, i % 3 ? "y" : "");
    catalog_copy_opts_t o = csv_opts(write_file("plain.tbl", buf_cstr(&f), f.len), '|', 0);
    ASSERT(expect_split_same(&o, 3, cols) >= 12);

    /* quoted newlines, doubled quotes, a quote in mid-field, CRLF, a header,
     * and one quoted field spanning many lines (no cut may fall inside) */
    buf_reset(&f);
    buf_puts(&f, "k,n,z\r\n");
    for (int i = 0; i < 200; i++) {
        if (i == 100) {
            buf_printf(&f, "%d,\"long", i);
            for (int k = 0; k < 150; k++)
                buf_printf(&f, "\n%d,\"\"not a row\"\",%d", k, k);
            buf_puts(&f, "\",end\r\n");
        } else if (i % 3 == 0) {
            buf_printf(&f, "%d,\"a\nb \"\"q\"\"\n%d\",x\"y\"\r\n", i, i);
        } else {
            buf_printf(&f, "%d,name %d,%s\n", i, i, i % 2 ? "y" : "");
        }
    }
    o = csv_opts(write_file("quoted.csv", buf_cstr(&f), f.len), ',', CATALOG_HEADER_SKIP);
    ASSERT(expect_split_same(&o, 3, cols) >= 8);
    buf_free(&f);
}

static void test_split_text_escapes(void)
{
    catalog_filescan_set_min_part(1);
    exec_relcol_t cols[] = { C("k", TYPE_INT4, -1), C("n", TYPE_TEXT, -1) };
    buf_t f = BUF_INIT;
    for (int i = 0; i < 300; i++) {
        switch (i % 5) {
        case 0: buf_printf(&f, "%d\tescaped\\\nnewline\n", i); break;          /* data newline */
        case 1: buf_printf(&f, "%d\tbackslash\\\\\n", i); break;                /* ends: "\\" then newline */
        case 2: buf_printf(&f, "%d\t\\N\n", i); break;                          /* NULL */
        case 3: buf_printf(&f, "%d\tthree\\\\\\\nmore\\\\\\\\\n", i); break;    /* odd run, then even run */
        default: buf_printf(&f, "%d\t\\\\\\N\\t\\x41\\101\n", i); break;
        }
    }
    catalog_copy_opts_t o = text_opts(write_file("esc.txt", buf_cstr(&f), f.len));
    ASSERT(expect_split_same(&o, 2, cols) >= 12);

    /* an end-of-data line: after it nothing is read, so no cut is made
     * before it; in the last range it is the last part's, whose reader
     * stops there (the survey reads that range only to its first cut) */
    size_t mark = f.len;
    buf_puts(&f, "\\.\n1\tafter the end\n");
    for (int i = 0; i < 100; i++)
        buf_printf(&f, "%d\tmore\n", i);
    o = text_opts(write_file("end.txt", buf_cstr(&f), f.len));
    mem_arena_t *a = mem_arena_new(NULL, "parts", 0);
    catalog_filepart_t *pp;
    int n;
    err_t e;
    memset(&e, 0, sizeof e);
    ASSERT(catalog_filescan_split(&o, 8, a, &pp, &n, &e) == 0);
    ASSERT_EQ(n, 1);
    ASSERT(catalog_filescan_split(&o, 2, a, &pp, &n, &e) == 0);
    ASSERT_EQ(n, 2);
    ASSERT(pp[1].start <= mark); /* the marker is in the last part */
    ASSERT(expect_split_same(&o, 2, cols) >= 2);

    /* csv with an escape other than the quote: parity says nothing */
    catalog_copy_opts_t c = csv_opts(write_file("bs.csv", "1,\"a\\\"\n\"\n2,b\n", strlen("1,\"a\\\"\n\"\n2,b\n")), ',', 0);
    c.escape = '\\';
    ASSERT(catalog_filescan_split(&c, 8, a, &pp, &n, &e) == 0);
    ASSERT_EQ(n, 1);
    /* small files are not cut at the default size */
    catalog_filescan_set_min_part(16 << 20);
    o.filename = write_file("small.txt", "1\ta\n2\tb\n", 8);
    ASSERT(catalog_filescan_split(&o, 8, a, &pp, &n, &e) == 0);
    ASSERT_EQ(n, 1);
    mem_arena_free(a);
    buf_free(&f);
}

static void test_split_error_line_numbers(void)
{
    /* The bad row is in a later part; its line number counts the header and
     * every record before it, not newlines (quoted ones do not count). */
    catalog_filescan_set_min_part(1);
    exec_relcol_t cols[] = { C("a", TYPE_INT4, -1), C("b", TYPE_TEXT, -1) };
    buf_t f = BUF_INIT;
    buf_puts(&f, "a,b\n");
    for (int i = 0; i < 300; i++) {
        if (i == 250)
            buf_puts(&f, "oops,x\n");
        else
            buf_printf(&f, "%d,\"two\nlines\"\n", i);
    }
    const char *path = write_file("badline.csv", buf_cstr(&f), f.len);
    catalog_copy_opts_t o = csv_opts(path, ',', CATALOG_HEADER_SKIP);
    for (int want = 2; want <= 6; want++) {
        buf_t out = BUF_INIT;
        err_t e;
        int failed = -1;
        ASSERT(scan_split(&o, want, 2, cols, &out, &e, &failed) < 0);
        ASSERT(failed >= 1);
        ASSERT_STREQ(e.sqlstate, "22P02");
        ASSERT_STREQ(e.message, "invalid input syntax for type integer: \"oops\"");
        check_detail(e.detail, "file \"%s\", line 252, column a", path);
        buf_free(&out);
    }
    /* the same in text format after escaped newlines, on the slow path */
    buf_reset(&f);
    for (int i = 0; i < 300; i++)
        buf_printf(&f, i == 280 ? "%d\tnot\\\nutf8 \xff\n" : "%d\tline\\\ncontinued\n", i);
    path = write_file("badline.txt", buf_cstr(&f), f.len);
    o = text_opts(path);
    for (int want = 2; want <= 6; want++) {
        buf_t out = BUF_INIT;
        err_t e;
        int failed = -1;
        ASSERT(scan_split(&o, want, 2, cols, &out, &e, &failed) < 0);
        ASSERT(failed >= 1);
        ASSERT_STREQ(e.sqlstate, "22021");
        check_detail(e.detail, "file \"%s\", line 281", path);
        buf_free(&out);
    }
    buf_free(&f);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/kiln-catscan-XXXXXX");
    if (!mkdtemp(tmpdir))
        return 1;
    static const tap_test_t tests[] = {
        { "csv quoting, NULLs, header skip and match", test_csv_quoting_nulls_header },
        { "csv quote/escape/null options", test_csv_escape_and_null_marker },
        { "text format escapes and \\N", test_text_format },
        { "SSB .tbl trailing delimiter, UTF-8 varchar", test_ssb_trailing_delimiter },
        { "fast and general paths agree on every type", test_types_fast_and_slow_agree },
        { "indexed and walked records agree (random records)", test_index_matches_walk },
        { "numeric(p,s) rounding and overflow", test_numeric_typmod },
        { "fast numerics equal numeric_in", test_numeric_fast_matches_numeric_in },
        { "bad rows: SQLSTATE, message, file/line/column", test_errors },
        { "CRLF, \\. end marker, no final newline, empty file", test_crlf_end_marker_no_final_newline },
        { "large file across buffer boundaries", test_large_file_buffer_boundaries },
        { "unneeded columns are not converted", test_needed_columns },
        { "file_fdw options as PostgreSQL checks them", test_copy_options },
        { "split: parts read the one reader's rows (plain, csv quotes)", test_split_plain_and_csv_quotes },
        { "split: text escapes, end marker, unsplittable options", test_split_text_escapes },
        { "split: an error in a later part has its absolute line", test_split_error_line_numbers },
    };
    int rc = TAP_RUN(tests);
    {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
        if (system(cmd) != 0)
            return 1;
    }
    return rc;
}
