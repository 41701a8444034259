// SPDX-License-Identifier: GPL-2.0
/*
 * Small freestanding helpers: memory/string functions, debugcon printf,
 * delays. The string functions cover what Debian's libfdt.a needs
 * (`nm -u`: memchr, memcmp, memcpy, memmove, memset, strlen, strnlen,
 * strrchr, and __stack_chk_fail with its guard at %fs:0x28).
 */
#include <stdarg.h>
#include "fw.h"

#define DEBUGCON_PORT	0xe9

void *memcpy(void *d, const void *s, size_t n)
{
	__asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) :: "memory");
	return d;
}

void *memmove(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;

	if (dp <= sp || dp >= sp + n) {
		memcpy(d, s, n);
	} else {
		/* overlapping with the destination above the source: copy backwards */
		dp += n - 1;
		sp += n - 1;
		__asm__ volatile("std; rep movsb; cld"
				 : "+D"(dp), "+S"(sp), "+c"(n) :: "memory");
	}
	return d;
}

void *memset(void *d, int c, size_t n)
{
	void *r = d;

	__asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
	return r;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

void *memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;

	for (; n; n--, p++)
		if (*p == (unsigned char)c)
			return (void *)p;
	return NULL;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

char *strrchr(const char *s, int c)
{
	const char *last = NULL;

	do {
		if (*s == (char)c)
			last = s;
	} while (*s++);
	return (char *)last;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			break;
	}
	return 0;
}

/* a number of exactly @len characters: decimal, or hex with 0x */
int parse_u64(const char *s, size_t len, u64 *v)
{
	unsigned int base = 10;
	u64 n = 0;

	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		len -= 2;
	}
	if (!len)
		return -1;
	for (; len; len--, s++) {
		unsigned int d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return -1;
		if (n > (~0ULL - d) / base)
			return -1;
		n = n * base + d;
	}
	*v = n;
	return 0;
}

/*
 * Debian builds libfdt with -fstack-protector-strong: its functions keep a
 * guard word at %fs:0x28 and call __stack_chk_fail() when it changed. The
 * firmware's FS selector has base 0, which would put the guard in the real
 * mode IVT, so the BSP points FS.base at a block of its own before calling
 * libfdt. The APs never run libfdt code.
 */
#define MSR_FS_BASE	0xc0000100

static u64 fw_tls[8] __attribute__((aligned(64)));

void stack_guard_init(void)
{
	u32 lo, hi;
	u64 base = (uintptr_t)fw_tls;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	/* like glibc, a zero low byte stops string overruns from copying it */
	fw_tls[0x28 / 8] = ((((u64)hi << 32) | lo) * 0x9e3779b97f4a7c15ULL) & ~0xffULL;
	__asm__ volatile("wrmsr" :: "c"(MSR_FS_BASE), "a"((u32)base), "d"((u32)(base >> 32)));
}

void __stack_chk_fail(void);
void __stack_chk_fail(void)
{
	fw_error("stack protector: a libfdt function overwrote its stack guard\n");
}

/* ---- debugcon output, serialized between all CPUs ---- */

static u32 print_lock;

static void lock_print(void)
{
	while (__atomic_exchange_n(&print_lock, 1, __ATOMIC_ACQUIRE))
		while (READ_ONCE(print_lock))
			cpu_relax();
}

static void unlock_print(void)
{
	__atomic_store_n(&print_lock, 0, __ATOMIC_RELEASE);
}

struct outbuf {
	char buf[256];
	size_t len;
};

static void put(struct outbuf *o, char c)
{
	if (o->len < sizeof(o->buf))
		o->buf[o->len++] = c;
}

static void put_num(struct outbuf *o, u64 v, unsigned int base, int width,
		    char pad, int neg)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg)
		tmp[n++] = '-';
	while (width-- > n)
		put(o, pad);
	while (n)
		put(o, tmp[--n]);
}

static void vformat(struct outbuf *o, const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		int width = 0, lng = 0;
		char pad = ' ';
		u64 v;

		if (*fmt != '%') {
			put(o, *fmt);
			continue;
		}
		fmt++;
		if (*fmt == '0') {
			pad = '0';
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l') {
			lng++;
			fmt++;
		}
		switch (*fmt) {
		case 's': {
			const char *s = va_arg(ap, const char *);
			int len = s ? (int)strlen(s) : 0;

			while (width-- > len)
				put(o, ' ');
			while (s && *s)
				put(o, *s++);
			break;
		}
		case 'c':
			put(o, (char)va_arg(ap, int));
			break;
		case 'd': {
			long long sv = lng ? va_arg(ap, long long) : va_arg(ap, int);

			put_num(o, sv < 0 ? -(u64)sv : (u64)sv, 10, width, pad, sv < 0);
			break;
		}
		case 'u':
		case 'x':
			v = lng ? va_arg(ap, u64) : va_arg(ap, u32);
			put_num(o, v, *fmt == 'u' ? 10 : 16, width, pad, 0);
			break;
		case 'p':
			put(o, '0');
			put(o, 'x');
			put_num(o, (uintptr_t)va_arg(ap, void *), 16, width, pad, 0);
			break;
		case '%':
			put(o, '%');
			break;
		case '\0':
			return;
		default:
			put(o, '%');
			put(o, *fmt);
		}
	}
}

void fw_printf(const char *fmt, ...)
{
	struct outbuf o;
	va_list ap;
	size_t i;

	o.len = 0;
	va_start(ap, fmt);
	vformat(&o, fmt, ap);
	va_end(ap);

	lock_print();
	for (i = 0; i < o.len; i++)
		outb(DEBUGCON_PORT, o.buf[i]);
	unlock_print();
}

void fw_halt(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* report a fatal error to QEMU's isa-debug-exit (if present), then halt */
void fw_fail(void)
{
	outb(DEBUG_EXIT_PORT, DEBUG_EXIT_ERROR);
	fw_halt();
}

/* ---- CPU helpers ---- */

u32 cpu_apic_id(void)
{
	u32 a, b, c, d;

	cpuid(0, 0, &a, &b, &c, &d);
	if (a >= 0xb) {
		u32 max = a;

		cpuid(0xb, 0, &a, &b, &c, &d);
		if (max >= 0xb && b != 0)
			return d;	/* x2APIC ID */
	}
	cpuid(1, 0, &a, &b, &c, &d);
	return b >> 24;
}

/* Busy wait on PIT channel 2 (1.193182 MHz), gate via port 0x61. */
static void pit_wait(u32 ticks)
{
	u8 v = inb(0x61);

	outb(0x61, (v & ~0x02) | 0x01);		/* gate on, speaker off */
	outb(0x43, 0xb0);			/* ch2, lo/hi, mode 0, binary */
	outb(0x42, ticks & 0xff);
	outb(0x42, (ticks >> 8) & 0xff);
	while (!(inb(0x61) & 0x20))
		cpu_relax();
}

void udelay(u32 us)
{
	u64 ticks = ((u64)us * 1193182 + 999999) / 1000000;

	while (ticks) {
		u32 t = ticks > 50000 ? 50000 : (u32)ticks;

		if (t < 2)
			t = 2;
		pit_wait(t);
		ticks = ticks > t ? ticks - t : 0;
	}
}
