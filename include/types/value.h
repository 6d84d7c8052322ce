/*
 * value.h - operations on value_t the executor needs for any type:
 * ordering, hashing, equality and deep copies.
 *
 * Ordering is PostgreSQL's default btree order for the type: text and
 * friends compare bytewise (COLLATE "C"; UTF-8 byte order is code point
 * order), bpchar ignores trailing spaces, floats put NaN after everything,
 * numerics -Infinity < numbers < Infinity < NaN. NULLs are the caller's
 * business (these functions assume non-NULL values).
 */
#ifndef TYPES_VALUE_H
#define TYPES_VALUE_H

#include <string.h>

#include "types/types.h"

/* value_bytes_cmp - -1, 0, 1: bytewise, then the shorter first (text in
 * COLLATE "C") */
static inline int value_bytes_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    size_t n = an < bn ? an : bn;
    int c = n ? memcmp(a, b, n) : 0;
    if (c)
        return c < 0 ? -1 : 1;
    return (an > bn) - (an < bn);
}

/* value_cmp - <0, 0, >0 for two non-NULL values of type t. */
int value_cmp(type_oid_t t, const value_t *a, const value_t *b);
/* value_hash - equal values (by value_cmp) hash equal. */
uint64_t value_hash(type_oid_t t, const value_t *v);
static inline bool value_eq(type_oid_t t, const value_t *a, const value_t *b)
{
    return value_cmp(t, a, b) == 0;
}
/* value_copy - *dst = *src with variable-width payloads copied into a. */
void value_copy(mem_arena_t *a, type_oid_t t, value_t *dst, const value_t *src);
/* value_is_varlen - whether values of t point to memory (s, num, arr). */
bool value_is_varlen(type_oid_t t);
/* value_text - a value of a string type from a C string (not copied). */
static inline value_t value_text(const char *s, size_t len)
{
    value_t v;
    v.u.s.p = s;
    v.u.s.len = (uint32_t)len;
    v.isnull = false;
    return v;
}
static inline value_t value_int(int64_t i)
{
    value_t v;
    v.u.i = i;
    v.isnull = false;
    return v;
}
static inline value_t value_null(void)
{
    value_t v;
    v.u.i = 0;
    v.isnull = true;
    return v;
}

#endif
