# common.sh - shared helpers of the test scripts (sourced, bash): where the
# tree and the build are, free ports, exit traps, waiting.
#
#   KILN_TOP     the source tree (default: two levels above this file)
#   KILN_BUILD   where kilnd was built (default: KILN_TOP, the in-tree build)
#   at_exit CMD  runs CMD when the script exits (LIFO, even on errors and signals)
#   kiln_watchdog CMD  runs CMD when the script is gone, even if it was killed with SIGKILL
#   free_port    prints a free TCP port on 127.0.0.1 below the ephemeral range (free_port.py)
#   wait_until SECONDS CMD...   retries CMD every 0.1 s; fails after SECONDS
#   psql, tmo CMD...            psql / CMD under timeout (KILN_CLIENT_TIMEOUT, default 60 s)
#   kiln_tmpdir VAR [NAME]      sets VAR to a new mktemp -d under /tmp, removed at
#                               exit unless KILN_KEEP_TMP=1 (not $(...): the trap
#                               must be registered in this shell)
[ -n "${KILN_COMMON_SH:-}" ] && return 0
KILN_COMMON_SH=1

KILN_TOP=${KILN_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
KILN_BUILD=${KILN_BUILD:-$KILN_TOP}
export KILN_TOP KILN_BUILD
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
SYS_PYTHON=${SYS_PYTHON:-/usr/bin/python3}   # psycopg2 is only there (pyenv's python3 is first on PATH)

KILN_EXIT_CMDS=()
kiln__run_exit_cmds() {
    local i
    for ((i = ${#KILN_EXIT_CMDS[@]} - 1; i >= 0; i--)); do
        eval "${KILN_EXIT_CMDS[$i]}" >/dev/null 2>&1 || true
    done
    KILN_EXIT_CMDS=()
}
trap kiln__run_exit_cmds EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

at_exit() {
    KILN_EXIT_CMDS+=("$*")
}

# kiln_watchdog CMD: runs CMD once this script is gone, however it ended (even SIGKILL, e.g.
# tests/run's timeout -k), so no server outlives its test. The normal exit path (at_exit)
# stops the watchdog first. KILN_NO_WATCHDOG=1 disables it (servers meant to outlive the script).
kiln_watchdog() {
    [ "${KILN_NO_WATCHDOG:-0}" = 1 ] && return 0
    local parent=$$
    (
        trap '' INT TERM HUP
        while kill -0 "$parent" 2>/dev/null; do sleep 1; done
        eval "$1"
    ) </dev/null >/dev/null 2>&1 &
    at_exit "kill $! 2>/dev/null"
}

free_port() {
    "$SYS_PYTHON" "$KILN_TOP/tests/lib/free_port.py"
}

wait_until() {
    local secs=$1 i
    shift
    for ((i = 0; i < secs * 10; i++)); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}

kiln_tmpdir() {
    local kiln__d
    kiln__d=$(mktemp -d "/tmp/kiln-${2:-test}.XXXXXX") || return 1
    chmod 755 "$kiln__d"
    [ "${KILN_KEEP_TMP:-0}" = 1 ] || at_exit "rm -rf '$kiln__d'"
    printf -v "$1" '%s' "$kiln__d"
}

# Clients never wait forever on a server that stopped answering: every psql call
# in a test is bounded (KILN_CLIENT_TIMEOUT seconds, default 60; exit status 124).
KILN_CLIENT_TIMEOUT=${KILN_CLIENT_TIMEOUT:-60}
psql() { timeout -k 5 "$KILN_CLIENT_TIMEOUT" "$(type -P psql)" "$@"; }
tmo() { timeout -k 5 "$KILN_CLIENT_TIMEOUT" "$@"; }
