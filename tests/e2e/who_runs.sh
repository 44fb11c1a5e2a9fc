# who_runs.sh - who runs what. The tools run as one user (cron's `nocturne`;
# by hand: runuser -u nocturne -- nocturne-...). A file beside the database
# left by another user (a hand run as root) is met with one line naming the
# file, its owner and the user running, never SQLite's "attempt to write a
# readonly database"; a root run on another user's database leaves nothing
# that user cannot open. Run as root, with `nobody` as the other user.
. "$NOCTURNE_TOP/tests/e2e/lib.sh"

if [ "$(id -u)" -ne 0 ] || ! command -v runuser >/dev/null || ! id nobody >/dev/null 2>&1; then
	echo "SKIP: who_runs.sh needs root, runuser and the nobody user"
	exit 0
fi
chmod 755 "$T"
# Built-in defaults, whatever /etc/nocturne holds on this machine.
: >"$T/empty.ini"
chmod 644 "$T/empty.ini"
export NOCTURNE_CONFIG="$T/empty.ini"
W=$T/w
mkdir "$W"
as_nobody() { run runuser -u nobody -- "$@"; }

csv families fam.csv <<'X'
F1;Dupont;a@x.fr
X
csv children ch.csv <<'X'
C1;F1;Léa;Dupont
X
cat >act.csv <<'X'
activity_id;name;capacity
CANT;Cantine;10
X
printf 'activity_id;date\nCANT;2019-12-10\n' >op.csv
printf 'request_id;child_id;activity_id;date;action;submitted_at\nR1;C1;CANT;2019-12-10;reserve;2019-12-01 10:00\n' >req.csv
chmod 644 ./*.csv
town() { # town DB: the small town, imported by root
	for k in families:fam children:ch activities:act openings:op requests:req; do
		nocturne-import --db "$1" "${k%%:*}" "${k#*:}.csv" || echo "FAIL: import ${k%%:*}"
	done
}

t root_owned_database_met_by_another_user
# The issue's case: root imported (a root-owned database), cron's user runs.
chmod 777 "$W"
town "$W/root.db"
as_nobody nocturne-transmit -q --db "$W/root.db" --now '2019-12-02 22:00'
expect_rc 74
expect_eq "$ERR" "nocturne-transmit: $W/root.db: database owned by root, which this run (as nobody) cannot write: run the tools as root (runuser -u root -- nocturne-...), or chown it to nobody" stderr
expect_not_contains "$ERR" "readonly"
expect_eq "$(sqlite3 "$W/root.db" 'SELECT count(*) FROM batch')" 0 batches
ok

t root_owned_lock_met_by_another_user
town "$W/n.db"
chown nobody "$W/n.db"
install -m 644 /dev/null "$W/n.db.notify.lock" # left by a root run before the fix
as_nobody nocturne-notify -q --db "$W/n.db" --now '2019-12-03 07:00'
expect_rc 74
expect_eq "$ERR" "nocturne-notify: $W/n.db.notify.lock: lock file owned by root, which this run (as nobody) cannot write: run the tools as root (runuser -u root -- nocturne-...), or chown it to nobody" stderr
rm -f "$W/n.db.notify.lock"
ok

t root_owned_shared_memory_file_met_by_another_user
install -m 644 /dev/null "$W/n.db-shm"
as_nobody nocturne-transmit -q --db "$W/n.db" --now '2019-12-02 22:00'
expect_rc 74
expect_eq "$ERR" "nocturne-transmit: $W/n.db-shm: database file owned by root, which this run (as nobody) cannot write: run the tools as root (runuser -u root -- nocturne-...), or chown it to nobody" stderr
expect_eq "$(sqlite3 "$W/n.db" 'SELECT count(*) FROM batch')" 0 batches
# nocturne-status only reads (contract section 10): another user's file beside
# the database does not stop it.
as_nobody nocturne-status --db "$W/n.db" --now '2019-12-02 22:00'
expect_rc 0
expect_empty "$ERR" stderr
expect_contains "$OUT" "Pending requests: 1"
rm -f "$W/n.db-shm"
ok

t new_database_in_a_directory_of_another_user
chmod 755 "$W"
as_nobody nocturne-import --db "$W/new.db" families "$T/fam.csv"
expect_rc 74
expect_eq "$ERR" "nocturne-import: $W: directory owned by root, which this run (as nobody) cannot write: run the tools as root (runuser -u root -- nocturne-...), or chown it to nobody" stderr
[ ! -e "$W/new.db" ] || fail "a database was created"
ok

t root_hand_run_leaves_nothing_the_owner_cannot_open
# Root runs transmit by hand on nobody's database: the lock file it creates
# is handed to nobody (as SQLite does for the WAL), so cron's next run works.
chown nobody "$W"
run nocturne-transmit --db "$W/n.db" --now '2019-12-02 22:00'
expect_rc 0
expect_eq "$(stat -c %U "$W/n.db.transmit.lock")" nobody "lock file owner"
for f in "$W"/n.db*; do
	expect_eq "$(stat -c %U "$f")" nobody "owner of $(basename "$f")"
done
as_nobody nocturne-transmit -q --db "$W/n.db" --now '2019-12-03 22:00'
expect_rc 0
expect_empty "$ERR" stderr
expect_eq "$(sqlite3 "$W/n.db" 'SELECT count(*) FROM batch')" 2 batches
ok
