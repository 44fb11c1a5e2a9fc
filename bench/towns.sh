#!/bin/sh
# towns.sh BUILD [TOWNS [PARALLEL [REQUESTS]]] - how many towns one host
# serves in a night window (docs/operations.md).
#
# TOWNS towns (default 8), each its own database, configuration, outbox,
# backup folder and metrics file, the same synthetic town for each
# (bench/towngen: REQUESTS requests, default 5,000, from 1,500 families and
# 3,000 children: a busy night of a 3,000-child town). Prepared untimed
# (reference data and requests imported, as the portal would have done by
# the evening). Timed: what the per-town timers run, PARALLEL towns at a
# time (default 2, one per core): nocturne-transmit (backup before the
# batch, metrics on) then nocturne-notify (mail written as files: the relay
# is the MTA's work). Prints the wall time, the time per town, and how many
# towns the 23:30-06:00 window (6.5 h) holds at that rate.
set -eu
B=$(cd "${1:-build}" && pwd)
TOWNS=${2:-8}
PAR=${3:-2}
REQ=${4:-5000}
top=$(cd "$(dirname "$0")/.." && pwd)
V=$top/var/towns
PATH="$B:$PATH"
export PATH
unset NOCTURNE_CONFIG NOCTURNE_NOW

make --no-print-directory -s -C "$top" B="$B" "$B/bench/towngen" >/dev/null
rm -rf "$V"
mkdir -p "$V"
"$B/bench/towngen" -o "$V/gen" -r "$REQ" -f 1500 -c 3000 -k 6 -m
now=$(sed -n 's/^now=//p' "$V/gen/town.info")
i=1
while [ "$i" -le "$TOWNS" ]; do
	d=$V/ville$i
	mkdir -p "$d/backups"
	printf '[database]\npath = %s/nocturne.db\nbackup_dir = %s/backups\n[mail]\ndirectory = %s/outbox\n[log]\nmetrics_file = %s/nocturne.prom\n' \
		"$d" "$d" "$d" "$d" >"$d/town.ini"
	for k in families children activities openings requests; do
		nocturne-import -c "$d/town.ini" "$k" "$V/gen/$k.csv"
	done
	i=$((i + 1))
done

# One town's night and morning, as its timers run them.
cat >"$V/night.sh" <<EON
#!/bin/sh
set -e
nocturne-transmit -c "\$1/town.ini" --now '$now'
nocturne-notify -c "\$1/town.ini" --now '$(date -d "$now 8 hours" '+%Y-%m-%d %H:%M:%S')'
EON
start=$(date +%s.%N)
ls -d "$V"/ville* | xargs -P "$PAR" -n 1 sh "$V/night.sh"
end=$(date +%s.%N)

mails=$(ls "$V/ville1/outbox" | wc -l)
awk -v s="$start" -v e="$end" -v n="$TOWNS" -v p="$PAR" -v r="$REQ" -v m="$mails" 'BEGIN {
	w = e - s
	printf "%d towns of %d requests (%d mails each), %d at a time: %.1f s wall, %.2f s per town\n", n, r, m, p, w, w / n
	printf "a 6.5 h night window (23:30-06:00) holds about %d such towns at this rate\n", 6.5 * 3600 / (w / n)
}'
