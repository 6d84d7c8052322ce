/*
 * record.h - anonymous composite values (PostgreSQL's "record"): what a
 * function with OUT parameters returns (information_schema._pg_expandarray
 * gives (x, n)) and what ROW(...) builds.
 *
 * A record value points to its row descriptor (field names and types) and
 * holds one value_t per field. The descriptor lives in the statement's arena
 * (the analyzer creates it), so it outlives every value of the statement;
 * values live in the producer's arena like arrays do. The text form is
 * PostgreSQL's record_out: (1,"a b",) with NULL fields empty; the binary form
 * is record_send. Records compare field by field (NULL fields last), as
 * PostgreSQL's btree record comparison does.
 */
#ifndef TYPES_RECORD_H
#define TYPES_RECORD_H

#include "types/types.h"

typedef struct type_rowdesc {
    int n;
    const char **names;
    type_oid_t *types;
    int32_t *typmods;
} type_rowdesc_t;

typedef struct type_record {
    const type_rowdesc_t *desc;
    value_t *vals; /* desc->n fields */
} type_record_t;

/* type_rowdesc_new - a descriptor of n fields (names, types unset, typmods -1) in a. */
type_rowdesc_t *type_rowdesc_new(mem_arena_t *a, int n);
/* type_record_new - a record of desc with its fields NULL, in a. */
type_record_t *type_record_new(mem_arena_t *a, const type_rowdesc_t *desc);

void type_record_out(const type_record_t *r, int extra_float_digits, buf_t *out);
void type_record_send(const type_record_t *r, buf_t *out);
/* type_record_cmp - <0, 0, >0 field by field; a NULL field sorts after any value. */
int type_record_cmp(const type_record_t *a, const type_record_t *b);

#endif
