#!/bin/sh
# valgrind.sh [BUILD] - the test suite with every tool and unit test under
#   valgrind --error-exitcode=99 --leak-check=full
#            --errors-for-leak-kinds=definite,indirect
# A shadow build directory (var/valgrind/build) holds wrappers with the
# real programs' names, so the end-to-end scripts run the tools through
# valgrind unchanged; each valgrind run writes a log in var/valgrind/logs.
# Skipped: robust_crash.sh, robust_lock.sh and robust_portal.sh (they kill
# or time runs on a schedule; valgrind's slowness makes that meaningless). Prints the suite's results, then
# "valgrind: N runs, E with errors" and exits 1 if any run had an error (or
# a tool never ran under valgrind).
set -u
B=$(cd "${1:-build}" && pwd)
top=$(cd "$(dirname "$0")/.." && pwd)
V=$top/var/valgrind
rm -rf "$V"
mkdir -p "$V/build/tests" "$V/logs"
chmod 1777 "$V/logs" # tests also run tools as nobody
wrap() { # wrap REAL WRAPPER
	cat >"$2" <<SH
#!/bin/sh
exec valgrind -q --error-exitcode=99 --leak-check=full \\
	--errors-for-leak-kinds=definite,indirect --track-fds=no \\
	--log-file="$V/logs/\$(basename "$1").%p.log" "$1" "\$@"
SH
	chmod 755 "$2"
}
for f in "$B"/nocturne-*; do wrap "$f" "$V/build/$(basename "$f")"; done
for f in "$B"/tests/*; do
	[ -f "$f" ] && [ -x "$f" ] && wrap "$f" "$V/build/tests/$(basename "$f")"
done

export NOCTURNE_BUILD="$V/build" NOCTURNE_TOP="$top" PATH="$V/build:$PATH"
unset NOCTURNE_CONFIG NOCTURNE_NOW
passed=0 failed=0 skipped=0
. "$top/tests/run_one.sh"
for t in "$V"/build/tests/test_*; do run_one "$(basename "$t")" "$t"; done
for t in "$top"/tests/e2e/*.sh; do
	case "$(basename "$t")" in
	lib.sh | robust_crash.sh | robust_lock.sh | robust_portal.sh) continue ;;
	esac
	run_one "$(basename "$t")" sh "$t"
done
runs=$(ls "$V/logs" | wc -l)
bad=0
# A tool that never ran through its wrapper was not checked at all.
for tool in import transmit notify status bounce; do
	ls "$V/logs/nocturne-$tool".*.log >/dev/null 2>&1 && continue
	echo "valgrind: nocturne-$tool never ran under valgrind"
	bad=$((bad + 1))
done
for l in "$V"/logs/*.log; do
	[ -s "$l" ] || continue
	if grep -qE 'ERROR SUMMARY: [1-9]|definitely lost|indirectly lost|Invalid|uninitialised' "$l"; then
		bad=$((bad + 1))
		echo "valgrind: $(basename "$l"):"
		grep -E '^==[0-9]+== (Invalid|Conditional|Use of|[0-9,]+ bytes in|   (at|by) )' "$l" | head -n 12
	fi
done
echo "$passed passed, $failed failed, $skipped skipped (tests under valgrind)"
echo "valgrind: $runs runs, $bad with errors"
[ "$bad" -eq 0 ]
