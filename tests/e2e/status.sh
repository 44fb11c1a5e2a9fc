# status.sh - nocturne-status: the default view, --batch, --mail, options
# and exit codes, on the fixture tests/e2e/status.sql (inserted with sqlite3).
. "$NOCTURNE_TOP/tests/e2e/lib.sh"

printf '[database]\npath = %s/n.db\n' "$T" >"$T/n.ini"
export NOCTURNE_CONFIG="$T/n.ini" NOCTURNE_NOW='2019-12-05 12:00'

t status_missing_db
run nocturne-status
expect_rc 66
expect_contains "$ERR" "nocturne-status: $T/n.db: cannot open database"
expect_empty "$OUT" stdout
ok

t status_empty_db
# status only reads: an empty file has no schema yet, and status leaves it empty.
: >"$T/n.db"
run nocturne-status
expect_rc 66
expect_eq "$ERR" "nocturne-status: $T/n.db: no nocturne data yet (an empty database): import data first"
expect_empty "$OUT" stdout
expect_eq "$(stat -c %s "$T/n.db")" 0 "size of the empty file"
# A writing tool migrates it; then status shows an empty town.
nocturne-transmit -n --now '2000-01-01 00:00' >/dev/null
run nocturne-status
expect_rc 0
expect_eq "$OUT" "Pending requests: none

Recent batches (newest first):
  batch ran at               reqs   acc  wait   ref  prom   exp  canc delivery
  (no batch yet)

Mail queue: empty"
expect_empty "$ERR" stderr
ok

sqlite3 "$T/n.db" <"$TOP/tests/e2e/status.sql" || echo "FAIL: fixture"

t status_overview
run nocturne-status
expect_rc 0
expect_eq "$OUT" "Pending requests: 3, oldest submitted 2019-12-05 08:00:00
  CANTINE          Cantine scolaire                                          2
  PERI             Périscolaire du soir                                      1

Recent batches (newest first):
  batch ran at               reqs   acc  wait   ref  prom   exp  canc delivery
      3 2019-12-05 02:00:00     1     0     0     1     0     1     0 none
      2 2019-12-03 02:00:00    10     2     0     8     1     0     1 pending
      1 2019-12-02 02:00:00     8     3     4     1     0     0     0 delivered

Mail queue: 2 pending, 1 sent, 1 failed, 1 skipped
  next attempt: 2019-12-05 07:00:00 (due now)
  failed: message 2 (report, family F2) to durand@x.fr
    last reply: 550 5.1.1 <durand@x.fr>: Recipient address rejected: User unkn~"
expect_empty "$ERR" stderr
# Every line fits an 80-column terminal.
long=$(printf '%s\n' "$OUT" | awk '{ if (length($0) > 79) print }')
expect_empty "$long" "lines over 79 columns"
ok

t status_overview_next_attempt_not_due
sqlite3 "$T/n.db" "UPDATE message SET next_at = strftime('%s','2019-12-05 13:00:00') WHERE ref = 5"
run nocturne-status --now '2019-12-05 12:30'
expect_rc 0
expect_contains "$OUT" "
  next attempt: 2019-12-05 13:00:00
  failed: message 2"
sqlite3 "$T/n.db" "UPDATE message SET next_at = strftime('%s','2019-12-05 07:00:00') WHERE ref = 5"
ok

t status_last_ten_batches
cp "$T/n.db" "$T/many.db"
sqlite3 "$T/many.db" "WITH RECURSIVE k(i) AS (SELECT 4 UNION ALL SELECT i + 1 FROM k WHERE i < 12)
 INSERT INTO batch(batch_id, ran_at, cutoff, started_at, finished_at)
 SELECT i, strftime('%s','2019-12-05 02:00:00') + i * 86400, 0, 0, 0 FROM k"
run nocturne-status --db "$T/many.db"
expect_rc 0
rows=$(printf '%s\n' "$OUT" | sed -n '/^Recent batches/,/^$/p' | grep -c '^ *[0-9]')
expect_eq "$rows" 10 "batch rows"
expect_contains "$OUT" "ran at               reqs   acc  wait   ref  prom   exp  canc delivery
     12 2019-12-17 02:00:00"
expect_contains "$OUT" "
      3 2019-12-05 02:00:00     1     0     0     1     0     1     0 none

Mail"
ok

t status_batch_detail
run nocturne-status --batch 2
expect_rc 0
expect_eq "$OUT" "Batch 2
  clock:          2019-12-03 02:00:00 (decided_at of its requests)
  cutoff:         2019-12-03 02:00:00 (requests submitted up to then)
  started:        2019-12-03 02:00:00
  finished:       2019-12-03 02:00:03 (3 s)
  requests:       10
  accepted:       2
  waitlisted:     0
  refused:        8
    closed:       1
    deadline:     0
    times:        4
    debtor:       1
    full:         1
    duplicate:    0
    nothing_to_cancel: 1
  promoted:       1
  expired:        0
  cancelled:      1
  back office:    pending
  attempts:       3
  last status:    503
  last error:     HTTP 503 from https://bo.example/api
  delivered at:   -"
ok

t status_batch_delivered
run nocturne-status --batch 1
expect_rc 0
expect_contains "$OUT" "  back office:    delivered
  attempts:       1
  last status:    200
  last error:     -
  delivered at:   2019-12-02 02:00:02"
ok

t status_batch_unknown
run nocturne-status --batch 9
expect_rc 65
expect_eq "$ERR" "nocturne-status: batch 9: no such batch"
expect_empty "$OUT" stdout
ok

t status_batch_bad_number
run nocturne-status --batch 0
expect_rc 64
expect_contains "$ERR" "nocturne-status: --batch '0': expected a batch number"
run nocturne-status --batch 2x
expect_rc 64
ok

t status_mail
run nocturne-status --mail
expect_rc 0
expect_eq "$OUT" "Mail queue: 2 pending, 1 sent, 1 failed, 1 skipped
  next attempt: 2019-12-05 07:00:00 (due now)

   id kind   family       state   tries next try            recipient
    2 report F2           failed      1 -                   durand@x.fr
      550 5.1.1 <durand@x.fr>: Recipient address rejected: User unknown in virtual mailbox table
    3 report F3           skipped     0 -                   (no address)
      no email address
    4 notice F2           pending     2 2019-12-05 13:00:00 durand@x.fr
      451 4.3.0 try again??later
    5 report F1           pending     0 2019-12-05 07:00:00 a@x.fr"
ok

t status_usage
run nocturne-status --export --mail
expect_rc 64
expect_contains "$ERR" "nocturne-status: --export, --request, --mail, --bounces, --html and --check go one at a time"
run nocturne-status --mail --batch 2
expect_rc 64
run nocturne-status extra
expect_rc 64
expect_contains "$ERR" "unexpected argument 'extra'"
run nocturne-status --bogus
expect_rc 64
expect_contains "$ERR" "'--bogus'"
run nocturne-status --now 'tomorrow'
expect_rc 64
ok

t status_help_version
run nocturne-status --help
expect_rc 0
expect_contains "$OUT" "usage: nocturne-status"
run nocturne-status -V
expect_rc 0
expect_eq "$OUT" "nocturne-status 1.0.0"
ok

t status_dry_run_ignored
run nocturne-status --batch 3
expect_rc 0
plain=$OUT
run nocturne-status -n --batch 3
expect_rc 0
expect_contains "$OUT" "Batch 3"
expect_eq "$OUT" "$plain" "output with -n"
ok

t status_bad_config
printf '[database]\npath = x\nbogus = 1\n' >"$T/bad.ini"
run nocturne-status -c "$T/bad.ini"
expect_rc 78
expect_eq "$ERR" "nocturne-status: $T/bad.ini:3: [database] bogus: unknown key" stderr
ok

t status_readonly_changes_nothing
before=$(sqlite3 "$T/n.db" .dump | md5sum)
run nocturne-status --request R3
expect_rc 0
run nocturne-status --mail
expect_rc 0
run nocturne-status --export "$T/x.csv"
expect_rc 0
run nocturne-status
expect_rc 0
after=$(sqlite3 "$T/n.db" .dump | md5sum)
expect_eq "$after" "$before" "the whole database"
ok

t status_busy_writer_does_not_block
# A writer holding the write lock must not block the read snapshot (WAL).
/usr/bin/python3 - "$T/n.db" <<'PY' &
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
c.execute("UPDATE request SET state = 'pending' WHERE seq = 2")
open(sys.argv[1] + ".held", "w").close()
time.sleep(3)
c.execute("ROLLBACK")
PY
pid=$!
poll 50 0.1 test -e "$T/n.db.held" || fail "the writer never took the write lock"
run nocturne-status --request R2
expect_rc 0
expect_contains "$OUT" "  state:          accepted, batch 1"
wait $pid
ok
