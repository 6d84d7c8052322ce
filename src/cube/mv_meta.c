/*
 * mv_meta.c - a materialized-view cube in the metastore: CREATE writes the
 * model and the cube in one transaction, DROP deletes them with their
 * segment rows and then the segment directories, loading turns the rows
 * back into a cube_mv_t, and the view's column list for \d.
 *
 * Stored form (meta.h entities):
 *   model   name = the cube's name; tables in join order (fact first,
 *           lookups with "inner"/"left"); one join row per key column,
 *           fk "parent_alias.column", pk "alias.column".
 *   cube    dimensions (name, alias, column); measures in order, the view's
 *           aggregates then the hidden ones kiln adds (names starting "__"),
 *           function sum/count/min/max/avg, argument as canonical SQL text
 *           over alias.column; aggregation members (mandatory, hierarchy,
 *           joint, include = normal); options: the WITH options, plus
 *           kiln.columns (select-list order: "d0 m1 ..."), kiln.rowkey
 *           (the dimension names in sort order) and, for a cube with a
 *           model filter, kiln.filter (its canonical text; the filter
 *           itself is read again from the definition's WHERE at load and
 *           must give this text).
 */
#include "cube/mv.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pg_query.h>
#include <pg_query/pg_query.pb-c.h>

#include "common/log.h"
#include "mv_int.h"
#include "storage/segment.h"

/* ---- create ---- */

typedef struct create_arg {
    cube_mv_t *mv;
    bool if_not_exists;
    bool skipped;
} create_arg_t;

static const char *join_type(const cube_mv_table_t *t)
{
    return t->parent < 0 ? NULL : t->left ? "left" : "inner";
}

static int name_taken(meta_tx_t *tx, const cube_mv_t *mv, bool *taken, err_t *err)
{
    mem_arena_t *a = meta_tx_arena(tx);
    meta_kind_t kinds[2] = { META_CUBE, META_TABLE };
    *taken = false;
    for (int k = 0; k < 2; k++) {
        void *obj = NULL;
        int rc = meta_find(tx, kinds[k], mv->schema_id, mv->name, a, &obj, err);
        if (rc == META_OK) {
            *taken = true;
            return 0;
        }
        if (rc != META_NOT_FOUND)
            return rc;
        err_clear(err);
    }
    return 0;
}

static int create_tx(meta_tx_t *tx, void *arg, err_t *err)
{
    create_arg_t *ca = arg;
    cube_mv_t *mv = ca->mv;
    mem_arena_t *a = meta_tx_arena(tx);
    bool taken;
    int rc = name_taken(tx, mv, &taken, err);
    if (rc)
        return rc;
    ca->skipped = false;
    if (taken) {
        if (ca->if_not_exists) {
            ca->skipped = true;
            return 0;
        }
        return err_set(err, ERRCODE_DUPLICATE_TABLE, "relation \"%s\" already exists", mv->name);
    }
    meta_model_t m = { 0 };
    m.schema_id = mv->schema_id;
    m.name = mv->name;
    m.fact_table_id = mv->tables[0].table_id;
    m.partition_column = meta_option_get(mv->options, (size_t)mv->noptions, "partition_column");
    m.ntables = (size_t)mv->ntables;
    m.tables = MEM_NEW_N(a, meta_model_table_t, mv->ntables);
    int njoins = 0;
    for (int t = 0; t < mv->ntables; t++) {
        const cube_mv_table_t *tt = &mv->tables[t];
        m.tables[t] = (meta_model_table_t){ tt->alias, tt->table_id, t == 0 ? "fact" : "lookup", join_type(tt) };
        njoins += tt->nkeys;
    }
    m.joins = MEM_NEW_N(a, meta_join_cond_t, njoins + 1);
    for (int t = 1; t < mv->ntables; t++) {
        const cube_mv_table_t *tt = &mv->tables[t];
        for (int k = 0; k < tt->nkeys; k++)
            m.joins[m.njoins++] = (meta_join_cond_t){
                tt->alias,
                mem_asprintf(a, "%s.%s", mv->tables[tt->parent].alias, mv->tables[tt->parent].cols[tt->fk[k]].name),
                mem_asprintf(a, "%s.%s", tt->alias, tt->cols[tt->pk[k]].name),
            };
    }
    rc = meta_put(tx, META_MODEL, &m, err);
    if (rc)
        return rc;

    meta_cube_t c = { 0 };
    c.schema_id = mv->schema_id;
    c.name = mv->name;
    c.model_id = m.h.id;
    c.status = "disabled";
    c.definition = mv->definition;
    c.ndims = (size_t)mv->ndims;
    c.dims = MEM_NEW_N(a, meta_dimension_t, mv->ndims + 1);
    for (int d = 0; d < mv->ndims; d++) {
        const cube_mv_dim_t *dm = &mv->dims[d];
        c.dims[d] = (meta_dimension_t){ dm->name, mv->tables[dm->ref.table].alias,
                                        mv->tables[dm->ref.table].cols[dm->ref.col].name };
    }
    c.nmeasures = (size_t)mv->nmeasures;
    c.measures = MEM_NEW_N(a, meta_measure_t, mv->nmeasures + 1);
    for (int i = 0; i < mv->nmeasures; i++) {
        const cube_mv_measure_t *ms = &mv->measures[i];
        const type_info_t *ti = type_lookup(ms->result_type);
        c.measures[i] = (meta_measure_t){ ms->name, cube__mv_fn_name(ms->fn), ms->star ? NULL : ms->arg,
                                          ti ? ti->name : "bigint" };
    }
    size_t nagg = 0;
    for (int g = 0; g < mv->ngroups; g++) {
        const cube_mv_group_t *gr = &mv->groups[g];
        nagg += (size_t)(gr->nmand + gr->nnormal);
        for (int h = 0; h < gr->nhier; h++)
            nagg += (size_t)gr->hier_len[h];
        for (int j = 0; j < gr->njoint; j++)
            nagg += (size_t)gr->joint_len[j];
    }
    c.aggs = MEM_NEW_N(a, meta_agg_member_t, nagg + 1);
    for (int g = 0; g < mv->ngroups; g++) {
        const cube_mv_group_t *gr = &mv->groups[g];
        for (int i = 0; i < gr->nmand; i++)
            c.aggs[c.naggs++] = (meta_agg_member_t){ g, "mandatory", 0, mv->dims[gr->mand[i]].name };
        for (int h = 0; h < gr->nhier; h++)
            for (int i = 0; i < gr->hier_len[h]; i++)
                c.aggs[c.naggs++] = (meta_agg_member_t){ g, "hierarchy", h, mv->dims[gr->hier[h][i]].name };
        for (int j = 0; j < gr->njoint; j++)
            for (int i = 0; i < gr->joint_len[j]; i++)
                c.aggs[c.naggs++] = (meta_agg_member_t){ g, "joint", j, mv->dims[gr->joint[j][i]].name };
        for (int i = 0; i < gr->nnormal; i++)
            c.aggs[c.naggs++] = (meta_agg_member_t){ g, "include", 0, mv->dims[gr->normal[i]].name };
    }
    c.options = MEM_NEW_N(a, meta_option_t, mv->noptions + 3);
    for (int i = 0; i < mv->noptions; i++)
        if (strcmp(mv->options[i].name, "rowkey") != 0)
            c.options[c.noptions++] = mv->options[i];
    const char *cols = "";
    for (int i = 0; i < mv->ncolumns; i++)
        cols = mem_asprintf(a, "%s%s%c%d", cols, i ? " " : "", mv->columns[i].is_dim ? 'd' : 'm', mv->columns[i].index);
    c.options[c.noptions++] = (meta_option_t){ "kiln.columns", cols };
    const char *rk = "";
    for (int i = 0; i < mv->ndims; i++)
        rk = mem_asprintf(a, "%s%s%s", rk, i ? "," : "", mv->dims[mv->rowkey[i]].name);
    c.options[c.noptions++] = (meta_option_t){ "kiln.rowkey", rk };
    /* the filter is re-read from the definition's WHERE at load; its text
     * here says there is one and what it must be (every node loads it) */
    if (mv->filter_text)
        c.options[c.noptions++] = (meta_option_t){ "kiln.filter", mv->filter_text };
    rc = meta_put(tx, META_CUBE, &c, err);
    if (rc)
        return rc;
    mv->cube_id = c.h.id;
    mv->model_id = m.h.id;
    return 0;
}

int cube_mv_create(meta_store_t *s, const struct PgQuery__CreateTableAsStmt *stmt, const char *sql,
                   const cube_mv_opts_t *opts, bool *skipped, err_t *err)
{
    if (skipped)
        *skipped = false;
    const meta_catalog_t *cat = meta_catalog_acquire(s);
    cube_mv_t *mv = NULL;
    int rc = cube_mv_analyze(cat, stmt, sql, opts, &mv, err);
    meta_catalog_release(cat);
    if (rc < 0)
        return -1;
    create_arg_t ca = { mv, stmt->if_not_exists, false };
    rc = meta_run(s, 0, create_tx, &ca, err);
    cube_mv_free(mv);
    if (rc != META_OK)
        return -1;
    if (skipped)
        *skipped = ca.skipped;
    if (meta_catalog_refresh(s, false, err) != META_OK)
        return -1;
    return 0;
}

int cube_mv_create_sql(meta_store_t *s, const char *sql, const cube_mv_opts_t *opts, err_t *err)
{
    PgQuery__CreateTableAsStmt *ctas;
    PgQuery__ParseResult *pr = cube__parse_ctas(sql, opts, &ctas, err);
    int rc = ctas ? cube_mv_create(s, ctas, sql, opts, NULL, err) : -1;
    if (pr)
        pg_query__parse_result__free_unpacked(pr, NULL);
    return rc;
}

/* ---- drop ---- */

typedef struct drop_arg {
    const char *schema, *name;
    bool missing_ok, skipped;
    mem_arena_t *keep;   /* where the segment paths survive the transaction */
    int npaths;
    const char **paths;
    const char *cube_dir;
} drop_arg_t;

static int drop_tx(meta_tx_t *tx, void *arg, err_t *err)
{
    drop_arg_t *da = arg;
    mem_arena_t *a = meta_tx_arena(tx);
    da->skipped = false;
    da->npaths = 0;
    meta_schema_t *sc = NULL;
    int rc = meta_find(tx, META_SCHEMA, 0, da->schema, a, &sc, err);
    meta_cube_t *c = NULL;
    if (rc == META_OK)
        rc = meta_find(tx, META_CUBE, sc->h.id, da->name, a, &c, err);
    if (rc == META_NOT_FOUND) {
        err_clear(err);
        if (da->missing_ok) {
            da->skipped = true;
            return 0;
        }
        return err_set(err, ERRCODE_UNDEFINED_TABLE, "materialized view \"%s\" does not exist", da->name);
    }
    if (rc)
        return rc;
    meta_segment_t *segs = NULL;
    size_t nsegs = 0;
    rc = meta_list(tx, META_SEGMENT, c->h.id, a, &segs, &nsegs, err);
    if (rc)
        return rc;
    da->paths = MEM_NEW_N(da->keep, const char *, nsegs + 1);
    for (size_t i = 0; i < nsegs; i++) {
        if (segs[i].storage_path && *segs[i].storage_path)
            da->paths[da->npaths++] = mem_astrdup(da->keep, segs[i].storage_path);
        rc = meta_delete(tx, META_SEGMENT, segs[i].h.id, 0, err);
        if (rc)
            return rc;
    }
    da->cube_dir = mem_asprintf(da->keep, "%s-%lld", c->name, (long long)c->h.id);
    rc = meta_delete(tx, META_CUBE, c->h.id, 0, err);
    if (rc)
        return rc;
    rc = meta_delete(tx, META_MODEL, c->model_id, 0, err);
    if (rc == META_NOT_FOUND) {
        err_clear(err);
        rc = 0;
    }
    return rc;
}

int cube_mv_drop(meta_store_t *s, const char *schema, const char *name, bool missing_ok, const cube_mv_opts_t *opts,
                 bool *skipped, err_t *err)
{
    if (skipped)
        *skipped = false;
    mem_arena_t *keep = mem_arena_new(NULL, "cube_mv_drop", 0);
    drop_arg_t da = { schema ? schema : "public", name, missing_ok, false, keep, 0, NULL, NULL };
    int rc = meta_run(s, 0, drop_tx, &da, err);
    if (rc != META_OK) {
        mem_arena_free(keep);
        return -1;
    }
    if (skipped)
        *skipped = da.skipped;
    /* storage after the commit: a crash here leaves unreferenced directories
     * (garbage), never metadata pointing at missing files */
    if (!da.skipped && opts && opts->storage_root && *opts->storage_root) {
        for (int i = 0; i < da.npaths; i++) {
            const char *p = da.paths[i][0] == '/' ? da.paths[i]
                                                  : mem_asprintf(keep, "%s/%s", opts->storage_root, da.paths[i]);
            err_t e2 = { 0 };
            struct stat st;
            if (stat(p, &st) == 0)
                (void)stor_segment_remove(p, &e2);
        }
        const char *dir = mem_asprintf(keep, "%s/%s", opts->storage_root, da.cube_dir);
        (void)stor_cleanup_tmp(dir);
        (void)rmdir(dir);
    }
    mem_arena_free(keep);
    return meta_catalog_refresh(s, false, err) == META_OK ? 0 : -1;
}

/* cube_dir_id - the cube id of a directory named "<view>-<id>", else 0. */
static int64_t cube_dir_id(const char *name)
{
    const char *dash = strrchr(name, '-');
    if (!dash || dash == name || !dash[1] || strlen(dash + 1) > 18)
        return 0;
    int64_t id = 0;
    for (const char *p = dash + 1; *p; p++) {
        if (*p < '0' || *p > '9')
            return 0;
        id = id * 10 + (*p - '0');
    }
    return id;
}

int cube_mv_sweep(meta_store_t *s, const char *storage_root, err_t *err)
{
    if (!storage_root || !*storage_root)
        return 0;
    /* 1. the cube directories there now */
    DIR *d = opendir(storage_root);
    if (!d)
        return 0;
    mem_arena_t *a = mem_arena_new(NULL, "cube sweep", 0);
    struct cdir {
        const char *name;
        int64_t id;
    } *cd = NULL;
    int n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        int64_t id = cube_dir_id(e->d_name);
        if (id <= 0 || strstr(e->d_name, ".tmp-"))
            continue;
        cd = mem_agrow(a, cd, n, &cap, sizeof *cd);
        cd[n].name = mem_astrdup(a, e->d_name);
        cd[n++].id = id;
    }
    closedir(d);
    /* 2. then the metastore: every cube that had a directory in 1 is in it
     * unless it was dropped */
    int removed = 0;
    if (n > 0 && meta_catalog_refresh(s, false, err) != META_OK) {
        mem_arena_free(a);
        return -1;
    }
    const meta_catalog_t *cat = n > 0 ? meta_catalog_acquire(s) : NULL;
    for (int i = 0; i < n; i++) {
        if (meta_catalog_cube_by_id(cat, cd[i].id))
            continue;
        const char *dir = mem_asprintf(a, "%s/%s", storage_root, cd[i].name);
        DIR *sd = opendir(dir);
        if (!sd)
            continue;
        while ((e = readdir(sd)) != NULL) {
            if (e->d_name[0] == '.' || strstr(e->d_name, ".tmp-"))
                continue;
            err_t e2 = { 0 };
            (void)stor_segment_remove(mem_asprintf(a, "%s/%s", dir, e->d_name), &e2);
        }
        closedir(sd);
        (void)stor_cleanup_tmp(dir);
        if (rmdir(dir) == 0) {
            removed++;
            log_info("storage: removed %s (materialized view %lld was dropped)", dir, (long long)cd[i].id);
        }
    }
    if (cat)
        meta_catalog_release(cat);
    mem_arena_free(a);
    return removed;
}

/* ---- load ---- */

static int alias_index(const cube_mv_t *mv, const char *alias)
{
    for (int t = 0; t < mv->ntables; t++)
        if (strcmp(mv->tables[t].alias, alias) == 0)
            return t;
    return -1;
}

/* split_ref - "alias.column" into a model column (aliases are matched
 * whole, so an alias containing a dot still resolves). */
static int split_ref(const cube_mv_t *mv, const char *s, cube_mv_ref_t *out)
{
    for (int t = 0; t < mv->ntables; t++) {
        size_t n = strlen(mv->tables[t].alias);
        if (strncmp(s, mv->tables[t].alias, n) == 0 && s[n] == '.') {
            int c = cube__table_col(&mv->tables[t], s + n + 1);
            if (c >= 0) {
                *out = (cube_mv_ref_t){ t, c };
                return 0;
            }
        }
    }
    return -1;
}

static int broken(err_t *err, const cube_mv_t *mv, const char *what)
{
    err_set(err, ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE, "cube \"%s\" no longer matches its tables: %s", mv->name, what);
    err_hint(err, "Drop and create the materialized view again.");
    return -1;
}

static cube_mv_fn_t fn_of(const char *s)
{
    if (!s)
        return 0;
    if (strcmp(s, "sum") == 0) return CUBE_MV_SUM;
    if (strcmp(s, "count") == 0) return CUBE_MV_COUNT;
    if (strcmp(s, "min") == 0) return CUBE_MV_MIN;
    if (strcmp(s, "max") == 0) return CUBE_MV_MAX;
    if (strcmp(s, "avg") == 0) return CUBE_MV_AVG;
    return 0;
}

int cube_mv_load(const meta_catalog_t *cat, const meta_cube_t *cube, cube_mv_t **out, err_t *err)
{
    *out = NULL;
    const meta_schema_t *sc = meta_catalog_schema_by_id(cat, cube->schema_id);
    cube_mv_t *mv = cube__mv_new(sc ? sc->name : "public", cube->name);
    mem_arena_t *a = mv->arena;
    mv->schema_id = cube->schema_id;
    mv->cube_id = cube->h.id;
    mv->cube_version = cube->h.version;
    mv->model_id = cube->model_id;
    mv->definition = cube->definition ? mem_astrdup(a, cube->definition) : "";
    const meta_model_t *model = meta_catalog_model_by_id(cat, cube->model_id);
    if (!model) {
        err_set(err, ERRCODE_DATA_CORRUPTED, "model of cube \"%s\" is missing", cube->name);
        goto fail;
    }
    mv->ntables = (int)model->ntables;
    mv->tables = MEM_NEW_N(a, cube_mv_table_t, mv->ntables + 1);
    for (int t = 0; t < mv->ntables; t++) {
        const meta_model_table_t *mt = &model->tables[t];
        const meta_table_t *tab = meta_catalog_table_by_id(cat, mt->table_id);
        if (!tab) {
            broken(err, mv, mem_asprintf(a, "table of \"%s\" was dropped", mt->alias));
            goto fail;
        }
        cube_mv_table_t *tt = &mv->tables[t];
        cube__load_table(a, cat, tab, tt);
        tt->alias = mem_astrdup(a, mt->alias);
        tt->parent = -1;
        tt->left = mt->join_type && strcmp(mt->join_type, "left") == 0;
    }
    for (size_t j = 0; j < model->njoins; j++) {
        const meta_join_cond_t *jc = &model->joins[j];
        int t = alias_index(mv, jc->alias);
        cube_mv_ref_t fk, pk;
        if (t <= 0 || split_ref(mv, jc->fk_column, &fk) < 0 || split_ref(mv, jc->pk_column, &pk) < 0 || pk.table != t ||
            mv->tables[t].nkeys >= CUBE_MV_MAX_KEYS) {
            broken(err, mv, mem_asprintf(a, "join %s = %s", jc->fk_column, jc->pk_column));
            goto fail;
        }
        cube_mv_table_t *tt = &mv->tables[t];
        tt->parent = fk.table;
        tt->fk[tt->nkeys] = fk.col;
        tt->pk[tt->nkeys] = pk.col;
        tt->nkeys++;
    }
    for (int t = 1; t < mv->ntables; t++) {
        if (mv->tables[t].parent < 0 || mv->tables[t].parent >= t) {
            broken(err, mv, mem_asprintf(a, "lookup \"%s\" has no join", mv->tables[t].alias));
            goto fail;
        }
        mv->tables[t].nullable = mv->tables[t].left || mv->tables[mv->tables[t].parent].nullable;
    }
    mv->ndims = (int)cube->ndims;
    mv->dims = MEM_NEW_N(a, cube_mv_dim_t, mv->ndims + 1);
    for (int d = 0; d < mv->ndims; d++) {
        const meta_dimension_t *md = &cube->dims[d];
        int t = alias_index(mv, md->table_alias);
        int c = t >= 0 ? cube__table_col(&mv->tables[t], md->column) : -1;
        if (c < 0) {
            broken(err, mv, mem_asprintf(a, "column %s.%s of dimension \"%s\" is gone", md->table_alias, md->column, md->name));
            goto fail;
        }
        mv->dims[d] = (cube_mv_dim_t){ mem_astrdup(a, md->name), { t, c }, mv->tables[t].cols[c].type,
                                       mv->tables[t].cols[c].typmod };
    }
    mv->measures = MEM_NEW_N(a, cube_mv_measure_t, 3 * cube->nmeasures + 4);
    for (size_t i = 0; i < cube->nmeasures; i++) {
        const meta_measure_t *mm = &cube->measures[i];
        cube_mv_measure_t *m = &mv->measures[mv->nmeasures];
        memset(m, 0, sizeof *m);
        m->fn = fn_of(mm->function);
        m->name = mem_astrdup(a, mm->name);
        m->hidden = strncmp(mm->name, "__", 2) == 0;
        m->location = -1;
        m->cube_measure = m->sum_m = m->count_m = -1;
        if (!m->fn) {
            broken(err, mv, mem_asprintf(a, "unknown measure function %s", mm->function ? mm->function : "NULL"));
            goto fail;
        }
        if (!mm->argument) {
            m->star = true;
        } else if (cube__mv_parse_arg(mv, mm->argument, m, err) < 0) {
            goto fail;
        }
        mv->nmeasures++;
    }
    const char *cols = meta_option_get(cube->options, cube->noptions, "kiln.columns");
    mv->columns = MEM_NEW_N(a, cube_mv_output_t, mv->ndims + mv->nmeasures + 1);
    for (const char *p = cols ? cols : ""; *p;) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        char kind = *p++;
        char *end;
        long idx = strtol(p, &end, 10);
        p = end;
        if ((kind == 'd' && idx >= 0 && idx < mv->ndims) || (kind == 'm' && idx >= 0 && idx < mv->nmeasures))
            mv->columns[mv->ncolumns++] = (cube_mv_output_t){ kind == 'd', (int)idx };
    }
    /* groups */
    int ngroups = 0;
    for (size_t i = 0; i < cube->naggs; i++)
        if (cube->aggs[i].group_no + 1 > ngroups)
            ngroups = cube->aggs[i].group_no + 1;
    mv->groups = MEM_NEW_N(a, cube_mv_group_t, ngroups + 1);
    mv->ngroups = ngroups;
    for (int g = 0; g < ngroups; g++) {
        cube_mv_group_t *gr = &mv->groups[g];
        size_t cap = cube->naggs + 1;
        gr->mand = MEM_NEW_N(a, int, cap);
        gr->normal = MEM_NEW_N(a, int, cap);
        gr->hier_len = MEM_NEW_N(a, int, cap);
        gr->hier = MEM_NEW_N(a, int *, cap);
        gr->joint_len = MEM_NEW_N(a, int, cap);
        gr->joint = MEM_NEW_N(a, int *, cap);
        for (size_t i = 0; i < cube->naggs; i++) {
            const meta_agg_member_t *am = &cube->aggs[i];
            if (am->group_no != g)
                continue;
            int d = -1;
            for (int k = 0; k < mv->ndims; k++)
                if (strcmp(mv->dims[k].name, am->dimension) == 0)
                    d = k;
            if (d < 0 || am->set_no < 0 || (size_t)am->set_no >= cap) {
                broken(err, mv, mem_asprintf(a, "aggregation member %s", am->dimension));
                goto fail;
            }
            if (strcmp(am->role, "mandatory") == 0) {
                gr->mand[gr->nmand++] = d;
            } else if (strcmp(am->role, "include") == 0) {
                gr->normal[gr->nnormal++] = d;
            } else if (strcmp(am->role, "hierarchy") == 0 || strcmp(am->role, "joint") == 0) {
                bool h = am->role[0] == 'h';
                int *len = h ? gr->hier_len : gr->joint_len;
                int **sets = h ? gr->hier : gr->joint;
                int *nsets = h ? &gr->nhier : &gr->njoint;
                if (!sets[am->set_no])
                    sets[am->set_no] = MEM_NEW_N(a, int, cap);
                sets[am->set_no][len[am->set_no]++] = d;
                if (am->set_no + 1 > *nsets)
                    *nsets = am->set_no + 1;
            }
        }
    }
    mv->options = MEM_NEW_N(a, meta_option_t, cube->noptions + 1);
    for (size_t i = 0; i < cube->noptions; i++)
        if (strncmp(cube->options[i].name, "kiln.", 5) != 0)
            mv->options[mv->noptions++] =
                (meta_option_t){ mem_astrdup(a, cube->options[i].name),
                                 cube->options[i].value ? mem_astrdup(a, cube->options[i].value) : NULL };
    const char *rk = meta_option_get(cube->options, cube->noptions, "kiln.rowkey");
    int n = 0;
    for (const char *p = rk ? rk : ""; *p && n < mv->ndims;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        for (int k = 0; k < mv->ndims; k++)
            if (strlen(mv->dims[k].name) == len && strncmp(mv->dims[k].name, p, len) == 0)
                mv->rowkey[n++] = k;
        p += len;
        if (*p == ',')
            p++;
    }
    const char *filter = meta_option_get(cube->options, cube->noptions, "kiln.filter");
    if (filter && cube__mv_load_filter(mv, filter, err) < 0)
        goto fail;
    /* the limit was enforced at CREATE; a stored cube always loads */
    if (cube__mv_finish(mv, INT64_MAX / 4, n > 0, err) < 0)
        goto fail;
    *out = mv;
    return 0;
fail:
    cube_mv_free(mv);
    return -1;
}

/* ---- columns ---- */

int cube_mv_describe(mem_arena_t *a, const cube_mv_t *mv, cube_mv_column_t **cols, int *n)
{
    cube_mv_column_t *out = MEM_NEW_N(a, cube_mv_column_t, mv->ncolumns + 1);
    for (int i = 0; i < mv->ncolumns; i++) {
        const cube_mv_output_t *o = &mv->columns[i];
        cube_mv_column_t *c = &out[i];
        if (o->is_dim) {
            const cube_mv_dim_t *d = &mv->dims[o->index];
            c->name = mem_astrdup(a, d->name);
            c->type = d->type;
            c->typmod = d->typmod;
            c->is_dimension = true;
            c->expression = mem_astrdup(a, cube__mv_ref_text(mv, a, d->ref));
        } else {
            const cube_mv_measure_t *m = &mv->measures[o->index];
            c->name = mem_astrdup(a, m->name);
            c->type = m->result_type;
            c->typmod = -1;
            c->expression = mem_asprintf(a, "%s(%s)", cube__mv_fn_name(m->fn), m->star ? "*" : m->arg);
        }
        c->type_name = cube__mv_type_name(a, c->type, c->typmod);
    }
    *cols = out;
    *n = mv->ncolumns;
    return 0;
}

int cube_mv_columns(mem_arena_t *a, const meta_catalog_t *cat, const meta_cube_t *cube, cube_mv_column_t **cols, int *n,
                    err_t *err)
{
    cube_mv_t *mv;
    *cols = NULL;
    *n = 0;
    if (cube_mv_load(cat, cube, &mv, err) < 0)
        return -1;
    int rc = cube_mv_describe(a, mv, cols, n);
    cube_mv_free(mv);
    return rc;
}
