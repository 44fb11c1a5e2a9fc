#!/bin/sh
# portal_writes.sh [REQUESTS] - the portal keeps writing during a night.
#
# While nocturne-transmit resolves a batch of REQUESTS requests (default
# 200000; town under $WORK, default var/portal-writes), stress/portal.py
# inserts requests one transaction at a time with a 5 s busy timeout, all
# submitted after the batch's cut-off. Checks: transmit exits 0, no insert
# failed (no SQLITE_BUSY beyond the timeout), inserts happened during the
# run, and every inserted request is still pending with no batch.
# Prints "portal_writes: N inserted during the batch, F failed, worst M ms".
set -u
REQ=${1:-200000}
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/stress/lib.sh"
work portal-writes
NOW='2019-11-29 23:00'
CUT=$(( ( $(date -u -d '2019-11-29 23:00' +%s) ) ))
fail=0
base_town portal_writes "$REQ" 5
rm -f trial.db* stop stop.started
cp base.db trial.db
/usr/bin/python3 "$top/stress/portal.py" trial.db stop $((CUT + 60)) 5000 >portal.out \
	2>portal.err &
ppid=$!
# the portal inserting before the night starts
wait_file stop.started
before=$(sqlite3 trial.db "SELECT count(*) FROM request WHERE request_id LIKE 'PORTAL%'")
nocturne-transmit -q --db trial.db --now "$NOW"
rc=$?
after=$(sqlite3 trial.db "SELECT count(*) FROM request WHERE request_id LIKE 'PORTAL%'")
sleep 0.3
touch stop
wait "$ppid"
res=$(cat portal.out)
set -- $res
ins=$2 failed=$4 worst=$6
pending=$(sqlite3 trial.db "SELECT count(*) FROM request WHERE request_id LIKE 'PORTAL%'
	AND state = 'pending' AND batch_id IS NULL")
during=$((after - before))
[ "$rc" -eq 0 ] || { echo "portal_writes: FAILED: transmit exited $rc"; fail=1; }
[ "$failed" -eq 0 ] || { echo "portal_writes: FAILED: $failed inserts failed: $(head -n 3 portal.err)"; fail=1; }
[ "$during" -gt 0 ] || { echo "portal_writes: FAILED: no insert during the batch"; fail=1; }
[ "$pending" -eq "$ins" ] || { echo "portal_writes: FAILED: $ins inserted, only $pending still pending"; fail=1; }
echo "portal_writes: $during inserted during the batch ($ins in all), $failed failed," \
	"worst ${worst} ms, $pending still pending"
[ "$fail" -eq 0 ]
