# photostd: make [all] | check | install | uninstall | clean | bench | asan |
# format | fuzz.  B=DIR builds out of tree (default build/), V=1 is verbose.

PREFIX      ?= /usr/local
bindir      ?= $(PREFIX)/bin
libdir      ?= $(PREFIX)/lib
includedir  ?= $(PREFIX)/include
mandir      ?= $(PREFIX)/share/man
pkgconfigdir ?= $(libdir)/pkgconfig
docdir      ?= $(PREFIX)/share/doc/photostd
DESTDIR     ?=

CC          ?= cc
PKG_CONFIG  ?= pkg-config
B           ?= build
SHARED      ?= ../shared/testdata/real
CASCADE_DIR ?= /usr/share/opencv4/haarcascades

VERSION := $(shell sed -n 's/^\#define PST_VERSION_STRING "\(.*\)"/\1/p' include/photostd.h)
MAJOR   := $(firstword $(subst ., ,$(VERSION)))

WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wpointer-arith -Wcast-qual
CFLAGS  ?= -O2 -g
DEPS_CFLAGS := $(shell $(PKG_CONFIG) --cflags libpng libexif nettle)
DEPS_LIBS   := $(shell $(PKG_CONFIG) --libs libpng libexif nettle) -ljpeg -lm -pthread
CHECK_CFLAGS := $(shell $(PKG_CONFIG) --cflags check)
CHECK_LIBS   := $(shell $(PKG_CONFIG) --libs check)
ALL_CFLAGS  = -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) -Iinclude -iquote lib -I$(B)/gen
LIB_CFLAGS  = $(ALL_CFLAGS) -fPIC -fvisibility=hidden $(DEPS_CFLAGS)

ifeq ($(V),1)
Q :=
else
Q := @
endif

LIB_SRC  := $(sort $(wildcard lib/*.c))
LIB_OBJ  := $(LIB_SRC:lib/%.c=$(B)/lib/%.o)
# Trained cascades from Debian's opencv-data become a C table at build time.
CASCADES := $(CASCADE_DIR)/haarcascade_frontalface_alt2.xml \
            $(CASCADE_DIR)/haarcascade_eye.xml
ifneq ($(wildcard tools/cascade2c.c),)
LIB_OBJ  += $(B)/lib/cascades.o
endif

SONAME   := libphotostd.so.$(MAJOR)
SOLIB    := $(B)/libphotostd.so.$(VERSION)
ALIB     := $(B)/libphotostd.a
TOOLS    := $(patsubst cmd/%.c,%,$(filter-out cmd/common.c,$(wildcard cmd/*.c)))
BINS     := $(TOOLS:%=$(B)/%)
CMD_COMMON := $(if $(wildcard cmd/common.c),$(B)/cmd/common.o)

TEST_SRC := $(sort $(filter-out tests/check_main.c,$(wildcard tests/check_*.c)))
TEST_OBJ := $(TEST_SRC:tests/%.c=$(B)/tests/%.o) $(B)/tests/check_main.o
SUITES   := $(patsubst tests/check_%.c,%,$(TEST_SRC))

.PHONY: accept-batch browser-test all check install uninstall clean bench asan format fuzz test-unit test-cli test-install evalface evalseg
.DELETE_ON_ERROR:
.SECONDARY:

all: $(SOLIB) $(ALIB) $(B)/photostd.pc $(BINS)

$(B)/lib/%.o: lib/%.c lib/internal.h include/photostd.h $(wildcard lib/*.h) | $(B)/gen/cascades.h
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(LIB_CFLAGS) -c -o $@ $<

$(B)/tools/cascade2c: tools/cascade2c.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  HOSTCC  $<")
	$(Q)$(CC) -std=c11 -D_GNU_SOURCE $(WARN) -O2 -o $@ $< -lm

$(B)/gen/cascades.c: $(B)/tools/cascade2c $(CASCADES)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  GEN     $@")
	$(Q)$(B)/tools/cascade2c $(CASCADES) > $@.tmp && mv $@.tmp $@

$(B)/gen/cascades.h:
	@mkdir -p $(@D)
	@touch $@

$(B)/lib/cascades.o: $(B)/gen/cascades.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(LIB_CFLAGS) -c -o $@ $<

$(SOLIB): $(LIB_OBJ)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) -shared -Wl,-soname,$(SONAME) $(LDFLAGS) -o $@ $^ $(DEPS_LIBS)
	$(Q)ln -sf $(notdir $@) $(B)/$(SONAME)
	$(Q)ln -sf $(SONAME) $(B)/libphotostd.so

$(ALIB): $(LIB_OBJ)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

PC_SED = sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@libdir@|$(libdir)|' \
	  -e 's|@includedir@|$(includedir)|' -e 's|@VERSION@|$(VERSION)|'

$(B)/photostd.pc: photostd.pc.in include/photostd.h
	@mkdir -p $(@D)
	$(Q)$(PC_SED) $< > $@

$(B)/cmd/%.o: cmd/%.c include/photostd.h $(wildcard cmd/*.h)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

# The tools link the static library: they need no LD_LIBRARY_PATH to run
# from the build tree, and they use only the public API.
$(B)/%: $(B)/cmd/%.o $(CMD_COMMON) $(ALIB)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(DEPS_LIBS)

# photobatch is main plus its modules in cmd/batch/. Until lib/fix.c
# exists it builds without the fix path (--check-only only).
BATCH_SRC := $(sort $(wildcard cmd/batch/*.c))
BATCH_OBJ := $(BATCH_SRC:cmd/batch/%.c=$(B)/cmd/batch/%.o)
BATCH_DEFS := $(if $(wildcard lib/fix.c),-DBATCH_HAVE_FIX)

$(B)/cmd/batch/%.o: cmd/batch/%.c cmd/batch/batch.h include/photostd.h $(wildcard cmd/*.h)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -iquote cmd $(BATCH_DEFS) -c -o $@ $<

$(B)/cmd/photobatch.o: cmd/photobatch.c cmd/batch/batch.h include/photostd.h $(wildcard cmd/*.h)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -iquote cmd $(BATCH_DEFS) -c -o $@ $<

$(B)/photobatch: $(B)/cmd/photobatch.o $(BATCH_OBJ) $(CMD_COMMON) $(ALIB)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(DEPS_LIBS)

$(B)/mkbatch: tests/mkbatch.c $(ALIB)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(DEPS_LIBS)

# The >= 1,000-file acceptance run of photobatch (slow; not in make check).
accept-batch: all $(B)/mkbatch
	PST_REAL=$(SHARED) PST_BUILD=$(B) PST_BATCH_SIZE=large sh tests/cli_batch.sh

browser-test: all $(B)/mkbatch
	PST_REAL=$(SHARED) PST_BUILD=$(B) sh tests/browser.sh

# ---- tests ----
$(B)/gen/suites.h: $(TEST_SRC)
	@mkdir -p $(@D)
	$(Q){ for s in $(SUITES); do echo "SUITE($$s)"; done; } > $@

# The suites include the library's private headers (segment.h, analyze.h,
# fix_priv.h ...) and truth.c: a change there must rebuild them.
$(B)/tests/%.o: tests/%.c tests/testutil.h tests/truth.c tests/truth.h \
		$(wildcard lib/*.h) include/photostd.h $(B)/gen/suites.h
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) $(DEPS_CFLAGS) $(CHECK_CFLAGS) -c -o $@ $<

$(B)/check_photostd: $(TEST_OBJ) $(ALIB)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(DEPS_LIBS) $(CHECK_LIBS)

$(B)/mkfixtures: tests/mkfixtures.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) $(DEPS_CFLAGS) -o $@ $< $(DEPS_LIBS)

# Labelled CHSI set from the real London/Canada photos (tests/truth.c).
$(B)/mkcompliance: tests/mkcompliance.c tests/truth.c tests/truth.h $(ALIB)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) $(DEPS_CFLAGS) -o $@ tests/mkcompliance.c tests/truth.c $(ALIB) $(DEPS_LIBS)

# Segmentation quality set: composites with exact true alpha (tests/truth.c).
$(B)/mkquality: tests/mkquality.c tests/truth.c tests/truth.h $(ALIB)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) $(DEPS_CFLAGS) -o $@ tests/mkquality.c tests/truth.c $(ALIB) $(DEPS_LIBS)

$(B)/fixtures/.stamp: $(B)/mkfixtures
	@rm -rf $(B)/fixtures && mkdir -p $(B)/fixtures
	$(Q)$(B)/mkfixtures $(B)/fixtures
	@touch $@

test-unit: $(B)/check_photostd $(B)/fixtures/.stamp
	PST_FIXTURES=$(B)/fixtures PST_REAL=$(SHARED) PST_BUILD=$(B) $(B)/check_photostd

test-cli: all $(B)/fixtures/.stamp $(B)/mkbatch $(if $(wildcard tests/mkcompliance.c),$(B)/mkcompliance)
	PST_FIXTURES=$(B)/fixtures PST_REAL=$(SHARED) PST_BUILD=$(B) \
	  PST_VALGRIND="$(VALGRIND)" sh tests/cli.sh
	PST_REAL=$(SHARED) PST_BUILD=$(B) sh tests/cli_batch.sh
	PST_REAL=$(SHARED) PST_BUILD=$(B) sh tests/cli_fix.sh

test-install: all
	PST_BUILD=$(B) MAKE="$(MAKE)" CC="$(CC)" LDFLAGS="$(LDFLAGS)" sh tests/install.sh

check: all test-unit test-cli test-install test-fuzz-regress test-hostile

# ---- sanitizers, bench, format ----
asan:
	$(MAKE) B=build-asan CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  LDFLAGS="-fsanitize=address,undefined" PST_HOSTILE_RSS_KB=2500000 check

$(B)/bench: bench/bench.c $(ALIB)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $(DEPS_CFLAGS) -o $@ $^ $(DEPS_LIBS)

bench: $(B)/bench $(B)/photobatch $(B)/mkbatch $(B)/fixtures/.stamp $(if $(wildcard tests/mkcompliance.c),$(B)/mkcompliance)
	@[ -f $(B)/compliance/MANIFEST ] || [ ! -d $(SHARED) ] || [ ! -x $(B)/mkcompliance ] || \
	  $(B)/mkcompliance $(SHARED) $(B)/compliance >/dev/null
	PST_FIXTURES=$(B)/fixtures PST_REAL=$(SHARED) PST_COMPLIANCE=$(B)/compliance $(B)/bench

# Face/eye detector evaluation on the real photos (tools/evalface.c).
$(B)/evalface: tools/evalface.c $(ALIB)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $(DEPS_CFLAGS) -o $@ $^ $(DEPS_LIBS)

evalface: $(B)/evalface
	PST_REAL=$(SHARED) $(B)/evalface

# Segmentation/matting evaluation against the keyed mattes (tools/evalseg.c).
$(B)/evalseg: tools/evalseg.c tests/truth.c $(ALIB)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $(DEPS_CFLAGS) -iquote tests -o $@ $^ $(DEPS_LIBS)

evalseg: $(B)/evalseg
	PST_REAL=$(SHARED) $(B)/evalseg

# photofix over the quality set, against its true alpha (tools/evalfix.c).
$(B)/evalfix: tools/evalfix.c $(ALIB)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $(DEPS_CFLAGS) -o $@ $^ $(DEPS_LIBS)

.PHONY: evalfix
evalfix: $(B)/evalfix $(B)/mkquality
	[ -f $(B)/quality/MANIFEST ] || $(B)/mkquality $(SHARED) $(B)/quality
	$(B)/evalfix $(B)/quality

# ---- fuzzing (issue 6) ----
# libFuzzer targets need clang; the library is rebuilt with coverage
# instrumentation into $(B)/fuzz/lib. fuzz_fix and fuzz_roster follow
# lib/fix.c and lib/roster.c.
FUZZ_CC     ?= clang
FUZZ_SAN    := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -O1 -g $(FUZZ_SAN) -Iinclude -iquote lib -I$(B)/gen $(DEPS_CFLAGS)
FUZZ_NAMES  := load check profile $(if $(wildcard lib/fix.c),fix) $(if $(wildcard lib/roster.c),roster)
FUZZ_BINS   := $(FUZZ_NAMES:%=$(B)/fuzz/fuzz_%)
FUZZ_REPLAY := $(FUZZ_NAMES:%=$(B)/fuzz/replay_%)
FUZZ_LIB_OBJ := $(LIB_SRC:lib/%.c=$(B)/fuzz/lib/%.o) $(if $(wildcard tools/cascade2c.c),$(B)/fuzz/lib/cascades.o)
FUZZ_SECONDS ?= 60
FUZZ_JOBS    ?= 2
.PHONY: fuzz fuzz-smoke fuzz-long fuzz-seeds test-fuzz-regress hostile test-hostile tsan

$(B)/fuzz/lib/%.o: lib/%.c lib/internal.h include/photostd.h $(wildcard lib/*.h) | $(B)/gen/cascades.h
	@mkdir -p $(@D)
	@$(if $(Q),echo "  FUZZCC  $<")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(B)/fuzz/lib/cascades.o: $(B)/gen/cascades.c
	@mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(B)/fuzz/fuzz_%: fuzz/fuzz_%.c $(FUZZ_LIB_OBJ)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  FUZZLD  $@")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(DEPS_LIBS)

# The same target without libFuzzer, built by $(CC): replays regressions.
$(B)/fuzz/replay_%: fuzz/fuzz_%.c fuzz/replay.c $(ALIB)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(DEPS_CFLAGS) $(LDFLAGS) -o $@ $^ $(DEPS_LIBS)

# Seeds: the project's own fixtures and profiles, small hostile files, and
# the regression inputs. Nothing from ../shared.
fuzz-seeds: $(B)/fixtures/.stamp $(B)/hostile/.stamp
	$(Q)sh fuzz/seeds.sh $(B) "$(FUZZ_NAMES)"

fuzz: $(FUZZ_BINS) fuzz-seeds

fuzz-smoke: fuzz
	sh fuzz/run.sh $(B) $(FUZZ_SECONDS) $(FUZZ_JOBS) $(FUZZ_NAMES)

fuzz-long: fuzz
	sh fuzz/run.sh $(B) 1800 $(FUZZ_JOBS) $(FUZZ_NAMES)

test-fuzz-regress: $(FUZZ_REPLAY)
	$(Q)for t in $(FUZZ_NAMES); do \
	  d=fuzz/regress/$$t; [ -d $$d ] || continue; \
	  echo "  REPLAY  $$d"; $(VALGRIND) $(B)/fuzz/replay_$$t $$d || exit 1; done

# ---- hostile corpus (issue 6) ----
$(B)/mkhostile: tests/mkhostile.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) $(DEPS_CFLAGS) -o $@ $< $(DEPS_LIBS)

$(B)/hostile/.stamp: $(B)/mkhostile $(B)/fixtures/.stamp
	@rm -rf $(B)/hostile && mkdir -p $(B)/hostile
	$(Q)$(B)/mkhostile $(B)/hostile $(B)/fixtures/good.jpg
	@touch $@

# The full run (every tool, every file, time and RSS per file) and a quick
# one for make check (photocheck and photobatch only).
hostile: all $(B)/hostile/.stamp $(B)/fuzz/replay_load
	PST_BUILD=$(B) PST_HOSTILE=$(B)/hostile sh tests/hostile.sh full

test-hostile: all $(B)/hostile/.stamp $(B)/fuzz/replay_load
	PST_BUILD=$(B) PST_HOSTILE=$(B)/hostile sh tests/hostile.sh quick

# ThreadSanitizer: photobatch -j 8 over the hostile corpus.
tsan:
	$(MAKE) B=build-tsan CFLAGS="-O1 -g -fsanitize=thread" LDFLAGS="-fsanitize=thread" all build-tsan/hostile/.stamp build-tsan/fuzz/replay_load
	PST_BUILD=build-tsan PST_HOSTILE=build-tsan/hostile PST_HOSTILE_RSS_KB=4000000 TSAN_OPTIONS="halt_on_error=1 exitcode=66" sh tests/hostile.sh tsan

# Content-check acceptance figures over an mkcompliance set (tools/evalcheck.c).
$(B)/evalcheck: tools/evalcheck.c $(ALIB)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $(DEPS_CFLAGS) -o $@ $^ $(DEPS_LIBS)

.PHONY: evalcheck
evalcheck: $(B)/evalcheck $(B)/mkcompliance
	[ -f $(B)/compliance/MANIFEST ] || $(B)/mkcompliance $(SHARED) $(B)/compliance
	$(B)/evalcheck $(B)/compliance $(SHARED)

format:
	clang-format -i $(wildcard include/*.h lib/*.c lib/*.h cmd/*.c cmd/*.h cmd/batch/*.c cmd/batch/*.h tests/*.c tests/*.h tools/*.c bench/*.c)

# ---- install ----
install: all
	install -d $(DESTDIR)$(bindir) $(DESTDIR)$(libdir) $(DESTDIR)$(includedir) \
	  $(DESTDIR)$(pkgconfigdir) $(DESTDIR)$(mandir)/man1 $(DESTDIR)$(mandir)/man3
	install -m 755 $(BINS) $(DESTDIR)$(bindir)/
	install -m 755 $(SOLIB) $(DESTDIR)$(libdir)/
	ln -sf $(notdir $(SOLIB)) $(DESTDIR)$(libdir)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(libdir)/libphotostd.so
	install -m 644 $(ALIB) $(DESTDIR)$(libdir)/
	install -m 644 include/photostd.h $(DESTDIR)$(includedir)/
	$(PC_SED) photostd.pc.in > $(DESTDIR)$(pkgconfigdir)/photostd.pc
	install -m 644 $(wildcard man/*.1) $(DESTDIR)$(mandir)/man1/
	install -m 644 $(wildcard man/*.3) $(DESTDIR)$(mandir)/man3/
	install -d $(DESTDIR)$(docdir)
	install -m 644 README.md LICENSE NOTICE $(DESTDIR)$(docdir)/

uninstall:
	rm -f $(TOOLS:%=$(DESTDIR)$(bindir)/%)
	rm -f $(DESTDIR)$(libdir)/libphotostd.so* $(DESTDIR)$(libdir)/libphotostd.a
	rm -f $(DESTDIR)$(includedir)/photostd.h $(DESTDIR)$(pkgconfigdir)/photostd.pc
	rm -f $(patsubst man/%,$(DESTDIR)$(mandir)/man1/%,$(wildcard man/*.1))
	rm -f $(patsubst man/%,$(DESTDIR)$(mandir)/man3/%,$(wildcard man/*.3))
	rm -rf $(DESTDIR)$(docdir)

clean:
	rm -rf $(B) build-asan build-tsan
