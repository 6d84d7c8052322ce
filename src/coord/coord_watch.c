/*
 * coord_watch.c - node self-registration and watched child lists: the live
 * membership for kylin.server.self-discovery-enabled, and the set of held
 * job locks that scheduler 2 watches to take over orphaned jobs.
 *
 * A registration is an ephemeral znode named "<addr>|<mode>" (no sequence
 * number, so a node is listed once). A restarted node may find the node of
 * its previous incarnation still there until that session times out; it
 * then watches it and registers as soon as it goes - the address is listed
 * meanwhile anyway. A child watch re-reads the list on every change and
 * calls back only when the list actually changed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/log.h"
#include "common/mem.h"
#include "coord_int.h"

/* ---- child watches ---- */

struct coord_watch {
    coord__obj_t o;
    char *dir;
    bool members;
    coord_members_cb mcb;
    coord_children_cb ccb;
    void *arg;
    char *last; /* the last list reported, joined with '\n' */
    int nonode;
};

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void w_report(coord_watch_t *w, char **names, int n)
{
    if (n > 1)
        qsort(names, (size_t)n, sizeof(char *), cmp_str);
    buf_t joined = BUF_INIT;
    for (int i = 0; i < n; i++) {
        buf_puts(&joined, names[i]);
        buf_putc(&joined, '\n');
    }
    const char *now = buf_cstr(&joined);
    if (w->last && strcmp(w->last, now) == 0) {
        buf_free(&joined);
        return;
    }
    mem_free(w->last);
    w->last = mem_strdup(now);
    buf_free(&joined);
    if (w->o.dead)
        return;
    if (!w->members) {
        if (w->ccb)
            w->ccb((const char *const *)names, n, w->arg);
        return;
    }
    /* Parse "<addr>|<mode>", one entry per addr (an old incarnation may linger). */
    coord_member_t *m = mem_calloc((size_t)n + 1, sizeof *m);
    char(*addrs)[COORD_NAME_MAX + 1] = mem_calloc((size_t)n + 1, sizeof *addrs);
    char(*modes)[32] = mem_calloc((size_t)n + 1, sizeof *modes);
    int k = 0;
    for (int i = 0; i < n; i++) {
        if (coord_member_parse(names[i], addrs[k], sizeof addrs[k], modes[k], sizeof modes[k]) < 0)
            continue;
        if (k > 0 && strcmp(addrs[k - 1], addrs[k]) == 0)
            continue;
        m[k].addr = addrs[k];
        m[k].mode = modes[k];
        k++;
    }
    if (w->mcb)
        w->mcb(m, k, w->arg);
    mem_free(m);
    mem_free(addrs);
    mem_free(modes);
}

static void w_list_done(coord__obj_t *o, coord__op_t *op)
{
    coord_watch_t *w = (coord_watch_t *)o;
    if (op->rc == ZOK) {
        w->nonode = 0;
        w_report(w, op->names, op->nnames);
    } else if (op->rc == ZNONODE && ++w->nonode <= 3) {
        coord__ensure_dirs(o->c);
        coord__obj_retry(o);
    } else if (coord__is_transient(op->rc)) {
        coord__obj_retry(o);
    } else {
        log_error("coord: watch %s: %s", w->dir, zerror(op->rc));
    }
}

static void w_start(coord__obj_t *o)
{
    coord_watch_t *w = (coord_watch_t *)o;
    coord__children(o, w->dir, true, w_list_done);
}

static void w_watch(coord__obj_t *o, int type, const char *path)
{
    coord_watch_t *w = (coord_watch_t *)o;
    if (strcmp(path, w->dir) == 0)
        w_start(o); /* re-read and re-arm */
}

static void w_expired(coord__obj_t *o)
{
    o->need_start = true; /* watches die with the session */
}

static void w_destroy(coord__obj_t *o)
{
    coord_watch_t *w = (coord_watch_t *)o;
    mem_free(w->dir);
    mem_free(w->last);
    mem_free(w);
}

static const coord__obj_ops_t watch_ops = {
    "watch", w_start, w_expired, w_watch, NULL, w_destroy,
};

static coord_watch_t *watch_new(coord_t *c, const char *rel)
{
    char dir[COORD_PATH_MAX];
    coord_path_join(dir, sizeof dir, c->root, rel, NULL);
    coord_watch_t *w = mem_calloc(1, sizeof *w);
    coord__obj_init(&w->o, c, &watch_ops);
    w->dir = mem_strdup(dir);
    return w;
}

coord_watch_t *coord_watch_members(coord_t *c, coord_members_cb cb, void *arg)
{
    coord_watch_t *w = watch_new(c, COORD_DIR_MEMBERS);
    w->members = true;
    w->mcb = cb;
    w->arg = arg;
    coord__obj_begin(&w->o);
    return w;
}

coord_watch_t *coord_watch_job_locks(coord_t *c, coord_children_cb cb, void *arg)
{
    coord_watch_t *w = watch_new(c, COORD_DIR_JOB_LOCKS);
    w->ccb = cb;
    w->arg = arg;
    coord__obj_begin(&w->o);
    return w;
}

void coord_watch_stop(coord_watch_t *w)
{
    if (w)
        coord__obj_kill(&w->o);
}

/* ---- registration ---- */

typedef struct reg {
    coord__obj_t o;
    char *path;
    char *data;
    bool registered;
    bool waiting_stale;
    int nonode;
} reg_t;

static void reg_create_done(coord__obj_t *o, coord__op_t *op);

static void reg_exists_done(coord__obj_t *o, coord__op_t *op)
{
    reg_t *r = (reg_t *)o;
    if (op->rc == ZOK) {
        if (op->stat.ephemeralOwner == o->c->session_id) {
            r->registered = true;
        } else if (!r->waiting_stale) {
            r->waiting_stale = true;
            log_info("coord: %s is held by an earlier session; registering when it expires", r->path);
        }
    } else if (op->rc == ZNONODE) {
        coord__create(o, r->path, r->data, ZOO_EPHEMERAL, reg_create_done);
    } else if (coord__is_transient(op->rc)) {
        coord__obj_retry(o);
    }
}

static void reg_create_done(coord__obj_t *o, coord__op_t *op)
{
    reg_t *r = (reg_t *)o;
    if (op->rc == ZOK) {
        r->nonode = 0;
        r->registered = true;
        r->waiting_stale = false;
        log_info("coord: registered %s", r->path);
        coord__exists(o, r->path, true, NULL); /* re-register if it is deleted */
    } else if (op->rc == ZNODEEXISTS) {
        coord__exists(o, r->path, true, reg_exists_done);
    } else if (op->rc == ZNONODE && ++r->nonode <= 3) {
        coord__ensure_dirs(o->c);
        coord__obj_retry(o);
    } else if (coord__is_transient(op->rc)) {
        coord__obj_retry(o);
    } else {
        log_error("coord: cannot register %s: %s", r->path, zerror(op->rc));
    }
}

static void reg_start(coord__obj_t *o)
{
    reg_t *r = (reg_t *)o;
    if (r->registered)
        return;
    coord__create(o, r->path, r->data, ZOO_EPHEMERAL, reg_create_done);
}

static void reg_watch(coord__obj_t *o, int type, const char *path)
{
    reg_t *r = (reg_t *)o;
    if (strcmp(path, r->path) != 0)
        return;
    if (type == ZOO_DELETED_EVENT) {
        r->registered = false;
        coord__create(o, r->path, r->data, ZOO_EPHEMERAL, reg_create_done);
    } else {
        coord__exists(o, r->path, true, reg_exists_done);
    }
}

static void reg_expired(coord__obj_t *o)
{
    reg_t *r = (reg_t *)o;
    r->registered = false;
    r->waiting_stale = false;
    o->need_start = true;
}

static void reg_release(coord__obj_t *o)
{
    reg_t *r = (reg_t *)o;
    if (r->registered)
        coord__delete_owned(o->c, r->path);
}

static void reg_destroy(coord__obj_t *o)
{
    reg_t *r = (reg_t *)o;
    mem_free(r->path);
    mem_free(r->data);
    mem_free(r);
}

static const coord__obj_ops_t reg_ops = {
    "registration", reg_start, reg_expired, reg_watch, reg_release, reg_destroy,
};

/* json_safe - copies s with the characters a JSON string would need escaped
 * replaced by '_' (coord does not depend on src/rest's JSON writer). */
static void json_safe(char *out, size_t n, const char *s)
{
    size_t k = 0;
    for (; *s && k + 1 < n; s++)
        out[k++] = (*s == '"' || *s == '\\' || (unsigned char)*s < 0x20) ? '_' : *s;
    out[k] = '\0';
}

int coord_register(coord_t *c, const char *addr, const char *mode)
{
    char name[COORD_NAME_MAX + 1], path[COORD_PATH_MAX];
    if (coord_member_name(name, sizeof name, addr, mode ? mode : "") < 0 ||
        coord_path_join(path, sizeof path, c->root, COORD_DIR_MEMBERS, name) < 0)
        return COORD_EINVAL;
    reg_t *r = mem_calloc(1, sizeof *r);
    coord__obj_init(&r->o, c, &reg_ops);
    r->path = mem_strdup(path);
    /* Data for people reading the tree; the name alone is what nodes use. */
    char a[COORD_NAME_MAX + 1], m[64], o[256], data[640];
    json_safe(a, sizeof a, addr);
    json_safe(m, sizeof m, mode ? mode : "");
    json_safe(o, sizeof o, c->owner);
    snprintf(data, sizeof data, "{\"address\":\"%s\",\"mode\":\"%s\",\"owner\":\"%s\"}", a, m, o);
    r->data = mem_strdup(data);
    coord__obj_begin(&r->o);
    return COORD_OK;
}
