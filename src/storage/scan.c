/*
 * scan.c - cuboid scans: key-range seeks, code filters, rollup.
 *
 * Planning (stor_scan_open) turns the filters into a list of row ranges by
 * recursive binary search over the sorted code columns: at sort position p
 * the current row range has one fixed code for every earlier position, so
 * column p is sorted inside it and each wanted code (or code interval) is a
 * sub-range. Descending further needs the range split per code present, so
 * we only descend while a later position is filtered, the range is big
 * enough to be worth it and a budget of seeks is left; every range records
 * how many leading positions it resolved exactly ("exact"), and the row loop
 * tests bitmaps only for filtered positions at or past that. A position with
 * no filter may still be descended (a skip-scan) when its few codes are far
 * fewer than the rows, which is what lets `WHERE p_category = x` use a
 * cuboid sorted (p_mfgr, p_category, ...).
 *
 * Execution walks the ranges in chunks of batch_rows that never cross a
 * block of the cuboid file, decodes the columns it needs for the chunk's rows
 * only (each encoding decodes from any row: a bit offset or a run found by
 * binary search), builds a selection vector with the remaining filters,
 * then either gathers the selected rows
 * into the batch (no rollup: rows stay in sorted order) or merges them into
 * the rollup state: a dense array indexed by the mixed-radix group key when
 * that is small relative to the rows read, else an open-addressing hash on
 * the same key; groups are then emitted sorted by key, i.e. by the group
 * codes in the order the caller listed them.
 */
#include "storage/scan.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "storage_int.h"

#define SEEK_BUDGET 8192   /* binary searches one scan may plan */
#define SEEK_MIN_ROWS 64   /* below this a range is scanned, not split */
#define DENSE_MAX_CELLS (1u << 22)

typedef struct range {
    uint64_t lo, hi;
    int exact; /* sort positions < exact are resolved by the range */
} range_t;

struct stor_scan {
    mem_arena_t *a;
    stor_segment_t *seg;
    const stor_cuboid_t *c;
    uint32_t batch_rows;
    /* per sort position: filter bitmap (NULL = no filter), its ranges */
    const uint64_t *bitmap[STOR_MAX_DIMS];
    const stor_filter_t *filt[STOR_MAX_DIMS];
    int last_filtered; /* highest filtered sort position, -1 none */
    bool none;         /* a filter with no ranges: nothing passes */
    /* output */
    int ngroup, gpos[STOR_MAX_DIMS];
    int nmeas, *meas;
    stor_kind_t *mkind;
    stor_agg_t *magg;
    bool rollup;
    /* ranges */
    range_t *ranges;
    uint32_t nranges, cap_ranges, cur;
    uint64_t row, rows_in_ranges, touched;
    int budget;
    /* the current chunk: rows [chunk_lo, chunk_hi) of block chunk_blk */
    const unsigned char *chunk_blk;
    uint32_t chunk_lo, chunk_hi;
    uint64_t chunk_no;               /* stamps of the decoded columns */
    uint32_t *dec[STOR_MAX_DIMS];    /* decoded codes per sort position */
    uint64_t dec_no[STOR_MAX_DIMS];
    uint64_t **mdec;                 /* decoded cells per output measure */
    /* batch buffers */
    uint32_t *sel;
    uint32_t **codes;
    void **mbuf;
    stor_batch_t batch;
    /* rollup result, emitted after all ranges are consumed */
    bool aggregated;
    uint64_t ngroups, emitted;
    uint32_t **gcodes;
    void **gmeas;
};

/* lower - first row in [lo, hi) whose code at sort position pos is >= code. */
static uint64_t lower(const stor_cuboid_t *c, int pos, uint64_t lo, uint64_t hi, uint32_t code)
{
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (storage__code(c, pos, mid) < code)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void add_range(stor_scan_t *sc, uint64_t lo, uint64_t hi, int exact)
{
    if (lo >= hi)
        return;
    if (sc->nranges > 0) {
        /* Adjacent ranges with the same exactness merge, keeping the list short. */
        range_t *last = &sc->ranges[sc->nranges - 1];
        if (last->hi == lo && last->exact == exact) {
            last->hi = hi;
            sc->rows_in_ranges += hi - lo;
            return;
        }
    }
    if (sc->nranges == sc->cap_ranges) {
        uint32_t ncap = sc->cap_ranges ? 2 * sc->cap_ranges : 16;
        range_t *nr = mem_alloc(sc->a, ncap * sizeof *nr);
        if (sc->nranges)
            memcpy(nr, sc->ranges, sc->nranges * sizeof *nr);
        sc->ranges = nr;
        sc->cap_ranges = ncap;
    }
    sc->ranges[sc->nranges++] = (range_t){lo, hi, exact};
    sc->rows_in_ranges += hi - lo;
}

/* seek - plans rows [lo, hi), whose codes at positions < pos are fixed. */
static void seek(stor_scan_t *sc, uint64_t lo, uint64_t hi, int pos)
{
    if (lo >= hi)
        return;
    const stor_cuboid_t *c = sc->c;
    if (pos > sc->last_filtered || hi - lo < SEEK_MIN_ROWS || sc->budget <= 0) {
        add_range(sc, lo, hi, pos);
        return;
    }
    const stor_filter_t *f = sc->filt[pos];
    uint32_t first = storage__code(c, pos, lo), last = storage__code(c, pos, hi - 1);
    if (!f) {
        /* Skip-scan only when the codes present are few compared with rows. */
        if ((uint64_t)(last - first + 1) * 16 > hi - lo || pos == sc->last_filtered) {
            add_range(sc, lo, hi, pos);
            return;
        }
        uint64_t a = lo;
        while (a < hi && sc->budget > 0) {
            uint32_t code = storage__code(c, pos, a);
            uint64_t b = lower(c, pos, a, hi, code + 1);
            sc->budget--;
            seek(sc, a, b, pos + 1);
            a = b;
        }
        if (a < hi)
            add_range(sc, a, hi, pos);
        return;
    }
    bool descend = pos < sc->last_filtered;
    for (uint32_t r = 0; r < f->n; r++) {
        uint32_t flo = f->ranges[r].lo, fhi = f->ranges[r].hi;
        if (fhi < first || flo > last)
            continue;
        uint64_t a = flo <= first ? lo : lower(c, pos, lo, hi, flo);
        uint64_t b = fhi >= last ? hi : lower(c, pos, a, hi, fhi + 1);
        sc->budget -= 2;
        if (a >= b)
            continue;
        if (!descend || sc->budget <= 0 || b - a < SEEK_MIN_ROWS) {
            add_range(sc, a, b, pos + 1);
            continue;
        }
        /* Split per code present so position pos + 1 is sorted in each part. */
        while (a < b) {
            uint32_t code = storage__code(c, pos, a);
            uint64_t e = lower(c, pos, a, b, code + 1);
            sc->budget--;
            seek(sc, a, e, pos + 1);
            a = e;
        }
    }
}

static uint64_t *make_bitmap(mem_arena_t *a, const stor_filter_t *f, uint32_t ncodes)
{
    /* Sized to the dimension's code space at least: decoded codes are
     * clamped below it (storage_int.h), so every one indexes inside. */
    uint64_t bits = ncodes;
    for (uint32_t r = 0; r < f->n; r++)
        if ((uint64_t)f->ranges[r].hi + 1 > bits)
            bits = (uint64_t)f->ranges[r].hi + 1;
    bits = (bits + 63) & ~63ULL;
    uint64_t *bm = mem_alloc0(a, bits / 8 + 8);
    for (uint32_t r = 0; r < f->n; r++)
        for (uint64_t x = f->ranges[r].lo; x <= f->ranges[r].hi && x < bits; x++)
            bm[x >> 6] |= 1ULL << (x & 63);
    return bm;
}

/* derive_filters - adds the filters functional dependencies imply: a filter
 * on a child (c_city) restricts its parent (c_nation) to the parents of the
 * allowed children. Only parents sorted before their child are worth it
 * (they let the seek descend); repeated so chains (city -> nation ->
 * region) resolve. Implied filters never change the rows that pass. */
static int derive_filters(stor_scan_t *sc, stor_segment_t *seg, const int *pos_of, err_t *err)
{
    int nfds = stor_segment_nfds(seg);
    if (nfds == 0 || sc->none)
        return 0;
    bool *done = mem_alloc0(sc->a, (size_t)nfds);
    for (int round = 0, changed = 1; changed && round < STOR_MAX_DIMS; round++) {
        changed = 0;
        for (int i = 0; i < nfds; i++) {
            const stor_fd_t *fd = stor_segment_fd(seg, i);
            int pc = pos_of[fd->child], pp = pos_of[fd->parent];
            if (done[i] || pc < 0 || pp < 0 || pp > pc || !sc->filt[pc])
                continue;
            const stor_filter_t *cf = sc->filt[pc];
            uint64_t total = 0;
            for (uint32_t r = 0; r < cf->n; r++)
                total += (uint64_t)cf->ranges[r].hi - cf->ranges[r].lo + 1;
            if (total > (1u << 20))
                continue;
            done[i] = true;
            uint32_t pn = stor_dict_ncodes(stor_segment_dict(seg, fd->parent));
            uint64_t *bm = mem_alloc0(sc->a, (pn + 63) / 64 * 8 + 8);
            for (uint32_t r = 0; r < cf->n; r++)
                for (uint64_t c = cf->ranges[r].lo; c <= cf->ranges[r].hi && c < fd->n; c++) {
                    uint32_t p = fd->parent_code[c];
                    bm[p >> 6] |= 1ULL << (p & 63);
                }
            const stor_filter_t *old = sc->filt[pp];
            if (old) {
                uint64_t *keep = mem_alloc0(sc->a, (pn + 63) / 64 * 8 + 8);
                for (uint32_t r = 0; r < old->n; r++)
                    for (uint64_t c = old->ranges[r].lo; c <= old->ranges[r].hi && c < pn; c++)
                        keep[c >> 6] |= 1ULL << (c & 63);
                for (uint32_t w = 0; w < (pn + 63) / 64; w++)
                    bm[w] &= keep[w];
            }
            uint32_t nr = 0, cap = 16;
            stor_code_range_t *rg = mem_alloc(sc->a, cap * sizeof *rg);
            for (uint32_t c = 0; c < pn;) {
                if (!(bm[c >> 6] >> (c & 63) & 1)) {
                    c++;
                    continue;
                }
                uint32_t e = c;
                while (e + 1 < pn && (bm[(e + 1) >> 6] >> ((e + 1) & 63) & 1))
                    e++;
                if (nr == cap) {
                    stor_code_range_t *n2 = mem_alloc(sc->a, 2 * cap * sizeof *rg);
                    memcpy(n2, rg, cap * sizeof *rg);
                    rg = n2;
                    cap *= 2;
                }
                rg[nr++] = (stor_code_range_t){c, e};
                c = e + 1;
            }
            stor_filter_t *nf = MEM_NEW(sc->a, stor_filter_t);
            nf->dim = fd->parent;
            nf->n = nr;
            nf->ranges = rg;
            sc->filt[pp] = nf;
            sc->none |= nr == 0;
            if (pp > sc->last_filtered)
                sc->last_filtered = pp;
            changed = 1;
        }
    }
    (void)err;
    return 0;
}

int stor_scan_open(stor_segment_t *seg, const stor_scan_spec_t *spec, mem_arena_t *a,
                   stor_scan_t **out, err_t *err)
{
    *out = NULL;
    const stor_cuboid_t *c;
    if (stor_segment_cuboid(seg, spec->cuboid, &c, err) < 0)
        return -1;
    stor_scan_t *sc = MEM_NEW(a, stor_scan_t);
    sc->a = a;
    sc->seg = seg;
    sc->c = c;
    sc->batch_rows = spec->batch_rows ? spec->batch_rows : 2048;
    sc->last_filtered = -1;
    sc->budget = SEEK_BUDGET;
    int pos_of[STOR_MAX_DIMS];
    for (int d = 0; d < STOR_MAX_DIMS; d++)
        pos_of[d] = -1;
    for (int k = 0; k < c->ndims; k++)
        pos_of[c->dims[k]] = k;
    for (int i = 0; i < spec->nfilters; i++) {
        const stor_filter_t *f = &spec->filters[i];
        if (f->dim < 0 || f->dim >= STOR_MAX_DIMS || pos_of[f->dim] < 0)
            return err_set(err, ERRCODE_INVALID_COLUMN_REFERENCE,
                           "filter on dimension %d, which cuboid %llx does not have", f->dim,
                           (unsigned long long)c->id);
        int p = pos_of[f->dim];
        if (sc->filt[p])
            return err_set(err, ERRCODE_INTERNAL_ERROR, "two filters on dimension %d", f->dim);
        for (uint32_t r = 0; r < f->n; r++)
            if (f->ranges[r].lo > f->ranges[r].hi || (r && f->ranges[r].lo <= f->ranges[r - 1].hi))
                return err_set(err, ERRCODE_INTERNAL_ERROR, "filter ranges on dimension %d are not sorted and disjoint", f->dim);
        sc->filt[p] = f;
        sc->none |= f->n == 0;
        if (p > sc->last_filtered)
            sc->last_filtered = p;
    }
    if (derive_filters(sc, seg, pos_of, err) < 0)
        return -1;
    sc->ngroup = spec->ngroup;
    bool identity = spec->ngroup == c->ndims;
    for (int k = 0; k < spec->ngroup; k++) {
        int d = spec->group[k];
        if (d < 0 || d >= STOR_MAX_DIMS || pos_of[d] < 0)
            return err_set(err, ERRCODE_INVALID_COLUMN_REFERENCE,
                           "group by dimension %d, which cuboid %llx does not have", d,
                           (unsigned long long)c->id);
        sc->gpos[k] = pos_of[d];
        identity &= sc->gpos[k] == k;
    }
    sc->rollup = !identity;
    sc->nmeas = spec->nmeasures;
    sc->meas = MEM_NEW_N(a, int, spec->nmeasures + 1);
    sc->mkind = MEM_NEW_N(a, stor_kind_t, spec->nmeasures + 1);
    sc->magg = MEM_NEW_N(a, stor_agg_t, spec->nmeasures + 1);
    for (int m = 0; m < spec->nmeasures; m++) {
        int mi = spec->measures[m];
        if (mi < 0 || mi >= stor_segment_nmeasures(seg))
            return err_set(err, ERRCODE_INVALID_COLUMN_REFERENCE, "no measure %d in this segment", mi);
        sc->meas[m] = mi;
        sc->mkind[m] = stor_segment_measure(seg, mi)->kind;
        sc->magg[m] = stor_segment_measure(seg, mi)->agg;
    }
    sc->sel = mem_alloc(a, sc->batch_rows * sizeof(uint32_t));
    sc->mdec = MEM_NEW_N(a, uint64_t *, sc->nmeas + 1);
    for (int m = 0; m < sc->nmeas; m++)
        sc->mdec[m] = mem_alloc(a, sc->batch_rows * 8);
    sc->codes = MEM_NEW_N(a, uint32_t *, sc->ngroup + 1);
    sc->mbuf = MEM_NEW_N(a, void *, sc->nmeas + 1);
    if (!sc->rollup) {
        for (int k = 0; k < sc->ngroup; k++)
            sc->codes[k] = mem_alloc(a, sc->batch_rows * sizeof(uint32_t));
        for (int m = 0; m < sc->nmeas; m++)
            sc->mbuf[m] = mem_alloc(a, sc->batch_rows * 8);
    }
    sc->batch.codes = (const uint32_t *const *)sc->codes;
    sc->batch.meas = (const void *const *)sc->mbuf;
    if (!sc->none) {
        for (int p = 0; p < c->ndims; p++)
            if (sc->filt[p])
                sc->bitmap[p] = make_bitmap(a, sc->filt[p], c->ncodes[p]);
        seek(sc, 0, c->nrows, 0);
    }
    if (sc->nranges)
        sc->row = sc->ranges[0].lo;
    *out = sc;
    return 0;
}

uint64_t stor_scan_rows_touched(const stor_scan_t *sc) { return sc->touched; }
uint32_t stor_scan_ranges(const stor_scan_t *sc) { return sc->nranges; }
uint64_t stor_scan_rows_in_ranges(const stor_scan_t *sc) { return sc->rows_in_ranges; }

/* chunk_codes - the codes of sort position pos for the current chunk,
 * decoded once per chunk. */
static const uint32_t *chunk_codes(stor_scan_t *sc, int pos)
{
    if (sc->dec_no[pos] != sc->chunk_no) {
        if (!sc->dec[pos])
            sc->dec[pos] = mem_alloc(sc->a, sc->batch_rows * sizeof(uint32_t));
        storage__block_codes(sc->chunk_blk, pos, sc->chunk_lo, sc->chunk_hi, sc->dec[pos]);
        sc->dec_no[pos] = sc->chunk_no;
    }
    return sc->dec[pos];
}

/* chunk_meas - output measure m's cells for the current chunk. */
static const uint64_t *chunk_meas(stor_scan_t *sc, int m)
{
    storage__block_meas(sc->chunk_blk, sc->c->ndims + sc->meas[m], sc->chunk_lo, sc->chunk_hi, sc->mdec[m]);
    return sc->mdec[m];
}

/* next_chunk - selects the passing rows of the next chunk into sc->sel
 * (as offsets from the chunk's first row); returns the count, or -1 when
 * the ranges are done. */
static int64_t next_chunk(stor_scan_t *sc)
{
    const stor_cuboid_t *c = sc->c;
    while (sc->cur < sc->nranges) {
        range_t *r = &sc->ranges[sc->cur];
        if (sc->row >= r->hi) {
            if (++sc->cur < sc->nranges)
                sc->row = sc->ranges[sc->cur].lo;
            continue;
        }
        uint64_t lo = sc->row, hi = r->hi;
        uint64_t blk = lo >> c->block_shift, blk_end = (blk + 1) << c->block_shift;
        if (hi - lo > sc->batch_rows)
            hi = lo + sc->batch_rows;
        if (hi > blk_end)
            hi = blk_end;
        sc->row = hi;
        sc->touched += hi - lo;
        sc->chunk_blk = c->blocks[blk];
        sc->chunk_lo = (uint32_t)(lo - (blk << c->block_shift));
        sc->chunk_hi = (uint32_t)(hi - (blk << c->block_shift));
        sc->chunk_no++;
        uint32_t n = (uint32_t)(hi - lo);
        bool first = true;
        for (int p = r->exact; p <= sc->last_filtered; p++) {
            const uint64_t *bm = sc->bitmap[p];
            if (!bm)
                continue;
            const uint32_t *cc = chunk_codes(sc, p);
            uint32_t k = 0;
            if (first) {
                for (uint32_t i = 0; i < n; i++) {
                    uint32_t v = cc[i];
                    sc->sel[k] = i;
                    k += (uint32_t)(bm[v >> 6] >> (v & 63)) & 1;
                }
            } else {
                for (uint32_t j = 0; j < n; j++) {
                    uint32_t i = sc->sel[j], v = cc[i];
                    sc->sel[k] = i;
                    k += (uint32_t)(bm[v >> 6] >> (v & 63)) & 1;
                }
            }
            n = k;
            first = false;
            if (n == 0)
                break;
        }
        if (first)
            for (uint32_t i = 0; i < n; i++)
                sc->sel[i] = i;
        return n;
    }
    return -1;
}

static void gather_codes(uint32_t *dst, const uint32_t *cc, const uint32_t *sel, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        dst[i] = cc[sel[i]];
}

/* ---- rollup ---- */

typedef struct rollup {
    uint64_t stride[STOR_MAX_DIMS];
    uint64_t cells;   /* product of the group code spaces (0: overflow) */
    bool dense;
    /* dense: state per cell, occupancy bitmap; hash: slots -> group index */
    uint64_t *occ;
    uint64_t *keys;   /* hash: key per group */
    uint32_t *slots;  /* hash: group index + 1, 0 empty */
    uint64_t mask;
    uint64_t ngroups, cap;
    void **state;     /* [nmeas] arrays of cells (dense) or cap (hash) */
    uint64_t *cellv;  /* per selected row: its cell / group */
} rollup_t;

static void init_state(void *arr, stor_kind_t k, stor_agg_t g, uint64_t from, uint64_t to)
{
    if (k == STOR_KIND_INT) {
        int64_t v = g == STOR_AGG_MIN ? STOR_MIN_NULL_I64 : g == STOR_AGG_MAX ? STOR_MAX_NULL_I64 : 0;
        int64_t *x = arr;
        for (uint64_t i = from; i < to; i++)
            x[i] = v;
    } else {
        double v = g == STOR_AGG_MIN ? HUGE_VAL : g == STOR_AGG_MAX ? -HUGE_VAL : 0.0;
        double *x = arr;
        for (uint64_t i = from; i < to; i++)
            x[i] = v;
    }
}

/* merge_rows - returns true when an integer sum left the int64 range (the
 * build checked every cuboid it computed, but a rollup over a cuboid can
 * add up to more than any one of them holds). */
static bool merge_rows(void *state, const void *col, stor_kind_t k, stor_agg_t g, const uint32_t *sel,
                       const uint64_t *cell, uint32_t n)
{
    bool ovf = false;
    if (k == STOR_KIND_INT) {
        int64_t *s = state;
        const int64_t *v = col;
        switch (g) {
        case STOR_AGG_SUM: case STOR_AGG_COUNT:
            for (uint32_t i = 0; i < n; i++)
                ovf |= __builtin_add_overflow(s[cell[i]], v[sel[i]], &s[cell[i]]);
            break;
        case STOR_AGG_MIN:
            for (uint32_t i = 0; i < n; i++)
                if (v[sel[i]] < s[cell[i]])
                    s[cell[i]] = v[sel[i]];
            break;
        case STOR_AGG_MAX:
            for (uint32_t i = 0; i < n; i++)
                if (v[sel[i]] > s[cell[i]])
                    s[cell[i]] = v[sel[i]];
            break;
        }
    } else {
        double *s = state;
        const double *v = col;
        switch (g) {
        case STOR_AGG_SUM: case STOR_AGG_COUNT:
            for (uint32_t i = 0; i < n; i++)
                s[cell[i]] += v[sel[i]];
            break;
        case STOR_AGG_MIN:
            for (uint32_t i = 0; i < n; i++)
                if (v[sel[i]] < s[cell[i]])
                    s[cell[i]] = v[sel[i]];
            break;
        case STOR_AGG_MAX:
            for (uint32_t i = 0; i < n; i++)
                if (v[sel[i]] > s[cell[i]])
                    s[cell[i]] = v[sel[i]];
            break;
        }
    }
    return ovf;
}

static inline uint64_t hash64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x;
}

static void hash_grow(stor_scan_t *sc, rollup_t *ru)
{
    uint64_t ncap = ru->cap * 2;
    uint64_t *keys = mem_alloc(sc->a, ncap * 8);
    memcpy(keys, ru->keys, ru->ngroups * 8);
    ru->keys = keys;
    for (int m = 0; m < sc->nmeas; m++) {
        void *ns = mem_alloc(sc->a, ncap * 8);
        memcpy(ns, ru->state[m], ru->ngroups * 8);
        init_state(ns, sc->mkind[m], sc->magg[m], ru->ngroups, ncap);
        ru->state[m] = ns;
    }
    uint64_t nslots = ncap * 2;
    ru->slots = mem_alloc0(sc->a, nslots * sizeof *ru->slots);
    ru->mask = nslots - 1;
    for (uint64_t g = 0; g < ru->ngroups; g++) {
        uint64_t h = hash64(ru->keys[g]) & ru->mask;
        while (ru->slots[h])
            h = (h + 1) & ru->mask;
        ru->slots[h] = (uint32_t)(g + 1);
    }
    ru->cap = ncap;
}

/* sort_pairs - (key, value) pairs ascending by key (keys distinct):
 * insertion-sorted runs, then bottom-up merges through tmp, the compare
 * inline (qsort called a comparator per comparison: a twentieth of an SSB
 * query that groups 800 rows) */
#define PAIR_RUN 16
static void sort_pairs(uint64_t *a, uint64_t *tmp, uint64_t n)
{
    for (uint64_t lo = 0; lo < n; lo += PAIR_RUN) {
        uint64_t hi = n - lo < PAIR_RUN ? n : lo + PAIR_RUN;
        for (uint64_t i = lo + 1; i < hi; i++) {
            uint64_t k = a[2 * i], v = a[2 * i + 1], j = i;
            for (; j > lo && a[2 * (j - 1)] > k; j--) {
                a[2 * j] = a[2 * (j - 1)];
                a[2 * j + 1] = a[2 * (j - 1) + 1];
            }
            a[2 * j] = k;
            a[2 * j + 1] = v;
        }
    }
    uint64_t *src = a, *dst = tmp;
    for (uint64_t w = PAIR_RUN; w < n; w *= 2) {
        for (uint64_t lo = 0; lo < n; lo += 2 * w) {
            uint64_t mid = n - lo < w ? n : lo + w, hi = n - lo < 2 * w ? n : lo + 2 * w, i = lo, j = mid, o = lo;
            while (i < mid && j < hi) {
                uint64_t s = src[2 * j] < src[2 * i] ? j++ : i++;
                dst[2 * o] = src[2 * s];
                dst[2 * o + 1] = src[2 * s + 1];
                o++;
            }
            memcpy(dst + 2 * o, src + 2 * i, (mid - i) * 16);
            o += mid - i;
            memcpy(dst + 2 * o, src + 2 * j, (hi - j) * 16);
        }
        uint64_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != a)
        memcpy(a, src, n * 16);
}

static int aggregate(stor_scan_t *sc, err_t *err)
{
    const stor_cuboid_t *c = sc->c;
    rollup_t ru;
    memset(&ru, 0, sizeof ru);
    /* Mixed radix over the group's code spaces (from the dictionaries),
     * first group dim most significant, so key order is the requested
     * output order. */
    uint64_t cells = 1, span[STOR_MAX_DIMS];
    for (int k = sc->ngroup - 1; k >= 0; k--) {
        span[k] = stor_dict_ncodes(stor_segment_dict(sc->seg, c->dims[sc->gpos[k]]));
        if (span[k] == 0)
            span[k] = 1;
        ru.stride[k] = cells;
        if (cells > UINT64_MAX / span[k])
            return err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED,
                           "rollup over %d dimensions with this many distinct values is not supported yet",
                           sc->ngroup);
        cells *= span[k];
    }
    ru.cells = cells;
    uint64_t limit = sc->rows_in_ranges * 4 + 4096;
    ru.dense = cells <= DENSE_MAX_CELLS && cells <= limit;
    ru.state = MEM_NEW_N(sc->a, void *, sc->nmeas + 1);
    if (ru.dense) {
        for (int m = 0; m < sc->nmeas; m++) {
            ru.state[m] = mem_alloc(sc->a, cells * 8);
            init_state(ru.state[m], sc->mkind[m], sc->magg[m], 0, cells);
        }
        ru.occ = mem_alloc0(sc->a, (cells + 63) / 64 * 8 + 8);
    } else {
        ru.cap = 1024;
        while (ru.cap < sc->rows_in_ranges && ru.cap < (1u << 20))
            ru.cap *= 2;
        ru.keys = mem_alloc(sc->a, ru.cap * 8);
        for (int m = 0; m < sc->nmeas; m++) {
            ru.state[m] = mem_alloc(sc->a, ru.cap * 8);
            init_state(ru.state[m], sc->mkind[m], sc->magg[m], 0, ru.cap);
        }
        ru.slots = mem_alloc0(sc->a, ru.cap * 2 * sizeof *ru.slots);
        ru.mask = ru.cap * 2 - 1;
    }
    ru.cellv = mem_alloc(sc->a, sc->batch_rows * 8);
    uint32_t *tmp = mem_alloc(sc->a, sc->batch_rows * 4);
    int64_t n;
    while ((n = next_chunk(sc)) >= 0) {
        if (n == 0)
            continue;
        for (uint32_t i = 0; i < n; i++)
            ru.cellv[i] = 0;
        for (int k = 0; k < sc->ngroup; k++) {
            int p = sc->gpos[k];
            gather_codes(tmp, chunk_codes(sc, p), sc->sel, (uint32_t)n);
            uint64_t st = ru.stride[k];
            uint64_t sp = span[k];
            bool bad = false;
            for (uint32_t i = 0; i < n; i++) {
                bad |= tmp[i] >= sp;
                ru.cellv[i] += tmp[i] * st;
            }
            if (bad)
                return err_set(err, ERRCODE_DATA_CORRUPTED,
                               "cuboid %llx of segment \"%s\" holds a code outside its dictionary",
                               (unsigned long long)c->id, stor_segment_dir(sc->seg));
        }
        if (ru.dense) {
            for (uint32_t i = 0; i < n; i++)
                ru.occ[ru.cellv[i] >> 6] |= 1ULL << (ru.cellv[i] & 63);
        } else {
            for (uint32_t i = 0; i < n; i++) {
                uint64_t key = ru.cellv[i], h = hash64(key) & ru.mask;
                uint32_t s;
                while ((s = ru.slots[h]) != 0 && ru.keys[s - 1] != key)
                    h = (h + 1) & ru.mask;
                if (!s) {
                    if (ru.ngroups == ru.cap) {
                        hash_grow(sc, &ru);
                        h = hash64(key) & ru.mask;
                        while (ru.slots[h])
                            h = (h + 1) & ru.mask;
                    }
                    ru.keys[ru.ngroups] = key;
                    s = (uint32_t)++ru.ngroups;
                    ru.slots[h] = s;
                }
                ru.cellv[i] = s - 1;
            }
        }
        for (int m = 0; m < sc->nmeas; m++)
            if (merge_rows(ru.state[m], chunk_meas(sc, m), sc->mkind[m], sc->magg[m], sc->sel, ru.cellv,
                           (uint32_t)n))
                return err_set(err, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, "bigint out of range");
    }
    /* Materialize the groups sorted by key. */
    uint64_t ng = 0;
    uint64_t *order; /* pairs (key, state index) */
    if (ru.dense) {
        for (uint64_t w = 0; w < (cells + 63) / 64; w++)
            ng += (uint64_t)__builtin_popcountll(ru.occ[w]);
        order = mem_alloc(sc->a, ng * 16 + 16);
        uint64_t j = 0;
        for (uint64_t w = 0; w < (cells + 63) / 64; w++) {
            uint64_t bits = ru.occ[w];
            while (bits) {
                uint64_t cell = w * 64 + (uint64_t)__builtin_ctzll(bits);
                bits &= bits - 1;
                order[2 * j] = cell;
                order[2 * j + 1] = cell;
                j++;
            }
        }
    } else {
        ng = ru.ngroups;
        order = mem_alloc(sc->a, ng * 16 + 16);
        for (uint64_t g = 0; g < ng; g++) {
            order[2 * g] = ru.keys[g];
            order[2 * g + 1] = g;
        }
        sort_pairs(order, mem_alloc(sc->a, ng * 16 + 16), ng);
    }
    sc->ngroups = ng;
    sc->gcodes = MEM_NEW_N(sc->a, uint32_t *, sc->ngroup + 1);
    sc->gmeas = MEM_NEW_N(sc->a, void *, sc->nmeas + 1);
    for (int k = 0; k < sc->ngroup; k++) {
        uint32_t *gc = mem_alloc(sc->a, ng * 4 + 4);
        uint64_t st = ru.stride[k], sp = span[k];
        for (uint64_t g = 0; g < ng; g++)
            gc[g] = (uint32_t)((order[2 * g] / st) % sp);
        sc->gcodes[k] = gc;
    }
    for (int m = 0; m < sc->nmeas; m++) {
        uint64_t *gm = mem_alloc(sc->a, ng * 8 + 8);
        const uint64_t *st = ru.state[m];
        for (uint64_t g = 0; g < ng; g++)
            gm[g] = st[order[2 * g + 1]];
        sc->gmeas[m] = gm;
    }
    sc->aggregated = true;
    return 0;
}

int stor_scan_next(stor_scan_t *sc, const stor_batch_t **out, err_t *err)
{
    *out = NULL;
    if (sc->rollup) {
        if (!sc->aggregated && aggregate(sc, err) < 0)
            return -1;
        if (sc->emitted >= sc->ngroups)
            return 0;
        uint64_t n = sc->ngroups - sc->emitted;
        if (n > sc->batch_rows)
            n = sc->batch_rows;
        for (int k = 0; k < sc->ngroup; k++)
            sc->codes[k] = sc->gcodes[k] + sc->emitted;
        for (int m = 0; m < sc->nmeas; m++)
            sc->mbuf[m] = (uint64_t *)sc->gmeas[m] + sc->emitted;
        sc->emitted += n;
        sc->batch.n = (uint32_t)n;
        *out = &sc->batch;
        return 1;
    }
    int64_t n;
    while ((n = next_chunk(sc)) >= 0) {
        if (n == 0)
            continue;
        for (int k = 0; k < sc->ngroup; k++)
            gather_codes(sc->codes[k], chunk_codes(sc, sc->gpos[k]), sc->sel, (uint32_t)n);
        for (int m = 0; m < sc->nmeas; m++) {
            const uint64_t *col = chunk_meas(sc, m);
            uint64_t *dst = sc->mbuf[m];
            for (uint32_t i = 0; i < n; i++)
                dst[i] = col[sc->sel[i]];
        }
        sc->batch.n = (uint32_t)n;
        *out = &sc->batch;
        return 1;
    }
    return 0;
}
