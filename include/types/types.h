/*
 * types.h - kiln's SQL data types: OIDs, the in-memory value, and the four
 * conversions every type has (PostgreSQL's typinput / typoutput / typreceive /
 * typsend): text in, text out, binary in, binary out.
 *
 * A value_t is a scalar as the executor hands it to result encoding and as
 * parameters arrive from Bind. Fixed-width types live in the union; variable
 * ones (text, bytea, numeric, arrays) point into an arena named by the
 * producer, which keeps them alive until the message or portal ends.
 *
 * Representation per type:
 *   bool            i (0/1)
 *   int2/int4/int8, oid, reg*   i
 *   float4/float8   f
 *   date            i  days since 2000-01-01 (PostgreSQL's epoch)
 *   timestamp(tz)   i  microseconds since 2000-01-01 00:00:00 (UTC for tz)
 *   interval        iv {micros, days, months}
 *   text/varchar/bpchar/name/"char"/bytea/unknown  s {p, len} (not NUL-terminated)
 *   numeric         num (see types/numeric.h; exact decimal)
 *   arrays          arr (see types/array.h)
 *   record          rec (see types/record.h)
 * Output functions append to a buf_t and never fail; input functions report
 * 22P02 / 22003 / 22008 / 22P03 with PostgreSQL's messages.
 */
#ifndef TYPES_TYPES_H
#define TYPES_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/mem.h"

typedef uint32_t type_oid_t;

enum {
    TYPE_BOOL = 16, TYPE_BYTEA = 17, TYPE_CHAR = 18, TYPE_NAME = 19, TYPE_INT8 = 20,
    TYPE_INT2 = 21, TYPE_INT2VECTOR = 22, TYPE_INT4 = 23, TYPE_REGPROC = 24, TYPE_TEXT = 25,
    TYPE_OID = 26, TYPE_XID = 28, TYPE_OIDVECTOR = 30, TYPE_JSON = 114, TYPE_PG_NODE_TREE = 194,
    TYPE_FLOAT4 = 700, TYPE_FLOAT8 = 701, TYPE_UNKNOWN = 705, TYPE_ACLITEM = 1033,
    TYPE_BPCHAR = 1042, TYPE_VARCHAR = 1043, TYPE_DATE = 1082, TYPE_TIME = 1083,
    TYPE_TIMESTAMP = 1114, TYPE_TIMESTAMPTZ = 1184, TYPE_INTERVAL = 1186, TYPE_NUMERIC = 1700,
    TYPE_REGPROCEDURE = 2202, TYPE_REGOPER = 2203, TYPE_REGCLASS = 2205, TYPE_REGTYPE = 2206,
    TYPE_RECORD = 2249, TYPE_CSTRING = 2275, TYPE_ANY = 2276, TYPE_ANYARRAY = 2277,
    TYPE_VOID = 2278, TYPE_ANYELEMENT = 2283, TYPE_REGNAMESPACE = 4089, TYPE_REGROLE = 4096,
    /* arrays */
    TYPE_BOOL_ARRAY = 1000, TYPE_BYTEA_ARRAY = 1001, TYPE_CHAR_ARRAY = 1002, TYPE_NAME_ARRAY = 1003,
    TYPE_INT2_ARRAY = 1005, TYPE_INT4_ARRAY = 1007, TYPE_TEXT_ARRAY = 1009,
    TYPE_VARCHAR_ARRAY = 1015, TYPE_INT8_ARRAY = 1016, TYPE_FLOAT4_ARRAY = 1021,
    TYPE_FLOAT8_ARRAY = 1022, TYPE_ACLITEM_ARRAY = 1034, TYPE_OID_ARRAY = 1028,
    TYPE_NUMERIC_ARRAY = 1231,
};

typedef struct type_interval {
    int64_t micros;
    int32_t days;
    int32_t months;
} type_interval_t;

struct type_numeric; /* types/numeric.h */
struct type_array;   /* types/array.h */
struct type_record;  /* types/record.h */

typedef struct value {
    union {
        int64_t i;
        double f;
        struct {
            const char *p;
            uint32_t len;
        } s;
        type_interval_t iv;
        const struct type_numeric *num;
        const struct type_array *arr;
        const struct type_record *rec;
    } u;
    bool isnull;
} value_t;

/* type_info - static facts of a built-in type; NULL for an unknown OID. */
typedef struct type_info {
    type_oid_t oid;
    const char *name;    /* as format_type prints it without typmod, e.g. "integer" */
    const char *typname; /* pg_type.typname, e.g. "int4" */
    int16_t typlen;      /* -1 variable, -2 cstring */
    char category;       /* pg_type.typcategory: B N S D T V A U ... */
    bool byval;
    type_oid_t elem;     /* element type of an array, else 0 */
    type_oid_t array;    /* array type of this element, else 0 */
} type_info_t;

const type_info_t *type_lookup(type_oid_t oid);
const type_info_t *type_lookup_name(const char *typname); /* pg_type.typname or SQL name */

/* type_out_text - appends the text form (DateStyle ISO, IntervalStyle postgres).
 * extra_float_digits follows the session setting of that name. */
void type_out_text(type_oid_t t, int32_t typmod, const value_t *v, int extra_float_digits, buf_t *out);
/* type_out_binary - appends the binary (send) form, without the length word. */
void type_out_binary(type_oid_t t, int32_t typmod, const value_t *v, buf_t *out);
/* type_in_text - parses text (len bytes, need not be NUL-terminated) into *v;
 * variable-width results are allocated in a. */
int type_in_text(type_oid_t t, int32_t typmod, const char *p, size_t len, mem_arena_t *a,
                 value_t *v, err_t *err);
/* type_in_binary - parses a binary parameter; length checked exactly (22P03). */
int type_in_binary(type_oid_t t, int32_t typmod, const char *p, size_t len, mem_arena_t *a,
                   value_t *v, err_t *err);
/* type_has_binary - whether the binary format is supported for t (else 0A000 at Bind). */
bool type_has_binary(type_oid_t t);

#endif
