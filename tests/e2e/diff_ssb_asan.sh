#!/bin/bash
# diff_ssb_asan.sh - tests/e2e/diff_ssb.sh (the SQL corpus over SSB data, every statement
# against PostgreSQL 15) with a kilnd built with AddressSanitizer and UBSan (tests/run's asan
# stage builds it in build/asan; KILN_ASAN_BUILD=DIR names another). The answers are
# diff_ssb's checks; what this adds is the server: a sanitizer report stops it
# (halt_on_error), and the statements after it fail.
# e2e-timeout: 900
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/kiln.sh"
asan=${KILN_ASAN_BUILD:-$KILN_TOP/build/asan}
if [ ! -x "$asan/kilnd" ]; then
    skip "diff_ssb against an ASan/UBSan kilnd" "no $asan/kilnd (tests/run's asan stage builds it)"
    done_testing
fi
if [ -n "${KILN_TEST_PORT:-}" ] || [ "${KILN_TEST_TARGET:-kiln}" != kiln ]; then
    skip "diff_ssb against an ASan/UBSan kilnd" "only meaningful for a kilnd this script starts"
    done_testing
fi
# Leaks are sanitized.sh's (it checks the exit); here any report stops the server at once.
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=0:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
KILN_BUILD=$asan exec bash "$here/diff_ssb.sh"
