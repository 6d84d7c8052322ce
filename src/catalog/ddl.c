/*
 * ddl.c - CREATE SERVER / CREATE FOREIGN TABLE / CREATE SCHEMA / DROP of
 * source tables, from libpg_query's parse tree to the metastore.
 *
 * Checks that need no metastore (types, typmods, constraints, duplicate
 * columns, file_fdw options) run first, with PostgreSQL's messages and the
 * position of the offending token; the rest (schema, server, name clashes,
 * dependents) runs inside one metastore transaction through meta_run, which
 * retries on conflict, so the function body rereads everything it changes.
 * The metastore appends the events of every put and delete in the same
 * transaction. NOTICEs are collected and sent only after the commit, so a
 * retried transaction does not repeat them.
 *
 * Not here: cubes and models (src/cube); DROP ... CASCADE through a cube is
 * refused (the cube's owner must drop it first).
 */
#include "catalog/ddl.h"

#include <stdio.h>
#include <string.h>

#include "catalog/filescan.h"
#include "catalog_int.h"
#include "types/types.h"

#define MAX_NOTICES 8

typedef struct ddl_run {
    const catalog_ddl_t *d;
    const void *stmt;
    int nnotices;
    err_t notices[MAX_NOTICES];
    /* CREATE FOREIGN TABLE: validated columns and options */
    meta_column_t *cols;
    size_t ncols;
    meta_option_t *opts;
    size_t nopts;
    mem_arena_t *arena;
} ddl_run_t;

static void notice(ddl_run_t *r, const char *sqlstate, const char *fmt, const char *a1, const char *a2)
{
    if (r->nnotices >= MAX_NOTICES)
        return;
    err_t *e = &r->notices[r->nnotices++];
    memset(e, 0, sizeof *e);
    e->set = true;
    e->severity = ERR_NOTICE;
    memcpy(e->sqlstate, sqlstate, 5);
    snprintf(e->message, sizeof e->message, fmt, a1, a2 ? a2 : "");
}

static void send_notices(const ddl_run_t *r)
{
    for (int i = 0; i < r->nnotices; i++)
        if (r->d->notice)
            r->d->notice(r->d->notice_arg, &r->notices[i]);
}

static int at(err_t *err, int location)
{
    if (location >= 0)
        err_position(err, location + 1);
    return -1;
}

static const char *strnode(const PgQuery__Node *n)
{
    return n && n->node_case == PG_QUERY__NODE__NODE_STRING ? n->string->sval : NULL;
}

/* Runs fn in a metastore transaction, then publishes the new snapshot. */
static int run(ddl_run_t *r, meta_tx_fn fn, err_t *err)
{
    r->arena = mem_arena_new(NULL, "ddl", 0);
    int rc = meta_run(r->d->store, 0, fn, r, err);
    mem_arena_free(r->arena);
    if (rc != 0)
        return -1;
    err_t e2;
    memset(&e2, 0, sizeof e2);
    /* A failed refresh is healed by the sync timer; the change is committed. */
    if (meta_catalog_refresh(r->d->store, false, &e2) != 0)
        err_clear(&e2);
    send_notices(r);
    return 0;
}

/* The schema new objects go to: the first of the search path that exists
 * ("$user" is the session user); public always exists. */
static int creation_schema(meta_tx_t *tx, const catalog_ddl_t *d, const char *explicit, int location,
                           meta_schema_t **out, err_t *err)
{
    mem_arena_t *a = meta_tx_arena(tx);
    const char *name = explicit;
    if (!name) {
        for (int i = 0; i < d->npath && !name; i++) {
            const char *p = strcmp(d->search_path[i], "$user") == 0 ? d->user : d->search_path[i];
            if (!p)
                continue;
            if (strcmp(p, "public") == 0 || strcmp(p, "pg_catalog") == 0) {
                name = p;
                break;
            }
            meta_schema_t *m;
            err_t e;
            memset(&e, 0, sizeof e);
            int rc = meta_find(tx, META_SCHEMA, 0, p, a, &m, &e);
            if (rc == META_OK)
                name = p;
            else if (rc != META_NOT_FOUND)
                return *err = e, rc;
        }
        if (!name && d->npath == 0)
            name = "public";
        if (!name)
            return err_set(err, CATALOG_ERRCODE_UNDEFINED_SCHEMA, "no schema has been selected to create in");
    }
    if (strcmp(name, "pg_catalog") == 0 || strcmp(name, "information_schema") == 0) {
        err_set(err, ERRCODE_INSUFFICIENT_PRIVILEGE, "permission denied for schema %s", name);
        return at(err, location);
    }
    int rc = meta_find(tx, META_SCHEMA, 0, name, a, out, err);
    if (rc == META_NOT_FOUND && strcmp(name, "public") == 0) {
        /* public exists from the start (oid 2200); its row is made on first use. */
        err_clear(err);
        meta_schema_t *m = mem_alloc0(a, sizeof *m);
        m->name = "public";
        m->owner = NULL;
        if ((rc = meta_put(tx, META_SCHEMA, m, err)) != 0)
            return rc;
        *out = m;
        return 0;
    }
    if (rc == META_NOT_FOUND) {
        err_clear(err);
        err_set(err, CATALOG_ERRCODE_UNDEFINED_SCHEMA, "schema \"%s\" does not exist", name);
        at(err, location);
        return META_ERROR;
    }
    return rc;
}

/* ---- CREATE SERVER ---- */

static int create_server_tx(meta_tx_t *tx, void *arg, err_t *err)
{
    ddl_run_t *r = arg;
    const PgQuery__CreateForeignServerStmt *s = r->stmt;
    r->nnotices = 0;
    meta_server_t *old;
    int rc = meta_find(tx, META_SERVER, 0, s->servername, meta_tx_arena(tx), &old, err);
    if (rc == META_OK) {
        err_clear(err);
        if (s->if_not_exists) {
            notice(r, ERRCODE_DUPLICATE_OBJECT, "server \"%s\" already exists, skipping", s->servername, NULL);
            return 0;
        }
        err_set(err, ERRCODE_DUPLICATE_OBJECT, "server \"%s\" already exists", s->servername);
        return META_ERROR;
    }
    if (rc != META_NOT_FOUND)
        return rc;
    err_clear(err);
    meta_server_t m;
    memset(&m, 0, sizeof m);
    m.name = s->servername;
    m.wrapper = "file_fdw";
    return meta_put(tx, META_SERVER, &m, err);
}

int catalog_create_server(const catalog_ddl_t *d, const PgQuery__CreateForeignServerStmt *s, err_t *err)
{
    if (strcmp(s->fdwname, "file_fdw") != 0)
        return err_set(err, ERRCODE_UNDEFINED_OBJECT, "foreign-data wrapper \"%s\" does not exist", s->fdwname);
    for (size_t i = 0; i < s->n_options; i++) {
        const PgQuery__Node *n = s->options[i];
        if (n->node_case != PG_QUERY__NODE__NODE_DEF_ELEM)
            continue;
        err_set(err, CATALOG_ERRCODE_FDW_INVALID_OPTION_NAME, "invalid option \"%s\"", n->def_elem->defname);
        err_hint(err, "There are no valid options in this context.");
        return -1;
    }
    ddl_run_t r;
    memset(&r, 0, sizeof r);
    r.d = d;
    r.stmt = s;
    return run(&r, create_server_tx, err);
}

/* ---- CREATE FOREIGN TABLE ---- */

/* The type of a column definition: oid, typmod and the name the metastore
 * keeps (format_type's, without typmod; "[]" for arrays). */
static int resolve_type(mem_arena_t *a, const PgQuery__TypeName *tn, const char **name, int32_t *typmod, err_t *err)
{
    const char *tname = tn->n_names ? strnode(tn->names[tn->n_names - 1]) : NULL;
    const char *schema = tn->n_names > 1 ? strnode(tn->names[tn->n_names - 2]) : NULL;
    const type_info_t *ti = NULL;
    if (!tname)
        return at((err_set(err, ERRCODE_SYNTAX_ERROR, "syntax error"), err), tn->location);
    if (schema && strcmp(schema, "pg_catalog") == 0)
        ti = type_lookup_name(tname);
    else if (strcmp(tname, "char") == 0)
        ti = type_lookup(TYPE_CHAR); /* "char" quoted: the one-byte type */
    else if (!schema || strcmp(schema, "public") == 0)
        ti = type_lookup_name(tname);
    if (!ti || ti->category == 'P') {
        if (schema)
            err_set(err, ERRCODE_UNDEFINED_OBJECT, "type \"%s.%s\" does not exist", schema, tname);
        else
            err_set(err, ERRCODE_UNDEFINED_OBJECT, "type \"%s\" does not exist", tname);
        return at(err, tn->location);
    }
    if (tn->setof || tn->pct_type) {
        err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "column type %s is not supported", tname);
        return at(err, tn->location);
    }
    *typmod = -1;
    if (tn->n_typmods > 0) {
        int mods[2] = { 0, 0 }, nm = 0;
        for (size_t i = 0; i < tn->n_typmods; i++) {
            const PgQuery__Node *m = tn->typmods[i];
            if (nm < 2 && m->node_case == PG_QUERY__NODE__NODE_A_CONST &&
                m->a_const->val_case == PG_QUERY__A__CONST__VAL_IVAL)
                mods[nm++] = m->a_const->ival->ival;
            else
                return at((err_set(err, ERRCODE_SYNTAX_ERROR, "type modifiers must be simple constants or identifiers"),
                           err), tn->location);
        }
        switch (ti->oid) {
        case TYPE_VARCHAR:
        case TYPE_BPCHAR: {
            const char *what = ti->oid == TYPE_VARCHAR ? "varchar" : "char";
            if (nm != 1)
                return at((err_set(err, ERRCODE_INVALID_PARAMETER_VALUE, "invalid type modifier"), err), tn->location);
            if (mods[0] < 1)
                return at((err_set(err, ERRCODE_INVALID_PARAMETER_VALUE, "length for type %s must be at least 1", what),
                           err), tn->location);
            if (mods[0] > 10485760)
                return at((err_set(err, ERRCODE_INVALID_PARAMETER_VALUE, "length for type %s cannot exceed 10485760",
                                   what), err), tn->location);
            *typmod = mods[0] + 4;
            break;
        }
        case TYPE_NUMERIC:
            if (mods[0] < 1 || mods[0] > 1000)
                return at((err_set(err, ERRCODE_INVALID_PARAMETER_VALUE,
                                   "NUMERIC precision %d must be between 1 and 1000", mods[0]), err), tn->location);
            if (nm == 2 && (mods[1] < -1000 || mods[1] > 1000))
                return at((err_set(err, ERRCODE_INVALID_PARAMETER_VALUE,
                                   "NUMERIC scale %d must be between -1000 and 1000", mods[1]), err), tn->location);
            *typmod = ((mods[0] << 16) | (mods[1] & 0x7ff)) + 4;
            break;
        case TYPE_TIMESTAMP:
        case TYPE_TIMESTAMPTZ:
        case TYPE_TIME:
            if (nm != 1 || mods[0] < 0)
                return at((err_set(err, ERRCODE_INVALID_PARAMETER_VALUE, "invalid type modifier"), err), tn->location);
            *typmod = mods[0] > 6 ? 6 : mods[0];
            break;
        default:
            err_set(err, ERRCODE_SYNTAX_ERROR, "type modifier is not allowed for type \"%s\"", ti->typname);
            return at(err, tn->location);
        }
    }
    if (tn->n_array_bounds > 0) {
        if (!ti->array)
            return at((err_set(err, ERRCODE_UNDEFINED_OBJECT, "could not find array type for data type %s", ti->name),
                       err), tn->location);
        *name = mem_asprintf(a, "%s[]", ti->name);
        return 0;
    }
    *name = ti->name;
    return 0;
}

static int constraint_error(err_t *err, const PgQuery__Constraint *c)
{
    switch (c->contype) {
    case PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY:
        err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "primary key constraints are not supported on foreign tables");
        break;
    case PG_QUERY__CONSTR_TYPE__CONSTR_UNIQUE:
        err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "unique constraints are not supported on foreign tables");
        break;
    case PG_QUERY__CONSTR_TYPE__CONSTR_EXCLUSION:
        err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "exclusion constraints are not supported on foreign tables");
        break;
    case PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN:
        err_set(err, CATALOG_ERRCODE_WRONG_OBJECT_TYPE, "foreign key constraints are not supported on foreign tables");
        break;
    case PG_QUERY__CONSTR_TYPE__CONSTR_DEFAULT:
        err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "column defaults on foreign tables are not supported by kiln");
        break;
    case PG_QUERY__CONSTR_TYPE__CONSTR_CHECK:
        err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "check constraints on foreign tables are not supported by kiln");
        break;
    default:
        err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "this constraint is not supported on foreign tables by kiln");
        break;
    }
    return at(err, c->location);
}

/* Columns and options, checked without the metastore. */
static int validate_table(ddl_run_t *r, const PgQuery__CreateForeignTableStmt *s, err_t *err)
{
    const PgQuery__CreateStmt *b = s->base_stmt;
    mem_arena_t *a = r->arena;
    if (b->n_inh_relations || b->partbound || b->partspec || b->of_typename)
        return err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "inheritance, partitions and typed tables are not supported by kiln");
    if (b->n_table_elts > 1600)
        return err_set(err, ERRCODE_TOO_MANY_COLUMNS, "tables can have at most 1600 columns");
    r->cols = mem_alloc0(a, sizeof *r->cols * (b->n_table_elts ? b->n_table_elts : 1));
    r->ncols = 0;
    for (size_t i = 0; i < b->n_table_elts; i++) {
        const PgQuery__Node *n = b->table_elts[i];
        if (n->node_case == PG_QUERY__NODE__NODE_CONSTRAINT)
            return constraint_error(err, n->constraint);
        if (n->node_case != PG_QUERY__NODE__NODE_COLUMN_DEF)
            return err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "LIKE and table elements other than columns are not supported by kiln");
        const PgQuery__ColumnDef *cd = n->column_def;
        for (size_t k = 0; k < r->ncols; k++)
            if (strcmp(r->cols[k].name, cd->colname) == 0)
                return err_set(err, ERRCODE_DUPLICATE_COLUMN, "column \"%s\" specified more than once", cd->colname);
        meta_column_t *mc = &r->cols[r->ncols];
        mc->name = cd->colname;
        if (resolve_type(a, cd->type_name, &mc->type, &mc->typmod, err) < 0)
            return -1;
        mc->not_null = cd->is_not_null;
        for (size_t k = 0; k < cd->n_constraints; k++) {
            const PgQuery__Node *cn = cd->constraints[k];
            if (cn->node_case != PG_QUERY__NODE__NODE_CONSTRAINT)
                continue;
            const PgQuery__Constraint *c = cn->constraint;
            if (c->contype == PG_QUERY__CONSTR_TYPE__CONSTR_NOTNULL)
                mc->not_null = true;
            else if (c->contype == PG_QUERY__CONSTR_TYPE__CONSTR_NULL)
                mc->not_null = false;
            else
                return constraint_error(err, c);
        }
        if (cd->raw_default)
            return at((err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED,
                               "column defaults on foreign tables are not supported by kiln"), err), cd->location);
        if (cd->n_fdwoptions)
            return at((err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "column options (force_null, force_not_null) are not supported by kiln"),
                       err), cd->location);
        if (cd->coll_clause) {
            const PgQuery__CollateClause *cc = cd->coll_clause;
            const char *coll = cc->n_collname ? strnode(cc->collname[cc->n_collname - 1]) : NULL;
            if (!coll || (strcmp(coll, "C") != 0 && strcmp(coll, "default") != 0 && strcmp(coll, "POSIX") != 0))
                return at((err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "collation \"%s\" is not supported by kiln (only \"C\")",
                                   coll ? coll : "?"), err), cc->location);
        }
        r->ncols++;
    }
    r->opts = mem_alloc0(a, sizeof *r->opts * (s->n_options ? s->n_options : 1));
    r->nopts = 0;
    for (size_t i = 0; i < s->n_options; i++) {
        const PgQuery__Node *n = s->options[i];
        if (n->node_case != PG_QUERY__NODE__NODE_DEF_ELEM)
            continue;
        const PgQuery__DefElem *de = n->def_elem;
        r->opts[r->nopts].name = de->defname;
        r->opts[r->nopts].value = strnode(de->arg) ? strnode(de->arg) : "";
        r->nopts++;
    }
    catalog_copy_opts_t co;
    return catalog_copy_opts_parse(r->opts, r->nopts, &co, err);
}

/* A relation (foreign table or cube) named name in schema_id, if any. */
static int relation_exists(meta_tx_t *tx, int64_t schema_id, const char *name, bool *exists, err_t *err)
{
    mem_arena_t *a = meta_tx_arena(tx);
    meta_table_t *t;
    meta_cube_t *c;
    *exists = false;
    int rc = meta_find(tx, META_TABLE, schema_id, name, a, &t, err);
    if (rc == META_OK)
        return *exists = true, 0;
    if (rc != META_NOT_FOUND)
        return rc;
    err_clear(err);
    rc = meta_find(tx, META_CUBE, schema_id, name, a, &c, err);
    if (rc == META_OK)
        return *exists = true, 0;
    if (rc != META_NOT_FOUND)
        return rc;
    err_clear(err);
    return 0;
}

static int create_table_tx(meta_tx_t *tx, void *arg, err_t *err)
{
    ddl_run_t *r = arg;
    const PgQuery__CreateForeignTableStmt *s = r->stmt;
    const PgQuery__RangeVar *rv = s->base_stmt->relation;
    mem_arena_t *a = meta_tx_arena(tx);
    r->nnotices = 0;
    meta_schema_t *sch;
    int rc = creation_schema(tx, r->d, rv->schemaname && rv->schemaname[0] ? rv->schemaname : NULL, rv->location,
                             &sch, err);
    if (rc != 0)
        return rc;
    bool exists;
    if ((rc = relation_exists(tx, sch->h.id, rv->relname, &exists, err)) != 0)
        return rc;
    if (exists) {
        if (s->base_stmt->if_not_exists) {
            notice(r, ERRCODE_DUPLICATE_TABLE, "relation \"%s\" already exists, skipping", rv->relname, NULL);
            return 0;
        }
        err_set(err, ERRCODE_DUPLICATE_TABLE, "relation \"%s\" already exists", rv->relname);
        return META_ERROR;
    }
    meta_server_t *srv;
    rc = meta_find(tx, META_SERVER, 0, s->servername, a, &srv, err);
    if (rc == META_NOT_FOUND) {
        err_clear(err);
        err_set(err, ERRCODE_UNDEFINED_OBJECT, "server \"%s\" does not exist", s->servername);
        return META_ERROR;
    }
    if (rc != 0)
        return rc;
    meta_table_t t;
    memset(&t, 0, sizeof t);
    t.schema_id = sch->h.id;
    t.name = rv->relname;
    t.kind = "foreign";
    t.server_id = srv->h.id;
    t.ncolumns = r->ncols;
    t.columns = r->cols;
    t.noptions = r->nopts;
    t.options = r->opts;
    return meta_put(tx, META_TABLE, &t, err);
}

int catalog_create_foreign_table(const catalog_ddl_t *d, const PgQuery__CreateForeignTableStmt *s, err_t *err)
{
    ddl_run_t r;
    memset(&r, 0, sizeof r);
    r.d = d;
    r.stmt = s;
    r.arena = mem_arena_new(NULL, "ddl", 0);
    if (!s->base_stmt || !s->base_stmt->relation) {
        mem_arena_free(r.arena);
        return err_set(err, ERRCODE_SYNTAX_ERROR, "syntax error");
    }
    const char *persist = s->base_stmt->relation->relpersistence;
    if (persist && persist[0] == 't') {
        mem_arena_free(r.arena);
        return err_set(err, ERRCODE_SYNTAX_ERROR, "foreign tables cannot be temporary");
    }
    if (validate_table(&r, s, err) < 0) {
        mem_arena_free(r.arena);
        return -1;
    }
    mem_arena_t *keep = r.arena;
    int rc = meta_run(d->store, 0, create_table_tx, &r, err);
    mem_arena_free(keep);
    if (rc != 0)
        return -1;
    err_t e2;
    memset(&e2, 0, sizeof e2);
    if (meta_catalog_refresh(d->store, false, &e2) != 0)
        err_clear(&e2);
    send_notices(&r);
    return 0;
}

/* ---- CREATE SCHEMA ---- */

static int create_schema_tx(meta_tx_t *tx, void *arg, err_t *err)
{
    ddl_run_t *r = arg;
    const PgQuery__CreateSchemaStmt *s = r->stmt;
    r->nnotices = 0;
    const char *name = s->schemaname;
    bool builtin = strcmp(name, "public") == 0 || strcmp(name, "information_schema") == 0;
    meta_schema_t *old;
    int rc = builtin ? META_OK : meta_find(tx, META_SCHEMA, 0, name, meta_tx_arena(tx), &old, err);
    if (rc == META_OK) {
        err_clear(err);
        if (s->if_not_exists) {
            notice(r, ERRCODE_DUPLICATE_SCHEMA, "schema \"%s\" already exists, skipping", name, NULL);
            return 0;
        }
        err_set(err, ERRCODE_DUPLICATE_SCHEMA, "schema \"%s\" already exists", name);
        return META_ERROR;
    }
    if (rc != META_NOT_FOUND)
        return rc;
    err_clear(err);
    meta_schema_t m;
    memset(&m, 0, sizeof m);
    m.name = name;
    m.owner = s->authrole && s->authrole->rolename && s->authrole->rolename[0] ? s->authrole->rolename : r->d->user;
    return meta_put(tx, META_SCHEMA, &m, err);
}

int catalog_create_schema(const catalog_ddl_t *d, const PgQuery__CreateSchemaStmt *s, err_t *err)
{
    const char *name = s->schemaname && s->schemaname[0] ? s->schemaname
                       : s->authrole && s->authrole->rolename                    ? s->authrole->rolename
                                                                                 : NULL;
    if (!name)
        return err_set(err, ERRCODE_SYNTAX_ERROR, "syntax error");
    if (strncmp(name, "pg_", 3) == 0) {
        err_set(err, CATALOG_ERRCODE_RESERVED_NAME, "unacceptable schema name \"%s\"", name);
        err_detail(err, "The prefix \"pg_\" is reserved for system schemas.");
        return -1;
    }
    if (s->n_schema_elts)
        return err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "CREATE SCHEMA with elements is not supported by kiln");
    PgQuery__CreateSchemaStmt copy = *s;
    copy.schemaname = (char *)name;
    ddl_run_t r;
    memset(&r, 0, sizeof r);
    r.d = d;
    r.stmt = &copy;
    return run(&r, create_schema_tx, err);
}

/* ---- DROP ---- */

int catalog_drop_handles(const PgQuery__DropStmt *s)
{
    return s->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_FOREIGN_TABLE ||
           s->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_FOREIGN_SERVER ||
           s->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_SCHEMA;
}

static bool path_has(const catalog_ddl_t *d, const char *schema)
{
    for (int i = 0; i < d->npath; i++) {
        const char *p = strcmp(d->search_path[i], "$user") == 0 ? d->user : d->search_path[i];
        if (p && strcmp(p, schema) == 0)
            return true;
    }
    return false;
}

/* "t" or "s.t" as PostgreSQL names a dependent table in messages. */
static const char *table_label(meta_tx_t *tx, const catalog_ddl_t *d, const meta_table_t *t)
{
    mem_arena_t *a = meta_tx_arena(tx);
    meta_schema_t *s;
    err_t e;
    memset(&e, 0, sizeof e);
    if (meta_get(tx, META_SCHEMA, t->schema_id, a, &s, &e) != 0 || path_has(d, s->name))
        return t->name;
    return mem_asprintf(a, "%s.%s", s->name, t->name);
}

/* Refuses to drop a table some cube's model uses (those belong to src/cube). */
static int check_cube_dependents(meta_tx_t *tx, const meta_table_t *t, const char *label, err_t *err)
{
    mem_arena_t *a = meta_tx_arena(tx);
    meta_model_t *models;
    size_t nm;
    int rc = meta_list(tx, META_MODEL, 0, a, &models, &nm, err);
    if (rc != 0)
        return rc;
    for (size_t i = 0; i < nm; i++) {
        bool uses = models[i].fact_table_id == t->h.id;
        for (size_t k = 0; k < models[i].ntables; k++)
            uses |= models[i].tables[k].table_id == t->h.id;
        if (!uses)
            continue;
        meta_cube_t *cubes;
        size_t nc;
        if ((rc = meta_list(tx, META_CUBE, 0, a, &cubes, &nc, err)) != 0)
            return rc;
        const char *cube = models[i].name;
        for (size_t k = 0; k < nc; k++)
            if (cubes[k].model_id == models[i].h.id)
                cube = cubes[k].name;
        err_set(err, CATALOG_ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST,
                "cannot drop foreign table %s because other objects depend on it", label);
        err_detail(err, "materialized view %s depends on foreign table %s", cube, label);
        err_hint(err, "Drop the materialized view first.");
        return META_ERROR;
    }
    return 0;
}

static int drop_table(meta_tx_t *tx, ddl_run_t *r, const meta_table_t *t, err_t *err)
{
    int rc = check_cube_dependents(tx, t, table_label(tx, r->d, t), err);
    if (rc != 0)
        return rc;
    return meta_delete(tx, META_TABLE, t->h.id, t->h.version, err);
}

/* Drops the dependents of a server or schema: 2BP01 unless CASCADE. */
static int drop_dependents(meta_tx_t *tx, ddl_run_t *r, const char *what, const char *name, meta_table_t *deps,
                           size_t n, bool cascade, err_t *err)
{
    if (n == 0)
        return 0;
    mem_arena_t *a = meta_tx_arena(tx);
    char detail[ERR_DETAIL_MAX];
    size_t len = 0;
    detail[0] = '\0';
    for (size_t i = 0; i < n && len < sizeof detail; i++) {
        const char *label = table_label(tx, r->d, &deps[i]);
        if (cascade)
            len += (size_t)snprintf(detail + len, sizeof detail - len, "%sdrop cascades to foreign table %s",
                                    i ? "\n" : "", label);
        else
            len += (size_t)snprintf(detail + len, sizeof detail - len, "%sforeign table %s depends on %s %s",
                                    i ? "\n" : "", label, what, name);
    }
    if (!cascade) {
        err_set(err, CATALOG_ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST,
                "cannot drop %s %s because other objects depend on it", what, name);
        err_detail(err, "%s", detail);
        err_hint(err, "Use DROP ... CASCADE to drop the dependent objects too.");
        return META_ERROR;
    }
    for (size_t i = 0; i < n; i++) {
        int rc = drop_table(tx, r, &deps[i], err);
        if (rc != 0)
            return rc;
    }
    if (r->nnotices < MAX_NOTICES) {
        err_t *e = &r->notices[r->nnotices++];
        memset(e, 0, sizeof *e);
        e->set = true;
        e->severity = ERR_NOTICE;
        memcpy(e->sqlstate, "00000", 5);
        if (n == 1) {
            snprintf(e->message, sizeof e->message, "%.*s", (int)sizeof e->message - 1, detail);
        } else {
            snprintf(e->message, sizeof e->message, "drop cascades to %zu other objects", n);
            snprintf(e->detail, sizeof e->detail, "%s", detail);
        }
    }
    (void)a;
    return 0;
}

static int drop_tx(meta_tx_t *tx, void *arg, err_t *err)
{
    ddl_run_t *r = arg;
    const PgQuery__DropStmt *s = r->stmt;
    mem_arena_t *a = meta_tx_arena(tx);
    bool cascade = s->behavior == PG_QUERY__DROP_BEHAVIOR__DROP_CASCADE;
    r->nnotices = 0;
    for (size_t i = 0; i < s->n_objects; i++) {
        const PgQuery__Node *o = s->objects[i];
        int rc;
        if (s->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_FOREIGN_TABLE) {
            const char *parts[3] = { NULL, NULL, NULL };
            size_t np = 0;
            if (o->node_case == PG_QUERY__NODE__NODE_LIST)
                for (size_t k = 0; k < o->list->n_items && np < 3; k++)
                    parts[np++] = strnode(o->list->items[k]);
            if (np == 0 || !parts[np - 1])
                return err_set(err, ERRCODE_SYNTAX_ERROR, "syntax error"), META_ERROR;
            const char *name = parts[np - 1], *schema = np > 1 ? parts[np - 2] : NULL;
            meta_table_t *t = NULL;
            if (schema) {
                meta_schema_t *sch;
                rc = meta_find(tx, META_SCHEMA, 0, schema, a, &sch, err);
                if (rc == META_NOT_FOUND) {
                    err_clear(err);
                    if (s->missing_ok) {
                        notice(r, "00000", "schema \"%s\" does not exist, skipping", schema, NULL);
                        continue;
                    }
                    err_set(err, CATALOG_ERRCODE_UNDEFINED_SCHEMA, "schema \"%s\" does not exist", schema);
                    return META_ERROR;
                }
                if (rc != 0)
                    return rc;
                rc = meta_find(tx, META_TABLE, sch->h.id, name, a, &t, err);
                if (rc == META_NOT_FOUND) {
                    err_clear(err);
                    t = NULL;
                    meta_cube_t *c;
                    if (meta_find(tx, META_CUBE, sch->h.id, name, a, &c, err) == META_OK) {
                        err_set(err, CATALOG_ERRCODE_WRONG_OBJECT_TYPE, "\"%s\" is not a foreign table", name);
                        err_hint(err, "Use DROP MATERIALIZED VIEW to remove a materialized view.");
                        return META_ERROR;
                    }
                    err_clear(err);
                } else if (rc != 0) {
                    return rc;
                }
            } else {
                for (int k = 0; k < r->d->npath && !t; k++) {
                    const char *p = strcmp(r->d->search_path[k], "$user") == 0 ? r->d->user : r->d->search_path[k];
                    meta_schema_t *sch;
                    if (!p || meta_find(tx, META_SCHEMA, 0, p, a, &sch, err) != META_OK) {
                        err_clear(err);
                        continue;
                    }
                    if (meta_find(tx, META_TABLE, sch->h.id, name, a, &t, err) != META_OK) {
                        err_clear(err);
                        t = NULL;
                        meta_cube_t *c;
                        if (meta_find(tx, META_CUBE, sch->h.id, name, a, &c, err) == META_OK) {
                            err_set(err, CATALOG_ERRCODE_WRONG_OBJECT_TYPE, "\"%s\" is not a foreign table", name);
                            err_hint(err, "Use DROP MATERIALIZED VIEW to remove a materialized view.");
                            return META_ERROR;
                        }
                        err_clear(err);
                    }
                }
            }
            if (!t) {
                if (s->missing_ok) {
                    notice(r, "00000", "foreign table \"%s\" does not exist, skipping", name, NULL);
                    continue;
                }
                err_set(err, ERRCODE_UNDEFINED_OBJECT, "foreign table \"%s\" does not exist", name);
                return META_ERROR;
            }
            if ((rc = drop_table(tx, r, t, err)) != 0)
                return rc;
        } else if (s->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_FOREIGN_SERVER) {
            const char *name = strnode(o);
            meta_server_t *srv;
            rc = meta_find(tx, META_SERVER, 0, name ? name : "", a, &srv, err);
            if (rc == META_NOT_FOUND) {
                err_clear(err);
                if (s->missing_ok) {
                    notice(r, "00000", "server \"%s\" does not exist, skipping", name, NULL);
                    continue;
                }
                err_set(err, ERRCODE_UNDEFINED_OBJECT, "server \"%s\" does not exist", name);
                return META_ERROR;
            }
            if (rc != 0)
                return rc;
            meta_table_t *all;
            size_t n, nd = 0;
            if ((rc = meta_list(tx, META_TABLE, 0, a, &all, &n, err)) != 0)
                return rc;
            meta_table_t *deps = mem_alloc0(a, sizeof *deps * (n ? n : 1));
            for (size_t k = 0; k < n; k++)
                if (all[k].server_id == srv->h.id)
                    deps[nd++] = all[k];
            if ((rc = drop_dependents(tx, r, "server", name, deps, nd, cascade, err)) != 0)
                return rc;
            if ((rc = meta_delete(tx, META_SERVER, srv->h.id, srv->h.version, err)) != 0)
                return rc;
        } else {
            const char *name = strnode(o);
            if (!name)
                return err_set(err, ERRCODE_SYNTAX_ERROR, "syntax error"), META_ERROR;
            if (strcmp(name, "pg_catalog") == 0 || strcmp(name, "information_schema") == 0 ||
                strcmp(name, "public") == 0) {
                err_set(err, CATALOG_ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST,
                        "cannot drop schema %s because it is required by the database system", name);
                return META_ERROR;
            }
            meta_schema_t *sch;
            rc = meta_find(tx, META_SCHEMA, 0, name, a, &sch, err);
            if (rc == META_NOT_FOUND) {
                err_clear(err);
                if (s->missing_ok) {
                    notice(r, "00000", "schema \"%s\" does not exist, skipping", name, NULL);
                    continue;
                }
                err_set(err, CATALOG_ERRCODE_UNDEFINED_SCHEMA, "schema \"%s\" does not exist", name);
                return META_ERROR;
            }
            if (rc != 0)
                return rc;
            meta_table_t *deps;
            size_t nd;
            if ((rc = meta_list(tx, META_TABLE, sch->h.id, a, &deps, &nd, err)) != 0)
                return rc;
            meta_cube_t *cubes;
            size_t nc;
            if ((rc = meta_list(tx, META_CUBE, sch->h.id, a, &cubes, &nc, err)) != 0)
                return rc;
            if (nc) {
                err_set(err, CATALOG_ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST,
                        "cannot drop schema %s because other objects depend on it", name);
                err_detail(err, "materialized view %s.%s depends on schema %s", name, cubes[0].name, name);
                err_hint(err, "Drop the materialized views first.");
                return META_ERROR;
            }
            if ((rc = drop_dependents(tx, r, "schema", name, deps, nd, cascade, err)) != 0)
                return rc;
            if ((rc = meta_delete(tx, META_SCHEMA, sch->h.id, sch->h.version, err)) != 0)
                return rc;
        }
    }
    return 0;
}

int catalog_drop(const catalog_ddl_t *d, const PgQuery__DropStmt *s, err_t *err)
{
    if (!catalog_drop_handles(s))
        return err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "this DROP is not handled by the catalog");
    ddl_run_t r;
    memset(&r, 0, sizeof r);
    r.d = d;
    r.stmt = s;
    return run(&r, drop_tx, err);
}
