# Helpers for the scenarios on acpi-shapes.asl's devices (acpi-shapes,
# storm): the page that holds their IDs, and the simulated Notify. Sourced
# after common.sh.
ACPI_DRV=/sys/bus/acpi/drivers/vmgenid
base=${shapes_base:-0x08000000}
# The page of the devices' IDs: the same, or (shapes_ids=) one above 4 GiB.
ids=${shapes_ids:-$base}
# module: the out-of-tree module in a stock kernel (module.sh loaded
# /lib/modules/vmgenid.ko), not the series' own vmgenid built as a module.
module=
[ -f /lib/modules/vmgenid.ko ] && [ -e /sys/module/vmgenid/refcnt ] && module=1

# peek ADDR, poke ADDR VALUE: one byte of physical memory, through read()
# and write() of /dev/mem, which map it write-back as the driver and ACPICA
# do (busybox devmem's uncached mmap would conflict with their mappings).
peek() { echo $((0x$(dd if=/dev/mem bs=1 skip=$(($1)) count=1 2>/dev/null | od -An -tx1 | tr -d ' '))); }
poke() { printf "\\$(printf %o "$2")" | dd of=/dev/mem bs=1 seek=$(($1)) count=1 conv=notrunc 2>/dev/null; }
# sel N: have AML notify device N (1-7) with 0x80, as the VMM's GPE method
# would; sel 8: notify device 2 (QEMUVGID) with 0x81. The AML counts each
# Notify it ran in the page's second byte (notified).
sel() {
	poke "$base" "$1"
	cat /sys/bus/acpi/devices/VGNT0002:00/status >/dev/null
}
notified() { peek $((base + 1)); }
# byte N I [VALUE]: byte I of device N's ID; with VALUE, write it.
byte() {
	a=$((ids + 0x100 + 0x10 * ($1 - 1) + $2))
	if [ $# -eq 3 ]; then poke $a "$3"; else peek $a; fi
}
reseeds() { dmesg | grep -c "$1"; }
# uevents_after N NAME BY: notify device N (bound by driver BY, acpi or
# platform); print how many NEW_VMGENID=1 uevents from NAME were sent, or,
# if the AML's count shows that the Notify did not run, why not. The
# Notify runs later, in ACPI's notify queue: unbinding NAME removes its
# driver's notify handler, which waits for that queue
# (acpi_os_wait_events_complete); after unbind and bind, a barrier counts
# what was sent (common.sh). No time window.
uevents_after() {
	c0=$(notified)
	sel "$1"
	[ "$(notified)" != "$c0" ] || { echo "the Notify did not run (AML count stays at $c0)"; return; }
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

