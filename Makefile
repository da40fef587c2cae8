# rsguard - secure unattended mirroring with rsync over SSH.
#
# ---- knobs (override on the command line) ---------------------------------
PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
LIBEXECDIR ?= $(PREFIX)/libexec/rsguard
MANDIR	?= $(PREFIX)/share/man
DESTDIR	?=
RSYNC	?= $(shell command -v rsync 2>/dev/null || echo /usr/bin/rsync)
CC	?= cc
CLANG	?= clang
WERROR	?= $(if $(CI),-Werror,)
FUZZTIME ?= 20
# Libraries for the client commands, linked statically so that the serve
# path loads nothing but libc.
LIBS	?= -l:libinih.a
# ---------------------------------------------------------------------------

PROG	= rsguard
SRCS	= $(sort $(wildcard src/*.c))
LIBSRCS	= $(filter-out src/main.c,$(SRCS))
OBJS	= $(SRCS:.c=.o)

WARN	= -Wall -Wextra -Wformat=2 -Wformat-security -Wshadow -Wpointer-arith \
	  -Wsign-compare -Wimplicit-fallthrough -Wmisleading-indentation \
	  -Wstrict-prototypes -Wmissing-prototypes -Wvla -Wwrite-strings \
	  -Wcast-qual
HARD	= -O2 -D_FORTIFY_SOURCE=3 -fstack-protector-strong \
	  -fstack-clash-protection -fPIE -fno-strict-aliasing \
	  -ftrivial-auto-var-init=zero \
	  $(if $(filter x86_64 i%86,$(shell uname -m)),-fcf-protection,)
LDH	= -pie -Wl,-z,relro -Wl,-z,now -Wl,-z,noexecstack
# rsguard itself is linked static-pie: the forced command starts on every
# connection, and a static start skips the dynamic loader (~0.2 ms here).
# NSS (getpwuid) still loads libnss_* of the same glibc at run time.
# "make LDSTATIC=" links it dynamically.
LDSTATIC ?= -static-pie
PROGLDFLAGS = $(if $(LDSTATIC),$(LDSTATIC) -Wl$(comma)-z$(comma)relro \
	  -Wl$(comma)-z$(comma)now -Wl$(comma)-z$(comma)noexecstack,$(LDH)) \
	  $(LDFLAGS)
comma	:= ,
CFLAGS	?= -g
ALLCFLAGS = -std=c11 -D_GNU_SOURCE -DRSYNC_PATH='"$(RSYNC)"' $(WARN) $(WERROR) \
	  $(HARD) $(CFLAGS) -MMD -MP
ALLLDFLAGS = $(LDH) $(LDFLAGS)

UNIT	= $(sort $(patsubst tests/unit/test_%.c,%,$(wildcard tests/unit/test_*.c)))
UNITBIN	= $(UNIT:%=tests/unit/test_%)
RECORDER = tests/security/recorder

all: $(PROG)

# (glibc warns that static NSS needs its own libnss_* at run time: known.)
$(PROG): $(OBJS)
	@rm -f $@.ld
	$(CC) $(ALLCFLAGS) -o $@.tmp $(OBJS) $(PROGLDFLAGS) $(LIBS) 2>$@.ld || \
	  { cat $@.ld >&2; rm -f $@.ld $@.tmp; exit 1; }
	@grep -v 'statically linked applications requires at runtime\|: in function' \
	  $@.ld >&2 || :
	@rm -f $@.ld
	mv -f $@.tmp $@

%.o: %.c
	$(CC) $(ALLCFLAGS) -c -o $@ $<

tests/unit/test_%: tests/unit/test_%.c $(LIBSRCS) tests/unit/test.h
	$(CC) $(ALLCFLAGS) -Isrc -o $@ $< $(LIBSRCS) $(ALLLDFLAGS) $(LIBS)

unit: $(UNITBIN)
	@set -e; for t in $(UNITBIN); do ./$$t; done

# Everything: unit, valgrind, sanitizers, fuzzers, integration, security,
# sandbox.
check: $(PROG) $(RECORDER) unit
	tests/run-all.sh

check-integration: $(PROG) $(RECORDER)
	tests/integration/run.sh

check-security: $(PROG) $(RECORDER)
	tests/security/run.sh

# The "hijacked rsync" that tests/sandbox/run.sh hands to serve --rsync.
tests/sandbox/hijack: tests/sandbox/hijack.c
	$(CC) $(ALLCFLAGS) -o $@ $< $(ALLLDFLAGS)

sandbox: $(PROG) tests/sandbox/hijack
	tests/sandbox/run.sh

# The fake rsync the suites hand to serve --rsync; always -Werror.
$(RECORDER): $(RECORDER).c
	$(CC) -std=c11 -D_GNU_SOURCE $(WARN) -Werror $(HARD) $(CFLAGS) -o $@ \
	  $(RECORDER).c $(ALLLDFLAGS)

valgrind: $(UNITBIN)
	@set -e; for t in $(UNITBIN); do \
	  valgrind -q --error-exitcode=99 --leak-check=full ./$$t \
	    >/dev/null 2>$$t.vg || { grep -v 'openat2\|unhandled\|syscall 437\|valgrind.org\|^--.*--' $$t.vg; exit 1; }; \
	  echo "valgrind clean: $$t"; done

# Unit tests again, built by clang with ASan+UBSan (separate binaries).
ASANFLAGS = -std=c11 -D_GNU_SOURCE -DRSYNC_PATH='"$(RSYNC)"' -g -O1 -Isrc \
	  -fno-omit-frame-pointer \
	  -fsanitize=address,undefined -fno-sanitize-recover=all
asan: $(LIBSRCS)
	@set -e; for m in $(UNIT); do \
	  $(CLANG) $(ASANFLAGS) -o tests/unit/asan_test_$$m tests/unit/test_$$m.c $(LIBSRCS) $(LIBS); \
	  ./tests/unit/asan_test_$$m; done

# The whole program built with ASan+UBSan, for the suites that run it as
# sshd would (see tests/asan_options.c).
tests/rsguard-asan: $(SRCS) tests/asan_options.c
	$(CLANG) $(ASANFLAGS) -o $@ $(SRCS) \
	  tests/asan_options.c $(LIBS)

asan-security: tests/rsguard-asan $(RECORDER)
	RSGUARD=$(CURDIR)/tests/rsguard-asan tests/security/run.sh

FUZZERS	= $(sort $(patsubst %.c,%,$(wildcard tests/fuzz/fuzz_*.c)))
tests/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(LIBSRCS)
	$(CLANG) -std=c11 -D_GNU_SOURCE -DRSYNC_PATH='"$(RSYNC)"' -g -O1 -Isrc \
	  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	  -o $@ $< $(LIBSRCS) $(LIBS)

fuzz: $(FUZZERS)
	@set -e; for f in $(FUZZERS); do \
	  mkdir -p $$f.corpus; \
	  seeds=tests/fuzz/seeds; n=$${f#tests/fuzz/fuzz_}; \
	  [ -d tests/fuzz/seeds_$$n ] && seeds=tests/fuzz/seeds_$$n; \
	  ./$$f -max_total_time=$(FUZZTIME) -max_len=4096 $$f.corpus $$seeds >/dev/null 2>$$f.log || \
	    { tail -50 $$f.log; exit 1; }; \
	  echo "fuzz ok: $$f ($(FUZZTIME)s)"; done

demo: $(PROG)
	tests/demo.sh

bench: $(PROG)
	bench/run.sh
	[ "$${BENCH_SKIP_SANDBOX:-0}" = 1 ] || bench/sandbox.sh

bench-sandbox: $(PROG)
	bench/sandbox.sh

lint-man:
	mandoc -Tlint -W warning man/*.1

install: $(PROG)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 0755 $(PROG) $(DESTDIR)$(BINDIR)/$(PROG)
	ln -sf $(BINDIR)/$(PROG) $(DESTDIR)$(LIBEXECDIR)/rrsync
	install -m 0644 man/*.1 $(DESTDIR)$(MANDIR)/man1/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/$(PROG) $(DESTDIR)$(LIBEXECDIR)/rrsync
	for m in man/*.1; do rm -f $(DESTDIR)$(MANDIR)/man1/$${m#man/}; done

clean-objs:
	rm -f $(OBJS) $(OBJS:.o=.d)

clean: clean-objs
	rm -f $(PROG) tests/rsguard-asan tests/sandbox/hijack tests/sandbox/*.d $(RECORDER) $(UNITBIN) $(FUZZERS) tests/unit/*.d tests/unit/*.vg tests/unit/asan_test_*
	rm -rf tests/fuzz/*.corpus tests/fuzz/*.log

.PHONY: all unit check check-integration check-security valgrind asan fuzz \
	asan-security sandbox \
	demo bench bench-sandbox lint-man install uninstall clean clean-objs

-include $(OBJS:.o=.d)
