# Helpers for the vmgenid scenarios; sourced by them, after /init's helpers.
DRV=/sys/bus/platform/drivers/vmgenid

# coldplug: what udev does at boot for each device that has no driver:
# modprobe of its modalias. The x86_64 test kernel builds vmgenid as a
# module (configs/x86_64.config); its initramfs holds the kernel's
# modules and depmod's tables, and every vmgenid scenario starts with the
# driver loaded so, unless modalias=1 (the storm loads it itself, as a
# check). Kernels without modules.alias are left alone.
coldplug() {
	for f in /sys/bus/platform/devices/*/modalias /sys/bus/acpi/devices/*/modalias; do
		[ -e "${f%/modalias}/driver" ] || modprobe -q "$(cat "$f")" 2>/dev/null
	done
}
if [ -f "/lib/modules/$(uname -r)/modules.alias" ] && [ -z "${modalias:-}" ]; then
	coldplug
fi

# uevent_problem LINE: what is wrong, for the udev rule of
# Documentation/vmgenid.rst (ACTION=="change", DRIVER=="vmgenid",
# ENV{NEW_VMGENID}=="1"), with a NEW_VMGENID=1 uevent as the listener
# received it ("uevent ACTION@DEVPATH FIELDS", tests/guest/uevent-listen.c);
# nothing when it is right: ACTION=change, DEVPATH a device under /sys and
# the header's, SUBSYSTEM that device's subsystem, DRIVER=vmgenid,
# NEW_VMGENID=1.
uevent_problem() {
	action= devpath= subsystem= driver= new= header= why=
	for kv in $1; do
		case $kv in
		ACTION=*) action=${kv#ACTION=} ;;
		DEVPATH=*) devpath=${kv#DEVPATH=} ;;
		SUBSYSTEM=*) subsystem=${kv#SUBSYSTEM=} ;;
		DRIVER=*) driver=${kv#DRIVER=} ;;
		NEW_VMGENID=*) new=${kv#NEW_VMGENID=} ;;
		*@/*) header=$kv ;;
		esac
	done
	[ "$action" = change ] || why="$why ACTION=${action:-(none)}, expected change;"
	if [ -n "$devpath" ] && [ -d "/sys$devpath" ]; then
		sub=$(readlink "/sys$devpath/subsystem")
		[ "$subsystem" = "${sub##*/}" ] ||
			why="$why SUBSYSTEM=${subsystem:-(none)}, its device's is ${sub##*/};"
	else
		why="$why DEVPATH=${devpath:-(none)} names no device;"
	fi
	[ "$header" = "$action@$devpath" ] || why="$why header $header is not ACTION@DEVPATH;"
	[ "$driver" = vmgenid ] || why="$why DRIVER=${driver:-(none)}, expected vmgenid;"
	[ "$new" = 1 ] || why="$why NEW_VMGENID=${new:-(none)};"
	echo "${why# }"
}

# listen [TIMEOUT]: start a netlink listener for NEW_VMGENID=1 in the
# background; it writes "uevent ..." straight to the host when one comes,
# and a copy to /tmp/heard for heard_uevent.
listen() {
	rm -f /tmp/listen /tmp/heard
	UEVENT_COPY=/tmp/heard uevent-listen NEW_VMGENID=1 1 "${1:-30}" >"$R" 2>/tmp/listen &
	LISTENER=$!
	while ! grep -q listening /tmp/listen 2>/dev/null; do
		sleep 0.05
	done
}

# heard_uevent: the listener got its uevent (it exits 0 then, 1 on
# time-out), and the uevent is what a udev rule matches (uevent_problem);
# otherwise HEARD says what came.
heard_uevent() {
	HEARD="no NEW_VMGENID=1 uevent within the time-out"
	wait "$LISTENER" || return 1
	problem=$(uevent_problem "$(cat /tmp/heard)")
	[ -z "$problem" ] || { HEARD="the uevent $(cat /tmp/heard): $problem"; return 1; }
}

# A barrier instead of a time window, to tell that a uevent did not come:
# counter_start starts a listener that prints, in the order the kernel
# sent them, every NEW_VMGENID=1 uevent and every barrier; barrier sends a
# synthetic uevent (written to /dev/null's uevent file, which the kernel
# sends before the write returns), waits until the listener printed it,
# and prints how many NEW_VMGENID=1 uevents came since the barrier before
# (barrier NAME: only those of devices whose path ends in /NAME). Counted
# are the uevents a udev rule matches (uevent_problem); if any is not, the
# count is followed by "+N_malformed(the last one and what is wrong)", so
# that no comparison with a number passes.
# Whatever the driver sent before the barrier is counted.
# (The kernel takes letters and digits only in a synthetic uevent's keys
# and values, and no newline after them.)
BARRIER_ARG=VMGENIDBARRIER=1
counter_start() {
	rm -f /tmp/counted /tmp/counter.err
	uevent-listen NEW_VMGENID=1 0 600 "SYNTH_ARG_$BARRIER_ARG" >/tmp/counted 2>/tmp/counter.err &
	COUNTER=$!
	while ! grep -q listening /tmp/counter.err 2>/dev/null; do
		sleep 0.05
	done
}
barrier() {
	# Each barrier before this one has reached the listener (this function
	# waited for it): this one is the next. (No variable keeps count: the
	# callers run this in a $(...) subshell.)
	n=$(($(grep -c '^barrier' /tmp/counted) + 1))
	printf 'change 6e1f5e2a-0c4e-4d1b-9a5e-7f3a1c2b4d5e %s' "$BARRIER_ARG" \
		>/sys/devices/virtual/mem/null/uevent || { echo "no barrier: the write failed"; return 1; }
	i=0
	while [ "$(grep -c '^barrier' /tmp/counted)" -lt $n ]; do
		! grep -q '^overflow' /tmp/counted || { echo "the listener lost events (ENOBUFS)"; return 1; }
		[ $i -lt 300 ] || { echo "barrier $n never reached the listener"; return 1; }
		sleep 0.1
		i=$((i + 1))
	done
	good=0 bad=0 why=
	awk -v n=$n -v dev="${1:-}" '/^barrier/ { b++; next }
		b == n - 1 && /^uevent/ && (dev == "" || index($2, "/" dev))' /tmp/counted >/tmp/since
	while read -r line; do
		problem=$(uevent_problem "$line")
		if [ -z "$problem" ]; then
			good=$((good + 1))
		else
			bad=$((bad + 1))
			why="$line: $problem"
		fi
	done </tmp/since
	# One word (clone.sh says it in a line of words): the count alone when
	# every uevent is right.
	if [ $bad -eq 0 ]; then
		echo $good
	else
		echo "$good+${bad}_malformed($why)" | tr ' ' '_'
	fi
}

# wait_irqs NAME N: the IRQ named NAME has been taken N times (at most
# irq_wait= seconds, 10 by default; the harness's dead-line test, whose
# interrupt never comes, waits 2).
wait_irqs() {
	i=0
	while c=$(irq_count "$1"); [ "${c:-0}" -lt "$2" ]; do
		[ $i -lt $((${irq_wait:-10} * 10)) ] || return 1
		sleep 0.1
		i=$((i + 1))
	done
}

# flush_driver: unbind and bind every device the vmgenid platform driver
# holds. Removing the driver waits for its handlers: a threaded IRQ's
# (free_irq), and ACPI's notify queue (acpi_remove_notify_handler), so
# after it every notification so far has been handled.
flush_driver() {
	for d in $DRV/*; do
		[ -L "$d" ] && [ -e "$d/driver" ] || continue
		echo "${d##*/}" >$DRV/unbind && echo "${d##*/}" >$DRV/bind
	done
}

# cycle_bind DEVICE N: unbind and bind DEVICE N times; it ends bound.
cycle_bind() {
	i=0
	while [ $i -lt "$2" ]; do
		echo "$1" >$DRV/unbind || { echo "cycle $i: unbind failed"; return 1; }
		[ ! -e "$DRV/$1" ] || { echo "cycle $i: still bound after unbind"; return 1; }
		echo "$1" >$DRV/bind || { echo "cycle $i: bind failed"; dmesg | tail -n 3; return 1; }
		i=$((i + 1))
	done
	test -e "$DRV/$1"
}

# no_leaks: kmemleak is running and reports nothing new since
# kmemleak_clear. Fails, saying why, when it cannot tell: kmemleak off
# (kmemleak=off, or it disabled itself), debugfs missing, a scan refused
# or its report unreadable.
KMEMLEAK=/sys/kernel/debug/kmemleak
kmemleak_clear() { echo clear >$KMEMLEAK 2>/dev/null; }
no_leaks() {
	[ -e $KMEMLEAK ] || { echo "kmemleak not checked: no $KMEMLEAK (debugfs)"; return 1; }
	if ! dmesg | grep -q "kmemleak: Kernel memory leak detector initialized" ||
		dmesg | grep -q "kmemleak: Kernel memory leak detector disabled"; then
		echo "kmemleak is not active: $(dmesg | grep 'kmemleak:' | head -n 2 | tr '\n' ' ')"
		return 1
	fi
	sleep 6 # kmemleak ignores objects younger than 5 s
	for i in 1 2; do
		echo scan 2>/tmp/kmemleak.err >$KMEMLEAK ||
			{ echo "kmemleak refused a scan: $(cat /tmp/kmemleak.err)"; return 1; }
	done
	leaks=$(cat $KMEMLEAK 2>/tmp/kmemleak.err) ||
		{ echo "kmemleak's report cannot be read: $(cat /tmp/kmemleak.err)"; return 1; }
	[ -z "$leaks" ] || { echo "$leaks" | head -n 20; return 1; }
}

# irq_count NAME: interrupts taken so far by the IRQ named NAME, all CPUs.
irq_count() {
	awk -v name="$1" '$NF == name { n = 0; for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) n += $i; print n }' \
		/proc/interrupts
}
