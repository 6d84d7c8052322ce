/*
 * mv_def.c - from an analyzed materialized view (mv.c) or its stored rows
 * (mv_meta.c) to the cube_def_t the build and the scans use: hidden
 * measures (the count beside a nullable sum, sum and count behind avg),
 * PostgreSQL result types, the default rowkey order, finalization
 * (cuboid enumeration, the max-combination check), and the cell encoding
 * of min/max measures over timestamps.
 */
#include "cube/mv.h"

#include <stdint.h>
#include <string.h>

#include "mv_int.h"

cube_mv_t *cube__mv_new(const char *schema, const char *name)
{
    mem_arena_t *a = mem_arena_new(NULL, "cube_mv", 0);
    cube_mv_t *mv = MEM_NEW(a, cube_mv_t);
    mv->arena = a;
    mv->schema = mem_astrdup(a, schema);
    mv->name = mem_astrdup(a, name);
    for (int i = 0; i < CUBE_MAX_DIMS; i++)
        mv->rowkey[i] = -1;
    return mv;
}

void cube_mv_free(cube_mv_t *mv)
{
    if (!mv)
        return;
    cube_def_free(mv->def);
    mem_arena_free(mv->arena);
}

const cube_def_t *cube_mv_def(const cube_mv_t *mv) { return mv->def; }
const char *cube_mv_name(const cube_mv_t *mv) { return mv->name; }
const char *cube_mv_fact_table(const cube_mv_t *mv) { return mv->tables[0].name; }
int cube_mv_nlookups(const cube_mv_t *mv) { return mv->ntables - 1; }

static type_oid_t result_type(const cube_mv_measure_t *m)
{
    return cube__result_type(m->fn, m->arg_type);
}

type_oid_t cube__result_type(cube_mv_fn_t fn, type_oid_t arg_type)
{
    struct {
        cube_mv_fn_t fn;
        type_oid_t arg_type;
    } mm = { fn, arg_type }, *m = &mm;
    switch (m->fn) {
    case CUBE_MV_COUNT:
        return TYPE_INT8;
    case CUBE_MV_MIN:
    case CUBE_MV_MAX:
        return m->arg_type;
    case CUBE_MV_AVG:
        return (m->arg_type == TYPE_FLOAT4 || m->arg_type == TYPE_FLOAT8) ? TYPE_FLOAT8 : TYPE_NUMERIC;
    case CUBE_MV_SUM:
        switch (m->arg_type) {
        case TYPE_INT2:
        case TYPE_INT4: return TYPE_INT8;
        case TYPE_INT8:
        case TYPE_NUMERIC: return TYPE_NUMERIC;
        case TYPE_FLOAT4: return TYPE_FLOAT4;
        default: return TYPE_FLOAT8;
        }
    }
    return TYPE_INT8;
}

/* find_measure - a stored (non-avg) measure with this function and argument. */
static int find_measure(const cube_mv_t *mv, cube_mv_fn_t fn, bool star, const cube_mv_term_t *t, int n)
{
    for (int i = 0; i < mv->nmeasures; i++) {
        const cube_mv_measure_t *m = &mv->measures[i];
        if (m->fn != fn || m->star != star)
            continue;
        if (star || (m->nterms == n && memcmp(m->terms, t, sizeof *t * (size_t)n) == 0))
            return i;
    }
    return -1;
}

static int add_hidden(cube_mv_t *mv, cube_mv_fn_t fn, bool star, const cube_mv_measure_t *like)
{
    int i = find_measure(mv, fn, star, like ? like->terms : NULL, like ? like->nterms : 0);
    if (i >= 0)
        return i;
    cube_mv_measure_t *m = &mv->measures[mv->nmeasures];
    memset(m, 0, sizeof *m);
    m->fn = fn;
    m->star = star;
    m->hidden = true;
    m->location = -1;
    m->cube_measure = -1;
    m->sum_m = m->count_m = -1;
    if (!star) {
        m->nterms = like->nterms;
        m->terms = like->terms;
        m->arg = like->arg;
        m->arg_type = like->arg_type;
        m->scale = like->scale;
        m->arg_nullable = like->arg_nullable;
    }
    m->name = star ? "__count" : mem_asprintf(mv->arena, "__%s_%s", cube__mv_fn_name(fn), like->name);
    return mv->nmeasures++;
}

/* count_for - the count that tells whether a group's argument had any
 * non-NULL value: count(*) when it cannot be NULL, count(col) for a
 * nullable column; -1 (with err) for a nullable expression. */
static int count_for(cube_mv_t *mv, int mi, err_t *err)
{
    const cube_mv_measure_t *m = &mv->measures[mi];
    if (!m->arg_nullable)
        return add_hidden(mv, CUBE_MV_COUNT, true, NULL);
    if (m->nterms == 1 && m->terms[0].b.table < 0 && m->terms[0].coef == 1)
        return add_hidden(mv, CUBE_MV_COUNT, false, m);
    err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "%s(%s) over columns that may be NULL is not supported as a measure",
            cube__mv_fn_name(m->fn), m->arg);
    err_detail(err, "kiln could not tell a group whose values are all NULL (PostgreSQL answers NULL) from one summing to 0.");
    err_hint(err, "Declare the columns NOT NULL, join their table with INNER JOIN, or aggregate each column separately.");
    return -1;
}

int64_t cube__minmax_cell(type_oid_t t, int64_t v)
{
    if (t != TYPE_TIMESTAMP && t != TYPE_TIMESTAMPTZ)
        return v;
    return v == INT64_MAX ? INT64_MAX - 1 : v == INT64_MIN ? INT64_MIN + 1 : v;
}

int64_t cube__minmax_value(type_oid_t t, int64_t cell)
{
    if (t != TYPE_TIMESTAMP && t != TYPE_TIMESTAMPTZ)
        return cell;
    return cell == INT64_MAX - 1 ? INT64_MAX : cell == INT64_MIN + 1 ? INT64_MIN : cell;
}

static void default_rowkey(cube_mv_t *mv, int from)
{
    bool seen[CUBE_MAX_DIMS] = { false };
    for (int i = 0; i < from; i++)
        seen[mv->rowkey[i]] = true;
    int n = from;
#define PUT(d)                                                                                                         \
    do {                                                                                                               \
        int d_ = (d);                                                                                                  \
        if (!seen[d_]) {                                                                                               \
            seen[d_] = true;                                                                                           \
            mv->rowkey[n++] = d_;                                                                                      \
        }                                                                                                              \
    } while (0)
    /* mandatory dimensions lead: every cuboid of their group has them */
    for (int g = 0; g < mv->ngroups; g++)
        for (int i = 0; i < mv->groups[g].nmand; i++)
            PUT(mv->groups[g].mand[i]);
    /* hierarchy levels, top level of every hierarchy first: the top levels
     * are few values and are what queries filter on, and a child filter
     * seeks on its parents through the build's functional dependencies */
    for (int level = 0; level < CUBE_MAX_DIMS; level++) {
        bool any = false;
        for (int g = 0; g < mv->ngroups; g++)
            for (int h = 0; h < mv->groups[g].nhier; h++)
                if (level < mv->groups[g].hier_len[h]) {
                    PUT(mv->groups[g].hier[h][level]);
                    any = true;
                }
        if (!any)
            break;
    }
    for (int g = 0; g < mv->ngroups; g++)
        for (int j = 0; j < mv->groups[g].njoint; j++)
            for (int i = 0; i < mv->groups[g].joint_len[j]; i++)
                PUT(mv->groups[g].joint[j][i]);
    for (int g = 0; g < mv->ngroups; g++)
        for (int i = 0; i < mv->groups[g].nnormal; i++)
            PUT(mv->groups[g].normal[i]);
    for (int d = 0; d < mv->ndims; d++)
        PUT(d);
#undef PUT
}

int cube__mv_finish(cube_mv_t *mv, int64_t max_combination, bool rowkey_set, err_t *err)
{
    /* hidden measures first, so every cube measure index is final */
    int nuser = mv->nmeasures;
    for (int i = 0; i < nuser; i++) {
        cube_mv_measure_t *m = &mv->measures[i];
        m->result_type = result_type(m);
        if (m->hidden)
            continue;
        if (m->fn == CUBE_MV_AVG) {
            int s = add_hidden(mv, CUBE_MV_SUM, false, m);
            m = &mv->measures[i];
            int c = count_for(mv, s, err);
            if (c < 0)
                return -1;
            m = &mv->measures[i];
            m->sum_m = s;
            m->count_m = c;
        } else if (m->fn == CUBE_MV_SUM && m->arg_nullable) {
            if (count_for(mv, i, err) < 0)
                return -1;
        }
    }
    for (int i = 0; i < mv->nmeasures; i++)
        mv->measures[i].result_type = result_type(&mv->measures[i]);
    if (!rowkey_set) {
        default_rowkey(mv, 0);
    } else {
        int n = 0;
        while (n < mv->ndims && mv->rowkey[n] >= 0)
            n++;
        default_rowkey(mv, n);
    }

    cube_def_t *def = cube_def_new(mv->name);
    mv->def = def;
    for (int d = 0; d < mv->ndims; d++) {
        const cube_mv_dim_t *dm = &mv->dims[d];
        if (cube_def_add_dim(def, dm->name, cube__mv_ref_text(mv, mv->arena, dm->ref), dm->type, err) < 0)
            return -1;
    }
    for (int i = 0; i < mv->nmeasures; i++) {
        cube_mv_measure_t *m = &mv->measures[i];
        if (m->fn == CUBE_MV_AVG)
            continue;
        cube_measure_spec_t sp = { 0 };
        sp.name = m->name;
        sp.agg = m->fn == CUBE_MV_SUM ? CUBE_AGG_SUM
                 : m->fn == CUBE_MV_COUNT ? CUBE_AGG_COUNT
                 : m->fn == CUBE_MV_MIN ? CUBE_AGG_MIN
                                        : CUBE_AGG_MAX;
        sp.expr = m->star ? NULL : m->arg;
        if (!m->star) {
            cube_term_t *t = MEM_NEW_N(mv->arena, cube_term_t, m->nterms);
            for (int k = 0; k < m->nterms; k++) {
                t[k].coef = m->terms[k].coef;
                t[k].column = cube__mv_ref_text(mv, mv->arena, m->terms[k].a);
                t[k].column2 = m->terms[k].b.table >= 0 ? cube__mv_ref_text(mv, mv->arena, m->terms[k].b) : NULL;
            }
            sp.nterms = m->nterms;
            sp.terms = t;
        }
        /* integers and scaled numerics are int64 cells, the rest doubles */
        sp.input_type = m->fn == CUBE_MV_COUNT ? TYPE_INT8 : m->scale >= 0 ? TYPE_INT8 : TYPE_FLOAT8;
        int idx = cube_def_add_measure(def, &sp, err);
        if (idx < 0)
            return -1;
        m->cube_measure = idx;
    }
    for (int g = 0; g < mv->ngroups; g++) {
        const cube_mv_group_t *gr = &mv->groups[g];
        int gi = cube_def_add_group(def);
        for (int i = 0; i < gr->nmand; i++)
            if (cube_group_add_mandatory(def, gi, gr->mand[i], err) < 0)
                return -1;
        for (int h = 0; h < gr->nhier; h++)
            if (cube_group_add_hierarchy(def, gi, gr->hier[h], gr->hier_len[h], err) < 0)
                return -1;
        for (int j = 0; j < gr->njoint; j++)
            if (cube_group_add_joint(def, gi, gr->joint[j], gr->joint_len[j], err) < 0)
                return -1;
        for (int i = 0; i < gr->nnormal; i++)
            if (cube_group_add_normal(def, gi, gr->normal[i], err) < 0)
                return -1;
    }
    if (cube_def_set_rowkey(def, mv->rowkey, mv->ndims, err) < 0)
        return -1;
    return cube_def_finalize(def, max_combination, err);
}
