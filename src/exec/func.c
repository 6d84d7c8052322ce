/*
 * func.c - built-in scalar functions, operators and casts.
 *
 * One static table lists every function and operator with PostgreSQL's
 * signature (name, argument types, result type) so that the analyzer can
 * resolve overloads by PostgreSQL's rules; each entry points to a per-row
 * implementation. Arithmetic checks overflow and reports PostgreSQL's
 * messages ("integer out of range", "division by zero"). Casts have their
 * own table with PostgreSQL's contexts (implicit / assignment / explicit);
 * casts to and from string types that have no entry go through the text
 * forms (exec_cast_via_text), as PostgreSQL's automatic I/O casts do.
 *
 * Session functions (version(), current_setting(), ...) are in func_session.c;
 * string, math and date functions in func_str.c. This file holds the
 * registry, arithmetic, comparison and casts.
 */
#include "exec/expr.h"
#include "func_int.h"

#include <math.h>
#include <string.h>

#include "types/array.h"
#include "types/datetime.h"
#include "types/numeric.h"
#include "types/record.h"
#include "types/tz.h"
#include "types/value.h"

/* ---- helpers ---- */

int exec__range_error(exec_fctx_t *fc, type_oid_t t)
{
    const char *n = t == TYPE_INT2 ? "smallint" : t == TYPE_INT4 ? "integer" : t == TYPE_INT8 ? "bigint" : "value";
    if (t == TYPE_OID)
        n = "OID";
    return err_set(fc->err, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, "%s out of range", n);
}

static int int_fits(type_oid_t t, int64_t v)
{
    if (t == TYPE_INT2)
        return v >= INT16_MIN && v <= INT16_MAX;
    if (t == TYPE_INT4)
        return v >= INT32_MIN && v <= INT32_MAX;
    return 1;
}

static int div_zero(exec_fctx_t *fc)
{
    return err_set(fc->err, ERRCODE_DIVISION_BY_ZERO, "division by zero");
}

/* ---- integer arithmetic (result type = fc->expr->type) ---- */

static int f_int_add(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    int64_t r;
    if (__builtin_add_overflow(a[0].u.i, a[1].u.i, &r) || !int_fits(fc->expr->type, r))
        return exec__range_error(fc, fc->expr->type);
    o->u.i = r;
    return 0;
}

static int f_int_sub(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    int64_t r;
    if (__builtin_sub_overflow(a[0].u.i, a[1].u.i, &r) || !int_fits(fc->expr->type, r))
        return exec__range_error(fc, fc->expr->type);
    o->u.i = r;
    return 0;
}

static int f_int_mul(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    int64_t r;
    if (__builtin_mul_overflow(a[0].u.i, a[1].u.i, &r) || !int_fits(fc->expr->type, r))
        return exec__range_error(fc, fc->expr->type);
    o->u.i = r;
    return 0;
}

static int f_int_div(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    if (a[1].u.i == 0)
        return div_zero(fc);
    if (a[1].u.i == -1) {
        int64_t r;
        if (__builtin_sub_overflow((int64_t)0, a[0].u.i, &r) || !int_fits(fc->expr->type, r))
            return exec__range_error(fc, fc->expr->type);
        o->u.i = r;
        return 0;
    }
    o->u.i = a[0].u.i / a[1].u.i;
    return 0;
}

static int f_int_mod(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    if (a[1].u.i == 0)
        return div_zero(fc);
    o->u.i = a[1].u.i == -1 ? 0 : a[0].u.i % a[1].u.i;
    return 0;
}

static int f_int_neg(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    int64_t r;
    if (__builtin_sub_overflow((int64_t)0, a[0].u.i, &r) || !int_fits(fc->expr->type, r))
        return exec__range_error(fc, fc->expr->type);
    o->u.i = r;
    return 0;
}

static int f_int_abs(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    if (a[0].u.i < 0)
        return f_int_neg(fc, a, o);
    o->u.i = a[0].u.i;
    return 0;
}

static int f_ident(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    (void)fc;
    *o = a[0];
    return 0;
}

/* ---- float arithmetic ---- */

static int float_result(exec_fctx_t *fc, double r, bool inf_ok, bool zero_ok, value_t *o)
{
    bool is4 = fc->expr->type == TYPE_FLOAT4;
    double v = is4 ? (double)(float)r : r;
    if (isinf(v) && !inf_ok)
        return err_set(fc->err, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, "value out of range: overflow");
    if (v == 0.0 && !zero_ok)
        return err_set(fc->err, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, "value out of range: underflow");
    o->u.f = v;
    return 0;
}

static int f_flt_add(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    return float_result(fc, a[0].u.f + a[1].u.f, isinf(a[0].u.f) || isinf(a[1].u.f), true, o);
}

static int f_flt_sub(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    return float_result(fc, a[0].u.f - a[1].u.f, isinf(a[0].u.f) || isinf(a[1].u.f), true, o);
}

static int f_flt_mul(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    return float_result(fc, a[0].u.f * a[1].u.f, isinf(a[0].u.f) || isinf(a[1].u.f),
                        a[0].u.f == 0 || a[1].u.f == 0, o);
}

static int f_flt_div(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    if (a[1].u.f == 0 && !isnan(a[0].u.f))
        return div_zero(fc);
    return float_result(fc, a[0].u.f / a[1].u.f, isinf(a[0].u.f), a[0].u.f == 0 || isinf(a[1].u.f), o);
}

static int f_flt_neg(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    (void)fc;
    o->u.f = -a[0].u.f;
    return 0;
}

static int f_flt_abs(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    (void)fc;
    o->u.f = fabs(a[0].u.f);
    return 0;
}

/* ---- numeric arithmetic ---- */

static int f_num_add(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    return numeric_add(fc->arena, a[0].u.num, a[1].u.num, &o->u.num, fc->err);
}

static int f_num_sub(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    return numeric_sub(fc->arena, a[0].u.num, a[1].u.num, &o->u.num, fc->err);
}

static int f_num_mul(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    return numeric_mul(fc->arena, a[0].u.num, a[1].u.num, &o->u.num, fc->err);
}

static int f_num_div(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    return numeric_div(fc->arena, a[0].u.num, a[1].u.num, -1, &o->u.num, fc->err);
}

static int f_num_mod(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    return numeric_mod(fc->arena, a[0].u.num, a[1].u.num, &o->u.num, fc->err);
}

static int f_num_neg(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    o->u.num = numeric_neg(fc->arena, a[0].u.num);
    return 0;
}

static int f_num_abs(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    o->u.num = numeric_abs(fc->arena, a[0].u.num);
    return 0;
}

/* ---- comparison (generic over the argument type) ---- */

static int cmp_args(exec_fctx_t *fc, const value_t *a)
{
    return value_cmp(fc->expr->args[0]->type, &a[0], &a[1]);
}

static int f_eq(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    o->u.i = cmp_args(fc, a) == 0;
    return 0;
}
static int f_ne(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    o->u.i = cmp_args(fc, a) != 0;
    return 0;
}
static int f_lt(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    o->u.i = cmp_args(fc, a) < 0;
    return 0;
}
static int f_le(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    o->u.i = cmp_args(fc, a) <= 0;
    return 0;
}
static int f_gt(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    o->u.i = cmp_args(fc, a) > 0;
    return 0;
}
static int f_ge(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    o->u.i = cmp_args(fc, a) >= 0;
    return 0;
}

/* ---- date/time arithmetic ---- */

static int f_date_pl_int(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    int64_t r = a[0].u.i + a[1].u.i;
    if (r < -2451545 || r > 2147483494 - 2451545)
        return err_set(fc->err, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE, "date out of range");
    o->u.i = r;
    return 0;
}
static int f_int_pl_date(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    value_t b[2] = { a[1], a[0] };
    return f_date_pl_int(fc, b, o);
}
static int f_date_mi_int(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    value_t b[2] = { a[0], a[1] };
    b[1].u.i = -b[1].u.i;
    return f_date_pl_int(fc, b, o);
}
static int f_date_mi_date(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    (void)fc;
    o->u.i = a[0].u.i - a[1].u.i;
    return 0;
}
static int64_t date_to_ts(int64_t d)
{
    if (d == DT_DATE_NOBEGIN)
        return DT_NOBEGIN;
    if (d == DT_DATE_NOEND)
        return DT_NOEND;
    return d * DT_USECS_PER_DAY;
}
/* add_interval - ts + iv; a timestamptz adds months and days to its local
 * time in the session zone (so a day across a DST change is 23 or 25 hours)
 * and the microseconds to the instant, as timestamptz_pl_interval */
static int add_interval(exec_fctx_t *fc, int64_t ts, const type_interval_t *iv, int64_t *out)
{
    if (fc->expr->type == TYPE_TIMESTAMPTZ)
        return dt_tstz_add_interval(ts, iv, out, fc->err);
    return dt_ts_add_interval(ts, iv, out, fc->err);
}
static int f_ts_pl_iv(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    int64_t ts = fc->expr->args[0]->type == TYPE_DATE ? date_to_ts(a[0].u.i) : a[0].u.i;
    return add_interval(fc, ts, &a[1].u.iv, &o->u.i);
}
static int f_iv_pl_ts(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    int64_t ts = fc->expr->args[1]->type == TYPE_DATE ? date_to_ts(a[1].u.i) : a[1].u.i;
    return add_interval(fc, ts, &a[0].u.iv, &o->u.i);
}
static int f_ts_mi_iv(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    type_interval_t n = { -a[1].u.iv.micros, -a[1].u.iv.days, -a[1].u.iv.months };
    int64_t ts = fc->expr->args[0]->type == TYPE_DATE ? date_to_ts(a[0].u.i) : a[0].u.i;
    return add_interval(fc, ts, &n, &o->u.i);
}
static int f_ts_mi_ts(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    if (a[0].u.i == DT_NOBEGIN || a[0].u.i == DT_NOEND || a[1].u.i == DT_NOBEGIN || a[1].u.i == DT_NOEND)
        return err_set(fc->err, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE, "cannot subtract infinite timestamps");
    int64_t d = a[0].u.i - a[1].u.i;
    /* PostgreSQL's timestamp_mi: whole days into the day field (interval_justify_hours) */
    o->u.iv.months = 0;
    o->u.iv.days = (int32_t)(d / DT_USECS_PER_DAY);
    o->u.iv.micros = d - (int64_t)o->u.iv.days * DT_USECS_PER_DAY;
    return 0;
}
static int f_iv_pl_iv(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    (void)fc;
    o->u.iv.months = a[0].u.iv.months + a[1].u.iv.months;
    o->u.iv.days = a[0].u.iv.days + a[1].u.iv.days;
    o->u.iv.micros = a[0].u.iv.micros + a[1].u.iv.micros;
    return 0;
}
static int f_iv_mi_iv(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    (void)fc;
    o->u.iv.months = a[0].u.iv.months - a[1].u.iv.months;
    o->u.iv.days = a[0].u.iv.days - a[1].u.iv.days;
    o->u.iv.micros = a[0].u.iv.micros - a[1].u.iv.micros;
    return 0;
}
static int f_iv_neg(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    (void)fc;
    o->u.iv.months = -a[0].u.iv.months;
    o->u.iv.days = -a[0].u.iv.days;
    o->u.iv.micros = -a[0].u.iv.micros;
    return 0;
}
static int f_iv_mul(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    /* PostgreSQL's interval_mul: fractional months spill into days, days into time */
    double f = a[1].u.f;
    double m = a[0].u.iv.months * f, d = a[0].u.iv.days * f;
    int32_t mi = (int32_t)m;
    double dd = d + (m - mi) * 30;
    int32_t di = (int32_t)dd;
    double us = a[0].u.iv.micros * f + (dd - di) * 86400e6;
    if (fabs(us) > 9.2e18)
        return err_set(fc->err, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE, "interval out of range");
    o->u.iv.months = mi;
    o->u.iv.days = di;
    o->u.iv.micros = (int64_t)llrint(us);
    return 0;
}

/* ---- text concatenation and LIKE ---- */

static int f_textcat(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    size_t n0 = a[0].u.s.len, n1 = a[1].u.s.len;
    char *p = mem_alloc(fc->arena, n0 + n1 + 1);
    memcpy(p, a[0].u.s.p, n0);
    memcpy(p + n0, a[1].u.s.p, n1);
    o->u.s.p = p;
    o->u.s.len = (uint32_t)(n0 + n1);
    return 0;
}

/* any || text and text || any: the non-text side goes through its output function. */
static int f_anycat(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    value_t t[2];
    buf_t b[2] = { BUF_INIT, BUF_INIT };
    for (int i = 0; i < 2; i++) {
        type_oid_t ty = fc->expr->args[i]->type;
        if (exec_type_category(ty) == 'S' && ty != TYPE_BPCHAR) {
            t[i] = a[i];
        } else {
            type_out_text(ty, fc->expr->args[i]->typmod, &a[i], 1, &b[i]);
            if (ty == TYPE_BPCHAR)
                while (b[i].len > 0 && b[i].data[b[i].len - 1] == ' ')
                    b[i].len--;
            t[i].u.s.p = b[i].data ? b[i].data : "";
            t[i].u.s.len = (uint32_t)b[i].len;
        }
    }
    f_textcat(fc, t, o);
    buf_free(&b[0]);
    buf_free(&b[1]);
    return 0;
}

/* like3 - SQL LIKE with % and _ and escape character esc (0 none); ci
 * folds ASCII case. 1 match, 0 none, -1 when the match reaches an escape
 * that ends the pattern while the string goes on (PostgreSQL's 22025, which
 * it raises only then: 'x' LIKE 'a\' is false). */
static int like3(const char *s, size_t sn, const char *p, size_t pn, bool ci, char esc)
{
    size_t si = 0, pi = 0, star_p = (size_t)-1, star_s = 0;
    while (si < sn) {
        if (pi < pn && p[pi] == '%') {
            star_p = pi++;
            star_s = si;
            continue;
        }
        if (pi < pn) {
            char pc = p[pi];
            size_t adv = 1;
            bool lit = false;
            if (esc && pc == esc && pi + 1 < pn) {
                pc = p[pi + 1];
                adv = 2;
                lit = true;
            } else if (esc && pc == esc) {
                return -1;
            }
            if (!lit && pc == '_') {
                /* one character: skip a whole UTF-8 sequence */
                size_t k = si + 1;
                while (k < sn && ((unsigned char)s[k] & 0xC0) == 0x80)
                    k++;
                si = k;
                pi += adv;
                continue;
            }
            char sc = s[si];
            if (ci) {
                if (pc >= 'A' && pc <= 'Z') pc = (char)(pc + 32);
                if (sc >= 'A' && sc <= 'Z') sc = (char)(sc + 32);
            }
            if (pc == sc) {
                si++;
                pi += adv;
                continue;
            }
        }
        if (star_p != (size_t)-1) {
            pi = star_p + 1;
            si = ++star_s;
            continue;
        }
        return 0;
    }
    while (pi < pn && p[pi] == '%')
        pi++;
    return pi == pn;
}

bool exec__like(const char *s, size_t sn, const char *p, size_t pn, bool ci, char esc)
{
    return like3(s, sn, p, pn, ci, esc) > 0;
}

static int like_call(exec_fctx_t *fc, const value_t *a, value_t *o, bool ci)
{
    int r = like3(a[0].u.s.p, a[0].u.s.len, a[1].u.s.p, a[1].u.s.len, ci, '\\');
    if (r < 0)
        return err_set(fc->err, ERRCODE_INVALID_ESCAPE_SEQUENCE, "LIKE pattern must not end with escape character");
    o->u.i = r;
    return 0;
}
static int f_like(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    return like_call(fc, a, o, false);
}
static int f_notlike(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    if (like_call(fc, a, o, false) < 0)
        return -1;
    o->u.i = !o->u.i;
    return 0;
}
static int f_ilike(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    return like_call(fc, a, o, true);
}
static int f_notilike(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    if (like_call(fc, a, o, true) < 0)
        return -1;
    o->u.i = !o->u.i;
    return 0;
}

static int f_bool_eq(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    (void)fc;
    o->u.i = (a[0].u.i != 0) == (a[1].u.i != 0);
    return 0;
}

/* ---- the table ---- */

#define B TYPE_BOOL
#define I2 TYPE_INT2
#define I4 TYPE_INT4
#define I8 TYPE_INT8
#define F4 TYPE_FLOAT4
#define F8 TYPE_FLOAT8
#define NU TYPE_NUMERIC
#define TX TYPE_TEXT
#define VC TYPE_VARCHAR
#define BP TYPE_BPCHAR
#define NM TYPE_NAME
#define BY TYPE_BYTEA
#define CH TYPE_CHAR
#define DT TYPE_DATE
#define TM TYPE_TIME
#define TS TYPE_TIMESTAMP
#define TZ TYPE_TIMESTAMPTZ
#define IV TYPE_INTERVAL
#define OI TYPE_OID
#define AN TYPE_ANY
#define AA TYPE_ANYARRAY
#define AE TYPE_ANYELEMENT
#define S EXEC_FN_STRICT
#define OP (EXEC_FN_OPERATOR | EXEC_FN_STRICT)

#define CMP_OPS(t)                                                                                                    \
    { "=", 2, { t, t }, B, f_eq, OP, 0 }, { "<>", 2, { t, t }, B, f_ne, OP, 0 },                                    \
        { "<", 2, { t, t }, B, f_lt, OP, 0 }, { "<=", 2, { t, t }, B, f_le, OP, 0 },                                \
        { ">", 2, { t, t }, B, f_gt, OP, 0 }, { ">=", 2, { t, t }, B, f_ge, OP, 0 }

#define INT_OPS(t)                                                                                                    \
    { "+", 2, { t, t }, t, f_int_add, OP, 0 }, { "-", 2, { t, t }, t, f_int_sub, OP, 0 },                           \
        { "*", 2, { t, t }, t, f_int_mul, OP, 0 }, { "/", 2, { t, t }, t, f_int_div, OP, 0 },                       \
        { "%", 2, { t, t }, t, f_int_mod, OP, 0 }, { "-", 1, { t }, t, f_int_neg, OP, 0 },                          \
        { "+", 1, { t }, t, f_ident, OP, 0 }, { "abs", 1, { t }, t, f_int_abs, S, 0 },                              \
        { "@", 1, { t }, t, f_int_abs, OP, 0 },                                                                        \
        { "mod", 2, { t, t }, t, f_int_mod, S, 0 }, CMP_OPS(t)

#define FLT_OPS(t)                                                                                                    \
    { "+", 2, { t, t }, t, f_flt_add, OP, 0 }, { "-", 2, { t, t }, t, f_flt_sub, OP, 0 },                           \
        { "*", 2, { t, t }, t, f_flt_mul, OP, 0 }, { "/", 2, { t, t }, t, f_flt_div, OP, 0 },                       \
        { "-", 1, { t }, t, f_flt_neg, OP, 0 }, { "+", 1, { t }, t, f_ident, OP, 0 },                               \
        { "abs", 1, { t }, t, f_flt_abs, S, 0 }, { "@", 1, { t }, t, f_flt_abs, OP, 0 }, CMP_OPS(t)

/* float4 with float8: computed in float8 (PostgreSQL's float48 / float84 operators) */
#define FLT_MIXED(a, b)                                                                                               \
    { "+", 2, { a, b }, F8, f_flt_add, OP, 0 }, { "-", 2, { a, b }, F8, f_flt_sub, OP, 0 },                          \
        { "*", 2, { a, b }, F8, f_flt_mul, OP, 0 }, { "/", 2, { a, b }, F8, f_flt_div, OP, 0 },                      \
        { "=", 2, { a, b }, B, f_eq, OP, 0 }, { "<>", 2, { a, b }, B, f_ne, OP, 0 },                                 \
        { "<", 2, { a, b }, B, f_lt, OP, 0 }, { "<=", 2, { a, b }, B, f_le, OP, 0 },                                 \
        { ">", 2, { a, b }, B, f_gt, OP, 0 }, { ">=", 2, { a, b }, B, f_ge, OP, 0 }

static const exec_func_t core_funcs[] = {
    INT_OPS(I2), INT_OPS(I4), INT_OPS(I8), FLT_OPS(F4), FLT_OPS(F8), FLT_MIXED(F4, F8), FLT_MIXED(F8, F4),
    { "+", 2, { NU, NU }, NU, f_num_add, OP, 0 }, { "-", 2, { NU, NU }, NU, f_num_sub, OP, 0 },
    { "*", 2, { NU, NU }, NU, f_num_mul, OP, 0 }, { "/", 2, { NU, NU }, NU, f_num_div, OP, 0 },
    { "%", 2, { NU, NU }, NU, f_num_mod, OP, 0 }, { "mod", 2, { NU, NU }, NU, f_num_mod, S, 0 },
    { "-", 1, { NU }, NU, f_num_neg, OP, 0 }, { "+", 1, { NU }, NU, f_ident, OP, 0 },
    { "abs", 1, { NU }, NU, f_num_abs, S, 0 }, { "@", 1, { NU }, NU, f_num_abs, OP, 0 }, CMP_OPS(NU),
    { "=", 2, { B, B }, B, f_bool_eq, OP, 0 }, { "<>", 2, { B, B }, B, f_ne, OP, 0 },
    { "<", 2, { B, B }, B, f_lt, OP, 0 }, { ">", 2, { B, B }, B, f_gt, OP, 0 },
    { "<=", 2, { B, B }, B, f_le, OP, 0 }, { ">=", 2, { B, B }, B, f_ge, OP, 0 },
    CMP_OPS(TX), CMP_OPS(BP), CMP_OPS(NM), CMP_OPS(BY), CMP_OPS(CH), CMP_OPS(DT), CMP_OPS(TM), CMP_OPS(TS),
    CMP_OPS(TZ), CMP_OPS(IV), CMP_OPS(OI), CMP_OPS(AA),
    { "||", 2, { TX, TX }, TX, f_textcat, OP, 0 },
    { "||", 2, { TX, AN }, TX, f_anycat, OP, 0 },
    { "||", 2, { AN, TX }, TX, f_anycat, OP, 0 },
    { "~~", 2, { TX, TX }, B, f_like, OP, 0 }, { "!~~", 2, { TX, TX }, B, f_notlike, OP, 0 },
    { "~~*", 2, { TX, TX }, B, f_ilike, OP, 0 }, { "!~~*", 2, { TX, TX }, B, f_notilike, OP, 0 },
    { "~~", 2, { BP, TX }, B, f_like, OP, 0 }, { "~~", 2, { NM, TX }, B, f_like, OP, 0 },
    { "~~*", 2, { NM, TX }, B, f_ilike, OP, 0 }, { "!~~", 2, { NM, TX }, B, f_notlike, OP, 0 },
    { "+", 2, { DT, I4 }, DT, f_date_pl_int, OP, 0 }, { "+", 2, { I4, DT }, DT, f_int_pl_date, OP, 0 },
    { "-", 2, { DT, I4 }, DT, f_date_mi_int, OP, 0 }, { "-", 2, { DT, DT }, I4, f_date_mi_date, OP, 0 },
    { "+", 2, { DT, IV }, TS, f_ts_pl_iv, OP, 0 }, { "+", 2, { IV, DT }, TS, f_iv_pl_ts, OP, 0 },
    { "-", 2, { DT, IV }, TS, f_ts_mi_iv, OP, 0 },
    { "+", 2, { TS, IV }, TS, f_ts_pl_iv, OP, 0 }, { "+", 2, { IV, TS }, TS, f_iv_pl_ts, OP, 0 },
    { "-", 2, { TS, IV }, TS, f_ts_mi_iv, OP, 0 }, { "-", 2, { TS, TS }, IV, f_ts_mi_ts, OP, 0 },
    { "+", 2, { TZ, IV }, TZ, f_ts_pl_iv, OP, 0 }, { "+", 2, { IV, TZ }, TZ, f_iv_pl_ts, OP, 0 },
    { "-", 2, { TZ, IV }, TZ, f_ts_mi_iv, OP, 0 }, { "-", 2, { TZ, TZ }, IV, f_ts_mi_ts, OP, 0 },
    { "+", 2, { IV, IV }, IV, f_iv_pl_iv, OP, 0 }, { "-", 2, { IV, IV }, IV, f_iv_mi_iv, OP, 0 },
    { "-", 1, { IV }, IV, f_iv_neg, OP, 0 }, { "*", 2, { IV, F8 }, IV, f_iv_mul, OP, 0 },
};

/* Registries of the other function files. */
extern const exec_func_t exec__str_funcs[];
extern const int exec__n_str_funcs;
extern const exec_func_t exec__session_funcs[];
extern const int exec__n_session_funcs;
extern const exec_func_t exec__array_funcs[];
extern const int exec__n_array_funcs;
extern const exec_func_t exec__catalog_funcs[];
extern const int exec__n_catalog_funcs;
extern const exec_func_t exec__regex_funcs[];
extern const int exec__n_regex_funcs;
extern const exec_func_t exec__fmt_funcs[];
extern const int exec__n_fmt_funcs;
extern const exec_func_ext_t exec__srf_funcs[];
extern const int exec__n_srf_funcs;

static struct {
    const exec_func_t *t;
    int n;
} extra[16];
static int nextra;

void exec_func_register(const exec_func_t *fns, int n)
{
    for (int i = 0; i < nextra; i++)
        if (extra[i].t == fns)
            return; /* registering twice (tests re-initialise) changes nothing */
    if (nextra < 16) {
        extra[nextra].t = fns;
        extra[nextra].n = n;
        nextra++;
    }
}

static bool same_signature(const exec_func_t *a, const exec_func_t *b)
{
    if (a->nargs != b->nargs || ((a->flags ^ b->flags) & EXEC_FN_OPERATOR))
        return false;
    for (int i = 0; i < a->nargs && i < 6; i++)
        if (a->args[i] != b->args[i])
            return false;
    return true;
}

int exec_func_candidates(const char *name, const exec_func_t **out, int max)
{
    int n = 0;
    /* registered tables first: they override built-ins of the same signature */
    for (int k = nextra - 1; k >= 0; k--)
        for (int i = 0; i < extra[k].n; i++)
            if (strcmp(extra[k].t[i].name, name) == 0 && n < max) {
                bool dup = false;
                for (int j = 0; j < n && !dup; j++)
                    dup = same_signature(out[j], &extra[k].t[i]);
                if (!dup)
                    out[n++] = &extra[k].t[i];
            }
    struct {
        const exec_func_t *t;
        int n;
    } tabs[] = {
        { core_funcs, (int)(sizeof core_funcs / sizeof core_funcs[0]) },
        { exec__str_funcs, exec__n_str_funcs },
        { exec__session_funcs, exec__n_session_funcs },
        { exec__array_funcs, exec__n_array_funcs },
        { exec__catalog_funcs, exec__n_catalog_funcs },
        { exec__regex_funcs, exec__n_regex_funcs },
        { exec__fmt_funcs, exec__n_fmt_funcs },
    };
    int nreg = n;
    for (size_t k = 0; k < sizeof tabs / sizeof tabs[0]; k++)
        for (int i = 0; i < tabs[k].n; i++)
            if (strcmp(tabs[k].t[i].name, name) == 0 && n < max) {
                bool dup = false;
                for (int j = 0; j < nreg && !dup; j++)
                    dup = same_signature(out[j], &tabs[k].t[i]);
                if (!dup)
                    out[n++] = &tabs[k].t[i];
            }
    for (int i = 0; i < exec__n_srf_funcs; i++)
        if (strcmp(exec__srf_funcs[i].base.name, name) == 0 && n < max)
            out[n++] = &exec__srf_funcs[i].base;
    return n;
}

/* ---- type categories ---- */

char exec_type_category(type_oid_t t)
{
    const type_info_t *ti = type_lookup(t);
    return ti ? ti->category : 'U';
}

bool exec_type_is_preferred(type_oid_t t)
{
    switch (t) {
    case TYPE_BOOL:
    case TYPE_FLOAT8:
    case TYPE_TEXT:
    case TYPE_TIMESTAMPTZ:
    case TYPE_INTERVAL:
    case TYPE_OID:
        return true;
    default:
        return false;
    }
}

/* ---- casts ---- */

static int int_to_int(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    if (!int_fits(fc->expr->type, a[0].u.i))
        return exec__range_error(fc, fc->expr->type);
    o->u.i = a[0].u.i;
    return 0;
}

static int int_to_flt(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    o->u.f = fc->expr->type == TYPE_FLOAT4 ? (double)(float)a[0].u.i : (double)a[0].u.i;
    return 0;
}

static int flt_to_int(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    double d = rint(a[0].u.f);
    type_oid_t t = fc->expr->type;
    double lo = t == TYPE_INT2 ? INT16_MIN : t == TYPE_INT4 ? INT32_MIN : -9223372036854775808.0;
    double hi = t == TYPE_INT2 ? INT16_MAX + 1.0 : t == TYPE_INT4 ? INT32_MAX + 1.0 : 9223372036854775808.0;
    if (isnan(d) || d < lo || d >= hi)
        return exec__range_error(fc, t);
    o->u.i = (int64_t)d;
    return 0;
}

static int flt_to_flt(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    if (fc->expr->type == TYPE_FLOAT4) {
        float f = (float)a[0].u.f;
        if (isinf(f) && !isinf(a[0].u.f))
            return err_set(fc->err, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, "value out of range: overflow");
        if (f == 0 && a[0].u.f != 0)
            return err_set(fc->err, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, "value out of range: underflow");
        o->u.f = f;
    } else {
        o->u.f = a[0].u.f;
    }
    return 0;
}

static int apply_numeric_typmod(exec_fctx_t *fc, const type_numeric_t *n, value_t *o)
{
    return numeric_apply_typmod(n, fc->expr->typmod, fc->arena, &o->u.num, fc->err);
}

static int int_to_num(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    return apply_numeric_typmod(fc, numeric_from_int64(fc->arena, a[0].u.i), o);
}

static int flt_to_num(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    bool is4 = fc->expr->args[0]->type == TYPE_FLOAT4;
    return apply_numeric_typmod(fc, numeric_from_double(fc->arena, a[0].u.f, is4 ? 6 : 15), o);
}

static int num_to_num(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    return apply_numeric_typmod(fc, a[0].u.num, o);
}

static int num_to_int(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    int64_t v;
    if (numeric_is_special(a[0].u.num)) {
        const char *what = a[0].u.num->sign == NUMERIC_NAN ? "NaN" : "infinity";
        const char *tn = fc->expr->type == TYPE_INT2 ? "smallint" : fc->expr->type == TYPE_INT4 ? "integer" : "bigint";
        return err_set(fc->err, ERRCODE_FEATURE_NOT_SUPPORTED, "cannot convert %s to %s", what, tn);
    }
    if (numeric_to_int64(a[0].u.num, &v) < 0 || !int_fits(fc->expr->type, v))
        return exec__range_error(fc, fc->expr->type);
    o->u.i = v;
    return 0;
}

static int num_to_flt(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    double d = numeric_to_double(a[0].u.num);
    o->u.f = fc->expr->type == TYPE_FLOAT4 ? (double)(float)d : d;
    return 0;
}

static int bool_to_int(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    (void)fc;
    o->u.i = a[0].u.i ? 1 : 0;
    return 0;
}

static int int_to_bool(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    (void)fc;
    o->u.i = a[0].u.i != 0;
    return 0;
}

static int int_to_oid(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    if (a[0].u.i < INT32_MIN || a[0].u.i > (int64_t)UINT32_MAX)
        return exec__range_error(fc, TYPE_OID);
    o->u.i = (int64_t)(uint32_t)a[0].u.i;
    return 0;
}

static int oid_to_int4(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    (void)fc;
    o->u.i = (int32_t)(uint32_t)a[0].u.i;
    return 0;
}

static int date_to_tsf(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    (void)fc;
    o->u.i = date_to_ts(a[0].u.i);
    return 0;
}

/* date, timestamp -> timestamptz: the local time in the session zone */
static int local_to_tz(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    int64_t ts = fc->expr->args[0]->type == TYPE_DATE ? date_to_ts(a[0].u.i) : a[0].u.i;
    o->u.i = dt_zone_from_local(dt_zone_current(), ts);
    return 0;
}

/* timestamptz -> timestamp: its local time in the session zone */
static int tz_to_local(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    (void)fc;
    o->u.i = dt_zone_to_local(dt_zone_current(), a[0].u.i);
    return 0;
}

static int ts_to_date(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    value_t local;
    if (fc->expr->args[0]->type == TYPE_TIMESTAMPTZ) {
        tz_to_local(fc, a, &local);
        a = &local;
    }
    if (a[0].u.i == DT_NOBEGIN)
        o->u.i = DT_DATE_NOBEGIN;
    else if (a[0].u.i == DT_NOEND)
        o->u.i = DT_DATE_NOEND;
    else {
        int64_t d = a[0].u.i / DT_USECS_PER_DAY;
        if (a[0].u.i % DT_USECS_PER_DAY < 0)
            d--;
        o->u.i = d;
    }
    return 0;
}

static int ts_to_time(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    value_t local;
    if (fc->expr->args[0]->type == TYPE_TIMESTAMPTZ) {
        tz_to_local(fc, a, &local);
        a = &local;
    }
    int64_t t = a[0].u.i % DT_USECS_PER_DAY;
    if (t < 0)
        t += DT_USECS_PER_DAY;
    o->u.i = t;
    return 0;
}

/* string to string: bpchar loses trailing spaces as text; typmod truncates
 * on explicit casts (ival2 = 1) and raises 22001 otherwise, as PostgreSQL's
 * varchar()/bpchar() length coercions do. */
static int str_to_str(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    type_oid_t from = fc->expr->args[0]->type, to = fc->expr->type;
    const char *p = a[0].u.s.p;
    size_t n = a[0].u.s.len;
    if (from == TYPE_BPCHAR && to != TYPE_BPCHAR)
        while (n > 0 && p[n - 1] == ' ')
            n--;
    if (to == TYPE_NAME && n > 63) {
        n = 63;
        while (n > 0 && ((unsigned char)p[n] & 0xC0) == 0x80)
            n--;
    }
    int32_t typmod = fc->expr->typmod;
    if ((to == TYPE_VARCHAR || to == TYPE_BPCHAR) && typmod >= 5) {
        size_t maxc = (size_t)(typmod - 4), chars = 0, cut = n;
        for (size_t i = 0; i < n; i++)
            if (((unsigned char)p[i] & 0xC0) != 0x80) {
                if (chars == maxc)
                    cut = i;
                chars++;
            }
        if (chars > maxc) {
            if (fc->expr->ival2 != 1)
                for (size_t i = cut; i < n; i++)
                    if (p[i] != ' ')
                        return err_set(fc->err, ERRCODE_STRING_DATA_RIGHT_TRUNCATION, "value too long for type %s(%d)",
                                       to == TYPE_VARCHAR ? "character varying" : "character", typmod - 4);
            n = cut;
            chars = maxc;
        }
        if (to == TYPE_BPCHAR && chars < maxc) {
            char *d = mem_alloc(fc->arena, n + (maxc - chars));
            memcpy(d, p, n);
            memset(d + n, ' ', maxc - chars);
            o->u.s.p = d;
            o->u.s.len = (uint32_t)(n + maxc - chars);
            return 0;
        }
    }
    o->u.s.p = p;
    o->u.s.len = (uint32_t)n;
    return 0;
}

static int char_to_text(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    char *p = mem_alloc(fc->arena, 2);
    p[0] = (char)a[0].u.i;
    o->u.s.p = p;
    o->u.s.len = a[0].u.i ? 1 : 0;
    return 0;
}

static int text_to_char(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    (void)fc;
    o->u.i = a[0].u.s.len ? (unsigned char)a[0].u.s.p[0] : 0;
    return 0;
}

/* via_text - the generic I/O cast: source output function, target input function. */
static int via_text(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    type_oid_t from = fc->expr->args[0]->type, to = fc->expr->type;
    buf_t b = BUF_INIT;
    type_out_text(from, fc->expr->args[0]->typmod, &a[0], 1, &b);
    if (from == TYPE_BPCHAR)
        while (b.len > 0 && b.data[b.len - 1] == ' ')
            b.len--;
    int rc = 0;
    if (exec_type_category(to) == 'S' || to == TYPE_UNKNOWN) {
        value_t tv = { .u.s = { b.data ? mem_amemdup(fc->arena, b.data, b.len) : "", (uint32_t)b.len } };
        rc = str_to_str(fc, &tv, o);
    } else {
        rc = type_in_text(to, fc->expr->typmod, b.data ? b.data : "", b.len, fc->arena, o, fc->err);
    }
    buf_free(&b);
    return rc;
}

/* bool::text is 'true' / 'false' (PostgreSQL's booltext), not boolout's t / f. */
static int bool_to_text(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    const char *t = a[0].u.i ? "true" : "false";
    value_t tv = { .u.s = { t, (uint32_t)strlen(t) } };
    return str_to_str(fc, &tv, o);
}

/* record_rows_eq - rows compared column by column with SQL's NULL logic: a
 * differing column decides false, else a NULL column gives NULL. The columns
 * have one type on both sides (the analyzer coerces them). */
static int record_rows_eq(exec_fctx_t *fc, const value_t *a, value_t *o, bool negate)
{
    (void)fc;
    const type_record_t *x = a[0].u.rec, *y = a[1].u.rec;
    bool sawnull = false;
    for (int i = 0; i < x->desc->n && i < y->desc->n; i++) {
        if (x->vals[i].isnull || y->vals[i].isnull) {
            sawnull = true;
            continue;
        }
        if (value_cmp(x->desc->types[i], &x->vals[i], &y->vals[i]) != 0) {
            o->isnull = false;
            o->u.i = negate;
            return 0;
        }
    }
    o->isnull = sawnull;
    o->u.i = !negate;
    return 0;
}

static int f_record_eq(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    return record_rows_eq(fc, a, o, false);
}

static int f_record_ne(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    return record_rows_eq(fc, a, o, true);
}

const exec_func_t exec_rows_eq = { "=", 2, { TYPE_RECORD, TYPE_RECORD }, TYPE_BOOL, f_record_eq, S | OP, 0 };
const exec_func_t exec_rows_ne = { "<>", 2, { TYPE_RECORD, TYPE_RECORD }, TYPE_BOOL, f_record_ne, S | OP, 0 };

const exec_func_t exec_cast_via_text = { "io", 1, { AN }, AN, via_text, S | EXEC_FN_CAST, 0 };

typedef struct cast_def {
    type_oid_t from, to;
    int context;
    exec_func_t fn;
} cast_def_t;

#define CI EXEC_CAST_IMPLICIT
#define CA EXEC_CAST_ASSIGNMENT
#define CE EXEC_CAST_EXPLICIT
#define CAST(f, t, ctx, impl) { f, t, ctx, { "cast", 1, { f }, t, impl, S | EXEC_FN_CAST, 0 } }

static const cast_def_t casts[] = {
    CAST(I2, I4, CI, int_to_int), CAST(I2, I8, CI, int_to_int), CAST(I4, I8, CI, int_to_int),
    CAST(I4, I2, CA, int_to_int), CAST(I8, I2, CA, int_to_int), CAST(I8, I4, CA, int_to_int),
    CAST(I2, F4, CI, int_to_flt), CAST(I2, F8, CI, int_to_flt), CAST(I4, F4, CI, int_to_flt),
    CAST(I4, F8, CI, int_to_flt), CAST(I8, F4, CI, int_to_flt), CAST(I8, F8, CI, int_to_flt),
    CAST(F4, I2, CA, flt_to_int), CAST(F4, I4, CA, flt_to_int), CAST(F4, I8, CA, flt_to_int),
    CAST(F8, I2, CA, flt_to_int), CAST(F8, I4, CA, flt_to_int), CAST(F8, I8, CA, flt_to_int),
    CAST(F4, F8, CI, flt_to_flt), CAST(F8, F4, CA, flt_to_flt),
    CAST(I2, NU, CI, int_to_num), CAST(I4, NU, CI, int_to_num), CAST(I8, NU, CI, int_to_num),
    CAST(F4, NU, CA, flt_to_num), CAST(F8, NU, CA, flt_to_num), CAST(NU, NU, CI, num_to_num),
    CAST(NU, I2, CA, num_to_int), CAST(NU, I4, CA, num_to_int), CAST(NU, I8, CA, num_to_int),
    CAST(NU, F4, CI, num_to_flt), CAST(NU, F8, CI, num_to_flt),
    CAST(B, I4, CE, bool_to_int), CAST(I4, B, CE, int_to_bool),
    CAST(B, TX, CA, bool_to_text), CAST(B, VC, CA, bool_to_text), CAST(B, BP, CA, bool_to_text),
    CAST(I2, OI, CI, int_to_oid), CAST(I4, OI, CI, int_to_oid), CAST(I8, OI, CI, int_to_oid),
    CAST(OI, I4, CA, oid_to_int4), CAST(OI, I8, CA, f_ident),
    CAST(I4, TYPE_REGCLASS, CI, int_to_oid), CAST(I8, TYPE_REGCLASS, CI, int_to_oid),
    CAST(I4, TYPE_REGTYPE, CI, int_to_oid), CAST(I8, TYPE_REGTYPE, CI, int_to_oid),
    CAST(I4, TYPE_REGPROC, CI, int_to_oid), CAST(I4, TYPE_REGNAMESPACE, CI, int_to_oid),
    CAST(I4, TYPE_REGROLE, CI, int_to_oid), CAST(I4, TYPE_REGPROCEDURE, CI, int_to_oid),
    CAST(OI, TYPE_REGCLASS, CI, f_ident), CAST(TYPE_REGCLASS, OI, CI, f_ident),
    CAST(OI, TYPE_REGTYPE, CI, f_ident), CAST(TYPE_REGTYPE, OI, CI, f_ident),
    CAST(OI, TYPE_REGPROC, CI, f_ident), CAST(TYPE_REGPROC, OI, CI, f_ident),
    CAST(OI, TYPE_REGNAMESPACE, CI, f_ident), CAST(TYPE_REGNAMESPACE, OI, CI, f_ident),
    CAST(OI, TYPE_REGROLE, CI, f_ident), CAST(TYPE_REGROLE, OI, CI, f_ident),
    CAST(OI, TYPE_REGPROCEDURE, CI, f_ident), CAST(TYPE_REGPROCEDURE, OI, CI, f_ident),
    CAST(TYPE_REGPROC, TYPE_REGPROCEDURE, CI, f_ident),
    CAST(TYPE_REGCLASS, I8, CA, f_ident), CAST(TYPE_REGTYPE, I8, CA, f_ident),
    CAST(TYPE_REGCLASS, I4, CA, oid_to_int4), CAST(TYPE_REGTYPE, I4, CA, oid_to_int4),
    CAST(DT, TS, CI, date_to_tsf), CAST(DT, TZ, CI, local_to_tz), CAST(TS, TZ, CI, local_to_tz),
    CAST(TZ, TS, CA, tz_to_local), CAST(TS, DT, CA, ts_to_date), CAST(TZ, DT, CA, ts_to_date),
    CAST(TS, TM, CA, ts_to_time), CAST(TZ, TM, CA, ts_to_time),
    CAST(TX, BP, CI, str_to_str), CAST(TX, VC, CI, str_to_str), CAST(TX, NM, CI, str_to_str),
    CAST(VC, TX, CI, str_to_str), CAST(VC, BP, CI, str_to_str), CAST(VC, NM, CI, str_to_str),
    CAST(VC, VC, CI, str_to_str), CAST(BP, BP, CI, str_to_str),
    CAST(BP, TX, CI, str_to_str), CAST(BP, VC, CI, str_to_str), CAST(BP, NM, CI, str_to_str),
    CAST(NM, TX, CI, str_to_str), CAST(NM, VC, CA, str_to_str), CAST(NM, BP, CA, str_to_str),
    CAST(TYPE_UNKNOWN, TX, CI, str_to_str), CAST(TYPE_UNKNOWN, VC, CI, str_to_str),
    CAST(TYPE_UNKNOWN, BP, CI, str_to_str), CAST(TYPE_UNKNOWN, NM, CI, str_to_str),
    CAST(CH, TX, CI, char_to_text), CAST(TX, CH, CA, text_to_char), CAST(VC, CH, CA, text_to_char),
    CAST(TYPE_JSON, TX, CA, str_to_str), CAST(TYPE_PG_NODE_TREE, TX, CI, str_to_str),
};

const exec_func_t *exec_cast_find(type_oid_t from, type_oid_t to, int *context)
{
    for (size_t i = 0; i < sizeof casts / sizeof casts[0]; i++)
        if (casts[i].from == from && casts[i].to == to) {
            *context = casts[i].context;
            return &casts[i].fn;
        }
    /* PostgreSQL's automatic I/O casts: to a string type in assignment
     * context, from a string type explicitly. */
    char cf = exec_type_category(from), ct = exec_type_category(to);
    if (ct == 'S' && from != to) {
        *context = EXEC_CAST_ASSIGNMENT;
        return &exec_cast_via_text;
    }
    if ((cf == 'S' || from == TYPE_UNKNOWN) && type_lookup(to)) {
        *context = EXEC_CAST_EXPLICIT;
        return &exec_cast_via_text;
    }
    return NULL;
}
