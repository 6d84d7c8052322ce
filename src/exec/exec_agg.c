/*
 * exec_agg.c - aggregation: the built-in aggregate functions and the hash
 * aggregate operator (GROUP BY, grouping sets, plain aggregates), plus the
 * hash DISTINCT operator.
 *
 * Groups live in an open-addressing hash table keyed by the group values
 * (NULLs group together, as GROUP BY requires); each group owns a block of
 * aggregate states. sum/avg over integers accumulate in 128-bit integers and
 * over numerics in scaled 128-bit integers while the values fit, so the hot
 * path allocates nothing per row. DISTINCT aggregates keep a value set per
 * group; aggregates with ORDER BY (array_agg, string_agg) collect their
 * inputs and sort them at the end. With grouping sets every row is folded
 * into one group per set; columns a set does not group are NULL.
 */
#include "exec_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "types/array.h"
#include "types/datetime.h"
#include "types/numeric.h"
#include "types/value.h"

/* ---- aggregate functions ---- */

typedef struct cnt_st {
    int64_t n;
} cnt_st_t;

static int count_step(void *st, type_oid_t t, const value_t *v, mem_arena_t *a, err_t *err)
{
    (void)t; (void)v; (void)a; (void)err;
    ((cnt_st_t *)st)->n++;
    return 0;
}

static int count_final(void *st, type_oid_t t, type_oid_t rt, mem_arena_t *a, value_t *o, err_t *err)
{
    (void)t; (void)rt; (void)a; (void)err;
    o->isnull = false;
    o->u.i = st ? ((cnt_st_t *)st)->n : 0;
    return 0;
}

typedef struct isum_st {
    bool any;
    int64_t n;
    __int128 s;
} isum_st_t;

static int isum_step(void *st, type_oid_t t, const value_t *v, mem_arena_t *a, err_t *err)
{
    (void)t; (void)a; (void)err;
    isum_st_t *s = st;
    s->any = true;
    s->n++;
    s->s += v->u.i;
    return 0;
}

static int isum_final(void *st, type_oid_t t, type_oid_t rt, mem_arena_t *a, value_t *o, err_t *err)
{
    (void)t;
    isum_st_t *s = st;
    if (!s || !s->any) {
        o->isnull = true;
        return 0;
    }
    o->isnull = false;
    if (rt == TYPE_INT8) {
        if (s->s > INT64_MAX || s->s < INT64_MIN)
            return err_set(err, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, "bigint out of range");
        o->u.i = (int64_t)s->s;
    } else {
        o->u.num = numeric_from_int128(a, s->s);
    }
    return 0;
}

static int iavg_final(void *st, type_oid_t t, type_oid_t rt, mem_arena_t *a, value_t *o, err_t *err)
{
    (void)t; (void)rt;
    isum_st_t *s = st;
    if (!s || !s->any) {
        o->isnull = true;
        return 0;
    }
    o->isnull = false;
    return numeric_div(a, numeric_from_int128(a, s->s), numeric_from_int64(a, s->n), -1, &o->u.num, err);
}

typedef struct fsum_st {
    bool any;
    double n, sx, sxx;
} fsum_st_t;

static int fsum_step(void *st, type_oid_t t, const value_t *v, mem_arena_t *a, err_t *err)
{
    (void)t; (void)a; (void)err;
    fsum_st_t *s = st;
    double x = v->u.f;
    double oldn = s->n;
    s->any = true;
    s->n += 1.0;
    s->sx += x;
    /* PostgreSQL's float8_accum (Youngs-Cramer) */
    if (oldn > 0.0) {
        double tmp = x * s->n - s->sx;
        s->sxx += tmp * tmp / (s->n * oldn);
        if (isinf(s->sx) || isinf(s->sxx))
            s->sxx = NAN;
    } else if (isnan(x) || isinf(x)) {
        s->sxx = NAN;
    }
    return 0;
}

static int fsum_final(void *st, type_oid_t t, type_oid_t rt, mem_arena_t *a, value_t *o, err_t *err)
{
    (void)t; (void)a; (void)err;
    fsum_st_t *s = st;
    if (!s || !s->any) {
        o->isnull = true;
        return 0;
    }
    o->isnull = false;
    o->u.f = rt == TYPE_FLOAT4 ? (double)(float)s->sx : s->sx;
    return 0;
}

static int favg_final(void *st, type_oid_t t, type_oid_t rt, mem_arena_t *a, value_t *o, err_t *err)
{
    (void)t; (void)rt; (void)a; (void)err;
    fsum_st_t *s = st;
    if (!s || !s->any) {
        o->isnull = true;
        return 0;
    }
    o->isnull = false;
    o->u.f = s->sx / s->n;
    return 0;
}

/* which: 0 var_samp, 1 var_pop, 2 stddev_samp, 3 stddev_pop */
static int fvar(void *st, int which, value_t *o)
{
    fsum_st_t *s = st;
    bool samp = which == 0 || which == 2;
    if (!s || !s->any || (samp && s->n < 2)) {
        o->isnull = true;
        return 0;
    }
    double v = s->sxx / (samp ? s->n - 1 : s->n);
    o->isnull = false;
    o->u.f = which >= 2 ? sqrt(v) : v;
    return 0;
}

static int fvar_samp(void *st, type_oid_t t, type_oid_t rt, mem_arena_t *a, value_t *o, err_t *err) { (void)t; (void)rt; (void)a; (void)err; return fvar(st, 0, o); }
static int fvar_pop(void *st, type_oid_t t, type_oid_t rt, mem_arena_t *a, value_t *o, err_t *err) { (void)t; (void)rt; (void)a; (void)err; return fvar(st, 1, o); }
static int fstd_samp(void *st, type_oid_t t, type_oid_t rt, mem_arena_t *a, value_t *o, err_t *err) { (void)t; (void)rt; (void)a; (void)err; return fvar(st, 2, o); }
static int fstd_pop(void *st, type_oid_t t, type_oid_t rt, mem_arena_t *a, value_t *o, err_t *err) { (void)t; (void)rt; (void)a; (void)err; return fvar(st, 3, o); }

/* numeric sums: exact scaled int128 while it fits, numeric values after. */
typedef struct nsum_st {
    bool any;
    bool big;            /* switched to numeric accumulation */
    int64_t n;
    int scale;
    __int128 acc;        /* sum * 10^scale */
    __int128 acc2;       /* sum of squares * 10^(2*scale2) for variance */
    int scale2;
    bool big2;
    const type_numeric_t *sum, *sum2;
    uint16_t special;    /* NaN / +-Inf seen */
} nsum_st_t;

static int nsum_add(nsum_st_t *s, const type_numeric_t *x, mem_arena_t *a, err_t *err)
{
    if (numeric_is_special(x)) {
        if (x->sign == NUMERIC_NAN || (s->special && s->special != x->sign))
            s->special = NUMERIC_NAN;
        else
            s->special = x->sign;
        return 0;
    }
    if (!s->big) {
        int sc = x->dscale > s->scale ? x->dscale : s->scale;
        __int128 v, acc = s->acc;
        bool ok = sc <= 30;
        for (int k = s->scale; ok && k < sc; k++) {
            if (acc > ((__int128)1 << 118) || acc < -((__int128)1 << 118))
                ok = false;
            acc *= 10;
        }
        if (ok && numeric_to_scaled(x, sc, &v) == 0 && !__builtin_add_overflow(acc, v, &acc) &&
            acc < ((__int128)1 << 122) && acc > -((__int128)1 << 122)) {
            s->acc = acc;
            s->scale = sc;
            return 0;
        }
        s->big = true;
        s->sum = numeric_from_scaled(a, s->acc, s->scale);
    }
    return numeric_add(a, s->sum, x, &s->sum, err);
}

static int nsum_step(void *st, type_oid_t t, const value_t *v, mem_arena_t *a, err_t *err)
{
    (void)t;
    nsum_st_t *s = st;
    s->any = true;
    s->n++;
    return nsum_add(s, v->u.num, a, err);
}

static const type_numeric_t *nsum_value(nsum_st_t *s, mem_arena_t *a)
{
    if (s->special)
        return numeric_from_double(a, s->special == NUMERIC_NAN ? NAN : s->special == NUMERIC_PINF ? INFINITY : -INFINITY, 15);
    return s->big ? s->sum : numeric_from_scaled(a, s->acc, s->scale);
}

static int nsum_final(void *st, type_oid_t t, type_oid_t rt, mem_arena_t *a, value_t *o, err_t *err)
{
    (void)t; (void)rt; (void)err;
    nsum_st_t *s = st;
    if (!s || !s->any) {
        o->isnull = true;
        return 0;
    }
    o->isnull = false;
    o->u.num = nsum_value(s, a);
    return 0;
}

static int navg_final(void *st, type_oid_t t, type_oid_t rt, mem_arena_t *a, value_t *o, err_t *err)
{
    (void)t; (void)rt;
    nsum_st_t *s = st;
    if (!s || !s->any) {
        o->isnull = true;
        return 0;
    }
    o->isnull = false;
    return numeric_div(a, nsum_value(s, a), numeric_from_int64(a, s->n), -1, &o->u.num, err);
}

/* numeric variance over ints and numerics: PostgreSQL's numeric_stddev_internal */
static const type_numeric_t *as_numeric(type_oid_t t, const value_t *v, mem_arena_t *a)
{
    return t == TYPE_NUMERIC ? v->u.num : numeric_from_int64(a, v->u.i);
}

typedef struct nvar_st {
    bool any;
    int64_t n;
    const type_numeric_t *sx, *sxx;
} nvar_st_t;

static int nvar_step(void *st, type_oid_t t, const value_t *v, mem_arena_t *a, err_t *err)
{
    nvar_st_t *s = st;
    const type_numeric_t *x = as_numeric(t, v, a), *x2;
    if (!s->any) {
        s->sx = numeric_from_int64(a, 0);
        s->sxx = s->sx;
    }
    s->any = true;
    s->n++;
    if (numeric_mul(a, x, x, &x2, err) < 0 || numeric_add(a, s->sx, x, &s->sx, err) < 0 ||
        numeric_add(a, s->sxx, x2, &s->sxx, err) < 0)
        return -1;
    return 0;
}

static int nvar(void *st, int which, mem_arena_t *a, value_t *o, err_t *err)
{
    nvar_st_t *s = st;
    bool samp = which == 0 || which == 2;
    if (!s || !s->any || (samp && s->n < 2)) {
        o->isnull = true;
        return 0;
    }
    const type_numeric_t *sx2, *nsxx, *num, *den, *res;
    const type_numeric_t *N = numeric_from_int64(a, s->n), *N1 = numeric_from_int64(a, samp ? s->n - 1 : s->n);
    if (numeric_mul(a, s->sx, s->sx, &sx2, err) < 0 || numeric_mul(a, N, s->sxx, &nsxx, err) < 0 ||
        numeric_sub(a, nsxx, sx2, &num, err) < 0)
        return -1;
    o->isnull = false;
    if (numeric_sign(num) <= 0) {
        o->u.num = numeric_from_int64(a, 0); /* PostgreSQL returns a plain 0 */
        return 0;
    }
    if (numeric_mul(a, N, N1, &den, err) < 0 || numeric_div(a, num, den, -1, &res, err) < 0)
        return -1;
    if (which >= 2) {
        if (numeric_sqrt(a, res, res->dscale, &res, err) < 0)
            return -1;
    }
    o->u.num = res;
    return 0;
}

static int nvar_samp(void *st, type_oid_t t, type_oid_t rt, mem_arena_t *a, value_t *o, err_t *err) { (void)t; (void)rt; return nvar(st, 0, a, o, err); }
static int nvar_pop(void *st, type_oid_t t, type_oid_t rt, mem_arena_t *a, value_t *o, err_t *err) { (void)t; (void)rt; return nvar(st, 1, a, o, err); }
static int nstd_samp(void *st, type_oid_t t, type_oid_t rt, mem_arena_t *a, value_t *o, err_t *err) { (void)t; (void)rt; return nvar(st, 2, a, o, err); }
static int nstd_pop(void *st, type_oid_t t, type_oid_t rt, mem_arena_t *a, value_t *o, err_t *err) { (void)t; (void)rt; return nvar(st, 3, a, o, err); }

typedef struct minmax_st {
    bool any;
    value_t v;
} minmax_st_t;

static int min_step(void *st, type_oid_t t, const value_t *v, mem_arena_t *a, err_t *err)
{
    (void)err;
    minmax_st_t *s = st;
    if (!s->any || value_cmp(t, v, &s->v) < 0) {
        value_copy(a, t, &s->v, v);
        s->any = true;
    }
    return 0;
}

static int max_step(void *st, type_oid_t t, const value_t *v, mem_arena_t *a, err_t *err)
{
    (void)err;
    minmax_st_t *s = st;
    if (!s->any || value_cmp(t, v, &s->v) > 0) {
        value_copy(a, t, &s->v, v);
        s->any = true;
    }
    return 0;
}

static int minmax_final(void *st, type_oid_t t, type_oid_t rt, mem_arena_t *a, value_t *o, err_t *err)
{
    (void)t; (void)rt; (void)a; (void)err;
    minmax_st_t *s = st;
    if (!s || !s->any) {
        o->isnull = true;
        return 0;
    }
    *o = s->v;
    o->isnull = false;
    return 0;
}

typedef struct bool_st {
    bool any, v;
} bool_st_t;

static int and_step(void *st, type_oid_t t, const value_t *v, mem_arena_t *a, err_t *err)
{
    (void)t; (void)a; (void)err;
    bool_st_t *s = st;
    s->v = s->any ? (s->v && v->u.i) : v->u.i != 0;
    s->any = true;
    return 0;
}

static int or_step(void *st, type_oid_t t, const value_t *v, mem_arena_t *a, err_t *err)
{
    (void)t; (void)a; (void)err;
    bool_st_t *s = st;
    s->v = s->any ? (s->v || v->u.i) : v->u.i != 0;
    s->any = true;
    return 0;
}

static int bool_final(void *st, type_oid_t t, type_oid_t rt, mem_arena_t *a, value_t *o, err_t *err)
{
    (void)t; (void)rt; (void)a; (void)err;
    bool_st_t *s = st;
    if (!s || !s->any) {
        o->isnull = true;
        return 0;
    }
    o->isnull = false;
    o->u.i = s->v;
    return 0;
}

typedef struct str_st {
    bool any;
    char *p;
    size_t len, cap;
} str_st_t;

static int str_append(str_st_t *s, const char *p, size_t n, mem_arena_t *a, err_t *err)
{
    if (n == 0)
        return 0; /* an empty string: p and s->p may both be NULL, and memcpy must not see them */
    if (s->len + n > s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 64;
        while (nc < s->len + n)
            nc *= 2;
        char *np = mem_alloc_try(a, nc);
        if (!np)
            return err_set(err, ERRCODE_OUT_OF_MEMORY, "out of memory");
        if (s->len)
            memcpy(np, s->p, s->len);
        s->p = np;
        s->cap = nc;
    }
    memcpy(s->p + s->len, p, n);
    s->len += n;
    return 0;
}

static int string_agg_step2(void *st, type_oid_t t, const value_t *v, const value_t *d, mem_arena_t *a, err_t *err)
{
    (void)t;
    str_st_t *s = st;
    if (v->isnull)
        return 0;
    if (s->any && !d->isnull && str_append(s, d->u.s.p, d->u.s.len, a, err) < 0)
        return -1;
    s->any = true;
    return str_append(s, v->u.s.p, v->u.s.len, a, err);
}

static int string_agg_final(void *st, type_oid_t t, type_oid_t rt, mem_arena_t *a, value_t *o, err_t *err)
{
    (void)t; (void)rt; (void)a; (void)err;
    str_st_t *s = st;
    if (!s || !s->any) {
        o->isnull = true;
        return 0;
    }
    o->isnull = false;
    o->u.s.p = s->p ? s->p : "";
    o->u.s.len = (uint32_t)s->len;
    return 0;
}

typedef struct arr_st {
    int n, cap;
    value_t *vals;
} arr_st_t;

static int array_agg_step(void *st, type_oid_t t, const value_t *v, mem_arena_t *a, err_t *err)
{
    arr_st_t *s = st;
    if (s->n == s->cap) {
        int nc = s->cap ? s->cap * 2 : 16;
        value_t *nv = mem_alloc_try(a, sizeof(value_t) * (size_t)nc);
        if (!nv)
            return err_set(err, ERRCODE_OUT_OF_MEMORY, "out of memory");
        if (s->n)
            memcpy(nv, s->vals, sizeof(value_t) * (size_t)s->n);
        s->vals = nv;
        s->cap = nc;
    }
    value_copy(a, t, &s->vals[s->n++], v);
    return 0;
}

static int array_agg_final(void *st, type_oid_t t, type_oid_t rt, mem_arena_t *a, value_t *o, err_t *err)
{
    (void)rt; (void)err;
    arr_st_t *s = st;
    if (!s || s->n == 0) {
        o->isnull = true;
        return 0;
    }
    type_array_t *arr = type_array_new(a, t, s->n);
    memcpy(arr->vals, s->vals, sizeof(value_t) * (size_t)s->n);
    o->isnull = false;
    o->u.arr = arr;
    return 0;
}

/* percentile_cont / percentile_disc (fraction) WITHIN GROUP (ORDER BY x):
 * the inputs arrive sorted (ordered-input aggregate), x first, the fraction
 * second; NULL inputs are skipped, as PostgreSQL's ordered-set aggregates do. */
typedef struct pct_st {
    arr_st_t vals;
    bool has_frac, null_frac;
    double frac;
} pct_st_t;

static int pct_step2(void *st, type_oid_t t, const value_t *v, const value_t *f, mem_arena_t *a, err_t *err)
{
    pct_st_t *s = st;
    if (!s->has_frac) {
        s->has_frac = true;
        s->null_frac = f->isnull;
        s->frac = f->isnull ? 0 : f->u.f;
        if (!f->isnull && (s->frac < 0 || s->frac > 1 || s->frac != s->frac))
            return err_set(err, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, "percentile value %g is not between 0 and 1",
                           s->frac);
    }
    if (v->isnull)
        return 0;
    return array_agg_step(&s->vals, t, v, a, err);
}

static int pct_disc_final(void *st, type_oid_t t, type_oid_t rt, mem_arena_t *a, value_t *o, err_t *err)
{
    (void)t; (void)rt; (void)a; (void)err;
    pct_st_t *s = st;
    o->isnull = true;
    if (!s || s->null_frac || s->vals.n == 0)
        return 0;
    /* the first value whose position reaches the fraction */
    int64_t row = (int64_t)ceil(s->frac * (double)s->vals.n);
    *o = s->vals.vals[row > 1 ? row - 1 : 0];
    return 0;
}

static int pct_cont_final(void *st, type_oid_t t, type_oid_t rt, mem_arena_t *a, value_t *o, err_t *err)
{
    (void)t; (void)rt; (void)a; (void)err;
    pct_st_t *s = st;
    o->isnull = true;
    if (!s || s->null_frac || s->vals.n == 0)
        return 0;
    /* linear interpolation between the two rows around fraction * (n - 1) */
    double pos = s->frac * (double)(s->vals.n - 1);
    int64_t lo = (int64_t)floor(pos), hi = (int64_t)ceil(pos);
    double x = s->vals.vals[lo].u.f, y = s->vals.vals[hi].u.f;
    o->isnull = false;
    o->u.f = lo == hi ? x : x + (pos - (double)lo) * (y - x);
    return 0;
}

typedef struct iv_st {
    int64_t n;
    __int128 m, d, us;
} iv_st_t;

static int iv_step(void *st, type_oid_t t, const value_t *v, mem_arena_t *a, err_t *err)
{
    (void)t; (void)a; (void)err;
    iv_st_t *s = st;
    s->n++;
    s->m += v->u.iv.months;
    s->d += v->u.iv.days;
    s->us += v->u.iv.micros;
    return 0;
}

static int iv_sum_final(void *st, type_oid_t t, type_oid_t rt, mem_arena_t *a, value_t *o, err_t *err)
{
    (void)t; (void)rt; (void)a; (void)err;
    iv_st_t *s = st;
    if (!s || !s->n) {
        o->isnull = true;
        return 0;
    }
    o->isnull = false;
    o->u.iv.months = (int32_t)s->m;
    o->u.iv.days = (int32_t)s->d;
    o->u.iv.micros = (int64_t)s->us;
    return 0;
}

static int iv_avg_final(void *st, type_oid_t t, type_oid_t rt, mem_arena_t *a, value_t *o, err_t *err)
{
    (void)t; (void)rt; (void)a; (void)err;
    iv_st_t *s = st;
    if (!s || !s->n) {
        o->isnull = true;
        return 0;
    }
    /* PostgreSQL's interval_div: fractional months spill into days, days into time */
    double m = (double)s->m / (double)s->n, d = (double)s->d / (double)s->n;
    int32_t mi = (int32_t)m;
    double dd = d + (m - mi) * 30;
    int32_t di = (int32_t)dd;
    o->isnull = false;
    o->u.iv.months = mi;
    o->u.iv.days = di;
    o->u.iv.micros = (int64_t)llrint((double)s->us / (double)s->n + (dd - di) * 86400e6);
    return 0;
}

#define AGG(name, arg, ret, oid, st, strict, step, final) { name, arg, ret, oid, sizeof(st), strict, step, final, NULL }

static int grouping_step(void *state, type_oid_t argtype, const value_t *v, mem_arena_t *a, err_t *err)
{
    (void)state, (void)argtype, (void)v, (void)a, (void)err;
    return 0;
}

static int grouping_final(void *state, type_oid_t argtype, type_oid_t rettype, mem_arena_t *a, value_t *out,
                          err_t *err)
{
    (void)state, (void)argtype, (void)rettype, (void)a, (void)err;
    *out = value_int(0);
    return 0;
}

const exec_agg_t exec_agg_grouping = { "grouping", 0, TYPE_INT4, 0, 0, false, grouping_step, grouping_final, NULL };

static const exec_agg_t aggs[] = {
    AGG("count", 0, TYPE_INT8, 2803, cnt_st_t, false, count_step, count_final),
    AGG("count", TYPE_ANY, TYPE_INT8, 2147, cnt_st_t, true, count_step, count_final),
    AGG("sum", TYPE_INT2, TYPE_INT8, 2109, isum_st_t, true, isum_step, isum_final),
    AGG("sum", TYPE_INT4, TYPE_INT8, 2108, isum_st_t, true, isum_step, isum_final),
    AGG("sum", TYPE_INT8, TYPE_NUMERIC, 2107, isum_st_t, true, isum_step, isum_final),
    AGG("sum", TYPE_FLOAT4, TYPE_FLOAT4, 2110, fsum_st_t, true, fsum_step, fsum_final),
    AGG("sum", TYPE_FLOAT8, TYPE_FLOAT8, 2111, fsum_st_t, true, fsum_step, fsum_final),
    AGG("sum", TYPE_NUMERIC, TYPE_NUMERIC, 2114, nsum_st_t, true, nsum_step, nsum_final),
    AGG("sum", TYPE_INTERVAL, TYPE_INTERVAL, 2113, iv_st_t, true, iv_step, iv_sum_final),
    AGG("avg", TYPE_INT2, TYPE_NUMERIC, 2102, isum_st_t, true, isum_step, iavg_final),
    AGG("avg", TYPE_INT4, TYPE_NUMERIC, 2101, isum_st_t, true, isum_step, iavg_final),
    AGG("avg", TYPE_INT8, TYPE_NUMERIC, 2100, isum_st_t, true, isum_step, iavg_final),
    AGG("avg", TYPE_FLOAT4, TYPE_FLOAT8, 2104, fsum_st_t, true, fsum_step, favg_final),
    AGG("avg", TYPE_FLOAT8, TYPE_FLOAT8, 2105, fsum_st_t, true, fsum_step, favg_final),
    AGG("avg", TYPE_NUMERIC, TYPE_NUMERIC, 2103, nsum_st_t, true, nsum_step, navg_final),
    AGG("avg", TYPE_INTERVAL, TYPE_INTERVAL, 2106, iv_st_t, true, iv_step, iv_avg_final),
    AGG("min", TYPE_ANYELEMENT, TYPE_ANYELEMENT, 0, minmax_st_t, true, min_step, minmax_final),
    AGG("max", TYPE_ANYELEMENT, TYPE_ANYELEMENT, 0, minmax_st_t, true, max_step, minmax_final),
    AGG("bool_and", TYPE_BOOL, TYPE_BOOL, 2517, bool_st_t, true, and_step, bool_final),
    AGG("every", TYPE_BOOL, TYPE_BOOL, 2519, bool_st_t, true, and_step, bool_final),
    AGG("bool_or", TYPE_BOOL, TYPE_BOOL, 2518, bool_st_t, true, or_step, bool_final),
    AGG("array_agg", TYPE_ANYELEMENT, TYPE_ANYARRAY, 2335, arr_st_t, false, array_agg_step, array_agg_final),
    { "string_agg", TYPE_TEXT, TYPE_TEXT, 3538, sizeof(str_st_t), false, NULL, string_agg_final, string_agg_step2 },
    { "percentile_disc", TYPE_ANYELEMENT, TYPE_ANYELEMENT, 3972, sizeof(pct_st_t), false, NULL, pct_disc_final,
      pct_step2 },
    { "percentile_cont", TYPE_FLOAT8, TYPE_FLOAT8, 3974, sizeof(pct_st_t), false, NULL, pct_cont_final, pct_step2 },
    AGG("var_samp", TYPE_FLOAT8, TYPE_FLOAT8, 0, fsum_st_t, true, fsum_step, fvar_samp),
    AGG("variance", TYPE_FLOAT8, TYPE_FLOAT8, 0, fsum_st_t, true, fsum_step, fvar_samp),
    AGG("var_pop", TYPE_FLOAT8, TYPE_FLOAT8, 0, fsum_st_t, true, fsum_step, fvar_pop),
    AGG("stddev_samp", TYPE_FLOAT8, TYPE_FLOAT8, 0, fsum_st_t, true, fsum_step, fstd_samp),
    AGG("stddev", TYPE_FLOAT8, TYPE_FLOAT8, 0, fsum_st_t, true, fsum_step, fstd_samp),
    AGG("stddev_pop", TYPE_FLOAT8, TYPE_FLOAT8, 0, fsum_st_t, true, fsum_step, fstd_pop),
    AGG("var_samp", TYPE_NUMERIC, TYPE_NUMERIC, 0, nvar_st_t, true, nvar_step, nvar_samp),
    AGG("variance", TYPE_NUMERIC, TYPE_NUMERIC, 0, nvar_st_t, true, nvar_step, nvar_samp),
    AGG("var_pop", TYPE_NUMERIC, TYPE_NUMERIC, 0, nvar_st_t, true, nvar_step, nvar_pop),
    AGG("stddev_samp", TYPE_NUMERIC, TYPE_NUMERIC, 0, nvar_st_t, true, nvar_step, nstd_samp),
    AGG("stddev", TYPE_NUMERIC, TYPE_NUMERIC, 0, nvar_st_t, true, nvar_step, nstd_samp),
    AGG("stddev_pop", TYPE_NUMERIC, TYPE_NUMERIC, 0, nvar_st_t, true, nvar_step, nstd_pop),
};

static bool is_int(type_oid_t t)
{
    return t == TYPE_INT2 || t == TYPE_INT4 || t == TYPE_INT8;
}

const exec_agg_t *exec_agg_find(const char *name, int nargs, const type_oid_t *argtypes, type_oid_t *ret)
{
    type_oid_t t = nargs > 0 ? argtypes[0] : 0;
    /* the ordered-set percentiles take (sorted value, fraction) */
    bool pct = !strcmp(name, "percentile_disc") || !strcmp(name, "percentile_cont");
    if (pct != (nargs == 2 && strcmp(name, "string_agg") != 0))
        return NULL;
    if (nargs > 2)
        return NULL;
    if (strcmp(name, "string_agg") == 0) {
        if (nargs != 2 || exec_type_category(t) != 'S' || exec_type_category(argtypes[1]) != 'S')
            return NULL;
    }
    /* the variance family over integers computes in numeric, over float4 in float8 */
    bool var = !strncmp(name, "var", 3) || !strncmp(name, "stddev", 6);
    if (var && is_int(t))
        t = TYPE_NUMERIC;
    if (var && t == TYPE_FLOAT4)
        t = TYPE_FLOAT8;
    const exec_agg_t *best = NULL;
    for (size_t i = 0; i < sizeof aggs / sizeof aggs[0]; i++) {
        const exec_agg_t *a = &aggs[i];
        if (strcmp(a->name, name) != 0)
            continue;
        if (nargs == 0) {
            if (a->arg == 0) {
                best = a;
                break;
            }
            continue;
        }
        if (a->arg == 0)
            continue;
        if (a->arg == t || a->arg == TYPE_ANY || a->arg == TYPE_ANYELEMENT || (a->arg == TYPE_TEXT && !strcmp(name, "string_agg"))) {
            best = a;
            if (a->arg == t)
                break;
        }
    }
    if (!best)
        return NULL;
    if ((!strcmp(name, "min") || !strcmp(name, "max")) && t == TYPE_BOOL)
        return NULL; /* PostgreSQL has no min/max(boolean) */
    *ret = best->ret;
    if (best->ret == TYPE_ANYELEMENT)
        *ret = argtypes[0];
    /* PostgreSQL has min/max(text), not (varchar): the result is text */
    if ((!strcmp(name, "min") || !strcmp(name, "max")) && (t == TYPE_VARCHAR || t == TYPE_NAME))
        *ret = TYPE_TEXT;
    else if (best->ret == TYPE_ANYARRAY) {
        const type_info_t *ti = type_lookup(argtypes[0]);
        if (!ti || !ti->array)
            return NULL;
        *ret = ti->array;
    }
    return best;
}

bool exec_agg_exists(const char *name)
{
    for (size_t i = 0; i < sizeof aggs / sizeof aggs[0]; i++)
        if (strcmp(aggs[i].name, name) == 0)
            return true;
    return false;
}

bool exec_window_exists(const char *name)
{
    static const char *w[] = { "row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile",
                               "lag", "lead", "first_value", "last_value", "nth_value" };
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++)
        if (strcmp(w[i], name) == 0)
            return true;
    return false;
}

/* ---- hash table of rows keyed by some columns (groups, DISTINCT, joins) ---- */

uint64_t exec__hash_keys(int nkeys, const type_oid_t *types, const value_t *k)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL;
    for (int i = 0; i < nkeys; i++) {
        uint64_t x = k[i].isnull ? 0x5bd1e995ULL : value_hash(types[i], &k[i]);
        h ^= x + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    }
    return h;
}

bool exec__keys_equal(int nkeys, const type_oid_t *types, const value_t *a, const value_t *b)
{
    for (int i = 0; i < nkeys; i++) {
        if (a[i].isnull || b[i].isnull) {
            if (a[i].isnull != b[i].isnull)
                return false;
            continue;
        }
        if (value_cmp(types[i], &a[i], &b[i]) != 0)
            return false;
    }
    return true;
}

int exec__ht_init(op_t *o, htab_t *t, int nkeys, const type_oid_t *types)
{
    t->cap = 1024;
    t->n = 0;
    t->nkeys = nkeys;
    t->types = types;
    t->slots = mem_alloc_try(o->arena, sizeof(hentry_t) * t->cap);
    if (!t->slots)
        return exec__nomem(o);
    memset(t->slots, 0, sizeof(hentry_t) * t->cap);
    return 0;
}

static int ht_grow(op_t *o, htab_t *t)
{
    size_t nc = t->cap * 2;
    hentry_t *ns = mem_alloc_try(o->arena, sizeof(hentry_t) * nc);
    if (!ns)
        return exec__nomem(o);
    memset(ns, 0, sizeof(hentry_t) * nc);
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->slots[i].keys)
            continue;
        size_t j = t->slots[i].hash & (nc - 1);
        while (ns[j].keys)
            j = (j + 1) & (nc - 1);
        ns[j] = t->slots[i];
    }
    t->slots = ns;
    t->cap = nc;
    return 0;
}

/* ht_find_or_add - the entry for keys; *created when new (keys copied into o's arena). */
hentry_t *exec__ht_find_or_add(op_t *o, htab_t *t, const value_t *keys, uint64_t h, bool *created)
{
    if ((t->n + 1) * 2 > t->cap && ht_grow(o, t) < 0)
        return NULL;
    size_t j = h & (t->cap - 1);
    while (t->slots[j].keys) {
        if (t->slots[j].hash == h && exec__keys_equal(t->nkeys, t->types, t->slots[j].keys, keys)) {
            *created = false;
            return &t->slots[j];
        }
        j = (j + 1) & (t->cap - 1);
    }
    value_t *k = mem_alloc_try(o->arena, sizeof(value_t) * (size_t)(t->nkeys > 0 ? t->nkeys : 1));
    if (!k) {
        exec__nomem(o);
        return NULL;
    }
    for (int i = 0; i < t->nkeys; i++)
        value_copy(o->arena, t->types[i], &k[i], &keys[i]);
    t->slots[j].hash = h;
    t->slots[j].keys = k;
    t->slots[j].payload = NULL;
    t->n++;
    *created = true;
    return &t->slots[j];
}

/* ---- hash aggregate ---- */

typedef struct ordered_in {
    struct ordered_in *next;
    value_t *vals; /* arg0, arg1, order keys */
} ordered_in_t;

typedef struct aggslot {
    void *state;
    htab_t *seen;           /* DISTINCT */
    ordered_in_t *ordered;  /* ORDER BY inside the call */
    int nordered;
} aggslot_t;

typedef struct group {
    value_t *keys;
    int set;
    aggslot_t *slots;
} group_t;

typedef struct agg_st {
    htab_t groups;
    group_t **list;
    size_t ngroups, cap;
    bool consumed;
    size_t emit;
    type_oid_t *keytypes; /* group key types + the set index */
    value_t **argv[2];    /* per agg: evaluated argument vectors */
} agg_st_t;

static group_t *new_group(op_t *o, agg_st_t *st, const value_t *keys, int set)
{
    const exec_plan_t *p = o->plan;
    int na = p->u.agg.naggs;
    group_t *g = exec__alloc(o, sizeof *g);
    if (!g)
        return NULL;
    g->keys = (value_t *)keys;
    g->set = set;
    g->slots = exec__alloc(o, sizeof(aggslot_t) * (size_t)(na > 0 ? na : 1));
    if (!g->slots)
        return NULL;
    for (int i = 0; i < na; i++) {
        const exec_agg_t *ag = p->u.agg.aggs[i]->agg;
        g->slots[i].state = exec__alloc(o, ag->state_size ? ag->state_size : 8);
        if (!g->slots[i].state)
            return NULL;
        memset(g->slots[i].state, 0, ag->state_size ? ag->state_size : 8);
        g->slots[i].seen = NULL;
        g->slots[i].ordered = NULL;
        g->slots[i].nordered = 0;
    }
    if (st->ngroups == st->cap) {
        size_t nc = st->cap ? st->cap * 2 : 256;
        group_t **nl = exec__alloc(o, sizeof(group_t *) * nc);
        if (!nl)
            return NULL;
        if (st->ngroups)
            memcpy(nl, st->list, sizeof(group_t *) * st->ngroups);
        st->list = nl;
        st->cap = nc;
    }
    st->list[st->ngroups++] = g;
    return g;
}

static int agg_feed(op_t *o, const exec_aggcall_t *call, aggslot_t *slot, type_oid_t argt, const value_t *v0,
                    const value_t *v1)
{
    const exec_agg_t *ag = call->agg;
    err_t *err = o->run->err;
    if (ag->step2)
        return ag->step2(slot->state, argt, v0, v1, o->arena, err);
    if (ag->strict && !call->star && v0->isnull)
        return 0;
    return ag->step(slot->state, argt, v0, o->arena, err);
}

static int agg_accumulate(op_t *o, agg_st_t *st, group_t *g, int row, value_t **orderv)
{
    const exec_plan_t *p = o->plan;
    for (int i = 0; i < p->u.agg.naggs; i++) {
        const exec_aggcall_t *call = p->u.agg.aggs[i];
        aggslot_t *slot = &g->slots[i];
        const exec_expr_t *a0 = p->u.agg.aggargs[2 * i];
        type_oid_t argt = a0 ? a0->type : 0;
        value_t v0 = a0 ? st->argv[0][i][row] : value_null();
        value_t v1 = p->u.agg.aggargs[2 * i + 1] ? st->argv[1][i][row] : value_null();
        if (call->filter) {
            /* filter results were evaluated into argv slot of the filter (stored after args) */
            value_t f = orderv[i * 17 + 16][row];
            if (f.isnull || !f.u.i)
                continue;
        }
        if (call->distinct) {
            if (v0.isnull && call->agg->strict)
                continue;
            if (!slot->seen) {
                slot->seen = exec__alloc(o, sizeof(htab_t));
                if (!slot->seen || exec__ht_init(o, slot->seen, 1, &a0->type) < 0)
                    return -1;
            }
            bool created;
            if (!exec__ht_find_or_add(o, slot->seen, &v0, exec__hash_keys(1, &a0->type, &v0), &created))
                return -1;
            if (!created)
                continue;
        }
        if (call->norder > 0) {
            int nv = 2 + call->norder;
            ordered_in_t *oi = exec__alloc(o, sizeof *oi);
            if (!oi)
                return -1;
            oi->vals = exec__alloc(o, sizeof(value_t) * (size_t)nv);
            if (!oi->vals)
                return -1;
            value_copy(o->arena, argt, &oi->vals[0], &v0);
            oi->vals[1] = v1;
            if (p->u.agg.aggargs[2 * i + 1])
                value_copy(o->arena, p->u.agg.aggargs[2 * i + 1]->type, &oi->vals[1], &v1);
            for (int k = 0; k < call->norder; k++)
                value_copy(o->arena, call->order[k]->type, &oi->vals[2 + k], &orderv[i * 17 + k][row]);
            oi->next = slot->ordered;
            slot->ordered = oi;
            slot->nordered++;
            continue;
        }
        if (agg_feed(o, call, slot, argt, &v0, &v1) < 0)
            return -1;
    }
    return 0;
}

static const exec_aggcall_t *sort_call;

static int cmp_ordered(const void *x, const void *y)
{
    const ordered_in_t *a = *(ordered_in_t *const *)x, *b = *(ordered_in_t *const *)y;
    for (int k = 0; k < sort_call->norder; k++) {
        const value_t *va = &a->vals[2 + k], *vb = &b->vals[2 + k];
        bool desc = sort_call->order_desc[k];
        int c;
        if (va->isnull || vb->isnull)
            c = va->isnull == vb->isnull ? 0 : (va->isnull ? 1 : -1) * (desc ? -1 : 1);
        else
            c = value_cmp(sort_call->order[k]->type, va, vb);
        if (c)
            return desc ? -c : c;
    }
    return 0;
}

static int agg_consume(op_t *o)
{
    agg_st_t *st = o->st;
    const exec_plan_t *p = o->plan;
    int ng = p->u.agg.ngroup, na = p->u.agg.naggs;
    int nsets = p->u.agg.ngsets > 0 ? p->u.agg.ngsets : 1;
    value_t **gv = exec__alloc(o, sizeof(value_t *) * (size_t)(ng + 1));
    value_t *key = exec__alloc(o, sizeof(value_t) * (size_t)(ng + 2));
    /* per agg: up to 16 order keys then the filter, evaluated per batch */
    value_t **orderv = exec__alloc(o, sizeof(value_t *) * (size_t)(17 * (na + 1)));
    if (!gv || !key || !orderv)
        return -1;
    for (int k = 0; k < 2; k++) {
        st->argv[k] = exec__alloc(o, sizeof(value_t *) * (size_t)(na + 1));
        if (!st->argv[k])
            return -1;
    }
    for (;;) {
        exec_batch_t *in;
        if (o->left->next(o->left, &in) < 0)
            return -1;
        if (!in)
            break;
        if (exec__check(o) < 0)
            return -1;
        mem_arena_reset(o->scratch);
        int n = in->nrows;
        for (int i = 0; i < ng; i++) {
            gv[i] = mem_alloc(o->scratch, sizeof(value_t) * (size_t)n);
            if (exec_eval(&o->ec, p->u.agg.group[i], in, NULL, n, gv[i]) < 0)
                return -1;
        }
        for (int i = 0; i < na; i++) {
            const exec_aggcall_t *call = p->u.agg.aggs[i];
            for (int k = 0; k < 2; k++) {
                const exec_expr_t *ae = p->u.agg.aggargs[2 * i + k];
                st->argv[k][i] = NULL;
                if (!ae)
                    continue;
                st->argv[k][i] = mem_alloc(o->scratch, sizeof(value_t) * (size_t)n);
                if (exec_eval(&o->ec, ae, in, NULL, n, st->argv[k][i]) < 0)
                    return -1;
            }
            for (int k = 0; k < call->norder && k < 16; k++) {
                orderv[i * 17 + k] = mem_alloc(o->scratch, sizeof(value_t) * (size_t)n);
                if (exec_eval(&o->ec, call->order[k], in, NULL, n, orderv[i * 17 + k]) < 0)
                    return -1;
            }
            if (call->filter) {
                orderv[i * 17 + 16] = mem_alloc(o->scratch, sizeof(value_t) * (size_t)n);
                if (exec_eval(&o->ec, call->filter, in, NULL, n, orderv[i * 17 + 16]) < 0)
                    return -1;
            }
        }
        for (int r = 0; r < n; r++) {
            for (int s = 0; s < nsets; s++) {
                uint64_t mask = p->u.agg.ngsets > 0 ? p->u.agg.gsets[s] : ~0ULL;
                for (int i = 0; i < ng; i++)
                    key[i] = (mask >> i) & 1 ? gv[i][r] : value_null();
                key[ng] = value_int(s);
                group_t *g;
                if (ng == 0 && nsets == 1) {
                    g = st->ngroups ? st->list[0] : new_group(o, st, key, 0);
                    if (!g)
                        return -1;
                } else {
                    bool created;
                    hentry_t *he = exec__ht_find_or_add(o, &st->groups, key, exec__hash_keys(ng + 1, st->keytypes, key), &created);
                    if (!he)
                        return -1;
                    if (created) {
                        he->payload = new_group(o, st, he->keys, s);
                        if (!he->payload)
                            return -1;
                    }
                    g = he->payload;
                }
                if (agg_accumulate(o, st, g, r, orderv) < 0)
                    return -1;
            }
        }
    }
    /* plain aggregates (and empty grouping sets) give one row even without input */
    if (st->ngroups == 0 && ng == 0 && nsets == 1 && !new_group(o, st, key, 0))
        return -1;
    if (p->u.agg.ngsets > 0)
        for (int s = 0; s < nsets; s++)
            if (p->u.agg.gsets[s] == 0) {
                bool have = false;
                for (size_t i = 0; i < st->ngroups && !have; i++)
                    have = st->list[i]->set == s;
                if (!have) {
                    value_t *k = exec__alloc(o, sizeof(value_t) * (size_t)(ng + 1));
                    if (!k)
                        return -1;
                    for (int i = 0; i < ng; i++)
                        k[i] = value_null();
                    if (!new_group(o, st, k, s))
                        return -1;
                }
            }
    /* ordered-input aggregates: sort their inputs and fold them now */
    for (int i = 0; i < na; i++) {
        const exec_aggcall_t *call = p->u.agg.aggs[i];
        if (call->norder == 0)
            continue;
        for (size_t gi = 0; gi < st->ngroups; gi++) {
            aggslot_t *slot = &st->list[gi]->slots[i];
            if (slot->nordered == 0)
                continue;
            ordered_in_t **arr = exec__alloc(o, sizeof(ordered_in_t *) * (size_t)slot->nordered);
            if (!arr)
                return -1;
            int k = slot->nordered;
            for (ordered_in_t *oi = slot->ordered; oi; oi = oi->next)
                arr[--k] = oi; /* restore arrival order for a stable sort */
            sort_call = call;
            /* insertion-stable merge via qsort on (keys, arrival) */
            qsort(arr, (size_t)slot->nordered, sizeof *arr, cmp_ordered);
            const exec_expr_t *a0 = p->u.agg.aggargs[2 * i];
            for (int j = 0; j < slot->nordered; j++)
                if (agg_feed(o, call, slot, a0 ? a0->type : 0, &arr[j]->vals[0], &arr[j]->vals[1]) < 0)
                    return -1;
        }
    }
    return 0;
}

static int agg_next(op_t *o, exec_batch_t **out)
{
    agg_st_t *st = o->st;
    const exec_plan_t *p = o->plan;
    if (!st->consumed) {
        st->consumed = true;
        if (agg_consume(o) < 0)
            return -1;
    }
    mem_arena_reset(o->scratch);
    int ng = p->u.agg.ngroup, na = p->u.agg.naggs, n = 0;
    while (st->emit < st->ngroups && n < EXEC_BATCH_ROWS) {
        group_t *g = st->list[st->emit++];
        for (int i = 0; i < ng; i++)
            o->out.cols[i][n] = g->keys[i];
        for (int i = 0; i < na; i++) {
            const exec_aggcall_t *call = p->u.agg.aggs[i];
            const exec_expr_t *a0 = p->u.agg.aggargs[2 * i];
            value_t *ov = &o->out.cols[ng + i][n];
            ov->isnull = false;
            ov->u.i = 0;
            if (call->agg == &exec_agg_grouping) {
                uint64_t mask = p->u.agg.ngsets > 0 ? p->u.agg.gsets[g->set] : ~0ULL;
                int64_t bits = 0;
                for (int j = 0; j < call->ngrouping; j++)
                    bits = bits << 1 | (int64_t)(((mask >> call->grouping_items[j]) & 1) == 0);
                *ov = value_int(bits);
                continue;
            }
            if (call->agg->final(g->slots[i].state, a0 ? a0->type : 0, p->types[ng + i], o->scratch, ov,
                                 o->run->err) < 0)
                return -1;
        }
        n++;
    }
    o->out.nrows = n;
    *out = n ? &o->out : NULL;
    return 0;
}

op_t *exec__build_agg(exec_run_t *r, const exec_plan_t *p)
{
    op_t *o = exec__op_new(r, p, sizeof(agg_st_t));
    agg_st_t *st = o->st;
    o->next = agg_next;
    o->left = exec__build(r, p->left);
    int ng = p->u.agg.ngroup;
    st->keytypes = mem_alloc(o->arena, sizeof(type_oid_t) * (size_t)(ng + 1));
    for (int i = 0; i < ng; i++)
        st->keytypes[i] = p->u.agg.group[i]->type;
    st->keytypes[ng] = TYPE_INT4;
    if (ng > 0 || p->u.agg.ngsets > 0)
        (void)exec__ht_init(o, &st->groups, ng + 1, st->keytypes);
    return o;
}

/* ---- DISTINCT: first occurrence of each key, streaming ---- */

typedef struct distinct_st {
    htab_t seen;
    type_oid_t *types;
    value_t *key;
} distinct_st_t;

static int distinct_next(op_t *o, exec_batch_t **out)
{
    distinct_st_t *st = o->st;
    const exec_plan_t *p = o->plan;
    int nk = p->u.distinct.nkeys;
    for (;;) {
        exec_batch_t *in;
        if (o->left->next(o->left, &in) < 0)
            return -1;
        if (!in) {
            *out = NULL;
            return 0;
        }
        int n = 0;
        for (int r = 0; r < in->nrows; r++) {
            for (int k = 0; k < nk; k++)
                st->key[k] = in->cols[p->u.distinct.keys[k]][r];
            bool created;
            if (!exec__ht_find_or_add(o, &st->seen, st->key, exec__hash_keys(nk, st->types, st->key), &created))
                return -1;
            if (!created)
                continue;
            for (int c = 0; c < o->out.ncols; c++)
                o->out.cols[c][n] = in->cols[c][r];
            n++;
        }
        if (n == 0)
            continue;
        o->out.nrows = n;
        *out = &o->out;
        return 0;
    }
}

op_t *exec__build_distinct(exec_run_t *r, const exec_plan_t *p)
{
    op_t *o = exec__op_new(r, p, sizeof(distinct_st_t));
    distinct_st_t *st = o->st;
    o->next = distinct_next;
    o->left = exec__build(r, p->left);
    int nk = p->u.distinct.nkeys;
    st->types = mem_alloc(o->arena, sizeof(type_oid_t) * (size_t)(nk + 1));
    st->key = mem_alloc(o->arena, sizeof(value_t) * (size_t)(nk + 1));
    for (int k = 0; k < nk; k++)
        st->types[k] = p->types[p->u.distinct.keys[k]];
    (void)exec__ht_init(o, &st->seen, nk, st->types);
    return o;
}
