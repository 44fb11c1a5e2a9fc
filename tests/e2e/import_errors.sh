# import_errors.sh - nocturne-import: every error path, exact messages and exit codes.
. "$NOCTURNE_TOP/tests/e2e/lib.sh"

DB=$T/t.db
imp() { run nocturne-import --db "$DB" "$@"; }
q() { sqlite3 "$DB" "$1"; }
dump() { sqlite3 "$DB" .dump; }
# unchanged [WHAT]: the database is as dumped in before.sql
unchanged() {
	dump >after.sql
	cmp -s before.sql after.sql || fail "${1:-database changed}"
}

printf 'family_id;name\nF1;Dupont\n' >fam.csv
printf 'child_id;family_id;first_name;last_name\nC1;F1;Léa;Dupont\n' >ch.csv
printf 'activity_id;name;capacity\nCANTINE;Cantine;2\n' >act.csv
printf 'request_id;child_id;activity_id;date;action;submitted_at\nR1;C1;CANTINE;2019-12-06;reserve;2019-12-01 10:00\n' >req.csv
for k in families:fam children:ch activities:act requests:req; do
	nocturne-import --db "$DB" "${k%%:*}" "${k#*:}.csv" || echo "setup ${k%%:*} failed"
done

t usage_errors
imp
expect_rc 64
expect_eq "$ERR" "nocturne-import: expected KIND FILE, got 0 arguments (try --help)"
imp pupils x.csv
expect_rc 64
expect_eq "$ERR" "nocturne-import: unknown KIND 'pupils' (expected one of families, children, activities, openings, requests) (try --help)"
imp families a.csv b.csv
expect_rc 64
imp --bogus families fam.csv
expect_rc 64
expect_eq "$ERR" "nocturne-import: unknown option, or an option without its value: '--bogus' (try --help)"
imp families fam.csv --rejects
expect_rc 64
expect_eq "$ERR" "nocturne-import: unknown option, or an option without its value: '--rejects' (try --help)"
run nocturne-import --db "$DB" --now yesterday families fam.csv
expect_rc 64
expect_eq "$ERR" "nocturne-import: --now 'yesterday': expected 'YYYY-MM-DD HH:MM[:SS]' (local time)"
run env NOCTURNE_NOW=yesterday nocturne-import --db "$DB" families fam.csv
expect_rc 64
expect_eq "$ERR" "nocturne-import: \$NOCTURNE_NOW 'yesterday': expected 'YYYY-MM-DD HH:MM[:SS]' (local time)"
run nocturne-import -h
expect_rc 0
expect_contains "$OUT" "usage: nocturne-import [options] KIND FILE"
expect_eq "$ERR" ""
ok

t missing_file
imp families nope.csv
expect_rc 66
expect_eq "$ERR" "nocturne-import: nope.csv: cannot open: No such file or directory"
[ ! -e "$T/nodb.db" ] || fail "db created"
run nocturne-import --db "$T/nodb.db" families nope.csv
expect_rc 66
[ ! -e "$T/nodb.db" ] || fail "database created for a missing file"
ok

t missing_config
run nocturne-import -c "$T/none.ini" --db "$DB" families fam.csv
expect_rc 78
expect_eq "$ERR" "nocturne-import: $T/none.ini: cannot read configuration: No such file or directory"
ok

t header_errors
printf 'family_id;Nom;name;FAMILY_ID;\nF9;x;y;F9;\n' >h.csv
dump >before.sql
imp families h.csv
expect_rc 65
expect_eq "$ERR" "nocturne-import: h.csv:1: column Nom: unknown column for families (known: family_id, name, emails, balance)
nocturne-import: h.csv:1: column family_id: given twice (columns 1 and 4)
nocturne-import: h.csv:1: column 5: no name in the header
nocturne-import: h.csv: bad header row, nothing imported"
printf '\n\nchild_id;first_name\n' >h2.csv
imp children h2.csv
expect_rc 65
expect_eq "$ERR" "nocturne-import: h2.csv:3: column family_id: missing (required for children)
nocturne-import: h2.csv:3: column last_name: missing (required for children)
nocturne-import: h2.csv: bad header row, nothing imported"
: >empty.csv
imp families empty.csv
expect_rc 65
expect_eq "$ERR" "nocturne-import: empty.csv: empty file: no header row"
unchanged
ok

t huge_header
/usr/bin/python3 -c 'import sys; sys.stdout.write(";".join("col%d" % i for i in range(100000)) + "\n")' >wide.csv
imp families wide.csv
expect_rc 65
expect_contains "$ERR" "nocturne-import: wide.csv:1: column col0: unknown column for families"
expect_contains "$ERR" "nocturne-import: wide.csv: 158 more problems not shown
nocturne-import: wide.csv: bad header row, nothing imported"
ok

t bad_rows_all_or_nothing
cat >bad.csv <<'X'
request_id;child_id;activity_id;date;action;arrival;departure;submitted_at
R1;C1;CANTINE;2019-12-07;reserve;;;2019-12-01 10:00
R2;C9;CANTINE;2019-12-06;reserve;;;2019-12-01 10:00
R3;C1;PISCINE;2019-12-06;reserve;;;2019-12-01 10:00
R4;C1;CANTINE;31/02/2019;reserve;;;2019-12-01 10:00
R5;C1;CANTINE;2019-12-06;book;;;2019-12-01 10:00
R6;C1;CANTINE;2019-12-06;reserve;25:00;;2019-12-01 10:00
R7;C1;CANTINE;2019-12-06;reserve;;;
R8;C1;CANTINE;2019-12-06;reserve;;;2019-12-01 10:00
R8;C1;CANTINE;2019-12-06;cancel;;;2019-12-01 10:00
;C1;CANTINE;2019-12-06;reserve;;;2019-12-01 10:00
R9;C1;CANTINE;2019-12-06;reserve;;2019-12-01 10:00
R10;C1;CANTINE;2019-12-06;reserve;;;2019-12-01 10:00;x
R11;C1;CANTINE;2019-12-06;reserve;;;2019-12-01 10:00;
R12;C1;CANTINE;"2019-12-06";reserve;;;"2019-12-01
10:00"
R13;C1;CANTINE;2019-12-06;reserve;;;2019-12-01 25:00
X
printf 'R14;C1;CANT\351;2019-12-06;reserve;;;2019-12-01 10:00\n' >>bad.csv
dump >before.sql
imp requests bad.csv
expect_rc 65
expect_eq "$ERR" "nocturne-import: bad.csv:2: column request_id: request R1 already imported with other values: date 2019-12-06 ≠ 2019-12-07
nocturne-import: bad.csv:3: column child_id: no child 'C9' (import the children first)
nocturne-import: bad.csv:4: column activity_id: no activity 'PISCINE' (import the activities first)
nocturne-import: bad.csv:5: column date: '31/02/2019' is not a date (YYYY-MM-DD or DD/MM/YYYY)
nocturne-import: bad.csv:6: column action: 'book' is not reserve or cancel
nocturne-import: bad.csv:7: column arrival: '25:00' is not a time (HH:MM)
nocturne-import: bad.csv:8: column submitted_at: missing value
nocturne-import: bad.csv:10: column request_id: request R8 already on line 9 with other values: action reserve ≠ cancel
nocturne-import: bad.csv:11: column request_id: missing value
nocturne-import: bad.csv:12: column submitted_at: missing (the row has 7 fields, the header 8)
nocturne-import: bad.csv:13: column 9: a value past the header's 8 columns (the row has 9 fields)
nocturne-import: bad.csv:15: column submitted_at: '2019-12-01?10:00' is not a date and time (YYYY-MM-DD HH:MM[:SS])
nocturne-import: bad.csv:17: column submitted_at: '2019-12-01 25:00' is not a date and time (YYYY-MM-DD HH:MM[:SS])
nocturne-import: bad.csv:18: column activity_id: not valid UTF-8 (byte 0xE9 at offset 4): save the file as UTF-8
nocturne-import: bad.csv: 14 bad rows out of 16, nothing imported"
unchanged "database changed by a failed import"
ok

t repeated_request_names_its_line
# The line of an earlier row of this file, across blank lines, a rejected
# row spanning two lines and an unchanged repeat (the import keeps only the
# points where the line count jumps, not a line per request).
cat >rep.csv <<'X'
request_id;child_id;activity_id;date;action;arrival;departure;submitted_at
RA;C1;CANTINE;2019-12-06;reserve;;;2019-12-01 10:00

RB;C1;CANTINE;2019-12-07;reserve;;;2019-12-01 10:00
RX;C1;CANTINE;2019-12-06;reserve;;;"2019-12-01
10:00"
RC;C1;CANTINE;2019-12-08;reserve;;;2019-12-01 10:00
RA;C1;CANTINE;2019-12-06;reserve;;;2019-12-01 10:00
RD;C1;CANTINE;2019-12-09;reserve;;;2019-12-01 10:00
RB;C1;CANTINE;2019-12-07;cancel;;;2019-12-01 10:00
RC;C1;CANTINE;2019-12-08;cancel;;;2019-12-01 10:00
RD;C1;CANTINE;2019-12-09;cancel;;;2019-12-01 10:00
RA;C1;CANTINE;2019-12-06;cancel;;;2019-12-01 10:00
X
dump >before.sql
imp requests rep.csv
expect_rc 65
expect_eq "$ERR" "nocturne-import: rep.csv:5: column submitted_at: '2019-12-01?10:00' is not a date and time (YYYY-MM-DD HH:MM[:SS])
nocturne-import: rep.csv:10: column request_id: request RB already on line 4 with other values: action reserve ≠ cancel
nocturne-import: rep.csv:11: column request_id: request RC already on line 7 with other values: action reserve ≠ cancel
nocturne-import: rep.csv:12: column request_id: request RD already on line 9 with other values: action reserve ≠ cancel
nocturne-import: rep.csv:13: column request_id: request RA already on line 2 with other values: action reserve ≠ cancel
nocturne-import: rep.csv: 5 bad rows out of 10, nothing imported"
unchanged "database changed by a failed import"
ok

t rejects_file
imp requests bad.csv --rejects rej.csv
expect_rc 65
expect_contains "$ERR" "nocturne-import: bad.csv: 14 bad rows written to rej.csv, 2 rows imported"
expect_eq "$(q "select request_id from request order by seq")" "R1
R8
R11"
expect_eq "$(head -n 3 rej.csv)" "request_id;child_id;activity_id;date;action;arrival;departure;submitted_at;error
R1;C1;CANTINE;2019-12-07;reserve;;;2019-12-01 10:00;line 2: column request_id: request R1 already imported with other values: date 2019-12-06 ≠ 2019-12-07
R2;C9;CANTINE;2019-12-06;reserve;;;2019-12-01 10:00;line 3: column child_id: no child 'C9' (import the children first)"
expect_eq "$(grep -c '' rej.csv)" "16"
expect_contains "$(cat rej.csv)" "R9;C1;CANTINE;2019-12-06;reserve;;2019-12-01 10:00;;line 12: column submitted_at: missing (the row has 7 fields, the header 8)"
expect_contains "$(cat rej.csv)" "R12;C1;CANTINE;2019-12-06;reserve;;;\"2019-12-01
10:00\";line 15: column submitted_at: "
ok

t rejects_reimport_after_fix
# The rejects file, corrected, imports as it stands (its error column is ignored).
grep -e '^request_id' -e '^R2;' rej.csv | sed 's/;C9;/;C1;/' >fixed.csv
imp -v requests fixed.csv
expect_rc 0
expect_eq "$ERR" "nocturne-import: requests fixed.csv: 1 rows read, 1 inserted, 0 updated, 0 unchanged, 0 bad"
ok

t rejects_none
imp requests req.csv --rejects rej2.csv
expect_rc 0; expect_empty "$ERR" stderr
expect_eq "$(cat rej2.csv)" "request_id;child_id;activity_id;date;action;submitted_at;error"
ok

t rejects_removed_on_fatal_error
imp families h.csv --rejects rej3.csv
expect_rc 65
[ ! -e rej3.csv ] || fail "rejects file left after a bad header"
ok

t malformed_csv
printf 'family_id;name\nF5;"Du"pont\nF6;x\n' >m.csv
dump >before.sql
imp families m.csv
expect_rc 65
expect_eq "$ERR" "nocturne-import: m.csv:2: malformed CSV: a quote inside an unquoted field, or text after a closing quote"
printf 'family_id;name\nF5;x\nF6;"open\n\n' >m2.csv
imp families m2.csv
expect_rc 65
expect_eq "$ERR" "nocturne-import: m2.csv:4: a quoted field in the record starting on line 3 is not closed at the end of the input"
unchanged
ok

t field_too_long
/usr/bin/python3 -c 'import sys; sys.stdout.write("family_id;name\nF7;" + "x" * (1 << 21) + "\n")' >long.csv
imp families long.csv
expect_rc 65
expect_eq "$ERR" "nocturne-import: long.csv:2: field longer than 1 MiB"
ok

t value_errors_reference
cat >act.csv <<'X'
activity_id;name;capacity;waitlist;promote_days;hours;deadline_days;deadline_time
A1;x;-1;;;;;
A2;x;;maybe;;;;
A3;x;;;1.5;;;
A4;x;;;;18:00-08:00;;
A5;x;;;;;99999;
A6;x;;;;;;24:00
A7;;;;;;;
X
imp activities act.csv
expect_rc 65
expect_eq "$ERR" "nocturne-import: act.csv:2: column capacity: '-1' is not a whole number from 0 to 1000000
nocturne-import: act.csv:3: column waitlist: 'maybe' is not no, yes or a number of places
nocturne-import: act.csv:4: column promote_days: '1.5' is not a whole number from 0 to 3660
nocturne-import: act.csv:5: column hours: '18:00-08:00' is not HH:MM-HH:MM with the start before the end
nocturne-import: act.csv:6: column deadline_days: '99999' is not a whole number from 0 to 3660
nocturne-import: act.csv:7: column deadline_time: '24:00' is not a time (HH:MM)
nocturne-import: act.csv:8: column name: missing value
nocturne-import: act.csv: 7 bad rows out of 7, nothing imported"
printf 'family_id;name;balance\nF8;x;12,345\n' >f8.csv
imp families f8.csv
expect_rc 65
expect_eq "$ERR" "nocturne-import: f8.csv:2: column balance: '12,345' is not an amount in euros (like 12.50 or -3,20)
nocturne-import: f8.csv: 1 bad row out of 1, nothing imported"
printf 'child_id;family_id;first_name;last_name\nC5;F404;a;b\n' >c5.csv
imp children c5.csv
expect_rc 65
expect_contains "$ERR" "nocturne-import: c5.csv:2: column family_id: no family 'F404' (import the families first)"
printf 'activity_id;date\nNOPE;2019-12-06\nCANTINE;2019-12-06\nCANTINE;2019-12-06\n' >o.csv
imp openings o.csv
expect_rc 65
expect_contains "$ERR" "nocturne-import: o.csv:2: column activity_id: no activity 'NOPE' (import the activities first)"
printf 'activity_id;date;capacity\nCANTINE;2019-12-06;3\nCANTINE;06/12/2019;4\n' >o2.csv
imp openings o2.csv
expect_rc 65
expect_contains "$ERR" "nocturne-import: o2.csv:3: column date: opening CANTINE 2019-12-06 already on line 2 with other values: capacity 3 ≠ 4"
ok

t many_bad_rows_capped
{ echo 'family_id;name;balance'; i=0; while [ $i -lt 150 ]; do echo "G$i;x;bad"; i=$((i+1)); done; } >many.csv
imp families many.csv
expect_rc 65
expect_eq "$(printf '%s\n' "$ERR" | grep -c 'column balance')" "100"
expect_contains "$ERR" "nocturne-import: many.csv: 50 more problems not shown
nocturne-import: many.csv: 150 bad rows out of 150, nothing imported"
ok

t database_busy
/usr/bin/python3 - "$DB" <<'PY' &
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
open("locked", "w").close()
time.sleep(3)
c.execute("ROLLBACK")
PY
holder=$!
at_exit "kill $holder"
n=0; while [ ! -e locked ] && [ $n -lt 50 ]; do sleep 0.1; n=$((n+1)); done
printf '[database]\nbusy_timeout_ms = 100\n' >busy.ini
run nocturne-import -c busy.ini --db "$DB" families fam.csv
expect_rc 75
expect_contains "$ERR" "database is locked"
wait $holder
ok

t short_row_one_field
printf 'family_id;name;emails\nF7\n' >short.csv
imp families short.csv
expect_rc 65
expect_eq "$ERR" "nocturne-import: short.csv:2: column name: missing (the row has 1 field, the header 3)
nocturne-import: short.csv: 1 bad row out of 1, nothing imported"
ok
