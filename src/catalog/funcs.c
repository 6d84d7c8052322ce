/*
 * funcs.c - the catalog functions introspection SQL calls (format_type,
 * pg_table_is_visible, pg_get_userbyid, obj_description, pg_get_expr,
 * has_*_privilege, to_regclass ...), as engine functions (catalog_funcs),
 * and the name <-> OID lookups the engine's reg* types need.
 *
 * They read the current catalog snapshot (lock-free). Objects kiln does not
 * have (comments, defaults, indexes, constraints, views' text) give NULL as
 * PostgreSQL gives for objects without them; privileges are all granted
 * (kiln has no ACLs yet).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"
#include "catalog_int.h"
#include "common/buf.h"
#include "pgdata.h"
#include "types/value.h"

/* ---- lookups ---- */

static const char *copy(mem_arena_t *a, const char *s)
{
    return a ? mem_astrdup(a, s) : s;
}

static bool in_path(const char *schema, const char *const *path, int npath)
{
    if (strcmp(schema, "pg_catalog") == 0)
        return true;
    for (int i = 0; i < npath; i++)
        if (strcmp(path[i], schema) == 0)
            return true;
    return false;
}

/* The relation with that oid in s: schema and name (false when none). */
static bool rel_by_oid(const catalog_snap_t *s, uint32_t oid, const char **schema, const char **name)
{
    for (int i = 0; i < pgd_nrels; i++)
        if (pgd_rels[i].oid == oid) {
            *schema = pgd_rels[i].schema;
            *name = pgd_rels[i].name;
            return true;
        }
    const meta_table_t *t = meta_catalog_table_by_id(s->mc, oid);
    const meta_cube_t *c = t ? NULL : meta_catalog_cube_by_id(s->mc, oid); /* materialized views */
    if (!t && !c)
        return false;
    const meta_schema_t *sch = meta_catalog_schema_by_id(s->mc, t ? t->schema_id : c->schema_id);
    *schema = sch ? sch->name : "public";
    *name = t ? t->name : c->name;
    return true;
}

static uint32_t rel_oid(const catalog_snap_t *s, const char *schema, const char *name)
{
    for (int i = 0; i < pgd_nrels; i++)
        if (strcmp(pgd_rels[i].schema, schema) == 0 && strcmp(pgd_rels[i].name, name) == 0)
            return pgd_rels[i].oid;
    const meta_table_t *t = meta_catalog_table(s->mc, schema, name);
    if (t)
        return catalog__table_oid(t);
    const meta_cube_t *c = meta_catalog_cube(s->mc, schema, name); /* materialized views */
    return c ? (uint32_t)c->h.id : 0;
}

uint32_t catalog_relation_oid(const char *schema, const char *name, const char *const *path, int npath)
{
    catalog_snap_t *s = catalog__snap_stmt();
    if (!s)
        return 0;
    uint32_t oid = 0;
    if (schema) {
        oid = rel_oid(s, schema, name);
    } else {
        oid = rel_oid(s, "pg_catalog", name);
        for (int i = 0; !oid && i < npath; i++)
            oid = rel_oid(s, path[i], name);
    }
    catalog__snap_release(s);
    return oid;
}

bool catalog_table_is_visible(uint32_t oid, const char *const *path, int npath)
{
    catalog_snap_t *s = catalog__snap_stmt();
    if (!s)
        return false;
    const char *schema, *name;
    bool vis = false;
    if (rel_by_oid(s, oid, &schema, &name) && in_path(schema, path, npath)) {
        /* Visible when no schema earlier in the path has the same name. */
        uint32_t first = rel_oid(s, "pg_catalog", name);
        for (int i = 0; !first && i < npath; i++)
            first = rel_oid(s, path[i], name);
        vis = first == oid;
    }
    catalog__snap_release(s);
    return vis;
}

const char *catalog_relation_name(uint32_t oid, const char *const *path, int npath, mem_arena_t *a)
{
    catalog_snap_t *s = catalog__snap_stmt();
    if (!s)
        return NULL;
    const char *schema, *name, *out = NULL;
    if (rel_by_oid(s, oid, &schema, &name)) {
        bool vis = in_path(schema, path, npath);
        if (vis) {
            uint32_t first = rel_oid(s, "pg_catalog", name);
            for (int i = 0; !first && i < npath; i++)
                first = rel_oid(s, path[i], name);
            vis = first == oid;
        }
        out = vis ? mem_astrdup(a, name) : mem_asprintf(a, "%s.%s", schema, name);
    }
    catalog__snap_release(s);
    return out;
}

const char *catalog_namespace_name(uint32_t oid, mem_arena_t *a)
{
    switch (oid) {
    case CATALOG_OID_PG_CATALOG: return copy(a, "pg_catalog");
    case CATALOG_OID_PUBLIC: return copy(a, "public");
    case CATALOG_OID_INFORMATION_SCHEMA: return copy(a, "information_schema");
    case 99: return copy(a, "pg_toast");
    default: break;
    }
    catalog_snap_t *s = catalog__snap_stmt();
    if (!s)
        return NULL;
    const meta_schema_t *m = meta_catalog_schema_by_id(s->mc, oid);
    const char *out = m ? mem_astrdup(a, m->name) : NULL;
    catalog__snap_release(s);
    return out;
}

uint32_t catalog_namespace_oid(const char *name)
{
    if (strcmp(name, "pg_catalog") == 0)
        return CATALOG_OID_PG_CATALOG;
    if (strcmp(name, "public") == 0)
        return CATALOG_OID_PUBLIC;
    if (strcmp(name, "information_schema") == 0)
        return CATALOG_OID_INFORMATION_SCHEMA;
    if (strcmp(name, "pg_toast") == 0)
        return 99;
    catalog_snap_t *s = catalog__snap_stmt();
    if (!s)
        return 0;
    const meta_schema_t *m = meta_catalog_schema(s->mc, name);
    uint32_t oid = m ? catalog__schema_oid(m) : 0;
    catalog__snap_release(s);
    return oid;
}

const char *catalog_role_name(uint32_t oid, mem_arena_t *a)
{
    if (oid == CATALOG_OID_BOOTSTRAP_SUPERUSER)
        return copy(a, CATALOG_SUPERUSER);
    catalog_snap_t *s = catalog__snap_stmt();
    mem_arena_t *tmp = mem_arena_new(NULL, "roles", 0);
    catalog_role_t *ro;
    int n = catalog__roles(s, tmp, &ro);
    const char *out = NULL;
    for (int i = 0; i < n && !out; i++)
        if (ro[i].oid == oid)
            out = mem_astrdup(a, ro[i].name);
    mem_arena_free(tmp);
    catalog__snap_release(s);
    return out;
}

uint32_t catalog_role_oid(const char *name)
{
    if (strcmp(name, CATALOG_SUPERUSER) == 0)
        return CATALOG_OID_BOOTSTRAP_SUPERUSER;
    catalog_snap_t *s = catalog__snap_stmt();
    mem_arena_t *tmp = mem_arena_new(NULL, "roles", 0);
    catalog_role_t *ro;
    int n = catalog__roles(s, tmp, &ro);
    uint32_t oid = 0;
    for (int i = 0; i < n && !oid; i++)
        if (strcmp(ro[i].name, name) == 0)
            oid = ro[i].oid;
    mem_arena_free(tmp);
    catalog__snap_release(s);
    return oid;
}

static const catalog_proc_t extra_procs[] = {
    { CATALOG_OID_FILE_FDW_HANDLER, "file_fdw_handler", 3115 /* fdw_handler */, 0, { 0, 0 } },
    { CATALOG_OID_FILE_FDW_VALIDATOR, "file_fdw_validator", 2278 /* void */, 2, { TYPE_TEXT_ARRAY, TYPE_OID } },
};

const catalog_proc_t *catalog__extra_proc(int k)
{
    return k >= 0 && k < (int)(sizeof extra_procs / sizeof extra_procs[0]) ? &extra_procs[k] : NULL;
}

const char *catalog_proc_name(uint32_t oid)
{
    for (const catalog_proc_t *p = catalog__extra_proc(0); p && p < extra_procs + 2; p++)
        if (p->oid == oid)
            return p->name;
    for (int i = 0; i < pgd_pg_proc.nrows; i++) {
        const char *const *c = pgd_pg_proc.cells + (size_t)i * (size_t)pgd_pg_proc.ncols;
        if ((uint32_t)strtoul(c[0], NULL, 10) == oid)
            return c[1];
    }
    return NULL;
}

uint32_t catalog_proc_oid(const char *name)
{
    if (strncmp(name, "pg_catalog.", 11) == 0)
        name += 11;
    for (int k = 0; catalog__extra_proc(k); k++)
        if (strcmp(catalog__extra_proc(k)->name, name) == 0)
            return catalog__extra_proc(k)->oid;
    for (int i = 0; i < pgd_pg_proc.nrows; i++) {
        const char *const *c = pgd_pg_proc.cells + (size_t)i * (size_t)pgd_pg_proc.ncols;
        if (strcmp(c[1], name) == 0)
            return (uint32_t)strtoul(c[0], NULL, 10);
    }
    return 0;
}

const char *catalog_format_type(uint32_t type, int32_t typmod, mem_arena_t *a)
{
    const type_info_t *ti = type_lookup(type);
    if (!ti && type == 3115)
        return copy(a, "fdw_handler"); /* the result type of file_fdw_handler() */
    if (!ti)
        return copy(a, "???");
    if (ti->category == 'A' && ti->elem && type != TYPE_INT2VECTOR && type != TYPE_OIDVECTOR) {
        const char *e = catalog_format_type(ti->elem, typmod, a);
        return mem_asprintf(a, "%s[]", e);
    }
    if (typmod >= 0) {
        switch (type) {
        case TYPE_VARCHAR:
            return typmod >= 4 ? mem_asprintf(a, "character varying(%d)", typmod - 4) : copy(a, ti->name);
        case TYPE_BPCHAR:
            return typmod >= 4 ? mem_asprintf(a, "character(%d)", typmod - 4) : copy(a, ti->name);
        case TYPE_NUMERIC:
            if (typmod >= 4)
                return mem_asprintf(a, "numeric(%d,%d)", ((typmod - 4) >> 16) & 0xffff,
                                    (int)((((typmod - 4) & 0x7ff) ^ 1024) - 1024));
            break;
        case TYPE_TIMESTAMP:
            return mem_asprintf(a, "timestamp(%d) without time zone", typmod);
        case TYPE_TIMESTAMPTZ:
            return mem_asprintf(a, "timestamp(%d) with time zone", typmod);
        case TYPE_TIME:
            return mem_asprintf(a, "time(%d) without time zone", typmod);
        default:
            break;
        }
    } else if (type == TYPE_BPCHAR) {
        return copy(a, "bpchar"); /* PostgreSQL's format_type(1042, -1) */
    }
    return copy(a, ti->name);
}

/* ---- engine functions ---- */

static int set_text(exec_fctx_t *fc, value_t *out, const char *s)
{
    if (!s) {
        *out = value_null();
        return 0;
    }
    size_t n = strlen(s);
    *out = value_text(mem_astrndup(fc->arena, s, n), n);
    return 0;
}

static int search_path(exec_fctx_t *fc, const char ***names, int *n)
{
    *names = NULL;
    *n = 0;
    if (fc->sess && fc->sess->search_path)
        return fc->sess->search_path(fc->sess, false, fc->arena, names, n);
    static const char *const def[] = { "public" };
    *names = (const char **)def;
    *n = 1;
    return 0;
}

static int f_format_type(exec_fctx_t *fc, const value_t *a, value_t *out)
{
    if (a[0].isnull) {
        *out = value_null();
        return 0;
    }
    int32_t tm = fc->nargs > 1 && !a[1].isnull ? (int32_t)a[1].u.i : -1;
    return set_text(fc, out, catalog_format_type((uint32_t)a[0].u.i, tm, fc->arena));
}

static int f_table_is_visible(exec_fctx_t *fc, const value_t *a, value_t *out)
{
    const char **path;
    int n;
    if (search_path(fc, &path, &n) < 0)
        return -1;
    *out = value_int(catalog_table_is_visible((uint32_t)a[0].u.i, path, n));
    return 0;
}

static int f_type_is_visible(exec_fctx_t *fc, const value_t *a, value_t *out)
{
    (void)fc;
    /* Every type kiln has lives in pg_catalog, always searched. */
    *out = value_int(type_lookup((type_oid_t)a[0].u.i) != NULL);
    return 0;
}

static int f_true1(exec_fctx_t *fc, const value_t *a, value_t *out)
{
    (void)fc;
    (void)a;
    *out = value_int(1);
    return 0;
}

static int f_false1(exec_fctx_t *fc, const value_t *a, value_t *out)
{
    (void)fc;
    (void)a;
    *out = value_int(0);
    return 0;
}

static int f_null(exec_fctx_t *fc, const value_t *a, value_t *out)
{
    (void)fc;
    (void)a;
    *out = value_null();
    return 0;
}

static int f_zero8(exec_fctx_t *fc, const value_t *a, value_t *out)
{
    (void)fc;
    (void)a;
    *out = value_int(0);
    return 0;
}

static int f_obj_description(exec_fctx_t *fc, const value_t *a, value_t *out)
{
    uint32_t classoid = 0;
    if (fc->nargs > 1) {
        /* the catalog's name: 'pg_extension' -> its pg_class oid */
        char name[64];
        size_t n = a[1].u.s.len < sizeof name - 1 ? a[1].u.s.len : sizeof name - 1;
        memcpy(name, a[1].u.s.p, n);
        name[n] = '\0';
        classoid = catalog_relation_oid("pg_catalog", name, NULL, 0);
    }
    const char *d = catalog__description((uint32_t)a[0].u.i, classoid);
    return set_text(fc, out, d);
}

/* proc_signature - return type, argument types and retset of function oid
 * (false when kiln does not list it). */
static bool proc_signature(uint32_t oid, mem_arena_t *a, uint32_t *ret, uint32_t **args, int *nargs, bool *retset)
{
    for (int k = 0; catalog__extra_proc(k); k++) {
        const catalog_proc_t *p = catalog__extra_proc(k);
        if (p->oid == oid) {
            *ret = p->ret;
            *nargs = p->nargs;
            *args = mem_alloc(a, sizeof(uint32_t) * 2);
            memcpy(*args, p->args, sizeof(uint32_t) * 2);
            *retset = false;
            return true;
        }
    }
    for (int i = 0; i < pgd_pg_proc.nrows; i++) {
        const char *const *c = pgd_pg_proc.cells + (size_t)i * (size_t)pgd_pg_proc.ncols;
        if ((uint32_t)strtoul(c[0], NULL, 10) != oid)
            continue;
        *ret = (uint32_t)strtoul(c[4], NULL, 10);
        *retset = c[6][0] == 't';
        int n = 0;
        *args = mem_alloc(a, sizeof(uint32_t) * (strlen(c[5]) / 2 + 1));
        for (const char *p = c[5]; *p;) {
            char *end;
            unsigned long v = strtoul(p, &end, 10);
            if (end == p)
                break;
            (*args)[n++] = (uint32_t)v;
            p = end;
            while (*p == ' ')
                p++;
        }
        *nargs = n;
        return true;
    }
    return false;
}

static int f_function_result(exec_fctx_t *fc, const value_t *a, value_t *out)
{
    uint32_t ret, *args;
    int n;
    bool set;
    if (!proc_signature((uint32_t)a[0].u.i, fc->arena, &ret, &args, &n, &set))
        return set_text(fc, out, NULL);
    const char *t = catalog_format_type(ret, -1, fc->arena);
    return set_text(fc, out, set ? mem_asprintf(fc->arena, "SETOF %s", t) : t);
}

static int f_function_arguments(exec_fctx_t *fc, const value_t *a, value_t *out)
{
    uint32_t ret, *args;
    int n;
    bool set;
    if (!proc_signature((uint32_t)a[0].u.i, fc->arena, &ret, &args, &n, &set))
        return set_text(fc, out, NULL);
    buf_t b = BUF_INIT;
    for (int i = 0; i < n; i++) {
        if (i)
            buf_puts(&b, ", ");
        buf_puts(&b, catalog_format_type(args[i], -1, fc->arena));
    }
    int rc = set_text(fc, out, buf_cstr(&b));
    buf_free(&b);
    return rc;
}

static int f_get_userbyid(exec_fctx_t *fc, const value_t *a, value_t *out)
{
    const char *n = catalog_role_name((uint32_t)a[0].u.i, fc->arena);
    if (!n)
        n = mem_asprintf(fc->arena, "unknown (OID=%u)", (unsigned)a[0].u.i);
    return set_text(fc, out, n);
}

static int f_encoding_to_char(exec_fctx_t *fc, const value_t *a, value_t *out)
{
    return set_text(fc, out, a[0].u.i == 6 ? "UTF8" : a[0].u.i == 0 ? "SQL_ASCII" : "");
}

/* Splits "a.b" / "\"A\".b" into schema and name, folding unquoted parts to lower case. */
static int parse_qualified(mem_arena_t *a, const char *p, size_t len, const char **schema, const char **name)
{
    const char *parts[3];
    int n = 0;
    size_t i = 0;
    while (i <= len && n < 3) {
        char *buf = mem_alloc(a, len + 1);
        size_t k = 0;
        if (i < len && p[i] == '"') {
            i++;
            while (i < len) {
                if (p[i] == '"') {
                    if (i + 1 < len && p[i + 1] == '"') {
                        buf[k++] = '"';
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                buf[k++] = p[i++];
            }
        } else {
            while (i < len && p[i] != '.')
                buf[k++] = (char)tolower((unsigned char)p[i++]);
        }
        buf[k] = '\0';
        parts[n++] = buf;
        if (i < len && p[i] == '.') {
            i++;
            continue;
        }
        break;
    }
    if (n == 1) {
        *schema = NULL;
        *name = parts[0];
    } else {
        *schema = parts[n - 2];
        *name = parts[n - 1];
    }
    return 0;
}

/* pg_get_viewdef(oid [, pretty]): a materialized view's SELECT (kiln has no
 * other views; built-in views give NULL). */
static int f_get_viewdef(exec_fctx_t *fc, const value_t *a, value_t *out)
{
    catalog_snap_t *s = catalog__snap_stmt();
    const char *def = NULL;
    const meta_cube_t *c = s ? meta_catalog_cube_by_id(s->mc, (int64_t)(uint32_t)a[0].u.i) : NULL;
    if (c)
        def = catalog__viewdef(s->mc, c, fc->nargs > 1 && !a[1].isnull && a[1].u.i != 0, fc->arena);
    catalog__snap_release(s);
    return set_text(fc, out, def);
}

static int f_to_regclass(exec_fctx_t *fc, const value_t *a, value_t *out)
{
    const char *schema, *name;
    parse_qualified(fc->arena, a[0].u.s.p, a[0].u.s.len, &schema, &name);
    const char **path;
    int n;
    if (search_path(fc, &path, &n) < 0)
        return -1;
    uint32_t oid = catalog_relation_oid(schema, name, path, n);
    *out = oid ? value_int(oid) : value_null();
    return 0;
}

#define S EXEC_FN_STRICT
#define ST (EXEC_FN_STRICT | EXEC_FN_STABLE)
#define OI TYPE_OID
#define TX TYPE_TEXT
#define NM TYPE_NAME
#define I4 TYPE_INT4
#define B TYPE_BOOL
#define RC TYPE_REGCLASS
#define NT TYPE_PG_NODE_TREE

#define PRIV(name)                                                                                               \
    { name, 2, { TX, TX }, B, f_true1, ST, 0 }, { name, 2, { OI, TX }, B, f_true1, ST, 0 },                    \
        { name, 3, { NM, TX, TX }, B, f_true1, ST, 0 }, { name, 3, { NM, OI, TX }, B, f_true1, ST, 0 },        \
        { name, 3, { OI, TX, TX }, B, f_true1, ST, 0 }, { name, 3, { OI, OI, TX }, B, f_true1, ST, 0 }

const exec_func_t catalog_funcs[] = {
    { "format_type", 2, { OI, I4 }, TX, f_format_type, EXEC_FN_STABLE, 1081 },
    { "pg_table_is_visible", 1, { OI }, B, f_table_is_visible, ST, 2079 },
    { "pg_type_is_visible", 1, { OI }, B, f_type_is_visible, ST, 2080 },
    { "pg_function_is_visible", 1, { OI }, B, f_true1, ST, 2081 },
    { "pg_collation_is_visible", 1, { OI }, B, f_true1, ST, 3815 },
    { "pg_get_userbyid", 1, { OI }, NM, f_get_userbyid, ST, 1642 },
    { "obj_description", 2, { OI, NM }, TX, f_obj_description, ST, 1215 },
    { "obj_description", 1, { OI }, TX, f_obj_description, ST, 1348 },
    { "pg_get_function_result", 1, { OI }, TX, f_function_result, ST, 2165 },
    { "pg_get_function_arguments", 1, { OI }, TX, f_function_arguments, ST, 2162 },
    { "pg_get_function_identity_arguments", 1, { OI }, TX, f_function_arguments, ST, 2232 },
    { "col_description", 2, { OI, I4 }, TX, f_null, ST, 1216 },
    { "shobj_description", 2, { OI, NM }, TX, f_null, ST, 1993 },
    { "pg_get_expr", 2, { NT, OI }, TX, f_null, ST, 1716 },
    { "pg_get_expr", 3, { NT, OI, B }, TX, f_null, ST, 2509 },
    { "pg_get_indexdef", 1, { OI }, TX, f_null, ST, 1643 },
    { "pg_get_indexdef", 3, { OI, I4, B }, TX, f_null, ST, 2507 },
    { "pg_get_constraintdef", 1, { OI }, TX, f_null, ST, 1387 },
    { "pg_get_constraintdef", 2, { OI, B }, TX, f_null, ST, 2508 },
    { "pg_get_viewdef", 1, { OI }, TX, f_get_viewdef, ST, 1641 },
    { "pg_get_viewdef", 2, { OI, B }, TX, f_get_viewdef, ST, 2506 },
    { "pg_get_statisticsobjdef_columns", 1, { OI }, TX, f_null, ST, 6174 },
    { "pg_get_serial_sequence", 2, { TX, TX }, TX, f_null, ST, 1665 },
    { "pg_relation_is_publishable", 1, { RC }, B, f_false1, ST, 6121 },
    /* Foreign tables have no storage of their own: PostgreSQL says 0 too. */
    { "pg_relation_size", 1, { RC }, TYPE_INT8, f_zero8, ST, 2325 },
    { "pg_table_size", 1, { RC }, TYPE_INT8, f_zero8, ST, 2997 },
    { "pg_total_relation_size", 1, { RC }, TYPE_INT8, f_zero8, ST, 2286 },
    { "pg_indexes_size", 1, { RC }, TYPE_INT8, f_zero8, ST, 2998 },
    { "pg_encoding_to_char", 1, { I4 }, NM, f_encoding_to_char, S, 1597 },
    { "to_regclass", 1, { TX }, RC, f_to_regclass, ST, 3495 },
    PRIV("has_table_privilege"),
    PRIV("has_schema_privilege"),
    PRIV("has_database_privilege"),
    PRIV("has_any_column_privilege"),
    PRIV("has_function_privilege"),
    PRIV("has_type_privilege"),
    { "has_column_privilege", 3, { TX, TX, TX }, B, f_true1, ST, 0 },
    { "has_column_privilege", 3, { OI, TX, TX }, B, f_true1, ST, 0 },
    { "has_column_privilege", 3, { OI, TYPE_INT2, TX }, B, f_true1, ST, 0 },
    { "has_column_privilege", 4, { NM, TX, TX, TX }, B, f_true1, ST, 0 },
    { "has_column_privilege", 4, { NM, OI, TX, TX }, B, f_true1, ST, 0 },
};
const int catalog_nfuncs = (int)(sizeof catalog_funcs / sizeof catalog_funcs[0]);
