# x86_64 with acpi-shapes.asl's seven devices (acpi-shapes.sh), 4 vCPUs, a
# kernel with the lock checkers (PROVE_LOCKING, DEBUG_ATOMIC_SLEEP,
# DEBUG_OBJECTS): a storm. SIMULATED notifications in a loop, as
# acpi-shapes.sh makes them (QEMU cannot: a byte of a device's ID changed
# through /dev/mem, then a Notify from AML), storm_notifies= of them, the
# devices in turn; beside them the six platform devices are unbound and
# bound in a loop. Where vmgenid is a module (modalias=1: the x86_64 test
# kernel's), it is loaded by a device's modalias first, as udev would, and
# a second storm of as many runs beside a loop that removes it and loads
# it again. The host holds the kernel log clean; the lock checkers
# must still be on at the end (they turn themselves off at their first
# report); then every device still follows its ID: an unchanged ID makes
# no uevent, a changed one exactly one.
. /scenarios/common.sh
. /scenarios/shapes-lib.sh
. /scenarios/storm-lib.sh
PLATFORM="QEMUVGID:00 XEN0000:00 FCVMGID:00 VMGENCTR:00 HYPER_V_GEN_COUNTER_V1:00
BHYVE_V_GEN_COUNTER_V1:00"
[ "${modalias:-}" ] && modalias_boot /sys/bus/platform/devices/QEMUVGID:00
check "the six platform devices are bound" loaded_and_bound $PLATFORM
check "the _CID-only device is bound by the ACPI driver" test -e $ACPI_DRV/VM_GEN_COUNTER:00

# notify_shape N: the Nth notification: device 1 to 7 in turn, byte 0 to
# 15 of its ID in turn.
notify_shape() {
	flip $(($1 % 7 + 1)) $(($1 / 7 % 16))
	sel $(($1 % 7 + 1))
}
# bound_all DEVICE...: each bound by the platform driver (the module loaded).
bound_all() {
	for d; do
		[ -e "$DRV/$d" ] || return 1
	done
}
HOLD_BOUND="bound_all $PLATFORM"
r0=$(storm_reseeds)
kmemleak_clear
# First beside the unbind/bind loop, then (a module) beside the reload
# loop: the two at once leave the driver loaded only between a modprobe
# and the next rmmod, and the unbind/bind loop would find it there only
# by chance.
storm_start
loop rebind rebind $PLATFORM
notify_storm notify_shape
storm_stop
if [ "${modalias:-}" ]; then
	storm_start
	loop reload reload
	notify_storm notify_shape
	storm_stop
fi
storm_bounds "storm: the reseeds" $(($(storm_reseeds) - r0))
report_loop "storm: unbind/bind of the platform devices beside them" rebind
[ "${modalias:-}" ] && report_loop "storm: rmmod, then modprobe by modalias, beside them" reload
check "after the storm: the driver is loaded and bound" loaded_and_bound $PLATFORM
check "after the storm: lockdep is still on (it turns itself off at its first report)" lockdep_on
check "after the storm: debug objects are on, with no warning" debug_objects_on

# Each device notified once with its ID unchanged, once with byte 7
# changed; each counted at a barrier after a flush (uevents_after).
follows() {
	for shape in "1 VM_GEN_COUNTER:00 acpi" "2 QEMUVGID:00 platform" "3 XEN0000:00 platform" \
		"4 FCVMGID:00 platform" "5 VMGENCTR:00 platform" \
		"6 HYPER_V_GEN_COUNTER_V1:00 platform" "7 BHYVE_V_GEN_COUNTER_V1:00 platform"; do
		set -- $shape
		r=$(storm_reseeds)
		got=$(uevents_after "$1" "$2" "$3")
		r=$(($(storm_reseeds) - r))
		[ "$got" = 0 ] && [ $r = 0 ] || { echo "$2: ID unchanged: $got uevents, $r reseeds"; return 1; }
		flip "$1" 7
		r=$(storm_reseeds)
		got=$(uevents_after "$1" "$2" "$3")
		r=$(($(storm_reseeds) - r))
		[ "$got" = 1 ] && [ $r = 1 ] || { echo "$2: byte 7 changed: $got uevents, $r reseeds"; return 1; }
	done
}
counter_start
check "after the storm: each of the 7 devices (simulated notify): ID unchanged, no uevent and no reseed; changed, exactly one of each" \
	follows
kill "$COUNTER" 2>/dev/null
check "no leak after the storm (kmemleak)" no_leaks
