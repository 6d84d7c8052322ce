/*
 * coord_int.h - what the coord modules share and nobody else sees: the
 * session object, the queue of results coming from zookeeper_mt's threads,
 * and the base of every primitive (lock, election, watch, registration).
 *
 * Model. Each primitive is a coord__obj with a small state machine driven on
 * the loop thread: start() issues its first request when a session is up,
 * done functions advance it when results arrive, watch() sees node events,
 * expired() resets it when the session dies. Objects are reference counted:
 * one reference for the owner, one per request in flight, so a result that
 * arrives after the owner released the object still finds it (and cleans
 * up, e.g. deletes a lock node created after the release).
 */
#ifndef COORD_COORD_INT_H
#define COORD_COORD_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>
#include <zookeeper/zookeeper.h>

#include "coord/coord.h"

typedef struct coord__obj coord__obj_t;
typedef struct coord__op coord__op_t;
typedef void (*coord__done_fn)(coord__obj_t *o, coord__op_t *op);

typedef struct coord__obj_ops {
    const char *kind;
    void (*start)(coord__obj_t *o);                               /* session up: (re)issue */
    void (*expired)(coord__obj_t *o);                             /* session gone */
    void (*watch)(coord__obj_t *o, int type, const char *path);  /* a node event */
    void (*release)(coord__obj_t *o);                             /* owner let go: clean up in ZooKeeper */
    void (*destroy)(coord__obj_t *o);                             /* last reference: free memory */
} coord__obj_ops_t;

struct coord__obj {
    coord__obj_t *next, *prev;
    coord_t *c;
    const coord__obj_ops_t *ops;
    int refs;
    bool dead;       /* released by its owner: no more user callbacks */
    bool need_start; /* call start() once connected */
};

enum { COORD__OP_DONE, COORD__OP_WATCH, COORD__OP_SESSION, COORD__OP_CALL };

typedef struct coord__sync {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool done;
} coord__sync_t;

struct coord__op {
    coord__op_t *next;
    coord_t *c;
    int kind;
    uint64_t gen; /* session generation it belongs to */
    /* COORD__OP_DONE */
    coord__done_fn done;
    coord__obj_t *obj;
    char *req_path; /* the path asked about (copy) */
    int create_flags;
    bool is_create;
    int rc;
    char *str; /* created path, or node data (NUL-terminated copy) */
    int str_len;
    struct Stat stat;
    bool has_stat;
    char **names;
    int nnames;
    /* COORD__OP_WATCH / COORD__OP_SESSION */
    int wtype, wstate;
    char *wpath;
    /* COORD__OP_CALL */
    void (*call)(coord_t *c, void *arg);
    void *arg;
    coord__sync_t *sync;
};

typedef struct coord__sess {
    coord_t *c;
    uint64_t gen;
} coord__sess_t;

typedef struct coord__pdel {
    struct coord__pdel *next;
    char *path;
    int64_t sid;
} coord__pdel_t;

struct coord {
    uv_loop_t *loop;
    uv_thread_t loop_thread;
    uv_async_t async;
    uv_timer_t expiry_timer; /* local session expiry while disconnected */
    uv_timer_t kick_timer;   /* restart objects that asked for a retry */
    uv_timer_t init_timer;   /* retry zookeeper_init when it failed */
    int handles_open;

    pthread_mutex_t mu; /* guards the queue: the only state other threads touch */
    coord__op_t *head, *tail;

    zhandle_t *zh;
    coord__sess_t *sess;
    uint64_t gen;
    coord_state_t state;
    int64_t session_id;
    int negotiated_ms;
    int close_works; /* zookeeper_close calls running on workers */
    bool closing;
    void (*closed_cb)(void *arg);
    void *closed_arg;

    char *connect, *root, *owner;
    int timeout_ms;
    char **dirs; /* persistent parents, created in order on each new session */
    int ndirs;
    unsigned serial; /* makes election candidate prefixes unique per object */

    coord_session_cb cb;
    void *cb_arg;

    coord__obj_t *objs;      /* every live primitive */
    coord__pdel_t *pdel;     /* deletes to retry once reconnected */
};

/* Object lifetime. */
void coord__obj_init(coord__obj_t *o, coord_t *c, const coord__obj_ops_t *ops);
void coord__obj_ref(coord__obj_t *o);
void coord__obj_unref(coord__obj_t *o);
/* coord__obj_kill - the owner's release: marks dead, cleans up, drops the owner's reference. */
void coord__obj_kill(coord__obj_t *o);
/* coord__obj_retry - start() again soon (after a reconnect, or after a short delay when connected). */
void coord__obj_retry(coord__obj_t *o);
/* coord__obj_begin - start now when connected, else when the session comes up. */
void coord__obj_begin(coord__obj_t *o);

/* Requests (loop thread). They return the ZooKeeper rc of issuing; on an
 * error nothing is in flight and the object was asked to retry. */
int coord__create(coord__obj_t *o, const char *path, const char *data, int flags, coord__done_fn done);
int coord__get(coord__obj_t *o, const char *path, bool watch, coord__done_fn done);
int coord__exists(coord__obj_t *o, const char *path, bool watch, coord__done_fn done);
int coord__children(coord__obj_t *o, const char *path, bool watch, coord__done_fn done);
/* coord__delete_owned - deletes path if this session owns it (ephemeral of
 * ours); retried after a reconnect of the same session. */
void coord__delete_owned(coord_t *c, const char *path);
/* coord__ensure_dirs - creates the persistent parents (pipelined: requests
 * after it see them, ZooKeeper keeping each session's order). */
void coord__ensure_dirs(coord_t *c);

bool coord__is_transient(int rc); /* connection loss, timeout: retry after reconnect */
bool coord__on_loop(const coord_t *c);

/* Sync helpers. */
void coord__sync_init(coord__sync_t *s);
void coord__sync_destroy(coord__sync_t *s);
void coord__sync_signal(coord__sync_t *s);
/* coord__sync_wait - 0 when signalled, -1 after timeout_ms (< 0: forever). */
int coord__sync_wait(coord__sync_t *s, int timeout_ms);

#endif
