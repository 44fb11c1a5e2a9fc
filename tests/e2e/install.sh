# install.sh - make install / make uninstall with PREFIX and DESTDIR: every
# file where the FHS wants it (systemd units in PREFIX/lib/systemd/system),
# with its mode, the tools runnable from there,
# and nothing left behind by uninstall (man pages and docs included).
# The tools are those the suite built ($NOCTURNE_BUILD): -o all keeps make
# from rebuilding them with other flags.
. "$NOCTURNE_TOP/tests/e2e/lib.sh"

R=$T/root
P=/opt/noct
mk() { make -s -C "$TOP" -o all B="$NOCTURNE_BUILD" PREFIX="$P" DESTDIR="$R" "$@" >"$T/make.out" 2>&1; }
# mode FILE -> octal permissions
mode() { stat -c %a "$1"; }

t install_into_destdir
mk install || fail "make install: $(cat "$T/make.out")"
for tool in bounce import notify status transmit; do
	f=$R$P/bin/nocturne-$tool
	[ -x "$f" ] || fail "missing $f"
	expect_eq "$(mode "$f")" 755 "mode of nocturne-$tool"
	cmp -s "$f" "$NOCTURNE_BUILD/nocturne-$tool" || fail "nocturne-$tool is not the built one"
	cmp -s "$R$P/share/man/man1/nocturne-$tool.1" "$TOP/man/nocturne-$tool.1" ||
		fail "man page of $tool"
	expect_eq "$(mode "$R$P/share/man/man1/nocturne-$tool.1")" 644 "mode of the man page"
done
cmp -s "$R$P/share/man/man5/nocturne.5" "$TOP/man/nocturne.5" || fail "nocturne(5)"
cmp -s "$R$P/share/doc/nocturne/nocturne.ini.sample" "$TOP/conf/nocturne.ini" || fail "ini sample"
cmp -s "$R$P/share/doc/nocturne/nocturne.cron" "$TOP/cron/nocturne.cron" || fail "crontab"
# the systemd units, their commands pointing into PREFIX
units=0
for u in "$TOP"/systemd/*.service "$TOP"/systemd/*.timer; do
	f=$R$P/lib/systemd/system/${u##*/}
	units=$((units + 1))
	[ -f "$f" ] || { fail "missing $f"; continue; }
	expect_eq "$(mode "$f")" 644 "mode of ${u##*/}"
	expect_eq "$(cat "$f")" "$(sed "s|/usr/bin/|$P/bin/|" "$u")" "${u##*/}"
done
[ "$units" -ge 16 ] || fail "only $units units in systemd/"
grep -q "^ExecStart=$P/bin/nocturne-transmit " "$R$P/lib/systemd/system/nocturne-transmit.service" ||
	fail "nocturne-transmit.service does not run $P/bin/nocturne-transmit"
grep -q "^ExecStart=$P/bin/nocturne-bounce --fetch " "$R$P/lib/systemd/system/nocturne-bounce-fetch.service" ||
	fail "nocturne-bounce-fetch.service does not run $P/bin/nocturne-bounce"
run "$R$P/bin/nocturne-status" -V
expect_rc 0
expect_eq "$OUT" "nocturne-status 1.0.0"
# nothing outside DESTDIR/PREFIX
expect_eq "$(cd "$R" && find . -type f | grep -vc "^\.$P/")" 0 "files outside PREFIX"
expect_eq "$(cd "$R" && find . -type f | wc -l)" $((13 + units)) "files installed"
ok

t uninstall_removes_everything
mk uninstall || fail "make uninstall: $(cat "$T/make.out")"
expect_eq "$(cd "$R" && find . -type f)" "" "files left after uninstall"
[ -d "$R$P/share/doc/nocturne" ] && fail "the doc directory is left"
# a second uninstall is harmless
mk uninstall || fail "second make uninstall: $(cat "$T/make.out")"
ok

t default_prefix_is_usr_local
# Without PREFIX (contract section 1): the tools in $(DESTDIR)/usr/local/bin,
# the man pages under /usr/local/share/man, nothing outside /usr/local.
R2=$T/root2
env -u PREFIX make -s -C "$TOP" -o all B="$NOCTURNE_BUILD" DESTDIR="$R2" install >"$T/make.out" 2>&1 ||
	fail "make install: $(cat "$T/make.out")"
for tool in bounce import notify status transmit; do
	cmp -s "$R2/usr/local/bin/nocturne-$tool" "$NOCTURNE_BUILD/nocturne-$tool" ||
		fail "nocturne-$tool is not in /usr/local/bin"
	[ -f "$R2/usr/local/share/man/man1/nocturne-$tool.1" ] || fail "man page of $tool"
done
[ -f "$R2/usr/local/share/doc/nocturne/nocturne.ini.sample" ] || fail "ini sample"
expect_eq "$(cd "$R2" && find . -type f | grep -vc '^\./usr/local/')" 0 "files outside /usr/local"
ok
