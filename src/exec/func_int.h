/*
 * func_int.h - helpers shared by the built-in function files of src/exec
 * (subsystem-private).
 */
#ifndef EXEC_FUNC_INT_H
#define EXEC_FUNC_INT_H

#include "exec/expr.h"

/* exec__range_error - 22003 "<type> out of range" for an integer result type. */
int exec__range_error(exec_fctx_t *fc, type_oid_t t);
/* exec__like - SQL LIKE matching (% and _, escape esc, ci = ILIKE). */
bool exec__like(const char *s, size_t sn, const char *p, size_t pn, bool ci, char esc);
/* exec__set_text - out = a copy of p[0..n) in the call's arena. */
void exec__set_text(exec_fctx_t *fc, value_t *out, const char *p, size_t n);

#endif
