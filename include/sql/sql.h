/*
 * sql.h - the boundary between a session and the SQL engine.
 *
 * The session (src/session) owns sockets-free protocol state: statements,
 * portals, transaction status. The engine (src/sql, src/exec) turns SQL text
 * into prepared statements and runs them. The session never looks inside an
 * sql_stmt_t or sql_portal_t; the engine never sees protocol messages.
 *
 *   sql_ctx_new        once per connection (connection arena)
 *   sql_split          simple Query: the statements in one string, with offsets
 *   sql_prepare        parse + analyze + plan one statement (statement arena)
 *   sql_bind           parameters -> a portal (portal arena)
 *   sql_execute        run a portal up to max_rows, rows to a sink
 *
 * Statement kinds tell the session what it must do itself (transaction
 * control, DEALLOCATE, DISCARD ALL); everything else the engine executes.
 * Errors come back in err_t with SQLSTATE and position (1-based, in the
 * original query string, offsets already applied).
 * Threading: all calls on the loop thread except sql_execute, which may run
 * on a worker thread when sql_stmt_is_cheap() is false; a portal is used by
 * one thread at a time, and cancel is a flag (sql_ctx_cancel) that any thread sets.
 */
#ifndef SQL_SQL_H
#define SQL_SQL_H

#include <stdbool.h>
#include <stdint.h>

#include "common/cfg.h"
#include "common/err.h"
#include "common/mem.h"
#include "types/types.h"

typedef struct sql_ctx sql_ctx_t;
typedef struct sql_stmt sql_stmt_t;
typedef struct sql_portal sql_portal_t;

typedef enum sql_kind {
    SQL_K_EMPTY,       /* only comments/whitespace: EmptyQueryResponse */
    SQL_K_ROWS,        /* returns rows (SELECT, SHOW, VALUES, EXPLAIN ...) */
    SQL_K_COMMAND,     /* runs, returns a tag only (SET, CREATE ...) */
    SQL_K_BEGIN,       /* BEGIN / START TRANSACTION */
    SQL_K_COMMIT,      /* COMMIT / END (and COMMIT AND CHAIN unsupported) */
    SQL_K_ROLLBACK,    /* ROLLBACK / ABORT */
    SQL_K_SAVEPOINT,   /* SAVEPOINT / RELEASE / ROLLBACK TO: accepted, no effect */
    SQL_K_DEALLOCATE,  /* DEALLOCATE name | ALL: sql_stmt_target() names it (NULL = ALL) */
    SQL_K_DISCARD_ALL, /* DISCARD ALL: session drops statements/portals, RESET ALL */
    SQL_K_PREPARE,     /* SQL-level PREPARE name AS ...: sql_stmt_target() names it */
    SQL_K_EXECUTE,     /* SQL-level EXECUTE name(...): session looks the statement up */
    SQL_K_COPY_OUT,    /* COPY ... TO STDOUT: the rows go out as CopyData (sql_stmt_copy) */
    SQL_K_COPY_IN,     /* COPY ... FROM STDIN: CopyInResponse, then Execute fails (read-only tables) */
} sql_kind_t;

typedef struct sql_col {
    const char *name;
    uint32_t table_oid; /* 0 when not a plain table column */
    int16_t attnum;
    type_oid_t type;
    int16_t typlen;
    int32_t typmod;
} sql_col_t;

/* Hooks the engine calls back into the session (same thread as the call). */
typedef struct sql_hooks {
    void *arg;
    /* A CFG_F_REPORT setting changed (SET/RESET): send ParameterStatus. */
    void (*param_changed)(void *arg, const char *name, const char *value);
    /* A NOTICE/WARNING for the client (severity in e->severity). */
    void (*notice)(void *arg, const err_t *e);
} sql_hooks_t;

typedef struct sql_session_info {
    cfg_t *settings;        /* the session's own options (cfg_clone of the server's) */
    const cfg_t *server;    /* the server's options, for RESET */
    const char *user;
    const char *database;
    int32_t backend_pid;
    sql_hooks_t hooks;
} sql_session_info_t;

/* A statement within a simple Query string. */
typedef struct sql_text {
    const char *sql; /* NUL-terminated copy */
    int offset;      /* offset of sql within the whole string, in characters (error positions are) */
} sql_text_t;

/* sql_ctx_new - engine state of one session; lives in conn_arena. info is
 * copied; its settings stay owned by the session. Never NULL. */
sql_ctx_t *sql_ctx_new(mem_arena_t *conn_arena, const sql_session_info_t *info);
/* sql_ctx_cancel - asks the running statement to stop with 57014 (any thread). */
void sql_ctx_cancel(sql_ctx_t *ctx);
/* sql_ctx_end_tx - the session ended a transaction (loop thread). commit is
 * true for COMMIT of a healthy block and for an implicit transaction (one
 * simple Query, or the messages up to a Sync) that ended without error;
 * false for ROLLBACK, COMMIT of a failed block, and an implicit transaction
 * that failed. As PostgreSQL's GUC does at end of transaction, settings SET
 * since the previous end stay on commit (SET LOCAL ones are undone) and are
 * all undone on abort (psycopg2 tests BEGIN; SET ...; ROLLBACK). The session
 * calls it after executing COMMIT/ROLLBACK through sql_execute. */
void sql_ctx_end_tx(sql_ctx_t *ctx, bool commit);

/* sql_split - splits a simple-protocol string into statements (results in a).
 * An empty string gives n = 0. A syntax error is reported for the whole string. */
int sql_split(mem_arena_t *a, const char *query, sql_text_t **stmts, int *n, err_t *err) MUST_CHECK;

/* sql_prepare - analyzes one statement. param_types[i] == 0 means infer.
 * nparams < 0: a simple Query's statement, which has no parameters ($n is
 * 42P02 "there is no parameter $n", as in PostgreSQL); Parse passes >= 0.
 * offset is added to error positions. The statement lives in a. */
int sql_prepare(sql_ctx_t *ctx, mem_arena_t *a, const char *sql, int offset, int nparams,
                const type_oid_t *param_types, sql_stmt_t **out, err_t *err) MUST_CHECK;
sql_kind_t sql_stmt_kind(const sql_stmt_t *s);
const char *sql_stmt_target(const sql_stmt_t *s);
int sql_stmt_nparams(const sql_stmt_t *s);
const type_oid_t *sql_stmt_param_types(const sql_stmt_t *s);
/* sql_stmt_columns - result columns; returns -1 for statements without rows (NoData). */
int sql_stmt_columns(const sql_stmt_t *s, const sql_col_t **cols);
/* How COPY writes its rows (PostgreSQL's CopyFormatOptions after defaults). */
typedef enum sql_copy_format { SQL_COPY_TEXT, SQL_COPY_CSV, SQL_COPY_BINARY } sql_copy_format_t;
typedef struct sql_copy {
    sql_copy_format_t format;
    char delim;              /* text and csv */
    char quote, escape;      /* csv */
    const char *null_print;  /* text and csv */
    bool header;             /* a first line of column names */
    int ncols;               /* the columns copied (the rows the sink gets) */
    const sql_col_t *cols;
    const bool *force_quote; /* csv: per column, or NULL */
} sql_copy_t;

/* sql_stmt_copy - the format of a SQL_K_COPY_OUT / SQL_K_COPY_IN statement
 * (NULL for other kinds); lives with the statement. A COPY statement has no
 * result columns (Describe answers NoData, as PostgreSQL does); its portal
 * hands the copied rows to the sink, and the session encodes them. */
const sql_copy_t *sql_stmt_copy(const sql_stmt_t *s);
/* sql_stmt_is_cheap - true when execution is bounded and tiny (constants,
 * settings, small catalog): the session may run it on the loop thread. */
bool sql_stmt_is_cheap(const sql_stmt_t *s);
/* sql_stmt_is_current - false once the catalog (or anything else the
 * statement was analyzed against) changed since sql_prepare, so a cached
 * statement must be prepared again before its next Bind, as PostgreSQL's
 * plan cache revalidates. The session keeps statements across messages
 * (named statements, the unnamed one, repeated simple Queries) and asks this
 * before reusing one. Cheap; loop thread. */
bool sql_stmt_is_current(const sql_stmt_t *s);
/* sql_stmt_is_tx_allowed - true for statements allowed in a failed
 * transaction (ROLLBACK, COMMIT, ROLLBACK TO). */
bool sql_stmt_allowed_in_failed_tx(const sql_stmt_t *s);

/* One Bind parameter as it arrived: format 0 text, 1 binary; data NULL = SQL NULL. */
typedef struct sql_param {
    const char *data;
    int32_t len;
    int16_t format;
} sql_param_t;

/* sql_bind - converts parameters and opens a portal in a (22P02/22P03/08P01 on bad values). */
int sql_bind(sql_ctx_t *ctx, sql_stmt_t *s, mem_arena_t *a, int nparams, const sql_param_t *params,
             sql_portal_t **out, err_t *err) MUST_CHECK;

/* The receiver of result rows. row() gets ncols values valid only during the
 * call; returns 0 to go on, < 0 to stop (the session's output is full or the
 * client went away: execution suspends exactly as with max_rows). */
typedef struct sql_sink {
    void *arg;
    int (*row)(void *arg, int ncols, const value_t *vals);
} sql_sink_t;

typedef enum sql_exec_status {
    SQL_EXEC_DONE = 0,      /* all rows sent: CommandComplete with sql_portal_tag() */
    SQL_EXEC_SUSPENDED = 1, /* max_rows reached: PortalSuspended */
} sql_exec_status_t;

/* sql_execute - runs or resumes a portal; max_rows 0 = all. Returns a status
 * or -1 with err set. A portal that returned DONE returns DONE with no rows again. */
int sql_execute(sql_portal_t *p, uint64_t max_rows, const sql_sink_t *sink, err_t *err) MUST_CHECK;
/* sql_portal_tag - the command tag ("SELECT 3", "SET", "CREATE FOREIGN TABLE"). */
const char *sql_portal_tag(const sql_portal_t *p);
const sql_stmt_t *sql_portal_stmt(const sql_portal_t *p);

#endif
