/*
 * func_str.c - built-in string, math and date/time functions.
 *
 * Strings are UTF-8; functions that count characters (length, substr, left,
 * lpad ...) count code points as PostgreSQL does in a UTF8 database. Case
 * mapping (lower/upper/initcap) covers ASCII only, as in the C locale.
 */
#include "func_int.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "types/array.h"
#include "types/datetime.h"
#include "types/numeric.h"
#include "types/tz.h"
#include "types/value.h"

void exec__set_text(exec_fctx_t *fc, value_t *out, const char *p, size_t n)
{
    out->u.s.p = n ? mem_amemdup(fc->arena, p, n) : "";
    out->u.s.len = (uint32_t)n;
}

/* char_off - byte offset of character index ci (0-based) in s, or n. */
static size_t char_off(const char *s, size_t n, int64_t ci)
{
    size_t i = 0;
    int64_t c = 0;
    while (i < n && c < ci) {
        i++;
        while (i < n && ((unsigned char)s[i] & 0xC0) == 0x80)
            i++;
        c++;
    }
    return i;
}

static int64_t char_count(const char *s, size_t n)
{
    int64_t c = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            c++;
    return c;
}

#define STR(v) (v).u.s.p, (v).u.s.len

static int f_length(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    size_t n = a[0].u.s.len;
    if (fc->expr->args[0]->type == TYPE_BPCHAR)
        while (n > 0 && a[0].u.s.p[n - 1] == ' ')
            n--;
    o->u.i = char_count(a[0].u.s.p, n);
    return 0;
}

static int f_octet_length(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    (void)fc;
    o->u.i = a[0].u.s.len;
    return 0;
}

static int f_lower(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    char *p = mem_alloc(fc->arena, a[0].u.s.len + 1);
    for (uint32_t i = 0; i < a[0].u.s.len; i++)
        p[i] = (char)tolower((unsigned char)a[0].u.s.p[i]);
    o->u.s.p = p;
    o->u.s.len = a[0].u.s.len;
    return 0;
}

static int f_upper(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    char *p = mem_alloc(fc->arena, a[0].u.s.len + 1);
    for (uint32_t i = 0; i < a[0].u.s.len; i++)
        p[i] = (char)toupper((unsigned char)a[0].u.s.p[i]);
    o->u.s.p = p;
    o->u.s.len = a[0].u.s.len;
    return 0;
}

static int f_initcap(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    char *p = mem_alloc(fc->arena, a[0].u.s.len + 1);
    bool word = false;
    for (uint32_t i = 0; i < a[0].u.s.len; i++) {
        unsigned char c = (unsigned char)a[0].u.s.p[i];
        p[i] = (char)(word ? tolower(c) : toupper(c));
        word = isalnum(c) || c >= 0x80;
    }
    o->u.s.p = p;
    o->u.s.len = a[0].u.s.len;
    return 0;
}

/* substr(s, start[, count]) with PostgreSQL's 1-based, clamped semantics. */
static int substr_impl(exec_fctx_t *fc, const value_t *a, bool has_len, value_t *o)
{
    int64_t start = a[1].u.i, len = has_len ? a[2].u.i : INT64_MAX;
    if (has_len && len < 0)
        return err_set(fc->err, ERRCODE_SUBSTRING_ERROR, "negative substring length not allowed");
    int64_t s0 = start - 1, e0;
    if (has_len)
        e0 = (s0 > INT64_MAX - len) ? INT64_MAX : s0 + len;
    else
        e0 = INT64_MAX;
    if (s0 < 0)
        s0 = 0;
    if (e0 <= s0) {
        o->u.s.p = "";
        o->u.s.len = 0;
        return 0;
    }
    size_t b0 = char_off(STR(a[0]), s0);
    size_t b1 = e0 == INT64_MAX ? a[0].u.s.len : char_off(STR(a[0]), e0);
    o->u.s.p = a[0].u.s.p + b0;
    o->u.s.len = (uint32_t)(b1 - b0);
    return 0;
}

static int f_substr2(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    return substr_impl(fc, a, false, o);
}
static int f_substr3(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    return substr_impl(fc, a, true, o);
}

/* overlay(s PLACING r FROM start [FOR count]): s's characters before start,
 * r, then s after start + count (count defaults to r's length). */
static int overlay_impl(exec_fctx_t *fc, const value_t *a, int64_t count, value_t *o)
{
    int64_t start = a[2].u.i;
    if (start <= 0 || count < 0)
        return err_set(fc->err, ERRCODE_SUBSTRING_ERROR, "negative substring length not allowed");
    size_t b0 = char_off(STR(a[0]), start - 1);
    size_t b1 = count > INT64_MAX - start ? a[0].u.s.len : char_off(STR(a[0]), start - 1 + count);
    size_t n = b0 + a[1].u.s.len + (a[0].u.s.len - b1);
    char *p = mem_alloc(fc->arena, n + 1);
    memcpy(p, a[0].u.s.p, b0);
    memcpy(p + b0, a[1].u.s.p, a[1].u.s.len);
    memcpy(p + b0 + a[1].u.s.len, a[0].u.s.p + b1, a[0].u.s.len - b1);
    o->u.s.p = p;
    o->u.s.len = (uint32_t)n;
    return 0;
}

static int f_overlay3(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    return overlay_impl(fc, a, char_count(STR(a[1])), o);
}

static int f_overlay4(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    return overlay_impl(fc, a, a[3].u.i, o);
}

static int f_strpos(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    (void)fc;
    const char *s = a[0].u.s.p, *t = a[1].u.s.p;
    size_t sn = a[0].u.s.len, tn = a[1].u.s.len;
    o->u.i = 0;
    if (tn == 0) {
        o->u.i = 1;
        return 0;
    }
    for (size_t i = 0; i + tn <= sn; i++)
        if (memcmp(s + i, t, tn) == 0) {
            o->u.i = char_count(s, i) + 1;
            break;
        }
    return 0;
}

/* trim helpers: mode 0 both, 1 leading, 2 trailing; chars default " ". */
static int trim_impl(exec_fctx_t *fc, const value_t *a, int nargs, int mode, value_t *o)
{
    (void)fc;
    const char *set = nargs > 1 ? a[1].u.s.p : " ";
    size_t setn = nargs > 1 ? a[1].u.s.len : 1;
    const char *s = a[0].u.s.p;
    size_t b = 0, e = a[0].u.s.len;
    if (mode != 2)
        while (b < e && memchr(set, s[b], setn))
            b++;
    if (mode != 1)
        while (e > b && memchr(set, s[e - 1], setn))
            e--;
    o->u.s.p = s + b;
    o->u.s.len = (uint32_t)(e - b);
    return 0;
}

static int f_btrim1(exec_fctx_t *fc, const value_t *a, value_t *o) { return trim_impl(fc, a, 1, 0, o); }
static int f_btrim2(exec_fctx_t *fc, const value_t *a, value_t *o) { return trim_impl(fc, a, 2, 0, o); }
static int f_ltrim1(exec_fctx_t *fc, const value_t *a, value_t *o) { return trim_impl(fc, a, 1, 1, o); }
static int f_ltrim2(exec_fctx_t *fc, const value_t *a, value_t *o) { return trim_impl(fc, a, 2, 1, o); }
static int f_rtrim1(exec_fctx_t *fc, const value_t *a, value_t *o) { return trim_impl(fc, a, 1, 2, o); }
static int f_rtrim2(exec_fctx_t *fc, const value_t *a, value_t *o) { return trim_impl(fc, a, 2, 2, o); }

static int f_replace(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    const char *s = a[0].u.s.p, *f = a[1].u.s.p, *r = a[2].u.s.p;
    size_t sn = a[0].u.s.len, fn = a[1].u.s.len, rn = a[2].u.s.len;
    if (fn == 0) {
        o->u.s = a[0].u.s;
        return 0;
    }
    buf_t b = BUF_INIT;
    size_t i = 0;
    while (i < sn) {
        if (i + fn <= sn && memcmp(s + i, f, fn) == 0) {
            buf_append(&b, r, rn);
            i += fn;
        } else {
            buf_putc(&b, s[i++]);
        }
    }
    exec__set_text(fc, o, b.data, b.len);
    buf_free(&b);
    return 0;
}

static int f_left(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    (void)fc;
    int64_t n = a[1].u.i, total = char_count(STR(a[0]));
    int64_t k = n >= 0 ? n : total + n;
    if (k < 0)
        k = 0;
    o->u.s.p = a[0].u.s.p;
    o->u.s.len = (uint32_t)char_off(STR(a[0]), k);
    return 0;
}

static int f_right(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    (void)fc;
    int64_t n = a[1].u.i, total = char_count(STR(a[0]));
    int64_t skip = n >= 0 ? total - n : -n;
    if (skip < 0)
        skip = 0;
    size_t b = char_off(STR(a[0]), skip);
    o->u.s.p = a[0].u.s.p + b;
    o->u.s.len = (uint32_t)(a[0].u.s.len - b);
    return 0;
}

static int f_repeat(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    int64_t n = a[1].u.i;
    if (n <= 0 || a[0].u.s.len == 0) {
        o->u.s.p = "";
        o->u.s.len = 0;
        return 0;
    }
    if ((uint64_t)n * a[0].u.s.len > (1u << 30))
        return err_set(fc->err, ERRCODE_PROGRAM_LIMIT_EXCEEDED, "requested length too large");
    size_t len = (size_t)n * a[0].u.s.len;
    char *p = mem_alloc_try(fc->arena, len + 1);
    if (!p)
        return err_set(fc->err, ERRCODE_OUT_OF_MEMORY, "out of memory");
    for (int64_t i = 0; i < n; i++)
        memcpy(p + (size_t)i * a[0].u.s.len, a[0].u.s.p, a[0].u.s.len);
    o->u.s.p = p;
    o->u.s.len = (uint32_t)len;
    return 0;
}

static int f_reverse(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    size_t n = a[0].u.s.len;
    char *p = mem_alloc(fc->arena, n + 1);
    size_t i = 0;
    while (i < n) {
        size_t k = i + 1;
        while (k < n && ((unsigned char)a[0].u.s.p[k] & 0xC0) == 0x80)
            k++;
        memcpy(p + n - k, a[0].u.s.p + i, k - i);
        i = k;
    }
    o->u.s.p = p;
    o->u.s.len = (uint32_t)n;
    return 0;
}

static int pad_impl(exec_fctx_t *fc, const value_t *a, int nargs, bool left, value_t *o)
{
    int64_t len = a[1].u.i;
    const char *fill = nargs > 2 ? a[2].u.s.p : " ";
    size_t filln = nargs > 2 ? a[2].u.s.len : 1;
    if (len < 0)
        len = 0;
    if (len > (1 << 28))
        return err_set(fc->err, ERRCODE_PROGRAM_LIMIT_EXCEEDED, "requested length too large");
    int64_t have = char_count(STR(a[0]));
    if (have >= len) {
        o->u.s.p = a[0].u.s.p;
        o->u.s.len = (uint32_t)char_off(STR(a[0]), len);
        return 0;
    }
    if (filln == 0) {
        o->u.s = a[0].u.s;
        return 0;
    }
    buf_t b = BUF_INIT;
    if (!left)
        buf_append(&b, STR(a[0]));
    int64_t need = len - have;
    size_t fi = 0;
    for (int64_t k = 0; k < need; k++) {
        size_t e = fi + 1;
        while (e < filln && ((unsigned char)fill[e] & 0xC0) == 0x80)
            e++;
        buf_append(&b, fill + fi, e - fi);
        fi = e >= filln ? 0 : e;
    }
    if (left)
        buf_append(&b, STR(a[0]));
    exec__set_text(fc, o, b.data, b.len);
    buf_free(&b);
    return 0;
}

static int f_lpad2(exec_fctx_t *fc, const value_t *a, value_t *o) { return pad_impl(fc, a, 2, true, o); }
static int f_lpad3(exec_fctx_t *fc, const value_t *a, value_t *o) { return pad_impl(fc, a, 3, true, o); }
static int f_rpad2(exec_fctx_t *fc, const value_t *a, value_t *o) { return pad_impl(fc, a, 2, false, o); }
static int f_rpad3(exec_fctx_t *fc, const value_t *a, value_t *o) { return pad_impl(fc, a, 3, false, o); }

static int f_split_part(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    int64_t field = a[2].u.i;
    if (field == 0)
        return err_set(fc->err, ERRCODE_INVALID_PARAMETER_VALUE, "field position must not be zero");
    const char *s = a[0].u.s.p, *d = a[1].u.s.p;
    size_t sn = a[0].u.s.len, dn = a[1].u.s.len;
    /* split into fields */
    size_t starts[4096], ends[4096];
    int nf = 0;
    if (dn == 0) {
        starts[0] = 0;
        ends[0] = sn;
        nf = 1;
    } else {
        size_t st = 0, i = 0;
        while (i + dn <= sn && nf < 4095) {
            if (memcmp(s + i, d, dn) == 0) {
                starts[nf] = st;
                ends[nf++] = i;
                i += dn;
                st = i;
            } else {
                i++;
            }
        }
        starts[nf] = st;
        ends[nf++] = sn;
    }
    if (sn == 0)
        nf = 0;
    int64_t idx = field > 0 ? field - 1 : nf + field;
    if (idx < 0 || idx >= nf) {
        o->u.s.p = "";
        o->u.s.len = 0;
        return 0;
    }
    o->u.s.p = s + starts[idx];
    o->u.s.len = (uint32_t)(ends[idx] - starts[idx]);
    return 0;
}

/* concat / concat_ws: variadic "any"; NULLs are skipped. Called non-strict. */
static void append_any(exec_fctx_t *fc, int i, const value_t *v, buf_t *b)
{
    type_oid_t t = fc->expr->args[i]->type;
    if (exec_type_category(t) == 'S' && t != TYPE_BPCHAR)
        buf_append(b, v->u.s.p, v->u.s.len);
    else
        type_out_text(t, fc->expr->args[i]->typmod, v, 1, b);
}

static int f_concat(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    buf_t b = BUF_INIT;
    for (int i = 0; i < fc->nargs; i++)
        if (!a[i].isnull)
            append_any(fc, i, &a[i], &b);
    exec__set_text(fc, o, b.data, b.len);
    buf_free(&b);
    return 0;
}

/* json_put - v (argument i) as a JSON value, the way PostgreSQL's
 * json_build_object writes it: numbers and booleans bare, NULL as null,
 * everything else a string. */
static void json_put(exec_fctx_t *fc, int i, const value_t *v, buf_t *b)
{
    type_oid_t t = fc->expr->args[i]->type;
    if (v->isnull) {
        buf_puts(b, "null");
        return;
    }
    char cat = exec_type_category(t);
    if (t == TYPE_BOOL) {
        buf_puts(b, v->u.i ? "true" : "false");
        return;
    }
    buf_t tmp = BUF_INIT;
    append_any(fc, i, v, &tmp);
    if (cat == 'N' || t == TYPE_JSON) {
        buf_append(b, tmp.data, tmp.len);
    } else {
        buf_putc(b, '"');
        for (size_t k = 0; k < tmp.len; k++) {
            unsigned char c = (unsigned char)tmp.data[k];
            switch (c) {
            case '"': buf_puts(b, "\\\""); break;
            case '\\': buf_puts(b, "\\\\"); break;
            case '\n': buf_puts(b, "\\n"); break;
            case '\r': buf_puts(b, "\\r"); break;
            case '\t': buf_puts(b, "\\t"); break;
            case '\b': buf_puts(b, "\\b"); break;
            case '\f': buf_puts(b, "\\f"); break;
            default:
                if (c < 0x20)
                    buf_printf(b, "\\u%04x", c);
                else
                    buf_putc(b, (char)c);
            }
        }
        buf_putc(b, '"');
    }
    buf_free(&tmp);
}

static int f_json_build_object(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    if (fc->nargs % 2)
        return err_set(fc->err, ERRCODE_INVALID_PARAMETER_VALUE, "argument list must have even number of elements");
    buf_t b = BUF_INIT;
    buf_putc(&b, '{');
    for (int i = 0; i < fc->nargs; i += 2) {
        if (a[i].isnull) {
            buf_free(&b);
            return err_set(fc->err, ERRCODE_INVALID_PARAMETER_VALUE, "null value not allowed for object key");
        }
        if (i)
            buf_puts(&b, ", ");
        value_t k = a[i];
        buf_t key = BUF_INIT;
        append_any(fc, i, &k, &key);
        value_t kv = value_text(key.data ? key.data : "", key.len);
        /* keys are always strings */
        buf_putc(&b, '"');
        buf_append(&b, kv.u.s.p, kv.u.s.len);
        buf_putc(&b, '"');
        buf_free(&key);
        buf_puts(&b, " : ");
        json_put(fc, i + 1, &a[i + 1], &b);
    }
    buf_putc(&b, '}');
    exec__set_text(fc, o, b.data, b.len);
    buf_free(&b);
    return 0;
}

static int f_concat_ws(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    if (a[0].isnull) {
        o->isnull = true;
        return 0;
    }
    buf_t b = BUF_INIT;
    bool first = true;
    for (int i = 1; i < fc->nargs; i++) {
        if (a[i].isnull)
            continue;
        if (!first)
            buf_append(&b, a[0].u.s.p, a[0].u.s.len);
        append_any(fc, i, &a[i], &b);
        first = false;
    }
    exec__set_text(fc, o, b.data, b.len);
    buf_free(&b);
    return 0;
}

static int f_ascii(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    (void)fc;
    const unsigned char *s = (const unsigned char *)a[0].u.s.p;
    size_t n = a[0].u.s.len;
    if (n == 0) {
        o->u.i = 0;
        return 0;
    }
    uint32_t cp = s[0];
    int extra = 0;
    if (cp >= 0xF0) { cp &= 0x07; extra = 3; }
    else if (cp >= 0xE0) { cp &= 0x0F; extra = 2; }
    else if (cp >= 0xC0) { cp &= 0x1F; extra = 1; }
    for (int k = 1; k <= extra && (size_t)k < n; k++)
        cp = (cp << 6) | (s[k] & 0x3F);
    o->u.i = cp;
    return 0;
}

static int f_chr(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    int64_t cp = a[0].u.i;
    if (cp == 0)
        return err_set(fc->err, ERRCODE_PROGRAM_LIMIT_EXCEEDED, "null character not permitted");
    if (cp < 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return err_set(fc->err, ERRCODE_PROGRAM_LIMIT_EXCEEDED, "requested character too large for encoding: %lld",
                       (long long)cp);
    char tmp[4];
    size_t n;
    if (cp < 0x80) { tmp[0] = (char)cp; n = 1; }
    else if (cp < 0x800) { tmp[0] = (char)(0xC0 | (cp >> 6)); tmp[1] = (char)(0x80 | (cp & 0x3F)); n = 2; }
    else if (cp < 0x10000) {
        tmp[0] = (char)(0xE0 | (cp >> 12)); tmp[1] = (char)(0x80 | ((cp >> 6) & 0x3F)); tmp[2] = (char)(0x80 | (cp & 0x3F)); n = 3;
    } else {
        tmp[0] = (char)(0xF0 | (cp >> 18)); tmp[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        tmp[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); tmp[3] = (char)(0x80 | (cp & 0x3F)); n = 4;
    }
    exec__set_text(fc, o, tmp, n);
    return 0;
}

static int f_starts_with(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    (void)fc;
    o->u.i = a[1].u.s.len <= a[0].u.s.len && memcmp(a[0].u.s.p, a[1].u.s.p, a[1].u.s.len) == 0;
    return 0;
}

static int f_translate(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    /* ASCII-level translate; multibyte characters pass through unless matched bytewise */
    buf_t b = BUF_INIT;
    for (uint32_t i = 0; i < a[0].u.s.len; i++) {
        char c = a[0].u.s.p[i];
        const char *hit = memchr(a[1].u.s.p, c, a[1].u.s.len);
        if (!hit) {
            buf_putc(&b, c);
            continue;
        }
        size_t k = (size_t)(hit - a[1].u.s.p);
        if (k < a[2].u.s.len)
            buf_putc(&b, a[2].u.s.p[k]);
    }
    exec__set_text(fc, o, b.data, b.len);
    buf_free(&b);
    return 0;
}

static int f_to_hex(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof tmp, "%llx",
                     fc->expr->args[0]->type == TYPE_INT4 ? (unsigned long long)(uint32_t)a[0].u.i
                                                           : (unsigned long long)a[0].u.i);
    exec__set_text(fc, o, tmp, (size_t)n);
    return 0;
}

static bool ident_needs_quote(const char *s, size_t n)
{
    if (n == 0 || !(islower((unsigned char)s[0]) || s[0] == '_'))
        return true;
    for (size_t i = 0; i < n; i++)
        if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '_' || s[i] == '$'))
            return true;
    return false; /* keywords are not checked: PostgreSQL quotes reserved words too */
}

static int f_quote_ident(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    if (!ident_needs_quote(STR(a[0]))) {
        o->u.s = a[0].u.s;
        return 0;
    }
    buf_t b = BUF_INIT;
    buf_putc(&b, '"');
    for (uint32_t i = 0; i < a[0].u.s.len; i++) {
        if (a[0].u.s.p[i] == '"')
            buf_putc(&b, '"');
        buf_putc(&b, a[0].u.s.p[i]);
    }
    buf_putc(&b, '"');
    exec__set_text(fc, o, b.data, b.len);
    buf_free(&b);
    return 0;
}

static int f_quote_literal(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    buf_t b = BUF_INIT, t = BUF_INIT;
    type_oid_t ty = fc->expr->args[0]->type;
    const char *s = a[0].u.s.p;
    size_t n = a[0].u.s.len;
    if (exec_type_category(ty) != 'S') {
        type_out_text(ty, -1, &a[0], 1, &t);
        s = t.data;
        n = t.len;
    }
    bool bs = memchr(s, '\\', n) != NULL;
    if (bs)
        buf_putc(&b, 'E');
    buf_putc(&b, '\'');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\'' || s[i] == '\\')
            buf_putc(&b, s[i]);
        buf_putc(&b, s[i]);
    }
    buf_putc(&b, '\'');
    exec__set_text(fc, o, b.data, b.len);
    buf_free(&b);
    buf_free(&t);
    return 0;
}

/* md5 - RFC 1321, small and self-contained (PostgreSQL's md5(text)). */
static void md5_hex(const unsigned char *msg, size_t len, char out[33])
{
    static const uint32_t K[64] = {
        0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
        0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
        0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
        0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
        0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
        0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
        0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
        0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391 };
    static const int R[64] = { 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9,
                               14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                               4, 11, 16, 23, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21 };
    uint32_t h[4] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476 };
    size_t total = ((len + 8) / 64 + 1) * 64;
    buf_t b = BUF_INIT;
    buf_append(&b, msg, len);
    buf_putc(&b, (char)0x80);
    while (b.len < total - 8)
        buf_putc(&b, 0);
    uint64_t bits = (uint64_t)len * 8;
    for (int i = 0; i < 8; i++)
        buf_putc(&b, (char)(bits >> (8 * i)));
    const unsigned char *m = (const unsigned char *)b.data;
    for (size_t off = 0; off < total; off += 64) {
        uint32_t w[16];
        for (int i = 0; i < 16; i++)
            w[i] = (uint32_t)m[off + 4 * i] | (uint32_t)m[off + 4 * i + 1] << 8 | (uint32_t)m[off + 4 * i + 2] << 16 |
                   (uint32_t)m[off + 4 * i + 3] << 24;
        uint32_t A = h[0], B = h[1], C = h[2], D = h[3];
        for (int i = 0; i < 64; i++) {
            uint32_t F;
            int g;
            if (i < 16) { F = (B & C) | (~B & D); g = i; }
            else if (i < 32) { F = (D & B) | (~D & C); g = (5 * i + 1) % 16; }
            else if (i < 48) { F = B ^ C ^ D; g = (3 * i + 5) % 16; }
            else { F = C ^ (B | ~D); g = (7 * i) % 16; }
            uint32_t tmp = D;
            D = C;
            C = B;
            uint32_t x = A + F + K[i] + w[g];
            B = B + ((x << R[i]) | (x >> (32 - R[i])));
            A = tmp;
        }
        h[0] += A; h[1] += B; h[2] += C; h[3] += D;
    }
    buf_free(&b);
    for (int i = 0; i < 4; i++)
        for (int k = 0; k < 4; k++)
            snprintf(out + i * 8 + k * 2, 3, "%02x", (h[i] >> (8 * k)) & 0xff);
}

static int f_md5(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    char hex[33];
    md5_hex((const unsigned char *)a[0].u.s.p, a[0].u.s.len, hex);
    exec__set_text(fc, o, hex, 32);
    return 0;
}

/* ---- math ---- */

static int f_num_round1(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    o->u.num = numeric_round(fc->arena, a[0].u.num, 0);
    return 0;
}
static int f_num_round2(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    o->u.num = numeric_round(fc->arena, a[0].u.num, (int)a[1].u.i);
    return 0;
}
static int f_num_trunc1(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    o->u.num = numeric_trunc(fc->arena, a[0].u.num, 0);
    return 0;
}
static int f_num_trunc2(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    o->u.num = numeric_trunc(fc->arena, a[0].u.num, (int)a[1].u.i);
    return 0;
}
static int f_num_floor(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    o->u.num = numeric_floor(fc->arena, a[0].u.num);
    return 0;
}
static int f_num_ceil(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    o->u.num = numeric_ceil(fc->arena, a[0].u.num);
    return 0;
}
static int f_num_sign(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    o->u.num = numeric_from_int64(fc->arena, numeric_sign(a[0].u.num));
    return 0;
}
static int f_flt_round(exec_fctx_t *fc, const value_t *a, value_t *o) { (void)fc; o->u.f = rint(a[0].u.f); return 0; }
static int f_flt_trunc(exec_fctx_t *fc, const value_t *a, value_t *o) { (void)fc; o->u.f = trunc(a[0].u.f); return 0; }
static int f_flt_floor(exec_fctx_t *fc, const value_t *a, value_t *o) { (void)fc; o->u.f = floor(a[0].u.f); return 0; }
static int f_flt_ceil(exec_fctx_t *fc, const value_t *a, value_t *o) { (void)fc; o->u.f = ceil(a[0].u.f); return 0; }
static int f_flt_sign(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    (void)fc;
    o->u.f = a[0].u.f > 0 ? 1 : a[0].u.f < 0 ? -1 : 0;
    return 0;
}
static int f_sqrt(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    if (a[0].u.f < 0)
        return err_set(fc->err, ERRCODE_INVALID_ARGUMENT_FOR_POWER_FUNCTION, "cannot take square root of a negative number");
    o->u.f = sqrt(a[0].u.f);
    return 0;
}
static int f_cbrt(exec_fctx_t *fc, const value_t *a, value_t *o) { (void)fc; o->u.f = cbrt(a[0].u.f); return 0; }
static int f_exp(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    double r = exp(a[0].u.f);
    if (isinf(r) && !isinf(a[0].u.f))
        return err_set(fc->err, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, "value out of range: overflow");
    o->u.f = r;
    return 0;
}
static int f_ln(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    if (a[0].u.f == 0)
        return err_set(fc->err, ERRCODE_INVALID_ARGUMENT_FOR_LOG, "cannot take logarithm of zero");
    if (a[0].u.f < 0)
        return err_set(fc->err, ERRCODE_INVALID_ARGUMENT_FOR_LOG, "cannot take logarithm of a negative number");
    o->u.f = log(a[0].u.f);
    return 0;
}
static int f_log10(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    if (f_ln(fc, a, o) < 0)
        return -1;
    o->u.f = log10(a[0].u.f);
    return 0;
}
static int f_power(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    double x = a[0].u.f, y = a[1].u.f;
    if (x == 0 && y < 0)
        return err_set(fc->err, ERRCODE_INVALID_ARGUMENT_FOR_POWER_FUNCTION,
                       "zero raised to a negative power is undefined");
    if (x < 0 && floor(y) != y)
        return err_set(fc->err, ERRCODE_INVALID_ARGUMENT_FOR_POWER_FUNCTION,
                       "a negative number raised to a non-integer power yields a complex result");
    double r = pow(x, y);
    if (isinf(r) && !isinf(x) && !isinf(y))
        return err_set(fc->err, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, "value out of range: overflow");
    o->u.f = r;
    return 0;
}
/* num_ln - ln(x) for x > 0 at ws digits after the point: square roots bring
 * x near 1 (each doubles the factor 2^k), then 2 atanh((x-1)/(x+1)). */
static int num_ln(exec_fctx_t *fc, const type_numeric_t *x, int ws, const type_numeric_t **out)
{
    mem_arena_t *a = fc->arena;
    const type_numeric_t *lo = NULL, *hi = NULL, *one = numeric_from_int64(a, 1);
    if (numeric_in("0.9", 3, a, &lo, fc->err) < 0 || numeric_in("1.1", 3, a, &hi, fc->err) < 0)
        return -1;
    int k = 0;
    while (numeric_cmp(x, lo) < 0 || numeric_cmp(x, hi) > 0) {
        if (numeric_sqrt(a, x, ws, &x, fc->err) < 0)
            return -1;
        k++;
    }
    const type_numeric_t *num, *den, *z, *z2, *sum, *term;
    if (numeric_sub(a, x, one, &num, fc->err) < 0 || numeric_add(a, x, one, &den, fc->err) < 0 ||
        numeric_div(a, num, den, ws, &z, fc->err) < 0 || numeric_mul(a, z, z, &z2, fc->err) < 0)
        return -1;
    z2 = numeric_round(a, z2, ws);
    sum = z;
    term = z;
    for (int64_t i = 3; numeric_sign(term) != 0; i += 2) {
        const type_numeric_t *q;
        if (numeric_mul(a, term, z2, &term, fc->err) < 0)
            return -1;
        term = numeric_round(a, term, ws);
        if (numeric_div(a, term, numeric_from_int64(a, i), ws, &q, fc->err) < 0)
            return -1;
        if (numeric_sign(q) == 0)
            break;
        if (numeric_add(a, sum, q, &sum, fc->err) < 0)
            return -1;
    }
    return numeric_mul(a, sum, numeric_from_int64(a, (int64_t)2 << k), out, fc->err);
}

/* num_exp - e^v at ws digits: v halved below 0.5, the Taylor series, then
 * squared back; a negative v is 1 / e^-v. */
static int num_exp(exec_fctx_t *fc, const type_numeric_t *v, int ws, const type_numeric_t **out)
{
    mem_arena_t *a = fc->arena;
    bool neg = numeric_sign(v) < 0;
    if (neg)
        v = numeric_neg(a, v);
    const type_numeric_t *half = NULL, *two = numeric_from_int64(a, 2);
    if (numeric_in("0.5", 3, a, &half, fc->err) < 0)
        return -1;
    int k = 0;
    while (numeric_cmp(v, half) > 0) {
        if (numeric_div(a, v, two, ws + 4, &v, fc->err) < 0)
            return -1;
        k++;
    }
    int w = ws + k + 4;
    const type_numeric_t *sum = numeric_from_int64(a, 1), *term = sum;
    for (int64_t i = 1;; i++) {
        if (numeric_mul(a, term, v, &term, fc->err) < 0 ||
            numeric_div(a, term, numeric_from_int64(a, i), w, &term, fc->err) < 0)
            return -1;
        if (numeric_sign(term) == 0)
            break;
        if (numeric_add(a, sum, term, &sum, fc->err) < 0)
            return -1;
    }
    for (int i = 0; i < k; i++) {
        if (numeric_mul(a, sum, sum, &sum, fc->err) < 0)
            return -1;
        sum = numeric_round(a, sum, w);
    }
    if (neg)
        return numeric_div(a, numeric_from_int64(a, 1), sum, ws, out, fc->err);
    *out = sum;
    return 0;
}

/* numeric ^ numeric, as PostgreSQL's power_var: an integral exponent is
 * exact (repeated squaring, intermediates rounded well past the result
 * scale) with scale max(16, scale of the base); other exponents are
 * exp(y ln x) in numeric at scale 16 - (decimal weight of the result). */
static int f_num_power(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    const type_numeric_t *x = a[0].u.num, *y = a[1].u.num;
    if (numeric_is_special(x) || numeric_is_special(y)) {
        o->u.num = numeric_from_double(fc->arena, pow(numeric_to_double(x), numeric_to_double(y)), 15);
        return 0;
    }
    int sx = numeric_sign(x), sy = numeric_sign(y);
    if (sx == 0 && sy < 0)
        return err_set(fc->err, ERRCODE_INVALID_ARGUMENT_FOR_POWER_FUNCTION,
                       "zero raised to a negative power is undefined");
    if (sx < 0 && !numeric_is_integral(y))
        return err_set(fc->err, ERRCODE_INVALID_ARGUMENT_FOR_POWER_FUNCTION,
                       "a negative number raised to a non-integer power yields a complex result");
    double lx = sx == 0 ? 0 : log10(fabs(numeric_to_double(x)));
    double val = numeric_to_double(y) * lx; /* the result's decimal weight, roughly */
    if (sx != 0 && val > 131072)
        return err_set(fc->err, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, "value overflows numeric format");
    int64_t e;
    if (numeric_is_integral(y) && numeric_to_int64(y, &e) == 0 && e >= INT32_MIN && e <= INT32_MAX) {
        int rscale = x->dscale > 16 ? x->dscale : 16;
        if (rscale > NUMERIC_MAX_DISPLAY_SCALE)
            rscale = NUMERIC_MAX_DISPLAY_SCALE;
        if (sx != 0 && val < -(double)rscale - 2) {
            o->u.num = numeric_round(fc->arena, numeric_from_int64(fc->arena, 0), rscale);
            return 0;
        }
        int guard = rscale + 2 * 4 + (int)(lx > 0 ? lx * 0 : -lx * (double)(e < 0 ? -e : e)) + 8;
        const type_numeric_t *r = numeric_from_int64(fc->arena, 1), *b = x;
        uint64_t n = e < 0 ? (uint64_t)(-(e + 1)) + 1 : (uint64_t)e;
        while (n > 0) {
            if ((n & 1) && numeric_mul(fc->arena, r, b, &r, fc->err) < 0)
                return -1;
            n >>= 1;
            if (n && numeric_mul(fc->arena, b, b, &b, fc->err) < 0)
                return -1;
            r = numeric_round(fc->arena, r, guard);
            b = numeric_round(fc->arena, b, guard);
        }
        if (e < 0)
            return numeric_div(fc->arena, numeric_from_int64(fc->arena, 1), r, rscale, &o->u.num, fc->err);
        o->u.num = numeric_round(fc->arena, r, rscale);
        return 0;
    }
    int rscale = 16 - (int)val;
    if (rscale < x->dscale)
        rscale = x->dscale;
    if (rscale < y->dscale)
        rscale = y->dscale;
    if (rscale < 0)
        rscale = 0;
    if (rscale > NUMERIC_MAX_DISPLAY_SCALE)
        rscale = NUMERIC_MAX_DISPLAY_SCALE;
    if (sx == 0 || val < -(double)rscale - 2) {
        /* zero, or a result below the last digit shown */
        o->u.num = numeric_round(fc->arena, numeric_from_int64(fc->arena, 0), rscale);
        return 0;
    }
    /* exp(y * ln(x)) in numeric, with digits to spare for the reductions */
    int ws = rscale + (val > 0 ? (int)val : 0) + 30;
    const type_numeric_t *l, *t;
    if (num_ln(fc, x, ws, &l) < 0 || numeric_mul(fc->arena, l, y, &t, fc->err) < 0 ||
        num_exp(fc, numeric_round(fc->arena, t, ws), ws, &t) < 0)
        return -1;
    o->u.num = numeric_round(fc->arena, t, rscale);
    return 0;
}

static int f_pi(exec_fctx_t *fc, const value_t *a, value_t *o) { (void)fc; (void)a; o->u.f = M_PI; return 0; }

static uint64_t rng_state = 0x853c49e6748fea9bULL;
static int f_random(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    (void)fc;
    (void)a;
    /* xorshift64*: per-process stream; statistical quality is enough for random() */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    o->u.f = (double)((rng_state * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
    return 0;
}

/* ---- date/time functions ---- */

static int part_code(const char *p, size_t n)
{
    static const char *names[] = { "year", "month", "day", "hour", "minute", "second", "dow", "doy", "epoch",
                                   "quarter", "week", "isodow", "decade", "century", "millennium", "milliseconds",
                                   "microseconds", "isoyear", "years", "months", "days", "hours", "minutes",
                                   "seconds", "mon", "mons", "min", "mins", "sec", "secs", "timezone",
                                   "timezone_hour", "timezone_minute" };
    static const int codes[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 0, 1, 2, 3, 4,
                                 5, 1, 1, 4, 4, 5, 5, 18, 19, 20 };
    char tmp[32];
    if (n >= sizeof tmp)
        return -1;
    for (size_t i = 0; i < n; i++)
        tmp[i] = (char)tolower((unsigned char)p[i]);
    tmp[n] = '\0';
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(names[i], tmp) == 0)
            return codes[i];
    return -1;
}

static int iso_week(int y, int m, int d, int *isoyear)
{
    int jd = dt_date2j(y, m, d);
    int dow = (jd + 1) % 7; /* 0 = Sunday */
    int isodow = dow == 0 ? 7 : dow;
    int thursday = jd - isodow + 4;
    int ty, tm, td;
    dt_j2date(thursday, &ty, &tm, &td);
    int jan1 = dt_date2j(ty, 1, 1);
    if (isoyear)
        *isoyear = ty;
    return (thursday - jan1) / 7 + 1;
}

/* ts_part - one field of a timestamp as a double (date_part semantics); a
 * timestamptz's fields are those of its local time in the session zone. */
static int ts_part(exec_fctx_t *fc, int code, int64_t ts, const char *pn, size_t pl, double *out)
{
    dt_fields_t f;
    int64_t utc = ts;
    int off = 0;
    bool tz = fc->expr->args[1]->type == TYPE_TIMESTAMPTZ;
    if (tz) {
        off = dt_zone_offset(dt_zone_current(), ts, NULL);
        ts += (int64_t)off * DT_USECS_PER_SEC;
    }
    dt_ts_split(ts, &f);
    int jd = dt_date2j(f.year, f.month, f.day);
    switch (code) {
    case 0: *out = f.year > 0 ? f.year : f.year - 1; return 0;
    case 1: *out = f.month; return 0;
    case 2: *out = f.day; return 0;
    case 3: *out = f.hour; return 0;
    case 4: *out = f.minute; return 0;
    case 5: *out = f.second + f.usec / 1e6; return 0;
    case 6: *out = (jd + 1) % 7; return 0;
    case 7: *out = jd - dt_date2j(f.year, 1, 1) + 1; return 0;
    case 8: *out = (double)utc / 1e6 + (double)(DT_POSTGRES_EPOCH_JDATE - DT_UNIX_EPOCH_JDATE) * 86400; return 0;
    case 9: *out = (f.month - 1) / 3 + 1; return 0;
    case 10: *out = iso_week(f.year, f.month, f.day, NULL); return 0;
    case 11: { int dow = (jd + 1) % 7; *out = dow == 0 ? 7 : dow; return 0; }
    case 12: *out = f.year >= 0 ? f.year / 10 : -((8 - (f.year - 1)) / 10); return 0;
    case 13: *out = f.year > 0 ? (f.year + 99) / 100 : -((99 - (f.year - 1)) / 100); return 0;
    case 14: *out = f.year > 0 ? (f.year + 999) / 1000 : -((999 - (f.year - 1)) / 1000); return 0;
    case 15: *out = f.second * 1000.0 + f.usec / 1000.0; return 0;
    case 16: *out = f.second * 1000000.0 + f.usec; return 0;
    case 17: { int iy; iso_week(f.year, f.month, f.day, &iy); *out = iy; return 0; }
    case 18: case 19: case 20:
        if (!tz)
            return err_set(fc->err, ERRCODE_FEATURE_NOT_SUPPORTED, "unit \"%.*s\" not supported for type %s", (int)pl,
                           pn, type_lookup(fc->expr->args[1]->type)->name);
        *out = code == 18 ? off : code == 19 ? off / 3600 : off / 60 % 60;
        return 0;
    default:
        return err_set(fc->err, ERRCODE_INVALID_PARAMETER_VALUE, "unit \"%.*s\" not recognized for type %s", (int)pl,
                       pn, "timestamp without time zone");
    }
}

static int64_t arg_ts(exec_fctx_t *fc, int i, const value_t *a)
{
    if (fc->expr->args[i]->type == TYPE_DATE) {
        int64_t d = a[i].u.i;
        return d * DT_USECS_PER_DAY;
    }
    return a[i].u.i;
}

/* extract(field from x) returns numeric in PostgreSQL 14+; date_part returns float8. */
static int f_date_part(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    int code = part_code(STR(a[0]));
    double r = 0;
    if (fc->expr->args[1]->type == TYPE_INTERVAL) {
        const type_interval_t *iv = &a[1].u.iv;
        switch (code) {
        case 0: r = iv->months / 12; break;
        case 1: r = iv->months % 12; break;
        case 2: r = iv->days; break;
        case 3: r = (double)(iv->micros / INT64_C(3600000000)); break;
        case 4: r = (double)(iv->micros / 60000000 % 60); break;
        case 5: r = (double)(iv->micros % 60000000) / 1e6; break;
        case 8: r = (double)iv->micros / 1e6 + iv->days * 86400.0 + iv->months * 30 * 86400.0 +
                    (iv->months / 12) * 0.25 * 86400 * 0; break;
        default:
            return err_set(fc->err, ERRCODE_INVALID_PARAMETER_VALUE, "unit \"%.*s\" not supported for type interval",
                           (int)a[0].u.s.len, a[0].u.s.p);
        }
    } else {
        int64_t ts = arg_ts(fc, 1, a);
        if (code < 0)
            return err_set(fc->err, ERRCODE_INVALID_PARAMETER_VALUE, "unit \"%.*s\" not recognized for type %s",
                           (int)a[0].u.s.len, a[0].u.s.p, type_lookup(fc->expr->args[1]->type)->name);
        if (ts_part(fc, code, ts, STR(a[0]), &r) < 0)
            return -1;
    }
    if (fc->expr->type == TYPE_NUMERIC) {
        char tmp[64];
        type_oid_t at = fc->expr->args[1]->type;
        if ((at == TYPE_TIMESTAMP || at == TYPE_TIMESTAMPTZ) && (code == 5 || code == 8 || code == 15)) {
            /* PostgreSQL's scales: seconds and epoch 6, milliseconds 3, from the exact microseconds */
            int64_t us = code == 8 ? a[1].u.i + (int64_t)(DT_POSTGRES_EPOCH_JDATE - DT_UNIX_EPOCH_JDATE) *
                                                    DT_USECS_PER_DAY
                                   : llround(r * (code == 15 ? 1e3 : 1e6));
            uint64_t u = us < 0 ? (uint64_t)0 - (uint64_t)us : (uint64_t)us;
            if (code == 15)
                snprintf(tmp, sizeof tmp, "%s%llu.%03llu", us < 0 ? "-" : "", (unsigned long long)(u / 1000),
                         (unsigned long long)(u % 1000));
            else
                snprintf(tmp, sizeof tmp, "%s%llu.%06llu", us < 0 ? "-" : "", (unsigned long long)(u / 1000000),
                         (unsigned long long)(u % 1000000));
        } else if (r == floor(r) && fabs(r) < 1e15)
            snprintf(tmp, sizeof tmp, "%.0f", r);
        else if (code == 5)
            snprintf(tmp, sizeof tmp, "%.6f", r);
        else
            snprintf(tmp, sizeof tmp, "%.6f", r);
        const type_numeric_t *n;
        if (numeric_in(tmp, strlen(tmp), fc->arena, &n, fc->err) < 0)
            return -1;
        o->u.num = n;
    } else {
        o->u.f = r;
    }
    return 0;
}

static int f_date_trunc(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    int code = part_code(STR(a[0]));
    int64_t ts = a[1].u.i;
    if (ts == DT_NOBEGIN || ts == DT_NOEND) {
        o->u.i = ts;
        return 0;
    }
    /* a timestamptz truncates its local time; from a day up the result's
     * offset is the zone's at the truncated time, below it stays the input's
     * (PostgreSQL's timestamptz_trunc_internal) */
    bool tz = fc->expr->args[1]->type == TYPE_TIMESTAMPTZ;
    int off = tz ? dt_zone_offset(dt_zone_current(), ts, NULL) : 0;
    ts += (int64_t)off * DT_USECS_PER_SEC;
    dt_fields_t f;
    dt_ts_split(ts, &f);
    switch (code) {
    case 14: f.year = f.year > 0 ? ((f.year - 1) / 1000) * 1000 + 1 : f.year; f.month = 1; f.day = 1; goto day;
    case 13: f.year = f.year > 0 ? ((f.year - 1) / 100) * 100 + 1 : f.year; f.month = 1; f.day = 1; goto day;
    case 12: f.year = (f.year / 10) * 10; f.month = 1; f.day = 1; goto day;
    case 0: f.month = 1; /* fallthrough */
    case 9: if (code == 9) f.month = ((f.month - 1) / 3) * 3 + 1; /* fallthrough */
    case 1: f.day = 1; /* fallthrough */
    case 2:
    day:
        f.hour = 0; /* fallthrough */
    case 3: f.minute = 0; /* fallthrough */
    case 4: f.second = 0; /* fallthrough */
    case 5: f.usec = 0; break;
    case 15: f.usec = (f.usec / 1000) * 1000; break;
    case 16: break;
    case 10: {
        int jd = dt_date2j(f.year, f.month, f.day);
        int dow = (jd + 1) % 7;
        int isodow = dow == 0 ? 7 : dow;
        dt_j2date(jd - (isodow - 1), &f.year, &f.month, &f.day);
        f.hour = f.minute = f.second = f.usec = 0;
        break;
    }
    default:
        return err_set(fc->err, ERRCODE_FEATURE_NOT_SUPPORTED, "unit \"%.*s\" not supported for type %s",
                       (int)a[0].u.s.len, a[0].u.s.p, type_lookup(fc->expr->args[1]->type)->name);
    }
    if (dt_ts_make(&f, &o->u.i) < 0)
        return err_set(fc->err, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE, "timestamp out of range");
    if (tz && (code == 3 || code == 4 || code == 5 || code == 15 || code == 16))
        o->u.i -= (int64_t)off * DT_USECS_PER_SEC;
    else if (tz)
        o->u.i = dt_zone_from_local(dt_zone_current(), o->u.i);
    return 0;
}

static int f_make_date(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    int y = (int)a[0].u.i, m = (int)a[1].u.i, d = (int)a[2].u.i;
    if (y < 0)
        y++;
    if (y == 0 || m < 1 || m > 12 || d < 1 || d > dt_days_in_month(y, m))
        return err_set(fc->err, ERRCODE_DATETIME_FIELD_OVERFLOW, "date field value out of range: %lld-%02lld-%02lld",
                       (long long)a[0].u.i, (long long)a[1].u.i, (long long)a[2].u.i);
    o->u.i = dt_date2j(y, m, d) - DT_POSTGRES_EPOCH_JDATE;
    return 0;
}

static int f_age(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    /* PostgreSQL's age(): field-wise difference with borrowing. */
    dt_fields_t x, y;
    bool tz = fc->expr->args[0]->type == TYPE_TIMESTAMPTZ;
    dt_ts_split(tz ? dt_zone_to_local(dt_zone_current(), a[0].u.i) : a[0].u.i, &x);
    dt_ts_split(tz ? dt_zone_to_local(dt_zone_current(), a[1].u.i) : a[1].u.i, &y);
    int64_t fus = (int64_t)(x.hour - y.hour) * 3600000000LL + (int64_t)(x.minute - y.minute) * 60000000LL +
                  (int64_t)(x.second - y.second) * 1000000LL + (x.usec - y.usec);
    int days = x.day - y.day, months = x.month - y.month, years = x.year - y.year;
    bool neg = a[0].u.i < a[1].u.i;
    if (neg) {
        fus = -fus;
        days = -days;
        months = -months;
        years = -years;
    }
    while (fus < 0) {
        fus += DT_USECS_PER_DAY;
        days--;
    }
    while (days < 0) {
        /* borrow the length of the earlier date's month, as PostgreSQL's timestamp_age */
        const dt_fields_t *earlier = neg ? &x : &y;
        days += dt_days_in_month(earlier->year, earlier->month);
        months--;
    }
    while (months < 0) {
        months += 12;
        years--;
    }
    if (neg) {
        fus = -fus;
        days = -days;
        months = -months;
        years = -years;
    }
    o->u.iv.months = years * 12 + months;
    o->u.iv.days = days;
    o->u.iv.micros = fus;
    return 0;
}

/* timezone(zone, x) - AT TIME ZONE: a timestamptz as wall-clock time in zone,
 * or a wall-clock timestamp in zone as the instant */
static int f_timezone(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    char name[256];
    if (a[0].u.s.len >= sizeof name)
        return err_set(fc->err, ERRCODE_INVALID_PARAMETER_VALUE, "time zone \"%.*s\" not recognized",
                       (int)a[0].u.s.len, a[0].u.s.p);
    memcpy(name, a[0].u.s.p, a[0].u.s.len);
    name[a[0].u.s.len] = '\0';
    int off;
    int64_t ts = a[1].u.i;
    if (dt_zone_abbrev(name, a[0].u.s.len, &off) == 0) {
        /* an abbreviation first, as PostgreSQL: a fixed offset */
        bool inf = ts == DT_NOBEGIN || ts == DT_NOEND;
        int64_t d = (int64_t)off * DT_USECS_PER_SEC;
        o->u.i = inf ? ts : fc->expr->args[1]->type == TYPE_TIMESTAMPTZ ? ts + d : ts - d;
        return 0;
    }
    const dt_zone_t *z = dt_zone_lookup(name);
    if (!z)
        return err_set(fc->err, ERRCODE_INVALID_PARAMETER_VALUE, "time zone \"%s\" not recognized", name);
    if (fc->expr->args[1]->type == TYPE_TIMESTAMPTZ)
        o->u.i = dt_zone_to_local(z, a[1].u.i);
    else
        o->u.i = dt_zone_from_local(z, a[1].u.i);
    return 0;
}

/* date_trunc(field, timestamptz, zone) - truncated in zone instead of the session's */
static int f_date_trunc_zone(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    char name[256];
    if (a[2].u.s.len >= sizeof name)
        return err_set(fc->err, ERRCODE_INVALID_PARAMETER_VALUE, "time zone \"%.*s\" not recognized",
                       (int)a[2].u.s.len, a[2].u.s.p);
    memcpy(name, a[2].u.s.p, a[2].u.s.len);
    name[a[2].u.s.len] = '\0';
    const dt_zone_t *z = dt_zone_lookup(name);
    if (!z)
        return err_set(fc->err, ERRCODE_INVALID_PARAMETER_VALUE, "time zone \"%s\" not recognized", name);
    const dt_zone_t *prev = dt_zone_set(z);
    int rc = f_date_trunc(fc, a, o);
    dt_zone_set(prev);
    return rc;
}

/* to_timestamp(float8) - seconds since 1970-01-01 00:00 UTC */
static int f_to_timestamp_epoch(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    double x = a[0].u.f;
    if (isnan(x))
        return err_set(fc->err, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE, "timestamp cannot be NaN");
    if (isinf(x)) {
        o->u.i = x > 0 ? DT_NOEND : DT_NOBEGIN;
        return 0;
    }
    double epoch = (double)(DT_POSTGRES_EPOCH_JDATE - DT_UNIX_EPOCH_JDATE) * 86400;
    /* PostgreSQL's range: 4714-11-24 BC .. 294277-01-01 */
    if (x < -210866803200.0 || x >= 9224318016000.0)
        return err_set(fc->err, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE, "timestamp out of range: \"%g\"", x);
    o->u.i = (int64_t)rint((x - epoch) * 1e6);
    return 0;
}

#define B TYPE_BOOL
#define I4 TYPE_INT4
#define I8 TYPE_INT8
#define F8 TYPE_FLOAT8
#define NU TYPE_NUMERIC
#define TX TYPE_TEXT
#define BP TYPE_BPCHAR
#define AN TYPE_ANY
#define S EXEC_FN_STRICT

const exec_func_t exec__str_funcs[] = {
    { "length", 1, { TX }, I4, f_length, S, 1317 }, { "length", 1, { BP }, I4, f_length, S, 0 },
    { "char_length", 1, { TX }, I4, f_length, S, 0 }, { "character_length", 1, { TX }, I4, f_length, S, 0 },
    { "char_length", 1, { BP }, I4, f_length, S, 0 },
    { "octet_length", 1, { TX }, I4, f_octet_length, S, 0 }, { "octet_length", 1, { TYPE_BYTEA }, I4, f_octet_length, S, 0 },
    { "length", 1, { TYPE_BYTEA }, I4, f_octet_length, S, 0 },
    { "lower", 1, { TX }, TX, f_lower, S, 0 }, { "upper", 1, { TX }, TX, f_upper, S, 0 },
    { "initcap", 1, { TX }, TX, f_initcap, S, 0 },
    { "substr", 2, { TX, I4 }, TX, f_substr2, S, 0 }, { "substr", 3, { TX, I4, I4 }, TX, f_substr3, S, 0 },
    { "substring", 2, { TX, I4 }, TX, f_substr2, S, 0 }, { "substring", 3, { TX, I4, I4 }, TX, f_substr3, S, 0 },
    { "strpos", 2, { TX, TX }, I4, f_strpos, S, 0 }, { "position", 2, { TX, TX }, I4, f_strpos, S, 0 },
    { "btrim", 1, { TX }, TX, f_btrim1, S, 0 }, { "btrim", 2, { TX, TX }, TX, f_btrim2, S, 0 },
    { "ltrim", 1, { TX }, TX, f_ltrim1, S, 0 }, { "ltrim", 2, { TX, TX }, TX, f_ltrim2, S, 0 },
    { "rtrim", 1, { TX }, TX, f_rtrim1, S, 0 }, { "rtrim", 2, { TX, TX }, TX, f_rtrim2, S, 0 },
    { "replace", 3, { TX, TX, TX }, TX, f_replace, S, 0 },
    { "overlay", 3, { TX, TX, I4 }, TX, f_overlay3, S, 937 }, { "overlay", 4, { TX, TX, I4, I4 }, TX, f_overlay4, S, 936 },
    { "left", 2, { TX, I4 }, TX, f_left, S, 0 }, { "right", 2, { TX, I4 }, TX, f_right, S, 0 },
    { "repeat", 2, { TX, I4 }, TX, f_repeat, S, 0 }, { "reverse", 1, { TX }, TX, f_reverse, S, 0 },
    { "lpad", 2, { TX, I4 }, TX, f_lpad2, S, 0 }, { "lpad", 3, { TX, I4, TX }, TX, f_lpad3, S, 0 },
    { "rpad", 2, { TX, I4 }, TX, f_rpad2, S, 0 }, { "rpad", 3, { TX, I4, TX }, TX, f_rpad3, S, 0 },
    { "split_part", 3, { TX, TX, I4 }, TX, f_split_part, S, 0 },
    { "concat", 1, { AN }, TX, f_concat, EXEC_FN_VARIADIC, 0 },
    { "json_build_object", 1, { AN }, TYPE_JSON, f_json_build_object, EXEC_FN_VARIADIC | EXEC_FN_STABLE, 3200 },
    { "concat_ws", 2, { TX, AN }, TX, f_concat_ws, EXEC_FN_VARIADIC, 0 },
    { "ascii", 1, { TX }, I4, f_ascii, S, 0 }, { "chr", 1, { I4 }, TX, f_chr, S, 0 },
    { "starts_with", 2, { TX, TX }, B, f_starts_with, S, 0 },
    { "translate", 3, { TX, TX, TX }, TX, f_translate, S, 0 },
    { "to_hex", 1, { I4 }, TX, f_to_hex, S, 0 }, { "to_hex", 1, { I8 }, TX, f_to_hex, S, 0 },
    { "quote_ident", 1, { TX }, TX, f_quote_ident, S, 0 },
    { "quote_literal", 1, { TX }, TX, f_quote_literal, S, 0 },
    { "quote_literal", 1, { AN }, TX, f_quote_literal, S, 0 },
    { "md5", 1, { TX }, TX, f_md5, S, 0 },
    { "round", 1, { NU }, NU, f_num_round1, S, 0 }, { "round", 2, { NU, I4 }, NU, f_num_round2, S, 0 },
    { "trunc", 1, { NU }, NU, f_num_trunc1, S, 0 }, { "trunc", 2, { NU, I4 }, NU, f_num_trunc2, S, 0 },
    { "floor", 1, { NU }, NU, f_num_floor, S, 0 }, { "ceil", 1, { NU }, NU, f_num_ceil, S, 0 },
    { "ceiling", 1, { NU }, NU, f_num_ceil, S, 0 }, { "sign", 1, { NU }, NU, f_num_sign, S, 0 },
    { "round", 1, { F8 }, F8, f_flt_round, S, 0 }, { "trunc", 1, { F8 }, F8, f_flt_trunc, S, 0 },
    { "floor", 1, { F8 }, F8, f_flt_floor, S, 0 }, { "ceil", 1, { F8 }, F8, f_flt_ceil, S, 0 },
    { "ceiling", 1, { F8 }, F8, f_flt_ceil, S, 0 }, { "sign", 1, { F8 }, F8, f_flt_sign, S, 0 },
    { "sqrt", 1, { F8 }, F8, f_sqrt, S, 0 }, { "cbrt", 1, { F8 }, F8, f_cbrt, S, 0 },
    { "exp", 1, { F8 }, F8, f_exp, S, 0 }, { "ln", 1, { F8 }, F8, f_ln, S, 0 },
    { "log", 1, { F8 }, F8, f_log10, S, 0 }, { "log10", 1, { F8 }, F8, f_log10, S, 0 },
    { "power", 2, { F8, F8 }, F8, f_power, S, 0 }, { "pow", 2, { F8, F8 }, F8, f_power, S, 0 },
    { "^", 2, { F8, F8 }, F8, f_power, S | EXEC_FN_OPERATOR, 0 },
    { "^", 2, { NU, NU }, NU, f_num_power, S | EXEC_FN_OPERATOR, 1739 },
    { "power", 2, { NU, NU }, NU, f_num_power, S, 2169 }, { "pow", 2, { NU, NU }, NU, f_num_power, S, 0 },
    { "pi", 0, { 0 }, F8, f_pi, 0, 0 }, { "random", 0, { 0 }, F8, f_random, EXEC_FN_VOLATILE, 0 },
    { "date_part", 2, { TX, TYPE_TIMESTAMP }, F8, f_date_part, S, 0 },
    { "date_part", 2, { TX, TYPE_TIMESTAMPTZ }, F8, f_date_part, S, 0 },
    { "date_part", 2, { TX, TYPE_DATE }, F8, f_date_part, S, 0 },
    { "date_part", 2, { TX, TYPE_INTERVAL }, F8, f_date_part, S, 0 },
    { "extract", 2, { TX, TYPE_TIMESTAMP }, NU, f_date_part, S, 0 },
    { "extract", 2, { TX, TYPE_TIMESTAMPTZ }, NU, f_date_part, S, 0 },
    { "extract", 2, { TX, TYPE_DATE }, NU, f_date_part, S, 0 },
    { "extract", 2, { TX, TYPE_INTERVAL }, NU, f_date_part, S, 0 },
    { "date_trunc", 2, { TX, TYPE_TIMESTAMP }, TYPE_TIMESTAMP, f_date_trunc, S, 0 },
    { "date_trunc", 2, { TX, TYPE_TIMESTAMPTZ }, TYPE_TIMESTAMPTZ, f_date_trunc, S, 0 },
    { "make_date", 3, { I4, I4, I4 }, TYPE_DATE, f_make_date, S, 0 },
    { "age", 2, { TYPE_TIMESTAMP, TYPE_TIMESTAMP }, TYPE_INTERVAL, f_age, S, 0 },
    { "age", 2, { TYPE_TIMESTAMPTZ, TYPE_TIMESTAMPTZ }, TYPE_INTERVAL, f_age, S, 0 },
    { "timezone", 2, { TX, TYPE_TIMESTAMPTZ }, TYPE_TIMESTAMP, f_timezone, S, 1159 },
    { "date_trunc", 3, { TX, TYPE_TIMESTAMPTZ, TX }, TYPE_TIMESTAMPTZ, f_date_trunc_zone, S, 1284 },
    { "to_timestamp", 1, { F8 }, TYPE_TIMESTAMPTZ, f_to_timestamp_epoch, S, 1158 },
    { "timezone", 2, { TX, TYPE_TIMESTAMP }, TYPE_TIMESTAMPTZ, f_timezone, S, 2069 },
};
const int exec__n_str_funcs = (int)(sizeof exec__str_funcs / sizeof exec__str_funcs[0]);
