# lib.sh - helpers of the SSB / differential e2e scripts (sourced, bash, after
# tests/lib/kiln.sh): SSB data, reference databases, the corpus as TAP.
#
#   ssb_gen_bin                      prints the path of kiln-ssbgen ($KILN_BUILD, else $KILN_TOP)
#   ssb_generate SF DIR              kiln-ssbgen -s SF -o DIR
#   ssb_sql FILE DIR                 prints contrib/ssb/FILE with @SSB_DIR@ replaced by DIR
#   ssb_ref_db NAME                  creates database NAME (owner $KILN_TEST_USER, C collation, so text
#                                    sorts by bytes as kiln does) in the reference started by pgref_start
#   ssb_ref_psql NAME ARGS...        psql as $KILN_TEST_USER over TCP into database NAME of the reference
#   ssb_ref_load NAME DIR            creates NAME and loads contrib/ssb/postgres.sql from DIR
#   ssb_ref_dsn NAME [USER]          libpq DSN of database NAME of the reference
#   diff_corpus_tap LABEL ARGS...    runs tests/diff/diffrun.py ARGS, re-emitting its results through
#                                    tap.sh (ok/not_ok "LABEL qNNN...", todo for a known failure listed
#                                    in tests/diff/known_failures) and its comments as diagnostics;
#                                    returns diffrun's exit status
SSB_TOP=${KILN_TOP:?source tests/lib/kiln.sh first}

ssb_gen_bin() {
    local b
    for b in "$KILN_BUILD/kiln-ssbgen" "$KILN_TOP/kiln-ssbgen"; do
        [ -x "$b" ] && { echo "$b"; return 0; }
    done
    echo "lib.sh: no kiln-ssbgen in $KILN_BUILD or $KILN_TOP (build first, or set KILN_BUILD)" >&2
    return 1
}

ssb_generate() {
    local bin
    bin=$(ssb_gen_bin) || return 1
    "$bin" -s "$1" -o "$2" -q
}

ssb_sql() {
    sed "s|@SSB_DIR@|$2|g" "$SSB_TOP/contrib/ssb/$1"
}

ssb_ref_db() {
    pgref_admin -c "CREATE DATABASE \"$1\" OWNER \"$KILN_TEST_USER\" TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'"
}

ssb_ref_psql() {
    local db=$1
    shift
    PGPASSWORD=$KILN_TEST_PASSWORD psql -X -q -v ON_ERROR_STOP=1 -h "$PGREF_HOST" -p "$PGREF_PORT" -U "$KILN_TEST_USER" -d "$db" "$@"
}

ssb_ref_load() {
    ssb_ref_db "$1" && ssb_sql postgres.sql "$2" | ssb_ref_psql "$1" >/dev/null
}

ssb_ref_dsn() {
    if [ "${2:-$KILN_TEST_USER}" = postgres ]; then
        echo "host=$PGREF_DIR port=$PGREF_PORT dbname=$1 user=postgres"
    else
        echo "host=$PGREF_HOST port=$PGREF_PORT dbname=$1 user=$KILN_TEST_USER password=$KILN_TEST_PASSWORD"
    fi
}

diff_corpus_tap() {
    local label=$1 line rc=
    shift
    while IFS= read -r line; do
        case $line in
        "ok "*) ok "$label ${line#ok * - }" ;;
        "not ok "*"# TODO "*)
            line=${line#not ok * - }
            todo "$label ${line%% # TODO *}" "${line#* # TODO }"
            ;;
        "not ok "*) not_ok "$label ${line#not ok * - }" ;;
        "Bail out!"*) not_ok "$label: ${line#Bail out! }" ;;
        "#rc="*) rc=${line#\#rc=} ;;
        "#"*) echo "$line" ;;
        esac
    done < <("${SYS_PYTHON:-/usr/bin/python3}" "$SSB_TOP/tests/diff/diffrun.py" "$@" 2>&1; echo "#rc=$?")
    return "${rc:-2}"
}
