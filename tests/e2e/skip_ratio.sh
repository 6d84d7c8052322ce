#!/bin/bash
# skip_ratio.sh - kiln.build.cuboid-skip-ratio decides which cuboids a build stores.
#   (a) default (2): in CUBE (country, city, k) over data where city determines country, the
#       {city} cuboid has as many rows as {country, city}: it is not stored, and a query
#       grouping by city is answered from {country, city};
#   (b) 0 (store every cuboid): the same query reads the stored {city} cuboid;
#   (c) both answer with the sums computed from the file; SHOW prints the setting;
#   (d) a value outside 0..1000000 stops the server at startup, naming the option.
# Prints TAP. Env: KILN_BUILD.
# e2e-timeout: 120
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/kiln.sh"

kiln_tmpdir work skipratio
awk 'BEGIN {
    split("Paris,Lyon,Berlin,Munich,Rome,Milan", C, ","); split("FR,FR,DE,DE,IT,IT", K, ",")
    for (i = 1; i <= 600; i++) { c = i % 6 + 1; print C[c] "," K[c] "," i % 5 "," i }
}' >"$work/f.csv"
want=$(awk -F, '{ s[$1] += $4 } END { for (c in s) print c "|" s[c] }' "$work/f.csv" | sort)

kpsql() { psql -X -q -A -t -v ON_ERROR_STOP=1 -h "$KILN_HOST" -p "$KILN_PORT" -U kiln kiln "$@"; }
run_case() { # $1: label, $2: expected SHOW, $3: expected cuboid; the rest: kilnd options
    local label=$1 show=$2 cuboid=$3
    shift 3
    kiln_start -c kiln.auth.method=trust "$@" 2>"$work/start.err" ||
        { diag <"$work/start.err"; bail "kilnd does not start ($label)"; }
    is "$(kpsql -c 'SHOW "kiln.build.cuboid-skip-ratio"' 2>&1)" "$show" "$label: SHOW kiln.build.cuboid-skip-ratio"
    kpsql >"$work/ddl.out" 2>&1 <<SQL || { diag <"$work/ddl.out"; bail "cannot create the view ($label)"; }
CREATE SERVER files FOREIGN DATA WRAPPER file_fdw;
CREATE FOREIGN TABLE t (city text NOT NULL, country text NOT NULL, k integer NOT NULL, v integer NOT NULL)
    SERVER files OPTIONS (filename '$work/f.csv', format 'csv');
CREATE MATERIALIZED VIEW tv AS
    SELECT country, city, k, count(*) AS n, sum(v) AS s FROM t GROUP BY CUBE (country, city, k);
SQL
    local q="SELECT city, sum(v) FROM t GROUP BY city"
    like "$(kpsql -c "EXPLAIN $q" 2>&1)" "Cuboid: $cuboid \\(6 rows\\)" "$label: GROUP BY city reads cuboid {$cuboid}"
    is "$(kpsql -F '|' -c "$q" 2>&1 | sort)" "$want" "$label: its sums are the file's"
    kiln_stop
}

run_case "default" "2" "country, city"
run_case "store all" "0" "city" -c kiln.build.cuboid-skip-ratio=0

# a bad value: the server refuses to start and says why (timeout: a server that started anyway)
bin=$(kiln_bin)
out=$(timeout 10 "$bin" -c kiln.pg.port="$(free_port)" -c kiln.rest.port="$(free_port)" \
    -c kiln.data-dir="$work/bad" -c kiln.build.cuboid-skip-ratio=-1 </dev/null 2>&1)
rc=$?
if [ "$rc" != 0 ] && [ "$rc" != 124 ]; then
    ok "a negative kiln.build.cuboid-skip-ratio stops kilnd at startup (exit $rc)"
else
    not_ok "a negative kiln.build.cuboid-skip-ratio stops kilnd at startup (exit $rc)"
fi
like "$out" '-1 is outside the valid range for parameter "kiln.build.cuboid-skip-ratio" \(0 \.\. 1000000\)' \
    "... naming the option and its range"
done_testing
