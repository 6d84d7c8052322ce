/*
 * test_meta_tool.c - a driver for the metastore outage tests
 * (tests/e2e/meta_mariadb.sh): long-lived writers that must ride through a
 * MariaDB crash and restart, and the consistency check afterwards.
 *
 *   test_meta_tool setup URL WRITERS          a counter segment and one table per writer
 *   test_meta_tool writer URL ID STOPFILE OUT until STOPFILE exists: one transaction per
 *                                             step increments the counter and rewrites
 *                                             table w<ID>'s columns (a multi-row change);
 *                                             writes its tallies to OUT
 *   test_meta_tool ping URL WAIT_MS           open + one read; prints "ok" or the error
 *   test_meta_tool verify URL OUT...          the store holds exactly what writers saw
 *                                             committed, and no half transaction
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "meta/meta.h"

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static meta_store_t *open_or_die(const char *url, int wait_ms)
{
    meta_options_t o = { .url = url, .node = "meta-tool", .wait_ms = wait_ms };
    meta_store_t *s;
    err_t e = { 0 };
    if (meta_open(&o, &s, &e) != 0) {
        fprintf(stderr, "open: %s %s (%s)\n", e.sqlstate, e.message, e.detail);
        exit(2);
    }
    return s;
}

typedef struct step_arg {
    int id;
} step_arg_t;

static int step(meta_tx_t *tx, void *arg, err_t *e)
{
    step_arg_t *sa = arg;
    mem_arena_t *a = meta_tx_arena(tx);
    meta_schema_t *sc;
    int rc = meta_find(tx, META_SCHEMA, 0, "crash", a, &sc, e);
    if (rc != 0)
        return rc;
    meta_segment_t *seg;
    if ((rc = meta_find(tx, META_SEGMENT, 7, "crash-counter", a, &seg, e)) != 0)
        return rc;
    seg->input_rows++;
    if ((rc = meta_put(tx, META_SEGMENT, seg, e)) != 0)
        return rc;
    meta_table_t *t;
    char name[32];
    snprintf(name, sizeof name, "w%d", sa->id);
    if ((rc = meta_find(tx, META_TABLE, sc->h.id, name, a, &t, e)) != 0)
        return rc;
    int gen = (int)seg->input_rows;
    t->ncolumns = (size_t)(gen % 5 + 1);
    t->columns = MEM_NEW_N(a, meta_column_t, t->ncolumns);
    for (size_t i = 0; i < t->ncolumns; i++) {
        t->columns[i].name = mem_asprintf(a, "g%d_%zu", gen, i);
        t->columns[i].type = "bigint";
        t->columns[i].typmod = -1;
    }
    return meta_put(tx, META_TABLE, t, e);
}

static int cmd_setup(const char *url, int writers)
{
    meta_store_t *s = open_or_die(url, 10000);
    meta_tx_t *tx;
    err_t e = { 0 };
    if (meta_begin(s, 0, &tx, &e) != 0)
        goto fail;
    meta_schema_t sc = { .name = "crash" };
    if (meta_put(tx, META_SCHEMA, &sc, &e) != 0)
        goto fail;
    meta_segment_t seg = { .cube_id = 7, .name = "crash-counter", .status = "new" };
    if (meta_put(tx, META_SEGMENT, &seg, &e) != 0)
        goto fail;
    for (int w = 0; w < writers; w++) {
        char name[32];
        snprintf(name, sizeof name, "w%d", w);
        meta_table_t t = { .schema_id = sc.h.id, .name = name, .kind = "foreign" };
        if (meta_put(tx, META_TABLE, &t, &e) != 0)
            goto fail;
    }
    if (meta_commit(tx, &e) != 0)
        goto fail;
    meta_close(s);
    return 0;
fail:
    fprintf(stderr, "setup: %s %s (%s)\n", e.sqlstate, e.message, e.detail);
    return 1;
}

static int cmd_writer(const char *url, int id, const char *stopfile, const char *out)
{
    meta_store_t *s = open_or_die(url, 3000);
    step_arg_t sa = { id };
    long success = 0, indoubt = 0, errors = 0, unavailable = 0, after_outage = 0;
    int64_t down_since = 0, max_outage = 0, recovered_at = 0;
    char first_err[700] = "";
    /* A snapshot held across the outage must stay intact, and refreshing
     * must work again afterwards. */
    const meta_catalog_t *held = meta_catalog_acquire(s);
    int64_t held_version = held->version;
    size_t held_tables = held->ntables;
    long refresh_ok = 0, refresh_failed = 0, iter = 0;
    while (access(stopfile, F_OK) != 0) {
        err_t e = { 0 };
        if (++iter % 50 == 0) {
            err_t re = { 0 };
            if (meta_catalog_refresh(s, false, &re) == 0) {
                refresh_ok++;
            } else {
                /* the outage seen by a refresh counts as seen: a writer
                 * whose only call during it was this one must still show
                 * commits after it (after_outage), not be judged unrecovered */
                refresh_failed++;
                if (!first_err[0])
                    snprintf(first_err, sizeof first_err, "%s %s", re.sqlstate, re.message);
                if (!down_since)
                    down_since = mono_ms();
            }
        }
        int rc = meta_run(s, 0, step, &sa, &e);
        if (rc == META_OK) {
            success++;
            if (first_err[0])
                after_outage++;
            if (down_since) {
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                recovered_at = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
                int64_t d = mono_ms() - down_since;
                if (d > max_outage)
                    max_outage = d;
                down_since = 0;
            }
            continue;
        }
        if (!first_err[0])
            snprintf(first_err, sizeof first_err, "%s %s", e.sqlstate, e.message);
        if (rc == META_INDOUBT) {
            indoubt++;
        } else if (rc == META_UNAVAILABLE) {
            unavailable++;
        } else {
            errors++;
            fprintf(stderr, "writer %d: rc %d %s %s (%s)\n", id, rc, e.sqlstate, e.message, e.detail);
        }
        if (!down_since)
            down_since = mono_ms();
        usleep(100000);
    }
    bool catalog_ok = held->version == held_version && held->ntables == held_tables;
    for (size_t i = 0; i < held->ntables; i++)
        catalog_ok = catalog_ok && held->tables[i].name && held->tables[i].name[0] == 'w';
    meta_catalog_release(held);
    err_t re = { 0 };
    catalog_ok = catalog_ok && meta_catalog_refresh(s, false, &re) == 0 && meta_catalog_version(s) > held_version;
    meta_close(s);
    FILE *f = fopen(out, "w");
    if (!f)
        return 1;
    fprintf(f,
            "success=%ld indoubt=%ld errors=%ld unavailable=%ld after_outage=%ld max_outage_ms=%lld recovered_at_ms=%lld "
            "catalog_ok=%d refresh_ok=%ld refresh_failed=%ld\nfirst_error=%s\n",
            success, indoubt, errors, unavailable, after_outage, (long long)max_outage, (long long)recovered_at,
            catalog_ok, refresh_ok, refresh_failed, first_err);
    fclose(f);
    return errors ? 1 : 0;
}

static int cmd_ping(const char *url, int wait_ms)
{
    meta_options_t o = { .url = url, .node = "meta-tool", .wait_ms = wait_ms };
    meta_store_t *s;
    err_t e = { 0 };
    int64_t t0 = mono_ms();
    if (meta_open(&o, &s, &e) != 0) {
        printf("error %s %s (after %lld ms)\n", e.sqlstate, e.message, (long long)(mono_ms() - t0));
        return 1;
    }
    meta_close(s);
    printf("ok\n");
    return 0;
}

static int cmd_verify(const char *url, int nout, char **outs)
{
    long success = 0, indoubt = 0;
    for (int i = 0; i < nout; i++) {
        FILE *f = fopen(outs[i], "r");
        long sc = 0, id = 0;
        if (!f || fscanf(f, "success=%ld indoubt=%ld", &sc, &id) != 2) {
            printf("cannot read %s\n", outs[i]);
            return 1;
        }
        fclose(f);
        success += sc;
        indoubt += id;
    }
    meta_store_t *s = open_or_die(url, 10000);
    mem_arena_t *a = mem_arena_new(NULL, "verify", 0);
    meta_tx_t *tx;
    err_t e = { 0 };
    int bad = 0;
    if (meta_begin(s, META_TX_READ, &tx, &e) != 0) {
        printf("begin: %s\n", e.message);
        return 1;
    }
    meta_schema_t *sc;
    meta_segment_t *seg;
    meta_table_t *tables;
    size_t nt;
    if (meta_find(tx, META_SCHEMA, 0, "crash", a, &sc, &e) != 0 ||
        meta_find(tx, META_SEGMENT, 7, "crash-counter", a, &seg, &e) != 0 ||
        meta_list(tx, META_TABLE, sc->h.id, a, &tables, &nt, &e) != 0) {
        printf("read: %s\n", e.message);
        return 1;
    }
    printf("counter=%lld committed_by_writers=%ld indoubt=%ld\n", (long long)seg->input_rows, success, indoubt);
    if (seg->input_rows < success || seg->input_rows > success + indoubt) {
        printf("MISMATCH: counter outside [committed, committed + in doubt]\n");
        bad = 1;
    }
    if (seg->h.version != seg->input_rows + 1) {
        printf("MISMATCH: counter version %lld\n", (long long)seg->h.version);
        bad = 1;
    }
    /* Each step bumped the counter and exactly one table together. */
    int64_t table_updates = 0;
    for (size_t i = 0; i < nt; i++) {
        const meta_table_t *t = &tables[i];
        table_updates += t->h.version - 1;
        if (t->ncolumns == 0)
            continue;
        int gen = atoi(t->columns[0].name + 1);
        if (t->ncolumns != (size_t)(gen % 5 + 1)) {
            printf("HALF TRANSACTION: table %s has %zu columns for generation %d\n", t->name, t->ncolumns, gen);
            bad = 1;
        }
        for (size_t c = 0; c < t->ncolumns; c++)
            if (atoi(t->columns[c].name + 1) != gen) {
                printf("HALF TRANSACTION: table %s mixes generations\n", t->name);
                bad = 1;
            }
    }
    if (table_updates != seg->input_rows) {
        printf("HALF TRANSACTION: %lld table updates for %lld counter updates\n", (long long)table_updates,
               (long long)seg->input_rows);
        bad = 1;
    }
    /* The event log agrees: one update event per change. */
    meta_event_t *ev;
    size_t n;
    int64_t after = 0, seg_updates = 0, last_id = 0;
    char key[24];
    snprintf(key, sizeof key, "%lld", (long long)seg->h.id);
    do {
        if (meta_events_after(tx, after, 5000, a, &ev, &n, &e) != 0) {
            printf("events: %s\n", e.message);
            return 1;
        }
        for (size_t i = 0; i < n; i++) {
            if (ev[i].id != last_id + 1) {
                printf("GAP in event ids at %lld\n", (long long)ev[i].id);
                bad = 1;
            }
            last_id = ev[i].id;
            if (strcmp(ev[i].entity, "segment") == 0 && strcmp(ev[i].key, key) == 0 &&
                strcmp(ev[i].action, "update") == 0)
                seg_updates++;
        }
        if (n)
            after = ev[n - 1].id;
    } while (n);
    if (seg_updates != seg->input_rows) {
        printf("MISMATCH: %lld update events for counter %lld\n", (long long)seg_updates, (long long)seg->input_rows);
        bad = 1;
    }
    printf("events=%lld table_updates=%lld %s\n", (long long)last_id, (long long)table_updates,
           bad ? "INCONSISTENT" : "consistent");
    meta_rollback(tx);
    meta_close(s);
    mem_arena_free(a);
    return bad;
}

int main(int argc, char **argv)
{
    log_set_level(LOG_LVL_ERROR);
    if (argc >= 4 && strcmp(argv[1], "setup") == 0)
        return cmd_setup(argv[2], atoi(argv[3]));
    if (argc >= 6 && strcmp(argv[1], "writer") == 0)
        return cmd_writer(argv[2], atoi(argv[3]), argv[4], argv[5]);
    if (argc >= 4 && strcmp(argv[1], "ping") == 0)
        return cmd_ping(argv[2], atoi(argv[3]));
    if (argc >= 4 && strcmp(argv[1], "verify") == 0)
        return cmd_verify(argv[2], argc - 3, argv + 3);
    /* Without arguments (as the valgrind stage runs every test binary): usage, success. */
    printf("usage: test_meta_tool setup|writer|ping|verify ... (see tests/e2e/meta_mariadb.sh)\n");
    return argc == 1 ? 0 : 2;
}
