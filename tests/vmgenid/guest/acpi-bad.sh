# x86_64 with an extra SSDT of malformed vmgenid devices (tests/vmgenid/
# acpi-bad.asl): each must be refused with a message, and nothing may oops.
. /scenarios/common.sh
check "no ADDR method: refused with 'cannot evaluate ADDR: AE_NOT_FOUND'" \
	kmsg_has "vmgenid VGNT0001:[0-9]+: cannot evaluate ADDR: AE_NOT_FOUND"
check "ADDR a package of one integer, of two strings, or an integer: 3 refused with 'ADDR is not a package of two integers'" \
	sh -c '[ "$(dmesg | grep -Ec "vmgenid VGNT0001:[0-9]+: ADDR is not a package of two integers")" -eq 3 ]'
check "none of the four malformed devices is bound" sh -c "! ls $DRV | grep -q VGNT0001"
check "_CID-only, no ADDR: refused by the ACPI driver with 'cannot evaluate ADDR: AE_NOT_FOUND'" \
	kmsg_has "vmgenid VM_GEN_COUNTER:00: cannot evaluate ADDR: AE_NOT_FOUND"
check "_CID-only, no ADDR: not bound" test ! -e /sys/bus/acpi/drivers/vmgenid/VM_GEN_COUNTER:00
