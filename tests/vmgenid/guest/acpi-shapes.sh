# x86_64 with an extra SSDT (tests/vmgenid/acpi-shapes.asl) that holds the
# vmgenid device in every shape hypervisors emit, each with its 16 bytes
# at shapes_base + 0x100 + 0x10 * (n - 1), placed by the host. Each device
# must be bound exactly once, read exactly those bytes, and react to a
# changed ID. QEMU cannot notify these devices: the guest SIMULATES the
# VMM, writing the ID through /dev/mem and running a Notify from AML (the
# _STA of the SSDT's trigger device VGNT0002:00).
# With the out-of-tree module in a stock kernel (sourced from module.sh),
# the built-in 6.1 ACPI driver holds the ACPI bus and the module binds
# the platform devices.
. /scenarios/common.sh
ACPI_DRV=/sys/bus/acpi/drivers/vmgenid
base=${shapes_base:-0x08000000}
module=
[ -e /sys/module/vmgenid/refcnt ] && module=1

# peek ADDR, poke ADDR VALUE: one byte of physical memory, through read()
# and write() of /dev/mem, which map it write-back as the driver and ACPICA
# do (busybox devmem's uncached mmap would conflict with their mappings).
peek() { echo $((0x$(dd if=/dev/mem bs=1 skip=$(($1)) count=1 2>/dev/null | od -An -tx1 | tr -d ' '))); }
poke() { printf "\\$(printf %o "$2")" | dd of=/dev/mem bs=1 seek=$(($1)) count=1 conv=notrunc 2>/dev/null; }
# sel N: have AML notify device N (1-7) with 0x80, as the VMM's GPE method
# would; sel 8: notify device 2 (QEMUVGID) with 0x81.
sel() {
	poke "$base" "$1"
	cat /sys/bus/acpi/devices/VGNT0002:00/status >/dev/null
}
# byte N I [VALUE]: byte I of device N's ID; with VALUE, write it.
byte() {
	a=$((base + 0x100 + 0x10 * ($1 - 1) + $2))
	if [ $# -eq 3 ]; then poke $a "$3"; else peek $a; fi
}
reseeds() { dmesg | grep -c "$1"; }
# uevents_after N NAME BY: notify device N (bound by driver BY, acpi or
# platform); print how many NEW_VMGENID=1 uevents from NAME were sent. The
# Notify runs later, in ACPI's notify queue: unbinding NAME removes its
# driver's notify handler, which waits for that queue
# (acpi_os_wait_events_complete); after unbind and bind, a barrier counts
# what was sent (common.sh). No time window.
uevents_after() {
	sel "$1"
	echo "$2" >/sys/bus/$3/drivers/vmgenid/unbind && echo "$2" >/sys/bus/$3/drivers/vmgenid/bind ||
		{ echo "unbind/bind of $2 failed"; return; }
	barrier "$2"
}
# once NAME BY: bound by exactly one driver, and by driver BY (acpi|platform).
once() {
	a=0 p=0
	[ -e "$ACPI_DRV/$1" ] && a=1
	[ -e "$DRV/$1" ] && p=1
	echo "ACPI driver: $a, platform driver: $p"
	[ $((a + p)) -eq 1 ] || return 1
	case $2 in acpi) [ $a -eq 1 ] ;; platform) [ $p -eq 1 ] ;; esac
}
# flip N I: change byte I of device N's ID.
flip() { byte "$1" "$2" $(( ($(byte "$1" "$2") + 0x5a) & 0xff )); }

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

	# What a udev rule can match on either bus (README, "The uevent").
	check "$what: its bound device's uevent has DRIVER=vmgenid ($by bus)" \
		grep -qx DRIVER=vmgenid /sys/bus/$by/devices/$name/uevent

	got=$(uevents_after "$n" "$name" $by)
	[ "$got" = 0 ] && ok "$what: (simulated notify, ID unchanged): no uevent, counted at a barrier" ||
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
