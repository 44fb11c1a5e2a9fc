# quiet.sh - -q / --quiet: each tool, successful, prints nothing, even with
# -v asking for progress (-q wins). Where the tool has progress to print,
# the case first shows that -v alone prints it, so the silence is -q's doing.
. "$NOCTURNE_TOP/tests/e2e/lib.sh"

DB=$T/n.db
printf '[mail]\ntransport = file\ndirectory = %s/outbox\n' "$T" >"$T/conf.ini"
C="-c $T/conf.ini --db $DB"
printf 'family_id;name;emails\nF1;Martin;a@example.org\n' >"$T/fam.csv"
printf 'child_id;family_id;first_name;last_name\nC1;F1;Léa;Martin\n' >"$T/chi.csv"
printf 'activity_id;name;capacity\nCANT;Cantine;5\n' >"$T/act.csv"
printf 'activity_id;date\nCANT;2019-12-06\n' >"$T/ope.csv"
printf 'request_id;child_id;activity_id;date;action;submitted_at\nR1;C1;CANT;2019-12-06;reserve;2019-12-01 10:00\n' >"$T/req.csv"

# loud_then_quiet WHAT CMD...: CMD -v prints on stderr; CMD -v -q and
# CMD -v --quiet print nothing at all; all three succeed.
loud_then_quiet() {
	what=$1
	shift
	run "$@" -v
	expect_rc 0
	[ -n "$ERR" ] || fail "$what -v printed nothing: the case cannot tell"
	run "$@" -v -q
	expect_rc 0
	expect_empty "$OUT" "$what -q stdout"
	expect_empty "$ERR" "$what -q stderr"
}

t import_quiet
nocturne-import $C families "$T/fam.csv" || fail "setup"
loud_then_quiet "import families" nocturne-import $C families "$T/fam.csv"
run nocturne-import $C --quiet children "$T/chi.csv" -v
expect_rc 0
expect_empty "$OUT$ERR" "import children --quiet"
nocturne-import $C activities "$T/act.csv" && nocturne-import $C openings "$T/ope.csv" &&
	nocturne-import $C requests "$T/req.csv" || fail "setup"
ok

t transmit_quiet
run nocturne-transmit $C --now '2019-12-01 22:00' -v -q
expect_rc 0
expect_empty "$OUT$ERR" "transmit -q"
expect_eq "$(sqlite3 "$DB" "SELECT state FROM request")" accepted "the run happened"
loud_then_quiet transmit nocturne-transmit $C --now '2019-12-02 22:00'
ok

t notify_quiet
run nocturne-notify $C --now '2019-12-03 07:00' --quiet -v
expect_rc 0
expect_empty "$OUT$ERR" "notify --quiet"
expect_eq "$(ls "$T/outbox" | wc -l)" 1 "the compte-rendu was written"
loud_then_quiet notify nocturne-notify $C --now '2019-12-03 07:05'
ok

# status has no progress of its own: -q must still leave a file export silent.
t status_quiet
run nocturne-status $C --export "$T/export.csv" -q
expect_rc 0
expect_empty "$OUT$ERR" "status --export FILE -q"
expect_contains "$(cat "$T/export.csv")" "R1;C1;CANT;2019-12-06;reserve;accepted"
ok
