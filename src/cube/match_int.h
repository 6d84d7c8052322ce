/*
 * match_int.h - the plan of a query answered from a cube, shared by the
 * matcher (match.c: choosing cube, cuboid, filters, derivations) and the
 * executor side (match_exec.c: scan, residual filter, rollup, derived
 * aggregates, EXPLAIN).
 */
#ifndef CUBE_MATCH_INT_H
#define CUBE_MATCH_INT_H

#include <pthread.h>

#include "cube/match.h"
#include "mv_int.h"
#include "storage/scan.h"
#include "storage/segment.h"

/* A cube with its current segment, open, shared by plans (refcounted). */
typedef struct cube_centry {
    struct cube_centry *next;
    int64_t cube_id, cube_version, seg_id;
    cube_mv_t *mv;
    stor_segment_t *seg;
    int64_t *rows;        /* per cuboid index of the definition: rows in the segment, -1 absent */
    int *seg_meas;        /* definition measure -> segment measure, -1 absent */
    int64_t *unmatched;   /* per model table: fact rows without a row there (-1 unknown) */
    int nvsets;           /* the view's grouping sets (expanded once, under m->mu): */
    uint64_t *vmask;      /* dimensions of each */
    int64_t *vcount;      /* how many times the GROUP BY lists it */
    int refs;             /* the cache's own reference + one per plan */
    bool current;         /* still the cache's entry */
    cube_matcher_t *m;
} cube_centry_t;

struct cube_matcher {
    pthread_mutex_t mu;
    int refs;             /* the owner's + one per entry (atomic): entries outlive cube_matcher_free */
    char *root;
    cube_centry_t *entries;
};

/* A residual predicate over several dimensions, tested per scanned row. */
typedef struct cube_rnode {
    int op;               /* CUBE_Q_AND, CUBE_Q_OR, or 0 for a leaf */
    int pos;              /* leaf: position in the scan's group list */
    int n;                /* leaf: ranges; AND/OR: args */
    stor_code_range_t *r;
    struct cube_rnode **args;
} cube_rnode_t;

/* One stored measure feeding an output aggregate. */
typedef struct cube_part {
    int pos;              /* position in the scan's measure list */
    int64_t coef;
    int scale;            /* decimal scale of the stored int64 (0 for plain integers) */
} cube_part_t;

typedef struct cube_deriv {
    cube_q_fn_t fn;
    int nparts;
    cube_part_t parts[CUBE_MV_MAX_TERMS];
    bool fl;              /* the parts are doubles */
    int count_pos;        /* count deciding NULL (sum/min/max) or the divisor (avg); -1 none */
    int res_scale;        /* numeric results: decimal scale */
    type_oid_t type;      /* output type */
    const char *text;     /* for EXPLAIN: "sum(revenue) - sum(supplycost)" */
} cube_deriv_t;

struct cube_plan {
    cube_centry_t *e;
    const char *cube;
    int64_t seg_id;
    uint64_t cuboid, cuboid_rows;
    int nfilters;
    stor_filter_t *filters;
    int nscan_group;
    int *scan_group;      /* segment dims: the query's group dims (distinct), then residual-only dims */
    int nqgroup;          /* distinct group dims (the first nqgroup of scan_group) */
    int ngroup;           /* output group columns */
    bool grouped;         /* cube_query_t.grouped: no row when none passes */
    int *group_pos;       /* per output group column: position in scan_group */
    cube_rnode_t *residual;
    /* the WHERE as conjuncts over dimensions (match.c's npred trees), kept
     * for cube_plan_bind when a leaf reads execution values (nvalues > 0:
     * filters and residual above are a NULL-bound placeholder, never run) */
    int nconj;
    const struct npred *const *conj;
    int *pos_of_dim;      /* dimension -> position in scan_group */
    int nvalues;
    int nmeas;
    int *scan_meas;       /* segment measure indexes */
    int naggs;
    cube_deriv_t *aggs;
    int ncols;
    cube_plan_col_t *cols;
    const char *filter_text;
};

/* One grouping set of a view: its dimensions, how many times the GROUP BY
 * lists it (PostgreSQL repeats its rows), the plan reading its rows and
 * where each view column comes from in the plan's output (-1: NULL). */
typedef struct cube_vset {
    uint64_t mask;
    int64_t count;
    cube_plan_t *plan;
    int *colmap;
    bool skip;            /* cube_view_restrict: no row of it can pass */
} cube_vset_t;

struct cube_view {
    cube_centry_t *e;
    const char *name;
    int nsets;
    cube_vset_t *sets;
    int ncols;
    cube_plan_col_t *cols;
    const cube_mv_output_t *out; /* per view column: dimension or measure */
    mem_arena_t *a;
};

void cube__centry_release(cube_centry_t *e);

#endif
