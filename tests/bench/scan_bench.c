/*
 * scan_bench.c - measures the source-file reader (src/catalog/filescan.c) on
 * one file: MB/s on one core, rows, and a checksum of the values so the work
 * cannot be optimised away. Driven by tests/bench/scan_bench.sh.
 *
 *   scan_bench FILE SCHEMA [csv|text] [DELIM] [NEEDED]
 * SCHEMA is a comma-separated list of types (int4,int8,varchar,text,date,
 * numeric,float8...) or the name of an SSB table (lineorder, customer, part,
 * supplier, dates) as contrib/ssb/kiln.sql declares it; NEEDED is a
 * comma-separated list of column numbers (from 0) to convert (default all).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "catalog/filescan.h"
#include "types/types.h"

static const char *ssb(const char *t)
{
    if (strcmp(t, "lineorder") == 0)
        return "int8,int4,int4,int4,int4,int4,varchar,int4,int4,int4,int4,int4,int4,int4,int4,int4,varchar,text";
    if (strcmp(t, "customer") == 0)
        return "int4,varchar,varchar,varchar,varchar,varchar,varchar,varchar,text";
    if (strcmp(t, "supplier") == 0)
        return "int4,varchar,varchar,varchar,varchar,varchar,varchar,text";
    if (strcmp(t, "part") == 0)
        return "int4,varchar,varchar,varchar,varchar,varchar,varchar,int4,varchar,text";
    if (strcmp(t, "dates") == 0)
        return "int4,varchar,varchar,varchar,int4,int4,varchar,int4,int4,int4,int4,int4,varchar,varchar,varchar,"
               "varchar,varchar,text";
    return t;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: scan_bench FILE SCHEMA [csv|text] [DELIM] [NEEDED]\n");
        return 2;
    }
    catalog_copy_opts_t o;
    memset(&o, 0, sizeof o);
    o.filename = argv[1];
    o.csv = argc < 4 || strcmp(argv[3], "csv") == 0;
    o.delim = argc >= 5 ? argv[4][0] : '|';
    o.quote = o.escape = '"';
    o.null = o.csv ? "" : "\\N";
    o.null_len = strlen(o.null);
    exec_relcol_t cols[128];
    int n = 0;
    char *spec = strdup(ssb(argv[2]));
    for (char *tok = strtok(spec, ","); tok && n < 128; tok = strtok(NULL, ",")) {
        const type_info_t *ti = type_lookup_name(tok);
        if (!ti) {
            fprintf(stderr, "unknown type %s\n", tok);
            return 2;
        }
        cols[n].name = mem_asprintf(mem_arena_new(NULL, "n", 0), "c%d", n);
        cols[n].type = ti->oid;
        cols[n].typmod = -1;
        cols[n].notnull = false;
        n++;
    }
    bool needed[128];
    for (int i = 0; i < n; i++)
        needed[i] = argc < 6;
    if (argc >= 6)
        for (char *tok = strtok(argv[5], ","); tok; tok = strtok(NULL, ","))
            if (atoi(tok) >= 0 && atoi(tok) < n)
                needed[atoi(tok)] = true;
    mem_arena_t *a = mem_arena_new(NULL, "scan", 0), *scratch = mem_arena_new(NULL, "scratch", 0);
    value_t *colv[128];
    for (int i = 0; i < n; i++)
        colv[i] = mem_alloc(a, sizeof(value_t) * EXEC_BATCH_ROWS);
    exec_batch_t b = { n, 0, colv };
    catalog_filescan_t *s;
    err_t err;
    memset(&err, 0, sizeof err);
    /* CPU time as well as wall time: MB/s per core should not depend on what
     * else the machine runs. */
    struct timespec t0, t1, c0, c1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
    if (catalog_filescan_open(a, "bench", &o, n, cols, needed, &s, &err) < 0) {
        fprintf(stderr, "ERROR %s: %s\n", err.sqlstate, err.message);
        return 1;
    }
    uint64_t rows = 0, sum = 0;
    for (;;) {
        mem_arena_reset(scratch);
        b.nrows = EXEC_BATCH_ROWS;
        if (catalog_filescan_next(s, &b, scratch, &err) < 0) {
            fprintf(stderr, "ERROR %s: %s (%s)\n", err.sqlstate, err.message, err.detail);
            return 1;
        }
        if (b.nrows == 0)
            break;
        rows += (uint64_t)b.nrows;
        for (int c = 0; c < n; c++)
            if (needed[c] && !colv[c][b.nrows - 1].isnull)
                sum += cols[c].type == TYPE_INT4 || cols[c].type == TYPE_INT8 ? (uint64_t)colv[c][b.nrows - 1].u.i
                                                                             : colv[c][b.nrows - 1].u.s.len;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    double cpu = (double)(c1.tv_sec - c0.tv_sec) + (double)(c1.tv_nsec - c0.tv_nsec) / 1e9;
    double mb = (double)catalog_filescan_bytes(s) / 1e6;
    printf("%s: %.1f MB, %llu rows, %.3f s CPU: %.0f MB/s per core (wall %.3f s: %.0f MB/s) checksum %llu\n", argv[1],
           mb, (unsigned long long)rows, cpu, mb / cpu, secs, mb / secs, (unsigned long long)(sum % 1000003));
    free(spec);
    return 0;
}
