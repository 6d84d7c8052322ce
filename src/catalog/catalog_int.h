/*
 * catalog_int.h - declarations shared by the files of src/catalog
 * (subsystem-private).
 */
#ifndef CATALOG_CATALOG_INT_H
#define CATALOG_CATALOG_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"
#include "common/mem.h"
#include "exec/rel.h"
#include "meta/meta.h"
#include "types/types.h"

/* SQLSTATEs PostgreSQL uses here that include/common/errcodes.h lacks. */
#define CATALOG_ERRCODE_FDW_INVALID_OPTION_NAME "HV00D"
#define CATALOG_ERRCODE_FDW_DYNAMIC_PARAMETER_VALUE_NEEDED "HV002"
#define CATALOG_ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST "2BP01"
#define CATALOG_ERRCODE_RESERVED_NAME "42939"
#define CATALOG_ERRCODE_UNDEFINED_SCHEMA "3F000"
#define CATALOG_ERRCODE_WRONG_OBJECT_TYPE "42809"

/* Built-in OIDs as PostgreSQL 15 has them. */
#define CATALOG_OID_PG_CATALOG 11u
#define CATALOG_OID_PUBLIC 2200u
#define CATALOG_OID_INFORMATION_SCHEMA 13207u /* initdb-assigned in PostgreSQL 15.x; fixed here */
#define CATALOG_OID_BOOTSTRAP_SUPERUSER 10u
#define CATALOG_OID_FILE_FDW 16000u           /* above PostgreSQL 15's initdb OIDs (max 13562): kiln's built-in file_fdw */
#define CATALOG_OID_DATABASE 16001u           /* the one database a node serves (not in the metastore) */
#define CATALOG_OID_TABLESPACE_DEFAULT 1663u
#define CATALOG_OID_TABLESPACE_GLOBAL 1664u
#define CATALOG_OID_HEAP_AM 2u
#define CATALOG_OID_DEFAULT_COLLATION 100u
#define CATALOG_OID_C_COLLATION 950u
#define CATALOG_OID_POSIX_COLLATION 951u
#define CATALOG_OID_PG_CLASS 1259u
#define CATALOG_FIRST_NORMAL_OID 16384u
#define CATALOG_OID_DATABASE_OWNER 6171u      /* PostgreSQL 15's pg_database_owner: owns schema public */
#define CATALOG_OID_PLPGSQL_EXT 13559u        /* pg_extension plpgsql, as initdb creates it */
#define CATALOG_OID_FILE_FDW_EXT 16002u       /* pg_extension file_fdw (built in: always installed) */
#define CATALOG_OID_FILE_FDW_HANDLER 16003u   /* pg_proc file_fdw_handler() in public */
#define CATALOG_OID_FILE_FDW_VALIDATOR 16004u /* pg_proc file_fdw_validator(text[], oid) in public */
#define CATALOG_OID_PG_EXTENSION 3079u

/* One pinned catalog: the metastore snapshot and the relations built from
 * it. Immutable once built; freed by the last unpin. */
typedef struct catalog_snap {
    const meta_catalog_t *mc;
    mem_arena_t *arena;
    int refs;           /* atomic */
    exec_rel_t *tables; /* one per mc->tables[i] (kind 'f') */
    exec_rel_t *sys;    /* one per pgd_rels[i] */
} catalog_snap_t;

/* catalog__snap_current - the current snapshot with a reference (built if
 * the metastore moved on); NULL before catalog_init. */
catalog_snap_t *catalog__snap_current(void);
void catalog__snap_release(catalog_snap_t *s);
/* catalog__snap_stmt - the snapshot of the statement this thread runs
 * (exec_catalog_current), with a reference; the current one outside a
 * statement. Catalog functions use it so that they agree with the
 * statement's relations. */
catalog_snap_t *catalog__snap_stmt(void);
/* catalog__store - the metastore given to catalog_init (NULL before). */
meta_store_t *catalog__store(void);
/* catalog__hooks_register - the DDL claimer, catalog functions and reg*
 * namer (hooks.c); called by catalog_init. */
void catalog__hooks_register(void);
/* catalog__cfg - the server configuration given to catalog_init (NULL before). */
const cfg_t *catalog__cfg(void);

/* A role as pg_roles lists it: the bootstrap superuser, pg_database_owner,
 * the metastore's roles and the users of kiln.auth.users. */
typedef struct catalog_role {
    uint32_t oid;
    const char *name;
    bool super, login;
} catalog_role_t;

/* catalog__roles - every role of snapshot s (in a); returns how many. */
int catalog__roles(const catalog_snap_t *s, mem_arena_t *a, catalog_role_t **out);
/* catalog__role_oid - the oid of role name in s (the superuser's when none). */
uint32_t catalog__role_oid(const catalog_snap_t *s, mem_arena_t *a, const char *name);
/* catalog__db_owner - the owner of the database and of the objects declared
 * in it: the first user of kiln.auth.users (as the user who creates a
 * PostgreSQL database and its tables owns them), else the superuser. The
 * metastore records no per-table owner. */
uint32_t catalog__db_owner(const catalog_snap_t *s, mem_arena_t *a);
/* catalog__viewdef - a materialized view's SELECT as pg_get_viewdef prints
 * it (pretty: pg_get_viewdef(oid, true)), in a (NULL when its stored
 * definition does not parse). */
const char *catalog__viewdef(const meta_catalog_t *mc, const meta_cube_t *c, bool pretty, mem_arena_t *a);
/* catalog__matview_populated - the view has a READY segment (relispopulated). */
bool catalog__matview_populated(const meta_catalog_t *mc, const meta_cube_t *c);
/* catalog__description - pg_description's text for (objoid, classoid), or
 * NULL: the comments of the built-in extensions. */
const char *catalog__description(uint32_t objoid, uint32_t classoid);

/* A function kiln lists in pg_proc besides PostgreSQL's built-ins (file_fdw's). */
typedef struct catalog_proc {
    uint32_t oid;
    const char *name;
    uint32_t ret;
    int nargs;
    uint32_t args[2];
} catalog_proc_t;

/* catalog__extra_proc - the k-th of them (NULL past the end). */
const catalog_proc_t *catalog__extra_proc(int k);

/* Rows of a generated relation, column-major. */
typedef struct catalog_rows {
    int ncols;
    int n, cap;
    const exec_relcol_t *cols;
    value_t **col;
    mem_arena_t *a;
} catalog_rows_t;

/* catalog__sys_rows - every row of built-in relation pgd_rels[rel] for
 * snapshot s, in a. */
int catalog__sys_rows(const catalog_snap_t *s, int rel, mem_arena_t *a, catalog_rows_t *out, err_t *err);
/* catalog__table_oid / schema of a metastore table. */
uint32_t catalog__table_oid(const meta_table_t *t);

/* catalog__type_resolve - type of a metastore column type name ("integer",
 * "character varying", "numeric", "integer[]"); NULL when unknown. */
const type_info_t *catalog__type_resolve(const char *name);

/* catalog__schema_oid - pg_namespace oid of a metastore schema ("public" is
 * always 2200 whatever its metastore id). */
uint32_t catalog__schema_oid(const meta_schema_t *s);

/* catalog__utf8_check - length of the valid prefix of p[0..n) (n when all valid). */
size_t catalog__utf8_valid_prefix(const char *p, size_t n);
/* catalog__utf8_error - 22021 "invalid byte sequence for encoding "UTF8": 0x.." for the bytes at p. */
int catalog__utf8_error(err_t *err, const char *p, size_t n);

#endif
