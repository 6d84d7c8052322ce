/*
 * codec.c - PostgreSQL protocol 3.0 framing, frontend message parsing and
 * backend message building (see include/protocol/codec.h).
 *
 * Not here: sockets (src/net), what a message means for a session
 * (src/session), authentication exchanges (src/protocol/auth.c).
 *
 * Every read goes through the bounded reader below, which checks the bytes
 * left before it reads or allocates, so a hostile count or length can only
 * produce an error, never an over-read or a huge allocation. The messages of
 * malformed-input errors are PostgreSQL's own (pqformat.c, postgres.c).
 */
#include "protocol/codec.h"

#include <stdio.h>
#include <string.h>

/* ---- bounded reader ---- */

typedef struct reader {
    const char *p;
    size_t left;
} reader_t;

static int malformed(err_t *err, const char *msg)
{
    err_set(err, ERRCODE_PROTOCOL_VIOLATION, "%s", msg);
    err_fatal(err);
    return -1;
}

static int rd_u8(reader_t *r, uint8_t *v, err_t *err)
{
    if (r->left < 1)
        return malformed(err, "insufficient data left in message");
    *v = (uint8_t)r->p[0];
    r->p++;
    r->left--;
    return 0;
}

static int rd_u16(reader_t *r, uint16_t *v, err_t *err)
{
    if (r->left < 2)
        return malformed(err, "insufficient data left in message");
    *v = buf_get_u16(r->p);
    r->p += 2;
    r->left -= 2;
    return 0;
}

static int rd_u32(reader_t *r, uint32_t *v, err_t *err)
{
    if (r->left < 4)
        return malformed(err, "insufficient data left in message");
    *v = buf_get_u32(r->p);
    r->p += 4;
    r->left -= 4;
    return 0;
}

/* rd_str - a NUL-terminated string inside the remaining bytes. */
static int rd_str(reader_t *r, const char **s, size_t *len, err_t *err)
{
    const char *nul = memchr(r->p, '\0', r->left);
    if (!nul)
        return malformed(err, "invalid string in message");
    size_t n = (size_t)(nul - r->p);
    *s = r->p;
    if (len)
        *len = n;
    r->p += n + 1;
    r->left -= n + 1;
    return 0;
}

static int rd_bytes(reader_t *r, size_t n, const char **out, err_t *err)
{
    if (r->left < n)
        return malformed(err, "insufficient data left in message");
    *out = r->p;
    r->p += n;
    r->left -= n;
    return 0;
}

static int rd_end(const reader_t *r, err_t *err)
{
    if (r->left != 0)
        return malformed(err, "invalid message format");
    return 0;
}

static reader_t rd_frame(const pgp_frame_t *f)
{
    reader_t r = { f->body, f->len };
    return r;
}

/* ---- framing ---- */

int pgp_frame_startup(const char *p, size_t avail, pgp_frame_t *f, err_t *err)
{
    if (avail < 4)
        return PGP_NEED_MORE;
    uint32_t len = buf_get_u32(p);
    if (len < 8 || len > PGP_MAX_STARTUP_PACKET)
        return malformed(err, "invalid length of startup packet");
    if (avail < len)
        return PGP_NEED_MORE;
    f->type = 0;
    f->body = p + 4;
    f->len = len - 4;
    f->total = len;
    return PGP_FRAME;
}

/* msg_limit - the largest body a type may have, 0 for unknown types. */
static uint32_t msg_limit(char type, uint32_t max_len, bool allow_auth)
{
    if (allow_auth)
        return type == 'p' ? PGP_MAX_STARTUP_PACKET : 0;
    switch (type) {
    case 'Q': case 'P': case 'B': case 'F': case 'd':
        return max_len;
    case 'D': case 'E': case 'C': case 'H': case 'S': case 'X': case 'c': case 'f':
        return PGP_SMALL_MESSAGE_LIMIT;
    default:
        return 0;
    }
}

int pgp_frame_message(const char *p, size_t avail, uint32_t max_len, bool allow_auth,
                      pgp_frame_t *f, err_t *err)
{
    if (avail < 1)
        return PGP_NEED_MORE;
    char type = p[0];
    uint32_t limit = msg_limit(type, max_len, allow_auth);
    if (limit == 0) {
        if (allow_auth)
            err_set(err, ERRCODE_PROTOCOL_VIOLATION,
                    "expected password response, got message type %d", (unsigned char)type);
        else
            err_set(err, ERRCODE_PROTOCOL_VIOLATION, "invalid frontend message type %d",
                    (unsigned char)type);
        err_fatal(err);
        return -1;
    }
    if (avail < 5)
        return PGP_NEED_MORE;
    uint32_t len = buf_get_u32(p + 1);
    if (len < 4 || len - 4 > limit)
        return malformed(err, "invalid message length");
    if (avail - 1 < len)
        return PGP_NEED_MORE;
    f->type = type;
    f->body = p + 5;
    f->len = len - 4;
    f->total = (size_t)len + 1;
    return PGP_FRAME;
}

/* ---- frontend messages ---- */

int pgp_parse_startup(const pgp_frame_t *f, mem_arena_t *a, pgp_startup_t *out, err_t *err)
{
    reader_t r = rd_frame(f);
    memset(out, 0, sizeof *out);
    if (rd_u32(&r, &out->code, err) < 0)
        return -1;
    if (out->code == PGP_CANCEL_REQUEST_CODE || out->code == PGP_KILN_CANCEL_FORWARD_CODE) {
        if (rd_u32(&r, &out->cancel_pid, err) < 0 || rd_u32(&r, &out->cancel_key, err) < 0)
            return -1;
        return rd_end(&r, err);
    }
    if (out->code == PGP_SSL_REQUEST_CODE || out->code == PGP_GSSENC_REQUEST_CODE)
        return rd_end(&r, err);
    if (out->code >> 16 != 3)
        return 0; /* the session rejects the version; the layout is unknown */
    /* A packet of n bytes holds at most n/2 name/value pairs; size the arrays once. */
    size_t max = r.left / 2 + 1;
    out->names = mem_alloc(a, max * sizeof(char *));
    out->values = mem_alloc(a, max * sizeof(char *));
    for (;;) {
        if (r.left == 0)
            return malformed(err, "invalid startup packet layout: expected terminator as last byte");
        if (r.p[0] == '\0') {
            r.p++;
            r.left--;
            break;
        }
        const char *name, *value;
        if (rd_str(&r, &name, NULL, err) < 0 || rd_str(&r, &value, NULL, err) < 0) {
            err_clear(err);
            return malformed(err, "invalid startup packet layout: expected terminator as last byte");
        }
        out->names[out->nparams] = name;
        out->values[out->nparams] = value;
        out->nparams++;
    }
    if (r.left != 0)
        return malformed(err, "invalid startup packet layout: expected terminator as last byte");
    return 0;
}

int pgp_parse_query(const pgp_frame_t *f, pgp_query_t *out, err_t *err)
{
    reader_t r = rd_frame(f);
    if (rd_str(&r, &out->sql, &out->len, err) < 0)
        return -1;
    return rd_end(&r, err);
}

int pgp_parse_parse(const pgp_frame_t *f, mem_arena_t *a, pgp_parse_t *out, err_t *err)
{
    reader_t r = rd_frame(f);
    uint16_t n;
    memset(out, 0, sizeof *out);
    if (rd_str(&r, &out->name, NULL, err) < 0 || rd_str(&r, &out->sql, &out->sql_len, err) < 0 ||
        rd_u16(&r, &n, err) < 0)
        return -1;
    if ((size_t)n * 4 > r.left)
        return malformed(err, "insufficient data left in message");
    out->nparams = n;
    if (n) {
        out->param_types = mem_alloc(a, (size_t)n * sizeof(uint32_t));
        for (int i = 0; i < n; i++)
            if (rd_u32(&r, &out->param_types[i], err) < 0)
                return -1;
    }
    return rd_end(&r, err);
}

/* rd_formats - an Int16 count followed by that many Int16 format codes. */
static int rd_formats(reader_t *r, mem_arena_t *a, int *n_out, int16_t **out, err_t *err)
{
    uint16_t n;
    if (rd_u16(r, &n, err) < 0)
        return -1;
    if ((size_t)n * 2 > r->left)
        return malformed(err, "insufficient data left in message");
    *n_out = n;
    *out = NULL;
    if (n) {
        *out = mem_alloc(a, (size_t)n * sizeof(int16_t));
        for (int i = 0; i < n; i++) {
            uint16_t v;
            if (rd_u16(r, &v, err) < 0)
                return -1;
            (*out)[i] = (int16_t)v;
        }
    }
    return 0;
}

int pgp_parse_bind(const pgp_frame_t *f, mem_arena_t *a, pgp_bind_t *out, err_t *err)
{
    reader_t r = rd_frame(f);
    memset(out, 0, sizeof *out);
    if (rd_str(&r, &out->portal, NULL, err) < 0 || rd_str(&r, &out->stmt, NULL, err) < 0 ||
        rd_formats(&r, a, &out->nformats, &out->formats, err) < 0)
        return -1;
    uint16_t n;
    if (rd_u16(&r, &n, err) < 0)
        return -1;
    /* Each parameter takes at least its 4-byte length word. */
    if ((size_t)n * 4 > r.left)
        return malformed(err, "insufficient data left in message");
    out->nparams = n;
    if (n) {
        out->params = mem_alloc(a, (size_t)n * sizeof(pgp_bind_param_t));
        for (int i = 0; i < n; i++) {
            uint32_t len;
            if (rd_u32(&r, &len, err) < 0)
                return -1;
            int32_t slen = (int32_t)len;
            if (slen == -1) {
                out->params[i].data = NULL;
                out->params[i].len = -1;
                continue;
            }
            if (slen < 0)
                return malformed(err, "insufficient data left in message");
            if (rd_bytes(&r, (size_t)slen, &out->params[i].data, err) < 0)
                return -1;
            out->params[i].len = slen;
        }
    }
    if (rd_formats(&r, a, &out->nresult_formats, &out->result_formats, err) < 0)
        return -1;
    return rd_end(&r, err);
}

int pgp_parse_target(const pgp_frame_t *f, pgp_target_t *out, err_t *err)
{
    reader_t r = rd_frame(f);
    uint8_t kind = 0;
    if (rd_u8(&r, &kind, err) < 0 || rd_str(&r, &out->name, NULL, err) < 0)
        return -1;
    out->kind = (char)kind;
    return rd_end(&r, err);
}

int pgp_parse_execute(const pgp_frame_t *f, pgp_execute_t *out, err_t *err)
{
    reader_t r = rd_frame(f);
    uint32_t n;
    if (rd_str(&r, &out->portal, NULL, err) < 0 || rd_u32(&r, &n, err) < 0)
        return -1;
    out->max_rows = (int32_t)n;
    return rd_end(&r, err);
}

int pgp_parse_empty(const pgp_frame_t *f, err_t *err)
{
    reader_t r = rd_frame(f);
    return rd_end(&r, err);
}

int pgp_parse_password(const pgp_frame_t *f, const char **password, err_t *err)
{
    reader_t r = rd_frame(f);
    if (rd_str(&r, password, NULL, err) < 0)
        return -1;
    return rd_end(&r, err);
}

int pgp_parse_sasl_initial(const pgp_frame_t *f, pgp_sasl_initial_t *out, err_t *err)
{
    reader_t r = rd_frame(f);
    uint32_t len;
    if (rd_str(&r, &out->mechanism, NULL, err) < 0 || rd_u32(&r, &len, err) < 0)
        return -1;
    out->len = (int32_t)len;
    out->data = NULL;
    if (out->len == -1)
        return rd_end(&r, err);
    if (out->len < 0)
        return malformed(err, "insufficient data left in message");
    if (rd_bytes(&r, (size_t)out->len, &out->data, err) < 0)
        return -1;
    return rd_end(&r, err);
}

/* ---- backend messages ---- */

void pgp_put_empty(buf_t *b, char type)
{
    buf_reserve(b, 5);
    b->data[b->len] = type;
    b->data[b->len + 1] = 0;
    b->data[b->len + 2] = 0;
    b->data[b->len + 3] = 0;
    b->data[b->len + 4] = 4;
    b->len += 5;
}

void pgp_put_byte(buf_t *b, char c)
{
    buf_putc(b, c);
}

void pgp_put_auth(buf_t *b, uint32_t code, const void *data, size_t n)
{
    size_t at = pgp_msg_begin(b, 'R');
    buf_put_u32(b, code);
    buf_append(b, data, n);
    pgp_msg_end(b, at);
}

void pgp_put_auth_sasl(buf_t *b, const char *const *mechs, int n)
{
    size_t at = pgp_msg_begin(b, 'R');
    buf_put_u32(b, 10);
    for (int i = 0; i < n; i++)
        buf_putstr0(b, mechs[i]);
    buf_putc(b, '\0');
    pgp_msg_end(b, at);
}

void pgp_put_parameter_status(buf_t *b, const char *name, const char *value)
{
    size_t at = pgp_msg_begin(b, 'S');
    buf_putstr0(b, name);
    buf_putstr0(b, value);
    pgp_msg_end(b, at);
}

void pgp_put_backend_key(buf_t *b, uint32_t pid, uint32_t key)
{
    size_t at = pgp_msg_begin(b, 'K');
    buf_put_u32(b, pid);
    buf_put_u32(b, key);
    pgp_msg_end(b, at);
}

void pgp_put_ready(buf_t *b, char status)
{
    buf_reserve(b, 6);
    b->data[b->len] = 'Z';
    b->data[b->len + 1] = 0;
    b->data[b->len + 2] = 0;
    b->data[b->len + 3] = 0;
    b->data[b->len + 4] = 5;
    b->data[b->len + 5] = status;
    b->len += 6;
}

void pgp_put_command_complete(buf_t *b, const char *tag)
{
    size_t at = pgp_msg_begin(b, 'C');
    buf_putstr0(b, tag);
    pgp_msg_end(b, at);
}

static void put_field(buf_t *b, char code, const char *value)
{
    buf_putc(b, code);
    buf_putstr0(b, value);
}

void pgp_put_error(buf_t *b, const err_t *e, bool notice)
{
    size_t at = pgp_msg_begin(b, notice ? 'N' : 'E');
    const char *sev = err_severity_name(e->severity);
    put_field(b, 'S', sev);
    put_field(b, 'V', sev);
    put_field(b, 'C', e->sqlstate[0] ? e->sqlstate : ERRCODE_INTERNAL_ERROR);
    put_field(b, 'M', e->message);
    if (e->detail[0])
        put_field(b, 'D', e->detail);
    if (e->hint[0])
        put_field(b, 'H', e->hint);
    if (e->position > 0) {
        char pos[16];
        snprintf(pos, sizeof pos, "%d", e->position);
        put_field(b, 'P', pos);
    }
    if (e->file) {
        const char *base = strrchr(e->file, '/');
        char line[16];
        put_field(b, 'F', base ? base + 1 : e->file);
        snprintf(line, sizeof line, "%d", e->line);
        put_field(b, 'L', line);
        if (e->func)
            put_field(b, 'R', e->func);
    }
    buf_putc(b, '\0');
    pgp_msg_end(b, at);
}

void pgp_put_negotiate_version(buf_t *b, uint32_t version, int n, const char *const *names)
{
    size_t at = pgp_msg_begin(b, 'v');
    buf_put_u32(b, version);
    buf_put_u32(b, (uint32_t)n);
    for (int i = 0; i < n; i++)
        buf_putstr0(b, names[i]);
    pgp_msg_end(b, at);
}

void pgp_put_parameter_description(buf_t *b, int n, const uint32_t *oids)
{
    size_t at = pgp_msg_begin(b, 't');
    buf_put_u16(b, (uint16_t)n);
    for (int i = 0; i < n; i++)
        buf_put_u32(b, oids[i]);
    pgp_msg_end(b, at);
}

void pgp_put_field(buf_t *b, const char *name, uint32_t table_oid, int16_t attnum, uint32_t type,
                   int16_t typlen, int32_t typmod, int16_t format)
{
    size_t n = strlen(name);
    buf_reserve(b, n + 1 + 18);
    memcpy(b->data + b->len, name, n + 1);
    b->len += n + 1;
    buf_put_u32(b, table_oid);
    buf_put_u16(b, (uint16_t)attnum);
    buf_put_u32(b, type);
    buf_put_u16(b, (uint16_t)typlen);
    buf_put_u32(b, (uint32_t)typmod);
    buf_put_u16(b, (uint16_t)format);
}
