#!/bin/bash
# cube_diff_asan.sh - tests/e2e/cube_diff.sh (every cube design and generated query against
# PostgreSQL 15) with a kilnd built with AddressSanitizer and UBSan (tests/run's asan stage
# builds it in build/asan; KILN_ASAN_BUILD=DIR names another). The answers are cube_diff's
# checks; what this adds is the server: a sanitizer report stops it (halt_on_error), and
# cube_diff's last check, that kilnd still accepts connections, fails. It found a string_agg
# of an empty string passing NULL to memcpy, which the plain build survives silently.
# e2e-timeout: 600
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/kiln.sh"
asan=${KILN_ASAN_BUILD:-$KILN_TOP/build/asan}
if [ ! -x "$asan/kilnd" ]; then
    skip "cube_diff against an ASan/UBSan kilnd" "no $asan/kilnd (tests/run's asan stage builds it)"
    done_testing
fi
if [ -n "${KILN_TEST_PORT:-}" ] || [ "${KILN_TEST_TARGET:-kiln}" != kiln ]; then
    skip "cube_diff against an ASan/UBSan kilnd" "only meaningful for a kilnd this script starts"
    done_testing
fi
# Leaks are sanitized.sh's (it checks the exit); here any report stops the server at once.
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=0:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export CUBE_DIFF_QUERIES=${CUBE_DIFF_QUERIES:-20}
KILN_BUILD=$asan exec bash "$here/cube_diff.sh"
