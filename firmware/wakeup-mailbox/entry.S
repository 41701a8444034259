/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Entry code of the wakeup-mailbox test firmware.
 *
 * - multiboot v1 header and 32-bit BSP entry (QEMU's multiboot loader)
 * - static identity-mapped page tables (4 GiB, 2 MiB pages)
 * - the GDT shared by BSP, APs and Linux (0x10 = 64-bit code, 0x18 = data)
 * - the real-mode AP trampoline that C copies below 1 MiB
 * - the 32/64-bit AP entry and the self-test wakeup vector
 */
#include "fw.h"

#define MB_MAGIC	0x1BADB002
#define MB_FLAGS	0x00000003	/* page-align modules, memory info */

#define CR0_PE		0x00000001
#define CR0_PG		0x80000000
#define CR4_PAE		0x00000020
#define MSR_EFER	0xC0000080
#define EFER_LME	0x00000100

	.section .multiboot, "a"
	.balign 4
	.long	MB_MAGIC
	.long	MB_FLAGS
	.long	-(MB_MAGIC + MB_FLAGS)

/* ------------------------------------------------------------------ */
/* BSP: 32-bit protected mode, EAX = multiboot magic, EBX = info      */
/* ------------------------------------------------------------------ */
	.text
/* Load the flat data selector into every data segment register. */
.macro LOAD_DATA_SEGMENTS
	movl	$SEL_DATA, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs
.endm

	.code32
	.globl	_start
_start:
	cli
	cld
	movl	%eax, %esi			/* keep magic */
	movl	%ebx, %edx			/* keep info pointer */

	/* zero .bss (QEMU places the multiboot info after _end) */
	movl	$__bss_start, %edi
	movl	$__bss_end, %ecx
	subl	%edi, %ecx
	xorl	%eax, %eax
	rep stosb

	movl	%esi, mb_magic
	movl	%edx, mb_info

	movl	$bsp_stack_top, %esp

	call	enter_long_mode_32		/* returns only in 64-bit mode */
	.code64
	LOAD_DATA_SEGMENTS
	movq	$bsp_stack_top, %rsp
	movl	mb_magic, %edi
	movl	mb_info, %esi
	call	fw_main
1:	cli
	hlt
	jmp	1b

/*
 * Common 32 -> 64-bit switch for BSP and APs.  Entered with a flat
 * 32-bit code segment, returns (via the 64-bit code segment) to the
 * caller's return address, which must hold 64-bit code.
 */
	.code32
enter_long_mode_32:
	lgdtl	gdt_ptr
	movl	$SEL_DATA, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%cr4, %eax
	orl	$CR4_PAE, %eax
	movl	%eax, %cr4
	movl	$pml4, %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$EFER_LME, %eax
	wrmsr
	movl	%cr0, %eax
	orl	$(CR0_PG | CR0_PE), %eax
	movl	%eax, %cr0
	ljmpl	$SEL_CODE64, $1f
	.code64
1:	/* pop the 32-bit return address and go there in 64-bit mode */
	movl	(%rsp), %eax
	addq	$4, %rsp
	jmp	*%rax

/* ------------------------------------------------------------------ */
/* AP real-mode trampoline, copied to TRAMPOLINE_BASE by C            */
/* ------------------------------------------------------------------ */
	.code16
	.globl	ap_tramp_start, ap_tramp_end
ap_tramp_start:
	cli
	cld
	movw	%cs, %ax
	movw	%ax, %ds
	lgdtl	(ap_tramp_gdt_ptr - ap_tramp_start)
	movl	%cr0, %eax
	orl	$CR0_PE, %eax
	movl	%eax, %cr0
	ljmpl	$SEL_CODE32, $ap_entry32
	.balign 8
ap_tramp_gdt_ptr:
	.word	gdt_end - gdt - 1
	.long	gdt
ap_tramp_end:

/* ------------------------------------------------------------------ */
/* AP: 32-bit protected mode, flat segments, no stack yet             */
/* ------------------------------------------------------------------ */
	.code32
ap_entry32:
	movl	$SEL_DATA, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	/* a tiny shared stack is enough for the call below: take a lock */
1:	movl	$1, %eax
	xchgl	%eax, ap_boot_lock
	testl	%eax, %eax
	jz	2f
	pause
	jmp	1b
2:	movl	$ap_boot_stack_top, %esp
	call	enter_long_mode_32
	.code64
	movl	$SEL_DATA, %eax
	movl	%eax, %fs
	movl	%eax, %gs
	/* take an AP slot and its own stack, then release the boot lock */
	movl	$1, %eax
	lock xaddl %eax, ap_next_slot
	cmpl	$MAX_CPUS, %eax
	jae	9f
	movl	%eax, %edi
	movl	%eax, %ecx
	incq	%rcx
	shlq	$AP_STACK_SHIFT, %rcx
	leaq	ap_stacks(%rcx), %rsp
	movl	$0, ap_boot_lock
	call	ap_main				/* never returns */
9:	movl	$0, ap_boot_lock
	lock incl ap_overflow
8:	cli
	hlt
	jmp	8b

/* ------------------------------------------------------------------ */
/* Self-test wakeup vector: 64-bit, paging on, interrupts off.        */
/* Counts the hit, records the APIC ID (CPUID.1 EBX[31:24]) and halts. */
/* ------------------------------------------------------------------ */
	.globl	selftest_vector
selftest_vector:
	lock incl selftest_hits
	movl	$1, %eax
	cpuid
	shrl	$24, %ebx
	lock btsq %rbx, selftest_seen
1:	cli
	hlt
	jmp	1b

/* ------------------------------------------------------------------ */
/* Linux handoff: fw_jump_linux(entry, boot_params)                   */
/* ------------------------------------------------------------------ */
	.globl	fw_jump_linux
fw_jump_linux:
	cli
	lgdt	gdt_ptr
	LOAD_DATA_SEGMENTS
	/* reload CS = __BOOT_CS (0x10) */
	leaq	1f(%rip), %rax
	pushq	$SEL_CODE64
	pushq	%rax
	lretq
1:	movq	%rsi, %rax
	movq	%rdi, %rcx
	movq	%rax, %rsi			/* RSI = &boot_params */
	xorl	%eax, %eax
	xorl	%ebx, %ebx
	xorl	%edx, %edx
	xorl	%edi, %edi
	xorl	%ebp, %ebp
	jmp	*%rcx

/* ------------------------------------------------------------------ */
/* data                                                               */
/* ------------------------------------------------------------------ */
	.data
	.balign 16
	.globl	gdt
gdt:
	.quad	0				/* 0x00 null */
	.quad	0x00cf9a000000ffff		/* 0x08 flat 32-bit code */
	.quad	0x00af9a000000ffff		/* 0x10 flat 64-bit code (__BOOT_CS) */
	.quad	0x00cf92000000ffff		/* 0x18 flat data (__BOOT_DS) */
gdt_end:
	.balign 8
	.word	0, 0, 0
gdt_ptr:
	.word	gdt_end - gdt - 1
	.quad	gdt

	.balign 4
ap_boot_lock:	.long 0
	.globl	ap_next_slot, ap_overflow, selftest_hits, selftest_seen
ap_next_slot:	.long 0
ap_overflow:	.long 0
selftest_hits:	.long 0
	.balign 8
selftest_seen:	.fill 4, 8, 0			/* 256-bit APIC ID bitmap */
mb_magic:	.long 0
mb_info:	.long 0

/* identity-mapped page tables: 4 GiB with 2 MiB pages */
	.section .pagetables, "aw"
	.balign 4096
	.globl	pml4
pml4:
	.quad	pdpt + 0x003
	.fill	511, 8, 0
pdpt:
	.quad	pd + 0x0000 + 0x003
	.quad	pd + 0x1000 + 0x003
	.quad	pd + 0x2000 + 0x003
	.quad	pd + 0x3000 + 0x003
	.fill	508, 8, 0
pd:
	.set	i, 0
	.rept	2048
	.quad	(i << 21) | 0x083		/* present, writable, 2 MiB */
	.set	i, i + 1
	.endr

	.bss
	.balign 4096
	.space	16384
bsp_stack_top:
	.space	256
ap_boot_stack_top:
	.balign	4096
	.globl	ap_stacks
ap_stacks:
	.space	MAX_CPUS << AP_STACK_SHIFT
