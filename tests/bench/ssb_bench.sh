#!/bin/bash
# ssb_bench.sh - Star Schema Benchmark: kiln (answering from the SSB cube) vs PostgreSQL 15 vs
# DuckDB, on the same .tbl files, same machine, same run. A benchmark, not a test: nothing
# fails on a number, but the script exits 1 if the 13 answers are not identical everywhere.
#
#   KILN_BUILD=/path/to/build bash tests/bench/ssb_bench.sh [-s SF] [options]
#
#   -s SF              scale factor (default 1); data from kiln-ssbgen in $SSB_DIR
#                      (default /tmp/kiln-ssb-sfSF; reused when complete: the generator is
#                      deterministic)
#   -n RUNS            timed runs per query on kiln (default 2000; also the cap for the others)
#   --pg-runs N        timed runs per query on PostgreSQL (default 15)
#   --duck-runs N      timed runs per query on DuckDB (default 30)
#   -t SECONDS         time budget per query and system (default 60; at least 5 runs)
#   --threads N        DuckDB threads (default: nproc)
#   --builds N         builds of the cube (default 3): the CREATE MATERIALIZED VIEW, then N - 1
#                      REFRESH MATERIALIZED VIEW, each a whole build from the .tbl files; the
#                      report gives each and their median, which the build rate uses (the
#                      first build on a fresh VM pays the host's first touch of the memory)
#   --cube FILE        the cube's CREATE MATERIALIZED VIEW (default contrib/ssb/cube.sql, Kylin's
#                      design; contrib/ssb/cube_queries.sql is one cuboid per query shape)
#   --no-pg / --no-duckdb   skip a peer
#   -o DIR             results directory (default /tmp/kiln-ssb-bench-sfSF.<date>); kept
#
# What it does, one system at a time (the machine has 2 vCPUs; nothing heavy overlaps):
#  1. kiln-ssbgen -s SF.
#  2. kiln: kilnd ($KILN_BUILD/kilnd) with trust auth on 127.0.0.1; contrib/ssb/kiln.sql declares
#     the five tables over the files; contrib/ssb/cube.sql (CREATE MATERIALIZED VIEW) builds
#     the cube, timed (wall, and kilnd's CPU time from /proc/PID/stat), then rebuilds it --builds
#     times in all (REFRESH MATERIALIZED VIEW), timed the same way. EXPLAIN of each query
#     (cuboid, its rows, rows touched after the seeks). Latency: tests/bench/ssb_lat (compiled
#     here with cc -lpq), one libpq connection, simple protocol, 3 warm-up rounds, then timed
#     rounds of every query once (SELECT 1 first, as the round trip's baseline); then again with
#     each query's runs back to back ("same": the session's statement cache hits; with 13
#     queries in rounds it does not). kilnd's peak RSS (VmHWM) after the build and after the
#     queries; bytes of the storage root (du).
#  3. PostgreSQL 15 (tests/lib/pgref.sh; shared_buffers 6GB, work_mem 256MB, 2 parallel
#     workers per gather, fsync off): contrib/ssb/postgres.sql (\copy + ANALYZE), timed;
#     the same ssb_lat runs; pg_total_relation_size of the five tables; VmHWM of the server
#     processes alive at the end.
#  4. DuckDB: npm @duckdb/node-api installed under /tmp (DUCKDB_NODE_DIR, default
#     /tmp/kiln-bench-duckdb; reused), tests/bench/ssb_duckdb.mjs loads the same files into a
#     database file with postgres.sql's DDL and times the same SQL in-process.
#  5. The 13 results compared byte for byte (psql -A -t -F '|' format), then the tables:
#     per query p50 / p99 in ms for each system and the speedups (peer p50 / kiln p50).
# Results: DIR/report.md (also printed), DIR/{kiln,pg,duckdb}.lat, DIR/*/qN.out, DIR/explain/.
set -u
KILN_CLIENT_TIMEOUT=${KILN_CLIENT_TIMEOUT:-14400} # psql's bound (common.sh): builds and loads take minutes
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/kiln.sh"
. "$KILN_TOP/tests/diff/lib.sh"

sf=1 kruns=2000 pgruns=15 duckruns=30 budget=60 threads=$(nproc) do_pg=1 do_duck=1 out= builds=3
cube_sql=$KILN_TOP/contrib/ssb/cube.sql
while [ $# -gt 0 ]; do
    case "$1" in
    -s) sf=$2; shift 2 ;;
    -n) kruns=$2; shift 2 ;;
    --pg-runs) pgruns=$2; shift 2 ;;
    --duck-runs) duckruns=$2; shift 2 ;;
    -t) budget=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --builds) builds=$2; shift 2 ;;
    --cube) cube_sql=$(cd "$(dirname "$2")" && pwd)/$(basename "$2"); shift 2 ;;
    --no-pg) do_pg=0; shift ;;
    --no-duckdb) do_duck=0; shift ;;
    -o) out=$2; shift 2 ;;
    *) sed -n '2,/^set -u/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
    esac
done
ssb=${SSB_DIR:-/tmp/kiln-ssb-sf$sf}
out=${out:-/tmp/kiln-ssb-bench-sf$sf.$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"/kiln "$out"/pg "$out"/duckdb "$out"/explain
queries=("$KILN_TOP"/contrib/ssb/queries/q*.sql)
base=$here/select1.sql # SELECT 1: the round trip and the machine's scheduling noise, as a baseline
log() { echo "$*" | tee -a "$out/log.txt"; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
hwm_kb() { sed -n 's/^VmHWM:\s*\([0-9]*\) kB/\1/p' "/proc/$1/status" 2>/dev/null; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", b - a}'; }
mib() { awk -v b="$1" 'BEGIN {printf "%.1f MiB", b / 1048576}'; }

log "# SSB benchmark, SF $sf, $(date -u '+%Y-%m-%d %H:%M UTC')"
log "machine: $(nproc) vCPU, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(uname -sr)"
log "kiln: $(git -C "$KILN_TOP" rev-parse --short HEAD 2>/dev/null)$(git -C "$KILN_TOP" diff --quiet HEAD -- src include 2>/dev/null || echo ' (+ local changes)'), kilnd $(kiln_bin)"
log "load average at start: $(load)"

# ---- the latency client ----
lat=$out/ssb_lat
cc -O2 -o "$lat" "$here/ssb_lat.c" -I"$(pg_config --includedir)" -lpq || { echo "cannot build ssb_lat" >&2; exit 1; }

# ---- data ----
if [ ! -f "$ssb/lineorder.tbl" ] || [ ! -f "$ssb/date.tbl" ] || [ ! -f "$ssb/customer.tbl" ] ||
   [ ! -f "$ssb/supplier.tbl" ] || [ ! -f "$ssb/part.tbl" ]; then
    mkdir -p "$ssb"
    t0=$(now)
    "$(ssb_gen_bin)" -s "$sf" -o "$ssb" -q || { echo "kiln-ssbgen failed" >&2; exit 1; }
    log "generated SF $sf into $ssb in $(secs "$t0" "$(now)") s"
else
    log "reusing SF $sf data in $ssb"
fi
lo_rows=$(wc -l <"$ssb/lineorder.tbl")
log "lineorder: $lo_rows rows, $(du -sb "$ssb" | cut -f1) bytes of .tbl files"
cat "$ssb"/*.tbl >/dev/null # page cache: every system reads the files from memory

# ---- kiln ----
log ""
log "## kiln (load average $(load))"
kiln_start -c kiln.auth.method=trust -c kiln.log.level=warn || { echo "kilnd did not start" >&2; exit 1; }
kdsn="host=127.0.0.1 port=$KILN_PORT user=$KILN_TEST_USER dbname=$KILN_TEST_DB"
kpsql() { psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$KILN_PORT" -U "$KILN_TEST_USER" -d "$KILN_TEST_DB" "$@"; }
ssb_sql kiln.sql "$ssb" | kpsql >"$out/kiln/ddl.out" 2>&1 || { cat "$out/kiln/ddl.out" >&2; exit 1; }
c0=$(cpu_ticks "$KILN_PID") t0=$(now)
kpsql -f "$cube_sql" >"$out/kiln/build.out" 2>&1 ||
    { echo "the build failed (psql exit $?):" >&2; cat "$out/kiln/build.out" >&2; tail "$KILN_LOG" >&2; exit 1; }
t1=$(now) c1=$(cpu_ticks "$KILN_PID")
hz=$(getconf CLK_TCK)
k_build=$(secs "$t0" "$t1")
k_build_cpu=$(awk -v a="$c0" -v b="$c1" -v hz="$hz" 'BEGIN {printf "%.2f", (b - a) / hz}')
k_hwm_build=$(hwm_kb "$KILN_PID")
storage=$KILN_DATA/data/storage
k_bytes=$(du -sb "$storage" | cut -f1)
k_files=$(find "$storage" -type f | wc -l)
log "build 1 (CREATE MATERIALIZED VIEW, ${cube_sql#"$KILN_TOP"/}): $k_build s wall, $k_build_cpu s CPU of kilnd; load average $(load)"
log "  $(grep -o 'refresh of.* done.*' "$out/kiln/build.out" | tail -1)"
log "  storage root $storage: $k_bytes bytes ($(mib "$k_bytes")) in $k_files files; kilnd VmHWM $k_hwm_build kB"
# the same build again (REFRESH): "wall cpu" per build, the median picked below
mv_name=$(sed -n 's/^[[:space:]]*CREATE[[:space:]]\{1,\}MATERIALIZED[[:space:]]\{1,\}VIEW[[:space:]]\{1,\}\([A-Za-z_][A-Za-z0-9_]*\).*/\1/Ip' "$cube_sql" | head -1)
echo "$k_build $k_build_cpu" >"$out/kiln/builds.txt"
for ((bi = 2; bi <= builds; bi++)); do
    [ -n "$mv_name" ] || break
    c0=$(cpu_ticks "$KILN_PID") t0=$(now)
    kpsql -c "REFRESH MATERIALIZED VIEW $mv_name" >"$out/kiln/build$bi.out" 2>&1 ||
        { echo "build $bi failed:" >&2; cat "$out/kiln/build$bi.out" >&2; tail "$KILN_LOG" >&2; exit 1; }
    t1=$(now) c1=$(cpu_ticks "$KILN_PID")
    w=$(secs "$t0" "$t1") c=$(awk -v a="$c0" -v b="$c1" -v hz="$hz" 'BEGIN {printf "%.2f", (b - a) / hz}')
    echo "$w $c" >>"$out/kiln/builds.txt"
    log "build $bi (REFRESH MATERIALIZED VIEW $mv_name): $w s wall, $c s CPU of kilnd; load average $(load)"
done
k_builds=$(awk '{printf "%s%s", (NR > 1 ? ", " : ""), $1}' "$out/kiln/builds.txt")
read -r k_build k_build_cpu < <(sort -n "$out/kiln/builds.txt" | awk '{w[NR] = $1; c[NR] = $2} END {m = int((NR + 1) / 2); print w[m], c[m]}')
k_hwm_build=$(hwm_kb "$KILN_PID")
log "builds (s wall): $k_builds; median $k_build s wall, $k_build_cpu s CPU; kilnd VmHWM $k_hwm_build kB"
for q in "${queries[@]}"; do
    n=$(basename "$q" .sql)
    { echo "EXPLAIN"; cat "$q"; } | kpsql -A -t >"$out/explain/$n.txt" 2>&1
done
log "kiln latency: $kruns runs per query (budget $budget s), load average $(load)"
"$lat" -d "$kdsn" -n "$kruns" -t "$budget" -o "$out/kiln" "$base" "${queries[@]}" >"$out/kiln.lat" || log "  (kiln: some query failed, see above)"
log "kiln latency, each query's runs back to back (the session's statement cache hits), load average $(load)"
"$lat" -b -d "$kdsn" -n "$kruns" -t "$budget" "$base" "${queries[@]}" >"$out/kiln-repeat.lat" || log "  (kiln: some query failed)"
k_hwm=$(hwm_kb "$KILN_PID")
log "  done; kilnd VmHWM $k_hwm kB; load average $(load)"
kiln_stop

# ---- PostgreSQL ----
if [ "$do_pg" = 1 ]; then
    log ""
    log "## PostgreSQL 15 (load average $(load))"
    pgref_start trust || { echo "PostgreSQL did not start" >&2; exit 1; }
    pgref_conf "shared_buffers = '6GB'" "work_mem = '256MB'" "max_parallel_workers_per_gather = 2" \
        "max_wal_size = '16GB'" "checkpoint_timeout = '1h'"
    t0=$(now)
    ssb_ref_load ssb "$ssb" || { echo "PostgreSQL load failed" >&2; exit 1; }
    pg_load=$(secs "$t0" "$(now)")
    pg_bytes=$(ssb_ref_psql ssb -A -t -c "SELECT sum(pg_total_relation_size(c::regclass)) FROM unnest(array['lineorder','customer','supplier','part','dates']) c")
    pg_version=$(ssb_ref_psql ssb -A -t -c "SHOW server_version")
    log "PostgreSQL $pg_version: load (\\copy + ANALYZE) $pg_load s; tables $pg_bytes bytes ($(mib "$pg_bytes")); load average $(load)"
    log "PostgreSQL latency: $pgruns runs per query (budget $budget s)"
    "$lat" -d "$(ssb_ref_dsn ssb)" -n "$kruns" -t "$budget" "$base" >"$out/pg.lat" &&
    "$lat" -d "$(ssb_ref_dsn ssb)" -w 2 -n "$pgruns" -t "$budget" -o "$out/pg" "${queries[@]}" >>"$out/pg.lat" ||
        log "  (PostgreSQL: some query failed)"
    pg_hwm=$(awk '$1 == "backend" && $4 ~ /^[0-9]+$/ {if ($4 > m) m = $4} END {print m + 0}' "$out/pg.lat")
    pm=$(head -1 "$PGREF_DIR/data/postmaster.pid")
    for p in $pm $(ps -o pid= --ppid "$pm"); do
        h=$(hwm_kb "$p")
        [ -n "$h" ] && [ "$h" -gt "$pg_hwm" ] && pg_hwm=$h
    done
    log "  done; largest VmHWM of the query backend and the server processes alive now: $pg_hwm kB; load average $(load)"
    pgref_stop
fi

# ---- DuckDB ----
if [ "$do_duck" = 1 ]; then
    log ""
    log "## DuckDB (load average $(load))"
    ddir=${DUCKDB_NODE_DIR:-/tmp/kiln-bench-duckdb}
    if [ ! -f "$ddir/node_modules/@duckdb/node-api/package.json" ]; then
        mkdir -p "$ddir" && (cd "$ddir" && npm install --no-audit --no-fund --silent @duckdb/node-api) ||
            { echo "npm install @duckdb/node-api failed" >&2; exit 1; }
    fi
    duck_version=$(sed -n 's/^ *"version": "\(.*\)",/\1/p' "$ddir/node_modules/@duckdb/node-api/package.json")
    ddb=$out/duckdb/ssb.duckdb
    rm -f "$ddb" "$ddb.wal"
    node "$here/ssb_duckdb.mjs" --modules "$ddir/node_modules" --db "$ddb" --ssb "$ssb" \
        --postgres-sql "$KILN_TOP/contrib/ssb/postgres.sql" --threads "$threads" --runs "$duckruns" \
        --seconds "$budget" --out "$out/duckdb" "$base" "${queries[@]}" >"$out/duckdb.raw" 2>"$out/duckdb.err" ||
        { cat "$out/duckdb.err" >&2; log "  (DuckDB failed)"; }
    grep -v '^load_ms\|^vmhwm_kb' "$out/duckdb.raw" >"$out/duckdb.lat"
    duck_load=$(awk '$1 == "load_ms" {printf "%.2f", $2 / 1000}' "$out/duckdb.raw")
    duck_hwm=$(awk '$1 == "vmhwm_kb" {print $2}' "$out/duckdb.raw")
    duck_bytes=$(stat -c %s "$ddb" 2>/dev/null || echo 0)
    log "DuckDB $duck_version ($threads threads): load $duck_load s; file $duck_bytes bytes ($(mib "$duck_bytes")); node VmHWM $duck_hwm kB; load average $(load)"
fi
log ""
log "load average at the end: $(load)"

# ---- answers ----
same=1
for q in "${queries[@]}"; do
    n=$(basename "$q" .sql)
    for peer in pg duckdb; do
        [ "$peer" = pg ] && [ "$do_pg" = 0 ] && continue
        [ "$peer" = duckdb ] && [ "$do_duck" = 0 ] && continue
        if ! cmp -s "$out/kiln/$n.out" "$out/$peer/$n.out"; then
            same=0
            log "DIFFERENT: $n kiln vs $peer"
            diff "$out/$peer/$n.out" "$out/kiln/$n.out" | head -6 | tee -a "$out/log.txt"
        fi
    done
done
[ "$same" = 1 ] && log "answers: all 13 identical across kiln$([ "$do_pg" = 1 ] && echo ", PostgreSQL")$([ "$do_duck" = 1 ] && echo ", DuckDB") ($(cat "$out"/kiln/q*.out | wc -l) rows in all)"
cube=1
for q in "${queries[@]}"; do
    n=$(basename "$q" .sql)
    grep -q 'Cube Scan on ' "$out/explain/$n.txt" || { cube=0; log "NOT FROM THE CUBE: $n"; }
done
[ "$cube" = 1 ] && log "EXPLAIN: all 13 answered by a $(grep -ho 'Cube Scan on [a-z_0-9]*' "$out"/explain/q*.txt | sort -u | tr '\n' ' ')"

# ---- report ----
{
    echo ""
    echo "Per query, warm, ms (kiln and PostgreSQL: one libpq client over TCP 127.0.0.1, simple protocol;"
    echo "DuckDB: in-process). Queries in rounds (each query once per round); kiln \"same\": each query's runs"
    echo "back to back (the session's statement cache hits). Speedup = peer p50 / kiln p50 (rounds)."
    echo ""
    echo "| query | rows | kiln p50 | kiln p99 | kiln same p50 | kiln same p99 | PG p50 | PG p99 | DuckDB p50 | DuckDB p99 | PG / kiln | DuckDB / kiln | kiln cuboid (rows): rows touched |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    for q in "$base" "${queries[@]}"; do
        n=$(basename "$q" .sql)
        k=$(awk -v n="$n" '$1 == n' "$out/kiln.lat")
        kr=$(awk -v n="$n" '$1 == n' "$out/kiln-repeat.lat")
        p=$(awk -v n="$n" '$1 == n' "$out/pg.lat" 2>/dev/null)
        d=$(awk -v n="$n" '$1 == n' "$out/duckdb.lat" 2>/dev/null)
        cub=$([ -f "$out/explain/$n.txt" ] && grep -m1 -i 'cuboid' "$out/explain/$n.txt" | sed 's/^ *//; s/^Cuboid: *//; s/|/\\|/g')
        tch=$([ -f "$out/explain/$n.txt" ] && sed -n 's/^ *Rows Touched: //p' "$out/explain/$n.txt" | head -1)
        [ -n "$tch" ] && cub="$cub: $tch"
        [ "$n" = select1 ] && cub="(baseline: no table)"
        awk -v n="${n#q}" -v k="$k" -v kr="$kr" -v p="$p" -v d="$d" -v cub="$cub" 'BEGIN {
            split(k, K, "\t"); split(kr, R, "\t"); split(p, P, "\t"); split(d, D, "\t")
            f = "%.3f"
            kp50 = K[3] / 1000; kp99 = K[4] / 1000
            printf "| %s | %s | " f " | " f " | ", (n == "select1" ? "SELECT 1" : "Q" n), K[8], kp50, kp99
            if (kr != "") printf f " | " f " | ", R[3] / 1000, R[4] / 1000; else printf "- | - | "
            g = (n == "select1" ? "%.3f" : "%.1f")
            if (p != "") printf g " | " g " | ", P[3] / 1000, P[4] / 1000; else printf "- | - | "
            if (d != "") printf g " | " g " | ", D[3] / 1000, D[4] / 1000; else printf "- | - | "
            if (p != "" && kp50 > 0 && n != "select1") printf "%.0fx | ", P[3] / K[3]; else printf "- | "
            if (d != "" && kp50 > 0 && n != "select1") printf "%.0fx | ", D[3] / K[3]; else printf "- | "
            printf "%s |\n", cub
        }'
    done
    for f in kiln kiln-repeat; do
        awk -F'\t' -v f="$f" '$1 !~ /^q/ {next} {s += $3 / 1000; if ($3 / 1000 > 0.5) slow50++; if ($4 / 1000 > 2) slow99++; n++}
            END {printf "\n%s: sum of p50 over the %d queries %.2f ms; p50 > 0.5 ms: %d, p99 > 2 ms: %d\n",
                 (f == "kiln" ? "kiln (rounds)" : "kiln (same statement repeated)"), n, s, slow50, slow99}' "$out/$f.lat"
    done
    echo ""
    echo "| | kiln | PostgreSQL 15 | DuckDB |"
    echo "|---|---|---|---|"
    echo "| load / build | build $k_build s wall ($k_build_cpu s CPU) from the .tbl files, the median of $(wc -l <"$out/kiln/builds.txt") ($k_builds s) | load ${pg_load:--} s (\\copy + ANALYZE) | load ${duck_load:--} s (COPY) |"
    awk -v r="$lo_rows" -v w="$k_build" -v c="$k_build_cpu" -v nc="$(nproc)" 'BEGIN {
        printf "| kiln build rate | %.2f M rows/s wall, %.2f M rows/s/core (wall x %d cores), %.2f M rows per CPU-second | | |\n", r / w / 1e6, r / w / nc / 1e6, nc, r / c / 1e6 }'
    echo "| peak RSS | kilnd VmHWM $(mib $((k_hwm * 1024))) (after build $(mib $((k_hwm_build * 1024)))) | largest server process VmHWM $(mib $((${pg_hwm:-0} * 1024))) | node process VmHWM $(mib $((${duck_hwm:-0} * 1024))) |"
    echo "| bytes on disk | storage root $k_bytes ($(mib "$k_bytes")) | 5 tables $(echo "${pg_bytes:-0}") ($(mib "${pg_bytes:-0}")) | database file $(echo "${duck_bytes:-0}") ($(mib "${duck_bytes:-0}")) |"
    echo ""
    echo "Source .tbl files: $(du -sb "$ssb" | cut -f1) bytes, lineorder $lo_rows rows."
} | tee "$out/report.md" | tee -a "$out/log.txt"
echo "results in $out"
[ "$same" = 1 ] && [ "$cube" = 1 ]
