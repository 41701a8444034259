# arm64: a device tree with malformed vmgenid nodes only. Each must be
# refused with a message naming its problem, and nothing may oops.
. /scenarios/common.sh

# refused NODE PATTERN: not bound, and the kernel log names the problem.
refused() {
	[ ! -e "$DRV/$1" ] || { echo "$1 is bound"; return 1; }
	dmesg | grep -E "vmgenid $1: $2" || { echo "no message '$2' for $1"; return 1; }
}

check "reg too small (8 bytes) is refused: 'smaller than the 16-byte'" \
	refused vmgenid-small "reg .* is smaller than the 16-byte generation ID"
check "no reg is refused: 'no reg region'" \
	refused vmgenid-noreg "no reg region for the generation ID"
check "no interrupts is refused: 'IRQ index 0 not found'" \
	refused vmgenid-noirq "error -ENXIO: IRQ index 0 not found"
check "an interrupt the GIC cannot map is refused" \
	refused vmgenid-badirq "error -[A-Z]+: IRQ index 0 not found"
check "a reg beyond the physical address range is refused: 'cannot map'" \
	refused vmgenid-unmappable "cannot map the generation ID at"
check "status = \"disabled\" creates no device and binds nothing" \
	sh -c "[ ! -e /sys/bus/platform/devices/vmgenid-disabled ] && [ ! -e $DRV/vmgenid-disabled ]"
check "no kernel warning" no_kernel_warnings
