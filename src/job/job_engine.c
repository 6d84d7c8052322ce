/*
 * job_engine.c - the job engine of one node: the step-type registry, the
 * scheduler of kylin.job.scheduler.default (0 with a metastore lease or the
 * ZooKeeper scheduler lock, 2 with a ZooKeeper lock per job, 100 with
 * leader election), and the job threads that run steps.
 *
 * Threads. The engine lives on the node's libuv loop: timers, the async
 * wake-up, coord callbacks. Scheduling passes (list candidates, take locks,
 * claim) and lease renewals block on the metastore and ZooKeeper, so they
 * run on the libuv worker pool. Each claimed job gets a thread of its own
 * (not the pool: a build step runs for minutes and the pool is shared by
 * every metastore round trip of the node); it runs the job's steps in order
 * and posts itself back to the loop when done. e->mu guards the run list and
 * the flags the threads and the pool read.
 *
 * Not here: the metastore statements (job_store.c), HTTP (job_rest.c).
 */
#include "job/job.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "coord/coord.h"
#include "job_int.h"
#include "meta/meta.h"

/* ------------------------------------------------------------ registry */

typedef struct step_type {
    char name[JOB_TYPE_MAX];
    job_step_fn fn;
    job_cleanup_fn cleanup;
    void *arg;
} step_type_t;

#define MAX_STEP_TYPES 64
static uv_mutex_t reg_mu;
static uv_once_t reg_once = UV_ONCE_INIT;
static step_type_t reg[MAX_STEP_TYPES];
static int nreg;

static void reg_init(void) { uv_mutex_init(&reg_mu); }

int job_register_step_type(const char *type, job_step_fn fn, job_cleanup_fn cleanup, void *arg)
{
    if (!type || !*type || strlen(type) >= JOB_TYPE_MAX || !fn)
        return -1;
    uv_once(&reg_once, reg_init);
    uv_mutex_lock(&reg_mu);
    int i;
    for (i = 0; i < nreg; i++)
        if (strcmp(reg[i].name, type) == 0)
            break;
    if (i == nreg) {
        if (nreg == MAX_STEP_TYPES) {
            uv_mutex_unlock(&reg_mu);
            return -1;
        }
        nreg++;
    }
    snprintf(reg[i].name, sizeof reg[i].name, "%s", type);
    reg[i].fn = fn;
    reg[i].cleanup = cleanup;
    reg[i].arg = arg;
    uv_mutex_unlock(&reg_mu);
    return 0;
}

static bool lookup_type(const char *type, step_type_t *out)
{
    uv_once(&reg_once, reg_init);
    uv_mutex_lock(&reg_mu);
    bool found = false;
    for (int i = 0; i < nreg && !found; i++) {
        if (strcmp(reg[i].name, type) == 0) {
            *out = reg[i];
            found = true;
        }
    }
    uv_mutex_unlock(&reg_mu);
    return found;
}

bool job_has_step_type(const char *type)
{
    step_type_t t;
    return type && lookup_type(type, &t);
}

/* ------------------------------------------------------------ structures */

typedef enum sched_mode { SCHED_NONE = -1, SCHED_ONE = 0, SCHED_DIST = 2, SCHED_LEADER = 100 } sched_mode_t;

typedef struct job_run job_run_t;

struct job_engine {
    uv_loop_t *loop;
    meta_store_t *store;
    coord_t *coord;
    char node[JOB_NODE_MAX];
    sched_mode_t mode;
    bool use_lease; /* mode 0 without ZooKeeper */
    int max_jobs, retry;
    int64_t poll_ms, lease_ms, retry_ms, progress_ms;
    size_t output_max;
    bool fence_meta_only;

    uv_timer_t poll_timer;  /* scheduling passes */
    uv_timer_t watch_timer; /* lock-loss checks, lease renewal / takeover attempts */
    uv_async_t async;       /* wake-ups and finished job threads */
    int open_handles;

    uv_mutex_t mu;              /* guards what follows */
    job_run_t *runs;            /* running here */
    int nruns;
    atomic_bool active;         /* this node may claim jobs now */
    atomic_int_fast64_t token;  /* scheduler token (modes 0 and 100) */
    int64_t generation;         /* bumped on every loss of the scheduler role */
    bool wake;
    char **held;                /* mode 2: job lock names held somewhere (watch) */
    int nheld;

    /* loop-thread state */
    bool fetch_busy, fetch_again;
    bool lease_busy;
    int64_t lease_epoch, lease_expiry, next_lease_try;
    char standby_holder[JOB_NODE_MAX];
    coord_lock_t *sched_lock;
    coord_election_t *election;
    coord_watch_t *lock_watch;
    uv_timer_t relock_timer;
    int works; /* pool jobs in flight */
    bool stopping;
    void (*done)(void *);
    void *done_arg;

    void *rest_ctx;

    uv_mutex_t ev_mu;
    job_event_fn ev;
    void *ev_arg;
};

struct job_run {
    job_run_t *next;
    job_engine_t *e;
    int64_t job_id;
    int64_t token;
    int64_t generation;
    job_state_t claimed; /* RUNNING, or DISCARDED for a cleanup */
    int from_step;
    coord_lock_t *lock; /* mode 2 */
    uv_thread_t thread;
    bool thread_started;
    atomic_int cancel; /* 0, or why: CANCEL_* */
    atomic_bool ended;
    uv_mutex_t mu;
    uv_cond_t cv;
};

enum { CANCEL_NONE = 0, CANCEL_LOST, CANCEL_ENGINE, CANCEL_USER };

struct job_ctx {
    job_run_t *run;
    job_engine_t *e;
    job_fence_t fence;
    const meta_job_t *job;
    const meta_job_step_t *step;
    job_hdr_t hdr;
    buf_t log;
    size_t dropped;
    int64_t last_flush;
    mem_arena_t *arena;
};

static void emit(job_engine_t *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void emit(job_engine_t *e, const char *fmt, ...)
{
    uv_mutex_lock(&e->ev_mu);
    if (e->ev) {
        char line[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(line, sizeof line, fmt, ap);
        va_end(ap);
        e->ev(line, e->ev_arg);
    }
    uv_mutex_unlock(&e->ev_mu);
}

void job_engine_on_event(job_engine_t *e, job_event_fn fn, void *arg)
{
    uv_mutex_lock(&e->ev_mu);
    e->ev = fn;
    e->ev_arg = arg;
    /* Scheduler 2 is active from inside job_engine_start, before anyone
     * could listen: tell a new listener what it missed. */
    if (fn && atomic_load(&e->active)) {
        char line[64];
        snprintf(line, sizeof line, "scheduler active token=%lld", (long long)atomic_load(&e->token));
        fn(line, arg);
    }
    uv_mutex_unlock(&e->ev_mu);
}

static void run_cancel(job_run_t *r, int why)
{
    int none = CANCEL_NONE;
    atomic_compare_exchange_strong(&r->cancel, &none, why);
    uv_mutex_lock(&r->mu);
    uv_cond_broadcast(&r->cv);
    uv_mutex_unlock(&r->mu);
}

/* ------------------------------------------------------------ step context */

int64_t job_ctx_job_id(const job_ctx_t *c) { return c->job->h.id; }
const char *job_ctx_job_name(const job_ctx_t *c) { return c->job->name; }
const char *job_ctx_kind(const job_ctx_t *c) { return c->job->kind; }
const char *job_ctx_params(const job_ctx_t *c) { return c->job->params ? c->job->params : ""; }
int64_t job_ctx_cube_id(const job_ctx_t *c) { return c->job->cube_id; }
int64_t job_ctx_segment_id(const job_ctx_t *c) { return c->job->segment_id; }
int job_ctx_step_no(const job_ctx_t *c) { return c->step->step_no; }
const char *job_ctx_step_name(const job_ctx_t *c) { return c->step->name; }
const char *job_ctx_step_type(const job_ctx_t *c) { return c->hdr.type; }
int job_ctx_attempt(const job_ctx_t *c) { return c->hdr.attempt; }
int64_t job_ctx_token(const job_ctx_t *c) { return c->run->token; }
const char *job_ctx_node(const job_ctx_t *c) { return c->e->node; }
meta_store_t *job_ctx_store(job_ctx_t *c) { return c->e->store; }
mem_arena_t *job_ctx_arena(job_ctx_t *c) { return c->arena; }

bool job_ctx_cancelled(const job_ctx_t *c) { return atomic_load(&c->run->cancel) != CANCEL_NONE; }

/* bound_log - keeps the output under output_max: the head (how the step
 * started) and the tail (how it ended) matter, the middle is dropped. */
static void bound_log(job_ctx_t *c)
{
    size_t max = c->e->output_max;
    if (c->log.len <= max)
        return;
    size_t head = max / 4, tail = max / 2;
    size_t drop = c->log.len - head - tail;
    c->dropped += drop;
    char mark[96];
    int ml = snprintf(mark, sizeof mark, "\n[... %zu bytes of output dropped ...]\n", c->dropped);
    /* Drop an earlier marker too: it sits right after the head. */
    memmove(c->log.data + head, c->log.data + head + drop, tail);
    c->log.len = head + tail;
    buf_t nb = BUF_INIT;
    buf_append(&nb, c->log.data, head);
    buf_append(&nb, mark, (size_t)ml);
    buf_append(&nb, c->log.data + head, tail);
    buf_free(&c->log);
    c->log = nb;
}

void job_ctx_log(job_ctx_t *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&c->log, fmt, ap);
    va_end(ap);
    if (c->log.len == 0 || c->log.data[c->log.len - 1] != '\n')
        buf_putc(&c->log, '\n');
    bound_log(c);
}

/* lock_held - mode 2: the ZooKeeper lock still held (a cheap local check
 * before a write; the metastore token check is what really fences). */
static bool lock_held(job_ctx_t *c)
{
    job_run_t *r = c->run;
    if (c->e->fence_meta_only)
        return true;
    if (r->lock)
        return coord_lock_token(r->lock) != 0;
    if (c->e->mode == SCHED_ONE || c->e->mode == SCHED_LEADER) {
        uv_mutex_lock(&c->e->mu);
        bool ok = atomic_load(&c->e->active) && c->e->generation == r->generation;
        uv_mutex_unlock(&c->e->mu);
        return ok;
    }
    return true;
}

typedef struct step_write {
    job_ctx_t *c;
    job_state_t state;
    int64_t started, finished;
    /* job row change, when job_state >= 0 */
    int job_state;
    const char *job_error;
} step_write_t;

static int step_write_tx(meta_tx_t *tx, meta_job_t *job, void *arg, err_t *err)
{
    step_write_t *w = arg;
    job_ctx_t *c = w->c;
    meta_job_step_t *st;
    int rc = meta_get(tx, META_JOB_STEP, c->step->h.id, meta_tx_arena(tx), &st, err);
    if (rc != 0)
        return rc;
    buf_t b = BUF_INIT;
    job__hdr_format(&b, &c->hdr, c->log.data, c->log.len);
    st->output = mem_astrdup(meta_tx_arena(tx), buf_cstr(&b));
    buf_free(&b);
    st->status = job__state_stored(w->state);
    if (w->started)
        st->started = w->started;
    if (w->finished)
        st->finished = w->finished;
    if ((rc = meta_put(tx, META_JOB_STEP, st, err)) != 0)
        return rc;
    if (w->job_state >= 0) {
        job->status = job__state_stored((job_state_t)w->job_state);
        if (w->job_error)
            job->error = w->job_error;
        if (w->finished)
            job->finished = w->finished;
        rc = meta_put(tx, META_JOB, job, err);
    }
    return rc;
}

/* write_step - a fenced write of the step row (and the job row when
 * job_state >= 0). Marks the run cancelled when fenced or cancelled. */
/* Step state written by this process's engines: a counter and a condition
 * that a waiter on this node (REFRESH) sleeps on instead of a fixed poll,
 * so it sees a job end as soon as the metastore has it. */
static pthread_mutex_t change_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t change_cv = PTHREAD_COND_INITIALIZER;
static uint64_t change_ticket;

uint64_t job_change_ticket(void)
{
    pthread_mutex_lock(&change_mu);
    uint64_t t = change_ticket;
    pthread_mutex_unlock(&change_mu);
    return t;
}

void job_change_wait(uint64_t ticket, int64_t timeout_ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += (time_t)(timeout_ms / 1000);
    ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&change_mu);
    while (change_ticket == ticket)
        if (pthread_cond_timedwait(&change_cv, &change_mu, &ts) != 0)
            break;
    pthread_mutex_unlock(&change_mu);
}

static void change_signal(void)
{
    pthread_mutex_lock(&change_mu);
    change_ticket++;
    pthread_cond_broadcast(&change_cv);
    pthread_mutex_unlock(&change_mu);
}

static int write_step(job_ctx_t *c, job_state_t state, int64_t started, int64_t finished, int job_state,
                      const char *job_error, err_t *err)
{
    if (!lock_held(c)) {
        run_cancel(c->run, CANCEL_LOST);
        return err_set(err, ERRCODE_T_R_SERIALIZATION_FAILURE, "job %lld: this node lost the job's lock",
                       (long long)c->job->h.id),
               JOB_EFENCED;
    }
    step_write_t w = { c, state, started, finished, job_state, job_error };
    int rc = job__fenced(c->e->store, &c->fence, step_write_tx, &w, err);
    if (rc == JOB_EFENCED)
        run_cancel(c->run, CANCEL_LOST);
    else if (rc == JOB_ECANCELLED)
        run_cancel(c->run, CANCEL_USER);
    if (rc == 0) {
        c->last_flush = job__now_ms();
        if (job_state >= 0)
            change_signal(); /* the job ended */
    }
    return rc;
}

int job_ctx_progress(job_ctx_t *c, int64_t done, int64_t total, const char *message)
{
    c->hdr.done = done;
    c->hdr.total = total;
    if (message)
        snprintf(c->hdr.msg, sizeof c->hdr.msg, "%s", message);
    int why = atomic_load(&c->run->cancel);
    if (why != CANCEL_NONE)
        return why == CANCEL_LOST ? JOB_EFENCED : JOB_ECANCELLED;
    if (job__now_ms() - c->last_flush < c->e->progress_ms)
        return 0;
    err_t err = { 0 };
    int rc = write_step(c, JOB_RUNNING, 0, 0, -1, NULL, &err);
    if (rc == JOB_EFENCED || rc == JOB_ECANCELLED) {
        log_warn("job %lld step %d: %s", (long long)c->job->h.id, c->step->step_no, err.message);
        return rc;
    }
    if (rc != 0) {
        /* A metastore outage must not kill a long step: progress waits. */
        log_warn("job %lld step %d: progress not saved: %s", (long long)c->job->h.id, c->step->step_no,
                 err.message);
        c->last_flush = job__now_ms();
    }
    return 0;
}

int job_ctx_sleep(job_ctx_t *c, int64_t ms)
{
    job_run_t *r = c->run;
    uint64_t deadline = uv_hrtime() + (uint64_t)ms * 1000000u;
    uv_mutex_lock(&r->mu);
    while (atomic_load(&r->cancel) == CANCEL_NONE) {
        uint64_t now = uv_hrtime();
        if (now >= deadline)
            break;
        (void)uv_cond_timedwait(&r->cv, &r->mu, deadline - now);
    }
    uv_mutex_unlock(&r->mu);
    return atomic_load(&r->cancel) != CANCEL_NONE ? JOB_ECANCELLED : 0;
}

typedef struct publish_arg {
    job_publish_fn fn;
    void *arg;
} publish_arg_t;

static int publish_tx(meta_tx_t *tx, meta_job_t *job, void *arg, err_t *err)
{
    (void)job;
    publish_arg_t *p = arg;
    return p->fn(tx, p->arg, err);
}

int job_ctx_publish(job_ctx_t *c, job_publish_fn fn, void *arg, err_t *err)
{
    if (!lock_held(c)) {
        run_cancel(c->run, CANCEL_LOST);
        err_set(err, ERRCODE_T_R_SERIALIZATION_FAILURE, "job %lld: publish refused, this node lost the job's lock",
                (long long)c->job->h.id);
        return JOB_EFENCED;
    }
    publish_arg_t p = { fn, arg };
    int rc = job__fenced(c->e->store, &c->fence, publish_tx, &p, err);
    if (rc == JOB_EFENCED)
        run_cancel(c->run, CANCEL_LOST);
    else if (rc == JOB_ECANCELLED)
        run_cancel(c->run, CANCEL_USER);
    if (rc == JOB_EFENCED)
        emit(c->e, "publish refused job=%lld token=%lld", (long long)c->job->h.id, (long long)c->run->token);
    else if (rc == 0)
        emit(c->e, "published job=%lld token=%lld", (long long)c->job->h.id, (long long)c->run->token);
    return rc;
}

/* ------------------------------------------------------------ job thread */

static void ctx_init(job_ctx_t *c, job_run_t *r, const meta_job_t *job, const meta_job_step_t *st, unsigned allow)
{
    memset(c, 0, sizeof *c);
    c->run = r;
    c->e = r->e;
    c->fence = (job_fence_t){ job->h.id, r->token, r->e->node, allow };
    c->job = job;
    c->step = st;
    const char *log = job__hdr_parse(st->output, &c->hdr);
    buf_init(&c->log);
    buf_puts(&c->log, log);
    c->arena = mem_arena_new(NULL, "job step", 0);
}

static void ctx_free(job_ctx_t *c)
{
    buf_free(&c->log);
    mem_arena_free(c->arena);
}

static int load_job(job_engine_t *e, int64_t id, mem_arena_t *a, meta_job_t **job, meta_job_step_t **steps,
                    size_t *n, err_t *err)
{
    meta_tx_t *tx;
    int rc = meta_begin(e->store, META_TX_READ, &tx, err);
    if (rc != 0)
        return rc;
    rc = meta_get(tx, META_JOB, id, a, job, err);
    if (rc == 0)
        rc = meta_list(tx, META_JOB_STEP, id, a, steps, n, err);
    meta_rollback(tx);
    if (rc != 0)
        return rc;
    /* By step number (meta_list orders by id, the same for steps made at submit). */
    for (size_t i = 1; i < *n; i++)
        for (size_t k = i; k > 0 && (*steps)[k - 1].step_no > (*steps)[k].step_no; k--) {
            meta_job_step_t t = (*steps)[k];
            (*steps)[k] = (*steps)[k - 1];
            (*steps)[k - 1] = t;
        }
    return 0;
}

/* job_state_now - the job's state as stored (for deciding why a step was cancelled). */
static int job_state_now(job_engine_t *e, int64_t id, int64_t *token, err_t *err)
{
    mem_arena_t *a = mem_arena_new(NULL, "job state", 0);
    meta_tx_t *tx;
    int rc = meta_begin(e->store, META_TX_READ, &tx, err);
    int st = -1;
    if (rc == 0) {
        meta_job_t *j;
        rc = meta_get(tx, META_JOB, id, a, &j, err);
        meta_rollback(tx);
        if (rc == 0) {
            st = job_state_parse(j->status);
            *token = j->fencing_token;
        }
    }
    mem_arena_free(a);
    return rc != 0 ? rc : st;
}

/* run_cleanup - a discarded job: every started step's cleanup, last first,
 * then `finished` is stamped (so no node runs the cleanup again). */
static void run_cleanup(job_run_t *r, meta_job_t *job, meta_job_step_t *steps, size_t n)
{
    job_engine_t *e = r->e;
    bool ok = true;
    for (size_t i = n; i-- > 0 && ok;) {
        if (job_state_parse(steps[i].status) == JOB_READY)
            continue; /* never started: nothing to undo */
        job_ctx_t c;
        ctx_init(&c, r, job, &steps[i], 1u << JOB_DISCARDED);
        step_type_t t;
        err_t err = { 0 };
        if (lookup_type(c.hdr.type, &t) && t.cleanup) {
            int rc = t.cleanup(&c, t.arg, &err);
            if (rc != 0) {
                log_warn("job %lld step %d cleanup failed: %s", (long long)job->h.id, steps[i].step_no,
                         err.message);
                ok = false; /* retried by the next holder */
            }
        }
        job_ctx_log(&c, "discarded: cleanup %s on %s", ok ? "done" : "failed", e->node);
        err_t werr = { 0 };
        if (write_step(&c, JOB_DISCARDED, 0, ok ? job__now_ms() : 0, -1, NULL, &werr) != 0)
            ok = false;
        ctx_free(&c);
    }
    if (!ok)
        return;
    job_fence_t f = { job->h.id, r->token, e->node, 1u << JOB_DISCARDED };
    err_t err = { 0 };
    if (job__stamp_finished(e->store, &f, &err) == 0) {
        log_info("job %lld discarded and cleaned up by %s", (long long)job->h.id, e->node);
        emit(e, "cleaned job=%lld", (long long)job->h.id);
    } else {
        log_warn("job %lld: cleanup done but not recorded: %s", (long long)job->h.id, err.message);
    }
}

enum { STEP_DONE, STEP_FAILED, STEP_CANCELLED };

/* run_step - one step to its end: tries it up to kylin.job.retry + 1
 * times, writing each state change fenced. The last step's success and the
 * job's SUCCEED are one transaction, as are a failed step and the job's ERROR. */
static int run_step(job_run_t *r, job_ctx_t *c, meta_job_t *job, meta_job_step_t *st, bool last)
{
    job_engine_t *e = r->e;
    step_type_t t;
    err_t err = { 0 };
    int64_t started = job__now_ms();
    for (int tries = 1;; tries++) {
        c->hdr.attempt = tries;
        c->hdr.done = c->hdr.total = 0;
        c->hdr.msg[0] = '\0';
        job_ctx_log(c, "--- step %d (%s) attempt %d on %s, fencing token %lld ---", st->step_no, c->hdr.type, tries,
                    e->node, (long long)r->token);
        err_clear(&err);
        if (write_step(c, JOB_RUNNING, st->started ? 0 : started, 0, -1, NULL, &err) != 0) {
            log_warn("job %lld step %d not started: %s", (long long)job->h.id, st->step_no, err.message);
            return STEP_CANCELLED;
        }
        emit(e, "step job=%lld step=%d attempt=%d start", (long long)job->h.id, st->step_no, tries);
        int rc;
        if (!lookup_type(c->hdr.type, &t)) {
            rc = err_set(&err, ERRCODE_FEATURE_NOT_SUPPORTED, "no executor for step type \"%s\" on node %s",
                         c->hdr.type, e->node);
        } else {
            rc = t.fn(c, t.arg, &err);
            mem_arena_reset(c->arena);
        }
        if (rc == 0 && !job_ctx_cancelled(c)) {
            if (c->hdr.total)
                c->hdr.done = c->hdr.total;
            err_t werr = { 0 };
            if (write_step(c, JOB_SUCCEED, 0, job__now_ms(), last ? JOB_SUCCEED : -1, NULL, &werr) != 0) {
                log_warn("job %lld step %d: success not recorded: %s", (long long)job->h.id, st->step_no,
                         werr.message);
                return STEP_CANCELLED;
            }
            emit(e, "step job=%lld step=%d done", (long long)job->h.id, st->step_no);
            if (last) {
                log_info("job %lld succeeded on %s", (long long)job->h.id, e->node);
                emit(e, "job job=%lld state=SUCCEED", (long long)job->h.id);
            }
            return STEP_DONE;
        }
        if (rc == 0 || rc == JOB_ECANCELLED || rc == JOB_EFENCED || job_ctx_cancelled(c))
            return STEP_CANCELLED;
        job_ctx_log(c, "attempt %d failed: %s%s%s", tries, err.message, err.detail[0] ? " - " : "", err.detail);
        err_t werr = { 0 };
        if (tries <= e->retry) {
            log_warn("job %lld step %d attempt %d failed (%s); retrying in %lld ms", (long long)job->h.id,
                     st->step_no, tries, err.message, (long long)e->retry_ms);
            emit(e, "step job=%lld step=%d attempt=%d failed retry", (long long)job->h.id, st->step_no, tries);
            if (write_step(c, JOB_RUNNING, 0, 0, -1, NULL, &werr) != 0 || job_ctx_sleep(c, e->retry_ms) != 0)
                return STEP_CANCELLED;
            continue;
        }
        char msg[ERR_MESSAGE_MAX + 300];
        snprintf(msg, sizeof msg, "step %d (%s) failed: %s", st->step_no, st->name, err.message);
        if (write_step(c, JOB_ERROR, 0, job__now_ms(), JOB_ERROR, msg, &werr) != 0)
            return STEP_CANCELLED;
        log_warn("job %lld: %s", (long long)job->h.id, msg);
        emit(e, "job job=%lld state=ERROR", (long long)job->h.id);
        return STEP_FAILED;
    }
}

static void run_thread(void *arg)
{
    job_run_t *r = arg;
    job_engine_t *e = r->e;
    mem_arena_t *a = mem_arena_new(NULL, "job run", 0);
    meta_job_t *job;
    meta_job_step_t *steps;
    size_t n;
    err_t err = { 0 };
    if (load_job(e, r->job_id, a, &job, &steps, &n, &err) != 0) {
        log_warn("job %lld: cannot load: %s", (long long)r->job_id, err.message);
        goto out;
    }
    if (r->claimed == JOB_DISCARDED) {
        run_cleanup(r, job, steps, n);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        if (job_state_parse(steps[i].status) == JOB_SUCCEED)
            continue;
        job_ctx_t c;
        ctx_init(&c, r, job, &steps[i], 0);
        int outcome = run_step(r, &c, job, &steps[i], i + 1 == n);
        if (outcome == STEP_DONE) {
            ctx_free(&c);
            continue;
        }
        if (outcome == STEP_CANCELLED) {
            /* Why: a user's stop or discard, a takeover, or our own stop. */
            int why = atomic_load(&r->cancel);
            int64_t tok = 0;
            err_t e2 = { 0 };
            int st = job_state_now(e, job->h.id, &tok, &e2);
            if (st < 0) {
                log_warn("job %lld: state unknown (%s); left for the next holder", (long long)job->h.id,
                         e2.message);
            } else if (tok == r->token && st == JOB_STOPPED) {
                c.fence.allow = 1u << JOB_STOPPED;
                job_ctx_log(&c, "stopped on %s", e->node);
                err_t werr = { 0 };
                (void)write_step(&c, JOB_STOPPED, 0, 0, -1, NULL, &werr);
                emit(e, "job job=%lld state=STOPPED", (long long)job->h.id);
            } else if (tok == r->token && st == JOB_DISCARDED) {
                ctx_free(&c);
                meta_job_step_t *s2;
                size_t n2;
                meta_job_t *j2;
                if (load_job(e, r->job_id, a, &j2, &s2, &n2, &e2) == 0)
                    run_cleanup(r, j2, s2, n2);
                goto out;
            } else if (tok != r->token) {
                log_warn("job %lld: taken over (fencing token %lld > ours %lld); %s stops it", (long long)job->h.id,
                         (long long)tok, (long long)r->token, e->node);
                emit(e, "lost job=%lld token=%lld", (long long)job->h.id, (long long)r->token);
            } else {
                log_info("job %lld left RUNNING for the next holder to resume (%s)", (long long)job->h.id,
                         why == CANCEL_ENGINE ? "engine stopping" : "lock lost");
                emit(e, "lost job=%lld token=%lld", (long long)job->h.id, (long long)r->token);
            }
        }
        ctx_free(&c);
        break;
    }
out:
    mem_arena_free(a);
    atomic_store(&r->ended, true);
    uv_async_send(&e->async);
}

/* ------------------------------------------------------------ scheduling */

static void start_fetch(job_engine_t *e);
static void maybe_finish_stop(job_engine_t *e);

typedef struct claimed {
    int64_t id, token, generation;
    job_state_t state;
    int from_step;
    coord_lock_t *lock;
} claimed_t;

typedef struct fetch_work {
    uv_work_t w;
    job_engine_t *e;
    claimed_t *got;
    int ngot;
} fetch_work_t;

/* running_here - e->mu held. */
static bool running_here(job_engine_t *e, int64_t id)
{
    for (job_run_t *r = e->runs; r; r = r->next)
        if (r->job_id == id)
            return true;
    return false;
}

static bool lock_is_held(job_engine_t *e, const char *name)
{
    for (int i = 0; i < e->nheld; i++)
        if (strcmp(e->held[i], name) == 0)
            return true;
    return false;
}

/* fetch_work_cb - one scheduling pass on the worker pool: the candidates,
 * their locks (mode 2) and the claims, up to the free slots. */
static void fetch_work_cb(uv_work_t *w)
{
    fetch_work_t *fw = w->data;
    job_engine_t *e = fw->e;
    uv_mutex_lock(&e->mu);
    int slots = e->max_jobs - e->nruns;
    bool active = atomic_load(&e->active);
    int64_t token = atomic_load(&e->token);
    int64_t gen = e->generation;
    uv_mutex_unlock(&e->mu);
    if (!active || slots <= 0)
        return;
    mem_arena_t *a = mem_arena_new(NULL, "job fetch", 0);
    int64_t *ids;
    job_state_t *states;
    size_t n;
    err_t err = { 0 };
    if (job__candidates(e->store, a, &ids, &states, &n, &err) != 0) {
        log_warn("job scheduler: cannot list jobs: %s", err.message);
        mem_arena_free(a);
        return;
    }
    fw->got = mem_calloc(n ? n : 1, sizeof *fw->got);
    for (size_t i = 0; i < n && slots > 0; i++) {
        char name[32];
        snprintf(name, sizeof name, "%lld", (long long)ids[i]);
        uv_mutex_lock(&e->mu);
        bool skip = running_here(e, ids[i]) || e->stopping || (e->mode == SCHED_DIST && lock_is_held(e, name));
        bool still = atomic_load(&e->active) && e->generation == gen;
        uv_mutex_unlock(&e->mu);
        if (!still)
            break;
        if (skip)
            continue;
        coord_lock_t *lock = NULL;
        int64_t tok = token;
        if (e->mode == SCHED_DIST) {
            char holder[JOB_NODE_MAX] = "";
            int rc = coord_lock_job_sync(e->coord, name, 5000, &lock, &tok, holder, sizeof holder);
            if (rc != 0) {
                if (rc != COORD_EBUSY)
                    log_warn("job %s: lock not taken: %s", name, coord_strerror(rc));
                continue;
            }
        }
        job_state_t st;
        int from = 0;
        err_clear(&err);
        int rc = job__claim(e->store, ids[i], e->node, tok, &st, &from, &err);
        if (rc != 0) {
            if (rc != JOB_ESTATE)
                log_warn("job %s: not claimed: %s", name, err.message);
            if (lock)
                coord_lock_release_sync(e->coord, lock);
            continue;
        }
        claimed_t *c = &fw->got[fw->ngot++];
        c->id = ids[i];
        c->token = tok;
        c->generation = gen;
        c->state = st;
        c->from_step = from;
        c->lock = lock;
        slots--;
    }
    mem_arena_free(a);
}

static void start_run(job_engine_t *e, const claimed_t *c)
{
    job_run_t *r = mem_calloc(1, sizeof *r);
    r->e = e;
    r->job_id = c->id;
    r->token = c->token;
    r->generation = c->generation;
    r->claimed = c->state;
    r->from_step = c->from_step;
    r->lock = c->lock;
    uv_mutex_init(&r->mu);
    uv_cond_init(&r->cv);
    uv_mutex_lock(&e->mu);
    r->next = e->runs;
    e->runs = r;
    e->nruns++;
    uv_mutex_unlock(&e->mu);
    log_info("job %lld claimed by %s (fencing token %lld), %s from step %d", (long long)c->id, e->node,
             (long long)c->token, c->state == JOB_DISCARDED ? "cleanup" : "running", c->from_step);
    emit(e, "claimed job=%lld token=%lld from_step=%d%s", (long long)c->id, (long long)c->token, c->from_step,
         c->state == JOB_DISCARDED ? " cleanup" : "");
    uv_thread_options_t to = { UV_THREAD_HAS_STACK_SIZE, 8u << 20 };
    if (uv_thread_create_ex(&r->thread, &to, run_thread, r) == 0) {
        r->thread_started = true;
    } else {
        log_error("job %lld: cannot start a thread; left for the next pass", (long long)c->id);
        atomic_store(&r->ended, true);
        uv_async_send(&e->async);
    }
}

static void fetch_after_cb(uv_work_t *w, int status)
{
    (void)status;
    fetch_work_t *fw = w->data;
    job_engine_t *e = fw->e;
    e->works--;
    e->fetch_busy = false;
    for (int i = 0; i < fw->ngot; i++) {
        claimed_t *c = &fw->got[i];
        uv_mutex_lock(&e->mu);
        bool stale = e->stopping || (e->mode != SCHED_DIST && c->generation != e->generation);
        uv_mutex_unlock(&e->mu);
        if (stale) {
            /* Claimed, but the scheduler role was lost meanwhile: the job
             * stays RUNNING under our token and the next scheduler's larger
             * token takes it over. */
            coord_lock_release(c->lock);
            continue;
        }
        start_run(e, c);
    }
    mem_free(fw->got);
    mem_free(fw);
    if (e->fetch_again && !e->stopping) {
        e->fetch_again = false;
        start_fetch(e);
    }
    maybe_finish_stop(e);
}

static void start_fetch(job_engine_t *e)
{
    if (e->stopping || e->mode == SCHED_NONE || !atomic_load(&e->active))
        return;
    if (e->fetch_busy) {
        e->fetch_again = true;
        return;
    }
    fetch_work_t *fw = mem_calloc(1, sizeof *fw);
    fw->e = e;
    fw->w.data = fw;
    e->fetch_busy = true;
    e->works++;
    if (uv_queue_work(e->loop, &fw->w, fetch_work_cb, fetch_after_cb) != 0) {
        e->works--;
        e->fetch_busy = false;
        mem_free(fw);
    }
}

/* ------------------------------------------------------------ scheduler role */

static void cancel_all(job_engine_t *e, int why)
{
    uv_mutex_lock(&e->mu);
    for (job_run_t *r = e->runs; r; r = r->next)
        run_cancel(r, why);
    uv_mutex_unlock(&e->mu);
}

static void become_active(job_engine_t *e, int64_t token, const char *how)
{
    uv_mutex_lock(&e->mu);
    atomic_store(&e->token, token);
    atomic_store(&e->active, true);
    uv_mutex_unlock(&e->mu);
    log_info("job scheduler started on %s (kylin.job.scheduler.default=%d, %s, fencing token %lld)", e->node,
             (int)e->mode, how, (long long)token);
    emit(e, "scheduler active token=%lld", (long long)token);
    e->standby_holder[0] = '\0';
    start_fetch(e);
}

static void lose_active(job_engine_t *e, const char *why)
{
    uv_mutex_lock(&e->mu);
    bool was = atomic_load(&e->active);
    atomic_store(&e->active, false);
    e->generation++;
    uv_mutex_unlock(&e->mu);
    cancel_all(e, CANCEL_LOST);
    if (was) {
        log_warn("job scheduler stopped on %s: %s; its running jobs stop and resume on the next scheduler", e->node,
                 why);
        emit(e, "scheduler lost");
    }
}

static void standby(job_engine_t *e, const char *holder, int64_t until)
{
    if (!holder)
        holder = "another node";
    if (strcmp(holder, e->standby_holder) == 0)
        return;
    snprintf(e->standby_holder, sizeof e->standby_holder, "%s", holder);
    if (e->mode == SCHED_LEADER) {
        log_info("job scheduler on standby on %s: %s leads (kylin.job.scheduler.default=100); this node takes over "
                 "if the leader goes", e->node, holder);
    } else {
        char exp[64] = "";
        if (until > 0)
            snprintf(exp, sizeof exp, " (lease valid for %lld ms more)", (long long)(until - job__now_ms()));
        log_warn("job scheduler not started on %s: kylin.job.scheduler.default=0 allows exactly one job node and %s "
                 "holds the scheduler %s%s; retrying, this node takes over when it is gone", e->node, holder,
                 e->use_lease ? "lease in the metastore" : "lock in ZooKeeper", exp);
    }
    emit(e, "scheduler standby holder=%s", holder);
}

/* Scheduler 0 without ZooKeeper: the lease row. */
typedef struct lease_work {
    uv_work_t w;
    job_engine_t *e;
    int op; /* 0 acquire, 1 renew, 2 release */
    int rc;
    int64_t epoch, expiry;
    char holder[JOB_NODE_MAX];
    err_t err;
} lease_work_t;

static void lease_work_cb(uv_work_t *w)
{
    lease_work_t *lw = w->data;
    job_engine_t *e = lw->e;
    if (lw->op == 0)
        lw->rc = job__lease_acquire(e->store, e->node, e->lease_ms, &lw->epoch, lw->holder, sizeof lw->holder,
                                    &lw->expiry, &lw->err);
    else if (lw->op == 1)
        lw->rc = job__lease_renew(e->store, e->node, lw->epoch, e->lease_ms, &lw->err);
    else
        lw->rc = job__lease_release(e->store, e->node, lw->epoch, &lw->err);
}

static void lease_after_cb(uv_work_t *w, int status)
{
    (void)status;
    lease_work_t *lw = w->data;
    job_engine_t *e = lw->e;
    e->works--;
    e->lease_busy = false;
    int64_t now = job__now_ms();
    if (!e->stopping) {
        if (lw->op == 0) {
            if (lw->rc == 0) {
                e->lease_epoch = lw->epoch;
                e->lease_expiry = lw->expiry;
                char how[JOB_NODE_MAX + 64];
                snprintf(how, sizeof how, "metastore lease epoch %lld%s%s", (long long)lw->epoch,
                         lw->holder[0] ? ", taken over from " : "", lw->holder);
                become_active(e, lw->epoch, how);
            } else if (lw->rc == JOB_ESTATE) {
                standby(e, lw->holder, lw->expiry);
            } else {
                log_warn("job scheduler: lease not taken: %s", lw->err.message);
            }
            e->next_lease_try = now + e->lease_ms / 3;
        } else if (lw->op == 1 && lw->epoch == e->lease_epoch && atomic_load(&e->active)) {
            if (lw->rc == 0) {
                e->lease_expiry = now + e->lease_ms;
            } else if (lw->rc == JOB_EFENCED) {
                lose_active(e, lw->err.message);
            } else {
                log_warn("job scheduler: lease not renewed: %s", lw->err.message);
            }
            e->next_lease_try = now + e->lease_ms / 3;
        }
    }
    mem_free(lw);
    maybe_finish_stop(e);
}

static void lease_op(job_engine_t *e, int op)
{
    lease_work_t *lw = mem_calloc(1, sizeof *lw);
    lw->e = e;
    lw->op = op;
    lw->epoch = e->lease_epoch;
    lw->w.data = lw;
    e->lease_busy = true;
    e->works++;
    if (uv_queue_work(e->loop, &lw->w, lease_work_cb, lease_after_cb) != 0) {
        e->works--;
        e->lease_busy = false;
        mem_free(lw);
    }
}

static void on_watch_timer(uv_timer_t *t)
{
    job_engine_t *e = t->data;
    if (e->stopping)
        return;
    if (e->mode == SCHED_DIST && !e->fence_meta_only) {
        uv_mutex_lock(&e->mu);
        for (job_run_t *r = e->runs; r; r = r->next) {
            if (r->lock && coord_lock_token(r->lock) == 0 && atomic_load(&r->cancel) == CANCEL_NONE) {
                log_warn("job %lld: %s lost its ZooKeeper lock; stopping it", (long long)r->job_id, e->node);
                run_cancel(r, CANCEL_LOST);
            }
        }
        uv_mutex_unlock(&e->mu);
    }
    if (e->use_lease) {
        int64_t now = job__now_ms();
        if (atomic_load(&e->active) && now >= e->lease_expiry) {
            /* Could not renew in time: another node may take over now. */
            lose_active(e, "the scheduler lease expired before it could be renewed");
        }
        if (!e->lease_busy && now >= e->next_lease_try)
            lease_op(e, atomic_load(&e->active) ? 1 : 0);
    }
}

static void on_poll_timer(uv_timer_t *t) { start_fetch(t->data); }

static void on_async(uv_async_t *h)
{
    job_engine_t *e = h->data;
    bool reaped = false;
    for (;;) {
        job_run_t *done = NULL;
        uv_mutex_lock(&e->mu);
        for (job_run_t **pp = &e->runs; *pp; pp = &(*pp)->next) {
            if (atomic_load(&(*pp)->ended)) {
                done = *pp;
                *pp = done->next;
                e->nruns--;
                break;
            }
        }
        uv_mutex_unlock(&e->mu);
        if (!done)
            break;
        if (done->thread_started)
            uv_thread_join(&done->thread);
        coord_lock_release(done->lock);
        uv_cond_destroy(&done->cv);
        uv_mutex_destroy(&done->mu);
        mem_free(done);
        reaped = true;
    }
    uv_mutex_lock(&e->mu);
    bool wake = e->wake;
    e->wake = false;
    uv_mutex_unlock(&e->mu);
    if (reaped || wake)
        start_fetch(e);
    maybe_finish_stop(e);
}

/* Scheduler 0 with ZooKeeper: coord's scheduler lock. */
static void sched_lock_cb(coord_lock_t *l, coord_lock_event_t ev, int64_t token, const char *holder, void *arg);

static void on_relock(uv_timer_t *t)
{
    job_engine_t *e = t->data;
    coord_lock_release(e->sched_lock);
    e->sched_lock = NULL;
    if (!e->stopping)
        e->sched_lock = coord_lock_scheduler(e->coord, true, sched_lock_cb, e);
}

static void sched_lock_cb(coord_lock_t *l, coord_lock_event_t ev, int64_t token, const char *holder, void *arg)
{
    (void)l;
    job_engine_t *e = arg;
    if (e->stopping)
        return;
    switch (ev) {
    case COORD_LOCK_ACQUIRED: {
        char how[64];
        snprintf(how, sizeof how, "ZooKeeper scheduler lock");
        become_active(e, token, how);
        break;
    }
    case COORD_LOCK_BUSY:
        standby(e, holder, 0);
        break;
    case COORD_LOCK_LOST:
    case COORD_LOCK_ERROR:
        lose_active(e, ev == COORD_LOCK_LOST ? "the ZooKeeper scheduler lock was lost" : "ZooKeeper lock error");
        e->standby_holder[0] = '\0';
        uv_timer_start(&e->relock_timer, on_relock, ev == COORD_LOCK_LOST ? 10 : 1000, 0);
        break;
    }
}

/* Scheduler 100: leader election. */
static void leader_cb(coord_election_t *el, bool leader, const char *leader_id, void *arg)
{
    job_engine_t *e = arg;
    if (e->stopping)
        return;
    if (leader && !atomic_load(&e->active)) {
        become_active(e, coord_election_token(el), "elected leader");
    } else if (!leader) {
        if (atomic_load(&e->active))
            lose_active(e, "leadership lost");
        if (leader_id)
            standby(e, leader_id, 0);
    }
}

/* Scheduler 2: the list of held job locks; a job whose lock vanished may
 * be an orphan to take over, so a change starts a pass. */
static void locks_cb(const char *const *names, int n, void *arg)
{
    job_engine_t *e = arg;
    uv_mutex_lock(&e->mu);
    for (int i = 0; i < e->nheld; i++)
        mem_free(e->held[i]);
    mem_free(e->held);
    e->held = n ? mem_calloc((size_t)n, sizeof *e->held) : NULL;
    for (int i = 0; i < n; i++)
        e->held[i] = mem_strdup(names[i]);
    e->nheld = n;
    uv_mutex_unlock(&e->mu);
    start_fetch(e);
}

/* ------------------------------------------------------------ start / stop */

int job_engine_start(uv_loop_t *loop, const cfg_t *cfg, meta_store_t *store, coord_t *coord, rest_server_t *rest,
                     const job_engine_opts_t *opts, job_engine_t **out, err_t *err)
{
    job_engine_opts_t none = { 0 };
    if (!opts)
        opts = &none;
    *out = NULL;
    const char *smode = cfg_str(cfg, CFG_SERVER_MODE);
    int sched = atoi(cfg_str(cfg, CFG_JOB_SCHEDULER));
    bool schedules = strcmp(smode, "query") != 0;
    if (schedules && (sched == 2 || sched == 100) && !coord) {
        err_set(err, ERRCODE_CONFIG_FILE_ERROR, "kylin.job.scheduler.default=%d needs ZooKeeper", sched);
        err_hint(err, "Set kylin.env.zookeeper-connect-string, or use kylin.job.scheduler.default=0.");
        return -1;
    }
    if (schedules && sched == 2 && !strcasestr(cfg_str(cfg, CFG_JOB_LOCK), "zookeeper"))
        log_warn("kylin.job.lock=%s is not a ZooKeeper lock; kiln's scheduler 2 uses its ZooKeeper job lock "
                 "(the only one it has)", cfg_str(cfg, CFG_JOB_LOCK));
    job_engine_t *e = mem_calloc(1, sizeof *e);
    e->loop = loop;
    e->store = store;
    e->coord = coord;
    snprintf(e->node, sizeof e->node, "%s", opts->node ? opts->node : cfg_str(cfg, CFG_HOST_ADDRESS));
    e->mode = !schedules ? SCHED_NONE : sched == 2 ? SCHED_DIST : sched == 100 ? SCHED_LEADER : SCHED_ONE;
    e->use_lease = e->mode == SCHED_ONE && !coord;
    e->max_jobs = (int)cfg_int(cfg, CFG_JOB_MAX_CONCURRENT);
    e->retry = (int)cfg_int(cfg, CFG_JOB_RETRY);
    e->poll_ms = opts->poll_ms ? opts->poll_ms : cfg_int(cfg, CFG_JOB_POLL) * 1000;
    e->lease_ms = opts->lease_ms ? opts->lease_ms : cfg_int(cfg, CFG_ZK_SESSION_TIMEOUT);
    e->retry_ms = opts->retry_interval_ms ? opts->retry_interval_ms : 30000;
    e->progress_ms = opts->progress_ms ? opts->progress_ms : 2000;
    e->output_max = opts->output_max ? opts->output_max : 65536;
    if (e->output_max < 1024)
        e->output_max = 1024;
    e->fence_meta_only = opts->fence_metastore_only;
    uv_mutex_init(&e->mu);
    uv_mutex_init(&e->ev_mu);
    uv_timer_init(loop, &e->poll_timer);
    uv_timer_init(loop, &e->watch_timer);
    uv_timer_init(loop, &e->relock_timer);
    uv_async_init(loop, &e->async, on_async);
    e->poll_timer.data = e->watch_timer.data = e->relock_timer.data = e->async.data = e;
    e->open_handles = 4;
    if (rest && job__rest_register(rest, loop, store, e, &e->rest_ctx) != 0)
        log_warn("job engine: REST routes not registered");
    *out = e;
    if (e->mode == SCHED_NONE) {
        log_info("job engine on %s: kylin.server.mode=%s, this node runs no jobs", e->node, smode);
        return 0;
    }
    uv_timer_start(&e->poll_timer, on_poll_timer, (uint64_t)e->poll_ms, (uint64_t)e->poll_ms);
    uv_timer_start(&e->watch_timer, on_watch_timer, 0, 250);
    switch (e->mode) {
    case SCHED_ONE:
        if (!e->use_lease)
            e->sched_lock = coord_lock_scheduler(coord, true, sched_lock_cb, e);
        break; /* the lease is tried by the first watch tick */
    case SCHED_DIST:
        e->lock_watch = coord_watch_job_locks(coord, locks_cb, e);
        become_active(e, 0, "a ZooKeeper lock per job");
        break;
    case SCHED_LEADER:
        e->election = coord_elect(coord, e->node, leader_cb, e);
        break;
    default:
        break;
    }
    return 0;
}

static void on_closed(uv_handle_t *h)
{
    job_engine_t *e = h->data;
    if (--e->open_handles > 0)
        return;
    void (*done)(void *) = e->done;
    void *arg = e->done_arg;
    for (int i = 0; i < e->nheld; i++)
        mem_free(e->held[i]);
    mem_free(e->held);
    uv_mutex_destroy(&e->mu);
    uv_mutex_destroy(&e->ev_mu);
    mem_free(e);
    if (done)
        done(arg);
}

static void maybe_finish_stop(job_engine_t *e)
{
    if (!e->stopping || e->nruns > 0 || e->works > 0 || uv_is_closing((uv_handle_t *)&e->async))
        return;
    uv_close((uv_handle_t *)&e->poll_timer, on_closed);
    uv_close((uv_handle_t *)&e->watch_timer, on_closed);
    uv_close((uv_handle_t *)&e->relock_timer, on_closed);
    uv_close((uv_handle_t *)&e->async, on_closed);
}

void job_engine_stop(job_engine_t *e, void (*done)(void *arg), void *arg)
{
    if (!e) {
        if (done)
            done(arg);
        return;
    }
    e->done = done;
    e->done_arg = arg;
    job__rest_detach(e->rest_ctx);
    uv_mutex_lock(&e->mu);
    e->stopping = true;
    uv_mutex_unlock(&e->mu);
    uv_timer_stop(&e->poll_timer);
    uv_timer_stop(&e->watch_timer);
    uv_timer_stop(&e->relock_timer);
    bool was = atomic_exchange(&e->active, false);
    cancel_all(e, CANCEL_ENGINE);
    coord_lock_release(e->sched_lock);
    e->sched_lock = NULL;
    coord_election_leave(e->election);
    e->election = NULL;
    if (e->lock_watch)
        coord_watch_stop(e->lock_watch);
    e->lock_watch = NULL;
    if (e->use_lease && was && e->lease_epoch)
        lease_op(e, 2); /* a standby takes over at once instead of after the lease */
    if (was)
        log_info("job scheduler on %s stopping", e->node);
    maybe_finish_stop(e);
}

void job_engine_wake(job_engine_t *e)
{
    if (!e)
        return;
    uv_mutex_lock(&e->mu);
    e->wake = true;
    bool closing = e->stopping;
    uv_mutex_unlock(&e->mu);
    if (!closing)
        uv_async_send(&e->async);
}

bool job_engine_is_scheduling(const job_engine_t *e) { return e && atomic_load(&e->active); }

int job_engine_running(const job_engine_t *e)
{
    if (!e)
        return 0;
    uv_mutex_lock((uv_mutex_t *)&e->mu);
    int n = e->nruns;
    uv_mutex_unlock((uv_mutex_t *)&e->mu);
    return n;
}
