# status_check.sh - nocturne-status --check [--network]: silent and 0 on a
# sound installation; one line per problem otherwise (a corrupted database,
# a world-readable secret, a missing folder, a newer schema), exit status of
# the first; --network: the SMTP relay (EHLO, STARTTLS, AUTH, nothing sent)
# and the back office (TLS handshake, no request), on the real fixtures.
. "$NOCTURNE_TOP/tests/e2e/lib.sh"
. "$TOP/tests/fixtures/smtp_common.sh"
. "$TOP/tests/fixtures/bo_lib.sh"

mkdir "$T/backups"
umask 077
printf 'pw-of-the-relay\n' >"$T/smtp-password"
printf 'tok-42\n' >"$T/token"
umask 022
base() { # base FILE [DB]: a sound file-transport configuration
	printf '[database]\npath = %s\nbackup_dir = %s/backups\n[mail]\ndirectory = %s/outbox\n' \
		"${2:-$T/n.db}" "$T" "$T" >"$1"
}
base "$T/n.ini"
export NOCTURNE_CONFIG="$T/n.ini"
import_samples
nocturne-transmit --now '2019-12-01 22:00' || echo "FAIL: fixture night"
sqlite3 "$T/n.db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null

t check_sound_installation_is_silent
run nocturne-status --check
expect_rc 0
expect_empty "$OUT$ERR" output
ok

t check_corrupted_database
cp "$T/n.db" "$T/bad.db"
# Overwrite the first bytes of held's root page: a b-tree page that is no page.
p=$(sqlite3 "$T/bad.db" "SELECT rootpage FROM sqlite_master WHERE name = 'held'")
sz=$(sqlite3 "$T/bad.db" 'PRAGMA page_size')
printf '\377\377\377\377\377\377\377\377\377\377\377\377\377\377\377\377' |
	dd of="$T/bad.db" bs=1 seek=$(((p - 1) * sz)) conv=notrunc 2>/dev/null
run nocturne-status --check --db "$T/bad.db"
expect_rc 74
expect_contains "$ERR" "nocturne-status: $T/bad.db: integrity: Page $p: "
expect_empty "$OUT" stdout
# The same file without the damage passes: the check looks at the data.
run nocturne-status --check --db "$T/n.db"
expect_rc 0
ok

# mirror_says DB TABLE WHAT TRIGGER: --check on DB, one row of TABLE (WHAT)
# astray, says so in one line, 74; then with TRIGGER dropped, that too.
mirror_says() {
	run nocturne-status --check --db "$1"
	expect_rc 74
	expect_eq "$ERR" "nocturne-status: $1: $2: 1 row of $3 is not the requests'"
	sqlite3 "$1" "DROP TRIGGER $4"
	run nocturne-status --check --db "$1"
	expect_rc 74
	expect_contains "$ERR" "nocturne-status: $1: $2: 2 of its 3 triggers on request (${2}_insert, ${2}_update, ${2}_delete)"
}

t check_held_disagrees
# The slots' places a night reads (held) must be the requests': a place
# lost, or a trigger that keeps them in step gone, is one line each, 74.
cp "$T/n.db" "$T/held.db"
[ "$(sqlite3 "$T/held.db" 'SELECT count(*) FROM held')" -gt 0 ] || fail "no place held after night 1"
sqlite3 "$T/held.db" 'DELETE FROM held WHERE seq = (SELECT min(seq) FROM held)'
mirror_says "$T/held.db" held "the slots' places" held_update
ok

t check_request_key_disagrees
# The requests' ids (request_key) must be the requests': an id lost, or a
# trigger that gives another writer's request its key gone, is one line
# each, 74, whichever side the row is missing from. A request the portal
# inserts gets its key; an id given twice is refused, as request's UNIQUE
# did before schema 14.
cp "$T/n.db" "$T/key.db"
sqlite3 "$T/key.db" "INSERT INTO request(request_id, child_ref, activity_ref, day, action, submitted_at)
  SELECT 'PORTAL-1', child_ref, activity_ref, day, action, submitted_at FROM request LIMIT 1"
expect_eq "$(sqlite3 "$T/key.db" "SELECT seq = (SELECT max(seq) FROM request) FROM request_key WHERE request_id = 'PORTAL-1'")" 1 "the portal's request's key"
run sqlite3 "$T/key.db" "INSERT INTO request(request_id, child_ref, activity_ref, day, action, submitted_at)
  SELECT 'PORTAL-1', child_ref, activity_ref, day, action, submitted_at FROM request LIMIT 1"
expect_contains "$ERR" "UNIQUE constraint failed: request_key.request_id"
expect_eq "$(sqlite3 "$T/key.db" "SELECT count(*) FROM request WHERE request_id = 'PORTAL-1'")" 1 "an id given twice"
run nocturne-status --check --db "$T/key.db"
expect_rc 0
cp "$T/key.db" "$T/key2.db"
sqlite3 "$T/key.db" "DELETE FROM request_key WHERE request_id = 'PORTAL-1'"
mirror_says "$T/key.db" request_key "the requests' ids" request_key_insert
sqlite3 "$T/key2.db" "INSERT INTO request_key(request_id, seq) VALUES ('GHOST', 999999999)"
mirror_says "$T/key2.db" request_key "the requests' ids" request_key_delete
ok

t check_not_a_database
printf 'this is not a database, just some text long enough to be read\n' >"$T/text.db"
run nocturne-status --check --db "$T/text.db"
expect_rc 74
expect_contains "$ERR" "nocturne-status: $T/text.db: "
ok

t check_world_readable_secret
base "$T/s.ini"
printf '[smtp]\nuser = nocturne\npassword_file = %s/smtp-password\n' "$T" >>"$T/s.ini"
sed -i 's/^\[mail\]$/[mail]\ntransport = smtp/' "$T/s.ini"
run nocturne-status -c "$T/s.ini" --check
expect_rc 0
chmod 644 "$T/smtp-password"
run nocturne-status -c "$T/s.ini" --check
expect_rc 78
expect_eq "$ERR" "nocturne-status: [smtp] password_file $T/smtp-password: refused: readable by group or others (mode 644); chmod 600 it"
chmod 600 "$T/smtp-password"
# The back-office token the same way.
base "$T/b.ini"
printf '[backoffice]\nurl = https://localhost:1/x\ntoken_file = %s/token\n' "$T" >>"$T/b.ini"
chmod 640 "$T/token"
run nocturne-status -c "$T/b.ini" --check
expect_rc 78
expect_eq "$ERR" "nocturne-status: [backoffice] token_file $T/token: refused: readable by group or others (mode 640); chmod 600 it"
chmod 600 "$T/token"
ok

t check_every_problem_one_line
# A newer schema, a missing backup folder, a file where the outbox should be.
cp "$T/n.db" "$T/new.db"
sqlite3 "$T/new.db" 'PRAGMA user_version = 999'
: >"$T/notadir"
printf '[database]\npath = %s/new.db\nbackup_dir = %s/nobackups\n[mail]\ndirectory = %s/notadir\n' \
	"$T" "$T" "$T" >"$T/m.ini"
run nocturne-status -c "$T/m.ini" --check
expect_rc 78
expect_eq "$ERR" "nocturne-status: $T/new.db: schema version 999 is newer than this nocturne ($(sqlite3 "$T/n.db" 'PRAGMA user_version')): upgrade nocturne
nocturne-status: $T/notadir: [mail] directory: not a folder
nocturne-status: $T/nobackups: [database] backup_dir: No such file or directory"
expect_eq "$(sqlite3 "$T/new.db" 'PRAGMA user_version')" 999 "schema left alone"
ok

t check_bad_configuration_78
printf '[database]\nbogus = 1\n' >"$T/bad.ini"
run nocturne-status -c "$T/bad.ini" --check
expect_rc 78
expect_eq "$ERR" "nocturne-status: $T/bad.ini:2: [database] bogus: unknown key"
run nocturne-status --network
expect_rc 64
ok

t check_disk_space
if [ "$(id -u)" -ne 0 ] || ! mkdir "$T/small" || ! mount -t tmpfs -o size=448k tmpfs "$T/small" 2>/dev/null; then
	echo "SKIP: check_disk_space needs root and a tmpfs mount"
else
	at_exit "umount '$T/small'"
	cp "$T/n.db" "$T/small/n.db"
	mkdir "$T/small/backups"
	printf '[database]\npath = %s/small/n.db\nbackup_dir = %s/small/backups\n[mail]\ndirectory = %s/outbox\n' \
		"$T" "$T" "$T" >"$T/small.ini"
	run nocturne-status -c "$T/small.ini" --check
	expect_rc 74
	expect_contains "$ERR" "nocturne-status: $T/small: "
	expect_contains "$ERR" "KiB free, the night needs about $(($(stat -c %s "$T/n.db") * 2 / 1024)) KiB"
	ok
fi

# --network: the relay with STARTTLS required and AUTH, the back office.
sh "$TOP/tests/fixtures/mkcerts.sh" "$T/pki" >/dev/null 2>&1 || echo "FAIL: mkcerts"
smtp_conf() { # smtp_conf FILE PORT PASSWORD_FILE
	base "$1"
	sed -i 's/^\[mail\]$/[mail]\ntransport = smtp/' "$1"
	printf '[smtp]\nhost = localhost\nport = %s\ntls = starttls\nca_file = %s/pki/ca.pem\nuser = nocturne\npassword_file = %s\ntimeout = 5\n' \
		"$2" "$T" "$3" >>"$1"
}

t check_network_smtp
start_smtpd relay --cert "$T/pki/server.pem" --key "$T/pki/server.key" --require-tls \
	--user nocturne --password pw-of-the-relay --auth-required
smtp_conf "$T/net.ini" "$PORT" "$T/smtp-password"
run nocturne-status -c "$T/net.ini" --check
expect_rc 0
expect_eq "$(count_ehlo)" 0 "sessions without --network"
run nocturne-status -c "$T/net.ini" --check --network
expect_rc 0
expect_empty "$OUT$ERR" output
expect_eq "$(count_ehlo)" 2 "EHLOs (before and after STARTTLS)"
expect_eq "$(count_eml)" 0 "messages sent"
# A wrong password is found.
umask 077
printf 'not-the-password\n' >"$T/wrong-password"
umask 022
smtp_conf "$T/wrong.ini" "$PORT" "$T/wrong-password"
run nocturne-status -c "$T/wrong.ini" --check --network
expect_rc 78
expect_contains "$ERR" "nocturne-status: smtp localhost:$PORT: AUTH refused for user 'nocturne': 535"
expect_not_contains "$ERR" "not-the-password"
expect_eq "$(printf '%s\n' "$ERR" | wc -l)" 1 "lines"
# A relay that is not there.
dead=$(free_port)
smtp_conf "$T/dead.ini" "$dead" "$T/smtp-password"
run nocturne-status -c "$T/dead.ini" --check --network
expect_rc 69
expect_contains "$ERR" "nocturne-status: smtp localhost:$dead: "
ok

t check_network_smtp_wrong_ca
smtp_conf "$T/ca.ini" "$PORT" "$T/smtp-password"
sed -i "s|/pki/ca.pem|/pki/other-ca.pem|" "$T/ca.ini"
run nocturne-status -c "$T/ca.ini" --check --network
expect_rc 78
expect_contains "$ERR" "nocturne-status: smtp localhost:$PORT: TLS: "
ok

t check_network_back_office
mkpki main
start_bo ok main 200
base "$T/bo.ini"
printf '[backoffice]\nurl = https://localhost:%s/portail/decisions\ntoken_file = %s/token\nca_file = %s/main-ca.pem\ntimeout = 5\n' \
	"$PORT" "$T" "$T" >>"$T/bo.ini"
run nocturne-status -c "$T/bo.ini" --check --network
expect_rc 0
expect_empty "$OUT$ERR" output
expect_eq "$(count_reqs ok)" 0 "requests made to the back office"
dead=$(free_port)
sed "s|localhost:$PORT|localhost:$dead|" "$T/bo.ini" >"$T/bodead.ini"
run nocturne-status -c "$T/bodead.ini" --check --network
expect_rc 75
expect_contains "$ERR" "nocturne-status: back office https://localhost:$dead/portail/decisions: "
ok
