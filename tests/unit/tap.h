/*
 * tap.h - a minimal TAP producer for unit tests (run by automake's tap-driver).
 *
 * A test file defines test functions and a table; tap_main runs each, printing
 * "ok N - name" or "not ok N - name" and a diagnostic for the first failed
 * assertion. Each test runs in a forked child with an alarm, so a crash or a
 * hang fails that test only (libuv's runner, Check's CK_FORK).
 */
#ifndef TESTS_TAP_H
#define TESTS_TAP_H

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct tap_test {
    const char *name;
    void (*fn)(void);
} tap_test_t;

#define TAP_FAIL(...)                                                          \
    do {                                                                       \
        fprintf(stdout, "# %s:%d: ", __FILE__, __LINE__);                      \
        fprintf(stdout, __VA_ARGS__);                                          \
        fprintf(stdout, "\n");                                                 \
        fflush(stdout);                                                        \
        _exit(1);                                                              \
    } while (0)

#define ASSERT(cond)                                                           \
    do {                                                                       \
        if (!(cond))                                                           \
            TAP_FAIL("assertion failed: %s", #cond);                           \
    } while (0)
#define ASSERT_EQ(a, b)                                                        \
    do {                                                                       \
        long long a_ = (long long)(a), b_ = (long long)(b);                    \
        if (a_ != b_)                                                          \
            TAP_FAIL("%s == %s: %lld != %lld", #a, #b, a_, b_);                \
    } while (0)
#define ASSERT_STREQ(a, b)                                                     \
    do {                                                                       \
        const char *a_ = (a), *b_ = (b);                                       \
        if (!a_ || !b_ || strcmp(a_, b_) != 0)                                 \
            TAP_FAIL("%s == %s: \"%s\" != \"%s\"", #a, #b, a_ ? a_ : "(null)", \
                     b_ ? b_ : "(null)");                                      \
    } while (0)

static inline int tap_main(const tap_test_t *tests, int n)
{
    int failed = 0;
    printf("1..%d\n", n);
    fflush(stdout);
    /* TAP_ONLY=N[,N...] runs only those tests (debugging one under valgrind). */
    const char *only = getenv("TAP_ONLY");
    for (int i = 0; i < n; i++) {
        if (only) {
            char num[16];
            snprintf(num, sizeof num, "%d", i + 1);
            const char *p = only;
            size_t k = strlen(num);
            while ((p = strstr(p, num)) && ((p > only && p[-1] != ',') || (p[k] && p[k] != ',')))
                p++;
            if (!p) {
                printf("ok %d - %s # SKIP not in TAP_ONLY\n", i + 1, tests[i].name);
                continue;
            }
        }
        pid_t pid = fork();
        if (pid == 0) {
            alarm(60);
            tests[i].fn();
            fflush(stdout);
            _exit(0);
        }
        int status = 0;
        waitpid(pid, &status, 0);
        int ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
        if (!ok && WIFSIGNALED(status))
            printf("# killed by signal %d\n", WTERMSIG(status));
        printf("%s %d - %s\n", ok ? "ok" : "not ok", i + 1, tests[i].name);
        fflush(stdout);
        failed += !ok;
    }
    return failed ? 1 : 0;
}

#define TAP_RUN(tests) tap_main((tests), (int)(sizeof(tests) / sizeof((tests)[0])))

#endif
