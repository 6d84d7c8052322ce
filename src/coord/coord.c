/*
 * coord.c - the ZooKeeper session of a node, bridged into libuv.
 *
 * zookeeper_mt runs its own I/O and completion threads. Every callback it
 * makes here (the global watcher, request completions, its log) only copies
 * what it was given into a coord__op and appends it to a mutex-guarded queue,
 * then uv_async_send()s the loop; the loop thread drains the whole queue
 * (uv_async coalesces wake-ups) and runs the primitives' state machines. So no
 * kiln state is touched off the loop thread, and the loop never blocks on
 * ZooKeeper: requests use the asynchronous API, and zookeeper_close(), which
 * may wait for a round trip, runs on a libuv worker.
 *
 * Sessions: created in the background, re-created after expiry. Expiry is
 * whatever comes first of the server saying so on reconnect and our own
 * timer (disconnected for the whole negotiated timeout: a partitioned client
 * never hears from the server, and by then the server has expired it).
 * Results of an older session are dropped by generation number.
 *
 * Not here: the primitives (coord_lock.c, coord_elect.c, coord_watch.c).
 */
#include "coord/coord.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/mem.h"
#include "coord_int.h"

/* ---- queue (any thread) ---- */

static void push(coord_t *c, coord__op_t *op)
{
    pthread_mutex_lock(&c->mu);
    if (c->tail)
        c->tail->next = op;
    else
        c->head = op;
    c->tail = op;
    pthread_mutex_unlock(&c->mu);
    uv_async_send(&c->async);
}

static char *dup_or_null(const char *s)
{
    return s ? mem_strdup(s) : NULL;
}

static void op_free(coord__op_t *op)
{
    mem_free(op->req_path);
    mem_free(op->str);
    for (int i = 0; i < op->nnames; i++)
        mem_free(op->names[i]);
    mem_free(op->names);
    mem_free(op->wpath);
    mem_free(op);
}

/* ---- zookeeper_mt callbacks: copy, queue, wake the loop (ZooKeeper threads) ---- */

static void zk_watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
    coord__sess_t *s = ctx;
    if (!s)
        return;
    coord__op_t *op = mem_calloc(1, sizeof *op);
    op->c = s->c;
    op->gen = s->gen;
    op->kind = type == ZOO_SESSION_EVENT ? COORD__OP_SESSION : COORD__OP_WATCH;
    op->wtype = type;
    op->wstate = state;
    op->wpath = dup_or_null(path);
    push(s->c, op);
}

static void zk_string_stat_done(int rc, const char *str, const struct Stat *stat, const void *data)
{
    coord__op_t *op = (coord__op_t *)data;
    op->rc = rc;
    if (rc == ZOK && str)
        op->str = mem_strdup(str);
    if (rc == ZOK && stat) {
        op->stat = *stat;
        op->has_stat = true;
    }
    push(op->c, op);
}

static void zk_string_done(int rc, const char *str, const void *data)
{
    zk_string_stat_done(rc, str, NULL, data);
}

static void zk_stat_done(int rc, const struct Stat *stat, const void *data)
{
    zk_string_stat_done(rc, NULL, stat, data);
}

static void zk_data_done(int rc, const char *value, int len, const struct Stat *stat, const void *data)
{
    coord__op_t *op = (coord__op_t *)data;
    op->rc = rc;
    if (rc == ZOK) {
        int n = value && len > 0 ? len : 0;
        op->str = mem_malloc((size_t)n + 1);
        if (n)
            memcpy(op->str, value, (size_t)n);
        op->str[n] = '\0';
        op->str_len = n;
        if (stat) {
            op->stat = *stat;
            op->has_stat = true;
        }
    }
    push(op->c, op);
}

static void zk_strings_done(int rc, const struct String_vector *sv, const void *data)
{
    coord__op_t *op = (coord__op_t *)data;
    op->rc = rc;
    if (rc == ZOK && sv && sv->count > 0) {
        op->names = mem_calloc((size_t)sv->count, sizeof(char *));
        for (int i = 0; i < sv->count; i++)
            op->names[i] = mem_strdup(sv->data[i]);
        op->nnames = sv->count;
    }
    push(op->c, op);
}

static void zk_void_done(int rc, const void *data)
{
    coord__op_t *op = (coord__op_t *)data;
    op->rc = rc;
    push(op->c, op);
}

/* zk_log - ZooKeeper's client log into ours (it has its own threads; log_msg
 * is thread-safe). While no server answers, the client logs every ~30 ms, so
 * at most 5 lines per 10 s pass, then a count of what was dropped. */
static void zk_log(const char *message)
{
    static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    static time_t window;
    static int count, dropped;
    const char *m = strstr(message, "ZOO_");
    if (!m)
        m = message;
    size_t n = strlen(m);
    while (n && (m[n - 1] == '\n' || m[n - 1] == '\r'))
        n--;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    pthread_mutex_lock(&mu);
    if (ts.tv_sec - window >= 10) {
        if (dropped)
            log_warn("zookeeper: %d more client messages suppressed", dropped);
        window = ts.tv_sec;
        count = dropped = 0;
    }
    bool emit = count++ < 5;
    if (!emit)
        dropped++;
    pthread_mutex_unlock(&mu);
    if (emit)
        log_warn("zookeeper: %.*s", (int)n, m);
}

/* ---- helpers shared by the primitives (loop thread) ---- */

static void kick_cb(uv_timer_t *t);

bool coord__on_loop(const coord_t *c)
{
    uv_thread_t self = uv_thread_self();
    return uv_thread_equal(&self, &c->loop_thread);
}

bool coord__is_transient(int rc)
{
    return rc == ZCONNECTIONLOSS || rc == ZOPERATIONTIMEOUT || rc == ZCLOSING || rc == ZINVALIDSTATE ||
           rc == ZSESSIONMOVED;
}

void coord__obj_init(coord__obj_t *o, coord_t *c, const coord__obj_ops_t *ops)
{
    o->c = c;
    o->ops = ops;
    o->refs = 1;
    o->next = c->objs;
    if (c->objs)
        c->objs->prev = o;
    c->objs = o;
}

void coord__obj_ref(coord__obj_t *o)
{
    o->refs++;
}

void coord__obj_unref(coord__obj_t *o)
{
    if (--o->refs > 0)
        return;
    coord_t *c = o->c;
    if (o->prev)
        o->prev->next = o->next;
    else
        c->objs = o->next;
    if (o->next)
        o->next->prev = o->prev;
    o->ops->destroy(o);
}

void coord__obj_kill(coord__obj_t *o)
{
    if (o->dead)
        return;
    o->dead = true;
    if (!o->c->closing && o->ops->release)
        o->ops->release(o);
    coord__obj_unref(o);
}

void coord__obj_begin(coord__obj_t *o)
{
    if (o->c->state == COORD_S_CONNECTED)
        o->ops->start(o);
    else
        o->need_start = true;
}

void coord__obj_retry(coord__obj_t *o)
{
    coord_t *c = o->c;
    o->need_start = true;
    /* Connected already (a transient error, or a parent to re-create): retry
     * after a short pause rather than spin; otherwise the next CONNECTED does it. */
    if (c->state == COORD_S_CONNECTED && !c->closing && !uv_is_active((uv_handle_t *)&c->kick_timer))
        uv_timer_start(&c->kick_timer, kick_cb, 200, 0);
}

static coord__op_t *op_new(coord__obj_t *o, coord_t *c, const char *path, coord__done_fn done)
{
    coord__op_t *op = mem_calloc(1, sizeof *op);
    op->c = c;
    op->kind = COORD__OP_DONE;
    op->gen = c->gen;
    op->done = done;
    op->obj = o;
    op->req_path = mem_strdup(path);
    if (o)
        coord__obj_ref(o);
    return op;
}

/* issued - bookkeeping after a zoo_a* call: on failure nothing is in flight. */
static int issued(coord__op_t *op, int rc)
{
    if (rc == ZOK)
        return ZOK;
    coord__obj_t *o = op->obj;
    log_debug("coord: request on %s not sent: %s", op->req_path, zerror(rc));
    op_free(op);
    if (o) {
        if (!o->dead)
            coord__obj_retry(o);
        coord__obj_unref(o);
    }
    return rc;
}

static zhandle_t *usable_zh(coord_t *c)
{
    return c->closing ? NULL : c->zh;
}

int coord__create(coord__obj_t *o, const char *path, const char *data, int flags, coord__done_fn done)
{
    coord_t *c = o->c;
    coord__op_t *op = op_new(o, c, path, done);
    op->is_create = true;
    op->create_flags = flags;
    zhandle_t *zh = usable_zh(c);
    if (!zh)
        return issued(op, ZINVALIDSTATE);
    return issued(op, zoo_acreate2(zh, path, data, data ? (int)strlen(data) : -1, &ZOO_OPEN_ACL_UNSAFE, flags,
                                   zk_string_stat_done, op));
}

int coord__get(coord__obj_t *o, const char *path, bool watch, coord__done_fn done)
{
    coord_t *c = o->c;
    coord__op_t *op = op_new(o, c, path, done);
    zhandle_t *zh = usable_zh(c);
    if (!zh)
        return issued(op, ZINVALIDSTATE);
    return issued(op, zoo_aget(zh, path, watch, zk_data_done, op));
}

int coord__exists(coord__obj_t *o, const char *path, bool watch, coord__done_fn done)
{
    coord_t *c = o->c;
    coord__op_t *op = op_new(o, c, path, done);
    zhandle_t *zh = usable_zh(c);
    if (!zh)
        return issued(op, ZINVALIDSTATE);
    return issued(op, zoo_aexists(zh, path, watch, zk_stat_done, op));
}

int coord__children(coord__obj_t *o, const char *path, bool watch, coord__done_fn done)
{
    coord_t *c = o->c;
    coord__op_t *op = op_new(o, c, path, done);
    zhandle_t *zh = usable_zh(c);
    if (!zh)
        return issued(op, ZINVALIDSTATE);
    return issued(op, zoo_aget_children(zh, path, watch, zk_strings_done, op));
}

/* ---- deletes of our own ephemeral nodes, surviving a reconnect ---- */

static void pdel_add(coord_t *c, const char *path, int64_t sid)
{
    coord__pdel_t *p = mem_calloc(1, sizeof *p);
    p->path = mem_strdup(path);
    p->sid = sid;
    p->next = c->pdel;
    c->pdel = p;
}

static void del_exists_done(coord__obj_t *o, coord__op_t *op);

static void del_start(coord_t *c, const char *path)
{
    coord__op_t *op = op_new(NULL, c, path, del_exists_done);
    zhandle_t *zh = usable_zh(c);
    int rc = zh ? zoo_aexists(zh, path, 0, zk_stat_done, op) : ZINVALIDSTATE;
    if (rc != ZOK) {
        if (c->session_id && !c->closing)
            pdel_add(c, path, c->session_id);
        op_free(op);
    }
}

static void del_done(coord__obj_t *o, coord__op_t *op)
{
    coord_t *c = op->c;
    if (coord__is_transient(op->rc) && c->session_id)
        pdel_add(c, op->req_path, c->session_id);
    else if (op->rc != ZOK && op->rc != ZNONODE)
        log_warn("coord: delete %s: %s", op->req_path, zerror(op->rc));
}

static void del_exists_done(coord__obj_t *o, coord__op_t *op)
{
    coord_t *c = op->c;
    if (coord__is_transient(op->rc)) {
        if (c->session_id)
            pdel_add(c, op->req_path, c->session_id);
        return;
    }
    /* Only our own ephemeral: a node of another session at the same path is
     * someone else's lock now. */
    if (op->rc != ZOK || op->stat.ephemeralOwner != c->session_id)
        return;
    coord__op_t *d = op_new(NULL, c, op->req_path, del_done);
    zhandle_t *zh = usable_zh(c);
    int rc = zh ? zoo_adelete(zh, op->req_path, op->stat.version, zk_void_done, d) : ZINVALIDSTATE;
    if (rc != ZOK)
        op_free(d);
}

void coord__delete_owned(coord_t *c, const char *path)
{
    if (c->closing || !c->session_id)
        return; /* no session: the node is gone with it */
    if (c->state == COORD_S_CONNECTED)
        del_start(c, path);
    else
        pdel_add(c, path, c->session_id);
}

static void pdel_flush(coord_t *c, bool same_session)
{
    coord__pdel_t *p = c->pdel;
    c->pdel = NULL;
    while (p) {
        coord__pdel_t *next = p->next;
        if (same_session && p->sid == c->session_id)
            del_start(c, p->path);
        mem_free(p->path);
        mem_free(p);
        p = next;
    }
}

/* ---- persistent parents ---- */

static void dir_done(coord__obj_t *o, coord__op_t *op)
{
    if (op->rc != ZOK && op->rc != ZNODEEXISTS && !coord__is_transient(op->rc))
        log_error("coord: cannot create %s: %s", op->req_path, zerror(op->rc));
}

void coord__ensure_dirs(coord_t *c)
{
    zhandle_t *zh = usable_zh(c);
    if (!zh)
        return;
    for (int i = 0; i < c->ndirs; i++) {
        coord__op_t *op = op_new(NULL, c, c->dirs[i], dir_done);
        if (zoo_acreate(zh, c->dirs[i], NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, zk_string_done, op) != ZOK) {
            op_free(op);
            return;
        }
    }
}

/* ---- objects: iteration that survives callbacks releasing objects ---- */

static void each_obj(coord_t *c, void (*fn)(coord__obj_t *o, void *arg), void *arg)
{
    coord__obj_t *o = c->objs;
    if (o)
        coord__obj_ref(o);
    while (o) {
        if (!o->dead)
            fn(o, arg);
        coord__obj_t *n = o->next;
        if (n)
            coord__obj_ref(n);
        coord__obj_unref(o);
        o = n;
    }
}

static void obj_start_pending(coord__obj_t *o, void *arg)
{
    if (o->need_start && o->c->state == COORD_S_CONNECTED && !o->c->closing) {
        o->need_start = false;
        o->ops->start(o);
    }
}

static void obj_expired(coord__obj_t *o, void *arg)
{
    o->ops->expired(o);
}

typedef struct watch_ev {
    int type;
    const char *path;
} watch_ev_t;

static void obj_watch(coord__obj_t *o, void *arg)
{
    watch_ev_t *ev = arg;
    if (o->ops->watch)
        o->ops->watch(o, ev->type, ev->path);
}

static void kick_cb(uv_timer_t *t)
{
    coord_t *c = t->data;
    each_obj(c, obj_start_pending, NULL);
}

/* ---- session ---- */

static void notify(coord_t *c, coord_state_t s)
{
    if (c->cb && !c->closing)
        c->cb(c, s, c->cb_arg);
}

typedef struct close_work {
    uv_work_t req;
    coord_t *c;
    zhandle_t *zh;
    coord__sess_t *sess;
} close_work_t;

static void finish_close(coord_t *c);
static void drain(coord_t *c);

static void close_work_run(uv_work_t *req)
{
    close_work_t *w = req->data;
    /* Joins zookeeper_mt's threads; every completion still pending is
     * delivered (ZCLOSING) into our queue before this returns. */
    zookeeper_close(w->zh);
}

static void close_work_after(uv_work_t *req, int status)
{
    close_work_t *w = req->data;
    coord_t *c = w->c;
    mem_free(w->sess);
    mem_free(w);
    c->close_works--;
    drain(c);
    if (c->closing && c->close_works == 0)
        finish_close(c);
}

static void close_handle_async(coord_t *c)
{
    if (!c->zh)
        return;
    close_work_t *w = mem_calloc(1, sizeof *w);
    w->c = c;
    w->zh = c->zh;
    w->sess = c->sess;
    w->req.data = w;
    c->zh = NULL;
    c->sess = NULL;
    c->close_works++;
    if (uv_queue_work(c->loop, &w->req, close_work_run, close_work_after) != 0) {
        /* No worker pool (cannot happen on a running loop): close inline. */
        close_work_run(&w->req);
        close_work_after(&w->req, 0);
    }
}

static void session_start(coord_t *c);

static void init_timer_cb(uv_timer_t *t)
{
    coord_t *c = t->data;
    if (!c->closing && !c->zh)
        session_start(c);
}

/* set_level - ZooKeeper's log level is process-wide; warnings and errors only. */
static void set_level(void)
{
    zoo_set_debug_level(ZOO_LOG_LEVEL_WARN);
}

static void session_start(coord_t *c)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, set_level);

    coord__sess_t *s = mem_calloc(1, sizeof *s);
    s->c = c;
    s->gen = ++c->gen;
    c->state = COORD_S_CONNECTING;
    c->session_id = 0;
    c->zh = zookeeper_init2(c->connect, zk_watcher, c->timeout_ms, NULL, s, 0, zk_log);
    if (!c->zh) {
        log_error("coord: zookeeper_init(%s) failed: %s; retrying in 1 s", c->connect, strerror(errno));
        mem_free(s);
        uv_timer_start(&c->init_timer, init_timer_cb, 1000, 0);
        return;
    }
    c->sess = s;
}

static void session_expire(coord_t *c, const char *why)
{
    if (c->closing)
        return;
    log_warn("coord: ZooKeeper session 0x%" PRIx64 " expired (%s); its locks are gone", (uint64_t)c->session_id, why);
    uv_timer_stop(&c->expiry_timer);
    close_handle_async(c);
    c->state = COORD_S_EXPIRED;
    pdel_flush(c, false);
    each_obj(c, obj_expired, NULL);
    c->session_id = 0;
    notify(c, COORD_S_EXPIRED);
    if (!c->closing)
        session_start(c);
}

static void expiry_timer_cb(uv_timer_t *t)
{
    coord_t *c = t->data;
    if (c->state == COORD_S_DISCONNECTED)
        session_expire(c, "disconnected for the whole session timeout");
}

static void on_session_event(coord_t *c, int state)
{
    if (state == ZOO_CONNECTED_STATE || state == ZOO_READONLY_STATE) {
        const clientid_t *id = zoo_client_id(c->zh);
        int64_t sid = id ? id->client_id : 0;
        bool fresh = sid != c->session_id;
        uv_timer_stop(&c->expiry_timer);
        c->negotiated_ms = zoo_recv_timeout(c->zh);
        c->state = COORD_S_CONNECTED;
        if (fresh) {
            c->session_id = sid;
            log_info("coord: ZooKeeper session 0x%" PRIx64 " established (timeout %d ms)", (uint64_t)sid,
                     c->negotiated_ms);
            coord__ensure_dirs(c);
        } else {
            log_info("coord: ZooKeeper session 0x%" PRIx64 " reconnected", (uint64_t)sid);
        }
        pdel_flush(c, !fresh);
        notify(c, COORD_S_CONNECTED);
        each_obj(c, obj_start_pending, NULL);
    } else if (state == ZOO_CONNECTING_STATE || state == ZOO_ASSOCIATING_STATE) {
        if (c->state == COORD_S_CONNECTED) {
            c->state = COORD_S_DISCONNECTED;
            int ms = c->negotiated_ms > 0 ? c->negotiated_ms : c->timeout_ms;
            log_warn("coord: ZooKeeper connection lost; session 0x%" PRIx64 " expires in %d ms unless it comes back",
                     (uint64_t)c->session_id, ms);
            uv_timer_start(&c->expiry_timer, expiry_timer_cb, (uint64_t)ms, 0);
            notify(c, COORD_S_DISCONNECTED);
        }
    } else if (state == ZOO_EXPIRED_SESSION_STATE) {
        session_expire(c, "the server expired it");
    } else if (state == ZOO_AUTH_FAILED_STATE) {
        session_expire(c, "authentication failed");
    }
}

static void run_call(coord_t *c, coord__op_t *op)
{
    op->call(c, op->arg);
    if (op->sync)
        coord__sync_signal(op->sync);
}

static void drain(coord_t *c)
{
    for (;;) {
        pthread_mutex_lock(&c->mu);
        coord__op_t *op = c->head;
        c->head = c->tail = NULL;
        pthread_mutex_unlock(&c->mu);
        if (!op)
            return;
        while (op) {
            coord__op_t *next = op->next;
            switch (op->kind) {
            case COORD__OP_CALL:
                run_call(c, op);
                break;
            case COORD__OP_SESSION:
                if (op->gen == c->gen && !c->closing)
                    on_session_event(c, op->wstate);
                break;
            case COORD__OP_WATCH:
                if (op->gen == c->gen && !c->closing && op->wpath) {
                    watch_ev_t ev = { op->wtype, op->wpath };
                    each_obj(c, obj_watch, &ev);
                }
                break;
            case COORD__OP_DONE: {
                coord__obj_t *o = op->obj;
                bool current = op->gen == c->gen && !c->closing;
                if (current && o && o->dead && op->is_create) {
                    /* Created after its owner let go: undo, or it would stay
                     * held until the session ends. */
                    if (op->rc == ZOK && op->str)
                        coord__delete_owned(c, op->str);
                    else if (coord__is_transient(op->rc) && !(op->create_flags & ZOO_SEQUENCE))
                        coord__delete_owned(c, op->req_path);
                } else if (current && (!o || !o->dead) && op->done) {
                    op->done(o, op);
                }
                if (o)
                    coord__obj_unref(o);
                break;
            }
            }
            op_free(op);
            op = next;
        }
    }
}

static void async_cb(uv_async_t *a)
{
    drain(a->data);
}

/* ---- public ---- */

static void handle_closed(uv_handle_t *h)
{
    coord_t *c = h->data;
    if (--c->handles_open > 0)
        return;
    void (*cb)(void *) = c->closed_cb;
    void *arg = c->closed_arg;
    pthread_mutex_destroy(&c->mu);
    for (int i = 0; i < c->ndirs; i++)
        mem_free(c->dirs[i]);
    mem_free(c->dirs);
    mem_free(c->connect);
    mem_free(c->root);
    mem_free(c->owner);
    mem_free(c);
    if (cb)
        cb(arg);
}

static void finish_close(coord_t *c)
{
    drain(c);
    pdel_flush(c, false);
    /* Handles the owner did not release: free them without callbacks. */
    while (c->objs) {
        coord__obj_t *o = c->objs;
        o->dead = true;
        o->refs = 1;
        coord__obj_unref(o);
    }
    c->state = COORD_S_CLOSED;
    c->handles_open = 4;
    uv_close((uv_handle_t *)&c->async, handle_closed);
    uv_close((uv_handle_t *)&c->expiry_timer, handle_closed);
    uv_close((uv_handle_t *)&c->kick_timer, handle_closed);
    uv_close((uv_handle_t *)&c->init_timer, handle_closed);
}

static void add_dir(coord_t *c, const char *path)
{
    c->dirs = mem_realloc(c->dirs, sizeof(char *) * (size_t)(c->ndirs + 1));
    c->dirs[c->ndirs++] = mem_strdup(path);
}

coord_t *coord_new(uv_loop_t *loop, const coord_config_t *cfg, coord_session_cb cb, void *arg, int *err)
{
    char root[COORD_PATH_MAX];
    int dummy;
    if (!err)
        err = &dummy;
    *err = COORD_EINVAL;
    if (!cfg || !cfg->connect || !*cfg->connect) {
        log_error("coord: no ZooKeeper connect string");
        return NULL;
    }
    if (coord_path_root(root, sizeof root, cfg->base_path, cfg->cluster ? cfg->cluster : COORD_DEFAULT_CLUSTER) < 0) {
        log_error("coord: invalid ZooKeeper base path \"%s\" or cluster name \"%s\"", cfg->base_path ? cfg->base_path : "",
                  cfg->cluster ? cfg->cluster : "");
        return NULL;
    }
    coord_t *c = mem_calloc(1, sizeof *c);
    c->loop = loop;
    c->loop_thread = uv_thread_self();
    pthread_mutex_init(&c->mu, NULL);
    c->connect = mem_strdup(cfg->connect);
    c->root = mem_strdup(root);
    c->timeout_ms = cfg->session_timeout_ms > 0 ? cfg->session_timeout_ms : 10000;
    if (cfg->owner && *cfg->owner) {
        c->owner = mem_strdup(cfg->owner);
    } else {
        char host[256] = "localhost";
        gethostname(host, sizeof host - 1);
        char buf[320];
        snprintf(buf, sizeof buf, "%d@%s", (int)getpid(), host);
        c->owner = mem_strdup(buf);
    }
    c->cb = cb;
    c->cb_arg = arg;

    /* Parents in creation order: every prefix of root, then the fixed dirs. */
    for (char *p = strchr(root + 1, '/'); p; p = strchr(p + 1, '/')) {
        *p = '\0';
        add_dir(c, root);
        *p = '/';
    }
    add_dir(c, root);
    const char *fixed[] = { COORD_DIR_JOB_ENGINE, COORD_DIR_JOB_LOCKS, COORD_DIR_LEADER, COORD_DIR_SERVICE,
                            COORD_DIR_MEMBERS };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        char p[COORD_PATH_MAX];
        coord_path_join(p, sizeof p, root, fixed[i], NULL);
        add_dir(c, p);
    }

    uv_async_init(loop, &c->async, async_cb);
    c->async.data = c;
    uv_timer_init(loop, &c->expiry_timer);
    c->expiry_timer.data = c;
    uv_timer_init(loop, &c->kick_timer);
    c->kick_timer.data = c;
    uv_timer_init(loop, &c->init_timer);
    c->init_timer.data = c;
    session_start(c);
    *err = COORD_OK;
    return c;
}

void coord_close(coord_t *c, void (*closed)(void *arg), void *arg)
{
    if (!c || c->closing)
        return;
    c->closing = true;
    c->closed_cb = closed;
    c->closed_arg = arg;
    uv_timer_stop(&c->expiry_timer);
    uv_timer_stop(&c->kick_timer);
    uv_timer_stop(&c->init_timer);
    /* Drop results of the current session from now on. */
    c->gen++;
    close_handle_async(c);
    if (c->close_works == 0)
        finish_close(c);
}

coord_state_t coord_state(const coord_t *c)
{
    return c->state;
}

int64_t coord_session_id(const coord_t *c)
{
    return c->session_id;
}

int coord_session_timeout(const coord_t *c)
{
    return c->negotiated_ms > 0 ? c->negotiated_ms : c->timeout_ms;
}

const char *coord_root(const coord_t *c)
{
    return c->root;
}

const char *coord_state_name(coord_state_t s)
{
    switch (s) {
    case COORD_S_CONNECTING:
        return "connecting";
    case COORD_S_CONNECTED:
        return "connected";
    case COORD_S_DISCONNECTED:
        return "disconnected";
    case COORD_S_EXPIRED:
        return "expired";
    case COORD_S_CLOSED:
        return "closed";
    }
    return "?";
}

const char *coord_strerror(int rc)
{
    switch (rc) {
    case COORD_OK:
        return "ok";
    case COORD_EBUSY:
        return "lock held by another node";
    case COORD_ENOTCONN:
        return "no ZooKeeper session";
    case COORD_EINVAL:
        return "invalid name";
    case COORD_ETIMEDOUT:
        return "timed out";
    case COORD_ELOST:
        return "lock lost";
    case COORD_EZK:
        return "ZooKeeper error";
    }
    return "unknown error";
}

int coord_config_from_cfg(const cfg_t *cfg, coord_config_t *out, char *cluster_buf, size_t cluster_n)
{
    memset(out, 0, sizeof *out);
    out->connect = cfg_str(cfg, CFG_ZK_CONNECT);
    if (!out->connect || !*out->connect)
        return COORD_EINVAL;
    out->base_path = cfg_str(cfg, CFG_ZK_BASE_PATH);
    if (coord_cluster_name(cluster_buf, cluster_n, cfg_str(cfg, CFG_METADATA_URL)) < 0)
        return COORD_EINVAL;
    out->cluster = cluster_buf;
    out->session_timeout_ms = (int)cfg_int(cfg, CFG_ZK_SESSION_TIMEOUT);
    out->owner = NULL;
    return COORD_OK;
}

/* ---- synchronous calls from worker threads ---- */

void coord__sync_init(coord__sync_t *s)
{
    pthread_mutex_init(&s->mu, NULL);
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(&s->cv, &a);
    pthread_condattr_destroy(&a);
    s->done = false;
}

void coord__sync_destroy(coord__sync_t *s)
{
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
}

void coord__sync_signal(coord__sync_t *s)
{
    pthread_mutex_lock(&s->mu);
    s->done = true;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

int coord__sync_wait(coord__sync_t *s, int timeout_ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    if (timeout_ms >= 0) {
        ts.tv_sec += timeout_ms / 1000;
        ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
    }
    pthread_mutex_lock(&s->mu);
    while (!s->done) {
        int rc = timeout_ms >= 0 ? pthread_cond_timedwait(&s->cv, &s->mu, &ts) : pthread_cond_wait(&s->cv, &s->mu);
        if (rc == ETIMEDOUT)
            break;
    }
    bool done = s->done;
    pthread_mutex_unlock(&s->mu);
    return done ? 0 : -1;
}

void coord_run_sync(coord_t *c, void (*fn)(coord_t *c, void *arg), void *arg)
{
    coord__sync_t s;
    coord__sync_init(&s);
    coord__op_t *op = mem_calloc(1, sizeof *op);
    op->c = c;
    op->kind = COORD__OP_CALL;
    op->call = fn;
    op->arg = arg;
    op->sync = &s;
    push(c, op);
    coord__sync_wait(&s, -1);
    coord__sync_destroy(&s);
}
