/*
 * settings.c - SET / RESET / SHOW and current_setting()/set_config() over the
 * session's cfg_t, with PostgreSQL's normalisations (DateStyle merging,
 * list quoting of search_path) and ParameterStatus reports for CFG_F_REPORT
 * options through the session's hooks.
 *
 * Names containing a dot that are not in the option table are custom
 * placeholder options (PostgreSQL allows `SET myapp.x = ...`); they live in
 * the engine context. Every change is logged with the previous value; when
 * the session ends a transaction (sql_ctx_end_tx) a commit undoes the SET
 * LOCAL changes and an abort undoes all of them, as PostgreSQL's GUC
 * machinery does. Values use mem_strdup/mem_free, not the connection arena,
 * so a long connection that SETs on every checkout does not grow.
 */
#include "sql_int.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "exec/rel.h"
#include "sql/utility.h"
#include "types/tz.h"

static bool is_secret(const cfg_def_t *d)
{
    return strcmp(d->name, "kiln.auth.users") == 0 || strcmp(d->name, "kylin.metadata.url") == 0;
}

static void report(sql_ctx_t *ctx, int id)
{
    const cfg_def_t *d = cfg_def((cfg_id_t)id);
    if ((d->flags & CFG_F_REPORT) && ctx->info.hooks.param_changed)
        ctx->info.hooks.param_changed(ctx->info.hooks.arg, d->name, cfg_str(ctx->info.settings, (cfg_id_t)id));
}

/* datestyle - merges "ISO" / "MDY" style words with the current value. */
static int datestyle(const char *cur, const char *v, char *out, size_t n, err_t *err)
{
    char style[16] = "ISO", order[8] = "MDY";
    if (cur) {
        sscanf(cur, "%15[^,], %7s", style, order);
    }
    char tmp[128];
    snprintf(tmp, sizeof tmp, "%s", v);
    for (char *tok = strtok(tmp, ", "); tok; tok = strtok(NULL, ", ")) {
        if (!strcasecmp(tok, "iso")) snprintf(style, sizeof style, "ISO");
        else if (!strcasecmp(tok, "postgres")) snprintf(style, sizeof style, "Postgres");
        else if (!strcasecmp(tok, "sql")) snprintf(style, sizeof style, "SQL");
        else if (!strcasecmp(tok, "german")) snprintf(style, sizeof style, "German");
        else if (!strcasecmp(tok, "mdy") || !strcasecmp(tok, "us") || !strcasecmp(tok, "noneuropean")) snprintf(order, sizeof order, "MDY");
        else if (!strcasecmp(tok, "dmy") || !strcasecmp(tok, "european")) snprintf(order, sizeof order, "DMY");
        else if (!strcasecmp(tok, "ymd")) snprintf(order, sizeof order, "YMD");
        else if (!strcasecmp(tok, "default")) { snprintf(style, sizeof style, "ISO"); snprintf(order, sizeof order, "MDY"); }
        else {
            err_set(err, ERRCODE_INVALID_PARAMETER_VALUE, "invalid value for parameter \"DateStyle\": \"%s\"", v);
            err_detail(err, "Unrecognized key word: \"%s\".", tok);
            return -1;
        }
    }
    snprintf(out, n, "%s, %s", style, order);
    return 0;
}

static sql_custom_opt_t *find_custom(sql_ctx_t *ctx, const char *name)
{
    for (sql_custom_opt_t *c = ctx->custom; c; c = c->next)
        if (strcasecmp(c->name, name) == 0)
            return c;
    return NULL;
}

static void set_custom(sql_ctx_t *ctx, const char *name, const char *value)
{
    sql_custom_opt_t *c = find_custom(ctx, name);
    if (!c) {
        c = mem_alloc0(ctx->arena, sizeof *c);
        c->name = mem_astrdup(ctx->arena, name);
        for (char *p = c->name; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        c->next = ctx->custom;
        ctx->custom = c;
    }
    mem_free(c->value);
    c->value = mem_strdup(value ? value : "");
}

static void log_change(sql_ctx_t *ctx, int id, const char *name, const char *old, bool local)
{
    if (ctx->nundo == ctx->capundo) {
        ctx->capundo = ctx->capundo ? ctx->capundo * 2 : 8;
        ctx->undo = mem_realloc(ctx->undo, sizeof(sql_undo_t) * ctx->capundo);
    }
    sql_undo_t *u = &ctx->undo[ctx->nundo++];
    u->id = id;
    u->name = name ? mem_strdup(name) : NULL;
    u->old = old ? mem_strdup(old) : NULL;
    u->local = local;
}

static void clear_log(sql_ctx_t *ctx)
{
    for (size_t i = 0; i < ctx->nundo; i++) {
        mem_free(ctx->undo[i].name);
        mem_free(ctx->undo[i].old);
    }
    ctx->nundo = 0;
}

void sql__free_settings(void *arg)
{
    sql_ctx_t *ctx = arg;
    clear_log(ctx);
    mem_free(ctx->undo);
    ctx->undo = NULL;
    ctx->capundo = 0;
    for (sql_custom_opt_t *c = ctx->custom; c; c = c->next) {
        mem_free(c->value);
        c->value = NULL;
    }
}

int sql__set_option(sql_ctx_t *ctx, const char *name, const char *value, bool is_local, err_t *err)
{
    int id = cfg_find(name);
    if (id < 0) {
        if (strchr(name, '.') || strcasecmp(name, "role") == 0) {
            sql_custom_opt_t *c = find_custom(ctx, name);
            log_change(ctx, -1, name, c ? c->value : NULL, is_local);
            set_custom(ctx, name, value ? value : "");
            return 0;
        }
        return err_set(err, ERRCODE_UNDEFINED_OBJECT, "unrecognized configuration parameter \"%s\"", name);
    }
    const cfg_def_t *d = cfg_def((cfg_id_t)id);
    char buf[512];
    const char *v = value;
    if (!v) {
        if (d->context != CFG_C_SESSION)
            return err_set(err, ERRCODE_CANT_CHANGE_RUNTIME_PARAM, "parameter \"%s\" cannot be changed", d->name);
        v = cfg_str(ctx->info.server, (cfg_id_t)id);
    } else if (id == CFG_DATESTYLE) {
        if (datestyle(cfg_str(ctx->info.settings, CFG_DATESTYLE), value, buf, sizeof buf, err) < 0)
            return -1;
        v = buf;
    } else if (id == CFG_TIMEZONE) {
        /* a tzdata name (in its own spelling), hours east or a POSIX TZ string,
         * as PostgreSQL's check_timezone */
        if (!strcasecmp(value, "local") || !strcasecmp(value, "default"))
            v = cfg_str(ctx->info.server, CFG_TIMEZONE);
        const dt_zone_t *z = dt_zone_lookup(v);
        if (!z)
            return err_set(err, ERRCODE_INVALID_PARAMETER_VALUE, "invalid value for parameter \"%s\": \"%s\"",
                           d->name, value);
        snprintf(buf, sizeof buf, "%s", dt_zone_name(z));
        v = buf;
    } else if (id == CFG_CLIENT_ENCODING) {
        char norm[32];
        size_t k = 0;
        for (const char *p = value; *p && k < sizeof norm - 1; p++)
            if (isalnum((unsigned char)*p))
                norm[k++] = (char)toupper((unsigned char)*p);
        norm[k] = '\0';
        if (strcmp(norm, "UTF8") && strcmp(norm, "UNICODE") && strcmp(norm, "SQLASCII")) {
            err_set(err, ERRCODE_INVALID_PARAMETER_VALUE, "invalid value for parameter \"client_encoding\": \"%s\"",
                    value);
            err_detail(err, "kiln supports only UTF8 client encoding.");
            return -1;
        }
        v = "UTF8";
    } else if (id == CFG_TX_ISOLATION || id == CFG_DEFAULT_TX_ISOLATION) {
        static const char *levels[] = { "serializable", "repeatable read", "read committed", "read uncommitted" };
        bool ok = false;
        for (size_t i = 0; i < 4; i++)
            if (!strcasecmp(value, levels[i])) {
                v = levels[i];
                ok = true;
            }
        if (!ok) {
            err_set(err, ERRCODE_INVALID_PARAMETER_VALUE, "invalid value for parameter \"%s\": \"%s\"", d->name, value);
            err_hint(err, "Available values: serializable, repeatable read, read committed, read uncommitted.");
            return -1;
        }
    }
    char *old = mem_strdup(cfg_str(ctx->info.settings, (cfg_id_t)id));
    if (cfg_set(ctx->info.settings, (cfg_id_t)id, v, CFG_C_SESSION, err) < 0) {
        mem_free(old);
        return -1;
    }
    log_change(ctx, id, NULL, old, is_local);
    mem_free(old);
    report(ctx, id);
    return 0;
}

const char *sql__get_option(sql_ctx_t *ctx, const char *name)
{
    int id = cfg_find(name);
    if (id < 0) {
        sql_custom_opt_t *c = find_custom(ctx, name);
        return c ? c->value : NULL;
    }
    const cfg_def_t *d = cfg_def((cfg_id_t)id);
    const char *v = cfg_str(ctx->info.settings, (cfg_id_t)id);
    if (is_secret(d) && v && *v)
        return "********";
    if (id == CFG_SESSION_AUTH && (!v || !*v))
        return ctx->info.user ? ctx->info.user : "";
    return v;
}

int sql__reset_option(sql_ctx_t *ctx, const char *name, err_t *err)
{
    int id = cfg_find(name);
    if (id < 0) {
        if (strchr(name, '.')) {
            sql_custom_opt_t *c = find_custom(ctx, name);
            if (c) {
                log_change(ctx, -1, name, c->value, false);
                set_custom(ctx, name, "");
            }
            return 0;
        }
        return err_set(err, ERRCODE_UNDEFINED_OBJECT, "unrecognized configuration parameter \"%s\"", name);
    }
    const cfg_def_t *d = cfg_def((cfg_id_t)id);
    if (d->context != CFG_C_SESSION)
        return err_set(err, ERRCODE_CANT_CHANGE_RUNTIME_PARAM, "parameter \"%s\" cannot be changed", d->name);
    log_change(ctx, id, NULL, cfg_str(ctx->info.settings, (cfg_id_t)id), false);
    cfg_copy_value(ctx->info.settings, ctx->info.server, (cfg_id_t)id);
    report(ctx, id);
    return 0;
}

void sql__reset_all(sql_ctx_t *ctx)
{
    for (int i = 0; i < CFG__COUNT; i++) {
        const cfg_def_t *d = cfg_def((cfg_id_t)i);
        if (d->context != CFG_C_SESSION)
            continue;
        bool changed = strcmp(cfg_str(ctx->info.settings, (cfg_id_t)i), cfg_str(ctx->info.server, (cfg_id_t)i)) != 0;
        if (!changed)
            continue;
        log_change(ctx, i, NULL, cfg_str(ctx->info.settings, (cfg_id_t)i), false);
        cfg_copy_value(ctx->info.settings, ctx->info.server, (cfg_id_t)i);
        report(ctx, i);
    }
    for (sql_custom_opt_t *c = ctx->custom; c; c = c->next)
        if (c->value && *c->value) {
            log_change(ctx, -1, c->name, c->value, false);
            set_custom(ctx, c->name, "");
        }
}

void sql__end_tx(sql_ctx_t *ctx, bool commit)
{
    /* newest first, so the oldest saved value wins when one option changed twice */
    for (size_t i = ctx->nundo; i-- > 0;) {
        sql_undo_t *u = &ctx->undo[i];
        if (commit && !u->local)
            continue;
        if (u->id < 0) {
            set_custom(ctx, u->name, u->old);
        } else {
            err_t e = { 0 };
            bool changed = strcmp(cfg_str(ctx->info.settings, (cfg_id_t)u->id), u->old) != 0;
            if (cfg_set(ctx->info.settings, (cfg_id_t)u->id, u->old, CFG_C_SESSION, &e) == 0 && changed)
                report(ctx, u->id);
        }
    }
    clear_log(ctx);
    ctx->in_block = false;
    /* transaction characteristics go back to the session defaults */
    err_t e = { 0 };
    (void)cfg_set(ctx->info.settings, CFG_TX_ISOLATION, cfg_str(ctx->info.settings, CFG_DEFAULT_TX_ISOLATION),
                  CFG_C_SESSION, &e);
    (void)cfg_set(ctx->info.settings, CFG_TX_READ_ONLY, cfg_str(ctx->info.settings, CFG_DEFAULT_TX_READ_ONLY),
                  CFG_C_SESSION, &e);
}

static bool builtin_schema(const char *s)
{
    return !strcmp(s, "pg_catalog") || !strcmp(s, "public") || !strcmp(s, "information_schema");
}

/* split_path - the names of a search_path setting, unquoted and folded
 * ("$user" kept as it is), in a. */
static void split_path(const char *sp, mem_arena_t *a, const char ***names, int *n)
{
    int cap = 8, k = 0;
    const char **out = mem_alloc(a, sizeof(char *) * (size_t)(cap + 1));
    const char *p = sp;
    while (p && *p) {
        while (*p == ' ' || *p == ',')
            p++;
        if (!*p)
            break;
        buf_t b = BUF_INIT;
        if (*p == '"') {
            p++;
            while (*p && !(*p == '"' && p[1] != '"')) {
                if (*p == '"')
                    p++;
                buf_putc(&b, *p++);
            }
            if (*p == '"')
                p++;
        } else {
            while (*p && *p != ',' && *p != ' ')
                buf_putc(&b, (char)tolower((unsigned char)*p++));
        }
        const char *name = mem_astrdup(a, buf_cstr(&b));
        buf_free(&b);
        if (k == cap) {
            const char **no = mem_alloc(a, sizeof(char *) * (size_t)(cap * 2 + 1));
            memcpy(no, out, sizeof(char *) * (size_t)k);
            out = no;
            cap *= 2;
        }
        out[k++] = name;
    }
    *names = out;
    *n = k;
}

int sql_utility_search_path(const sql_session_info_t *info, mem_arena_t *a, const char ***names, int *n)
{
    split_path(info->settings ? cfg_str(info->settings, CFG_SEARCH_PATH) : "\"$user\", public", a, names, n);
    return 0;
}

int sql__search_path(sql_ctx_t *ctx, bool implicit, mem_arena_t *a, const char ***names, int *n)
{
    const char **raw;
    int nraw, k = 0;
    split_path(cfg_str(ctx->info.settings, CFG_SEARCH_PATH), a, &raw, &nraw);
    const char **out = mem_alloc(a, sizeof(char *) * (size_t)(nraw + 2));
    exec_catview_t *view = NULL;
    bool has_catalog = false;
    for (int i = 0; i < nraw; i++) {
        const char *name = raw[i];
        if (!strcmp(name, "$user"))
            name = ctx->info.user ? ctx->info.user : "";
        bool exists = builtin_schema(name);
        if (!exists && *name) {
            /* the statement's own snapshot when there is one */
            if (!view)
                view = exec_catalog_current();
            if (!view)
                view = exec_catalog_pin(a);
            exists = exec_catalog_schema_exists(view, name);
        }
        if (!exists)
            continue;
        if (!strcmp(name, "pg_catalog"))
            has_catalog = true;
        out[k++] = name;
    }
    if (implicit && !has_catalog) {
        memmove(out + 1, out, sizeof(char *) * (size_t)k);
        out[0] = "pg_catalog";
        k++;
    }
    *names = out;
    *n = k;
    return 0;
}

const char *sql__show_name(const char *name)
{
    int id = cfg_find(name);
    return id >= 0 ? cfg_def((cfg_id_t)id)->name : name;
}
