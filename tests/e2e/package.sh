# package.sh - the Debian package, as root: `make deb` (lintian clean), then
# dpkg -i: the nocturne user, its folders and modes, the conffile, the timers
# enabled; a night and a morning run by the installed tools as nocturne, for
# the default configuration and for two towns through the template units'
# own command lines; dpkg -r keeps the data, dpkg -P removes configuration
# and folders. Whatever happens, the machine is left as it was found.
. "$NOCTURNE_TOP/tests/e2e/lib.sh"
# The installed tools find /etc/nocturne/nocturne.ini themselves: that search
# is under test here, so no $NOCTURNE_CONFIG (lib.sh sets an empty one).
unset NOCTURNE_CONFIG

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: package needs root (dpkg -i)"
	exit 0
fi
for c in dpkg-buildpackage dh lintian runuser flock; do
	if ! command -v "$c" >/dev/null 2>&1; then
		echo "SKIP: package $c not installed (debhelper, devscripts, lintian)"
		exit 0
	fi
done
# One package test at a time on this machine (other checkouts run theirs).
exec 9>/run/lock/nocturne-package-test.lock
if ! flock -w 1800 9; then
	echo "SKIP: package another package test held the lock for 30 minutes"
	exit 0
fi
if dpkg-query -W -f='${Status}' nocturne 2>/dev/null | grep -qv 'not-installed'; then
	echo "SKIP: package a nocturne package is already on this machine: not touching it"
	exit 0
fi

# Leave the machine as found: purge the package, and remove what this test
# created that purge keeps (the user) or that a failure left behind.
had_user=0 had_etc=0 had_lib=0 had_spool=0
getent passwd nocturne >/dev/null && had_user=1
[ -e /etc/nocturne ] && had_etc=1
[ -e /var/lib/nocturne ] && had_lib=1
[ -e /var/spool/nocturne ] && had_spool=1
pkg_cleanup() {
	if dpkg-query -W -f='${Status}' nocturne 2>/dev/null | grep -qv 'not-installed'; then
		dpkg -P nocturne >/dev/null 2>&1
	fi
	[ "$had_user" -eq 0 ] && getent passwd nocturne >/dev/null && userdel nocturne
	[ "$had_user" -eq 0 ] && getent group nocturne >/dev/null && groupdel nocturne
	[ "$had_etc" -eq 0 ] && rm -rf /etc/nocturne
	[ "$had_lib" -eq 0 ] && rm -rf /var/lib/nocturne
	[ "$had_spool" -eq 0 ] && rm -rf /var/spool/nocturne
	true
}
at_exit pkg_cleanup
trap 'exit 1' INT TERM HUP

t make_deb_lintian_clean
unset MAKEFLAGS MFLAGS MAKELEVEL
before=$(git -C "$TOP" status --porcelain --untracked-files=all 2>/dev/null)
run make --no-print-directory -C "$TOP" deb DEB_DIR="$T/deb"
expect_rc 0
DEB=$(ls "$T"/deb/nocturne_*_*.deb 2>/dev/null | head -n 1)
[ -f "$DEB" ] || fail "no .deb in $T/deb"
after=$(git -C "$TOP" status --porcelain --untracked-files=all 2>/dev/null)
expect_eq "$after" "$before" "git status after the build (nothing left in the tree)"
run lintian --pedantic "$T"/deb/nocturne_*.changes
expect_empty "$(printf '%s\n' "$OUT" | grep '^[EW]: ')" "lintian errors/warnings"
ok
[ -f "$DEB" ] || exit 0

t dpkg_install
run dpkg -i "$DEB"
expect_rc 0
pw=$(getent passwd nocturne)
expect_eq "$(echo "$pw" | cut -d: -f6)" /var/lib/nocturne "home"
expect_eq "$(echo "$pw" | cut -d: -f7)" /usr/sbin/nologin "shell"
[ "$(echo "$pw" | cut -d: -f3)" -lt 1000 ] || fail "not a system uid: $pw"
for d in /var/lib/nocturne /var/lib/nocturne/backups /var/spool/nocturne; do
	expect_eq "$(stat -c '%U:%G %a' "$d")" "nocturne:nocturne 750" "$d"
done
expect_eq "$(stat -c '%U:%G %a' /etc/nocturne/nocturne.ini)" "root:nocturne 640" "conffile"
expect_contains "$(dpkg-query -W -f='${Conffiles}' nocturne)" "/etc/nocturne/nocturne.ini" "conffiles"
for x in import transmit notify status bounce; do
	[ -x /usr/bin/nocturne-$x ] || fail "/usr/bin/nocturne-$x missing"
	[ -f /usr/share/man/man1/nocturne-$x.1.gz ] || fail "man page nocturne-$x.1 missing"
done
[ -f /usr/share/man/man5/nocturne.5.gz ] || fail "nocturne.5 missing"
[ -f /usr/share/doc/nocturne/nocturne.cron ] || fail "the example crontab is missing"
[ -e /etc/cron.d/nocturne ] && fail "a crontab was installed beside the timers"
# Timers enabled the Debian way; the services they start are not.
for j in transmit notify redeliver; do
	[ -L /etc/systemd/system/timers.target.wants/nocturne-$j.timer ] ||
		fail "nocturne-$j.timer not enabled"
done
ls /etc/systemd/system/*.wants 2>/dev/null | grep -q 'nocturne.*\.service' &&
	fail "a service was enabled"
# The bounce fetch is installed but not enabled (it needs [bounce] url);
# nor do the maintainer scripts ever start or restart a service (a night).
[ -f /lib/systemd/system/nocturne-bounce-fetch.timer ] || fail "the fetch timer is not installed"
[ -e /etc/systemd/system/timers.target.wants/nocturne-bounce-fetch.timer ] &&
	fail "the fetch timer was enabled"
grep -h 'deb-systemd-invoke' /var/lib/dpkg/info/nocturne.postinst /var/lib/dpkg/info/nocturne.prerm |
	grep -q '\.service' && fail "a maintainer script starts or stops a service"
grep -q "deb-systemd-invoke .*'nocturne-transmit.timer'" /var/lib/dpkg/info/nocturne.postinst ||
	fail "the postinst does not start the timers"
# The operator's way, as the docs say (--now where systemd runs).
run systemctl enable nocturne-bounce-fetch.timer
expect_rc 0
[ -L /etc/systemd/system/timers.target.wants/nocturne-bounce-fetch.timer ] ||
	fail "systemctl enable did not enable the fetch timer"
run systemctl disable nocturne-bounce-fetch.timer
expect_rc 0
# The installed units verify, man pages (when man is there) and binaries included.
man=--man=yes
command -v man >/dev/null 2>&1 || man=--man=no
for u in /lib/systemd/system/nocturne-*; do
	case $u in
	*@.*) cp "$u" "$T/$(basename "$u" | sed 's/@\./@ville1./')"; u=$T/$(basename "$u" | sed 's/@\./@ville1./') ;;
	esac
	run systemd-analyze verify "$man" "$u"
	expect_rc 0
	expect_empty "$ERR" "verify $(basename "$u")"
done
ok

# The samples, readable by the nocturne user.
mkdir -m 755 "$T/s"
cp "$TOP"/samples/*.csv "$T/s/"
chmod 755 "$T"
chmod 644 "$T"/s/*.csv
as_n() { runuser -u nocturne -- "$@"; }

t night_as_nocturne
# The packaged configuration, mail written as files into the spool.
sed -i 's/^transport = smtp /transport = file /' /etc/nocturne/nocturne.ini
expect_eq "$(stat -c '%U:%G %a' /etc/nocturne/nocturne.ini)" "root:nocturne 640" "edited conffile"
for k in families children activities openings; do
	run as_n nocturne-import "$k" "$T/s/$k.csv"
	expect_rc 0
done
run as_n nocturne-import requests "$T/s/requests-night1.csv"
expect_rc 0
run as_n nocturne-transmit --now '2019-12-01 22:00'
expect_rc 0
expect_empty "$OUT$ERR" "transmit output"
run as_n nocturne-notify --now '2019-12-02 07:00'
expect_rc 0
expect_eq "$(stat -c %U /var/lib/nocturne/nocturne.db)" nocturne "database owner"
# The packaged configuration backs the database up before the night.
expect_eq "$(stat -c '%U %a' /var/lib/nocturne/backups/nocturne-batch000001-20191201-220000.db 2>&1)" \
	"nocturne 640" "the night's backup"
n=$(ls /var/spool/nocturne/outbox/*.eml 2>/dev/null | wc -l)
[ "$n" -gt 0 ] || fail "no mail in /var/spool/nocturne/outbox"
run as_n nocturne-status --now '2019-12-02 07:05'
expect_rc 0
expect_contains "$OUT" "batch" "status"
# The packaged installation passes its own check, as the user the timers run as.
run as_n nocturne-status --check
expect_rc 0
expect_empty "$OUT$ERR" "--check output"
ok

t two_towns_through_the_templates
# Each town: /etc/nocturne/TOWN.ini, its database and outbox; the command is
# the template unit's own ExecStart with %i replaced, run as its User=.
for town in ville1 ville2; do
	install -d -o nocturne -g nocturne -m 750 /var/lib/nocturne/$town /var/spool/nocturne/$town
	printf '[database]\npath = /var/lib/nocturne/%s/nocturne.db\n[mail]\ntransport = file\ndirectory = /var/spool/nocturne/%s/outbox\n' \
		$town $town >/etc/nocturne/$town.ini
	chgrp nocturne /etc/nocturne/$town.ini
	chmod 640 /etc/nocturne/$town.ini
	for k in families children activities openings; do
		as_n nocturne-import -c /etc/nocturne/$town.ini "$k" "$T/s/$k.csv" || fail "$town import $k"
	done
done
# Only ville2 gets the night-1 requests: the towns share nothing.
as_n nocturne-import -c /etc/nocturne/ville2.ini requests "$T/s/requests-night1.csv" ||
	fail "ville2 requests"
for town in ville1 ville2; do
	for j in transmit notify; do
		cmd=$(sed -n 's/^ExecStart=//p' /lib/systemd/system/nocturne-$j@.service | sed "s/%i/$town/g")
		user=$(sed -n 's/^User=//p' /lib/systemd/system/nocturne-$j@.service)
		expect_eq "$user" nocturne "$j@ User"
		[ "$j" = transmit ] && now='2019-12-01 22:00' || now='2019-12-02 07:00'
		# shellcheck disable=SC2086
		run env NOCTURNE_NOW="$now" runuser -u "$user" -- $cmd
		expect_rc 0
	done
done
q() { sqlite3 -readonly /var/lib/nocturne/$1/nocturne.db "$2"; }
expect_eq "$(q ville1 'SELECT count(*) FROM batch')" 1 "ville1 batches"
expect_eq "$(q ville1 'SELECT count(*) FROM request')" 0 "ville1 requests"
# ville2 decided what the default town decided from the same files.
decided="SELECT count(*) FROM request WHERE state <> 'pending'"
[ "$(q ville2 "$decided")" -gt 0 ] || fail "ville2 decided nothing"
expect_eq "$(q ville2 "$decided")" \
	"$(sqlite3 -readonly /var/lib/nocturne/nocturne.db "$decided")" "ville2 decisions"
n1=$(ls /var/spool/nocturne/ville1/outbox 2>/dev/null | wc -l)
n2=$(ls /var/spool/nocturne/ville2/outbox/*.eml 2>/dev/null | wc -l)
expect_eq "$n1" 0 "ville1 mail"
[ "$n2" -gt 0 ] || fail "ville2 wrote no mail"
# The default town was not touched by either.
expect_eq "$(sqlite3 -readonly /var/lib/nocturne/nocturne.db 'SELECT count(*) FROM batch')" 1 "default town"
# The fetch template, for a town without [bounce] url: why it ships disabled.
cmd=$(sed -n 's/^ExecStart=//p' /lib/systemd/system/nocturne-bounce-fetch@.service | sed "s/%i/ville1/g")
# shellcheck disable=SC2086
run runuser -u nocturne -- $cmd
expect_rc 78
expect_contains "$ERR" "[bounce] url" "fetch without a mailbox"
ok

t remove_keeps_data
run dpkg -r nocturne
expect_rc 0
[ -e /usr/bin/nocturne-transmit ] && fail "binary still there after remove"
[ -f /var/lib/nocturne/nocturne.db ] || fail "remove deleted the database"
[ -f /var/lib/nocturne/ville2/nocturne.db ] || fail "remove deleted a town's database"
[ -f /etc/nocturne/nocturne.ini ] || fail "remove deleted the configuration"
ok

t purge_removes_configuration
run dpkg -P nocturne
expect_rc 0
for p in /etc/nocturne /var/lib/nocturne /var/spool/nocturne; do
	[ -e "$p" ] && fail "$p still there after purge"
done
dpkg-statoverride --list /etc/nocturne/nocturne.ini >/dev/null && fail "statoverride left"
ls /etc/systemd/system/timers.target.wants 2>/dev/null | grep -q nocturne && fail "timer links left"
ok
