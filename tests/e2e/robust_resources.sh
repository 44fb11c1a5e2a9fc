#!/bin/sh
# robust_resources.sh - when resources run out: the database on a full or a
# read-only filesystem (a small tmpfs, so this needs root: without it the
# cases are skipped with a note and no PASS), an outbox whose directory
# cannot be created, an export onto a full disk, a configuration nobody may
# read, a big night or import whose temporary directory is missing or full. Each: a clear one-line error, the documented exit code, nothing
# half-written (the database as it was, no partial file left).
. "$NOCTURNE_TOP/tests/e2e/lib.sh"
need_tools nocturne-import nocturne-transmit nocturne-notify nocturne-status

NOW='2019-11-29 23:00'
chmod 755 "$T"
/usr/bin/python3 "$TOP/stress/gentown.py" town 3000 9
for k in families children activities openings; do
	nocturne-import -q --db base.db "$k" "town/$k.csv" || echo "FAIL: setup import $k"
done
cp base.db imported.db
nocturne-import -q --db imported.db requests town/requests.csv || echo "FAIL: setup requests"
sqlite3 imported.db 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null

state() { # a digest of everything a run could change
	sqlite3 "$1" "SELECT count(*) FROM batch; SELECT count(*) FROM decision;
		SELECT state, count(*) FROM request GROUP BY state; SELECT count(*) FROM message;
		SELECT count(*) FROM family; PRAGMA integrity_check" | tr '\n' ' '
}
one_line() { expect_eq "$(printf '%s\n' "$ERR" | wc -l)" 1 "stderr lines"; }

t unreadable_config_is_78
printf '[database]\nbusy_timeout_ms = 100\n' >secret.ini
chmod 000 secret.ini
if setpriv --reuid=nobody --regid=nogroup --clear-groups true 2>/dev/null; then
	run setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$NOCTURNE_BUILD/nocturne-status" -c "$T/secret.ini" --db "$T/base.db"
	expect_rc 78
	expect_contains "$ERR" "secret.ini" stderr
	one_line
	ok
else
	echo "  unreadable_config_is_78: skipped (cannot switch to user nobody)"
fi
chmod 600 secret.ini

t missing_config_is_78
run nocturne-transmit -c "$T/nowhere.ini" --db base.db --now "$NOW"
expect_rc 78
expect_contains "$ERR" "nowhere.ini"
one_line
ok

t outbox_parent_missing_is_74_and_mail_waits
cp imported.db mail.db
nocturne-transmit -q --db mail.db --now "$NOW" || fail "setup transmit"
printf '[mail]\ntransport = file\ndirectory = %s/no/such/outbox\n' "$T" >nobox.ini
run nocturne-notify -c nobox.ini --db mail.db --now '2019-11-30 07:00'
expect_rc 74
expect_contains "$ERR" "no/such/outbox"
one_line
expect_eq "$(sqlite3 mail.db "SELECT count(*) FROM message WHERE state <> 'pending'")" 0 \
	"messages not pending"
[ -e no ] && fail "something was created"
ok

t export_to_dev_full_is_74
run sh -c "nocturne-status --db mail.db --export - >/dev/full"
expect_rc 74
one_line
ok

# A night of 60,000 requests sorts them in runs on a temporary file
# (lib/runsort.c, past 2 MiB of them): in $TMPDIR, else /tmp.
/usr/bin/python3 "$TOP/stress/gentown.py" big 60000 5
cp base.db big.db
for k in families children activities openings requests; do
	nocturne-import -q --db big.db "$k" "big/$k.csv" || echo "FAIL: setup big import $k"
done
sqlite3 big.db 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null

t night_without_temporary_directory_is_74_and_changes_nothing
cp big.db big1.db
before=$(state big1.db)
TMPDIR=$T/no-such-dir run nocturne-transmit --db big1.db --now "$NOW"
expect_rc 74
expect_contains "$ERR" "temporary file in $T/no-such-dir"
one_line
expect_eq "$(state big1.db)" "$before" "database"
mkdir tmpd
TMPDIR=$T/tmpd run nocturne-transmit --db big1.db --now "$NOW"
expect_rc 0
decided=$(sqlite3 big1.db "SELECT n_requests FROM batch")
[ "${decided:-0}" -gt 52429 ] || fail "the night decided ${decided:-no} requests: too few to spill"
expect_eq "$(sqlite3 big1.db "SELECT count(*) FROM request WHERE state <> 'pending'")" \
	"$decided" "requests decided"
expect_eq "$(ls -A tmpd | wc -l)" 0 "files left in \$TMPDIR"
ok

# An import of 100,000 requests sorts their ids on the side (import_pipe.c,
# past 4 MiB of them) in the same way: without its temporary directory it
# stops, says where, and stores nothing; with one, it leaves nothing there.
/usr/bin/python3 "$TOP/stress/gentown.py" many 100000 7
cp base.db many.db
for k in families children activities openings; do
	nocturne-import -q --db many.db "$k" "many/$k.csv" || echo "FAIL: setup many import $k"
done
sqlite3 many.db 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null

t import_without_temporary_directory_is_74_and_changes_nothing
before=$(state many.db)
TMPDIR=$T/no-such-dir run nocturne-import --db many.db requests many/requests.csv
expect_rc 74
expect_eq "$ERR" "nocturne-import: many/requests.csv: sorting the request ids in $T/no-such-dir: temporary file in $T/no-such-dir: No such file or directory"
expect_eq "$(state many.db)" "$before" "database"
mkdir -p tmpi
TMPDIR=$T/tmpi run nocturne-import --db many.db requests many/requests.csv
expect_rc 0
expect_eq "$(sqlite3 many.db "SELECT count(*) FROM request_key")" \
	"$(tail -n +2 many/requests.csv | cut -d';' -f1 | sort -u | wc -l)" "ids keyed"
expect_eq "$(ls -A tmpi | wc -l)" 0 "files left in \$TMPDIR"
ok

# The same ids again: each found taken as the ids go into request_key in
# one statement, its seq sorted on the side (past 32,768 of them, a run in
# the temporary directory): that sort's failure stops the import as the
# ids' own does, and with the directory, every row is unchanged.
t reimport_without_temporary_directory_is_74_and_changes_nothing
head -n 50001 many/requests.csv >known.csv
before=$(state many.db)
keys=$(sqlite3 many.db "SELECT count(*), sum(seq) FROM request_key")
TMPDIR=$T/no-such-dir run nocturne-import --db many.db requests known.csv
expect_rc 74
expect_eq "$ERR" "nocturne-import: known.csv: sorting the request ids in $T/no-such-dir: temporary file in $T/no-such-dir: No such file or directory"
expect_eq "$(state many.db)" "$before" "database"
TMPDIR=$T/tmpi run nocturne-import -v --db many.db requests known.csv
expect_rc 0
expect_contains "$ERR" "known.csv: 50000 rows read, 0 inserted, 0 updated, 50000 unchanged, 0 bad"
expect_eq "$(sqlite3 many.db "SELECT count(*), sum(seq) FROM request_key")" "$keys" "request_key"
expect_eq "$(state many.db)" "$before" "database after"
expect_eq "$(ls -A tmpi | wc -l)" 0 "files left in \$TMPDIR"
ok

M=$T/mnt
mkdir -p "$M"
if ! mount -t tmpfs -o size=6m,mode=755 tmpfs "$M" 2>/dev/null; then
	echo "SKIP: robust_resources full and read-only filesystem cases: cannot mount a" \
		"tmpfs here (needs root)"
	exit 0
fi
at_exit "umount -l $M"

fill() { # fill the filesystem up
	dd if=/dev/zero of="$M/filler" bs=64k 2>/dev/null
	dd if=/dev/zero of="$M/filler2" bs=512 2>/dev/null
	sync
}
unfill() { rm -f "$M/filler" "$M/filler2"; }

t transmit_on_full_disk_is_74_and_leaves_no_trace
cp imported.db "$M/n.db"
before=$(state "$M/n.db")
fill
run nocturne-transmit --db "$M/n.db" --now "$NOW"
expect_rc 74
one_line
unfill
expect_eq "$(state "$M/n.db")" "$before" "database"
run nocturne-transmit -q --db "$M/n.db" --now "$NOW"
expect_rc 0
expect_eq "$(sqlite3 "$M/n.db" 'SELECT count(*) FROM batch')" 1 "batches after the rerun"
rm -f "$M"/n.db*
ok

t import_on_full_disk_is_74_and_imports_nothing
cp base.db "$M/i.db"
before=$(state "$M/i.db")
fill
run nocturne-import --db "$M/i.db" requests town/requests.csv
expect_rc 74
one_line
unfill
expect_eq "$(state "$M/i.db")" "$before" "database"
rm -f "$M"/i.db*
ok

t export_on_full_disk_is_74_and_leaves_no_file
fill
run nocturne-status --db mail.db --export "$M/out.csv"
expect_rc 74
one_line
[ -e "$M/out.csv" ] && fail "a partial export was left"
expect_eq "$(ls -A "$M" | grep -v '^filler' | tr '\n' ' ')" "" "files left in the filesystem"
unfill
ok

# The export's writer thread (lib/bgwrite.c) meets the full disk blocks
# after the export began: the error still reaches the one line and the exit.
t export_filling_the_disk_is_74_and_keeps_the_previous_export
nocturne-status --db big.db --export big-export.csv || fail "setup: export of big.db"
run nocturne-status --db big.db --export "$M/out.csv"
expect_rc 0
cmp -s big-export.csv "$M/out.csv" || fail "the first export differs"
[ "$(wc -c <big-export.csv)" -gt $((3 * 1024 * 1024)) ] || fail "setup: export under 3 MiB"
# Several of the writer's blocks of 1 MiB: the file is what stdio writes to
# standard output, byte for byte, the blocks in order.
nocturne-status --db big.db --export - | cmp -s - big-export.csv ||
	fail "the file export differs from the one on standard output"
run nocturne-status --db big.db --export "$M/out.csv"
expect_rc 74
one_line
expect_contains "$ERR" "$M/out.csv: cannot write: No space left on device"
cmp -s big-export.csv "$M/out.csv" || fail "the previous export was not kept whole"
expect_eq "$(ls -A "$M" | tr '\n' ' ')" "out.csv " "files in the filesystem"
rm -f "$M/out.csv"
ok

t outbox_on_full_disk_keeps_mail_pending
cp mail.db m2.db
mkdir -p "$M/outbox"
printf '[mail]\ntransport = file\ndirectory = %s/outbox\n' "$M" >full.ini
fill
run nocturne-notify -c full.ini --db m2.db --now '2019-11-30 07:00'
case $RC in 74 | 75) ;; *) fail "exit $RC, expected 74 or 75" ;; esac
one_line
expect_eq "$(ls -A "$M/outbox" | wc -l)" 0 "files in the outbox"
expect_eq "$(sqlite3 m2.db "SELECT count(*) FROM message WHERE state = 'sent'")" 0 "sent"
unfill
run nocturne-notify -q -c full.ini --db m2.db --now '2019-11-30 07:00'
expect_rc 0
expect_eq "$(sqlite3 m2.db "SELECT count(*) FROM message WHERE state <> 'sent'")" 0 \
	"not sent after the disk was freed"
ok

t night_on_full_temporary_directory_is_74_and_changes_nothing
cp big.db big2.db
before=$(state big2.db)
files=$(ls -A "$M")
fill
TMPDIR=$M run nocturne-transmit --db big2.db --now "$NOW"
expect_rc 74
expect_contains "$ERR" "temporary file"
one_line
unfill
expect_eq "$(state big2.db)" "$before" "database"
expect_eq "$(ls -A "$M")" "$files" "files on the full disk"
ok

t import_on_full_temporary_directory_is_74_and_changes_nothing
sqlite3 base.db 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
cp base.db many2.db
for k in families children activities openings; do
	nocturne-import -q --db many2.db "$k" "many/$k.csv" || echo "FAIL: setup many2 import $k"
done
before=$(state many2.db)
files=$(ls -A "$M")
fill
TMPDIR=$M run nocturne-import --db many2.db requests many/requests.csv
expect_rc 74
expect_contains "$ERR" "nocturne-import: many/requests.csv: sorting the request ids in $M: temporary file"
one_line
unfill
expect_eq "$(state many2.db)" "$before" "database"
expect_eq "$(ls -A "$M")" "$files" "files on the full disk"
ok

t transmit_on_read_only_filesystem_is_74_and_changes_nothing
cp imported.db "$M/r.db"
before=$(state "$M/r.db")
mount -o remount,ro "$M"
run nocturne-transmit --db "$M/r.db" --now "$NOW"
expect_rc 74
expect_contains "$ERR" "$M/r.db"
one_line
mount -o remount,rw "$M"
expect_eq "$(state "$M/r.db")" "$before" "database"
ok
