/*
 * page_cost.c - what a fresh anonymous page costs on this machine, as the
 * process's memory grows: maps and faults in (MADV_POPULATE_WRITE) N steps
 * of 512 MB, keeping them all, and prints each step's seconds per GB.
 *
 * Why: a cube build's time swings with the host. On the 2-vCPU VMs these
 * benchmarks run on, the first few GB a process takes cost about 0.25 s/GB
 * (the guest's fault and clear), the ones past a point that depends on the
 * host's state about 2.5 s/GB (the host must back them as well), so a
 * build's memory peak, not only its CPU work, sets its time. Run it before
 * reading a build time (docs/BENCHMARKS.md):
 *
 *   cc -O2 -o /tmp/page_cost tests/bench/page_cost.c && /tmp/page_cost 16
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    const size_t step = (size_t)512 << 20;
    int steps = argc > 1 ? atoi(argv[1]) : 16;
    printf("s/GB for each 512 MB step (process total after the step):\n");
    for (int i = 0; i < steps; i++) {
        char *p = mmap(NULL, step, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
            perror("mmap");
            return 1;
        }
        double t = now();
        if (madvise(p, step, MADV_POPULATE_WRITE) != 0) {
            perror("madvise(MADV_POPULATE_WRITE)");
            return 1;
        }
        printf("%5.1f GB  %.2f s/GB\n", (double)(i + 1) / 2, (now() - t) * 2);
        fflush(stdout);
    }
    return 0;
}
