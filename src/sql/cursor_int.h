/*
 * cursor_int.h - SQL cursors (cursor.c), subsystem-private: DECLARE, FETCH,
 * MOVE and CLOSE as engine statements, and the end of the cursors' lives at
 * transaction end, DISCARD ALL and session end.
 */
#ifndef SQL_CURSOR_INT_H
#define SQL_CURSOR_INT_H

#include "sql_int.h"

/* What a DECLARE / FETCH / MOVE / CLOSE statement does (in its arena). */
typedef struct sql_cursor_op {
    enum { CURSOR_DECLARE, CURSOR_FETCH, CURSOR_CLOSE } op;
    const char *name;  /* NULL: CLOSE ALL */
    int options;       /* DECLARE: PostgreSQL's CURSOR_OPT_* bits */
    sql_stmt_t *query; /* DECLARE: the query, analyzed (parameters, errors at Parse) */
    int direction;     /* FETCH: PgQuery__FetchDirection */
    int64_t count;     /* FETCH: how many (INT64_MAX = ALL) */
    bool move;         /* FETCH: MOVE (no rows, tag "MOVE n") */
} sql_cursor_op_t;

/* sql__cursor_prepare_* - the statements; errors are parse-time ones
 * (DECLARE analyzes its query: positions as for the query alone). */
int sql__cursor_prepare_declare(sql_ctx_t *ctx, mem_arena_t *a, const char *sql, int offset, int nparams,
                                const type_oid_t *param_types, const PgQuery__DeclareCursorStmt *d, sql_stmt_t **out,
                                err_t *err) MUST_CHECK;
int sql__cursor_prepare_fetch(sql_ctx_t *ctx, mem_arena_t *a, const PgQuery__FetchStmt *f, sql_stmt_t **out,
                              err_t *err) MUST_CHECK;
int sql__cursor_prepare_close(sql_ctx_t *ctx, mem_arena_t *a, const PgQuery__ClosePortalStmt *c, sql_stmt_t **out,
                              err_t *err) MUST_CHECK;
/* sql__cursor_execute - runs or resumes a cursor statement's portal, as
 * sql_execute (status, or -1 with err). Called from sql_execute, which has
 * set the session's thread-locals. */
int sql__cursor_execute(sql_portal_t *p, uint64_t max_rows, const sql_sink_t *sink, err_t *err) MUST_CHECK;
/* sql__cursor_columns - FETCH: the named cursor's columns now (-1 when it
 * does not exist, as PostgreSQL describes it); the others: -1. */
int sql__cursor_columns(const sql_stmt_t *s, const sql_col_t **cols);
/* sql__cursor_is_cheap - FETCH / MOVE: false while the cursor's query still
 * has rows to compute and is not cheap itself. */
bool sql__cursor_is_cheap(const sql_stmt_t *s);
/* sql__cursor_end_tx - the transaction ended: cursors WITHOUT HOLD close;
 * WITH HOLD ones declared in it are kept on commit, closed on abort. */
void sql__cursor_end_tx(sql_ctx_t *ctx, bool commit);
/* sql__cursor_close_all - CLOSE ALL, DISCARD ALL. */
void sql__cursor_close_all(sql_ctx_t *ctx);

#endif
