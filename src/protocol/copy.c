/*
 * copy.c - COPY's wire encodings (include/protocol/copy.h): the Copy*Response
 * messages and the text, csv and binary forms of rows that COPY TO STDOUT
 * sends in CopyData messages, exactly as PostgreSQL 15's copyto.c writes them
 * (clients diff exported files against PostgreSQL's).
 *
 * Not here: option parsing and validation (src/sql/copy.c), value output
 * functions (src/types), row framing and streaming (src/session/query.c).
 */
#include "protocol/copy.h"

#include <string.h>

#include "protocol/codec.h"

void pgp_put_copy_response(buf_t *b, char type, int format, int ncols)
{
    size_t at = pgp_msg_begin(b, type);
    buf_putc(b, (char)format);
    buf_put_u16(b, (uint16_t)ncols);
    for (int i = 0; i < ncols; i++)
        buf_put_u16(b, (uint16_t)format);
    pgp_msg_end(b, at);
}

void pgp_copy_text_attr(buf_t *b, const char *s, size_t n, char delim)
{
    /* Runs of ordinary bytes are appended whole (PostgreSQL's DUMPSOFAR). */
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc;
        if (c < 0x20) {
            switch (c) {
            case '\b': esc = 'b'; break;
            case '\f': esc = 'f'; break;
            case '\n': esc = 'n'; break;
            case '\r': esc = 'r'; break;
            case '\t': esc = 't'; break;
            case '\v': esc = 'v'; break;
            default:
                /* A control character that is the delimiter is backslashed as itself. */
                if ((char)c != delim)
                    continue;
                esc = (char)c;
                break;
            }
        } else if (c == '\\' || (char)c == delim) {
            esc = (char)c;
        } else {
            continue;
        }
        buf_append(b, s + start, i - start);
        buf_putc(b, '\\');
        buf_putc(b, esc);
        start = i + 1;
    }
    buf_append(b, s + start, n - start);
}

void pgp_copy_csv_attr(buf_t *b, const char *s, size_t n, const pgp_copy_opts_t *o, bool force_quote,
                       bool single_attr)
{
    bool quote = force_quote;
    /* A value spelled like the NULL string is quoted so it reads back as a value. */
    if (!quote && n == o->null_len && memcmp(s, o->null_print, n) == 0)
        quote = true;
    if (!quote) {
        if (single_attr && n == 2 && s[0] == '\\' && s[1] == '.')
            quote = true;
        for (size_t i = 0; i < n && !quote; i++)
            quote = s[i] == o->delim || s[i] == o->quote || s[i] == '\n' || s[i] == '\r';
    }
    if (!quote) {
        buf_append(b, s, n);
        return;
    }
    buf_putc(b, o->quote);
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == o->quote || s[i] == o->escape) {
            buf_append(b, s + start, i - start);
            buf_putc(b, o->escape);
            start = i; /* the character itself starts the next run */
        }
    }
    buf_append(b, s + start, n - start);
    buf_putc(b, o->quote);
}

void pgp_copy_attr(buf_t *b, const char *s, size_t n, const pgp_copy_opts_t *o, bool force_quote, bool single_attr)
{
    if (o->csv)
        pgp_copy_csv_attr(b, s, n, o, force_quote, single_attr);
    else
        pgp_copy_text_attr(b, s, n, o->delim);
}

void pgp_copy_binary_header(buf_t *b)
{
    buf_append(b, "PGCOPY\n\377\r\n\0", 11);
    buf_put_u32(b, 0); /* flags: no OIDs */
    buf_put_u32(b, 0); /* header extension length */
}
