/*
 * rel.c - the registry of relation providers, pinned catalog views, and
 * in-memory relations (tests and small generated catalogs).
 */
#include "exec/rel.h"

#include <string.h>

#include "exec/exec.h"
#include "types/value.h"

#define MAX_PROVIDERS 16

static const exec_catalog_t *providers[MAX_PROVIDERS];
static int nproviders;

void exec_catalog_register(const exec_catalog_t *cat)
{
    for (int i = 0; i < nproviders; i++)
        if (providers[i] == cat)
            return;
    if (nproviders < MAX_PROVIDERS)
        providers[nproviders++] = cat;
}

void exec_catalog_unregister_all(void)
{
    nproviders = 0;
}

struct exec_catview {
    int n;
    const exec_catalog_t *cats[MAX_PROVIDERS];
    void *snaps[MAX_PROVIDERS];
};

bool exec_catalog_is_current(const exec_catview_t *v)
{
    for (int i = 0; i < v->n; i++) {
        const exec_catalog_t *c = v->cats[i];
        if (!c->pin)
            continue;
        void *now = c->pin(c->arg);
        bool same = now == v->snaps[i];
        if (c->unpin)
            c->unpin(c->arg, now);
        if (!same)
            return false;
    }
    return true;
}

static void unpin_all(void *arg)
{
    exec_catview_t *v = arg;
    for (int i = 0; i < v->n; i++)
        if (v->cats[i]->unpin)
            v->cats[i]->unpin(v->cats[i]->arg, v->snaps[i]);
}

exec_catview_t *exec_catalog_pin(mem_arena_t *a)
{
    exec_catview_t *v = mem_alloc0(a, sizeof *v);
    v->n = nproviders;
    for (int i = 0; i < nproviders; i++) {
        v->cats[i] = providers[i];
        v->snaps[i] = providers[i]->pin ? providers[i]->pin(providers[i]->arg) : NULL;
    }
    mem_arena_on_free(a, unpin_all, v);
    return v;
}

void *exec_catalog_snap(const exec_catview_t *v, const exec_catalog_t *cat)
{
    for (int i = 0; v && i < v->n; i++)
        if (v->cats[i] == cat)
            return v->snaps[i];
    return NULL;
}

static _Thread_local exec_catview_t *current_view;

exec_catview_t *exec_catalog_set_current(exec_catview_t *v)
{
    exec_catview_t *old = current_view;
    current_view = v;
    return old;
}

exec_catview_t *exec_catalog_current(void)
{
    return current_view;
}

static int lookup_in(exec_catview_t *v, const char *schema, const char *name, const exec_rel_t **out, err_t *err)
{
    for (int i = 0; i < v->n; i++) {
        int rc = v->cats[i]->lookup(v->cats[i]->arg, v->snaps[i], schema, name, out, err);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int exec_catalog_lookup(exec_catview_t *v, const char *schema, const char *const *path, int npath, const char *name,
                        const exec_rel_t **out, err_t *err)
{
    if (schema)
        return lookup_in(v, schema, name, out, err);
    bool has_catalog = false;
    for (int i = 0; i < npath; i++)
        has_catalog |= strcmp(path[i], "pg_catalog") == 0;
    if (!has_catalog) {
        int rc = lookup_in(v, "pg_catalog", name, out, err);
        if (rc != 0)
            return rc;
    }
    for (int i = 0; i < npath; i++) {
        int rc = lookup_in(v, path[i], name, out, err);
        if (rc != 0)
            return rc;
    }
    return 0;
}

bool exec_catalog_schema_exists(exec_catview_t *v, const char *schema)
{
    for (int i = 0; i < v->n; i++)
        if (v->cats[i]->schema_exists && v->cats[i]->schema_exists(v->cats[i]->arg, v->snaps[i], schema) == 1)
            return true;
    return false;
}

/* ---- in-memory relations ---- */

typedef struct memrel {
    mem_arena_t *arena;
    size_t n, cap;
    value_t **rows;
} memrel_t;

typedef struct memscan {
    const exec_rel_t *rel;
    size_t pos;
} memscan_t;

static int mem_open(const exec_rel_t *rel, mem_arena_t *a, const bool *needed, void **scan, err_t *err)
{
    (void)needed;
    (void)err;
    memscan_t *s = mem_alloc0(a, sizeof *s);
    s->rel = rel;
    *scan = s;
    return 0;
}

static int mem_next(void *scan, exec_batch_t *out, mem_arena_t *scratch, err_t *err)
{
    (void)scratch;
    (void)err;
    memscan_t *s = scan;
    memrel_t *m = s->rel->impl;
    int cap = out->nrows, n = 0;
    while (s->pos < m->n && n < cap) {
        const value_t *row = m->rows[s->pos++];
        for (int c = 0; c < s->rel->ncols; c++)
            out->cols[c][n] = row[c];
        n++;
    }
    out->nrows = n;
    return 0;
}

static const exec_scan_ops_t mem_ops = { mem_open, mem_next, NULL };

exec_rel_t *exec_memrel_new(mem_arena_t *a, const char *schema, const char *name, uint32_t oid, int ncols,
                            const exec_relcol_t *cols)
{
    exec_rel_t *r = mem_alloc0(a, sizeof *r);
    memrel_t *m = mem_alloc0(a, sizeof *m);
    m->arena = a;
    r->oid = oid;
    r->schema = mem_astrdup(a, schema);
    r->name = mem_astrdup(a, name);
    r->kind = 'r';
    r->ncols = ncols;
    exec_relcol_t *cc = mem_alloc0(a, sizeof *cc * (size_t)(ncols > 0 ? ncols : 1));
    for (int i = 0; i < ncols; i++) {
        cc[i] = cols[i];
        cc[i].name = mem_astrdup(a, cols[i].name);
    }
    r->cols = cc;
    r->cheap = true;
    r->ops = &mem_ops;
    r->impl = m;
    return r;
}

void exec_memrel_append(exec_rel_t *rel, const value_t *row)
{
    memrel_t *m = rel->impl;
    if (m->n == m->cap) {
        size_t nc = m->cap ? m->cap * 2 : 64;
        value_t **nr = mem_alloc(m->arena, sizeof(value_t *) * nc);
        if (m->n)
            memcpy(nr, m->rows, sizeof(value_t *) * m->n);
        m->rows = nr;
        m->cap = nc;
    }
    value_t *dst = mem_alloc(m->arena, sizeof(value_t) * (size_t)(rel->ncols > 0 ? rel->ncols : 1));
    for (int c = 0; c < rel->ncols; c++)
        value_copy(m->arena, rel->cols[c].type, &dst[c], &row[c]);
    m->rows[m->n++] = dst;
    rel->est_rows = (double)m->n;
}

typedef struct memcat {
    exec_rel_t **rels;
    int n;
} memcat_t;

static int memcat_lookup(void *arg, void *snap, const char *schema, const char *name, const exec_rel_t **out,
                         err_t *err)
{
    (void)snap;
    (void)err;
    memcat_t *mc = arg;
    for (int i = 0; i < mc->n; i++)
        if (strcmp(mc->rels[i]->schema, schema) == 0 && strcmp(mc->rels[i]->name, name) == 0) {
            *out = mc->rels[i];
            return 1;
        }
    return 0;
}

static int memcat_schema(void *arg, void *snap, const char *schema)
{
    (void)snap;
    memcat_t *mc = arg;
    for (int i = 0; i < mc->n; i++)
        if (strcmp(mc->rels[i]->schema, schema) == 0)
            return 1;
    return 0;
}

exec_catalog_t *exec_memcat_new(mem_arena_t *a, exec_rel_t **rels, int n)
{
    memcat_t *mc = mem_alloc0(a, sizeof *mc);
    mc->rels = mem_alloc(a, sizeof(exec_rel_t *) * (size_t)(n > 0 ? n : 1));
    for (int i = 0; i < n; i++)
        mc->rels[i] = rels[i];
    mc->n = n;
    exec_catalog_t *c = mem_alloc0(a, sizeof *c);
    c->name = "memory";
    c->arg = mc;
    c->lookup = memcat_lookup;
    c->schema_exists = memcat_schema;
    return c;
}
