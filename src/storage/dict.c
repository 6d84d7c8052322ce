/*
 * dict.c - lookups in a segment's sorted dimension dictionaries.
 *
 * Dictionaries are built by the cube build (sorted distinct values) and
 * written by segment.c; here they are only read: decode a code to a value,
 * and find codes (exact, lower and upper bound) by binary search so the
 * engine can turn value predicates into code ranges. Nothing here allocates.
 */
#include "storage/dict.h"

#include <string.h>

#include "storage_int.h"

stor_kind_t stor_kind_of_type(type_oid_t t)
{
    switch (t) {
    case TYPE_BOOL: case TYPE_INT2: case TYPE_INT4: case TYPE_INT8: case TYPE_OID:
    case TYPE_DATE: case TYPE_TIME: case TYPE_TIMESTAMP: case TYPE_TIMESTAMPTZ:
    case TYPE_CHAR:
        return STOR_KIND_INT;
    case TYPE_FLOAT4: case TYPE_FLOAT8:
        return STOR_KIND_FLOAT;
    case TYPE_TEXT: case TYPE_VARCHAR: case TYPE_BPCHAR: case TYPE_NAME: case TYPE_BYTEA:
    case TYPE_UNKNOWN:
        return STOR_KIND_TEXT;
    default:
        return 0;
    }
}

stor_kind_t stor_dict_kind(const stor_dict_t *d) { return d->kind; }
type_oid_t stor_dict_type(const stor_dict_t *d) { return d->type; }
uint32_t stor_dict_size(const stor_dict_t *d) { return d->n; }
bool stor_dict_has_null(const stor_dict_t *d) { return d->has_null; }
uint32_t stor_dict_ncodes(const stor_dict_t *d) { return d->n + (d->has_null ? 1 : 0); }
uint32_t stor_dict_null_code(const stor_dict_t *d) { return d->has_null ? d->n : STOR_CODE_NONE; }

int64_t stor_dict_int(const stor_dict_t *d, uint32_t code)
{
    return code < d->n && d->kind == STOR_KIND_INT ? d->ints[code] : 0;
}

double stor_dict_float(const stor_dict_t *d, uint32_t code)
{
    return code < d->n && d->kind == STOR_KIND_FLOAT ? d->floats[code] : 0.0;
}

const char *stor_dict_text(const stor_dict_t *d, uint32_t code, uint32_t *len)
{
    if (code >= d->n || d->kind != STOR_KIND_TEXT) {
        *len = 0;
        return "";
    }
    *len = d->offs[code + 1] - d->offs[code];
    return d->bytes + d->offs[code];
}

void stor_dict_value(const stor_dict_t *d, uint32_t code, value_t *out)
{
    memset(out, 0, sizeof *out);
    if (code >= d->n) {
        out->isnull = true;
        return;
    }
    switch (d->kind) {
    case STOR_KIND_INT: out->u.i = d->ints[code]; break;
    case STOR_KIND_FLOAT: out->u.f = d->floats[code]; break;
    case STOR_KIND_TEXT:
        out->u.s.p = d->bytes + d->offs[code];
        out->u.s.len = d->offs[code + 1] - d->offs[code];
        break;
    }
}

void stor_dict_decode(const stor_dict_t *d, const uint32_t *codes, size_t n, value_t *out)
{
    /* The kind switch is hoisted out of the loop: decoding runs per result row. */
    switch (d->kind) {
    case STOR_KIND_INT:
        for (size_t i = 0; i < n; i++) {
            uint32_t c = codes[i];
            out[i].isnull = c >= d->n;
            out[i].u.i = c < d->n ? d->ints[c] : 0;
        }
        break;
    case STOR_KIND_FLOAT:
        for (size_t i = 0; i < n; i++) {
            uint32_t c = codes[i];
            out[i].isnull = c >= d->n;
            out[i].u.f = c < d->n ? d->floats[c] : 0.0;
        }
        break;
    case STOR_KIND_TEXT:
        for (size_t i = 0; i < n; i++) {
            uint32_t c = codes[i];
            out[i].isnull = c >= d->n;
            if (c < d->n) {
                out[i].u.s.p = d->bytes + d->offs[c];
                out[i].u.s.len = d->offs[c + 1] - d->offs[c];
            } else {
                out[i].u.s.p = NULL;
                out[i].u.s.len = 0;
            }
        }
        break;
    }
}

/* cmp_code - compares the value at code with v (both non-NULL). */
static int cmp_code(const stor_dict_t *d, uint32_t code, const value_t *v)
{
    switch (d->kind) {
    case STOR_KIND_INT: {
        int64_t a = d->ints[code];
        return a < v->u.i ? -1 : a > v->u.i;
    }
    case STOR_KIND_FLOAT:
        return storage__float_cmp(d->floats[code], v->u.f);
    case STOR_KIND_TEXT: {
        const char *pa = d->bytes + d->offs[code];
        uint32_t la = d->offs[code + 1] - d->offs[code], lb = (uint32_t)v->u.s.len;
        if (d->type == TYPE_BPCHAR) {
            /* char(n) compares without its trailing blanks, as PostgreSQL's bpchar does: the
             * dictionary holds 'A   ' and the query's constant is 'A' */
            while (la > 0 && pa[la - 1] == ' ')
                la--;
            while (lb > 0 && v->u.s.p[lb - 1] == ' ')
                lb--;
        }
        uint32_t m = la < lb ? la : lb;
        int c = m ? memcmp(pa, v->u.s.p, m) : 0;
        if (c)
            return c < 0 ? -1 : 1;
        return la < lb ? -1 : la > lb;
    }
    }
    return 0;
}

/* bound - first code in [0, n) whose value compares >= v (strict: > v). */
static uint32_t bound(const stor_dict_t *d, const value_t *v, int strict)
{
    uint32_t lo = 0, hi = d->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c = cmp_code(d, mid, v);
        if (c < 0 || (strict && c == 0))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

uint32_t stor_dict_find(const stor_dict_t *d, const value_t *v)
{
    if (v->isnull)
        return stor_dict_null_code(d);
    uint32_t c = bound(d, v, 0);
    return c < d->n && cmp_code(d, c, v) == 0 ? c : STOR_CODE_NONE;
}

uint32_t stor_dict_lower_bound(const stor_dict_t *d, const value_t *v)
{
    return v->isnull ? d->n : bound(d, v, 0);
}

uint32_t stor_dict_upper_bound(const stor_dict_t *d, const value_t *v)
{
    return v->isnull ? d->n : bound(d, v, 1);
}
