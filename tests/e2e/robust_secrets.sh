#!/bin/sh
# robust_secrets.sh - the SMTP password: a password file readable by its
# group or others is refused (78) before anything is sent, and the secret
# never shows: not on stderr (even with -vv, even when AUTH fails), not in
# the database, not in the messages, not in the lock files.
. "$NOCTURNE_TOP/tests/e2e/lib.sh"
need_tools nocturne-import nocturne-transmit nocturne-notify

SECRET='Zq8-unguessable-s3cret'
B64=$(printf '\0portail\0%s' "$SECRET" | base64 -w0)
B64U=$(printf '%s' "$SECRET" | base64 -w0)

/usr/bin/python3 "$TOP/stress/gentown.py" town 1000 4
for k in families children activities openings requests; do
	nocturne-import -q --db base.db "$k" "town/$k.csv" || echo "FAIL: setup import $k"
done
nocturne-transmit -q --db base.db --now '2019-11-29 23:00' || echo "FAIL: setup transmit"

MAILDIR=$T/mail
mkdir -p "$MAILDIR"
/usr/bin/python3 "$TOP/tests/fixtures/smtpd.py" --dir "$MAILDIR" --user portail \
	--password "$SECRET" --auth-required >smtpd.out 2>smtpd.err &
at_exit "kill $!"
PORT=""
for _ in $(seq 100); do
	PORT=$(sed -n 's/^READY \([0-9]*\)$/\1/p' smtpd.out)
	[ -n "$PORT" ] && break
	sleep 0.1
done
[ -n "$PORT" ] || { echo "FAIL: smtpd did not start"; exit 1; }

conf() { # conf FILE PASSWORD_FILE
	printf '[mail]\ntransport = smtp\n[smtp]\nhost = 127.0.0.1\nport = %s\ntls = none\n' \
		"$PORT" >"$1"
	printf 'user = portail\npassword_file = %s\ntimeout = 10\n' "$2" >>"$1"
}
# nowhere SECRET FILES...: the secret (plain or base64) is in none of them
nowhere() {
	for f in "$@"; do
		[ -e "$f" ] || continue
		for s in "$SECRET" "$B64" "$B64U"; do
			grep -rqaF -- "$s" "$f" && fail "the secret is in $f"
		done
	done
}

for mode in 644 640 604 660; do
	t "password_file_mode_${mode}_is_refused"
	cp base.db m$mode.db
	printf '%s\n' "$SECRET" >pw$mode
	chmod $mode pw$mode
	conf c$mode.ini "$T/pw$mode"
	run nocturne-notify -vv -c c$mode.ini --db m$mode.db --now '2019-11-30 07:00'
	expect_rc 78
	expect_contains "$ERR" "nocturne-notify: c$mode.ini: [smtp] password_file $T/pw$mode: refused"
	expect_eq "$(sqlite3 m$mode.db "SELECT count(*) FROM message WHERE state = 'sent'")" 0 sent
	expect_eq "$(ls "$MAILDIR" | grep -c '\.eml$')" 0 "messages delivered"
	printf '%s\n%s\n' "$OUT" "$ERR" >out$mode
	nowhere out$mode m$mode.db m$mode.db-wal
	ok
done

t wrong_password_never_shows
printf 'wrong-%s\n' "$SECRET" >pwbad
chmod 600 pwbad
conf cbad.ini "$T/pwbad"
cp base.db bad.db
run nocturne-notify -vv -c cbad.ini --db bad.db --now '2019-11-30 07:00'
[ "$RC" -ne 0 ] || fail "a refused AUTH was taken for success"
printf '%s\n%s\n' "$OUT" "$ERR" >outbad
nowhere outbad bad.db bad.db-wal
grep -qaF "wrong-$SECRET" outbad bad.db && fail "the wrong password shows"
ok

t good_password_sends_and_never_shows
printf '%s\n' "$SECRET" >pw600
chmod 600 pw600
conf c600.ini "$T/pw600"
cp base.db good.db
run nocturne-notify -vv -c c600.ini --db good.db --now '2019-11-30 07:00'
expect_rc 0
sent=$(sqlite3 good.db "SELECT count(*) FROM message WHERE state = 'sent'")
[ "$sent" -gt 0 ] || fail "nothing sent"
expect_eq "$(ls "$MAILDIR" | grep -c '\.eml$')" "$sent" "messages delivered"
printf '%s\n%s\n' "$OUT" "$ERR" >outgood
expect_contains "$ERR" "sent $sent" "-vv output"
nowhere outgood good.db good.db-wal good.db.notify.lock "$MAILDIR"
ok

# The back-office token: never in the output, the database or the lock file.
. "$TOP/tests/fixtures/bo_lib.sh"
TOKEN='tok-Zq8-unguessable-bearer'
t backoffice_token_never_shows
mkpki main
start_bo bo main 200
printf '%s\n' "$TOKEN" >token
chmod 600 token
bo_conf bo.ini "https://localhost:$PORT/nocturne/batches" "$T/token"
/usr/bin/python3 "$TOP/stress/gentown.py" town2 500 6
for k in families children activities openings requests; do
	nocturne-import -q -c bo.ini "$k" "town2/$k.csv" || fail "import $k"
done
run nocturne-transmit -vv -c bo.ini --now '2019-11-29 23:00'
expect_rc 0
expect_eq "$(grep -l "Bearer $TOKEN" "$T"/bo/req-*.head 2>/dev/null | wc -l)" 1 \
	"requests carrying the token"
printf '%s\n%s\n' "$OUT" "$ERR" >outbo
for f in outbo nocturne.db nocturne.db-wal nocturne.db.transmit.lock; do
	[ -e "$f" ] && grep -qaF -- "$TOKEN" "$f" && fail "the token is in $f"
done
ok
