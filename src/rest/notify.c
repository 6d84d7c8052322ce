/*
 * notify.c - best-effort fan-out of metadata event ids to every node's REST
 * port, from one background thread, plus the cluster-servers list parser.
 *
 * Why one thread with a hand-written HTTP client: a notification is a few
 * hundred bytes to a handful of nodes on a LAN, sent with sub-second
 * deadlines, and losing one is harmless (the periodic replay heals it). A
 * thread keeps the loop free of connect() latencies without pulling in an
 * HTTP client library. Coalescing makes a burst of metadata changes cost one
 * request per node, and the per-node backoff keeps a dead node from delaying
 * the live ones by more than one timeout per second.
 */
#include "rest/notify.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/mem.h"

/* ---- cluster-servers parsing ---- */

static int parse_one(const char *s, size_t len, rest_addr_t *out)
{
    while (len && (*s == ' ' || *s == '\t')) {
        s++;
        len--;
    }
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    if (len == 0)
        return 0; /* empty entry: skipped */
    if (len >= 7 && strncasecmp(s, "http://", 7) == 0) {
        s += 7;
        len -= 7;
    } else if (memchr(s, ':', len) && len >= 3 && memmem(s, len, "://", 3)) {
        return -1; /* https:// or another scheme: not what we speak */
    }
    if (len && s[len - 1] == '/')
        len--;
    if (len == 0 || memchr(s, '/', len))
        return -1;
    const char *host = s, *port = NULL;
    size_t hlen;
    if (*s == '[') {
        const char *close = memchr(s, ']', len);
        if (!close)
            return -1;
        host = s + 1;
        hlen = (size_t)(close - host);
        size_t rest = len - (size_t)(close + 1 - s);
        if (rest) {
            if (close[1] != ':' || rest < 2)
                return -1;
            port = close + 2;
        }
    } else {
        const char *colon = memchr(s, ':', len);
        if (colon && memchr(colon + 1, ':', len - (size_t)(colon + 1 - s)))
            return -1; /* bare IPv6 without []: ambiguous */
        hlen = colon ? (size_t)(colon - s) : len;
        if (colon)
            port = colon + 1;
    }
    if (hlen == 0 || hlen >= REST_HOST_MAX)
        return -1;
    for (size_t i = 0; i < hlen; i++)
        if (host[i] == ' ' || host[i] == ',' || (unsigned char)host[i] < 0x21)
            return -1;
    int p = 7070;
    if (port) {
        size_t plen = len - (size_t)(port - s);
        if (plen == 0 || plen > 5)
            return -1;
        p = 0;
        for (size_t i = 0; i < plen; i++) {
            if (port[i] < '0' || port[i] > '9')
                return -1;
            p = p * 10 + (port[i] - '0');
        }
        if (p < 1 || p > 65535)
            return -1;
    }
    memcpy(out->host, host, hlen);
    out->host[hlen] = '\0';
    out->port = p;
    return 1;
}

int rest_servers_parse(const char *list, rest_addr_t *out, int max, int *bad)
{
    int n = 0, pos = 0;
    const char *p = list ? list : "";
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        pos++;
        rest_addr_t a;
        int rc = parse_one(p, len, &a);
        if (rc < 0) {
            if (bad)
                *bad = pos;
            return -1;
        }
        if (rc == 1) {
            bool dup = false;
            for (int i = 0; i < n; i++)
                if (out[i].port == a.port && strcasecmp(out[i].host, a.host) == 0)
                    dup = true;
            if (!dup && n < max)
                out[n++] = a;
        }
        if (!comma)
            break;
        p = comma + 1;
    }
    return n;
}

/* ---- one HTTP POST ---- */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int wait_fd(int fd, short ev, int64_t deadline)
{
    for (;;) {
        int64_t left = deadline - now_ms();
        if (left <= 0)
            return -1;
        struct pollfd pfd = { fd, ev, 0 };
        int rc = poll(&pfd, 1, (int)left);
        if (rc > 0)
            return 0;
        if (rc == 0)
            return -1;
        if (errno != EINTR)
            return -1;
    }
}

static int connect_to(const char *host, int port, int64_t deadline)
{
    char ps[8];
    snprintf(ps, sizeof ps, "%d", port);
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, ps, &hints, &res) != 0)
        return -1;
    int fd = -1;
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0)
            continue;
        int rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
        if (rc < 0 && errno == EINPROGRESS) {
            int soerr = 0;
            socklen_t sl = sizeof soerr;
            if (wait_fd(fd, POLLOUT, deadline) == 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 &&
                soerr == 0)
                rc = 0;
        }
        if (rc < 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    return fd;
}

int rest_http_post(const char *host, int port, const char *path, const char *json, int timeout_ms)
{
    int64_t deadline = now_ms() + timeout_ms;
    int fd = connect_to(host, port, deadline);
    if (fd < 0)
        return -1;
    char req[2048];
    bool v6 = strchr(host, ':') != NULL;
    int len = snprintf(req, sizeof req,
                       "POST %s HTTP/1.1\r\nHost: %s%s%s:%d\r\nContent-Type: application/json\r\n"
                       "Content-Length: %zu\r\nConnection: close\r\nUser-Agent: kiln-notifier\r\n\r\n%s",
                       path, v6 ? "[" : "", host, v6 ? "]" : "", port, strlen(json), json);
    int status = -1;
    if (len <= 0 || (size_t)len >= sizeof req)
        goto done;
    for (int off = 0; off < len;) {
        ssize_t k = send(fd, req + off, (size_t)(len - off), MSG_NOSIGNAL);
        if (k > 0) {
            off += (int)k;
        } else if (k < 0 && (errno == EAGAIN || errno == EINTR)) {
            if (wait_fd(fd, POLLOUT, deadline) < 0)
                goto done;
        } else {
            goto done;
        }
    }
    char resp[256];
    size_t got = 0;
    while (got < sizeof resp - 1) {
        ssize_t k = recv(fd, resp + got, sizeof resp - 1 - got, 0);
        if (k > 0) {
            got += (size_t)k;
            resp[got] = '\0';
            if (strstr(resp, "\r\n"))
                break;
        } else if (k < 0 && (errno == EAGAIN || errno == EINTR)) {
            if (wait_fd(fd, POLLIN, deadline) < 0)
                goto done;
        } else {
            break;
        }
    }
    resp[got] = '\0';
    int code;
    if (sscanf(resp, "HTTP/1.%*d %d", &code) == 1 && code >= 100 && code <= 599)
        status = code;
done:
    close(fd);
    return status;
}

/* ---- the notifier ---- */

typedef struct target {
    rest_addr_t a;
    int64_t sent;     /* newest id delivered */
    int64_t retry_at; /* monotonic ms; skip until then after a failure */
    bool down;
    bool tried;       /* attempted since the newest id was queued */
} target_t;

struct rest_notifier {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;      /* work for the thread */
    pthread_cond_t done_cv; /* progress, for flush */
    bool stop;
    int timeout_ms;
    int64_t latest; /* INT64_MIN: nothing queued yet */
    target_t *t;
    int nt;
    uint64_t sent, failed;
};

static void set_targets_locked(rest_notifier_t *n, const char *servers)
{
    rest_addr_t *addrs = mem_calloc(REST_SERVERS_MAX, sizeof *addrs);
    int bad = 0;
    int k = rest_servers_parse(servers, addrs, REST_SERVERS_MAX, &bad);
    if (k < 0) {
        log_error("notify: kylin.server.cluster-servers entry %d is not host:port: \"%s\"; notifying nobody", bad,
                  servers ? servers : "");
        k = 0;
    }
    target_t *t = mem_calloc((size_t)k + 1, sizeof *t);
    for (int i = 0; i < k; i++) {
        t[i].a = addrs[i];
        t[i].sent = INT64_MIN;
        for (int j = 0; j < n->nt; j++) /* keep what we knew of a node */
            if (n->t[j].a.port == addrs[i].port && strcasecmp(n->t[j].a.host, addrs[i].host) == 0)
                t[i] = n->t[j];
    }
    mem_free(n->t);
    mem_free(addrs);
    n->t = t;
    n->nt = k;
}

static void *notify_main(void *arg)
{
    rest_notifier_t *n = arg;
    pthread_mutex_lock(&n->mu);
    while (!n->stop) {
        int64_t now = now_ms(), next_retry = INT64_MAX;
        int pick = -1;
        for (int i = 0; i < n->nt && pick < 0; i++) {
            target_t *t = &n->t[i];
            if (n->latest == INT64_MIN || t->sent >= n->latest)
                continue;
            if (t->retry_at > now) {
                if (t->retry_at < next_retry)
                    next_retry = t->retry_at;
                continue;
            }
            pick = i;
        }
        if (pick < 0) {
            if (next_retry == INT64_MAX) {
                pthread_cond_wait(&n->cv, &n->mu);
            } else {
                struct timespec ts;
                clock_gettime(CLOCK_MONOTONIC, &ts);
                int64_t ms = next_retry - now;
                ts.tv_sec += ms / 1000;
                ts.tv_nsec += (ms % 1000) * 1000000L;
                if (ts.tv_nsec >= 1000000000L) {
                    ts.tv_sec++;
                    ts.tv_nsec -= 1000000000L;
                }
                pthread_cond_timedwait(&n->cv, &n->mu, &ts);
            }
            continue;
        }
        rest_addr_t a = n->t[pick].a;
        int64_t id = n->latest;
        int timeout = n->timeout_ms;
        pthread_mutex_unlock(&n->mu);

        char body[64];
        snprintf(body, sizeof body, "{\"event_id\":%lld}", (long long)id);
        int status = rest_http_post(a.host, a.port, "/kylin/api/cache/announce", body, timeout);

        pthread_mutex_lock(&n->mu);
        target_t *t = NULL; /* the list may have been replaced meanwhile */
        for (int i = 0; i < n->nt; i++)
            if (n->t[i].a.port == a.port && strcmp(n->t[i].a.host, a.host) == 0)
                t = &n->t[i];
        if (status >= 200 && status < 300) {
            n->sent++;
            if (t) {
                if (t->down)
                    log_info("notify: %s:%d reachable again", a.host, a.port);
                if (id > t->sent)
                    t->sent = id;
                t->down = false;
                t->retry_at = 0;
                /* Only an attempt with the newest id settles the node for
                 * flush: an older id delivered while a newer one was queued
                 * leaves it still to send. */
                if (id >= n->latest)
                    t->tried = true;
            }
        } else {
            n->failed++;
            if (t) {
                if (!t->down)
                    log_warn("notify: cannot notify %s:%d of metadata event %lld (%s); it will catch up by replay",
                             a.host, a.port, (long long)id, status < 0 ? "unreachable or timed out" : "HTTP error");
                t->down = true;
                if (id >= n->latest)
                    t->tried = true;
                t->retry_at = now_ms() + 1000;
            }
        }
        pthread_cond_broadcast(&n->done_cv);
    }
    pthread_mutex_unlock(&n->mu);
    return NULL;
}

rest_notifier_t *rest_notifier_new(const char *servers, int timeout_ms)
{
    rest_notifier_t *n = mem_calloc(1, sizeof *n);
    pthread_mutex_init(&n->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&n->cv, &ca);
    pthread_cond_init(&n->done_cv, &ca);
    pthread_condattr_destroy(&ca);
    n->timeout_ms = timeout_ms > 0 ? timeout_ms : 1000;
    n->latest = INT64_MIN;
    set_targets_locked(n, servers);
    if (pthread_create(&n->thread, NULL, notify_main, n) != 0) {
        log_error("notify: cannot start the notifier thread: %s", strerror(errno));
        abort();
    }
    return n;
}

void rest_notifier_set_servers(rest_notifier_t *n, const char *servers)
{
    pthread_mutex_lock(&n->mu);
    set_targets_locked(n, servers);
    pthread_cond_signal(&n->cv);
    pthread_mutex_unlock(&n->mu);
}

void rest_notify(rest_notifier_t *n, int64_t event_id)
{
    pthread_mutex_lock(&n->mu);
    if (event_id < 0) {
        /* "replay whatever is new": resend the newest id to everyone */
        if (n->latest == INT64_MIN)
            n->latest = -1;
        for (int i = 0; i < n->nt; i++)
            n->t[i].sent = INT64_MIN;
    } else if (n->latest == INT64_MIN || event_id > n->latest) {
        n->latest = event_id;
    } else {
        pthread_mutex_unlock(&n->mu); /* nothing newer than what is queued */
        return;
    }
    for (int i = 0; i < n->nt; i++) {
        n->t[i].tried = false;
        if (!n->t[i].down) /* a dead node keeps its backoff: bursts do not hammer it */
            n->t[i].retry_at = 0;
    }
    pthread_cond_signal(&n->cv);
    pthread_mutex_unlock(&n->mu);
}

int rest_notifier_flush(rest_notifier_t *n, int timeout_ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += timeout_ms / 1000;
    ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&n->mu);
    int rc;
    for (;;) {
        bool all_sent = true, settled = true;
        for (int i = 0; i < n->nt; i++) {
            if (n->latest == INT64_MIN || n->t[i].sent >= n->latest)
                continue;
            all_sent = false;
            if (!n->t[i].tried)
                settled = false;
        }
        if (all_sent) {
            rc = 0;
            break;
        }
        if (settled) {
            rc = -1;
            break;
        }
        if (pthread_cond_timedwait(&n->done_cv, &n->mu, &ts) == ETIMEDOUT) {
            rc = -1;
            break;
        }
    }
    pthread_mutex_unlock(&n->mu);
    return rc;
}

void rest_notifier_stats(rest_notifier_t *n, uint64_t *sent, uint64_t *failed)
{
    pthread_mutex_lock(&n->mu);
    if (sent)
        *sent = n->sent;
    if (failed)
        *failed = n->failed;
    pthread_mutex_unlock(&n->mu);
}

void rest_notifier_free(rest_notifier_t *n)
{
    if (!n)
        return;
    pthread_mutex_lock(&n->mu);
    n->stop = true;
    pthread_cond_signal(&n->cv);
    pthread_mutex_unlock(&n->mu);
    pthread_join(n->thread, NULL);
    pthread_mutex_destroy(&n->mu);
    pthread_cond_destroy(&n->cv);
    pthread_cond_destroy(&n->done_cv);
    mem_free(n->t);
    mem_free(n);
}
