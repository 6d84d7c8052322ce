/*
 * test_mv_fixture.c - shared by the cube SQL-side tests (included, not
 * compiled alone): an in-memory catalog snapshot with the SSB tables of
 * contrib/ssb/kiln.sql and a few small tables for error cases, so analysis
 * and matching are tested without a metastore.
 */
#include <stdio.h>
#include <string.h>

#include "common/mem.h"
#include "meta/meta.h"

typedef struct fx_col {
    const char *name, *type;
    int32_t typmod;
    bool not_null;
} fx_col_t;

#define VC(n) ((n) + 4)
#define NUMERIC_TM(p, s) ((((p) << 16) | (s)) + 4)

static const fx_col_t fx_lineorder[] = {
    { "lo_orderkey", "bigint", -1, true },       { "lo_linenumber", "integer", -1, true },
    { "lo_custkey", "integer", -1, true },       { "lo_partkey", "integer", -1, true },
    { "lo_suppkey", "integer", -1, true },       { "lo_orderdate", "integer", -1, true },
    { "lo_orderpriority", "character varying", VC(15), true },
    { "lo_shippriority", "integer", -1, true },  { "lo_quantity", "integer", -1, true },
    { "lo_extendedprice", "integer", -1, true }, { "lo_ordtotalprice", "integer", -1, true },
    { "lo_discount", "integer", -1, true },      { "lo_revenue", "integer", -1, true },
    { "lo_supplycost", "integer", -1, true },    { "lo_tax", "integer", -1, true },
    { "lo_commitdate", "integer", -1, true },    { "lo_shipmode", "character varying", VC(10), true },
    { "lo_pad", "text", -1, false },
};
static const fx_col_t fx_customer[] = {
    { "c_custkey", "integer", -1, true },          { "c_name", "character varying", VC(25), true },
    { "c_address", "character varying", VC(25), true }, { "c_city", "character varying", VC(10), true },
    { "c_nation", "character varying", VC(15), true },  { "c_region", "character varying", VC(12), true },
    { "c_phone", "character varying", VC(15), true },   { "c_mktsegment", "character varying", VC(10), true },
    { "c_pad", "text", -1, false },
};
static const fx_col_t fx_supplier[] = {
    { "s_suppkey", "integer", -1, true },               { "s_name", "character varying", VC(25), true },
    { "s_address", "character varying", VC(25), true }, { "s_city", "character varying", VC(10), true },
    { "s_nation", "character varying", VC(15), true },  { "s_region", "character varying", VC(12), true },
    { "s_phone", "character varying", VC(15), true },   { "s_pad", "text", -1, false },
};
static const fx_col_t fx_part[] = {
    { "p_partkey", "integer", -1, true },              { "p_name", "character varying", VC(22), true },
    { "p_mfgr", "character varying", VC(6), true },    { "p_category", "character varying", VC(7), true },
    { "p_brand1", "character varying", VC(9), true },  { "p_color", "character varying", VC(11), true },
    { "p_type", "character varying", VC(25), true },   { "p_size", "integer", -1, true },
    { "p_container", "character varying", VC(10), true }, { "p_pad", "text", -1, false },
};
static const fx_col_t fx_dates[] = {
    { "d_datekey", "integer", -1, true },          { "d_date", "character varying", VC(18), true },
    { "d_dayofweek", "character varying", VC(9), true }, { "d_month", "character varying", VC(9), true },
    { "d_year", "integer", -1, true },             { "d_yearmonthnum", "integer", -1, true },
    { "d_yearmonth", "character varying", VC(7), true }, { "d_daynuminweek", "integer", -1, true },
    { "d_daynuminmonth", "integer", -1, true },    { "d_daynuminyear", "integer", -1, true },
    { "d_monthnuminyear", "integer", -1, true },   { "d_weeknuminyear", "integer", -1, true },
    { "d_sellingseason", "character varying", VC(12), true },
    { "d_lastdayinweekfl", "character varying", VC(1), true },
    { "d_lastdayinmonthfl", "character varying", VC(1), true },
    { "d_holidayfl", "character varying", VC(1), true }, { "d_weekdayfl", "character varying", VC(1), true },
    { "d_pad", "text", -1, false },
};
/* small tables for the other cases: nullable columns, numerics, floats */
static const fx_col_t fx_sales[] = {
    { "id", "integer", -1, true },      { "store", "integer", -1, false },
    { "item", "integer", -1, true },    { "qty", "integer", -1, false },
    { "price", "numeric", NUMERIC_TM(12, 2), true }, { "weight", "double precision", -1, true },
    { "big", "bigint", -1, true },      { "note", "text", -1, false },
    { "day", "date", -1, true },
};
static const fx_col_t fx_store[] = {
    { "store_id", "integer", -1, true }, { "city", "text", -1, true }, { "region", "text", -1, true },
    { "area", "integer", -1, false },
};
static const fx_col_t fx_item[] = {
    { "item_id", "integer", -1, true }, { "category", "text", -1, true }, { "city", "text", -1, true },
};

/* date and time columns, and types min/max measures refuse */
static const fx_col_t fx_events[] = {
    { "ev_id", "integer", -1, true },  { "ev_kind", "text", -1, false },  { "ev_at", "timestamp", -1, false },
    { "ev_paid", "timestamptz", -1, false }, { "ev_slot", "time", -1, false }, { "ev_day", "date", -1, false },
    { "ev_wait", "interval", -1, false }, { "ev_rush", "boolean", -1, false }, { "ev_blob", "bytea", -1, false },
};

typedef struct fx_table {
    const char *name;
    const fx_col_t *cols;
    size_t n;
} fx_table_t;

#define FX(t, c) { t, c, sizeof c / sizeof c[0] }
static const fx_table_t fx_tables[] = {
    FX("lineorder", fx_lineorder), FX("customer", fx_customer), FX("supplier", fx_supplier),
    FX("part", fx_part),           FX("dates", fx_dates),       FX("sales", fx_sales),
    FX("store", fx_store),         FX("item", fx_item),         FX("events", fx_events),
};
#define FX_NTABLES (sizeof fx_tables / sizeof fx_tables[0])

/* fx_catalog - the snapshot (schema public id 100, tables 200...). */
static meta_catalog_t *fx_catalog(mem_arena_t *a)
{
    meta_catalog_t *c = MEM_NEW(a, meta_catalog_t);
    meta_schema_t *s = MEM_NEW(a, meta_schema_t);
    s->h.id = 100;
    s->name = "public";
    c->schemas = s;
    c->nschemas = 1;
    meta_table_t *t = MEM_NEW_N(a, meta_table_t, FX_NTABLES);
    for (size_t i = 0; i < FX_NTABLES; i++) {
        t[i].h.id = 200 + (int64_t)i;
        t[i].schema_id = 100;
        t[i].name = fx_tables[i].name;
        t[i].kind = "foreign";
        t[i].ncolumns = fx_tables[i].n;
        t[i].columns = MEM_NEW_N(a, meta_column_t, fx_tables[i].n);
        for (size_t k = 0; k < fx_tables[i].n; k++)
            t[i].columns[k] = (meta_column_t){ fx_tables[i].cols[k].name, fx_tables[i].cols[k].type,
                                               fx_tables[i].cols[k].typmod, fx_tables[i].cols[k].not_null };
    }
    c->tables = t;
    c->ntables = FX_NTABLES;
    return c;
}

/* fx_read_file - the whole file as a string in a (NULL when unreadable). */
static char *fx_read_file(mem_arena_t *a, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = mem_alloc(a, (size_t)n + 1);
    size_t got = fread(s, 1, (size_t)n, f);
    s[got] = 0;
    fclose(f);
    return s;
}

/* fx_cube_sql - contrib/ssb/cube.sql (KILN_TOP_SRCDIR comes from the makefile). */
static const char *fx_cube_sql(mem_arena_t *a)
{
    return fx_read_file(a, KILN_TOP_SRCDIR "/contrib/ssb/cube.sql");
}
