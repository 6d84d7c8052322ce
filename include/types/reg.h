/*
 * reg.h - text output of the OID alias types (regclass, regproc,
 * regprocedure, regnamespace, regrole, regtype) by name.
 *
 * regtype names built-in types itself (format_type style, "integer"). For
 * the others the catalog registers a namer at startup; without one, or when
 * it does not know the OID, the value prints as its number, as PostgreSQL
 * does for a dangling OID. The namer may be called from any thread that
 * formats results; it must not block.
 */
#ifndef TYPES_REG_H
#define TYPES_REG_H

#include <stdbool.h>

#include "types/types.h"

/* A namer appends the name of oid (of reg type t) to out and returns true,
 * or returns false to let the number be printed. */
typedef bool (*type_reg_namer_t)(type_oid_t t, uint32_t oid, buf_t *out);

void type_reg_set_namer(type_reg_namer_t fn);

/* The reverse: the OID of a name ('pg_catalog.array_in'::regproc,
 * 'public'::regnamespace, 'alice'::regrole), 0 when there is none. The
 * catalog registers it at startup; the SQL layer calls type_reg_resolve
 * when it converts a name literal at analysis time. */
typedef uint32_t (*type_reg_resolver_t)(type_oid_t t, const char *name);

void type_reg_set_resolver(type_reg_resolver_t fn);
/* type_reg_resolve - 0 when no resolver is registered or the name is unknown. */
uint32_t type_reg_resolve(type_oid_t t, const char *name);

#endif
