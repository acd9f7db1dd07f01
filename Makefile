# Makefile - builds bin/tnemu, the test programs, and runs the TAP suite.
#   make            build bin/tnemu
#   make deps       install the Debian packages tnemu needs (as root)
#   make demo       deps + build + a 156-qubit demo on 2 MPI ranks (results kept in demo/)
#   make check      build and run every TAP test with prove
#   make check SANITIZE=1   the same under AddressSanitizer + UBSan
#   make bench      benchmarks (scripts/bench.sh)
#   make fuzz       libFuzzer harnesses in build-fuzz/ (run: sh scripts/fuzz.sh NAME SECONDS)
#   make lib        the public library: build/libtnemu.so, build/libtnemu.a, build/tnemu.pc
#   make install PREFIX=/usr/local
#   make install-python [PREFIX=/usr/local]   the Python package tnemu for /usr/bin/python3 (docs/python.md)
#   make cua-lm     the CUA language-model experiment (examples/cua-lm; minutes on 2 cores)   bin/tnemu, man page, scripts, include/tnemu.h,
#                   lib/libtnemu.so and .a, lib/pkgconfig/tnemu.pc

PREFIX ?= /usr/local
CC := mpicc
OPT ?= -O2
CFLAGS ?= $(OPT) -g
CFLAGS += -std=c11 -Wall -Wextra -D_GNU_SOURCE -fopenmp -I. -Isrc -Itensor -Impi -Itests/ref -Itests/unit \
          -I/usr/include/x86_64-linux-gnu/openblas-pthread
LDLIBS := -lscalapack-openmpi -llapacke -lopenblas -lfftw3 -ljansson -lm -fopenmp
ifeq ($(SANITIZE),1)
  CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
  LDFLAGS += -fsanitize=address,undefined
  BUILD := build-san
else
  BUILD := build
endif

LIB_SRC := $(filter-out src/main.c,$(wildcard src/*.c)) $(wildcard tensor/*.c) $(wildcard mpi/*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB := $(BUILD)/libtnemu.a
# The public library (src/tnemu.h): libtnemu.so from position-independent
# objects in $(BUILD)/pic/, exporting the tnemu_* functions only
# (src/libtnemu.map); the static libtnemu.a is the archive above.
VERSION := $(shell sed -n 's/^\#define TNEMU_VERSION_\(MAJOR\|MINOR\|PATCH\) //p' src/tnemu.h | paste -sd.)
SO_MAJOR := $(firstword $(subst ., ,$(VERSION)))
PIC_OBJ := $(LIB_SRC:%.c=$(BUILD)/pic/%.o)
SHLIB := $(BUILD)/libtnemu.so.$(VERSION)
REF_SRC := $(wildcard tests/ref/*.c)
REF_OBJ := $(REF_SRC:%.c=$(BUILD)/%.o)
TEST_SRC := $(wildcard tests/unit/*.c)
TEST_BIN := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TNEMU := $(BUILD)/tnemu

.PHONY: all deps demo check bench install clean fuzz lib install-python cua-lm
.SECONDARY:
all: bin/tnemu

lib: $(SHLIB) $(LIB) $(BUILD)/tnemu.pc

bin/tnemu: $(TNEMU)
	@mkdir -p bin
	cp $(TNEMU) $@.tmp && mv -f $@.tmp $@   # a new inode: running copies keep theirs

$(TNEMU): $(BUILD)/src/main.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(SHLIB): $(PIC_OBJ) src/libtnemu.map
	$(CC) $(LDFLAGS) -shared -Wl,-soname,libtnemu.so.$(SO_MAJOR) -Wl,--version-script=src/libtnemu.map \
	    -o $@ $(PIC_OBJ) $(LDLIBS)
	ln -sf $(notdir $@) $(BUILD)/libtnemu.so.$(SO_MAJOR)
	ln -sf $(notdir $@) $(BUILD)/libtnemu.so

$(BUILD)/pic/%.o: %.c $(wildcard src/*.h tensor/*.h mpi/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fPIC -c -o $@ $<

# pkg-config file for PREFIX (make install writes it again for its PREFIX)
$(BUILD)/tnemu.pc: src/tnemu.pc.in src/tnemu.h
	@mkdir -p $(BUILD)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' src/tnemu.pc.in > $@

$(BUILD)/%.o: %.c $(wildcard src/*.h tensor/*.h mpi/*.h tests/ref/*.h tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(REF_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

deps:
	sh scripts/install-deps.sh

demo: deps
	$(MAKE) all
	sh scripts/demo.sh

tests: $(TEST_BIN) $(TNEMU)

# Leak checking is off under MPI: Open MPI's components are dlclose'd before LeakSanitizer
# runs, so their allocations cannot be told apart ("unknown module"). The parsers' leaks are
# checked by the fuzzers (make fuzz), which run without MPI.
ifeq ($(SANITIZE),1)
  SAN_ENV := ASAN_OPTIONS=detect_leaks=0:abort_on_error=0:detect_odr_violation=0 \
             UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
endif

# the library too (tests/install.t installs the build's own, instrumented under SANITIZE=1)
CHECK_DEPS := $(TEST_BIN) $(TNEMU) $(SHLIB)
ifneq ($(SANITIZE),1)
  CHECK_DEPS += bin/tnemu
endif

# scripts/check.sh runs prove -j2 on tests/ and, when some fail, runs those
# again verbosely and prints their failures last (a CI log's tail shows them)
check: $(CHECK_DEPS)
	$(SAN_ENV) TNEMU_BUILD=$(BUILD) sh scripts/check.sh

$(BUILD)/bench-eigh: $(BUILD)/scripts/bench-eigh.o $(BUILD)/tensor/zgemv.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/bench-gate: $(BUILD)/scripts/bench-gate.o $(BUILD)/tensor/zgemv.o $(LIB)   # zgemv.o: see tensor/zgemv.c
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/pingpong: scripts/pingpong.c
	@mkdir -p $(BUILD)
	$(CC) -O2 -o $@ $<

# libFuzzer harnesses (tests/fuzz/*.c) built with clang, ASan and UBSan into build-fuzz/
FUZZ_BUILD := build-fuzz
FUZZ_CFLAGS := -g -O1 -std=c11 -D_GNU_SOURCE -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
               -I. -Isrc -Itensor -Impi -I/usr/include/x86_64-linux-gnu/openblas-pthread $(shell mpicc -showme:compile 2>/dev/null)
FUZZ_LIBS := $(LDLIBS) $(shell mpicc -showme:link 2>/dev/null)
FUZZ_OBJ := $(LIB_SRC:%.c=$(FUZZ_BUILD)/%.o)
FUZZ_BIN := $(patsubst tests/fuzz/%.c,$(FUZZ_BUILD)/%,$(wildcard tests/fuzz/fuzz_*.c))

$(FUZZ_BUILD)/%.o: %.c $(wildcard src/*.h tensor/*.h mpi/*.h)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_OBJ) $(wildcard tests/fuzz/*.h)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $(filter-out %.h,$^) $(FUZZ_LIBS)

fuzz: $(FUZZ_BIN)

bench: all $(BUILD)/bench-eigh $(BUILD)/bench-gate
	sh scripts/bench.sh

# The scripts the binary runs (src/report.c finds them in PREFIX/share/tnemu
# beside PREFIX/bin); tests/install.t checks every one the sources name is here.
HELPER_SCRIPTS := scripts/compare-plot.py scripts/sweep-plot.py
# the binary to install (tests/install.t installs the build under test)
INSTALL_BIN ?= bin/tnemu

install: $(INSTALL_BIN) $(SHLIB) $(LIB) src/tnemu.pc.in
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/tnemu \
	    $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include
	install -m 755 $(INSTALL_BIN) $(DESTDIR)$(PREFIX)/bin/tnemu
	install -m 644 docs/tnemu.1 $(DESTDIR)$(PREFIX)/share/man/man1/tnemu.1
	install -m 755 $(HELPER_SCRIPTS) $(DESTDIR)$(PREFIX)/share/tnemu/
	install -m 644 src/tnemu.h $(DESTDIR)$(PREFIX)/include/tnemu.h
	install -m 755 $(SHLIB) $(DESTDIR)$(PREFIX)/lib/
	ln -sf $(notdir $(SHLIB)) $(DESTDIR)$(PREFIX)/lib/libtnemu.so.$(SO_MAJOR)
	ln -sf $(notdir $(SHLIB)) $(DESTDIR)$(PREFIX)/lib/libtnemu.so
	install -m 644 $(LIB) $(DESTDIR)$(PREFIX)/lib/libtnemu.a
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' src/tnemu.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/tnemu.pc

# The Python package: python/tnemu and libtnemu.so beside it (its loader looks
# there first), into the site-packages folder of PREFIX for /usr/bin/python3:
# /usr/local/lib/python3.X/dist-packages is on Debian's path already; for
# another PREFIX the rule says what to add to PYTHONPATH.
PYTHON ?= /usr/bin/python3
PYTHON_SITE ?= $(PREFIX)/lib/python$(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)/dist-packages

install-python: $(SHLIB)
	install -d $(DESTDIR)$(PYTHON_SITE)/tnemu
	install -m 644 python/tnemu/*.py $(DESTDIR)$(PYTHON_SITE)/tnemu/
	install -m 755 $(SHLIB) $(DESTDIR)$(PYTHON_SITE)/tnemu/libtnemu.so
	@$(PYTHON) -c 'import sys; sys.exit("$(PYTHON_SITE)" not in sys.path)' || \
	    echo "install-python: $(PYTHON_SITE) is not on $(PYTHON)'s path: export PYTHONPATH=$(PYTHON_SITE)"

cua-lm: $(SHLIB)
	cd examples/cua-lm && nice -n 10 $(PYTHON) cua_lm.py

clean:
	rm -rf build build-san bin
