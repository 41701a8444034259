# Helpers for the storm scenarios (storm, storm-dt): loops that run in the
# background, on whichever vCPUs the scheduler gives them, until
# storm_stop; each counts its rounds. Sourced after common.sh.
STOP=/tmp/storm.stop
LOOPS=

HOLD=/tmp/storm.hold
LOOP_NAMES=

# loop NAME COMMAND...: run COMMAND over and over until storm_stop. The
# rounds it succeeded go to /tmp/NAME.ok, those it failed to /tmp/NAME.fail,
# the last failure's output to /tmp/NAME.err. Between rounds, while the
# notifier holds the driver (hold), it waits, saying so: the hold's number
# in /tmp/NAME.held.
loop() {
	lname=$1
	shift
	LOOP_NAMES="$LOOP_NAMES $lname"
	rm -f /tmp/$lname.held
	(
		good=0 bad=0
		while [ ! -e $STOP ]; do
			while [ -e $HOLD ]; do
				cat $HOLD >/tmp/$lname.held 2>/dev/null
				sleep 0.02
			done
			if "$@" >/tmp/$lname.out 2>&1; then
				good=$((good + 1))
			else
				bad=$((bad + 1))
				cp /tmp/$lname.out /tmp/$lname.err
			fi
		done
		echo $good >/tmp/$lname.ok
		echo $bad >/tmp/$lname.fail
	) &
	LOOPS="$LOOPS $!"
}
# The reseeds so far: random.c's add_vmfork_randomness() reports each
# ("random: crng reseeded due to virtual machine fork"); in a stock kernel
# without it, the out-of-tree module forces them and reports each itself
# ("vmgenid: crng reseeded due to virtual machine fork (RNDRESEEDCRNG)").
storm_reseeds() { dmesg | grep -c "crng reseeded due to virtual machine fork"; }

# hold K: the loops pause between rounds (loop), each having ended its
# last round (the driver loaded and bound again); false if one did not
# say so within 30 s. release: they go on.
hold() {
	echo "$1" >$HOLD
	for l in $LOOP_NAMES; do
		i=0
		while [ "$(cat /tmp/$l.held 2>/dev/null)" != "$1" ]; do
			[ $i -lt 600 ] || return 1
			sleep 0.05
			i=$((i + 1))
		done
	done
}
release() { rm -f $HOLD; }

# notify_storm FUNCTION: storm_notifies= notifications, FUNCTION N making
# the Nth (N from 0); NOTIFIED counts them all, over every storm. Every
# other one (N odd) is made while the driver is held bound: the loops
# paused (hold), the devices bound ($HOLD_BOUND, a command, says so), and
# the notifier waits (at most 10 s) until the reseed count rose before it
# lets the loops go on. HELD counts those whose reseed came, MISSED those
# whose did not, UNBOUND the holds that found a device unbound or a loop
# that did not pause (no notification then). The reseeds of a storm are
# then at least HELD (each held one reseeded, while no other notification
# was in flight... but earlier ones may still be: see storm_bounds) and
# at most NOTIFIED (no reseed without a new ID).
HELD=0 MISSED=0 UNBOUND=0
notify_storm() {
	n=0
	while [ $n -lt "${storm_notifies:-50}" ]; do
		if [ $((n % 2)) = 1 ]; then
			if hold $n && $HOLD_BOUND; then
				r=$(storm_reseeds)
				"$1" $n
				i=0
				while [ "$(storm_reseeds)" -le "$r" ] && [ $i -lt 200 ]; do
					sleep 0.05
					i=$((i + 1))
				done
				if [ "$(storm_reseeds)" -gt "$r" ]; then
					HELD=$((HELD + 1))
				else
					MISSED=$((MISSED + 1))
				fi
			else
				UNBOUND=$((UNBOUND + 1))
			fi
			release
		else
			"$1" $n
		fi
		n=$((n + 1))
	done
	NOTIFIED=$((NOTIFIED + n))
}
# storm_bounds LABEL R: one verdict, LABEL, on the R reseeds of the
# storms so far: every notification made while the driver was held bound
# reseeded before the next one (so R is at least HELD: their waits do not
# overlap), none found the driver unbound, and R is at most NOTIFIED.
storm_bounds() {
	what="$1: $2 reseeds of $NOTIFIED notifications, at least the $HELD made while the driver was held bound, at most $NOTIFIED"
	if [ "$MISSED" = 0 ] && [ "$UNBOUND" = 0 ] && [ "$HELD" -gt 0 ] &&
		[ "$2" -ge "$HELD" ] && [ "$2" -le "$NOTIFIED" ]; then
		ok "$what"
	else
		notok "$what (held ones that did not reseed: $MISSED; holds that found the driver unbound: $UNBOUND)"
	fi
}
storm_start() {
	rm -f $STOP $HOLD
	LOOPS=
	LOOP_NAMES=
}
storm_stop() { touch $STOP && wait $LOOPS; }
# rounds NAME: "N rounds" and, if any failed, how many and the last error.
rounds() {
	printf '%s rounds' "$(cat /tmp/$1.ok)"
	[ "$(cat /tmp/$1.fail)" = 0 ] ||
		printf ' (%s failed, the last: %s)' "$(cat /tmp/$1.fail)" \
			"$(tr '\n' ' ' </tmp/$1.err | cut -c1-120)"
}
# ran NAME: the loop ran at least one round, and none failed.
ran() {
	rounds "$1"
	[ "$(cat /tmp/$1.ok)" -gt 0 ] && [ "$(cat /tmp/$1.fail)" = 0 ]
}

# rebind DEVICE...: unbind each DEVICE the vmgenid platform driver holds,
# and bind it again.
rebind() {
	for d; do
		echo "$d" >$DRV/unbind && echo "$d" >$DRV/bind || return 1
	done
}
# reload: remove the vmgenid module, and load it again by the modalias of
# the device $MODALIAS_OF (what udev does for a device without a driver).
reload() {
	rmmod vmgenid && modprobe "$(cat "$MODALIAS_OF/modalias")"
}
# loaded_and_bound DEVICE...: the module (modalias=1) is loaded and
# every DEVICE bound by the platform driver, binding those that are not
# (a loop may have stopped between unbind and bind).
loaded_and_bound() {
	[ -z "${modalias:-}" ] || [ -e /sys/module/vmgenid/refcnt ] || modprobe vmgenid || return 1
	for d; do
		[ -e "$DRV/$d" ] || echo "$d" >$DRV/bind || return 1
		test -e "$DRV/$d" || return 1
	done
}

# The lock checkers are still on after the storm: lockdep turns itself
# off at its first report (debug_locks 0), and the debug objects code at
# its first failure to allocate.
lockdep_on() {
	grep -E 'debug_locks:|dependency chains:' /proc/lockdep_stats | tr -s ' \n' ' '
	grep -Eq 'debug_locks: +1$' /proc/lockdep_stats
}
debug_objects_on() {
	s=/sys/kernel/debug/debug_objects/stats
	grep -E '^(warnings|max_checked|objs_allocated)' $s | tr -s ' \n' ' '
	! dmesg | grep -q "ODEBUG disabled" && grep -Eq '^warnings *:0$' $s
}

# modalias_boot DEVICE_PATH: the driver is a module (the kernel's
# modules.alias lists it), not loaded at boot, and modprobe of the
# device's modalias, as udev runs it for a device without a driver,
# loads it and binds the device.
modalias_boot() {
	MODALIAS_OF=$1
	check "modalias: the kernel's vmgenid is a module, not loaded at boot" \
		sh -c "grep -q vmgenid /lib/modules/$(uname -r)/modules.alias && [ ! -e /sys/module/vmgenid ]"
	check "modalias: modprobe '$(cat "$1/modalias")' loads vmgenid and binds ${1##*/}" \
		sh -c "modprobe '$(cat "$1/modalias")' && [ -e /sys/module/vmgenid/refcnt ] && [ -e $DRV/${1##*/} ]"
}

# report_loop LABEL NAME: one verdict, LABEL, for loop NAME.
report_loop() {
	if out=$(ran "$2"); then
		ok "$1: $out"
	else
		notok "$1: $out"
	fi
}
