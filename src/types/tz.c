/*
 * tz.c - time zones: TZif files of the system tzdata (RFC 8536, version 1
 * to 4, leap-second zones refused as PostgreSQL does), the POSIX TZ string
 * of a TZif footer or a TimeZone value, fixed offsets; the per-thread
 * session zone. See include/types/tz.h.
 *
 * A loaded zone is immutable: its transitions (UTC seconds and the local
 * time type from each on), its types, and the POSIX rule that continues
 * after the last transition. Lookups go through one mutex-protected cache of
 * name -> zone; the zones are shared read-only by every thread afterwards.
 */
#include "types/tz.h"

#include <ctype.h>
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/mem.h"
#include "types/datetime.h"

#define TZ_DEFAULT_DIR "/usr/share/zoneinfo"
#define TZ_MAX_FILE (1 << 20)
#define TZ_ABBR_MAX 16
#define SECS_PER_DAY 86400
/* seconds from 1970-01-01 to 2000-01-01 */
#define UNIX_TO_PG_SECS ((int64_t)(DT_POSTGRES_EPOCH_JDATE - DT_UNIX_EPOCH_JDATE) * SECS_PER_DAY)

typedef struct tz_type {
    int32_t off; /* seconds east of UTC */
    bool dst;
    char abbr[TZ_ABBR_MAX];
} tz_type_t;

/* one end of a POSIX DST rule: Jn (1..365, no Feb 29), n (0..365) or
 * Mm.w.d, at secs local time */
typedef struct tz_rdate {
    char kind; /* 'J', 'D' or 'M' */
    int day, month, week, wday;
    int32_t secs;
} tz_rdate_t;

typedef struct tz_rule {
    bool valid, has_dst;
    tz_type_t std, dst;
    tz_rdate_t start, end;
} tz_rule_t;

struct dt_zone {
    struct dt_zone *next; /* every zone, for dt_zone_cache_free */
    char *name;
    int n;       /* transitions */
    int64_t *at; /* unix seconds, ascending */
    uint8_t *idx;
    int ntypes;
    tz_type_t *types;
    tz_rule_t rule; /* from the last transition on (all times when n == 0) */
};

typedef struct tz_entry {
    struct tz_entry *next;
    char *key;
    const dt_zone_t *zone;
} tz_entry_t;

static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static tz_entry_t *cache;
static dt_zone_t *zones;
static _Thread_local const dt_zone_t *cur_zone;

static const tz_type_t utc_type = { 0, false, "UTC" };

/* ---- calendar helpers (unix seconds) ---- */

static int64_t floordiv64(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

static int year_of(int64_t unix_secs)
{
    int y, m, d;
    int64_t days = floordiv64(unix_secs, SECS_PER_DAY);
    if (days > 100000000)
        days = 100000000;
    if (days < -100000000)
        days = -100000000;
    dt_j2date((int)(days + DT_UNIX_EPOCH_JDATE), &y, &m, &d);
    return y;
}

static bool leap_year(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* rdate_secs - unix seconds (local wall clock read as UTC) of a rule date in year y */
static int64_t rdate_secs(const tz_rdate_t *r, int y)
{
    int64_t jan1 = dt_date2j(y, 1, 1);
    int64_t yday;
    if (r->kind == 'J')
        yday = r->day - 1 + (leap_year(y) && r->day >= 60 ? 1 : 0);
    else if (r->kind == 'D')
        yday = r->day;
    else {
        int first = dt_date2j(y, r->month, 1);
        int wd1 = (first + 1) % 7; /* 0 = Sunday */
        int d = 1 + (r->wday - wd1 + 7) % 7 + (r->week - 1) * 7;
        int dim = dt_days_in_month(y, r->month);
        while (d > dim)
            d -= 7;
        yday = first + d - 1 - jan1;
    }
    return (jan1 + yday - DT_UNIX_EPOCH_JDATE) * SECS_PER_DAY + r->secs;
}

/* rule_bounds - the UTC instants DST starts and ends in year y */
static void rule_bounds(const tz_rule_t *r, int y, int64_t *start, int64_t *end)
{
    *start = rdate_secs(&r->start, y) - r->std.off;
    *end = rdate_secs(&r->end, y) - r->dst.off;
}

static const tz_type_t *rule_type(const tz_rule_t *r, int64_t t)
{
    if (!r->has_dst)
        return &r->std;
    int64_t s, e;
    rule_bounds(r, year_of(t + r->std.off), &s, &e);
    bool dst = s < e ? (t >= s && t < e) : !(t >= e && t < s);
    return dst ? &r->dst : &r->std;
}

/* ---- POSIX TZ strings ---- */

static const char *parse_abbr(const char *p, char *out)
{
    size_t n = 0;
    if (*p == '<') {
        p++;
        while (*p && *p != '>') {
            /* ':' too: the names of hour offsets ("<-03:30>+03:30") read back */
            if (!isalnum((unsigned char)*p) && *p != '+' && *p != '-' && *p != ':')
                return NULL;
            if (n < TZ_ABBR_MAX - 1)
                out[n++] = *p;
            p++;
        }
        if (*p != '>' || n < 3)
            return NULL;
        p++;
    } else {
        while (isalpha((unsigned char)*p)) {
            if (n < TZ_ABBR_MAX - 1)
                out[n++] = *p;
            p++;
        }
        if (n < 3)
            return NULL;
    }
    out[n] = '\0';
    return p;
}

static const char *parse_num(const char *p, int *v, int lo, int hi)
{
    if (!isdigit((unsigned char)*p))
        return NULL;
    int x = 0;
    while (isdigit((unsigned char)*p)) {
        x = x * 10 + (*p++ - '0');
        if (x > hi)
            return NULL;
    }
    if (x < lo)
        return NULL;
    *v = x;
    return p;
}

/* parse_secs - [+-]hh[:mm[:ss]], hours up to maxh; as written (POSIX offsets
 * are west-positive) */
static const char *parse_secs(const char *p, int32_t *secs, int maxh)
{
    int sign = 1, h, m = 0, s = 0;
    if (*p == '+' || *p == '-')
        sign = *p++ == '-' ? -1 : 1;
    if (!(p = parse_num(p, &h, 0, maxh)))
        return NULL;
    if (*p == ':') {
        if (!(p = parse_num(p + 1, &m, 0, 59)))
            return NULL;
        if (*p == ':' && !(p = parse_num(p + 1, &s, 0, 59)))
            return NULL;
    }
    *secs = sign * (h * 3600 + m * 60 + s);
    return p;
}

static const char *parse_rdate(const char *p, tz_rdate_t *r)
{
    memset(r, 0, sizeof *r);
    if (*p == 'J') {
        r->kind = 'J';
        p = parse_num(p + 1, &r->day, 1, 365);
    } else if (*p == 'M') {
        r->kind = 'M';
        if (!(p = parse_num(p + 1, &r->month, 1, 12)) || *p != '.')
            return NULL;
        if (!(p = parse_num(p + 1, &r->week, 1, 5)) || *p != '.')
            return NULL;
        p = parse_num(p + 1, &r->wday, 0, 6);
    } else {
        r->kind = 'D';
        p = parse_num(p, &r->day, 0, 365);
    }
    if (!p)
        return NULL;
    r->secs = 2 * 3600;
    if (*p == '/')
        p = parse_secs(p + 1, &r->secs, 167);
    return p;
}

/* parse_posix - a POSIX TZ string; DST without rules takes the US rules, as
 * PostgreSQL's "posixrules" default does. */
static int parse_posix(const char *p, tz_rule_t *r)
{
    memset(r, 0, sizeof *r);
    int32_t off;
    if (!(p = parse_abbr(p, r->std.abbr)) || !(p = parse_secs(p, &off, 24)))
        return -1;
    r->std.off = -off;
    if (*p) {
        r->has_dst = true;
        r->dst.dst = true;
        if (!(p = parse_abbr(p, r->dst.abbr)))
            return -1;
        r->dst.off = r->std.off + 3600;
        if (*p && *p != ',') {
            if (!(p = parse_secs(p, &off, 24)))
                return -1;
            r->dst.off = -off;
        }
        if (*p == ',') {
            if (!(p = parse_rdate(p + 1, &r->start)) || *p != ',' || !(p = parse_rdate(p + 1, &r->end)))
                return -1;
        } else {
            r->start = (tz_rdate_t){ 'M', 0, 3, 2, 0, 2 * 3600 };
            r->end = (tz_rdate_t){ 'M', 0, 11, 1, 0, 2 * 3600 };
        }
        if (*p)
            return -1;
    }
    r->valid = true;
    return 0;
}

/* ---- TZif ---- */

static uint32_t be32(const unsigned char *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static int64_t be64(const unsigned char *b)
{
    return (int64_t)((uint64_t)be32(b) << 32 | be32(b + 4));
}

static void zone_free(dt_zone_t *z)
{
    if (!z)
        return;
    mem_free(z->name);
    mem_free(z->at);
    mem_free(z->idx);
    mem_free(z->types);
    mem_free(z);
}

static dt_zone_t *zone_alloc(const char *name, int n, int ntypes)
{
    dt_zone_t *z = mem_calloc(1, sizeof *z);
    if (!z)
        return NULL;
    z->name = mem_strdup(name);
    z->n = n;
    z->ntypes = ntypes;
    z->at = mem_calloc((size_t)(n > 0 ? n : 1), sizeof *z->at);
    z->idx = mem_calloc((size_t)(n > 0 ? n : 1), 1);
    z->types = mem_calloc((size_t)(ntypes > 0 ? ntypes : 1), sizeof *z->types);
    if (!z->name || !z->at || !z->idx || !z->types) {
        zone_free(z);
        return NULL;
    }
    return z;
}

/* parse_tzif - a zone of a TZif file's bytes; NULL when malformed or when it
 * has leap seconds */
static dt_zone_t *parse_tzif(const char *name, const unsigned char *b, size_t len)
{
    if (len < 44 || memcmp(b, "TZif", 4) != 0)
        return NULL;
    int ver = b[4];
    size_t pos = 0;
    int tsz = 4;
    for (int pass = 0; pass < 2; pass++) {
        if (len - pos < 44 || memcmp(b + pos, "TZif", 4) != 0)
            return NULL;
        const unsigned char *h = b + pos + 20;
        uint32_t isut = be32(h), isstd = be32(h + 4), leap = be32(h + 8), timecnt = be32(h + 12),
                 typecnt = be32(h + 16), charcnt = be32(h + 20);
        if (timecnt > 100000 || typecnt > 256 || charcnt > 65536 || leap > 100000 || isut > 256 || isstd > 256)
            return NULL;
        size_t body = (size_t)timecnt * (size_t)tsz + timecnt + typecnt * 6 + charcnt +
                      (size_t)leap * (size_t)(tsz + 4) + isstd + isut;
        if (len - pos - 44 < body)
            return NULL;
        if (pass == 0 && ver >= '2') {
            pos += 44 + body;
            tsz = 8;
            continue;
        }
        if (leap > 0 || typecnt == 0)
            return NULL;
        const unsigned char *d = b + pos + 44;
        dt_zone_t *z = zone_alloc(name, (int)timecnt, (int)typecnt);
        if (!z)
            return NULL;
        for (uint32_t i = 0; i < timecnt; i++)
            z->at[i] = tsz == 8 ? be64(d + i * 8) : (int32_t)be32(d + i * 4);
        d += (size_t)timecnt * (size_t)tsz;
        for (uint32_t i = 0; i < timecnt; i++)
            if ((z->idx[i] = d[i]) >= typecnt)
                goto bad;
        d += timecnt;
        const unsigned char *chars = d + typecnt * 6;
        for (uint32_t i = 0; i < typecnt; i++) {
            const unsigned char *t = d + i * 6;
            z->types[i].off = (int32_t)be32(t);
            z->types[i].dst = t[4] != 0;
            if (t[5] >= charcnt)
                goto bad;
            size_t k = 0;
            for (const unsigned char *c = chars + t[5]; c < chars + charcnt && *c && k < TZ_ABBR_MAX - 1; c++)
                z->types[i].abbr[k++] = (char)*c;
            z->types[i].abbr[k] = '\0';
        }
        pos += 44 + body;
        /* the footer: "\n" POSIX-TZ "\n" (version 2 on) */
        if (tsz == 8 && pos < len && b[pos] == '\n') {
            const unsigned char *e = memchr(b + pos + 1, '\n', len - pos - 1);
            if (e && e - (b + pos + 1) < 128 && e > b + pos + 1) {
                char tzs[128];
                memcpy(tzs, b + pos + 1, (size_t)(e - (b + pos + 1)));
                tzs[e - (b + pos + 1)] = '\0';
                if (parse_posix(tzs, &z->rule) < 0)
                    memset(&z->rule, 0, sizeof z->rule);
            }
        }
        return z;
    bad:
        zone_free(z);
        return NULL;
    }
    return NULL;
}

static dt_zone_t *load_file(const char *path, const char *name)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    unsigned char *buf = mem_malloc(TZ_MAX_FILE);
    dt_zone_t *z = NULL;
    if (buf) {
        size_t n = fread(buf, 1, TZ_MAX_FILE, f);
        if (n < TZ_MAX_FILE)
            z = parse_tzif(name, buf, n);
        mem_free(buf);
    }
    fclose(f);
    return z;
}

/* find_file - the tzdata file of name, each path component matched
 * case-insensitively as PostgreSQL's pg_open_tzfile does; canon gets the
 * file's spelling. */
static int find_file(const char *dir, const char *name, char *path, size_t cap, char *canon, size_t ccap)
{
    if (!*name || *name == '/' || strlen(name) >= ccap)
        return -1;
    for (const char *p = name; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("/_+-.", *p))
            return -1;
    if (strstr(name, "..") || strlen(dir) + strlen(name) + 2 > cap)
        return -1;
    snprintf(path, cap, "%s", dir);
    canon[0] = '\0';
    const char *p = name;
    while (*p) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        if (n == 0)
            return -1;
        DIR *d = opendir(path);
        if (!d)
            return -1;
        const struct dirent *de;
        bool found = false;
        while ((de = readdir(d))) {
            if (strlen(de->d_name) == n && strncasecmp(de->d_name, p, n) == 0) {
                size_t pl = strlen(path), cl = strlen(canon);
                if (pl + n + 2 > cap || cl + n + 2 > ccap)
                    break;
                path[pl] = '/';
                memcpy(path + pl + 1, de->d_name, n);
                path[pl + 1 + n] = '\0';
                if (cl)
                    canon[cl++] = '/';
                memcpy(canon + cl, de->d_name, n);
                canon[cl + n] = '\0';
                found = true;
                break;
            }
        }
        closedir(d);
        if (!found)
            return -1;
        p += n;
        if (*p == '/')
            p++;
    }
    return 0;
}

static dt_zone_t *fixed_zone(const char *name, int32_t off, const char *abbr)
{
    dt_zone_t *z = zone_alloc(name, 0, 1);
    if (!z)
        return NULL;
    z->types[0].off = off;
    snprintf(z->types[0].abbr, TZ_ABBR_MAX, "%s", abbr);
    return z;
}

/* offset_text - "+09", "-03:30", "+05:45:10" */
static void offset_text(char *out, size_t cap, int32_t off)
{
    int32_t a = off < 0 ? -off : off;
    int h = a / 3600, m = a / 60 % 60, s = a % 60;
    if (s)
        snprintf(out, cap, "%c%02d:%02d:%02d", off < 0 ? '-' : '+', h, m, s);
    else if (m)
        snprintf(out, cap, "%c%02d:%02d", off < 0 ? '-' : '+', h, m);
    else
        snprintf(out, cap, "%c%02d", off < 0 ? '-' : '+', h);
}

static dt_zone_t *build_zone(const char *name)
{
    /* a number of hours east ("9", "-3.5", "+09") */
    char *end;
    double hours = strtod(name, &end);
    if (end != name && *end == '\0') {
        if (!(hours > -168 && hours < 168))
            return NULL;
        int32_t off = (int32_t)(hours * 3600 + (hours < 0 ? -0.5 : 0.5));
        char abbr[TZ_ABBR_MAX], west[TZ_ABBR_MAX], canon[48];
        offset_text(abbr, sizeof abbr, off);
        offset_text(west, sizeof west, -off);
        snprintf(canon, sizeof canon, "<%s>%s", abbr, west);
        return fixed_zone(canon, off, abbr);
    }
    const char *dir = getenv("TZDIR");
    if (!dir || !*dir)
        dir = TZ_DEFAULT_DIR;
    char path[1024], canon[256];
    if (find_file(dir, name, path, sizeof path, canon, sizeof canon) == 0) {
        dt_zone_t *z = load_file(path, canon);
        if (z)
            return z;
    }
    if (*name == ':')
        return NULL;
    tz_rule_t r;
    if (parse_posix(name, &r) < 0)
        return NULL;
    char upper[256];
    size_t k = 0;
    for (; name[k] && k < sizeof upper - 1; k++)
        upper[k] = (char)toupper((unsigned char)name[k]);
    upper[k] = '\0';
    dt_zone_t *z = zone_alloc(upper, 0, 1);
    if (!z)
        return NULL;
    z->types[0] = r.std;
    z->rule = r;
    return z;
}

const dt_zone_t *dt_zone_lookup(const char *name)
{
    if (!name)
        return NULL;
    pthread_mutex_lock(&cache_mu);
    const dt_zone_t *found = NULL;
    for (const tz_entry_t *e = cache; e; e = e->next)
        if (strcmp(e->key, name) == 0) {
            found = e->zone;
            break;
        }
    if (!found) {
        dt_zone_t *z = build_zone(name);
        tz_entry_t *e = z ? mem_calloc(1, sizeof *e) : NULL;
        char *key = e ? mem_strdup(name) : NULL;
        if (key) {
            z->next = zones;
            zones = z;
            e->key = key;
            e->zone = z;
            e->next = cache;
            cache = e;
            found = z;
        } else {
            mem_free(e);
            zone_free(z);
        }
    }
    pthread_mutex_unlock(&cache_mu);
    return found;
}

void dt_zone_cache_free(void)
{
    pthread_mutex_lock(&cache_mu);
    while (cache) {
        tz_entry_t *e = cache;
        cache = e->next;
        mem_free(e->key);
        mem_free(e);
    }
    while (zones) {
        dt_zone_t *z = zones;
        zones = z->next;
        zone_free(z);
    }
    pthread_mutex_unlock(&cache_mu);
}

const char *dt_zone_name(const dt_zone_t *z)
{
    return z ? z->name : "UTC";
}

/* PostgreSQL's Default timezone_abbreviations with fixed offsets (the
 * common ones; seconds east). They take precedence over zone names in
 * timestamptz input and AT TIME ZONE, as in PostgreSQL ('CET' is always
 * +01 there, while the tzdata zone CET has summer time). */
static const struct {
    const char *abbr;
    int off;
} abbrevs[] = {
    { "ACDT", 37800 }, { "ACST", 34200 }, { "ADT", -10800 }, { "AEDT", 39600 }, { "AEST", 36000 },
    { "AKDT", -28800 }, { "AKST", -32400 }, { "AST", -14400 }, { "AWST", 28800 }, { "BST", 3600 },
    { "CAT", 7200 }, { "CDT", -18000 }, { "CEST", 7200 }, { "CET", 3600 }, { "CST", -21600 },
    { "EAT", 10800 }, { "EDT", -14400 }, { "EEST", 10800 }, { "EET", 7200 }, { "EST", -18000 },
    { "GMT", 0 }, { "HKT", 28800 }, { "HST", -36000 }, { "IST", 7200 }, { "JST", 32400 },
    { "KST", 32400 }, { "MDT", -21600 }, { "MEST", 7200 }, { "MET", 3600 }, { "MST", -25200 },
    { "NDT", -9000 }, { "NST", -12600 }, { "NZDT", 46800 }, { "NZST", 43200 }, { "PDT", -25200 },
    { "PST", -28800 }, { "SAST", 7200 }, { "UCT", 0 }, { "UT", 0 }, { "UTC", 0 },
    { "WAT", 3600 }, { "WEST", 3600 }, { "WET", 0 }, { "Z", 0 }, { "ZULU", 0 },
};

int dt_zone_abbrev(const char *p, size_t n, int *off)
{
    for (size_t i = 0; i < sizeof abbrevs / sizeof abbrevs[0]; i++)
        if (strlen(abbrevs[i].abbr) == n && strncasecmp(abbrevs[i].abbr, p, n) == 0) {
            *off = abbrevs[i].off;
            return 0;
        }
    return -1;
}

/* ---- offsets ---- */

static const tz_type_t *type_at(const dt_zone_t *z, int64_t t)
{
    if (!z)
        return &utc_type;
    if (z->n == 0)
        return z->rule.valid ? rule_type(&z->rule, t) : &z->types[0];
    if (t < z->at[0])
        return &z->types[0];
    if (t >= z->at[z->n - 1])
        return z->rule.valid ? rule_type(&z->rule, t) : &z->types[z->idx[z->n - 1]];
    int lo = 0, hi = z->n - 1; /* at[lo] <= t < at[hi] */
    while (hi - lo > 1) {
        int mid = lo + (hi - lo) / 2;
        if (z->at[mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    return &z->types[z->idx[lo]];
}

static int64_t unix_secs(int64_t ts)
{
    return floordiv64(ts, DT_USECS_PER_SEC) + UNIX_TO_PG_SECS;
}

int dt_zone_offset(const dt_zone_t *z, int64_t ts, const char **abbr)
{
    const tz_type_t *t = type_at(z, unix_secs(ts));
    if (abbr)
        *abbr = t->abbr;
    return t->off;
}

/* next_boundary - the first transition after t: 1 with *at, else 0 */
static int next_boundary(const dt_zone_t *z, int64_t t, int64_t *at)
{
    if (!z)
        return 0;
    if (z->n > 0 && t < z->at[z->n - 1]) {
        int lo = 0, hi = z->n - 1; /* first at[i] > t */
        while (lo < hi) {
            int mid = lo + (hi - lo) / 2;
            if (z->at[mid] > t)
                hi = mid;
            else
                lo = mid + 1;
        }
        *at = z->at[lo];
        return 1;
    }
    if (!z->rule.valid || !z->rule.has_dst)
        return 0;
    int y = year_of(t);
    bool have = false;
    for (int yy = y - 1; yy <= y + 1; yy++) {
        int64_t b[2];
        rule_bounds(&z->rule, yy, &b[0], &b[1]);
        for (int i = 0; i < 2; i++)
            if (b[i] > t && (!have || b[i] < *at)) {
                *at = b[i];
                have = true;
            }
    }
    return have ? 1 : 0;
}

int dt_zone_local_offset(const dt_zone_t *z, int64_t local)
{
    if (!z)
        return 0;
    int64_t t = unix_secs(local);
    int64_t prev = t - SECS_PER_DAY, boundary = 0;
    int before = type_at(z, prev)->off;
    if (!next_boundary(z, prev, &boundary))
        return before;
    int after = type_at(z, boundary)->off;
    int64_t bt = t - before, at = t - after;
    if (bt < boundary && at < boundary)
        return before;
    if (bt > boundary && at >= boundary)
        return after;
    /* in a gap (spring forward) the offset before, in an overlap the one after */
    return bt > at ? before : after;
}

int64_t dt_zone_to_local(const dt_zone_t *z, int64_t ts)
{
    if (ts == DT_NOBEGIN || ts == DT_NOEND || !z)
        return ts;
    return ts + (int64_t)dt_zone_offset(z, ts, NULL) * DT_USECS_PER_SEC;
}

int64_t dt_zone_from_local(const dt_zone_t *z, int64_t local)
{
    if (local == DT_NOBEGIN || local == DT_NOEND || !z)
        return local;
    return local - (int64_t)dt_zone_local_offset(z, local) * DT_USECS_PER_SEC;
}

const dt_zone_t *dt_zone_set(const dt_zone_t *z)
{
    const dt_zone_t *prev = cur_zone;
    cur_zone = z;
    return prev;
}

const dt_zone_t *dt_zone_current(void)
{
    return cur_zone;
}
