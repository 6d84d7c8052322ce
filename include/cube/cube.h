/*
 * cube.h - the cube definition model: dimensions, measures, aggregation
 * groups, the cuboids they imply, and choosing a cuboid for a query.
 *
 * A cube is what `CREATE MATERIALIZED VIEW ... GROUP BY ...` declares
 * (DESIGN.md). The SQL layer fills a cube_def_t from the statement:
 *   - each grouping column becomes a dimension (name, source column, type);
 *   - each aggregate becomes a measure: sum, count(*), count(col), min, max
 *     over a column or an expression; avg is derived from a sum and a count;
 *   - GROUP BY becomes aggregation groups, Kylin's rules in SQL form:
 *       plain column beside CUBE/ROLLUP   mandatory dimension
 *       ROLLUP (a, b, c)                  hierarchy a > b > c: {}, {a}, {a,b}, {a,b,c}
 *       (a, b) inside CUBE (...)          joint: a and b together or neither
 *       other columns inside CUBE (...)   normal dimension, in or out
 *     several groups are GROUPING SETS (g1, g2, ...). A plain
 *     `GROUP BY a, b` is one group of mandatory dimensions (one cuboid).
 *
 * cube_def_finalize() checks the definition and enumerates the valid
 * cuboids: per group prod(len(hierarchy) + 1) * 2^joints * 2^normals
 * combinations (each unioned with the mandatory set), which must not exceed
 * kylin.cube.aggrgroup.max-combination (54000 naming the group), the union
 * over groups, plus the base cuboid (all dimensions). Unlike Kylin, the
 * mandatory-only (or empty, the grand total) cuboid of a group is valid, as
 * SQL's GROUPING SETS semantics say it is produced.
 *
 * A cuboid id is a bit mask over dimension indexes (bit i = dimension i, in
 * the order they were added; at most 63 dimensions). Rows of a cuboid are
 * stored sorted by the cube's rowkey order (cube_def_set_rowkey; default the
 * order of addition): put low-cardinality, often-filtered dimensions first.
 *
 * A cube_def_t owns its strings (an arena); it is immutable after finalize
 * and then safe to share between threads.
 */
#ifndef CUBE_CUBE_H
#define CUBE_CUBE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"
#include "storage/segment.h"
#include "types/types.h"

#define CUBE_MAX_DIMS STOR_MAX_DIMS
#define CUBE_DEFAULT_MAX_COMBINATION 32768

typedef enum cube_agg {
    CUBE_AGG_SUM = STOR_AGG_SUM,
    CUBE_AGG_COUNT = STOR_AGG_COUNT, /* count(*) when expr is NULL, else count(expr) */
    CUBE_AGG_MIN = STOR_AGG_MIN,
    CUBE_AGG_MAX = STOR_AGG_MAX,
} cube_agg_t;

/* One term of a linear measure argument: coef * column [* column2]. The
 * engine uses terms to answer sum(a - b) from sum(a) and sum(b); the build
 * never evaluates them (the caller passes each measure's input values). */
typedef struct cube_term {
    int64_t coef;
    const char *column;
    const char *column2; /* NULL, or a second factor: coef * column * column2 */
} cube_term_t;

typedef struct cube_measure_spec {
    const char *name;      /* output name, e.g. "sum_lo_revenue" */
    cube_agg_t agg;
    const char *expr;      /* canonical SQL text of the argument; NULL for count(*) */
    int nterms;            /* linear form of expr, 0 when not linear or unknown */
    const cube_term_t *terms;
    type_oid_t input_type; /* type of the argument: integer types give int64
                              state, float4/float8 (and numeric) double */
} cube_measure_spec_t;

typedef struct cube_def cube_def_t;

cube_def_t *cube_def_new(const char *name);
void cube_def_free(cube_def_t *def); /* NULL ok */

/* cube_def_add_dim - adds a dimension; returns its index (>= 0) or -1
 * (42701 duplicate name, 54011 more than 63, 0A000 unsupported type). */
int cube_def_add_dim(cube_def_t *def, const char *name, const char *source_column, type_oid_t type,
                     err_t *err);
/* cube_def_add_measure - returns the measure index or -1 (42701, 0A000). */
int cube_def_add_measure(cube_def_t *def, const cube_measure_spec_t *spec, err_t *err);

/* Aggregation groups. Each function returns 0 or -1; a dimension may have one
 * role per group (42P17 otherwise). */
int cube_def_add_group(cube_def_t *def);
int cube_group_add_mandatory(cube_def_t *def, int group, int dim, err_t *err);
int cube_group_add_hierarchy(cube_def_t *def, int group, const int *dims, int n, err_t *err);
int cube_group_add_joint(cube_def_t *def, int group, const int *dims, int n, err_t *err);
int cube_group_add_normal(cube_def_t *def, int group, int dim, err_t *err);

/* cube_def_set_rowkey - sort order of cuboid rows: a permutation of all
 * dimension indexes (42P17 otherwise). */
int cube_def_set_rowkey(cube_def_t *def, const int *order, int n, err_t *err);

/* cube_def_finalize - validates and enumerates cuboids. max_combination <= 0
 * means CUBE_DEFAULT_MAX_COMBINATION. Errors: 54000 (a group over the
 * limit, naming it and its count), 42P17 (no dimensions). */
int cube_def_finalize(cube_def_t *def, int64_t max_combination, err_t *err);

/* Accessors. */
const char *cube_def_name(const cube_def_t *def);
int cube_def_ndims(const cube_def_t *def);
const char *cube_def_dim_name(const cube_def_t *def, int d);
const char *cube_def_dim_source(const cube_def_t *def, int d);
type_oid_t cube_def_dim_type(const cube_def_t *def, int d);
/* cube_def_dim_index - dimension by name (case-sensitive; the SQL layer
 * folds identifiers), -1 when absent. */
int cube_def_dim_index(const cube_def_t *def, const char *name);
int cube_def_nmeasures(const cube_def_t *def);
const cube_measure_spec_t *cube_def_measure(const cube_def_t *def, int m);
stor_kind_t cube_def_measure_kind(const cube_def_t *def, int m);
/* cube_def_find_measure - a measure with this aggregate over this argument
 * text (NULL for count(*)), -1 when none. */
int cube_def_find_measure(const cube_def_t *def, cube_agg_t agg, const char *expr);
const int *cube_def_rowkey(const cube_def_t *def);
int cube_def_ngroups(const cube_def_t *def);
/* cube_def_hierarchy_pairs - the (child, parent) dimension pairs of every
 * hierarchy level of every group, without duplicates; writes at most max
 * pairs and returns how many there are. */
int cube_def_hierarchy_pairs(const cube_def_t *def, int (*pairs)[2], int max);
/* cube_def_group_combinations - cuboid count of a group by the formula. */
int64_t cube_def_group_combinations(const cube_def_t *def, int group);

/* Cuboids (after finalize): sorted by dimension count descending, then id
 * descending, so every cuboid comes after all its supersets; index 0 is the
 * base cuboid. */
int cube_def_ncuboids(const cube_def_t *def);
uint64_t cube_def_cuboid(const cube_def_t *def, int i);
int cube_def_cuboid_index(const cube_def_t *def, uint64_t id); /* -1 when not valid */
uint64_t cube_def_base_cuboid(const cube_def_t *def);

/* cube_def_dims_mask - the dimension mask of a list of column names (a
 * query's group-by and filter columns). A name that is not a dimension is
 * 42703 "column \"x\" is not a dimension of cube \"c\"" (with a hint when
 * it is a measure's argument). */
int cube_def_dims_mask(const cube_def_t *def, const char *const *names, int n, uint64_t *mask,
                       err_t *err);
/* cube_def_pick_cuboid - the smallest valid cuboid covering needed (a mask):
 * by rows[i] (estimated or recorded row count of cuboid i, < 0 unknown) when
 * rows is given, else by dimension count; ties go to fewer dimensions.
 * Returns the cuboid index, or -1 with 42703 naming a dimension that is not
 * in the cube when needed has bits past ndims. The base cuboid always covers
 * any set of the cube's dimensions. */
int cube_def_pick_cuboid(const cube_def_t *def, uint64_t needed, const int64_t *rows, err_t *err);

/* cube_def_schema - the storage schema of this cube's segments; arrays point
 * into def. */
void cube_def_schema(const cube_def_t *def, stor_schema_t *out);

#endif
