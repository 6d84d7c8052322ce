/*
 * entity.c - create, read, compare-and-set update, delete and list of
 * metastore entities, for every kind at once, driven by descriptor tables
 * (column name, type, offset into the meta_<kind>_t struct) in the manner of
 * nginx's offsetof command tables.
 *
 * An entity is one row of its table plus child rows (columns, options,
 * joins...) that are rewritten with it. Every change bumps the version and
 * appends one event in the same transaction. SQL is generated from the
 * descriptors and is the same for both backends.
 *
 * Does not: validate meaning (a model's fact table exists, a cube's
 * dimensions are in its model): that is the caller's (src/sql, src/cube).
 *
 * Interface: meta_put, meta_delete, meta_get, meta_find, meta_list,
 * meta_kind_name, meta_option_get.
 */
#include "meta/meta_int.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"

typedef enum ftype { F_I64, F_I32, F_STR, F_BOOL } ftype_t;

typedef struct field {
    const char *col;
    ftype_t t;
    size_t off;
} field_t;

typedef struct child_desc {
    const char *table;
    const field_t *fields;
    int nfields;
    size_t elem;      /* sizeof one element */
    size_t count_off; /* size_t count in the parent struct */
    size_t array_off; /* element pointer in the parent struct */
} child_desc_t;

typedef struct kind_desc {
    const char *name;       /* event entity name */
    const char *table;
    size_t size;
    const field_t *fields;  /* beyond the head */
    int nfields;
    const char *parent_col; /* scope of names and of meta_list's parent; NULL: none */
    const char *name_col;
    const child_desc_t *children;
    int nchildren;
    const char *cascade_table; /* rows of another kind deleted with this one */
    const char *cascade_col;
} kind_desc_t;

#define NF(a) ((int)(sizeof(a) / sizeof((a)[0])))
#define FLD(T, col, t, member) { col, t, offsetof(T, member) }

static const field_t option_fields[] = {
    FLD(meta_option_t, "name", F_STR, name),
    FLD(meta_option_t, "value", F_STR, value),
};

static const field_t schema_fields[] = {
    FLD(meta_schema_t, "name", F_STR, name),
    FLD(meta_schema_t, "owner", F_STR, owner),
};

static const field_t server_fields[] = {
    FLD(meta_server_t, "name", F_STR, name),
    FLD(meta_server_t, "wrapper", F_STR, wrapper),
};
static const child_desc_t server_children[] = {
    { "meta_server_options", option_fields, NF(option_fields), sizeof(meta_option_t),
      offsetof(meta_server_t, noptions), offsetof(meta_server_t, options) },
};

static const field_t table_fields[] = {
    FLD(meta_table_t, "schema_id", F_I64, schema_id),
    FLD(meta_table_t, "name", F_STR, name),
    FLD(meta_table_t, "kind", F_STR, kind),
    FLD(meta_table_t, "server_id", F_I64, server_id),
};
static const field_t column_fields[] = {
    FLD(meta_column_t, "name", F_STR, name),
    FLD(meta_column_t, "type_name", F_STR, type),
    FLD(meta_column_t, "typmod", F_I32, typmod),
    FLD(meta_column_t, "not_null", F_BOOL, not_null),
};
static const child_desc_t table_children[] = {
    { "meta_table_columns", column_fields, NF(column_fields), sizeof(meta_column_t),
      offsetof(meta_table_t, ncolumns), offsetof(meta_table_t, columns) },
    { "meta_table_options", option_fields, NF(option_fields), sizeof(meta_option_t),
      offsetof(meta_table_t, noptions), offsetof(meta_table_t, options) },
};

static const field_t model_fields[] = {
    FLD(meta_model_t, "schema_id", F_I64, schema_id),
    FLD(meta_model_t, "name", F_STR, name),
    FLD(meta_model_t, "fact_table_id", F_I64, fact_table_id),
    FLD(meta_model_t, "partition_column", F_STR, partition_column),
    FLD(meta_model_t, "filter_condition", F_STR, filter),
};
static const field_t model_table_fields[] = {
    FLD(meta_model_table_t, "alias", F_STR, alias),
    FLD(meta_model_table_t, "table_id", F_I64, table_id),
    FLD(meta_model_table_t, "kind", F_STR, kind),
    FLD(meta_model_table_t, "join_type", F_STR, join_type),
};
static const field_t join_fields[] = {
    FLD(meta_join_cond_t, "alias", F_STR, alias),
    FLD(meta_join_cond_t, "fk_column", F_STR, fk_column),
    FLD(meta_join_cond_t, "pk_column", F_STR, pk_column),
};
static const child_desc_t model_children[] = {
    { "meta_model_tables", model_table_fields, NF(model_table_fields), sizeof(meta_model_table_t),
      offsetof(meta_model_t, ntables), offsetof(meta_model_t, tables) },
    { "meta_model_joins", join_fields, NF(join_fields), sizeof(meta_join_cond_t),
      offsetof(meta_model_t, njoins), offsetof(meta_model_t, joins) },
};

static const field_t cube_fields[] = {
    FLD(meta_cube_t, "schema_id", F_I64, schema_id),
    FLD(meta_cube_t, "name", F_STR, name),
    FLD(meta_cube_t, "model_id", F_I64, model_id),
    FLD(meta_cube_t, "status", F_STR, status),
    FLD(meta_cube_t, "definition", F_STR, definition),
};
static const field_t dim_fields[] = {
    FLD(meta_dimension_t, "name", F_STR, name),
    FLD(meta_dimension_t, "table_alias", F_STR, table_alias),
    FLD(meta_dimension_t, "column_name", F_STR, column),
};
static const field_t measure_fields[] = {
    FLD(meta_measure_t, "name", F_STR, name),
    FLD(meta_measure_t, "func", F_STR, function),
    FLD(meta_measure_t, "argument", F_STR, argument),
    FLD(meta_measure_t, "return_type", F_STR, return_type),
};
static const field_t agg_fields[] = {
    FLD(meta_agg_member_t, "group_no", F_I32, group_no),
    FLD(meta_agg_member_t, "role", F_STR, role),
    FLD(meta_agg_member_t, "set_no", F_I32, set_no),
    FLD(meta_agg_member_t, "dimension", F_STR, dimension),
};
static const child_desc_t cube_children[] = {
    { "meta_cube_dimensions", dim_fields, NF(dim_fields), sizeof(meta_dimension_t), offsetof(meta_cube_t, ndims),
      offsetof(meta_cube_t, dims) },
    { "meta_cube_measures", measure_fields, NF(measure_fields), sizeof(meta_measure_t),
      offsetof(meta_cube_t, nmeasures), offsetof(meta_cube_t, measures) },
    { "meta_cube_aggs", agg_fields, NF(agg_fields), sizeof(meta_agg_member_t), offsetof(meta_cube_t, naggs),
      offsetof(meta_cube_t, aggs) },
    { "meta_cube_options", option_fields, NF(option_fields), sizeof(meta_option_t),
      offsetof(meta_cube_t, noptions), offsetof(meta_cube_t, options) },
};

static const field_t segment_fields[] = {
    FLD(meta_segment_t, "cube_id", F_I64, cube_id),
    FLD(meta_segment_t, "name", F_STR, name),
    FLD(meta_segment_t, "range_start", F_I64, range_start),
    FLD(meta_segment_t, "range_end", F_I64, range_end),
    FLD(meta_segment_t, "status", F_STR, status),
    FLD(meta_segment_t, "storage_path", F_STR, storage_path),
    FLD(meta_segment_t, "size_bytes", F_I64, size_bytes),
    FLD(meta_segment_t, "input_rows", F_I64, input_rows),
    FLD(meta_segment_t, "job_id", F_I64, job_id),
    FLD(meta_segment_t, "fencing_token", F_I64, fencing_token),
};

static const field_t job_fields[] = {
    FLD(meta_job_t, "cube_id", F_I64, cube_id),
    FLD(meta_job_t, "name", F_STR, name),
    FLD(meta_job_t, "kind", F_STR, kind),
    FLD(meta_job_t, "segment_id", F_I64, segment_id),
    FLD(meta_job_t, "status", F_STR, status),
    FLD(meta_job_t, "owner_node", F_STR, owner_node),
    FLD(meta_job_t, "fencing_token", F_I64, fencing_token),
    FLD(meta_job_t, "submitter", F_STR, submitter),
    FLD(meta_job_t, "params", F_STR, params),
    FLD(meta_job_t, "error", F_STR, error),
    FLD(meta_job_t, "started", F_I64, started),
    FLD(meta_job_t, "finished", F_I64, finished),
};

static const field_t step_fields[] = {
    FLD(meta_job_step_t, "job_id", F_I64, job_id),
    FLD(meta_job_step_t, "name", F_STR, name),
    FLD(meta_job_step_t, "step_no", F_I32, step_no),
    FLD(meta_job_step_t, "status", F_STR, status),
    FLD(meta_job_step_t, "started", F_I64, started),
    FLD(meta_job_step_t, "finished", F_I64, finished),
    FLD(meta_job_step_t, "output", F_STR, output),
};

static const field_t role_fields[] = {
    FLD(meta_role_t, "name", F_STR, name),
    FLD(meta_role_t, "can_login", F_BOOL, can_login),
    FLD(meta_role_t, "superuser", F_BOOL, superuser),
    FLD(meta_role_t, "secret", F_STR, secret),
};
static const field_t member_fields[] = {
    FLD(meta_role_member_t, "member_of", F_STR, member_of),
};
static const child_desc_t role_children[] = {
    { "meta_role_members", member_fields, NF(member_fields), sizeof(meta_role_member_t),
      offsetof(meta_role_t, nmember_of), offsetof(meta_role_t, member_of) },
};

static const field_t node_fields[] = {
    FLD(meta_node_t, "name", F_STR, name),
    FLD(meta_node_t, "mode", F_STR, mode),
    FLD(meta_node_t, "pg_address", F_STR, pg_address),
    FLD(meta_node_t, "status", F_STR, status),
    FLD(meta_node_t, "heartbeat", F_I64, heartbeat),
};

static const kind_desc_t kinds[META__NKINDS] = {
    [META_SCHEMA] = { "schema", "meta_schemas", sizeof(meta_schema_t), schema_fields, NF(schema_fields), NULL, "name",
                      NULL, 0, NULL, NULL },
    [META_SERVER] = { "server", "meta_servers", sizeof(meta_server_t), server_fields, NF(server_fields), NULL, "name",
                      server_children, NF(server_children), NULL, NULL },
    [META_TABLE] = { "table", "meta_tables", sizeof(meta_table_t), table_fields, NF(table_fields), "schema_id", "name",
                     table_children, NF(table_children), NULL, NULL },
    [META_MODEL] = { "model", "meta_models", sizeof(meta_model_t), model_fields, NF(model_fields), "schema_id", "name",
                     model_children, NF(model_children), NULL, NULL },
    [META_CUBE] = { "cube", "meta_cubes", sizeof(meta_cube_t), cube_fields, NF(cube_fields), "schema_id", "name",
                    cube_children, NF(cube_children), NULL, NULL },
    [META_SEGMENT] = { "segment", "meta_segments", sizeof(meta_segment_t), segment_fields, NF(segment_fields),
                       "cube_id", "name", NULL, 0, NULL, NULL },
    [META_JOB] = { "job", "meta_jobs", sizeof(meta_job_t), job_fields, NF(job_fields), "cube_id", "name", NULL, 0,
                   "meta_job_steps", "job_id" },
    [META_JOB_STEP] = { "job_step", "meta_job_steps", sizeof(meta_job_step_t), step_fields, NF(step_fields), "job_id",
                        "name", NULL, 0, NULL, NULL },
    [META_ROLE] = { "role", "meta_roles", sizeof(meta_role_t), role_fields, NF(role_fields), NULL, "name",
                    role_children, NF(role_children), NULL, NULL },
    [META_NODE] = { "node", "meta_nodes", sizeof(meta_node_t), node_fields, NF(node_fields), NULL, "name", NULL, 0,
                    NULL, NULL },
};

const char *meta_kind_name(meta_kind_t k)
{
    return (unsigned)k < META__NKINDS ? kinds[k].name : "?";
}

size_t meta__kind_size(meta_kind_t k)
{
    return kinds[k].size;
}

const char *meta_option_get(const meta_option_t *opts, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (opts[i].name && strcmp(opts[i].name, name) == 0)
            return opts[i].value;
    return NULL;
}

/* ---------------------------------------------------------------- values */

static meta_val_t field_val(const field_t *f, const void *obj)
{
    const char *p = (const char *)obj + f->off;
    switch (f->t) {
    case F_I64:
        return meta__int(*(const int64_t *)p);
    case F_I32:
        return meta__int(*(const int32_t *)p);
    case F_BOOL:
        return meta__int(*(const bool *)p ? 1 : 0);
    case F_STR:
    default:
        return meta__str(*(const char *const *)p);
    }
}

static void field_set(const field_t *f, void *obj, const char *cell, mem_arena_t *a)
{
    char *p = (char *)obj + f->off;
    switch (f->t) {
    case F_I64:
        *(int64_t *)p = cell ? strtoll(cell, NULL, 10) : 0;
        break;
    case F_I32:
        *(int32_t *)p = cell ? (int32_t)strtol(cell, NULL, 10) : 0;
        break;
    case F_BOOL:
        *(bool *)p = cell && strtol(cell, NULL, 10) != 0;
        break;
    case F_STR:
        *(const char **)p = cell ? mem_astrdup(a, cell) : NULL;
        break;
    }
}

static const kind_desc_t *desc_of(meta_kind_t k, err_t *err)
{
    if ((unsigned)k >= META__NKINDS) {
        err_set(err, ERRCODE_INTERNAL_ERROR, "unknown metastore entity kind %d", (int)k);
        return NULL;
    }
    return &kinds[k];
}

/* select_list - "id, version, created, modified, f1, ..." */
static const char *select_list(mem_arena_t *a, const kind_desc_t *d)
{
    buf_t b = BUF_INIT;
    buf_puts(&b, "id, version, created, modified");
    for (int i = 0; i < d->nfields; i++)
        buf_printf(&b, ", %s", d->fields[i].col);
    const char *s = mem_astrndup(a, b.data, b.len);
    buf_free(&b);
    return s;
}

static void row_to_obj(const kind_desc_t *d, const char **cells, void *obj, mem_arena_t *a)
{
    meta_head_t *h = obj;
    h->id = cells[0] ? strtoll(cells[0], NULL, 10) : 0;
    h->version = cells[1] ? strtoll(cells[1], NULL, 10) : 0;
    h->created = cells[2] ? strtoll(cells[2], NULL, 10) : 0;
    h->modified = cells[3] ? strtoll(cells[3], NULL, 10) : 0;
    for (int i = 0; i < d->nfields; i++)
        field_set(&d->fields[i], obj, cells[4 + i], a);
}

static int cmp_id(const void *key, const void *elem)
{
    int64_t k = *(const int64_t *)key, id = ((const meta_head_t *)elem)->id;
    return k < id ? -1 : k > id;
}

/* load_children - fills the child arrays of objs[0..n) (sorted by id) with
 * one query per child table; where selects the parents (e.g. "parent_id = ?"). */
static int load_children(meta_tx_t *tx, const kind_desc_t *d, char *objs, size_t n, const char *where,
                         const meta_val_t *p, int np, mem_arena_t *a, err_t *err)
{
    for (int ci = 0; ci < d->nchildren; ci++) {
        const child_desc_t *cd = &d->children[ci];
        buf_t b = BUF_INIT;
        buf_puts(&b, "SELECT parent_id");
        for (int i = 0; i < cd->nfields; i++)
            buf_printf(&b, ", %s", cd->fields[i].col);
        buf_printf(&b, " FROM %s", cd->table);
        if (where)
            buf_printf(&b, " WHERE %s", where);
        buf_puts(&b, " ORDER BY parent_id, pos");
        meta_rows_t r;
        int rc = meta__exec(tx, buf_cstr(&b), p, np, &r, NULL, err);
        buf_free(&b);
        if (rc != 0)
            return rc;
        size_t i = 0;
        while (i < r.nrows) {
            int64_t pid = strtoll(r.cells[i * (size_t)r.ncols], NULL, 10);
            size_t j = i;
            while (j < r.nrows && strtoll(r.cells[j * (size_t)r.ncols], NULL, 10) == pid)
                j++;
            char *parent = bsearch(&pid, objs, n, d->size, cmp_id);
            if (parent) {
                size_t cnt = j - i;
                char *arr = mem_alloc0(a, cnt * cd->elem);
                for (size_t k = 0; k < cnt; k++)
                    for (int f = 0; f < cd->nfields; f++)
                        field_set(&cd->fields[f], arr + k * cd->elem, r.cells[(i + k) * (size_t)r.ncols + 1 + (size_t)f],
                                  a);
                *(size_t *)(parent + cd->count_off) = cnt;
                *(void **)(parent + cd->array_off) = arr;
            }
            i = j;
        }
    }
    return 0;
}

/* query_objs - SELECT kind rows matching where, with children, into a. */
static int query_objs(meta_tx_t *tx, const kind_desc_t *d, const char *where, const meta_val_t *p, int np,
                      mem_arena_t *a, char **out, size_t *n, err_t *err)
{
    char *sql = mem_asprintf(tx->arena, "SELECT %s FROM %s%s%s ORDER BY id", select_list(tx->arena, d), d->table,
                             where ? " WHERE " : "", where ? where : "");
    meta_rows_t r;
    int rc = meta__exec(tx, sql, p, np, &r, NULL, err);
    if (rc != 0)
        return rc;
    char *objs = mem_alloc0(a, (r.nrows ? r.nrows : 1) * d->size);
    for (size_t i = 0; i < r.nrows; i++)
        row_to_obj(d, r.cells + i * (size_t)r.ncols, objs + i * d->size, a);
    if (r.nrows && d->nchildren) {
        /* Children of exactly these parents: the same filter, as a subquery. */
        char *cw = where ? mem_asprintf(tx->arena, "parent_id IN (SELECT id FROM %s WHERE %s)", d->table, where) : NULL;
        if (r.nrows == 1) {
            meta_val_t one[1] = { meta__int(((meta_head_t *)objs)->id) };
            rc = load_children(tx, d, objs, 1, "parent_id = ?", one, 1, a, err);
        } else {
            rc = load_children(tx, d, objs, r.nrows, cw, p, np, a, err);
        }
        if (rc != 0)
            return rc;
    }
    *out = objs;
    *n = r.nrows;
    return 0;
}

int meta_get(meta_tx_t *tx, meta_kind_t kind, int64_t id, mem_arena_t *arena, void *out, err_t *err)
{
    const kind_desc_t *d = desc_of(kind, err);
    if (!d)
        return META_ERROR;
    meta_val_t p[1] = { meta__int(id) };
    char *objs;
    size_t n;
    int rc = query_objs(tx, d, "id = ?", p, 1, arena, &objs, &n, err);
    if (rc != 0)
        return rc;
    if (n == 0) {
        err_set(err, ERRCODE_UNDEFINED_OBJECT, "%s %lld does not exist", d->name, (long long)id);
        return META_NOT_FOUND;
    }
    *(void **)out = objs;
    return 0;
}

int meta_find(meta_tx_t *tx, meta_kind_t kind, int64_t parent, const char *name, mem_arena_t *arena, void *out,
              err_t *err)
{
    const kind_desc_t *d = desc_of(kind, err);
    if (!d)
        return META_ERROR;
    meta_val_t p[2];
    int np = 0;
    char *where;
    if (d->parent_col) {
        p[np++] = meta__int(parent);
        where = mem_asprintf(tx->arena, "%s = ? AND %s = ?", d->parent_col, d->name_col);
    } else {
        where = mem_asprintf(tx->arena, "%s = ?", d->name_col);
    }
    p[np++] = meta__str(name ? name : "");
    char *objs;
    size_t n;
    int rc = query_objs(tx, d, where, p, np, arena, &objs, &n, err);
    if (rc != 0)
        return rc;
    if (n == 0) {
        err_set(err, ERRCODE_UNDEFINED_OBJECT, "%s \"%s\" does not exist", d->name, name ? name : "");
        return META_NOT_FOUND;
    }
    *(void **)out = objs;
    return 0;
}

int meta_list(meta_tx_t *tx, meta_kind_t kind, int64_t parent, mem_arena_t *arena, void *out, size_t *n, err_t *err)
{
    const kind_desc_t *d = desc_of(kind, err);
    if (!d)
        return META_ERROR;
    meta_val_t p[1] = { meta__int(parent) };
    const char *where = NULL;
    if (parent && d->parent_col)
        where = mem_asprintf(tx->arena, "%s = ?", d->parent_col);
    char *objs;
    int rc = query_objs(tx, d, where, p, where ? 1 : 0, arena, &objs, n, err);
    if (rc != 0)
        return rc;
    *(void **)out = objs;
    return 0;
}

/* ---------------------------------------------------------------- writes */

/* fail_tx - a write failed after an earlier write of this put: the
 * transaction must not commit half an entity. */
static int fail_tx(meta_tx_t *tx, int rc)
{
    tx->dead = true;
    if (!tx->dead_rc)
        tx->dead_rc = rc;
    return rc;
}

static int write_children(meta_tx_t *tx, const kind_desc_t *d, const void *obj, int64_t id, bool replace,
                          err_t *err)
{
    for (int ci = 0; ci < d->nchildren; ci++) {
        const child_desc_t *cd = &d->children[ci];
        meta_val_t pid[1] = { meta__int(id) };
        int rc;
        if (replace) {
            char *del = mem_asprintf(tx->arena, "DELETE FROM %s WHERE parent_id = ?", cd->table);
            if ((rc = meta__exec(tx, del, pid, 1, NULL, NULL, err)) != 0)
                return rc;
        }
        if (!obj)
            continue; /* delete: children go with the row */
        size_t cnt = *(const size_t *)((const char *)obj + cd->count_off);
        const char *arr = *(const char *const *)((const char *)obj + cd->array_off);
        if (!cnt)
            continue;
        buf_t b = BUF_INIT;
        buf_printf(&b, "INSERT INTO %s (parent_id, pos", cd->table);
        for (int f = 0; f < cd->nfields; f++)
            buf_printf(&b, ", %s", cd->fields[f].col);
        buf_puts(&b, ") VALUES (?, ?");
        for (int f = 0; f < cd->nfields; f++)
            buf_puts(&b, ", ?");
        buf_puts(&b, ")");
        char *sql = mem_astrdup(tx->arena, buf_cstr(&b));
        buf_free(&b);
        meta_val_t *p = MEM_NEW_N(tx->arena, meta_val_t, cd->nfields + 2);
        for (size_t k = 0; k < cnt; k++) {
            const char *el = arr + k * cd->elem;
            p[0] = meta__int(id);
            p[1] = meta__int((int64_t)k);
            for (int f = 0; f < cd->nfields; f++)
                p[2 + f] = field_val(&cd->fields[f], el);
            if ((rc = meta__exec(tx, sql, p, cd->nfields + 2, NULL, NULL, err)) != 0)
                return rc;
        }
    }
    return 0;
}

/* moved_on - after a CAS touched no row: conflict (row newer or gone). */
static int moved_on(meta_tx_t *tx, const kind_desc_t *d, int64_t id, int64_t expected, err_t *err)
{
    char *sql = mem_asprintf(tx->arena, "SELECT version FROM %s WHERE id = ?", d->table);
    meta_val_t p[1] = { meta__int(id) };
    meta_rows_t r;
    int rc = meta__exec(tx, sql, p, 1, &r, NULL, err);
    if (rc != 0)
        return rc;
    if (r.nrows == 0) {
        err_set(err, ERRCODE_T_R_SERIALIZATION_FAILURE, "%s %lld was dropped concurrently", d->name, (long long)id);
    } else {
        err_set(err, ERRCODE_T_R_SERIALIZATION_FAILURE,
                "%s %lld was changed concurrently: expected version %lld, found %s", d->name, (long long)id,
                (long long)expected, r.cells[0] ? r.cells[0] : "?");
    }
    err_hint(err, "Read it again and retry.");
    return fail_tx(tx, META_CONFLICT);
}

int meta_put(meta_tx_t *tx, meta_kind_t kind, void *obj, err_t *err)
{
    const kind_desc_t *d = desc_of(kind, err);
    if (!d)
        return META_ERROR;
    meta_head_t *h = obj;
    const char *name = NULL;
    for (int i = 0; i < d->nfields; i++)
        if (strcmp(d->fields[i].col, d->name_col) == 0)
            name = *(const char *const *)((const char *)obj + d->fields[i].off);
    if (!name || !*name)
        return err_set(err, ERRCODE_INVALID_OBJECT_DEFINITION, "%s needs a name", d->name);
    int rc = meta__lock_writes(tx, err);
    if (rc != 0)
        return rc;
    int64_t now = meta__now_ms();
    meta_head_t nh = *h;
    int np = d->nfields + 4;
    meta_val_t *p = MEM_NEW_N(tx->arena, meta_val_t, np + 2);
    buf_t b = BUF_INIT;
    bool insert = h->id == 0;
    if (insert) {
        if ((rc = meta__next_counter(tx, "oid", &nh.id, err)) != 0)
            return rc;
        nh.version = 1;
        nh.created = nh.modified = now;
        buf_printf(&b, "INSERT INTO %s (%s) VALUES (?, ?, ?, ?", d->table, select_list(tx->arena, d));
        for (int i = 0; i < d->nfields; i++)
            buf_puts(&b, ", ?");
        buf_puts(&b, ")");
        p[0] = meta__int(nh.id);
        p[1] = meta__int(nh.version);
        p[2] = meta__int(nh.created);
        p[3] = meta__int(nh.modified);
    } else {
        nh.version = h->version + 1;
        nh.modified = now;
        buf_printf(&b, "UPDATE %s SET version = ?, modified = ?, created = created", d->table);
        for (int i = 0; i < d->nfields; i++)
            buf_printf(&b, ", %s = ?", d->fields[i].col);
        buf_puts(&b, " WHERE id = ? AND version = ?");
        p[0] = meta__int(nh.version);
        p[1] = meta__int(nh.modified);
        np = 2 + d->nfields + 2;
    }
    int off = insert ? 4 : 2;
    for (int i = 0; i < d->nfields; i++)
        p[off + i] = field_val(&d->fields[i], obj);
    if (!insert) {
        p[off + d->nfields] = meta__int(h->id);
        p[off + d->nfields + 1] = meta__int(h->version);
    }
    char *sql = mem_astrdup(tx->arena, buf_cstr(&b));
    buf_free(&b);
    int64_t changes = 0;
    rc = meta__exec(tx, sql, p, np, NULL, &changes, err);
    if (rc == META_DUPLICATE) {
        err_clear(err);
        err_set(err, ERRCODE_UNIQUE_VIOLATION, "%s \"%s\" already exists", d->name, name);
        return rc; /* nothing of this put was written: the transaction goes on */
    }
    if (rc != 0)
        return rc;
    if (!insert && changes == 0)
        return moved_on(tx, d, h->id, h->version, err);
    if ((rc = write_children(tx, d, obj, nh.id, !insert, err)) != 0)
        return fail_tx(tx, rc);
    char key[24];
    snprintf(key, sizeof key, "%lld", (long long)nh.id);
    if ((rc = meta_event_append(tx, d->name, key, insert ? "create" : "update", nh.version, NULL, err)) != 0)
        return fail_tx(tx, rc);
    if (insert)
        nh.created = now;
    else
        nh.created = h->created;
    *h = nh;
    return 0;
}

int meta_delete(meta_tx_t *tx, meta_kind_t kind, int64_t id, int64_t version, err_t *err)
{
    const kind_desc_t *d = desc_of(kind, err);
    if (!d)
        return META_ERROR;
    int rc = meta__lock_writes(tx, err);
    if (rc != 0)
        return rc;
    meta_val_t p[2] = { meta__int(id), meta__int(version) };
    char *sql = mem_asprintf(tx->arena, "DELETE FROM %s WHERE id = ?%s", d->table, version ? " AND version = ?" : "");
    int64_t changes = 0;
    if ((rc = meta__exec(tx, sql, p, version ? 2 : 1, NULL, &changes, err)) != 0)
        return rc;
    if (changes == 0) {
        if (version == 0) {
            err_set(err, ERRCODE_UNDEFINED_OBJECT, "%s %lld does not exist", d->name, (long long)id);
            return META_NOT_FOUND;
        }
        /* Gone or newer: which one matters to the caller. */
        char *q = mem_asprintf(tx->arena, "SELECT version FROM %s WHERE id = ?", d->table);
        meta_rows_t r;
        if ((rc = meta__exec(tx, q, p, 1, &r, NULL, err)) != 0)
            return rc;
        if (r.nrows == 0) {
            err_set(err, ERRCODE_UNDEFINED_OBJECT, "%s %lld does not exist", d->name, (long long)id);
            return META_NOT_FOUND;
        }
        return moved_on(tx, d, id, version, err);
    }
    if ((rc = write_children(tx, d, NULL, id, true, err)) != 0)
        return fail_tx(tx, rc);
    if (d->cascade_table) {
        char *c = mem_asprintf(tx->arena, "DELETE FROM %s WHERE %s = ?", d->cascade_table, d->cascade_col);
        if ((rc = meta__exec(tx, c, p, 1, NULL, NULL, err)) != 0)
            return fail_tx(tx, rc);
    }
    char key[24];
    snprintf(key, sizeof key, "%lld", (long long)id);
    if ((rc = meta_event_append(tx, d->name, key, "drop", 0, NULL, err)) != 0)
        return fail_tx(tx, rc);
    return 0;
}
