/*
 * drive.c - kiln-coord, a command-line client of the coord layer.
 *
 * It exists so the ZooKeeper primitives can be tested across real processes
 * (tests/e2e/coord_zk.sh kills them with -9, stops ZooKeeper members, ...)
 * and inspected by hand. Every event is one line on stdout:
 *   <unix ms> <pid> <EVENT> [key=value ...]
 * so a script can grep for it and compute takeover times.
 *
 *   kiln-coord [-z hosts] [-b base] [-c cluster] [-t timeout_ms] [-o owner] CMD ...
 *     lock JOB [wait] [hold=SECONDS]  take a job lock; hold it until SIGTERM (release)
 *     sched [wait]                    take the mode-0 scheduler lock
 *     elect ID                        stand for election; LEADER / FOLLOWER lines
 *     register ADDR MODE              register this node; stay until SIGTERM
 *     members                         print the membership on every change
 *     locks                           print the held job locks on every change
 *     synclock JOB                    take a job lock through the worker-thread API, print, release, exit
 *     serve PORT MODE                 a node's cluster plumbing without the node: REST port
 *                                     (0: any free port), self-registration as
 *                                     127.0.0.1:<port>|MODE, the live membership feeding the
 *                                     event notifier and the nodes snapshot; ANNOUNCE lines for
 *                                     events received. Test routes: POST /kiln/test/notify?event_id=N
 *                                     (send N to every member), POST /kiln/test/drain (health 503)
 * Exit status: 0 after SIGTERM/SIGINT or a finished command, 1 for a try-lock
 * that found the lock busy, 2 for usage or setup errors.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>
#include <uv.h>

#include "common/buf.h"
#include "common/log.h"
#include "coord/coord.h"
#include "rest/json.h"
#include "rest/notify.h"
#include "rest/rest.h"

static uv_loop_t *loop;
static coord_t *co;
static coord_lock_t *lock;
static coord_election_t *elect;
static coord_watch_t *watch;
static uv_signal_t sigterm, sigint;
static uv_timer_t hold_timer;
static int exit_code;
static const char *job_arg;
static rest_server_t *rest;
static rest_notifier_t *notifier;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    char line[4096];
    int n = snprintf(line, sizeof line, "%lld %d ", (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000, (int)getpid());
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    printf("%s\n", line);
    fflush(stdout);
}

static void closed(void *arg)
{
    uv_close((uv_handle_t *)&sigterm, NULL);
    uv_close((uv_handle_t *)&sigint, NULL);
    uv_close((uv_handle_t *)&hold_timer, NULL);
}

static void shutdown_all(void)
{
    static int done;
    if (done++)
        return;
    uv_timer_stop(&hold_timer);
    if (lock) {
        say("RELEASE path=%s", coord_lock_path(lock));
        coord_lock_release(lock);
        lock = NULL;
    }
    coord_election_leave(elect);
    elect = NULL;
    coord_watch_stop(watch);
    watch = NULL;
    if (rest) {
        rest_set_draining(rest, true);
        rest_close(rest);
        rest = NULL;
    }
    rest_notifier_free(notifier);
    notifier = NULL;
    say("CLOSE");
    coord_close(co, closed, NULL);
}

static void on_signal(uv_signal_t *s, int signum)
{
    shutdown_all();
}

static void on_hold(uv_timer_t *t)
{
    shutdown_all();
}

static void on_session(coord_t *c, coord_state_t st, void *arg)
{
    say("SESSION state=%s session=0x%" PRIx64 " timeout=%d", coord_state_name(st), (uint64_t)coord_session_id(c),
        coord_session_timeout(c));
}

static void on_lock(coord_lock_t *l, coord_lock_event_t ev, int64_t token, const char *holder, void *arg)
{
    switch (ev) {
    case COORD_LOCK_ACQUIRED:
        say("ACQUIRED path=%s token=%" PRId64, coord_lock_path(l), token);
        break;
    case COORD_LOCK_BUSY:
        say("BUSY path=%s holder=%s", coord_lock_path(l), holder ? holder : "?");
        if (arg == NULL) { /* try mode: done */
            exit_code = 1;
            shutdown_all();
        }
        break;
    case COORD_LOCK_LOST:
        say("LOST path=%s token=%" PRId64, coord_lock_path(l), token);
        break;
    case COORD_LOCK_ERROR:
        say("ERROR path=%s", coord_lock_path(l));
        exit_code = 2;
        shutdown_all();
        break;
    }
}

static void on_leader(coord_election_t *e, bool leader, const char *leader_id, void *arg)
{
    if (leader)
        say("LEADER token=%" PRId64, coord_election_token(e));
    else
        say("FOLLOWER leader=%s", leader_id ? leader_id : "?");
}

static void on_members(const coord_member_t *m, int n, void *arg)
{
    buf_t b = BUF_INIT;
    for (int i = 0; i < n; i++)
        buf_printf(&b, "%s%s|%s", i ? "," : "", m[i].addr, m[i].mode);
    say("MEMBERS n=%d list=%s", n, buf_cstr(&b));
    buf_free(&b);
}

/* serve: membership -> notifier targets and the nodes snapshot. */
static void on_serve_members(const coord_member_t *m, int n, void *arg)
{
    buf_t list = BUF_INIT, snap = BUF_INIT;
    json_w_t w;
    json_init(&w, &snap);
    json_obj_begin(&w);
    json_key(&w, "nodes");
    json_arr_begin(&w);
    for (int i = 0; i < n; i++) {
        buf_printf(&list, "%s%s", i ? "," : "", m[i].addr);
        json_obj_begin(&w);
        json_key(&w, "address");
        json_str(&w, m[i].addr);
        json_key(&w, "mode");
        json_str(&w, m[i].mode);
        json_obj_end(&w);
    }
    json_arr_end(&w);
    json_obj_end(&w);
    rest_notifier_set_servers(notifier, buf_cstr(&list));
    rest_snapshot_set(rest, "nodes", buf_cstr(&snap));
    say("MEMBERS n=%d list=%s", n, buf_cstr(&list));
    buf_free(&list);
    buf_free(&snap);
}

static void on_announce(int64_t id, void *arg)
{
    say("ANNOUNCE id=%lld", (long long)id);
}

static void h_test_notify(rest_req_t *r, void *arg)
{
    const char *q = rest_req_query(r, "event_id");
    int64_t id = q ? atoll(q) : -1;
    rest_notify(notifier, id);
    say("NOTIFY id=%lld", (long long)id);
    rest_reply(r, 200, "{\"status\":\"OK\"}");
}

static void h_test_drain(rest_req_t *r, void *arg)
{
    rest_set_draining(rest, true);
    say("DRAINING");
    rest_reply(r, 200, "{\"status\":\"OK\"}");
}

static int serve_start(const char *port, const char *mode)
{
    rest = rest_new(loop, "127.0.0.1", atoi(port));
    rest_set_announce(rest, on_announce, NULL);
    rest_route(rest, "POST", "/kiln/test/notify", REST_ON_LOOP, h_test_notify, NULL);
    rest_route(rest, "POST", "/kiln/test/drain", REST_ON_HTTP_THREAD, h_test_drain, NULL);
    char err[256];
    if (rest_start(rest, err, sizeof err) != 0) {
        fprintf(stderr, "kiln-coord: %s\n", err);
        return -1;
    }
    notifier = rest_notifier_new("", 500);
    char addr[64];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", rest_port(rest));
    say("SERVING port=%d", rest_port(rest));
    if (coord_register(co, addr, mode) != COORD_OK)
        return -1;
    watch = coord_watch_members(co, on_serve_members, NULL);
    return 0;
}

static void on_children(const char *const *names, int n, void *arg)
{
    buf_t b = BUF_INIT;
    for (int i = 0; i < n; i++)
        buf_printf(&b, "%s%s", i ? "," : "", names[i]);
    say("LOCKS n=%d list=%s", n, buf_cstr(&b));
    buf_free(&b);
}

/* synclock: the worker-thread API, exercised from a real thread. */
static uv_thread_t sync_thread;
static uv_async_t sync_done;

static void sync_main(void *arg)
{
    /* Wait for the session: the sync call reports ENOTCONN without one. */
    for (int i = 0; i < 200 && coord_state(co) != COORD_S_CONNECTED; i++)
        usleep(50000);
    coord_lock_t *l = NULL;
    int64_t token = 0;
    char holder[256] = "";
    int rc = coord_lock_job_sync(co, job_arg, 5000, &l, &token, holder, sizeof holder);
    if (rc == COORD_OK) {
        say("SYNC ACQUIRED token=%" PRId64 " now=%" PRId64, token, coord_lock_token(l));
        coord_lock_release_sync(co, l);
        say("SYNC RELEASED");
    } else {
        say("SYNC %s holder=%s", coord_strerror(rc), holder);
        exit_code = 1;
    }
    uv_async_send(&sync_done);
}

static void sync_finished(uv_async_t *a)
{
    uv_thread_join(&sync_thread);
    uv_close((uv_handle_t *)a, NULL);
    shutdown_all();
}

static int usage(void)
{
    fprintf(stderr, "usage: kiln-coord [-z hosts] [-b base] [-c cluster] [-t timeout_ms] [-o owner] "
                    "lock JOB [wait] [hold=S] | sched [wait] | elect ID | register ADDR MODE | members | locks | "
                    "synclock JOB | serve PORT MODE\n");
    return 2;
}

int main(int argc, char **argv)
{
    coord_config_t cfg = { getenv("KILN_ZK"), "/kylin", COORD_DEFAULT_CLUSTER, 4000, NULL };
    int opt;
    while ((opt = getopt(argc, argv, "z:b:c:t:o:")) != -1) {
        switch (opt) {
        case 'z': cfg.connect = optarg; break;
        case 'b': cfg.base_path = optarg; break;
        case 'c': cfg.cluster = optarg; break;
        case 't': cfg.session_timeout_ms = atoi(optarg); break;
        case 'o': cfg.owner = optarg; break;
        default: return usage();
        }
    }
    if (optind >= argc || !cfg.connect)
        return usage();
    const char *cmd = argv[optind];
    char **args = argv + optind + 1;
    int nargs = argc - optind - 1;
    bool wait = false;
    double hold = 0;
    for (int i = 0; i < nargs; i++) {
        if (strcmp(args[i], "wait") == 0)
            wait = true;
        else if (strncmp(args[i], "hold=", 5) == 0)
            hold = atof(args[i] + 5);
    }
    log_set_level(getenv("KILN_COORD_DEBUG") ? LOG_LVL_DEBUG : LOG_LVL_WARN);

    loop = uv_default_loop();
    uv_signal_init(loop, &sigterm);
    uv_signal_start(&sigterm, on_signal, SIGTERM);
    uv_signal_init(loop, &sigint);
    uv_signal_start(&sigint, on_signal, SIGINT);
    uv_timer_init(loop, &hold_timer);
    int err = 0;
    co = coord_new(loop, &cfg, on_session, NULL, &err);
    if (!co) {
        fprintf(stderr, "kiln-coord: %s\n", coord_strerror(err));
        return 2;
    }
    say("START cmd=%s root=%s", cmd, coord_root(co));

    if (strcmp(cmd, "lock") == 0 && nargs >= 1) {
        lock = coord_lock_job(co, args[0], wait, on_lock, wait ? (void *)1 : NULL, &err);
        if (!lock) {
            fprintf(stderr, "kiln-coord: bad job id: %s\n", coord_strerror(err));
            return 2;
        }
    } else if (strcmp(cmd, "sched") == 0) {
        lock = coord_lock_scheduler(co, wait, on_lock, wait ? (void *)1 : NULL);
    } else if (strcmp(cmd, "elect") == 0 && nargs >= 1) {
        elect = coord_elect(co, args[0], on_leader, NULL);
    } else if (strcmp(cmd, "register") == 0 && nargs >= 2) {
        if (coord_register(co, args[0], args[1]) != COORD_OK) {
            fprintf(stderr, "kiln-coord: bad address or mode\n");
            return 2;
        }
    } else if (strcmp(cmd, "members") == 0) {
        watch = coord_watch_members(co, on_members, NULL);
    } else if (strcmp(cmd, "locks") == 0) {
        watch = coord_watch_job_locks(co, on_children, NULL);
    } else if (strcmp(cmd, "serve") == 0 && nargs >= 2) {
        if (serve_start(args[0], args[1]) < 0)
            return 2;
    } else if (strcmp(cmd, "synclock") == 0 && nargs >= 1) {
        job_arg = args[0];
        uv_async_init(loop, &sync_done, sync_finished);
        uv_thread_create(&sync_thread, sync_main, NULL);
    } else {
        return usage();
    }
    if (hold > 0)
        uv_timer_start(&hold_timer, on_hold, (uint64_t)(hold * 1000), 0);
    uv_run(loop, UV_RUN_DEFAULT);
    uv_loop_close(loop);
    say("EXIT code=%d", exit_code);
    return exit_code;
}
