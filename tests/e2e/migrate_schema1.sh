# migrate_schema1.sh - a database as the first tools made it (schema 1)
# goes through every migration of lib/db_schema.c when the current tools open it:
# it ends at the latest version (the number the tools themselves give, never
# written here), with the schema a new database gets, no row lost or
# changed, the old batch's export the same, and a new night and morning that
# decide and write exactly what they do on a database that never was
# schema 1. Before that, the read-only nocturne-status refuses it (78, one
# line naming both versions, as nocturne-status(1) says) and changes nothing.
. "$NOCTURNE_TOP/tests/e2e/lib.sh"

S=$TOP/samples
# The source: today's tools, after night 1 and its morning (accepted,
# waitlisted, refused requests, sent and skipped mail), with night 2's
# requests imported (pending).
mkdir "$T/src" "$T/mig"
for d in src mig; do
	printf '[database]\npath = %s/%s/town.db\n[mail]\ntransport = file\ndirectory = %s/%s/outbox\n' \
		"$T" $d "$T" $d >"$T/$d.ini"
done
export NOCTURNE_CONFIG="$T/src.ini"
for k in families children activities openings; do
	nocturne-import "$k" "$S/$k.csv" || echo "FAIL: fixture import $k"
done
nocturne-import requests "$S/requests-night1.csv" || echo "FAIL: fixture requests 1"
nocturne-transmit --now '2019-12-01 22:00' || echo "FAIL: fixture night 1"
nocturne-notify --now '2019-12-02 07:00' || echo "FAIL: fixture morning"
nocturne-import requests "$S/requests-night2.csv" || echo "FAIL: fixture requests 2"
SRC=$T/src/town.db V1=$T/mig/town.db

# Schema 1 is migrations[0] of lib/db_schema.c, its C string literals joined.
awk '/\/\* 0 -> 1 \*\//{f=1; next}
	!f{next}
	/"/{s=$0; sub(/^[^"]*"/, "", s); sub(/"[^"]*$/, "", s); printf "%s", s; if ($0 ~ /",[ \t]*$/) exit}' \
	"$TOP/lib/db_schema.c" >"$T/schema1.sql"

t schema1_is_unchanged
# A database made by the first tools never runs migrations[0] again: a
# change there reaches no existing town (append a migration instead). This
# is the text every schema-1 database in service was made with.
expect_eq "$(sha256sum <"$T/schema1.sql" | cut -d' ' -f1)" \
	b8828fd93e8bdd78d672dd064a3fd5a39b9c3f6d8dddf147c477a2845b76b638 "migrations[0]"
ok

# The schema-1 database: created as the first tools did (WAL, migrations[0],
# user_version 1), then each schema-1 table's columns copied from the source.
{
	echo 'PRAGMA journal_mode = WAL;'
	cat "$T/schema1.sql"
	echo 'PRAGMA user_version = 1;'
} | sqlite3 -cmd ".timeout 10000" "$V1" >/dev/null || echo "FAIL: schema 1 does not load"
TABLES=$(sqlite3 -cmd ".timeout 10000" "$V1" "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid")
cols() { sqlite3 -cmd ".timeout 10000" "$V1" "SELECT group_concat(name, ', ') FROM pragma_table_info('$1')"; }
# held DB T C: table T's schema-1 columns C (a list, ", "-separated) as DB
# holds them, of its rows named s: from schema 12 on, a request's reported
# and notice are in request_mail (no row: 0 and 0).
held() {
	if [ "$2" = request ] &&
		[ "$(sqlite3 -readonly "$1" "SELECT count(*) FROM sqlite_master WHERE name = 'request_mail'")" = 1 ]; then
		printf '%s' "$3" | sed -E \
			-e 's/(^|, *)reported( *,|$)/\1coalesce((SELECT k.reported FROM request_mail k WHERE k.seq = s.seq), 0)\2/' \
			-e 's/(^|, *)notice( *,|$)/\1coalesce((SELECT k.notice FROM request_mail k WHERE k.seq = s.seq), 0)\2/'
	else
		printf '%s' "$3"
	fi
}
{
	echo "ATTACH '$SRC' AS src; BEGIN;"
	for t in $TABLES; do
		c=$(cols "$t")
		echo "INSERT INTO main.$t($c) SELECT $(held "$SRC" "$t" "$c") FROM src.$t AS s;"
	done
	echo 'COMMIT;'
} | sqlite3 -cmd '.timeout 10000' "$V1" || echo "FAIL: schema-1 rows"
COLS=""
for t in $TABLES; do COLS="$COLS$t=$(cols "$t")
"; done
# dump DB: every schema-1 table's schema-1 columns, every row, in order.
dump() {
	printf '%s' "$COLS" | while IFS='=' read -r t c; do
		echo "== $t"
		c=$(held "$1" "$t" "$c")
		sqlite3 -readonly -cmd '.mode quote' "$1" "SELECT $c FROM $t AS s ORDER BY $c"
	done
}
BEFORE=$(dump "$V1")
SUM=$(sha256sum <"$V1")
q() { sqlite3 -readonly "$1" "$2"; }

t the_schema1_fixture
# What the rest relies on: version 1, every kind of row, nothing newer.
expect_eq "$(q "$V1" 'PRAGMA user_version')" 1 "user_version"
for t in family child activity opening batch request decision message message_content \
	message_request; do
	[ "$(q "$V1" "SELECT count(*) FROM $t")" -gt 0 ] || fail "no $t row"
done
for s in pending accepted waitlisted refused; do
	[ "$(q "$V1" "SELECT count(*) FROM request WHERE state = '$s'")" -gt 0 ] ||
		fail "no $s request"
done
for s in sent skipped; do
	[ "$(q "$V1" "SELECT count(*) FROM message WHERE state = '$s'")" -gt 0 ] ||
		fail "no $s message"
done
expect_eq "$(q "$V1" "SELECT count(*) FROM sqlite_master WHERE name IN ('event', 'bounce', 'tool_run')")" \
	0 "tables of later schemas"
ok

t status_refuses_schema1_read_only
# nocturne-status opens read-only and migrates nothing: 78, one line saying
# how to upgrade, the database untouched (nocturne-status(1), DESCRIPTION).
run nocturne-status -c "$T/mig.ini"
expect_rc 78
expect_empty "$OUT" stdout
LATEST=$(printf '%s\n' "$ERR" | sed -n 's/.*schema version 1 is older than this nocturne (\([0-9]*\)).*/\1/p')
expect_eq "$ERR" "nocturne-status: $V1: schema version 1 is older than this nocturne ($LATEST): run nocturne-import or nocturne-transmit once to upgrade it"
# The latest version, as the tools give it: a database they create has it.
expect_eq "$LATEST" "$(q "$SRC" 'PRAGMA user_version')" "the version status names"
[ "${LATEST:-0}" -gt 1 ] || fail "no migration after schema 1 (latest: '$LATEST')"
run nocturne-status -c "$T/mig.ini" --check
expect_rc 78
expect_contains "$ERR" "schema version 1 is older"
expect_eq "$(sha256sum <"$V1")" "$SUM" "database bytes"
expect_eq "$(q "$V1" 'PRAGMA user_version')" 1 "user_version after status"
ok

t status_refuses_schema1_as_a_reader_only
if reader_copy "$V1"; then
	run runuser -u nobody -- "$NOCTURNE_BUILD/nocturne-status" -c "$R/ro.ini"
	expect_rc 78
	expect_empty "$OUT" stdout
	expect_eq "$ERR" "nocturne-status: $R/town.db: schema version 1 is older than this nocturne ($LATEST): run nocturne-import or nocturne-transmit once to upgrade it"
	expect_eq "$(ls -A "$R")" "$before" "the folder (no -shm, -wal or lock made)"
	expect_eq "$(sha256sum <"$R/town.db")" "$SUM" "database bytes"
	# The upgrade it names, as a user who may not write: refused, unchanged.
	run runuser -u nobody -- "$NOCTURNE_BUILD/nocturne-transmit" -c "$R/ro.ini" --redeliver
	[ "$RC" -ne 0 ] || fail "a reader migrated the database"
	expect_eq "$(sha256sum <"$R/town.db")" "$SUM" "database bytes after transmit as nobody"
	ok
fi

t writing_tool_migrates_to_the_latest
# The first writing run: --redeliver without a back office writes no batch,
# so whatever changes is the migration's doing.
run nocturne-transmit -c "$T/mig.ini" --redeliver --now '2019-12-02 08:00'
expect_rc 0
expect_empty "$OUT$ERR" "output"
expect_eq "$(q "$V1" 'PRAGMA user_version')" "$LATEST" "user_version"
# The schema a new database gets, statement for statement.
schema='SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name'
expect_eq "$(q "$V1" "$schema")" "$(q "$SRC" "$schema")" "schema"
# A new database has 8 KiB pages (lib/db.c); one made before keeps its own.
expect_eq "$(q "$V1" 'PRAGMA page_size') $(q "$SRC" 'PRAGMA page_size')" "4096 8192" "page sizes, old and new"
expect_eq "$(q "$V1" 'PRAGMA integrity_check')" ok "integrity"
expect_eq "$(q "$V1" 'PRAGMA foreign_key_check')" "" "foreign keys"
ok

t no_row_lost_or_changed
# Every schema-1 row, every schema-1 column, the same: requests keep their
# states, reasons, positions and batch; mail its state and content.
after=$(dump "$V1")
[ "$(printf '%s\n' "$BEFORE" | wc -l)" -gt 1000 ] || fail "the dump is too small to mean anything"
if [ "$after" != "$BEFORE" ]; then
	fail "rows differ after the migration:"
	printf '%s\n' "$BEFORE" >"$T/before.txt"
	printf '%s\n' "$after" >"$T/after.txt"
	diff "$T/before.txt" "$T/after.txt" | head -n 6 | cut -c1-160
fi
ok

t old_batch_export_unchanged
run nocturne-status -c "$T/mig.ini" --export --batch 1
expect_rc 0
e1=$OUT
run nocturne-status -c "$T/src.ini" --export --batch 1
expect_rc 0
expect_eq "$e1" "$OUT" "batch 1 export"
[ "$(printf '%s\n' "$e1" | wc -l)" -gt 100 ] || fail "batch 1 export too short"
run nocturne-status -c "$T/mig.ini" --check
expect_rc 0
expect_empty "$OUT$ERR" "--check output"
ok

t new_night_and_morning_as_on_a_new_database
pending=$(q "$V1" "SELECT count(*) FROM request WHERE state = 'pending'")
mail1=$(ls "$T/src/outbox" | wc -l)
for c in mig src; do
	run nocturne-transmit -c "$T/$c.ini" --now '2019-12-02 22:00'
	expect_rc 0
	expect_empty "$OUT$ERR" "$c night 2 output"
	run nocturne-notify -c "$T/$c.ini" --now '2019-12-03 07:00'
	expect_rc 0
	expect_empty "$OUT$ERR" "$c morning 2 output"
done
expect_eq "$(q "$V1" "SELECT count(*) FROM request WHERE state = 'pending'")" 0 "pending after night 2"
expect_eq "$(q "$V1" "SELECT n_requests FROM batch WHERE batch_id = 2")" "$pending" "batch 2 requests"
run nocturne-status -c "$T/mig.ini" --export --batch 2
expect_rc 0
e2=$OUT
run nocturne-status -c "$T/src.ini" --export --batch 2
expect_rc 0
expect_eq "$e2" "$OUT" "batch 2 export"
[ "$(printf '%s\n' "$e2" | wc -l)" -gt 1 ] || fail "batch 2 export has no row"
states='SELECT request_id, state, reason, position, batch_id FROM request ORDER BY request_id'
expect_eq "$(q "$V1" "$states")" "$(q "$SRC" "$states")" "every request after night 2"
mail="SELECT kind, state, count(*) FROM message GROUP BY 1, 2 ORDER BY 1, 2"
expect_eq "$(q "$V1" "$mail")" "$(q "$SRC" "$mail")" "the mail after morning 2"
n=$(ls "$T/mig/outbox" | wc -l)
expect_eq "$n" "$(($(ls "$T/src/outbox" | wc -l) - mail1))" "files of morning 2"
[ "$n" -gt 0 ] || fail "morning 2 wrote no mail"
run nocturne-status -c "$T/mig.ini" --check
expect_rc 0
expect_empty "$OUT$ERR" "--check output after night 2"
run nocturne-status -c "$T/mig.ini" --now '2019-12-03 07:05'
expect_rc 0
expect_contains "$OUT" "Recent batches"
ok
