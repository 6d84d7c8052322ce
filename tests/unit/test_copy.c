/*
 * test_copy.c - unit tests of src/protocol/copy.c: COPY's text and csv
 * attribute encodings and its Copy*Response messages, table-driven. The
 * expected bytes are what PostgreSQL 15 writes for the same values (checked
 * with COPY (SELECT ...) TO STDOUT against a real server).
 */
#include <string.h>

#include "common/buf.h"
#include "protocol/copy.h"
#include "tap.h"

static void expect_bytes(const buf_t *b, const char *want, size_t n)
{
    if (b->len != n || memcmp(b->data, want, n) != 0)
        TAP_FAIL("got \"%.*s\" (%zu bytes), want \"%.*s\" (%zu bytes)", (int)b->len, b->data ? b->data : "",
                 b->len, (int)n, want, n);
}

typedef struct text_case {
    const char *in;
    char delim;
    const char *out;
} text_case_t;

static void test_text(void)
{
    static const text_case_t cases[] = {
        { "plain", '\t', "plain" },
        { "", '\t', "" },
        { "a\tb", '\t', "a\\tb" },
        { "back\\slash", '\t', "back\\\\slash" },
        { "line\nfeed\rcr", '\t', "line\\nfeed\\rcr" },
        { "\b\f\v", '\t', "\\b\\f\\v" },
        { "\x01\x1f", '\t', "\x01\x1f" },        /* other controls pass through */
        { "a,b", ',', "a\\,b" },                 /* the delimiter is backslashed */
        { "a\tb", ',', "a\\tb" },
        { "a|b\\|", '|', "a\\|b\\\\\\|" },
        { "\x01x\x01", '\x01', "\\\x01x\\\x01" }, /* a control delimiter, as itself */
        { "\\N", '\t', "\\\\N" },                /* a value spelled like NULL stays a value */
        { "h\xc3\xa9llo", '\t', "h\xc3\xa9llo" }, /* UTF-8 untouched */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        buf_t b = BUF_INIT;
        pgp_copy_text_attr(&b, cases[i].in, strlen(cases[i].in), cases[i].delim);
        expect_bytes(&b, cases[i].out, strlen(cases[i].out));
        buf_free(&b);
    }
}

typedef struct csv_case {
    const char *in;
    char delim, quote, escape;
    const char *null_print;
    bool force, single;
    const char *out;
} csv_case_t;

static void test_csv(void)
{
    static const csv_case_t cases[] = {
        { "plain", ',', '"', '"', "", false, false, "plain" },
        { "", ',', '"', '"', "", false, false, "\"\"" },         /* empty string vs NULL */
        { "a,b", ',', '"', '"', "", false, false, "\"a,b\"" },
        { "q\"u", ',', '"', '"', "", false, false, "\"q\"\"u\"" },
        { "x\ny", ',', '"', '"', "", false, false, "\"x\ny\"" },
        { "x\ry", ',', '"', '"', "", false, false, "\"x\ry\"" },
        { "x\ty\\z", ',', '"', '"', "", false, false, "x\ty\\z" }, /* no escapes in csv */
        { "1", ',', '"', '"', "", true, false, "\"1\"" },       /* FORCE_QUOTE */
        { "NULL", ',', '"', '"', "NULL", false, false, "\"NULL\"" },
        { "\\.", ',', '"', '"', "", false, true, "\"\\.\"" },  /* the end marker alone */
        { "\\.", ',', '"', '"', "", false, false, "\\." },
        { "a;b", ';', '"', '"', "", false, false, "\"a;b\"" },
        { "a,b", ';', '"', '"', "", false, false, "a,b" },
        { "a'b\\c", ',', '\'', '\\', "", false, false, "'a\\'b\\\\c'" }, /* QUOTE '''', ESCAPE '\' */
        { "a\\b", ',', '\'', '\\', "", false, false, "a\\b" },          /* escape alone: no quoting */
        { "{\"a b\",NULL}", ',', '\'', '\\', "", false, false, "'{\"a b\",NULL}'" }, /* the comma quotes it */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const csv_case_t *c = &cases[i];
        pgp_copy_opts_t o = { true, c->delim, c->quote, c->escape, c->null_print, strlen(c->null_print) };
        buf_t b = BUF_INIT;
        pgp_copy_attr(&b, c->in, strlen(c->in), &o, c->force, c->single);
        expect_bytes(&b, c->out, strlen(c->out));
        buf_free(&b);
    }
}

static void test_messages(void)
{
    buf_t b = BUF_INIT;
    pgp_put_copy_response(&b, 'H', 0, 2);
    expect_bytes(&b, "H\0\0\0\x0b\0\0\x02\0\0\0\0", 12);
    buf_reset(&b);
    pgp_put_copy_response(&b, 'G', 0, 1);
    expect_bytes(&b, "G\0\0\0\x09\0\0\x01\0\0", 10);
    buf_reset(&b);
    pgp_put_copy_response(&b, 'H', 1, 1);
    expect_bytes(&b, "H\0\0\0\x09\x01\0\x01\0\x01", 10);
    buf_reset(&b);
    pgp_copy_binary_header(&b);
    expect_bytes(&b, "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0", 19);
    buf_free(&b);
}

int main(void)
{
    static const tap_test_t tests[] = {
        { "copy text attributes", test_text },
        { "copy csv attributes", test_csv },
        { "copy messages", test_messages },
    };
    return TAP_RUN(tests);
}
