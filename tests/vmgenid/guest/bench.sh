# make bench (tests/vmgenid/bench.py), on the project's kernel and on
# Debian's stock one: "ready" for the snapshot; after the restore, the host
# times the kernel's reseed line on the console and, where the kernel sends
# one, the uevent's line, which the listener writes; "finish" ends it.
. /scenarios/common.sh
listen 30
say ready
hear
hear
kill "$LISTENER" 2>/dev/null
