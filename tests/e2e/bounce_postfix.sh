# A real Postfix on loopback generates a real DSN for an unknown local user
# and pipes it, through an alias, to nocturne-bounce. The instance is the
# test's own (postfix -c $T/postfix: its own main.cf, master.cf, aliases,
# queue and data directories, a free port): the system's /etc/postfix and
# /etc/aliases are neither read nor changed. Postfix needs root.
. "$NOCTURNE_TOP/tests/e2e/lib.sh"
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: bounce_postfix: a Postfix instance needs root"
	exit 0
fi
if [ ! -x /usr/sbin/postfix ] || [ ! -f /etc/postfix/master.cf ]; then
	echo "SKIP: bounce_postfix: postfix is not installed"
	exit 0
fi
. "$NOCTURNE_TOP/tests/e2e/notify-fixture.inc"
export TZ=Europe/Paris
# local(8) runs the alias's command as nobody: the database and the
# configuration must be theirs to write and read.
chmod 755 "$T"
mkdir -p "$T/db"
DB=$T/db/n.db
file_conf 'return_path = bounces@localhost' '[database]' 'busy_timeout_ms = 200'
chmod 644 "$T/conf.ini"
new_db "$DB"
town "$DB"
nocturne-notify -c "$T/conf.ini" --db "$DB" --now '2019-12-03 07:00' || exit 1
chown -R nobody "$T/db"
q() { sqlite3 "$DB" "$1"; }

P=$T/postfix
PORT=$(free_port)
mkdir -p "$P/queue" "$P/data"
chown postfix "$P/data"
sed -e "s/^smtp *inet .*smtpd\$/127.0.0.1:$PORT inet n - n - - smtpd/" \
	-e 's/^\(smtp *unix *- *- *\)y/\1n/' /etc/postfix/master.cf >"$P/master.cf"
cat >"$P/main.cf" <<CF
compatibility_level = 3.6
queue_directory = $P/queue
data_directory = $P/data
mail_owner = postfix
setgid_group = postdrop
myhostname = localhost
mydomain = localdomain
myorigin = localhost
mydestination = localhost
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
# accept unknown local users first, so that local(8) bounces them
local_recipient_maps =
recipient_delimiter = +
alias_maps = hash:$P/aliases
alias_database = hash:$P/aliases
maillog_file_prefixes = $P
maillog_file = $P/maillog
smtputf8_enable = no
biff = no
default_transport = error:no remote delivery in tests
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
CF
printf 'bounces: "|%s/nocturne-bounce -c %s/conf.ini --db %s"\n' \
	"$NOCTURNE_BUILD" "$T" "$DB" >"$P/aliases"
postalias -c "$P" "$P/aliases" || exit 1
postfix -c "$P" start >/dev/null 2>&1 || {
	echo "FAIL: postfix did not start: $(tail -n 5 "$P/maillog" 2>/dev/null)"
	exit 1
}
at_exit "postfix -c '$P' stop >/dev/null 2>&1"

# send SENDER RCPT FILE: one SMTP transaction with the real server
send() {
	/usr/bin/python3 - "$PORT" "$1" "$2" "$3" <<'PY'
import smtplib, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=20)
s.sendmail(sys.argv[2], [sys.argv[3]], open(sys.argv[4], "rb").read())
s.quit()
PY
}
# wait_for SQL VALUE: poll the database for up to 30 s
q_is() { [ "$(q "$1")" = "$2" ]; }
wait_for() {
	poll 150 0.2 q_is "$1" "$2"
	expect_eq "$(q "$1")" "$2" "$1"
}
stored() { /usr/bin/python3 -c '
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
sys.stdout.buffer.write(c.execute("SELECT content FROM message_content WHERE message_ref = ?", (int(sys.argv[2]),)).fetchone()[0])' "$DB" "$1"; }

t real_dsn_by_verp
stored 1 >"$T/m1.eml"
send bounces+m1@localhost nosuchuser@localhost "$T/m1.eml"
wait_for "SELECT state FROM message WHERE ref = 1" bounced
expect_eq "$(q 'SELECT bounce_status FROM message WHERE ref = 1')" 5.1.1 status
expect_contains "$(q 'SELECT bounce_diagnostic FROM message WHERE ref = 1')" 'unknown user: "nosuchuser"' diagnostic
# local(8) logs the delivery once the command has ended, after its commit
poll 150 0.2 grep -q 'to=<bounces+m1@localhost>.*status=sent' "$P/maillog" ||
	fail "no delivery logged"
expect_contains "$(cat "$P/maillog")" "to=<bounces+m1@localhost>, relay=local" maillog
expect_contains "$(cat "$P/maillog")" "status=sent (delivered to command: $NOCTURNE_BUILD/nocturne-bounce" maillog
ok

t real_dsn_by_returned_message_id
stored 4 >"$T/m4.eml"
# a plain return path: only the returned message's Message-ID names it
send bounces@localhost nobody-here@localhost "$T/m4.eml"
wait_for "SELECT state FROM message WHERE ref = 4" bounced
ok

t not_a_bounce_is_accepted_not_bounced
printf 'From: parent@example.org\r\nTo: bounces@localhost\r\nSubject: merci\r\nMessage-ID: <merci@example.org>\r\n\r\nMerci\r\n' >"$T/hi.eml"
send parent@example.org bounces@localhost "$T/hi.eml"
poll 150 0.2 grep -q 'to=<bounces@localhost>.*status=sent' "$P/maillog" || fail "no delivery logged"
expect_contains "$(grep 'to=<bounces@localhost>' "$P/maillog")" "status=sent (delivered to command" maillog
expect_not_contains "$(cat "$P/maillog")" "to=<parent@example.org>" "a bounce of the reply"
ok

t busy_database_defers_then_delivers
sql "$DB" "UPDATE message SET state = 'sent' WHERE ref = 1; DELETE FROM bounce WHERE message_ref = 1;"
hold_write "$DB" 6 || fail "the write lock was never taken"
send bounces+m1@localhost nosuchuser@localhost "$T/m1.eml"
poll 100 0.2 grep -q 'to=<bounces+m1@localhost>.*status=deferred' "$P/maillog" || fail "no deferral logged"
expect_contains "$(grep 'to=<bounces+m1@localhost>' "$P/maillog")" "status=deferred" "deferred while busy"
expect_eq "$(q 'SELECT state FROM message WHERE ref = 1')" sent "while busy"
wait $HOLDER
postfix -c "$P" flush >/dev/null 2>&1
wait_for "SELECT state FROM message WHERE ref = 1" bounced
ok
