/*
 * exec_int.h - operator state shared by the executor's files (subsystem-private).
 *
 * An op_t is the running state of one plan node. next() returns the op's
 * next batch, valid until next() is called again; an operator that keeps
 * values across its child's batches copies them (value_copy) into its own
 * arena. scratch is reset at the start of every next() of the op.
 */
#ifndef EXEC_EXEC_INT_H
#define EXEC_EXEC_INT_H

#include "exec/exec.h"

typedef struct op op_t;

struct op {
    const exec_plan_t *plan;
    int (*next)(op_t *o, exec_batch_t **out);
    exec_run_t *run;
    op_t *left, *right;
    mem_arena_t *arena;   /* lives as long as the op (query arena child) */
    mem_arena_t *scratch; /* reset per next() */
    exec_ectx_t ec;       /* ec.arena == scratch */
    exec_batch_t out;     /* output batch, EXEC_BATCH_ROWS capacity */
    bool done;
    void *st;
};

struct exec_run {
    mem_arena_t *arena;   /* the query arena (budgeted) */
    exec_session_t *sess;
    const value_t *params;
    int nparams;
    err_t *err;
    op_t *root;
    bool finished;
    exec_outer_t *outer;  /* outer rows for correlated subplans */
    int nouter;
    struct subcache *subcache;
    struct material **materials;
    int nmaterials;
    exec_run_t *parent;
    struct worktab *worktabs; /* work tables of running recursive CTEs (searched up the parents) */
    const exec_plan_t *plan; /* built lazily at the first exec_run_next */
    err_t own_err;           /* ops report here; copied to the caller's err_t */
};

/* exec__build - the op for plan p in run r. */
op_t *exec__build(exec_run_t *r, const exec_plan_t *p);
/* exec__op_init - common op setup (arenas, output batch of ncols columns). */
op_t *exec__op_new(exec_run_t *r, const exec_plan_t *p, size_t st_size);
/* exec__check - cancel flag; -1 with 57014 when set. */
int exec__check(op_t *o);
/* exec__nomem - 53200 for this query. */
int exec__nomem(op_t *o);
/* exec__alloc - budgeted allocation from the op's arena (NULL: 53200 set). */
void *exec__alloc(op_t *o, size_t n);

op_t *exec__build_agg(exec_run_t *r, const exec_plan_t *p);
op_t *exec__build_sort(exec_run_t *r, const exec_plan_t *p);
op_t *exec__build_distinct(exec_run_t *r, const exec_plan_t *p);
op_t *exec__build_join(exec_run_t *r, const exec_plan_t *p);
op_t *exec__build_setop(exec_run_t *r, const exec_plan_t *p);
op_t *exec__build_window(exec_run_t *r, const exec_plan_t *p);
op_t *exec__build_funcscan(exec_run_t *r, const exec_plan_t *p);
op_t *exec__build_material(exec_run_t *r, const exec_plan_t *p);
op_t *exec__build_project_srf(exec_run_t *r, const exec_plan_t *p);
op_t *exec__build_recursive(exec_run_t *r, const exec_plan_t *p);
op_t *exec__build_worktable(exec_run_t *r, const exec_plan_t *p);
op_t *exec__build_lateral(exec_run_t *r, const exec_plan_t *p);
/* exec__child_run - a run of a subtree under parent (its params, outer rows
 * and work tables visible), with its own arena a: freeing a frees it. */
exec_run_t *exec__child_run(exec_run_t *parent, mem_arena_t *a, exec_outer_t *outer, int nouter);

/* A growable row store (sort, hash tables, materialize): rows of ncols values. */
typedef struct exec_rows {
    int ncols;
    size_t n, cap;
    value_t **rows;
    type_oid_t *types;
} exec_rows_t;

/* exec__rows_add - copies row (ncols values, deep) into the store; -1 on budget. */
int exec__rows_add(op_t *o, exec_rows_t *rs, const value_t *row);
/* exec__emit_rows - fills o->out from rs->rows[*pos..] (values not copied). */
void exec__emit_rows(op_t *o, const exec_rows_t *rs, size_t *pos);
/* exec__batch_row - row i of batch b into vals. */
void exec__batch_row(const exec_batch_t *b, int i, value_t *vals);

/* Hash tables keyed by value tuples (NULLs equal NULLs), exec_agg.c. */
typedef struct hentry {
    uint64_t hash;
    value_t *keys;
    void *payload;
} hentry_t;

typedef struct htab {
    hentry_t *slots;
    size_t cap, n;
    int nkeys;
    const type_oid_t *types;
} htab_t;

uint64_t exec__hash_keys(int nkeys, const type_oid_t *types, const value_t *k);
bool exec__keys_equal(int nkeys, const type_oid_t *types, const value_t *a, const value_t *b);
int exec__ht_init(op_t *o, htab_t *t, int nkeys, const type_oid_t *types);
/* exec__ht_find_or_add - the entry for keys (copied into o's arena when new). */
hentry_t *exec__ht_find_or_add(op_t *o, htab_t *t, const value_t *keys, uint64_t h, bool *created);

#endif
