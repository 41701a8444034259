# x86_64, QEMU -device vmgenid: ACPI binding, then a real VM fork done by
# the host (migrate to a file, restore in a new QEMU), told to us after
# "cont" as "restored changed" or "restored same".
. /scenarios/common.sh
dev=$DRV/QEMUVGID:00
check "bound through ACPI as $DRV/QEMUVGID:00" test -e $dev
check "the device has an ACPI companion (firmware_node)" test -e $dev/firmware_node

if [ "$cycles" ]; then
	kmemleak_clear
	check "$cycles unbind/bind cycles, ends bound" cycle_bind QEMUVGID:00 "$cycles"
	check "no leak after $cycles cycles (kmemleak)" no_leaks
fi

# A barrier after the fork counts the uevents (common.sh): QEMU's
# notification is an SCI (its count must rise), whose GPE method and
# Notify run later, in ACPI's work queues; unbinding the driver removes
# its notify handler, which waits for those queues
# (acpi_os_wait_events_complete), so after unbind and bind every
# notification has been handled, and the barrier counts what it sent.
sci() { awk '{ print $1 }' /sys/firmware/acpi/interrupts/sci; }
# flushed: unbind and bind the driver (waits for ACPI's notify queues).
flushed() {
	echo QEMUVGID:00 >$DRV/unbind && echo QEMUVGID:00 >$DRV/bind && test -e $dev
}
# sci_rose FROM: the SCI count rose above FROM (at most 10 s).
sci_rose() {
	i=0
	while [ "$(sci)" -le "$1" ]; do
		[ $i -lt 100 ] || return 1
		sleep 0.1
		i=$((i + 1))
	done
}
counted_after_flush() {
	flushed || { echo "unbind/bind failed"; return 1; }
	barrier
}

counter_start
listen 30
sci0=$(sci)
say ready
hear
case $REPLY in
"restored changed")
	if heard_uevent; then
		ok "fork (real, new guid): NEW_VMGENID=1 uevent reached a netlink listener, as a udev rule matches it: $(cat /tmp/heard)"
	else
		notok "fork (real, new guid): NEW_VMGENID=1 uevent reached a netlink listener, as a udev rule matches it: $HEARD"
	fi
	got=$(counted_after_flush)
	[ "$got" = 1 ] && ok "fork (real, new guid): exactly one uevent, counted at a barrier" ||
		notok "fork (real, new guid): exactly one uevent, counted at a barrier: $got"
	check "fork (real, new guid): kernel log says crng reseeded due to virtual machine fork" \
		kmsg_has "crng reseeded due to virtual machine fork"
	;;
"restored same")
	if sci_rose "$sci0"; then
		got=$(counted_after_flush)
		[ "$got" = 0 ] &&
			ok "restore (real, same guid): QEMU's notification arrived (SCI $sci0 -> $(sci)); no uevent, counted at a barrier" ||
			notok "restore (real, same guid): $got uevents before the barrier"
	else
		notok "restore (real, same guid): QEMU's notification never arrived (SCI stays at $sci0)"
	fi
	kill "$LISTENER" 2>/dev/null
	check "restore (real, same guid): no reseed in the kernel log" \
		kmsg_lacks "virtual machine fork"
	;;
*)
	notok "fork: unexpected word from the host: $REPLY"
	;;
esac
kill "$COUNTER" 2>/dev/null
