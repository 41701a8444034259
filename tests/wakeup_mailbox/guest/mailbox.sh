# x86_64 booted by the project's test firmware with acpi=off and a device
# tree (SETUP_DTB) of $ncpus CPUs in the field's shape; variant= says which
# mailbox node it has (tests/wakeup_mailbox/dts.py).
cpus=$(grep -c '^processor' /proc/cpuinfo)
say "cpus online: $(cat /sys/devices/system/cpu/online)"

check "the device tree's CPUs win over the MP table SeaBIOS left" \
	kmsg_has "DT: $ncpus CPUs from the device tree; ignoring any MP table"

case $variant in
good)
	check "kernel log: waking secondary CPUs through the mailbox" \
		kmsg_has "wakeup mailbox /reserved-memory/wakeup_table@9e000: waking secondary CPUs through the mailbox"
	check "all $ncpus CPUs are online (counted once)" [ "$cpus" -eq "$ncpus" ]
	if [ "$ncpus" -gt 1 ]; then
		if echo 0 2>/tmp/offline.err >/sys/devices/system/cpu/cpu1/online; then
			notok "offlining cpu1 is refused: it went offline"
		else
			ok "offlining cpu1 is refused: $(cat /tmp/offline.err)"
		fi
		check "cpu1 is still online" grep -qx 1 /sys/devices/system/cpu/cpu1/online
	fi
	;;
missing)
	check "kernel log: no mailbox node, so INIT/SIPI" \
		kmsg_has "no intel,wakeup-mailbox node; starting CPUs with INIT/SIPI"
	check "all $ncpus CPUs are online through INIT/SIPI" [ "$cpus" -eq "$ncpus" ]
	;;
*)
	case $variant in
	size) why="is not 4 KiB in size" ;;
	unaligned) why="is not 4 KiB aligned" ;;
	two) why="2 intel,wakeup-mailbox nodes, expected one" ;;
	outside) why="is outside the memory map" ;;
	ram) why="is usable RAM, which the kernel uses" ;;
	esac
	check "malformed node ($variant) refused: '$why'" kmsg_has "wakeup mailbox .*$why"
	check "malformed node ($variant): the kernel says it boots with one CPU" \
		kmsg_has "not using the wakeup mailbox; booting with one CPU"
	check "malformed node ($variant): exactly one CPU online" [ "$cpus" -eq 1 ]
	;;
esac
check "no kernel warning" sh -c "! dmesg | grep -E 'WARNING:|BUG:|Oops|Call Trace:'"
