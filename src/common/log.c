/*
 * log.c - server log to stderr, one write(2) per line so threads don't interleave.
 */
#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static log_level_t min_level = LOG_LVL_INFO;
static const char *names[] = { "DEBUG", "INFO", "WARN", "ERROR", "FATAL" };

void log_set_level(log_level_t l)
{
    min_level = l;
}

int log_enabled(log_level_t l)
{
    return l >= min_level;
}

int log_parse_level(const char *s)
{
    static const char *lc[] = { "debug", "info", "warn", "error", "fatal" };
    for (int i = 0; i < 5; i++)
        if (strcasecmp(s, lc[i]) == 0)
            return i;
    return -1;
}

void log_msg(log_level_t l, const char *fmt, ...)
{
    if (l < min_level)
        return;
    char line[2048];
    struct timeval tv;
    struct tm tm;
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    int n = snprintf(line, sizeof line, "%04d-%02d-%02d %02d:%02d:%02d.%03d UTC [%d] %s: ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, (int)(tv.tv_usec / 1000), (int)getpid(), names[l]);
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
    if (len > sizeof line - 2)
        len = sizeof line - 2;
    line[len++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, len);
    (void)w;
}
