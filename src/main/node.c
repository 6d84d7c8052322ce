/*
 * node.c - start and stop of one node: the libuv loop, the PostgreSQL
 * protocol listener (src/session), signals. SIGTERM / SIGINT end every
 * session with FATAL 57P01 and let the loop drain; a second signal exits at
 * once. SIGPIPE is ignored: a client that vanishes is a write error, not a
 * reason to die.
 */
#include "main/node.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <uv.h>

#include "common/log.h"
#include "session/session.h"

/* Clients get this long to read their last replies after a shutdown signal. */
#define NODE_SHUTDOWN_GRACE_MS 5000

typedef struct node {
    uv_loop_t loop;
    uv_signal_t sigterm, sigint;
    uv_timer_t grace;
    sess_server_t *srv;
    int signals;
} node_t;

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
    n.srv = sess_server_new(&n.loop, cfg);
    err_t err = { 0 };
    if (sess_server_listen(n.srv, &err) < 0) {
        log_error("%s", err.message);
        sess_server_free(n.srv);
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
    uv_loop_close(&n.loop);
    log_info("kilnd stopped");
    return 0;
}
