/*
 * mem.c - allocation wrappers and the arena allocator.
 *
 * The only file that calls malloc/free/realloc. An arena is a list of blocks
 * bumped from the front; big requests get a block of their own. Reset keeps
 * the first block, so a per-message arena does no malloc in steady state.
 * Budgets count block bytes of an arena and all its descendants; the check
 * walks up the parent chain when a block is added (rare), never per object.
 */
#include "common/mem.h"

#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define ARENA_BLOCK_MIN 8192
#define ARENA_ALIGN 16

typedef struct mem_block {
    struct mem_block *next;
    size_t size; /* usable bytes after the header */
    size_t used;
} __attribute__((aligned(16))) mem_block_t;

typedef struct mem_cleanup {
    struct mem_cleanup *next;
    mem_cleanup_fn fn;
    void *arg;
} mem_cleanup_t;

struct mem_arena {
    mem_arena_t *parent;
    mem_arena_t *first_child;
    mem_arena_t *next_sibling, *prev_sibling;
    const char *name;
    mem_block_t *blocks; /* head is the current block */
    mem_block_t *keep;   /* first block, kept across resets */
    mem_cleanup_t *cleanups;
    size_t total;        /* block bytes of this arena and descendants */
    size_t budget;       /* 0 = unlimited */
};

static long fail_countdown;

static void oom(size_t n)
{
    fprintf(stderr, "kiln: out of memory allocating %zu bytes\n", n);
    abort();
}

/*
 * Big blocks: the cube build's column, key and sort arrays, hundreds of MB
 * each, allocated and freed once per cuboid. glibc maps each one fresh from
 * the kernel and unmaps it on free, so every cuboid paid a page fault and a
 * kernel clear for each page again (on a VM also the host's fault): a fifth of
 * the SF 10 build's CPU. While a holder has the cache on (mem_big_cache_on),
 * freed big blocks are kept, up to a byte limit, and handed to the next big
 * request: the best fit that wastes at most 3/4 of itself, else the largest
 * smaller one grown by realloc (mremap keeps its pages), else a fresh block.
 * (Transparent huge pages were tried too, advised on fresh big blocks: they
 * cut the lattice's TLB misses but clearing fresh 2 MB pages cost as much
 * again on this VM, so no net gain at SF 10.)
 */
#define BIG_MIN ((size_t)8 << 20)
#define BIG_CACHE_MAX 32

static pthread_mutex_t big_lock = PTHREAD_MUTEX_INITIALIZER;
static int big_users;
static size_t big_limit, big_total;
static int big_n;
static struct {
    void *p;
    size_t size;
} big_cache[BIG_CACHE_MAX];

static void big_take(int i, void **p, size_t *size)
{
    *p = big_cache[i].p;
    *size = big_cache[i].size;
    big_total -= big_cache[i].size;
    big_cache[i] = big_cache[--big_n];
}

/* big_smallest - the index of the smallest cached block (big_n > 0, under
 * big_lock): the first to go, since the big ones serve more requests */
static int big_smallest(void)
{
    int s = 0;
    for (int i = 1; i < big_n; i++)
        if (big_cache[i].size < big_cache[s].size)
            s = i;
    return s;
}

/* big_get - a cached block for n bytes, or NULL. */
static void *big_get(size_t n)
{
    if (n < BIG_MIN || !__atomic_load_n(&big_users, __ATOMIC_RELAXED))
        return NULL;
    void *p = NULL;
    size_t size = 0;
    pthread_mutex_lock(&big_lock);
    int fit = -1, under = -1;
    for (int i = 0; i < big_n; i++) {
        size_t z = big_cache[i].size;
        if (z >= n && z / 4 <= n && (fit < 0 || z < big_cache[fit].size))
            fit = i;
        if (z < n && (under < 0 || z > big_cache[under].size))
            under = i;
    }
    if (fit >= 0 || under >= 0)
        big_take(fit >= 0 ? fit : under, &p, &size);
    pthread_mutex_unlock(&big_lock);
    if (p && size < n) {
        void *q = realloc(p, n);
        if (!q)
            free(p);
        p = q;
    }
    return p;
}

void mem_big_cache_on(size_t limit)
{
    pthread_mutex_lock(&big_lock);
    if (limit > big_limit)
        big_limit = limit;
    /* atomic: mem_malloc/mem_free peek at it without the lock */
    __atomic_add_fetch(&big_users, 1, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&big_lock);
}

void mem_big_cache_off(void)
{
    pthread_mutex_lock(&big_lock);
    if (big_users > 0 && __atomic_sub_fetch(&big_users, 1, __ATOMIC_RELAXED) == 0) {
        for (int i = 0; i < big_n; i++)
            free(big_cache[i].p);
        big_n = 0;
        big_total = 0;
        big_limit = 0;
    }
    pthread_mutex_unlock(&big_lock);
}

void mem_big_cache_trim(size_t limit)
{
    pthread_mutex_lock(&big_lock);
    while (big_total > limit && big_n > 0) {
        void *q;
        size_t qz;
        big_take(big_smallest(), &q, &qz);
        free(q);
    }
    pthread_mutex_unlock(&big_lock);
}

void *mem_malloc(size_t n)
{
    void *p = big_get(n);
    if (p)
        return p;
    p = malloc(n ? n : 1);
    if (!p)
        oom(n);
    return p;
}

void *mem_calloc(size_t n, size_t size)
{
    size_t bytes;
    void *p = __builtin_mul_overflow(n, size, &bytes) ? NULL : big_get(bytes);
    if (p)
        return memset(p, 0, bytes);
    p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom(n * size);
    return p;
}

void *mem_realloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom(n);
    return q;
}

/* advise_pages - madvise(advice) on the whole pages inside [p, p + n) */
static void advise_pages(void *p, size_t n, int advice)
{
    static uintptr_t page_size; /* atomic: the threads of a build call this at once */
    uintptr_t page = __atomic_load_n(&page_size, __ATOMIC_RELAXED);
    if (!page) {
        long ps = sysconf(_SC_PAGESIZE);
        page = ps > 0 ? (uintptr_t)ps : 4096;
        __atomic_store_n(&page_size, page, __ATOMIC_RELAXED);
    }
    uintptr_t a = ((uintptr_t)p + page - 1) & ~(page - 1), e = ((uintptr_t)p + n) & ~(page - 1);
    if (e > a)
        (void)madvise((void *)a, e - a, advice);
}

void mem_populate(void *p, size_t n)
{
#ifdef MADV_POPULATE_WRITE
    advise_pages(p, n, MADV_POPULATE_WRITE);
#else
    (void)p;
    (void)n;
#endif
}

char *mem_strdup(const char *s)
{
    return mem_strndup(s, strlen(s));
}

char *mem_strndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *p = mem_malloc(len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

void mem_free(void *p)
{
    if (!p)
        return;
    if (__atomic_load_n(&big_users, __ATOMIC_RELAXED)) {
        size_t z = malloc_usable_size(p);
        if (z >= BIG_MIN) {
            pthread_mutex_lock(&big_lock);
            /* room for p: drop smaller cached blocks first, keep the big ones */
            while (big_users && big_total + z > big_limit && big_n > 0) {
                int s = big_smallest();
                if (big_cache[s].size >= z)
                    break;
                void *q;
                size_t qz;
                big_take(s, &q, &qz);
                free(q);
            }
            if (big_users && big_total + z <= big_limit && big_n < BIG_CACHE_MAX) {
                big_cache[big_n].p = p;
                big_cache[big_n++].size = z;
                big_total += z;
                p = NULL;
            }
            pthread_mutex_unlock(&big_lock);
        }
    }
    free(p);
}

void mem_fail_after(long n)
{
    fail_countdown = n;
}

mem_arena_t *mem_arena_new(mem_arena_t *parent, const char *name, size_t budget)
{
    mem_arena_t *a = mem_calloc(1, sizeof *a);
    a->parent = parent;
    a->name = name;
    a->budget = budget;
    if (parent) {
        a->next_sibling = parent->first_child;
        if (parent->first_child)
            parent->first_child->prev_sibling = a;
        parent->first_child = a;
    }
    return a;
}

static void account(mem_arena_t *a, size_t n, int add)
{
    for (mem_arena_t *p = a; p; p = p->parent) {
        if (add)
            p->total += n;
        else
            p->total -= n;
    }
}

static int over_budget(mem_arena_t *a, size_t n)
{
    for (mem_arena_t *p = a; p; p = p->parent)
        if (p->budget && p->total + n > p->budget)
            return 1;
    return 0;
}

static void run_cleanups(mem_arena_t *a)
{
    while (a->cleanups) {
        mem_cleanup_t *c = a->cleanups;
        a->cleanups = c->next;
        c->fn(c->arg);
    }
}

static void free_children(mem_arena_t *a)
{
    while (a->first_child)
        mem_arena_free(a->first_child);
}

static void free_blocks(mem_arena_t *a, int keep_first)
{
    mem_block_t *b = a->blocks;
    while (b) {
        mem_block_t *next = b->next;
        if (keep_first && b == a->keep) {
            b->used = 0;
            b->next = NULL;
        } else {
            account(a, b->size + sizeof *b, 0);
            free(b);
        }
        b = next;
    }
    a->blocks = keep_first ? a->keep : NULL;
}

void mem_arena_reset(mem_arena_t *a)
{
    run_cleanups(a);
    free_children(a);
    free_blocks(a, 1);
}

void mem_arena_free(mem_arena_t *a)
{
    if (!a)
        return;
    run_cleanups(a);
    free_children(a);
    free_blocks(a, 0);
    if (a->parent) {
        if (a->prev_sibling)
            a->prev_sibling->next_sibling = a->next_sibling;
        else
            a->parent->first_child = a->next_sibling;
        if (a->next_sibling)
            a->next_sibling->prev_sibling = a->prev_sibling;
    }
    free(a);
}

size_t mem_arena_used(const mem_arena_t *a)
{
    return a->total;
}

void mem_arena_set_budget(mem_arena_t *a, size_t budget)
{
    a->budget = budget;
}

static void *arena_alloc(mem_arena_t *a, size_t n, int may_fail)
{
    n = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (n == 0)
        n = ARENA_ALIGN;
    mem_block_t *b = a->blocks;
    if (b && b->size - b->used >= n) {
        void *p = (char *)(b + 1) + b->used;
        b->used += n;
        return p;
    }
    if (may_fail && fail_countdown > 0 && --fail_countdown == 0)
        return NULL;
    /* Grow geometrically so big queries do few mallocs. */
    size_t want = b ? b->size * 2 : ARENA_BLOCK_MIN;
    if (want > (size_t)8 << 20)
        want = (size_t)8 << 20;
    if (want < n)
        want = n;
    size_t bytes = sizeof(mem_block_t) + want;
    if (over_budget(a, bytes)) {
        if (may_fail)
            return NULL;
        fprintf(stderr, "kiln: arena \"%s\" over its budget of %zu bytes\n", a->name, a->budget);
        abort();
    }
    mem_block_t *nb = malloc(bytes);
    if (!nb) {
        if (may_fail)
            return NULL;
        oom(bytes);
    }
    /* Keep the block header 16-byte aligned past the header. */
    nb->size = want;
    nb->used = n;
    account(a, bytes, 1);
    if (!a->keep) {
        a->keep = nb;
        nb->next = a->blocks;
        a->blocks = nb;
    } else if (b && n > b->size / 2 && b->size - b->used > 256) {
        /* A big request: keep bumping the current block after it. */
        nb->next = b->next;
        b->next = nb;
    } else {
        nb->next = a->blocks;
        a->blocks = nb;
    }
    return nb + 1;
}

void *mem_alloc(mem_arena_t *a, size_t n)
{
    return arena_alloc(a, n, 0);
}

void *mem_alloc0(mem_arena_t *a, size_t n)
{
    void *p = arena_alloc(a, n, 0);
    memset(p, 0, n);
    return p;
}

void *mem_alloc_try(mem_arena_t *a, size_t n)
{
    return arena_alloc(a, n, 1);
}

char *mem_astrndup(mem_arena_t *a, const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *p = mem_alloc(a, len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *mem_astrdup(mem_arena_t *a, const char *s)
{
    return mem_astrndup(a, s, strlen(s));
}

void *mem_amemdup(mem_arena_t *a, const void *p, size_t n)
{
    void *q = mem_alloc(a, n);
    memcpy(q, p, n);
    return q;
}

void *mem_agrow(mem_arena_t *a, void *arr, int n, int *cap, size_t elem)
{
    if (n < *cap)
        return arr;
    int nc = *cap ? *cap * 2 : 8;
    void *na = mem_alloc0(a, elem * (size_t)nc);
    if (n)
        memcpy(na, arr, elem * (size_t)n);
    *cap = nc;
    return na;
}

char *mem_avsprintf(mem_arena_t *a, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        n = 0;
    char *p = mem_alloc(a, (size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

char *mem_asprintf(mem_arena_t *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = mem_avsprintf(a, fmt, ap);
    va_end(ap);
    return p;
}

void mem_arena_on_free(mem_arena_t *a, mem_cleanup_fn fn, void *arg)
{
    mem_cleanup_t *c = arena_alloc(a, sizeof *c, 0);
    c->fn = fn;
    c->arg = arg;
    c->next = a->cleanups;
    a->cleanups = c;
}
