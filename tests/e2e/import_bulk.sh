# import_bulk.sh - a large requests import rebuilds the index request_child
# in one sorted pass inside its transaction (docs/import.md); a small one
# leaves it alone; a failed large one leaves the database, index included,
# exactly as it was. The rebuilt index is a new b-tree: its root page
# changes, which is what these cases look at.
. "$NOCTURNE_TOP/tests/e2e/lib.sh"

DB=$T/t.db
q() { sqlite3 "$DB" "$1"; }
root() { q "SELECT rootpage FROM sqlite_master WHERE name = '$1'"; }

# requests FILE FIRST COUNT [BAD]: COUNT requests R<n> from FIRST, spread
# over 500 children and 20 days (ids in no particular order); BAD appends
# one row naming an unknown child.
requests() {
	awk -v first="$2" -v n="$3" -v bad="${4:-}" 'BEGIN {
		print "request_id;child_id;activity_id;date;action;arrival;departure;submitted_at"
		for (i = 0; i < n; i++) {
			k = first + (i * 7919) % n
			printf "R%07d;C%03d;CANTINE;2019-12-%02d;reserve;;;2019-11-20 10:00\n",
				k, k % 500, 1 + k % 20
		}
		if (bad != "")
			print "RBAD;NOBODY;CANTINE;2019-12-02;reserve;;;2019-11-20 10:00"
	}' >"$1"
}

{
	echo "family_id;name;emails;balance"
	echo "F1;Dupont;a@x.fr;0"
} >fam.csv
awk 'BEGIN { print "child_id;family_id;first_name;last_name"
	for (i = 0; i < 500; i++) printf "C%03d;F1;Léa;Dupont\n", i }' >ch.csv
cat >act.csv <<'X'
activity_id;name;capacity;waitlist;deadline_days;deadline_time
CANTINE;Cantine;100000;oui;0;10:00
X
for k in families:fam children:ch activities:act; do
	nocturne-import -q --db "$DB" "${k%%:*}" "${k#*:}.csv" || echo "setup: import ${k%%:*} failed"
done
def=$(q "SELECT sql FROM sqlite_master WHERE name = 'request_child'")

t small_import_keeps_the_index
requests small.csv 1 1000
before=$(root request_child)
run nocturne-import --db "$DB" requests small.csv
expect_rc 0
expect_eq "$(q 'SELECT count(*) FROM request')" 1000 "requests stored"
expect_eq "$(root request_child)" "$before" "request_child root page (not rebuilt)"
ok

t large_failed_import_changes_nothing
requests bad.csv 100001 150000 bad
before=$(root request_child) slot=$(root request_slot)
run nocturne-import --db "$DB" requests bad.csv
expect_rc 65
expect_contains "$ERR" "bad.csv:150002"
expect_contains "$ERR" "NOBODY"
expect_eq "$(q 'SELECT count(*) FROM request')" 1000 "requests stored"
expect_eq "$(root request_child)" "$before" "request_child root page"
expect_eq "$(q "SELECT sql FROM sqlite_master WHERE name = 'request_child'")" "$def" "index definition"
expect_eq "$(q 'PRAGMA integrity_check')" ok "integrity"
ok

t large_import_rebuilds_the_index
requests big.csv 100001 150000
run nocturne-import --db "$DB" requests big.csv
expect_rc 0
expect_eq "$(q 'SELECT count(*) FROM request')" 151000 "requests stored"
expect_eq "$(q "SELECT sql FROM sqlite_master WHERE name = 'request_child'")" "$def" "index definition"
[ "$(root request_child)" != "$before" ] || fail "request_child was not rebuilt (root page $before)"
expect_eq "$(root request_slot)" "$slot" "request_slot root page (left alone)"
expect_eq "$(q 'PRAGMA integrity_check')" ok "integrity"
# The index answers: every entry of one child, through it and without it.
expect_eq "$(q "SELECT count(*) FROM request INDEXED BY request_child WHERE child_ref = (SELECT ref FROM child WHERE child_id = 'C007')")" \
	"$(q "SELECT count(*) FROM request NOT INDEXED WHERE child_ref = (SELECT ref FROM child WHERE child_id = 'C007')")" \
	"C007's requests through the index"
expect_eq "$(q 'PRAGMA foreign_key_check')" "" "foreign keys"
ok
