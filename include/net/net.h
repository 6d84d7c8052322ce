/*
 * net.h - the libuv side of kiln: TCP listeners, connections with an input
 * buffer and a write queue, and the bridge to the libuv worker pool.
 *
 * Bytes only: net knows nothing of the PostgreSQL protocol. A connection
 * reads into one growable input buffer that its owner consumes from the
 * front (net_conn_data / net_conn_consume); output is handed over whole with
 * net_conn_send, which tries uv_try_write first and queues the rest, so a
 * batch of responses costs one write system call when the socket has room.
 * At most one uv_write is in flight; bytes sent meanwhile go to a backlog
 * buffer that becomes the next write. Buffers are reused, so steady-state
 * traffic does no allocation.
 *
 * Threading: everything here runs on the loop thread, except the `run`
 * function of a net_work_t, which runs on a libuv worker thread.
 *
 * Lifetime: net_conn_close() flushes queued output, closes the socket and
 * then calls on_close, the last callback for that connection; the net_conn_t
 * is freed after it returns.
 */
#ifndef NET_NET_H
#define NET_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/mem.h"

typedef struct net_listener net_listener_t;
typedef struct net_conn net_conn_t;

/* What a listener's owner is told about its connections. ud is what on_open
 * returned for the connection. */
typedef struct net_conn_cbs {
    /* on_open - a connection was accepted; returns its user data (not NULL). */
    void *(*on_open)(void *listener_arg, net_conn_t *c);
    /* on_read - new bytes are in the input buffer. */
    void (*on_read)(void *ud);
    /* on_drain - a write completed; net_conn_pending() says how much is left. */
    void (*on_drain)(void *ud);
    /* on_eof - the peer closed or the socket failed (status < 0, UV_EOF for a
     * clean close); reading has stopped. The owner calls net_conn_close. */
    void (*on_eof)(void *ud, int status);
    /* on_close - the connection is gone; free the user data. */
    void (*on_close)(void *ud);
} net_conn_cbs_t;

/* net_listen - binds addr:port (port 0 picks a free one) and accepts
 * connections with TCP_NODELAY set. Errors: 58000 naming the address. */
int net_listen(uv_loop_t *loop, const char *addr, int port, const net_conn_cbs_t *cbs, void *arg,
               net_listener_t **out, err_t *err) MUST_CHECK;
/* net_listener_port - the port actually bound. */
int net_listener_port(const net_listener_t *l);
/* net_listener_close - stops accepting and frees the listener (asynchronously). */
void net_listener_close(net_listener_t *l);

/* net_conn_data - the unconsumed input bytes; valid until the next read,
 * which cannot happen while reading is stopped or before on_read returns. */
const char *net_conn_data(const net_conn_t *c, size_t *len);
void net_conn_consume(net_conn_t *c, size_t n);
/* net_conn_read - starts (on) or stops (off) reading from the socket. */
void net_conn_read(net_conn_t *c, bool on);
/* net_conn_send - takes all bytes of out (out->len is 0 afterwards; its
 * memory may be swapped with a net buffer). Returns < 0 when the connection
 * is closing or the socket failed (the bytes are dropped). */
int net_conn_send(net_conn_t *c, buf_t *out);
/* net_conn_pending - bytes accepted by net_conn_send not yet written. */
size_t net_conn_pending(const net_conn_t *c);
/* net_conn_close - stops reading, writes what is queued, closes. Idempotent. */
void net_conn_close(net_conn_t *c);
/* net_conn_abort - closes now, dropping unwritten output (a client that
 * stopped reading must not hold up a shutdown). Idempotent. */
void net_conn_abort(net_conn_t *c);
uv_loop_t *net_conn_loop(const net_conn_t *c);
/* net_conn_peer - "host:port" of the client, for log lines. */
const char *net_conn_peer(const net_conn_t *c);

/* A job for the libuv worker pool. Embed it in your own struct. */
typedef struct net_work net_work_t;
struct net_work {
    uv_work_t req;
    void (*run)(net_work_t *w);             /* worker thread */
    void (*done)(net_work_t *w, int status); /* loop thread; status UV_ECANCELED if never run */
};
/* net_work_submit - queues w->run on the pool; w->done follows on the loop. */
int net_work_submit(uv_loop_t *loop, net_work_t *w) MUST_CHECK;

#endif
