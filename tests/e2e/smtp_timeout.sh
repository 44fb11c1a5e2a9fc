#!/bin/sh
# SMTP sender: per-command timeouts against a slow server, and connection
# reuse over implicit TLS.
. "$NOCTURNE_TOP/tests/e2e/lib.sh"
. "$TOP/tests/fixtures/smtp_common.sh"

make_eml "$T/a.eml" "a@example.org" slow-a

# elapsed CMD...: run it via run, leaving the whole seconds it took in SECS
elapsed() {
	_t0=$(date +%s)
	run "$@"
	SECS=$(($(date +%s) - _t0))
}

t smtp_timeout_on_a_slow_reply
start_smtpd slow --slow 12
elapsed "$SMTP_SEND" -H localhost -p "$PORT" -T 2 ok1@example.org="$T/a.eml" \
	slow1@example.org="$T/a.eml" ok2@example.org="$T/a.eml"
expect_rc 0
expect_eq "$OUT" "0 ok1@example.org sent 250 250 2.0.0 queued as 0001
1 slow1@example.org temporary 0 connection lost after MAIL FROM (no answer within 2 s)
2 ok2@example.org temporary 0 not attempted, connection lost (no answer within 2 s)
rc=0" "driver output"
[ "$SECS" -le 7 ] || fail "took $SECS s with a 2 s timeout"
expect_eq "$(count_eml)" 1 "messages stored"
ok

t smtp_timeout_on_the_greeting
start_smtpd slowgreet --slow-greeting 12
elapsed "$SMTP_SEND" -H localhost -p "$PORT" -T 2 ok1@example.org="$T/a.eml"
expect_rc 69
expect_eq "$OUT" "rc=-1 exit=69 smtp localhost:$PORT: no answer within 2 s" "output"
[ "$SECS" -le 7 ] || fail "took $SECS s with a 2 s timeout"
ok

t smtp_implicit_tls_reuses_the_connection
sh "$TOP/tests/fixtures/mkcerts.sh" "$T/pki" || fail "mkcerts"
start_smtpd implicit --cert "$T/pki/server.pem" --key "$T/pki/server.key" --implicit-tls
send -H localhost -p "$PORT" -t tls -C "$T/pki/ca.pem" a@example.org="$T/a.eml" \
	b@example.org="$T/a.eml" c@example.org="$T/a.eml"
expect_rc 0
expect_eq "$OUT" "0 a@example.org sent 250 250 2.0.0 queued as 0001
1 b@example.org sent 250 250 2.0.0 queued as 0002
2 c@example.org sent 250 250 2.0.0 queued as 0003
rc=0" "driver output"
expect_eq "$(count_ehlo)" 1 "SMTP sessions"
expect_eq "$(sed 's/^[^ ]* //' "$MAILDIR/.ehlo")" "tls=yes" "TLS on"
ok

t smtp_implicit_tls_timeout
start_smtpd implicitslow --cert "$T/pki/server.pem" --key "$T/pki/server.key" \
	--implicit-tls --slow 12
elapsed "$SMTP_SEND" -H localhost -p "$PORT" -t tls -C "$T/pki/ca.pem" -T 2 \
	ok1@example.org="$T/a.eml" slow1@example.org="$T/a.eml" ok2@example.org="$T/a.eml"
expect_rc 0
expect_contains "$OUT" "0 ok1@example.org sent 250 250 2.0.0 queued as 0001
1 slow1@example.org temporary 0 connection lost: " "driver output"
expect_contains "$OUT" "2 ok2@example.org temporary 0 not attempted, connection lost
rc=0" "driver output"
[ "$SECS" -le 7 ] || fail "took $SECS s with a 2 s timeout"
ok
