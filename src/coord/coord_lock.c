/*
 * coord_lock.c - ephemeral ZooKeeper locks: one per running job (scheduler 2)
 * and the single scheduler lock of mode 0, each with a fencing token.
 *
 * A lock is a plain ephemeral znode at a fixed path (Kylin's layout), so an
 * operator sees "who runs job X" with one `get`. Acquire = create; the
 * creator's czxid is the fencing token. NODEEXISTS means busy, unless the
 * node belongs to our own session (a create whose answer was lost to a
 * disconnect): then it is ours. A waiting lock watches the holder's node and
 * tries again when it goes. Release deletes the node only if this session
 * still owns it. Not here: what the token guards (the metastore's
 * compare-and-set) - that is the job engine's.
 */
#include <inttypes.h>
#include <string.h>

#include "common/log.h"
#include "common/mem.h"
#include "coord_int.h"

typedef enum lock_state { L_IDLE, L_CREATING, L_CHECKING, L_WAITING, L_HELD, L_DONE } lock_state_t;

struct coord_lock {
    coord__obj_t o;
    char *path;
    bool wait;
    lock_state_t st;
    int64_t token; /* atomic: read from any thread */
    int64_t held_sid;
    bool busy_reported;
    int nonode;
    coord_lock_cb cb;
    void *arg;
};

static void lock_create_done(coord__obj_t *o, coord__op_t *op);

static void set_token(coord_lock_t *l, int64_t t)
{
    __atomic_store_n(&l->token, t, __ATOMIC_RELEASE);
}

static void emit(coord_lock_t *l, coord_lock_event_t ev, int64_t token, const char *holder)
{
    if (l->cb && !l->o.dead)
        l->cb(l, ev, token, holder, l->arg);
}

static void lock_try_create(coord_lock_t *l)
{
    l->st = L_CREATING;
    coord__create(&l->o, l->path, l->o.c->owner, ZOO_EPHEMERAL, lock_create_done);
}

static void lock_start(coord__obj_t *o)
{
    coord_lock_t *l = (coord_lock_t *)o;
    if (l->st == L_HELD || l->st == L_DONE)
        return;
    lock_try_create(l);
}

static void lock_now_held(coord_lock_t *l, int64_t czxid)
{
    l->st = L_HELD;
    l->held_sid = l->o.c->session_id;
    set_token(l, czxid);
    /* Watch our own node: an operator deleting it must count as a loss. */
    coord__exists(&l->o, l->path, true, NULL);
    log_debug("coord: lock %s acquired, token %" PRId64, l->path, czxid);
    emit(l, COORD_LOCK_ACQUIRED, czxid, l->o.c->owner);
}

static void lock_failed(coord_lock_t *l, const coord__op_t *op)
{
    log_error("coord: lock %s: %s", l->path, zerror(op->rc));
    l->st = L_DONE;
    emit(l, COORD_LOCK_ERROR, 0, NULL);
}

static void lock_get_done(coord__obj_t *o, coord__op_t *op)
{
    coord_lock_t *l = (coord_lock_t *)o;
    if (l->st != L_CHECKING)
        return;
    if (op->rc == ZOK) {
        if (op->stat.ephemeralOwner == o->c->session_id) {
            lock_now_held(l, op->stat.czxid);
        } else if (!l->wait) {
            l->st = L_DONE;
            emit(l, COORD_LOCK_BUSY, 0, op->str);
        } else {
            l->st = L_WAITING; /* the get left a watch on the holder's node */
            if (!l->busy_reported) {
                l->busy_reported = true;
                emit(l, COORD_LOCK_BUSY, 0, op->str);
            }
        }
    } else if (op->rc == ZNONODE) {
        lock_try_create(l); /* released between our create and our get */
    } else if (coord__is_transient(op->rc)) {
        l->st = L_IDLE;
        coord__obj_retry(o);
    } else {
        lock_failed(l, op);
    }
}

static void lock_create_done(coord__obj_t *o, coord__op_t *op)
{
    coord_lock_t *l = (coord_lock_t *)o;
    if (l->st != L_CREATING)
        return;
    if (op->rc == ZOK) {
        l->nonode = 0;
        lock_now_held(l, op->stat.czxid);
    } else if (op->rc == ZNODEEXISTS) {
        l->st = L_CHECKING;
        coord__get(o, l->path, l->wait, lock_get_done);
    } else if (op->rc == ZNONODE && ++l->nonode <= 3) {
        coord__ensure_dirs(o->c); /* a parent was deleted under us */
        l->st = L_IDLE;
        coord__obj_retry(o);
    } else if (coord__is_transient(op->rc)) {
        /* Unknown outcome: the retry's NODEEXISTS + owner check sorts it out. */
        l->st = L_IDLE;
        coord__obj_retry(o);
    } else {
        lock_failed(l, op);
    }
}

static void lock_watch(coord__obj_t *o, int type, const char *path)
{
    coord_lock_t *l = (coord_lock_t *)o;
    if (strcmp(path, l->path) != 0)
        return;
    if (l->st == L_HELD) {
        if (type == ZOO_DELETED_EVENT) {
            log_warn("coord: lock %s was deleted by someone else; token %" PRId64 " is void", l->path, l->token);
            l->st = L_DONE;
            int64_t t = l->token;
            set_token(l, 0);
            emit(l, COORD_LOCK_LOST, t, NULL);
        } else {
            coord__exists(o, l->path, true, NULL); /* re-arm */
        }
    } else if (l->st == L_WAITING) {
        if (type == ZOO_DELETED_EVENT) {
            lock_try_create(l);
        } else {
            l->st = L_CHECKING;
            coord__get(o, l->path, true, lock_get_done); /* re-arm */
        }
    }
}

static void lock_expired(coord__obj_t *o)
{
    coord_lock_t *l = (coord_lock_t *)o;
    if (l->st == L_HELD) {
        int64_t t = l->token;
        l->st = L_DONE;
        set_token(l, 0);
        emit(l, COORD_LOCK_LOST, t, NULL);
    } else if (l->st != L_DONE) {
        l->st = L_IDLE;
        o->need_start = true;
    }
}

static void lock_release(coord__obj_t *o)
{
    coord_lock_t *l = (coord_lock_t *)o;
    if (l->st == L_HELD && l->held_sid == o->c->session_id)
        coord__delete_owned(o->c, l->path);
    l->st = L_DONE;
    set_token(l, 0);
}

static void lock_destroy(coord__obj_t *o)
{
    coord_lock_t *l = (coord_lock_t *)o;
    mem_free(l->path);
    mem_free(l);
}

static const coord__obj_ops_t lock_ops = {
    "lock", lock_start, lock_expired, lock_watch, lock_release, lock_destroy,
};

static coord_lock_t *lock_new(coord_t *c, const char *path, bool wait, coord_lock_cb cb, void *arg)
{
    coord_lock_t *l = mem_calloc(1, sizeof *l);
    coord__obj_init(&l->o, c, &lock_ops);
    l->path = mem_strdup(path);
    l->wait = wait;
    l->cb = cb;
    l->arg = arg;
    coord__obj_begin(&l->o);
    return l;
}

coord_lock_t *coord_lock_job(coord_t *c, const char *job, bool wait, coord_lock_cb cb, void *arg, int *err)
{
    char path[COORD_PATH_MAX];
    if (coord_path_job_lock(path, sizeof path, c->root, job) < 0) {
        if (err)
            *err = COORD_EINVAL;
        return NULL;
    }
    if (err)
        *err = COORD_OK;
    return lock_new(c, path, wait, cb, arg);
}

coord_lock_t *coord_lock_scheduler(coord_t *c, bool wait, coord_lock_cb cb, void *arg)
{
    char path[COORD_PATH_MAX];
    coord_path_join(path, sizeof path, c->root, COORD_SCHEDULER_LOCK, NULL);
    return lock_new(c, path, wait, cb, arg);
}

void coord_lock_release(coord_lock_t *l)
{
    if (l)
        coord__obj_kill(&l->o);
}

int64_t coord_lock_token(const coord_lock_t *l)
{
    return l ? __atomic_load_n(&l->token, __ATOMIC_ACQUIRE) : 0;
}

const char *coord_lock_path(const coord_lock_t *l)
{
    return l->path;
}

/* ---- synchronous wrappers ---- */

typedef struct lock_sync {
    coord__sync_t s;
    const char *job;
    int rc;
    int64_t token;
    char holder[256];
    coord_lock_t *l;
} lock_sync_t;

/* after_answer - a lock taken through the _sync call outlives the caller's
 * stack frame; later events only show in coord_lock_token(). */
static void after_answer(coord_lock_t *l, coord_lock_event_t ev, int64_t token, const char *holder, void *arg)
{
    if (ev == COORD_LOCK_LOST)
        log_warn("coord: lock %s lost (token %" PRId64 ")", l->path, token);
}

static void sync_lock_cb(coord_lock_t *l, coord_lock_event_t ev, int64_t token, const char *holder, void *arg)
{
    lock_sync_t *ls = arg;
    l->cb = after_answer;
    l->arg = NULL;
    pthread_mutex_lock(&ls->s.mu);
    ls->rc = ev == COORD_LOCK_ACQUIRED ? COORD_OK : ev == COORD_LOCK_BUSY ? COORD_EBUSY : COORD_EZK;
    ls->token = token;
    if (holder) {
        strncpy(ls->holder, holder, sizeof ls->holder - 1);
        ls->holder[sizeof ls->holder - 1] = '\0';
    }
    ls->s.done = true;
    pthread_cond_broadcast(&ls->s.cv);
    pthread_mutex_unlock(&ls->s.mu);
}

static void sync_lock_start(coord_t *c, void *arg)
{
    lock_sync_t *ls = arg;
    if (c->closing || c->state != COORD_S_CONNECTED) {
        ls->rc = COORD_ENOTCONN;
        return;
    }
    int err = 0;
    ls->l = coord_lock_job(c, ls->job, false, sync_lock_cb, ls, &err);
    if (!ls->l)
        ls->rc = err;
}

/* sync_finish - on the loop thread, where lock callbacks run, so the
 * decision cannot race with a late answer: keep a held lock, release the rest. */
static void sync_finish(coord_t *c, void *arg)
{
    lock_sync_t *ls = arg;
    if (!ls->l)
        return;
    if (!(ls->s.done && ls->rc == COORD_OK)) {
        coord_lock_release(ls->l);
        ls->l = NULL;
    }
}

int coord_lock_job_sync(coord_t *c, const char *job, int timeout_ms, coord_lock_t **out, int64_t *token,
                        char *holder, size_t holder_n)
{
    lock_sync_t ls;
    memset(&ls, 0, sizeof ls);
    ls.job = job;
    ls.rc = COORD_ETIMEDOUT;
    coord__sync_init(&ls.s);
    *out = NULL;
    if (token)
        *token = 0;
    coord_run_sync(c, sync_lock_start, &ls);
    if (ls.l)
        coord__sync_wait(&ls.s, timeout_ms);
    coord_run_sync(c, sync_finish, &ls);
    int rc = ls.rc;
    if (rc == COORD_OK) {
        *out = ls.l;
        if (token)
            *token = ls.token;
    }
    if (rc == COORD_EBUSY && holder && holder_n) {
        strncpy(holder, ls.holder, holder_n - 1);
        holder[holder_n - 1] = '\0';
    }
    coord__sync_destroy(&ls.s);
    return rc;
}

static void sync_release(coord_t *c, void *arg)
{
    coord_lock_release(arg);
}

void coord_lock_release_sync(coord_t *c, coord_lock_t *l)
{
    if (l)
        coord_run_sync(c, sync_release, l);
}
