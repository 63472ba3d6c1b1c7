# SPDX-License-Identifier: GPL-2.0
#
# make            build aael.ko (for KVER) and the userspace tools
# make check      install what is missing, build, run every test, summarise
# make demo       boot a guest with swtpm, load aael.ko, record and replay
#
KVER   ?= $(shell scripts/kernel-version)
KDIR   ?= /lib/modules/$(KVER)/build
BUILD  ?= build
CC     ?= cc

CFLAGS_COMMON := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 -g \
		 -Iuapi -Iuserspace/include -Ikmod $(shell pkg-config --cflags libnl-genl-3.0 2>/dev/null)
SANITIZE      := -fsanitize=address,undefined -fno-omit-frame-pointer \
		 -fno-sanitize-recover=all
LIBS          := $(shell pkg-config --libs openssl json-c libnl-genl-3.0 2>/dev/null)

LIB_SRCS  := kmod/record.c userspace/lib/eventlog.c userspace/lib/digest.c \
	     userspace/lib/client.c userspace/lib/json.c userspace/lib/cceventlog.c \
	     userspace/lib/err.c userspace/lib/base64.c userspace/lib/buf.c \
	     userspace/lib/file.c
LIB_HDRS  := kmod/record.h userspace/include/aael.h uapi/linux/aael.h \
	     userspace/lib/util.h
LIB_OBJS  := $(patsubst %.c,$(BUILD)/obj/%.o,$(LIB_SRCS))
CTL_SRCS  := $(wildcard userspace/aaelctl/*.c)
CTL_OBJS  := $(patsubst %.c,$(BUILD)/obj/%.o,$(CTL_SRCS))
D_SRCS    := $(wildcard userspace/aaeld/*.c)
D_OBJS    := $(patsubst %.c,$(BUILD)/obj/%.o,$(D_SRCS))
D_LIBS    := $(shell pkg-config --libs libmicrohttpd libcurl tss2-esys tss2-mu \
		tss2-tctildr zlib 2>/dev/null) -lpthread

.PHONY: all module userspace check unit host fuzz vm deps demo clean checkpatch \
	install install-userspace install-etc dkms-install dkms-sources vm-matrix bench check-debug vm-debug soak FORCE

all: module userspace

module:
	@scripts/build-deps module $(KVER)
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 modules

# A missing library is named as the Debian package to install, before the
# compiler stops at its header (make deps installs them all).
.PHONY: build-deps-userspace build-deps-unit
build-deps-userspace:
	@scripts/build-deps userspace
build-deps-unit:
	@scripts/build-deps unit

userspace: $(BUILD)/libaael.a $(BUILD)/libaael.so $(BUILD)/aaelctl \
	   $(BUILD)/aaeld $(BUILD)/aael-vmtest $(BUILD)/aael-load $(BUILD)/libaael.pc \
	   $(BUILD)/toml-decoder $(BUILD)/tpm-raw-extend

# One version: dkms.conf's (MODULE_VERSION in kmod/main.c is checked against it).
VERSION ?= $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
PREFIX  ?= /usr/local
LIBDIR  ?= $(PREFIX)/lib

$(BUILD)/libaael.pc: userspace/lib/libaael.pc.in
	@mkdir -p $(BUILD)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@VERSION@|$(VERSION)|' $< > $@

D_HDRS    := $(wildcard userspace/aaeld/*.h)

$(BUILD)/obj/%.o: %.c $(LIB_HDRS) userspace/aaelctl/aaelctl.h $(D_HDRS) | build-deps-userspace
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) $(CPPFLAGS) $(CFLAGS) -DAAELD_VERSION='"$(VERSION)"' -fPIC -c -o $@ $<

$(BUILD)/aaeld: $(D_OBJS) $(BUILD)/libaael.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(D_OBJS) $(BUILD)/libaael.a $(LIBS) $(D_LIBS)

$(BUILD)/libaael.a: $(LIB_OBJS)
	$(AR) rcs $@ $^

# The shared library exports the functions userspace/include/aael.h declares
# and nothing else (the record encoders it shares with the module, the reply
# decoder the fuzzer reaches, stay inside), versioned LIBAAEL_0: the header
# is the one list (debian/libaael0.symbols is checked against the result).
$(BUILD)/libaael.map: userspace/include/aael.h
	@mkdir -p $(BUILD)
	{ echo 'LIBAAEL_0 {'; echo 'global:'; \
	  grep -oE '\baael_[a-z0-9_]+ *\(' $< | sed 's/ *(//; s/.*/	&;/' | sort -u; \
	  echo 'local:'; echo '	*;'; echo '};'; } > $@

$(BUILD)/libaael.so: $(LIB_OBJS) $(BUILD)/libaael.map
	$(CC) $(CFLAGS) $(LDFLAGS) -shared -Wl,-soname,libaael.so.0 \
		-Wl,--version-script=$(BUILD)/libaael.map -o $@ $(LIB_OBJS) $(LIBS)

$(BUILD)/aaelctl: $(CTL_OBJS) $(BUILD)/libaael.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(CTL_OBJS) $(BUILD)/libaael.a $(LIBS)

# Tools that run inside the guest are not sanitized (the guest has no ASan
# runtime setup) but carry the same warnings.
VMT_COMMON := tests/vm/kernel-log.c tests/vm/kernel-log.h
$(BUILD)/aael-vmtest: tests/vm/aael-vmtest.c $(VMT_COMMON) $(BUILD)/libaael.a
	$(CC) $(CFLAGS_COMMON) -o $@ $< tests/vm/kernel-log.c $(BUILD)/libaael.a $(LIBS) -lm

# The bench's TPM limit: no library at all, static so that nothing but the
# loop and the TPM runs (tests/bench/tpm-raw-extend.c).
$(BUILD)/tpm-raw-extend: tests/bench/tpm-raw-extend.c
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS_COMMON) -static -o $@ $<

$(BUILD)/aael-load: tests/vm/aael-load.c $(VMT_COMMON) $(BUILD)/libaael.a
	$(CC) $(CFLAGS_COMMON) -o $@ $< tests/vm/kernel-log.c $(BUILD)/libaael.a $(LIBS) \
		$(shell pkg-config --libs libcurl 2>/dev/null)

# aaeld's parsers (TOML, aa.toml, Init-Data) without its I/O.
D_PARSE   := userspace/aaeld/toml.c userspace/aaeld/config.c userspace/aaeld/json.c \
	     userspace/aaeld/jwe.c \
	     userspace/aaeld/event.c userspace/aaeld/kbs_reply.c userspace/aaeld/tee_key.c
UNIT_SRCS := $(wildcard tests/unit/*.c)

$(BUILD)/unit-tests: $(UNIT_SRCS) tests/unit/unit.h $(LIB_SRCS) $(LIB_HDRS) $(D_PARSE) \
		| build-deps-userspace build-deps-unit
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS_COMMON) $(SANITIZE) -o $@ $(UNIT_SRCS) $(LIB_SRCS) $(D_PARSE) \
		$(LIBS) -lz $(shell pkg-config --libs cmocka)

FUZZ_TARGETS := eventlog record event_text toml http_body netlink_reply jwe
FUZZ_BINS    := $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZ_TARGETS))

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(LIB_SRCS) $(LIB_HDRS) $(D_PARSE)
	@mkdir -p $(dir $@)
	clang $(filter-out -O2,$(CFLAGS_COMMON)) -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-o $@ $< $(LIB_SRCS) $(D_PARSE) $(LIBS) -lz

# aaeld's TOML reader behind toml-test's decoder interface (TOML on stdin,
# tagged JSON out), plain and sanitized: make host runs the toml-test suite
# through both (tests/toml/run-toml-test).
TOMLDEC_SRCS := tests/toml/toml-decoder.c userspace/aaeld/toml.c userspace/lib/buf.c
$(BUILD)/toml-decoder: $(TOMLDEC_SRCS) userspace/aaeld/aaeld.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) -Iuserspace/aaeld -o $@ $(TOMLDEC_SRCS) $(LIBS) -lm

$(BUILD)/asan/toml-decoder: $(TOMLDEC_SRCS) userspace/aaeld/aaeld.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) $(SANITIZE) -Iuserspace/aaeld -o $@ $(TOMLDEC_SRCS) $(LIBS) -lm

# Sanitized aaelctl for the host tests.
$(BUILD)/asan/aaelctl: $(CTL_SRCS) $(LIB_SRCS) $(LIB_HDRS) userspace/aaelctl/aaelctl.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) $(SANITIZE) -Iuserspace/aaelctl -o $@ $(CTL_SRCS) \
		$(LIB_SRCS) $(LIBS)

# Sanitized aaeld: the host test and every VM boot of aaeld run this one
# (tests/vm/lib.sh asan_start/asan_check; log_path reports fail the suite).
# With gcc, libubsan beside libasan ignores log_path (and UBSAN_OPTIONS):
# its reports would only reach aaeld's stderr. Trapping instead, ASan
# (handle_sigill=1) writes each one to the log_path file, with its stack.
$(BUILD)/asan/aaeld: $(D_SRCS) $(LIB_SRCS) $(LIB_HDRS) $(D_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) $(SANITIZE) -fsanitize-undefined-trap-on-error \
		-DAAELD_VERSION='"$(VERSION)"' -o $@ \
		$(D_SRCS) $(LIB_SRCS) $(LIBS) $(D_LIBS)

# FUZZ_SECONDS per target (make fuzz FUZZ_SECONDS=600 for a long run)
FUZZ_SECONDS ?= 60
fuzz: $(FUZZ_BINS)
	tests/fuzz/run-fuzz $(FUZZ_SECONDS)

# Each host test writes RESULTS/<name>.tap; every one runs, and the target
# fails when any did (scripts/expected-results lists the names).
host: $(BUILD)/asan/aaelctl $(BUILD)/asan/aaeld $(BUILD)/toml-decoder $(BUILD)/asan/toml-decoder
	@mkdir -p $(BUILD)/results
	@rc=0; \
	t() { n=$$1; shift; "$$@" > $(BUILD)/results/$$n.tap 2>&1 || rc=1; \
	      cat $(BUILD)/results/$$n.tap; }; \
	t host tests/host/test-aaelctl.sh $(BUILD)/asan/aaelctl; \
	t dkms tests/host/test-dkms.sh $(KVER); \
	t trustee-tpm tests/host/test-trustee-tpm.sh; \
	t trustee-tdx tests/host/test-trustee-tdx.sh; \
	t kbs-rules tests/host/test-kbs-rules.sh; \
	t ynl-spec tests/host/test-ynl-spec.sh; \
	t aaeld-host tests/host/test-aaeld.sh $(BUILD)/asan/aaeld; \
	t rest-compat tests/host/test-rest-compat.sh $(BUILD)/asan/aaeld; \
	t toml-test tests/toml/run-toml-test $(BUILD)/toml-decoder; \
	t toml-test-asan tests/toml/run-toml-test $(BUILD)/asan/toml-decoder; \
	exit $$rc

DESTDIR ?=
MODDIR  := $(DESTDIR)/lib/modules/$(KVER)/updates
# install-userspace and install-etc without the module: debian/rules uses
# them, and DKMS builds the module there.
install: all install-userspace install-etc
	install -D -m 0644 kmod/aael.ko $(MODDIR)/aael.ko
	[ -n "$(DESTDIR)" ] || depmod $(KVER)

PKG_BINS := $(BUILD)/libaael.a $(BUILD)/libaael.so $(BUILD)/aaelctl $(BUILD)/aaeld $(BUILD)/libaael.pc
install-userspace: $(PKG_BINS)
	install -D -m 0755 $(BUILD)/aaelctl $(DESTDIR)$(PREFIX)/bin/aaelctl
	install -D -m 0755 $(BUILD)/aaeld $(DESTDIR)$(PREFIX)/bin/aaeld
	install -D -m 0644 userspace/aaeld/aaeld.8 $(DESTDIR)$(PREFIX)/share/man/man8/aaeld.8
	sed 's|/usr/local|$(PREFIX)|' packaging/aaeld.service > $(BUILD)/aaeld.service
	install -D -m 0644 $(BUILD)/aaeld.service $(DESTDIR)/lib/systemd/system/aaeld.service
	install -D -m 0644 $(BUILD)/libaael.a $(DESTDIR)$(LIBDIR)/libaael.a
	install -D -m 0644 $(BUILD)/libaael.so $(DESTDIR)$(LIBDIR)/libaael.so.0
	ln -sf libaael.so.0 $(DESTDIR)$(LIBDIR)/libaael.so
	install -D -m 0644 $(BUILD)/libaael.pc $(DESTDIR)$(LIBDIR)/pkgconfig/libaael.pc
	install -D -m 0644 userspace/include/aael.h $(DESTDIR)$(PREFIX)/include/aael/aael.h
	install -D -m 0644 uapi/linux/aael.h $(DESTDIR)$(PREFIX)/include/aael/linux/aael.h
	install -D -m 0644 userspace/aaelctl/aaelctl.8 $(DESTDIR)$(PREFIX)/share/man/man8/aaelctl.8

install-etc:
	install -D -m 0644 packaging/modules-load.conf $(DESTDIR)/etc/modules-load.d/aael.conf
	install -D -m 0644 packaging/modprobe.conf $(DESTDIR)/etc/modprobe.d/aael.conf

DKMS_SRC ?= $(DESTDIR)/usr/src/aael-$(VERSION)
dkms-sources:
	install -d $(DKMS_SRC)/kmod $(DKMS_SRC)/uapi/linux
	install -m 0644 Kbuild dkms.conf $(DKMS_SRC)/
	install -m 0644 $(filter-out %.mod.c,$(wildcard kmod/*.c)) kmod/*.h \
		kmod/Kbuild kmod/Kconfig $(DKMS_SRC)/kmod/
	install -m 0644 uapi/linux/aael.h $(DKMS_SRC)/uapi/linux/

dkms-install: dkms-sources
	dkms add -m aael -v $(VERSION) || true
	dkms build -m aael -v $(VERSION) -k $(KVER)
	dkms install -m aael -v $(VERSION) -k $(KVER)

deps:
	scripts/install-deps

unit: $(BUILD)/unit-tests
	@mkdir -p $(BUILD)/results
	AAEL_TESTDATA=$(CURDIR)/tests/data CMOCKA_MESSAGE_OUTPUT=TAP \
		$(BUILD)/unit-tests > $(BUILD)/results/unit.tap 2>&1; \
	rc=$$?; cat $(BUILD)/results/unit.tap; exit $$rc

# Newer kernels (6.12, 7.x), built in a trixie chroot: see scripts/kernel-matrix.
# The kernel's YNL library and netlink schemas (7.x linux-source) for the
# guest's YNL client (tests/vm/suite-ynl.sh): a link into the cache, which
# the guest sees at the same path through the host's root. Without it only
# suite-ynl fails (its TAP says why), not every boot.
$(BUILD)/ynl: FORCE
	@mkdir -p $(BUILD)
	D=$$(scripts/linux-source) && ln -sfn "$$D" $@ || \
		echo "make: no 7.x linux-source: suite-ynl.sh will fail" >&2
FORCE:

vm-matrix: module userspace $(BUILD)/ynl
	tests/vm/run-matrix $(BUILD)/results

# The install test boots with a staged `make install` (tests/vm/suite-install.sh).
vm: module userspace $(BUILD)/ynl $(BUILD)/asan/aaeld
	rm -rf $(BUILD)/stage
	$(MAKE) install DESTDIR=$(CURDIR)/$(BUILD)/stage
	depmod -b $(CURDIR)/$(BUILD)/stage $(KVER)
	tests/vm/run-suite $(BUILD)/results

# Every step runs even when one before it failed (scripts/step records each
# exit status as TAP); the summary then requires every result file the run
# must leave (scripts/expected-results, from tests/vm/boots), so a step or
# a suite that wrote nothing fails instead of vanishing from the count.
R := $(BUILD)/results
check: deps
	rm -rf $(R)
	$(MAKE) all $(BUILD)/unit-tests $(BUILD)/asan/aaelctl $(BUILD)/asan/aaeld $(BUILD)/asan/toml-decoder $(FUZZ_BINS)
	scripts/step $(R) unit $(MAKE) unit
	scripts/step $(R) host $(MAKE) host
	scripts/step $(R) fuzz sh -c 'tests/fuzz/run-fuzz 10 > $(R)/fuzz.tap 2>&1'
	scripts/step $(R) checkpatch scripts/checkpatch --tap $(R)/checkpatch.tap
	scripts/step $(R) deb tests/deb/test-deb.sh $(R)
	scripts/step $(R) vm $(MAKE) vm
	scripts/step $(R) matrix tests/vm/run-matrix $(R)
	scripts/step $(R) debug $(MAKE) vm-debug DEBUG_RESULTS=$(R)
	scripts/tap-summary $(R) --expect check

demo: deps
	$(MAKE) all
	tests/vm/run-vm --tpm all --script tests/vm/demo.sh --out $(BUILD)/demo; \
	rc=$$?; sed -n '/=== aael guest/,$$p' $(BUILD)/demo/console.log; exit $$rc

# The VM suite, reliability included, on a KASAN/lockdep/kmemleak build of
# Debian's 6.1 (scripts/debug-kernel: ~20 min cold, cached afterwards); any
# debug report fails the boot's *-debug.tap. make check runs it too, less
# the boots that add no kernel path (sha256-only TPM, aaeld) to save time.
DEBUG_RESULTS ?= $(BUILD)/results-debug
AAEL_SUITE_KIND ?= debug
vm-debug: userspace $(BUILD)/ynl $(BUILD)/asan/aaeld
	@mkdir -p $(DEBUG_RESULTS)
	K=$$(scripts/debug-kernel) || { \
		echo "not ok 1 - the debug kernel and aael.ko against it build" > $(DEBUG_RESULTS)/debug-build.tap; \
		echo "1..1" >> $(DEBUG_RESULTS)/debug-build.tap; exit 1; }; \
	echo "ok 1 - the debug kernel and aael.ko against it build (W=1, no warnings)" > $(DEBUG_RESULTS)/debug-build.tap; \
	echo "1..1" >> $(DEBUG_RESULTS)/debug-build.tap; \
	cat $$K/include/config/kernel.release > $(DEBUG_RESULTS)/debug-kernel; \
	AAEL_GUEST_KERNEL=$$K/arch/x86/boot/bzImage AAEL_SUITE_KO=build/debug/aael.ko \
	AAEL_SUITE_KIND=$(AAEL_SUITE_KIND) \
	AAEL_APPEND="pci=noacpi kasan_multi_shot log_buf_len=16M loglevel=7" \
		tests/vm/run-suite $(DEBUG_RESULTS) $$(cat $$K/include/config/kernel.release)

check-debug: deps
	rm -rf $(DEBUG_RESULTS)
	scripts/step $(DEBUG_RESULTS) debug $(MAKE) vm-debug AAEL_SUITE_KIND=debug-full
	scripts/tap-summary $(DEBUG_RESULTS) --expect check-debug

# The reliability boots with 8x the sizes (8 writers x 10k mixed events).
SOAK_SCALE ?= 8
soak: module userspace
	@mkdir -p $(BUILD)/soak
	AAEL_SCALE=$(SOAK_SCALE) tests/vm/run-vm --tpm none \
		--script tests/vm/suite-reliability.sh --out $(BUILD)/soak/reliability --timeout 3600
	AAEL_SCALE=$(SOAK_SCALE) tests/vm/run-vm --tpm sha256 \
		--script tests/vm/suite-reliability-tpm.sh --out $(BUILD)/soak/reliability-tpm --timeout 3600

# Benchmarks in the guest; results in docs/performance.json (see docs/PERFORMANCE.md).
bench: all
	tests/bench/run

# Debian packages (debian/): aael-dkms, libaael0, libaael-dev, aaelctl and
# aaeld, into $(BUILD)/deb (README, Debian packages). make check installs,
# loads and purges them (tests/deb/test-deb.sh).
.PHONY: deb
deb:
	scripts/make-deb $(BUILD)/deb

checkpatch:
	scripts/checkpatch

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf $(BUILD)
