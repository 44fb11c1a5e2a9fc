# status_export.sh - nocturne-status --export: the exact CSV bytes (contract
# section 5), --batch filtering, stdout, the atomic FILE write, errors.
. "$NOCTURNE_TOP/tests/e2e/lib.sh"

printf '[database]\npath = %s/n.db\n' "$T" >"$T/n.ini"
export NOCTURNE_CONFIG="$T/n.ini" NOCTURNE_NOW='2019-12-05 12:00'
: >"$T/n.db"
# The schema: a writing tool migrates the empty file (status only reads).
nocturne-transmit -n --now '2000-01-01 00:00' >/dev/null && sqlite3 "$T/n.db" <"$TOP/tests/e2e/status.sql" || echo "FAIL: fixture"

cat >"$T/all.csv" <<'EOF'
request_id;child_id;activity_id;date;action;state;reason;position;batch_id;decided_at
R1;C1;CANTINE;2019-12-06;reserve;cancelled;;;2;2019-12-03 02:00:00
R2;C2;CANTINE;2019-12-06;reserve;accepted;;;1;2019-12-02 02:00:00
R3;C3;CANTINE;2019-12-06;reserve;accepted;;;2;2019-12-03 02:00:00
R4;C4;CANTINE;2019-12-06;reserve;waitlisted;;1;2;2019-12-03 02:00:00
R5;C5;CANTINE;2019-12-06;reserve;waitlisted;;2;2;2019-12-03 02:00:00
R6;C2;CANTINE;2019-12-06;reserve;refused;duplicate;;1;2019-12-02 02:00:00
R22;C1;CANTINE;2019-12-04;reserve;accepted;;;1;2019-12-02 02:00:00
R23;C2;CANTINE;2019-12-04;reserve;expired;;;3;2019-12-05 02:00:00
R8;C1;CANTINE;2019-12-06;cancel;accepted;;;2;2019-12-03 02:00:00
R9;C3;PERI;2019-12-06;reserve;refused;times;;2;2019-12-03 02:00:00
R10;C3;PERI;2019-12-06;reserve;refused;times;;2;2019-12-03 02:00:00
R11;C4;PERI;2019-12-06;reserve;refused;times;;2;2019-12-03 02:00:00
R12;C4;PERI;2019-12-06;reserve;refused;times;;2;2019-12-03 02:00:00
R13;C3;MERC;2019-12-11;reserve;refused;debtor;;2;2019-12-03 02:00:00
R15;C2;MERC;2019-12-10;reserve;refused;closed;;2;2019-12-03 02:00:00
R16;C5;MERC;2019-12-11;reserve;accepted;;;2;2019-12-03 02:00:00
R17;C2;MERC;2019-12-11;reserve;refused;full;;2;2019-12-03 02:00:00
R18;C2;CANTINE;2019-12-09;cancel;refused;nothing_to_cancel;;2;2019-12-03 02:00:00
R14;C1;CANTINE;2019-12-06;reserve;refused;deadline;;3;2019-12-05 02:00:00
R19;C4;CANTINE;2019-12-09;reserve;pending;;;;
R20;C5;CANTINE;2019-12-09;reserve;pending;;;;
"'=R21";C1;PERI;2019-12-06;reserve;pending;;;;
EOF

t status_export_stdout_bytes
nocturne-status --export >"$T/out.csv" 2>"$T/err"
RC=$?
expect_rc 0
cmp -s "$T/out.csv" "$T/all.csv" || fail "export differs: $(diff "$T/all.csv" "$T/out.csv" | head -5)"
expect_empty "$(cat "$T/err")" stderr
ok

t status_export_dash_is_stdout
nocturne-status --export - >"$T/out2.csv"
RC=$?
expect_rc 0
cmp -s "$T/out2.csv" "$T/all.csv" || fail "export to - differs"
ok

t status_export_batch_filter
nocturne-status --export --batch 1 >"$T/b1.csv"
RC=$?
expect_rc 0
expect_eq "$(cat "$T/b1.csv")" "request_id;child_id;activity_id;date;action;state;reason;position;batch_id;decided_at
R2;C2;CANTINE;2019-12-06;reserve;accepted;;;1;2019-12-02 02:00:00
R6;C2;CANTINE;2019-12-06;reserve;refused;duplicate;;1;2019-12-02 02:00:00
R22;C1;CANTINE;2019-12-04;reserve;accepted;;;1;2019-12-02 02:00:00"
nocturne-status --export --batch 3 - >"$T/b3.csv"
expect_eq "$(cat "$T/b3.csv")" "request_id;child_id;activity_id;date;action;state;reason;position;batch_id;decided_at
R23;C2;CANTINE;2019-12-04;reserve;expired;;;3;2019-12-05 02:00:00
R14;C1;CANTINE;2019-12-06;reserve;refused;deadline;;3;2019-12-05 02:00:00"
# Every row of batch 2 is the all-export's row with batch_id 2, same order.
nocturne-status --batch 2 --export >"$T/b2.csv"
grep ';2;2019-12-03 02:00:00$' "$T/all.csv" >"$T/b2.want"
tail -n +2 "$T/b2.csv" >"$T/b2.got"
cmp -s "$T/b2.got" "$T/b2.want" || fail "batch 2 rows differ"
expect_eq "$(wc -l <"$T/b2.csv" | tr -d ' ')" 15 "batch 2 lines"
ok

t status_export_unknown_batch
run nocturne-status --export --batch 7 "$T/x.csv"
expect_rc 65
expect_eq "$ERR" "nocturne-status: batch 7: no such batch"
[ ! -e "$T/x.csv" ] || fail "file created for an unknown batch"
expect_eq "$(ls -a "$T" | grep -c '\.tmp$')" 0 "temporary files left"
ok

t status_export_file_atomic
mkdir "$T/out"
echo "old contents" >"$T/out/decisions.csv"
# A reader holding the old file keeps seeing it whole: the new one is renamed over it.
exec 3<"$T/out/decisions.csv"
old_inode=$(ls -i "$T/out/decisions.csv" | cut -d' ' -f1)
run nocturne-status --export "$T/out/decisions.csv"
expect_rc 0
expect_empty "$OUT" stdout
cmp -s "$T/out/decisions.csv" "$T/all.csv" || fail "file export differs"
new_inode=$(ls -i "$T/out/decisions.csv" | cut -d' ' -f1)
[ "$old_inode" != "$new_inode" ] || fail "file rewritten in place, not renamed"
expect_eq "$(cat <&3)" "old contents" "old file seen by a reader"
exec 3<&-
expect_eq "$(ls -a "$T/out" | tr '\n' ' ')" ". .. decisions.csv " "directory"
ok

t status_export_relative_file
(cd "$T/out" && nocturne-status --export --batch 1 rel.csv)
RC=$?
expect_rc 0
cmp -s "$T/out/rel.csv" "$T/b1.csv" || fail "relative file export differs"
ok

t status_export_unwritable_dir
run nocturne-status --export "$T/nodir/decisions.csv"
expect_rc 74
expect_contains "$ERR" "nocturne-status: $T/nodir/.decisions.csv."
expect_contains "$ERR" "cannot create: No such file or directory"
ok

t status_export_full_disk
if [ -w /dev/full ]; then
	run nocturne-status --export -
	nocturne-status --export >/dev/full 2>"$T/err"
	RC=$?
	expect_rc 74
	expect_contains "$(cat "$T/err")" "nocturne-status: "
fi
ok

t status_export_extra_argument
run nocturne-status --export a.csv b.csv
expect_rc 64
expect_contains "$ERR" "unexpected argument 'b.csv'"
ok

t status_export_streams_many_rows
cp "$T/n.db" "$T/big.db"
sqlite3 "$T/big.db" "WITH RECURSIVE k(i) AS (SELECT 100 UNION ALL SELECT i + 1 FROM k WHERE i < 20099)
 INSERT INTO request(seq, request_id, child_ref, activity_ref, day, action, submitted_at, state,
  batch_id) SELECT i, 'X' || i, 1 + i % 5, 1 + i % 3, 18000 + i % 30, 'reserve', 1575000000,
  'accepted', 1 + i % 3 FROM k;
 INSERT INTO decision(batch_id, seq, state) SELECT batch_id, seq, state FROM request WHERE seq >= 100"
nocturne-status --db "$T/big.db" --export --batch 2 "$T/big.csv"
RC=$?
expect_rc 0
expect_eq "$(wc -l <"$T/big.csv" | tr -d ' ')" $((1 + 14 + 6667)) "rows"
expect_eq "$(sed -n '16p' "$T/big.csv")" "X100;C1;PERI;2019-04-24;reserve;accepted;;;2;2019-12-03 02:00:00" "first added row"
expect_eq "$(tail -n 1 "$T/big.csv")" "X20098;C4;PERI;2019-05-12;reserve;accepted;;;2;2019-12-03 02:00:00" "last row"
ok

t status_export_scan_memory
# An export reads its pages once, in order: its memory does not grow with
# the database (a small page cache, lib/db_status.c, or the pool of
# db_page_pool), 400,000 requests, a 49 MB database, against the fixture's.
cp "$T/n.db" "$T/scan.db"
sqlite3 "$T/scan.db" "WITH RECURSIVE k(i) AS (SELECT 100 UNION ALL SELECT i + 1 FROM k WHERE i < 400099)
 INSERT INTO request(seq, request_id, child_ref, activity_ref, day, action, submitted_at, state,
  batch_id) SELECT i, 'SCAN-REQUEST-' || i, 1 + i % 5, 1 + i % 3, 18000 + i % 30, 'reserve',
  1575000000, 'accepted', 2 FROM k"
db_kib=$(($(wc -c <"$T/scan.db") / 1024))
run /usr/bin/time -f 'maxrss %M' nocturne-status --db "$T/n.db" --export "$T/small.csv"
expect_rc 0
small=$(echo "$ERR" | sed -n 's/^maxrss //p')
run /usr/bin/time -f 'maxrss %M' nocturne-status -vv --db "$T/scan.db" --export "$T/scan.csv"
expect_rc 0
expect_eq "$(wc -l <"$T/scan.csv" | tr -d ' ')" $((1 + 22 + 400000)) "rows"
expect_eq "$(tail -n 1 "$T/scan.csv")" "SCAN-REQUEST-400099;C5;PERI;2019-05-03;reserve;accepted;;;2;2019-12-03 02:00:00" "last row"
# Read by two threads, in parts of 16,384 requests (lib/export_parts.h):
# the very bytes of the rows in import order, made here one by one.
expect_contains "$ERR" "nocturne-status: export: read by 2 threads"
days=$(for d in $(seq 18000 18029); do date -u -d "@$((d * 86400))" +%F; done | tr '\n' ' ')
{
	cat "$T/all.csv"
	awk -v days="$days" 'BEGIN {
		split(days, day, " "); split("CANTINE PERI MERC", act, " ")
		for (i = 100; i <= 400099; i++)
			printf "SCAN-REQUEST-%d;C%d;%s;%s;reserve;accepted;;;2;2019-12-03 02:00:00\n",
			    i, 1 + i % 5, act[1 + i % 3], day[1 + i % 30]
	}'
} >"$T/scan.want"
cmp -s "$T/scan.csv" "$T/scan.want" || fail "the export in parts differs: $(diff "$T/scan.want" "$T/scan.csv" | head -5)"
rss=$(echo "$ERR" | sed -n 's/^maxrss //p')
echo "  (max RSS: ${rss} KiB for a ${db_kib} KiB database, ${small} KiB for the fixture's)" >&2
[ "$db_kib" -gt 24000 ] || fail "the database is only ${db_kib} KiB"
case "$NOCTURNE_BUILD" in
*san*) ;; # sanitizers inflate memory: the bound is checked in the plain build
*) [ "${rss:-999999}" -lt $((${small:-0} + 6144)) ] ||
	fail "max RSS ${rss} KiB for the export of a ${db_kib} KiB database, ${small} KiB for the fixture's" ;;
esac
ok

t status_export_raw
# --raw: every value exactly as imported (a machine reads it); the only
# difference from the default export is the formula-looking id.
nocturne-status --export --raw >"$T/raw.csv"
RC=$?
expect_rc 0
expect_eq "$(diff "$T/all.csv" "$T/raw.csv" | grep '^[<>]')" "< \"'=R21\";C1;PERI;2019-12-06;reserve;pending;;;;
> =R21;C1;PERI;2019-12-06;reserve;pending;;;;"
run nocturne-status --raw
expect_rc 64
expect_eq "$ERR" "nocturne-status: --raw goes with --export (try --help)"
ok
