#!/bin/sh
# robust_input.sh - hostile input to nocturne-import: control characters,
# NUL bytes, Windows-1252, a 1 MiB field, a 100,000-column header. Each is
# refused with exit 65 and a message naming the file, line and column, and
# the database is left exactly as it was. Formula-looking data is stored as
# it is but neutralised by nocturne-status --export.
. "$NOCTURNE_TOP/tests/e2e/lib.sh"
need_tools nocturne-import nocturne-transmit nocturne-status

DB=$T/town.db
dump() { sqlite3 "$DB" .dump | md5sum; }

cat >fam.csv <<'CSV'
family_id;name;emails;balance
F1;DUPONT Marie;marie@exemple.fr;0
CSV
cat >chi.csv <<'CSV'
child_id;family_id;first_name;last_name
C1;F1;Léa;Dupont
CSV
cat >act.csv <<'CSV'
activity_id;name;capacity;waitlist
CANTINE;Restaurant scolaire;10;oui
CSV
cat >ope.csv <<'CSV'
activity_id;date
CANTINE;2019-12-06
CSV
for k in families:fam children:chi activities:act openings:ope; do
	nocturne-import --db "$DB" "${k%%:*}" "${k#*:}.csv" || echo "FAIL: setup ${k%%:*}"
done

# refused KIND FILE NEEDLE: exit 65, NEEDLE on stderr, one line per message
# (no raw control character), database unchanged.
refused() {
	before=$(dump)
	run nocturne-import --db "$DB" "$1" "$2"
	expect_rc 65
	expect_contains "$ERR" "$3" stderr
	expect_eq "$(printf '%s' "$ERR" | tr -d '\n' | tr -d '[:print:]' | wc -c)" 0 \
		"control characters on stderr"
	expect_eq "$(dump)" "$before" "database dump"
}

t crlf_in_a_name_is_refused
printf 'family_id;name;emails;balance\nF2;"DUPONT\r\nBcc: pirate@evil.example";x@exemple.fr;0\n' >crlf.csv
refused families crlf.csv "crlf.csv:2: column name"
ok

t lf_in_a_first_name_is_refused
printf 'child_id;family_id;first_name;last_name\nC2;F1;"Léa\nTo: x@evil.example";Dupont\n' >lf.csv
refused children lf.csv "lf.csv:2: column first_name"
ok

t escape_in_a_name_is_refused
printf 'family_id;name;emails;balance\nF3;DUPONT \033[2J\033[31mMarie;x@exemple.fr;0\n' >esc.csv
refused families esc.csv "esc.csv:2: column name"
ok

t nul_byte_in_a_name_is_refused
printf 'family_id;name;emails;balance\nF4;DUP\000ONT;x@exemple.fr;0\n' >nul.csv
refused families nul.csv "nul.csv:2: column name"
ok

t windows_1252_file_is_refused
printf 'child_id;family_id;first_name;last_name\nC3;F1;Fran\347ois;L\351a\n' >cp1252.csv
refused children cp1252.csv "cp1252.csv:2: column first_name"
expect_contains "$ERR" "UTF-8"
ok

t one_mebibyte_field_is_refused
/usr/bin/python3 -c "
import sys
sys.stdout.write('family_id;name;emails;balance\nF5;' + 'A' * (1024 * 1024 + 1) + ';x@exemple.fr;0\n')
" >big.csv
refused families big.csv "big.csv:2:"
expect_contains "$ERR" "1 MiB"
ok

t hundred_thousand_column_header_is_refused
/usr/bin/python3 -c "
print(';'.join('c%d' % i for i in range(100000)))
print(';'.join('x' for i in range(100000)))
" >wide.csv
start=$(date +%s)
refused families wide.csv "wide.csv:1: column c0: unknown column"
expect_eq "$(printf '%s\n' "$ERR" | wc -l | awk '$1 <= 110 { print "bounded" }')" bounded \
	"number of error lines"
[ $(($(date +%s) - start)) -le 5 ] || fail "took more than 5 s"
ok

t garbage_bytes_are_refused
head -c 65536 /dev/urandom >noise.csv
before=$(dump)
run nocturne-import --db "$DB" requests noise.csv
expect_rc 65
expect_eq "$(dump)" "$before" "database dump"
ok

t formula_cells_are_neutralised_in_the_export
cat >fchi.csv <<'CSV'
child_id;family_id;first_name;last_name
=C9;F1;"=HYPERLINK(""http://evil.example"",""x"")";Dupont
CSV
cat >fact.csv <<'CSV'
activity_id;name;capacity;waitlist
@ACT;"@SUM(1+1)*cmd|' /C calc'!A0";5;non
CSV
cat >fope.csv <<'CSV'
activity_id;date
@ACT;2019-12-06
CSV
cat >freq.csv <<'CSV'
request_id;child_id;activity_id;date;action;submitted_at
+R1;=C9;@ACT;2019-12-06;reserve;2019-12-01 10:00
-R2;=C9;@ACT;2019-12-06;reserve;2019-12-01 11:00
CSV
for k in children:fchi activities:fact openings:fope requests:freq; do
	run nocturne-import --db "$DB" "${k%%:*}" "${k#*:}.csv"
	expect_rc 0
done
run nocturne-transmit --db "$DB" --now '2019-12-02 23:00'
expect_rc 0
run nocturne-status --db "$DB" --export -
expect_rc 0
expect_eq "$(printf '%s\n' "$OUT" | grep -v '^request_id')" \
"\"'+R1\";\"'=C9\";\"'@ACT\";2019-12-06;reserve;accepted;;;1;2019-12-02 23:00:00
\"'-R2\";\"'=C9\";\"'@ACT\";2019-12-06;reserve;refused;duplicate;;1;2019-12-02 23:00:00" export
# no field of the export starts with a formula character
expect_eq "$(printf '%s\n' "$OUT" | tr ';' '\n' | grep -c '^[=+@-]')" 0 "formula fields"
ok
