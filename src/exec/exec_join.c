/*
 * exec_join.c - joins and set operations.
 */
#include "exec_int.h"

op_t *exec__build_join(exec_run_t *r, const exec_plan_t *p) { (void)r; (void)p; return NULL; }
op_t *exec__build_setop(exec_run_t *r, const exec_plan_t *p) { (void)r; (void)p; return NULL; }
