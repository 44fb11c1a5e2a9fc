# night_to_mail.sh - the tools together, as cron runs them: import, transmit,
# notify, with no hand-made bookkeeping in the database. What a family is
# told depends on what it was told before (contract sections 4 and 6).
. "$NOCTURNE_TOP/tests/e2e/lib.sh"
export TZ=Europe/Paris

cat >conf.ini <<'X'
[database]
path = ./n.db
[mail]
transport = file
directory = ./outbox
from = Portail <no-reply@mairie.example>
X
tool() { run "$@" -c "$T/conf.ini"; }
q() { sqlite3 "$T/n.db" "$1"; }
# text FAMILY KIND: the decoded text part of that family's message of that kind
text() {
	f=$(ls "$T"/outbox/*".$2.$(q "SELECT ref FROM family WHERE family_id = '$1'")."*.eml 2>/dev/null | head -n 1)
	[ -n "$f" ] && sh "$TOP/scripts/showmail.sh" "$f"
}
state() { q "SELECT state || ':' || coalesce(reason, '') || ':' || coalesce(position, '') FROM request WHERE request_id = '$1'"; }

csv families fam.csv <<'X'
F1;Dupont;"a@x.fr; autre@x.fr"
F2;Martin;b@x.fr
F3;Durand;c@x.fr
X
csv children ch.csv <<'X'
C1;F1;Léa;Dupont
C2;F2;Tom;Martin
C3;F3;Inès;Durand
C4;F3;Noé;Durand
X
cat >act.csv <<'X'
activity_id;name;capacity;waitlist;promote_days
CANT;Cantine;1;oui;0
MER;Mercredi;1;oui;2
X
cat >op.csv <<'X'
activity_id;date
CANT;2019-12-10
CANT;2019-12-11
CANT;2019-12-12
MER;2019-12-06
X
csv requests r1.csv <<'X'
R1;C1;CANT;2019-12-10;reserve;2019-12-01 10:00
R2;C2;CANT;2019-12-10;reserve;2019-12-01 11:00
R3;C1;CANT;2019-12-11;reserve;2019-12-01 10:00
R4;C1;CANT;2019-12-12;reserve;2019-12-01 10:00
R5;C3;CANT;2019-12-11;reserve;2019-12-01 12:00
R6;C4;CANT;2019-12-12;reserve;2019-12-01 12:00
X
for k in families:fam children:ch activities:act openings:op requests:r1; do
	tool nocturne-import "${k%%:*}" "${k#*:}.csv"
	[ "$RC" -eq 0 ] || fail "import ${k%%:*}: $ERR"
done

t night1_then_morning1_reports_waiting
tool nocturne-transmit --now '2019-12-01 22:00'
expect_rc 0
expect_eq "$(state R2)" "waitlisted::1" R2
expect_eq "$(state R5)" "waitlisted::1" R5
# The night stopped before it wrote its places (a cut between its two
# commits, night.h): the morning writes them again from the requests, under
# the transmit lock, before it composes (a duplicate's line reads them).
HELD="SELECT activity_ref, day, state, child_ref, submitted_at, seq, position FROM held ORDER BY 1, 2, 3, 4, 5, 6"
q "$HELD" >held.ref
q "UPDATE batch SET places = 0; DELETE FROM held"
# F2 is not told tonight (no notify): its report comes after night 2.
# F3 is told this morning that both its children wait.
tool nocturne-notify -v --now '2019-12-02 07:00'
expect_rc 0
expect_contains "$ERR" "nocturne-notify: the slots' places (held) made again from the requests: the night of batch 1 stopped before it wrote them"
expect_eq "$(q 'SELECT places FROM batch')" 1 "places written"
expect_eq "$(q "$HELD")" "$(cat held.ref)" "held as the night had it"
expect_eq "$(q "SELECT count(*) FROM message WHERE kind = 'report'")" 3 reports
txt=$(text F3 report)
expect_contains "$txt" "Réservation — En liste d'attente (position 1)" F3
expect_contains "$txt" "liste d'attente" F3
expect_eq "$(printf '%s\n' "$txt" | grep -c "En liste d'attente (position 1)")" 2 "F3 waiting lines"
expect_contains "$(text F1 report)" "To: Dupont <a@x.fr>" "first address only"
ok

# F2 was told R2 waits (morning 1). Forget that mail to replay the case the
# contract names: promoted before any compte-rendu told the family.
t promoted_before_the_family_was_told
rm -f outbox/*
q "DELETE FROM message_request WHERE message_ref IN (SELECT ref FROM message WHERE family_ref = (SELECT ref FROM family WHERE family_id = 'F2'));
   DELETE FROM message_content WHERE message_ref IN (SELECT ref FROM message WHERE family_ref = (SELECT ref FROM family WHERE family_id = 'F2'));
   DELETE FROM message WHERE family_ref = (SELECT ref FROM family WHERE family_id = 'F2');
   UPDATE request_mail SET reported = 0 WHERE seq = (SELECT seq FROM request WHERE request_id = 'R2')"
csv requests r2.csv <<'X'
R7;C1;CANT;2019-12-10;cancel;2019-12-02 09:00
R8;C1;CANT;2019-12-11;annulation;2019-12-02 09:00
R9;C1;CANT;2019-12-12;cancel;2019-12-02 09:05
X
tool nocturne-import requests r2.csv
tool nocturne-transmit --now '2019-12-02 22:00'
expect_rc 0
expect_eq "$(state R1):$(state R2)" "cancelled:::accepted::" "R1 undone, R2 promoted"
expect_eq "$(state R5):$(state R6)" "accepted:::accepted::" "R5, R6 promoted"
tool nocturne-notify --now '2019-12-03 07:00'
expect_rc 0
# F2 never heard R2 wait: its compte-rendu says accepted, and no notice.
expect_eq "$(q "SELECT count(*) FROM message m JOIN family f ON f.ref = m.family_ref WHERE f.family_id = 'F2' AND m.kind = 'notice'")" 0 "F2 notices"
txt=$(text F2 report)
expect_contains "$txt" "mardi 10 décembre 2019 : Cantine" F2
expect_contains "$txt" "Réservation — Acceptée" F2
expect_not_contains "$txt" "attente" F2
ok

t one_notice_for_the_family_that_was_told
# F3 was told both children wait: one notice listing both.
expect_eq "$(q "SELECT count(*) FROM message m JOIN family f ON f.ref = m.family_ref WHERE f.family_id = 'F3' AND m.kind = 'notice'")" 1 "F3 notices"
txt=$(text F3 notice)
expect_contains "$txt" "Inès Durand" notice
expect_contains "$txt" "mercredi 11 décembre 2019 : Cantine" notice
expect_contains "$txt" "Noé Durand" notice
expect_contains "$txt" "jeudi 12 décembre 2019 : Cantine" notice
expect_eq "$(q "SELECT count(*) FROM message m JOIN family f ON f.ref = m.family_ref WHERE f.family_id = 'F3' AND m.kind = 'report'")" 1 "F3 reports (no new one)"
# F1: its cancellations are reported; the reservations keep the Acceptée
# they were given (already reported on morning 1).
txt=$(text F1 report)
expect_eq "$(printf '%s\n' "$txt" | grep -c 'Annulation — Acceptée')" 3 "F1 cancellations"
ok

t promote_days_waits_until_far_enough
csv requests r3.csv <<'X'
M1;C1;MER;2019-12-06;reserve;2019-12-01 09:00
M2;C2;MER;2019-12-06;reserve;2019-12-01 09:30
M3;C1;MER;2019-12-06;cancel;2019-12-02 08:00
X
tool nocturne-import requests r3.csv
cp n.db near.db
# Batch day 2019-12-03, slot 2019-12-06: 3 days ahead >= promote_days 2.
tool nocturne-transmit --now '2019-12-03 22:00'
expect_rc 0
expect_eq "$(state M1):$(state M2)" "cancelled:::accepted::" "far enough"
# Same data, batch day 2019-12-05: 1 day ahead < 2, the place stays free.
rm -f n.db-wal n.db-shm
cp near.db n.db
tool nocturne-transmit --now '2019-12-05 22:00'
expect_rc 0
expect_eq "$(state M1):$(state M2)" "cancelled:::waitlisted::1" "too near"
expect_eq "$(q 'SELECT n_promoted FROM batch ORDER BY batch_id DESC LIMIT 1')" 0 promoted
ok

t config_errors_name_section_key_value
printf '[transmit]\nexpire_waitlist = maybe\n' >bad.ini
run nocturne-transmit -c "$T/bad.ini"
expect_rc 78
expect_eq "$ERR" "nocturne-transmit: $T/bad.ini: [transmit] expire_waitlist = 'maybe': not yes or no"
run env NOCTURNE_CONFIG="$T/none.ini" nocturne-status
expect_rc 78
expect_eq "$ERR" "nocturne-status: $T/none.ini: cannot read configuration: No such file or directory"
ok

t built_in_defaults
# No -c, no $NOCTURNE_CONFIG (and none in /etc on test machines): the
# database is ./nocturne.db and mail goes as files into ./outbox.
if [ -e /etc/nocturne/nocturne.ini ]; then
	echo "SKIP: built_in_defaults /etc/nocturne/nocturne.ini exists here (it would be read)"
else
	saved_config=$NOCTURNE_CONFIG
	unset NOCTURNE_CONFIG
	mkdir d && cd d
	for k in families:fam children:ch activities:act openings:op requests:r1; do
		run nocturne-import "${k%%:*}" "../${k#*:}.csv"
		expect_rc 0
	done
	run nocturne-transmit --now '2019-12-01 22:00'
	expect_rc 0
	run nocturne-notify --now '2019-12-02 07:00'
	expect_rc 0
	[ -f nocturne.db ] || fail "no ./nocturne.db"
	expect_eq "$(ls outbox/*.eml 2>/dev/null | wc -l)" 3 "messages in ./outbox"
	cd "$T"
	export NOCTURNE_CONFIG="$saved_config"
	ok
fi
