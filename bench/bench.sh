#!/bin/sh
# bench.sh BUILD - nocturne's figures at scale, each against a floor measured
# in the same run (see docs/bench.md).
#
#   1. towns: bench/towngen writes them under var/bench/town-N (reused while
#      the generator is unchanged);
#   2. for each size N (100,000 and 1,000,000 requests): a fresh database,
#      nocturne-import of the reference data, then of the requests, then
#      nocturne-transmit, both under /usr/bin/time -v; bench/floor at the same
#      N; the table: wall s, CPU s, peak MiB, ratio to the floor, and the
#      1M/100k growth (linear = 10);
#   3. notify: 10,000 families' compte-rendus composed and delivered by
#      nocturne-notify to Postfix's smtp-sink on loopback, beside smtp-source
#      sending as many messages of the same average size to the same sink.
#
# Environment: BENCH_SIZES (default "100000 1000000"), BENCH_NOTIFY_FAMILIES
# (default 10000; 0 skips the notify figure), BENCH_MAIL_KEYS (lines added to
# [mail], e.g. the portal_url, contact, return_path and calendar of contract 6.1). Never fails on time: exits 1
# only when a step breaks (a tool exits non-zero, a row count is wrong).
set -u
B_ARG=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
SIZES=${BENCH_SIZES:-"100000 1000000"}
NOTIFY_FAMILIES=${BENCH_NOTIFY_FAMILIES:-10000}
V=$top/var/bench
mkdir -p "$V"

${MAKE:-make} --no-print-directory -s B="$B_ARG" "$B_ARG/bench/towngen" "$B_ARG/bench/floor" ||
	exit 1
B=$(cd "$B_ARG" && pwd)
GEN=$B/bench/towngen
FLOOR=$B/bench/floor
RESULTS=$V/results.txt
: >"$RESULTS"
broken=0
sink_pid=""

cleanup() {
	[ -n "$sink_pid" ] && kill "$sink_pid" 2>/dev/null
	sink_pid=""
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

say() { printf '%s\n' "$*" | tee -a "$RESULTS"; }
note() { printf '%s\n' "$*" >&2; }
problem() { note "bench: $*"; broken=1; }

# tv FILE KEY: one field of a /usr/bin/time -v report.
tv() { sed -n "s/^[[:space:]]*$2: //p" "$1" | head -n 1; }
# The wall clock of a report, in seconds.
wall_s() {
	tv "$1" 'Elapsed (wall clock) time (h:mm:ss or m:ss)' |
		awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f", s }'
}
cpu_s() {
	printf '%s %s\n' "$(tv "$1" 'User time (seconds)')" "$(tv "$1" 'System time (seconds)')" |
		awk '{ printf "%.2f", $1 + $2 }'
}
rss_mib() { tv "$1" 'Maximum resident set size (kbytes)' | awk '{ printf "%.1f", $1 / 1024 }'; }
# field LINE KEY: the value of KEY=VALUE in a line of floor's output.
field() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
# ratio A B (B may be 0 or empty).
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0) printf "%.2f", a / b; else printf "-" }'; }
add() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a + b }'; }
info() { sed -n "s/^$2=//p" "$1/town.info"; }
have() { [ -x "$B/nocturne-$1" ]; }

# town DIR ARGS...: generate a town unless an up-to-date one is there.
town() {
	dir=$1
	shift
	if [ -f "$dir/town.info" ] && [ "$dir/town.info" -nt "$GEN" ] &&
		[ "$(cat "$dir/args" 2>/dev/null)" = "$*" ]; then
		return 0
	fi
	rm -rf "$dir"
	note "generating $dir ($*)"
	"$GEN" -o "$dir" "$@" || return 1
	printf '%s\n' "$*" >"$dir/args"
}

# setup_run DIR: a fresh database and a configuration writing mail as files.
setup_run() {
	rm -rf "$1"
	mkdir -p "$1"
	cat >"$1/nocturne.ini" <<EOF
[database]
path = $1/nocturne.db
busy_timeout_ms = 5000

[mail]
transport = file
directory = $1/outbox
${BENCH_MAIL_KEYS:-}
EOF
}

# import_reference RUN TOWN: families, children, activities, openings.
import_reference() {
	for kind in families children activities openings; do
		if ! "$B/nocturne-import" -q -c "$1/nocturne.ini" "$kind" "$2/$kind.csv" \
			2>"$1/import-$kind.err"; then
			problem "nocturne-import $kind $2/$kind.csv failed: $(head -n 3 "$1/import-$kind.err")"
			return 1
		fi
	done
}

# timed NAME RUN CMD...: run CMD under /usr/bin/time -v into RUN/NAME.time.
timed() {
	name=$1 run=$2
	shift 2
	/usr/bin/time -v -o "$run/$name.time" "$@" >"$run/$name.out" 2>"$run/$name.err"
	rc=$?
	if [ "$rc" -ne 0 ]; then
		problem "$name exited $rc: $(head -n 3 "$run/$name.err")"
		return 1
	fi
	: >"$run/$name.ok"
}

sql() { sqlite3 -batch -noheader "$1" "$2"; }

# --- requests: import and transmit against the floor ----------------------

row() { # row SIZE STEP WALL CPU MIB FWALL FCPU
	printf '%-6s %-9s %8s %8s %8s %9s %9s %7s %7s\n' "$1" "$2" "$3" "$4" "$5" "$6" "$7" \
		"$(ratio "$3" "$6")" "$(ratio "$4" "$7")" | tee -a "$RESULTS"
}

label() {
	case $1 in
	*000000) echo "$(($1 / 1000000))M" ;;
	*000) echo "$(($1 / 1000))k" ;;
	*) echo "$1" ;;
	esac
}

for n in $SIZES; do
	tdir=$V/town-$n
	run=$V/run-$n
	town "$tdir" -r "$n" || { problem "towngen failed for $n"; continue; }
	setup_run "$run"
	now=$(info "$tdir" now)
	note "size $n: floor"
	floor_out=$(/usr/bin/time -v -o "$run/floor.time" "$FLOOR" "$run/floor.db" "$n") ||
		{ problem "floor failed at $n"; continue; }
	rm -f "$run/floor.db" "$run/floor.db-wal" "$run/floor.db-shm"
	printf '%s\n' "$floor_out" >"$run/floor.out"
	if have import; then
		note "size $n: import"
		if import_reference "$run" "$tdir" &&
			timed import "$run" "$B/nocturne-import" -q -c "$run/nocturne.ini" \
				requests "$tdir/requests.csv"; then
			got=$(sql "$run/nocturne.db" "SELECT count(*) FROM request")
			[ "$got" = "$n" ] || problem "import at $n stored $got requests"
		fi
	fi
	if have import && have transmit && [ -f "$run/import.time" ]; then
		note "size $n: transmit"
		if timed transmit "$run" "$B/nocturne-transmit" -q -c "$run/nocturne.ini" \
			--now "$now"; then
			sql "$run/nocturne.db" "SELECT state, coalesce(reason, ''), count(*) FROM request
				GROUP BY 1, 2 ORDER BY 1, 2" | tr '|' ' ' >"$run/states"
			pending=$(sql "$run/nocturne.db" \
				"SELECT count(*) FROM request WHERE state = 'pending'")
			[ "$pending" = 0 ] || problem "transmit at $n left $pending requests pending"
		fi
	fi
done

say ""
say "nocturne bench, $(date '+%Y-%m-%d %H:%M'), $(nproc) CPU, load $(cut -d' ' -f1-3 /proc/loadavg)"
say "floor: bench/floor, same schema and pragmas; import floor = N inserts,"
say "transmit floor = N updates by primary key + N decision inserts (one transaction each)"
say ""
printf '%-6s %-9s %8s %8s %8s %9s %9s %7s %7s\n' size step "wall s" "cpu s" "peak MiB" \
	"floor s" "floor cpu" "x wall" "x cpu" | tee -a "$RESULTS"
for n in $SIZES; do
	run=$V/run-$n
	[ -f "$run/floor.out" ] || continue
	f=$(cat "$run/floor.out")
	fi_w=$(field "$f" insert_s) fi_c=$(field "$f" insert_cpu)
	ft_w=$(add "$(field "$f" update_s)" "$(field "$f" decision_s)")
	ft_c=$(add "$(field "$f" update_cpu)" "$(field "$f" decision_cpu)")
	l=$(label "$n")
	for step in import transmit; do
		if [ -f "$run/$step.ok" ]; then
			if [ "$step" = import ]; then fw=$fi_w fc=$fi_c; else fw=$ft_w fc=$ft_c; fi
			row "$l" "$step" "$(wall_s "$run/$step.time")" "$(cpu_s "$run/$step.time")" \
				"$(rss_mib "$run/$step.time")" "$fw" "$fc"
		else
			printf '%-6s %-9s %s\n' "$l" "$step" "no figure (tool missing or failed)" |
				tee -a "$RESULTS"
		fi
	done
	say "       floor: inserts $fi_w s (cpu $fi_c), updates $(field "$f" update_s) s (cpu $(field "$f" update_cpu)), decisions $(field "$f" decision_s) s (cpu $(field "$f" decision_cpu)), peak $(rss_mib "$run/floor.time") MiB"
done

# Growth between the smallest and the largest size.
first=$(echo $SIZES | awk '{ print $1 }')
last=$(echo $SIZES | awk '{ print $NF }')
if [ "$first" != "$last" ]; then
	say ""
	say "growth $(label "$last")/$(label "$first") (requests x$((last / first)); linear = $((last / first))):"
	for step in import transmit; do
		a=$V/run-$first/$step.time z=$V/run-$last/$step.time
		[ -f "$a" ] && [ -f "$z" ] || continue
		say "  $step: wall x$(ratio "$(wall_s "$z")" "$(wall_s "$a")"), cpu x$(ratio "$(cpu_s "$z")" "$(cpu_s "$a")"), peak RSS x$(ratio "$(rss_mib "$z")" "$(rss_mib "$a")")"
	done
	fa=$(cat "$V/run-$first/floor.out" 2>/dev/null) fz=$(cat "$V/run-$last/floor.out" 2>/dev/null)
	if [ -n "$fa" ] && [ -n "$fz" ]; then
		say "  floor inserts: wall x$(ratio "$(field "$fz" insert_s)" "$(field "$fa" insert_s)"), cpu x$(ratio "$(field "$fz" insert_cpu)" "$(field "$fa" insert_cpu)")"
		say "  floor updates+decisions: wall x$(ratio "$(add "$(field "$fz" update_s)" "$(field "$fz" decision_s)")" "$(add "$(field "$fa" update_s)" "$(field "$fa" decision_s)")"), cpu x$(ratio "$(add "$(field "$fz" update_cpu)" "$(field "$fz" decision_cpu)")" "$(add "$(field "$fa" update_cpu)" "$(field "$fa" decision_cpu)")")"
	fi
fi
for n in $SIZES; do
	[ -s "$V/run-$n/states" ] || continue
	say ""
	say "outcome at $(label "$n") (state reason count):"
	sed 's/^/  /' "$V/run-$n/states" | tee -a "$RESULTS"
done

# --- notify: compte-rendus to smtp-sink, beside smtp-source ---------------

notify_bench() {
	nf=$NOTIFY_FAMILIES
	tdir=$V/town-notify-$nf
	run=$V/run-notify
	if ! command -v smtp-sink >/dev/null || ! command -v smtp-source >/dev/null; then
		say "notify: no figure (smtp-sink/smtp-source missing: apt-get install postfix)"
		return 0
	fi
	have import && have transmit && have notify || {
		say "notify: no figure (nocturne-import/transmit/notify not all built)"
		return 0
	}
	town "$tdir" -r $((nf * 10)) -f "$nf" -c $((nf * 5 / 3)) -m -s 7 ||
		{ problem "towngen failed for the notify town"; return 1; }
	setup_run "$run"
	import_reference "$run" "$tdir" || return 1
	"$B/nocturne-import" -q -c "$run/nocturne.ini" requests "$tdir/requests.csv" \
		2>"$run/import.err" || { problem "notify town: import failed: $(head -n 3 "$run/import.err")"; return 1; }
	"$B/nocturne-transmit" -q -c "$run/nocturne.ini" --now "$(info "$tdir" now)" \
		2>"$run/transmit.err" || { problem "notify town: transmit failed: $(head -n 3 "$run/transmit.err")"; return 1; }

	# A Postfix daemon on port 25 would only get in the way: stop it.
	if ss -ltn 'sport = :25' 2>/dev/null | grep -q LISTEN && command -v postfix >/dev/null; then
		note "stopping the postfix daemon on port 25"
		postfix stop >/dev/null 2>&1
	fi
	port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	user=""
	[ "$(id -u)" = 0 ] && user="-u nobody"
	# shellcheck disable=SC2086
	smtp-sink $user -c 127.0.0.1:"$port" 256 >"$run/sink.out" 2>&1 &
	sink_pid=$!
	i=0
	until ss -ltn "sport = :$port" | grep -q LISTEN; do
		i=$((i + 1))
		[ "$i" -gt 50 ] && { problem "smtp-sink did not start: $(cat "$run/sink.out")"; return 1; }
		sleep 0.1
	done
	cat >>"$run/nocturne.ini" <<EOF

[smtp]
host = 127.0.0.1
port = $port
tls = none
EOF
	sed -i 's/^transport = file$/transport = smtp/' "$run/nocturne.ini"
	note "notify: $nf families to smtp-sink on port $port"
	morning=$(info "$tdir" now | awk '{ print $1 }')
	timed notify "$run" "$B/nocturne-notify" -q -c "$run/nocturne.ini" \
		--now "$morning 23:30" || return 1
	sent=$(sql "$run/nocturne.db" "SELECT count(*) FROM message WHERE state = 'sent'")
	total=$(sql "$run/nocturne.db" "SELECT count(*) FROM message")
	size=$(sql "$run/nocturne.db" \
		"SELECT CAST(avg(length(c.content)) AS INTEGER) FROM message m
		JOIN message_content c ON c.message_ref = m.ref WHERE m.state = 'sent'")
	[ "$sent" -gt 0 ] 2>/dev/null || { problem "notify sent nothing ($total messages)"; return 1; }
	[ "$sent" = "$total" ] || problem "notify: $sent of $total messages sent"
	note "notify: smtp-source, $sent messages of $size bytes"
	/usr/bin/time -v -o "$run/source.time" smtp-source -d -s 1 -m "$sent" -l "$size" \
		127.0.0.1:"$port" >"$run/source.out" 2>&1 || problem "smtp-source failed: $(head -n 3 "$run/source.out")"
	cleanup
	wait 2>/dev/null
	# smtp-sink -c counts every message it received: notify's and smtp-source's.
	got=$(tr '\r' '\n' <"$run/sink.out" | sed -n 's/.*mesg=\([0-9]*\).*/\1/p' | tail -n 1)
	got=$((${got:-0} - sent))
	[ "$got" = "$sent" ] ||
		problem "smtp-sink received $got messages from nocturne-notify, which marked $sent sent"

	nw=$(wall_s "$run/notify.time") sw=$(wall_s "$run/source.time")
	say ""
	say "notify: $sent compte-rendus sent (of $total messages; $nf families), average $size bytes; smtp-sink received $got"
	say "  (smtp-sink on loopback; notify composes, stores and sends; smtp-source only sends)"
	printf '%-22s %8s %8s %9s %8s\n' sender "wall s" "cpu s" "msgs/s" "peak MiB" | tee -a "$RESULTS"
	printf '%-22s %8s %8s %9s %8s\n' nocturne-notify "$nw" "$(cpu_s "$run/notify.time")" \
		"$(awk -v n="$sent" -v s="$nw" 'BEGIN { if (s > 0) printf "%.0f", n / s; else print "-" }')" \
		"$(rss_mib "$run/notify.time")" | tee -a "$RESULTS"
	printf '%-22s %8s %8s %9s %8s\n' "smtp-source -d -s 1" "$sw" "$(cpu_s "$run/source.time")" \
		"$(awk -v n="$sent" -v s="$sw" 'BEGIN { if (s > 0) printf "%.0f", n / s; else print "-" }')" \
		"$(rss_mib "$run/source.time")" | tee -a "$RESULTS"
	say "  notify / smtp-source wall: x$(ratio "$nw" "$sw")"
}

[ "$NOTIFY_FAMILIES" -gt 0 ] && notify_bench

say ""
say "results: $RESULTS; runs under $V/run-*"
[ "$broken" -eq 0 ] || { note "bench: some steps broke (see above)"; exit 1; }
exit 0
