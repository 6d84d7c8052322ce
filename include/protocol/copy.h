/*
 * copy.h - the bytes of COPY ... TO STDOUT: CopyOutResponse / CopyInResponse,
 * the text and csv encodings of one attribute, and the binary file header,
 * byte for byte as PostgreSQL 15's copyto.c writes them.
 *
 * The encoders take a value already converted to its text form (the type's
 * output function) and append it, escaped or quoted, to a buffer; the
 * caller frames rows as CopyData messages ('d'). No sockets, no types, no
 * allocation but the buffer's. Data is UTF-8, an encoding that embeds no
 * ASCII byte in multibyte characters, so the encoders scan bytes.
 *
 *   pgp_put_copy_response   'H' or 'G' with the overall and per-column format
 *   pgp_copy_text_attr      FORMAT text: backslash escapes (CopyAttributeOutText)
 *   pgp_copy_csv_attr       FORMAT csv: quoting (CopyAttributeOutCSV)
 *   pgp_copy_binary_header  FORMAT binary: the 19-byte file header
 */
#ifndef PROTOCOL_COPY_H
#define PROTOCOL_COPY_H

#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"

/* The options an attribute's encoding depends on (after PostgreSQL's
 * defaults: delimiter tab / comma, NULL \N / empty, quote and escape "). */
typedef struct pgp_copy_opts {
    bool csv;
    char delim;
    char quote;             /* csv only */
    char escape;            /* csv only */
    const char *null_print; /* what a NULL is written as */
    size_t null_len;
} pgp_copy_opts_t;

/* pgp_put_copy_response - CopyOutResponse (type 'H') or CopyInResponse
 * ('G'): overall format (0 text, 1 binary) and ncols per-column formats,
 * all equal to it, as COPY sends them. */
void pgp_put_copy_response(buf_t *b, char type, int format, int ncols);

/* pgp_copy_text_attr - appends s[0..n) as a text-format attribute: \\, the
 * delimiter and \b \f \n \r \t \v are backslash-escaped; other control
 * characters pass through (PostgreSQL does the same). */
void pgp_copy_text_attr(buf_t *b, const char *s, size_t n, char delim);

/* pgp_copy_csv_attr - appends s[0..n) as a csv attribute. It is quoted
 * when force_quote is set, when it equals the NULL string (so it reads back
 * as a value), when it holds the delimiter, the quote, \n or \r, or when it
 * is \. alone in a one-column row (it would read as the end marker); inside
 * quotes the quote and escape characters are preceded by the escape. */
void pgp_copy_csv_attr(buf_t *b, const char *s, size_t n, const pgp_copy_opts_t *o, bool force_quote,
                       bool single_attr);

/* pgp_copy_attr - one attribute in o's format (text or csv). */
void pgp_copy_attr(buf_t *b, const char *s, size_t n, const pgp_copy_opts_t *o, bool force_quote, bool single_attr);

/* pgp_copy_binary_header - "PGCOPY\n\377\r\n\0", flags 0, extension length 0. */
void pgp_copy_binary_header(buf_t *b);

#endif
