/*
 * job.h - kiln's job engine: jobs made of ordered steps, run by registered
 * step executors, with every state change persisted in the metastore, and
 * the schedulers that decide which node runs which job (Kylin's
 * kylin.job.scheduler.default 0, 2 and 100).
 *
 * Three parts, usable separately:
 *
 * 1. Step types (process-wide registry). A step type is a name
 *    ("cube.build_cuboids") and an executor run on a job thread, plus an
 *    optional cleanup run when a job that started the step is discarded.
 *    Register them once at startup, before jobs run.
 *
 * 2. The job API over a metastore (job_submit, job_list, job_show,
 *    job_resume, job_stop, job_discard). These need no engine, so any node
 *    (query nodes too, the SQL engine's CALL, the REST port) may use them.
 *    They block on the metastore: worker threads only, never the loop.
 *
 * 3. The engine (job_engine_start / job_engine_stop): on a node whose
 *    kylin.server.mode is all or job, the scheduler of the configured mode
 *    picks jobs and runs their steps on its own threads (one per running
 *    job, at most kylin.job.max-concurrent-jobs), never on the loop thread.
 *    On a query node it schedules nothing but still serves the REST routes.
 *
 * States are Kylin's: READY, RUNNING, ERROR, STOPPED, DISCARDED, SUCCEED;
 * SUCCEED and DISCARDED are final. A job resumes from its first step that
 * has not succeeded, so failover and resume are step-granular: executors
 * must tolerate being run again after a crash (write to a temporary place
 * and publish at the end, as the cube build does).
 *
 * Fencing. Each run of a job holds a token: the czxid of its ZooKeeper job
 * lock (scheduler 2), of the scheduler lock (0 with ZooKeeper), of the
 * leader's candidate znode (100), or the epoch of the metastore scheduler
 * lease (0 without ZooKeeper). Claiming a job stores the token in the job
 * row; every later job or step write, and job_ctx_publish, first checks in
 * the same metastore transaction that the row still holds that token and
 * is RUNNING. A node that lost its lock has been overtaken by a larger
 * token, so nothing it writes lands (JOB_EFENCED).
 */
#ifndef JOB_JOB_H
#define JOB_JOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "common/cfg.h"
#include "common/err.h"
#include "common/mem.h"

typedef struct meta_store meta_store_t;
typedef struct meta_tx meta_tx_t;
typedef struct coord coord_t;
typedef struct rest_server rest_server_t;

/* Outcomes besides 0 and the meta_rc_t values (META_NOT_FOUND, ...). */
enum {
    JOB_EFENCED = -20,   /* this run no longer owns the job: a newer token is stored (40001) */
    JOB_ECANCELLED = -21, /* the job was stopped or discarded, or the engine is stopping (57014) */
    JOB_ESTATE = -22      /* the operation is not valid in the job's state (55000) */
};

typedef enum job_state {
    JOB_READY = 0,
    JOB_RUNNING,
    JOB_ERROR,
    JOB_STOPPED,
    JOB_DISCARDED,
    JOB_SUCCEED,
    JOB__NSTATES
} job_state_t;

/* job_state_name - "READY" ... "SUCCEED" (Kylin's ExecutableState names). */
const char *job_state_name(job_state_t s);
/* job_state_api_name - Kylin's REST JobStatusEnum: PENDING, RUNNING, ERROR,
 * STOPPED, DISCARDED, FINISHED. */
const char *job_state_api_name(job_state_t s);
/* job_state_parse - from the stored ("ready") or either upper-case form; -1 if unknown. */
int job_state_parse(const char *s);
/* job_state_is_final - SUCCEED or DISCARDED. */
bool job_state_is_final(job_state_t s);
/* job_state_can - whether Kylin's state machine allows from -> to. */
bool job_state_can(job_state_t from, job_state_t to);

/* ---- step types ---- */

typedef struct job_ctx job_ctx_t;

/* job_step_fn - runs one step on a job thread (may block for as long as the
 * work takes). Return 0 on success; on failure < 0 with err set (the
 * message becomes the step's and the job's error). Long steps call
 * job_ctx_progress or job_ctx_cancelled now and then and return
 * JOB_ECANCELLED soon after they report true. */
typedef int (*job_step_fn)(job_ctx_t *ctx, void *arg, err_t *err);

/* job_cleanup_fn - undoes a started step's partial output when its job is
 * discarded (temporary directories, a NEW segment row). Runs on a job
 * thread of the node that holds the job, once per started step, last step
 * first; must be idempotent (a crash during cleanup runs it again). */
typedef int (*job_cleanup_fn)(job_ctx_t *ctx, void *arg, err_t *err);

/* job_register_step_type - adds (or replaces) executor fn and cleanup
 * (may be NULL) for type; arg is passed to both. Any thread; call before
 * jobs of that type run. 0, or -1 for an empty or over-long type name. */
int job_register_step_type(const char *type, job_step_fn fn, job_cleanup_fn cleanup, void *arg);
/* job_has_step_type - whether type is registered in this process. */
bool job_has_step_type(const char *type);

/* ---- the step context (job threads only) ---- */

int64_t job_ctx_job_id(const job_ctx_t *c);
const char *job_ctx_job_name(const job_ctx_t *c);
const char *job_ctx_kind(const job_ctx_t *c);
const char *job_ctx_params(const job_ctx_t *c); /* the text given at submit; "" when none */
int64_t job_ctx_cube_id(const job_ctx_t *c);
int64_t job_ctx_segment_id(const job_ctx_t *c);
int job_ctx_step_no(const job_ctx_t *c);        /* from 0 */
const char *job_ctx_step_name(const job_ctx_t *c);
const char *job_ctx_step_type(const job_ctx_t *c);
int job_ctx_attempt(const job_ctx_t *c);        /* 1 on the first try, +1 per retry */
int64_t job_ctx_token(const job_ctx_t *c);      /* the fencing token of this run */
const char *job_ctx_node(const job_ctx_t *c);   /* the node running it */
meta_store_t *job_ctx_store(job_ctx_t *c);
/* job_ctx_arena - scratch for the step, freed when the step returns. */
mem_arena_t *job_ctx_arena(job_ctx_t *c);

/* job_ctx_log - appends a line to the step's output (kept in the metastore,
 * bounded: past the limit the middle is dropped, head and tail kept).
 * Written with the next progress flush and at the end of the step. */
void job_ctx_log(job_ctx_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* job_ctx_progress - records rows done / total (total 0: unknown) and a
 * short message (NULL keeps the last one). Writes to the metastore at most
 * every progress interval (a fenced write, which also notices a stop,
 * discard or takeover). Returns 0 to go on, or JOB_ECANCELLED / JOB_EFENCED:
 * the step should return that value promptly. */
int job_ctx_progress(job_ctx_t *c, int64_t done, int64_t total, const char *message);

/* job_ctx_cancelled - true once the job was stopped or discarded, this node
 * lost the job's lock or scheduler role, or the engine is stopping.
 * Cheap (no I/O). */
bool job_ctx_cancelled(const job_ctx_t *c);

/* job_ctx_sleep - sleeps ms, waking early when cancelled; JOB_ECANCELLED then. */
int job_ctx_sleep(job_ctx_t *c, int64_t ms);

typedef int (*job_publish_fn)(meta_tx_t *tx, void *arg, err_t *err);
/* job_ctx_publish - runs fn inside one metastore write transaction that
 * first checks this run still owns the job (stored fencing token = ours,
 * owner = this node, state RUNNING); fn's writes commit only then (meta_run
 * semantics: fn may run more than once). This is how a step publishes a
 * segment: a node that lost its session gets JOB_EFENCED and nothing is
 * written. */
int job_ctx_publish(job_ctx_t *c, job_publish_fn fn, void *arg, err_t *err) MUST_CHECK;

/* ---- the job API over a metastore (blocking: worker threads) ---- */

typedef struct job_step_spec {
    const char *name; /* shown in kiln.job_steps; unique in the job; NULL: the type */
    const char *type; /* a registered step type (checked when the step runs) */
} job_step_spec_t;

typedef struct job_spec {
    const char *name;      /* unique; NULL: a generated uuid */
    const char *kind;      /* "build", "refresh", "merge", ...; NULL: "build" */
    int64_t cube_id;       /* 0 for jobs of no cube */
    int64_t segment_id;
    const char *submitter; /* user name, may be NULL */
    const char *params;    /* opaque text for the executors, may be NULL */
    size_t nsteps;         /* >= 1 */
    const job_step_spec_t *steps;
} job_spec_t;

/* job_submit - creates the job READY with its steps READY in one
 * transaction; *id gets its id. 22023 for a bad spec, 23505 (META_DUPLICATE)
 * for a taken name. Local engines notice at once through job_engine_wake,
 * others through their poll or a metadata notification. */
int job_submit(meta_store_t *s, const job_spec_t *spec, int64_t *id, err_t *err) MUST_CHECK;

typedef struct job_info {
    int64_t id;
    const char *name;
    const char *kind;
    int64_t cube_id, segment_id;
    job_state_t state;
    const char *owner_node; /* last node that ran it; NULL if none */
    int64_t fencing_token;
    const char *submitter, *params, *error;
    int64_t created, modified, started, finished; /* ms since the epoch; 0 when not yet */
    int nsteps, steps_done;
    double progress;        /* 0..1 over the steps, counting the running one's rows */
} job_info_t;

typedef struct job_step_info {
    int64_t id, job_id;
    int step_no;
    const char *name, *type;
    job_state_t state;
    int attempts;              /* tries so far in this run of the step */
    int64_t rows_done, rows_total;
    const char *message;       /* last progress message, "" when none */
    const char *log;           /* output text without the engine's header */
    int64_t started, finished;
} job_step_info_t;

typedef struct job_filter {
    int state;       /* -1: any, else a job_state_t */
    int64_t cube_id; /* 0: any */
    size_t limit;    /* 0: all */
    size_t offset;
    bool with_steps; /* compute nsteps/steps_done/progress (one step query per job) */
} job_filter_t;

/* job_list - jobs matching f (NULL: all), newest first, in arena. */
int job_list(meta_store_t *s, const job_filter_t *f, mem_arena_t *arena, job_info_t **out, size_t *n,
             err_t *err) MUST_CHECK;
/* job_list_steps - the steps of every job (job_id 0) or one job, by job id
 * then step number, in arena: the rows of kiln.job_steps. */
int job_list_steps(meta_store_t *s, int64_t job_id, mem_arena_t *arena, job_step_info_t **out, size_t *n,
                   err_t *err) MUST_CHECK;
/* job_show - one job by id (or by name when id is 0) and its steps. steps
 * and nsteps may be NULL. META_NOT_FOUND (42704) when none. */
int job_show(meta_store_t *s, int64_t id, const char *name, mem_arena_t *arena, job_info_t *out,
             job_step_info_t **steps, size_t *nsteps, err_t *err) MUST_CHECK;

/* job_resume - ERROR or STOPPED -> READY: the first unfinished step (and
 * any failed or stopped one) becomes READY with its tries reset.
 * JOB_ESTATE (55000) in any other state; a DISCARDED job never runs again. */
int job_resume(meta_store_t *s, int64_t id, err_t *err) MUST_CHECK;
/* job_stop - READY or RUNNING -> STOPPED (Kylin's pause). A running step is
 * told at its next progress call and the job ends without error. */
int job_stop(meta_store_t *s, int64_t id, err_t *err) MUST_CHECK;
/* job_discard - any non-final state -> DISCARDED (Kylin's cancel). The node
 * that next holds the job runs the cleanup of every started step, then
 * stamps `finished`; the job never runs again. JOB_ESTATE when final. */
int job_discard(meta_store_t *s, int64_t id, err_t *err) MUST_CHECK;

/* ---- the engine ---- */

typedef struct job_engine job_engine_t;

typedef struct job_engine_opts {
    const char *node;           /* this node's name; NULL: kylin.server.host-address */
    int64_t poll_ms;            /* 0: kylin.job.scheduler.poll-interval-second */
    int64_t lease_ms;           /* scheduler-0 metastore lease; 0: kiln.zookeeper.session-timeout-ms */
    int64_t retry_interval_ms;  /* between step retries; 0: 30000 (Kylin's kylin.job.retry-interval) */
    int64_t progress_ms;        /* least time between progress writes; 0: 2000 */
    size_t output_max;          /* bytes of step output kept; 0: 65536 */
    bool fence_metastore_only;  /* test hook: skip the local lock-held check before writes,
                                 * so only the metastore token check fences */
} job_engine_opts_t;

/* job_engine_start - the node's job engine. Loop thread, once, after the
 * metastore is open (and coord created, if ZooKeeper is configured; coord
 * may be NULL otherwise). It reads kylin.server.mode, kylin.job.scheduler.default,
 * kylin.job.max-concurrent-jobs, kylin.job.retry, kylin.job.scheduler.poll-interval-second
 * from cfg (copied: cfg may go away). With rest non-NULL it registers the
 * /kylin/api/jobs routes: call it before rest_start. opts may be NULL.
 * A query node gets an engine that schedules nothing. Scheduler 2 and 100
 * without coord are a configuration error (F0000). Never blocks: the
 * scheduler's first metastore round trips run on the worker pool. */
int job_engine_start(uv_loop_t *loop, const cfg_t *cfg, meta_store_t *store, coord_t *coord, rest_server_t *rest,
                     const job_engine_opts_t *opts, job_engine_t **out, err_t *err) MUST_CHECK;

/* job_engine_stop - stops scheduling, tells running steps to stop (their
 * jobs stay RUNNING in the metastore, so they resume elsewhere, or here
 * after a restart), releases locks, lease and election, and calls
 * done(arg) on the loop thread once every job thread has ended; then e is
 * freed. Loop thread; the loop must keep running until done. done may be NULL. */
void job_engine_stop(job_engine_t *e, void (*done)(void *arg), void *arg);

/* job_engine_wake - asks for a scheduling pass now (after a submit, or a
 * metadata notification that may concern jobs). Any thread. */
void job_engine_wake(job_engine_t *e);

/* job_change_ticket / job_change_wait - a waiter for a job's end takes a
 * ticket, reads the job's state, and if it has not ended waits until a job
 * run by this process ends (the ticket moves on) or timeout_ms pass; a
 * job run on another node is only seen at the timeout. Any thread. */
uint64_t job_change_ticket(void);
void job_change_wait(uint64_t ticket, int64_t timeout_ms);

/* job_engine_is_scheduling - whether this node schedules jobs now (holds
 * the scheduler lease/lock, leads, or runs mode 2). Any thread. */
bool job_engine_is_scheduling(const job_engine_t *e);
/* job_engine_running - jobs running on this node now. Any thread. */
int job_engine_running(const job_engine_t *e);

/* Event hook for tests and drivers: one line per scheduling event
 * ("claimed job=12 token=5 from_step=2", "lost job=12", "scheduler active
 * token=7", "scheduler standby holder=n1", "job job=12 state=SUCCEED"...).
 * Called from the loop or a job thread, one call at a time (engine mutex).
 * Set it right after job_engine_start; if the engine is already scheduling,
 * fn gets "scheduler active token=N" at once. */
typedef void (*job_event_fn)(const char *line, void *arg);
void job_engine_on_event(job_engine_t *e, job_event_fn fn, void *arg);

#endif
