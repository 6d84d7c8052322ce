/*
 * segment.h - immutable columnar segment files: write, publish atomically, open.
 *
 * A segment is one directory holding one build of a cube over a time range:
 *   manifest.kseg   text: schema (dimensions, measures), the cuboid list with
 *                   row counts and file checksums, build facts; written last
 *                   and checksummed, so a directory without a valid manifest
 *                   is not a segment
 *   dicts.kdic      the sorted dictionary of every dimension (storage/dict.h)
 *   fds.kfd         optional: verified functional dependencies (child code ->
 *                   parent code maps) between dimensions
 *   c<hex id>.kcub  one file per cuboid: a header (magic, version, counts,
 *                   checksums, column directory, block directory) then the
 *                   rows in blocks of 4096: per block and column an encoding
 *                   chosen by size (run-length or frame-of-reference bit
 *                   packing to the block's code or value range; raw int64
 *                   for wide measures). Rows are sorted by the codes in the
 *                   cuboid's dimension order, so a filter on leading
 *                   dimensions is a key range found by binary search; every
 *                   encoding keeps random access, so the search needs no
 *                   block decoded
 *
 * A cuboid id is a bit mask over the segment's dimensions (bit i = dimension
 * i, at most 63); a cuboid's dimension order is the segment's rowkey order
 * restricted to its dimensions.
 *
 * Publishing: stor_writer_begin() creates `<dir>.tmp-<pid>-<n>` beside the
 * final directory; every file is written there, fsync'ed, then the manifest,
 * then the temporary directory is renamed to its final name and the parent
 * directory fsync'ed. A crash at any point leaves either no directory under
 * the final name or a complete one; stale `.tmp-` directories are removed by
 * stor_cleanup_tmp(). The caller then marks the segment ready in the
 * metastore (one transaction), so readers never see half a segment.
 *
 * Reading maps files with mmap. Every structural field is checked against
 * the file size before use and every checksum verified (dictionaries and the
 * manifest at open, a cuboid at its first use), so a truncated or corrupt
 * file is an XX001 error naming the file, never a crash.
 *
 * Threads: a writer may take cuboids from several threads at once
 * (stor_writer_put_cuboid is thread-safe); begin/commit/abort are called by
 * one thread. An open segment is shared read-only by any number of threads;
 * stor_segment_cuboid() opens cuboid files lazily under a mutex.
 */
#ifndef STORAGE_SEGMENT_H
#define STORAGE_SEGMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "storage/dict.h"
#include "types/types.h"

#define STOR_MAX_DIMS 63

/* Aggregate of a measure column; merging two cells uses the same operation
 * (COUNT merges by SUM). */
typedef enum stor_agg {
    STOR_AGG_SUM = 1,
    STOR_AGG_COUNT = 2, /* count(*) or count(col): int64 */
    STOR_AGG_MIN = 3,
    STOR_AGG_MAX = 4,
} stor_agg_t;

/* A measure cell is int64 (STOR_KIND_INT) or double (STOR_KIND_FLOAT).
 * MIN/MAX of a group with only NULL inputs hold these sentinels. */
#define STOR_MIN_NULL_I64 INT64_MAX
#define STOR_MAX_NULL_I64 INT64_MIN
/* (for doubles: +HUGE_VAL for MIN, -HUGE_VAL for MAX) */

typedef struct stor_dim_schema {
    const char *name;
    type_oid_t type;
} stor_dim_schema_t;

typedef struct stor_measure_schema {
    const char *name;
    stor_agg_t agg;
    stor_kind_t kind; /* STOR_KIND_INT or STOR_KIND_FLOAT */
    type_oid_t type;  /* SQL result type the engine reports (informative) */
} stor_measure_schema_t;

typedef struct stor_schema {
    int ndims;
    const stor_dim_schema_t *dims;
    int nmeasures;
    const stor_measure_schema_t *measures;
    /* rowkey[0..ndims-1]: dimension indexes in sort order (a permutation). */
    const int *rowkey;
} stor_schema_t;

/* ---- dictionaries as the writer receives them ---- */

/* One dimension's sorted distinct non-NULL values (ascending, no duplicates;
 * the writer checks the order) and whether NULL occurs. */
typedef struct stor_dict_src {
    stor_kind_t kind;
    uint32_t n;
    const int64_t *ints;          /* INT */
    const double *floats;         /* FLOAT */
    const char *const *texts;     /* TEXT: pointers ... */
    const uint32_t *text_lens;    /* ... and lengths */
    bool has_null;
} stor_dict_src_t;

/* ---- writing ---- */

typedef struct stor_writer stor_writer_t;

/* stor_writer_begin - starts a segment whose final directory is dir (its
 * parent must exist; dir itself must not). The schema is copied. */
int stor_writer_begin(const char *dir, const stor_schema_t *schema, stor_writer_t **out,
                      err_t *err);
/* stor_writer_put_dicts - writes dicts.kdic; dicts[i] is dimension i. Must
 * precede stor_writer_put_cuboid (code widths come from the dictionaries). */
int stor_writer_put_dicts(stor_writer_t *w, const stor_dict_src_t *dicts, err_t *err);
/* stor_writer_code_width - bytes per code of dimension d (1, 2 or 4). */
int stor_writer_code_width(const stor_writer_t *w, int d);
/* stor_writer_put_cuboid - writes one cuboid file. dim_cols[k] is the code
 * column (stor_writer_code_width bytes per code) of the k-th dimension of
 * the cuboid in rowkey order; meas_cols[m] the column of measure m (8 bytes
 * per row). Rows must be sorted and distinct (checked in debug builds only).
 * Thread-safe. */
int stor_writer_put_cuboid(stor_writer_t *w, uint64_t cuboid, uint64_t nrows,
                           const void *const *dim_cols, const void *const *meas_cols,
                           err_t *err);
/* A functional dependency between two dimensions of a segment, verified by
 * the build: every row with child code c has parent code parent_code[c]
 * (n = the child's code space). A hierarchy level's parent (c_city ->
 * c_nation) usually is one; the scan derives parent filters from child
 * filters with it, so `c_city IN (...)` also seeks on a leading c_region. */
typedef struct stor_fd {
    int child, parent;
    uint32_t n;
    const uint32_t *parent_code;
} stor_fd_t;

/* stor_writer_put_fds - writes fds.kfd (optional; after the dictionaries). */
int stor_writer_put_fds(stor_writer_t *w, int n, const stor_fd_t *fds, err_t *err);

/* stor_writer_set_info - a build fact kept in the manifest (`key value`),
 * e.g. input_rows; key without spaces, value without newlines. */
void stor_writer_set_info(stor_writer_t *w, const char *key, const char *value);
/* stor_writer_commit - fsyncs, writes the manifest, renames the directory to
 * its final name and fsyncs the parent. Frees w whatever the outcome; on
 * failure the temporary directory is removed. */
int stor_writer_commit(stor_writer_t *w, err_t *err);
/* stor_writer_abort - removes the temporary directory and frees w. NULL ok. */
void stor_writer_abort(stor_writer_t *w);
/* stor_writer_tmp_dir - the temporary directory being written. */
const char *stor_writer_tmp_dir(const stor_writer_t *w);

/* stor_cleanup_tmp - removes `*.tmp-*` directories left in parent by builds
 * that crashed; returns how many were removed. Only call when no build into
 * parent is running on any node. */
int stor_cleanup_tmp(const char *parent);
/* stor_segment_remove - deletes a published segment directory (renamed to
 * a .tmp- name first, so a crash midway leaves only garbage for cleanup). */
int stor_segment_remove(const char *dir, err_t *err);

/* ---- reading ---- */

typedef struct stor_segment stor_segment_t;

/* A cuboid as mapped from its file. Pointers stay valid while the segment is
 * open. dims[k] is the segment dimension at sort position k. Column k <
 * ndims holds the codes of position k, column ndims + m measure m; read
 * them with stor_cuboid_code / stor_cuboid_codes / stor_cuboid_meas. */
typedef struct stor_cuboid {
    uint64_t id;
    uint64_t nrows;
    int ndims;
    int dims[STOR_MAX_DIMS];
    uint32_t ncodes[STOR_MAX_DIMS];     /* code space per sort position */
    int nmeasures;
    int block_shift;                    /* 1 << block_shift rows per block */
    uint64_t nblocks;
    const unsigned char *const *blocks; /* [nblocks] block starts in the mapping */
} stor_cuboid_t;

/* stor_cuboid_code - the code of sort position pos at row (< nrows). */
uint32_t stor_cuboid_code(const stor_cuboid_t *c, int pos, uint64_t row);
/* stor_cuboid_codes - codes of sort position pos, rows [lo, hi), into out. */
void stor_cuboid_codes(const stor_cuboid_t *c, int pos, uint64_t lo, uint64_t hi, uint32_t *out);
/* stor_cuboid_meas - cells of measure m (int64 or double bits), rows [lo, hi). */
void stor_cuboid_meas(const stor_cuboid_t *c, int m, uint64_t lo, uint64_t hi, uint64_t *out);

#define STOR_OPEN_NO_VERIFY 0x1 /* skip data checksums (structure still checked) */

/* stor_segment_open - maps the manifest and dictionaries of dir and checks
 * them (XX001 on corruption, 58P01 when missing). */
int stor_segment_open(const char *dir, int flags, stor_segment_t **out, err_t *err);
/* stor_segment_close - unmaps everything. NULL ok. */
void stor_segment_close(stor_segment_t *s);

const char *stor_segment_dir(const stor_segment_t *s);
int stor_segment_ndims(const stor_segment_t *s);
const char *stor_segment_dim_name(const stor_segment_t *s, int d);
type_oid_t stor_segment_dim_type(const stor_segment_t *s, int d);
const stor_dict_t *stor_segment_dict(const stor_segment_t *s, int d);
/* stor_segment_dim_index - dimension by name (exact), -1 when absent. */
int stor_segment_dim_index(const stor_segment_t *s, const char *name);
int stor_segment_nmeasures(const stor_segment_t *s);
const stor_measure_schema_t *stor_segment_measure(const stor_segment_t *s, int m);
int stor_segment_ncuboids(const stor_segment_t *s);
uint64_t stor_segment_cuboid_id(const stor_segment_t *s, int i);
uint64_t stor_segment_cuboid_rows(const stor_segment_t *s, int i);
/* stor_segment_find_cuboid - index of the cuboid with this id, -1 if absent. */
int stor_segment_find_cuboid(const stor_segment_t *s, uint64_t id);
/* stor_segment_info - a build fact from the manifest, NULL when absent. */
const char *stor_segment_info(const stor_segment_t *s, const char *key);
/* Functional dependencies recorded by the build (stor_writer_put_fds). */
int stor_segment_nfds(const stor_segment_t *s);
const stor_fd_t *stor_segment_fd(const stor_segment_t *s, int i);
/* stor_segment_cuboid - maps and verifies (first time) the cuboid with this
 * id; *out stays valid while the segment is open. Thread-safe. */
int stor_segment_cuboid(stor_segment_t *s, uint64_t id, const stor_cuboid_t **out, err_t *err);

/* stor_checksum - the 64-bit checksum the files use (fast, not cryptographic). */
uint64_t stor_checksum(const void *p, size_t n, uint64_t seed);

#endif
