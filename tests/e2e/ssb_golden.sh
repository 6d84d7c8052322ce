#!/bin/bash
# ssb_golden.sh - pins the SSB generator and its answers (contrib/ssb/answers.tsv):
#   1. kiln-ssbgen at SF 0.01 and 0.1 writes exactly the pinned bytes (sha256), whatever
#      the thread count;
#   2. the files load into PostgreSQL 15 with contrib/ssb/postgres.sql, and row counts follow
#      ssb.md's formulas;
#   3. the 13 SSB queries and the two variants (contrib/ssb/queries) return the pinned row
#      counts and aggregate sums.
# Also reports the generator's speed at SF 1 when SSB_BENCH=1 (a diagnostic, never a test).
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/kiln.sh"
. "$KILN_TOP/tests/diff/lib.sh"

ANSWERS=$KILN_TOP/contrib/ssb/answers.tsv
PY=${SYS_PYTHON:-/usr/bin/python3}
bin=$(ssb_gen_bin) || bail "kiln-ssbgen is not built"
kiln_tmpdir work ssb
pgref_start trust || bail "cannot start the reference PostgreSQL 15"

for sf in 0.01 0.1; do
    dir=$work/sf$sf
    if ! "$bin" -s "$sf" -o "$dir" -q; then
        not_ok "kiln-ssbgen -s $sf"
        continue
    fi
    ok "kiln-ssbgen -s $sf"
    want=$(awk -F'\t' -v sf="$sf" '$1 == sf && $2 == "sha256" { print $4 "  " $3 }' "$ANSWERS")
    got=$(cd "$dir" && sha256sum *.tbl)
    is "$got" "$want" "SF $sf: the files have the pinned sha256"
    "$bin" -s "$sf" -o "$dir/j1" -j 1 -q && got1=$(cd "$dir/j1" && sha256sum *.tbl)
    is "${got1:-}" "$got" "SF $sf: one thread writes the same bytes"
    rm -rf "$dir/j1"

    db=ssb_$(tr -d . <<<"$sf")
    check "SF $sf: load into PostgreSQL with contrib/ssb/postgres.sql" ssb_ref_load "$db" "$dir" || continue
    counts=$(ssb_ref_psql "$db" -At -F' ' -c "SELECT (SELECT count(*) FROM customer), (SELECT count(*) FROM supplier),
        (SELECT count(*) FROM part), (SELECT count(DISTINCT lo_orderkey) FROM lineorder), (SELECT count(*) FROM dates),
        (SELECT count(*) FROM lineorder WHERE lo_pad IS NOT NULL)")
    want=$(awk -v sf="$sf" 'BEGIN { printf "%d %d %d %d 2556 0", 30000 * sf + 1e-6, 2000 * sf + 1e-6, 200000 * sf + 1e-6, 1500000 * sf + 1e-6 }')
    is "$counts" "$want" "SF $sf: customers suppliers parts orders dates (and empty pad fields) as ssb.md's formulas say"

    out=$("$PY" - "$(ssb_ref_dsn "$db")" "$sf" "$KILN_TOP/contrib/ssb/queries" "$ANSWERS" <<'PY'
import glob, os, sys
import psycopg2
dsn, sf, qdir, answers = sys.argv[1:5]
want = {}
for line in open(answers):
    f = line.rstrip("\n").split("\t")
    if line.startswith("#") or len(f) < 4 or f[0] != sf or f[1] == "sha256":
        continue
    want[f[1]] = (int(f[2]), int(f[3]))
conn = psycopg2.connect(dsn)
conn.autocommit = True
files = sorted(glob.glob(os.path.join(qdir, "q*.sql"))) + sorted(glob.glob(os.path.join(qdir, "variants", "q*.sql")))
for path in files:
    name = os.path.basename(path)[:-4]
    cur = conn.cursor()
    cur.execute(open(path).read())
    cols = [d.name for d in cur.description]
    rows = cur.fetchall()
    agg = [i for i, c in enumerate(cols) if c in ("revenue", "sum", "profit")][0]
    got = (len(rows), sum(r[agg] or 0 for r in rows))
    exp = want.get(name)
    status = "ok" if got == exp else "not ok"
    print("%s %s rows %d sum %d%s" % (status, name, got[0], got[1], "" if got == exp else " (pinned: %s)" % (exp,)))
PY
)
    n=0
    while IFS= read -r line; do
        case $line in
        "ok "*) ok "SF $sf: ${line#ok }"; n=$((n + 1)) ;;
        "not ok "*) not_ok "SF $sf: ${line#not ok }"; n=$((n + 1)) ;;
        *) diag "$line" ;;
        esac
    done <<<"$out"
    [ "$n" -eq 15 ] || not_ok "SF $sf: ran the 13 SSB queries and 2 variants (ran $n)"
done

if [ "${SSB_BENCH:-0}" = 1 ]; then
    "$bin" -s 1 -o "$work/sf1" 2>&1 | diag
fi
done_testing
