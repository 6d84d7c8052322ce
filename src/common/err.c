/*
 * err.c - filling in err_t, the error object of every fallible call.
 */
#include "common/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int err_set_(err_t *e, const char *file, int line, const char *func,
             const char *sqlstate, const char *fmt, ...)
{
    if (!e || e->set)
        return -1;
    memset(e, 0, sizeof *e);
    e->set = true;
    e->severity = ERR_ERROR;
    memcpy(e->sqlstate, sqlstate, 5);
    e->sqlstate[5] = '\0';
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
    e->file = file;
    e->line = line;
    e->func = func;
    return -1;
}

void err_detail(err_t *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->detail, sizeof e->detail, fmt, ap);
    va_end(ap);
}

void err_hint(err_t *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->hint, sizeof e->hint, fmt, ap);
    va_end(ap);
}

void err_position(err_t *e, int position)
{
    e->position = position;
}

void err_fatal(err_t *e)
{
    e->severity = ERR_FATAL;
}

void err_clear(err_t *e)
{
    memset(e, 0, sizeof *e);
}

const char *err_severity_name(err_severity_t s)
{
    switch (s) {
    case ERR_ERROR: return "ERROR";
    case ERR_FATAL: return "FATAL";
    case ERR_PANIC: return "PANIC";
    case ERR_WARNING: return "WARNING";
    case ERR_NOTICE: return "NOTICE";
    case ERR_INFO: return "INFO";
    case ERR_LOG: return "LOG";
    case ERR_DEBUG: return "DEBUG";
    }
    return "ERROR";
}
