/*
 * array.c - one-dimensional arrays: PostgreSQL's text form ({a,"b c",NULL})
 * and binary form (array_send/array_recv), plus int2vector/oidvector.
 *
 * Elements are converted with the element type's own text/binary functions.
 * Multi-dimensional input is rejected with 0A000 (catalog SQL does not need it).
 */
#include "types/array.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

type_array_t *type_array_new(mem_arena_t *a, type_oid_t elem, int n)
{
    type_array_t *arr = mem_alloc0(a, sizeof *arr);
    arr->elem = elem;
    arr->ndim = n > 0 ? 1 : 0;
    arr->lbound = 1;
    arr->n = n;
    arr->vals = n > 0 ? mem_alloc0(a, sizeof(value_t) * (size_t)n) : NULL;
    return arr;
}

static int malformed(err_t *err, const char *p, size_t len, const char *detail)
{
    err_set(err, ERRCODE_INVALID_TEXT_REPRESENTATION, "malformed array literal: \"%.*s\"", (int)len, p);
    if (detail)
        err_detail(err, "%s", detail);
    return -1;
}

int type_array_in(type_oid_t elem, const char *p, size_t len, mem_arena_t *a, value_t *v, err_t *err)
{
    size_t i = 0;
    while (i < len && isspace((unsigned char)p[i]))
        i++;
    int lbound = 1;
    if (i < len && p[i] == '[') {
        /* [lo:hi]={...} dimension decoration */
        size_t j = i + 1;
        int sign = 1, lo = 0;
        if (j < len && p[j] == '-') {
            sign = -1;
            j++;
        }
        while (j < len && isdigit((unsigned char)p[j]))
            lo = lo * 10 + (p[j++] - '0');
        while (j < len && p[j] != ']')
            j++;
        if (j >= len)
            return malformed(err, p, len, "Missing \"]\" after array dimensions.");
        lbound = sign * lo;
        i = j + 1;
        if (i < len && p[i] == '=')
            i++;
    }
    if (i >= len || p[i] != '{')
        return malformed(err, p, len, "Array value must start with \"{\" or dimension information.");
    i++;
    buf_t tmp = BUF_INIT;
    int cap = 8, n = 0;
    value_t *vals = mem_alloc(a, sizeof(value_t) * (size_t)cap);
    bool expect_elem = true, closed = false;
    int rc = 0;
    while (i < len) {
        while (i < len && isspace((unsigned char)p[i]))
            i++;
        if (i >= len)
            break;
        if (p[i] == '}' ) {
            if (n > 0 && expect_elem) {
                rc = malformed(err, p, len, "Unexpected \"}\" character.");
                goto done;
            }
            closed = true;
            i++;
            break;
        }
        if (!expect_elem) {
            if (p[i] != ',') {
                rc = malformed(err, p, len, "Expected \",\" or \"}\".");
                goto done;
            }
            i++;
            expect_elem = true;
            continue;
        }
        if (p[i] == '{') {
            rc = err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "multidimensional arrays are not supported");
            goto done;
        }
        buf_reset(&tmp);
        bool quoted = false;
        if (p[i] == '"') {
            quoted = true;
            i++;
            while (i < len && p[i] != '"') {
                if (p[i] == '\\' && i + 1 < len)
                    i++;
                buf_putc(&tmp, p[i++]);
            }
            if (i >= len) {
                rc = malformed(err, p, len, "Unexpected end of input.");
                goto done;
            }
            i++;
        } else {
            while (i < len && p[i] != ',' && p[i] != '}') {
                if (p[i] == '\\' && i + 1 < len)
                    i++;
                else if (p[i] == '"' || p[i] == '{') {
                    rc = malformed(err, p, len, "Unexpected array element.");
                    goto done;
                }
                buf_putc(&tmp, p[i++]);
            }
            while (tmp.len > 0 && isspace((unsigned char)tmp.data[tmp.len - 1]))
                tmp.len--;
        }
        if (n == cap) {
            value_t *nv = mem_alloc(a, sizeof(value_t) * (size_t)cap * 2);
            memcpy(nv, vals, sizeof(value_t) * (size_t)n);
            vals = nv;
            cap *= 2;
        }
        if (!quoted && tmp.len == 4 && strncasecmp(tmp.data, "null", 4) == 0) {
            vals[n].isnull = true;
            vals[n].u.i = 0;
        } else if (type_in_text(elem, -1, tmp.data ? tmp.data : "", tmp.len, a, &vals[n], err) < 0) {
            rc = -1;
            goto done;
        }
        n++;
        expect_elem = false;
    }
    if (!closed) {
        rc = malformed(err, p, len, "Unexpected end of input.");
        goto done;
    }
    while (i < len && isspace((unsigned char)p[i]))
        i++;
    if (i != len) {
        rc = malformed(err, p, len, "Junk after closing right brace.");
        goto done;
    }
    {
        type_array_t *arr = mem_alloc0(a, sizeof *arr);
        arr->elem = elem;
        arr->ndim = n > 0 ? 1 : 0;
        arr->lbound = n > 0 ? lbound : 1;
        arr->n = n;
        arr->vals = vals;
        v->u.arr = arr;
        v->isnull = false;
    }
done:
    buf_free(&tmp);
    return rc;
}

/* needs_quotes - PostgreSQL's array_out rule for one element text. */
static bool needs_quotes(const char *s, size_t n)
{
    if (n == 0)
        return true;
    if (n == 4 && strncasecmp(s, "null", 4) == 0)
        return true;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '"' || c == '\\' || c == '{' || c == '}' || c == ',' || isspace((unsigned char)c))
            return true;
    }
    return false;
}

void type_array_out(type_oid_t elem, const type_array_t *arr, int extra_float_digits, buf_t *out)
{
    if (arr->lbound != 1 && arr->n > 0)
        buf_printf(out, "[%d:%d]=", arr->lbound, arr->lbound + arr->n - 1);
    buf_putc(out, '{');
    buf_t tmp = BUF_INIT;
    for (int i = 0; i < arr->n; i++) {
        if (i)
            buf_putc(out, ',');
        if (arr->vals[i].isnull) {
            buf_puts(out, "NULL");
            continue;
        }
        buf_reset(&tmp);
        type_out_text(elem, -1, &arr->vals[i], extra_float_digits, &tmp);
        if (needs_quotes(tmp.data ? tmp.data : "", tmp.len)) {
            buf_putc(out, '"');
            for (size_t k = 0; k < tmp.len; k++) {
                if (tmp.data[k] == '"' || tmp.data[k] == '\\')
                    buf_putc(out, '\\');
                buf_putc(out, tmp.data[k]);
            }
            buf_putc(out, '"');
        } else {
            buf_append(out, tmp.data, tmp.len);
        }
    }
    buf_putc(out, '}');
    buf_free(&tmp);
}

void type_array_send(type_oid_t elem, const type_array_t *arr, buf_t *out)
{
    bool hasnull = false;
    for (int i = 0; i < arr->n; i++)
        hasnull |= arr->vals[i].isnull;
    buf_put_u32(out, arr->n > 0 ? 1 : 0);
    buf_put_u32(out, hasnull ? 1 : 0);
    buf_put_u32(out, elem);
    if (arr->n > 0) {
        buf_put_u32(out, (uint32_t)arr->n);
        buf_put_u32(out, (uint32_t)arr->lbound);
    }
    for (int i = 0; i < arr->n; i++) {
        if (arr->vals[i].isnull) {
            buf_put_u32(out, 0xFFFFFFFFu);
            continue;
        }
        size_t at = out->len;
        buf_put_u32(out, 0);
        type_out_binary(elem, -1, &arr->vals[i], out);
        buf_set_u32(out, at, (uint32_t)(out->len - at - 4));
    }
}

int type_array_recv(type_oid_t elem, const char *p, size_t len, mem_arena_t *a, value_t *v, err_t *err)
{
    if (len < 12)
        return err_set(err, ERRCODE_INVALID_BINARY_REPRESENTATION, "insufficient data left in message");
    int32_t ndim = (int32_t)buf_get_u32(p);
    int32_t flags = (int32_t)buf_get_u32(p + 4);
    type_oid_t et = buf_get_u32(p + 8);
    size_t off = 12;
    if (ndim < 0 || ndim > 1)
        return err_set(err, ndim > 1 ? ERRCODE_FEATURE_NOT_SUPPORTED : ERRCODE_INVALID_BINARY_REPRESENTATION,
                       ndim > 1 ? "multidimensional arrays are not supported" : "invalid number of dimensions: %d",
                       ndim);
    if (flags != 0 && flags != 1)
        return err_set(err, ERRCODE_INVALID_BINARY_REPRESENTATION, "invalid array flags");
    if (et != elem)
        return err_set(err, ERRCODE_DATATYPE_MISMATCH, "binary data has array element type %u instead of expected %u",
                       et, elem);
    int32_t n = 0, lb = 1;
    if (ndim == 1) {
        if (len < off + 8)
            return err_set(err, ERRCODE_INVALID_BINARY_REPRESENTATION, "insufficient data left in message");
        n = (int32_t)buf_get_u32(p + off);
        lb = (int32_t)buf_get_u32(p + off + 4);
        off += 8;
        /* every element needs at least its 4-byte length word */
        if (n < 0 || (size_t)n > (len - off) / 4)
            return err_set(err, ERRCODE_INVALID_BINARY_REPRESENTATION, "insufficient data left in message");
    }
    type_array_t *arr = type_array_new(a, elem, n);
    arr->lbound = n > 0 ? lb : 1;
    for (int i = 0; i < n; i++) {
        if (len - off < 4)
            return err_set(err, ERRCODE_INVALID_BINARY_REPRESENTATION, "insufficient data left in message");
        int32_t el = (int32_t)buf_get_u32(p + off);
        off += 4;
        if (el == -1) {
            arr->vals[i].isnull = true;
            continue;
        }
        if (el < 0 || (size_t)el > len - off)
            return err_set(err, ERRCODE_INVALID_BINARY_REPRESENTATION, "insufficient data left in message");
        if (type_in_binary(elem, -1, p + off, (size_t)el, a, &arr->vals[i], err) < 0)
            return -1;
        off += (size_t)el;
    }
    if (off != len)
        return err_set(err, ERRCODE_INVALID_BINARY_REPRESENTATION, "incorrect binary data format");
    v->u.arr = arr;
    v->isnull = false;
    return 0;
}

int type_vector_in(type_oid_t elem, const char *p, size_t len, mem_arena_t *a, value_t *v, err_t *err)
{
    int n = 0;
    for (size_t i = 0; i < len;) {
        while (i < len && isspace((unsigned char)p[i]))
            i++;
        if (i >= len)
            break;
        n++;
        while (i < len && !isspace((unsigned char)p[i]))
            i++;
    }
    type_array_t *arr = type_array_new(a, elem, n);
    arr->lbound = 0; /* int2vector/oidvector subscripts start at 0 */
    int k = 0;
    for (size_t i = 0; i < len;) {
        while (i < len && isspace((unsigned char)p[i]))
            i++;
        if (i >= len)
            break;
        size_t st = i;
        while (i < len && !isspace((unsigned char)p[i]))
            i++;
        if (type_in_text(elem, -1, p + st, i - st, a, &arr->vals[k++], err) < 0)
            return -1;
    }
    v->u.arr = arr;
    v->isnull = false;
    return 0;
}

void type_vector_out(const type_array_t *arr, buf_t *out)
{
    for (int i = 0; i < arr->n; i++) {
        if (i)
            buf_putc(out, ' ');
        buf_printf(out, "%lld", (long long)arr->vals[i].u.i);
    }
}
