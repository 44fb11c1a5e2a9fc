#!/bin/sh
# crash_transmit.sh [REQUESTS] [TRIALS] - crash consistency of a night.
#
# Generates a town (stress/gentown.py) with REQUESTS requests (default
# 200000) under $WORK (default var/crash-transmit), imports it, runs one
# uninterrupted reference transmit on a copy and exports it. Then TRIALS
# times (default 20): copy the base database, start nocturne-transmit,
# SIGKILL it at a moment spread over the reference run time (the faster of
# two; trial i dies in the i-th slice of the run, at a random point of it),
# and check:
#   - PRAGMA integrity_check is ok;
#   - either no trace of the batch (0 batches, every request still pending,
#     no decision rows) or the whole batch (1 batch, the reference's pending
#     count and decision count);
#   - a rerun (when nothing was committed) exits 0, is not blocked by the
#     lock the killed run left, and the export is byte-identical to the
#     reference.
# The tools must be on PATH. Prints one line per trial and a summary line
# "crash_transmit: N trials, K killed before the commit (no trace), C killed
# after it, E finished first, F failures".
# Exit 0 when every trial held and at least one kill landed before the end.
set -u
REQ=${1:-200000}
TRIALS=${2:-20}
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/stress/lib.sh"
work crash-transmit
NOW='2019-11-29 23:00'
fail=0 before=0 after=0 finished=0

q() { sqlite3 "$1" "$2"; }

base_town crash_transmit "$REQ" 7
# The reference, run twice (the faster time spreads the kills best).
dur_ms=""
for r in 1 2; do
	rm -f ref.db*
	cp base.db ref.db
	t0=$(date +%s%N)
	nocturne-transmit -q --db ref.db --now "$NOW" || {
		echo "crash_transmit: reference transmit failed"
		exit 1
	}
	ms=$((($(date +%s%N) - t0) / 1000000))
	[ -z "$dur_ms" ] || [ "$ms" -lt "$dur_ms" ] && dur_ms=$ms
done
nocturne-status --db ref.db --export ref.csv || exit 1
base_pending=$(q base.db "SELECT count(*) FROM request WHERE state='pending'")
ref_pending=$(q ref.db "SELECT count(*) FROM request WHERE state='pending'")
ref_decisions=$(q ref.db "SELECT count(*) FROM decision")
echo "crash_transmit: $REQ requests ($base_pending pending), reference run ${dur_ms} ms," \
	"$ref_pending left pending, $ref_decisions decisions"

i=1
while [ "$i" -le "$TRIALS" ]; do
	rm -f trial.db trial.db-wal trial.db-shm
	cp base.db trial.db
	# the i-th slice of the run (a little past its end for the last ones)
	delay=$(awk -v s="$i$$" -v i="$i" -v n="$TRIALS" -v d="$dur_ms" \
		'BEGIN { srand(s); printf "%.3f", d * 1.05 * (i - 1 + rand()) / n / 1000 }')
	nocturne-transmit -q --db trial.db --now "$NOW" &
	pid=$!
	sleep "$delay"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rc=$?
	integ=$(q trial.db 'PRAGMA integrity_check')
	nb=$(q trial.db 'SELECT count(*) FROM batch')
	np=$(q trial.db "SELECT count(*) FROM request WHERE state='pending'")
	nd=$(q trial.db 'SELECT count(*) FROM decision')
	what=""
	if [ "$integ" != ok ]; then
		what="integrity_check: $integ"
	elif [ "$nb" -eq 0 ] && [ "$np" -eq "$base_pending" ] && [ "$nd" -eq 0 ]; then
		before=$((before + 1))
		state="no trace of the batch"
		nocturne-transmit -q --db trial.db --now "$NOW" || what="rerun exited $?"
	elif [ "$nb" -eq 1 ] && [ "$np" -eq "$ref_pending" ] && [ "$nd" -eq "$ref_decisions" ]; then
		if [ "$rc" -eq 0 ]; then
			finished=$((finished + 1))
			state="finished before the kill, whole batch"
		else
			after=$((after + 1))
			state="killed after the commit, whole batch"
		fi
	else
		what="half a batch: $nb batches, $np pending, $nd decisions"
	fi
	if [ -z "$what" ]; then
		nocturne-status --db trial.db --export trial.csv || what="export failed"
		[ -z "$what" ] && ! cmp -s ref.csv trial.csv && what="export differs from the reference"
	fi
	if [ -z "$what" ]; then
		echo "trial $i: killed at ${delay}s (exit $rc): $state; export identical"
	else
		echo "trial $i: killed at ${delay}s (exit $rc): FAILED: $what"
		fail=$((fail + 1))
	fi
	i=$((i + 1))
done
# Trials that all finished before their kill tested no crash at all.
if [ $((before + after)) -eq 0 ]; then
	echo "crash_transmit: FAILED: no kill landed in $TRIALS trials (each run finished first)"
	fail=$((fail + 1))
fi
echo "crash_transmit: $TRIALS trials, $before killed before the commit (no trace)," \
	"$after killed after it, $finished finished first, $fail failures"
[ "$fail" -eq 0 ]
