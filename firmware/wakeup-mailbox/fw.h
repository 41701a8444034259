/* SPDX-License-Identifier: GPL-2.0 */
/* Shared constants of the wakeup-mailbox test firmware (C and assembler). */
#ifndef FW_H
#define FW_H

#define FW_LOAD_ADDR		0x00100000	/* firmware image (linker script) */
#define TRAMPOLINE_BASE		0x0009d000	/* AP real-mode trampoline page */
#define MAILBOX_DEFAULT		0x0009e000	/* mailbox when the DTB names none */

#define SEL_CODE32		0x08
#define SEL_CODE64		0x10		/* __BOOT_CS */
#define SEL_DATA		0x18		/* __BOOT_DS */

#define MAX_CPUS		256
#define AP_STACK_SHIFT		12		/* 4 KiB per AP */

#ifndef __ASSEMBLER__

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef unsigned long uintptr_t;
typedef unsigned long size_t;

#define NULL ((void *)0)

/* ACPI 6.4, 5.2.12.19: Multiprocessor Wakeup mailbox (4 KiB) */
struct acpi_mp_wake_mailbox {
	u16 command;
	u16 reserved;
	u32 apic_id;
	u64 wakeup_vector;
	u8 reserved_os[2032];
	u8 reserved_fw[2048];
} __attribute__((packed));

#define MBOX_CMD_NOOP		0
#define MBOX_CMD_WAKEUP		1
#define MBOX_CMD_TEST		2

/* e820 types (arch/x86/include/asm/e820/types.h) */
#define E820_RAM		1
#define E820_RESERVED		2
#define E820_PMEM		7
#define E820_SOFT_RESERVED	0xefffffff
#define E820_ABSENT		0		/* mailbox-e820=absent: in no entry */

#define SZ_4K			0x1000ULL
#define SZ_1M			0x100000ULL
#define SZ_4G			0x100000000ULL

/* the firmware's command line (multiboot -append), see README.md */
struct fw_options {
	int selftest;		/* selftest: wake every AP, then stop */
	int dry_run;		/* dry-run: prepare Linux, do not jump */
	int keep_bios_tables;	/* keep-bios-tables: leave "_MP_", "RSD PTR " */
	int no_low_ram;		/* no-low-ram: no usable e820 RAM below 1 MiB */
	int mailbox_dead;	/* mailbox-dead: the mailbox page is not RAM */
	int mailbox_dirty;	/* mailbox-dirty[=N]: command = N before any wake */
	u16 dirty_command;
	int mailbox_set;	/* mailbox=ADDR: park there, whatever the DTB says */
	u64 mailbox;
	u32 mailbox_e820;	/* mailbox-e820=...: an E820_* type */
};
extern struct fw_options opts;

/* where the APs are parked (set before they start) */
extern u64 mailbox_addr;

struct e820_entry {
	u64 addr, size;
	u32 type;
} __attribute__((packed));

/* io.c / util */
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
char *strrchr(const char *s, int c);
int strncmp(const char *a, const char *b, size_t n);
int parse_u64(const char *s, size_t len, u64 *v);
void stack_guard_init(void);

void fw_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fw_halt(void) __attribute__((noreturn));
void fw_fail(void) __attribute__((noreturn));
#define fw_error(...) do { fw_printf("fw: error: " __VA_ARGS__); fw_fail(); } while (0)

/* optional QEMU isa-debug-exit device: QEMU exits with (value << 1) | 1 */
#define DEBUG_EXIT_PORT		0xf4
#define DEBUG_EXIT_SELFTEST_OK	0	/* QEMU exit status 1 */
#define DEBUG_EXIT_SELFTEST_BAD	1	/* QEMU exit status 3 */
#define DEBUG_EXIT_ERROR	2	/* QEMU exit status 5 */

static inline void outb(u16 port, u8 v) { __asm__ volatile("outb %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outw(u16 port, u16 v) { __asm__ volatile("outw %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outl(u16 port, u32 v) { __asm__ volatile("outl %0, %1" :: "a"(v), "Nd"(port)); }
static inline u8 inb(u16 port) { u8 v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline u32 inl(u16 port) { u32 v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline void cpu_relax(void) { __asm__ volatile("pause" ::: "memory"); }
static inline void barrier(void) { __asm__ volatile("" ::: "memory"); }

static inline void cpuid(u32 leaf, u32 sub, u32 *a, u32 *b, u32 *c, u32 *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
			 : "a"(leaf), "c"(sub));
}

#define READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))

u32 cpu_apic_id(void);
void udelay(u32 us);

/* linux.c */
struct mb_module {
	u32 start, end, string, reserved;
} __attribute__((packed));
const char *mb_snapshot(u32 mb_info);
const struct mb_module *mb_module(u32 i);	/* NULL if QEMU gave no such module */
int mb_is_ram(u64 s, u64 e, int all);		/* per QEMU's memory map */
void e820_build(void);				/* the map Linux gets, from QEMU's */
const char *e820_name(u32 type);
void boot_linux(void) __attribute__((noreturn));

/* dtb.c: libfdt */
const void *dtb_module(void);			/* module 2, checked, or NULL */
int dtb_mailbox(const void *fdt, u64 *addr, char *path, size_t pathlen, int strict);

/* symbols from entry.S and the linker script */
extern char ap_tramp_start[], ap_tramp_end[];
extern char selftest_vector[];
extern u32 ap_next_slot, ap_overflow, selftest_hits;
extern u64 selftest_seen[4];
extern char __fw_start[], __fw_end[];
void fw_jump_linux(u64 entry, void *boot_params) __attribute__((noreturn));

#endif /* __ASSEMBLER__ */
#endif /* FW_H */
