/*
 * func_regex.c - POSIX regular expressions: the ~ ~* !~ !~* operators,
 * regexp_replace, regexp_match, substring(text from pattern) and
 * SIMILAR-free catalog patterns such as psql's '^(t)$'.
 *
 * Patterns are compiled with the C library's extended regular expressions
 * (PostgreSQL's ARE is a superset; the constructs clients send to the
 * catalog are common to both) and cached per thread, so a filter applies a
 * compiled pattern to every row. A bad pattern is 2201B with the library's
 * message.
 */
#include "func_int.h"

#include <regex.h>
#include <stdio.h>
#include <string.h>

#include "types/array.h"

#define RX_CACHE 16

typedef struct rx_entry {
    char *pat;
    int flags;
    regex_t re;
    bool used;
} rx_entry_t;

static __thread rx_entry_t rx_cache[RX_CACHE];
static __thread int rx_next;

/* rx_get - the compiled pattern (cached); NULL with 2201B set on a bad pattern. */
static regex_t *rx_get(exec_fctx_t *fc, const char *p, size_t n, bool icase)
{
    int flags = REG_EXTENDED | (icase ? REG_ICASE : 0);
    for (int i = 0; i < RX_CACHE; i++)
        if (rx_cache[i].used && rx_cache[i].flags == flags && strlen(rx_cache[i].pat) == n &&
            memcmp(rx_cache[i].pat, p, n) == 0)
            return &rx_cache[i].re;
    rx_entry_t *e = &rx_cache[rx_next];
    rx_next = (rx_next + 1) % RX_CACHE;
    if (e->used) {
        regfree(&e->re);
        mem_free(e->pat);
        e->used = false;
    }
    char *pat = mem_strndup(p, n);
    int rc = regcomp(&e->re, pat, flags);
    if (rc != 0) {
        char msg[256];
        regerror(rc, &e->re, msg, sizeof msg);
        mem_free(pat);
        err_set(fc->err, ERRCODE_INVALID_REGULAR_EXPRESSION, "invalid regular expression: %s", msg);
        return NULL;
    }
    e->pat = pat;
    e->flags = flags;
    e->used = true;
    return &e->re;
}

/* rx_exec - match against a length-delimited string (copied to NUL-terminate). */
static int rx_exec(regex_t *re, const char *s, size_t n, size_t nm, regmatch_t *m)
{
    char stack[256];
    char *z = n < sizeof stack ? stack : mem_malloc(n + 1);
    memcpy(z, s, n);
    z[n] = '\0';
    int rc = regexec(re, z, nm, m, 0);
    if (z != stack)
        mem_free(z);
    return rc;
}

static int match_op(exec_fctx_t *fc, const value_t *a, value_t *o, bool icase, bool negate)
{
    regex_t *re = rx_get(fc, a[1].u.s.p, a[1].u.s.len, icase);
    if (!re)
        return -1;
    bool hit = rx_exec(re, a[0].u.s.p, a[0].u.s.len, 0, NULL) == 0;
    o->u.i = negate ? !hit : hit;
    return 0;
}

static int f_re(exec_fctx_t *fc, const value_t *a, value_t *o) { return match_op(fc, a, o, false, false); }
static int f_re_i(exec_fctx_t *fc, const value_t *a, value_t *o) { return match_op(fc, a, o, true, false); }
static int f_nre(exec_fctx_t *fc, const value_t *a, value_t *o) { return match_op(fc, a, o, false, true); }
static int f_nre_i(exec_fctx_t *fc, const value_t *a, value_t *o) { return match_op(fc, a, o, true, true); }

/* regexp_replace(s, pattern, replacement [, flags]): \1..\9 and \& in the replacement. */
static int replace_impl(exec_fctx_t *fc, const value_t *a, int nargs, value_t *o)
{
    bool global = false, icase = false;
    if (nargs > 3)
        for (uint32_t i = 0; i < a[3].u.s.len; i++) {
            char f = a[3].u.s.p[i];
            if (f == 'g')
                global = true;
            else if (f == 'i')
                icase = true;
            else if (f != 'c')
                return err_set(fc->err, ERRCODE_INVALID_PARAMETER_VALUE, "invalid regular expression option: \"%c\"", f);
        }
    regex_t *re = rx_get(fc, a[1].u.s.p, a[1].u.s.len, icase);
    if (!re)
        return -1;
    const char *s = a[0].u.s.p;
    size_t n = a[0].u.s.len, pos = 0;
    buf_t b = BUF_INIT;
    char *z = mem_strndup(s, n);
    regmatch_t m[10];
    while (pos <= n) {
        int flags = pos > 0 ? REG_NOTBOL : 0;
        if (regexec(re, z + pos, 10, m, flags) != 0)
            break;
        buf_append(&b, z + pos, (size_t)m[0].rm_so);
        const char *r = a[2].u.s.p;
        for (uint32_t i = 0; i < a[2].u.s.len; i++) {
            if (r[i] == '\\' && i + 1 < a[2].u.s.len) {
                char c = r[++i];
                if (c >= '1' && c <= '9') {
                    int g = c - '0';
                    if (m[g].rm_so >= 0)
                        buf_append(&b, z + pos + m[g].rm_so, (size_t)(m[g].rm_eo - m[g].rm_so));
                    continue;
                }
                if (c == '&') {
                    buf_append(&b, z + pos + m[0].rm_so, (size_t)(m[0].rm_eo - m[0].rm_so));
                    continue;
                }
                buf_putc(&b, c);
                continue;
            }
            buf_putc(&b, r[i]);
        }
        size_t adv = (size_t)m[0].rm_eo;
        if (m[0].rm_eo == m[0].rm_so) {
            /* empty match: copy one character and move on */
            if (pos + adv < n)
                buf_putc(&b, z[pos + adv]);
            adv++;
        }
        pos += adv;
        if (!global)
            break;
    }
    if (pos < n)
        buf_append(&b, z + pos, n - pos);
    mem_free(z);
    exec__set_text(fc, o, b.data, b.len);
    buf_free(&b);
    return 0;
}

static int f_regexp_replace3(exec_fctx_t *fc, const value_t *a, value_t *o) { return replace_impl(fc, a, 3, o); }
static int f_regexp_replace4(exec_fctx_t *fc, const value_t *a, value_t *o) { return replace_impl(fc, a, 4, o); }

/* regexp_match(s, pattern): text[] of the capture groups (or the whole match), NULL when none. */
static int f_regexp_match(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    regex_t *re = rx_get(fc, a[1].u.s.p, a[1].u.s.len, false);
    if (!re)
        return -1;
    regmatch_t m[10];
    if (rx_exec(re, a[0].u.s.p, a[0].u.s.len, 10, m) != 0) {
        o->isnull = true;
        return 0;
    }
    int ng = (int)re->re_nsub;
    int n = ng > 0 ? ng : 1;
    type_array_t *arr = type_array_new(fc->arena, TYPE_TEXT, n);
    for (int i = 0; i < n; i++) {
        int g = ng > 0 ? i + 1 : 0;
        if (g > 9 || m[g].rm_so < 0) {
            arr->vals[i].isnull = true;
            continue;
        }
        exec__set_text(fc, &arr->vals[i], a[0].u.s.p + m[g].rm_so, (size_t)(m[g].rm_eo - m[g].rm_so));
    }
    o->u.arr = arr;
    return 0;
}

/* substring(s from pattern): the first group, or the whole match. */
static int f_substring_re(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    regex_t *re = rx_get(fc, a[1].u.s.p, a[1].u.s.len, false);
    if (!re)
        return -1;
    regmatch_t m[2];
    if (rx_exec(re, a[0].u.s.p, a[0].u.s.len, 2, m) != 0) {
        o->isnull = true;
        return 0;
    }
    int g = re->re_nsub > 0 ? 1 : 0;
    if (m[g].rm_so < 0) {
        o->isnull = true;
        return 0;
    }
    exec__set_text(fc, o, a[0].u.s.p + m[g].rm_so, (size_t)(m[g].rm_eo - m[g].rm_so));
    return 0;
}

#define T TYPE_TEXT
#define OP (EXEC_FN_OPERATOR | EXEC_FN_STRICT)
#define S EXEC_FN_STRICT

const exec_func_t exec__regex_funcs[] = {
    { "~", 2, { T, T }, TYPE_BOOL, f_re, OP, 0 },
    { "~*", 2, { T, T }, TYPE_BOOL, f_re_i, OP, 0 },
    { "!~", 2, { T, T }, TYPE_BOOL, f_nre, OP, 0 },
    { "!~*", 2, { T, T }, TYPE_BOOL, f_nre_i, OP, 0 },
    { "~", 2, { TYPE_NAME, T }, TYPE_BOOL, f_re, OP, 0 },
    { "~*", 2, { TYPE_NAME, T }, TYPE_BOOL, f_re_i, OP, 0 },
    { "!~", 2, { TYPE_NAME, T }, TYPE_BOOL, f_nre, OP, 0 },
    { "regexp_replace", 3, { T, T, T }, T, f_regexp_replace3, S, 0 },
    { "regexp_replace", 4, { T, T, T, T }, T, f_regexp_replace4, S, 0 },
    { "regexp_match", 2, { T, T }, TYPE_TEXT_ARRAY, f_regexp_match, S, 0 },
    { "substring", 2, { T, T }, T, f_substring_re, S, 0 },
    { "textregexeq", 2, { T, T }, TYPE_BOOL, f_re, S, 0 },
};
const int exec__n_regex_funcs = (int)(sizeof exec__regex_funcs / sizeof exec__regex_funcs[0]);
