# lib.sh - sourced by the end-to-end tests.
#
# Each test script runs the built tools (on PATH) in its own temporary
# directory T, with its own database and configuration. t NAME starts a
# case, the expect_* helpers record failures, ok ends the case with one
# PASS/FAIL line.
set -u
: "${NOCTURNE_TOP:?run through tests/run.sh}"
TOP=$NOCTURNE_TOP
T=$(mktemp -d "${TMPDIR:-/tmp}/nocturne-e2e.XXXXXX")
cd "$T" || exit 1
trap 't_cleanup' EXIT
unset NOCTURNE_CONFIG NOCTURNE_NOW
# The built-in defaults whatever /etc/nocturne holds on this machine (the
# package test installs a nocturne.ini there for a while): an empty file
# is the defaults (nocturne(5)). Scripts give their own configuration with
# -c or $NOCTURNE_CONFIG; the search without either is tested where it is
# the point (built_in_defaults in night_to_mail.sh, the package test).
: >"$T/.defaults.ini"
chmod 644 "$T/.defaults.ini"
export NOCTURNE_CONFIG="$T/.defaults.ini"
_t_name="" _t_bad=0
_t_cleanups=""

t_cleanup() {
	eval "$_t_cleanups" 2>/dev/null
	cd / && rm -rf "$T"
}
# at_exit 'COMMAND': run COMMAND when the script ends (servers to stop).
at_exit() { _t_cleanups="$_t_cleanups
$1"; }

t() { _t_name=$1; _t_bad=0; }
fail() { echo "  $_t_name: $*"; _t_bad=1; }
ok() {
	if [ "$_t_bad" -eq 0 ]; then echo "PASS: $_t_name"; else echo "FAIL: $_t_name"; fi
}

# run CMD...: run it, keeping its exit code in RC, stdout in OUT, stderr in ERR.
run() {
	"$@" >"$T/.out" 2>"$T/.err"
	RC=$?
	OUT=$(cat "$T/.out")
	ERR=$(cat "$T/.err")
}
expect_rc() {
	[ "$RC" -eq "$1" ] || fail "exit $RC, expected $1 (stderr: $(head -c 400 "$T/.err"))"
}
expect_eq() { # expect_eq ACTUAL EXPECTED [WHAT]
	[ "$1" = "$2" ] || fail "${3:-value}: got '$1', expected '$2'"
}
expect_contains() { # expect_contains HAYSTACK NEEDLE [WHAT]
	case "$1" in *"$2"*) ;; *) fail "${3:-output} lacks '$2': $(printf '%s' "$1" | head -c 400)" ;; esac
}
expect_not_contains() {
	case "$1" in *"$2"*) fail "${3:-output} has '$2'" ;; esac
}
expect_empty() { [ -z "$1" ] || fail "${2:-output} not empty: $(printf '%s' "$1" | head -c 400)"; }

# A free TCP port on loopback.
free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
