/*
 * json.h - a tiny JSON writer over buf_t and a tiny reader of top-level
 * object members: all the REST port needs, with no library.
 *
 * Writer: calls nest like the document; commas and colons are placed for
 * you. Strings are escaped per RFC 8259 ('"', '\\', control characters as
 * \n \t ... or \u00XX); bytes that are not valid UTF-8 become U+FFFD, so the
 * output is always valid JSON whatever the input. Nesting deeper than
 * JSON_MAX_DEPTH is a bug of the caller (asserted).
 *
 * Reader: json_member() finds a member of the top-level object without
 * building a tree; the token points into the input (no copy). Inputs are
 * bounded by length, need no NUL, and are fully validated up to the member;
 * nesting deeper than JSON_MAX_DEPTH is rejected.
 */
#ifndef REST_JSON_H
#define REST_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

#define JSON_MAX_DEPTH 32

typedef struct json_w {
    buf_t *b;
    int depth;
    bool need_comma[JSON_MAX_DEPTH + 1];
    bool after_key;
} json_w_t;

void json_init(json_w_t *w, buf_t *out);
void json_obj_begin(json_w_t *w);
void json_obj_end(json_w_t *w);
void json_arr_begin(json_w_t *w);
void json_arr_end(json_w_t *w);
void json_key(json_w_t *w, const char *key);
void json_str(json_w_t *w, const char *s); /* NULL writes null */
void json_strn(json_w_t *w, const char *s, size_t n);
void json_int(json_w_t *w, int64_t v);
void json_bool(json_w_t *w, bool v);
void json_null(json_w_t *w);
/* json_raw - a value that is already JSON (e.g. a snapshot), written as is. */
void json_raw(json_w_t *w, const char *json);

/* json_escape - appends s[0..n) as a quoted JSON string. */
void json_escape(buf_t *b, const char *s, size_t n);

typedef enum json_type { JSON_NONE, JSON_OBJECT, JSON_ARRAY, JSON_STRING, JSON_NUMBER, JSON_TRUE, JSON_FALSE, JSON_NULL } json_type_t;

typedef struct json_tok {
    json_type_t type;
    const char *p; /* the value's text; for strings, inside the quotes (still escaped) */
    size_t n;
} json_tok_t;

/* json_member - finds key in the top-level object of s[0..n). 1 found, 0 not
 * there, -1 when s is not a valid JSON object (up to where it was read). */
int json_member(const char *s, size_t n, const char *key, json_tok_t *out);
/* json_tok_int - the token as an integer (a JSON number without fraction,
 * or a string holding one). 0 ok, -1 otherwise or out of range. */
int json_tok_int(const json_tok_t *t, int64_t *out);
/* json_tok_str - unescapes a string token into out (NUL-terminated, UTF-8).
 * 0 ok, -1 when not a string, badly escaped or too long for out. */
int json_tok_str(const json_tok_t *t, char *out, size_t n);
/* json_valid - 1 when s[0..n) is exactly one valid JSON value (whitespace around). */
int json_valid(const char *s, size_t n);

#endif
