/*
 * special.c - calls and casts the analyzer resolves itself rather than
 * through the function table: casts of names to reg* types (catalog
 * lookups at analysis time, as PostgreSQL's regclassin does), LIKE ... ESCAPE,
 * and set-returning functions outside FROM.
 */
#include "analyze_int.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "types/reg.h"
#include "types/value.h"

exec_expr_t *sql__special_func(sql_analyze_t *an, sql_escope_t *es, const char *name, int nargs, exec_expr_t **args,
                               int loc)
{
    (void)es;
    if (strcmp(name, "like_escape") == 0 && nargs == 2 && args[1]->kind == EXPR_CONST &&
        (args[0]->kind == EXPR_CONST)) {
        /* rewrite the pattern to the default backslash escape */
        exec_expr_t *p = sql__coerce(an, args[0], TYPE_TEXT, -1, EXEC_CAST_IMPLICIT, loc);
        exec_expr_t *e = sql__coerce(an, args[1], TYPE_TEXT, -1, EXEC_CAST_IMPLICIT, loc);
        if (!p || !e)
            return NULL;
        if (p->u.cval.isnull || e->u.cval.isnull)
            return sql__const_null(an, TYPE_TEXT, loc);
        if (e->u.cval.u.s.len > 1) {
            err_set(an->err, ERRCODE_INVALID_ESCAPE_SEQUENCE, "invalid escape string");
            err_hint(an->err, "Escape string must be empty or one character.");
            sql__err_at(an, loc);
            return NULL;
        }
        char esc = e->u.cval.u.s.len ? e->u.cval.u.s.p[0] : 0;
        buf_t b = BUF_INIT;
        for (uint32_t i = 0; i < p->u.cval.u.s.len; i++) {
            char c = p->u.cval.u.s.p[i];
            if (esc && c == esc && i + 1 < p->u.cval.u.s.len) {
                buf_putc(&b, '\\');
                buf_putc(&b, p->u.cval.u.s.p[++i]);
            } else if (c == '\\') {
                buf_puts(&b, esc ? "\\\\" : "\\\\");
            } else {
                buf_putc(&b, c);
            }
        }
        value_t v = value_text(mem_amemdup(an->a, b.data ? b.data : "", b.len), b.len);
        buf_free(&b);
        return sql__const(an, TYPE_TEXT, v, loc);
    }
    return NULL;
}

/* qualified name "a.b" split at the dot outside quotes, lower-cased unless quoted. */
static void split_qualified(mem_arena_t *a, const char *s, size_t n, char **schema, char **name)
{
    char *parts[3] = { 0 };
    int np = 0;
    buf_t b = BUF_INIT;
    bool q = false;
    for (size_t i = 0; i <= n; i++) {
        char c = i < n ? s[i] : '.';
        if (c == '"') {
            if (q && i + 1 < n && s[i + 1] == '"') {
                buf_putc(&b, '"');
                i++;
            } else {
                q = !q;
            }
            continue;
        }
        if (c == '.' && !q) {
            if (np < 3)
                parts[np++] = mem_astrdup(a, buf_cstr(&b));
            buf_reset(&b);
            continue;
        }
        buf_putc(&b, q ? c : (char)tolower((unsigned char)c));
    }
    buf_free(&b);
    *schema = np >= 2 ? parts[np - 2] : NULL;
    *name = np >= 1 ? parts[np - 1] : mem_astrdup(a, "");
}

static bool all_digits(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

exec_expr_t *sql__special_cast(sql_analyze_t *an, exec_expr_t *arg, type_oid_t t, int loc)
{
    if (t != TYPE_REGCLASS && t != TYPE_REGTYPE && t != TYPE_REGNAMESPACE && t != TYPE_REGPROC &&
        t != TYPE_REGROLE)
        return NULL;
    if (arg->kind != EXPR_CONST || arg->u.cval.isnull)
        return NULL;
    type_oid_t at = arg->type;
    if (at != TYPE_UNKNOWN && exec_type_category(at) != 'S')
        return NULL;
    const char *s = arg->u.cval.u.s.p;
    size_t n = arg->u.cval.u.s.len;
    if (all_digits(s, n))
        return NULL; /* numeric OID input goes through the ordinary input function */
    char *schema, *name;
    split_qualified(an->a, s, n, &schema, &name);
    an->uses_catalog = true;
    if (t == TYPE_REGCLASS) {
        const exec_rel_t *rel = NULL;
        int rc;
        if (schema) {
            rc = exec_catalog_lookup(an->cat, schema, NULL, 0, name, &rel, an->err);
        } else {
            const char **path;
            int npath;
            sql__search_path(an->ctx, false, an->a, &path, &npath);
            rc = exec_catalog_lookup(an->cat, NULL, path, npath, name, &rel, an->err);
        }
        if (rc < 0) {
            sql__err_at(an, arg->location >= 0 ? arg->location : loc);
            return NULL;
        }
        if (rc == 0) {
            err_set(an->err, ERRCODE_UNDEFINED_TABLE, "relation \"%.*s\" does not exist", (int)n, s);
            sql__err_at(an, arg->location >= 0 ? arg->location : loc);
            return NULL;
        }
        return sql__const(an, TYPE_REGCLASS, value_int(rel->oid), arg->location);
    }
    if (t == TYPE_REGTYPE) {
        const type_info_t *ti = type_lookup_name(name);
        if (!ti) {
            err_set(an->err, ERRCODE_UNDEFINED_OBJECT, "type \"%.*s\" does not exist", (int)n, s);
            sql__err_at(an, arg->location >= 0 ? arg->location : loc);
            return NULL;
        }
        return sql__const(an, TYPE_REGTYPE, value_int(ti->oid), arg->location);
    }
    /* regproc, regnamespace, regrole: the catalog's names (include/types/reg.h) */
    uint32_t oid = type_reg_resolve(t, t == TYPE_REGPROC && schema ? mem_asprintf(an->a, "%s.%s", schema, name) : name);
    if (!oid && t == TYPE_REGNAMESPACE) /* no catalog registered: the fixed built-in schemas */
        oid = strcmp(name, "pg_catalog") == 0 ? 11 : strcmp(name, "public") == 0 ? 2200 : 0;
    if (!oid) {
        if (t == TYPE_REGNAMESPACE)
            err_set(an->err, ERRCODE_UNDEFINED_SCHEMA, "schema \"%s\" does not exist", name);
        else if (t == TYPE_REGROLE)
            err_set(an->err, ERRCODE_UNDEFINED_OBJECT, "role \"%s\" does not exist", name);
        else
            err_set(an->err, ERRCODE_UNDEFINED_FUNCTION, "function \"%.*s\" does not exist", (int)n, s);
        sql__err_at(an, arg->location >= 0 ? arg->location : loc);
        return NULL;
    }
    return sql__const(an, t, value_int(oid), arg->location);
}
