# vmgenid on device trees for Linux 6.1: see README.md.
#
#   make          install dependencies, prepare the patched tree, build the
#                 test kernels and the module, boot the demonstration
#   make test     all of that but the demonstration, then every test
#   make module   the out-of-tree vmgenid.ko for the running Debian 6.1
#                 kernel (KDIR=... for another, ARCH=arm64 to cross-build)

TOP := $(CURDIR)
OUT ?= $(TOP)/out
export OUT

# Empty KDIR: the newest installed Debian 6.1 headers for this machine.
KDIR ?=

.PHONY: all deps tree kernels initramfs module module-arm64 demo test bench clean

all: deps tree kernels module initramfs
	scripts/demo

deps:
	scripts/install-deps

tree: deps
	scripts/prepare-tree
	scripts/apply-series all

kernels: tree
	scripts/build-kernel x86_64
	scripts/build-kernel arm64

initramfs: deps module module-arm64
	scripts/make-test-initramfs

# Built from a copy of drivers/virt (see scripts/build-module); extra make
# arguments, such as ARCH= and CROSS_COMPILE=, go in MODULE_ARGS.
module: deps
	scripts/build-module $(KDIR) $(MODULE_ARGS)

module-arm64: deps
	scripts/module-arm64

test: deps tree kernels module module-arm64 initramfs
	tests/run

clean:
	rm -rf $(OUT)
