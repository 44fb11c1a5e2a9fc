#!/bin/sh
# powercut.sh [CUTS] - the long power-cut simulation (default 200 cuts):
# tests/e2e/powercut.sh with POWERCUT_CUTS=CUTS, spread over the import,
# transmit (with back-office delivery) and notify steps of two nights.
# Prints its summary line last: "powercut: N cuts (...): F failed".
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
: "${NOCTURNE_BUILD:=$top/build}"
export NOCTURNE_TOP="$top" NOCTURNE_BUILD POWERCUT_CUTS="${1:-200}"
export POWERCUT_SEED="${POWERCUT_SEED:-$(date +%s)}"
echo "powercut: seed $POWERCUT_SEED"
# Each cut's line as it comes (a run stopped early still shows its count).
log=${POWERCUT_OUT:-$(mktemp)}
sh "$top/tests/e2e/powercut.sh" >"$log" 2>&1
rc=$?
grep -v '^powercut: [0-9]' "$log"
grep '^FAIL' "$log" >/dev/null && rc=1
grep '^powercut: [0-9]' "$log" || { echo "powercut: no summary"; rc=1; }
[ -n "${POWERCUT_OUT:-}" ] || rm -f "$log"
exit $rc
