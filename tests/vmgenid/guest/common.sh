# Helpers for the vmgenid scenarios; sourced by them, after /init's helpers.
DRV=/sys/bus/platform/drivers/vmgenid

# listen [TIMEOUT]: start a netlink listener for NEW_VMGENID=1 in the
# background; it writes "uevent ..." straight to the host when one comes.
listen() {
	rm -f /tmp/listen
	uevent-listen NEW_VMGENID=1 1 "${1:-30}" >"$R" 2>/tmp/listen &
	LISTENER=$!
	while ! grep -q listening /tmp/listen 2>/dev/null; do
		sleep 0.05
	done
}

# heard_uevent: the listener got its uevent (it exits 0 then, 1 on time-out).
heard_uevent() { wait "$LISTENER"; }

# no_uevent SECONDS: the listener is still waiting after SECONDS.
no_uevent() {
	sleep "$1"
	kill "$LISTENER" 2>/dev/null
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

