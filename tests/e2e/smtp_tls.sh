#!/bin/sh
# SMTP sender: STARTTLS (required, verified), AUTH, implicit TLS (libcurl).
# The test PKI is made at run time in $T/pki by tests/fixtures/mkcerts.sh.
. "$NOCTURNE_TOP/tests/e2e/lib.sh"
. "$TOP/tests/fixtures/smtp_common.sh"

sh "$TOP/tests/fixtures/mkcerts.sh" "$T/pki" || { echo "FAIL: mkcerts"; exit 1; }
PKI=$T/pki
make_eml "$T/a.eml" "a@example.org" tls-a
make_eml "$T/b.eml" "b@example.org" tls-b

t smtp_starttls_right_ca
start_smtpd tls --cert "$PKI/server.pem" --key "$PKI/server.key" --require-tls
send -H localhost -p "$PORT" -t starttls -C "$PKI/ca.pem" a@example.org="$T/a.eml" \
	b@example.org="$T/b.eml"
expect_rc 0
expect_eq "$OUT" "0 a@example.org sent 250 250 2.0.0 queued as 0001
1 b@example.org sent 250 250 2.0.0 queued as 0002
rc=0" "driver output"
cmp -s "$T/a.eml" "$MAILDIR/0001.eml" || fail "message a differs on the wire"
cmp -s "$T/b.eml" "$MAILDIR/0002.eml" || fail "message b differs on the wire"
# one session: EHLO in clear, STARTTLS, EHLO again under TLS
expect_eq "$(sed 's/^[^ ]* //' "$MAILDIR/.ehlo" | tr '\n' ' ')" "tls=no tls=yes " "EHLOs"
ok

t smtp_starttls_two_sessions_one_process
# bug A: a second STARTTLS session in one process crashed libESMTP 1.1.0
# with its shared context; the bench mode runs one session per chunk.
send -H localhost -p "$PORT" -t starttls -C "$PKI/ca.pem" -m 2 -N 6 "$T/a.eml"
expect_rc 0
expect_contains "$OUT" "6 sent, 0 not" "bench output"
expect_eq "$(count_eml)" 8 "messages stored"
ok

t smtp_starttls_ip_address_in_certificate
send -H 127.0.0.1 -p "$PORT" -t starttls -C "$PKI/ca.pem" a@example.org="$T/a.eml"
expect_rc 0
expect_eq "$OUT" "0 a@example.org sent 250 250 2.0.0 queued as 0009
rc=0" "driver output"
ok

t smtp_starttls_wrong_ca
before=$(count_ehlo)
send -H localhost -p "$PORT" -t starttls -C "$PKI/other-ca.pem" a@example.org="$T/a.eml"
expect_rc 69
expect_contains "$OUT" "rc=-1 exit=69 smtp localhost:$PORT: TLS: certificate rejected: unable to get local issuer certificate" "output"
expect_eq "$(count_eml)" 9 "messages stored"
expect_eq "$(count_ehlo)" $((before + 1)) "EHLOs (none after the failed handshake)"
ok

t smtp_starttls_system_cas_only
send -H localhost -p "$PORT" -t starttls a@example.org="$T/a.eml"
expect_rc 69
expect_contains "$OUT" "TLS: certificate rejected: unable to get local issuer certificate" "output"
expect_eq "$(count_eml)" 9 "messages stored"
ok

t smtp_starttls_wrong_host_name
start_smtpd wrongname --cert "$PKI/wrongname.pem" --key "$PKI/wrongname.key"
send -H localhost -p "$PORT" -t starttls -C "$PKI/ca.pem" a@example.org="$T/a.eml"
expect_rc 69
expect_contains "$OUT" "rc=-1 exit=69 smtp localhost:$PORT: TLS: certificate rejected: hostname mismatch" "output"
expect_eq "$(count_eml)" 0 "messages stored"
ok

t smtp_starttls_not_offered
start_smtpd notls
send -H localhost -p "$PORT" -t starttls -C "$PKI/ca.pem" a@example.org="$T/a.eml"
expect_rc 69
expect_eq "$OUT" "rc=-1 exit=69 smtp localhost:$PORT: STARTTLS required but not offered by the server" "output"
expect_eq "$(count_eml)" 0 "messages stored (nothing in clear)"
ok

t smtp_missing_ca_file
send -H localhost -p "$PORT" -t starttls -C "$T/nope.pem" a@example.org="$T/a.eml"
expect_rc 78
expect_eq "$OUT" "rc=-1 exit=78 smtp: ca_file $T/nope.pem: cannot load certificates from it" "output"
ok

t smtp_auth_success
start_smtpd auth --cert "$PKI/server.pem" --key "$PKI/server.key" --user famille \
	--password 's3cret#;x' --auth-required
send -H localhost -p "$PORT" -t starttls -C "$PKI/ca.pem" -u famille -P 's3cret#;x' \
	a@example.org="$T/a.eml"
expect_rc 0
expect_eq "$OUT" "0 a@example.org sent 250 250 2.0.0 queued as 0001
rc=0" "driver output"
cmp -s "$T/a.eml" "$MAILDIR/0001.eml" || fail "message differs on the wire"
ok

t smtp_auth_failure_sends_nothing
send -H localhost -p "$PORT" -t starttls -C "$PKI/ca.pem" -u famille -P wrong-password -vv \
	a@example.org="$T/a.eml" b@example.org="$T/b.eml"
expect_rc 69
expect_eq "$OUT" "rc=-1 exit=69 smtp localhost:$PORT: AUTH failed: 535 5.7.8 Authentication credentials invalid" "output"
expect_eq "$(count_eml)" 1 "messages stored"
expect_eq "$(cat "$MAILDIR/.mail")" "nocturne@example.org" "MAIL FROM received (the first run only)"
expect_not_contains "$ERR$OUT" "wrong-password" "logs"
expect_not_contains "$ERR$OUT" "$(printf '\0famille\0wrong-password' | base64)" "logs"
expect_contains "$ERR" "AUTH PLAIN ****" "protocol log"
ok

t smtp_auth_not_offered
start_smtpd noauth
send -H localhost -p "$PORT" -u famille -P x a@example.org="$T/a.eml"
expect_rc 69
[ -f "$MAILDIR/.mail" ] && fail "MAIL FROM reached the server"
expect_eq "$OUT" "rc=-1 exit=69 smtp localhost:$PORT: AUTH required (user is set) but the server offers no usable mechanism (PLAIN, LOGIN)" "output"
expect_eq "$(count_eml)" 0 "messages stored"
ok

t smtp_implicit_tls
start_smtpd implicit --cert "$PKI/server.pem" --key "$PKI/server.key" --implicit-tls \
	--user famille --password pw
send -H localhost -p "$PORT" -t tls -C "$PKI/ca.pem" -u famille -P pw \
	a@example.org="$T/a.eml" perm1@example.org="$T/a.eml" temp1@example.org="$T/b.eml" \
	dataperm1@example.org="$T/a.eml" b@example.org="$T/b.eml"
expect_rc 0
expect_eq "$OUT" "0 a@example.org sent 250 250 2.0.0 queued as 0001
1 perm1@example.org permanent 550 550 5.1.1 no such user
2 temp1@example.org temporary 451 451 4.3.0 try again later
3 dataperm1@example.org permanent 554 554 5.6.0 message refused
4 b@example.org sent 250 250 2.0.0 queued as 0002
rc=0" "driver output"
cmp -s "$T/a.eml" "$MAILDIR/0001.eml" || fail "message a differs on the wire"
cmp -s "$T/b.eml" "$MAILDIR/0002.eml" || fail "message b differs on the wire"
expect_eq "$(cat "$MAILDIR/0002.env")" "from nocturne@example.org
to b@example.org" "envelope"
ok

t smtp_implicit_tls_wrong_ca
send -H localhost -p "$PORT" -t tls -C "$PKI/other-ca.pem" -u famille -P pw a@example.org="$T/a.eml"
expect_rc 69
expect_contains "$OUT" "rc=-1 exit=69 smtp localhost:$PORT: SSL certificate problem: unable to get local issuer certificate" "output"
expect_eq "$(count_eml)" 2 "messages stored"
ok

t smtp_implicit_tls_auth_failure
send -H localhost -p "$PORT" -t tls -C "$PKI/ca.pem" -u famille -P bad a@example.org="$T/a.eml"
expect_rc 69
expect_contains "$OUT" "rc=-1 exit=69 smtp localhost:$PORT: AUTH failed: 535" "output"
expect_eq "$(count_eml)" 2 "messages stored"
ok

t smtp_implicit_tls_refused
port=$(free_port)
send -H 127.0.0.1 -p "$port" -t tls a@example.org="$T/a.eml"
expect_rc 69
expect_contains "$OUT" "rc=-1 exit=69 smtp 127.0.0.1:$port: " "output"
ok
