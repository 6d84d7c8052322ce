/*
 * copy.c - preparing COPY statements (sql__prepare_copy): the options in
 * both syntaxes (libpg_query turns `WITH CSV HEADER` into the same DefElems
 * as `WITH (FORMAT csv, HEADER)`) checked in the order and with the
 * messages of PostgreSQL 15's ProcessCopyOptions, the target (a query, or a
 * relation and column list) and the refusals.
 *
 * COPY ... TO STDOUT becomes a SQL_K_COPY_OUT statement whose inner
 * statement is the query (for `COPY rel (cols)`: `SELECT cols FROM rel`,
 * prepared like any query, so a view over a cube is read from its
 * cuboids); binding it binds the query, and the session encodes the rows
 * (src/protocol/copy.c). kiln's relations are read-only source files,
 * cubes and catalogs, so COPY ... FROM STDIN on a source table or a cube is
 * a SQL_K_COPY_IN statement that fails when executed, after the session has
 * sent CopyInResponse, because that is when PostgreSQL fails for a
 * file_fdw table ("cannot insert into foreign table") or a materialized
 * view; COPY to or from a server file or program is refused up front with
 * 42501, as PostgreSQL refuses a role without pg_write_server_files etc.
 *
 * Deliberate difference: PostgreSQL refuses `COPY foreign_table TO` and
 * `COPY matview TO` ("Try the COPY (SELECT ...) TO variant"); kiln's
 * tables are all of those, so kiln runs them as that variant.
 *
 * Not here: the encodings (src/protocol/copy.c), the CopyData stream
 * (src/session/query.c).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sql_int.h"

/* The options as given, before defaults (PostgreSQL's CopyFormatOptions). */
typedef struct copy_opts {
    bool csv, binary;
    bool format_set, freeze_set, header_set;
    bool header;
    const char *delim, *null_print, *quote, *escape;
    bool force_quote_all;
    const PgQuery__List *force_quote;
    bool force_notnull, force_null, encoding_set;
} copy_opts_t;

typedef struct copy_ctx {
    mem_arena_t *a;
    const char *sql;
    int offset;
    err_t *err;
} copy_ctx_t;

/* at - err gets the 1-based character position of byte loc (PostgreSQL's
 * parser_errposition of the option). Returns -1. */
static int at(const copy_ctx_t *c, int loc)
{
    int chars = 0;
    for (int i = 0; i < loc && c->sql[i]; i++)
        if (((unsigned char)c->sql[i] & 0xC0) != 0x80)
            chars++;
    err_position(c->err, chars + 1 + c->offset);
    return -1;
}

static int conflicting(const copy_ctx_t *c, const PgQuery__DefElem *d)
{
    err_set(c->err, ERRCODE_SYNTAX_ERROR, "conflicting or redundant options");
    return at(c, d->location);
}

/* opt_string - PostgreSQL's defGetString: the argument as text. */
static int opt_string(const copy_ctx_t *c, const PgQuery__DefElem *d, const char **out)
{
    const PgQuery__Node *n = d->arg;
    if (!n)
        return err_set(c->err, ERRCODE_SYNTAX_ERROR, "%s requires a parameter", d->defname);
    switch (n->node_case) {
    case PG_QUERY__NODE__NODE_INTEGER:
        *out = mem_asprintf(c->a, "%d", n->integer->ival);
        return 0;
    case PG_QUERY__NODE__NODE_FLOAT:
        *out = n->float_->fval;
        return 0;
    case PG_QUERY__NODE__NODE_BOOLEAN:
        *out = n->boolean->boolval ? "true" : "false";
        return 0;
    case PG_QUERY__NODE__NODE_STRING:
        *out = n->string->sval;
        return 0;
    case PG_QUERY__NODE__NODE_A_STAR:
        *out = "*";
        return 0;
    case PG_QUERY__NODE__NODE_TYPE_NAME:
    case PG_QUERY__NODE__NODE_LIST: {
        size_t k = n->node_case == PG_QUERY__NODE__NODE_LIST ? n->list->n_items : n->type_name->n_names;
        PgQuery__Node **items = n->node_case == PG_QUERY__NODE__NODE_LIST ? n->list->items : n->type_name->names;
        buf_t b = BUF_INIT;
        for (size_t i = 0; i < k; i++)
            buf_printf(&b, "%s%s", i ? "." : "",
                       items[i]->node_case == PG_QUERY__NODE__NODE_STRING ? items[i]->string->sval : "?");
        *out = mem_astrndup(c->a, b.data ? b.data : "", b.len);
        buf_free(&b);
        return 0;
    }
    default:
        return err_set(c->err, ERRCODE_INTERNAL_ERROR, "unrecognized node type in option \"%s\"", d->defname);
    }
}

/* opt_boolword - d's value as PostgreSQL's defGetBoolean reads it: 0 with
 * *out set, 1 with *word set when it is a string but not a Boolean word
 * (the caller decides), -1 on error. */
static int opt_boolword(const copy_ctx_t *c, const PgQuery__DefElem *d, bool *out, const char **word)
{
    const PgQuery__Node *n = d->arg;
    *word = NULL;
    if (!n)
        return *out = true, 0;
    if (n->node_case == PG_QUERY__NODE__NODE_INTEGER) {
        if (n->integer->ival == 0 || n->integer->ival == 1)
            return *out = n->integer->ival == 1, 0;
        return 1;
    }
    const char *s;
    if (opt_string(c, d, &s) < 0)
        return -1;
    if (!strcasecmp(s, "true") || !strcasecmp(s, "on"))
        return *out = true, 0;
    if (!strcasecmp(s, "false") || !strcasecmp(s, "off"))
        return *out = false, 0;
    *word = s;
    return 1;
}

/* opt_bool - PostgreSQL's defGetBoolean. */
static int opt_bool(const copy_ctx_t *c, const PgQuery__DefElem *d, bool *out)
{
    const char *word;
    int rc = opt_boolword(c, d, out, &word);
    if (rc <= 0)
        return rc;
    return err_set(c->err, ERRCODE_SYNTAX_ERROR, "%s requires a Boolean value", d->defname);
}

/* opt_header - PostgreSQL 15's defGetCopyHeaderChoice (MATCH only for FROM). */
static int opt_header(const copy_ctx_t *c, const PgQuery__DefElem *d, bool is_from, bool *out)
{
    const char *word;
    int rc = opt_boolword(c, d, out, &word);
    if (rc <= 0)
        return rc;
    if (word && !strcasecmp(word, "match")) {
        if (is_from)
            return *out = true, 0;
        return err_set(c->err, ERRCODE_FEATURE_NOT_SUPPORTED, "cannot use \"%s\" with HEADER in COPY TO", word);
    }
    return err_set(c->err, ERRCODE_SYNTAX_ERROR, "%s requires a Boolean value or \"match\"", d->defname);
}

/* encoding_known - 1 for the encodings kiln writes (UTF-8; SQL_ASCII is no
 * conversion), 0 for another PostgreSQL encoding, -1 for no encoding at
 * all. Names compare as pg_char_to_encoding's clean_encoding_name does. */
static int encoding_known(const char *s)
{
    static const char *const others[] = {
        "alt",     "big5",     "euccn",    "eucjis2004", "eucjp",    "euckr",     "euctw",    "gb18030",
        "gbk",     "iso88591", "iso885910", "iso885913", "iso885914", "iso885915", "iso885916", "iso88592",
        "iso88593", "iso88594", "iso88595", "iso88596",  "iso88597", "iso88598",  "iso88599", "johab",
        "koi8",    "koi8r",    "koi8u",    "latin1",     "latin10",  "latin2",    "latin3",   "latin4",
        "latin5",  "latin6",   "latin7",   "latin8",     "latin9",   "mskanji",   "muleinternal", "shiftjis",
        "shiftjis2004", "sjis", "tcvn",    "tcvn5712",   "uhc",      "vscii",     "win",      "win1250",
        "win1251", "win1252",  "win1253",  "win1254",    "win1255",  "win1256",   "win1257",  "win1258",
        "win866",  "win874",   "win932",   "win936",     "win949",   "win950",    "windows1250", "windows1251",
        "windows1252", "windows1253", "windows1254", "windows1255", "windows1256", "windows1257",
        "windows1258", "windows866", "windows874", "windows932", "windows936", "windows949", "windows950",
        "abc",     "isoir111", "koi8r",
    };
    char clean[40];
    size_t n = 0;
    for (; *s; s++) {
        if (n == sizeof clean - 1)
            return -1;
        if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9'))
            clean[n++] = (char)(*s >= 'A' && *s <= 'Z' ? *s + 32 : *s);
    }
    clean[n] = '\0';
    if (!strcmp(clean, "utf8") || !strcmp(clean, "unicode") || !strcmp(clean, "sqlascii"))
        return 1;
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
        if (!strcmp(clean, others[i]))
            return 0;
    return -1;
}

/* process_options - ProcessCopyOptions: each option, then the checks
 * between them, then the defaults, in PostgreSQL 15's order. */
static int process_options(const copy_ctx_t *c, PgQuery__Node **options, size_t n, bool is_from, copy_opts_t *o)
{
    memset(o, 0, sizeof *o);
    for (size_t i = 0; i < n; i++) {
        const PgQuery__DefElem *d = options[i]->def_elem;
        const char *name = d->defname;
        if (!strcmp(name, "format")) {
            const char *fmt;
            if (o->format_set)
                return conflicting(c, d);
            o->format_set = true;
            if (opt_string(c, d, &fmt) < 0)
                return -1;
            if (!strcmp(fmt, "csv"))
                o->csv = true;
            else if (!strcmp(fmt, "binary"))
                o->binary = true;
            else if (strcmp(fmt, "text") != 0) {
                err_set(c->err, ERRCODE_INVALID_PARAMETER_VALUE, "COPY format \"%s\" not recognized", fmt);
                return at(c, d->location);
            }
        } else if (!strcmp(name, "freeze")) {
            bool freeze;
            if (o->freeze_set)
                return conflicting(c, d);
            o->freeze_set = true;
            if (opt_bool(c, d, &freeze) < 0)
                return -1;
        } else if (!strcmp(name, "delimiter")) {
            if (o->delim)
                return conflicting(c, d);
            if (opt_string(c, d, &o->delim) < 0)
                return -1;
        } else if (!strcmp(name, "null")) {
            if (o->null_print)
                return conflicting(c, d);
            if (opt_string(c, d, &o->null_print) < 0)
                return -1;
        } else if (!strcmp(name, "header")) {
            if (o->header_set)
                return conflicting(c, d);
            o->header_set = true;
            if (opt_header(c, d, is_from, &o->header) < 0)
                return -1;
        } else if (!strcmp(name, "quote")) {
            if (o->quote)
                return conflicting(c, d);
            if (opt_string(c, d, &o->quote) < 0)
                return -1;
        } else if (!strcmp(name, "escape")) {
            if (o->escape)
                return conflicting(c, d);
            if (opt_string(c, d, &o->escape) < 0)
                return -1;
        } else if (!strcmp(name, "force_quote") || !strcmp(name, "force_not_null") || !strcmp(name, "force_null")) {
            bool quote = !strcmp(name, "force_quote");
            bool *seen = quote ? &o->force_quote_all : !strcmp(name, "force_null") ? &o->force_null : &o->force_notnull;
            if (*seen || (quote && o->force_quote))
                return conflicting(c, d);
            if (d->arg && d->arg->node_case == PG_QUERY__NODE__NODE_A_STAR && quote)
                o->force_quote_all = true;
            else if (d->arg && d->arg->node_case == PG_QUERY__NODE__NODE_LIST) {
                if (quote)
                    o->force_quote = d->arg->list;
                else
                    *seen = true;
            } else {
                err_set(c->err, ERRCODE_INVALID_PARAMETER_VALUE,
                        "argument to option \"%s\" must be a list of column names", name);
                return at(c, d->location);
            }
        } else if (!strcmp(name, "encoding")) {
            const char *enc;
            if (o->encoding_set)
                return conflicting(c, d);
            o->encoding_set = true;
            if (opt_string(c, d, &enc) < 0)
                return -1;
            int k = encoding_known(enc);
            if (k < 0) {
                err_set(c->err, ERRCODE_INVALID_PARAMETER_VALUE,
                        "argument to option \"%s\" must be a valid encoding name", name);
                return at(c, d->location);
            }
            if (k == 0) {
                err_set(c->err, ERRCODE_FEATURE_NOT_SUPPORTED, "COPY ENCODING '%s' is not supported by kiln", enc);
                err_hint(c->err, "kiln writes UTF8; convert the file on the client (psql's \\encoding, iconv).");
                return at(c, d->location);
            }
        } else {
            err_set(c->err, ERRCODE_SYNTAX_ERROR, "option \"%s\" not recognized", name);
            return at(c, d->location);
        }
    }
    if (o->binary && o->delim)
        return err_set(c->err, ERRCODE_SYNTAX_ERROR, "cannot specify DELIMITER in BINARY mode");
    if (o->binary && o->null_print)
        return err_set(c->err, ERRCODE_SYNTAX_ERROR, "cannot specify NULL in BINARY mode");
    if (!o->delim)
        o->delim = o->csv ? "," : "\t";
    if (!o->null_print)
        o->null_print = o->csv ? "" : "\\N";
    if (o->csv) {
        if (!o->quote)
            o->quote = "\"";
        if (!o->escape)
            o->escape = o->quote;
    }
    if (strlen(o->delim) != 1)
        return err_set(c->err, ERRCODE_FEATURE_NOT_SUPPORTED, "COPY delimiter must be a single one-byte character");
    if (strchr(o->delim, '\r') || strchr(o->delim, '\n'))
        return err_set(c->err, ERRCODE_INVALID_PARAMETER_VALUE, "COPY delimiter cannot be newline or carriage return");
    if (strchr(o->null_print, '\r') || strchr(o->null_print, '\n'))
        return err_set(c->err, ERRCODE_INVALID_PARAMETER_VALUE,
                       "COPY null representation cannot use newline or carriage return");
    /* Backslash and letters/digits would be ambiguous with text's escapes. */
    if (!o->csv && strchr("\\.abcdefghijklmnopqrstuvwxyz0123456789", o->delim[0]))
        return err_set(c->err, ERRCODE_INVALID_PARAMETER_VALUE, "COPY delimiter cannot be \"%s\"", o->delim);
    if (o->binary && o->header)
        return err_set(c->err, ERRCODE_FEATURE_NOT_SUPPORTED, "cannot specify HEADER in BINARY mode");
    if (!o->csv && o->quote)
        return err_set(c->err, ERRCODE_FEATURE_NOT_SUPPORTED, "COPY quote available only in CSV mode");
    if (o->csv && strlen(o->quote) != 1)
        return err_set(c->err, ERRCODE_FEATURE_NOT_SUPPORTED, "COPY quote must be a single one-byte character");
    if (o->csv && o->delim[0] == o->quote[0])
        return err_set(c->err, ERRCODE_INVALID_PARAMETER_VALUE, "COPY delimiter and quote must be different");
    if (!o->csv && o->escape)
        return err_set(c->err, ERRCODE_FEATURE_NOT_SUPPORTED, "COPY escape available only in CSV mode");
    if (o->csv && strlen(o->escape) != 1)
        return err_set(c->err, ERRCODE_FEATURE_NOT_SUPPORTED, "COPY escape must be a single one-byte character");
    bool fq = o->force_quote || o->force_quote_all;
    if (!o->csv && fq)
        return err_set(c->err, ERRCODE_FEATURE_NOT_SUPPORTED, "COPY force quote available only in CSV mode");
    if (fq && is_from)
        return err_set(c->err, ERRCODE_FEATURE_NOT_SUPPORTED, "COPY force quote only available using COPY TO");
    if (!o->csv && o->force_notnull)
        return err_set(c->err, ERRCODE_FEATURE_NOT_SUPPORTED, "COPY force not null available only in CSV mode");
    if (o->force_notnull && !is_from)
        return err_set(c->err, ERRCODE_FEATURE_NOT_SUPPORTED, "COPY force not null only available using COPY FROM");
    if (!o->csv && o->force_null)
        return err_set(c->err, ERRCODE_FEATURE_NOT_SUPPORTED, "COPY force null available only in CSV mode");
    if (o->force_null && !is_from)
        return err_set(c->err, ERRCODE_FEATURE_NOT_SUPPORTED, "COPY force null only available using COPY FROM");
    if (strchr(o->null_print, o->delim[0]))
        return err_set(c->err, ERRCODE_FEATURE_NOT_SUPPORTED,
                       "COPY delimiter must not appear in the NULL specification");
    if (o->csv && strchr(o->null_print, o->quote[0]))
        return err_set(c->err, ERRCODE_FEATURE_NOT_SUPPORTED,
                       "CSV quote character must not appear in the NULL specification");
    return 0;
}

/* quote_ident - "name" with embedded quotes doubled, for the SELECT that
 * `COPY rel (cols)` runs. */
static void quote_ident(buf_t *b, const char *s)
{
    buf_putc(b, '"');
    for (; *s; s++) {
        if (*s == '"')
            buf_putc(b, '"');
        buf_putc(b, *s);
    }
    buf_putc(b, '"');
}

/* lookup_rel - the relation COPY names (42P01 without a position, as
 * PostgreSQL's table_openrv reports it). */
static int lookup_rel(sql_ctx_t *ctx, const copy_ctx_t *c, const PgQuery__RangeVar *rv, const exec_rel_t **out)
{
    exec_catview_t *cat = exec_catalog_pin(c->a);
    const char *schema = rv->schemaname && *rv->schemaname ? rv->schemaname : NULL;
    int rc;
    if (schema) {
        rc = exec_catalog_lookup(cat, schema, NULL, 0, rv->relname, out, c->err);
    } else {
        const char **path;
        int npath;
        sql__search_path(ctx, false, c->a, &path, &npath);
        rc = exec_catalog_lookup(cat, NULL, path, npath, rv->relname, out, c->err);
    }
    if (rc < 0)
        return -1;
    if (rc == 0) {
        if (schema)
            return err_set(c->err, ERRCODE_UNDEFINED_TABLE, "relation \"%s.%s\" does not exist", schema, rv->relname);
        return err_set(c->err, ERRCODE_UNDEFINED_TABLE, "relation \"%s\" does not exist", rv->relname);
    }
    return 0;
}

/* rel_columns - CopyGetAttnums: the column list's positions in rel (all
 * columns when the list is empty), in a. */
static int rel_columns(const copy_ctx_t *c, const exec_rel_t *rel, PgQuery__Node **attlist, size_t n, int **cols,
                       int *ncols)
{
    int k = n ? (int)n : rel->ncols;
    int *out = mem_alloc0(c->a, sizeof(int) * (size_t)(k > 0 ? k : 1));
    if (!n) {
        for (int i = 0; i < k; i++)
            out[i] = i;
    }
    for (size_t i = 0; i < n; i++) {
        const char *name = attlist[i]->node_case == PG_QUERY__NODE__NODE_STRING ? attlist[i]->string->sval : "";
        int at_ = -1;
        for (int j = 0; j < rel->ncols && at_ < 0; j++)
            if (!strcmp(rel->cols[j].name, name))
                at_ = j;
        if (at_ < 0)
            return err_set(c->err, ERRCODE_UNDEFINED_COLUMN, "column \"%s\" of relation \"%s\" does not exist", name,
                           rel->name);
        for (size_t j = 0; j < i; j++)
            if (out[j] == at_)
                return err_set(c->err, ERRCODE_DUPLICATE_COLUMN, "column \"%s\" specified more than once", name);
        out[i] = at_;
    }
    *cols = out;
    *ncols = k;
    return 0;
}

static const char *const server_file_hint = "Anyone can COPY to stdout or from stdin. psql's \\copy command also "
                                            "works for anyone.";

/* copy_from - COPY rel FROM STDIN: refused, up front where PostgreSQL
 * refuses a role without INSERT (catalogs), else when executed. */
static int copy_from(sql_ctx_t *ctx, const copy_ctx_t *c, const PgQuery__CopyStmt *cs, sql_stmt_t **out)
{
    const exec_rel_t *rel;
    int *cols, ncols;
    if (lookup_rel(ctx, c, cs->relation, &rel) < 0 || rel_columns(c, rel, cs->attlist, cs->n_attlist, &cols, &ncols) < 0)
        return -1;
    if (rel->kind != 'f' && rel->kind != 'm')
        return err_set(c->err, ERRCODE_INSUFFICIENT_PRIVILEGE, "permission denied for %s %s",
                       rel->kind == 'v' ? "view" : "table", rel->name);
    copy_opts_t o;
    if (process_options(c, cs->options, cs->n_options, true, &o) < 0)
        return -1;
    sql_stmt_t *s = sql__stmt_new(c->a, ctx, SQL_K_COPY_IN, "COPY");
    s->cacheable = false;
    s->copy = mem_alloc0(c->a, sizeof *s->copy);
    s->copy->format = o.binary ? SQL_COPY_BINARY : o.csv ? SQL_COPY_CSV : SQL_COPY_TEXT;
    s->copy->ncols = ncols;
    if (rel->kind == 'f') {
        s->copy_code = ERRCODE_FEATURE_NOT_SUPPORTED;
        s->copy_msg = mem_asprintf(c->a, "cannot insert into foreign table \"%s\"", rel->name);
    } else {
        s->copy_code = ERRCODE_WRONG_OBJECT_TYPE;
        s->copy_msg = mem_asprintf(c->a, "cannot copy to materialized view \"%s\"", rel->name);
    }
    *out = s;
    return 0;
}

int sql__prepare_copy(sql_ctx_t *ctx, mem_arena_t *a, const char *sql, int offset, int nparams,
                      const type_oid_t *param_types, const PgQuery__CopyStmt *cs, sql_stmt_t **out, err_t *err)
{
    copy_ctx_t c = { a, sql, offset, err };
    bool to_client = !cs->filename || !*cs->filename;
    /* Server files and programs first, as PostgreSQL checks the role first. */
    if (cs->is_program) {
        err_set(err, ERRCODE_INSUFFICIENT_PRIVILEGE, "must be superuser or have privileges of the "
                                                     "pg_execute_server_program role to COPY to or from an external program");
        err_hint(err, "%s", server_file_hint);
        return -1;
    }
    if (!to_client) {
        if (cs->is_from)
            err_set(err, ERRCODE_INSUFFICIENT_PRIVILEGE,
                    "must be superuser or have privileges of the pg_read_server_files role to COPY from a file");
        else
            err_set(err, ERRCODE_INSUFFICIENT_PRIVILEGE,
                    "must be superuser or have privileges of the pg_write_server_files role to COPY to a file");
        err_hint(err, "%s", server_file_hint);
        return -1;
    }
    if (cs->is_from)
        return copy_from(ctx, &c, cs, out);

    sql_stmt_t *inner;
    copy_opts_t o;
    const exec_rel_t *rel = NULL;
    if (cs->relation) {
        int *cols, ncols;
        if (lookup_rel(ctx, &c, cs->relation, &rel) < 0 ||
            rel_columns(&c, rel, cs->attlist, cs->n_attlist, &cols, &ncols) < 0)
            return -1;
        if (rel->kind == 'v') {
            err_set(err, ERRCODE_WRONG_OBJECT_TYPE, "cannot copy from view \"%s\"", rel->name);
            err_hint(err, "Try the COPY (SELECT ...) TO variant.");
            return -1;
        }
        if (process_options(&c, cs->options, cs->n_options, false, &o) < 0)
            return -1;
        buf_t b = BUF_INIT;
        buf_puts(&b, "SELECT ");
        for (int i = 0; i < ncols; i++) {
            if (i)
                buf_puts(&b, ", ");
            quote_ident(&b, rel->cols[cols[i]].name);
        }
        buf_puts(&b, " FROM ");
        quote_ident(&b, rel->schema);
        buf_putc(&b, '.');
        quote_ident(&b, rel->name);
        char *text = mem_astrndup(a, b.data, b.len);
        buf_free(&b);
        if (sql__prepare_text(ctx, a, text, &inner, err) < 0) {
            err_position(err, 0); /* a position in our text would mislead */
            return -1;
        }
    } else {
        if (process_options(&c, cs->options, cs->n_options, false, &o) < 0)
            return -1;
        if (!cs->query || cs->query->node_case != PG_QUERY__NODE__NODE_SELECT_STMT)
            return err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "COPY of a data-modifying statement is not supported by kiln");
        if (sql__prepare_query(ctx, a, sql, offset, nparams, param_types, cs->query, &inner, err) < 0)
            return -1;
    }
    sql_copy_t *cp = mem_alloc0(a, sizeof *cp);
    cp->format = o.binary ? SQL_COPY_BINARY : o.csv ? SQL_COPY_CSV : SQL_COPY_TEXT;
    cp->delim = o.delim[0];
    cp->quote = o.csv ? o.quote[0] : '"';
    cp->escape = o.csv ? o.escape[0] : '"';
    cp->null_print = o.null_print;
    cp->header = o.header;
    cp->ncols = inner->ncols;
    cp->cols = inner->cols;
    if (o.force_quote_all || o.force_quote) {
        bool *fq = mem_alloc0(a, sizeof(bool) * (size_t)(inner->ncols > 0 ? inner->ncols : 1));
        for (int i = 0; o.force_quote_all && i < inner->ncols; i++)
            fq[i] = true;
        for (size_t i = 0; o.force_quote && i < o.force_quote->n_items; i++) {
            const PgQuery__Node *item = o.force_quote->items[i];
            const char *name = item->node_case == PG_QUERY__NODE__NODE_STRING ? item->string->sval : "";
            /* CopyGetAttnums against the whole relation, then "referenced by COPY". */
            int col = -1, relcol = -1;
            if (rel) {
                for (int j = 0; j < rel->ncols && relcol < 0; j++)
                    if (!strcmp(rel->cols[j].name, name))
                        relcol = j;
                if (relcol < 0)
                    return err_set(err, ERRCODE_UNDEFINED_COLUMN, "column \"%s\" of relation \"%s\" does not exist",
                                   name, rel->name);
            }
            for (int j = 0; j < inner->ncols && col < 0; j++)
                if (!strcmp(inner->cols[j].name, name))
                    col = j;
            if (col < 0 && !rel)
                return err_set(err, ERRCODE_UNDEFINED_COLUMN, "column \"%s\" does not exist", name);
            for (size_t j = 0; j < i; j++) {
                const PgQuery__Node *prev = o.force_quote->items[j];
                if (prev->node_case == PG_QUERY__NODE__NODE_STRING && !strcmp(prev->string->sval, name))
                    return err_set(err, ERRCODE_DUPLICATE_COLUMN, "column \"%s\" specified more than once", name);
            }
            if (col < 0)
                return err_set(err, ERRCODE_INVALID_COLUMN_REFERENCE, "FORCE_QUOTE column \"%s\" not referenced by COPY",
                               name);
            fq[col] = true;
        }
        cp->force_quote = fq;
    }
    if (cp->format == SQL_COPY_BINARY) {
        for (int i = 0; i < inner->ncols; i++) {
            if (!type_has_binary(inner->cols[i].type)) {
                const type_info_t *ti = type_lookup(inner->cols[i].type);
                return err_set(err, ERRCODE_UNDEFINED_FUNCTION, "no binary output function available for type %s",
                               ti ? ti->name : "unknown");
            }
        }
    }
    sql_stmt_t *s = sql__stmt_new(a, ctx, SQL_K_COPY_OUT, "COPY");
    s->inner = inner;
    s->copy = cp;
    s->nparams = inner->nparams;
    s->param_types = inner->param_types;
    s->cheap = inner->cheap;
    s->cacheable = inner->cacheable;
    s->cat = inner->cat;
    *out = s;
    return 0;
}
