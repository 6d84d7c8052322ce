/*
 * ssbgen.c - Star Schema Benchmark data: row generation and parallel writing.
 *
 * What it does: turns (scale factor, table, unit index) into the text of SSB
 * rows as dbgen prints them ('|' after every field, trailing one included;
 * dates as yyyymmdd), following the rules of ../shared/reference/ssb.md:
 * value domains, cardinalities, derived prices, the sparse order key, the
 * one-in-three customers that never order, dbgen's date-table quirks
 * (shifted day names, "Augest"/"Octorber", inverted last-day-of-month flag,
 * 1998-12-31 missing) and its lo_partkey range (natural log).
 *
 * What it does not do: reproduce dbgen's bytes. dbgen draws from 48
 * sequential Park-Miller streams; here every value comes from a counter-based
 * hash of (stream, row), so any chunk can be generated alone, threads need no
 * coordination and the output does not depend on the thread count.
 *
 * Interface (include/tools/ssbgen.h): ssbgen_scale_init, ssbgen_units,
 * ssbgen_gen_chunk (pure, thread-safe), ssbgen_write_table (worker threads
 * generate chunks, the owner of the next chunk in file order writes it).
 */
#include "tools/ssbgen.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/mem.h"

#define N_ELEMS(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* ---- value lists (TPC-H / SSB dists.dss contents) ---- */

static const char *const nations[25] = {
    "ALGERIA", "ARGENTINA", "BRAZIL", "CANADA", "EGYPT", "ETHIOPIA", "FRANCE", "GERMANY",
    "INDIA", "INDONESIA", "IRAN", "IRAQ", "JAPAN", "JORDAN", "KENYA", "MOROCCO", "MOZAMBIQUE",
    "PERU", "CHINA", "ROMANIA", "SAUDI ARABIA", "VIETNAM", "RUSSIA", "UNITED KINGDOM", "UNITED STATES",
};
static const char *const regions[5] = { "AFRICA", "AMERICA", "ASIA", "EUROPE", "MIDDLE EAST" };
static const unsigned char nation_region[25] = {
    0, 1, 1, 1, 4, 0, 3, 3, 2, 2, 4, 4, 2, 4, 0, 0, 0, 1, 2, 3, 4, 2, 3, 3, 1,
};
static const char *const segments[5] = { "AUTOMOBILE", "BUILDING", "FURNITURE", "HOUSEHOLD", "MACHINERY" };
static const char *const priorities[5] = { "1-URGENT", "2-HIGH", "3-MEDIUM", "4-NOT SPECIFIED", "5-LOW" };
static const char *const shipmodes[7] = { "REG AIR", "AIR", "RAIL", "TRUCK", "MAIL", "FOB", "SHIP" };
static const char *const colors[] = {
    "almond", "antique", "aquamarine", "azure", "beige", "bisque", "black", "blanched", "blue",
    "blush", "brown", "burlywood", "burnished", "chartreuse", "chiffon", "chocolate", "coral",
    "cornflower", "cornsilk", "cream", "cyan", "dark", "deep", "dim", "dodger", "drab", "firebrick",
    "floral", "forest", "frosted", "gainsboro", "ghost", "goldenrod", "green", "grey", "honeydew",
    "hot", "indian", "ivory", "khaki", "lace", "lavender", "lawn", "lemon", "light", "lime", "linen",
    "magenta", "maroon", "medium", "metallic", "midnight", "mint", "misty", "moccasin", "navajo",
    "navy", "olive", "orange", "orchid", "pale", "papaya", "peach", "peru", "pink", "plum", "powder",
    "puff", "purple", "red", "rose", "rosy", "royal", "saddle", "salmon", "sandy", "seashell",
    "sienna", "sky", "slate", "smoke", "snow", "spring", "steel", "tan", "thistle", "tomato",
    "turquoise", "violet", "wheat", "white", "yellow",
};
_Static_assert(sizeof(colors) / sizeof(colors[0]) == 92, "SSB has 92 colors");
static const char *const type_s1[6] = { "STANDARD", "SMALL", "MEDIUM", "LARGE", "ECONOMY", "PROMO" };
static const char *const type_s2[5] = { "ANODIZED", "BURNISHED", "PLATED", "POLISHED", "BRUSHED" };
static const char *const type_s3[5] = { "TIN", "NICKEL", "BRASS", "STEEL", "COPPER" };
static const char *const cont_s1[5] = { "SM", "LG", "MED", "JUMBO", "WRAP" };
static const char *const cont_s2[8] = { "CASE", "BOX", "BAG", "JAR", "PKG", "PACK", "CAN", "DRUM" };
/* dbgen's spellings, kept on purpose (ssb.md 5.4). */
static const char *const month_names[12] = {
    "January", "February", "March", "April", "May", "June", "July", "Augest", "September",
    "Octorber", "November", "December",
};
static const char *const day_names[7] = {
    "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
};
/* TPC-H's alphabet for random strings (V_STR): 64 characters. */
static const char alnum[] = "0123456789abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ,";
_Static_assert(sizeof(alnum) == 65, "64 characters");

static const char *const table_names[SSBGEN__COUNT] = { "lineorder", "customer", "supplier", "part", "date" };

/* ---- counter-based random numbers ---- */

enum stream {
    ST_O_DATE = 1, ST_O_CUST, ST_O_CUSTFIX, ST_O_PRIO, ST_O_LINES,
    ST_L_A, ST_L_B, ST_L_C, ST_L_D,
    ST_C_ADDR, ST_C_A, ST_C_B,
    ST_S_ADDR, ST_S_A, ST_S_B,
    ST_P_NAME, ST_P_A, ST_P_B,
};

#define GOLDEN 0x9E3779B97F4A7C15ULL

static inline uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* rnd - 64 random bits for (stream, index); no state. */
static inline uint64_t rnd(int stream, uint64_t idx)
{
    return mix64(mix64(idx * GOLDEN + 0x5353424B494C4EULL) ^ ((uint64_t)stream * 0xD1B54A32D192ED03ULL));
}

/* pick - uniform integer in [lo, hi] from 32 random bits. */
static inline int64_t pick(uint32_t bits, int64_t lo, int64_t hi)
{
    return lo + (int64_t)(((uint64_t)bits * (uint64_t)(hi - lo + 1)) >> 32);
}
#define HI32(h) ((uint32_t)((h) >> 32))
#define LO32(h) ((uint32_t)(h))

/* A splitmix64 sequence for rows that need a variable number of draws. */
typedef struct seq {
    uint64_t s;
} seq_t;
static inline uint32_t seq_next(seq_t *q)
{
    q->s += GOLDEN;
    return HI32(mix64(q->s));
}

/* ---- text output ---- */

static inline char *put_u(char *p, uint64_t v)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *p++ = tmp[--n];
    return p;
}

static inline char *put_uf(char *p, uint64_t v) /* value and separator */
{
    p = put_u(p, v);
    *p++ = '|';
    return p;
}

static inline char *put_s(char *p, const char *s)
{
    while (*s)
        *p++ = *s++;
    return p;
}

static inline char *put_sf(char *p, const char *s)
{
    p = put_s(p, s);
    *p++ = '|';
    return p;
}

static inline char *put_pad(char *p, uint64_t v, int width) /* zero-padded */
{
    for (int i = width - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return p + width;
}

/* ---- dates ---- */

static int is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
    static const int md[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    return md[m - 1] + (m == 2 && is_leap(y));
}

typedef struct ymd {
    int y, m, d, doy; /* doy 1..366 */
} ymd_t;

static ymd_t day_to_ymd(int day) /* day 0 = 1992-01-01 */
{
    ymd_t r = { 1992, 1, 1, 1 };
    while (day >= 365 + is_leap(r.y)) {
        day -= 365 + is_leap(r.y);
        r.y++;
    }
    r.doy = day + 1;
    while (day >= month_days(r.y, r.m)) {
        day -= month_days(r.y, r.m);
        r.m++;
    }
    r.d = day + 1;
    return r;
}

/* The datekey of every day an order or commit date can take, built once. */
#define DATE_SPAN 2600
static int32_t date_keys[DATE_SPAN];
static pthread_once_t date_once = PTHREAD_ONCE_INIT;

static void date_init(void)
{
    for (int i = 0; i < DATE_SPAN; i++) {
        ymd_t r = day_to_ymd(i);
        date_keys[i] = r.y * 10000 + r.m * 100 + r.d;
    }
}

int32_t ssbgen_date_key(int d)
{
    pthread_once(&date_once, date_init);
    return d >= 0 && d < DATE_SPAN ? date_keys[d] : 0;
}

int64_t ssbgen_sparse_key(int64_t i)
{
    return ((i >> 3) << 5) + (i & 7);
}

/* ---- scale ---- */

const char *ssbgen_table_name(ssbgen_table_t t)
{
    return (t >= 0 && t < SSBGEN__COUNT) ? table_names[t] : "?";
}

int ssbgen_table_parse(const char *s)
{
    static const char letters[SSBGEN__COUNT] = { 'l', 'c', 's', 'p', 'd' };
    for (int t = 0; t < SSBGEN__COUNT; t++) {
        if (strcmp(s, table_names[t]) == 0 || (s[0] == letters[t] && s[1] == '\0'))
            return t;
    }
    if (strcmp(s, "dates") == 0)
        return SSBGEN_DATE;
    return -1;
}

static int64_t scaled(double base, double sf)
{
    return (int64_t)floor(base * sf + 1e-6);
}

int ssbgen_scale_init(ssbgen_scale_t *s, double sf, err_t *err)
{
    memset(s, 0, sizeof(*s));
    if (!(sf > 0) || sf > 1000)
        return err_set(err, ERRCODE_INVALID_PARAMETER_VALUE, "scale factor %g is out of range (0, 1000]", sf);
    s->sf = sf;
    s->customers = scaled(30000, sf);
    s->suppliers = scaled(2000, sf);
    s->orders = scaled(1500000, sf);
    if (sf >= 1) {
        s->parts = 200000 * (int64_t)floor(1 + log2(sf) + 1e-12);
        s->partkey_max = 200000 * (int64_t)(floor(log(sf) + 1e-12) + 1);
    } else {
        s->parts = scaled(200000, sf);
        s->partkey_max = s->parts;
    }
    if (s->suppliers < 1 || s->customers < 1 || s->orders < 1 || s->parts < 1)
        return err_set(err, ERRCODE_INVALID_PARAMETER_VALUE,
                       "scale factor %g is too small: the supplier table would be empty (use 0.0005 or more)", sf);
    return 0;
}

int64_t ssbgen_units(const ssbgen_scale_t *s, ssbgen_table_t t)
{
    switch (t) {
    case SSBGEN_LINEORDER: return s->orders;
    case SSBGEN_CUSTOMER: return s->customers;
    case SSBGEN_SUPPLIER: return s->suppliers;
    case SSBGEN_PART: return s->parts;
    case SSBGEN_DATE: return SSBGEN_DATE_ROWS;
    default: return 0;
    }
}

/* ---- rows ---- */

/* Longest row of any table, generously (lineorder is about 130 bytes). */
#define ROW_MAX 512

static inline int64_t rprice(int64_t p)
{
    return 90000 + ((p / 10) % 20001) + (p % 1000) * 100;
}

/* city: the nation's first 9 characters padded to 9, then a digit. */
static char *put_city(char *p, int nation, int digit)
{
    const char *n = nations[nation];
    int i = 0;
    for (; i < 9 && n[i]; i++)
        *p++ = n[i];
    for (; i < 9; i++)
        *p++ = ' ';
    *p++ = (char)('0' + digit);
    *p++ = '|';
    return p;
}

/* address, city, nation, region, phone: the columns customer and supplier share. */
static char *put_place(char *p, seq_t *q, uint64_t ha, uint64_t hb)
{
    int len = (int)pick(seq_next(q), 6, 24);
    for (int i = 0; i < len; i++)
        *p++ = alnum[seq_next(q) >> 26];
    *p++ = '|';
    int nation = (int)pick(HI32(ha), 0, 24);
    p = put_city(p, nation, (int)pick(LO32(ha), 0, 9));
    p = put_sf(p, nations[nation]);
    p = put_sf(p, regions[nation_region[nation]]);
    p = put_u(p, (uint64_t)(10 + nation));
    *p++ = '-';
    p = put_u(p, (uint64_t)pick(HI32(hb), 100, 999));
    *p++ = '-';
    p = put_u(p, (uint64_t)pick(LO32(hb), 100, 999));
    *p++ = '-';
    p = put_u(p, (uint64_t)pick(seq_next(q), 1000, 9999));
    *p++ = '|';
    return p;
}

static char *gen_customer(char *p, int64_t key)
{
    p = put_uf(p, (uint64_t)key);
    p = put_s(p, "Customer#");
    p = put_pad(p, (uint64_t)key, 9);
    *p++ = '|';
    seq_t q = { rnd(ST_C_ADDR, (uint64_t)key) };
    p = put_place(p, &q, rnd(ST_C_A, (uint64_t)key), rnd(ST_C_B, (uint64_t)key));
    p = put_sf(p, segments[pick(seq_next(&q), 0, 4)]);
    return p;
}

static char *gen_supplier(char *p, int64_t key)
{
    p = put_uf(p, (uint64_t)key);
    p = put_s(p, "Supplier#");
    p = put_pad(p, (uint64_t)key, 9);
    *p++ = '|';
    seq_t q = { rnd(ST_S_ADDR, (uint64_t)key) };
    return put_place(p, &q, rnd(ST_S_A, (uint64_t)key), rnd(ST_S_B, (uint64_t)key));
}

static char *gen_part(char *p, int64_t key)
{
    seq_t q = { rnd(ST_P_NAME, (uint64_t)key) };
    int c[3];
    c[0] = (int)pick(seq_next(&q), 0, 91);
    do
        c[1] = (int)pick(seq_next(&q), 0, 91);
    while (c[1] == c[0]);
    do
        c[2] = (int)pick(seq_next(&q), 0, 91);
    while (c[2] == c[0] || c[2] == c[1]);
    uint64_t ha = rnd(ST_P_A, (uint64_t)key), hb = rnd(ST_P_B, (uint64_t)key);
    int mfgr = (int)pick(HI32(ha), 1, 5);
    int cat = (int)pick(LO32(ha), 1, 5);
    int brand = (int)pick(HI32(hb), 1, 40);
    int type = (int)pick(LO32(hb), 0, 149);
    p = put_uf(p, (uint64_t)key);
    p = put_s(p, colors[c[1]]);
    *p++ = ' ';
    p = put_sf(p, colors[c[2]]);
    p = put_s(p, "MFGR#");
    *p++ = (char)('0' + mfgr);
    *p++ = '|';
    p = put_s(p, "MFGR#");
    *p++ = (char)('0' + mfgr);
    *p++ = (char)('0' + cat);
    *p++ = '|';
    p = put_s(p, "MFGR#");
    *p++ = (char)('0' + mfgr);
    *p++ = (char)('0' + cat);
    p = put_uf(p, (uint64_t)brand);
    p = put_sf(p, colors[c[0]]);
    p = put_s(p, type_s1[type / 25]);
    *p++ = ' ';
    p = put_s(p, type_s2[(type / 5) % 5]);
    *p++ = ' ';
    p = put_sf(p, type_s3[type % 5]);
    p = put_uf(p, (uint64_t)pick(seq_next(&q), 1, 50));
    int cont = (int)pick(seq_next(&q), 0, 39);
    p = put_s(p, cont_s1[cont / 8]);
    *p++ = ' ';
    p = put_sf(p, cont_s2[cont % 8]);
    return p;
}

static char *gen_date(char *p, int day)
{
    ymd_t r = day_to_ymd(day);
    int wday = (3 + day) % 7; /* 1992-01-01 was a Wednesday (tm_wday 3) */
    int dnw = ((wday + 1) % 7) + 1; /* dbgen's formula: one day off */
    const char *mname = month_names[r.m - 1];
    p = put_uf(p, (uint64_t)(r.y * 10000 + r.m * 100 + r.d));
    p = put_s(p, mname);
    *p++ = ' ';
    p = put_u(p, (uint64_t)r.d);
    *p++ = ',';
    *p++ = ' ';
    p = put_uf(p, (uint64_t)r.y);
    p = put_sf(p, day_names[dnw - 1]);
    p = put_sf(p, mname);
    p = put_uf(p, (uint64_t)r.y);
    p = put_uf(p, (uint64_t)(r.y * 100 + r.m));
    *p++ = mname[0];
    *p++ = mname[1];
    *p++ = mname[2];
    p = put_uf(p, (uint64_t)r.y);
    p = put_uf(p, (uint64_t)dnw);
    p = put_uf(p, (uint64_t)r.d);
    p = put_uf(p, (uint64_t)r.doy);
    p = put_uf(p, (uint64_t)r.m);
    p = put_uf(p, (uint64_t)(r.doy / 7 + 1));
    const char *season = r.m <= 3 ? "Winter" : r.m == 4 ? "Spring" : r.m <= 8 ? "Summer" : r.m <= 10 ? "Fall" : "Christmas";
    p = put_sf(p, season);
    p = put_sf(p, dnw == 7 ? "1" : "0");
    p = put_sf(p, r.d == month_days(r.y, r.m) ? "0" : "1"); /* inverted, as dbgen */
    int holiday = (r.m == 12 && r.d == 24) || (r.m == 1 && r.d == 1) ||
                  (r.d == 20 && r.m != 1 && r.m != 3 && r.m != 6 && r.m != 12);
    p = put_sf(p, holiday ? "1" : "0");
    p = put_sf(p, (dnw == 1 || dnw == 7) ? "0" : "1");
    return p;
}

typedef struct line {
    int64_t partkey, suppkey, ext, revenue, supplycost;
    int qty, disc, tax, commit, shipmode;
} line_t;

/* gen_order - the 1..7 lineorder rows of 1-based order i into out; returns rows. */
static int gen_order(const ssbgen_scale_t *s, int64_t i, buf_t *out)
{
    uint64_t u = (uint64_t)i;
    int day = (int)pick(HI32(rnd(ST_O_DATE, u)), 0, 2405);
    int64_t okey = ssbgen_sparse_key(i);
    int64_t cust = pick(HI32(rnd(ST_O_CUST, u)), 1, s->customers);
    if (cust % 3 == 0) { /* dbgen's CUST_MORTALITY: a third of customers never order */
        if (cust == s->customers || (rnd(ST_O_CUSTFIX, u) & 1))
            cust--;
        else
            cust++;
    }
    uint64_t hp = rnd(ST_O_PRIO, u);
    int prio = (int)pick(HI32(hp), 0, 4);
    int nlines = (int)pick(LO32(hp), 1, 7);
    line_t l[7];
    int64_t total = 0;
    for (int k = 0; k < nlines; k++) {
        uint64_t idx = u * 8 + (uint64_t)k;
        uint64_t ha = rnd(ST_L_A, idx), hb = rnd(ST_L_B, idx), hc = rnd(ST_L_C, idx);
        l[k].partkey = pick(HI32(ha), 1, s->partkey_max);
        l[k].suppkey = pick(LO32(ha), 1, s->suppliers);
        l[k].qty = (int)pick(HI32(hb), 1, 50);
        l[k].disc = (int)pick(LO32(hb), 0, 10);
        l[k].tax = (int)pick(HI32(hc), 0, 8);
        l[k].commit = day + (int)pick(LO32(hc), 30, 90);
        l[k].shipmode = (int)pick(HI32(rnd(ST_L_D, idx)), 0, 6);
        int64_t rp = rprice(l[k].partkey);
        l[k].ext = rp * l[k].qty;
        l[k].revenue = l[k].ext * (100 - l[k].disc) / 100;
        l[k].supplycost = 6 * rp / 10;
        total += l[k].revenue * (100 + l[k].tax) / 100;
    }
    buf_reserve(out, (size_t)nlines * ROW_MAX);
    char *p = out->data + out->len;
    for (int k = 0; k < nlines; k++) {
        p = put_uf(p, (uint64_t)okey);
        p = put_uf(p, (uint64_t)(k + 1));
        p = put_uf(p, (uint64_t)cust);
        p = put_uf(p, (uint64_t)l[k].partkey);
        p = put_uf(p, (uint64_t)l[k].suppkey);
        p = put_uf(p, (uint64_t)date_keys[day]);
        p = put_sf(p, priorities[prio]);
        *p++ = '0';
        *p++ = '|';
        p = put_uf(p, (uint64_t)l[k].qty);
        p = put_uf(p, (uint64_t)l[k].ext);
        p = put_uf(p, (uint64_t)total);
        p = put_uf(p, (uint64_t)l[k].disc);
        p = put_uf(p, (uint64_t)l[k].revenue);
        p = put_uf(p, (uint64_t)l[k].supplycost);
        p = put_uf(p, (uint64_t)l[k].tax);
        p = put_uf(p, (uint64_t)date_keys[l[k].commit]);
        p = put_sf(p, shipmodes[l[k].shipmode]);
        *p++ = '\n';
    }
    out->len = (size_t)(p - out->data);
    return nlines;
}

int64_t ssbgen_gen_chunk(const ssbgen_scale_t *s, ssbgen_table_t t, int64_t first, int64_t count, buf_t *out)
{
    pthread_once(&date_once, date_init);
    int64_t rows = 0;
    for (int64_t u = first; u < first + count; u++) {
        if (t == SSBGEN_LINEORDER) {
            rows += gen_order(s, u + 1, out);
            continue;
        }
        buf_reserve(out, ROW_MAX);
        char *p = out->data + out->len;
        switch (t) {
        case SSBGEN_CUSTOMER: p = gen_customer(p, u + 1); break;
        case SSBGEN_SUPPLIER: p = gen_supplier(p, u + 1); break;
        case SSBGEN_PART: p = gen_part(p, u + 1); break;
        case SSBGEN_DATE: p = gen_date(p, (int)u); break;
        default: return rows;
        }
        *p++ = '\n';
        out->len = (size_t)(p - out->data);
        rows++;
    }
    return rows;
}

/* ---- parallel writer ---- */

typedef struct writer {
    const ssbgen_scale_t *scale;
    ssbgen_table_t table;
    int64_t units, chunk, nchunks;
    int fd;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int64_t next_claim, next_write;
    int failed_errno;
    int64_t rows;
    uint64_t bytes;
} writer_t;

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static void *writer_main(void *arg)
{
    writer_t *w = arg;
    buf_t b = BUF_INIT;
    for (;;) {
        pthread_mutex_lock(&w->mu);
        int64_t k = w->failed_errno ? w->nchunks : w->next_claim++;
        pthread_mutex_unlock(&w->mu);
        if (k >= w->nchunks)
            break;
        buf_reset(&b);
        int64_t first = k * w->chunk;
        int64_t n = first + w->chunk > w->units ? w->units - first : w->chunk;
        int64_t rows = ssbgen_gen_chunk(w->scale, w->table, first, n, &b);
        pthread_mutex_lock(&w->mu);
        while (w->next_write != k && !w->failed_errno)
            pthread_cond_wait(&w->cv, &w->mu);
        int failed = w->failed_errno;
        pthread_mutex_unlock(&w->mu);
        if (failed)
            break;
        int e = write_all(w->fd, b.data, b.len); /* only the owner of next_write writes */
        pthread_mutex_lock(&w->mu);
        if (e)
            w->failed_errno = e;
        w->rows += rows;
        w->bytes += b.len;
        w->next_write++;
        pthread_cond_broadcast(&w->cv);
        pthread_mutex_unlock(&w->mu);
        if (e)
            break;
    }
    buf_free(&b);
    return NULL;
}

int ssbgen_write_table(const ssbgen_scale_t *s, ssbgen_table_t t, const char *dir, int threads,
                       ssbgen_stats_t *st, err_t *err)
{
    char path[4096], tmp[4200];
    if (t < 0 || t >= SSBGEN__COUNT)
        return err_set(err, ERRCODE_INVALID_PARAMETER_VALUE, "unknown SSB table %d", (int)t);
    if ((size_t)snprintf(path, sizeof(path), "%s/%s.tbl", dir, table_names[t]) >= sizeof(path))
        return err_set(err, ERRCODE_INVALID_PARAMETER_VALUE, "output directory name is too long");
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    if (threads <= 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n > 0 ? (int)n : 1;
    }
    if (threads > 64)
        threads = 64;

    writer_t w;
    memset(&w, 0, sizeof(w));
    w.scale = s;
    w.table = t;
    w.units = ssbgen_units(s, t);
    w.chunk = t == SSBGEN_LINEORDER ? 8192 : 16384;
    w.nchunks = (w.units + w.chunk - 1) / w.chunk;
    if (threads > w.nchunks)
        threads = (int)(w.nchunks ? w.nchunks : 1);
    w.fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (w.fd < 0)
        return err_set(err, ERRCODE_IO_ERROR, "could not create file \"%s\": %s", tmp, strerror(errno));
    pthread_mutex_init(&w.mu, NULL);
    pthread_cond_init(&w.cv, NULL);

    pthread_t *tids = mem_calloc((size_t)threads, sizeof(pthread_t));
    int started = 0;
    for (int i = 0; i < threads; i++) {
        if (pthread_create(&tids[i], NULL, writer_main, &w) != 0)
            break;
        started++;
    }
    if (started == 0)
        writer_main(&w); /* no thread could start: do it here */
    for (int i = 0; i < started; i++)
        pthread_join(tids[i], NULL);
    mem_free(tids);
    pthread_mutex_destroy(&w.mu);
    pthread_cond_destroy(&w.cv);

    int rc = 0;
    if (w.failed_errno)
        rc = err_set(err, ERRCODE_IO_ERROR, "could not write file \"%s\": %s", tmp, strerror(w.failed_errno));
    if (close(w.fd) != 0 && rc == 0)
        rc = err_set(err, ERRCODE_IO_ERROR, "could not write file \"%s\": %s", tmp, strerror(errno));
    if (rc == 0 && rename(tmp, path) != 0)
        rc = err_set(err, ERRCODE_IO_ERROR, "could not rename \"%s\" to \"%s\": %s", tmp, path, strerror(errno));
    if (rc != 0) {
        unlink(tmp);
        return rc;
    }
    if (st) {
        st->rows = w.rows;
        st->bytes = w.bytes;
    }
    return 0;
}
