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
#include <stdbool.h>
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
 * each, allocated, grown, shrunk and freed over and over. glibc maps each one
 * fresh from the kernel and unmaps it on free, so every cuboid paid a page
 * fault and a kernel clear for every page again (on a VM also the host's
 * fault): about 0.45 s per GB here, against 0.03 s to overwrite a page that is
 * already there.
 *
 * So while a holder has the pool on (mem_big_cache_on), requests of 8 MB and
 * more are mapped here, 2 MB aligned in whole 2 MB units, and freed into a
 * pool of page ranges that stay backed, up to a byte limit. A request is cut
 * from the smallest pooled range that holds it (no system call); else it is
 * mapped fresh and filled from the front with pooled ranges moved in by
 * mremap: the kernel moves page-table entries (whole page tables where both
 * ends are 2 MB aligned), so nothing is faulted or cleared again, and only the
 * rest is new memory. realloc grows into a pooled range just after the block,
 * else moves the block to a fresh range the same way; a shrink leaves the
 * tail in the pool. What glibc would have unmapped and the next cuboid
 * faulted again stays (SF 10: 8.6 -> ~6 GB of new pages, the peak RSS).
 *
 * Moved ranges are separate kernel mappings that may not merge; every
 * boundary is at a 2 MB multiple, so a move that spans several (refused by
 * kernels before 6.17) is redone one 2 MB unit at a time.
 * (Transparent huge pages were tried too, advised on fresh big blocks: they
 * cut the lattice's TLB misses but clearing fresh 2 MB pages cost as much
 * again on this VM, so no net gain at SF 10.)
 */
#define BIG_MIN ((size_t)8 << 20)
#define BIG_UNIT ((size_t)2 << 20)
#define BIG_RANGES 256

static pthread_mutex_t big_lock = PTHREAD_MUTEX_INITIALIZER;
static int big_users;          /* holders of the pool; peeked at without the lock */
static size_t big_limit;       /* bytes the pool may keep */
static size_t big_total;       /* bytes it keeps */
static int big_n;              /* pooled ranges, sorted by address */
static struct big_range {
    char *p;
    size_t size;
} big_pool[BIG_RANGES];
static struct big_range *big_blk; /* live blocks mapped here */
static size_t big_nblk, big_capblk;
static size_t big_live;           /* big_nblk, peeked at by mem_free without the lock */

/*
 * Giving pages back costs too: munmap of the pool's 4 GiB at the end of SF
 * 10's build took 0.3 s, with the build's result waiting on it and the
 * other core idle. Unmapping 64 MB or more at once is left to a detached
 * thread (inline if none starts); the ranges are no longer the pool's, so
 * nothing else touches them meanwhile.
 */
#define BIG_ASYNC ((size_t)64 << 20)

typedef struct big_unmap_job {
    int n;
    struct big_range r[];
} big_unmap_job_t;

static void *big_unmap_main(void *arg)
{
    big_unmap_job_t *j = arg;
    for (int i = 0; i < j->n; i++)
        munmap(j->r[i].p, j->r[i].size);
    free(j);
    return NULL;
}

/* start_detached - fn(arg) on a detached thread; false when none starts */
static bool start_detached(void *(*fn)(void *), void *arg)
{
    pthread_attr_t at;
    pthread_t th;
    bool started = false;
    if (pthread_attr_init(&at) == 0) {
        started = pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED) == 0 &&
                  pthread_create(&th, &at, fn, arg) == 0;
        pthread_attr_destroy(&at);
    }
    return started;
}

/* big_unmap - unmaps the n ranges at r, on a thread of its own when big */
static void big_unmap(const struct big_range *r, int n)
{
    size_t bytes = 0;
    for (int i = 0; i < n; i++)
        bytes += r[i].size;
    big_unmap_job_t *j = bytes >= BIG_ASYNC ? malloc(sizeof *j + (size_t)n * sizeof *r) : NULL;
    if (j) {
        j->n = n;
        memcpy(j->r, r, (size_t)n * sizeof *r);
        if (start_detached(big_unmap_main, j))
            return;
        free(j);
    }
    for (int i = 0; i < n; i++)
        munmap(r[i].p, r[i].size);
}

static void big_unmap1(char *p, size_t n)
{
    struct big_range r = { p, n };
    big_unmap(&r, 1);
}

static size_t big_round(size_t n)
{
    return (n + BIG_UNIT - 1) & ~(BIG_UNIT - 1);
}

/* big_map - n fresh bytes (a multiple of BIG_UNIT) at a BIG_UNIT boundary */
static char *big_map(size_t n)
{
    size_t m = n + BIG_UNIT;
    char *p = mmap(NULL, m, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        oom(n);
    uintptr_t a = ((uintptr_t)p + BIG_UNIT - 1) & ~(BIG_UNIT - 1);
    if (a > (uintptr_t)p)
        munmap(p, a - (uintptr_t)p);
    size_t tail = (uintptr_t)p + m - (a + n);
    if (tail)
        munmap((char *)a + n, tail);
    return (char *)a;
}

static long move_fail_countdown; /* mem_big_fail_move_after; under big_lock */

/* big_move - moves the pages of [src, src + n) to dst (both BIG_UNIT
 * aligned, n a multiple), replacing what was mapped there; returns the
 * bytes moved from the front, n unless the kernel refused a unit (its
 * mapping limit): the rest is still at src */
static size_t big_move(char *src, size_t n, char *dst)
{
    if (!move_fail_countdown && mremap(src, n, n, MREMAP_MAYMOVE | MREMAP_FIXED, dst) != MAP_FAILED)
        return n;
    size_t o = 0;
    while (o < n && !(move_fail_countdown > 0 && --move_fail_countdown == 0) &&
           mremap(src + o, BIG_UNIT, BIG_UNIT, MREMAP_MAYMOVE | MREMAP_FIXED, dst + o) != MAP_FAILED)
        o += BIG_UNIT;
    return o;
}

void mem_big_fail_move_after(long n)
{
    pthread_mutex_lock(&big_lock);
    move_fail_countdown = n;
    pthread_mutex_unlock(&big_lock);
}

static void big_drop_range(int i)
{
    big_total -= big_pool[i].size;
    memmove(&big_pool[i], &big_pool[i + 1], (size_t)(big_n - i - 1) * sizeof *big_pool);
    big_n--;
}

/* big_cut_front - the first n bytes of pooled range r (which holds them),
 * taken out of the pool in place */
static char *big_cut_front(int r, size_t n)
{
    char *p = big_pool[r].p;
    big_pool[r].p += n;
    big_pool[r].size -= n;
    big_total -= n;
    if (!big_pool[r].size)
        big_drop_range(r);
    return p;
}

static int big_smallest(void)
{
    int s = 0;
    for (int i = 1; i < big_n; i++)
        if (big_pool[i].size < big_pool[s].size)
            s = i;
    return s;
}

/* big_put - pools [p, p + n) (under big_lock), joined to a neighbour it
 * touches; what does not fit the limit is unmapped */
static void big_put(char *p, size_t n)
{
    size_t room = big_users && big_limit > big_total ? (big_limit - big_total) & ~(BIG_UNIT - 1) : 0;
    if (room < n) {
        big_unmap1(p + room, n - room);
        n = room;
    }
    if (!n)
        return;
    int i = 0;
    while (i < big_n && big_pool[i].p < p)
        i++;
    big_total += n;
    bool prev = i > 0 && big_pool[i - 1].p + big_pool[i - 1].size == p;
    bool next = i < big_n && p + n == big_pool[i].p;
    if (prev && next) {
        big_pool[i - 1].size += n + big_pool[i].size;
        big_pool[i].size = 0; /* now counted in [i - 1] */
        big_drop_range(i);
    } else if (prev) {
        big_pool[i - 1].size += n;
    } else if (next) {
        big_pool[i].p = p;
        big_pool[i].size += n;
    } else {
        if (big_n == BIG_RANGES) {
            int s = big_smallest();
            if (big_pool[s].size >= n) {
                big_total -= n;
                big_unmap1(p, n);
                return;
            }
            big_unmap1(big_pool[s].p, big_pool[s].size);
            big_drop_range(s);
            if (s < i)
                i--;
        }
        memmove(&big_pool[i + 1], &big_pool[i], (size_t)(big_n - i) * sizeof *big_pool);
        big_pool[i].p = p;
        big_pool[i].size = n;
        big_n++;
    }
}

/* big_fill - moves pooled pages into [p, p + n) from the front, the
 * largest ranges first, each taken from its end so the pool stays sorted;
 * returns the bytes filled (the rest stays new) */
static size_t big_fill(char *p, size_t n)
{
    size_t o = 0;
    while (o < n && big_n > 0) {
        int l = 0;
        for (int i = 1; i < big_n; i++)
            if (big_pool[i].size > big_pool[l].size)
                l = i;
        size_t take = big_pool[l].size < n - o ? big_pool[l].size : n - o;
        big_pool[l].size -= take;
        big_total -= take;
        char *src = big_pool[l].p + big_pool[l].size;
        size_t moved = big_move(src, take, p + o);
        if (!big_pool[l].size)
            big_drop_range(l);
        o += moved;
        if (moved < take) {
            /* refused: what did not move is given back, the rest of p
             * stays new pages */
            munmap(src + moved, take - moved);
            break;
        }
    }
    return o;
}

/* big_take - n bytes (a multiple of BIG_UNIT) for a new block: cut from
 * the smallest pooled range that holds them, else fresh and filled from the
 * pool. *reused gets the bytes from the front that were pooled pages. */
static char *big_take(size_t n, size_t *reused)
{
    int fit = -1;
    for (int i = 0; i < big_n; i++)
        if (big_pool[i].size >= n && (fit < 0 || big_pool[i].size < big_pool[fit].size))
            fit = i;
    if (fit >= 0) {
        *reused = n;
        return big_cut_front(fit, n);
    }
    char *p = big_map(n);
    *reused = big_fill(p, n);
    return p;
}

static long big_find(const void *p)
{
    for (size_t i = 0; i < big_nblk; i++)
        if (big_blk[i].p == p)
            return (long)i;
    return -1;
}

static void big_add(char *p, size_t size)
{
    if (big_nblk == big_capblk) {
        size_t nc = big_capblk ? 2 * big_capblk : 64;
        struct big_range *q = realloc(big_blk, nc * sizeof *q);
        if (!q)
            oom(nc * sizeof *q);
        big_blk = q;
        big_capblk = nc;
    }
    big_blk[big_nblk].p = p;
    big_blk[big_nblk++].size = size;
    __atomic_store_n(&big_live, big_nblk, __ATOMIC_RELAXED);
}

static void big_remove(long i)
{
    big_blk[i] = big_blk[--big_nblk];
    __atomic_store_n(&big_live, big_nblk, __ATOMIC_RELAXED);
}

/* big_alloc - a block of n bytes mapped here, or NULL when the pool is off
 * or n is small; zeroed when zero (only the reused pages need it) */
static void *big_alloc(size_t n, bool zero)
{
    if (n < BIG_MIN || !__atomic_load_n(&big_users, __ATOMIC_RELAXED))
        return NULL;
    size_t size = big_round(n), reused;
    pthread_mutex_lock(&big_lock);
    char *p = big_take(size, &reused);
    big_add(p, size);
    pthread_mutex_unlock(&big_lock);
    if (zero)
        memset(p, 0, reused < n ? reused : n);
    return p;
}

/* big_realloc - resizes block i (under big_lock) to n bytes */
static void *big_realloc(long i, size_t n)
{
    char *p = big_blk[i].p;
    size_t z = big_blk[i].size, size = big_round(n ? n : 1);
    if (size <= z) {
        if (size < z)
            big_put(p + size, z - size);
        big_blk[i].size = size;
        return p;
    }
    /* grow in place into a pooled range that starts where p ends */
    for (int r = 0; r < big_n; r++)
        if (big_pool[r].p == p + z && big_pool[r].size >= size - z) {
            big_cut_front(r, size - z);
            big_blk[i].size = size;
            return p;
        }
    char *q = big_map(size);
    size_t moved = big_move(p, z, q);
    if (moved < z) { /* refused: the rest is copied */
        memcpy(q + moved, p + moved, z - moved);
        munmap(p + moved, z - moved);
    }
    big_fill(q + z, size - z);
    big_blk[i].p = q;
    big_blk[i].size = size;
    return q;
}

void mem_big_cache_on(size_t limit)
{
    pthread_mutex_lock(&big_lock);
    if (limit > big_limit)
        big_limit = limit;
    __atomic_add_fetch(&big_users, 1, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&big_lock);
}

void mem_big_cache_off(void)
{
    pthread_mutex_lock(&big_lock);
    if (big_users > 0 && __atomic_sub_fetch(&big_users, 1, __ATOMIC_RELAXED) == 0) {
        big_unmap(big_pool, big_n);
        big_n = 0;
        big_total = 0;
        big_limit = 0;
    }
    pthread_mutex_unlock(&big_lock);
}

void *mem_malloc(size_t n)
{
    void *p = big_alloc(n, false);
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
    void *p = __builtin_mul_overflow(n, size, &bytes) ? NULL : big_alloc(bytes, true);
    if (p)
        return p;
    p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom(n * size);
    return p;
}

void *mem_realloc(void *p, size_t n)
{
    if (p && __atomic_load_n(&big_live, __ATOMIC_RELAXED) && !((uintptr_t)p & (BIG_UNIT - 1))) {
        pthread_mutex_lock(&big_lock);
        long i = big_find(p);
        void *q = i >= 0 ? big_realloc(i, n) : NULL;
        pthread_mutex_unlock(&big_lock);
        if (q)
            return q;
    }
    /* a heap block grown big while the pool is on moves into it */
    void *q;
    if (p && (q = big_alloc(n, false)) != NULL) {
        size_t z = malloc_usable_size(p);
        memcpy(q, p, z < n ? z : n);
        free(p);
        return q;
    }
    q = realloc(p, n ? n : 1);
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
    if (__atomic_load_n(&big_live, __ATOMIC_RELAXED) && !((uintptr_t)p & (BIG_UNIT - 1))) {
        pthread_mutex_lock(&big_lock);
        long i = big_find(p);
        if (i >= 0) {
            size_t z = big_blk[i].size;
            big_remove(i);
            big_put(p, z); /* unmapped when the pool is off or full */
        }
        pthread_mutex_unlock(&big_lock);
        if (i >= 0)
            return;
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

/* arena_unlink - takes a out of its parent's list of children */
static void arena_unlink(mem_arena_t *a)
{
    if (a->prev_sibling)
        a->prev_sibling->next_sibling = a->next_sibling;
    else
        a->parent->first_child = a->next_sibling;
    if (a->next_sibling)
        a->next_sibling->prev_sibling = a->prev_sibling;
}

void mem_arena_free(mem_arena_t *a)
{
    if (!a)
        return;
    run_cleanups(a);
    free_children(a);
    free_blocks(a, 0);
    if (a->parent)
        arena_unlink(a);
    free(a);
}

static void run_cleanups_tree(mem_arena_t *a)
{
    run_cleanups(a);
    for (mem_arena_t *c = a->first_child; c; c = c->next_sibling)
        run_cleanups_tree(c);
}

static void *arena_free_main(void *arg)
{
    mem_arena_free(arg);
    return NULL;
}

void mem_arena_free_async(mem_arena_t *a)
{
    if (!a)
        return;
    if (a->total < BIG_ASYNC) {
        mem_arena_free(a);
        return;
    }
    /* the cleanups here, in mem_arena_free's order; then the arena leaves
     * its parent, so the thread touches nothing but its own blocks */
    run_cleanups_tree(a);
    if (a->parent) {
        for (mem_arena_t *p = a->parent; p; p = p->parent)
            p->total -= a->total;
        arena_unlink(a);
        a->parent = NULL;
        a->prev_sibling = a->next_sibling = NULL;
    }
    if (!start_detached(arena_free_main, a))
        mem_arena_free(a);
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
