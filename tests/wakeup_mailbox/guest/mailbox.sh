# x86_64 booted by the project's test firmware with a device tree
# (SETUP_DTB) of $ncpus CPUs; variant= names the case (the host's
# tests/wakeup_mailbox/test_wakeup_mailbox.py says what the firmware and
# the tree were), mailbox_addr= the mailbox address the tree names (hex).
cpus=$(grep -c '^processor' /proc/cpuinfo)
# The IRQ domain of the trees' IO-APIC node (dts.py), as debugfs names it.
TREE_IOAPIC='interrupt-controller@fec00000'
say "cpus online: $(cat /sys/devices/system/cpu/online), present: $(cat /sys/devices/system/cpu/present)"

# online_fails CPU ERRNO_TEXT: writing 1 (or 0) to the CPU's online file
# fails, with exactly that error.
write_fails() {
	if echo "$1" 2>/tmp/online.err >"/sys/devices/system/cpu/cpu$2/online"; then
		notok "$3: writing $1 to cpu$2/online succeeded"
	elif grep -q "$4" /tmp/online.err; then
		ok "$3: $(cat /tmp/online.err)"
	else
		notok "$3: wanted '$4', got: $(cat /tmp/online.err)"
	fi
}

# kexec_check refused|accepted WHY: whether the kernel loads a kexec image.
kexec_check() {
	out=$(kexec-load)
	status=$?
	case $1 in
	refused)
		if [ $status -ne 0 ] && echo "$out" | grep -q EOPNOTSUPP; then
			ok "kexec_load is refused$2: $out"
		else
			notok "kexec_load is refused$2: status $status, $out"
		fi
		check "kernel log: kexec refused because of the mailbox" \
			kmsg_has "kexec: not loading: the secondary CPUs were woken through the wakeup mailbox, and a new kernel could not wake them again"
		;;
	accepted)
		if [ $status -eq 0 ]; then
			ok "kexec_load is accepted$2: $out"
		else
			notok "kexec_load is accepted$2: $out"
		fi
		;;
	esac
}

# crash_kexec_check: a crash kernel loads even after a mailbox wakeup (it
# boots with nr_cpus=1); the host gave crashkernel=.
crash_kexec_check() {
	out=$(kexec-load crash)
	if [ $? -eq 0 ]; then
		ok "kexec_load of a crash kernel is accepted: $out"
	else
		notok "kexec_load of a crash kernel is accepted: $out"
	fi
}

# iomem_check: a mailbox in no e820 entry is claimed in /proc/iomem; one in
# an e820 reserved entry is in that entry's resource.
iomem_check() {
	a=$(printf '%08x' "$mailbox_addr")
	if [ "$variant" = reserved ]; then
		check "/proc/iomem: the mailbox page is in e820's Reserved entry, not claimed again" \
			sh -c "! grep -q 'wakeup mailbox' /proc/iomem && grep -Eq '^ *[0-9a-f]*-[0-9a-f]* : Reserved' /proc/iomem"
	else
		check "/proc/iomem: the mailbox page in the e820 hole is claimed as 'wakeup mailbox'" \
			grep -Eq "^ *0*${a#0}-0*$(printf '%x' $((mailbox_addr + 0xfff))) : wakeup mailbox" /proc/iomem
	fi
}

# mailbox_used: every CPU came up through the device tree's mailbox, and
# none can go offline (nothing could wake it again) nor be kexec'd over.
mailbox_used() {
	check "kernel log: waking secondary CPUs through the mailbox at $mailbox_addr" \
		kmsg_has "wakeup mailbox /reserved-memory/wakeup_table@${mailbox_addr#0x}: waking secondary CPUs through the mailbox at \[mem 0x0*${mailbox_addr#0x}-"
	check "all $ncpus CPUs are online (counted once)" [ "$cpus" -eq "$ncpus" ]
	iomem_check
	if [ "$ncpus" -gt 1 ]; then
		write_fails 0 1 "offlining cpu1 is refused with EOPNOTSUPP" "not supported"
		check "cpu1 is still online" grep -qx 1 /sys/devices/system/cpu/cpu1/online
		kexec_check refused
		crash_kexec_check
	else
		kexec_check accepted ": one vCPU, so no CPU left the firmware"
	fi
}

# one_cpu_for_good WHY: one CPU, and no other can be brought online.
one_cpu_for_good() {
	check "$1: exactly one CPU online" [ "$cpus" -eq 1 ]
	if [ "$ncpus" -gt 1 ]; then
		write_fails 1 1 "$1: onlining cpu1 later fails with EIO" "Input/output error"
		check "$1: cpu1 is still offline" grep -qx 0 /sys/devices/system/cpu/cpu1/online
	fi
}

case $variant in
good | openhcl | reserved)
	check "the device tree's CPUs win over any MP table" \
		kmsg_has "DT: $ncpus CPUs from the device tree; ignoring any MP table"
	mailbox_used
	;;
dedup)
	# SeaBIOS's MP table is still in memory, and acpi=off.
	check "the device tree's CPUs win over SeaBIOS's MP table" \
		kmsg_has "DT: $ncpus CPUs from the device tree; ignoring any MP table"
	check "no CPU from the MP table: dmesg has no 'Processor #'" kmsg_lacks 'Processor #'
	check "$ncpus CPUs possible, counted once (saw $(cat /sys/devices/system/cpu/possible))" \
		[ "$(cat /sys/devices/system/cpu/possible)" = "0-$((ncpus - 1))" ]
	mailbox_used
	;;
madt)
	# A second MADT (acpi_apic_instance=2) names the firmware's mailbox in
	# its Multiprocessor Wakeup structure; the tree has no mailbox node.
	check "kernel log: the second MADT is used" \
		kmsg_has "ACPI: BIOS bug: multiple APIC/MADT found, using 2"
	check "kernel log: the CPUs come from ACPI's MADT" kmsg_has "ACPI: Using ACPI \(MADT\) for SMP configuration"
	check "all $ncpus CPUs are online" [ "$cpus" -eq "$ncpus" ]
	write_fails 0 1 "offlining cpu1 is refused with EOPNOTSUPP" "not supported"
	check "cpu1 is still online" grep -qx 1 /sys/devices/system/cpu/cpu1/online
	kexec_check refused
	crash_kexec_check
	;;
madt-malformed)
	check "kernel log: the malformed wakeup structure is named" \
		kmsg_has "ACPI: MADT: malformed Multiprocessor Wakeup structure \(length 15, expected 16\): not using its mailbox"
	check "all $ncpus CPUs are online through INIT/SIPI" [ "$cpus" -eq "$ncpus" ]
	kexec_check accepted " without a usable mailbox"
	;;
madt-stock)
	# Debian's stock 6.1, the control: it takes cpu1 offline, and bringing
	# it back waits for an acknowledgment that no firmware will give. The
	# host watches the kernel log from "onlining cpu1" on, and ends QEMU.
	check "all $ncpus CPUs are online" [ "$cpus" -eq "$ncpus" ]
	check "offlining cpu1 is accepted" sh -c 'echo 0 >/sys/devices/system/cpu/cpu1/online'
	say "onlining cpu1"
	echo 1 >/sys/devices/system/cpu/cpu1/online
	say "onlining cpu1 returned: $?"
	;;
acpi)
	# SeaBIOS's ACPI tables are in memory and ACPI is on: ACPI describes
	# the CPUs (its MADT has no mailbox), the device tree's are ignored.
	check "kernel log: ACPI wins over the device tree" \
		kmsg_has "DT: ACPI is in use; ignoring the device tree's CPUs and APICs"
	check "kernel log: the CPUs come from ACPI's MADT" kmsg_has "ACPI: Using ACPI \(MADT\) for SMP configuration"
	check "all $ncpus CPUs are online through INIT/SIPI" [ "$cpus" -eq "$ncpus" ]
	check "the device tree's mailbox is not used" \
		kmsg_lacks 'waking secondary CPUs through the mailbox'
	;;
missing | disabled)
	[ "$variant" = disabled ] &&
		check "kernel log: the disabled mailbox node is ignored" \
			kmsg_has "DT: /reserved-memory/wakeup_table@[0-9a-f]+ is disabled; ignoring it"
	check "kernel log: no mailbox node, so INIT/SIPI" \
		kmsg_has "no intel,wakeup-mailbox node; starting CPUs with INIT/SIPI"
	check "all $ncpus CPUs are online through INIT/SIPI" [ "$cpus" -eq "$ncpus" ]
	kexec_check accepted " without a mailbox (control)"
	# The control for "offlining cpu1 is refused" in the mailbox boots.
	[ "$ncpus" -gt 1 ] &&
		check "offlining cpu1 succeeds without a mailbox, and onlining it again (control)" \
			sh -c 'c=/sys/devices/system/cpu/cpu1/online; echo 0 >$c && grep -qx 0 $c &&
				echo 1 >$c && grep -qx 1 $c'
	;;
intc | intc-mailbox)
	check "kernel log: the ISA IRQs are routed through the tree's IO-APIC" \
		kmsg_has "DT: ISA IRQs routed to IO-APIC 0 as on a PC \(IRQ 0 to pin 2\)"
	# Make the serial port interrupt: write through the tty layer.
	i=0
	while [ $i -lt 20 ]; do
		echo "interrupt test line $i" >/dev/ttyS0
		i=$((i + 1))
	done
	timer=$(awk '$1 == "0:" { n = 0; for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) n += $i; print n, $0 }' /proc/interrupts)
	serial=$(awk '$1 == "4:" { n = 0; for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) n += $i; print n, $0 }' /proc/interrupts)
	say "interrupts: ${timer:-no IRQ 0} | ${serial:-no IRQ 4}"
	check "the timer interrupts through the IO-APIC: $timer" \
		sh -c "echo '$timer' | grep -q 'IO-APIC.*2-edge.*timer' && [ \"${timer%% *}\" -gt 0 ]"
	check "the serial port interrupts through the IO-APIC: $serial" \
		sh -c "echo '$serial' | grep -q 'IO-APIC.*4-edge.*ttyS0' && [ \"${serial%% *}\" -gt 0 ]"
	# Which IO-APIC: IRQs 0 and 4 belong to the IRQ domain of the tree's
	# node (debugfs), not to one an MP table or ACPI registered.
	for irq in 0 4; do
		check "IRQ $irq is in the tree's IO-APIC domain: $(grep -m1 '^domain:' /sys/kernel/debug/irq/irqs/$irq 2>/dev/null)" \
			grep -q "^domain: *.*$TREE_IOAPIC\$" /sys/kernel/debug/irq/irqs/$irq
	done
	if [ "$variant" = intc-mailbox ]; then
		mailbox_used
	else
		check "all $ncpus CPUs are online" [ "$cpus" -eq "$ncpus" ]
	fi
	;;
trampoline)
	# No usable RAM below 1 MiB, but every AP starts in 64-bit mode.
	check "kernel log: the trampoline is above 1 MiB, below 4 GiB, for 64-bit wakeups" \
		kmsg_has "Trampoline at 0x0*[1-9a-f][0-9a-f]{5,7}, above 1 MiB: for 64-bit wakeups only"
	mailbox_used
	;;
trampoline-initsipi)
	check "kernel log: no trampoline, so one CPU, said why" \
		kmsg_has "Real mode trampoline was not allocated \(no free memory below 1 MiB\); booting with one CPU"
	one_cpu_for_good "no trampoline"
	;;
maxcpus1)
	# Booted with maxcpus=1: no CPU has left the firmware's loop yet.
	check "maxcpus=1: one CPU online" [ "$cpus" -eq 1 ]
	kexec_check accepted ": maxcpus=1, so no CPU left the firmware yet"
	check "onlining cpu1 later wakes it through the mailbox" \
		sh -c "echo 1 >/sys/devices/system/cpu/cpu1/online && grep -qx 1 /sys/devices/system/cpu/cpu1/online"
	kexec_check refused " once cpu1 left the firmware"
	crash_kexec_check
	;;
nosmt | nosmt-initsipi)
	# 2 cores of 2 threads, nosmt: each second thread is booted once, then
	# rolled back by the hotplug core.
	online=$(cat /sys/devices/system/cpu/online)
	check "nosmt: CPUs 0 and 2 online, as with INIT/SIPI (saw $online)" [ "$online" = "0,2" ]
	if [ "$variant" = nosmt ]; then
		check "kernel log: waking secondary CPUs through the mailbox at $mailbox_addr" \
			kmsg_has "waking secondary CPUs through the mailbox at \[mem 0x0*${mailbox_addr#0x}-"
		write_fails 0 2 "offlining cpu2 is refused with EOPNOTSUPP" "not supported"
		# The rolled-back second threads are in Linux, not in the firmware.
		if echo on 2>/tmp/smt.err >/sys/devices/system/cpu/smt/control; then
			notok "smt on: waking a rolled-back thread again fails at once: it succeeded"
		elif grep -q "Input/output error" /tmp/smt.err; then
			ok "smt on: waking a rolled-back thread again fails at once: $(cat /tmp/smt.err)"
		else
			notok "smt on: waking a rolled-back thread again fails at once: $(cat /tmp/smt.err)"
		fi
		check "after smt on failed, CPUs 0 and 2 are still online" \
			grep -qx "0,2" /sys/devices/system/cpu/online
		check "kernel log: a CPU is not woken through the mailbox twice" \
			kmsg_has "not waking the CPU with APIC ID 0x[13] again: it left the firmware's loop"
		# 6.1's create_image() overwrites the error of the CPU freeze with
		# arch_resume_nosmt()'s, so the write's status says nothing: the
		# kernel log does.
		echo processors >/sys/power/pm_test
		echo disk 2>/tmp/pm.err >/sys/power/state
		say "hibernation (pm_test=processors): write status $?, $(cat /tmp/pm.err)"
		check "hibernation: the kernel refuses to take a CPU down, said why" \
			kmsg_all 'Not taking CPU[0-9]+ down: the platform cannot bring it back online' \
			'Non-boot CPUs are not disabled'
		check "after hibernation was refused, CPUs 0 and 2 are still online" \
			grep -qx "0,2" /sys/devices/system/cpu/online
	else
		check "kernel log: no mailbox node, so INIT/SIPI" \
			kmsg_has "no intel,wakeup-mailbox node; starting CPUs with INIT/SIPI"
		check "offlining cpu2 succeeds (control)" sh -c "echo 0 >/sys/devices/system/cpu/cpu2/online"
		check "onlining cpu2 again succeeds (control)" sh -c "echo 1 >/sys/devices/system/cpu/cpu2/online"
		echo processors >/sys/power/pm_test
		# The write's status alone says little (see above): the log must
		# show the CPUs taken down and brought back.
		check "hibernation (pm_test=processors) takes the CPUs down and up (control)" \
			sh -c "echo disk >/sys/power/state && dmesg | grep -q 'Disabling non-boot CPUs' && dmesg | grep -q 'Enabling non-boot CPUs' && ! dmesg | grep -q 'Non-boot CPUs are not disabled'"
		check "smt on: all 4 CPUs online through INIT/SIPI (control)" \
			sh -c "echo on >/sys/devices/system/cpu/smt/control && grep -qx 0-3 /sys/devices/system/cpu/online"
	fi
	;;
intc-nocpus)
	# SeaBIOS's MP table is in memory, acpi=off; the tree has IO-APIC nodes
	# and no CPU nodes.
	check "kernel log: the tree's IO-APICs win over SeaBIOS's MP table" \
		kmsg_has "DT: IO-APICs from the device tree; ignoring any MP table"
	# kmsg_ioapic_once: one IO-APIC registration line, and no conflict.
	kmsg_ioapic_once() {
		[ "$(dmesg | grep -c 'IOAPIC\[[0-9]*\]: apic_id')" -eq 1 ] &&
			kmsg_lacks 'conflicts with IOAPIC'
	}
	n=$(dmesg | grep -c 'IOAPIC\[[0-9]*\]: apic_id')
	check "the IO-APIC is registered once ($n registration lines)" kmsg_ioapic_once
	# The same, from the kernel's state: the IRQ domains (debugfs). Each
	# registered IO-APIC has one; the tree's is named after its node, an
	# MP table's "IO-APIC-N". Had the MP table's IO-APIC been registered
	# first, the tree's would have been refused as a conflict.
	domains=$(ls /sys/kernel/debug/irq/domains 2>/dev/null | grep -e "$TREE_IOAPIC" -e '^IO-APIC' | tr '\n' ' ')
	check "one IO-APIC IRQ domain, the tree's (debugfs: ${domains:-none})" \
		[ "$domains" = "$(ls /sys/kernel/debug/irq/domains | grep "$TREE_IOAPIC") " ]
	check "no CPU from the MP table: dmesg has no 'Processor #'" kmsg_lacks 'Processor #'
	check "the boot CPU alone: the tree names no CPU" [ "$cpus" -eq 1 ]
	;;
*)
	case $variant in
	size) why="is not 4 KiB in size" ;;
	unaligned) why="is not 4 KiB aligned" ;;
	outside) why="is beyond the physical address space" ;;
	two) why="2 intel,wakeup-mailbox nodes, expected one" ;;
	ram | e820-ram) why="is usable RAM, which the kernel uses" ;;
	e820-soft-reserved) why="is soft-reserved memory, which the kernel may hand out" ;;
	e820-pmem) why="is persistent memory, which the kernel may hand out" ;;
	dead-ones) why="reads back as all ones: nothing answers there" ;;
	dead-nowrite) why="does not keep what is written to it: nothing answers there" ;;
	dirty) why="has command 0x[0-9a-f]+, not 0 \(noop\), before the first wakeup" ;;
	*) why="(unknown variant $variant)" ;;
	esac
	check "refused ($variant): '$why'" kmsg_has "wakeup mailbox .*$why"
	check "refused ($variant): the kernel says it boots with one CPU" \
		kmsg_has "not using the wakeup mailbox; booting with one CPU"
	one_cpu_for_good "refused ($variant)"
	if [ "$ncpus" -gt 1 ]; then
		check "refused ($variant): kernel log: the later wakeup was refused" \
			kmsg_has "not starting the CPU with APIC ID 0x1, nor any other: the wakeup mailbox was refused"
	fi
	;;
esac
