# install.sh - make install puts the tools, man pages, sample configuration
# and crontab in place; make uninstall removes every one of them.
. "$NOCTURNE_TOP/tests/e2e/lib.sh"

t install_then_uninstall_leaves_nothing
# The tools are already built in $NOCTURNE_BUILD: make only copies.
make -s -C "$TOP" B="$NOCTURNE_BUILD" DESTDIR="$T/stage" PREFIX=/usr install >"$T/make.out" 2>&1 ||
	fail "make install: $(tail -n 3 "$T/make.out")"
for f in bin/nocturne-import bin/nocturne-transmit bin/nocturne-notify bin/nocturne-status \
	share/man/man1/nocturne-notify.1 share/man/man5/nocturne.5 \
	share/doc/nocturne/nocturne.cron share/doc/nocturne/nocturne.ini.sample; do
	[ -f "$T/stage/usr/$f" ] || fail "not installed: $f"
done
cmp -s "$TOP/cron/nocturne.cron" "$T/stage/usr/share/doc/nocturne/nocturne.cron" || fail "crontab differs"
make -s -C "$TOP" B="$NOCTURNE_BUILD" DESTDIR="$T/stage" PREFIX=/usr uninstall >"$T/make.out" 2>&1 ||
	fail "make uninstall: $(tail -n 3 "$T/make.out")"
expect_empty "$(find "$T/stage" -type f)" "files left after make uninstall"
ok
