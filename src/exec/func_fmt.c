/*
 * func_fmt.c - PostgreSQL's formatting functions (formatting.c): to_char of
 * timestamps (dates through their implicit cast) and of numbers, to_date and
 * to_timestamp.
 *
 * Date/time templates: YYYY YYY YY Y Y,YYY IYYY CC MM MONTH Month month MON
 * Mon mon DD DDD D ID DAY Day day DY Dy dy HH HH12 HH24 MI SS MS US SSSS J Q
 * WW W IW AM PM A.M. P.M. (either case), with the FM (no padding) prefix, the
 * TH / th ordinal suffix, "quoted text" and backslash escapes. Number
 * templates: 9 0 . , D G S MI PL SG PR FM, as PostgreSQL's NUM_processor
 * lays them out (a sign slot before the first digit, '#' when the integer
 * part does not fit). A timestamptz prints in the session zone, TZ / tz / OF /
 * TZH / TZM give its abbreviation and offset. Not here: TZ fields in
 * to_timestamp input, RM, EEEE, V, L, locale names.
 */
#include "func_int.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "types/datetime.h"
#include "types/numeric.h"
#include "types/tz.h"

static const char *const months[] = { "January", "February", "March",     "April",   "May",      "June",
                                      "July",    "August",   "September", "October", "November", "December" };
static const char *const days[] = { "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday" };

/* The keywords, longest first where one is a prefix of another. */
enum {
    K_Y_YYY, K_YYYY, K_YYY, K_YY, K_Y, K_IYYY, K_IYY, K_IY, K_CC, K_MONTH, K_MON, K_MM, K_MI, K_MS, K_DDD, K_DD,
    K_DAY, K_DY, K_D, K_IDDD, K_ID, K_IW, K_HH24, K_HH12, K_HH, K_SSSSS, K_SSSS, K_SS, K_US, K_J, K_Q, K_WW, K_W,
    K_AM_DOT, K_PM_DOT, K_AM, K_PM, K_AD_DOT, K_BC_DOT, K_AD, K_BC, K_TZH, K_TZM, K_TZ, K_OF, K_NONE
};

static const struct {
    const char *name;
    int id;
} keywords[] = {
    { "Y,YYY", K_Y_YYY }, { "YYYY", K_YYYY }, { "YYY", K_YYY }, { "YY", K_YY }, { "IYYY", K_IYYY },
    { "IYY", K_IYY }, { "IDDD", K_IDDD }, { "ID", K_ID }, { "IW", K_IW }, { "IY", K_IY }, { "Y", K_Y },
    { "CC", K_CC }, { "MONTH", K_MONTH }, { "MON", K_MON }, { "MM", K_MM }, { "MI", K_MI }, { "MS", K_MS },
    { "DDD", K_DDD }, { "DD", K_DD }, { "DAY", K_DAY }, { "DY", K_DY }, { "D", K_D }, { "HH24", K_HH24 },
    { "HH12", K_HH12 }, { "HH", K_HH }, { "SSSSS", K_SSSSS }, { "SSSS", K_SSSS }, { "SS", K_SS }, { "US", K_US },
    { "J", K_J }, { "Q", K_Q }, { "WW", K_WW }, { "W", K_W }, { "A.M.", K_AM_DOT }, { "P.M.", K_PM_DOT },
    { "AM", K_AM }, { "PM", K_PM }, { "A.D.", K_AD_DOT }, { "B.C.", K_BC_DOT }, { "AD", K_AD }, { "BC", K_BC },
    { "TZH", K_TZH }, { "TZM", K_TZM }, { "TZ", K_TZ }, { "OF", K_OF },
};

/* match_keyword - the keyword at p (case-insensitive), its length in *len. */
static int match_keyword(const char *p, size_t n, size_t *len)
{
    for (size_t k = 0; k < sizeof keywords / sizeof keywords[0]; k++) {
        size_t l = strlen(keywords[k].name);
        if (l <= n && strncasecmp(p, keywords[k].name, l) == 0) {
            *len = l;
            return keywords[k].id;
        }
    }
    return K_NONE;
}

/* cased - name as the template writes the keyword: all upper, capitalized or lower. */
static void put_cased(buf_t *b, const char *kw, const char *name, size_t n, int pad, bool fm)
{
    bool upper = isupper((unsigned char)kw[0]) && (kw[1] == 0 || isupper((unsigned char)kw[1]));
    bool lower = islower((unsigned char)kw[0]);
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        buf_putc(b, (char)(upper ? toupper((unsigned char)c) : lower || i > 0 ? tolower((unsigned char)c) : c));
    }
    for (int i = (int)n; !fm && i < pad; i++)
        buf_putc(b, ' ');
}

static const char *ordinal(int64_t v, bool upper)
{
    int64_t r = v % 100;
    const char *s = (r >= 11 && r <= 13) ? "th" : v % 10 == 1 ? "st" : v % 10 == 2 ? "nd" : v % 10 == 3 ? "rd" : "th";
    if (!upper)
        return s;
    return !strcmp(s, "st") ? "ST" : !strcmp(s, "nd") ? "ND" : !strcmp(s, "rd") ? "RD" : "TH";
}

/* iso_week - ISO 8601 week number and year of a Julian day. */
static int iso_week(int jd, int *iyear)
{
    int dow = (jd + 1) % 7, isodow = dow == 0 ? 7 : dow;
    int thursday = jd - isodow + 4, y, m, d;
    dt_j2date(thursday, &y, &m, &d);
    *iyear = y;
    return (thursday - dt_date2j(y, 1, 1)) / 7 + 1;
}

/* ts_to_char - PostgreSQL's DCH_to_char for one timestamp (local time of a
 * timestamptz, whose zone abbreviation and offset TZ and OF print; abbr is
 * NULL for a timestamp). */
static void ts_to_char(int64_t ts, const char *abbr, int off, const char *f, size_t n, buf_t *b)
{
    dt_fields_t t;
    dt_ts_split(ts, &t);
    int jd = dt_date2j(t.year, t.month, t.day);
    int dow = (jd + 1) % 7; /* 0 = Sunday */
    int doy = jd - dt_date2j(t.year, 1, 1) + 1;
    int year = t.year > 0 ? t.year : 1 - t.year;
    for (size_t i = 0; i < n;) {
        if (f[i] == '"') {
            /* quoted text, backslash escapes inside */
            for (i++; i < n && f[i] != '"'; i++) {
                if (f[i] == '\\' && i + 1 < n)
                    i++;
                buf_putc(b, f[i]);
            }
            i++;
            continue;
        }
        if (f[i] == '\\' && i + 1 < n) {
            buf_putc(b, f[i + 1]);
            i += 2;
            continue;
        }
        bool fm = false;
        size_t j = i;
        if (n - j >= 2 && strncasecmp(f + j, "FM", 2) == 0) {
            fm = true;
            j += 2;
        }
        size_t len;
        int k = match_keyword(f + j, n - j, &len);
        if (k == K_NONE) {
            buf_putc(b, f[i]);
            i++;
            continue;
        }
        const char *kw = f + j;
        char kwz[8] = { 0 };
        memcpy(kwz, kw, len < 7 ? len : 7);
        j += len;
        int64_t num = 0;
        int width = 0;
        bool is_num = true;
        switch (k) {
        case K_Y_YYY: {
            char tmp[32];
            snprintf(tmp, sizeof tmp, "%d,%03d", year / 1000, year % 1000);
            buf_puts(b, tmp);
            is_num = false;
            break;
        }
        case K_YYYY: num = year; width = 4; break;
        case K_YYY: num = year % 1000; width = 3; break;
        case K_YY: num = year % 100; width = 2; break;
        case K_Y: num = year % 10; width = 1; break;
        case K_IYYY: case K_IYY: case K_IY: {
            int iy;
            iso_week(jd, &iy);
            num = k == K_IYYY ? iy : k == K_IYY ? iy % 1000 : iy % 100;
            width = k == K_IYYY ? 4 : k == K_IYY ? 3 : 2;
            break;
        }
        case K_CC: num = t.year > 0 ? (t.year + 99) / 100 : -((99 - (t.year - 1)) / 100); width = 2; break;
        case K_MONTH: put_cased(b, kwz, months[t.month - 1], strlen(months[t.month - 1]), 9, fm); is_num = false; break;
        case K_MON: put_cased(b, kwz, months[t.month - 1], 3, 3, fm); is_num = false; break;
        case K_MM: num = t.month; width = 2; break;
        case K_MI: num = t.minute; width = 2; break;
        case K_MS: num = t.usec / 1000; width = 3; break;
        case K_DDD: num = doy; width = 3; break;
        case K_DD: num = t.day; width = 2; break;
        case K_DAY: put_cased(b, kwz, days[dow], strlen(days[dow]), 9, fm); is_num = false; break;
        case K_DY: put_cased(b, kwz, days[dow], 3, 3, fm); is_num = false; break;
        case K_D: num = dow + 1; width = 1; break;
        case K_ID: num = dow == 0 ? 7 : dow; width = 1; break;
        case K_IDDD: {
            int iy, w = iso_week(jd, &iy);
            num = (w - 1) * 7 + (dow == 0 ? 7 : dow);
            width = 3;
            break;
        }
        case K_IW: {
            int iy;
            num = iso_week(jd, &iy);
            width = 2;
            break;
        }
        case K_HH24: num = t.hour; width = 2; break;
        case K_HH12: case K_HH: num = t.hour % 12 == 0 ? 12 : t.hour % 12; width = 2; break;
        case K_SSSSS: case K_SSSS: num = t.hour * 3600 + t.minute * 60 + t.second; width = 1; break;
        case K_SS: num = t.second; width = 2; break;
        case K_US: num = t.usec; width = 6; break;
        case K_J: num = jd; width = 1; break;
        case K_Q: num = (t.month - 1) / 3 + 1; width = 1; break;
        case K_WW: num = (doy - 1) / 7 + 1; width = 2; break;
        case K_W: num = (t.day - 1) / 7 + 1; width = 1; break;
        case K_AM: case K_PM:
            put_cased(b, kwz, t.hour >= 12 ? "PM" : "AM", 2, 2, true);
            is_num = false;
            break;
        case K_AM_DOT: case K_PM_DOT:
            put_cased(b, kwz, t.hour >= 12 ? "P.M." : "A.M.", 4, 4, true);
            is_num = false;
            break;
        case K_TZH:
            buf_printf(b, "%c%02d", off < 0 ? '-' : '+', abs(off) / 3600);
            is_num = false;
            break;
        case K_TZM: num = abs(off) / 60 % 60; width = 2; break;
        case K_OF:
            buf_printf(b, "%c%0*d", off < 0 ? '-' : '+', fm ? 1 : 2, abs(off) / 3600);
            if (abs(off) / 60 % 60)
                buf_printf(b, ":%02d", abs(off) / 60 % 60);
            is_num = false;
            break;
        case K_TZ:
            if (abbr) {
                bool lower = kw[0] == 't';
                for (const char *c = abbr; *c; c++)
                    buf_putc(b, (char)(lower ? tolower((unsigned char)*c) : toupper((unsigned char)*c)));
            }
            is_num = false;
            break;
        case K_AD: case K_BC:
            put_cased(b, kwz, t.year > 0 ? "AD" : "BC", 2, 2, true);
            is_num = false;
            break;
        default:
            put_cased(b, kwz, t.year > 0 ? "A.D." : "B.C.", 4, 4, true);
            is_num = false;
            break;
        }
        if (is_num) {
            char tmp[32];
            snprintf(tmp, sizeof tmp, "%0*lld", fm ? 1 : width, (long long)num);
            buf_puts(b, tmp);
            if (n - j >= 2 && (strncmp(f + j, "TH", 2) == 0 || strncmp(f + j, "th", 2) == 0)) {
                buf_puts(b, ordinal(num, f[j] == 'T'));
                j += 2;
            }
        }
        i = j;
    }
}

static int f_ts_to_char(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    int64_t ts = a[0].u.i;
    if (ts == DT_NOBEGIN || ts == DT_NOEND) {
        o->isnull = true;
        return 0;
    }
    const char *abbr = NULL;
    int off = 0;
    if (fc->expr->args[0]->type == TYPE_TIMESTAMPTZ) {
        off = dt_zone_offset(dt_zone_current(), ts, &abbr);
        ts += (int64_t)off * DT_USECS_PER_SEC;
    }
    buf_t b = BUF_INIT;
    ts_to_char(ts, abbr, off, a[1].u.s.p, a[1].u.s.len, &b);
    exec__set_text(fc, o, b.data ? b.data : "", b.len);
    buf_free(&b);
    return 0;
}

/* ---- to_date / to_timestamp ---- */

static int parse_error(exec_fctx_t *fc, const char *what, const char *p, size_t n)
{
    return err_set(fc->err, ERRCODE_INVALID_DATETIME_FORMAT, "invalid value \"%.*s\" for \"%s\"", (int)n, p, what);
}

/* read_num - up to max digits (fewer when the template's next character is
 * a separator the input also has), as from_char_parse_int does. */
static int read_num(exec_fctx_t *fc, const char *s, size_t sn, size_t *pos, int max, const char *kw, int *out)
{
    size_t i = *pos;
    while (i < sn && s[i] == ' ')
        i++;
    bool neg = i < sn && s[i] == '-';
    if (neg)
        i++;
    size_t st = i;
    int v = 0;
    while (i < sn && i - st < (size_t)max && isdigit((unsigned char)s[i]))
        v = v * 10 + (s[i++] - '0');
    if (i == st)
        return parse_error(fc, kw, s + *pos, sn - *pos > 8 ? 8 : sn - *pos);
    *pos = i;
    *out = neg ? -v : v;
    return 0;
}

static int read_name(exec_fctx_t *fc, const char *s, size_t sn, size_t *pos, const char *const *names, int nnames,
                     bool abbrev, const char *kw, int *out)
{
    size_t i = *pos;
    while (i < sn && s[i] == ' ')
        i++;
    for (int k = 0; k < nnames; k++) {
        size_t l = abbrev ? 3 : strlen(names[k]);
        if (sn - i >= l && strncasecmp(s + i, names[k], l) == 0) {
            *pos = i + l;
            *out = k;
            return 0;
        }
    }
    return parse_error(fc, kw, s + i, sn - i > 8 ? 8 : sn - i);
}

/* text_to_ts - PostgreSQL's do_to_timestamp for the numeric and name fields. */
static int text_to_ts(exec_fctx_t *fc, const value_t *a, int64_t *out)
{
    const char *s = a[0].u.s.p, *f = a[1].u.s.p;
    size_t sn = a[0].u.s.len, fn = a[1].u.s.len, si = 0;
    dt_fields_t t = { 1, 1, 1, 0, 0, 0, 0 };
    bool pm = false, h12 = false;
    int jd = -1, v;
    for (size_t i = 0; i < fn;) {
        if (fn - i >= 2 && strncasecmp(f + i, "FM", 2) == 0)
            i += 2;
        size_t len;
        int k = match_keyword(f + i, fn - i, &len);
        if (k == K_NONE) {
            /* a separator in the template skips one character of input */
            if (f[i] == '"') {
                for (i++; i < fn && f[i] != '"'; i++)
                    if (si < sn)
                        si++;
                i++;
                continue;
            }
            if (si < sn && (f[i] == s[si] || !isalnum((unsigned char)s[si])))
                si++;
            i++;
            continue;
        }
        char kw[8] = { 0 };
        memcpy(kw, f + i, len < 7 ? len : 7);
        i += len;
        int rc = 0;
        switch (k) {
        case K_YYYY: case K_IYYY: rc = read_num(fc, s, sn, &si, 4, kw, &t.year); break;
        case K_YYY: rc = read_num(fc, s, sn, &si, 3, kw, &v); t.year = v + (v < 70 ? 2000 : 1000); break;
        case K_YY: rc = read_num(fc, s, sn, &si, 2, kw, &v); t.year = v + (v < 70 ? 2000 : 1900); break;
        case K_Y: rc = read_num(fc, s, sn, &si, 1, kw, &v); t.year = v + 2000; break;
        case K_MM: rc = read_num(fc, s, sn, &si, 2, kw, &t.month); break;
        case K_DD: rc = read_num(fc, s, sn, &si, 2, kw, &t.day); break;
        case K_HH24: rc = read_num(fc, s, sn, &si, 2, kw, &t.hour); break;
        case K_HH12: case K_HH: rc = read_num(fc, s, sn, &si, 2, kw, &t.hour); h12 = true; break;
        case K_MI: rc = read_num(fc, s, sn, &si, 2, kw, &t.minute); break;
        case K_SS: rc = read_num(fc, s, sn, &si, 2, kw, &t.second); break;
        case K_MS: rc = read_num(fc, s, sn, &si, 3, kw, &v); t.usec = v * 1000; break;
        case K_US: rc = read_num(fc, s, sn, &si, 6, kw, &t.usec); break;
        case K_J: rc = read_num(fc, s, sn, &si, 9, kw, &jd); break;
        case K_MONTH: case K_MON:
            rc = read_name(fc, s, sn, &si, months, 12, k == K_MON, kw, &v);
            t.month = v + 1;
            break;
        case K_DAY: case K_DY: rc = read_name(fc, s, sn, &si, days, 7, k == K_DY, kw, &v); break;
        case K_AM: case K_PM: case K_AM_DOT: case K_PM_DOT: {
            while (si < sn && s[si] == ' ')
                si++;
            pm = si < sn && (s[si] == 'p' || s[si] == 'P');
            si += k == K_AM || k == K_PM ? 2 : 4;
            if (si > sn)
                si = sn;
            break;
        }
        default:
            return err_set(fc->err, ERRCODE_FEATURE_NOT_SUPPORTED, "formatting field \"%s\" is only supported in to_char",
                           kw);
        }
        if (rc < 0)
            return -1;
    }
    if (h12) {
        if (t.hour < 1 || t.hour > 12)
            return err_set(fc->err, ERRCODE_INVALID_DATETIME_FORMAT,
                           "hour \"%d\" is invalid for the 12-hour clock", t.hour);
        t.hour = t.hour % 12 + (pm ? 12 : 0);
    }
    if (jd >= 0)
        dt_j2date(jd, &t.year, &t.month, &t.day);
    if (t.month < 1 || t.month > 12 || t.day < 1 || t.day > dt_days_in_month(t.year, t.month) || t.hour > 23 ||
        t.minute > 59 || t.second > 59)
        return err_set(fc->err, ERRCODE_DATETIME_FIELD_OVERFLOW, "date/time field value out of range: \"%.*s\"",
                       (int)sn, s);
    return dt_ts_make(&t, out) < 0 ? err_set(fc->err, ERRCODE_DATETIME_FIELD_OVERFLOW, "timestamp out of range") : 0;
}

static int f_to_date(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    int64_t ts;
    if (text_to_ts(fc, a, &ts) < 0)
        return -1;
    o->u.i = ts >= 0 ? ts / DT_USECS_PER_DAY : -((-ts + DT_USECS_PER_DAY - 1) / DT_USECS_PER_DAY);
    return 0;
}

static int f_to_timestamp(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    /* the fields are local time in the session zone */
    if (text_to_ts(fc, a, &o->u.i) < 0)
        return -1;
    o->u.i = dt_zone_from_local(dt_zone_current(), o->u.i);
    return 0;
}

/* ---- numbers ---- */

/* The template of a number, as NUM_prepare_locale / NUM_processor read it. */
typedef struct numfmt {
    int pre, post;        /* digit positions before / after the decimal point */
    bool fm, has_point, sign_s, sign_mi, sign_pl, sign_sg, pr;
    bool sign_trailing;   /* S after the digits */
} numfmt_t;

static void num_scan(const char *f, size_t n, numfmt_t *nf)
{
    memset(nf, 0, sizeof *nf);
    bool after = false, digits = false;
    for (size_t i = 0; i < n; i++) {
        char c = (char)toupper((unsigned char)f[i]);
        if (c == '9' || c == '0') {
            if (after)
                nf->post++;
            else
                nf->pre++;
            digits = true;
        } else if (c == '.' || c == 'D') {
            after = true;
            nf->has_point = true;
        } else if (c == 'F' && i + 1 < n && toupper((unsigned char)f[i + 1]) == 'M') {
            nf->fm = true;
            i++;
        } else if (c == 'S') {
            nf->sign_s = true;
            nf->sign_trailing = digits;
        } else if (c == 'M' && i + 1 < n && toupper((unsigned char)f[i + 1]) == 'I') {
            nf->sign_mi = true;
            i++;
        } else if (c == 'P' && i + 1 < n && toupper((unsigned char)f[i + 1]) == 'L') {
            nf->sign_pl = true;
            i++;
        } else if (c == 'S' && i + 1 < n && toupper((unsigned char)f[i + 1]) == 'G') {
            nf->sign_sg = true;
            i++;
        } else if (c == 'P' && i + 1 < n && toupper((unsigned char)f[i + 1]) == 'R') {
            nf->pr = true;
            i++;
        }
    }
}

/* num_to_char - the digits of |value| rounded to the template's fraction
 * digits (ip integer digits, fp fraction digits) laid into the template. */
static void num_to_char(const char *f, size_t n, const numfmt_t *nf, bool neg, const char *ip, const char *fp,
                        buf_t *b)
{
    size_t ilen = strlen(ip);
    bool overflow = (int)ilen > nf->pre;
    if (!strcmp(ip, "0"))
        ilen = 0; /* a zero integer part shows only through 0 positions */
    /* the sign just before the first digit: implicit (' ' or '-'), a leading S, or PR's '<' */
    bool lead_sign = !(nf->sign_mi || nf->sign_pl || nf->sign_sg || (nf->sign_s && nf->sign_trailing));
    char lead = nf->pr ? (neg ? '<' : ' ') : nf->sign_s ? (neg ? '-' : '+') : (neg ? '-' : ' ');
    bool lead_shown = lead != ' ' || !nf->fm;
    bool explicit_sign = !lead_sign;
    if (ilen == 0 && nf->post == 0)
        ilen = 1; /* zero with no fraction digits still shows one 0 */
    /* the first integer position that shows a digit */
    int first = nf->pre - (int)ilen;
    int zero_from = nf->pre; /* the first '0' position starts digits too */
    int pos = 0;
    for (size_t i = 0; i < n; i++) {
        char c = f[i];
        if (c == '0' && pos < nf->pre) {
            zero_from = pos;
            break;
        }
        if (c == '9' || c == '0')
            pos++;
        if (c == '.' || c == 'D' || c == 'd')
            break;
    }
    if (zero_from < first)
        first = zero_from;
    bool sign_done = false, started = false, after = false;
    int ipos = 0, fpos = 0;
    size_t fplen = strlen(fp);
    int last_shown = 0; /* FM: fraction '9's drop trailing zeros */
    if (nf->fm) {
        last_shown = (int)fplen;
        while (last_shown > 0 && fp[last_shown - 1] == '0')
            last_shown--;
        int zeros = 0, k = 0;
        for (size_t i = 0; i < n; i++) {
            if (f[i] == '.' || f[i] == 'D' || f[i] == 'd')
                k = 1;
            else if (k && (f[i] == '0' || f[i] == '9')) {
                zeros++;
                if (f[i] == '0' && zeros > last_shown)
                    last_shown = zeros;
            }
        }
    }
    for (size_t i = 0; i < n; i++) {
        char c = f[i], uc = (char)toupper((unsigned char)c);
        if (uc == 'F' && i + 1 < n && toupper((unsigned char)f[i + 1]) == 'M') {
            i++;
            continue;
        }
        if (c == '9' || c == '0') {
            if (!after) {
                bool show = ipos >= first;
                if (show && !sign_done && !explicit_sign) {
                    if (lead_shown)
                        buf_putc(b, lead);
                    sign_done = true;
                }
                if (overflow)
                    buf_putc(b, '#');
                else if (show) {
                    int d = ipos - (nf->pre - (int)ilen);
                    buf_putc(b, d >= 0 ? ip[d] : '0');
                    started = true;
                } else if (!nf->fm)
                    buf_putc(b, ' ');
                ipos++;
            } else {
                if (overflow)
                    buf_putc(b, '#');
                else if (!nf->fm || fpos < last_shown)
                    buf_putc(b, (size_t)fpos < fplen ? fp[fpos] : '0');
                fpos++;
            }
            continue;
        }
        if (c == '.' || uc == 'D') {
            if (!sign_done && !explicit_sign) {
                if (lead_shown)
                    buf_putc(b, lead);
                sign_done = true;
            }
            if (nf->fm && !started && ilen == 0 && last_shown == 0 && !overflow)
                buf_putc(b, '0'); /* FM shows zero as "0." rather than "." */
            if (nf->post > 0)
                buf_putc(b, '.'); /* a point no digit follows in the template is dropped */
            after = true;
            continue;
        }
        if (c == ',' || uc == 'G') {
            if (started || after || overflow)
                buf_putc(b, ',');
            else if (!nf->fm)
                buf_putc(b, ' ');
            continue;
        }
        if (uc == 'S' && !(i + 1 < n && toupper((unsigned char)f[i + 1]) == 'G')) {
            if (nf->sign_trailing)
                buf_putc(b, neg ? '-' : '+');
            continue;
        }
        if (uc == 'M' && i + 1 < n && toupper((unsigned char)f[i + 1]) == 'I') {
            buf_putc(b, neg ? '-' : (nf->fm ? 0 : ' '));
            if (!neg && nf->fm)
                b->len--;
            i++;
            continue;
        }
        if (uc == 'P' && i + 1 < n && toupper((unsigned char)f[i + 1]) == 'L') {
            buf_putc(b, neg ? ' ' : '+');
            i++;
            continue;
        }
        if (uc == 'S' && i + 1 < n && toupper((unsigned char)f[i + 1]) == 'G') {
            buf_putc(b, neg ? '-' : '+');
            i++;
            continue;
        }
        if (uc == 'P' && i + 1 < n && toupper((unsigned char)f[i + 1]) == 'R') {
            if (neg || !nf->fm)
                buf_putc(b, neg ? '>' : ' ');
            i++;
            continue;
        }
        buf_putc(b, c);
    }
}

static int f_num_to_char(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    numfmt_t nf;
    num_scan(a[1].u.s.p, a[1].u.s.len, &nf);
    /* the value rounded to the template's fraction digits, as decimal text */
    buf_t t = BUF_INIT;
    type_oid_t at = fc->expr->args[0]->type;
    bool neg;
    if (at == TYPE_NUMERIC) {
        const type_numeric_t *r = numeric_round(fc->arena, a[0].u.num, nf.post);
        neg = numeric_sign(r) < 0;
        numeric_out(numeric_abs(fc->arena, r), &t);
    } else if (at == TYPE_FLOAT4 || at == TYPE_FLOAT8) {
        double d = a[0].u.f;
        neg = d < 0;
        buf_printf(&t, "%.*f", nf.post, fabs(d));
    } else {
        int64_t v = a[0].u.i;
        neg = v < 0;
        buf_printf(&t, "%llu", (unsigned long long)(v < 0 ? -(uint64_t)v : (uint64_t)v));
    }
    const char *txt = buf_cstr(&t);
    const char *dot = strchr(txt, '.');
    char *ip = mem_asprintf(fc->arena, "%.*s", dot ? (int)(dot - txt) : (int)strlen(txt), txt);
    const char *fp = dot ? dot + 1 : "";
    buf_t b = BUF_INIT;
    num_to_char(a[1].u.s.p, a[1].u.s.len, &nf, neg, ip, fp, &b);
    exec__set_text(fc, o, b.data ? b.data : "", b.len);
    buf_free(&b);
    buf_free(&t);
    return 0;
}

#define TX TYPE_TEXT
#define S EXEC_FN_STRICT

const exec_func_t exec__fmt_funcs[] = {
    { "to_char", 2, { TYPE_TIMESTAMP, TX }, TX, f_ts_to_char, S, 2049 },
    { "to_char", 2, { TYPE_TIMESTAMPTZ, TX }, TX, f_ts_to_char, S | EXEC_FN_STABLE, 1770 },
    { "to_char", 2, { TYPE_NUMERIC, TX }, TX, f_num_to_char, S, 1772 },
    { "to_char", 2, { TYPE_INT4, TX }, TX, f_num_to_char, S, 1773 },
    { "to_char", 2, { TYPE_INT8, TX }, TX, f_num_to_char, S, 1774 },
    { "to_char", 2, { TYPE_FLOAT4, TX }, TX, f_num_to_char, S, 1775 },
    { "to_char", 2, { TYPE_FLOAT8, TX }, TX, f_num_to_char, S, 1776 },
    { "to_date", 2, { TX, TX }, TYPE_DATE, f_to_date, S | EXEC_FN_STABLE, 1780 },
    { "to_timestamp", 2, { TX, TX }, TYPE_TIMESTAMPTZ, f_to_timestamp, S | EXEC_FN_STABLE, 1778 },
};
const int exec__n_fmt_funcs = (int)(sizeof exec__fmt_funcs / sizeof exec__fmt_funcs[0]);
