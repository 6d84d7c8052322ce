/*
 * func_array.c - array functions catalog SQL needs (subscripts, lengths,
 * array_to_string, string_to_array, array_append) and the set-returning
 * functions (generate_series, unnest, generate_subscripts, _pg_expandarray,
 * pg_options_to_table) as row iterators the function scan and ProjectSet
 * operators drive (exec_misc.c).
 */
#include "func_int.h"

#include <string.h>

#include "types/array.h"
#include "types/datetime.h"
#include "types/record.h"
#include "types/value.h"

static int f_subscript(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    const type_array_t *arr = a[0].u.arr;
    int64_t i = a[1].u.i - arr->lbound;
    (void)fc;
    if (i < 0 || i >= arr->n) {
        o->isnull = true;
        return 0;
    }
    *o = arr->vals[i];
    return 0;
}

static int f_array_length(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    (void)fc;
    if (a[1].u.i != 1 || a[0].u.arr->n == 0) {
        o->isnull = true;
        return 0;
    }
    o->u.i = a[0].u.arr->n;
    return 0;
}

static int f_array_lower(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    (void)fc;
    if (a[1].u.i != 1 || a[0].u.arr->n == 0) {
        o->isnull = true;
        return 0;
    }
    o->u.i = a[0].u.arr->lbound;
    return 0;
}

static int f_array_upper(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    (void)fc;
    if (a[1].u.i != 1 || a[0].u.arr->n == 0) {
        o->isnull = true;
        return 0;
    }
    o->u.i = a[0].u.arr->lbound + a[0].u.arr->n - 1;
    return 0;
}

static int f_cardinality(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    (void)fc;
    o->u.i = a[0].u.arr->n;
    return 0;
}

static int to_string(exec_fctx_t *fc, const value_t *a, int nargs, value_t *o)
{
    const type_array_t *arr = a[0].u.arr;
    buf_t b = BUF_INIT;
    bool first = true;
    for (int i = 0; i < arr->n; i++) {
        if (arr->vals[i].isnull) {
            if (nargs < 3 || a[2].isnull)
                continue;
            if (!first)
                buf_append(&b, a[1].u.s.p, a[1].u.s.len);
            buf_append(&b, a[2].u.s.p, a[2].u.s.len);
            first = false;
            continue;
        }
        if (!first)
            buf_append(&b, a[1].u.s.p, a[1].u.s.len);
        type_out_text(arr->elem, -1, &arr->vals[i], 1, &b);
        first = false;
    }
    exec__set_text(fc, o, b.data, b.len);
    buf_free(&b);
    return 0;
}

static int f_array_to_string2(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    return to_string(fc, a, 2, o);
}

static int f_array_to_string3(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    if (a[0].isnull || a[1].isnull) {
        o->isnull = true;
        return 0;
    }
    return to_string(fc, a, 3, o);
}

static int f_string_to_array(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    if (a[0].isnull) {
        o->isnull = true;
        return 0;
    }
    const char *s = a[0].u.s.p;
    size_t n = a[0].u.s.len;
    int cap = 8, cnt = 0;
    type_array_t *arr = type_array_new(fc->arena, TYPE_TEXT, cap);
    arr->n = 0;
    if (n == 0) {
        arr->ndim = 0;
        o->u.arr = arr;
        return 0;
    }
    size_t st = 0;
    for (size_t i = 0; i <= n;) {
        bool at_end = i == n;
        bool sep;
        if (a[1].isnull)
            sep = !at_end; /* NULL delimiter: one element per character */
        else
            sep = !at_end && a[1].u.s.len > 0 && i + a[1].u.s.len <= n &&
                  memcmp(s + i, a[1].u.s.p, a[1].u.s.len) == 0;
        if (a[1].isnull && !at_end) {
            st = i;
            i++;
            while (i < n && ((unsigned char)s[i] & 0xC0) == 0x80)
                i++;
        }
        if (sep || at_end || a[1].isnull) {
            if (a[1].isnull && at_end)
                break;
            if (cnt == cap) {
                type_array_t *na = type_array_new(fc->arena, TYPE_TEXT, cap * 2);
                memcpy(na->vals, arr->vals, sizeof(value_t) * (size_t)cnt);
                arr = na;
                cap *= 2;
            }
            size_t en = a[1].isnull ? i : i;
            arr->vals[cnt].isnull = false;
            arr->vals[cnt].u.s.p = s + st;
            arr->vals[cnt].u.s.len = (uint32_t)(en - st);
            cnt++;
            if (at_end)
                break;
            if (!a[1].isnull) {
                i += a[1].u.s.len;
                st = i;
            }
            continue;
        }
        i++;
    }
    arr->n = cnt;
    arr->ndim = cnt ? 1 : 0;
    o->u.arr = arr;
    return 0;
}

static int f_array_append(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    type_oid_t elem = type_lookup(fc->expr->type)->elem;
    int n = a[0].isnull ? 0 : a[0].u.arr->n;
    type_array_t *arr = type_array_new(fc->arena, elem, n + 1);
    if (n)
        memcpy(arr->vals, a[0].u.arr->vals, sizeof(value_t) * (size_t)n);
    arr->vals[n] = a[1];
    o->u.arr = arr;
    return 0;
}

/* array_cat / anyarray || anyarray: NULL arrays count as empty, as in PostgreSQL. */
static int f_array_cat(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    if (a[0].isnull && a[1].isnull) {
        *o = value_null();
        return 0;
    }
    if (a[0].isnull || a[0].u.arr->n == 0) {
        *o = a[1];
        return 0;
    }
    if (a[1].isnull || a[1].u.arr->n == 0) {
        *o = a[0];
        return 0;
    }
    const type_array_t *x = a[0].u.arr, *y = a[1].u.arr;
    type_array_t *arr = type_array_new(fc->arena, x->elem, x->n + y->n);
    memcpy(arr->vals, x->vals, sizeof(value_t) * (size_t)x->n);
    memcpy(arr->vals + x->n, y->vals, sizeof(value_t) * (size_t)y->n);
    arr->lbound = x->lbound;
    o->isnull = false;
    o->u.arr = arr;
    return 0;
}

/* array_prepend / anyelement || anyarray */
static int f_array_prepend(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    type_oid_t elem = type_lookup(fc->expr->type)->elem;
    int n = a[1].isnull ? 0 : a[1].u.arr->n;
    type_array_t *arr = type_array_new(fc->arena, elem, n + 1);
    arr->vals[0] = a[0];
    if (n)
        memcpy(arr->vals + 1, a[1].u.arr->vals, sizeof(value_t) * (size_t)n);
    o->isnull = false;
    o->u.arr = arr;
    return 0;
}

static int f_srf_misuse(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    (void)a;
    (void)o;
    return err_set(fc->err, ERRCODE_FEATURE_NOT_SUPPORTED, "set-returning functions are not supported in this context");
}

/* ---- set-returning functions: one row per call of the iterator ---- */

static int srf_zero_step(exec_fctx_t *fc)
{
    return err_set(fc->err, ERRCODE_INVALID_PARAMETER_VALUE, "step size cannot equal zero");
}

/* generate_series(start, stop [, step]) over integers */
static int srf_series_int(exec_fctx_t *fc, const value_t *a, exec_srf_state_t *st, value_t *o)
{
    int64_t step = fc->nargs == 3 ? a[2].u.i : 1;
    if (step == 0)
        return srf_zero_step(fc);
    if (st->pos == 0)
        st->cur = a[0].u.i;
    else if (__builtin_add_overflow(st->cur, step, &st->cur))
        return 0; /* the next value would overflow: the series ends, as in PostgreSQL */
    if (step > 0 ? st->cur > a[1].u.i : st->cur < a[1].u.i)
        return 0;
    st->pos++;
    *o = value_int(st->cur);
    return 1;
}

/* generate_series(start, stop, interval) over timestamps */
static int srf_series_ts(exec_fctx_t *fc, const value_t *a, exec_srf_state_t *st, value_t *o)
{
    const type_interval_t *iv = &a[2].u.iv;
    bool up = iv->months > 0 || iv->days > 0 || iv->micros > 0;
    bool down = iv->months < 0 || iv->days < 0 || iv->micros < 0;
    if (!up && !down)
        return srf_zero_step(fc);
    if (st->pos == 0)
        st->cur = a[0].u.i;
    else if ((fc->expr->type == TYPE_TIMESTAMPTZ ? dt_tstz_add_interval : dt_ts_add_interval)(st->cur, iv, &st->cur,
                                                                                             fc->err) < 0)
        return -1;
    if (up ? st->cur > a[1].u.i : st->cur < a[1].u.i)
        return 0;
    st->pos++;
    *o = value_int(st->cur);
    return 1;
}

static int srf_unnest(exec_fctx_t *fc, const value_t *a, exec_srf_state_t *st, value_t *o)
{
    (void)fc;
    const type_array_t *arr = a[0].u.arr;
    if (st->pos >= arr->n)
        return 0;
    *o = arr->vals[st->pos++];
    return 1;
}

/* generate_subscripts(array, dim): arrays here have one dimension */
static int srf_subscripts(exec_fctx_t *fc, const value_t *a, exec_srf_state_t *st, value_t *o)
{
    (void)fc;
    const type_array_t *arr = a[0].u.arr;
    if (a[1].u.i != 1 || st->pos >= arr->n)
        return 0;
    *o = value_int(arr->lbound + st->pos++);
    return 1;
}

static value_t record_value(const type_record_t *r)
{
    value_t v;
    v.isnull = false;
    v.u.rec = r;
    return v;
}

/* information_schema._pg_expandarray(anyarray, OUT x anyelement, OUT n int):
 * each element with its 1-based position (pgjdbc's getPrimaryKeys) */
static int srf_expandarray(exec_fctx_t *fc, const value_t *a, exec_srf_state_t *st, value_t *o)
{
    const type_array_t *arr = a[0].u.arr;
    if (st->pos >= arr->n)
        return 0;
    type_record_t *r = type_record_new(fc->arena, fc->expr->rowdesc);
    r->vals[0] = arr->vals[st->pos];
    r->vals[1] = value_int(st->pos + 1);
    st->pos++;
    *o = record_value(r);
    return 1;
}

/* pg_options_to_table(text[], OUT option_name text, OUT option_value text):
 * "name=value" split at the first '=' */
static int srf_options(exec_fctx_t *fc, const value_t *a, exec_srf_state_t *st, value_t *o)
{
    const type_array_t *arr = a[0].u.arr;
    if (st->pos >= arr->n)
        return 0;
    value_t v = arr->vals[st->pos++];
    type_record_t *r = type_record_new(fc->arena, fc->expr->rowdesc);
    r->vals[0] = v;
    if (!v.isnull) {
        const char *eq = memchr(v.u.s.p, '=', v.u.s.len);
        if (eq) {
            r->vals[0] = value_text(v.u.s.p, (size_t)(eq - v.u.s.p));
            r->vals[1] = value_text(eq + 1, v.u.s.len - (size_t)(eq - v.u.s.p) - 1);
        }
    }
    *o = record_value(r);
    return 1;
}

#define AA TYPE_ANYARRAY
#define AE TYPE_ANYELEMENT
#define I4 TYPE_INT4
#define I8 TYPE_INT8
#define TX TYPE_TEXT
#define S EXEC_FN_STRICT

const exec_func_t exec__array_funcs[] = {
    { "array_subscript", 2, { AA, I4 }, AE, f_subscript, S, 0 },
    { "array_length", 2, { AA, I4 }, I4, f_array_length, S, 2176 },
    { "array_lower", 2, { AA, I4 }, I4, f_array_lower, S, 2091 },
    { "array_upper", 2, { AA, I4 }, I4, f_array_upper, S, 2092 },
    { "cardinality", 1, { AA }, I4, f_cardinality, S, 0 },
    { "array_to_string", 2, { AA, TX }, TX, f_array_to_string2, S, 395 },
    { "array_to_string", 3, { AA, TX, TX }, TX, f_array_to_string3, 0, 384 },
    { "string_to_array", 2, { TX, TX }, TYPE_TEXT_ARRAY, f_string_to_array, 0, 0 },
    { "array_append", 2, { AA, AE }, AA, f_array_append, 0, 378 },
    { "array_prepend", 2, { AE, AA }, AA, f_array_prepend, 0, 379 },
    { "array_cat", 2, { AA, AA }, AA, f_array_cat, 0, 383 },
    { "||", 2, { AA, AA }, AA, f_array_cat, EXEC_FN_OPERATOR, 383 },
    { "||", 2, { AA, AE }, AA, f_array_append, EXEC_FN_OPERATOR, 378 },
    { "||", 2, { AE, AA }, AA, f_array_prepend, EXEC_FN_OPERATOR, 379 },
};
const int exec__n_array_funcs = (int)(sizeof exec__array_funcs / sizeof exec__array_funcs[0]);

/* The set-returning functions: rows come from their iterators. */
#define X (EXEC_FN_SETOF | EXEC_FN_STRICT | EXEC_FN_EXT)
const exec_func_ext_t exec__srf_funcs[] = {
    { { "generate_series", 2, { I4, I4 }, I4, f_srf_misuse, X, 1067 }, srf_series_int, 0, { 0 }, { 0 } },
    { { "generate_series", 3, { I4, I4, I4 }, I4, f_srf_misuse, X, 1066 }, srf_series_int, 0, { 0 }, { 0 } },
    { { "generate_series", 2, { I8, I8 }, I8, f_srf_misuse, X, 1069 }, srf_series_int, 0, { 0 }, { 0 } },
    { { "generate_series", 3, { I8, I8, I8 }, I8, f_srf_misuse, X, 1068 }, srf_series_int, 0, { 0 }, { 0 } },
    { { "generate_series", 3, { TYPE_TIMESTAMP, TYPE_TIMESTAMP, TYPE_INTERVAL }, TYPE_TIMESTAMP, f_srf_misuse, X, 938 },
      srf_series_ts, 0, { 0 }, { 0 } },
    { { "generate_series", 3, { TYPE_TIMESTAMPTZ, TYPE_TIMESTAMPTZ, TYPE_INTERVAL }, TYPE_TIMESTAMPTZ, f_srf_misuse, X,
        939 },
      srf_series_ts, 0, { 0 }, { 0 } },
    { { "unnest", 1, { AA }, AE, f_srf_misuse, X, 2331 }, srf_unnest, 0, { 0 }, { 0 } },
    { { "generate_subscripts", 2, { AA, I4 }, I4, f_srf_misuse, X, 1191 }, srf_subscripts, 0, { 0 }, { 0 } },
    { { "_pg_expandarray", 1, { AA }, TYPE_RECORD, f_srf_misuse, X, 0 }, srf_expandarray, 2, { "x", "n" }, { AE, I4 } },
    { { "pg_options_to_table", 1, { TYPE_TEXT_ARRAY }, TYPE_RECORD, f_srf_misuse, X, 2289 }, srf_options, 2,
      { "option_name", "option_value" }, { TX, TX } },
};
const int exec__n_srf_funcs = (int)(sizeof exec__srf_funcs / sizeof exec__srf_funcs[0]);
