/*
 * exec_agg.c - aggregation: built-in aggregate functions and the hash
 * aggregate operator (GROUP BY, plain aggregates, DISTINCT and FILTER).
 */
#include "exec_int.h"

const exec_agg_t *exec_agg_find(const char *name, int nargs, const type_oid_t *argtypes, type_oid_t *ret)
{
    (void)name; (void)nargs; (void)argtypes; (void)ret;
    return NULL;
}

bool exec_agg_exists(const char *name)
{
    (void)name;
    return false;
}

bool exec_window_exists(const char *name)
{
    (void)name;
    return false;
}

op_t *exec__build_agg(exec_run_t *r, const exec_plan_t *p) { (void)r; (void)p; return NULL; }
op_t *exec__build_distinct(exec_run_t *r, const exec_plan_t *p) { (void)r; (void)p; return NULL; }
