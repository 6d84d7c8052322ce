/*
 * filescan.c - the source-file reader: PostgreSQL COPY FROM's csv and text
 * formats parsed straight into typed column batches.
 *
 * Source files are the input of every cube build and of raw queries, so this
 * is the hot path of the catalog. Two paths per record:
 *
 *  - fast_row: one pass over the bytes of the record that converts integers,
 *    dates and plain numerics while scanning them, and points strings into
 *    the read buffer. It accepts only the plain shape (no quotes, escapes,
 *    spaces, signs other than '-', or values past what it converts exactly)
 *    and otherwise gives up without side effects on the scan position.
 *  - slow_row: PostgreSQL's algorithm (CopyReadAttributesCSV / Text: quotes
 *    anywhere in a field, escapes, the NULL marker matched on the raw field,
 *    backslash sequences, "\." end marker), then each type's own input
 *    function (types.h type_in_text). It produces every value and error a
 *    record can give, with PostgreSQL's messages.
 * Both paths agree on every record the fast one accepts (tests compare them).
 *
 * Buffering: read() into a buffer of FS_BUFSIZE (grown when one record is
 * larger); the parsed region always ends just after a '\n', so the fast
 * scanners need no bounds checks: every scan loop stops at '\n'. A final line
 * without a newline gets one appended in the padding. A batch ends early when
 * the region is used up, so strings of a batch never move under it.
 *
 * Line numbers are PostgreSQL's: records read, header included (a quoted
 * newline does not start a new line number).
 * Not here: binary format, program, encodings other than UTF-8, FORCE_NULL.
 */
#include "catalog/filescan.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog_int.h"
#include "types/datetime.h"
#include "types/numeric.h"
#include "types/value.h"

#define FS_BUFSIZE ((size_t)4 << 20)
#define FS_PAD 64 /* zeroed bytes after the data (+16 for an appended newline) */

/* How a column is converted on the fast path. */
enum {
    FK_SKIP,    /* not needed: only find its end */
    FK_INT2,
    FK_INT4,
    FK_INT8,
    FK_DATE,
    FK_NUMERIC,
    FK_FLOAT,
    FK_TEXT,    /* text, varchar, name: zero-copy (with a length check for varchar(n)) */
    FK_OTHER,   /* anything else: find the end, then type_in_text */
};

/* Byte classes for the field scanners. */
#define CL_STOP 1   /* delimiter, '\n', '\r': a field may end here */
#define CL_SPECIAL 2 /* quote (csv), backslash (text), NUL: only the slow path knows */
#define CL_HIGH 4   /* non-ASCII: check UTF-8 */

typedef struct fs_col {
    int kind;
    type_oid_t type;
    int32_t typmod;
    uint64_t imax;     /* integers: largest magnitude of a positive value */
    uint32_t maxchars; /* varchar(n)/name: n (0 none) */
    int nscale;        /* numeric(p,s): s, or -1 without typmod */
    int nprec;         /* numeric(p,s): p */
} fs_col_t;

struct catalog_filescan {
    int fd;
    const char *path;
    const char *relname;
    catalog_copy_opts_t o;
    int ncols;
    const exec_relcol_t *cols;
    fs_col_t *col;
    uint8_t cls[256];

    char *buf;      /* cap + FS_PAD bytes */
    size_t cap;
    char *pos;      /* next record */
    char *lim;      /* end of the complete records (just after a '\n') */
    char *end;      /* end of the data read */
    bool eof;       /* read() returned 0 */
    bool done;      /* end of data (EOF or "\.") */
    bool header_done;
    int64_t lineno; /* records consumed, header included */
    uint64_t bytes;
    mem_arena_t *arena;
};

/* ---- UTF-8 ---- */

/* Length of the valid UTF-8 sequence at p (at most n bytes), 0 if invalid. */
static inline size_t utf8_seq(const unsigned char *p, size_t n)
{
    unsigned c = p[0];
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        return n >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (n < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
            return 0;
        if ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] > 0x9F))
            return 0;
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (n < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80)
            return 0;
        if ((c == 0xF0 && p[1] < 0x90) || (c == 0xF4 && p[1] > 0x8F))
            return 0;
        return 4;
    }
    return 0;
}

size_t catalog__utf8_valid_prefix(const char *p, size_t n)
{
    const unsigned char *s = (const unsigned char *)p;
    size_t i = 0;
    while (i < n) {
        if (s[i] < 0x80) {
            if (s[i] == 0)
                return i;
            i++;
            continue;
        }
        size_t l = utf8_seq(s + i, n - i);
        if (!l)
            return i;
        i += l;
    }
    return n;
}

int catalog__utf8_error(err_t *err, const char *p, size_t n)
{
    const unsigned char *s = (const unsigned char *)p;
    if (n > 0 && s[0] == 0)
        return err_set(err, ERRCODE_CHARACTER_NOT_IN_REPERTOIRE, "invalid byte sequence for encoding \"UTF8\": 0x00");
    /* PostgreSQL prints the bytes of the would-be character (its length from the lead byte). */
    size_t want = (s[0] & 0xE0) == 0xC0 ? 2 : (s[0] & 0xF0) == 0xE0 ? 3 : (s[0] & 0xF8) == 0xF0 ? 4 : 1;
    if (want > n)
        want = n;
    char hex[32];
    size_t k = 0;
    for (size_t i = 0; i < want; i++)
        k += (size_t)snprintf(hex + k, sizeof hex - k, "%s0x%02x", i ? " " : "", s[i]);
    return err_set(err, ERRCODE_CHARACTER_NOT_IN_REPERTOIRE, "invalid byte sequence for encoding \"UTF8\": %s", hex);
}

/* Characters in p[0..n) up to stop+1 (enough to compare with a limit). */
static size_t utf8_count(const unsigned char *p, size_t n, size_t stop)
{
    size_t c = 0;
    for (size_t i = 0; i < n && c <= stop; i++)
        c += (p[i] & 0xC0) != 0x80;
    return c;
}

/* ---- opening ---- */

static void fs_cleanup(void *arg)
{
    catalog_filescan_t *s = arg;
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
}

static int open_error(err_t *err, const char *path, int e)
{
    const char *code = e == ENOENT ? ERRCODE_UNDEFINED_FILE
                       : e == EACCES || e == EPERM ? ERRCODE_INSUFFICIENT_PRIVILEGE
                                                   : ERRCODE_IO_ERROR;
    return err_set(err, code, "could not open file \"%s\" for reading: %s", path, strerror(e));
}

static void plan_column(fs_col_t *fc, const exec_relcol_t *c, bool needed)
{
    fc->type = c->type;
    fc->typmod = c->typmod;
    fc->nscale = -1;
    if (!needed) {
        fc->kind = FK_SKIP;
        return;
    }
    switch (c->type) {
    case TYPE_INT2:
        fc->kind = FK_INT2, fc->imax = INT16_MAX;
        break;
    case TYPE_INT4:
        fc->kind = FK_INT4, fc->imax = INT32_MAX;
        break;
    case TYPE_INT8:
        fc->kind = FK_INT8, fc->imax = INT64_MAX;
        break;
    case TYPE_DATE:
        fc->kind = FK_DATE;
        break;
    case TYPE_NUMERIC:
        fc->kind = FK_NUMERIC;
        if (c->typmod >= 4) {
            fc->nprec = ((c->typmod - 4) >> 16) & 0xffff;
            fc->nscale = (c->typmod - 4) & 0x7ff;
            /* Negative scales (PostgreSQL 15 allows them) round: the slow path does it. */
            if (((c->typmod - 4) & 0x400) || fc->nscale > 15)
                fc->kind = FK_OTHER;
        }
        break;
    case TYPE_FLOAT4:
    case TYPE_FLOAT8:
        fc->kind = FK_FLOAT;
        break;
    case TYPE_TEXT:
        fc->kind = FK_TEXT;
        break;
    case TYPE_VARCHAR:
        fc->kind = FK_TEXT;
        fc->maxchars = c->typmod >= 5 ? (uint32_t)(c->typmod - 4) : 0;
        break;
    default:
        fc->kind = FK_OTHER;
        break;
    }
}

int catalog_filescan_open(mem_arena_t *a, const char *relname, const catalog_copy_opts_t *o, int ncols,
                          const exec_relcol_t *cols, const bool *needed, catalog_filescan_t **out, err_t *err)
{
    *out = NULL;
    int fd = open(o->filename, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return open_error(err, o->filename, errno);
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        return err_set(err, CATALOG_ERRCODE_WRONG_OBJECT_TYPE, "\"%s\" is a directory", o->filename);
    }
#ifdef POSIX_FADV_SEQUENTIAL
    (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    catalog_filescan_t *s = mem_alloc_try(a, sizeof *s);
    char *buf = s ? mem_alloc_try(a, FS_BUFSIZE + FS_PAD + 16) : NULL;
    fs_col_t *col = buf ? mem_alloc_try(a, sizeof *col * (size_t)(ncols > 0 ? ncols : 1)) : NULL;
    if (!col) {
        close(fd);
        return err_set(err, ERRCODE_OUT_OF_MEMORY, "out of memory");
    }
    memset(s, 0, sizeof *s);
    memset(col, 0, sizeof *col * (size_t)(ncols > 0 ? ncols : 1));
    s->fd = fd;
    s->arena = a;
    mem_arena_on_free(a, fs_cleanup, s);
    s->path = mem_astrdup(a, o->filename);
    s->relname = mem_astrdup(a, relname ? relname : "");
    s->o = *o;
    s->o.filename = s->path;
    s->o.null = mem_astrndup(a, o->null ? o->null : "", o->null_len);
    s->ncols = ncols;
    s->cols = cols;
    s->col = col;
    for (int c = 0; c < ncols; c++)
        plan_column(&col[c], &cols[c], !needed || needed[c]);
    s->buf = buf;
    s->cap = FS_BUFSIZE;
    s->pos = s->lim = s->end = buf;
    s->cls[(unsigned char)o->delim] |= CL_STOP;
    s->cls['\n'] |= CL_STOP;
    s->cls['\r'] |= CL_STOP;
    s->cls[0] |= CL_SPECIAL;
    if (o->csv) {
        s->cls[(unsigned char)o->quote] |= CL_SPECIAL;
    } else {
        s->cls['\\'] |= CL_SPECIAL;
    }
    for (int c = 0x80; c < 0x100; c++)
        s->cls[c] |= CL_HIGH;
    *out = s;
    return 0;
}

void catalog_filescan_close(catalog_filescan_t *s)
{
    if (s)
        fs_cleanup(s);
}

uint64_t catalog_filescan_bytes(const catalog_filescan_t *s)
{
    return s->bytes;
}

/* ---- buffering ---- */

/* fill - keeps [pos, end), reads more after it, and sets lim after the last
 * '\n' (or appends one at EOF). grow doubles the buffer first (a record
 * longer than the buffer). */
static int fill(catalog_filescan_t *s, bool grow, err_t *err)
{
    size_t keep = (size_t)(s->end - s->pos);
    if (grow) {
        size_t ncap = s->cap * 2;
        char *nb = mem_alloc_try(s->arena, ncap + FS_PAD + 16);
        if (!nb)
            return err_set(err, ERRCODE_OUT_OF_MEMORY, "out of memory");
        memcpy(nb, s->pos, keep);
        s->buf = nb;
        s->cap = ncap;
    } else if (keep && s->pos != s->buf) {
        memmove(s->buf, s->pos, keep);
    }
    s->pos = s->buf;
    s->end = s->buf + keep;
    while (!s->eof && (size_t)(s->end - s->buf) < s->cap) {
        ssize_t r = read(s->fd, s->end, s->cap - (size_t)(s->end - s->buf));
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return err_set(err, ERRCODE_IO_ERROR, "could not read from file \"%s\": %s", s->path, strerror(errno));
        }
        if (r == 0) {
            s->eof = true;
            break;
        }
        s->end += r;
        s->bytes += (uint64_t)r;
    }
    if (s->eof && s->end > s->buf && s->end[-1] != '\n')
        *s->end++ = '\n'; /* a last line without newline: the padding has room */
    char *nl = s->end;
    while (nl > s->buf && nl[-1] != '\n')
        nl--;
    s->lim = nl;
    memset(s->end, 0, FS_PAD); /* the scanners stop at NUL (CL_SPECIAL) past the end */
    return 0;
}

/* refill - reads more when the region is used up; grows the buffer when the
 * unfinished record already fills it. */
static int refill(catalog_filescan_t *s, err_t *err)
{
    bool full = s->pos == s->buf && (size_t)(s->end - s->buf) >= s->cap;
    return fill(s, full, err);
}

/* ---- error context ---- */

static int ctx_column(catalog_filescan_t *s, err_t *err, int c)
{
    err_detail(err, "file \"%s\", line %lld, column %s", s->path, (long long)(s->lineno + 1), s->cols[c].name);
    return -1;
}

static int ctx_line(catalog_filescan_t *s, err_t *err)
{
    err_detail(err, "file \"%s\", line %lld", s->path, (long long)(s->lineno + 1));
    return -1;
}

/* ---- fast path ---- */

static const uint64_t pow10_u64[] = { 1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull,
                                      100000000ull, 1000000000ull, 10000000000ull, 100000000000ull,
                                      1000000000000ull, 10000000000000ull, 100000000000000ull,
                                      1000000000000000ull, 10000000000000000ull, 100000000000000000ull,
                                      1000000000000000000ull };

/* A numeric from a magnitude m (< 10^18) with scale digits after the point,
 * shown with dscale digits: built as numeric_in would, base-10000 digits
 * without leading or trailing zero groups. */
static const type_numeric_t *num_build(mem_arena_t *a, uint64_t m, int scale, int dscale, bool neg)
{
    type_numeric_t *n = mem_alloc(a, sizeof *n + sizeof(int16_t) * 8);
    n->dscale = (int16_t)dscale;
    if (m == 0) {
        n->sign = NUMERIC_POS;
        n->weight = 0;
        n->ndigits = 0;
        return n;
    }
    n->sign = neg ? NUMERIC_NEG : NUMERIC_POS;
    uint64_t ip = m / pow10_u64[scale], fp = m % pow10_u64[scale];
    int fgroups = (scale + 3) / 4;
    fp *= pow10_u64[fgroups * 4 - scale];
    int16_t g[12];
    int ng = 0;
    /* fraction groups, least significant first */
    for (int i = 0; i < fgroups; i++) {
        g[ng++] = (int16_t)(fp % 10000);
        fp /= 10000;
    }
    int igroups = 0;
    while (ip) {
        g[ng++] = (int16_t)(ip % 10000);
        ip /= 10000;
        igroups++;
    }
    int hi = ng - 1, lo = 0;
    while (hi >= 0 && g[hi] == 0)
        hi--;
    while (lo <= hi && g[lo] == 0)
        lo++;
    n->weight = (int16_t)(igroups - 1 - (ng - 1 - hi));
    n->ndigits = (int16_t)(hi - lo + 1);
    for (int i = 0; i < n->ndigits; i++)
        n->digits[i] = g[hi - i];
    return n;
}

static inline bool is_digit(unsigned char c)
{
    return (unsigned)(c - '0') < 10;
}

/* Scans a plain field (no quote/escape/NUL, valid UTF-8) from p; returns its
 * end or NULL when the slow path must take the record. */
static inline const unsigned char *scan_plain(const uint8_t *cls, const unsigned char *p)
{
    for (;;) {
        while (!cls[*p])
            p++;
        if (cls[*p] & CL_HIGH) {
            size_t l = utf8_seq(p, 4);
            if (!l)
                return NULL;
            p += l;
            continue;
        }
        if (cls[*p] & CL_SPECIAL)
            return NULL;
        return p;
    }
}

/* fast_row - converts the record at s->pos into row `row` of out; true and
 * s->pos advanced when it could, false (nothing consumed) otherwise. */
static bool fast_row(catalog_filescan_t *s, exec_batch_t *out, int row, mem_arena_t *scratch)
{
    const unsigned char *p = (const unsigned char *)s->pos;
    const uint8_t *cls = s->cls;
    const unsigned char delim = (unsigned char)s->o.delim;
    const bool null_empty = s->o.null_len == 0;
    const int last = s->ncols - 1;
    if (last < 0)
        return false;
    for (int c = 0; c <= last; c++) {
        const fs_col_t *fc = &s->col[c];
        value_t *v = &out->cols[c][row];
        switch (fc->kind) {
        case FK_INT2:
        case FK_INT4:
        case FK_INT8: {
            const unsigned char *q = p;
            bool neg = *q == '-';
            q += neg;
            unsigned d = (unsigned)*q - '0';
            if (d > 9) {
                if (!neg && null_empty && (*p == delim || *p == '\n' || *p == '\r')) {
                    v->isnull = true;
                    break;
                }
                return false;
            }
            const unsigned char *st = q;
            uint64_t x = 0;
            do {
                x = x * 10 + d;
                d = (unsigned)*++q - '0';
            } while (d <= 9);
            if (q - st > 18 || x > fc->imax + neg)
                return false;
            v->u.i = neg ? (int64_t)(0 - x) : (int64_t)x;
            v->isnull = false;
            p = q;
            break;
        }
        case FK_DATE: {
            if (is_digit(p[0]) && is_digit(p[1]) && is_digit(p[2]) && is_digit(p[3]) && p[4] == '-' &&
                is_digit(p[5]) && is_digit(p[6]) && p[7] == '-' && is_digit(p[8]) && is_digit(p[9])) {
                int y = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
                int m = (p[5] - '0') * 10 + (p[6] - '0');
                int d = (p[8] - '0') * 10 + (p[9] - '0');
                if (y < 1 || m < 1 || m > 12 || d < 1 || d > dt_days_in_month(y, m))
                    return false;
                v->u.i = dt_date2j(y, m, d) - DT_POSTGRES_EPOCH_JDATE;
                v->isnull = false;
                p += 10;
            } else if (null_empty && (*p == delim || *p == '\n' || *p == '\r')) {
                v->isnull = true;
            } else {
                return false;
            }
            break;
        }
        case FK_NUMERIC: {
            const unsigned char *q = p;
            bool neg = *q == '-';
            q += neg;
            if (!is_digit(*q)) {
                if (!neg && null_empty && (*p == delim || *p == '\n' || *p == '\r')) {
                    v->isnull = true;
                    break;
                }
                return false;
            }
            while (*q == '0' && is_digit(q[1]))
                q++; /* leading zeros do not count toward the precision */
            uint64_t m = 0;
            int idig = 0, fdig = 0;
            while (is_digit(*q))
                m = m * 10 + (unsigned)(*q++ - '0'), idig++;
            if (*q == '.') {
                q++;
                while (is_digit(*q))
                    m = m * 10 + (unsigned)(*q++ - '0'), fdig++;
            }
            if (idig + fdig > 18 || fdig > 15)
                return false;
            int dscale = fdig;
            if (fc->nscale >= 0) {
                /* numeric(p,s): more fraction digits than s round (slow path); too
                 * many integer digits overflow (slow path reports it). */
                if (fdig > fc->nscale)
                    return false;
                int intdigits = (m / pow10_u64[fdig]) ? idig : 0;
                if (intdigits > fc->nprec - fc->nscale)
                    return false;
                dscale = fc->nscale;
            }
            v->u.num = num_build(scratch, m, fdig, dscale, neg);
            v->isnull = false;
            p = q;
            break;
        }
        case FK_FLOAT: {
            const unsigned char *q = p;
            while ((unsigned)(*q - '0') < 10 || *q == '.' || *q == '-' || *q == '+' || *q == 'e' || *q == 'E')
                q++;
            size_t len = (size_t)(q - p);
            if (len == 0) {
                if (null_empty && (*p == delim || *p == '\n' || *p == '\r')) {
                    v->isnull = true;
                    break;
                }
                return false;
            }
            char tmp[64];
            if (len >= sizeof tmp)
                return false;
            memcpy(tmp, p, len);
            tmp[len] = '\0';
            char *e;
            errno = 0;
            double d = strtod(tmp, &e);
            if (e != tmp + len || errno != 0 || !isfinite(d))
                return false;
            if (fc->type == TYPE_FLOAT4) {
                float f = (float)d;
                if (!isfinite(f) || (f == 0.0f && d != 0.0))
                    return false;
                d = f;
            }
            v->u.f = d;
            v->isnull = false;
            p = q;
            break;
        }
        case FK_TEXT: {
            const unsigned char *q = scan_plain(cls, p);
            if (!q)
                return false;
            size_t len = (size_t)(q - p);
            if (len == s->o.null_len && memcmp(p, s->o.null, len) == 0) {
                v->isnull = true;
            } else {
                if (fc->maxchars && len > fc->maxchars && utf8_count(p, len, fc->maxchars) > fc->maxchars)
                    return false;
                v->u.s.p = (const char *)p;
                v->u.s.len = (uint32_t)len;
                v->isnull = false;
            }
            p = q;
            break;
        }
        case FK_SKIP: {
            const unsigned char *q = scan_plain(cls, p);
            if (!q)
                return false;
            p = q;
            break;
        }
        default: { /* FK_OTHER */
            const unsigned char *q = scan_plain(cls, p);
            if (!q)
                return false;
            size_t len = (size_t)(q - p);
            if (len == s->o.null_len && memcmp(p, s->o.null, len) == 0) {
                v->isnull = true;
            } else {
                err_t e;
                e.set = false;
                if (type_in_text(fc->type, fc->typmod, (const char *)p, len, scratch, v, &e) < 0)
                    return false;
            }
            p = q;
            break;
        }
        }
        if (c < last) {
            if (*p != delim)
                return false;
            p++;
        } else {
            if (*p == '\r' && p[1] == '\n')
                p++;
            if (*p != '\n')
                return false;
            p++;
        }
    }
    s->pos = (char *)p;
    return true;
}

/* ---- slow path: PostgreSQL's record splitting ---- */

typedef struct fs_field {
    const char *p; /* de-quoted / de-escaped value (NUL-terminated) */
    size_t len;
    const char *raw; /* the field as in the file */
    size_t rawlen;
    bool isnull;
} fs_field_t;

#define SPLIT_OK 1
#define SPLIT_MORE 0 /* the record runs past the complete region: read more */
#define SPLIT_END 2  /* the "\." end-of-data marker */

static inline int hexval(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* split_record - the fields of the record at s->pos (csv or text rules),
 * values in scratch. *next receives the start of the following record. */
static int split_record(catalog_filescan_t *s, mem_arena_t *scratch, fs_field_t **fields, int *nfields, char **next,
                        err_t *err)
{
    const char *p = s->pos, *lim = s->lim;
    /* The end-of-data marker: "\." alone on a line (PostgreSQL 15, both formats). */
    if (p + 2 <= lim && p[0] == '\\' && p[1] == '.' &&
        (p + 2 < lim && (p[2] == '\n' || (p[2] == '\r' && p + 3 < lim && p[3] == '\n'))))
        return SPLIT_END;
    if (!s->eof && p >= lim)
        return SPLIT_MORE;
    /* Output space: a field never grows when unquoted or de-escaped. */
    size_t room = (size_t)(s->end - p) + 1;
    char *ob = mem_alloc(scratch, room + 1);
    size_t o = 0;
    int cap = s->ncols + 8, n = 0;
    fs_field_t *f = mem_alloc(scratch, sizeof *f * (size_t)cap);
    const char delim = s->o.delim, quote = s->o.quote, esc = s->o.escape;
    for (;;) {
        if (n == cap) {
            fs_field_t *nf = mem_alloc(scratch, sizeof *nf * (size_t)cap * 2);
            memcpy(nf, f, sizeof *f * (size_t)n);
            f = nf;
            cap *= 2;
        }
        const char *start = p, *rawend;
        size_t ostart = o;
        bool saw_quote = false, end_record = false;
        if (s->o.csv) {
            for (;;) {
                /* not in quote */
                if (p >= lim)
                    return s->eof ? (err_set(err, ERRCODE_BAD_COPY_FILE_FORMAT, "unterminated CSV quoted field"),
                                     ctx_line(s, err))
                                  : SPLIT_MORE;
                char c = *p++;
                if (c == delim) {
                    rawend = p - 1;
                    break;
                }
                if (c == '\n') {
                    rawend = p - 1;
                    end_record = true;
                    break;
                }
                if (c == '\r') {
                    if (p < lim && *p == '\n') {
                        rawend = p - 1;
                        p++;
                        end_record = true;
                        break;
                    }
                    err_set(err, ERRCODE_BAD_COPY_FILE_FORMAT, "unquoted carriage return found in data");
                    err_hint(err, "Use quoted CSV field to represent carriage return.");
                    return ctx_line(s, err);
                }
                if (c == quote) {
                    saw_quote = true;
                    for (;;) {
                        /* in quote: newlines are data */
                        if (p >= lim) {
                            if (!s->eof)
                                return SPLIT_MORE;
                            err_set(err, ERRCODE_BAD_COPY_FILE_FORMAT, "unterminated CSV quoted field");
                            return ctx_line(s, err);
                        }
                        c = *p++;
                        if (c == esc && p < lim && (*p == esc || *p == quote)) {
                            ob[o++] = *p++;
                            continue;
                        }
                        if (c == quote)
                            break;
                        ob[o++] = c;
                    }
                    continue;
                }
                ob[o++] = c;
            }
        } else {
            for (;;) {
                if (p >= lim) {
                    if (!s->eof)
                        return SPLIT_MORE;
                    rawend = p; /* the file ended inside the record: the field ends there */
                    end_record = true;
                    break;
                }
                char c = *p++;
                if (c == delim) {
                    rawend = p - 1;
                    break;
                }
                if (c == '\n') {
                    rawend = p - 1;
                    end_record = true;
                    break;
                }
                if (c == '\r') {
                    if (p < lim && *p == '\n') {
                        rawend = p - 1;
                        p++;
                        end_record = true;
                        break;
                    }
                    err_set(err, ERRCODE_BAD_COPY_FILE_FORMAT, "literal carriage return found in data");
                    err_hint(err, "Use \"\\r\" to represent carriage return.");
                    return ctx_line(s, err);
                }
                if (c == '\\') {
                    if (p >= lim) {
                        if (!s->eof)
                            return SPLIT_MORE;
                        ob[o++] = '\\'; /* a backslash at the very end of the file is itself */
                        rawend = p;
                        end_record = true;
                        break;
                    }
                    c = *p++;
                    switch (c) {
                    case 'b': ob[o++] = '\b'; break;
                    case 'f': ob[o++] = '\f'; break;
                    case 'n': ob[o++] = '\n'; break;
                    case 'r': ob[o++] = '\r'; break;
                    case 't': ob[o++] = '\t'; break;
                    case 'v': ob[o++] = '\v'; break;
                    case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
                        int val = c - '0';
                        if (p < lim && *p >= '0' && *p <= '7') {
                            val = (val << 3) + (*p++ - '0');
                            if (p < lim && *p >= '0' && *p <= '7')
                                val = (val << 3) + (*p++ - '0');
                        }
                        ob[o++] = (char)(val & 0xff);
                        break;
                    }
                    case 'x':
                        if (p < lim && hexval((unsigned char)*p) >= 0) {
                            int val = hexval((unsigned char)*p++);
                            if (p < lim && hexval((unsigned char)*p) >= 0)
                                val = (val << 4) + hexval((unsigned char)*p++);
                            ob[o++] = (char)(val & 0xff);
                        } else {
                            ob[o++] = 'x';
                        }
                        break;
                    default:
                        ob[o++] = c; /* the delimiter, a backslash, a newline: itself */
                        break;
                    }
                    continue;
                }
                ob[o++] = c;
            }
        }
        ob[o++] = '\0';
        f[n].p = ob + ostart;
        f[n].len = o - 1 - ostart;
        f[n].raw = start;
        f[n].rawlen = (size_t)(rawend - start);
        f[n].isnull = !saw_quote && f[n].rawlen == s->o.null_len && memcmp(start, s->o.null, s->o.null_len) == 0;
        n++;
        if (end_record)
            break;
    }
    *fields = f;
    *nfields = n;
    *next = (char *)p;
    return SPLIT_OK;
}

/* header - skips (or checks, for 'match') the first record. */
static int header(catalog_filescan_t *s, mem_arena_t *scratch, err_t *err)
{
    for (;;) {
        fs_field_t *f;
        int nf;
        char *next;
        if (s->pos >= s->lim && s->eof) {
            s->header_done = true;
            return 0;
        }
        int rc = split_record(s, scratch, &f, &nf, &next, err);
        if (rc < 0)
            return -1;
        if (rc == SPLIT_MORE) {
            if (s->eof) {
                s->done = true;
                s->header_done = true;
                return 0;
            }
            if (refill(s, err) < 0)
                return -1;
            continue;
        }
        if (rc == SPLIT_END) {
            s->done = true;
            s->header_done = true;
            return 0;
        }
        if (s->o.header == CATALOG_HEADER_MATCH) {
            if (nf != s->ncols) {
                err_set(err, ERRCODE_BAD_COPY_FILE_FORMAT, "wrong number of fields in header line: got %d, expected %d",
                        nf, s->ncols);
                return ctx_line(s, err);
            }
            for (int c = 0; c < nf; c++) {
                if (f[c].isnull) {
                    err_set(err, ERRCODE_BAD_COPY_FILE_FORMAT,
                            "column name mismatch in header line field %d: got null value (\"%s\"), expected \"%s\"",
                            c + 1, s->o.null, s->cols[c].name);
                    return ctx_line(s, err);
                }
                if (strcmp(f[c].p, s->cols[c].name) != 0) {
                    err_set(err, ERRCODE_BAD_COPY_FILE_FORMAT,
                            "column name mismatch in header line field %d: got \"%s\", expected \"%s\"", c + 1, f[c].p,
                            s->cols[c].name);
                    return ctx_line(s, err);
                }
            }
        }
        s->pos = next;
        s->lineno++;
        s->header_done = true;
        return 0;
    }
}

/* slow_row - one record through PostgreSQL's rules into row `row`. Returns
 * SPLIT_OK, SPLIT_MORE, SPLIT_END or -1. */
static int slow_row(catalog_filescan_t *s, exec_batch_t *out, int row, mem_arena_t *scratch, err_t *err)
{
    fs_field_t *f;
    int nf;
    char *next;
    int rc = split_record(s, scratch, &f, &nf, &next, err);
    if (rc != SPLIT_OK)
        return rc;
    /* Encoding first, for the whole record, as PostgreSQL checks each line. */
    size_t rlen = (size_t)(next - s->pos);
    size_t ok = catalog__utf8_valid_prefix(s->pos, rlen);
    if (ok < rlen) {
        catalog__utf8_error(err, s->pos + ok, rlen - ok);
        return ctx_line(s, err);
    }
    for (int c = 0; c < s->ncols; c++) {
        if (c >= nf) {
            err_set(err, ERRCODE_BAD_COPY_FILE_FORMAT, "missing data for column \"%s\"", s->cols[c].name);
            return ctx_line(s, err);
        }
    }
    if (nf > s->ncols) {
        err_set(err, ERRCODE_BAD_COPY_FILE_FORMAT, "extra data after last expected column");
        return ctx_line(s, err);
    }
    for (int c = 0; c < s->ncols; c++) {
        value_t *v = &out->cols[c][row];
        if (s->col[c].kind == FK_SKIP)
            continue;
        if (f[c].isnull) {
            v->isnull = true;
            continue;
        }
        /* De-escaped bytes (octal/hex escapes) may not be UTF-8 any more. */
        if (!s->o.csv) {
            size_t vok = catalog__utf8_valid_prefix(f[c].p, f[c].len);
            if (vok < f[c].len) {
                catalog__utf8_error(err, f[c].p + vok, f[c].len - vok);
                return ctx_line(s, err);
            }
        }
        if (type_in_text(s->cols[c].type, s->cols[c].typmod, f[c].p, f[c].len, scratch, v, err) < 0)
            return ctx_column(s, err, c);
    }
    s->pos = next;
    return SPLIT_OK;
}

int catalog_filescan_next(catalog_filescan_t *s, exec_batch_t *out, mem_arena_t *scratch, err_t *err)
{
    int cap = out->nrows, n = 0;
    out->nrows = 0;
    if (s->done || s->fd < 0)
        return 0;
    if (!s->header_done) {
        if (s->pos >= s->lim && !s->eof && refill(s, err) < 0)
            return -1;
        if (s->o.header != CATALOG_HEADER_NONE) {
            if (header(s, scratch, err) < 0)
                return -1;
        } else {
            s->header_done = true;
        }
    }
    while (n < cap && !s->done) {
        if (s->pos >= s->lim) {
            if (s->eof) {
                s->done = true;
                break;
            }
            if (n > 0)
                break; /* refilling would move the strings of this batch */
            if (refill(s, err) < 0)
                return -1;
            continue;
        }
        if (fast_row(s, out, n, scratch)) {
            s->lineno++;
            n++;
            continue;
        }
        int rc = slow_row(s, out, n, scratch, err);
        if (rc < 0)
            return -1;
        if (rc == SPLIT_END) {
            s->done = true;
            break;
        }
        if (rc == SPLIT_MORE) {
            if (n > 0)
                break;
            if (s->eof) {
                s->done = true;
                break;
            }
            if (refill(s, err) < 0)
                return -1;
            continue;
        }
        s->lineno++;
        n++;
    }
    if (s->done)
        catalog_filescan_close(s);
    out->nrows = n;
    return 0;
}
