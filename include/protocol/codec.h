/*
 * codec.h - PostgreSQL frontend/backend protocol 3.0 as bytes: framing of the
 * client stream, parsing of each frontend message into a struct, and building
 * of backend messages into a buf_t.
 *
 * The codec owns no state and touches no socket: framing functions look at a
 * byte range and say "need more", "here is one frame" or "malformed"; parse
 * functions read one frame's body with every count checked against the bytes
 * left; builders append whole messages. Strings returned by parsers point into
 * the frame (they are NUL-terminated there), arrays are allocated in the arena
 * the caller passes (the per-message arena), so the results live exactly as
 * long as the message. Every malformed input is reported as an err_t with
 * SQLSTATE 08P01 and severity FATAL (the connection must be dropped), except
 * where PostgreSQL reports a plain ERROR (noted per function).
 *
 * Interface:
 *   pgp_frame_startup / pgp_frame_message  split the stream into frames
 *   pgp_parse_*                            one frontend message -> struct
 *   pgp_msg_begin / pgp_msg_end / pgp_put_* backend messages
 *   pgp_row_* / pgp_col_*                  DataRow encoding helpers (inline)
 */
#ifndef PROTOCOL_CODEC_H
#define PROTOCOL_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/mem.h"

#define PGP_PROTOCOL(major, minor) (((uint32_t)(major) << 16) | (uint32_t)(minor))
#define PGP_PROTOCOL_LATEST PGP_PROTOCOL(3, 0)
#define PGP_CANCEL_REQUEST_CODE PGP_PROTOCOL(1234, 5678)
#define PGP_SSL_REQUEST_CODE PGP_PROTOCOL(1234, 5679)
#define PGP_GSSENC_REQUEST_CODE PGP_PROTOCOL(1234, 5680)
/* kiln only: a CancelRequest one node forwards to the others (src/session/cancel_fwd.c);
 * same layout as PostgreSQL's, looked up locally and never forwarded again. */
#define PGP_KILN_CANCEL_FORWARD_CODE PGP_PROTOCOL(1234, 5701)
/* PostgreSQL's MAX_STARTUP_PACKET_LENGTH. */
#define PGP_MAX_STARTUP_PACKET 10000
/* PostgreSQL's PQ_SMALL_MESSAGE_LIMIT: Describe, Execute, Close, Sync ... */
#define PGP_SMALL_MESSAGE_LIMIT 10000

/* Return codes of the framing functions. */
enum { PGP_NEED_MORE = 0, PGP_FRAME = 1 };

/* One frame of the client stream. */
typedef struct pgp_frame {
    char type;        /* message type byte; 0 for startup-phase packets */
    const char *body; /* bytes after the length word */
    uint32_t len;     /* body length (the length word minus 4) */
    size_t total;     /* bytes the frame occupies in the stream */
} pgp_frame_t;

/* pgp_frame_startup - frames a startup-phase packet (no type byte). Returns
 * PGP_FRAME, PGP_NEED_MORE, or -1 (08P01 "invalid length of startup packet")
 * when the length word is below 8 or above PGP_MAX_STARTUP_PACKET. */
int pgp_frame_startup(const char *p, size_t avail, pgp_frame_t *f, err_t *err) MUST_CHECK;

/* pgp_frame_message - frames a regular message. The type byte is checked first
 * (an unknown type is 08P01 "invalid frontend message type N", as PostgreSQL
 * says, because a lost stream gives garbage lengths); then the length against
 * PGP_SMALL_MESSAGE_LIMIT for small types and max_len for Query, Parse, Bind,
 * FunctionCall and CopyData. allow_auth (the authentication phase) admits
 * only 'p' (08P01 "expected password response, got message type N"). */
int pgp_frame_message(const char *p, size_t avail, uint32_t max_len, bool allow_auth,
                      pgp_frame_t *f, err_t *err) MUST_CHECK;

/* ---- frontend messages ---- */

typedef struct pgp_startup {
    uint32_t code;       /* protocol version or request code */
    int nparams;
    const char **names;  /* in the frame; array in the arena */
    const char **values;
    uint32_t cancel_pid, cancel_key; /* CancelRequest only */
} pgp_startup_t;

/* pgp_parse_startup - StartupMessage, SSLRequest, GSSENCRequest or
 * CancelRequest. Parameters are read only for protocol major 3. */
int pgp_parse_startup(const pgp_frame_t *f, mem_arena_t *a, pgp_startup_t *out, err_t *err) MUST_CHECK;

typedef struct pgp_query {
    const char *sql; /* NUL-terminated in the frame */
    size_t len;
} pgp_query_t;
int pgp_parse_query(const pgp_frame_t *f, pgp_query_t *out, err_t *err) MUST_CHECK;

typedef struct pgp_parse {
    const char *name;
    const char *sql;
    size_t sql_len;
    int nparams;
    uint32_t *param_types; /* in the arena; NULL when nparams is 0 */
} pgp_parse_t;
int pgp_parse_parse(const pgp_frame_t *f, mem_arena_t *a, pgp_parse_t *out, err_t *err) MUST_CHECK;

typedef struct pgp_bind_param {
    const char *data; /* in the frame, not NUL-terminated; NULL = SQL NULL */
    int32_t len;      /* -1 for NULL */
} pgp_bind_param_t;

typedef struct pgp_bind {
    const char *portal;
    const char *stmt;
    int nformats;            /* 0, 1 or nparams (checked by the session, PG says ERROR) */
    int16_t *formats;
    int nparams;
    pgp_bind_param_t *params;
    int nresult_formats;
    int16_t *result_formats;
} pgp_bind_t;
/* pgp_parse_bind - counts are checked against the bytes left before any
 * allocation; a parameter length below -1 is malformed. */
int pgp_parse_bind(const pgp_frame_t *f, mem_arena_t *a, pgp_bind_t *out, err_t *err) MUST_CHECK;

typedef struct pgp_target {
    char kind;        /* 'S' statement or 'P' portal (checked by the session) */
    const char *name;
} pgp_target_t;
/* pgp_parse_describe / pgp_parse_close - kind byte and name. */
int pgp_parse_target(const pgp_frame_t *f, pgp_target_t *out, err_t *err) MUST_CHECK;

typedef struct pgp_execute {
    const char *portal;
    int32_t max_rows; /* <= 0 means all */
} pgp_execute_t;
int pgp_parse_execute(const pgp_frame_t *f, pgp_execute_t *out, err_t *err) MUST_CHECK;

/* pgp_parse_empty - Sync, Flush, Terminate: the body must be empty. */
int pgp_parse_empty(const pgp_frame_t *f, err_t *err) MUST_CHECK;

/* pgp_parse_password - PasswordMessage: one string, nothing after it. */
int pgp_parse_password(const pgp_frame_t *f, const char **password, err_t *err) MUST_CHECK;

typedef struct pgp_sasl_initial {
    const char *mechanism;
    const char *data; /* NULL when the client sent length -1 */
    int32_t len;
} pgp_sasl_initial_t;
int pgp_parse_sasl_initial(const pgp_frame_t *f, pgp_sasl_initial_t *out, err_t *err) MUST_CHECK;

/* ---- backend messages ---- */

/* pgp_msg_begin - appends the type byte and a length placeholder; returns the
 * offset to pass to pgp_msg_end, which fills in the length. */
static inline size_t pgp_msg_begin(buf_t *b, char type)
{
    buf_reserve(b, 5);
    b->data[b->len++] = type;
    size_t at = b->len;
    b->len += 4;
    return at;
}
static inline void pgp_msg_end(buf_t *b, size_t at)
{
    buf_set_u32(b, at, (uint32_t)(b->len - at));
}

/* Messages without a body: '1' ParseComplete, '2' BindComplete, '3'
 * CloseComplete, 'n' NoData, 's' PortalSuspended, 'I' EmptyQueryResponse. */
void pgp_put_empty(buf_t *b, char type);
void pgp_put_auth(buf_t *b, uint32_t code, const void *data, size_t n);
/* pgp_put_auth_sasl - AuthenticationSASL with a list of mechanisms. */
void pgp_put_auth_sasl(buf_t *b, const char *const *mechs, int n);
void pgp_put_parameter_status(buf_t *b, const char *name, const char *value);
void pgp_put_backend_key(buf_t *b, uint32_t pid, uint32_t key);
void pgp_put_ready(buf_t *b, char status);
void pgp_put_command_complete(buf_t *b, const char *tag);
/* pgp_put_error - ErrorResponse ('E', notice false) or NoticeResponse ('N')
 * with S, V, C, M and, when present, D, H, P, F, L, R. */
void pgp_put_error(buf_t *b, const err_t *e, bool notice);
void pgp_put_negotiate_version(buf_t *b, uint32_t version, int n, const char *const *names);
void pgp_put_parameter_description(buf_t *b, int n, const uint32_t *oids);
/* pgp_put_byte - the bare one-byte answer to SSLRequest / GSSENCRequest. */
void pgp_put_byte(buf_t *b, char c);

/* RowDescription: begin with the field count, then one pgp_put_field each. */
static inline size_t pgp_row_description_begin(buf_t *b, int nfields)
{
    size_t at = pgp_msg_begin(b, 'T');
    buf_put_u16(b, (uint16_t)nfields);
    return at;
}
void pgp_put_field(buf_t *b, const char *name, uint32_t table_oid, int16_t attnum, uint32_t type,
                   int16_t typlen, int32_t typmod, int16_t format);

/* DataRow: pgp_row_begin, then per column pgp_col_null or pgp_col_begin +
 * value bytes + pgp_col_end, then pgp_msg_end(b, row). */
static inline size_t pgp_row_begin(buf_t *b, int ncols)
{
    size_t at = pgp_msg_begin(b, 'D');
    buf_put_u16(b, (uint16_t)ncols);
    return at;
}
static inline void pgp_col_null(buf_t *b)
{
    buf_put_u32(b, 0xffffffffu);
}
static inline size_t pgp_col_begin(buf_t *b)
{
    buf_reserve(b, 4);
    size_t at = b->len;
    b->len += 4;
    return at;
}
static inline void pgp_col_end(buf_t *b, size_t at)
{
    buf_set_u32(b, at, (uint32_t)(b->len - at - 4));
}

#endif
