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
out=$(sh "$top/tests/e2e/powercut.sh" 2>&1)
rc=$?
printf '%s\n' "$out" | grep -v '^powercut: [0-9]'
printf '%s\n' "$out" | grep '^FAIL' >/dev/null && rc=1
printf '%s\n' "$out" | grep '^powercut: [0-9]' || { echo "powercut: no summary"; rc=1; }
exit $rc
