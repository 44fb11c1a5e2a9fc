# status_readonly.sh - nocturne-status only reads: it works for a user who
# may only read the database (a 0644 copy in a 0755 folder, as nobody), it
# changes no byte and leaves no lock file, and it refuses a schema it does
# not know (newer: 78; older: 78 saying how to upgrade).
. "$NOCTURNE_TOP/tests/e2e/lib.sh"

printf '[database]\npath = %s/town.db\n[mail]\ndirectory = %s/outbox\n' "$T" "$T" >"$T/n.ini"
export NOCTURNE_CONFIG="$T/n.ini"
import_samples
nocturne-transmit --now '2019-12-01 22:00' || echo "FAIL: fixture night"
sqlite3 "$T/town.db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
EXPORT=$(nocturne-status --export | sha256sum)

t status_owner_writes_nothing
cp "$T/town.db" "$T/own.db"
sum=$(sha256sum <"$T/own.db")
mt=$(stat -c %Y "$T/own.db")
run nocturne-status --db "$T/own.db" --now '2019-12-02 07:00'
expect_rc 0
expect_contains "$OUT" "Recent batches"
run nocturne-status --db "$T/own.db" --export
expect_rc 0
expect_eq "$(printf '%s\n' "$OUT" | sha256sum)" "$EXPORT" "export"
expect_eq "$(sha256sum <"$T/own.db")" "$sum" "database bytes"
expect_eq "$(stat -c %Y "$T/own.db")" "$mt" "database mtime"
ls "$T" | grep -q '^own\.db.*lock' && fail "a lock file beside the database: $(ls "$T")"
ok

t status_as_a_reader_only
if reader_copy "$T/town.db"; then
	sum=$(sha256sum <"$R/town.db")
	run runuser -u nobody -- "$NOCTURNE_BUILD/nocturne-status" -c "$R/ro.ini" --now '2019-12-02 07:00'
	expect_rc 0
	expect_empty "$ERR" stderr
	expect_contains "$OUT" "Recent batches"
	expect_contains "$OUT" "      1 2019-12-01 22:00:00"
	run runuser -u nobody -- "$NOCTURNE_BUILD/nocturne-status" -c "$R/ro.ini" --export
	expect_rc 0
	expect_eq "$(printf '%s\n' "$OUT" | sha256sum)" "$EXPORT" "export as nobody"
	run runuser -u nobody -- "$NOCTURNE_BUILD/nocturne-status" -c "$R/ro.ini" --request "$(sqlite3 "$R/town.db" 'SELECT request_id FROM request LIMIT 1')"
	expect_rc 0
	expect_eq "$(ls -A "$R")" "$before" "the folder (no -shm, -wal or lock made)"
	expect_eq "$(sha256sum <"$R/town.db")" "$sum" "database bytes"
	# The writing tools, as nobody, are refused (not silently read-only).
	run runuser -u nobody -- "$NOCTURNE_BUILD/nocturne-transmit" -c "$R/ro.ini" --now '2019-12-02 22:00'
	[ "$RC" -ne 0 ] || fail "transmit as nobody succeeded on a read-only database"
	ok
fi

t status_newer_schema_78
cp "$T/town.db" "$T/new.db"
sqlite3 "$T/new.db" 'PRAGMA user_version = 999'
run nocturne-status --db "$T/new.db"
expect_rc 78
N=$(sqlite3 "$T/town.db" 'PRAGMA user_version')
expect_eq "$ERR" "nocturne-status: $T/new.db: schema version 999 is newer than this nocturne ($N): upgrade nocturne"
expect_empty "$OUT" stdout
expect_eq "$(sqlite3 "$T/new.db" 'PRAGMA user_version')" 999 "version left alone"
ok

t status_older_schema_78
if [ "$N" -lt 2 ]; then
	echo "SKIP: status_older_schema_78 this nocturne has only one schema version ($N)"
else
	cp "$T/town.db" "$T/old.db"
	sqlite3 "$T/old.db" "PRAGMA user_version = $((N - 1))"
	run nocturne-status --db "$T/old.db"
	expect_rc 78
	expect_eq "$ERR" "nocturne-status: $T/old.db: schema version $((N - 1)) is older than this nocturne ($N): run nocturne-import or nocturne-transmit once to upgrade it"
	expect_eq "$(sqlite3 "$T/old.db" 'PRAGMA user_version')" $((N - 1)) "not migrated"
	ok
fi

t status_missing_and_empty
run nocturne-status --db "$T/none.db"
expect_rc 66
[ -e "$T/none.db" ] && fail "status created the database"
: >"$T/empty.db"
run nocturne-status --db "$T/empty.db"
expect_rc 66
expect_eq "$(stat -c %s "$T/empty.db")" 0 "empty file size"
ok
