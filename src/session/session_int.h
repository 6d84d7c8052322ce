/*
 * session_int.h - declarations shared by the files of src/session only:
 * the session and server structs, prepared statements and portals, the
 * name maps, and the functions one file calls in another (sess__ prefix).
 */
#ifndef SESSION_SESSION_INT_H
#define SESSION_SESSION_INT_H

#include <stdint.h>

#include "common/mem.h"
#include "net/net.h"
#include "protocol/auth.h"
#include "protocol/codec.h"
#include "protocol/copy.h"
#include "session/session.h"
#include "sql/sql.h"

/* ---- name maps (prepared statements, portals, sessions by pid) ---- */

typedef struct sess_entry {
    struct sess_entry *next;
    const char *name;  /* owned by the entry's holder */
    uint32_t hash;
} sess_entry_t;

typedef struct sess_map {
    sess_entry_t **buckets;
    size_t nbuckets; /* power of two, 0 until the first insert */
    size_t count;
} sess_map_t;

uint32_t sess__hash(const char *s);
sess_entry_t *sess__map_get(const sess_map_t *m, const char *name);
void sess__map_put(sess_map_t *m, sess_entry_t *e); /* name must be absent */
void sess__map_del(sess_map_t *m, sess_entry_t *e);
void sess__map_free(sess_map_t *m);
/* sess__map_first - any entry (for draining a map), NULL when empty. */
sess_entry_t *sess__map_first(const sess_map_t *m);

/* ---- prepared statements and portals ---- */

/* A prepared statement: protocol-level (Parse) or SQL-level (PREPARE). It
 * owns its arena; portals made from it hold a reference, so closing a
 * statement that a portal still uses only drops the registry's reference. */
typedef struct sess_stmt {
    sess_entry_t e;       /* e.name: "" for the unnamed statement */
    mem_arena_t *arena;   /* holds this struct, the text and the engine's statement */
    char *sql;
    size_t sql_len;
    int nparam_types;     /* as the client declared them (cache key) */
    uint32_t *param_types;
    sql_stmt_t *stmt;
    sql_kind_t kind;
    int ncols;            /* -1: no result rows (NoData) */
    const sql_col_t *cols;
    int refs;
    bool registered;
    uint32_t epoch;       /* s->stmt_epoch when prepared */
    char *key;            /* simple-Query cache: the whole Query text */
    size_t key_len;
    uint32_t key_hash;
} sess_stmt_t;

typedef struct sess_portal {
    sess_entry_t e;
    mem_arena_t *arena;   /* NULL for the unnamed portal, which lives in s->unnamed_portal_arena */
    sess_stmt_t *st;      /* reference held */
    sql_portal_t *portal;
    int16_t *formats;     /* one per column; NULL when all are text */
    int nformats;         /* the columns formats was made for (a FETCH's cursor may change) */
    bool busy;            /* an Execute of it is in progress */
    sess_stmt_t *exec_st; /* SQL EXECUTE: the statement it runs (reference held) */
    sql_portal_t *exec_portal;
} sess_portal_t;

/* ---- the server ---- */

typedef struct sess_user {
    sess_entry_t e;
    char *password;
    bool have_secret;
    pgp_scram_secret_t secret;
} sess_user_t;

struct sess_server {
    uv_loop_t *loop;
    const cfg_t *cfg;
    net_listener_t *listener;
    int port;
    sess_map_t users;         /* kiln.auth.users */
    int auth_method;          /* index in the kiln.auth.method enum */
    sess_map_t by_pid;        /* sessions past startup, for CancelRequest */
    sess_t *all;              /* every session, for shutdown */
    int nsessions;
    int max_connections;
    uint32_t max_message;
    size_t high_water;
    uint32_t next_pid;
    uint8_t mock_key[32];     /* derives salts for unknown users */
    bool shutting_down;
    uint64_t last_slow_log;   /* rate limit of the "ran long on the loop" warning */
    uv_timer_t tick;          /* authentication deadlines, once a second */
    bool tick_on;
    struct sockaddr_storage *peers; /* kiln.cluster.pg-servers, for cancel forwarding */
    size_t npeers, peers_cap;
    /* Notices raised on worker threads (sess__notice): the worker appends to
     * its session's pend buffer and queues the session; notice_async wakes
     * the loop thread, which sends them. notice_mu guards every session's
     * pend, pend_dropped, pend_queued and pend_next, notice_queue and
     * notice_async_on. */
    uv_mutex_t notice_mu;
    sess_t *notice_queue;     /* sessions with notices to send */
    uv_async_t notice_async;  /* initialized by sess_server_listen, closed by shutdown */
    bool notice_async_on;     /* workers may signal it */
};

/* ---- the session ---- */

typedef enum sess_phase {
    PH_STARTUP,   /* waiting for StartupMessage / SSLRequest / CancelRequest */
    PH_AUTH,      /* waiting for a password message */
    PH_READY,     /* normal operation */
    PH_CLOSED,    /* closing: input is ignored */
} sess_phase_t;

typedef enum sess_auth_step { AUTH_NONE, AUTH_CLEARTEXT, AUTH_MD5, AUTH_SASL_INIT, AUTH_SASL_FINAL } sess_auth_step_t;

/* Results of message handlers. */
enum { H_DONE = 0, H_ASYNC = 1, H_CLOSE = 2 };

/* An execution in progress: a portal running for an Execute message or for
 * one statement of a simple Query. It survives a worker-pool round trip and
 * a back-pressure pause. */
typedef struct sess_exec {
    bool active;
    bool simple;             /* statement of a simple Query */
    bool on_worker;          /* sql_execute runs on a worker thread now */
    bool sink_stopped;       /* the sink returned < 0 (output full) */
    bool waiting_drain;      /* paused until the client reads */
    bool to_worker;          /* ran too long inline: the rest goes to the pool */
    bool timed_out;          /* statement_timeout fired: the cancel is ours */
    bool cancel_requested;   /* a CancelRequest arrived while waiting for the client */
    uint64_t start_ms;       /* uv_now() at the start, for statement_timeout */
    uint64_t inline_start;   /* uv_hrtime() when the inline step began */
    sess_portal_t *sp;       /* extended protocol: the portal (busy) */
    sql_portal_t *portal;
    const sql_stmt_t *stmt;
    const sql_col_t *cols;
    int ncols;
    const int16_t *formats;
    uint64_t max_rows;       /* 0 = all */
    uint64_t rows;           /* rows sent for this Execute */
    int efd;                 /* extra_float_digits */
    int rc;                  /* sql_execute's result from the worker */
    err_t err;
    net_work_t work;
    /* COPY TO STDOUT: rows go out as CopyData in copy->format */
    const sql_copy_t *copy;
    pgp_copy_opts_t copy_opts;
    bool copy_binary_header; /* binary: the file header still goes before the first row */
    buf_t copy_text;         /* one value's text form (session lifetime, freed by sess_free) */
} sess_exec_t;

/* The statements of a simple Query being worked through. */
typedef struct sess_query {
    bool active;
    sql_text_t *stmts;
    int n, i;
    const char *text;      /* the whole Query string (message arena) */
    size_t len;
    sess_stmt_t *cur;      /* the statement running when it has its own arena (cache) */
    sess_stmt_t *hit;      /* a cached statement for the whole Query */
    sql_text_t hit_text;
} sess_query_t;

/* Repeated simple Queries keep this many prepared statements per session:
 * enough for a dashboard cycling through a few dozen queries (SSB has 13),
 * at most a few hundred kB per session. */
#define SESS_QCACHE 32

struct sess {
    sess_server_t *srv;
    sess_t *next_all, *prev_all;
    sess_io_t io;
    sess_phase_t phase;
    sess_auth_step_t auth;
    bool ssl_done, gss_done;  /* an SSLRequest / GSSENCRequest may not come again (PostgreSQL's flags) */
    uint64_t started;         /* uv_now() at accept, for the authentication deadline */
    bool registered;          /* in srv->by_pid */
    bool counted;             /* in srv->nsessions limit */
    sess_entry_t pid_entry;
    char pid_name[16];
    int32_t pid;
    uint32_t key;

    mem_arena_t *arena;       /* connection lifetime */
    mem_arena_t *msg_arena;   /* reset after every client message */
    mem_arena_t *query_arena; /* one simple-Query statement */
    mem_arena_t *unnamed_portal_arena;
    buf_t out;

    char *user;
    char *database;
    cfg_t *baseline;          /* server options + startup parameters: what RESET restores */
    cfg_t *settings;          /* the session's options (SET) */
    sql_ctx_t *ctx;

    /* authentication */
    uint8_t md5_salt[4];
    pgp_scram_t scram;

    /* extended protocol */
    sess_map_t stmts;         /* named statements */
    sess_stmt_t *unnamed_stmt;
    sess_map_t portals;       /* named portals */
    sess_portal_t *unnamed_portal;
    mem_arena_t *spare_stmt_arena; /* a reset statement arena kept for the next Parse */
    uint32_t stmt_epoch;      /* bumped when cached statements may be stale */
    bool stmt_failed;         /* the current statement sent an ErrorResponse */
    sess_stmt_t *qcache[SESS_QCACHE]; /* simple-Query statements by text */
    int qcache_next;
    bool tx_open;             /* a statement ran since the last transaction end */
    bool implicit_failed;     /* an error while no block was open: the implicit transaction aborts */
    bool ignore_till_sync;
    bool extended;            /* the message being handled is extended-protocol */

    char tx;                  /* 'I', 'T' or 'E' */
    uint64_t ready_ms;        /* uv_now() at the last ReadyForQuery (idle_in_transaction_session_timeout) */
    uint8_t param_dirty[(CFG__COUNT + 7) / 8]; /* reported settings to send before Z */
    bool any_dirty;
    bool discard_pending;     /* DISCARD ALL ran inside an Execute */

    /* the message in progress */
    size_t frame_total;       /* bytes to consume when it completes */
    bool busy;                /* a worker job runs */
    bool blocked;             /* output over the high-water mark */
    bool eof;                 /* the client went away */
    bool free_pending;        /* sess_free called while busy */
    bool closed;              /* io.close was called */
    bool aborted;             /* io.abort was called */

    /* output a worker made while the loop thread may send it (srv->notice_mu) */
    buf_t pend;               /* NoticeResponses and the rows before them */
    uint64_t pend_dropped;    /* notices dropped since the last one kept (pend full) */
    bool pend_queued;         /* in srv->notice_queue */
    sess_t *pend_next;
    buf_t pend_out;           /* loop thread only: pend taken to be sent */
    sess_query_t q;
    sess_exec_t x;
    err_t err;                /* scratch error, cleared only when set */
};

/* session.c */
void sess__send_error(sess_t *s, err_t *e);
void sess__fatal(sess_t *s, err_t *e);
void sess__close(sess_t *s);
void sess__notice(sess_t *s, const err_t *e);
void sess__drain_notices(sess_t *s, bool final);
void sess__notice_async_cb(uv_async_t *h);
void sess__ready(sess_t *s);
void sess__flush(sess_t *s);
void sess__message_done(sess_t *s);
void sess__mark_param(sess_t *s, cfg_id_t id);
void sess__startup_complete(sess_t *s);

/* query.c */
void sess__end_tx(sess_t *s, bool commit);
int sess__handle_message(sess_t *s, const pgp_frame_t *f);
void sess__drop_all_portals(sess_t *s);
void sess__drop_all_statements(sess_t *s);
void sess__exec_resume(sess_t *s);
void sess__free_query_state(sess_t *s);

/* server.c */
int sess__auth_start(sess_t *s);
int sess__auth_message(sess_t *s, const pgp_frame_t *f);
void sess__register(sess_t *s);
void sess__unregister(sess_t *s);
bool sess__cancel(sess_server_t *srv, uint32_t pid, uint32_t key);

/* cancel_fwd.c */
void sess__cancel_peers_init(sess_server_t *srv);
void sess__cancel_peers_free(sess_server_t *srv);
void sess__cancel_forward(sess_server_t *srv, uint32_t pid, uint32_t key);
void sess__check_deadlines(sess_server_t *srv, uint64_t now);

#endif
