/*
 * node.c - start and stop of one node: the metastore and the catalog
 * provider, the libuv loop, the PostgreSQL protocol listener (src/session),
 * the REST port, metadata sync (periodic replay of the event log plus
 * notifications to and from the other nodes), signals.
 *
 * Metadata sync: every commit that appends metadata events (on any thread)
 * notifies every node in kylin.server.cluster-servers through the REST
 * notifier; a notification received, and a timer every
 * kiln.metadata.sync-interval-ms, refresh the catalog snapshot on the worker
 * pool, so a lost notification heals within one interval.
 * SIGTERM / SIGINT end every
 * session with FATAL 57P01 and let the loop drain; a second signal exits at
 * once. SIGPIPE is ignored: a client that vanishes is a write error, not a
 * reason to die.
 */
#include "main/node.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <uv.h>

#include "catalog/catalog.h"
#include "common/log.h"
#include "coord/coord.h"
#include "cube/cubejob.h"
#include "cube/mv.h"
#include "job/job.h"
#include "meta/meta.h"
#include "rest/notify.h"
#include "rest/rest.h"
#include "session/session.h"
#include "sql/cube_route.h"

/* Clients get this long to read their last replies after a shutdown signal. */
#define NODE_SHUTDOWN_GRACE_MS 5000

typedef struct node {
    uv_loop_t loop;
    uv_signal_t sigterm, sigint;
    uv_timer_t grace;
    sess_server_t *srv;
    int signals;
    meta_store_t *meta;
    rest_server_t *rest;
    rest_notifier_t *notifier;
    atomic_llong notify_seq;
    coord_t *coord;
    job_engine_t *jobs;
    char storage_root[4096];
    bool writes_storage;    /* kylin.server.mode all or job: sweeps dropped views' directories */
    int64_t swept_version;  /* the catalog version of the last sweep (-1: none yet) */
    char cluster[256];
    uv_timer_t sync_timer;
    uv_work_t sync_work;
    bool sync_running, sync_again;
    err_t sync_err;
} node_t;

/* ---- metadata sync ---- */

static void sync_start(node_t *n);

static void sync_work_cb(uv_work_t *w)
{
    node_t *n = w->data;
    err_clear(&n->sync_err);
    if (meta_catalog_refresh(n->meta, false, &n->sync_err) != 0 && !n->sync_err.set)
        err_set(&n->sync_err, ERRCODE_CONNECTION_FAILURE, "metastore refresh failed");
    /* a DROP on a query node left the view's directories to a node that
     * can write the storage; only a catalog that moved can have dropped one */
    int64_t v = meta_catalog_version(n->meta);
    if (!n->sync_err.set && n->writes_storage && v != n->swept_version) {
        err_t e = { 0 };
        if (cube_mv_sweep(n->meta, n->storage_root, &e) < 0)
            log_warn("storage sweep: %s", e.message);
        else
            n->swept_version = v;
    }
}

static void sync_after_cb(uv_work_t *w, int status)
{
    node_t *n = w->data;
    n->sync_running = false;
    if (status == 0 && n->sync_err.set)
        log_warn("metadata replay: %s", n->sync_err.message);
    if (n->sync_again && status == 0) {
        n->sync_again = false;
        sync_start(n);
    }
}

/* sync_start - one catalog refresh on the pool; coalesces while one runs. */
static void sync_start(node_t *n)
{
    if (n->sync_running) {
        n->sync_again = true;
        return;
    }
    n->sync_running = true;
    n->sync_work.data = n;
    if (uv_queue_work(&n->loop, &n->sync_work, sync_work_cb, sync_after_cb) != 0)
        n->sync_running = false;
}

static void on_sync_timer(uv_timer_t *t)
{
    sync_start(t->data);
}

static void on_announce(int64_t event_id, void *arg)
{
    node_t *n = arg;
    (void)event_id; /* a hint: the refresh reads the log itself */
    sync_start(n);
    if (n->jobs)
        job_engine_wake(n->jobs); /* a job submitted elsewhere may be ours to run */
}

static void on_coord_session(coord_t *c, coord_state_t state, void *arg)
{
    (void)c;
    (void)arg;
    log_info("zookeeper: session %s", coord_state_name(state));
}

/* on_commit - a local commit appended metadata events (any thread). */
static void on_commit(void *arg)
{
    node_t *n = arg;
    if (n->notifier)
        rest_notify(n->notifier, atomic_fetch_add(&n->notify_seq, 1) + 1);
}

static int on_health(void *arg, char *reason, size_t len)
{
    node_t *n = arg;
    if (n->signals > 0) {
        snprintf(reason, len, "shutting down");
        return 1;
    }
    return 0;
}

/* mkdir_p - creates dir and its parents (mode 0700 for new ones). */
static int mkdir_p(const char *dir)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path)
        return -1;
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(path, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

static int start_metadata(node_t *n, cfg_t *cfg)
{
    const char *dir = cfg_str(cfg, CFG_DATA_DIR);
    if (mkdir_p(dir) != 0) {
        log_error("could not create data directory \"%s\": %s", dir, strerror(errno));
        return -1;
    }
    err_t err = { 0 };
    meta_options_t mo = { 0 };
    mo.url = cfg_str(cfg, CFG_METADATA_URL);
    mo.data_dir = dir;
    mo.node = cfg_str(cfg, CFG_HOST_ADDRESS);
    if (meta_open(&mo, &n->meta, &err) != 0) {
        log_error("metastore: %s", err.message);
        return -1;
    }
    log_info("metastore: %s", meta_describe(n->meta));
    if (catalog_init(n->meta, cfg, &err) != 0) {
        log_error("catalog: %s", err.message);
        return -1;
    }
    const char *root = cfg_str(cfg, CFG_STORAGE_ROOT);
    if (*root)
        snprintf(n->storage_root, sizeof n->storage_root, "%s", root);
    else
        snprintf(n->storage_root, sizeof n->storage_root, "%s/storage", dir);
    if (mkdir_p(n->storage_root) != 0) {
        log_error("could not create storage root \"%s\": %s", n->storage_root, strerror(errno));
        return -1;
    }
    n->writes_storage = strcmp(cfg_str(cfg, CFG_SERVER_MODE), "query") != 0;
    n->swept_version = -1;
    if (cube_job_register(n->storage_root) != 0) {
        log_error("could not register the cube build step");
        return -1;
    }
    cube_job_set_memory_limit((uint64_t)cfg_int(cfg, CFG_BUILD_MEMORY));
    cube_job_set_skip_ratio(cfg_real(cfg, CFG_BUILD_SKIP_RATIO));
    /* Only a shared metastore has other nodes to tell. */
    if (meta_is_mysql(n->meta))
        n->notifier = rest_notifier_new(cfg_str(cfg, CFG_CLUSTER_SERVERS), 2000);
    meta_set_commit_hook(n->meta, on_commit, n);
    return 0;
}

static int start_cluster(node_t *n, cfg_t *cfg)
{
    if (*cfg_str(cfg, CFG_ZK_CONNECT)) {
        coord_config_t cc;
        if (coord_config_from_cfg(cfg, &cc, n->cluster, sizeof n->cluster) != 0) {
            log_error("zookeeper: invalid configuration (kylin.env.zookeeper-connect-string, kylin.env.zookeeper-base-path)");
            return -1;
        }
        int rc = 0;
        n->coord = coord_new(&n->loop, &cc, on_coord_session, n, &rc);
        if (!n->coord) {
            log_error("zookeeper: %s", coord_strerror(rc));
            return -1;
        }
        if (cfg_bool(cfg, CFG_SELF_DISCOVERY))
            coord_register(n->coord, cfg_str(cfg, CFG_HOST_ADDRESS), cfg_str(cfg, CFG_SERVER_MODE));
    }
    err_t err = { 0 };
    /* Routes of the job API must exist before the REST server starts. */
    if (job_engine_start(&n->loop, cfg, n->meta, n->coord, n->rest, NULL, &n->jobs, &err) != 0) {
        log_error("job engine: %s", err.message);
        return -1;
    }
    return 0;
}

static int start_rest(node_t *n, cfg_t *cfg)
{
    n->rest = rest_new(&n->loop, cfg_str(cfg, CFG_PG_LISTEN), (int)cfg_int(cfg, CFG_REST_PORT));
    rest_set_health(n->rest, on_health, n);
    rest_set_announce(n->rest, on_announce, n);
    if (start_cluster(n, cfg) != 0)
        return -1;
    char msg[256];
    if (rest_start(n->rest, msg, sizeof msg) != 0) {
        log_error("REST port: %s", msg);
        return -1;
    }
    uv_timer_init(&n->loop, &n->sync_timer);
    n->sync_timer.data = n;
    uint64_t every = (uint64_t)cfg_int(cfg, CFG_METADATA_SYNC_INTERVAL);
    uv_timer_start(&n->sync_timer, on_sync_timer, every, every);
    uv_unref((uv_handle_t *)&n->sync_timer);
    return 0;
}

static void on_jobs_stopped(void *arg)
{
    node_t *n = arg;
    n->jobs = NULL;
    sql_cube_route_set_jobs(NULL);
    /* The REST server's wake-up handle would keep the loop alive. */
    if (n->rest) {
        rest_close(n->rest);
        n->rest = NULL;
    }
    if (n->coord) {
        coord_close(n->coord, NULL, NULL);
        n->coord = NULL;
    }
}

/* stop_cluster - job engine first (it holds locks in ZooKeeper), then the
 * ZooKeeper session; both finish on the loop, which the caller keeps running. */
static void stop_cluster(node_t *n)
{
    if (n->jobs)
        job_engine_stop(n->jobs, on_jobs_stopped, n);
    else
        on_jobs_stopped(n);
}

static void stop_metadata(node_t *n)
{
    rest_notifier_free(n->notifier);
    n->notifier = NULL;
    if (n->rest)
        rest_close(n->rest);
    n->rest = NULL;
    sql_cube_route_shutdown();
    catalog_shutdown();
    meta_close(n->meta);
    n->meta = NULL;
}

static void on_grace(uv_timer_t *t)
{
    node_t *n = t->data;
    if (sess_server_count(n->srv) > 0) {
        log_warn("%d connection(s) did not close in time; dropping them", sess_server_count(n->srv));
        sess_server_abort(n->srv);
    }
}

static void on_signal(uv_signal_t *h, int signum)
{
    node_t *n = h->data;
    if (++n->signals > 1) {
        log_warn("second signal %d: exiting immediately", signum);
        exit(1);
    }
    log_info("received signal %d: shutting down", signum);
    if (n->rest)
        rest_set_draining(n->rest, true);
    uv_timer_stop(&n->sync_timer);
    stop_cluster(n);
    sess_server_shutdown(n->srv);
    uv_timer_init(&n->loop, &n->grace);
    n->grace.data = n;
    uv_timer_start(&n->grace, on_grace, NODE_SHUTDOWN_GRACE_MS, 0);
    uv_unref((uv_handle_t *)&n->grace);
    /* The signal handles stay referenced for a second signal, but must not
     * keep the loop alive once the sessions are gone. */
    uv_unref((uv_handle_t *)&n->sigterm);
    uv_unref((uv_handle_t *)&n->sigint);
}

static void close_walk(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

int node_run(cfg_t *cfg)
{
    node_t n = { 0 };
    signal(SIGPIPE, SIG_IGN);
    /* The worker pool is sized once, before its first use. */
    int64_t threads = cfg_int(cfg, CFG_WORKER_THREADS);
    if (threads <= 0)
        threads = uv_available_parallelism();
    char nt[32];
    snprintf(nt, sizeof nt, "%lld", (long long)threads);
    setenv("UV_THREADPOOL_SIZE", nt, 0);

    if (uv_loop_init(&n.loop) != 0) {
        log_error("could not start the event loop");
        return -1;
    }
    if (start_metadata(&n, cfg) != 0 || start_rest(&n, cfg) != 0) {
        stop_cluster(&n);
        uv_run(&n.loop, UV_RUN_DEFAULT);
        stop_metadata(&n);
        uv_run(&n.loop, UV_RUN_NOWAIT);
        uv_loop_close(&n.loop);
        return -1;
    }
    err_t err = { 0 };
    /* materialized views, kiln.jobs and cube answers: before any session */
    if (sql_cube_route_init(n.meta, cfg, n.storage_root, &err) != 0) {
        log_error("cube routing: %s", err.message);
        return -1;
    }
    sql_cube_route_set_jobs(n.jobs);
    n.srv = sess_server_new(&n.loop, cfg);
    if (sess_server_listen(n.srv, &err) < 0) {
        log_error("%s", err.message);
        sess_server_free(n.srv);
        stop_cluster(&n);
        uv_run(&n.loop, UV_RUN_DEFAULT);
        stop_metadata(&n);
        uv_run(&n.loop, UV_RUN_NOWAIT);
        uv_loop_close(&n.loop);
        return -1;
    }
    uv_signal_init(&n.loop, &n.sigterm);
    uv_signal_init(&n.loop, &n.sigint);
    n.sigterm.data = n.sigint.data = &n;
    uv_signal_start(&n.sigterm, on_signal, SIGTERM);
    uv_signal_start(&n.sigint, on_signal, SIGINT);
    log_info("kilnd ready (mode %s)", cfg_str(cfg, CFG_SERVER_MODE));

    uv_run(&n.loop, UV_RUN_DEFAULT);

    uv_walk(&n.loop, close_walk, NULL);
    uv_run(&n.loop, UV_RUN_DEFAULT);
    sess_server_free(n.srv);
    stop_metadata(&n);
    uv_run(&n.loop, UV_RUN_DEFAULT);
    uv_loop_close(&n.loop);
    log_info("kilnd stopped");
    return 0;
}
