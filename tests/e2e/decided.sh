# decided.sh - the waiting list keeps its promises, and --request tells what
# the night really did (issue 15; contract sections 4 and 5), through the real
# tools: import, transmit, status.
. "$NOCTURNE_TOP/tests/e2e/lib.sh"

n_db
state() { q "SELECT state || ':' || coalesce(reason, '') || ':' || coalesce(position, '') FROM request WHERE request_id = '$1'"; }
history_of() { nocturne-status --request "$1" | sed -n '/^History:/,/^Messages:/p' | sed '1d;$d'; }
exported() { nocturne-status --export --raw | grep "^$1;" | cut -d';' -f6-9; }
# night 'YYYY-MM-DD HH:MM' [FILE]: import the requests of FILE (else the rows
# on standard input, under the usual header), then transmit
night() {
	if [ $# -lt 2 ]; then
		csv requests night.csv
		set -- "$1" night.csv
	fi
	run nocturne-import requests "$2"
	expect_rc 0
	run nocturne-transmit --now "$1"
	expect_rc 0
}

csv families fam.csv <<'X'
F1;Dupont;a@x.fr
X
{
	echo 'child_id;family_id;first_name;last_name'
	for i in 1 2 3 4 5 6; do echo "C$i;F1;Enfant$i;Dupont"; done
} >ch.csv
cat >act.csv <<'X'
activity_id;name;capacity;waitlist;deadline_days;deadline_time;hours
ONE;Une place;1;oui;0;00:00;
DUP;Doublons;5;non;0;00:00;
LATE;Délai;5;non;1;10:00;
HRS;Horaires;5;non;0;00:00;07:30-18:00
X
{
	echo 'activity_id;date'
	for a in ONE DUP LATE HRS; do
		for d in 10 11 12 13; do echo "$a;2019-12-$d"; done
	done
} >open.csv
for k in families:fam.csv children:ch.csv activities:act.csv openings:open.csv; do
	nocturne-import "${k%%:*}" "${k#*:}" || echo "FAIL: import $k"
done

t position_never_gets_worse
# Batch 1 accepts C1 (08:00) and waitlists C2 (23:29); C3, submitted 23:28
# but imported after batch 1, reaches batch 2 and joins behind C2.
night '2019-12-01 23:30' <<'X'
a1;C1;ONE;2019-12-10;reserve;2019-12-01 08:00
a2;C2;ONE;2019-12-10;reserve;2019-12-01 23:29
X
expect_eq "$(state a2)" "waitlisted::1" a2
night '2019-12-02 23:30' <<'X'
a3;C3;ONE;2019-12-10;reserve;2019-12-01 23:28
X
expect_eq "$(state a2)" "waitlisted::1" "a2 after batch 2"
expect_eq "$(state a3)" "waitlisted::2" "a3 after batch 2"
expect_eq "$(rule_of a3)" "waitlisted, position 2 of 2 (position 1 gets the next free place) (it joined the list in batch 2 at position 2)"
expect_contains "$(nocturne-status --request a3)" "waiting list:   2 waiting (no limit): a2 a3"
# The next free place goes to a2.
night '2019-12-03 23:30' <<'X'
a4;C1;ONE;2019-12-10;cancel;2019-12-03 09:00
X
expect_eq "$(state a2)" "accepted::" "a2 promoted"
expect_eq "$(state a3)" "waitlisted::1" "a3 moves up"
expect_eq "$(rule_of a2)" "accepted in batch 3 after promotion from the waiting list, into the place freed by cancellation request a4 (it joined the list in batch 1 at position 1)"
ok

t promoted_within_one_night
# C1 reserves, C2 reserves (waitlisted), C1 cancels: C2 is promoted, all in
# one night; the explanation says so, not "a place was free".
night '2019-12-04 23:30' <<'X'
b1;C1;ONE;2019-12-11;reserve;2019-12-04 08:00
b2;C2;ONE;2019-12-11;reserve;2019-12-04 08:01
b3;C1;ONE;2019-12-11;cancel;2019-12-04 08:02
X
expect_eq "$(state b2)" "accepted::" b2
expect_eq "$(rule_of b2)" "accepted in batch 4 after promotion from the waiting list, into the place freed by cancellation request b3 (it joined the list that same night at position 1)"
expect_eq "$(history_of b2)" "  batch 4 at 2019-12-04 23:30:00: waitlisted, position 1
  batch 4 at 2019-12-04 23:30:00: promoted from the waiting list, place freed by b3"
expect_eq "$(exported b2)" "accepted;;;4"
expect_eq "$(rule_of b3)" "accepted in batch 4: cancels reservation b1, which held a place; the place was freed"
ok

t cancel_of_a_reservation_promoted_that_night
# c2 waits from batch 5; in batch 6 c1's cancellation promotes it, then c2's
# own cancellation undoes it: it held a place, it did not "leave the list".
night '2019-12-05 23:30' <<'X'
c1;C1;ONE;2019-12-12;reserve;2019-12-05 08:00
c2;C2;ONE;2019-12-12;reserve;2019-12-05 08:01
X
night '2019-12-06 23:30' <<'X'
c3;C1;ONE;2019-12-12;cancel;2019-12-06 08:00
c4;C2;ONE;2019-12-12;cancel;2019-12-06 08:01
X
expect_eq "$(state c2)" "cancelled::" c2
expect_eq "$(rule_of c4)" "accepted in batch 6: cancels reservation c2, which held a place (promoted from the waiting list earlier that night); the place was freed"
expect_eq "$(rule_of c2)" "cancelled in batch 6 by cancellation request c4; it held a place, promoted from the waiting list earlier that night"
expect_eq "$(history_of c2)" "  batch 5 at 2019-12-05 23:30:00: waitlisted, position 1
  batch 6 at 2019-12-06 23:30:00: promoted from the waiting list, place freed by c3
  batch 6 at 2019-12-06 23:30:00: cancelled by c4"
ok

t duplicate_names_the_request_that_held_the_slot_then
# d2 meets d1; d1 is cancelled, and d10, a night later, holds the slot now:
# d2's explanation still names d1.
night '2019-12-07 23:30' <<'X'
d1;C4;DUP;2019-12-10;reserve;2019-12-07 08:00
d2;C4;DUP;2019-12-10;reserve;2019-12-07 08:01
X
night '2019-12-08 23:30' <<'X'
d3;C4;DUP;2019-12-10;cancel;2019-12-08 08:00
d10;C4;DUP;2019-12-10;reserve;2019-12-08 08:01
X
expect_eq "$(state d10)" "accepted::" d10
expect_eq "$(state d2)" "refused:duplicate:" d2
expect_eq "$(rule_of d2)" "refused: the child already held a place or was on the waiting list for this slot (request d1)"
expect_eq "$(history_of d2)" "  batch 7 at 2019-12-07 23:30:00: refused (duplicate), held by d1"
ok

t deadline_at_and_after
cat >n9.csv <<'X'
request_id;child_id;activity_id;date;action;arrival;submitted_at
e1;C5;LATE;2019-12-13;reserve;;2019-12-12 10:00
e2;C6;LATE;2019-12-13;reserve;;2019-12-12 10:00:01
e3;C5;LATE;2019-12-12;reserve;;2019-12-11 09:59:59
e4;C5;HRS;2019-12-12;reserve;07:00;2019-12-09 09:00
e5;C6;HRS;2019-12-12;reserve;;2019-12-09 09:00
X
night '2019-12-12 23:30' n9.csv
expect_eq "$(rule_of e1)" "refused: submitted 2019-12-12 10:00:00, at the deadline (on time means before it): la veille (jeudi 12 décembre 2019) à 10 h 00"
expect_eq "$(rule_of e2)" "refused: submitted 2019-12-12 10:00:01, after the deadline: la veille (jeudi 12 décembre 2019) à 10 h 00"
expect_eq "$(state e3)" "accepted::" e3
expect_eq "$(rule_of e4)" "refused: arrival 07:00 is outside the activity's hours then 07:30-18:00"
expect_eq "$(rule_of e5)" "refused: no arrival time, and the activity's hours were 07:30-18:00"
# The rule changes afterwards: the recorded deadline and hours still explain.
printf 'activity_id;name;deadline_days;deadline_time;hours\nLATE;Délai;2;08:00;\nHRS;Horaires;0;00:00;06:00-18:00\n' >act2.csv
run nocturne-import activities act2.csv
expect_rc 0
expect_eq "$(rule_of e2)" "refused: submitted 2019-12-12 10:00:01, after the deadline: jeudi 12 décembre 2019 à 10 h 00 (the activity's deadline has changed since: now 2 jours avant (mercredi 11 décembre 2019) à 08 h 00)"
expect_eq "$(rule_of e4)" "refused: arrival 07:00 is outside the activity's hours then 07:30-18:00"
ok

t events_recorded_and_agree_with_the_export
expect_eq "$(q "SELECT count(*) FROM batch WHERE events = 0")" 0 "batches without events"
# Every request decided has an event in the batch that last changed it, and
# its last event there says the exported state.
expect_eq "$(q "SELECT count(*) FROM request r WHERE r.batch_id IS NOT NULL AND NOT EXISTS
	(SELECT 1 FROM event_log v WHERE v.seq = r.seq AND v.batch_id = r.batch_id)")" 0 "decided without event"
# The stored ones are those with facts; the rest come back from the decisions.
expect_eq "$(q "SELECT kind || ':' || coalesce(reason, '') FROM event WHERE kind = 'accepted'
	OR reason IN ('closed', 'debtor', 'nothing_to_cancel') GROUP BY 1")" "accepted:" "stored implied"
expect_eq "$(q "SELECT group_concat(kind, ' ') FROM (SELECT kind FROM event_log v JOIN request r
	ON r.seq = v.seq WHERE r.request_id = 'b1' ORDER BY v.batch_id, v.n)")" "accepted cancelled" "b1's events"
ok

t old_database_says_only_what_it_can
# A database made before the events were recorded: the same history without
# them. d2's holder then (d1) is gone and d10 holds now: naming d10 would be
# false, so no request is named; b2 (waitlisted and promoted within one night)
# is not said to have found a free place.
q "DELETE FROM event; UPDATE batch SET events = 0"
expect_eq "$(rule_of d2)" "refused: the child already held a place or was on the waiting list for this slot"
expect_eq "$(rule_of b2)" "accepted in batch 4 (a batch from before nocturne recorded the night's events: whether it waited on the list that night is not known)"
expect_eq "$(rule_of a2)" "accepted in batch 3 after promotion from the waiting list"
expect_eq "$(history_of b2)" "  batch 4 at 2019-12-04 23:30:00: accepted"
ok
