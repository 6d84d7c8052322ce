/*
 * datetime.c - date, time, timestamp(tz) and interval text forms and
 * calendar arithmetic, following PostgreSQL's datetime.c where output must
 * match byte for byte (ISO DateStyle, postgres IntervalStyle).
 *
 * Input accepts the ISO forms clients and CSV files use (YYYY-MM-DD,
 * optional T or space, HH:MM[:SS[.frac]], a zone Z/UTC/GMT/+-HH[:MM], BC),
 * the special words epoch, infinity, -infinity, now, today, tomorrow,
 * yesterday, and PostgreSQL's interval syntax (quantity unit pairs, H:M:S,
 * "ago", "@"), a tzdata zone name after the time ("... Europe/Berlin"); a
 * timestamptz without a zone is local time in the session zone (tz.c).
 * Input with the first field not a year (01-02-1995, 01/02/1995, 01.02.95)
 * reads in the thread's DateStyle order (MDY, DMY; YMD: out of range), as
 * PostgreSQL does. Not yet: zone abbreviations other than UTC/GMT/Z,
 * ISO 8601 "P1D" intervals.
 */
#include "types/datetime.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "types/tz.h"

/* PostgreSQL's timestamp range: 4714-11-24 BC .. 294276-12-31 AD. */
#define MIN_TIMESTAMP INT64_C(-211813488000000000)
#define END_TIMESTAMP INT64_C(9223371331200000000)
#define DATETIME_MIN_JULIAN 0
#define DATE_END_JULIAN 2147483494 /* date2j(5874898, 1, 1) */

int dt_date2j(int y, int m, int d)
{
    int julian, century;
    if (m > 2) {
        m += 1;
        y += 4800;
    } else {
        m += 13;
        y += 4799;
    }
    century = y / 100;
    julian = y * 365 - 32167;
    julian += y / 4 - century + century / 4;
    julian += 7834 * m / 256 + d;
    return julian;
}

void dt_j2date(int jd, int *year, int *month, int *day)
{
    unsigned int julian, quad, extra;
    int y;
    julian = (unsigned)jd;
    julian += 32044;
    quad = julian / 146097;
    extra = (julian - quad * 146097) * 4 + 3;
    julian += 60 + quad * 3 + extra / 146097;
    quad = julian / 1461;
    julian -= quad * 1461;
    y = (int)(julian * 4 / 1461);
    julian = ((y != 0) ? ((julian + 305) % 365) : ((julian + 306) % 366)) + 123;
    y += (int)quad * 4;
    *year = y - 4800;
    quad = julian * 2141 / 65536;
    *day = (int)(julian - 7834 * quad / 256);
    *month = (int)((quad + 10) % 12 + 1);
}

static bool is_leap(int y)
{
    /* astronomical year numbering: year 0 (1 BC) is a leap year */
    return (y % 4 == 0) && ((y % 100 != 0) || (y % 400 == 0));
}

int dt_days_in_month(int y, int m)
{
    static const int dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

static int64_t floordiv(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

void dt_ts_split(int64_t ts, dt_fields_t *f)
{
    int64_t date = floordiv(ts, DT_USECS_PER_DAY);
    int64_t t = ts - date * DT_USECS_PER_DAY;
    dt_j2date((int)(date + DT_POSTGRES_EPOCH_JDATE), &f->year, &f->month, &f->day);
    f->hour = (int)(t / (3600 * DT_USECS_PER_SEC));
    t -= (int64_t)f->hour * 3600 * DT_USECS_PER_SEC;
    f->minute = (int)(t / (60 * DT_USECS_PER_SEC));
    t -= (int64_t)f->minute * 60 * DT_USECS_PER_SEC;
    f->second = (int)(t / DT_USECS_PER_SEC);
    f->usec = (int)(t - (int64_t)f->second * DT_USECS_PER_SEC);
}

int dt_ts_make(const dt_fields_t *f, int64_t *ts)
{
    if (f->year < -4713 || f->year > 294277)
        return -1;
    int64_t date = dt_date2j(f->year, f->month, f->day) - DT_POSTGRES_EPOCH_JDATE;
    int64_t t = ((int64_t)f->hour * 3600 + (int64_t)f->minute * 60 + f->second) * DT_USECS_PER_SEC + f->usec;
    int64_t r = date * DT_USECS_PER_DAY + t;
    if (r < MIN_TIMESTAMP || r >= END_TIMESTAMP)
        return -1;
    *ts = r;
    return 0;
}

int64_t dt_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t unix_us = (int64_t)ts.tv_sec * DT_USECS_PER_SEC + ts.tv_nsec / 1000;
    return unix_us - (int64_t)(DT_POSTGRES_EPOCH_JDATE - DT_UNIX_EPOCH_JDATE) * DT_USECS_PER_DAY;
}

/* ---- output ---- */

static void put_year(buf_t *out, int year)
{
    /* astronomical year to AD/BC year */
    int y = year > 0 ? year : -(year - 1);
    buf_printf(out, "%04d", y);
}

static _Thread_local int out_style = DT_STYLE_ISO, out_order = DT_ORDER_MDY;

void dt_style_parse(const char *v, dt_style_t *style, dt_order_t *order)
{
    *style = DT_STYLE_ISO;
    *order = DT_ORDER_MDY;
    if (!v)
        return;
    /* settings.c normalises the value to "Style, Order" */
    if (!strncasecmp(v, "postgres", 8))
        *style = DT_STYLE_POSTGRES;
    else if (!strncasecmp(v, "sql", 3))
        *style = DT_STYLE_SQL;
    else if (!strncasecmp(v, "german", 6))
        *style = DT_STYLE_GERMAN;
    const char *c = strchr(v, ',');
    if (c) {
        while (*++c == ' ')
            ;
        if (!strncasecmp(c, "dmy", 3))
            *order = DT_ORDER_DMY;
        else if (!strncasecmp(c, "ymd", 3))
            *order = DT_ORDER_YMD;
    }
}

int dt_style_set(dt_style_t style, dt_order_t order)
{
    int prev = out_style | out_order << 8;
    out_style = (int)style;
    out_order = (int)order;
    return prev;
}

void dt_style_restore(int packed)
{
    out_style = packed & 0xff;
    out_order = packed >> 8;
}

static const char *const month_abbr[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
static const char *const day_abbr[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };

/* put_date_fields - the date part in the thread's style (EncodeDateOnly). */
static void put_date_fields(buf_t *out, int y, int m, int d)
{
    switch (out_style) {
    case DT_STYLE_SQL:
        buf_printf(out, "%02d/%02d/", out_order == DT_ORDER_DMY ? d : m, out_order == DT_ORDER_DMY ? m : d);
        put_year(out, y);
        break;
    case DT_STYLE_GERMAN:
        buf_printf(out, "%02d.%02d.", d, m);
        put_year(out, y);
        break;
    case DT_STYLE_POSTGRES:
        buf_printf(out, "%02d-%02d-", out_order == DT_ORDER_DMY ? d : m, out_order == DT_ORDER_DMY ? m : d);
        put_year(out, y);
        break;
    default:
        put_year(out, y);
        buf_printf(out, "-%02d-%02d", m, d);
    }
}

void dt_date_out(int32_t d, buf_t *out)
{
    if (d == DT_DATE_NOBEGIN) {
        buf_puts(out, "-infinity");
        return;
    }
    if (d == DT_DATE_NOEND) {
        buf_puts(out, "infinity");
        return;
    }
    int y, m, dd;
    dt_j2date(d + DT_POSTGRES_EPOCH_JDATE, &y, &m, &dd);
    put_date_fields(out, y, m, dd);
    if (y <= 0)
        buf_puts(out, " BC");
}

/* put_seconds - SS then .ffffff without trailing zeros (PostgreSQL's AppendSeconds). */
static void put_seconds(buf_t *out, int sec, int usec)
{
    buf_printf(out, "%02d", sec);
    if (usec) {
        char f[8];
        snprintf(f, sizeof f, "%06d", usec);
        int n = 6;
        while (n > 0 && f[n - 1] == '0')
            n--;
        buf_putc(out, '.');
        buf_append(out, f, (size_t)n);
    }
}

void dt_time_out(int64_t t, buf_t *out)
{
    int h = (int)(t / (3600 * DT_USECS_PER_SEC));
    t -= (int64_t)h * 3600 * DT_USECS_PER_SEC;
    int mi = (int)(t / (60 * DT_USECS_PER_SEC));
    t -= (int64_t)mi * 60 * DT_USECS_PER_SEC;
    int s = (int)(t / DT_USECS_PER_SEC);
    buf_printf(out, "%02d:%02d:", h, mi);
    put_seconds(out, s, (int)(t - (int64_t)s * DT_USECS_PER_SEC));
}

void dt_timestamp_out(int64_t ts, bool tz, buf_t *out)
{
    if (ts == DT_NOBEGIN) {
        buf_puts(out, "-infinity");
        return;
    }
    if (ts == DT_NOEND) {
        buf_puts(out, "infinity");
        return;
    }
    dt_fields_t f;
    int off = 0;
    const char *abbr = "UTC";
    if (tz) {
        off = dt_zone_offset(dt_zone_current(), ts, &abbr);
        ts += (int64_t)off * DT_USECS_PER_SEC;
    }
    dt_ts_split(ts, &f);
    if (out_style == DT_STYLE_POSTGRES) {
        /* "Wed Dec 17 07:37:16 1997 UTC" (EncodeDateTime, USE_POSTGRES_DATES) */
        int jd = dt_date2j(f.year, f.month, f.day);
        buf_printf(out, "%s ", day_abbr[(jd + 1) % 7]);
        if (out_order == DT_ORDER_DMY)
            buf_printf(out, "%02d %s", f.day, month_abbr[f.month - 1]);
        else
            buf_printf(out, "%s %02d", month_abbr[f.month - 1], f.day);
        buf_printf(out, " %02d:%02d:", f.hour, f.minute);
        put_seconds(out, f.second, f.usec);
        buf_putc(out, ' ');
        put_year(out, f.year);
    } else {
        put_date_fields(out, f.year, f.month, f.day);
        buf_printf(out, " %02d:%02d:", f.hour, f.minute);
        put_seconds(out, f.second, f.usec);
    }
    /* in the session zone: ISO gives the offset, the other styles the
     * zone's abbreviation (EncodeDateTime) */
    if (tz) {
        if (out_style == DT_STYLE_ISO)
            dt_offset_out(off, out);
        else
            buf_printf(out, " %s", abbr);
    }
    if (f.year <= 0)
        buf_puts(out, " BC");
}

void dt_offset_out(int off, buf_t *out)
{
    int a = off < 0 ? -off : off;
    buf_printf(out, "%c%02d", off < 0 ? '-' : '+', a / 3600);
    if (a % 3600) {
        buf_printf(out, ":%02d", a / 60 % 60);
        if (a % 60)
            buf_printf(out, ":%02d", a % 60);
    }
}

static void add_int_part(buf_t *out, int64_t value, const char *units, bool *is_zero, bool *is_before)
{
    if (value == 0)
        return;
    buf_printf(out, "%s%s%lld %s%s", !*is_zero ? " " : "", (*is_before && value > 0) ? "+" : "",
               (long long)value, units, value != 1 ? "s" : "");
    *is_before = value < 0;
    *is_zero = false;
}

void dt_interval_out(const type_interval_t *iv, buf_t *out)
{
    int64_t year = iv->months / 12, mon = iv->months % 12;
    int64_t t = iv->micros;
    int64_t hour = t / (3600 * DT_USECS_PER_SEC);
    t -= hour * 3600 * DT_USECS_PER_SEC;
    int64_t min = t / (60 * DT_USECS_PER_SEC);
    t -= min * 60 * DT_USECS_PER_SEC;
    int64_t sec = t / DT_USECS_PER_SEC;
    int64_t fsec = t - sec * DT_USECS_PER_SEC;
    bool is_zero = true, is_before = false;
    add_int_part(out, year, "year", &is_zero, &is_before);
    add_int_part(out, mon, "mon", &is_zero, &is_before);
    add_int_part(out, iv->days, "day", &is_zero, &is_before);
    if (is_zero || hour != 0 || min != 0 || sec != 0 || fsec != 0) {
        bool minus = hour < 0 || min < 0 || sec < 0 || fsec < 0;
        buf_printf(out, "%s%s%02lld:%02lld:", is_zero ? "" : " ", minus ? "-" : (is_before ? "+" : ""),
                   (long long)llabs(hour), (long long)llabs(min));
        put_seconds(out, (int)llabs(sec), (int)llabs(fsec));
    }
}

/* ---- input ---- */

typedef struct scan {
    const char *p;
    size_t n, i;
} scan_t;

static void skip_ws(scan_t *s)
{
    while (s->i < s->n && isspace((unsigned char)s->p[s->i]))
        s->i++;
}

/* read_uint - digits at the cursor; count of digits read (0 = none). */
static int read_uint(scan_t *s, int64_t *v)
{
    int nd = 0;
    int64_t x = 0;
    while (s->i < s->n && isdigit((unsigned char)s->p[s->i])) {
        if (x < INT64_C(100000000000000000))
            x = x * 10 + (s->p[s->i] - '0');
        s->i++;
        nd++;
    }
    *v = x;
    return nd;
}

static bool word_eq(const char *p, size_t n, const char *w)
{
    return strlen(w) == n && strncasecmp(p, w, n) == 0;
}

/* trimmed - the input without surrounding whitespace. */
static void trimmed(const char *p, size_t len, const char **tp, size_t *tn)
{
    while (len > 0 && isspace((unsigned char)*p)) {
        p++;
        len--;
    }
    while (len > 0 && isspace((unsigned char)p[len - 1]))
        len--;
    *tp = p;
    *tn = len;
}

/* DT_BAD_MONTH_DAY: a month past 12 or a day past 31, where PostgreSQL hints
 * at DateStyle (the fields may be in another order than the text meant) */
enum { DT_OK = 0, DT_BAD_SYNTAX = -1, DT_BAD_FIELD = -2, DT_BAD_RANGE = -3, DT_BAD_MONTH_DAY = -4 };

/* parse_time - HH:MM[:SS[.frac]] at the cursor. */
static int parse_time(scan_t *s, int *h, int *mi, int *sec, int *usec)
{
    int64_t v;
    if (!read_uint(s, &v))
        return DT_BAD_SYNTAX;
    *h = (int)v;
    if (s->i >= s->n || s->p[s->i] != ':')
        return DT_BAD_SYNTAX;
    s->i++;
    if (read_uint(s, &v) == 0)
        return DT_BAD_SYNTAX;
    *mi = (int)v;
    *sec = 0;
    *usec = 0;
    if (s->i < s->n && s->p[s->i] == ':') {
        s->i++;
        if (read_uint(s, &v) == 0)
            return DT_BAD_SYNTAX;
        *sec = (int)v;
        if (s->i < s->n && s->p[s->i] == '.') {
            s->i++;
            double frac = 0, scale = 0.1;
            int nd = 0;
            while (s->i < s->n && isdigit((unsigned char)s->p[s->i])) {
                frac += (s->p[s->i] - '0') * scale;
                scale /= 10;
                s->i++;
                nd++;
            }
            if (nd == 0)
                return DT_BAD_SYNTAX;
            *usec = (int)rint(frac * 1e6);
        }
    }
    if (*h < 0 || *h > 24 || *mi < 0 || *mi > 59 || *sec < 0 || *sec > 60 ||
        (*h == 24 && (*mi > 0 || *sec > 0 || *usec > 0)))
        return DT_BAD_FIELD;
    return DT_OK;
}

/* parse_zone - Z, UTC, GMT, +-HH[:MM[:SS]], +-HHMM (seconds east of UTC in
 * *gmtoff) or a tzdata zone name such as Europe/Berlin (in *zone). */
static int parse_zone(scan_t *s, int *gmtoff, const dt_zone_t **zone)
{
    skip_ws(s);
    if (s->i >= s->n)
        return DT_BAD_SYNTAX;
    char c = s->p[s->i];
    if (c == '+' || c == '-') {
        int sign = c == '-' ? -1 : 1;
        s->i++;
        size_t start = s->i;
        int64_t v;
        int nd = read_uint(s, &v);
        if (nd == 0)
            return DT_BAD_SYNTAX;
        int hh, mm = 0, ss = 0;
        if (nd > 2 && nd <= 4) {
            hh = (int)(v / 100);
            mm = (int)(v % 100);
        } else if (nd <= 2) {
            hh = (int)v;
            if (s->i < s->n && s->p[s->i] == ':') {
                s->i++;
                if (read_uint(s, &v) == 0)
                    return DT_BAD_SYNTAX;
                mm = (int)v;
                if (s->i < s->n && s->p[s->i] == ':') {
                    s->i++;
                    if (read_uint(s, &v) == 0)
                        return DT_BAD_SYNTAX;
                    ss = (int)v;
                }
            }
        } else {
            (void)start;
            return DT_BAD_SYNTAX;
        }
        if (hh > 15 * 60 || mm > 59 || ss > 59)
            return DT_BAD_FIELD;
        *gmtoff = sign * (hh * 3600 + mm * 60 + ss);
        return DT_OK;
    }
    size_t st = s->i;
    while (s->i < s->n && (isalpha((unsigned char)s->p[s->i]) || s->p[s->i] == '/' || s->p[s->i] == '_' ||
                           (s->i > st && (s->p[s->i] == '+' || s->p[s->i] == '-')) ||
                           (s->i > st && isdigit((unsigned char)s->p[s->i]))))
        s->i++;
    const char *w = s->p + st;
    size_t wn = s->i - st;
    if (word_eq(w, wn, "etc/utc") || dt_zone_abbrev(w, wn, gmtoff) == 0)
        return DT_OK;
    /* a zone name: tzdata spells them with a slash (Europe/Berlin) or as a
     * few upper-case words (EST5EDT, Japan) */
    if (wn >= 3 && wn < 64 && isalpha((unsigned char)w[0])) {
        char name[64];
        memcpy(name, w, wn);
        name[wn] = '\0';
        const dt_zone_t *z = dt_zone_lookup(name);
        if (z) {
            *zone = z;
            return DT_OK;
        }
    }
    s->i = st;
    return DT_BAD_SYNTAX;
}

/* parse_date_part - [-]Y+-MM-DD or YYYYMMDD at the cursor. */
/* month_word - a month name at s (full or its first three letters, any
 * case), 1..12; 0 when there is none. */
static int month_word(scan_t *s)
{
    static const char *const names[] = { "january", "february", "march",     "april",   "may",      "june",
                                         "july",    "august",   "september", "october", "november", "december" };
    size_t e = s->i;
    while (e < s->n && isalpha((unsigned char)s->p[e]))
        e++;
    size_t wl = e - s->i;
    for (int k = 0; k < 12 && wl >= 3; k++)
        if ((wl == 3 || wl == strlen(names[k]) || (k == 8 && wl == 4)) && strncasecmp(s->p + s->i, names[k], wl) == 0) {
            s->i = e;
            return k + 1;
        }
    return 0;
}

static void skip_date_seps(scan_t *s)
{
    while (s->i < s->n && (s->p[s->i] == ' ' || s->p[s->i] == '-' || s->p[s->i] == '/' || s->p[s->i] == '.' ||
                           s->p[s->i] == ','))
        s->i++;
}

/* parse_named_month - the textual forms: "January 5, 1995", "Jan-05-1995",
 * "5 January 1995", "05-Jan-1995", "1995-Jan-05" (PostgreSQL's DecodeDate
 * takes month names anywhere; these are the orders clients write). */
static int parse_named_month(scan_t *s, int *y, int *m, int *d)
{
    int64_t a, b;
    int na;
    if (isalpha((unsigned char)s->p[s->i])) {
        if (!(*m = month_word(s)))
            return DT_BAD_SYNTAX;
        skip_date_seps(s);
        if (read_uint(s, &a) == 0)
            return DT_BAD_SYNTAX;
        skip_date_seps(s);
        if (read_uint(s, &b) == 0)
            return DT_BAD_SYNTAX;
        *d = (int)a;
        *y = (int)b;
        return DT_OK;
    }
    na = read_uint(s, &a);
    skip_date_seps(s);
    if (!(*m = month_word(s)))
        return DT_BAD_SYNTAX;
    skip_date_seps(s);
    if (read_uint(s, &b) == 0)
        return DT_BAD_SYNTAX;
    if (na > 2) {
        *y = (int)a;
        *d = (int)b;
    } else {
        *d = (int)a;
        *y = (int)b;
    }
    return DT_OK;
}

static int parse_date_part(scan_t *s, int *y, int *m, int *d)
{
    int64_t v;
    size_t st = s->i;
    if (s->i < s->n && isalpha((unsigned char)s->p[s->i]))
        return parse_named_month(s, y, m, d);
    size_t k = s->i;
    while (k < s->n && isdigit((unsigned char)s->p[k]))
        k++;
    while (k < s->n && (s->p[k] == ' ' || s->p[k] == '-' || s->p[k] == '/' || s->p[k] == '.'))
        k++;
    if (k > s->i && k < s->n && isalpha((unsigned char)s->p[k]) && !(s->p[k] == 'T' || s->p[k] == 't'))
        return parse_named_month(s, y, m, d);
    int nd = read_uint(s, &v);
    if (nd == 0)
        return DT_BAD_SYNTAX;
    if (nd == 8 && (s->i >= s->n || s->p[s->i] != '-')) {
        *y = (int)(v / 10000);
        *m = (int)(v / 100 % 100);
        *d = (int)(v % 100);
        return DT_OK;
    }
    (void)st;
    *y = (int)v;
    if (s->i >= s->n || (s->p[s->i] != '-' && s->p[s->i] != '/' && s->p[s->i] != '.'))
        return DT_BAD_SYNTAX;
    char sep = s->p[s->i++];
    if (read_uint(s, &v) == 0)
        return DT_BAD_SYNTAX;
    *m = (int)v;
    if (s->i >= s->n || s->p[s->i] != sep)
        return DT_BAD_SYNTAX;
    s->i++;
    int nd3 = read_uint(s, &v);
    if (nd3 == 0)
        return DT_BAD_SYNTAX;
    *d = (int)v;
    if (nd < 3 && out_order == DT_ORDER_YMD && nd3 <= 2) {
        /* 03-04-05 in YMD order: 2003-04-05 */
        *y += *y < 70 ? 2000 : 1900;
    } else if (nd < 3 && out_order != DT_ORDER_YMD) {
        /* the first field is no year: the session's DateStyle order says
         * which is which, as PostgreSQL reads 01-02-1995 or 01/02/1995
         * (MDY: January 2; DMY: 1 February; YMD: out of range); a
         * two-digit year is 1970-2069 */
        int a = *y, b = *m, yy = *d;
        if (nd3 <= 2)
            yy += yy < 70 ? 2000 : 1900;
        *y = yy;
        *m = out_order == DT_ORDER_DMY ? b : a;
        *d = out_order == DT_ORDER_DMY ? a : b;
    }
    return DT_OK;
}

/* parse_bc - optional trailing " BC" / " AD"; converts year to astronomical. */
static int parse_era(scan_t *s, int *y)
{
    skip_ws(s);
    if (s->n - s->i >= 2) {
        const char *w = s->p + s->i;
        if (word_eq(w, 2, "bc") && (s->n - s->i == 2 || !isalpha((unsigned char)w[2]))) {
            s->i += 2;
            if (*y <= 0)
                return DT_BAD_FIELD;
            *y = 1 - *y;
            return DT_OK;
        }
        if (word_eq(w, 2, "ad") && (s->n - s->i == 2 || !isalpha((unsigned char)w[2]))) {
            s->i += 2;
            return DT_OK;
        }
    }
    if (*y == 0)
        return DT_BAD_FIELD; /* there is no year 0 */
    return DT_OK;
}

/* special_word - epoch/now/today/...; 1 when recognised with *ts set, -1/+1 infinities via *inf. */
static int special_word(const char *p, size_t n, int64_t *ts, int *inf)
{
    *inf = 0;
    int64_t today = floordiv(dt_zone_to_local(dt_zone_current(), dt_now()), DT_USECS_PER_DAY) * DT_USECS_PER_DAY;
    if (word_eq(p, n, "infinity") || word_eq(p, n, "+infinity")) {
        *inf = 1;
        return 1;
    }
    if (word_eq(p, n, "-infinity")) {
        *inf = -1;
        return 1;
    }
    if (word_eq(p, n, "epoch")) {
        *ts = -(int64_t)(DT_POSTGRES_EPOCH_JDATE - DT_UNIX_EPOCH_JDATE) * DT_USECS_PER_DAY;
        return 1;
    }
    if (word_eq(p, n, "now")) {
        *ts = dt_now();
        return 1;
    }
    if (word_eq(p, n, "today")) {
        *ts = today;
        return 1;
    }
    if (word_eq(p, n, "tomorrow")) {
        *ts = today + DT_USECS_PER_DAY;
        return 1;
    }
    if (word_eq(p, n, "yesterday")) {
        *ts = today - DT_USECS_PER_DAY;
        return 1;
    }
    return 0;
}

static int dt_error(int rc, err_t *err, const char *tname, const char *p, size_t len)
{
    if (rc == DT_BAD_FIELD || rc == DT_BAD_MONTH_DAY) {
        err_set(err, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE, "date/time field value out of range: \"%.*s\"", (int)len, p);
        if (rc == DT_BAD_MONTH_DAY)
            err_hint(err, "Perhaps you need a different \"datestyle\" setting.");
        return -1;
    }
    if (rc == DT_BAD_RANGE)
        return err_set(err, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE, "%s out of range: \"%.*s\"", tname, (int)len, p);
    return err_set(err, ERRCODE_INVALID_DATETIME_FORMAT, "invalid input syntax for type %s: \"%.*s\"", tname, (int)len,
                   p);
}

/* parse_datetime - the shared grammar of date and timestamp input. */
static int parse_datetime(const char *p, size_t len, bool want_time, dt_fields_t *f, int *gmtoff, bool *has_zone,
                          const dt_zone_t **zone)
{
    scan_t s = { p, len, 0 };
    memset(f, 0, sizeof *f);
    *has_zone = false;
    *gmtoff = 0;
    *zone = NULL;
    skip_ws(&s);
    int rc = parse_date_part(&s, &f->year, &f->month, &f->day);
    if (rc)
        return rc;
    if (s.i < s.n && (s.p[s.i] == 'T' || s.p[s.i] == 't'))
        s.i++;
    skip_ws(&s);
    if (s.i < s.n && isdigit((unsigned char)s.p[s.i])) {
        rc = parse_time(&s, &f->hour, &f->minute, &f->second, &f->usec);
        if (rc)
            return rc;
    }
    skip_ws(&s);
    if (s.i < s.n && !(s.n - s.i >= 2 && (word_eq(s.p + s.i, 2, "bc") || word_eq(s.p + s.i, 2, "ad")))) {
        rc = parse_zone(&s, gmtoff, zone);
        if (rc)
            return rc;
        *has_zone = true;
    }
    rc = parse_era(&s, &f->year);
    if (rc)
        return rc;
    skip_ws(&s);
    if (s.i != s.n)
        return DT_BAD_SYNTAX;
    if (f->month < 1 || f->month > 12 || f->day < 1 || f->day > 31)
        return DT_BAD_MONTH_DAY;
    if (f->day > dt_days_in_month(f->year, f->month))
        return DT_BAD_FIELD; /* February 30: the fields are right, the date is not */
    (void)want_time;
    return DT_OK;
}

int dt_date_in(const char *p0, size_t len0, int32_t *out, err_t *err)
{
    const char *p;
    size_t len;
    trimmed(p0, len0, &p, &len);
    int64_t ts;
    int inf;
    if (special_word(p, len, &ts, &inf)) {
        if (word_eq(p, len, "now"))
            *out = (int32_t)floordiv(dt_zone_to_local(dt_zone_current(), ts), DT_USECS_PER_DAY);
        else if (inf == 0)
            *out = (int32_t)floordiv(ts, DT_USECS_PER_DAY);
        else
            *out = inf > 0 ? DT_DATE_NOEND : DT_DATE_NOBEGIN;
        return 0;
    }
    dt_fields_t f;
    int gmtoff;
    bool has_zone;
    const dt_zone_t *zone;
    int rc = parse_datetime(p, len, false, &f, &gmtoff, &has_zone, &zone);
    if (rc)
        return dt_error(rc, err, "date", p0, len0);
    if (f.year < -4713 || f.year > 5874897)
        return err_set(err, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE, "date out of range: \"%.*s\"", (int)len0, p0);
    int j = dt_date2j(f.year, f.month, f.day);
    if (j < DATETIME_MIN_JULIAN || j >= DATE_END_JULIAN)
        return err_set(err, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE, "date out of range: \"%.*s\"", (int)len0, p0);
    *out = j - DT_POSTGRES_EPOCH_JDATE;
    return 0;
}

int dt_time_in(const char *p0, size_t len0, int64_t *out, err_t *err)
{
    const char *p;
    size_t len;
    trimmed(p0, len0, &p, &len);
    scan_t s = { p, len, 0 };
    int h, mi, sec, usec;
    int rc = parse_time(&s, &h, &mi, &sec, &usec);
    skip_ws(&s);
    if (rc == DT_OK && s.i != s.n)
        rc = DT_BAD_SYNTAX;
    if (rc)
        return dt_error(rc, err, "time without time zone", p0, len0);
    *out = ((int64_t)h * 3600 + mi * 60 + sec) * DT_USECS_PER_SEC + usec;
    return 0;
}

int dt_timestamp_in(const char *p0, size_t len0, bool tz, int32_t typmod, int64_t *out, err_t *err)
{
    const char *tname = tz ? "timestamp with time zone" : "timestamp";
    const char *p;
    size_t len;
    trimmed(p0, len0, &p, &len);
    int64_t ts;
    int inf;
    if (special_word(p, len, &ts, &inf)) {
        /* today, tomorrow, yesterday are local midnights */
        if (tz && inf == 0 && !word_eq(p, len, "now") && !word_eq(p, len, "epoch"))
            ts = dt_zone_from_local(dt_zone_current(), ts);
        *out = inf > 0 ? DT_NOEND : inf < 0 ? DT_NOBEGIN : ts;
        return 0;
    }
    dt_fields_t f;
    int gmtoff;
    bool has_zone;
    const dt_zone_t *zone;
    int rc = parse_datetime(p, len, true, &f, &gmtoff, &has_zone, &zone);
    if (rc)
        return dt_error(rc, err, tname, p0, len0);
    if (dt_ts_make(&f, &ts) < 0)
        return err_set(err, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE, "timestamp out of range: \"%.*s\"", (int)len0, p0);
    /* timestamp without time zone ignores a zone in its input, as PostgreSQL
     * does; timestamptz reads a time without one in the session zone */
    if (tz && zone)
        ts = dt_zone_from_local(zone, ts);
    else if (tz && has_zone)
        ts -= (int64_t)gmtoff * DT_USECS_PER_SEC;
    else if (tz)
        ts = dt_zone_from_local(dt_zone_current(), ts);
    if (typmod >= 0 && typmod < 6) {
        static const int64_t scales[6] = { 1000000, 100000, 10000, 1000, 100, 10 };
        int64_t sc = scales[typmod];
        int64_t r = ts >= 0 ? ((ts + sc / 2) / sc) * sc : -(((-ts + sc / 2) / sc) * sc);
        ts = r;
    }
    if (ts < MIN_TIMESTAMP || ts >= END_TIMESTAMP)
        return err_set(err, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE, "timestamp out of range: \"%.*s\"", (int)len0, p0);
    *out = ts;
    return 0;
}

/* Interval units: months, days, microseconds per one unit. */
typedef struct iv_unit {
    const char *name;
    int months;
    int days;
    int64_t micros;
} iv_unit_t;

static const iv_unit_t iv_units[] = {
    { "microsecond", 0, 0, 1 }, { "microseconds", 0, 0, 1 }, { "usec", 0, 0, 1 }, { "usecs", 0, 0, 1 }, { "us", 0, 0, 1 },
    { "millisecond", 0, 0, 1000 }, { "milliseconds", 0, 0, 1000 }, { "msec", 0, 0, 1000 }, { "msecs", 0, 0, 1000 },
    { "ms", 0, 0, 1000 },
    { "second", 0, 0, 1000000 }, { "seconds", 0, 0, 1000000 }, { "sec", 0, 0, 1000000 }, { "secs", 0, 0, 1000000 },
    { "s", 0, 0, 1000000 },
    { "minute", 0, 0, 60000000 }, { "minutes", 0, 0, 60000000 }, { "min", 0, 0, 60000000 }, { "mins", 0, 0, 60000000 },
    { "m", 0, 0, 60000000 },
    { "hour", 0, 0, INT64_C(3600000000) }, { "hours", 0, 0, INT64_C(3600000000) }, { "hr", 0, 0, INT64_C(3600000000) },
    { "hrs", 0, 0, INT64_C(3600000000) }, { "h", 0, 0, INT64_C(3600000000) },
    { "day", 0, 1, 0 }, { "days", 0, 1, 0 }, { "d", 0, 1, 0 },
    { "week", 0, 7, 0 }, { "weeks", 0, 7, 0 }, { "w", 0, 7, 0 },
    { "month", 1, 0, 0 }, { "months", 1, 0, 0 }, { "mon", 1, 0, 0 }, { "mons", 1, 0, 0 },
    { "year", 12, 0, 0 }, { "years", 12, 0, 0 }, { "yr", 12, 0, 0 }, { "yrs", 12, 0, 0 }, { "y", 12, 0, 0 },
    { "decade", 120, 0, 0 }, { "decades", 120, 0, 0 }, { "dec", 120, 0, 0 }, { "decs", 120, 0, 0 },
    { "century", 1200, 0, 0 }, { "centuries", 1200, 0, 0 }, { "cent", 1200, 0, 0 }, { "c", 1200, 0, 0 },
    { "millennium", 12000, 0, 0 }, { "millennia", 12000, 0, 0 }, { "millennium", 12000, 0, 0 }, { "mil", 12000, 0, 0 },
    { "mils", 12000, 0, 0 },
};

int dt_interval_in(const char *p0, size_t len0, type_interval_t *out, err_t *err)
{
    const char *p;
    size_t len;
    trimmed(p0, len0, &p, &len);
    scan_t s = { p, len, 0 };
    double months = 0, days = 0, micros = 0;
    bool any = false, ago = false;
    skip_ws(&s);
    if (s.i < s.n && s.p[s.i] == '@') {
        s.i++;
    }
    for (;;) {
        skip_ws(&s);
        if (s.i >= s.n)
            break;
        if (isalpha((unsigned char)s.p[s.i])) {
            size_t st = s.i;
            while (s.i < s.n && isalpha((unsigned char)s.p[s.i]))
                s.i++;
            if (word_eq(s.p + st, s.i - st, "ago") && any) {
                ago = true;
                continue;
            }
            goto bad;
        }
        int sign = 1;
        size_t st = s.i;
        if (s.p[s.i] == '+' || s.p[s.i] == '-') {
            sign = s.p[s.i] == '-' ? -1 : 1;
            s.i++;
        }
        /* H:M[:S] time field? */
        size_t save = s.i;
        int64_t dummy;
        if (read_uint(&s, &dummy) && s.i < s.n && s.p[s.i] == ':') {
            s.i = save;
            int64_t hv, mv, sv = 0;
            read_uint(&s, &hv);
            s.i++;
            if (!read_uint(&s, &mv))
                goto bad;
            double frac = 0;
            if (s.i < s.n && s.p[s.i] == ':') {
                s.i++;
                if (!read_uint(&s, &sv))
                    goto bad;
                if (s.i < s.n && s.p[s.i] == '.') {
                    s.i++;
                    double sc = 0.1;
                    while (s.i < s.n && isdigit((unsigned char)s.p[s.i])) {
                        frac += (s.p[s.i] - '0') * sc;
                        sc /= 10;
                        s.i++;
                    }
                }
            }
            if (mv > 59 || sv > 59)
                goto range;
            micros += sign * (((double)hv * 3600 + (double)mv * 60 + (double)sv) * 1e6 + rint(frac * 1e6));
            any = true;
            continue;
        }
        s.i = save;
        /* number [unit] */
        char *endp;
        char tmp[64];
        size_t k = 0;
        while (s.i < s.n && k < sizeof tmp - 1 && (isdigit((unsigned char)s.p[s.i]) || s.p[s.i] == '.' ||
                                                   ((s.p[s.i] == 'e' || s.p[s.i] == 'E') && k > 0)))
            tmp[k++] = s.p[s.i++];
        tmp[k] = '\0';
        if (k == 0)
            goto bad;
        double val = strtod(tmp, &endp);
        if (*endp)
            goto bad;
        val *= sign;
        (void)st;
        skip_ws(&s);
        size_t ws = s.i;
        while (s.i < s.n && isalpha((unsigned char)s.p[s.i]))
            s.i++;
        const iv_unit_t *u = NULL;
        if (s.i > ws) {
            for (size_t j = 0; j < sizeof iv_units / sizeof iv_units[0]; j++)
                if (word_eq(s.p + ws, s.i - ws, iv_units[j].name)) {
                    u = &iv_units[j];
                    break;
                }
            if (!u) {
                if (word_eq(s.p + ws, s.i - ws, "ago")) {
                    s.i = ws; /* bare number then ago: seconds */
                } else {
                    goto bad;
                }
            }
        }
        if (!u) {
            micros += val * 1e6;
        } else if (u->months) {
            double m = val * u->months;
            double whole = trunc(m);
            months += whole;
            days += (m - whole) * 30; /* PostgreSQL spills fractional months as 30-day months */
        } else if (u->days) {
            double d = val * u->days;
            double whole = trunc(d);
            days += whole;
            micros += (d - whole) * 86400e6;
        } else {
            micros += val * (double)u->micros;
        }
        any = true;
    }
    if (!any)
        goto bad;
    {
        /* fractional days spill into the time part */
        double wd = trunc(days);
        micros += (days - wd) * 86400e6;
        days = wd;
        if (fabs(months) > INT32_MAX || fabs(days) > INT32_MAX || fabs(micros) > 9.2e18)
            goto range;
        out->months = (int32_t)months;
        out->days = (int32_t)days;
        out->micros = (int64_t)llrint(micros);
        if (ago) {
            out->months = -out->months;
            out->days = -out->days;
            out->micros = -out->micros;
        }
    }
    return 0;
bad:
    return err_set(err, ERRCODE_INVALID_DATETIME_FORMAT, "invalid input syntax for type interval: \"%.*s\"", (int)len0,
                   p0);
range:
    return err_set(err, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE, "interval field value out of range: \"%.*s\"", (int)len0,
                   p0);
}

int dt_tstz_add_interval(int64_t ts, const type_interval_t *iv, int64_t *out, err_t *err)
{
    if (ts == DT_NOBEGIN || ts == DT_NOEND || (!iv->months && !iv->days))
        return dt_ts_add_interval(ts, iv, out, err);
    const dt_zone_t *z = dt_zone_current();
    type_interval_t md = *iv, us = *iv;
    md.micros = 0;
    us.months = 0;
    us.days = 0;
    int64_t local;
    if (dt_ts_add_interval(dt_zone_to_local(z, ts), &md, &local, err) < 0)
        return -1;
    return dt_ts_add_interval(dt_zone_from_local(z, local), &us, out, err);
}

int dt_ts_add_interval(int64_t ts, const type_interval_t *iv, int64_t *out, err_t *err)
{
    if (ts == DT_NOBEGIN || ts == DT_NOEND) {
        *out = ts;
        return 0;
    }
    if (iv->months) {
        dt_fields_t f;
        dt_ts_split(ts, &f);
        int64_t m = (int64_t)f.year * 12 + (f.month - 1) + iv->months;
        f.year = (int)floordiv(m, 12);
        f.month = (int)(m - (int64_t)f.year * 12) + 1;
        int dim = dt_days_in_month(f.year, f.month);
        if (f.day > dim)
            f.day = dim;
        if (dt_ts_make(&f, &ts) < 0)
            return err_set(err, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE, "timestamp out of range");
    }
    __int128 r = (__int128)ts + (__int128)iv->days * DT_USECS_PER_DAY + iv->micros;
    if (r < MIN_TIMESTAMP || r >= END_TIMESTAMP)
        return err_set(err, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE, "timestamp out of range");
    *out = (int64_t)r;
    return 0;
}

__int128 dt_interval_key(const type_interval_t *iv)
{
    return (__int128)iv->months * 30 * DT_USECS_PER_DAY + (__int128)iv->days * DT_USECS_PER_DAY + iv->micros;
}
