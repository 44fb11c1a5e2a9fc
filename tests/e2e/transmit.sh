# transmit.sh - nocturne-transmit end to end: three nights on a small town,
# dry run, exit codes, lock, determinism. Fixtures go straight into the
# schema with the sqlite3 CLI.
. "$NOCTURNE_TOP/tests/e2e/lib.sh"

DB=$T/n.db
sql() { sqlite3 -batch "$DB" "$@"; }
# What the morning's compte-rendus do to the mail's bookkeeping: every
# decided request reported.
reported_all() {
	sql "INSERT INTO request_mail(seq, reported) SELECT seq, 1 FROM request
	  WHERE state <> 'pending' ON CONFLICT(seq) DO UPDATE SET reported = 1"
}
# held (the slots' places) against request's reservations: the rows that
# disagree, both ways, and the triggers on request, held's and request_key's,
# all there (a night turns its connection's triggers off, never drops one).
HELD_COLS='activity_ref, day, state, child_ref, submitted_at, seq, position'
HELD_ROWS="SELECT $HELD_COLS FROM request WHERE (state = 'accepted' OR state = 'waitlisted' OR state = 'cancelled') AND action = 'reserve'"
held_agrees() {
	expect_eq "$(sql "SELECT (SELECT count(*) FROM (SELECT $HELD_COLS FROM held EXCEPT $HELD_ROWS))
		+ (SELECT count(*) FROM ($HELD_ROWS EXCEPT SELECT $HELD_COLS FROM held))")" 0 "held $1"
	expect_eq "$(sql "SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_schema WHERE type = 'trigger' ORDER BY name)")" \
		"decision_insert decision_update held_delete held_insert held_update request_key_delete request_key_insert request_key_update request_places_delete request_places_update" "triggers $1"
}
# The schema: an empty file is migrated when a tool opens it (a dry run keeps nothing else).
new_db() {
	rm -f "$DB" "$DB-wal" "$DB-shm"
	: >"$DB"
	nocturne-transmit --db "$DB" -n --now '2000-01-01 00:00' >/dev/null || echo "FAIL: schema"
}
D() { echo "CAST(julianday('$1') - 2440587.5 AS INTEGER)"; }
I() { echo "CAST(strftime('%s', '$1') AS INTEGER)"; }
# req ID CHILD ACTIVITY DATE ACTION SUBMITTED [ARRIVAL [DEPARTURE]] (minutes)
req() {
	sql "INSERT INTO request(request_id, child_ref, activity_ref, day, action, arrival,
	  departure, submitted_at) VALUES ('$1', (SELECT ref FROM child WHERE child_id = '$2'),
	  (SELECT ref FROM activity WHERE activity_id = '$3'), $(D "$4"), '$5', ${7:-NULL},
	  ${8:-NULL}, $(I "$6"))"
}
# A batch's decisions as ID:state:reason:position, in import order.
decisions() {
	sql "SELECT group_concat(r.request_id || ':' || d.state || ':' || coalesce(d.reason, '') || ':' || coalesce(d.position, ''), ' ')
	  FROM (SELECT d.* FROM decision d JOIN request r USING (seq) WHERE d.batch_id = $1 ORDER BY seq) d JOIN request r USING (seq)"
}
# The decisions kept apart from their requests' rows, as ID:batch:state:position.
kept() {
	sql "SELECT coalesce(group_concat(r.request_id || ':' || k.batch_id || ':' || k.state || ':' || coalesce(k.position, ''), ' '), '')
	  FROM (SELECT * FROM decision_kept ORDER BY batch_id, seq) k JOIN request r USING (seq)"
}
# Every request as ID:state:reason:position:batch, in import order.
states() {
	sql "SELECT group_concat(request_id || ':' || state || ':' || coalesce(reason, '') || ':' ||
	  coalesce(position, '') || ':' || coalesce(batch_id, ''), ' ') FROM
	  (SELECT * FROM request ORDER BY seq)"
}
town() {
	new_db
	sql "INSERT INTO family(ref, family_id, name, emails, balance_cents) VALUES
	  (1, 'F1', 'Martin', 'a@example.org', 0), (2, 'F2', 'Durand', 'b@example.org', -1000);
	INSERT INTO child(ref, child_id, family_ref, first_name, last_name) VALUES
	  (1, 'C1', 1, 'Léa', 'Martin'), (2, 'C2', 1, 'Hugo', 'Martin'),
	  (3, 'C3', 1, 'Zoé', 'Martin'), (4, 'C4', 2, 'Tom', 'Durand'),
	  (5, 'C5', 1, 'Noé', 'Martin');
	INSERT INTO activity(ref, activity_id, name, capacity, waitlist, promote_days, hours_from,
	  hours_to, deadline_days, deadline_time) VALUES
	  (1, 'CANT', 'Cantine', 2, -1, 0, NULL, NULL, 0, 0),
	  (2, 'CLSH', 'Centre de loisirs', NULL, 0, 0, 480, 1080, 2, 600);
	INSERT INTO opening(activity_ref, day, capacity) VALUES
	  (1, $(D 2019-12-05), NULL), (1, $(D 2019-12-06), NULL),
	  (2, $(D 2019-12-05), NULL), (2, $(D 2019-12-06), NULL);"
	req R1 C1 CANT 2019-12-06 reserve '2019-12-01 08:00'
	req R2 C2 CANT 2019-12-06 reserve '2019-12-01 09:00'
	req R3 C3 CANT 2019-12-06 reserve '2019-12-01 10:00'
	req R4 C4 CANT 2019-12-06 reserve '2019-12-01 11:00'
	req R5 C1 CANT 2019-12-06 reserve '2019-12-01 12:00'
	req R6 C1 CANT 2019-12-07 reserve '2019-12-01 08:00'
	req R7 C1 CLSH 2019-12-06 reserve '2019-12-04 10:00' 540
	req R8 C2 CLSH 2019-12-06 reserve '2019-12-01 08:00'
	req R9 C3 CLSH 2019-12-06 reserve '2019-12-01 08:00' 480 1080
	req R10 C5 CANT 2019-12-05 cancel '2019-12-01 08:00'
	req R11 C4 CLSH 2019-12-05 reserve '2019-12-03 21:00' 600
}
NIGHT1='2019-12-03 22:00'
SUM1='10 requests: 3 accepted, 2 waitlisted, 5 refused (closed 1, deadline 1, times 1, duplicate 1, nothing_to_cancel 1), 0 promoted, 0 expired, 0 cancelled'
STATES1='R1:accepted:::1 R2:accepted:::1 R3:waitlisted::1:1 R4:waitlisted::2:1 R5:refused:duplicate::1 R6:refused:closed::1 R7:pending::: R8:refused:times::1 R9:accepted:::1 R10:refused:nothing_to_cancel::1 R11:refused:deadline::1'

t usage_help_version
run nocturne-transmit --help
expect_rc 0
expect_contains "$OUT" "usage: nocturne-transmit"
run nocturne-transmit -V
expect_rc 0
expect_eq "$OUT" "nocturne-transmit 1.0.0"
run nocturne-transmit --bogus
expect_rc 64
expect_contains "$ERR" "nocturne-transmit: unknown option"
run nocturne-transmit extra
expect_rc 64
run nocturne-transmit --db "$DB" --now 'tomorrow'
expect_rc 64
ok

t missing_db_66
run nocturne-transmit --db "$T/nothere.db"
expect_rc 66
expect_contains "$ERR" "nocturne-transmit: $T/nothere.db: cannot open database"
[ -e "$T/nothere.db" ] && fail "database created"
ok

t bad_config_78
town
run nocturne-transmit -c "$T/none.ini" --db "$DB"
expect_rc 78
expect_eq "$ERR" "nocturne-transmit: $T/none.ini: cannot read configuration: No such file or directory"
printf '[transmit]\nexpire_waitlist = maybe\n' >"$T/bad.ini"
run nocturne-transmit -c "$T/bad.ini" --db "$DB"
expect_rc 78
expect_contains "$ERR" "expire_waitlist"
expect_eq "$(sql 'SELECT count(*) FROM batch')" 0 batches
ok

t dry_run_changes_nothing
town
sql .dump >"$T/before.sql"
run nocturne-transmit --db "$DB" --now "$NIGHT1" --dry-run
expect_rc 0
sql .dump >"$T/after.sql"
cmp -s "$T/before.sql" "$T/after.sql" || fail "database changed by --dry-run"
expect_eq "$(printf '%s\n' "$OUT" | head -n 1)" "dry run: batch 1 at 2019-12-03 22:00:00 would decide $SUM1" summary
cat >"$T/want.csv" <<'EOF'
request_id;child_id;activity_id;date;action;state;reason;position;batch_id;decided_at
R1;C1;CANT;2019-12-06;reserve;accepted;;;1;2019-12-03 22:00:00
R2;C2;CANT;2019-12-06;reserve;accepted;;;1;2019-12-03 22:00:00
R3;C3;CANT;2019-12-06;reserve;waitlisted;;1;1;2019-12-03 22:00:00
R4;C4;CANT;2019-12-06;reserve;waitlisted;;2;1;2019-12-03 22:00:00
R5;C1;CANT;2019-12-06;reserve;refused;duplicate;;1;2019-12-03 22:00:00
R6;C1;CANT;2019-12-07;reserve;refused;closed;;1;2019-12-03 22:00:00
R8;C2;CLSH;2019-12-06;reserve;refused;times;;1;2019-12-03 22:00:00
R9;C3;CLSH;2019-12-06;reserve;accepted;;;1;2019-12-03 22:00:00
R10;C5;CANT;2019-12-05;cancel;refused;nothing_to_cancel;;1;2019-12-03 22:00:00
R11;C4;CLSH;2019-12-05;reserve;refused;deadline;;1;2019-12-03 22:00:00
EOF
tail -n +2 "$T/.out" >"$T/got.csv"
cmp -s "$T/want.csv" "$T/got.csv" || fail "dry-run decisions: $(diff "$T/want.csv" "$T/got.csv")"
ok

t now_from_env
town
# $NOCTURNE_NOW is the clock when --now is not given; --now wins over it.
run env NOCTURNE_NOW="$NIGHT1" nocturne-transmit --db "$DB" -n
expect_rc 0
expect_eq "$(printf '%s\n' "$OUT" | head -n 1)" "dry run: batch 1 at 2019-12-03 22:00:00 would decide $SUM1" env
run env NOCTURNE_NOW='2019-12-01 07:00' nocturne-transmit --db "$DB" -n --now "$NIGHT1"
expect_rc 0
expect_eq "$(printf '%s\n' "$OUT" | head -n 1)" "dry run: batch 1 at 2019-12-03 22:00:00 would decide $SUM1" "--now over env"
run env NOCTURNE_NOW='2019-12-01 07:00' nocturne-transmit --db "$DB" -n
expect_rc 0
expect_eq "$(printf '%s\n' "$OUT" | head -n 1)" "dry run: batch 1 at 2019-12-01 07:00:00 would decide 0 requests: 0 accepted, 0 waitlisted, 0 refused, 0 promoted, 0 expired, 0 cancelled" "env, before any submission"
run env NOCTURNE_NOW='03/12/2019 22h' nocturne-transmit --db "$DB"
expect_rc 64
expect_eq "$ERR" "nocturne-transmit: \$NOCTURNE_NOW '03/12/2019 22h': expected 'YYYY-MM-DD HH:MM[:SS]' (local time)"
run nocturne-transmit -h
expect_rc 0
expect_contains "$OUT" "usage: nocturne-transmit [options]"
expect_empty "$ERR" stderr
expect_eq "$(sql 'SELECT count(*) FROM batch')" 0 batches
ok

t three_nights
town
cp "$DB" "$T/copy.db"
# Night 1: silent, one batch.
run nocturne-transmit --db "$DB" --now "$NIGHT1"
expect_rc 0
expect_empty "$OUT" stdout
expect_empty "$ERR" stderr
expect_eq "$(states)" "$STATES1" "night 1"
expect_eq "$(sql "SELECT batch_id, ran_at = $(I "$NIGHT1"), cutoff = ran_at, delivery, n_requests,
  n_accepted, n_waitlisted, n_refused, n_closed, n_deadline, n_times, n_debtor, n_full,
  n_duplicate, n_nothing_to_cancel, n_promoted, n_expired, n_cancelled FROM batch")" \
	"1|1|1|none|10|3|2|5|1|1|1|0|0|1|1|0|0|0" "batch 1"
expect_eq "$(sql 'SELECT count(*) FROM decision WHERE batch_id = 1')" 10 "decisions 1"
# A first decision is the request's row itself: the night keeps none apart.
expect_eq "$(kept)" "" "decisions kept after night 1"
D1=$(decisions 1)
expect_eq "$D1" "R1:accepted:: R2:accepted:: R3:waitlisted::1 R4:waitlisted::2 R5:refused:duplicate: R6:refused:closed: R8:refused:times: R9:accepted:: R10:refused:nothing_to_cancel: R11:refused:deadline:" "batch 1's decisions"
# The morning's compte-rendus report everything decided.
reported_all
# Night 2: C1 cancels (R3 promoted, owed a notice; R4 moves up), R7 is now
# due and late (deadline 2019-12-04 10:00 exactly), C5 waits behind R4.
req R12 C1 CANT 2019-12-06 cancel '2019-12-04 08:00'
req R13 C5 CANT 2019-12-06 reserve '2019-12-04 09:00'
req R14 C2 CANT 2019-12-06 reserve '2019-12-06 09:00'
run nocturne-transmit --db "$DB" --now '2019-12-04 22:00' -v
expect_rc 0
expect_empty "$OUT" stdout
expect_contains "$ERR" "nocturne-transmit: batch 2 at 2019-12-04 22:00:00: 3 requests: 1 accepted, 1 waitlisted, 1 refused (deadline 1), 1 promoted, 0 expired, 1 cancelled;"
expect_eq "$(states)" "R1:cancelled:::2 R2:accepted:::1 R3:accepted:::2 R4:waitlisted::1:1 R5:refused:duplicate::1 R6:refused:closed::1 R7:refused:deadline::2 R8:refused:times::1 R9:accepted:::1 R10:refused:nothing_to_cancel::1 R11:refused:deadline::1 R12:accepted:::2 R13:waitlisted::2:2 R14:pending:::" "night 2"
expect_eq "$(sql "SELECT group_concat(r.request_id || ':' || d.state || ':' || coalesce(d.position, ''), ' ')
  FROM decision d JOIN request r USING (seq) WHERE d.batch_id = 2")" \
	"R1:cancelled: R3:accepted: R7:refused: R12:accepted: R13:waitlisted:2" "decisions 2"
# What batch 1 decided stays so: R1 cancelled and R3 promoted keep their
# decision of batch 1 apart, and R4, moved up the list in batch 1's name,
# its position then (2, not its row's 1).
expect_eq "$(decisions 1)" "$D1" "batch 1's decisions after night 2"
expect_eq "$(kept)" "R1:1:accepted: R3:1:waitlisted:1 R4:1:waitlisted:2" "decisions kept after night 2"
D2=$(decisions 2)
expect_eq "$(sql "SELECT undoes = (SELECT seq FROM request WHERE request_id = 'R1') FROM request WHERE request_id = 'R12'")" 1 undoes
expect_eq "$(sql "SELECT group_concat(request_id || ':' || notice || ':' || reported, ' ') FROM
  (SELECT r.*, coalesce(k.reported, 0) AS reported, coalesce(k.notice, 0) AS notice
   FROM request r LEFT JOIN request_mail k USING (seq) WHERE request_id IN ('R1', 'R3', 'R4', 'R13') ORDER BY seq)")" "R1:0:1 R3:1:1 R4:0:1 R13:0:0" "mail bookkeeping 2"
held_agrees "after night 2"
expect_eq "$(sql "SELECT group_concat(state, ' ') FROM (SELECT DISTINCT state FROM held ORDER BY state)")" \
	"accepted cancelled waitlisted" "the states held after night 2"
# Night 3, the day after: the list of 2019-12-06 expires, to be reported again.
reported_all
cp "$DB" "$T/before3.db"
run nocturne-transmit --db "$DB" --now '2019-12-07 22:00' -v
expect_rc 0
expect_contains "$ERR" "batch 3 at 2019-12-07 22:00:00: 1 requests: 0 accepted, 0 waitlisted, 1 refused (deadline 1), 0 promoted, 2 expired, 0 cancelled;"
expect_eq "$(sql "SELECT group_concat(request_id || ':' || state || ':' || coalesce(position, '') || ':' || reported || ':' || batch_id, ' ')
  FROM (SELECT r.*, coalesce(k.reported, 0) AS reported, coalesce(k.notice, 0) AS notice
   FROM request r LEFT JOIN request_mail k USING (seq) WHERE request_id IN ('R4', 'R13', 'R14') ORDER BY seq)")" "R4:expired::0:3 R13:expired::0:3 R14:refused::0:3" "night 3"
expect_eq "$(sql 'SELECT count(*) FROM decision WHERE batch_id = 3')" 3 "decisions 3"
expect_eq "$(decisions 1) / $(decisions 2)" "$D1 / $D2" "batches 1 and 2's decisions after night 3"
expect_eq "$(kept)" "R1:1:accepted: R3:1:waitlisted:1 R4:1:waitlisted:2 R13:2:waitlisted:2" "decisions kept after night 3"
# The nights write with SQLite's foreign keys off (their references are
# their own): every decision, event, batch and undone request they name is
# there.
expect_eq "$(sql 'PRAGMA foreign_key_check')" "" "foreign keys after three nights"
held_agrees "after three nights (promoted, cancelled, expired)"
expect_eq "$(sql 'SELECT count(*) FROM event e LEFT JOIN request r USING (seq) WHERE r.seq IS NULL')" 0 "events' requests"
# The same night with expire_waitlist = no: the list stays.
printf '[transmit]\nexpire_waitlist = no\n' >"$T/keep.ini"
run nocturne-transmit -c "$T/keep.ini" --db "$T/before3.db" --now '2019-12-07 22:00'
expect_rc 0
expect_eq "$(sqlite3 "$T/before3.db" "SELECT group_concat(state || ':' || position, ' ') FROM (SELECT r.*, coalesce(k.reported, 0) AS reported, coalesce(k.notice, 0) AS notice
   FROM request r LEFT JOIN request_mail k USING (seq) WHERE request_id IN ('R4', 'R13') ORDER BY seq)")" "waitlisted:1 waitlisted:2" "kept list"
ok

t a_large_batch_builds_the_indexes_again_a_small_one_keeps_them
# request has no index of nocturne's but its keys (schema 13); an
# operator's own, with a name that needs quoting: a batch that changes a
# third of request or more drops it before its update and builds it again
# after it (new DDL: the schema's version moves); a smaller one updates it
# in place. Either way: the same schema text, and an index that agrees
# with the table. The trigger held_update is never dropped (the night turns
# its connection's triggers off for its update): no other version moves.
town
sql 'CREATE INDEX "by ""date"" asked" ON request(submitted_at)'
idx() { sql "SELECT group_concat(name || ':' || sql, ' / ') FROM (SELECT * FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'request' ORDER BY name)"; }
version() { sql 'PRAGMA schema_version'; }
SCHEMA=$(idx)
expect_eq "$SCHEMA" 'by "date" asked:CREATE INDEX "by ""date"" asked" ON request(submitted_at)' "schema read"
TRIGGER=$(sql "SELECT sql FROM sqlite_schema WHERE name = 'held_update'")
VERSION0=$(version)
nocturne-transmit --db "$DB" --now "$NIGHT1" || fail "night 1"
expect_eq "$(states)" "$STATES1" "night 1 decided as ever"
expect_eq "$(idx)" "$SCHEMA" "index text after a large batch"
VERSION1=$(version)
expect_eq "$VERSION1" $((VERSION0 + 2)) "10 changes of 11 requests: the index dropped and made again"
expect_eq "$(sql "SELECT sql FROM sqlite_schema WHERE name = 'held_update'")" "$TRIGGER" "the trigger's text"
held_agrees "after a large batch"
expect_contains "$(idx)" 'by "date" asked:CREATE INDEX "by ""date"" asked" ON request(submitted_at)' "the operator's index"
expect_eq "$(sql 'PRAGMA integrity_check')" ok "integrity after a large batch"
# Twelve more requests, one of them due (and R7): a batch of 2 changes in 23 rows.
for i in 1 2 3 4 5 6 7 8 9 10 11; do
	req "L$i" C2 CANT 2019-12-20 reserve '2019-12-10 09:00'
done
req L12 C5 CANT 2019-12-06 reserve '2019-12-04 09:00'
nocturne-transmit --db "$DB" --now '2019-12-04 22:00' || fail "night 2"
expect_eq "$(sql "SELECT state || ':' || position FROM request WHERE request_id = 'L12'")" waitlisted:3 "night 2 decided"
expect_eq "$(version)" "$VERSION1" "a small batch updates the indexes in place"
held_agrees "after a small batch"
expect_eq "$(idx)" "$SCHEMA" "index text after a small batch"
expect_eq "$(sql 'PRAGMA integrity_check')" ok "integrity after a small batch"
# More indexes than it keeps (REBUILD_MAX, 8): the batch updates them in place.
town
for c in day action arrival departure undoes child_ref activity_ref submitted_at position; do
	sql "CREATE INDEX mine_$c ON request($c)"
done
VERSION0=$(version)
nocturne-transmit --db "$DB" --now "$NIGHT1" || fail "night 1 with nine indexes"
expect_eq "$(states)" "$STATES1" "decided as ever with nine indexes"
expect_eq "$(version)" "$VERSION0" "nine indexes: none dropped"
held_agrees "with nine indexes"
expect_eq "$(sql 'PRAGMA integrity_check')" ok "integrity with nine indexes"
ok

t same_db_twice_same_decisions
# copy.db is the town before night 1: resolve it again (another wall clock).
cp "$T/copy.db" "$T/copy2.db"
nocturne-transmit --db "$T/copy.db" --now "$NIGHT1" || fail "copy run 1"
sleep 1
nocturne-transmit --db "$T/copy2.db" --now "$NIGHT1" || fail "copy run 2"
q="SELECT seq, state, reason, position, batch_id, undoes, reported, notice
   FROM request LEFT JOIN request_mail USING (seq) ORDER BY seq;
   SELECT * FROM decision ORDER BY batch_id, seq; SELECT batch_id, ran_at, n_requests FROM batch"
expect_eq "$(sqlite3 "$T/copy.db" "$q")" "$(sqlite3 "$T/copy2.db" "$q")" "decisions"
ok

t requests_after_now_stay_pending
town
run nocturne-transmit --db "$DB" --now '2019-11-30 23:59:59'
expect_rc 0
expect_eq "$(sql "SELECT count(*) FROM request WHERE state = 'pending'")" 11 pending
expect_eq "$(sql "SELECT batch_id || ':' || n_requests FROM batch")" "1:0" "empty batch recorded"
# The next night reads from the lowest request left pending (R1, seq 1) on.
expect_eq "$(sql "SELECT pending_from FROM batch")" 1 "batch 1's pending_from"
# Exactly at now: taken.
run nocturne-transmit --db "$DB" --now '2019-12-01 08:00'
expect_rc 0
expect_eq "$(sql "SELECT group_concat(request_id, ' ') FROM request WHERE batch_id = 2")" "R1 R6 R8 R9 R10" "taken at 08:00"
expect_eq "$(sql "SELECT pending_from FROM batch WHERE batch_id = 2")" 2 "batch 2's pending_from (R2)"
# Everything decided: one past the last request; a request imported later is above it.
run nocturne-transmit --db "$DB" --now '2019-12-05 08:00'
expect_rc 0
expect_eq "$(sql "SELECT pending_from FROM batch WHERE batch_id = 3")" 12 "batch 3's pending_from"
req R12 C2 CANT 2019-12-06 cancel '2019-12-05 09:00'
run nocturne-transmit --db "$DB" --now '2019-12-05 10:00'
expect_rc 0
expect_eq "$(sql "SELECT group_concat(request_id || ':' || state || ':' || batch_id, ' ') FROM (SELECT * FROM request WHERE request_id IN ('R2', 'R12') ORDER BY request_id)")" \
	"R12:accepted:4 R2:cancelled:4" "R12 read and applied in batch 4"
ok

t pending_from_under_an_operators_index
town
# An operator's index that SQLite prefers for the night's scan of the
# pending requests: they come latest submitted first, not by seq. The
# lowest seq left pending (R2, seq 2) is still the next night's start.
sql "CREATE INDEX op_pending ON request(state, submitted_at DESC)"
expect_contains "$(sql "EXPLAIN QUERY PLAN SELECT * FROM request WHERE seq >= 1 AND state = 'pending'")" \
	"USING INDEX op_pending" "the operator's index is the plan"
run nocturne-transmit --db "$DB" --now '2019-12-01 08:00'
expect_rc 0
expect_eq "$(sql "SELECT group_concat(request_id, ' ') FROM (SELECT request_id FROM request WHERE batch_id = 1 ORDER BY seq)")" \
	"R1 R6 R8 R9 R10" "taken at 08:00"
expect_eq "$(sql "SELECT pending_from FROM batch")" 2 "pending_from: the lowest seq left pending"
ok

t capacity_raise_promotes
town
run nocturne-transmit --db "$DB" --now "$NIGHT1"
reported_all
sql "UPDATE opening SET capacity = 3 WHERE activity_ref = 1 AND day = $(D 2019-12-06)"
run nocturne-transmit --db "$DB" --now "$NIGHT1:30" -v
expect_rc 0
expect_contains "$ERR" "0 requests: 0 accepted, 0 waitlisted, 0 refused, 1 promoted, 0 expired, 0 cancelled; slots 1, positions renumbered 1,"
expect_eq "$(sql "SELECT group_concat(request_id || ':' || state || ':' || coalesce(position, '') || ':' || batch_id || ':' || notice, ' ')
  FROM (SELECT r.*, coalesce(k.reported, 0) AS reported, coalesce(k.notice, 0) AS notice
   FROM request r LEFT JOIN request_mail k USING (seq) WHERE request_id IN ('R3', 'R4') ORDER BY seq)")" "R3:accepted::2:1 R4:waitlisted:1:1:0" promoted
expect_eq "$(sql 'SELECT count(*) FROM decision WHERE batch_id = 2')" 1 "one decision"
ok

t debtor_and_backoffice_config
town
# Nothing listens on 127.0.0.1:9: the batch is stored, its delivery waits (75).
printf '[transmit]\nrefuse_debtor = yes\n[backoffice]\nurl = https://127.0.0.1:9/batches\n' >"$T/d.ini"
run nocturne-transmit -c "$T/d.ini" --db "$DB" --now "$NIGHT1"
expect_rc 75
expect_eq "$(sql "SELECT state || ':' || reason FROM request WHERE request_id = 'R4'")" "refused:debtor" debtor
expect_eq "$(sql 'SELECT delivery FROM batch')" pending delivery
ok

t lock_held_75
town
printf 'pid 4242, started 2019-12-03 21:00:00\n' >"$DB.transmit.lock"
sh -c 'exec 9<"$1"; flock -x 9; exec sleep 30' sh "$DB.transmit.lock" &
holder=$!
at_exit "kill $holder"
i=0
while flock -n "$DB.transmit.lock" true && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
run nocturne-transmit --db "$DB" --now "$NIGHT1"
expect_rc 75
expect_contains "$ERR" "nocturne-transmit: another nocturne-transmit is running (pid 4242, started 2019-12-03 21:00:00"
expect_eq "$(sql 'SELECT count(*) FROM batch')" 0 batches
kill "$holder"
wait "$holder" 2>/dev/null
run nocturne-transmit --db "$DB" --now "$NIGHT1"
expect_rc 0
ok

t busy_database_75
town
printf '[database]\nbusy_timeout_ms = 100\n' >"$T/busy.ini"
# Another writer holds the write lock for a while.
hold_write "$DB" 10 || fail "the write lock was never taken"
run nocturne-transmit -c "$T/busy.ini" --db "$DB" --now "$NIGHT1"
expect_rc 75
expect_contains "$ERR" "database is locked"
kill "$HOLDER" 2>/dev/null
wait "$HOLDER" 2>/dev/null
expect_eq "$(sql "SELECT count(*) FROM request WHERE state = 'pending'")" 11 "nothing decided"
ok

# A request the night decided is deleted by another writer between the
# night's read and its write (the writer holds the write lock while the
# night resolves, and deletes once the night has recorded its changes):
# every change must meet its row, so the night stores nothing and says so.
t a_request_deleted_meanwhile_75
town
rm -f "$T/.held" "$T/.go"
/usr/bin/python3 -c '
import os, sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
open(sys.argv[2], "w").close()
for _ in range(300):
    if os.path.exists(sys.argv[3]):
        break
    time.sleep(0.05)
c.execute("DELETE FROM request WHERE request_id = ?", (sys.argv[4],))
c.execute("COMMIT")' "$DB" "$T/.held" "$T/.go" R9 &
HOLDER=$!
at_exit "kill $HOLDER 2>/dev/null"
poll 100 0.1 test -e "$T/.held" || fail "the write lock was never taken"
seq9=$(sql "SELECT seq FROM request WHERE request_id = 'R9'")
nocturne-transmit --db "$DB" --now "$NIGHT1" -vv >"$T/del.out" 2>"$T/del.err" &
night=$!
poll 100 0.1 grep -q "changes recorded" "$T/del.err" || fail "the night never resolved"
: >"$T/.go"
wait "$night"
night_rc=$?
wait "$HOLDER" 2>/dev/null
expect_eq "$night_rc" 75 "exit code"
expect_contains "$(cat "$T/del.err")" "nocturne-transmit: $DB: request $seq9 (import order), decided tonight, is no longer there (another writer deleted it): nothing stored; the next night decides again"
expect_eq "$(sql "SELECT count(*) FROM batch") $(sql "SELECT count(*) FROM request WHERE state = 'pending'")" "0 10" "no batch, the other ten pending"
held_agrees "after the night that stored nothing"
run nocturne-transmit --db "$DB" --now "$NIGHT1"
expect_rc 0
expect_eq "$(sql "SELECT count(*) FROM batch") $(states)" "1 $(printf "%s\n" "$STATES1" | sed "s/ R9:accepted:::1//")" "the next night: as night 1, without R9"
ok

# A night's places follow its batch in a transaction of their own (night.h).
# A batch whose places were never written (its night stopped between the
# two commits) is said so at once by every reader of held while no night
# runs, and by a dry run; the next nocturne-transmit writes them again from
# the requests.
t places_of_a_stopped_night
town
run nocturne-transmit --db "$DB" --now "$NIGHT1"
expect_rc 0
expect_eq "$(sql 'SELECT places FROM batch')" 1 "the night wrote its places"
held_agrees "after night 1"
sql "SELECT $HELD_COLS FROM held ORDER BY 1, 2, 3, 4, 5, 6" >"$T/held.ref"
# As a cut between the two commits leaves it: batch 1 stored, held not.
sql "UPDATE batch SET places = 0; DELETE FROM held"
LINE="$DB: the slots' places of batch 1 are not written yet (its night stopped before it wrote them?): the next nocturne-transmit writes them"
t0=$(date +%s%N)
run nocturne-status --db "$DB" --request R3
ms=$((($(date +%s%N) - t0) / 1000000))
expect_rc 75
expect_eq "$ERR" "nocturne-status: $LINE" "--request"
[ "$ms" -lt 2500 ] || fail "--request took $ms ms: it waited for a night that does not run"
run nocturne-status --db "$DB" --check
expect_rc 75
expect_eq "$ERR" "nocturne-status: $LINE" "--check"
run nocturne-status --db "$DB" --export
expect_rc 0 # the decisions need no places
# Meanwhile no other writer changes or deletes a decided request (held's
# triggers would work on places not yet written); pending ones are free.
BUSY="a night is writing the slots' places: a decided request cannot change or go meanwhile; try again in a moment (after a night that stopped, once nocturne-transmit has written them)"
run sqlite3 "$DB" "UPDATE request SET state = 'cancelled' WHERE request_id = 'R1'"
expect_contains "$ERR" "$BUSY" "an update of a decided request"
run sqlite3 "$DB" "DELETE FROM request WHERE request_id = 'R9'"
expect_contains "$ERR" "$BUSY" "a delete of a decided request"
run sqlite3 "$DB" "UPDATE request SET arrival = 600 WHERE request_id = 'R7'"
expect_eq "$RC $ERR" "0 " "an update of a pending request"
expect_eq "$(sql "SELECT state FROM request WHERE request_id IN ('R1', 'R9') ORDER BY 1")" "accepted
accepted" "the decided requests unchanged"
run nocturne-transmit --db "$DB" --now "$NIGHT1" --dry-run
expect_rc 75
expect_contains "$ERR" "the slots' places of batch 1 are not written (its night stopped before it wrote them): a dry run cannot resolve without them"
run nocturne-transmit --db "$DB" --now "$NIGHT1" -v
expect_rc 0
expect_contains "$ERR" "nocturne-transmit: the slots' places (held) made again from the requests: the night of batch 1 stopped before it wrote them"
expect_eq "$(sql 'SELECT group_concat(places) FROM batch')" "1,1" "both batches' places"
held_agrees "made again"
sql "SELECT $HELD_COLS FROM held ORDER BY 1, 2, 3, 4, 5, 6" >"$T/held.again"
cmp -s "$T/held.ref" "$T/held.again" || fail "held made again differs from the night's own"
run nocturne-status --db "$DB" --request R3
expect_rc 0
expect_contains "$OUT" "  places taken:   2
  waiting list:   2 waiting (no limit): R3 R4" "--request reads the places again"
run sqlite3 "$DB" "UPDATE request SET arrival = arrival WHERE request_id = 'R1'"
expect_eq "$RC $ERR" "0 " "a decided request may change again"
ok

# A night whose places cannot be written (here an operator's own trigger
# refuses them) has stored its batch: it goes on to its end (its line, its
# delivery), then says why and exits non-zero; the next night writes them.
t places_not_written_the_batch_stays
town
sql "CREATE TRIGGER no_places BEFORE INSERT ON held BEGIN SELECT RAISE(ABORT, 'no places tonight'); END"
run nocturne-transmit --db "$DB" --now "$NIGHT1" -v
[ "$RC" -ne 0 ] || fail "exit 0 with the places not written"
expect_contains "$ERR" "nocturne-transmit: batch 1 at 2019-12-03 22:00:00: $SUM1" "the run went on"
expect_contains "$ERR" "batch 1 is stored, but not its slots' places (the next nocturne-transmit writes them)"
expect_eq "$(sql 'SELECT count(*), group_concat(places) FROM batch')" "1|0" "the batch, without its places"
expect_eq "$(states)" "$STATES1" "the batch's decisions"
sql "DROP TRIGGER no_places"
run nocturne-transmit --db "$DB" --now "$NIGHT1" -v
expect_rc 0
expect_contains "$ERR" "the night of batch 1 stopped before it wrote them"
held_agrees "written by the next night"
ok

# While a night runs (its lock held), a reader of held waits for its
# places, up to the busy timeout.
t a_reader_waits_for_the_places
town
run nocturne-transmit --db "$DB" --now "$NIGHT1"
expect_rc 0
sql "UPDATE batch SET places = 0"
sh -c 'exec 9<"$1"; flock -x 9; exec sleep 30' sh "$DB.transmit.lock" &
holder=$!
at_exit "kill $holder 2>/dev/null"
poll 100 0.05 sh -c '! flock -n "$1" true' sh "$DB.transmit.lock" || fail "the lock was never taken"
(sleep 0.6; sqlite3 "$DB" "UPDATE batch SET places = 1") &
t0=$(date +%s%N)
run nocturne-status --db "$DB" --request R3
ms=$((($(date +%s%N) - t0) / 1000000))
expect_rc 0
[ "$ms" -ge 500 ] || fail "--request answered in $ms ms, before the places were written"
expect_contains "$OUT" "  waiting list:   2 waiting (no limit): R3 R4"
sql "UPDATE batch SET places = 0"
printf '[database]\nbusy_timeout_ms = 300\n' >"$T/wait.ini"
t0=$(date +%s%N)
run nocturne-status -c "$T/wait.ini" --db "$DB" --request R3
ms=$((($(date +%s%N) - t0) / 1000000))
expect_rc 75
expect_eq "$ERR" "nocturne-status: $DB: the slots' places of batch 1 are not written yet (its night stopped before it wrote them?): the next nocturne-transmit writes them"
[ "$ms" -ge 300 ] || fail "gave up after $ms ms, before the busy timeout"
kill "$holder"
wait "$holder" 2>/dev/null
ok

t with_import_and_status_export
rm -f "$T/i.db"
cat >"$T/families.csv" <<'CSV'
family_id;name;emails;balance
F1;Martin;a@example.org;0
F2;Durand;b@example.org;-12,50
CSV
cat >"$T/children.csv" <<'CSV'
child_id;family_id;first_name;last_name
C1;F1;Léa;Martin
C2;F1;Hugo;Martin
C3;F2;Tom;Durand
CSV
cat >"$T/activities.csv" <<'CSV'
activity_id;name;capacity;waitlist;hours;deadline_days;deadline_time
CANT;Cantine;1;2;;1;10:00
CLSH;Centre;;no;08:00-18:00;0;00:00
CSV
cat >"$T/openings.csv" <<'CSV'
activity_id;date;capacity
CANT;2019-12-06;
CLSH;06/12/2019;
CSV
cat >"$T/requests.csv" <<'CSV'
request_id;child_id;activity_id;date;action;arrival;departure;submitted_at
W1;C1;CANT;2019-12-06;reserve;;;2019-12-01 08:00
W2;C2;CANT;2019-12-06;reservation;;;2019-12-01 09:00
W3;C3;CANT;2019-12-06;reserve;;;2019-12-05 09:59:59
W4;C1;CLSH;2019-12-06;reserve;07:59;;2019-12-01 08:00
W5;C2;CLSH;2019-12-06;reserve;08:00;18:00;2019-12-01 08:00
W6;C1;CANT;2019-12-06;annulation;;;2019-12-05 10:00
CSV
for k in families children activities openings requests; do
	nocturne-import --db "$T/i.db" "$k" "$T/$k.csv" || fail "import $k"
done
printf '[transmit]\nrefuse_debtor = yes\n' >"$T/i.ini"
run nocturne-transmit -c "$T/i.ini" --db "$T/i.db" --now '2019-12-05 22:00' -n
expect_rc 0
printf '%s\n' "$OUT" | tail -n +2 >"$T/dry.csv"
expect_eq "$(head -n 1 "$T/.out")" "dry run: batch 1 at 2019-12-05 22:00:00 would decide 6 requests: 2 accepted, 1 waitlisted, 3 refused (deadline 1, times 1, debtor 1), 0 promoted, 0 expired, 0 cancelled" summary
run nocturne-transmit -c "$T/i.ini" --db "$T/i.db" --now '2019-12-05 22:00'
expect_rc 0
nocturne-status --db "$T/i.db" --export --batch 1 >"$T/exp.csv" || fail "export"
cmp -s "$T/dry.csv" "$T/exp.csv" || fail "dry run and export differ: $(diff "$T/dry.csv" "$T/exp.csv")"
expect_contains "$(cat "$T/exp.csv")" "W2;C2;CANT;2019-12-06;reserve;waitlisted;;1;1;2019-12-05 22:00:00
W3;C3;CANT;2019-12-06;reserve;refused;debtor;;1;2019-12-05 22:00:00"
ok
