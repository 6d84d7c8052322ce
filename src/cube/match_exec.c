/*
 * match_exec.c - running a cube plan (match.c chose it): one cuboid scan
 * with code-range filters and the storage layer's rollup; when a predicate
 * spans several dimensions the scan keeps them, rows are tested here and
 * rolled up by a hash on the group codes. Each output row decodes the group
 * codes with the segment's dictionaries and derives the aggregates from the
 * stored measures (sums of counts, linear combinations of sums at a common
 * decimal scale, avg as sum / count with PostgreSQL's numeric division,
 * NULL for a group whose argument had no non-NULL value). Also EXPLAIN and
 * the plan as an exec relation.
 */
#include "cube/match.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "match_int.h"
#include "types/numeric.h"
#include "types/value.h"

struct cube_iter {
    const cube_plan_t *p;
    mem_arena_t *a, *row_a;
    stor_scan_t *sc;
    const stor_batch_t *b;
    uint32_t bi;
    int ngk;                 /* group codes per row (nqgroup) */
    stor_kind_t kind[64];    /* per scan measure */
    stor_agg_t agg[64];
    /* the residual path: groups materialized, sorted */
    bool mat;
    size_t nrows, pos;
    uint32_t *codes;         /* nrows * ngk */
    int64_t *cells;          /* nrows * nmeas (doubles stored bitwise) */
    bool any, done;
    uint64_t touched;
    value_t *row;
    uint32_t cur_codes[CUBE_MAX_DIMS];
    int64_t cur_cells[64];
};

static const int64_t p10[19] = { 1LL, 10LL, 100LL, 1000LL, 10000LL, 100000LL, 1000000LL, 10000000LL,
                                 100000000LL, 1000000000LL, 10000000000LL, 100000000000LL,
                                 1000000000000LL, 10000000000000LL, 100000000000000LL,
                                 1000000000000000LL, 10000000000000000LL, 100000000000000000LL,
                                 1000000000000000000LL };

/* scan_spec - the storage scan plan p reads. */
static stor_scan_spec_t scan_spec(const cube_plan_t *p)
{
    stor_scan_spec_t sp = { 0 };
    sp.cuboid = p->cuboid;
    sp.nfilters = p->nfilters;
    sp.filters = p->filters;
    sp.ngroup = p->residual ? p->nscan_group : p->nqgroup;
    sp.group = p->scan_group;
    sp.nmeasures = p->nmeas;
    sp.measures = p->scan_meas;
    return sp;
}

int cube_plan_columns(const cube_plan_t *p, const cube_plan_col_t **cols)
{
    *cols = p->cols;
    return p->ncols;
}
const char *cube_plan_cube(const cube_plan_t *p) { return p->cube; }
uint64_t cube_plan_cuboid(const cube_plan_t *p) { return p->cuboid; }
uint64_t cube_plan_cuboid_rows(const cube_plan_t *p) { return p->cuboid_rows; }
uint64_t cube_iter_rows_touched(const cube_iter_t *it) { return it->sc ? stor_scan_rows_touched(it->sc) : it->touched; }

void cube_plan_explain(const cube_plan_t *p, buf_t *out)
{
    const cube_mv_t *mv = p->e->mv;
    buf_printf(out, "Cube Scan on %s (segment %lld)\n", p->cube, (long long)p->seg_id);
    buf_printf(out, "  Cuboid: ");
    const int *rk = cube_def_rowkey(mv->def);
    int k = 0;
    for (int i = 0; i < mv->ndims; i++)
        if (p->cuboid & (1ull << rk[i]))
            buf_printf(out, "%s%s", k++ ? ", " : "", mv->dims[rk[i]].name);
    if (!k)
        buf_printf(out, "(grand total)");
    buf_printf(out, " (%llu rows)\n", (unsigned long long)p->cuboid_rows);
    if (mv->filter_text)
        buf_printf(out, "  Cube Filter: %s (applied by the build)\n", mv->filter_text);
    if (p->nfilters)
        buf_printf(out, "  Filter: %s\n", p->filter_text);
    if (p->residual)
        buf_printf(out, "  Row Filter: %d condition%s over several dimensions\n", p->residual->n,
                   p->residual->n == 1 ? "" : "s");
    if (p->ngroup) {
        buf_printf(out, "  Group: ");
        for (int i = 0; i < p->ngroup; i++)
            buf_printf(out, "%s%s", i ? ", " : "", p->cols[i].name);
        buf_printf(out, "\n");
    }
    for (int i = 0; i < p->naggs; i++)
        buf_printf(out, "  Aggregate %d: %s\n", i + 1, p->aggs[i].text);
    if (p->nvalues > 0)
        return; /* the ranges depend on the values the statement is executed with */
    /* The rows the seeks leave to read: the scan is planned and run here (it costs what the
     * query's scan costs, microseconds for a selective query on a sorted cuboid). */
    mem_arena_t *a = mem_arena_new(NULL, "cube explain", 0);
    stor_scan_spec_t sp = scan_spec(p);
    stor_scan_t *sc;
    const stor_batch_t *b;
    err_t err = { 0 };
    int rc = stor_scan_open(p->e->seg, &sp, a, &sc, &err);
    while (rc == 0 && (rc = stor_scan_next(sc, &b, &err)) > 0)
        rc = 0;
    if (rc == 0)
        buf_printf(out, "  Rows Touched: %llu in %u key range%s\n", (unsigned long long)stor_scan_rows_touched(sc),
                   stor_scan_ranges(sc), stor_scan_ranges(sc) == 1 ? "" : "s");
    err_clear(&err);
    mem_arena_free(a);
}

/* ---- the residual path ---- */

static bool rtest(const cube_rnode_t *r, const uint32_t *codes)
{
    if (r->op == CUBE_Q_AND) {
        for (int i = 0; i < r->n; i++)
            if (!rtest(r->args[i], codes))
                return false;
        return true;
    }
    if (r->op == CUBE_Q_OR) {
        for (int i = 0; i < r->n; i++)
            if (rtest(r->args[i], codes))
                return true;
        return false;
    }
    uint32_t c = codes[r->pos];
    for (int i = 0; i < r->n; i++)
        if (c >= r->r[i].lo && c <= r->r[i].hi)
            return true;
    return false;
}

static void merge_cell(const cube_iter_t *it, int m, int64_t *dst, int64_t src)
{
    if (it->agg[m] == STOR_AGG_SUM || it->agg[m] == STOR_AGG_COUNT) {
        if (it->kind[m] == STOR_KIND_FLOAT) {
            double x, y;
            memcpy(&x, dst, 8);
            memcpy(&y, &src, 8);
            x += y;
            memcpy(dst, &x, 8);
        } else {
            *dst = (int64_t)((uint64_t)*dst + (uint64_t)src);
        }
        return;
    }
    bool min = it->agg[m] == STOR_AGG_MIN;
    if (it->kind[m] == STOR_KIND_FLOAT) {
        double x, y;
        memcpy(&x, dst, 8);
        memcpy(&y, &src, 8);
        if (min ? y < x : y > x)
            *dst = src;
    } else if (min ? src < *dst : src > *dst) {
        *dst = src;
    }
}

static const cube_iter_t *sort_it;
static int grp_cmp(const void *x, const void *y)
{
    const uint32_t *a = sort_it->codes + (size_t)(*(const uint32_t *)x) * (size_t)sort_it->ngk;
    const uint32_t *b = sort_it->codes + (size_t)(*(const uint32_t *)y) * (size_t)sort_it->ngk;
    for (int i = 0; i < sort_it->ngk; i++)
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    return 0;
}

static int materialize(cube_iter_t *it, err_t *err)
{
    const cube_plan_t *p = it->p;
    int ngk = it->ngk, nm = p->nmeas;
    size_t cap = 1024, n = 0, slots = 2048;
    uint32_t *codes = mem_alloc(it->a, sizeof(uint32_t) * cap * (size_t)(ngk + 1));
    int64_t *cells = mem_alloc(it->a, sizeof(int64_t) * cap * (size_t)(nm + 1));
    uint32_t *ht = mem_alloc0(it->a, sizeof(uint32_t) * slots);
    const stor_batch_t *b;
    int rc;
    uint32_t rowc[CUBE_MAX_DIMS];
    while ((rc = stor_scan_next(it->sc, &b, err)) > 0) {
        for (uint32_t r = 0; r < b->n; r++) {
            for (int k = 0; k < p->nscan_group; k++)
                rowc[k] = b->codes[k][r];
            if (!rtest(p->residual, rowc))
                continue;
            uint64_t h = 0x9e3779b97f4a7c15ull;
            for (int k = 0; k < ngk; k++)
                h = (h ^ rowc[k]) * 0xff51afd7ed558ccdull;
            h ^= h >> 32;
            size_t i = (size_t)h & (slots - 1);
            for (;;) {
                uint32_t g = ht[i];
                if (!g) {
                    if (n == cap) {
                        size_t nc = cap * 2;
                        uint32_t *c2 = mem_alloc(it->a, sizeof(uint32_t) * nc * (size_t)(ngk + 1));
                        int64_t *m2 = mem_alloc(it->a, sizeof(int64_t) * nc * (size_t)(nm + 1));
                        memcpy(c2, codes, sizeof(uint32_t) * n * (size_t)ngk);
                        memcpy(m2, cells, sizeof(int64_t) * n * (size_t)nm);
                        codes = c2;
                        cells = m2;
                        cap = nc;
                    }
                    memcpy(codes + n * (size_t)ngk, rowc, sizeof(uint32_t) * (size_t)ngk);
                    for (int m = 0; m < nm; m++)
                        cells[n * (size_t)nm + (size_t)m] = ((const int64_t *)b->meas[m])[r];
                    ht[i] = (uint32_t)++n;
                    if (n * 2 > slots) {
                        /* grow and rehash */
                        size_t ns = slots * 2;
                        uint32_t *h2 = mem_alloc0(it->a, sizeof(uint32_t) * ns);
                        for (size_t g2 = 0; g2 < n; g2++) {
                            uint64_t hh = 0x9e3779b97f4a7c15ull;
                            for (int k = 0; k < ngk; k++)
                                hh = (hh ^ codes[g2 * (size_t)ngk + (size_t)k]) * 0xff51afd7ed558ccdull;
                            hh ^= hh >> 32;
                            size_t j = (size_t)hh & (ns - 1);
                            while (h2[j])
                                j = (j + 1) & (ns - 1);
                            h2[j] = (uint32_t)(g2 + 1);
                        }
                        ht = h2;
                        slots = ns;
                    }
                    break;
                }
                if (memcmp(codes + (size_t)(g - 1) * (size_t)ngk, rowc, sizeof(uint32_t) * (size_t)ngk) == 0) {
                    for (int m = 0; m < nm; m++)
                        merge_cell(it, m, &cells[(size_t)(g - 1) * (size_t)nm + (size_t)m], ((const int64_t *)b->meas[m])[r]);
                    break;
                }
                i = (i + 1) & (slots - 1);
            }
        }
    }
    if (rc < 0)
        return -1;
    /* sorted by group codes, as the scan's own rollup emits them */
    uint32_t *order = mem_alloc(it->a, sizeof(uint32_t) * (n + 1));
    for (size_t i = 0; i < n; i++)
        order[i] = (uint32_t)i;
    it->codes = codes;
    sort_it = it;
    qsort(order, n, sizeof *order, grp_cmp);
    uint32_t *sc = mem_alloc(it->a, sizeof(uint32_t) * (n * (size_t)ngk + 1));
    int64_t *sm = mem_alloc(it->a, sizeof(int64_t) * (n * (size_t)nm + 1));
    for (size_t i = 0; i < n; i++) {
        memcpy(sc + i * (size_t)ngk, codes + (size_t)order[i] * (size_t)ngk, sizeof(uint32_t) * (size_t)ngk);
        memcpy(sm + i * (size_t)nm, cells + (size_t)order[i] * (size_t)nm, sizeof(int64_t) * (size_t)nm);
    }
    it->codes = sc;
    it->cells = sm;
    it->nrows = n;
    it->mat = true;
    return 0;
}

/* ---- opening ---- */

int cube_plan_open(const cube_plan_t *p, mem_arena_t *a, cube_iter_t **out, err_t *err)
{
    if (p->nvalues > 0)
        return err_set(err, ERRCODE_INTERNAL_ERROR, "cube scan on %s opened before its parameter values were bound",
                       p->cube);
    cube_iter_t *it = MEM_NEW(a, cube_iter_t);
    it->p = p;
    it->a = a;
    it->row_a = mem_arena_new(a, "cube row", 0);
    it->ngk = p->nqgroup;
    it->row = MEM_NEW_N(a, value_t, p->ncols + 1);
    stor_segment_t *seg = p->e->seg;
    for (int m = 0; m < p->nmeas; m++) {
        const stor_measure_schema_t *ms = stor_segment_measure(seg, p->scan_meas[m]);
        it->kind[m] = ms->kind;
        it->agg[m] = ms->agg;
    }
    stor_scan_spec_t sp = scan_spec(p);
    if (stor_scan_open(seg, &sp, a, &it->sc, err) < 0)
        return -1;
    if (p->residual && materialize(it, err) < 0)
        return -1;
    *out = it;
    return 0;
}

/* next_group - the next group's codes and cells into cur_*; 0 at the end. */
static int next_group(cube_iter_t *it, err_t *err)
{
    const cube_plan_t *p = it->p;
    if (it->mat) {
        if (it->pos >= it->nrows)
            return 0;
        memcpy(it->cur_codes, it->codes + it->pos * (size_t)it->ngk, sizeof(uint32_t) * (size_t)it->ngk);
        memcpy(it->cur_cells, it->cells + it->pos * (size_t)p->nmeas, sizeof(int64_t) * (size_t)p->nmeas);
        it->pos++;
        return 1;
    }
    while (!it->b || it->bi >= it->b->n) {
        int rc = stor_scan_next(it->sc, &it->b, err);
        if (rc <= 0) {
            it->b = NULL;
            return rc;
        }
        it->bi = 0;
    }
    for (int k = 0; k < it->ngk; k++)
        it->cur_codes[k] = it->b->codes[k][it->bi];
    for (int m = 0; m < p->nmeas; m++)
        it->cur_cells[m] = ((const int64_t *)it->b->meas[m])[it->bi];
    it->bi++;
    return 1;
}

static double cell_f(const cube_iter_t *it, int m)
{
    if (it->kind[m] == STOR_KIND_FLOAT) {
        double d;
        memcpy(&d, &it->cur_cells[m], 8);
        return d;
    }
    return (double)it->cur_cells[m];
}

static int derive_value(cube_iter_t *it, const cube_deriv_t *d, mem_arena_t *a, value_t *out, err_t *err)
{
    *out = value_null();
    if (d->fn == CUBE_Q_COUNT) {
        int64_t s = 0;
        for (int i = 0; i < d->nparts; i++)
            s += d->parts[i].coef * it->cur_cells[d->parts[i].pos];
        *out = value_int(s);
        return 0;
    }
    if (d->fn == CUBE_Q_MIN || d->fn == CUBE_Q_MAX) {
        int m = d->parts[0].pos;
        bool min = d->fn == CUBE_Q_MIN;
        if (it->kind[m] == STOR_KIND_FLOAT) {
            double f = cell_f(it, m);
            if (isinf(f) && ((min && f > 0) || (!min && f < 0)))
                return 0;
            if (d->type == TYPE_NUMERIC)
                out->u.num = numeric_from_double(a, f, 15);
            else
                out->u.f = f;
        } else {
            int64_t x = it->cur_cells[m];
            if (x == (min ? STOR_MIN_NULL_I64 : STOR_MAX_NULL_I64))
                return 0;
            if (d->type == TYPE_NUMERIC)
                out->u.num = numeric_from_scaled(a, x, d->res_scale);
            else
                out->u.i = cube__minmax_value(d->type, x);
        }
        out->isnull = false;
        return 0;
    }
    if (d->count_pos >= 0 && it->cur_cells[d->count_pos] == 0)
        return 0; /* no non-NULL input: sum and avg are NULL */
    if (d->fl) {
        double s = 0;
        for (int i = 0; i < d->nparts; i++) {
            const cube_part_t *pt = &d->parts[i];
            double v = cell_f(it, pt->pos);
            if (it->kind[pt->pos] == STOR_KIND_INT && pt->scale > 0)
                v /= (double)p10[pt->scale];
            s += (double)pt->coef * v;
        }
        if (d->fn == CUBE_Q_AVG)
            s /= (double)it->cur_cells[d->count_pos];
        if (d->type == TYPE_NUMERIC)
            out->u.num = numeric_from_double(a, s, 15);
        else
            out->u.f = s;
        out->isnull = false;
        return 0;
    }
    __int128 s = 0;
    for (int i = 0; i < d->nparts; i++) {
        const cube_part_t *pt = &d->parts[i];
        int shift = d->res_scale - pt->scale;
        s += (__int128)pt->coef * (__int128)it->cur_cells[pt->pos] * (shift > 0 && shift < 19 ? p10[shift] : 1);
    }
    if (d->fn == CUBE_Q_AVG) {
        const type_numeric_t *num = numeric_from_scaled(a, s, d->res_scale);
        const type_numeric_t *cnt = numeric_from_int64(a, it->cur_cells[d->count_pos]);
        if (numeric_div(a, num, cnt, -1, &out->u.num, err) < 0)
            return -1;
    } else if (d->type == TYPE_NUMERIC) {
        out->u.num = numeric_from_scaled(a, s, d->res_scale);
    } else {
        out->u.i = (int64_t)s;
    }
    out->isnull = false;
    return 0;
}

/* produce - the next output row into dst (ncols values; varlen in a). */
static int produce(cube_iter_t *it, mem_arena_t *a, value_t *dst, err_t *err)
{
    const cube_plan_t *p = it->p;
    if (it->done)
        return 0;
    int rc = next_group(it, err);
    if (rc < 0)
        return -1;
    if (rc == 0) {
        it->done = true;
        if (p->ngroup > 0 || p->grouped || it->any)
            return 0;
        /* no GROUP BY and no row passed: one row, as SQL aggregates give */
        for (int i = 0; i < p->naggs; i++)
            dst[i] = p->aggs[i].fn == CUBE_Q_COUNT ? value_int(0) : value_null();
        return 1;
    }
    it->any = true;
    stor_segment_t *seg = p->e->seg;
    for (int i = 0; i < p->ngroup; i++) {
        int k = p->group_pos[i];
        stor_dict_value(stor_segment_dict(seg, p->scan_group[k]), it->cur_codes[k], &dst[i]);
    }
    for (int i = 0; i < p->naggs; i++)
        if (derive_value(it, &p->aggs[i], a, &dst[p->ngroup + i], err) < 0)
            return -1;
    return 1;
}

int cube_iter_next(cube_iter_t *it, const value_t **row, err_t *err)
{
    mem_arena_reset(it->row_a);
    int rc = produce(it, it->row_a, it->row, err);
    if (rc > 0)
        *row = it->row;
    return rc;
}

/* ---- as a relation ---- */

typedef struct rel_impl {
    const cube_plan_t *p;
    exec_relcol_t *cols;
} rel_impl_t;

static int rel_open(const exec_rel_t *rel, mem_arena_t *a, const bool *needed, void **scan, err_t *err)
{
    (void)needed;
    const rel_impl_t *ri = rel->impl;
    cube_iter_t *it;
    if (cube_plan_open(ri->p, a, &it, err) < 0)
        return -1;
    *scan = it;
    return 0;
}

static int rel_next(void *scan, exec_batch_t *out, mem_arena_t *scratch, err_t *err)
{
    cube_iter_t *it = scan;
    int cap = out->nrows, n = 0;
    value_t *tmp = it->row;
    while (n < cap) {
        int rc = produce(it, scratch, tmp, err);
        if (rc < 0)
            return -1;
        if (rc == 0)
            break;
        for (int c = 0; c < out->ncols && c < it->p->ncols; c++)
            out->cols[c][n] = tmp[c];
        n++;
    }
    out->nrows = n;
    return 0;
}

static const exec_scan_ops_t cube_rel_ops = { rel_open, rel_next, NULL };

#define CHEAP_ROWS 100000

/* rows_after_seeks - the cuboid rows inside the scan's key ranges (the seeks
 * are binary searches: microseconds); UINT64_MAX when they depend on the
 * values the statement is executed with, or the scan cannot open */
static uint64_t rows_after_seeks(const cube_plan_t *p)
{
    if (p->nvalues > 0)
        return UINT64_MAX;
    mem_arena_t *a = mem_arena_new(NULL, "cube seeks", 0);
    stor_scan_spec_t sp = scan_spec(p);
    stor_scan_t *sc;
    err_t err = { 0 };
    uint64_t n = stor_scan_open(p->e->seg, &sp, a, &sc, &err) == 0 ? stor_scan_rows_in_ranges(sc) : UINT64_MAX;
    err_clear(&err);
    mem_arena_free(a);
    return n;
}

const exec_rel_t *cube_plan_rel(const cube_plan_t *p, mem_arena_t *a)
{
    exec_rel_t *r = MEM_NEW(a, exec_rel_t);
    rel_impl_t *ri = MEM_NEW(a, rel_impl_t);
    ri->p = p;
    ri->cols = MEM_NEW_N(a, exec_relcol_t, p->ncols + 1);
    for (int i = 0; i < p->ncols; i++)
        ri->cols[i] = (exec_relcol_t){ p->cols[i].name, p->cols[i].type, p->cols[i].typmod, false };
    r->oid = (uint32_t)p->e->cube_id;
    r->schema = p->e->mv->schema;
    r->name = p->cube;
    r->kind = 'm';
    r->ncols = p->ncols;
    r->cols = ri->cols;
    r->est_rows = (double)p->cuboid_rows;
    /* cheap: run on the session's loop thread, not handed to the work pool
     * and back (two thread wake-ups, more than the whole scan of a
     * selective query): a small cuboid, or few rows left after the seeks */
    r->cheap = p->cuboid_rows < CHEAP_ROWS || rows_after_seeks(p) < CHEAP_ROWS;
    r->ops = &cube_rel_ops;
    r->impl = ri;
    return r;
}

/* ---- the view itself ---- */

struct cube_view_iter {
    const cube_view_t *v;
    mem_arena_t *a;
    int set;              /* the grouping set being read */
    int64_t rep;          /* how many times it has been read (a set listed twice is read twice) */
    mem_arena_t *set_a;   /* its scan's memory, freed when it ends */
    cube_iter_t *it;
    value_t *prow;        /* the plan's row */
};

void cube_view_explain(const cube_view_t *v, buf_t *out)
{
    const cube_mv_t *mv = v->e->mv;
    int n = 0, rolled = 0;
    for (int s = 0; s < v->nsets; s++)
        if (!v->sets[s].skip) {
            n++;
            rolled += v->sets[s].plan->cuboid != v->sets[s].mask;
        }
    buf_printf(out, "Segment: %lld\n", (long long)v->e->seg_id);
    if (mv->filter_text)
        buf_printf(out, "Cube Filter: %s (applied by the build)\n", mv->filter_text);
    buf_printf(out, "Grouping Sets: %d of %d", n, v->nsets);
    if (rolled)
        buf_printf(out, " (%d rolled up from a stored superset)", rolled);
    buf_printf(out, "\n");
    /* one line per set read; a large cube lists its first ones */
    int shown = 0;
    for (int s = 0; s < v->nsets; s++) {
        const cube_vset_t *vs = &v->sets[s];
        if (vs->skip)
            continue;
        if (shown++ == 32) {
            buf_printf(out, "  ... %d more\n", n - 32);
            break;
        }
        buf_printf(out, "  (");
        int k = 0;
        for (int d = 0; d < mv->ndims; d++)
            if (vs->mask & (1ull << d))
                buf_printf(out, "%s%s", k++ ? ", " : "", mv->dims[d].name);
        buf_printf(out, ")");
        if (vs->count > 1)
            buf_printf(out, " x%lld", (long long)vs->count);
        buf_printf(out, ": cuboid ");
        const int *rk = cube_def_rowkey(mv->def);
        k = 0;
        for (int i = 0; i < mv->ndims; i++)
            if (vs->plan->cuboid & (1ull << rk[i]))
                buf_printf(out, "%s%s", k++ ? ", " : "", mv->dims[rk[i]].name);
        if (!k)
            buf_printf(out, "(grand total)");
        buf_printf(out, " (%llu rows)", (unsigned long long)vs->plan->cuboid_rows);
        if (vs->plan->nfilters)
            buf_printf(out, " Filter: %s", vs->plan->filter_text);
        buf_printf(out, "\n");
    }
}

int cube_view_open(const cube_view_t *v, mem_arena_t *a, cube_view_iter_t **out, err_t *err)
{
    (void)err;
    cube_view_iter_t *it = MEM_NEW(a, cube_view_iter_t);
    it->v = v;
    it->a = a;
    it->set = -1;
    int w = 1;
    for (int s = 0; s < v->nsets; s++)
        if (v->sets[s].plan->ncols > w)
            w = v->sets[s].plan->ncols;
    it->prow = MEM_NEW_N(a, value_t, w + 1);
    *out = it;
    return 0;
}

int cube_view_next(cube_view_iter_t *it, mem_arena_t *a, value_t *row, err_t *err)
{
    const cube_view_t *v = it->v;
    for (;;) {
        if (!it->it) {
            /* the next read of a set: the same set again, or the next one not skipped */
            if (it->set < 0 || it->rep >= v->sets[it->set].count) {
                do
                    it->set++;
                while (it->set < v->nsets && v->sets[it->set].skip);
                it->rep = 0;
            }
            if (it->set >= v->nsets)
                return 0;
            it->set_a = mem_arena_new(it->a, "view set scan", 0);
            if (cube_plan_open(v->sets[it->set].plan, it->set_a, &it->it, err) < 0)
                return -1;
            it->rep++;
        }
        int rc = produce(it->it, a, it->prow, err);
        if (rc < 0)
            return -1;
        if (rc > 0) {
            const cube_vset_t *vs = &v->sets[it->set];
            for (int i = 0; i < v->ncols; i++)
                row[i] = vs->colmap[i] >= 0 ? it->prow[vs->colmap[i]] : value_null();
            return 1;
        }
        mem_arena_free(it->set_a);
        it->set_a = NULL;
        it->it = NULL;
    }
}
