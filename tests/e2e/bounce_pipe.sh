# nocturne-bounce in pipe mode: real bounce formats end in the right state,
# an undeliverable family's next mail is skipped until an import changes its
# address, hostile input always exits 0 with a log line, a busy database 75.
. "$NOCTURNE_TOP/tests/e2e/lib.sh"
. "$NOCTURNE_TOP/tests/e2e/notify-fixture.inc"
export TZ=Europe/Paris
DB=$T/n.db
FIX=$TOP/tests/fixtures/bounce
file_conf 'return_path = bounces@mairie.example'
new_db "$DB"
town "$DB"
q() { sqlite3 "$DB" "$1"; }
bounce() { run nocturne-bounce -c "$T/conf.ini" --db "$DB" --now '2019-12-03 09:00' "$@"; }
nocturne-notify -c "$T/conf.ini" --db "$DB" --now '2019-12-03 07:00' || exit 1
MID1=$(q 'SELECT message_id FROM message WHERE ref = 1')
MID4=$(q 'SELECT message_id FROM message WHERE ref = 4')
# fixture FILE REF MESSAGE-ID: the fixture sent back for our message REF.
fixture() {
	sed -e "s/bounces+m[0-9]*@/bounces+m$2@/g" \
	    -e "s/<2026[0-9]*\.[a-z]*\.[0-9]*\.[0-9a-f]*@mairie\.example>/$3/g" "$FIX/$1"
}

t postfix_report_bounces_the_message
fixture postfix.eml 1 "$MID1" >"$T/b1.eml"
bounce "$T/b1.eml"
expect_rc 0
expect_empty "$OUT" stdout
expect_empty "$ERR" stderr
expect_eq "$(q "SELECT state || '|' || bounce_status || '|' || bounce_diagnostic || '|' || datetime(bounced_at, 'unixepoch') FROM message WHERE ref = 1")" \
	"bounced|5.1.1|550 5.1.1 <dupont.famille@example.net>: Recipient address rejected: User unknown in virtual mailbox table|2019-12-03 09:00:00" message
expect_eq "$(q "SELECT family_ref || '|' || address || '|' || message_ref FROM bounce")" "1|marie.dupont@example.org|1" bounce
ok

t verbose_says_what_was_done
bounce -v - <"$T/b1.eml"
expect_rc 0
expect_contains "$ERR" "nocturne-bounce: message 1 to marie.dupont@example.org (family F1) bounced: 5.1.1"
expect_contains "$ERR" "(already recorded); the family is undeliverable until its address changes"
expect_eq "$(q 'SELECT count(*) FROM bounce')" 1 "bounce rows after a duplicate"
ok

t undeliverable_family_is_skipped
sql "$DB" "INSERT INTO request(seq, request_id, child_ref, activity_ref, day, action, submitted_at, state, batch_id)
 VALUES (20, 'R20', 1, 1, $(D 2019-12-12), 'reserve', $(I '2019-12-02 10:00'), 'accepted', 1),
        (21, 'R21', 5, 1, $(D 2019-12-12), 'reserve', $(I '2019-12-02 10:00'), 'accepted', 1);"
run nocturne-notify -c "$T/conf.ini" --db "$DB" --now '2019-12-04 07:00'
expect_rc 0
expect_eq "$(q "SELECT state || '|' || reason FROM message WHERE ref > 4 AND family_ref = 1")" \
	"skipped|undeliverable: marie.dupont@example.org bounced 1 time(s), last on 2019-12-03 09:00:00: 5.1.1 550 5.1.1 <dupont.famille@example.net>: Recipient address rejected: User unknown in virtual mailbox table" skipped
expect_eq "$(q "SELECT state FROM message WHERE ref > 4 AND family_ref = 4")" sent "other family"
ok

t import_keeping_the_first_address_keeps_it_undeliverable
# Only another first address ends it (contract section 8): a new name, a new
# second address and other spacing around the same first one do not.
printf 'family_id;name;emails\nF1;Famille Dupont-Leroy;"marie.dupont@example.org;autre@example.org"\n' \
	>"$T/fam0.csv"
run nocturne-import -c "$T/conf.ini" --db "$DB" families "$T/fam0.csv"
expect_rc 0
run nocturne-status -c "$T/conf.ini" --db "$DB" --bounces
expect_rc 0
expect_contains "$OUT" "
F1;Famille Dupont-Leroy;marie.dupont@example.org;2019-12-03 09:00:00;5.1.1;" "--bounces"
ok

t import_of_a_new_address_ends_it
printf 'family_id;name;emails\nF1;Famille Dupont;"marie@example.net;paul@example.org"\n' >"$T/fam.csv"
run nocturne-import -c "$T/conf.ini" --db "$DB" families "$T/fam.csv"
expect_rc 0
sql "$DB" "INSERT INTO request(seq, request_id, child_ref, activity_ref, day, action, submitted_at, state, batch_id)
 VALUES (22, 'R22', 2, 1, $(D 2019-12-13), 'reserve', $(I '2019-12-02 10:00'), 'accepted', 1);"
run nocturne-notify -c "$T/conf.ini" --db "$DB" --now '2019-12-05 07:00'
expect_rc 0
expect_eq "$(q "SELECT state || '|' || recipient FROM message WHERE ref = (SELECT max(ref) FROM message WHERE family_ref = 1)")" \
	"sent|marie@example.net" "after the import"
run nocturne-status -c "$T/conf.ini" --db "$DB" --bounces
expect_rc 0
expect_not_contains "$OUT" "
F1;" "--bounces after the import"
ok

t limit_counts_hard_bounces
# [bounce] limit = 2: one bounce of F4's address is not enough
file_conf 'return_path = bounces@mairie.example' '[bounce]' 'limit = 2'
fixture exim.eml 4 "$MID4" >"$T/b4.eml"
bounce "$T/b4.eml"
expect_rc 0
expect_eq "$(q "SELECT state || '|' || bounce_status FROM message WHERE ref = 4")" "bounced|5.0.0" exim
sql "$DB" "INSERT INTO request(seq, request_id, child_ref, activity_ref, day, action, submitted_at, state, batch_id)
 VALUES (23, 'R23', 5, 1, $(D 2019-12-14), 'reserve', $(I '2019-12-02 10:00'), 'accepted', 1);"
run nocturne-notify -c "$T/conf.ini" --db "$DB" --now '2019-12-06 07:00'
expect_rc 0
last4=$(q "SELECT max(ref) FROM message WHERE family_ref = 4")
expect_eq "$(q "SELECT state FROM message WHERE ref = $last4")" sent "F4 after one bounce, limit 2"
fixture sendmail.eml "$last4" "<nothing@else>" >"$T/b5.eml"
bounce "$T/b5.eml"
expect_rc 0
sql "$DB" "INSERT INTO request(seq, request_id, child_ref, activity_ref, day, action, submitted_at, state, batch_id)
 VALUES (24, 'R24', 5, 1, $(D 2019-12-15), 'reserve', $(I '2019-12-02 10:00'), 'accepted', 1);"
run nocturne-notify -c "$T/conf.ini" --db "$DB" --now '2019-12-07 07:00'
expect_eq "$(q "SELECT state FROM message WHERE ref = (SELECT max(ref) FROM message WHERE family_ref = 4)")" skipped "F4 after two"
file_conf 'return_path = bounces@mairie.example'
ok

# Nothing is ever sent (contract section 8): what the outbox and the message
# table hold before the bounces of the next cases, checked after them.
outbox_and_messages() {
	ls -A "$T/outbox" | md5sum
	q 'SELECT count(*), max(ref), sum(attempts) FROM message'
}
sent_before=$(outbox_and_messages)

# every fixture, on a fresh copy of the sent messages: the state it ends in
t each_format_ends_in_the_right_state
for case in postfix:bounced exim:bounced sendmail:bounced qmail:bounced microsoft:bounced \
	gmail:bounced nofinal:bounced vacation:sent delay:sent webmail:bounced; do
	f=${case%%:*} want=${case#*:}
	sql "$DB" "UPDATE message SET state = 'sent' WHERE ref = 1; DELETE FROM bounce;"
	if [ "$f" = webmail ]; then
		# no VERP address: only the quoted Message-ID names it
		fixture "$f.eml" 999 "$MID1" >"$T/f.eml"
	else
		fixture "$f.eml" 1 "<unrelated@example>" >"$T/f.eml"
	fi
	bounce "$T/f.eml"
	expect_rc 0
	expect_eq "$(q 'SELECT state FROM message WHERE ref = 1')" "$want" "$f"
done
ok

t not_a_bounce_or_unknown_exits_0_with_a_line
printf 'From: parent@example.org\nSubject: merci\n\nMerci !\n' >"$T/hi.eml"
bounce - <"$T/hi.eml"
expect_rc 0
expect_contains "$ERR" "nocturne-bounce: not a bounce, left alone: no delivery report and no bounce wording"
fixture postfix.eml 9999 "<nobody@nowhere>" >"$T/u.eml"
bounce - <"$T/u.eml"
expect_rc 0
expect_contains "$ERR" "a bounce (5.1.1) for no known sent message: VERP ref m9999, Message-ID <nobody@nowhere>"
sed -e '/^X-Original-To/d' -e '/^Delivered-To/d' -e '/^To:/d' -e '/^Message-ID: <2026/d' \
	"$FIX/postfix.eml" >"$T/n.eml"
bounce - <"$T/n.eml"
expect_rc 0
expect_contains "$ERR" "naming no message of ours: no VERP address and no returned Message-ID"
ok

t envelope_recipient_from_postfix
sql "$DB" "UPDATE message SET state = 'sent' WHERE ref = 1; DELETE FROM bounce;"
sed -e '/^X-Original-To/d' -e '/^Delivered-To/d' -e '/^To:/d' -e '/^Message-ID: <2026/d' \
	"$FIX/postfix.eml" >"$T/bare.eml"
ORIGINAL_RECIPIENT=bounces+m1@mairie.example bounce "$T/bare.eml"
expect_rc 0
expect_eq "$(q 'SELECT state FROM message WHERE ref = 1')" bounced "by \$ORIGINAL_RECIPIENT"
ok

t dry_run_changes_nothing
sql "$DB" "UPDATE message SET state = 'sent' WHERE ref = 1; DELETE FROM bounce;"
bounce -n "$T/b1.eml"
expect_rc 0
expect_contains "$OUT" "bounced: would record: message 1 to marie.dupont@example.org (family F1) bounced: 5.1.1"
expect_eq "$(q 'SELECT state FROM message WHERE ref = 1')" sent "after a dry run"
ok

t hostile_input_never_crashes
bounce - </dev/null
expect_rc 0
expect_contains "$ERR" "not a bounce, left alone: empty message"
head -c 1000000 /dev/urandom >"$T/rand"
bounce "$T/rand"
expect_rc 0
expect_contains "$ERR" "not a bounce"
/usr/bin/python3 -c '
import sys
sys.stdout.write("Subject: " + "x" * 100000 + "\nContent-Type: multipart/report; boundary=b0\n\n")
for i in range(1, 5000):
    sys.stdout.write("--b%d\nContent-Type: multipart/mixed; boundary=b%d\n\n" % (i - 1, i))
sys.stdout.write("Content-Type: message/delivery-status\n\nAction: failed\nStatus: 5.1.1\n")' >"$T/bomb"
bounce "$T/bomb"
expect_rc 0
expect_contains "$ERR" "structure cut at the limits"
/usr/bin/python3 -c '
import sys
sys.stdout.write("From: MAILER-DAEMON@x\nSubject: Undelivered Mail\n\n")
line = "a" * 99 + "\n"
for i in range(500000): sys.stdout.write(line)' >"$T/big"
expect_eq "$(stat -c %s "$T/big")" 50000049 "size of the big message"
start=$(date +%s)
bounce "$T/big"
expect_rc 0
expect_contains "$ERR" "(over 16 MiB, the rest dropped) not a bounce"
[ $(($(date +%s) - start)) -le 10 ] || fail "50 MB took more than 10 s"
sql "$DB" "UPDATE message SET state = 'sent' WHERE ref = 1; DELETE FROM bounce;"
sed '/^Final-Recipient/d; /^Original-Recipient/d' "$T/b1.eml" >"$T/nf.eml"
bounce "$T/nf.eml"
expect_rc 0
expect_eq "$(q 'SELECT state FROM message WHERE ref = 1')" bounced "without Final-Recipient"
ok

t bounces_send_nothing
[ "$(ls -A "$T/outbox" | wc -l)" -gt 0 ] || fail "the morning wrote no message to compare with"
expect_eq "$(outbox_and_messages)" "$sent_before" "outbox and messages after the bounces above"
ok

t busy_or_missing_database_is_75
run nocturne-bounce -c "$T/conf.ini" --db "$T/missing.db" "$T/b1.eml"
expect_rc 75
expect_contains "$ERR" "missing.db"
sql "$DB" "UPDATE message SET state = 'sent' WHERE ref = 1; DELETE FROM bounce;"
printf '[database]\nbusy_timeout_ms = 100\n[mail]\nreturn_path = bounces@mairie.example\n' >"$T/busy.ini"
hold_write "$DB" 5 || fail "the write lock was never taken"
run nocturne-bounce -c "$T/busy.ini" --db "$DB" "$T/b1.eml"
expect_rc 75
expect_contains "$ERR" "database is locked"
run nocturne-bounce -q -c "$T/busy.ini" --db "$DB" "$T/b1.eml"
expect_rc 75
expect_empty "$ERR" "stderr under -q"
kill $HOLDER 2>/dev/null
wait $HOLDER 2>/dev/null
ok

t usage_and_config_errors
bounce --bogus
expect_rc 64
bounce a b
expect_rc 64
bounce "$T/nope.eml"
expect_rc 66
printf '[mail]\nreturn_path = not an address\n' >"$T/bad.ini"
run nocturne-bounce -c "$T/bad.ini" --db "$DB" "$T/b1.eml"
expect_rc 78
expect_contains "$ERR" "[mail] return_path = 'not an address': not an address (local@domain"
run nocturne-bounce -c "$T/conf.ini" --db "$DB" --fetch
expect_rc 78
expect_contains "$ERR" "[bounce] url is not set"
ok

t status_shows_the_bounces
# message 1 (family F1, now at a new address) and family F4's two (4 and 8)
sql "$DB" "UPDATE message SET state = 'sent' WHERE ref IN (1, 4, 8); DELETE FROM bounce;"
sql "$DB" "UPDATE family SET name = '=cmd|'' /C calc''!A0' WHERE ref = 4;"
for f in b1 b4 b5; do bounce "$T/$f.eml"; done
run nocturne-status -c "$T/conf.ini" --db "$DB" --now '2019-12-08 07:00'
expect_rc 0
expect_contains "$OUT" "Mail queue: 0 pending, 2 sent, 0 failed, 4 skipped, 3 bounced"
# F1's first address is another one now; F4 bounced twice, limit 1: undeliverable
expect_contains "$OUT" "Bounces: 3 bounced message(s), 1 undeliverable family(ies) (nocturne-status --bounces lists them)"
csv=$(cat <<'CSV'
family_id;name;address;bounced_at;status;diagnostic
F4;"'=cmd|' /C calc'!A0";evil@example.org;2019-12-03 09:00:00;5.1.1;550 5.1.1 <bernard@example.com>... User unknown
CSV
)
run nocturne-status -c "$T/conf.ini" --db "$DB" --bounces
expect_rc 0
expect_eq "$OUT" "$csv" csv
# '-' is standard output too (contract section 8: --bounces [FILE|-])
run nocturne-status -c "$T/conf.ini" --db "$DB" --bounces -
expect_rc 0
expect_eq "$OUT" "$csv" "csv on -"
run nocturne-status -c "$T/conf.ini" --db "$DB" --bounces "$T/b.csv"
expect_rc 0
expect_empty "$OUT" stdout
expect_eq "$(cat "$T/b.csv")" "$csv" "csv file"
run nocturne-status -c "$T/conf.ini" --db "$DB" --request R1
expect_rc 0
expect_contains "$OUT" "  message 1: report, bounced, sent 2019-12-03 07:00:00, to marie.dupont@example.org
    bounced 2019-12-03 09:00:00: 5.1.1 550 5.1.1 <dupont.famille@example.net>: Recipient address rejected: User unknown in virtual mailbox table"
run nocturne-status -c "$T/conf.ini" --db "$DB" --mail
expect_rc 0
expect_contains "$OUT" "bounced 2019-12-03 09:00:00: 5.0.0 550 5.2.1 The email account that you tried to reach is disabled"
run nocturne-status -c "$T/conf.ini" --db "$DB" --bounces --mail
expect_rc 64
ok

t resend_goes_to_the_new_address
# F1's compte-rendu (message 1) bounced; F1 has imported marie@example.net since
run nocturne-notify -c "$T/conf.ini" --db "$DB" --now '2019-12-08 08:00' --resend m1 -n
expect_rc 0
expect_contains "$OUT" "=== would resend message 1 (report) to marie@example.net as <"
expect_contains "$OUT" "dry run: would resend 1 message(s)"
before=$(q 'SELECT max(ref) FROM message')
run nocturne-notify -c "$T/conf.ini" --db "$DB" --now '2019-12-08 08:00' --resend m1
expect_rc 0
expect_empty "$ERR" stderr
new=$(q 'SELECT max(ref) FROM message')
expect_eq "$new" "$((before + 1))" "new message"
expect_eq "$(q "SELECT kind || '|' || state || '|' || recipient || '|' || (subject = (SELECT subject FROM message WHERE ref = 1)) || '|' || (message_id <> '$MID1') FROM message WHERE ref = $new")" \
	"report|sent|marie@example.net|1|1" "the new message"
expect_eq "$(q "SELECT group_concat(seq) FROM message_request WHERE message_ref = $new")" \
	"$(q "SELECT group_concat(seq) FROM message_request WHERE message_ref = 1")" "its requests"
f=$(ls "$T"/outbox/*.eml | while read -r x; do grep -l "^References: $MID1" "$x"; done)
expect_eq "$(hdr "$f" To)" "Famille Dupont <marie@example.net>" To
expect_eq "$(hdr "$f" Message-ID)" "$(q "SELECT message_id FROM message WHERE ref = $new")" Message-ID
expect_eq "$(hdr "$f" Date)" "Sun, 08 Dec 2019 08:00:00 +0100" Date
expect_eq "$(hdr "$f" References)" "$MID1" References
expect_eq "$(grep -c '^To:' "$f")" 1 "one To"
expect_eq "$(grep -c '^Message-ID:' "$f")" 1 "one Message-ID"
# the body is the original's, byte for byte
q "SELECT writefile('$T/orig.eml', content) FROM message_content WHERE message_ref = 1" >/dev/null
expect_eq "$(sed '1,/^\r$/d' "$f" | md5sum)" "$(sed '1,/^\r$/d' "$T/orig.eml" | md5sum)" body
ok

t resend_refused_where_it_cannot_arrive
run nocturne-notify -c "$T/conf.ini" --db "$DB" --now '2019-12-08 08:00' --resend-family F4
expect_rc 65
expect_contains "$ERR" "family F4: its first address evil@example.org bounced 2 time(s)"
run nocturne-notify -c "$T/conf.ini" --db "$DB" --now '2019-12-08 08:00' --resend-family F2
expect_rc 65
expect_contains "$ERR" "family F2: no valid first address"
run nocturne-notify -c "$T/conf.ini" --db "$DB" --now '2019-12-08 08:00' --resend m99999
expect_rc 65
expect_contains "$ERR" "message 99999: no such stored message"
run nocturne-notify -c "$T/conf.ini" --db "$DB" --resend x1
expect_rc 64
n=$(q 'SELECT count(*) FROM message')
run nocturne-notify -c "$T/conf.ini" --db "$DB" --now '2019-12-08 08:00' --resend-family F1
expect_rc 0
expect_eq "$(q 'SELECT count(*) FROM message')" "$((n + 1))" "F1: its last compte-rendu (no notice)"
ok
