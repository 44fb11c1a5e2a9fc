# run_one.sh - sourced by tests/run.sh and stress/valgrind.sh: run one test
# program and count its results.
#
# run_one NAME CMD...: run CMD, count its "PASS: ", "FAIL: " and "SKIP: "
# lines into passed, failed and skipped (which the caller sets to 0 first),
# and print one "== NAME: ..." line, then the FAIL and SKIP lines. A CMD that
# exits non-zero without a FAIL line counts as one failure; one that prints
# none of the three counts as one skip, said as such.
run_one() {
	name=$1
	shift
	out=$(mktemp)
	"$@" >"$out" 2>&1
	rc=$?
	p=$(grep -c '^PASS: ' "$out")
	f=$(grep -c '^FAIL: ' "$out")
	s=$(grep -c '^SKIP: ' "$out")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "FAIL: $name exited $rc" >>"$out"
	elif [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && [ "$s" -eq 0 ]; then
		s=1
		echo "SKIP: $name printed neither PASS nor FAIL" >>"$out"
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	if [ "$f" -gt 0 ]; then
		echo "== $name: $p passed, $f failed, $s skipped"
		grep -v '^PASS: ' "$out" | head -n 60
	elif [ "$s" -gt 0 ]; then
		echo "== $name: $p passed, $s skipped"
		grep '^SKIP: ' "$out"
	else
		echo "== $name: $p passed"
		# What could not run says so, even when the rest passed.
		grep '^SKIP: ' "$out"
	fi
	rm -f "$out"
}

