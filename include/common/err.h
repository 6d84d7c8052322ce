/*
 * err.h - the error object every fallible function fills in.
 *
 * Functions return int: 0 ok, < 0 error, with the details in an err_t the
 * caller passes down (PostgreSQL's ErrorData). The strings of an err_t are
 * owned by it (fixed buffers), so it can be copied and outlives every arena.
 * Message style is PostgreSQL's: lowercase primary message, no period;
 * detail and hint are full sentences.
 */
#ifndef COMMON_ERR_H
#define COMMON_ERR_H

#include <stdbool.h>
#include "common/errcodes.h"

typedef enum err_severity {
    ERR_ERROR = 0, /* ends the statement */
    ERR_FATAL,     /* ends the session */
    ERR_PANIC,
    ERR_WARNING,   /* notices (never stored in err_t by err_set) */
    ERR_NOTICE,
    ERR_INFO,
    ERR_LOG,
    ERR_DEBUG
} err_severity_t;

#define ERR_MESSAGE_MAX 512
#define ERR_DETAIL_MAX 1024

typedef struct err {
    bool set;
    err_severity_t severity;
    char sqlstate[6];
    char message[ERR_MESSAGE_MAX];
    char detail[ERR_DETAIL_MAX];
    char hint[ERR_MESSAGE_MAX];
    int position; /* 1-based character offset into the query, 0 when none */
    const char *file;
    int line;
    const char *func;
} err_t;

/* err_set_ - records an ERROR; returns -1 so callers can `return err_set(...)`.
 * A second err_set on an already set err_t is ignored: the first error wins. */
int err_set_(err_t *e, const char *file, int line, const char *func,
             const char *sqlstate, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
#define err_set(e, sqlstate, ...) err_set_((e), __FILE__, __LINE__, __func__, (sqlstate), __VA_ARGS__)
void err_detail(err_t *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void err_hint(err_t *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void err_position(err_t *e, int position);
void err_fatal(err_t *e); /* raise severity to FATAL */
void err_clear(err_t *e);
const char *err_severity_name(err_severity_t s);

#endif
