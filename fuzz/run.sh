#!/bin/sh
# run.sh BUILD_DIR SECONDS [TARGET...] - run each libFuzzer harness for SECONDS.
# The committed seed corpus fuzz/corpus/<target>/ is read, never written: new
# inputs go to BUILD_DIR/corpus/<target>/, crashes to BUILD_DIR/crashes/.
# Prints one line per target (runs, corpus size, result) and exits 1 if any
# harness found a crash, leak, timeout or sanitizer report, ran no input, or
# none is built.
set -u
B=$1
S=${2:-60}
shift 2 || shift $#
top=$(cd "$(dirname "$0")/.." && pwd)
targets=$*
[ -n "$targets" ] || targets=$(cd "$B/fuzz" && ls fuzz_* 2>/dev/null | grep -v '\.' )
[ -n "$targets" ] || { echo "fuzz: no harness built in $B/fuzz"; exit 1; }
status=0
mkdir -p "$B/crashes" "$B/logs"
for t in $targets; do
	name=${t#fuzz_}
	seeds="$top/fuzz/corpus/$name"
	work="$B/corpus/$name"
	mkdir -p "$work" "$seeds"
	log="$B/logs/$name.log"
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	"$B/fuzz/$t" -max_total_time="$S" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
		-print_final_stats=1 -artifact_prefix="$B/crashes/$name-" \
		"$work" "$seeds" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
	if [ "$rc" -eq 0 ] && [ "${runs:-0}" -eq 0 ]; then
		echo "fuzz $name: ran no input (exit 0), see $log"
		status=1
	elif [ "$rc" -eq 0 ]; then
		echo "fuzz $name: ${runs:-?} runs, $cov, $(ls "$work" | wc -l) corpus files, no finding"
	else
		echo "fuzz $name: FINDING after ${runs:-?} runs (exit $rc), see $log:"
		grep -E 'ERROR|SUMMARY|fuzz assertion|runtime error|Test unit written' "$log" | head -n 8
		status=1
	fi
done
exit $status
