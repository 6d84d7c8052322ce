/*
 * path.c - the ZooKeeper path scheme of a kiln cluster (see coord/path.h for
 * the layout). Pure string code: it is what the unit tests pin down, so a
 * node, the job engine and an operator with zkCli.sh agree on where a lock is.
 */
#include "coord/path.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int coord_name_valid(const char *s)
{
    if (!s || !*s)
        return 0;
    size_t len = strlen(s);
    if (len > COORD_NAME_MAX)
        return 0;
    if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
        return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p == '/' || *p < 0x20 || *p == 0x7f)
            return 0;
    /* ZooKeeper reserves "zookeeper" at the top level only; as a component
     * deeper down it is fine, so no check here. */
    return 1;
}

/* put - snprintf that fails (-1) instead of truncating. */
static int put(char *out, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int put(char *out, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(out, n, fmt, ap);
    va_end(ap);
    if (k < 0 || (size_t)k >= n) {
        if (n)
            out[0] = '\0';
        return -1;
    }
    return 0;
}

int coord_path_base(char *out, size_t n, const char *base)
{
    if (!out || n == 0)
        return -1;
    out[0] = '\0';
    if (!base)
        return 0;
    size_t len = 0;
    const char *p = base;
    while (*p) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        const char *e = strchr(p, '/');
        size_t clen = e ? (size_t)(e - p) : strlen(p);
        char comp[COORD_NAME_MAX + 1];
        if (clen > COORD_NAME_MAX)
            return -1;
        memcpy(comp, p, clen);
        comp[clen] = '\0';
        if (!coord_name_valid(comp))
            return -1;
        if (len + 1 + clen + 1 > n)
            return -1;
        out[len++] = '/';
        memcpy(out + len, comp, clen);
        len += clen;
        out[len] = '\0';
        p += clen;
    }
    return 0;
}

int coord_path_root(char *out, size_t n, const char *base, const char *cluster)
{
    char b[COORD_PATH_MAX];
    if (coord_path_base(b, sizeof b, base) < 0 || !coord_name_valid(cluster))
        return -1;
    return put(out, n, "%s/%s", b, cluster);
}

int coord_path_join(char *out, size_t n, const char *root, const char *rel, const char *name)
{
    if (!root || !rel)
        return -1;
    if (name) {
        if (!coord_name_valid(name))
            return -1;
        return put(out, n, "%s/%s/%s", root, rel, name);
    }
    return put(out, n, "%s/%s", root, rel);
}

int coord_path_job_lock(char *out, size_t n, const char *root, const char *job)
{
    return coord_path_join(out, n, root, COORD_DIR_JOB_LOCKS, job);
}

int coord_cluster_name(char *out, size_t n, const char *metadata_url)
{
    const char *at = metadata_url ? strchr(metadata_url, '@') : NULL;
    /* "mysql://u:p@host/db" has an '@' too, but after "://": no identifier. */
    const char *scheme = metadata_url ? strstr(metadata_url, "://") : NULL;
    if (!at || at == metadata_url || (scheme && scheme < at))
        return put(out, n, "%s", COORD_DEFAULT_CLUSTER);
    size_t len = (size_t)(at - metadata_url);
    if (len >= n || len > COORD_NAME_MAX)
        return -1;
    memcpy(out, metadata_url, len);
    out[len] = '\0';
    /* Kylin trims it; so do we. */
    while (len && (out[len - 1] == ' ' || out[len - 1] == '\t'))
        out[--len] = '\0';
    size_t lead = strspn(out, " \t");
    memmove(out, out + lead, len - lead + 1);
    if (!coord_name_valid(out)) {
        out[0] = '\0';
        return -1;
    }
    return 0;
}

int coord_member_name(char *out, size_t n, const char *addr, const char *mode)
{
    if (!coord_name_valid(addr) || strchr(addr, '|') || !mode || strchr(mode, '/') || strchr(mode, '|'))
        return -1;
    if (put(out, n, "%s|%s", addr, mode) < 0)
        return -1;
    return coord_name_valid(out) ? 0 : -1;
}

int coord_member_parse(const char *name, char *addr, size_t addr_n, char *mode, size_t mode_n)
{
    if (!name)
        return -1;
    const char *bar = strrchr(name, '|');
    size_t alen = bar ? (size_t)(bar - name) : strlen(name);
    const char *m = bar ? bar + 1 : "";
    if (alen == 0 || alen >= addr_n || strlen(m) >= mode_n)
        return -1;
    memcpy(addr, name, alen);
    addr[alen] = '\0';
    strcpy(mode, m);
    return 0;
}

int64_t coord_seq_of(const char *name)
{
    if (!name)
        return -1;
    size_t len = strlen(name);
    if (len < 10)
        return -1;
    int64_t v = 0;
    for (size_t i = len - 10; i < len; i++) {
        if (name[i] < '0' || name[i] > '9')
            return -1;
        v = v * 10 + (name[i] - '0');
    }
    return v;
}

int coord_dirname(char *out, size_t n, const char *path)
{
    const char *slash = path ? strrchr(path, '/') : NULL;
    if (!slash)
        return -1;
    if (slash == path)
        return put(out, n, "/");
    size_t len = (size_t)(slash - path);
    if (len >= n)
        return -1;
    memcpy(out, path, len);
    out[len] = '\0';
    return 0;
}
