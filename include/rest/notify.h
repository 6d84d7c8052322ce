/*
 * notify.h - the sending side of cluster metadata events: tell every node in
 * kylin.server.cluster-servers (this one included) that the metadata event
 * log grew, by POST /kylin/api/cache/announce {"event_id":N}.
 *
 * A notification is only a hint that makes other nodes replay the event log
 * now rather than at their next periodic replay (kiln.metadata.sync-interval-ms),
 * so it is best effort: a background thread sends with short timeouts,
 * coalesces (a node that missed ids 5..8 gets just 8: replaying to 8 covers
 * them), logs a node going unreachable once (and its return once), and skips
 * an unreachable node for a second before trying it again. Nothing here
 * blocks the caller.
 */
#ifndef REST_NOTIFY_H
#define REST_NOTIFY_H

#include <stdint.h>

#define REST_SERVERS_MAX 256
#define REST_HOST_MAX 256

typedef struct rest_addr {
    char host[REST_HOST_MAX]; /* name or address, without [] for IPv6 */
    int port;
} rest_addr_t;

/* rest_servers_parse - parses a kylin.server.cluster-servers value:
 * "host:port,host:port" with optional spaces, an optional http:// prefix and
 * trailing '/', IPv6 as [addr]:port, port 7070 when omitted. Empty entries
 * are skipped and duplicates dropped (first kept). Returns the count (at most
 * max), or -1 with the offending entry's 1-based position in *bad for a
 * malformed entry (bad port, empty host, https://, a path). */
int rest_servers_parse(const char *list, rest_addr_t *out, int max, int *bad);

typedef struct rest_notifier rest_notifier_t;

/* rest_notifier_new - starts the sender thread for servers (see
 * rest_servers_parse; an invalid list is logged and treated as empty).
 * timeout_ms bounds one attempt to one node (connect + send + status line). */
rest_notifier_t *rest_notifier_new(const char *servers, int timeout_ms);
/* rest_notifier_set_servers - replaces the target list (SIGHUP reload, or
 * the live membership under self-discovery). Any thread. */
void rest_notifier_set_servers(rest_notifier_t *n, const char *servers);
/* rest_notify - queue event_id for every node; returns at once. Any thread. */
void rest_notify(rest_notifier_t *n, int64_t event_id);
/* rest_notifier_flush - waits until every reachable node got the newest id,
 * or timeout_ms passed; 0 when all were delivered. For tests and shutdown. */
int rest_notifier_flush(rest_notifier_t *n, int timeout_ms);
/* rest_notifier_stats - notifications delivered and failed so far. */
void rest_notifier_stats(rest_notifier_t *n, uint64_t *sent, uint64_t *failed);
/* rest_notifier_free - stops the thread (an attempt in flight finishes first). NULL ok. */
void rest_notifier_free(rest_notifier_t *n);

/* rest_http_post - one blocking HTTP/1.1 POST with a JSON body and a total
 * deadline; returns the status code, or -1 (connect/timeout/garbage). Used by
 * the notifier thread; exported for tests and tools. */
int rest_http_post(const char *host, int port, const char *path, const char *json, int timeout_ms);

#endif
