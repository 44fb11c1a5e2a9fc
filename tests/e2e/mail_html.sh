# mail_html.sh - the HTML part on a phone: rendered by Debian's Chromium
# (headless) in a 360-px-wide frame (tests/fixtures/phoneview.py), nothing
# may stick out to the right, one heading per child. A fixed-width page is
# measured too, so the measure itself is shown able to fail.
. "$NOCTURNE_TOP/tests/e2e/lib.sh"
export TZ=Europe/Paris
READ="/usr/bin/python3 $TOP/tests/fixtures/mailread.py"
VIEW="/usr/bin/python3 $TOP/tests/fixtures/phoneview.py"
FX=$TOP/tests/fixtures/parent

if ! command -v chromium >/dev/null 2>&1; then
	echo "SKIP: mail_html chromium missing (make deps)"
	exit 0
fi
{
	printf '[database]\npath = %s/n.db\n' "$T"
	printf '[mail]\ntransport = file\ndirectory = %s/out\n' "$T"
	printf 'from = Portail Famille <no-reply@mairie.example>\n'
	printf 'portal_url = https://portail.mairie.example/famille/reservations?utm=mail\n'
	printf 'contact = Service Enfance, 01 23 45 67 89 (lundi-vendredi 9h-17h)\ncalendar = yes\n'
} >conf.ini
tool() { run "$@" -c "$T/conf.ini"; }
for k in families children activities openings requests:requests1; do
	tool nocturne-import "${k%%:*}" "$FX/${k#*:}.csv"
	[ "$RC" -eq 0 ] || { echo "FAIL: import $k: $ERR"; exit 1; }
done
tool nocturne-transmit --now '2019-12-02 22:00'
tool nocturne-notify --now '2019-12-03 07:00'
tool nocturne-import requests "$FX/requests2.csv"
tool nocturne-transmit --now '2019-12-03 22:00'
tool nocturne-notify --now '2019-12-04 08:00'
[ "$RC" -eq 0 ] || { echo "FAIL: notify: $ERR"; exit 1; }
# eml FAMILY KIND: the newest message of that family and kind
eml() {
	ref=$(sqlite3 n.db "SELECT ref FROM family WHERE family_id = '$1'")
	ls -t out/*".$2.$ref."*.eml | head -n 1
}

# view NAME FILE.eml H2: the HTML part measured at 360 px; H2 headings expected
view() {
	$READ html "$2" >"$1.html"
	m=$($VIEW "$1.html" "$T/$1" ${4:-})
	w=$(printf '%s' "$m" | sed -n 's/.*width=\([0-9]*\).*/\1/p')
	r=$(printf '%s' "$m" | sed -n 's/.*right=\([0-9]*\).*/\1/p')
	[ -n "$w" ] || fail "no measure: $m"
	[ "${w:-999}" -le 360 ] || fail "$1: page $w px wide on a 360-px screen ($m)"
	[ "${r:-999}" -le 360 ] || fail "$1: an element ends at $r px ($m)"
	expect_contains "$m" "h2=$3" "$1 headings"
}

t report_fits_a_phone
# F2: the twins, a missed deadline, a duplicate, the long portal link.
view report "$(eml F2 report)" 2 --screenshot
# The screenshot is the 500-px wrapper: PNG header, 500 px wide.
expect_eq "$(/usr/bin/python3 -c 'import struct,sys; d=open(sys.argv[1],"rb").read(24); print(d[:8]==b"\x89PNG\r\n\x1a\n", struct.unpack(">I", d[16:20])[0])' "$T/report.png")" \
	"True 500" screenshot
ok

t report_of_three_children
view report3 "$(eml F1 report)" 3
ok

t notice_fits_a_phone
view notice "$(eml F1 notice)" 1
ok

t the_measure_can_fail
printf '<!DOCTYPE html><html><body><h2>x</h2><div style="width:600px">trop large</div></body></html>\n' >wide.html
m=$($VIEW wide.html "$T/wide")
expect_contains "$m" "width=6" "a 600-px block is seen"
ok
