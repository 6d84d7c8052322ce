/*
 * provider.c - the relation provider kiln's SQL engine resolves names with:
 * foreign tables (source files) from the metastore's catalog snapshot, and
 * the pg_catalog / information_schema relations generated from it.
 *
 * Snapshots: pin() takes the metastore's current snapshot and wraps it in a
 * catalog_snap_t holding one exec_rel_t per foreign table and per built-in
 * relation. The wrapper is built once per metastore snapshot and shared by
 * every statement pinning it (reference counted); a new metastore snapshot
 * gets a new wrapper and the old one is freed by its last unpin, so a
 * prepared statement's relations stay valid whatever DDL happens.
 *
 * Scans: foreign tables read their file (filescan.c) on whatever thread
 * runs the portal; built-in relations materialise their rows at open from
 * the pinned snapshot (pgcat.c) and are `cheap` (loop thread allowed).
 *
 * Not here: DDL (ddl.c), row contents (pgcat.c), functions (funcs.c).
 */
#include "catalog/catalog.h"

#include <pthread.h>
#include <string.h>
#include <sys/stat.h>

#include "catalog/filescan.h"
#include "catalog_int.h"
#include "pgdata.h"
#include "types/value.h"

static const exec_catalog_t provider;

static struct {
    meta_store_t *store;
    const cfg_t *cfg;
    pthread_mutex_t mu;
    catalog_snap_t *cur; /* holds one reference of its own */
} P = { NULL, NULL, PTHREAD_MUTEX_INITIALIZER, NULL };

const cfg_t *catalog__cfg(void)
{
    return P.cfg;
}

meta_store_t *catalog__store(void)
{
    return P.store;
}

/* ---- helpers shared by the subsystem ---- */

const type_info_t *catalog__type_resolve(const char *name)
{
    if (!name)
        return NULL;
    const type_info_t *ti = type_lookup_name(name);
    if (ti)
        return ti;
    size_t n = strlen(name);
    if (n > 2 && strcmp(name + n - 2, "[]") == 0) {
        char elem[128];
        if (n - 2 >= sizeof elem)
            return NULL;
        memcpy(elem, name, n - 2);
        elem[n - 2] = '\0';
        const type_info_t *e = type_lookup_name(elem);
        return e && e->array ? type_lookup(e->array) : NULL;
    }
    return NULL;
}

uint32_t catalog__schema_oid(const meta_schema_t *s)
{
    return strcmp(s->name, "public") == 0 ? CATALOG_OID_PUBLIC : (uint32_t)s->h.id;
}

uint32_t catalog__table_oid(const meta_table_t *t)
{
    return (uint32_t)t->h.id;
}

/* ---- foreign tables ---- */

typedef struct filerel {
    catalog_copy_opts_t opts;
    bool opts_ok;
    err_t opts_err;        /* why the options are unusable (reported at scan) */
    const char *bad_type;  /* a column type the engine does not know */
} filerel_t;

static int file_open(const exec_rel_t *rel, mem_arena_t *a, const bool *needed, void **scan, err_t *err)
{
    const filerel_t *f = rel->impl;
    if (f->bad_type)
        return err_set(err, ERRCODE_UNDEFINED_OBJECT, "type \"%s\" does not exist", f->bad_type);
    if (!f->opts_ok) {
        *err = f->opts_err;
        return -1;
    }
    catalog_filescan_t *s;
    if (catalog_filescan_open(a, rel->name, &f->opts, rel->ncols, rel->cols, needed, &s, err) < 0)
        return -1;
    *scan = s;
    return 0;
}

static int file_next(void *scan, exec_batch_t *out, mem_arena_t *scratch, err_t *err)
{
    return catalog_filescan_next(scan, out, scratch, err);
}

static void file_close(void *scan)
{
    catalog_filescan_close(scan);
}

static const exec_scan_ops_t file_ops = { file_open, file_next, file_close };

struct catalog_rel_parts {
    int n;
    catalog_filepart_t *parts; /* NULL: one part, the relation's own open */
};

int catalog_rel_split(const exec_rel_t *rel, mem_arena_t *a, int want, catalog_rel_parts_t **plan, int *n, err_t *err)
{
    catalog_rel_parts_t *pp = mem_alloc0(a, sizeof *pp);
    pp->n = 1;
    *plan = pp;
    *n = 1;
    if (rel->ops != &file_ops || want < 2)
        return 0;
    const filerel_t *f = rel->impl;
    if (f->bad_type || !f->opts_ok)
        return 0; /* the open of the one part reports it */
    if (catalog_filescan_split(&f->opts, want, a, &pp->parts, &pp->n, err) < 0)
        return -1;
    *n = pp->n;
    return 0;
}

int catalog_rel_open_part(const exec_rel_t *rel, const catalog_rel_parts_t *plan, int i, mem_arena_t *a,
                          const bool *needed, void **scan, err_t *err)
{
    if (!plan || !plan->parts)
        return rel->ops->open(rel, a, needed, scan, err);
    if (i < 0 || i >= plan->n)
        return err_set(err, ERRCODE_INTERNAL_ERROR, "part %d of a scan of \"%s\" out of range", i, rel->name);
    const filerel_t *f = rel->impl;
    catalog_filescan_t *s;
    if (catalog_filescan_open_part(a, rel->name, &f->opts, rel->ncols, rel->cols, needed, &plan->parts[i], &s, err) < 0)
        return -1;
    *scan = s;
    return 0;
}

static void build_table(catalog_snap_t *s, const meta_table_t *t, exec_rel_t *r)
{
    mem_arena_t *a = s->arena;
    const meta_schema_t *sch = meta_catalog_schema_by_id(s->mc, t->schema_id);
    filerel_t *f = mem_alloc0(a, sizeof *f);
    exec_relcol_t *cols = mem_alloc0(a, sizeof *cols * (t->ncolumns ? t->ncolumns : 1));
    for (size_t i = 0; i < t->ncolumns; i++) {
        const meta_column_t *mcol = &t->columns[i];
        const type_info_t *ti = catalog__type_resolve(mcol->type);
        cols[i].name = mcol->name;
        cols[i].type = ti ? ti->oid : TYPE_TEXT;
        cols[i].typmod = mcol->typmod;
        cols[i].notnull = mcol->not_null;
        if (!ti && !f->bad_type)
            f->bad_type = mcol->type ? mcol->type : "(null)";
    }
    f->opts_ok = catalog_copy_opts_parse(t->options, t->noptions, &f->opts, &f->opts_err) == 0;
    r->oid = catalog__table_oid(t);
    r->schema = sch ? sch->name : "public";
    r->name = t->name;
    r->kind = 'f';
    r->ncols = (int)t->ncolumns;
    r->cols = cols;
    /* The planner's estimate: about 100 bytes a row (SSB lineorder has 100). */
    r->est_rows = 1000;
    struct stat st;
    if (f->opts_ok && stat(f->opts.filename, &st) == 0 && st.st_size > 0)
        r->est_rows = (double)st.st_size / 100.0 + 1;
    r->cheap = false;
    r->ops = &file_ops;
    r->impl = f;
}

/* ---- built-in relations ---- */

typedef struct sysrel {
    catalog_snap_t *snap;
    int rel;
} sysrel_t;

typedef struct sysscan {
    catalog_rows_t rows;
    int pos;
} sysscan_t;

static int sys_open(const exec_rel_t *rel, mem_arena_t *a, const bool *needed, void **scan, err_t *err)
{
    (void)needed;
    const sysrel_t *sr = rel->impl;
    sysscan_t *s = mem_alloc0(a, sizeof *s);
    if (catalog__sys_rows(sr->snap, sr->rel, a, &s->rows, err) < 0)
        return -1;
    *scan = s;
    return 0;
}

static int sys_next(void *scan, exec_batch_t *out, mem_arena_t *scratch, err_t *err)
{
    (void)scratch;
    (void)err;
    sysscan_t *s = scan;
    int n = s->rows.n - s->pos;
    if (n > out->nrows)
        n = out->nrows;
    /* n == 0 at the end; an empty relation may have no column arrays at all */
    for (int c = 0; n > 0 && c < s->rows.ncols && c < out->ncols; c++)
        memcpy(out->cols[c], s->rows.col[c] + s->pos, sizeof(value_t) * (size_t)n);
    s->pos += n;
    out->nrows = n;
    return 0;
}

static const exec_scan_ops_t sys_ops = { sys_open, sys_next, NULL };

static exec_relcol_t *sys_cols[256];

static void build_sys(catalog_snap_t *s)
{
    s->sys = mem_alloc0(s->arena, sizeof *s->sys * (size_t)pgd_nrels);
    for (int i = 0; i < pgd_nrels; i++) {
        const pgd_rel_t *d = &pgd_rels[i];
        exec_rel_t *r = &s->sys[i];
        sysrel_t *sr = mem_alloc0(s->arena, sizeof *sr);
        sr->snap = s;
        sr->rel = i;
        r->oid = d->oid;
        r->schema = d->schema;
        r->name = d->name;
        r->kind = d->kind;
        r->ncols = d->ncols;
        r->cols = sys_cols[i];
        r->est_rows = 100;
        r->cheap = true;
        r->ops = &sys_ops;
        r->impl = sr;
    }
}

/* Column descriptors of the built-in relations never change: built once. */
static void init_sys_cols(void)
{
    static mem_arena_t *a;
    if (a)
        return;
    a = mem_arena_new(NULL, "catalog sys columns", 0);
    for (int i = 0; i < pgd_nrels && i < 256; i++) {
        const pgd_rel_t *d = &pgd_rels[i];
        exec_relcol_t *c = mem_alloc0(a, sizeof *c * (size_t)d->ncols);
        for (int k = 0; k < d->ncols; k++) {
            c[k].name = d->cols[k].name;
            c[k].type = d->cols[k].type;
            c[k].typmod = d->cols[k].typmod;
            c[k].notnull = false;
        }
        sys_cols[i] = c;
    }
}

/* ---- snapshots ---- */

static catalog_snap_t *snap_build(const meta_catalog_t *mc)
{
    mem_arena_t *a = mem_arena_new(NULL, "catalog snapshot", 0);
    catalog_snap_t *s = mem_alloc0(a, sizeof *s);
    s->arena = a;
    s->mc = mc;
    s->refs = 1;
    s->tables = mem_alloc0(a, sizeof *s->tables * (mc->ntables ? mc->ntables : 1));
    for (size_t i = 0; i < mc->ntables; i++)
        build_table(s, &mc->tables[i], &s->tables[i]);
    build_sys(s);
    return s;
}

void catalog__snap_release(catalog_snap_t *s)
{
    if (!s)
        return;
    if (__atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) == 0) {
        meta_catalog_release(s->mc);
        mem_arena_free(s->arena);
    }
}

catalog_snap_t *catalog__snap_current(void)
{
    if (!P.store)
        return NULL;
    const meta_catalog_t *mc = meta_catalog_acquire(P.store);
    pthread_mutex_lock(&P.mu);
    catalog_snap_t *s = P.cur;
    if (s && s->mc == mc) {
        __atomic_add_fetch(&s->refs, 1, __ATOMIC_ACQ_REL);
        pthread_mutex_unlock(&P.mu);
        meta_catalog_release(mc); /* the wrapper holds its own reference */
        return s;
    }
    s = snap_build(mc); /* takes mc's reference */
    catalog_snap_t *old = P.cur;
    P.cur = s;
    __atomic_add_fetch(&s->refs, 1, __ATOMIC_ACQ_REL);
    pthread_mutex_unlock(&P.mu);
    catalog__snap_release(old);
    return s;
}

catalog_snap_t *catalog__snap_stmt(void)
{
    catalog_snap_t *s = exec_catalog_snap(exec_catalog_current(), &provider);
    if (s) {
        __atomic_add_fetch(&s->refs, 1, __ATOMIC_ACQ_REL);
        return s;
    }
    return catalog__snap_current();
}

/* ---- the provider ---- */

static void *prov_pin(void *arg)
{
    (void)arg;
    return catalog__snap_current();
}

static void prov_unpin(void *arg, void *snap)
{
    (void)arg;
    catalog__snap_release(snap);
}

static int find_sys(const char *schema, const char *name)
{
    for (int i = 0; i < pgd_nrels; i++)
        if (strcmp(pgd_rels[i].name, name) == 0 && strcmp(pgd_rels[i].schema, schema) == 0)
            return i;
    return -1;
}

static int prov_lookup(void *arg, void *snap, const char *schema, const char *name, const exec_rel_t **out, err_t *err)
{
    (void)arg;
    (void)err;
    catalog_snap_t *s = snap;
    if (!s || !schema || !name)
        return 0;
    if (strcmp(schema, "pg_catalog") == 0 || strcmp(schema, "information_schema") == 0) {
        int i = find_sys(schema, name);
        if (i < 0)
            return 0;
        *out = &s->sys[i];
        return 1;
    }
    const meta_table_t *t = meta_catalog_table(s->mc, schema, name);
    if (!t)
        return 0;
    *out = &s->tables[t - s->mc->tables];
    return 1;
}

static int prov_schema_exists(void *arg, void *snap, const char *schema)
{
    (void)arg;
    catalog_snap_t *s = snap;
    if (strcmp(schema, "pg_catalog") == 0 || strcmp(schema, "information_schema") == 0 ||
        strcmp(schema, "public") == 0)
        return 1;
    return s && meta_catalog_schema(s->mc, schema) ? 1 : 0;
}

static const exec_catalog_t provider = { "catalog", NULL, prov_pin, prov_unpin, prov_lookup, prov_schema_exists };

const exec_catalog_t *catalog_provider(void)
{
    return &provider;
}

int catalog_init(meta_store_t *store, const cfg_t *cfg, err_t *err)
{
    (void)err;
    init_sys_cols();
    P.store = store;
    P.cfg = cfg;
    exec_catalog_register(&provider);
    catalog__hooks_register();
    return 0;
}

void catalog_shutdown(void)
{
    pthread_mutex_lock(&P.mu);
    catalog_snap_t *old = P.cur;
    P.cur = NULL;
    P.store = NULL;
    pthread_mutex_unlock(&P.mu);
    catalog__snap_release(old);
}
