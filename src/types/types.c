/*
 * types.c - the built-in type table and the four conversions (text in/out,
 * binary in/out) of every scalar type, dispatching to numeric.c, datetime.c
 * and array.c for the larger ones.
 *
 * Messages and SQLSTATEs of bad input are PostgreSQL's, because clients and
 * tests compare them: 22P02 "invalid input syntax for type integer: "x"",
 * 22003 "value "99999999999" is out of range for type integer", 22P03 for
 * malformed binary parameters. Float output is the shortest string that
 * reads back exactly (PostgreSQL 12+) when extra_float_digits > 0, else
 * %g with DBL_DIG/FLT_DIG + extra_float_digits digits.
 *
 * Not here: casts between types and operators (src/exec/func*.c), and reg*
 * name lookups, which need the catalog (src/sql resolves them).
 */
#include "types/types.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "types/array.h"
#include "types/datetime.h"
#include "types/numeric.h"
#include "types/record.h"
#include "types/reg.h"

static const type_info_t type_table[] = {
    /* oid, name, typname, typlen, category, byval, elem, array */
    { TYPE_BOOL, "boolean", "bool", 1, 'B', true, 0, TYPE_BOOL_ARRAY },
    { TYPE_BYTEA, "bytea", "bytea", -1, 'U', false, 0, TYPE_BYTEA_ARRAY },
    { TYPE_CHAR, "\"char\"", "char", 1, 'Z', true, 0, TYPE_CHAR_ARRAY },
    { TYPE_NAME, "name", "name", 64, 'S', false, 0, TYPE_NAME_ARRAY },
    { TYPE_INT8, "bigint", "int8", 8, 'N', true, 0, TYPE_INT8_ARRAY },
    { TYPE_INT2, "smallint", "int2", 2, 'N', true, 0, TYPE_INT2_ARRAY },
    { TYPE_INT2VECTOR, "int2vector", "int2vector", -1, 'A', false, TYPE_INT2, 1006 },
    { TYPE_INT4, "integer", "int4", 4, 'N', true, 0, TYPE_INT4_ARRAY },
    { TYPE_REGPROC, "regproc", "regproc", 4, 'N', true, 0, 1008 },
    { TYPE_TEXT, "text", "text", -1, 'S', false, 0, TYPE_TEXT_ARRAY },
    { TYPE_OID, "oid", "oid", 4, 'N', true, 0, TYPE_OID_ARRAY },
    { TYPE_XID, "xid", "xid", 4, 'U', true, 0, 1011 },
    { TYPE_OIDVECTOR, "oidvector", "oidvector", -1, 'A', false, TYPE_OID, 1013 },
    { TYPE_JSON, "json", "json", -1, 'U', false, 0, 199 },
    { TYPE_PG_NODE_TREE, "pg_node_tree", "pg_node_tree", -1, 'Z', false, 0, 0 },
    { TYPE_FLOAT4, "real", "float4", 4, 'N', true, 0, TYPE_FLOAT4_ARRAY },
    { TYPE_FLOAT8, "double precision", "float8", 8, 'N', true, 0, TYPE_FLOAT8_ARRAY },
    { TYPE_UNKNOWN, "unknown", "unknown", -2, 'X', false, 0, 0 },
    { TYPE_ACLITEM, "aclitem", "aclitem", 12, 'U', false, 0, TYPE_ACLITEM_ARRAY },
    { TYPE_BPCHAR, "character", "bpchar", -1, 'S', false, 0, 1014 },
    { TYPE_VARCHAR, "character varying", "varchar", -1, 'S', false, 0, TYPE_VARCHAR_ARRAY },
    { TYPE_DATE, "date", "date", 4, 'D', true, 0, 1182 },
    { TYPE_TIME, "time without time zone", "time", 8, 'D', true, 0, 1183 },
    { TYPE_TIMESTAMP, "timestamp without time zone", "timestamp", 8, 'D', true, 0, 1115 },
    { TYPE_TIMESTAMPTZ, "timestamp with time zone", "timestamptz", 8, 'D', true, 0, 1185 },
    { TYPE_INTERVAL, "interval", "interval", 16, 'T', false, 0, 1187 },
    { TYPE_NUMERIC, "numeric", "numeric", -1, 'N', false, 0, TYPE_NUMERIC_ARRAY },
    { TYPE_REGPROCEDURE, "regprocedure", "regprocedure", 4, 'N', true, 0, 2207 },
    { TYPE_REGOPER, "regoper", "regoper", 4, 'N', true, 0, 2208 },
    { TYPE_REGCLASS, "regclass", "regclass", 4, 'N', true, 0, 2210 },
    { TYPE_REGTYPE, "regtype", "regtype", 4, 'N', true, 0, 2211 },
    { TYPE_RECORD, "record", "record", -1, 'P', false, 0, 2287 },
    { TYPE_CSTRING, "cstring", "cstring", -2, 'P', false, 0, 1263 },
    { TYPE_ANY, "\"any\"", "any", 4, 'P', true, 0, 0 },
    { TYPE_ANYARRAY, "anyarray", "anyarray", -1, 'P', false, 0, 0 },
    { TYPE_VOID, "void", "void", 4, 'P', true, 0, 0 },
    { TYPE_ANYELEMENT, "anyelement", "anyelement", 4, 'P', true, 0, 0 },
    { TYPE_REGNAMESPACE, "regnamespace", "regnamespace", 4, 'N', true, 0, 4090 },
    { TYPE_REGROLE, "regrole", "regrole", 4, 'N', true, 0, 4097 },
    /* arrays */
    { TYPE_BOOL_ARRAY, "boolean[]", "_bool", -1, 'A', false, TYPE_BOOL, 0 },
    { TYPE_BYTEA_ARRAY, "bytea[]", "_bytea", -1, 'A', false, TYPE_BYTEA, 0 },
    { TYPE_CHAR_ARRAY, "\"char\"[]", "_char", -1, 'A', false, TYPE_CHAR, 0 },
    { TYPE_NAME_ARRAY, "name[]", "_name", -1, 'A', false, TYPE_NAME, 0 },
    { TYPE_INT2_ARRAY, "smallint[]", "_int2", -1, 'A', false, TYPE_INT2, 0 },
    { 1006, "int2vector[]", "_int2vector", -1, 'A', false, TYPE_INT2VECTOR, 0 },
    { TYPE_INT4_ARRAY, "integer[]", "_int4", -1, 'A', false, TYPE_INT4, 0 },
    { 1008, "regproc[]", "_regproc", -1, 'A', false, TYPE_REGPROC, 0 },
    { TYPE_TEXT_ARRAY, "text[]", "_text", -1, 'A', false, TYPE_TEXT, 0 },
    { 1011, "xid[]", "_xid", -1, 'A', false, TYPE_XID, 0 },
    { 1013, "oidvector[]", "_oidvector", -1, 'A', false, TYPE_OIDVECTOR, 0 },
    { 1014, "character[]", "_bpchar", -1, 'A', false, TYPE_BPCHAR, 0 },
    { TYPE_VARCHAR_ARRAY, "character varying[]", "_varchar", -1, 'A', false, TYPE_VARCHAR, 0 },
    { TYPE_INT8_ARRAY, "bigint[]", "_int8", -1, 'A', false, TYPE_INT8, 0 },
    { TYPE_FLOAT4_ARRAY, "real[]", "_float4", -1, 'A', false, TYPE_FLOAT4, 0 },
    { TYPE_FLOAT8_ARRAY, "double precision[]", "_float8", -1, 'A', false, TYPE_FLOAT8, 0 },
    { TYPE_OID_ARRAY, "oid[]", "_oid", -1, 'A', false, TYPE_OID, 0 },
    { TYPE_ACLITEM_ARRAY, "aclitem[]", "_aclitem", -1, 'A', false, TYPE_ACLITEM, 0 },
    { 1182, "date[]", "_date", -1, 'A', false, TYPE_DATE, 0 },
    { 1183, "time without time zone[]", "_time", -1, 'A', false, TYPE_TIME, 0 },
    { 1115, "timestamp without time zone[]", "_timestamp", -1, 'A', false, TYPE_TIMESTAMP, 0 },
    { 1185, "timestamp with time zone[]", "_timestamptz", -1, 'A', false, TYPE_TIMESTAMPTZ, 0 },
    { 1187, "interval[]", "_interval", -1, 'A', false, TYPE_INTERVAL, 0 },
    { TYPE_NUMERIC_ARRAY, "numeric[]", "_numeric", -1, 'A', false, TYPE_NUMERIC, 0 },
    { 199, "json[]", "_json", -1, 'A', false, TYPE_JSON, 0 },
    { 1263, "cstring[]", "_cstring", -1, 'A', false, TYPE_CSTRING, 0 },
    { 2207, "regprocedure[]", "_regprocedure", -1, 'A', false, TYPE_REGPROCEDURE, 0 },
    { 2208, "regoper[]", "_regoper", -1, 'A', false, TYPE_REGOPER, 0 },
    { 2210, "regclass[]", "_regclass", -1, 'A', false, TYPE_REGCLASS, 0 },
    { 2211, "regtype[]", "_regtype", -1, 'A', false, TYPE_REGTYPE, 0 },
    { 2287, "record[]", "_record", -1, 'A', false, TYPE_RECORD, 0 },
    { 4090, "regnamespace[]", "_regnamespace", -1, 'A', false, TYPE_REGNAMESPACE, 0 },
    { 4097, "regrole[]", "_regrole", -1, 'A', false, TYPE_REGROLE, 0 },
};

#define NTYPES (sizeof type_table / sizeof type_table[0])

const type_info_t *type_lookup(type_oid_t oid)
{
    /* Small OIDs through a direct index built on first use. */
    static const type_info_t *index[5000];
    static bool built;
    if (!built) {
        for (size_t i = 0; i < NTYPES; i++)
            if (type_table[i].oid < 5000)
                index[type_table[i].oid] = &type_table[i];
        built = true;
    }
    return oid < 5000 ? index[oid] : NULL;
}

/* SQL spellings that are not pg_type names. */
static const struct {
    const char *alias;
    type_oid_t oid;
} type_aliases[] = {
    { "boolean", TYPE_BOOL }, { "smallint", TYPE_INT2 }, { "integer", TYPE_INT4 }, { "int", TYPE_INT4 },
    { "bigint", TYPE_INT8 }, { "real", TYPE_FLOAT4 }, { "double precision", TYPE_FLOAT8 }, { "float", TYPE_FLOAT8 },
    { "decimal", TYPE_NUMERIC }, { "dec", TYPE_NUMERIC }, { "character varying", TYPE_VARCHAR },
    { "character", TYPE_BPCHAR }, { "char", TYPE_BPCHAR }, { "\"char\"", TYPE_CHAR }, { "string", TYPE_TEXT },
    { "timestamp without time zone", TYPE_TIMESTAMP }, { "timestamp with time zone", TYPE_TIMESTAMPTZ },
    { "time without time zone", TYPE_TIME },
};

const type_info_t *type_lookup_name(const char *typname)
{
    for (size_t i = 0; i < sizeof type_aliases / sizeof type_aliases[0]; i++)
        if (strcasecmp(type_aliases[i].alias, typname) == 0)
            return type_lookup(type_aliases[i].oid);
    for (size_t i = 0; i < NTYPES; i++)
        if (strcmp(type_table[i].typname, typname) == 0)
            return &type_table[i];
    return NULL;
}

/* ---- helpers ---- */

static const char *tname(type_oid_t t)
{
    const type_info_t *ti = type_lookup(t);
    return ti ? ti->name : "unknown";
}

static int syntax_error(err_t *err, type_oid_t t, const char *p, size_t len)
{
    return err_set(err, ERRCODE_INVALID_TEXT_REPRESENTATION, "invalid input syntax for type %s: \"%.*s\"", tname(t),
                   (int)len, p);
}

static int bad_binary(err_t *err)
{
    return err_set(err, ERRCODE_INVALID_BINARY_REPRESENTATION, "incorrect binary data format");
}

/* parse_int - PostgreSQL's pg_strtoint: spaces, sign, digits, spaces. */
static int parse_int(type_oid_t t, const char *p, size_t len, int64_t min, int64_t max, int64_t *out, err_t *err)
{
    size_t i = 0, n = len;
    while (i < n && isspace((unsigned char)p[i]))
        i++;
    bool neg = false;
    if (i < n && (p[i] == '-' || p[i] == '+')) {
        neg = p[i] == '-';
        i++;
    }
    if (i >= n || !isdigit((unsigned char)p[i]))
        return syntax_error(err, t, p, len);
    unsigned __int128 acc = 0;
    bool overflow = false;
    while (i < n && isdigit((unsigned char)p[i])) {
        acc = acc * 10 + (unsigned)(p[i] - '0');
        if (acc > (unsigned __int128)UINT64_MAX)
            overflow = true, acc = (unsigned __int128)UINT64_MAX;
        i++;
    }
    while (i < n && isspace((unsigned char)p[i]))
        i++;
    if (i != n)
        return syntax_error(err, t, p, len);
    __int128 v = neg ? -(__int128)acc : (__int128)acc;
    if (overflow || v < min || v > max)
        return err_set(err, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, "value \"%.*s\" is out of range for type %s",
                       (int)len, p, tname(t));
    *out = (int64_t)v;
    return 0;
}

static int parse_float(type_oid_t t, const char *p, size_t len, double *out, err_t *err)
{
    char stackbuf[128];
    char *s = len < sizeof stackbuf ? stackbuf : NULL;
    buf_t tmp = BUF_INIT;
    if (!s) {
        buf_append(&tmp, p, len);
        s = (char *)buf_cstr(&tmp);
    } else {
        memcpy(s, p, len);
        s[len] = '\0';
    }
    char *q = s;
    while (isspace((unsigned char)*q))
        q++;
    int rc = 0;
    if (*q == '\0') {
        rc = syntax_error(err, t, p, len);
        goto done;
    }
    errno = 0;
    char *end;
    double d;
    if (t == TYPE_FLOAT4)
        d = strtof(q, &end);
    else
        d = strtod(q, &end);
    if (end == q) {
        rc = syntax_error(err, t, p, len);
        goto done;
    }
    if (errno == ERANGE && (d == 0.0 || isinf(d))) {
        rc = err_set(err, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, "\"%.*s\" is out of range for type %s", (int)len, p,
                     tname(t));
        goto done;
    }
    while (isspace((unsigned char)*end))
        end++;
    if (*end) {
        rc = syntax_error(err, t, p, len);
        goto done;
    }
    *out = d;
done:
    buf_free(&tmp);
    return rc;
}

/* put_shortest - digits and exponent, formatted as PostgreSQL's Ryu output:
 * plain notation when -4 <= exponent < dig, else d.ddde+XX. */
static void put_digits(buf_t *out, bool neg, const char *digits, int nd, int exp, int dig)
{
    if (neg)
        buf_putc(out, '-');
    if (exp < -4 || exp >= dig) {
        buf_putc(out, digits[0]);
        if (nd > 1) {
            buf_putc(out, '.');
            buf_append(out, digits + 1, (size_t)nd - 1);
        }
        buf_printf(out, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
        return;
    }
    if (exp >= 0) {
        for (int i = 0; i <= exp; i++)
            buf_putc(out, i < nd ? digits[i] : '0');
        if (nd > exp + 1) {
            buf_putc(out, '.');
            buf_append(out, digits + exp + 1, (size_t)(nd - exp - 1));
        }
    } else {
        buf_puts(out, "0.");
        for (int i = 0; i < -exp - 1; i++)
            buf_putc(out, '0');
        buf_append(out, digits, (size_t)nd);
    }
}

static void float_out(double d, bool is4, int efd, buf_t *out)
{
    if (isnan(d)) {
        buf_puts(out, "NaN");
        return;
    }
    if (isinf(d)) {
        buf_puts(out, d > 0 ? "Infinity" : "-Infinity");
        return;
    }
    if (efd <= 0) {
        int ndig = (is4 ? FLT_DIG : DBL_DIG) + efd;
        if (ndig < 1)
            ndig = 1;
        buf_printf(out, "%.*g", ndig, d);
        return;
    }
    char tmp[40];
    int maxp = is4 ? 9 : 17;
    for (int p = 1; p <= maxp; p++) {
        snprintf(tmp, sizeof tmp, "%.*e", p - 1, d);
        bool ok = is4 ? (strtof(tmp, NULL) == (float)d) : (strtod(tmp, NULL) == d);
        if (ok || p == maxp)
            break;
    }
    /* tmp is [-]d[.ddd]e[+-]XX */
    const char *q = tmp;
    bool neg = false;
    if (*q == '-') {
        neg = true;
        q++;
    }
    char digits[24];
    int nd = 0;
    for (; *q && *q != 'e'; q++)
        if (isdigit((unsigned char)*q))
            digits[nd++] = *q;
    int exp = atoi(q + 1);
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    put_digits(out, neg, digits, nd, exp, is4 ? FLT_DIG : DBL_DIG);
}

static void bytea_out(const char *p, size_t n, buf_t *out)
{
    static const char hex[] = "0123456789abcdef";
    buf_reserve(out, 2 + 2 * n);
    buf_puts(out, "\\x");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        char two[2] = { hex[c >> 4], hex[c & 15] };
        buf_append(out, two, 2);
    }
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static int bytea_in(const char *p, size_t len, mem_arena_t *a, value_t *v, err_t *err)
{
    char *dst = mem_alloc(a, len + 1);
    size_t n = 0;
    if (len >= 2 && p[0] == '\\' && p[1] == 'x') {
        size_t i = 2;
        while (i < len) {
            if (isspace((unsigned char)p[i])) {
                i++;
                continue;
            }
            int hi = hexval(p[i]);
            if (hi < 0)
                return err_set(err, ERRCODE_INVALID_PARAMETER_VALUE, "invalid hexadecimal digit: \"%c\"", p[i]);
            if (i + 1 >= len)
                return err_set(err, ERRCODE_INVALID_PARAMETER_VALUE, "invalid hexadecimal data: odd number of digits");
            int lo = hexval(p[i + 1]);
            if (lo < 0)
                return err_set(err, ERRCODE_INVALID_PARAMETER_VALUE, "invalid hexadecimal digit: \"%c\"", p[i + 1]);
            dst[n++] = (char)(hi << 4 | lo);
            i += 2;
        }
    } else {
        for (size_t i = 0; i < len;) {
            if (p[i] != '\\') {
                dst[n++] = p[i++];
            } else if (i + 1 < len && p[i + 1] == '\\') {
                dst[n++] = '\\';
                i += 2;
            } else if (i + 3 < len && p[i + 1] >= '0' && p[i + 1] <= '3' && p[i + 2] >= '0' && p[i + 2] <= '7' &&
                       p[i + 3] >= '0' && p[i + 3] <= '7') {
                dst[n++] = (char)(((p[i + 1] - '0') << 6) | ((p[i + 2] - '0') << 3) | (p[i + 3] - '0'));
                i += 4;
            } else {
                return err_set(err, ERRCODE_INVALID_TEXT_REPRESENTATION, "invalid input syntax for type bytea");
            }
        }
    }
    v->u.s.p = dst;
    v->u.s.len = (uint32_t)n;
    return 0;
}

/* utf8_chars - number of characters in a UTF-8 string; *cut set to the byte
 * length of the first maxchars characters. */
static size_t utf8_chars(const char *p, size_t len, size_t maxchars, size_t *cut)
{
    size_t chars = 0;
    *cut = len;
    for (size_t i = 0; i < len; i++) {
        if (((unsigned char)p[i] & 0xC0) != 0x80) {
            if (chars == maxchars)
                *cut = i;
            chars++;
        }
    }
    return chars;
}

static bool valid_utf8(const char *p, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)p[i];
        int n;
        if (c < 0x80) { i++; continue; }
        else if ((c & 0xE0) == 0xC0 && c >= 0xC2) n = 1;
        else if ((c & 0xF0) == 0xE0) n = 2;
        else if ((c & 0xF8) == 0xF0 && c <= 0xF4) n = 3;
        else return false;
        for (int k = 1; k <= n; k++)
            if (i + (size_t)k >= len || ((unsigned char)p[i + (size_t)k] & 0xC0) != 0x80)
                return false;
        i += (size_t)n + 1;
    }
    return true;
}

static int text_in(type_oid_t t, int32_t typmod, const char *p, size_t len, mem_arena_t *a, value_t *v, err_t *err)
{
    if (memchr(p, '\0', len))
        return err_set(err, ERRCODE_CHARACTER_NOT_IN_REPERTOIRE, "invalid byte sequence for encoding \"UTF8\": 0x00");
    if (!valid_utf8(p, len))
        return err_set(err, ERRCODE_CHARACTER_NOT_IN_REPERTOIRE, "invalid byte sequence for encoding \"UTF8\"");
    size_t n = len;
    if (t == TYPE_NAME && n > 63) {
        size_t cut;
        utf8_chars(p, n, 63, &cut);
        n = cut > 63 ? 63 : cut;
        while (n > 0 && ((unsigned char)p[n] & 0xC0) == 0x80)
            n--;
    }
    if ((t == TYPE_VARCHAR || t == TYPE_BPCHAR) && typmod >= 5) {
        size_t maxc = (size_t)(typmod - 4), cut;
        size_t chars = utf8_chars(p, n, maxc, &cut);
        if (chars > maxc) {
            for (size_t i = cut; i < n; i++)
                if (p[i] != ' ')
                    return err_set(err, ERRCODE_STRING_DATA_RIGHT_TRUNCATION, "value too long for type %s(%d)",
                                   t == TYPE_VARCHAR ? "character varying" : "character", typmod - 4);
            n = cut;
            chars = maxc;
        }
        if (t == TYPE_BPCHAR && chars < maxc) {
            size_t pad = maxc - chars;
            char *d = mem_alloc(a, n + pad);
            memcpy(d, p, n);
            memset(d + n, ' ', pad);
            v->u.s.p = d;
            v->u.s.len = (uint32_t)(n + pad);
            return 0;
        }
    }
    v->u.s.p = mem_astrndup(a, p, n);
    v->u.s.len = (uint32_t)n;
    return 0;
}

/* ---- reg* names ---- */

static type_reg_namer_t reg_namer;

void type_reg_set_namer(type_reg_namer_t fn)
{
    reg_namer = fn;
}

static type_reg_resolver_t reg_resolver;

void type_reg_set_resolver(type_reg_resolver_t fn)
{
    reg_resolver = fn;
}

uint32_t type_reg_resolve(type_oid_t t, const char *name)
{
    return reg_resolver ? reg_resolver(t, name) : 0;
}

/* reg_out - a name for an OID alias value, or false for the number. */
static bool reg_out(type_oid_t t, uint32_t oid, buf_t *out)
{
    if (oid == 0) {
        buf_putc(out, '-');
        return true;
    }
    if (reg_namer && reg_namer(t, oid, out))
        return true;
    if (t == TYPE_REGTYPE) {
        const type_info_t *ti = type_lookup(oid);
        if (ti) {
            buf_puts(out, ti->name);
            return true;
        }
    }
    return false;
}

/* ---- text in / out ---- */

void type_out_text(type_oid_t t, int32_t typmod, const value_t *v, int extra_float_digits, buf_t *out)
{
    const type_info_t *ti;
    switch (t) {
    case TYPE_BOOL:
        buf_putc(out, v->u.i ? 't' : 'f');
        return;
    case TYPE_REGPROC:
    case TYPE_REGPROCEDURE:
    case TYPE_REGOPER:
    case TYPE_REGCLASS:
    case TYPE_REGTYPE:
    case TYPE_REGNAMESPACE:
    case TYPE_REGROLE:
        if (reg_out(t, (uint32_t)v->u.i, out))
            return;
        __attribute__((fallthrough)); /* the number */
    case TYPE_INT2:
    case TYPE_INT4:
    case TYPE_INT8:
    case TYPE_OID:
    case TYPE_XID: {
        /* digits from the end, no format parsing (snprintf was a tenth of a
         * query returning hundreds of rows) */
        char tmp[24], *p = tmp + sizeof tmp;
        uint64_t u = v->u.i < 0 ? 0 - (uint64_t)v->u.i : (uint64_t)v->u.i;
        do {
            *--p = (char)('0' + (int)(u % 10));
            u /= 10;
        } while (u);
        if (v->u.i < 0)
            *--p = '-';
        buf_append(out, p, (size_t)(tmp + sizeof tmp - p));
        return;
    }
    case TYPE_FLOAT4:
        float_out(v->u.f, true, extra_float_digits, out);
        return;
    case TYPE_FLOAT8:
        float_out(v->u.f, false, extra_float_digits, out);
        return;
    case TYPE_NUMERIC:
        numeric_out(v->u.num, out);
        return;
    case TYPE_CHAR: {
        unsigned char c = (unsigned char)v->u.i;
        if (c == 0)
            return;
        if (c >= 0x80)
            buf_printf(out, "\\%03o", c);
        else
            buf_putc(out, (char)c);
        return;
    }
    case TYPE_BYTEA:
        bytea_out(v->u.s.p, v->u.s.len, out);
        return;
    case TYPE_DATE:
        dt_date_out((int32_t)v->u.i, out);
        return;
    case TYPE_TIME:
        dt_time_out(v->u.i, out);
        return;
    case TYPE_TIMESTAMP:
        dt_timestamp_out(v->u.i, false, out);
        return;
    case TYPE_TIMESTAMPTZ:
        dt_timestamp_out(v->u.i, true, out);
        return;
    case TYPE_INTERVAL:
        dt_interval_out(&v->u.iv, out);
        return;
    case TYPE_INT2VECTOR:
    case TYPE_OIDVECTOR:
        type_vector_out(v->u.arr, out);
        return;
    case TYPE_RECORD:
        type_record_out(v->u.rec, extra_float_digits, out);
        return;
    case TYPE_VOID:
        return;
    case TYPE_TEXT:
    case TYPE_VARCHAR:
    case TYPE_BPCHAR:
    case TYPE_NAME:
        /* the common strings without the type lookup below (per value) */
        buf_append(out, v->u.s.p, v->u.s.len);
        return;
    default:
        ti = type_lookup(t);
        if (ti && ti->elem && ti->category == 'A') {
            type_array_out(ti->elem, v->u.arr, extra_float_digits, out);
            return;
        }
        /* text, varchar, bpchar, name, unknown, json, pg_node_tree, aclitem, cstring */
        buf_append(out, v->u.s.p, v->u.s.len);
        (void)typmod;
        return;
    }
}

int type_in_text(type_oid_t t, int32_t typmod, const char *p, size_t len, mem_arena_t *a, value_t *v, err_t *err)
{
    int64_t i;
    v->isnull = false;
    switch (t) {
    case TYPE_BOOL: {
        size_t s = 0, e = len;
        while (s < e && isspace((unsigned char)p[s]))
            s++;
        while (e > s && isspace((unsigned char)p[e - 1]))
            e--;
        size_t n = e - s;
        const char *q = p + s;
        /* PostgreSQL accepts unique prefixes of true/false/yes/no, on/off (2+ chars), 1/0. */
        if (n > 0) {
            if (strncasecmp(q, "true", n) == 0 && n <= 4) { v->u.i = 1; return 0; }
            if (strncasecmp(q, "false", n) == 0 && n <= 5) { v->u.i = 0; return 0; }
            if (strncasecmp(q, "yes", n) == 0 && n <= 3) { v->u.i = 1; return 0; }
            if (strncasecmp(q, "no", n) == 0 && n <= 2) { v->u.i = 0; return 0; }
            if (n >= 2 && n <= 2 && strncasecmp(q, "on", 2) == 0) { v->u.i = 1; return 0; }
            if (n >= 2 && n <= 3 && strncasecmp(q, "off", n) == 0) { v->u.i = 0; return 0; }
            if (n == 1 && *q == '1') { v->u.i = 1; return 0; }
            if (n == 1 && *q == '0') { v->u.i = 0; return 0; }
        }
        return syntax_error(err, t, p, len);
    }
    case TYPE_INT2:
        return parse_int(t, p, len, INT16_MIN, INT16_MAX, &v->u.i, err);
    case TYPE_INT4:
        return parse_int(t, p, len, INT32_MIN, INT32_MAX, &v->u.i, err);
    case TYPE_INT8:
        return parse_int(t, p, len, INT64_MIN, INT64_MAX, &v->u.i, err);
    case TYPE_OID:
    case TYPE_XID:
    case TYPE_REGPROC:
    case TYPE_REGPROCEDURE:
    case TYPE_REGOPER:
    case TYPE_REGCLASS:
    case TYPE_REGTYPE:
    case TYPE_REGNAMESPACE:
    case TYPE_REGROLE:
        /* oidin accepts -2147483648 .. 4294967295, negatives wrap (PostgreSQL's oidin). */
        if (parse_int(TYPE_OID, p, len, INT32_MIN, UINT32_MAX, &i, err) < 0)
            return -1;
        v->u.i = (int64_t)(uint32_t)i;
        return 0;
    case TYPE_FLOAT4:
    case TYPE_FLOAT8:
        return parse_float(t, p, len, &v->u.f, err);
    case TYPE_NUMERIC: {
        const type_numeric_t *n;
        if (numeric_in(p, len, a, &n, err) < 0)
            return -1;
        if (numeric_apply_typmod(n, typmod, a, &n, err) < 0)
            return -1;
        v->u.num = n;
        return 0;
    }
    case TYPE_CHAR:
        v->u.i = len > 0 ? (unsigned char)p[0] : 0;
        return 0;
    case TYPE_BYTEA:
        return bytea_in(p, len, a, v, err);
    case TYPE_DATE: {
        int32_t d;
        if (dt_date_in(p, len, &d, err) < 0)
            return -1;
        v->u.i = d;
        return 0;
    }
    case TYPE_TIME:
        return dt_time_in(p, len, &v->u.i, err);
    case TYPE_TIMESTAMP:
        return dt_timestamp_in(p, len, false, typmod, &v->u.i, err);
    case TYPE_TIMESTAMPTZ:
        return dt_timestamp_in(p, len, true, typmod, &v->u.i, err);
    case TYPE_INTERVAL:
        return dt_interval_in(p, len, &v->u.iv, err);
    case TYPE_INT2VECTOR:
        return type_vector_in(TYPE_INT2, p, len, a, v, err);
    case TYPE_OIDVECTOR:
        return type_vector_in(TYPE_OID, p, len, a, v, err);
    case TYPE_RECORD:
        return err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "input of anonymous composite types is not implemented");
    case TYPE_VOID:
        v->u.i = 0;
        return 0;
    default: {
        const type_info_t *ti = type_lookup(t);
        if (ti && ti->elem && ti->category == 'A')
            return type_array_in(ti->elem, p, len, a, v, err);
        if (!ti || ti->category == 'P')
            return err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "cannot accept a value of type %s", tname(t));
        return text_in(t, typmod, p, len, a, v, err);
    }
    }
}

/* ---- binary ---- */

bool type_has_binary(type_oid_t t)
{
    const type_info_t *ti = type_lookup(t);
    if (!ti)
        return false;
    switch (t) {
    case TYPE_CSTRING:
    case TYPE_ANY:
    case TYPE_ANYARRAY:
    case TYPE_ANYELEMENT:
    case TYPE_ACLITEM:
    case TYPE_PG_NODE_TREE:
        return false;
    default:
        if (ti->category == 'A' && ti->elem)
            return type_has_binary(ti->elem);
        return true;
    }
}

void type_out_binary(type_oid_t t, int32_t typmod, const value_t *v, buf_t *out)
{
    const type_info_t *ti;
    union {
        float f;
        uint32_t u;
    } f4;
    union {
        double d;
        uint64_t u;
    } f8;
    (void)typmod;
    switch (t) {
    case TYPE_BOOL:
    case TYPE_CHAR:
        buf_putc(out, (char)v->u.i);
        return;
    case TYPE_INT2:
        buf_put_u16(out, (uint16_t)v->u.i);
        return;
    case TYPE_INT4:
    case TYPE_DATE:
    case TYPE_OID:
    case TYPE_XID:
    case TYPE_REGPROC:
    case TYPE_REGPROCEDURE:
    case TYPE_REGOPER:
    case TYPE_REGCLASS:
    case TYPE_REGTYPE:
    case TYPE_REGNAMESPACE:
    case TYPE_REGROLE:
        buf_put_u32(out, (uint32_t)v->u.i);
        return;
    case TYPE_INT8:
    case TYPE_TIME:
    case TYPE_TIMESTAMP:
    case TYPE_TIMESTAMPTZ:
        buf_put_u64(out, (uint64_t)v->u.i);
        return;
    case TYPE_FLOAT4:
        f4.f = (float)v->u.f;
        buf_put_u32(out, f4.u);
        return;
    case TYPE_FLOAT8:
        f8.d = v->u.f;
        buf_put_u64(out, f8.u);
        return;
    case TYPE_INTERVAL:
        buf_put_u64(out, (uint64_t)v->u.iv.micros);
        buf_put_u32(out, (uint32_t)v->u.iv.days);
        buf_put_u32(out, (uint32_t)v->u.iv.months);
        return;
    case TYPE_NUMERIC:
        numeric_send(v->u.num, out);
        return;
    case TYPE_INT2VECTOR:
        type_array_send(TYPE_INT2, v->u.arr, out);
        return;
    case TYPE_OIDVECTOR:
        type_array_send(TYPE_OID, v->u.arr, out);
        return;
    case TYPE_RECORD:
        type_record_send(v->u.rec, out);
        return;
    case TYPE_VOID:
        return;
    default:
        ti = type_lookup(t);
        if (ti && ti->elem && ti->category == 'A') {
            type_array_send(ti->elem, v->u.arr, out);
            return;
        }
        buf_append(out, v->u.s.p, v->u.s.len);
        return;
    }
}

int type_in_binary(type_oid_t t, int32_t typmod, const char *p, size_t len, mem_arena_t *a, value_t *v, err_t *err)
{
    const type_info_t *ti;
    v->isnull = false;
    switch (t) {
    case TYPE_BOOL:
        if (len != 1)
            return bad_binary(err);
        v->u.i = p[0] != 0;
        return 0;
    case TYPE_CHAR:
        if (len != 1)
            return bad_binary(err);
        v->u.i = (unsigned char)p[0];
        return 0;
    case TYPE_INT2:
        if (len != 2)
            return bad_binary(err);
        v->u.i = (int16_t)buf_get_u16(p);
        return 0;
    case TYPE_INT4:
    case TYPE_DATE:
        if (len != 4)
            return bad_binary(err);
        v->u.i = (int32_t)buf_get_u32(p);
        return 0;
    case TYPE_OID:
    case TYPE_XID:
    case TYPE_REGPROC:
    case TYPE_REGPROCEDURE:
    case TYPE_REGOPER:
    case TYPE_REGCLASS:
    case TYPE_REGTYPE:
    case TYPE_REGNAMESPACE:
    case TYPE_REGROLE:
        if (len != 4)
            return bad_binary(err);
        v->u.i = buf_get_u32(p);
        return 0;
    case TYPE_INT8:
    case TYPE_TIME:
    case TYPE_TIMESTAMP:
    case TYPE_TIMESTAMPTZ:
        if (len != 8)
            return bad_binary(err);
        v->u.i = (int64_t)buf_get_u64(p);
        return 0;
    case TYPE_FLOAT4: {
        if (len != 4)
            return bad_binary(err);
        union {
            uint32_t u;
            float f;
        } x = { .u = buf_get_u32(p) };
        v->u.f = x.f;
        return 0;
    }
    case TYPE_FLOAT8: {
        if (len != 8)
            return bad_binary(err);
        union {
            uint64_t u;
            double d;
        } x = { .u = buf_get_u64(p) };
        v->u.f = x.d;
        return 0;
    }
    case TYPE_INTERVAL:
        if (len != 16)
            return bad_binary(err);
        v->u.iv.micros = (int64_t)buf_get_u64(p);
        v->u.iv.days = (int32_t)buf_get_u32(p + 8);
        v->u.iv.months = (int32_t)buf_get_u32(p + 12);
        return 0;
    case TYPE_NUMERIC: {
        const type_numeric_t *n;
        if (numeric_recv(p, len, a, &n, err) < 0 || numeric_apply_typmod(n, typmod, a, &n, err) < 0)
            return -1;
        v->u.num = n;
        return 0;
    }
    case TYPE_BYTEA:
        v->u.s.p = mem_amemdup(a, p, len);
        v->u.s.len = (uint32_t)len;
        return 0;
    case TYPE_INT2VECTOR:
        return type_array_recv(TYPE_INT2, p, len, a, v, err);
    case TYPE_OIDVECTOR:
        return type_array_recv(TYPE_OID, p, len, a, v, err);
    case TYPE_RECORD:
        /* as PostgreSQL's record_recv for an anonymous record */
        return err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "input of anonymous composite types is not implemented");
    case TYPE_VOID:
        v->u.i = 0;
        return 0;
    default:
        ti = type_lookup(t);
        if (ti && ti->elem && ti->category == 'A')
            return type_array_recv(ti->elem, p, len, a, v, err);
        if (!ti || !type_has_binary(t))
            return err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "no binary input function available for type %s",
                           tname(t));
        return text_in(t, typmod, p, len, a, v, err);
    }
}
