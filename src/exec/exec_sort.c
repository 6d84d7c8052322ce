/*
 * exec_sort.c - sort and window operators.
 */
#include "exec_int.h"

op_t *exec__build_sort(exec_run_t *r, const exec_plan_t *p) { (void)r; (void)p; return NULL; }
op_t *exec__build_window(exec_run_t *r, const exec_plan_t *p) { (void)r; (void)p; return NULL; }
