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
# Leaks are sanitized.sh's (it checks the exit); here any report stops the server at once.
asan_kilnd "cube_diff" 0
export CUBE_DIFF_QUERIES=${CUBE_DIFF_QUERIES:-20}
KILN_BUILD=$ASAN_BUILD exec bash "$here/cube_diff.sh"
