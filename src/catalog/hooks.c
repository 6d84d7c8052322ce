/*
 * hooks.c - how the catalog plugs into the SQL engine, all from
 * catalog_init so that node startup stays one call: its DDL as a utility
 * claimer (CREATE SERVER / FOREIGN TABLE / SCHEMA, DROP of those, and
 * CREATE EXTENSION file_fdw accepted as a no-op because file_fdw is built
 * in), its functions in the engine's registry (format_type,
 * pg_table_is_visible, obj_description ...), and names for reg* output
 * ('pg_class'::regclass::text, typinput::regproc).
 *
 * Statements it does not own (CREATE / REFRESH / DROP MATERIALIZED VIEW,
 * CALL ...) are passed on, so that another claimer registered after it (the
 * cube's) gets them.
 *
 * Threads: claiming happens at prepare on the loop thread and only looks at
 * the parse node; running DDL blocks on the metastore, so claimed DDL is
 * never `cheap` and the session runs it on the work pool.
 */
#include "catalog/catalog.h"

#include <string.h>

#include "catalog/ddl.h"
#include "catalog_int.h"
#include "common/buf.h"
#include "sql/utility.h"
#include "types/reg.h"

/* The SQL layer's entry points are weak references: a program that links
 * the catalog without the SQL engine (the cube matcher's unit test) gets the
 * provider and functions but no claimer, instead of a link error. kilnd
 * always links src/sql, so there they resolve. */
#pragma weak sql_utility_register
#pragma weak sql_utility_search_path
#pragma weak sql_current_session

typedef struct ddl_state {
    const PgQuery__Node *node;
    const char *sql; /* the statement text (positions are byte offsets into it) */
    int offset;      /* characters before it in the client's string */
} ddl_state_t;

static int chars_upto(const char *s, int bytes)
{
    int c = 0;
    for (int i = 0; i < bytes && s[i]; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            c++;
    return c;
}

static int ddl_run(void *state, const sql_utility_run_t *r, err_t *err)
{
    const ddl_state_t *st = state;
    const char **path;
    int npath;
    if (sql_utility_search_path(r->session, r->arena, &path, &npath) < 0)
        return -1;
    catalog_ddl_t d = { catalog__store(), r->session->user, path, npath, r->session->hooks.notice,
                        r->session->hooks.arg };
    if (!d.store)
        return err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "this node has no metastore: DDL is not available");
    int rc;
    const PgQuery__Node *n = st->node;
    switch (n->node_case) {
    case PG_QUERY__NODE__NODE_CREATE_FOREIGN_SERVER_STMT:
        rc = catalog_create_server(&d, n->create_foreign_server_stmt, err);
        break;
    case PG_QUERY__NODE__NODE_CREATE_FOREIGN_TABLE_STMT:
        rc = catalog_create_foreign_table(&d, n->create_foreign_table_stmt, err);
        break;
    case PG_QUERY__NODE__NODE_CREATE_SCHEMA_STMT:
        rc = catalog_create_schema(&d, n->create_schema_stmt, err);
        break;
    default:
        rc = catalog_drop(&d, n->drop_stmt, err);
        break;
    }
    if (rc != 0) {
        /* ddl.h positions are 1-based bytes into the statement text */
        if (err->position > 0)
            err->position = chars_upto(st->sql, err->position - 1) + 1 + st->offset;
        return -1;
    }
    return 0;
}

static int noop_run(void *state, const sql_utility_run_t *r, err_t *err)
{
    (void)state;
    (void)r;
    (void)err;
    return 0;
}

/* CREATE EXTENSION IF NOT EXISTS file_fdw: it always exists (pg_extension
 * lists it), so PostgreSQL's skip notice. */
static int exists_run(void *state, const sql_utility_run_t *r, err_t *err)
{
    (void)state;
    (void)err;
    if (r->session->hooks.notice) {
        err_t n;
        memset(&n, 0, sizeof n);
        err_set(&n, ERRCODE_DUPLICATE_OBJECT, "extension \"file_fdw\" already exists, skipping");
        n.severity = ERR_NOTICE;
        r->session->hooks.notice(r->session->hooks.arg, &n);
    }
    return 0;
}

static const char *drop_tag(const PgQuery__DropStmt *s)
{
    switch (s->remove_type) {
    case PG_QUERY__OBJECT_TYPE__OBJECT_FOREIGN_TABLE: return "DROP FOREIGN TABLE";
    case PG_QUERY__OBJECT_TYPE__OBJECT_FOREIGN_SERVER: return "DROP SERVER";
    default: return "DROP SCHEMA";
    }
}

/* CREATE EXTENSION: file_fdw is part of kiln, so creating it (with or
 * without IF NOT EXISTS) succeeds without doing anything; scripts written
 * for PostgreSQL's file_fdw run unchanged. Any other extension is not
 * available, as on a PostgreSQL without its files. */
static int claim_extension(const sql_utility_call_t *call, sql_utility_t *out, err_t *err)
{
    const PgQuery__CreateExtensionStmt *s = call->node ? ((const PgQuery__Node *)call->node)->create_extension_stmt
                                                        : NULL;
    if (!s || !s->extname)
        return 0;
    if (strcmp(s->extname, "file_fdw") != 0)
        return err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "extension \"%s\" is not available", s->extname);
    out->tag = "CREATE EXTENSION";
    out->cheap = true;
    out->ncols = -1;
    out->run = s->if_not_exists ? exists_run : noop_run;
    return 1;
}

static int claim(void *arg, const sql_utility_call_t *call, sql_utility_t *out, err_t *err)
{
    (void)arg;
    const PgQuery__Node *n = call->node;
    const char *tag;
    switch (n->node_case) {
    case PG_QUERY__NODE__NODE_CREATE_FOREIGN_SERVER_STMT: tag = "CREATE SERVER"; break;
    case PG_QUERY__NODE__NODE_CREATE_FOREIGN_TABLE_STMT: tag = "CREATE FOREIGN TABLE"; break;
    case PG_QUERY__NODE__NODE_CREATE_SCHEMA_STMT: tag = "CREATE SCHEMA"; break;
    case PG_QUERY__NODE__NODE_DROP_STMT:
        if (!catalog_drop_handles(n->drop_stmt))
            return 0; /* DROP MATERIALIZED VIEW and others: another claimer's */
        tag = drop_tag(n->drop_stmt);
        break;
    case PG_QUERY__NODE__NODE_CREATE_EXTENSION_STMT:
        return claim_extension(call, out, err);
    default:
        return 0;
    }
    ddl_state_t *st = mem_alloc0(call->arena, sizeof *st);
    st->node = n;
    st->sql = call->sql;
    st->offset = call->offset;
    out->tag = tag;
    out->cheap = false; /* the metastore blocks: the work pool */
    out->ncols = -1;
    out->run = ddl_run;
    out->state = st;
    return 1;
}

/* ---- reg* output by name ---- */

/* The search path regclass output qualifies against: the session's, as far
 * as the executing statement knows it; "$user", public otherwise. */
static bool reg_namer(type_oid_t t, uint32_t oid, buf_t *out)
{
    mem_arena_t *a = mem_arena_new(NULL, "regout", 0);
    const char *name = NULL;
    switch (t) {
    case TYPE_REGCLASS: {
        const sql_session_info_t *info = sql_current_session ? sql_current_session() : NULL;
        const char **path = NULL;
        int npath = 0;
        if (info) {
            const char **raw;
            int nraw;
            sql_utility_search_path(info, a, &raw, &nraw);
            path = mem_alloc(a, sizeof *path * (size_t)(nraw + 1));
            for (int i = 0; i < nraw; i++)
                path[npath++] = strcmp(raw[i], "$user") == 0 ? info->user : raw[i];
        } else {
            static const char *def[] = { "public" };
            path = def;
            npath = 1;
        }
        name = catalog_relation_name(oid, path, npath, a);
        break;
    }
    case TYPE_REGNAMESPACE: name = catalog_namespace_name(oid, a); break;
    case TYPE_REGROLE: name = catalog_role_name(oid, a); break;
    case TYPE_REGPROC: name = catalog_proc_name(oid); break;
    default: break;
    }
    if (name)
        buf_puts(out, name);
    mem_arena_free(a);
    return name != NULL;
}

static uint32_t reg_resolver(type_oid_t t, const char *name)
{
    switch (t) {
    case TYPE_REGPROC: return catalog_proc_oid(name);
    case TYPE_REGNAMESPACE: return catalog_namespace_oid(name);
    case TYPE_REGROLE: return catalog_role_oid(name);
    default: return 0;
    }
}

void catalog__hooks_register(void)
{
    if (sql_utility_register)
        sql_utility_register(claim, NULL);
    exec_func_register(catalog_funcs, catalog_nfuncs);
    type_reg_set_namer(reg_namer);
    type_reg_set_resolver(reg_resolver);
}
