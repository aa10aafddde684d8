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
DEPS_CFLAGS := $(shell $(PKG_CONFIG) --cflags libpng libexif)
DEPS_LIBS   := $(shell $(PKG_CONFIG) --libs libpng libexif) -ljpeg -lm -pthread
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

.PHONY: all check install uninstall clean bench asan format fuzz test-unit test-cli test-install evalface
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

# ---- tests ----
$(B)/gen/suites.h: $(TEST_SRC)
	@mkdir -p $(@D)
	$(Q){ for s in $(SUITES); do echo "SUITE($$s)"; done; } > $@

$(B)/tests/%.o: tests/%.c tests/testutil.h lib/internal.h include/photostd.h $(B)/gen/suites.h
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

$(B)/fixtures/.stamp: $(B)/mkfixtures
	@rm -rf $(B)/fixtures && mkdir -p $(B)/fixtures
	$(Q)$(B)/mkfixtures $(B)/fixtures
	@touch $@

test-unit: $(B)/check_photostd $(B)/fixtures/.stamp
	PST_FIXTURES=$(B)/fixtures PST_REAL=$(SHARED) PST_BUILD=$(B) $(B)/check_photostd

test-cli: all $(B)/fixtures/.stamp
	PST_FIXTURES=$(B)/fixtures PST_REAL=$(SHARED) PST_BUILD=$(B) \
	  PST_VALGRIND="$(VALGRIND)" sh tests/cli.sh

test-install: all
	PST_BUILD=$(B) MAKE="$(MAKE)" sh tests/install.sh

check: all test-unit test-cli test-install

# ---- sanitizers, bench, format ----
asan:
	$(MAKE) B=build-asan CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  LDFLAGS="-fsanitize=address,undefined" check

$(B)/bench: bench/bench.c $(ALIB)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $(DEPS_CFLAGS) -o $@ $^ $(DEPS_LIBS)

bench: $(B)/bench $(B)/fixtures/.stamp
	PST_FIXTURES=$(B)/fixtures PST_REAL=$(SHARED) $(B)/bench

# Face/eye detector evaluation on the real photos (tools/evalface.c).
$(B)/evalface: tools/evalface.c $(ALIB)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $(DEPS_CFLAGS) -o $@ $^ $(DEPS_LIBS)

evalface: $(B)/evalface
	PST_REAL=$(SHARED) $(B)/evalface

format:
	clang-format -i $(wildcard include/*.h lib/*.c lib/*.h cmd/*.c cmd/*.h tests/*.c tests/*.h tools/*.c bench/*.c)

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
	rm -rf $(B) build-asan
