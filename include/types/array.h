/*
 * array.h - one-dimensional SQL arrays (what catalog SQL and array_agg need).
 *
 * An array value is immutable and lives in the producer's arena. Elements
 * are value_t of type elem (NULL elements have isnull set). ndim is 0 for
 * the empty array and 1 otherwise; lbound is the lower bound (normally 1).
 * Text form {a,b,NULL} with PostgreSQL's quoting; binary form as array_send.
 * int2vector and oidvector are arrays whose text form is space separated.
 */
#ifndef TYPES_ARRAY_H
#define TYPES_ARRAY_H

#include "types/types.h"

typedef struct type_array {
    type_oid_t elem;
    int ndim;
    int lbound;
    int n;
    value_t *vals;
} type_array_t;

/* type_array_new - an array of n elements (uninitialised values) in a. */
type_array_t *type_array_new(mem_arena_t *a, type_oid_t elem, int n);

int type_array_in(type_oid_t elem, const char *p, size_t len, mem_arena_t *a, value_t *v, err_t *err);
void type_array_out(type_oid_t elem, const type_array_t *arr, int extra_float_digits, buf_t *out);
int type_array_recv(type_oid_t elem, const char *p, size_t len, mem_arena_t *a, value_t *v, err_t *err);
void type_array_send(type_oid_t elem, const type_array_t *arr, buf_t *out);
/* vector types (int2vector, oidvector): "1 2 3" */
int type_vector_in(type_oid_t elem, const char *p, size_t len, mem_arena_t *a, value_t *v, err_t *err);
void type_vector_out(const type_array_t *arr, buf_t *out);

#endif
