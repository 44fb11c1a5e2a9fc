# nocturne-notify over SMTP, against the aiosmtpd fixture: bytes on the wire,
# retry with backoff, permanent failure, unreachable server, kill -9 mid-send.
. "$NOCTURNE_TOP/tests/e2e/lib.sh"
. "$NOCTURNE_TOP/tests/e2e/notify-fixture.inc"
. "$NOCTURNE_TOP/tests/fixtures/smtp_common.sh"
export TZ=Europe/Paris

# smtp_conf PORT [EXTRA LINES]: SMTP transport to 127.0.0.1:PORT, no TLS.
smtp_conf() {
	p=$1
	shift
	{
		printf '[mail]\ntransport = smtp\nfrom = Portail Famille <no-reply@mairie.example>\n'
		printf 'max_attempts = 3\nretry_delay = 300\n'
		printf '[smtp]\nhost = 127.0.0.1\nport = %s\ntls = none\ntimeout = 10\n' "$p"
		for l in "$@"; do printf '%s\n' "$l"; done
	} >"$T/conf.ini"
}
# families DB N ADDRESS_OF_K...: N families F1..FN (pK@example.org unless
# given as K=ADDRESS), one child and one accepted request each.
families() {
	db=$1 n=$2
	shift 2
	sql "$db" "INSERT INTO activity(ref, activity_id, name) VALUES (1, 'CANT', 'Cantine');
WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < $n)
INSERT INTO family(ref, family_id, name, emails) SELECT i, 'F' || i, 'Famille ' || i, 'p' || i || '@example.org' FROM k;
INSERT INTO child(ref, child_id, family_ref, first_name, last_name) SELECT ref, 'C' || ref, ref, 'Enfant', 'N' || ref FROM family;
INSERT INTO request(seq, request_id, child_ref, activity_ref, day, action, submitted_at, state, batch_id)
 SELECT ref, 'R' || ref, ref, 1, $(D 2019-12-06), 'reserve', 0, 'accepted', NULL FROM child;"
	for a in "$@"; do
		sql "$db" "UPDATE family SET emails = '${a#*=}' WHERE ref = ${a%%=*};"
	done
}
q() { sqlite3 "$DB" "$1"; }
notify() { run nocturne-notify -c "$T/conf.ini" --db "$DB" "$@"; }
# msgids: the Message-IDs of the messages the server stored, sorted (repeats kept).
msgids() {
	cat "$MAILDIR"/*.eml 2>/dev/null | tr -d '\r' | sed -n 's/^[Mm]essage-[Ii][Dd]: *//p' | sort
}
# rcpts: the recipients the server accepted messages for, sorted.
rcpts() { cat "$MAILDIR"/*.env 2>/dev/null | sed -n 's/^to //p' | sort | tr '\n' ' '; }

t delivers_stored_bytes
start_smtpd s1
smtp_conf "$PORT"
DB=$T/a.db
new_db "$DB"
town "$DB"
notify --now '2019-12-03 07:00'
expect_rc 0
expect_empty "$ERR" stderr
expect_eq "$(rcpts)" "evil@example.org marie.dupont@example.org " recipients
expect_eq "$(q "SELECT group_concat(state || '/' || attempts, ' ') FROM message ORDER BY ref")" \
	"sent/1 skipped/0 skipped/0 sent/1" states
expect_contains "$(q 'SELECT reason FROM message WHERE ref = 1')" "250" reason
q "SELECT writefile('$T/stored1.eml', content) FROM message_content WHERE message_ref = 1" >/dev/null
f=$(grep -l 'to marie.dupont@example.org' "$MAILDIR"/*.env)
cmp -s "$T/stored1.eml" "${f%.env}.eml" || fail "bytes on the wire differ from the stored message"
expect_eq "$(sed -n 's/^from //p' "$f")" "no-reply@mairie.example" "envelope from"
expect_eq "$(hdr "${f%.env}.eml" Subject)" "Portail Famille : compte-rendu du mardi 03 décembre 2019 pour Hugo et Léa" Subject
notify --now '2019-12-03 08:00'
expect_rc 0
expect_eq "$(count_eml)" 2 "nothing sent twice"
ok

t temporary_then_retry_with_backoff
start_smtpd s2
smtp_conf "$PORT"
DB=$T/b.db
new_db "$DB"
families "$DB" 3 1=once-a@example.org 2=temp-b@example.org
notify --now '2019-12-03 07:00'
expect_rc 75
expect_contains "$ERR" "2 message(s) deferred, next attempt at 2019-12-03 07:05:00"
expect_eq "$(rcpts)" "p3@example.org " delivered
expect_eq "$(q "SELECT group_concat(state || '/' || attempts || '/' || (next_at - $(I '2019-12-03 07:00')), ' ') FROM (SELECT * FROM message ORDER BY ref)")" \
	"pending/1/300 pending/1/300 sent/1/0" "after the first run"
expect_contains "$(q 'SELECT reason FROM message WHERE ref = 1')" "451" reason
# Work left for a later run, under -q: exit 75 and not a word (cron mails
# any output).
notify -q --now '2019-12-03 07:04:59'
expect_rc 75
expect_empty "$OUT$ERR" "output under -q"
expect_eq "$(count_eml)" 1 "nothing due before the delay"
notify --now '2019-12-03 07:05:00'
expect_rc 75
expect_eq "$(rcpts)" "once-a@example.org p3@example.org " "once- delivered on retry"
# The retry sends the stored bytes: same Message-ID, same Date, same everything.
q "SELECT writefile('$T/stored-once.eml', content) FROM message_content WHERE message_ref = 1" >/dev/null
f=$(grep -l 'to once-a@example.org' "$MAILDIR"/*.env)
cmp -s "$T/stored-once.eml" "${f%.env}.eml" || fail "retried message differs from the stored one"
expect_eq "$(hdr "${f%.env}.eml" Message-ID)" "$(q 'SELECT message_id FROM message WHERE ref = 1')" "Message-ID on retry"
expect_eq "$(hdr "${f%.env}.eml" Date)" "Tue, 03 Dec 2019 07:00:00 +0100" "Date of composition"
expect_eq "$(hdr "${f%.env}.eml" X-Nocturne-Kind)" "report" X-Nocturne-Kind
# temp-b: second failure, the delay doubles (600 s after this run).
expect_eq "$(q "SELECT state || '/' || attempts || '/' || (next_at - $(I '2019-12-03 07:05')) FROM message WHERE ref = 2")" \
	"pending/2/600" "second backoff"
# Out of attempts: the message is given up, which needs a person: one
# line, exit 69, even under -q.
notify -q --now '2019-12-03 07:15:00'
expect_rc 69
expect_eq "$ERR" "nocturne-notify: 1 message(s) given up, marked failed (nocturne-status --mail lists them): first <temp-b@example.org> (out of attempts): 451 4.3.0 try again later" stderr
expect_eq "$(q "SELECT state || '/' || attempts FROM message WHERE ref = 2")" "failed/3" "failed after max_attempts"
# Given up once, told once: the next run has nothing to say.
notify -q --now '2019-12-03 08:00:00'
expect_rc 0
expect_empty "$ERR" stderr
ok

t permanent_failure
start_smtpd s3
smtp_conf "$PORT"
DB=$T/c.db
new_db "$DB"
families "$DB" 2 1=perm-a@example.org
notify -q --now '2019-12-03 07:00'
expect_rc 69
expect_eq "$ERR" "nocturne-notify: 1 message(s) given up, marked failed (nocturne-status --mail lists them): first <perm-a@example.org>: 550 5.1.1 no such user" stderr
expect_eq "$(q "SELECT state || '/' || attempts FROM message WHERE ref = 1")" "failed/1" state
expect_contains "$(q 'SELECT reason FROM message WHERE ref = 1')" "550" reason
expect_eq "$(rcpts)" "p2@example.org " delivered
notify --now '2019-12-04 07:00'
expect_rc 0
expect_eq "$(count_eml)" 1 "failed is never retried"
ok

t unreachable_exits_69
DB=$T/d.db
UPORT=$(free_port)
smtp_conf "$UPORT"
new_db "$DB"
families "$DB" 2
notify --now '2019-12-03 07:00'
expect_rc 69
expect_eq "$ERR" "nocturne-notify: smtp 127.0.0.1:$UPORT: cannot connect: Connection refused; nothing delivered, 2 message(s) pending" stderr
expect_eq "$(q "SELECT group_concat(state || '/' || attempts, ' ') FROM message")" \
	"pending/1 pending/1" "one temporary attempt each"
start_smtpd s4
smtp_conf "$PORT"
notify --now '2019-12-03 07:05'
expect_rc 0
expect_eq "$(rcpts)" "p1@example.org p2@example.org " "delivered once reachable"
ok

t kill9_mid_send_then_rerun
# Each outcome is committed as it happens (lib/morning.c, contract 6): a
# kill sends again at most the message in flight, never loses one, and what
# the server received matches the database.
start_smtpd s5 --slow 6
smtp_conf "$PORT" "max_per_session = 4"
DB=$T/e.db
new_db "$DB"
families "$DB" 12 7=slow-g@example.org
nocturne-notify -c "$T/conf.ini" --db "$DB" --now '2019-12-03 07:00' >/dev/null 2>&1 &
np=$!
# mail_froms N: at least N MAIL FROM commands reached the server
mail_froms() { [ "$(cat "$MAILDIR/.mail" 2>/dev/null | wc -l)" -ge "$1" ]; }
# wait until the 7th MAIL FROM (the slow recipient's) reached the server
poll 200 0.1 mail_froms 7 || fail "the 7th message never began"
kill -9 $np
wait $np 2>/dev/null
before=$(count_eml)
[ "$before" -ge 4 ] && [ "$before" -le 6 ] || fail "$before delivered before the kill"
expect_eq "$(q "SELECT count(*) FROM message")" 12 "all composed before sending"
# Every outcome known before the kill is committed.
q "SELECT message_id FROM message WHERE state = 'sent'" | sort >"$T/sent-at-kill"
msgids >"$T/got-at-kill"
[ "$(wc -l <"$T/sent-at-kill")" -ge 4 ] || fail "the first session's 'sent' not committed at its end"
expect_eq "$(comm -23 "$T/sent-at-kill" "$T/got-at-kill" | wc -l)" 0 "marked sent but not received"
# The second session's four were marked handed over before they went; 5 and
# 6 were accepted and committed, the slow 7 was in flight, 8 not sent.
expect_eq "$(q "SELECT group_concat(ref, ' ') FROM message WHERE sending = 1")" "7 8" \
	"handed over, outcome unknown"
q "SELECT message_id FROM message WHERE sending = 1" >"$T/in-flight"
# The rerun sends 7 and 8, still marked, again (the server may have 7
# already: its outcome is committed at once, so it can never go a third
# time), then the rest; killed again after two more.
nocturne-notify -c "$T/conf.ini" --db "$DB" --now '2019-12-03 07:00:30' >/dev/null 2>&1 &
np=$!
poll 200 0.1 mail_froms 10 || fail "the rerun never reached a 10th message"
kill -9 $np 2>/dev/null
wait $np 2>/dev/null
expect_eq "$(q "SELECT group_concat(ref || ':' || state || '/' || sending, ' ') FROM message WHERE ref IN (5, 6, 7)")" \
	"5:sent/0 6:sent/0 7:sent/0" "sent again, committed at once"
# What the second kill left handed over may also have reached the server
# just before it: it is the only other message that may go twice.
q "SELECT message_id FROM message WHERE state = 'sent'" | sort >"$T/sent-at-kill2"
q "SELECT message_id FROM message WHERE sending = 1" >>"$T/in-flight"
sort -o "$T/in-flight" "$T/in-flight"
notify --now '2019-12-03 07:01'
expect_rc 0
expect_eq "$(q "SELECT count(*) FROM message WHERE state = 'sent'")" 12 "all sent"
expect_eq "$(cat "$MAILDIR"/*.env | sed -n 's/^to //p' | sort -u | wc -l)" 12 "every family reached"
q "SELECT message_id FROM message WHERE state = 'sent'" | sort >"$T/sent-end"
msgids >"$T/got-end"
expect_eq "$(sort -u "$T/got-end" | diff - "$T/sent-end" && echo same)" same "received = sent in the database"
# Sent twice: only a message handed over at one of the two kills, once more.
uniq -d "$T/got-end" >"$T/twice"
expect_eq "$(comm -12 "$T/twice" "$T/sent-at-kill" | wc -l)" 0 "a committed 'sent' sent again"
expect_eq "$(comm -12 "$T/twice" "$T/sent-at-kill2" | wc -l)" 0 "a committed 'sent' sent again after the second kill"
expect_eq "$(comm -23 "$T/twice" "$T/in-flight" | wc -l)" 0 "sent twice but not in flight at a kill"
expect_eq "$(uniq -c "$T/got-end" | awk '$1 > 2' | wc -l)" 0 "received more than twice"
[ "$(wc -l <"$T/twice")" -le 2 ] || fail "$(wc -l <"$T/twice") sent again, more than one per kill"
ok

t group_of_outcomes_with_4xx_and_5xx
# One session of 40 messages, each outcome committed: a 4xx, a 5xx, a 4xx and
# a 5xx at the end of DATA in the middle of the session each get their own
# state; the others are sent once; the server has exactly what the
# database calls sent. Without and with PIPELINING.
for mode in "" --pipelining; do
	start_smtpd "s8$mode" $mode
	smtp_conf "$PORT"
	DB=$T/h$mode.db
	new_db "$DB"
	families "$DB" 40 5=temp-e@example.org 17=perm-q@example.org 18=datatemp-r@example.org \
		33=dataperm-g@example.org
	notify --now '2019-12-03 07:00'
	expect_rc 69
	expect_eq "$(count_ehlo)" 1 "one session $mode"
	expect_eq "$(q "SELECT ref || ':' || state || '/' || attempts FROM message
		WHERE state <> 'sent' OR attempts <> 1 ORDER BY ref" | tr '\n' ' ')" \
		"5:pending/1 17:failed/1 18:pending/1 33:failed/1 " "the four, each its own outcome $mode"
	expect_eq "$(q "SELECT count(*) FROM message WHERE state = 'sent' AND attempts = 1")" 36 "the others sent $mode"
	q "SELECT message_id FROM message WHERE state = 'sent'" | sort >"$T/h-sent"
	msgids >"$T/h-got"
	expect_eq "$(diff "$T/h-got" "$T/h-sent" && echo same)" same "received = sent in the database, once each $mode"
	expect_contains "$(q 'SELECT reason FROM message WHERE ref = 18')" "452" "end-of-DATA 4xx recorded $mode"
	# The stored bytes went out unchanged.
	q "SELECT writefile('$T/stored40.eml', content) FROM message_content WHERE message_ref = 40" >/dev/null
	f=$(grep -l 'to p40@example.org' "$MAILDIR"/*.env)
	cmp -s "$T/stored40.eml" "${f%.env}.eml" || fail "bytes on the wire differ from the stored message $mode"
done
[ "$(cat "$MAILDIR/.pipelined" 2>/dev/null | wc -l)" -ge 30 ] || fail "not pipelined"
ok

t auth_password_file
start_smtpd s6 --user portail --password 's3cret#1' --auth-required
printf 's3cret#1\n' >"$T/pw"
chmod 600 "$T/pw"
smtp_conf "$PORT" "user = portail" "password_file = $T/pw"
DB=$T/f.db
new_db "$DB"
families "$DB" 1
notify --now '2019-12-03 07:00'
expect_rc 0
expect_eq "$(rcpts)" "p1@example.org " delivered
chmod 644 "$T/pw"
q "UPDATE request_mail SET reported = 0" >/dev/null
notify --now '2019-12-03 07:10'
expect_rc 78
expect_contains "$ERR" "[smtp] password_file"
expect_not_contains "$ERR" "s3cret"
ok

t config_error_costs_no_attempt
# A bad ca_file is the operator's to fix (78): messages keep every attempt.
start_smtpd s7
smtp_conf "$PORT" "tls = starttls" "ca_file = $T/nope.pem"
DB=$T/g.db
new_db "$DB"
families "$DB" 2
# A missing ca_file is found before any connection, with every TLS mode,
# and the message names the configuration file.
for mode in starttls tls none; do
	smtp_conf "$PORT" "tls = $mode" "ca_file = $T/nope.pem"
	notify -q --now '2019-12-03 07:00'
	expect_rc 78
	expect_eq "$ERR" "nocturne-notify: $T/conf.ini: [smtp] ca_file $T/nope.pem: cannot read: No such file or directory" "stderr (tls = $mode)"
done
expect_eq "$(q "SELECT group_concat(state || '/' || attempts, ' ') FROM message")" \
	"pending/0 pending/0" "no attempt counted"
expect_eq "$(count_eml)" 0 "nothing sent"
expect_eq "$(count_ehlo)" 0 "no connection made"
# A CA file that is there but holds no certificate: still 78, no attempt.
printf 'not a certificate\n' >"$T/junk.pem"
smtp_conf "$PORT" "tls = starttls" "ca_file = $T/junk.pem"
notify --now '2019-12-03 07:00'
expect_rc 78
expect_eq "$ERR" "nocturne-notify: smtp: ca_file $T/junk.pem: cannot load certificates from it" stderr
expect_eq "$(q "SELECT group_concat(state || '/' || attempts, ' ') FROM message")" \
	"pending/0 pending/0" "no attempt counted (junk CA)"
ok
