/*
 * job_rest.c - the jobs part of the REST port, on Kylin's paths:
 *
 *   GET /kylin/api/jobs                      list (?status=, ?cube_id=, ?limit=, ?offset=), newest first
 *   GET /kylin/api/jobs/{id}                 one job with its steps ({id}: numeric id or job name/uuid)
 *   GET /kylin/api/jobs/{id}/steps/{step}/output   a step's output text (Kylin's shape)
 *   PUT /kylin/api/jobs/{id}/resume          ERROR/STOPPED -> READY
 *   PUT /kylin/api/jobs/{id}/pause           -> STOPPED
 *   PUT /kylin/api/jobs/{id}/cancel          -> DISCARDED (Kylin's cancel is a discard)
 *
 * Handlers are registered to run on the loop thread, which only copies the
 * request and queues the metastore work on the worker pool; the reply is
 * sent from there (rest_reply may be called from any thread).
 * Job objects carry Kylin's field names (uuid, job_status, exec_start_time,
 * steps[].step_status ...) plus kiln's (state, owner_node, fencing_token).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "job_int.h"
#include "rest/json.h"
#include "rest/rest.h"

typedef struct rest_ctx {
    uv_loop_t *loop;
    meta_store_t *store;
    uv_mutex_t mu;        /* guards engine: the engine may stop while the port still serves */
    job_engine_t *engine; /* NULL once detached */
    struct rest_ctx *next; /* in all_contexts */
} rest_ctx_t;

/* Every context registered, for the life of the process: routes cannot be
 * removed and the REST port may outlive the engine (job__rest_detach). A
 * list that is read as well as written stays: a static only ever stored to
 * is optimized away, and the context then shows up as lost under valgrind. */
static rest_ctx_t *all_contexts;

static void wake_engine(rest_ctx_t *c)
{
    uv_mutex_lock(&c->mu);
    job_engine_wake(c->engine);
    uv_mutex_unlock(&c->mu);
}

void job__rest_detach(void *ctx)
{
    rest_ctx_t *c = ctx;
    if (!c)
        return;
    uv_mutex_lock(&c->mu);
    c->engine = NULL;
    uv_mutex_unlock(&c->mu);
}

enum { OP_LIST, OP_SHOW, OP_OUTPUT, OP_RESUME, OP_PAUSE, OP_CANCEL };

typedef struct rest_work {
    uv_work_t w;
    rest_ctx_t *rc;
    rest_req_t *req;
    int op;
    char id[256];
    char step[32];
    int state;
    int64_t cube_id;
    int64_t limit, offset;
} rest_work_t;

static void put_job(json_w_t *w, const job_info_t *j, const job_step_info_t *st, size_t ns)
{
    json_obj_begin(w);
    json_key(w, "uuid");
    json_str(w, j->name);
    json_key(w, "id");
    json_int(w, j->id);
    json_key(w, "name");
    json_str(w, j->name);
    json_key(w, "type");
    json_str(w, j->kind);
    json_key(w, "cube_id");
    json_int(w, j->cube_id);
    json_key(w, "segment_id");
    json_int(w, j->segment_id);
    json_key(w, "job_status");
    json_str(w, job_state_api_name(j->state));
    json_key(w, "state");
    json_str(w, job_state_name(j->state));
    json_key(w, "owner_node");
    json_str(w, j->owner_node);
    json_key(w, "fencing_token");
    json_int(w, j->fencing_token);
    json_key(w, "submitter");
    json_str(w, j->submitter);
    json_key(w, "params");
    json_str(w, j->params);
    json_key(w, "error");
    json_str(w, j->error);
    json_key(w, "create_time");
    json_int(w, j->created);
    json_key(w, "last_modified");
    json_int(w, j->modified);
    json_key(w, "exec_start_time");
    json_int(w, j->started);
    json_key(w, "exec_end_time");
    json_int(w, j->finished);
    json_key(w, "steps_total");
    json_int(w, j->nsteps);
    json_key(w, "steps_done");
    json_int(w, j->steps_done);
    char pct[32];
    snprintf(pct, sizeof pct, "%.1f", j->state == JOB_SUCCEED ? 100.0 : j->progress * 100.0);
    json_key(w, "progress");
    json_raw(w, pct);
    if (st) {
        json_key(w, "steps");
        json_arr_begin(w);
        for (size_t i = 0; i < ns; i++) {
            char sid[300];
            snprintf(sid, sizeof sid, "%s-%02d", j->name, st[i].step_no);
            json_obj_begin(w);
            json_key(w, "id");
            json_str(w, sid);
            json_key(w, "sequence_id");
            json_int(w, st[i].step_no);
            json_key(w, "name");
            json_str(w, st[i].name);
            json_key(w, "type");
            json_str(w, st[i].type);
            json_key(w, "step_status");
            json_str(w, job_state_api_name(st[i].state));
            json_key(w, "state");
            json_str(w, job_state_name(st[i].state));
            json_key(w, "attempts");
            json_int(w, st[i].attempts);
            json_key(w, "rows_done");
            json_int(w, st[i].rows_done);
            json_key(w, "rows_total");
            json_int(w, st[i].rows_total);
            json_key(w, "info");
            json_str(w, st[i].message);
            json_key(w, "exec_start_time");
            json_int(w, st[i].started);
            json_key(w, "exec_end_time");
            json_int(w, st[i].finished);
            json_obj_end(w);
        }
        json_arr_end(w);
    }
    json_obj_end(w);
}

static int status_of(int rc)
{
    switch (rc) {
    case META_NOT_FOUND:
        return 404;
    case JOB_ESTATE:
        return 400;
    case META_UNAVAILABLE:
    case META_INDOUBT:
        return 503;
    case META_CONFLICT:
        return 409;
    default:
        return 500;
    }
}

static int parse_id(const char *s, int64_t *id)
{
    if (!s || !*s)
        return -1;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (*end || v <= 0)
        return -1;
    *id = v;
    return 0;
}

/* resolve - job id from "{id}": a number, or a job name. */
static int resolve(rest_work_t *rw, mem_arena_t *a, int64_t *id, err_t *err)
{
    if (parse_id(rw->id, id) == 0)
        return 0;
    job_info_t ji;
    int rc = job_show(rw->rc->store, 0, rw->id, a, &ji, NULL, NULL, err);
    if (rc == 0)
        *id = ji.id;
    return rc;
}

static void work_cb(uv_work_t *w)
{
    rest_work_t *rw = w->data;
    mem_arena_t *a = mem_arena_new(NULL, "job rest", 0);
    err_t err = { 0 };
    buf_t out = BUF_INIT;
    json_w_t jw;
    json_init(&jw, &out);
    int rc = 0;
    int64_t id = 0;
    switch (rw->op) {
    case OP_LIST: {
        job_filter_t f = { .state = rw->state, .cube_id = rw->cube_id, .limit = (size_t)rw->limit,
                           .offset = (size_t)rw->offset, .with_steps = true };
        job_info_t *v;
        size_t n;
        if ((rc = job_list(rw->rc->store, &f, a, &v, &n, &err)) != 0)
            break;
        json_arr_begin(&jw);
        for (size_t i = 0; i < n; i++)
            put_job(&jw, &v[i], NULL, 0);
        json_arr_end(&jw);
        break;
    }
    case OP_SHOW:
    case OP_OUTPUT: {
        job_info_t ji;
        job_step_info_t *st;
        size_t ns;
        int64_t want = 0;
        rc = parse_id(rw->id, &want) == 0 ? job_show(rw->rc->store, want, NULL, a, &ji, &st, &ns, &err)
                                          : job_show(rw->rc->store, 0, rw->id, a, &ji, &st, &ns, &err);
        if (rc != 0)
            break;
        if (rw->op == OP_SHOW) {
            put_job(&jw, &ji, st, ns);
            break;
        }
        /* {step}: "NN", or Kylin's "<uuid>-NN". */
        const char *dash = strrchr(rw->step, '-');
        int no = atoi(dash ? dash + 1 : rw->step);
        size_t i;
        for (i = 0; i < ns && st[i].step_no != no; i++)
            ;
        if (i == ns) {
            rc = META_NOT_FOUND;
            err_set(&err, ERRCODE_UNDEFINED_OBJECT, "job %lld has no step %s", (long long)ji.id, rw->step);
            break;
        }
        char sid[300];
        snprintf(sid, sizeof sid, "%s-%02d", ji.name, no);
        json_obj_begin(&jw);
        json_key(&jw, "jobId");
        json_str(&jw, ji.name);
        json_key(&jw, "stepId");
        json_str(&jw, sid);
        json_key(&jw, "cmd_output");
        json_str(&jw, st[i].log);
        json_obj_end(&jw);
        break;
    }
    default:
        if ((rc = resolve(rw, a, &id, &err)) != 0)
            break;
        rc = rw->op == OP_RESUME  ? job_resume(rw->rc->store, id, &err)
             : rw->op == OP_PAUSE ? job_stop(rw->rc->store, id, &err)
                                  : job_discard(rw->rc->store, id, &err);
        if (rc != 0)
            break;
        wake_engine(rw->rc);
        job_info_t ji;
        job_step_info_t *st;
        size_t ns;
        if ((rc = job_show(rw->rc->store, id, NULL, a, &ji, &st, &ns, &err)) == 0)
            put_job(&jw, &ji, st, ns);
        break;
    }
    if (rc != 0)
        rest_reply_error(rw->req, status_of(rc), err.message[0] ? err.message : "job request failed");
    else
        rest_reply(rw->req, 200, buf_cstr(&out));
    buf_free(&out);
    mem_arena_free(a);
}

static void after_cb(uv_work_t *w, int status)
{
    (void)status;
    mem_free(w->data);
}

static void handle(rest_req_t *req, rest_ctx_t *rc, int op)
{
    rest_work_t *rw = mem_calloc(1, sizeof *rw);
    rw->w.data = rw;
    rw->rc = rc;
    rw->req = req;
    rw->op = op;
    rw->state = -1;
    const char *id = rest_req_param(req, "id");
    snprintf(rw->id, sizeof rw->id, "%s", id ? id : "");
    const char *step = rest_req_param(req, "step");
    snprintf(rw->step, sizeof rw->step, "%s", step ? step : "");
    if (op == OP_LIST) {
        const char *s = rest_req_query(req, "status");
        if (s && *s) {
            int st = job_state_parse(s);
            if (st < 0) {
                /* Kylin's numeric JobStatusEnum: 1 PENDING, 2 RUNNING, 4 FINISHED, 8 ERROR, 16 DISCARDED, 32 STOPPED. */
                static const struct { int code; job_state_t st; } codes[] = {
                    { 0, JOB_READY }, { 1, JOB_READY }, { 2, JOB_RUNNING }, { 4, JOB_SUCCEED },
                    { 8, JOB_ERROR }, { 16, JOB_DISCARDED }, { 32, JOB_STOPPED } };
                int64_t code;
                if (parse_id(s, &code) == 0 || strcmp(s, "0") == 0) {
                    if (strcmp(s, "0") == 0)
                        code = 0;
                    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
                        if (codes[i].code == code)
                            st = (int)codes[i].st;
                }
            }
            if (st < 0) {
                rest_reply_error(req, 400, "unknown job status");
                mem_free(rw);
                return;
            }
            rw->state = st;
        }
        const char *v;
        if ((v = rest_req_query(req, "cube_id")))
            rw->cube_id = atoll(v);
        if ((v = rest_req_query(req, "limit")))
            rw->limit = atoll(v) > 0 ? atoll(v) : 0;
        if ((v = rest_req_query(req, "offset")))
            rw->offset = atoll(v) > 0 ? atoll(v) : 0;
    }
    if (uv_queue_work(rc->loop, &rw->w, work_cb, after_cb) != 0) {
        rest_reply_error(req, 503, "job request not queued");
        mem_free(rw);
    }
}

static void h_list(rest_req_t *r, void *a) { handle(r, a, OP_LIST); }
static void h_show(rest_req_t *r, void *a) { handle(r, a, OP_SHOW); }
static void h_output(rest_req_t *r, void *a) { handle(r, a, OP_OUTPUT); }
static void h_resume(rest_req_t *r, void *a) { handle(r, a, OP_RESUME); }
static void h_pause(rest_req_t *r, void *a) { handle(r, a, OP_PAUSE); }
static void h_cancel(rest_req_t *r, void *a) { handle(r, a, OP_CANCEL); }

int job__rest_register(rest_server_t *rs, uv_loop_t *loop, meta_store_t *store, job_engine_t *e, void **ctx)
{
    rest_ctx_t *c = mem_calloc(1, sizeof *c);
    c->loop = loop;
    c->store = store;
    uv_mutex_init(&c->mu);
    c->engine = e;
    c->next = __atomic_exchange_n(&all_contexts, c, __ATOMIC_ACQ_REL);
    *ctx = c;
    int rc = 0;
    rc |= rest_route(rs, "GET", "/kylin/api/jobs", REST_ON_LOOP, h_list, c);
    rc |= rest_route(rs, "GET", "/kylin/api/jobs/{id}", REST_ON_LOOP, h_show, c);
    rc |= rest_route(rs, "GET", "/kylin/api/jobs/{id}/steps/{step}/output", REST_ON_LOOP, h_output, c);
    rc |= rest_route(rs, "PUT", "/kylin/api/jobs/{id}/resume", REST_ON_LOOP, h_resume, c);
    rc |= rest_route(rs, "PUT", "/kylin/api/jobs/{id}/pause", REST_ON_LOOP, h_pause, c);
    rc |= rest_route(rs, "PUT", "/kylin/api/jobs/{id}/cancel", REST_ON_LOOP, h_cancel, c);
    return rc ? -1 : 0;
}
