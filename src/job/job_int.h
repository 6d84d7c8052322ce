/*
 * job_int.h - declarations private to src/job: the metastore side of the
 * engine (claims, fenced writes, the scheduler lease, the step header) that
 * job_store.c implements for job_engine.c and job_rest.c.
 */
#ifndef JOB_JOB_INT_H
#define JOB_JOB_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "common/buf.h"
#include "job/job.h"
#include "meta/meta.h"

#define JOB_TYPE_MAX 128
#define JOB_MSG_MAX 256
#define JOB_NODE_MAX 256

/* The scheduler-0 lease (no ZooKeeper) is a row of meta_jobs that no job
 * listing shows: kind "lease", owner_node = holder, fencing_token = epoch
 * (grows by one per takeover), finished = expiry (ms since the epoch). */
#define JOB_LEASE_NAME "kiln:scheduler-lease"
#define JOB_LEASE_KIND "lease"

/* Stored state strings (meta_jobs.status / meta_job_steps.status). */
const char *job__state_stored(job_state_t s);

/* The engine's header line at the top of a step's output: the step type,
 * tries, progress and message, which the metastore schema has no columns
 * for. "@kiln type=T attempt=N done=D total=T msg=M\n", M %-encoded. The
 * rest of the output is the step's log text. */
typedef struct job_hdr {
    char type[JOB_TYPE_MAX];
    int attempt;
    int64_t done, total;
    char msg[JOB_MSG_MAX];
} job_hdr_t;

/* job__hdr_parse - fills h from output (zeroes if there is no header) and
 * returns where the log text starts. output may be NULL. */
const char *job__hdr_parse(const char *output, job_hdr_t *h);
/* job__hdr_format - header line followed by log[0..len), into b. */
void job__hdr_format(buf_t *b, const job_hdr_t *h, const char *log, size_t len);

int64_t job__now_ms(void);

/* What a run of a job is: which job, which node, which token. */
typedef struct job_fence {
    int64_t job_id;
    int64_t token;
    const char *node;
    unsigned allow; /* states besides RUNNING in which the run still owns the job:
                     * 1u << JOB_DISCARDED for a cleanup, 1u << JOB_STOPPED to record a stop */
} job_fence_t;

typedef int (*job_fenced_fn)(meta_tx_t *tx, meta_job_t *job, void *arg, err_t *err);
/* job__fenced - meta_run of fn after checking, in the same transaction,
 * that the job row holds f's token and node and is RUNNING (or in a state
 * f->allow names). JOB_EFENCED when another run owns it, JOB_ECANCELLED
 * when it was stopped/discarded/failed from outside. fn may be NULL (a pure check). */
int job__fenced(meta_store_t *s, const job_fence_t *f, job_fenced_fn fn, void *arg, err_t *err);

/* job__stamp_finished - a fenced write of `finished` = now on the job row
 * (the end of a discard cleanup). */
int job__stamp_finished(meta_store_t *s, const job_fence_t *f, err_t *err);

/* job__claim - takes job id for a run with token on node: READY -> RUNNING,
 * RUNNING (an orphan) stays RUNNING, DISCARDED with cleanup pending stays
 * DISCARDED; the row gets owner and token. Refused (JOB_ESTATE) in any
 * other state, or JOB_EFENCED when the stored token is larger than token.
 * *state gets the state after the claim; *from_step the first unfinished step. */
int job__claim(meta_store_t *s, int64_t id, const char *node, int64_t token, job_state_t *state, int *from_step,
               err_t *err);

/* job__candidates - ids of jobs a scheduler may claim: READY, RUNNING, and
 * DISCARDED with cleanup pending, oldest first, in arena. */
int job__candidates(meta_store_t *s, mem_arena_t *arena, int64_t **ids, job_state_t **states, size_t *n,
                    err_t *err);

/* Lease outcomes: 0 held (taken or renewed), JOB_ESTATE busy (holder and its expiry returned). */
int job__lease_acquire(meta_store_t *s, const char *node, int64_t lease_ms, int64_t *epoch, char *holder,
                       size_t holder_n, int64_t *expiry, err_t *err);
/* job__lease_renew - extends our lease of epoch; JOB_EFENCED when it was taken over. */
int job__lease_renew(meta_store_t *s, const char *node, int64_t epoch, int64_t lease_ms, err_t *err);
/* job__lease_release - lets it expire now, if still ours. */
int job__lease_release(meta_store_t *s, const char *node, int64_t epoch, err_t *err);

/* job__info_from - fills an info from a row (progress left to the caller). */
void job__info_from(job_info_t *out, const meta_job_t *j);
/* job__step_from - fills a step info from a row. */
void job__step_from(job_step_info_t *out, const meta_job_step_t *st, mem_arena_t *arena);

/* job_rest.c: registers the routes; *ctx is the handle for job__rest_detach,
 * which the engine calls when it stops (the routes then act on the
 * metastore only). */
int job__rest_register(rest_server_t *rs, uv_loop_t *loop, meta_store_t *store, job_engine_t *e, void **ctx);
void job__rest_detach(void *ctx);

#endif
