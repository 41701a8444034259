# arm64, the Firecracker-shaped device tree of dt.sh, 4 vCPUs, a kernel
# with the lock checkers (PROVE_LOCKING, DEBUG_ATOMIC_SLEEP,
# DEBUG_OBJECTS): a storm. SIMULATED notifications in a loop, as dt.sh
# makes them (QEMU cannot: a new ID written through /dev/mem, the SPI made
# pending in the GIC), storm_notifies= of them; beside them the driver is
# unbound and bound in a loop (the arm64 test kernel has it built in).
# Run by module.sh (inner=storm-dt: the out-of-tree module in Debian's
# stock kernel), a second storm of as many follows, beside a loop that
# removes the module and inserts it again; Debian's kernel has neither
# the lock checkers nor kmemleak, so those checks are the test kernel's
# alone. The host holds the kernel log clean; the lock checkers must
# still be on at the end; then the driver, flushed, holds the ID in
# memory (an unchanged ID makes no uevent) and takes a new one (exactly
# one uevent).
. /scenarios/common.sh
. /scenarios/dt-lib.sh
. /scenarios/storm-lib.sh
check "bound through OF as $dev" test -e $dev

# notify_new: a new random ID, and the interrupt (simulated); for
# notify_storm (storm-lib.sh), which passes it a count it ignores.
notify_new() {
	simulate_notify "$(od -An -tx4 -N16 /dev/urandom |
		awk '{ printf "0x%s,0x%s,0x%s,0x%s", $1, $2, $3, $4 }')"
}
# reinsert: remove the out-of-tree module, and insert it again.
reinsert() { rmmod vmgenid && insmod /lib/modules/vmgenid.ko; }
# loaded_again: after the storm, the module is loaded (the reinsert loop
# may have stopped between its rmmod and its insmod).
loaded_again() { [ -e /sys/module/vmgenid/refcnt ] || insmod /lib/modules/vmgenid.ko; }
[ "${inner:-}" ] || kmemleak_clear
# dt_bound: the driver holds the device (the module loaded, where it is one).
dt_bound() {
	[ -z "${inner:-}" ] || [ -e /sys/module/vmgenid/refcnt ] || return 1
	test -e $DRV/$name
}
HOLD_BOUND=dt_bound
r0=$(storm_reseeds)
irq0=$(irq_count "$name")
storm_start
loop rebind rebind $name
notify_storm notify_new
storm_stop
if [ "${inner:-}" ]; then
	storm_start
	loop reinsert reinsert
	notify_storm notify_new
	storm_stop
	check "after the storm: the module is loaded" loaded_again
fi
check "after the storm: the driver is loaded and bound" loaded_and_bound $name
irq1=$(irq_count "$name")
[ "${irq1:-0}" -gt "${irq0:-0}" ] &&
	ok "storm: $NOTIFIED notifications (simulated); IRQ $name taken ${irq0:-0} -> $irq1 times" ||
	notok "storm: $NOTIFIED notifications (simulated), but IRQ $name stays at ${irq0:-0} -> ${irq1:-none}"
storm_bounds "storm: the reseeds" $(($(storm_reseeds) - r0))
report_loop "storm: unbind/bind of $name beside them" rebind
if [ "${inner:-}" ]; then
	report_loop "storm: rmmod, then insmod of vmgenid.ko, beside them" reinsert
else
	check "after the storm: lockdep is still on (it turns itself off at its first report)" lockdep_on
	check "after the storm: debug objects are on, with no warning" debug_objects_on
fi

# Unbinding waits for the threaded handler (common.sh): after it, every
# interrupt raised in the storm has been handled.
flush_driver
counter_start
step "after the storm: (simulated notify, the ID in memory unchanged): no uevent" \
	"$(words "$vmgenid_addr")" 0
r=$(storm_reseeds)
step "after the storm: (simulated notify, a new ID): exactly one uevent" "$vmgenid_new" 1
r=$(($(storm_reseeds) - r))
[ "$r" = 1 ] && ok "after the storm: (simulated notify, a new ID): exactly one reseed" ||
	notok "after the storm: (simulated notify, a new ID): exactly one reseed: $r"
kill "$COUNTER" 2>/dev/null
[ "${inner:-}" ] || check "no leak after the storm (kmemleak)" no_leaks
