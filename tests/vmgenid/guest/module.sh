# A stock Debian kernel, whose own vmgenid is the ACPI-only 6.1 driver,
# built in: load the out-of-tree vmgenid.ko, run scenario $inner with it,
# and unload it.
check "module: insmod vmgenid.ko into stock $(uname -r)" insmod /lib/modules/vmgenid.ko
check "module: /sys/module/vmgenid is the loaded module" test -e /sys/module/vmgenid/refcnt
if [ -d /sys/bus/acpi/drivers/vmgenid ]; then
	check "module: the built-in ACPI driver stays bound beside it" \
		sh -c 'ls /sys/bus/acpi/drivers/vmgenid | grep -q :'
fi
. "/scenarios/$inner.sh"
if [ "$REPLY" != "restored same" ]; then
	check "module: the module itself forced the reseed (vmgenid: ... RNDRESEEDCRNG)" \
		kmsg_has "vmgenid: crng reseeded due to virtual machine fork"
fi
check "module: rmmod vmgenid" rmmod vmgenid
check "module: the platform driver is gone after rmmod" test ! -e /sys/bus/platform/drivers/vmgenid
