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

KRELEASE ?= $(shell ls -d /usr/lib/modules/*-amd64/build 2>/dev/null | sed 's|/usr/lib/modules/||; s|/build||' | sort -V | tail -n1)
KDIR ?= /lib/modules/$(KRELEASE)/build
MODULE_DIR := $(TOP)/drivers/virt

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

initramfs: deps
	scripts/make-initramfs x86_64 $(OUT)/initramfs/x86_64-vmgenid.cpio tests/vmgenid/guest
	scripts/make-initramfs arm64 $(OUT)/initramfs/arm64-vmgenid.cpio tests/vmgenid/guest

# The module's Kbuild is drivers/virt/Kbuild; objects stay beside the source.
module: deps
	$(MAKE) -C $(KDIR) M=$(MODULE_DIR) modules
	mkdir -p $(OUT)/module/$(notdir $(patsubst %/build,%,$(KDIR)))
	cp $(MODULE_DIR)/vmgenid.ko $(OUT)/module/$(notdir $(patsubst %/build,%,$(KDIR)))/

module-arm64: deps
	scripts/module-arm64

test: deps tree kernels module module-arm64 initramfs
	tests/run

clean:
	$(MAKE) -C $(KDIR) M=$(MODULE_DIR) clean
	rm -rf $(OUT)
