/*
 * session.h - PostgreSQL sessions: the per-connection state machine
 * (startup, authentication, simple and extended query protocol, portals,
 * transaction status, cancel) and the server object that owns the listener
 * and every session of a node.
 *
 * A session reads client bytes and writes server bytes through a sess_io_t,
 * so the whole state machine runs without sockets in unit tests; the server
 * (sess_server_listen) plugs sessions into src/net connections. Statements
 * go to the SQL engine through include/sql/sql.h only.
 *
 * Threading: everything on the loop thread; statements that are not cheap
 * (sql_stmt_is_cheap) execute on the libuv worker pool while their session
 * stops reading. Notices such a statement raises are handed to the loop
 * thread (a mutex-guarded buffer and a uv_async_t) and sent at once. Lifetime: the server outlives its sessions; a session is
 * freed by sess_free after its connection is gone.
 */
#ifndef SESSION_SESSION_H
#define SESSION_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#include "common/buf.h"
#include "common/cfg.h"
#include "common/err.h"
#include "common/mem.h"

typedef struct sess_server sess_server_t;
typedef struct sess sess_t;

/* sess_server_new - the sessions of one node. cfg is the server's
 * configuration; it is borrowed and must outlive the server. Reads the
 * kiln.auth.* and kiln.pg.* options now. Never NULL. */
sess_server_t *sess_server_new(uv_loop_t *loop, const cfg_t *cfg);
/* sess_server_listen - listens on kiln.pg.listen-address / kiln.pg.port and
 * logs `listening on ADDR:PORT`. Errors: the address is unusable. */
int sess_server_listen(sess_server_t *srv, err_t *err) MUST_CHECK;
/* sess_server_port - the bound port (after sess_server_listen). */
int sess_server_port(const sess_server_t *srv);
/* sess_server_shutdown - stops listening and ends every session with FATAL
 * 57P01 "terminating connection due to administrator command" (running
 * statements are cancelled first). Handles close asynchronously; the loop
 * ends once they are gone. */
void sess_server_shutdown(sess_server_t *srv);
/* sess_server_abort - after a grace period: closes the connections that are
 * still open (clients that stopped reading) without writing their output. */
void sess_server_abort(sess_server_t *srv);
/* sess_server_count - sessions alive (for tests and shutdown). */
int sess_server_count(const sess_server_t *srv);
/* sess_server_free - after the loop has finished. NULL ok. */
void sess_server_free(sess_server_t *srv);

/* How a session reaches its connection. */
typedef struct sess_io {
    void *arg;
    /* input - the unconsumed client bytes (valid until consume or until reading resumes). */
    const char *(*input)(void *arg, size_t *len);
    void (*consume)(void *arg, size_t n);
    /* send - takes all of out's bytes (out->len becomes 0); < 0: the connection is dead. */
    int (*send)(void *arg, buf_t *out);
    /* pending - bytes sent but not yet written to the socket. */
    size_t (*pending)(void *arg);
    /* read - start (true) or stop reading from the client. */
    void (*read)(void *arg, bool on);
    /* close - write what is queued, then close; the owner calls sess_free afterwards. */
    void (*close)(void *arg);
    /* abort - close now, dropping unwritten output; sess_free follows as for close. */
    void (*abort)(void *arg);
} sess_io_t;

/* sess_new - a session in the startup phase on a connection. */
sess_t *sess_new(sess_server_t *srv, const sess_io_t *io);
/* sess_on_input - new client bytes: process every complete message, then
 * write the responses (one send per batch). */
void sess_on_input(sess_t *s);
/* sess_on_drain - the connection wrote some output; resumes a session that
 * stopped because its pending output passed kiln.pg.output-high-water-bytes,
 * or sends the notices a running statement left while it was above it. */
void sess_on_drain(sess_t *s);
/* sess_on_eof - the client went away: cancel what runs, then close. */
void sess_on_eof(sess_t *s);
/* sess_free - after io->close completed. Waits for nothing: the caller
 * guarantees no worker job runs (sess_is_busy is false). */
void sess_free(sess_t *s);
/* sess_is_busy - a statement runs on a worker thread. */
bool sess_is_busy(const sess_t *s);
/* sess_backend_pid - the process id the client saw in BackendKeyData. */
int sess_backend_pid(const sess_t *s);

#endif
