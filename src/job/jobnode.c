/*
 * jobnode.c - kiln-jobnode: one job node without the rest of kilnd (the
 * job engine over a metastore, ZooKeeper through coord), running synthetic
 * slow steps, plus the commands a test needs to submit and inspect jobs.
 * tests/e2e/job_*.sh start several of these and kill them on purpose.
 *
 *   kiln-jobnode [options] run              be a job node until SIGTERM/SIGINT
 *   kiln-jobnode [options] submit N MS      a job of N steps of MS ms each (the
 *                                           last one publishes); prints its id
 *   kiln-jobnode [options] show ID          one line: state, owner, token, steps
 *   kiln-jobnode [options] published ID     the segment rows job ID published: "token=T node=N"
 *   kiln-jobnode [options] discard ID | resume ID | stop ID
 * Options: -u URL (kylin.metadata.url; required), -z ZK (connect string; empty:
 *   none), -c CLUSTER (znode cluster name), -s 0|2|100 (scheduler), -n NAME
 *   (node name), -t MS (ZooKeeper session timeout), -j N (max concurrent
 *   jobs), -r N (kylin.job.retry), -p MS (poll interval), -l MS (lease), -F
 *   (fence in the metastore only: skip the local lock check, to show the
 *   metastore token check alone stops a stale node).
 * `run` prints one line per event on stdout: "<unix ms> <name> <event>".
 *
 * Step types: sim.sleep (sleeps MS in slices, reporting progress, stops when
 * cancelled) and sim.publish (sleeps MS ignoring cancellation, as a stale
 * node that does not know it is stale would, then publishes a segment row
 * through job_ctx_publish: the fencing check decides).
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>

#include "common/cfg.h"
#include "common/log.h"
#include "coord/coord.h"
#include "job/job.h"
#include "meta/meta.h"

static const char *o_url, *o_zk = "", *o_cluster = "kiln_job_e2e", *o_sched = "0", *o_name = "jobnode";
static int o_session = 4000, o_jobs = 4, o_retry = 0;
static int64_t o_poll = 1000, o_lease = 0;
static int o_fence_meta = 0;

static uv_loop_t *loop;
static meta_store_t *store;
static coord_t *co;
static job_engine_t *engine;
static uv_signal_t sigterm, sigint;
static uv_mutex_t out_mu;

static int64_t wall_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    char line[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    uv_mutex_lock(&out_mu);
    printf("%lld %s %s\n", (long long)wall_ms(), o_name, line);
    fflush(stdout);
    uv_mutex_unlock(&out_mu);
}

static void on_event(const char *line, void *arg)
{
    (void)arg;
    say("%s", line);
}

static int64_t step_ms(job_ctx_t *c)
{
    const char *p = strstr(job_ctx_params(c), "step_ms=");
    return p ? atoll(p + 8) : 1000;
}

static int sim_sleep(job_ctx_t *c, void *arg, err_t *err)
{
    (void)arg;
    (void)err;
    int64_t ms = step_ms(c), slice = 50;
    for (int64_t t = 0; t < ms; t += slice) {
        int rc = job_ctx_progress(c, t, ms, "sleeping");
        if (rc == 0)
            rc = job_ctx_sleep(c, slice);
        if (rc != 0)
            return rc;
    }
    job_ctx_log(c, "slept %lld ms on %s", (long long)ms, job_ctx_node(c));
    return 0;
}

typedef struct seg_arg {
    job_ctx_t *c;
} seg_arg_t;

static int publish_tx(meta_tx_t *tx, void *arg, err_t *err)
{
    job_ctx_t *c = ((seg_arg_t *)arg)->c;
    char name[300], path[400];
    snprintf(name, sizeof name, "%s-%lld", job_ctx_job_name(c), (long long)job_ctx_token(c));
    snprintf(path, sizeof path, "/tmp/sim/%s/%s", job_ctx_node(c), name);
    meta_segment_t s = { 0 };
    s.cube_id = 0;
    s.name = name;
    s.status = "ready";
    s.storage_path = path;
    s.job_id = job_ctx_job_id(c);
    s.fencing_token = job_ctx_token(c);
    return meta_put(tx, META_SEGMENT, &s, err);
}

static int sim_publish(job_ctx_t *c, void *arg, err_t *err)
{
    (void)arg;
    int64_t end = wall_ms() + step_ms(c);
    while (wall_ms() < end) { /* deliberately deaf to cancellation */
        struct timespec ts = { 0, 20 * 1000000 };
        nanosleep(&ts, NULL);
    }
    say("publishing job=%lld token=%lld", (long long)job_ctx_job_id(c), (long long)job_ctx_token(c));
    seg_arg_t a = { c };
    int rc = job_ctx_publish(c, publish_tx, &a, err);
    if (rc != 0)
        say("publish failed job=%lld rc=%d: %s", (long long)job_ctx_job_id(c), rc, err->message);
    return rc;
}

static void on_session(coord_t *c, coord_state_t st, void *arg)
{
    (void)c;
    (void)arg;
    say("session %s", coord_state_name(st));
}

static void coord_closed(void *arg)
{
    (void)arg;
    uv_close((uv_handle_t *)&sigterm, NULL);
    uv_close((uv_handle_t *)&sigint, NULL);
}

static void engine_stopped(void *arg)
{
    (void)arg;
    say("engine stopped");
    if (co)
        coord_close(co, coord_closed, NULL);
    else
        coord_closed(NULL);
}

static void on_signal(uv_signal_t *s, int signum)
{
    (void)s;
    static int n;
    if (n++) {
        say("second signal %d: exiting", signum);
        _exit(1);
    }
    say("stopping on signal %d", signum);
    job_engine_stop(engine, engine_stopped, NULL);
}

static int usage(void)
{
    fprintf(stderr, "usage: kiln-jobnode -u URL [-z ZK] [-c CLUSTER] [-s 0|2|100] [-n NAME] [-t MS] [-j N] [-r N] "
                    "[-p MS] [-l MS] [-F] run | submit N MS | show ID | published ID | discard ID | resume ID | "
                    "stop ID\n");
    return 2;
}

static int cmd_run(void)
{
    cfg_t *cfg = cfg_new();
    err_t err = { 0 };
    char v[32];
    if (cfg_set(cfg, CFG_JOB_SCHEDULER, o_sched, CFG_C_STARTUP, &err) != 0)
        goto bad;
    snprintf(v, sizeof v, "%d", o_jobs);
    if (cfg_set(cfg, CFG_JOB_MAX_CONCURRENT, v, CFG_C_STARTUP, &err) != 0)
        goto bad;
    snprintf(v, sizeof v, "%d", o_retry);
    if (cfg_set(cfg, CFG_JOB_RETRY, v, CFG_C_STARTUP, &err) != 0)
        goto bad;
    job_register_step_type("sim.sleep", sim_sleep, NULL, NULL);
    job_register_step_type("sim.publish", sim_publish, NULL, NULL);
    if (*o_zk) {
        coord_config_t cc = { o_zk, "/kylin", o_cluster, o_session, o_name };
        int cerr = 0;
        co = coord_new(loop, &cc, on_session, NULL, &cerr);
        if (!co) {
            fprintf(stderr, "kiln-jobnode: coord: %s\n", coord_strerror(cerr));
            return 2;
        }
    }
    job_engine_opts_t o = { .node = o_name, .poll_ms = o_poll, .lease_ms = o_lease, .retry_interval_ms = 200,
                            .progress_ms = 500, .fence_metastore_only = o_fence_meta != 0 };
    if (job_engine_start(loop, cfg, store, co, NULL, &o, &engine, &err) != 0)
        goto bad;
    job_engine_on_event(engine, on_event, NULL);
    uv_signal_init(loop, &sigterm);
    uv_signal_start(&sigterm, on_signal, SIGTERM);
    uv_signal_init(loop, &sigint);
    uv_signal_start(&sigint, on_signal, SIGINT);
    say("started scheduler=%s zk=%s", o_sched, *o_zk ? "yes" : "no");
    uv_run(loop, UV_RUN_DEFAULT);
    cfg_free(cfg);
    return 0;
bad:
    fprintf(stderr, "kiln-jobnode: %s\n", err.message);
    cfg_free(cfg);
    return 2;
}

static int cmd_submit(int n, int64_t ms)
{
    if (n < 1 || n > 50)
        return usage();
    job_step_spec_t steps[50];
    char names[50][32];
    for (int i = 0; i < n; i++) {
        snprintf(names[i], sizeof names[i], "sim step %d", i);
        steps[i] = (job_step_spec_t){ names[i], i == n - 1 ? "sim.publish" : "sim.sleep" };
    }
    char params[64];
    snprintf(params, sizeof params, "step_ms=%lld", (long long)ms);
    job_spec_t spec = { .kind = "build", .submitter = "e2e", .params = params, .nsteps = (size_t)n, .steps = steps };
    int64_t id;
    err_t err = { 0 };
    if (job_submit(store, &spec, &id, &err) != 0) {
        fprintf(stderr, "kiln-jobnode: submit: %s\n", err.message);
        return 1;
    }
    printf("%lld\n", (long long)id);
    return 0;
}

static int cmd_show(int64_t id)
{
    mem_arena_t *a = mem_arena_new(NULL, "show", 0);
    job_info_t ji;
    job_step_info_t *st;
    size_t n;
    err_t err = { 0 };
    if (job_show(store, id, NULL, a, &ji, &st, &n, &err) != 0) {
        fprintf(stderr, "kiln-jobnode: show: %s\n", err.message);
        mem_arena_free(a);
        return 1;
    }
    printf("state=%s owner=%s token=%lld steps_done=%d/%d", job_state_name(ji.state),
           ji.owner_node ? ji.owner_node : "-", (long long)ji.fencing_token, ji.steps_done, ji.nsteps);
    for (size_t i = 0; i < n; i++)
        printf(" s%d=%s/%d", st[i].step_no, job_state_name(st[i].state), st[i].attempts);
    printf("\n");
    mem_arena_free(a);
    return 0;
}

static int cmd_published(int64_t id)
{
    meta_tx_t *tx;
    err_t err = { 0 };
    if (meta_begin(store, META_TX_READ, &tx, &err) != 0)
        goto bad;
    mem_arena_t *a = mem_arena_new(NULL, "segs", 0);
    meta_segment_t *s;
    size_t n;
    int rc = meta_list(tx, META_SEGMENT, 0, a, &s, &n, &err);
    meta_rollback(tx);
    if (rc != 0) {
        mem_arena_free(a);
        goto bad;
    }
    for (size_t i = 0; i < n; i++)
        if (s[i].job_id == id)
            printf("token=%lld path=%s\n", (long long)s[i].fencing_token, s[i].storage_path);
    mem_arena_free(a);
    return 0;
bad:
    fprintf(stderr, "kiln-jobnode: %s\n", err.message);
    return 1;
}

int main(int argc, char **argv)
{
    int ch;
    while ((ch = getopt(argc, argv, "u:z:c:s:n:t:j:r:p:l:F")) != -1) {
        switch (ch) {
        case 'u': o_url = optarg; break;
        case 'z': o_zk = optarg; break;
        case 'c': o_cluster = optarg; break;
        case 's': o_sched = optarg; break;
        case 'n': o_name = optarg; break;
        case 't': o_session = atoi(optarg); break;
        case 'j': o_jobs = atoi(optarg); break;
        case 'r': o_retry = atoi(optarg); break;
        case 'p': o_poll = atoll(optarg); break;
        case 'l': o_lease = atoll(optarg); break;
        case 'F': o_fence_meta = 1; break;
        default: return usage();
        }
    }
    if (!o_url || optind >= argc)
        return usage();
    const char *cmd = argv[optind];
    char *const *args = argv + optind + 1;
    int nargs = argc - optind - 1;
    uv_mutex_init(&out_mu);
    const char *lvl = getenv("KILN_LOG_LEVEL");
    log_set_level(lvl && log_parse_level(lvl) >= 0 ? (log_level_t)log_parse_level(lvl) : LOG_LVL_INFO);
    loop = uv_default_loop();
    meta_options_t mo = { .url = o_url, .data_dir = "/tmp", .node = o_name };
    err_t err = { 0 };
    if (meta_open(&mo, &store, &err) != 0) {
        fprintf(stderr, "kiln-jobnode: metastore: %s\n", err.message);
        return 2;
    }
    int rc;
    if (strcmp(cmd, "run") == 0)
        rc = cmd_run();
    else if (strcmp(cmd, "submit") == 0 && nargs == 2)
        rc = cmd_submit(atoi(args[0]), atoll(args[1]));
    else if (strcmp(cmd, "show") == 0 && nargs == 1)
        rc = cmd_show(atoll(args[0]));
    else if (strcmp(cmd, "published") == 0 && nargs == 1)
        rc = cmd_published(atoll(args[0]));
    else if ((strcmp(cmd, "discard") == 0 || strcmp(cmd, "resume") == 0 || strcmp(cmd, "stop") == 0) &&
             nargs == 1) {
        int64_t id = atoll(args[0]);
        rc = strcmp(cmd, "discard") == 0  ? job_discard(store, id, &err)
             : strcmp(cmd, "resume") == 0 ? job_resume(store, id, &err)
                                          : job_stop(store, id, &err);
        if (rc != 0)
            fprintf(stderr, "kiln-jobnode: %s: %s\n", cmd, err.message);
        rc = rc ? 1 : 0;
    } else
        rc = usage();
    meta_close(store);
    return rc;
}
