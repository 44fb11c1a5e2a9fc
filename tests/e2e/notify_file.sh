# nocturne-notify with the file transport: composition, bookkeeping, exit
# codes. The town and every night are made by the real tools (import, then
# transmit --now), as tests/e2e/night_to_mail.sh does: no decision, batch or
# "reported" flag is written by hand.
. "$NOCTURNE_TOP/tests/e2e/lib.sh"
. "$NOCTURNE_TOP/tests/e2e/notify-fixture.inc"
export TZ=Europe/Paris
DB=$T/n.db
NOW='2019-12-03 07:00'
file_conf
q() { sqlite3 "$DB" "$1"; }
notify() { run nocturne-notify -c "$T/conf.ini" --db "$DB" "$@"; }
eml() { ls "$T"/outbox/*".$1.$2."*.eml 2>/dev/null; } # eml KIND FAMILY_REF
imp() { # imp KIND FILE: import, or stop the script (the fixture is broken)
	nocturne-import -c "$T/conf.ini" --db "$DB" "$1" "$2" ||
		{ echo "FAIL: import $1 $2"; exit 1; }
}
night() { # night 'YYYY-MM-DD HH:MM': transmit, or stop the script
	nocturne-transmit -c "$T/conf.ini" --db "$DB" --now "$1" ||
		{ echo "FAIL: transmit at $1"; exit 1; }
}

# A town: 4 families, 5 children, 4 activities.
#  F1 Dupont: first address valid (second ignored); two children.
#  F2 Martin: no address.  F3 Bernard: invalid first address.
#  F4 "Evil": a name and child with CR/LF (below), valid address.
csv families fam.csv <<'X'
F1;Famille Dupont;" marie.dupont@example.org ; paul@example.org"
F2;Famille Martin;
F3;Famille Bernard;"pas-une-adresse;ok@example.org"
F4;Evil;evil@example.org
X
csv children ch.csv <<'X'
C1;F1;Léa;Dupont
C2;F1;Hugo;Dupont
C3;F2;Jade;Martin
C4;F3;Tom;Bernard
C5;F4;X;Evil
X
cat >act.csv <<'X'
activity_id;name;capacity;waitlist;hours
CANT;Cantine;10;oui;
SOIR;Accueil du soir;2;3;
MERC;Centre de loisirs <mercredi> & co;5;non;
ETUD;Étude;5;non;16:30-18:00
X
# The canteen has no place left on the 3rd and the 5th (capacity 0: whoever
# asks waits), the centre none on Wednesday the 4th; the centre is closed on
# Saturday the 7th; the evening care has no place on the 13th.
cat >open.csv <<'X'
activity_id;date;capacity
CANT;2019-12-02;
CANT;2019-12-03;0
CANT;2019-12-05;0
CANT;2019-12-06;
CANT;2019-12-09;
CANT;2019-12-12;
SOIR;2019-12-06;
SOIR;2019-12-13;0
MERC;2019-12-04;0
ETUD;2019-12-06;
X
for k in families:fam children:ch activities:act openings:open; do
	imp "${k%%:*}" "${k#*:}.csv"
done
# The importer refuses control characters (import_errors.sh), so a name
# holding CR/LF only comes from a database written by other means: the
# composer must still not let it add a header.
q "UPDATE family SET name = 'Evil' || char(13,10) || 'Bcc: victim@example.org' WHERE family_id = 'F4';
 UPDATE child SET first_name = 'X' || char(10) || 'Subject: pwned' WHERE child_id = 'C5'"

# Night 1, Monday 2019-12-02 22:00 (the deadline: before the day itself).
# R1-R5 are F1's (seq 1-5); Jade's J1 waits first for the 5th, so Léa's R2
# waits at position 2; R7 comes too late, R8 without the hours the study
# needs; R9 is sent after the night and stays pending.
cat >r1.csv <<'X'
request_id;child_id;activity_id;date;action;arrival;departure;submitted_at
R1;C1;SOIR;2019-12-06;reserve;16:30;18:00;2019-12-01 10:00
R2;C1;CANT;2019-12-05;reserve;;;2019-12-01 10:01
R3;C2;MERC;2019-12-04;reserve;;;2019-12-01 10:02
R4;C2;MERC;2019-12-07;reserve;;;2019-12-01 10:03
R5;C2;CANT;2019-12-09;cancel;;;2019-12-01 10:04
R6;C3;CANT;2019-12-06;reserve;;;2019-12-01 10:05
R7;C4;CANT;2019-12-02;reserve;;;2019-12-02 10:06
R8;C5;ETUD;2019-12-06;reserve;;;2019-12-01 10:07
R9;C1;CANT;2019-12-03;reserve;;;2019-12-02 23:00
J1;C3;CANT;2019-12-05;reserve;;;2019-12-01 09:00
X
imp requests r1.csv
night '2019-12-02 22:00'

t dry_run_changes_nothing
notify --now "$NOW" --dry-run
expect_rc 0
expect_contains "$OUT" "=== report for family F1 (Famille Dupont) to marie.dupont@example.org"
expect_contains "$OUT" "Subject: Portail Famille : compte-rendu du mardi 03 décembre 2019 pour Hugo et Léa"
expect_contains "$OUT" "Réservation — En liste d'attente (position 2)"
expect_contains "$OUT" "=== report for family F2 (Famille Martin) skipped: no e-mail address"
expect_contains "$OUT" "dry run: would compose 4 compte-rendu(s) and 0 notice(s) (2 skipped)"
expect_empty "$ERR" stderr
expect_eq "$(q 'SELECT count(*) FROM message')" 0 messages
expect_eq "$(q 'SELECT count(*) FROM request_mail WHERE reported = 1')" 0 reported
[ -e "$T/outbox" ] && fail "outbox created by a dry run"
ok

t one_report_per_family
notify --now "$NOW"
expect_rc 0
expect_empty "$OUT" stdout
expect_empty "$ERR" stderr
expect_eq "$(q "SELECT family_ref || ':' || kind || ':' || state || ':' || coalesce(recipient, '') || ':' || coalesce(reason, '') FROM message ORDER BY family_ref")" \
"1:report:sent:marie.dupont@example.org:written to $T/outbox/$(basename "$(eml report 1)")
2:report:skipped::no e-mail address
3:report:skipped:pas-une-adresse:invalid address 'pas-une-adresse'
4:report:sent:evil@example.org:written to $T/outbox/$(basename "$(eml report 4)")" messages
expect_eq "$(ls "$T/outbox" | wc -l)" 2 files
expect_eq "$(q 'SELECT group_concat(seq) FROM message_request WHERE message_ref = 1')" 1,2,3,4,5 covered
expect_eq "$(q "SELECT group_concat(seq) FROM request r WHERE NOT EXISTS (SELECT 1 FROM request_mail k WHERE k.seq = r.seq AND k.reported = 1)")" 9 unreported
ok

t report_content
f=$(eml report 1)
expect_eq "$(hdr "$f" To)" "Famille Dupont <marie.dupont@example.org>" To
expect_eq "$(hdr "$f" From)" "Portail Famille <no-reply@mairie.example>" From
expect_eq "$(hdr "$f" Subject)" "Portail Famille : compte-rendu du mardi 03 décembre 2019 pour Hugo et Léa" Subject
expect_eq "$(hdr "$f" Content-Language)" "fr" Content-Language
expect_eq "$(hdr "$f" Date)" "Tue, 03 Dec 2019 07:00:00 +0100" Date
expect_eq "$(hdr "$f" Message-ID)" "$(q 'SELECT message_id FROM message WHERE ref = 1')" Message-ID
expect_eq "$(hdr "$f" Auto-Submitted)" "auto-generated" Auto-Submitted
expect_eq "$(hdr "$f" MIME-Version)" "1.0" MIME-Version
expect_eq "$(hdr "$f" X-Nocturne-Kind)" "report" X-Nocturne-Kind
text=$(qp_text "$f")
expect_contains "$text" "Hugo Dupont
  - mercredi 04 décembre 2019 : Centre de loisirs <mercredi> & co
    Réservation — Refusée : activité complète
    Toutes les places étaient prises, et cette activité n'a pas de liste d'attente.
  - samedi 07 décembre 2019 : Centre de loisirs <mercredi> & co
    Réservation — Refusée : activité non ouverte ce jour
  - lundi 09 décembre 2019 : Cantine
    Annulation — Refusée : aucune réservation à annuler

Léa Dupont
  - jeudi 05 décembre 2019 : Cantine
    Réservation — En liste d'attente (position 2)
    Annulation possible sur le portail jusqu'au mercredi 04 décembre 2019 à 23h59.
  - vendredi 06 décembre 2019 : Accueil du soir (arrivée 16h30, départ 18h00)
    Réservation — Acceptée"
expect_contains "$text" "Bonjour,

En résumé : 1 acceptée, 1 en liste d'attente, 3 refusées."
expect_contains "$text" "nous vous écrirons si une place se libère"
expect_not_contains "$text" "averti"
cmp -s "$f" "$(q 'SELECT writefile('"'$T/stored.eml'"', content) FROM message_content WHERE message_ref = 1' >/dev/null; echo "$T/stored.eml")" ||
	fail "file differs from the stored bytes"
grep -q "$(printf '[^\r]$')" "$f" && fail "a line without CR"
f4=$(eml report 4)
expect_eq "$(grep -c '^Bcc' "$f4")" 0 "Bcc header"
expect_eq "$(hdr "$f4" To)" '"Evil Bcc: victim@example.org" <evil@example.org>' "To of F4"
expect_contains "$(qp_text "$f4")" "Refusée : horaires incompatibles"
ok

t rerun_composes_nothing
notify --now '2019-12-03 08:00'
expect_rc 0
expect_eq "$(q 'SELECT count(*) FROM message')" 4 messages
expect_eq "$(ls "$T/outbox" | wc -l)" 2 files
ok

t notice_after_promotion
# Night 2: the canteen's 5th gets 2 places; J1 then R2 (reported as
# waitlisted) are promoted: F1 is owed a notice (F2 one too, but it has no
# address). Léa's R9 for the 3rd waits (position 1) and is reported.
printf 'activity_id;date;capacity\nCANT;2019-12-05;2\n' >open2.csv
imp openings open2.csv
night '2019-12-03 22:00'
expect_eq "$(q "SELECT state FROM request WHERE request_id IN ('J1', 'R2') ORDER BY seq")" "accepted
accepted" "J1, R2 promoted"
run nocturne-notify -c "$T/conf.ini" --db "$DB" --now '2019-12-04 07:00' -v
expect_rc 0
expect_contains "$ERR" "composed 1 compte-rendu(s), 2 notice(s), 1 skipped; sent 2"
f=$(eml notice 1)
expect_eq "$(hdr "$f" Subject)" "Place obtenue pour Léa : jeudi 05 décembre 2019, Cantine" Subject
expect_eq "$(hdr "$f" X-Nocturne-Kind)" "notice" X-Nocturne-Kind
text=$(qp_text "$f")
expect_contains "$text" "Léa Dupont
  - jeudi 05 décembre 2019 : Cantine
    Annulation possible sur le portail jusqu'au mercredi 04 décembre 2019 à 23h59.
"
expect_contains "$text" "annulez-la sur le portail le plus tôt possible"
expect_not_contains "$text" "Hugo"
expect_eq "$(q 'SELECT notice FROM request_mail WHERE seq = 2')" 2 notice
run nocturne-notify -c "$T/conf.ini" --db "$DB" --now '2019-12-04 08:00'
expect_eq "$(q "SELECT count(*) FROM message WHERE kind = 'notice' AND family_ref = 1")" 1 notices
ok

t cancelled_shows_accepted
# A night at 22:00 accepts R10 and puts R12 at position 3 (Jade and Tom wait
# before it); another run at 02:00 (an operator's) takes R11 and R13, which
# undo them: nobody told F1 of R10 and R12 in between. The first also
# expires R9 (its date passed), reported the morning before.
cat >r3.csv <<'X'
request_id;child_id;activity_id;date;action;submitted_at
R10;C2;CANT;2019-12-12;reserve;2019-12-04 08:00
R12;C2;SOIR;2019-12-13;reserve;2019-12-04 08:02
J2;C3;SOIR;2019-12-13;reserve;2019-12-04 07:30
T2;C4;SOIR;2019-12-13;reserve;2019-12-04 07:31
X
imp requests r3.csv
night '2019-12-04 22:00'
csv requests r4.csv <<'X'
R11;C2;CANT;2019-12-12;cancel;2019-12-04 23:00
R13;C2;SOIR;2019-12-13;cancel;2019-12-04 23:01
X
imp requests r4.csv
night '2019-12-05 02:00'
expect_eq "$(q "SELECT group_concat(s, ' ') FROM (SELECT request_id || ':' || state AS s FROM request
 WHERE request_id IN ('R9', 'R10', 'R11', 'R12', 'R13') ORDER BY seq)")" \
	"R9:expired R10:cancelled R12:cancelled R11:accepted R13:accepted" states
notify --now '2019-12-05 07:00'
expect_rc 0
f=$(eml report 1 | grep 20191205)
text=$(qp_text "$f")
# Not accepted first (the waiting line that was cancelled since), then the rest.
expect_contains "$text" "Hugo Dupont
  - vendredi 13 décembre 2019 : Accueil du soir
    Réservation — En liste d'attente (position 3)
  - jeudi 12 décembre 2019 : Cantine
    Réservation — Acceptée
  - jeudi 12 décembre 2019 : Cantine
    Annulation — Acceptée
  - vendredi 13 décembre 2019 : Accueil du soir
    Annulation — Acceptée"
expect_contains "$text" "  - mardi 03 décembre 2019 : Cantine
    Réservation — Non retenue : liste d'attente close"
expect_not_contains "$text" "si une place se libère"
ok

t deferred_exits_75
# A message deferred until 09:00 (as an SMTP server's 4xx leaves it:
# notify_smtp.sh makes one for real) waits for its time.
q "INSERT INTO message(kind, family_ref, recipient, subject, message_id, created_at, next_at)
 VALUES ('report', 1, 'marie.dupont@example.org', 's', '<later@x>', 0, $(I '2019-12-05 09:00'));
 INSERT INTO message_content VALUES (last_insert_rowid(), 'x')" >/dev/null
notify --now '2019-12-05 08:00'
expect_rc 75
expect_contains "$ERR" "nocturne-notify: 1 message(s) deferred, next attempt at 2019-12-05 09:00:00"
notify --now '2019-12-05 09:00'
expect_rc 0
expect_empty "$ERR" stderr
expect_eq "$(q "SELECT state FROM message WHERE message_id = '<later@x>'")" sent state
[ -f "$T/outbox/later_x.eml" ] || fail "later_x.eml not written"
ok

t outbox_errors_74
# F2 gets an address, and a night decides a new request of Jade's.
printf '[mail]\ntransport = file\ndirectory = %s/no/such/dir\n' "$T" >"$T/bad.ini"
csv families fam2.csv <<'X'
F2;Famille Martin;jade@example.org
X
imp families fam2.csv
csv requests r5.csv <<'X'
J3;C3;CANT;2019-12-09;reserve;2019-12-05 10:00
X
imp requests r5.csv
night '2019-12-05 22:00'
run nocturne-notify -c "$T/bad.ini" --db "$DB" --now '2019-12-06 07:00'
expect_rc 74
expect_eq "$ERR" "nocturne-notify: $T/bad.ini: [mail] directory: $T/no/such/dir: cannot create mail directory: No such file or directory" stderr
expect_eq "$(q "SELECT state FROM message WHERE family_ref = 2 ORDER BY ref DESC LIMIT 1")" pending "stays pending"
notify --now '2019-12-06 07:05'
expect_rc 0
expect_eq "$(q "SELECT state FROM message WHERE family_ref = 2 ORDER BY ref DESC LIMIT 1")" sent "then sent"
ok

t config_and_input_errors
printf '[mail]\nfrom = Portail Famille\n' >"$T/from.ini"
run nocturne-notify -c "$T/from.ini" --db "$DB" --now '2019-12-06 08:00'
expect_rc 78
expect_eq "$ERR" "nocturne-notify: $T/from.ini: [mail] from 'Portail Famille' is not a valid mailbox" stderr
printf '[mail]\nreply_to = nobody\n' >"$T/rt.ini"
run nocturne-notify -c "$T/rt.ini" --db "$DB" --now '2019-12-06 08:00'
expect_rc 78
expect_eq "$ERR" "nocturne-notify: $T/rt.ini: [mail] reply_to 'nobody' is not a valid mailbox" stderr
run nocturne-notify -c "$T/missing.ini" --db "$DB"
expect_rc 78
run nocturne-notify -c "$T/conf.ini" --db "$T/none.db"
expect_rc 66
run nocturne-notify -c "$T/conf.ini" --db "$DB" extra
expect_rc 64
run nocturne-notify --bogus
expect_rc 64
run nocturne-notify --help
expect_rc 0
expect_contains "$OUT" "usage: nocturne-notify"
ok

t lock_held_exits_75
hold_flock "$DB.notify.lock" 5 || fail "the lock was never taken"
notify --now "$NOW"
expect_rc 75
expect_contains "$ERR" "another nocturne-notify is running"
kill "$FLOCKER" 2>/dev/null
wait "$FLOCKER" 2>/dev/null
notify --now '2019-12-07 07:00'
expect_rc 0
ok
