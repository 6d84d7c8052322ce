/*
 * cfg.c - the option table, the properties-file parser, SET validation.
 *
 * Values are stored as their canonical text (what SHOW prints) plus an
 * integer / real form, so hot paths read a number without parsing.
 */
#include "common/cfg.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"
#include "common/mem.h"

static const cfg_def_t defs[CFG__COUNT] = {
#define CFG_OPTION(id, name, type, def, min, max, ctx, flags, enums, doc) \
    { name, type, def, (int64_t)(min), (int64_t)(max), ctx, flags, enums, doc },
#include "common/cfg_options.h"
#undef CFG_OPTION
};

typedef struct cfg_value {
    char *str;
    int64_t i;
    double r;
} cfg_value_t;

struct cfg {
    cfg_value_t v[CFG__COUNT];
};

const cfg_def_t *cfg_def(cfg_id_t id)
{
    return &defs[id];
}

int cfg_find(const char *name)
{
    for (int i = 0; i < CFG__COUNT; i++)
        if (strcasecmp(defs[i].name, name) == 0)
            return i;
    return -1;
}

/* enum_index - position of s in "a|b|c", case-insensitive; -1 if absent. */
static int enum_index(const char *enums, const char *s)
{
    size_t n = strlen(s);
    int idx = 0;
    const char *p = enums;
    while (*p) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == n && strncasecmp(p, s, n) == 0)
            return idx;
        idx++;
        if (!bar)
            break;
        p = bar + 1;
    }
    return -1;
}

static int parse_bool(const char *s, int *out)
{
    static const char *t[] = { "on", "true", "yes", "1", "t", "y" };
    static const char *f[] = { "off", "false", "no", "0", "f", "n" };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        if (strcasecmp(s, t[i]) == 0) {
            *out = 1;
            return 0;
        }
        if (strcasecmp(s, f[i]) == 0) {
            *out = 0;
            return 0;
        }
    }
    return -1;
}

/* Units of CFG_F_UNIT_* options, largest first, with their size in the base
 * unit (PostgreSQL's memory_unit_conversion_table / time_unit_...). */
typedef struct cfg_unit {
    const char *name;
    double mult;
} cfg_unit_t;
static const cfg_unit_t kb_units[] = { { "TB", 1024.0 * 1024 * 1024 }, { "GB", 1024.0 * 1024 }, { "MB", 1024 },
                                       { "kB", 1 },                    { "B", 1.0 / 1024 },         { NULL, 0 } };
static const cfg_unit_t ms_units[] = { { "d", 86400000 }, { "h", 3600000 }, { "min", 60000 }, { "s", 1000 },
                                       { "ms", 1 },       { "us", 0.001 },  { NULL, 0 } };

static const cfg_unit_t *unit_table(int flags)
{
    return (flags & CFG_F_UNIT_MS) ? ms_units : (flags & CFG_F_UNIT_KB) ? kb_units : NULL;
}

/* unit_name - the base unit as PostgreSQL names it in range errors, or NULL. */
static const char *unit_name(int flags)
{
    return (flags & CFG_F_UNIT_MS) ? "ms" : (flags & CFG_F_UNIT_KB) ? "kB" : NULL;
}

/* parse_int_unit - an integer, or with a unit option a number (fractions
 * allowed, as PostgreSQL 12+) and an optional unit, converted to the base
 * unit and rounded. Units are case-sensitive, as in PostgreSQL. */
static int parse_int_unit(const cfg_def_t *d, const char *text, long long *out, err_t *err)
{
    const cfg_unit_t *units = unit_table(d->flags);
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 0);
    double dv = (double)v;
    bool frac = false;
    if (units && end != text && (*end == '.' || *end == 'e' || *end == 'E')) {
        errno = 0;
        dv = strtod(text, &end);
        frac = true;
    }
    if (errno || end == text)
        goto bad;
    while (isspace((unsigned char)*end))
        end++;
    if (*end) {
        if (!units)
            goto bad;
        const cfg_unit_t *u = units;
        for (; u->name; u++) {
            size_t n = strlen(u->name);
            if (strncmp(end, u->name, n) == 0) {
                const char *rest = end + n;
                while (isspace((unsigned char)*rest))
                    rest++;
                if (!*rest)
                    break;
            }
        }
        if (!u->name) {
            err_set(err, ERRCODE_INVALID_PARAMETER_VALUE, "invalid value for parameter \"%s\": \"%s\"", d->name,
                    text);
            err_hint(err, (d->flags & CFG_F_UNIT_KB)
                              ? "Valid units for this parameter are \"B\", \"kB\", \"MB\", \"GB\", and \"TB\"."
                              : "Valid units for this parameter are \"us\", \"ms\", \"s\", \"min\", \"h\", and \"d\".");
            return -1;
        }
        dv *= u->mult;
        frac = true;
    }
    if (frac) {
        dv = dv < 0 ? -(double)(long long)(-dv + 0.5) : (double)(long long)(dv + 0.5);
        if (dv > 9.2e18 || dv < -9.2e18)
            goto bad;
        v = (long long)dv;
    }
    *out = v;
    return 0;
bad:
    return err_set(err, ERRCODE_INVALID_PARAMETER_VALUE, "invalid value for parameter \"%s\": \"%s\"", d->name,
                   text);
}

/* show_int_unit - v in the largest unit that divides it evenly ("5s",
 * "4MB"), as SHOW prints it in PostgreSQL; 0 and negatives stay plain. */
static char *show_int_unit(int flags, long long v)
{
    char buf[48];
    const char *suffix = "";
    if (v > 0) {
        for (const cfg_unit_t *u = unit_table(flags); u->name; u++)
            if (u->mult >= 1 && v % (long long)u->mult == 0) {
                v /= (long long)u->mult;
                suffix = u->name;
                break;
            }
    }
    snprintf(buf, sizeof buf, "%lld%s", v, suffix);
    return mem_strdup(buf);
}

/* store - validate text for option id, then replace the value. */
static int store(cfg_t *c, cfg_id_t id, const char *text, err_t *err)
{
    const cfg_def_t *d = &defs[id];
    cfg_value_t nv = { 0 };
    switch (d->type) {
    case CFG_BOOL: {
        int b;
        if (parse_bool(text, &b) < 0)
            return err_set(err, ERRCODE_INVALID_PARAMETER_VALUE,
                           "parameter \"%s\" requires a Boolean value", d->name);
        nv.i = b;
        /* Booleans show as PostgreSQL shows them when the table default is on/off. */
        if (strcmp(d->def, "on") == 0 || strcmp(d->def, "off") == 0)
            nv.str = mem_strdup(b ? "on" : "off");
        else
            nv.str = mem_strdup(b ? "true" : "false");
        break;
    }
    case CFG_INT: {
        long long v = 0;
        if (parse_int_unit(d, text, &v, err) < 0)
            return -1;
        if (v < d->min || v > d->max) {
            const char *unit = unit_name(d->flags);
            err_set(err, ERRCODE_INVALID_PARAMETER_VALUE,
                    "%lld%s%s is outside the valid range for parameter \"%s\" (%lld .. %lld)",
                    v, unit ? " " : "", unit ? unit : "", d->name, (long long)d->min, (long long)d->max);
            return -1;
        }
        nv.i = v;
        nv.r = (double)v;
        nv.str = (d->flags & (CFG_F_UNIT_MS | CFG_F_UNIT_KB)) ? show_int_unit(d->flags, v) : mem_strdup(text);
        break;
    }
    case CFG_REAL: {
        char *end;
        double v = strtod(text, &end);
        if (end == text || *end)
            return err_set(err, ERRCODE_INVALID_PARAMETER_VALUE,
                           "invalid value for parameter \"%s\": \"%s\"", d->name, text);
        if (!(v >= (double)d->min && v <= (double)d->max))
            return err_set(err, ERRCODE_INVALID_PARAMETER_VALUE,
                           "%s is outside the valid range for parameter \"%s\" (%lld .. %lld)", text, d->name,
                           (long long)d->min, (long long)d->max);
        nv.r = v;
        nv.str = mem_strdup(text);
        break;
    }
    case CFG_ENUM: {
        int idx = enum_index(d->enums, text);
        if (idx < 0) {
            err_set(err, ERRCODE_INVALID_PARAMETER_VALUE,
                    "invalid value for parameter \"%s\": \"%s\"", d->name, text);
            /* PostgreSQL lists the values separated by commas */
            char list[512];
            size_t k = 0;
            for (const char *p = d->enums; *p && k + 3 < sizeof list; p++) {
                if (*p == '|') {
                    list[k++] = ',';
                    list[k++] = ' ';
                } else
                    list[k++] = *p;
            }
            list[k] = '\0';
            err_hint(err, "Available values: %s.", list);
            return -1;
        }
        nv.i = idx;
        nv.str = mem_strdup(text);
        for (char *p = nv.str; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        break;
    }
    case CFG_STRING:
        nv.str = mem_strdup(text);
        break;
    }
    mem_free(c->v[id].str);
    c->v[id] = nv;
    return 0;
}

cfg_t *cfg_new(void)
{
    cfg_t *c = mem_calloc(1, sizeof *c);
    for (int i = 0; i < CFG__COUNT; i++) {
        err_t err = { 0 };
        if (store(c, (cfg_id_t)i, defs[i].def, &err) < 0) {
            /* A bad default is our bug; the unit test catches it. */
            log_error("option table: %s", err.message);
            abort();
        }
    }
    return c;
}

cfg_t *cfg_clone(const cfg_t *c)
{
    cfg_t *n = mem_calloc(1, sizeof *n);
    for (int i = 0; i < CFG__COUNT; i++) {
        n->v[i] = c->v[i];
        n->v[i].str = mem_strdup(c->v[i].str);
    }
    return n;
}

void cfg_free(cfg_t *c)
{
    if (!c)
        return;
    for (int i = 0; i < CFG__COUNT; i++)
        mem_free(c->v[i].str);
    mem_free(c);
}

void cfg_copy_value(cfg_t *dst, const cfg_t *src, cfg_id_t id)
{
    mem_free(dst->v[id].str);
    dst->v[id] = src->v[id];
    dst->v[id].str = mem_strdup(src->v[id].str);
}

int cfg_set(cfg_t *c, cfg_id_t id, const char *value, cfg_context_t ctx, err_t *err)
{
    const cfg_def_t *d = &defs[id];
    if (ctx == CFG_C_SESSION && d->context != CFG_C_SESSION) {
        if (d->context == CFG_C_INTERNAL)
            return err_set(err, ERRCODE_CANT_CHANGE_RUNTIME_PARAM,
                           "parameter \"%s\" cannot be changed", d->name);
        return err_set(err, ERRCODE_CANT_CHANGE_RUNTIME_PARAM,
                       "parameter \"%s\" cannot be changed now", d->name);
    }
    return store(c, id, value, err);
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

int cfg_load_file(cfg_t *c, const char *path, err_t *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return err_set(err, ERRCODE_CONFIG_FILE_ERROR, "could not open configuration file \"%s\": %s",
                       path, strerror(errno));
    char line[8192];
    int lineno = 0;
    int rc = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *s = trim(line);
        if (*s == '\0' || *s == '#' || *s == '!')
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            rc = err_set(err, ERRCODE_CONFIG_FILE_ERROR, "syntax error in configuration file \"%s\" line %d",
                         path, lineno);
            err_hint(err, "Lines have the form key = value.");
            break;
        }
        *eq = '\0';
        char *key = trim(s);
        char *val = trim(eq + 1);
        int id = cfg_find(key);
        if (id < 0) {
            log_warn("%s:%d: unknown option \"%s\" ignored", path, lineno, key);
            continue;
        }
        if (defs[id].context == CFG_C_INTERNAL) {
            log_warn("%s:%d: option \"%s\" cannot be set; ignored", path, lineno, key);
            continue;
        }
        err_t e2 = { 0 };
        if (store(c, (cfg_id_t)id, val, &e2) < 0) {
            rc = err_set(err, ERRCODE_CONFIG_FILE_ERROR, "%s:%d: %s", path, lineno, e2.message);
            break;
        }
    }
    fclose(f);
    return rc;
}

const char *cfg_str(const cfg_t *c, cfg_id_t id)
{
    return c->v[id].str;
}

int64_t cfg_int(const cfg_t *c, cfg_id_t id)
{
    return c->v[id].i;
}

double cfg_real(const cfg_t *c, cfg_id_t id)
{
    return c->v[id].r;
}

bool cfg_bool(const cfg_t *c, cfg_id_t id)
{
    return c->v[id].i != 0;
}

static const char *type_name(cfg_type_t t)
{
    switch (t) {
    case CFG_BOOL: return "bool";
    case CFG_INT: return "integer";
    case CFG_REAL: return "real";
    case CFG_STRING: return "string";
    case CFG_ENUM: return "enum";
    }
    return "?";
}

static const char *context_name(cfg_context_t c)
{
    switch (c) {
    case CFG_C_INTERNAL: return "read-only";
    case CFG_C_STARTUP: return "startup";
    case CFG_C_SIGHUP: return "reload";
    case CFG_C_SESSION: return "session (SET)";
    }
    return "?";
}

void cfg_describe_markdown(FILE *out)
{
    fprintf(out, "| option | type | default | when it may change | description |\n");
    fprintf(out, "|---|---|---|---|---|\n");
    for (int i = 0; i < CFG__COUNT; i++) {
        const cfg_def_t *d = &defs[i];
        fprintf(out, "| `%s` | %s", d->name, type_name(d->type));
        if (d->type == CFG_ENUM)
            fprintf(out, " (%s)", d->enums);
        else if (d->type == CFG_INT || d->type == CFG_REAL)
            fprintf(out, " %lld..%lld%s%s", (long long)d->min, (long long)d->max, unit_name(d->flags) ? " " : "",
                    unit_name(d->flags) ? unit_name(d->flags) : "");
        fprintf(out, " | `%s` | %s | %s |\n", d->def, context_name(d->context), d->doc);
    }
}
