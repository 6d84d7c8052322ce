/*
 * sql_int.h - declarations shared inside src/sql (subsystem-private):
 * the statement and context structs, the analyzer's scope and entry points.
 */
#ifndef SQL_SQL_INT_H
#define SQL_SQL_INT_H

#include <pg_query.h>
#include <pg_query/pg_query.pb-c.h>

#include "exec/exec.h"
#include "exec/rel.h"
#include "sql/sql.h"

typedef struct sql_custom_opt {
    struct sql_custom_opt *next;
    char *name;
    char *value;
} sql_custom_opt_t;

/* One setting change of the current transaction: undone at ROLLBACK (all)
 * or COMMIT (SET LOCAL only). Strings are mem_strdup'ed, freed when the
 * log is cleared. */
typedef struct sql_undo {
    int id;            /* cfg id, or -1 for a custom option */
    char *name;        /* custom option name */
    char *old;         /* NULL: the custom option did not exist */
    bool local;
} sql_undo_t;

struct sql_ctx {
    mem_arena_t *arena;
    sql_session_info_t info;
    exec_session_t sess;
    volatile int cancel;
    sql_custom_opt_t *custom;
    sql_undo_t *undo;  /* mem_realloc'ed log of this transaction's setting changes */
    size_t nundo, capundo;
    /* BEGIN ran and the transaction has not ended: SET LOCAL outside one
     * gets PostgreSQL's 25P01 warning (the session keeps the real state). */
    bool in_block;
    /* preparing a simple Query's statement: $n is 42P02 there, as
     * PostgreSQL analyzes it with no parameters (PREPARE bodies excepted) */
    bool fixed_params;
    /* Prepared statements that depend on nothing but their text (no
     * relations, no declared parameter types), reused by text: pgbench's
     * simple and extended modes re-send the same string every time. */
    mem_arena_t *cache_arena;
    struct sql_cached *cache[64];
    int ncached;
    /* The session's open cursors (cursor.c), each in its own arena. */
    struct sql_cursor *cursors;
};

typedef struct sql_cached {
    const char *sql;
    uint64_t hash;
    const void *zone; /* the TimeZone it was analyzed in: timestamptz literals fold in it */
    sql_stmt_t *stmt;
} sql_cached_t;

typedef enum sql_util {
    UTIL_NONE,
    UTIL_SET,
    UTIL_RESET,
    UTIL_RESET_ALL,
    UTIL_SHOW,
    UTIL_SHOW_ALL,
    UTIL_TX,
    UTIL_NOOP,
    UTIL_HOOK,
    UTIL_EXPLAIN,
    UTIL_CURSOR,   /* DECLARE / FETCH / MOVE / CLOSE (cursor.c) */
} sql_util_t;

struct sql_stmt {
    sql_kind_t kind;
    const char *tag;         /* fixed tag, or NULL: "SELECT n" */
    const char *target;
    int nparams;
    type_oid_t *param_types;
    int ncols;               /* visible result columns (-1 none) */
    sql_col_t *cols;
    exec_plan_t *plan;
    bool cheap;
    bool in_failed_tx_ok;
    const value_t *const_row; /* a one-row constant result: no executor at all */
    /* utility statements */
    sql_util_t util;
    const char *opt_name;
    const char *opt_value;   /* NULL: DEFAULT */
    bool opt_local;
    int ntx_opts;
    const char **tx_opt_names;
    const char **tx_opt_values;
    sql_stmt_t *inner;       /* PREPARE: the prepared statement; COPY TO: the query */
    sql_copy_t *copy;        /* COPY */
    const char *copy_code;   /* COPY FROM STDIN: the error Execute reports */
    const char *copy_msg;
    struct sql_utility *hook; /* UTIL_HOOK: a claimed statement */
    struct sql_cursor_op *cursor; /* UTIL_CURSOR: what the statement does to which cursor */
    char **explain;          /* UTIL_EXPLAIN: the plan's lines */
    int nexplain;
    int nexec_params;        /* EXECUTE: parameter expressions */
    exec_expr_t **exec_params;
    sql_ctx_t *ctx;
    const char *sql;        /* the statement text (positions of run-time errors) */
    int offset;
    bool cacheable;
    exec_catview_t *cat;    /* the snapshot the statement was analyzed against (NULL: none) */
};

struct sql_portal {
    sql_stmt_t *stmt;
    mem_arena_t *arena;
    value_t *params;
    exec_run_t *run;
    exec_batch_t *batch;
    int pos;
    uint64_t nrows;
    bool done;
    bool started;
    char tag[64];
    value_t *util_rows;     /* SHOW results, row-major */
    int util_nrows;
    exec_session_t *sess;
    struct sql_fetch_state *fetch; /* FETCH: rows still to send when the sink stopped */
};

/* Analyzer entry: a SELECT / VALUES statement to a plan + result columns. */
typedef struct sql_analyze {
    sql_ctx_t *ctx;
    mem_arena_t *a;
    const char *sql;
    int offset;
    err_t *err;
    exec_catview_t *cat;
    int nparams;              /* declared + discovered */
    int cap_params;
    type_oid_t *param_types;
    exec_expr_t **param_nodes;
    bool cheap;
    /* scans of relations that are not cheap (file tables), left out of cheap
     * because a query block answered from a cube drops its FROM's scans */
    int costly_scans;
    bool uses_catalog;        /* looked up a relation: the plan depends on the catalog */
    int nsubplans;
    /* Anonymous record types seen by this statement: the typmod of a record
     * expression indexes this list (PostgreSQL's "blessed" record typmods),
     * so columns of subqueries and CTEs keep their fields. Result columns
     * report typmod -1, as PostgreSQL does. */
    const struct type_rowdesc **rowdescs;
    int nrowdescs, caprowdescs;
    int nworktabs;            /* work tables of recursive CTEs planned so far */
} sql_analyze_t;

int sql__analyze_select(sql_analyze_t *an, const PgQuery__Node *stmt, exec_plan_t **plan, int *ncols,
                        sql_col_t **cols) MUST_CHECK;
/* sql__eval_expr_standalone - analyzes and evaluates an expression with no
 * columns (EXECUTE parameters, SET values). */
int sql__analyze_expr_noscope(sql_analyze_t *an, const PgQuery__Node *n, exec_expr_t **out) MUST_CHECK;
/* sql__position - 1-based character position of byte offset loc in an->sql, plus the offset. */
int sql__position(const sql_analyze_t *an, int loc);
int sql__err_at(sql_analyze_t *an, int loc);

/* settings (sql_settings.c) */
int sql__set_option(sql_ctx_t *ctx, const char *name, const char *value, bool is_local, err_t *err);
const char *sql__get_option(sql_ctx_t *ctx, const char *name);
int sql__reset_option(sql_ctx_t *ctx, const char *name, err_t *err);
void sql__reset_all(sql_ctx_t *ctx);
void sql__end_tx(sql_ctx_t *ctx, bool commit);
void sql__free_settings(void *ctx);
int sql__search_path(sql_ctx_t *ctx, bool implicit, mem_arena_t *a, const char ***names, int *n);
const char *sql__show_name(const char *name);

/* sql__exec_params - the parameter values of the portal the calling thread
 * is executing (set around sql_execute); NULL and 0 outside one. */
const value_t *sql__exec_params(int *n);
/* sql__exec_session - the exec session of that portal (NULL outside one). */
exec_session_t *sql__exec_session(void);

/* copy.c */
int sql__prepare_copy(sql_ctx_t *ctx, mem_arena_t *a, const char *sql, int offset, int nparams,
                      const type_oid_t *param_types, const PgQuery__CopyStmt *cs, sql_stmt_t **out,
                      err_t *err) MUST_CHECK;
sql_stmt_t *sql__stmt_new(mem_arena_t *a, sql_ctx_t *ctx, sql_kind_t kind, const char *tag);
int sql__prepare_query(sql_ctx_t *ctx, mem_arena_t *a, const char *sql, int offset, int nparams,
                       const type_oid_t *param_types, const PgQuery__Node *node, sql_stmt_t **out,
                       err_t *err) MUST_CHECK;
int sql__prepare_text(sql_ctx_t *ctx, mem_arena_t *a, const char *sql, sql_stmt_t **out, err_t *err) MUST_CHECK;
/* sql.c, for cursor.c: the preparation of a whole text (uncached, with
 * its offset and parameter types) into arena a, and the swap of the
 * parameters the calling thread's scans read (sql__exec_params). */
int sql__prepare_again(sql_ctx_t *ctx, mem_arena_t *a, const char *sql, int offset, int nparams,
                       const type_oid_t *param_types, sql_stmt_t **out, err_t *err) MUST_CHECK;
void sql__swap_exec_params(const value_t **params, int *n);

/* explain.c */
int sql__explain_lines(mem_arena_t *a, const exec_plan_t *plan, char ***lines, int *n);

#endif
