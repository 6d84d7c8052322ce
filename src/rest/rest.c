/*
 * rest.c - the REST port on libmicrohttpd: routing, hand-off to the loop
 * thread, suspended connections for late replies, and the built-in routes
 * (health, cache announce, node status snapshots). See rest/rest.h.
 *
 * Why suspend/resume: a handler that needs the metastore must not block an
 * HTTP thread (a slow metastore would then also stall /health, and the load
 * balancer would pull a healthy query node). So a request is handed to its
 * handler, the connection is suspended, and rest_reply() from whatever
 * thread resumes it with the answer.
 *
 * Locking: s->mu guards request states, the loop queue, the pending list and
 * snapshots. libmicrohttpd is only entered under s->mu for suspend/resume,
 * which keeps the two ordered (a reply can never resume a connection that is
 * not yet suspended); none of our callbacks that libmicrohttpd calls from
 * its cleanup path takes s->mu. Request and server lifetimes are atomic
 * reference counts.
 */
#include "rest/rest.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "common/buf.h"
#include "common/log.h"
#include "common/mem.h"
#include "rest/json.h"

typedef struct route {
    bool replaced; /* shadowed by a later rest_route of the same method and pattern */
    char method[16];
    char *pattern;
    char **segs;
    int nsegs;
    rest_thread_t where;
    rest_handler_fn fn;
    void *arg;
} route_t;

enum { R_NEW, R_DISPATCHED, R_REPLIED, R_SENT };

struct rest_req {
    rest_req_t *next, *prev; /* s->pending while dispatched */
    rest_req_t *qnext;       /* s->q while waiting for the loop */
    rest_server_t *s;
    struct MHD_Connection *conn;
    int refs; /* atomic: libmicrohttpd's, and the handler's while dispatched */
    int state;
    bool suspended;
    bool too_large;
    char method[16];
    char *path;
    buf_t body;
    const route_t *route;
    int nparams;
    char *pname[REST_MAX_PARAMS], *pval[REST_MAX_PARAMS];
    int nquery;
    char *qname[REST_MAX_QUERY], *qval[REST_MAX_QUERY];
    int status;
    char *resp;
};

typedef struct snapshot {
    char *name, *json;
} snapshot_t;

struct rest_server {
    uv_loop_t *loop;
    uv_async_t async;
    bool async_open;
    pthread_mutex_t mu;
    struct MHD_Daemon *d;
    char *addr;
    int port, bound_port;
    int refs; /* atomic: the server itself + one per live request */
    bool stopping;
    route_t **routes; /* never moved or freed before the server: requests point at them */
    int nroutes;
    rest_health_fn health;
    void *health_arg;
    int draining; /* atomic */
    rest_announce_fn announce;
    void *announce_arg;
    snapshot_t *snaps;
    int nsnaps;
    rest_req_t *pending;
    rest_req_t *qhead, *qtail;
};

/* ---- lifetimes ---- */

static void server_unref(rest_server_t *s)
{
    if (__atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) > 0)
        return;
    for (int i = 0; i < s->nroutes; i++) {
        for (int j = 0; j < s->routes[i]->nsegs; j++)
            mem_free(s->routes[i]->segs[j]);
        mem_free(s->routes[i]->segs);
        mem_free(s->routes[i]->pattern);
        mem_free(s->routes[i]);
    }
    mem_free(s->routes);
    for (int i = 0; i < s->nsnaps; i++) {
        mem_free(s->snaps[i].name);
        mem_free(s->snaps[i].json);
    }
    mem_free(s->snaps);
    mem_free(s->addr);
    pthread_mutex_destroy(&s->mu);
    mem_free(s);
}

static void req_unref(rest_req_t *r)
{
    if (__atomic_sub_fetch(&r->refs, 1, __ATOMIC_ACQ_REL) > 0)
        return;
    rest_server_t *s = r->s;
    mem_free(r->path);
    buf_free(&r->body);
    for (int i = 0; i < r->nparams; i++) {
        mem_free(r->pname[i]);
        mem_free(r->pval[i]);
    }
    for (int i = 0; i < r->nquery; i++) {
        mem_free(r->qname[i]);
        mem_free(r->qval[i]);
    }
    mem_free(r->resp);
    mem_free(r);
    server_unref(s);
}

/* ---- routes ---- */

static int split_path(const char *path, char ***out)
{
    char **segs = NULL;
    int n = 0;
    const char *p = path;
    while (*p) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        segs = mem_realloc(segs, sizeof(char *) * (size_t)(n + 1));
        segs[n++] = mem_strndup(p, len);
        p += len;
    }
    *out = segs;
    return n;
}

static void free_segs(char **segs, int n)
{
    for (int i = 0; i < n; i++)
        mem_free(segs[i]);
    mem_free(segs);
}

int rest_route(rest_server_t *s, const char *method, const char *pattern, rest_thread_t where, rest_handler_fn fn,
               void *arg)
{
    if (!method || strlen(method) >= sizeof((route_t *)0)->method || !pattern || pattern[0] != '/' || !fn)
        return -1;
    char **segs;
    int n = split_path(pattern, &segs);
    int params = 0;
    for (int i = 0; i < n; i++)
        if (segs[i][0] == '{')
            params++;
    if (params > REST_MAX_PARAMS) {
        free_segs(segs, n);
        return -1;
    }
    route_t *r = mem_calloc(1, sizeof *r);
    strcpy(r->method, method);
    r->pattern = mem_strdup(pattern);
    r->segs = segs;
    r->nsegs = n;
    r->where = where;
    r->fn = fn;
    r->arg = arg;
    pthread_mutex_lock(&s->mu);
    for (int i = 0; i < s->nroutes; i++)
        if (strcasecmp(s->routes[i]->method, method) == 0 && strcmp(s->routes[i]->pattern, pattern) == 0)
            s->routes[i]->replaced = true;
    s->routes = mem_realloc(s->routes, sizeof(route_t *) * (size_t)(s->nroutes + 1));
    s->routes[s->nroutes++] = r;
    pthread_mutex_unlock(&s->mu);
    return 0;
}

/* match - 1 when path fits route (params captured into r), else 0. */
static int match(const route_t *rt, char **segs, int n, rest_req_t *r)
{
    if (rt->nsegs != n)
        return 0;
    for (int i = 0; i < n; i++) {
        const char *p = rt->segs[i];
        if (p[0] == '{')
            continue;
        if (strcmp(p, segs[i]) != 0)
            return 0;
    }
    if (r) {
        for (int i = 0; i < n; i++) {
            const char *p = rt->segs[i];
            size_t len = strlen(p);
            if (p[0] == '{' && len >= 2 && r->nparams < REST_MAX_PARAMS) {
                r->pname[r->nparams] = mem_strndup(p + 1, len - 2);
                r->pval[r->nparams] = mem_strdup(segs[i]);
                r->nparams++;
            }
        }
    }
    return 1;
}

/* ---- replies ---- */

static void error_json(buf_t *b, const char *message)
{
    json_w_t w;
    json_init(&w, b);
    json_obj_begin(&w);
    json_key(&w, "code");
    json_str(&w, "999");
    json_key(&w, "data");
    json_null(&w);
    json_key(&w, "msg");
    json_str(&w, message);
    json_obj_end(&w);
}

/* set_reply - under s->mu: records the answer and resumes the connection. */
static void set_reply(rest_req_t *r, int status, const char *json)
{
    r->status = status;
    r->resp = mem_strdup(json ? json : "{}");
    r->state = R_REPLIED;
    if (r->prev)
        r->prev->next = r->next;
    else if (r->s->pending == r)
        r->s->pending = r->next;
    if (r->next)
        r->next->prev = r->prev;
    r->next = r->prev = NULL;
    if (r->suspended) {
        r->suspended = false;
        MHD_resume_connection(r->conn);
    }
}

void rest_reply(rest_req_t *r, int status, const char *json)
{
    rest_server_t *s = r->s;
    pthread_mutex_lock(&s->mu);
    if (r->state == R_DISPATCHED)
        set_reply(r, status, json);
    /* else: answered already (503 while the server stopped) */
    pthread_mutex_unlock(&s->mu);
    req_unref(r); /* the handler's reference */
}

void rest_reply_error(rest_req_t *r, int status, const char *message)
{
    buf_t b = BUF_INIT;
    error_json(&b, message);
    rest_reply(r, status, buf_cstr(&b));
    buf_free(&b);
}

/* ---- accessors ---- */

const char *rest_req_method(const rest_req_t *r) { return r->method; }
const char *rest_req_path(const rest_req_t *r) { return r->path; }

const char *rest_req_param(const rest_req_t *r, const char *name)
{
    for (int i = 0; i < r->nparams; i++)
        if (strcmp(r->pname[i], name) == 0)
            return r->pval[i];
    return NULL;
}

const char *rest_req_query(const rest_req_t *r, const char *name)
{
    for (int i = 0; i < r->nquery; i++)
        if (strcmp(r->qname[i], name) == 0)
            return r->qval[i];
    return NULL;
}

const char *rest_req_body(const rest_req_t *r, size_t *len)
{
    if (len)
        *len = r->body.len;
    return r->body.len ? buf_cstr((buf_t *)&r->body) : "";
}

/* ---- libmicrohttpd callbacks (HTTP threads) ---- */

static enum MHD_Result collect_query(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    rest_req_t *r = cls;
    if (r->nquery >= REST_MAX_QUERY || !key)
        return MHD_NO;
    r->qname[r->nquery] = mem_strdup(key);
    r->qval[r->nquery] = mem_strdup(value ? value : "");
    r->nquery++;
    return MHD_YES;
}

static enum MHD_Result send_reply(struct MHD_Connection *conn, int status, const char *json)
{
    size_t len = strlen(json);
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, (void *)json, MHD_RESPMEM_MUST_COPY);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    enum MHD_Result rc = MHD_queue_response(conn, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return rc;
}

/* dispatch - routes r and hands it to its handler (or answers it). */
static void dispatch(rest_server_t *s, rest_req_t *r)
{
    __atomic_add_fetch(&r->refs, 1, __ATOMIC_ACQ_REL); /* the handler's */
    pthread_mutex_lock(&s->mu);
    r->state = R_DISPATCHED;
    r->next = s->pending;
    if (s->pending)
        s->pending->prev = r;
    s->pending = r;
    pthread_mutex_unlock(&s->mu);

    if (r->too_large) {
        rest_reply_error(r, MHD_HTTP_CONTENT_TOO_LARGE, "request body too large");
        return;
    }
    char **segs;
    int n = split_path(r->path, &segs);
    const char *m = strcmp(r->method, "HEAD") == 0 ? "GET" : r->method;
    const route_t *found = NULL;
    bool path_known = false;
    pthread_mutex_lock(&s->mu);
    for (int i = 0; i < s->nroutes && !found; i++) {
        const route_t *rt = s->routes[i];
        if (rt->replaced || !match(rt, segs, n, NULL))
            continue;
        path_known = true;
        if (strcasecmp(rt->method, m) == 0) {
            found = rt;
            match(found, segs, n, r);
        }
    }
    pthread_mutex_unlock(&s->mu);
    free_segs(segs, n);
    if (!found) {
        if (path_known)
            rest_reply_error(r, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed");
        else
            rest_reply_error(r, MHD_HTTP_NOT_FOUND, "no such endpoint");
        return;
    }
    r->route = found;
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, collect_query, r);
    if (found->where == REST_ON_LOOP && s->loop) {
        pthread_mutex_lock(&s->mu);
        bool stopping = s->stopping;
        if (!stopping) {
            r->qnext = NULL;
            if (s->qtail)
                s->qtail->qnext = r;
            else
                s->qhead = r;
            s->qtail = r;
        }
        pthread_mutex_unlock(&s->mu);
        if (stopping)
            rest_reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "shutting down");
        else
            uv_async_send(&s->async);
        return;
    }
    found->fn(r, found->arg);
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                 const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    rest_server_t *s = cls;
    rest_req_t *r = *con_cls;
    if (!r) {
        r = mem_calloc(1, sizeof *r);
        r->s = s;
        r->conn = conn;
        r->refs = 1; /* libmicrohttpd's, dropped in on_completed */
        __atomic_add_fetch(&s->refs, 1, __ATOMIC_ACQ_REL);
        snprintf(r->method, sizeof r->method, "%s", method);
        r->path = mem_strdup(url);
        *con_cls = r;
        return MHD_YES;
    }
    if (*upload_size) {
        if (r->body.len + *upload_size > REST_MAX_BODY)
            r->too_large = true;
        else
            buf_append(&r->body, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    if (r->state == R_NEW)
        dispatch(s, r);
    pthread_mutex_lock(&s->mu);
    if (r->state == R_DISPATCHED && s->stopping)
        set_reply(r, MHD_HTTP_SERVICE_UNAVAILABLE, "{\"code\":\"999\",\"data\":null,\"msg\":\"shutting down\"}");
    if (r->state == R_REPLIED) {
        r->state = R_SENT;
        pthread_mutex_unlock(&s->mu);
        return send_reply(conn, r->status, r->resp);
    }
    if (r->state == R_SENT) { /* cannot happen: libmicrohttpd calls once more only before queueing */
        pthread_mutex_unlock(&s->mu);
        return MHD_NO;
    }
    r->suspended = true;
    MHD_suspend_connection(conn);
    pthread_mutex_unlock(&s->mu);
    return MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    rest_req_t *r = *con_cls;
    *con_cls = NULL;
    if (r)
        req_unref(r);
}

/* ---- loop thread ---- */

static void async_cb(uv_async_t *a)
{
    rest_server_t *s = a->data;
    for (;;) {
        pthread_mutex_lock(&s->mu);
        rest_req_t *r = s->qhead;
        if (r) {
            s->qhead = r->qnext;
            if (!s->qhead)
                s->qtail = NULL;
        }
        pthread_mutex_unlock(&s->mu);
        if (!r)
            return;
        r->route->fn(r, r->route->arg);
    }
}

/* ---- built-in routes ---- */

static void h_health(rest_req_t *r, void *arg)
{
    rest_server_t *s = arg;
    char reason[256] = "";
    int down = 0;
    if (__atomic_load_n(&s->draining, __ATOMIC_ACQUIRE)) {
        down = 1;
        snprintf(reason, sizeof reason, "shutting down");
    } else if (s->health) {
        down = s->health(s->health_arg, reason, sizeof reason) != 0;
    }
    buf_t b = BUF_INIT;
    json_w_t w;
    json_init(&w, &b);
    json_obj_begin(&w);
    json_key(&w, "status");
    json_str(&w, down ? "DOWN" : "UP");
    if (down) {
        json_key(&w, "reason");
        json_str(&w, reason[0] ? reason : "unhealthy");
    }
    json_obj_end(&w);
    rest_reply(r, down ? MHD_HTTP_SERVICE_UNAVAILABLE : MHD_HTTP_OK, buf_cstr(&b));
    buf_free(&b);
}

static void h_announce(rest_req_t *r, void *arg)
{
    rest_server_t *s = arg;
    int64_t id = -1;
    size_t len;
    const char *body = rest_req_body(r, &len);
    const char *q = rest_req_query(r, "event_id");
    if (strcmp(r->method, "POST") == 0) {
        json_tok_t t;
        if (q) {
            json_tok_t qt = { JSON_STRING, q, strlen(q) };
            if (json_tok_int(&qt, &id) < 0) {
                rest_reply_error(r, MHD_HTTP_BAD_REQUEST, "event_id must be an integer");
                return;
            }
        } else if (len) {
            int found = json_member(body, len, "event_id", &t);
            if (found < 0) {
                rest_reply_error(r, MHD_HTTP_BAD_REQUEST, "body is not a JSON object");
                return;
            }
            if (found == 0)
                found = json_member(body, len, "id", &t);
            if (found == 1 && json_tok_int(&t, &id) < 0) {
                rest_reply_error(r, MHD_HTTP_BAD_REQUEST, "event_id must be an integer");
                return;
            }
        }
    }
    if (s->announce)
        s->announce(id, s->announce_arg);
    char out[96];
    snprintf(out, sizeof out, "{\"status\":\"OK\",\"event_id\":%lld}", (long long)id);
    rest_reply(r, MHD_HTTP_OK, out);
}

typedef struct snap_route {
    rest_server_t *s;
    const char *name;
    const char *def;
} snap_route_t;

static const snap_route_t snap_routes[] = {
    { NULL, "nodes", "{\"nodes\":[]}" },
    { NULL, "is_active_job_node", "false" },
};

static void h_snapshot(rest_req_t *r, void *arg)
{
    const snap_route_t *sr = arg;
    rest_server_t *s = r->s;
    char *copy = NULL;
    pthread_mutex_lock(&s->mu);
    for (int i = 0; i < s->nsnaps; i++)
        if (strcmp(s->snaps[i].name, sr->name) == 0)
            copy = mem_strdup(s->snaps[i].json);
    pthread_mutex_unlock(&s->mu);
    rest_reply(r, MHD_HTTP_OK, copy ? copy : sr->def);
    mem_free(copy);
}

/* ---- public ---- */

rest_server_t *rest_new(uv_loop_t *loop, const char *addr, int port)
{
    rest_server_t *s = mem_calloc(1, sizeof *s);
    s->loop = loop;
    s->refs = 1;
    pthread_mutex_init(&s->mu, NULL);
    s->addr = mem_strdup(addr && *addr ? addr : "127.0.0.1");
    s->port = port;
    if (loop) {
        uv_async_init(loop, &s->async, async_cb);
        s->async.data = s;
        s->async_open = true;
    }
    rest_route(s, "GET", "/kylin/api/health", REST_ON_HTTP_THREAD, h_health, s);
    rest_route(s, "POST", "/kylin/api/cache/announce", REST_ON_LOOP, h_announce, s);
    rest_route(s, "PUT", "/kylin/api/cache/{entity}/{key}/{event}", REST_ON_LOOP, h_announce, s);
    rest_route(s, "GET", "/kylin/api/admin/nodes", REST_ON_HTTP_THREAD, h_snapshot, (void *)&snap_routes[0]);
    rest_route(s, "GET", "/kylin/api/service_discovery/state/all", REST_ON_HTTP_THREAD, h_snapshot,
               (void *)&snap_routes[0]);
    rest_route(s, "GET", "/kylin/api/service_discovery/state/is_active_job_node", REST_ON_HTTP_THREAD, h_snapshot,
               (void *)&snap_routes[1]);
    return s;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    size_t n = strlen(line);
    while (n && line[n - 1] == '\n')
        line[--n] = '\0';
    log_warn("rest: %s", line);
}

int rest_start(rest_server_t *s, char *err, size_t err_n)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_AUTO;
    struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
    const char *a = strcmp(s->addr, "localhost") == 0 ? "127.0.0.1" : s->addr;
    if (inet_pton(AF_INET, a, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t)s->port);
    } else if (inet_pton(AF_INET6, a, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)s->port);
        flags |= MHD_USE_IPv6;
    } else {
        snprintf(err, err_n, "REST listen address \"%s\" is not an IP address", s->addr);
        return -1;
    }
    s->d = MHD_start_daemon(flags, (uint16_t)s->port, NULL, NULL, on_access, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log,
                            s, MHD_OPTION_SOCK_ADDR, &ss, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
                            MHD_OPTION_THREAD_POOL_SIZE, 2, MHD_OPTION_CONNECTION_TIMEOUT, 30,
                            MHD_OPTION_CONNECTION_LIMIT, 512, MHD_OPTION_END);
    if (!s->d) {
        snprintf(err, err_n, "cannot listen on %s:%d for REST (port in use?)", s->addr, s->port);
        return -1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->bound_port = info ? info->port : s->port;
    log_info("rest: REST API on http://%s:%d", s->addr, s->bound_port);
    return 0;
}

int rest_port(const rest_server_t *s)
{
    return s->bound_port;
}

static void async_closed(uv_handle_t *h)
{
    server_unref(h->data);
}

void rest_close(rest_server_t *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    s->stopping = true;
    /* Requests waiting for the loop never reach their handler now: answer
     * and drop the handler's reference on their behalf. */
    rest_req_t *q = s->qhead;
    s->qhead = s->qtail = NULL;
    for (rest_req_t *r = s->pending; r;) {
        rest_req_t *next = r->next;
        set_reply(r, MHD_HTTP_SERVICE_UNAVAILABLE, "{\"code\":\"999\",\"data\":null,\"msg\":\"shutting down\"}");
        r = next;
    }
    pthread_mutex_unlock(&s->mu);
    while (q) {
        rest_req_t *next = q->qnext;
        req_unref(q);
        q = next;
    }
    if (s->d) {
        MHD_stop_daemon(s->d);
        s->d = NULL;
    }
    if (s->async_open) {
        s->async_open = false;
        uv_close((uv_handle_t *)&s->async, async_closed);
    } else {
        server_unref(s);
    }
}

void rest_set_health(rest_server_t *s, rest_health_fn fn, void *arg)
{
    pthread_mutex_lock(&s->mu);
    s->health = fn;
    s->health_arg = arg;
    pthread_mutex_unlock(&s->mu);
}

void rest_set_draining(rest_server_t *s, bool draining)
{
    __atomic_store_n(&s->draining, draining ? 1 : 0, __ATOMIC_RELEASE);
}

void rest_set_announce(rest_server_t *s, rest_announce_fn fn, void *arg)
{
    pthread_mutex_lock(&s->mu);
    s->announce = fn;
    s->announce_arg = arg;
    pthread_mutex_unlock(&s->mu);
}

void rest_snapshot_set(rest_server_t *s, const char *name, const char *json)
{
    pthread_mutex_lock(&s->mu);
    for (int i = 0; i < s->nsnaps; i++) {
        if (strcmp(s->snaps[i].name, name) == 0) {
            mem_free(s->snaps[i].json);
            s->snaps[i].json = mem_strdup(json ? json : "null");
            pthread_mutex_unlock(&s->mu);
            return;
        }
    }
    s->snaps = mem_realloc(s->snaps, sizeof(snapshot_t) * (size_t)(s->nsnaps + 1));
    s->snaps[s->nsnaps].name = mem_strdup(name);
    s->snaps[s->nsnaps].json = mem_strdup(json ? json : "null");
    s->nsnaps++;
    pthread_mutex_unlock(&s->mu);
}
