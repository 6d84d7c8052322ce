/*
 * cancel_fwd.c - CancelRequest forwarding between the nodes of a cluster.
 *
 * psql, JDBC and ODBC send a CancelRequest on a new connection, which a load
 * balancer may hand to another node than the one running the query. A node
 * that has no session with the request's pid and key passes the 16 bytes on
 * to every node of kiln.cluster.pg-servers (itself skipped), with kiln's own
 * request code instead of PostgreSQL's: a forwarded request is only looked up
 * locally, never forwarded again, so requests cannot loop. Backend pids are
 * per-node counters and may repeat across nodes; the random key tells the
 * sessions apart. Fire and forget, as PostgreSQL's cancel: no reply, and a
 * peer that cannot be reached is only logged at debug level.
 *
 * The peers are resolved once at startup (getaddrinfo may block; the loop
 * does not run yet), so forwarding never waits for DNS.
 */
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "common/log.h"
#include "session_int.h"

typedef struct fwd {
    uv_tcp_t tcp;
    uv_connect_t connect;
    uv_write_t write;
    uint8_t packet[16];
} fwd_t;

static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static bool is_loopback(const struct sockaddr_storage *a)
{
    if (a->ss_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)a)->sin_addr.s_addr) >> 24) == 127;
    if (a->ss_family == AF_INET6)
        return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)a)->sin6_addr);
    return false;
}

static int port_of(const struct sockaddr_storage *a)
{
    if (a->ss_family == AF_INET)
        return ntohs(((const struct sockaddr_in *)a)->sin_port);
    if (a->ss_family == AF_INET6)
        return ntohs(((const struct sockaddr_in6 *)a)->sin6_port);
    return -1;
}

/* add_peer - resolves one "host:port" entry ("[v6]:port" too) and appends it. */
static void add_peer(sess_server_t *srv, const char *entry, size_t len)
{
    char buf[512], *host = buf, *port;
    if (len == 0 || len >= sizeof buf)
        return;
    memcpy(buf, entry, len);
    buf[len] = '\0';
    if (*host == '[') {
        char *close = strchr(host, ']');
        if (!close || close[1] != ':') {
            log_warn("kiln.cluster.pg-servers: \"%s\" is not host:port; ignored", buf);
            return;
        }
        *close = '\0';
        host++;
        port = close + 2;
    } else {
        port = strrchr(host, ':');
        if (!port) {
            log_warn("kiln.cluster.pg-servers: \"%s\" is not host:port; ignored", buf);
            return;
        }
        *port++ = '\0';
    }
    struct addrinfo hints = { 0 }, *res = NULL;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0 || !res) {
        log_warn("kiln.cluster.pg-servers: cannot resolve \"%s:%s\" (%s); cancel requests will not reach it", host,
                 port, gai_strerror(rc));
        return;
    }
    if (srv->npeers == srv->peers_cap) {
        size_t cap = srv->peers_cap ? srv->peers_cap * 2 : 4;
        struct sockaddr_storage *p = mem_calloc(cap, sizeof *p);
        if (srv->npeers)
            memcpy(p, srv->peers, srv->npeers * sizeof *p);
        mem_free(srv->peers);
        srv->peers = p;
        srv->peers_cap = cap;
    }
    memcpy(&srv->peers[srv->npeers++], res->ai_addr, res->ai_addrlen);
    freeaddrinfo(res);
}

void sess__cancel_peers_init(sess_server_t *srv)
{
    const char *p = cfg_str(srv->cfg, CFG_CLUSTER_PG_SERVERS);
    while (p && *p) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        size_t n = strcspn(p, ", \t");
        add_peer(srv, p, n);
        p += n;
    }
}

void sess__cancel_peers_free(sess_server_t *srv)
{
    mem_free(srv->peers);
    srv->peers = NULL;
    srv->npeers = srv->peers_cap = 0;
}

static void on_fwd_closed(uv_handle_t *h)
{
    mem_free(h->data);
}

static void fwd_close(fwd_t *f)
{
    /* At node shutdown the loop walk may have closed the handle already (and
     * the fwd_t is then left to process exit). */
    if (!uv_is_closing((uv_handle_t *)&f->tcp))
        uv_close((uv_handle_t *)&f->tcp, on_fwd_closed);
}

static void on_fwd_written(uv_write_t *w, int status)
{
    (void)status;
    fwd_close(w->data);
}

static void on_fwd_connected(uv_connect_t *c, int status)
{
    fwd_t *f = c->data;
    if (status < 0) {
        log_debug("cancel forward: connect failed: %s", uv_strerror(status));
        fwd_close(f);
        return;
    }
    uv_buf_t b = uv_buf_init((char *)f->packet, sizeof f->packet);
    f->write.data = f;
    if (uv_write(&f->write, (uv_stream_t *)&f->tcp, &b, 1, on_fwd_written) != 0)
        fwd_close(f);
}

void sess__cancel_forward(sess_server_t *srv, uint32_t pid, uint32_t key)
{
    for (size_t i = 0; i < srv->npeers; i++) {
        const struct sockaddr_storage *a = &srv->peers[i];
        /* This node itself: a loopback address with our port (one-machine
         * clusters list every node on 127.0.0.1). */
        if (port_of(a) == srv->port && is_loopback(a))
            continue;
        fwd_t *f = mem_calloc(1, sizeof *f);
        put_u32(f->packet, 16);
        put_u32(f->packet + 4, PGP_KILN_CANCEL_FORWARD_CODE);
        put_u32(f->packet + 8, pid);
        put_u32(f->packet + 12, key);
        if (uv_tcp_init(srv->loop, &f->tcp) != 0) {
            mem_free(f);
            continue;
        }
        f->tcp.data = f;
        f->connect.data = f;
        if (uv_tcp_connect(&f->connect, &f->tcp, (const struct sockaddr *)a, on_fwd_connected) != 0)
            fwd_close(f);
    }
}
