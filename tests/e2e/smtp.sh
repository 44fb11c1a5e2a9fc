#!/bin/sh
# SMTP sender (lib/smtp.c, libESMTP path, tls = none) against the aiosmtpd
# fixture: what reaches the wire, and the outcome reported for each message.
. "$NOCTURNE_TOP/tests/e2e/lib.sh"
. "$TOP/tests/fixtures/smtp_common.sh"

t smtp_many_messages_one_connection
start_smtpd many
args="" expect=""
i=0
while [ $i -lt 30 ]; do
	make_eml "$T/m$i.eml" "Famille $i <f$i@example.org>" "msg$i"
	args="$args f$i@example.org=$T/m$i.eml"
	expect="$expect$i f$i@example.org sent 250 250 2.0.0 queued as $(printf %04d $((i + 1)))
"
	i=$((i + 1))
done
# shellcheck disable=SC2086
send -H 127.0.0.1 -p "$PORT" $args
expect_rc 0
expect_eq "$OUT" "${expect}rc=0" "driver output"
expect_eq "$(count_eml)" 30 "messages stored"
expect_eq "$(count_ehlo)" 1 "SMTP sessions"
i=0
while [ $i -lt 30 ]; do
	n=$(printf %04d $((i + 1)))
	cmp -s "$T/m$i.eml" "$MAILDIR/$n.eml" || fail "message $i: bytes differ on the wire"
	expect_eq "$(cat "$MAILDIR/$n.env")" "from nocturne@example.org
to f$i@example.org" "envelope $i"
	i=$((i + 1))
done
# dot-stuffing undone by the server: the line is back as written
expect_contains "$(cat "$MAILDIR/0001.eml")" "
.Une ligne qui commence par un point." "body"
ok

t smtp_outcomes_per_recipient
start_smtpd faults
make_eml "$T/a.eml" "x@example.org" a
send -H localhost -p "$PORT" ok1@example.org="$T/a.eml" temp1@example.org="$T/a.eml" \
	perm1@example.org="$T/a.eml" dataperm1@example.org="$T/a.eml" \
	datatemp1@example.org="$T/a.eml" ok2@example.org="$T/a.eml"
expect_rc 0
expect_eq "$OUT" "0 ok1@example.org sent 250 250 2.0.0 queued as 0001
1 temp1@example.org temporary 451 451 4.3.0 try again later
2 perm1@example.org permanent 550 550 5.1.1 no such user
3 dataperm1@example.org permanent 554 554 5.6.0 message refused
4 datatemp1@example.org temporary 452 452 4.3.1 insufficient storage
5 ok2@example.org sent 250 250 2.0.0 queued as 0002
rc=0" "driver output"
expect_eq "$(count_eml)" 2 "messages stored"
expect_eq "$(cat "$MAILDIR/0002.env")" "from nocturne@example.org
to ok2@example.org" "second envelope"
ok

t smtp_4xx_then_success_on_retry
start_smtpd greylist
make_eml "$T/g.eml" "once@example.org" g
send -p "$PORT" -H localhost once1@example.org="$T/g.eml"
expect_rc 0
expect_eq "$OUT" "0 once1@example.org temporary 451 451 4.7.1 greylisted, come back later
rc=0" "first run"
expect_eq "$(count_eml)" 0 "stored after the first run"
send -p "$PORT" -H localhost once1@example.org="$T/g.eml"
expect_rc 0
expect_eq "$OUT" "0 once1@example.org sent 250 250 2.0.0 queued as 0001
rc=0" "retry"
cmp -s "$T/g.eml" "$MAILDIR/0001.eml" || fail "retried message differs on the wire"
ok

t smtp_connection_refused
port=$(free_port)
make_eml "$T/r.eml" "r@example.org" r
send -H 127.0.0.1 -p "$port" r@example.org="$T/r.eml"
expect_rc 69
expect_eq "$OUT" "rc=-1 exit=69 smtp 127.0.0.1:$port: cannot connect: Connection refused" "output"
ok

t smtp_unknown_host
send -H no-such-host.invalid -p 25 r@example.org="$T/r.eml"
expect_rc 69
expect_contains "$OUT" "rc=-1 exit=69 smtp no-such-host.invalid:25: cannot resolve host" "output"
ok

t smtp_disconnect_mid_session
start_smtpd drop --drop-after 2
args=""
for i in 0 1 2 3 4; do
	make_eml "$T/d$i.eml" "d$i@example.org" "d$i"
	args="$args d$i@example.org=$T/d$i.eml"
done
# shellcheck disable=SC2086
send -H localhost -p "$PORT" $args
expect_rc 0
expect_eq "$OUT" "0 d0@example.org sent 250 250 2.0.0 queued as 0001
1 d1@example.org sent 250 250 2.0.0 queued as 0002
2 d2@example.org temporary 0 not attempted, connection lost
3 d3@example.org temporary 0 not attempted, connection lost
4 d4@example.org temporary 0 not attempted, connection lost
rc=0" "driver output"
expect_eq "$(count_eml)" 2 "messages stored"
ok

t smtp_disconnect_during_data
start_smtpd dropdata --drop-in-data 1
# shellcheck disable=SC2086
send -H localhost -p "$PORT" d0@example.org="$T/d0.eml" d1@example.org="$T/d1.eml" \
	d2@example.org="$T/d2.eml"
expect_rc 0
expect_eq "$OUT" "0 d0@example.org sent 250 250 2.0.0 queued as 0001
1 d1@example.org temporary 0 connection lost during DATA, outcome unknown
2 d2@example.org temporary 0 not attempted, connection lost
rc=0" "driver output"
expect_eq "$(count_eml)" 1 "messages stored"
[ -f "$MAILDIR/0002.lost" ] || fail "the in-flight message did not reach the server"
ok

t smtp_mail_from_refused
start_smtpd rejectfrom --reject-from
send -H localhost -p "$PORT" a@example.org="$T/a.eml" b@example.org="$T/a.eml"
expect_rc 69
expect_eq "$OUT" "rc=-1 exit=69 smtp localhost:$PORT: MAIL FROM <nocturne@example.org> refused: 550 5.7.1 sender refused" "output"
expect_eq "$(count_eml)" 0 "messages stored"
ok

t smtp_caller_stops
start_smtpd stop
send -H localhost -p "$PORT" -s 2 d0@example.org="$T/d0.eml" d1@example.org="$T/d1.eml" \
	d2@example.org="$T/d2.eml" d3@example.org="$T/d3.eml"
expect_rc 75
expect_eq "$OUT" "0 d0@example.org sent 250 250 2.0.0 queued as 0001
1 d1@example.org sent 250 250 2.0.0 queued as 0002
rc=-1 exit=75 stopped by the driver after 2 callbacks" "driver output"
sleep 0.2
expect_eq "$(count_eml)" 2 "messages stored"
ok

t smtp_pipelining_same_outcomes
# With a server that offers PIPELINING the plain client sends a message's
# data, its dot and the next MAIL FROM, RCPT TO and DATA together: every
# outcome, byte and fault must come out as without it.
start_smtpd pfaults --pipelining
send -H localhost -p "$PORT" ok1@example.org="$T/a.eml" temp1@example.org="$T/a.eml" \
	perm1@example.org="$T/a.eml" dataperm1@example.org="$T/a.eml" \
	datatemp1@example.org="$T/a.eml" ok2@example.org="$T/a.eml" ok3@example.org="$T/a.eml"
expect_rc 0
expect_eq "$OUT" "0 ok1@example.org sent 250 250 2.0.0 queued as 0001
1 temp1@example.org temporary 451 451 4.3.0 try again later
2 perm1@example.org permanent 550 550 5.1.1 no such user
3 dataperm1@example.org permanent 554 554 5.6.0 message refused
4 datatemp1@example.org temporary 452 452 4.3.1 insufficient storage
5 ok2@example.org sent 250 250 2.0.0 queued as 0002
6 ok3@example.org sent 250 250 2.0.0 queued as 0003
rc=0" "driver output (pipelined)"
expect_eq "$(count_eml)" 3 "messages stored (pipelined)"
expect_eq "$(count_ehlo)" 1 "one session (pipelined)"
for f in 0001 0002 0003; do
	cmp -s "$T/a.eml" "$MAILDIR/$f.eml" || fail "$f: bytes on the wire differ (dot-stuffing)"
done
expect_eq "$(cat "$MAILDIR/0003.env")" "from nocturne@example.org
to ok3@example.org" "third envelope (pipelined)"
# Every MAIL FROM after the first arrived behind the previous message's dot,
# or behind RSET: the client did not wait for the replies.
[ "$(cat "$MAILDIR/.pipelined" 2>/dev/null | wc -l)" -ge 6 ] ||
	fail "MAIL FROM not pipelined: $(cat "$MAILDIR/.pipelined" 2>/dev/null | wc -l) of 7"
[ -f "$T/faults/.pipelined" ] && fail "pipelined to a server that does not offer PIPELINING"

start_smtpd pdrop --pipelining --drop-after 2
# shellcheck disable=SC2086
send -H localhost -p "$PORT" $args
expect_rc 0
expect_eq "$OUT" "0 d0@example.org sent 250 250 2.0.0 queued as 0001
1 d1@example.org sent 250 250 2.0.0 queued as 0002
2 d2@example.org temporary 0 not attempted, connection lost
3 d3@example.org temporary 0 not attempted, connection lost
4 d4@example.org temporary 0 not attempted, connection lost
rc=0" "disconnect mid-session (pipelined)"

start_smtpd pdropdata --pipelining --drop-in-data 1
send -H localhost -p "$PORT" d0@example.org="$T/d0.eml" d1@example.org="$T/d1.eml" \
	d2@example.org="$T/d2.eml"
expect_rc 0
expect_eq "$OUT" "0 d0@example.org sent 250 250 2.0.0 queued as 0001
1 d1@example.org temporary 0 connection lost during DATA, outcome unknown
2 d2@example.org temporary 0 not attempted, connection lost
rc=0" "disconnect during DATA (pipelined)"
[ -f "$MAILDIR/0002.lost" ] || fail "the in-flight message did not reach the server (pipelined)"

start_smtpd prejectfrom --pipelining --reject-from
send -H localhost -p "$PORT" a@example.org="$T/a.eml" b@example.org="$T/a.eml"
expect_rc 69
expect_eq "$OUT" "rc=-1 exit=69 smtp localhost:$PORT: MAIL FROM <nocturne@example.org> refused: 550 5.7.1 sender refused" "MAIL FROM refused (pipelined)"
expect_eq "$(count_eml)" 0 "messages stored (MAIL FROM refused, pipelined)"

start_smtpd pstop --pipelining
send -H localhost -p "$PORT" -s 2 d0@example.org="$T/d0.eml" d1@example.org="$T/d1.eml" \
	d2@example.org="$T/d2.eml" d3@example.org="$T/d3.eml"
expect_rc 75
expect_eq "$OUT" "0 d0@example.org sent 250 250 2.0.0 queued as 0001
1 d1@example.org sent 250 250 2.0.0 queued as 0002
rc=-1 exit=75 stopped by the driver after 2 callbacks" "caller stops (pipelined)"
sleep 0.2
expect_eq "$(count_eml)" 2 "messages stored (caller stops, pipelined)"
ok

t smtp_invalid_recipient_and_bare_lf
start_smtpd invalid
send -H localhost -p "$PORT" not-an-address="$T/a.eml" ok@example.org="$T/a.eml"
expect_rc 0
expect_eq "$OUT" "1 ok@example.org sent 250 250 2.0.0 queued as 0001
0 not-an-address permanent 0 invalid recipient address
rc=0" "driver output"
printf 'Subject: bare\n\nLF only\n' >"$T/lf.eml"
send -H localhost -p "$PORT" ok@example.org="$T/lf.eml"
expect_rc 70
expect_eq "$OUT" "rc=-1 exit=70 smtp: message 0 for <ok@example.org> has a line not ended by CRLF" "bare LF"
# CRLF everywhere but one bare LF, one lone CR, or a CR as the last byte.
printf 'Subject: one\r\n\r\nfine\r\nbare\nthen fine\r\n' >"$T/lf1.eml"
printf 'Subject: one\r\n\r\nfine\r\nlone\rCR\r\n' >"$T/cr1.eml"
printf 'Subject: one\r\n\r\nfine\r\nlast\r' >"$T/cr2.eml"
for f in lf1 cr1 cr2; do
	send -H localhost -p "$PORT" ok@example.org="$T/$f.eml"
	expect_rc 70
	expect_eq "$OUT" "rc=-1 exit=70 smtp: message 0 for <ok@example.org> has a line not ended by CRLF" "$f"
done
expect_eq "$(count_eml)" 1 "messages stored"
ok

t smtp_only_invalid_recipients_needs_no_server
port=$(free_port)
send -H 127.0.0.1 -p "$port" "bad address=$T/a.eml" "=$T/a.eml"
expect_rc 0
expect_eq "$OUT" "0 bad address permanent 0 invalid recipient address
1  permanent 0 invalid recipient address
rc=0" "driver output"
ok

t smtp_greeting_refused
start_smtpd nogreet --reject-greeting
send -H localhost -p "$PORT" a@example.org="$T/a.eml"
expect_rc 69
expect_eq "$OUT" "rc=-1 exit=69 smtp localhost:$PORT: server said: 554 5.3.2 no service here" "output"
ok

t smtp_host_too_long
long=$(printf 'a%.0s' $(seq 1 250)).example
send -H "$long" -p 25 a@example.org="$T/a.eml"
expect_rc 78
expect_eq "$OUT" "rc=-1 exit=78 smtp: host name longer than 253 characters: $(printf 'a%.0s' $(seq 1 40))..." "output"
send -H "$long" -p 25 -t tls a@example.org="$T/a.eml"
expect_rc 78
ok
