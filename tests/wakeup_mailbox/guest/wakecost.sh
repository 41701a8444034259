# Bench only (tests/wakeup_mailbox/bench.py, the kernel built with
# configs/x86_64-trace.config): the kernel's own cost of waking one AP.
# Booted with maxcpus=1, the APs stay parked in the firmware; each is
# brought online in turn with the function graph tracer timing the two
# wake calls, the device tree mailbox's and INIT/SIPI's. Every trace line
# goes to the host ("trace LINE"), which reads the durations. (Boot-time
# tracing cannot do this: the function graph tracer registers in a
# core_initcall, after smp_init() has brought the APs up.)
T=/sys/kernel/tracing
mount -t tracefs tracefs $T 2>/dev/null
check "tracefs is mounted" [ -w $T/set_ftrace_filter ]
echo 0 >$T/tracing_on
for f in wakeup_mailbox_wake_cpu wakeup_secondary_cpu_via_init; do
	check "$f can be traced" sh -c "echo $f >>$T/set_ftrace_filter"
done
check "the function graph tracer starts" sh -c "echo function_graph >$T/current_tracer"
echo 1 >$T/tracing_on
c=1
while [ $c -lt "$ncpus" ]; do
	echo 1 >/sys/devices/system/cpu/cpu$c/online
	c=$((c + 1))
done
echo 0 >$T/tracing_on
check "all $ncpus CPUs came online ($(cat /sys/devices/system/cpu/online))" \
	[ "$(grep -c '^processor' /proc/cpuinfo)" -eq "$ncpus" ]
grep -v '^#' $T/trace | while read -r line; do
	say "trace $line"
done
