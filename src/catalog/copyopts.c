/*
 * copyopts.c - validation of file_fdw table options (filename, format,
 * header, delimiter, quote, escape, null, encoding) with the checks, order and
 * messages of PostgreSQL's file_fdw_validator and ProcessCopyOptions, so that
 * CREATE FOREIGN TABLE fails exactly where PostgreSQL fails.
 *
 * Used at CREATE time (src/catalog/ddl.c) and again when a scan starts
 * (options in the metastore may come from an older or foreign writer).
 */
#include "catalog/filescan.h"

#include <string.h>
#include <strings.h>

#include "catalog_int.h"

/* The options file_fdw accepts on a foreign table, in its hint's order. */
static const char *const table_options[] = { "filename", "program", "format", "header", "delimiter",
                                             "quote",    "escape",  "null",   "encoding" };

static int parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = { "true", "on", "yes", "1", "t", "y" };
    static const char *const no[] = { "false", "off", "no", "0", "f", "n" };
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        if (strcasecmp(s, yes[i]) == 0)
            return *out = true, 0;
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        if (strcasecmp(s, no[i]) == 0)
            return *out = false, 0;
    return -1;
}

/* Encodings that name UTF-8 (PostgreSQL's aliases, compared loosely as its
 * clean_encoding_name does: case and punctuation ignored). */
static bool is_utf8_name(const char *s)
{
    char clean[32];
    size_t n = 0;
    for (; *s && n < sizeof clean - 1; s++)
        if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9'))
            clean[n++] = (char)(*s | 0x20);
    clean[n] = '\0';
    return strcmp(clean, "utf8") == 0 || strcmp(clean, "unicode") == 0;
}

int catalog_copy_opts_parse(const meta_option_t *opts, size_t n, catalog_copy_opts_t *o, err_t *err)
{
    const char *format = NULL, *header = NULL, *delim = NULL, *quote = NULL, *escape = NULL, *null = NULL;
    const char *program = NULL, *encoding = NULL;
    memset(o, 0, sizeof *o);
    for (size_t i = 0; i < n; i++) {
        const char *name = opts[i].name, *val = opts[i].value ? opts[i].value : "";
        bool known = false;
        for (size_t k = 0; k < sizeof table_options / sizeof table_options[0]; k++)
            known |= strcmp(name, table_options[k]) == 0;
        if (!known) {
            err_set(err, CATALOG_ERRCODE_FDW_INVALID_OPTION_NAME, "invalid option \"%s\"", name);
            err_hint(err, "Valid options in this context are: filename, program, format, header, delimiter, "
                          "quote, escape, null, encoding");
            return -1;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(opts[j].name, name) == 0)
                return err_set(err, ERRCODE_DUPLICATE_OBJECT, "option \"%s\" provided more than once", name);
        if (strcmp(name, "filename") == 0)
            o->filename = val;
        else if (strcmp(name, "program") == 0)
            program = val;
        else if (strcmp(name, "format") == 0)
            format = val;
        else if (strcmp(name, "header") == 0)
            header = val;
        else if (strcmp(name, "delimiter") == 0)
            delim = val;
        else if (strcmp(name, "quote") == 0)
            quote = val;
        else if (strcmp(name, "escape") == 0)
            escape = val;
        else if (strcmp(name, "null") == 0)
            null = val;
        else if (strcmp(name, "encoding") == 0)
            encoding = val;
    }
    if (o->filename && program)
        return err_set(err, ERRCODE_SYNTAX_ERROR, "conflicting or redundant options");
    if (program)
        return err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "option \"program\" is not supported by kiln");
    if (!o->filename)
        return err_set(err, CATALOG_ERRCODE_FDW_DYNAMIC_PARAMETER_VALUE_NEEDED,
                       "either filename or program is required for file_fdw foreign tables");

    /* ProcessCopyOptions: option values, in PostgreSQL's order. */
    if (format) {
        if (strcmp(format, "csv") == 0)
            o->csv = true;
        else if (strcmp(format, "text") == 0)
            o->csv = false;
        else if (strcmp(format, "binary") == 0)
            return err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "COPY format \"binary\" is not supported by kiln");
        else
            return err_set(err, ERRCODE_INVALID_PARAMETER_VALUE, "COPY format \"%s\" not recognized", format);
    }
    if (header) {
        bool b;
        if (parse_bool(header, &b) == 0)
            o->header = b ? CATALOG_HEADER_SKIP : CATALOG_HEADER_NONE;
        else if (strcasecmp(header, "match") == 0)
            o->header = CATALOG_HEADER_MATCH;
        else
            return err_set(err, ERRCODE_SYNTAX_ERROR, "header requires a Boolean value or \"match\"");
    }
    if (encoding && !is_utf8_name(encoding)) {
        static const char *const others[] = { "sqlascii", "latin1", "latin2", "latin9", "win1252", "win1251",
                                               "eucjp", "sjis", "gbk", "big5", "koi8r", "iso88591" };
        char clean[32];
        size_t k = 0;
        for (const char *s = encoding; *s && k < sizeof clean - 1; s++)
            if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9'))
                clean[k++] = (char)(*s | 0x20);
        clean[k] = '\0';
        for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
            if (strcmp(clean, others[i]) == 0)
                return err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED,
                               "encoding \"%s\" is not supported by kiln: source files must be UTF8", encoding);
        return err_set(err, ERRCODE_INVALID_PARAMETER_VALUE, "argument to option \"encoding\" must be a valid encoding name");
    }
    /* Defaults for what was not given. */
    if (!delim)
        delim = o->csv ? "," : "\t";
    if (!null)
        null = o->csv ? "" : "\\N";
    if (o->csv) {
        if (!quote)
            quote = "\"";
        if (!escape)
            escape = quote;
    }
    if (strlen(delim) != 1)
        return err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "COPY delimiter must be a single one-byte character");
    if (strchr(delim, '\r') || strchr(delim, '\n'))
        return err_set(err, ERRCODE_INVALID_PARAMETER_VALUE, "COPY delimiter cannot be newline or carriage return");
    if (strchr(null, '\r') || strchr(null, '\n'))
        return err_set(err, ERRCODE_INVALID_PARAMETER_VALUE,
                       "COPY null representation cannot use newline or carriage return");
    if (!o->csv && strchr("\\.abcdefghijklmnopqrstuvwxyz0123456789", delim[0]))
        return err_set(err, ERRCODE_INVALID_PARAMETER_VALUE, "COPY delimiter cannot be \"%s\"", delim);
    if (!o->csv && quote)
        return err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "COPY quote available only in CSV mode");
    if (o->csv && strlen(quote) != 1)
        return err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "COPY quote must be a single one-byte character");
    if (o->csv && delim[0] == quote[0])
        return err_set(err, ERRCODE_INVALID_PARAMETER_VALUE, "COPY delimiter and quote must be different");
    if (!o->csv && escape)
        return err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "COPY escape available only in CSV mode");
    if (o->csv && strlen(escape) != 1)
        return err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "COPY escape must be a single one-byte character");
    if (strchr(null, delim[0]))
        return err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "COPY delimiter must not appear in the NULL specification");
    if (o->csv && strchr(null, quote[0]))
        return err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "CSV quote character must not appear in the NULL specification");
    o->delim = delim[0];
    o->quote = o->csv ? quote[0] : 0;
    o->escape = o->csv ? escape[0] : 0;
    o->null = null;
    o->null_len = strlen(null);
    return 0;
}
