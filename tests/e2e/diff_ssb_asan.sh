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
# Leaks are sanitized.sh's (it checks the exit); here any report stops the server at once.
asan_kilnd "diff_ssb" 0
KILN_BUILD=$ASAN_BUILD exec bash "$here/diff_ssb.sh"
