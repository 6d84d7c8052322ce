/*
 * exec_join.c - joins (hash join on equi-keys, nested loop otherwise; inner,
 * left, right, full, semi, anti) and set operations (UNION [ALL],
 * INTERSECT [ALL], EXCEPT [ALL]), and lateral joins (the right side re-run
 * per left row, reading it as an outer row).
 *
 * The hash join builds on the right child (the planner puts the smaller
 * side there), keeping copies of its rows with their evaluated keys, then
 * streams the left child. Output is resumable: one left batch may produce
 * many output batches, so the probe position survives between calls. Rows
 * with a NULL key never match, as SQL equality requires. Residual join
 * conditions are evaluated per candidate pair over the joined row.
 */
#include "exec_int.h"

#include <string.h>

#include "types/value.h"

typedef struct join_st {
    bool built;
    exec_rows_t right;        /* right columns then right key values */
    int nr;                   /* right column count */
    int64_t *bucket, *chain;  /* hash chains over right rows (-1 ends) */
    uint64_t *hashes;
    size_t nbuckets;
    bool *matched;
    type_oid_t *ktypes;
    /* probe position */
    exec_batch_t *lb;
    int lrow;
    int64_t cand;             /* next right row to try for lrow (-2: lookup needed) */
    bool lmatched;
    value_t **lkeys;
    mem_arena_t *probe;       /* left key vectors, reset per left batch */
    bool left_done;
    size_t unmatched_pos;
    value_t *pair;            /* left values then right values */
} join_st_t;

static int join_build(op_t *o, join_st_t *st)
{
    const exec_plan_t *p = o->plan;
    int nk = p->u.join.nkeys;
    st->nr = o->right->plan->ncols;
    st->right.ncols = st->nr + nk;
    st->right.types = mem_alloc(o->arena, sizeof(type_oid_t) * (size_t)(st->right.ncols + 1));
    memcpy(st->right.types, o->right->plan->types, sizeof(type_oid_t) * (size_t)st->nr);
    st->ktypes = mem_alloc(o->arena, sizeof(type_oid_t) * (size_t)(nk + 1));
    for (int k = 0; k < nk; k++)
        st->ktypes[k] = st->right.types[st->nr + k] = p->u.join.rkeys[k]->type;
    value_t **kv = mem_alloc(o->arena, sizeof(value_t *) * (size_t)(nk + 1));
    value_t *row = mem_alloc(o->arena, sizeof(value_t) * (size_t)(st->right.ncols + 1));
    for (;;) {
        exec_batch_t *in;
        if (o->right->next(o->right, &in) < 0)
            return -1;
        if (!in)
            break;
        if (exec__check(o) < 0)
            return -1;
        mem_arena_reset(o->scratch);
        for (int k = 0; k < nk; k++) {
            kv[k] = mem_alloc(o->scratch, sizeof(value_t) * (size_t)in->nrows);
            if (exec_eval(&o->ec, p->u.join.rkeys[k], in, NULL, in->nrows, kv[k]) < 0)
                return -1;
        }
        for (int r = 0; r < in->nrows; r++) {
            for (int c = 0; c < st->nr; c++)
                row[c] = in->cols[c][r];
            for (int k = 0; k < nk; k++)
                row[st->nr + k] = kv[k][r];
            if (exec__rows_add(o, &st->right, row) < 0)
                return -1;
        }
    }
    size_t n = st->right.n;
    st->matched = exec__alloc(o, n + 1);
    if (!st->matched)
        return -1;
    memset(st->matched, 0, n + 1);
    if (nk > 0) {
        size_t nb = 16;
        while (nb < n * 2)
            nb *= 2;
        st->nbuckets = nb;
        st->bucket = exec__alloc(o, sizeof(int64_t) * nb);
        st->chain = exec__alloc(o, sizeof(int64_t) * (n + 1));
        st->hashes = exec__alloc(o, sizeof(uint64_t) * (n + 1));
        if (!st->bucket || !st->chain || !st->hashes)
            return -1;
        for (size_t i = 0; i < nb; i++)
            st->bucket[i] = -1;
        /* insert in reverse so chains list rows in input order */
        for (size_t i = n; i-- > 0;) {
            const value_t *kr = st->right.rows[i] + st->nr;
            bool hasnull = false;
            for (int k = 0; k < nk; k++)
                hasnull |= kr[k].isnull;
            st->chain[i] = -1;
            if (hasnull)
                continue;
            uint64_t h = exec__hash_keys(nk, st->ktypes, kr);
            st->hashes[i] = h;
            st->chain[i] = st->bucket[h & (nb - 1)];
            st->bucket[h & (nb - 1)] = (int64_t)i;
        }
    }
    return 0;
}

/* qual_ok - the residual condition on the pair (left row lrow, right row ri). */
static int qual_ok(op_t *o, join_st_t *st, size_t ri, bool *ok)
{
    const exec_plan_t *p = o->plan;
    if (!p->u.join.qual) {
        *ok = true;
        return 0;
    }
    int nl = o->left->plan->ncols;
    for (int c = 0; c < nl; c++)
        st->pair[c] = st->lb->cols[c][st->lrow];
    memcpy(st->pair + nl, st->right.rows[ri], sizeof(value_t) * (size_t)st->nr);
    value_t v;
    if (exec_eval_row(&o->ec, p->u.join.qual, st->pair, nl + st->nr, &v) < 0)
        return -1;
    *ok = !v.isnull && v.u.i;
    return 0;
}

static void emit(op_t *o, join_st_t *st, int n, const value_t *lrow_from_batch, const value_t *rrow)
{
    int nl = o->left->plan->ncols;
    (void)lrow_from_batch;
    for (int c = 0; c < nl; c++)
        o->out.cols[c][n] = st->lb ? st->lb->cols[c][st->lrow] : value_null();
    if (o->out.ncols > nl)
        for (int c = 0; c < st->nr; c++)
            o->out.cols[nl + c][n] = rrow ? rrow[c] : value_null();
}

static int join_next(op_t *o, exec_batch_t **out)
{
    join_st_t *st = o->st;
    const exec_plan_t *p = o->plan;
    exec_join_type_t jt = p->u.join.type;
    int nk = p->u.join.nkeys, nl = o->left->plan->ncols;
    if (!st->built) {
        st->built = true;
        if (join_build(o, st) < 0)
            return -1;
        st->lkeys = mem_alloc(o->arena, sizeof(value_t *) * (size_t)(nk + 1));
        st->pair = mem_alloc(o->arena, sizeof(value_t) * (size_t)(nl + st->nr + 1));
        st->probe = mem_arena_new(o->arena, "probe", 0);
        st->lb = NULL;
    }
    mem_arena_reset(o->scratch);
    int n = 0;
    while (n < EXEC_BATCH_ROWS && !st->left_done) {
        if (!st->lb || st->lrow >= st->lb->nrows) {
            /* The output holds values (text pointers) of the current left batch, which the
             * left child may free or reuse on its next call: return the output first. */
            if (n > 0)
                break;
            if (o->left->next(o->left, &st->lb) < 0)
                return -1;
            if (!st->lb) {
                st->left_done = true;
                break;
            }
            if (exec__check(o) < 0)
                return -1;
            mem_arena_reset(st->probe);
            for (int k = 0; k < nk; k++) {
                st->lkeys[k] = mem_alloc(st->probe, sizeof(value_t) * (size_t)st->lb->nrows);
                exec_ectx_t ec = o->ec;
                ec.arena = st->probe;
                if (exec_eval(&ec, p->u.join.lkeys[k], st->lb, NULL, st->lb->nrows, st->lkeys[k]) < 0)
                    return -1;
            }
            st->lrow = 0;
            st->cand = -2;
            st->lmatched = false;
        }
        if (st->cand == -2) {
            st->lmatched = false;
            if (nk == 0) {
                st->cand = st->right.n > 0 ? 0 : -1;
            } else {
                value_t key[16];
                bool hasnull = false;
                for (int k = 0; k < nk && k < 16; k++) {
                    key[k] = st->lkeys[k][st->lrow];
                    hasnull |= key[k].isnull;
                }
                if (hasnull || st->right.n == 0) {
                    st->cand = -1;
                } else {
                    uint64_t h = exec__hash_keys(nk, st->ktypes, key);
                    int64_t c = st->bucket[h & (st->nbuckets - 1)];
                    while (c >= 0 && (st->hashes[c] != h ||
                                      !exec__keys_equal(nk, st->ktypes, key, st->right.rows[c] + st->nr)))
                        c = st->chain[c];
                    st->cand = c;
                }
            }
        }
        /* walk candidates for the current left row */
        while (st->cand >= 0 && n < EXEC_BATCH_ROWS) {
            size_t ri = (size_t)st->cand;
            /* advance to the next candidate first */
            if (nk == 0) {
                st->cand = ri + 1 < st->right.n ? (int64_t)(ri + 1) : -1;
            } else {
                int64_t c = st->chain[ri];
                value_t key[16];
                for (int k = 0; k < nk && k < 16; k++)
                    key[k] = st->lkeys[k][st->lrow];
                while (c >= 0 && (st->hashes[c] != st->hashes[ri] ||
                                  !exec__keys_equal(nk, st->ktypes, key, st->right.rows[c] + st->nr)))
                    c = st->chain[c];
                st->cand = c;
            }
            bool ok;
            if (qual_ok(o, st, ri, &ok) < 0)
                return -1;
            if (!ok)
                continue;
            st->lmatched = true;
            st->matched[ri] = true;
            if (jt == JOIN_SEMI || jt == JOIN_ANTI) {
                st->cand = -1;
                break;
            }
            emit(o, st, n++, NULL, st->right.rows[ri]);
        }
        if (st->cand >= 0)
            break; /* output full; resume this left row */
        /* the left row is done */
        if ((jt == JOIN_LEFT || jt == JOIN_FULL || jt == JOIN_ANTI) && !st->lmatched)
            emit(o, st, n++, NULL, NULL);
        else if (jt == JOIN_SEMI && st->lmatched)
            emit(o, st, n++, NULL, NULL);
        st->lrow++;
        st->cand = -2;
    }
    if (st->left_done && (jt == JOIN_RIGHT || jt == JOIN_FULL)) {
        st->lb = NULL;
        while (n < EXEC_BATCH_ROWS && st->unmatched_pos < st->right.n) {
            size_t ri = st->unmatched_pos++;
            if (st->matched[ri])
                continue;
            for (int c = 0; c < nl; c++)
                o->out.cols[c][n] = value_null();
            for (int c = 0; c < st->nr; c++)
                o->out.cols[nl + c][n] = st->right.rows[ri][c];
            n++;
        }
    }
    o->out.nrows = n;
    *out = n ? &o->out : NULL;
    return 0;
}

op_t *exec__build_join(exec_run_t *r, const exec_plan_t *p)
{
    op_t *o = exec__op_new(r, p, sizeof(join_st_t));
    o->next = join_next;
    o->left = exec__build(r, p->left);
    o->right = exec__build(r, p->right);
    return o;
}

/* ---- set operations ---- */

typedef struct setop_st {
    htab_t seen;     /* UNION: rows emitted; INTERSECT/EXCEPT: right-side counts */
    bool right_built;
    bool left_done;
    type_oid_t *types;
    int64_t *counts_dummy;
} setop_st_t;

static int setop_build_right(op_t *o, setop_st_t *st)
{
    for (;;) {
        exec_batch_t *in;
        if (o->right->next(o->right, &in) < 0)
            return -1;
        if (!in)
            return 0;
        value_t row[64];
        value_t *rp = o->out.ncols <= 64 ? row : mem_alloc(o->arena, sizeof(value_t) * (size_t)o->out.ncols);
        for (int r = 0; r < in->nrows; r++) {
            exec__batch_row(in, r, rp);
            bool created;
            hentry_t *he = exec__ht_find_or_add(o, &st->seen, rp, exec__hash_keys(o->out.ncols, st->types, rp), &created);
            if (!he)
                return -1;
            he->payload = (void *)((intptr_t)he->payload + 1);
        }
    }
}

static int setop_next(op_t *o, exec_batch_t **out)
{
    setop_st_t *st = o->st;
    const exec_plan_t *p = o->plan;
    int nc = o->out.ncols;
    if (p->u.setop.op != SETOP_UNION && !st->right_built) {
        st->right_built = true;
        if (setop_build_right(o, st) < 0)
            return -1;
    }
    value_t rowbuf[64];
    value_t *row = nc <= 64 ? rowbuf : mem_alloc(o->arena, sizeof(value_t) * (size_t)nc);
    for (;;) {
        exec_batch_t *in;
        op_t *src = st->left_done ? o->right : o->left;
        if (src->next(src, &in) < 0)
            return -1;
        if (!in) {
            if (!st->left_done && p->u.setop.op == SETOP_UNION) {
                st->left_done = true;
                continue;
            }
            *out = NULL;
            return 0;
        }
        if (p->u.setop.op == SETOP_UNION && p->u.setop.all) {
            *out = in;
            return 0;
        }
        int n = 0;
        for (int r = 0; r < in->nrows; r++) {
            exec__batch_row(in, r, row);
            uint64_t h = exec__hash_keys(nc, st->types, row);
            bool keep;
            if (p->u.setop.op == SETOP_UNION) {
                bool created;
                if (!exec__ht_find_or_add(o, &st->seen, row, h, &created))
                    return -1;
                keep = created;
            } else {
                bool created;
                hentry_t *he = exec__ht_find_or_add(o, &st->seen, row, h, &created);
                if (!he)
                    return -1;
                intptr_t cnt = (intptr_t)he->payload;
                if (p->u.setop.op == SETOP_INTERSECT) {
                    /* count > 0: present on the right; ALL consumes one per match */
                    keep = cnt > 0;
                    if (keep)
                        he->payload = (void *)(p->u.setop.all ? cnt - 1 : -1000000000L);
                } else {
                    if (p->u.setop.all) {
                        keep = cnt <= 0;
                        if (cnt > 0)
                            he->payload = (void *)(cnt - 1);
                    } else {
                        keep = cnt == 0;
                        if (keep)
                            he->payload = (void *)(intptr_t)-1; /* emitted once */
                    }
                }
            }
            if (!keep)
                continue;
            for (int c = 0; c < nc; c++)
                o->out.cols[c][n] = row[c];
            n++;
        }
        if (n == 0)
            continue;
        o->out.nrows = n;
        *out = &o->out;
        return 0;
    }
}

op_t *exec__build_setop(exec_run_t *r, const exec_plan_t *p)
{
    op_t *o = exec__op_new(r, p, sizeof(setop_st_t));
    setop_st_t *st = o->st;
    o->next = setop_next;
    o->left = exec__build(r, p->left);
    o->right = exec__build(r, p->right);
    st->types = p->types;
    (void)exec__ht_init(o, &st->seen, p->ncols, p->types);
    return o;
}

/* ---- lateral joins ---- */

typedef struct lateral_st {
    exec_batch_t *lb;       /* current left batch */
    int lrow;               /* current left row in lb (-1: none yet) */
    bool have_row;          /* the right side runs for left row lrow */
    bool matched;
    value_t *outer_row;     /* the left row at slots base.. */
    exec_outer_t *stack;    /* outer rows of the right side: the left row, then ours */
    mem_arena_t *child;     /* the right side's run, reset per left row */
    op_t *rop;
    value_t *joined;        /* one joined row for the ON condition */
} lateral_st_t;

static int lateral_next(op_t *o, exec_batch_t **out)
{
    lateral_st_t *st = o->st;
    const exec_plan_t *p = o->plan;
    int nl = p->left->ncols, nr = p->right->ncols, base = p->u.lateral.base;
    int n = 0;
    mem_arena_reset(o->scratch);
    while (n == 0) {
        if (!st->have_row) {
            if (exec__check(o) < 0)
                return -1;
            if (!st->lb || ++st->lrow >= st->lb->nrows) {
                if (o->left->next(o->left, &st->lb) < 0)
                    return -1;
                if (!st->lb)
                    break;
                st->lrow = 0;
                if (st->lb->nrows == 0)
                    continue;
            }
            for (int c = 0; c < nl; c++)
                st->outer_row[base + c] = st->lb->cols[c][st->lrow];
            mem_arena_reset(st->child);
            exec_run_t *cr = exec__child_run(o->run, st->child, st->stack, o->ec.nouter + 1);
            st->rop = exec__build(cr, p->right);
            st->have_row = true;
            st->matched = false;
        }
        exec_batch_t *rb;
        if (st->rop->next(st->rop, &rb) < 0)
            return -1;
        if (!rb) {
            st->have_row = false;
            if (p->u.lateral.type == JOIN_LEFT && !st->matched) {
                for (int c = 0; c < nl; c++)
                    o->out.cols[c][n] = st->lb->cols[c][st->lrow];
                for (int c = 0; c < nr; c++)
                    o->out.cols[nl + c][n] = value_null();
                n++;
            }
            continue;
        }
        for (int i = 0; i < rb->nrows; i++) {
            if (p->u.lateral.qual) {
                for (int c = 0; c < nl; c++)
                    st->joined[c] = st->lb->cols[c][st->lrow];
                for (int c = 0; c < nr; c++)
                    st->joined[nl + c] = rb->cols[c][i];
                value_t q;
                if (exec_eval_row(&o->ec, p->u.lateral.qual, st->joined, nl + nr, &q) < 0)
                    return -1;
                if (q.isnull || !q.u.i)
                    continue;
            }
            for (int c = 0; c < nl; c++)
                o->out.cols[c][n] = st->lb->cols[c][st->lrow];
            for (int c = 0; c < nr; c++)
                o->out.cols[nl + c][n] = rb->cols[c][i];
            n++;
            st->matched = true;
        }
    }
    o->out.nrows = n;
    *out = n ? &o->out : NULL;
    return 0;
}

op_t *exec__build_lateral(exec_run_t *r, const exec_plan_t *p)
{
    op_t *o = exec__op_new(r, p, sizeof(lateral_st_t));
    lateral_st_t *st = o->st;
    int nl = p->left->ncols, nr = p->right->ncols, base = p->u.lateral.base;
    o->next = lateral_next;
    o->left = exec__build(r, p->left);
    st->lrow = -1;
    st->outer_row = mem_alloc0(o->arena, sizeof(value_t) * (size_t)(base + nl + 1));
    for (int c = 0; c < base; c++)
        st->outer_row[c] = value_null();
    st->stack = mem_alloc(o->arena, sizeof(exec_outer_t) * (size_t)(o->ec.nouter + 1));
    st->stack[0].row = st->outer_row;
    st->stack[0].ncols = base + nl;
    for (int k = 0; k < o->ec.nouter; k++)
        st->stack[k + 1] = o->ec.outer[k];
    st->child = mem_arena_new(o->arena, "lateral", 0);
    st->joined = mem_alloc(o->arena, sizeof(value_t) * (size_t)(nl + nr + 1));
    return o;
}
