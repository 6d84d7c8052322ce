/*
 * exec_misc.c - set-returning function scans, materialized CTEs, SRF projection.
 */
#include "exec_int.h"

op_t *exec__build_funcscan(exec_run_t *r, const exec_plan_t *p) { (void)r; (void)p; return NULL; }
op_t *exec__build_material(exec_run_t *r, const exec_plan_t *p) { (void)r; (void)p; return NULL; }
op_t *exec__build_project_srf(exec_run_t *r, const exec_plan_t *p) { (void)r; (void)p; return NULL; }
