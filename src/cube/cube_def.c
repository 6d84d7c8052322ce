/*
 * cube_def.c - cube definitions: dimensions, measures, aggregation groups,
 * cuboid enumeration with Kylin's pruning rules, and cuboid choice.
 *
 * Enumeration walks each group's choices as a mixed-radix counter (one digit
 * per hierarchy with len + 1 values, one bit per joint and per normal
 * dimension), so a group yields exactly the formula's count; the count is
 * checked against the limit before anything is enumerated. The union over
 * groups is deduplicated through an open-addressing set of ids.
 */
#include "cube/cube.h"

#include <stdlib.h>
#include <string.h>

#include "common/mem.h"

typedef struct group {
    uint64_t mandatory;
    int nhier;
    uint64_t *hier;  /* per hierarchy: prefix masks, hier_len[h] + 1 of them */
    int *hier_len;
    int njoint;
    uint64_t *joint;
    int nnormal;
    int *normal;
    uint64_t used;   /* every dimension with a role in this group */
    int64_t combos;
} group_t;

typedef struct dim {
    char *name, *source;
    type_oid_t type;
} dim_t;

struct cube_def {
    mem_arena_t *arena;
    char *name;
    int ndims;
    dim_t dims[CUBE_MAX_DIMS];
    int rowkey[CUBE_MAX_DIMS];
    bool rowkey_set;
    int nmeasures, cap_measures;
    cube_measure_spec_t *measures;
    stor_measure_schema_t *mschema;
    stor_dim_schema_t dschema[CUBE_MAX_DIMS];
    int ngroups, cap_groups;
    group_t *groups;
    bool finalized;
    int ncuboids;
    uint64_t *cuboids;
    /* id -> index: open addressing, ids are never 0 except the empty cuboid,
     * which is stored as a flag */
    uint64_t *set_keys;
    int *set_vals;
    uint64_t set_mask;
    int empty_index;
};

cube_def_t *cube_def_new(const char *name)
{
    mem_arena_t *a = mem_arena_new(NULL, "cube_def", 0);
    cube_def_t *def = MEM_NEW(a, cube_def_t);
    def->arena = a;
    def->name = mem_astrdup(a, name);
    def->empty_index = -1;
    return def;
}

void cube_def_free(cube_def_t *def)
{
    if (def)
        mem_arena_free(def->arena);
}

const char *cube_def_name(const cube_def_t *def) { return def->name; }
int cube_def_ndims(const cube_def_t *def) { return def->ndims; }
const char *cube_def_dim_name(const cube_def_t *def, int d) { return def->dims[d].name; }
const char *cube_def_dim_source(const cube_def_t *def, int d) { return def->dims[d].source; }
type_oid_t cube_def_dim_type(const cube_def_t *def, int d) { return def->dims[d].type; }
int cube_def_nmeasures(const cube_def_t *def) { return def->nmeasures; }
const cube_measure_spec_t *cube_def_measure(const cube_def_t *def, int m) { return &def->measures[m]; }
const int *cube_def_rowkey(const cube_def_t *def) { return def->rowkey; }
int cube_def_ngroups(const cube_def_t *def) { return def->ngroups; }
int64_t cube_def_group_combinations(const cube_def_t *def, int g) { return def->groups[g].combos; }
int cube_def_ncuboids(const cube_def_t *def) { return def->ncuboids; }
uint64_t cube_def_cuboid(const cube_def_t *def, int i) { return def->cuboids[i]; }

uint64_t cube_def_base_cuboid(const cube_def_t *def)
{
    return def->ndims == 64 ? ~0ULL : (1ULL << def->ndims) - 1;
}

int cube_def_dim_index(const cube_def_t *def, const char *name)
{
    for (int d = 0; d < def->ndims; d++)
        if (!strcmp(def->dims[d].name, name))
            return d;
    return -1;
}

static bool is_float_type(type_oid_t t)
{
    return t == TYPE_FLOAT4 || t == TYPE_FLOAT8 || t == TYPE_NUMERIC;
}

stor_kind_t cube_def_measure_kind(const cube_def_t *def, int m)
{
    const cube_measure_spec_t *s = &def->measures[m];
    if (s->agg == CUBE_AGG_COUNT)
        return STOR_KIND_INT;
    return is_float_type(s->input_type) ? STOR_KIND_FLOAT : STOR_KIND_INT;
}

int cube_def_add_dim(cube_def_t *def, const char *name, const char *source_column, type_oid_t type,
                     err_t *err)
{
    if (def->finalized)
        return err_set(err, ERRCODE_INTERNAL_ERROR, "cube \"%s\" is already finalized", def->name);
    if (def->ndims == CUBE_MAX_DIMS)
        return err_set(err, ERRCODE_TOO_MANY_COLUMNS, "cube \"%s\" has more than %d dimensions",
                       def->name, CUBE_MAX_DIMS);
    if (cube_def_dim_index(def, name) >= 0)
        return err_set(err, ERRCODE_DUPLICATE_COLUMN, "dimension \"%s\" appears twice in cube \"%s\"",
                       name, def->name);
    if (!stor_kind_of_type(type)) {
        err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED,
                "dimension \"%s\" of cube \"%s\" has a type (OID %u) a cube cannot store",
                name, def->name, (unsigned)type);
        err_hint(err, "Cast it to text, an integer type, a float type or date.");
        return -1;
    }
    int d = def->ndims++;
    def->dims[d].name = mem_astrdup(def->arena, name);
    def->dims[d].source = mem_astrdup(def->arena, source_column ? source_column : name);
    def->dims[d].type = type;
    def->rowkey[d] = d;
    return d;
}

int cube_def_add_measure(cube_def_t *def, const cube_measure_spec_t *spec, err_t *err)
{
    if (def->finalized)
        return err_set(err, ERRCODE_INTERNAL_ERROR, "cube \"%s\" is already finalized", def->name);
    if (spec->agg < CUBE_AGG_SUM || spec->agg > CUBE_AGG_MAX)
        return err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "measure \"%s\": unsupported aggregate", spec->name);
    if (!spec->expr && spec->agg != CUBE_AGG_COUNT)
        return err_set(err, ERRCODE_INVALID_OBJECT_DEFINITION, "measure \"%s\" has no argument", spec->name);
    for (int m = 0; m < def->nmeasures; m++)
        if (!strcmp(def->measures[m].name, spec->name))
            return err_set(err, ERRCODE_DUPLICATE_COLUMN, "measure \"%s\" appears twice in cube \"%s\"",
                           spec->name, def->name);
    if (spec->agg != CUBE_AGG_COUNT && spec->input_type != TYPE_NUMERIC &&
        stor_kind_of_type(spec->input_type) != STOR_KIND_INT &&
        stor_kind_of_type(spec->input_type) != STOR_KIND_FLOAT) {
        return err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED,
                       "measure \"%s\" aggregates a type (OID %u) that is not numeric; cubes store numeric measures only",
                       spec->name, (unsigned)spec->input_type);
    }
    if (def->nmeasures == def->cap_measures) {
        int ncap = def->cap_measures ? 2 * def->cap_measures : 8;
        cube_measure_spec_t *nm = MEM_NEW_N(def->arena, cube_measure_spec_t, ncap);
        if (def->nmeasures)
            memcpy(nm, def->measures, sizeof *nm * def->nmeasures);
        def->measures = nm;
        def->cap_measures = ncap;
    }
    cube_measure_spec_t *m = &def->measures[def->nmeasures];
    *m = *spec;
    m->name = mem_astrdup(def->arena, spec->name);
    m->expr = spec->expr ? mem_astrdup(def->arena, spec->expr) : NULL;
    if (spec->nterms > 0) {
        cube_term_t *t = MEM_NEW_N(def->arena, cube_term_t, spec->nterms);
        for (int i = 0; i < spec->nterms; i++) {
            t[i].coef = spec->terms[i].coef;
            t[i].column = mem_astrdup(def->arena, spec->terms[i].column);
            t[i].column2 = spec->terms[i].column2 ? mem_astrdup(def->arena, spec->terms[i].column2) : NULL;
        }
        m->terms = t;
    }
    return def->nmeasures++;
}

int cube_def_find_measure(const cube_def_t *def, cube_agg_t agg, const char *expr)
{
    for (int m = 0; m < def->nmeasures; m++) {
        const cube_measure_spec_t *s = &def->measures[m];
        if (s->agg != agg)
            continue;
        if (!expr ? !s->expr : (s->expr && !strcmp(s->expr, expr)))
            return m;
    }
    return -1;
}

int cube_def_add_group(cube_def_t *def)
{
    if (def->ngroups == def->cap_groups) {
        int ncap = def->cap_groups ? 2 * def->cap_groups : 4;
        group_t *ng = MEM_NEW_N(def->arena, group_t, ncap);
        if (def->ngroups)
            memcpy(ng, def->groups, sizeof *ng * def->ngroups);
        def->groups = ng;
        def->cap_groups = ncap;
    }
    return def->ngroups++;
}

static int claim(cube_def_t *def, int g, int dim, err_t *err)
{
    if (def->finalized)
        return err_set(err, ERRCODE_INTERNAL_ERROR, "cube \"%s\" is already finalized", def->name);
    if (g < 0 || g >= def->ngroups)
        return err_set(err, ERRCODE_INTERNAL_ERROR, "no aggregation group %d", g);
    if (dim < 0 || dim >= def->ndims)
        return err_set(err, ERRCODE_INTERNAL_ERROR, "no dimension %d", dim);
    group_t *gr = &def->groups[g];
    if (gr->used >> dim & 1)
        return err_set(err, ERRCODE_INVALID_OBJECT_DEFINITION,
                       "dimension \"%s\" appears twice in aggregation group %d of cube \"%s\"",
                       def->dims[dim].name, g + 1, def->name);
    gr->used |= 1ULL << dim;
    return 0;
}

int cube_group_add_mandatory(cube_def_t *def, int g, int dim, err_t *err)
{
    if (claim(def, g, dim, err) < 0)
        return -1;
    def->groups[g].mandatory |= 1ULL << dim;
    return 0;
}

int cube_group_add_normal(cube_def_t *def, int g, int dim, err_t *err)
{
    if (claim(def, g, dim, err) < 0)
        return -1;
    group_t *gr = &def->groups[g];
    int *nn = MEM_NEW_N(def->arena, int, gr->nnormal + 1);
    if (gr->nnormal)
        memcpy(nn, gr->normal, sizeof *nn * gr->nnormal);
    nn[gr->nnormal++] = dim;
    gr->normal = nn;
    return 0;
}

int cube_group_add_hierarchy(cube_def_t *def, int g, const int *dims, int n, err_t *err)
{
    if (n < 1)
        return err_set(err, ERRCODE_INVALID_OBJECT_DEFINITION, "empty hierarchy in cube \"%s\"", def->name);
    for (int i = 0; i < n; i++)
        if (claim(def, g, dims[i], err) < 0)
            return -1;
    group_t *gr = &def->groups[g];
    uint64_t *nh = MEM_NEW_N(def->arena, uint64_t, (size_t)(gr->nhier + 1) * (CUBE_MAX_DIMS + 1));
    int *nl = MEM_NEW_N(def->arena, int, gr->nhier + 1);
    if (gr->nhier) {
        memcpy(nh, gr->hier, sizeof *nh * (size_t)gr->nhier * (CUBE_MAX_DIMS + 1));
        memcpy(nl, gr->hier_len, sizeof *nl * gr->nhier);
    }
    uint64_t *pref = nh + (size_t)gr->nhier * (CUBE_MAX_DIMS + 1), m = 0;
    pref[0] = 0;
    for (int i = 0; i < n; i++) {
        m |= 1ULL << dims[i];
        pref[i + 1] = m;
    }
    nl[gr->nhier++] = n;
    gr->hier = nh;
    gr->hier_len = nl;
    return 0;
}

int cube_group_add_joint(cube_def_t *def, int g, const int *dims, int n, err_t *err)
{
    if (n < 1)
        return err_set(err, ERRCODE_INVALID_OBJECT_DEFINITION, "empty joint in cube \"%s\"", def->name);
    uint64_t m = 0;
    for (int i = 0; i < n; i++) {
        if (claim(def, g, dims[i], err) < 0)
            return -1;
        m |= 1ULL << dims[i];
    }
    group_t *gr = &def->groups[g];
    uint64_t *nj = MEM_NEW_N(def->arena, uint64_t, gr->njoint + 1);
    if (gr->njoint)
        memcpy(nj, gr->joint, sizeof *nj * gr->njoint);
    nj[gr->njoint++] = m;
    gr->joint = nj;
    return 0;
}

int cube_def_set_rowkey(cube_def_t *def, const int *order, int n, err_t *err)
{
    uint64_t seen = 0;
    if (n != def->ndims)
        return err_set(err, ERRCODE_INVALID_OBJECT_DEFINITION,
                       "rowkey order of cube \"%s\" names %d dimensions, the cube has %d", def->name, n, def->ndims);
    for (int i = 0; i < n; i++) {
        if (order[i] < 0 || order[i] >= def->ndims || (seen >> order[i] & 1))
            return err_set(err, ERRCODE_INVALID_OBJECT_DEFINITION,
                           "rowkey order of cube \"%s\" is not a permutation of its dimensions", def->name);
        seen |= 1ULL << order[i];
    }
    memcpy(def->rowkey, order, sizeof *order * n);
    def->rowkey_set = true;
    return 0;
}

/* ---- cuboid set ---- */

static inline uint64_t mix(uint64_t x)
{
    x ^= x >> 31;
    x *= 0x7fb5d329728ea185ULL;
    x ^= x >> 27;
    return x;
}

/* set_add - adds id; returns true when it was new. Keys 0 mark empty slots,
 * so the empty cuboid is tracked by a flag. */
static bool set_add(cube_def_t *def, uint64_t id, uint64_t *keys, uint64_t mask, bool *has_empty)
{
    if (id == 0) {
        bool was = *has_empty;
        *has_empty = true;
        return !was;
    }
    uint64_t h = mix(id) & mask;
    while (keys[h]) {
        if (keys[h] == id)
            return false;
        h = (h + 1) & mask;
    }
    keys[h] = id;
    return true;
}

static int cmp_cuboid(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    int px = __builtin_popcountll(x), py = __builtin_popcountll(y);
    if (px != py)
        return px > py ? -1 : 1;
    return x > y ? -1 : x < y;
}

int cube_def_finalize(cube_def_t *def, int64_t max_combination, err_t *err)
{
    if (def->finalized)
        return 0;
    if (max_combination <= 0)
        max_combination = CUBE_DEFAULT_MAX_COMBINATION;
    if (def->ndims == 0)
        return err_set(err, ERRCODE_INVALID_OBJECT_DEFINITION, "cube \"%s\" has no dimensions", def->name);
    /* Count first: the formula, saturating, so an over-limit group is
     * reported without enumerating it. */
    int64_t total = 1;
    for (int g = 0; g < def->ngroups; g++) {
        group_t *gr = &def->groups[g];
        double c = 1;
        for (int h = 0; h < gr->nhier; h++)
            c *= gr->hier_len[h] + 1;
        for (int j = 0; j < gr->njoint + gr->nnormal; j++)
            c *= 2;
        gr->combos = c > (double)INT64_MAX / 2 ? INT64_MAX / 2 : (int64_t)c;
        if (gr->combos > max_combination) {
            err_set(err, ERRCODE_PROGRAM_LIMIT_EXCEEDED,
                    "aggregation group %d of cube \"%s\" has %lld cuboids, more than kylin.cube.aggrgroup.max-combination (%lld)",
                    g + 1, def->name, (long long)gr->combos, (long long)max_combination);
            err_detail(err, "The group has %d hierarchies, %d joints and %d normal dimensions; each normal dimension doubles the count.",
                       gr->nhier, gr->njoint, gr->nnormal);
            err_hint(err, "Group dimensions that are always queried together as a joint, "
                          "dimensions that form a drill path as ROLLUP, or split the group.");
            return -1;
        }
        total += gr->combos;
    }
    uint64_t slots = 16;
    while (slots < (uint64_t)total * 2)
        slots *= 2;
    uint64_t *keys = mem_calloc(slots, sizeof *keys);
    uint64_t mask = slots - 1;
    uint64_t *list = mem_malloc((size_t)total * sizeof *list);
    int n = 0;
    bool has_empty = false;
    uint64_t base = cube_def_base_cuboid(def);
    set_add(def, base, keys, mask, &has_empty);
    list[n++] = base;
    for (int g = 0; g < def->ngroups; g++) {
        group_t *gr = &def->groups[g];
        int digits = gr->nhier + gr->njoint + gr->nnormal;
        int radix[3 * CUBE_MAX_DIMS], dig[3 * CUBE_MAX_DIMS];
        for (int i = 0; i < digits; i++) {
            radix[i] = i < gr->nhier ? gr->hier_len[i] + 1 : 2;
            dig[i] = 0;
        }
        for (;;) {
            uint64_t id = gr->mandatory;
            for (int i = 0; i < digits; i++) {
                if (i < gr->nhier)
                    id |= gr->hier[(size_t)i * (CUBE_MAX_DIMS + 1) + dig[i]];
                else if (i < gr->nhier + gr->njoint)
                    id |= dig[i] ? gr->joint[i - gr->nhier] : 0;
                else
                    id |= dig[i] ? 1ULL << gr->normal[i - gr->nhier - gr->njoint] : 0;
            }
            if (set_add(def, id, keys, mask, &has_empty))
                list[n++] = id;
            int i = 0;
            while (i < digits && ++dig[i] == radix[i])
                dig[i++] = 0;
            if (i == digits)
                break;
        }
    }
    qsort(list, (size_t)n, sizeof *list, cmp_cuboid);
    def->ncuboids = n;
    def->cuboids = MEM_NEW_N(def->arena, uint64_t, n);
    memcpy(def->cuboids, list, sizeof *list * (size_t)n);
    /* index map */
    def->set_keys = MEM_NEW_N(def->arena, uint64_t, slots);
    def->set_vals = MEM_NEW_N(def->arena, int, slots);
    def->set_mask = mask;
    for (int i = 0; i < n; i++) {
        uint64_t id = def->cuboids[i];
        if (id == 0) {
            def->empty_index = i;
            continue;
        }
        uint64_t h = mix(id) & mask;
        while (def->set_keys[h])
            h = (h + 1) & mask;
        def->set_keys[h] = id;
        def->set_vals[h] = i;
    }
    mem_free(keys);
    mem_free(list);
    for (int d = 0; d < def->ndims; d++) {
        def->dschema[d].name = def->dims[d].name;
        def->dschema[d].type = def->dims[d].type;
    }
    def->mschema = MEM_NEW_N(def->arena, stor_measure_schema_t, def->nmeasures + 1);
    for (int m = 0; m < def->nmeasures; m++) {
        const cube_measure_spec_t *s = &def->measures[m];
        stor_measure_schema_t *ms = &def->mschema[m];
        ms->name = s->name;
        ms->agg = (stor_agg_t)s->agg;
        ms->kind = cube_def_measure_kind(def, m);
        ms->type = s->agg == CUBE_AGG_COUNT ? TYPE_INT8
                   : ms->kind == STOR_KIND_FLOAT ? TYPE_FLOAT8
                   : s->agg == CUBE_AGG_SUM ? TYPE_INT8 : s->input_type;
    }
    def->finalized = true;
    return 0;
}

int cube_def_cuboid_index(const cube_def_t *def, uint64_t id)
{
    if (!def->finalized)
        return -1;
    if (id == 0)
        return def->empty_index;
    uint64_t h = mix(id) & def->set_mask;
    while (def->set_keys[h]) {
        if (def->set_keys[h] == id)
            return def->set_vals[h];
        h = (h + 1) & def->set_mask;
    }
    return -1;
}

int cube_def_dims_mask(const cube_def_t *def, const char *const *names, int n, uint64_t *mask,
                       err_t *err)
{
    uint64_t m = 0;
    for (int i = 0; i < n; i++) {
        int d = cube_def_dim_index(def, names[i]);
        if (d < 0) {
            err_set(err, ERRCODE_UNDEFINED_COLUMN, "column \"%s\" is not a dimension of cube \"%s\"",
                    names[i], def->name);
            for (int k = 0; k < def->nmeasures; k++)
                if (def->measures[k].expr && strstr(def->measures[k].expr, names[i])) {
                    err_detail(err, "It is only aggregated by measure \"%s\"; a query may aggregate it but not group or filter by it.",
                               def->measures[k].name);
                    break;
                }
            err_hint(err, "Add it to the cube's GROUP BY to query by it.");
            return -1;
        }
        m |= 1ULL << d;
    }
    *mask = m;
    return 0;
}

int cube_def_pick_cuboid(const cube_def_t *def, uint64_t needed, const int64_t *rows, err_t *err)
{
    if (!def->finalized)
        return err_set(err, ERRCODE_INTERNAL_ERROR, "cube \"%s\" is not finalized", def->name);
    uint64_t outside = needed & ~cube_def_base_cuboid(def);
    if (outside)
        return err_set(err, ERRCODE_UNDEFINED_COLUMN, "dimension %d is not in cube \"%s\"",
                       __builtin_ctzll(outside), def->name);
    int best = -1;
    int64_t best_rows = 0;
    int best_dims = 0;
    for (int i = 0; i < def->ncuboids; i++) {
        uint64_t id = def->cuboids[i];
        if ((id & needed) != needed)
            continue;
        int nd = __builtin_popcountll(id);
        int64_t r = rows && rows[i] >= 0 ? rows[i] : -1;
        bool better;
        if (best < 0)
            better = true;
        else if (r >= 0 && best_rows >= 0)
            better = r < best_rows || (r == best_rows && nd < best_dims);
        else if (r >= 0 || best_rows >= 0)
            better = r >= 0; /* a recorded size beats an unknown one */
        else
            better = nd < best_dims;
        if (better) {
            best = i;
            best_rows = r;
            best_dims = nd;
        }
    }
    return best; /* the base cuboid covers every mask inside it */
}

void cube_def_schema(const cube_def_t *def, stor_schema_t *out)
{
    out->ndims = def->ndims;
    out->dims = def->dschema;
    out->nmeasures = def->nmeasures;
    out->measures = def->mschema;
    out->rowkey = def->rowkey;
}

int cube_def_hierarchy_pairs(const cube_def_t *def, int (*pairs)[2], int max)
{
    int n = 0;
    for (int g = 0; g < def->ngroups; g++) {
        const group_t *gr = &def->groups[g];
        for (int h = 0; h < gr->nhier; h++) {
            const uint64_t *pref = gr->hier + (size_t)h * (CUBE_MAX_DIMS + 1);
            for (int l = 1; l < gr->hier_len[h]; l++) {
                int parent = __builtin_ctzll(pref[l] & ~pref[l - 1]);
                int child = __builtin_ctzll(pref[l + 1] & ~pref[l]);
                bool dup = false;
                for (int i = 0; i < n && i < max; i++)
                    dup |= pairs[i][0] == child && pairs[i][1] == parent;
                if (dup)
                    continue;
                if (n < max) {
                    pairs[n][0] = child;
                    pairs[n][1] = parent;
                }
                n++;
            }
        }
    }
    return n;
}
