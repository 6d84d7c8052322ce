/*
 * record.c - anonymous composite values: text output (record_out), binary
 * output (record_send), ordering. Input of anonymous records is not accepted,
 * as in PostgreSQL (the types.c dispatch reports 0A000 for pseudo-types).
 */
#include "types/record.h"

#include <ctype.h>
#include <string.h>

#include "types/value.h"

type_rowdesc_t *type_rowdesc_new(mem_arena_t *a, int n)
{
    type_rowdesc_t *d = mem_alloc0(a, sizeof *d);
    size_t k = (size_t)(n > 0 ? n : 1);
    d->n = n;
    d->names = mem_alloc0(a, sizeof(char *) * k);
    d->types = mem_alloc0(a, sizeof(type_oid_t) * k);
    d->typmods = mem_alloc(a, sizeof(int32_t) * k);
    for (int i = 0; i < n; i++)
        d->typmods[i] = -1;
    return d;
}

type_record_t *type_record_new(mem_arena_t *a, const type_rowdesc_t *desc)
{
    type_record_t *r = mem_alloc(a, sizeof *r);
    r->desc = desc;
    r->vals = mem_alloc(a, sizeof(value_t) * (size_t)(desc->n > 0 ? desc->n : 1));
    for (int i = 0; i < desc->n; i++) {
        r->vals[i].isnull = true;
        r->vals[i].u.i = 0;
    }
    return r;
}

/* PostgreSQL's record_out quotes a field that is empty or holds a quote,
 * backslash, parenthesis, comma or white space. */
static bool needs_quotes(const char *p, size_t n)
{
    if (n == 0)
        return true;
    for (size_t i = 0; i < n; i++)
        if (p[i] == '"' || p[i] == '\\' || p[i] == '(' || p[i] == ')' || p[i] == ',' || isspace((unsigned char)p[i]))
            return true;
    return false;
}

void type_record_out(const type_record_t *r, int extra_float_digits, buf_t *out)
{
    buf_t tmp = BUF_INIT;
    buf_putc(out, '(');
    for (int i = 0; i < r->desc->n; i++) {
        if (i)
            buf_putc(out, ',');
        if (r->vals[i].isnull)
            continue;
        buf_reset(&tmp);
        type_out_text(r->desc->types[i], r->desc->typmods[i], &r->vals[i], extra_float_digits, &tmp);
        const char *p = tmp.data ? tmp.data : "";
        if (!needs_quotes(p, tmp.len)) {
            buf_append(out, p, tmp.len);
            continue;
        }
        /* inside quotes a quote or backslash is doubled */
        buf_putc(out, '"');
        for (size_t k = 0; k < tmp.len; k++) {
            if (p[k] == '"' || p[k] == '\\')
                buf_putc(out, p[k]);
            buf_putc(out, p[k]);
        }
        buf_putc(out, '"');
    }
    buf_putc(out, ')');
    buf_free(&tmp);
}

void type_record_send(const type_record_t *r, buf_t *out)
{
    buf_put_u32(out, (uint32_t)r->desc->n);
    for (int i = 0; i < r->desc->n; i++) {
        buf_put_u32(out, r->desc->types[i]);
        if (r->vals[i].isnull) {
            buf_put_u32(out, 0xFFFFFFFFu);
            continue;
        }
        size_t at = out->len;
        buf_put_u32(out, 0);
        type_out_binary(r->desc->types[i], r->desc->typmods[i], &r->vals[i], out);
        buf_set_u32(out, at, (uint32_t)(out->len - at - 4));
    }
}

int type_record_cmp(const type_record_t *a, const type_record_t *b)
{
    int n = a->desc->n < b->desc->n ? a->desc->n : b->desc->n;
    for (int i = 0; i < n; i++) {
        bool an = a->vals[i].isnull, bn = b->vals[i].isnull;
        if (an || bn) {
            if (an != bn)
                return an ? 1 : -1;
            continue;
        }
        int c = value_cmp(a->desc->types[i], &a->vals[i], &b->vals[i]);
        if (c)
            return c;
    }
    return (a->desc->n > b->desc->n) - (a->desc->n < b->desc->n);
}
