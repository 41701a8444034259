# vmgenid on device trees for Linux 6.1: see README.md.
#
#   make          install dependencies, prepare the patched tree, build the
#                 two kernels and the modules the demonstration boots, boot it
#   make test     the test kernels (each patch built in turn, the gate's
#                 bisect), the upstream base's kernels (unpatched and
#                 patched), then every test, including the gate (make
#                 check); ends "N passed, N failed"
#   make check    the upstream-readiness gate alone
#   make bench    the benchmarks
#   make bench-history  the x86_64 vmgenid benchmark on the test kernels of
#                 earlier commits (HISTORY=...), beside today's and stock's
#   make kasan    the x86_64 test kernel with KASAN, its storm boot timed
#   make bench-deps  how long a fresh machine spends in apt-get (a chroot)
#   make kvm-bundle  out/kvm: the benchmarks for a bare host with /dev/kvm
#                 (out/kvm/run [--accel kvm|tcg] OUTDIR); make kvm-bundle-check
#                 runs its copy here under TCG, without the system's QEMU
#   make module   the out-of-tree vmgenid.ko for Debian's 6.1 headers
#                 (KDIR=... MODULE_ARGS="ARCH=... CROSS_COMPILE=..." for others)
#   make test-noacpi  the mailbox boot on an x86_64 kernel built without ACPI
#   make firmware the wakeup-mailbox test firmware, out/firmware/mailbox-fw.elf
#   make series-edit NAME=...    a series as a git branch with a worktree
#   make series-export NAME=...  the series and its mirrored files from it
#   make series-check [NAME=...] series, mirrored files and branch agree
#                 (patches/README; UPSTREAM=1 for the series on 7.3)

OUT ?= $(CURDIR)/out
export OUT
KDIR ?=
S := scripts/stage

.PHONY: all deps tree trees early-checks kernels demo-kernels upstream-kernels kernel-noacpi module module-arm64 initramfs demo test check bench bench-history kasan bench-deps \
	kvm-bundle kvm-bundle-check bench-kernels dkms-install dkms-remove clean firmware series-edit series-export series-check test-noacpi

all: demo-kernels module module-arm64 initramfs
	$(S) demo scripts/demo

# The demonstration needs the last patch only: no per-patch walk.
demo-kernels: tree
	$(S) kernel-x86_64 env NO_WALK=1 scripts/build-kernel x86_64
	$(S) kernel-arm64 env NO_WALK=1 scripts/build-kernel arm64

deps:
	$(S) deps scripts/install-deps

tree: deps
	$(S) tree sh -c 'scripts/prepare-tree && scripts/apply-series all'

# make test and make check need the upstream base too: both side by side,
# while the packages install (the trees need only the 6.1 source).
trees:
	$(S) trees scripts/prepare-trees --with-deps

# Each control kernel (a test kernel with a fix taken back out, which its
# test must catch) is built in the test kernel's tree, here rather than in
# the tests: the test finds it built. The tree is not rebuilt after each
# (REBUILD=0): its next build compiles back what the controls changed.
# The vmgenid control drivers each scenario boots (tests/vmgenid/test_vmgenid.py,
# CONTROLS: x86_64 the acpi-shapes scenario's, arm64 the dt scenario's).
VMGENID_CONTROLS_X86_64 = uevent-always compare-15-bytes uevent-acpi-companion acpi-no-free \
	addr-low-32
VMGENID_CONTROLS_ARM64 = uevent-always compare-15-bytes of-map-8-bytes-off irq-before-map \
	addr-low-32

kernels: tree
	$(S) kernel-x86_64 scripts/build-kernel x86_64
	for p in tests/wakeup_mailbox/controls/*.patch; do \
		c=$$(basename $$p .patch); \
		$(S) control-$$c env REBUILD=0 scripts/build-control x86_64 $$c $$p || exit; \
	done
	for c in $(VMGENID_CONTROLS_X86_64); do \
		$(S) control-x86_64-$$c env REBUILD=0 scripts/build-control x86_64 $$c \
			tests/vmgenid/controls/$$c.patch || exit; \
	done
	$(S) kernel-arm64 scripts/build-kernel arm64
	for c in $(VMGENID_CONTROLS_ARM64); do \
		$(S) control-$$c env REBUILD=0 scripts/build-control arm64 $$c \
			tests/vmgenid/controls/$$c.patch || exit; \
	done

module: deps
	$(S) module scripts/build-module $(KDIR) $(MODULE_ARGS)

module-arm64: deps
	$(S) module-arm64 scripts/module-arm64

initramfs: module module-arm64
	$(S) initramfs scripts/make-test-initramfs

# The x86_64 kernel without ACPI, and the mailbox boot on it: a full build
# of its own (about 5 minutes), left out of make test for CI time (the
# gate compiles every ACPI=n configuration).
kernel-noacpi: tree
	$(S) kernel-x86_64-noacpi env VARIANT=noacpi scripts/build-kernel x86_64 all \
		configs/x86_64-noacpi.config

test-noacpi: kernel-noacpi initramfs
	NOACPI=1 tests/run mailbox_noacpi

# The upstream base (Debian's newest kernel source): each kernel built
# unpatched, then each upstream patch in turn in the same tree.
upstream-kernels: deps
	$(S) upstream-x86_64 scripts/build-upstream x86_64
	$(S) upstream-arm64 scripts/build-upstream arm64

# The kernels build one after the other, each make -j$(nproc): two chains
# side by side, each -j2, cost about 10 % more CPU time for about 3 % less
# wall time, within the noise between runs.
test: trees early-checks kernels upstream-kernels module module-arm64 initramfs firmware
	tests/run

# The gate's checks that need no built kernel, for both bases, in the
# background at the lowest priority while the kernels build
# (scripts/check-early): the gate among the tests waits for it and takes
# its results for the same commits.
early-checks: trees
	scripts/check-early --background

check: trees kernels upstream-kernels
	$(S) check scripts/check
	$(S) check-upstream env UPSTREAM=1 scripts/check

# The benchmarks' kernels are the test kernels without the lock checkers
# (configs/bench.config): their figures compare with Debian's stock kernels.
bench: bench-kernels
	$(S) kernel-arm64-bench env VARIANT=bench scripts/build-kernel arm64 all configs/bench.config
	$(S) bench-vmgenid tests/vmgenid/bench.py
	$(S) bench-wakeup-mailbox env MAILBOX_KERNEL=$(OUT)/x86_64/bzImage-bench \
		tests/wakeup_mailbox/bench.py

# The x86_64 benchmark kernels: make bench's, and the KVM bundle's.
bench-kernels: kernels initramfs
	$(S) kernel-x86_64-bench env VARIANT=bench scripts/build-kernel x86_64 all configs/bench.config
	$(S) kernel-x86_64-trace env VARIANT=trace KCFLAGS=-fno-inline-functions-called-once \
		scripts/build-kernel x86_64 all configs/bench.config configs/x86_64-trace.config

# The benchmarks for a bare x86_64 host with /dev/kvm (scripts/kvm-bundle,
# Documentation/benchmarks.rst); not built by make test.
kvm-bundle: bench-kernels firmware
	$(S) kvm-bundle scripts/kvm-bundle

kvm-bundle-check: kvm-bundle
	$(S) kvm-bundle-check scripts/kvm-bundle --check

# KASAN costs a build of its own (Documentation/testing.rst): not in make test.
kasan: kernels initramfs
	$(S) kernel-x86_64-kasan env VARIANT=kasan scripts/build-kernel x86_64 all configs/kasan.config
	$(S) initramfs-kasan scripts/make-initramfs x86_64 $(OUT)/initramfs/x86_64-vmgenid-kasan.cpio \
		tests/vmgenid/guest $(OUT)/x86_64/modules-kasan/lib/modules=lib/modules
	$(S) kasan tests/vmgenid/kasan.py

# Earlier commits whose test kernels bench-history compares with today's
# (Documentation/benchmarks.rst).
HISTORY ?= 2a8f077 d6c373f
bench-history: kernels initramfs
	$(S) kernel-x86_64-bench env VARIANT=bench scripts/build-kernel x86_64 all configs/bench.config
	$(S) history-kernels scripts/build-history-kernels $(HISTORY)
	$(S) bench-history tests/vmgenid/bench_history.py 12 $(HISTORY)

bench-deps:
	$(S) bench-deps scripts/bench-fresh-deps

firmware: deps
	$(S) firmware $(MAKE) -s -C firmware/wakeup-mailbox O=$(OUT)/firmware

# The patch pipeline (patches/README). NAME: a series under patches/, or
# under patches/upstream/ with UPSTREAM=1 (the 7.3 base).
SERIES_TREE = $(if $(UPSTREAM),$(OUT)/upstream,$(OUT))
series-edit: $(if $(UPSTREAM),trees,tree)
	@test -n "$(NAME)" || { echo "usage: make series-edit NAME=series [UPSTREAM=1]"; exit 2; }
	scripts/apply-series $(NAME)
	@echo "branch $(NAME): edit and commit in $(SERIES_TREE)/src/$(NAME)," \
		"then make series-export NAME=$(NAME)$(if $(UPSTREAM), UPSTREAM=1)"

series-export:
	@test -n "$(NAME)" || { echo "usage: make series-export NAME=series [UPSTREAM=1]"; exit 2; }
	scripts/export-series $(NAME)

series-check: $(if $(UPSTREAM),trees,tree)
	scripts/check-series $(NAME)

dkms-install: deps
	scripts/dkms-install

dkms-remove:
	scripts/dkms-install -r

clean:
	rm -rf $(OUT)
