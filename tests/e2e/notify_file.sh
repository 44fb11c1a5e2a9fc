# nocturne-notify with the file transport: composition, bookkeeping, exit codes.
. "$NOCTURNE_TOP/tests/e2e/lib.sh"
. "$NOCTURNE_TOP/tests/e2e/notify-fixture.inc"
export TZ=Europe/Paris
DB=$T/n.db
NOW='2019-12-03 07:00'
file_conf
new_db "$DB"
town "$DB"
q() { sqlite3 "$DB" "$1"; }
notify() { run nocturne-notify -c "$T/conf.ini" --db "$DB" "$@"; }
eml() { ls "$T"/outbox/*".$1.$2."*.eml 2>/dev/null; } # eml KIND FAMILY_REF

t dry_run_changes_nothing
notify --now "$NOW" --dry-run
expect_rc 0
expect_contains "$OUT" "=== report for family F1 (Famille Dupont) to marie.dupont@example.org"
expect_contains "$OUT" "Subject: Portail Famille : compte-rendu du mardi 03 décembre 2019"
expect_contains "$OUT" "Réservation — En liste d'attente (position 2)"
expect_contains "$OUT" "=== report for family F2 (Famille Martin) skipped: no e-mail address"
expect_contains "$OUT" "dry run: would compose 4 compte-rendu(s) and 0 notice(s) (2 skipped)"
expect_empty "$ERR" stderr
expect_eq "$(q 'SELECT count(*) FROM message')" 0 messages
expect_eq "$(q 'SELECT count(*) FROM request WHERE reported = 1')" 0 reported
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
expect_eq "$(q "SELECT group_concat(seq) FROM request WHERE reported = 0")" 9 unreported
ok

t report_content
f=$(eml report 1)
expect_eq "$(hdr "$f" To)" "Famille Dupont <marie.dupont@example.org>" To
expect_eq "$(hdr "$f" From)" "Portail Famille <no-reply@mairie.example>" From
expect_eq "$(hdr "$f" Subject)" "Portail Famille : compte-rendu du mardi 03 décembre 2019" Subject
expect_eq "$(hdr "$f" Date)" "Tue, 03 Dec 2019 07:00:00 +0100" Date
expect_eq "$(hdr "$f" Message-ID)" "$(q 'SELECT message_id FROM message WHERE ref = 1')" Message-ID
expect_eq "$(hdr "$f" Auto-Submitted)" "auto-generated" Auto-Submitted
expect_eq "$(hdr "$f" MIME-Version)" "1.0" MIME-Version
expect_eq "$(hdr "$f" X-Nocturne-Kind)" "report" X-Nocturne-Kind
text=$(qp_text "$f")
expect_contains "$text" "Hugo Dupont
  - mercredi 04 décembre 2019 : Centre de loisirs <mercredi> & co
    Réservation — Refusée : activité complète
  - samedi 07 décembre 2019 : Centre de loisirs <mercredi> & co
    Réservation — Refusée : activité non ouverte ce jour
  - lundi 09 décembre 2019 : Cantine
    Annulation — Refusée : aucune réservation à annuler

Léa Dupont
  - jeudi 05 décembre 2019 : Cantine
    Réservation — En liste d'attente (position 2)
  - vendredi 06 décembre 2019 : Accueil du soir (arrivée 16h30, départ 18h00)
    Réservation — Acceptée"
expect_contains "$text" "vous serez averti par courriel si une place se libère"
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
# batch 2 promotes R2 (reported as waitlisted): transmit owes a notice.
q "UPDATE request SET state = 'accepted', position = NULL, batch_id = 2, notice = 1 WHERE seq = 2" >/dev/null
run nocturne-notify -c "$T/conf.ini" --db "$DB" --now '2019-12-04 07:00' -v
expect_rc 0
expect_contains "$ERR" "composed 0 compte-rendu(s), 1 notice(s), 0 skipped; sent 1"
f=$(eml notice 1)
expect_eq "$(hdr "$f" Subject)" "Portail Famille : place accordée sur liste d'attente" Subject
expect_eq "$(hdr "$f" X-Nocturne-Kind)" "notice" X-Nocturne-Kind
text=$(qp_text "$f")
expect_contains "$text" "Léa Dupont
  - jeudi 05 décembre 2019 : Cantine
"
expect_contains "$text" "annuler votre demande le plus tôt possible"
expect_not_contains "$text" "Hugo"
expect_eq "$(q 'SELECT notice FROM request WHERE seq = 2')" 2 notice
run nocturne-notify -c "$T/conf.ini" --db "$DB" --now '2019-12-04 08:00'
expect_eq "$(q "SELECT count(*) FROM message WHERE kind = 'notice'")" 1 notices
ok

t cancelled_shows_accepted
# batch 3: R10 accepted then undone by R11 (both unreported); R12 waitlisted
# then cancelled by R13; R14 expired after being reported.
q "INSERT INTO batch(batch_id, ran_at, cutoff, started_at, finished_at) VALUES (3, 0, 0, 0, 0);
 INSERT INTO request(seq, request_id, child_ref, activity_ref, day, action, submitted_at, state, position, batch_id, undoes) VALUES
 (10, 'R10', 2, 1, $(D 2019-12-12), 'reserve', 1, 'cancelled', NULL, 3, NULL),
 (11, 'R11', 2, 1, $(D 2019-12-12), 'cancel', 2, 'accepted', NULL, 3, 10),
 (12, 'R12', 2, 2, $(D 2019-12-13), 'reserve', 3, 'cancelled', NULL, 3, NULL),
 (13, 'R13', 2, 2, $(D 2019-12-13), 'cancel', 4, 'accepted', NULL, 3, 12);
 INSERT INTO decision(batch_id, seq, state, position) VALUES (2, 10, 'accepted', NULL),
 (2, 12, 'waitlisted', 3), (3, 10, 'cancelled', NULL), (3, 12, 'cancelled', NULL),
 (3, 11, 'accepted', NULL), (3, 13, 'accepted', NULL);
 UPDATE request SET state = 'expired', position = NULL, reported = 0 WHERE seq = 9;" >/dev/null
notify --now '2019-12-05 07:00'
expect_rc 0
f=$(eml report 1 | grep 20191205)
text=$(qp_text "$f")
expect_contains "$text" "  - jeudi 12 décembre 2019 : Cantine
    Réservation — Acceptée
  - jeudi 12 décembre 2019 : Cantine
    Annulation — Acceptée
  - vendredi 13 décembre 2019 : Accueil du soir
    Réservation — En liste d'attente (position 3)
  - vendredi 13 décembre 2019 : Accueil du soir
    Annulation — Acceptée"
expect_contains "$text" "  - mardi 10 décembre 2019 : Cantine
    Réservation — Non retenue : liste d'attente close"
expect_not_contains "$text" "si une place se libère"
ok

t deferred_exits_75
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
printf '[mail]\ntransport = file\ndirectory = %s/no/such/dir\n' "$T" >"$T/bad.ini"
q "UPDATE request SET reported = 0 WHERE seq = 6" >/dev/null
q "UPDATE family SET emails = 'jade@example.org' WHERE ref = 2" >/dev/null
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
run nocturne-notify -c "$T/from.ini" --db "$DB" --now "$NOW"
expect_rc 78
expect_eq "$ERR" "nocturne-notify: $T/from.ini: [mail] from 'Portail Famille' is not a valid mailbox" stderr
printf '[mail]\nreply_to = nobody\n' >"$T/rt.ini"
run nocturne-notify -c "$T/rt.ini" --db "$DB" --now "$NOW"
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
flock -o "$DB.notify.lock" sleep 5 &
holder=$!
sleep 0.3
notify --now "$NOW"
expect_rc 75
expect_contains "$ERR" "another nocturne-notify is running"
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
notify --now '2019-12-07 07:00'
expect_rc 0
ok
