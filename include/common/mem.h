/*
 * mem.h - allocation wrappers and arenas (memory by lifetime).
 *
 * Plain wrappers (mem_malloc, mem_calloc, mem_realloc, mem_strdup) never
 * return NULL: running out of memory there is fatal, as in Redis and Tor.
 *
 * An arena (mem_arena_t) hands out memory that is freed all at once by
 * mem_arena_reset() or mem_arena_free(). Arenas form a tree by lifetime:
 * server -> connection -> message -> query; freeing a parent frees its
 * children. An arena may carry a byte budget: allocations past it fail
 * (return NULL from mem_alloc_try) so that one query fails with 53200 and
 * the server goes on. mem_alloc() on an arena without budget never fails.
 * Cleanup callbacks release non-memory resources (fds, mmaps, results) when
 * the arena is reset or freed, in reverse order of registration.
 *
 * Arenas are not thread-safe: one thread uses an arena at a time.
 * No other file may call malloc/free/realloc directly (tests/lib/check-style.sh).
 */
#ifndef COMMON_MEM_H
#define COMMON_MEM_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

#define MUST_CHECK __attribute__((warn_unused_result))

void *mem_malloc(size_t n);
void *mem_calloc(size_t n, size_t size);
void *mem_realloc(void *p, size_t n);
/* mem_populate - faults in the whole pages inside [p, p + n) for writing,
 * a range at a time instead of a trap per page. A no-op where it cannot. */
void mem_populate(void *p, size_t n);
/* mem_big_cache_on - until the matching mem_big_cache_off, blocks of 8 MB
 * and more are mapped by mem.c and their pages, when freed or cut off by a
 * shrinking realloc, are kept (up to limit bytes in all) for the next big
 * mem_malloc/mem_calloc/mem_realloc, instead of going back to the kernel to
 * be faulted and cleared again. For a phase that allocates and frees big
 * arrays over and over (a cube build); the last off unmaps what is kept.
 * Blocks still live then stay valid and are unmapped when freed. */
void mem_big_cache_on(size_t limit);
void mem_big_cache_off(void);
char *mem_strdup(const char *s);
char *mem_strndup(const char *s, size_t n);
void mem_free(void *p);

typedef struct mem_arena mem_arena_t;
typedef void (*mem_cleanup_fn)(void *arg);

/* mem_arena_new - a new arena, child of parent (NULL for a root).
 * name is kept by pointer (use a literal); budget 0 means unlimited. */
mem_arena_t *mem_arena_new(mem_arena_t *parent, const char *name, size_t budget);
/* mem_arena_free - frees the arena, its children and runs its cleanups. NULL ok. */
void mem_arena_free(mem_arena_t *a);
/* mem_arena_free_async - as mem_arena_free, the cleanups run here, but an
 * arena of 64 MB or more gives its blocks back on a detached thread (a job
 * that loaded half a GB into one need not wait 0.25 s for the frees). The
 * arena leaves its parent at once; nothing may use it after. */
void mem_arena_free_async(mem_arena_t *a);
/* mem_arena_reset - frees everything allocated and all children; keeps the
 * first block for reuse, so a per-message arena costs no malloc per message. */
void mem_arena_reset(mem_arena_t *a);
/* mem_arena_used - bytes handed out (including children). */
size_t mem_arena_used(const mem_arena_t *a);
void mem_arena_set_budget(mem_arena_t *a, size_t budget);

/* mem_alloc - 16-byte aligned memory from a; aborts on OOM; on a budgeted
 * arena past its budget it also aborts, so budgeted callers use mem_alloc_try. */
void *mem_alloc(mem_arena_t *a, size_t n);
void *mem_alloc0(mem_arena_t *a, size_t n);
/* mem_alloc_try - NULL when the arena's (or an ancestor's) budget is exceeded. */
void *mem_alloc_try(mem_arena_t *a, size_t n) MUST_CHECK;
char *mem_astrdup(mem_arena_t *a, const char *s);
char *mem_astrndup(mem_arena_t *a, const char *s, size_t n);
void *mem_amemdup(mem_arena_t *a, const void *p, size_t n);
/* mem_agrow - arr, holding n elements of elem bytes with room for *cap, with
 * room for one more: when full, a copy in a of twice the size (8 at first),
 * the new slots zeroed (the old array stays in the arena until it is reset). */
void *mem_agrow(mem_arena_t *a, void *arr, int n, int *cap, size_t elem);
char *mem_asprintf(mem_arena_t *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *mem_avsprintf(mem_arena_t *a, const char *fmt, va_list ap);
/* mem_arena_on_free - run fn(arg) when a is reset or freed. */
void mem_arena_on_free(mem_arena_t *a, mem_cleanup_fn fn, void *arg);

/* Fault injection for unit tests: make the Nth wrapper allocation from now
 * report failure through mem_alloc_try (0 disables). */
void mem_fail_after(long n);
/* mem_big_fail_move_after - test hook: the nth move of a 2 MB unit of
 * pooled pages from now is refused, as the kernel may (its mapping limit);
 * the pool gives those pages back, or copies a live block's. 0 turns it off. */
void mem_big_fail_move_after(long n);

#define MEM_NEW(a, T) ((T *)mem_alloc0((a), sizeof(T)))
#define MEM_NEW_N(a, T, n) ((T *)mem_alloc0((a), sizeof(T) * (size_t)(n)))

#endif
