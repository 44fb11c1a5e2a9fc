# backoffice.sh - lib/backoffice.c against a real HTTPS server on loopback,
# driven by tests/helpers/bo_deliver over a database made with the sqlite3 CLI.
. "$NOCTURNE_TOP/tests/e2e/lib.sh"
. "$TOP/tests/fixtures/bo_lib.sh"
DRIVER=$NOCTURNE_BUILD/tests/bo_deliver
NOW='2019-12-05 06:30'
NOW_S=1575527400

mkpki main
mkpki other

# mkdb: a fresh database with three batches pending delivery:
# 1 (four decisions, data that needs quoting, ids a spreadsheet would read as
# formulas: they go out exactly as imported), 2 (two), 3 (empty).
mkdb() {
	rm -f "$T/nocturne.db" "$T/nocturne.db-wal" "$T/nocturne.db-shm"
	bo_conf "$T/init.ini" ""
	"$DRIVER" "$T/init.ini" "$T/nocturne.db" "$NOW" >/dev/null || exit 1
	sqlite3 "$T/nocturne.db" <<'EOS' || exit 1
INSERT INTO family VALUES (1, 'F1', 'Dupont', 'a@example.fr', 0);
INSERT INTO child VALUES (1, 'C1', 1, 'Léa', 'Dupont'), (2, '=C2', 1, 'Tom', 'Dupont');
INSERT INTO activity(ref, activity_id, name, capacity, waitlist)
  VALUES (1, 'CANTINE', 'Cantine', 1, -1), (2, 'ALSH;mer', 'Centre', 0, 0);
INSERT INTO opening VALUES (1, 18236, NULL), (2, 18236, NULL);
INSERT INTO batch(batch_id, ran_at, cutoff, started_at, finished_at, delivery) VALUES
  (1, 1575500400, 1575500400, 1575500400, 1575500400, 'pending'),
  (2, 1575586815, 1575586815, 1575586815, 1575586815, 'pending'),
  (3, 1575673200, 1575673200, 1575673200, 1575673200, 'pending');
INSERT INTO request(seq, request_id, child_ref, activity_ref, day, action, submitted_at,
                    state, reason, position, batch_id) VALUES
  (1, 'R1', 1, 1, 18236, 'reserve', 1575400000, 'cancelled', NULL, NULL, 1),
  (2, 'R2', 2, 1, 18236, 'reserve', 1575400001, 'accepted', NULL, NULL, 2),
  (3, 'R3 "q"', 1, 2, 18236, 'reserve', 1575400002, 'refused', 'full', NULL, 1),
  (4, '-7', 1, 1, 18236, 'cancel', 1575400003, 'accepted', NULL, NULL, 1),
  (5, 'R5', 2, 1, 18237, 'reserve', 1575500500, 'waitlisted', NULL, 1, 2);
INSERT INTO decision VALUES
  (1, 1, 'cancelled', NULL, NULL), (1, 2, 'waitlisted', NULL, 2),
  (1, 3, 'refused', 'full', NULL), (1, 4, 'accepted', NULL, NULL),
  (2, 2, 'accepted', NULL, NULL), (2, 5, 'waitlisted', NULL, 1);
EOS
}
q() { sqlite3 "$T/nocturne.db" "$1"; }
deliveries() { q "SELECT batch_id, delivery, delivery_attempts, ifnull(delivery_status, '-'),
	ifnull(delivered_at, '-'), ifnull(delivery_error, '-') FROM batch ORDER BY batch_id"; }
header() { grep -i "^$2: " "$1" | head -n 1 | cut -d' ' -f2- ; }

H='request_id;child_id;activity_id;date;action;state;reason;position;batch_id;decided_at'
printf '%s\n' "$H" \
	'R1;C1;CANTINE;2019-12-06;reserve;cancelled;;;1;2019-12-04 23:00:00' \
	"R2;=C2;CANTINE;2019-12-06;reserve;waitlisted;;2;1;2019-12-04 23:00:00" \
	'"R3 ""q""";C1;"ALSH;mer";2019-12-06;reserve;refused;full;;1;2019-12-04 23:00:00' \
	'-7;C1;CANTINE;2019-12-06;cancel;accepted;;;1;2019-12-04 23:00:00' >"$T/expect-1.csv"
printf '%s\n' "$H" \
	"R2;=C2;CANTINE;2019-12-06;reserve;accepted;;;2;2019-12-05 23:00:15" \
	"R5;=C2;CANTINE;2019-12-07;reserve;waitlisted;;1;2;2019-12-05 23:00:15" \
	>"$T/expect-2.csv"
printf '%s\n' "$H" >"$T/expect-3.csv"
umask 077
printf 's3cret-T0ken\n' >"$T/token"

t delivers_in_order_with_headers_and_exact_body
mkdb
start_bo ok main 200
bo_conf "$T/c.ini" "https://127.0.0.1:$PORT/nocturne/batches" "$T/token"
run "$DRIVER" "$T/c.ini" "$T/nocturne.db" "$NOW"
expect_rc 0
expect_eq "$OUT" "delivered 3"
expect_empty "$ERR" stderr
expect_eq "$(count_reqs ok)" 3 "requests"
for n in 1 2 3; do
	cmp -s "$T/ok/req-$n.body" "$T/expect-$n.csv" ||
		fail "body of batch $n: $(diff "$T/expect-$n.csv" "$T/ok/req-$n.body" | head -n 8)"
	h=$T/ok/req-$n.head
	expect_eq "$(head -n 1 "$h")" "POST /nocturne/batches HTTP/1.1" "request line $n"
	expect_eq "$(header "$h" Idempotency-Key)" "nocturne-batch-$n" "Idempotency-Key $n"
	expect_eq "$(header "$h" Content-Type)" "text/csv; charset=utf-8" "Content-Type $n"
	expect_eq "$(header "$h" Authorization)" "Bearer s3cret-T0ken" "Authorization $n"
	expect_eq "$(header "$h" Content-Length)" "$(wc -c <"$T/expect-$n.csv" | tr -d ' ')" \
		"Content-Length $n"
	expect_eq "$(header "$h" Expect)" "" "Expect $n"
	expect_eq "$(header "$h" Transfer-Encoding)" "" "Transfer-Encoding $n"
done
expect_eq "$(deliveries)" "1|delivered|1|200|$NOW_S|-
2|delivered|1|200|$NOW_S|-
3|delivered|1|200|$NOW_S|-" "batch rows"
# The request id -7 reaches the back office as -7, not '-7.
expect_eq "$(grep -c '^-7;C1;CANTINE;' "$T/ok/req-1.body")" 1 "request -7 as imported"
# Batch 2 is the last one: its body is what the raw status export prints now;
# the default export stays spreadsheet-safe.
nocturne-status --db "$T/nocturne.db" --export --raw --batch 2 >"$T/status-2.csv" ||
	fail "nocturne-status --export --raw failed"
cmp -s "$T/status-2.csv" "$T/ok/req-2.body" || fail "body differs from nocturne-status --export --raw"
nocturne-status --db "$T/nocturne.db" --export >"$T/safe-1.csv" ||
	fail "nocturne-status --export failed"
expect_eq "$(sed -n '3p;5p' "$T/safe-1.csv")" "R2;\"'=C2\";CANTINE;2019-12-06;reserve;accepted;;;2;2019-12-05 23:00:15
\"'-7\";C1;CANTINE;2019-12-06;cancel;accepted;;;1;2019-12-04 23:00:00" "safe export"
run "$DRIVER" "$T/c.ini" "$T/nocturne.db" "$NOW"
expect_rc 0
expect_eq "$OUT" "delivered 0" "second run"
expect_eq "$(count_reqs ok)" 3 "requests after a second run"
ok

# Schema 15: a batch's decision is its request's row until a later night
# changes the request, then a kept row. The fixture wrote every decision
# to the view (all kept); without those the rows repeat, batch 1 is R1, R3
# and -7 from their rows and R2 (waitlisted then, accepted by batch 2 since)
# kept: the same bodies, in import order.
t decisions_from_rows_same_bodies
mkdb
q "DELETE FROM decision_kept WHERE EXISTS (SELECT 1 FROM request r
  WHERE r.seq = decision_kept.seq AND r.batch_id = decision_kept.batch_id
  AND r.state = decision_kept.state AND r.reason IS decision_kept.reason
  AND r.position IS decision_kept.position)"
expect_eq "$(q "SELECT group_concat(batch_id || ':' || seq) FROM decision_kept")" "1:2" "kept"
start_bo rows main 200
bo_conf "$T/c.ini" "https://127.0.0.1:$PORT/in" "$T/token"
run "$DRIVER" "$T/c.ini" "$T/nocturne.db" "$NOW"
expect_rc 0
expect_eq "$OUT" "delivered 3"
for n in 1 2 3; do
	cmp -s "$T/rows/req-$n.body" "$T/expect-$n.csv" ||
		fail "body of batch $n: $(diff "$T/expect-$n.csv" "$T/rows/req-$n.body" | head -n 8)"
done
ok

t server_error_then_success_next_run_same_bytes
mkdb
start_bo flaky main 500,200
bo_conf "$T/c.ini" "https://127.0.0.1:$PORT/in" "$T/token"
run "$DRIVER" "$T/c.ini" "$T/nocturne.db" "$NOW"
expect_rc 75
expect_eq "$ERR" "bo_deliver: batch 1: https://127.0.0.1:$PORT/in: HTTP 500 Internal Server Error; 3 batches wait for the next run"
expect_eq "$(count_reqs flaky)" 1 "requests (stop at the first failure)"
expect_eq "$(deliveries)" "1|pending|1|500|-|HTTP 500 Internal Server Error
2|pending|0|-|-|-
3|pending|0|-|-|-" "batch rows after the failure"
expect_eq "$(q "SELECT count(*) FROM decision")" 6 "decisions kept"
run "$DRIVER" "$T/c.ini" "$T/nocturne.db" '2019-12-06 06:30'
expect_rc 0
expect_eq "$(count_reqs flaky)" 4 "requests after the retry"
cmp -s "$T/flaky/req-1.body" "$T/flaky/req-2.body" || fail "redelivery sent other bytes"
cmp -s "$T/flaky/req-2.body" "$T/expect-1.csv" || fail "redelivered body differs"
for n in 2 3 4; do
	expect_eq "$(header "$T/flaky/req-$n.head" Idempotency-Key)" "nocturne-batch-$((n - 1))" \
		"order of redelivery ($n)"
done
expect_eq "$(deliveries)" "1|delivered|2|200|1575613800|-
2|delivered|1|200|1575613800|-
3|delivered|1|200|1575613800|-" "batch rows after the retry"
ok

t unauthorized_401_token_never_shown
mkdb
start_bo deny main 401
bo_conf "$T/c.ini" "https://127.0.0.1:$PORT/in" "$T/token"
run "$DRIVER" "$T/c.ini" "$T/nocturne.db" "$NOW"
expect_rc 75
expect_contains "$ERR" "batch 1: https://127.0.0.1:$PORT/in: HTTP 401 Unauthorized"
expect_not_contains "$ERR" "s3cret" stderr
expect_eq "$(q "SELECT count(*) FROM batch WHERE delivery_error LIKE '%s3cret%'")" 0 "token in db"
expect_eq "$(q "SELECT delivery || delivery_attempts || delivery_status FROM batch WHERE batch_id = 1")" \
	"pending1401" "batch 1"
ok

t connection_refused
mkdb
port=$(free_port)
bo_conf "$T/c.ini" "https://127.0.0.1:$port/in"
run "$DRIVER" "$T/c.ini" "$T/nocturne.db" "$NOW"
expect_rc 75
expect_contains "$ERR" "bo_deliver: batch 1: https://127.0.0.1:$port/in: Failed to connect to 127.0.0.1 port $port"
expect_eq "$(q "SELECT delivery || delivery_attempts || ifnull(delivery_status, '-') FROM batch WHERE batch_id = 1")" \
	"pending1-" "batch 1"
expect_contains "$(q "SELECT delivery_error FROM batch WHERE batch_id = 1")" "Couldn't connect to server"
ok

t server_that_never_answers_times_out
mkdb
start_bo hang main 200 --hang
bo_conf "$T/c.ini" "https://127.0.0.1:$PORT/in" "" "" 2
start=$(date +%s)
run "$DRIVER" "$T/c.ini" "$T/nocturne.db" "$NOW"
took=$(($(date +%s) - start))
expect_rc 75
expect_contains "$ERR" "batch 1: https://127.0.0.1:$PORT/in: Operation timed out after"
[ "$took" -le 7 ] || fail "took ${took}s with timeout = 2"
expect_eq "$(count_reqs hang)" 1 "requests"
expect_eq "$(q "SELECT delivery || delivery_attempts FROM batch WHERE batch_id = 1")" "pending1" "batch 1"
ok

t certificate_from_another_ca_nothing_sent
mkdb
start_bo rogue other 200
bo_conf "$T/c.ini" "https://127.0.0.1:$PORT/in" "$T/token"
run "$DRIVER" "$T/c.ini" "$T/nocturne.db" "$NOW"
expect_rc 75
expect_contains "$ERR" "batch 1: https://127.0.0.1:$PORT/in: SSL certificate problem: unable to get local issuer certificate"
expect_eq "$(count_reqs rogue)" 0 "requests"
# the server's thread notes the failed handshake after the client has gone
poll 50 0.1 test -s "$T/rogue/tls-errors" || fail "the server saw no failed handshake"
expect_eq "$(q "SELECT delivery || delivery_attempts FROM batch WHERE batch_id = 1")" "pending1" "batch 1"
ok

t token_file_readable_by_others_refused
mkdb
start_bo open main 200
cp "$T/token" "$T/token644" && chmod 644 "$T/token644"
bo_conf "$T/c.ini" "https://127.0.0.1:$PORT/in" "$T/token644"
run "$DRIVER" "$T/c.ini" "$T/nocturne.db" "$NOW"
expect_rc 78
expect_contains "$ERR" "[backoffice] token_file $T/token644: refused: readable by group or others (mode 644)"
expect_not_contains "$ERR" "s3cret" stderr
expect_eq "$(count_reqs open)" 0 "requests"
expect_eq "$(q "SELECT sum(delivery_attempts) FROM batch")" 0 "attempts"
ok

t credentials_and_query_stripped_from_messages
mkdb
start_bo creds main 503
bo_conf "$T/c.ini" "https://alice:pa55word@127.0.0.1:$PORT/in?key=k3y" "$T/token"
run "$DRIVER" "$T/c.ini" "$T/nocturne.db" "$NOW"
expect_rc 75
expect_eq "$ERR" "bo_deliver: batch 1: https://127.0.0.1:$PORT/in?...: HTTP 503 Service Unavailable; 3 batches wait for the next run"
expect_eq "$(head -n 1 "$T/creds/req-1.head")" "POST /in?key=k3y HTTP/1.1" "request line"
ok

t no_token_no_authorization_header
mkdb
start_bo notoken main 200
bo_conf "$T/c.ini" "https://127.0.0.1:$PORT/in"
run "$DRIVER" "$T/c.ini" "$T/nocturne.db" "$NOW"
expect_rc 0
expect_eq "$(count_reqs notoken)" 3 "requests"
expect_eq "$(header "$T/notoken/req-1.head" Idempotency-Key)" "nocturne-batch-1" "Idempotency-Key"
grep -qi '^Authorization:' "$T/notoken/req-1.head" && fail "an Authorization header without a token"
ok

t redirect_is_a_failure
mkdb
start_bo moved main 302
bo_conf "$T/c.ini" "https://127.0.0.1:$PORT/in"
run "$DRIVER" "$T/c.ini" "$T/nocturne.db" "$NOW"
expect_rc 75
expect_contains "$ERR" "HTTP 302 Found (redirects are not followed)"
expect_eq "$(count_reqs moved)" 1 "requests"
expect_eq "$(q "SELECT delivery FROM batch WHERE batch_id = 1")" "pending" "batch 1"
ok

t plain_http_url_is_a_config_error
mkdb
bo_conf "$T/c.ini" "http://127.0.0.1:1/in"
run "$DRIVER" "$T/c.ini" "$T/nocturne.db" "$NOW"
expect_rc 78
expect_contains "$ERR" "[backoffice] url: not an https:// URL"
ok

t large_batch_streamed_in_bounded_memory
# Long child and activity ids make the body (about 64 MB) far larger than the
# database, so holding the body in memory would show in the peak RSS.
mkdb
n=60000
long=$(printf '%0500d' 0)
sqlite3 "$T/nocturne.db" <<EOS || fail "cannot fill the database"
INSERT INTO child VALUES (3, 'K$long', 1, 'Max', 'Dupont');
INSERT INTO activity(ref, activity_id, name) VALUES (3, 'A$long', 'Long');
WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < $n)
INSERT INTO request(seq, request_id, child_ref, activity_ref, day, action, submitted_at,
                    state, position, batch_id)
  SELECT 100 + i, 'BIG-' || i, 3, 3, 18300 + i % 30, 'reserve', 1575400000,
         'waitlisted', i, 4 FROM k;
INSERT INTO batch(batch_id, ran_at, cutoff, started_at, finished_at, delivery)
  VALUES (4, 1575759600, 1575759600, 1575759600, 1575759600, 'pending');
INSERT INTO decision SELECT 4, seq, state, NULL, position FROM request WHERE batch_id = 4;
UPDATE batch SET delivery = 'delivered' WHERE batch_id < 4;
EOS
start_bo big main 200
bo_conf "$T/c.ini" "https://127.0.0.1:$PORT/in" "" "" 60
run /usr/bin/time -f 'maxrss %M' "$DRIVER" "$T/c.ini" "$T/nocturne.db" "$NOW"
echo "  (max RSS: $(echo "$ERR" | sed -n "s/^maxrss //p") KiB)" >&2
expect_rc 0
b=$T/big/req-1.body
expect_eq "$(wc -l <"$b" | tr -d ' ')" $((n + 1)) "body lines"
expect_eq "$(header "$T/big/req-1.head" Content-Length)" "$(wc -c <"$b" | tr -d ' ')" \
	"Content-Length"
expect_eq "$(header "$T/big/req-1.head" Expect)" "" "Expect (no 100-continue)"
expect_eq "$(sed -n 2p "$b")" "BIG-1;K$long;A$long;2020-02-09;reserve;waitlisted;;1;4;2019-12-07 23:00:00" \
	"first row"
expect_eq "$(tail -n 1 "$b")" "BIG-$n;K$long;A$long;2020-02-08;reserve;waitlisted;;$n;4;2019-12-07 23:00:00" \
	"last row"
rss=$(echo "$ERR" | sed -n 's/^maxrss //p')
size=$(($(wc -c <"$b") / 1024))
case "$NOCTURNE_BUILD" in
*san*) ;; # sanitizers inflate memory: the bound is checked in the plain build
*) [ "${rss:-999999}" -lt $((size / 3)) ] || fail "max RSS ${rss} KiB for a ${size} KiB body" ;;
esac
ok
