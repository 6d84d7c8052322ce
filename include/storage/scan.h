/*
 * scan.h - reading one cuboid of an open segment in column batches, with
 * code filters and an optional rollup to fewer dimensions.
 *
 * The engine translates value predicates into code sets with the segment's
 * dictionaries (storage/dict.h: find / lower_bound / upper_bound), then scans:
 *
 *   stor_filter_t f = { .dim = d_year, .n = 1, .ranges = &(stor_code_range_t){lo, hi} };
 *   stor_scan_spec_t sp = { .cuboid = id, .nfilters = 1, .filters = &f,
 *                           .ngroup = 2, .group = (int[]){d_year, p_brand},
 *                           .nmeasures = 1, .measures = (int[]){rev} };
 *   stor_scan_open(seg, &sp, arena, &sc, &err);
 *   while ((rc = stor_scan_next(sc, &b, &err)) > 0) ... b->codes[k][i], b->meas[m][i]
 *
 * Filters: per dimension a sorted list of disjoint inclusive code ranges; a
 * row passes when every filtered dimension's code is in its ranges. Filters
 * on leading dimensions of the cuboid's sort order (and on later ones while
 * the earlier are pinned to few codes) become key-range seeks by binary
 * search, so a selective query touches only the rows it needs; the other
 * filters are tested per row with a bitmap.
 *
 * Rollup: `group` lists the dimensions to output (a subset of the cuboid's,
 * any order). When they are the cuboid's dimensions the rows come out as
 * stored (sorted); otherwise rows are merged per group (SUM and COUNT add,
 * MIN/MAX keep the extreme), in a dense array when the product of the group
 * dimensions' code spaces is small, else a hash table, and come out sorted by
 * the group codes in `group` order. ngroup 0 gives one row (the grand total;
 * none when no row passes).
 *
 * Memory comes from the arena given to stor_scan_open, which must outlive
 * the scan; batches stay valid until the next stor_scan_next. A scan is used
 * by one thread; many scans may share a segment.
 */
#ifndef STORAGE_SCAN_H
#define STORAGE_SCAN_H

#include <stdint.h>

#include "common/err.h"
#include "common/mem.h"
#include "storage/segment.h"

typedef struct stor_code_range {
    uint32_t lo, hi; /* inclusive */
} stor_code_range_t;

typedef struct stor_filter {
    int dim;                        /* segment dimension index */
    uint32_t n;                     /* 0 ranges: no row passes */
    const stor_code_range_t *ranges; /* sorted, disjoint */
} stor_filter_t;

typedef struct stor_scan_spec {
    uint64_t cuboid;
    int nfilters;
    const stor_filter_t *filters;  /* dims must be in the cuboid, each at most once */
    int ngroup;
    const int *group;              /* output dimensions (segment indexes) */
    int nmeasures;
    const int *measures;           /* output measures (segment indexes) */
    uint32_t batch_rows;           /* rows per batch; 0 means 2048 */
} stor_scan_spec_t;

typedef struct stor_batch {
    uint32_t n;
    const uint32_t *const *codes;  /* [ngroup] code arrays */
    const void *const *meas;       /* [nmeasures] int64_t or double arrays (measure's kind) */
} stor_batch_t;

typedef struct stor_scan stor_scan_t;

/* stor_scan_open - validates the spec against the cuboid (42P10/XX000 on a
 * bad one) and plans the seeks. Opens the cuboid file on first use. */
int stor_scan_open(stor_segment_t *seg, const stor_scan_spec_t *spec, mem_arena_t *a,
                   stor_scan_t **out, err_t *err);
/* stor_scan_next - 1 with a batch in *out, 0 at the end, -1 on error. */
int stor_scan_next(stor_scan_t *sc, const stor_batch_t **out, err_t *err);
/* stor_scan_rows_touched - cuboid rows read so far (after seeks), for
 * EXPLAIN ANALYZE and tests. */
uint64_t stor_scan_rows_touched(const stor_scan_t *sc);
/* stor_scan_ranges - number of key ranges the seeks produced. */
uint32_t stor_scan_ranges(const stor_scan_t *sc);
/* stor_scan_rows_in_ranges - cuboid rows inside those ranges: what the scan
 * will read at most, known once it is open (before any row is read). */
uint64_t stor_scan_rows_in_ranges(const stor_scan_t *sc);

#endif
