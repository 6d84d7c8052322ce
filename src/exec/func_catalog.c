/*
 * func_catalog.c - the catalog functions clients call while introspecting
 * (format_type, pg_get_userbyid, has_*_privilege, obj_description,
 * pg_table_is_visible, pg_get_expr, pg_size_pretty, pg_typeof, format ...),
 * with answers that hold without knowing the catalog: every object is
 * visible and accessible, nothing has a comment or default expression.
 *
 * The catalog subsystem replaces the ones whose answer depends on its
 * contents by registering functions of the same signature
 * (exec_func_register).
 */
#include "func_int.h"

#include <stdio.h>
#include <string.h>

#include "types/array.h"

static int f_null(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    (void)fc;
    (void)a;
    o->isnull = true;
    return 0;
}

static int f_true(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    (void)fc;
    (void)a;
    o->u.i = 1;
    return 0;
}

static int f_false(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    (void)fc;
    (void)a;
    o->u.i = 0;
    return 0;
}

static int f_zero8(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    (void)fc;
    (void)a;
    o->u.i = 0;
    return 0;
}

/* format_type_text - PostgreSQL's format_type(oid, typmod). */
static void format_type_text(type_oid_t t, int32_t tm, buf_t *b)
{
    const type_info_t *ti = type_lookup(t);
    if (!ti) {
        buf_puts(b, "???");
        return;
    }
    if (ti->category == 'A' && ti->elem && t != TYPE_INT2VECTOR && t != TYPE_OIDVECTOR) {
        format_type_text(ti->elem, tm, b);
        buf_puts(b, "[]");
        return;
    }
    switch (t) {
    case TYPE_VARCHAR:
        buf_puts(b, "character varying");
        if (tm >= 5)
            buf_printf(b, "(%d)", tm - 4);
        return;
    case TYPE_BPCHAR:
        buf_puts(b, "character");
        if (tm >= 5)
            buf_printf(b, "(%d)", tm - 4);
        return;
    case TYPE_NUMERIC:
        buf_puts(b, "numeric");
        if (tm >= 4)
            buf_printf(b, "(%d,%d)", ((tm - 4) >> 16) & 0xffff, (tm - 4) & 0xffff);
        return;
    case TYPE_TIMESTAMP:
    case TYPE_TIMESTAMPTZ:
    case TYPE_TIME:
        if (tm >= 0) {
            buf_printf(b, "%s(%d)%s", t == TYPE_TIME ? "time" : "timestamp", tm,
                       t == TYPE_TIMESTAMPTZ ? " with time zone" : " without time zone");
            return;
        }
        break;
    default:
        break;
    }
    buf_puts(b, ti->name);
}

static int f_format_type(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    if (a[0].isnull) {
        o->isnull = true;
        return 0;
    }
    buf_t b = BUF_INIT;
    format_type_text((type_oid_t)a[0].u.i, a[1].isnull ? -1 : (int32_t)a[1].u.i, &b);
    exec__set_text(fc, o, b.data, b.len);
    buf_free(&b);
    return 0;
}

static int f_encoding_to_char(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    const char *n = a[0].u.i == 6 ? "UTF8" : a[0].u.i == 0 ? "SQL_ASCII" : "";
    exec__set_text(fc, o, n, strlen(n));
    return 0;
}

static int f_char_to_encoding(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    (void)fc;
    o->u.i = (a[0].u.s.len == 4 && !strncmp(a[0].u.s.p, "UTF8", 4)) ? 6 : -1;
    return 0;
}

static int f_userbyid(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    char tmp[64];
    if (a[0].u.i == 10)
        snprintf(tmp, sizeof tmp, "%s", fc->sess && fc->sess->user ? fc->sess->user : "kiln");
    else
        snprintf(tmp, sizeof tmp, "unknown (OID=%lld)", (long long)a[0].u.i);
    exec__set_text(fc, o, tmp, strlen(tmp));
    return 0;
}

static int f_get_expr(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    (void)fc;
    if (a[0].isnull) {
        o->isnull = true;
        return 0;
    }
    *o = a[0];
    return 0;
}

static int f_size_pretty(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    /* PostgreSQL's pg_size_pretty: switch unit when the value reaches 10240 of it, half-up rounding */
    static const char *units[] = { "bytes", "kB", "MB", "GB", "TB", "PB" };
    int64_t size = a[0].u.i;
    char tmp[64];
    int u = 0;
    while (u < 5 && (size >= 10 * 1024 || size <= -10 * 1024)) {
        /* keep one extra bit for rounding, as PostgreSQL does */
        int64_t half = size / 512;
        size = (half + (half > 0 ? 1 : half < 0 ? -1 : 0)) / 2;
        u++;
        if (!(size >= 10 * 1024 || size <= -10 * 1024))
            break;
    }
    snprintf(tmp, sizeof tmp, "%lld %s", (long long)size, units[u]);
    exec__set_text(fc, o, tmp, strlen(tmp));
    return 0;
}

static int f_typeof(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    (void)a;
    o->isnull = false;
    o->u.i = fc->expr->args[0]->type;
    return 0;
}

/* format(fmt, args...): %s, %I, %L, %% with optional argument positions n$. */
static int f_format(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    if (a[0].isnull) {
        o->isnull = true;
        return 0;
    }
    const char *f = a[0].u.s.p;
    size_t n = a[0].u.s.len;
    buf_t b = BUF_INIT, t = BUF_INIT;
    int next = 1;
    for (size_t i = 0; i < n; i++) {
        if (f[i] != '%') {
            buf_putc(&b, f[i]);
            continue;
        }
        if (++i >= n) {
            buf_free(&b);
            return err_set(fc->err, ERRCODE_INVALID_PARAMETER_VALUE, "unterminated format() type specifier");
        }
        if (f[i] == '%') {
            buf_putc(&b, '%');
            continue;
        }
        /* %[argpos$][-][width|*|*n$]type, as PostgreSQL's text_format */
        int argn = next;
        size_t j = i;
        int num = 0;
        while (j < n && f[j] >= '0' && f[j] <= '9')
            num = num * 10 + (f[j++] - '0');
        if (j < n && f[j] == '$' && num > 0) {
            argn = num;
            i = j + 1;
        }
        bool left = false;
        int width = 0;
        while (i < n && f[i] == '-') {
            left = true;
            i++;
        }
        if (i < n && f[i] == '*') {
            /* the width is an argument (the next one, or *n$) */
            int wn = next;
            size_t k = ++i;
            int m = 0;
            while (k < n && f[k] >= '0' && f[k] <= '9')
                m = m * 10 + (f[k++] - '0');
            if (k < n && f[k] == '$' && m > 0) {
                wn = m;
                i = k + 1;
            } else if (argn == next) {
                argn = next + 1; /* the value follows its width */
            }
            if (wn >= fc->nargs) {
                buf_free(&b);
                return err_set(fc->err, ERRCODE_INVALID_PARAMETER_VALUE, "too few arguments for format()");
            }
            if (!a[wn].isnull) {
                int64_t w = a[wn].u.i;
                if (w < 0) {
                    left = true;
                    w = -w;
                }
                width = (int)w;
            }
        } else {
            while (i < n && f[i] >= '0' && f[i] <= '9')
                width = width * 10 + (f[i++] - '0');
        }
        if (i >= n) {
            buf_free(&b);
            return err_set(fc->err, ERRCODE_INVALID_PARAMETER_VALUE, "unterminated format() type specifier");
        }
        char spec = f[i];
        size_t start = b.len;
        if (spec != 's' && spec != 'I' && spec != 'L') {
            buf_free(&b);
            return err_set(fc->err, ERRCODE_INVALID_PARAMETER_VALUE, "unrecognized format() type specifier \"%c\"", spec);
        }
        if (argn >= fc->nargs) {
            buf_free(&b);
            return err_set(fc->err, ERRCODE_INVALID_PARAMETER_VALUE, "too few arguments for format()");
        }
        next = argn + 1;
        const value_t *v = &a[argn];
        buf_reset(&t);
        if (!v->isnull)
            type_out_text(fc->expr->args[argn]->type, -1, v, 1, &t);
        if (spec == 's') {
            buf_append(&b, t.data, t.len);
        } else if (spec == 'I') {
            if (v->isnull) {
                buf_free(&b);
                buf_free(&t);
                return err_set(fc->err, ERRCODE_NULL_VALUE_NOT_ALLOWED, "null values cannot be formatted as an SQL identifier");
            }
            bool q = t.len == 0 || !((t.data[0] >= 'a' && t.data[0] <= 'z') || t.data[0] == '_');
            for (size_t k = 0; k < t.len && !q; k++)
                q = !((t.data[k] >= 'a' && t.data[k] <= 'z') || (t.data[k] >= '0' && t.data[k] <= '9') || t.data[k] == '_');
            if (q) {
                buf_putc(&b, '"');
                for (size_t k = 0; k < t.len; k++) {
                    if (t.data[k] == '"')
                        buf_putc(&b, '"');
                    buf_putc(&b, t.data[k]);
                }
                buf_putc(&b, '"');
            } else {
                buf_append(&b, t.data, t.len);
            }
        } else {
            if (v->isnull) {
                buf_puts(&b, "NULL");
            } else {
                buf_putc(&b, '\'');
                for (size_t k = 0; k < t.len; k++) {
                    if (t.data[k] == '\'')
                        buf_putc(&b, '\'');
                    buf_putc(&b, t.data[k]);
                }
                buf_putc(&b, '\'');
            }
        }
        /* pad the piece to width characters */
        size_t chars = 0;
        for (size_t k = start; k < b.len; k++)
            chars += ((unsigned char)b.data[k] & 0xC0) != 0x80;
        if ((size_t)width > chars) {
            size_t pad = (size_t)width - chars, plen = b.len - start;
            for (size_t k = 0; k < pad; k++)
                buf_putc(&b, ' ');
            if (!left) {
                memmove(b.data + start + pad, b.data + start, plen);
                memset(b.data + start, ' ', pad);
            }
        }
    }
    exec__set_text(fc, o, b.data, b.len);
    buf_free(&b);
    buf_free(&t);
    return 0;
}

#define O TYPE_OID
#define T TYPE_TEXT
#define N TYPE_NAME
#define I4 TYPE_INT4
#define B TYPE_BOOL
#define AN TYPE_ANY
#define S EXEC_FN_STRICT
#define ST EXEC_FN_STABLE

const exec_func_t exec__catalog_funcs[] = {
    { "format_type", 2, { O, I4 }, T, f_format_type, ST, 1081 },
    { "pg_encoding_to_char", 1, { I4 }, N, f_encoding_to_char, S, 1597 },
    { "pg_char_to_encoding", 1, { N }, I4, f_char_to_encoding, S, 1264 },
    { "pg_get_userbyid", 1, { O }, N, f_userbyid, S | ST, 1642 },
    { "pg_table_is_visible", 1, { O }, B, f_true, S | ST, 2079 },
    { "pg_type_is_visible", 1, { O }, B, f_true, S | ST, 2080 },
    { "pg_function_is_visible", 1, { O }, B, f_true, S | ST, 2081 },
    { "pg_collation_is_visible", 1, { O }, B, f_true, S | ST, 3815 },
    { "obj_description", 2, { O, N }, T, f_null, ST, 1215 },
    { "obj_description", 1, { O }, T, f_null, ST, 1216 },
    { "col_description", 2, { O, I4 }, T, f_null, ST, 1216 },
    { "shobj_description", 2, { O, N }, T, f_null, ST, 1993 },
    { "pg_get_expr", 2, { TYPE_PG_NODE_TREE, O }, T, f_get_expr, ST, 1716 },
    { "pg_get_expr", 3, { TYPE_PG_NODE_TREE, O, B }, T, f_get_expr, ST, 2509 },
    { "pg_get_constraintdef", 1, { O }, T, f_null, ST, 1387 },
    { "pg_get_constraintdef", 2, { O, B }, T, f_null, ST, 2508 },
    { "pg_get_indexdef", 1, { O }, T, f_null, ST, 1643 },
    { "pg_get_indexdef", 3, { O, I4, B }, T, f_null, ST, 2507 },
    { "pg_get_viewdef", 1, { O }, T, f_null, ST, 1641 },
    { "pg_get_viewdef", 2, { O, B }, T, f_null, ST, 2506 },
    { "pg_get_statisticsobjdef_columns", 1, { O }, T, f_null, ST, 0 },
    { "pg_get_triggerdef", 1, { O }, T, f_null, ST, 0 },
    { "pg_get_serial_sequence", 2, { T, T }, T, f_null, ST, 1665 },
    { "pg_relation_is_publishable", 1, { TYPE_REGCLASS }, B, f_false, S | ST, 0 },
    { "pg_table_size", 1, { TYPE_REGCLASS }, TYPE_INT8, f_zero8, S | ST, 2997 },
    { "pg_relation_size", 1, { TYPE_REGCLASS }, TYPE_INT8, f_zero8, S | ST, 2325 },
    { "pg_total_relation_size", 1, { TYPE_REGCLASS }, TYPE_INT8, f_zero8, S | ST, 2286 },
    { "pg_indexes_size", 1, { TYPE_REGCLASS }, TYPE_INT8, f_zero8, S | ST, 2998 },
    { "pg_database_size", 1, { N }, TYPE_INT8, f_zero8, S | ST, 2168 },
    { "pg_size_pretty", 1, { TYPE_INT8 }, T, f_size_pretty, S, 2288 },
    { "pg_typeof", 1, { AN }, TYPE_REGTYPE, f_typeof, 0, 1619 },
    { "has_table_privilege", 2, { AN, T }, B, f_true, S | ST, 0 },
    { "has_table_privilege", 3, { AN, AN, T }, B, f_true, S | ST, 0 },
    { "has_schema_privilege", 2, { AN, T }, B, f_true, S | ST, 0 },
    { "has_schema_privilege", 3, { AN, AN, T }, B, f_true, S | ST, 0 },
    { "has_database_privilege", 2, { AN, T }, B, f_true, S | ST, 0 },
    { "has_database_privilege", 3, { AN, AN, T }, B, f_true, S | ST, 0 },
    { "has_any_column_privilege", 2, { AN, T }, B, f_true, S | ST, 0 },
    { "has_any_column_privilege", 3, { AN, AN, T }, B, f_true, S | ST, 0 },
    { "has_column_privilege", 3, { AN, AN, T }, B, f_true, S | ST, 0 },
    { "has_column_privilege", 4, { AN, AN, AN, T }, B, f_true, S | ST, 0 },
    { "has_function_privilege", 2, { AN, T }, B, f_true, S | ST, 0 },
    { "has_sequence_privilege", 2, { AN, T }, B, f_true, S | ST, 0 },
    { "pg_has_role", 3, { AN, AN, T }, B, f_true, S | ST, 0 },
    { "txid_current", 0, { 0 }, TYPE_INT8, f_zero8, EXEC_FN_VOLATILE, 0 },
    { "format", 1, { T }, T, f_format, EXEC_FN_VARIADIC, 3540 },
    { "format", 2, { T, AN }, T, f_format, EXEC_FN_VARIADIC, 3539 },
};
const int exec__n_catalog_funcs = (int)(sizeof exec__catalog_funcs / sizeof exec__catalog_funcs[0]);
