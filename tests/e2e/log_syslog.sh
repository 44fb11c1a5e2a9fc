# log_syslog.sh - [log] syslog = yes: the lines reach a real syslog socket.
#
# syslog(3) writes datagrams to /dev/log. The test listens on a unix
# datagram socket of its own ($T/dev/log, a Python listener that saves each
# datagram) and runs the tools in a private mount namespace where $T/dev is
# bind-mounted over /dev (with /dev/null, /dev/zero, /dev/urandom bound in
# it), so their /dev/log is that socket and the machine's /dev is untouched.
# Without unshare and mount rights: a visible SKIP.
. "$NOCTURNE_TOP/tests/e2e/lib.sh"

PY=/usr/bin/python3
mkdir -p "$T/dev"
for n in null zero urandom random; do : >"$T/dev/$n"; done
# in_ns CMD...: run CMD with $T/dev as /dev (root: a mount namespace; else
# also a user namespace mapping us to root in it).
in_ns() {
	if [ "$(id -u)" -eq 0 ]; then set -- unshare -m "$@"; else set -- unshare -rm "$@"; fi
	"$@"
}
cat >"$T/ns.sh" <<'NS'
d=$1
shift
for n in null zero urandom random; do mount --bind "/dev/$n" "$d/$n" || exit 97; done
mount --bind "$d" /dev || exit 97
exec "$@"
NS
if ! in_ns sh "$T/ns.sh" "$T/dev" true 2>/dev/null; then
	echo "SKIP: log_syslog cannot bind-mount over /dev in a private mount namespace (unshare)"
	exit 0
fi

# The listener: every datagram on $T/dev/log, one per line, into $T/syslog.
"$PY" - "$T/dev/log" "$T/syslog" <<'PY' &
import os, socket, sys
path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
open(path + ".ready", "w").close()
with open(out, "ab", buffering=0) as f:
    while True:
        d = s.recv(65536)
        f.write(d.replace(b"\n", b"\\n") + b"\n")
PY
listener=$!
at_exit "kill $listener"
n=0
while [ ! -e "$T/dev/log.ready" ] && [ "$n" -lt 200 ]; do sleep 0.05; n=$((n + 1)); done
: >"$T/syslog"

DB=$T/n.db
printf '[log]\nsyslog = yes\n' >"$T/syslog.ini"
printf '[log]\nsyslog = no\n' >"$T/quiet.ini"
: >"$DB"
nocturne-transmit --db "$DB" -n --now '2000-01-01 00:00' >/dev/null || echo "FAIL: schema"
sqlite3 -batch "$DB" "
INSERT INTO family(ref, family_id, name) VALUES (1, 'F1', 'Martin');
INSERT INTO child(ref, child_id, family_ref, first_name, last_name) VALUES (1, 'C1', 1, 'L', 'M');
INSERT INTO activity(ref, activity_id, name, capacity, waitlist) VALUES (1, 'CANT', 'Cantine', 5, 0);
INSERT INTO opening(activity_ref, day) VALUES (1, 18240);
INSERT INTO request(request_id, child_ref, activity_ref, day, action, submitted_at)
  VALUES ('R1', 1, 1, 18240, 'reserve', 1575194400);" || echo "FAIL: fixture"
# ns_run: run in the namespace, like lib.sh's run.
ns_run() {
	in_ns sh "$T/ns.sh" "$T/dev" "$@" >"$T/out" 2>"$T/err"
	RC=$?
	OUT=$(cat "$T/out")
	ERR=$(cat "$T/err")
}
# expect_syslog TEXT PRI TOOL: within 10 s the listener saved one datagram
# holding TEXT, and it reads "<PRI>DATE TOOL[PID]: TEXT...".
expect_syslog() {
	n=0
	while ! grep -qF -- "$1" "$T/syslog" && [ "$n" -lt 200 ]; do sleep 0.05; n=$((n + 1)); done
	line=$(grep -F -- "$1" "$T/syslog")
	case "$line" in
	"<$2>"*" $3["*"]: $1"*) ;;
	*) fail "syslog line for '$1': '$line'" ;;
	esac
}

t info_line_to_syslog_only
ns_run nocturne-transmit -c "$T/syslog.ini" --db "$DB" --now '2019-12-01 22:00'
expect_rc 0
expect_empty "$OUT" stdout
expect_empty "$ERR" "stderr (cron mails it)"
# facility mail (2), severity info (6): <22>; the tag is the tool and its pid
expect_syslog "batch 1 at 2019-12-01 22:00:00: 1 requests: 1 accepted" 22 nocturne-transmit
ok

t error_to_stderr_and_syslog
: >"$T/syslog"
ns_run nocturne-transmit -c "$T/syslog.ini" --db "$T/none.db" --now '2019-12-02 22:00'
expect_rc 66
expect_contains "$ERR" "nocturne-transmit: $T/none.db: cannot open database"
# severity err (3): <19>
expect_syslog "$T/none.db: cannot open database" 19 nocturne-transmit
ok

t off_sends_nothing
: >"$T/syslog"
ns_run nocturne-status -c "$T/quiet.ini" --db "$T/none.db"
expect_rc 66
ns_run nocturne-transmit -c "$T/quiet.ini" --db "$DB" --now '2019-12-03 22:00' -v
expect_rc 0
expect_contains "$ERR" "batch 2 at 2019-12-03 22:00:00"
sleep 0.3
expect_eq "$(wc -l <"$T/syslog")" 0 "syslog lines with syslog = no"
ok
