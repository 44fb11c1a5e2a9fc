# powercut.sh - durability across a power cut, simulated.
#
# Two nights of a small generated town, each: import, nocturne-transmit
# delivering its batch to the real HTTPS back-office fixture, then
# nocturne-notify writing the mail into the file outbox. Every nocturne
# process runs under the LD_PRELOAD shim tests/powercut/powercut.c, which
# journals what is written to the run's directory and what is synced; at a
# chosen operation it "cuts the power": the files are reset to what was
# synced plus a random part of what was not, and the process is killed.
#
# First a reference run without a cut (also counting the operations of
# each step), then POWERCUT_CUTS cuts (default 20; stress/powercut.sh runs
# 200), spread over the import, transmit and notify steps. After each cut:
#   - the database passes PRAGMA integrity_check and nocturne-status
#     --check (schema, held against the requests, its triggers);
#   - every batch the back office received in that run is in the database,
#     with the decisions of the reference run;
#   - every message in the outbox (a family was told) is in the database;
#   - the night is run again from the step that was cut (a transmit whose
#     batch survived is only redelivered), then the rest, and everything
#     converges: the same export, decisions and batches as the reference,
#     every batch delivered, every message sent and in the outbox, and the
#     back office never received two different bodies for one batch.
# Prints one line per cut that passed ("  cut N (step S KIND, operation K):
# intact, converged"), then "powercut: N cuts (import I, transmit T, notify
# M): F failed".
. "$NOCTURNE_TOP/tests/e2e/lib.sh"
. "$TOP/tests/fixtures/bo_lib.sh"
SHIM=$NOCTURNE_BUILD/tests/powercut.so
GEN=$NOCTURNE_BUILD/bench/towngen
CUTS=${POWERCUT_CUTS:-20}
SEED=${POWERCUT_SEED:-1}
# An ASan build wants its runtime first in the library list.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"

if [ ! -f "$SHIM" ] || [ ! -x "$GEN" ]; then
	echo "SKIP: powercut $SHIM or $GEN not built"
	exit 0
fi

t powercut_setup
"$GEN" -o "$T/town" -r 800 -f 40 -c 70 -k 3 -s 3 -m 2>"$T/gen.err" || fail "towngen: $(cat "$T/gen.err")"
# Night 1 takes the first 60% of the requests, night 2 the rest.
head -n 481 "$T/town/requests.csv" >"$T/part1.csv"
{ head -n 1 "$T/town/requests.csv"; tail -n +482 "$T/town/requests.csv"; } >"$T/part2.csv"
NIGHT1=$(sed -n '481s/.*;//p' "$T/town/requests.csv")
NIGHT2=$(sed -n 's/^now=//p' "$T/town/town.info")
MORNING1=$(date -d "$NIGHT1 1 hour" '+%Y-%m-%d %H:%M:%S')
MORNING2=$(date -d "$NIGHT2 9 hours" '+%Y-%m-%d %H:%M:%S')
mkpki main
printf 'tok-powercut\n' >"$T/token"
chmod 600 "$T/token"
start_bo bo main 200
BO=$T/bo
ok

# The steps of the two nights: "KIND ARGS" (KIND: import, transmit, notify).
STEPS="import families
import children
import activities
import openings
import requests $T/part1.csv
transmit $NIGHT1
notify $MORNING1
import requests $T/part2.csv
transmit $NIGHT2
notify $MORNING2"
NSTEPS=$(printf '%s\n' "$STEPS" | wc -l)

# conf DIR: the configuration of a run in DIR.
conf() {
	cat >"$1/nocturne.ini" <<EOF
[database]
path = $1/nocturne.db
busy_timeout_ms = 5000
[mail]
transport = file
directory = $1/outbox
[backoffice]
url = https://localhost:$PORT/decisions
token_file = $T/token
ca_file = $T/main-ca.pem
timeout = 10
EOF
}

# step DIR I [shim]: run step I (1-based) of STEPS in DIR (under the shim
# when a third argument is given); its exit code.
step() {
	_line=$(printf '%s\n' "$STEPS" | sed -n "${2}p")
	_kind=${_line%% *} _arg=${_line#* }
	_pre=""
	[ -n "${3:-}" ] && _pre="env LD_PRELOAD=$SHIM"
	# shellcheck disable=SC2086
	case $_kind in
	import)
		case $_arg in
		requests\ *) $_pre nocturne-import -q -c "$1/nocturne.ini" requests "${_arg#requests }" ;;
		*) $_pre nocturne-import -q -c "$1/nocturne.ini" "$_arg" "$T/town/$_arg.csv" ;;
		esac ;;
	*) $_pre "nocturne-$_kind" -q -c "$1/nocturne.ini" --now "$_arg" ;;
	esac >>"$1/log" 2>&1
}
kind_of() { printf '%s\n' "$STEPS" | sed -n "${1}p" | cut -d' ' -f1; }
now_of() { printf '%s\n' "$STEPS" | sed -n "${1}p" | cut -d' ' -f2-; }

# received: the back-office requests so far, one "KEY BODYFILE" line each.
received() {
	_n=1
	while [ -f "$BO/req-$_n.head" ]; do
		printf '%s %s\n' "$(sed -n 's/^[Ii]dempotency-[Kk]ey: *//p' "$BO/req-$_n.head" |
			tr -d '\r')" "$BO/req-$_n.body"
		_n=$((_n + 1))
	done
}

# state DIR: what must converge, as text.
state() {
	sqlite3 "$1/nocturne.db" "SELECT 'batch', batch_id, ran_at, n_requests, delivery FROM batch
		ORDER BY batch_id;
		SELECT 'decision', batch_id, seq, state, coalesce(reason, ''), coalesce(position, '')
		FROM decision ORDER BY batch_id, seq;
		SELECT 'message', kind, family_ref, state, count(*) FROM message GROUP BY 2, 3, 4
		ORDER BY 2, 3, 4;
		SELECT 'covered', m.kind, r.seq FROM message m JOIN message_request r
		ON r.message_ref = m.ref ORDER BY 2, 3;"
	nocturne-status -c "$1/nocturne.ini" --export -
}

t powercut_reference
R=$T/ref
mkdir -p "$R"
conf "$R"
export POWERCUT_DIR="$R" POWERCUT_LOG="$T/ref.journal" POWERCUT_AT=0
rm -f "$T/ref.journal" "$T/ref.journal.n"
before=$(received | wc -l)
i=1
: >"$T/bounds"
while [ "$i" -le "$NSTEPS" ]; do
	step "$R" "$i" shim || fail "reference step $i ($(kind_of "$i")) exited $?: $(tail -n 3 "$R/log")"
	# The operations counted so far: step i ends at this number.
	printf '%s %s\n' "$i" "$(od -An -t d8 "$T/ref.journal.n" | tr -d ' ')" >>"$T/bounds"
	i=$((i + 1))
done
state "$R" >"$T/ref.state"
received | tail -n +$((before + 1)) >"$T/ref.received"
expect_eq "$(cut -d' ' -f1 "$T/ref.received" | tr '\n' ' ')" "nocturne-batch-1 nocturne-batch-2 " \
	"the back office received"
expect_eq "$(sqlite3 "$R/nocturne.db" "SELECT count(*) FROM message WHERE state = 'sent'")" \
	"$(ls "$R/outbox" | grep -c '\.eml$')" "messages sent = files in the outbox"
[ "$(grep -c '^message' "$T/ref.state")" -gt 2 ] || fail "too few messages: $(grep '^message' "$T/ref.state")"
[ "$(grep -c '^decision' "$T/ref.state")" -ge 800 ] || fail "too few decisions"
grep -q '^batch|2|.*|delivered$' "$T/ref.state" || fail "batch 2 not delivered"
while read -r key body; do
	cp "$body" "$T/ref.$key"
done <"$T/ref.received"
# The shim journalled nothing that was not synced at the end? Not a check:
# SQLite leaves unsynced WAL frames behind with synchronous = NORMAL.
ok

# The first and last operation of each kind of step, from the reference.
range_of() { # range_of STEP: "FIRST LAST"
	prev=$(awk -v s="$1" '$1 == s - 1 { print $2 }' "$T/bounds")
	last=$(awk -v s="$1" '$1 == s { print $2 }' "$T/bounds")
	echo "$((${prev:-0} + 1)) $last"
}

# check_after_cut DIR: the invariants right after a cut.
check_after_cut() {
	d=$1
	ic=$(sqlite3 "$d/nocturne.db" 'PRAGMA integrity_check' 2>&1)
	[ "$ic" = ok ] || { echo "integrity_check: $ic"; return 1; }
	# The schema, the slots' places (held) against the requests, the
	# triggers that keep them in step: what an operator's check sees (a
	# cut before the first import's commit leaves no schema to check). A
	# cut between a batch's commit and its places' (night.h) leaves the
	# places to write: --check says so (75) and nothing else, and the rerun
	# must write them (its --check below).
	if [ "$(sqlite3 "$d/nocturne.db" 'SELECT count(*) FROM sqlite_schema')" != 0 ]; then
		chk=$(nocturne-status -c "$d/nocturne.ini" --check 2>&1)
		rc=$?
		if [ "$rc" != 0 ]; then
			case "$rc $chk" in
			"75 nocturne-status: $d/nocturne.db: the slots' places of batch "*" are not written yet"*)
				[ "$(echo "$chk" | wc -l)" = 1 ] && [ "$(sqlite3 "$d/nocturne.db" \
					'SELECT count(*) FROM batch WHERE places = 0')" = 1 ] ||
					{ echo "nocturne-status --check: $(echo "$chk" | head -n 2)"; return 1; }
				echo "places" >"$d/places-pending" ;;
			*) echo "nocturne-status --check ($rc): $(echo "$chk" | head -n 2)"; return 1 ;;
			esac
		fi
	fi
	# Every batch the back office received is there, as decided.
	while read -r key body; do
		n=${key#nocturne-batch-}
		got=$(sqlite3 "$d/nocturne.db" "SELECT 'decision', batch_id, seq, state,
			coalesce(reason, ''), coalesce(position, '') FROM decision WHERE batch_id = $n
			ORDER BY seq")
		want=$(grep "^decision|$n|" "$T/ref.state")
		[ -n "$got" ] && [ "$got" = "$want" ] ||
			{ echo "batch $n was delivered but is missing or changed after the cut"; return 1; }
		cmp -s "$body" "$T/ref.$key" || { echo "batch $n: the back office got another body"; return 1; }
	done <"$d/received"
	# Every message a family received is recorded, with what it covered.
	for f in "$d"/outbox/*.eml; do
		[ -f "$f" ] && sed -n '/^Message-I[Dd]: */{s///;s/\r$//;p;q}' "$f"
	done | sort >"$d/told"
	[ -s "$d/told" ] || return 0
	sqlite3 "$d/nocturne.db" "SELECT m.message_id FROM message m WHERE EXISTS
		(SELECT 1 FROM message_request r WHERE r.message_ref = m.ref)" | sort >"$d/stored"
	missing=$(comm -23 "$d/told" "$d/stored" | head -n 1)
	[ -z "$missing" ] || { echo "message $missing was written to the outbox but is not in the database"; return 1; }
	return 0
}

# resume DIR FROM: run the night again from step FROM (the one cut) on.
resume() {
	d=$1 i=$2
	while [ "$i" -le "$NSTEPS" ]; do
		if [ "$(kind_of "$i")" = transmit ] &&
			[ "$(sqlite3 "$d/nocturne.db" "SELECT count(*) FROM batch WHERE ran_at =
				CAST(strftime('%s', '$(now_of "$i")') AS INTEGER)")" != 0 ]; then
			# That night's batch survived: only deliver what waits.
			nocturne-transmit -q -c "$d/nocturne.ini" --redeliver >>"$d/log" 2>&1 ||
				{ echo "redeliver after step $i exited $?: $(tail -n 2 "$d/log")"; return 1; }
		else
			step "$d" "$i" || { echo "rerun of step $i ($(kind_of "$i")) exited $?: $(tail -n 2 "$d/log")"; return 1; }
		fi
		i=$((i + 1))
	done
}

t "powercut_${CUTS}_cuts"
cuts=0 tries=0 n_import=0 n_transmit=0 n_notify=0 n_places=0 bad=0
kinds="import transmit notify"
while [ "$cuts" -lt "$CUTS" ] && [ "$tries" -lt $((CUTS * 3)) ]; do
	tries=$((tries + 1))
	# The kind of step, in turn; then one of its steps and an operation in it.
	want=$(echo $kinds | cut -d' ' -f$((tries % 3 + 1)))
	cands=$(i=1; while [ "$i" -le "$NSTEPS" ]; do [ "$(kind_of "$i")" = "$want" ] && echo "$i"; i=$((i + 1)); done)
	nc=$(echo "$cands" | wc -l)
	# mawk's srand() saturates past 2^31: the seed is reduced first, or
	# every try of a date-sized seed draws the same numbers.
	pick=$(awk -v s="$SEED" -v t="$tries" -v n="$nc" 'BEGIN { srand((s * 7919 + t) % 2147483647); print int(rand() * n) + 1 }')
	st=$(echo "$cands" | sed -n "${pick}p")
	set -- $(range_of "$st")
	at=$(awk -v s="$SEED" -v t="$tries" -v a="$1" -v b="$2" 'BEGIN { srand((s * 104729 + t) % 2147483647); print a + int(rand() * (b - a + 1)) }')
	d=$T/cut
	rm -rf "$d" "$T/cut.journal" "$T/cut.journal.n" "$T/cut.journal.cut"
	mkdir -p "$d"
	conf "$d"
	before=$(received | wc -l)
	export POWERCUT_DIR="$d" POWERCUT_LOG="$T/cut.journal" POWERCUT_AT="$at" \
		POWERCUT_SEED=$((SEED * 1000 + tries))
	i=1
	while [ "$i" -le "$NSTEPS" ]; do
		step "$d" "$i" shim
		[ -f "$T/cut.journal.cut" ] && break
		i=$((i + 1))
	done
	unset POWERCUT_DIR POWERCUT_LOG POWERCUT_AT POWERCUT_SEED
	received | tail -n +$((before + 1)) >"$d/received"
	if [ ! -f "$T/cut.journal.cut" ]; then
		continue # the operation was not reached: choose again
	fi
	cuts=$((cuts + 1))
	echo "$i $at" >>"$T/cut.points"
	k=$(kind_of "$i")
	eval "n_$k=\$((n_$k + 1))"
	why=$(check_after_cut "$d") || {
		fail "cut $cuts (step $i $k, operation $at): $why"
		bad=$((bad + 1))
		cp -r "$d" "$T/failed-$cuts" 2>/dev/null
		continue
	}
	before=$(received | wc -l)
	why=$(resume "$d" "$i") || { fail "cut $cuts (step $i $k, operation $at): $why"; bad=$((bad + 1)); continue; }
	received | tail -n +$((before + 1)) >>"$d/received"
	state "$d" >"$d/state"
	if ! cmp -s "$d/state" "$T/ref.state"; then
		fail "cut $cuts (step $i $k, operation $at): did not converge: $(diff "$T/ref.state" "$d/state" | head -n 6)"
		bad=$((bad + 1))
		continue
	fi
	while read -r key body; do
		cmp -s "$body" "$T/ref.$key" ||
			{ fail "cut $cuts: the back office got another body for $key"; bad=$((bad + 1)); }
	done <"$d/received"
	chk=$(nocturne-status -c "$d/nocturne.ini" --check 2>&1) || {
		fail "cut $cuts (step $i $k, operation $at): after the rerun, nocturne-status --check: $(echo "$chk" | head -n 2)"
		bad=$((bad + 1))
		continue
	}
	sent=$(sqlite3 "$d/nocturne.db" "SELECT count(*) FROM message WHERE state = 'sent'")
	files=$(ls "$d/outbox" | grep -c '\.eml$')
	if [ -f "$d/places-pending" ]; then
		n_places=$((n_places + 1))
		what="intact, its batch's places written by the rerun, converged"
	else
		what="intact, converged"
	fi
	if [ "$sent" = "$files" ]; then
		echo "  cut $cuts (step $i $k, operation $at): $what"
	else
		fail "cut $cuts: $sent messages sent, $files in the outbox"
		bad=$((bad + 1))
	fi
done
[ "$cuts" -eq "$CUTS" ] || fail "only $cuts cuts in $tries tries"
# Cuts that all land on the same few operations test only those: at least
# half of them must fall on distinct (step, operation) points.
distinct=$(sort -u "$T/cut.points" 2>/dev/null | wc -l)
[ "$cuts" -lt 6 ] || [ $((distinct * 2)) -ge "$cuts" ] ||
	fail "the $cuts cuts fell on only $distinct distinct operations: the draw is not random"
[ "$n_import" -gt 0 ] && [ "$n_transmit" -gt 0 ] && [ "$n_notify" -gt 0 ] ||
	fail "not every kind of step was cut: import $n_import, transmit $n_transmit, notify $n_notify"
echo "powercut: $cuts cuts (import $n_import, transmit $n_transmit, notify $n_notify; $distinct distinct operations; $n_places between a batch and its places): $bad failed"
ok
