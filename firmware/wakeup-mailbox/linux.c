// SPDX-License-Identifier: GPL-2.0
/*
 * Boot Linux on the BSP through the 64-bit boot protocol
 * (Documentation/x86/boot.rst): bzImage from multiboot module 0 (its
 * string after the file name is the command line), initramfs from
 * module 1, DTB from module 2 handed over as SETUP_DTB setup_data.
 */
#include "fw.h"

#define MB_INFO_MEMMAP		(1u << 6)
#define MB_INFO_MODS		(1u << 3)

#define E820_MAX		128	/* the zero page's e820_table */

#define XLF_KERNEL_64		(1u << 0)
#define LOADED_HIGH		(1u << 0)
#define SETUP_DTB		2
#define FDT_MAGIC		0xd00dfeed

struct mb_info {
	u32 flags, mem_lower, mem_upper, boot_device, cmdline;
	u32 mods_count, mods_addr;
	u32 syms[4];
	u32 mmap_length, mmap_addr;
} __attribute__((packed));

struct mb_mmap {
	u32 size;
	u64 addr, len;
	u32 type;
} __attribute__((packed));

struct setup_header {
	u8 setup_sects;
	u16 root_flags;
	u32 syssize;
	u16 ram_size;
	u16 vid_mode;
	u16 root_dev;
	u16 boot_flag;
	u16 jump;
	u32 header;
	u16 version;
	u32 realmode_swtch;
	u16 start_sys_seg;
	u16 kernel_version;
	u8 type_of_loader;
	u8 loadflags;
	u16 setup_move_size;
	u32 code32_start;
	u32 ramdisk_image;
	u32 ramdisk_size;
	u32 bootsect_kludge;
	u16 heap_end_ptr;
	u8 ext_loader_ver;
	u8 ext_loader_type;
	u32 cmd_line_ptr;
	u32 initrd_addr_max;
	u32 kernel_alignment;
	u8 relocatable_kernel;
	u8 min_alignment;
	u16 xloadflags;
	u32 cmdline_size;
	u32 hardware_subarch;
	u64 hardware_subarch_data;
	u32 payload_offset;
	u32 payload_length;
	u64 setup_data;
	u64 pref_address;
	u32 init_size;
	u32 handover_offset;
	u32 kernel_info_offset;
} __attribute__((packed));

/* offsets in struct boot_params (arch/x86/include/uapi/asm/bootparam.h) */
#define BP_EXT_RAMDISK_IMAGE	0x0c0
#define BP_EXT_RAMDISK_SIZE	0x0c4
#define BP_EXT_CMD_LINE_PTR	0x0c8
#define BP_E820_ENTRIES		0x1e8
#define BP_HDR			0x1f1
#define BP_HDR_END		0x290
#define BP_E820_TABLE		0x2d0

struct setup_data {
	u64 next;
	u32 type;
	u32 len;
	u8 data[];
} __attribute__((packed));

static u8 boot_params[4096] __attribute__((aligned(4096)));
static char linux_cmdline[4096] __attribute__((aligned(16)));

struct range {
	u64 start, end;		/* [start, end) */
};

/* ---- e820 maps: QEMU's (multiboot), and the one Linux gets ---- */

static struct e820_entry qmap[E820_MAX];	/* QEMU's, as the multiboot info gave it */
static int nqmap;
static struct e820_entry map[E820_MAX];		/* what Linux gets (e820_build) */
static int nmap;
static int have_mmap;

static void e820_add(struct e820_entry *m, int *n, u64 s, u64 e, u32 type)
{
	if (e <= s)
		return;
	if (*n >= E820_MAX)
		fw_error("e820 map has more than %d entries\n", E820_MAX);
	m[*n].addr = s;
	m[*n].size = e - s;
	m[*n].type = type;
	(*n)++;
}

static void e820_sort_merge(struct e820_entry *m, int *n)
{
	int i, j, out;

	for (i = 1; i < *n; i++)
		for (j = i; j > 0 && m[j - 1].addr > m[j].addr; j--) {
			struct e820_entry t = m[j];

			m[j] = m[j - 1];
			m[j - 1] = t;
		}
	for (i = 1, out = 0; i < *n; i++) {
		if (m[i].type == m[out].type &&
		    m[out].addr + m[out].size == m[i].addr)
			m[out].size += m[i].size;
		else
			m[++out] = m[i];
	}
	if (*n)
		*n = out + 1;
}

/*
 * Make [s, e) of Linux's map one entry of @type, whatever covered it
 * before; E820_ABSENT leaves it in no entry at all (a hole).
 */
static void e820_set(u64 s, u64 e, u32 type)
{
	struct e820_entry n[E820_MAX];
	int cnt = 0;

	for (int i = 0; i < nmap; i++) {
		u64 a = map[i].addr, b = a + map[i].size;

		if (b <= s || a >= e) {
			e820_add(n, &cnt, a, b, map[i].type);
			continue;
		}
		e820_add(n, &cnt, a, s, map[i].type);
		e820_add(n, &cnt, e, b, map[i].type);
	}
	if (type != E820_ABSENT)
		e820_add(n, &cnt, s, e, type);
	memcpy(map, n, sizeof(n[0]) * cnt);
	nmap = cnt;
	e820_sort_merge(map, &nmap);
}

/* does [s, e) lie entirely (all) or partly (!all) in E820_RAM of @m? */
static int ram_in(const struct e820_entry *m, int n, u64 s, u64 e, int all)
{
	while (s < e) {
		int i;
		u64 next = e;

		for (i = 0; i < n; i++) {
			if (m[i].type != E820_RAM)
				continue;
			if (m[i].addr <= s && s < m[i].addr + m[i].size)
				break;
			if (m[i].addr > s && m[i].addr < next)
				next = m[i].addr;
		}
		if (i == n) {
			if (all)
				return 0;
			s = next;		/* skip the gap */
			continue;
		}
		if (!all)
			return 1;
		s = m[i].addr + m[i].size;
	}
	return all;
}

/* is [s, e) entirely usable RAM in Linux's map? */
static int e820_is_ram(u64 s, u64 e)
{
	return ram_in(map, nmap, s, e, 1);
}

/* is [s, e) entirely (all) or partly (!all) RAM in QEMU's map? */
int mb_is_ram(u64 s, u64 e, int all)
{
	return ram_in(qmap, nqmap, s, e, all);
}

const char *e820_name(u32 type)
{
	switch (type) {
	case E820_ABSENT:	return "absent";
	case E820_RAM:		return "usable";
	case E820_RESERVED:	return "reserved";
	case 3:			return "acpi";
	case 4:			return "nvs";
	case 5:			return "unusable";
	case E820_PMEM:		return "pmem";
	case E820_SOFT_RESERVED: return "soft-reserved";
	default:		return "other";
	}
}

/*
 * Linux's map: QEMU's, with the firmware image and the AP trampoline
 * reserved, the low MiB reserved with no-low-ram, and the mailbox page
 * as mailbox-e820= says. Printed on the debug port.
 */
void e820_build(void)
{
	u64 fw_start = (uintptr_t)__fw_start, fw_end = ((uintptr_t)__fw_end + 0xfff) & ~0xfffULL;

	if (!have_mmap)
		fw_error("multiboot loader gave no memory map\n");
	if (!ram_in(qmap, nqmap, fw_start, fw_end, 1))
		fw_error("firmware image 0x%llx-0x%llx is not in RAM\n", fw_start, fw_end);
	if (!ram_in(qmap, nqmap, TRAMPOLINE_BASE, TRAMPOLINE_BASE + SZ_4K, 1))
		fw_error("AP trampoline page 0x%x is not in RAM\n", TRAMPOLINE_BASE);

	memcpy(map, qmap, sizeof(map[0]) * nqmap);
	nmap = nqmap;
	if (opts.no_low_ram) {
		/* what was usable below 1 MiB becomes reserved */
		for (int i = 0; i < nmap; i++) {
			u64 a = map[i].addr, b = a + map[i].size;

			if (map[i].type == E820_RAM && a < SZ_1M) {
				e820_set(a, b < SZ_1M ? b : SZ_1M, E820_RESERVED);
				i = -1;		/* the map changed: start over */
			}
		}
	}
	e820_set(TRAMPOLINE_BASE, TRAMPOLINE_BASE + SZ_4K, E820_RESERVED);
	e820_set(fw_start, fw_end, E820_RESERVED);
	e820_set(mailbox_addr, mailbox_addr + SZ_4K, opts.mailbox_e820);

	fw_printf("fw: e820 map for linux: %d entries; mailbox page 0x%llx: mailbox-e820=%s%s\n",
		  nmap, mailbox_addr, opts.mailbox_e820 == E820_RAM ? "ram" :
		  e820_name(opts.mailbox_e820), opts.no_low_ram ? ", no-low-ram" : "");
	for (int i = 0; i < nmap; i++) {
		if (map[i].type == E820_RAM || map[i].type == E820_RESERVED ||
		    map[i].type == E820_PMEM || map[i].type == E820_SOFT_RESERVED)
			fw_printf("fw: e820: [0x%016llx-0x%016llx] %s\n", map[i].addr,
				  map[i].addr + map[i].size - 1, e820_name(map[i].type));
		else
			fw_printf("fw: e820: [0x%016llx-0x%016llx] %s (type %u)\n", map[i].addr,
				  map[i].addr + map[i].size - 1, e820_name(map[i].type),
				  map[i].type);
	}
}

static int overlaps(u64 s, u64 e, const struct range *r, int nr, int *which)
{
	for (int i = 0; i < nr; i++)
		if (s < r[i].end && r[i].start < e) {
			*which = i;
			return 1;
		}
	return 0;
}

/* highest RAM block of @size, @align aligned, below @limit, avoiding @avoid */
static u64 find_high(u64 size, u64 align, u64 limit, const struct range *avoid,
		     int navoid)
{
	u64 best = 0;

	for (int i = 0; i < nmap; i++) {
		u64 s = map[i].addr, e = map[i].addr + map[i].size, c;
		int w;

		if (map[i].type != E820_RAM)
			continue;
		if (s < SZ_1M)
			s = SZ_1M;
		if (e > limit)
			e = limit;
		if (e < s + size)
			continue;
		c = (e - size) & ~(align - 1);
		while (c >= s && overlaps(c, c + size, avoid, navoid, &w)) {
			if (avoid[w].start < size)
				break;
			c = (avoid[w].start - size) & ~(align - 1);
		}
		if (c >= s && !overlaps(c, c + size, avoid, navoid, &w) && c > best)
			best = c;
	}
	return best;
}

/* ---- multiboot info snapshot (QEMU keeps it in low memory) ---- */

#define MAX_MODS	8

static char fw_cmdline[1024];
static struct mb_module mods[MAX_MODS];
static u32 nmods, mods_total;

const struct mb_module *mb_module(u32 i)
{
	return i < nmods ? &mods[i] : NULL;
}

static void copy_str(char *dst, size_t size, const char *src, const char *what)
{
	size_t len = src ? strlen(src) : 0;

	if (len >= size)
		fw_error("%s too long (%u bytes, max %u)\n", what, (u32)len, (u32)size - 1);
	memcpy(dst, src ? src : "", len);
	dst[len] = 0;
}

const char *mb_snapshot(u32 mb_info)
{
	const struct mb_info *mbi = (const void *)(uintptr_t)mb_info;
	const char *str;

	if (mbi->flags & (1u << 2))
		copy_str(fw_cmdline, sizeof(fw_cmdline),
			 (const char *)(uintptr_t)mbi->cmdline, "firmware command line");

	if (mbi->flags & MB_INFO_MEMMAP) {
		u32 off = 0;

		while (off + sizeof(struct mb_mmap) <= mbi->mmap_length + 0u) {
			const struct mb_mmap *m =
				(const void *)(uintptr_t)(mbi->mmap_addr + off);

			e820_add(qmap, &nqmap, m->addr, m->addr + m->len,
				 m->type ? m->type : E820_RESERVED);
			off += m->size + 4;
		}
		e820_sort_merge(qmap, &nqmap);
		have_mmap = 1;
	}

	if (mbi->flags & MB_INFO_MODS) {
		const struct mb_module *m = (const void *)(uintptr_t)mbi->mods_addr;

		mods_total = mbi->mods_count;
		nmods = mods_total < MAX_MODS ? mods_total : MAX_MODS;
		memcpy(mods, m, sizeof(mods[0]) * nmods);

		/* Linux command line: module 0's string after the file name */
		str = nmods ? (const char *)(uintptr_t)m[0].string : NULL;
		while (str && *str && *str != ' ')
			str++;
		while (str && *str == ' ')
			str++;
		copy_str(linux_cmdline, sizeof(linux_cmdline), str, "linux command line");
	}
	return fw_cmdline;
}

/* ---- boot ---- */

void boot_linux(void)
{
	const struct setup_header *ih;
	struct setup_header *hdr = (struct setup_header *)(boot_params + BP_HDR);
	u64 k_start, k_end, rd_start, rd_end, dtb_start, dtb_end;
	u64 fw_start = (uintptr_t)__fw_start, fw_end = ((uintptr_t)__fw_end + 0xfff) & ~0xfffULL;
	u64 load, init_size, pm_off, pm_size, rd_addr, rd_limit, sd_addr;
	const u8 *img;
	u32 fdt_size, hdr_len, setup_sects;
	struct range avoid[10];
	struct setup_data *sd;
	int navoid = 0, w;
	size_t len = strlen(linux_cmdline);
	/* the mailbox may be usable RAM in Linux's map (mailbox-e820=ram) */
	const struct range mbox = { mailbox_addr, mailbox_addr + SZ_4K };

	/* Linux's memory map: e820_build() made it, fw_main() called it */

	/* modules */
	if (mods_total == 0)
		fw_error("no multiboot modules (need bzImage, initramfs, dtb)\n");
	if (mods_total < 3)
		fw_error("%u multiboot module(s), need 3: bzImage, initramfs, dtb\n",
			 mods_total);
	k_start = mods[0].start;
	k_end = mods[0].end;
	rd_start = mods[1].start;
	rd_end = mods[1].end;
	dtb_start = mods[2].start;
	dtb_end = mods[2].end;
	fw_printf("fw: modules: bzImage 0x%llx-0x%llx, initrd 0x%llx-0x%llx, dtb 0x%llx-0x%llx\n",
		  k_start, k_end, rd_start, rd_end, dtb_start, dtb_end);
	if (k_start < fw_end || rd_start < fw_end || dtb_start < fw_end)
		fw_error("a multiboot module lies below the end of the firmware\n");

	/* bzImage header */
	img = (const u8 *)(uintptr_t)k_start;
	ih = (const struct setup_header *)(img + BP_HDR);
	if (k_end - k_start < 0x1000)
		fw_error("module 0 is too small for a bzImage (%llu bytes)\n", k_end - k_start);
	if (ih->boot_flag != 0xaa55 || ih->header != 0x53726448 /* "HdrS" */)
		fw_error("module 0 is not a bzImage (no HdrS signature)\n");
	if (ih->version < 0x20c)
		fw_error("boot protocol %x.%02x too old, need 2.12\n",
			 ih->version >> 8, ih->version & 0xff);
	if (!(ih->xloadflags & XLF_KERNEL_64))
		fw_error("kernel has no 64-bit entry point (xloadflags 0x%x)\n", ih->xloadflags);
	if (ih->cmdline_size && len > ih->cmdline_size)
		fw_error("linux command line longer than cmdline_size %u\n", ih->cmdline_size);
	setup_sects = ih->setup_sects ? ih->setup_sects : 4;
	pm_off = (u64)(setup_sects + 1) * 512;
	if (pm_off >= k_end - k_start)
		fw_error("bzImage truncated\n");
	pm_size = k_end - k_start - pm_off;
	init_size = ih->init_size > pm_size ? ih->init_size : pm_size;
	load = ih->pref_address;
	if (!load)
		load = 0x1000000;
	if (ih->kernel_alignment && (load & (ih->kernel_alignment - 1)))
		load = (load + ih->kernel_alignment - 1) & ~((u64)ih->kernel_alignment - 1);
	if (!e820_is_ram(load, load + init_size) || overlaps(load, load + init_size, &mbox, 1, &w)) {
		if (!ih->relocatable_kernel)
			fw_error("kernel range 0x%llx-0x%llx is not free RAM\n",
				 load, load + init_size);
		avoid[0] = (struct range){ fw_start, fw_end };
		avoid[1] = mbox;
		load = find_high(init_size, ih->kernel_alignment ? ih->kernel_alignment : 0x200000,
				 SZ_4G, avoid, 2);
		if (!load)
			fw_error("no RAM for the kernel (%llu bytes)\n", init_size);
	}
	fw_printf("fw: bzImage: protocol %x.%02x, setup_sects %u, load 0x%llx, init_size 0x%llx\n",
		  ih->version >> 8, ih->version & 0xff, setup_sects, load, init_size);

	/* everything new must stay clear of these */
	avoid[navoid++] = (struct range){ 0, SZ_1M };
	avoid[navoid++] = (struct range){ fw_start, fw_end };
	avoid[navoid++] = mbox;
	avoid[navoid++] = (struct range){ load, load + init_size };
	avoid[navoid++] = (struct range){ k_start, k_end };
	avoid[navoid++] = (struct range){ rd_start, rd_end };
	avoid[navoid++] = (struct range){ dtb_start, dtb_end };

	/* DTB -> SETUP_DTB setup_data node, high in RAM */
	if (dtb_end - dtb_start < 40)
		fw_error("module 2 is too small for a DTB\n");
	if (__builtin_bswap32(*(const u32 *)(uintptr_t)dtb_start) != FDT_MAGIC)
		fw_error("module 2 is not a DTB (bad magic)\n");
	fdt_size = __builtin_bswap32(*(const u32 *)(uintptr_t)(dtb_start + 4));
	if (fdt_size > dtb_end - dtb_start)
		fw_error("DTB totalsize %u exceeds module size %llu\n", fdt_size, dtb_end - dtb_start);
	sd_addr = find_high(sizeof(*sd) + fdt_size, SZ_4K, SZ_4G, avoid, navoid);
	if (!sd_addr)
		fw_error("no RAM for the DTB setup_data (%u bytes)\n", fdt_size);
	sd = (struct setup_data *)(uintptr_t)sd_addr;
	sd->next = 0;
	sd->type = SETUP_DTB;
	sd->len = fdt_size;
	memmove(sd->data, (const void *)(uintptr_t)dtb_start, fdt_size);
	avoid[navoid++] = (struct range){ sd_addr, sd_addr + sizeof(*sd) + fdt_size };

	/* initramfs, moved high */
	rd_limit = ih->initrd_addr_max ? (u64)ih->initrd_addr_max + 1 : 0x38000000;
	if (rd_limit > SZ_4G)
		rd_limit = SZ_4G;
	rd_addr = 0;
	if (rd_end > rd_start) {
		rd_addr = find_high(rd_end - rd_start, SZ_4K, rd_limit, avoid, navoid);
		if (!rd_addr)
			fw_error("no RAM for the initramfs (%llu bytes)\n", rd_end - rd_start);
		memmove((void *)(uintptr_t)rd_addr, (const void *)(uintptr_t)rd_start,
			rd_end - rd_start);
	}

	/* zero page: copy the setup header as boot.rst says */
	memset(boot_params, 0, sizeof(boot_params));
	hdr_len = 0x202 + img[0x201] - BP_HDR;
	if (hdr_len > BP_HDR_END - BP_HDR)
		hdr_len = BP_HDR_END - BP_HDR;
	memcpy(boot_params + BP_HDR, img + BP_HDR, hdr_len);

	/* protected-mode kernel to its load address (the source may overlap) */
	if (overlaps(load, load + init_size, avoid, 3, &w))
		fw_error("kernel range overlaps the firmware or the mailbox\n");
	memmove((void *)(uintptr_t)load, img + pm_off, pm_size);

	hdr->type_of_loader = 0xff;
	hdr->loadflags |= LOADED_HIGH;
	hdr->code32_start = (u32)load;
	hdr->cmd_line_ptr = (u32)(uintptr_t)linux_cmdline;
	*(u32 *)(boot_params + BP_EXT_CMD_LINE_PTR) = (u32)((u64)(uintptr_t)linux_cmdline >> 32);
	hdr->ramdisk_image = (u32)rd_addr;
	hdr->ramdisk_size = (u32)(rd_end - rd_start);
	*(u32 *)(boot_params + BP_EXT_RAMDISK_IMAGE) = (u32)(rd_addr >> 32);
	*(u32 *)(boot_params + BP_EXT_RAMDISK_SIZE) = (u32)((rd_end - rd_start) >> 32);
	hdr->setup_data = sd_addr;

	memcpy(boot_params + BP_E820_TABLE, map, sizeof(map[0]) * nmap);
	boot_params[BP_E820_ENTRIES] = (u8)nmap;

	fw_printf("fw: linux cmdline: %s\n", linux_cmdline);
	fw_printf("fw: initrd at 0x%llx (%llu bytes), dtb setup_data at 0x%llx (%u bytes)\n",
		  rd_addr, rd_end - rd_start, sd_addr, fdt_size);
	fw_printf("fw: %s linux: entry 0x%llx, boot_params 0x%llx, %d e820 entries\n",
		  opts.dry_run ? "dry-run, not booting" : "booting", load + 0x200,
		  (u64)(uintptr_t)boot_params, nmap);
	if (opts.dry_run) {
		outb(DEBUG_EXIT_PORT, DEBUG_EXIT_SELFTEST_OK);
		fw_halt();
	}
	fw_jump_linux(load + 0x200, boot_params);
}
