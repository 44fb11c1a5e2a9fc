# nocturne - the night batch of a family portal. GNU make.
#
#   make            build the four tools into $(B)/
#   make check      install missing Debian packages, build, run every test
#   make sanitize   the whole suite under ASan + UBSan (build-san/)
#   make demo       two nights on the sample town, mail written as files
#   make bench      figures at scale (see README)
#   make install    PREFIX=/usr/local DESTDIR= UNITDIR= (make uninstall: the same files)
#   make deb        the Debian package, in var/deb/ (checked with lintian)
#   make style      clang-format check
#   make fuzz       each libFuzzer harness for FUZZ_SECONDS (60) s (clang, build-fuzz/)
#   make stress     the long robustness scripts stress/*.sh

PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/nocturne
# systemd looks in /usr/local/lib/systemd/system too; the package uses /lib/systemd/system.
UNITDIR ?= $(PREFIX)/lib/systemd/system
B ?= build

CC ?= cc
CFLAGS ?= -O2 -g
WARNINGS = -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes -Wwrite-strings -Wvla
# libcurl: its headers only; lib/curlinit.c loads it when a transfer needs it.
PKGS = sqlite3 libesmtp-1.0 openssl
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) libcurl 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -pthread $(WARNINGS) -Ilib -Icmd -I/usr/include/iniparser \
	     $(PKG_CFLAGS) $(CPPFLAGS) $(CFLAGS)
LIBS = $(PKG_LIBS) -lcsv -liniparser -lm -pthread

TOOLS = $(filter-out tool,$(basename $(notdir $(wildcard cmd/*.c))))
LIB_SRC = $(sort $(wildcard lib/*.c))
LIB_OBJ = $(LIB_SRC:%.c=$(B)/%.o)
TOOL_BIN = $(TOOLS:%=$(B)/nocturne-%)
UNIT_SRC = $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
HELPER_SRC = $(sort $(wildcard tests/helpers/*.c))
HELPER_BIN = $(HELPER_SRC:tests/helpers/%.c=$(B)/tests/%)

SAN_FLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	    -fno-sanitize-recover=all

.SECONDARY:

.PHONY: all deps check sanitize demo bench install uninstall clean style tests-built \
	run-tests deb stress fuzz fuzz-built fuzz-run

all: $(TOOL_BIN)

$(B)/%.o: %.c $(wildcard lib/*.h cmd/*.h tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/libnocturne.a: $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(B)/nocturne-%: $(B)/cmd/%.o $(B)/cmd/tool.o $(B)/libnocturne.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(B)/tests/%: $(B)/tests/unit/%.o $(B)/libnocturne.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(B)/tests/%: $(B)/tests/helpers/%.o $(B)/libnocturne.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

# The benchmark's own programs (town generator, SQLite floor): bench/*.c -> $(B)/bench/.
# bench/floor_sql.h: the SQLite helpers the two floors share.
$(B)/bench/%: bench/%.c $(B)/libnocturne.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(filter-out %.h,$^) $(LIBS)

$(B)/bench/floor $(B)/bench/barefloor: bench/floor_sql.h

BENCH_BIN = $(patsubst bench/%.c,$(B)/bench/%,$(wildcard bench/*.c))

# The power-cut shim (LD_PRELOAD) of tests/e2e/powercut.sh and stress/powercut.sh:
# built without the sanitizers, which want to come first in the library list.
$(B)/tests/powercut.so: tests/powercut/powercut.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE $(WARNINGS) -O2 -g -fPIC -shared -o $@ $< -ldl -lpthread

tests-built: $(TOOL_BIN) $(UNIT_BIN) $(HELPER_BIN) $(BENCH_BIN) $(B)/tests/powercut.so

deps:
	@sh scripts/deps.sh

# The public targets install what is missing first, then re-enter make so
# that pkg-config sees the freshly installed packages.
check: deps
	@$(MAKE) --no-print-directory run-tests

run-tests: tests-built
	@sh tests/run.sh $(B)

sanitize: deps
	@$(MAKE) --no-print-directory B=build-san CFLAGS="$(SAN_FLAGS)" \
		LDFLAGS="-fsanitize=address,undefined" run-tests

demo: deps
	@$(MAKE) --no-print-directory all
	@sh scripts/demo.sh $(B)

bench: deps
	@$(MAKE) --no-print-directory all
	@sh bench/bench.sh $(B)

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(DOCDIR)
	install -m 755 $(TOOL_BIN) $(DESTDIR)$(BINDIR)/
	install -m 644 man/*.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 644 man/*.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 644 conf/nocturne.ini $(DESTDIR)$(DOCDIR)/nocturne.ini.sample
	install -m 644 cron/nocturne.cron $(DESTDIR)$(DOCDIR)/nocturne.cron
	install -d $(DESTDIR)$(UNITDIR)
	for u in systemd/*.service systemd/*.timer; do \
		sed 's|/usr/bin/|$(BINDIR)/|' $$u >$(DESTDIR)$(UNITDIR)/$${u#systemd/} && \
		chmod 644 $(DESTDIR)$(UNITDIR)/$${u#systemd/} || exit 1; \
	done

uninstall:
	rm -f $(TOOLS:%=$(DESTDIR)$(BINDIR)/nocturne-%)
	rm -f $(patsubst man/%,$(DESTDIR)$(MANDIR)/man1/%,$(wildcard man/*.1))
	rm -f $(patsubst man/%,$(DESTDIR)$(MANDIR)/man5/%,$(wildcard man/*.5))
	rm -f $(DESTDIR)$(DOCDIR)/nocturne.ini.sample $(DESTDIR)$(DOCDIR)/nocturne.cron
	-rmdir $(DESTDIR)$(DOCDIR) 2>/dev/null
	rm -f $(patsubst systemd/%,$(DESTDIR)$(UNITDIR)/%,$(wildcard systemd/*.service systemd/*.timer))

# The Debian package (debian/, debhelper): built from a copy of the tree in
# var/deb/, where dpkg-buildpackage also leaves the .deb and .changes, then
# checked with lintian (errors and warnings fail; overrides say why).
# DEB_DIR: where (the tests build in their own folder).
DEB_DIR ?= var/deb
DEB_VERSION = $(shell dpkg-parsechangelog -S Version 2>/dev/null)
DEB_SRC = $(DEB_DIR)/nocturne-$(DEB_VERSION)
deb:
	rm -rf $(DEB_DIR)
	mkdir -p $(DEB_SRC)
	tar -cf - --exclude=./var --exclude='./build*' --exclude=./.git --exclude=./tmp \
		--exclude=./out . | tar -xf - -C $(DEB_SRC)
	cd $(DEB_SRC) && DEB_BUILD_OPTIONS="parallel=2 $(DEB_BUILD_OPTIONS)" \
		dpkg-buildpackage -us -uc -b
	lintian --fail-on error,warning $(DEB_DIR)/nocturne_$(DEB_VERSION)_*.changes

# Fuzzing: clang, libFuzzer, ASan + UBSan. The library is built for it in
# build-fuzz/ by re-entering make; fuzz/run.sh runs each harness in turn.
FUZZ_SECONDS ?= 60
# (clang's -Wstring-concatenation misreads db_night.c's designated SQL table)
FUZZ_FLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
	     -fno-sanitize-recover=all -Wno-string-concatenation
FUZZ_SRC = $(sort $(wildcard fuzz/fuzz_*.c))
FUZZ_BIN = $(filter-out $(B)/fuzz/fuzz_util,$(FUZZ_SRC:fuzz/%.c=$(B)/fuzz/%))

fuzz:
	@$(MAKE) --no-print-directory B=build-fuzz CC=clang CFLAGS="$(FUZZ_FLAGS)" fuzz-run

fuzz-built: $(FUZZ_BIN)

fuzz-run: fuzz-built
	@sh fuzz/run.sh $(B) $(FUZZ_SECONDS)

$(B)/fuzz/%: fuzz/%.c fuzz/fuzz_util.c fuzz/fuzz_util.h $(B)/libnocturne.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Ifuzz -fsanitize=fuzzer -o $@ $< fuzz/fuzz_util.c \
		$(B)/libnocturne.a $(LIBS)

stress: deps
	@$(MAKE) --no-print-directory tests-built
	@sh stress/run.sh $(B)

style:
	clang-format --dry-run --Werror lib/*.c lib/*.h cmd/*.c cmd/*.h

clean:
	rm -rf build build-san build-fuzz
