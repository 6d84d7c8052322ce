/*
 * test_rest.c - unit tests of src/rest: JSON writing (escaping, UTF-8
 * repair) and reading, kylin.server.cluster-servers parsing, and the REST
 * port and notifier end to end on loopback inside this process (port 0, no
 * outside services): health up/down/draining, announce through the loop
 * thread, 404/405/413, snapshots, a registered route replying late from
 * another thread, and the notifier delivering to itself and surviving a
 * dead node.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "common/buf.h"
#include "rest/json.h"
#include "rest/notify.h"
#include "rest/rest.h"
#include "tap.h"

/* ---- JSON ---- */

static const char *esc(buf_t *b, const char *s, size_t n)
{
    buf_reset(b);
    json_escape(b, s, n);
    return buf_cstr(b);
}

static void test_json_escape(void)
{
    buf_t b = BUF_INIT;
    ASSERT_STREQ(esc(&b, "plain", 5), "\"plain\"");
    ASSERT_STREQ(esc(&b, "q\"b\\s/", 6), "\"q\\\"b\\\\s/\"");
    ASSERT_STREQ(esc(&b, "\n\r\t\b\f", 5), "\"\\n\\r\\t\\b\\f\"");
    ASSERT_STREQ(esc(&b, "\x01\x1f\x7f", 3), "\"\\u0001\\u001f\\u007f\"");
    ASSERT_STREQ(esc(&b, "a\0b", 3), "\"a\\u0000b\"");
    ASSERT_STREQ(esc(&b, "h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80", 15), "\"h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80\"");
    /* invalid UTF-8: lone continuation, truncated sequence, overlong, surrogate */
    ASSERT_STREQ(esc(&b, "\x80", 1), "\"\\ufffd\"");
    ASSERT_STREQ(esc(&b, "a\xe2\x82", 3), "\"a\\ufffd\\ufffd\"");
    ASSERT_STREQ(esc(&b, "\xc0\xaf", 2), "\"\\ufffd\\ufffd\"");
    ASSERT_STREQ(esc(&b, "\xed\xa0\x80", 3), "\"\\ufffd\\ufffd\\ufffd\"");
    ASSERT(json_valid(b.data, b.len));
    buf_free(&b);
}

static void test_json_writer(void)
{
    buf_t b = BUF_INIT;
    json_w_t w;
    json_init(&w, &b);
    json_obj_begin(&w);
    json_key(&w, "status");
    json_str(&w, "UP");
    json_key(&w, "n");
    json_int(&w, -42);
    json_key(&w, "list");
    json_arr_begin(&w);
    json_int(&w, 1);
    json_bool(&w, true);
    json_null(&w);
    json_str(&w, NULL);
    json_obj_begin(&w);
    json_obj_end(&w);
    json_arr_begin(&w);
    json_arr_end(&w);
    json_raw(&w, "{\"x\":1}");
    json_arr_end(&w);
    json_key(&w, "we\"ird");
    json_str(&w, "v");
    json_obj_end(&w);
    ASSERT_STREQ(buf_cstr(&b), "{\"status\":\"UP\",\"n\":-42,\"list\":[1,true,null,null,{},[],{\"x\":1}],\"we\\\"ird\":\"v\"}");
    ASSERT(json_valid(b.data, b.len));
    buf_free(&b);
}

static void test_json_reader(void)
{
    const char *doc = " { \"a\" : [1, {\"event_id\": 5}], \"event_id\" : 123 , \"s\": \"x\\u00e9\\n\\ud83d\\ude00\", \"f\": 1.5e3 } ";
    json_tok_t t;
    int64_t v;
    char s[64];
    ASSERT_EQ(json_member(doc, strlen(doc), "event_id", &t), 1);
    ASSERT_EQ(t.type, JSON_NUMBER);
    ASSERT_EQ(json_tok_int(&t, &v), 0);
    ASSERT_EQ(v, 123); /* the nested one is not top level */
    ASSERT_EQ(json_member(doc, strlen(doc), "s", &t), 1);
    ASSERT_EQ(json_tok_str(&t, s, sizeof s), 0);
    ASSERT_STREQ(s, "x\xc3\xa9\n\xf0\x9f\x98\x80");
    ASSERT_EQ(json_member(doc, strlen(doc), "f", &t), 1);
    ASSERT_EQ(json_tok_int(&t, &v), -1); /* not an integer */
    ASSERT_EQ(json_member(doc, strlen(doc), "missing", &t), 0);
    ASSERT_EQ(json_valid(doc, strlen(doc)), 1);
    ASSERT_EQ(json_member("{}", 2, "a", &t), 0);
    ASSERT_EQ(json_member("[1]", 3, "a", &t), -1);
    ASSERT_EQ(json_member("{\"a\":}", 6, "a", &t), -1);
    ASSERT_EQ(json_member("{\"a\":1", 6, "b", &t), -1);
    ASSERT_EQ(json_member("{\"a\":\"x\"", 8, "a", &t), 1); /* found before the end was read */
    ASSERT_EQ(json_valid("{\"a\":\"x\"", 8), 0);
    ASSERT_EQ(json_valid("01", 2), 0);
    ASSERT_EQ(json_valid("\"\\x\"", 4), 0);
    ASSERT_EQ(json_valid("\"a\x01\"", 4), 0);
    ASSERT_EQ(json_valid("[1,]", 4), 0);
    ASSERT_EQ(json_valid("tru", 3), 0);
    ASSERT_EQ(json_valid(" null ", 6), 1);
    char deep[200];
    memset(deep, '[', 100);
    memset(deep + 100, ']', 100);
    ASSERT_EQ(json_valid(deep, 200), 0); /* deeper than JSON_MAX_DEPTH */
    json_tok_t bad = { JSON_STRING, "\\ud800", 6 };
    ASSERT_EQ(json_tok_str(&bad, s, sizeof s), -1);
    json_tok_t nul = { JSON_STRING, "a\\u0000", 7 };
    ASSERT_EQ(json_tok_str(&nul, s, sizeof s), -1);
    json_tok_t longs = { JSON_STRING, "abcdef", 6 };
    ASSERT_EQ(json_tok_str(&longs, s, 4), -1);
    json_tok_t qs = { JSON_STRING, "77", 2 };
    ASSERT_EQ(json_tok_int(&qs, &v), 0);
    ASSERT_EQ(v, 77);
    json_tok_t huge = { JSON_NUMBER, "99999999999999999999", 20 };
    ASSERT_EQ(json_tok_int(&huge, &v), -1);
}

/* ---- cluster-servers ---- */

static void test_servers_parse(void)
{
    rest_addr_t a[8];
    int bad = 0;
    ASSERT_EQ(rest_servers_parse("localhost:7070", a, 8, &bad), 1);
    ASSERT_STREQ(a[0].host, "localhost");
    ASSERT_EQ(a[0].port, 7070);
    ASSERT_EQ(rest_servers_parse(" 10.0.0.1:7071 , http://node2:7072/,,node3 ,10.0.0.1:7071", a, 8, &bad), 3);
    ASSERT_STREQ(a[0].host, "10.0.0.1");
    ASSERT_EQ(a[0].port, 7071);
    ASSERT_STREQ(a[1].host, "node2");
    ASSERT_EQ(a[1].port, 7072);
    ASSERT_STREQ(a[2].host, "node3");
    ASSERT_EQ(a[2].port, 7070);
    ASSERT_EQ(rest_servers_parse("[::1]:7075,[fe80::1]", a, 8, &bad), 2);
    ASSERT_STREQ(a[0].host, "::1");
    ASSERT_EQ(a[0].port, 7075);
    ASSERT_STREQ(a[1].host, "fe80::1");
    ASSERT_EQ(a[1].port, 7070);
    ASSERT_EQ(rest_servers_parse("", a, 8, &bad), 0);
    ASSERT_EQ(rest_servers_parse(" , ", a, 8, &bad), 0);
    ASSERT_EQ(rest_servers_parse("a:1,b:0", a, 8, &bad), -1);
    ASSERT_EQ(bad, 2);
    ASSERT_EQ(rest_servers_parse("a:70000", a, 8, &bad), -1);
    ASSERT_EQ(rest_servers_parse("a:", a, 8, &bad), -1);
    ASSERT_EQ(rest_servers_parse(":7070", a, 8, &bad), -1);
    ASSERT_EQ(rest_servers_parse("a:12x", a, 8, &bad), -1);
    ASSERT_EQ(rest_servers_parse("https://a:1", a, 8, &bad), -1);
    ASSERT_EQ(rest_servers_parse("a:1/kylin", a, 8, &bad), -1);
    ASSERT_EQ(rest_servers_parse("::1:7070", a, 8, &bad), -1);
    ASSERT_EQ(rest_servers_parse("a b:1", a, 8, &bad), -1);
    ASSERT_EQ(rest_servers_parse("a:1,b:2,c:3", a, 2, &bad), 2); /* capped at max */
}

/* ---- a live server on loopback ---- */

typedef struct fixture {
    uv_loop_t loop;
    rest_server_t *s;
    int port;
    int healthy;
    int64_t announced;
    int announces;
    uv_thread_t loop_thread_id;
    int announce_on_loop;
    pthread_t client;
    int client_done;
    int (*body)(struct fixture *f);
    int client_rc;
} fixture_t;

static int health_cb(void *arg, char *reason, size_t n)
{
    fixture_t *f = arg;
    if (__atomic_load_n(&f->healthy, __ATOMIC_ACQUIRE))
        return 0;
    snprintf(reason, n, "metastore unreachable");
    return -1;
}

static void announce_cb(int64_t id, void *arg)
{
    fixture_t *f = arg;
    uv_thread_t self = uv_thread_self();
    f->announce_on_loop = uv_thread_equal(&self, &f->loop_thread_id);
    __atomic_store_n(&f->announced, id, __ATOMIC_RELEASE);
    __atomic_add_fetch(&f->announces, 1, __ATOMIC_ACQ_REL);
}

/* A job-engine-like route: replies later, from another thread. */
static void *late_reply(void *arg)
{
    rest_req_t *r = arg;
    usleep(100000);
    char out[128];
    snprintf(out, sizeof out, "{\"uuid\":\"%s\",\"action\":\"resume\"}", rest_req_param(r, "id"));
    rest_reply(r, 200, out);
    return NULL;
}

static void h_resume(rest_req_t *r, void *arg)
{
    pthread_t t;
    pthread_create(&t, NULL, late_reply, r);
    pthread_detach(t);
}

static void h_echo_query(rest_req_t *r, void *arg)
{
    const char *v = rest_req_query(r, "projectName");
    char out[128];
    snprintf(out, sizeof out, "{\"project\":\"%s\"}", v ? v : "");
    rest_reply(r, 200, out);
}

static void h_cube(rest_req_t *r, void *arg)
{
    char out[128];
    snprintf(out, sizeof out, "{\"cube\":\"%s\"}", rest_req_param(r, "name"));
    rest_reply(r, 200, out);
}

static void h_jobs2(rest_req_t *r, void *arg)
{
    rest_reply(r, 200, "{\"replaced\":true}");
}

/* http - one raw request on loopback; returns the status, body into out. */
static int http(int port, const char *method, const char *path, const char *body, char *out, size_t n)
{
    char req[1024];
    size_t blen = body ? strlen(body) : 0;
    snprintf(req, sizeof req, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: %zu\r\n\r\n",
             method, path, blen);
    struct sockaddr_in a;
    uv_ip4_addr("127.0.0.1", port, &a);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0 || write(fd, req, strlen(req)) < 0) {
        close(fd);
        return -1;
    }
    for (size_t off = 0; off < blen;) {
        ssize_t k = write(fd, body + off, blen - off);
        if (k <= 0)
            break; /* the server may answer 413 and close before reading it all */
        off += (size_t)k;
    }
    char resp[8192];
    size_t got = 0;
    ssize_t k;
    while ((k = read(fd, resp + got, sizeof resp - 1 - got)) > 0)
        got += (size_t)k;
    close(fd);
    resp[got] = '\0';
    int status = -1;
    sscanf(resp, "HTTP/1.%*d %d", &status);
    const char *b = strstr(resp, "\r\n\r\n");
    if (out)
        snprintf(out, n, "%s", b ? b + 4 : "");
    return status;
}

static void *client_main(void *arg)
{
    fixture_t *f = arg;
    f->client_rc = f->body(f);
    __atomic_store_n(&f->client_done, 1, __ATOMIC_RELEASE);
    return NULL;
}

static void poll_done(uv_timer_t *t)
{
    fixture_t *f = t->data;
    if (!__atomic_load_n(&f->client_done, __ATOMIC_ACQUIRE))
        return;
    uv_timer_stop(t);
    uv_close((uv_handle_t *)t, NULL);
    rest_close(f->s);
}

/* run_fixture - starts a server on the loop, runs body on a client thread
 * while the loop serves, then closes everything; returns body's result. */
static int run_fixture(int (*body)(fixture_t *f))
{
    static fixture_t f;
    memset(&f, 0, sizeof f);
    f.healthy = 1;
    f.announced = -100;
    f.body = body;
    uv_loop_init(&f.loop);
    f.loop_thread_id = uv_thread_self();
    f.s = rest_new(&f.loop, "127.0.0.1", 0);
    rest_set_health(f.s, health_cb, &f);
    rest_set_announce(f.s, announce_cb, &f);
    rest_route(f.s, "PUT", "/kylin/api/jobs/{id}/resume", REST_ON_LOOP, h_resume, &f);
    rest_route(f.s, "GET", "/kylin/api/jobs", REST_ON_HTTP_THREAD, h_echo_query, &f);
    char err[256];
    if (rest_start(f.s, err, sizeof err) != 0) {
        printf("# %s\n", err);
        return -1;
    }
    f.port = rest_port(f.s);
    if (f.port <= 0)
        return -1;
    uv_timer_t t;
    uv_timer_init(&f.loop, &t);
    t.data = &f;
    uv_timer_start(&t, poll_done, 10, 10);
    pthread_create(&f.client, NULL, client_main, &f);
    uv_run(&f.loop, UV_RUN_DEFAULT);
    pthread_join(f.client, NULL);
    if (uv_loop_close(&f.loop) != 0)
        return -2;
    return f.client_rc;
}

#define CHECK(c)                                                                                                       \
    do {                                                                                                               \
        if (!(c)) {                                                                                                    \
            printf("# check failed at line %d: %s\n", __LINE__, #c);                                                    \
            return 1;                                                                                                  \
        }                                                                                                              \
    } while (0)

static int body_routes(fixture_t *f)
{
    char out[4096];
    CHECK(http(f->port, "GET", "/kylin/api/health", NULL, out, sizeof out) == 200);
    CHECK(strcmp(out, "{\"status\":\"UP\"}") == 0);
    __atomic_store_n(&f->healthy, 0, __ATOMIC_RELEASE);
    CHECK(http(f->port, "GET", "/kylin/api/health", NULL, out, sizeof out) == 503);
    CHECK(strstr(out, "\"DOWN\"") && strstr(out, "metastore unreachable"));
    __atomic_store_n(&f->healthy, 1, __ATOMIC_RELEASE);
    rest_set_draining(f->s, true);
    CHECK(http(f->port, "GET", "/kylin/api/health", NULL, out, sizeof out) == 503);
    CHECK(strstr(out, "shutting down"));
    rest_set_draining(f->s, false);
    CHECK(http(f->port, "HEAD", "/kylin/api/health", NULL, NULL, 0) == 200);

    CHECK(http(f->port, "POST", "/kylin/api/cache/announce", "{\"event_id\": 41}", out, sizeof out) == 200);
    CHECK(__atomic_load_n(&f->announced, __ATOMIC_ACQUIRE) == 41);
    CHECK(f->announce_on_loop == 1);
    CHECK(http(f->port, "POST", "/kylin/api/cache/announce?event_id=43", NULL, out, sizeof out) == 200);
    CHECK(__atomic_load_n(&f->announced, __ATOMIC_ACQUIRE) == 43);
    CHECK(http(f->port, "PUT", "/kylin/api/cache/cube/ssb/update", NULL, out, sizeof out) == 200);
    CHECK(__atomic_load_n(&f->announced, __ATOMIC_ACQUIRE) == -1);
    CHECK(http(f->port, "POST", "/kylin/api/cache/announce", "{\"event_id\": \"x\"}", out, sizeof out) == 400);
    CHECK(http(f->port, "POST", "/kylin/api/cache/announce", "not json", out, sizeof out) == 400);
    CHECK(strstr(out, "\"code\":\"999\""));
    CHECK(__atomic_load_n(&f->announces, __ATOMIC_ACQUIRE) == 3);

    CHECK(http(f->port, "GET", "/kylin/api/nope", NULL, out, sizeof out) == 404);
    CHECK(http(f->port, "DELETE", "/kylin/api/health", NULL, out, sizeof out) == 405);
    static char big[REST_MAX_BODY + 100];
    memset(big, 'x', sizeof big - 1);
    CHECK(http(f->port, "POST", "/kylin/api/cache/announce", big, out, sizeof out) == 413);

    CHECK(http(f->port, "GET", "/kylin/api/admin/nodes", NULL, out, sizeof out) == 200);
    CHECK(strcmp(out, "{\"nodes\":[]}") == 0);
    rest_snapshot_set(f->s, "nodes", "{\"nodes\":[{\"address\":\"127.0.0.1:7070\",\"mode\":\"all\"}]}");
    CHECK(http(f->port, "GET", "/kylin/api/admin/nodes", NULL, out, sizeof out) == 200);
    CHECK(strstr(out, "127.0.0.1:7070"));
    CHECK(http(f->port, "GET", "/kylin/api/service_discovery/state/all", NULL, out, sizeof out) == 200);
    CHECK(strstr(out, "127.0.0.1:7070"));
    CHECK(http(f->port, "GET", "/kylin/api/service_discovery/state/is_active_job_node", NULL, out, sizeof out) == 200);
    CHECK(strcmp(out, "false") == 0);

    CHECK(http(f->port, "PUT", "/kylin/api/jobs/abc-123/resume", NULL, out, sizeof out) == 200);
    CHECK(strcmp(out, "{\"uuid\":\"abc-123\",\"action\":\"resume\"}") == 0);
    CHECK(http(f->port, "GET", "/kylin/api/jobs?projectName=ssb&limit=5", NULL, out, sizeof out) == 200);
    CHECK(strcmp(out, "{\"project\":\"ssb\"}") == 0);

    /* Routes added while serving (the job engine comes up after the port). */
    CHECK(http(f->port, "GET", "/kylin/api/cubes/ssb_cube", NULL, out, sizeof out) == 404);
    CHECK(rest_route(f->s, "GET", "/kylin/api/cubes/{name}", REST_ON_LOOP, h_cube, f) == 0);
    CHECK(http(f->port, "GET", "/kylin/api/cubes/ssb_cube", NULL, out, sizeof out) == 200);
    CHECK(strcmp(out, "{\"cube\":\"ssb_cube\"}") == 0);
    CHECK(rest_route(f->s, "GET", "/kylin/api/jobs", REST_ON_HTTP_THREAD, h_jobs2, f) == 0);
    CHECK(http(f->port, "GET", "/kylin/api/jobs", NULL, out, sizeof out) == 200);
    CHECK(strcmp(out, "{\"replaced\":true}") == 0);
    CHECK(rest_route(f->s, "GET", "no-slash", REST_ON_LOOP, h_cube, f) == -1);
    return 0;
}

static void test_rest_routes(void)
{
    ASSERT_EQ(run_fixture(body_routes), 0);
}

/* Many concurrent late replies: suspend/resume under load. */
static void *one_resume(void *arg)
{
    fixture_t *f = arg;
    char out[256];
    long ok = http(f->port, "PUT", "/kylin/api/jobs/j/resume", NULL, out, sizeof out) == 200 &&
              strstr(out, "\"uuid\":\"j\"") != NULL;
    return (void *)ok;
}

static int body_concurrent(fixture_t *f)
{
    pthread_t t[32];
    for (int i = 0; i < 32; i++)
        pthread_create(&t[i], NULL, one_resume, f);
    int ok = 0;
    for (int i = 0; i < 32; i++) {
        void *r;
        pthread_join(t[i], &r);
        ok += r != NULL;
    }
    CHECK(ok == 32);
    return 0;
}

static void test_rest_concurrent(void)
{
    ASSERT_EQ(run_fixture(body_concurrent), 0);
}

/* The notifier: to this node and to a dead one. */
static int body_notifier(fixture_t *f)
{
    char servers[128];
    snprintf(servers, sizeof servers, "127.0.0.1:%d, 127.0.0.1:1", f->port);
    rest_notifier_t *n = rest_notifier_new(servers, 500);
    rest_notify(n, 7);
    rest_notify(n, 9);
    CHECK(rest_notifier_flush(n, 5000) == -1); /* the dead node is never reached */
    CHECK(__atomic_load_n(&f->announced, __ATOMIC_ACQUIRE) == 9);
    uint64_t sent = 0, failed = 0;
    rest_notifier_stats(n, &sent, &failed);
    CHECK(sent >= 1 && failed >= 1);
    snprintf(servers, sizeof servers, "127.0.0.1:%d", f->port);
    rest_notifier_set_servers(n, servers);
    rest_notify(n, 12);
    CHECK(rest_notifier_flush(n, 5000) == 0);
    CHECK(__atomic_load_n(&f->announced, __ATOMIC_ACQUIRE) == 12);
    rest_notify(n, 5); /* older than what was sent: nothing to do */
    CHECK(rest_notifier_flush(n, 1000) == 0);
    rest_notifier_free(n);
    CHECK(rest_http_post("127.0.0.1", 1, "/", "{}", 300) == -1);
    return 0;
}

static void test_notifier(void)
{
    ASSERT_EQ(run_fixture(body_notifier), 0);
}

static void test_bind_error(void)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    rest_server_t *a = rest_new(&loop, "127.0.0.1", 0);
    char err[256];
    ASSERT_EQ(rest_start(a, err, sizeof err), 0);
    rest_server_t *b = rest_new(&loop, "127.0.0.1", rest_port(a));
    ASSERT_EQ(rest_start(b, err, sizeof err), -1);
    ASSERT(strstr(err, "cannot listen") != NULL);
    rest_server_t *c = rest_new(&loop, "not-an-ip", 0);
    ASSERT_EQ(rest_start(c, err, sizeof err), -1);
    rest_close(a);
    rest_close(b);
    rest_close(c);
    uv_run(&loop, UV_RUN_DEFAULT);
    ASSERT_EQ(uv_loop_close(&loop), 0);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN); /* a client write after the server closed */
    static const tap_test_t tests[] = {
        { "json: escaping and UTF-8 repair", test_json_escape },
        { "json: writer nesting and commas", test_json_writer },
        { "json: reader members, validation, unescaping", test_json_reader },
        { "notify: cluster-servers parsing", test_servers_parse },
        { "rest: health, announce, errors, snapshots, routes", test_rest_routes },
        { "rest: 32 concurrent late replies", test_rest_concurrent },
        { "notify: delivery, coalescing, dead node", test_notifier },
        { "rest: bind errors", test_bind_error },
    };
    return TAP_RUN(tests);
}
