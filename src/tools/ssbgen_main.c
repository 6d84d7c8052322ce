/*
 * ssbgen_main.c - kiln-ssbgen: the command line of the SSB data generator.
 *
 * kiln-ssbgen -s SF -o DIR [-T table]... [-j threads] [-q]
 * Writes DIR/lineorder.tbl, customer.tbl, supplier.tbl, part.tbl and
 * date.tbl (or only the tables named by -T), creating DIR if needed, and
 * reports rows, bytes and speed per table on stderr. The generation itself
 * is in ssbgen.c; this file only parses arguments and times the work.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/err.h"
#include "tools/ssbgen.h"

static void usage(FILE *out)
{
    fprintf(out,
            "kiln-ssbgen - Star Schema Benchmark data generator (dbgen-style .tbl files)\n\n"
            "usage: kiln-ssbgen -s SF -o DIR [-T table]... [-j threads] [-q]\n\n"
            "  -s, --scale SF      scale factor, fractions allowed (0.01 is about 60,000 lineorder rows)\n"
            "  -o, --output DIR    output directory (created if missing)\n"
            "  -T, --table T       only this table: lineorder|customer|supplier|part|date or l|c|s|p|d\n"
            "                      (repeatable; default all five; 'a' means all)\n"
            "  -j, --threads N     worker threads (default: one per CPU); the output does not depend on it\n"
            "  -q, --quiet         no per-table report on stderr\n"
            "  --version           print the version and exit\n\n"
            "Files: fields separated by '|', a trailing '|' on every line (as dbgen), dates as yyyymmdd.\n"
            "The same scale factor always gives the same bytes.\n");
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "scale", required_argument, NULL, 's' },
        { "output", required_argument, NULL, 'o' },
        { "table", required_argument, NULL, 'T' },
        { "threads", required_argument, NULL, 'j' },
        { "quiet", no_argument, NULL, 'q' },
        { "version", no_argument, NULL, 'V' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    double sf = 0;
    const char *dir = NULL;
    int want[SSBGEN__COUNT] = { 0 };
    int any = 0, threads = 0, quiet = 0, c;
    char *end;

    while ((c = getopt_long(argc, argv, "s:o:T:j:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 's':
            errno = 0;
            sf = strtod(optarg, &end);
            if (errno || end == optarg || *end) {
                fprintf(stderr, "kiln-ssbgen: invalid scale factor \"%s\"\n", optarg);
                return 2;
            }
            break;
        case 'o': dir = optarg; break;
        case 'T':
            if (strcmp(optarg, "a") == 0 || strcmp(optarg, "all") == 0) {
                for (int t = 0; t < SSBGEN__COUNT; t++)
                    want[t] = 1;
            } else {
                int t = ssbgen_table_parse(optarg);
                if (t < 0) {
                    fprintf(stderr, "kiln-ssbgen: unknown table \"%s\"\n", optarg);
                    return 2;
                }
                want[t] = 1;
            }
            any = 1;
            break;
        case 'j':
            threads = (int)strtol(optarg, &end, 10);
            if (*end || threads < 0) {
                fprintf(stderr, "kiln-ssbgen: invalid thread count \"%s\"\n", optarg);
                return 2;
            }
            break;
        case 'q': quiet = 1; break;
        case 'V': printf("kiln-ssbgen (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION); return 0;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc || sf == 0 || !dir) {
        usage(stderr);
        return 2;
    }
    if (!any) {
        for (int t = 0; t < SSBGEN__COUNT; t++)
            want[t] = 1;
    }

    err_t err = { 0 };
    ssbgen_scale_t scale;
    if (ssbgen_scale_init(&scale, sf, &err) != 0) {
        fprintf(stderr, "kiln-ssbgen: %s\n", err.message);
        return 2;
    }
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "kiln-ssbgen: could not create directory \"%s\": %s\n", dir, strerror(errno));
        return 1;
    }

    double t_all = now_s();
    uint64_t bytes_all = 0;
    for (int t = 0; t < SSBGEN__COUNT; t++) {
        if (!want[t])
            continue;
        ssbgen_stats_t st;
        double t0 = now_s();
        if (ssbgen_write_table(&scale, (ssbgen_table_t)t, dir, threads, &st, &err) != 0) {
            fprintf(stderr, "kiln-ssbgen: %s\n", err.message);
            return 1;
        }
        double dt = now_s() - t0;
        bytes_all += st.bytes;
        if (!quiet)
            fprintf(stderr, "%s/%s.tbl: %lld rows, %.1f MB in %.2f s (%.0f MB/s)\n", dir,
                    ssbgen_table_name((ssbgen_table_t)t), (long long)st.rows, (double)st.bytes / 1e6, dt,
                    dt > 0 ? (double)st.bytes / 1e6 / dt : 0.0);
    }
    if (!quiet) {
        double dt = now_s() - t_all;
        fprintf(stderr, "SF %g: %.1f MB in %.2f s (%.0f MB/s)\n", sf, (double)bytes_all / 1e6, dt,
                dt > 0 ? (double)bytes_all / 1e6 / dt : 0.0);
    }
    return 0;
}
