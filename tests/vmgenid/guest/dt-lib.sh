# Helpers for the device-tree scenarios (dt, storm-dt): the simulated
# notification and the counted step. Sourced after common.sh, with name
# (the platform device's name) and the command line's vmgenid_* values.
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

# Each step: the host-side notification, simulated: write an ID, raise the
# SPI; wait until the IRQ count shows it reached the driver; raise it once
# more with the same ID (the driver's handler is threaded and IRQF_ONESHOT:
# the line stays masked until the first run of the handler returned, so
# the second interrupt's count means the first was handled); then a
# barrier (common.sh): the NEW_VMGENID=1 uevents the driver sent are
# counted, no time window. The repeat has an unchanged ID, so a driver
# that sends a uevent for every notification sends too many.
# flip W0,W1,W2,W3 BYTE: the words with byte BYTE (0 or 15) inverted.
flip() {
	set -- $(echo "$1" | tr , ' ') "$2"
	if [ "$5" = 0 ]; then
		printf '0x%08X,%s,%s,%s' $(($1 ^ 0xff)) "$2" "$3" "$4"
	else
		printf '%s,%s,%s,0x%08X' "$1" "$2" "$3" $(($4 ^ 0xff000000))
	fi
}
# step LABEL WORDS UEVENTS: one step; one verdict, LABEL, when UEVENTS
# NEW_VMGENID=1 uevents came before the barrier (and both interrupts
# reached the driver). Once an interrupt did not, the later steps fail
# without waiting for theirs.
DEAD=
step() {
	if [ "$DEAD" ]; then
		notok "$1: not tried: $DEAD"
		return
	fi
	before=$(irq_count "$name")
	before=${before:-0}
	simulate_notify "$2"
	if ! wait_irqs "$name" $((before + 1)); then
		DEAD="an interrupt never reached the driver (IRQ $name stayed at $before)"
		notok "$1: $DEAD"
		return
	fi
	simulate_notify "$2"
	if ! wait_irqs "$name" $((before + 2)); then
		notok "$1: the repeated interrupt never reached the driver"
		return
	fi
	got=$(barrier)
	if [ "$got" = "$3" ]; then
		ok "$1 (IRQ $name: $before -> $(irq_count "$name"))"
	else
		notok "$1: $got NEW_VMGENID=1 uevents before the barrier, expected $3"
	fi
}

