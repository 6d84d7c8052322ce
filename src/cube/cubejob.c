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
 *
 * Not here: scheduling (the job engine wraps cube_refresh), the scans
 * themselves (src/catalog), cuboid computation (build.c).
 */
#include "cube/cubejob.h"

#include <errno.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "cube/build.h"
#include "cube/mv.h"
#include "exec/exec.h"
#include "exec/rel.h"
#include "mv_int.h"
#include "storage/segment.h"
#include "types/numeric.h"
#include "types/value.h"

#define FACT_BATCH 4096

static double now_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
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
    uint64_t unmatched;
} src_t;

typedef struct job {
    cube_mv_t *mv;
    const cube_refresh_opts_t *o;
    mem_arena_t *a;
    src_t *srcs;
    cube_build_t *b;
    double t0;
    uint64_t fact_rows, rows_built, next_report;
    const char *step;
    bool cancelled;
    err_t *err;
} job_t;

static int report(job_t *j, const char *step, int done, int total)
{
    if (!j->o->progress)
        return 0;
    double el = now_sec() - j->t0;
    cube_refresh_progress_t p = { step, j->fact_rows, el > 0 ? (double)j->fact_rows / el : 0, el, done, total };
    if (j->o->progress(&p, j->o->progress_arg) < 0) {
        j->cancelled = true;
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

static int mark_needed(job_t *j)
{
    cube_mv_t *mv = j->mv;
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
    int64_t *rows;   /* [ntables * n]: row of each lookup per fact row, -1 none */
    int n;
} fact_ctx_t;

static const value_t *val_of(job_t *j, const fact_ctx_t *f, cube_mv_ref_t r, int row)
{
    static const value_t null_v = { .isnull = true };
    if (r.table == 0)
        return &f->in->cols[j->srcs[0].relcol[r.col]][row];
    int64_t lr = f->rows[(size_t)r.table * FACT_BATCH + (size_t)row];
    return lr < 0 ? &null_v : &j->srcs[r.table].vals[r.col][lr];
}

static int fact_batch(job_t *j, fact_ctx_t *f, mem_arena_t *scratch)
{
    cube_mv_t *mv = j->mv;
    int n = f->in->nrows;
    uint16_t *keep = mem_alloc(scratch, sizeof(uint16_t) * (size_t)n);
    int nk = 0;
    const value_t *kv[CUBE_MV_MAX_KEYS];
    for (int r = 0; r < n; r++) {
        bool ok = true;
        for (int t = 1; t < mv->ntables; t++) {
            const cube_mv_table_t *tt = &mv->tables[t];
            src_t *s = &j->srcs[t];
            int64_t lr;
            if (tt->parent == 0) {
                for (int k = 0; k < tt->nkeys; k++)
                    kv[k] = &f->in->cols[j->srcs[0].relcol[tt->fk[k]]][r];
                lr = lookup_find(s, kv);
            } else {
                int64_t pr = f->rows[(size_t)tt->parent * FACT_BATCH + (size_t)r];
                lr = pr < 0 ? -1 : s->from_parent[pr];
            }
            f->rows[(size_t)t * FACT_BATCH + (size_t)r] = lr;
            if (lr < 0) {
                s->unmatched++;
                if (!tt->left)
                    ok = false;
            }
        }
        if (ok)
            keep[nk++] = (uint16_t)r;
    }
    j->rows_built += (uint64_t)nk;
    if (nk == 0)
        return 0;
    cube_col_t *dims = MEM_NEW_N(scratch, cube_col_t, mv->ndims + 1);
    for (int d = 0; d < mv->ndims; d++) {
        cube_mv_ref_t ref = mv->dims[d].ref;
        cube_col_t *c = &dims[d];
        if (ref.table != 0) {
            uint32_t *x = mem_alloc(scratch, sizeof(uint32_t) * (size_t)nk);
            for (int i = 0; i < nk; i++) {
                int64_t lr = f->rows[(size_t)ref.table * FACT_BATCH + keep[i]];
                x[i] = lr < 0 ? CUBE_REF_NULL : (uint32_t)lr;
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
                    if (col_int(ca, va, &a, j->err) < 0 || (vb && col_int(cb, vb, &bv, j->err) < 0))
                        return -1;
                    xi[i] += t->coef * a * bv * pow10_tab[shift];
                } else {
                    xf[i] += (double)t->coef * col_float(ca, va) * (vb ? col_float(cb, vb) : 1.0);
                }
            }
        }
    }
    cube_batch_t cb = { (size_t)nk, dims, meas };
    return cube_build_add_batch(j->b, &cb, j->err);
}

static int read_fact(job_t *j)
{
    src_t *s = &j->srcs[0];
    mem_arena_t *scan_a = mem_arena_new(j->a, "fact scan", 0);
    mem_arena_t *scratch = mem_arena_new(j->a, "fact scratch", 0);
    mem_arena_t *mine = mem_arena_new(j->a, "fact batch", 0);
    void *scan = NULL;
    int rc = -1;
    double t0 = now_sec();
    if (s->rel->ops->open(s->rel, scan_a, s->needed, &scan, j->err) < 0)
        goto out;
    fact_ctx_t f = { 0 };
    f.in = batch_new(scan_a, s->rel, FACT_BATCH);
    f.rows = mem_alloc(scan_a, sizeof(int64_t) * (size_t)j->mv->ntables * FACT_BATCH);
    uint64_t every = j->o->progress_every ? j->o->progress_every : 1000000;
    j->next_report = every;
    for (;;) {
        mem_arena_reset(scratch);
        mem_arena_reset(mine);
        f.in->nrows = FACT_BATCH;
        if (s->rel->ops->next(scan, f.in, scratch, j->err) < 0)
            goto out;
        if (f.in->nrows == 0)
            break;
        j->fact_rows += (uint64_t)f.in->nrows;
        if (fact_batch(j, &f, mine) < 0)
            goto out;
        if (j->fact_rows >= j->next_report) {
            j->next_report += every;
            if (report(j, "fact", 0, 0) < 0)
                goto out;
        }
    }
    rc = report(j, "fact", 0, 0);
    log_debug("cube refresh: %s: fact table read: %llu rows in %.3f s", j->mv->name,
              (unsigned long long)j->fact_rows, now_sec() - t0);
out:
    if (scan && s->rel->ops->close)
        s->rel->ops->close(scan);
    mem_arena_free(mine);
    mem_arena_free(scratch);
    mem_arena_free(scan_a);
    return rc;
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
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
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
    if (report(&j, "lookups", 0, 0) < 0)
        goto out;
    for (int t = 1; t < mv->ntables; t++) {
        if (load_lookup(&j, t) < 0)
            goto out;
        if (mv->tables[t].parent > 0)
            snowflake(&j, t);
    }
    cube_build_opts_t bo = { .threads = o.threads, .progress = build_progress, .progress_arg = &j };
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
    mem_arena_free(j.a);
    cube_mv_free(mv);
    return rc;
}
