#!/bin/sh
# run.sh BUILD_DIR - run every unit test binary and end-to-end script.
# Each test prints "PASS: name" or "FAIL: name ..." lines, and "SKIP: name
# reason" for what cannot run here; a test program that exits non-zero
# without printing a FAIL counts as one failure, one that prints neither
# PASS nor FAIL (nor SKIP) counts as one skip, said as such.
# Ends with one line: "N passed, N failed, N skipped".
set -u
B=${1:-build}
B=$(cd "$B" && pwd)
top=$(cd "$(dirname "$0")/.." && pwd)
export NOCTURNE_BUILD="$B" NOCTURNE_TOP="$top"
export PATH="$B:$PATH"
unset NOCTURNE_CONFIG NOCTURNE_NOW
passed=0 failed=0 skipped=0
. "$top/tests/run_one.sh"

units=0
for t in "$B"/tests/test_*; do
	[ -x "$t" ] || continue
	units=$((units + 1))
	run_one "$(basename "$t")" "$t"
done
# Without them (make all builds only the tools) the suite would pass on the
# end-to-end scripts alone.
if [ "$units" -eq 0 ]; then
	echo "FAIL: no unit test built in $B/tests (make tests-built)"
	failed=$((failed + 1))
fi
for t in "$top"/tests/e2e/*.sh; do
	[ -f "$t" ] || continue
	case "$(basename "$t")" in lib.sh | package.sh) continue ;; esac
	run_one "$(basename "$t")" sh "$t"
done
# The benchmark's generator and floor have their own quick tests.
[ -f "$top/bench/test.sh" ] && run_one bench/test.sh sh "$top/bench/test.sh" "$B"
# Last: the package test installs /etc/nocturne/nocturne.ini for a while
# (and removes it, whatever happens); nothing of this run reads it after.
[ -f "$top/tests/e2e/package.sh" ] && run_one package.sh sh "$top/tests/e2e/package.sh"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
