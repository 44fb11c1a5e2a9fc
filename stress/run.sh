#!/bin/sh
# run.sh BUILD - the long robustness runs (make stress), one after another:
#   crash_transmit.sh 200000 20   a night SIGKILLed 20 times
#   crash_notify.sh 150000 20     ~3000 mails to the aiosmtpd fixture, 20 kills
#   portal_writes.sh 200000       the portal inserts while a night runs
#   powercut.sh 200               200 simulated power cuts over two nights
#   valgrind.sh BUILD             the test suite under valgrind
# Data goes under var/. Prints each script's summary line and exits 1 if
# any failed. STRESS_ONLY="crash_transmit portal_writes" picks some.
set -u
B=$(cd "${1:-build}" && pwd)
top=$(cd "$(dirname "$0")/.." && pwd)
export PATH="$B:$PATH" NOCTURNE_TOP="$top" NOCTURNE_BUILD="$B"
unset NOCTURNE_CONFIG NOCTURNE_NOW
only=${STRESS_ONLY:-crash_transmit crash_notify portal_writes powercut valgrind}
status=0
mkdir -p "$top/var"
for s in $only; do
	case $s in
	crash_transmit) set -- 200000 20 ;;
	crash_notify) set -- 150000 20 smtp ;;
	portal_writes) set -- 200000 ;;
	powercut) set -- 200 ;;
	valgrind) set -- "$B" ;;
	*) echo "stress: unknown script $s"; status=1; continue ;;
	esac
	log=$top/var/stress-$s.log
	start=$(date +%s)
	sh "$top/stress/$s.sh" "$@" >"$log" 2>&1
	rc=$?
	echo "stress $s: exit $rc in $(($(date +%s) - start)) s: $(tail -n 1 "$log")"
	[ "$rc" -eq 0 ] || status=1
done
exit $status
