# backoffice_transmit.sh - nocturne-transmit and the back office, end to end:
# the sample town imported, nights resolved and delivered to a real HTTPS
# server on loopback; failures, order, --redeliver, --dry-run.
. "$NOCTURNE_TOP/tests/e2e/lib.sh"
. "$TOP/tests/fixtures/bo_lib.sh"
S=$TOP/samples
DB=$T/nocturne.db
NIGHT1='2019-12-01 22:00'
NIGHT2='2019-12-02 22:00'
NIGHT3='2019-12-03 22:00'

mkpki main
umask 077
printf 'tok-42-secret\n' >"$T/token"

q() { sqlite3 "$DB" "$1"; }
deliveries() { q "SELECT group_concat(batch_id || ':' || delivery || ':' || delivery_attempts, ' ')
	FROM (SELECT * FROM batch ORDER BY batch_id)"; }
header() { grep -i "^$2: " "$1" | head -n 1 | cut -d' ' -f2-; }
town() {
	rm -f "$DB" "$DB-wal" "$DB-shm"
	import_samples --db "$DB"
}

t libcurl_loaded_for_a_delivery_only
# libcurl (and its 28 libraries) is loaded when a transfer needs it: not by
# a night without a back office, nor by status or import; by one with it.
town
start_bo lc main 200
bo_conf "$T/lc.ini" "https://localhost:$PORT/portail/decisions" "$T/token"
loaded() { grep -c 'file=libcurl\.so\.4 .*generating link map' "$1"; }
cp "$DB" "$T/plain.db"
LD_DEBUG=files nocturne-transmit --db "$T/plain.db" --now "$NIGHT1" 2>"$T/ld-plain.err" ||
	fail "night without a back office"
expect_eq "$(loaded "$T/ld-plain.err")" 0 "libcurl loads in a night without a back office"
LD_DEBUG=files nocturne-status --db "$T/plain.db" 2>"$T/ld-status.err" >/dev/null || fail "status"
expect_eq "$(loaded "$T/ld-status.err")" 0 "libcurl loads in nocturne-status"
LD_DEBUG=files nocturne-transmit -c "$T/lc.ini" --now "$NIGHT1" 2>"$T/ld-bo.err" ||
	fail "night with a back office"
expect_eq "$(loaded "$T/ld-bo.err")" 1 "libcurl loaded once for the delivery"
expect_eq "$(count_reqs lc)" 1 "the batch delivered"
ok

t night_delivered_body_equals_status_export
town
start_bo ok main 200
bo_conf "$T/ok.ini" "https://localhost:$PORT/portail/decisions" "$T/token"
run nocturne-transmit -c "$T/ok.ini" --now "$NIGHT1"
expect_rc 0
expect_empty "$OUT" stdout
expect_empty "$ERR" stderr
expect_eq "$(count_reqs ok)" 1 requests
nocturne-status -c "$T/ok.ini" --export --batch 1 >"$T/status-1.csv"
[ "$(wc -l <"$T/status-1.csv")" -gt 500 ] || fail "status export too short"
cmp -s "$T/status-1.csv" "$T/ok/req-1.body" ||
	fail "body differs from nocturne-status --export --batch 1: $(diff "$T/status-1.csv" "$T/ok/req-1.body" | head -n 5)"
expect_eq "$(header "$T/ok/req-1.head" Idempotency-Key)" nocturne-batch-1 Idempotency-Key
expect_eq "$(header "$T/ok/req-1.head" Authorization)" "Bearer tok-42-secret" Authorization
expect_eq "$(header "$T/ok/req-1.head" Content-Type)" "text/csv; charset=utf-8" Content-Type
expect_eq "$(deliveries)" "1:delivered:1" "batch rows"
expect_eq "$(q "SELECT delivered_at = ran_at FROM batch WHERE batch_id = 1")" 1 delivered_at
ok

t back_office_down_decisions_kept_exit_75
nocturne-import --db "$DB" openings "$S/openings-night2.csv" >/dev/null 2>&1
nocturne-import --db "$DB" requests "$S/requests-night2.csv" >/dev/null 2>&1
start_bo down main 503
bo_conf "$T/down.ini" "https://localhost:$PORT/portail/decisions" "$T/token"
run nocturne-transmit -c "$T/down.ini" --now "$NIGHT2"
expect_rc 75
expect_eq "$ERR" "nocturne-transmit: batch 2: https://localhost:$PORT/portail/decisions: HTTP 503 Service Unavailable; 1 batch waits for the next run"
expect_eq "$(q "SELECT count(*) FROM request WHERE state = 'pending'")" 0 "pending requests"
expect_eq "$(deliveries)" "1:delivered:1 2:pending:1" "batch rows"
nocturne-status -c "$T/down.ini" --export --batch 2 >"$T/status-2.csv"
cmp -s "$T/status-2.csv" "$T/down/req-1.body" || fail "body of batch 2 differs from the export"
# The next night: batch 2 is tried first and fails again; batch 3 is made,
# not sent (it would arrive before batch 2).
# Batch 2 has now waited a whole day: that needs a person, so this night's
# run says so even under -q, and exits 69 (the day's --redeliver runs stay
# quiet: one mail a night, not one an hour).
run nocturne-transmit -q -c "$T/down.ini" --now "$NIGHT3"
expect_rc 69
expect_eq "$ERR" "nocturne-transmit: the back office has not received batch 2 (made 2019-12-02 22:00:00) for 24 hours: batch 2: https://localhost:$PORT/portail/decisions: HTTP 503 Service Unavailable; 2 batches wait for the next run"
expect_eq "$(count_reqs down)" 2 requests
expect_eq "$(header "$T/down/req-2.head" Idempotency-Key)" nocturne-batch-2 "second attempt"
expect_eq "$(deliveries)" "1:delivered:1 2:pending:2 3:pending:0" "batch rows"
ok

t dry_run_sends_nothing
run nocturne-transmit -c "$T/down.ini" --now '2019-12-04 22:00' -n
expect_rc 0
expect_eq "$(printf '%s\n' "$OUT" | head -n 3)" "dry run: would deliver batch 2 to https://localhost:$PORT/portail/decisions
dry run: would deliver batch 3 to https://localhost:$PORT/portail/decisions
dry run: would deliver batch 4 to https://localhost:$PORT/portail/decisions"
expect_contains "$(printf '%s\n' "$OUT" | sed -n 4p)" "dry run: batch 4 at 2019-12-04 22:00:00 would decide"
expect_eq "$(count_reqs down)" 2 "requests"
expect_eq "$(deliveries)" "1:delivered:1 2:pending:2 3:pending:0" "batch rows"
run nocturne-transmit -c "$T/down.ini" --now '2019-12-04 22:00' -n --redeliver
expect_rc 0
expect_eq "$OUT" "dry run: would deliver batch 2 to https://localhost:$PORT/portail/decisions
dry run: would deliver batch 3 to https://localhost:$PORT/portail/decisions"
expect_eq "$(count_reqs down)" 2 "requests"
ok

t redeliver_in_order_same_bytes
start_bo back main 200
bo_conf "$T/back.ini" "https://localhost:$PORT/portail/decisions" "$T/token"
run nocturne-transmit -c "$T/back.ini" --now '2019-12-04 08:00' --redeliver
expect_rc 0
expect_empty "$ERR" stderr
expect_eq "$(count_reqs back)" 2 requests
expect_eq "$(header "$T/back/req-1.head" Idempotency-Key)" nocturne-batch-2 "first"
expect_eq "$(header "$T/back/req-2.head" Idempotency-Key)" nocturne-batch-3 "second"
cmp -s "$T/back/req-1.body" "$T/status-2.csv" || fail "batch 2 redelivered with other bytes"
cmp -s "$T/back/req-1.body" "$T/down/req-2.body" || fail "batch 2 attempts differ"
expect_eq "$(deliveries)" "1:delivered:1 2:delivered:3 3:delivered:1" "batch rows (no new batch)"
run nocturne-transmit -c "$T/back.ini" --now '2019-12-04 08:00' --redeliver
expect_rc 0
expect_eq "$(count_reqs back)" 2 "nothing left to send"
ok

t empty_url_sends_nothing
town
bo_conf "$T/none.ini" ""
run nocturne-transmit -c "$T/none.ini" --now "$NIGHT1"
expect_rc 0
expect_empty "$ERR" stderr
expect_eq "$(deliveries)" "1:none:0" "batch rows"
# A town without a back office has nothing to redeliver: done, silently
# (the cron line runs every hour).
run nocturne-transmit -c "$T/none.ini" --now "$NIGHT1" --redeliver
expect_rc 0
expect_empty "$OUT$ERR" output
run nocturne-transmit -c "$T/none.ini" --now "$NIGHT1" --redeliver -n
expect_rc 0
expect_eq "$OUT" "dry run: no back office ([backoffice] url is empty): nothing to deliver"
ok

t missing_ca_file_is_78_before_any_connection
town
start_bo ca main 200
bo_conf "$T/ca.ini" "https://localhost:$PORT/portail/decisions" "$T/token" "$T/nope-ca.pem"
run nocturne-transmit -q -c "$T/ca.ini" --now "$NIGHT1"
expect_rc 78
expect_eq "$ERR" "nocturne-transmit: $T/ca.ini: [backoffice] ca_file $T/nope-ca.pem: cannot read: No such file or directory" stderr
expect_eq "$(q "SELECT count(*) FROM batch")" 0 "batches"
expect_eq "$(count_reqs ca)" 0 "requests the back office saw"
run nocturne-transmit -q -c "$T/ca.ini" --now "$NIGHT1" --redeliver
expect_rc 78
ok

t token_readable_by_others_refused_before_anything
town
start_bo open main 200
cp "$T/token" "$T/token644" && chmod 644 "$T/token644"
bo_conf "$T/open.ini" "https://localhost:$PORT/portail/decisions" "$T/token644"
run nocturne-transmit -c "$T/open.ini" --now "$NIGHT1"
expect_rc 78
expect_contains "$ERR" "nocturne-transmit: $T/open.ini: [backoffice] token_file $T/token644: refused: readable by group or others"
expect_eq "$(q "SELECT count(*) FROM batch")" 0 "batches"
expect_eq "$(count_reqs open)" 0 requests
ok

t unreachable_back_office_first_night
town
port=$(free_port)
bo_conf "$T/gone.ini" "https://localhost:$port/portail/decisions" "$T/token"
run nocturne-transmit -c "$T/gone.ini" --now "$NIGHT1"
expect_rc 75
expect_contains "$ERR" "nocturne-transmit: batch 1: https://localhost:$port/portail/decisions: Failed to connect to localhost port $port"
expect_contains "$ERR" "; 1 batch waits for the next run"
expect_eq "$(deliveries)" "1:pending:1" "batch rows"
expect_eq "$(q "SELECT count(*) FROM request WHERE state = 'pending' AND submitted_at <= 1575237600")" 0 "resolved"
ok
