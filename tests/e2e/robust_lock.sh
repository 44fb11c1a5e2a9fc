#!/bin/sh
# robust_lock.sh - overlapping runs: of two nocturne-transmit (or two
# nocturne-notify) started together exactly one works, the other exits 75 at
# once naming the holder; the lock left behind by a SIGKILLed run never
# blocks the next one.
. "$NOCTURNE_TOP/tests/e2e/lib.sh"
need_tools nocturne-import nocturne-transmit nocturne-notify

NOW='2019-11-29 23:00'
/usr/bin/python3 "$TOP/stress/gentown.py" town 20000 3
for k in families children activities openings requests; do
	nocturne-import -q --db base.db "$k" "town/$k.csv" || echo "FAIL: setup import $k"
done
cat >mail.ini <<INI
[mail]
transport = file
directory = $T/outbox
INI

# timed NAME CMD...: run CMD in the background once the file go exists (a
# start line for both runs, within 10 ms of each other however slow the
# forks are; NAME.ready says it waits there); NAME.rc, NAME.ms, NAME.err
timed() {
	_n=$1
	shift
	(
		: >"$T/$_n.ready"
		while [ ! -e "$T/go" ]; do sleep 0.01; done
		s=$(date +%s%N)
		"$@" 2>"$T/$_n.err"
		echo $? >"$T/$_n.rc"
		echo $((($(date +%s%N) - s) / 1000000)) >"$T/$_n.ms"
	) &
}

# two_at_once TOOL ARGS...: start two, wait; check one 0 and one 75 at once.
two_at_once() {
	_tool=$1
	shift
	rm -f a.rc b.rc "$T/go" "$T/a.ready" "$T/b.ready"
	timed a "$_tool" "$@"
	timed b "$_tool" "$@"
	poll 200 0.05 test -e "$T/a.ready" -a -e "$T/b.ready" || fail "the two runs never got ready"
	: >"$T/go"
	wait
	ra=$(cat a.rc) rb=$(cat b.rc)
	expect_eq "$(printf '%s\n' "$ra" "$rb" | sort -n | tr '\n' ' ')" "0 75 " "exit codes"
	if [ "$ra" = 75 ]; then loser=a; else loser=b; fi
	# The loser did not wait for the lock: a run that waited would have had
	# it after the winner and exited 0 (no wall-clock threshold: tests never
	# fail on time).
	expect_contains "$(cat "$loser.err")" "$_tool: another $_tool is running (pid " stderr
	expect_eq "$(wc -l <"$loser.err")" 1 "stderr lines"
}

t two_transmits_one_works
cp base.db t1.db
# (without -q: under -q the loser's 75 is silent, see cron_week.sh)
two_at_once nocturne-transmit --db t1.db --now "$NOW"
expect_eq "$(sqlite3 t1.db 'SELECT count(*) FROM batch')" 1 batches
ok

# kill_holding LOCKFILE CMD...: start CMD, SIGKILL it as soon as it holds
# the lock (its pid is in LOCKFILE); KILLED=1 if it was still running.
kill_holding() {
	_lf=$1
	shift
	"$@" &
	_pid=$!
	for _ in $(seq 500); do
		grep -q "^pid $_pid," "$_lf" 2>/dev/null && break
		sleep 0.01
	done
	KILLED=0
	kill -9 $_pid 2>/dev/null && KILLED=1
	wait $_pid 2>/dev/null
}

t killed_transmit_lock_does_not_block
# A kill that lands before the commit (a slow machine may let the batch
# commit first: then again, up to 8 times) leaves no batch and a lock file.
try=0
while [ "$try" -lt 8 ]; do
	try=$((try + 1))
	rm -f t2.db t2.db-wal t2.db-shm t2.db.transmit.lock
	cp base.db t2.db
	kill_holding t2.db.transmit.lock nocturne-transmit -q --db t2.db --now "$NOW"
	[ "$KILLED" = 1 ] && [ "$(sqlite3 t2.db 'SELECT count(*) FROM batch')" = 0 ] && break
done
expect_eq "$KILLED" 1 "killed while holding the lock"
expect_eq "$(sqlite3 t2.db 'SELECT count(*) FROM batch')" 0 "batches after the kill"
[ -e t2.db.transmit.lock ] || fail "no lock file left behind by the kill"
run nocturne-transmit -q --db t2.db --now "$NOW"
expect_rc 0
expect_eq "$(sqlite3 t2.db 'SELECT count(*) FROM batch')" 1 batches
ok

nocturne-transmit -q --db base.db --now "$NOW" || echo "FAIL: setup transmit"

t two_notifies_one_works
cp base.db n1.db
rm -rf outbox
two_at_once nocturne-notify -c mail.ini --db n1.db --now '2019-11-30 07:00'
expect_eq "$(sqlite3 n1.db "SELECT count(*) FROM message WHERE state <> 'sent'")" 0 \
	"messages not sent"
expect_eq "$(ls outbox | grep -c '\.eml$')" \
	"$(sqlite3 n1.db "SELECT count(*) FROM message WHERE state = 'sent'")" "files"
ok

t killed_notify_lock_does_not_block
cp base.db n2.db
rm -rf outbox
kill_holding n2.db.notify.lock nocturne-notify -q -c mail.ini --db n2.db \
	--now '2019-11-30 07:00'
expect_eq "$KILLED" 1 "killed while holding the lock"
run nocturne-notify -q -c mail.ini --db n2.db --now '2019-11-30 07:00'
expect_rc 0
expect_eq "$(sqlite3 n2.db "SELECT count(*) FROM message WHERE state <> 'sent'")" 0 \
	"messages not sent"
ok
