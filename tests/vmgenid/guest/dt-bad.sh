# arm64: a device tree with malformed vmgenid nodes only. Each must be
# refused with a message naming its problem, and nothing may oops.
. /scenarios/common.sh

# refused NODE PATTERN: not bound, and the kernel log names the problem.
# (Platform devices of nodes with reg are named ADDR.NODE.)
refused() {
	! ls $DRV | grep -Eq "^([0-9a-f]+\.)?$1\$" || { echo "$1 is bound"; return 1; }
	dmesg | grep -E "vmgenid ([0-9a-f]+\.)?$1: $2" || { echo "no message '$2' for $1"; return 1; }
}

check "reg too small (8 bytes) is refused: 'smaller than the 16-byte'" \
	refused vmgenid-small "reg .* is smaller than the 16-byte generation ID"
check "no reg is refused: 'no reg region'" \
	refused vmgenid-noreg "no reg region for the generation ID"
check "no interrupts is refused: 'IRQ index 0 not found'" \
	refused vmgenid-noirq "error -(ENXIO|6): IRQ index 0 not found"
check "malformed interrupts (2 cells for the GIC's 3) is refused" \
	refused vmgenid-badirq "error -([A-Z]+|[0-9]+): IRQ index 0 not found"
check "a reg beyond the physical address range is refused: 'cannot map'" \
	refused vmgenid-unmappable "cannot map the generation ID at"
check "status = \"disabled\" creates no device and binds nothing" \
	sh -c "! ls /sys/bus/platform/devices $DRV | grep -q vmgenid-disabled"
