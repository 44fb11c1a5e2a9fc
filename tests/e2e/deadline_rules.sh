# deadline_rules.sh - the three deadline rules (contract sections 3 and 4)
# through the real tools over three nights: "la veille ouvrée" (open),
# "avant jeudi 9 h pour la semaine suivante" (week:jeudi), "2 jours avant"
# (calendar); the night's refusals, --request's words, the import's checks.
. "$NOCTURNE_TOP/tests/e2e/lib.sh"

n_db
state() { q "SELECT state || ':' || coalesce(reason, '') FROM request WHERE request_id = '$1'"; }

csv families fam.csv <<'X'
F1;Dupont;a@x.fr
X
csv children ch.csv <<'X'
C1;F1;Léa;Dupont
C2;F1;Hugo;Dupont
X
cat >act.csv <<'X'
activity_id;name;capacity;deadline_days;deadline_time;deadline_rule
CANTINE;Restaurant scolaire;;1;11:00;ouvré
GARDERIE;Garderie;;;09:00;semaine:jeudi
ETUDE;Étude surveillée;;2;10:00;
X
# The canteen opens Monday, Tuesday, Thursday, Friday (no school on
# Wednesday); the others every weekday. Two weeks of December 2019.
{
	echo 'activity_id;date'
	for d in 02 03 05 06 09 10 12 13 16 17 19 20; do echo "CANTINE;2019-12-$d"; done
	for d in 02 03 04 05 06 09 10 11 12 13 16 17 18 19 20; do
		echo "GARDERIE;2019-12-$d"
		echo "ETUDE;2019-12-$d"
	done
} >open.csv

t deadline_rules_import
run nocturne-import families fam.csv
expect_rc 0
run nocturne-import children ch.csv
expect_rc 0
run nocturne-import activities act.csv
expect_rc 0
run nocturne-import openings open.csv
expect_rc 0
expect_eq "$(q "SELECT activity_id || ':' || deadline_rule || ':' || deadline_wday FROM activity ORDER BY activity_id")" \
	"CANTINE:open:0
ETUDE:calendar:0
GARDERIE:week:3"
ok

t deadline_rules_bad_rows
cat >bad.csv <<'X'
activity_id;name;deadline_days;deadline_rule
CANTINE;Restaurant scolaire;1;calendar
X1;x;1;ouvrable
X2;x;1;week:
X3;x;1;semaine:jeud
X4;x;-1;open
X5;x;1;week:thu
CANTINE;Restaurant scolaire;1;open
X
cp n.db before.db
run nocturne-import activities bad.csv
expect_rc 65
expect_eq "$ERR" "nocturne-import: bad.csv:3: column deadline_rule: 'ouvrable' is not calendar, open or week:DAY
nocturne-import: bad.csv:4: column deadline_rule: 'week:' has no day (week:jeudi, week:thu)
nocturne-import: bad.csv:5: column deadline_rule: 'semaine:jeud' names no weekday (lundi..dimanche, monday..sunday, or three letters)
nocturne-import: bad.csv:6: column deadline_days: '-1' is not a whole number from 0 to 3660
nocturne-import: bad.csv:8: column activity_id: activity CANTINE already on line 2 with other values: deadline_rule calendar ≠ open
nocturne-import: bad.csv: 5 bad rows out of 7, nothing imported"
expect_eq "$(q "SELECT count(*) FROM activity")" 3 "activities"
expect_eq "$(q "SELECT deadline_rule FROM activity WHERE activity_id = 'CANTINE'")" open "rule kept"
ok

# Night 1, Thursday 2019-12-05 22:00.
csv requests r1.csv <<'X'
r1;C1;CANTINE;2019-12-09;reserve;2019-12-05 10:00
r2;C1;CANTINE;2019-12-12;reserve;2019-12-05 10:00
r3;C1;GARDERIE;2019-12-09;reserve;2019-12-05 08:59:59
r4;C1;GARDERIE;2019-12-13;reserve;2019-12-05 09:00
r5;C1;ETUDE;2019-12-09;reserve;2019-12-05 10:00
X
t deadline_rules_night1
run nocturne-import requests r1.csv
expect_rc 0
run nocturne-transmit --now '2019-12-05 22:00'
expect_rc 0
expect_states r1:accepted: r2:accepted: r3:accepted: r4:refused:deadline r5:accepted:
expect_eq "$(rule_of r4)" "refused: submitted 2019-12-05 09:00:00, at the deadline (on time means before it): le jeudi de la semaine précédente (jeudi 05 décembre 2019) à 09 h 00"
ok

# Night 2, Sunday 2019-12-08 22:00: a Monday canteen request made on
# Saturday is late (the Friday before), where 1 calendar day would be Sunday.
csv requests r2.csv <<'X'
r6;C2;CANTINE;2019-12-09;reserve;2019-12-07 09:00
r7;C2;ETUDE;2019-12-09;reserve;2019-12-07 09:59
r8;C2;GARDERIE;2019-12-16;reserve;2019-12-07 09:00
r9;C2;CANTINE;2019-12-10;reserve;2019-12-07 09:00
r9b;C2;ETUDE;2019-12-10;reserve;2019-12-08 10:00
X
t deadline_rules_night2
run nocturne-import requests r2.csv
expect_rc 0
run nocturne-transmit --now '2019-12-08 22:00'
expect_rc 0
expect_states r6:refused:deadline r7:accepted: r8:accepted: r9:accepted: r9b:refused:deadline
expect_eq "$(rule_of r6)" "refused: submitted 2019-12-07 09:00:00, after the deadline: la veille ouvrée (vendredi 06 décembre 2019) à 11 h 00"
expect_eq "$(rule_of r9b)" "refused: submitted 2019-12-08 10:00:00, at the deadline (on time means before it): 2 jours avant (dimanche 08 décembre 2019) à 10 h 00"
ok

# Night 3, Tuesday 2019-12-10 22:00: Thursday's deadline is Tuesday (no
# school on Wednesday). An activities file without the column keeps the rule.
csv requests r3.csv <<'X'
r10;C2;CANTINE;2019-12-12;reserve;2019-12-10 10:59
r11;C2;CANTINE;2019-12-13;reserve;2019-12-10 11:30
r12;C1;CANTINE;2019-12-11;reserve;2019-12-02 08:00
r13;C1;CANTINE;2019-12-13;reserve;2019-12-12 11:30
r14;C1;GARDERIE;2019-12-20;reserve;2019-12-10 12:00
X
t deadline_rules_night3
printf 'activity_id;name;capacity\nCANTINE;Restaurant scolaire;30\n' >act2.csv
run nocturne-import activities act2.csv
expect_rc 0
expect_eq "$(q "SELECT capacity || ':' || deadline_rule || ':' || deadline_days || ':' || deadline_time FROM activity WHERE activity_id = 'CANTINE'")" "30:open:1:660" "kept"
run nocturne-import requests r3.csv
expect_rc 0
run nocturne-transmit --now '2019-12-12 22:00'
expect_rc 0
expect_states r10:accepted: r11:accepted: r12:refused:closed r13:refused:deadline r14:accepted:
expect_eq "$(rule_of r13)" "refused: submitted 2019-12-12 11:30:00, after the deadline: la veille ouvrée (jeudi 12 décembre 2019) à 11 h 00"
# The deadline follows the openings known at the night: a new opening on
# Wednesday 12-11 would have moved Thursday's deadline; none was imported.
expect_eq "$(q "SELECT count(*) FROM opening o JOIN activity a ON a.ref = o.activity_ref WHERE a.activity_id = 'CANTINE' AND o.day = (julianday('2019-12-11') - 2440587.5)")" 0 "no Wednesday"
ok

t deadline_rules_back_to_calendar
# An explicit empty value sets the default, calendar.
printf 'activity_id;name;deadline_rule\nCANTINE;Restaurant scolaire;\n' >act3.csv
run nocturne-import activities act3.csv
expect_rc 0
expect_eq "$(q "SELECT deadline_rule FROM activity WHERE activity_id = 'CANTINE'")" calendar
ok
