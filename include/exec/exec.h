/*
 * exec.h - physical plans and the vectorized executor that runs them.
 *
 * A plan is an immutable tree built by the planner in the statement's arena;
 * running it (exec_run_new) creates per-portal state in the portal's arena,
 * so one prepared statement serves many portals and re-execution never
 * re-plans. Operators pull column batches (exec_batch_t, up to
 * EXEC_BATCH_ROWS rows) from their children.
 *
 * Memory: a run has a query arena with the session's budget
 * (kiln.query.memory-limit-bytes); operators that accumulate (sort, hash
 * aggregate, hash join, materialize) allocate with mem_alloc_try and fail
 * the query with 53200 when it is exhausted. Batch data lives in per-operator
 * scratch arenas reset for each new batch.
 *
 * Cancel: operators check exec_session_t.cancel between batches (57014).
 */
#ifndef EXEC_EXEC_H
#define EXEC_EXEC_H

#include <stdbool.h>
#include <stdint.h>

#include "exec/expr.h"
#include "exec/rel.h"

typedef enum exec_plan_kind {
    PLAN_RESULT,    /* nrows rows of ncols expressions each, no input (SELECT without FROM, VALUES) */
    PLAN_SCAN,      /* relation scan */
    PLAN_FILTER,    /* rows of child where qual is true */
    PLAN_PROJECT,   /* exprs over child rows */
    PLAN_AGG,       /* group by keys, aggregate calls; no keys: exactly one row */
    PLAN_SORT,
    PLAN_LIMIT,
    PLAN_DISTINCT,  /* distinct rows of child (all columns, or the first ndistinct for DISTINCT ON) */
    PLAN_JOIN,
    PLAN_SETOP,     /* UNION / INTERSECT / EXCEPT [ALL] of left and right */
    PLAN_FUNCSCAN,  /* set-returning function in FROM: generate_series, unnest */
    PLAN_MATERIAL,  /* materialized child shared by several readers (CTEs) */
    PLAN_WINDOW,    /* window functions over sorted child */
    PLAN_PROJECT_SRF, /* project with a set-returning function in the target list */
    PLAN_RECURSIVE, /* WITH RECURSIVE: left (non-recursive term), then right re-run over the work table until empty */
    PLAN_WORKTABLE, /* the rows of a recursive CTE's previous iteration */
    PLAN_LATERAL,   /* for each left row, the rows of right (which reads the left row as outer level 0) */
} exec_plan_kind_t;

typedef enum exec_join_type {
    JOIN_INNER,
    JOIN_LEFT,
    JOIN_RIGHT,
    JOIN_FULL,
    JOIN_SEMI,
    JOIN_ANTI,
} exec_join_type_t;

typedef enum exec_setop_kind { SETOP_UNION, SETOP_INTERSECT, SETOP_EXCEPT } exec_setop_kind_t;

typedef struct exec_sortkey {
    exec_expr_t *expr; /* over the child's slots */
    bool desc;
    bool nulls_first;
    const exec_func_t *lt; /* NULL: value_cmp of expr->type */
} exec_sortkey_t;

/* Aggregate functions: transition state per group. */
typedef struct exec_aggstate exec_aggstate_t;
struct exec_agg {
    const char *name;
    type_oid_t arg;      /* TYPE_ANY for any input; 0 for count(*) */
    type_oid_t ret;      /* TYPE_ANYELEMENT: same as the argument; TYPE_ANYARRAY: array of it */
    uint32_t oid;
    size_t state_size;   /* bytes of per-group state, zeroed at group start */
    bool strict;         /* NULL inputs are skipped */
    /* step - folds one input value into state (a: the group's arena). */
    int (*step)(void *state, type_oid_t argtype, const value_t *v, mem_arena_t *a, err_t *err);
    /* final - the result from state (NULL state when the group has no rows folded). */
    int (*final)(void *state, type_oid_t argtype, type_oid_t rettype, mem_arena_t *a, value_t *out, err_t *err);
    /* two-argument aggregates (string_agg): second argument value, else NULL */
    int (*step2)(void *state, type_oid_t argtype, const value_t *v, const value_t *v2, mem_arena_t *a, err_t *err);
};

/* exec_agg_grouping - the pseudo-aggregate behind GROUPING(): folds
 * nothing; the aggregate operator computes it from the row's grouping set. */
extern const exec_agg_t exec_agg_grouping;

/* exec_agg_find - built-in aggregate by name and argument type (0 = star). */
const exec_agg_t *exec_agg_find(const char *name, int nargs, const type_oid_t *argtypes, type_oid_t *ret);
bool exec_agg_exists(const char *name);
/* exec_window_find - window-only functions (row_number, rank, dense_rank,
 * lag, lead, first_value, last_value, ntile, percent_rank, cume_dist). */
bool exec_window_exists(const char *name);

typedef struct exec_winfunc {
    const char *name;    /* row_number, rank, ... or an aggregate's name */
    const exec_agg_t *agg;
    int nargs;
    exec_expr_t **args;  /* over the child's slots */
    type_oid_t ret;
    bool star;
    /* the frame: PostgreSQL's FRAMEOPTION_* bits (EXEC_FRAME_*; 0 = the
     * default RANGE UNBOUNDED PRECEDING .. CURRENT ROW) and the offsets of
     * n PRECEDING / FOLLOWING (no input slots: evaluated once per run; int8
     * for ROWS and GROUPS, the ORDER BY column's offset type for RANGE) */
    int frame;
    exec_expr_t *start_off, *end_off;
    exec_expr_t *filter; /* aggregate FILTER (WHERE ...) over the child's slots, or NULL */
} exec_winfunc_t;

/* Frame options, numbered as PostgreSQL's parsenodes.h (libpg_query passes them through). */
#define EXEC_FRAME_RANGE 0x2
#define EXEC_FRAME_ROWS 0x4
#define EXEC_FRAME_GROUPS 0x8
#define EXEC_FRAME_START_UNBOUNDED_PRECEDING 0x20
#define EXEC_FRAME_END_UNBOUNDED_FOLLOWING 0x100
#define EXEC_FRAME_START_CURRENT_ROW 0x200
#define EXEC_FRAME_END_CURRENT_ROW 0x400
#define EXEC_FRAME_START_OFFSET_PRECEDING 0x800
#define EXEC_FRAME_END_OFFSET_PRECEDING 0x1000
#define EXEC_FRAME_START_OFFSET_FOLLOWING 0x2000
#define EXEC_FRAME_END_OFFSET_FOLLOWING 0x4000
#define EXEC_FRAME_EXCLUDE_CURRENT_ROW 0x8000
#define EXEC_FRAME_EXCLUDE_GROUP 0x10000
#define EXEC_FRAME_EXCLUDE_TIES 0x20000
#define EXEC_FRAME_DEFAULT (EXEC_FRAME_RANGE | EXEC_FRAME_START_UNBOUNDED_PRECEDING | EXEC_FRAME_END_CURRENT_ROW)

struct exec_plan {
    exec_plan_kind_t kind;
    int ncols;                 /* output columns */
    type_oid_t *types;
    int32_t *typmods;
    double est_rows;
    bool cheap;                /* bounded and tiny: runs on the loop thread */
    exec_plan_t *left;         /* child (or outer side of a join) */
    exec_plan_t *right;        /* inner side of a join / right input of a set op */
    union {
        struct {
            int nrows;
            exec_expr_t **exprs; /* nrows * ncols, row-major */
        } result;
        struct {
            const exec_rel_t *rel;
            bool *needed;        /* rel->ncols flags; output = all rel columns */
        } scan;
        struct {
            exec_expr_t *qual;
        } filter;
        struct {
            exec_expr_t **exprs; /* ncols */
        } project;
        struct {
            int ngroup;
            exec_expr_t **group; /* over the child's slots; output slots 0..ngroup-1 */
            int naggs;
            exec_aggcall_t **aggs; /* args over the child's slots; output slots ngroup.. */
            exec_expr_t **aggargs; /* naggs * 2: first and second argument (NULL when absent) */
            int ngsets;            /* grouping sets: 0 = plain GROUP BY */
            uint64_t *gsets;       /* bit i: group key i is grouped in set k */
        } agg;
        struct {
            int nkeys;
            exec_sortkey_t *keys;
            int64_t limit;       /* > 0: only the first `limit` rows are needed (top-N) */
        } sort;
        struct {
            exec_expr_t *offset; /* NULL when absent; evaluated once per run */
            exec_expr_t *count;
            /* FETCH FIRST ... WITH TIES: rows equal to the last counted
             * one on these columns (the ORDER BY keys) are returned too */
            int ntie;
            int *tie_cols;
        } limit;
        struct {
            int nkeys;           /* columns compared (keys[]): all visible ones, or the DISTINCT ON expressions */
            int *keys;
        } distinct;
        struct {
            exec_join_type_t type;
            int nkeys;
            exec_expr_t **lkeys; /* hash keys over the left child's slots */
            exec_expr_t **rkeys; /* over the right child's slots */
            exec_expr_t *qual;   /* extra condition over the joined row (left slots then right) */
        } join;
        struct {
            exec_setop_kind_t op;
            bool all;
        } setop;
        struct {
            /* the call (EXPR_FUNC, arguments without input slots): a set-
             * returning function gives its rows, any other one row; a
             * record-returning one gives one column per field */
            exec_expr_t *call;
            bool expand;         /* the call returns a record: its fields are the columns */
            bool ordinality;
        } func;
        struct {
            int id;              /* material slot in the run */
        } material;
        struct {
            int npart;
            exec_expr_t **part;  /* partition keys over child slots */
            int norder;
            exec_sortkey_t *order;
            int nfuncs;
            exec_winfunc_t *funcs; /* output = child columns then one per func */
        } window;
        struct {
            int id;              /* the work table the recursive term reads (PLAN_WORKTABLE.id) */
            bool all;            /* UNION ALL; UNION drops rows seen before */
        } recursive;
        struct {
            int id;
        } worktable;
        struct {
            exec_join_type_t type; /* JOIN_INNER or JOIN_LEFT (NULLs when right has no rows) */
            exec_expr_t *qual;   /* ON condition over the joined row, or NULL */
            /* right sees the left row as outer level 0, at slots base..: the
             * slots its FROM item layout gave the left input */
            int base;
        } lateral;
        struct {
            /* output = the child's columns, then one per call: the set-
             * returning calls (args over the child's slots) run in lockstep
             * per input row, as PostgreSQL's ProjectSet; the shorter ones
             * give NULLs, and a row with no set rows at all gives none */
            int ncalls;
            exec_expr_t **calls;
        } psrf;
    } u;
};

typedef struct exec_run exec_run_t;

/* exec_run_new - state to run plan in a (the portal's arena); budget is the
 * query memory limit in bytes (0 = none). Never NULL. */
exec_run_t *exec_run_new(mem_arena_t *a, const exec_plan_t *plan, exec_session_t *sess, const value_t *params,
                         int nparams, size_t budget);
/* exec_run_next - the next batch (valid until the next call) or *out = NULL
 * at the end; -1 with err set on error (the run is then finished). */
int exec_run_next(exec_run_t *r, exec_batch_t **out, err_t *err) MUST_CHECK;

/* exec_plan_new - a plan node of kind with ncols output columns in a. */
exec_plan_t *exec_plan_new(mem_arena_t *a, exec_plan_kind_t kind, int ncols);

/* Internal to src/exec, used by expr.c. */
int exec__eval_subplan(exec_ectx_t *ec, const exec_expr_t *e, const exec_batch_t *in, const uint16_t *sel, int nsel,
                       value_t *out);

#endif
