/*
 * build.h - building one segment of a cube from joined rows.
 *
 * The caller (the job engine) scans the sources, joins the lookups and feeds
 * rows in column batches; the build dictionary-encodes the dimensions,
 * aggregates the base cuboid, computes every other cuboid of the definition
 * from its smallest already-computed parent (a spanning tree, level by level,
 * in parallel on `threads` threads), writes each cuboid file and publishes
 * the segment atomically (storage/segment.h):
 *
 *   cube_build_t *b = cube_build_new(def, &opts);
 *   cube_build_set_values(b, c_city, &customer_city_col, ncustomers, &err); // optional
 *   for each batch: cube_build_add_batch(b, &batch, &err);
 *   cube_build_finish(b, "/storage/ssb/seg-19920101-19930101-<job>", &err);
 *   ... cube_build_cuboid_rows(b, i) per cuboid index of the definition ...
 *   cube_build_free(b);
 *
 * Dimension columns come as values (INT, FLOAT, TEXT; kind must match the
 * dimension's storage kind) or as REF: row numbers into a value table
 * registered once with cube_build_set_values (e.g. the lookup table column;
 * the row number is what a lookup join by key produces). REF costs one array
 * load per row instead of hashing the value, which is what makes text
 * dimensions from lookups cheap. A NULL is isnull[i] != 0, or a REF of
 * CUBE_REF_NULL (a LEFT join that found no row).
 *
 * Measure columns carry each measure's evaluated argument: INT (int64) or
 * FLOAT (double) as the measure's kind (an INT column is accepted for a FLOAT
 * measure); NULL inputs (isnull) are skipped as SQL aggregates skip them.
 * count(*) needs no column (pass a zeroed cube_col_t); count(col) needs only
 * isnull. Sums of integers wrap at 64 bits.
 *
 * Threads: a cube_build_t is used by one thread at a time (add_batch
 * serializes internally, so several scan threads may call it). finish runs
 * its own worker threads and must not run on the libuv loop thread; the
 * progress callback is called from those threads, one call at a time.
 * Memory: the rows are buffered until finish (4 bytes per dimension plus 8
 * per measure per input row), then freed as cuboids are written.
 */
#ifndef CUBE_BUILD_H
#define CUBE_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "cube/cube.h"

typedef enum cube_col_kind {
    CUBE_COL_NONE = 0, /* count(*) */
    CUBE_COL_INT = 1,
    CUBE_COL_FLOAT = 2,
    CUBE_COL_TEXT = 3,
    CUBE_COL_REF = 4,
} cube_col_kind_t;

#define CUBE_REF_NULL UINT32_MAX

typedef struct cube_col {
    cube_col_kind_t kind;
    const int64_t *i;
    const double *f;
    const char *const *s;
    const uint32_t *len;
    const uint32_t *ref;
    const uint8_t *isnull; /* optional */
} cube_col_t;

typedef struct cube_batch {
    size_t n;
    const cube_col_t *dims;     /* [ndims of the cube] */
    const cube_col_t *measures; /* [nmeasures] */
} cube_batch_t;

typedef struct cube_progress {
    const char *step;        /* "read", "dictionaries", "base cuboid", "cuboids", "publish", "done" */
    uint64_t rows_read;
    double rows_per_sec;     /* input rows per second since the build started */
    int cuboids_done, cuboids_total;
    double elapsed_sec;
} cube_progress_t;

typedef void (*cube_progress_fn)(const cube_progress_t *p, void *arg);

typedef struct cube_build_opts {
    int threads;                 /* 0: one per online core */
    cube_progress_fn progress;   /* optional */
    void *progress_arg;
    uint64_t progress_every;     /* rows between "read" reports; 0 means 1,000,000 */
    /* A cuboid is not stored when its nearest stored ancestor in the build's
     * spanning tree has at most skip_ratio times its rows: the ancestor
     * answers its queries by rollup over about as many rows (Kylin's cube
     * planner); when a sketch says so before it is computed, it is not
     * computed either and its children read its parent. In SSB's Kylin
     * design most 4-6 M-row cuboids at SF1 are such, and they are most of
     * the bytes. 0: CUBE_SKIP_RATIO; < 1: store every cuboid. The base
     * cuboid is always stored. The server sets it from
     * kiln.build.cuboid-skip-ratio. */
    double skip_ratio;
    /* A cuboid computed by one sort of a parent this large (or whose sort
     * key is wider than a word) is sorted in buckets by its leading digit,
     * so the gathers after the sort stay in cache. 0: 1 M rows. */
    uint64_t bucket_rows;
    /* Bytes the build may hold: the fact rows it buffers (4 bytes per
     * dimension, or per lookup for dimensions from one lookup's rows, and 8
     * per measure input each), with 120 % more for the base cuboid and the
     * lattice, as measured at SSB SF 10. Past it cube_build_add_batch
     * fails with 53200 instead of the kernel killing the server. 0: three
     * quarters of physical memory. */
    uint64_t memory_limit;
} cube_build_opts_t;

/* kiln.build.cuboid-skip-ratio's default. Measured on Kylin's SSB design:
 * at SF 10, 2.0 rather than 1.4 leaves out four more 9-dimension cuboids of
 * 32-38 M rows (60 M in the base): storage 4.5 -> 3.0 GB and about a tenth
 * of the build's CPU, with the 13 SSB queries' latency unchanged
 * (docs/BENCHMARKS.md). At SF 1 it leaves out Q3.4's cuboid, which then
 * seeks the base cuboid (1.5 -> 10 us through the scan API). */
#define CUBE_SKIP_RATIO 2.0

typedef struct cube_build cube_build_t;

/* cube_build_new - def must be finalized and outlive the build. */
cube_build_t *cube_build_new(const cube_def_t *def, const cube_build_opts_t *opts);
void cube_build_free(cube_build_t *b); /* NULL ok */

/* cube_build_set_values - the value table REF columns of dimension dim point
 * into; must stay valid until finish. Kind must match the dimension. */
int cube_build_set_values(cube_build_t *b, int dim, const cube_col_t *values, size_t n, err_t *err);
/* cube_build_add_batch - encodes and buffers n rows. */
int cube_build_add_batch(cube_build_t *b, const cube_batch_t *batch, err_t *err);
/* cube_build_set_info - a fact recorded in the segment manifest (e.g.
 * "lookups_complete true"); see stor_writer_set_info. */
void cube_build_set_info(cube_build_t *b, const char *key, const char *value);
/* cube_build_finish - computes and writes every cuboid and publishes the
 * segment as dir (which must not exist). On failure nothing is published. */
int cube_build_finish(cube_build_t *b, const char *dir, err_t *err);

/* After finish: row count of cuboid i (index in the definition; computed
 * even when not stored), whether it was stored, rows read. */
uint64_t cube_build_cuboid_rows(const cube_build_t *b, int i);
bool cube_build_cuboid_stored(const cube_build_t *b, int i);
uint64_t cube_build_rows_read(const cube_build_t *b);

#endif
