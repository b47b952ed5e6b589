# SPDX-License-Identifier: GPL-2.0-or-later
# lvs-rs-agent: plain Makefile. `make`, `make check`, `make demo`, `make deps`.

VERSION := 0.1.0

PREFIX ?= /usr
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share
SYSCONFDIR ?= /etc
DESTDIR ?=
# systemd's own answer (Debian: /lib/systemd/system), else the usual place.
SYSTEMDUNITDIR ?= $(or $(shell $(PKG_CONFIG) --variable=systemdsystemunitdir systemd 2>/dev/null),/lib/systemd/system)
# bash-completion's own answer (Debian: /usr/share/bash-completion/completions),
# else the usual place under PREFIX.
BASHCOMPDIR ?= $(or $(shell $(PKG_CONFIG) --variable=completionsdir bash-completion 2>/dev/null),$(PREFIX)/share/bash-completion/completions)

CC ?= cc
PKG_CONFIG ?= pkg-config
PKGS := libmnl libnftnl libcap-ng json-c
# A fresh machine has no pkg-config until `make deps` (which `make demo` runs
# before it builds, in a make of its own): pkgconf asks it nothing until then,
# and a build without it stops at have-pkg-config with what to do.
HAVE_PKG_CONFIG := $(shell command -v $(PKG_CONFIG) 2>/dev/null)
pkgconf = $(if $(HAVE_PKG_CONFIG),$(shell $(PKG_CONFIG) $(1)))
TEST_PKGS := cmocka

ifeq ($(SANITIZE),1)
BUILD ?= build-san
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
HARDEN :=
else
BUILD ?= build
SAN_FLAGS :=
HARDEN := -D_FORTIFY_SOURCE=3
endif

WARN := -Wall -Wextra -Wshadow -Wformat=2 -Wmissing-prototypes -Wstrict-prototypes \
	-Wno-unused-parameter -Werror
CFLAGS ?= -O2 -g
BASE_CFLAGS := -std=gnu11 $(WARN) $(HARDEN) -fstack-protector-strong -fPIE \
	-DVERSION='"$(VERSION)"' -I. $(SAN_FLAGS) \
	$(call pkgconf,--cflags $(PKGS))
BASE_LDFLAGS := -pie -Wl,-z,relro,-z,now $(SAN_FLAGS)
# LINK=static (the default) links libnftnl, libcap-ng and json-c into
# the binary; libmnl (Debian ships no static archive) and libc stay shared.
# Each shared library costs the dynamic loader about 0.2 ms at every start
# (bench/results.md, "Startup"); LINK=shared links them all as shared
# libraries, as a distribution that rebuilds nothing on a library update
# prefers.
LINK ?= static
STATIC_PKGS := libnftnl libcap-ng json-c
ifeq ($(LINK),static)
LIBS := $(call pkgconf,--libs-only-L $(PKGS)) \
	-Wl,-Bstatic $(call pkgconf,--libs-only-l $(STATIC_PKGS)) -Wl,-Bdynamic \
	$(call pkgconf,--libs-only-l $(filter-out $(STATIC_PKGS),$(PKGS)))
else ifeq ($(LINK),shared)
LIBS := $(call pkgconf,--libs $(PKGS))
else
$(error LINK must be static or shared, not "$(LINK)")
endif
TEST_LIBS := $(shell $(PKG_CONFIG) --libs $(TEST_PKGS) 2>/dev/null)

ifeq ($(V),1)
Q :=
qecho = @true
else
Q := @
qecho = @printf '  %-5s %s\n'
endif

MODULES := lib conf netconf arp tunnel agent
SRC := $(filter-out agent/main.c,$(foreach m,$(MODULES),$(wildcard $(m)/*.c)))
OBJ := $(SRC:%.c=$(BUILD)/obj/%.o)
FOBJ := $(SRC:%.c=$(BUILD)/fault/%.o)
MAIN_OBJ := $(BUILD)/obj/agent/main.o
FMAIN_OBJ := $(BUILD)/fault/agent/main.o
UNIT_SRC := $(wildcard tests/unit/test-*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/%)

BIN := $(BUILD)/lvs-rs-agent
FBIN := $(BUILD)/lvs-rs-agent-fault
# The engine called again and again in one process (test-reconcile-loop).
LOOP_BIN := $(BUILD)/reconcile-loop
# What the kernel does with owned and persistent nf_tables tables (test-nft-owner).
PROBE_BIN := $(BUILD)/nft-owner-probe

all: $(BIN)

$(OBJ) $(FOBJ): | have-pkg-config
have-pkg-config:
	@[ -n "$(HAVE_PKG_CONFIG)" ] || { echo "make: $(PKG_CONFIG) is missing: run make deps (as root) first," \
		"or make demo, which does" >&2; exit 1; }
.PHONY: have-pkg-config

$(BUILD)/obj/%.o: %.c
	$(qecho) CC $@
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(BASE_CFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

# The test build: same code, plus the fault switch of netconf_fault_point().
$(BUILD)/fault/%.o: %.c
	$(qecho) CC $@
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(BASE_CFLAGS) $(CFLAGS) -DLVS_FAULT_INJECTION -MMD -MP -c -o $@ $<

# The link flags live in this Makefile and in LINK: a stamp holding them
# relinks the binaries when either changes.
$(BUILD)/link-flags: FORCE
	@mkdir -p $(BUILD)
	@echo '$(BASE_LDFLAGS) $(LDFLAGS) $(LIBS)' | cmp -s - $@ || \
		echo '$(BASE_LDFLAGS) $(LDFLAGS) $(LIBS)' >$@

$(BIN): $(OBJ) $(MAIN_OBJ) $(BUILD)/link-flags
	$(qecho) LD $@
	$(Q)$(CC) $(BASE_LDFLAGS) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LIBS)

$(FBIN): $(FOBJ) $(FMAIN_OBJ) $(BUILD)/link-flags
	$(qecho) LD $@
	$(Q)$(CC) $(BASE_LDFLAGS) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LIBS)

# Each unit test links only its module and what lies below it.
TEST_MODS_conf := lib conf
TEST_MODS_conf-errors := lib conf
TEST_MODS_conf-load := lib conf
TEST_MODS_suggest := lib
TEST_MODS_netconf := lib netconf
TEST_MODS_netconf-addr := lib netconf
TEST_MODS_netconf-batch := lib netconf
TEST_MODS_netconf-route := lib netconf
TEST_MODS_netconf-sysctl := lib netconf
TEST_MODS_nft-table := lib netconf
TEST_MODS_nl := lib netconf
TEST_MODS_arp := lib conf netconf arp
TEST_MODS_tunnel := lib conf netconf tunnel
TEST_MODS_mss := lib conf netconf tunnel
modobjs = $(foreach m,$(1),$(patsubst %.c,$(BUILD)/fault/%.o,$(wildcard $(m)/*.c)))
.SECONDEXPANSION:
$(BUILD)/test-%: tests/unit/test-%.c $$(filter-out $(FMAIN_OBJ),$$(call modobjs,$$(or $$(TEST_MODS_$$*),$(MODULES))))
	$(qecho) CC $@
	$(Q)$(CC) $(BASE_CFLAGS) $(CFLAGS) -DLVS_FAULT_INJECTION \
		$(shell $(PKG_CONFIG) --cflags $(TEST_PKGS)) -MMD -MP \
		$(BASE_LDFLAGS) $(LDFLAGS) -o $@ $< $(filter %.o,$^) $(LIBS) $(TEST_LIBS)

$(LOOP_BIN): tests/loop/reconcile-loop.c $(OBJ) $(BUILD)/link-flags
	$(qecho) CC $@
	$(Q)$(CC) $(BASE_CFLAGS) $(CFLAGS) -MMD -MP $(BASE_LDFLAGS) $(LDFLAGS) -o $@ $< \
		$(OBJ) $(LIBS)

$(PROBE_BIN): tests/probe/nft-owner.c $(BUILD)/link-flags
	$(qecho) CC $@
	$(Q)$(CC) $(BASE_CFLAGS) $(CFLAGS) -MMD -MP $(BASE_LDFLAGS) $(LDFLAGS) -o $@ $< $(LIBS)

build-tests: $(BIN) $(FBIN) $(UNIT_BIN) $(LOOP_BIN) $(PROBE_BIN)

ifeq ($(SANITIZE),1)
# valgrind cannot run an ASan build: test-valgrind runs the plain
# build/lvs-rs-agent, which a sanitized check builds too.
build-tests: plain-bin
plain-bin:
	@$(MAKE) --no-print-directory SANITIZE= BUILD=build build/lvs-rs-agent
.PHONY: plain-bin
endif

# ---- fuzzing (clang libFuzzer), bounded
FUZZ_TIME ?= 60
FUZZ_CFLAGS := -std=gnu11 -g -O1 -I. -fsanitize=fuzzer,address,undefined
$(BUILD)/fuzz-conf: tests/fuzz/fuzz-conf.c $(wildcard conf/*.c conf/*.h lib/*.c lib/*.h)
	$(qecho) CLANG $@
	@mkdir -p $(BUILD)
	$(Q)clang $(FUZZ_CFLAGS) -o $@ tests/fuzz/fuzz-conf.c $(wildcard conf/*.c) $(wildcard lib/*.c)

fuzz: $(BUILD)/fuzz-conf
	@mkdir -p $(BUILD)/fuzz-corpus
	$(BUILD)/fuzz-conf -max_total_time=$(FUZZ_TIME) -max_len=4096 -timeout=5 \
		-artifact_prefix=$(BUILD)/ $(BUILD)/fuzz-corpus tests/fuzz/corpus

# The journal reader: agent/journal-read.c and every kind's validation, so the
# whole agent but main.c (and the libraries it links).
$(BUILD)/fuzz-journal: tests/fuzz/fuzz-journal.c $(SRC) $(wildcard */*.h)
	$(qecho) CLANG $@
	@mkdir -p $(BUILD)
	$(Q)clang $(FUZZ_CFLAGS) $(shell $(PKG_CONFIG) --cflags $(PKGS)) -o $@ \
		tests/fuzz/fuzz-journal.c $(SRC) $(shell $(PKG_CONFIG) --libs $(PKGS))

fuzz-journal: $(BUILD)/fuzz-journal
	@mkdir -p $(BUILD)/fuzz-journal-corpus
	$(BUILD)/fuzz-journal -max_total_time=$(FUZZ_TIME) -max_len=8192 -timeout=5 \
		-artifact_prefix=$(BUILD)/journal- $(BUILD)/fuzz-journal-corpus \
		tests/fuzz/journal-corpus

# ---- tests
check: build-tests
	@BUILD=$(BUILD) SANITIZE=$(SANITIZE) tests/run-tests.sh $(TESTS)

unit: build-tests
	@BUILD=$(BUILD) tests/run-tests.sh unit

integration: build-tests
	@BUILD=$(BUILD) tests/run-tests.sh integration

vm: build-tests
	@BUILD=$(BUILD) tests/run-tests.sh vm

# The long VM jobs, the Ansible role and the watch unit under systemd (three VMs, 4-9 minutes
# of emulation each): .ci/run runs them after make check, which they would push past 15 minutes.
check-long: build-tests
	@BUILD=$(BUILD) tests/run-tests.sh vm-long

# The benchmark's timer: wall time and peak RSS of one process (issue 8).
$(BUILD)/bench-timer: tests/bench/timer.c
	$(qecho) CC $@
	@mkdir -p $(BUILD)
	$(Q)$(CC) -std=gnu11 $(WARN) $(CFLAGS) -o $@ $<

# The watch's repair latency (bench/watch-bench.sh).
$(BUILD)/watch-bench: bench/watch-bench.c
	$(qecho) CC $@
	@mkdir -p $(BUILD)
	$(Q)$(CC) -std=gnu11 -pthread $(WARN) $(CFLAGS) $(shell $(PKG_CONFIG) --cflags libmnl) -o $@ $< \
		$(shell $(PKG_CONFIG) --libs libmnl)

bench: $(BIN) $(FBIN) $(BUILD)/bench-timer $(BUILD)/watch-bench
	@BUILD=$(BUILD) tests/bench/bench.sh
	@BUILD=$(BUILD) bench/watch-bench.sh

# The watch's part alone (its section of bench/results.md).
bench-watch: $(FBIN) $(BUILD)/watch-bench
	@BUILD=$(BUILD) bench/watch-bench.sh

deps:
	@tools/deps.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) tools/demo.sh

# ---- install
# No config: the unit must not apply someone's example VIPs. Enabled without
# /etc/lvs-rs-agent/agent.conf it fails, naming the missing file; the example
# goes to the documentation.
UNITS := lvs-rs-agent.service lvs-rs-agent-watch.service lvs-rs-agent-verify.service \
	lvs-rs-agent-verify.timer
install: $(BIN)
	install -D -m 0755 $(BIN) $(DESTDIR)$(SBINDIR)/lvs-rs-agent
	install -D -m 0644 doc/lvs-rs-agent.8 $(DESTDIR)$(MANDIR)/man8/lvs-rs-agent.8
	install -D -m 0644 doc/lvs-rs-agent.conf.5 $(DESTDIR)$(MANDIR)/man5/lvs-rs-agent.conf.5
	install -D -m 0644 doc/examples/agent.conf \
		$(DESTDIR)$(PREFIX)/share/doc/lvs-rs-agent/examples/agent.conf
	install -d -m 0755 $(DESTDIR)$(SYSTEMDUNITDIR)
	for u in $(UNITS); do \
		sed 's#=/usr/sbin/lvs-rs-agent #=$(SBINDIR)/lvs-rs-agent #' systemd/$$u \
			> $(DESTDIR)$(SYSTEMDUNITDIR)/$$u && \
		chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/$$u || exit 1; \
	done
	install -D -m 0644 completion/lvs-rs-agent $(DESTDIR)$(BASHCOMPDIR)/lvs-rs-agent
	install -D -m 0644 doc/lvs-rs-agent.schema.json \
		$(DESTDIR)$(DATADIR)/lvs-rs-agent/lvs-rs-agent.schema.json

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/lvs-rs-agent $(DESTDIR)$(MANDIR)/man8/lvs-rs-agent.8 \
		$(DESTDIR)$(MANDIR)/man5/lvs-rs-agent.conf.5 \
		$(DESTDIR)$(PREFIX)/share/doc/lvs-rs-agent/examples/agent.conf \
		$(addprefix $(DESTDIR)$(SYSTEMDUNITDIR)/,$(UNITS)) \
		$(DESTDIR)$(BASHCOMPDIR)/lvs-rs-agent \
		$(DESTDIR)$(DATADIR)/lvs-rs-agent/lvs-rs-agent.schema.json
	-rmdir $(DESTDIR)$(DATADIR)/lvs-rs-agent 2>/dev/null

# ---- the Debian package: dpkg-buildpackage on a copy of the committed and
# working files under $(DEB_DIR), so the .deb and its siblings land there.
DEB_DIR := build/deb
deb:
	@rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/src
	@git ls-files -z --cached --others --exclude-standard | \
		grep -zv '^build' | xargs -0 cp --parents -t $(DEB_DIR)/src
	@# A package is the plain build, whatever SANITIZE or BUILD a test run exported or passed down.
	cd $(DEB_DIR)/src && env -u SANITIZE -u BUILD -u MAKEFLAGS -u MFLAGS -u MAKELEVEL dpkg-buildpackage -us -uc -b
	lintian --fail-on error,warning $(DEB_DIR)/lvs-rs-agent_$(VERSION)_*.deb
	@ls $(DEB_DIR)/*.deb

clean:
	rm -rf build build-san

.PHONY: all build-tests check check-long unit integration vm bench bench-watch deps demo fuzz fuzz-journal install uninstall deb clean
FORCE:

-include $(OBJ:.o=.d) $(FOBJ:.o=.d) $(MAIN_OBJ:.o=.d) $(FMAIN_OBJ:.o=.d) $(UNIT_BIN:=.d) \
	$(LOOP_BIN).d
