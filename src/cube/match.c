/*
 * match.c - choosing a cube for an aggregate query: the query's tables and
 * joins against each cube's model, its group and filter columns against the
 * dimensions, its aggregates against the measures; then the smallest
 * covering cuboid of the cube's current segment, the filters as dictionary
 * code ranges and the derivation of every aggregate. When no cube fits,
 * the reason per cube ("column p_color is not a dimension of cube ssb",
 * "measure sum(lo_tax) is missing", "join to part is not in the model").
 *
 * The matcher caches each cube's analyzed definition and its open segment
 * (keyed by cube id, version and segment id), so matching costs no I/O and
 * no parsing once a cube has been used.
 *
 * Not here: running the plan (match_exec.c).
 */
#include "cube/match.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pg_query.h>
#include <pg_query/pg_query.pb-c.h>

#include "match_int.h"
#include "types/numeric.h"
#include "types/array.h"
#include "types/value.h"

/* ---- the cache ---- */

cube_matcher_t *cube_matcher_new(const char *storage_root)
{
    cube_matcher_t *m = mem_calloc(1, sizeof *m);
    pthread_mutex_init(&m->mu, NULL);
    m->refs = 1;
    m->root = mem_strdup(storage_root ? storage_root : "");
    return m;
}

static void matcher_unref(cube_matcher_t *m)
{
    if (__atomic_sub_fetch(&m->refs, 1, __ATOMIC_ACQ_REL) == 0) {
        pthread_mutex_destroy(&m->mu);
        mem_free(m->root);
        mem_free(m);
    }
}

static void centry_free(cube_centry_t *e)
{
    if (e->m)
        matcher_unref(e->m);
    stor_segment_close(e->seg);
    cube_mv_free(e->mv);
    mem_free(e->rows);
    mem_free(e->seg_meas);
    mem_free(e->unmatched);
    mem_free(e->vmask);
    mem_free(e->vcount);
    mem_free(e);
}

void cube__centry_release(cube_centry_t *e)
{
    cube_matcher_t *m = e->m;
    pthread_mutex_lock(&m->mu);
    bool dead = --e->refs == 0;
    pthread_mutex_unlock(&m->mu);
    if (dead)
        centry_free(e);
}

void cube_matcher_free(cube_matcher_t *m)
{
    if (!m)
        return;
    pthread_mutex_lock(&m->mu);
    cube_centry_t *e = m->entries;
    m->entries = NULL;
    pthread_mutex_unlock(&m->mu);
    while (e) {
        cube_centry_t *next = e->next;
        e->current = false;
        cube__centry_release(e);
        e = next;
    }
    matcher_unref(m);
}

static const meta_segment_t *ready_segment(const meta_catalog_t *cat, int64_t cube_id)
{
    const meta_segment_t *best = NULL;
    for (size_t i = 0; i < cat->nsegments; i++) {
        const meta_segment_t *s = &cat->segments[i];
        if (s->cube_id == cube_id && s->status && strcmp(s->status, "ready") == 0 && (!best || s->h.id > best->h.id))
            best = s;
    }
    return best;
}

static int centry_open(cube_matcher_t *m, const meta_catalog_t *cat, const meta_cube_t *c, const meta_segment_t *s,
                       cube_centry_t **out, err_t *err)
{
    cube_centry_t *e = mem_calloc(1, sizeof *e);
    e->cube_id = c->h.id;
    e->cube_version = c->h.version;
    e->seg_id = s->h.id;
    e->m = m;
    __atomic_add_fetch(&m->refs, 1, __ATOMIC_ACQ_REL);
    if (cube_mv_load(cat, c, &e->mv, err) < 0)
        goto fail;
    char path[1024];
    if (s->storage_path[0] == '/')
        snprintf(path, sizeof path, "%s", s->storage_path);
    else
        snprintf(path, sizeof path, "%s/%s", m->root, s->storage_path);
    if (stor_segment_open(path, 0, &e->seg, err) < 0)
        goto fail;
    const cube_def_t *def = e->mv->def;
    int nc = cube_def_ncuboids(def);
    e->rows = mem_malloc(sizeof(int64_t) * (size_t)(nc + 1));
    for (int i = 0; i < nc; i++) {
        int si = stor_segment_find_cuboid(e->seg, cube_def_cuboid(def, i));
        e->rows[i] = si < 0 ? -1 : (int64_t)stor_segment_cuboid_rows(e->seg, si);
    }
    int nm = cube_def_nmeasures(def);
    e->seg_meas = mem_malloc(sizeof(int) * (size_t)(nm + 1));
    for (int i = 0; i < nm; i++) {
        e->seg_meas[i] = -1;
        for (int k = 0; k < stor_segment_nmeasures(e->seg); k++)
            if (strcmp(stor_segment_measure(e->seg, k)->name, cube_def_measure(def, i)->name) == 0)
                e->seg_meas[i] = k;
    }
    e->unmatched = mem_malloc(sizeof(int64_t) * (size_t)(e->mv->ntables + 1));
    for (int t = 0; t < e->mv->ntables; t++) {
        char key[300];
        snprintf(key, sizeof key, "kiln.unmatched.%s", e->mv->tables[t].alias);
        const char *v = stor_segment_info(e->seg, key);
        e->unmatched[t] = t == 0 ? 0 : v ? strtoll(v, NULL, 10) : -1;
    }
    *out = e;
    return 0;
fail:
    centry_free(e);
    return -1;
}

/* centry_get - the cached entry of cube c at segment s, with a reference. */
static int centry_get(cube_matcher_t *m, const meta_catalog_t *cat, const meta_cube_t *c, const meta_segment_t *s,
                      cube_centry_t **out, err_t *err)
{
    pthread_mutex_lock(&m->mu);
    cube_centry_t **pp = &m->entries, *found = NULL;
    while (*pp) {
        cube_centry_t *e = *pp;
        if (e->cube_id == c->h.id) {
            if (e->cube_version == c->h.version && e->seg_id == s->h.id) {
                found = e;
            } else if (e->seg_id < s->h.id || e->cube_version < c->h.version) {
                /* superseded: drop the cache's reference */
                *pp = e->next;
                e->current = false;
                if (--e->refs == 0)
                    centry_free(e);
                continue;
            }
        }
        pp = &e->next;
    }
    if (found) {
        found->refs++;
        pthread_mutex_unlock(&m->mu);
        *out = found;
        return 0;
    }
    pthread_mutex_unlock(&m->mu);
    cube_centry_t *e;
    if (centry_open(m, cat, c, s, &e, err) < 0)
        return -1;
    pthread_mutex_lock(&m->mu);
    e->refs = 2; /* the cache's and the caller's */
    e->current = true;
    e->next = m->entries;
    m->entries = e;
    pthread_mutex_unlock(&m->mu);
    *out = e;
    return 0;
}

static void release_cb(void *arg)
{
    cube__centry_release(arg);
}

/* ---- matching one cube ---- */

typedef struct mctx {
    const cube_query_t *q;
    cube_centry_t *e;
    cube_mv_t *mv;
    mem_arena_t *a;
    char *why;                   /* the reason it does not match */
    int assign[CUBE_MV_MAX_TABLES * 2]; /* query table -> model table, -1 */
    bool used[CUBE_MV_MAX_TABLES];
    uint64_t needed;
    /* the WHERE's conjuncts; those over several dimensions also in res */
    int nconj;
    const struct npred **conj;
    int nres;
    const struct npred *res[64];
    int nvalues;                 /* execution values the leaves read (1 + largest index) */
    uint64_t value_dims;         /* dimensions of single-dimension conjuncts reading them */
    /* filters per dimension (code ranges), while computing them */
    int nf[CUBE_MAX_DIMS];
    stor_code_range_t *fr[CUBE_MAX_DIMS];
    bool has_f[CUBE_MAX_DIMS];
    /* the execution values (cube_plan_bind); NULL: every one taken as NULL */
    const value_t *bvals;
    int nbvals;
    /* cube_plan_bind: where a condition that fails on its values reports
     * its own error (an invalid LIKE pattern is the user's 22025) */
    err_t *bind_err;
    /* the query reads the view itself, whose rows the filter already chose */
    bool filter_implied;
} mctx_t;

static int nomatch(mctx_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int nomatch(mctx_t *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    c->why = mem_avsprintf(c->a, fmt, ap);
    va_end(ap);
    return 0;
}

static const char *qtab_name(const cube_q_table_t *t)
{
    return t->name;
}

static bool same_table(const cube_q_table_t *qt, const cube_mv_table_t *mt)
{
    const char *qs = qt->schema ? qt->schema : "public";
    return strcmp(qt->name, mt->name) == 0 && strcmp(qs, mt->schema) == 0;
}

/* lookup_ok - whether lookup t of the model may differ from the query's
 * use of it (left out, or joined INNER where the model has LEFT, or the
 * reverse): only when no fact row went without its row. */
static bool all_matched(const mctx_t *c, int t)
{
    return c->e->unmatched[t] == 0;
}

static int map_joins(mctx_t *c)
{
    const cube_query_t *q = c->q;
    cube_mv_t *mv = c->mv;
    if (q->ntables > CUBE_MV_MAX_TABLES * 2)
        return nomatch(c, "the query joins too many tables");
    int fact = -1;
    for (int i = 0; i < q->ntables; i++) {
        c->assign[i] = -1;
        if (same_table(&q->tables[i], &mv->tables[0])) {
            if (fact >= 0)
                return nomatch(c, "fact table %s appears twice in the query", mv->tables[0].name);
            fact = i;
        }
    }
    if (fact < 0)
        return nomatch(c, "the query does not read its fact table %s", mv->tables[0].name);
    c->assign[fact] = 0;
    c->used[0] = true;
    bool done[256] = { false };
    for (bool progress = true; progress;) {
        progress = false;
        for (int ji = 0; ji < q->njoins && ji < 256; ji++) {
            if (done[ji])
                continue;
            const cube_q_join_t *j = &q->joins[ji];
            int x = j->left, y = j->right;
            const char *const *xc = j->left_cols, *const *yc = j->right_cols;
            bool y_optional = j->right_optional;
            if (c->assign[x] < 0 && c->assign[y] >= 0) {
                if (j->right_optional)
                    return nomatch(c, "%s is joined with a LEFT JOIN to %s, which is not in the model that way",
                                   qtab_name(&q->tables[x]), qtab_name(&q->tables[y]));
                int tmp = x;
                x = y;
                y = tmp;
                const char *const *tc = xc;
                xc = yc;
                yc = tc;
            }
            if (c->assign[x] < 0)
                continue;
            if (c->assign[y] >= 0) {
                /* both joined already: the condition must repeat a model key */
                int p = c->assign[x], t = c->assign[y];
                if (mv->tables[t].parent != p) {
                    p = c->assign[y];
                    t = c->assign[x];
                    const char *const *tc = xc;
                    xc = yc;
                    yc = tc;
                }
                bool ok = mv->tables[t].parent == p;
                for (int k = 0; ok && k < j->nkeys; k++) {
                    bool f = false;
                    for (int m = 0; m < mv->tables[t].nkeys; m++)
                        f |= strcmp(mv->tables[p].cols[mv->tables[t].fk[m]].name, xc[k]) == 0 &&
                             strcmp(mv->tables[t].cols[mv->tables[t].pk[m]].name, yc[k]) == 0;
                    ok = f;
                }
                if (!ok)
                    return nomatch(c, "join condition between %s and %s is not in the model of cube %s",
                                   qtab_name(&q->tables[j->left]), qtab_name(&q->tables[j->right]), mv->name);
                done[ji] = true;
                continue;
            }
            int p = c->assign[x], found = -1;
            for (int t = 1; t < mv->ntables; t++) {
                const cube_mv_table_t *mt = &mv->tables[t];
                if (c->used[t] || mt->parent != p || !same_table(&q->tables[y], mt) || mt->nkeys != j->nkeys)
                    continue;
                bool ok = true;
                for (int k = 0; ok && k < j->nkeys; k++) {
                    bool f = false;
                    for (int m = 0; m < mt->nkeys; m++)
                        f |= strcmp(mv->tables[p].cols[mt->fk[m]].name, xc[k]) == 0 &&
                             strcmp(mt->cols[mt->pk[m]].name, yc[k]) == 0;
                    ok = f;
                }
                if (ok) {
                    found = t;
                    break;
                }
            }
            if (found < 0) {
                const char *cond = "";
                for (int k = 0; k < j->nkeys; k++)
                    cond = mem_asprintf(c->a, "%s%s%s = %s", cond, k ? " AND " : "", xc[k], yc[k]);
                return nomatch(c, "join to %s ON %s is not in the model of cube %s", qtab_name(&q->tables[y]), cond,
                               mv->name);
            }
            const cube_mv_table_t *mt = &mv->tables[found];
            if (mt->left != y_optional && !all_matched(c, found))
                return nomatch(c, "the query joins %s with %s JOIN, cube %s with %s JOIN, and its build found fact rows "
                                  "without a %s row",
                               mt->name, y_optional ? "LEFT" : "INNER", mv->name, mt->left ? "LEFT" : "INNER", mt->name);
            c->assign[y] = found;
            c->used[found] = true;
            done[ji] = true;
            progress = true;
        }
    }
    for (int i = 0; i < q->ntables; i++)
        if (c->assign[i] < 0)
            return nomatch(c, "join to %s is not in the model of cube %s", qtab_name(&q->tables[i]), mv->name);
    for (int ji = 0; ji < q->njoins && ji < 256; ji++)
        if (!done[ji])
            return nomatch(c, "a join condition of the query is not in the model of cube %s", mv->name);
    for (int t = 1; t < mv->ntables; t++) {
        if (c->used[t] || mv->tables[t].left)
            continue; /* a LEFT join to a unique key never changes the fact rows */
        if (!all_matched(c, t)) {
            if (c->e->unmatched[t] < 0)
                return nomatch(c, "the query does not join %s, and the segment of cube %s does not record whether "
                                  "every fact row has a %s row", mv->tables[t].name, mv->name, mv->tables[t].name);
            return nomatch(c, "the query does not join %s, and cube %s joins it with INNER JOIN, which dropped %lld "
                              "fact rows without a %s row",
                           mv->tables[t].name, mv->name, (long long)c->e->unmatched[t], mv->tables[t].name);
        }
    }
    return 1;
}

/* col_ref - the model column of a query column; -1 when none. */
static int col_ref(mctx_t *c, cube_q_col_t qc, cube_mv_ref_t *out)
{
    if (qc.table < 0 || qc.table >= c->q->ntables || !qc.column)
        return nomatch(c, "a column of the query has no table") - 1;
    int t = c->assign[qc.table];
    int col = cube__table_col(&c->mv->tables[t], qc.column);
    if (col < 0)
        return nomatch(c, "column %s is not in table %s", qc.column, c->mv->tables[t].name) - 1;
    *out = (cube_mv_ref_t){ t, col };
    return 0;
}

/* dim_of - the dimension of a query column; -1 (with the reason) when none. */
static int dim_of(mctx_t *c, cube_q_col_t qc)
{
    cube_mv_ref_t r;
    if (col_ref(c, qc, &r) < 0)
        return -1;
    for (int d = 0; d < c->mv->ndims; d++)
        if (c->mv->dims[d].ref.table == r.table && c->mv->dims[d].ref.col == r.col)
            return d;
    nomatch(c, "column %s is not a dimension of cube %s", qc.column, c->mv->name);
    return -1;
}

/* ---- predicates: NOT pushed to the leaves, leaves resolved to dimensions ---- */

typedef struct npred {
    int op;          /* cube_q_op_t without NOT; CUBE_Q_NE with several vals = NOT IN */
    int dim;
    type_oid_t type;
    int nvals;
    const value_t *vals;
    const int *params; /* per value: execution value index, -1 constant; NULL: all constants */
    bool set;          /* IN / NE: params[0] is an array whose elements are the list */
    int nargs;
    struct npred **args;
    uint64_t dims;   /* dimensions the subtree reads */
    bool reads_values; /* a leaf of the subtree has params */
    cube_q_eval_fn eval; /* CUBE_Q_EXPR / NOT_EXPR */
    void *eval_arg;
    const char *text;
} npred_t;

static bool kind_ok(const stor_dict_t *d, type_oid_t vt);

static npred_t *npred(mctx_t *c, const cube_q_pred_t *p, bool neg)
{
    npred_t *n = MEM_NEW(c->a, npred_t);
    switch (p->op) {
    case CUBE_Q_NOT:
        if (p->nargs != 1) {
            nomatch(c, "malformed NOT");
            return NULL;
        }
        return npred(c, p->args[0], !neg);
    case CUBE_Q_AND:
    case CUBE_Q_OR:
        n->op = (p->op == CUBE_Q_AND) != neg ? CUBE_Q_AND : CUBE_Q_OR;
        n->nargs = p->nargs;
        n->args = MEM_NEW_N(c->a, npred_t *, p->nargs + 1);
        for (int i = 0; i < p->nargs; i++) {
            if (!(n->args[i] = npred(c, p->args[i], neg)))
                return NULL;
            n->dims |= n->args[i]->dims;
            n->reads_values |= n->args[i]->reads_values;
        }
        return n;
    default:
        break;
    }
    n->dim = dim_of(c, p->col);
    if (n->dim < 0)
        return NULL;
    n->dims = 1ull << n->dim;
    n->type = p->type;
    n->nvals = p->nvals;
    n->vals = p->vals;
    n->op = p->op;
    n->eval = p->eval;
    n->eval_arg = p->eval_arg;
    n->text = p->text;
    n->set = p->set;
    for (int i = 0; p->params && i < p->nvals; i++) {
        if (p->params[i] < 0)
            continue;
        /* the value is unknown until the plan runs: what the dictionary can
         * be compared with is decided now, by type */
        if (!kind_ok(stor_segment_dict(c->e->seg, n->dim), p->type)) {
            nomatch(c, "a filter on %s compares it with a value of another type", c->mv->dims[n->dim].name);
            return NULL;
        }
        n->params = p->params;
        n->reads_values = true;
        if (p->params[i] >= c->nvalues)
            c->nvalues = p->params[i] + 1;
    }
    if (!neg)
        return n;
    switch (p->op) {
    case CUBE_Q_EQ: n->op = CUBE_Q_NE; break;
    case CUBE_Q_NE: n->op = CUBE_Q_EQ; break;
    case CUBE_Q_LT: n->op = CUBE_Q_GE; break;
    case CUBE_Q_LE: n->op = CUBE_Q_GT; break;
    case CUBE_Q_GT: n->op = CUBE_Q_LE; break;
    case CUBE_Q_GE: n->op = CUBE_Q_LT; break;
    case CUBE_Q_IS_NULL: n->op = CUBE_Q_IS_NOT_NULL; break;
    case CUBE_Q_IS_NOT_NULL: n->op = CUBE_Q_IS_NULL; break;
    case CUBE_Q_IN: n->op = CUBE_Q_NE; break; /* NOT IN: every value differs */
    case CUBE_Q_EXPR: n->op = CUBE_Q_NOT_EXPR; break; /* false, not NULL */
    case CUBE_Q_NOT_EXPR: n->op = CUBE_Q_EXPR; break;
    case CUBE_Q_BETWEEN: {
        /* NOT BETWEEN a AND b: col < a OR col > b */
        npred_t *o = MEM_NEW(c->a, npred_t);
        o->op = CUBE_Q_OR;
        o->dims = n->dims;
        o->nargs = 2;
        o->args = MEM_NEW_N(c->a, npred_t *, 2);
        for (int i = 0; i < 2; i++) {
            npred_t *l = MEM_NEW(c->a, npred_t);
            *l = *n;
            l->op = i == 0 ? CUBE_Q_LT : CUBE_Q_GT;
            l->nvals = 1;
            l->vals = n->vals + i;
            l->params = n->params ? n->params + i : NULL;
            o->args[i] = l;
        }
        return o;
    }
    default:
        nomatch(c, "unsupported predicate");
        return NULL;
    }
    return n;
}

/* code range sets: sorted, disjoint, inclusive */
typedef struct rset {
    int n;
    stor_code_range_t *r;
} rset_t;

static rset_t rs_one(mem_arena_t *a, uint32_t lo, uint32_t hi)
{
    rset_t s = { 0, NULL };
    if (lo <= hi && hi != STOR_CODE_NONE) {
        s.r = MEM_NEW(a, stor_code_range_t);
        s.r[0] = (stor_code_range_t){ lo, hi };
        s.n = 1;
    }
    return s;
}

static rset_t rs_and(mem_arena_t *a, rset_t x, rset_t y)
{
    rset_t s = { 0, MEM_NEW_N(a, stor_code_range_t, x.n + y.n + 1) };
    int i = 0, j = 0;
    while (i < x.n && j < y.n) {
        uint32_t lo = x.r[i].lo > y.r[j].lo ? x.r[i].lo : y.r[j].lo;
        uint32_t hi = x.r[i].hi < y.r[j].hi ? x.r[i].hi : y.r[j].hi;
        if (lo <= hi)
            s.r[s.n++] = (stor_code_range_t){ lo, hi };
        if (x.r[i].hi < y.r[j].hi)
            i++;
        else
            j++;
    }
    return s;
}

static int rng_cmp(const void *p, const void *q)
{
    const stor_code_range_t *x = p, *y = q;
    return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static rset_t rs_or(mem_arena_t *a, rset_t x, rset_t y)
{
    rset_t s = { 0, MEM_NEW_N(a, stor_code_range_t, x.n + y.n + 1) };
    stor_code_range_t *all = MEM_NEW_N(a, stor_code_range_t, x.n + y.n + 1);
    /* An empty set may have no array (r NULL): memcpy's source must not be NULL even for 0 bytes. */
    if (x.n > 0)
        memcpy(all, x.r, sizeof *all * (size_t)x.n);
    if (y.n > 0)
        memcpy(all + x.n, y.r, sizeof *all * (size_t)y.n);
    qsort(all, (size_t)(x.n + y.n), sizeof *all, rng_cmp);
    for (int i = 0; i < x.n + y.n; i++) {
        if (s.n > 0 && (uint64_t)all[i].lo <= (uint64_t)s.r[s.n - 1].hi + 1) {
            if (all[i].hi > s.r[s.n - 1].hi)
                s.r[s.n - 1].hi = all[i].hi;
        } else {
            s.r[s.n++] = all[i];
        }
    }
    return s;
}

/* bounds - lb: first code whose value >= v; ub: first code whose value > v
 * (codes of the non-NULL values, 0..size), for a constant of type vt which
 * may differ from the dictionary's kind (an integer column compared with
 * 2.5 or 1993.0). */
static void bounds(const stor_dict_t *d, type_oid_t vt, const value_t *v, uint32_t *lb, uint32_t *ub)
{
    stor_kind_t dk = stor_dict_kind(d);
    value_t x = *v;
    if (dk == STOR_KIND_INT && (vt == TYPE_NUMERIC || vt == TYPE_FLOAT4 || vt == TYPE_FLOAT8)) {
        double f = vt == TYPE_NUMERIC ? numeric_to_double(v->u.num) : v->u.f;
        if (f != floor(f)) {
            x.u.i = (int64_t)ceil(f);
            *lb = *ub = stor_dict_lower_bound(d, &x);
            return;
        }
        x.u.i = (int64_t)f;
    } else if (dk == STOR_KIND_FLOAT && vt != TYPE_FLOAT4 && vt != TYPE_FLOAT8) {
        x.u.f = vt == TYPE_NUMERIC ? numeric_to_double(v->u.num) : (double)v->u.i;
    }
    *lb = stor_dict_lower_bound(d, &x);
    *ub = stor_dict_upper_bound(d, &x);
}

static bool kind_ok(const stor_dict_t *d, type_oid_t vt)
{
    stor_kind_t dk = stor_dict_kind(d), vk = stor_kind_of_type(vt);
    if (vt == TYPE_NUMERIC)
        vk = STOR_KIND_FLOAT;
    if (dk == STOR_KIND_TEXT || vk == STOR_KIND_TEXT)
        return dk == vk;
    return vk == STOR_KIND_INT || vk == STOR_KIND_FLOAT;
}

/* leaf_vals - a leaf's values (*nv of them), its execution values resolved
 * from c->bvals (NULL when there are none yet: the placeholder plan of
 * cube_match; a set then has no element). */
static const value_t *leaf_vals(mctx_t *c, const npred_t *n, int *nv)
{
    *nv = n->nvals;
    if (!n->params)
        return n->vals;
    if (n->set) {
        int k = n->params[0];
        const value_t *av = c->bvals && k >= 0 && k < c->nbvals ? &c->bvals[k] : NULL;
        *nv = av && !av->isnull ? av->u.arr->n : 0;
        return *nv ? av->u.arr->vals : NULL;
    }
    value_t *v = MEM_NEW_N(c->a, value_t, n->nvals + 1);
    for (int i = 0; i < n->nvals; i++) {
        int k = n->params[i];
        v[i] = k < 0 ? n->vals[i] : c->bvals && k < c->nbvals ? c->bvals[k] : value_null();
    }
    return v;
}

/* At most this many distinct values are tried one by one against a
 * condition the matcher cannot turn into code ranges (a query over a bigger
 * dimension is refused, or pushed down, rather than slowed). */
#define EXPR_MAX_VALUES (1u << 20)

/* expr_codes - the codes of n's dimension whose value makes n's condition
 * true (EXPR) or false (NOT_EXPR), each value tried once, the NULL code
 * included (coalesce(col, 'x') = 'x' holds for it). An error on any value
 * refuses the cube rather than fail the query: PostgreSQL might not have
 * evaluated the condition on the rows holding that value at all. */
static int expr_codes(mctx_t *c, const npred_t *n, const stor_dict_t *d, rset_t *out)
{
    const char *dn = c->mv->dims[n->dim].name;
    if (stor_dict_type(d) != n->type)
        return nomatch(c, "%s on %s reads it as another type than the cube stores", n->text, dn);
    uint32_t size = stor_dict_size(d), nullc = stor_dict_null_code(d);
    if (size > EXPR_MAX_VALUES)
        return nomatch(c, "%s is not a comparison with constants, and %s has too many values to try each", n->text, dn);
    if (n->params && !c->bvals) {
        *out = (rset_t){ 0, NULL }; /* its $n are known when it runs: the placeholder plan */
        return 1;
    }
    int want = n->op == CUBE_Q_EXPR ? 1 : 0;
    mem_arena_t *scratch = mem_arena_new(NULL, "cube expr filter", 0);
    err_t err = { 0 };
    stor_code_range_t *r = MEM_NEW_N(c->a, stor_code_range_t, (size_t)size / 2 + 2);
    int nr = 0;
    uint32_t last = size + (nullc != STOR_CODE_NONE ? 1 : 0);
    for (uint32_t code = 0; code < last; code++) {
        value_t v;
        stor_dict_value(d, code < size ? code : nullc, &v);
        if ((code & 1023) == 0)
            mem_arena_reset(scratch);
        int rc = n->eval(n->eval_arg, &v, c->bvals, c->nbvals, scratch, &err);
        if (rc < 0) {
            mem_arena_free(scratch);
            if (c->bind_err) { /* the statement runs with these values: its error */
                *c->bind_err = err;
                return 0;
            }
            return nomatch(c, "%s fails on a value of %s (%s)", n->text, dn, err.message);
        }
        if (rc != want)
            continue;
        uint32_t k = code < size ? code : nullc;
        if (nr > 0 && r[nr - 1].hi + 1 == k)
            r[nr - 1].hi = k;
        else
            r[nr++] = (stor_code_range_t){ k, k };
    }
    mem_arena_free(scratch);
    *out = (rset_t){ nr, r };
    return 1;
}

/* leaf_codes - the codes of a leaf's dimension that satisfy it. */
static int leaf_codes(mctx_t *c, const npred_t *n, rset_t *out)
{
    const stor_dict_t *d = stor_segment_dict(c->e->seg, n->dim);
    int nv;
    const value_t *vals = leaf_vals(c, n, &nv);
    uint32_t size = stor_dict_size(d), nullc = stor_dict_null_code(d);
    mem_arena_t *a = c->a;
    rset_t nonnull = size ? rs_one(a, 0, size - 1) : (rset_t){ 0, NULL };
    *out = (rset_t){ 0, NULL };
    if (n->op == CUBE_Q_IS_NULL) {
        if (nullc != STOR_CODE_NONE)
            *out = rs_one(a, nullc, nullc);
        return 1;
    }
    if (n->op == CUBE_Q_IS_NOT_NULL) {
        *out = nonnull;
        return 1;
    }
    if (n->op == CUBE_Q_EXPR || n->op == CUBE_Q_NOT_EXPR)
        return expr_codes(c, n, d, out);
    for (int i = 0; i < nv; i++)
        if (!vals[i].isnull && !kind_ok(d, n->type))
            return nomatch(c, "a filter on %s compares it with a value of another type", c->mv->dims[n->dim].name);
    switch (n->op) {
    case CUBE_Q_EQ:
    case CUBE_Q_IN:
        for (int i = 0; i < nv; i++) {
            if (vals[i].isnull)
                continue;
            uint32_t lb, ub;
            bounds(d, n->type, &vals[i], &lb, &ub);
            if (lb < ub)
                *out = rs_or(a, *out, rs_one(a, lb, ub - 1));
        }
        return 1;
    case CUBE_Q_NE: {
        /* <> v, or NOT IN (list): a NULL in the list makes it never true;
         * NOT IN an empty set holds for every row, NULL included */
        *out = nonnull;
        if (n->set && nv == 0 && c->bvals) {
            if (nullc != STOR_CODE_NONE)
                *out = rs_or(a, *out, rs_one(a, nullc, nullc));
            return 1;
        }
        for (int i = 0; i < nv; i++) {
            if (vals[i].isnull) {
                *out = (rset_t){ 0, NULL };
                return 1;
            }
            uint32_t lb, ub;
            bounds(d, n->type, &vals[i], &lb, &ub);
            rset_t not_v = rs_or(a, lb > 0 ? rs_one(a, 0, lb - 1) : (rset_t){ 0, NULL },
                                 ub < size ? rs_one(a, ub, size - 1) : (rset_t){ 0, NULL });
            *out = rs_and(a, *out, not_v);
        }
        return 1;
    }
    default:
        break;
    }
    if (nv < 1 || vals[0].isnull || (n->op == CUBE_Q_BETWEEN && (nv < 2 || vals[1].isnull)))
        return 1; /* a comparison with NULL is never true */
    uint32_t lb, ub;
    bounds(d, n->type, &vals[0], &lb, &ub);
    switch (n->op) {
    case CUBE_Q_LT: *out = lb > 0 ? rs_one(a, 0, lb - 1) : *out; break;
    case CUBE_Q_LE: *out = ub > 0 ? rs_one(a, 0, ub - 1) : *out; break;
    case CUBE_Q_GT: *out = ub < size ? rs_one(a, ub, size - 1) : *out; break;
    case CUBE_Q_GE: *out = lb < size ? rs_one(a, lb, size - 1) : *out; break;
    case CUBE_Q_BETWEEN: {
        uint32_t lb2, ub2;
        bounds(d, n->type, &vals[1], &lb2, &ub2);
        if (lb < ub2)
            *out = rs_one(a, lb, ub2 - 1);
        break;
    }
    default:
        return nomatch(c, "unsupported predicate");
    }
    return 1;
}

/* tree_codes - a single-dimension subtree as a code set. */
static int tree_codes(mctx_t *c, const npred_t *n, rset_t *out)
{
    if (n->op != CUBE_Q_AND && n->op != CUBE_Q_OR)
        return leaf_codes(c, n, out);
    for (int i = 0; i < n->nargs; i++) {
        rset_t s;
        if (tree_codes(c, n->args[i], &s) <= 0)
            return 0;
        *out = i == 0 ? s : n->op == CUBE_Q_AND ? rs_and(c->a, *out, s) : rs_or(c->a, *out, s);
    }
    if (n->nargs == 0)
        *out = (rset_t){ 0, NULL };
    return 1;
}

#define MAX_CONJ 256

/* add_conjuncts - the top-level conjuncts of n into c->conj: their
 * dimensions are needed, and those over several dimensions (c->res) are
 * tested per row, so the scan keeps their dimensions. */
static int add_conjuncts(mctx_t *c, const npred_t *n)
{
    if (n->op == CUBE_Q_AND) {
        for (int i = 0; i < n->nargs; i++)
            if (add_conjuncts(c, n->args[i]) <= 0)
                return 0;
        return 1;
    }
    c->needed |= n->dims;
    if (!c->conj)
        c->conj = MEM_NEW_N(c->a, const npred_t *, MAX_CONJ);
    if (c->nconj >= MAX_CONJ)
        return nomatch(c, "too many conditions");
    c->conj[c->nconj++] = n;
    if (__builtin_popcountll(n->dims) == 1) {
        if (n->reads_values)
            c->value_dims |= n->dims;
        return 1;
    }
    if (c->nres >= 64)
        return nomatch(c, "too many predicates over several columns");
    c->res[c->nres++] = n;
    return 1;
}

/* residual - a multi-dimension conjunct as a tree of per-position tests. */
static int residual(mctx_t *c, const npred_t *n, const int *pos_of_dim, cube_rnode_t **out)
{
    cube_rnode_t *r = MEM_NEW(c->a, cube_rnode_t);
    if (n->op == CUBE_Q_AND || n->op == CUBE_Q_OR) {
        r->op = n->op;
        r->n = n->nargs;
        r->args = MEM_NEW_N(c->a, cube_rnode_t *, n->nargs + 1);
        for (int i = 0; i < n->nargs; i++)
            if (residual(c, n->args[i], pos_of_dim, &r->args[i]) <= 0)
                return 0;
    } else {
        rset_t s;
        if (leaf_codes(c, n, &s) <= 0)
            return 0;
        r->pos = pos_of_dim[n->dim];
        r->n = s.n;
        r->r = s.r;
    }
    *out = r;
    return 1;
}

/* ---- aggregates ---- */

static bool ref_nullable(const mctx_t *c, cube_mv_ref_t r)
{
    return cube__mv_col_nullable(c->mv, r);
}

static int meas_pos(mctx_t *c, int *pos, int *n, int cube_measure)
{
    int sm = c->e->seg_meas[cube_measure];
    if (sm < 0)
        return -1;
    for (int i = 0; i < *n; i++)
        if (pos[i] == sm)
            return i;
    pos[*n] = sm;
    return (*n)++;
}

static int find_mv_measure(const cube_mv_t *mv, cube_mv_fn_t fn, bool star, const cube_mv_term_t *t, int n)
{
    for (int i = 0; i < mv->nmeasures; i++) {
        const cube_mv_measure_t *m = &mv->measures[i];
        if (m->fn != fn || m->star != star || m->cube_measure < 0)
            continue;
        if (star || (m->nterms == n && memcmp(m->terms, t, sizeof *t * (size_t)n) == 0))
            return i;
    }
    return -1;
}

static const char *qagg_text(mctx_t *c, const cube_q_agg_t *g)
{
    static const char *fn[] = { "?", "sum", "count", "avg", "min", "max", "count" };
    if (g->star)
        return "count(*)";
    const char *s = "";
    for (int i = 0; i < g->nterms; i++) {
        const cube_q_term_t *t = &g->terms[i];
        int64_t co = t->coef;
        const char *sign = i == 0 ? (co < 0 ? "-" : "") : (co < 0 ? " - " : " + ");
        if (co < 0)
            co = -co;
        const char *body = t->a.column;
        if (t->b.table >= 0)
            body = mem_asprintf(c->a, "%s * %s", body, t->b.column);
        if (co != 1)
            body = mem_asprintf(c->a, "%lld * %s", (long long)co, body);
        s = mem_asprintf(c->a, "%s%s%s", s, sign, body);
    }
    return mem_asprintf(c->a, "%s(%s%s)", fn[g->fn], g->distinct ? "DISTINCT " : "", s);
}

/* count_of - the stored count telling whether a group had non-NULL values
 * of the terms: count(*) when none may be NULL, count(col) for one column. */
static int count_of(mctx_t *c, const cube_mv_term_t *t, int n, bool nullable, int *pos, int *npos)
{
    int mi;
    if (!nullable) {
        mi = find_mv_measure(c->mv, CUBE_MV_COUNT, true, NULL, 0);
        if (mi < 0) /* count of a NOT NULL column counts every row too */
            for (int i = 0; i < c->mv->nmeasures && mi < 0; i++) {
                const cube_mv_measure_t *m = &c->mv->measures[i];
                if (m->fn == CUBE_MV_COUNT && m->cube_measure >= 0 && !m->star && !m->arg_nullable)
                    mi = i;
            }
    } else if (n == 1 && t[0].b.table < 0) {
        cube_mv_term_t one = { 1, t[0].a, { -1, -1 } };
        mi = find_mv_measure(c->mv, CUBE_MV_COUNT, false, &one, 1);
    } else {
        return -2;
    }
    if (mi < 0)
        return -1;
    return meas_pos(c, pos, npos, c->mv->measures[mi].cube_measure);
}

static int derive(mctx_t *c, const cube_q_agg_t *g, cube_deriv_t *d, int *pos, int *npos)
{
    cube_mv_t *mv = c->mv;
    memset(d, 0, sizeof *d);
    d->fn = g->fn;
    d->count_pos = -1;
    const char *what = qagg_text(c, g);
    if (g->distinct && g->fn != CUBE_Q_MIN && g->fn != CUBE_Q_MAX)
        return nomatch(c, "%s cannot be answered from cube %s (no distinct-count measures yet)", what, mv->name);
    if (g->star) {
        int p = count_of(c, NULL, 0, false, pos, npos);
        if (p < 0)
            return nomatch(c, "measure count(*) is missing from cube %s", mv->name);
        d->nparts = 1;
        d->parts[0] = (cube_part_t){ p, 1, 0 };
        d->type = TYPE_INT8;
        d->text = "sum of count(*)";
        return 1;
    }
    if (g->nterms < 1 || g->nterms > CUBE_MV_MAX_TERMS)
        return nomatch(c, "%s has an unsupported argument", what);
    cube_mv_term_t t[CUBE_MV_MAX_TERMS];
    type_oid_t argt = 0;
    bool nullable = false;
    for (int i = 0; i < g->nterms; i++) {
        t[i].coef = g->terms[i].coef;
        if (col_ref(c, g->terms[i].a, &t[i].a) < 0)
            return 0;
        t[i].b = (cube_mv_ref_t){ -1, -1 };
        if (g->terms[i].b.table >= 0 && col_ref(c, g->terms[i].b, &t[i].b) < 0)
            return 0;
        type_oid_t tt = mv->tables[t[i].a.table].cols[t[i].a.col].type;
        if (t[i].b.table >= 0)
            tt = cube__promote(tt, mv->tables[t[i].b.table].cols[t[i].b.col].type);
        if (t[i].coef != 1 && t[i].coef != -1)
            tt = cube__promote(tt, TYPE_INT4);
        argt = i == 0 ? tt : cube__promote(argt, tt);
        nullable |= ref_nullable(c, t[i].a) || (t[i].b.table >= 0 && ref_nullable(c, t[i].b));
    }
    int n = cube__mv_canon_terms(t, g->nterms);
    bool single = n == 1 && t[0].coef == 1 && t[0].b.table < 0;
    if (g->fn == CUBE_Q_ARGCOUNT) {
        int p = count_of(c, t, n, nullable, pos, npos);
        if (p < 0)
            return nomatch(c, "%s needs a count of its argument, which cube %s does not store", what, mv->name);
        d->fn = CUBE_Q_COUNT;
        d->nparts = 1;
        d->parts[0] = (cube_part_t){ p, 1, 0 };
        d->type = TYPE_INT8;
        d->text = mem_asprintf(c->a, "sum of %s", what);
        return 1;
    }
    if (g->fn == CUBE_Q_COUNT) {
        if (!single)
            return nomatch(c, "%s: count over an expression is not answered from cubes", what);
        int mi = find_mv_measure(mv, CUBE_MV_COUNT, false, t, 1);
        int p = mi >= 0 ? meas_pos(c, pos, npos, mv->measures[mi].cube_measure) : -1;
        if (p < 0 && !nullable)
            p = count_of(c, NULL, 0, false, pos, npos);
        if (p < 0)
            return nomatch(c, "measure %s is missing from cube %s", what, mv->name);
        d->nparts = 1;
        d->parts[0] = (cube_part_t){ p, 1, 0 };
        d->type = TYPE_INT8;
        d->text = mem_asprintf(c->a, "sum of %s", what);
        return 1;
    }
    if (g->fn == CUBE_Q_MIN || g->fn == CUBE_Q_MAX) {
        if (!single)
            return nomatch(c, "%s: min/max over an expression is not answered from cubes", what);
        int mi = find_mv_measure(mv, g->fn == CUBE_Q_MIN ? CUBE_MV_MIN : CUBE_MV_MAX, false, t, 1);
        int p = mi >= 0 ? meas_pos(c, pos, npos, mv->measures[mi].cube_measure) : -1;
        if (p < 0)
            return nomatch(c, "measure %s is missing from cube %s", what, mv->name);
        const cube_mv_measure_t *m = &mv->measures[mi];
        d->nparts = 1;
        d->parts[0] = (cube_part_t){ p, 1, m->scale < 0 ? 0 : m->scale };
        d->fl = m->scale < 0 && argt != TYPE_NUMERIC ? true : m->scale < 0;
        d->res_scale = m->scale < 0 ? 0 : m->scale;
        d->type = argt;
        d->text = mem_asprintf(c->a, "%s of %s", g->fn == CUBE_Q_MIN ? "min" : "max", m->name);
        return 1;
    }
    /* sum / avg: the same linear form stored, or a sum of stored single terms */
    d->type = cube__result_type(g->fn == CUBE_Q_SUM ? CUBE_MV_SUM : CUBE_MV_AVG, argt);
    int mi = find_mv_measure(mv, CUBE_MV_SUM, false, t, n);
    const char *text;
    if (mi >= 0) {
        const cube_mv_measure_t *m = &mv->measures[mi];
        int p = meas_pos(c, pos, npos, m->cube_measure);
        if (p < 0)
            return nomatch(c, "measure %s is missing from the segment of cube %s", m->name, mv->name);
        d->nparts = 1;
        d->parts[0] = (cube_part_t){ p, 1, m->scale < 0 ? 0 : m->scale };
        d->fl = m->scale < 0;
        d->res_scale = m->scale < 0 ? 0 : m->scale;
        text = mem_asprintf(c->a, "sum of %s", m->name);
    } else {
        if (n > 1 && nullable)
            return nomatch(c, "measure %s is missing from cube %s (its columns may be NULL, so it cannot be summed "
                              "term by term)", what, mv->name);
        text = "";
        for (int i = 0; i < n; i++) {
            cube_mv_term_t one = { 1, t[i].a, t[i].b };
            int mj = find_mv_measure(mv, CUBE_MV_SUM, false, &one, 1);
            if (mj < 0) {
                if (n == 1)
                    return nomatch(c, "measure %s is missing from cube %s", what, mv->name);
                const char *tt = cube__mv_terms_text(mv, c->a, &one, 1);
                return nomatch(c, "measure %s is missing from cube %s (nor is sum(%s), to derive it from)", what,
                               mv->name, tt);
            }
            const cube_mv_measure_t *m = &mv->measures[mj];
            int p = meas_pos(c, pos, npos, m->cube_measure);
            if (p < 0)
                return nomatch(c, "measure %s is missing from the segment of cube %s", m->name, mv->name);
            d->parts[d->nparts++] = (cube_part_t){ p, t[i].coef, m->scale < 0 ? 0 : m->scale };
            d->fl |= m->scale < 0;
            if (m->scale > d->res_scale)
                d->res_scale = m->scale;
            int64_t co = i && t[i].coef < 0 ? -t[i].coef : t[i].coef;
            const char *cs = co == 1 ? "" : co == -1 ? "-" : mem_asprintf(c->a, "%lld * ", (long long)co);
            text = mem_asprintf(c->a, "%s%s%s%s%s", text, i ? " " : "", i ? (t[i].coef < 0 ? "- " : "+ ") : "", cs,
                                m->name);
        }
        text = mem_asprintf(c->a, "sum of (%s)", text);
    }
    if (d->type == TYPE_FLOAT4 || d->type == TYPE_FLOAT8)
        d->fl = true;
    int cp = count_of(c, t, n, nullable, pos, npos);
    if (cp == -2 || (cp < 0 && (g->fn == CUBE_Q_AVG || nullable)))
        return nomatch(c, "%s needs a count of its argument, which cube %s does not store", what, mv->name);
    d->count_pos = cp >= 0 ? cp : -1;
    if (!nullable && g->fn == CUBE_Q_SUM)
        d->count_pos = -1; /* every group has rows, so the sum is never NULL */
    d->text = g->fn == CUBE_Q_AVG ? mem_asprintf(c->a, "%s / count", text) : text;
    return 1;
}

static const char *fn_label(cube_q_fn_t fn)
{
    switch (fn) {
    case CUBE_Q_SUM: return "sum";
    case CUBE_Q_COUNT: return "count";
    case CUBE_Q_AVG: return "avg";
    case CUBE_Q_MIN: return "min";
    case CUBE_Q_MAX: return "max";
    case CUBE_Q_ARGCOUNT: return "count";
    }
    return "?";
}

static const char *ranges_text(mem_arena_t *a, const stor_dict_t *d, int n, const stor_code_range_t *r)
{
    const char *s = "";
    for (int i = 0; i < n && i < 8; i++) {
        buf_t b = BUF_INIT;
        value_t v;
        stor_dict_value(d, r[i].lo, &v);
        if (v.isnull)
            buf_printf(&b, "NULL");
        else
            type_out_text(stor_dict_type(d), -1, &v, 0, &b);
        if (r[i].hi != r[i].lo) {
            buf_printf(&b, "..");
            stor_dict_value(d, r[i].hi, &v);
            if (v.isnull)
                buf_printf(&b, "NULL");
            else
                type_out_text(stor_dict_type(d), -1, &v, 0, &b);
        }
        s = mem_asprintf(a, "%s%s%.*s", s, i ? ", " : "", (int)b.len, b.data ? b.data : "");
        buf_free(&b);
    }
    if (n > 8)
        s = mem_asprintf(a, "%s, ... (%d ranges)", s, n);
    if (n == 0)
        s = "(none)";
    return s;
}

/* plan_filters - p's code-range filter per dimension, its row filter over
 * several dimensions and their EXPLAIN text, from its conjuncts with the
 * execution values c->bvals. */
static int plan_filters(mctx_t *c, cube_plan_t *p)
{
    const cube_mv_t *mv = c->mv;
    memset(c->has_f, 0, sizeof c->has_f);
    int nres = 0;
    cube_rnode_t **res = MEM_NEW_N(c->a, cube_rnode_t *, p->nconj + 1);
    for (int i = 0; i < p->nconj; i++) {
        const npred_t *n = p->conj[i];
        if (__builtin_popcountll(n->dims) != 1) {
            if (residual(c, n, p->pos_of_dim, &res[nres]) <= 0)
                return 0;
            nres++;
            continue;
        }
        int d = __builtin_ctzll(n->dims);
        rset_t s;
        if (tree_codes(c, n, &s) <= 0)
            return 0;
        if (c->has_f[d])
            s = rs_and(c->a, (rset_t){ c->nf[d], c->fr[d] }, s);
        c->has_f[d] = true;
        c->nf[d] = s.n;
        c->fr[d] = s.r;
    }
    p->residual = NULL;
    if (nres > 0) {
        cube_rnode_t *and = MEM_NEW(c->a, cube_rnode_t);
        and->op = CUBE_Q_AND;
        and->n = nres;
        and->args = res;
        p->residual = and;
    }
    p->nfilters = 0;
    p->filters = MEM_NEW_N(c->a, stor_filter_t, mv->ndims + 1);
    const char *ft = "";
    for (int d = 0; d < mv->ndims; d++)
        if (c->has_f[d]) {
            p->filters[p->nfilters++] = (stor_filter_t){ d, (uint32_t)c->nf[d], c->fr[d] };
            const char *r = !c->bvals && (c->value_dims & (1ull << d))
                                ? "parameter values"
                                : ranges_text(c->a, stor_segment_dict(c->e->seg, d), c->nf[d], c->fr[d]);
            ft = mem_asprintf(c->a, "%s%s%s in [%s]", ft, *ft ? " AND " : "", mv->dims[d].name, r);
        }
    p->filter_text = ft;
    return 1;
}

/* mctx_init - a matching context for query q (NULL: leaf codes only) over
 * the cube entry e. */
static void mctx_init(mctx_t *c, const cube_query_t *q, cube_centry_t *e, mem_arena_t *a)
{
    memset(c, 0, sizeof *c);
    c->q = q;
    c->e = e;
    c->mv = e->mv;
    c->a = a;
}

/* filter_covered - whether the query's WHERE implies the cube's model
 * filter, by the simple sound rule: every conjunct of the filter is one
 * of the query's top-level conjuncts (both normalized, columns resolved
 * to the model, constants compared by value). The cube holds exactly the
 * rows where the filter is true, so those conjuncts hold for every row it
 * has and are dropped: *where gets the query's other conjuncts (NULL
 * none). 0 with the reason, naming the filter, when not implied. */
static int filter_covered(mctx_t *c, const cube_q_pred_t **where)
{
    const cube_mv_t *mv = c->mv;
    const cube_q_pred_t *fc[MAX_CONJ], *qc[MAX_CONJ];
    int nf = cube__filter_conjuncts(mv->filter, fc, MAX_CONJ);
    int nq = cube__filter_conjuncts(cube__filter_norm(c->a, c->q->where), qc, MAX_CONJ);
    if (nf < 0 || nq < 0)
        return nomatch(c, "too many conditions");
    bool used[MAX_CONJ] = { false };
    for (int i = 0; i < nf; i++) {
        bool found = false;
        for (int k = 0; k < nq; k++)
            if (cube__filter_equal(mv, fc[i], qc[k], c->assign)) {
                used[k] = true;
                found = true;
            }
        if (!found)
            return nomatch(c, "cube %s holds only the rows where %s, and the query's WHERE does not include %s",
                           mv->name, mv->filter_text, nf > 1 ? cube__filter_text(mv, c->a, fc[i]) : "that condition");
    }
    const cube_q_pred_t **rest = MEM_NEW_N(c->a, const cube_q_pred_t *, nq + 1);
    int nr = 0;
    for (int k = 0; k < nq; k++)
        if (!used[k])
            rest[nr++] = qc[k];
    *where = NULL;
    if (nr == 1) {
        *where = rest[0];
    } else if (nr > 1) {
        cube_q_pred_t *and = MEM_NEW(c->a, cube_q_pred_t);
        and->op = CUBE_Q_AND;
        and->col.table = -1;
        and->nargs = nr;
        and->args = rest;
        *where = and;
    }
    return 1;
}

/* try_cube - 1 with *out when cube e answers q, 0 with c->why when not. */
static int try_cube(mctx_t *c, cube_plan_t **out)
{
    const cube_query_t *q = c->q;
    cube_mv_t *mv = c->mv;
    if (map_joins(c) <= 0)
        return 0;
    const cube_q_pred_t *where = q->where;
    if (mv->filter && !c->filter_implied && filter_covered(c, &where) <= 0)
        return 0;
    cube_plan_t *p = MEM_NEW(c->a, cube_plan_t);
    /* group columns */
    int gdims[CUBE_MAX_DIMS];
    int ng = 0;
    p->ngroup = q->ngroup;
    p->grouped = q->grouped;
    p->group_pos = MEM_NEW_N(c->a, int, q->ngroup + 1);
    for (int i = 0; i < q->ngroup; i++) {
        int d = dim_of(c, q->group[i]);
        if (d < 0)
            return 0;
        int k = 0;
        while (k < ng && gdims[k] != d)
            k++;
        if (k == ng)
            gdims[ng++] = d;
        p->group_pos[i] = k;
        c->needed |= 1ull << d;
    }
    /* filters */
    if (where) {
        npred_t *w = npred(c, where, false);
        if (!w || add_conjuncts(c, w) <= 0)
            return 0;
    }
    int scan_group[CUBE_MAX_DIMS], ns = ng;
    int *pos_of_dim = MEM_NEW_N(c->a, int, mv->ndims + 1);
    memcpy(scan_group, gdims, sizeof(int) * (size_t)ng);
    for (int r = 0; r < c->nres; r++)
        for (int d = 0; d < mv->ndims; d++)
            if (c->res[r]->dims & (1ull << d)) {
                int k = 0;
                while (k < ns && scan_group[k] != d)
                    k++;
                if (k == ns)
                    scan_group[ns++] = d;
            }
    for (int d = 0; d < mv->ndims; d++)
        pos_of_dim[d] = -1;
    for (int k = 0; k < ns; k++)
        pos_of_dim[scan_group[k]] = k;
    /* aggregates */
    int mpos[64], nm = 0;
    p->naggs = q->naggs;
    p->aggs = MEM_NEW_N(c->a, cube_deriv_t, q->naggs + 1);
    if (q->naggs > 16)
        return nomatch(c, "too many aggregates");
    for (int i = 0; i < q->naggs; i++)
        if (derive(c, &q->aggs[i], &p->aggs[i], mpos, &nm) <= 0)
            return 0;
    /* cuboid */
    err_t e2 = { 0 };
    int ci = cube_def_pick_cuboid(mv->def, c->needed, c->e->rows, &e2);
    if (ci < 0)
        return nomatch(c, "%s", e2.message);
    if (c->e->rows[ci] < 0)
        return nomatch(c, "cuboid %llx of cube %s is missing from its segment", (unsigned long long)cube_def_cuboid(mv->def, ci),
                       mv->name);
    p->cuboid = cube_def_cuboid(mv->def, ci);
    p->cuboid_rows = (uint64_t)c->e->rows[ci];
    /* filters and row filter: final now, or (leaves reading execution
     * values) computed with NULLs, which checks every leaf against its
     * dictionary, and again per run by cube_plan_bind */
    p->nconj = c->nconj;
    p->conj = c->conj;
    p->pos_of_dim = pos_of_dim;
    p->nvalues = c->nvalues;
    if (plan_filters(c, p) <= 0)
        return 0;
    p->cube = mv->name;
    p->seg_id = c->e->seg_id;
    p->nscan_group = ns;
    p->scan_group = mem_amemdup(c->a, scan_group, sizeof(int) * (size_t)(ns + 1));
    p->nqgroup = ng;
    p->nmeas = nm;
    p->scan_meas = mem_amemdup(c->a, mpos, sizeof(int) * (size_t)(nm + 1));
    p->ncols = q->ngroup + q->naggs;
    p->cols = MEM_NEW_N(c->a, cube_plan_col_t, p->ncols + 1);
    for (int i = 0; i < q->ngroup; i++) {
        const cube_mv_dim_t *dm = &mv->dims[scan_group[p->group_pos[i]]];
        p->cols[i] = (cube_plan_col_t){ dm->name, dm->type, dm->typmod };
    }
    for (int i = 0; i < q->naggs; i++)
        p->cols[q->ngroup + i] = (cube_plan_col_t){ fn_label(q->aggs[i].fn), p->aggs[i].type, -1 };
    *out = p;
    return 1;
}

int cube_plan_nvalues(const cube_plan_t *p)
{
    return p->nvalues;
}

int cube_plan_bind(const cube_plan_t *p, const value_t *vals, int nvals, mem_arena_t *a, const cube_plan_t **out,
                   err_t *err)
{
    *out = p;
    if (p->nvalues == 0)
        return 0;
    if (nvals < p->nvalues)
        return err_set(err, ERRCODE_INTERNAL_ERROR, "cube scan on %s needs %d parameter values, got %d", p->cube,
                       p->nvalues, nvals);
    cube_plan_t *b = MEM_NEW(a, cube_plan_t);
    *b = *p;
    mctx_t *c = MEM_NEW(a, mctx_t);
    c->e = p->e;
    c->mv = p->e->mv;
    c->a = a;
    c->bvals = vals;
    c->nbvals = nvals;
    c->bind_err = err;
    /* every leaf was checked against its dictionary when matched */
    if (plan_filters(c, b) <= 0) {
        if (err->set)
            return -1;
        return err_set(err, ERRCODE_INTERNAL_ERROR, "cube scan on %s: %s", p->cube, c->why ? c->why : "bind failed");
    }
    b->nvalues = 0;
    *out = b;
    return 0;
}

int cube_match(cube_matcher_t *m, const meta_catalog_t *cat, const cube_query_t *q, mem_arena_t *a, cube_plan_t **plan,
               err_t *err)
{
    *plan = NULL;
    mem_arena_t *scratch = mem_arena_new(NULL, "cube match", 0);
    const char *reasons = "";
    int nreasons = 0, rc = 0;
    cube_plan_t *best = NULL;
    cube_centry_t *best_e = NULL;
    /* the reasons of cubes over another fact table ("does not read its fact
     * table") only when no cube is over one of the query's tables: the
     * message has room for a few reasons, and those are the ones that say
     * what to change */
    const char *other = "";
    int nother = 0;
    for (size_t i = 0; i < cat->ncubes; i++) {
        const meta_cube_t *cube = &cat->cubes[i];
        const meta_segment_t *seg = ready_segment(cat, cube->h.id);
        const meta_model_t *mo = meta_catalog_model_by_id(cat, cube->model_id);
        const meta_table_t *ft = mo ? meta_catalog_table_by_id(cat, mo->fact_table_id) : NULL;
        bool relevant = false;
        for (int t = 0; ft && t < q->ntables; t++)
            relevant |= strcmp(q->tables[t].name, ft->name) == 0;
        if (!seg) {
            /* a cube never built only matters when it would be the fact's */
            if (relevant) {
                reasons = mem_asprintf(scratch, "%s%scube %s has no built segment (REFRESH MATERIALIZED VIEW %s)",
                                       reasons, nreasons ? "; " : "", cube->name, cube->name);
                nreasons++;
            }
            continue;
        }
        cube_centry_t *e;
        if (centry_get(m, cat, cube, seg, &e, err) < 0) {
            rc = -1;
            break;
        }
        mctx_t c;
        mctx_init(&c, q, e, a);
        cube_plan_t *p = NULL;
        if (try_cube(&c, &p) > 0 && (!best || p->cuboid_rows < best->cuboid_rows)) {
            if (best_e)
                cube__centry_release(best_e);
            best = p;
            best_e = e;
            continue;
        }
        if (!p || p != best) {
            if (c.why && relevant) {
                reasons = mem_asprintf(scratch, "%s%s%s", reasons, nreasons ? "; " : "", c.why);
                nreasons++;
            } else if (c.why) {
                other = mem_asprintf(scratch, "%s%s%s", other, nother ? "; " : "", c.why);
                nother++;
            }
            cube__centry_release(e);
        }
    }
    if (nreasons == 0) {
        reasons = other;
        nreasons = nother;
    }
    if (rc == 0 && best) {
        best->e = best_e;
        mem_arena_on_free(a, release_cb, best_e);
        *plan = best;
        rc = 1;
    } else if (rc == 0) {
        if (best_e)
            cube__centry_release(best_e);
        if (nreasons == 0)
            err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "no cube can answer this query: no cube is defined over its tables");
        else
            err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "no cube can answer this query: %s", reasons);
        if (nreasons > 0)
            err_hint(err, "Add the missing dimension, measure or join to a cube (CREATE MATERIALIZED VIEW), "
                          "or query the columns it has.");
    } else if (best_e) {
        cube__centry_release(best_e);
    }
    mem_arena_free(scratch);
    return rc;
}

/* ---- the view itself ---- */

/* The grouping sets of the definition's GROUP BY, expanded as PostgreSQL
 * expands them (expand_grouping_sets): items of GROUP BY multiply, CUBE is
 * every subset, ROLLUP every prefix, GROUPING SETS the concatenation of its
 * elements, and a set listed twice yields its rows twice. cube_mv_t's
 * aggregation groups are not enough: they drop an explicit () and do not
 * keep how often a set repeats across groups, so the stored definition is
 * parsed again. kiln's parenthesised product of ROLLUPs inside GROUPING
 * SETS (contrib/ssb/cube.sql) is read as mv.c reads it. */

typedef struct gset {
    uint64_t mask;
    int64_t count;
} gset_t;

typedef struct gsets {
    int n;
    gset_t *v;
} gsets_t;

typedef struct gx {
    const cube_mv_t *mv;
    mem_arena_t *a;
    err_t *err;
} gx_t;

/* More than PostgreSQL's 4096 grouping sets, fewer than would exhaust memory. */
#define VIEW_MAX_SETS (1 << 20)

static int gset_cmp(const void *p, const void *q)
{
    const gset_t *x = p, *y = q;
    return x->mask < y->mask ? -1 : x->mask > y->mask;
}

/* gs_norm - sorted by mask, each mask once with the sum of its counts. */
static gsets_t gs_norm(gsets_t s)
{
    if (s.n < 2)
        return s;
    qsort(s.v, (size_t)s.n, sizeof *s.v, gset_cmp);
    int k = 0;
    for (int i = 0; i < s.n; i++) {
        if (k > 0 && s.v[k - 1].mask == s.v[i].mask)
            s.v[k - 1].count += s.v[i].count;
        else
            s.v[k++] = s.v[i];
    }
    s.n = k;
    return s;
}

static int gs_too_many(gx_t *x)
{
    return err_set(x->err, ERRCODE_PROGRAM_LIMIT_EXCEEDED, "materialized view \"%s\" has more than %d grouping sets",
                   x->mv->name, VIEW_MAX_SETS);
}

static int gs_one(gx_t *x, uint64_t mask, gsets_t *out)
{
    out->v = MEM_NEW(x->a, gset_t);
    out->v[0] = (gset_t){ mask, 1 };
    out->n = 1;
    return 0;
}

static int gs_product(gx_t *x, gsets_t l, gsets_t r, gsets_t *out)
{
    if ((int64_t)l.n * r.n > VIEW_MAX_SETS)
        return gs_too_many(x);
    gsets_t s = { 0, MEM_NEW_N(x->a, gset_t, l.n * r.n + 1) };
    for (int i = 0; i < l.n; i++)
        for (int j = 0; j < r.n; j++)
            s.v[s.n++] = (gset_t){ l.v[i].mask | r.v[j].mask, l.v[i].count * r.v[j].count };
    *out = gs_norm(s);
    return 0;
}

static const char *gx_sval(const PgQuery__Node *n)
{
    return n && n->node_case == PG_QUERY__NODE__NODE_STRING ? n->string->sval : NULL;
}

/* gx_mask - the dimensions a grouping column (or a parenthesised row of
 * them) names, resolved as mv.c resolved them at CREATE. */
static int gx_mask(gx_t *x, const PgQuery__Node *n, uint64_t *mask)
{
    if (n->node_case == PG_QUERY__NODE__NODE_ROW_EXPR) {
        for (size_t i = 0; i < n->row_expr->n_args; i++)
            if (gx_mask(x, n->row_expr->args[i], mask) < 0)
                return -1;
        return 0;
    }
    const cube_mv_t *mv = x->mv;
    const PgQuery__ColumnRef *cr = n->node_case == PG_QUERY__NODE__NODE_COLUMN_REF ? n->column_ref : NULL;
    const char *tab = NULL, *col = NULL;
    if (cr && cr->n_fields == 1) {
        col = gx_sval(cr->fields[0]);
    } else if (cr && cr->n_fields >= 2) {
        tab = gx_sval(cr->fields[cr->n_fields - 2]);
        col = gx_sval(cr->fields[cr->n_fields - 1]);
    }
    for (int t = 0; col && t < mv->ntables; t++) {
        if (tab && strcmp(mv->tables[t].alias, tab) != 0)
            continue;
        int c = cube__table_col(&mv->tables[t], col);
        if (c < 0)
            continue;
        for (int d = 0; d < mv->ndims; d++)
            if (mv->dims[d].ref.table == t && mv->dims[d].ref.col == c) {
                *mask |= 1ull << d;
                return 0;
            }
    }
    return err_set(x->err, ERRCODE_INTERNAL_ERROR, "a grouping column of materialized view \"%s\" is no longer one of its "
                   "dimensions", mv->name);
}

/* gx_rollup / gx_cube - ROLLUP (e1, ..., en): every prefix; CUBE: every subset. */
static int gx_rollup(gx_t *x, PgQuery__Node *const *c, size_t n, gsets_t *out)
{
    gsets_t s = { 0, MEM_NEW_N(x->a, gset_t, n + 1) };
    uint64_t m = 0;
    s.v[s.n++] = (gset_t){ 0, 1 };
    for (size_t i = 0; i < n; i++) {
        if (gx_mask(x, c[i], &m) < 0)
            return -1;
        s.v[s.n++] = (gset_t){ m, 1 };
    }
    *out = gs_norm(s);
    return 0;
}

static int gx_cube(gx_t *x, PgQuery__Node *const *c, size_t n, gsets_t *out)
{
    if (n >= 20)
        return gs_too_many(x);
    uint64_t el[20];
    for (size_t i = 0; i < n; i++) {
        el[i] = 0;
        if (gx_mask(x, c[i], &el[i]) < 0)
            return -1;
    }
    gsets_t s = { 0, MEM_NEW_N(x->a, gset_t, (1 << n) + 1) };
    for (uint32_t b = 0; b < (1u << n); b++) {
        uint64_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (b & (1u << i))
                m |= el[i];
        s.v[s.n++] = (gset_t){ m, 1 };
    }
    *out = gs_norm(s);
    return 0;
}

static int gx_item(gx_t *x, const PgQuery__Node *n, gsets_t *out)
{
    if (n->node_case == PG_QUERY__NODE__NODE_ROW_EXPR) {
        /* (a, b) is one set of both; (ROLLUP (a, b), c) kiln's product (mv.c) */
        gsets_t acc;
        gs_one(x, 0, &acc);
        for (size_t i = 0; i < n->row_expr->n_args; i++) {
            gsets_t it;
            if (gx_item(x, n->row_expr->args[i], &it) < 0 || gs_product(x, acc, it, &acc) < 0)
                return -1;
        }
        *out = acc;
        return 0;
    }
    if (n->node_case == PG_QUERY__NODE__NODE_FUNC_CALL && n->func_call->n_funcname == 1) {
        const char *f = gx_sval(n->func_call->funcname[0]);
        if (f && strcmp(f, "rollup") == 0)
            return gx_rollup(x, n->func_call->args, n->func_call->n_args, out);
        if (f && strcmp(f, "cube") == 0)
            return gx_cube(x, n->func_call->args, n->func_call->n_args, out);
    }
    if (n->node_case != PG_QUERY__NODE__NODE_GROUPING_SET) {
        uint64_t m = 0;
        return gx_mask(x, n, &m) < 0 ? -1 : gs_one(x, m, out);
    }
    const PgQuery__GroupingSet *gs = n->grouping_set;
    switch (gs->kind) {
    case PG_QUERY__GROUPING_SET_KIND__GROUPING_SET_EMPTY:
        return gs_one(x, 0, out);
    case PG_QUERY__GROUPING_SET_KIND__GROUPING_SET_SIMPLE: {
        uint64_t m = 0;
        for (size_t i = 0; i < gs->n_content; i++)
            if (gx_mask(x, gs->content[i], &m) < 0)
                return -1;
        return gs_one(x, m, out);
    }
    case PG_QUERY__GROUPING_SET_KIND__GROUPING_SET_ROLLUP:
        return gx_rollup(x, gs->content, gs->n_content, out);
    case PG_QUERY__GROUPING_SET_KIND__GROUPING_SET_CUBE:
        return gx_cube(x, gs->content, gs->n_content, out);
    case PG_QUERY__GROUPING_SET_KIND__GROUPING_SET_SETS: {
        gsets_t *parts = MEM_NEW_N(x->a, gsets_t, gs->n_content + 1);
        int64_t total = 0;
        for (size_t i = 0; i < gs->n_content; i++) {
            if (gx_item(x, gs->content[i], &parts[i]) < 0)
                return -1;
            total += parts[i].n;
        }
        if (total > VIEW_MAX_SETS)
            return gs_too_many(x);
        gsets_t s = { 0, MEM_NEW_N(x->a, gset_t, total + 1) };
        for (size_t i = 0; i < gs->n_content; i++)
            for (int k = 0; k < parts[i].n; k++)
                s.v[s.n++] = parts[i].v[k];
        *out = gs_norm(s);
        return 0;
    }
    default:
        return err_set(x->err, ERRCODE_INTERNAL_ERROR, "unsupported grouping set in materialized view \"%s\"",
                       x->mv->name);
    }
}

/* view_sets - the grouping sets of mv's stored definition, in a. */
static int view_sets(const cube_mv_t *mv, mem_arena_t *a, gsets_t *out, err_t *err)
{
    gx_t x = { mv, a, err };
    PgQueryProtobufParseResult r = pg_query_parse_protobuf(mv->definition ? mv->definition : "");
    if (r.error) {
        err_set(err, ERRCODE_INTERNAL_ERROR, "the stored definition of materialized view \"%s\" does not parse: %s",
                mv->name, r.error->message);
        pg_query_free_protobuf_parse_result(r);
        return -1;
    }
    PgQuery__ParseResult *pr = pg_query__parse_result__unpack(NULL, r.parse_tree.len, (const uint8_t *)r.parse_tree.data);
    pg_query_free_protobuf_parse_result(r);
    /* the statement text may hold other statements (one simple Query message): this view's */
    const PgQuery__SelectStmt *sel = cube__mv_def_select(pr, mv->name);
    int rc = 0;
    gsets_t acc;
    gs_one(&x, 0, &acc);
    if (!sel)
        rc = err_set(err, ERRCODE_INTERNAL_ERROR, "the stored definition of materialized view \"%s\" is not its "
                     "CREATE MATERIALIZED VIEW statement", mv->name);
    for (size_t i = 0; rc == 0 && i < sel->n_group_clause; i++) {
        gsets_t it;
        if (gx_item(&x, sel->group_clause[i], &it) < 0 || gs_product(&x, acc, it, &acc) < 0)
            rc = -1;
    }
    if (rc == 0 && sel->group_distinct) /* GROUP BY DISTINCT: each set once */
        for (int i = 0; i < acc.n; i++)
            acc.v[i].count = 1;
    if (pr)
        pg_query__parse_result__free_unpacked(pr, NULL);
    *out = acc;
    return rc;
}

/* centry_vsets - e's grouping sets, expanded on first use. */
static int centry_vsets(cube_matcher_t *m, cube_centry_t *e, err_t *err)
{
    pthread_mutex_lock(&m->mu);
    bool have = e->vmask != NULL;
    pthread_mutex_unlock(&m->mu);
    if (have)
        return 0;
    mem_arena_t *a = mem_arena_new(NULL, "view grouping sets", 0);
    gsets_t s;
    if (view_sets(e->mv, a, &s, err) < 0) {
        mem_arena_free(a);
        return -1;
    }
    uint64_t *mask = mem_malloc(sizeof *mask * (size_t)(s.n + 1));
    int64_t *count = mem_malloc(sizeof *count * (size_t)(s.n + 1));
    for (int i = 0; i < s.n; i++) {
        mask[i] = s.v[i].mask;
        count[i] = s.v[i].count;
    }
    mem_arena_free(a);
    pthread_mutex_lock(&m->mu);
    if (!e->vmask) {
        e->vmask = mask;
        e->vcount = count;
        e->nvsets = s.n;
        mask = NULL;
        count = NULL;
    }
    pthread_mutex_unlock(&m->mu);
    mem_free(mask);
    mem_free(count);
    return 0;
}

static cube_q_fn_t view_fn(cube_mv_fn_t fn)
{
    switch (fn) {
    case CUBE_MV_SUM: return CUBE_Q_SUM;
    case CUBE_MV_COUNT: return CUBE_Q_COUNT;
    case CUBE_MV_MIN: return CUBE_Q_MIN;
    case CUBE_MV_MAX: return CUBE_Q_MAX;
    case CUBE_MV_AVG: return CUBE_Q_AVG;
    }
    return 0;
}

static cube_q_col_t view_qcol(const cube_mv_t *mv, cube_mv_ref_t r)
{
    if (r.table < 0)
        return (cube_q_col_t){ -1, NULL };
    return (cube_q_col_t){ r.table, mv->tables[r.table].cols[r.col].name };
}

int cube_view_plan(cube_matcher_t *m, const meta_catalog_t *cat, const meta_cube_t *cube, mem_arena_t *a,
                   cube_view_t **out, err_t *err)
{
    *out = NULL;
    const meta_segment_t *seg = ready_segment(cat, cube->h.id);
    if (!seg) {
        /* PostgreSQL's words for a view created WITH NO DATA */
        err_set(err, ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE, "materialized view \"%s\" has not been populated",
                cube->name);
        err_hint(err, "Use the REFRESH MATERIALIZED VIEW command.");
        return -1;
    }
    cube_centry_t *e;
    if (centry_get(m, cat, cube, seg, &e, err) < 0)
        return -1;
    mem_arena_on_free(a, release_cb, e);
    if (centry_vsets(m, e, err) < 0)
        return -1;
    const cube_mv_t *mv = e->mv;
    /* The view's rows are one aggregate query per grouping set over the
     * model itself: its tables and joins, the set's columns, the view's
     * visible measures as the aggregates the definition wrote. */
    cube_q_table_t *tabs = MEM_NEW_N(a, cube_q_table_t, mv->ntables + 1);
    cube_q_join_t *joins = MEM_NEW_N(a, cube_q_join_t, mv->ntables + 1);
    for (int t = 0; t < mv->ntables; t++) {
        const cube_mv_table_t *mt = &mv->tables[t];
        tabs[t] = (cube_q_table_t){ mt->schema, mt->name };
        if (t == 0)
            continue;
        const char **lc = MEM_NEW_N(a, const char *, mt->nkeys + 1);
        const char **rc = MEM_NEW_N(a, const char *, mt->nkeys + 1);
        for (int k = 0; k < mt->nkeys; k++) {
            lc[k] = mv->tables[mt->parent].cols[mt->fk[k]].name;
            rc[k] = mt->cols[mt->pk[k]].name;
        }
        joins[t - 1] = (cube_q_join_t){ mt->parent, t, mt->left, mt->nkeys, lc, rc };
    }
    cube_view_t *v = MEM_NEW(a, cube_view_t);
    v->e = e;
    v->a = a;
    v->name = mv->name;
    v->out = mv->columns;
    v->ncols = mv->ncolumns;
    v->cols = MEM_NEW_N(a, cube_plan_col_t, v->ncols + 1);
    cube_q_agg_t *aggs = MEM_NEW_N(a, cube_q_agg_t, v->ncols + 1);
    int *agg_of_col = MEM_NEW_N(a, int, v->ncols + 1);
    int naggs = 0;
    for (int i = 0; i < v->ncols; i++) {
        const cube_mv_output_t *o = &mv->columns[i];
        if (o->is_dim) {
            const cube_mv_dim_t *d = &mv->dims[o->index];
            v->cols[i] = (cube_plan_col_t){ d->name, d->type, d->typmod };
            agg_of_col[i] = -1;
            continue;
        }
        const cube_mv_measure_t *ms = &mv->measures[o->index];
        v->cols[i] = (cube_plan_col_t){ ms->name, ms->result_type, -1 };
        cube_q_term_t *terms = MEM_NEW_N(a, cube_q_term_t, ms->nterms + 1);
        for (int k = 0; k < ms->nterms; k++)
            terms[k] = (cube_q_term_t){ ms->terms[k].coef, view_qcol(mv, ms->terms[k].a), view_qcol(mv, ms->terms[k].b) };
        aggs[naggs] = (cube_q_agg_t){ view_fn(ms->fn), ms->star, false, ms->nterms, terms };
        agg_of_col[i] = naggs++;
    }
    v->nsets = e->nvsets;
    v->sets = MEM_NEW_N(a, cube_vset_t, v->nsets + 1);
    for (int s = 0; s < v->nsets; s++) {
        cube_vset_t *vs = &v->sets[s];
        vs->mask = e->vmask[s];
        vs->count = e->vcount[s];
        cube_q_col_t *group = MEM_NEW_N(a, cube_q_col_t, mv->ndims + 1);
        int gpos[CUBE_MAX_DIMS], ng = 0;
        for (int d = 0; d < mv->ndims; d++)
            if (vs->mask & (1ull << d)) {
                gpos[d] = ng;
                group[ng++] = view_qcol(mv, mv->dims[d].ref);
            }
        cube_query_t *q = MEM_NEW(a, cube_query_t);
        *q = (cube_query_t){ mv->ntables, tabs, mv->ntables - 1, joins, ng, group, NULL, naggs, aggs, false };
        mctx_t c;
        mctx_init(&c, q, e, a);
        c.filter_implied = true;
        if (try_cube(&c, &vs->plan) <= 0)
            return err_set(err, ERRCODE_INTERNAL_ERROR, "materialized view \"%s\": a grouping set cannot be read from "
                           "its cube: %s", mv->name, c.why ? c.why : "?");
        vs->plan->e = e;
        vs->colmap = MEM_NEW_N(a, int, v->ncols + 1);
        for (int i = 0; i < v->ncols; i++) {
            const cube_mv_output_t *o = &mv->columns[i];
            if (o->is_dim)
                vs->colmap[i] = vs->mask & (1ull << o->index) ? gpos[o->index] : -1;
            else
                vs->colmap[i] = ng + agg_of_col[i];
            /* the derivation's type is the one \d shows, or the view would lie about its rows */
            if (vs->colmap[i] >= 0 && vs->plan->cols[vs->colmap[i]].type != v->cols[i].type)
                return err_set(err, ERRCODE_INTERNAL_ERROR, "materialized view \"%s\": column %s is %u in the cube "
                               "and %u in the view", mv->name, v->cols[i].name,
                               (unsigned)vs->plan->cols[vs->colmap[i]].type, (unsigned)v->cols[i].type);
        }
    }
    *out = v;
    return 0;
}

int cube_view_columns(const cube_view_t *v, const cube_plan_col_t **cols)
{
    *cols = v->cols;
    return v->ncols;
}

/* view_restrict_leaf - what leaf l, a conjunct of the query's WHERE over
 * view dimension d, says about each grouping set: a set without d shows
 * NULL there, so only IS NULL can hold; a set with d keeps the rows whose
 * codes satisfy l (a filter of its cuboid scan: d is one of its group
 * columns, so dropping rows before the rollup drops whole groups); IS NULL
 * over a dimension whose values are never NULL removes the set. */
static void view_restrict_leaf(cube_view_t *v, const cube_q_pred_t *l, int d)
{
    cube_centry_t *e = v->e;
    const stor_dict_t *dict = stor_segment_dict(e->seg, d);
    for (int s = 0; s < v->nsets; s++) {
        cube_vset_t *vs = &v->sets[s];
        if (vs->skip)
            continue;
        if (!(vs->mask & (1ull << d))) {
            if (l->op == CUBE_Q_EXPR || l->op == CUBE_Q_NOT_EXPR) {
                /* the set's rows hold NULL there: the condition decides,
                 * or (an error) the executor's filter does */
                value_t nv = value_null();
                err_t err = { 0 };
                int rc = l->eval(l->eval_arg, &nv, NULL, 0, v->a, &err);
                vs->skip = rc >= 0 && rc != (l->op == CUBE_Q_EXPR ? 1 : 0);
                continue;
            }
            vs->skip = l->op != CUBE_Q_IS_NULL;
            continue;
        }
        if (l->op == CUBE_Q_IS_NOT_NULL && stor_dict_null_code(dict) == STOR_CODE_NONE)
            continue; /* every row passes */
        mctx_t c;
        mctx_init(&c, NULL, e, v->a);
        npred_t n = { .op = l->op, .dim = d, .type = l->type, .nvals = l->nvals, .vals = l->vals,
                      .eval = l->eval, .eval_arg = l->eval_arg, .text = l->text };
        rset_t r;
        if (leaf_codes(&c, &n, &r) <= 0)
            continue; /* a value of another type: the executor's filter decides */
        cube_plan_t *p = vs->plan;
        int f = 0;
        while (f < p->nfilters && p->filters[f].dim != d)
            f++;
        if (f < p->nfilters)
            r = rs_and(v->a, (rset_t){ (int)p->filters[f].n, (stor_code_range_t *)p->filters[f].ranges }, r);
        else
            p->nfilters++;
        p->filters[f] = (stor_filter_t){ d, (uint32_t)r.n, r.r };
        if (r.n == 0) {
            vs->skip = true;
            continue;
        }
        p->filter_text = "";
        for (int k = 0; k < p->nfilters; k++)
            p->filter_text = mem_asprintf(v->a, "%s%s%s in [%s]", p->filter_text, k ? " AND " : "",
                                          e->mv->dims[p->filters[k].dim].name,
                                          ranges_text(v->a, stor_segment_dict(e->seg, p->filters[k].dim),
                                                      (int)p->filters[k].n, p->filters[k].ranges));
    }
}

int cube_view_restrict(cube_view_t *v, const cube_q_pred_t *w)
{
    if (w && w->op == CUBE_Q_AND) {
        for (int i = 0; i < w->nargs; i++)
            cube_view_restrict(v, w->args[i]);
    } else if (w && w->op != CUBE_Q_OR && w->op != CUBE_Q_NOT && w->col.column && !w->params) {
        /* (a leaf reading execution values says nothing yet: every set stays) */
        for (int i = 0; i < v->ncols; i++)
            if (v->out[i].is_dim && strcmp(v->cols[i].name, w->col.column) == 0) {
                view_restrict_leaf(v, w, v->out[i].index);
                break;
            }
    }
    int left = 0;
    for (int s = 0; s < v->nsets; s++)
        left += !v->sets[s].skip;
    return left;
}
