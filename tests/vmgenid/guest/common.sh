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

# no_leaks: kmemleak reports nothing new since kmemleak_clear.
kmemleak_clear() { echo clear >/sys/kernel/debug/kmemleak; }
no_leaks() {
	sleep 6 # kmemleak ignores objects younger than 5 s
	echo scan >/sys/kernel/debug/kmemleak
	echo scan >/sys/kernel/debug/kmemleak
	leaks=$(cat /sys/kernel/debug/kmemleak)
	[ -z "$leaks" ] || { echo "$leaks" | head -n 20; return 1; }
}

# no_kernel_warnings: the kernel log has no warning, oops or BUG.
no_kernel_warnings() { ! dmesg | grep -E 'WARNING:|BUG:|Oops|Call trace:|Call Trace:'; }
