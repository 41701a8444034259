# x86_64 with an extra SSDT (tests/vmgenid/acpi-shapes.asl) that holds the
# vmgenid device in every shape hypervisors emit, each with its 16 bytes
# at shapes_ids (shapes_base unless given) + 0x100 + 0x10 * (n - 1),
# placed by the host. Each device must be bound exactly once, read exactly
# those bytes, and react to a changed ID. QEMU cannot notify these devices: the guest SIMULATES the
# VMM, writing the ID through /dev/mem and running a Notify from AML (the
# _STA of the SSDT's trigger device VGNT0002:00).
# With the out-of-tree module in a stock kernel (sourced from module.sh),
# the built-in 6.1 ACPI driver holds the ACPI bus and the module binds
# the platform devices.
. /scenarios/common.sh
. /scenarios/shapes-lib.sh
counter_start
# (number, name the kernel gives the device, shape)
for shape in "1 VM_GEN_COUNTER:00 _CID-only" "2 QEMUVGID:00 QEMUVGID" \
	"3 XEN0000:00 XEN0000" "4 FCVMGID:00 FCVMGID" "5 VMGENCTR:00 VMGENCTR" \
	"6 HYPER_V_GEN_COUNTER_V1:00 Hyper-V" "7 BHYVE_V_GEN_COUNTER_V1:00 bhyve"; do
	set -- $shape
	n=$1 name=$2 what=$3
	by=platform
	[ "$what" = _CID-only ] && by=acpi
	if [ -z "$module" ]; then
		check "$what: bound exactly once, by the $by driver" once "$name" $by
		kernel_line="random: crng reseeded due to virtual machine fork"
		want=1
	elif [ $by = acpi ]; then
		check "$what: the built-in ACPI driver binds it; the module does not (an ACPI device takes one driver)" \
			sh -c "[ -e $ACPI_DRV/$name ] && [ ! -e $DRV/$name ]"
		kernel_line="random: crng reseeded due to virtual machine fork"
		want=0
	else
		check "$what: the module binds its platform device, the built-in driver its ACPI device" \
			sh -c "[ -e $ACPI_DRV/$name ] && [ -e $DRV/$name ]"
		kernel_line="vmgenid: crng reseeded due to virtual machine fork"
		want=1
	fi

	# What a udev rule can match on either bus (Documentation/vmgenid.rst, "The uevent").
	check "$what: its bound device's uevent has DRIVER=vmgenid ($by bus)" \
		grep -qx DRIVER=vmgenid /sys/bus/$by/devices/$name/uevent

	got=$(uevents_after "$n" "$name" $by)
	[ "$got" = 0 ] && ok "$what: (simulated notify, ID unchanged): the Notify ran (the AML's count rose); no uevent, counted at a barrier" ||
		notok "$what: (simulated notify, ID unchanged): $got uevents"
	for i in 15 0; do
		r0=$(reseeds "$kernel_line")
		flip "$n" $i
		got=$(uevents_after "$n" "$name" $by)
		r1=$(reseeds "$kernel_line")
		[ "$got" = "$want" ] && ok "$what: (simulated notify, byte $i of the ID changed): $got uevent(s), as expected" ||
			notok "$what: (simulated notify, byte $i of the ID changed): $got uevents, expected $want"
		[ $((r1 - r0)) -eq 1 ] && ok "$what: byte $i changed: one more \"$kernel_line\"" ||
			notok "$what: byte $i changed: \"$kernel_line\" went from $r0 to $r1"
	done
done

# Any device notification value is acted on, not only the specification's
# 0x80 (as 6.1's acpi_driver did): Notify (QEMUVGID, 0x81) after a change.
if [ -z "$module" ]; then
	kernel_line="random: crng reseeded due to virtual machine fork"
else
	kernel_line="vmgenid: crng reseeded due to virtual machine fork"
fi
r0=$(reseeds "$kernel_line")
flip 2 7
got=$(uevents_after 8 QEMUVGID:00 platform)
r1=$(reseeds "$kernel_line")
[ "$got" = 1 ] && ok "QEMUVGID: Notify 0x81 (byte 7 of the ID changed): 1 uevent" ||
	notok "QEMUVGID: Notify 0x81 (byte 7 of the ID changed): $got uevents, expected 1"
[ $((r1 - r0)) -eq 1 ] && ok "QEMUVGID: Notify 0x81: one more \"$kernel_line\"" ||
	notok "QEMUVGID: Notify 0x81: \"$kernel_line\" went from $r0 to $r1"
kill "$COUNTER" 2>/dev/null
