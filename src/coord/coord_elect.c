/*
 * coord_elect.c - leader election for scheduler mode 100 (Curator's
 * LeaderSelector recipe, without the herd effect).
 *
 * Each candidate creates an ephemeral sequential znode
 * <root>/job_engine/leader/n_<session>_<serial>_<seq10> holding its id. The
 * lowest sequence leads; every other candidate watches only its predecessor
 * and re-reads the list when that one goes, so a leader's death wakes exactly
 * one node. The session and serial in the name let a candidate recognise its
 * own node after a create whose answer was lost to a disconnect (Curator's
 * "protected" names), instead of leaving a ghost candidate behind.
 *
 * The leader's token is its candidate's czxid: candidates lead in creation
 * order, so the token grows with every change of leader and can fence the
 * scheduler's metastore writes like a lock token.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/mem.h"
#include "coord_int.h"

struct coord_election {
    coord__obj_t o;
    char *dir;
    char *id;
    unsigned serial;
    char prefix[64];  /* n_<sid>_<serial>_ of the current session */
    char *mine;       /* full path of our candidate, NULL when none */
    int64_t mine_czxid;
    char *pred;       /* full path of the predecessor we watch */
    char *leader_id;  /* last known leader id */
    bool leader;      /* atomic reads from other threads */
    int64_t token;    /* atomic */
    bool reported;    /* a callback has been made */
    bool busy;        /* a list/create is in flight */
    int nonode;
    coord_leader_cb cb;
    void *arg;
};

static void el_list(coord_election_t *e);

static void el_set_leader(coord_election_t *e, bool leader, const char *leader_id)
{
    bool changed = leader != e->leader || !e->reported ||
                   (leader_id && (!e->leader_id || strcmp(leader_id, e->leader_id) != 0));
    __atomic_store_n(&e->leader, leader, __ATOMIC_RELEASE);
    __atomic_store_n(&e->token, leader ? e->mine_czxid : 0, __ATOMIC_RELEASE);
    if (leader_id && (!e->leader_id || strcmp(leader_id, e->leader_id) != 0)) {
        mem_free(e->leader_id);
        e->leader_id = mem_strdup(leader_id);
    } else if (!leader_id && !leader) {
        mem_free(e->leader_id);
        e->leader_id = NULL;
    }
    if (!changed)
        return;
    e->reported = true;
    if (leader)
        log_info("coord: %s is now the leader (token %" PRId64 ")", e->id, e->mine_czxid);
    if (e->cb && !e->o.dead)
        e->cb(e, leader, e->leader_id, e->arg);
}

static int cmp_seq(const void *a, const void *b)
{
    int64_t x = coord_seq_of(*(char *const *)a), y = coord_seq_of(*(char *const *)b);
    return x < y ? -1 : x > y;
}

static void el_leader_data_done(coord__obj_t *o, coord__op_t *op)
{
    coord_election_t *e = (coord_election_t *)o;
    if (op->rc == ZOK) {
        if (!e->leader)
            el_set_leader(e, false, op->str);
    } else if (op->rc == ZNONODE) {
        el_list(e); /* the leader went while we asked */
    }
}

static void el_pred_done(coord__obj_t *o, coord__op_t *op)
{
    coord_election_t *e = (coord_election_t *)o;
    if (!e->pred || strcmp(op->req_path, e->pred) != 0)
        return;
    if (op->rc == ZNONODE)
        el_list(e); /* gone before the watch was set: look again */
    else if (coord__is_transient(op->rc))
        coord__obj_retry(o);
}

static void el_evaluate(coord_election_t *e, char **names, int n)
{
    const char *base = strrchr(e->mine, '/') + 1;
    if (n > 1)
        qsort(names, (size_t)n, sizeof(char *), cmp_seq);
    int idx = -1;
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], base) == 0)
            idx = i;
    if (idx < 0) {
        /* Our candidate vanished (deleted by hand): stand again. */
        log_warn("coord: election candidate %s disappeared; rejoining", e->mine);
        mem_free(e->mine);
        e->mine = NULL;
        if (e->leader)
            el_set_leader(e, false, NULL);
        el_list(e);
        return;
    }
    mem_free(e->pred);
    e->pred = NULL;
    if (idx == 0) {
        el_set_leader(e, true, e->id);
        return;
    }
    char p[COORD_PATH_MAX];
    snprintf(p, sizeof p, "%s/%s", e->dir, names[idx - 1]);
    e->pred = mem_strdup(p);
    coord__exists(&e->o, e->pred, true, el_pred_done);
    if (e->leader)
        el_set_leader(e, false, NULL);
    snprintf(p, sizeof p, "%s/%s", e->dir, names[0]);
    coord__get(&e->o, p, false, el_leader_data_done);
}

static void el_mine_done(coord__obj_t *o, coord__op_t *op)
{
    coord_election_t *e = (coord_election_t *)o;
    if (!e->mine || strcmp(op->req_path, e->mine) != 0)
        return;
    if (op->rc == ZOK) {
        e->mine_czxid = op->stat.czxid;
        el_list(e);
    } else if (op->rc == ZNONODE) {
        mem_free(e->mine);
        e->mine = NULL;
        el_list(e);
    } else if (coord__is_transient(op->rc)) {
        coord__obj_retry(o);
    }
}

static void el_create_done(coord__obj_t *o, coord__op_t *op)
{
    coord_election_t *e = (coord_election_t *)o;
    e->busy = false;
    if (op->rc == ZOK && op->str) {
        e->nonode = 0;
        mem_free(e->mine);
        e->mine = mem_strdup(op->str);
        e->mine_czxid = op->stat.czxid;
        coord__exists(o, e->mine, true, NULL); /* notice a hand deletion */
        el_list(e);
    } else if (op->rc == ZNONODE && ++e->nonode <= 3) {
        coord__ensure_dirs(o->c);
        coord__obj_retry(o);
    } else if (coord__is_transient(op->rc)) {
        coord__obj_retry(o); /* the retry's list finds the node if it was made */
    } else {
        log_error("coord: cannot join the election in %s: %s", e->dir, zerror(op->rc));
    }
}

static void el_list_done(coord__obj_t *o, coord__op_t *op)
{
    coord_election_t *e = (coord_election_t *)o;
    e->busy = false;
    if (op->rc != ZOK) {
        if (op->rc == ZNONODE && ++e->nonode <= 3)
            coord__ensure_dirs(o->c);
        if (op->rc == ZNONODE || coord__is_transient(op->rc))
            coord__obj_retry(o);
        else
            log_error("coord: election list %s: %s", e->dir, zerror(op->rc));
        return;
    }
    if (!e->mine) {
        for (int i = 0; i < op->nnames; i++) {
            if (strncmp(op->names[i], e->prefix, strlen(e->prefix)) == 0) {
                char p[COORD_PATH_MAX];
                snprintf(p, sizeof p, "%s/%s", e->dir, op->names[i]);
                e->mine = mem_strdup(p);
                coord__exists(o, e->mine, true, el_mine_done); /* learns its czxid, then lists */
                return;
            }
        }
        char p[COORD_PATH_MAX];
        snprintf(p, sizeof p, "%s/%s", e->dir, e->prefix);
        e->busy = true;
        coord__create(o, p, e->id, ZOO_EPHEMERAL | ZOO_SEQUENCE, el_create_done);
        return;
    }
    el_evaluate(e, op->names, op->nnames);
}

static void el_list(coord_election_t *e)
{
    if (e->busy)
        return;
    e->busy = true;
    coord__children(&e->o, e->dir, false, el_list_done);
}

static void el_start(coord__obj_t *o)
{
    coord_election_t *e = (coord_election_t *)o;
    snprintf(e->prefix, sizeof e->prefix, "n_%016" PRIx64 "_%u_", (uint64_t)o->c->session_id, e->serial);
    e->busy = false;
    el_list(e);
}

static void el_watch(coord__obj_t *o, int type, const char *path)
{
    coord_election_t *e = (coord_election_t *)o;
    if (e->pred && strcmp(path, e->pred) == 0) {
        if (type == ZOO_DELETED_EVENT)
            el_list(e);
        else
            coord__exists(o, e->pred, true, el_pred_done);
    } else if (e->mine && strcmp(path, e->mine) == 0) {
        if (type == ZOO_DELETED_EVENT)
            el_list(e); /* evaluate finds it gone and rejoins */
        else
            coord__exists(o, e->mine, true, NULL);
    }
}

static void el_expired(coord__obj_t *o)
{
    coord_election_t *e = (coord_election_t *)o;
    mem_free(e->mine);
    e->mine = NULL;
    mem_free(e->pred);
    e->pred = NULL;
    e->busy = false;
    if (e->leader)
        el_set_leader(e, false, NULL);
    o->need_start = true;
}

static void el_release(coord__obj_t *o)
{
    coord_election_t *e = (coord_election_t *)o;
    if (e->mine)
        coord__delete_owned(o->c, e->mine);
    __atomic_store_n(&e->leader, false, __ATOMIC_RELEASE);
    __atomic_store_n(&e->token, 0, __ATOMIC_RELEASE);
}

static void el_destroy(coord__obj_t *o)
{
    coord_election_t *e = (coord_election_t *)o;
    mem_free(e->dir);
    mem_free(e->id);
    mem_free(e->mine);
    mem_free(e->pred);
    mem_free(e->leader_id);
    mem_free(e);
}

static const coord__obj_ops_t el_ops = {
    "election", el_start, el_expired, el_watch, el_release, el_destroy,
};

coord_election_t *coord_elect(coord_t *c, const char *id, coord_leader_cb cb, void *arg)
{
    char dir[COORD_PATH_MAX];
    coord_path_join(dir, sizeof dir, c->root, COORD_DIR_LEADER, NULL);
    coord_election_t *e = mem_calloc(1, sizeof *e);
    coord__obj_init(&e->o, c, &el_ops);
    e->dir = mem_strdup(dir);
    e->id = mem_strdup(id && *id ? id : c->owner);
    e->serial = ++c->serial;
    e->cb = cb;
    e->arg = arg;
    coord__obj_begin(&e->o);
    return e;
}

void coord_election_leave(coord_election_t *e)
{
    if (e)
        coord__obj_kill(&e->o);
}

bool coord_election_is_leader(const coord_election_t *e)
{
    return e && __atomic_load_n(&e->leader, __ATOMIC_ACQUIRE);
}

int64_t coord_election_token(const coord_election_t *e)
{
    return e ? __atomic_load_n(&e->token, __ATOMIC_ACQUIRE) : 0;
}
