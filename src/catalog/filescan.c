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
 *    When a column is skipped or text, the record's delimiters are first
 *    found 16 bytes at a time (row_index), so those fields cost nothing to
 *    pass and integers are converted knowing their length; a record that
 *    is not plain ASCII takes the byte walk (fast_row_walk).
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
 *
 * Parts (catalog_filescan_split / _open_part): one file read by several
 * threads, each a byte range that starts and ends at a record boundary. The
 * boundaries come from one pass over all but the last of equal byte ranges
 * (survey, in parallel; the last is read only to its first record end) that
 * counts newlines and looks for the bytes that can
 * make a newline data: csv quotes (quote parity; both parities are counted
 * per range since a range does not know its entry parity until the ranges
 * before it are summed), text backslashes (the escape state at a range start
 * is the parity of the backslash run before it, read backwards). The counts
 * give every part its absolute first line number, so errors read as with
 * one reader. What the survey cannot cut exactly ("\." end-of-data lines,
 * a csv escape other than the quote) gives one part: the whole file.
 * Not here: binary format, program, encodings other than UTF-8, FORCE_NULL.
 */
#include "catalog/filescan.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "catalog_int.h"
#include "types/datetime.h"
#include "types/numeric.h"
#include "types/value.h"

#define FS_BUFSIZE ((size_t)4 << 20)
#define FS_PAD 64 /* zeroed bytes after the data (+16 for an appended newline) */
#define FS_INDEX_MAX 512 /* longest record (and most columns) fast_row indexes */

static bool index_rows = true; /* catalog_filescan_set_index: tests compare both fast paths */

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
    bool indexed;   /* fast_row indexes the record first: a column is skipped or text */
    uint64_t left;  /* bytes of the part still to read (UINT64_MAX: to the end of the file) */
    int64_t lineno; /* records consumed, header included (absolute in a part) */
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

static int open_at(mem_arena_t *a, const char *relname, const catalog_copy_opts_t *o, int ncols,
                   const exec_relcol_t *cols, const bool *needed, const catalog_filepart_t *part,
                   catalog_filescan_t **out, err_t *err)
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
    if (part && part->start > 0 && lseek(fd, (off_t)part->start, SEEK_SET) < 0) {
        int e = errno;
        close(fd);
        return err_set(err, ERRCODE_IO_ERROR, "could not seek in file \"%s\": %s", o->filename, strerror(e));
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
    for (int c = 0; c < ncols; c++) {
        plan_column(&col[c], &cols[c], !needed || needed[c]);
        s->indexed |= col[c].kind == FK_SKIP || col[c].kind == FK_TEXT;
    }
    s->indexed &= index_rows && ncols <= FS_INDEX_MAX;
    s->buf = buf;
    s->cap = FS_BUFSIZE;
    s->pos = s->lim = s->end = buf;
    s->left = UINT64_MAX;
    if (part) {
        /* only the part at the start of the file has the header */
        s->header_done = part->start > 0;
        s->lineno = part->line_base;
        if (part->end != UINT64_MAX)
            s->left = part->end > part->start ? part->end - part->start : 0;
    }
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

int catalog_filescan_open(mem_arena_t *a, const char *relname, const catalog_copy_opts_t *o, int ncols,
                          const exec_relcol_t *cols, const bool *needed, catalog_filescan_t **out, err_t *err)
{
    return open_at(a, relname, o, ncols, cols, needed, NULL, out, err);
}

int catalog_filescan_open_part(mem_arena_t *a, const char *relname, const catalog_copy_opts_t *o, int ncols,
                               const exec_relcol_t *cols, const bool *needed, const catalog_filepart_t *part,
                               catalog_filescan_t **out, err_t *err)
{
    return open_at(a, relname, o, ncols, cols, needed, part, out, err);
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
        size_t want = s->cap - (size_t)(s->end - s->buf);
        if (s->left < want)
            want = (size_t)s->left;
        if (want == 0) {
            s->eof = true; /* the end of the part: a record boundary */
            break;
        }
        ssize_t r = read(s->fd, s->end, want);
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
        if (s->left != UINT64_MAX)
            s->left -= (uint64_t)r;
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

/* swar_digits - the value of the digits at *q, at most 8 of them, *q
 * advanced past them; *q must be a digit. Eight bytes are read at once
 * (the buffer's FS_PAD bytes make that safe at its end): the first byte
 * that is not a digit is found with per-byte masks and the digits before
 * it are combined in three multiply steps, where the loop took a
 * dependent multiply-add per digit (SSB's integers have 1 to 8). */
#define SWAR_ZEROS 0x3030303030303030ULL

/* swar_nondigits - a byte of w is nonzero here when w's byte is not a
 * digit: a digit's high nibble is 3 before and after adding 6 (a carry out
 * of a byte comes only from one that is not a digit, and moves only to
 * later bytes) */
static inline uint64_t swar_nondigits(uint64_t w)
{
    const uint64_t HI = 0xF0F0F0F0F0F0F0F0ULL;
    return ((w & HI) ^ SWAR_ZEROS) | (((w + 0x0606060606060606ULL) & HI) ^ SWAR_ZEROS);
}

/* swar_value - the value of the first nd (1..8) digits of w */
static inline uint64_t swar_value(uint64_t w, int nd)
{
    /* the digits to the top bytes, zeros (leading zeros) below them */
    uint64_t v = (w - SWAR_ZEROS) << (8 * (8 - nd));
    v = (v * 10 + (v >> 8)) & 0x00FF00FF00FF00FFULL;
    v = (v * 100 + (v >> 16)) & 0x0000FFFF0000FFFFULL;
    return (v * 10000 + (v >> 32)) & 0xFFFFFFFFULL;
}

static inline uint64_t swar_digits(const unsigned char **qp)
{
    uint64_t w;
    memcpy(&w, *qp, 8);
    uint64_t m = swar_nondigits(w);
    int nd = m ? __builtin_ctzll(m) >> 3 : 8;
    *qp += nd;
    return swar_value(w, nd);
}

/* fast_field - converts the field at p for column fc into *v; returns the
 * byte after it (p itself for an empty field read as NULL), or NULL when the
 * slow path must take the record. Nothing but *v is written. */
static inline __attribute__((always_inline)) const unsigned char *
fast_field(const catalog_filescan_t *s, const fs_col_t *fc, const unsigned char *p, value_t *v, mem_arena_t *scratch)
{
    const uint8_t *cls = s->cls;
    const unsigned char delim = (unsigned char)s->o.delim;
    const bool null_empty = s->o.null_len == 0;
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
                return p;
            }
            return NULL;
        }
        const unsigned char *st = q;
        uint64_t x = swar_digits(&q);
        while ((d = (unsigned)*q - '0') <= 9) {
            x = x * 10 + d;
            q++;
        }
        if (q - st > 18 || x > fc->imax + neg)
            return NULL;
        v->u.i = neg ? (int64_t)(0 - x) : (int64_t)x;
        v->isnull = false;
        return q;
    }
    case FK_DATE: {
        if (is_digit(p[0]) && is_digit(p[1]) && is_digit(p[2]) && is_digit(p[3]) && p[4] == '-' &&
            is_digit(p[5]) && is_digit(p[6]) && p[7] == '-' && is_digit(p[8]) && is_digit(p[9])) {
            int y = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
            int m = (p[5] - '0') * 10 + (p[6] - '0');
            int d = (p[8] - '0') * 10 + (p[9] - '0');
            if (y < 1 || m < 1 || m > 12 || d < 1 || d > dt_days_in_month(y, m))
                return NULL;
            v->u.i = dt_date2j(y, m, d) - DT_POSTGRES_EPOCH_JDATE;
            v->isnull = false;
            return p + 10;
        } else if (null_empty && (*p == delim || *p == '\n' || *p == '\r')) {
            v->isnull = true;
        } else {
            return NULL;
        }
        return p;
    }
    case FK_NUMERIC: {
        const unsigned char *q = p;
        bool neg = *q == '-';
        q += neg;
        if (!is_digit(*q)) {
            if (!neg && null_empty && (*p == delim || *p == '\n' || *p == '\r')) {
                v->isnull = true;
                return p;
            }
            return NULL;
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
            return NULL;
        int dscale = fdig;
        if (fc->nscale >= 0) {
            /* numeric(p,s): more fraction digits than s round (slow path); too
             * many integer digits overflow (slow path reports it). */
            if (fdig > fc->nscale)
                return NULL;
            int intdigits = (m / pow10_u64[fdig]) ? idig : 0;
            if (intdigits > fc->nprec - fc->nscale)
                return NULL;
            dscale = fc->nscale;
        }
        v->u.num = num_build(scratch, m, fdig, dscale, neg);
        v->isnull = false;
        return q;
    }
    case FK_FLOAT: {
        const unsigned char *q = p;
        while ((unsigned)(*q - '0') < 10 || *q == '.' || *q == '-' || *q == '+' || *q == 'e' || *q == 'E')
            q++;
        size_t len = (size_t)(q - p);
        if (len == 0) {
            if (null_empty && (*p == delim || *p == '\n' || *p == '\r')) {
                v->isnull = true;
                return p;
            }
            return NULL;
        }
        char tmp[64];
        if (len >= sizeof tmp)
            return NULL;
        memcpy(tmp, p, len);
        tmp[len] = '\0';
        char *e;
        errno = 0;
        double d = strtod(tmp, &e);
        if (e != tmp + len || errno != 0 || !isfinite(d))
            return NULL;
        if (fc->type == TYPE_FLOAT4) {
            float f = (float)d;
            if (!isfinite(f) || (f == 0.0f && d != 0.0))
                return NULL;
            d = f;
        }
        v->u.f = d;
        v->isnull = false;
        return q;
    }
    case FK_TEXT: {
        const unsigned char *q = scan_plain(cls, p);
        if (!q)
            return NULL;
        size_t len = (size_t)(q - p);
        if (len == s->o.null_len && memcmp(p, s->o.null, len) == 0) {
            v->isnull = true;
        } else {
            if (fc->maxchars && len > fc->maxchars && utf8_count(p, len, fc->maxchars) > fc->maxchars)
                return NULL;
            v->u.s.p = (const char *)p;
            v->u.s.len = (uint32_t)len;
            v->isnull = false;
        }
        return q;
    }
    case FK_SKIP:
        return scan_plain(cls, p);
    default: { /* FK_OTHER */
        const unsigned char *q = scan_plain(cls, p);
        if (!q)
            return NULL;
        size_t len = (size_t)(q - p);
        if (len == s->o.null_len && memcmp(p, s->o.null, len) == 0) {
            v->isnull = true;
        } else {
            err_t e;
            e.set = false;
            if (type_in_text(fc->type, fc->typmod, (const char *)p, len, scratch, v, &e) < 0)
                return NULL;
        }
        return q;
    }
    }
}

/* fast_row_walk - converts the record at s->pos into row `row` of out; true
 * and s->pos advanced when it could, false (nothing consumed) otherwise. */
static bool fast_row_walk(catalog_filescan_t *s, exec_batch_t *out, int row, mem_arena_t *scratch)
{
    const unsigned char *p = (const unsigned char *)s->pos;
    const unsigned char delim = (unsigned char)s->o.delim;
    const int last = s->ncols - 1;
    if (last < 0)
        return false;
    for (int c = 0; c <= last; c++) {
        p = fast_field(s, &s->col[c], p, &out->cols[c][row], scratch);
        if (!p)
            return false;
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

#ifdef __SSE2__
/* row_index - the offsets of the delimiters of the record at p (dpos, the
 * s->ncols - 1 of them) and of its '\n' (returned), found 16 bytes at a
 * time; -1 when the record is not plain ASCII without '\r' and the other
 * special bytes, has another number of fields, or is longer than
 * FS_INDEX_MAX (the walk then takes it). The blocks read stop at the one
 * holding the '\n', which the parsed region always has, and end at most 15
 * bytes past it: inside the buffer's padding. */
static inline int row_index(const catalog_filescan_t *s, const unsigned char *p, uint16_t *dpos)
{
    const __m128i vd = _mm_set1_epi8((char)s->o.delim), vn = _mm_set1_epi8('\n'), vr = _mm_set1_epi8('\r'),
                  va = _mm_set1_epi8((char)(s->o.csv ? s->o.quote : '\\')), vz = _mm_setzero_si128();
    int nd = 0, want = s->ncols - 1;
    for (int off = 0; off < FS_INDEX_MAX; off += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(p + off));
        unsigned md = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, vd));
        unsigned mn = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, vn));
        /* '\r', the quote or backslash, NUL, and bytes >= 0x80 (their sign) */
        unsigned ms = (unsigned)_mm_movemask_epi8(
            _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, vr), _mm_cmpeq_epi8(x, va)), _mm_or_si128(_mm_cmpeq_epi8(x, vz), x)));
        if (mn) {
            unsigned before = (mn & (0u - mn)) - 1;
            if (ms & before)
                return -1;
            md &= before;
        } else if (ms) {
            return -1;
        }
        for (; md; md &= md - 1) {
            if (nd == want)
                return -1;
            dpos[nd++] = (uint16_t)(off + __builtin_ctz(md));
        }
        if (mn)
            return nd == want ? off + __builtin_ctz(mn) : -1;
    }
    return -1;
}

/* fast_row - as fast_row_walk, from the record's index: a skipped field
 * costs nothing and a text field is its bounds, where the walk read them a
 * byte at a time (SSB's lineorder skips 9 of its 18 fields in a cube
 * build). The other fields are converted by the walk's own code, which
 * must end exactly at the indexed delimiter. */
static bool fast_row(catalog_filescan_t *s, exec_batch_t *out, int row, mem_arena_t *scratch)
{
    const unsigned char *p = (const unsigned char *)s->pos;
    uint16_t dpos[FS_INDEX_MAX];
    if (!s->indexed)
        return fast_row_walk(s, out, row, scratch);
    int nl = row_index(s, p, dpos);
    if (nl < 0)
        return fast_row_walk(s, out, row, scratch);
    const int last = s->ncols - 1;
    for (int c = 0; c <= last; c++) {
        const fs_col_t *fc = &s->col[c];
        if (fc->kind == FK_SKIP)
            continue;
        unsigned st = c ? dpos[c - 1] + 1u : 0u, en = c < last ? dpos[c] : (unsigned)nl;
        value_t *v = &out->cols[c][row];
        if (fc->kind == FK_TEXT) {
            /* plain ASCII: the length in characters is the byte count */
            size_t len = en - st;
            if (len == s->o.null_len && memcmp(p + st, s->o.null, len) == 0) {
                v->isnull = true;
                continue;
            }
            if (fc->maxchars && len > fc->maxchars)
                return false;
            v->u.s.p = (const char *)p + st;
            v->u.s.len = (uint32_t)len;
            v->isnull = false;
            continue;
        }
        if (fc->kind >= FK_INT2 && fc->kind <= FK_INT8 && en - st - (p[st] == '-') - 1u < 8u) {
            /* 1 to 8 digits of known length: swar_digits without its search
             * for the end (the bytes past the field are shifted out) */
            bool neg = p[st] == '-';
            int nd = (int)(en - st) - neg;
            uint64_t w;
            memcpy(&w, p + st + neg, 8);
            if ((swar_nondigits(w) << (8 * (8 - nd))) != 0)
                return false;
            uint64_t x = swar_value(w, nd);
            if (x > fc->imax + neg)
                return false;
            v->u.i = neg ? (int64_t)(0 - x) : (int64_t)x;
            v->isnull = false;
            continue;
        }
        if (fast_field(s, fc, p + st, v, scratch) != p + en)
            return false;
    }
    s->pos = (char *)p + nl + 1;
    return true;
}
#else
static bool fast_row(catalog_filescan_t *s, exec_batch_t *out, int row, mem_arena_t *scratch)
{
    return fast_row_walk(s, out, row, scratch);
}
#endif

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

/* ---- parts: cutting one file for several readers ---- */

#define SV_CHUNK ((size_t)1 << 20)

static uint64_t min_part = (uint64_t)16 << 20;

void catalog_filescan_set_min_part(uint64_t bytes)
{
    min_part = bytes ? bytes : 1;
}

void catalog_filescan_set_index(bool on)
{
    index_rows = on;
}

/* What one equal byte range [lo, hi) of the file holds. State s of a
 * newline: csv, the parity of the quotes since lo; text, 0 for a record end
 * and 1 for an escaped (data) newline. */
typedef struct survey {
    uint64_t lo, hi;
    uint64_t nl[2];   /* newlines in state 0 / 1 */
    int64_t first[2]; /* offset of the first newline in state 0 / 1, -1 none */
    int q;            /* csv: parity of the quotes in the range */
    int stop;         /* >= 0: done at the first newline in this state (the last range) */
    bool unsafe;      /* the range cannot be cut exactly: one reader */
    int errno_;       /* a failed read: the survey is dropped, one reader */
} survey_t;

typedef struct split_job {
    const catalog_copy_opts_t *o;
    survey_t *sv;
    int n;
    int next; /* atomic: next range to survey */
} split_job_t;

typedef uint8_t fs_v16 __attribute__((vector_size(16)));

static inline fs_v16 v16_splat(uint8_t c)
{
    fs_v16 v;
    for (int i = 0; i < 16; i++)
        v[i] = c;
    return v;
}

/* Newlines in the 64 bytes at p (when *special stays false), or *special set
 * when one of a, b occurs (then the caller walks the bytes). */
static inline int block64(const uint8_t *p, fs_v16 vn, fs_v16 va, fs_v16 vb, bool *special)
{
    fs_v16 x0, x1, x2, x3;
    memcpy(&x0, p, 16);
    memcpy(&x1, p + 16, 16);
    memcpy(&x2, p + 32, 16);
    memcpy(&x3, p + 48, 16);
    fs_v16 sp = (fs_v16)((x0 == va) | (x0 == vb) | (x1 == va) | (x1 == vb) | (x2 == va) | (x2 == vb) | (x3 == va) |
                         (x3 == vb));
    uint64_t s0, s1;
    memcpy(&s0, &sp, 8);
    memcpy(&s1, (const char *)&sp + 8, 8);
    if (s0 | s1) {
        *special = true;
        return 0;
    }
    /* each lane 0..4; summed 8 lanes at a time by one multiply */
    fs_v16 cnt = (fs_v16)(-(x0 == vn)) + (fs_v16)(-(x1 == vn)) + (fs_v16)(-(x2 == vn)) + (fs_v16)(-(x3 == vn));
    uint64_t c0, c1;
    memcpy(&c0, &cnt, 8);
    memcpy(&c1, (const char *)&cnt + 8, 8);
    return (int)(((c0 * 0x0101010101010101ull) >> 56) + ((c1 * 0x0101010101010101ull) >> 56));
}

/* survey_range - fills sv for [sv->lo, sv->hi) of fd (pread: the ranges share
 * one descriptor); with sv->stop >= 0 only up to the first newline in that
 * state (then nl and q are partial). */
static void survey_range(int fd, const catalog_copy_opts_t *o, survey_t *sv, char *buf)
{
    const bool csv = o->csv;
    const uint8_t quote = (uint8_t)o->quote, bsl = '\\';
    /* csv: the quote and the backslash ("\." lines); text: the backslash */
    const fs_v16 vn = v16_splat('\n'), va = v16_splat(csv ? quote : bsl), vb = v16_splat(bsl);
    sv->first[0] = sv->first[1] = -1;
    int st = 0;        /* csv: quote parity; text: 1 while the next byte is escaped */
    bool pend = false; /* a backslash at a line start: "\." if a '.' follows */
    uint8_t prev = '\n';
    if (csv && o->escape != o->quote) {
        sv->unsafe = true; /* an escaped quote does not toggle: parity does not tell */
        return;
    }
    if (sv->lo > 0) {
        /* the byte before, and for text the backslash run ending there */
        uint64_t at = sv->lo;
        uint64_t run = 0;
        for (;;) {
            size_t n = at < 256 ? (size_t)at : 256;
            ssize_t r = pread(fd, buf, n, (off_t)(at - n));
            if (r != (ssize_t)n) {
                sv->errno_ = r < 0 ? errno : EIO;
                return;
            }
            if (at == sv->lo)
                prev = (uint8_t)buf[n - 1];
            size_t k = n;
            while (k > 0 && buf[k - 1] == '\\')
                k--;
            run += n - k;
            at -= n;
            if (k > 0 || at == 0 || csv)
                break;
        }
        if (!csv)
            st = (int)(run & 1);
    }
    uint64_t off = sv->lo;
    while (off < sv->hi) {
        size_t want = sv->hi - off < SV_CHUNK ? (size_t)(sv->hi - off) : SV_CHUNK;
        ssize_t r = pread(fd, buf, want, (off_t)off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            sv->errno_ = r < 0 ? errno : EIO; /* shorter than its size: it changed under us */
            return;
        }
        const uint8_t *p = (const uint8_t *)buf;
        size_t n = (size_t)r, i = 0;
        while (i < n) {
            bool special = false;
            if (i + 64 <= n && !pend && !(st && !csv)) {
                int k = block64(p + i, vn, va, vb, &special);
                if (!special) {
                    if (k && sv->first[st] < 0)
                        sv->first[st] = (int64_t)(off + (size_t)((const uint8_t *)memchr(p + i, '\n', 64) - p));
                    if (sv->stop >= 0 && sv->first[sv->stop] >= 0)
                        return;
                    sv->nl[st] += (uint64_t)k;
                    prev = p[i + 63];
                    i += 64;
                    continue;
                }
            }
            /* byte by byte up to the end of this block */
            size_t e = i + 64 <= n ? i + 64 : n;
            for (; i < e; i++) {
                uint8_t c = p[i];
                if (pend && c == '.')
                    sv->unsafe = true;
                pend = false;
                if (csv) {
                    if (c == quote) {
                        st ^= 1;
                    } else if (c == '\n') {
                        if (sv->first[st] < 0)
                            sv->first[st] = (int64_t)(off + i);
                        sv->nl[st]++;
                    } else if (c == bsl && prev == '\n') {
                        pend = true;
                    }
                } else if (st) {
                    st = 0; /* the escaped byte; an escaped newline is data */
                    if (c == '\n')
                        sv->nl[1]++;
                } else if (c == bsl) {
                    st = 1;
                    pend = prev == '\n';
                } else if (c == '\n') {
                    if (sv->first[0] < 0)
                        sv->first[0] = (int64_t)(off + i);
                    sv->nl[0]++;
                }
                prev = c;
            }
            if (sv->unsafe || (sv->stop >= 0 && sv->first[sv->stop] >= 0))
                return;
        }
        off += n;
    }
    if (pend)
        sv->unsafe = true; /* the '.' would be in the next range: do not guess */
    sv->q = csv ? st : 0;
}

static void *split_worker(void *arg)
{
    split_job_t *sj = arg;
    int fd = open(sj->o->filename, O_RDONLY | O_CLOEXEC);
    char *buf = mem_malloc(SV_CHUNK);
    for (;;) {
        int i = __atomic_fetch_add(&sj->next, 1, __ATOMIC_RELAXED);
        if (i >= sj->n)
            break;
        if (fd < 0 || !buf)
            sj->sv[i].errno_ = fd < 0 ? errno : ENOMEM;
        else
            survey_range(fd, sj->o, &sj->sv[i], buf);
    }
    mem_free(buf);
    if (fd >= 0)
        close(fd);
    return NULL;
}

int catalog_filescan_split(const catalog_copy_opts_t *o, int want, mem_arena_t *a, catalog_filepart_t **parts,
                           int *nparts, err_t *err)
{
    *nparts = 1;
    catalog_filepart_t *p = mem_alloc0(a, sizeof *p * (size_t)(want > 1 ? want : 1));
    p[0].end = UINT64_MAX;
    *parts = p;
    struct stat st;
    if (stat(o->filename, &st) < 0)
        return open_error(err, o->filename, errno);
    if (!S_ISREG(st.st_mode))
        return 0; /* a pipe or a directory: the reader says what it is */
    uint64_t size = (uint64_t)st.st_size;
    int n = want;
    if (n > 64)
        n = 64;
    if ((uint64_t)n > size / min_part)
        n = (int)(size / min_part);
    if (n < 2)
        return 0;
    survey_t sv[64];
    memset(sv, 0, sizeof sv);
    for (int i = 0; i < n; i++) {
        sv[i].lo = size * (uint64_t)i / (uint64_t)n;
        sv[i].hi = size * (uint64_t)(i + 1) / (uint64_t)n;
        sv[i].stop = -1;
    }
    /* All ranges but the last are surveyed whole, in parallel. The last
     * needs only its first record end, once the parity at its start is
     * known: two parts (two cores) took half of the file's reading (SF 10:
     * 0.33 of 0.65 CPU-s, beside the lookups' load). */
    split_job_t sj = { o, sv, n - 1, 0 };
    pthread_t th[64];
    int started = 0;
    for (int i = 1; i < n - 1; i++)
        if (pthread_create(&th[started], NULL, split_worker, &sj) == 0)
            started++;
    split_worker(&sj);
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    int g = 0;
    for (int i = 0; i < n - 1; i++) {
        if (sv[i].unsafe || sv[i].errno_)
            return 0; /* one reader: it reports a read error itself */
        g ^= sv[i].q;
    }
    sv[n - 1].stop = g;
    split_job_t last = { o, sv + n - 1, 1, 0 };
    split_worker(&last);
    if (sv[n - 1].unsafe || sv[n - 1].errno_)
        return 0;
    /* Cut after the first record end of each range: g is the quote parity
     * at the range's start, ends the record ends before it. */
    int np = 1;
    uint64_t ends = 0;
    g = 0;
    for (int i = 1; i < n; i++) {
        ends += sv[i - 1].nl[g];
        g ^= sv[i - 1].q;
        int64_t f = sv[i].first[g];
        if (f < 0 || (uint64_t)f + 1 >= size)
            continue; /* a record longer than the range: the previous part takes it */
        p[np - 1].end = (uint64_t)f + 1;
        p[np].start = (uint64_t)f + 1;
        p[np].end = UINT64_MAX;
        p[np].line_base = (int64_t)ends + 1;
        np++;
    }
    *nparts = np;
    return 0;
}
