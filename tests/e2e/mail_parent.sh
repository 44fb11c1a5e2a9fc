# mail_parent.sh - the mail a parent can act on (contract sections 6 and
# 6.1), end to end: import -> transmit -> notify to the real SMTP fixture,
# over libESMTP (no TLS) and libcurl (implicit TLS), and as files. Every
# message is read back by Python's strict mail parser and its calendar by
# python3-icalendar and python3-vobject; the envelope sender is read on
# the wire.
. "$NOCTURNE_TOP/tests/e2e/lib.sh"
. "$NOCTURNE_TOP/tests/fixtures/smtp_common.sh"
export TZ=Europe/Paris
READ="/usr/bin/python3 $TOP/tests/fixtures/mailread.py"

if ! /usr/bin/python3 -c 'import icalendar, vobject' 2>/dev/null; then
	echo "SKIP: mail_parent python3-icalendar or python3-vobject missing (make deps)"
	exit 0
fi

# conf NAME [LINES]: $T/NAME.ini on database $T/NAME.db, every 6.1 key set;
# LINES go at the end of [mail] (start a new section to leave it).
conf() {
	n=$1
	shift
	{
		printf '[database]\npath = %s/%s.db\n' "$T" "$n"
		printf '[mail]\nfrom = Portail Famille <no-reply@mairie.example>\n'
		printf 'portal_url = https://portail.mairie.example/famille\n'
		printf 'contact = Service Enfance, 01 23 45 67 89 (lundi-vendredi 9h-17h)\n'
		printf 'return_path = bounces@mairie.example\ncalendar = yes\n'
		for l in "$@"; do printf '%s\n' "$l"; done
	} >"$T/$n.ini"
}
tool() { n=$1; shift; run "$@" -c "$T/$n.ini"; }
q() { sqlite3 "$T/$1.db" "$2"; }
# msg DIR FAMILY_ID KIND: the .eml the server (or the outbox) got for that family and kind
msg() {
	ref=$(q "$DBN" "SELECT m.message_id FROM message m JOIN family f ON f.ref = m.family_ref WHERE f.family_id = '$2' AND m.kind = '$3' ORDER BY m.ref DESC LIMIT 1")
	grep -l -F "Message-ID: $ref" "$1"/*.eml 2>/dev/null | head -n 1
}


# The town: tests/fixtures/parent (also the docs' pictures, scripts/mailshots.sh).
FX=$TOP/tests/fixtures/parent
conf town
for k in families children activities openings; do
	tool town nocturne-import "$k" "$FX/$k.csv"
	[ "$RC" -eq 0 ] || { echo "FAIL: import $k: $ERR"; exit 1; }
done
for k in requests:requests1; do
	tool town nocturne-import "${k%%:*}" "$FX/${k#*:}.csv"
	[ "$RC" -eq 0 ] || { echo "FAIL: import ${k%%:*}: $ERR"; exit 1; }
done
tool town nocturne-transmit --now '2019-12-02 22:00'
[ "$RC" -eq 0 ] || { echo "FAIL: transmit: $ERR"; exit 1; }
cp town.db curl.db
cp town.db file.db

# notify_by_smtp DB WHAT: the morning of database DB over the server started,
# three messages received, each with MAIL FROM bounces+m<ref>@mairie.example
# where ref is the stored message's ref (WHAT: said in a failure).
notify_by_smtp() {
	DBN=$1
	tool "$1" nocturne-notify --now '2019-12-03 07:00'
	expect_rc 0
	expect_empty "$ERR" stderr
	expect_eq "$(count_eml)" 3 "messages received$2"
	for f in "$MAILDIR"/*.env; do
		to=$(sed -n 's/^to //p' "$f")
		ref=$(q "$1" "SELECT ref FROM message WHERE recipient = '$to'")
		expect_eq "$(sed -n 's/^from //p' "$f")" "bounces+m$ref@mairie.example" "envelope of $to$2"
	done
}

t morning_over_libesmtp_verp_on_the_wire
start_smtpd esmtp
conf town 'transport = smtp' '[smtp]' 'host = 127.0.0.1' "port = $PORT" 'tls = none' 'timeout = 10'
notify_by_smtp town ""
expect_eq "$(sort "$MAILDIR/.mail" | tr '\n' ' ')" \
	"$(q town "SELECT 'bounces+m' || ref || '@mairie.example' FROM message ORDER BY 1" | tr '\n' ' ')" "MAIL FROM commands"
expect_eq "$($READ check "$MAILDIR"/*.eml)" "ok 3" "strict parse"
ok

t summary_first_the_why_and_until_when
f=$(msg "$MAILDIR" F1 report)
expect_eq "$($READ header "$f" Content-Language)" fr Content-Language
expect_eq "$($READ header "$f" Subject)" \
	"Portail Famille : compte-rendu du mardi 03 décembre 2019 pour Éloïse, Louise et Zoé" Subject
txt=$($READ text "$f")
expect_contains "$txt" "Bonjour,

En résumé : 1 en liste d'attente, 2 refusées." summary
# Names in French order: Éloïse before Louise before Zoé.
expect_eq "$(printf '%s\n' "$txt" | grep -E '^(Éloïse|Louise|Zoé) ' | tr '\n' ',')" \
	"Éloïse Lefèvre,Louise Lefèvre,Zoé Lefèvre," "French order"
expect_contains "$txt" "Éloïse Lefèvre
  - jeudi 05 décembre 2019 : Restaurant scolaire, École Jules Ferry (arrivée 11h30)
    Réservation — En liste d'attente (position 1)
    Annulation possible sur le portail jusqu'au mercredi 04 décembre 2019 à 10h00." waitlisted
expect_contains "$txt" "Louise Lefèvre
  - jeudi 05 décembre 2019 : Accueil du soir (arrivée 15h00)
    Réservation — Refusée : horaires incompatibles
    Horaires de l'activité : de 16h30 à 18h30." times
expect_contains "$txt" "    Réservation — Refusée : activité complète
    Toutes les places étaient prises et la liste d'attente (1 place) était complète aussi." full
expect_contains "$txt" "Pour la demande en liste d'attente, nous vous écrirons si une place se libère." reminder
expect_contains "$txt" "Pour réserver ou annuler : https://portail.mairie.example/famille" portal
expect_contains "$txt" "Pour nous joindre : Service Enfance, 01 23 45 67 89 (lundi-vendredi 9h-17h)" contact
expect_not_contains "$txt" "averti"
html=$($READ html "$f")
expect_contains "$html" '<a href="https://portail.mairie.example/famille">' "HTML link"
expect_contains "$html" ">Éloïse Lefèvre</h2>" "HTML heading"
expect_contains "$html" "Pour nous joindre : Service Enfance" "HTML contact"
# Nothing accepted in F1's report: no calendar attached.
expect_not_contains "$(cat "$f")" "text/calendar" "F1 calendar"
f=$(msg "$MAILDIR" F2 report)
txt=$($READ text "$f")
expect_contains "$txt" "Léa Martin (fiche C4)
  - mardi 03 décembre 2019 : Restaurant scolaire, École Jules Ferry (arrivée 11h30)
    Réservation — Refusée : hors délai
    Il fallait la faire jusqu'au lundi 02 décembre 2019 à 10h00 ; elle a été envoyée le lundi 02 décembre 2019 à 11h00." "twin C4, deadline"
expect_contains "$txt" "    Réservation — Refusée : déjà demandée
    La demande précédente pour ce jour (envoyée le dimanche 01 décembre 2019 à 13h00) est acceptée : c'est elle qui compte." duplicate
expect_contains "$txt" "Léa Martin (fiche C5)
  - jeudi 05 décembre 2019 : Accueil du soir
    Réservation — Refusée : horaires incompatibles
    Horaires de l'activité : de 16h30 à 18h30 ; l'heure d'arrivée n'était pas indiquée." "twin C5"
expect_contains "$txt" "En résumé : 1 acceptée, 3 refusées." "F2 summary"
# The one accepted reservation, in the calendar at its own hours (Paris is UTC+1).
R6=$(q town "SELECT seq FROM request WHERE request_id = 'R6'")
expect_eq "$($READ ics "$f")" \
	"nocturne-request-$R6@mairie.example 0 CONFIRMED 2019-12-05T15:45Z 2019-12-05T17:00Z Accueil du soir — Léa Martin (fiche C4) | " F2-calendar
ok

t calendar_uid_then_cancelled
f=$(msg "$MAILDIR" F3 report)
R1=$(q town "SELECT seq FROM request WHERE request_id = 'R1'")
expect_eq "$($READ ics "$f")" \
	"nocturne-request-$R1@mairie.example 0 CONFIRMED 2019-12-05T10:30Z 2019-12-05T12:30Z Restaurant scolaire — Rose Bernard | École Jules Ferry" F3-calendar
tool town nocturne-import requests "$FX/requests2.csv"
tool town nocturne-transmit --now '2019-12-03 22:00'
expect_rc 0
expect_eq "$(q town "SELECT state FROM request WHERE request_id IN ('R1','R2') ORDER BY request_id" | tr '\n' ' ')" \
	"cancelled accepted " "R1 cancelled, R2 promoted"
tool town nocturne-notify --now '2019-12-04 08:00'
expect_rc 0
expect_eq "$($READ check "$MAILDIR"/*.eml)" "ok 5" "strict parse"
f=$(msg "$MAILDIR" F3 report)
expect_contains "$($READ text "$f")" "Annulation — Acceptée" "F3 cancellation"
# Same UID, higher SEQUENCE, STATUS:CANCELLED: a calendar that imported it updates.
expect_eq "$($READ ics "$f")" \
	"nocturne-request-$R1@mairie.example 1 CANCELLED 2019-12-05T10:30Z 2019-12-05T12:30Z Restaurant scolaire — Rose Bernard | École Jules Ferry" F3-cancel
ok

t notice_subject_and_until_when
f=$(msg "$MAILDIR" F1 notice)
expect_eq "$($READ header "$f" Subject)" \
	"Place obtenue pour Éloïse : jeudi 05 décembre 2019, Restaurant scolaire" Subject
expect_eq "$($READ header "$f" X-Nocturne-Kind)" notice kind
txt=$($READ text "$f")
expect_contains "$txt" "Bonjour,

En résumé : 1 place obtenue." summary
expect_contains "$txt" "une place s'est libérée" agreement
expect_contains "$txt" "Éloïse Lefèvre
  - jeudi 05 décembre 2019 : Restaurant scolaire, École Jules Ferry (arrivée 11h30)
    Annulation possible sur le portail jusqu'au mercredi 04 décembre 2019 à 10h00." "until when"
R2=$(q town "SELECT seq FROM request WHERE request_id = 'R2'")
expect_eq "$($READ ics "$f")" \
	"nocturne-request-$R2@mairie.example 0 CONFIRMED 2019-12-05T10:30Z 2019-12-05T12:30Z Restaurant scolaire — Éloïse Lefèvre | École Jules Ferry" notice-calendar
ok

# notice_again NAME NOW [SQL]: NAME.db, a copy of town.db where F1's notice
# for R2 is owed again (then SQL), composed at NOW into $T/NAME-out with the
# file transport (no portal_url, contact nor calendar); f is that notice.
notice_again() {
	cp town.db "$1.db"
	q "$1" "DELETE FROM message_request WHERE message_ref IN (SELECT ref FROM message WHERE kind = 'notice');
 DELETE FROM message_content WHERE message_ref IN (SELECT ref FROM message WHERE kind = 'notice');
 DELETE FROM message WHERE kind = 'notice';
 UPDATE request_mail SET notice = 1 WHERE seq = (SELECT seq FROM request WHERE request_id = 'R2');
 ${3:-}"
	printf '[mail]\nfrom = Portail Famille <no-reply@mairie.example>\ntransport = file\ndirectory = %s/%s-out\n' "$T" "$1" >"$T/$1.ini"
	printf '[database]\npath = %s/%s.db\n' "$T" "$1" >>"$T/$1.ini"
	tool "$1" nocturne-notify --now "$2"
	expect_rc 0
	DBN=$1
	f=$(msg "$T/$1-out" F1 notice)
}

t too_late_to_cancel_online
# The same notice composed after the deadline says so.
notice_again late '2019-12-04 10:00'
txt=$($READ text "$f")
expect_contains "$txt" "    Trop tard pour annuler en ligne (c'était possible jusqu'au mercredi 04 décembre 2019 à 10h00)." "too late"
# No portal_url, contact or calendar configured: none shown.
expect_not_contains "$txt" "Pour réserver ou annuler"
expect_not_contains "$txt" "Pour nous joindre"
expect_not_contains "$(cat "$f")" "text/calendar"
ok

t until_when_follows_the_open_day_rule
# The deadline the mail gives is the night's (rules_deadline): with
# deadline_rule = open, "1 day before" Thursday 5 is the canteen's open day
# before it, Tuesday 3, not Wednesday 4.
# (the morning after batch 2, whose clock is 2019-12-03 22:00: that
# Tuesday's 10:00 has passed, and the line names it)
notice_again open '2019-12-04 07:00' "UPDATE activity SET deadline_rule = 'open' WHERE activity_id = 'CANT'"
expect_contains "$($READ text "$f")" "    Trop tard pour annuler en ligne (c'était possible jusqu'au mardi 03 décembre 2019 à 10h00)." "open-day deadline"
ok

t morning_over_libcurl_implicit_tls_verp
sh "$TOP/tests/fixtures/mkcerts.sh" "$T/pki" || fail "mkcerts"
start_smtpd curl --cert "$T/pki/server.pem" --key "$T/pki/server.key" --implicit-tls
conf curl 'transport = smtp' '[smtp]' 'host = localhost' "port = $PORT" 'tls = tls' "ca_file = $T/pki/ca.pem" 'timeout = 10'
notify_by_smtp curl " (libcurl)"
expect_eq "$($READ check "$MAILDIR"/*.eml)" "ok 3" "strict parse"
ok

t file_transport_has_no_return_path
{
	printf '[database]\npath = %s/file.db\n' "$T"
	printf '[mail]\nfrom = Portail Famille <no-reply@mairie.example>\ntransport = file\n'
	printf 'directory = %s/file-out\nreturn_path = bounces@mairie.example\ncalendar = yes\n' "$T"
} >"$T/file.ini"
tool file nocturne-notify --now '2019-12-03 07:00'
expect_rc 0
expect_eq "$(ls "$T/file-out" | wc -l)" 3 files
expect_eq "$(grep -il '^Return-Path' "$T"/file-out/*.eml | wc -l)" 0 "Return-Path headers"
expect_eq "$($READ check "$T"/file-out/*.eml)" "ok 3" "strict parse"
ok

t bad_keys_exit_78_naming_the_key
for bad in 'portal_url = portail.mairie.example' 'portal_url = ftp://portail.example/' \
	"contact = Service$(printf '\033')[1mEnfance" 'return_path = bounces'; do
	printf '[mail]\n%s\n' "$bad" >"$T/bad.ini"
	run nocturne-notify -c "$T/bad.ini" --db "$T/town.db" --now '2019-12-05 07:00'
	expect_rc 78
	key=$(printf '%s' "$bad" | cut -d' ' -f1)
	expect_contains "$ERR" "nocturne-notify: $T/bad.ini: [mail] $key" "78 for $key"
done
expect_eq "$(q town 'SELECT count(*) FROM message')" 5 "nothing composed"
ok
