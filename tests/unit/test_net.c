/*
 * test_net.c - unit tests of src/net on loopback sockets: echo through the
 * input buffer and write queue, a large send to a client that reads late
 * (pending bytes, drain callbacks, nothing lost), close after a large send
 * delivers everything, port 0, and the worker-pool bridge.
 */
#include <pthread.h>
#include <string.h>

#include "common/buf.h"
#include "common/mem.h"
#include "net/net.h"
#include "tap.h"

/* ---- the server side: an owner that echoes, or sends a lot ---- */

typedef struct owner {
    net_conn_t *c;
    int drains;
    size_t max_pending;
    bool eof;
} owner_t;

static int closes;
static size_t big_send; /* bytes to send at open (0: echo mode) */
static bool close_after_send;
static owner_t *last_owner;

static void *o_open(void *arg, net_conn_t *c)
{
    (void)arg;
    owner_t *o = mem_calloc(1, sizeof *o);
    o->c = c;
    last_owner = o;
    if (big_send) {
        buf_t b = BUF_INIT;
        buf_reserve(&b, big_send);
        for (size_t i = 0; i < big_send; i++)
            b.data[i] = (char)(i % 251);
        b.len = big_send;
        ASSERT_EQ(net_conn_send(c, &b), 0);
        ASSERT_EQ(b.len, 0);
        o->max_pending = net_conn_pending(c);
        buf_free(&b);
        if (close_after_send)
            net_conn_close(c);
    }
    return o;
}

static void o_read(void *ud)
{
    owner_t *o = ud;
    size_t len;
    const char *p = net_conn_data(o->c, &len);
    buf_t b = BUF_INIT;
    buf_append(&b, p, len);
    net_conn_consume(o->c, len);
    ASSERT_EQ(net_conn_send(o->c, &b), 0);
    buf_free(&b);
}

static void o_drain(void *ud)
{
    owner_t *o = ud;
    o->drains++;
}

static void o_eof(void *ud, int status)
{
    owner_t *o = ud;
    (void)status;
    o->eof = true;
    net_conn_close(o->c);
}

static void o_close(void *ud)
{
    closes++;
    mem_free(ud);
}

static const net_conn_cbs_t cbs = { o_open, o_read, o_drain, o_eof, o_close };

/* ---- the client side ---- */

typedef struct client {
    uv_tcp_t tcp;
    uv_connect_t conn;
    uv_write_t wr;
    buf_t got;
    bool eof;
    const char *send;
    size_t send_len;
    bool read_now;
} client_t;

static void c_alloc(uv_handle_t *h, size_t sz, uv_buf_t *b)
{
    client_t *c = h->data;
    (void)sz;
    buf_reserve(&c->got, 65536);
    b->base = c->got.data + c->got.len;
    b->len = c->got.cap - c->got.len;
}

static void c_read(uv_stream_t *st, ssize_t n, const uv_buf_t *b)
{
    client_t *c = st->data;
    (void)b;
    if (n > 0)
        c->got.len += (size_t)n;
    else if (n < 0) {
        c->eof = true;
        uv_read_stop(st);
    }
}

static void c_written(uv_write_t *w, int status)
{
    (void)w;
    ASSERT_EQ(status, 0);
}

static void c_connected(uv_connect_t *req, int status)
{
    client_t *c = req->data;
    ASSERT_EQ(status, 0);
    if (c->send_len) {
        uv_buf_t b = uv_buf_init((char *)c->send, (unsigned int)c->send_len);
        uv_write(&c->wr, (uv_stream_t *)&c->tcp, &b, 1, c_written);
    }
    if (c->read_now)
        uv_read_start((uv_stream_t *)&c->tcp, c_alloc, c_read);
}

static void client_connect(uv_loop_t *loop, client_t *c, int port)
{
    struct sockaddr_in addr;
    uv_ip4_addr("127.0.0.1", port, &addr);
    uv_tcp_init(loop, &c->tcp);
    c->tcp.data = c;
    c->conn.data = c;
    ASSERT_EQ(uv_tcp_connect(&c->conn, &c->tcp, (const struct sockaddr *)&addr, c_connected), 0);
}

static void run_until(uv_loop_t *loop, bool *flag)
{
    for (int i = 0; i < 100000 && !*flag; i++)
        uv_run(loop, UV_RUN_ONCE);
}

static net_listener_t *listen_any(uv_loop_t *loop)
{
    net_listener_t *l;
    err_t err = { 0 };
    ASSERT_EQ(net_listen(loop, "127.0.0.1", 0, &cbs, NULL, &l, &err), 0);
    ASSERT(net_listener_port(l) > 0);
    return l;
}

static void test_echo(void)
{
    uv_loop_t *loop = uv_default_loop();
    net_listener_t *l = listen_any(loop);
    client_t c = { 0 };
    static char msg[200000];
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (char)('a' + i % 26);
    c.send = msg;
    c.send_len = sizeof msg;
    c.read_now = true;
    client_connect(loop, &c, net_listener_port(l));
    bool done = false;
    for (int i = 0; i < 100000 && c.got.len < sizeof msg; i++)
        uv_run(loop, UV_RUN_ONCE);
    ASSERT_EQ(c.got.len, sizeof msg);
    ASSERT(memcmp(c.got.data, msg, sizeof msg) == 0);
    /* The client closes: the owner sees EOF and the connection goes away. */
    uv_close((uv_handle_t *)&c.tcp, NULL);
    int before = closes;
    for (int i = 0; i < 1000 && closes == before; i++)
        uv_run(loop, UV_RUN_ONCE);
    ASSERT_EQ(closes, before + 1);
    net_listener_close(l);
    uv_run(loop, UV_RUN_NOWAIT);
    (void)done;
    buf_free(&c.got);
}

static void start_reading(uv_timer_t *t)
{
    client_t *c = t->data;
    uv_read_start((uv_stream_t *)&c->tcp, c_alloc, c_read);
    uv_close((uv_handle_t *)t, NULL);
}

static void test_slow_reader(void)
{
    uv_loop_t *loop = uv_default_loop();
    big_send = 16u << 20;
    net_listener_t *l = listen_any(loop);
    client_t c = { 0 };
    client_connect(loop, &c, net_listener_port(l));
    uv_timer_t t;
    uv_timer_init(loop, &t);
    t.data = &c;
    uv_timer_start(&t, start_reading, 200, 0);
    for (int i = 0; i < 100000 && c.got.len < big_send; i++)
        uv_run(loop, UV_RUN_ONCE);
    ASSERT_EQ(c.got.len, big_send);
    for (size_t i = 0; i < big_send; i += 4093)
        ASSERT_EQ((uint8_t)c.got.data[i], i % 251);
    /* The kernel could not take 16 MiB at once: bytes were pending, and the
     * owner heard about the drain. */
    ASSERT(last_owner->max_pending > 0);
    ASSERT(last_owner->drains >= 1);
    ASSERT_EQ(net_conn_pending(last_owner->c), 0);
    uv_close((uv_handle_t *)&c.tcp, NULL);
    net_listener_close(l);
    uv_run(loop, UV_RUN_DEFAULT);
    big_send = 0;
    buf_free(&c.got);
}

static void test_close_flushes(void)
{
    uv_loop_t *loop = uv_default_loop();
    big_send = 4u << 20;
    close_after_send = true;
    net_listener_t *l = listen_any(loop);
    client_t c = { 0 };
    c.read_now = true;
    int before = closes;
    client_connect(loop, &c, net_listener_port(l));
    run_until(loop, &c.eof);
    ASSERT_EQ(c.got.len, big_send);
    ASSERT_EQ(closes, before + 1);
    uv_close((uv_handle_t *)&c.tcp, NULL);
    net_listener_close(l);
    uv_run(loop, UV_RUN_DEFAULT);
    big_send = 0;
    close_after_send = false;
    buf_free(&c.got);
}

static void test_abort(void)
{
    uv_loop_t *loop = uv_default_loop();
    big_send = 32u << 20;
    net_listener_t *l = listen_any(loop);
    client_t c = { 0 }; /* never reads */
    int before = closes;
    last_owner = NULL;
    client_connect(loop, &c, net_listener_port(l));
    for (int i = 0; i < 1000 && !last_owner; i++)
        uv_run(loop, UV_RUN_ONCE);
    ASSERT(last_owner);
    ASSERT(net_conn_pending(last_owner->c) > 0);
    /* A graceful close would wait for the reader forever; abort does not. */
    net_conn_close(last_owner->c);
    uv_run(loop, UV_RUN_NOWAIT);
    ASSERT_EQ(closes, before);
    net_conn_abort(last_owner->c);
    net_conn_abort(last_owner->c);
    for (int i = 0; i < 1000 && closes == before; i++)
        uv_run(loop, UV_RUN_ONCE);
    ASSERT_EQ(closes, before + 1);
    uv_close((uv_handle_t *)&c.tcp, NULL);
    net_listener_close(l);
    uv_run(loop, UV_RUN_DEFAULT);
    big_send = 0;
}

typedef struct job {
    net_work_t w;
    pthread_t loop_thread, run_thread;
    bool ran, done;
} job_t;

static void job_run(net_work_t *w)
{
    job_t *j = (job_t *)w;
    j->run_thread = pthread_self();
    j->ran = true;
}

static void job_done(net_work_t *w, int status)
{
    job_t *j = (job_t *)w;
    ASSERT_EQ(status, 0);
    ASSERT(pthread_equal(pthread_self(), j->loop_thread));
    j->done = true;
}

static void test_work(void)
{
    uv_loop_t *loop = uv_default_loop();
    job_t j = { 0 };
    j.loop_thread = pthread_self();
    j.w.run = job_run;
    j.w.done = job_done;
    ASSERT_EQ(net_work_submit(loop, &j.w), 0);
    run_until(loop, &j.done);
    ASSERT(j.ran && j.done);
    ASSERT(!pthread_equal(j.run_thread, j.loop_thread));
}

static void test_bad_address(void)
{
    net_listener_t *l;
    err_t err = { 0 };
    ASSERT(net_listen(uv_default_loop(), "not-an-address", 0, &cbs, NULL, &l, &err) < 0);
    ASSERT(strstr(err.message, "not-an-address"));
    uv_run(uv_default_loop(), UV_RUN_NOWAIT);
}

int main(void)
{
    static const tap_test_t tests[] = {
        { "echo through input buffer and write queue", test_echo },
        { "slow reader: pending output and drain", test_slow_reader },
        { "close writes everything first", test_close_flushes },
        { "abort drops unwritten output", test_abort },
        { "worker-pool bridge", test_work },
        { "bad listen address", test_bad_address },
    };
    return TAP_RUN(tests);
}
