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

#define E820_RAM		1
#define E820_RESERVED		2
#define E820_MAX		128

#define XLF_KERNEL_64		(1u << 0)
#define LOADED_HIGH		(1u << 0)
#define SETUP_DTB		2
#define FDT_MAGIC		0xd00dfeed

#define SZ_4K			0x1000ULL
#define SZ_1M			0x100000ULL
#define SZ_4G			0x100000000ULL

struct mb_info {
	u32 flags, mem_lower, mem_upper, boot_device, cmdline;
	u32 mods_count, mods_addr;
	u32 syms[4];
	u32 mmap_length, mmap_addr;
} __attribute__((packed));

struct mb_module {
	u32 start, end, string, reserved;
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

struct e820_entry {
	u64 addr, size;
	u32 type;
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

/* ---- e820 map ---- */

static struct e820_entry map[E820_MAX];
static int nmap;

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

static void e820_sort_merge(void)
{
	int i, j, out;

	for (i = 1; i < nmap; i++)
		for (j = i; j > 0 && map[j - 1].addr > map[j].addr; j--) {
			struct e820_entry t = map[j];

			map[j] = map[j - 1];
			map[j - 1] = t;
		}
	for (i = 1, out = 0; i < nmap; i++) {
		if (map[i].type == map[out].type &&
		    map[out].addr + map[out].size == map[i].addr)
			map[out].size += map[i].size;
		else
			map[++out] = map[i];
	}
	if (nmap)
		nmap = out + 1;
}

/* turn [s, e) into E820_RESERVED wherever the map covers it */
static void e820_reserve(u64 s, u64 e)
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
		e820_add(n, &cnt, a > s ? a : s, b < e ? b : e, E820_RESERVED);
		e820_add(n, &cnt, e, b, map[i].type);
	}
	memcpy(map, n, sizeof(n[0]) * cnt);
	nmap = cnt;
	e820_sort_merge();
}

/* is [s, e) entirely usable RAM? */
static int e820_is_ram(u64 s, u64 e)
{
	while (s < e) {
		int i;

		for (i = 0; i < nmap; i++)
			if (map[i].type == E820_RAM && map[i].addr <= s &&
			    s < map[i].addr + map[i].size)
				break;
		if (i == nmap)
			return 0;
		s = map[i].addr + map[i].size;
	}
	return 1;
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
static int have_mmap;

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

			e820_add(map, &nmap, m->addr, m->addr + m->len,
				 m->type ? m->type : E820_RESERVED);
			off += m->size + 4;
		}
		e820_sort_merge();
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
	struct range avoid[8];
	struct setup_data *sd;
	int navoid = 0, w;
	size_t len = strlen(linux_cmdline);

	/* memory map: firmware, trampoline and mailbox become reserved */
	if (!have_mmap)
		fw_error("multiboot loader gave no memory map\n");
	if (!e820_is_ram(fw_start, fw_end))
		fw_error("firmware image 0x%llx-0x%llx is not in RAM\n", fw_start, fw_end);
	if (!e820_is_ram(TRAMPOLINE_BASE, TRAMPOLINE_BASE + SZ_4K))
		fw_error("AP trampoline page 0x%x is not in RAM\n", TRAMPOLINE_BASE);
	if (!e820_is_ram(MAILBOX_BASE, MAILBOX_BASE + SZ_4K))
		fw_error("mailbox page 0x%x is not in RAM\n", MAILBOX_BASE);
	e820_reserve(TRAMPOLINE_BASE, TRAMPOLINE_BASE + SZ_4K);
	e820_reserve(MAILBOX_BASE, MAILBOX_BASE + SZ_4K);
	e820_reserve(fw_start, fw_end);

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
	if (!e820_is_ram(load, load + init_size)) {
		if (!ih->relocatable_kernel)
			fw_error("kernel range 0x%llx-0x%llx is not free RAM\n",
				 load, load + init_size);
		avoid[0] = (struct range){ fw_start, fw_end };
		load = find_high(init_size, ih->kernel_alignment ? ih->kernel_alignment : 0x200000,
				 SZ_4G, avoid, 1);
		if (!load)
			fw_error("no RAM for the kernel (%llu bytes)\n", init_size);
	}
	fw_printf("fw: bzImage: protocol %x.%02x, setup_sects %u, load 0x%llx, init_size 0x%llx\n",
		  ih->version >> 8, ih->version & 0xff, setup_sects, load, init_size);

	/* everything new must stay clear of these */
	avoid[navoid++] = (struct range){ 0, SZ_1M };
	avoid[navoid++] = (struct range){ fw_start, fw_end };
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
	if (overlaps(load, load + init_size, avoid, 2, &w))
		fw_error("kernel range overlaps the firmware\n");
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
	for (int i = 0; i < nmap; i++)
		fw_printf("fw: e820: [0x%016llx-0x%016llx] %s\n", map[i].addr,
			  map[i].addr + map[i].size - 1,
			  map[i].type == E820_RAM ? "usable" :
			  map[i].type == E820_RESERVED ? "reserved" : "other");
	fw_printf("fw: booting linux: entry 0x%llx, boot_params 0x%llx\n", load + 0x200,
		  (u64)(uintptr_t)boot_params);
	fw_jump_linux(load + 0x200, boot_params);
}
