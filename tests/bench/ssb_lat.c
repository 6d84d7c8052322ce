/*
 * ssb_lat.c - client-observed latency of SQL queries over the PostgreSQL wire protocol, one
 * client, warm (a benchmark tool, not a test; tests/bench/ssb_bench.sh drives it against kilnd
 * and PostgreSQL 15 alike).
 *
 *   ssb_lat -d CONNINFO [-b] [-w WARMUP] [-n RUNS] [-m MIN_RUNS] [-t SECONDS] [-o DIR] FILE.sql...
 *
 * Each file is sent whole as one simple-protocol Query (PQexec, as psql -f sends a
 * one-statement file), timed from PQexec's call to its return (send, server work, every row
 * received and parsed by libpq). The files run in rounds, each file once per round: WARMUP
 * untimed rounds (default 3), then up to RUNS timed rounds (default 1000), stopping early once
 * SECONDS (default 30) times the number of files have passed and at least MIN_RUNS (default 5)
 * rounds are in. Interleaving spreads every query's runs over the whole measurement, so a burst
 * of other work on a shared machine does not land on one query only, and the server sees
 * different statements in turn, as from a dashboard. With -b (blocks) each file's runs are back
 * to back instead (WARMUP, then RUNS or SECONDS), the same text again and again: what a server
 * gains from a statement cache shows as the difference. Prints one tab-separated line per file:
 *
 *   name  runs  p50_us  p99_us  min_us  mean_us  max_us  rows
 *
 * p50/p99 are nearest-rank percentiles. With -o DIR the rows of the first run are written to
 * DIR/NAME.out as psql -A -t -F '|' prints them (NULL as an empty field), for comparison.
 * Last line, before disconnecting: "backend <pid> vmhwm_kb <peak RSS>" of the server process
 * serving this connection (PQbackendPID, /proc/<pid>/status; the server runs on this machine;
 * "n/a" if unreadable): PostgreSQL's backend exits with the connection.
 * Exits 1 if any execution fails (the error is printed on stderr).
 *
 * Build: cc -O2 -o ssb_lat ssb_lat.c -I$(pg_config --includedir) -lpq
 */
#include <errno.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "ssb_lat: %s: %s\n", path, strerror(errno));
        exit(2);
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t r;
    while (buf && (r = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += r;
        if (cap - n < 2) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
    }
    fclose(f);
    if (!buf) {
        fprintf(stderr, "ssb_lat: out of memory\n");
        exit(2);
    }
    buf[n] = '\0';
    return buf;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(const double *sorted, int n, double p)
{
    int k = (int)(p * n + 0.999999999) - 1; /* nearest rank: ceil(p*n) - 1 */
    if (k < 0)
        k = 0;
    if (k >= n)
        k = n - 1;
    return sorted[k];
}

static const char *base_name(const char *path, char *out, size_t outsz)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    snprintf(out, outsz, "%s", b);
    char *dot = strstr(out, ".sql");
    if (dot && dot[4] == '\0')
        *dot = '\0';
    return out;
}

static int run_once(PGconn *conn, const char *sql, const char *name, PGresult **keep)
{
    PGresult *res = PQexec(conn, sql);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        fprintf(stderr, "ssb_lat: %s: %s", name, res ? PQresultErrorMessage(res) : PQerrorMessage(conn));
        PQclear(res);
        return -1;
    }
    int rows = PQntuples(res);
    if (keep && !*keep)
        *keep = res;
    else
        PQclear(res);
    return rows;
}

static void write_rows(const char *dir, const char *name, PGresult *res)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.out", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "ssb_lat: %s: %s\n", path, strerror(errno));
        exit(2);
    }
    int nr = PQntuples(res), nc = PQnfields(res);
    for (int r = 0; r < nr; r++) {
        for (int c = 0; c < nc; c++) {
            if (c)
                fputc('|', f);
            if (!PQgetisnull(res, r, c))
                fputs(PQgetvalue(res, r, c), f);
        }
        fputc('\n', f);
    }
    fclose(f);
}

typedef struct query {
    char name[256];
    char *sql;
    PGresult *first; /* rows of the first execution, for -o */
    double *lat;
    int n, rows, failed;
} query_t;

int main(int argc, char **argv)
{
    const char *conninfo = "", *outdir = NULL;
    int warmup = 3, runs = 1000, min_runs = 5, blocks = 0, opt;
    double budget_s = 30;
    while ((opt = getopt(argc, argv, "bd:w:n:m:t:o:")) != -1) {
        switch (opt) {
        case 'b': blocks = 1; break;
        case 'd': conninfo = optarg; break;
        case 'w': warmup = atoi(optarg); break;
        case 'n': runs = atoi(optarg); break;
        case 'm': min_runs = atoi(optarg); break;
        case 't': budget_s = atof(optarg); break;
        case 'o': outdir = optarg; break;
        default:
            fprintf(stderr, "usage: ssb_lat -d CONNINFO [-b] [-w WARMUP] [-n RUNS] [-m MIN_RUNS] [-t SECONDS] [-o DIR] FILE.sql...\n");
            return 2;
        }
    }
    if (runs < 1)
        runs = 1;
    int nq = argc - optind;
    if (nq < 1) {
        fprintf(stderr, "ssb_lat: no query files\n");
        return 2;
    }
    PGconn *conn = PQconnectdb(conninfo);
    if (PQstatus(conn) != CONNECTION_OK) {
        fprintf(stderr, "ssb_lat: connect: %s", PQerrorMessage(conn));
        return 2;
    }
    query_t *qs = calloc((size_t)nq, sizeof *qs);
    if (!qs) {
        fprintf(stderr, "ssb_lat: out of memory\n");
        return 2;
    }
    for (int i = 0; i < nq; i++) {
        base_name(argv[optind + i], qs[i].name, sizeof qs[i].name);
        qs[i].sql = slurp(argv[optind + i]);
        qs[i].lat = malloc(sizeof(double) * (size_t)runs);
        if (!qs[i].lat) {
            fprintf(stderr, "ssb_lat: out of memory\n");
            return 2;
        }
    }
    /* Rounds: every query once per round, so each query's runs are spread over the whole
     * measurement and meet the same machine load (a burst of other work does not land on
     * one query's few milliseconds). */
    /* blocks: the same loops with one query per "round set" */
    for (int b0 = 0; b0 < nq; b0 += blocks ? 1 : nq) {
        int b1 = blocks ? b0 + 1 : nq;
        for (int w = 0; w < warmup; w++)
            for (int i = b0; i < b1; i++)
                if (!qs[i].failed && run_once(conn, qs[i].sql, qs[i].name, outdir ? &qs[i].first : NULL) < 0)
                    qs[i].failed = 1;
        double start = now_us();
        for (int r = 0; r < runs; r++) {
            if (r >= min_runs && now_us() - start > budget_s * (b1 - b0) * 1e6)
                break;
            for (int i = b0; i < b1; i++) {
                query_t *q = &qs[i];
                if (q->failed)
                    continue;
                double t0 = now_us();
                int rows = run_once(conn, q->sql, q->name, outdir ? &q->first : NULL);
                q->lat[q->n++] = now_us() - t0;
                if (rows < 0)
                    q->failed = 1;
                q->rows = rows;
            }
        }
    }
    int failed = 0;
    for (int i = 0; i < nq; i++) {
        query_t *q = &qs[i];
        if (outdir && q->first && !q->failed)
            write_rows(outdir, q->name, q->first);
        PQclear(q->first);
        if (q->failed || q->n == 0) {
            failed = 1;
            continue;
        }
        double sum = 0;
        for (int k = 0; k < q->n; k++)
            sum += q->lat[k];
        qsort(q->lat, (size_t)q->n, sizeof(double), cmp_double);
        printf("%s\t%d\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%d\n", q->name, q->n, pct(q->lat, q->n, 0.50),
               pct(q->lat, q->n, 0.99), q->lat[0], sum / q->n, q->lat[q->n - 1], q->rows);
        free(q->lat);
        free(q->sql);
    }
    free(qs);
    char path[64], line[256], hwm[64] = "n/a";
    snprintf(path, sizeof path, "/proc/%d/status", PQbackendPID(conn));
    FILE *st = fopen(path, "r");
    while (st && fgets(line, sizeof line, st))
        if (sscanf(line, "VmHWM: %63s", hwm) == 1)
            break;
    if (st)
        fclose(st);
    printf("backend\t%d\tvmhwm_kb\t%s\n", PQbackendPID(conn), hwm);
    PQfinish(conn);
    return failed;
}
