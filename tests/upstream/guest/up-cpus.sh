# The upstream base (7.3), wakeup mailbox: report which CPUs are online.
say "online $(cat /sys/devices/system/cpu/online)"
say "count $(grep -c ^processor /proc/cpuinfo)"
