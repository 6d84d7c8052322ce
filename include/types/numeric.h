/*
 * numeric.h - exact decimal numbers (PostgreSQL's numeric): representation,
 * text and binary forms, and the arithmetic sum/avg and expressions need.
 *
 * A type_numeric_t is immutable once built and lives in the arena the
 * producing call was given. Digits are base 10000, most significant first,
 * exactly as PostgreSQL's binary format carries them, so send/recv are copies.
 * The value is sum(digits[i] * 10000^(weight - i)); dscale is the number of
 * decimal digits shown after the point. No leading or trailing zero digits
 * are stored; zero has ndigits 0.
 *
 * Results of arithmetic follow PostgreSQL's scale rules (add: max scale, mul:
 * sum of scales, div: select_div_scale), so text output matches digit for digit.
 * Errors: 22003 (overflow, "value overflows numeric format"), 22012 (division by zero).
 */
#ifndef TYPES_NUMERIC_H
#define TYPES_NUMERIC_H

#include <stdbool.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/mem.h"

#define NUMERIC_POS 0x0000
#define NUMERIC_NEG 0x4000
#define NUMERIC_NAN 0xC000
#define NUMERIC_PINF 0xD000
#define NUMERIC_NINF 0xF000
#define NUMERIC_MAX_DISPLAY_SCALE 1000
#define NUMERIC_MAX_PRECISION 1000

typedef struct type_numeric {
    uint16_t sign;
    int16_t weight;
    int16_t dscale;
    int16_t ndigits;
    int16_t digits[];
} type_numeric_t;

static inline bool numeric_is_special(const type_numeric_t *n)
{
    return n->sign == NUMERIC_NAN || n->sign == NUMERIC_PINF || n->sign == NUMERIC_NINF;
}

/* numeric_in - parses PostgreSQL numeric text (whitespace, sign, digits,
 * point, exponent, NaN, [+-]Infinity/inf). 22P02 on bad syntax. */
int numeric_in(const char *p, size_t len, mem_arena_t *a, const type_numeric_t **out, err_t *err);
void numeric_out(const type_numeric_t *n, buf_t *out);
/* numeric_out_sci - scientific notation as to_char/float conversions need. */
int numeric_recv(const char *p, size_t len, mem_arena_t *a, const type_numeric_t **out, err_t *err);
void numeric_send(const type_numeric_t *n, buf_t *out);
/* numeric_apply_typmod - rounds to the scale of numeric(p,s) and checks the
 * precision (22003 "numeric field overflow"); typmod -1 returns n itself. */
int numeric_apply_typmod(const type_numeric_t *n, int32_t typmod, mem_arena_t *a,
                         const type_numeric_t **out, err_t *err);

const type_numeric_t *numeric_from_int64(mem_arena_t *a, int64_t v);
const type_numeric_t *numeric_from_int128(mem_arena_t *a, __int128 v);
/* numeric_from_double - as PostgreSQL's float8_numeric: DBL_DIG significant digits. */
const type_numeric_t *numeric_from_double(mem_arena_t *a, double v, int digits);
/* numeric_to_int64 - rounds half away from zero; -1 when out of range or special. */
int numeric_to_int64(const type_numeric_t *n, int64_t *out);
double numeric_to_double(const type_numeric_t *n);

int numeric_add(mem_arena_t *a, const type_numeric_t *x, const type_numeric_t *y, const type_numeric_t **out, err_t *err);
int numeric_sub(mem_arena_t *a, const type_numeric_t *x, const type_numeric_t *y, const type_numeric_t **out, err_t *err);
int numeric_mul(mem_arena_t *a, const type_numeric_t *x, const type_numeric_t *y, const type_numeric_t **out, err_t *err);
/* numeric_div - x / y at PostgreSQL's display scale (rscale < 0 picks it). */
int numeric_div(mem_arena_t *a, const type_numeric_t *x, const type_numeric_t *y, int rscale,
                const type_numeric_t **out, err_t *err);
/* numeric_div_trunc - integer quotient, truncated toward zero (div(), %). */
int numeric_mod(mem_arena_t *a, const type_numeric_t *x, const type_numeric_t *y, const type_numeric_t **out, err_t *err);
const type_numeric_t *numeric_neg(mem_arena_t *a, const type_numeric_t *x);
const type_numeric_t *numeric_abs(mem_arena_t *a, const type_numeric_t *x);
/* numeric_round - rounds half away from zero to scale decimal digits (may be negative). */
const type_numeric_t *numeric_round(mem_arena_t *a, const type_numeric_t *x, int scale);
const type_numeric_t *numeric_trunc(mem_arena_t *a, const type_numeric_t *x, int scale);
const type_numeric_t *numeric_floor(mem_arena_t *a, const type_numeric_t *x);
const type_numeric_t *numeric_ceil(mem_arena_t *a, const type_numeric_t *x);
/* numeric_cmp - total order as PostgreSQL sorts: -Inf < numbers < +Inf < NaN. */
int numeric_cmp(const type_numeric_t *x, const type_numeric_t *y);
/* numeric_hash - equal values (1.0 = 1.00) hash equal. */
uint64_t numeric_hash(const type_numeric_t *x);
int numeric_sign(const type_numeric_t *x); /* -1, 0, 1 (NaN: 0) */
bool numeric_is_integral(const type_numeric_t *x);
/* numeric_to_scaled - x * 10^scale as a 128-bit integer; -1 when x has more
 * fraction digits than scale, is special, or does not fit (sum accumulators). */
int numeric_to_scaled(const type_numeric_t *x, int scale, __int128 *out);
/* numeric_from_scaled - v / 10^scale with display scale `scale`. */
const type_numeric_t *numeric_from_scaled(mem_arena_t *a, __int128 v, int scale);
/* numeric_sqrt - square root rounded to rscale digits (x >= 0). */
int numeric_sqrt(mem_arena_t *a, const type_numeric_t *x, int rscale, const type_numeric_t **out, err_t *err);

#endif
