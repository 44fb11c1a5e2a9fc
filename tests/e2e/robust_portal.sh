#!/bin/sh
# robust_portal.sh - the short version of stress/portal_writes.sh: while
# nocturne-transmit resolves 20,000 requests, the portal inserts requests
# with a 5 s busy timeout; none fails, and each (submitted after the
# batch's cut-off) stays pending.
. "$NOCTURNE_TOP/tests/e2e/lib.sh"
need_tools nocturne-import nocturne-transmit

t portal_keeps_writing_during_a_night
WORK=$T/portal sh "$TOP/stress/portal_writes.sh" 20000 >portal.out 2>&1 ||
	fail "$(cat portal.out)"
expect_contains "$(cat portal.out)" ", 0 failed," summary
ok
