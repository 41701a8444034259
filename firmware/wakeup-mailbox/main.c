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

struct fw_options opts = { .mailbox_e820 = E820_ABSENT };
u64 mailbox_addr = MAILBOX_DEFAULT;

/* the page the APs poll; set before they start */
static volatile struct acpi_mp_wake_mailbox *mailbox;

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

/*
 * The host bridge's PAM0 register. PAM0 bits 4-5 map 0xf0000-0xfffff;
 * PAM1-6 map 0xc0000-0xeffff in 16 KiB segments, two per register (low
 * nibble first). Modes: 0 PCI (off), 1 read-only DRAM, 3 read/write DRAM.
 */
static u32 pam_base(u32 *idp)
{
	u32 id = pci_cfg_read32(0);

	if (idp)
		*idp = id;
	if (id == 0x12378086)		/* i440FX */
		return 0x59;
	if (id == 0x29c08086)		/* Q35 (MCH) */
		return 0x90;
	fw_error("unknown host bridge %04x:%04x, cannot program its PAM registers\n",
		 id & 0xffff, id >> 16);
}

/* the PAM mode of the 16 KiB segment of 0xc0000-0xeffff that holds @a */
static void pam_set_segment(u32 a, u8 mode)
{
	u32 seg = (a - 0xc0000) >> 14;
	u32 reg = pam_base(NULL) + 1 + seg / 2, shift = seg & 1 ? 4 : 0;
	u8 v = (pci_cfg_read8(reg) & ~(0xf << shift)) | (mode << shift);

	pci_cfg_write8(reg, v);
	if (pci_cfg_read8(reg) != v)
		fw_error("PAM register 0x%x did not take 0x%x\n", reg, v);
}

/* make 0xe0000-0xfffff read/write DRAM through the host bridge PAM registers */
static void pam_unlock(void)
{
	u32 id;
	u32 pam = pam_base(&id);

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

/* report every "_MP_" and "RSD PTR " signature; overwrite it unless @keep */
static void scrub_range(const char *what, u32 start, u32 len, int keep)
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
			scrubbed++;
			if (keep) {
				fw_printf("fw: bios tables: %s at 0x%05x (%s) kept\n",
					  sigs[i].name, a, what);
				continue;
			}
			for (k = 0; k < sigs[i].len; k++)
				p[k] = 'x';
			if (p[0] != 'x')
				fw_error("could not overwrite %s at 0x%x\n", sigs[i].name, a);
			fw_printf("fw: scrub: %s at 0x%05x (%s) overwritten\n",
				  sigs[i].name, a, what);
		}
	}
}

/* where Linux looks for the MP floating pointer and the ACPI RSDP */
static void scrub_bios_tables(int keep)
{
	u32 ebda = (u32)*(volatile u16 *)0x40e << 4;
	u32 basemem = (u32)*(volatile u16 *)0x413 << 10;

	if (!keep)
		pam_unlock();
	scrub_range("first KiB", 0, 0x400, keep);
	if (ebda >= 0x80000 && ebda < 0xa0000)
		scrub_range("EBDA", ebda, 0x400, keep);
	if (basemem >= 0x80000 && basemem <= 0xa0000 && basemem - 0x400 != ebda)
		scrub_range("top of base memory", basemem - 0x400, 0x400, keep);
	scrub_range("bios area", 0xe0000, 0x20000, keep);
	if (keep)
		fw_printf("fw: bios tables: %u signature(s) kept (keep-bios-tables, ebda at 0x%x)\n",
			  scrubbed, ebda);
	else
		fw_printf("fw: scrub: %u signature(s) overwritten (ebda at 0x%x)\n", scrubbed, ebda);
}

/* ---- self test: wake every AP through the mailbox ---- */

/* wait up to @ms for the mailbox's command to be acknowledged (0) */
static int wait_ack_ms(u32 ms)
{
	for (u32 i = 0; i < ms * 10; i++) {
		if (mailbox->command == MBOX_CMD_NOOP)
			return 0;
		udelay(100);
	}
	return -1;
}

static void __attribute__((noreturn)) selftest_end(u32 fails, u32 woke, u32 naps, const char *what)
{
	if (fails) {
		fw_printf("fw: selftest FAILED (%u problem(s), %u of %u aps woke)\n",
			  fails, woke, naps);
		outb(DEBUG_EXIT_PORT, DEBUG_EXIT_SELFTEST_BAD);
	} else {
		fw_printf("fw: selftest ok (%u aps woke%s)\n", woke, what);
		outb(DEBUG_EXIT_PORT, DEBUG_EXIT_SELFTEST_OK);
	}
	fw_halt();
}

/* mailbox-dead: every write is lost, nobody acknowledges */
static void __attribute__((noreturn)) selftest_dead(u32 ncpus)
{
	u32 fails = 0;
	u16 before = mailbox->command;

	fw_printf("fw: selftest: mailbox-dead: a wake for apic 1 at 0x%llx must go unanswered\n",
		  mailbox_addr);
	mailbox->apic_id = 1;
	mailbox->wakeup_vector = (u64)(uintptr_t)selftest_vector;
	barrier();
	mailbox->command = MBOX_CMD_WAKEUP;
	udelay(200000);
	if (mailbox->command != before || mailbox->apic_id == 1) {
		fw_printf("fw: selftest: the dead mailbox kept a write (command 0x%x)\n",
			  mailbox->command);
		fails++;
	}
	if (READ_ONCE(mbox_served) || READ_ONCE(selftest_hits)) {
		fw_printf("fw: selftest: %u wakes served on a dead mailbox\n",
			  READ_ONCE(mbox_served));
		fails++;
	}
	selftest_end(fails, READ_ONCE(selftest_hits), ncpus - 1,
		     ", mailbox-dead: nothing answers");
}

static void __attribute__((noreturn)) selftest(u32 ncpus, u32 bsp_id)
{
	u32 naps = READ_ONCE(ap_parked), fails = 0, unused = 0;

	if (opts.mailbox_dead)
		selftest_dead(ncpus);
	if (opts.mailbox_dirty) {
		/* the parked APs must leave a pending command alone */
		udelay(10000);
		if (mailbox->command != opts.dirty_command) {
			fw_printf("fw: selftest: mailbox-dirty command 0x%x became 0x%x\n",
				  opts.dirty_command, mailbox->command);
			fails++;
		} else {
			fw_printf("fw: selftest: mailbox-dirty command 0x%x left alone by the aps\n",
				  opts.dirty_command);
		}
	}
	fw_printf("fw: selftest: waking %u aps through the mailbox\n", naps);
	for (u32 slot = 0; slot < naps; slot++) {
		u32 id = ap_apic_ids[slot];

		mailbox->apic_id = id;
		mailbox->wakeup_vector = (u64)(uintptr_t)selftest_vector;
		barrier();
		mailbox->command = MBOX_CMD_WAKEUP;
		if (wait_ack_ms(2000)) {
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

	selftest_end(fails, READ_ONCE(selftest_hits), ncpus - 1, "");
}

/* ---------------------------------------------------------------- */
/* command line                                                     */
/* ---------------------------------------------------------------- */

static const struct { const char *name; u32 type; } e820_values[] = {
	{ "absent", E820_ABSENT },		/* OpenHCL since August 2025 */
	{ "reserved", E820_RESERVED },		/* OpenHCL, June-August 2025 */
	{ "ram", E820_RAM },
	{ "soft-reserved", E820_SOFT_RESERVED },
	{ "pmem", E820_PMEM },
};

/*
 * Space-separated words. QEMU's multiboot loader passes "IMAGE ARGS", so
 * the first word (the image's path) is skipped. Unknown words stop the
 * firmware: a misspelt option must not silently test something else.
 */
static void parse_options(const char *cmdline)
{
	const char *s = cmdline;
	char word[128];
	int first = 1;

	for (;;) {
		const char *w, *eq, *val;
		size_t len, klen, vlen;
		u64 v;

		while (*s == ' ')
			s++;
		if (!*s)
			break;
		for (w = s; *s && *s != ' '; s++)
			;
		len = s - w;
		if (first) {
			first = 0;
			continue;
		}
		if (len >= sizeof(word))
			len = sizeof(word) - 1;
		memcpy(word, w, len);
		word[len] = 0;
		eq = memchr(word, '=', len);
		klen = eq ? (size_t)(eq - word) : len;
		val = eq ? eq + 1 : NULL;
		vlen = eq ? len - klen - 1 : 0;
#define KEY(k) (klen == sizeof(k) - 1 && !memcmp(word, k, klen))
		if (KEY("selftest") && !val) {
			opts.selftest = 1;
		} else if (KEY("dry-run") && !val) {
			opts.dry_run = 1;
		} else if (KEY("keep-bios-tables") && !val) {
			opts.keep_bios_tables = 1;
		} else if (KEY("no-low-ram") && !val) {
			opts.no_low_ram = 1;
		} else if (KEY("mailbox-dead") && !val) {
			opts.mailbox_dead = 1;
		} else if (KEY("mailbox-dirty")) {
			opts.mailbox_dirty = 1;
			opts.dirty_command = MBOX_CMD_TEST;
			if (val) {
				if (parse_u64(val, vlen, &v) || v == 0 || v > 0xffff)
					fw_error("mailbox-dirty=%s: want a command 1..0xffff\n", val);
				opts.dirty_command = (u16)v;
			}
		} else if (KEY("mailbox") && val) {
			if (parse_u64(val, vlen, &v))
				fw_error("mailbox=%s: not a number\n", val);
			opts.mailbox_set = 1;
			opts.mailbox = v;
		} else if (KEY("mailbox-e820") && val) {
			u32 i, n = sizeof(e820_values) / sizeof(e820_values[0]);

			for (i = 0; i < n; i++)
				if (vlen == strlen(e820_values[i].name) &&
				    !memcmp(val, e820_values[i].name, vlen))
					break;
			if (i == n)
				fw_error("mailbox-e820=%s: unknown; want absent, reserved, ram,"
					 " soft-reserved or pmem\n", val);
			opts.mailbox_e820 = e820_values[i].type;
		} else {
			fw_error("unknown firmware option \"%s\" (see firmware/wakeup-mailbox/README.md)\n",
				 word);
		}
#undef KEY
	}
	if (opts.mailbox_dead && opts.mailbox_dirty)
		fw_error("mailbox-dead and mailbox-dirty: a dead mailbox keeps no command\n");
	if (opts.selftest && opts.dry_run)
		fw_error("selftest and dry-run: pick one\n");
}

/* ---------------------------------------------------------------- */
/* which mailbox                                                    */
/* ---------------------------------------------------------------- */

static int overlap(u64 s, u64 e, u64 a, u64 b)
{
	return s < b && a < e;
}

/*
 * The mailbox is a 4 KiB page of RAM below 4 GiB (the firmware's identity
 * map ends there) that the firmware does not use itself; with
 * mailbox-dead it must instead be a page where nothing answers.
 */
static void check_mailbox(u64 a, const char *from)
{
	static const char *const mod_names[] = { "bzImage", "initramfs", "dtb" };
	u64 fw_start = (uintptr_t)__fw_start, fw_end = ((uintptr_t)__fw_end + 0xfff) & ~0xfffULL;
	const struct mb_module *m;

	if (a & 0xfff)
		fw_error("mailbox 0x%llx (%s) is not 4 KiB aligned; to boot such a tree, name"
			 " the firmware's mailbox with mailbox=ADDR\n", a, from);
	if (a >= SZ_4G)
		fw_error("mailbox 0x%llx (%s) is not below 4 GiB, the end of the firmware's"
			 " identity map; to boot such a tree, name the firmware's mailbox with"
			 " mailbox=ADDR\n", a, from);
	if (opts.mailbox_dead) {
		volatile u64 *p = (volatile u64 *)(uintptr_t)a;
		u64 first;

		if (mb_is_ram(a, a + SZ_4K, 0))
			fw_error("mailbox-dead: mailbox 0x%llx (%s) is RAM\n", a, from);
		if (a >= 0xc0000 && a < 0xe0000) {
			/*
			 * QEMU reads unassigned memory as 0; a bus where nothing
			 * answers reads all ones. Make such a page: 0xff in
			 * shadow RAM that the PAM then makes read-only.
			 */
			pam_set_segment(a, 3);
			memset((void *)p, 0xff, SZ_4K);
			pam_set_segment(a, 1);
			fw_printf("fw: mailbox-dead: 0x%llx filled with 0xff, PAM segment 0x%llx-0x%llx"
				  " made read-only\n", a, a & ~0x3fffULL, (a | 0x3fff));
		}
		first = p[0];
		if (first != 0 && first != ~0ULL)
			fw_error("mailbox-dead: mailbox 0x%llx (%s) reads 0x%llx: something is"
				 " there\n", a, from, first);
		for (u32 i = 0; i < SZ_4K / 8; i++)
			if (p[i] != first)
				fw_error("mailbox-dead: mailbox 0x%llx (%s) reads 0x%llx at offset"
					 " 0x%x: something is there\n", a, from, p[i], i * 8);
		/* the firmware's half of the mailbox: a write must not stick */
		p[SZ_4K / 16] = 0x5a5a5a5aa5a5a5a5ULL;
		if (p[SZ_4K / 16] != first)
			fw_error("mailbox-dead: mailbox 0x%llx (%s) keeps what is written to it\n",
				 a, from);
		return;
	}
	if (!mb_is_ram(a, a + SZ_4K, 1))
		fw_error("mailbox 0x%llx (%s) is not usable RAM in QEMU's memory map (see"
			 " -m and max-ram-below-4g)\n", a, from);
	if (a == 0)
		fw_error("mailbox 0x0 (%s) holds the real-mode IVT and BIOS data area,"
			 " which the firmware reads\n", from);
	if (a == TRAMPOLINE_BASE)
		fw_error("mailbox 0x%llx (%s) is the firmware's AP trampoline page\n", a, from);
	if (overlap(a, a + SZ_4K, fw_start, fw_end))
		fw_error("mailbox 0x%llx (%s) lies in the firmware image 0x%llx-0x%llx\n",
			 a, from, fw_start, fw_end);
	for (u32 i = 0; (m = mb_module(i)); i++)
		if (overlap(a, a + SZ_4K, m->start & ~0xfffULL, m->end))
			fw_error("mailbox 0x%llx (%s) lies in multiboot module %u (%s) 0x%x-0x%x\n",
				 a, from, i, i < 3 ? mod_names[i] : "unused", m->start, m->end);
	if (opts.no_low_ram && opts.mailbox_e820 == E820_RAM && a < SZ_1M)
		fw_error("no-low-ram and mailbox-e820=ram: mailbox 0x%llx would be usable RAM"
			 " below 1 MiB\n", a);
}

static void choose_mailbox(void)
{
	static char from[256] = "dtb ";		/* "dtb /reserved-memory/..." */
	const char *src;
	const void *fdt = dtb_module();
	u64 a;

	if (opts.mailbox_set) {
		mailbox_addr = opts.mailbox;
		src = "mailbox= option";
		if (fdt && dtb_mailbox(fdt, &a, from + 4, sizeof(from) - 4, 0))
			fw_printf("fw: dtb names a mailbox at 0x%llx (%s); mailbox= overrides it\n",
				  a, from + 4);
	} else if (fdt && dtb_mailbox(fdt, &a, from + 4, sizeof(from) - 4, 1)) {
		mailbox_addr = a;
		src = from;
	} else {
		mailbox_addr = MAILBOX_DEFAULT;
		src = fdt ? "default: the dtb names none" : "default: no dtb";
	}
	check_mailbox(mailbox_addr, src);
	mailbox = (volatile struct acpi_mp_wake_mailbox *)(uintptr_t)mailbox_addr;
	if (!opts.mailbox_dead) {
		memset((void *)mailbox, 0, sizeof(*mailbox));
		if (opts.mailbox_dirty)
			mailbox->command = opts.dirty_command;
	}
	fw_printf("fw: mailbox at 0x%08llx (%s)%s\n", mailbox_addr, src, !opts.mailbox_dead ? "" :
		  mailbox->command ? "; mailbox-dead: reads as all ones, keeps no write" :
		  "; mailbox-dead: reads as zeros, keeps no write");
	if (opts.mailbox_dirty)
		fw_printf("fw: mailbox-dirty: command 0x%x pending before any wake\n",
			  mailbox->command);
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
	parse_options(cmdline);
	stack_guard_init();		/* before the first libfdt call */

	choose_mailbox();

	ncpus = fw_cfg_ncpus();
	bsp_id = cpu_apic_id();
	start_aps(ncpus);
	parked = READ_ONCE(ap_parked);
	fw_printf("fw: %u cpus, %u aps parked (bsp apic %u)\n", ncpus, parked, bsp_id);
	if (parked != ncpus - 1)
		fw_printf("fw: warning: %u ap(s) did not park\n", ncpus - 1 - parked);

	scrub_bios_tables(opts.keep_bios_tables);
	e820_build();

	if (opts.selftest)
		selftest(ncpus, bsp_id);

	boot_linux();
}
