/*
 * test_common.c - unit tests of src/common: arenas, budgets, buffers, options.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/cfg.h"
#include "common/mem.h"
#include "tap.h"

static void test_arena_basic(void)
{
    mem_arena_t *root = mem_arena_new(NULL, "root", 0);
    mem_arena_t *child = mem_arena_new(root, "child", 0);
    char *s = mem_astrdup(child, "hello");
    ASSERT_STREQ(s, "hello");
    for (int i = 0; i < 10000; i++) {
        int *p = mem_alloc(child, 100);
        ASSERT(((uintptr_t)p & 15) == 0);
        p[0] = i;
    }
    void *big = mem_alloc(child, 10 << 20);
    ASSERT(big != NULL);
    ASSERT(mem_arena_used(root) >= (10u << 20));
    mem_arena_reset(child);
    ASSERT(mem_arena_used(root) <= 16384);
    mem_arena_free(root);
}

static int cleanup_count;
static void count_cleanup(void *arg)
{
    cleanup_count += *(int *)arg;
}

static void test_arena_cleanup(void)
{
    static int one = 1;
    mem_arena_t *a = mem_arena_new(NULL, "a", 0);
    mem_arena_t *b = mem_arena_new(a, "b", 0);
    mem_arena_on_free(a, count_cleanup, &one);
    mem_arena_on_free(b, count_cleanup, &one);
    mem_arena_reset(a); /* runs both: b is a's child */
    ASSERT_EQ(cleanup_count, 2);
    mem_arena_free(a);
    ASSERT_EQ(cleanup_count, 2);
}

/* An arena freed on a thread of its own: the cleanups (its children's
 * too) have run when the call returns, and it has left its parent. */
static void bump(void *arg)
{
    ++*(int *)arg;
}

static void test_arena_free_async(void)
{
    int n = 0;
    mem_arena_t *root = mem_arena_new(NULL, "root", 0);
    mem_arena_t *big = mem_arena_new(root, "big", 0);
    mem_arena_t *kid = mem_arena_new(big, "kid", 0);
    mem_arena_on_free(big, bump, &n);
    mem_arena_on_free(kid, bump, &n);
    for (int i = 0; i < 80; i++)
        memset(mem_alloc(i % 2 ? big : kid, (size_t)1 << 20), i, (size_t)1 << 20);
    size_t before = mem_arena_used(root);
    ASSERT(before >= (size_t)80 << 20);
    mem_arena_free_async(big);
    ASSERT_EQ(n, 2);
    ASSERT(mem_arena_used(root) < ((size_t)1 << 20));
    char *p = mem_alloc(root, 100); /* the parent lives on */
    p[99] = 1;
    mem_arena_t *small = mem_arena_new(root, "small", 0);
    mem_arena_on_free(small, bump, &n);
    mem_arena_free_async(small); /* small: freed inline */
    ASSERT_EQ(n, 3);
    mem_arena_free(root);
}

static void test_arena_budget(void)
{
    mem_arena_t *q = mem_arena_new(NULL, "query", 1 << 20);
    mem_arena_t *batch = mem_arena_new(q, "batch", 0);
    int failed = 0;
    for (int i = 0; i < 1000 && !failed; i++)
        failed = mem_alloc_try(batch, 4096) == NULL;
    ASSERT(failed); /* the parent's budget covers the child */
    ASSERT(mem_arena_used(q) <= (1 << 20));
    mem_arena_free(q);
}

static void test_fault_injection(void)
{
    mem_arena_t *a = mem_arena_new(NULL, "a", 0);
    mem_fail_after(1);
    ASSERT(mem_alloc_try(a, 100) == NULL);
    ASSERT(mem_alloc_try(a, 100) != NULL);
    mem_arena_free(a);
}

/* The big-block pool: a freed big block's pages come back, cut or moved,
 * in the next big request (its old bytes show it: new pages read zero),
 * zeroed for calloc; realloc keeps the bytes it moves; a heap block grown
 * big joins; off unmaps what is kept (valgrind sees no leak), and a block
 * live then is unmapped when freed. */
static bool all_bytes(const char *p, size_t n, char a, char b)
{
    for (size_t i = 0; i < n; i += 4096)
        if (p[i] != a && p[i] != b)
            return false;
    return p[n - 1] == a || p[n - 1] == b;
}

static void test_big_cache(void)
{
    size_t mb = (size_t)1 << 20;
    /* off: nothing is kept */
    char *p = mem_malloc(16 * mb);
    p[0] = 1;
    mem_free(p);
    mem_big_cache_on(64 * mb);
    char *a = mem_malloc(16 * mb);
    memset(a, 0x5a, 16 * mb);
    mem_free(a);
    char *b = mem_malloc(12 * mb); /* cut from the pooled 16 MB */
    ASSERT(b == a);
    ASSERT(all_bytes(b, 12 * mb, 0x5a, 0x5a));
    mem_free(b);                   /* joins the 4 MB left after it */
    char *c = mem_calloc(10, mb);  /* calloc clears the reused pages */
    ASSERT(c == a);
    ASSERT(all_bytes(c, 10 * mb, 0, 0));
    mem_free(c);
    char *d = mem_malloc(2 * mb);  /* small requests never take pooled pages */
    ASSERT(d != a);
    mem_free(d);
    /* grown past the pool: the 16 MB kept are moved in front, new pages after */
    char *e = mem_malloc(40 * mb);
    ASSERT(all_bytes(e, 16 * mb, 0x5a, 0));
    ASSERT(all_bytes(e + 16 * mb, 24 * mb, 0, 0));
    memset(e, 1, 40 * mb);
    /* a shrink leaves the tail in the pool; the next request takes it */
    char *f = mem_realloc(e, 30 * mb);
    ASSERT(f == e);
    char *g = mem_malloc(9 * mb);
    ASSERT(g == e + 30 * mb && all_bytes(g, 9 * mb, 1, 1));
    memset(g, 2, 9 * mb);
    mem_free(g);
    /* realloc grows into the pooled range after it, in place */
    f = mem_realloc(f, 38 * mb);
    ASSERT(f == e && all_bytes(f, 30 * mb, 1, 1) && all_bytes(f + 30 * mb, 8 * mb, 2, 2));
    /* ... and moves when nothing is free after it: the bytes go along */
    char *h = mem_malloc(8 * mb);
    memset(h, 3, 8 * mb);
    f = mem_realloc(f, 60 * mb);
    ASSERT(all_bytes(f, 30 * mb, 1, 1) && all_bytes(f + 30 * mb, 8 * mb, 2, 2));
    memset(f + 38 * mb, 4, 22 * mb);
    /* a heap block grown big moves into the pool with its bytes */
    char *k = mem_malloc(mb);
    memset(k, 5, mb);
    k = mem_realloc(k, 20 * mb);
    ASSERT(all_bytes(k, mb, 5, 5));
    memset(k, 6, 20 * mb);
    mem_free(k);
    mem_free(h);
    mem_free(f); /* past the 64 MB limit: the rest is unmapped */
    char *m = mem_malloc(64 * mb); /* all 64 MB kept come back, moved together */
    for (size_t i = 0; i < 64 * mb; i += 4096)
        ASSERT(m[i] != 0);
    mem_big_cache_off();
    mem_big_cache_off(); /* unbalanced off is harmless */
    m[0] = 7; /* still valid after off; unmapped when freed */
    mem_free(m);

    /* a move the kernel refuses: the block is filled as far as it got,
     * the rest new pages; a live block that cannot move is copied */
    mem_big_cache_on(64 * mb);
    char *x = mem_malloc(16 * mb), *y = mem_malloc(16 * mb);
    memset(x, 8, 16 * mb);
    mem_free(x);
    mem_big_fail_move_after(3); /* units 1 and 2 move, the third is refused */
    char *z = mem_malloc(24 * mb);
    ASSERT(all_bytes(z, 4 * mb, 8, 8) && all_bytes(z + 4 * mb, 20 * mb, 0, 0));
    memset(y, 9, 16 * mb);
    mem_big_fail_move_after(2); /* y moves its first unit, then is copied */
    y = mem_realloc(y, 40 * mb);
    ASSERT(all_bytes(y, 16 * mb, 9, 9));
    mem_big_fail_move_after(0);
    mem_free(z);
    mem_free(y);
    mem_big_cache_off();
}

static void test_buf(void)
{
    buf_t b = BUF_INIT;
    buf_put_u32(&b, 0x01020304);
    buf_put_u16(&b, 0xabcd);
    buf_printf(&b, "%s-%d", "x", 42);
    ASSERT_EQ(b.len, 10);
    ASSERT_EQ(buf_get_u32(b.data), 0x01020304);
    ASSERT_EQ(buf_get_u16(b.data + 4), 0xabcd);
    buf_consume(&b, 6);
    ASSERT_STREQ(buf_cstr(&b), "x-42");
    for (int i = 0; i < 100000; i++)
        buf_putc(&b, 'a');
    ASSERT_EQ(b.len, 100004);
    buf_free(&b);
}

static void test_cfg_defaults_and_set(void)
{
    cfg_t *c = cfg_new();
    ASSERT_EQ(cfg_int(c, CFG_PG_PORT), 5433);
    ASSERT_STREQ(cfg_str(c, CFG_SERVER_MODE), "all");
    ASSERT_EQ(cfg_find("datestyle"), CFG_DATESTYLE);
    ASSERT_EQ(cfg_find("no.such.key"), -1);
    err_t err = { 0 };
    ASSERT_EQ(cfg_set(c, CFG_EXTRA_FLOAT_DIGITS, "3", CFG_C_SESSION, &err), 0);
    ASSERT_EQ(cfg_int(c, CFG_EXTRA_FLOAT_DIGITS), 3);
    ASSERT(cfg_set(c, CFG_EXTRA_FLOAT_DIGITS, "9", CFG_C_SESSION, &err) < 0);
    ASSERT_STREQ(err.sqlstate, "22023");
    err_clear(&err);
    ASSERT(cfg_set(c, CFG_PG_PORT, "1", CFG_C_SESSION, &err) < 0);
    ASSERT_STREQ(err.sqlstate, "55P02");
    err_clear(&err);
    ASSERT(cfg_set(c, CFG_SERVER_MODE, "bogus", CFG_C_STARTUP, &err) < 0);
    err_clear(&err);
    ASSERT_EQ(cfg_set(c, CFG_SERVER_MODE, "QUERY", CFG_C_STARTUP, &err), 0);
    ASSERT_STREQ(cfg_str(c, CFG_SERVER_MODE), "query");
    cfg_t *s = cfg_clone(c);
    ASSERT_EQ(cfg_set(s, CFG_APPLICATION_NAME, "x", CFG_C_SESSION, &err), 0);
    ASSERT_STREQ(cfg_str(c, CFG_APPLICATION_NAME), "");
    cfg_copy_value(s, c, CFG_APPLICATION_NAME);
    ASSERT_STREQ(cfg_str(s, CFG_APPLICATION_NAME), "");
    cfg_free(s);
    cfg_free(c);
}

static void test_cfg_file(void)
{
    char path[] = "/tmp/kiln-cfg-XXXXXX";
    int fd = mkstemp(path);
    ASSERT(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fprintf(f, "# comment\n kylin.server.mode = job \nkylin.unknown.key=1\nkiln.pg.port=6543\n");
    fclose(f);
    cfg_t *c = cfg_new();
    err_t err = { 0 };
    ASSERT_EQ(cfg_load_file(c, path, &err), 0);
    ASSERT_STREQ(cfg_str(c, CFG_SERVER_MODE), "job");
    ASSERT_EQ(cfg_int(c, CFG_PG_PORT), 6543);
    f = fopen(path, "w");
    fprintf(f, "kiln.pg.port = many\n");
    fclose(f);
    ASSERT(cfg_load_file(c, path, &err) < 0);
    ASSERT_STREQ(err.sqlstate, "F0000");
    ASSERT(strstr(err.message, ":1:") != NULL);
    unlink(path);
    cfg_free(c);
}

/* The docs and the sample configuration must list exactly the table's options. */
static void test_cfg_docs_agree(void)
{
    const char *top = getenv("srcdir") ? getenv("srcdir") : ".";
    char path[4096];
    snprintf(path, sizeof path, "%s/docs/CONFIG.md", top);
    FILE *f = fopen(path, "r");
    ASSERT(f != NULL);
    static char doc[1 << 20];
    size_t n = fread(doc, 1, sizeof doc - 1, f);
    doc[n] = '\0';
    fclose(f);
    char *table = NULL;
    size_t tlen = 0;
    FILE *m = open_memstream(&table, &tlen);
    cfg_describe_markdown(m);
    fclose(m);
    if (!strstr(doc, table))
        TAP_FAIL("docs/CONFIG.md does not contain the output of `kilnd --describe-config`");
    free(table);
    snprintf(path, sizeof path, "%s/conf/kylin.properties.sample", top);
    f = fopen(path, "r");
    ASSERT(f != NULL);
    n = fread(doc, 1, sizeof doc - 1, f);
    doc[n] = '\0';
    fclose(f);
    for (int i = 0; i < CFG__COUNT; i++) {
        const cfg_def_t *d = cfg_def((cfg_id_t)i);
        if (d->context == CFG_C_INTERNAL || (d->context == CFG_C_SESSION && !strchr(d->name, '.')))
            continue;
        char key[256];
        snprintf(key, sizeof key, "\n# %s = ", d->name);
        if (!strstr(doc, key))
            TAP_FAIL("conf/kylin.properties.sample lacks \"# %s = <default>\"", d->name);
    }
}

int main(void)
{
    static const tap_test_t tests[] = {
        { "arena basic", test_arena_basic },
        { "arena cleanup", test_arena_cleanup },
        { "arena budget", test_arena_budget },
        { "fault injection", test_fault_injection },
        { "big block cache", test_big_cache },
        { "arena freed on a thread", test_arena_free_async },
        { "buf", test_buf },
        { "cfg defaults and SET", test_cfg_defaults_and_set },
        { "cfg file", test_cfg_file },
        { "cfg docs agree", test_cfg_docs_agree },
    };
    return TAP_RUN(tests);
}
