/*
 * net.c - TCP listeners, connections, write queue and worker-pool bridge on
 * libuv (see include/net/net.h).
 *
 * Not here: anything about the bytes' meaning (src/protocol, src/session).
 *
 * Input: one buf_t per connection. Consumed bytes are only an offset; the
 * buffer is compacted in the allocation callback, i.e. right before the next
 * read, which is the one moment the owner holds no pointer into it.
 * Output: net_conn_send tries uv_try_write on the caller's buffer; if the
 * kernel takes everything (the common case for small responses) nothing is
 * copied. A remainder is moved (buffer swap, no copy) into the in-flight
 * buffer and written with uv_write; sends during that write append to a
 * backlog that is swapped in when the write completes.
 */
#include "net/net.h"

#include <stdio.h>
#include <string.h>

#include "common/log.h"

/* Free space offered to each read; large messages grow the buffer further.
 * 16 KiB holds many pipelined messages and keeps an idle connection small
 * (the buffer is kept between reads, so reading allocates nothing). */
#define NET_READ_CHUNK 16384
/* An idle input buffer larger than this is released. */
#define NET_IN_KEEP (1u << 20)

struct net_listener {
    uv_tcp_t tcp;
    net_conn_cbs_t cbs;
    void *arg;
    int port;
};

struct net_conn {
    uv_tcp_t tcp;
    net_conn_cbs_t cbs;
    void *ud;
    buf_t in;
    size_t in_off;
    buf_t inflight;   /* bytes of the uv_write in progress */
    size_t inflight_off;
    buf_t backlog;    /* bytes sent while a write is in progress */
    uv_write_t wreq;
    uv_shutdown_t sreq;
    bool writing, reading, want_read, closing, failed, handle_closed;
    char peer[64];
};

static void swap_buf(buf_t *a, buf_t *b)
{
    buf_t t = *a;
    *a = *b;
    *b = t;
}

/* ---- reading ---- */

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *out)
{
    net_conn_t *c = h->data;
    (void)suggested;
    if (c->in_off > 0) {
        size_t rest = c->in.len - c->in_off;
        memmove(c->in.data, c->in.data + c->in_off, rest);
        c->in.len = rest;
        c->in_off = 0;
    }
    buf_reserve(&c->in, NET_READ_CHUNK);
    out->base = c->in.data + c->in.len;
    out->len = c->in.cap - c->in.len;
}

static void read_cb(uv_stream_t *st, ssize_t nread, const uv_buf_t *b)
{
    net_conn_t *c = st->data;
    (void)b;
    if (nread > 0) {
        c->in.len += (size_t)nread;
        c->cbs.on_read(c->ud);
        /* The owner may have closed the connection inside on_read. */
        if (c->in_off == c->in.len) {
            c->in.len = c->in_off = 0;
            if (c->in.cap > NET_IN_KEEP)
                buf_free(&c->in);
        }
        return;
    }
    if (nread == 0)
        return;
    uv_read_stop(st);
    c->reading = false;
    c->want_read = false;
    if (!c->closing)
        c->cbs.on_eof(c->ud, (int)nread);
}

void net_conn_read(net_conn_t *c, bool on)
{
    c->want_read = on;
    if (c->closing)
        return;
    if (on && !c->reading) {
        if (uv_read_start((uv_stream_t *)&c->tcp, alloc_cb, read_cb) == 0)
            c->reading = true;
    } else if (!on && c->reading) {
        uv_read_stop((uv_stream_t *)&c->tcp);
        c->reading = false;
    }
}

const char *net_conn_data(const net_conn_t *c, size_t *len)
{
    *len = c->in.len - c->in_off;
    return c->in.data + c->in_off;
}

void net_conn_consume(net_conn_t *c, size_t n)
{
    c->in_off += n;
    if (c->in_off > c->in.len)
        c->in_off = c->in.len;
}

/* ---- writing ---- */

static void handle_close_cb(uv_handle_t *h)
{
    net_conn_t *c = h->data;
    c->cbs.on_close(c->ud);
    buf_free(&c->in);
    buf_free(&c->inflight);
    buf_free(&c->backlog);
    mem_free(c);
}

static void shutdown_cb(uv_shutdown_t *req, int status)
{
    net_conn_t *c = req->data;
    (void)status;
    uv_close((uv_handle_t *)&c->tcp, handle_close_cb);
}

/* finish_close - once nothing is in flight: FIN after the last bytes, then close. */
static void finish_close(net_conn_t *c)
{
    if (c->handle_closed)
        return;
    c->handle_closed = true;
    c->sreq.data = c;
    if (c->failed || uv_shutdown(&c->sreq, (uv_stream_t *)&c->tcp, shutdown_cb) != 0)
        uv_close((uv_handle_t *)&c->tcp, handle_close_cb);
}

static void write_cb(uv_write_t *req, int status);

static int start_write(net_conn_t *c)
{
    uv_buf_t b = uv_buf_init(c->inflight.data + c->inflight_off,
                             (unsigned int)(c->inflight.len - c->inflight_off));
    int rc = uv_write(&c->wreq, (uv_stream_t *)&c->tcp, &b, 1, write_cb);
    if (rc < 0) {
        c->failed = true;
        c->inflight.len = c->inflight_off = 0;
        c->backlog.len = 0;
        return rc;
    }
    c->writing = true;
    return 0;
}

static void write_cb(uv_write_t *req, int status)
{
    net_conn_t *c = req->data;
    c->writing = false;
    c->inflight.len = c->inflight_off = 0;
    if (status < 0) {
        c->failed = true;
        c->backlog.len = 0;
        if (c->closing) {
            finish_close(c);
            return;
        }
        /* Reading stops too: a connection that cannot be written is dead. */
        net_conn_read(c, false);
        c->cbs.on_eof(c->ud, status);
        return;
    }
    if (c->backlog.len > 0) {
        swap_buf(&c->inflight, &c->backlog);
        c->inflight_off = 0;
        if (start_write(c) < 0 && !c->closing) {
            net_conn_read(c, false);
            c->cbs.on_eof(c->ud, UV_EPIPE);
            return;
        }
    }
    if (c->closing) {
        if (!c->writing)
            finish_close(c);
        return;
    }
    c->cbs.on_drain(c->ud);
}

int net_conn_send(net_conn_t *c, buf_t *out)
{
    if (out->len == 0)
        return 0;
    if (c->failed || c->handle_closed) {
        out->len = 0;
        return -1;
    }
    if (c->writing) {
        buf_append(&c->backlog, out->data, out->len);
        out->len = 0;
        return 0;
    }
    uv_buf_t b = uv_buf_init(out->data, (unsigned int)out->len);
    int n = uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
    if (n == (int)out->len) {
        out->len = 0;
        return 0;
    }
    if (n < 0 && n != UV_EAGAIN && n != UV_ENOSYS) {
        c->failed = true;
        out->len = 0;
        return -1;
    }
    if (n < 0)
        n = 0;
    /* Hand the caller's buffer to the write and give it our empty one back. */
    swap_buf(&c->inflight, out);
    out->len = 0;
    c->inflight_off = (size_t)n;
    return start_write(c);
}

size_t net_conn_pending(const net_conn_t *c)
{
    return (c->writing ? c->inflight.len - c->inflight_off : 0) + c->backlog.len;
}

void net_conn_close(net_conn_t *c)
{
    if (c->closing)
        return;
    net_conn_read(c, false);
    c->closing = true;
    if (!c->writing)
        finish_close(c);
}

void net_conn_abort(net_conn_t *c)
{
    if (c->handle_closed)
        return;
    c->closing = true;
    c->failed = true;
    c->handle_closed = true;
    if (c->reading) {
        uv_read_stop((uv_stream_t *)&c->tcp);
        c->reading = false;
    }
    /* uv_close cancels the in-flight write; write_cb sees closing and returns. */
    uv_close((uv_handle_t *)&c->tcp, handle_close_cb);
}

uv_loop_t *net_conn_loop(const net_conn_t *c)
{
    return c->tcp.loop;
}

const char *net_conn_peer(const net_conn_t *c)
{
    return c->peer;
}

/* ---- listening ---- */

static void peer_name(net_conn_t *c)
{
    struct sockaddr_storage ss;
    int len = sizeof ss;
    char host[48] = "?";
    int port = 0;
    if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) == 0) {
        if (ss.ss_family == AF_INET) {
            uv_ip4_name((struct sockaddr_in *)&ss, host, sizeof host);
            port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
        } else if (ss.ss_family == AF_INET6) {
            uv_ip6_name((struct sockaddr_in6 *)&ss, host, sizeof host);
            port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
        }
    }
    snprintf(c->peer, sizeof c->peer, "%s:%d", host, port);
}

static void reject_close_cb(uv_handle_t *h)
{
    mem_free(h->data);
}

static void connection_cb(uv_stream_t *server, int status)
{
    net_listener_t *l = server->data;
    if (status < 0) {
        log_warn("accept: %s", uv_strerror(status));
        return;
    }
    net_conn_t *c = mem_calloc(1, sizeof *c);
    uv_tcp_init(server->loop, &c->tcp);
    c->tcp.data = c;
    c->wreq.data = c;
    if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0) {
        c->tcp.data = c;
        uv_close((uv_handle_t *)&c->tcp, reject_close_cb);
        return;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    peer_name(c);
    c->cbs = l->cbs;
    c->ud = c->cbs.on_open(l->arg, c);
    net_conn_read(c, true);
}

int net_listen(uv_loop_t *loop, const char *addr, int port, const net_conn_cbs_t *cbs, void *arg,
               net_listener_t **out, err_t *err)
{
    struct sockaddr_storage ss;
    if (uv_ip4_addr(addr, port, (struct sockaddr_in *)&ss) != 0 &&
        uv_ip6_addr(addr, port, (struct sockaddr_in6 *)&ss) != 0)
        return err_set(err, ERRCODE_CONFIG_FILE_ERROR, "invalid listen address \"%s\"", addr);
    net_listener_t *l = mem_calloc(1, sizeof *l);
    uv_tcp_init(loop, &l->tcp);
    l->tcp.data = l;
    l->cbs = *cbs;
    l->arg = arg;
    int rc = uv_tcp_bind(&l->tcp, (struct sockaddr *)&ss, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&l->tcp, 1024, connection_cb);
    if (rc != 0) {
        err_set(err, ERRCODE_SYSTEM_ERROR, "could not listen on %s:%d: %s", addr, port, uv_strerror(rc));
        uv_close((uv_handle_t *)&l->tcp, reject_close_cb);
        return -1;
    }
    int len = sizeof ss;
    uv_tcp_getsockname(&l->tcp, (struct sockaddr *)&ss, &len);
    l->port = ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
                                       : ntohs(((struct sockaddr_in *)&ss)->sin_port);
    *out = l;
    return 0;
}

int net_listener_port(const net_listener_t *l)
{
    return l->port;
}

void net_listener_close(net_listener_t *l)
{
    if (l)
        uv_close((uv_handle_t *)&l->tcp, reject_close_cb);
}

/* ---- worker pool ---- */

static void work_run(uv_work_t *req)
{
    net_work_t *w = (net_work_t *)req;
    w->run(w);
}

static void work_done(uv_work_t *req, int status)
{
    net_work_t *w = (net_work_t *)req;
    w->done(w, status);
}

int net_work_submit(uv_loop_t *loop, net_work_t *w)
{
    return uv_queue_work(loop, &w->req, work_run, work_done);
}
