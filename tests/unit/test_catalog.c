/*
 * test_catalog.c - the catalog over a real SQLite metastore in /tmp: DDL from
 * libpg_query parse trees (round trip, PostgreSQL's errors and notices, events),
 * the relation provider (foreign-table scans, stable OIDs across re-open),
 * pg_catalog / information_schema contents, and the catalog functions.
 */
#include <pg_query.h>
#include <pg_query/pg_query.pb-c.h>
#include <stdarg.h>
#include <sys/stat.h>

#include "tap.h"

#include "catalog/catalog.h"
#include "catalog/ddl.h"
#include "common/buf.h"
#include "exec/exec.h"
#include "meta/meta.h"
#include "types/value.h"
#include "types/types.h"

static char dir[64];

static meta_store_t *open_store(void)
{
    meta_options_t o = { .url = "", .data_dir = dir, .node = "test", .wait_ms = 5000 };
    meta_store_t *s = NULL;
    err_t err = { 0 };
    if (meta_open(&o, &s, &err) != 0)
        TAP_FAIL("meta_open: %s %s", err.sqlstate, err.message);
    return s;
}

static err_t notices[8];
static int nnotices;

static void on_notice(void *arg, const err_t *e)
{
    (void)arg;
    if (nnotices < 8)
        notices[nnotices++] = *e;
}

static const char *const path[] = { "$user", "public" };

/* Runs one DDL statement; 0 or -1 with err. */
static int ddl(meta_store_t *st, const char *sql, err_t *err)
{
    memset(err, 0, sizeof *err);
    nnotices = 0;
    PgQueryProtobufParseResult r = pg_query_parse_protobuf(sql);
    if (r.error)
        TAP_FAIL("parse %s: %s", sql, r.error->message);
    PgQuery__ParseResult *pr =
        pg_query__parse_result__unpack(NULL, r.parse_tree.len, (const uint8_t *)r.parse_tree.data);
    ASSERT(pr && pr->n_stmts == 1);
    const PgQuery__Node *n = pr->stmts[0]->stmt;
    catalog_ddl_t d = { st, "tester", path, 2, on_notice, NULL };
    int rc;
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
    case PG_QUERY__NODE__NODE_DROP_STMT:
        rc = catalog_drop(&d, n->drop_stmt, err);
        break;
    default:
        TAP_FAIL("not DDL: %s", sql);
    }
    pg_query__parse_result__free_unpacked(pr, NULL);
    pg_query_free_protobuf_parse_result(r);
    return rc;
}

#define DDL_OK(st, sql)                                                                     \
    do {                                                                                    \
        err_t e_;                                                                           \
        if (ddl((st), (sql), &e_) != 0)                                                     \
            TAP_FAIL("%s: %s %s (%s)", (sql), e_.sqlstate, e_.message, e_.detail);          \
    } while (0)

#define DDL_ERR(st, sql, state, msg)                                                        \
    do {                                                                                    \
        err_t e_;                                                                           \
        if (ddl((st), (sql), &e_) == 0)                                                     \
            TAP_FAIL("%s succeeded", (sql));                                                \
        ASSERT_STREQ(e_.sqlstate, (state));                                                 \
        ASSERT_STREQ(e_.message, (msg));                                                    \
    } while (0)

static const char *write_csv(const char *name, const char *data)
{
    static char p[256];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    ASSERT(f);
    fputs(data, f);
    fclose(f);
    return p;
}

static void setup(meta_store_t *st)
{
    const char *csv = write_csv("c.tbl", "1|Customer#1|12.50|1997-09-10|AMERICA|\n2|Customer#2|-3|1998-01-01|ASIA|\n");
    DDL_OK(st, "CREATE SERVER files FOREIGN DATA WRAPPER file_fdw");
    char sql[1024];
    snprintf(sql, sizeof sql,
             "CREATE FOREIGN TABLE customer (c_custkey integer NOT NULL, c_name varchar(25), c_bal numeric(15,2),"
             " c_date date, c_region char(10), c_pad text) SERVER files OPTIONS (filename '%s', format 'csv', delimiter '|')",
             csv);
    DDL_OK(st, sql);
}

/* Scans relation schema.name through the provider; rows as text. */
static int scan(const char *schema, const char *name, buf_t *out, err_t *err, const exec_rel_t **relp)
{
    const exec_catalog_t *p = catalog_provider();
    void *snap = p->pin(p->arg);
    const exec_rel_t *rel;
    memset(err, 0, sizeof *err);
    if (p->lookup(p->arg, snap, schema, name, &rel, err) != 1)
        TAP_FAIL("no relation %s.%s", schema, name);
    if (relp)
        *relp = rel;
    mem_arena_t *a = mem_arena_new(NULL, "scan", 0), *scratch = mem_arena_new(NULL, "scratch", 0);
    value_t **cols = mem_alloc(a, sizeof *cols * (size_t)rel->ncols);
    for (int c = 0; c < rel->ncols; c++)
        cols[c] = mem_alloc(a, sizeof(value_t) * EXEC_BATCH_ROWS);
    exec_batch_t b = { rel->ncols, 0, cols };
    void *sc;
    int rc = 0;
    if (rel->ops->open(rel, a, NULL, &sc, err) < 0) {
        rc = -1;
        goto out;
    }
    for (;;) {
        mem_arena_reset(scratch);
        b.nrows = EXEC_BATCH_ROWS;
        if (rel->ops->next(sc, &b, scratch, err) < 0) {
            rc = -1;
            break;
        }
        if (b.nrows == 0)
            break;
        for (int i = 0; i < b.nrows; i++) {
            for (int c = 0; c < rel->ncols; c++) {
                if (c)
                    buf_putc(out, '|');
                if (cols[c][i].isnull)
                    buf_puts(out, "N");
                else
                    type_out_text(rel->cols[c].type, rel->cols[c].typmod, &cols[c][i], 1, out);
            }
            buf_putc(out, '\n');
        }
    }
    if (rel->ops->close)
        rel->ops->close(sc);
out:
    mem_arena_free(a);
    mem_arena_free(scratch);
    p->unpin(p->arg, snap);
    return rc;
}

static int col_index(const exec_rel_t *rel, const char *name)
{
    for (int c = 0; c < rel->ncols; c++)
        if (strcmp(rel->cols[c].name, name) == 0)
            return c;
    TAP_FAIL("no column %s", name);
}

/* The line of out whose column col equals val (NULL when none). */
static const char *find_row(const char *out, const exec_rel_t *rel, const char *col, const char *val)
{
    int ci = col_index(rel, col);
    static char line[4096];
    for (const char *p = out; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = (size_t)(nl - p);
        if (n >= sizeof line)
            n = sizeof line - 1;
        memcpy(line, p, n);
        line[n] = '\0';
        char tmp[4096];
        memcpy(tmp, line, n + 1);
        char *f = tmp, *save;
        int c = 0;
        for (char *tok = strtok_r(f, "|", &save); tok; tok = strtok_r(NULL, "|", &save), c++)
            if (c == ci && strcmp(tok, val) == 0)
                return line;
        p = nl + 1;
    }
    return NULL;
}

static const char *field(const char *line, const exec_rel_t *rel, const char *col)
{
    int ci = col_index(rel, col);
    static char out[1024];
    const char *p = line;
    for (int c = 0; c < ci; c++) {
        p = strchr(p, '|');
        if (!p)
            return NULL;
        p++;
    }
    const char *e = strchr(p, '|');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    memcpy(out, p, n);
    out[n] = '\0';
    return out;
}

static void test_ddl_round_trip(void)
{
    meta_store_t *st = open_store();
    err_t e = { 0 };
    meta_tx_t *tx;
    ASSERT(meta_begin(st, META_TX_READ, &tx, &e) == 0);
    int64_t ev0;
    ASSERT(meta_last_event_id(tx, &ev0, &e) == 0);
    meta_rollback(tx);

    setup(st);
    const meta_catalog_t *c = meta_catalog_acquire(st);
    const meta_table_t *t = meta_catalog_table(c, "public", "customer");
    ASSERT(t);
    ASSERT(t->h.id >= 16384);
    ASSERT_EQ(t->ncolumns, 6);
    ASSERT_STREQ(t->columns[0].type, "integer");
    ASSERT(t->columns[0].not_null);
    ASSERT_STREQ(t->columns[1].type, "character varying");
    ASSERT_EQ(t->columns[1].typmod, 29);
    ASSERT_STREQ(t->columns[2].type, "numeric");
    ASSERT_EQ(t->columns[2].typmod, ((15 << 16) | 2) + 4);
    ASSERT_STREQ(t->columns[4].type, "character");
    ASSERT_EQ(t->columns[4].typmod, 14);
    ASSERT_STREQ(meta_option_get(t->options, t->noptions, "delimiter"), "|");
    meta_catalog_release(c);

    /* the metastore appended one event per change (public schema, server, table) */
    ASSERT(meta_begin(st, META_TX_READ, &tx, &e) == 0);
    int64_t ev1;
    ASSERT(meta_last_event_id(tx, &ev1, &e) == 0);
    meta_rollback(tx);
    ASSERT_EQ(ev1 - ev0, 3);

    DDL_OK(st, "CREATE SCHEMA s");
    DDL_OK(st, "CREATE FOREIGN TABLE s.t (a int) SERVER files OPTIONS (filename '/x')");
    DDL_OK(st, "DROP FOREIGN TABLE s.t");
    DDL_OK(st, "DROP SCHEMA s");
    DDL_OK(st, "DROP FOREIGN TABLE customer");
    c = meta_catalog_acquire(st);
    ASSERT(meta_catalog_table(c, "public", "customer") == NULL);
    meta_catalog_release(c);
    meta_close(st);
}

static void test_ddl_errors(void)
{
    meta_store_t *st = open_store();
    setup(st);
    DDL_ERR(st, "CREATE SERVER files FOREIGN DATA WRAPPER file_fdw", "42710", "server \"files\" already exists");
    DDL_OK(st, "CREATE SERVER IF NOT EXISTS files FOREIGN DATA WRAPPER file_fdw");
    ASSERT_EQ(nnotices, 1);
    ASSERT_STREQ(notices[0].message, "server \"files\" already exists, skipping");
    DDL_ERR(st, "CREATE SERVER s2 FOREIGN DATA WRAPPER nope", "42704", "foreign-data wrapper \"nope\" does not exist");
    DDL_ERR(st, "CREATE SERVER s3 FOREIGN DATA WRAPPER file_fdw OPTIONS (foo 'bar')", "HV00D", "invalid option \"foo\"");
    DDL_ERR(st, "CREATE FOREIGN TABLE t (a int) SERVER nosuch OPTIONS (filename '/x')", "42704",
            "server \"nosuch\" does not exist");
    DDL_ERR(st, "CREATE FOREIGN TABLE t (a int) SERVER files", "HV002",
            "either filename or program is required for file_fdw foreign tables");
    DDL_ERR(st, "CREATE FOREIGN TABLE t (a int) SERVER files OPTIONS (filename '/x', format 'xml')", "22023",
            "COPY format \"xml\" not recognized");
    DDL_ERR(st, "CREATE FOREIGN TABLE customer (a int) SERVER files OPTIONS (filename '/x')", "42P07",
            "relation \"customer\" already exists");
    DDL_OK(st, "CREATE FOREIGN TABLE IF NOT EXISTS customer (a int) SERVER files OPTIONS (filename '/x')");
    ASSERT_EQ(nnotices, 1);
    ASSERT_STREQ(notices[0].sqlstate, "42P07");
    ASSERT_STREQ(notices[0].message, "relation \"customer\" already exists, skipping");
    err_t e;
    ASSERT(ddl(st, "CREATE FOREIGN TABLE t (a int, b nosuchtype) SERVER files OPTIONS (filename '/x')", &e) < 0);
    ASSERT_STREQ(e.sqlstate, "42704");
    ASSERT_STREQ(e.message, "type \"nosuchtype\" does not exist");
    ASSERT_EQ(e.position, 34); /* 1-based, at the type name, as PostgreSQL's caret */
    DDL_ERR(st, "CREATE FOREIGN TABLE t (a int, a text) SERVER files OPTIONS (filename '/x')", "42701",
            "column \"a\" specified more than once");
    DDL_ERR(st, "CREATE FOREIGN TABLE t (a int, b varchar(0)) SERVER files OPTIONS (filename '/x')", "22023",
            "length for type varchar must be at least 1");
    DDL_ERR(st, "CREATE FOREIGN TABLE t (a int PRIMARY KEY) SERVER files OPTIONS (filename '/x')", "0A000",
            "primary key constraints are not supported on foreign tables");
    DDL_ERR(st, "CREATE FOREIGN TABLE nos.t (a int) SERVER files OPTIONS (filename '/x')", "3F000",
            "schema \"nos\" does not exist");
    DDL_ERR(st, "DROP FOREIGN TABLE nosuch", "42704", "foreign table \"nosuch\" does not exist");
    DDL_OK(st, "DROP FOREIGN TABLE IF EXISTS nosuch");
    ASSERT_EQ(nnotices, 1);
    ASSERT_STREQ(notices[0].message, "foreign table \"nosuch\" does not exist, skipping");
    DDL_ERR(st, "DROP FOREIGN TABLE nosuchschema.nosuch", "3F000", "schema \"nosuchschema\" does not exist");
    DDL_ERR(st, "DROP SERVER nosuch", "42704", "server \"nosuch\" does not exist");
    DDL_ERR(st, "DROP SERVER files", "2BP01", "cannot drop server files because other objects depend on it");
    DDL_OK(st, "CREATE SCHEMA s");
    DDL_ERR(st, "CREATE SCHEMA s", "42P06", "schema \"s\" already exists");
    DDL_ERR(st, "CREATE SCHEMA pg_foo", "42939", "unacceptable schema name \"pg_foo\"");
    DDL_OK(st, "CREATE FOREIGN TABLE s.t (a int) SERVER files OPTIONS (filename '/x')");
    DDL_ERR(st, "DROP SCHEMA s", "2BP01", "cannot drop schema s because other objects depend on it");
    DDL_ERR(st, "DROP SCHEMA nosuch", "3F000", "schema \"nosuch\" does not exist");
    DDL_OK(st, "DROP SERVER files CASCADE");
    ASSERT_EQ(nnotices, 1);
    ASSERT_STREQ(notices[0].message, "drop cascades to 2 other objects");
    ASSERT_STREQ(notices[0].detail, "drop cascades to foreign table customer\ndrop cascades to foreign table s.t");
    meta_close(st);
}

static void test_foreign_table_scan(void)
{
    meta_store_t *st = open_store();
    cfg_t *cfg = cfg_new();
    err_t e = { 0 };
    ASSERT(catalog_init(st, cfg, &e) == 0);
    setup(st);
    buf_t out = BUF_INIT;
    const exec_rel_t *rel;
    if (scan("public", "customer", &out, &e, &rel) < 0)
        TAP_FAIL("%s %s", e.message, e.detail);
    ASSERT_EQ(rel->kind, 'f');
    ASSERT(rel->oid >= 16384);
    ASSERT_STREQ(buf_cstr(&out), "1|Customer#1|12.50|1997-09-10|AMERICA   |N\n2|Customer#2|-3.00|1998-01-01|ASIA      |N\n");
    /* a missing file is reported when scanned */
    DDL_OK(st, "CREATE FOREIGN TABLE gone (a int) SERVER files OPTIONS (filename '/nonexistent/kiln.csv')");
    buf_reset(&out);
    ASSERT(scan("public", "gone", &out, &e, NULL) < 0);
    ASSERT_STREQ(e.sqlstate, "58P01");
    ASSERT_STREQ(e.message, "could not open file \"/nonexistent/kiln.csv\" for reading: No such file or directory");
    catalog_shutdown();
    buf_free(&out);
    meta_close(st);
}

static void test_pg_catalog_contents(void)
{
    meta_store_t *st = open_store();
    cfg_t *cfg = cfg_new();
    err_t e = { 0 };
    ASSERT(catalog_init(st, cfg, &e) == 0);
    setup(st);
    const meta_catalog_t *c = meta_catalog_acquire(st);
    char oid[32];
    snprintf(oid, sizeof oid, "%lld", (long long)meta_catalog_table(c, "public", "customer")->h.id);
    meta_catalog_release(c);

    buf_t out = BUF_INIT;
    const exec_rel_t *rel;
    ASSERT(scan("pg_catalog", "pg_class", &out, &e, &rel) == 0);
    ASSERT_EQ(rel->oid, 1259);
    const char *row = find_row(buf_cstr(&out), rel, "relname", "customer");
    ASSERT(row);
    ASSERT_STREQ(field(row, rel, "oid"), oid);
    ASSERT_STREQ(field(row, rel, "relkind"), "f");
    ASSERT_STREQ(field(row, rel, "relnamespace"), "2200");
    ASSERT_STREQ(field(row, rel, "relnatts"), "6");
    row = find_row(buf_cstr(&out), rel, "relname", "pg_type");
    ASSERT(row);
    ASSERT_STREQ(field(row, rel, "oid"), "1247");
    ASSERT_STREQ(field(row, rel, "relnamespace"), "11");

    buf_reset(&out);
    ASSERT(scan("pg_catalog", "pg_attribute", &out, &e, &rel) == 0);
    int found = 0;
    for (const char *p = buf_cstr(&out); *p; p = strchr(p, '\n') + 1) {
        char line[512];
        size_t n = (size_t)(strchr(p, '\n') - p);
        memcpy(line, p, n);
        line[n] = '\0';
        if (strcmp(field(line, rel, "attrelid"), oid) != 0)
            continue;
        found++;
        const char *name = field(line, rel, "attname");
        char attnum[8], typid[8], typmod[16];
        snprintf(attnum, sizeof attnum, "%s", field(line, rel, "attnum"));
        snprintf(typid, sizeof typid, "%s", field(line, rel, "atttypid"));
        snprintf(typmod, sizeof typmod, "%s", field(line, rel, "atttypmod"));
        if (strcmp(name, "c_custkey") == 0) {
            ASSERT_STREQ(attnum, "1");
            ASSERT_STREQ(typid, "23");
            ASSERT_STREQ(field(line, rel, "attnotnull"), "t");
        } else if (strcmp(name, "c_name") == 0) {
            ASSERT_STREQ(attnum, "2");
            ASSERT_STREQ(typid, "1043");
            ASSERT_STREQ(typmod, "29");
        } else if (strcmp(name, "c_bal") == 0) {
            ASSERT_STREQ(typid, "1700");
            ASSERT_STREQ(typmod, "983046");
        } else if (strcmp(name, "c_date") == 0) {
            ASSERT_STREQ(typid, "1082");
        }
    }
    ASSERT_EQ(found, 6);

    buf_reset(&out);
    ASSERT(scan("pg_catalog", "pg_namespace", &out, &e, &rel) == 0);
    ASSERT(find_row(buf_cstr(&out), rel, "nspname", "public"));
    ASSERT_STREQ(field(find_row(buf_cstr(&out), rel, "nspname", "public"), rel, "oid"), "2200");
    ASSERT_STREQ(field(find_row(buf_cstr(&out), rel, "nspname", "pg_catalog"), rel, "oid"), "11");

    buf_reset(&out);
    ASSERT(scan("pg_catalog", "pg_type", &out, &e, &rel) == 0);
    row = find_row(buf_cstr(&out), rel, "typname", "int4");
    ASSERT(row);
    ASSERT_STREQ(field(row, rel, "oid"), "23");
    ASSERT_STREQ(field(row, rel, "typarray"), "1007");
    /* regproc prints the function's name (catalog_init registers the namer) */
    ASSERT_STREQ(field(row, rel, "typreceive"), "int4recv");
    ASSERT_STREQ(field(row, rel, "typcategory"), "N");
    ASSERT(find_row(buf_cstr(&out), rel, "typname", "_int4"));

    buf_reset(&out);
    ASSERT(scan("pg_catalog", "pg_proc", &out, &e, &rel) == 0);
    ASSERT(find_row(buf_cstr(&out), rel, "proname", "int4recv"));
    ASSERT(find_row(buf_cstr(&out), rel, "proname", "array_recv"));
    ASSERT(find_row(buf_cstr(&out), rel, "proname", "format_type"));

    buf_reset(&out);
    ASSERT(scan("pg_catalog", "pg_foreign_table", &out, &e, &rel) == 0);
    ASSERT(find_row(buf_cstr(&out), rel, "ftrelid", oid));

    buf_reset(&out);
    ASSERT(scan("information_schema", "columns", &out, &e, &rel) == 0);
    row = find_row(buf_cstr(&out), rel, "column_name", "c_name");
    ASSERT(row);
    ASSERT_STREQ(field(row, rel, "data_type"), "character varying");
    ASSERT_STREQ(field(row, rel, "character_maximum_length"), "25");
    ASSERT_STREQ(field(row, rel, "ordinal_position"), "2");
    row = find_row(buf_cstr(&out), rel, "column_name", "c_bal");
    ASSERT_STREQ(field(row, rel, "numeric_precision"), "15");
    ASSERT_STREQ(field(row, rel, "numeric_scale"), "2");
    row = find_row(buf_cstr(&out), rel, "column_name", "c_custkey");
    ASSERT_STREQ(field(row, rel, "is_nullable"), "NO");

    buf_reset(&out);
    ASSERT(scan("information_schema", "tables", &out, &e, &rel) == 0);
    ASSERT_STREQ(field(find_row(buf_cstr(&out), rel, "table_name", "customer"), rel, "table_type"), "FOREIGN");

    buf_reset(&out);
    ASSERT(scan("pg_catalog", "pg_settings", &out, &e, &rel) == 0);
    ASSERT_STREQ(field(find_row(buf_cstr(&out), rel, "name", "server_version_num"), rel, "setting"), "150000");
    ASSERT_STREQ(field(find_row(buf_cstr(&out), rel, "name", "kiln.auth.users"), rel, "setting"), "********");

    /* empty relations exist with PostgreSQL's columns */
    buf_reset(&out);
    ASSERT(scan("pg_catalog", "pg_index", &out, &e, &rel) == 0);
    ASSERT_STREQ(buf_cstr(&out), "");
    col_index(rel, "indkey");
    col_index(rel, "indisprimary");
    catalog_shutdown();
    buf_free(&out);
    meta_close(st);
}

static void test_stable_oids_across_reopen(void)
{
    meta_store_t *st = open_store();
    setup(st);
    DDL_OK(st, "CREATE SCHEMA s");
    const meta_catalog_t *c = meta_catalog_acquire(st);
    int64_t t1 = meta_catalog_table(c, "public", "customer")->h.id;
    int64_t s1 = meta_catalog_schema(c, "s")->h.id;
    meta_catalog_release(c);
    meta_close(st);

    st = open_store();
    err_t e = { 0 };
    ASSERT(catalog_init(st, cfg_new(), &e) == 0);
    const exec_catalog_t *p = catalog_provider();
    void *snap = p->pin(p->arg);
    const exec_rel_t *rel;
    ASSERT(p->lookup(p->arg, snap, "public", "customer", &rel, &e) == 1);
    ASSERT_EQ(rel->oid, t1);
    ASSERT(p->lookup(p->arg, snap, "pg_catalog", "pg_class", &rel, &e) == 1);
    ASSERT_EQ(rel->oid, 1259);
    ASSERT(p->lookup(p->arg, snap, "public", "pg_class", &rel, &e) == 0);
    ASSERT(p->schema_exists(p->arg, snap, "s") == 1);
    ASSERT(p->schema_exists(p->arg, snap, "public") == 1);
    ASSERT(p->schema_exists(p->arg, snap, "nope") == 0);
    p->unpin(p->arg, snap);
    ASSERT_EQ(catalog_namespace_oid("s"), s1);
    ASSERT_EQ(catalog_namespace_oid("public"), 2200);
    catalog_shutdown();
    meta_close(st);
}

static void test_functions(void)
{
    meta_store_t *st = open_store();
    err_t e = { 0 };
    ASSERT(catalog_init(st, cfg_new(), &e) == 0);
    setup(st);
    mem_arena_t *a = mem_arena_new(NULL, "f", 0);
    ASSERT_STREQ(catalog_format_type(TYPE_INT4, -1, a), "integer");
    ASSERT_STREQ(catalog_format_type(TYPE_VARCHAR, 29, a), "character varying(25)");
    ASSERT_STREQ(catalog_format_type(TYPE_BPCHAR, 14, a), "character(10)");
    ASSERT_STREQ(catalog_format_type(TYPE_NUMERIC, ((15 << 16) | 2) + 4, a), "numeric(15,2)");
    ASSERT_STREQ(catalog_format_type(TYPE_INT4_ARRAY, -1, a), "integer[]");
    ASSERT_STREQ(catalog_format_type(TYPE_CHAR, -1, a), "\"char\"");
    ASSERT_STREQ(catalog_format_type(999999, -1, a), "???");
    const char *const sp[] = { "public" };
    uint32_t oid = catalog_relation_oid(NULL, "customer", sp, 1);
    ASSERT(oid >= 16384);
    ASSERT(catalog_table_is_visible(oid, sp, 1));
    ASSERT(!catalog_table_is_visible(oid, NULL, 0));
    ASSERT(catalog_table_is_visible(1259, NULL, 0));
    ASSERT_STREQ(catalog_relation_name(oid, sp, 1, a), "customer");
    ASSERT_STREQ(catalog_relation_name(oid, NULL, 0, a), "public.customer");
    ASSERT_STREQ(catalog_relation_name(1259, NULL, 0, a), "pg_class");
    ASSERT_EQ(catalog_relation_oid("pg_catalog", "pg_namespace", NULL, 0), 2615);
    ASSERT_STREQ(catalog_role_name(10, a), "kiln");
    ASSERT_EQ(catalog_proc_oid("pg_catalog.array_in"), 750);
    ASSERT_STREQ(catalog_proc_name(2406), "int4recv");

    /* through the engine-function table */
    const exec_func_t *ft = NULL;
    for (int i = 0; i < catalog_nfuncs; i++)
        if (strcmp(catalog_funcs[i].name, "format_type") == 0)
            ft = &catalog_funcs[i];
    ASSERT(ft);
    exec_fctx_t fc = { a, &e, NULL, NULL, 2 };
    value_t args[2] = { value_int(TYPE_VARCHAR), value_int(29) }, out;
    ASSERT(ft->impl(&fc, args, &out) == 0);
    ASSERT(!out.isnull && out.u.s.len == 21 && memcmp(out.u.s.p, "character varying(25)", 21) == 0);
    catalog_shutdown();
    mem_arena_free(a);
    meta_close(st);
}

int main(void)
{
    static const tap_test_t tests[] = {
        { "DDL round trip on an SQLite metastore, with events", test_ddl_round_trip },
        { "DDL errors and notices as PostgreSQL gives them", test_ddl_errors },
        { "foreign table scan through the provider", test_foreign_table_scan },
        { "pg_catalog and information_schema contents", test_pg_catalog_contents },
        { "stable OIDs across re-open", test_stable_oids_across_reopen },
        { "catalog functions", test_functions },
    };
    int failed = 0;
    /* each test gets a fresh metastore directory */
    printf("1..%d\n", (int)(sizeof tests / sizeof tests[0]));
    fflush(stdout);
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
        snprintf(dir, sizeof dir, "/tmp/kiln-catalog-XXXXXX");
        if (!mkdtemp(dir))
            return 1;
        pid_t pid = fork();
        if (pid == 0) {
            alarm(60);
            tests[i].fn();
            fflush(stdout);
            _exit(0);
        }
        int status = 0;
        waitpid(pid, &status, 0);
        int ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
        printf("%s %d - %s\n", ok ? "ok" : "not ok", (int)i + 1, tests[i].name);
        fflush(stdout);
        failed += !ok;
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        if (system(cmd) != 0)
            failed++;
    }
    return failed ? 1 : 0;
}
