/*
 * test_job.c - unit tests of the job engine (src/job) on an SQLite
 * metastore under /tmp, with fake step executors: the state machine, the
 * step header, submit/list/show, a job run to SUCCEED, retries, resume of
 * an ERROR job, resume after a node is killed mid-step (a new engine over
 * the same store resumes from the first unfinished step), stop, discard
 * with cleanup (a discarded job never runs again), the concurrency limit,
 * the scheduler-0 lease (one scheduler; takeover on release), query mode,
 * bounded output, fencing (a stale token cannot write or publish), and the
 * /kylin/api/jobs routes.
 */
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>

#include "common/cfg.h"
#include "common/log.h"
#include "job/job.h"
#include "job_int.h"
#include "meta/meta.h"
#include "rest/rest.h"
#include "tap.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

static char dir[256];
static char url[300];

/* Under valgrind (tests/run's valgrind stage) everything runs many times
 * slower, threads take turns on one core, and a metastore commit (fsync) on
 * a busy machine can take most of a second: a 1 s lease then expires before
 * its renewal lands and the scheduler hands its jobs over, which is not what
 * these tests are about. Leases and the waits for things to happen stretch
 * by this factor; what is checked stays the same. */
static int slow = 1;
#define LEASE_MS (1000 * slow)

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/kiln-test-job-%d", (int)getpid());
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s && mkdir -p %s", dir, dir);
    if (system(cmd) != 0)
        TAP_FAIL("cannot make %s", dir);
    snprintf(url, sizeof url, "sqlite:%s/metastore.db", dir);
    log_set_level(getenv("KILN_TEST_VERBOSE") ? LOG_LVL_DEBUG : LOG_LVL_ERROR);
}

static void teardown(void)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stdout, "# could not remove %s\n", dir);
}

static meta_store_t *open_store(void)
{
    meta_options_t o = { .url = url, .node = "test" };
    meta_store_t *s;
    err_t err = { 0 };
    if (meta_open(&o, &s, &err) != 0)
        TAP_FAIL("meta_open: %s", err.message);
    return s;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- fake steps: what they did goes to files, so it survives a killed process ---- */

static void note(const char *file, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(const char *file, const char *fmt, ...)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, file);
    FILE *f = fopen(p, "a");
    if (!f)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fputc('\n', f);
    fclose(f);
}

static int count_lines(const char *file, const char *needle)
{
    char p[512], line[512];
    snprintf(p, sizeof p, "%s/%s", dir, file);
    FILE *f = fopen(p, "r");
    if (!f)
        return 0;
    int n = 0;
    while (fgets(line, sizeof line, f))
        if (!needle || strstr(line, needle))
            n++;
    fclose(f);
    return n;
}

static atomic_int g_release;    /* t.block returns when set */
static atomic_int g_fail_times; /* t.flaky fails attempts 1..this */
static atomic_int g_running, g_max_running;
static atomic_int g_publish_rc = 1;

static int st_ok(job_ctx_t *c, void *arg, err_t *err)
{
    (void)arg;
    (void)err;
    note("runs", "job=%lld step=%d node=%s", (long long)job_ctx_job_id(c), job_ctx_step_no(c), job_ctx_node(c));
    job_ctx_log(c, "ok step %d ran", job_ctx_step_no(c));
    return job_ctx_progress(c, 10, 10, "done");
}

static int st_block(job_ctx_t *c, void *arg, err_t *err)
{
    (void)arg;
    (void)err;
    note("runs", "job=%lld step=%d node=%s", (long long)job_ctx_job_id(c), job_ctx_step_no(c), job_ctx_node(c));
    int r = atomic_fetch_add(&g_running, 1) + 1;
    int m = atomic_load(&g_max_running);
    while (r > m && !atomic_compare_exchange_weak(&g_max_running, &m, r))
        ;
    int rc = 0;
    for (int64_t i = 0; !atomic_load(&g_release); i++) {
        if ((rc = job_ctx_progress(c, i, 0, "blocking")) != 0)
            break;
        if ((rc = job_ctx_sleep(c, 10)) != 0)
            break;
    }
    atomic_fetch_sub(&g_running, 1);
    return rc;
}

static int st_flaky(job_ctx_t *c, void *arg, err_t *err)
{
    (void)arg;
    note("runs", "job=%lld step=%d flaky attempt=%d", (long long)job_ctx_job_id(c), job_ctx_step_no(c),
         job_ctx_attempt(c));
    if (job_ctx_attempt(c) <= atomic_load(&g_fail_times))
        return err_set(err, ERRCODE_INTERNAL_ERROR, "flaky failure %d", job_ctx_attempt(c));
    return 0;
}

static int st_log(job_ctx_t *c, void *arg, err_t *err)
{
    (void)arg;
    (void)err;
    for (int i = 0; i < 5000; i++)
        job_ctx_log(c, "line %05d of a long log that goes on and on and on", i);
    return 0;
}

/* t.steal: simulates a takeover under the running step (another node
 * claims the job with a larger token), then tries to publish. */
static int publish_fn(meta_tx_t *tx, void *arg, err_t *err)
{
    (void)tx;
    (void)err;
    atomic_fetch_add((atomic_int *)arg, 1);
    return 0;
}
static atomic_int g_published;

static int st_steal(job_ctx_t *c, void *arg, err_t *err)
{
    (void)arg;
    job_state_t st;
    int from;
    err_t e2 = { 0 };
    int rc = job__claim(job_ctx_store(c), job_ctx_job_id(c), "thief", job_ctx_token(c) + 100, &st, &from, &e2);
    if (rc != 0)
        return err_set(err, ERRCODE_INTERNAL_ERROR, "steal failed: %s", e2.message);
    rc = job_ctx_publish(c, publish_fn, &g_published, err);
    atomic_store(&g_publish_rc, rc);
    return rc;
}

static int cleanup_fn(job_ctx_t *c, void *arg, err_t *err)
{
    (void)arg;
    (void)err;
    note("cleanups", "job=%lld step=%d", (long long)job_ctx_job_id(c), job_ctx_step_no(c));
    return 0;
}

static void register_types(void)
{
    ASSERT(job_register_step_type("t.ok", st_ok, cleanup_fn, NULL) == 0);
    ASSERT(job_register_step_type("t.block", st_block, cleanup_fn, NULL) == 0);
    ASSERT(job_register_step_type("t.flaky", st_flaky, cleanup_fn, NULL) == 0);
    ASSERT(job_register_step_type("t.log", st_log, NULL, NULL) == 0);
    ASSERT(job_register_step_type("t.steal", st_steal, NULL, NULL) == 0);
}

/* ---- engines on a loop in this thread ---- */

typedef struct node {
    uv_loop_t loop;
    cfg_t *cfg;
    meta_store_t *store;
    job_engine_t *e;
    char name[64];
    atomic_int active;
} node_t;

static void on_event(const char *line, void *arg)
{
    node_t *n = arg;
    if (strncmp(line, "scheduler active", 16) == 0)
        atomic_store(&n->active, 1);
    if (strncmp(line, "scheduler lost", 14) == 0)
        atomic_store(&n->active, 0);
    if (getenv("KILN_TEST_VERBOSE"))
        fprintf(stdout, "# [%s] %s\n", n->name, line);
}

static void node_start_on(node_t *n, uv_loop_t *loop, const char *name, const char *mode, int max_jobs, int retry)
{
    memset(n, 0, sizeof *n);
    (void)loop;
    uv_loop_init(&n->loop);
    snprintf(n->name, sizeof n->name, "%s", name);
    n->cfg = cfg_new();
    err_t err = { 0 };
    char v[32];
    ASSERT(cfg_set(n->cfg, CFG_SERVER_MODE, mode, CFG_C_STARTUP, &err) == 0);
    snprintf(v, sizeof v, "%d", max_jobs);
    ASSERT(cfg_set(n->cfg, CFG_JOB_MAX_CONCURRENT, v, CFG_C_STARTUP, &err) == 0);
    snprintf(v, sizeof v, "%d", retry);
    ASSERT(cfg_set(n->cfg, CFG_JOB_RETRY, v, CFG_C_STARTUP, &err) == 0);
    n->store = open_store();
    job_engine_opts_t o = { .node = n->name, .poll_ms = 200, .lease_ms = LEASE_MS, .retry_interval_ms = 20,
                            .progress_ms = 50, .output_max = 4096 };
    if (job_engine_start(&n->loop, n->cfg, n->store, NULL, NULL, &o, &n->e, &err) != 0)
        TAP_FAIL("job_engine_start: %s", err.message);
    job_engine_on_event(n->e, on_event, n);
}

static void node_start(node_t *n, const char *name, int max_jobs, int retry)
{
    node_start_on(n, NULL, name, "all", max_jobs, retry);
}

static void spin(node_t *a, node_t *b, int ms)
{
    int64_t end = now_ms() + ms;
    while (now_ms() < end) {
        if (a)
            uv_run(&a->loop, UV_RUN_NOWAIT);
        if (b)
            uv_run(&b->loop, UV_RUN_NOWAIT);
        usleep(2000);
    }
}

static void stopped_cb(void *arg) { *(int *)arg = 1; }

static void node_stop(node_t *n)
{
    int done = 0;
    job_engine_stop(n->e, stopped_cb, &done);
    int64_t end = now_ms() + 10000;
    while (!done && now_ms() < end) {
        uv_run(&n->loop, UV_RUN_NOWAIT);
        usleep(2000);
    }
    ASSERT(done);
    uv_run(&n->loop, UV_RUN_NOWAIT);
    ASSERT(uv_loop_close(&n->loop) == 0);
    meta_close(n->store);
    cfg_free(n->cfg);
}

static job_state_t state_of(meta_store_t *s, int64_t id)
{
    mem_arena_t *a = mem_arena_new(NULL, "t", 0);
    job_info_t ji;
    err_t err = { 0 };
    if (job_show(s, id, NULL, a, &ji, NULL, NULL, &err) != 0)
        TAP_FAIL("job_show %lld: %s", (long long)id, err.message);
    mem_arena_free(a);
    return ji.state;
}

/* wait_state - spins the nodes' loops until job id is in state want. */
static int wait_state(node_t *a, node_t *b, meta_store_t *s, int64_t id, job_state_t want, int ms)
{
    int64_t end = now_ms() + (int64_t)ms * slow;
    while (now_ms() < end) {
        if (state_of(s, id) == want)
            return 1;
        spin(a, b, 20);
    }
    fprintf(stdout, "# job %lld is %s, wanted %s\n", (long long)id, job_state_name(state_of(s, id)),
            job_state_name(want));
    return 0;
}

static int step_state(meta_store_t *s, int64_t id, int no, job_step_info_t *out)
{
    static mem_arena_t *a;
    if (!a)
        a = mem_arena_new(NULL, "steps", 0);
    job_info_t ji;
    job_step_info_t *st;
    size_t n;
    err_t err = { 0 };
    if (job_show(s, id, NULL, a, &ji, &st, &n, &err) != 0 || no >= (int)n)
        TAP_FAIL("step %d of job %lld: %s", no, (long long)id, err.message);
    if (out)
        *out = st[no];
    return st[no].state;
}

static int wait_step(node_t *a, node_t *b, meta_store_t *s, int64_t id, int no, job_state_t want, int ms)
{
    int64_t end = now_ms() + (int64_t)ms * slow;
    while (now_ms() < end) {
        if (step_state(s, id, no, NULL) == (int)want)
            return 1;
        spin(a, b, 10);
    }
    return 0;
}

/* wait_running - spins until the engine of a runs exactly want jobs. */
static int wait_running(node_t *a, int want, int ms)
{
    int64_t end = now_ms() + (int64_t)ms * slow;
    while (now_ms() < end) {
        if (job_engine_running(a->e) == want)
            return 1;
        spin(a, NULL, 10);
    }
    return 0;
}

/* wait_active - spins until n holds the scheduler role. */
static int wait_active(node_t *a, node_t *b, node_t *n, int ms)
{
    int64_t end = now_ms() + (int64_t)ms * slow;
    while (now_ms() < end) {
        if (atomic_load(&n->active))
            return 1;
        spin(a, b, 10);
    }
    return 0;
}

static int64_t submit(meta_store_t *s, const char *const *types, size_t n)
{
    job_step_spec_t steps[16];
    for (size_t i = 0; i < n; i++)
        steps[i] = (job_step_spec_t){ NULL, types[i] };
    char names[16][32];
    for (size_t i = 0; i < n; i++) {
        snprintf(names[i], sizeof names[i], "step %zu %s", i, types[i]);
        steps[i].name = names[i];
    }
    job_spec_t spec = { .kind = "build", .params = "p=1", .nsteps = n, .steps = steps };
    int64_t id = 0;
    err_t err = { 0 };
    if (job_submit(s, &spec, &id, &err) != 0)
        TAP_FAIL("job_submit: %s", err.message);
    return id;
}

/* ---- tests ---- */

static void test_states(void)
{
    ASSERT(job_state_can(JOB_READY, JOB_RUNNING));
    ASSERT(job_state_can(JOB_RUNNING, JOB_SUCCEED));
    ASSERT(job_state_can(JOB_ERROR, JOB_READY));
    ASSERT(job_state_can(JOB_STOPPED, JOB_DISCARDED));
    ASSERT(!job_state_can(JOB_DISCARDED, JOB_READY));
    ASSERT(!job_state_can(JOB_SUCCEED, JOB_DISCARDED));
    ASSERT(!job_state_can(JOB_ERROR, JOB_RUNNING));
    ASSERT(job_state_is_final(JOB_SUCCEED) && job_state_is_final(JOB_DISCARDED) && !job_state_is_final(JOB_ERROR));
    ASSERT_STREQ(job_state_name(JOB_SUCCEED), "SUCCEED");
    ASSERT_STREQ(job_state_api_name(JOB_READY), "PENDING");
    ASSERT_EQ(job_state_parse("running"), JOB_RUNNING);
    ASSERT_EQ(job_state_parse("FINISHED"), JOB_SUCCEED);
    ASSERT_EQ(job_state_parse("nope"), -1);
}

static void test_header(void)
{
    job_hdr_t h = { 0 }, g;
    snprintf(h.type, sizeof h.type, "cube.build_cuboids");
    h.attempt = 3;
    h.done = 1234567890123LL;
    h.total = 2000000000000LL;
    snprintf(h.msg, sizeof h.msg, "level 3 of 7: 50%% done\tnow");
    buf_t b = BUF_INIT;
    job__hdr_format(&b, &h, "log line 1\nlog line 2\n", 22);
    const char *log = job__hdr_parse(buf_cstr(&b), &g);
    ASSERT_STREQ(g.type, "cube.build_cuboids");
    ASSERT_EQ(g.attempt, 3);
    ASSERT_EQ(g.done, h.done);
    ASSERT_EQ(g.total, h.total);
    ASSERT_STREQ(g.msg, h.msg);
    ASSERT_STREQ(log, "log line 1\nlog line 2\n");
    buf_free(&b);
    log = job__hdr_parse("plain text", &g);
    ASSERT_STREQ(log, "plain text");
    ASSERT_STREQ(g.type, "");
}

static void test_submit_list_show(void)
{
    setup();
    meta_store_t *s = open_store();
    const char *types[] = { "t.ok", "t.block", "t.ok" };
    int64_t a = submit(s, types, 3);
    int64_t b = submit(s, types, 1);
    ASSERT(a > 0 && b > a);
    mem_arena_t *ar = mem_arena_new(NULL, "t", 0);
    job_info_t *v;
    size_t n;
    err_t err = { 0 };
    job_filter_t f = { .state = -1, .with_steps = true };
    ASSERT(job_list(s, &f, ar, &v, &n, &err) == 0);
    ASSERT_EQ(n, 2);
    ASSERT_EQ(v[0].id, b); /* newest first */
    ASSERT_EQ(v[1].nsteps, 3);
    ASSERT_EQ(v[1].state, JOB_READY);
    ASSERT_EQ(strlen(v[1].name), 36); /* a uuid */
    job_info_t ji;
    job_step_info_t *st;
    size_t ns;
    ASSERT(job_show(s, 0, v[1].name, ar, &ji, &st, &ns, &err) == 0);
    ASSERT_EQ(ji.id, a);
    ASSERT_EQ(ns, 3);
    ASSERT_STREQ(st[1].type, "t.block");
    ASSERT_STREQ(st[1].name, "step 1 t.block");
    ASSERT_EQ(st[1].state, JOB_READY);
    job_step_info_t *all;
    ASSERT(job_list_steps(s, 0, ar, &all, &ns, &err) == 0);
    ASSERT_EQ(ns, 4);
    /* bad specs */
    job_step_spec_t dup[] = { { "x", "t.ok" }, { "x", "t.ok" } };
    job_spec_t bad = { .nsteps = 2, .steps = dup };
    int64_t id;
    err_clear(&err);
    ASSERT(job_submit(s, &bad, &id, &err) != 0);
    ASSERT_STREQ(err.sqlstate, "22023");
    job_spec_t none = { .nsteps = 0 };
    err_clear(&err);
    ASSERT(job_submit(s, &none, &id, &err) != 0);
    /* user actions on a READY job */
    err_clear(&err);
    ASSERT_EQ(job_resume(s, a, &err), JOB_ESTATE); /* READY -> READY is not a transition */
    ASSERT_STREQ(err.sqlstate, "55000");
    ASSERT(job_stop(s, b, &err) == 0);
    ASSERT_EQ(state_of(s, b), JOB_STOPPED);
    ASSERT(job_resume(s, b, &err) == 0);
    ASSERT_EQ(state_of(s, b), JOB_READY);
    err_clear(&err);
    ASSERT_EQ(job_show(s, 999999, NULL, ar, &ji, NULL, NULL, &err), META_NOT_FOUND);
    mem_arena_free(ar);
    meta_close(s);
    teardown();
}

static void test_run_to_succeed(void)
{
    setup();
    register_types();
    node_t n;
    node_start(&n, "n1", 4, 0);
    atomic_store(&g_release, 1);
    const char *types[] = { "t.ok", "t.block", "t.ok" };
    int64_t id = submit(n.store, types, 3);
    job_engine_wake(n.e);
    ASSERT(wait_state(&n, NULL, n.store, id, JOB_SUCCEED, 10000));
    ASSERT_EQ(count_lines("runs", NULL), 3);
    job_step_info_t st;
    ASSERT_EQ(step_state(n.store, id, 0, &st), JOB_SUCCEED);
    ASSERT_EQ(st.attempts, 1);
    ASSERT_EQ(st.rows_done, 10);
    ASSERT_EQ(st.rows_total, 10);
    ASSERT_STREQ(st.message, "done");
    ASSERT(strstr(st.log, "ok step 0 ran") != NULL);
    ASSERT(strstr(st.log, "attempt 1 on n1") != NULL);
    ASSERT(st.started > 0 && st.finished >= st.started);
    mem_arena_t *ar = mem_arena_new(NULL, "t", 0);
    job_info_t ji;
    err_t err = { 0 };
    ASSERT(job_show(n.store, id, NULL, ar, &ji, NULL, NULL, &err) == 0);
    ASSERT_STREQ(ji.owner_node, "n1");
    ASSERT(ji.fencing_token >= 1);
    ASSERT(ji.finished >= ji.started && ji.started > 0);
    ASSERT_EQ(ji.steps_done, 3);
    mem_arena_free(ar);
    node_stop(&n);
    teardown();
}

static void test_retry_and_resume(void)
{
    setup();
    register_types();
    /* retry 2: fails twice, third attempt succeeds */
    node_t n;
    node_start(&n, "n1", 4, 2);
    atomic_store(&g_fail_times, 2);
    const char *types[] = { "t.ok", "t.flaky", "t.ok" };
    int64_t id = submit(n.store, types, 3);
    job_engine_wake(n.e);
    ASSERT(wait_state(&n, NULL, n.store, id, JOB_SUCCEED, 10000));
    job_step_info_t st;
    step_state(n.store, id, 1, &st);
    ASSERT_EQ(st.attempts, 3);
    ASSERT(strstr(st.log, "attempt 1 failed: flaky failure 1") != NULL);
    ASSERT_EQ(count_lines("runs", "flaky"), 3);
    /* fails 5 times with retry 2: ERROR after 3 attempts, later steps never run */
    atomic_store(&g_fail_times, 5);
    int64_t id2 = submit(n.store, types, 3);
    job_engine_wake(n.e);
    ASSERT(wait_state(&n, NULL, n.store, id2, JOB_ERROR, 10000));
    ASSERT_EQ(step_state(n.store, id2, 1, &st), JOB_ERROR);
    ASSERT_EQ(st.attempts, 3);
    ASSERT_EQ(step_state(n.store, id2, 2, NULL), JOB_READY);
    mem_arena_t *ar = mem_arena_new(NULL, "t", 0);
    job_info_t ji;
    err_t err = { 0 };
    ASSERT(job_show(n.store, id2, NULL, ar, &ji, NULL, NULL, &err) == 0);
    ASSERT(ji.error && strstr(ji.error, "flaky failure 3"));
    /* resume: the failed step runs again (tries reset), step 0 does not */
    int step0_runs = count_lines("runs", "step=0");
    atomic_store(&g_fail_times, 0);
    ASSERT(job_resume(n.store, id2, &err) == 0);
    job_engine_wake(n.e);
    ASSERT(wait_state(&n, NULL, n.store, id2, JOB_SUCCEED, 10000));
    ASSERT_EQ(count_lines("runs", "step=0"), step0_runs);
    step_state(n.store, id2, 1, &st);
    ASSERT_EQ(st.attempts, 1);
    mem_arena_free(ar);
    node_stop(&n);
    teardown();
}

/* A node is killed (SIGKILL) in the middle of step 1; a new engine over the
 * same store waits out the dead node's lease, claims the job with a larger
 * token and resumes at step 1: step 0 is not run again. */
static void test_resume_after_crash(void)
{
    setup();
    register_types();
    meta_store_t *s = open_store();
    const char *types[] = { "t.ok", "t.block", "t.ok" };
    int64_t id = submit(s, types, 3);
    pid_t pid = fork();
    if (pid == 0) {
        node_t a;
        node_start(&a, "crashing", 4, 0);
        for (;;)
            spin(&a, NULL, 1000);
    }
    int ok = 0;
    for (int i = 0; i < 500 && !ok; i++) {
        ok = step_state(s, id, 1, NULL) == JOB_RUNNING && count_lines("runs", "step=1") == 1;
        usleep(20000);
    }
    ASSERT(ok);
    usleep(100000);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    mem_arena_t *ar = mem_arena_new(NULL, "t", 0);
    job_info_t before;
    err_t err = { 0 };
    ASSERT(job_show(s, id, NULL, ar, &before, NULL, NULL, &err) == 0);
    ASSERT_EQ(before.state, JOB_RUNNING);
    ASSERT_STREQ(before.owner_node, "crashing");

    atomic_store(&g_release, 1);
    node_t b;
    int64_t t0 = now_ms();
    node_start(&b, "survivor", 4, 0);
    ASSERT(wait_state(&b, NULL, s, id, JOB_SUCCEED, 15000));
    int64_t took = now_ms() - t0;
    fprintf(stdout, "# resumed and finished %lld ms after the new engine started (lease %d ms)\n", (long long)took,
            LEASE_MS);
    ASSERT_EQ(count_lines("runs", "step=0"), 1); /* not run again */
    ASSERT_EQ(count_lines("runs", "step=1"), 2); /* the interrupted step runs again */
    ASSERT_EQ(count_lines("runs", "step=2"), 1);
    job_info_t after;
    ASSERT(job_show(s, id, NULL, ar, &after, NULL, NULL, &err) == 0);
    ASSERT_STREQ(after.owner_node, "survivor");
    ASSERT(after.fencing_token > before.fencing_token);
    job_step_info_t st;
    step_state(s, id, 1, &st);
    ASSERT(strstr(st.log, "on crashing") && strstr(st.log, "on survivor"));
    mem_arena_free(ar);
    node_stop(&b);
    meta_close(s);
    teardown();
}

static void test_stop_and_resume(void)
{
    setup();
    register_types();
    node_t n;
    node_start(&n, "n1", 4, 0);
    atomic_store(&g_release, 0);
    const char *types[] = { "t.ok", "t.block" };
    int64_t id = submit(n.store, types, 2);
    job_engine_wake(n.e);
    ASSERT(wait_step(&n, NULL, n.store, id, 1, JOB_RUNNING, 10000));
    err_t err = { 0 };
    ASSERT(job_stop(n.store, id, &err) == 0);
    ASSERT(wait_step(&n, NULL, n.store, id, 1, JOB_STOPPED, 10000));
    ASSERT(wait_running(&n, 0, 5000)); /* the run ends once its step saw the stop */
    ASSERT_EQ(state_of(n.store, id), JOB_STOPPED);
    atomic_store(&g_release, 1);
    ASSERT(job_resume(n.store, id, &err) == 0);
    job_engine_wake(n.e);
    ASSERT(wait_state(&n, NULL, n.store, id, JOB_SUCCEED, 10000));
    ASSERT_EQ(count_lines("runs", "step=0"), 1);
    node_stop(&n);
    teardown();
}

static void test_discard_cleanup(void)
{
    setup();
    register_types();
    node_t n;
    node_start(&n, "n1", 4, 0);
    atomic_store(&g_release, 0);
    const char *types[] = { "t.ok", "t.block", "t.ok" };
    /* discarded while running: cleanup of steps 1 and 0 (last first), not 2 */
    int64_t id = submit(n.store, types, 3);
    job_engine_wake(n.e);
    ASSERT(wait_step(&n, NULL, n.store, id, 1, JOB_RUNNING, 10000));
    err_t err = { 0 };
    ASSERT(job_discard(n.store, id, &err) == 0);
    int ok = 0;
    for (int i = 0; i < 500 && !ok; i++) {
        spin(&n, NULL, 20);
        ok = count_lines("cleanups", NULL) == 2;
    }
    ASSERT(ok);
    spin(&n, NULL, 200);
    ASSERT_EQ(count_lines("cleanups", "step=2"), 0);
    char first[64];
    snprintf(first, sizeof first, "job=%lld step=1", (long long)id);
    ASSERT_EQ(count_lines("cleanups", first), 1);
    mem_arena_t *ar = mem_arena_new(NULL, "t", 0);
    job_info_t ji;
    ASSERT(job_show(n.store, id, NULL, ar, &ji, NULL, NULL, &err) == 0);
    ASSERT_EQ(ji.state, JOB_DISCARDED);
    ASSERT(ji.finished > 0); /* cleanup recorded */
    /* never again */
    err_clear(&err);
    ASSERT_EQ(job_resume(n.store, id, &err), JOB_ESTATE);
    ASSERT(strstr(err.hint, "never runs again") != NULL);
    err_clear(&err);
    ASSERT_EQ(job_discard(n.store, id, &err), JOB_ESTATE);
    /* discarded while READY (never started): no cleanup, finished stamped */
    ASSERT(job_engine_is_scheduling(n.e));
    node_stop(&n);
    meta_store_t *s = open_store();
    int64_t id2 = submit(s, types, 3);
    ASSERT(job_discard(s, id2, &err) == 0);
    node_start(&n, "n1", 4, 0);
    int done = 0;
    for (int i = 0; i < 500 && !done; i++) {
        spin(&n, NULL, 20);
        ASSERT(job_show(s, id2, NULL, ar, &ji, NULL, NULL, &err) == 0);
        done = ji.finished > 0;
    }
    ASSERT(done);
    snprintf(first, sizeof first, "job=%lld", (long long)id2);
    ASSERT_EQ(count_lines("cleanups", first), 0);
    ASSERT_EQ(count_lines("runs", first), 0);
    mem_arena_free(ar);
    node_stop(&n);
    meta_close(s);
    teardown();
}

static void test_concurrency_limit(void)
{
    setup();
    register_types();
    node_t n;
    node_start(&n, "n1", 2, 0);
    atomic_store(&g_release, 0);
    const char *types[] = { "t.block" };
    int64_t ids[5];
    for (int i = 0; i < 5; i++)
        ids[i] = submit(n.store, types, 1);
    job_engine_wake(n.e);
    /* Two start; more scheduling passes (poll 200 ms) start no third. */
    ASSERT(wait_running(&n, 2, 10000));
    spin(&n, NULL, 1000 * slow);
    ASSERT_EQ(atomic_load(&g_max_running), 2);
    ASSERT_EQ(job_engine_running(n.e), 2);
    int ready = 0;
    for (int i = 0; i < 5; i++)
        ready += state_of(n.store, ids[i]) == JOB_READY;
    ASSERT_EQ(ready, 3);
    atomic_store(&g_release, 1);
    for (int i = 0; i < 5; i++)
        ASSERT(wait_state(&n, NULL, n.store, ids[i], JOB_SUCCEED, 10000));
    ASSERT(atomic_load(&g_max_running) <= 2);
    node_stop(&n);
    teardown();
}

static void test_scheduler_zero_lease(void)
{
    setup();
    register_types();
    node_t a, b;
    node_start(&a, "first", 4, 0);
    ASSERT(wait_active(&a, NULL, &a, 5000));
    node_start(&b, "second", 4, 0);
    spin(&a, &b, LEASE_MS * 3 / 2); /* longer than the lease: renewals keep the first one in */
    ASSERT(atomic_load(&a.active));
    ASSERT(!atomic_load(&b.active));
    ASSERT(!job_engine_is_scheduling(b.e));
    /* the second schedules nothing */
    atomic_store(&g_release, 1);
    const char *types[] = { "t.ok" };
    int64_t id = submit(a.store, types, 1);
    ASSERT(wait_state(&a, &b, a.store, id, JOB_SUCCEED, 10000));
    ASSERT_EQ(count_lines("runs", "node=second"), 0);
    /* a clean stop releases the lease: the second takes over at once */
    int64_t t0 = now_ms();
    node_stop(&a);
    int ok = 0;
    while (!ok && now_ms() - t0 < 5000 * slow) {
        spin(&b, NULL, 10);
        ok = atomic_load(&b.active);
    }
    ASSERT(ok);
    fprintf(stdout, "# standby took over %lld ms after a clean stop\n", (long long)(now_ms() - t0));
    int64_t id2 = submit(b.store, types, 1);
    ASSERT(wait_state(&b, NULL, b.store, id2, JOB_SUCCEED, 10000));
    ASSERT_EQ(count_lines("runs", "node=second"), 1);
    node_stop(&b);
    teardown();
}

static void test_query_mode(void)
{
    setup();
    register_types();
    node_t q;
    node_start_on(&q, NULL, "q", "query", 4, 0);
    const char *types[] = { "t.ok" };
    int64_t id = submit(q.store, types, 1);
    job_engine_wake(q.e);
    spin(&q, NULL, 800);
    ASSERT(!job_engine_is_scheduling(q.e));
    ASSERT_EQ(state_of(q.store, id), JOB_READY);
    node_stop(&q);
    /* schedulers 2 and 100 need ZooKeeper */
    cfg_t *c = cfg_new();
    err_t err = { 0 };
    ASSERT(cfg_set(c, CFG_JOB_SCHEDULER, "2", CFG_C_STARTUP, &err) == 0);
    uv_loop_t loop;
    uv_loop_init(&loop);
    meta_store_t *s = open_store();
    job_engine_t *e;
    ASSERT(job_engine_start(&loop, c, s, NULL, NULL, NULL, &e, &err) != 0);
    ASSERT_STREQ(err.sqlstate, "F0000");
    ASSERT(strstr(err.message, "ZooKeeper") != NULL);
    meta_close(s);
    cfg_free(c);
    uv_loop_close(&loop);
    teardown();
}

static void test_output_bounded(void)
{
    setup();
    register_types();
    node_t n;
    node_start(&n, "n1", 4, 0);
    const char *types[] = { "t.log" };
    int64_t id = submit(n.store, types, 1);
    job_engine_wake(n.e);
    ASSERT(wait_state(&n, NULL, n.store, id, JOB_SUCCEED, 10000));
    job_step_info_t st;
    step_state(n.store, id, 0, &st);
    ASSERT(strlen(st.log) <= 4096 + 100);
    ASSERT(strstr(st.log, "--- step 0") != NULL);       /* head kept */
    ASSERT(strstr(st.log, "line 04999") != NULL);       /* tail kept */
    ASSERT(strstr(st.log, "bytes of output dropped") != NULL);
    node_stop(&n);
    teardown();
}

static void test_fencing(void)
{
    setup();
    register_types();
    meta_store_t *s = open_store();
    const char *types[] = { "t.ok", "t.ok" };
    int64_t id = submit(s, types, 2);
    err_t err = { 0 };
    job_state_t st;
    int from;
    ASSERT(job__claim(s, id, "old", 5, &st, &from, &err) == 0);
    ASSERT_EQ(st, JOB_RUNNING);
    ASSERT_EQ(from, 0);
    job_fence_t old = { id, 5, "old", 0 };
    ASSERT(job__fenced(s, &old, NULL, NULL, &err) == 0);
    /* a newer run takes it over */
    ASSERT(job__claim(s, id, "new", 9, &st, &from, &err) == 0);
    err_clear(&err);
    ASSERT_EQ(job__fenced(s, &old, NULL, NULL, &err), JOB_EFENCED);
    ASSERT_STREQ(err.sqlstate, "40001");
    ASSERT(strstr(err.message, "token 9") != NULL);
    /* an older token cannot claim back */
    err_clear(&err);
    ASSERT_EQ(job__claim(s, id, "old", 7, &st, &from, &err), JOB_EFENCED);
    /* the same token from another node name is not the owner either */
    job_fence_t impostor = { id, 9, "old", 0 };
    err_clear(&err);
    ASSERT_EQ(job__fenced(s, &impostor, NULL, NULL, &err), JOB_EFENCED);
    job_fence_t cur = { id, 9, "new", 0 };
    ASSERT(job__fenced(s, &cur, NULL, NULL, &err) == 0);
    /* a stopped job is not writable by its run (JOB_ECANCELLED) */
    ASSERT(job_stop(s, id, &err) == 0);
    err_clear(&err);
    ASSERT_EQ(job__fenced(s, &cur, NULL, NULL, &err), JOB_ECANCELLED);
    meta_close(s);

    /* through the engine: a step whose job is taken over under it cannot
     * publish, and its run ends without touching the job */
    node_t n;
    node_start(&n, "victim", 4, 0);
    const char *t2[] = { "t.ok", "t.steal" };
    int64_t id2 = submit(n.store, t2, 2);
    job_engine_wake(n.e);
    int64_t end = now_ms() + 10000;
    while (atomic_load(&g_publish_rc) == 1 && now_ms() < end)
        spin(&n, NULL, 10);
    ASSERT_EQ(atomic_load(&g_publish_rc), JOB_EFENCED);
    ASSERT_EQ(atomic_load(&g_published), 0);
    ASSERT(wait_running(&n, 0, 5000));
    mem_arena_t *ar = mem_arena_new(NULL, "t", 0);
    job_info_t ji;
    ASSERT(job_show(n.store, id2, NULL, ar, &ji, NULL, NULL, &err) == 0);
    ASSERT_EQ(ji.state, JOB_RUNNING); /* the thief's, untouched by the victim */
    ASSERT_STREQ(ji.owner_node, "thief");
    job_step_info_t sti;
    step_state(n.store, id2, 1, &sti);
    ASSERT(sti.state != JOB_SUCCEED && sti.state != JOB_ERROR);
    mem_arena_free(ar);
    node_stop(&n);
    teardown();
}

/* ---- REST: a client thread talks HTTP/1.0 while this thread runs the loop ---- */

typedef struct http_call {
    int port;
    char req[512];
    char resp[65536];
    atomic_int done;
} http_call_t;

static void http_thread(void *arg)
{
    http_call_t *h = arg;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { 0 };
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)h->port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    size_t got = 0;
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0 && write(fd, h->req, strlen(h->req)) > 0) {
        ssize_t r;
        while (got + 1 < sizeof h->resp && (r = read(fd, h->resp + got, sizeof h->resp - 1 - got)) > 0)
            got += (size_t)r;
    }
    h->resp[got] = '\0';
    close(fd);
    atomic_store(&h->done, 1);
}

static const char *http(node_t *n, int port, const char *method, const char *path, http_call_t *h)
{
    memset(h, 0, sizeof *h);
    h->port = port;
    snprintf(h->req, sizeof h->req, "%s %s HTTP/1.0\r\nHost: x\r\nContent-Length: 0\r\n\r\n", method, path);
    uv_thread_t t;
    ASSERT(uv_thread_create(&t, http_thread, h) == 0);
    int64_t end = now_ms() + 10000;
    while (!atomic_load(&h->done) && now_ms() < end)
        spin(n, NULL, 5);
    uv_thread_join(&t);
    return h->resp;
}

static void test_rest(void)
{
    setup();
    register_types();
    node_t n;
    memset(&n, 0, sizeof n);
    uv_loop_init(&n.loop);
    snprintf(n.name, sizeof n.name, "r1");
    n.cfg = cfg_new();
    n.store = open_store();
    rest_server_t *rs = rest_new(&n.loop, "127.0.0.1", 0);
    err_t err = { 0 };
    job_engine_opts_t o = { .node = "r1", .poll_ms = 200, .lease_ms = LEASE_MS, .progress_ms = 50 };
    ASSERT(job_engine_start(&n.loop, n.cfg, n.store, NULL, rs, &o, &n.e, &err) == 0);
    char msg[256];
    ASSERT(rest_start(rs, msg, sizeof msg) == 0);
    int port = rest_port(rs);
    atomic_store(&g_release, 0);
    const char *types[] = { "t.ok", "t.block" };
    int64_t id = submit(n.store, types, 2);
    job_engine_wake(n.e);
    ASSERT(wait_step(&n, NULL, n.store, id, 1, JOB_RUNNING, 10000));
    http_call_t *h = mem_calloc(1, sizeof *h);
    const char *r = http(&n, port, "GET", "/kylin/api/jobs", h);
    ASSERT(strstr(r, "200 OK") != NULL);
    ASSERT(strstr(r, "\"job_status\":\"RUNNING\"") != NULL);
    ASSERT(strstr(r, "\"owner_node\":\"r1\"") != NULL);
    char path[128];
    snprintf(path, sizeof path, "/kylin/api/jobs/%lld", (long long)id);
    r = http(&n, port, "GET", path, h);
    ASSERT(strstr(r, "\"steps\":[") != NULL);
    ASSERT(strstr(r, "\"type\":\"t.block\"") != NULL);
    ASSERT(strstr(r, "\"step_status\":\"FINISHED\"") != NULL); /* step 0 */
    r = http(&n, port, "GET", "/kylin/api/jobs?status=ERROR", h);
    ASSERT(strstr(r, "200 OK") && strstr(r, "\r\n\r\n[]"));
    r = http(&n, port, "GET", "/kylin/api/jobs?status=2", h); /* Kylin's numeric RUNNING */
    ASSERT(strstr(r, "\"job_status\":\"RUNNING\"") != NULL);
    snprintf(path, sizeof path, "/kylin/api/jobs/%lld/steps/0/output", (long long)id);
    r = http(&n, port, "GET", path, h);
    ASSERT(strstr(r, "ok step 0 ran") != NULL);
    r = http(&n, port, "GET", "/kylin/api/jobs/999999", h);
    ASSERT(strstr(r, "404") != NULL);
    snprintf(path, sizeof path, "/kylin/api/jobs/%lld/pause", (long long)id);
    r = http(&n, port, "PUT", path, h);
    ASSERT(strstr(r, "\"job_status\":\"STOPPED\"") != NULL);
    ASSERT(wait_step(&n, NULL, n.store, id, 1, JOB_STOPPED, 10000));
    snprintf(path, sizeof path, "/kylin/api/jobs/%lld/cancel", (long long)id);
    r = http(&n, port, "PUT", path, h);
    ASSERT(strstr(r, "\"job_status\":\"DISCARDED\"") != NULL);
    snprintf(path, sizeof path, "/kylin/api/jobs/%lld/resume", (long long)id);
    r = http(&n, port, "PUT", path, h);
    ASSERT(strstr(r, "400") && strstr(r, "cannot become READY"));
    /* by name (uuid) */
    mem_arena_t *ar = mem_arena_new(NULL, "t", 0);
    job_info_t ji;
    ASSERT(job_show(n.store, id, NULL, ar, &ji, NULL, NULL, &err) == 0);
    snprintf(path, sizeof path, "/kylin/api/jobs/%s", ji.name);
    r = http(&n, port, "GET", path, h);
    ASSERT(strstr(r, "200 OK") && strstr(r, "DISCARDED"));
    mem_arena_free(ar);
    mem_free(h);
    int done = 0;
    job_engine_stop(n.e, stopped_cb, &done);
    rest_close(rs);
    int64_t end = now_ms() + 10000;
    while (!done && now_ms() < end)
        spin(&n, NULL, 5);
    ASSERT(done);
    /* The REST port's handles close asynchronously: close the loop once they have. */
    int closed;
    end = now_ms() + 10000;
    while ((closed = uv_loop_close(&n.loop)) != 0 && now_ms() < end)
        spin(&n, NULL, 5);
    ASSERT_EQ(closed, 0);
    meta_close(n.store);
    cfg_free(n.cfg);
    teardown();
}

static const tap_test_t tests[] = {
    { "states and Kylin's transitions", test_states },
    { "step header round trip", test_header },
    { "submit, list, show, user actions on a READY job", test_submit_list_show },
    { "a job runs its steps to SUCCEED with output and progress", test_run_to_succeed },
    { "kylin.job.retry retries a failing step; ERROR; resume reruns only the failed step", test_retry_and_resume },
    { "a node killed mid-step: a new engine resumes from the first unfinished step", test_resume_after_crash },
    { "stop a running job, resume it", test_stop_and_resume },
    { "discard runs the cleanups of started steps; a discarded job never runs again", test_discard_cleanup },
    { "kylin.job.max-concurrent-jobs bounds running jobs", test_concurrency_limit },
    { "scheduler 0 without ZooKeeper: one scheduler by lease, standby takes over", test_scheduler_zero_lease },
    { "query mode runs no jobs; schedulers 2/100 need ZooKeeper", test_query_mode },
    { "step output is bounded (head and tail kept)", test_output_bounded },
    { "fencing: a stale token cannot write or publish", test_fencing },
    { "REST: list, show, step output, pause, cancel, resume refused", test_rest },
};

int main(void)
{
    const char *pre = getenv("LD_PRELOAD");
    if (pre && strstr(pre, "vgpreload"))
        slow = 5;
    return TAP_RUN(tests);
}
