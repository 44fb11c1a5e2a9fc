#!/bin/sh
# test.sh BUILD - tests of the benchmark's own programs: the town generator
# writes what contract section 3 says, deterministically, with full slots and
# waiting lists; the floor runs and reports; and, when the tools are built,
# the town imports and transmits cleanly. Prints PASS/FAIL lines like
# tests/run.sh, then "N passed, N failed"; exits 1 if anything failed.
set -u
B_ARG=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
${MAKE:-make} --no-print-directory -s B="$B_ARG" "$B_ARG/bench/towngen" "$B_ARG/bench/floor" \
	"$B_ARG/bench/barefloor" || exit 1
B=$(cd "$B_ARG" && pwd)
GEN=$B/bench/towngen
FLOOR=$B/bench/floor
mkdir -p "$top/var"
T=$(mktemp -d "$top/var/bench-test.XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
. "$top/stress/lib.sh" # wait_file
passed=0 failed=0 name="" bad=0

t() { name=$1 bad=0; }
fail() { echo "  $name: $*"; bad=1; }
ok() {
	if [ "$bad" -eq 0 ]; then
		echo "PASS: $name"
		passed=$((passed + 1))
	else
		echo "FAIL: $name"
		failed=$((failed + 1))
	fi
}
eq() { [ "$1" = "$2" ] || fail "${3:-value}: got '$1', expected '$2'"; }

# A small town: 3 schools (3 canteens, 3 morning cares, 1 Wednesday centre).
t towngen_runs
"$GEN" -o "$T/a" -r 20000 -f 1000 -c 1700 -k 3 -s 5 2>"$T/err"
eq "$?" 0 "exit code"
eq "$(cat "$T/err")" "" stderr
ok

t towngen_headers
eq "$(head -n 1 "$T/a/families.csv")" "family_id;name;emails;balance" families
eq "$(head -n 1 "$T/a/children.csv")" "child_id;family_id;first_name;last_name" children
eq "$(head -n 1 "$T/a/activities.csv")" \
	"activity_id;name;structure;capacity;waitlist;promote_days;hours;deadline_days;deadline_time" \
	activities
eq "$(head -n 1 "$T/a/openings.csv")" "activity_id;date;capacity" openings
eq "$(head -n 1 "$T/a/requests.csv")" \
	"request_id;child_id;activity_id;date;action;arrival;departure;submitted_at" requests
ok

t towngen_counts
eq "$(wc -l <"$T/a/families.csv")" 1001 families
eq "$(wc -l <"$T/a/children.csv")" 1701 children
eq "$(wc -l <"$T/a/activities.csv")" 8 activities
# 6 school activities x 40 days + 1 centre x 10 Wednesdays
eq "$(wc -l <"$T/a/openings.csv")" 251 openings
eq "$(wc -l <"$T/a/requests.csv")" 20001 requests
eq "$(sed -n 's/^requests=//p' "$T/a/town.info")" 20000 "town.info requests"
eq "$(sed -n 's/^now=//p' "$T/a/town.info")" "2024-09-01 22:00:00" "town.info now"
ok

t towngen_deterministic
"$GEN" -o "$T/b" -r 20000 -f 1000 -c 1700 -k 3 -s 5
"$GEN" -o "$T/c" -r 20000 -f 1000 -c 1700 -k 3 -s 6
for f in families children activities openings requests; do
	cmp -s "$T/a/$f.csv" "$T/b/$f.csv" || fail "$f.csv differs with the same seed"
done
cmp -s "$T/a/requests.csv" "$T/c/requests.csv" && fail "requests.csv same with another seed"
ok

t towngen_requests_shape
# 8 fields, ids R0000001.. R0020000 each once but shuffled (not in file
# order), submission order, all before now, dates inside the 10 weeks,
# actions and times well formed.
awk -F';' -v now="2024-09-01 22:00:00" '
NR == 1 { next }
NF != 8 { print "line " NR ": " NF " fields"; exit }
$1 !~ /^R[0-9][0-9][0-9][0-9][0-9][0-9][0-9]$/ { print "line " NR ": id " $1; exit }
seen[$1]++ { print "line " NR ": id " $1 " twice"; exit }
$1 == sprintf("R%07d", NR - 1) { inorder++ }
$8 < prev { print "line " NR ": not in submission order"; exit }
$8 > now { print "line " NR ": submitted after now"; exit }
$4 < "2024-09-02" || $4 > "2024-11-08" { print "line " NR ": date " $4; exit }
$5 != "reserve" && $5 != "cancel" { print "line " NR ": action " $5; exit }
$6 != "" && $6 !~ /^[0-2][0-9]:[0-5][0-9]$/ { print "line " NR ": arrival " $6; exit }
$8 !~ /^2024-0[89]-[0-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-5][0-9]$/ { print "line " NR ": at " $8; exit }
{ prev = $8; last = substr($1, 2) + 0; if (last > max) max = last }
END { if (max != NR - 1) print "highest id " max ", rows " NR - 1
      if (inorder * 100 > NR) print inorder " ids in file order: not shuffled" }' "$T/a/requests.csv" >"$T/shape"
eq "$(cat "$T/shape")" "" "requests.csv shape"
ok

t towngen_request_mix
# About 95% reservations, 5% cancellations; some late, duplicate, closed, bad times.
res=$(grep -c ';reserve;' "$T/a/requests.csv")
can=$(grep -c ';cancel;' "$T/a/requests.csv")
eq "$((res + can))" 20000 "reserve + cancel"
eq "$can" 1000 cancellations
for k in late duplicate closed bad_times cancel nothing_to_cancel; do
	v=$(sed -n "s/^$k=//p" "$T/a/town.info")
	[ "${v:-0}" -gt 0 ] || fail "no $k requests"
done
# Canteens are never reserved on Wednesdays except the 'closed' ones.
wed=$(awk -F';' '$3 ~ /^CANT/ && $5 == "reserve" && $4 ~ /^2024-09-(04|11|18|25)$/' \
	"$T/a/requests.csv" | wc -l)
[ "$wed" -gt 0 ] || fail "no canteen request on a Wednesday (closed)"
ok

t towngen_full_slots
# Most canteen and centre slots get more reservations than their capacity.
awk -F';' '
FNR == 1 { next }
FILENAME ~ /activities/ { cap[$1] = $4; wl[$1] = $5; next }
$5 == "reserve" && ($3 ~ /^CANT/ || $3 ~ /^CLSH/) { n[$3 ";" $4]++ }
END {
	for (k in n) { split(k, p, ";"); slots++; if (n[k] > cap[p[1]]) full++ }
	print (full * 100 >= slots * 70) ? "ok" : "only " full " of " slots " slots full"
	print wl["CANT-01"] " " (wl["CLSH-1"] > 0 ? "limited" : "none")
}' "$T/a/activities.csv" "$T/a/requests.csv" >"$T/full"
eq "$(sed -n 1p "$T/full")" ok "full slots"
eq "$(sed -n 2p "$T/full")" "oui limited" "waiting lists"
eq "$(sed -n 's/^CLSH-1;[^;]*;[^;]*;[0-9]*;[0-9]*;\([0-9]*\);.*/\1/p' "$T/a/activities.csv")" 2 \
	"centre promote_days"
eq "$(sed -n 's/^MATIN-01;[^;]*;[^;]*;[0-9]*;non;0;\([^;]*\);1;18:00$/\1/p' \
	"$T/a/activities.csv")" "07:30-08:30" "morning care hours"
ok

t towngen_families
# Several ';'-separated addresses, quoted; accented names; some debts.
awk -F'"' 'NR > 1 && NF != 3 { print "line " NR; exit }' "$T/a/families.csv" >"$T/fam"
eq "$(cat "$T/fam")" "" "quoted emails"
grep -q '"[^"]*@[^"]*;[^"]*@[^"]*"' "$T/a/families.csv" || fail "no family with two addresses"
grep -q ';-[0-9]*,[0-9][0-9]$' "$T/a/families.csv" || fail "no negative balance"
grep -q '[éèëïüœÉ]' "$T/a/families.csv" || fail "no accented name"
grep -q ';""' "$T/a/families.csv" || fail "no family without an address"
"$GEN" -o "$T/m" -r 2000 -f 200 -c 300 -k 3 -m
grep -q ';""' "$T/m/families.csv" && fail "-m still leaves a family without an address"
ok

t towngen_usage_errors
"$GEN" -r 10 >/dev/null 2>&1
eq "$?" 64 "no -o"
"$GEN" -o "$T/x" -r abc >/dev/null 2>"$T/err"
eq "$?" 1 "bad -r"
eq "$(cat "$T/err")" "towngen: bad request count (-r): abc" "bad -r message"
"$GEN" -o "$T/x" -r 5000000 -f 10 -c 20 >/dev/null 2>"$T/err"
eq "$?" 1 "too many requests"
eq "$(cat "$T/err")" "towngen: too many requests for so few children: raise -c" \
	"too many requests message"
ok

t floor_runs
out=$("$FLOOR" "$T/floor.db" 3000)
eq "$?" 0 "exit code"
printf '%s\n' "$out" | grep -Eq '^n=3000 insert_s=[0-9.]+ update_s=[0-9.]+ decision_s=[0-9.]+ insert_cpu=[0-9.]+ update_cpu=[0-9.]+ decision_cpu=[0-9.]+$' ||
	fail "output: $out"
eq "$(sqlite3 "$T/floor.db" "SELECT count(*), count(DISTINCT request_id) FROM request WHERE batch_id = 1")" \
	"3000|3000" "rows updated"
eq "$(sqlite3 "$T/floor.db" "PRAGMA journal_mode")" wal "journal mode"
# The floor's database is made by the tools' own db_open(): the full schema.
[ "$(sqlite3 "$T/floor.db" "PRAGMA user_version")" -ge 1 ] || fail "no schema version"
eq "$(sqlite3 "$T/floor.db" "SELECT count(*) FROM sqlite_master WHERE name IN
	('held', 'held_waiting', 'decision_seq', 'message')")" 4 "the tools' schema"
# ... and its per-connection pragmas are lib/db.c's.
for p in "journal_mode = WAL" "synchronous = NORMAL" "foreign_keys = ON" "temp_store = FILE"; do
	grep -q "PRAGMA $p;" lib/db.c || fail "lib/db.c no longer sets $p: update bench/floor.c"
	grep -q "PRAGMA $p;" bench/floor.c || fail "bench/floor.c does not set $p"
done
cache=$(sed -n 's/.*PRAGMA cache_size = -\([0-9]*\);.*/\1/p' lib/db_int.h)
eq "$(sed -n 's/.*long cache_kib = \([0-9]*\);.*/\1/p' bench/floor.c)" "$cache" \
	"floor cache size vs lib/db.c"
out=$("$FLOOR" -s "$T/floor.db" 500)
eq "$?" 0 "exit code, shuffled, over an existing database"
eq "$(sqlite3 "$T/floor.db" "SELECT count(*) FROM decision")" 500 "a fresh database each run"
"$FLOOR" "$T/floor.db" 0 2>/dev/null
eq "$?" 64 "N = 0"
ok

t goals_are_judged_on_what_they_print
. "$top/bench/goals.sh"
RESULTS=$T/results.txt
expect() { [ "$1" = "$2" ] || fail "$3: got '$1', expected '$2'"; }
expect "$(ratio 5.35 21.18)" "0.25" "a table's ratio"
expect "$(ratio 5.35 21.18 4)" "0.2526" "a goal's ratio"
expect "$(ratio 1 0)" "-" "no floor"
expect "$(goal "two nights" "$(ratio 5.35 21.18 4)" 0.25 x | awk '{ print $NF, $(NF-1) }')" \
	"MET NOT" "0.2526 against 0.25"
expect "$(goal "two nights" "$(ratio 5.53 22.09 4)" 0.25 x | awk '{ print $NF, $(NF-1) }')" \
	"MET NOT" "0.2503 against 0.25"
expect "$(goal "two nights" "$(ratio 5.13 22.53 4)" 0.25 x | awk '{ print $NF }')" "met" "0.2277"
expect "$(goal "peak" 64.0 64 " MiB" | awk '{ print $NF }')" "met" "at the limit"
expect "$(goal "peak" - 64 " MiB" | awk '{ print $2 }')" "-" "no figure"
expect "$(wc -l <"$RESULTS")" 5 "lines kept in the results"
ok

t barefloor_runs
# The floor of the goals: the town's own rows in a two-table schema.
out=$("$B/bench/barefloor" "$T/bare.db" "$T/a/requests.csv")
eq "$?" 0 "exit code"
printf '%s\n' "$out" | grep -Eq '^n=20000 insert_s=[0-9.]+ transmit_s=[0-9.]+ insert_cpu=[0-9.]+ transmit_cpu=[0-9.]+$' ||
	fail "output: $out"
eq "$(sqlite3 "$T/bare.db" "SELECT count(*), count(DISTINCT request_id), min(batch_id) FROM request")" \
	"20000|20000|1" "rows stored and updated"
eq "$(sqlite3 "$T/bare.db" "SELECT request_id FROM request WHERE seq = 1")" \
	"$(sed -n '2s/;.*//p' "$T/a/requests.csv")" "the file's first row first"
eq "$(sqlite3 "$T/bare.db" "SELECT count(*) FROM decision")" 20000 "decision rows"
eq "$(sqlite3 "$T/bare.db" "SELECT count(*) FROM sqlite_master WHERE type = 'index'")" 1 \
	"one index (the unique key)"
eq "$(sqlite3 "$T/bare.db" "PRAGMA journal_mode")" wal "journal mode"
"$B/bench/barefloor" -S FULL -D "$T/bare.db" "$T/a/requests.csv" >/dev/null
eq "$?" 0 "exit code with -S FULL -D"
"$B/bench/barefloor" "$T/bare.db" "$T/a/families.csv" 2>/dev/null
eq "$?" 1 "not a requests file"
ok

t barefloor_waits_beside_the_portal
# -w: the rows in, FILE.ready made, nothing decided until FILE exists; the
# portal (stress/portal.py, in the floor's own table) inserts meanwhile.
rm -f "$T"/go*
"$B/bench/barefloor" -D -w "$T/go" "$T/pbare.db" "$T/a/requests.csv" >"$T/pbare.out" 2>&1 &
bpid=$!
wait_file "$T/go.ready" || fail "no $T/go.ready: $(cat "$T/pbare.out")"
sleep 0.3
eq "$(sqlite3 "$T/pbare.db" "SELECT count(*), count(batch_id) FROM request")" "20000|0" \
	"inserted, and waiting before the transmit"
/usr/bin/python3 "$top/stress/portal.py" "$T/pbare.db" "$T/pstop" 1000 >"$T/portal.out" 2>&1 &
ppid=$!
# the portal inserting before the floor goes on
wait_file "$T/pstop.started" || fail "the portal never inserted: $(cat "$T/portal.out")"
: >"$T/go"
wait "$bpid"
eq "$?" 0 "barefloor -w exit code"
: >"$T/pstop"
wait "$ppid"
set -- $(cat "$T/portal.out")
[ "${2:-0}" -gt 0 ] 2>/dev/null || fail "the portal inserted nothing: $(cat "$T/portal.out")"
eq "${4:-}" 0 "the portal's failed inserts"
eq "$(sqlite3 "$T/pbare.db" "SELECT count(*) FROM request WHERE request_id LIKE 'PORTAL%' AND batch_id IS NULL")" \
	"$2" "the portal's rows, in the floor's table, undecided"
eq "$(sqlite3 "$T/pbare.db" "SELECT count(*) FROM decision")" 20000 "the floor's decisions"
rm -f "$T"/pstop "$T"/pstop.started
ok

# With the tools built, the town goes through import and transmit cleanly.
if [ -x "$B/nocturne-import" ] && [ -x "$B/nocturne-transmit" ]; then
	t town_imports_and_transmits
	for k in families children activities openings requests; do
		"$B/nocturne-import" -q --db "$T/town.db" "$k" "$T/a/$k.csv" 2>"$T/err"
		eq "$?" 0 "import $k ($(head -n 2 "$T/err"))"
	done
	eq "$(sqlite3 "$T/town.db" "SELECT count(*) FROM request")" 20000 "requests stored"
	"$B/nocturne-transmit" -q --db "$T/town.db" --now "2024-09-01 22:00" 2>"$T/err"
	eq "$?" 0 "transmit ($(head -n 2 "$T/err"))"
	eq "$(sqlite3 "$T/town.db" "SELECT count(*) FROM request WHERE state = 'pending'")" 0 pending
	for s in accepted waitlisted cancelled; do
		v=$(sqlite3 "$T/town.db" "SELECT count(*) FROM request WHERE state = '$s'")
		[ "$v" -gt 0 ] || fail "no $s request"
	done
	for r in closed deadline times duplicate full nothing_to_cancel; do
		v=$(sqlite3 "$T/town.db" "SELECT count(*) FROM request WHERE reason = '$r'")
		[ "$v" -gt 0 ] || fail "no request refused '$r'"
	done
	ok

	# peer_nights TOWN N OUT FLAG: the town's first N requests (night 1, at
	# the last one's submission), then the rest (night 2, at the town's
	# clock), through nocturne (in OUT/, transmit and status run with FLAG,
	# their stderr in OUT/tx<i>.err and OUT/st<i>.err) and through the peer
	# (OUT/peer/): the exports after each night the same.
	peer_nights() {
		mkdir -p "$3"
		head -n $(($2 + 1)) "$1/requests.csv" >"$3/r1.csv"
		{ head -n 1 "$1/requests.csv"; tail -n +$(($2 + 2)) "$1/requests.csv"; } >"$3/r2.csv"
		now1=$(sed -n "$(($2 + 1))s/.*;//p" "$1/requests.csv")
		: >"$3/err"
		for k in families children activities openings; do
			"$B/nocturne-import" -q --db "$3/n.db" "$k" "$1/$k.csv" 2>>"$3/err"
		done
		for i in 1 2; do
			[ "$i" = 1 ] && now=$now1 || now="2024-09-01 22:00:00"
			"$B/nocturne-import" -q --db "$3/n.db" requests "$3/r$i.csv" 2>>"$3/err"
			"$B/nocturne-transmit" "$4" --db "$3/n.db" --now "$now" 2>"$3/tx$i.err" ||
				fail "night $i: $(tail -n 2 "$3/tx$i.err")"
			"$B/nocturne-status" "$4" --db "$3/n.db" --export "$3/n$i.csv" 2>"$3/st$i.err" ||
				fail "export $i: $(tail -n 2 "$3/st$i.err")"
		done
		eq "$(cat "$3/err")" "" "the imports' stderr"
		/usr/bin/python3 bench/peer.py "$1" "$3/r1.csv" "$now1" "$3/r2.csv" \
			"2024-09-01 22:00:00" "$3/peer" 2>"$3/err"
		eq "$?" 0 "peer exit code ($(tail -n 2 "$3/err"))"
		for i in 1 2; do
			cmp -s "$3/n$i.csv" "$3/peer/export$i.csv" ||
				fail "night $i: exports differ: $(diff "$3/n$i.csv" "$3/peer/export$i.csv" | head -n 4)"
		done
	}

	t peer_agrees
	# The naive peer (bench/peer.py) and nocturne, two nights of the same
	# town (60% of the requests, then the rest), give the same exports.
	peer_nights "$T/a" 12000 "$T/p" -q
	eq "$(cat "$T/p/tx1.err" "$T/p/st1.err" "$T/p/tx2.err" "$T/p/st2.err")" "" "nocturne's stderr"
	# The nights did something worth comparing: night 2 waitlists, and
	# cancels places that night 1 gave.
	v=$(awk -F';' '$6 == "waitlisted" && $9 == 2' "$T/p/peer/export2.csv" | wc -l)
	[ "$v" -gt 0 ] || fail "night 2 waitlisted nothing"
	v=$(awk -F';' 'FNR == NR { if ($6 == "accepted") a[$1] = 1; next }
		$6 == "cancelled" && $9 == 2 && ($1 in a)' "$T/p/peer/export1.csv" \
		"$T/p/peer/export2.csv" | wc -l)
	[ "$v" -gt 0 ] || fail "night 2 cancelled nothing night 1 accepted"
	eq "$(grep -c ';pending;' "$T/p/peer/export1.csv")" 0 "night 1 left requests pending"
	ok

	t peer_agrees_with_two_readers
	# A town large enough for the night to read its pending requests, and
	# nocturne-status its export, with two threads each (past 65,536 and
	# 16,384 requests: lib/db_night_pending.c, lib/export_parts.c), and for
	# the sorts to spill runs that a thread merges: the same exports as the
	# peer's all the same.
	"$GEN" -o "$T/b" -r 150000 -f 4000 -c 7000 -k 3 -s 5 2>"$T/err" || fail "towngen: $(cat "$T/err")"
	peer_nights "$T/b" 100000 "$T/q" -vv
	grep -q "pending requests read by 2 threads" "$T/q/tx1.err" ||
		fail "night 1: one reader: $(grep 'pending requests' "$T/q/tx1.err")"
	grep -q "export: read by 2 threads" "$T/q/st2.err" ||
		fail "export 2: one reader: $(grep 'export' "$T/q/st2.err")"
	eq "$(wc -l <"$T/q/n2.csv" | tr -d ' ')" 150001 "rows of the second export"
	ok
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
