# status_request.sh - nocturne-status --request ID: one request explained,
# for every state and every refusal reason of the fixture status.sql. The
# fixture's batches have no recorded events (batch.events = 0): it stands for
# a database made before the events were recorded, explained from its
# decisions without claiming what they cannot tell (tests/e2e/decided.sh
# covers the recorded events).
. "$NOCTURNE_TOP/tests/e2e/lib.sh"

printf '[database]\npath = %s/n.db\n' "$T" >"$T/n.ini"
export NOCTURNE_CONFIG="$T/n.ini" NOCTURNE_NOW='2019-12-05 12:00'
: >"$T/n.db"
# The schema: a writing tool migrates the empty file (status only reads).
nocturne-transmit -n --now '2000-01-01 00:00' >/dev/null && sqlite3 "$T/n.db" <"$TOP/tests/e2e/status.sql" || echo "FAIL: fixture"

# rule_is ID EXPECTED: the "rule:" line of ID's explanation.
rule_is() {
	run nocturne-status --request "$1"
	expect_rc 0
	expect_eq "$(printf '%s\n' "$OUT" | sed -n 's/^  rule: *//p')" "$2" "rule of $1"
}

t status_request_promoted
run nocturne-status --request R3
expect_rc 0
expect_eq "$OUT" "Request R3 (import order 3)
  child:          C3 Zoé Durand, family F2 Durand (balance -12.50 €)
  activity:       CANTINE Cantine scolaire
  date:           2019-12-06
  action:         reserve
  submitted:      2019-12-01 09:10:00
  state:          accepted, batch 2 at 2019-12-03 02:00:00
  rule:           accepted in batch 2 after promotion from the waiting list
  capacity:       2 (the activity's)
  places taken:   2
  waiting list:   2 waiting (at most 3): R4 R5
History:
  batch 1 at 2019-12-02 02:00:00: waitlisted, position 1
  batch 2 at 2019-12-03 02:00:00: accepted
Messages:
  message 2: report, failed, to durand@x.fr (550 5.1.1 <durand@x.fr>: Recipient address rejected: User unknown in virtual mailbox table)
  message 4: notice, pending, to durand@x.fr (451 4.3.0 try again??later)"
expect_empty "$ERR" stderr
ok

t status_request_cancelled_reservation
run nocturne-status --request R1
expect_rc 0
expect_eq "$OUT" "Request R1 (import order 1)
  child:          C1 Léa Martin, family F1 Martin (balance 0.00 €)
  activity:       CANTINE Cantine scolaire
  date:           2019-12-06
  action:         reserve
  submitted:      2019-12-01 09:00:00
  state:          cancelled, batch 2 at 2019-12-03 02:00:00
  rule:           cancelled in batch 2 by cancellation request R8; it was accepted before
  capacity:       2 (the activity's)
  places taken:   2
  waiting list:   2 waiting (at most 3): R4 R5
History:
  batch 1 at 2019-12-02 02:00:00: accepted
  batch 2 at 2019-12-03 02:00:00: cancelled
Messages:
  message 1: report, sent 2019-12-02 07:00:05, to a@x.fr
  message 5: report, pending, to a@x.fr"
ok

t status_request_accepted_cancellation
rule_is R8 "accepted in batch 2: cancels reservation R1, which held a place; the place was freed"
expect_contains "$OUT" "  action:         cancel
  submitted:      2019-12-02 08:00:00"
ok

t status_request_accepted
rule_is R16 "accepted in batch 2 (a batch from before nocturne recorded the night's events: whether it waited on the list that night is not known)"
expect_contains "$OUT" "  capacity:       1 (the activity's)
  places taken:   1
  waiting list:   none (the activity has no waiting list)"
ok

t status_request_waitlisted
rule_is R5 "waitlisted, position 2 of 2 (position 1 gets the next free place)"
expect_contains "$OUT" "  state:          waitlisted, position 2, batch 2 at 2019-12-03 02:00:00"
expect_contains "$OUT" "History:
  batch 1 at 2019-12-02 02:00:00: waitlisted, position 3
  batch 2 at 2019-12-03 02:00:00: waitlisted, position 2
Messages:
  message 3: report, skipped (no email address)"
ok

t status_request_expired
rule_is R23 "expired in batch 3: still on the waiting list when its date 2019-12-04 had passed"
expect_contains "$OUT" "  capacity:       1 (the opening's)
  places taken:   1
  waiting list:   empty (at most 3)"
ok

t status_request_refused_closed
rule_is R15 "refused: the activity was not open on 2019-12-10 (no opening that day)"
expect_contains "$OUT" "  capacity:       none: the activity is closed that day (no opening)"
ok

t status_request_refused_deadline
rule_is R14 "refused: submitted 2019-12-04 10:00:00, at the deadline (on time means before it): 2 jours avant (mercredi 04 décembre 2019) à 10 h 00"
ok

t status_request_refused_times
rule_is R9 "refused: arrival 16:00 is outside the activity's hours 16:30-18:30"
expect_contains "$OUT" "  action:         reserve, arrival 16:00
"
rule_is R10 "refused: no arrival time, and the activity's hours are 16:30-18:30"
rule_is R11 "refused: departure 19:00 is outside the activity's hours 16:30-18:30"
rule_is R12 "refused: departure 17:00 is not after arrival 17:00"
expect_contains "$OUT" "  capacity:       unlimited"
ok

t status_request_refused_debtor
rule_is R13 "refused: the family's balance was below zero (balance now -12.50 €)"
ok

t status_request_refused_full
rule_is R17 "refused: no place was free (the activity has no waiting list now)"
ok

t status_request_refused_full_list
sqlite3 "$T/n.db" "UPDATE activity SET waitlist = 2 WHERE activity_id = 'MERC'"
rule_is R17 "refused: no place was free (the waiting list holds at most 2 now)"
sqlite3 "$T/n.db" "UPDATE activity SET waitlist = 0 WHERE activity_id = 'MERC'"
ok

t status_request_refused_duplicate
rule_is R6 "refused: the child already held a place or was on the waiting list for this slot (request R2)"
ok

t status_request_refused_nothing_to_cancel
rule_is R18 "refused: the child held no place and was not on the waiting list for this slot"
expect_contains "$OUT" "  capacity:       3 (the opening's)"
ok

t status_request_pending
rule_is =R21 "pending (Non transmise): the next batch will decide it"
expect_contains "$OUT" "  state:          pending
"
expect_contains "$OUT" "History:
  (no batch has decided it)
Messages:
  (none)"
ok

t status_request_control_characters
run nocturne-status --request R11
expect_contains "$OUT" "family F3 Petit?[31m (balance 0.00 €)"
expect_not_contains "$OUT" "$(printf '\033')"
ok

t status_request_long_waiting_list
sqlite3 "$T/n.db" "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 30)
 INSERT INTO request(request_id, child_ref, activity_ref, day, action, submitted_at, state,
  position, batch_id) SELECT 'WAIT-' || i, 1, 1, (SELECT day FROM request WHERE seq = 1),
  'reserve', strftime('%s', '2019-12-01 12:00:00') + i, 'waitlisted', 2 + i, 2 FROM k"
run nocturne-status --request R4
expect_rc 0
expect_contains "$OUT" "  waiting list:   32 waiting (at most 3): R4 R5 WAIT-1 WAIT-2 WAIT-3 WAIT-4"
expect_contains "$OUT" " WAIT-30
History:"
long=$(printf '%s\n' "$OUT" | sed -n '/waiting list/,/^History/p' | awk '{ if (length($0) > 79) print }')
expect_empty "$long" "waiting-list lines over 79 columns"
n=$(printf '%s\n' "$OUT" | sed -n '/waiting list/,/^History/p' | grep -o 'WAIT-[0-9]*' | tr '\n' ' ')
expect_eq "$n" "$(seq -f 'WAIT-%g' 1 30 | tr '\n' ' ')" "waiting list order"
ok

t status_request_unknown
run nocturne-status --request R999
expect_rc 65
expect_eq "$ERR" "nocturne-status: request 'R999': no such request"
expect_empty "$OUT" stdout
ok

# Schema 15: a request's last decision is its row, kept apart only once a
# later night changes the row. The fixture wrote every decision to the view
# (all kept); without the ones the rows repeat, every explanation (history,
# rule, the duplicate's holder) and the batch's export are the same.
t status_request_decisions_from_rows
ids=$(sqlite3 "$T/n.db" "SELECT request_id FROM request ORDER BY seq")
explain_all() {
	for id in $ids; do nocturne-status --request "$id" 2>&1 || echo "rc $?"; done
	nocturne-status --export --batch 2 - 2>&1
}
before=$(explain_all)
sqlite3 "$T/n.db" "DELETE FROM decision_kept WHERE EXISTS (SELECT 1 FROM request r
  WHERE r.seq = decision_kept.seq AND r.batch_id = decision_kept.batch_id
  AND r.state = decision_kept.state AND r.reason IS decision_kept.reason
  AND r.position IS decision_kept.position)"
left=$(sqlite3 "$T/n.db" "SELECT count(*) FROM decision_kept")
expect_eq "$left" 5 "decisions the rows do not repeat"
expect_eq "$(explain_all)" "$before" "every explanation and batch 2's export"
expect_contains "$before" "(request R2)" "the duplicate's holder named"
ok
