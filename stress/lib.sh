# lib.sh - sourced by the stress scripts (after they set top, the checkout).

# wait_file FILE: wait, up to 30 s, for FILE to exist (another process's
# mark, such as stress/portal.py's STOPFILE.started once its first insert
# is in); 1 when it never came.
wait_file() {
	_wf=0
	while [ ! -e "$1" ]; do
		[ "$_wf" -lt 300 ] || return 1
		sleep 0.1
		_wf=$((_wf + 1))
	done
}

# work NAME: W is the work folder ($WORK, default var/NAME), made if need
# be, and the current directory.
work() {
	W=${WORK:-$top/var/$1}
	mkdir -p "$W"
	cd "$W" || exit 1
}

# base_town NAME REQUESTS SEED [NOW]: base.db, a town of REQUESTS requests
# (stress/gentown.py with SEED) imported, then (with NOW) one night
# transmitted at NOW; kept from an earlier run of the same size. Exits the
# script with a line naming NAME when a step fails.
base_town() {
	[ -f base.db ] && [ "$(cat base.req 2>/dev/null)" = "$2" ] && return 0
	rm -f base.db* town/*.csv
	/usr/bin/python3 "$top/stress/gentown.py" town "$2" "$3" || exit 1
	for _k in families children activities openings requests; do
		nocturne-import -q --db base.db "$_k" "town/$_k.csv" || {
			echo "$1: import $_k failed"
			exit 1
		}
	done
	if [ $# -ge 4 ]; then
		nocturne-transmit -q --db base.db --now "$4" || {
			echo "$1: the base night failed"
			exit 1
		}
	fi
	sqlite3 base.db 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
	echo "$2" >base.req
}
