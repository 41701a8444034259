/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_X86_WAKEUP_MAILBOX_H
#define _ASM_X86_WAKEUP_MAILBOX_H

#include <linux/types.h>

#ifdef CONFIG_X86_WAKEUP_MAILBOX
void wakeup_mailbox_init(u64 phys_addr);
int wakeup_mailbox_sanity_check(u64 phys_addr, u16 *command);
void wakeup_mailbox_refuse(void);
void wakeup_mailbox_set_no_return(void);
bool wakeup_mailbox_no_return(void);
#else
static inline void wakeup_mailbox_init(u64 phys_addr) { }
static inline void wakeup_mailbox_set_no_return(void) { }
static inline bool wakeup_mailbox_no_return(void) { return false; }
#endif

#endif /* _ASM_X86_WAKEUP_MAILBOX_H */
