# Clones of one snapshot must not share their random numbers. The HOST
# judges that, by comparing the bytes the clones draw; this scenario only
# draws them and reports, and supports chains (a clone snapshotted again).
#
# Each round: make the RNG state deterministic (force a CRNG reseed at an
# uptime of at least $clone_uptime s, so that the time-based reseed, due
# after half the uptime early in boot, stays out of the snapshot-to-draw
# window), start the uevent listeners, say "ready", and hear from the host:
#   "restored changed"         a new ID: wait for NEW_VMGENID=1 (at most
#                              $clone_wait s), then draw
#   "restored same"            the same ID: draw at once
#   "restored changed nowait"  a new ID the kernel is not expected to see
#                              (a stock kernel without the module): draw
#                              at once
#   "restored same late"       the same ID: wait $clone_late s (15), past
#                              the next time-based reseed, then draw (the
#                              control that the host's comparison can fail)
#   "finish"                   end the scenario
# and report one line:
#   random HEX gen G reseeds N modreseeds M uevents U heard yes|no notified K
# HEX: 32 bytes of getrandom(); G: the rounds this VM's lineage has done;
# N, M: the kernel log's "random: crng reseeded due to virtual machine
# fork" and the module's "vmgenid: crng reseeded ..." lines so far; U: the
# NEW_VMGENID=1 uevents counted at a barrier after the draw; heard:
# whether the first came before the deadline; K: the notification
# interrupts since "ready" (notifications, below).
# Options on the kernel command line: clone_uptime (12), clone_wait (20),
# clone_module=1 (insmod the out-of-tree vmgenid.ko first), clone_late (15).
. /scenarios/common.sh

uptime_s() { cut -d. -f1 /proc/uptime; }
# notifications: the interrupts that carry a VMM's notification, so far:
# the SCI (ACPI), or the vmgenid driver's IRQ (device tree; none without
# the driver).
notifications() {
	if [ -e /sys/firmware/acpi/interrupts/sci ]; then
		awk '{ print $1 }' /sys/firmware/acpi/interrupts/sci
	else
		awk '$NF ~ /\.vmgenid$/ { for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i }
			END { print s + 0 }' /proc/interrupts
	fi
}
kmsg_count() { dmesg | grep -c "$1"; }
draw() { rnd=$(getrandom 32) || rnd=error; }

if [ "$clone_module" = 1 ]; then
	check "insmod vmgenid.ko into $(uname -r)" insmod /lib/modules/vmgenid.ko
fi

gen=0
while :; do
	while [ "$(uptime_s)" -lt "${clone_uptime:-12}" ]; do
		sleep 0.5
	done
	# One listener tells the host the moment the first uevent comes (the
	# benchmark times it); the other counts them all, up to a barrier.
	counter_start
	n0=$(notifications)
	check "setup: round $gen: forced a CRNG reseed (RNDRESEEDCRNG) before the snapshot" \
		getrandom --reseed 0
	listen "${clone_wait:-20}"
	say ready
	hear
	case $REPLY in
	"restored changed")
		if heard_uevent; then
			heard=yes
		else
			heard=no
		fi
		draw
		;;
	"restored same" | "restored changed nowait" | "restored same late")
		[ "$REPLY" != "restored same late" ] || sleep "${clone_late:-15}"
		draw
		kill "$LISTENER" 2>/dev/null
		wait "$LISTENER"
		heard=no
		;;
	finish)
		kill "$LISTENER" "$COUNTER" 2>/dev/null
		wait
		break
		;;
	*)
		notok "round $gen: unexpected word from the host: $REPLY"
		kill "$LISTENER" "$COUNTER" 2>/dev/null
		wait
		break
		;;
	esac
	gen=$((gen + 1))
	# Every notification handled (unbind waits for the driver's handler),
	# then a barrier counts the uevents: no time window.
	flush_driver
	uevents=$(barrier) || uevents=error
	kill "$COUNTER" 2>/dev/null
	wait "$COUNTER"
	say "random $rnd gen $gen" \
		"reseeds $(kmsg_count 'random: crng reseeded due to virtual machine fork')" \
		"modreseeds $(kmsg_count 'vmgenid: crng reseeded due to virtual machine fork')" \
		"uevents $uevents" "heard $heard" "notified $(($(notifications) - n0))"
done
