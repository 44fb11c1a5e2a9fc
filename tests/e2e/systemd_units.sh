# systemd_units.sh - every unit in systemd/ passes `systemd-analyze verify`
# (with the built tools as ExecStart; templates through an instance copy),
# says what the issue asks (user, hardening, 75 for the retry units, the
# times), and a template instance reads its own town's configuration.
. "$NOCTURNE_TOP/tests/e2e/lib.sh"

U=$TOP/systemd
if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "SKIP: systemd_units systemd-analyze not installed"
	exit 0
fi

# An instance copy of every unit, pointing at the built tools.
mkdir "$T/units"
for f in "$U"/*.service "$U"/*.timer; do
	b=$(basename "$f" | sed 's/@\./@ville1./')
	sed "s|/usr/bin/|$NOCTURNE_BUILD/|" "$f" >"$T/units/$b"
done

t verify_every_unit
n=$(ls "$T/units" | wc -l)
[ "$n" -eq 16 ] || fail "expected 16 units (4 jobs x service/timer x plain/template), got $n"
for f in "$T/units"/*; do
	# verify exits 0 on a value it ignores: its stderr must be empty too.
	run systemd-analyze verify --man=no "$f"
	expect_rc 0
	expect_empty "$ERR" "verify $(basename "$f")"
done
ok

t verify_catches_a_bad_unit
# The check above can fail: a missing binary and a bad value are both seen.
sed 's|^ExecStart=[^ ]*|ExecStart=/nonexistent/nocturne-notify|' \
	"$T/units/nocturne-notify.service" >"$T/bad.service"
run systemd-analyze verify --man=no "$T/bad.service"
[ "$RC" -ne 0 ] || fail "a missing ExecStart binary verified"
sed 's|^SuccessExitStatus=75|SuccessExitStatus=seventyfive|' \
	"$T/units/nocturne-redeliver.service" >"$T/bad2.service"
run systemd-analyze verify --man=no "$T/bad2.service"
expect_contains "$ERR" "seventyfive"
ok

# prop UNIT KEY: the value(s) of KEY in a source unit, one line.
prop() { sed -n "s/^$2=//p" "$U/$1" | tr '\n' ' ' | sed 's/ $//'; }

t hardening
for f in "$U"/*.service; do
	u=$(basename "$f")
	expect_eq "$(prop "$u" User)" nocturne "$u User"
	expect_eq "$(prop "$u" NoNewPrivileges)" yes "$u NoNewPrivileges"
	expect_eq "$(prop "$u" ProtectSystem)" strict "$u ProtectSystem"
	expect_eq "$(prop "$u" PrivateTmp)" yes "$u PrivateTmp"
	expect_eq "$(prop "$u" ProtectHome)" yes "$u ProtectHome"
	expect_eq "$(prop "$u" PrivateDevices)" yes "$u PrivateDevices"
	expect_eq "$(prop "$u" RestrictAddressFamilies)" "AF_UNIX AF_INET AF_INET6" "$u families"
	expect_contains "$(prop "$u" ReadWritePaths)" "/var/lib/nocturne" "$u ReadWritePaths"
	expect_eq "$(prop "$u" Type)" oneshot "$u Type"
	# A service started by a timer is never enabled itself.
	grep -q '^\[Install\]' "$f" && fail "$u has an [Install] section"
done
ok

t units_follow_the_quiet_rule
# As the crontab's "-q ... || [ $? -eq 75 ]": work left for later (75) is
# silent and a success; what needs a person (69, 70, 74, 78) fails the unit.
for u in nocturne-transmit nocturne-notify nocturne-redeliver nocturne-bounce-fetch \
	nocturne-transmit@ nocturne-notify@ nocturne-redeliver@ nocturne-bounce-fetch@; do
	expect_eq "$(prop "$u.service" SuccessExitStatus)" 75 "$u"
	expect_contains "$(prop "$u.service" ExecStart)" " -q " "$u quiet"
done
expect_contains "$(prop nocturne-redeliver.service ExecStart)" "--redeliver"
expect_not_contains "$(prop nocturne-transmit.service ExecStart)" "--redeliver"
expect_contains "$(prop nocturne-bounce-fetch.service ExecStart)" "nocturne-bounce --fetch -q "
ok

t timers_at_the_crontab_times
# systemd-analyze calendar normalises each expression: compare with the crontab's.
cal() { systemd-analyze calendar "$(prop "$1" OnCalendar)" | sed -n 's/^ *Normalized form: //p'; }
expect_eq "$(cal nocturne-transmit.timer)" "*-*-* 23:30:00" transmit
expect_eq "$(cal nocturne-notify.timer)" "*-*-* 06..20:00,30:00" notify
expect_eq "$(cal nocturne-redeliver.timer)" "*-*-* 07..20:15:00" redeliver
expect_eq "$(cal nocturne-bounce-fetch.timer)" "*-*-* *:00/15:00" bounce-fetch
# The crontab says the same, with the same options.
cron=$(grep -v '^#' "$TOP/cron/nocturne.cron")
expect_contains "$cron" "30 23   *   *   *    nocturne  nocturne-transmit -q --config /etc/nocturne/nocturne.ini"
expect_contains "$cron" "*/30 6-20 *   *   *    nocturne  nocturne-notify -q --config /etc/nocturne/nocturne.ini"
expect_contains "$cron" "15 7-20 *   *   *    nocturne  nocturne-transmit --redeliver -q --config /etc/nocturne/nocturne.ini"
for j in transmit notify redeliver; do
	cmd=$(prop nocturne-$j.service ExecStart | sed 's|^/usr/bin/||')
	expect_contains "$cron" "nocturne  $cmd || [ \$? -eq 75 ]" "crontab line of $j"
done
# The fetch's line is commented out (it needs [bounce] url): the same command.
cmd=$(prop nocturne-bounce-fetch.service ExecStart | sed 's|^/usr/bin/||')
expect_contains "$(cat "$TOP/cron/nocturne.cron")" \
	"#*/15 *   *   *   *    nocturne  $cmd || [ \$? -eq 75 ]" "crontab line of the fetch"
for f in "$U"/*.timer; do
	grep -q '^WantedBy=timers.target' "$f" || fail "$(basename "$f") not wanted by timers.target"
done
ok

t template_reads_its_town
for j in transmit notify redeliver bounce-fetch; do
	s=$T/units/nocturne-$j@ville1.service
	expect_contains "$(cat "$s")" "--config /etc/nocturne/%i.ini" "$j@ ExecStart"
	expect_eq "$(sed -n 's/^StateDirectory=//p' "$s")" "nocturne/%i" "$j@ StateDirectory"
done
ok
