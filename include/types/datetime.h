/*
 * datetime.h - date, time, timestamp, timestamptz and interval: text forms
 * (DateStyle ISO, IntervalStyle postgres), calendar arithmetic and the pieces
 * extract/date_trunc/age need.
 *
 * Dates are days since 2000-01-01, timestamps microseconds since
 * 2000-01-01 00:00:00 (PostgreSQL's epoch), infinities as PostgreSQL stores
 * them (INT32/INT64 min and max). timestamptz is kept in UTC and read and
 * printed in the thread's session zone (include/types/tz.h).
 */
#ifndef TYPES_DATETIME_H
#define TYPES_DATETIME_H

#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"
#include "types/types.h"

#define DT_USECS_PER_SEC INT64_C(1000000)
#define DT_USECS_PER_DAY INT64_C(86400000000)
#define DT_POSTGRES_EPOCH_JDATE 2451545
#define DT_UNIX_EPOCH_JDATE 2440588
#define DT_DATE_NOBEGIN INT32_MIN
#define DT_DATE_NOEND INT32_MAX
#define DT_NOBEGIN INT64_MIN
#define DT_NOEND INT64_MAX

typedef struct dt_fields {
    int year; /* astronomical: 0 is 1 BC */
    int month, day, hour, minute, second;
    int usec;
} dt_fields_t;

int dt_date2j(int y, int m, int d);
void dt_j2date(int jd, int *y, int *m, int *d);
int dt_days_in_month(int y, int m);
/* dt_ts_split - fields of a finite timestamp (UTC). */
void dt_ts_split(int64_t ts, dt_fields_t *f);
/* dt_ts_make - timestamp of fields; -1 when out of range. */
int dt_ts_make(const dt_fields_t *f, int64_t *ts);
/* dt_now - the current time as a timestamp (UTC). */
int64_t dt_now(void);

/* DateStyle output (PostgreSQL's DateStyle = 'Style, Order'). The style is a
 * per-thread setting that src/sql sets around the execution of a statement
 * from the session's DateStyle, so every date/timestamp printed for it (rows,
 * casts to text) follows the session; elsewhere it is ISO, MDY. */
typedef enum dt_style { DT_STYLE_ISO, DT_STYLE_POSTGRES, DT_STYLE_SQL, DT_STYLE_GERMAN } dt_style_t;
typedef enum dt_order { DT_ORDER_MDY, DT_ORDER_DMY, DT_ORDER_YMD } dt_order_t;
/* dt_style_parse - the style and order of a DateStyle value such as "ISO, MDY". */
void dt_style_parse(const char *datestyle, dt_style_t *style, dt_order_t *order);
/* dt_style_set - sets this thread's output style; returns the previous one
 * packed (style | order << 8) for dt_style_restore. */
int dt_style_set(dt_style_t style, dt_order_t order);
void dt_style_restore(int packed);

int dt_date_in(const char *p, size_t len, int32_t *out, err_t *err);
void dt_date_out(int32_t d, buf_t *out);
int dt_time_in(const char *p, size_t len, int64_t *out, err_t *err);
void dt_time_out(int64_t t, buf_t *out);
/* dt_timestamp_in - tz selects timestamptz (a zone in the text is applied). */
int dt_timestamp_in(const char *p, size_t len, bool tz, int32_t typmod, int64_t *out, err_t *err);
void dt_timestamp_out(int64_t ts, bool tz, buf_t *out);
/* dt_offset_out - a UTC offset as ISO output writes it: +09, -03:30, +00:53:28. */
void dt_offset_out(int off, buf_t *out);
int dt_interval_in(const char *p, size_t len, type_interval_t *out, err_t *err);
void dt_interval_out(const type_interval_t *iv, buf_t *out);

/* dt_ts_add_interval - ts + iv with PostgreSQL's month-end rules (22008 on overflow). */
int dt_ts_add_interval(int64_t ts, const type_interval_t *iv, int64_t *out, err_t *err);
/* dt_tstz_add_interval - timestamptz + iv: months and days added to the local
 * time in the thread's session zone (a day across a DST change is 23 or 25
 * hours), the microseconds to the instant (timestamptz_pl_interval). */
int dt_tstz_add_interval(int64_t ts, const type_interval_t *iv, int64_t *out, err_t *err);
/* dt_interval_cmp_key - the 128-bit ordering key PostgreSQL compares intervals by
 * (30-day months, 24-hour days). */
__int128 dt_interval_key(const type_interval_t *iv);

#endif
