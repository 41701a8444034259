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

listen 30
say ready
hear
case $REPLY in
"restored changed")
	if heard_uevent; then
		ok "fork (real, new guid): NEW_VMGENID=1 uevent reached a netlink listener"
	else
		notok "fork (real, new guid): no NEW_VMGENID=1 uevent within 30 s"
	fi
	check "fork (real, new guid): kernel log says crng reseeded due to virtual machine fork" \
		kmsg_has "crng reseeded due to virtual machine fork"
	;;
"restored same")
	if no_uevent 3; then
		ok "restore (real, same guid): no uevent within 3 s"
	else
		notok "restore (real, same guid): a uevent arrived"
	fi
	check "restore (real, same guid): no reseed in the kernel log" \
		sh -c '! dmesg | grep "virtual machine fork"'
	;;
*)
	notok "fork: unexpected word from the host: $REPLY"
	;;
esac
