/*
 * json.c - the REST port's JSON: a writer that always produces valid JSON
 * (escaping, UTF-8 repair) and a validating reader of top-level members.
 * Small on purpose: REST bodies here are a handful of fields (an event id, a
 * job id), so a tree-building parser would be weight without use.
 */
#include "rest/json.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* ---- writer ---- */

void json_init(json_w_t *w, buf_t *out)
{
    memset(w, 0, sizeof *w);
    w->b = out;
}

/* before_value - the comma between siblings, nothing after a key. */
static void before_value(json_w_t *w)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (w->need_comma[w->depth])
        buf_putc(w->b, ',');
    w->need_comma[w->depth] = true;
}

static void begin_(json_w_t *w, char c)
{
    before_value(w);
    assert(w->depth < JSON_MAX_DEPTH);
    buf_putc(w->b, c);
    w->need_comma[++w->depth] = false;
}

static void close_(json_w_t *w, char c)
{
    assert(w->depth > 0);
    w->depth--;
    buf_putc(w->b, c);
}

void json_obj_begin(json_w_t *w) { begin_(w, '{'); }
void json_obj_end(json_w_t *w) { close_(w, '}'); }
void json_arr_begin(json_w_t *w) { begin_(w, '['); }
void json_arr_end(json_w_t *w) { close_(w, ']'); }

void json_key(json_w_t *w, const char *key)
{
    before_value(w);
    json_escape(w->b, key, strlen(key));
    buf_putc(w->b, ':');
    w->after_key = true;
}

/* utf8_len - length of the valid UTF-8 sequence at s (max n bytes), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len;
    unsigned min;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        min = 0x10000;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    unsigned cp = c & (0xff >> (len + 1));
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

void json_escape(buf_t *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    buf_putc(b, '"');
    size_t i = 0;
    while (i < n) {
        unsigned c = p[i];
        if (c == '"' || c == '\\') {
            buf_putc(b, '\\');
            buf_putc(b, (char)c);
            i++;
        } else if (c < 0x20 || c == 0x7f) {
            switch (c) {
            case '\n': buf_puts(b, "\\n"); break;
            case '\r': buf_puts(b, "\\r"); break;
            case '\t': buf_puts(b, "\\t"); break;
            case '\b': buf_puts(b, "\\b"); break;
            case '\f': buf_puts(b, "\\f"); break;
            default: {
                char u[7] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0 };
                buf_puts(b, u);
            }
            }
            i++;
        } else if (c < 0x80) {
            buf_putc(b, (char)c);
            i++;
        } else {
            size_t len = utf8_len(p + i, n - i);
            if (len == 0) {
                buf_puts(b, "\\ufffd"); /* not UTF-8: keep the output valid */
                i++;
            } else {
                buf_append(b, p + i, len);
                i += len;
            }
        }
    }
    buf_putc(b, '"');
}

void json_strn(json_w_t *w, const char *s, size_t n)
{
    before_value(w);
    json_escape(w->b, s, n);
}

void json_str(json_w_t *w, const char *s)
{
    if (!s) {
        json_null(w);
        return;
    }
    json_strn(w, s, strlen(s));
}

void json_int(json_w_t *w, int64_t v)
{
    before_value(w);
    buf_printf(w->b, "%" PRId64, v);
}

void json_bool(json_w_t *w, bool v)
{
    before_value(w);
    buf_puts(w->b, v ? "true" : "false");
}

void json_null(json_w_t *w)
{
    before_value(w);
    buf_puts(w->b, "null");
}

void json_raw(json_w_t *w, const char *json)
{
    before_value(w);
    buf_puts(w->b, json && *json ? json : "null");
}

/* ---- reader ---- */

typedef struct rd {
    const char *p, *end;
} rd_t;

static void ws(rd_t *r)
{
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
        r->p++;
}

static int lit(rd_t *r, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
        return -1;
    r->p += n;
    return 0;
}

/* string - at '"'; leaves r->p after the closing quote; validates escapes. */
static int string(rd_t *r)
{
    r->p++;
    while (r->p < r->end) {
        unsigned char c = (unsigned char)*r->p;
        if (c == '"') {
            r->p++;
            return 0;
        }
        if (c < 0x20)
            return -1;
        if (c == '\\') {
            if (++r->p >= r->end)
                return -1;
            char e = *r->p;
            if (e == 'u') {
                if (r->end - r->p < 5)
                    return -1;
                for (int i = 1; i <= 4; i++) {
                    char h = r->p[i];
                    if (!((h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F')))
                        return -1;
                }
                r->p += 5;
                continue;
            }
            if (!strchr("\"\\/bfnrt", e) || !e)
                return -1;
        }
        r->p++;
    }
    return -1;
}

static int number(rd_t *r)
{
    const char *s = r->p;
    if (r->p < r->end && *r->p == '-')
        r->p++;
    if (r->p >= r->end)
        return -1;
    if (*r->p == '0') {
        r->p++;
    } else if (*r->p >= '1' && *r->p <= '9') {
        while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
            r->p++;
    } else {
        return -1;
    }
    if (r->p < r->end && *r->p == '.') {
        r->p++;
        const char *d = r->p;
        while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
            r->p++;
        if (r->p == d)
            return -1;
    }
    if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
        r->p++;
        if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
            r->p++;
        const char *d = r->p;
        while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
            r->p++;
        if (r->p == d)
            return -1;
    }
    return r->p > s ? 0 : -1;
}

static int value(rd_t *r, int depth, json_tok_t *t);

static int container(rd_t *r, int depth, bool obj)
{
    if (depth >= JSON_MAX_DEPTH)
        return -1;
    char close = obj ? '}' : ']';
    r->p++;
    ws(r);
    if (r->p < r->end && *r->p == close) {
        r->p++;
        return 0;
    }
    for (;;) {
        ws(r);
        if (obj) {
            if (r->p >= r->end || *r->p != '"' || string(r) < 0)
                return -1;
            ws(r);
            if (r->p >= r->end || *r->p != ':')
                return -1;
            r->p++;
        }
        if (value(r, depth + 1, NULL) < 0)
            return -1;
        ws(r);
        if (r->p >= r->end)
            return -1;
        if (*r->p == ',') {
            r->p++;
            continue;
        }
        if (*r->p == close) {
            r->p++;
            return 0;
        }
        return -1;
    }
}

static int value(rd_t *r, int depth, json_tok_t *t)
{
    ws(r);
    if (r->p >= r->end)
        return -1;
    const char *start = r->p;
    json_type_t type;
    int rc;
    switch (*r->p) {
    case '{': type = JSON_OBJECT; rc = container(r, depth, true); break;
    case '[': type = JSON_ARRAY; rc = container(r, depth, false); break;
    case '"': type = JSON_STRING; rc = string(r); break;
    case 't': type = JSON_TRUE; rc = lit(r, "true"); break;
    case 'f': type = JSON_FALSE; rc = lit(r, "false"); break;
    case 'n': type = JSON_NULL; rc = lit(r, "null"); break;
    default: type = JSON_NUMBER; rc = number(r); break;
    }
    if (rc < 0)
        return -1;
    if (t) {
        t->type = type;
        if (type == JSON_STRING) {
            t->p = start + 1;
            t->n = (size_t)(r->p - start) - 2;
        } else {
            t->p = start;
            t->n = (size_t)(r->p - start);
        }
    }
    return 0;
}

int json_valid(const char *s, size_t n)
{
    rd_t r = { s, s + n };
    if (value(&r, 0, NULL) < 0)
        return 0;
    ws(&r);
    return r.p == r.end;
}

int json_member(const char *s, size_t n, const char *key, json_tok_t *out)
{
    rd_t r = { s, s + n };
    ws(&r);
    if (r.p >= r.end || *r.p != '{')
        return -1;
    r.p++;
    ws(&r);
    if (r.p < r.end && *r.p == '}')
        return 0;
    size_t klen = strlen(key);
    for (;;) {
        ws(&r);
        if (r.p >= r.end || *r.p != '"')
            return -1;
        const char *k = r.p + 1;
        if (string(&r) < 0)
            return -1;
        size_t kn = (size_t)(r.p - k) - 1;
        ws(&r);
        if (r.p >= r.end || *r.p != ':')
            return -1;
        r.p++;
        json_tok_t t;
        if (value(&r, 1, &t) < 0)
            return -1;
        /* Keys are compared raw: ours are plain ASCII, never escaped. */
        if (kn == klen && memcmp(k, key, klen) == 0) {
            if (out)
                *out = t;
            return 1;
        }
        ws(&r);
        if (r.p >= r.end)
            return -1;
        if (*r.p == ',') {
            r.p++;
            continue;
        }
        if (*r.p == '}')
            return 0;
        return -1;
    }
}

int json_tok_int(const json_tok_t *t, int64_t *out)
{
    if (!t || (t->type != JSON_NUMBER && t->type != JSON_STRING) || t->n == 0 || t->n > 20)
        return -1;
    char tmp[24];
    memcpy(tmp, t->p, t->n);
    tmp[t->n] = '\0';
    char *end;
    errno = 0;
    long long v = strtoll(tmp, &end, 10);
    if (errno || *end || end == tmp)
        return -1;
    *out = v;
    return 0;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static int put_utf8(char *out, size_t n, size_t *k, unsigned cp)
{
    char tmp[4];
    size_t len;
    if (cp < 0x80) {
        tmp[0] = (char)cp;
        len = 1;
    } else if (cp < 0x800) {
        tmp[0] = (char)(0xc0 | (cp >> 6));
        tmp[1] = (char)(0x80 | (cp & 0x3f));
        len = 2;
    } else if (cp < 0x10000) {
        tmp[0] = (char)(0xe0 | (cp >> 12));
        tmp[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        tmp[2] = (char)(0x80 | (cp & 0x3f));
        len = 3;
    } else {
        tmp[0] = (char)(0xf0 | (cp >> 18));
        tmp[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        tmp[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        tmp[3] = (char)(0x80 | (cp & 0x3f));
        len = 4;
    }
    if (*k + len >= n)
        return -1;
    memcpy(out + *k, tmp, len);
    *k += len;
    return 0;
}

int json_tok_str(const json_tok_t *t, char *out, size_t n)
{
    if (!t || t->type != JSON_STRING || n == 0)
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < t->n; i++) {
        char c = t->p[i];
        if (c != '\\') {
            if (k + 1 >= n)
                return -1;
            out[k++] = c;
            continue;
        }
        if (++i >= t->n)
            return -1;
        char e = t->p[i];
        unsigned cp;
        switch (e) {
        case 'n': cp = '\n'; break;
        case 't': cp = '\t'; break;
        case 'r': cp = '\r'; break;
        case 'b': cp = '\b'; break;
        case 'f': cp = '\f'; break;
        case '/': cp = '/'; break;
        case '\\': cp = '\\'; break;
        case '"': cp = '"'; break;
        case 'u': {
            if (i + 4 >= t->n)
                return -1;
            cp = 0;
            for (int j = 1; j <= 4; j++) {
                int h = hexval(t->p[i + (size_t)j]);
                if (h < 0)
                    return -1;
                cp = cp * 16 + (unsigned)h;
            }
            i += 4;
            if (cp >= 0xd800 && cp <= 0xdbff) { /* a surrogate pair */
                unsigned lo = 0;
                if (i + 6 >= t->n || t->p[i + 1] != '\\' || t->p[i + 2] != 'u')
                    return -1;
                for (int j = 3; j <= 6; j++) {
                    int h = hexval(t->p[i + (size_t)j]);
                    if (h < 0)
                        return -1;
                    lo = lo * 16 + (unsigned)h;
                }
                if (lo < 0xdc00 || lo > 0xdfff)
                    return -1;
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                i += 6;
            } else if (cp >= 0xdc00 && cp <= 0xdfff) {
                return -1;
            }
            break;
        }
        default:
            return -1;
        }
        if (cp == 0)
            return -1; /* an embedded NUL cannot live in a C string */
        if (put_utf8(out, n, &k, cp) < 0)
            return -1;
    }
    out[k] = '\0';
    return 0;
}
