# arm64 QEMU virt, device tree with a Firecracker-shaped vmgenid node; the
# host placed the ID with -device loader. QEMU cannot change the ID or
# raise the interrupt, so changes are SIMULATED from inside the guest:
# write the ID through /dev/mem, then make the SPI pending in the GIC
# distributor (GICD_ISPENDR), as the hypervisor's interrupt would.
. /scenarios/common.sh
. /scenarios/dt-lib.sh

check "bound through OF as $dev" test -e $dev
check "its of_node is compatible with microsoft,vmgenid" \
	grep -q microsoft,vmgenid $dev/of_node/compatible
# The test's own setup, read back with devmem: this does not involve the
# driver. What the driver read is shown by the notifications below: an
# unchanged ID that reached the driver (its IRQ count rose) makes no
# uevent, and so does each ID that changes in byte 15 only, then in byte
# 0 only: a driver that compares fewer bytes, or reads them from the wrong
# place, misses one of them.
check "setup (not the driver): devmem reads back the ID the host placed" \
	same_words "$vmgenid_id"

counter_start
step "(simulated notify, unchanged ID): the interrupt reached the driver; no uevent" \
	"$vmgenid_id" 0
reseeds=$(dmesg | grep -c "crng reseeded due to virtual machine fork")
step "(simulated notify, new ID): exactly one NEW_VMGENID=1 uevent" "$vmgenid_new" 1
b15=$(flip "$vmgenid_new" 15)
step "(simulated notify, byte 15 of the ID changed): exactly one uevent" "$b15" 1
b0=$(flip "$b15" 0)
step "(simulated notify, byte 0 of the ID changed): exactly one uevent" "$b0" 1
check "(simulated notify): random.c logged 3 reseeds due to virtual machine fork, one per changed ID" \
	[ "$(($(dmesg | grep -c "crng reseeded due to virtual machine fork") - reseeds))" = 3 ]

if [ "$cycles" ]; then
	kmemleak_clear
	check "$cycles unbind/bind cycles, ends bound" cycle_bind "$name" "$cycles"
	step "(simulated notify after rebinding, a new ID): exactly one uevent" "$vmgenid_id" 1
	check "no leak after $cycles cycles (kmemleak)" no_leaks
fi
kill "$COUNTER" 2>/dev/null
