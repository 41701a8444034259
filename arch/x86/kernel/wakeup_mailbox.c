// SPDX-License-Identifier: GPL-2.0
/*
 * Secondary CPU bring-up through the Multiprocessor Wakeup mailbox (ACPI 6.4,
 * section 5.2.12.19).
 *
 * Firmware that cannot use INIT/SIPI, such as the firmware of TDX guests,
 * keeps every application processor in a loop that polls a 4 KiB mailbox.
 * The kernel wakes one processor by writing its APIC ID and the address to
 * jump to, then the wakeup command; the processor acknowledges by clearing
 * the command. This is the implementation of that protocol; the firmware
 * description (the ACPI MADT) only says where the mailbox is.
 */

#define pr_fmt(fmt) "wakeup mailbox: " fmt

#include <linux/cc_platform.h>
#include <linux/cpu.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/stddef.h>
#include <linux/printk.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <linux/processor.h>
#include <linux/sizes.h>
#include <linux/types.h>
#include <asm/apic.h>
#include <asm/barrier.h>
#include <asm/wakeup_mailbox.h>

#define WAKEUP_MAILBOX_CMD_WAKEUP	1
/* Written to the OS part of the mailbox to see that it reads back */
#define WAKEUP_MAILBOX_PATTERN		0x5a5aa5a5c3c33c3cULL

struct wakeup_mailbox {
	u16 command;
	u16 reserved;
	u32 apic_id;
	u64 wakeup_vector;
	u8 reserved_os[2032];
	u8 reserved_firmware[2048];
};

static_assert(sizeof(struct wakeup_mailbox) == SZ_4K);

/* Physical address of the mailbox */
static u64 wakeup_mailbox_paddr;
/* Virtual address of the mailbox */
static struct wakeup_mailbox *wakeup_mailbox;
/* Set when a woken CPU cannot go back to the firmware's loop */
static bool wakeup_mailbox_one_way __ro_after_init;
/* Set once a CPU has left the firmware's loop through a one-way mailbox */
static bool wakeup_mailbox_cpu_left;
/* The CPUs that did so: the firmware cannot wake them a second time */
static DEFINE_PER_CPU(bool, wakeup_mailbox_woken);

static int wakeup_mailbox_cpu_of(int apicid)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		if (per_cpu(x86_cpu_to_apicid, cpu) == apicid)
			return cpu;
	}
	return -1;
}

/*
 * In a confidential guest the mailbox is private memory, shared with the
 * firmware but not with the host: map it private whether or not it is RAM.
 * memremap() of memory that is not RAM would go through ioremap(), which
 * maps it shared.
 */
static struct wakeup_mailbox *wakeup_mailbox_map(u64 paddr)
{
	if (cc_platform_has(CC_ATTR_GUEST_MEM_ENCRYPT) &&
	    region_intersects(paddr, SZ_4K, IORESOURCE_SYSTEM_RAM,
			      IORES_DESC_NONE) != REGION_INTERSECTS)
		return (__force struct wakeup_mailbox *)ioremap_encrypted(paddr, SZ_4K);

	return memremap(paddr, SZ_4K, MEMREMAP_WB);
}

static int wakeup_mailbox_wake_cpu(int apicid, unsigned long start_ip)
{
	unsigned long start = jiffies;
	int cpu = -1;

	/*
	 * A CPU that left the firmware's loop runs the kernel's code, even
	 * offline (the hotplug core rolls back a CPU that did not come up
	 * completely, an SMT sibling with "nosmt" for one): no firmware would
	 * answer a second wakeup, and the wait below would never end.
	 */
	if (wakeup_mailbox_one_way) {
		cpu = wakeup_mailbox_cpu_of(apicid);
		if (cpu >= 0 && per_cpu(wakeup_mailbox_woken, cpu)) {
			pr_err("not waking the CPU with APIC ID %#x again: it left the firmware's loop when it was first woken\n",
			       apicid);
			return -EBUSY;
		}
	}

	/*
	 * Remap mailbox memory only for the first call: the mailbox is found
	 * before memremap() works.
	 *
	 * Wakeup of secondary CPUs is fully serialized in the core code.
	 * No need to protect wakeup_mailbox from concurrent accesses.
	 */
	if (!wakeup_mailbox) {
		wakeup_mailbox = wakeup_mailbox_map(wakeup_mailbox_paddr);
		if (!wakeup_mailbox) {
			pr_err("cannot map the wakeup mailbox at %#llx\n",
			       wakeup_mailbox_paddr);
			return -ENOMEM;
		}
	}

	/*
	 * Mailbox memory is shared between the firmware and OS. Firmware will
	 * listen on mailbox command address, and once it receives the wakeup
	 * command, the CPU associated with the given apicid will be booted.
	 *
	 * The value of 'apic_id' and 'wakeup_vector' must be visible to the
	 * firmware before the wakeup command is visible.
	 */
	wakeup_mailbox->apic_id = apicid;
	wakeup_mailbox->wakeup_vector = start_ip;
	/* Orders the writes above before the command, and makes it visible. */
	smp_store_release(&wakeup_mailbox->command, WAKEUP_MAILBOX_CMD_WAKEUP);

	/*
	 * Wait for the CPU to wake up.
	 *
	 * The CPU being woken up is essentially in a spin loop waiting to be
	 * woken up. It should not take long for it wake up and acknowledge by
	 * zeroing out ->command.
	 *
	 * ACPI specification doesn't provide any guidance on how long kernel
	 * has to wait for a wake up acknowledgment. It also doesn't provide
	 * a way to cancel a wake up request if it takes too long.
	 *
	 * In TDX environment, the VMM has control over how long it takes to
	 * wake up secondary. It can postpone scheduling secondary vCPU
	 * indefinitely. Giving up on wake up request and reporting error opens
	 * possible attack vector for VMM: it can wake up a secondary CPU when
	 * kernel doesn't expect it. Wait until positive result of the wake up
	 * request, and only say, once, that it is taking long.
	 */
	while (READ_ONCE(wakeup_mailbox->command)) {
		if (time_after(jiffies, start + 10 * HZ))
			pr_warn_once("CPU with APIC ID %#x has not acknowledged its wakeup for 10 s; still waiting\n",
				     apicid);
		cpu_relax();
	}

	if (wakeup_mailbox_one_way) {
		if (cpu >= 0)
			per_cpu(wakeup_mailbox_woken, cpu) = true;
		WRITE_ONCE(wakeup_mailbox_cpu_left, true);
	}
	return 0;
}

/**
 * wakeup_mailbox_init() - wake secondary CPUs through a wakeup mailbox
 * @phys_addr: physical address of the 4 KiB mailbox
 *
 * Make the mailbox at @phys_addr the way every APIC driver wakes secondary
 * CPUs in 64-bit mode.
 */
void __init wakeup_mailbox_init(u64 phys_addr)
{
	wakeup_mailbox_paddr = phys_addr;
	acpi_wake_cpu_handler_update(wakeup_mailbox_wake_cpu);
}

/* Does what the OS writes to its part of the mailbox read back? */
static bool __init wakeup_mailbox_keeps_writes(struct wakeup_mailbox *mailbox)
{
	u64 *word = (u64 *)mailbox->reserved_os;
	u64 saved = READ_ONCE(*word);
	bool kept;

	WRITE_ONCE(*word, WAKEUP_MAILBOX_PATTERN);
	kept = READ_ONCE(*word) == WAKEUP_MAILBOX_PATTERN;
	WRITE_ONCE(*word, ~WAKEUP_MAILBOX_PATTERN);
	kept = kept && READ_ONCE(*word) == ~WAKEUP_MAILBOX_PATTERN;
	WRITE_ONCE(*word, saved);

	return kept;
}

/**
 * wakeup_mailbox_sanity_check() - can the memory at @phys_addr be a mailbox?
 * @phys_addr: physical address of the 4 KiB mailbox
 * @command: where to store a pending command
 *
 * A sanity check, not a liveness test: it finds an address where nothing
 * answers (reads of all ones, or writes that do not stick, in the part of
 * the mailbox that the OS may write) and a mailbox that already holds a
 * command before the first wakeup. It cannot tell whether firmware polls
 * the mailbox: any memory passes, a page that an earlier kernel used
 * (after kexec) included, and a write-back mapping may answer from the
 * cache.
 *
 * Return: 0 if the check passes, -ENXIO if the header reads back as all
 * ones, -EIO if the mailbox does not keep what is written to it, -EBUSY if
 * a command is pending (stored in @command), -ENOMEM if it cannot be mapped.
 */
int __init wakeup_mailbox_sanity_check(u64 phys_addr, u16 *command)
{
	struct wakeup_mailbox *mailbox;
	int ret = 0;

	mailbox = early_memremap(phys_addr, sizeof(*mailbox));
	if (!mailbox)
		return -ENOMEM;

	*command = READ_ONCE(mailbox->command);
	if (!memchr_inv(mailbox, 0xff, offsetof(struct wakeup_mailbox, reserved_os)))
		ret = -ENXIO;
	else if (!wakeup_mailbox_keeps_writes(mailbox))
		ret = -EIO;
	else if (*command)
		ret = -EBUSY;

	early_memunmap(mailbox, sizeof(*mailbox));
	return ret;
}

static int wakeup_mailbox_refused(int apicid, unsigned long start_ip)
{
	pr_err_once("not starting the CPU with APIC ID %#x, nor any other: the wakeup mailbox was refused\n",
		    apicid);
	return -ENODEV;
}

/**
 * wakeup_mailbox_refuse() - never start a secondary CPU
 *
 * The firmware asked for a mailbox that cannot be used. INIT/SIPI may not
 * work either (it does not in a TDX guest), so make every wakeup fail,
 * without sending anything, for as long as the kernel runs: limiting the
 * boot to one CPU does not stop a CPU from being brought online later.
 */
void __init wakeup_mailbox_refuse(void)
{
	acpi_wake_cpu_handler_update(wakeup_mailbox_refused);
}

/**
 * wakeup_mailbox_set_no_return() - woken CPUs cannot go back to the firmware
 *
 * A CPU woken through the mailbox never returns to the firmware's loop: if
 * it went offline, nothing could wake it again, and a kernel started by
 * kexec that woke it through the mailbox would wait forever. Call this when
 * nothing else can bring such a CPU back: offlining CPUs is refused from
 * now on, and wakeup_mailbox_no_return() says when a CPU has left.
 */
void __init wakeup_mailbox_set_no_return(void)
{
	wakeup_mailbox_one_way = true;
	cpu_hotplug_disable_offlining();
}

/**
 * wakeup_mailbox_no_return() - has a CPU left the firmware for good?
 *
 * Return: true once a CPU was woken through a mailbox for which
 * wakeup_mailbox_set_no_return() was called.
 */
bool wakeup_mailbox_no_return(void)
{
	return READ_ONCE(wakeup_mailbox_cpu_left);
}
