# The upstream base (7.3), vmgenid: bound, then a notification the host
# sends (arm64: the host writes a new ID and raises the SPI through the
# gdbstub, as Firecracker does on restore; x86_64: a VM fork, the restored
# QEMU with a new guid). With rebind=1, the device is first unbound and
# bound again, and each step's outcome reported. The host judges the
# kernel log; the guest reports what it saw.
DRV=/sys/bus/platform/drivers/vmgenid
dev=$(ls $DRV 2>/dev/null | grep -v -e bind -e uevent -e module | head -n1)
check "vmgenid bound ($dev)" test -n "$dev"
if [ "${rebind:-0}" = 1 ] && [ -n "$dev" ]; then
	check "unbind $dev" sh -c "echo $dev >$DRV/unbind"
	check "bind $dev again" sh -c "echo $dev >$DRV/bind"
	check "bound after unbind and bind" test -e "$DRV/$dev"
fi
before=$(dmesg | grep -c "crng reseeded due to virtual machine fork")
say "reseeds $before"
say ready
hear
# The host's notification has been sent when "notified" (arm64) or
# "restored" (x86_64) arrives. Wait (at most 10 s) for its first reseed
# line, then flush: unbinding the driver waits for its handlers (free_irq
# for the interrupt and its thread; acpi_remove_notify_handler, with the
# series' patch 1, for ACPI's notify queues), so the count taken after
# the unbind holds every reseed the notification caused: "exactly one"
# is counted at that barrier, not at the end of a time window. A driver
# no longer bound (the unpatched bind failure) has nothing to flush.
i=0
while [ $i -lt 100 ]; do
	n=$(dmesg | grep -c "crng reseeded due to virtual machine fork")
	[ "$n" -gt "$before" ] && break
	sleep 0.1
	i=$((i + 1))
done
if [ -n "$dev" ] && [ -e "$DRV/$dev" ]; then
	check "flush: unbind $dev (waits for its handlers) and bind it again" \
		sh -c "echo $dev >$DRV/unbind && echo $dev >$DRV/bind"
fi
say "reseeds $(dmesg | grep -c "crng reseeded due to virtual machine fork")"
