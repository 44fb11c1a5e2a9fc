#!/bin/sh
# mailshots.sh BUILD_DIR - the pictures of docs/mail.md: a compte-rendu and a
# notice of the test town (tests/fixtures/parent) as a 360-px-wide phone
# shows them (Chromium headless, tests/fixtures/phoneview.py): the phone's
# 360 px and a margin, as Chromium's PNG.
#   docs/mail-report.png  docs/mail-notice.png
set -eu
B=$(cd "${1:-build}" && pwd)
top=$(cd "$(dirname "$0")/.." && pwd)
FX=$top/tests/fixtures/parent
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export TZ=Europe/Paris PATH="$B:$PATH"
cd "$tmp"
{
	printf '[database]\npath = %s/n.db\n[mail]\ntransport = file\ndirectory = %s/out\n' "$tmp" "$tmp"
	printf 'from = Portail Famille <no-reply@mairie.example>\n'
	printf 'portal_url = https://portail.mairie.example/famille\n'
	printf 'contact = Service Enfance, 01 23 45 67 89 (lundi-vendredi 9h-17h)\ncalendar = yes\n'
} >conf.ini
for k in families children activities openings requests:requests1; do
	nocturne-import -c conf.ini "${k%%:*}" "$FX/${k#*:}.csv"
done
nocturne-transmit -c conf.ini --now '2019-12-02 22:00'
nocturne-notify -c conf.ini --now '2019-12-03 07:00'
nocturne-import -c conf.ini requests "$FX/requests2.csv"
nocturne-transmit -c conf.ini --now '2019-12-03 22:00'
nocturne-notify -c conf.ini --now '2019-12-04 08:00'
shot() { # shot FAMILY KIND OUT
	ref=$(sqlite3 n.db "SELECT ref FROM family WHERE family_id = '$1'")
	f=$(ls -t out/*".$2.$ref."*.eml | head -n 1)
	/usr/bin/python3 "$top/tests/fixtures/mailread.py" html "$f" >"$2.html"
	/usr/bin/python3 "$top/tests/fixtures/phoneview.py" "$2.html" "$tmp/$2" --screenshot 372 \
		>/dev/null
	cp "$tmp/$2.png" "$3"
}
shot F2 report "$top/docs/mail-report.png"
shot F1 notice "$top/docs/mail-notice.png"
ls -l "$top/docs/mail-report.png" "$top/docs/mail-notice.png"
