#!/bin/sh
# common_options.sh - the options every tool shares (contract section 1), the
# same way for all five: -h/--help and -V/--version on stdout with exit 0; a
# named configuration that is missing or malformed is 78, never ignored, and
# nothing is created; an unknown option or a bad clock is 64; --db overrides
# the configuration's database. Every non-zero exit is one line on stderr.
. "$NOCTURNE_TOP/tests/e2e/lib.sh"
TOOLS="nocturne-import nocturne-transmit nocturne-notify nocturne-status nocturne-bounce"
need_tools $TOOLS

# one_line WHAT: stdout empty, stderr one line.
one_line() {
	expect_empty "$OUT" "$1: stdout"
	expect_eq "$(printf '%s\n' "$ERR" | wc -l)" 1 "$1: lines on stderr"
}
# nothing_made: no database, no outbox where the configurations point.
nothing_made() {
	expect_empty "$(ls -A "$T/w")" "$1: files made in the working folder"
}
mkdir "$T/w"
cd "$T/w" || exit 1

t help_and_version_on_stdout
for tool in $TOOLS; do
	run "$tool" --help
	expect_rc 0
	expect_empty "$ERR" "$tool --help: stderr"
	expect_contains "$OUT" "usage: $tool " "$tool --help"
	help=$OUT
	run "$tool" -h
	expect_rc 0
	expect_eq "$OUT" "$help" "$tool -h against --help"
	run "$tool" --version
	expect_rc 0
	expect_empty "$ERR" "$tool --version: stderr"
	expect_eq "$(printf '%s\n' "$OUT" | grep -c "^$tool [0-9][0-9.]*$")" 1 "$tool --version line"
	version=$OUT
	run "$tool" -V
	expect_rc 0
	expect_eq "$OUT" "$version" "$tool -V against --version"
done
nothing_made "help and version"
ok

# Each tool's arguments besides the option under test (import needs KIND
# FILE; bounce reads its message from stdin, here an empty one).
args_of() {
	case $1 in
	nocturne-import) echo "families $T/fam.csv" ;;
	*) echo "" ;;
	esac
}
csv families "$T/fam.csv" <<'X'
F1;Famille Dupont;marie@example.org
X
# each_tool EXPECTED_RC NEEDLE WHAT OPTION...: every tool with OPTION...
# exits EXPECTED_RC with one line on stderr holding NEEDLE, and makes nothing.
each_tool() {
	_rc=$1 _needle=$2 _what=$3
	shift 3
	for tool in $TOOLS; do
		# shellcheck disable=SC2046
		run "$tool" "$@" $(args_of "$tool") </dev/null
		expect_rc "$_rc"
		one_line "$tool $_what"
		expect_contains "$ERR" "$tool: $_needle" "$tool $_what: stderr"
	done
	nothing_made "$_what"
}

t missing_named_configuration_is_78
each_tool 78 "$T/none.ini: cannot read configuration" "-c missing" -c "$T/none.ini"
each_tool 78 "$T/none.ini: cannot read configuration" "--config missing" --config "$T/none.ini"
export NOCTURNE_CONFIG="$T/none.ini"
each_tool 78 "$T/none.ini: cannot read configuration" "\$NOCTURNE_CONFIG missing"
export NOCTURNE_CONFIG="$T/.defaults.ini"
ok

t malformed_configuration_is_78_naming_section_key_value
printf '[database]\npath = %s/w/n.db\n[smtpx]\nport = 25\n' "$T" >"$T/sec.ini"
each_tool 78 "$T/sec.ini:3: unknown section [smtpx]" "unknown section" -c "$T/sec.ini"
printf '[database]\npath = %s/w/n.db\n[mail]\nbogus_key = 1\n' "$T" >"$T/key.ini"
each_tool 78 "$T/key.ini:4: [mail] bogus_key: unknown key" "unknown key" -c "$T/key.ini"
printf '[database]\npath = %s/w/n.db\n[smtp]\nport = abc\n' "$T" >"$T/port.ini"
each_tool 78 "$T/port.ini: [smtp] port = 'abc':" "port = abc" -c "$T/port.ini"
printf '[database]\npath = %s/w/n.db\n[smtp]\ntls = maybe\n' "$T" >"$T/tls.ini"
each_tool 78 "$T/tls.ini: [smtp] tls = 'maybe': must be none, starttls or tls" "tls = maybe" \
	-c "$T/tls.ini"
ok

t unknown_option_and_bad_clock_are_64
printf '[database]\npath = %s/w/n.db\n' "$T" >"$T/ok.ini"
export NOCTURNE_CONFIG="$T/ok.ini"
each_tool 64 "unknown option, or an option without its value: '--bogus' (try --help)" \
	"--bogus" --bogus
# import reads no clock; the other four refuse a bad one, given either way.
TOOLS="nocturne-transmit nocturne-notify nocturne-status nocturne-bounce"
each_tool 64 "--now 'demain': expected 'YYYY-MM-DD HH:MM[:SS]' (local time)" "--now demain" \
	--now demain
export NOCTURNE_NOW=demain
each_tool 64 "\$NOCTURNE_NOW 'demain': expected 'YYYY-MM-DD HH:MM[:SS]' (local time)" \
	"\$NOCTURNE_NOW demain"
unset NOCTURNE_NOW
TOOLS="nocturne-import $TOOLS"
export NOCTURNE_CONFIG="$T/.defaults.ini"
ok

t db_overrides_the_configuration
# The configuration names w/n.db; --db other.db is the one used, by each
# tool in turn (the import makes it, the night and the status read it).
export NOCTURNE_CONFIG="$T/ok.ini"
run nocturne-import --db "$T/other.db" families "$T/fam.csv"
expect_rc 0
run nocturne-transmit --db "$T/other.db" --now '2019-12-02 22:00'
expect_rc 0
expect_eq "$(sqlite3 "$T/other.db" 'SELECT count(*) FROM batch')" 1 "batches in other.db"
run nocturne-status --db "$T/other.db" --now '2019-12-02 23:00'
expect_rc 0
expect_contains "$OUT" "      1 2019-12-02 22:00:00     0" "status of other.db"
run nocturne-notify --db "$T/other.db" --now '2019-12-03 07:00'
expect_rc 0
run nocturne-bounce --db "$T/other.db" --now '2019-12-03 08:00' </dev/null
expect_rc 0
nothing_made "--db"
export NOCTURNE_CONFIG="$T/.defaults.ini"
ok

t clock_defaults_to_the_system_clock
# Without --now or $NOCTURNE_NOW, the system clock (local time): the batch's
# time lies between the moments just before and just after the run.
unset NOCTURNE_NOW
nocturne-import --db "$T/clock.db" families "$T/fam.csv" || fail "import"
before=$(date '+%Y-%m-%d %H:%M:%S')
run nocturne-transmit --db "$T/clock.db"
after=$(date '+%Y-%m-%d %H:%M:%S')
expect_rc 0
ran=$(sqlite3 "$T/clock.db" "SELECT datetime(ran_at, 'unixepoch') FROM batch")
expect_eq "$(printf '%s\n' "$ran" "$after" "$before" | sort | tr '\n' '|')" "$before|$ran|$after|" \
	"batch time between the run's start and end"
ok
