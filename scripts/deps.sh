#!/bin/sh
# deps.sh - install the Debian packages nocturne needs to build, test and benchmark.
# Does nothing when everything is already there; otherwise (as root) runs
# apt-get update once, then installs only what is missing.
set -eu

pkgs="gcc make pkg-config libsqlite3-dev sqlite3 libcsv-dev libiniparser-dev
libesmtp-dev libssl-dev libcurl4-openssl-dev openssl ca-certificates
python3 python3-aiosmtpd postfix time python3-icalendar python3-vobject chromium
dovecot-imapd curl util-linux
debhelper devscripts lintian systemd prometheus"

missing=""
for p in $pkgs; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing Debian packages:$missing" >&2
	echo "deps.sh: run as root: apt-get install$missing" >&2
	exit 1
fi
echo "deps.sh: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# postfix asks no question and starts no daemon this way: the tests only
# use its smtp-sink/smtp-source programs.
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections 2>/dev/null || true
apt-get update -q >&2
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >&2
# A postfix daemon would hold port 25: the tests start their own servers.
if command -v postfix >/dev/null 2>&1; then
	postfix stop >/dev/null 2>&1 || true
fi
exit 0
