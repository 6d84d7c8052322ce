/*
 * func_session.c - functions whose answer comes from the session: version(),
 * current_database(), current_schema(s), current_user, current_setting(),
 * set_config(), pg_backend_pid(), now() and friends, pg_is_in_recovery().
 *
 * They read exec_session_t, which the sql layer fills from the session's
 * sql_session_info_t; settings go through its get_option/set_option hooks so
 * that SET, set_config() and ParameterStatus reports share one path.
 */
#include "func_int.h"

#include <stdio.h>
#include <string.h>

#include "types/array.h"
#include "types/datetime.h"
#include "types/tz.h"

static void set_cstr(exec_fctx_t *fc, value_t *o, const char *s)
{
    exec__set_text(fc, o, s, strlen(s));
}

static int f_version(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    (void)a;
    char tmp[256];
    const char *ver = fc->sess && fc->sess->settings ? cfg_str(fc->sess->settings, CFG_SERVER_VERSION) : "15.0";
    snprintf(tmp, sizeof tmp, "PostgreSQL %s on x86_64-pc-linux-gnu, compiled by gcc %s, 64-bit", ver, __VERSION__);
    set_cstr(fc, o, tmp);
    return 0;
}

static int f_current_database(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    (void)a;
    set_cstr(fc, o, fc->sess && fc->sess->database ? fc->sess->database : "kiln");
    return 0;
}

static int f_current_user(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    (void)a;
    set_cstr(fc, o, fc->sess && fc->sess->user ? fc->sess->user : "kiln");
    return 0;
}

static int f_current_schema(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    (void)a;
    const char **names;
    int n = 0;
    if (fc->sess && fc->sess->search_path && fc->sess->search_path(fc->sess, false, fc->arena, &names, &n) == 0 &&
        n > 0) {
        set_cstr(fc, o, names[0]);
        return 0;
    }
    o->isnull = true;
    return 0;
}

static int f_current_schemas(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    const char **names = NULL;
    int n = 0;
    if (fc->sess && fc->sess->search_path)
        (void)fc->sess->search_path(fc->sess, a[0].u.i != 0, fc->arena, &names, &n);
    type_array_t *arr = type_array_new(fc->arena, TYPE_NAME, n);
    for (int i = 0; i < n; i++) {
        arr->vals[i].u.s.p = names[i];
        arr->vals[i].u.s.len = (uint32_t)strlen(names[i]);
    }
    o->u.arr = arr;
    return 0;
}

static int setting(exec_fctx_t *fc, const value_t *name, bool missing_ok, value_t *o)
{
    char *n = mem_astrndup(fc->arena, name->u.s.p, name->u.s.len);
    const char *v = fc->sess && fc->sess->get_option ? fc->sess->get_option(fc->sess, n) : NULL;
    if (!v) {
        if (missing_ok) {
            o->isnull = true;
            return 0;
        }
        return err_set(fc->err, ERRCODE_UNDEFINED_OBJECT, "unrecognized configuration parameter \"%s\"", n);
    }
    set_cstr(fc, o, v);
    return 0;
}

static int f_current_setting1(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    return setting(fc, &a[0], false, o);
}

static int f_current_setting2(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    if (a[0].isnull) {
        o->isnull = true;
        return 0;
    }
    return setting(fc, &a[0], !a[1].isnull && a[1].u.i, o);
}

static int f_set_config(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    if (a[0].isnull)
        return err_set(fc->err, ERRCODE_NULL_VALUE_NOT_ALLOWED, "SET requires parameter name");
    char *n = mem_astrndup(fc->arena, a[0].u.s.p, a[0].u.s.len);
    char *v = a[1].isnull ? NULL : mem_astrndup(fc->arena, a[1].u.s.p, a[1].u.s.len);
    bool local = !a[2].isnull && a[2].u.i;
    if (!fc->sess || !fc->sess->set_option)
        return err_set(fc->err, ERRCODE_FEATURE_NOT_SUPPORTED, "set_config is not available here");
    if (fc->sess->set_option(fc->sess, n, v, local, fc->err) < 0)
        return -1;
    return setting(fc, &a[0], false, o);
}

static int f_backend_pid(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    (void)a;
    o->u.i = fc->sess ? fc->sess->backend_pid : 0;
    return 0;
}

static int f_now(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    (void)a;
    o->u.i = fc->sess && fc->sess->stmt_start ? fc->sess->stmt_start : dt_now();
    return 0;
}

static int f_clock_timestamp(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    (void)fc;
    (void)a;
    o->u.i = dt_now();
    return 0;
}

/* localtimestamp - the statement's start as wall-clock time in the session zone */
static int f_localtimestamp(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    (void)a;
    int64_t ts = fc->sess && fc->sess->stmt_start ? fc->sess->stmt_start : dt_now();
    o->u.i = dt_zone_to_local(dt_zone_current(), ts);
    return 0;
}

static int f_current_date(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    int64_t ts = dt_zone_to_local(dt_zone_current(), fc->sess && fc->sess->stmt_start ? fc->sess->stmt_start : dt_now());
    (void)a;
    int64_t d = ts / DT_USECS_PER_DAY;
    if (ts % DT_USECS_PER_DAY < 0)
        d--;
    o->u.i = d;
    return 0;
}

static int f_false(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    (void)fc;
    (void)a;
    o->u.i = 0;
    return 0;
}

static int f_true(exec_fctx_t *fc, const value_t *a, value_t *o)
{
    (void)fc;
    (void)a;
    o->u.i = 1;
    return 0;
}

#define ST EXEC_FN_STABLE
#define S EXEC_FN_STRICT

const exec_func_t exec__session_funcs[] = {
    { "version", 0, { 0 }, TYPE_TEXT, f_version, ST, 89 },
    { "current_database", 0, { 0 }, TYPE_NAME, f_current_database, ST, 861 },
    { "current_catalog", 0, { 0 }, TYPE_NAME, f_current_database, ST, 0 },
    { "current_user", 0, { 0 }, TYPE_NAME, f_current_user, ST, 745 },
    { "session_user", 0, { 0 }, TYPE_NAME, f_current_user, ST, 746 },
    { "user", 0, { 0 }, TYPE_NAME, f_current_user, ST, 0 },
    { "current_role", 0, { 0 }, TYPE_NAME, f_current_user, ST, 0 },
    { "current_schema", 0, { 0 }, TYPE_NAME, f_current_schema, ST, 1402 },
    { "current_schemas", 1, { TYPE_BOOL }, TYPE_NAME_ARRAY, f_current_schemas, ST | S, 1403 },
    { "current_setting", 1, { TYPE_TEXT }, TYPE_TEXT, f_current_setting1, ST | S, 2077 },
    { "current_setting", 2, { TYPE_TEXT, TYPE_BOOL }, TYPE_TEXT, f_current_setting2, ST, 3294 },
    { "set_config", 3, { TYPE_TEXT, TYPE_TEXT, TYPE_BOOL }, TYPE_TEXT, f_set_config, EXEC_FN_VOLATILE, 2078 },
    { "pg_backend_pid", 0, { 0 }, TYPE_INT4, f_backend_pid, ST, 2026 },
    { "now", 0, { 0 }, TYPE_TIMESTAMPTZ, f_now, ST, 1299 },
    { "transaction_timestamp", 0, { 0 }, TYPE_TIMESTAMPTZ, f_now, ST, 0 },
    { "statement_timestamp", 0, { 0 }, TYPE_TIMESTAMPTZ, f_now, ST, 0 },
    { "clock_timestamp", 0, { 0 }, TYPE_TIMESTAMPTZ, f_clock_timestamp, EXEC_FN_VOLATILE, 0 },
    { "current_timestamp", 0, { 0 }, TYPE_TIMESTAMPTZ, f_now, ST, 0 },
    { "localtimestamp", 0, { 0 }, TYPE_TIMESTAMP, f_localtimestamp, ST, 0 },
    { "current_date", 0, { 0 }, TYPE_DATE, f_current_date, ST, 0 },
    { "pg_is_in_recovery", 0, { 0 }, TYPE_BOOL, f_false, ST, 3810 },
    { "pg_is_wal_replay_paused", 0, { 0 }, TYPE_BOOL, f_false, ST, 0 },
    { "pg_has_role", 2, { TYPE_NAME, TYPE_TEXT }, TYPE_BOOL, f_true, ST | S, 0 },
};
const int exec__n_session_funcs = (int)(sizeof exec__session_funcs / sizeof exec__session_funcs[0]);
