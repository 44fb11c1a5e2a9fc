#!/bin/sh
# robust_crash.sh - the short versions of stress/crash_transmit.sh and
# stress/crash_notify.sh: a town of 20,000 requests, a night SIGKILLed at 5
# moments spread over its run (no trace or the whole batch, then an export
# identical to an uninterrupted run), and 400 compte-rendus to the aiosmtpd
# fixture with 5 kills (every message delivered, none more than twice, at
# most one uncommitted group of outcomes sent again per kill).
. "$NOCTURNE_TOP/tests/e2e/lib.sh"
need_tools nocturne-import nocturne-transmit nocturne-notify nocturne-status

t night_survives_sigkill
WORK=$T/night sh "$TOP/stress/crash_transmit.sh" 20000 5 >night.out 2>&1 ||
	fail "$(grep -E 'FAIL|failed|crash_transmit:' night.out | head -n 5)"
tail -n 1 night.out | grep -q ', 0 failures$' || fail "$(tail -n 3 night.out)"
ok

t mail_survives_sigkill
WORK=$T/mail sh "$TOP/stress/crash_notify.sh" 20000 5 smtp >mail.out 2>&1 ||
	fail "$(grep -E 'FAIL|failed|crash_notify:' mail.out | head -n 5)"
tail -n 1 mail.out | grep -q ', 0 failures$' || fail "$(tail -n 3 mail.out)"
ok
