/*
 * cubejob.c - REFRESH MATERIALIZED VIEW: read the model's tables through
 * their relation providers, join lookups by key in memory, feed the cube
 * build, publish the segment (include/cube/cubejob.h has the contract).
 *
 * Lookups are loaded whole (Kylin's snapshot tables): one value_t array per
 * needed column, an open-addressing hash of the join key, and for a
 * snowflake (a lookup joined to a lookup) a parent-row -> child-row map
 * computed once, so a fact row is joined with one probe per lookup joined
 * to the fact table and array loads for the rest. Lookup dimensions are
 * registered with cube_build_set_values and fed as REF columns (row numbers),
 * so each lookup value is hashed once by the build, not once per fact row.
 * A one-column integer key (SSB's all are) is probed without value_t
 * compares: an array indexed by key - min when the keys are dense, else a
 * hash of int64 keys. A cube with a model filter keeps the joined rows the
 * filter is true for (mv_filter.c's leaves, batch by batch); the unmatched
 * counts are taken before it, over every fact row.
 *
 * The fact table is read by several threads (opts.threads, default one per
 * core): catalog_rel_split cuts a source file into parts at record
 * boundaries (on its own thread while the lookups load: it reads the file
 * once), each thread scans, joins and feeds whole parts, and
 * cube_build_add_batch serializes the feeding (the build does not depend on
 * row order). Errors are the one reader's: a part that fails stops the parts
 * after it, the parts before it still read (without feeding the build) in
 * case one has an earlier bad row, and the lowest part's error is reported
 * (line numbers are absolute: the split counted the records before each
 * part).
 *
 * Not here: scheduling (the job engine wraps cube_refresh), the scans
 * themselves (src/catalog), cuboid computation (build.c).
 */
#include "cube/cubejob.h"

#include <errno.h>
#include <dirent.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "catalog/catalog.h"
#include "common/hash.h"
#include "common/log.h"
#include "cube/build.h"
#include "cube/mv.h"
#include "exec/exec.h"
#include "exec/rel.h"
#include "mv_int.h"
#include "storage/segment.h"
#include "types/numeric.h"
#include "types/tz.h"
#include "types/value.h"

#define FACT_BATCH 4096

static double now_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* cpu_sec - CPU time of the whole process (the readers' while they run). */
static double cpu_sec(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One model table as the build reads it. */
typedef struct src {
    const cube_mv_table_t *t;
    const exec_rel_t *rel;
    int *relcol;       /* model column -> relation column */
    bool *needed;      /* per relation column */
    /* lookups: the loaded rows */
    size_t nrows;
    value_t **vals;    /* per model column (NULL when not needed): nrows values */
    /* key hash: slots hold row + 1 (0 empty) */
    uint32_t *slots;
    uint64_t mask;
    int32_t *from_parent; /* snowflake: parent row -> this table's row (-1 none) */
    /* a one-column integer key: dense (key - kmin -> row, -1 none) or a hash
     * of the keys themselves (ikey/irow, irow 0 empty, else row + 1) */
    int32_t *dense;
    int64_t kmin;
    uint64_t krange;
    int64_t *ikey;
    uint32_t *irow;
    uint64_t imask;
    uint64_t unmatched;
} src_t;

typedef struct job {
    cube_mv_t *mv;
    const cube_refresh_opts_t *o;
    mem_arena_t *a;
    src_t *srcs;
    cube_build_t *b;
    double t0;
    uint64_t fact_rows, rows_built, next_report; /* fact_rows, next_report: atomic while readers run */
    const char *step;
    const dt_zone_t *zone; /* timestamptz text without an offset is read in it, on every reader */
    bool cancelled; /* atomic */
    err_t *err;
    /* the fact table's parts, cut on a thread of their own while the lookups
     * load (the cut reads the whole file once; loading uses one core) */
    struct {
        int want;
        mem_arena_t *a; /* a root: j->a is the loading thread's meanwhile */
        catalog_rel_parts_t *plan;
        int nparts, rc;
        err_t err;
        pthread_t th;
        bool running, done;
        double secs, waited;
    } split;
} job_t;

static int report(job_t *j, const char *step, int done, int total)
{
    if (!j->o->progress)
        return 0;
    double el = now_sec() - j->t0;
    uint64_t rows = __atomic_load_n(&j->fact_rows, __ATOMIC_RELAXED);
    cube_refresh_progress_t p = { step, rows, el > 0 ? (double)rows / el : 0, el, done, total };
    if (j->o->progress(&p, j->o->progress_arg) < 0) {
        __atomic_store_n(&j->cancelled, true, __ATOMIC_RELAXED);
        return -1;
    }
    return 0;
}

static void build_progress(const cube_progress_t *p, void *arg)
{
    job_t *j = arg;
    if (strcmp(p->step, "read") == 0)
        return; /* reading is reported by the fact loop */
    (void)report(j, p->step, p->cuboids_done, p->cuboids_total);
}

/* ---- keys ---- */

static uint64_t key_hash(const cube_mv_table_t *t, const int *cols, const value_t *const *v, bool *has_null)
{
    uint64_t h = 0x9e3779b97f4a7c15ull;
    *has_null = false;
    for (int k = 0; k < t->nkeys; k++) {
        if (v[k]->isnull) {
            *has_null = true;
            return 0;
        }
        h = (h ^ value_hash(t->cols[cols[k]].type, v[k])) * 0xff51afd7ed558ccdull;
        h ^= h >> 29;
    }
    return h;
}

/* lookup_find - the row of lookup s whose key equals v[0..nkeys), -1 none. */
static int64_t lookup_find(const src_t *s, const value_t *const *v)
{
    bool has_null;
    const cube_mv_table_t *t = s->t;
    uint64_t h = key_hash(t, t->pk, v, &has_null);
    if (has_null)
        return -1;
    for (uint64_t i = h & s->mask;; i = (i + 1) & s->mask) {
        uint32_t r = s->slots[i];
        if (!r)
            return -1;
        bool eq = true;
        for (int k = 0; k < t->nkeys && eq; k++)
            eq = value_cmp(t->cols[t->pk[k]].type, &s->vals[t->pk[k]][r - 1], v[k]) == 0;
        if (eq)
            return r - 1;
    }
}

static int key_text(job_t *j, const src_t *s, size_t row, char *buf, size_t n)
{
    buf_t b;
    buf_init(&b);
    for (int k = 0; k < s->t->nkeys; k++) {
        const cube_mv_srccol_t *c = &s->t->cols[s->t->pk[k]];
        buf_printf(&b, "%s%s = ", k ? ", " : "", c->name);
        type_out_text(c->type, c->typmod, &s->vals[s->t->pk[k]][row], 0, &b);
    }
    snprintf(buf, n, "%.*s", (int)b.len, b.data);
    buf_free(&b);
    (void)j;
    return 0;
}

/* ---- reading ---- */

static int open_rel(job_t *j, exec_catview_t *v, int ti)
{
    src_t *s = &j->srcs[ti];
    const cube_mv_table_t *t = s->t;
    const exec_rel_t *rel = NULL;
    int rc = exec_catalog_lookup(v, t->schema, NULL, 0, t->name, &rel, j->err);
    if (rc < 0)
        return -1;
    if (rc == 0 || !rel->ops || !rel->ops->open)
        return err_set(j->err, ERRCODE_UNDEFINED_TABLE, "relation \"%s.%s\" of cube \"%s\" cannot be read", t->schema,
                       t->name, j->mv->name);
    s->rel = rel;
    s->relcol = MEM_NEW_N(j->a, int, t->ncols + 1);
    s->needed = MEM_NEW_N(j->a, bool, rel->ncols + 1);
    for (int c = 0; c < t->ncols; c++) {
        s->relcol[c] = -1;
        for (int k = 0; k < rel->ncols; k++)
            if (strcmp(rel->cols[k].name, t->cols[c].name) == 0)
                s->relcol[c] = k;
    }
    return 0;
}

static int need(job_t *j, cube_mv_ref_t r)
{
    src_t *s = &j->srcs[r.table];
    int k = s->relcol[r.col];
    if (k < 0)
        return err_set(j->err, ERRCODE_UNDEFINED_COLUMN, "column %s.%s of cube \"%s\" is not in the table any more",
                       s->t->alias, s->t->cols[r.col].name, j->mv->name);
    s->needed[k] = true;
    return 0;
}

/* need_filter - the columns the model filter reads. */
static int need_filter(job_t *j, const cube_q_pred_t *p)
{
    for (int i = 0; i < p->nargs; i++)
        if (need_filter(j, p->args[i]) < 0)
            return -1;
    if (p->nargs || p->col.table < 0)
        return 0;
    int c = cube__table_col(&j->mv->tables[p->col.table], p->col.column);
    if (c < 0)
        return err_set(j->err, ERRCODE_UNDEFINED_COLUMN, "column %s.%s of the filter of cube \"%s\" is not in the table "
                       "any more", j->mv->tables[p->col.table].alias, p->col.column, j->mv->name);
    return need(j, (cube_mv_ref_t){ p->col.table, c });
}

static int mark_needed(job_t *j)
{
    cube_mv_t *mv = j->mv;
    if (mv->filter && need_filter(j, mv->filter) < 0)
        return -1;
    for (int t = 1; t < mv->ntables; t++)
        for (int k = 0; k < mv->tables[t].nkeys; k++)
            if (need(j, (cube_mv_ref_t){ t, mv->tables[t].pk[k] }) < 0 ||
                need(j, (cube_mv_ref_t){ mv->tables[t].parent, mv->tables[t].fk[k] }) < 0)
                return -1;
    for (int d = 0; d < mv->ndims; d++)
        if (need(j, mv->dims[d].ref) < 0)
            return -1;
    for (int m = 0; m < mv->nmeasures; m++)
        for (int i = 0; i < mv->measures[m].nterms; i++) {
            if (need(j, mv->measures[m].terms[i].a) < 0)
                return -1;
            if (mv->measures[m].terms[i].b.table >= 0 && need(j, mv->measures[m].terms[i].b) < 0)
                return -1;
        }
    return 0;
}

static exec_batch_t *batch_new(mem_arena_t *a, const exec_rel_t *rel, int cap)
{
    exec_batch_t *b = MEM_NEW(a, exec_batch_t);
    b->ncols = rel->ncols;
    b->cols = MEM_NEW_N(a, value_t *, rel->ncols + 1);
    for (int c = 0; c < rel->ncols; c++)
        b->cols[c] = MEM_NEW_N(a, value_t, cap);
    return b;
}

static int load_lookup(job_t *j, int ti)
{
    src_t *s = &j->srcs[ti];
    const cube_mv_table_t *t = s->t;
    mem_arena_t *scan_a = mem_arena_new(j->a, "lookup scan", 0);
    mem_arena_t *scratch = mem_arena_new(j->a, "lookup scratch", 0);
    void *scan = NULL;
    int rc = -1;
    if (s->rel->ops->open(s->rel, scan_a, s->needed, &scan, j->err) < 0)
        goto out;
    exec_batch_t *b = batch_new(scan_a, s->rel, EXEC_BATCH_ROWS);
    size_t cap = 1024;
    s->vals = MEM_NEW_N(j->a, value_t *, t->ncols + 1);
    for (int c = 0; c < t->ncols; c++)
        if (s->relcol[c] >= 0 && s->needed[s->relcol[c]])
            s->vals[c] = mem_alloc(j->a, sizeof(value_t) * cap);
    for (;;) {
        mem_arena_reset(scratch);
        b->nrows = EXEC_BATCH_ROWS;
        if (s->rel->ops->next(scan, b, scratch, j->err) < 0)
            goto out;
        if (b->nrows == 0)
            break;
        if (s->nrows + (size_t)b->nrows > cap) {
            size_t nc = cap;
            while (nc < s->nrows + (size_t)b->nrows)
                nc *= 2;
            for (int c = 0; c < t->ncols; c++)
                if (s->vals[c]) {
                    value_t *nv = mem_alloc(j->a, sizeof(value_t) * nc);
                    memcpy(nv, s->vals[c], sizeof(value_t) * s->nrows);
                    s->vals[c] = nv;
                }
            cap = nc;
        }
        if (s->nrows + (size_t)b->nrows >= UINT32_MAX - 1) {
            err_set(j->err, ERRCODE_PROGRAM_LIMIT_EXCEEDED, "lookup table \"%s\" has too many rows", t->name);
            goto out;
        }
        for (int c = 0; c < t->ncols; c++)
            if (s->vals[c]) {
                type_oid_t ty = t->cols[c].type;
                const value_t *in = b->cols[s->relcol[c]];
                for (int r = 0; r < b->nrows; r++)
                    value_copy(j->a, ty, &s->vals[c][s->nrows + (size_t)r], &in[r]);
            }
        s->nrows += (size_t)b->nrows;
        if (report(j, "lookups", 0, 0) < 0)
            goto out;
    }
    /* the key hash; a duplicate key would multiply fact rows */
    uint64_t slots = 16;
    while (slots < s->nrows * 2 + 2)
        slots *= 2;
    s->slots = mem_alloc0(j->a, sizeof(uint32_t) * slots);
    s->mask = slots - 1;
    const value_t *kv[CUBE_MV_MAX_KEYS];
    for (size_t r = 0; r < s->nrows; r++) {
        for (int k = 0; k < t->nkeys; k++)
            kv[k] = &s->vals[t->pk[k]][r];
        bool has_null;
        uint64_t h = key_hash(t, t->pk, kv, &has_null);
        if (has_null)
            continue; /* never matches, as NULL = NULL is not true */
        int64_t dup = lookup_find(s, kv);
        if (dup >= 0) {
            char kt[256];
            key_text(j, s, r, kt, sizeof kt);
            err_set(j->err, ERRCODE_UNIQUE_VIOLATION, "lookup table \"%s\" of cube \"%s\" has more than one row with %s",
                    t->name, j->mv->name, kt);
            err_detail(j->err, "A lookup is joined by key; a repeated key would count its fact rows several times.");
            err_hint(j->err, "Make the join columns of \"%s\" unique, or join on a unique key.", t->alias);
            goto out;
        }
        uint64_t i = h & s->mask;
        while (s->slots[i])
            i = (i + 1) & s->mask;
        s->slots[i] = (uint32_t)(r + 1);
    }
    rc = 0;
out:
    if (scan && s->rel->ops->close)
        s->rel->ops->close(scan);
    mem_arena_free(scratch);
    mem_arena_free(scan_a);
    return rc;
}

static bool int_key_type(type_oid_t t)
{
    return t == TYPE_INT2 || t == TYPE_INT4 || t == TYPE_INT8;
}

/* int_index - for a lookup joined to the fact table by one integer column
 * (both sides integers, or both dates: value_cmp compares u.i then), an
 * index the fact loop probes with the bare int64: perf showed value_cmp and
 * key hashing at 40% of the fact loop. Dense keys (SSB's 1..n, and its
 * yyyymmdd dates) get an array, others an open-addressing hash of keys. */
static void int_index(job_t *j, int ti)
{
    src_t *s = &j->srcs[ti];
    const cube_mv_table_t *t = s->t;
    if (t->nkeys != 1 || t->parent != 0 || s->nrows > INT32_MAX)
        return;
    type_oid_t lt = t->cols[t->pk[0]].type, ft = j->mv->tables[0].cols[t->fk[0]].type;
    if (!((int_key_type(lt) && int_key_type(ft)) || (lt == TYPE_DATE && ft == TYPE_DATE)))
        return;
    const value_t *k = s->vals[t->pk[0]];
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    uint64_t nk = 0;
    for (size_t r = 0; r < s->nrows; r++)
        if (!k[r].isnull) {
            lo = k[r].u.i < lo ? k[r].u.i : lo;
            hi = k[r].u.i > hi ? k[r].u.i : hi;
            nk++;
        }
    if (nk == 0)
        return; /* no key matches anything: the general path says so */
    uint64_t span = (uint64_t)hi - (uint64_t)lo; /* range - 1, no overflow */
    if (span < 8 * nk + 65536) {
        s->dense = mem_alloc(j->a, sizeof(int32_t) * (span + 1));
        memset(s->dense, 0xff, sizeof(int32_t) * (span + 1));
        for (size_t r = 0; r < s->nrows; r++)
            if (!k[r].isnull)
                s->dense[(uint64_t)k[r].u.i - (uint64_t)lo] = (int32_t)r;
        s->kmin = lo;
        s->krange = span + 1;
        return;
    }
    uint64_t slots = 16;
    while (slots < nk * 2 + 2)
        slots *= 2;
    s->ikey = mem_alloc(j->a, sizeof(int64_t) * slots);
    s->irow = mem_alloc0(j->a, sizeof(uint32_t) * slots);
    s->imask = slots - 1;
    for (size_t r = 0; r < s->nrows; r++) {
        if (k[r].isnull)
            continue;
        uint64_t i = hash_mix64((uint64_t)k[r].u.i) & s->imask;
        while (s->irow[i])
            i = (i + 1) & s->imask;
        s->ikey[i] = k[r].u.i;
        s->irow[i] = (uint32_t)(r + 1);
    }
}

/* snowflake - the parent-row -> row map of lookup ti joined to a lookup. */
static void snowflake(job_t *j, int ti)
{
    src_t *s = &j->srcs[ti];
    const src_t *p = &j->srcs[s->t->parent];
    s->from_parent = mem_alloc(j->a, sizeof(int32_t) * (p->nrows + 1));
    const value_t *kv[CUBE_MV_MAX_KEYS];
    for (size_t r = 0; r < p->nrows; r++) {
        for (int k = 0; k < s->t->nkeys; k++)
            kv[k] = &p->vals[s->t->fk[k]][r];
        s->from_parent[r] = (int32_t)lookup_find(s, kv);
    }
}

/* register_lookup_dims - REF targets for the dimensions of lookups. */
static int register_lookup_dims(job_t *j)
{
    cube_mv_t *mv = j->mv;
    for (int d = 0; d < mv->ndims; d++) {
        cube_mv_ref_t r = mv->dims[d].ref;
        if (r.table == 0)
            continue;
        const src_t *s = &j->srcs[r.table];
        stor_kind_t k = stor_kind_of_type(mv->dims[d].type);
        size_t n = s->nrows;
        const value_t *v = s->vals[r.col];
        cube_col_t col = { 0 };
        uint8_t *isnull = mem_alloc0(j->a, n + 1);
        for (size_t i = 0; i < n; i++)
            isnull[i] = v[i].isnull;
        col.isnull = isnull;
        if (k == STOR_KIND_INT) {
            int64_t *x = mem_alloc(j->a, sizeof(int64_t) * (n + 1));
            for (size_t i = 0; i < n; i++)
                x[i] = v[i].u.i;
            col.kind = CUBE_COL_INT;
            col.i = x;
        } else if (k == STOR_KIND_FLOAT) {
            double *x = mem_alloc(j->a, sizeof(double) * (n + 1));
            for (size_t i = 0; i < n; i++)
                x[i] = v[i].u.f;
            col.kind = CUBE_COL_FLOAT;
            col.f = x;
        } else {
            const char **x = mem_alloc(j->a, sizeof(char *) * (n + 1));
            uint32_t *len = mem_alloc(j->a, sizeof(uint32_t) * (n + 1));
            for (size_t i = 0; i < n; i++) {
                x[i] = v[i].isnull ? "" : v[i].u.s.p;
                len[i] = v[i].isnull ? 0 : v[i].u.s.len;
            }
            col.kind = CUBE_COL_TEXT;
            col.s = x;
            col.len = len;
        }
        if (cube_build_set_values(j->b, d, &col, n, j->err) < 0)
            return -1;
    }
    return 0;
}

/* ---- measure inputs ---- */

static const int64_t pow10_tab[19] = { 1LL, 10LL, 100LL, 1000LL, 10000LL, 100000LL, 1000000LL, 10000000LL,
                                       100000000LL, 1000000000LL, 10000000000LL, 100000000000LL,
                                       1000000000000LL, 10000000000000LL, 100000000000000LL,
                                       1000000000000000LL, 10000000000000000LL, 100000000000000000LL,
                                       1000000000000000000LL };

/* col_int - a value as an integer at the column's own scale (numerics
 * with a declared scale: value * 10^scale). */
static int col_int(const cube_mv_srccol_t *c, const value_t *v, int64_t *out, err_t *err)
{
    if (c->type == TYPE_NUMERIC) {
        __int128 x;
        int s = cube__numeric_scale(c->typmod);
        if (numeric_to_scaled(v->u.num, s < 0 ? 0 : s, &x) < 0 || x > INT64_MAX || x < INT64_MIN)
            return err_set(err, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, "value of column %s does not fit a cube measure",
                           c->name);
        *out = (int64_t)x;
        return 0;
    }
    *out = v->u.i;
    return 0;
}

static double col_float(const cube_mv_srccol_t *c, const value_t *v)
{
    if (c->type == TYPE_FLOAT4 || c->type == TYPE_FLOAT8)
        return v->u.f;
    if (c->type == TYPE_NUMERIC)
        return numeric_to_double(v->u.num);
    return (double)v->u.i;
}

static int col_scale(const cube_mv_srccol_t *c)
{
    if (c->type == TYPE_NUMERIC) {
        int s = cube__numeric_scale(c->typmod);
        return s < 0 ? 0 : s;
    }
    return 0;
}

/* ---- the fact loop ---- */

typedef struct fact_ctx {
    exec_batch_t *in;
    int64_t *rows;       /* [ntables * FACT_BATCH]: row of each lookup per fact row, -1 none */
    uint8_t *drop;       /* [FACT_BATCH]: an INNER lookup has no row */
    uint64_t *unmatched; /* per table: this reader's count */
    uint64_t rows_built;
} fact_ctx_t;

static const value_t *val_of(job_t *j, const fact_ctx_t *f, cube_mv_ref_t r, int row)
{
    static const value_t null_v = { .isnull = true };
    if (r.table == 0)
        return &f->in->cols[j->srcs[0].relcol[r.col]][row];
    int64_t lr = f->rows[(size_t)r.table * FACT_BATCH + (size_t)row];
    return lr < 0 ? &null_v : &j->srcs[r.table].vals[r.col][lr];
}

#define JOIN_AHEAD 16

/* join - the rows of lookup t for the n fact rows of the batch (lookups are
 * in model order: a snowflake child's parent is done before it). */
static void join(job_t *j, fact_ctx_t *f, int t, int n)
{
    const cube_mv_table_t *tt = &j->mv->tables[t];
    const src_t *s = &j->srcs[t];
    int64_t *rows = f->rows + (size_t)t * FACT_BATCH;
    if (tt->parent != 0) {
        const int64_t *pr = f->rows + (size_t)tt->parent * FACT_BATCH;
        for (int r = 0; r < n; r++)
            rows[r] = pr[r] < 0 ? -1 : s->from_parent[pr[r]];
    } else if (s->dense) {
        /* the array of a big lookup (SSB's part: 3 MB at SF 10) is past
         * L2: each row's slot is fetched JOIN_AHEAD rows before it is read,
         * where a load per row waited on L3 (three fifths of this loop) */
        const value_t *k = f->in->cols[j->srcs[0].relcol[tt->fk[0]]];
        for (int r = 0; r < n; r++) {
            if (r + JOIN_AHEAD < n) {
                uint64_t ahead = (uint64_t)k[r + JOIN_AHEAD].u.i - (uint64_t)s->kmin;
                if (ahead < s->krange)
                    __builtin_prefetch(&s->dense[ahead]);
            }
            uint64_t off = (uint64_t)k[r].u.i - (uint64_t)s->kmin;
            rows[r] = k[r].isnull || off >= s->krange ? -1 : s->dense[off];
        }
    } else if (s->irow) {
        const value_t *k = f->in->cols[j->srcs[0].relcol[tt->fk[0]]];
        for (int r = 0; r < n; r++) {
            rows[r] = -1;
            if (k[r].isnull)
                continue;
            int64_t key = k[r].u.i;
            for (uint64_t i = hash_mix64((uint64_t)key) & s->imask; s->irow[i]; i = (i + 1) & s->imask)
                if (s->ikey[i] == key) {
                    rows[r] = (int64_t)s->irow[i] - 1;
                    break;
                }
        }
    } else {
        const value_t *kv[CUBE_MV_MAX_KEYS];
        for (int r = 0; r < n; r++) {
            for (int k = 0; k < tt->nkeys; k++)
                kv[k] = &f->in->cols[j->srcs[0].relcol[tt->fk[k]]][r];
            rows[r] = lookup_find(s, kv);
        }
    }
    uint64_t miss = 0;
    for (int r = 0; r < n; r++)
        if (rows[r] < 0) {
            miss++;
            if (!tt->left)
                f->drop[r] = 1;
        }
    f->unmatched[t] += miss;
}

/* filter_eval - the model filter p over the n joined rows keep[0..n):
 * res[i] = 0 false, 1 unknown (NULL), 2 true, so AND is the minimum and
 * OR the maximum, SQL's three-valued logic. One pass per leaf over the
 * batch; a cube without a filter never gets here. */
static void filter_eval(job_t *j, const fact_ctx_t *f, const cube_q_pred_t *p, const uint16_t *keep, int n,
                        uint8_t *res, mem_arena_t *scratch)
{
    if (p->op == CUBE_Q_AND || p->op == CUBE_Q_OR) {
        bool and = p->op == CUBE_Q_AND;
        memset(res, and ? 2 : 0, (size_t)n);
        uint8_t *x = mem_alloc(scratch, (size_t)n + 1);
        for (int a = 0; a < p->nargs; a++) {
            filter_eval(j, f, p->args[a], keep, n, x, scratch);
            for (int i = 0; i < n; i++)
                res[i] = and ? (x[i] < res[i] ? x[i] : res[i]) : (x[i] > res[i] ? x[i] : res[i]);
        }
        return;
    }
    if (p->op == CUBE_Q_NOT) { /* normalized filters have none; kept exact anyway */
        filter_eval(j, f, p->args[0], keep, n, res, scratch);
        for (int i = 0; i < n; i++)
            res[i] = (uint8_t)(2 - res[i]);
        return;
    }
    const cube_mv_table_t *t = &j->mv->tables[p->col.table];
    cube_mv_ref_t r = { p->col.table, cube__table_col(t, p->col.column) };
    type_oid_t ct = t->cols[r.col].type;
    for (int i = 0; i < n; i++) {
        int v = cube__filter_leaf(p, ct, val_of(j, f, r, keep[i]));
        res[i] = (uint8_t)(v < 0 ? 1 : v ? 2 : 0);
    }
}

/* int_term - whether a measure term reads only integer columns of the fact
 * table (not numeric), so its values are the value_t's integers as they are */
static bool int_term(const cube_mv_term_t *t, const cube_mv_srccol_t *ca, const cube_mv_srccol_t *cb)
{
    bool ia = t->a.table == 0 && ca->type != TYPE_NUMERIC && ca->type != TYPE_FLOAT4 && ca->type != TYPE_FLOAT8;
    bool ib = !cb || (t->b.table == 0 && cb->type != TYPE_NUMERIC && cb->type != TYPE_FLOAT4 && cb->type != TYPE_FLOAT8);
    return ia && ib;
}

/* fact_batch - joins, evaluates and (when feed) adds one batch to the build;
 * without feed only what could fail is done (after another part's error). */
static int fact_batch(job_t *j, fact_ctx_t *f, mem_arena_t *scratch, bool feed, err_t *err)
{
    cube_mv_t *mv = j->mv;
    int n = f->in->nrows;
    memset(f->drop, 0, (size_t)n);
    for (int t = 1; t < mv->ntables; t++)
        join(j, f, t, n);
    uint16_t *keep = mem_alloc(scratch, sizeof(uint16_t) * (size_t)n);
    int nk = 0;
    for (int r = 0; r < n; r++)
        if (!f->drop[r])
            keep[nk++] = (uint16_t)r;
    if (mv->filter && nk > 0) {
        /* only rows the filter holds for enter the cube (after the joins,
         * so unmatched counts above still cover every fact row) */
        uint8_t *res = mem_alloc(scratch, (size_t)nk);
        filter_eval(j, f, mv->filter, keep, nk, res, scratch);
        int w = 0;
        for (int i = 0; i < nk; i++)
            if (res[i] == 2)
                keep[w++] = keep[i];
        nk = w;
    }
    f->rows_built += (uint64_t)nk;
    if (nk == 0)
        return 0;
    cube_col_t *dims = MEM_NEW_N(scratch, cube_col_t, mv->ndims + 1);
    /* one reference array per lookup, shared by its dimensions: the build
     * then reads each lookup row's codes together (add_ref_group) */
    uint32_t *refs[CUBE_MV_MAX_TABLES] = { NULL };
    for (int d = 0; d < mv->ndims; d++) {
        cube_mv_ref_t ref = mv->dims[d].ref;
        cube_col_t *c = &dims[d];
        if (ref.table != 0) {
            uint32_t *x = refs[ref.table];
            if (!x) {
                x = refs[ref.table] = mem_alloc(scratch, sizeof(uint32_t) * (size_t)nk);
                for (int i = 0; i < nk; i++) {
                    int64_t lr = f->rows[(size_t)ref.table * FACT_BATCH + keep[i]];
                    x[i] = lr < 0 ? CUBE_REF_NULL : (uint32_t)lr;
                }
            }
            c->kind = CUBE_COL_REF;
            c->ref = x;
            continue;
        }
        const value_t *v = f->in->cols[j->srcs[0].relcol[ref.col]];
        uint8_t *isnull = mem_alloc(scratch, (size_t)nk);
        for (int i = 0; i < nk; i++)
            isnull[i] = v[keep[i]].isnull;
        c->isnull = isnull;
        stor_kind_t k = stor_kind_of_type(mv->dims[d].type);
        if (k == STOR_KIND_INT) {
            int64_t *x = mem_alloc(scratch, sizeof(int64_t) * (size_t)nk);
            for (int i = 0; i < nk; i++)
                x[i] = v[keep[i]].u.i;
            c->kind = CUBE_COL_INT;
            c->i = x;
        } else if (k == STOR_KIND_FLOAT) {
            double *x = mem_alloc(scratch, sizeof(double) * (size_t)nk);
            for (int i = 0; i < nk; i++)
                x[i] = v[keep[i]].u.f;
            c->kind = CUBE_COL_FLOAT;
            c->f = x;
        } else {
            const char **x = mem_alloc(scratch, sizeof(char *) * (size_t)nk);
            uint32_t *len = mem_alloc(scratch, sizeof(uint32_t) * (size_t)nk);
            for (int i = 0; i < nk; i++) {
                x[i] = v[keep[i]].isnull ? "" : v[keep[i]].u.s.p;
                len[i] = v[keep[i]].isnull ? 0 : v[keep[i]].u.s.len;
            }
            c->kind = CUBE_COL_TEXT;
            c->s = x;
            c->len = len;
        }
    }
    int nm = cube_def_nmeasures(mv->def);
    cube_col_t *meas = MEM_NEW_N(scratch, cube_col_t, nm + 1);
    for (int mi = 0; mi < mv->nmeasures; mi++) {
        const cube_mv_measure_t *m = &mv->measures[mi];
        if (m->cube_measure < 0)
            continue;
        cube_col_t *c = &meas[m->cube_measure];
        if (m->star) {
            c->kind = CUBE_COL_NONE;
            continue;
        }
        uint8_t *isnull = mem_alloc0(scratch, (size_t)nk);
        c->isnull = isnull;
        bool as_int = m->fn == CUBE_MV_COUNT || m->scale >= 0;
        int64_t *xi = as_int ? mem_alloc0(scratch, sizeof(int64_t) * (size_t)nk) : NULL;
        double *xf = as_int ? NULL : mem_alloc0(scratch, sizeof(double) * (size_t)nk);
        c->kind = as_int ? CUBE_COL_INT : CUBE_COL_FLOAT;
        c->i = xi;
        c->f = xf;
        for (int ti = 0; ti < m->nterms; ti++) {
            const cube_mv_term_t *t = &m->terms[ti];
            const cube_mv_srccol_t *ca = &mv->tables[t->a.table].cols[t->a.col];
            const cube_mv_srccol_t *cb = t->b.table >= 0 ? &mv->tables[t->b.table].cols[t->b.col] : NULL;
            int shift = 0;
            if (as_int && m->fn != CUBE_MV_COUNT) {
                shift = m->scale - col_scale(ca) - (cb ? col_scale(cb) : 0);
                if (shift < 0 || shift > 18)
                    shift = 0;
            }
            if (as_int && m->fn != CUBE_MV_COUNT && int_term(t, ca, cb)) {
                /* integer columns of the fact row: no per-value dispatch */
                const value_t *A = f->in->cols[j->srcs[0].relcol[t->a.col]];
                const value_t *B = cb ? f->in->cols[j->srcs[0].relcol[t->b.col]] : NULL;
                int64_t p10 = pow10_tab[shift];
                for (int i = 0; i < nk; i++) {
                    const value_t *va = &A[keep[i]], *vb = B ? &B[keep[i]] : NULL;
                    int64_t x;
                    if (va->isnull || (vb && vb->isnull)) {
                        isnull[i] = 1;
                        continue;
                    }
                    /* the generic loop's steps and order, so the same rows overflow */
                    if (__builtin_mul_overflow(t->coef, va->u.i, &x) || (vb && __builtin_mul_overflow(x, vb->u.i, &x)) ||
                        __builtin_mul_overflow(x, p10, &x) || __builtin_add_overflow(xi[i], x, &xi[i]))
                        return err_set(err, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE,
                                       "measure \"%s\" of a fact row is out of range for type bigint", m->name);
                }
                continue;
            }
            for (int i = 0; i < nk; i++) {
                const value_t *va = val_of(j, f, t->a, keep[i]);
                const value_t *vb = cb ? val_of(j, f, t->b, keep[i]) : NULL;
                if (va->isnull || (vb && vb->isnull)) {
                    isnull[i] = 1;
                    continue;
                }
                if (m->fn == CUBE_MV_COUNT)
                    continue;
                if (as_int) {
                    int64_t a, bv = 1;
                    if (col_int(ca, va, &a, err) < 0 || (vb && col_int(cb, vb, &bv, err) < 0))
                        return -1;
                    /* exact or an error: a wrapped product would be summed silently */
                    int64_t x;
                    if (__builtin_mul_overflow(t->coef, a, &x) || __builtin_mul_overflow(x, bv, &x) ||
                        __builtin_mul_overflow(x, pow10_tab[shift], &x) || __builtin_add_overflow(xi[i], x, &xi[i]))
                        return err_set(err, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE,
                                       "measure \"%s\" of a fact row is out of range for type bigint", m->name);
                } else {
                    xf[i] += (double)t->coef * col_float(ca, va) * (vb ? col_float(cb, vb) : 1.0);
                }
            }
        }
        if (as_int && (m->fn == CUBE_MV_MIN || m->fn == CUBE_MV_MAX))
            for (int i = 0; i < nk; i++)
                xi[i] = cube__minmax_cell(m->arg_type, xi[i]);
    }
    if (!feed)
        return 0;
    cube_batch_t cb = { (size_t)nk, dims, meas };
    return cube_build_add_batch(j->b, &cb, err);
}

/* The fact table's readers: each claims parts in order until none is left. */
typedef struct fact_run {
    job_t *j;
    const catalog_rel_parts_t *plan;
    int nparts;
    int next_part; /* atomic */
    int fail_part; /* atomic: the lowest part that failed, INT_MAX none */
    err_t *errs;   /* per part */
    pthread_mutex_t mu; /* progress calls, one at a time */
    uint64_t every;
} fact_run_t;

typedef struct reader {
    fact_run_t *fr;
    pthread_t th;
    bool running;
    uint64_t *unmatched; /* per table */
    uint64_t rows_built;
} reader_t;

/* fact_progress - a "fact" report when the rows read passed the next mark;
 * -1 when the progress callback cancels. */
static int fact_progress(fact_run_t *fr)
{
    job_t *j = fr->j;
    int rc = 0;
    pthread_mutex_lock(&fr->mu);
    uint64_t rows = __atomic_load_n(&j->fact_rows, __ATOMIC_RELAXED);
    if (__atomic_load_n(&j->cancelled, __ATOMIC_RELAXED)) {
        rc = -1; /* no call after the one that cancelled */
    } else if (rows >= __atomic_load_n(&j->next_report, __ATOMIC_RELAXED)) {
        __atomic_store_n(&j->next_report, rows - rows % fr->every + fr->every, __ATOMIC_RELAXED);
        rc = report(j, "fact", 0, 0);
    }
    pthread_mutex_unlock(&fr->mu);
    return rc;
}

static bool stopped(const fact_run_t *fr, int part)
{
    return __atomic_load_n(&fr->j->cancelled, __ATOMIC_RELAXED) ||
           __atomic_load_n(&fr->fail_part, __ATOMIC_RELAXED) < part;
}

/* read_part - scans part p to its end (or a stop). Arenas are roots: arena
 * accounting walks up the parents, which other threads share. */
static int read_part(reader_t *rd, int p)
{
    fact_run_t *fr = rd->fr;
    job_t *j = fr->j;
    src_t *s = &j->srcs[0];
    err_t *err = &fr->errs[p];
    mem_arena_t *scan_a = mem_arena_new(NULL, "fact scan", 0);
    mem_arena_t *scratch = mem_arena_new(NULL, "fact scratch", 0);
    mem_arena_t *mine = mem_arena_new(NULL, "fact batch", 0);
    void *scan = NULL;
    int rc = -1;
    if (catalog_rel_open_part(s->rel, fr->plan, p, scan_a, s->needed, &scan, err) < 0)
        goto out;
    fact_ctx_t f = { 0 };
    f.in = batch_new(scan_a, s->rel, FACT_BATCH);
    f.rows = mem_alloc(scan_a, sizeof(int64_t) * (size_t)j->mv->ntables * FACT_BATCH);
    f.drop = mem_alloc(scan_a, FACT_BATCH);
    f.unmatched = rd->unmatched;
    while (!stopped(fr, p)) {
        mem_arena_reset(scratch);
        mem_arena_reset(mine);
        f.in->nrows = FACT_BATCH;
        if (s->rel->ops->next(scan, f.in, scratch, err) < 0)
            goto out;
        if (f.in->nrows == 0)
            break;
        uint64_t rows = __atomic_add_fetch(&j->fact_rows, (uint64_t)f.in->nrows, __ATOMIC_RELAXED);
        /* after a later part failed the build is lost: only look for an earlier error */
        bool feed = __atomic_load_n(&fr->fail_part, __ATOMIC_RELAXED) == INT_MAX;
        if (fact_batch(j, &f, mine, feed, err) < 0)
            goto out;
        if (rows >= __atomic_load_n(&j->next_report, __ATOMIC_RELAXED) && fact_progress(fr) < 0)
            break; /* cancelled: not an error of this part */
    }
    rd->rows_built += f.rows_built;
    rc = 0;
out:
    if (scan && s->rel->ops->close)
        s->rel->ops->close(scan);
    mem_arena_free(mine);
    mem_arena_free(scratch);
    mem_arena_free(scan_a);
    return rc;
}

static void *reader_main(void *arg)
{
    reader_t *rd = arg;
    fact_run_t *fr = rd->fr;
    const dt_zone_t *prev_zone = dt_zone_set(fr->j->zone);
    for (;;) {
        int p = __atomic_fetch_add(&fr->next_part, 1, __ATOMIC_RELAXED);
        if (p >= fr->nparts)
            break;
        if (stopped(fr, p))
            continue;
        if (read_part(rd, p) < 0) {
            int cur = __atomic_load_n(&fr->fail_part, __ATOMIC_RELAXED);
            while (p < cur && !__atomic_compare_exchange_n(&fr->fail_part, &cur, p, false, __ATOMIC_RELAXED,
                                                            __ATOMIC_RELAXED))
                ;
        }
    }
    dt_zone_set(prev_zone);
    return NULL;
}

static int fact_threads(const cube_refresh_opts_t *o)
{
    long n = o->threads > 0 ? o->threads : sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}

static void *split_main(void *arg)
{
    job_t *j = arg;
    double t0 = now_sec();
    j->split.rc = catalog_rel_split(j->srcs[0].rel, j->split.a, j->split.want, &j->split.plan, &j->split.nparts,
                                    &j->split.err);
    j->split.secs = now_sec() - t0;
    return NULL;
}

/* split_start - cuts the fact table on a thread (inline later if none starts). */
static void split_start(job_t *j)
{
    j->split.want = fact_threads(j->o);
    j->split.a = mem_arena_new(NULL, "fact parts", 0);
    j->split.running = pthread_create(&j->split.th, NULL, split_main, j) == 0;
}

/* split_wait - the parts (joins the thread; an exit before the fact read joins it in cube_refresh). */
static int split_wait(job_t *j)
{
    double t0 = now_sec();
    if (j->split.running) {
        pthread_join(j->split.th, NULL);
        j->split.running = false;
    } else if (!j->split.done && j->split.a) {
        split_main(j);
    }
    j->split.done = true;
    j->split.waited = now_sec() - t0;
    if (j->split.rc < 0) {
        *j->err = j->split.err;
        return -1;
    }
    return 0;
}

static int read_fact(job_t *j)
{
    int nth = fact_threads(j->o);
    double t0 = now_sec(), c0 = cpu_sec();
    fact_run_t fr = { 0 };
    fr.j = j;
    fr.fail_part = INT_MAX;
    fr.every = j->o->progress_every ? j->o->progress_every : 1000000;
    j->next_report = fr.every;
    if (split_wait(j) < 0)
        return -1;
    fr.plan = j->split.plan;
    fr.nparts = j->split.nparts;
    fr.errs = mem_alloc0(j->a, sizeof(err_t) * (size_t)fr.nparts);
    pthread_mutex_init(&fr.mu, NULL);
    if (nth > fr.nparts)
        nth = fr.nparts;
    reader_t *rd = mem_alloc0(j->a, sizeof(reader_t) * (size_t)nth);
    int started = 0;
    for (int i = 0; i < nth; i++) {
        rd[i].fr = &fr;
        rd[i].unmatched = mem_alloc0(j->a, sizeof(uint64_t) * (size_t)j->mv->ntables);
    }
    /* the calling thread is reader 0; a thread that cannot start leaves its
     * parts to the others */
    for (int i = 1; i < nth; i++)
        if (pthread_create(&rd[i].th, NULL, reader_main, &rd[i]) == 0) {
            rd[i].running = true;
            started++;
        }
    reader_main(&rd[0]);
    for (int i = 1; i < nth; i++)
        if (rd[i].running)
            pthread_join(rd[i].th, NULL);
    pthread_mutex_destroy(&fr.mu);
    for (int i = 0; i < nth; i++) {
        j->rows_built += rd[i].rows_built;
        for (int t = 1; t < j->mv->ntables; t++)
            j->srcs[t].unmatched += rd[i].unmatched[t];
    }
    if (fr.fail_part != INT_MAX) {
        *j->err = fr.errs[fr.fail_part];
        return -1;
    }
    if (__atomic_load_n(&j->cancelled, __ATOMIC_RELAXED))
        return -1;
    log_debug("cube refresh: %s: fact table read: %llu rows in %.3f s, cpu %.3f s (%d readers; %d parts cut in "
              "%.3f s while the lookups loaded, then waited %.3f s)",
              j->mv->name, (unsigned long long)j->fact_rows, now_sec() - t0, cpu_sec() - c0, started + 1, fr.nparts,
              j->split.secs, j->split.waited);
    return report(j, "fact", 0, 0);
}

/* ---- metastore ---- */

typedef struct seg_new_arg {
    int64_t cube_id;
    const char *name;
    const cube_refresh_opts_t *o;
    int64_t id;
} seg_new_arg_t;

static int seg_new_tx(meta_tx_t *tx, void *arg, err_t *err)
{
    seg_new_arg_t *sa = arg;
    meta_segment_t seg = { 0 };
    seg.cube_id = sa->cube_id;
    seg.name = sa->name;
    seg.status = "new";
    seg.storage_path = "";
    seg.job_id = sa->o->job_id;
    seg.fencing_token = sa->o->fencing_token;
    int rc = meta_put(tx, META_SEGMENT, &seg, err);
    if (rc == 0)
        sa->id = seg.h.id;
    return rc;
}

typedef struct publish_arg {
    int64_t cube_id, seg_id;
    const char *path;
    int64_t bytes, rows;
    mem_arena_t *keep;
    int ngc;
    const char **gc; /* directories of segments discarded by an earlier refresh */
} publish_arg_t;

static int publish_tx(meta_tx_t *tx, void *arg, err_t *err)
{
    publish_arg_t *pa = arg;
    mem_arena_t *a = meta_tx_arena(tx);
    pa->ngc = 0;
    meta_cube_t *c = NULL;
    int rc = meta_get(tx, META_CUBE, pa->cube_id, a, &c, err);
    if (rc == META_NOT_FOUND) {
        err_clear(err);
        return err_set(err, ERRCODE_UNDEFINED_TABLE, "the materialized view was dropped during its refresh");
    }
    if (rc)
        return rc;
    meta_segment_t *segs = NULL;
    size_t n = 0;
    rc = meta_list(tx, META_SEGMENT, pa->cube_id, a, &segs, &n, err);
    if (rc)
        return rc;
    pa->gc = MEM_NEW_N(pa->keep, const char *, n + 1);
    bool found = false;
    for (size_t i = 0; i < n; i++) {
        meta_segment_t *s = &segs[i];
        if (s->h.id == pa->seg_id) {
            s->status = "ready";
            s->storage_path = pa->path;
            s->size_bytes = pa->bytes;
            s->input_rows = pa->rows;
            rc = meta_put(tx, META_SEGMENT, s, err);
            found = true;
        } else if (strcmp(s->status, "ready") == 0) {
            s->status = "discarded";
            rc = meta_put(tx, META_SEGMENT, s, err);
        } else if (strcmp(s->status, "discarded") == 0) {
            if (s->storage_path && *s->storage_path)
                pa->gc[pa->ngc++] = mem_astrdup(pa->keep, s->storage_path);
            rc = meta_delete(tx, META_SEGMENT, s->h.id, 0, err);
        }
        if (rc)
            return rc;
    }
    if (!found)
        return err_set(err, ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE, "segment %lld of the refresh disappeared",
                       (long long)pa->seg_id);
    if (!c->status || strcmp(c->status, "ready") != 0) {
        c->status = "ready";
        rc = meta_put(tx, META_CUBE, c, err);
    }
    return rc;
}

static int abandon_tx(meta_tx_t *tx, void *arg, err_t *err)
{
    int64_t id = *(int64_t *)arg;
    int rc = meta_delete(tx, META_SEGMENT, id, 0, err);
    if (rc == META_NOT_FOUND) {
        err_clear(err);
        rc = 0;
    }
    return rc;
}

static int mkdir_p(const char *path)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            if (mkdir(buf, 0755) < 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    return mkdir(buf, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

static int64_t dir_bytes(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int64_t n = 0;
    struct dirent *e;
    char p[1200];
    while ((e = readdir(d))) {
        struct stat st;
        if ((size_t)snprintf(p, sizeof p, "%s/%s", dir, e->d_name) >= sizeof p)
            continue; /* no path of ours is that long */
        if (e->d_name[0] != '.' && stat(p, &st) == 0 && S_ISREG(st.st_mode))
            n += st.st_size;
    }
    closedir(d);
    return n;
}

int cube_refresh(meta_store_t *s, const char *schema, const char *name, const cube_refresh_opts_t *opts,
                 cube_refresh_result_t *res, err_t *err)
{
    cube_refresh_opts_t o = *opts;
    if (res)
        memset(res, 0, sizeof *res);
    if (!schema)
        schema = "public";
    if (!o.storage_root || !*o.storage_root)
        return err_set(err, ERRCODE_CONFIG_FILE_ERROR, "kiln.storage.root is not set");
    const meta_catalog_t *cat = meta_catalog_acquire(s);
    const meta_cube_t *cube = meta_catalog_cube(cat, schema, name);
    if (!cube) {
        meta_catalog_release(cat);
        return err_set(err, ERRCODE_UNDEFINED_TABLE, "materialized view \"%s\" does not exist", name);
    }
    cube_mv_t *mv = NULL;
    int rc = cube_mv_load(cat, cube, &mv, err);
    meta_catalog_release(cat);
    if (rc < 0)
        return -1;

    job_t j = { 0 };
    j.mv = mv;
    j.o = &o;
    /* as PostgreSQL's REFRESH: sources are read in the refreshing session's
     * TimeZone (lookups on this thread, the fact table on every reader) */
    j.zone = o.timezone ? dt_zone_lookup(o.timezone) : dt_zone_current();
    const dt_zone_t *prev_zone = dt_zone_set(j.zone);
    j.err = err;
    j.t0 = now_sec();
    j.a = mem_arena_new(NULL, "cube refresh", 0);
    int64_t seg_id = 0;
    char abs_path[1024] = "", rel_path[512] = "";
    rc = -1;

    seg_new_arg_t sa = { mv->cube_id, mem_asprintf(j.a, "full-%lld-%d", (long long)now_ms(), (int)getpid()), &o, 0 };
    if (meta_run(s, 0, seg_new_tx, &sa, err) != META_OK)
        goto out;
    seg_id = sa.id;
    snprintf(rel_path, sizeof rel_path, "%s-%lld/%lld", mv->name, (long long)mv->cube_id, (long long)seg_id);
    snprintf(abs_path, sizeof abs_path, "%s/%s-%lld", o.storage_root, mv->name, (long long)mv->cube_id);
    if (mkdir_p(abs_path) < 0) {
        err_set(err, ERRCODE_IO_ERROR, "could not create directory \"%s\": %s", abs_path, strerror(errno));
        goto out;
    }
    snprintf(abs_path, sizeof abs_path, "%s/%s", o.storage_root, rel_path);

    j.srcs = MEM_NEW_N(j.a, src_t, mv->ntables);
    exec_catview_t *v = exec_catalog_pin(j.a);
    for (int t = 0; t < mv->ntables; t++) {
        j.srcs[t].t = &mv->tables[t];
        if (open_rel(&j, v, t) < 0)
            goto out;
    }
    if (mark_needed(&j) < 0)
        goto out;
    split_start(&j);
    if (report(&j, "lookups", 0, 0) < 0)
        goto out;
    double lt0 = now_sec();
    size_t lrows = 0;
    for (int t = 1; t < mv->ntables; t++) {
        if (load_lookup(&j, t) < 0)
            goto out;
        if (mv->tables[t].parent > 0)
            snowflake(&j, t);
        else
            int_index(&j, t);
        lrows += j.srcs[t].nrows;
    }
    log_debug("cube refresh: %s: %d lookups loaded: %zu rows in %.3f s", mv->name, mv->ntables - 1, lrows,
              now_sec() - lt0);
    cube_build_opts_t bo = { .threads = o.threads, .progress = build_progress, .progress_arg = &j,
                             .memory_limit = o.memory_limit, .skip_ratio = o.skip_ratio };
    j.b = cube_build_new(mv->def, &bo);
    if (register_lookup_dims(&j) < 0)
        goto out;
    if (read_fact(&j) < 0)
        goto out;

    /* what the matcher needs to let a query leave a lookup out */
    bool verified = true;
    char buf[64];
    for (int t = 1; t < mv->ntables; t++) {
        snprintf(buf, sizeof buf, "%llu", (unsigned long long)j.srcs[t].unmatched);
        cube_build_set_info(j.b, mem_asprintf(j.a, "kiln.unmatched.%s", mv->tables[t].alias), buf);
        if (!mv->tables[t].left && j.srcs[t].unmatched)
            verified = false;
    }
    cube_build_set_info(j.b, "kiln.inner_joins_verified", verified ? "true" : "false");
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)j.fact_rows);
    cube_build_set_info(j.b, "kiln.fact_rows", buf);
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)j.rows_built);
    cube_build_set_info(j.b, "kiln.rows_built", buf);
    if (cube_build_finish(j.b, abs_path, err) < 0)
        goto out;

    if (report(&j, "publish", 0, 0) < 0)
        goto out;
    publish_arg_t pa = { mv->cube_id, seg_id, rel_path, dir_bytes(abs_path), (int64_t)j.rows_built, j.a, 0, NULL };
    int prc = o.publish ? o.publish(publish_tx, &pa, o.publish_arg, err) : meta_run(s, 0, publish_tx, &pa, err);
    if (prc != META_OK) {
        err_t e2 = { 0 };
        (void)stor_segment_remove(abs_path, &e2);
        abs_path[0] = 0;
        goto out;
    }
    seg_id = 0; /* published: nothing to abandon */
    for (int i = 0; i < pa.ngc; i++) {
        err_t e2 = { 0 };
        const char *p = mem_asprintf(j.a, "%s/%s", o.storage_root, pa.gc[i]);
        struct stat st;
        if (stat(p, &st) == 0)
            (void)stor_segment_remove(p, &e2);
    }
    if (meta_catalog_refresh(s, false, err) != META_OK)
        goto out;
    if (res) {
        res->segment_id = sa.id;
        res->fact_rows = j.fact_rows;
        res->rows_built = j.rows_built;
        res->inner_joins_verified = verified;
        res->ncuboids = cube_def_ncuboids(mv->def);
        res->bytes = (uint64_t)pa.bytes;
        res->seconds = now_sec() - j.t0;
        snprintf(res->storage_path, sizeof res->storage_path, "%s", rel_path);
    }
    (void)report(&j, "done", cube_def_ncuboids(mv->def), cube_def_ncuboids(mv->def));
    rc = 0;
out:
    if (j.split.running)
        pthread_join(j.split.th, NULL); /* an exit before the fact read */
    mem_arena_free(j.split.a);
    if (rc < 0 && j.cancelled && !err->set)
        err_set(err, ERRCODE_QUERY_CANCELED, "canceling refresh of \"%s\" on request", name);
    if (rc < 0 && seg_id) {
        /* the old segment keeps answering; drop our NEW row (best effort:
         * a NEW row left by a crash is harmless and visible) */
        err_t e2 = { 0 };
        if (meta_run(s, 0, abandon_tx, &seg_id, &e2) != META_OK)
            e2.set = false; /* reported by the NEW row it leaves */
    }
    cube_build_free(j.b);
    /* the lookups' rows and the readers' buffers: half a GB at SSB SF 10,
     * 0.25 s to give back, which the refresh's caller need not wait for */
    mem_arena_free_async(j.a);
    cube_mv_free(mv);
    dt_zone_set(prev_zone);
    return rc;
}
