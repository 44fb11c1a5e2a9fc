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
	# An empty NEEDLE is in everything: a check that could not fail.
	[ -n "$2" ] || { fail "${3:-output}: expect_contains with an empty needle"; return; }
	case "$1" in *"$2"*) ;; *) fail "${3:-output} lacks '$2': $(printf '%s' "$1" | head -c 400)" ;; esac
}
expect_not_contains() {
	case "$1" in *"$2"*) fail "${3:-output} has '$2'" ;; esac
}
expect_empty() { [ -z "$1" ] || fail "${2:-output} not empty: $(printf '%s' "$1" | head -c 400)"; }

# n_db: the configuration $T/n.ini (database $T/n.db, the rest built-in)
# becomes $NOCTURNE_CONFIG; then q SQL queries that database, and rule_of ID
# is the "rule" line of nocturne-status --request ID.
n_db() {
	printf '[database]\npath = %s/n.db\n' "$T" >"$T/n.ini"
	export NOCTURNE_CONFIG="$T/n.ini"
}
q() { sqlite3 "$T/n.db" "$1"; }
rule_of() { nocturne-status --request "$1" | sed -n 's/^  rule: *//p'; }

# expect_states ID:WANT...: the script's own state ID (a function it
# defines) is WANT, for each ID.
expect_states() {
	for _x in "$@"; do expect_eq "$(state "${_x%%:*}")" "${_x#*:}" "${_x%%:*}"; done
}

# csv KIND FILE: write FILE, KIND's usual header line then the rows read
# on standard input (requests, families, children).
csv() {
	case $1 in
	requests) echo 'request_id;child_id;activity_id;date;action;submitted_at' ;;
	families) echo 'family_id;name;emails' ;;
	children) echo 'child_id;family_id;first_name;last_name' ;;
	*)
		echo "csv: no header for '$1'" >&2
		return 1
		;;
	esac >"$2" && cat >>"$2"
}

# import_samples [OPTION...]: nocturne-import [OPTION...] the town of
# samples/ (its four reference files, then the requests of night 1); a
# failure prints a FAIL line.
import_samples() {
	for _k in families children activities openings; do
		nocturne-import "$@" "$_k" "$TOP/samples/$_k.csv" || echo "FAIL: fixture import $_k"
	done
	nocturne-import "$@" requests "$TOP/samples/requests-night1.csv" ||
		echo "FAIL: fixture requests"
}

# reader_copy DB: for a case run as nobody, R is a new 0755 folder (removed
# at exit) holding a 0644 copy of DB as town.db and R/ro.ini naming it, and
# before lists R. Prints a SKIP line for the current case and returns 1 when
# this cannot run here (it needs root and runuser).
reader_copy() {
	if [ "$(id -u)" -ne 0 ] || ! command -v runuser >/dev/null 2>&1; then
		echo "SKIP: $_t_name needs root and runuser (to run as nobody)"
		return 1
	fi
	R=$(mktemp -d /tmp/nocturne-ro.XXXXXX)
	at_exit "rm -rf '$R'"
	chmod 755 "$R"
	cp "$1" "$R/town.db"
	chmod 644 "$R/town.db"
	printf '[database]\npath = %s/town.db\n' "$R" >"$R/ro.ini"
	chmod 644 "$R/ro.ini"
	before=$(ls -A "$R")
}

# poll TRIES STEP CMD...: run CMD every STEP seconds until it succeeds, at
# most TRIES times. Returns 0 when it succeeded, 1 when it never did.
poll() {
	_poll_n=$1 _poll_s=$2
	shift 2
	until "$@"; do
		_poll_n=$((_poll_n - 1))
		[ "$_poll_n" -gt 0 ] || return 1
		sleep "$_poll_s"
	done
}

# hold_write DB SECONDS: another writer holds DB's write lock (BEGIN
# IMMEDIATE) for SECONDS, in the background; returns once it holds it.
# HOLDER is its pid (killed at exit if still there).
hold_write() {
	rm -f "$T/.held"
	/usr/bin/python3 -c '
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE"); c.execute("UPDATE family SET name = name")
open(sys.argv[2], "w").close(); time.sleep(float(sys.argv[3]))' "$1" "$T/.held" "$2" &
	HOLDER=$!
	at_exit "kill $HOLDER 2>/dev/null"
	poll 100 0.1 test -e "$T/.held"
}

# hold_flock LOCKFILE SECONDS: another run holds LOCKFILE's flock for
# SECONDS, in the background; returns once it holds it (1: it never did).
# FLOCKER is its pid: killing it lets the lock go.
hold_flock() {
	rm -f "$T/.flocked"
	flock -o "$1" sh -c ': >"$1"; exec sleep "$2"' sh "$T/.flocked" "$2" &
	FLOCKER=$!
	at_exit "kill $FLOCKER 2>/dev/null"
	poll 100 0.05 test -e "$T/.flocked"
}

# need_tools TOOL...: every TOOL is on PATH (make builds them all), else
# one FAIL line for the script and exit.
need_tools() {
	for _tool in "$@"; do
		command -v "$_tool" >/dev/null ||
			{ echo "FAIL: $(basename "$0"): $_tool is not built"; exit 1; }
	done
}

# A free TCP port on loopback.
free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
