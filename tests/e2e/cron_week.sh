# cron_week.sh - the shipped crontab through a simulated week, run as cron
# runs it, with real servers: cron mails whatever a job prints, so output IS
# the alarm. No healthy day may print anything; a person must be told, in one
# line, exactly when something needs a look.
#
# cron/nocturne.cron is read by tests/fixtures/crontab.py (its environment
# lines and, minute by minute, which lines fire). Each firing runs the line's
# command exactly as cron does: `$SHELL -c COMMAND` in an environment holding
# only the crontab's SHELL and PATH (and HOME, LOGNAME), with the line's own
# `|| [ $? -eq 75 ]`. Two stand-ins, and only these: the PATH gets the built
# tools first (what `make install` into /usr/local/bin provides), and the
# configuration path /etc/nocturne/nocturne.ini in the command is this test's
# file. The clock is $NOCTURNE_NOW = the firing's minute. Jobs run as the
# user running the test (the crontab's user field is checked, not switched).
#
# The week (2026-12-07, a Monday, to Sunday): healthy relay and back office;
# a relay deferring one family (451 once); a relay refusing one family (550)
# and another whose every attempt is deferred until max_attempts; the back
# office down for a day and a half; no back office; two notify runs colliding
# and a notify lock held by a stuck run.
. "$NOCTURNE_TOP/tests/e2e/lib.sh"
. "$TOP/tests/fixtures/smtp_common.sh"
. "$TOP/tests/fixtures/bo_lib.sh"

CRONTAB=$TOP/cron/nocturne.cron
tab=$(printf '\t')
ct() { /usr/bin/python3 "$TOP/tests/fixtures/crontab.py" "$CRONTAB" "$@"; }
q() { sqlite3 "$T/var/nocturne.db" "$1"; }

# ---------------------------------------------------------------- the crontab
t crontab_lines_as_cron_reads_them
C_SHELL="" C_PATH="" C_MAILTO=""
ct env >"$T/cron.env" || fail "crontab.py env failed"
while IFS='=' read -r k v; do
	case "$k" in
	SHELL) C_SHELL=$v ;;
	PATH) C_PATH=$v ;;
	MAILTO) C_MAILTO=$v ;;
	esac
done <"$T/cron.env"
expect_eq "$C_SHELL" /bin/sh SHELL
expect_contains ":$C_PATH:" ":/usr/local/bin:" PATH
expect_contains "$C_MAILTO" "@" MAILTO
ct runs '2026-12-07 00:00' '2026-12-14 00:00' >"$T/runs" || fail "crontab.py runs failed"
expect_eq "$(wc -l <"$T/runs" | tr -d ' ')" 315 "firings in a week (7 x (1 + 30 + 14))"
# Every line: the nocturne user, quiet, 75 kept quiet, the packaged config.
cut -f2,3 "$T/runs" | sort -u >"$T/lines"
while IFS="$tab" read -r user cmd; do
	expect_eq "$user" nocturne "user of '$cmd'"
	expect_contains "$cmd" " -q " "'$cmd'"
	expect_contains "$cmd" "--config /etc/nocturne/nocturne.ini || [ \$? -eq 75 ]" "'$cmd'"
done <"$T/lines"
expect_eq "$(wc -l <"$T/lines" | tr -d ' ')" 3 "distinct lines"
# No two lines start the same tool at the same minute (the 06:00 notify
# collision of the old crontab mailed "another nocturne-notify is running"
# every morning).
expect_empty "$(ct collisions '2026-12-07 00:00' '2026-12-14 00:00')" "same-minute runs of one tool"
ok

t docs_show_the_shipped_crontab
# The man pages and the README quote cron/nocturne.cron: every cron line they
# show is one of its lines (spacing aside), and they show all of them.
norm() { sed 's/\\-/-/g; s/[[:space:]][[:space:]]*/ /g; s/ *$//'; }
grep -E '^[0-9*]' "$CRONTAB" | norm | sort >"$T/cron.lines"
for doc in "$TOP"/man/nocturne-transmit.1 "$TOP"/man/nocturne-notify.1 "$TOP/README.md"; do
	norm <"$doc" | grep -E '^[0-9*][0-9*/ ,-]* [0-9*/,-]+ [0-9*/,-]+ [0-9*/,-]+ [0-9*/,-]+ ' |
		sort -u >"$T/doc.lines"
	expect_eq "$(cat "$T/doc.lines")" "$(cat "$T/cron.lines")" "cron lines in $(basename "$doc")"
done
ok

# ------------------------------------------------------------- the world
mkdir -p "$T/bin" "$T/var" "$T/csv"
for b in "$NOCTURNE_BUILD"/nocturne-*; do ln -s "$b" "$T/bin/"; done
mkpki main
SMTP_PORT=$(free_port)
BO_PORT=$(free_port)
CONF=$T/nocturne.ini
write_conf() { # write_conf BACKOFFICE_URL
	cat >"$CONF" <<X
[database]
path = $T/var/nocturne.db
[mail]
transport = smtp
from = Portail Famille <no-reply@mairie.example>
[smtp]
host = 127.0.0.1
port = $SMTP_PORT
tls = none
timeout = 20
[backoffice]
url = $1
ca_file = $T/main-ca.pem
timeout = 5
X
}
write_conf "https://localhost:$BO_PORT/decisions"

smtp_pid="" bo_pid=""
at_exit 'kill $smtp_pid $bo_pid $holder_pid $hand_pid 2>/dev/null'
smtp_up() { # smtp_up DIR [smtpd.py options]: (re)start the relay on SMTP_PORT
	[ -z "$smtp_pid" ] || { kill "$smtp_pid"; wait "$smtp_pid" 2>/dev/null; }
	: >"$T/smtp.out"
	mkdir -p "$T/$1"
	_dir=$T/$1
	shift
	/usr/bin/python3 "$SMTPD" --port "$SMTP_PORT" --dir "$_dir" "$@" \
		>"$T/smtp.out" 2>>"$T/smtp.err" </dev/null &
	smtp_pid=$!
	poll 100 0.1 grep -q '^READY' "$T/smtp.out" 2>/dev/null
	grep -q '^READY' "$T/smtp.out" || { echo "FAIL: relay did not start"; exit 1; }
}
bo_up() { # bo_up STATUS: (re)start the back office on BO_PORT answering STATUS
	[ -z "$bo_pid" ] || { kill "$bo_pid"; wait "$bo_pid" 2>/dev/null; }
	rm -f "$T/bo/port"
	mkdir -p "$T/bo"
	/usr/bin/python3 "$TOP/tests/fixtures/httpsd.py" --cert "$T/main-srv.pem" \
		--key "$T/main-srv.key" --dir "$T/bo" --port-file "$T/bo/port" \
		--port "$BO_PORT" --status "$1" >>"$T/bo.out" 2>>"$T/bo.err" </dev/null &
	bo_pid=$!
	poll 100 0.05 test -s "$T/bo/port"
	[ -s "$T/bo/port" ] || { echo "FAIL: back office did not start"; exit 1; }
}

csv families "$T/csv/families.csv" <<'X'
F1;Dupont;ok1@example.org
F2;Martin;ok2@example.org
F3;Durand;once.f3@example.org
F4;Petit;perm.f4@example.org
F5;Moreau;temp.f5@example.org
X
csv children "$T/csv/children.csv" <<'X'
C1;F1;Léa;Dupont
C2;F2;Tom;Martin
C3;F3;Inès;Durand
C4;F4;Noé;Petit
C5;F5;Lina;Moreau
X
cat >"$T/csv/activities.csv" <<'X'
activity_id;name;capacity;waitlist
CANT;Restaurant scolaire;30;oui
X
{
	echo "activity_id;date"
	for d in 07 08 09 10 11 12 13 14 15 16; do echo "CANT;2026-12-$d"; done
} >"$T/csv/openings.csv"

# portal DAY CHILD...: the portal's evening export, imported at 18:00 (not a
# cron line, but it must be as silent): one reservation per child, for
# two days later, submitted at 17:00.
portal() {
	day=$1
	shift
	d2=$(date -d "$day + 2 days" +%Y-%m-%d)
	{
		echo "request_id;child_id;activity_id;date;action;submitted_at"
		for c in "$@"; do echo "R-$day-$c;$c;CANT;$d2;reserve;$day 17:00"; done
	} >"$T/csv/req-$day.csv"
	job_env "$day 18:00" nocturne-import requests "$T/csv/req-$day.csv" --config "$CONF"
}

# job_env WHEN CMD...: run CMD in cron's environment at WHEN; output to job.out.
job_env() {
	_when=$1
	shift
	env -i SHELL="$C_SHELL" PATH="$T/bin:$C_PATH" HOME="$T" LOGNAME="$(id -un)" \
		TZ=Europe/Paris NOCTURNE_NOW="$_when" "$@" </dev/null >"$T/job.out" 2>&1
}

# cron_job WHEN COMMAND: one firing, as cron runs it. What it printed (what
# cron would mail) is kept in $T/mails under a "WHEN NAME exit N" heading.
cron_job() {
	_cmd=$(printf '%s' "$2" | sed "s|/etc/nocturne/nocturne.ini|$CONF|g")
	job_env "$1" "$C_SHELL" -c "$_cmd"
	_rc=$?
	case "$2" in
	*--redeliver*) _name=redeliver ;;
	*) _name=${2%% *} && _name=${_name#nocturne-} ;;
	esac
	if [ -s "$T/job.out" ]; then
		printf '%s %s exit %s\n' "$1" "$_name" "$_rc" >>"$T/mails"
		sed 's/^/| /' "$T/job.out" >>"$T/mails"
	elif [ "$_rc" -ne 0 ]; then
		echo "$1 $_name: silent, but the line exited $_rc" >>"$T/bad-exits"
	fi
}

holder_pid="" hand_pid=""
# event NAME: what happens in the world at its minute, before the jobs.
event() {
	case "$1" in
	setup)
		smtp_up relay
		bo_up 200
		for k in families children activities openings; do
			job_env "2026-12-07 08:00" nocturne-import "$k" "$T/csv/$k.csv" --config "$CONF"
			[ $? -eq 0 ] && [ ! -s "$T/job.out" ] || fail "import $k: $(cat "$T/job.out")"
		done
		;;
	portal-*)
		# portal-DAY-C1,C2
		_d=${1#portal-}
		_day=$(printf '%s' "$_d" | cut -c1-10)
		_kids=$(printf '%s' "$_d" | cut -c12- | tr ',' ' ')
		# shellcheck disable=SC2086
		portal "$_day" $_kids
		[ $? -eq 0 ] && [ ! -s "$T/job.out" ] || fail "portal $_day: $(cat "$T/job.out")"
		;;
	bo-down) bo_up 503 ;;
	bo-up) bo_up 200 ;;
	no-backoffice) write_conf "" ;;
	slow-relay) smtp_up relay-slow --slow-greeting 2 ;;
	fast-relay) smtp_up relay-fast ;;
	hand-run)
		# An operator's hand run of notify, slowed by the relay: it still
		# holds the lock when the 06:00 line fires. (Waiting on the lock
		# file's line, not probing the lock: a probe could win the race.)
		rm -f "$T/var/nocturne.db.notify.lock"
		env -i PATH="$T/bin:$C_PATH" HOME="$T" TZ=Europe/Paris NOCTURNE_NOW="$2" \
			nocturne-notify --config "$CONF" </dev/null >"$T/hand.out" 2>&1 &
		hand_pid=$!
		poll 100 0.05 grep -q '^pid' "$T/var/nocturne.db.notify.lock" 2>/dev/null ||
			fail "the hand run never took its lock"
		;;
	hand-run-done)
		wait "$hand_pid"
		echo "$?" >"$T/hand.rc"
		;;
	stuck-notify)
		# A notify stuck since two days ago still holds its lock (the
		# holder marks when it has it; the lock is never probed).
		_lk=$T/var/nocturne.db.notify.lock
		printf 'pid 4242, started %s\n' "$(date -d '2 days ago' '+%Y-%m-%d %H:%M:%S')" >"$_lk"
		touch -d '2 days ago' "$_lk"
		rm -f "$T/held"
		sh -c 'exec 9<"$1"; flock -n 9 || exit 1; : >"$2"; exec sleep 120' sh "$_lk" \
			"$T/held" </dev/null >/dev/null 2>&1 &
		holder_pid=$!
		poll 100 0.05 test -f "$T/held"
		[ -f "$T/held" ] || fail "the stuck holder could not take the lock"
		;;
	unstuck)
		kill "$holder_pid"
		wait "$holder_pid" 2>/dev/null
		holder_pid=""
		;;
	esac
}

# The week's events, merged with the firings; an event comes before the jobs
# of its minute.
cat >"$T/events" <<'X'
2026-12-07 05:00	EVENT	setup
2026-12-07 18:00	EVENT	portal-2026-12-07-C1,C2
2026-12-08 18:00	EVENT	portal-2026-12-08-C1,C3
2026-12-09 18:00	EVENT	portal-2026-12-09-C2,C4,C5
2026-12-10 18:00	EVENT	portal-2026-12-10-C1
2026-12-10 22:00	EVENT	bo-down
2026-12-11 18:00	EVENT	portal-2026-12-11-C2
2026-12-12 07:00	EVENT	bo-up
2026-12-12 12:00	EVENT	no-backoffice
2026-12-12 18:00	EVENT	portal-2026-12-12-C1
2026-12-13 05:59	EVENT	slow-relay
2026-12-13 05:59	EVENT	hand-run
2026-12-13 06:01	EVENT	hand-run-done
2026-12-13 06:02	EVENT	fast-relay
2026-12-13 12:00	EVENT	stuck-notify
2026-12-13 12:15	EVENT	unstuck
X
{
	sed 's/^\([^\t]*\)\t/\1\t0\t/' "$T/events"
	sed 's/^\([^\t]*\)\t/\1\t1\t/' "$T/runs"
} | sort -s -t "$tab" -k1,1 -k2,2n >"$T/timeline"

: >"$T/mails"
: >"$T/bad-exits"
while IFS="$tab" read -r when _order user cmd; do
	if [ "$user" = EVENT ]; then
		event "$cmd" "$when"
	else
		cron_job "$when" "$cmd"
	fi
done <"$T/timeline"

# ------------------------------------------------------------ what cron mailed
t healthy_days_mail_nothing_and_each_problem_mails_once
# Exactly four mails in the week, each one line, each when a person must act.
# The stuck lock is the contract's 75 (a held lock), so cron's line ends in
# success; its one line is what makes the mail.
expect_eq "$(grep -v '^| ' "$T/mails")" "2026-12-10 06:00 notify exit 1
2026-12-10 10:00 notify exit 1
2026-12-11 23:30 transmit exit 1
2026-12-13 12:00 notify exit 0" "mails of the week (full text below)"
[ "$_t_bad" -eq 0 ] || sed 's/^/    /' "$T/mails"
expect_eq "$(grep -c '^| ' "$T/mails")" 4 "lines mailed (one per mail)"
expect_empty "$(cat "$T/bad-exits")" "silent runs that did not exit 0"
ok

t relay_refusing_one_family_one_mail_naming_it
m=$(sed -n '/^2026-12-10 06:00 notify/{n;p}' "$T/mails")
expect_contains "$m" "| nocturne-notify: 1 message(s) given up, marked failed (nocturne-status --mail lists them): first <perm.f4@example.org>: 550"
expect_contains "$m" "; 1 message(s) deferred, next attempt at 2026-12-10 06:05:00"
expect_eq "$(q "SELECT state || ':' || attempts FROM message WHERE recipient = 'perm.f4@example.org'")" "failed:1" F4
ok

t relay_deferring_until_max_attempts_one_mail
m=$(sed -n '/^2026-12-10 10:00 notify/{n;p}' "$T/mails")
expect_contains "$m" "| nocturne-notify: 1 message(s) given up, marked failed (nocturne-status --mail lists them): first <temp.f5@example.org> (out of attempts): 451"
expect_not_contains "$m" "deferred"
expect_eq "$(q "SELECT state || ':' || attempts FROM message WHERE recipient = 'temp.f5@example.org'")" "failed:6" F5
ok

t relay_deferring_once_stays_silent
# F3's relay said 451 at 06:00 (75, silent under -q); sent at 06:30.
expect_eq "$(q "SELECT state || ':' || attempts FROM message WHERE recipient = 'once.f3@example.org'")" "sent:2" F3
expect_eq "$(q "SELECT count(*) FROM message WHERE state = 'sent'")" 8 "messages sent"
expect_eq "$(q "SELECT count(*) FROM message WHERE state = 'pending'")" 0 "messages left pending"
expect_eq "$(ls "$T"/relay*/ | grep -c '\.eml$')" 8 "messages the relay stored"
ok

t back_office_down_one_mail_a_night_then_delivered
m=$(sed -n '/^2026-12-11 23:30 transmit/{n;p}' "$T/mails")
expect_eq "$m" "| nocturne-transmit: the back office has not received batch 4 (made 2026-12-10 23:30:00) for 24 hours: batch 4: https://localhost:$BO_PORT/decisions: HTTP 503 Service Unavailable; 2 batches wait for the next run"
# 14 silent --redeliver runs on Friday each tried batch 4 again.
expect_eq "$(q "SELECT batch_id || ':' || delivery || ':' || delivery_attempts FROM batch ORDER BY batch_id" | tr '\n' ' ')" \
	"1:delivered:1 2:delivered:1 3:delivered:1 4:delivered:17 5:delivered:1 6:none:0 7:none:0 " batches
ok

t no_back_office_redeliver_is_silent_success
# From Saturday 12:00 the town has no back office: --redeliver at 12:15 ...
# 20:15 and the night's transmit printed nothing and exited 0 (above), and
# batch 6 is not waiting for anybody.
expect_eq "$(q "SELECT count(*) FROM batch WHERE delivery = 'pending'")" 0 "batches waiting"
ok

t two_notify_runs_colliding_stay_silent
# The hand run (05:59) sent Saturday's compte-rendu, silently; the 06:00
# line met its lock, exited 75 and printed nothing (no mail above).
expect_empty "$(cat "$T/hand.out")" "the hand run's output"
expect_eq "$(cat "$T/hand.rc")" 0 "the hand run's exit"
expect_eq "$(q "SELECT datetime(sent_at, 'unixepoch') FROM message ORDER BY ref DESC LIMIT 1")" \
	"2026-12-13 05:59:00" "Saturday's message sent by"
expect_eq "$(q "SELECT count(*) FROM message")" 10 "messages composed in the week"
ok

t stuck_lock_mails_once_naming_the_holder
m=$(sed -n '/^2026-12-13 12:00 notify/{n;p}' "$T/mails")
expect_contains "$m" "| nocturne-notify: nocturne-notify has held its lock for 48 hours (pid 4242, started "
expect_contains "$m" "that run is stuck"
ok
