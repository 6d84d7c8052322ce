#!/bin/bash
# regress.sh - the SQL regression tests (tests/schedule, sql/NAME.sql -> tests/expected/NAME.out)
# through pg_regress and real psql, one TAP line per test:
#   1. against a reference PostgreSQL 15: the expected files still are what PostgreSQL prints
#      (skip with KILN_REGRESS_ORACLE=0);
#   2. against the server under test (kilnd by default; see tests/lib/kiln.sh for
#      KILN_TEST_TARGET and KILN_TEST_HOST/PORT).
# Diffs of failing tests are printed as TAP diagnostics.
# e2e-timeout: 300
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/kiln.sh"

run() { # run LABEL ARGS...: regress.sh ARGS, one TAP line per test
    local label=$1 out line name result
    shift
    kiln_tmpdir out regress
    bash "$KILN_TOP/tests/lib/regress.sh" --outdir "$out" "$@" >"$out/stdout" 2>&1
    local n=0
    while IFS= read -r line; do
        # "test NAME ... ok  12 ms" (serial) or "     NAME ... FAILED  3 ms" (parallel group)
        if [[ $line =~ ^(test\ )?[[:space:]]*([A-Za-z0-9_]+)[[:space:]]+\.\.\.[[:space:]]+(ok|FAILED|failed\ \(ignored\))(.*)$ ]]; then
            name=${BASH_REMATCH[2]} result=${BASH_REMATCH[3]}
            n=$((n + 1))
            if [ "$result" = ok ]; then
                ok "$label: $name"
            else
                local why=${BASH_REMATCH[4]}
                [[ $why == *exited* ]] && why=" (${why#*(}" || why=
                not_ok "$label: $name${why%% *ms}"
                [ -f "$out/regression.diffs" ] &&
                    awk -v t="/$name.out" 'index($0, "diff ") == 1 { p = index($0, t) > 0 } p' "$out/regression.diffs" | head -60 | diag
            fi
        fi
    done <"$out/stdout"
    if [ $n -eq 0 ]; then
        not_ok "$label: pg_regress ran no test"
        diag <"$out/stdout"
    fi
}

if [ "${KILN_REGRESS_ORACLE:-1}" = 1 ] && [ "${KILN_TEST_TARGET:-kiln}" = kiln ] && [ -z "${KILN_TEST_PORT:-}" ]; then
    run "PostgreSQL 15 prints the expected output" --oracle
fi

if server_start trust; then
    run "$SRV_KIND" --host "$SRV_HOST" --port "$SRV_PORT" --user "$SRV_USER" --dbname "$SRV_DB"
    check "$SRV_KIND still accepts connections after the regression tests" server_alive
else
    not_ok "start $SRV_KIND for the regression tests"
fi
done_testing
