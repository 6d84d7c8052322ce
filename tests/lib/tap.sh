# tap.sh - TAP output for the e2e scripts (sourced, bash).
#
#   ok DESC / not_ok DESC       one result line, numbered
#   todo DESC REASON            "not ok N - DESC # TODO REASON": a known bug, listed in the
#                               test's own known-failures file; not counted as a failure
#   check DESC CMD [ARG...]     runs CMD; ok when it exits 0
#   is GOT WANT DESC            string equality; on failure prints both as diagnostics
#   like GOT ERE DESC           GOT matches the extended regex ERE (grep -E, multi-line GOT)
#   unlike GOT ERE DESC         GOT does not match ERE
#   skip DESC REASON            "ok N - DESC # SKIP REASON": only for a real reason, never to hide a failure
#   diag TEXT...                "# TEXT" lines (stdin when no argument)
#   bail REASON                 "Bail out!", runs the exit traps, exits 1
#   tap_relay FILE              re-numbers the ok / not ok lines of another TAP producer
#                               into ours, keeps its "#" lines; sets TAP_RELAYED to their count
#   done_testing                prints the plan "1..N" and exits 1 if anything failed
#
# tests/run counts the "ok"/"not ok" lines; the plan comes at the end because
# the number of checks may depend on what the server does.
TAP_N=0
TAP_FAILED=0

ok() {
    TAP_N=$((TAP_N + 1))
    echo "ok $TAP_N - $*"
}

not_ok() {
    TAP_N=$((TAP_N + 1))
    TAP_FAILED=$((TAP_FAILED + 1))
    echo "not ok $TAP_N - $*"
}

todo() {
    TAP_N=$((TAP_N + 1))
    echo "not ok $TAP_N - $1 # TODO $2"
}

diag() {
    if [ $# -gt 0 ]; then
        printf '%s\n' "$*" | sed 's/^/# /'
    else
        sed 's/^/# /'
    fi
}

check() {
    local desc=$1
    shift
    if "$@"; then ok "$desc"; else not_ok "$desc"; return 1; fi
}

is() {
    if [ "$1" = "$2" ]; then
        ok "$3"
    else
        not_ok "$3"
        diag "got:"
        printf '%s\n' "$1" | head -40 | diag
        diag "expected:"
        printf '%s\n' "$2" | head -40 | diag
        return 1
    fi
}

like() {
    if printf '%s\n' "$1" | grep -qE -- "$2"; then
        ok "$3"
    else
        not_ok "$3"
        diag "got:"
        printf '%s\n' "$1" | head -40 | diag
        diag "expected to match: $2"
        return 1
    fi
}

unlike() {
    if printf '%s\n' "$1" | grep -qE -- "$2"; then
        not_ok "$3"
        diag "got:"
        printf '%s\n' "$1" | head -40 | diag
        diag "expected not to match: $2"
        return 1
    else
        ok "$3"
    fi
}

skip() {
    TAP_N=$((TAP_N + 1))
    echo "ok $TAP_N - $1 # SKIP $2"
}

bail() {
    echo "Bail out! $*"
    exit 1
}

tap_relay() {
    local line
    TAP_RELAYED=0
    while IFS= read -r line; do
        case "$line" in
        "ok "*) TAP_RELAYED=$((TAP_RELAYED + 1)); ok "$(printf '%s\n' "$line" | sed -E 's/^ok [0-9]* ?-? ?//')" ;;
        "not ok "*) TAP_RELAYED=$((TAP_RELAYED + 1)); not_ok "$(printf '%s\n' "$line" | sed -E 's/^not ok [0-9]* ?-? ?//')" ;;
        "#"*) printf '%s\n' "$line" ;;
        esac
    done <"$1"
}

done_testing() {
    echo "1..$TAP_N"
    [ "$TAP_FAILED" -eq 0 ] && exit 0
    exit 1
}
