/*
 * buf.h - growable byte buffer, with big-endian helpers for wire formats.
 *
 * A buf_t owns its memory (mem_malloc) unless noted; buf_free releases it.
 * Appends never fail (OOM is fatal). Use for output messages and text building.
 */
#ifndef COMMON_BUF_H
#define COMMON_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

typedef struct buf {
    char *data;
    size_t len;
    size_t cap;
} buf_t;

#define BUF_INIT { NULL, 0, 0 }

void buf_init(buf_t *b);
void buf_free(buf_t *b);
void buf_reserve(buf_t *b, size_t extra);
static inline void buf_reset(buf_t *b) { b->len = 0; }
void buf_append(buf_t *b, const void *p, size_t n);
void buf_putc(buf_t *b, char c);
void buf_puts(buf_t *b, const char *s);       /* without the NUL */
void buf_putstr0(buf_t *b, const char *s);    /* with the NUL (protocol strings) */
void buf_printf(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(buf_t *b, const char *fmt, va_list ap);
void buf_put_u16(buf_t *b, uint16_t v);        /* network byte order */
void buf_put_u32(buf_t *b, uint32_t v);
void buf_put_u64(buf_t *b, uint64_t v);
void buf_set_u32(buf_t *b, size_t at, uint32_t v);
/* buf_cstr - NUL-terminates (not counted in len) and returns data. */
const char *buf_cstr(buf_t *b);
/* buf_consume - drops the first n bytes. */
void buf_consume(buf_t *b, size_t n);

static inline uint16_t buf_get_u16(const void *p)
{
    const uint8_t *q = p;
    return (uint16_t)((q[0] << 8) | q[1]);
}
static inline uint32_t buf_get_u32(const void *p)
{
    const uint8_t *q = p;
    return ((uint32_t)q[0] << 24) | ((uint32_t)q[1] << 16) | ((uint32_t)q[2] << 8) | q[3];
}
static inline uint64_t buf_get_u64(const void *p)
{
    const uint8_t *q = p;
    return ((uint64_t)buf_get_u32(q) << 32) | buf_get_u32(q + 4);
}

#endif
