/*
 * build.c - the cube build: dictionary encoding, base cuboid, spanning tree.
 *
 * Ingest (cube_build_add_batch) maps every dimension value to a temporary id
 * in first-seen order (a hash per dimension; REF columns go through a
 * per-value-table cache so a lookup row is hashed once, not once per fact
 * row) and appends ids and measure inputs to per-column arrays.
 *
 * finish:
 *  1. sorts each dimension's distinct values into the segment dictionary and
 *     rewrites the buffered ids as final codes (order-preserving), in
 *     parallel over dimensions;
 *  2. aggregates the base cuboid from the buffered rows;
 *  3. computes the other cuboids down a spanning tree (each from the
 *     superset that is cheapest to compute it from) on a LIFO work stack
 *     shared by the workers; a cuboid is written as soon as it is computed
 *     and freed once its last child is computed;
 *  4. commits the segment (atomic rename).
 *
 * Computing a cuboid from a source (the buffered rows or a parent) uses one
 * of these methods, picked per cuboid (compute_from):
 *   in order  its dimensions are the parent's order once determined ones are
 *             skipped: one pass, no sort.
 *   dense     the product of its code spaces is small: an array indexed by
 *             the mixed-radix key, iterated in order at the end (perf.md 4.7).
 *   runs      the parent's order keeps its first L dimensions: each run of
 *             equal values is sorted by the rest (one 64-bit key with a
 *             run-local index), a block of runs at a time; or, where the
 *             rest of a run's codes take few cells, added into an array
 *             of cells without a sort (direct).
 *   hashed    few groups from a big parent that does not group them: an
 *             open-addressing table of packed keys, then the groups sorted.
 *   merged    the parent's order puts columns it drops (few values) before
 *             its next ones: the segments' runs merged by prefix.
 *   buckets   otherwise (and the base cuboid): scattered by the key's
 *             leading digit, each bucket LSD radix sorted (multi-word keys).
 * All emit rows sorted by the cuboid's dimension order, as the file format
 * requires.
 */
#include "cube/build.h"

#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/hash.h"
#include "common/mem.h"
#include "storage/segment.h"

#define DENSE_MAX_CELLS (1ULL << 25)
#define DENSE_MAX_BYTES (256ULL << 20)
#define DENSE_RUN_BYTES (16ULL << 20) /* from a sorted parent: only where it stays cache-friendly */
#define CHUNK 4096
#define DIGIT_BITS 11
#define RUN_BLOCK 16384 /* rows per block of compute_runs: its keys and group ids stay in L2 */

/* ---- per-dimension dictionary under construction ---- */

typedef struct bdim {
    stor_kind_t kind;
    uint32_t n, cap;        /* temporary ids handed out (NULL included) */
    uint64_t *vals;         /* INT: value; FLOAT: normalized double bits */
    uint64_t *raw;          /* FLOAT: the first value seen per id (-0.0 stays -0.0 in the dictionary) */
    uint32_t *toff, *tlen;  /* TEXT */
    char *tbytes;
    size_t tbytes_len, tbytes_cap;
    uint32_t null_tid;      /* UINT32_MAX: no NULL seen */
    uint32_t *slots;        /* tid + 1, 0 empty */
    uint64_t mask;
    uint32_t *small;        /* tid + 1 of the values 0..SMALL_INTS-1 (NULL until one is seen) */
    bool have_last;         /* one-entry cache for runs of equal ints */
    uint64_t last_val;
    uint32_t last_tid;
    cube_col_t vt;          /* REF value table */
    size_t vt_n;
    uint32_t *vt_map;       /* row -> tid + 1 */
    uint32_t *gmap;         /* group leader: row * gk + j -> tid + 1 of member j (add_ref_group) */
    uint64_t *gseen;        /* group leader: a bit per row, set when its gmap entries are */
    int gk, gmem[CUBE_MAX_DIMS];
    uint32_t *rows;         /* tid per input row; codes after step 1 (NULL for a group member) */
    int grp;                /* 1 + its lookup group in cube_build.grps; 0 none */
    uint32_t *ref_code;     /* a group member's code per lookup row (vt_n: NULL), after step 1 */
    uint32_t *remap;        /* tid -> code */
    uint32_t ncodes;
    stor_dict_src_t src;    /* the sorted dictionary */
    void *sorted_vals;      /* arrays behind src */
    const char **sorted_texts;
    uint32_t *sorted_lens;
} bdim_t;

typedef struct bmeas {
    stor_kind_t kind;
    stor_agg_t agg;
    bool star;              /* count(*): no input column */
    uint64_t *vals;         /* int64 or double bits per input row */
    uint64_t maxabs;        /* an integer sum's largest |input| (copy_meas; atomic) */
} bmeas_t;

/* A lookup group: dimensions fed from the rows of one lookup (one REF
 * array in every batch, as the engine feeds a join). Each input row keeps
 * the lookup row number, not one id per member: SSB's 13 lookup columns
 * from 4 lookups cost 16 bytes a row instead of 52. The members' ids per
 * lookup row are in the leader's gmap (row vt_n: the NULL reference). */
typedef struct bgroup {
    int k, mem[CUBE_MAX_DIMS];   /* members, mem[0] the leader (holds gmap) */
    uint32_t *refs;              /* per input row: lookup row, vt_n for NULL */
    bool nulls;                  /* some row's reference is NULL */
} bgroup_t;

/* A computed cuboid (in memory until freed). */
typedef struct bcub {
    uint64_t id;
    uint64_t nrows;
    int ndims;
    int dims[CUBE_MAX_DIMS];     /* rowkey order */
    void *codes[CUBE_MAX_DIMS];
    int width[CUBE_MAX_DIMS];
    uint64_t **meas;
    int parent;                  /* in the build's spanning tree; -1: the base */
    int *kids, nkids;            /* cuboids computed from this one */
    int kids_left;               /* not yet computed (under the lattice lock) */
    double est, subtree;         /* estimated rows; work of its subtree's longest chain (plan_tree) */
    double cost;                 /* plan_tree: its parent's estimated rows, weighted by the path */
    bool vcand;                  /* may be too close to its stored ancestor to be worth computing */
    bool hll_done;               /* hll holds its sketch over the rows of cubs[hll_of] (hll_many) */
    int hll_of;
    double hll;
    bool virt;                   /* not computed: its children were computed from its parent */
    bool done, freed, stored;
} bcub_t;

struct cube_build {
    const cube_def_t *def;
    cube_build_opts_t opts;
    int ndims, nmeasures, threads;
    bdim_t dims[CUBE_MAX_DIMS];
    bgroup_t grps[CUBE_MAX_DIMS];
    int ngrps;                   /* fixed by the first batch; a later batch that groups otherwise dissolves them */
    bmeas_t *meas;
    uint64_t rows, cap_rows;
    pthread_mutex_t lock;        /* add_batch; progress and errors in finish */
    pthread_rwlock_t grow_rw;    /* held shared while a batch's measures are copied outside lock, exclusive to grow */
    double t0, last_report;
    uint64_t next_report;
    stor_writer_t *writer;
    bcub_t *cubs;
    int ncubs;
    atomic_int cuboids_done;
    err_t werr;
    atomic_int failed;
    char **info;
    int ninfo;
    bool finished;
    bool int_sums;           /* every measure an integer sum or count, at most 8: the fused summing loops */
    bool sums_fit;           /* int_sums, and no sum of the inputs can leave int64 (sums_fit_of) */
    bool big_cache;          /* holds mem_big_cache_on (from cube_build_new to the lattice's end) */
    size_t big_limit;        /* its byte limit */
    int *kids_all;           /* storage behind every cuboid's kids */
    bool det[CUBE_MAX_DIMS][CUBE_MAX_DIMS]; /* det[c][p]: dimension c determines p (verified) */
    bool trace;              /* log every cuboid (kiln.log.level debug) */
    int (*fd_pairs)[2];      /* hierarchy (child, parent) pairs being checked */
    uint32_t **fd_maps;      /* per pair: child code -> parent code, NULL if not a dependency */
};

/* Set by a thread whose integer sum left the int64 range; the build checks
 * it after each cuboid and fails rather than store a wrapped sum. */
static _Thread_local int sum_overflow;

static double now_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double proc_cpu_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double thread_cpu_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t float_bits(double f)
{
    /* One bit pattern per dictionary value: -0.0 is 0.0, every NaN one NaN. */
    if (f == 0.0)
        f = 0.0;
    if (f != f)
        f = NAN;
    uint64_t u;
    memcpy(&u, &f, 8);
    return u;
}

cube_build_t *cube_build_new(const cube_def_t *def, const cube_build_opts_t *opts)
{
    cube_build_t *b = mem_calloc(1, sizeof *b);
    b->def = def;
    if (opts)
        b->opts = *opts;
    b->ndims = cube_def_ndims(def);
    b->nmeasures = cube_def_nmeasures(def);
    b->threads = b->opts.threads > 0 ? b->opts.threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (b->threads < 1)
        b->threads = 1;
    if (!b->opts.progress_every)
        b->opts.progress_every = 1000000;
    if (b->opts.skip_ratio == 0)
        b->opts.skip_ratio = CUBE_SKIP_RATIO;
    if (b->opts.memory_limit == 0) {
        long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
        b->opts.memory_limit = pages > 0 && psz > 0 ? (uint64_t)pages * (uint64_t)psz / 4 * 3 : UINT64_MAX;
    }
    b->next_report = b->opts.progress_every;
    for (int d = 0; d < b->ndims; d++) {
        bdim_t *bd = &b->dims[d];
        bd->kind = stor_kind_of_type(cube_def_dim_type(def, d));
        bd->null_tid = UINT32_MAX;
    }
    b->meas = mem_calloc((size_t)b->nmeasures + 1, sizeof *b->meas);
    for (int m = 0; m < b->nmeasures; m++) {
        const cube_measure_spec_t *s = cube_def_measure(def, m);
        b->meas[m].kind = cube_def_measure_kind(def, m);
        b->meas[m].agg = (stor_agg_t)s->agg;
        b->meas[m].star = s->agg == CUBE_AGG_COUNT && !s->expr;
    }
    b->int_sums = b->nmeasures <= 8;
    for (int m = 0; m < b->nmeasures; m++)
        b->int_sums &= b->meas[m].kind == STOR_KIND_INT &&
                       (b->meas[m].agg == STOR_AGG_SUM || b->meas[m].agg == STOR_AGG_COUNT);
    pthread_mutex_init(&b->lock, NULL);
    pthread_rwlock_init(&b->grow_rw, NULL);
    /* From here to the end of the lattice, big arrays keep their
     * pages for the next big request (common/mem.c), up to a sixth of RAM
     * and at most 4 GiB: the buffered rows' columns become the base
     * cuboid's, and each cuboid's arrays the next one's. The kernel no
     * longer faults in and clears those pages anew, which on a VM also
     * costs a host fault where the host has taken back the guest's freed
     * memory: SF 10's lattice went from 61 to 45 CPU-seconds; keeping the
     * rows' pages through the scatter (rather than giving them back as it
     * went) took another 0.5-1.5 s from the build. Since the pages, not
     * whole blocks, are kept and moved where they are needed, a block of
     * any size reuses them (SF 10: 2.3 -> 1.5 M page faults, peak RSS
     * 5.8 -> 5.4 GiB). On from the start: the rows' columns are big too. */
    long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
    uint64_t ram = pages > 0 && psz > 0 ? (uint64_t)pages * (uint64_t)psz : (uint64_t)1 << 32;
    b->big_limit = (size_t)(ram / 6 < ((uint64_t)4 << 30) ? ram / 6 : ((uint64_t)4 << 30));
    mem_big_cache_on(b->big_limit);
    b->big_cache = true;
    b->t0 = now_sec();
    return b;
}

static void free_cub(bcub_t *c, int nmeasures)
{
    for (int k = 0; k < c->ndims; k++) {
        mem_free(c->codes[k]);
        c->codes[k] = NULL;
    }
    if (c->meas)
        for (int m = 0; m < nmeasures; m++)
            mem_free(c->meas[m]);
    mem_free(c->meas);
    c->meas = NULL;
    c->freed = true;
}

static void free_rows(cube_build_t *b)
{
    for (int d = 0; d < b->ndims; d++) {
        mem_free(b->dims[d].rows);
        b->dims[d].rows = NULL;
    }
    for (int g = 0; g < b->ngrps; g++) {
        mem_free(b->grps[g].refs);
        b->grps[g].refs = NULL;
    }
    for (int m = 0; m < b->nmeasures; m++) {
        mem_free(b->meas[m].vals);
        b->meas[m].vals = NULL;
    }
}

void cube_build_free(cube_build_t *b)
{
    if (!b)
        return;
    if (b->big_cache)
        mem_big_cache_off();
    free_rows(b);
    for (int d = 0; d < b->ndims; d++) {
        bdim_t *bd = &b->dims[d];
        mem_free(bd->vals);
        mem_free(bd->gmap);
        mem_free(bd->gseen);
        mem_free(bd->raw);
        mem_free(bd->toff);
        mem_free(bd->tlen);
        mem_free(bd->tbytes);
        mem_free(bd->slots);
        mem_free(bd->small);
        mem_free(bd->vt_map);
        mem_free(bd->remap);
        mem_free(bd->ref_code);
        mem_free(bd->sorted_vals);
        mem_free(bd->sorted_texts);
        mem_free(bd->sorted_lens);
    }
    if (b->cubs) {
        for (int i = 0; i < b->ncubs; i++)
            if (!b->cubs[i].freed)
                free_cub(&b->cubs[i], b->nmeasures);
        mem_free(b->cubs);
    }
    mem_free(b->kids_all);
    for (int i = 0; i < b->ninfo; i++)
        mem_free(b->info[i]);
    mem_free(b->info);
    stor_writer_abort(b->writer);
    mem_free(b->meas);
    pthread_mutex_destroy(&b->lock);
    pthread_rwlock_destroy(&b->grow_rw);
    mem_free(b);
}

uint64_t cube_build_rows_read(const cube_build_t *b) { return b->rows; }

uint64_t cube_build_cuboid_rows(const cube_build_t *b, int i)
{
    return b->cubs && i >= 0 && i < b->ncubs ? b->cubs[i].nrows : 0;
}

bool cube_build_cuboid_stored(const cube_build_t *b, int i)
{
    return b->cubs && i >= 0 && i < b->ncubs && b->cubs[i].stored;
}

void cube_build_set_info(cube_build_t *b, const char *key, const char *value)
{
    pthread_mutex_lock(&b->lock);
    b->info = mem_realloc(b->info, sizeof *b->info * (size_t)(b->ninfo + 2));
    size_t n = strlen(key) + strlen(value) + 2;
    b->info[b->ninfo] = mem_malloc(n);
    snprintf(b->info[b->ninfo], n, "%s %s", key, value);
    b->ninfo++;
    pthread_mutex_unlock(&b->lock);
}

/* ---- interning ---- */

static void dim_grow(bdim_t *d)
{
    uint32_t ncap = d->cap ? 2 * d->cap : 64;
    if (d->kind == STOR_KIND_TEXT) {
        d->toff = mem_realloc(d->toff, ncap * sizeof *d->toff);
        d->tlen = mem_realloc(d->tlen, ncap * sizeof *d->tlen);
    } else {
        d->vals = mem_realloc(d->vals, ncap * sizeof *d->vals);
        if (d->kind == STOR_KIND_FLOAT)
            d->raw = mem_realloc(d->raw, ncap * sizeof *d->raw);
    }
    d->cap = ncap;
    /* Rehash at half load. */
    uint64_t nslots = (uint64_t)ncap * 2;
    mem_free(d->slots);
    d->slots = mem_calloc(nslots, sizeof *d->slots);
    d->mask = nslots - 1;
    for (uint32_t t = 0; t < d->n; t++) {
        if (t == d->null_tid)
            continue;
        uint64_t h = (d->kind == STOR_KIND_TEXT ? hash_bytes(d->tbytes + d->toff[t], d->tlen[t])
                                                : hash_mix64(d->vals[t])) & d->mask;
        while (d->slots[h])
            h = (h + 1) & d->mask;
        d->slots[h] = t + 1;
    }
}

/* Values below this are interned through a direct map: a fact table's small
 * integer columns (SSB's lo_quantity, lo_discount) skip the hash. */
#define SMALL_INTS 4096

static uint32_t intern_hashed(bdim_t *d, uint64_t v);

static inline uint32_t intern_num(bdim_t *d, uint64_t v)
{
    if (v < SMALL_INTS) {
        if (!d->small)
            d->small = mem_calloc(SMALL_INTS, sizeof *d->small);
        uint32_t t = d->small[v];
        if (!t) {
            t = intern_hashed(d, v) + 1;
            d->small[v] = t;
        }
        return t - 1;
    }
    return intern_hashed(d, v);
}

static uint32_t intern_hashed(bdim_t *d, uint64_t v)
{
    if (d->have_last && d->last_val == v)
        return d->last_tid;
    if (d->n == d->cap)
        dim_grow(d);
    uint64_t h = hash_mix64(v) & d->mask;
    uint32_t s;
    while ((s = d->slots[h]) != 0) {
        if (s - 1 != d->null_tid && d->vals[s - 1] == v)
            goto found;
        h = (h + 1) & d->mask;
    }
    s = d->n + 1;
    d->vals[d->n++] = v;
    d->slots[h] = s;
found:
    d->have_last = true;
    d->last_val = v;
    d->last_tid = s - 1;
    return s - 1;
}

static uint32_t intern_text(bdim_t *d, const char *p, uint32_t len)
{
    if (d->n == d->cap)
        dim_grow(d);
    uint64_t h = hash_bytes(p, len) & d->mask;
    uint32_t s;
    while ((s = d->slots[h]) != 0) {
        uint32_t t = s - 1;
        if (t != d->null_tid && d->tlen[t] == len && memcmp(d->tbytes + d->toff[t], p, len) == 0)
            return t;
        h = (h + 1) & d->mask;
    }
    if (d->tbytes_len + len > d->tbytes_cap) {
        size_t ncap = d->tbytes_cap ? 2 * d->tbytes_cap : 4096;
        while (ncap < d->tbytes_len + len)
            ncap *= 2;
        d->tbytes = mem_realloc(d->tbytes, ncap);
        d->tbytes_cap = ncap;
    }
    memcpy(d->tbytes + d->tbytes_len, p, len);
    uint32_t t = d->n++;
    d->toff[t] = (uint32_t)d->tbytes_len;
    d->tlen[t] = len;
    d->tbytes_len += len;
    d->slots[h] = t + 1;
    return t;
}

static uint32_t intern_null(bdim_t *d)
{
    if (d->null_tid == UINT32_MAX) {
        if (d->n == d->cap)
            dim_grow(d);
        d->null_tid = d->n++;
        if (d->kind == STOR_KIND_TEXT) {
            d->toff[d->null_tid] = 0;
            d->tlen[d->null_tid] = 0;
        } else {
            d->vals[d->null_tid] = 0;
        }
    }
    return d->null_tid;
}

/* intern_value - the tid of row r of a column (not REF). */
static inline uint32_t intern_col(bdim_t *d, const cube_col_t *c, size_t r)
{
    if (c->isnull && c->isnull[r])
        return intern_null(d);
    switch (c->kind) {
    case CUBE_COL_INT: return intern_num(d, (uint64_t)c->i[r]);
    case CUBE_COL_FLOAT: {
        /* -0.0 and 0.0 are one value, as in PostgreSQL's GROUP BY, shown as
         * the first one seen (PostgreSQL shows the group's first row's) */
        uint32_t n0 = d->n, t = intern_num(d, float_bits(c->f[r]));
        if (d->n != n0)
            memcpy(&d->raw[t], &c->f[r], 8);
        return t;
    }
    default: return intern_text(d, c->s[r], c->len[r]);
    }
}

/* group_map - the leader's gmap for the k dimensions mem[] (rebuilt from
 * their vt_maps when it was kept for another grouping). */
static uint32_t *group_map(cube_build_t *b, const int *mem, int k)
{
    bdim_t *L = &b->dims[mem[0]];
    size_t vn = L->vt_n;
    if (L->gk != k || memcmp(L->gmem, mem, sizeof *mem * (size_t)k) != 0) {
        mem_free(L->gmap);
        mem_free(L->gseen);
        L->gmap = mem_calloc((vn + 1) * (size_t)k, sizeof *L->gmap);
        L->gseen = mem_calloc(vn / 64 + 1, sizeof *L->gseen);
        L->gk = k;
        memcpy(L->gmem, mem, sizeof *mem * (size_t)k);
        for (size_t ref = 0; ref < vn; ref++) {
            bool all = true;
            for (int j = 0; j < k; j++)
                all &= b->dims[mem[j]].vt_map[ref] != 0;
            for (int j = 0; all && j < k; j++)
                L->gmap[ref * (size_t)k + (size_t)j] = b->dims[mem[j]].vt_map[ref];
            if (all)
                L->gseen[ref / 64] |= 1ULL << (ref % 64);
        }
    }
    return L->gmap;
}

/* group_tid - member j's tid at lookup row ref of group G (ref vt_n: its NULL). */
static inline uint32_t group_tid(const cube_build_t *b, const bgroup_t *G, int j, uint32_t ref)
{
    const bdim_t *L = &b->dims[G->mem[0]];
    if (ref == L->vt_n)
        return b->dims[G->mem[j]].null_tid;
    return L->gmap[(size_t)ref * (size_t)G->k + (size_t)j] - 1;
}

/* dissolve - group g's members get an id array each, the rows read so far
 * expanded from their lookup rows, and the group is gone: a batch fed its
 * members otherwise (or their value tables changed). */
static void dissolve(cube_build_t *b, int g)
{
    bgroup_t *G = &b->grps[g];
    for (int j = 0; j < G->k; j++) {
        bdim_t *d = &b->dims[G->mem[j]];
        d->rows = mem_malloc((b->cap_rows ? b->cap_rows : 1) * sizeof *d->rows);
        for (uint64_t r = 0; r < b->rows; r++)
            d->rows[r] = group_tid(b, G, j, G->refs[r]);
    }
    for (int j = 0; j < G->k; j++)
        b->dims[G->mem[j]].grp = 0;
    mem_free(G->refs);
    b->grps[g] = b->grps[--b->ngrps];
    if (g < b->ngrps)
        for (int j = 0; j < b->grps[g].k; j++)
            b->dims[b->grps[g].mem[j]].grp = g + 1;
}

static bool kind_ok(stor_kind_t k, cube_col_kind_t c)
{
    return (k == STOR_KIND_INT && c == CUBE_COL_INT) || (k == STOR_KIND_FLOAT && c == CUBE_COL_FLOAT) ||
           (k == STOR_KIND_TEXT && c == CUBE_COL_TEXT);
}

int cube_build_set_values(cube_build_t *b, int dim, const cube_col_t *values, size_t n, err_t *err)
{
    if (dim < 0 || dim >= b->ndims)
        return err_set(err, ERRCODE_INTERNAL_ERROR, "no dimension %d", dim);
    bdim_t *d = &b->dims[dim];
    if (!kind_ok(d->kind, values->kind))
        return err_set(err, ERRCODE_DATATYPE_MISMATCH, "value table of dimension \"%s\" has the wrong kind",
                       cube_def_dim_name(b->def, dim));
    if (n >= CUBE_REF_NULL)
        return err_set(err, ERRCODE_PROGRAM_LIMIT_EXCEEDED, "value table of dimension \"%s\" is too large",
                       cube_def_dim_name(b->def, dim));
    pthread_mutex_lock(&b->lock);
    while (b->ngrps > 0) /* their rows refer to the old value tables */
        dissolve(b, b->ngrps - 1);
    d->vt = *values;
    d->vt_n = n;
    mem_free(d->vt_map);
    d->vt_map = mem_calloc(n + 1, sizeof *d->vt_map);
    for (int g = 0; g < b->ndims; g++) { /* groups are rebuilt from the maps */
        mem_free(b->dims[g].gmap);
        mem_free(b->dims[g].gseen);
        b->dims[g].gmap = NULL;
        b->dims[g].gseen = NULL;
        b->dims[g].gk = 0;
    }
    pthread_mutex_unlock(&b->lock);
    return 0;
}

static void report(cube_build_t *b, const char *step)
{
    if (!b->opts.progress)
        return;
    double t = now_sec() - b->t0;
    cube_progress_t p = {step, b->rows, t > 0 ? (double)b->rows / t : 0, atomic_load(&b->cuboids_done),
                         b->ncubs ? b->ncubs : cube_def_ncuboids(b->def), t};
    b->opts.progress(&p, b->opts.progress_arg);
}

/* ref_row - the ids of lookup row ref for the k dimensions mem[] that take
 * their values from the same rows of one lookup (the caller passed them one
 * reference array): kept side by side per lookup row in the leader's gmap,
 * so a fact row costs one cache miss per lookup instead of one per
 * dimension (the lookups are read at random and these misses were two
 * thirds of add_batch, which runs under the build's lock). Fills gm's row
 * when it is new; false when ref is past the value table. */
static inline bool ref_row(cube_build_t *b, const int *mem, int k, uint32_t *gm, uint32_t ref)
{
    bdim_t *L = &b->dims[mem[0]];
    if (ref >= L->vt_n)
        return false;
    uint32_t *g = gm + (size_t)ref * (size_t)k;
    if (!g[0]) {
        for (int j = 0; j < k; j++) {
            bdim_t *d = &b->dims[mem[j]];
            uint32_t t = d->vt_map[ref];
            if (!t) {
                t = intern_col(d, &d->vt, ref) + 1;
                d->vt_map[ref] = t;
            }
            g[j] = t;
        }
        L->gseen[ref / 64] |= 1ULL << (ref % 64);
    }
    return true;
}

static int ref_past(cube_build_t *b, int di, uint32_t ref, err_t *err)
{
    return err_set(err, ERRCODE_INTERNAL_ERROR, "dimension \"%s\": row reference %u past its value table (%zu rows)",
                   cube_def_dim_name(b->def, di), ref, b->dims[di].vt_n);
}

/* add_ref_group - a batch's group that is not one of the build's groups:
 * each member's id into its own row array. */
static int add_ref_group(cube_build_t *b, const int *mem, int k, const cube_col_t *c, size_t n, err_t *err)
{
    uint32_t *gm = group_map(b, mem, k);
    uint32_t *out[CUBE_MAX_DIMS];
    for (int j = 0; j < k; j++)
        out[j] = b->dims[mem[j]].rows + b->rows;
    for (size_t r = 0; r < n; r++) {
        uint32_t ref = c->ref[r];
        if (ref == CUBE_REF_NULL || (c->isnull && c->isnull[r])) {
            for (int j = 0; j < k; j++)
                out[j][r] = intern_null(&b->dims[mem[j]]);
            continue;
        }
        if (!ref_row(b, mem, k, gm, ref))
            return ref_past(b, mem[0], ref, err);
        const uint32_t *g = gm + (size_t)ref * (size_t)k;
        for (int j = 0; j < k; j++)
            out[j][r] = g[j] - 1;
    }
    return 0;
}

/* fill_group - a build group's batch: the lookup row of each input row
 * (vt_n for a NULL reference), its members' ids interned as rows appear. */
static int fill_group(cube_build_t *b, bgroup_t *G, const cube_col_t *c, size_t n, err_t *err)
{
    uint32_t *gm = group_map(b, G->mem, G->k);
    uint32_t vn = (uint32_t)b->dims[G->mem[0]].vt_n, *out = G->refs + b->rows;
    /* a bit per lookup row says it was interned: 1/96 of the group map,
     * so the check per fact row stays in cache (the map missed it) */
    const uint64_t *seen = b->dims[G->mem[0]].gseen;
    for (size_t r = 0; r < n; r++) {
        uint32_t ref = c->ref[r];
        if (ref < vn && (seen[ref / 64] >> (ref % 64) & 1) && !(c->isnull && c->isnull[r])) {
            out[r] = ref;
            continue;
        }
        if (ref == CUBE_REF_NULL || (c->isnull && c->isnull[r])) {
            for (int j = 0; j < G->k && !G->nulls; j++)
                intern_null(&b->dims[G->mem[j]]);
            G->nulls = true;
            out[r] = vn;
            continue;
        }
        if (!ref_row(b, G->mem, G->k, gm, ref))
            return ref_past(b, G->mem[0], ref, err);
        out[r] = ref;
    }
    return 0;
}

/* batch_groups - the REF columns of bt that share one reference array (and
 * value table size): bg[di] = the index of di's group in mem/k, or -1. */
static int batch_groups(const cube_build_t *b, const cube_batch_t *bt, int *bg, int (*mem)[CUBE_MAX_DIMS], int *k)
{
    int ng = 0;
    for (int di = 0; di < b->ndims; di++)
        bg[di] = -2;
    for (int di = 0; di < b->ndims; di++) {
        if (bg[di] != -2)
            continue;
        bg[di] = -1;
        const cube_col_t *c = &bt->dims[di];
        const bdim_t *d = &b->dims[di];
        if (c->kind != CUBE_COL_REF || !d->vt_map)
            continue;
        int kk = 0;
        mem[ng][kk++] = di;
        for (int dj = di + 1; dj < b->ndims; dj++) {
            const cube_col_t *o = &bt->dims[dj];
            if (bg[dj] == -2 && o->kind == CUBE_COL_REF && o->ref == c->ref && o->isnull == c->isnull &&
                b->dims[dj].vt_map && b->dims[dj].vt_n == d->vt_n)
                mem[ng][kk++] = dj;
        }
        if (kk > 1) {
            for (int j = 0; j < kk; j++)
                bg[mem[ng][j]] = ng;
            k[ng++] = kk;
        }
    }
    return ng;
}

static int add_batch_locked(cube_build_t *b, const cube_batch_t *bt, err_t *err)
{
    size_t n = bt->n;
    int bg[CUBE_MAX_DIMS], bmem[CUBE_MAX_DIMS][CUBE_MAX_DIMS], bk[CUBE_MAX_DIMS];
    int nbg = batch_groups(b, bt, bg, bmem, bk);
    /* The build's groups are the first batch's; one that a later batch
     * feeds otherwise is dissolved (the engine always feeds them alike). */
    for (int g = b->ngrps - 1; g >= 0; g--) {
        const bgroup_t *G = &b->grps[g];
        int x = bg[G->mem[0]];
        if (x < 0 || bk[x] != G->k || memcmp(bmem[x], G->mem, sizeof *G->mem * (size_t)G->k) != 0)
            dissolve(b, g);
    }
    if (b->rows == 0)
        for (int x = 0; x < nbg; x++) {
            if (b->dims[bmem[x][0]].grp)
                continue;
            bgroup_t *G = &b->grps[b->ngrps++];
            G->k = bk[x];
            memcpy(G->mem, bmem[x], sizeof *G->mem * (size_t)bk[x]);
            G->refs = NULL;
            G->nulls = false;
            for (int j = 0; j < G->k; j++) {
                bdim_t *d = &b->dims[G->mem[j]];
                d->grp = b->ngrps;
                mem_free(d->rows);
                d->rows = NULL;
            }
        }
    bool grow = b->rows + n > b->cap_rows || b->cap_rows == 0;
    for (int g = 0; g < b->ngrps; g++)
        grow |= b->grps[g].refs == NULL;
    if (grow) {
        uint64_t ncap = b->cap_rows ? b->cap_rows : 65536;
        while (ncap < b->rows + n)
            ncap *= 2;
        /* The buffered rows and what the build makes of them: the base
         * cuboid and the lattice after it peak at 2-2.25 times the rows'
         * bytes (SSB SF 10: 2.9 GB of rows, 5.8-6.5 GB peak: the rows'
         * freed pages are kept for reuse), so 2.4 times must fit.
         * Refuse before the kernel's OOM killer takes the whole server. */
        uint64_t per = 4 * (uint64_t)b->ngrps, lim = b->opts.memory_limit;
        for (int d = 0; d < b->ndims; d++)
            per += b->dims[d].grp ? 0 : 4;
        for (int m = 0; m < b->nmeasures; m++)
            per += b->meas[m].star ? 0 : 8;
        if (per && ncap * per / 5 * 12 > lim)
            ncap = b->rows + n + (b->rows + n) / 8; /* near the limit: grow by an eighth */
        if (per && ncap * per / 5 * 12 > lim) {
            err_set(err, ERRCODE_OUT_OF_MEMORY, "cube build needs more memory than kiln.build.memory-limit-bytes allows (%llu bytes)",
                    (unsigned long long)lim);
            err_detail(err, "%llu fact rows read so far, %llu bytes each while the cube is built, with 140%% more for the base "
                       "cuboid and the cuboids computed from it.", (unsigned long long)(b->rows + n), (unsigned long long)per);
            err_hint(err, "Raise kiln.build.memory-limit-bytes (0 means three quarters of physical memory) or give the "
                     "server more memory.");
            return -1;
        }
        /* the arrays may move: wait for the batches still copying measures */
        pthread_rwlock_wrlock(&b->grow_rw);
        for (int d = 0; d < b->ndims; d++)
            if (!b->dims[d].grp)
                b->dims[d].rows = mem_realloc(b->dims[d].rows, ncap * sizeof(uint32_t));
        for (int g = 0; g < b->ngrps; g++)
            b->grps[g].refs = mem_realloc(b->grps[g].refs, ncap * sizeof(uint32_t));
        for (int m = 0; m < b->nmeasures; m++)
            if (!b->meas[m].star)
                b->meas[m].vals = mem_realloc(b->meas[m].vals, ncap * sizeof(uint64_t));
        b->cap_rows = ncap;
        pthread_rwlock_unlock(&b->grow_rw);
    }
    for (int di = 0; di < b->ndims; di++) {
        bdim_t *d = &b->dims[di];
        const cube_col_t *c = &bt->dims[di];
        if (d->grp) {
            bgroup_t *G = &b->grps[d->grp - 1];
            if (G->mem[0] == di && fill_group(b, G, c, n, err) < 0)
                return -1;
            continue;
        }
        if (bg[di] >= 0) {
            if (bmem[bg[di]][0] == di && add_ref_group(b, bmem[bg[di]], bk[bg[di]], c, n, err) < 0)
                return -1;
            continue;
        }
        uint32_t *out = d->rows + b->rows;
        if (c->kind == CUBE_COL_REF) {
            if (!d->vt_map)
                return err_set(err, ERRCODE_INTERNAL_ERROR, "dimension \"%s\" got row references but has no value table",
                               cube_def_dim_name(b->def, di));
            for (size_t r = 0; r < n; r++) {
                uint32_t ref = c->ref[r];
                if (ref == CUBE_REF_NULL || (c->isnull && c->isnull[r])) {
                    out[r] = intern_null(d);
                    continue;
                }
                if (ref >= d->vt_n)
                    return ref_past(b, di, ref, err);
                uint32_t t = d->vt_map[ref];
                if (!t) {
                    t = intern_col(d, &d->vt, ref) + 1;
                    d->vt_map[ref] = t;
                }
                out[r] = t - 1;
            }
        } else {
            if (!kind_ok(d->kind, c->kind))
                return err_set(err, ERRCODE_DATATYPE_MISMATCH, "column for dimension \"%s\" has the wrong kind",
                               cube_def_dim_name(b->def, di));
            for (size_t r = 0; r < n; r++)
                out[r] = intern_col(d, c, r);
        }
    }
    return 0;
}

/* check_meas - whether the batch's measure columns have kinds the build
 * can take, before anything of the batch is stored */
static int check_meas(cube_build_t *b, const cube_batch_t *bt, err_t *err)
{
    for (int mi = 0; mi < b->nmeasures; mi++) {
        const bmeas_t *m = &b->meas[mi];
        const cube_col_t *c = &bt->measures[mi];
        if (m->star || m->agg == STOR_AGG_COUNT)
            continue;
        if (m->kind == STOR_KIND_INT && c->kind != CUBE_COL_INT)
            return err_set(err, ERRCODE_DATATYPE_MISMATCH, "input of integer measure \"%s\" is not an integer column",
                           cube_def_measure(b->def, mi)->name);
        if (m->kind != STOR_KIND_INT && c->kind != CUBE_COL_INT && c->kind != CUBE_COL_FLOAT)
            return err_set(err, ERRCODE_DATATYPE_MISMATCH, "input of measure \"%s\" is not numeric",
                           cube_def_measure(b->def, mi)->name);
    }
    return 0;
}

/* copy_meas - the batch's measures into rows [r0, r0 + n), which the
 * caller reserved: outside the build's lock (under grow_rw shared), so the
 * other readers intern their codes meanwhile, and the page faults of the
 * fresh rows do not hold them up. */
static void copy_meas(cube_build_t *b, const cube_batch_t *bt, uint64_t r0)
{
    size_t n = bt->n;
    for (int mi = 0; mi < b->nmeasures; mi++) {
        bmeas_t *m = &b->meas[mi];
        if (m->star)
            continue;
        const cube_col_t *c = &bt->measures[mi];
        uint64_t *out = m->vals + r0;
        const uint8_t *nul = c->isnull;
        if (m->agg == STOR_AGG_COUNT) {
            for (size_t r = 0; r < n; r++)
                out[r] = nul && nul[r] ? 0 : 1;
            continue;
        }
        if (m->kind == STOR_KIND_INT) {
            int64_t none = m->agg == STOR_AGG_MIN ? STOR_MIN_NULL_I64 : m->agg == STOR_AGG_MAX ? STOR_MAX_NULL_I64 : 0;
            uint64_t mx = 0;
            for (size_t r = 0; r < n; r++) {
                int64_t v = nul && nul[r] ? none : c->i[r];
                uint64_t a = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
                mx = a > mx ? a : mx;
                out[r] = (uint64_t)v;
            }
            uint64_t cur = __atomic_load_n(&m->maxabs, __ATOMIC_RELAXED);
            while (mx > cur && !__atomic_compare_exchange_n(&m->maxabs, &cur, mx, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
                ;
        } else {
            double none = m->agg == STOR_AGG_MIN ? HUGE_VAL : m->agg == STOR_AGG_MAX ? -HUGE_VAL : 0.0;
            for (size_t r = 0; r < n; r++) {
                double v = nul && nul[r] ? none : c->kind == CUBE_COL_INT ? (double)c->i[r] : c->f[r];
                memcpy(&out[r], &v, 8);
            }
        }
    }
}

#define POP_ROWS ((uint64_t)1 << 18)

/* The buffered arrays' pages of one chunk of rows, to be faulted in. */
typedef struct ahead {
    int n;
    uint64_t from, to;
    struct {
        char *p;
        size_t w;
    } *col;
} ahead_t;

/* ahead_of - when rows [r0, b->rows) entered a new chunk, the next chunk
 * of every buffered array (under the lock: a group's dissolving may change
 * which arrays there are); n 0 otherwise. Its reader faults them in after
 * the lock, a range at a time, so the other readers' interning under the
 * lock neither traps per page nor waits on a fault. */
static ahead_t ahead_of(const cube_build_t *b, uint64_t r0)
{
    ahead_t h = {0};
    uint64_t k = b->rows / POP_ROWS;
    h.from = (k + 1) * POP_ROWS;
    h.to = h.from + POP_ROWS < b->cap_rows ? h.from + POP_ROWS : b->cap_rows;
    if (k == r0 / POP_ROWS || h.from >= h.to)
        return h;
    h.col = mem_malloc(sizeof *h.col * (size_t)(b->ndims + b->ngrps + b->nmeasures + 1));
    for (int d = 0; d < b->ndims; d++)
        if (!b->dims[d].grp && b->dims[d].rows)
            h.col[h.n].p = (char *)b->dims[d].rows, h.col[h.n++].w = 4;
    for (int g = 0; g < b->ngrps; g++)
        if (b->grps[g].refs)
            h.col[h.n].p = (char *)b->grps[g].refs, h.col[h.n++].w = 4;
    for (int m = 0; m < b->nmeasures; m++)
        if (!b->meas[m].star && b->meas[m].vals)
            h.col[h.n].p = (char *)b->meas[m].vals, h.col[h.n++].w = 8;
    return h;
}

int cube_build_add_batch(cube_build_t *b, const cube_batch_t *bt, err_t *err)
{
    if (b->finished)
        return err_set(err, ERRCODE_INTERNAL_ERROR, "cube build already finished");
    pthread_mutex_lock(&b->lock);
    uint64_t r0 = b->rows;
    int rc = check_meas(b, bt, err);
    if (rc == 0)
        rc = add_batch_locked(b, bt, err);
    ahead_t h = {0};
    if (rc == 0) {
        /* the rows are this batch's (a failed batch reserves none: ids may
         * leak, rows do not); no growth moves them until they are copied */
        b->rows = r0 + bt->n;
        pthread_rwlock_rdlock(&b->grow_rw);
        h = ahead_of(b, r0);
    }
    bool rep = rc == 0 && b->rows >= b->next_report;
    if (rep)
        b->next_report = b->rows + b->opts.progress_every;
    if (rep)
        report(b, "read");
    pthread_mutex_unlock(&b->lock);
    if (rc == 0) {
        for (int i = 0; i < h.n; i++)
            mem_populate(h.col[i].p + h.from * h.col[i].w, (h.to - h.from) * h.col[i].w);
        mem_free(h.col);
        copy_meas(b, bt, r0);
        pthread_rwlock_unlock(&b->grow_rw);
    }
    return rc;
}

/* ---- parallel helper ---- */

typedef struct pfor {
    atomic_int next;
    int n;
    void (*fn)(cube_build_t *b, int i);
    cube_build_t *b;
} pfor_t;

static void *pfor_worker(void *arg)
{
    pfor_t *p = arg;
    int i;
    while ((i = atomic_fetch_add(&p->next, 1)) < p->n && !atomic_load(&p->b->failed))
        p->fn(p->b, i);
    return NULL;
}

/* run_threads - fn(arg) on t threads (at most 64), the caller being one of
 * them, so t = 1 runs inline; a thread that cannot start leaves its share
 * to the others. */
static void run_threads(int t, void *(*fn)(void *), void *arg)
{
    pthread_t th[64];
    if (t > 64)
        t = 64;
    int started = 0;
    for (int i = 1; i < t; i++)
        if (pthread_create(&th[started], NULL, fn, arg) == 0)
            started++;
    fn(arg);
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
}

static void parallel_for(cube_build_t *b, int n, void (*fn)(cube_build_t *b, int i))
{
    pfor_t p = {0, n, fn, b};
    run_threads(b->threads < n ? b->threads : n, pfor_worker, &p);
}

static void fail(cube_build_t *b, const err_t *e);

/* check_overflow - after a cuboid (or a part of one) on this thread. */
static void check_overflow(cube_build_t *b)
{
    if (!sum_overflow)
        return;
    sum_overflow = 0;
    err_t e = {0};
    err_set(&e, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, "an integer sum of cube \"%s\" is out of range for type bigint",
            cube_def_name(b->def));
    err_hint(&e, "kiln keeps sums of integer and numeric measures in 64 bits; sum a narrower expression, or a float8 cast of it.");
    fail(b, &e);
}

static void fail(cube_build_t *b, const err_t *e)
{
    pthread_mutex_lock(&b->lock);
    if (!b->werr.set)
        b->werr = *e;
    atomic_store(&b->failed, 1);
    pthread_mutex_unlock(&b->lock);
}

/* ---- step 1: dictionaries ---- */

static int cmp_tid(const void *x, const void *y, void *arg)
{
    const bdim_t *d = arg;
    uint32_t a = *(const uint32_t *)x, c = *(const uint32_t *)y;
    switch (d->kind) {
    case STOR_KIND_INT: {
        int64_t va = (int64_t)d->vals[a], vb = (int64_t)d->vals[c];
        return va < vb ? -1 : va > vb;
    }
    case STOR_KIND_FLOAT: {
        double va, vb;
        memcpy(&va, &d->vals[a], 8);
        memcpy(&vb, &d->vals[c], 8);
        if (va < vb)
            return -1;
        if (va > vb)
            return 1;
        bool na = va != va, nb = vb != vb;
        return na == nb ? 0 : na ? 1 : -1;
    }
    default: {
        uint32_t la = d->tlen[a], lb = d->tlen[c];
        int r = memcmp(d->tbytes + d->toff[a], d->tbytes + d->toff[c], la < lb ? la : lb);
        return r ? (r < 0 ? -1 : 1) : la < lb ? -1 : la > lb;
    }
    }
}

static void build_dict(cube_build_t *b, int di)
{
    bdim_t *d = &b->dims[di];
    uint32_t nn = d->n - (d->null_tid != UINT32_MAX);
    uint32_t *order = mem_malloc(((size_t)nn + 1) * sizeof *order);
    uint32_t k = 0;
    for (uint32_t t = 0; t < d->n; t++)
        if (t != d->null_tid)
            order[k++] = t;
    qsort_r(order, nn, sizeof *order, cmp_tid, d);
    d->remap = mem_malloc(((size_t)d->n + 1) * sizeof *d->remap);
    for (uint32_t c = 0; c < nn; c++)
        d->remap[order[c]] = c;
    if (d->null_tid != UINT32_MAX)
        d->remap[d->null_tid] = nn;
    d->ncodes = d->n;
    stor_dict_src_t *s = &d->src;
    s->kind = d->kind;
    s->n = nn;
    s->has_null = d->null_tid != UINT32_MAX;
    if (d->kind == STOR_KIND_TEXT) {
        d->sorted_texts = mem_malloc(((size_t)nn + 1) * sizeof *d->sorted_texts);
        d->sorted_lens = mem_malloc(((size_t)nn + 1) * sizeof *d->sorted_lens);
        for (uint32_t c = 0; c < nn; c++) {
            d->sorted_texts[c] = d->tbytes + d->toff[order[c]];
            d->sorted_lens[c] = d->tlen[order[c]];
        }
        s->texts = d->sorted_texts;
        s->text_lens = d->sorted_lens;
    } else {
        uint64_t *v = mem_malloc(((size_t)nn + 1) * sizeof *v);
        const uint64_t *src = d->kind == STOR_KIND_FLOAT && d->raw ? d->raw : d->vals;
        for (uint32_t c = 0; c < nn; c++)
            v[c] = src[order[c]];
        d->sorted_vals = v;
        if (d->kind == STOR_KIND_INT)
            s->ints = (const int64_t *)v;
        else
            s->floats = (const double *)v;
    }
    mem_free(order);
    if (d->grp) {
        /* a group member: the code of each lookup row (the last: NULL) */
        const bgroup_t *G = &b->grps[d->grp - 1];
        const bdim_t *L = &b->dims[G->mem[0]];
        int j = 0;
        while (G->mem[j] != di)
            j++;
        d->ref_code = mem_malloc((L->vt_n + 1) * sizeof *d->ref_code);
        for (size_t ref = 0; ref <= L->vt_n; ref++) {
            uint32_t t = group_tid(b, G, j, (uint32_t)ref); /* UINT32_MAX: no row refers to it */
            d->ref_code[ref] = t == UINT32_MAX ? 0 : d->remap[t];
        }
        return;
    }
    /* ids -> codes in place */
    uint32_t *rows = d->rows, *remap = d->remap;
    for (uint64_t r = 0; r < b->rows; r++)
        rows[r] = remap[rows[r]];
}

/* ---- cuboid computation ---- */

typedef struct src {
    uint64_t n;
    int ndims;
    int dims[CUBE_MAX_DIMS];         /* rowkey order */
    const void *codes[CUBE_MAX_DIMS];
    /* The buffered rows' lookup-group members: codes[k] NULL, the code of
     * row i is rcode[k][ref[k][i]] (rcode has nref[k] entries). */
    const uint32_t *ref[CUBE_MAX_DIMS], *rcode[CUBE_MAX_DIMS];
    size_t nref[CUBE_MAX_DIMS];
    int width[CUBE_MAX_DIMS];
    const uint64_t *const *meas;     /* NULL entry: count(*) input, 1 per row */
    bool sorted;                     /* rows sorted by codes (a cuboid), not raw input */
} src_t;

static inline uint32_t code_at(const void *col, int w, uint64_t i)
{
    switch (w) {
    case 1: return ((const uint8_t *)col)[i];
    case 2: return ((const uint16_t *)col)[i];
    default: return ((const uint32_t *)col)[i];
    }
}

/* or_codes - dst[i] |= code of row from + i << sh, for n rows of a code
 * column of width w: one typed loop per width, which vectorises. */
static inline void or_codes(uint64_t *dst, const void *col, int w, uint64_t from, uint64_t n, int sh)
{
    if (w == 1) {
        const uint8_t *x = (const uint8_t *)col + from;
        for (uint64_t i = 0; i < n; i++)
            dst[i] |= (uint64_t)x[i] << sh;
    } else if (w == 2) {
        const uint16_t *x = (const uint16_t *)col + from;
        for (uint64_t i = 0; i < n; i++)
            dst[i] |= (uint64_t)x[i] << sh;
    } else {
        const uint32_t *x = (const uint32_t *)col + from;
        for (uint64_t i = 0; i < n; i++)
            dst[i] |= (uint64_t)x[i] << sh;
    }
}

static void put_code(void *col, int w, uint64_t i, uint32_t v)
{
    switch (w) {
    case 1: ((uint8_t *)col)[i] = (uint8_t)v; break;
    case 2: ((uint16_t *)col)[i] = (uint16_t)v; break;
    default: ((uint32_t *)col)[i] = v; break;
    }
}

/* fill_code - rows [from, to) of a code column set to v */
static void fill_code(void *col, int w, uint64_t from, uint64_t to, uint32_t v)
{
    switch (w) {
    case 1:
        memset((uint8_t *)col + from, (int)v, to - from);
        break;
    case 2:
        for (uint64_t i = from; i < to; i++)
            ((uint16_t *)col)[i] = (uint16_t)v;
        break;
    default:
        for (uint64_t i = from; i < to; i++)
            ((uint32_t *)col)[i] = v;
        break;
    }
}

static uint64_t init_value(stor_kind_t k, stor_agg_t g)
{
    if (k == STOR_KIND_INT)
        return (uint64_t)(g == STOR_AGG_MIN ? STOR_MIN_NULL_I64 : g == STOR_AGG_MAX ? STOR_MAX_NULL_I64 : 0);
    double v = g == STOR_AGG_MIN ? HUGE_VAL : g == STOR_AGG_MAX ? -HUGE_VAL : 0.0;
    uint64_t u;
    memcpy(&u, &v, 8);
    return u;
}

/* sums_fit_of - whether no sum of any of the rows' inputs can leave
 * int64: rows times each integer sum's largest |input| fits (counts add
 * at most 1 a row). Then the summing loops leave out the overflow check
 * (SUM_ADD): SSB SF 10's largest, 60 M rows of at most 10^8, is 10^5
 * times under the bound. */
static bool sums_fit_of(const cube_build_t *b)
{
    if (!b->int_sums)
        return false;
    for (int m = 0; m < b->nmeasures; m++) {
        const bmeas_t *bm = &b->meas[m];
        uint64_t most = bm->star || bm->agg == STOR_AGG_COUNT ? 1 : bm->maxabs;
        if (most && b->rows > (uint64_t)INT64_MAX / most)
            return false;
    }
    return true;
}

/* SUM_ADD - *r = a + x in a summing loop instantiated for FIT 1 (sums_fit:
 * a plain add) or 0 (the overflow checked, ovf set) */
#define SUM_ADD(FIT, a, x, r)                                                                                          \
    ((FIT) ? (void)(*(r) = (int64_t)((uint64_t)(a) + (uint64_t)(x)))                                                   \
           : (void)(ovf |= __builtin_add_overflow((a), (x), (r))))

static inline uint64_t add_i64(uint64_t acc, uint64_t v)
{
    int64_t r;
    if (__builtin_add_overflow((int64_t)acc, (int64_t)v, &r))
        sum_overflow = 1;
    return (uint64_t)r;
}

static inline uint64_t merge(stor_kind_t k, stor_agg_t g, uint64_t acc, uint64_t v)
{
    if (g == STOR_AGG_SUM || g == STOR_AGG_COUNT) {
        if (k == STOR_KIND_INT)
            return add_i64(acc, v);
        double a, x;
        memcpy(&a, &acc, 8);
        memcpy(&x, &v, 8);
        a += x;
        memcpy(&acc, &a, 8);
        return acc;
    }
    if (k == STOR_KIND_INT) {
        int64_t a = (int64_t)acc, x = (int64_t)v;
        return (uint64_t)(g == STOR_AGG_MIN ? (x < a ? x : a) : (x > a ? x : a));
    }
    double a, x;
    memcpy(&a, &acc, 8);
    memcpy(&x, &v, 8);
    return g == STOR_AGG_MIN ? (x < a ? v : acc) : (x > a ? v : acc);
}

/* alloc_out_keep - c's arrays for nrows rows; a measure whose keep[m] is
 * not NULL takes that array (of at least nrows + 1 values) instead of a
 * fresh one. */
static void alloc_out_keep(cube_build_t *b, bcub_t *c, uint64_t nrows, uint64_t *const *keep)
{
    c->nrows = nrows;
    for (int k = 0; k < c->ndims; k++) {
        c->width[k] = stor_writer_code_width(b->writer, c->dims[k]);
        c->codes[k] = mem_malloc(nrows * (size_t)c->width[k] + 8);
    }
    c->meas = mem_calloc((size_t)b->nmeasures + 1, sizeof *c->meas);
    for (int m = 0; m < b->nmeasures; m++)
        c->meas[m] = keep && keep[m] ? keep[m] : mem_malloc(nrows * 8 + 8);
}

static void alloc_out(cube_build_t *b, bcub_t *c, uint64_t nrows)
{
    alloc_out_keep(b, c, nrows, NULL);
}

/* grow_out - resizes c's arrays to nrows rows (more or fewer), keeping
 * the rows they hold. */
static void grow_out(cube_build_t *b, bcub_t *c, uint64_t nrows)
{
    c->nrows = nrows;
    for (int k = 0; k < c->ndims; k++)
        c->codes[k] = mem_realloc(c->codes[k], nrows * (size_t)c->width[k] + 8);
    for (int m = 0; m < b->nmeasures; m++)
        c->meas[m] = mem_realloc(c->meas[m], nrows * 8 + 8);
}

/* Where each dimension's code sits in a sorted key (compute_sort), so
 * emit_runs reads codes sequentially from the keys instead of gathering
 * them from the source in random order. */
typedef struct keydec {
    const uint64_t *keys;
    int E;
    int word_of[CUBE_MAX_DIMS], shift_of[CUBE_MAX_DIMS];
    uint64_t mask[CUBE_MAX_DIMS];
} keydec_t;

/* gather_codes - out[g] = in[rows[g]] (through perm when given) for one
 * dimension; the same dimension has the same width in every cuboid, so the
 * common case is a typed copy. */
static void gather_codes(void *out, int wo, const void *in, int wi, const uint64_t *rows, const uint32_t *perm,
                         uint64_t ng)
{
    if (wo == wi && !perm) {
        if (wo == 1) {
            uint8_t *o = out;
            const uint8_t *x = in;
            for (uint64_t g = 0; g < ng; g++)
                o[g] = x[rows[g]];
        } else if (wo == 2) {
            uint16_t *o = out;
            const uint16_t *x = in;
            for (uint64_t g = 0; g < ng; g++)
                o[g] = x[rows[g]];
        } else {
            uint32_t *o = out;
            const uint32_t *x = in;
            for (uint64_t g = 0; g < ng; g++)
                o[g] = x[rows[g]];
        }
        return;
    }
    for (uint64_t g = 0; g < ng; g++)
        put_code(out, wo, g, code_at(in, wi, perm ? perm[rows[g]] : rows[g]));
}

/* fill_gid - the group of every position: groups start at starts[0..ng)
 * (starts[ng] = n). Built once per cuboid (or block), so each measure's
 * pass below is one loop over the positions, without a branch per group
 * that mispredicts on every short group. */
static void fill_gid(uint32_t *gid, const uint64_t *starts, uint64_t ng)
{
    uint64_t n = starts[ng];
    memset(gid, 0, (n + 1) * sizeof *gid);
    for (uint64_t g = 1; g < ng; g++)
        gid[starts[g]] = 1;
    uint32_t acc = 0;
    for (uint64_t x = 0; x < n; x++) {
        acc += gid[x];
        gid[x] = acc;
    }
}

static uint32_t *make_gid(const uint64_t *starts, uint64_t ng)
{
    uint32_t *gid = mem_malloc((starts[ng] + 1) * sizeof *gid);
    fill_gid(gid, starts, ng);
    return gid;
}

/* sum_groups - one measure over groups: out[g] = merge of in[rows[x]] (or
 * in[perm[x]], or in[x]) for the positions x of group g (gid). */
static void sum_groups(stor_kind_t mk, stor_agg_t ag, uint64_t *out, const uint64_t *in, const uint64_t *rows,
                       const uint32_t *perm, const uint32_t *gid, uint64_t n, uint64_t ng)
{
    uint64_t init = init_value(mk, ag);
    for (uint64_t g = 0; g < ng; g++)
        out[g] = init;
    if (mk == STOR_KIND_INT && (ag == STOR_AGG_SUM || ag == STOR_AGG_COUNT)) {
        if (rows)
            for (uint64_t x = 0; x < n; x++)
                out[gid[x]] = add_i64(out[gid[x]], in[rows[x]]);
        else if (perm)
            for (uint64_t x = 0; x < n; x++)
                out[gid[x]] = add_i64(out[gid[x]], in[perm[x]]);
        else
            for (uint64_t x = 0; x < n; x++)
                out[gid[x]] = add_i64(out[gid[x]], in[x]);
        return;
    }
    for (uint64_t x = 0; x < n; x++)
        out[gid[x]] = merge(mk, ag, out[gid[x]], in[rows ? rows[x] : perm ? perm[x] : x]);
}

/* BY_WIDTH - LOOP(T) with T the C type of a code column of width w (1, 2
 * or 4 bytes): a typed loop per width, not a switch per value. */
#define BY_WIDTH(w, LOOP)                                                                                              \
    do {                                                                                                               \
        switch (w) {                                                                                                   \
        case 1: LOOP(uint8_t); break;                                                                                  \
        case 2: LOOP(uint16_t); break;                                                                                 \
        default: LOOP(uint32_t); break;                                                                                \
        }                                                                                                              \
    } while (0)

/* BY_NM - LOOP(NM) with NM the constant 1-4 where nm is one of those (the
 * common cases), so a loop over the measures inside it unrolls; LOOP(nm)
 * otherwise. */
#define BY_NM(nm, LOOP)                                                                                                \
    do {                                                                                                               \
        switch (nm) {                                                                                                  \
        case 1: LOOP(1); break;                                                                                        \
        case 2: LOOP(2); break;                                                                                        \
        case 3: LOOP(3); break;                                                                                        \
        case 4: LOOP(4); break;                                                                                        \
        default: LOOP(nm); break;                                                                                      \
        }                                                                                                              \
    } while (0)

/* BY_NM_SUMS - LOOP(NM, FIT) for the measure count nm, FIT 1 where the
 * sums fit (SUM_ADD) */
#define NM_SWITCH(nm, LOOP, FIT)                                                                                       \
    switch (nm) {                                                                                                      \
    case 1: LOOP(1, FIT); break;                                                                                       \
    case 2: LOOP(2, FIT); break;                                                                                       \
    case 3: LOOP(3, FIT); break;                                                                                       \
    case 4: LOOP(4, FIT); break;                                                                                       \
    default: LOOP(nm, FIT); break;                                                                                     \
    }
#define BY_NM_SUMS(nm, fit, LOOP)                                                                                      \
    do {                                                                                                               \
        if (fit) {                                                                                                     \
            NM_SWITCH(nm, LOOP, 1)                                                                                     \
        } else {                                                                                                       \
            NM_SWITCH(nm, LOOP, 0)                                                                                     \
        }                                                                                                              \
    } while (0)

/* sum_block - every measure over the groups of one block (rows[x] the
 * source row of position x, or x when rows is NULL; gid[x] its group):
 * where all are integer sums
 * and counts, as most cubes' measures are, one pass over the positions adds
 * all of them (the positions and groups read once, not once per measure). */
static void sum_block(const cube_build_t *b, uint64_t *const *out, uint64_t off, const uint64_t *const *in,
                      const uint64_t *rows, const uint32_t *gid, uint64_t n, uint64_t ng)
{
    int nm = b->nmeasures;
    bool fused = b->int_sums;
    for (int m = 0; m < nm && fused; m++)
        fused = in[m] != NULL;
    if (!fused) {
        for (int m = 0; m < nm; m++)
            sum_groups(b->meas[m].kind, b->meas[m].agg, out[m] + off, in[m], rows, NULL, gid, n, ng);
        return;
    }
    uint64_t *o[8];
    const uint64_t *v[8];
    for (int m = 0; m < nm; m++) {
        o[m] = out[m] + off;
        v[m] = in[m];
    }
    /* A group's positions are consecutive (gid ascends), so each measure
     * sums in a register, reset where the group changes (a mask, not a
     * branch: groups are short and mispredict), and is stored at every
     * position, the last store holding the sum. Reading the sum back from
     * memory at every position put a store-to-load round trip on the chain;
     * and every group has a position, so the outputs need no clearing. */
    bool ovf = false;
#define SUM_BLOCK_LOOP(NM, FIT)                                                                                        \
    do {                                                                                                               \
        int64_t acc[8] = { 0 };                                                                                        \
        uint32_t gp = UINT32_MAX;                                                                                      \
        for (uint64_t x = 0; x < n; x++) {                                                                             \
            uint32_t g = gid[x];                                                                                       \
            uint64_t i = rows ? rows[x] : x;                                                                           \
            int64_t same = -(int64_t)(g == gp), r;                                                                     \
            _Pragma("GCC unroll 8") for (int m = 0; m < (NM); m++)                                                    \
            {                                                                                                          \
                SUM_ADD(FIT, acc[m] & same, (int64_t)v[m][i], &r);                                                     \
                acc[m] = r;                                                                                            \
                o[m][g] = (uint64_t)r;                                                                                 \
            }                                                                                                          \
            gp = g;                                                                                                    \
        }                                                                                                              \
    } while (0)
    BY_NM_SUMS(nm, b->sums_fit, SUM_BLOCK_LOOP);
#undef SUM_BLOCK_LOOP
    (void)ng;
    if (ovf)
        sum_overflow = 1;
}

/* emit_runs - output rows from a permutation of the source (perm NULL:
 * identity) cut into groups at starts[0..ng] (starts[ng] = n). */
static void emit_runs(cube_build_t *b, const src_t *s, const int *pos, bcub_t *c, const uint32_t *perm,
                      const uint64_t *starts, uint64_t ng, const keydec_t *kd)
{
    alloc_out(b, c, ng);
    if (kd) {
        /* Group-major: each group's key is read once for all dimensions. */
        const uint64_t *keys = kd->keys;
        int E = kd->E, K = c->ndims;
        for (uint64_t g = 0; g < ng; g++) {
            const uint64_t *e = keys + starts[g] * E;
            for (int k = 0; k < K; k++)
                put_code(c->codes[k], c->width[k], g, (uint32_t)((e[kd->word_of[k]] >> kd->shift_of[k]) & kd->mask[k]));
        }
    }
    for (int k = 0; k < c->ndims && !kd; k++)
        gather_codes(c->codes[k], c->width[k], s->codes[pos[k]], s->width[pos[k]], starts, perm, ng);
    uint32_t *gid = NULL;
    bool all_in = true;
    for (int m = 0; m < b->nmeasures; m++)
        all_in &= s->meas[m] != NULL;
    if (!perm && all_in && b->nmeasures > 0) {
        /* from a cuboid in order: every measure in one pass */
        gid = make_gid(starts, ng);
        sum_block(b, c->meas, 0, s->meas, NULL, gid, starts[ng], ng);
        mem_free(gid);
        return;
    }
    for (int m = 0; m < b->nmeasures; m++) {
        stor_kind_t mk = b->meas[m].kind;
        stor_agg_t ag = b->meas[m].agg;
        const uint64_t *in = s->meas[m];
        uint64_t *out = c->meas[m];
        if (!in) { /* count(*) from raw rows: the run length */
            for (uint64_t g = 0; g < ng; g++)
                out[g] = starts[g + 1] - starts[g];
            continue;
        }
        if (!gid)
            gid = make_gid(starts, ng);
        sum_groups(mk, ag, out, in, NULL, perm, gid, starts[ng], ng);
    }
    mem_free(gid);
}

/* or_breaks - flags[i - i0] |= (code of row i differs from row i - 1's), for
 * rows [i0, i1) of a code column (i0 >= 1): one typed loop per width */
/* next_break - the first i in [i, e) with brk[i] set, else e: eight flags
 * (bytes of 0 or 1) tested at once, so a long run costs an eighth of a
 * byte-at-a-time scan and a short one no mispredicted loop exit */
static inline uint64_t next_break(const uint8_t *brk, uint64_t i, uint64_t e)
{
    for (; i + 8 <= e; i += 8) {
        uint64_t w;
        memcpy(&w, brk + i, 8);
        if (w)
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
            return i + (uint64_t)(__builtin_clzll(w) >> 3);
#else
            return i + (uint64_t)(__builtin_ctzll(w) >> 3);
#endif
    }
    while (i < e && !brk[i])
        i++;
    return i;
}

static void or_breaks(uint8_t *flags, const void *col, int w, uint64_t i0, uint64_t i1)
{
    if (w == 1) {
        const uint8_t *x = col;
        for (uint64_t i = i0; i < i1; i++)
            flags[i - i0] |= x[i] != x[i - 1];
    } else if (w == 2) {
        const uint16_t *x = col;
        for (uint64_t i = i0; i < i1; i++)
            flags[i - i0] |= x[i] != x[i - 1];
    } else {
        const uint32_t *x = col;
        for (uint64_t i = i0; i < i1; i++)
            flags[i - i0] |= x[i] != x[i - 1];
    }
}

static void compute_prefix_whole(cube_build_t *b, const src_t *s, const int *pos, bcub_t *c);

/* compute_prefix - c from a parent already in c's order (c's dimensions
 * lead it, or only dependent ones come between): each group is a run of
 * equal codes. Taken a chunk of whole groups at a time, so the group
 * flags, starts and ids stay in cache and each column is read once. */
static void compute_prefix(cube_build_t *b, const src_t *s, const int *pos, bcub_t *c)
{
    uint64_t n = s->n;
    bool all_in = b->nmeasures > 0;
    for (int m = 0; m < b->nmeasures; m++)
        all_in &= s->meas[m] != NULL;
    if (!all_in || n == 0) {
        compute_prefix_whole(b, s, pos, c);
        return;
    }
    int K = c->ndims, nm = b->nmeasures;
    uint64_t cap = (uint64_t)(c->est * 1.0625) + 1024, ng = 0, ch = CHUNK * 4;
    if (cap > n)
        cap = n;
    alloc_out(b, c, cap);
    uint8_t *brk = mem_malloc(ch + 1);
    uint64_t *starts = mem_malloc((ch + 2) * sizeof *starts);
    uint32_t *gid = mem_malloc((ch + 2) * sizeof *gid);
    const uint64_t **in = mem_calloc((size_t)nm + 1, sizeof *in);
    for (uint64_t a = 0; a < n;) {
        uint64_t e = n - a > ch ? a + ch : n;
        /* group starts in [a, e): a starts one (a chunk begins a group) */
        memset(brk, 0, e - a);
        brk[0] = 1;
        for (int k = 0; k < K; k++) {
            if (e > a + 1)
                or_breaks(brk + 1, s->codes[pos[k]], s->width[pos[k]], a + 1, e);
        }
        uint64_t g = 0;
        for (uint64_t i = 0; i < e - a; i++) {
            starts[g] = i;
            g += brk[i];
        }
        /* the last group may go on past e: left for the next chunk, unless
         * it is the only one (then the chunk grows) or the parent ends */
        if (e < n) {
            if (g == 1) {
                ch *= 2;
                mem_free(brk);
                mem_free(starts);
                mem_free(gid);
                brk = mem_malloc(ch + 1);
                starts = mem_malloc((ch + 2) * sizeof *starts);
                gid = mem_malloc((ch + 2) * sizeof *gid);
                continue;
            }
            g--;
            e = a + starts[g];
        }
        starts[g] = e - a;
        if (ng + g > cap) {
            uint64_t nc = cap + cap / 2 > ng + g ? cap + cap / 2 : ng + g;
            grow_out(b, c, nc > n ? n : nc);
            cap = c->nrows;
        }
        for (int k = 0; k < K; k++) {
            int w = s->width[pos[k]];
            gather_codes((char *)c->codes[k] + ng * (uint64_t)c->width[k], c->width[k],
                         (const char *)s->codes[pos[k]] + a * (uint64_t)w, w, starts, NULL, g);
        }
        fill_gid(gid, starts, g);
        for (int m = 0; m < nm; m++)
            in[m] = s->meas[m] + a;
        sum_block(b, c->meas, ng, in, NULL, gid, e - a, g);
        ng += g;
        a = e;
    }
    if (ng < cap)
        grow_out(b, c, ng);
    mem_free(in);
    mem_free(gid);
    mem_free(starts);
    mem_free(brk);
}

/* compute_prefix_whole - compute_prefix in one piece, for raw rows (a
 * count(*) without an input column) */
static void compute_prefix_whole(cube_build_t *b, const src_t *s, const int *pos, bcub_t *c)
{
    uint64_t n = s->n, ng = 0;
    uint64_t *starts = mem_malloc((n + 2) * sizeof *starts);
    if (n > 0) {
        /* A row starts a group when any of the prefix columns changes. */
        uint8_t *brk = mem_calloc(n, 1);
        brk[0] = 1;
        for (int k = 0; k < c->ndims; k++) {
            or_breaks(brk + 1, s->codes[pos[k]], s->width[pos[k]], 1, n);
        }
        for (uint64_t i = 0; i < n; i++)
            if (brk[i])
                starts[ng++] = i;
        mem_free(brk);
    }
    starts[ng] = n;
    emit_runs(b, s, pos, c, NULL, starts, ng, NULL);
    mem_free(starts);
}

static void compute_dense(cube_build_t *b, const src_t *s, const int *pos, bcub_t *c, const uint64_t *span,
                          uint64_t cells)
{
    int nm = b->nmeasures, K = c->ndims;
    uint64_t stride[CUBE_MAX_DIMS];
    uint64_t st = 1;
    for (int k = K - 1; k >= 0; k--) {
        stride[k] = st;
        st *= span[k];
    }
    uint64_t **state = mem_calloc((size_t)nm + 1, sizeof *state);
    for (int m = 0; m < nm; m++) {
        state[m] = mem_malloc(cells * 8);
        uint64_t init = init_value(b->meas[m].kind, b->meas[m].agg);
        for (uint64_t i = 0; i < cells; i++)
            state[m][i] = init;
    }
    uint64_t *occ = mem_calloc(cells / 64 + 1, 8);
    uint64_t cell[CHUNK];
    for (uint64_t base = 0; base < s->n; base += CHUNK) {
        uint32_t cn = (uint32_t)(s->n - base < CHUNK ? s->n - base : CHUNK);
        memset(cell, 0, cn * sizeof *cell);
        for (int k = 0; k < K; k++) {
            const void *col = s->codes[pos[k]];
            int w = s->width[pos[k]];
            uint64_t sk = stride[k];
            if (w == 1) {
                const uint8_t *x = (const uint8_t *)col + base;
                for (uint32_t i = 0; i < cn; i++)
                    cell[i] += x[i] * sk;
            } else if (w == 2) {
                const uint16_t *x = (const uint16_t *)col + base;
                for (uint32_t i = 0; i < cn; i++)
                    cell[i] += x[i] * sk;
            } else {
                const uint32_t *x = (const uint32_t *)col + base;
                for (uint32_t i = 0; i < cn; i++)
                    cell[i] += x[i] * sk;
            }
        }
        for (uint32_t i = 0; i < cn; i++)
            occ[cell[i] >> 6] |= 1ULL << (cell[i] & 63);
        for (int m = 0; m < nm; m++) {
            uint64_t *sm = state[m];
            const uint64_t *in = s->meas[m];
            stor_kind_t kd = b->meas[m].kind;
            stor_agg_t ag = b->meas[m].agg;
            if (!in) {
                for (uint32_t i = 0; i < cn; i++)
                    sm[cell[i]]++;
            } else if (kd == STOR_KIND_INT && (ag == STOR_AGG_SUM || ag == STOR_AGG_COUNT)) {
                for (uint32_t i = 0; i < cn; i++)
                    sm[cell[i]] = add_i64(sm[cell[i]], in[base + i]);
            } else {
                for (uint32_t i = 0; i < cn; i++)
                    sm[cell[i]] = merge(kd, ag, sm[cell[i]], in[base + i]);
            }
        }
    }
    uint64_t ng = 0;
    for (uint64_t w = 0; w <= cells / 64; w++)
        ng += (uint64_t)__builtin_popcountll(occ[w]);
    alloc_out(b, c, ng);
    uint64_t g = 0;
    for (uint64_t w = 0; w <= cells / 64; w++) {
        uint64_t bits = occ[w];
        while (bits) {
            uint64_t x = w * 64 + (uint64_t)__builtin_ctzll(bits);
            bits &= bits - 1;
            for (int k = 0; k < K; k++)
                put_code(c->codes[k], c->width[k], g, (uint32_t)((x / stride[k]) % span[k]));
            for (int m = 0; m < nm; m++)
                c->meas[m][g] = state[m][x];
            g++;
        }
    }
    for (int m = 0; m < nm; m++)
        mem_free(state[m]);
    mem_free(state);
    mem_free(occ);
}

/* radix_sort - sorts n elements of E words (key words most significant
 * first, then the row index) by key; returns the array holding the result
 * (a or tmp). Digits that are equal in every element are skipped. */
static uint64_t *radix_sort(uint64_t *a, uint64_t *tmp, uint64_t n, int E, const int *word_bits, int db)
{
    int W = E - 1;
    const uint64_t dmask = (1u << db) - 1;
    /* Every digit's histogram in one read of the keys, instead of one read
     * per digit. */
    int dw[8 * CUBE_MAX_DIMS], dsh[8 * CUBE_MAX_DIMS], nd = 0;
    for (int w = W - 1; w >= 0; w--)
        for (int sh = 0; sh < word_bits[w]; sh += db) {
            dw[nd] = w;
            dsh[nd++] = sh;
        }
    if (nd == 0 || n < 2)
        return a;
    uint64_t *cnt = mem_calloc((size_t)nd << db, sizeof *cnt);
    for (uint64_t i = 0; i < n; i++) {
        const uint64_t *e = a + i * E;
        for (int d = 0; d < nd; d++)
            cnt[((size_t)d << db) + ((e[dw[d]] >> dsh[d]) & dmask)]++;
    }
    for (int d = 0; d < nd; d++) {
        uint64_t *c = cnt + ((size_t)d << db);
        int w = dw[d], sh = dsh[d];
        if (c[(a[w] >> sh) & dmask] == n)
            continue; /* every key has this digit: nothing to reorder */
        uint64_t sum = 0;
        for (uint64_t x = 0; x <= dmask; x++) {
            uint64_t v = c[x];
            c[x] = sum;
            sum += v;
        }
        if (E == 2) {
            for (uint64_t i = 0; i < n; i++) {
                uint64_t k = a[2 * i], v = a[2 * i + 1], p = c[(k >> sh) & dmask]++;
                tmp[2 * p] = k;
                tmp[2 * p + 1] = v;
            }
        } else if (E == 3) {
            for (uint64_t i = 0; i < n; i++) {
                const uint64_t *e = a + 3 * i;
                uint64_t p = c[(e[w] >> sh) & dmask]++;
                tmp[3 * p] = e[0];
                tmp[3 * p + 1] = e[1];
                tmp[3 * p + 2] = e[2];
            }
        } else {
            for (uint64_t i = 0; i < n; i++) {
                uint64_t p = c[(a[i * E + w] >> sh) & dmask]++;
                memcpy(tmp + p * E, a + i * E, (size_t)E * 8);
            }
        }
        uint64_t *t = a;
        a = tmp;
        tmp = t;
    }
    mem_free(cnt);
    return a;
}

static void compute_sort(cube_build_t *b, const src_t *s, const int *pos, bcub_t *c, const uint64_t *span)
{
    int K = c->ndims;
    /* Pack from the last dimension upwards into words, without splitting a
     * dimension across words, first dimension most significant. */
    int word_of[CUBE_MAX_DIMS], shift_of[CUBE_MAX_DIMS];
    int wcount = 1, used = 0;
    int tmp_word[CUBE_MAX_DIMS];
    for (int k = K - 1; k >= 0; k--) {
        int bits = span[k] <= 1 ? 0 : 64 - __builtin_clzll(span[k] - 1);
        if (used + bits > 64) {
            wcount++;
            used = 0;
        }
        tmp_word[k] = wcount - 1; /* counted from the least significant word */
        shift_of[k] = used;
        used += bits;
    }
    int W = wcount, E = W + 1;
    int word_bits[CUBE_MAX_DIMS + 1];
    memset(word_bits, 0, sizeof word_bits);
    for (int k = 0; k < K; k++) {
        word_of[k] = W - 1 - tmp_word[k];
        int bits = span[k] <= 1 ? 0 : 64 - __builtin_clzll(span[k] - 1);
        if (shift_of[k] + bits > word_bits[word_of[k]])
            word_bits[word_of[k]] = shift_of[k] + bits;
    }
    uint64_t n = s->n;
    uint64_t *keys = mem_calloc(n * (uint64_t)E + 1, 8);
    for (uint64_t i = 0; i < n; i++)
        keys[i * E + W] = i;
    /* Chunked so a chunk of keys stays in cache while every column ORs in. */
    for (uint64_t base = 0; base < n; base += CHUNK) {
        uint64_t end = n - base < CHUNK ? n : base + CHUNK;
        for (int k = 0; k < K; k++) {
            const void *col = s->codes[pos[k]];
            int w = s->width[pos[k]], wd = word_of[k], sh = shift_of[k];
            if (w == 1) {
                const uint8_t *x = col;
                for (uint64_t i = base; i < end; i++)
                    keys[i * E + wd] |= (uint64_t)x[i] << sh;
            } else if (w == 2) {
                const uint16_t *x = col;
                for (uint64_t i = base; i < end; i++)
                    keys[i * E + wd] |= (uint64_t)x[i] << sh;
            } else {
                const uint32_t *x = col;
                for (uint64_t i = base; i < end; i++)
                    keys[i * E + wd] |= (uint64_t)x[i] << sh;
            }
        }
    }
    uint64_t *tmp = mem_malloc(n * (uint64_t)E * 8 + 8);
    uint64_t *sorted = radix_sort(keys, tmp, n, E, word_bits, DIGIT_BITS);
    uint32_t *perm = mem_malloc(n * 4 + 4);
    uint64_t *starts = mem_malloc((n + 2) * sizeof *starts);
    uint64_t ng = 0;
    for (uint64_t i = 0; i < n; i++) {
        perm[i] = (uint32_t)sorted[i * E + W];
        if (i == 0 || memcmp(sorted + i * E, sorted + (i - 1) * E, (size_t)W * 8) != 0)
            starts[ng++] = i;
    }
    starts[ng] = n;
    keydec_t kd;
    kd.keys = sorted;
    kd.E = E;
    for (int k = 0; k < K; k++) {
        int bits = span[k] <= 1 ? 0 : 64 - __builtin_clzll(span[k] - 1);
        kd.word_of[k] = word_of[k];
        kd.shift_of[k] = shift_of[k];
        kd.mask[k] = bits >= 64 ? ~0ULL : (1ULL << bits) - 1;
    }
    emit_runs(b, s, pos, c, perm, starts, ng, &kd);
    mem_free(keys);
    mem_free(tmp);
    mem_free(perm);
    mem_free(starts);
}

/* compute_segsort - the parent is sorted and the cuboid's first L dimensions
 * are the parent's first L: rows are already grouped by them, so only the
 * rows inside each such run need sorting, by the remaining dimensions. The
 * runs are small (cache-resident) where a full sort would stream the whole
 * parent through memory once per digit. */
static void compute_segsort(cube_build_t *b, const src_t *s, const int *pos, bcub_t *c, const uint64_t *span, int L)
{
    int K = c->ndims;
    uint64_t n = s->n;
    int word_of[CUBE_MAX_DIMS], shift_of[CUBE_MAX_DIMS], tmp_word[CUBE_MAX_DIMS];
    int wcount = 1, used = 0;
    for (int k = K - 1; k >= L; k--) {
        int bits = span[k] <= 1 ? 0 : 64 - __builtin_clzll(span[k] - 1);
        if (used + bits > 64) {
            wcount++;
            used = 0;
        }
        tmp_word[k] = wcount - 1;
        shift_of[k] = used;
        used += bits;
    }
    int W = wcount, E = W + 1;
    int word_bits[CUBE_MAX_DIMS + 1];
    memset(word_bits, 0, sizeof word_bits);
    for (int k = L; k < K; k++) {
        word_of[k] = W - 1 - tmp_word[k];
        int bits = span[k] <= 1 ? 0 : 64 - __builtin_clzll(span[k] - 1);
        if (shift_of[k] + bits > word_bits[word_of[k]])
            word_bits[word_of[k]] = shift_of[k] + bits;
    }
    /* run starts over the shared prefix */
    uint8_t *brk = mem_calloc(n + 1, 1);
    if (n)
        brk[0] = 1;
    for (int k = 0; k < L && n > 1; k++)
        or_breaks(brk + 1, s->codes[k], s->width[k], 1, n);
    uint64_t *keys = mem_calloc(n * (uint64_t)E + 1, 8), *tmp = mem_malloc(n * (uint64_t)E * 8 + 8);
    for (uint64_t i = 0; i < n; i++)
        keys[i * E + W] = i;
    for (int k = L; k < K; k++) {
        const void *col = s->codes[pos[k]];
        int w = s->width[pos[k]], wd = word_of[k], sh = shift_of[k];
        for (uint64_t i = 0; i < n; i++)
            keys[i * E + wd] |= (uint64_t)code_at(col, w, i) << sh;
    }
    uint32_t *perm = mem_malloc(n * 4 + 4);
    uint64_t *starts = mem_malloc((n + 2) * sizeof *starts);
    uint64_t ng = 0;
    for (uint64_t a = 0; a < n;) {
        uint64_t e = next_break(brk, a + 1, n);
        uint64_t m = e - a, *run = keys + a * E;
        if (m < 32) {
            /* insertion sort on (key words, index) */
            uint64_t el[CUBE_MAX_DIMS + 2];
            for (uint64_t i = 1; i < m; i++) {
                memcpy(el, run + i * E, (size_t)E * 8);
                uint64_t j = i;
                while (j > 0) {
                    int cmp = 0;
                    for (int w = 0; w < W && !cmp; w++)
                        cmp = run[(j - 1) * E + w] < el[w] ? -1 : run[(j - 1) * E + w] > el[w];
                    if (cmp <= 0)
                        break;
                    memcpy(run + j * E, run + (j - 1) * E, (size_t)E * 8);
                    j--;
                }
                memcpy(run + j * E, el, (size_t)E * 8);
            }
        } else {
            uint64_t *r = radix_sort(run, tmp + a * E, m, E, word_bits, 8);
            if (r != run)
                memcpy(run, r, m * (uint64_t)E * 8);
        }
        for (uint64_t i = a; i < e; i++) {
            perm[i] = (uint32_t)keys[i * E + W];
            if (i == a || memcmp(keys + i * E, keys + (i - 1) * E, (size_t)W * 8) != 0)
                starts[ng++] = i;
        }
        a = e;
    }
    starts[ng] = n;
    mem_free(brk);
    mem_free(keys);
    mem_free(tmp);
    emit_runs(b, s, pos, c, perm, starts, ng, NULL);
    mem_free(perm);
    mem_free(starts);
}

/* compute - cuboid c (dims set) from source s; picks the method. */
static void compute(cube_build_t *b, const src_t *s, bcub_t *c)
{
    int pos[CUBE_MAX_DIMS], K = c->ndims;
    bool prefix = true;
    uint64_t span[CUBE_MAX_DIMS];
    double cells = 1;
    for (int k = 0; k < K; k++) {
        int p = 0;
        while (s->dims[p] != c->dims[k])
            p++;
        pos[k] = p;
        prefix &= p == k && s->sorted;
        span[k] = b->dims[c->dims[k]].ncodes ? b->dims[c->dims[k]].ncodes : 1;
        cells *= (double)span[k];
    }
    int shared = 0;
    while (s->sorted && shared < K && pos[shared] == shared)
        shared++;
    if (prefix)
        compute_prefix(b, s, pos, c);
    else if (cells <= (double)DENSE_MAX_CELLS && cells * 8 * (b->nmeasures + 1) <= (double)DENSE_MAX_BYTES &&
             cells <= 2.0 * (double)s->n + 65536)
        compute_dense(b, s, pos, c, span, (uint64_t)cells);
    else if (shared > 0 && s->n > 0)
        compute_segsort(b, s, pos, c, span, shared);
    else
        compute_sort(b, s, pos, c, span);
}

static void set_dims(cube_build_t *b, bcub_t *c, uint64_t id)
{
    const int *rk = cube_def_rowkey(b->def);
    c->id = id;
    c->ndims = 0;
    for (int r = 0; r < b->ndims; r++)
        if (id >> rk[r] & 1)
            c->dims[c->ndims++] = rk[r];
}

static void src_of_cub(const bcub_t *c, src_t *s)
{
    s->n = c->nrows;
    s->ndims = c->ndims;
    for (int k = 0; k < c->ndims; k++) {
        s->dims[k] = c->dims[k];
        s->codes[k] = c->codes[k];
        s->ref[k] = NULL;
        s->width[k] = c->width[k];
    }
    s->meas = (const uint64_t *const *)c->meas;
    s->sorted = true;
}

static int write_cub(cube_build_t *b, bcub_t *c, err_t *err)
{
    return stor_writer_put_cuboid(b->writer, c->id, c->nrows, (const void *const *)c->codes,
                                  (const void *const *)c->meas, err);
}

static void cuboid_done(cube_build_t *b, bcub_t *c)
{
    c->done = true;
    atomic_fetch_add(&b->cuboids_done, 1);
    pthread_mutex_lock(&b->lock);
    report(b, "cuboids");
    pthread_mutex_unlock(&b->lock);
}

/* ---- the lattice: spanning tree, ordered runs, work stack ---- */

static int code_bits(uint64_t span)
{
    return span <= 1 ? 0 : 64 - __builtin_clzll(span - 1);
}

/* order_len - how many of the child's leading dimensions the parent's sort
 * order keeps: a parent dimension the child drops does not disturb the
 * order when one of the child's dimensions before it determines it (a
 * verified functional dependency: within equal c_city, c_nation is
 * constant). The child's first L dimensions are grouped in the parent;
 * L == cn means the parent's rows are already in the child's order. */
static int order_walk(const cube_build_t *b, const bcub_t *p, const bcub_t *c, int *ip, int k)
{
    int i = *ip;
    for (; i < p->ndims && k < c->ndims; i++) {
        if (p->dims[i] == c->dims[k]) {
            k++;
            continue;
        }
        bool det = false;
        for (int j = 0; j < k && !det; j++)
            det = b->det[c->dims[j]][p->dims[i]];
        if (!det)
            break;
    }
    *ip = i;
    return k;
}

static int order_len(const cube_build_t *b, const bcub_t *p, const bcub_t *c)
{
    int i = 0;
    return order_walk(b, p, c, &i, 0);
}

/* Values of the columns a segmented parent's order puts between c's kept
 * prefix and the rest of c's prefix: each is a stream that compute_segruns
 * merges, cheap while they are few. */
#define SEG_MAX 1024

/* seg_plan - where p's order, past c's first L = order_len columns, has
 * columns c drops (not determined by c's earlier ones) and then goes on with
 * c's next columns: p's rows are segments of equal values of its first *S
 * columns, each ordered by c's first (returned) columns. 0 when p's order
 * does not go on with c's, or the dropped columns have more than SEG_MAX
 * value combinations. */
static int seg_plan(const cube_build_t *b, const bcub_t *p, const bcub_t *c, int *S)
{
    int i = 0, L = order_walk(b, p, c, &i, 0);
    if (L >= c->ndims)
        return 0;
    double vals = 1;
    for (; i < p->ndims && p->dims[i] != c->dims[L]; i++)
        vals *= b->dims[p->dims[i]].ncodes ? (double)b->dims[p->dims[i]].ncodes : 1.0;
    if (i >= p->ndims || vals > SEG_MAX)
        return 0;
    *S = i;
    return order_walk(b, p, c, &i, L);
}

/* est_rows - expected rows of a cuboid: the dimensions no other dimension of
 * the cuboid determines span P cells; n rows drawn uniformly over P cells
 * fill P(1 - e^(-n/P)) of them. Only the build plan uses it (which parent
 * computes which cuboid); skewed data makes it high, never wrong. */
static double est_rows(const cube_build_t *b, const bcub_t *c, double n)
{
    double cells = 1;
    for (int k = 0; k < c->ndims; k++) {
        int d = c->dims[k];
        bool det = false;
        for (int j = 0; j < c->ndims && !det; j++) {
            int e = c->dims[j];
            /* of two dimensions that determine each other keep the first */
            det = e != d && b->det[e][d] && !(b->det[d][e] && j > k);
        }
        if (!det)
            cells *= b->dims[d].ncodes ? (double)b->dims[d].ncodes : 1.0;
    }
    if (cells >= 1e15 || cells >= n * 64)
        return n;
    double r = cells * (1 - exp(-n / cells));
    return r < n ? r : n;
}

/* Reused per worker, so the arrays of one cuboid are not mapped and
 * faulted in again for the next. compute_runs needs them for one block of
 * runs at a time, so they stay small unless a run is long. */
typedef struct scratch {
    uint64_t *keys, *tmp, *gs, *gkey;
    uint32_t *gid;
    uint64_t cap;
} scratch_t;

static void scratch_need(scratch_t *sc, uint64_t n)
{
    if (n <= sc->cap)
        return;
    mem_free(sc->keys);
    mem_free(sc->tmp);
    mem_free(sc->gs);
    mem_free(sc->gkey);
    mem_free(sc->gid);
    sc->cap = n + n / 4 + 1024;
    sc->keys = mem_malloc(sc->cap * 8);
    sc->tmp = mem_malloc(sc->cap * 8);
    sc->gs = mem_malloc(sc->cap * 8);
    sc->gkey = mem_malloc(sc->cap * 8);
    sc->gid = mem_malloc(sc->cap * 4);
}

static void scratch_free(scratch_t *sc)
{
    mem_free(sc->keys);
    mem_free(sc->tmp);
    mem_free(sc->gs);
    mem_free(sc->gkey);
    mem_free(sc->gid);
    memset(sc, 0, sizeof *sc);
}

/* sort_u64 - sorts n keys by bits [lo, lo + nb) (stable, so the run-local
 * row index below lo stays ascending within equal keys); returns the array
 * holding the result. */
static uint64_t *sort_u64(uint64_t *a, uint64_t *tmp, uint64_t n, int lo, int nb)
{
    if (n < 2 || nb <= 0)
        return a;
    if (n <= 48) {
        /* insertion sort on the whole word: the index bits make keys unique
         * and keep equal groups in row order */
        for (uint64_t i = 1; i < n; i++) {
            uint64_t v = a[i], j = i;
            while (j > 0 && a[j - 1] > v) {
                a[j] = a[j - 1];
                j--;
            }
            a[j] = v;
        }
        return a;
    }
    /* the digit width that costs least: each pass clears and sums 2^db
     * counters and moves n keys, so short runs (most are under a few
     * hundred rows) take narrow digits, long ones wide */
    int db = DIGIT_BITS;
    if (n <= 65536) {
        uint64_t best = UINT64_MAX;
        for (int t = 4; t <= 8; t++) {
            uint64_t cost = (uint64_t)((nb + t - 1) / t) * ((1ULL << t) + 2 * n);
            if (cost < best) {
                best = cost;
                db = t;
            }
        }
    }
    uint64_t dmask = (1ULL << db) - 1;
    int nd = (nb + db - 1) / db;
    uint64_t cnt[6 << DIGIT_BITS];
    memset(cnt, 0, (size_t)nd * ((size_t)1 << db) * sizeof *cnt);
    for (uint64_t i = 0; i < n; i++) {
        uint64_t k = a[i] >> lo;
        for (int d = 0; d < nd; d++)
            cnt[((size_t)d << db) + ((k >> (d * db)) & dmask)]++;
    }
    for (int d = 0; d < nd; d++) {
        uint64_t *c = cnt + ((size_t)d << db);
        int sh = lo + d * db;
        if (c[(a[0] >> sh) & dmask] == n)
            continue; /* every key has this digit */
        uint64_t sum = 0;
        for (uint64_t x = 0; x <= dmask; x++) {
            uint64_t v = c[x];
            c[x] = sum;
            sum += v;
        }
        for (uint64_t i = 0; i < n; i++)
            tmp[c[(a[i] >> sh) & dmask]++] = a[i];
        uint64_t *t = a;
        a = tmp;
        tmp = t;
    }
    return a;
}

/* block_out - the bg groups of a block of runs as c's rows [ng, ng + bg)
 * (c's arrays grown when they are full, *cap their rows): the dimensions
 * after c's first L decoded from each group's key (gkey, at shift[k] under
 * kmask[k]), the first L gathered from the group's first parent row (keys[]
 * holds each position's parent row by now, gs[] the groups' first
 * positions), the measures summed over the block's bn positions. Returns
 * ng + bg. */
static uint64_t block_out(cube_build_t *b, bcub_t *c, const src_t *s, const int *pos, int L, const int *shift,
                          const uint64_t *kmask, uint64_t *gkey, const uint64_t *keys, const uint64_t *gs, uint32_t *gid,
                          uint64_t bn, uint64_t bg, uint64_t ng, uint64_t *cap)
{
    if (ng + bg > *cap) {
        uint64_t nc = *cap + *cap / 2 > ng + bg ? *cap + *cap / 2 : ng + bg;
        grow_out(b, c, nc > s->n ? s->n : nc);
        *cap = c->nrows;
    }
    /* the sorted dimensions, each in one typed loop over the groups' keys */
    for (int k = L; k < c->ndims; k++) {
        int sh = shift[k];
        uint64_t km = kmask[k];
        switch (c->width[k]) {
        case 1: {
            uint8_t *o = (uint8_t *)c->codes[k] + ng;
            for (uint64_t x = 0; x < bg; x++)
                o[x] = (uint8_t)((gkey[x] >> sh) & km);
            break;
        }
        case 2: {
            uint16_t *o = (uint16_t *)c->codes[k] + ng;
            for (uint64_t x = 0; x < bg; x++)
                o[x] = (uint16_t)((gkey[x] >> sh) & km);
            break;
        }
        default: {
            uint32_t *o = (uint32_t *)c->codes[k] + ng;
            for (uint64_t x = 0; x < bg; x++)
                o[x] = (uint32_t)((gkey[x] >> sh) & km);
            break;
        }
        }
    }
    /* the leading dimensions from each group's first row */
    for (uint64_t x = 0; x < bg; x++)
        gkey[x] = keys[gs[x]];
    for (int k = 0; k < L; k++)
        gather_codes((char *)c->codes[k] + ng * (uint64_t)c->width[k], c->width[k], s->codes[pos[k]],
                     s->width[pos[k]], gkey, NULL, bg);
    fill_gid(gid, gs, bg);
    sum_block(b, c->meas, ng, s->meas, keys, gid, bn, bg);
    return ng + bg;
}

/* Runs whose remaining codes take few cells: each run's groups by direct
 * addressing instead of a sort. Where dictionaries keep a hierarchy's
 * children together (the brands of one category: codes are in value
 * order), a run of equal leading dimensions holds the next levels' codes
 * in narrow ranges; where they do not (the cities of one region), the codes
 * present are few and are ranked first. The cells are the product of
 * those ranges or ranks. One pass adds each row's measures into its cell
 * (rows in parent order, as the sort path adds them), one pass over the
 * cells emits the occupied ones in key order. */
#define DR_MAX_CELLS (1u << 16)  /* per run: the accumulators stay in L2 */

enum { DR_RAW, DR_RANK, DR_REL };

typedef struct druns {
    uint32_t *cell;              /* per row of a run: its cell */
    uint32_t *rank;              /* per remaining dimension: code - lo -> rank + 1 (0: absent) */
    uint32_t *inv;               /* per remaining dimension: digit -> code (REL: parent digit x size + digit) */
    uint32_t *cnt;               /* per parent digit: codes under it */
    uint64_t *acc;               /* nmeasures x DR_MAX_CELLS */
    uint8_t *seen;               /* DR_MAX_CELLS */
    uint64_t cap_rows, cap_rank; /* rank: cap_rank entries per dimension */
    const uint64_t **mv;         /* per measure: the run's first value */
    uint32_t *gcode;             /* merged runs: R x cap_gather gathered codes */
    uint64_t *gmeas;             /* merged runs: nmeasures x cap_gather gathered values */
    uint64_t cap_gather;
    int skip;                    /* blocks left before dense is tried again */
} druns_t;

static void druns_free(druns_t *d)
{
    mem_free(d->cell);
    mem_free(d->rank);
    mem_free(d->inv);
    mem_free(d->cnt);
    mem_free(d->mv);
    mem_free(d->gcode);
    mem_free(d->gmeas);
    mem_free(d->acc);
    mem_free(d->seen);
}

/* code_range - the least and greatest code of rows [r0, r1) of a column
 * (UINT32_MAX and 0 when empty). The accumulators have the column's own
 * width: the compiler then keeps them in vector lanes (16 bytes compared at
 * once for 1-byte codes); widened to 32 bits the loop was scalar, a tenth
 * of the direct runs' time. */
static void code_range(const void *col, int w, uint64_t r0, uint64_t r1, uint32_t *plo, uint32_t *phi)
{
    uint32_t lo = UINT32_MAX, hi = 0;
    switch (w) {
    case 1: {
        const uint8_t *x = col;
        uint8_t l8 = UINT8_MAX, h8 = 0;
        for (uint64_t i = r0; i < r1; i++) {
            l8 = x[i] < l8 ? x[i] : l8;
            h8 = x[i] > h8 ? x[i] : h8;
        }
        if (r1 > r0)
            lo = l8, hi = h8;
        break;
    }
    case 2: {
        const uint16_t *x = col;
        uint16_t l16 = UINT16_MAX, h16 = 0;
        for (uint64_t i = r0; i < r1; i++) {
            l16 = x[i] < l16 ? x[i] : l16;
            h16 = x[i] > h16 ? x[i] : h16;
        }
        if (r1 > r0)
            lo = l16, hi = h16;
        break;
    }
    default: {
        const uint32_t *x = col;
        for (uint64_t i = r0; i < r1; i++) {
            lo = x[i] < lo ? x[i] : lo;
            hi = x[i] > hi ? x[i] : hi;
        }
        break;
    }
    }
    *plo = lo;
    *phi = hi;
}

/* mark_codes - rk[code - lo] = 1 for the codes of rows [0, n) of a column:
 * a typed loop per width, not code_at's switch per row */
static void mark_codes(uint32_t *rk, const void *col, int w, uint64_t n, uint32_t lo)
{
#define MARK_LOOP(T)                                                                                                   \
    do {                                                                                                               \
        const T *x = (const T *)col;                                                                                   \
        for (uint64_t i = 0; i < n; i++)                                                                               \
            rk[x[i] - lo] = 1;                                                                                         \
    } while (0)
    BY_WIDTH(w, MARK_LOOP);
#undef MARK_LOOP
}

/* mark_parents - rk[code - klo] = the parent's digit + 1 for the codes of
 * rows [0, n) of a column, the parent's digit being its code's offset from
 * plo, or that offset's rank (prk non-NULL: prk[offset], already + 1).
 * Typed loops per pair of widths, not code_at's switch per row and column:
 * the switches were a tenth of dense_run. */
static void mark_parents(uint32_t *rk, const void *kc, int kw, uint32_t klo, const void *pc, int pw, uint32_t plo,
                         const uint32_t *prk, uint64_t n)
{
#define PAR_LOOP(TK, TP)                                                                                               \
    do {                                                                                                               \
        const TK *xk = (const TK *)kc;                                                                                 \
        const TP *xp = (const TP *)pc;                                                                                 \
        if (prk)                                                                                                       \
            for (uint64_t i = 0; i < n; i++)                                                                           \
                rk[xk[i] - klo] = prk[xp[i] - plo];                                                                    \
        else                                                                                                           \
            for (uint64_t i = 0; i < n; i++)                                                                           \
                rk[xk[i] - klo] = xp[i] - plo + 1;                                                                     \
    } while (0)
#define PAR_K8(TP) PAR_LOOP(uint8_t, TP)
#define PAR_K16(TP) PAR_LOOP(uint16_t, TP)
#define PAR_K32(TP) PAR_LOOP(uint32_t, TP)
    if (kw == 1)
        BY_WIDTH(pw, PAR_K8);
    else if (kw == 2)
        BY_WIDTH(pw, PAR_K16);
    else
        BY_WIDTH(pw, PAR_K32);
#undef PAR_K8
#undef PAR_K16
#undef PAR_K32
#undef PAR_LOOP
}

/* cell_digit - cl[i] = cl[i] * size + the digit of row r0 + i's code: its
 * offset from lo, or its rank (rk non-NULL) */
static void cell_digit(uint32_t *cl, const void *col, int w, uint64_t r0, uint64_t n, uint32_t size, uint32_t lo,
                       const uint32_t *rk)
{
#define CELL_LOOP(T)                                                                                                   \
    do {                                                                                                               \
        const T *x = (const T *)col + r0;                                                                              \
        if (rk)                                                                                                        \
            for (uint64_t i = 0; i < n; i++)                                                                           \
                cl[i] = cl[i] * size + rk[x[i] - lo] - 1;                                                              \
        else                                                                                                           \
            for (uint64_t i = 0; i < n; i++)                                                                           \
                cl[i] = cl[i] * size + (x[i] - lo);                                                                    \
    } while (0)
    BY_WIDTH(w, CELL_LOOP);
#undef CELL_LOOP
}

/* dense_run - the groups of one run of n rows as c's rows from *ng on
 * (c's arrays grown as its caller grows them, *cap their rows, at most
 * maxrows): col[k] and w[k] the codes of c's dimension L + k from the
 * run's first row, mv[m] its measures, lead[k] the run's code of c's
 * dimension k < L. False, with nothing written, when the cells are too
 * many for the rows. */
static bool dense_run(cube_build_t *b, druns_t *d, bcub_t *c, int L, const void *const *col, const int *w,
                      const uint64_t *const *mv, const uint32_t *lead, uint64_t n, uint64_t *ng, uint64_t *cap,
                      uint64_t maxrows)
{
    int K = c->ndims, R = K - L, nm = b->nmeasures;
    if (R <= 0)
        return false;
    uint64_t cells = 1, lim = 4 * n + 16;
    if (lim > DR_MAX_CELLS)
        lim = DR_MAX_CELLS;
    /* the digits (mode): a code's offset from the run's least (RAW),
     * its rank among the codes present (RANK: the months of one year
     * among all months by name), or its rank among those present under
     * the same value of an earlier remaining dimension it determines
     * (REL: a city among its nation's, when the order puts other
     * dimensions between them) */
    uint32_t lo[CUBE_MAX_DIMS], size[CUBE_MAX_DIMS];
    int mode[CUBE_MAX_DIMS], par[CUBE_MAX_DIMS];
    uint64_t rcap = 2 * n + 64;
    if (rcap > d->cap_rank) {
        mem_free(d->rank);
        d->cap_rank = rcap + rcap / 2;
        d->rank = mem_malloc(d->cap_rank * (size_t)R * sizeof *d->rank);
    }
    if (!d->inv) {
        d->inv = mem_malloc((size_t)DR_MAX_CELLS * (size_t)R * sizeof *d->inv);
        d->cnt = mem_malloc((size_t)DR_MAX_CELLS * sizeof *d->cnt);
    }
    double raw = 1;
    for (int k = 0; k < R; k++) {
        uint32_t hi;
        code_range(col[k], w[k], 0, n, &lo[k], &hi);
        size[k] = hi - lo[k] + 1;
        mode[k] = DR_RAW;
        raw *= size[k];
    }
    /* too many cells: every range not too long for a table is ranked */
    for (int k = 0; k < R && raw > (double)lim; k++) {
        const void *kc = col[k];
        int kw = w[k];
        uint64_t range = size[k];
        if (range <= 2 || range > rcap)
            continue;
        uint32_t *rk = d->rank + (size_t)k * d->cap_rank, *iv = d->inv + (size_t)k * DR_MAX_CELLS;
        memset(rk, 0, range * sizeof *rk);
        par[k] = -1;
        for (int j = k - 1; j >= 0 && par[k] < 0; j--)
            if (mode[j] != DR_REL && b->det[c->dims[L + k]][c->dims[L + j]])
                par[k] = j;
        uint32_t nd = 0;
        if (par[k] >= 0) {
            /* each code present marked with its parent's digit + 1 */
            int j = par[k];
            const void *pc = col[j];
            int pw = w[j];
            const uint32_t *prk = mode[j] == DR_RANK ? d->rank + (size_t)j * d->cap_rank : NULL;
            mark_parents(rk, kc, kw, lo[k], pc, pw, lo[j], prk, n);
            memset(d->cnt, 0, size[j] * sizeof *d->cnt);
            uint32_t most = 0;
            for (uint64_t x = 0; x < range; x++)
                if (rk[x] && ++d->cnt[rk[x] - 1] > most)
                    most = d->cnt[rk[x] - 1];
            if ((uint64_t)most * size[j] <= DR_MAX_CELLS) {
                memset(d->cnt, 0, size[j] * sizeof *d->cnt);
                for (uint64_t x = 0; x < range; x++)
                    if (rk[x]) {
                        uint32_t p = rk[x] - 1, r = d->cnt[p]++;
                        iv[p * most + r] = lo[k] + (uint32_t)x;
                        rk[x] = r + 1;
                    }
                mode[k] = DR_REL;
                size[k] = most;
                continue;
            }
            for (uint64_t x = 0; x < range; x++)
                rk[x] = rk[x] != 0;
        } else {
            mark_codes(rk, kc, kw, n, lo[k]);
        }
        for (uint64_t x = 0; x < range; x++)
            if (rk[x]) {
                iv[nd] = lo[k] + (uint32_t)x;
                rk[x] = ++nd;
            }
        if (nd < range) {
            mode[k] = DR_RANK;
            size[k] = nd;
        }
    }
    for (int k = 0; k < R && cells <= lim; k++)
        cells *= size[k];
    if (cells > lim)
        return false;
    if (*ng + n > *cap) {
        uint64_t nc = *cap + *cap / 2 > *ng + n ? *cap + *cap / 2 : *ng + n;
        grow_out(b, c, nc > maxrows ? maxrows : nc);
        *cap = c->nrows;
    }
    if (n > d->cap_rows) {
        mem_free(d->cell);
        d->cap_rows = n + n / 4 + 1024;
        d->cell = mem_malloc(d->cap_rows * sizeof *d->cell);
    }
    if (!d->acc) {
        d->acc = mem_malloc((size_t)(nm ? nm : 1) * DR_MAX_CELLS * sizeof *d->acc);
        d->seen = mem_calloc(DR_MAX_CELLS, 1);
    }
    uint32_t *cl = d->cell;
    memset(cl, 0, n * sizeof *cl);
    for (int k = 0; k < R; k++)
        cell_digit(cl, col[k], w[k], 0, n, size[k], lo[k],
                   mode[k] != DR_RAW ? d->rank + (size_t)k * d->cap_rank : NULL);
    for (uint64_t i = 0; i < n; i++)
        d->seen[cl[i]] = 1;
    /* a cell's measures side by side (acc[cell * nm + m]) */
    uint64_t *acc = d->acc;
    if (b->int_sums) {
        memset(acc, 0, cells * (size_t)nm * sizeof *acc);
        const uint64_t *v[8];
        for (int m = 0; m < nm; m++)
            v[m] = mv[m];
        /* Where consecutive rows often share a cell (the parent's
         * order ends with the dimensions c drops), each sum goes on in
         * a register while the cell stays the same (a mask, not a
         * branch), so it does not wait on its own store; the value
         * stored at every row is the cell's sum so far. Where they
         * seldom do (a run of the base cuboid: about 6 % at SSB SF 10),
         * the plain loop is cheaper: it does not load, mask and carry
         * every sum (the base's children 8.7 -> 8.2 CPU-s). */
        uint64_t nsame = 0;
        for (uint64_t i = 1; i < n; i++)
            nsame += cl[i] == cl[i - 1];
        bool ovf = false;
#define DR_PLAIN_LOOP(NM, FIT)                                                                                         \
    do {                                                                                                               \
        for (uint64_t i = 0; i < n; i++) {                                                                             \
            int64_t *a_ = (int64_t *)acc + (size_t)cl[i] * (NM);                                                       \
            _Pragma("GCC unroll 8") for (int m = 0; m < (NM); m++)                                                     \
                SUM_ADD(FIT, a_[m], (int64_t)v[m][i], &a_[m]);                                                         \
        }                                                                                                              \
    } while (0)
#define DR_SUM_LOOP(NM, FIT)                                                                                           \
    do {                                                                                                               \
        int64_t r[8] = {0};                                                                                            \
        uint32_t pc = UINT32_MAX;                                                                                      \
        for (uint64_t i = 0; i < n; i++) {                                                                             \
            uint32_t x = cl[i];                                                                                        \
            int64_t same = -(int64_t)(x == pc);                                                                        \
            uint64_t *a_ = acc + (size_t)x * (NM);                                                                     \
            _Pragma("GCC unroll 8") for (int m = 0; m < (NM); m++)                                                     \
            {                                                                                                          \
                int64_t prev = (r[m] & same) | ((int64_t)a_[m] & ~same);                                               \
                SUM_ADD(FIT, prev, (int64_t)v[m][i], &r[m]);                                                           \
                a_[m] = (uint64_t)r[m];                                                                                \
            }                                                                                                          \
            pc = x;                                                                                                    \
        }                                                                                                              \
    } while (0)
        if (nsame * 4 < n) {
            BY_NM_SUMS(nm, b->sums_fit, DR_PLAIN_LOOP);
        } else {
            BY_NM_SUMS(nm, b->sums_fit, DR_SUM_LOOP);
        }
#undef DR_PLAIN_LOOP
#undef DR_SUM_LOOP
        if (ovf)
            sum_overflow = 1;
    } else {
        for (int m = 0; m < nm; m++) {
            stor_kind_t mk = b->meas[m].kind;
            stor_agg_t ag = b->meas[m].agg;
            uint64_t init = init_value(mk, ag);
            const uint64_t *v = mv[m];
            for (uint64_t x = 0; x < cells; x++)
                acc[x * (uint64_t)nm + (uint64_t)m] = init;
            for (uint64_t i = 0; i < n; i++)
                acc[cl[i] * (uint64_t)nm + (uint64_t)m] = merge(mk, ag, acc[cl[i] * (uint64_t)nm + (uint64_t)m], v[i]);
        }
    }
    /* the occupied cells in order: the last digit in the inner loop,
     * the others counted up like an odometer; the leading codes are
     * the run's */
    uint32_t dig[CUBE_MAX_DIMS] = {0}, last = size[R - 1];
    uint64_t o = *ng;
    for (uint64_t x0 = 0; x0 < cells; x0 += last) {
        for (uint32_t j = 0; j < last; j++) {
            uint64_t x = x0 + j;
            if (!d->seen[x])
                continue;
            d->seen[x] = 0;
            dig[R - 1] = j;
            for (int k = 0; k < R; k++) {
                const uint32_t *iv = d->inv + (size_t)k * DR_MAX_CELLS;
                uint32_t v = mode[k] == DR_RAW    ? lo[k] + dig[k]
                             : mode[k] == DR_RANK ? iv[dig[k]]
                                                  : iv[dig[par[k]] * size[k] + dig[k]];
                put_code(c->codes[L + k], c->width[L + k], o, v);
            }
            for (int m = 0; m < nm; m++)
                c->meas[m][o] = acc[x * (uint64_t)nm + (uint64_t)m];
            o++;
        }
        for (int k = R - 2; k >= 0; k--) {
            if (++dig[k] < size[k])
                break;
            dig[k] = 0;
        }
    }
    for (int k = 0; k < L; k++)
        fill_code(c->codes[k], c->width[k], *ng, o, lead[k]);
    *ng = o;
    return true;
}

/* dense_block - c's groups of the parent's runs from a on, up to e (brk
 * marks run starts), appended at *ng. Stops at the first run whose cells
 * are too many for its rows and returns where it stopped (e when it did
 * not): the caller sorts the rest of the block. */
static uint64_t dense_block(cube_build_t *b, druns_t *d, const src_t *s, const int *pos, bcub_t *c, int L,
                            const uint8_t *brk, uint64_t a, uint64_t e, uint64_t *ng, uint64_t *cap)
{
    int K = c->ndims, nm = b->nmeasures;
    const void *col[CUBE_MAX_DIMS];
    int w[CUBE_MAX_DIMS];
    uint32_t lead[CUBE_MAX_DIMS];
    const uint64_t **mv = d->mv;
    while (a < e) {
        uint64_t r0 = a, r1 = next_break(brk, a + 1, e);
        for (int k = L; k < K; k++) {
            w[k - L] = s->width[pos[k]];
            col[k - L] = (const char *)s->codes[pos[k]] + r0 * (uint64_t)w[k - L];
        }
        for (int k = 0; k < L; k++)
            lead[k] = code_at(s->codes[pos[k]], s->width[pos[k]], r0);
        for (int m = 0; m < nm; m++)
            mv[m] = s->meas[m] + r0;
        if (!dense_run(b, d, c, L, col, w, mv, lead, r1 - r0, ng, cap, s->n))
            return a;
        a = r1;
    }
    return a;
}

/* dense_merged - as dense_block, for the nm merged runs of a block of
 * compute_segruns (mstart[m] the first position of merged run m, rid[x] the
 * parent row of position x): each merged run's codes and measures are
 * gathered in row order first. Returns the first merged run it did not do
 * (nm when it did them all). */
static uint64_t dense_merged(cube_build_t *b, druns_t *d, const src_t *s, const int *pos, bcub_t *c, int L,
                             const uint64_t *rid, const uint64_t *mstart, uint64_t nm, uint64_t *ng, uint64_t *cap)
{
    int K = c->ndims, R = K - L, nmeas = b->nmeasures;
    const void *col[CUBE_MAX_DIMS];
    int w[CUBE_MAX_DIMS];
    uint32_t lead[CUBE_MAX_DIMS];
    if (R == 0)
        return 0; /* a merged run is one group: nothing to sort */
    for (uint64_t m = 0; m < nm; m++) {
        uint64_t x0 = mstart[m], n = mstart[m + 1] - x0;
        if (n > d->cap_gather) {
            mem_free(d->gcode);
            mem_free(d->gmeas);
            d->cap_gather = n + n / 4 + 1024;
            d->gcode = mem_malloc(d->cap_gather * (size_t)(R ? R : 1) * sizeof *d->gcode);
            d->gmeas = mem_malloc(d->cap_gather * (size_t)(nmeas ? nmeas : 1) * sizeof *d->gmeas);
        }
        for (int k = 0; k < R; k++) {
            /* in the column's own width: the typed copy of gather_codes */
            uint32_t *g = d->gcode + (size_t)k * d->cap_gather;
            w[k] = s->width[pos[L + k]];
            gather_codes(g, w[k], s->codes[pos[L + k]], w[k], rid + x0, NULL, n);
            col[k] = g;
        }
        for (int q = 0; q < nmeas; q++) {
            uint64_t *g = d->gmeas + (size_t)q * d->cap_gather;
            for (uint64_t x = 0; x < n; x++)
                g[x] = s->meas[q][rid[x0 + x]];
            d->mv[q] = g;
        }
        for (int k = 0; k < L; k++)
            lead[k] = code_at(s->codes[pos[k]], s->width[pos[k]], rid[x0]);
        if (!dense_run(b, d, c, L, col, w, d->mv, lead, n, ng, cap, s->n))
            return m;
    }
    return nm;
}

/* compute_runs - cuboid c from a sorted parent whose order keeps the child's
 * first L dimensions (order_len): the parent's rows fall into runs of equal
 * values of those; each run is sorted by the child's other dimensions,
 * packed above a run-local row index into one 64-bit key, and its groups
 * aggregated from the run's rows (a short gather: the run is a contiguous
 * slice of the parent). L == 0 is one run: a full sort. Runs whose
 * remaining codes take few cells skip the sort (dense_block); *direct
 * counts their rows. Returns false (nothing done) when a run's key does not
 * fit 64 bits. */
static bool compute_runs(cube_build_t *b, scratch_t *sc, const src_t *s, const int *pos, bcub_t *c,
                         const uint64_t *span, int L, uint64_t *direct)
{
    int K = c->ndims;
    uint64_t n = s->n;
    int shift[CUBE_MAX_DIMS], kb = 0;
    for (int k = K - 1; k >= L; k--) {
        shift[k] = kb;
        kb += code_bits(span[k]);
    }
    /* run boundaries over the kept prefix: one byte per row; in chunks, so
     * a chunk of the flags stays in cache while every column ORs in */
    uint8_t *brk = mem_calloc(n + 1, 1);
    if (n)
        brk[0] = 1;
    for (uint64_t base = 1; base < n; base += CHUNK) {
        uint64_t end = n - base < CHUNK ? n : base + CHUNK;
        for (int k = 0; k < L; k++) {
            or_breaks(brk + base, s->codes[pos[k]], s->width[pos[k]], base, end);
        }
    }
    /* the longest run */
    uint64_t maxrun = 0, ra = 0;
    for (uint64_t i = next_break(brk, 1, n); i < n; i = next_break(brk, i + 1, n)) {
        maxrun = i - ra > maxrun ? i - ra : maxrun;
        ra = i;
    }
    if (n - ra > maxrun)
        maxrun = n - ra;
    int ib = code_bits(maxrun);
    if (kb + ib > 64) {
        mem_free(brk);
        return false;
    }
    uint64_t bcap = maxrun + RUN_BLOCK < n ? maxrun + RUN_BLOCK : n;
    scratch_need(sc, bcap + 1);
    uint64_t *keys = sc->keys, *gs = sc->gs, *gkey = sc->gkey;
    uint32_t *gid = sc->gid;
    uint64_t imask = ib >= 64 ? ~0ULL : (1ULL << ib) - 1, kmask[CUBE_MAX_DIMS];
    for (int k = L; k < K; k++)
        kmask[k] = (1ULL << code_bits(span[k])) - 1;
    /* the output grows as blocks add groups; the plan's estimate sizes it */
    uint64_t cap = (uint64_t)(c->est * 1.0625) + 1024, ng = 0;
    if (cap > n)
        cap = n ? n : 1;
    alloc_out(b, c, cap);
    druns_t dr = {0};
    dr.mv = mem_calloc((size_t)b->nmeasures + 1, sizeof *dr.mv);
    for (uint64_t a = 0; a < n;) {
        /* a block: whole runs from a, at least RUN_BLOCK rows but at the end */
        uint64_t e = next_break(brk, n - a > RUN_BLOCK ? a + RUN_BLOCK : n, n);
        uint64_t bn = e - a;
        /* direct addressing where the block's runs allow it; after a block
         * that did not, the next few are sorted without trying */
        if (L > 0 && dr.skip == 0) {
            uint64_t done = dense_block(b, &dr, s, pos, c, L, brk, a, e, &ng, &cap);
            *direct += done - a;
            if (done == e) {
                a = e;
                continue;
            }
            dr.skip = done == a ? 8 : 0;
            a = done;
            bn = e - a;
        } else if (dr.skip > 0)
            dr.skip--;
        /* keys: the child's remaining codes above a run-local row index */
        for (uint64_t i = a, r0 = a; i < e; i++) {
            if (brk[i])
                r0 = i;
            keys[i - a] = i - r0;
        }
        for (int k = L; k < K; k++)
            or_codes(keys, s->codes[pos[k]], s->width[pos[k]], a, e - a, shift[k] + ib);
        /* sort each run; its groups' first positions and keys; then every
         * key becomes its parent row, so the leading dimensions and the
         * measures are gathers over rows that ascend within a run */
        uint64_t bg = 0;
        for (uint64_t r = 0; r < bn;) {
            uint64_t re = next_break(brk + a, r + 1, bn);
            uint64_t *srt = sort_u64(keys + r, sc->tmp + r, re - r, ib, kb);
            if (srt != keys + r)
                memcpy(keys + r, srt, (re - r) * 8);
            /* groups without a branch per row (most are a few rows, and a
             * branch on "new group" mispredicted at each): every row writes
             * the next free slot, which only a group's first row keeps */
            uint64_t prev = ~(keys[r] >> ib);
            for (uint64_t i = r; i < re; i++) {
                uint64_t kv = keys[i] >> ib;
                gkey[bg] = kv;
                gs[bg] = i;
                bg += kv != prev;
                prev = kv;
            }
            for (uint64_t i = r; i < re; i++)
                keys[i] = a + r + (keys[i] & imask);
            r = re;
        }
        gs[bg] = bn;
        ng = block_out(b, c, s, pos, L, shift, kmask, gkey, keys, gs, gid, bn, bg, ng, &cap);
        a = e;
    }
    if (ng < cap)
        grow_out(b, c, ng);
    druns_free(&dr);
    mem_free(brk);
    return true;
}

/* Groups compute_hash takes on: its table and accumulators (about 20 MB
 * with four measures) stay in the last-level cache, where a sort of a big
 * parent would move every row several times. */
#define HASH_MAX_GROUPS (1u << 19)
#define HASH_AHEAD 16

typedef struct hslot {
    uint64_t key;
    uint32_t gid;  /* group + 1; 0: empty */
    uint32_t pad;
} hslot_t;

/* compute_hash - cuboid c from a parent whose order does not group it but
 * that has few groups for its rows (about `hint`): one pass finds each
 * row's group in an open-addressing table keyed by the packed codes and
 * merges its measures into the group's accumulators (rows in parent order,
 * as the sorts merge them); the groups are then sorted by key. Returns
 * false (nothing done) when the key does not fit 64 bits or the groups
 * outgrow twice HASH_MAX_GROUPS. */
static bool compute_hash(cube_build_t *b, const src_t *s, const int *pos, bcub_t *c, const uint64_t *span,
                         double hint)
{
    int K = c->ndims, nm = b->nmeasures;
    int shift[CUBE_MAX_DIMS], kb = 0;
    for (int k = K - 1; k >= 0; k--) {
        shift[k] = kb;
        kb += code_bits(span[k]);
    }
    if (kb > 64)
        return false;
    uint64_t n = s->n, cap = 1024, ng = 0;
    while ((double)cap < 2 * hint)
        cap <<= 1;
    hslot_t *tab = mem_calloc(cap, sizeof *tab);
    uint64_t gcap = cap / 2;
    uint64_t *gkey = mem_malloc(gcap * 8 + 8);
    uint64_t *acc = mem_malloc(gcap * (uint64_t)nm * 8 + 8);
    uint64_t *init = mem_malloc((size_t)nm * 8 + 8);
    for (int m = 0; m < nm; m++)
        init[m] = init_value(b->meas[m].kind, b->meas[m].agg);
    uint64_t keys[CHUNK];
    uint32_t gids[CHUNK];
    uint64_t hs[CHUNK];
    bool ok = true;
    for (uint64_t base = 0; base < n && ok; base += CHUNK) {
        uint64_t cn = n - base < CHUNK ? n - base : CHUNK;
        memset(keys, 0, cn * 8);
        for (int k = 0; k < K; k++)
            or_codes(keys, s->codes[pos[k]], s->width[pos[k]], base, cn, shift[k]);
        /* the hashes first, so each probe's line is fetched HASH_AHEAD rows
         * before it is read (the table and the accumulators are bigger than
         * L2: a probe waited on memory every row); only the prefetch reads
         * them, so a table doubled in the chunk costs a useless prefetch at
         * worst */
        for (uint64_t i = 0; i < cn; i++)
            hs[i] = hash_mix64(keys[i]);
        for (uint64_t i = 0; i < cn; i++) {
            if (i + HASH_AHEAD < cn)
                __builtin_prefetch(&tab[hs[i + HASH_AHEAD] & (cap - 1)]);
            uint64_t kv = keys[i], h = hs[i] & (cap - 1);
            while (tab[h].gid && tab[h].key != kv)
                h = (h + 1) & (cap - 1);
            if (!tab[h].gid) {
                if (ng == gcap) {
                    /* half full: double and rehash */
                    if (cap >= 4 * (uint64_t)HASH_MAX_GROUPS) {
                        ok = false;
                        break;
                    }
                    mem_free(tab);
                    cap *= 2;
                    gcap = cap / 2;
                    tab = mem_calloc(cap, sizeof *tab);
                    for (uint64_t g = 0; g < ng; g++) {
                        uint64_t q = hash_mix64(gkey[g]) & (cap - 1);
                        while (tab[q].gid)
                            q = (q + 1) & (cap - 1);
                        tab[q].key = gkey[g];
                        tab[q].gid = (uint32_t)g + 1;
                    }
                    gkey = mem_realloc(gkey, gcap * 8 + 8);
                    acc = mem_realloc(acc, gcap * (uint64_t)nm * 8 + 8);
                    h = hash_mix64(kv) & (cap - 1);
                    while (tab[h].gid)
                        h = (h + 1) & (cap - 1);
                }
                tab[h].key = kv;
                tab[h].gid = (uint32_t)ng + 1;
                gkey[ng] = kv;
                memcpy(acc + ng * (uint64_t)nm, init, (size_t)nm * 8);
                ng++;
            }
            gids[i] = tab[h].gid - 1;
        }
        if (ok && b->int_sums) {
            /* a group's sums side by side, added in one visit: a visit
             * per measure fetched the group's line from L3 again for each
             * (the accumulators outgrow L2), two fifths of the time */
            const uint64_t *in[8];
            for (int m = 0; m < nm; m++)
                in[m] = s->meas[m] ? s->meas[m] + base : NULL;
            bool ovf = false;
#define HASH_SUM_LOOP(FIT)                                                                                             \
    for (uint64_t i = 0; i < cn; i++) {                                                                                \
        if (i + HASH_AHEAD < cn)                                                                                       \
            __builtin_prefetch(acc + (uint64_t)gids[i + HASH_AHEAD] * nm, 1);                                          \
        int64_t *a = (int64_t *)acc + (uint64_t)gids[i] * nm;                                                          \
        for (int m = 0; m < nm; m++)                                                                                   \
            SUM_ADD(FIT, a[m], in[m] ? (int64_t)in[m][i] : 1, &a[m]);                                                  \
    }
            if (b->sums_fit) {
                HASH_SUM_LOOP(1)
            } else {
                HASH_SUM_LOOP(0)
            }
#undef HASH_SUM_LOOP
            if (ovf)
                sum_overflow = 1;
            continue;
        }
        for (int m = 0; m < nm && ok; m++) {
            stor_kind_t mk = b->meas[m].kind;
            stor_agg_t ag = b->meas[m].agg;
            uint64_t *am = acc + m;
            if (!s->meas[m]) { /* count(*) from raw rows: one per row */
                for (uint64_t i = 0; i < cn; i++)
                    am[(uint64_t)gids[i] * nm] += 1;
                continue;
            }
            const uint64_t *in = s->meas[m] + base;
            if (mk == STOR_KIND_INT && (ag == STOR_AGG_SUM || ag == STOR_AGG_COUNT))
                for (uint64_t i = 0; i < cn; i++)
                    am[(uint64_t)gids[i] * nm] = add_i64(am[(uint64_t)gids[i] * nm], in[i]);
            else
                for (uint64_t i = 0; i < cn; i++)
                    am[(uint64_t)gids[i] * nm] = merge(mk, ag, am[(uint64_t)gids[i] * nm], in[i]);
        }
    }
    mem_free(tab);
    mem_free(init);
    if (!ok) {
        mem_free(gkey);
        mem_free(acc);
        return false;
    }
    /* the groups in key order: (key, group) pairs, radix sorted */
    uint64_t *ent = mem_malloc(ng * 16 + 16), *tmp = mem_malloc(ng * 16 + 16);
    for (uint64_t g = 0; g < ng; g++) {
        ent[2 * g] = gkey[g];
        ent[2 * g + 1] = g;
    }
    mem_free(gkey);
    int wb[2] = {kb, 0};
    uint64_t *srt = radix_sort(ent, tmp, ng, 2, wb, ng <= 65536 ? 8 : DIGIT_BITS);
    alloc_out(b, c, ng);
    for (int k = 0; k < K; k++) {
        uint64_t km = span[k] <= 1 ? 0 : (1ULL << code_bits(span[k])) - 1;
        for (uint64_t g = 0; g < ng; g++)
            put_code(c->codes[k], c->width[k], g, (uint32_t)((srt[2 * g] >> shift[k]) & km));
    }
    for (int m = 0; m < nm; m++) {
        uint64_t *out = c->meas[m];
        for (uint64_t g = 0; g < ng; g++)
            out[g] = acc[srt[2 * g + 1] * (uint64_t)nm + (uint64_t)m];
    }
    mem_free(ent);
    mem_free(tmp);
    mem_free(acc);
    return true;
}

/* compute_segruns - cuboid c from a sorted parent whose order puts columns
 * c drops before c's next ones (seg_plan): the parent is segments of equal
 * values of its first S columns, each ordered by c's first L. Every
 * segment's runs of equal c-prefix are found, the runs of all segments are
 * merged by prefix (a stable radix sort of the runs, so a merged run's rows
 * keep the parent's order), and each merged run is sorted and aggregated as
 * compute_runs does a run, its rows addressed through a row-id array. SSB:
 * the cuboids without customer columns, from a base that leads with
 * c_region (S = 1, 5 segments), or without supplier columns (c_region,
 * s_region, ...: S = 2, 5 segments per region). Returns false (nothing
 * done) when a key does not fit 64 bits. */
static bool compute_segruns(cube_build_t *b, scratch_t *sc, const src_t *s, const int *pos, bcub_t *c,
                            const uint64_t *span, int S, int L, uint64_t *direct)
{
    int K = c->ndims;
    uint64_t n = s->n;
    if (n == 0 || L <= 0)
        return false;
    int shift[CUBE_MAX_DIMS], kb = 0, pb = 0;
    for (int k = K - 1; k >= L; k--) {
        shift[k] = kb;
        kb += code_bits(span[k]);
    }
    for (int k = L - 1; k >= 0; k--) {
        shift[k] = pb;
        pb += code_bits(span[k]);
    }
    if (pb > 64)
        return false;
    /* segment starts (the S leading columns change) and run starts (a
     * segment starts or one of c's first L columns changes) */
    uint8_t *brk = mem_calloc(n + 1, 1);
    brk[0] = 1;
    for (int q = 0; q < S && n > 1; q++)
        or_breaks(brk + 1, s->codes[q], s->width[q], 1, n);
    for (int k = 0; k < L && n > 1; k++)
        or_breaks(brk + 1, s->codes[pos[k]], s->width[pos[k]], 1, n);
    uint64_t nr = 0;
    for (uint64_t i = 0; i < n; i++)
        nr += brk[i];
    /* the runs as (prefix key, run) pairs, in prefix order */
    uint64_t *ent = mem_malloc(nr * 16 + 16), *etmp = mem_malloc(nr * 16 + 16);
    uint64_t *rstart = mem_malloc((nr + 1) * 8);
    for (uint64_t i = 0, r = 0; i < n; i++)
        if (brk[i]) {
            uint64_t key = 0;
            for (int k = 0; k < L; k++)
                key |= (uint64_t)code_at(s->codes[pos[k]], s->width[pos[k]], i) << shift[k];
            rstart[r] = i;
            ent[2 * r] = key;
            ent[2 * r + 1] = r;
            r++;
        }
    rstart[nr] = n;
    mem_free(brk);
    int wb[2] = {pb, 0};
    uint64_t *srt = radix_sort(ent, etmp, nr, 2, wb, nr <= 65536 ? 8 : DIGIT_BITS);
    /* merged runs: the largest sets the row-index bits */
    uint64_t maxm = 0;
    for (uint64_t a = 0; a < nr;) {
        uint64_t e = a, m = 0;
        for (; e < nr && srt[2 * e] == srt[2 * a]; e++)
            m += rstart[srt[2 * e + 1] + 1] - rstart[srt[2 * e + 1]];
        if (m > maxm)
            maxm = m;
        a = e;
    }
    int ib = code_bits(maxm);
    if (kb + ib > 64) {
        mem_free(ent);
        mem_free(etmp);
        mem_free(rstart);
        return false;
    }
    uint64_t bcap = maxm + RUN_BLOCK < n ? maxm + RUN_BLOCK : n;
    scratch_need(sc, bcap + 1);
    uint64_t *keys = sc->keys, *gs = sc->gs, *gkey = sc->gkey;
    uint32_t *gid = sc->gid;
    uint64_t *rid = mem_malloc(bcap * 8 + 8), *mstart = mem_malloc(bcap * 8 + 16);
    uint64_t imask = ib >= 64 ? ~0ULL : (1ULL << ib) - 1, kmask[CUBE_MAX_DIMS];
    for (int k = 0; k < K; k++)
        kmask[k] = span[k] <= 1 ? 0 : (1ULL << code_bits(span[k])) - 1;
    uint64_t cap = (uint64_t)(c->est * 1.0625) + 1024, ng = 0;
    if (cap > n)
        cap = n;
    alloc_out(b, c, cap);
    druns_t dr = {0};
    dr.mv = mem_calloc((size_t)b->nmeasures + 1, sizeof *dr.mv);
    for (uint64_t a = 0; a < nr;) {
        /* a block: whole merged runs, at least RUN_BLOCK rows but at the end */
        uint64_t bn = 0, nm = 0, e = a;
        while (e < nr && bn < RUN_BLOCK) {
            uint64_t f = e;
            mstart[nm++] = bn;
            for (; f < nr && srt[2 * f] == srt[2 * e]; f++) {
                uint64_t r = srt[2 * f + 1];
                for (uint64_t i = rstart[r]; i < rstart[r + 1]; i++)
                    rid[bn++] = i;
            }
            e = f;
        }
        mstart[nm] = bn;
        /* direct addressing, merged run by merged run, while their cells
         * allow it (their codes and measures gathered first); the rest of
         * the block is sorted */
        if (dr.skip == 0) {
            uint64_t m0 = dense_merged(b, &dr, s, pos, c, L, rid, mstart, nm, &ng, &cap);
            *direct += mstart[m0];
            if (m0 == nm) {
                a = e;
                continue;
            }
            dr.skip = m0 == 0 ? 8 : 0;
            uint64_t x0 = mstart[m0];
            if (x0 > 0) {
                memmove(rid, rid + x0, (bn - x0) * sizeof *rid);
                for (uint64_t m = m0; m <= nm; m++)
                    mstart[m - m0] = mstart[m] - x0;
                nm -= m0;
                bn -= x0;
            }
        } else
            dr.skip--;
        /* keys: c's remaining codes above the index inside the merged run */
        for (uint64_t m = 0; m < nm; m++)
            for (uint64_t x = mstart[m]; x < mstart[m + 1]; x++)
                keys[x] = x - mstart[m];
        for (int k = L; k < K; k++) {
            const void *col = s->codes[pos[k]];
            int w = s->width[pos[k]], sh = shift[k] + ib;
            if (w == 1) {
                const uint8_t *xc = col;
                for (uint64_t x = 0; x < bn; x++)
                    keys[x] |= (uint64_t)xc[rid[x]] << sh;
            } else if (w == 2) {
                const uint16_t *xc = col;
                for (uint64_t x = 0; x < bn; x++)
                    keys[x] |= (uint64_t)xc[rid[x]] << sh;
            } else {
                const uint32_t *xc = col;
                for (uint64_t x = 0; x < bn; x++)
                    keys[x] |= (uint64_t)xc[rid[x]] << sh;
            }
        }
        uint64_t bg = 0;
        for (uint64_t m = 0; m < nm; m++) {
            uint64_t r0 = mstart[m], re = mstart[m + 1];
            uint64_t *o = sort_u64(keys + r0, sc->tmp + r0, re - r0, ib, kb);
            if (o != keys + r0)
                memcpy(keys + r0, o, (re - r0) * 8);
            uint64_t prev = re > r0 ? ~(keys[r0] >> ib) : 0; /* as in compute_runs */
            for (uint64_t x = r0; x < re; x++) {
                uint64_t kv = keys[x] >> ib;
                gkey[bg] = kv;
                gs[bg] = x;
                bg += kv != prev;
                prev = kv;
            }
            for (uint64_t x = r0; x < re; x++)
                keys[x] = rid[r0 + (keys[x] & imask)];
        }
        gs[bg] = bn;
        ng = block_out(b, c, s, pos, L, shift, kmask, gkey, keys, gs, gid, bn, bg, ng, &cap);
        a = e;
    }
    if (ng < cap)
        grow_out(b, c, ng);
    druns_free(&dr);
    mem_free(rid);
    mem_free(mstart);
    mem_free(ent);
    mem_free(etmp);
    mem_free(rstart);
    return true;
}

static bool compute_base(cube_build_t *b, const src_t *s, const int *pos, bcub_t *c, int T, bool raw);

/* compute_from - cuboid c from the sorted cuboid p. */
static double sketch_of(const cube_build_t *b, const bcub_t *p, const bcub_t *c);

static const char *compute_from(cube_build_t *b, scratch_t *sc, const bcub_t *p, bcub_t *c)
{
    src_t s;
    src_of_cub(p, &s);
    int pos[CUBE_MAX_DIMS], K = c->ndims;
    uint64_t span[CUBE_MAX_DIMS];
    double cells = 1;
    for (int k = 0; k < K; k++) {
        int q = 0;
        while (s.dims[q] != c->dims[k])
            q++;
        pos[k] = q;
        span[k] = b->dims[c->dims[k]].ncodes ? b->dims[c->dims[k]].ncodes : 1;
        cells *= (double)span[k];
    }
    int L = order_len(b, p, c);
    if (L == K) {
        compute_prefix(b, &s, pos, c);
        return "in order";
    }
    /* a small key space: one pass into an array that stays in cache */
    if (cells * 8 * (b->nmeasures + 1) <= (double)DENSE_RUN_BYTES && cells <= 2.0 * (double)s.n + 4096) {
        compute_dense(b, &s, pos, c, span, (uint64_t)cells);
        return "dense";
    }
    /* few groups for a big parent that does not group them: hashed */
    uint64_t big = b->opts.bucket_rows ? b->opts.bucket_rows : (1ULL << 20);
    if (L == 0 && s.n >= big) {
        double h = c->est <= HASH_MAX_GROUPS ? c->est : sketch_of(b, p, c);
        if (h <= HASH_MAX_GROUPS && h * 2 <= (double)s.n && compute_hash(b, &s, pos, c, span, h))
            return "hashed";
    }
    /* the parent leads with columns c drops: its segments merged */
    int S = 0, SL = L == 0 && s.n >= big ? seg_plan(b, p, c, &S) : 0;
    uint64_t direct = 0;
    if (SL > 0 && compute_segruns(b, sc, &s, pos, c, span, S, SL, &direct))
        return direct == s.n ? "merged runs, direct" : direct ? "merged runs, part direct" : "merged runs";
    /* one big sort: in buckets, so the measure gathers stay local */
    if (L == 0 && s.n >= big && compute_base(b, &s, pos, c, 1, false))
        return "sorted in buckets";
    if (compute_runs(b, sc, &s, pos, c, span, L, &direct))
        return !L ? "sorted" : direct == s.n ? "runs, direct" : direct ? "runs, part direct" : "sorted runs";
    /* runs too long for one word with their index: segments, if the
     * parent's order goes on with c's past columns c drops */
    SL = L > 0 ? seg_plan(b, p, c, &S) : 0;
    direct = 0;
    if (SL > L && compute_segruns(b, sc, &s, pos, c, span, S, SL, &direct))
        return direct == s.n ? "merged runs, direct" : direct ? "merged runs, part direct" : "merged runs";
    if (s.n >= big && compute_base(b, &s, pos, c, 1, false))
        return "sorted in buckets (wide key)";
    compute(b, &s, c);
    return "sorted (wide key)";
}

/* HyperLogLog sketches of distinct combinations of a cuboid's dimensions
 * over the rows of its parent (2^14 registers, about 1 % error): a pass that
 * hashes codes, several times cheaper than computing the cuboid. Where the
 * codes fit one word (nearly always) they are packed with shifts, which
 * vectorise, and hashed once per row: a multiply per dimension and row made
 * the sketches 4 % of SF 10's build. */
enum { HLL_P = 14, HLL_M = 1 << HLL_P, HLL_MANY_MAX = 64, HLL_WORDS = 4 };

typedef struct hll {
    int nd, pos[CUBE_MAX_DIMS], shift[CUBE_MAX_DIMS];
    bool packed;
    uint8_t *reg;
} hll_t;

static void hll_init(const cube_build_t *b, const bcub_t *p, const bcub_t *c, hll_t *h)
{
    int kb = 0;
    h->nd = c->ndims;
    for (int k = 0; k < c->ndims; k++) {
        int q = 0;
        while (p->dims[q] != c->dims[k])
            q++;
        h->pos[k] = q;
        h->shift[k] = kb;
        kb += code_bits(b->dims[c->dims[k]].ncodes ? b->dims[c->dims[k]].ncodes : 1);
    }
    h->packed = kb <= 64;
    h->reg = mem_calloc(HLL_M, 1);
}

/* hll_add - one hashed row into the registers */
static inline void hll_add(uint8_t *reg, uint64_t x)
{
    uint32_t r = (uint32_t)x >> (32 - HLL_P);
    uint8_t rho = (uint8_t)(__builtin_clzll((x << HLL_P) | (1ULL << (HLL_P - 1))) + 1);
    if (rho > reg[r])
        reg[r] = rho;
}

/* hll_chunk - rows [base, base + cn) of p (cn <= CHUNK) into h's registers */
static void hll_chunk(const bcub_t *p, hll_t *h, uint64_t base, uint64_t cn)
{
    uint64_t hv[CHUNK];
    memset(hv, 0, cn * 8);
    bool packed = h->packed;
    for (int k = 0; k < h->nd; k++) {
        const void *col = p->codes[h->pos[k]];
        int w = p->width[h->pos[k]];
        if (packed) {
            or_codes(hv, col, w, base, cn, h->shift[k]);
        } else if (w == 1) {
            const uint8_t *x = (const uint8_t *)col + base;
            for (uint64_t i = 0; i < cn; i++)
                hv[i] = (hv[i] + x[i] + 1) * 0x9E3779B97F4A7C15ULL;
        } else if (w == 2) {
            const uint16_t *x = (const uint16_t *)col + base;
            for (uint64_t i = 0; i < cn; i++)
                hv[i] = (hv[i] + x[i] + 1) * 0x9E3779B97F4A7C15ULL;
        } else {
            const uint32_t *x = (const uint32_t *)col + base;
            for (uint64_t i = 0; i < cn; i++)
                hv[i] = (hv[i] + x[i] + 1) * 0x9E3779B97F4A7C15ULL;
        }
    }
    uint8_t *reg = h->reg;
    for (uint64_t i = 0; i < cn; i++)
        hll_add(reg, hash_mix64(hv[i]));
}

/* hll_masked - cn rows of packed parent keys (W words, CHUNK apart) into
 * h's registers, each row's words masked to h's dimensions */
static void hll_masked(hll_t *h, const uint64_t *kw, int W, const uint64_t *mask, uint64_t cn)
{
    uint8_t *reg = h->reg;
    if (W == 1) {
        for (uint64_t i = 0; i < cn; i++)
            hll_add(reg, hash_mix64(kw[i] & mask[0]));
        return;
    }
    for (uint64_t i = 0; i < cn; i++) {
        uint64_t x = kw[i] & mask[0];
        for (int w = 1; w < W; w++)
            x = x * 0x9E3779B97F4A7C15ULL ^ (kw[(size_t)w * CHUNK + i] & mask[w]);
        hll_add(reg, hash_mix64(x));
    }
}

/* hll_peek - the estimate of h's registers so far */
static double hll_peek(const hll_t *h)
{
    double sum = 0;
    int zeros = 0;
    for (int i = 0; i < HLL_M; i++) {
        sum += ldexp(1.0, -h->reg[i]);
        zeros += h->reg[i] == 0;
    }
    double e = 0.7213 / (1 + 1.079 / HLL_M) * HLL_M * (double)HLL_M / sum;
    if (e <= 2.5 * HLL_M && zeros > 0)
        e = HLL_M * log((double)HLL_M / zeros);
    return e;
}

/* hll_estimate - the estimate, the registers freed */
static double hll_estimate(hll_t *h)
{
    double e = hll_peek(h);
    mem_free(h->reg);
    h->reg = NULL;
    return e;
}

static double hll_rows(const cube_build_t *b, const bcub_t *p, const bcub_t *c)
{
    hll_t h;
    hll_init(b, p, c, &h);
    for (uint64_t base = 0; base < p->nrows; base += CHUNK)
        hll_chunk(p, &h, base, p->nrows - base < CHUNK ? p->nrows - base : CHUNK);
    return hll_estimate(&h);
}

/* wants_sketch - whether c, a child of p, will read a sketch over p's rows:
 * to decide whether it is worth computing (vcand), or whether few enough
 * groups for a hash (compute_from: a big parent that does not group it).
 * Such sketches are made in one pass over p (hll_many) before any child. */
static bool wants_sketch(const cube_build_t *b, const bcub_t *p, const bcub_t *c)
{
    if (c->vcand)
        return true;
    uint64_t big = b->opts.bucket_rows ? b->opts.bucket_rows : (1ULL << 20);
    return p->nrows >= big && c->est > HASH_MAX_GROUPS && order_len(b, p, c) == 0;
}

/* sketch_enough - the estimate of c's rows over p from which no reader of
 * the sketch can decide otherwise (0: none, the whole pass is needed). Its
 * readers: compute_task skips a vcand c when estimate x skip_ratio reaches
 * the rows of p's nearest stored ancestor (final once p is computed);
 * compute_from hashes c when the estimate is at most HASH_MAX_GROUPS and
 * half p's rows. A sketch over a prefix of p's rows counts a subset of the
 * combinations, so once its estimate is past the bound by more than the
 * sketch's error (1 %; the margin is 10 %), the whole pass would decide the
 * same. */
static double sketch_enough(const cube_build_t *b, const bcub_t *p, const bcub_t *c)
{
    const double margin = 1.1;
    if (c->vcand) {
        const bcub_t *st = p;
        while (!st->stored && st->parent >= 0)
            st = &b->cubs[st->parent];
        return st->stored && b->opts.skip_ratio >= 1 ? margin * (double)st->nrows / b->opts.skip_ratio : 0;
    }
    double h = (double)p->nrows / 2 < (double)HASH_MAX_GROUPS ? (double)p->nrows / 2 : (double)HASH_MAX_GROUPS;
    return margin * h;
}

/* hll_many - the sketches of n cuboids over p's rows in one pass: a chunk
 * of p's codes is packed once and stays in cache while each sketch hashes
 * its own combination. Each cuboid's estimate into its hll field. The pass
 * stops early for a sketch whose estimate over the rows so far already
 * decides its readers (sketch_enough), checked every sixteenth of p: most
 * sketches over a base cuboid are of cuboids that turn out nearly as big,
 * and a third to a half of the rows shows it. Its estimate is then scaled
 * to all of p's rows. */
static void hll_many(const cube_build_t *b, const bcub_t *p, bcub_t *const *c, int n)
{
    hll_t *h = mem_calloc((size_t)n + 1, sizeof *h);
    double *enough = mem_calloc((size_t)n + 1, sizeof *enough);
    int *act = mem_malloc(((size_t)n + 1) * sizeof *act), na = 0;
    for (int i = 0; i < n; i++) {
        hll_init(b, p, c[i], &h[i]);
        enough[i] = sketch_enough(b, p, c[i]);
        act[na++] = i;
    }
    /* p's codes packed into HLL_WORDS words once per chunk (no code across
     * a word); each sketch masks its dimensions' bits out of them and hashes
     * the masked words, instead of packing its own codes again */
    int word_of[CUBE_MAX_DIMS], shift_of[CUBE_MAX_DIMS], W = 1, fill = 0;
    for (int q = 0; q < p->ndims; q++) {
        int bits = code_bits(b->dims[p->dims[q]].ncodes ? b->dims[p->dims[q]].ncodes : 1);
        if (fill + bits > 64) {
            W++;
            fill = 0;
        }
        word_of[q] = W - 1;
        shift_of[q] = fill;
        fill += bits;
    }
    bool masked = n >= 2 && W <= HLL_WORDS;
    uint64_t (*mask)[HLL_WORDS] = NULL, *kw = NULL;
    if (masked) {
        mask = mem_calloc((size_t)n, sizeof *mask);
        for (int i = 0; i < n; i++)
            for (int k = 0; k < h[i].nd; k++) {
                int q = h[i].pos[k];
                int bits = code_bits(b->dims[p->dims[q]].ncodes ? b->dims[p->dims[q]].ncodes : 1);
                uint64_t m = bits >= 64 ? ~0ULL : (1ULL << bits) - 1;
                mask[i][word_of[q]] |= m << shift_of[q];
            }
        kw = mem_malloc((size_t)W * CHUNK * sizeof *kw);
    }
    uint64_t every = (p->nrows / 16 + CHUNK - 1) / CHUNK * CHUNK, next = every;
    for (uint64_t base = 0; base < p->nrows && na > 0; base += CHUNK) {
        uint64_t cn = p->nrows - base < CHUNK ? p->nrows - base : CHUNK;
        if (masked) {
            memset(kw, 0, (size_t)W * CHUNK * sizeof *kw);
            for (int q = 0; q < p->ndims; q++)
                or_codes(kw + (size_t)word_of[q] * CHUNK, p->codes[q], p->width[q], base, cn, shift_of[q]);
            for (int a = 0; a < na; a++)
                hll_masked(&h[act[a]], kw, W, mask[act[a]], cn);
        } else {
            for (int a = 0; a < na; a++)
                hll_chunk(p, &h[act[a]], base, cn);
        }
        if (base + cn >= next && base + cn < p->nrows) {
            next += every;
            double seen = (double)(base + cn);
            for (int a = 0; a < na; a++) {
                int i = act[a];
                double e = enough[i] > 0 ? hll_peek(&h[i]) : 0;
                if (e > 0 && e >= enough[i]) {
                    double all = e * (double)p->nrows / seen;
                    c[i]->hll = all < (double)p->nrows ? all : (double)p->nrows;
                    mem_free(h[i].reg);
                    h[i].reg = NULL;
                    act[a--] = act[--na];
                }
            }
        }
    }
    mem_free(kw);
    mem_free(mask);
    for (int a = 0; a < na; a++)
        c[act[a]]->hll = hll_estimate(&h[act[a]]);
    for (int i = 0; i < n; i++) {
        c[i]->hll_done = true;
        c[i]->hll_of = (int)(p - b->cubs);
    }
    mem_free(act);
    mem_free(enough);
    mem_free(h);
}

/* sketch_of - c's distinct rows over p: the sketch made before, if it was
 * over p's rows, else a pass now */
static double sketch_of(const cube_build_t *b, const bcub_t *p, const bcub_t *c)
{
    return c->hll_done && c->hll_of == (int)(p - b->cubs) ? c->hll : hll_rows(b, p, c);
}

/* ---- the work stack ----
 *
 * Every cuboid but the base has one parent in a spanning tree planned
 * before the lattice is computed (plan_tree). A worker pops a cuboid whose
 * parent is computed, computes and writes it, pushes its children and
 * releases the parent once its last child is done. The stack is LIFO and a
 * cuboid's children are pushed largest subtree first, so the small subtrees
 * run first and the parent is freed as soon as its largest child has been
 * computed from it: memory holds about one root-to-leaf path per worker,
 * not a whole level of the lattice. The base's children are the exception
 * (push_kids). */

static void cub_release(cube_build_t *b, bcub_t *c)
{
    if (--c->kids_left <= 0 && !c->freed)
        free_cub(c, b->nmeasures);
}

/* kid_sketches - the sketches c's children want, in one pass over c (the
 * base's are made on every core before the lattice: base_kid_sketches) */
static void kid_sketches(cube_build_t *b, bcub_t *c)
{
    bcub_t *want[HLL_MANY_MAX];
    int n = 0;
    for (int i = 0; i < c->nkids && n < HLL_MANY_MAX; i++)
        if (wants_sketch(b, c, &b->cubs[c->kids[i]]) &&
            !(b->cubs[c->kids[i]].hll_done && b->cubs[c->kids[i]].hll_of == (int)(c - b->cubs)))
            want[n++] = &b->cubs[c->kids[i]];
    if (n > 0)
        hll_many(b, c, want, n);
}

/* not_worth - whether vcand c is left out: a cuboid with about as many
 * rows as its nearest stored ancestor would not be stored (compute_task):
 * when a sketch over its parent says so, it is not computed either (virt),
 * and its children are computed from its parent. Most of a lattice's time
 * went to such cuboids near the top, where the dimensions are nearly unique
 * per row. */
static bool not_worth(cube_build_t *b, bcub_t *c)
{
    if (!c->vcand)
        return false;
    double t0 = thread_cpu_sec();
    const bcub_t *p = &b->cubs[c->parent], *st = p;
    while (!st->stored && st->parent >= 0)
        st = &b->cubs[st->parent];
    double h = !st->stored ? 0 : sketch_of(b, p, c);
    if (!st->stored || h * b->opts.skip_ratio < (double)st->nrows)
        return false;
    c->nrows = (uint64_t)h < st->nrows ? (uint64_t)h : st->nrows;
    c->virt = true;
    c->stored = false;
    if (b->trace)
        log_debug("cube build: cuboid %llx (%d dims) not computed: about %.0f rows, %llx has %llu (%.1f ms CPU)",
                  (unsigned long long)c->id, c->ndims, h, (unsigned long long)st->id, (unsigned long long)st->nrows,
                  (thread_cpu_sec() - t0) * 1e3);
    cuboid_done(b, c);
    return true;
}

static void compute_task(cube_build_t *b, scratch_t *sc, int i)
{
    bcub_t *c = &b->cubs[i];
    const bcub_t *p = &b->cubs[c->parent];
    double t0 = thread_cpu_sec();
    if (not_worth(b, c))
        return;
    const char *how = compute_from(b, sc, p, c);
    check_overflow(b);
    if (b->trace)
        log_debug("cube build: cuboid %llx (%d dims) from %llx (%llu rows, %s, estimated %.0f): %llu rows, %.1f ms CPU, done at %.3f s",
                  (unsigned long long)c->id, c->ndims, (unsigned long long)p->id, (unsigned long long)p->nrows, how,
                  c->est, (unsigned long long)c->nrows, (thread_cpu_sec() - t0) * 1e3, now_sec() - b->t0);
    /* Not stored when an ancestor that is stored has at most skip_ratio
     * times its rows: that ancestor answers its queries by a rollup over
     * about as many rows. Ancestors are final before c starts, so the
     * choice does not depend on thread timing. */
    c->stored = true;
    if (b->opts.skip_ratio >= 1)
        for (int j = c->parent; j >= 0 && c->stored; j = b->cubs[j].parent)
            if (b->cubs[j].stored && (double)b->cubs[j].nrows <= b->opts.skip_ratio * (double)c->nrows)
                c->stored = false;
    err_t err = {0};
    if (atomic_load(&b->failed))
        return;
    if (c->stored && write_cub(b, c, &err) < 0)
        fail(b, &err);
    kid_sketches(b, c);
    cuboid_done(b, c);
}

typedef struct lattice {
    cube_build_t *b;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int *stack, top, pending;
} lattice_t;

static void push_kids(lattice_t *lt, int i)
{
    bcub_t *c = &lt->b->cubs[i];
    if (i == 0) {
        /* the base is held until its last child anyway: its largest
         * subtrees first, so the lattice ends on small ones and no worker
         * idles while another finishes a long chain */
        for (int k = c->nkids - 1; k >= 0; k--)
            lt->stack[lt->top++] = c->kids[k];
        return;
    }
    for (int k = 0; k < c->nkids; k++)
        lt->stack[lt->top++] = c->kids[k];
}

static void *lattice_worker(void *arg)
{
    lattice_t *lt = arg;
    cube_build_t *b = lt->b;
    scratch_t sc = {0};
    pthread_mutex_lock(&lt->mu);
    for (;;) {
        if (atomic_load(&b->failed) || lt->pending == 0)
            break;
        if (lt->top == 0) {
            pthread_cond_wait(&lt->cv, &lt->mu);
            continue;
        }
        int i = lt->stack[--lt->top];
        pthread_mutex_unlock(&lt->mu);
        if (i < 0) {
            /* the base cuboid's write, beside its first children */
            err_t err = {0};
            if (!atomic_load(&b->failed) && write_cub(b, &b->cubs[0], &err) < 0)
                fail(b, &err);
            cuboid_done(b, &b->cubs[0]);
            pthread_mutex_lock(&lt->mu);
            cub_release(b, &b->cubs[0]);
            lt->pending--;
            pthread_cond_broadcast(&lt->cv);
            continue;
        }
        compute_task(b, &sc, i);
        pthread_mutex_lock(&lt->mu);
        bcub_t *c = &b->cubs[i];
        if (c->virt) {
            /* its children read its parent instead */
            for (int k = 0; k < c->nkids; k++)
                b->cubs[c->kids[k]].parent = c->parent;
            b->cubs[c->parent].kids_left += c->nkids;
            c->freed = true;
        }
        cub_release(b, &b->cubs[c->parent]);
        if (c->nkids == 0 && !c->freed)
            free_cub(c, b->nmeasures);
        push_kids(lt, i);
        lt->pending--;
        pthread_cond_broadcast(&lt->cv);
    }
    pthread_cond_broadcast(&lt->cv);
    pthread_mutex_unlock(&lt->mu);
    scratch_free(&sc);
    return NULL;
}

static int cmp_subtree_desc(const void *x, const void *y, void *arg)
{
    const cube_build_t *b = arg;
    double a = b->cubs[*(const int *)x].subtree, c = b->cubs[*(const int *)y].subtree;
    return a > c ? -1 : a < c;
}

/* plan_tree - each cuboid's parent: the superset that costs least to
 * compute it from, by the parent's (estimated) rows weighted by how much
 * sorting the parent's order leaves (none, per run, all). Quadratic, so a
 * very large lattice computes everything from the base cuboid. */
static void plan_tree(cube_build_t *b)
{
    int nc = b->ncubs;
    double n = (double)b->cubs[0].nrows;
    b->cubs[0].est = n;
    for (int i = 1; i < nc; i++)
        b->cubs[i].est = est_rows(b, &b->cubs[i], n);
    /* A large lattice looks only at supersets with one more dimension (and
     * the base), found through a hash of the ids: the full scan is
     * quadratic. */
    bool full = nc <= 8192;
    uint64_t hmask = 0;
    int *slot = NULL;
    if (!full) {
        uint64_t ns = 1;
        while (ns < 2 * (uint64_t)nc)
            ns <<= 1;
        hmask = ns - 1;
        slot = mem_malloc(ns * sizeof *slot);
        memset(slot, 0xff, ns * sizeof *slot);
        for (int i = 0; i < nc; i++) {
            uint64_t h = hash_mix64(b->cubs[i].id) & hmask;
            while (slot[h] >= 0)
                h = (h + 1) & hmask;
            slot[h] = i;
        }
    }
    for (int i = 1; i < nc; i++) {
        bcub_t *c = &b->cubs[i];
        int best = 0, cand[CUBE_MAX_DIMS + 1], ncand = 0;
        double best_cost = -1;
        if (!full) {
            cand[ncand++] = 0;
            for (int d = 0; d < b->ndims; d++) {
                uint64_t want = c->id | (1ULL << d), h = hash_mix64(want) & hmask;
                if (want == c->id)
                    continue;
                while (slot[h] >= 0 && b->cubs[slot[h]].id != want)
                    h = (h + 1) & hmask;
                if (slot[h] >= 0 && slot[h] < i)
                    cand[ncand++] = slot[h];
            }
        }
        for (int k = 0; full ? k < i : k < ncand; k++) {
            int j = full ? k : cand[k];
            const bcub_t *p = &b->cubs[j];
            if ((p->id & c->id) != c->id || p->id == c->id)
                continue;
            int L = order_len(b, p, c);
            /* per parent row, as measured at SSB SF1-10: in order ~20-25 ns,
             * sorted runs ~30-40 ns, merged runs of a few segments ~40-50
             * ns, a big sort in buckets ~70-120 ns */
            int S;
            double f = L == c->ndims ? 1.0 : L > 0 ? 1.4 : seg_plan(b, p, c, &S) > 0 ? 1.7 : 4.0;
            double cost = p->est * f;
            if (best_cost < 0 || cost < best_cost) {
                best = j;
                best_cost = cost;
            }
        }
        c->parent = best;
        c->cost = best_cost;
    }
    mem_free(slot);
    b->cubs[0].parent = -1;
    /* candidates for not being computed: estimated within 10 % of the skip
     * threshold against their parent (the sketch decides) */
    for (int i = 1; i < nc && b->opts.skip_ratio >= 1; i++) {
        bcub_t *c = &b->cubs[i];
        c->vcand = c->est * b->opts.skip_ratio >= 0.9 * b->cubs[c->parent].est;
    }
    /* a subtree's longest chain of work: a cuboid's own is its rows to
     * write and its parent's weighted rows to compute it from. Chains
     * longest first (list scheduling by critical path), so a costly cuboid
     * with little under it (a hash over the base cuboid) starts early
     * rather than last on one worker while the others idle. */
    double *below = mem_calloc((size_t)nc + 1, sizeof *below);
    for (int i = nc - 1; i >= 0; i--) {
        bool own = i > 0 && !b->cubs[i].vcand; /* a candidate is mostly not computed */
        b->cubs[i].subtree = (own ? b->cubs[i].est + b->cubs[i].cost : 0) + below[i];
        if (i > 0 && b->cubs[i].subtree > below[b->cubs[i].parent])
            below[b->cubs[i].parent] = b->cubs[i].subtree;
    }
    mem_free(below);
    int *all = mem_malloc(((size_t)nc + 1) * sizeof *all);
    int *cnt = mem_calloc((size_t)nc + 1, sizeof *cnt);
    for (int i = 1; i < nc; i++)
        cnt[b->cubs[i].parent]++;
    int off = 0;
    for (int i = 0; i < nc; i++) {
        b->cubs[i].kids = all + off;
        b->cubs[i].nkids = 0;
        b->cubs[i].kids_left = cnt[i];
        off += cnt[i];
    }
    for (int i = 1; i < nc; i++) {
        bcub_t *p = &b->cubs[b->cubs[i].parent];
        p->kids[p->nkids++] = i;
    }
    for (int i = 0; i < nc; i++)
        qsort_r(b->cubs[i].kids, (size_t)b->cubs[i].nkids, sizeof(int), cmp_subtree_desc, b);
    b->kids_all = all;
    mem_free(cnt);
}

/* The sketches of the base cuboid's children, before the lattice: on every
 * core, each thread one pass over the base for its share of them. */
typedef struct hllpar {
    cube_build_t *b;
    bcub_t **c;
    int n, T;
    atomic_int next;
} hllpar_t;

static void *hllpar_worker(void *arg)
{
    hllpar_t *x = arg;
    int t;
    while ((t = atomic_fetch_add(&x->next, 1)) < x->T) {
        bcub_t *mine[HLL_MANY_MAX];
        int k = 0;
        for (int i = t; i < x->n && k < HLL_MANY_MAX; i += x->T)
            mine[k++] = x->c[i];
        if (k > 0)
            hll_many(x->b, &x->b->cubs[0], mine, k);
    }
    return NULL;
}

/* base_sketch_set - the cuboids under node that may read the base cuboid
 * and want a sketch over it: node's children, and theirs where node's
 * child may itself not be computed (vcand; its children then read the
 * base) */
static void base_sketch_set(cube_build_t *b, const bcub_t *node, hllpar_t *x, int max)
{
    const bcub_t *base = &b->cubs[0];
    for (int i = 0; i < node->nkids && x->n < max; i++) {
        bcub_t *k = &b->cubs[node->kids[i]];
        if (wants_sketch(b, base, k))
            x->c[x->n++] = k;
        if (k->vcand)
            base_sketch_set(b, k, x, max);
    }
}

static void base_kid_sketches(cube_build_t *b)
{
    hllpar_t x = {.b = b, .T = b->threads};
    int max = HLL_MANY_MAX * b->threads;
    x.c = mem_calloc((size_t)max + 1, sizeof *x.c);
    base_sketch_set(b, &b->cubs[0], &x, max);
    if (x.T > x.n)
        x.T = x.n;
    if (x.n >= 2) {
        double t0 = proc_cpu_sec();
        run_threads(x.T, hllpar_worker, &x);
        if (b->trace)
            log_debug("cube build: %d sketches over the base cuboid (%d threads): %.1f ms CPU", x.n, x.T,
                      (proc_cpu_sec() - t0) * 1e3);
    }
    mem_free(x.c);
}

/* base_kids_settled - the children of node (the base, or a child left out
 * under it) into kids, each left out by its sketch over the base replaced
 * by its own children, which are the base's then (one task fewer each). */
static void base_kids_settled(cube_build_t *b, int node, int *kids, int *nk, int *pending)
{
    const bcub_t *c = &b->cubs[node];
    for (int k = 0; k < c->nkids; k++) {
        int i = c->kids[k];
        bcub_t *x = &b->cubs[i];
        x->parent = 0;
        if (not_worth(b, x)) {
            x->freed = true;
            (*pending)--;
            base_kids_settled(b, i, kids, nk, pending);
        } else {
            if (x->vcand) /* it will be computed: its own work counts now (plan_tree) */
                x->subtree += x->est + x->cost;
            kids[(*nk)++] = i;
        }
    }
}

/* run_lattice - every cuboid below the computed base. */
static void run_lattice(cube_build_t *b)
{
    lattice_t lt = {.b = b};
    pthread_mutex_init(&lt.mu, NULL);
    pthread_cond_init(&lt.cv, NULL);
    lt.stack = mem_malloc(((size_t)b->ncubs + 1) * sizeof *lt.stack);
    lt.pending = b->ncubs; /* every cuboid but the base, and the base's write */
    base_kid_sketches(b);
    /* The base's children its sketches leave out are settled before any
     * worker starts, their children becoming the base's: every child the
     * base really has is then ordered with the others (push_kids), where
     * those under a child left out used to wait for it on the stack and a
     * long one could end the lattice alone. */
    int *kids = mem_malloc(((size_t)b->ncubs + 1) * sizeof *kids), nk = 0;
    base_kids_settled(b, 0, kids, &nk, &lt.pending);
    qsort_r(kids, (size_t)nk, sizeof *kids, cmp_subtree_desc, b);
    b->cubs[0].kids = kids;
    b->cubs[0].nkids = nk;
    b->cubs[0].kids_left = nk;
    push_kids(&lt, 0);
    lt.stack[lt.top++] = -1; /* popped first: one worker writes the base while the others compute from it */
    b->cubs[0].kids_left++;
    run_threads(b->threads, lattice_worker, &lt);
    mem_free(lt.stack);
    mem_free(kids);
    b->cubs[0].kids = NULL;
    b->cubs[0].nkids = 0;
    pthread_mutex_destroy(&lt.mu);
    pthread_cond_destroy(&lt.cv);
}

/* ---- the base cuboid from the buffered rows ----
 *
 * The one full sort of the build, over every input row, so it runs on
 * every core: rows are scattered by the most significant digit of their
 * key into buckets (keys and measure inputs move together, once), then each
 * bucket is sorted and aggregated on its own. A bucket is a contiguous slice
 * small enough for the cache, so the measure gathers after its sort stay
 * local instead of hopping over the whole input. Buckets are in key order,
 * so their groups concatenate into the sorted cuboid. */

typedef struct basectx {
    const src_t *s;
    bcub_t *c;
    int pos[CUBE_MAX_DIMS];   /* the child's dimensions in the source */
    int K, W, E, tb, dsh, T;
    int ib;               /* > 0: the row index in the key word's low ib bits (E == W == 1) */
    int word_of[CUBE_MAX_DIMS], shift_of[CUBE_MAX_DIMS], word_bits[CUBE_MAX_DIMS + 1];
    uint64_t mask[CUBE_MAX_DIMS];
    uint64_t n, nb;
    uint64_t *hist;       /* T x nb: rows per thread and bucket, then offsets */
    uint64_t *bstart;     /* nb + 1: bucket starts */
    uint64_t *gstart;     /* nb + 1: first group of each bucket */
    uint64_t *keys;       /* n x E, bucket order */
    uint64_t **meas;      /* n per measure (NULL: count(*)), bucket order */
    uint64_t **tmp;       /* per thread: the largest bucket x max(E, measures) */
    atomic_uchar *read;   /* nb: the bucket's measure inputs are gathered (emit) */
    int nlk;              /* lookup groups of the buffered rows (src_t.ref) */
    const uint32_t *lk_ref[CUBE_MAX_DIMS];
    uint64_t *lk_key[CUBE_MAX_DIMS];  /* per lookup row: the bits its dimensions set in each of the W key words */
    size_t lk_n[CUBE_MAX_DIMS];       /* lookup rows */
    /* A lookup's dimension is keyed by its code's rank among the codes it
     * has under the lookup's earlier dimensions (base_ranks): the path
     * id of the group's first j members is dstart[j][id of the first
     * j - 1] + rank (first member: the rank), and dcode[j][id] its code.
     * NULL for a dimension keyed by its code. */
    uint32_t *dstart[CUBE_MAX_DIMS], *dcode[CUBE_MAX_DIMS];
    int dlk[CUBE_MAX_DIMS];           /* its lookup group */
    atomic_int next;
} basectx_t;

static inline bool same_key(const uint64_t *p, const uint64_t *q, int W)
{
    for (int w = 0; w < W; w++)
        if (p[w] != q[w])
            return false;
    return true;
}

/* base_same - whether sorted elements p and q have the same key (the row
 * index below ib left out) */
static inline bool base_same(const basectx_t *x, const uint64_t *p, const uint64_t *q)
{
    return x->ib ? (p[0] ^ q[0]) >> x->ib == 0 : same_key(p, q, x->W);
}

/* key words of rows [i0, i1) into out (W words per row) */
static void base_keys(const basectx_t *x, uint64_t i0, uint64_t i1, uint64_t *out)
{
    memset(out, 0, (i1 - i0) * (uint64_t)x->W * 8);
    for (int l = 0; l < x->nlk; l++) {
        /* a lookup's dimensions: one read per row for all of them */
        const uint32_t *rf = x->lk_ref[l] + i0;
        const uint64_t *t = x->lk_key[l];
        if (x->W == 1) {
            for (uint64_t i = 0; i < i1 - i0; i++)
                out[i] |= t[rf[i]];
        } else if (x->W == 2) {
            for (uint64_t i = 0; i < i1 - i0; i++) {
                const uint64_t *e = t + 2 * (uint64_t)rf[i];
                out[2 * i] |= e[0];
                out[2 * i + 1] |= e[1];
            }
        } else {
            for (uint64_t i = 0; i < i1 - i0; i++)
                for (int w = 0; w < x->W; w++)
                    out[i * (uint64_t)x->W + (uint64_t)w] |= t[(uint64_t)rf[i] * (uint64_t)x->W + (uint64_t)w];
        }
    }
    for (int k = 0; k < x->K; k++) {
        const void *col = x->s->codes[x->pos[k]];
        if (!col)
            continue;
        int wd = x->word_of[k], sh = x->shift_of[k], W = x->W, w = x->s->width[x->pos[k]];
        if (w == 1) {
            const uint8_t *c = (const uint8_t *)col + i0;
            for (uint64_t i = 0; i < i1 - i0; i++)
                out[i * W + wd] |= (uint64_t)c[i] << sh;
        } else if (w == 2) {
            const uint16_t *c = (const uint16_t *)col + i0;
            for (uint64_t i = 0; i < i1 - i0; i++)
                out[i * W + wd] |= (uint64_t)c[i] << sh;
        } else {
            const uint32_t *c = (const uint32_t *)col + i0;
            for (uint64_t i = 0; i < i1 - i0; i++)
                out[i * W + wd] |= (uint64_t)c[i] << sh;
        }
    }
}

static uint64_t base_digit(const basectx_t *x, uint64_t w0)
{
    return (w0 >> x->dsh) & ((1ULL << x->tb) - 1);
}

/* base_hist - rows per bucket of thread t's share. The digit is the top
 * bits of the first key word: only the dimensions with bits there are read
 * (SSB's base: 4 of 15), not the whole key. */
static void base_hist(cube_build_t *b, basectx_t *x, int t)
{
    (void)b;
    uint64_t lo = x->n * (uint64_t)t / (uint64_t)x->T, hi = x->n * (uint64_t)(t + 1) / (uint64_t)x->T;
    uint64_t *h = x->hist + (uint64_t)t * x->nb, dg[CHUNK];
    int use[CUBE_MAX_DIMS], nu = 0;
    for (int k = 0; k < x->K; k++)
        if (x->s->codes[x->pos[k]] && x->word_of[k] == 0 && x->shift_of[k] + code_bits(x->mask[k] + 1) > x->dsh)
            use[nu++] = k;
    uint64_t dmask = (1ULL << x->tb) - 1;
    for (uint64_t i = lo; i < hi; i += CHUNK) {
        uint64_t e = hi - i < CHUNK ? hi : i + CHUNK;
        memset(dg, 0, (e - i) * 8);
        for (int u = 0; u < nu; u++) {
            int k = use[u], sh = x->shift_of[k];
            const void *col = x->s->codes[x->pos[k]];
            int w = x->s->width[x->pos[k]];
            for (uint64_t r = 0; r < e - i; r++)
                dg[r] |= (uint64_t)code_at(col, w, i + r) << sh;
        }
        for (int l = 0; l < x->nlk; l++) {
            const uint32_t *rf = x->lk_ref[l] + i;
            const uint64_t *lk = x->lk_key[l];
            for (uint64_t r = 0; r < e - i; r++)
                dg[r] |= lk[(uint64_t)rf[r] * (uint64_t)x->W];
        }
        for (uint64_t r = 0; r < e - i; r++)
            h[(dg[r] >> x->dsh) & dmask]++;
    }
}

/* scatter_rows - rows [i, i + cnt) (keys kw, W words each) to their
 * buckets' next positions. Inlined with W a constant, so a key's words are
 * moved as words: a memcpy of W * 8 bytes was a libc call per row. */
static inline __attribute__((always_inline)) void scatter_rows(basectx_t *x, const uint64_t *kw, uint64_t i,
                                                               uint64_t cnt, uint64_t *off, int W, int E, int nm)
{
    for (uint64_t r = 0; r < cnt; r++) {
        uint64_t p = off[base_digit(x, kw[r * (uint64_t)W])]++;
        if (E == 1)
            x->keys[p] = (kw[r] & ((1ULL << x->dsh) - 1)) << x->ib;
        else
            for (int w = 0; w < W; w++)
                x->keys[p * (uint64_t)E + (uint64_t)w] = kw[r * (uint64_t)W + (uint64_t)w];
        for (int m = 0; m < nm; m++)
            if (x->meas[m])
                x->meas[m][p] = x->s->meas[m][i + r];
    }
}

/* base_populate - thread t's share of the scatter's fresh arrays faulted
 * in ahead, a range per call instead of a trap per page */
static void base_populate(cube_build_t *b, basectx_t *x, int t)
{
    uint64_t lo = x->n * (uint64_t)t / (uint64_t)x->T, hi = x->n * (uint64_t)(t + 1) / (uint64_t)x->T;
    mem_populate(x->keys + lo * (uint64_t)x->E, (hi - lo) * (uint64_t)x->E * 8);
    for (int m = 0; m < b->nmeasures; m++)
        if (x->meas[m])
            mem_populate(x->meas[m] + lo, (hi - lo) * 8);
}

static void base_scatter(cube_build_t *b, basectx_t *x, int t)
{
    uint64_t lo = x->n * (uint64_t)t / (uint64_t)x->T, hi = x->n * (uint64_t)(t + 1) / (uint64_t)x->T;
    uint64_t *off = x->hist + (uint64_t)t * x->nb, kw[CHUNK * 4];
    int W = x->W, nm = b->nmeasures;
    uint64_t step = CHUNK * 4 / (uint64_t)W;
    for (uint64_t i = lo; i < hi; i += step) {
        uint64_t e = hi - i < step ? hi : i + step;
        base_keys(x, i, e, kw);
        if (x->E == 1)
            scatter_rows(x, kw, i, e - i, off, 1, 1, nm);
        else if (W == 1)
            scatter_rows(x, kw, i, e - i, off, 1, 2, nm);
        else if (W == 2)
            scatter_rows(x, kw, i, e - i, off, 2, 3, nm);
        else
            scatter_rows(x, kw, i, e - i, off, W, W + 1, nm);
    }
}

static void base_sort_bucket(cube_build_t *b, basectx_t *x, int bk, uint64_t *tmp)
{
    uint64_t bs = x->bstart[bk], m = x->bstart[bk + 1] - bs;
    int E = x->E, W = x->W;
    uint64_t *a = x->keys + bs * E, ng = 0;
    if (m > 0) {
        uint64_t *r;
        if (x->ib) {
            /* the index in the low bits: one word per element, sorted
             * above them (stable, so equal keys keep row order) */
            for (uint64_t i = 0; i < m; i++)
                a[i] |= i;
            r = sort_u64(a, tmp, m, x->ib, x->dsh);
        } else {
            for (uint64_t i = 0; i < m; i++)
                a[i * E + W] = i;
            r = radix_sort(a, tmp, m, E, x->word_bits, DIGIT_BITS);
        }
        if (r != a)
            memcpy(a, r, m * (uint64_t)E * 8);
        ng = 1;
        for (uint64_t i = 1; i < m; i++)
            ng += !base_same(x, a + i * E, a + (i - 1) * E);
    }
    x->gstart[bk] = ng;
    (void)b;
}

/* worker t sorts buckets handed out in turn, in its own buffer */
static void base_sort_worker(cube_build_t *b, basectx_t *x, int t)
{
    int bk;
    while ((bk = atomic_fetch_add(&x->next, 1)) < (int)x->nb && !atomic_load(&b->failed))
        base_sort_bucket(b, x, bk, x->tmp[t]);
}

/* base_emit_bucket - the bucket's groups: their starts first, then each
 * column in one typed loop over the groups (not a switch per value).
 *
 * A measure with an input column is aggregated in place: the cuboid's
 * column is the scatter's (compute_base), so the base needs no fresh
 * pages for its measures (a fifth of SF 10's base, and of its peak). The
 * bucket's groups are aggregated into tmp, then copied down to their
 * place, rows g0.. of the column. That place is at or before the bucket's
 * own rows (groups never outnumber rows), so it may still hold the inputs
 * of earlier buckets: the copy waits until those are gathered. Buckets are
 * handed out in order, so the earliest bucket in progress never waits. */
static void base_emit_bucket(cube_build_t *b, basectx_t *x, int bk, uint64_t *tmp)
{
    bcub_t *c = x->c;
    uint64_t bs = x->bstart[bk], m = x->bstart[bk + 1] - bs, g0 = x->gstart[bk], ng = 0;
    int E = x->E, K = x->K, nm = b->nmeasures;
    const uint64_t *a = x->keys + bs * E;
    if (m == 0) {
        atomic_store_explicit(&x->read[bk], 1, memory_order_release);
        return;
    }
    uint32_t *gs = mem_malloc((m + 1) * sizeof *gs);
    for (uint64_t i = 0; i < m; i++)
        if (i == 0 || !base_same(x, a + i * E, a + (i - 1) * E))
            gs[ng++] = (uint32_t)i;
    gs[ng] = (uint32_t)m;
    /* per lookup group, per group of the bucket: the path id of the
     * lookup's dimensions decoded so far (base_ranks) */
    uint32_t *pid = x->nlk ? mem_malloc((size_t)x->nlk * (ng + 1) * sizeof *pid) : NULL;
    /* a key word: the element's, or with one word per element, the
     * bucket's digit above the element's bits over its row index */
    uint64_t hi = x->ib ? (uint64_t)bk << x->dsh : 0;
    int rs = x->ib;
    for (int k = 0; k < K; k++) {
        int wd = x->word_of[k], sh = x->shift_of[k];
        uint64_t mask = x->mask[k];
        const uint32_t *dc = x->dcode[k], *ds = x->dstart[k];
        uint32_t *id = dc ? pid + (size_t)x->dlk[k] * (ng + 1) : NULL;
        /* a code from its bits, or a lookup's from its rank under the
         * lookup's earlier dimensions */
#define EMIT_CODES(T)                                                                                                  \
    do {                                                                                                               \
        T *o = (T *)c->codes[k] + g0;                                                                                  \
        if (dc)                                                                                                        \
            for (uint64_t g = 0; g < ng; g++) {                                                                        \
                uint32_t r = (uint32_t)(((hi | a[(uint64_t)gs[g] * E + wd] >> rs) >> sh) & mask);                      \
                id[g] = ds ? ds[id[g]] + r : r;                                                                        \
                o[g] = (T)dc[id[g]];                                                                                   \
            }                                                                                                          \
        else                                                                                                           \
            for (uint64_t g = 0; g < ng; g++)                                                                          \
                o[g] = (T)(((hi | a[(uint64_t)gs[g] * E + wd] >> rs) >> sh) & mask);                                   \
    } while (0)
        BY_WIDTH(c->width[k], EMIT_CODES);
#undef EMIT_CODES
    }
    mem_free(pid);
    /* an element's bucket-local row: its word's low ib bits, or its own word */
    int ri = x->ib ? 0 : x->W;
    uint64_t rmask = x->ib ? (1ULL << x->ib) - 1 : ~0ULL;
    for (int q = 0; q < nm; q++) {
        const uint64_t *in = x->meas[q];
        uint64_t *out = in ? tmp + (uint64_t)q * ng : c->meas[q] + g0;
        if (!in) {
            for (uint64_t g = 0; g < ng; g++)
                out[g] = gs[g + 1] - gs[g];
            continue;
        }
        in += bs;
        stor_kind_t mk = b->meas[q].kind;
        stor_agg_t ag = b->meas[q].agg;
        if (mk == STOR_KIND_INT && (ag == STOR_AGG_SUM || ag == STOR_AGG_COUNT)) {
            bool fit = b->sums_fit;
            for (uint64_t g = 0; g < ng; g++) {
                uint64_t acc = 0;
                for (uint64_t r = gs[g]; r < gs[g + 1]; r++)
                    acc = fit ? acc + in[a[r * E + ri] & rmask] : add_i64(acc, in[a[r * E + ri] & rmask]);
                out[g] = acc;
            }
            continue;
        }
        uint64_t init = init_value(mk, ag);
        for (uint64_t g = 0; g < ng; g++) {
            uint64_t acc = init;
            for (uint64_t r = gs[g]; r < gs[g + 1]; r++)
                acc = merge(mk, ag, acc, in[a[r * E + ri] & rmask]);
            out[g] = acc;
        }
    }
    atomic_store_explicit(&x->read[bk], 1, memory_order_release);
    for (int j = bk - 1; j >= 0 && x->bstart[j + 1] > g0; j--)
        while (!atomic_load_explicit(&x->read[j], memory_order_acquire))
            sched_yield();
    for (int q = 0; q < nm; q++)
        if (x->meas[q])
            memcpy(x->meas[q] + g0, tmp + (uint64_t)q * ng, ng * 8);
    mem_free(gs);
    check_overflow(b);
}

/* worker t emits buckets handed out in turn */
static void base_emit_worker(cube_build_t *b, basectx_t *x, int t)
{
    int bk;
    while ((bk = atomic_fetch_add(&x->next, 1)) < (int)x->nb && !atomic_load(&b->failed))
        base_emit_bucket(b, x, bk, x->tmp[t]);
}

/* base_par - fn for t = 0..T-1 on T threads (inline when T is 1: from a
 * lattice worker). */
typedef struct basepar {
    cube_build_t *b;
    basectx_t *x;
    void (*fn)(cube_build_t *, basectx_t *, int);
    atomic_int next;
} basepar_t;

static void *basepar_worker(void *arg)
{
    basepar_t *p = arg;
    int t;
    while ((t = atomic_fetch_add(&p->next, 1)) < p->x->T)
        p->fn(p->b, p->x, t);
    return NULL;
}

static void base_par(cube_build_t *b, basectx_t *x, void (*fn)(cube_build_t *, basectx_t *, int))
{
    basepar_t p = {b, x, fn, 0};
    run_threads(x->T, basepar_worker, &p);
}

/* base_ranks - the key bits of lookup group l's dimensions. Each is keyed
 * by its code's rank among the codes it takes under the same values of
 * the lookup's earlier dimensions (in key order), not by the code: rows
 * equal on every key bit before it agree on those, so ranks sort as the
 * codes do, in fewer bits. SSB's base: a city among its nation's 10 (4
 * bits, not 8), a month number under its month (0 bits); 52 bits in all
 * instead of 76, one key word instead of two. rel[k] gets each lookup
 * row's rank, kbits[k] the bits; x->dcode and x->dstart decode them. */
static void base_ranks(const cube_build_t *b, basectx_t *x, int l, uint32_t **rel, int *kbits)
{
    const src_t *s = x->s;
    size_t nr = x->lk_n[l];
    uint64_t P = 1; /* path ids so far */
    uint32_t *path = mem_calloc(nr + 1, sizeof *path);
    uint64_t *el = mem_malloc(nr * 16 + 16), *tmp = mem_malloc(nr * 16 + 16);
    for (int k = 0; k < x->K; k++) {
        if (s->codes[x->pos[k]] || s->ref[x->pos[k]] != x->lk_ref[l])
            continue;
        const uint32_t *rc = s->rcode[x->pos[k]];
        int vb = kbits[k], wb[2] = {vb + code_bits(P), 0};
        for (size_t i = 0; i < nr; i++) {
            el[2 * i] = (uint64_t)path[i] << vb | rc[i];
            el[2 * i + 1] = i;
        }
        const uint64_t *r = radix_sort(el, tmp, nr, 2, wb, DIGIT_BITS);
        uint32_t *start = mem_malloc(P * sizeof *start + 4), *code = mem_malloc(nr * sizeof *code + 4);
        uint64_t U = 0, most = 0, run = 0, prev = 0, p = 0;
        rel[k] = mem_malloc(nr * sizeof *rel[k] + 4);
        for (size_t j = 0; j < nr; j++) {
            uint64_t key = r[2 * j];
            if (j == 0 || key != prev) {
                if (j == 0 || key >> vb != p) {
                    p = key >> vb;
                    start[p] = (uint32_t)U;
                    run = 0;
                }
                code[U++] = (uint32_t)(key & ((1ULL << vb) - 1));
                most = ++run > most ? run : most;
                prev = key;
            }
            rel[k][r[2 * j + 1]] = (uint32_t)(U - 1 - start[p]);
            path[r[2 * j + 1]] = (uint32_t)(U - 1);
        }
        kbits[k] = code_bits(most);
        x->dcode[k] = code;
        if (P > 1)
            x->dstart[k] = start;
        else
            mem_free(start);
        P = U;
    }
    mem_free(el);
    mem_free(tmp);
    mem_free(path);
}

static void base_free_keys(basectx_t *x)
{
    for (int l = 0; l < x->nlk; l++)
        mem_free(x->lk_key[l]);
    for (int k = 0; k < x->K; k++) {
        mem_free(x->dstart[k]);
        mem_free(x->dcode[k]);
    }
}

/* compute_base - false (nothing done) when the leading digit does not
 * spread the rows (one bucket would hold most of them): the caller sorts
 * them whole. */
static bool compute_base(cube_build_t *b, const src_t *s, const int *pos, bcub_t *c, int T, bool raw)
{
    basectx_t x = {.s = s, .c = c, .K = c->ndims, .n = s->n, .T = T};
    int tmp_word[CUBE_MAX_DIMS], wcount = 1, used = 0, kbits[CUBE_MAX_DIMS];
    uint32_t *rel[CUBE_MAX_DIMS] = {0};
    for (int k = 0; k < x.K; k++)
        x.pos[k] = pos[k];
    if (x.n < 1024)
        return false;
    /* the buffered rows' lookup groups, and their dimensions' ranks */
    for (int k = 0; k < x.K; k++) {
        const uint32_t *rf = s->ref[pos[k]];
        kbits[k] = code_bits(b->dims[c->dims[k]].ncodes);
        if (s->codes[pos[k]] || !rf)
            continue;
        int l = 0;
        while (l < x.nlk && x.lk_ref[l] != rf)
            l++;
        if (l == x.nlk) {
            x.lk_ref[l] = rf;
            x.lk_n[l] = s->nref[pos[k]];
            x.nlk++;
        }
        x.dlk[k] = l;
    }
    for (int l = 0; l < x.nlk; l++)
        base_ranks(b, &x, l, rel, kbits);
    for (int k = x.K - 1; k >= 0; k--) {
        int bits = kbits[k];
        if (used + bits > 64) {
            wcount++;
            used = 0;
        }
        tmp_word[k] = wcount - 1;
        x.shift_of[k] = used;
        used += bits;
    }
    x.W = wcount;
    x.E = wcount + 1;
    if (x.W > 3) {
        for (int k = 0; k < x.K; k++)
            mem_free(rel[k]);
        base_free_keys(&x);
        return false;
    }
    for (int k = 0; k < x.K; k++) {
        int bits = kbits[k];
        x.word_of[k] = x.W - 1 - tmp_word[k];
        if (x.shift_of[k] + bits > x.word_bits[x.word_of[k]])
            x.word_bits[x.word_of[k]] = x.shift_of[k] + bits;
        x.mask[k] = bits >= 64 ? ~0ULL : (1ULL << bits) - 1;
    }
    /* the buffered rows' lookup groups: per lookup row, the key bits of
     * all its dimensions, so a row's key takes one read per lookup */
    for (int l = 0; l < x.nlk; l++)
        x.lk_key[l] = mem_calloc(x.lk_n[l] * (size_t)x.W + 1, 8);
    for (int k = 0; k < x.K; k++) {
        if (!rel[k])
            continue;
        uint64_t *lk = x.lk_key[x.dlk[k]];
        for (size_t i = 0; i < x.lk_n[x.dlk[k]]; i++)
            lk[i * (size_t)x.W + (size_t)x.word_of[k]] |= (uint64_t)rel[k][i] << x.shift_of[k];
        mem_free(rel[k]);
    }
    x.tb = x.word_bits[0] < 12 ? x.word_bits[0] : 12;
    x.dsh = x.word_bits[0] - x.tb;
    x.nb = 1ULL << x.tb;
    x.hist = mem_calloc((uint64_t)x.T * x.nb + 1, 8);
    base_par(b, &x, base_hist);
    if (raw && b->trace)
        log_debug("cube build: base: histogram at %.3f s (process CPU %.3f s)", now_sec() - b->t0, proc_cpu_sec());
    x.bstart = mem_calloc(x.nb + 2, 8);
    uint64_t sum = 0, maxb = 0;
    for (uint64_t d = 0; d < x.nb; d++) {
        x.bstart[d] = sum;
        uint64_t tot = 0;
        for (int t = 0; t < x.T; t++) {
            uint64_t v = x.hist[(uint64_t)t * x.nb + d];
            x.hist[(uint64_t)t * x.nb + d] = sum + tot;
            tot += v;
        }
        sum += tot;
        if (tot > maxb)
            maxb = tot;
    }
    x.bstart[x.nb] = sum;
    if (maxb > x.n / 2 + 1) {
        mem_free(x.hist);
        mem_free(x.bstart);
        base_free_keys(&x);
        return false;
    }
    /* One word per element when the key's bits below the bucket's digit
     * (the digit is the bucket's own) leave room for the bucket-local row
     * index: a third of the scatter's key bytes, no index word to move and
     * sort (SSB's base at SF 10: 0.96 GB less). */
    int ib = code_bits(maxb) > 0 ? code_bits(maxb) : 1;
    if (x.W == 1 && x.dsh + ib <= 64) {
        x.ib = ib;
        x.E = 1;
    }
    int nm = b->nmeasures;
    x.keys = mem_malloc(x.n * (uint64_t)x.E * 8 + 8);
    x.meas = mem_calloc((size_t)nm + 1, sizeof *x.meas);
    for (int m = 0; m < nm; m++)
        if (s->meas[m])
            x.meas[m] = mem_malloc(x.n * 8 + 8);
    base_par(b, &x, base_populate);
    base_par(b, &x, base_scatter);
    if (raw && b->trace)
        log_debug("cube build: base: scatter at %.3f s (process CPU %.3f s)", now_sec() - b->t0, proc_cpu_sec());
    mem_free(x.hist);
    if (raw)
        free_rows(b); /* the buffered rows are all in the buckets now: their blocks go to the cache, for the output */
    x.tmp = mem_calloc((size_t)x.T + 1, sizeof *x.tmp);
    for (int t = 0; t < x.T; t++)
        x.tmp[t] = mem_malloc(maxb * (uint64_t)(x.E > nm ? x.E : nm) * 8 + 8);
    x.gstart = mem_calloc(x.nb + 2, 8);
    atomic_store(&x.next, 0);
    base_par(b, &x, base_sort_worker);
    if (raw && b->trace)
        log_debug("cube build: base: %llu buckets sorted (%d key bits in %d words of %d per row) at %.3f s (process CPU %.3f s)", (unsigned long long)x.nb, x.word_bits[0] + (x.W > 1 ? x.word_bits[1] : 0) + (x.W > 2 ? x.word_bits[2] : 0), x.W, x.E, now_sec() - b->t0, proc_cpu_sec());
    uint64_t ng = 0;
    for (uint64_t d = 0; d < x.nb; d++) {
        uint64_t v = x.gstart[d];
        x.gstart[d] = ng;
        ng += v;
    }
    alloc_out_keep(b, c, ng, x.meas);
    if (raw && b->trace)
        log_debug("cube build: base: output allocated at %.3f s (process CPU %.3f s)", now_sec() - b->t0, proc_cpu_sec());
    x.read = mem_calloc(x.nb + 1, sizeof *x.read);
    atomic_store(&x.next, 0);
    base_par(b, &x, base_emit_worker);
    if (raw && b->trace)
        log_debug("cube build: base: emitted at %.3f s (process CPU %.3f s)", now_sec() - b->t0, proc_cpu_sec());
    for (int t = 0; t < x.T; t++)
        mem_free(x.tmp[t]);
    mem_free(x.tmp);
    mem_free(x.read);
    mem_free(x.keys);
    mem_free(x.meas);
    mem_free(x.bstart);
    mem_free(x.gstart);
    base_free_keys(&x);
    return true;
}

/* row_code - dimension d's code at input row r (after the dictionaries). */
static inline uint32_t row_code(const cube_build_t *b, const bdim_t *d, uint64_t r)
{
    return d->grp ? d->ref_code[b->grps[d->grp - 1].refs[r]] : d->rows[r];
}

/* fd_see - one (child, parent) code pair seen: false when the child already
 * had another parent (no dependency in this data). */
static inline bool fd_see(uint32_t *map, uint32_t c, uint32_t p)
{
    if (map[c] == p)
        return true;
    if (map[c] != UINT32_MAX)
        return false;
    map[c] = p;
    return true;
}

/* Functional dependencies of hierarchy levels, verified over the rows (two
 * columns of one lookup: over the lookup rows the input used, which give
 * the same pairs). */
static void check_fd(cube_build_t *b, int i)
{
    int child = b->fd_pairs[i][0], parent = b->fd_pairs[i][1];
    const bdim_t *cd = &b->dims[child], *pd = &b->dims[parent];
    uint32_t nc = cd->ncodes;
    uint32_t *map = mem_malloc(((size_t)nc + 1) * sizeof *map);
    memset(map, 0xff, ((size_t)nc + 1) * sizeof *map);
    bool ok = true;
    if (cd->grp && cd->grp == pd->grp) {
        const bgroup_t *G = &b->grps[cd->grp - 1];
        const bdim_t *L = &b->dims[G->mem[0]];
        for (size_t ref = 0; ref < L->vt_n && ok; ref++)
            if (L->gmap[ref * (size_t)G->k])
                ok = fd_see(map, cd->ref_code[ref], pd->ref_code[ref]);
        if (ok && G->nulls)
            ok = fd_see(map, cd->ref_code[L->vt_n], pd->ref_code[L->vt_n]);
    } else if (!cd->grp && !pd->grp) {
        const uint32_t *cr = cd->rows, *pr = pd->rows;
        for (uint64_t r = 0; r < b->rows && ok; r++)
            ok = fd_see(map, cr[r], pr[r]);
    } else {
        for (uint64_t r = 0; r < b->rows && ok; r++)
            ok = fd_see(map, row_code(b, cd, r), row_code(b, pd, r));
    }
    if (!ok) {
        mem_free(map); /* not a dependency in this data */
        return;
    }
    for (uint32_t c = 0; c < nc; c++)
        if (map[c] == UINT32_MAX)
            map[c] = 0; /* a code with no rows: any parent is true */
    b->fd_maps[i] = map;
}

static int put_fds(cube_build_t *b, err_t *err)
{
    /* Candidates: every ordered pair whose child has at least as many codes
     * as its parent. A pair that is no dependency fails within a few rows,
     * so only true dependencies (the hierarchies, declared or not: c_city ->
     * c_nation, d_yearmonth -> d_year) cost a full pass. */
    int maxp = b->ndims * (b->ndims - 1);
    int (*pairs)[2] = mem_calloc((size_t)maxp + 1, sizeof *pairs);
    int n = 0;
    for (int c = 0; c < b->ndims; c++)
        for (int p = 0; p < b->ndims; p++)
            if (c != p && b->dims[p].ncodes > 1 && b->dims[c].ncodes >= b->dims[p].ncodes &&
                b->dims[c].ncodes <= (1u << 24)) {
                pairs[n][0] = c;
                pairs[n][1] = p;
                n++;
            }
    if (n == 0 || b->rows == 0) {
        mem_free(pairs);
        return 0;
    }
    b->fd_pairs = pairs;
    b->fd_maps = mem_calloc((size_t)n, sizeof *b->fd_maps);
    parallel_for(b, n, check_fd);
    stor_fd_t *fds = mem_calloc((size_t)n, sizeof *fds);
    int k = 0;
    for (int i = 0; i < n; i++)
        if (b->fd_maps[i])
            b->det[pairs[i][0]][pairs[i][1]] = true;
    for (int i = 0; i < n; i++)
        if (b->fd_maps[i])
            fds[k++] = (stor_fd_t){pairs[i][0], pairs[i][1], b->dims[pairs[i][0]].ncodes, b->fd_maps[i]};
    int rc = stor_writer_put_fds(b->writer, k, fds, err);
    for (int i = 0; i < n; i++)
        mem_free(b->fd_maps[i]);
    mem_free(b->fd_maps);
    mem_free(fds);
    mem_free(pairs);
    b->fd_maps = NULL;
    b->fd_pairs = NULL;
    return rc;
}

int cube_build_finish(cube_build_t *b, const char *dir, err_t *err)
{
    if (b->finished)
        return err_set(err, ERRCODE_INTERNAL_ERROR, "cube build already finished");
    b->finished = true;
    const cube_def_t *def = b->def;
    int nc = cube_def_ncuboids(def);
    b->ncubs = nc;
    b->cubs = mem_calloc((size_t)nc + 1, sizeof *b->cubs);
    for (int i = 0; i < nc; i++)
        set_dims(b, &b->cubs[i], cube_def_cuboid(def, i));
    b->trace = log_enabled(LOG_LVL_DEBUG) != 0;

    /* 1. dictionaries */
    if (b->trace)
        log_debug("cube build: %llu rows read in %.3f s (process CPU %.3f s)", (unsigned long long)b->rows, now_sec() - b->t0, proc_cpu_sec());
    report(b, "dictionaries");
    parallel_for(b, b->ndims, build_dict);
    stor_schema_t schema;
    cube_def_schema(def, &schema);
    if (stor_writer_begin(dir, &schema, &b->writer, err) < 0)
        return -1;
    stor_dict_src_t *ds = mem_calloc((size_t)b->ndims, sizeof *ds);
    for (int d = 0; d < b->ndims; d++)
        ds[d] = b->dims[d].src;
    int rc = stor_writer_put_dicts(b->writer, ds, err);
    mem_free(ds);
    if (rc < 0)
        goto fail;
    if (b->trace)
        log_debug("cube build: dictionaries at %.3f s (process CPU %.3f s)", now_sec() - b->t0, proc_cpu_sec());
    if (put_fds(b, err) < 0)
        goto fail;
    if (b->trace)
        log_debug("cube build: dependencies at %.3f s (process CPU %.3f s)", now_sec() - b->t0, proc_cpu_sec());
    char num[64];
    snprintf(num, sizeof num, "%llu", (unsigned long long)b->rows);
    stor_writer_set_info(b->writer, "input_rows", num);
    for (int i = 0; i < b->ninfo; i++) {
        char *sp = strchr(b->info[i], ' ');
        *sp = '\0';
        stor_writer_set_info(b->writer, b->info[i], sp + 1);
        *sp = ' ';
    }

    /* 2. base cuboid from the buffered rows */
    report(b, "base cuboid");
    b->sums_fit = sums_fit_of(b);
    {
        src_t s;
        s.sorted = false;
        s.n = b->rows;
        s.ndims = b->cubs[0].ndims;
        for (int k = 0; k < s.ndims; k++) {
            int d = b->cubs[0].dims[k];
            const bdim_t *bd = &b->dims[d];
            s.dims[k] = d;
            s.codes[k] = bd->grp ? NULL : bd->rows;
            s.ref[k] = bd->grp ? b->grps[bd->grp - 1].refs : NULL;
            s.rcode[k] = bd->ref_code;
            s.nref[k] = bd->grp ? b->dims[b->grps[bd->grp - 1].mem[0]].vt_n + 1 : 0;
            s.width[k] = 4;
        }
        const uint64_t **mv = mem_calloc((size_t)b->nmeasures + 1, sizeof *mv);
        for (int m = 0; m < b->nmeasures; m++)
            mv[m] = b->meas[m].star ? NULL : b->meas[m].vals;
        s.meas = mv;
        double cells = 1;
        for (int k = 0; k < s.ndims; k++)
            cells *= b->dims[s.dims[k]].ncodes ? (double)b->dims[s.dims[k]].ncodes : 1.0;
        int pos[CUBE_MAX_DIMS];
        for (int k = 0; k < s.ndims; k++)
            pos[k] = k;
        if (cells <= 2.0 * (double)s.n + 65536 || !compute_base(b, &s, pos, &b->cubs[0], b->threads, true)) {
            /* the general paths read code columns: expand the groups' */
            uint32_t *own[CUBE_MAX_DIMS] = { NULL };
            for (int k = 0; k < s.ndims; k++)
                if (!s.codes[k]) {
                    own[k] = mem_malloc(s.n * 4 + 4);
                    for (uint64_t r = 0; r < s.n; r++)
                        own[k][r] = s.rcode[k][s.ref[k][r]];
                    s.codes[k] = own[k];
                }
            compute(b, &s, &b->cubs[0]);
            for (int k = 0; k < s.ndims; k++)
                mem_free(own[k]);
        }
        check_overflow(b);
        mem_free(mv);
        if (atomic_load(&b->failed)) {
            *err = b->werr;
            goto fail;
        }
        free_rows(b);
        b->cubs[0].stored = true; /* written by the lattice's first task */
    }

    /* 3. the other cuboids, down a spanning tree */
    if (b->trace)
        log_debug("cube build: base cuboid %llu rows at %.3f s (process CPU %.3f s)", (unsigned long long)b->cubs[0].nrows, now_sec() - b->t0, proc_cpu_sec());
    plan_tree(b);
    run_lattice(b);
    mem_big_cache_off();
    b->big_cache = false;
    if (atomic_load(&b->failed)) {
        *err = b->werr;
        goto fail;
    }
    for (int j = 0; j < nc; j++)
        if (!b->cubs[j].freed)
            free_cub(&b->cubs[j], b->nmeasures);

    if (b->trace)
        log_debug("cube build: lattice done at %.3f s (process CPU %.3f s)", now_sec() - b->t0, proc_cpu_sec());
    int skipped = 0;
    for (int j = 0; j < nc; j++)
        skipped += !b->cubs[j].stored;
    snprintf(num, sizeof num, "%d", skipped);
    stor_writer_set_info(b->writer, "cuboids_not_stored", num);

    /* 4. publish */
    report(b, "publish");
    rc = stor_writer_commit(b->writer, err);
    b->writer = NULL;
    if (rc < 0)
        return -1;
    report(b, "done");
    return 0;
fail:
    if (b->big_cache)
        mem_big_cache_off();
    b->big_cache = false;
    stor_writer_abort(b->writer);
    b->writer = NULL;
    return -1;
}
