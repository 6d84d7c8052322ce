#!/usr/bin/env python3
"""gen-pgdata.py - writes src/catalog/pgdata.c from a running PostgreSQL 15.

The pg_catalog and information_schema relations kiln serves must have
PostgreSQL's columns (clients read `n.*`, `db.*` by name) and PostgreSQL's
built-in rows (type and function OIDs, typinput, typreceive...). Rather than
transcribing them by hand, this reads them from a real server once; the
output is committed, so building kiln needs no PostgreSQL.

  python3 src/catalog/gen-pgdata.py "host=/tmp/pg port=5432 user=postgres" src/catalog

Regenerate when the list below changes or when moving to another major
version. Functions (pg_proc) are limited to the type I/O functions and the
names listed in FUNCS (what kiln's engine or src/catalog implements); kiln
lists at run time only those its engine can call.
"""
import re
import subprocess
import sys

CONN = sys.argv[1] if len(sys.argv) > 1 else "host=/tmp/pgref port=55432 user=postgres"
OUTDIR = sys.argv[2] if len(sys.argv) > 2 else "src/catalog"

PG_CATALOG = """pg_namespace pg_class pg_attribute pg_type pg_database pg_roles pg_user pg_authid
pg_auth_members pg_settings pg_description pg_shdescription pg_index pg_constraint pg_attrdef pg_inherits
pg_trigger pg_rewrite pg_policy pg_statistic_ext pg_publication pg_publication_rel pg_publication_namespace
pg_am pg_proc pg_foreign_table pg_foreign_server pg_foreign_data_wrapper pg_user_mapping pg_matviews
pg_views pg_tables pg_indexes pg_collation pg_extension pg_range pg_enum pg_tablespace pg_sequence
pg_sequences pg_opclass pg_opfamily pg_language pg_depend pg_shdepend pg_event_trigger
pg_partitioned_table pg_stat_user_tables pg_statio_user_tables pg_cast pg_operator pg_aggregate
pg_conversion pg_default_acl pg_init_privs pg_seclabel pg_transform pg_ts_config pg_ts_dict
pg_ts_parser pg_ts_template pg_largeobject_metadata pg_stat_all_tables pg_available_extensions""".split()

INFO_SCHEMA = """schemata tables columns views table_constraints key_column_usage referential_constraints
constraint_column_usage check_constraints table_privileges column_privileges routines parameters
character_sets domains element_types sequences triggers""".split()

# Function names whose pg_proc rows are generated (kiln lists a row only
# when its engine or src/catalog implements that name).
FUNCS = """abs array_agg array_length array_lower array_position array_to_string array_upper avg bit_length
btrim ceil ceiling char_length character_length chr coalesce col_description concat concat_ws
count cume_dist current_database current_schema current_schemas current_setting current_user
date_part date_trunc dense_rank div exp extract first_value floor format format_type
generate_series generate_subscripts greatest has_any_column_privilege has_column_privilege
has_database_privilege has_function_privilege has_schema_privilege has_table_privilege
has_type_privilege initcap lag last_value lead least left length ln log lower lpad ltrim max md5 min mod
now nullif obj_description octet_length overlay pg_backend_pid pg_collation_is_visible
pg_encoding_to_char pg_function_is_visible pg_get_constraintdef pg_get_expr pg_get_function_arguments
pg_get_function_identity_arguments pg_get_function_result pg_get_indexdef pg_get_keywords
pg_get_serial_sequence pg_get_statisticsobjdef_columns pg_get_userbyid pg_get_viewdef pg_has_role
pg_relation_is_publishable pg_relation_size pg_size_pretty pg_table_is_visible pg_table_size
pg_total_relation_size pg_type_is_visible percent_rank position power quote_ident quote_literal
quote_nullable random rank regexp_match regexp_matches regexp_replace regexp_split_to_array repeat
replace reverse right round row_number rpad rtrim set_config shobj_description sign split_part sqrt
starts_with stddev stddev_pop stddev_samp string_agg string_to_array strpos substr substring sum
timeofday to_char to_date to_number to_regclass to_regtype to_timestamp translate trim trunc unnest
upper var_pop var_samp variance version bool_and bool_or every ntile nth_value cardinality
array_cat array_append array_prepend array_remove array_replace pg_client_encoding
session_user inet_server_addr inet_server_port pg_postmaster_start_time age justify_days
justify_hours make_date make_timestamp clock_timestamp statement_timestamp transaction_timestamp
""".split()

DOMAIN_BASE = {}


def q(sql):
    out = subprocess.run(["psql", CONN, "-X", "-At", "-F", "\x1f", "-R", "\x1e", "-c", sql],
                         check=True, capture_output=True, text=True).stdout
    rows = [r for r in out.split("\x1e") if r != "" and r != "\n"]
    return [r.rstrip("\n").split("\x1f") for r in rows]


def cstr(s):
    if s is None:
        return "NULL"
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def rel_columns(schema, rel):
    rows = q(f"""select c.oid, c.relkind, a.attname,
        case when t.typtype = 'd' then t.typbasetype else a.atttypid end,
        case when t.typtype = 'd' then t.typtypmod else a.atttypmod end, t.typname
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
      join pg_type t on t.oid = a.atttypid
      where n.nspname = '{schema}' and c.relname = '{rel}' order by a.attnum""")
    if not rows:
        sys.exit(f"no relation {schema}.{rel}")
    cols = []
    for oid, kind, name, typ, typmod, typname in rows:
        typ, typmod = int(typ), int(typmod)
        if typname == "yes_or_no":
            typ, typmod = 1043, 7
        cols.append((name, typ, typmod))
    return int(rows[0][0]), rows[0][1], cols


def ident(s):
    return re.sub(r"[^a-z0-9_]", "_", s.lower())


def main():
    out = open(OUTDIR + "/pgdata.c", "w")
    w = out.write
    w("/*\n * pgdata.c - PostgreSQL 15's catalog shapes and built-in rows, generated by\n"
      " * src/catalog/gen-pgdata.py from a running PostgreSQL 15 (do not edit).\n"
      " *\n * Relations: name, oid, relkind and columns (information_schema domains\n"
      " * replaced by their base types). Rows: pg_type, pg_am, pg_collation,\n"
      " * pg_language, pg_tablespace, pg_range, pg_cast, pg_operator, pg_aggregate\n"
      " * and a subset of pg_proc, as text\n"
      " * (reg* columns as numbers) that src/catalog/pgcat.c parses with the types'\n"
      " * input functions.\n */\n")
    w('#include "pgdata.h"\n\n#include <stddef.h>\n\n')
    rels = [("pg_catalog", r) for r in PG_CATALOG] + [("information_schema", r) for r in INFO_SCHEMA]
    hdr = []
    defs = []
    for schema, rel in rels:
        oid, kind, cols = rel_columns(schema, rel)
        cid = ident(("is_" if schema == "information_schema" else "") + rel)
        w(f"static const pgd_col_t cols_{cid}[] = {{\n")
        for i, (name, typ, typmod) in enumerate(cols):
            w(f"    {{ {cstr(name)}, {typ}, {typmod} }},\n")
            hdr.append(f"#define PGC_{cid}_{ident(name)} {i}")
        w("};\n")
        defs.append(f"    {{ {cstr(schema)}, {cstr(rel)}, {oid}, '{kind}', {len(cols)}, cols_{cid} }},")
        hdr.append(f"#define PGR_{cid} {len(defs) - 1}")
    w("\nconst pgd_rel_t pgd_rels[] = {\n" + "\n".join(defs) + "\n};\n")
    w(f"const int pgd_nrels = {len(defs)};\n\n")

    def table(name, sql):
        rows = q(sql)
        w(f"static const char *const rows_{name}[] = {{\n")
        for r in rows:
            w("    " + ", ".join("NULL" if v == "\\N" else cstr(v) for v in r) + ",\n")
        w("};\n")
        w(f"const pgd_rows_t pgd_{name} = {{ {len(rows)}, {len(rows[0]) if rows else 0}, rows_{name} }};\n\n")

    def allcols(rel, where, order="oid"):
        cols = q(f"""select a.attname, t.typname from pg_attribute a join pg_type t on t.oid = a.atttypid
                     where a.attrelid = 'pg_catalog.{rel}'::regclass and a.attnum > 0 order by a.attnum""")
        exprs = []
        for name, typname in cols:
            if typname.startswith("reg"):
                exprs.append(f"coalesce({name}::oid::text, E'\\\\N')")
            else:
                exprs.append(f"coalesce({name}::text, E'\\\\N')")
        return f"select {', '.join(exprs)} from pg_catalog.{rel} {where} order by {order}"

    table("pg_type", allcols("pg_type", "where typnamespace = 11 and typtype in ('b','p','r','m')"))
    table("pg_am", allcols("pg_am", ""))
    table("pg_collation", allcols("pg_collation", "where collname in ('default','C','POSIX','ucs_basic')"))
    table("pg_language", allcols("pg_language", ""))
    table("pg_tablespace", allcols("pg_tablespace", ""))
    table("pg_range", allcols("pg_range", "", "rngtypid"))
    # all of PostgreSQL's built-in casts, operators and aggregates: kiln lists
    # at run time the ones its engine implements (pgcat.c)
    table("pg_cast", allcols("pg_cast", ""))
    table("pg_operator", allcols("pg_operator", "where oprnamespace = 11"))
    table("pg_aggregate", allcols("pg_aggregate", "", "aggfnoid"))
    funcs = ",".join("'" + f + "'" for f in FUNCS)
    table("pg_proc", f"""select oid::text, proname, prokind::text, pronargs::text, prorettype::oid::text,
        proargtypes::text, proretset::text, proisstrict::text, provolatile::text, prolang::text,
        provariadic::oid::text, pronargdefaults::text, prosrc, proparallel::text
      from pg_proc where pronamespace = 11 and (proname in ({funcs})
        or oid in (select typinput from pg_type union select typoutput from pg_type
                   union select typreceive from pg_type union select typsend from pg_type
                   union select typmodin from pg_type union select typmodout from pg_type))
      order by oid""")
    h = open(OUTDIR + "/pgdata.h", "w")
    h.write("""/*
 * pgdata.h - PostgreSQL 15's catalog shapes and built-in rows (src/catalog/pgdata.c),
 * generated by src/catalog/gen-pgdata.py (do not edit). PGR_x is the index of
 * relation x in pgd_rels, PGC_x_col the index of a column in it
 * (information_schema relations are prefixed is_).
 */
#ifndef CATALOG_PGDATA_H
#define CATALOG_PGDATA_H

#include <stdint.h>

typedef struct pgd_col {
    const char *name;
    uint32_t type;
    int32_t typmod;
} pgd_col_t;

typedef struct pgd_rel {
    const char *schema;
    const char *name;
    uint32_t oid;
    char kind;
    int ncols;
    const pgd_col_t *cols;
} pgd_rel_t;

/* Rows as text, row-major, NULL for SQL NULL. */
typedef struct pgd_rows {
    int nrows;
    int ncols;
    const char *const *cells;
} pgd_rows_t;

extern const pgd_rel_t pgd_rels[];
extern const int pgd_nrels;
extern const pgd_rows_t pgd_pg_type, pgd_pg_am, pgd_pg_collation, pgd_pg_language, pgd_pg_tablespace,
    pgd_pg_range, pgd_pg_cast, pgd_pg_operator, pgd_pg_aggregate;
/* pg_proc subset: oid, proname, prokind, pronargs, prorettype, proargtypes,
 * proretset, proisstrict, provolatile, prolang, provariadic, pronargdefaults,
 * prosrc, proparallel. */
extern const pgd_rows_t pgd_pg_proc;

""")
    h.write("\n".join(hdr) + "\n\n#endif\n")


main()
