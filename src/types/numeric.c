/*
 * numeric.c - exact decimal arithmetic (PostgreSQL's numeric type).
 *
 * Values are base-10000 digit strings with a weight and a display scale, as in
 * PostgreSQL's numeric.c, and the scale rules are PostgreSQL's so that text
 * output matches it digit for digit. Working values (nvar_t) are built in the
 * caller's arena with one spare leading digit, so rounding can carry into a
 * new most significant digit without reallocating. Division is Knuth's
 * algorithm D on the integer digit strings, truncated one guard position past
 * the requested scale and then rounded half away from zero.
 *
 * Not here: transcendental functions (ln, exp, power with fractional
 * exponents) and to_char formatting.
 */
#include "types/numeric.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NBASE 10000
#define HALF_NBASE 5000
#define DEC_DIGITS 4
#define MIN_SIG_DIGITS 16
/* PostgreSQL's limits on weight (NUMERIC_WEIGHT_MAX) and scale. */
#define NUMERIC_WEIGHT_LIMIT 32767

/* A working value: digits[-1] is always available (spare slot for carries). */
typedef struct nvar {
    int ndigits;
    int weight;
    int sign; /* NUMERIC_POS / NUMERIC_NEG / specials */
    int dscale;
    int16_t *digits;
} nvar_t;

static void nvar_alloc(mem_arena_t *a, nvar_t *v, int ndigits)
{
    int16_t *buf = mem_alloc(a, sizeof(int16_t) * (size_t)(ndigits + 1));
    buf[0] = 0;
    v->digits = buf + 1;
    v->ndigits = ndigits;
}

static void nvar_from(mem_arena_t *a, const type_numeric_t *n, nvar_t *v)
{
    nvar_alloc(a, v, n->ndigits);
    memcpy(v->digits, n->digits, sizeof(int16_t) * (size_t)n->ndigits);
    v->weight = n->weight;
    v->sign = n->sign;
    v->dscale = n->dscale;
}

/* strip - drops leading and trailing zero digits; zero gets weight 0, sign +. */
static void strip(nvar_t *v)
{
    while (v->ndigits > 0 && v->digits[0] == 0) {
        v->digits++;
        v->weight--;
        v->ndigits--;
    }
    while (v->ndigits > 0 && v->digits[v->ndigits - 1] == 0)
        v->ndigits--;
    if (v->ndigits == 0) {
        v->weight = 0;
        v->sign = NUMERIC_POS;
    }
}

static const type_numeric_t *make_special(mem_arena_t *a, uint16_t sign)
{
    type_numeric_t *n = mem_alloc0(a, sizeof *n);
    n->sign = sign;
    return n;
}

static int finish(mem_arena_t *a, nvar_t *v, const type_numeric_t **out, err_t *err)
{
    strip(v);
    if (v->ndigits > 0 && (v->weight > NUMERIC_WEIGHT_LIMIT || v->weight < -NUMERIC_WEIGHT_LIMIT))
        return err_set(err, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, "value overflows numeric format");
    type_numeric_t *n = mem_alloc(a, sizeof *n + sizeof(int16_t) * (size_t)v->ndigits);
    n->sign = (uint16_t)v->sign;
    n->weight = (int16_t)v->weight;
    n->dscale = (int16_t)v->dscale;
    n->ndigits = (int16_t)v->ndigits;
    memcpy(n->digits, v->digits, sizeof(int16_t) * (size_t)v->ndigits);
    *out = n;
    return 0;
}

/* finish_nofail - for results that cannot overflow (round, neg, from int). */
static const type_numeric_t *finish_nofail(mem_arena_t *a, nvar_t *v)
{
    const type_numeric_t *n = NULL;
    err_t e = { 0 };
    if (finish(a, v, &n, &e) < 0)
        return make_special(a, NUMERIC_NAN);
    return n;
}

/* round_var - PostgreSQL's round_var: round half away from zero to rscale. */
static void round_var(nvar_t *v, int rscale)
{
    static const int round_powers[4] = { 0, 1000, 100, 10 };
    int16_t *digits = v->digits;
    v->dscale = rscale < 0 ? 0 : rscale;
    int di = (v->weight + 1) * DEC_DIGITS + rscale;
    if (di < 0) {
        v->ndigits = 0;
        v->weight = 0;
        v->sign = NUMERIC_POS;
        return;
    }
    int ndigits = (di + DEC_DIGITS - 1) / DEC_DIGITS;
    di %= DEC_DIGITS;
    if (ndigits < v->ndigits || (ndigits == v->ndigits && di > 0)) {
        int carry;
        v->ndigits = ndigits;
        if (di == 0) {
            carry = (digits[ndigits] >= HALF_NBASE) ? 1 : 0;
        } else {
            int pow10 = round_powers[di];
            int extra = digits[--ndigits] % pow10;
            digits[ndigits] = (int16_t)(digits[ndigits] - extra);
            carry = 0;
            if (extra >= pow10 / 2) {
                pow10 += digits[ndigits];
                if (pow10 >= NBASE) {
                    pow10 -= NBASE;
                    carry = 1;
                }
                digits[ndigits] = (int16_t)pow10;
            }
        }
        while (carry) {
            carry += digits[--ndigits];
            if (carry >= NBASE) {
                digits[ndigits] = (int16_t)(carry - NBASE);
                carry = 1;
            } else {
                digits[ndigits] = (int16_t)carry;
                carry = 0;
            }
        }
        if (ndigits < 0) { /* carried into the spare slot */
            v->digits--;
            v->ndigits++;
            v->weight++;
        }
    }
}

/* trunc_var - drops digits past rscale. */
static void trunc_var(nvar_t *v, int rscale)
{
    v->dscale = rscale < 0 ? 0 : rscale;
    int di = (v->weight + 1) * DEC_DIGITS + rscale;
    if (di <= 0) {
        v->ndigits = 0;
        v->weight = 0;
        v->sign = NUMERIC_POS;
        return;
    }
    int ndigits = (di + DEC_DIGITS - 1) / DEC_DIGITS;
    if (ndigits <= v->ndigits) {
        v->ndigits = ndigits;
        di %= DEC_DIGITS;
        if (di > 0) {
            static const int pw[4] = { 1, 1000, 100, 10 };
            v->digits[ndigits - 1] = (int16_t)(v->digits[ndigits - 1] - v->digits[ndigits - 1] % pw[di]);
        }
    }
}

/* ---- text and binary forms ---- */

static int bad_syntax(err_t *err, const char *p, size_t len)
{
    return err_set(err, ERRCODE_INVALID_TEXT_REPRESENTATION,
                   "invalid input syntax for type numeric: \"%.*s\"", (int)len, p);
}

int numeric_in(const char *p, size_t len, mem_arena_t *a, const type_numeric_t **out, err_t *err)
{
    size_t i = 0, end = len;
    while (i < end && isspace((unsigned char)p[i]))
        i++;
    while (end > i && isspace((unsigned char)p[end - 1]))
        end--;
    const char *s = p + i;
    size_t n = end - i;
    /* Special values, case-insensitive, as PostgreSQL 14+ accepts them. */
    if (n == 3 && strncasecmp(s, "nan", 3) == 0) {
        *out = make_special(a, NUMERIC_NAN);
        return 0;
    }
    {
        const char *t = s;
        size_t tn = n;
        int neg = 0;
        if (tn > 0 && (*t == '+' || *t == '-')) {
            neg = *t == '-';
            t++;
            tn--;
        }
        if ((tn == 8 && strncasecmp(t, "infinity", 8) == 0) || (tn == 3 && strncasecmp(t, "inf", 3) == 0)) {
            *out = make_special(a, neg ? NUMERIC_NINF : NUMERIC_PINF);
            return 0;
        }
    }
    int sign = NUMERIC_POS;
    size_t k = 0;
    if (k < n && (s[k] == '+' || s[k] == '-')) {
        if (s[k] == '-')
            sign = NUMERIC_NEG;
        k++;
    }
    /* Collect decimal digits; dweight = decimal exponent of the first digit. */
    char *dig = mem_alloc(a, n + 1);
    int nd = 0, seen_point = 0, have_digits = 0;
    long dweight = -1;
    int dscale = 0;
    for (; k < n; k++) {
        char c = s[k];
        if (isdigit((unsigned char)c)) {
            have_digits = 1;
            dig[nd++] = (char)(c - '0');
            if (seen_point)
                dscale++;
            else
                dweight++;
        } else if (c == '.' && !seen_point) {
            seen_point = 1;
        } else {
            break;
        }
    }
    if (!have_digits)
        return bad_syntax(err, p, len);
    if (k < n && (s[k] == 'e' || s[k] == 'E')) {
        k++;
        int eneg = 0;
        if (k < n && (s[k] == '+' || s[k] == '-')) {
            eneg = s[k] == '-';
            k++;
        }
        if (k >= n || !isdigit((unsigned char)s[k]))
            return bad_syntax(err, p, len);
        long ex = 0;
        while (k < n && isdigit((unsigned char)s[k])) {
            ex = ex * 10 + (s[k] - '0');
            if (ex > NUMERIC_MAX_PRECISION * 2L)
                return err_set(err, ERRCODE_INVALID_PARAMETER_VALUE, "invalid input syntax for type numeric: \"%.*s\"",
                               (int)len, p);
            k++;
        }
        if (eneg)
            ex = -ex;
        dweight += ex;
        dscale -= (int)ex;
        if (dscale < 0)
            dscale = 0;
    }
    if (k != n)
        return bad_syntax(err, p, len);
    /* Decimal digit j has exponent dweight - j. Group by base-10000 position. */
    long weight;
    if (dweight >= 0)
        weight = (dweight + 1 + DEC_DIGITS - 1) / DEC_DIGITS - 1;
    else
        weight = -((-dweight - 1) / DEC_DIGITS + 1);
    long offset = (weight + 1) * DEC_DIGITS - (dweight + 1); /* leading zero decimals in the first group */
    long total = offset + nd;
    int ngroups = (int)((total + DEC_DIGITS - 1) / DEC_DIGITS);
    nvar_t v;
    nvar_alloc(a, &v, ngroups);
    for (int g = 0; g < ngroups; g++) {
        int val = 0;
        for (int j = 0; j < DEC_DIGITS; j++) {
            long pos = (long)g * DEC_DIGITS + j - offset;
            val = val * 10 + ((pos >= 0 && pos < nd) ? dig[pos] : 0);
        }
        v.digits[g] = (int16_t)val;
    }
    v.weight = (int)weight;
    v.sign = sign;
    v.dscale = dscale;
    /* Input with more fraction digits than dscale cannot happen; keep dscale bounded. */
    if (v.dscale > NUMERIC_MAX_DISPLAY_SCALE)
        return err_set(err, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, "value overflows numeric format");
    return finish(a, &v, out, err);
}

/* digits4 - a base-10000 digit (0..9999) as four decimal characters: the
 * text of every numeric value goes through here, where snprintf's format
 * parsing per group was a visible part of a query returning many rows */
static inline void digits4(char *g, int dig)
{
    g[0] = (char)('0' + dig / 1000);
    g[1] = (char)('0' + dig / 100 % 10);
    g[2] = (char)('0' + dig / 10 % 10);
    g[3] = (char)('0' + dig % 10);
}

void numeric_out(const type_numeric_t *n, buf_t *out)
{
    if (n->sign == NUMERIC_NAN) {
        buf_puts(out, "NaN");
        return;
    }
    if (n->sign == NUMERIC_PINF) {
        buf_puts(out, "Infinity");
        return;
    }
    if (n->sign == NUMERIC_NINF) {
        buf_puts(out, "-Infinity");
        return;
    }
    if (n->sign == NUMERIC_NEG && n->ndigits > 0)
        buf_putc(out, '-');
    /* integer part */
    if (n->weight < 0 || n->ndigits == 0) {
        buf_putc(out, '0');
    } else {
        for (int d = 0; d <= n->weight; d++) {
            int dig = d < n->ndigits ? n->digits[d] : 0;
            char g[4];
            digits4(g, dig);
            if (d == 0) {
                int lead = dig >= 1000 ? 0 : dig >= 100 ? 1 : dig >= 10 ? 2 : 3; /* "%d": no leading zeros */
                buf_append(out, g + lead, (size_t)(4 - lead));
            } else {
                buf_append(out, g, 4);
            }
        }
    }
    if (n->dscale > 0) {
        buf_putc(out, '.');
        int left = n->dscale;
        for (int d = n->weight + 1; left > 0; d++) {
            int dig = (d >= 0 && d < n->ndigits) ? n->digits[d] : 0;
            char tmp[4];
            digits4(tmp, dig);
            int take = left < DEC_DIGITS ? left : DEC_DIGITS;
            buf_append(out, tmp, (size_t)take);
            left -= take;
        }
    }
}

int numeric_recv(const char *p, size_t len, mem_arena_t *a, const type_numeric_t **out, err_t *err)
{
    if (len < 8)
        return err_set(err, ERRCODE_INVALID_BINARY_REPRESENTATION, "insufficient data left in message");
    int ndigits = (int16_t)buf_get_u16(p);
    int weight = (int16_t)buf_get_u16(p + 2);
    uint16_t sign = buf_get_u16(p + 4);
    int dscale = (int16_t)buf_get_u16(p + 6);
    if (ndigits < 0 || len != 8 + 2 * (size_t)ndigits)
        return err_set(err, ERRCODE_INVALID_BINARY_REPRESENTATION, "incorrect binary data format");
    if (sign == NUMERIC_NAN || sign == NUMERIC_PINF || sign == NUMERIC_NINF) {
        *out = make_special(a, sign);
        return 0;
    }
    if (sign != NUMERIC_POS && sign != NUMERIC_NEG)
        return err_set(err, ERRCODE_INVALID_BINARY_REPRESENTATION, "invalid sign in external \"numeric\" value");
    if (dscale < 0 || dscale > NUMERIC_MAX_DISPLAY_SCALE)
        return err_set(err, ERRCODE_INVALID_BINARY_REPRESENTATION, "invalid scale in external \"numeric\" value");
    nvar_t v;
    nvar_alloc(a, &v, ndigits);
    for (int i = 0; i < ndigits; i++) {
        int d = (int16_t)buf_get_u16(p + 8 + 2 * i);
        if (d < 0 || d >= NBASE)
            return err_set(err, ERRCODE_INVALID_BINARY_REPRESENTATION, "invalid digit in external \"numeric\" value");
        v.digits[i] = (int16_t)d;
    }
    v.weight = weight;
    v.sign = sign;
    v.dscale = dscale;
    /* PostgreSQL rounds to the declared scale: extra digits are not kept. */
    round_var(&v, dscale);
    return finish(a, &v, out, err);
}

void numeric_send(const type_numeric_t *n, buf_t *out)
{
    buf_put_u16(out, (uint16_t)n->ndigits);
    buf_put_u16(out, (uint16_t)n->weight);
    buf_put_u16(out, n->sign);
    buf_put_u16(out, (uint16_t)n->dscale);
    for (int i = 0; i < n->ndigits; i++)
        buf_put_u16(out, (uint16_t)n->digits[i]);
}

int numeric_apply_typmod(const type_numeric_t *n, int32_t typmod, mem_arena_t *a,
                         const type_numeric_t **out, err_t *err)
{
    if (typmod < 4 || numeric_is_special(n)) {
        if (typmod >= 4 && numeric_is_special(n) && n->sign != NUMERIC_NAN) {
            int precision = ((typmod - 4) >> 16) & 0xffff, scale = (typmod - 4) & 0x7ff;
            err_set(err, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, "numeric field overflow");
            err_detail(err, "A field with precision %d, scale %d cannot hold an infinite value.", precision, scale);
            return -1;
        }
        *out = n;
        return 0;
    }
    int precision = ((typmod - 4) >> 16) & 0xffff;
    int scale = (int)(int16_t)((typmod - 4) & 0xffff);
    if (scale > 0x3ff)
        scale -= 0x800; /* PostgreSQL 15 allows negative scales, stored in 11 bits */
    nvar_t v;
    nvar_from(a, n, &v);
    round_var(&v, scale);
    strip(&v);
    int maxdigits = precision - scale;
    if (v.ndigits > 0) {
        /* Count significant integer decimal digits. */
        int ddigits = (v.weight + 1) * DEC_DIGITS;
        int first = v.digits[0];
        if (first < 1000) ddigits--;
        if (first < 100) ddigits--;
        if (first < 10) ddigits--;
        if (ddigits > maxdigits) {
            err_set(err, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, "numeric field overflow");
            if (maxdigits > 0)
                err_detail(err, "A field with precision %d, scale %d must round to an absolute value less than 10^%d.",
                           precision, scale, maxdigits);
            else
                err_detail(err, "A field with precision %d, scale %d must round to an absolute value less than 1.",
                           precision, scale);
            return -1;
        }
    }
    v.dscale = scale < 0 ? 0 : scale;
    return finish(a, &v, out, err);
}

/* ---- conversions ---- */

const type_numeric_t *numeric_from_int128(mem_arena_t *a, __int128 val)
{
    nvar_t v;
    nvar_alloc(a, &v, 10);
    v.sign = val < 0 ? NUMERIC_NEG : NUMERIC_POS;
    unsigned __int128 u = val < 0 ? -(unsigned __int128)val : (unsigned __int128)val;
    int16_t tmp[12];
    int n = 0;
    while (u) {
        tmp[n++] = (int16_t)(u % NBASE);
        u /= NBASE;
    }
    for (int i = 0; i < n; i++)
        v.digits[i] = tmp[n - 1 - i];
    v.ndigits = n;
    v.weight = n - 1;
    v.dscale = 0;
    return finish_nofail(a, &v);
}

const type_numeric_t *numeric_from_int64(mem_arena_t *a, int64_t v)
{
    return numeric_from_int128(a, v);
}

const type_numeric_t *numeric_from_double(mem_arena_t *a, double d, int digits)
{
    if (isnan(d))
        return make_special(a, NUMERIC_NAN);
    if (isinf(d))
        return make_special(a, d > 0 ? NUMERIC_PINF : NUMERIC_NINF);
    char tmp[64];
    snprintf(tmp, sizeof tmp, "%.*g", digits, d);
    const type_numeric_t *n = NULL;
    err_t e = { 0 };
    if (numeric_in(tmp, strlen(tmp), a, &n, &e) < 0)
        return make_special(a, NUMERIC_NAN);
    return n;
}

int numeric_to_int64(const type_numeric_t *n, int64_t *out)
{
    if (numeric_is_special(n))
        return -1;
    /* Round to an integer (half away from zero) on a stack copy. */
    int16_t buf[64];
    if (n->ndigits + 1 > (int)(sizeof buf / sizeof buf[0]))
        return n->weight < 0 ? (*out = 0, 0) : -1;
    nvar_t v = { .ndigits = n->ndigits, .weight = n->weight, .sign = n->sign, .dscale = n->dscale, .digits = buf + 1 };
    buf[0] = 0;
    memcpy(v.digits, n->digits, sizeof(int16_t) * (size_t)n->ndigits);
    round_var(&v, 0);
    strip(&v);
    if (v.ndigits == 0) {
        *out = 0;
        return 0;
    }
    if (v.weight > 4)
        return -1;
    unsigned __int128 acc = 0;
    for (int i = 0; i <= v.weight; i++)
        acc = acc * NBASE + (unsigned)(i < v.ndigits ? v.digits[i] : 0);
    if (v.sign == NUMERIC_NEG) {
        if (acc > (unsigned __int128)INT64_MAX + 1)
            return -1;
        *out = (int64_t)(-(__int128)acc);
    } else {
        if (acc > (unsigned __int128)INT64_MAX)
            return -1;
        *out = (int64_t)acc;
    }
    return 0;
}

double numeric_to_double(const type_numeric_t *n)
{
    if (n->sign == NUMERIC_NAN)
        return NAN;
    if (n->sign == NUMERIC_PINF)
        return INFINITY;
    if (n->sign == NUMERIC_NINF)
        return -INFINITY;
    buf_t b = BUF_INIT;
    numeric_out(n, &b);
    double d = strtod(buf_cstr(&b), NULL);
    buf_free(&b);
    return d;
}

/* ---- comparison ---- */

/* cmp_abs - compares |x| and |y| of stripped values. */
static int cmp_abs(const int16_t *xd, int xn, int xw, const int16_t *yd, int yn, int yw)
{
    if (xn == 0 || yn == 0)
        return (xn > 0) - (yn > 0);
    if (xw != yw)
        return xw > yw ? 1 : -1;
    int i = 0;
    for (; i < xn && i < yn; i++)
        if (xd[i] != yd[i])
            return xd[i] > yd[i] ? 1 : -1;
    return (xn > i) - (yn > i);
}

static int special_rank(const type_numeric_t *x)
{
    switch (x->sign) {
    case NUMERIC_NINF: return -1;
    case NUMERIC_PINF: return 1;
    case NUMERIC_NAN: return 2;
    default: return 0;
    }
}

int numeric_cmp(const type_numeric_t *x, const type_numeric_t *y)
{
    int rx = special_rank(x), ry = special_rank(y);
    if (rx || ry)
        return rx == ry ? 0 : (rx < ry ? -1 : 1);
    int sx = numeric_sign(x), sy = numeric_sign(y);
    if (sx != sy)
        return sx < sy ? -1 : 1;
    int c = cmp_abs(x->digits, x->ndigits, x->weight, y->digits, y->ndigits, y->weight);
    return sx < 0 ? -c : c;
}

int numeric_sign(const type_numeric_t *x)
{
    if (x->sign == NUMERIC_NAN)
        return 0;
    if (x->sign == NUMERIC_PINF)
        return 1;
    if (x->sign == NUMERIC_NINF)
        return -1;
    if (x->ndigits == 0)
        return 0;
    return x->sign == NUMERIC_NEG ? -1 : 1;
}

uint64_t numeric_hash(const type_numeric_t *x)
{
    uint64_t h = 1469598103934665603ULL ^ x->sign;
    if (x->ndigits == 0 && !numeric_is_special(x))
        return 0x9e3779b97f4a7c15ULL;
    h = (h ^ (uint16_t)x->weight) * 1099511628211ULL;
    for (int i = 0; i < x->ndigits; i++)
        h = (h ^ (uint16_t)x->digits[i]) * 1099511628211ULL;
    return h;
}

bool numeric_is_integral(const type_numeric_t *x)
{
    if (numeric_is_special(x))
        return false;
    return x->ndigits == 0 || x->ndigits <= x->weight + 1;
}

/* ---- add / sub ---- */

/* add_abs - |x| + |y| into r (sign left to the caller). */
static void add_abs(mem_arena_t *a, const nvar_t *x, const nvar_t *y, nvar_t *r)
{
    int hi = (x->weight > y->weight ? x->weight : y->weight) + 1;
    int xlo = x->weight - x->ndigits + 1, ylo = y->weight - y->ndigits + 1;
    int lo = xlo < ylo ? xlo : ylo;
    if (x->ndigits == 0) lo = ylo;
    if (y->ndigits == 0) lo = xlo;
    if (x->ndigits == 0 && y->ndigits == 0) lo = hi;
    int n = hi - lo + 1;
    nvar_alloc(a, r, n);
    int carry = 0;
    for (int i = n - 1; i >= 0; i--) {
        int e = hi - i; /* exponent of position i */
        int xi = x->weight - e, yi = y->weight - e;
        int s = carry;
        if (xi >= 0 && xi < x->ndigits) s += x->digits[xi];
        if (yi >= 0 && yi < y->ndigits) s += y->digits[yi];
        if (s >= NBASE) {
            s -= NBASE;
            carry = 1;
        } else {
            carry = 0;
        }
        r->digits[i] = (int16_t)s;
    }
    r->weight = hi;
    r->dscale = x->dscale > y->dscale ? x->dscale : y->dscale;
}

/* sub_abs - |x| - |y| into r; requires |x| >= |y|. */
static void sub_abs(mem_arena_t *a, const nvar_t *x, const nvar_t *y, nvar_t *r)
{
    int hi = x->weight > y->weight ? x->weight : y->weight;
    int xlo = x->weight - x->ndigits + 1, ylo = y->weight - y->ndigits + 1;
    int lo = xlo < ylo ? xlo : ylo;
    if (x->ndigits == 0) lo = ylo;
    if (y->ndigits == 0) lo = xlo;
    if (x->ndigits == 0 && y->ndigits == 0) lo = hi;
    int n = hi - lo + 1;
    nvar_alloc(a, r, n);
    int borrow = 0;
    for (int i = n - 1; i >= 0; i--) {
        int e = hi - i;
        int xi = x->weight - e, yi = y->weight - e;
        int s = -borrow;
        if (xi >= 0 && xi < x->ndigits) s += x->digits[xi];
        if (yi >= 0 && yi < y->ndigits) s -= y->digits[yi];
        if (s < 0) {
            s += NBASE;
            borrow = 1;
        } else {
            borrow = 0;
        }
        r->digits[i] = (int16_t)s;
    }
    r->weight = hi;
    r->dscale = x->dscale > y->dscale ? x->dscale : y->dscale;
}

static int vcmp_abs(const nvar_t *x, const nvar_t *y)
{
    /* Inputs are stripped type_numeric_t copies. */
    return cmp_abs(x->digits, x->ndigits, x->weight, y->digits, y->ndigits, y->weight);
}

static void add_signed(mem_arena_t *a, const nvar_t *x, const nvar_t *y, nvar_t *r)
{
    int xs = x->ndigits == 0 ? NUMERIC_POS : x->sign, ys = y->ndigits == 0 ? NUMERIC_POS : y->sign;
    if (x->ndigits == 0) xs = ys;
    if (y->ndigits == 0) ys = xs;
    if (xs == ys) {
        add_abs(a, x, y, r);
        r->sign = xs;
        return;
    }
    int c = vcmp_abs(x, y);
    if (c >= 0) {
        sub_abs(a, x, y, r);
        r->sign = xs;
    } else {
        sub_abs(a, y, x, r);
        r->sign = ys;
    }
}

static int special_addsub(mem_arena_t *a, const type_numeric_t *x, const type_numeric_t *y, int negate_y,
                          const type_numeric_t **out)
{
    uint16_t ys = y->sign;
    if (negate_y && ys == NUMERIC_PINF) ys = NUMERIC_NINF;
    else if (negate_y && ys == NUMERIC_NINF) ys = NUMERIC_PINF;
    if (x->sign == NUMERIC_NAN || ys == NUMERIC_NAN) {
        *out = make_special(a, NUMERIC_NAN);
        return 0;
    }
    if (numeric_is_special(x) && (ys == NUMERIC_PINF || ys == NUMERIC_NINF)) {
        *out = make_special(a, x->sign == ys ? x->sign : NUMERIC_NAN);
        return 0;
    }
    *out = make_special(a, numeric_is_special(x) ? x->sign : ys);
    return 0;
}

int numeric_add(mem_arena_t *a, const type_numeric_t *x, const type_numeric_t *y, const type_numeric_t **out, err_t *err)
{
    if (numeric_is_special(x) || numeric_is_special(y))
        return special_addsub(a, x, y, 0, out);
    nvar_t vx = { x->ndigits, x->weight, x->sign, x->dscale, (int16_t *)x->digits };
    nvar_t vy = { y->ndigits, y->weight, y->sign, y->dscale, (int16_t *)y->digits };
    nvar_t r;
    add_signed(a, &vx, &vy, &r);
    return finish(a, &r, out, err);
}

int numeric_sub(mem_arena_t *a, const type_numeric_t *x, const type_numeric_t *y, const type_numeric_t **out, err_t *err)
{
    if (numeric_is_special(x) || numeric_is_special(y))
        return special_addsub(a, x, y, 1, out);
    nvar_t vx = { x->ndigits, x->weight, x->sign, x->dscale, (int16_t *)x->digits };
    nvar_t vy = { y->ndigits, y->weight, y->sign == NUMERIC_NEG ? NUMERIC_POS : NUMERIC_NEG, y->dscale,
                  (int16_t *)y->digits };
    nvar_t r;
    add_signed(a, &vx, &vy, &r);
    return finish(a, &r, out, err);
}

/* ---- mul ---- */

int numeric_mul(mem_arena_t *a, const type_numeric_t *x, const type_numeric_t *y, const type_numeric_t **out, err_t *err)
{
    if (numeric_is_special(x) || numeric_is_special(y)) {
        if (x->sign == NUMERIC_NAN || y->sign == NUMERIC_NAN) {
            *out = make_special(a, NUMERIC_NAN);
            return 0;
        }
        int sx = numeric_sign(x), sy = numeric_sign(y);
        if (sx == 0 || sy == 0) {
            *out = make_special(a, NUMERIC_NAN);
            return 0;
        }
        *out = make_special(a, sx * sy > 0 ? NUMERIC_PINF : NUMERIC_NINF);
        return 0;
    }
    /* Digit i of x times digit j of y lands at index i + j + 1 of a result
     * of weight wx + wy + 1; index 0 takes the final carry. */
    int n = x->ndigits + y->ndigits;
    int64_t *acc = mem_alloc0(a, sizeof(int64_t) * (size_t)n);
    for (int i = 0; i < x->ndigits; i++)
        for (int j = 0; j < y->ndigits; j++)
            acc[i + j + 1] += (int64_t)x->digits[i] * y->digits[j];
    nvar_t r;
    nvar_alloc(a, &r, n);
    int64_t carry = 0;
    for (int k = n - 1; k >= 0; k--) {
        int64_t s = acc[k] + carry;
        r.digits[k] = (int16_t)(s % NBASE);
        carry = s / NBASE;
    }
    r.weight = x->weight + y->weight + 1;
    r.sign = (x->sign == y->sign) ? NUMERIC_POS : NUMERIC_NEG;
    r.dscale = x->dscale + y->dscale;
    if (r.dscale > NUMERIC_MAX_DISPLAY_SCALE)
        r.dscale = NUMERIC_MAX_DISPLAY_SCALE;
    round_var(&r, r.dscale);
    return finish(a, &r, out, err);
}

/* ---- div ---- */

/* Big unsigned integers, base NBASE, little-endian (digit 0 least significant). */
typedef struct big {
    int32_t *d;
    int n;
} big_t;

static void big_trim(big_t *b)
{
    while (b->n > 0 && b->d[b->n - 1] == 0)
        b->n--;
}

/* big_from_var - the digits of v as an integer, times 10^shift10 (shift10 >= 0). */
static big_t big_from_digits(mem_arena_t *a, const int16_t *digits, int ndigits, int shift10)
{
    int groups = shift10 / DEC_DIGITS, rem = shift10 % DEC_DIGITS;
    big_t b;
    b.n = ndigits + groups + 1;
    b.d = mem_alloc0(a, sizeof(int32_t) * (size_t)(b.n + 1));
    for (int i = 0; i < ndigits; i++)
        b.d[groups + i] = digits[ndigits - 1 - i];
    static const int p10[4] = { 1, 10, 100, 1000 };
    int mul = p10[rem];
    if (mul > 1) {
        int64_t carry = 0;
        for (int i = 0; i < b.n; i++) {
            int64_t v = (int64_t)b.d[i] * mul + carry;
            b.d[i] = (int32_t)(v % NBASE);
            carry = v / NBASE;
        }
    }
    big_trim(&b);
    return b;
}

/* big_div - q = u / v (truncated), Knuth algorithm D. v must be nonzero. */
static big_t big_div(mem_arena_t *a, big_t u, big_t v)
{
    big_t q;
    if (u.n < v.n) {
        q.n = 0;
        q.d = mem_alloc0(a, sizeof(int32_t));
        return q;
    }
    q.n = u.n - v.n + 1;
    q.d = mem_alloc0(a, sizeof(int32_t) * (size_t)q.n);
    if (v.n == 1) {
        int64_t r = 0, dv = v.d[0];
        for (int i = u.n - 1; i >= 0; i--) {
            int64_t cur = r * NBASE + u.d[i];
            q.d[i] = (int32_t)(cur / dv);
            r = cur % dv;
        }
        big_trim(&q);
        return q;
    }
    /* Normalize so that the top digit of v is >= NBASE/2. */
    int64_t norm = NBASE / (v.d[v.n - 1] + 1);
    int32_t *un = mem_alloc0(a, sizeof(int32_t) * (size_t)(u.n + 1));
    int32_t *vn = mem_alloc0(a, sizeof(int32_t) * (size_t)v.n);
    int64_t carry = 0;
    for (int i = 0; i < u.n; i++) {
        int64_t t = (int64_t)u.d[i] * norm + carry;
        un[i] = (int32_t)(t % NBASE);
        carry = t / NBASE;
    }
    un[u.n] = (int32_t)carry;
    carry = 0;
    for (int i = 0; i < v.n; i++) {
        int64_t t = (int64_t)v.d[i] * norm + carry;
        vn[i] = (int32_t)(t % NBASE);
        carry = t / NBASE;
    }
    int n = v.n, m = u.n - v.n;
    for (int j = m; j >= 0; j--) {
        int64_t num = (int64_t)un[j + n] * NBASE + un[j + n - 1];
        int64_t qhat = num / vn[n - 1];
        int64_t rhat = num % vn[n - 1];
        while (qhat >= NBASE || qhat * vn[n - 2] > rhat * NBASE + un[j + n - 2]) {
            qhat--;
            rhat += vn[n - 1];
            if (rhat >= NBASE)
                break;
        }
        /* Multiply and subtract. */
        int64_t borrow = 0;
        carry = 0;
        for (int i = 0; i < n; i++) {
            int64_t p = qhat * vn[i] + carry;
            carry = p / NBASE;
            int64_t t = un[i + j] - (p % NBASE) - borrow;
            if (t < 0) {
                t += NBASE;
                borrow = 1;
            } else {
                borrow = 0;
            }
            un[i + j] = (int32_t)t;
        }
        int64_t t = un[j + n] - carry - borrow;
        if (t < 0) {
            /* qhat was one too large: add back. */
            un[j + n] = (int32_t)(t + NBASE);
            qhat--;
            int64_t c = 0;
            for (int i = 0; i < n; i++) {
                int64_t s = (int64_t)un[i + j] + vn[i] + c;
                un[i + j] = (int32_t)(s % NBASE);
                c = s / NBASE;
            }
            un[j + n] = (int32_t)((un[j + n] + c) % NBASE);
        } else {
            un[j + n] = (int32_t)t;
        }
        q.d[j] = (int32_t)qhat;
    }
    big_trim(&q);
    return q;
}

/* div_abs - |x| / |y| truncated at a scale that is a multiple of 4 >= minscale. */
static void div_abs(mem_arena_t *a, const type_numeric_t *x, const type_numeric_t *y, int minscale, nvar_t *r)
{
    int s = ((minscale < 0 ? 0 : minscale) + DEC_DIGITS - 1) / DEC_DIGITS * DEC_DIGITS;
    /* |x| = X * NBASE^ex, |y| = Y * NBASE^ey. Q = X*NBASE^ex*10^s / (Y*NBASE^ey). */
    int ex = x->weight - x->ndigits + 1, ey = y->weight - y->ndigits + 1;
    long e10 = (long)DEC_DIGITS * (ex - ey) + s;
    big_t X, Y;
    if (e10 >= 0) {
        X = big_from_digits(a, x->digits, x->ndigits, (int)e10);
        Y = big_from_digits(a, y->digits, y->ndigits, 0);
    } else {
        X = big_from_digits(a, x->digits, x->ndigits, 0);
        Y = big_from_digits(a, y->digits, y->ndigits, (int)-e10);
    }
    big_t Q = big_div(a, X, Y);
    nvar_alloc(a, r, Q.n);
    for (int i = 0; i < Q.n; i++)
        r->digits[i] = (int16_t)Q.d[Q.n - 1 - i];
    r->weight = Q.n - 1 - s / DEC_DIGITS;
    r->dscale = s;
    r->sign = NUMERIC_POS;
}

/* select_div_scale - PostgreSQL's choice of result scale for x / y. */
static int select_div_scale(const type_numeric_t *x, const type_numeric_t *y)
{
    int weight1 = 0, weight2 = 0, firstdigit1 = 0, firstdigit2 = 0;
    for (int i = 0; i < x->ndigits; i++) {
        firstdigit1 = x->digits[i];
        if (firstdigit1) {
            weight1 = x->weight - i;
            break;
        }
    }
    for (int i = 0; i < y->ndigits; i++) {
        firstdigit2 = y->digits[i];
        if (firstdigit2) {
            weight2 = y->weight - i;
            break;
        }
    }
    int qweight = weight1 - weight2;
    if (firstdigit1 <= firstdigit2)
        qweight--;
    int rscale = MIN_SIG_DIGITS - qweight * DEC_DIGITS;
    if (rscale < x->dscale) rscale = x->dscale;
    if (rscale < y->dscale) rscale = y->dscale;
    if (rscale < 0) rscale = 0;
    if (rscale > NUMERIC_MAX_DISPLAY_SCALE) rscale = NUMERIC_MAX_DISPLAY_SCALE;
    return rscale;
}

static int div_special(mem_arena_t *a, const type_numeric_t *x, const type_numeric_t *y, const type_numeric_t **out,
                       err_t *err)
{
    if (x->sign == NUMERIC_NAN || y->sign == NUMERIC_NAN) {
        *out = make_special(a, NUMERIC_NAN);
        return 0;
    }
    if (numeric_is_special(x)) {
        if (numeric_is_special(y)) {
            *out = make_special(a, NUMERIC_NAN);
            return 0;
        }
        int sy = numeric_sign(y);
        if (sy == 0)
            return err_set(err, ERRCODE_DIVISION_BY_ZERO, "division by zero");
        int sx = numeric_sign(x);
        *out = make_special(a, sx * sy > 0 ? NUMERIC_PINF : NUMERIC_NINF);
        return 0;
    }
    /* finite / infinity = 0 */
    *out = numeric_from_int64(a, 0);
    return 0;
}

int numeric_div(mem_arena_t *a, const type_numeric_t *x, const type_numeric_t *y, int rscale,
                const type_numeric_t **out, err_t *err)
{
    if (numeric_is_special(x) || numeric_is_special(y))
        return div_special(a, x, y, out, err);
    if (y->ndigits == 0)
        return err_set(err, ERRCODE_DIVISION_BY_ZERO, "division by zero");
    if (rscale < 0)
        rscale = select_div_scale(x, y);
    nvar_t r;
    div_abs(a, x, y, rscale + 1, &r);
    round_var(&r, rscale);
    r.sign = (x->sign == y->sign) ? NUMERIC_POS : NUMERIC_NEG;
    return finish(a, &r, out, err);
}

int numeric_mod(mem_arena_t *a, const type_numeric_t *x, const type_numeric_t *y, const type_numeric_t **out, err_t *err)
{
    if (numeric_is_special(x) || numeric_is_special(y)) {
        if (x->sign == NUMERIC_NAN || y->sign == NUMERIC_NAN || numeric_is_special(x)) {
            if (!numeric_is_special(y) && y->ndigits == 0 && x->sign != NUMERIC_NAN)
                return err_set(err, ERRCODE_DIVISION_BY_ZERO, "division by zero");
            *out = make_special(a, NUMERIC_NAN);
            return 0;
        }
        *out = x; /* finite % inf = x */
        return 0;
    }
    if (y->ndigits == 0)
        return err_set(err, ERRCODE_DIVISION_BY_ZERO, "division by zero");
    nvar_t q;
    div_abs(a, x, y, 0, &q);
    trunc_var(&q, 0);
    q.sign = (x->sign == y->sign) ? NUMERIC_POS : NUMERIC_NEG;
    const type_numeric_t *qn, *prod;
    if (finish(a, &q, &qn, err) < 0 || numeric_mul(a, qn, y, &prod, err) < 0)
        return -1;
    return numeric_sub(a, x, prod, out, err);
}

/* ---- unary ---- */

const type_numeric_t *numeric_neg(mem_arena_t *a, const type_numeric_t *x)
{
    if (x->sign == NUMERIC_PINF)
        return make_special(a, NUMERIC_NINF);
    if (x->sign == NUMERIC_NINF)
        return make_special(a, NUMERIC_PINF);
    if (x->sign == NUMERIC_NAN || x->ndigits == 0)
        return x;
    type_numeric_t *n = mem_amemdup(a, x, sizeof *x + sizeof(int16_t) * (size_t)x->ndigits);
    n->sign = x->sign == NUMERIC_NEG ? NUMERIC_POS : NUMERIC_NEG;
    return n;
}

const type_numeric_t *numeric_abs(mem_arena_t *a, const type_numeric_t *x)
{
    if (x->sign == NUMERIC_NINF)
        return make_special(a, NUMERIC_PINF);
    if (x->sign != NUMERIC_NEG)
        return x;
    return numeric_neg(a, x);
}

const type_numeric_t *numeric_round(mem_arena_t *a, const type_numeric_t *x, int scale)
{
    if (numeric_is_special(x))
        return x;
    nvar_t v;
    nvar_from(a, x, &v);
    round_var(&v, scale);
    return finish_nofail(a, &v);
}

const type_numeric_t *numeric_trunc(mem_arena_t *a, const type_numeric_t *x, int scale)
{
    if (numeric_is_special(x))
        return x;
    nvar_t v;
    nvar_from(a, x, &v);
    trunc_var(&v, scale);
    return finish_nofail(a, &v);
}

static const type_numeric_t *floor_ceil(mem_arena_t *a, const type_numeric_t *x, int ceil_)
{
    if (numeric_is_special(x))
        return x;
    const type_numeric_t *t = numeric_trunc(a, x, 0);
    if (numeric_cmp(t, x) != 0) {
        int up = ceil_ ? numeric_sign(x) > 0 : 0;
        int down = !ceil_ && numeric_sign(x) < 0;
        if (up || down) {
            const type_numeric_t *one = numeric_from_int64(a, up ? 1 : -1), *r = t;
            err_t e = { 0 };
            if (numeric_add(a, t, one, &r, &e) == 0)
                t = r;
        }
    }
    return t;
}

const type_numeric_t *numeric_floor(mem_arena_t *a, const type_numeric_t *x)
{
    return floor_ceil(a, x, 0);
}

const type_numeric_t *numeric_ceil(mem_arena_t *a, const type_numeric_t *x)
{
    return floor_ceil(a, x, 1);
}

/* ---- scaled 128-bit forms (aggregate accumulators) ---- */

int numeric_to_scaled(const type_numeric_t *x, int scale, __int128 *out)
{
    if (numeric_is_special(x) || x->dscale > scale || scale > 36)
        return -1;
    if (x->ndigits == 0) {
        *out = 0;
        return 0;
    }
    /* value = sum d[i] * 10000^(w-i); times 10^scale */
    const __int128 lim = (__int128)1 << 120;
    __int128 acc = 0;
    int last_exp = x->weight - x->ndigits + 1; /* base-10000 exponent of the last digit */
    for (int i = 0; i < x->ndigits; i++) {
        if (acc > lim / NBASE)
            return -1;
        acc = acc * NBASE + x->digits[i];
    }
    /* acc * 10000^last_exp * 10^scale */
    int e10 = last_exp * DEC_DIGITS + scale;
    while (e10 > 0) {
        if (acc > lim / 10)
            return -1;
        acc *= 10;
        e10--;
    }
    while (e10 < 0) {
        acc /= 10; /* only zero digits are dropped: dscale <= scale */
        e10++;
    }
    *out = x->sign == NUMERIC_NEG ? -acc : acc;
    return 0;
}

const type_numeric_t *numeric_from_scaled(mem_arena_t *a, __int128 v, int scale)
{
    char tmp[64];
    char *p = tmp + sizeof tmp - 1;
    *p = '\0';
    bool neg = v < 0;
    unsigned __int128 u = neg ? -(unsigned __int128)v : (unsigned __int128)v;
    int nd = 0;
    do {
        *--p = (char)('0' + (int)(u % 10));
        u /= 10;
        nd++;
        if (nd == scale)
            *--p = '.';
    } while (u || nd <= scale);
    if (*p == '.')
        *--p = '0';
    if (neg)
        *--p = '-';
    const type_numeric_t *n = NULL;
    err_t e = { 0 };
    if (numeric_in(p, strlen(p), a, &n, &e) < 0)
        return make_special(a, NUMERIC_NAN);
    return n;
}

int numeric_sqrt(mem_arena_t *a, const type_numeric_t *x, int rscale, const type_numeric_t **out, err_t *err)
{
    if (numeric_sign(x) < 0)
        return err_set(err, "2201F", "cannot take square root of a negative number");
    if (numeric_is_special(x) || x->ndigits == 0) {
        *out = x->ndigits == 0 && !numeric_is_special(x) ? numeric_round(a, x, rscale) : x;
        return 0;
    }
    /* Newton's iteration from a double estimate, with guard digits. */
    double d = sqrt(numeric_to_double(x));
    const type_numeric_t *y = numeric_from_double(a, d, 15), *two = numeric_from_int64(a, 2), *q, *s;
    int work = rscale + 8;
    for (int it = 0; it < 60; it++) {
        if (numeric_div(a, x, y, work, &q, err) < 0 || numeric_add(a, y, q, &s, err) < 0 ||
            numeric_div(a, s, two, work, &q, err) < 0)
            return -1;
        bool same = numeric_cmp(q, y) == 0;
        y = q;
        if (same)
            break;
    }
    *out = numeric_round(a, y, rscale);
    return 0;
}
