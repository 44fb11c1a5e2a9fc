#!/bin/sh
# crash_notify.sh [REQUESTS] [KILLS] [TRANSPORT] - crash consistency of the mail.
#
# A town of REQUESTS requests (default 150000: ~3000 families, so ~3000
# compte-rendus) is imported and transmitted once (the base database, under
# $WORK, default var/crash-notify). With TRANSPORT smtp (default), the
# aiosmtpd fixture tests/fixtures/smtpd.py listens on loopback; with file,
# messages go to an outbox directory.
# nocturne-notify is started and SIGKILLed at a random moment of what is
# left to send (judged from the reference run time) until KILLS kills
# (default 20) hit a running process; then it is rerun until it exits 0. Checks:
#   - every message the database calls sent or skipped is final, none pending;
#   - smtp: every sent message arrived, and every arrival past a message's
#     first is paid for by a kill: at most the one in flight per kill sent
#     again (GROUP, lib/morning.c record(); contract section 6: "a crash can
#     repeat at most the one message in flight"). A message a rerun sends
#     first, because a kill left it in flight, can be in flight again when
#     the next kill lands: it then arrives three times, for two kills.
#     Repeated arrivals are counted by Message-ID and reported;
#   - file: every sent message has its .eml, no temporary file left behind.
# Prints "crash_notify: M messages, K kills, D duplicates, F failures".
set -u
REQ=${1:-150000}
KILLS=${2:-20}
TRANSPORT=${3:-smtp}
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/stress/lib.sh"
work crash-notify
NOW='2019-11-30 07:00'
fail=0
srv=""
# A kill repeats at most the outcome not committed yet: one message (lib/morning.c record()).
GROUP=1
trap '[ -n "$srv" ] && kill "$srv" 2>/dev/null' EXIT

q() { sqlite3 "$1" "$2"; }

base_town crash_notify "$REQ" 11 '2019-11-29 23:00'

start_server() { # start_server DIR: the fixture on a free port -> PORT
	mkdir -p "$1"
	/usr/bin/python3 "$top/tests/fixtures/smtpd.py" --dir "$1" >"$1.out" 2>"$1.err" &
	srv=$!
	PORT=""
	for _ in $(seq 100); do
		PORT=$(sed -n 's/^READY \([0-9]*\)$/\1/p' "$1.out")
		[ -n "$PORT" ] && break
		sleep 0.1
	done
	[ -n "$PORT" ] || { echo "crash_notify: smtpd did not start: $(cat "$1.err")"; exit 1; }
}
stop_server() { kill "$srv" 2>/dev/null; wait "$srv" 2>/dev/null; srv=""; }

write_config() { # write_config FILE OUTBOX
	cat >"$1" <<INI
[mail]
transport = $TRANSPORT
directory = $2
from = Portail Famille <no-reply@mairie.example>
retry_delay = 0
max_attempts = 1000
[smtp]
host = 127.0.0.1
port = ${PORT:-25}
tls = none
timeout = 10
INI
}

# Count deliveries per Message-ID in DIR (one id per line, with counts).
ids() {
	if [ "$TRANSPORT" = smtp ]; then
		cat "$1"/*.eml 2>/dev/null | tr -d '\r' | sed -n 's/^[Mm]essage-[Ii][Dd]: *//p'
	else
		for f in "$1"/*.eml; do
			[ -f "$f" ] && tr -d '\r' <"$f" | sed -n 's/^[Mm]essage-[Ii][Dd]: *//p'
		done
	fi
}

# The reference: one uninterrupted run.
rm -rf ref.db* refbox
cp base.db ref.db
[ "$TRANSPORT" = smtp ] && start_server refbox
write_config ref.ini "$W/refbox"
t0=$(date +%s%N)
nocturne-notify -q -c ref.ini --db ref.db --now "$NOW" || {
	echo "crash_notify: reference notify failed ($?)"
	exit 1
}
dur_ms=$((($(date +%s%N) - t0) / 1000000))
[ "$TRANSPORT" = smtp ] && stop_server
ref_sent=$(q ref.db "SELECT count(*) FROM message WHERE state='sent'")
ref_all=$(q ref.db "SELECT count(*) FROM message")
echo "crash_notify: $TRANSPORT, reference run ${dur_ms} ms, $ref_all messages, $ref_sent sent"

# The trial: KILLS kills, then reruns until done.
rm -rf trial.db* box
cp base.db trial.db
[ "$TRANSPORT" = smtp ] && start_server box
write_config trial.ini "$W/box"
k=0 killed=0
while [ "$killed" -lt "$KILLS" ] && [ "$k" -lt $((KILLS * 5)) ]; do
	k=$((k + 1))
	# spread over what is left to do: the messages not sent yet
	done_n=$(q trial.db "SELECT count(*) FROM message WHERE state <> 'pending'")
	delay=$(awk -v s="$k$$" -v d="$dur_ms" -v a="$ref_all" -v n="$done_n" \
		'BEGIN { srand(s); f = (a - n) / a; if (f < 0.05) f = 0.05;
			 printf "%.3f", d * f * rand() / 2000 }')
	nocturne-notify -q -c trial.ini --db trial.db --now "$NOW" &
	pid=$!
	sleep "$delay"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	[ $? -eq 137 ] && killed=$((killed + 1))
done
runs=0
while :; do
	runs=$((runs + 1))
	nocturne-notify -q -c trial.ini --db trial.db --now "$NOW"
	rc=$?
	[ "$rc" -eq 0 ] && break
	if [ "$runs" -ge 5 ]; then
		echo "crash_notify: FAILED: rerun $runs exits $rc"
		fail=$((fail + 1))
		break
	fi
done
[ "$TRANSPORT" = smtp ] && stop_server

sent=$(q trial.db "SELECT count(*) FROM message WHERE state='sent'")
all=$(q trial.db "SELECT count(*) FROM message")
left=$(q trial.db "SELECT count(*) FROM message WHERE state NOT IN ('sent','skipped')")
integ=$(q trial.db 'PRAGMA integrity_check')
q trial.db "SELECT message_id FROM message WHERE state='sent'" | sort >want.ids
ids box | sort >got.ids
dups=$(uniq -c got.ids | awk '$1 > 1 { n += $1 - 1 } END { print n + 0 }')
most=$(uniq -c got.ids | awk '$1 > n { n = $1 } END { print n + 0 }')
missing=$(comm -23 want.ids got.ids | sort -u | wc -l)
extra=$(sort -u got.ids | comm -13 want.ids - | wc -l)
tmpleft=$(find box -name '.*' -type f ! -name '.ehlo' ! -name '.mail' ! -name '.seen' |
	wc -l)
check() { # check COND-TEXT RESULT(0 ok)
	if [ "$2" -ne 0 ]; then echo "crash_notify: FAILED: $1"; fail=$((fail + 1)); fi
}
check "the reference sent nothing" "$([ "$ref_sent" -gt 0 ]; echo $?)"
check "no kill landed in $k tries" "$([ "$killed" -gt 0 ]; echo $?)"
check "integrity_check: $integ" "$([ "$integ" = ok ]; echo $?)"
check "$all messages composed, reference $ref_all" "$([ "$all" -eq "$ref_all" ]; echo $?)"
check "$sent sent, reference $ref_sent" "$([ "$sent" -eq "$ref_sent" ]; echo $?)"
check "$left messages not final" "$([ "$left" -eq 0 ]; echo $?)"
check "$missing sent messages never arrived" "$([ "$missing" -eq 0 ]; echo $?)"
check "$extra arrived messages unknown to the database" "$([ "$extra" -eq 0 ]; echo $?)"
check "$dups repeated arrivals for $killed kills (at most $GROUP each)" \
	"$([ "$dups" -le $((killed * GROUP)) ]; echo $?)"
check "$tmpleft temporary files left in the outbox" "$([ "$tmpleft" -eq 0 ]; echo $?)"
echo "crash_notify: $all messages, $killed kills (of $k tries), $runs reruns," \
	"$dups duplicates (a message at most $most times), $fail failures"
[ "$fail" -eq 0 ]
