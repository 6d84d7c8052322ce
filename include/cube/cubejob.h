/*
 * cubejob.h - REFRESH MATERIALIZED VIEW: building a cube's segment from its
 * source tables and publishing it.
 *
 *   cube_refresh(store, "public", "ssb_cube", &(cube_refresh_opts_t){
 *                    .storage_root = root, .progress = cb }, &res, &err);
 *
 * Steps: a NEW segment row is inserted (so a crashed build leaves a visible
 * trace, never a half segment); every lookup is read through its relation
 * provider (include/exec/rel.h: the catalog's file scans for foreign
 * tables) into memory, hashed by its join key (a duplicate key fails the
 * build: 23505, the key must be unique or fact rows would multiply); its
 * dimension columns are registered once with cube_build_set_values, so fact
 * rows carry only lookup row numbers. The fact table is streamed in batches,
 * joined by key (INNER: a fact row without its lookup row is dropped; LEFT:
 * its lookup columns are NULL), measure inputs evaluated (linear forms,
 * numerics as scaled integers), and fed to cube_build_add_batch. Per lookup
 * the build records how many fact rows found no row (segment info
 * "kiln.unmatched.<alias>", and "kiln.inner_joins_verified" true/false): the
 * matcher lets a query leave out an INNER-joined lookup only when that
 * count was 0. cube_build_finish writes <root>/<cube>-<cube id>/<segment id>
 * (temporary directory, rename); then one metastore transaction marks the
 * segment READY (storage path relative to the root, rows, bytes), the
 * previously READY segments DISCARDED and the cube READY. Directories of
 * segments discarded by an earlier refresh are deleted after that commit
 * (one refresh of grace, so queries still reading them finish).
 *
 * A crash or an error at any point leaves the previous READY segment
 * answering: the new directory is published only by the final transaction.
 *
 * Job engine: this is a blocking call for one worker or job thread. A job
 * step wraps it (see src/cube/README.md "SQL side"): pass the step's
 * progress through opts.progress (job_ctx_progress) and its fenced publish
 * through opts.publish (job_ctx_publish), so a node that lost the job's lock
 * cannot publish.
 */
#ifndef CUBE_CUBEJOB_H
#define CUBE_CUBEJOB_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"
#include "meta/meta.h"

typedef struct cube_refresh_progress {
    const char *step;      /* "lookups", "fact", "dictionaries", "base cuboid", "cuboids", "publish", "done" */
    uint64_t rows_read;    /* fact rows read so far */
    double rows_per_sec;
    double elapsed_sec;
    int cuboids_done, cuboids_total;
} cube_refresh_progress_t;

/* Returns 0 to go on, < 0 to cancel the build (it fails with 57014). */
typedef int (*cube_refresh_progress_fn)(const cube_refresh_progress_t *p, void *arg);

/* How the publishing transaction runs: fn must be run inside one metastore
 * write transaction and committed (meta_run semantics). Default: meta_run. */
typedef int (*cube_refresh_publish_fn)(meta_tx_fn fn, void *fn_arg, void *arg, err_t *err);

typedef struct cube_refresh_opts {
    const char *storage_root;          /* required: kiln.storage.root */
    int threads;                       /* build threads; 0: one per core */
    cube_refresh_progress_fn progress; /* optional; called from the calling thread and build threads, one at a time */
    void *progress_arg;
    cube_refresh_publish_fn publish;   /* optional (job fencing) */
    void *publish_arg;
    int64_t job_id;                    /* recorded in the segment row */
    int64_t fencing_token;
    uint64_t progress_every;           /* fact rows between progress calls; 0: 1,000,000 */
    const char *timezone;              /* TimeZone in which timestamptz text without an offset is read
                                        * (the refreshing session's, as PostgreSQL's REFRESH reads it);
                                        * NULL: the calling thread's */
    uint64_t memory_limit;             /* cube_build_opts_t.memory_limit (kiln.build.memory-limit-bytes) */
    double skip_ratio;                 /* cube_build_opts_t.skip_ratio (kiln.build.cuboid-skip-ratio) */
} cube_refresh_opts_t;

typedef struct cube_refresh_result {
    int64_t segment_id;
    uint64_t fact_rows;     /* read from the fact table */
    uint64_t rows_built;    /* after INNER joins dropped unmatched rows */
    bool inner_joins_verified;
    int ncuboids;
    uint64_t bytes;
    double seconds;
    char storage_path[512]; /* relative to the storage root */
} cube_refresh_result_t;

/* cube_refresh - builds and publishes a new segment of schema.name (a
 * materialized view). 42P01 unknown view, 23505 duplicate lookup key,
 * 57014 cancelled, 58030 storage errors, the scans' own errors. res may be
 * NULL. Blocking: worker threads only. */
int cube_refresh(meta_store_t *s, const char *schema, const char *name, const cube_refresh_opts_t *opts,
                 cube_refresh_result_t *res, err_t *err) MUST_CHECK;

/* ---- as a job (src/cube/cubejob_step.c; links against src/job) ---- */

/* cube_job_register - registers the step type "cube.refresh" (cube_refresh
 * with the step's progress, cancellation and fenced publish; a discard
 * deletes the NEW segment rows the job left). Node startup, once; root is
 * kiln.storage.root (copied). */
int cube_job_register(const char *root);
/* cube_job_set_memory_limit - kiln.build.memory-limit-bytes for the builds
 * the registered step runs (0: automatic). */
void cube_job_set_memory_limit(uint64_t bytes);
/* cube_job_set_skip_ratio - kiln.build.cuboid-skip-ratio for those builds
 * (below 1: every cuboid stored). */
void cube_job_set_skip_ratio(double ratio);
/* cube_job_submit_refresh - submits a "refresh" job of one "cube.refresh"
 * step for schema.name; *job_id gets its id (the SQL layer may wait for it,
 * or return at once and let kiln.jobs show it). timezone (may be NULL) is
 * the submitting session's TimeZone, which the build reads timestamptz text
 * without an offset in, wherever it runs. 42P01 unknown view. */
int cube_job_submit_refresh(meta_store_t *s, const char *schema, const char *name, const char *submitter,
                            const char *timezone, int64_t *job_id, err_t *err) MUST_CHECK;

#endif
