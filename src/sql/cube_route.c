/*
 * cube_route.c - materialized views as the SQL engine sees them: node
 * startup of the cube router, and the statements that define and build
 * cubes, claimed from the engine as utility statements (include/sql/utility.h):
 *
 *   CREATE MATERIALIZED VIEW [IF NOT EXISTS] v [WITH (...)] AS SELECT ...
 *          [WITH [NO] DATA]                     -> cube_mv_create (+ a refresh: PostgreSQL populates)
 *   DROP MATERIALIZED VIEW [IF EXISTS] v, ...   -> cube_mv_drop
 *   REFRESH MATERIALIZED VIEW [CONCURRENTLY] v  -> cube_job_submit_refresh, then wait for the job
 *   CALL kiln.build('v')                        -> the same as REFRESH
 *
 * Building is a job of the job engine (src/job), so it runs on whichever
 * node schedules jobs (this one, or a job node of the cluster) and is
 * visible in kiln.jobs from every session while it runs. The statement
 * waits for the job as PostgreSQL's REFRESH waits for its build, and sends
 * the build's progress as NOTICEs through the session's notice hook. A job
 * that no node starts (no job engine scheduling anywhere: a query-only
 * cluster) is reported after a bounded wait instead of hanging; the job
 * stays READY and runs when a job node appears.
 *
 * Not here: the relations of schema kiln and of the views
 * (cube_route_rel.c), the rewrite of aggregate queries (cube_route_plan.c).
 *
 * Threads: claiming happens at prepare (loop thread) and only reads the
 * parse node; running blocks on the metastore and on the job, so claimed
 * statements are never cheap and run on the work pool.
 */
#include "sql/cube_route.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cube/cubejob.h"
#include "cube/mv.h"
#include "cube_route_int.h"
#include "job/job.h"

sql_cube_route_t sql__cr;

/* How long a REFRESH waits for some node to start its job when this node
 * does not schedule jobs itself, beyond two scheduler poll intervals. */
#define ROUTE_START_GRACE_S 15
/* Progress NOTICEs: at most one per this many ms unless the build moves to another step. */
#define ROUTE_NOTICE_MS 2000

/* ---- startup ---- */

int sql_cube_route_init(meta_store_t *store, const cfg_t *cfg, const char *storage_root, err_t *err)
{
    if (!store || !storage_root)
        return err_set(err, ERRCODE_INTERNAL_ERROR, "cube routing needs a metastore and a storage root");
    sql__cr.store = store;
    sql__cr.root = mem_strdup(storage_root);
    sql__cr.max_combination = cfg_int(cfg, CFG_MAX_COMBINATION);
    sql__cr.poll_s = cfg_int(cfg, CFG_JOB_POLL);
    sql__cr.query_only = strcmp(cfg_str(cfg, CFG_SERVER_MODE), "query") == 0;
    /* The planner and EXPLAIN reach cube_route_plan.c through weak
     * references, which do not pull an object out of a static library:
     * this strong one does. */
    sql__cr.agg = sql__cube_route_agg;
    sql__cr.distinct = sql__cube_route_distinct;
    sql__cr.explain = sql__cube_route_explain;
    atomic_store(&sql__cr.matcher, cube_matcher_new(storage_root));
    sql_utility_register(sql__cube_route_claim, NULL);
    exec_catalog_register(sql__cube_route_provider());
    sql__cube_route_catalog_hooks();
    return 0;
}

void sql_cube_route_set_jobs(job_engine_t *jobs)
{
    atomic_store(&sql__cr.jobs, jobs);
}

void sql_cube_route_shutdown(void)
{
    cube_matcher_t *m = atomic_exchange(&sql__cr.matcher, NULL);
    cube_matcher_free(m);
    sql__cube_route_views_release();
}

/* ---- names ---- */

/* path_schemas - the session's search path with "$user" replaced, in a. */
static int path_schemas(const sql_session_info_t *info, mem_arena_t *a, const char ***out)
{
    const char **raw;
    int n;
    sql_utility_search_path(info, a, &raw, &n);
    for (int i = 0; i < n; i++)
        if (strcmp(raw[i], "$user") == 0)
            raw[i] = info && info->user ? info->user : "";
    *out = raw;
    return n;
}

const meta_cube_t *sql__cube_route_find(const meta_catalog_t *cat, const sql_session_info_t *info, mem_arena_t *a,
                                        const char *schema, const char *name)
{
    if (schema)
        return meta_catalog_cube(cat, schema, name);
    const char **path;
    int n = path_schemas(info, a, &path);
    for (int i = 0; i < n; i++) {
        const meta_cube_t *c = meta_catalog_cube(cat, path[i], name);
        if (c)
            return c;
    }
    return NULL;
}

/* creation_schema - where an unqualified new view goes: the first schema of
 * the search path that exists (PostgreSQL's rule), else public. */
static const char *creation_schema(const sql_session_info_t *info, mem_arena_t *a)
{
    const meta_catalog_t *cat = meta_catalog_acquire(sql__cr.store);
    const char **path;
    int n = path_schemas(info, a, &path);
    const char *out = "public";
    for (int i = 0; i < n; i++)
        if (strcmp(path[i], "public") == 0 || meta_catalog_schema(cat, path[i])) {
            out = path[i];
            break;
        }
    meta_catalog_release(cat);
    return out;
}

/* lookup_schema - the schema holding view schema.name (unqualified: the
 * first on the path that has it, else the first existing one, for the error). */
static const char *lookup_schema(const sql_session_info_t *info, mem_arena_t *a, const char *schema, const char *name)
{
    if (schema)
        return schema;
    const meta_catalog_t *cat = meta_catalog_acquire(sql__cr.store);
    const meta_cube_t *c = sql__cube_route_find(cat, info, a, NULL, name);
    const meta_schema_t *sc = c ? meta_catalog_schema_by_id(cat, c->schema_id) : NULL;
    const char *out = sc ? mem_astrdup(a, sc->name) : c ? "public" : NULL;
    meta_catalog_release(cat);
    return out ? out : creation_schema(info, a);
}

static void notice(const sql_session_info_t *info, err_severity_t sev, const char *sqlstate, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void notice(const sql_session_info_t *info, err_severity_t sev, const char *sqlstate, const char *fmt, ...)
{
    if (!info || !info->hooks.notice)
        return;
    err_t e = { 0 };
    char msg[ERR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    err_set(&e, sqlstate, "%s", msg);
    e.severity = sev;
    info->hooks.notice(info->hooks.arg, &e);
}

/* ---- waiting for a build ---- */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* failure_message - the step's own message out of the job's error
 * ("step 0 (build) failed: <message>"). */
static const char *failure_message(const char *error)
{
    if (!error || !*error)
        return "the refresh job failed";
    const char *p = strstr(error, " failed: ");
    return p ? p + 9 : error;
}

/* sqlstate_in - a SQLSTATE the step wrote into its output ("SQLSTATE 23505"),
 * else NULL. The job engine keeps the message, not the code, so this is
 * only found when the executor logged it. */
static const char *sqlstate_in(const char *text, char *buf)
{
    const char *p = text ? strstr(text, "SQLSTATE ") : NULL;
    if (!p)
        return NULL;
    p += 9;
    for (int i = 0; i < 5; i++) {
        if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'A' && p[i] <= 'Z')))
            return NULL;
        buf[i] = p[i];
    }
    buf[5] = '\0';
    return buf;
}

typedef enum wait_rc { WAIT_DONE = 0, WAIT_FAILED = -1, WAIT_NOT_STARTED = -2 } wait_rc_t;

/* wait_job - waits until job id ends, sending its progress as NOTICEs.
 * WAIT_NOT_STARTED when no node started it within the grace period while
 * this node does not schedule jobs; err is set for every non-DONE outcome. */
static wait_rc_t wait_job(const sql_utility_run_t *r, const char *view, int64_t id, err_t *err)
{
    job_engine_t *jobs = atomic_load(&sql__cr.jobs);
    if (jobs)
        job_engine_wake(jobs);
    int64_t start = now_ms(), last_notice = 0;
    int64_t grace_ms = (2 * sql__cr.poll_s + ROUTE_START_GRACE_S) * 1000;
    char last_step[64] = "", last_msg[256] = "";
    int64_t sleep_for = 50;
    uint64_t ticket = job_change_ticket();
    mem_arena_t *a = mem_arena_new(NULL, "refresh wait", 0);
    wait_rc_t rc = WAIT_FAILED;
    for (;;) {
        if (r->cancel && *r->cancel) {
            err_t derr = { 0 };
            if (job_discard(sql__cr.store, id, &derr) != 0)
                notice(r->session, ERR_WARNING, ERRCODE_WARNING, "refresh job %lld was not discarded: %s",
                       (long long)id, derr.message);
            err_set(err, ERRCODE_QUERY_CANCELED, "canceling statement due to user request");
            err_detail(err, "Refresh job %lld of \"%s\" was discarded; the previous segment keeps answering.",
                       (long long)id, view);
            break;
        }
        job_change_wait(ticket, sleep_for);
        if (sleep_for < 500)
            sleep_for *= 2;
        ticket = job_change_ticket(); /* before reading the state: an end after it wakes the next wait */
        mem_arena_reset(a);
        job_info_t ji;
        job_step_info_t *steps = NULL;
        size_t nsteps = 0;
        err_t jerr = { 0 };
        if (job_show(sql__cr.store, id, NULL, a, &ji, &steps, &nsteps, &jerr) != 0) {
            /* the metastore may be briefly away (MySQL failover): try again, the job goes on */
            if (now_ms() - start > 60000 && !ji.id) {
                *err = jerr;
                break;
            }
            continue;
        }
        const job_step_info_t *cur = NULL;
        for (size_t i = 0; i < nsteps; i++)
            if (steps[i].state == JOB_RUNNING || (!cur && steps[i].state != JOB_SUCCEED))
                cur = &steps[i];
        if (ji.state == JOB_SUCCEED) {
            const char *log = nsteps ? steps[nsteps - 1].log : NULL;
            const char *seg = log ? strstr(log, "segment ") : NULL;
            if (seg) {
                const char *end = strchr(seg, '\n');
                notice(r->session, ERR_NOTICE, ERRCODE_SUCCESSFUL_COMPLETION, "refresh of \"%s\" done (job %lld): %.*s",
                       view, (long long)id, (int)(end ? end - seg : (long)strlen(seg)), seg);
            }
            rc = WAIT_DONE;
            break;
        }
        if (ji.state == JOB_ERROR) {
            char code[6];
            const char *log = cur ? cur->log : NULL;
            const char *st = sqlstate_in(log, code);
            err_set(err, st ? st : ERRCODE_INTERNAL_ERROR, "%s", failure_message(ji.error));
            err_detail(err, "Refresh job %lld (%s) of \"%s\" failed on node %s; the previous segment keeps answering.",
                       (long long)id, ji.name, view, ji.owner_node ? ji.owner_node : "?");
            err_hint(err, "SELECT * FROM kiln.job_steps WHERE job_id = %lld shows the build's output.", (long long)id);
            break;
        }
        if (ji.state == JOB_STOPPED || ji.state == JOB_DISCARDED) {
            err_set(err, ERRCODE_QUERY_CANCELED, "refresh job %lld of \"%s\" was %s", (long long)id, view,
                    ji.state == JOB_STOPPED ? "stopped" : "discarded");
            break;
        }
        jobs = atomic_load(&sql__cr.jobs);
        bool local = jobs && job_engine_is_scheduling(jobs);
        if (ji.state == JOB_READY && !local && now_ms() - start > grace_ms) {
            err_set(err, ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                    "no job node started refresh job %lld of \"%s\" within %lld s", (long long)id, view,
                    (long long)((now_ms() - start) / 1000));
            err_detail(err, "%s The job stays READY and runs when a node with kylin.server.mode all or job "
                            "schedules it.",
                       sql__cr.query_only ? "This node runs with kylin.server.mode=query and never builds."
                                          : "This node does not hold the job scheduler.");
            err_hint(err, "SELECT * FROM kiln.jobs WHERE id = %lld shows its state.", (long long)id);
            rc = WAIT_NOT_STARTED;
            break;
        }
        /* progress: on a new step at once, otherwise now and then */
        if (cur && cur->message && *cur->message) {
            char step[64];
            snprintf(step, sizeof step, "%.*s", (int)strcspn(cur->message, ":"), cur->message);
            int64_t t = now_ms();
            if (strcmp(step, last_step) != 0 ||
                (t - last_notice >= ROUTE_NOTICE_MS && strcmp(cur->message, last_msg) != 0)) {
                notice(r->session, ERR_NOTICE, ERRCODE_SUCCESSFUL_COMPLETION, "refresh of \"%s\" (job %lld): %s",
                       view, (long long)id, cur->message);
                snprintf(last_step, sizeof last_step, "%s", step);
                snprintf(last_msg, sizeof last_msg, "%s", cur->message);
                last_notice = t;
            }
        }
    }
    mem_arena_free(a);
    return rc;
}

/* refresh - submits the refresh job of schema.name and waits for it. */
static wait_rc_t refresh(const sql_utility_run_t *r, const char *schema, const char *name, err_t *err)
{
    int64_t id = 0;
    const char *user = r->session ? r->session->user : NULL;
    const char *tz = r->session ? cfg_str(r->session->settings, CFG_TIMEZONE) : NULL;
    if (cube_job_submit_refresh(sql__cr.store, schema, name, user, tz, &id, err) != 0)
        return WAIT_FAILED;
    notice(r->session, ERR_NOTICE, ERRCODE_SUCCESSFUL_COMPLETION, "refresh of \"%s\" submitted as job %lld", name,
           (long long)id);
    return wait_job(r, name, id, err);
}

/* ---- statements ---- */

typedef enum route_kind { RK_CREATE, RK_DROP, RK_REFRESH, RK_BUILD } route_kind_t;

typedef struct route_state {
    route_kind_t kind;
    const PgQuery__Node *node;
    const char *sql;
    int offset;
    const char *schema, *name; /* REFRESH / CALL kiln.build */
} route_state_t;

static const char *sval(const PgQuery__Node *n)
{
    return n && n->node_case == PG_QUERY__NODE__NODE_STRING ? n->string->sval : NULL;
}

static int run_create(const route_state_t *st, const sql_utility_run_t *r, err_t *err)
{
    const PgQuery__CreateTableAsStmt *s = st->node->create_table_as_stmt;
    const PgQuery__RangeVar *rv = s->into->rel;
    const char *schema = rv->schemaname && *rv->schemaname ? rv->schemaname : creation_schema(r->session, r->arena);
    cube_mv_opts_t o = { schema, st->offset, sql__cr.max_combination, sql__cr.root };
    bool skipped = false;
    if (cube_mv_create(sql__cr.store, s, st->sql, &o, &skipped, err) != 0)
        return -1;
    if (skipped) {
        notice(r->session, ERR_NOTICE, ERRCODE_DUPLICATE_TABLE, "relation \"%s\" already exists, skipping", rv->relname);
        return 0;
    }
    if (s->into->skip_data)
        return 0; /* WITH NO DATA: defined, built by a later REFRESH */
    /* PostgreSQL populates a new materialized view: so does kiln. A failed
     * build undoes the creation, as PostgreSQL's failed statement does. */
    wait_rc_t rc = refresh(r, schema, rv->relname, err);
    if (rc == WAIT_NOT_STARTED) {
        notice(r->session, ERR_WARNING, ERRCODE_WARNING, "materialized view \"%s\" was created but not built: %s",
               rv->relname, err->message);
        err_clear(err);
        return 0;
    }
    if (rc != WAIT_DONE) {
        err_t derr = { 0 };
        if (cube_mv_drop(sql__cr.store, schema, rv->relname, true, &o, NULL, &derr) != 0)
            notice(r->session, ERR_WARNING, ERRCODE_WARNING, "materialized view \"%s\" stays defined: %s", rv->relname,
                   derr.message);
        return -1;
    }
    return 0;
}

static int run_drop(const route_state_t *st, const sql_utility_run_t *r, err_t *err)
{
    const PgQuery__DropStmt *s = st->node->drop_stmt;
    for (size_t i = 0; i < s->n_objects; i++) {
        const PgQuery__Node *o = s->objects[i];
        const char *schema = NULL, *name = NULL;
        if (o->node_case == PG_QUERY__NODE__NODE_LIST && o->list->n_items > 0) {
            size_t n = o->list->n_items;
            name = sval(o->list->items[n - 1]);
            schema = n >= 2 ? sval(o->list->items[n - 2]) : NULL;
        }
        if (!name)
            return err_set(err, ERRCODE_SYNTAX_ERROR, "invalid materialized view name");
        cube_mv_opts_t opts = { NULL, st->offset, sql__cr.max_combination, sql__cr.root };
        const char *sch = lookup_schema(r->session, r->arena, schema, name);
        opts.schema = sch;
        bool skipped = false;
        if (cube_mv_drop(sql__cr.store, sch, name, s->missing_ok, &opts, &skipped, err) != 0)
            return -1;
        if (skipped)
            notice(r->session, ERR_NOTICE, ERRCODE_UNDEFINED_TABLE, "materialized view \"%s\" does not exist, skipping",
                   name);
    }
    return 0;
}

static int run_refresh(const route_state_t *st, const sql_utility_run_t *r, err_t *err)
{
    const char *schema = lookup_schema(r->session, r->arena, st->schema, st->name);
    return refresh(r, schema, st->name, err) == WAIT_DONE ? 0 : -1;
}

static int route_run(void *state, const sql_utility_run_t *r, err_t *err)
{
    const route_state_t *st = state;
    if (!sql__cr.store)
        return err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "this node has no metastore: materialized views are not available");
    switch (st->kind) {
    case RK_CREATE: return run_create(st, r, err);
    case RK_DROP: return run_drop(st, r, err);
    default: return run_refresh(st, r, err);
    }
}

/* claim_build - CALL kiln.build('view'): a full refresh. Time ranges are
 * not built separately yet (the cube keeps one segment). */
static int claim_build(const sql_utility_call_t *call, route_state_t *st, err_t *err)
{
    const PgQuery__CallStmt *c = ((const PgQuery__Node *)call->node)->call_stmt;
    const PgQuery__FuncCall *f = c ? c->funccall : NULL;
    if (!f || f->n_funcname != 2 || !sval(f->funcname[0]) || strcmp(sval(f->funcname[0]), "kiln") != 0 ||
        !sval(f->funcname[1]) || strcmp(sval(f->funcname[1]), "build") != 0)
        return 0;
    const PgQuery__Node *a0 = f->n_args > 0 ? f->args[0] : NULL;
    if (f->n_args < 1 || a0->node_case != PG_QUERY__NODE__NODE_A_CONST || !a0->a_const->sval)
        return err_set(err, ERRCODE_INVALID_PARAMETER_VALUE, "kiln.build takes the materialized view's name as a string");
    if (f->n_args > 1)
        return err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "kiln.build of a time range is not supported yet");
    const char *full = a0->a_const->sval->sval;
    const char *dot = strchr(full, '.');
    st->schema = dot ? mem_astrndup(call->arena, full, (size_t)(dot - full)) : NULL;
    st->name = dot ? dot + 1 : full;
    st->kind = RK_BUILD;
    return 1;
}

int sql__cube_route_claim(void *arg, const sql_utility_call_t *call, sql_utility_t *out, err_t *err)
{
    (void)arg;
    const PgQuery__Node *n = call->node;
    route_state_t st = { 0 };
    const char *tag;
    switch (n->node_case) {
    case PG_QUERY__NODE__NODE_CREATE_TABLE_AS_STMT:
        if (n->create_table_as_stmt->objtype != PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW || !n->create_table_as_stmt->into)
            return 0;
        st.kind = RK_CREATE;
        tag = "CREATE MATERIALIZED VIEW";
        break;
    case PG_QUERY__NODE__NODE_DROP_STMT:
        if (n->drop_stmt->remove_type != PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW)
            return 0;
        st.kind = RK_DROP;
        tag = "DROP MATERIALIZED VIEW";
        break;
    case PG_QUERY__NODE__NODE_REFRESH_MAT_VIEW_STMT: {
        const PgQuery__RefreshMatViewStmt *s = n->refresh_mat_view_stmt;
        if (s->skip_data)
            return err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED,
                           "REFRESH MATERIALIZED VIEW ... WITH NO DATA is not supported by kiln");
        st.kind = RK_REFRESH;
        st.schema = s->relation->schemaname && *s->relation->schemaname ? s->relation->schemaname : NULL;
        st.name = s->relation->relname;
        tag = "REFRESH MATERIALIZED VIEW";
        break;
    }
    case PG_QUERY__NODE__NODE_CALL_STMT: {
        int rc = claim_build(call, &st, err);
        if (rc <= 0)
            return rc;
        tag = "CALL";
        break;
    }
    default:
        return 0;
    }
    route_state_t *p = mem_amemdup(call->arena, &st, sizeof st);
    p->node = n;
    p->sql = call->sql;
    p->offset = call->offset;
    out->tag = tag;
    out->cheap = false; /* the metastore and the build block: the work pool */
    out->ncols = -1;
    out->run = route_run;
    out->state = p;
    return 1;
}
