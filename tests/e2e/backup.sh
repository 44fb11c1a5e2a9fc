# backup.sh - [database] backup_dir / backup_keep: a consistent copy before
# each night's batch, named by batch and time, 0640, the oldest beyond
# backup_keep removed; a failed backup stops the night (74) and changes
# nothing; the restore (copy a backup back, rerun the night) gives the
# same decisions. And the clock never goes backwards (64, both times named).
. "$NOCTURNE_TOP/tests/e2e/lib.sh"

S=$TOP/samples
mkdir "$T/backups"
cat >"$T/n.ini" <<EOI
[database]
path = $T/n.db
backup_dir = $T/backups
backup_keep = 2
[mail]
directory = $T/outbox
EOI
export NOCTURNE_CONFIG="$T/n.ini"
import_samples
batches() { sqlite3 "$1" 'SELECT count(*) FROM batch'; }
pending() { sqlite3 "$1" "SELECT count(*) FROM request WHERE state = 'pending'"; }

t backup_before_the_first_night
run nocturne-transmit --now '2019-12-01 22:00'
expect_rc 0
expect_empty "$OUT$ERR" output
B1=$T/backups/n-batch000001-20191201-220000.db
[ -f "$B1" ] || fail "no $B1: $(ls -a "$T/backups")"
expect_eq "$(stat -c %a "$B1")" 640 "backup mode"
# The state before batch 1: every request pending, no batch; a sound file.
expect_eq "$(batches "$B1")" 0 "batches in the backup"
expect_eq "$(pending "$B1")" "$(sqlite3 "$T/n.db" 'SELECT count(*) FROM request')" "pending in the backup"
expect_eq "$(sqlite3 "$B1" 'PRAGMA integrity_check')" ok "integrity"
expect_eq "$(sqlite3 "$B1" 'PRAGMA user_version')" "$(sqlite3 "$T/n.db" 'PRAGMA user_version')" "schema"
ok

t backup_keep_removes_the_oldest
nocturne-import openings "$S/openings-night2.csv" || fail "import openings 2"
nocturne-import requests "$S/requests-night2.csv" || fail "import requests 2"
run nocturne-transmit --now '2019-12-02 22:00'
expect_rc 0
E2=$(nocturne-status --export | sha256sum)
D2=$(sqlite3 "$T/n.db" "SELECT group_concat(seq || state || coalesce(reason,'') || coalesce(position,''), ',') FROM decision WHERE batch_id = 2")
# What the restore case compares with: a real export and real decisions (an
# export that failed, or a night that decided nothing, would match anything).
[ "$(nocturne-status --export | grep -c ';2;2019-12-02 22:00:00$')" -gt 0 ] ||
	fail "the export names no decision of batch 2"
[ -n "$D2" ] || fail "batch 2 decided nothing"
run nocturne-transmit --now '2019-12-03 22:00'
expect_rc 0
expect_eq "$(ls -A "$T/backups" | tr '\n' ' ')" \
	"n-batch000002-20191202-220000.db n-batch000003-20191203-220000.db " "backups kept"
expect_eq "$(batches "$T/backups/n-batch000003-20191203-220000.db")" 2 "batches before batch 3"
ok

t restore_gives_the_same_decisions
cp "$T/n.db" "$T/after.db"
rm -f "$T/n.db" "$T/n.db-wal" "$T/n.db-shm"
cp "$T/backups/n-batch000002-20191202-220000.db" "$T/n.db"
expect_eq "$(batches "$T/n.db")" 1 "restored: batches"
run nocturne-transmit --now '2019-12-02 22:00'
expect_rc 0
expect_eq "$(nocturne-status --export | sha256sum)" "$E2" "export after the restore and rerun"
expect_eq "$(sqlite3 "$T/n.db" "SELECT group_concat(seq || state || coalesce(reason,'') || coalesce(position,''), ',') FROM decision WHERE batch_id = 2")" \
	"$D2" "batch 2's decisions"
ok

t failed_backup_stops_the_night_74
sqlite3 "$T/n.db" "INSERT INTO request(request_id, child_ref, activity_ref, day, action,
  submitted_at) SELECT 'LATE1', child_ref, activity_ref, day + 7, 'reserve',
  strftime('%s', '2019-12-04 10:00') FROM request LIMIT 1"
sum=$(sqlite3 "$T/n.db" .dump | sha256sum)
printf '[database]\npath = %s/n.db\nbackup_dir = %s/nosuchdir\n' "$T" "$T" >"$T/bad.ini"
run nocturne-transmit -c "$T/bad.ini" --now '2019-12-04 22:00'
expect_rc 74
expect_contains "$ERR" "nocturne-transmit: backup: $T/nosuchdir/.n-batch000003-20191204-220000.db."
expect_contains "$ERR" ".tmp: cannot create: No such file or directory"
expect_eq "$(printf '%s\n' "$ERR" | wc -l)" 1 "error lines"
expect_eq "$(sqlite3 "$T/n.db" .dump | sha256sum)" "$sum" "database after the failed backup"
ok

t backup_on_a_full_disk_74
if [ "$(id -u)" -ne 0 ] || ! mkdir "$T/full" || ! mount -t tmpfs -o size=16k tmpfs "$T/full" 2>/dev/null; then
	echo "SKIP: backup_on_a_full_disk_74 needs root and a tmpfs mount"
else
	at_exit "umount '$T/full'"
	printf '[database]\npath = %s/n.db\nbackup_dir = %s/full\n' "$T" "$T" >"$T/full.ini"
	run nocturne-transmit -c "$T/full.ini" --now '2019-12-04 22:00'
	expect_rc 74
	expect_contains "$ERR" "nocturne-transmit: $T/n.db: backup to $T/full/.n-batch000003-"
	expect_eq "$(ls -A "$T/full")" "" "the full folder (no temporary left)"
	expect_eq "$(sqlite3 "$T/n.db" .dump | sha256sum)" "$sum" "database after the failed backup"
	ok
fi

t dry_run_takes_no_backup
before=$(ls -A "$T/backups")
run nocturne-transmit -n --now '2019-12-04 22:00'
expect_rc 0
expect_eq "$(ls -A "$T/backups")" "$before" "backups after a dry run"
ok

t clock_backwards_transmit_64
# The typo of the issue: November for December, after the night of 2 December.
run nocturne-transmit --now '2019-11-25 22:00'
expect_rc 64
expect_eq "$ERR" "nocturne-transmit: the clock for tonight's batch, 2019-11-25 22:00:00, is before batch 2's, 2019-12-02 22:00:00: the clock never goes backwards (check --now, \$NOCTURNE_NOW or the system clock)"
expect_eq "$(sqlite3 "$T/n.db" .dump | sha256sum)" "$sum" "database after a clock refused"
expect_eq "$(ls -A "$T/backups")" "$before" "no backup for a refused night"
# One second before is refused, the same second is not.
run nocturne-transmit -n --now '2019-12-02 21:59:59'
expect_rc 64
run nocturne-transmit -n --now '2019-12-02 22:00:00'
expect_rc 0
ok

t clock_backwards_notify_64
run nocturne-notify --now '2019-12-02 21:00'
expect_rc 64
expect_eq "$ERR" "nocturne-notify: the clock for this morning's mail, 2019-12-02 21:00:00, is before batch 2's, 2019-12-02 22:00:00: the clock never goes backwards (check --now, \$NOCTURNE_NOW or the system clock)"
expect_eq "$(sqlite3 "$T/n.db" 'SELECT count(*) FROM message')" 0 "messages composed"
[ -d "$T/outbox" ] && fail "an outbox was written"
run nocturne-notify --now '2019-12-03 07:00'
expect_rc 0
ok
