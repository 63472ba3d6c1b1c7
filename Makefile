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
		 -Iuserspace/include -Ikmod
SANITIZE      := -fsanitize=address,undefined -fno-omit-frame-pointer \
		 -fno-sanitize-recover=all
LIBS          := $(shell pkg-config --libs openssl json-c 2>/dev/null)

LIB_SRCS  := kmod/record.c userspace/lib/eventlog.c userspace/lib/digest.c
LIB_HDRS  := kmod/record.h userspace/include/aael.h uapi/linux/aael.h

.PHONY: all module userspace check unit vm deps demo clean checkpatch

all: module userspace

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 modules

userspace: $(BUILD)/aael-vmtest

$(BUILD):
	mkdir -p $@

# Tools that run inside the guest: no sanitizers (the guest has no ASan
# runtime setup), but the same warnings.
$(BUILD)/aael-vmtest: tests/vm/aael-vmtest.c $(LIB_SRCS) $(LIB_HDRS) | $(BUILD)
	$(CC) $(CFLAGS_COMMON) -o $@ tests/vm/aael-vmtest.c $(LIB_SRCS) $(LIBS)

$(BUILD)/unit-tests: tests/unit/test_record.c tests/unit/test_eventlog.c \
		     tests/unit/main.c tests/unit/unit.h $(LIB_SRCS) $(LIB_HDRS) | $(BUILD)
	$(CC) $(CFLAGS_COMMON) $(SANITIZE) -o $@ tests/unit/main.c \
		tests/unit/test_record.c tests/unit/test_eventlog.c \
		$(LIB_SRCS) $(LIBS) $(shell pkg-config --libs cmocka)

deps:
	scripts/install-deps

unit: $(BUILD)/unit-tests
	@mkdir -p $(BUILD)/results
	AAEL_TESTDATA=$(CURDIR)/tests/data CMOCKA_MESSAGE_OUTPUT=TAP \
		$(BUILD)/unit-tests > $(BUILD)/results/unit.tap 2>&1 || true
	@cat $(BUILD)/results/unit.tap

vm: module userspace
	tests/vm/run-suite $(BUILD)/results

check: deps
	rm -rf $(BUILD)/results
	$(MAKE) all $(BUILD)/unit-tests
	$(MAKE) unit
	scripts/checkpatch --tap $(BUILD)/results/checkpatch.tap || true
	$(MAKE) vm || true
	scripts/tap-summary $(BUILD)/results

demo: deps
	$(MAKE) all
	tests/vm/run-vm --tpm all --script tests/vm/demo.sh --out $(BUILD)/demo; \
	rc=$$?; sed -n '/=== aael guest/,$$p' $(BUILD)/demo/console.log; exit $$rc

checkpatch:
	scripts/checkpatch

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf $(BUILD)
