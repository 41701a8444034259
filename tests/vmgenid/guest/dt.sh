# arm64 QEMU virt, device tree with a Firecracker-shaped vmgenid node; the
# host placed the ID with -device loader. QEMU cannot change the ID or
# raise the interrupt, so changes are SIMULATED from inside the guest:
# write the ID through /dev/mem, then make the SPI pending in the GIC
# distributor (GICD_ISPENDR), as the hypervisor's interrupt would.
. /scenarios/common.sh
# A node with reg but no unit address becomes platform device ADDR.vmgenid.
name=$(printf '%x.vmgenid' $((vmgenid_addr)))
dev=$DRV/$name

# words ADDR: the 16 bytes at ADDR as four little-endian 32-bit words.
words() {
	printf '%s,%s,%s,%s' $(devmem $(($1)) 32) $(devmem $(($1 + 4)) 32) \
		$(devmem $(($1 + 8)) 32) $(devmem $(($1 + 12)) 32)
}
# simulate_notify W0,W1,W2,W3: write the ID, then raise the interrupt.
simulate_notify() {
	i=0
	for w in $(echo "$1" | tr , ' '); do
		devmem $((vmgenid_addr + i)) 32 "$w"
		i=$((i + 4))
	done
	devmem $((gicd + 0x200 + vmgenid_intid / 32 * 4)) 32 $((1 << (vmgenid_intid % 32)))
}
same_words() {
	[ "$(words "$vmgenid_addr" | tr A-F a-f)" = "$(echo "$1" | tr A-F a-f)" ]
}

check "bound through OF as $dev" test -e $dev
check "its of_node is compatible with microsoft,vmgenid" \
	grep -q microsoft,vmgenid $dev/of_node/compatible
# The test's own setup, read back with devmem: this does not involve the
# driver. What the driver read is shown by the two notifications below:
# an unchanged ID that reached the driver (its IRQ count rose) makes no
# uevent, and a new ID makes one.
check "setup (not the driver): devmem reads back the ID the host placed" \
	same_words "$vmgenid_id"

# The listener waits 30 s: on a slow or busy host the two devmem writes
# and the 2 s window must not outlast it, or its own time-out would read
# as a uevent.
listen 30
irqs=$(irq_count "$name")
simulate_notify "$vmgenid_id"
no_uevent 2
uevent=$?
irqs_after=$(irq_count "$name")
check "(simulated notify, unchanged ID): the interrupt reached the driver (IRQ $name: ${irqs:-none} -> ${irqs_after:-none})" \
	[ "${irqs_after:-0}" -gt "${irqs:-0}" ]
if [ $uevent -eq 0 ] && [ -e "$dev" ]; then
	ok "(simulated notify, unchanged ID): no uevent, so the driver holds exactly the placed bytes"
else
	notok "(simulated notify, unchanged ID): a uevent arrived, or the driver is not bound"
fi

listen 10
simulate_notify "$vmgenid_new"
if heard_uevent; then
	ok "(simulated notify, new ID): NEW_VMGENID=1 uevent reached a netlink listener"
else
	notok "(simulated notify, new ID): no uevent within 10 s"
fi
check "(simulated notify, new ID): kernel log says crng reseeded due to virtual machine fork" \
	kmsg_has "crng reseeded due to virtual machine fork"

if [ "$cycles" ]; then
	kmemleak_clear
	check "$cycles unbind/bind cycles, ends bound" cycle_bind "$name" "$cycles"
	listen 10
	simulate_notify "$vmgenid_id"
	if heard_uevent; then
		ok "(simulated notify after rebinding): uevent still arrives"
	else
		notok "(simulated notify after rebinding): no uevent"
	fi
	check "no leak after $cycles cycles (kmemleak)" no_leaks
fi
