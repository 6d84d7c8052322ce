/*
 * cube_route_rel.c - relations the cube router provides to the engine
 * (include/exec/rel.h): kiln.jobs and kiln.job_steps, the job engine's
 * jobs and steps as rows (job_list / job_list_steps, read from the
 * metastore when a scan opens, so a build's progress is visible from any
 * session and any node while it runs); and every materialized view as a
 * relation (kind 'm') whose scan yields the rows PostgreSQL's matview
 * would hold, read from the cube's segment (cube_view_plan, match.h).
 *
 * Snapshots: pin() wraps the metastore's current catalog snapshot; a
 * view's descriptor is built on its first lookup in that snapshot (its
 * columns need the cube's definition loaded) and lives as long as the
 * wrapper, so a prepared statement's view stays what it was at prepare,
 * and a REFRESH (a new snapshot: the segment changed) re-plans it.
 *
 * Not here: the job engine (src/job), which owns the rows' meaning.
 *
 * Threads: lookups are answered from static descriptors (loop thread);
 * scans block on the metastore, so the relations are not cheap and run on
 * the work pool.
 */
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "catalog/catalog.h"
#include "cube/mv.h"
#include "cube_route_int.h"
#include "job/job.h"
#include "types/value.h"

/* OIDs of kiln's own relations: below FirstNormalObjectId (16384), above
 * the catalog's built-ins (file_fdw 16000 ... are above; these sit below). */
#define OID_KILN_JOBS 15900u
#define OID_KILN_JOB_STEPS 15901u

/* PostgreSQL's epoch (2000-01-01) in Unix milliseconds. */
#define PG_EPOCH_MS 946684800000LL

static const exec_relcol_t job_cols[] = {
    { "id", TYPE_INT8, -1, true },          { "uuid", TYPE_TEXT, -1, true },
    { "kind", TYPE_TEXT, -1, true },        { "cube", TYPE_TEXT, -1, false },
    { "state", TYPE_TEXT, -1, true },       { "progress", TYPE_FLOAT8, -1, true },
    { "step", TYPE_TEXT, -1, false },       { "message", TYPE_TEXT, -1, false },
    { "rows_read", TYPE_INT8, -1, true },   { "node", TYPE_TEXT, -1, false },
    { "submitter", TYPE_TEXT, -1, false },  { "created", TYPE_TIMESTAMPTZ, -1, false },
    { "started", TYPE_TIMESTAMPTZ, -1, false }, { "finished", TYPE_TIMESTAMPTZ, -1, false },
    { "seconds", TYPE_FLOAT8, -1, false },  { "error", TYPE_TEXT, -1, false },
};
enum { JC_ID, JC_UUID, JC_KIND, JC_CUBE, JC_STATE, JC_PROGRESS, JC_STEP, JC_MESSAGE, JC_ROWS, JC_NODE,
       JC_SUBMITTER, JC_CREATED, JC_STARTED, JC_FINISHED, JC_SECONDS, JC_ERROR, JC__N };

static const exec_relcol_t step_cols[] = {
    { "job_id", TYPE_INT8, -1, true },     { "step_no", TYPE_INT4, -1, true },
    { "name", TYPE_TEXT, -1, true },       { "type", TYPE_TEXT, -1, false },
    { "state", TYPE_TEXT, -1, true },      { "attempts", TYPE_INT4, -1, true },
    { "rows_done", TYPE_INT8, -1, true },  { "rows_total", TYPE_INT8, -1, true },
    { "message", TYPE_TEXT, -1, false },   { "started", TYPE_TIMESTAMPTZ, -1, false },
    { "finished", TYPE_TIMESTAMPTZ, -1, false }, { "output", TYPE_TEXT, -1, false },
};
enum { SC_JOB, SC_NO, SC_NAME, SC_TYPE, SC_STATE, SC_ATTEMPTS, SC_DONE, SC_TOTAL, SC_MESSAGE, SC_STARTED,
       SC_FINISHED, SC_OUTPUT, SC__N };

/* A scan: every row materialized at open (jobs are few), handed out in batches. */
typedef struct rows_scan {
    int ncols;
    size_t n, pos;
    value_t *rows; /* n * ncols, row-major */
} rows_scan_t;

static value_t vtext(const char *s)
{
    return s ? value_text(s, strlen(s)) : value_null();
}

static value_t vts(int64_t ms)
{
    return ms > 0 ? value_int((ms - PG_EPOCH_MS) * 1000) : value_null();
}

static value_t vfloat(double f)
{
    value_t v = value_null();
    v.isnull = false;
    v.u.f = f;
    return v;
}

static int jobs_open(const exec_rel_t *rel, mem_arena_t *a, const bool *needed, void **scan, err_t *err)
{
    (void)rel;
    (void)needed;
    if (!sql__cr.store)
        return err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "this node has no metastore: kiln.jobs is not available");
    job_info_t *jobs;
    size_t n, ns;
    job_step_info_t *steps;
    job_filter_t f = { -1, 0, 0, 0, true };
    if (job_list(sql__cr.store, &f, a, &jobs, &n, err) != 0 || job_list_steps(sql__cr.store, 0, a, &steps, &ns, err) != 0)
        return -1;
    const meta_catalog_t *cat = meta_catalog_acquire(sql__cr.store);
    rows_scan_t *s = MEM_NEW(a, rows_scan_t);
    s->ncols = JC__N;
    s->n = n;
    s->rows = MEM_NEW_N(a, value_t, n * JC__N + 1);
    for (size_t i = 0; i < n; i++) {
        const job_info_t *j = &jobs[i];
        value_t *r = s->rows + i * JC__N;
        /* the step that runs, else the first that has not succeeded, else the last */
        const job_step_info_t *cur = NULL, *last = NULL;
        int64_t rows = 0;
        for (size_t k = 0; k < ns; k++) {
            if (steps[k].job_id != j->id)
                continue;
            last = &steps[k];
            rows += steps[k].rows_done;
            if (steps[k].state == JOB_RUNNING || (!cur && steps[k].state != JOB_SUCCEED))
                cur = &steps[k];
        }
        if (!cur)
            cur = last;
        const meta_cube_t *cube = j->cube_id ? meta_catalog_cube_by_id(cat, j->cube_id) : NULL;
        r[JC_ID] = value_int(j->id);
        r[JC_UUID] = vtext(j->name);
        r[JC_KIND] = vtext(j->kind);
        r[JC_CUBE] = cube ? vtext(mem_astrdup(a, cube->name)) : value_null();
        r[JC_STATE] = vtext(job_state_name(j->state));
        r[JC_PROGRESS] = vfloat(j->state == JOB_SUCCEED ? 1.0 : j->progress);
        r[JC_STEP] = cur ? vtext(cur->name) : value_null();
        r[JC_MESSAGE] = cur && cur->message && *cur->message ? vtext(cur->message) : value_null();
        r[JC_ROWS] = value_int(rows);
        r[JC_NODE] = vtext(j->owner_node);
        r[JC_SUBMITTER] = vtext(j->submitter);
        r[JC_CREATED] = vts(j->created);
        r[JC_STARTED] = vts(j->started);
        r[JC_FINISHED] = vts(j->finished);
        if (j->started > 0) {
            int64_t end = j->finished > 0 ? j->finished : (j->state == JOB_RUNNING ? 0 : j->modified);
            if (end == 0) {
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                end = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
            }
            r[JC_SECONDS] = vfloat((double)(end - j->started) / 1000.0);
        } else {
            r[JC_SECONDS] = value_null();
        }
        r[JC_ERROR] = j->error && *j->error ? vtext(j->error) : value_null();
    }
    meta_catalog_release(cat);
    *scan = s;
    return 0;
}

static int steps_open(const exec_rel_t *rel, mem_arena_t *a, const bool *needed, void **scan, err_t *err)
{
    (void)rel;
    (void)needed;
    if (!sql__cr.store)
        return err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "this node has no metastore: kiln.job_steps is not available");
    job_step_info_t *steps;
    size_t n;
    if (job_list_steps(sql__cr.store, 0, a, &steps, &n, err) != 0)
        return -1;
    rows_scan_t *s = MEM_NEW(a, rows_scan_t);
    s->ncols = SC__N;
    s->n = n;
    s->rows = MEM_NEW_N(a, value_t, n * SC__N + 1);
    for (size_t i = 0; i < n; i++) {
        const job_step_info_t *st = &steps[i];
        value_t *r = s->rows + i * SC__N;
        r[SC_JOB] = value_int(st->job_id);
        r[SC_NO] = value_int(st->step_no);
        r[SC_NAME] = vtext(st->name);
        r[SC_TYPE] = vtext(st->type);
        r[SC_STATE] = vtext(job_state_name(st->state));
        r[SC_ATTEMPTS] = value_int(st->attempts);
        r[SC_DONE] = value_int(st->rows_done);
        r[SC_TOTAL] = value_int(st->rows_total);
        r[SC_MESSAGE] = st->message && *st->message ? vtext(st->message) : value_null();
        r[SC_STARTED] = vts(st->started);
        r[SC_FINISHED] = vts(st->finished);
        r[SC_OUTPUT] = vtext(st->log);
    }
    *scan = s;
    return 0;
}

static int rows_next(void *scan, exec_batch_t *out, mem_arena_t *scratch, err_t *err)
{
    (void)scratch;
    (void)err;
    rows_scan_t *s = scan;
    int n = 0;
    while (n < out->nrows && s->pos < s->n) {
        const value_t *r = s->rows + s->pos * (size_t)s->ncols;
        for (int c = 0; c < out->ncols && c < s->ncols; c++)
            out->cols[c][n] = r[c];
        n++;
        s->pos++;
    }
    out->nrows = n;
    return 0;
}

static const exec_scan_ops_t jobs_ops = { jobs_open, rows_next, NULL };
static const exec_scan_ops_t steps_ops = { steps_open, rows_next, NULL };

static const exec_rel_t jobs_rel = { OID_KILN_JOBS, "kiln", "jobs", 'v', JC__N, job_cols, 100, false, &jobs_ops, NULL };
static const exec_rel_t steps_rel = { OID_KILN_JOB_STEPS, "kiln", "job_steps", 'v', SC__N, step_cols, 100, false,
                                      &steps_ops, NULL };

/* ---- the views ---- */

/* One metastore snapshot with the view relations looked up in it. */
typedef struct vsnap {
    const meta_catalog_t *mc;
    int refs;
    pthread_mutex_t mu;   /* rels is filled by lookups of any session */
    mem_arena_t *a;
    exec_rel_t **rels;    /* per cube of mc, NULL until looked up */
} vsnap_t;

typedef struct viewrel {
    vsnap_t *snap;
    const meta_cube_t *cube;
    const cube_q_pred_t *where; /* conjuncts that let the scan skip grouping sets (NULL: none) */
} viewrel_t;

static struct {
    pthread_mutex_t mu;
    vsnap_t *cur;         /* holds one reference of its own */
} V = { PTHREAD_MUTEX_INITIALIZER, NULL };

static void vsnap_release(vsnap_t *s)
{
    if (s && __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) == 0) {
        meta_catalog_release(s->mc);
        pthread_mutex_destroy(&s->mu);
        mem_arena_free(s->a);
    }
}

static void *prov_pin(void *arg)
{
    (void)arg;
    if (!sql__cr.store)
        return NULL;
    const meta_catalog_t *mc = meta_catalog_acquire(sql__cr.store);
    pthread_mutex_lock(&V.mu);
    vsnap_t *s = V.cur;
    if (s && s->mc == mc) {
        __atomic_add_fetch(&s->refs, 1, __ATOMIC_ACQ_REL);
        pthread_mutex_unlock(&V.mu);
        meta_catalog_release(mc);
        return s;
    }
    mem_arena_t *a = mem_arena_new(NULL, "view relations", 0);
    s = MEM_NEW(a, vsnap_t);
    s->a = a;
    s->mc = mc; /* takes mc's reference */
    s->refs = 2; /* the current one's and the caller's */
    pthread_mutex_init(&s->mu, NULL);
    s->rels = MEM_NEW_N(a, exec_rel_t *, mc->ncubes + 1);
    vsnap_t *old = V.cur;
    V.cur = s;
    pthread_mutex_unlock(&V.mu);
    vsnap_release(old);
    return s;
}

void sql__cube_route_views_release(void)
{
    pthread_mutex_lock(&V.mu);
    vsnap_t *old = V.cur;
    V.cur = NULL;
    pthread_mutex_unlock(&V.mu);
    vsnap_release(old);
}

static void prov_unpin(void *arg, void *snap)
{
    (void)arg;
    vsnap_release(snap);
}

typedef struct viewscan {
    cube_view_iter_t *it;
    int ncols;
    value_t *row;
} viewscan_t;

static int view_open(const exec_rel_t *rel, mem_arena_t *a, const bool *needed, void **scan, err_t *err)
{
    (void)needed;
    const viewrel_t *vr = rel->impl;
    cube_matcher_t *m = atomic_load(&sql__cr.matcher);
    if (!m)
        return err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "this node has no cube storage: materialized views are not "
                       "available");
    cube_view_t *v;
    viewscan_t *s = MEM_NEW(a, viewscan_t);
    if (cube_view_plan(m, vr->snap->mc, vr->cube, a, &v, err) < 0)
        return -1;
    if (vr->where)
        cube_view_restrict(v, vr->where);
    const cube_plan_col_t *cols;
    s->ncols = cube_view_columns(v, &cols);
    if (s->ncols != rel->ncols)
        return err_set(err, ERRCODE_INTERNAL_ERROR, "materialized view \"%s\" has %d columns, its cube %d", rel->name,
                       rel->ncols, s->ncols);
    s->row = MEM_NEW_N(a, value_t, s->ncols + 1);
    if (cube_view_open(v, a, &s->it, err) < 0)
        return -1;
    *scan = s;
    return 0;
}

static int view_next(void *scan, exec_batch_t *out, mem_arena_t *scratch, err_t *err)
{
    viewscan_t *s = scan;
    int n = 0;
    while (n < out->nrows) {
        int rc = cube_view_next(s->it, scratch, s->row, err);
        if (rc < 0)
            return -1;
        if (rc == 0)
            break;
        for (int c = 0; c < out->ncols && c < s->ncols; c++)
            out->cols[c][n] = s->row[c];
        n++;
    }
    out->nrows = n;
    return 0;
}

static const exec_scan_ops_t view_ops = { view_open, view_next, NULL };

/* view_rel - the relation of cube c in snapshot s, built on first lookup. */
static int view_rel(vsnap_t *s, const meta_cube_t *c, const exec_rel_t **out, err_t *err)
{
    size_t i = (size_t)(c - s->mc->cubes);
    pthread_mutex_lock(&s->mu);
    exec_rel_t *r = s->rels[i];
    if (!r) {
        cube_mv_column_t *mcols;
        int nc;
        if (cube_mv_columns(s->a, s->mc, c, &mcols, &nc, err) != 0) {
            pthread_mutex_unlock(&s->mu);
            return -1;
        }
        exec_relcol_t *cols = MEM_NEW_N(s->a, exec_relcol_t, nc + 1);
        for (int k = 0; k < nc; k++)
            cols[k] = (exec_relcol_t){ mcols[k].name, mcols[k].type, mcols[k].typmod, false };
        const meta_schema_t *sc = meta_catalog_schema_by_id(s->mc, c->schema_id);
        viewrel_t *vr = MEM_NEW(s->a, viewrel_t);
        vr->snap = s;
        vr->cube = c;
        r = MEM_NEW(s->a, exec_rel_t);
        *r = (exec_rel_t){ (uint32_t)c->h.id, sc ? sc->name : "public", c->name, 'm', nc, cols, 10000, false,
                           &view_ops, vr };
        s->rels[i] = r;
    }
    pthread_mutex_unlock(&s->mu);
    *out = r;
    return 1;
}

bool sql__cube_route_is_view(const exec_rel_t *rel)
{
    return rel && rel->ops == &view_ops;
}

bool sql__cube_route_view_restricted(const exec_rel_t *rel)
{
    return ((const viewrel_t *)rel->impl)->where != NULL;
}

const exec_rel_t *sql__cube_route_view_where(const exec_rel_t *rel, mem_arena_t *a, const cube_q_pred_t *where)
{
    exec_rel_t *r = mem_amemdup(a, rel, sizeof *r);
    viewrel_t *vr = mem_amemdup(a, rel->impl, sizeof *vr);
    vr->where = where;
    r->impl = vr;
    return r;
}

int sql__cube_route_view_explain(const exec_rel_t *rel, mem_arena_t *a, buf_t *out)
{
    const viewrel_t *vr = rel->impl;
    cube_matcher_t *m = atomic_load(&sql__cr.matcher);
    cube_view_t *v;
    err_t err = { 0 };
    if (!m || cube_view_plan(m, vr->snap->mc, vr->cube, a, &v, &err) < 0) {
        buf_printf(out, "%s\n", err.message[0] ? err.message : "no cube storage on this node");
        return 0;
    }
    if (vr->where)
        cube_view_restrict(v, vr->where);
    cube_view_explain(v, out);
    return 0;
}

static int prov_lookup(void *arg, void *snap, const char *schema, const char *name, const exec_rel_t **out, err_t *err)
{
    (void)arg;
    if (!schema)
        return 0;
    if (strcmp(schema, "kiln") != 0) {
        vsnap_t *s = snap;
        const meta_cube_t *c = s ? meta_catalog_cube(s->mc, schema, name) : NULL;
        return c ? view_rel(s, c, out, err) : 0;
    }
    if (strcmp(name, "jobs") == 0) {
        *out = &jobs_rel;
        return 1;
    }
    if (strcmp(name, "job_steps") == 0) {
        *out = &steps_rel;
        return 1;
    }
    return 0;
}

static int prov_schema_exists(void *arg, void *snap, const char *schema)
{
    (void)arg;
    (void)snap;
    return strcmp(schema, "kiln") == 0;
}

/* ---- the views in pg_class / pg_attribute ---- */

/* matview_cols - a view's columns as \d shows them (cube_mv_columns), for
 * the catalog's pg_class / pg_attribute rows. */
static int matview_cols(mem_arena_t *a, const meta_catalog_t *mc, const meta_cube_t *cube, exec_relcol_t **cols,
                        int *n)
{
    cube_mv_column_t *mcols;
    int nc;
    err_t err = { 0 };
    if (cube_mv_columns(a, mc, cube, &mcols, &nc, &err) != 0)
        return -1;
    exec_relcol_t *out = MEM_NEW_N(a, exec_relcol_t, nc + 1);
    for (int i = 0; i < nc; i++)
        out[i] = (exec_relcol_t){ mcols[i].name, mcols[i].type, mcols[i].typmod, false };
    *cols = out;
    *n = nc;
    return 0;
}

void sql__cube_route_catalog_hooks(void)
{
    catalog_set_matview_columns(matview_cols);
}

static const exec_catalog_t provider = { "cube route", NULL, prov_pin, prov_unpin, prov_lookup, prov_schema_exists };

const exec_catalog_t *sql__cube_route_provider(void)
{
    return &provider;
}
