/*
 * expr.h - typed expression trees and their vectorized evaluation.
 *
 * The analyzer (src/sql) builds exec_expr_t trees whose column references
 * name range-table entries (EXPR_COLREF); the planner rewrites them into
 * slot references of the operator's input batch (EXPR_VAR) or of an outer
 * row (EXPR_OUTER, correlated subqueries). Trees are immutable after
 * planning and live in the statement's arena, so a prepared statement is
 * executed by any number of portals without copying.
 *
 * Evaluation is column-at-a-time over a batch, under a selection vector:
 * exec_eval fills out[row] for the selected rows only, so CASE, AND/OR and
 * COALESCE evaluate a branch only for the rows that reach it (1/0 in an
 * untaken branch raises nothing, as in PostgreSQL). Functions are scalar
 * per-row implementations called in a tight loop; strict functions are not
 * called for NULL arguments.
 */
#ifndef EXEC_EXPR_H
#define EXEC_EXPR_H

#include <stdbool.h>
#include <stdint.h>

#include "common/cfg.h"
#include "common/err.h"
#include "common/mem.h"
#include "types/types.h"

typedef enum exec_expr_kind {
    EXPR_CONST,
    EXPR_PARAM,      /* $n: u.param (0-based) */
    EXPR_COLREF,     /* analyzer only: u.col {rte, att, levelsup} */
    EXPR_VAR,        /* input batch column u.slot */
    EXPR_OUTER,      /* column u.outer.slot of the row u.outer.level levels out */
    EXPR_FUNC,       /* function, operator or cast: u.fn */
    EXPR_AND,
    EXPR_OR,
    EXPR_NOT,
    EXPR_CASE,       /* args: when1, then1, when2, then2, ..., else (always present) */
    EXPR_COALESCE,
    EXPR_NULLIF,     /* args: a, b, and args[2] = the a = b comparison */
    EXPR_MINMAX,     /* greatest (u.ival 1) / least (0): args, with args[nargs] comparator unused */
    EXPR_IS_NULL,    /* u.ival: 0 IS NULL, 1 IS NOT NULL */
    EXPR_BOOLTEST,   /* u.ival: 0 IS TRUE, 1 IS NOT TRUE, 2 IS FALSE, 3 IS NOT FALSE, 4 IS UNKNOWN, 5 IS NOT UNKNOWN */
    EXPR_ARRAY,      /* ARRAY[args...] of element type u.elem */
    EXPR_SUBPLAN,    /* subquery: u.sub */
    EXPR_AGGREF,     /* analyzer only: aggregate call u.agg */
    EXPR_WINDOWREF,  /* analyzer only: window function call u.agg */
    EXPR_IN_LIST,    /* args[0] IN (args[1..]) with comparator u.fn (= of the common type); u2 negate */
    EXPR_DISTINCT,   /* IS [NOT] DISTINCT FROM: args a, b; u.fn the = ; ival 1 = NOT DISTINCT */
    EXPR_FIELD,      /* field u.ival of the record args[0] ((f(x)).n) */
    EXPR_ROW,        /* ROW(args...): a record of rowdesc */
} exec_expr_kind_t;

typedef struct exec_expr exec_expr_t;
struct type_rowdesc; /* types/record.h */
typedef struct exec_func exec_func_t;
typedef struct exec_agg exec_agg_t;
typedef struct exec_plan exec_plan_t;
typedef struct exec_session exec_session_t;

typedef enum exec_sublink_kind {
    SUBLINK_EXISTS,
    SUBLINK_SCALAR, /* (SELECT x) */
    SUBLINK_ANY,    /* x op ANY (SELECT ...) / IN */
    SUBLINK_ALL,
    SUBLINK_ARRAY,  /* ARRAY(SELECT ...) */
} exec_sublink_kind_t;

typedef struct exec_subplan {
    exec_sublink_kind_t kind;
    exec_plan_t *plan;
    int nouter;       /* how many outer levels this subplan references (0 = uncorrelated) */
    const exec_func_t *cmp; /* ANY/ALL: the comparison operator (testexpr op column) */
    int id;           /* cache slot for uncorrelated results in the portal */
    void *analyzed;   /* analyzer-only: the sql query before planning */
    /* the enclosing query's input slots it reads (analyzer-only) */
    int nrefs;
    int *refs;
    /* evaluated over an aggregate's output: the outer row handed to the
     * subquery is rebuilt in the input layout (outer_width slots, the
     * grouped ones filled: slot remap_to[k] = column remap_from[k]) */
    int nremap;
    int *remap_from, *remap_to;
    int outer_width;
} exec_subplan_t;

typedef struct exec_aggcall {
    const exec_agg_t *agg;
    bool distinct;
    bool star;
    exec_expr_t *filter;
    int norder;
    exec_expr_t **order; /* ORDER BY inside the call (array_agg, string_agg) */
    bool *order_desc;
    int index;           /* position among the query's aggregates, set by the analyzer */
    void *window;        /* analyzer-only: window clause of a window function call */
    /* GROUPING(args): agg is exec_agg_grouping; grouping_items[j] is the
     * group item of argument j; the result has bit (n-1-j) set when that
     * item is not in the row's grouping set */
    int ngrouping;
    int *grouping_items;
    exec_expr_t **grouping_args; /* analyzer-only: the analyzed arguments */
} exec_aggcall_t;

struct exec_expr {
    exec_expr_kind_t kind;
    type_oid_t type;
    int32_t typmod;
    int location;         /* byte offset in the statement text, -1 when none */
    int nargs;
    exec_expr_t **args;
    union {
        value_t cval;
        int param;
        int slot;
        struct {
            int rte, att, levelsup;
        } col;
        struct {
            int level, slot;
        } outer;
        const exec_func_t *fn;
        int64_t ival;
        type_oid_t elem;
        exec_subplan_t *sub;
        exec_aggcall_t *agg;
    } u;
    int64_t ival2; /* second small parameter: IN_LIST negation, DISTINCT mode */
    /* type record (a call of a function with OUT parameters, ROW()): the
     * fields of the values it makes; the analyzer's typmod names it too */
    const struct type_rowdesc *rowdesc;
};

/* ---- functions ---- */

#define EXEC_FN_STRICT 0x01    /* NULL in any argument gives NULL without a call */
#define EXEC_FN_VOLATILE 0x02  /* never folded at plan time (random, nextval) */
#define EXEC_FN_STABLE 0x04    /* same result within a statement (now, current_setting) */
#define EXEC_FN_VARIADIC 0x08  /* last declared argument repeats (concat, format) */
#define EXEC_FN_OPERATOR 0x10  /* an operator: name is the symbol */
#define EXEC_FN_CAST 0x20      /* a cast function (name is the target type) */
#define EXEC_FN_SETOF 0x40     /* returns a set (generate_series, unnest): FROM / target list only */
#define EXEC_FN_EXT 0x80       /* the entry is the base of an exec_func_ext_t */

/* Context of one function call. */
typedef struct exec_fctx {
    mem_arena_t *arena;          /* where variable-width results go (valid for the batch) */
    err_t *err;
    exec_session_t *sess;
    const exec_expr_t *expr;     /* the call node: result type, argument types, location */
    int nargs;
} exec_fctx_t;

typedef int (*exec_fn_impl_t)(exec_fctx_t *fc, const value_t *args, value_t *out);

/* State of one call of a set-returning function, zeroed before its first row. */
typedef struct exec_srf_state {
    int64_t pos;     /* rows produced so far */
    int64_t cur;     /* the function's own position (generate_series) */
    const void *p;
} exec_srf_state_t;

/* exec_srf_impl_t - the next row of a set-returning call into *out: 1 a
 * row, 0 no more rows, -1 error. Arguments are the call's (strict SRFs are
 * not called with NULLs); variable-width results go to fc->arena, which
 * must live until the row is consumed. */
typedef int (*exec_srf_impl_t)(exec_fctx_t *fc, const value_t *args, exec_srf_state_t *st, value_t *out);

struct exec_func {
    const char *name;
    int nargs;
    type_oid_t args[6];  /* TYPE_ANY: any type; TYPE_ANYARRAY / TYPE_ANYELEMENT: polymorphic */
    type_oid_t ret;      /* TYPE_ANYELEMENT / TYPE_ANYARRAY: resolved from the arguments */
    exec_fn_impl_t impl;
    uint32_t flags;
    uint32_t oid;        /* pg_proc oid where PostgreSQL has one (0 otherwise) */
};

/* A function with more than a scalar signature (flag EXEC_FN_EXT on its
 * base): set-returning functions and functions with OUT parameters. The
 * base comes first, so a call node's u.fn leads back to the whole entry
 * (exec_func_ext); the plain tables keep their short initializers. */
typedef struct exec_func_ext {
    exec_func_t base;
    exec_srf_impl_t srf; /* EXEC_FN_SETOF: the rows of a call (base.impl reports misuse) */
    /* base.ret TYPE_RECORD: the OUT parameters, as PostgreSQL's proargnames /
     * proallargtypes give them (TYPE_ANYELEMENT resolves like ret does) */
    int nout;
    const char *outnames[4];
    type_oid_t outtypes[4];
} exec_func_ext_t;

static inline const exec_func_ext_t *exec_func_ext(const exec_func_t *fn)
{
    return (fn->flags & EXEC_FN_EXT) ? (const exec_func_ext_t *)fn : NULL;
}

/* Session state functions read (current_user, settings, now()). */
struct exec_session {
    cfg_t *settings;
    const cfg_t *server;
    const char *user;
    const char *database;
    int32_t backend_pid;
    int64_t stmt_start;  /* now(): statement start, microseconds since 2000 (UTC) */
    /* set_config() and SET: apply a setting (the sql layer's implementation). */
    int (*set_option)(exec_session_t *s, const char *name, const char *value, bool is_local, err_t *err);
    /* current_setting(): the text value of a setting or NULL when unknown. */
    const char *(*get_option)(exec_session_t *s, const char *name);
    /* current_schemas(): the effective search path (pg_catalog first when implicit). */
    int (*search_path)(exec_session_t *s, bool implicit, mem_arena_t *a, const char ***names, int *n);
    volatile int *cancel;
    void *owner;         /* the sql_ctx_t */
};

/* exec_func_candidates - every function or operator called name (built-ins
 * and registered tables), up to max, in *out; returns how many. */
int exec_func_candidates(const char *name, const exec_func_t **out, int max);
/* exec_func_register - adds a table of n functions (static storage) that
 * overload resolution considers like the built-ins; a registered function
 * with exactly the signature of a built-in replaces it (the catalog gives
 * pg_table_is_visible, obj_description ... their real answers this way).
 * Startup only (not thread-safe), at most 16 tables. */
void exec_func_register(const exec_func_t *fns, int n);
/* exec_cast_find - the cast function from -> to; *implicit tells whether it
 * may be applied implicitly (PostgreSQL's pg_cast 'i'); NULL when none. */
const exec_func_t *exec_cast_find(type_oid_t from, type_oid_t to, int *context);
#define EXEC_CAST_IMPLICIT 0
#define EXEC_CAST_ASSIGNMENT 1
#define EXEC_CAST_EXPLICIT 2
/* exec_rows_eq / exec_rows_ne - (a, b) = / <> (c, d) over two records whose
 * columns have the same types: (a, b) IN (SELECT c, d ...) compares this way. */
extern const exec_func_t exec_rows_eq, exec_rows_ne;
/* exec_cast_io - generic cast through the text form (explicit casts to/from text). */
extern const exec_func_t exec_cast_via_text;
/* exec_type_preferred - PostgreSQL's preferred type of t's category. */
bool exec_type_is_preferred(type_oid_t t);
char exec_type_category(type_oid_t t);

/* ---- evaluation ---- */

/* A batch of rows in column-major order. */
typedef struct exec_batch {
    int ncols;
    int nrows;
    value_t **cols; /* cols[c][row] */
} exec_batch_t;

#define EXEC_BATCH_ROWS 1024

typedef struct exec_outer {
    const value_t *row; /* the current outer row (slots of that level's input) */
    int ncols;
} exec_outer_t;

typedef struct exec_ectx {
    mem_arena_t *arena;        /* results of this batch */
    exec_session_t *sess;
    const value_t *params;
    int nparams;
    exec_outer_t *outer;       /* stack: outer[0] is the innermost enclosing row */
    int nouter;
    struct exec_run *run;      /* the running portal (subplans, caches) */
    err_t *err;
} exec_ectx_t;

/* exec_eval - evaluates e for the rows sel[0..nsel) (sel NULL: 0..in->nrows)
 * of in, writing out[row]. Returns -1 with ec->err set on error. */
int exec_eval(exec_ectx_t *ec, const exec_expr_t *e, const exec_batch_t *in, const uint16_t *sel, int nsel,
              value_t *out) MUST_CHECK;
/* exec_eval_row - evaluates e on one row (slots in row), result in *out. */
int exec_eval_row(exec_ectx_t *ec, const exec_expr_t *e, const value_t *row, int ncols, value_t *out) MUST_CHECK;
/* exec_eval_const - evaluates an expression without inputs (constant folding). */
int exec_eval_const(exec_ectx_t *ec, const exec_expr_t *e, value_t *out) MUST_CHECK;

/* exec_expr_new - a node of kind in a. */
exec_expr_t *exec_expr_new(mem_arena_t *a, exec_expr_kind_t kind, type_oid_t type, int nargs);
/* exec_expr_is_const_foldable - no params, columns, volatile/stable functions, subplans. */
bool exec_expr_foldable(const exec_expr_t *e);
/* exec_expr_node_fixed - e's own node (not its args) reads nothing that
 * varies: none of the above; exec_expr_foldable is this over the tree. */
bool exec_expr_node_fixed(const exec_expr_t *e);

#endif
