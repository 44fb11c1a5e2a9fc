# goals.sh - the bench's ratios and goal lines (sourced by bench/bench.sh,
# tested by bench/test.sh). goal writes to $RESULTS too.

# ratio A B [DIGITS]: A / B with 2 decimals, or DIGITS ("-" when B is 0 or
# empty). The goals take 4: a goal is judged on the figure it prints, and
# 0.2526 printed as 0.25, or 0.2503 as 0.250, would read as met.
ratio() { awk -v a="$1" -v b="$2" -v d="${3:-2}" 'BEGIN { if (b + 0 > 0) printf "%.*f", d, a / b; else printf "-" }'; }

# goal NAME VALUE LIMIT UNIT: one line, "met" when VALUE <= LIMIT ("-": no figure).
goal() {
	awk -v name="$1" -v v="$2" -v lim="$3" -v unit="$4" 'BEGIN {
		if (v == "" || v == "-") { printf "  %-44s %10s  (goal <= %s%s)\n", name, "-", lim, unit; exit }
		printf "  %-44s %9s%s  (goal <= %s%s) %s\n", name, v, unit, lim, unit,
			(v + 0 <= lim + 0) ? "met" : "NOT MET"
	}' | tee -a "$RESULTS"
}
