#!/bin/sh
# demo.sh BUILD_DIR - two nights of the sample town on the embedded default:
# a SQLite file ./nocturne.db and mail written as files into ./outbox/, in
# var/demo/ (git-ignored, recreated each time).
set -eu
B=$(cd "${1:-build}" && pwd)
top=$(cd "$(dirname "$0")/.." && pwd)
S=$top/samples
D=$top/var/demo
PATH="$B:$PATH"
export PATH
# The demo runs on the built-in defaults, whatever this machine has in /etc.
NOCTURNE_CONFIG=$top/conf/demo.ini
export NOCTURNE_CONFIG
unset NOCTURNE_NOW

rm -rf "$D"
mkdir -p "$D"
cd "$D"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "Reference data: families, children, activities, openings"
for kind in families children activities openings; do
	nocturne-import -v "$kind" "$S/$kind.csv"
done

say "Night 1 (Sunday 1 December 2019, 22:00): $(($(wc -l <"$S/requests-night1.csv") - 1)) requests imported"
nocturne-import -v requests "$S/requests-night1.csv"
nocturne-transmit -v --now '2019-12-01 22:00'

say "Morning 1 (Monday 2 December, 07:00): compte-rendus"
nocturne-notify -v --now '2019-12-02 07:00'

say "Night 2 (Monday 2 December, 22:00): cancellations, 2 more canteen places on Friday"
nocturne-import -v openings "$S/openings-night2.csv"
nocturne-import -v requests "$S/requests-night2.csv"
nocturne-transmit -v --now '2019-12-02 22:00'

say "Morning 2 (Tuesday 3 December, 07:00): compte-rendus and waiting-list notices"
nocturne-notify -v --now '2019-12-03 07:00'

say "Status"
nocturne-status --now '2019-12-03 07:05'

say "Decisions of night 2 (nocturne-status --export --batch 2)"
nocturne-status --export --batch 2 | head -n 20

report=$(grep -l '^X-Nocturne-Kind: report' outbox/*.eml 2>/dev/null | head -n 1 || true)
[ -n "$report" ] || report=$(ls outbox/*.eml | head -n 1)
notice=$(grep -l '^X-Nocturne-Kind: notice' outbox/*.eml 2>/dev/null | head -n 1 || true)
say "One compte-rendu ($report), decoded"
sh "$top/scripts/showmail.sh" "$report"
if [ -n "$notice" ]; then
	say "One waiting-list notice ($notice), decoded"
	sh "$top/scripts/showmail.sh" "$notice"
fi
say "Done: database $D/nocturne.db, mail in $D/outbox/ ($(ls outbox | wc -l) messages)"
