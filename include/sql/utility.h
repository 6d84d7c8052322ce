/*
 * utility.h - how other subsystems add statements to the engine: DDL of the
 * catalog (CREATE SERVER / FOREIGN TABLE / MATERIALIZED VIEW, DROP, REFRESH,
 * CALL kiln.build(...)), or anything else the analyzer does not handle.
 *
 * A claimer is registered once at startup (sql_utility_register, not
 * thread-safe). At sql_prepare, every statement the engine does not know is
 * offered to the claimers in registration order with its libpg_query parse
 * node (a `const PgQuery__Node *`, see <pg_query/pg_query.pb-c.h>, living in
 * the statement's arena). A claimer returns 1 and fills *out to take it, 0
 * to pass, -1 with err set to reject it (the error goes to the client as a
 * Parse/Query error, with position if err->position is set).
 *
 * sql_execute then calls out->run exactly once per portal, on the loop thread
 * when out->cheap, else possibly on a worker thread. A statement that returns
 * rows sets ncols >= 0 and cols, and emits rows through the sink given to run
 * (values valid during the call only). The command tag is out->tag, or
 * "SELECT n" when tag is NULL and the statement returned rows.
 */
#ifndef SQL_UTILITY_H
#define SQL_UTILITY_H

#include "sql/sql.h"

typedef struct sql_utility_call {
    const sql_session_info_t *session; /* user, database, settings, hooks */
    const char *sql;                   /* the statement's text */
    int offset;                        /* add to byte offsets for err->position (1-based chars) */
    const void *node;                  /* const PgQuery__Node *: the statement */
    mem_arena_t *arena;                /* the statement's arena: keep prepared state here */
} sql_utility_call_t;

typedef struct sql_utility_run {
    const sql_session_info_t *session;
    const sql_sink_t *sink;            /* rows, for statements with ncols >= 0 */
    mem_arena_t *arena;                /* the portal's arena */
    volatile int *cancel;              /* set when the client cancels (check it in long loops) */
} sql_utility_run_t;

typedef struct sql_utility {
    const char *tag;
    bool cheap;
    int ncols;                         /* -1: no rows */
    const sql_col_t *cols;
    int (*run)(void *state, const sql_utility_run_t *r, err_t *err);
    void *state;
} sql_utility_t;

typedef int (*sql_utility_claim_fn)(void *arg, const sql_utility_call_t *call, sql_utility_t *out, err_t *err);

/* sql_utility_register - adds a claimer (startup only). At most 16;
 * several subsystems register (the catalog's DDL, the cube's materialized
 * views), each passing (returning 0) on statements it does not own. */
void sql_utility_register(sql_utility_claim_fn fn, void *arg);

/* sql_utility_search_path - the session's search_path as names, unquoted
 * and case-folded, "$user" kept as written (DDL resolves it itself), in a.
 * Any thread. */
int sql_utility_search_path(const sql_session_info_t *info, mem_arena_t *a, const char ***names, int *n);

/* sql_current_session - the session whose statement the calling thread is
 * preparing or executing (NULL outside one): reg* output formats names
 * against its search_path. */
const sql_session_info_t *sql_current_session(void);

#endif
