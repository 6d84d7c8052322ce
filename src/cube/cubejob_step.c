/*
 * cubejob_step.c - REFRESH MATERIALIZED VIEW as a job of the job engine
 * (include/job/job.h): the step type "cube.refresh" wraps cube_refresh
 * with the step's progress (job_ctx_progress: rows read and a step message,
 * and cancellation) and its fenced publish (job_ctx_publish: a node that
 * lost the job's lock cannot mark the segment READY); a discard's cleanup
 * deletes the NEW segment rows this job left. cube_job_submit_refresh()
 * creates the job; any node with the engine runs it.
 *
 * This is the only file of src/cube that reaches up into src/job (a job
 * step needs the step context); it is a separate object, so programs that
 * do not call it link libcube without libjob. Node startup calls
 * cube_job_register() once.
 */
#include "cube/cubejob.h"

#include <stdio.h>
#include <string.h>

#include "common/mem.h"
#include "job/job.h"
#include "meta/meta.h"

static char *storage_root;
static uint64_t memory_limit; /* set at startup, before any job runs */
static double skip_ratio;     /* likewise; 0: CUBE_SKIP_RATIO */

static int on_progress(const cube_refresh_progress_t *p, void *arg)
{
    job_ctx_t *c = arg;
    char msg[160];
    if (p->cuboids_total > 0)
        snprintf(msg, sizeof msg, "%s: %d of %d cuboids, %llu rows read", p->step, p->cuboids_done, p->cuboids_total,
                 (unsigned long long)p->rows_read);
    else
        snprintf(msg, sizeof msg, "%s: %llu rows read, %.0f rows/s", p->step, (unsigned long long)p->rows_read,
                 p->rows_per_sec);
    return job_ctx_progress(c, (int64_t)p->rows_read, 0, msg) == 0 ? 0 : -1;
}

static int fenced_publish(meta_tx_fn fn, void *fn_arg, void *arg, err_t *err)
{
    return job_ctx_publish((job_ctx_t *)arg, fn, fn_arg, err);
}

static int refresh_step(job_ctx_t *c, void *arg, err_t *err)
{
    (void)arg;
    meta_store_t *s = job_ctx_store(c);
    const meta_catalog_t *cat = meta_catalog_acquire(s);
    const meta_cube_t *cube = meta_catalog_cube_by_id(cat, job_ctx_cube_id(c));
    char schema[256], name[256];
    if (!cube) {
        meta_catalog_release(cat);
        return err_set(err, ERRCODE_UNDEFINED_TABLE, "the materialized view of job %s was dropped", job_ctx_job_name(c));
    }
    const meta_schema_t *sc = meta_catalog_schema_by_id(cat, cube->schema_id);
    snprintf(schema, sizeof schema, "%s", sc ? sc->name : "public");
    snprintf(name, sizeof name, "%s", cube->name);
    meta_catalog_release(cat);
    cube_refresh_opts_t o = { 0 };
    o.storage_root = storage_root;
    o.memory_limit = memory_limit;
    o.skip_ratio = skip_ratio;
    /* params: "timezone=<name>\n" (cube_job_submit_refresh) */
    char tz[128] = "";
    const char *pt = strstr(job_ctx_params(c), "timezone=");
    if (pt) {
        size_t n = strcspn(pt + 9, "\n");
        if (n < sizeof tz) {
            memcpy(tz, pt + 9, n);
            tz[n] = '\0';
            o.timezone = tz;
        }
    }
    o.progress = on_progress;
    o.progress_arg = c;
    o.publish = fenced_publish;
    o.publish_arg = c;
    o.job_id = job_ctx_job_id(c);
    o.fencing_token = job_ctx_token(c);
    cube_refresh_result_t res;
    int rc = cube_refresh(s, schema, name, &o, &res, err);
    if (rc != 0) {
        if (job_ctx_cancelled(c))
            return JOB_ECANCELLED;
        /* the engine keeps the message only; REFRESH finds the code here */
        if (err->set)
            job_ctx_log(c, "failed: SQLSTATE %s", err->sqlstate);
        return rc;
    }
    job_ctx_log(c, "segment %lld: %llu fact rows, %llu built, %d cuboids, %llu bytes, %.2f s, inner joins %s",
                (long long)res.segment_id, (unsigned long long)res.fact_rows, (unsigned long long)res.rows_built,
                res.ncuboids, (unsigned long long)res.bytes, res.seconds,
                res.inner_joins_verified ? "verified" : "dropped unmatched rows");
    return 0;
}

typedef struct cleanup_arg {
    int64_t cube_id, job_id;
} cleanup_arg_t;

static int cleanup_tx(meta_tx_t *tx, void *arg, err_t *err)
{
    cleanup_arg_t *ca = arg;
    meta_segment_t *segs = NULL;
    size_t n = 0;
    int rc = meta_list(tx, META_SEGMENT, ca->cube_id, meta_tx_arena(tx), &segs, &n, err);
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (segs[i].job_id == ca->job_id && strcmp(segs[i].status, "new") == 0)
            rc = meta_delete(tx, META_SEGMENT, segs[i].h.id, 0, err);
    return rc;
}

static int refresh_cleanup(job_ctx_t *c, void *arg, err_t *err)
{
    (void)arg;
    cleanup_arg_t ca = { job_ctx_cube_id(c), job_ctx_job_id(c) };
    return meta_run(job_ctx_store(c), 0, cleanup_tx, &ca, err) == META_OK ? 0 : -1;
}

void cube_job_set_memory_limit(uint64_t bytes)
{
    memory_limit = bytes;
}

void cube_job_set_skip_ratio(double ratio)
{
    skip_ratio = ratio < 1 ? -1 : ratio; /* cube_build_opts_t: 0 is its default, < 1 stores all */
}

int cube_job_register(const char *root)
{
    mem_free(storage_root);
    storage_root = mem_strdup(root ? root : "");
    return job_register_step_type("cube.refresh", refresh_step, refresh_cleanup, NULL);
}

int cube_job_submit_refresh(meta_store_t *s, const char *schema, const char *name, const char *submitter,
                            const char *timezone, int64_t *job_id, err_t *err)
{
    const meta_catalog_t *cat = meta_catalog_acquire(s);
    const meta_cube_t *cube = meta_catalog_cube(cat, schema ? schema : "public", name);
    int64_t cube_id = cube ? cube->h.id : 0;
    meta_catalog_release(cat);
    if (!cube_id)
        return err_set(err, ERRCODE_UNDEFINED_TABLE, "materialized view \"%s\" does not exist", name);
    job_step_spec_t step = { "build", "cube.refresh" };
    job_spec_t spec = { 0 };
    spec.kind = "refresh";
    spec.cube_id = cube_id;
    spec.submitter = submitter;
    char params[160] = "";
    if (timezone && *timezone && strlen(timezone) < 128 && !strchr(timezone, '\n'))
        snprintf(params, sizeof params, "timezone=%s\n", timezone);
    spec.params = params[0] ? params : NULL;
    spec.nsteps = 1;
    spec.steps = &step;
    return job_submit(s, &spec, job_id, err);
}
