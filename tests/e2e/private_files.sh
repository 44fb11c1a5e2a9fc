# private_files.sh - family data is private (names, addresses, debts: personal
# data under the GDPR): whatever the caller's umask, every tool creates its
# files 0640 at most (umask 027); an export never replaces what is not a
# regular file; a closed pipe is a write error (74), not a death by SIGPIPE.
. "$NOCTURNE_TOP/tests/e2e/lib.sh"

mode() { stat -c %a "$1"; }
# at_most_640 FILE: no bit beyond rw-r-----
at_most_640() {
	[ -e "$1" ] || { fail "$1 does not exist"; return; }
	m=$(mode "$1")
	[ $((0$m & 0137)) -eq 0 ] || fail "$(basename "$1") is mode $m, more than 640"
}

cat >fam.csv <<'X'
family_id;name;emails;balance
F1;Dupont;a@x.fr;-12,50
X
csv children ch.csv <<'X'
C1;F1;Léa;Dupont
X
cat >act.csv <<'X'
activity_id;name;capacity
CANT;Cantine;
X
{
	echo "activity_id;date"
	echo "CANT;2019-12-10"
} >op.csv
# 3,000 requests: an export of about 200 KB, more than a pipe holds.
awk 'BEGIN { print "request_id;child_id;activity_id;date;action;submitted_at";
	for (i = 1; i <= 3000; i++) printf "R%05d;C1;CANT;2019-12-10;%s;2019-12-01 10:00\n", i, i % 2 ? "reserve" : "cancel" }' >req.csv
cat >conf.ini <<X
[database]
path = $T/var/n.db
[mail]
transport = file
directory = $T/var/outbox
X
mkdir var

t files_created_0640_whatever_the_umask
(
	umask 000
	for k in families:fam children:ch activities:act openings:op requests:req; do
		nocturne-import -c conf.ini "${k%%:*}" "${k#*:}.csv" || echo "FAIL: import ${k%%:*}"
	done
	nocturne-transmit -c conf.ini --now '2019-12-02 22:00' || echo "FAIL: transmit"
	nocturne-notify -c conf.ini --now '2019-12-03 07:00' || echo "FAIL: notify"
	nocturne-status -c conf.ini --export "$T/var/export.csv" || echo "FAIL: export"
)
expect_eq "$(mode var/n.db)" 640 database
at_most_640 var/n.db.transmit.lock
at_most_640 var/n.db.notify.lock
expect_eq "$(mode var/outbox)" 750 "mail directory"
expect_eq "$(ls var/outbox | grep -c '\.eml$')" 1 "messages written"
for f in var/outbox/*.eml; do at_most_640 "$f"; done
at_most_640 var/export.csv
# The WAL and shared-memory files take the database's mode (SQLite's rule):
# seen while a reader keeps them.
/usr/bin/python3 -c '
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1]); c.execute("SELECT count(*) FROM family").fetchall()
open(sys.argv[2], "w").close(); time.sleep(30)' "$T/var/n.db" "$T/reading" &
rp=$!
poll 100 0.05 test -f reading || fail "the reader never opened the database"
(umask 000 && nocturne-status -c conf.ini >/dev/null) || fail "status while a reader is open"
at_most_640 var/n.db-wal
at_most_640 var/n.db-shm
kill $rp 2>/dev/null
wait $rp 2>/dev/null
ok

t export_refuses_what_is_not_a_regular_file
mkfifo "$T/fifo"
mkdir "$T/adir"
echo "keep me" >"$T/target.txt"
ln -s "$T/target.txt" "$T/link.csv"
run nocturne-status -c conf.ini --export "$T/fifo"
expect_rc 74
expect_eq "$ERR" "nocturne-status: $T/fifo: exists and is not a regular file (a device, pipe or socket): refused" stderr
run nocturne-status -c conf.ini --export "$T/adir"
expect_rc 74
expect_eq "$ERR" "nocturne-status: $T/adir: exists and is not a regular file (a directory): refused" stderr
# A symbolic link is neither replaced nor followed: refused, its target kept.
run nocturne-status -c conf.ini --export "$T/link.csv"
expect_rc 74
expect_eq "$ERR" "nocturne-status: $T/link.csv: exists and is not a regular file (a symbolic link): refused" stderr
[ -L "$T/link.csv" ] || fail "the link was replaced"
expect_eq "$(cat "$T/target.txt")" "keep me" "the link's target"
expect_eq "$(ls "$T" | grep -c '\.tmp$')" 0 "temporary files left"
# A regular file is replaced, atomically.
echo old >"$T/old.csv"
run nocturne-status -c conf.ini --export "$T/old.csv"
expect_rc 0
expect_eq "$(head -n 1 "$T/old.csv")" "request_id;child_id;activity_id;date;action;state;reason;position;batch_id;decided_at" header
if [ "$(id -u)" -eq 0 ] && [ -c /dev/full ]; then
	# As root, the issue's case: a device is never renamed over.
	run nocturne-status -c conf.ini --export /dev/full
	expect_rc 74
	[ -c /dev/full ] || fail "/dev/full is no longer a device"
fi
ok

t export_to_a_closed_pipe_is_74_not_sigpipe
# head -1 closes the pipe after the header; the export goes on writing.
{ nocturne-status -c conf.ini --export 2>"$T/pipe.err"; echo $? >"$T/pipe.rc"; } | head -n 1 >"$T/pipe.out"
expect_eq "$(cat "$T/pipe.rc")" 74 "exit status (141 would be a death by SIGPIPE)"
expect_eq "$(cat "$T/pipe.err")" "nocturne-status: standard output: cannot write: Broken pipe" stderr
expect_eq "$(cat "$T/pipe.out")" "request_id;child_id;activity_id;date;action;state;reason;position;batch_id;decided_at" "the line head read"
ok
