/*
 * pgcat.c - the rows of kiln's pg_catalog and information_schema relations,
 * generated from one catalog snapshot.
 *
 * Each relation has PostgreSQL 15's columns (pgdata.c, generated from a real
 * server); this file fills the rows: built-in ones (types, functions, access
 * methods, collations...) from pgdata.c, user ones (schemas, servers, foreign
 * tables and their columns, roles) from the metastore snapshot, settings from
 * the configuration. Relations kiln has nothing for (indexes, constraints,
 * triggers, policies, publications...) exist with their columns and no rows,
 * which is what PostgreSQL returns for foreign tables too.
 *
 * Rows are built at scan open into the scan's arena; a catalog of thousands
 * of tables costs a few milliseconds. Unset pg_catalog columns default to 0 /
 * false / '' for numbers, booleans and names, and NULL for text, arrays and
 * "char"; unset information_schema columns are NULL.
 */
#include <stdlib.h>
#include <string.h>

#include <pg_query.h>
#include <pg_query/pg_query.pb-c.h>

#include "catalog/catalog.h"
#include "catalog_int.h"
#include "common/buf.h"
#include "exec/exec.h"
#include "exec/expr.h"
#include "pgdata.h"
#include "types/array.h"
#include "types/value.h"

/* ---- row building ---- */

static void rows_init(catalog_rows_t *r, int rel, mem_arena_t *a)
{
    const pgd_rel_t *d = &pgd_rels[rel];
    memset(r, 0, sizeof *r);
    r->ncols = d->ncols;
    r->a = a;
    r->col = mem_alloc0(a, sizeof *r->col * (size_t)d->ncols);
    r->cap = 0;
}

static value_t *rows_default_type(const pgd_rel_t *d, int c, value_t *v)
{
    /* information_schema columns are nullable (SQL standard views): NULL
     * unless set; pg_catalog's are mostly NOT NULL: a zero value. */
    if (d->schema[0] == 'i') {
        *v = value_null();
        return v;
    }
    switch (d->cols[c].type) {
    case TYPE_BOOL: case TYPE_INT2: case TYPE_INT4: case TYPE_INT8: case TYPE_OID: case TYPE_XID:
    case TYPE_REGPROC: case TYPE_REGCLASS: case TYPE_REGTYPE: case TYPE_REGNAMESPACE: case TYPE_REGROLE:
        *v = value_int(0);
        break;
    case TYPE_FLOAT4: case TYPE_FLOAT8:
        v->u.f = 0, v->isnull = false;
        break;
    case TYPE_NAME:
        *v = value_text("", 0);
        break;
    default:
        *v = value_null();
        break;
    }
    return v;
}

/* row_add - appends a row with default values; returns its index. */
static int row_add(catalog_rows_t *r, int rel)
{
    const pgd_rel_t *d = &pgd_rels[rel];
    if (r->n == r->cap) {
        int ncap = r->cap ? r->cap * 2 : 64;
        for (int c = 0; c < r->ncols; c++) {
            value_t *nc = mem_alloc(r->a, sizeof(value_t) * (size_t)ncap);
            if (r->n)
                memcpy(nc, r->col[c], sizeof(value_t) * (size_t)r->n);
            r->col[c] = nc;
        }
        r->cap = ncap;
    }
    for (int c = 0; c < r->ncols; c++)
        rows_default_type(d, c, &r->col[c][r->n]);
    return r->n++;
}

#define SET(r, c, v) ((r)->col[(c)][(r)->n - 1] = (v))

static value_t vstr(mem_arena_t *a, const char *s)
{
    if (!s)
        return value_null();
    size_t n = strlen(s);
    return value_text(mem_astrndup(a, s, n), n);
}

static value_t vbool(bool b)
{
    return value_int(b ? 1 : 0);
}

static value_t vfloat(double d)
{
    value_t v;
    v.u.f = d;
    v.isnull = false;
    return v;
}

static value_t vchar(char c)
{
    return value_int((unsigned char)c);
}

static value_t vtextarr(mem_arena_t *a, const char *const *items, int n)
{
    type_array_t *arr = type_array_new(a, TYPE_TEXT, n);
    for (int i = 0; i < n; i++)
        arr->vals[i] = vstr(a, items[i]);
    value_t v;
    v.u.arr = arr;
    v.isnull = false;
    return v;
}

/* "name=value" options as PostgreSQL's *options text[] columns hold them. */
static value_t voptions(mem_arena_t *a, const meta_option_t *o, size_t n)
{
    if (n == 0)
        return value_null();
    const char **items = mem_alloc(a, sizeof *items * n);
    for (size_t i = 0; i < n; i++)
        items[i] = mem_asprintf(a, "%s=%s", o[i].name, o[i].value ? o[i].value : "");
    return vtextarr(a, items, (int)n);
}

/* ---- built-in rows from pgdata.c ---- */

typedef bool (*row_filter_t)(const char *const *cells);

static void static_rows(catalog_rows_t *r, int rel, const pgd_rows_t *rows, row_filter_t keep)
{
    const pgd_rel_t *d = &pgd_rels[rel];
    for (int i = 0; i < rows->nrows; i++) {
        const char *const *cells = rows->cells + (size_t)i * (size_t)rows->ncols;
        if (keep && !keep(cells))
            continue;
        row_add(r, rel);
        for (int c = 0; c < d->ncols && c < rows->ncols; c++) {
            value_t v = value_null();
            if (cells[c]) {
                err_t e;
                e.set = false;
                if (type_in_text(d->cols[c].type, d->cols[c].typmod, cells[c], strlen(cells[c]), r->a, &v, &e) < 0)
                    v = value_null();
            }
            SET(r, c, v);
        }
    }
}

/* pg_type rows of the types kiln's engine has. */
static bool keep_type(const char *const *cells)
{
    return type_lookup((type_oid_t)strtoul(cells[PGC_pg_type_oid], NULL, 10)) != NULL;
}

static type_oid_t cell_oid(const char *cell)
{
    return (type_oid_t)strtoul(cell, NULL, 10);
}

/* pg_cast rows of the casts kiln's engine has between types it has
 * (automatic I/O conversions are not in pg_cast, as in PostgreSQL). */
static bool keep_cast(const char *const *cells)
{
    type_oid_t from = cell_oid(cells[PGC_pg_cast_castsource]), to = cell_oid(cells[PGC_pg_cast_casttarget]);
    int ctx;
    if (!type_lookup(from) || !type_lookup(to))
        return false;
    const exec_func_t *f = exec_cast_find(from, to, &ctx);
    return f && (f != &exec_cast_via_text || cells[PGC_pg_cast_castmethod][0] == 'i');
}

/* pg_operator rows of the operators kiln's engine has with exactly these
 * operand types. */
static bool keep_operator(const char *const *cells)
{
    type_oid_t l = cell_oid(cells[PGC_pg_operator_oprleft]), rt = cell_oid(cells[PGC_pg_operator_oprright]);
    if ((l && !type_lookup(l)) || !type_lookup(rt))
        return false;
    const exec_func_t *f[64];
    int n = exec_func_candidates(cells[PGC_pg_operator_oprname], f, 64);
    for (int i = 0; i < n; i++) {
        if (!(f[i]->flags & EXEC_FN_OPERATOR))
            continue;
        if (l == 0 ? f[i]->nargs == 1 && f[i]->args[0] == rt
                   : f[i]->nargs == 2 && f[i]->args[0] == l && f[i]->args[1] == rt)
            return true;
    }
    return false;
}

/* pg_aggregate rows of the aggregates kiln's engine computes for these
 * argument types (the function is in pgd_pg_proc). */
static bool keep_aggregate(const char *const *cells)
{
    type_oid_t fn = cell_oid(cells[PGC_pg_aggregate_aggfnoid]);
    for (int i = 0; i < pgd_pg_proc.nrows; i++) {
        const char *const *p = pgd_pg_proc.cells + (size_t)i * (size_t)pgd_pg_proc.ncols;
        if (cell_oid(p[0]) != fn)
            continue;
        type_oid_t args[2] = { 0, 0 };
        int nargs = 0;
        for (const char *q = p[5]; *q && nargs < 3;) {
            char *end;
            unsigned long v = strtoul(q, &end, 10);
            if (end == q)
                break;
            if (nargs < 2)
                args[nargs] = (type_oid_t)v;
            nargs++;
            q = end;
        }
        if (nargs > 2 || (nargs > 0 && !type_lookup(args[0])) || (nargs > 1 && !type_lookup(args[1])))
            return false;
        type_oid_t ret;
        return exec_agg_find(p[1], nargs, args, &ret) != NULL;
    }
    return false;
}

/* The pg_type row of a type (NULL when not built in). */
static const char *const *type_row(type_oid_t t)
{
    for (int i = 0; i < pgd_pg_type.nrows; i++) {
        const char *const *cells = pgd_pg_type.cells + (size_t)i * (size_t)pgd_pg_type.ncols;
        if ((type_oid_t)strtoul(cells[0], NULL, 10) == t)
            return cells;
    }
    return NULL;
}

/* ---- the relations kiln has, as pg_class sees them ---- */

typedef struct relinfo {
    uint32_t oid;
    uint32_t nsp;
    const char *schema;
    const char *name;
    char kind;
    int ncols;
    const exec_relcol_t *cols;
    const pgd_col_t *pcols;
    bool populated; /* a materialized view: refreshed at least once */
} relinfo_t;

/* Columns of materialized views (cubes), from whoever registered them (the
 * cube router in src/sql): the catalog does not know cube definitions. */
static catalog_matview_cols_fn matview_cols;

void catalog_set_matview_columns(catalog_matview_cols_fn fn)
{
    matview_cols = fn;
}

static int all_relations(const catalog_snap_t *s, mem_arena_t *a, relinfo_t **out)
{
    int n = pgd_nrels + (int)s->mc->ntables + (int)s->mc->ncubes;
    relinfo_t *r = mem_alloc0(a, sizeof *r * (size_t)(n ? n : 1));
    int k = 0;
    for (int i = 0; i < pgd_nrels; i++, k++) {
        r[k].oid = pgd_rels[i].oid;
        r[k].nsp = strcmp(pgd_rels[i].schema, "pg_catalog") == 0 ? CATALOG_OID_PG_CATALOG
                                                                 : CATALOG_OID_INFORMATION_SCHEMA;
        r[k].schema = pgd_rels[i].schema;
        r[k].name = pgd_rels[i].name;
        r[k].kind = pgd_rels[i].kind;
        r[k].ncols = pgd_rels[i].ncols;
        r[k].pcols = pgd_rels[i].cols;
    }
    for (size_t i = 0; i < s->mc->ntables; i++, k++) {
        const meta_table_t *t = &s->mc->tables[i];
        const meta_schema_t *sch = meta_catalog_schema_by_id(s->mc, t->schema_id);
        r[k].oid = catalog__table_oid(t);
        r[k].nsp = sch ? catalog__schema_oid(sch) : CATALOG_OID_PUBLIC;
        r[k].schema = sch ? sch->name : "public";
        r[k].name = t->name;
        r[k].kind = 'f';
        r[k].ncols = s->tables[i].ncols;
        r[k].cols = s->tables[i].cols;
    }
    for (size_t i = 0; i < s->mc->ncubes; i++, k++) {
        const meta_cube_t *c = &s->mc->cubes[i];
        const meta_schema_t *sch = meta_catalog_schema_by_id(s->mc, c->schema_id);
        r[k].oid = (uint32_t)c->h.id;
        r[k].nsp = sch ? catalog__schema_oid(sch) : CATALOG_OID_PUBLIC;
        r[k].schema = sch ? sch->name : "public";
        r[k].name = c->name;
        r[k].kind = 'm';
        r[k].populated = catalog__matview_populated(s->mc, c);
        exec_relcol_t *cols = NULL;
        int nc = 0;
        if (matview_cols && matview_cols(a, s->mc, c, &cols, &nc) != 0)
            nc = 0; /* a view whose tables changed under it: listed, without columns */
        r[k].ncols = nc;
        r[k].cols = cols;
    }
    *out = r;
    return k;
}

static void rel_col(const relinfo_t *ri, int c, const char **name, type_oid_t *type, int32_t *typmod, bool *notnull)
{
    if (ri->pcols) {
        *name = ri->pcols[c].name;
        *type = ri->pcols[c].type;
        *typmod = ri->pcols[c].typmod;
        *notnull = false;
    } else {
        *name = ri->cols[c].name;
        *type = ri->cols[c].type;
        *typmod = ri->cols[c].typmod;
        *notnull = ri->cols[c].notnull;
    }
}

/* ---- generators ---- */

static void gen_namespace(const catalog_snap_t *s, catalog_rows_t *r, int rel)
{
    static const struct {
        uint32_t oid;
        const char *name;
    } builtin[] = { { CATALOG_OID_PG_CATALOG, "pg_catalog" }, { 99, "pg_toast" },
                    { CATALOG_OID_PUBLIC, "public" }, { CATALOG_OID_INFORMATION_SCHEMA, "information_schema" } };
    for (size_t i = 0; i < sizeof builtin / sizeof builtin[0]; i++) {
        row_add(r, rel);
        SET(r, PGC_pg_namespace_oid, value_int(builtin[i].oid));
        SET(r, PGC_pg_namespace_nspname, vstr(r->a, builtin[i].name));
        /* PostgreSQL 15: public belongs to pg_database_owner */
        SET(r, PGC_pg_namespace_nspowner, value_int(builtin[i].oid == CATALOG_OID_PUBLIC ? CATALOG_OID_DATABASE_OWNER
                                                                                            : CATALOG_OID_BOOTSTRAP_SUPERUSER));
    }
    for (size_t i = 0; i < s->mc->nschemas; i++) {
        const meta_schema_t *m = &s->mc->schemas[i];
        if (strcmp(m->name, "public") == 0)
            continue;
        row_add(r, rel);
        SET(r, PGC_pg_namespace_oid, value_int(catalog__schema_oid(m)));
        SET(r, PGC_pg_namespace_nspname, vstr(r->a, m->name));
        SET(r, PGC_pg_namespace_nspowner, value_int(catalog__role_oid(s, r->a, m->owner)));
    }
}

static void gen_class(const catalog_snap_t *s, catalog_rows_t *r, int rel)
{
    relinfo_t *ri;
    int n = all_relations(s, r->a, &ri);
    uint32_t owner = catalog__db_owner(s, r->a);
    for (int i = 0; i < n; i++) {
        row_add(r, rel);
        SET(r, PGC_pg_class_oid, value_int(ri[i].oid));
        SET(r, PGC_pg_class_relname, vstr(r->a, ri[i].name));
        SET(r, PGC_pg_class_relnamespace, value_int(ri[i].nsp));
        SET(r, PGC_pg_class_relowner,
            value_int(ri[i].oid >= CATALOG_FIRST_NORMAL_OID ? owner : CATALOG_OID_BOOTSTRAP_SUPERUSER));
        SET(r, PGC_pg_class_relam, value_int(ri[i].kind == 'r' || ri[i].kind == 'm' ? CATALOG_OID_HEAP_AM : 0));
        SET(r, PGC_pg_class_relpersistence, vchar('p'));
        SET(r, PGC_pg_class_relkind, vchar(ri[i].kind));
        SET(r, PGC_pg_class_relnatts, value_int(ri[i].ncols));
        SET(r, PGC_pg_class_reltuples, vfloat(-1));
        SET(r, PGC_pg_class_relispopulated, vbool(ri[i].kind != 'm' || ri[i].populated));
        SET(r, PGC_pg_class_relreplident, vchar(ri[i].kind == 'r' || ri[i].kind == 'm' ? 'd' : 'n'));
        SET(r, PGC_pg_class_relfrozenxid, value_int(0));
        SET(r, PGC_pg_class_relminmxid, value_int(0));
    }
}

static void gen_attribute(const catalog_snap_t *s, catalog_rows_t *r, int rel)
{
    relinfo_t *ri;
    int n = all_relations(s, r->a, &ri);
    for (int i = 0; i < n; i++) {
        for (int c = 0; c < ri[i].ncols; c++) {
            const char *name;
            type_oid_t type;
            int32_t typmod;
            bool notnull;
            rel_col(&ri[i], c, &name, &type, &typmod, &notnull);
            const type_info_t *ti = type_lookup(type);
            const char *const *tr = type_row(type);
            row_add(r, rel);
            SET(r, PGC_pg_attribute_attrelid, value_int(ri[i].oid));
            SET(r, PGC_pg_attribute_attname, vstr(r->a, name));
            SET(r, PGC_pg_attribute_atttypid, value_int(type));
            SET(r, PGC_pg_attribute_attstattarget, value_int(-1));
            SET(r, PGC_pg_attribute_attlen, value_int(ti ? ti->typlen : -1));
            SET(r, PGC_pg_attribute_attnum, value_int(c + 1));
            SET(r, PGC_pg_attribute_attndims, value_int(ti && ti->category == 'A' && ti->elem ? 1 : 0));
            SET(r, PGC_pg_attribute_attcacheoff, value_int(-1));
            SET(r, PGC_pg_attribute_atttypmod, value_int(typmod));
            SET(r, PGC_pg_attribute_attbyval, vbool(ti && ti->byval));
            SET(r, PGC_pg_attribute_attalign, vchar(tr ? tr[PGC_pg_type_typalign][0] : 'i'));
            SET(r, PGC_pg_attribute_attstorage, vchar(tr ? tr[PGC_pg_type_typstorage][0] : 'p'));
            SET(r, PGC_pg_attribute_attcompression, vchar(0));
            SET(r, PGC_pg_attribute_attnotnull, vbool(notnull));
            SET(r, PGC_pg_attribute_attidentity, vchar(0));
            SET(r, PGC_pg_attribute_attgenerated, vchar(0));
            SET(r, PGC_pg_attribute_attislocal, vbool(true));
            SET(r, PGC_pg_attribute_attcollation,
                value_int(tr ? strtoul(tr[PGC_pg_type_typcollation], NULL, 10) : 0));
        }
    }
}

/* The functions kiln lists: those its engine (or this subsystem) can call,
 * and the I/O functions of the types it lists. */
static bool proc_available(const char *name, uint32_t oid)
{
    const exec_func_t *f[1];
    if (exec_func_candidates(name, f, 1) > 0 || exec_agg_exists(name) || exec_window_exists(name))
        return true;
    for (int i = 0; i < catalog_nfuncs; i++)
        if (strcmp(catalog_funcs[i].name, name) == 0)
            return true;
    for (int i = 0; i < pgd_pg_type.nrows; i++) {
        const char *const *cells = pgd_pg_type.cells + (size_t)i * (size_t)pgd_pg_type.ncols;
        static const int io[] = { PGC_pg_type_typinput, PGC_pg_type_typoutput, PGC_pg_type_typreceive,
                                  PGC_pg_type_typsend, PGC_pg_type_typmodin, PGC_pg_type_typmodout };
        for (size_t k = 0; k < sizeof io / sizeof io[0]; k++)
            if (strtoul(cells[io[k]], NULL, 10) == oid && keep_type(cells))
                return true;
    }
    return false;
}

static void gen_proc(catalog_rows_t *r, int rel)
{
    const pgd_rows_t *p = &pgd_pg_proc;
    for (int i = 0; i < p->nrows; i++) {
        const char *const *c = p->cells + (size_t)i * (size_t)p->ncols;
        uint32_t oid = (uint32_t)strtoul(c[0], NULL, 10);
        if (!proc_available(c[1], oid))
            continue;
        err_t e;
        e.set = false;
        value_t args;
        if (type_in_text(TYPE_OIDVECTOR, -1, c[5], strlen(c[5]), r->a, &args, &e) < 0)
            args = value_null();
        row_add(r, rel);
        SET(r, PGC_pg_proc_oid, value_int(oid));
        SET(r, PGC_pg_proc_proname, vstr(r->a, c[1]));
        SET(r, PGC_pg_proc_pronamespace, value_int(CATALOG_OID_PG_CATALOG));
        SET(r, PGC_pg_proc_proowner, value_int(CATALOG_OID_BOOTSTRAP_SUPERUSER));
        SET(r, PGC_pg_proc_prolang, value_int(strtol(c[9], NULL, 10)));
        SET(r, PGC_pg_proc_procost, vfloat(1));
        SET(r, PGC_pg_proc_prorows, vfloat(c[6][0] == 't' ? 1000 : 0));
        SET(r, PGC_pg_proc_provariadic, value_int(strtol(c[10], NULL, 10)));
        SET(r, PGC_pg_proc_prokind, vchar(c[2][0]));
        SET(r, PGC_pg_proc_proisstrict, vbool(c[7][0] == 't'));
        SET(r, PGC_pg_proc_proretset, vbool(c[6][0] == 't'));
        SET(r, PGC_pg_proc_provolatile, vchar(c[8][0]));
        SET(r, PGC_pg_proc_proparallel, vchar(c[13][0]));
        SET(r, PGC_pg_proc_pronargs, value_int(strtol(c[3], NULL, 10)));
        SET(r, PGC_pg_proc_pronargdefaults, value_int(strtol(c[11], NULL, 10)));
        SET(r, PGC_pg_proc_prorettype, value_int(strtol(c[4], NULL, 10)));
        SET(r, PGC_pg_proc_proargtypes, args);
        SET(r, PGC_pg_proc_prosrc, vstr(r->a, c[12]));
    }
    /* file_fdw's functions, in public as CREATE EXTENSION file_fdw puts them */
    for (int k = 0; k < 2; k++) {
        const catalog_proc_t *fp = catalog__extra_proc(k);
        row_add(r, rel);
        SET(r, PGC_pg_proc_oid, value_int(fp->oid));
        SET(r, PGC_pg_proc_proname, vstr(r->a, fp->name));
        SET(r, PGC_pg_proc_pronamespace, value_int(CATALOG_OID_PUBLIC));
        SET(r, PGC_pg_proc_proowner, value_int(CATALOG_OID_BOOTSTRAP_SUPERUSER));
        SET(r, PGC_pg_proc_prolang, value_int(13)); /* C */
        SET(r, PGC_pg_proc_procost, vfloat(1));
        SET(r, PGC_pg_proc_prorows, vfloat(0));
        SET(r, PGC_pg_proc_provariadic, value_int(0));
        SET(r, PGC_pg_proc_prokind, vchar('f'));
        SET(r, PGC_pg_proc_proisstrict, vbool(true));
        SET(r, PGC_pg_proc_proretset, vbool(false));
        SET(r, PGC_pg_proc_provolatile, vchar('v'));
        SET(r, PGC_pg_proc_proparallel, vchar('u'));
        SET(r, PGC_pg_proc_pronargs, value_int(fp->nargs));
        SET(r, PGC_pg_proc_pronargdefaults, value_int(0));
        SET(r, PGC_pg_proc_prorettype, value_int(fp->ret));
        type_array_t *args = type_array_new(r->a, TYPE_OID, fp->nargs);
        for (int i = 0; i < fp->nargs; i++)
            args->vals[i] = value_int(fp->args[i]);
        value_t av = { .isnull = false };
        av.u.arr = args;
        SET(r, PGC_pg_proc_proargtypes, av);
        SET(r, PGC_pg_proc_prosrc, vstr(r->a, fp->name));
        SET(r, PGC_pg_proc_probin, vstr(r->a, "$libdir/file_fdw"));
    }
}

static void gen_database(const catalog_snap_t *s, catalog_rows_t *r, int rel)
{
    const cfg_t *cfg = catalog__cfg();
    row_add(r, rel);
    SET(r, PGC_pg_database_oid, value_int(CATALOG_OID_DATABASE));
    SET(r, PGC_pg_database_datname, vstr(r->a, cfg ? cfg_str(cfg, CFG_DATABASE) : "kiln"));
    SET(r, PGC_pg_database_datdba, value_int(catalog__db_owner(s, r->a)));
    SET(r, PGC_pg_database_encoding, value_int(6)); /* PG_UTF8 */
    SET(r, PGC_pg_database_datlocprovider, vchar('c'));
    SET(r, PGC_pg_database_datistemplate, vbool(false));
    SET(r, PGC_pg_database_datallowconn, vbool(true));
    SET(r, PGC_pg_database_datconnlimit, value_int(-1));
    SET(r, PGC_pg_database_datminmxid, value_int(1));
    SET(r, PGC_pg_database_dattablespace, value_int(CATALOG_OID_TABLESPACE_DEFAULT));
    /* kiln compares text by bytes, which for UTF-8 is code point order:
     * what glibc's C.UTF-8 locale does */
    SET(r, PGC_pg_database_datcollate, vstr(r->a, "C.UTF-8"));
    SET(r, PGC_pg_database_datctype, vstr(r->a, "C.UTF-8"));
}

/* Roles: the bootstrap superuser, pg_database_owner, the metastore's roles,
 * and the users of kiln.auth.users that the metastore does not hold (oid
 * 15000 + position: stable while the list keeps its order). */
int catalog__roles(const catalog_snap_t *s, mem_arena_t *a, catalog_role_t **out)
{
    const cfg_t *cfg = catalog__cfg();
    const char *users = cfg ? cfg_str(cfg, CFG_AUTH_USERS) : "";
    size_t nroles = s ? s->mc->nroles : 0;
    int cap = (int)nroles + 3 + (int)strlen(users);
    catalog_role_t *r = mem_alloc0(a, sizeof *r * (size_t)cap);
    int n = 0;
    r[n++] = (catalog_role_t){ CATALOG_OID_BOOTSTRAP_SUPERUSER, CATALOG_SUPERUSER, true, true };
    r[n++] = (catalog_role_t){ CATALOG_OID_DATABASE_OWNER, "pg_database_owner", false, false };
    for (size_t i = 0; i < nroles; i++)
        r[n++] = (catalog_role_t){ (uint32_t)s->mc->roles[i].h.id, s->mc->roles[i].name, s->mc->roles[i].superuser,
                                   s->mc->roles[i].can_login };
    int pos = 0;
    for (const char *p = users; *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *colon = memchr(p, ':', len);
        size_t nl = colon ? (size_t)(colon - p) : len;
        while (nl && (*p == ' ')) p++, nl--, len--;
        while (nl && p[nl - 1] == ' ') nl--;
        char *name = mem_astrndup(a, p, nl);
        bool dup = false;
        for (int i = 0; i < n; i++)
            dup |= strcmp(r[i].name, name) == 0;
        if (nl && !dup)
            r[n++] = (catalog_role_t){ 15000u + (uint32_t)pos, name, false, true };
        pos++;
        p = end ? end + 1 : p + len;
    }
    *out = r;
    return n;
}

uint32_t catalog__role_oid(const catalog_snap_t *s, mem_arena_t *a, const char *name)
{
    if (!name)
        return CATALOG_OID_BOOTSTRAP_SUPERUSER;
    catalog_role_t *ro;
    int n = catalog__roles(s, a, &ro);
    for (int i = 0; i < n; i++)
        if (strcmp(ro[i].name, name) == 0)
            return ro[i].oid;
    return CATALOG_OID_BOOTSTRAP_SUPERUSER;
}

uint32_t catalog__db_owner(const catalog_snap_t *s, mem_arena_t *a)
{
    const cfg_t *cfg = catalog__cfg();
    const char *users = cfg ? cfg_str(cfg, CFG_AUTH_USERS) : "";
    while (*users == ' ')
        users++;
    size_t nl = strcspn(users, ":,");
    while (nl && users[nl - 1] == ' ')
        nl--;
    if (!nl)
        return CATALOG_OID_BOOTSTRAP_SUPERUSER;
    return catalog__role_oid(s, a, mem_astrndup(a, users, nl));
}

const char *catalog__description(uint32_t objoid, uint32_t classoid)
{
    if (classoid != CATALOG_OID_PG_EXTENSION)
        return NULL;
    if (objoid == CATALOG_OID_PLPGSQL_EXT)
        return "PL/pgSQL procedural language";
    if (objoid == CATALOG_OID_FILE_FDW_EXT)
        return "foreign-data wrapper for flat file access";
    return NULL;
}

static void gen_roles(const catalog_snap_t *s, catalog_rows_t *r, int rel)
{
    catalog_role_t *ro;
    int n = catalog__roles(s, r->a, &ro);
    for (int i = 0; i < n; i++) {
        row_add(r, rel);
        switch (rel) {
        case PGR_pg_roles:
            SET(r, PGC_pg_roles_oid, value_int(ro[i].oid));
            SET(r, PGC_pg_roles_rolname, vstr(r->a, ro[i].name));
            SET(r, PGC_pg_roles_rolsuper, vbool(ro[i].super));
            SET(r, PGC_pg_roles_rolinherit, vbool(true));
            SET(r, PGC_pg_roles_rolcreaterole, vbool(ro[i].super));
            SET(r, PGC_pg_roles_rolcreatedb, vbool(ro[i].super));
            SET(r, PGC_pg_roles_rolcanlogin, vbool(ro[i].login));
            SET(r, PGC_pg_roles_rolreplication, vbool(ro[i].super));
            SET(r, PGC_pg_roles_rolconnlimit, value_int(-1));
            SET(r, PGC_pg_roles_rolpassword, vstr(r->a, "********"));
            SET(r, PGC_pg_roles_rolbypassrls, vbool(ro[i].super));
            break;
        case PGR_pg_authid:
            SET(r, PGC_pg_authid_oid, value_int(ro[i].oid));
            SET(r, PGC_pg_authid_rolname, vstr(r->a, ro[i].name));
            SET(r, PGC_pg_authid_rolsuper, vbool(ro[i].super));
            SET(r, PGC_pg_authid_rolinherit, vbool(true));
            SET(r, PGC_pg_authid_rolcreaterole, vbool(ro[i].super));
            SET(r, PGC_pg_authid_rolcreatedb, vbool(ro[i].super));
            SET(r, PGC_pg_authid_rolcanlogin, vbool(ro[i].login));
            SET(r, PGC_pg_authid_rolreplication, vbool(ro[i].super));
            SET(r, PGC_pg_authid_rolbypassrls, vbool(ro[i].super));
            SET(r, PGC_pg_authid_rolconnlimit, value_int(-1));
            break;
        default: /* pg_user: login roles only */
            if (!ro[i].login) {
                r->n--;
                break;
            }
            SET(r, PGC_pg_user_usename, vstr(r->a, ro[i].name));
            SET(r, PGC_pg_user_usesysid, value_int(ro[i].oid));
            SET(r, PGC_pg_user_usecreatedb, vbool(ro[i].super));
            SET(r, PGC_pg_user_usesuper, vbool(ro[i].super));
            SET(r, PGC_pg_user_userepl, vbool(ro[i].super));
            SET(r, PGC_pg_user_usebypassrls, vbool(ro[i].super));
            SET(r, PGC_pg_user_passwd, vstr(r->a, "********"));
            break;
        }
    }
}

static void gen_settings(catalog_rows_t *r, int rel)
{
    const cfg_t *cfg = catalog__cfg();
    static const char *const ctx_names[] = { "internal", "postmaster", "sighup", "user" };
    static const char *const type_names[] = { "bool", "integer", "real", "string", "enum" };
    for (int id = 0; id < CFG__COUNT; id++) {
        const cfg_def_t *d = cfg_def((cfg_id_t)id);
        /* Secrets stay out of a relation any client can read. */
        bool secret = id == CFG_AUTH_USERS || id == CFG_METADATA_URL;
        const char *val = cfg ? cfg_str(cfg, (cfg_id_t)id) : d->def;
        row_add(r, rel);
        SET(r, PGC_pg_settings_name, vstr(r->a, d->name));
        SET(r, PGC_pg_settings_setting, vstr(r->a, secret ? "********" : val));
        SET(r, PGC_pg_settings_category, vstr(r->a, strncmp(d->name, "kylin.", 6) == 0  ? "Kylin"
                                                    : strncmp(d->name, "kiln.", 5) == 0 ? "kiln"
                                                                                          : "Client Connection Defaults"));
        SET(r, PGC_pg_settings_short_desc, vstr(r->a, d->doc));
        SET(r, PGC_pg_settings_context, vstr(r->a, ctx_names[d->context]));
        SET(r, PGC_pg_settings_vartype, vstr(r->a, type_names[d->type]));
        SET(r, PGC_pg_settings_source, vstr(r->a, cfg && strcmp(val, d->def) != 0 ? "configuration file" : "default"));
        if (d->type == CFG_INT) {
            SET(r, PGC_pg_settings_min_val, vstr(r->a, mem_asprintf(r->a, "%lld", (long long)d->min)));
            SET(r, PGC_pg_settings_max_val, vstr(r->a, mem_asprintf(r->a, "%lld", (long long)d->max)));
        }
        if (d->type == CFG_ENUM && d->enums) {
            const char *items[32];
            int n = 0;
            char *dup = mem_astrdup(r->a, d->enums);
            for (char *p = dup, *bar; p && n < 32; p = bar ? bar + 1 : NULL) {
                bar = strchr(p, '|');
                if (bar)
                    *bar = '\0';
                items[n++] = p;
            }
            SET(r, PGC_pg_settings_enumvals, vtextarr(r->a, items, n));
        }
        SET(r, PGC_pg_settings_boot_val, vstr(r->a, secret ? "********" : d->def));
        SET(r, PGC_pg_settings_reset_val, vstr(r->a, secret ? "********" : val));
        SET(r, PGC_pg_settings_pending_restart, vbool(false));
    }
}

static void gen_fdw(catalog_rows_t *r, int rel)
{
    row_add(r, rel);
    SET(r, PGC_pg_foreign_data_wrapper_oid, value_int(CATALOG_OID_FILE_FDW));
    SET(r, PGC_pg_foreign_data_wrapper_fdwname, vstr(r->a, "file_fdw"));
    SET(r, PGC_pg_foreign_data_wrapper_fdwowner, value_int(CATALOG_OID_BOOTSTRAP_SUPERUSER));
    SET(r, PGC_pg_foreign_data_wrapper_fdwhandler, value_int(CATALOG_OID_FILE_FDW_HANDLER));
    SET(r, PGC_pg_foreign_data_wrapper_fdwvalidator, value_int(CATALOG_OID_FILE_FDW_VALIDATOR));
}

/* The extensions a PostgreSQL database with file_fdw has: plpgsql (initdb's)
 * and file_fdw, which kiln has built in. */
static void gen_extension(catalog_rows_t *r, int rel)
{
    static const struct {
        uint32_t oid, nsp;
        const char *name;
        bool reloc;
    } ext[] = { { CATALOG_OID_PLPGSQL_EXT, CATALOG_OID_PG_CATALOG, "plpgsql", false },
                { CATALOG_OID_FILE_FDW_EXT, CATALOG_OID_PUBLIC, "file_fdw", true } };
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
        row_add(r, rel);
        SET(r, PGC_pg_extension_oid, value_int(ext[i].oid));
        SET(r, PGC_pg_extension_extname, vstr(r->a, ext[i].name));
        SET(r, PGC_pg_extension_extowner, value_int(CATALOG_OID_BOOTSTRAP_SUPERUSER));
        SET(r, PGC_pg_extension_extnamespace, value_int(ext[i].nsp));
        SET(r, PGC_pg_extension_extrelocatable, vbool(ext[i].reloc));
        SET(r, PGC_pg_extension_extversion, vstr(r->a, "1.0"));
    }
}

static void gen_description(catalog_rows_t *r, int rel)
{
    static const uint32_t objs[] = { CATALOG_OID_PLPGSQL_EXT, CATALOG_OID_FILE_FDW_EXT };
    for (size_t i = 0; i < sizeof objs / sizeof objs[0]; i++) {
        row_add(r, rel);
        SET(r, PGC_pg_description_objoid, value_int(objs[i]));
        SET(r, PGC_pg_description_classoid, value_int(CATALOG_OID_PG_EXTENSION));
        SET(r, PGC_pg_description_objsubid, value_int(0));
        SET(r, PGC_pg_description_description, vstr(r->a, catalog__description(objs[i], CATALOG_OID_PG_EXTENSION)));
    }
}

static void gen_servers(const catalog_snap_t *s, catalog_rows_t *r, int rel)
{
    for (size_t i = 0; i < s->mc->nservers; i++) {
        const meta_server_t *m = &s->mc->servers[i];
        row_add(r, rel);
        SET(r, PGC_pg_foreign_server_oid, value_int(m->h.id));
        SET(r, PGC_pg_foreign_server_srvname, vstr(r->a, m->name));
        SET(r, PGC_pg_foreign_server_srvowner, value_int(catalog__db_owner(s, r->a)));
        SET(r, PGC_pg_foreign_server_srvfdw, value_int(CATALOG_OID_FILE_FDW));
        SET(r, PGC_pg_foreign_server_srvoptions, voptions(r->a, m->options, m->noptions));
    }
}

static void gen_foreign_tables(const catalog_snap_t *s, catalog_rows_t *r, int rel)
{
    for (size_t i = 0; i < s->mc->ntables; i++) {
        const meta_table_t *t = &s->mc->tables[i];
        row_add(r, rel);
        SET(r, PGC_pg_foreign_table_ftrelid, value_int(catalog__table_oid(t)));
        SET(r, PGC_pg_foreign_table_ftserver, value_int(t->server_id));
        SET(r, PGC_pg_foreign_table_ftoptions, voptions(r->a, t->options, t->noptions));
    }
}

static void gen_tables_views(catalog_rows_t *r, int rel)
{
    for (int i = 0; i < pgd_nrels; i++) {
        const pgd_rel_t *d = &pgd_rels[i];
        if (rel == PGR_pg_tables && d->kind == 'r') {
            row_add(r, rel);
            SET(r, PGC_pg_tables_schemaname, vstr(r->a, d->schema));
            SET(r, PGC_pg_tables_tablename, vstr(r->a, d->name));
            SET(r, PGC_pg_tables_tableowner, vstr(r->a, CATALOG_SUPERUSER));
        } else if (rel == PGR_pg_views && d->kind == 'v') {
            row_add(r, rel);
            SET(r, PGC_pg_views_schemaname, vstr(r->a, d->schema));
            SET(r, PGC_pg_views_viewname, vstr(r->a, d->name));
            SET(r, PGC_pg_views_viewowner, vstr(r->a, CATALOG_SUPERUSER));
        }
    }
}

/* ---- materialized views: pg_matviews, pg_get_viewdef ---- */

/* The relations of a definition's FROM list: the name columns are
 * qualified with (alias or relation name) and the metastore table. */
typedef struct vd_rel {
    const char *qual;
    const meta_table_t *t;
} vd_rel_t;

typedef struct vd {
    const meta_catalog_t *mc;
    const char *schema; /* the view's schema: unqualified names resolve there, then in public */
    mem_arena_t *a;
    buf_t b;
    vd_rel_t rels[16];
    int nrels;
    bool pretty; /* pg_get_viewdef(oid, true): parentheses only where needed */
} vd_t;

static void *vd_pb_alloc(void *data, size_t size)
{
    return mem_alloc((mem_arena_t *)data, size);
}

static void vd_pb_free(void *data, void *p)
{
    (void)data;
    (void)p;
}

static const char *vd_str(const PgQuery__Node *n)
{
    return n && n->node_case == PG_QUERY__NODE__NODE_STRING ? n->string->sval : "";
}

static void vd_rels(vd_t *v, const PgQuery__Node *n)
{
    if (!n)
        return;
    if (n->node_case == PG_QUERY__NODE__NODE_JOIN_EXPR) {
        vd_rels(v, n->join_expr->larg);
        vd_rels(v, n->join_expr->rarg);
    } else if (n->node_case == PG_QUERY__NODE__NODE_RANGE_VAR && v->nrels < 16) {
        const PgQuery__RangeVar *rv = n->range_var;
        const meta_table_t *t = NULL;
        if (rv->schemaname && rv->schemaname[0])
            t = meta_catalog_table(v->mc, rv->schemaname, rv->relname);
        else if (!(t = meta_catalog_table(v->mc, v->schema, rv->relname)))
            t = meta_catalog_table(v->mc, "public", rv->relname);
        v->rels[v->nrels].qual = rv->alias && rv->alias->aliasname ? rv->alias->aliasname : rv->relname;
        v->rels[v->nrels++].t = t;
    }
}

/* An expression libpg_query deparses (what the printer below does not know). */
static void vd_fallback(vd_t *v, PgQuery__Node *n)
{
    PgQuery__ResTarget rt = PG_QUERY__RES_TARGET__INIT;
    rt.val = n;
    PgQuery__Node rtn = PG_QUERY__NODE__INIT;
    rtn.node_case = PG_QUERY__NODE__NODE_RES_TARGET;
    rtn.res_target = &rt;
    PgQuery__Node *tl[1] = { &rtn };
    PgQuery__SelectStmt sel = PG_QUERY__SELECT_STMT__INIT;
    sel.n_target_list = 1;
    sel.target_list = tl;
    PgQuery__Node sn = PG_QUERY__NODE__INIT;
    sn.node_case = PG_QUERY__NODE__NODE_SELECT_STMT;
    sn.select_stmt = &sel;
    PgQuery__RawStmt raw = PG_QUERY__RAW_STMT__INIT;
    raw.stmt = &sn;
    PgQuery__RawStmt *stmts[1] = { &raw };
    PgQuery__ParseResult pr = PG_QUERY__PARSE_RESULT__INIT;
    pr.version = PG_VERSION_NUM;
    pr.n_stmts = 1;
    pr.stmts = stmts;
    size_t len = pg_query__parse_result__get_packed_size(&pr);
    uint8_t *data = mem_alloc(v->a, len ? len : 1);
    pg_query__parse_result__pack(&pr, data);
    PgQueryProtobuf pb = { len, (char *)data };
    PgQueryDeparseResult d = pg_query_deparse_protobuf(pb);
    if (!d.error && d.query && strncmp(d.query, "SELECT ", 7) == 0)
        buf_puts(&v->b, d.query + 7);
    pg_query_free_deparse_result(d);
}

static void vd_expr_ctx(vd_t *v, PgQuery__Node *n, bool top);

static void vd_expr(vd_t *v, PgQuery__Node *n)
{
    vd_expr_ctx(v, n, true);
}

static void vd_list(vd_t *v, PgQuery__Node **items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            buf_puts(&v->b, ", ");
        vd_expr(v, items[i]);
    }
}

static void vd_column(vd_t *v, const PgQuery__ColumnRef *c)
{
    if (c->n_fields == 1 && c->fields[0]->node_case == PG_QUERY__NODE__NODE_STRING) {
        const char *col = vd_str(c->fields[0]);
        for (int i = 0; i < v->nrels; i++) {
            const meta_table_t *t = v->rels[i].t;
            for (size_t k = 0; t && k < t->ncolumns; k++)
                if (strcmp(t->columns[k].name, col) == 0) {
                    buf_printf(&v->b, "%s.%s", v->rels[i].qual, col);
                    return;
                }
        }
    }
    for (size_t i = 0; i < c->n_fields; i++) {
        if (i)
            buf_putc(&v->b, '.');
        buf_puts(&v->b, c->fields[i]->node_case == PG_QUERY__NODE__NODE_A_STAR ? "*" : vd_str(c->fields[i]));
    }
}

/* Expressions as ruleutils.c prints them without PRETTYFLAG_PAREN:
 * operators and boolean connectives in parentheses. */
static void vd_expr_ctx(vd_t *v, PgQuery__Node *n, bool top)
{
    /* pretty: no parentheses at the top of a clause or argument (operands
     * of operators keep theirs: precedence is not worked out here) */
    bool paren = !(v->pretty && top);
    if (!n)
        return;
    switch (n->node_case) {
    case PG_QUERY__NODE__NODE_COLUMN_REF:
        vd_column(v, n->column_ref);
        return;
    case PG_QUERY__NODE__NODE_A_CONST:
        if (n->a_const->val_case == PG_QUERY__A__CONST__VAL_IVAL && n->a_const->ival->ival >= 0) {
            buf_printf(&v->b, "%d", (int)n->a_const->ival->ival);
            return;
        }
        break;
    case PG_QUERY__NODE__NODE_FUNC_CALL: {
        const PgQuery__FuncCall *f = n->func_call;
        if (f->n_agg_order || f->agg_filter || f->over || f->agg_within_group || f->func_variadic)
            break;
        const char *name = vd_str(f->funcname[f->n_funcname - 1]);
        if (f->n_funcname == 2 && strcmp(vd_str(f->funcname[0]), "pg_catalog") != 0)
            buf_printf(&v->b, "%s.", vd_str(f->funcname[0]));
        buf_printf(&v->b, "%s(%s", name, f->agg_distinct ? "DISTINCT " : "");
        if (f->agg_star)
            buf_putc(&v->b, '*');
        vd_list(v, f->args, f->n_args);
        buf_putc(&v->b, ')');
        return;
    }
    case PG_QUERY__NODE__NODE_A_EXPR: {
        const PgQuery__AExpr *e = n->a_expr;
        if (e->kind != PG_QUERY__A__EXPR__KIND__AEXPR_OP || e->n_name != 1)
            break;
        if (paren)
            buf_putc(&v->b, '(');
        if (e->lexpr) {
            vd_expr_ctx(v, e->lexpr, false);
            buf_putc(&v->b, ' ');
        }
        buf_printf(&v->b, "%s ", vd_str(e->name[0]));
        vd_expr_ctx(v, e->rexpr, false);
        if (paren)
            buf_putc(&v->b, ')');
        return;
    }
    case PG_QUERY__NODE__NODE_BOOL_EXPR: {
        const PgQuery__BoolExpr *e = n->bool_expr;
        if (paren)
            buf_putc(&v->b, '(');
        if (e->boolop == PG_QUERY__BOOL_EXPR_TYPE__NOT_EXPR)
            buf_puts(&v->b, "NOT ");
        for (size_t i = 0; i < e->n_args; i++) {
            if (i)
                buf_puts(&v->b, e->boolop == PG_QUERY__BOOL_EXPR_TYPE__AND_EXPR ? " AND " : " OR ");
            /* an operator binds tighter than AND / OR */
            vd_expr_ctx(v, e->args[i], e->args[i]->node_case != PG_QUERY__NODE__NODE_BOOL_EXPR);
        }
        if (paren)
            buf_putc(&v->b, ')');
        return;
    }
    case PG_QUERY__NODE__NODE_NULL_TEST:
        if (paren)
            buf_putc(&v->b, '(');
        vd_expr_ctx(v, n->null_test->arg, false);
        buf_puts(&v->b, n->null_test->nulltesttype == PG_QUERY__NULL_TEST_TYPE__IS_NULL ? " IS NULL" : " IS NOT NULL");
        if (paren)
            buf_putc(&v->b, ')');
        return;
    default:
        break;
    }
    vd_fallback(v, n);
}

static void vd_from(vd_t *v, PgQuery__Node *n)
{
    if (n->node_case == PG_QUERY__NODE__NODE_RANGE_VAR) {
        const PgQuery__RangeVar *rv = n->range_var;
        if (rv->schemaname && rv->schemaname[0])
            buf_printf(&v->b, "%s.", rv->schemaname);
        buf_puts(&v->b, rv->relname);
        if (rv->alias && rv->alias->aliasname)
            buf_printf(&v->b, " %s", rv->alias->aliasname);
        return;
    }
    if (n->node_case != PG_QUERY__NODE__NODE_JOIN_EXPR || n->join_expr->is_natural || n->join_expr->n_using_clause) {
        vd_fallback(v, n);
        return;
    }
    const PgQuery__JoinExpr *j = n->join_expr;
    static const char *const kinds[] = { [PG_QUERY__JOIN_TYPE__JOIN_INNER] = "JOIN",
                                         [PG_QUERY__JOIN_TYPE__JOIN_LEFT] = "LEFT JOIN",
                                         [PG_QUERY__JOIN_TYPE__JOIN_FULL] = "FULL JOIN",
                                         [PG_QUERY__JOIN_TYPE__JOIN_RIGHT] = "RIGHT JOIN" };
    const char *kind = (size_t)j->jointype < sizeof kinds / sizeof kinds[0] && kinds[j->jointype] ? kinds[j->jointype]
                                                                                                  : "JOIN";
    if (!v->pretty)
        buf_putc(&v->b, '(');
    vd_from(v, j->larg);
    buf_printf(&v->b, "\n     %s ", j->quals ? kind : "CROSS JOIN");
    vd_from(v, j->rarg);
    if (j->quals) {
        buf_puts(&v->b, v->pretty ? " ON " : " ON (");
        vd_expr(v, j->quals);
        if (!v->pretty)
            buf_putc(&v->b, ')');
    }
    if (!v->pretty)
        buf_putc(&v->b, ')');
}

/* A GROUP BY item as get_rule_groupingset prints it. */
static void vd_group(vd_t *v, PgQuery__Node *n, bool omit_parens)
{
    if (n->node_case == PG_QUERY__NODE__NODE_GROUPING_SET) {
        const PgQuery__GroupingSet *g = n->grouping_set;
        bool child_omit = true;
        switch (g->kind) {
        case PG_QUERY__GROUPING_SET_KIND__GROUPING_SET_EMPTY: buf_puts(&v->b, "()"); return;
        case PG_QUERY__GROUPING_SET_KIND__GROUPING_SET_ROLLUP: buf_puts(&v->b, "ROLLUP("); break;
        case PG_QUERY__GROUPING_SET_KIND__GROUPING_SET_CUBE: buf_puts(&v->b, "CUBE("); break;
        case PG_QUERY__GROUPING_SET_KIND__GROUPING_SET_SETS:
            buf_puts(&v->b, "GROUPING SETS (");
            child_omit = false;
            break;
        default: buf_putc(&v->b, '('); break;
        }
        for (size_t i = 0; i < g->n_content; i++) {
            if (i)
                buf_puts(&v->b, ", ");
            vd_group(v, g->content[i], child_omit);
        }
        buf_putc(&v->b, ')');
    } else if (n->node_case == PG_QUERY__NODE__NODE_ROW_EXPR) {
        buf_putc(&v->b, '(');
        vd_list(v, n->row_expr->args, n->row_expr->n_args);
        buf_putc(&v->b, ')');
    } else if (omit_parens) {
        vd_expr(v, n);
    } else {
        buf_putc(&v->b, '(');
        vd_expr(v, n);
        buf_putc(&v->b, ')');
    }
}

static void vd_select(vd_t *v, const PgQuery__SelectStmt *s)
{
    for (size_t i = 0; i < s->n_from_clause; i++)
        vd_rels(v, s->from_clause[i]);
    buf_puts(&v->b, " SELECT ");
    for (size_t i = 0; i < s->n_target_list; i++) {
        const PgQuery__ResTarget *t = s->target_list[i]->res_target;
        if (i)
            buf_puts(&v->b, ",\n    ");
        vd_expr(v, t->val);
        const char *name = t->name;
        /* PostgreSQL names an unnamed call after its function */
        if ((!name || !name[0]) && t->val && t->val->node_case == PG_QUERY__NODE__NODE_FUNC_CALL)
            name = vd_str(t->val->func_call->funcname[t->val->func_call->n_funcname - 1]);
        if (name && name[0])
            buf_printf(&v->b, " AS %s", name);
    }
    for (size_t i = 0; i < s->n_from_clause; i++) {
        buf_puts(&v->b, i ? ", " : "\n   FROM ");
        vd_from(v, s->from_clause[i]);
    }
    if (s->where_clause) {
        buf_puts(&v->b, "\n  WHERE ");
        vd_expr(v, s->where_clause);
    }
    for (size_t i = 0; i < s->n_group_clause; i++) {
        buf_puts(&v->b, i ? ", " : "\n  GROUP BY ");
        vd_group(v, s->group_clause[i], true);
    }
    if (s->having_clause) {
        buf_puts(&v->b, "\n HAVING ");
        vd_expr(v, s->having_clause);
    }
    buf_putc(&v->b, ';');
}

/* catalog__viewdef - the SELECT of a materialized view as pg_get_viewdef
 * prints it (columns qualified, operators in parentheses, one target a
 * line), from the stored CREATE MATERIALIZED VIEW text; NULL when it does
 * not parse. Constants keep their written form (PostgreSQL adds the
 * casts the analyzer inserted, e.g. 'x'::text). */
const char *catalog__viewdef(const meta_catalog_t *mc, const meta_cube_t *c, bool pretty, mem_arena_t *a)
{
    if (!c->definition)
        return NULL;
    PgQueryProtobufParseResult r = pg_query_parse_protobuf(c->definition);
    if (r.error) {
        pg_query_free_protobuf_parse_result(r);
        return NULL;
    }
    ProtobufCAllocator alloc = { vd_pb_alloc, vd_pb_free, a };
    PgQuery__ParseResult *pr = pg_query__parse_result__unpack(&alloc, r.parse_tree.len, (const uint8_t *)r.parse_tree.data);
    pg_query_free_protobuf_parse_result(r);
    const PgQuery__SelectStmt *sel = NULL;
    for (size_t i = 0; pr && i < pr->n_stmts && !sel; i++) {
        const PgQuery__Node *st = pr->stmts[i]->stmt;
        if (!st || st->node_case != PG_QUERY__NODE__NODE_CREATE_TABLE_AS_STMT)
            continue;
        const PgQuery__CreateTableAsStmt *ct = st->create_table_as_stmt;
        if (ct->into && ct->into->rel && strcmp(ct->into->rel->relname, c->name) == 0 && ct->query &&
            ct->query->node_case == PG_QUERY__NODE__NODE_SELECT_STMT)
            sel = ct->query->select_stmt;
    }
    if (!sel)
        return NULL;
    const meta_schema_t *sch = meta_catalog_schema_by_id(mc, c->schema_id);
    vd_t v = { .mc = mc, .schema = sch ? sch->name : "public", .a = a, .b = BUF_INIT, .pretty = pretty };
    vd_select(&v, sel);
    const char *out = mem_astrndup(a, v.b.data ? v.b.data : "", v.b.len);
    buf_free(&v.b);
    return out;
}

/* catalog__matview_populated - whether a view has a READY segment
 * (PostgreSQL's relispopulated: false until the first refresh). */
bool catalog__matview_populated(const meta_catalog_t *mc, const meta_cube_t *c)
{
    for (size_t i = 0; i < mc->nsegments; i++)
        if (mc->segments[i].cube_id == c->h.id && mc->segments[i].status &&
            strcmp(mc->segments[i].status, "ready") == 0)
            return true;
    return false;
}

static void gen_matviews(const catalog_snap_t *s, catalog_rows_t *r, int rel)
{
    uint32_t owner = catalog__db_owner(s, r->a);
    catalog_role_t *ro;
    int nro = catalog__roles(s, r->a, &ro);
    const char *owner_name = CATALOG_SUPERUSER;
    for (int i = 0; i < nro; i++)
        if (ro[i].oid == owner)
            owner_name = ro[i].name;
    for (size_t i = 0; i < s->mc->ncubes; i++) {
        const meta_cube_t *c = &s->mc->cubes[i];
        const meta_schema_t *sch = meta_catalog_schema_by_id(s->mc, c->schema_id);
        row_add(r, rel);
        SET(r, PGC_pg_matviews_schemaname, vstr(r->a, sch ? sch->name : "public"));
        SET(r, PGC_pg_matviews_matviewname, vstr(r->a, c->name));
        SET(r, PGC_pg_matviews_matviewowner, vstr(r->a, owner_name));
        SET(r, PGC_pg_matviews_tablespace, value_null());
        SET(r, PGC_pg_matviews_hasindexes, vbool(false));
        SET(r, PGC_pg_matviews_ispopulated, vbool(catalog__matview_populated(s->mc, c)));
        SET(r, PGC_pg_matviews_definition, vstr(r->a, catalog__viewdef(s->mc, c, false, r->a)));
    }
}

/* ---- information_schema ---- */

static const char *db_name(void)
{
    const cfg_t *cfg = catalog__cfg();
    return cfg ? cfg_str(cfg, CFG_DATABASE) : "kiln";
}

static void gen_is_schemata(const catalog_snap_t *s, catalog_rows_t *r, int rel)
{
    static const char *const builtin[] = { "information_schema", "pg_catalog", "pg_toast", "public" };
    for (size_t i = 0; i < 4; i++) {
        row_add(r, rel);
        SET(r, PGC_is_schemata_catalog_name, vstr(r->a, db_name()));
        SET(r, PGC_is_schemata_schema_name, vstr(r->a, builtin[i]));
        SET(r, PGC_is_schemata_schema_owner, vstr(r->a, CATALOG_SUPERUSER));
    }
    for (size_t i = 0; i < s->mc->nschemas; i++) {
        if (strcmp(s->mc->schemas[i].name, "public") == 0)
            continue;
        row_add(r, rel);
        SET(r, PGC_is_schemata_catalog_name, vstr(r->a, db_name()));
        SET(r, PGC_is_schemata_schema_name, vstr(r->a, s->mc->schemas[i].name));
        SET(r, PGC_is_schemata_schema_owner,
            vstr(r->a, s->mc->schemas[i].owner ? s->mc->schemas[i].owner : CATALOG_SUPERUSER));
    }
}

static void gen_is_tables(const catalog_snap_t *s, catalog_rows_t *r, int rel)
{
    relinfo_t *ri;
    int n = all_relations(s, r->a, &ri);
    for (int i = 0; i < n; i++) {
        if (ri[i].kind == 'm')
            continue; /* PostgreSQL's information_schema has no materialized views */
        row_add(r, rel);
        SET(r, PGC_is_tables_table_catalog, vstr(r->a, db_name()));
        SET(r, PGC_is_tables_table_schema, vstr(r->a, ri[i].schema));
        SET(r, PGC_is_tables_table_name, vstr(r->a, ri[i].name));
        SET(r, PGC_is_tables_table_type,
            vstr(r->a, ri[i].kind == 'r' ? "BASE TABLE" : ri[i].kind == 'v' ? "VIEW" : "FOREIGN"));
        SET(r, PGC_is_tables_is_insertable_into, vstr(r->a, "NO"));
        SET(r, PGC_is_tables_is_typed, vstr(r->a, "NO"));
    }
}

/* information_schema.columns.data_type: the SQL name of a type (no typmod). */
static const char *is_data_type(type_oid_t t)
{
    const type_info_t *ti = type_lookup(t);
    if (!ti)
        return "USER-DEFINED";
    if (ti->category == 'A')
        return "ARRAY";
    if (ti->category == 'P')
        return ti->typname;
    return ti->name;
}

static void gen_is_columns(const catalog_snap_t *s, catalog_rows_t *r, int rel)
{
    relinfo_t *ri;
    int n = all_relations(s, r->a, &ri);
    for (int i = 0; i < n; i++) {
        for (int c = 0; c < ri[i].ncols && ri[i].kind != 'm'; c++) {
            const char *name;
            type_oid_t t;
            int32_t tm;
            bool notnull;
            rel_col(&ri[i], c, &name, &t, &tm, &notnull);
            const type_info_t *ti = type_lookup(t);
            row_add(r, rel);
            SET(r, PGC_is_columns_table_catalog, vstr(r->a, db_name()));
            SET(r, PGC_is_columns_table_schema, vstr(r->a, ri[i].schema));
            SET(r, PGC_is_columns_table_name, vstr(r->a, ri[i].name));
            SET(r, PGC_is_columns_column_name, vstr(r->a, name));
            SET(r, PGC_is_columns_ordinal_position, value_int(c + 1));
            SET(r, PGC_is_columns_is_nullable, vstr(r->a, notnull ? "NO" : "YES"));
            SET(r, PGC_is_columns_data_type, vstr(r->a, is_data_type(t)));
            if ((t == TYPE_VARCHAR || t == TYPE_BPCHAR) && tm >= 5) {
                SET(r, PGC_is_columns_character_maximum_length, value_int(tm - 4));
                SET(r, PGC_is_columns_character_octet_length, value_int((int64_t)(tm - 4) * 4));
            } else if (t == TYPE_TEXT || t == TYPE_VARCHAR || t == TYPE_BPCHAR) {
                SET(r, PGC_is_columns_character_octet_length, value_int(1073741824));
            }
            int prec = -1, radix = 2, scale = 0;
            switch (t) {
            case TYPE_INT2: prec = 16; break;
            case TYPE_INT4: prec = 32; break;
            case TYPE_INT8: prec = 64; break;
            case TYPE_FLOAT4: prec = 24, scale = -1; break;
            case TYPE_FLOAT8: prec = 53, scale = -1; break;
            case TYPE_NUMERIC:
                radix = 10;
                if (tm >= 4) {
                    prec = ((tm - 4) >> 16) & 0xffff;
                    scale = (tm - 4) & 0x7ff;
                } else {
                    prec = -2; /* radix only */
                }
                break;
            default: break;
            }
            if (prec >= 0 || prec == -2) {
                if (prec >= 0)
                    SET(r, PGC_is_columns_numeric_precision, value_int(prec));
                SET(r, PGC_is_columns_numeric_precision_radix, value_int(radix));
                if (scale >= 0 && prec >= 0)
                    SET(r, PGC_is_columns_numeric_scale, value_int(scale));
            }
            if (t == TYPE_DATE)
                SET(r, PGC_is_columns_datetime_precision, value_int(0));
            else if (t == TYPE_TIMESTAMP || t == TYPE_TIMESTAMPTZ || t == TYPE_TIME || t == TYPE_INTERVAL)
                SET(r, PGC_is_columns_datetime_precision, value_int(tm >= 0 ? tm : 6));
            SET(r, PGC_is_columns_udt_catalog, vstr(r->a, db_name()));
            SET(r, PGC_is_columns_udt_schema, vstr(r->a, "pg_catalog"));
            SET(r, PGC_is_columns_udt_name, vstr(r->a, ti ? ti->typname : "unknown"));
            SET(r, PGC_is_columns_dtd_identifier, vstr(r->a, mem_asprintf(r->a, "%d", c + 1)));
            SET(r, PGC_is_columns_is_self_referencing, vstr(r->a, "NO"));
            SET(r, PGC_is_columns_is_identity, vstr(r->a, "NO"));
            SET(r, PGC_is_columns_identity_cycle, vstr(r->a, "NO"));
            SET(r, PGC_is_columns_is_generated, vstr(r->a, "NEVER"));
            SET(r, PGC_is_columns_is_updatable, vstr(r->a, "NO"));
        }
    }
}

/* ---- dispatch ---- */

int catalog__sys_rows(const catalog_snap_t *s, int rel, mem_arena_t *a, catalog_rows_t *r, err_t *err)
{
    (void)err;
    rows_init(r, rel, a);
    switch (rel) {
    case PGR_pg_namespace: gen_namespace(s, r, rel); break;
    case PGR_pg_class: gen_class(s, r, rel); break;
    case PGR_pg_attribute: gen_attribute(s, r, rel); break;
    case PGR_pg_type: static_rows(r, rel, &pgd_pg_type, keep_type); break;
    case PGR_pg_proc: gen_proc(r, rel); break;
    case PGR_pg_am: static_rows(r, rel, &pgd_pg_am, NULL); break;
    case PGR_pg_collation: static_rows(r, rel, &pgd_pg_collation, NULL); break;
    case PGR_pg_language: static_rows(r, rel, &pgd_pg_language, NULL); break;
    case PGR_pg_tablespace: static_rows(r, rel, &pgd_pg_tablespace, NULL); break;
    case PGR_pg_cast: static_rows(r, rel, &pgd_pg_cast, keep_cast); break;
    case PGR_pg_operator: static_rows(r, rel, &pgd_pg_operator, keep_operator); break;
    case PGR_pg_aggregate: static_rows(r, rel, &pgd_pg_aggregate, keep_aggregate); break;
    case PGR_pg_matviews: gen_matviews(s, r, rel); break;
    case PGR_pg_range: break; /* kiln has no range types (pgd_pg_range lists PostgreSQL's) */
    case PGR_pg_database: gen_database(s, r, rel); break;
    case PGR_pg_roles: case PGR_pg_authid: case PGR_pg_user: gen_roles(s, r, rel); break;
    case PGR_pg_settings: gen_settings(r, rel); break;
    case PGR_pg_foreign_data_wrapper: gen_fdw(r, rel); break;
    case PGR_pg_extension: gen_extension(r, rel); break;
    case PGR_pg_description: gen_description(r, rel); break;
    case PGR_pg_foreign_server: gen_servers(s, r, rel); break;
    case PGR_pg_foreign_table: gen_foreign_tables(s, r, rel); break;
    case PGR_pg_tables: case PGR_pg_views: gen_tables_views(r, rel); break;
    case PGR_is_schemata: gen_is_schemata(s, r, rel); break;
    case PGR_is_tables: gen_is_tables(s, r, rel); break;
    case PGR_is_columns: gen_is_columns(s, r, rel); break;
    default: break; /* no rows: indexes, constraints, triggers, publications ... */
    }
    return 0;
}
