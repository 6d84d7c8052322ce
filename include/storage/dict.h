/*
 * dict.h - per-segment dimension dictionaries: value <-> code.
 *
 * Every dimension of a segment has one sorted dictionary, so code order is
 * value order and a range filter on values becomes a range of codes. Codes
 * are dense, 0 .. size-1 for the non-NULL values in ascending order; when the
 * dimension holds NULLs, code `size` is NULL (it sorts last, as PostgreSQL's
 * default ASC NULLS LAST does). Text compares bytewise (memcmp, the "C"
 * collation). Floats compare numerically (-0.0 == 0.0; NaN sorts last).
 *
 * A stor_dict_t is read-only and points into the segment's mmap'ed dictionary
 * file (storage/segment.h), so it lives as long as its segment is open; text
 * returned by the accessors points into that mapping as well. All functions
 * are thread-safe (no mutation).
 */
#ifndef STORAGE_DICT_H
#define STORAGE_DICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "types/types.h"

/* How a value is held in a dictionary (and in value_t.u). */
typedef enum stor_kind {
    STOR_KIND_INT = 1,   /* value_t.u.i: bool, int2/4/8, oid, date, timestamp(tz), time */
    STOR_KIND_FLOAT = 2, /* value_t.u.f: float4, float8 */
    STOR_KIND_TEXT = 3,  /* value_t.u.s: text, varchar, bpchar, name, bytea (bytes compared) */
} stor_kind_t;

/* stor_kind_of_type - the storage kind of a SQL type; 0 when kiln cannot
 * store it as a dimension (numeric, interval, arrays). */
stor_kind_t stor_kind_of_type(type_oid_t t);

typedef struct stor_dict stor_dict_t;

#define STOR_CODE_NONE UINT32_MAX

stor_kind_t stor_dict_kind(const stor_dict_t *d);
type_oid_t stor_dict_type(const stor_dict_t *d);
/* stor_dict_size - number of non-NULL values (codes 0 .. size-1). */
uint32_t stor_dict_size(const stor_dict_t *d);
bool stor_dict_has_null(const stor_dict_t *d);
/* stor_dict_ncodes - size + (has_null ? 1 : 0): the code space of the dimension. */
uint32_t stor_dict_ncodes(const stor_dict_t *d);
/* stor_dict_null_code - the NULL code (== size), or STOR_CODE_NONE without NULLs. */
uint32_t stor_dict_null_code(const stor_dict_t *d);

/* Decoding. code must be < ncodes (checked: an out-of-range code decodes as
 * NULL). */
int64_t stor_dict_int(const stor_dict_t *d, uint32_t code);
double stor_dict_float(const stor_dict_t *d, uint32_t code);
const char *stor_dict_text(const stor_dict_t *d, uint32_t code, uint32_t *len);
/* stor_dict_value - the value of code as a value_t (isnull for the NULL code). */
void stor_dict_value(const stor_dict_t *d, uint32_t code, value_t *out);
/* stor_dict_decode - decodes n codes into out[0..n-1]. */
void stor_dict_decode(const stor_dict_t *d, const uint32_t *codes, size_t n, value_t *out);

/* Lookup for filters. v must be of the dictionary's kind (value_t.u.i for
 * INT, .f for FLOAT, .s for TEXT); a NULL v finds the NULL code.
 * stor_dict_find - the code of v, or STOR_CODE_NONE when v is not present.
 * stor_dict_lower_bound - first code whose value is >= v (size when none).
 * stor_dict_upper_bound - first code whose value is > v (size when none).
 * So `col BETWEEN a AND b` is codes [lower_bound(a), upper_bound(b) - 1]. */
uint32_t stor_dict_find(const stor_dict_t *d, const value_t *v);
uint32_t stor_dict_lower_bound(const stor_dict_t *d, const value_t *v);
uint32_t stor_dict_upper_bound(const stor_dict_t *d, const value_t *v);

#endif
