/*
 * coord.h - kiln's ZooKeeper client layer: one session per node, and the
 * primitives the job engine and the node build on: per-job locks with
 * fencing tokens, the mode-0 scheduler lock, leader election (mode 100),
 * node self-registration and watched child lists.
 *
 * Threads. A coord_t belongs to one libuv loop. Every function here is called
 * on that loop thread, and every callback runs there, unless its name ends in
 * _sync (those are for worker threads and must never run on the loop thread:
 * they wait for it). zookeeper_mt's own threads only copy results into a
 * queue and uv_async_send; the loop drains the queue (coord.c).
 *
 * Sessions. coord_new connects in the background and reconnects by itself.
 * The session callback reports:
 *   COORD_S_CONNECTED     a session is up (new, or the same one after a reconnect)
 *   COORD_S_DISCONNECTED  connection lost; the session may still be alive. Locks
 *                         are not lost yet, but a careful owner pauses writes:
 *                         the server may expire the session before we hear of it
 *   COORD_S_EXPIRED       the session is gone (the server said so, or we were
 *                         disconnected longer than the negotiated timeout). Every
 *                         lock has been reported LOST and every leadership lost;
 *                         a new session is being created. The node must stop its
 *                         jobs: others may already hold their locks.
 * Registrations, elections, child watches and waiting locks carry over to
 * the new session by themselves; held locks do not (the caller decides).
 *
 * Fencing. A lock's token is the czxid of its znode: ZooKeeper's transaction
 * id of the create, which grows across the whole ensemble (and across leader
 * changes, the epoch being its high half), so every acquisition of a job's lock
 * has a larger token than the one before. Callers store the token in the
 * metastore with each job-state write and compare-and-set on it: a writer
 * whose token is older than the stored one lost its lock and must stop.
 * The leader's coord_election_token works the same way for mode 100.
 *
 * Lifetimes. Handles (coord_lock_t, coord_election_t, coord_watch_t) are
 * owned by the caller until released; after release no callback fires for
 * them. Strings passed in are copied. Strings passed to callbacks live until
 * the callback returns.
 */
#ifndef COORD_COORD_H
#define COORD_COORD_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "common/cfg.h"
#include "coord/path.h"

typedef struct coord coord_t;
typedef struct coord_lock coord_lock_t;
typedef struct coord_election coord_election_t;
typedef struct coord_watch coord_watch_t;

/* Return codes (0 is success). */
enum {
    COORD_OK = 0,
    COORD_EBUSY = -1,     /* lock held by someone else */
    COORD_ENOTCONN = -2,  /* no session */
    COORD_EINVAL = -3,    /* bad name or path */
    COORD_ETIMEDOUT = -4, /* a _sync call waited too long */
    COORD_ELOST = -5,     /* lock or session lost */
    COORD_EZK = -6        /* other ZooKeeper error (logged) */
};

typedef enum coord_state {
    COORD_S_CONNECTING = 0,
    COORD_S_CONNECTED,
    COORD_S_DISCONNECTED,
    COORD_S_EXPIRED,
    COORD_S_CLOSED
} coord_state_t;

typedef struct coord_config {
    const char *connect;    /* "host:port,host:port" (kylin.env.zookeeper-connect-string) */
    const char *base_path;  /* kylin.env.zookeeper-base-path, e.g. "/kylin" */
    const char *cluster;    /* root component under base, see coord_cluster_name */
    int session_timeout_ms; /* asked for; the server bounds it (2..20 ticks) */
    const char *owner;      /* written into lock znodes; NULL: "<pid>@<hostname>" */
} coord_config_t;

typedef void (*coord_session_cb)(coord_t *c, coord_state_t state, void *arg);

/* coord_config_from_cfg - fills *out from kiln's options; cluster comes from
 * kylin.metadata.url and is written to cluster_buf. Strings point into cfg
 * (and cluster_buf): keep both alive until coord_new returns. Returns 0, or
 * COORD_EINVAL when ZooKeeper is not configured or a name is invalid. */
int coord_config_from_cfg(const cfg_t *cfg, coord_config_t *out, char *cluster_buf, size_t cluster_n);

/* coord_new - starts a session in the background (never blocks). Returns
 * NULL with *err set (COORD_EINVAL) for a bad configuration. */
coord_t *coord_new(uv_loop_t *loop, const coord_config_t *cfg, coord_session_cb cb, void *arg, int *err);

/* coord_close - closes the session (its ephemeral nodes vanish at once, so
 * others take over without waiting for the timeout), releases every handle
 * still open without callbacks, then calls closed(arg) on the loop thread and
 * frees c. The closing round trip runs on a worker thread. */
void coord_close(coord_t *c, void (*closed)(void *arg), void *arg);

coord_state_t coord_state(const coord_t *c);
int64_t coord_session_id(const coord_t *c);  /* 0 without a session */
int coord_session_timeout(const coord_t *c); /* negotiated ms (asked for until connected) */
const char *coord_root(const coord_t *c);    /* "<base>/<cluster>" */
const char *coord_state_name(coord_state_t s);
const char *coord_strerror(int rc);

/* ---- locks ---- */

typedef enum coord_lock_event {
    COORD_LOCK_ACQUIRED, /* token valid from now on */
    COORD_LOCK_BUSY,     /* held by holder; a waiting lock keeps waiting, a try lock is done */
    COORD_LOCK_LOST,     /* was held, is not any more (session expired, znode deleted) */
    COORD_LOCK_ERROR     /* gave up (logged); release the handle */
} coord_lock_event_t;

typedef void (*coord_lock_cb)(coord_lock_t *l, coord_lock_event_t ev, int64_t token,
                              const char *holder, void *arg);

/* coord_lock_job - takes <root>/job_engine/lock/<job>. With wait false it
 * tries once (ACQUIRED or BUSY); with wait true it reports BUSY once and then
 * waits for the holder to go (release, death, session expiry), reporting
 * ACQUIRED when it gets the lock. After LOST or ERROR the handle is inert.
 * Returns NULL (and *err = COORD_EINVAL) for an invalid job id. */
coord_lock_t *coord_lock_job(coord_t *c, const char *job, bool wait, coord_lock_cb cb, void *arg, int *err);

/* coord_lock_scheduler - the "exactly one scheduler" lock of scheduler mode 0
 * (<root>/job_engine/global_job_engine_lock); same events as coord_lock_job.
 * A second node waiting on it takes over when the first is gone. */
coord_lock_t *coord_lock_scheduler(coord_t *c, bool wait, coord_lock_cb cb, void *arg);

/* coord_lock_release - deletes the znode if held, frees the handle; no more
 * callbacks. NULL is fine. */
void coord_lock_release(coord_lock_t *l);

/* coord_lock_token - the fencing token while held, 0 otherwise. Any thread. */
int64_t coord_lock_token(const coord_lock_t *l);
const char *coord_lock_path(const coord_lock_t *l);

/* ---- leader election (scheduler mode 100) ---- */

/* leader: whether this node leads now; leader_id: the leader's id when
 * known (may be NULL just after a change). Called on each change. */
typedef void (*coord_leader_cb)(coord_election_t *e, bool leader, const char *leader_id, void *arg);

/* coord_elect - joins the election under <root>/job_engine/leader with id
 * (e.g. kylin.server.host-address); rejoins after a session expiry. */
coord_election_t *coord_elect(coord_t *c, const char *id, coord_leader_cb cb, void *arg);
/* coord_election_leave - withdraws (deletes the candidate) and frees e. NULL ok. */
void coord_election_leave(coord_election_t *e);
bool coord_election_is_leader(const coord_election_t *e); /* any thread */
int64_t coord_election_token(const coord_election_t *e);  /* czxid of our candidate while leader, else 0 */

/* ---- self-registration and watched lists ---- */

/* coord_register - registers this node (ephemeral <root>/service/cluster_servers/
 * <addr>|<mode>) and keeps it registered across sessions until coord_close.
 * A stale registration of an earlier incarnation is waited out. */
int coord_register(coord_t *c, const char *addr, const char *mode);

typedef struct coord_member {
    const char *addr; /* host:port of its REST port */
    const char *mode; /* all | job | query */
} coord_member_t;

/* Members sorted by addr, one entry per addr. */
typedef void (*coord_members_cb)(const coord_member_t *m, int n, void *arg);
/* Names of the children, sorted. */
typedef void (*coord_children_cb)(const char *const *names, int n, void *arg);

/* coord_watch_members - calls cb with the live membership now and on every change. */
coord_watch_t *coord_watch_members(coord_t *c, coord_members_cb cb, void *arg);
/* coord_watch_job_locks - calls cb with the ids of the jobs whose lock is held
 * now and on every change (scheduler 2: a job that left the list while
 * RUNNING lost its owner and may be taken over). */
coord_watch_t *coord_watch_job_locks(coord_t *c, coord_children_cb cb, void *arg);
void coord_watch_stop(coord_watch_t *w);

/* ---- synchronous wrappers for worker threads (never on the loop thread) ---- */

/* coord_lock_job_sync - tries the job lock once, waiting at most timeout_ms
 * for the answer. 0: held, *out and *token set; COORD_EBUSY: holder copied
 * into holder (if given); COORD_ENOTCONN / COORD_ETIMEDOUT / COORD_EZK.
 * A held lock's loss shows as coord_lock_token() == 0. */
int coord_lock_job_sync(coord_t *c, const char *job, int timeout_ms, coord_lock_t **out, int64_t *token,
                        char *holder, size_t holder_n);
/* coord_lock_release_sync - releases on the loop thread and waits for it. */
void coord_lock_release_sync(coord_t *c, coord_lock_t *l);
/* coord_run_sync - runs fn(arg) on the loop thread and waits for it. */
void coord_run_sync(coord_t *c, void (*fn)(coord_t *c, void *arg), void *arg);

#endif
