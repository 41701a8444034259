// SPDX-License-Identifier: GPL-2.0
/*
 * BSP main line and AP mailbox loop of the wakeup-mailbox test firmware.
 */
#include "fw.h"

#define MB_BOOT_MAGIC		0x2BADB002
#define LAPIC_BASE		0xfee00000UL
#define LAPIC_SVR		0x0f0
#define LAPIC_ICR_LO		0x300
#define LAPIC_ICR_HI		0x310
#define ICR_BUSY		(1u << 12)
#define ICR_INIT_ALL_BUT_SELF	0x000c4500u	/* INIT, level assert, all excl. self */
#define ICR_SIPI_ALL_BUT_SELF	0x000c4600u	/* STARTUP, all excl. self */
#define MSR_APIC_BASE		0x1b

#define FW_CFG_PORT_SEL		0x510
#define FW_CFG_PORT_DATA	0x511
#define FW_CFG_SIGNATURE	0x00
#define FW_CFG_NB_CPUS		0x05

static volatile struct acpi_mp_wake_mailbox *const mailbox =
	(volatile struct acpi_mp_wake_mailbox *)MAILBOX_BASE;

static u32 ap_apic_ids[MAX_CPUS];	/* indexed by AP slot */
static u32 ap_parked;			/* APs that reached the mailbox loop */
static u32 mbox_served;			/* wake commands served */

/* ---------------------------------------------------------------- */
/* AP side                                                          */
/* ---------------------------------------------------------------- */

static void __attribute__((noreturn)) mailbox_loop(u32 apic_id)
{
	for (;;) {
		if (mailbox->command == MBOX_CMD_WAKEUP &&
		    mailbox->apic_id == apic_id) {
			u64 vector = mailbox->wakeup_vector;
			u32 n = __atomic_add_fetch(&mbox_served, 1, __ATOMIC_SEQ_CST);

			fw_printf("mailbox: woke apic %u (served %u)\n", apic_id, n);
			barrier();
			mailbox->command = MBOX_CMD_NOOP;	/* acknowledge */
			__asm__ volatile("cli\n\tjmp *%0" :: "r"(vector) : "memory");
			__builtin_unreachable();
		}
		cpu_relax();
	}
}

void __attribute__((noreturn)) ap_main(u32 slot)
{
	u32 id = cpu_apic_id();

	ap_apic_ids[slot] = id;
	__atomic_add_fetch(&ap_parked, 1, __ATOMIC_SEQ_CST);
	mailbox_loop(id);
}

/* ---------------------------------------------------------------- */
/* BSP side                                                         */
/* ---------------------------------------------------------------- */

static inline u32 lapic_read(u32 reg)
{
	return *(volatile u32 *)(LAPIC_BASE + reg);
}

static inline void lapic_write(u32 reg, u32 v)
{
	*(volatile u32 *)(LAPIC_BASE + reg) = v;
}

static u64 rdmsr(u32 msr)
{
	u32 lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((u64)hi << 32) | lo;
}

static int lapic_send(u32 icr)
{
	int i;

	lapic_write(LAPIC_ICR_HI, 0);
	lapic_write(LAPIC_ICR_LO, icr);
	for (i = 0; i < 1000; i++) {
		if (!(lapic_read(LAPIC_ICR_LO) & ICR_BUSY))
			return 0;
		udelay(10);
	}
	return -1;
}

static u32 fw_cfg_ncpus(void)
{
	char sig[4];
	int i;
	u32 n;

	outw(FW_CFG_PORT_SEL, FW_CFG_SIGNATURE);
	for (i = 0; i < 4; i++)
		sig[i] = inb(FW_CFG_PORT_DATA);
	if (memcmp(sig, "QEMU", 4))
		fw_error("no QEMU fw_cfg interface at port 0x510\n");
	outw(FW_CFG_PORT_SEL, FW_CFG_NB_CPUS);
	n = inb(FW_CFG_PORT_DATA);
	n |= (u32)inb(FW_CFG_PORT_DATA) << 8;
	if (n == 0 || n > MAX_CPUS)
		fw_error("fw_cfg reports %u cpus (supported: 1..%u)\n", n, MAX_CPUS);
	return n;
}

static void start_aps(u32 ncpus)
{
	size_t tsize = ap_tramp_end - ap_tramp_start;
	u64 apic_base = rdmsr(MSR_APIC_BASE);
	u32 naps = ncpus - 1, ms;

	if (!naps)
		return;
	if (tsize > 4096)
		fw_error("AP trampoline too large (%u bytes)\n", (u32)tsize);
	if (!(apic_base & (1 << 11)) || (apic_base & (1 << 10)) ||
	    (apic_base & ~0xfffULL) != LAPIC_BASE)
		fw_error("local APIC not in xAPIC mode at 0x%x (APIC_BASE=0x%llx)\n",
			 (u32)LAPIC_BASE, apic_base);

	memcpy((void *)TRAMPOLINE_BASE, ap_tramp_start, tsize);
	lapic_write(LAPIC_SVR, lapic_read(LAPIC_SVR) | 0x100);

	if (lapic_send(ICR_INIT_ALL_BUT_SELF))
		fw_error("INIT IPI not delivered\n");
	udelay(10000);
	for (int i = 0; i < 2; i++) {
		if (lapic_send(ICR_SIPI_ALL_BUT_SELF | (TRAMPOLINE_BASE >> 12)))
			fw_error("STARTUP IPI not delivered\n");
		udelay(200);
	}

	/* bounded wait for all APs to check in */
	for (ms = 0; ms < 5000; ms++) {
		if (READ_ONCE(ap_parked) >= naps)
			break;
		udelay(1000);
	}
	if (READ_ONCE(ap_parked) != naps)
		fw_printf("fw: warning: %u of %u aps checked in after %u ms\n",
			  READ_ONCE(ap_parked), naps, ms);
	if (READ_ONCE(ap_overflow))
		fw_printf("fw: warning: %u extra aps found no slot\n",
			  READ_ONCE(ap_overflow));
}

/* ---- hide SeaBIOS's MP and ACPI tables ---- */

static u32 pci_cfg_read32(u32 reg)
{
	outl(0xcf8, 0x80000000u | (reg & 0xfc));
	return inl(0xcfc);
}

static u8 pci_cfg_read8(u32 reg)
{
	outl(0xcf8, 0x80000000u | (reg & 0xfc));
	return inb(0xcfc + (reg & 3));
}

static void pci_cfg_write8(u32 reg, u8 v)
{
	outl(0xcf8, 0x80000000u | (reg & 0xfc));
	outb(0xcfc + (reg & 3), v);
}

/* make 0xe0000-0xfffff read/write DRAM through the host bridge PAM registers */
static void pam_unlock(void)
{
	u32 id = pci_cfg_read32(0);
	u32 pam;

	if (id == 0x12378086)		/* i440FX */
		pam = 0x59;
	else if (id == 0x29c08086)	/* Q35 (MCH) */
		pam = 0x90;
	else
		fw_error("unknown host bridge %04x:%04x, cannot unlock 0xe0000-0xfffff\n",
			 id & 0xffff, id >> 16);

	pci_cfg_write8(pam, pci_cfg_read8(pam) | 0x30);	/* 0xf0000-0xfffff */
	pci_cfg_write8(pam + 5, 0x33);			/* 0xe0000-0xe7fff */
	pci_cfg_write8(pam + 6, 0x33);			/* 0xe8000-0xeffff */
	if ((pci_cfg_read8(pam) & 0x30) != 0x30 || pci_cfg_read8(pam + 5) != 0x33 ||
	    pci_cfg_read8(pam + 6) != 0x33)
		fw_error("PAM registers of host bridge %04x:%04x did not take\n",
			 id & 0xffff, id >> 16);
	fw_printf("fw: pam: 0xe0000-0xfffff is read/write ram (host bridge %04x:%04x)\n",
		  id & 0xffff, id >> 16);
}

static u32 scrubbed;

static void scrub_range(const char *what, u32 start, u32 len)
{
	static const struct { const char *sig; u32 len; const char *name; } sigs[] = {
		{ "_MP_", 4, "MP floating pointer \"_MP_\"" },
		{ "RSD PTR ", 8, "ACPI RSDP \"RSD PTR \"" },
	};

	for (u32 a = start & ~15u; a + 16 <= start + len; a += 16) {
		for (u32 i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
			volatile char *p = (volatile char *)(uintptr_t)a;
			u32 k;

			for (k = 0; k < sigs[i].len; k++)
				if (p[k] != sigs[i].sig[k])
					break;
			if (k != sigs[i].len)
				continue;
			for (k = 0; k < sigs[i].len; k++)
				p[k] = 'x';
			if (p[0] != 'x')
				fw_error("could not overwrite %s at 0x%x\n", sigs[i].name, a);
			fw_printf("fw: scrub: %s at 0x%05x (%s) overwritten\n",
				  sigs[i].name, a, what);
			scrubbed++;
		}
	}
}

static void scrub_bios_tables(void)
{
	u32 ebda = (u32)*(volatile u16 *)0x40e << 4;
	u32 basemem = (u32)*(volatile u16 *)0x413 << 10;

	pam_unlock();
	scrub_range("first KiB", 0, 0x400);
	if (ebda >= 0x80000 && ebda < 0xa0000)
		scrub_range("EBDA", ebda, 0x400);
	if (basemem >= 0x80000 && basemem <= 0xa0000 && basemem - 0x400 != ebda)
		scrub_range("top of base memory", basemem - 0x400, 0x400);
	scrub_range("bios area", 0xe0000, 0x20000);
	fw_printf("fw: scrub: %u signature(s) overwritten (ebda at 0x%x)\n", scrubbed, ebda);
}

/* ---- self test: wake every AP through the mailbox ---- */

static int wait_cond_ms(volatile u16 *cmd, u32 ms)
{
	for (u32 i = 0; i < ms * 10; i++) {
		if (*cmd == MBOX_CMD_NOOP)
			return 0;
		udelay(100);
	}
	return -1;
}

static void __attribute__((noreturn)) selftest(u32 ncpus, u32 bsp_id)
{
	u32 naps = READ_ONCE(ap_parked), fails = 0, unused = 0;

	fw_printf("fw: selftest: waking %u aps through the mailbox\n", naps);
	for (u32 slot = 0; slot < naps; slot++) {
		u32 id = ap_apic_ids[slot];

		mailbox->apic_id = id;
		mailbox->wakeup_vector = (u64)(uintptr_t)selftest_vector;
		barrier();
		mailbox->command = MBOX_CMD_WAKEUP;
		if (wait_cond_ms(&mailbox->command, 2000)) {
			fw_printf("fw: selftest: apic %u did not acknowledge\n", id);
			mailbox->command = MBOX_CMD_NOOP;
			fails++;
			continue;
		}
		/* the AP acknowledged; now it must reach the vector */
		for (u32 i = 0; i < 20000; i++) {
			if (id < 256 && (READ_ONCE(selftest_seen[id / 64]) >> (id % 64)) & 1)
				break;
			udelay(100);
		}
		if (id >= 256 || !((READ_ONCE(selftest_seen[id / 64]) >> (id % 64)) & 1)) {
			fw_printf("fw: selftest: apic %u acknowledged but did not run the vector\n", id);
			fails++;
		}
	}

	/* a wake for an APIC ID that nobody owns must stay unacknowledged */
	for (u32 slot = 0; slot < naps; slot++)
		if (ap_apic_ids[slot] >= unused)
			unused = ap_apic_ids[slot] + 1;
	if (bsp_id >= unused)
		unused = bsp_id + 1;
	mailbox->apic_id = unused;
	mailbox->wakeup_vector = (u64)(uintptr_t)selftest_vector;
	barrier();
	mailbox->command = MBOX_CMD_WAKEUP;
	udelay(50000);
	if (mailbox->command != MBOX_CMD_WAKEUP) {
		fw_printf("fw: selftest: a wake for unused apic %u was acknowledged\n", unused);
		fails++;
	}
	mailbox->command = MBOX_CMD_NOOP;

	udelay(10000);
	if (READ_ONCE(selftest_hits) != naps || READ_ONCE(mbox_served) != naps) {
		fw_printf("fw: selftest: %u vector hits, %u wakes served, expected %u\n",
			  READ_ONCE(selftest_hits), READ_ONCE(mbox_served), naps);
		fails++;
	}
	if (naps != ncpus - 1) {
		fw_printf("fw: selftest: only %u of %u aps were parked\n", naps, ncpus - 1);
		fails++;
	}

	if (fails) {
		fw_printf("fw: selftest FAILED (%u problem(s), %u of %u aps woke)\n",
			  fails, READ_ONCE(selftest_hits), ncpus - 1);
		outb(DEBUG_EXIT_PORT, DEBUG_EXIT_SELFTEST_BAD);
	} else {
		fw_printf("fw: selftest ok (%u aps woke)\n", READ_ONCE(selftest_hits));
		outb(DEBUG_EXIT_PORT, DEBUG_EXIT_SELFTEST_OK);
	}
	fw_halt();
}

/* ---------------------------------------------------------------- */

static int has_word(const char *str, const char *w)
{
	size_t n = strlen(w);

	for (const char *s = str; s && *s; s++)
		if ((s == str || s[-1] == ' ') && !memcmp(s, w, n) &&
		    (s[n] == 0 || s[n] == ' '))
			return 1;
	return 0;
}

void fw_main(u32 magic, u32 mb_info)
{
	const char *cmdline;
	u32 ncpus, bsp_id, parked;

	fw_printf("fw: wakeup-mailbox test firmware, image 0x%x-0x%x\n",
		  (u32)(uintptr_t)__fw_start, (u32)(uintptr_t)__fw_end);
	if (magic != MB_BOOT_MAGIC)
		fw_error("not started by a multiboot loader (eax=0x%x)\n", magic);
	/* QEMU puts the multiboot info in low memory: copy it before touching any */
	cmdline = mb_snapshot(mb_info);
	fw_printf("fw: cmdline: %s\n", cmdline);

	memset((void *)mailbox, 0, sizeof(*mailbox));
	fw_printf("fw: mailbox at 0x%08x\n", MAILBOX_BASE);

	ncpus = fw_cfg_ncpus();
	bsp_id = cpu_apic_id();
	start_aps(ncpus);
	parked = READ_ONCE(ap_parked);
	fw_printf("fw: %u cpus, %u aps parked (bsp apic %u)\n", ncpus, parked, bsp_id);
	if (parked != ncpus - 1)
		fw_printf("fw: warning: %u ap(s) did not park\n", ncpus - 1 - parked);

	scrub_bios_tables();

	if (has_word(cmdline, "selftest"))
		selftest(ncpus, bsp_id);

	boot_linux();
}
