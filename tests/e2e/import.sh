# import.sh - nocturne-import: every kind, re-import, stdin, dry run.
. "$NOCTURNE_TOP/tests/e2e/lib.sh"

DB=$T/t.db
imp() { run nocturne-import --db "$DB" "$@"; }
q() { sqlite3 "$DB" "$1"; }

cat >fam.csv <<'X'
family_id;name;emails;balance
F1;Dupont;"a@x.fr; b@x.fr";12,50
F2;Martin;;-3
X
printf '\357\273\277child_id,family_id,first_name,last_name\r\nC1,F1,Léa,Dupont\r\n\r\nC2,F2,"Tom, dit ""Tomy""",Martin\r\n' >ch.csv
cat >act.csv <<'X'
deadline_time;activity_id;name;structure;capacity;waitlist;promote_days;hours;deadline_days
10:00;CANTINE;Cantine;École A;2;oui;1;;2
;GARDERIE;Garderie;;;3;;07:30-24:00;
X
cat >op.csv <<'X'
activity_id;date;capacity
CANTINE;2019-12-06;
CANTINE;09/12/2019;5
X
cat >req.csv <<'X'
request_id;child_id;activity_id;date;action;arrival;departure;submitted_at
R1;C1;CANTINE;2019-12-06;reserve;;;2019-12-01 10:00
R2;C2;GARDERIE;06/12/2019;Annulation;08:00;24:00;2019-12-01T10:00:30
R3;C2;CANTINE;2019-12-09;RESERVATION;;;02/12/2019 07:15
X

# import_then KIND FILE 'CONTENT' SQL EXPECTED: CONTENT (a printf format)
# written as FILE and imported as KIND, then SQL must give EXPECTED.
import_then() {
	printf "$3" >"$2"
	imp "$1" "$2"
	expect_rc 0
	expect_eq "$(q "$4")" "$5" "$4"
}

t families
imp families fam.csv
expect_rc 0; expect_empty "$ERR" stderr; expect_empty "$OUT" stdout
expect_eq "$(q "select family_id, name, emails, balance_cents from family order by ref")" \
"F1|Dupont|a@x.fr; b@x.fr|1250
F2|Martin||-300"
ok

t children_bom_crlf_comma
imp children ch.csv
expect_rc 0; expect_empty "$ERR" stderr
expect_eq "$(q "select child_id, family_ref, first_name, last_name from child order by ref")" \
'C1|1|Léa|Dupont
C2|2|Tom, dit "Tomy"|Martin'
ok

t activities
imp activities act.csv
expect_rc 0; expect_empty "$ERR" stderr
expect_eq "$(q "select activity_id, name, structure, quote(capacity), waitlist, promote_days, quote(hours_from), quote(hours_to), deadline_days, deadline_time from activity order by ref")" \
"CANTINE|Cantine|École A|2|-1|1|NULL|NULL|2|600
GARDERIE|Garderie||NULL|3|0|450|1440|0|0"
ok

t openings
imp openings op.csv
expect_rc 0; expect_empty "$ERR" stderr
expect_eq "$(q "select activity_ref, day, quote(capacity) from opening order by day")" \
"1|18236|NULL
1|18239|5"
ok

t requests_verbose
imp -v requests req.csv
expect_rc 0
expect_eq "$ERR" "nocturne-import: requests req.csv: 3 rows read, 3 inserted, 0 updated, 0 unchanged, 0 bad"
expect_eq "$(q "select seq, request_id, child_ref, activity_ref, day, action, quote(arrival), quote(departure), submitted_at, state from request order by seq")" \
"1|R1|1|1|18236|reserve|NULL|NULL|1575194400|pending
2|R2|2|2|18236|cancel|480|1440|1575194430|pending
3|R3|2|1|18239|reserve|NULL|NULL|1575270900|pending"
ok

t reimport_changes_nothing
sqlite3 "$DB" .dump >before.sql
for k in families:fam children:ch activities:act openings:op requests:req; do
	imp -v "${k%%:*}" "${k#*:}.csv"
	expect_rc 0
	expect_contains "$ERR" " 0 inserted, 0 updated, " "${k%%:*}"
done
sqlite3 "$DB" .dump >after.sql
cmp -s before.sql after.sql || fail "database changed by a re-import"
ok

t reference_update
printf 'family_id;name;balance\nF2;Martin-Durand;0\n' >fam2.csv
imp -v families fam2.csv
expect_rc 0
expect_eq "$ERR" "nocturne-import: families fam2.csv: 1 rows read, 0 inserted, 1 updated, 0 unchanged, 0 bad"
expect_eq "$(q "select name, emails, balance_cents from family where family_id='F2'")" "Martin-Durand||0"
import_then openings op2.csv 'activity_id;date;capacity\nCANTINE;2019-12-09;7\n' "select capacity from opening where day=18239" "7"
ok

t absent_columns_keep_stored_values
# A file without an optional column updates what it has and keeps the rest:
# a portal export without balances must not wipe the debts.
import_then families fam3.csv 'family_id;name\nF1;Dupont-Leroy\n' "select name, emails, balance_cents from family where family_id='F1'" "Dupont-Leroy|a@x.fr; b@x.fr|1250"
import_then activities act3.csv 'activity_id;name\nCANTINE;Restaurant\n' "select name, structure, capacity, waitlist, promote_days, deadline_days, deadline_time from activity where activity_id='CANTINE'" "Restaurant|École A|2|-1|1|2|600"
import_then activities act4.csv 'activity_id;name;hours\nGARDERIE;Garderie;\n' "select hours_from, hours_to, waitlist from activity where activity_id='GARDERIE'" "||3"
import_then openings op3.csv 'activity_id;date\nCANTINE;2019-12-09\n' "select capacity from opening where day=18239" "7"
ok

t repeated_identical_in_file
printf 'request_id,child_id,activity_id,date,action,submitted_at\nR9,C1,CANTINE,2019-12-09,reserve,2019-12-01 10:00\nR9,C1,CANTINE,2019-12-09,reserve,2019-12-01 10:00\n' >dup.csv
imp -v requests dup.csv
expect_rc 0
expect_eq "$ERR" "nocturne-import: requests dup.csv: 2 rows read, 1 inserted, 0 updated, 1 unchanged, 0 bad"
expect_eq "$(q "select count(*) from request where request_id='R9'")" "1"
ok

t stdin
printf 'request_id;child_id;activity_id;date;action;submitted_at\nR10;C1;GARDERIE;2019-12-06;reserve;2019-12-01 11:00\n' |
	nocturne-import --db "$DB" requests - >"$T/.out" 2>"$T/.err"
RC=$?; ERR=$(cat "$T/.err")
expect_rc 0; expect_empty "$ERR" stderr
expect_eq "$(q "select day, action from request where request_id='R10'")" "18236|reserve"
ok

t stdin_error_name
printf 'request_id;child_id;activity_id;date;action;submitted_at\nR11;C1;GARDERIE;2019-13-06;reserve;2019-12-01 11:00\n' |
	nocturne-import --db "$DB" requests - >"$T/.out" 2>"$T/.err"
RC=$?; ERR=$(cat "$T/.err")
expect_rc 65
expect_eq "$ERR" "nocturne-import: stdin:2: column date: '2019-13-06' is not a date (YYYY-MM-DD or DD/MM/YYYY)
nocturne-import: stdin: 1 bad row out of 1, nothing imported"
ok

t dry_run_stores_nothing
sqlite3 "$DB" .dump >before.sql
printf 'family_id;name\nF3;Nouveau\nF1;Dupont-Renamed\n' >fam3.csv
imp -n families fam3.csv
expect_rc 0; expect_empty "$ERR" stderr
expect_eq "$OUT" "families fam3.csv: 2 rows read, 1 to insert, 1 to update, 0 unchanged, 0 bad; nothing stored (dry run)"
sqlite3 "$DB" .dump >after.sql
cmp -s before.sql after.sql || fail "database changed by a dry run"
ok

t dry_run_creates_no_database
run nocturne-import --db "$T/none.db" -n families fam.csv
expect_rc 0
expect_eq "$OUT" "families fam.csv: 2 rows read, 2 to insert, 0 to update, 0 unchanged, 0 bad; nothing stored (dry run)"
[ ! -e "$T/none.db" ] || fail "dry run created the database"
ok

t database_created
run nocturne-import --db "$T/new.db" families fam.csv
expect_rc 0
expect_eq "$(sqlite3 "$T/new.db" "select count(*) from family")" "2"
ok

t config_db_path
printf '[database]\npath = %s/cfg.db\n' "$T" >n.ini
run nocturne-import -c n.ini families fam.csv
expect_rc 0
expect_eq "$(sqlite3 "$T/cfg.db" "select count(*) from family")" "2"
ok

t large_file_read_on_a_second_thread
# A requests file of several blocks (import_pipe.c parses 512 rows at a time
# on a second thread, without --rejects): each bad row is reported with its
# line and words as the serial import (--rejects) reports it, at the block
# edges, in the last rows, a repeated id across blocks and a read error
# too; nothing is stored; a good file stores the rows the serial one does.
big() { # big FILE BAD: 2000 rows, with the bad ones when BAD = 1
	awk -v bad="$2" 'BEGIN {
		print "request_id;child_id;activity_id;date;action;submitted_at"
		for (i = 1; i <= 2000; i++) {
			id = "B" i; c = "C" (i % 2 + 1); d = "2019-12-0" (i % 5 + 2)
			a = "reserve"; s = "2019-12-01 10:00"
			if (bad) {
				if (i == 1) c = "C9"
				if (i == 512) d = "2019-13-40"
				if (i == 513) a = "maybe"
				if (i == 1500) s = "soon"
				if (i == 1600) { id = "B9"; d = "2019-12-09" }
				if (i == 2000) c = ""
			}
			print id ";" c ";CANTINE;" d ";" a ";" s
		}
	}' >"$1"
}
rows_of() { q "SELECT group_concat(request_id || ':' || child_ref || ':' || day || ':' || action || ':' || submitted_at, ' ') FROM (SELECT * FROM request WHERE request_id LIKE 'B%' ORDER BY seq)"; }
lines_of() { printf '%s\n' "$1" | grep '^nocturne-import: [a-z0-9]*\.csv:[0-9]'; }
big big.csv 1
sqlite3 "$DB" .dump >before.sql
imp requests big.csv
expect_rc 65
expect_eq "$(lines_of "$ERR")" "nocturne-import: big.csv:2: column child_id: no child 'C9' (import the children first)
nocturne-import: big.csv:513: column date: '2019-13-40' is not a date (YYYY-MM-DD or DD/MM/YYYY)
nocturne-import: big.csv:514: column action: 'maybe' is not reserve or cancel
nocturne-import: big.csv:1501: column submitted_at: 'soon' is not a date and time (YYYY-MM-DD HH:MM[:SS])
nocturne-import: big.csv:1601: column request_id: request B9 already on line 10 with other values: child_id C2 ≠ C1, date 2019-12-06 ≠ 2019-12-09
nocturne-import: big.csv:2001: column child_id: missing value" "the bad rows"
expect_contains "$ERR" "nocturne-import: big.csv: 6 bad rows out of 2000, nothing imported"
PIPED=$ERR
imp --rejects rej.csv -n requests big.csv
expect_rc 65
expect_eq "$(lines_of "$PIPED")" "$(lines_of "$ERR")" "as the serial import says"
# A quoted field never closed, in the fourth block: the rows before it and
# then the read error, as the serial import.
head -n 1800 big.csv >late.csv
printf 'B5000;"C1;CANTINE;2019-12-06;reserve;2019-12-01 10:00\n' >>late.csv
imp requests late.csv
expect_rc 65
expect_contains "$ERR" "nocturne-import: late.csv:1801: a quoted field in the record starting on line 1801 is not closed at the end of the input"
PIPED=$ERR
imp --rejects rej.csv -n requests late.csv
expect_rc 65
expect_eq "$(lines_of "$PIPED")" "$(lines_of "$ERR")" "a read error as the serial import says"
sqlite3 "$DB" .dump >after.sql
cmp -s before.sql after.sql || fail "database changed by refused imports"
# A good file: the same rows, in the same order, as the serial import stores.
big good.csv 0
cp "$DB" serial.db
imp requests good.csv
expect_rc 0
PIPED=$(rows_of)
expect_contains "$PIPED" "B1:2:" "stored"
expect_eq "$(q "SELECT count(*) FROM request WHERE request_id LIKE 'B%'")" 2000 "rows stored"
# Each row as the file has it, in its order: stored 32 to a statement
# (db_import.c), the last 16 one by one.
want=$(awk 'BEGIN { for (i = 1; i <= 2000; i++)
	printf "%sB%d:%d:%d:reserve:1575194400", (i > 1 ? " " : ""), i, i % 2 + 1, 18232 + i % 5 }')
expect_eq "$PIPED" "$want" "the rows, in the file's order"
DB=$T/serial.db
imp --rejects rej.csv requests good.csv
expect_rc 0
expect_eq "$(rows_of)" "$PIPED" "as the serial import stores them"
DB=$T/t.db
ok

t ids_keyed_in_id_order
# The requests go in in the file's order and their ids into request_key at
# the end, sorted on the side (import_pipe.c), in one key pass, or more when
# over 1 MiB of problems wait. A file, its ids in no order, with ids given
# again and unchanged (the first row at the end, a long id too): counted so
# and stored once; the rows keep the file's order; the keys agree with the
# requests (nocturne-status --check); a second import changes nothing; a
# repeat with other values names the line that had the id first.
ids() { # ids FILE DATE: 40,000 rows, then rows 1 and 39,000 again, the first on DATE
	awk -v date="$2" 'BEGIN {
		print "request_id;child_id;activity_id;date;action;submitted_at"
		for (i = 1; i <= 40000; i++) {
			id = sprintf("K%07d", i * 7919 % 1000003)
			if (i % 1000 == 0) # over KEY_SHORT bytes
				id = id "-" sprintf("%060d", i)
			if (i % 1000 == 500) # KEY_SHORT bytes: no 0 after it in the sort record
				id = id "-" sprintf("%031d", i)
			r[i] = id sprintf(";C%d;CANTINE;2019-12-0%d;reserve;2019-12-01 10:00", i % 2 + 1, i % 5 + 2)
			print r[i]
		}
		print (date == "" ? r[1] : substr(r[1], 1, 20) date substr(r[1], 31))
		print r[39000]
	}' >"$1"
}
keys() { q "SELECT count(*), sum(seq), max(seq) FROM request_key WHERE request_id LIKE 'K%'"; }
ids two.csv ""
ids other.csv 2019-12-09
cp "$DB" keys.db
imp -v requests two.csv
expect_rc 0
expect_eq "$ERR" "nocturne-import: requests two.csv: 40002 rows read, 40000 inserted, 0 updated, 2 unchanged, 0 bad"
expect_eq "$(q "SELECT count(*) FROM request WHERE request_id LIKE 'K%'")" 40000 "rows stored"
expect_eq "$(q "SELECT request_id FROM request WHERE request_id LIKE 'K%' ORDER BY seq" | md5sum)" \
	"$(sed -n '2,40001p' two.csv | cut -d';' -f1 | md5sum)" "the rows in the file's order"
expect_eq "$(keys)" "$(q "SELECT count(*), sum(seq), max(seq) FROM request WHERE request_id LIKE 'K%'")" "the keys"
expect_eq "$(q "SELECT count(*) FROM request_key WHERE length(request_id) > 40")" 40 "long ids"
expect_eq "$(q "SELECT count(*) FROM request_key k JOIN request r ON r.seq = k.seq
	WHERE length(k.request_id) = 40 AND r.request_id = k.request_id")" 40 "ids of 40 bytes"
run nocturne-status --check --db "$DB"
expect_rc 0
expect_empty "$OUT$ERR" "--check output"
before=$(keys)
imp -v requests two.csv
expect_rc 0
expect_eq "$ERR" "nocturne-import: requests two.csv: 40002 rows read, 0 inserted, 0 updated, 40002 unchanged, 0 bad"
expect_eq "$(keys)" "$before" "the keys after a second import"
expect_eq "$(q "SELECT count(*) FROM request WHERE request_id LIKE 'K%'")" 40000 "rows after a second import"
DB=$T/keys.db
sqlite3 "$DB" .dump >before.sql
imp requests other.csv
expect_rc 65
expect_eq "$(lines_of "$ERR")" "nocturne-import: other.csv:40002: column request_id: request K0007919 already on line 2 with other values: date 2019-12-03 ≠ 2019-12-09"
# Over 1 MiB of problems (19,999 rows naming no child) makes a key pass of
# the rows before; ids given again after it, first given before it (line 2's
# on lines 30,002, unchanged, and 40,002, other values) or after it (line
# 30,003's on line 40,004, other values), are found taken all the same (the
# command shows the first 100 problems and counts them all), as the serial
# import finds them.
awk -F';' 'NR == 1 { print; next }
	NR >= 3 && NR <= 20001 { $2 = "C9" }
	NR == 30002 { $1 = "K0007919" } # line 2s id and values
	NR == 30003 { $1 = "K0000000" } # a new id...
	{ print }
	END { print "K0000000;C1;CANTINE;2019-12-09;cancel;2019-12-01 10:00" } # ...again, other values
	' OFS=';' other.csv >passes.csv
imp requests passes.csv
expect_rc 65
PIPED=$ERR
expect_contains "$PIPED" "nocturne-import: passes.csv: 20001 bad rows out of 40003, nothing imported"
imp --rejects rej.csv -n requests passes.csv
expect_rc 65
expect_eq "$(lines_of "$PIPED")" "$(lines_of "$ERR")" "as the serial import says"
expect_contains "$OUT" "40003 rows read, 20000 to insert, 0 to update, 2 unchanged, 20001 bad"
expect_eq "$(grep -o 'line 4000[24]: column request_id: request K[0-9]* already on line [0-9]*' rej.csv)" \
	"line 40002: column request_id: request K0007919 already on line 2
line 40004: column request_id: request K0000000 already on line 30003" "the ids given again, in the serial import's rejects"
sqlite3 "$DB" .dump >after.sql
cmp -s before.sql after.sql || fail "database changed by refused imports"
DB=$T/t.db
ok

t help_version
run nocturne-import --help
expect_rc 0
expect_contains "$OUT" "usage: nocturne-import [options] KIND FILE"
expect_contains "$OUT" "--rejects"
run nocturne-import -V
expect_rc 0
expect_contains "$OUT" "nocturne-import "
ok
