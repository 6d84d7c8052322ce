/*
 * ddl.h - source tables declared the PostgreSQL way: CREATE SERVER ...
 * FOREIGN DATA WRAPPER file_fdw, CREATE FOREIGN TABLE ... OPTIONS (filename,
 * format, delimiter, header, null, quote, escape), CREATE SCHEMA, and DROP
 * of foreign tables, servers and schemas, validated and persisted in the
 * metastore.
 *
 * The SQL layer parses with libpg_query and hands over the statement node.
 * Each call runs one metastore transaction (meta_run: retried on conflict),
 * in which the metastore appends the metadata events of every change, then
 * refreshes the node's catalog snapshot so the next statement sees it.
 * Errors are PostgreSQL's (SQLSTATE and message): 42P07 relation exists,
 * 42710 server exists, 42P06 schema exists, 42704 unknown server / type /
 * foreign-data wrapper / foreign table, 3F000 unknown schema, 42809 wrong
 * object type, 2BP01 dependent objects, 42939 reserved name, and the option
 * errors of file_fdw (HV00D, HV002, 22023, 0A000, 42601, 42710). Positions
 * (err->position) are 1-based byte offsets into the statement text given to
 * libpg_query; the caller adds its own offset.
 *
 * Threads: these block on the metastore: call them on a worker thread.
 */
#ifndef CATALOG_DDL_H
#define CATALOG_DDL_H

#include <pg_query/pg_query.pb-c.h>

#include "common/err.h"
#include "meta/meta.h"

typedef struct catalog_ddl {
    meta_store_t *store;
    const char *user;               /* the session user: owner of new schemas, "$user" in the path */
    const char *const *search_path; /* where unqualified names are created and found */
    int npath;
    /* NOTICEs (IF [NOT] EXISTS skips, DROP ... CASCADE), sent after commit; may be NULL. */
    void (*notice)(void *arg, const err_t *e);
    void *notice_arg;
} catalog_ddl_t;

/* Command tags: "CREATE SERVER", "CREATE FOREIGN TABLE", "CREATE SCHEMA",
 * "DROP FOREIGN TABLE", "DROP SERVER", "DROP SCHEMA". */
int catalog_create_server(const catalog_ddl_t *d, const PgQuery__CreateForeignServerStmt *s, err_t *err) MUST_CHECK;
int catalog_create_foreign_table(const catalog_ddl_t *d, const PgQuery__CreateForeignTableStmt *s,
                                 err_t *err) MUST_CHECK;
int catalog_create_schema(const catalog_ddl_t *d, const PgQuery__CreateSchemaStmt *s, err_t *err) MUST_CHECK;
/* catalog_drop - DROP FOREIGN TABLE / SERVER / SCHEMA [IF EXISTS] ... [CASCADE];
 * other object types are 0A000 (the caller dispatches those elsewhere). */
int catalog_drop(const catalog_ddl_t *d, const PgQuery__DropStmt *s, err_t *err) MUST_CHECK;
/* catalog_drop_handles - whether catalog_drop takes this DROP's object type. */
int catalog_drop_handles(const PgQuery__DropStmt *s);

#endif
