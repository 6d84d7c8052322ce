/*
 * value.c - type-generic ordering, hashing and copying of value_t, used by
 * sort, hash aggregation, hash joins and DISTINCT.
 *
 * Orders are PostgreSQL's default btree orders (text in COLLATE "C").
 */
#include "types/value.h"

#include <math.h>
#include <string.h>

#include "common/hash.h"
#include "types/array.h"
#include "types/datetime.h"
#include "types/numeric.h"
#include "types/record.h"

static size_t bpchar_len(const char *p, size_t n)
{
    while (n > 0 && p[n - 1] == ' ')
        n--;
    return n;
}

static int float_cmp(double a, double b)
{
    if (isnan(a))
        return isnan(b) ? 0 : 1;
    if (isnan(b))
        return -1;
    return (a > b) - (a < b);
}

int value_cmp(type_oid_t t, const value_t *a, const value_t *b)
{
    switch (t) {
    /* the common keys first, without the varlen and array checks below
     * (a sort calls this per comparison: they were a tenth of an SSB
     * query's ORDER BY) */
    case TYPE_INT2:
    case TYPE_INT4:
    case TYPE_INT8:
    case TYPE_DATE:
    case TYPE_TIMESTAMP:
    case TYPE_TIMESTAMPTZ:
        return (a->u.i > b->u.i) - (a->u.i < b->u.i);
    case TYPE_TEXT:
    case TYPE_VARCHAR:
        return value_bytes_cmp(a->u.s.p, a->u.s.len, b->u.s.p, b->u.s.len);
    case TYPE_FLOAT4:
    case TYPE_FLOAT8:
        return float_cmp(a->u.f, b->u.f);
    case TYPE_NUMERIC:
        return numeric_cmp(a->u.num, b->u.num);
    case TYPE_BPCHAR:
        return value_bytes_cmp(a->u.s.p, bpchar_len(a->u.s.p, a->u.s.len), b->u.s.p, bpchar_len(b->u.s.p, b->u.s.len));
    case TYPE_INTERVAL: {
        __int128 x = dt_interval_key(&a->u.iv), y = dt_interval_key(&b->u.iv);
        return (x > y) - (x < y);
    }
    case TYPE_RECORD:
        return type_record_cmp(a->u.rec, b->u.rec);
    default:
        break;
    }
    if (value_is_varlen(t)) {
        const type_info_t *ti = type_lookup(t);
        if (ti && ti->elem && ti->category == 'A') {
            const type_array_t *x = a->u.arr, *y = b->u.arr;
            int n = x->n < y->n ? x->n : y->n;
            for (int i = 0; i < n; i++) {
                bool xn = x->vals[i].isnull, yn = y->vals[i].isnull;
                if (xn || yn) {
                    if (xn != yn)
                        return xn ? 1 : -1; /* NULL elements sort last */
                    continue;
                }
                int c = value_cmp(ti->elem, &x->vals[i], &y->vals[i]);
                if (c)
                    return c;
            }
            return (x->n > y->n) - (x->n < y->n);
        }
        return value_bytes_cmp(a->u.s.p, a->u.s.len, b->u.s.p, b->u.s.len);
    }
    if (t == TYPE_OID || (t >= TYPE_REGPROC && t <= TYPE_REGPROC) || t == TYPE_REGCLASS || t == TYPE_REGTYPE ||
        t == TYPE_XID) {
        uint64_t x = (uint32_t)a->u.i, y = (uint32_t)b->u.i;
        return (x > y) - (x < y);
    }
    return (a->u.i > b->u.i) - (a->u.i < b->u.i);
}

uint64_t value_hash(type_oid_t t, const value_t *v)
{
    switch (t) {
    case TYPE_TEXT:
    case TYPE_VARCHAR:
        return hash_bytes(v->u.s.p, v->u.s.len);
    case TYPE_FLOAT4:
    case TYPE_FLOAT8: {
        double d = v->u.f;
        if (d == 0)
            d = 0; /* -0 hashes as 0 */
        if (isnan(d))
            return 0x7ff8dead;
        uint64_t u;
        memcpy(&u, &d, 8);
        return hash_mix64(u);
    }
    case TYPE_NUMERIC:
        return hash_mix64(numeric_hash(v->u.num));
    case TYPE_BPCHAR:
        return hash_bytes(v->u.s.p, bpchar_len(v->u.s.p, v->u.s.len));
    case TYPE_INTERVAL: {
        __int128 k = dt_interval_key(&v->u.iv);
        return hash_mix64((uint64_t)k ^ hash_mix64((uint64_t)(k >> 64)));
    }
    case TYPE_RECORD: {
        const type_record_t *r = v->u.rec;
        uint64_t h = 0x5eed;
        for (int i = 0; i < r->desc->n; i++)
            h = hash_mix64(h ^ (r->vals[i].isnull ? 0xabcdef : value_hash(r->desc->types[i], &r->vals[i])));
        return h;
    }
    default:
        break;
    }
    if (value_is_varlen(t)) {
        const type_info_t *ti = type_lookup(t);
        if (ti && ti->elem && ti->category == 'A') {
            uint64_t h = 0x12345;
            for (int i = 0; i < v->u.arr->n; i++)
                h = hash_mix64(h ^ (v->u.arr->vals[i].isnull ? 0xabcdef : value_hash(ti->elem, &v->u.arr->vals[i])));
            return h;
        }
        return hash_bytes(v->u.s.p, v->u.s.len);
    }
    return hash_mix64((uint64_t)v->u.i);
}

bool value_is_varlen(type_oid_t t)
{
    switch (t) {
    case TYPE_BOOL: case TYPE_CHAR: case TYPE_INT2: case TYPE_INT4: case TYPE_INT8: case TYPE_OID:
    case TYPE_XID: case TYPE_FLOAT4: case TYPE_FLOAT8: case TYPE_DATE: case TYPE_TIME: case TYPE_TIMESTAMP:
    case TYPE_TIMESTAMPTZ: case TYPE_INTERVAL: case TYPE_REGPROC: case TYPE_REGPROCEDURE: case TYPE_REGOPER:
    case TYPE_REGCLASS: case TYPE_REGTYPE: case TYPE_REGNAMESPACE: case TYPE_REGROLE: case TYPE_VOID:
        return false;
    default:
        return true;
    }
}

void value_copy(mem_arena_t *a, type_oid_t t, value_t *dst, const value_t *src)
{
    *dst = *src;
    if (src->isnull || !value_is_varlen(t))
        return;
    if (t == TYPE_TEXT || t == TYPE_VARCHAR) { /* the common case, without the type lookup below */
        dst->u.s.p = src->u.s.len ? mem_amemdup(a, src->u.s.p, src->u.s.len) : "";
        return;
    }
    if (t == TYPE_NUMERIC) {
        const type_numeric_t *n = src->u.num;
        dst->u.num = mem_amemdup(a, n, sizeof *n + sizeof(int16_t) * (size_t)(n->ndigits > 0 ? n->ndigits : 0));
        return;
    }
    if (t == TYPE_RECORD) {
        /* the descriptor belongs to the statement and is shared */
        const type_record_t *s = src->u.rec;
        type_record_t *d = type_record_new(a, s->desc);
        for (int i = 0; i < s->desc->n; i++)
            value_copy(a, s->desc->types[i], &d->vals[i], &s->vals[i]);
        dst->u.rec = d;
        return;
    }
    const type_info_t *ti = type_lookup(t);
    if (ti && ti->elem && (ti->category == 'A')) {
        const type_array_t *s = src->u.arr;
        type_array_t *d = type_array_new(a, s->elem, s->n);
        d->ndim = s->ndim;
        d->lbound = s->lbound;
        for (int i = 0; i < s->n; i++)
            value_copy(a, s->elem, &d->vals[i], &s->vals[i]);
        dst->u.arr = d;
        return;
    }
    dst->u.s.p = src->u.s.len ? mem_amemdup(a, src->u.s.p, src->u.s.len) : "";
}
