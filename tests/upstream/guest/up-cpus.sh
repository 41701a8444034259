# The upstream base (7.3), wakeup mailbox: report which CPUs are online.
say "online $(cat /sys/devices/system/cpu/online)"
say "count $(grep -c ^processor /proc/cpuinfo)"
# The MADT's mailbox (variant=madt-upstream): offlining cpu1 must be
# refused, since nothing could wake it again.
if [ "$variant" = madt-upstream ]; then
	if echo 0 2>/tmp/offline.err >/sys/devices/system/cpu/cpu1/online; then
		say "offline accepted"
	else
		say "offline refused: $(cat /tmp/offline.err)"
	fi
	say "cpu1 online $(cat /sys/devices/system/cpu/cpu1/online)"
fi
