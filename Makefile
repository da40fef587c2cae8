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
B	= build
# Every source, by folder (src/README says what each folder may use).
SRCS	= $(sort $(wildcard src/*.c src/*/*.c src/*/*/*.c))
LIBSRCS	= $(filter-out src/main.c,$(SRCS))
LIBOBJS	= $(LIBSRCS:%.c=$(B)/obj/%.o)
LIB	= $(B)/librsguard.a

# Include paths per folder: the serve folders see their own headers and
# src/common's only, so a key or runner header included from the serve
# path does not build.
I_COMMON  = -Isrc/common
I_CONFINE = $(I_COMMON) -Isrc/serve/confine
I_SANDBOX = $(I_COMMON) -Isrc/serve/sandbox
I_SERVE   = $(I_COMMON) -Isrc/serve -Isrc/serve/confine -Isrc/serve/sandbox
I_ALL	  = $(I_SERVE) -Isrc/client -Isrc/keys -Isrc/mirror -Isrc
inc	= $(if $(filter src/common/%,$1),$(I_COMMON),$(if \
	  $(filter src/serve/confine/%,$1),$(I_CONFINE),$(if \
	  $(filter src/serve/sandbox/%,$1),$(I_SANDBOX),$(if \
	  $(filter src/serve/%,$1),$(I_SERVE),$(I_ALL)))))

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
UNITBIN	= $(UNIT:%=$(B)/unit/test_%)
ASANBIN	= $(UNIT:%=$(B)/asan/unit/test_%)
RECORDER = tests/security/recorder

all: $(PROG)

# (glibc warns that static NSS needs its own libnss_* at run time: known.)
$(PROG): $(B)/obj/src/main.o $(LIB)
	@rm -f $@.ld
	$(CC) $(ALLCFLAGS) -o $@.tmp $(B)/obj/src/main.o $(LIB) $(PROGLDFLAGS) \
	  $(LIBS) 2>$@.ld || { cat $@.ld >&2; rm -f $@.ld $@.tmp; exit 1; }
	@grep -v 'statically linked applications requires at runtime\|: in function' \
	  $@.ld >&2 || :
	@rm -f $@.ld
	mv -f $@.tmp $@

# The library is compiled once per flavour (plain, ASan, fuzz) and linked
# into the program, each unit test and each fuzzer.
$(B)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALLCFLAGS) $(call inc,$<) -c -o $@ $<

$(LIB): $(LIBOBJS)
	@rm -f $@
	ar rcs $@ $(LIBOBJS)

$(B)/unit/test_%: tests/unit/test_%.c $(LIB)
	@mkdir -p $(@D)
	$(CC) $(ALLCFLAGS) $(I_ALL) -Itests/unit -o $@ $< $(LIB) $(ALLLDFLAGS) \
	  $(LIBS)

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
ASANFLAGS = -std=c11 -D_GNU_SOURCE -DRSYNC_PATH='"$(RSYNC)"' -g -O1 \
	  -fno-omit-frame-pointer \
	  -fsanitize=address,undefined -fno-sanitize-recover=all -MMD -MP
$(B)/asan/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CLANG) $(ASANFLAGS) $(call inc,$<) -c -o $@ $<

$(B)/asan/librsguard.a: $(LIBSRCS:%.c=$(B)/asan/obj/%.o)
	@rm -f $@
	ar rcs $@ $^

$(B)/asan/unit/test_%: tests/unit/test_%.c $(B)/asan/librsguard.a
	@mkdir -p $(@D)
	$(CLANG) $(ASANFLAGS) $(I_ALL) -Itests/unit -o $@ $< \
	  $(B)/asan/librsguard.a $(LIBS)

asan: $(ASANBIN)
	@set -e; for t in $(ASANBIN); do ./$$t; done

# The whole program built with ASan+UBSan, for the suites that run it as
# sshd would (see tests/asan_options.c).
$(B)/rsguard-asan: $(B)/asan/obj/src/main.o $(B)/asan/librsguard.a \
    $(B)/asan/obj/tests/asan_options.o
	$(CLANG) $(ASANFLAGS) -o $@ $(B)/asan/obj/src/main.o \
	  $(B)/asan/obj/tests/asan_options.o $(B)/asan/librsguard.a $(LIBS)

asan-security: $(B)/rsguard-asan $(RECORDER)
	RSGUARD=$(CURDIR)/$(B)/rsguard-asan tests/security/run.sh

# Fuzzers: the library once more, with the fuzzer's coverage hooks.
# Corpora grow in tests/fuzz/NAME.corpus and survive "make clean".
FUZZFLAGS = -std=c11 -D_GNU_SOURCE -DRSYNC_PATH='"$(RSYNC)"' -g -O1 \
	  -fsanitize=fuzzer-no-link,address,undefined \
	  -fno-sanitize-recover=all -MMD -MP
FUZZNAMES = $(sort $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c)))
FUZZERS	= $(FUZZNAMES:%=$(B)/fuzz/fuzz_%)
$(B)/fuzz/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CLANG) $(FUZZFLAGS) $(call inc,$<) -c -o $@ $<

$(B)/fuzz/librsguard.a: $(LIBSRCS:%.c=$(B)/fuzz/obj/%.o)
	@rm -f $@
	ar rcs $@ $^

$(B)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(B)/fuzz/librsguard.a
	$(CLANG) $(FUZZFLAGS) -fsanitize=fuzzer $(I_ALL) -o $@ $< \
	  $(B)/fuzz/librsguard.a $(LIBS)

fuzz: $(FUZZERS)
	@set -e; for n in $(FUZZNAMES); do \
	  f=$(B)/fuzz/fuzz_$$n c=tests/fuzz/fuzz_$$n.corpus; mkdir -p $$c; \
	  seeds=tests/fuzz/seeds; \
	  [ -d tests/fuzz/seeds_$$n ] && seeds=tests/fuzz/seeds_$$n; \
	  ./$$f -max_total_time=$(FUZZTIME) -max_len=4096 $$c $$seeds >/dev/null 2>$$f.log || \
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

# clean keeps the fuzz corpora (tests/fuzz/*.corpus); distclean does not.
clean:
	rm -rf $(B)
	rm -f $(PROG) $(PROG).tmp $(PROG).ld tests/sandbox/hijack tests/sandbox/hijack.d \
	  $(RECORDER)

distclean: clean
	rm -rf tests/fuzz/*.corpus

.PHONY: all unit check check-integration check-security valgrind asan fuzz \
	asan-security sandbox \
	demo bench bench-sandbox lint-man install uninstall clean distclean

-include $(shell find $(B) -name '*.d' 2>/dev/null)
