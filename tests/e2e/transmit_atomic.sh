# transmit_atomic.sh - a batch killed at any point leaves the database as it
# was: all its requests still pending and no batch, never half a batch.
. "$NOCTURNE_TOP/tests/e2e/lib.sh"

DB=$T/n.db
: >"$DB"
nocturne-transmit --db "$DB" -n --now '2000-01-01 00:00' >/dev/null || echo "FAIL: schema"
# 60,000 requests: 3,000 children, 2 canteens of 1,000 places, 20 days.
sqlite3 -batch "$DB" "
BEGIN;
INSERT INTO family(ref, family_id, name) VALUES (1, 'F1', 'Town');
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
INSERT INTO child(ref, child_id, family_ref, first_name, last_name)
  SELECT i, 'C' || i, 1, 'P', 'N' FROM n;
INSERT INTO activity(ref, activity_id, name, capacity, waitlist) VALUES
  (1, 'A1', 'Cantine 1', 1000, -1), (2, 'A2', 'Cantine 2', 1000, 100);
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 19)
INSERT INTO opening(activity_ref, day) SELECT a.ref, 18262 + n.i FROM activity a, n;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 59999)
INSERT INTO request(request_id, child_ref, activity_ref, day, action, submitted_at)
  SELECT 'Q' || i, i % 3000 + 1, i % 2 + 1, 18262 + i / 3000, 'reserve',
         1572566400 + (i * 7919) % 1000000 FROM n;
COMMIT;" || echo "FAIL: fixture"
cp "$DB" "$T/clean.db"
NOW='2019-12-01 22:00'

# Either nothing happened, or the whole batch did.
check_whole() { # WHAT
	b=$(sqlite3 "$DB" "SELECT count(*) FROM batch")
	p=$(sqlite3 "$DB" "SELECT count(*) FROM request WHERE state = 'pending'")
	d=$(sqlite3 "$DB" "SELECT count(*) FROM decision")
	i=$(sqlite3 "$DB" "PRAGMA integrity_check")
	expect_eq "$i" ok "$1: integrity"
	case "$b:$p:$d" in
	0:60000:0 | 1:0:60000) ;;
	*) fail "$1: half a batch: batches $b, pending $p, decisions $d" ;;
	esac
}

# Kill the run once its -vv progress shows it reached a phase, and check from
# the same progress that the kill landed in that phase (the next line had not
# come). The night's lines, in order: "read N pending requests" (the read
# snapshot), "changes recorded" (the night's sorts are done; next comes the
# write transaction: batch row, decisions, counts), "written:" (the write
# statements are done; the commit follows), then -v's "batch 1 at".
# kill_in PHASE_LINE NEXT_LINE WHAT: up to 8 tries; passes when a kill landed.
kill_in() {
	landed=0 try=0
	while [ "$landed" -eq 0 ] && [ "$try" -lt 8 ]; do
		try=$((try + 1))
		cp "$T/clean.db" "$DB"
		rm -f "$DB-wal" "$DB-shm"
		: >"$T/progress"
		nocturne-transmit --db "$DB" --now "$NOW" -vv 2>"$T/progress" &
		pid=$!
		n=0
		while ! grep -q "$1" "$T/progress" && [ "$n" -lt 3000 ]; do
			sleep 0.005
			n=$((n + 1))
		done
		kill -9 "$pid" 2>/dev/null
		killed=$?
		wait "$pid" 2>/dev/null
		grep -q "$1" "$T/progress" || { fail "$3: never saw '$1'"; break; }
		if [ "$killed" -eq 0 ] && ! grep -q "$2" "$T/progress"; then
			landed=1
			check_whole "$3"
			expect_eq "$b:$p:$d" "0:60000:0" "$3: nothing stored"
		fi
	done
	[ "$landed" -eq 1 ] || fail "$3: no kill landed before '$2' in $try tries"
}

t kill_in_read_phase
kill_in "read [0-9]* pending requests" "changes recorded" "killed while reading"
ok

t kill_in_write_phase
kill_in "changes recorded" "written:" "killed in the write transaction"
ok

t rerun_after_kill
# killed in its write transaction (the log holds its uncommitted frames)
kill_in "changes recorded" "written:" "killed before the rerun"
run nocturne-transmit --db "$DB" --now "$NOW" -v
expect_rc 0
expect_contains "$ERR" "60000 requests: 40000 accepted, 12000 waitlisted, 8000 refused (full 8000), 0 promoted"
check_whole "rerun"
expect_eq "$(sqlite3 "$DB" "SELECT max(position) FROM request WHERE activity_ref = 2")" 100 "list limit"
ok
