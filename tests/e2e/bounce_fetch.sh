# nocturne-bounce --fetch against a real Dovecot on loopback (imaps, its own
# certificate): handled messages deleted or moved, others left; a wrong
# password and a certificate from another CA refused (69), a password file
# readable by others refused (78), with the mailbox untouched; the lock; a
# mailbox of 1,000 bounces.
. "$NOCTURNE_TOP/tests/e2e/lib.sh"
if [ ! -x /usr/sbin/dovecot ] || ! command -v curl >/dev/null; then
	echo "SKIP: bounce_fetch: dovecot-imapd or curl is not installed"
	exit 0
fi
. "$NOCTURNE_TOP/tests/e2e/notify-fixture.inc"
. "$NOCTURNE_TOP/tests/fixtures/dovecot.sh"
export TZ=Europe/Paris
DB=$T/n.db
FIX=$TOP/tests/fixtures/bounce
dovecot_start bounces 'S3cret pass'
printf 'S3cret pass\n' >"$T/imap.pw"
chmod 600 "$T/imap.pw"
printf 'wrong\n' >"$T/wrong.pw"
chmod 600 "$T/wrong.pw"
# conf [BOUNCE LINES...]
conf() {
	file_conf 'return_path = bounces@mairie.example' '[bounce]' \
		"url = imaps://localhost:$IMAP_PORT/INBOX" 'user = bounces' \
		"password_file = $T/imap.pw" "ca_file = $IMAP_PKI/ca.pem" 'timeout = 20' "$@"
}
conf
new_db "$DB"
town "$DB"
q() { sqlite3 "$DB" "$1"; }
fetch() { run nocturne-bounce -c "$T/conf.ini" --db "$DB" --now '2019-12-03 09:00' --fetch "$@"; }
nocturne-notify -c "$T/conf.ini" --db "$DB" --now '2019-12-03 07:00' || exit 1
MID1=$(q 'SELECT message_id FROM message WHERE ref = 1')
fixture() {
	sed -e "s/bounces+m[0-9]*@/bounces+m$2@/g" \
	    -e "s/<2026[0-9]*\.[a-z]*\.[0-9]*\.[0-9a-f]*@mairie\.example>/$3/g" "$FIX/$1"
}
fixture postfix.eml 1 "$MID1" >"$T/m1.eml"
fixture vacation.eml 4 "<x@y>" >"$T/m2.eml"
printf 'From: parent@example.org\nTo: bounces@mairie.example\nSubject: question\n\nBonjour\n' >"$T/m3.eml"
fixture delay.eml 4 "<x@y>" >"$T/m4.eml"

t wrong_password_is_69_and_touches_nothing
imap_drop "$T/m1.eml" "$T/m2.eml" "$T/m3.eml" "$T/m4.eml"
conf "password_file = $T/wrong.pw"
fetch
expect_rc 69
expect_contains "$ERR" "nocturne-bounce: [bounce] url: connect:"
expect_contains "$ERR" "login refused"
expect_eq "$(imap_count)" 4 "messages left"
expect_eq "$(q 'SELECT state FROM message WHERE ref = 1')" sent "message 1"
ok

t certificate_of_another_ca_is_69
conf "ca_file = $IMAP_PKI/other-ca.pem"
fetch
expect_rc 69
expect_contains "$ERR" "certificate"
expect_eq "$(imap_count)" 4 "messages left"
ok

t password_file_readable_by_others_is_78
# the same permission rule as the SMTP password (contract section 8)
printf 'S3cret pass\n' >"$T/open.pw"
chmod 644 "$T/open.pw"
conf "password_file = $T/open.pw"
fetch
expect_rc 78
expect_contains "$ERR" "nocturne-bounce: [bounce] password_file $T/open.pw: refused: readable by group or others (mode 644)"
expect_eq "$(imap_count)" 4 "messages left"
expect_eq "$(q 'SELECT state FROM message WHERE ref = 1')" sent "message 1"
ok

t dry_run_lists_and_removes_nothing
conf
fetch -n
expect_rc 0
expect_contains "$OUT" "bounced: would record: message 1 to marie.dupont@example.org (family F1) bounced: 5.1.1"
expect_contains "$OUT" "auto-reply: auto-reply"
expect_contains "$OUT" "not a bounce: not a bounce, left alone"
expect_contains "$OUT" "delayed: delayed"
expect_eq "$(imap_count)" 4 "messages left"
expect_eq "$(q 'SELECT state FROM message WHERE ref = 1')" sent "message 1"
ok

t handled_are_deleted_others_stay
fetch
expect_rc 0
expect_empty "$OUT" stdout
expect_empty "$ERR" stderr
expect_eq "$(q "SELECT state || '|' || bounce_status FROM message WHERE ref = 1")" "bounced|5.1.1" "message 1"
expect_eq "$(q "SELECT state FROM message WHERE ref = 4")" sent "message 4 (vacation, delay)"
expect_eq "$(imap_count)" 1 "messages left"
fetch -v
expect_rc 0
expect_contains "$ERR" "1 message(s) in the mailbox: 0 handled, 1 left"
ok

t done_folder_gets_the_handled
conf 'done_folder = Done'
fixture exim.eml 4 "<x@y>" >"$T/m5.eml"
imap_drop "$T/m5.eml"
fetch
expect_rc 0
expect_eq "$(q "SELECT state FROM message WHERE ref = 4")" bounced "message 4"
expect_eq "$(imap_count)" 1 "INBOX"
expect_eq "$(imap_count Done)" 1 "Done"
ok

t second_fetch_while_locked_is_75
conf
hold_flock "$DB.bounce.lock" 10 || fail "the lock was never taken"
fetch
expect_rc 75
expect_contains "$ERR" "bounce"
fetch -q
expect_rc 75
expect_empty "$ERR" "stderr under -q"
kill "$FLOCKER" 2>/dev/null
wait "$FLOCKER" 2>/dev/null
ok

t a_mailbox_of_1000_bounces
# messages 1001..2000, sent to family 4; one bounce each
sql "$DB" "WITH RECURSIVE n(i) AS (SELECT 1001 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
 INSERT INTO message(ref, kind, family_ref, recipient, subject, message_id, state, created_at, next_at)
 SELECT i, 'report', 4, 'evil@example.org', 's', '<bulk.' || i || '@mairie.example>', 'sent', 0, 0 FROM n;"
# straight into the maildir, as the MTA would deliver them
/usr/bin/python3 - "$FIX/postfix.eml" "$IMAP_MAILDIR/new" <<'PY'
import re, sys
src = open(sys.argv[1]).read()
for i in range(1001, 2001):
    m = re.sub(r"bounces\+m[0-9]+@", "bounces+m%d@" % i, src)
    m = re.sub(r"<2026[0-9]*\.[a-z]*\.[0-9]*\.[0-9a-f]*@mairie\.example>",
               "<bulk.%d@mairie.example>" % i, m)
    open("%s/1764650000.%d.localhost" % (sys.argv[2], i), "w").write(m)
PY
[ "$(id -u)" -ne 0 ] || chown -R 65534:65534 "$IMAP_MAILDIR"
expect_eq "$(imap_count)" 1001 "INBOX before"
start=$(date +%s.%N)
fetch
expect_rc 0
end=$(date +%s.%N)
echo "  1,000 bounces fetched and recorded in $(awk "BEGIN { printf \"%.1f\", $end - $start }") s"
expect_eq "$(q "SELECT count(*) FROM message WHERE ref > 1000 AND state = 'bounced'")" 1000 bounced
expect_eq "$(q "SELECT count(*) FROM bounce WHERE message_ref > 1000")" 1000 "bounce rows"
expect_eq "$(imap_count)" 1 "INBOX after"
ok
