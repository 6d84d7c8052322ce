/*
 * log.h - server log lines to stderr: "time [pid] LEVEL: message".
 * Thread-safe (one write per line). Level set from kiln.log.level.
 */
#ifndef COMMON_LOG_H
#define COMMON_LOG_H

typedef enum log_level { LOG_LVL_DEBUG = 0, LOG_LVL_INFO, LOG_LVL_WARN, LOG_LVL_ERROR, LOG_LVL_FATAL } log_level_t;

void log_set_level(log_level_t l);
int log_parse_level(const char *s); /* -1 when unknown */
int log_enabled(log_level_t l);     /* 1 when a line at level l would be written */
void log_msg(log_level_t l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)

#endif
