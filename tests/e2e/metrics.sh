# metrics.sh - [log] metrics_file: the Prometheus text file each writing
# tool rewrites after its run (checked with promtool), its figures against
# the database, each tool's last success kept honest (stored in the
# database: a failed run does not move it, a lost file is rebuilt whole),
# the atomic rewrite, and a file that cannot be written.
. "$NOCTURNE_TOP/tests/e2e/lib.sh"

S=$TOP/samples
P=$T/prom/nocturne.prom
mkdir "$T/prom"
printf '[database]\npath = %s/n.db\n[mail]\ndirectory = %s/outbox\n[log]\nmetrics_file = %s\n' \
	"$T" "$T" "$P" >"$T/n.ini"
export NOCTURNE_CONFIG="$T/n.ini"
q() { sqlite3 "$T/n.db" "$1"; }
# val METRIC: its value in the file (METRIC with its labels, as written).
val() { grep -F "$1 " "$P" | grep -v '^#' | sed 's/.* //'; }
epoch() { date -d "$1" +%s; }
have_promtool=1
command -v promtool >/dev/null 2>&1 || have_promtool=0

t metrics_after_import_transmit_notify
for k in families children activities openings; do
	nocturne-import "$k" "$S/$k.csv" || fail "import $k"
done
nocturne-import requests "$S/requests-night1.csv" || fail "import requests"
run nocturne-transmit --now '2019-12-01 22:00'
expect_rc 0
expect_empty "$OUT$ERR" output
run nocturne-notify --now '2019-12-02 07:00'
expect_rc 0
[ -f "$P" ] || fail "no metrics file"
expect_eq "$(val nocturne_last_batch_number)" 1 "batch number"
expect_eq "$(val nocturne_last_batch_timestamp_seconds)" "$(epoch '2019-12-01 22:00')" "batch time"
expect_eq "$(val nocturne_last_batch_requests_read)" "$(q 'SELECT n_requests FROM batch')" "read"
for s in accepted waitlisted refused; do
	expect_eq "$(val "nocturne_last_batch_requests{state=\"$s\"}")" \
		"$(q "SELECT count(*) FROM request WHERE state = '$s'")" "$s"
done
expect_eq "$(val 'nocturne_last_batch_refused_requests{reason="full"}')" \
	"$(q "SELECT count(*) FROM request WHERE reason = 'full'")" "refused full"
expect_eq "$(val 'nocturne_mail_messages{state="sent"}')" \
	"$(q "SELECT count(*) FROM message WHERE state = 'sent'")" "mail sent"
expect_eq "$(val nocturne_batches_total)" 1 "batches_total"
expect_eq "$(val nocturne_batches_undelivered)" 0 "undelivered"
expect_eq "$(val 'nocturne_last_success_timestamp_seconds{tool="transmit"}')" \
	"$(epoch '2019-12-01 22:00')" "transmit's last success"
expect_eq "$(val 'nocturne_last_success_timestamp_seconds{tool="notify"}')" \
	"$(epoch '2019-12-02 07:00')" "notify's last success"
[ -n "$(val 'nocturne_last_success_timestamp_seconds{tool="import"}')" ] || fail "import's last success"
expect_eq "$(val nocturne_bounces)" 0 "bounces"
expect_eq "$(val 'nocturne_mail_messages{state="bounced"}')" 0 "bounced messages"
expect_eq "$(ls -A "$T/prom")" nocturne.prom "the folder (no temporary left)"
expect_eq "$(stat -c %a "$P")" 644 "mode (node_exporter reads it)"
ok

t promtool_accepts_it
if [ "$have_promtool" -eq 0 ]; then
	echo "SKIP: promtool_accepts_it promtool not installed (Debian package prometheus)"
else
	run sh -c "promtool check metrics <'$P'"
	expect_rc 0
	expect_empty "$OUT$ERR" "promtool's complaints"
	# promtool does find what is wrong: a counter without _total, a bad line.
	printf '# HELP nocturne_x Things.\n# TYPE nocturne_x counter\nnocturne_x 1\n' >"$T/bad.prom"
	run sh -c "promtool check metrics <'$T/bad.prom'"
	[ "$RC" -ne 0 ] || fail "promtool accepted a counter without _total"
	ok
fi

t last_success_stays_honest
before=$(val 'nocturne_last_success_timestamp_seconds{tool="transmit"}')
# A failed run (a clock before the last batch's) rewrites the file, not the success.
run nocturne-transmit --now '2019-11-25 22:00'
expect_rc 64
expect_eq "$(val 'nocturne_last_success_timestamp_seconds{tool="transmit"}')" "$before" "after a failed run"
# The file lost: the next run of another tool rebuilds it whole.
rm -f "$P"
run nocturne-notify --now '2019-12-02 08:00'
expect_rc 0
expect_eq "$(val 'nocturne_last_success_timestamp_seconds{tool="transmit"}')" "$before" "after the file was lost"
expect_eq "$(val 'nocturne_last_success_timestamp_seconds{tool="notify"}')" \
	"$(epoch '2019-12-02 08:00')" "notify moved on"
expect_eq "$(val nocturne_last_batch_number)" 1 "batch number from the database"
ok

t dry_run_and_status_write_no_metrics
rm -f "$P"
run nocturne-transmit -n --now '2019-12-02 22:00'
expect_rc 0
run nocturne-status
expect_rc 0
[ -e "$P" ] && fail "a dry run or status wrote the metrics file"
ok

t second_night
nocturne-import openings "$S/openings-night2.csv" >/dev/null
nocturne-import requests "$S/requests-night2.csv" >/dev/null
run nocturne-transmit --now '2019-12-02 22:00'
expect_rc 0
expect_eq "$(val nocturne_last_batch_number)" 2 "batch number"
expect_eq "$(val nocturne_batches_total)" 2 "batches_total"
expect_eq "$(val 'nocturne_decisions_total{state="accepted"}')" \
	"$(q 'SELECT sum(n_accepted) FROM batch')" "accepted, all batches"
ok

t unwritable_metrics_file_74
printf '[database]\npath = %s/n.db\n[log]\nmetrics_file = %s/nodir/x.prom\n' "$T" "$T" >"$T/bad.ini"
run nocturne-notify -c "$T/bad.ini" --now '2019-12-03 07:00'
expect_rc 74
expect_eq "$ERR" "nocturne-notify: [log] metrics_file: $T/nodir/.x.prom.$(echo "$ERR" | sed -n 's/.*x\.prom\.\([0-9]*\.[0-9]*\)\.tmp.*/\1/p').tmp: cannot create: No such file or directory"
ok
