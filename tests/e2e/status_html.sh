# nocturne-status --html: one self-contained page (no script, no external
# resource), every value escaped, rendered by a real Chromium at 360 px
# (inside an iframe: headless never lays out below 500 px) and at 1,400 px
# without horizontal overflow. The measure is taken by a script in the
# wrapper page, never in the report. NOCTURNE_SHOTS=DIR keeps the
# screenshots (docs/status-html-360.png and -1400.png come from there).
. "$NOCTURNE_TOP/tests/e2e/lib.sh"
. "$NOCTURNE_TOP/tests/e2e/notify-fixture.inc"
export TZ=Europe/Paris
DB=$T/n.db
file_conf 'return_path = bounces@mairie.example'
new_db "$DB"
town "$DB"
q() { sqlite3 "$DB" "$1"; }
nocturne-notify -c "$T/conf.ini" --db "$DB" --now '2019-12-03 07:00' || exit 1
# family F4 is undeliverable, and its name is hostile; a long activity name
sed -e 's/bounces+m42@/bounces+m4@/g' "$TOP/tests/fixtures/bounce/postfix.eml" >"$T/b.eml"
nocturne-bounce -c "$T/conf.ini" --db "$DB" --now '2019-12-03 09:00' "$T/b.eml" || exit 1
sql "$DB" "UPDATE family SET name = '<script>alert(1)</script> & \"Evil\"' WHERE ref = 4;" \
	"UPDATE activity SET name = 'Accueil_périscolaire_du_soir_avec_un_nom_très_très_long_sans_espace' WHERE ref = 2;" \
	"UPDATE batch SET n_requests = 8, n_accepted = 2, n_waitlisted = 1, n_refused = 5, n_full = 1, n_closed = 1, n_deadline = 1, n_times = 1, n_nothing_to_cancel = 1, delivery = 'pending', delivery_error = 'HTTP 503 <b>down</b>' WHERE batch_id = 1;" \
	"INSERT INTO opening(activity_ref, day, capacity) VALUES (2, $(D 2019-12-06), 1);"

t html_page_self_contained_and_escaped
run nocturne-status -c "$T/conf.ini" --db "$DB" --now '2019-12-03 10:00' --html
expect_rc 0
expect_empty "$ERR" stderr
page=$OUT
expect_contains "$page" "<!DOCTYPE html>"
expect_contains "$page" "<title>Portail Famille : la nuit du lot 1 (2019-12-02 22:00:00)</title>"
expect_contains "$page" "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Evil&quot;"
expect_contains "$page" "HTTP 503 &lt;b&gt;down&lt;/b&gt;"
expect_not_contains "$page" "<script" "page"
for bad in 'src=' 'href=' 'url(' '@import' '<link' '<style' '<svg' '<img'; do
	expect_not_contains "$page" "$bad" "page"
done
# the full day stands out in words, and the counts are there
expect_contains "$page" "vendredi 06 décembre 2019 <strong style=\"color:#c62828\">COMPLET</strong>"
expect_contains "$page" ">1 / 1<"
expect_contains "$page" "Refusées</td><td style=\"width:18%;padding:3px 6px;text-align:right;white-space:nowrap;vertical-align:middle\">5<"
expect_contains "$page" "NON LIVRÉ"
# What needs a person is the first thing on the page, before the counts.
todo='À traiter : le lot 1 n&#39;est pas livré au back office ; 1 famille injoignable par courriel ; 2 courriels non envoyés faute d&#39;adresse valable.'
expect_contains "$page" "$todo"
before=${page%%Résultats du lot*}
expect_contains "$before" "$todo" "the page before the batch's results"
run nocturne-status -c "$T/conf.ini" --db "$DB" --now '2019-12-03 10:00' --html "$T/page.html"
expect_rc 0
expect_empty "$OUT" stdout
expect_eq "$(cat "$T/page.html")" "$page" "file"
# '-' is standard output too (contract section 9: --html [FILE|-])
run nocturne-status -c "$T/conf.ini" --db "$DB" --now '2019-12-03 10:00' --html -
expect_rc 0
expect_eq "$OUT" "$page" "page on -"
ok

t html_renders_at_360_and_1400_px
if ! command -v chromium >/dev/null 2>&1; then
	echo "SKIP: html_renders_at_360_and_1400_px: chromium is not installed"
else
	for w in 360 1400; do
		cat >"$T/wrap$w.html" <<HTML
<!DOCTYPE html><html><head><meta charset="utf-8"><title>not measured</title></head>
<body style="margin:0">
<iframe id="f" src="page.html" style="width:${w}px;height:3000px;border:0"></iframe>
<script>
document.getElementById('f').addEventListener('load', function () {
  var d = this.contentDocument, right = 0, scripts = d.getElementsByTagName('script').length;
  d.querySelectorAll('body *').forEach(function (el) {
    right = Math.max(right, Math.ceil(el.getBoundingClientRect().right)); });
  var h = 0; d.querySelectorAll('body *').forEach(function (el) {
    h = Math.max(h, Math.ceil(el.getBoundingClientRect().bottom)); });
  document.title = 'viewport=' + d.documentElement.clientWidth + ' scroll=' +
    d.documentElement.scrollWidth + ' right=' + right + ' bottom=' + h + ' scripts=' + scripts +
    ' frame=' + (window.outerHeight - window.innerHeight);
});
</script></body></html>
HTML
		win=$((w < 500 ? 500 : w))
		title=$(timeout 120 chromium --headless --no-sandbox --disable-gpu \
			--allow-file-access-from-files --window-size=$win,3000 --virtual-time-budget=5000 \
			--dump-dom "file://$T/wrap$w.html" 2>/dev/null | sed -n 's/.*<title>\([^<]*\)<\/title>.*/\1/p')
		echo "  $w px: $title"
		vp=$(echo "$title" | sed -n 's/.*viewport=\([0-9]*\).*/\1/p')
		sc=$(echo "$title" | sed -n 's/.*scroll=\([0-9]*\).*/\1/p')
		right=$(echo "$title" | sed -n 's/.*right=\([0-9]*\).*/\1/p')
		bottom=$(echo "$title" | sed -n 's/.*bottom=\([0-9]*\).*/\1/p')
		expect_eq "$vp" "$w" "viewport at $w px"
		expect_eq "$sc" "$w" "scroll width at $w px (horizontal overflow)"
		[ -n "$right" ] && [ "$right" -le "$w" ] || fail "an element ends at $right px, beyond $w px"
		expect_contains "$title" "scripts=0" "$w px"
		# the screenshot of the page alone, as tall as it is (headless
		# Chromium's window is taller than its viewport by the frame)
		frame=$(echo "$title" | sed -n 's/.*frame=\([0-9]*\).*/\1/p')
		h=$((bottom + 20))
		# (at 360 px the 500-px window shows the phone's width, then grey)
		sed -e "s/height:3000px/height:$((h + ${frame:-0}))px/" -e 's/<body style="margin:0">/<body style="margin:0;background:#9e9e9e">/' \
			"$T/wrap$w.html" >"$T/shot$w.html"
		timeout 120 chromium --headless --no-sandbox --disable-gpu --allow-file-access-from-files \
			--hide-scrollbars --window-size=$win,$((h + ${frame:-0})) --virtual-time-budget=5000 \
			--screenshot="$T/shot$w.png" "file://$T/shot$w.html" >/dev/null 2>&1
		[ -s "$T/shot$w.png" ] || fail "no screenshot at $w px"
		if [ -n "${NOCTURNE_SHOTS:-}" ] && [ -s "$T/shot$w.png" ]; then
			cp "$T/shot$w.png" "$NOCTURNE_SHOTS/status-html-$w.png"
		fi
	done
fi
ok

t todo_line_in_the_plural_and_when_all_is_well
cp "$DB" "$T/todo.db"
sql "$T/todo.db" "INSERT INTO batch(batch_id, ran_at, cutoff, started_at, finished_at, delivery) VALUES (2, $(I '2019-12-03 22:00'), 0, 0, 0, 'pending');" \
	"UPDATE message SET state = 'failed' WHERE ref IN (SELECT ref FROM message WHERE state = 'sent' LIMIT 1);" \
	"UPDATE message SET state = 'failed' WHERE ref IN (SELECT ref FROM message WHERE state = 'skipped' LIMIT 1);"
run nocturne-status -c "$T/conf.ini" --db "$T/todo.db" --now '2019-12-04 10:00' --html
expect_rc 0
expect_contains "$OUT" "À traiter : 2 lots ne sont pas livrés au back office (le plus ancien : lot 1) ; 2 courriels abandonnés (refus du serveur ou trop d&#39;essais) ; 1 famille injoignable par courriel ; 1 courriel non envoyé faute d&#39;adresse valable."
sql "$T/todo.db" "UPDATE batch SET delivery = 'delivered';" "DELETE FROM bounce;" \
	"UPDATE message SET state = 'sent' WHERE state <> 'sent';"
run nocturne-status -c "$T/conf.ini" --db "$T/todo.db" --now '2019-12-04 10:00' --html
expect_rc 0
expect_contains "$OUT" "Rien à traiter : tout est livré, aucun courriel en échec."
expect_not_contains "$OUT" "À traiter" "page with nothing to do"
ok

t report_to_mails_the_page_once_per_batch
file_conf 'return_path = bounces@mairie.example' '[report]' 'to = Service Enfance <enfance@mairie.example>'
# a compte-rendu deferred by an earlier run (a 4xx), due again this morning
sql "$DB" "UPDATE message SET state = 'pending', attempts = 1, next_at = 0, sent_at = NULL
	WHERE ref = (SELECT min(ref) FROM message WHERE state = 'sent');"
run nocturne-notify -c "$T/conf.ini" --db "$DB" --now '2019-12-03 11:00'
expect_rc 0
expect_empty "$ERR" stderr
expect_eq "$(q "SELECT kind || '|' || coalesce(family_ref, 'none') || '|' || batch_id || '|' || state || '|' || recipient || '|' || subject FROM message WHERE kind = 'page'")" \
	"page|none|1|sent|enfance@mairie.example|Portail Famille : la nuit du lot 1" "page message"
f=$(grep -l '^X-Nocturne-Kind: page' "$T"/outbox/*.eml)
expect_eq "$(hdr "$f" To)" "Service Enfance <enfance@mairie.example>" To
/usr/bin/python3 - "$f" >"$T/parts" <<'PY'
import email, sys
from email import policy
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=policy.default)
print(m.get_body(('plain',)).get_content())
print("=== html")
print(m.get_body(('html',)).get_content())
PY
parts=$(cat "$T/parts")
expect_eq "$(head -n 1 "$T/parts")" "À traiter : le lot 1 n'est pas livré au back office ; 1 famille injoignable par courriel ; 2 courriels non envoyés faute d'adresse valable." \
	"the text part's first line"
expect_contains "$parts" "Lot 1 du 2019-12-02 22:00:00 : 8 demande(s) traitée(s), 2 acceptée(s), 1 en liste d'attente, 5 refusée(s)."
# Composed once the families' mail of the run went out: its counts are this
# morning's (the deferred one is sent, none is pending).
sent=$(q "SELECT count(*) FROM message WHERE kind <> 'page' AND state = 'sent'")
expect_contains "$parts" "Courriels : $sent envoyé(s), 0 en attente,"
expect_contains "$parts" "<title>Portail Famille : la nuit du lot 1 (2019-12-02 22:00:00)</title>"
expect_contains "$parts" "&lt;script&gt;alert(1)&lt;/script&gt;"
run nocturne-notify -c "$T/conf.ini" --db "$DB" --now '2019-12-03 12:00'
expect_rc 0
expect_eq "$(q "SELECT count(*) FROM message WHERE kind = 'page'")" 1 "pages after a second run"
run nocturne-status -c "$T/conf.ini" --db "$DB" --mail
expect_rc 0
printf '[report]\nto = not a mailbox\n' >"$T/bad.ini"
sql "$DB" "INSERT INTO batch(batch_id, ran_at, cutoff, started_at, finished_at) VALUES (2, $(I '2019-12-03 22:00'), 0, 0, 0);"
run nocturne-notify -c "$T/bad.ini" --db "$DB" --now '2019-12-04 07:00'
expect_rc 78
expect_contains "$ERR" "[report] to 'not a mailbox' is not a valid mailbox"
run nocturne-notify -c "$T/conf.ini" --db "$DB" --now '2019-12-04 07:00'
expect_rc 0
expect_eq "$(q "SELECT group_concat(batch_id) FROM message WHERE kind = 'page'")" "1,2" "a page per batch"
ok
