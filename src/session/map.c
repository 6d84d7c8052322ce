/*
 * map.c - string-keyed chained hash maps with intrusive entries, for the
 * session's prepared statements and portals and the server's sessions by
 * pid and users by name. Entries are owned by their holders; the map owns
 * only its bucket array. Not thread-safe (loop thread only).
 */
#include <string.h>

#include "session_int.h"

uint32_t sess__hash(const char *s)
{
    /* FNV-1a: names are short, this is fast and spreads well enough. */
    uint32_t h = 2166136261u;
    for (; *s; s++) {
        h ^= (uint8_t)*s;
        h *= 16777619u;
    }
    return h;
}

sess_entry_t *sess__map_get(const sess_map_t *m, const char *name)
{
    if (m->count == 0)
        return NULL;
    uint32_t h = sess__hash(name);
    for (sess_entry_t *e = m->buckets[h & (m->nbuckets - 1)]; e; e = e->next)
        if (e->hash == h && strcmp(e->name, name) == 0)
            return e;
    return NULL;
}

static void grow(sess_map_t *m)
{
    size_t n = m->nbuckets ? m->nbuckets * 2 : 16;
    sess_entry_t **b = mem_calloc(n, sizeof *b);
    for (size_t i = 0; i < m->nbuckets; i++) {
        sess_entry_t *e = m->buckets[i];
        while (e) {
            sess_entry_t *next = e->next;
            e->next = b[e->hash & (n - 1)];
            b[e->hash & (n - 1)] = e;
            e = next;
        }
    }
    mem_free(m->buckets);
    m->buckets = b;
    m->nbuckets = n;
}

void sess__map_put(sess_map_t *m, sess_entry_t *e)
{
    if (m->count + 1 > m->nbuckets)
        grow(m);
    e->hash = sess__hash(e->name);
    sess_entry_t **slot = &m->buckets[e->hash & (m->nbuckets - 1)];
    e->next = *slot;
    *slot = e;
    m->count++;
}

void sess__map_del(sess_map_t *m, sess_entry_t *e)
{
    if (!m->nbuckets)
        return;
    for (sess_entry_t **p = &m->buckets[e->hash & (m->nbuckets - 1)]; *p; p = &(*p)->next) {
        if (*p == e) {
            *p = e->next;
            e->next = NULL;
            m->count--;
            return;
        }
    }
}

sess_entry_t *sess__map_first(const sess_map_t *m)
{
    if (m->count == 0)
        return NULL;
    for (size_t i = 0; i < m->nbuckets; i++)
        if (m->buckets[i])
            return m->buckets[i];
    return NULL;
}

void sess__map_free(sess_map_t *m)
{
    mem_free(m->buckets);
    memset(m, 0, sizeof *m);
}
