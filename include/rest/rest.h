/*
 * rest.h - the node's REST port (libmicrohttpd): health for load balancers,
 * cluster metadata event notifications, node status, and a route table the
 * job engine adds its endpoints to (Kylin's paths under /kylin/api).
 *
 * Threads. libmicrohttpd serves on its own threads. A route's handler runs
 * either there (REST_ON_HTTP_THREAD: it must be thread-safe and must not
 * block long, e.g. it reads a snapshot) or on the node's libuv loop thread
 * (REST_ON_LOOP: handed over through uv_async; it may then start metastore
 * work on the worker pool and reply later). Either way the handler owns the
 * request until it calls rest_reply(), exactly once, from any thread; the
 * HTTP connection is suspended meanwhile, so no thread waits.
 *
 * Built-in routes (all JSON):
 *   GET  /kylin/api/health            200 {"status":"UP"} or 503 {"status":"DOWN","reason":...};
 *                                     the health callback decides (the node: serving, metastore up),
 *                                     and rest_set_draining() forces 503 for a graceful stop
 *   POST /kylin/api/cache/announce    body {"event_id": N} (or ?event_id=N): metadata changed up
 *                                     to event N; calls the announce callback (on the loop)
 *   PUT  /kylin/api/cache/{entity}/{key}/{event}  Kylin's broadcast path: announce with id -1
 *                                     ("replay whatever is new")
 *   GET  /kylin/api/admin/nodes       the "nodes" snapshot the node publishes
 *   GET  /kylin/api/service_discovery/state/all            the same snapshot (Kylin's path)
 *   GET  /kylin/api/service_discovery/state/is_active_job_node  the "is_active_job_node" snapshot
 * Unknown paths answer 404, a known path with another method 405, bodies
 * over REST_MAX_BODY 413. Errors use Kylin's shape {"code":"999","msg":...}.
 */
#ifndef REST_REST_H
#define REST_REST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#define REST_MAX_BODY (1024 * 1024)
#define REST_MAX_PARAMS 8
#define REST_MAX_QUERY 16

typedef struct rest_server rest_server_t;
typedef struct rest_req rest_req_t;

typedef enum rest_thread { REST_ON_HTTP_THREAD = 0, REST_ON_LOOP = 1 } rest_thread_t;

typedef void (*rest_handler_fn)(rest_req_t *req, void *arg);
/* Returns 0 when healthy; otherwise writes why into reason. HTTP threads: thread-safe. */
typedef int (*rest_health_fn)(void *arg, char *reason, size_t n);
/* event_id: highest metadata event the sender knows of; -1: unknown, replay. Loop thread. */
typedef void (*rest_announce_fn)(int64_t event_id, void *arg);

/* rest_new - a server for addr:port (port 0 picks a free one). loop may be
 * NULL (then REST_ON_LOOP routes and the announce callback run on HTTP
 * threads). Nothing listens before rest_start. Loop thread. */
rest_server_t *rest_new(uv_loop_t *loop, const char *addr, int port);
/* rest_start - binds and starts serving; 0, or -1 with a message in err. */
int rest_start(rest_server_t *s, char *err, size_t err_n);
int rest_port(const rest_server_t *s); /* the bound port, after rest_start */
/* rest_close - stops serving (pending requests get 503), frees s once every
 * request still held by a handler is replied. Loop thread; the loop must run on. */
void rest_close(rest_server_t *s);

/* rest_route - pattern is a path with {name} segments ("/kylin/api/jobs/{id}/resume");
 * a later route with the same method and pattern replaces the earlier one.
 * Any time, any thread (the job engine adds its routes once it is up).
 * 0, or -1 for a bad pattern. */
int rest_route(rest_server_t *s, const char *method, const char *pattern, rest_thread_t where, rest_handler_fn fn,
               void *arg);

void rest_set_health(rest_server_t *s, rest_health_fn fn, void *arg);
void rest_set_draining(rest_server_t *s, bool draining); /* any thread */
void rest_set_announce(rest_server_t *s, rest_announce_fn fn, void *arg);
/* rest_snapshot_set - publishes json (copied) under name; any thread. */
void rest_snapshot_set(rest_server_t *s, const char *name, const char *json);

/* Request accessors: valid until rest_reply. */
const char *rest_req_method(const rest_req_t *r);
const char *rest_req_path(const rest_req_t *r);
const char *rest_req_param(const rest_req_t *r, const char *name); /* {name} in the pattern; NULL if none */
const char *rest_req_query(const rest_req_t *r, const char *name); /* ?name=value; NULL if none */
const char *rest_req_body(const rest_req_t *r, size_t *len);       /* NUL-terminated; "" when none */

/* rest_reply - answers with status and a JSON body (copied; NULL means {}).
 * Exactly once per request, from any thread. */
void rest_reply(rest_req_t *r, int status, const char *json);
/* rest_reply_error - Kylin's error shape {"code":"999","data":null,"msg":message}. */
void rest_reply_error(rest_req_t *r, int status, const char *message);

#endif
