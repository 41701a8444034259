/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_X86_WAKEUP_MAILBOX_H
#define _ASM_X86_WAKEUP_MAILBOX_H

#include <linux/types.h>

#ifdef CONFIG_X86_WAKEUP_MAILBOX
void wakeup_mailbox_init(u64 phys_addr);
void wakeup_mailbox_forbid_offline(void);
bool wakeup_mailbox_offline_forbidden(void);
#else
static inline void wakeup_mailbox_init(u64 phys_addr) { }
static inline void wakeup_mailbox_forbid_offline(void) { }
static inline bool wakeup_mailbox_offline_forbidden(void) { return false; }
#endif

#endif /* _ASM_X86_WAKEUP_MAILBOX_H */
