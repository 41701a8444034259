/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Out of tree only; never part of the series. drivers/virt/Kbuild
 * force-includes this header when vmgenid.ko is built for a kernel that does
 * not export add_vmfork_randomness(): 6.1 exports it only when its own
 * vmgenid is a module, and Debian builds that one in (CONFIG_VMGENID=y).
 *
 * Instead, the ID is mixed in with add_device_randomness() and an immediate
 * reseed of the crng is forced through the RNDRESEEDCRNG ioctl of
 * /dev/urandom, opened when the module is loaded, in the context of the
 * process that loads it. The notification handlers run in kernel threads,
 * which hold CAP_SYS_ADMIN.
 *
 * What this cannot do: run the kernel's vmfork notifier chain, which only
 * add_vmfork_randomness() reaches (WireGuard clears its keys on it).
 */
#ifndef VMGENID_COMPAT_H
#define VMGENID_COMPAT_H

#include <linux/acpi.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/printk.h>
#include <linux/random.h>
#include <uapi/linux/random.h>

static struct file *vmgenid_compat_urandom;

static void vmgenid_compat_vmfork_randomness(const void *id, size_t len)
{
	struct file *f = vmgenid_compat_urandom;
	long ret = -ENODEV;

	add_device_randomness(id, len);
	if (!IS_ERR_OR_NULL(f) && f->f_op->unlocked_ioctl)
		ret = f->f_op->unlocked_ioctl(f, RNDRESEEDCRNG, 0);
	if (!ret)
		pr_notice("vmgenid: crng reseeded due to virtual machine fork (RNDRESEEDCRNG)\n");
	else
		pr_notice("vmgenid: new generation ID mixed in; no reseed forced (%ld)\n", ret);
}
#define add_vmfork_randomness vmgenid_compat_vmfork_randomness

/*
 * /dev/urandom is opened when the platform driver is registered, from the
 * module's init, and closed when it is unregistered.
 */
static int vmgenid_compat_platform_register(struct platform_driver *drv)
{
	int ret;

	vmgenid_compat_urandom = filp_open("/dev/urandom", O_RDONLY, 0);
	if (IS_ERR(vmgenid_compat_urandom))
		pr_warn("vmgenid: cannot open /dev/urandom (%ld): a new ID will not force a reseed\n",
			PTR_ERR(vmgenid_compat_urandom));
	ret = __platform_driver_register(drv, THIS_MODULE);
	if (ret && !IS_ERR(vmgenid_compat_urandom))
		filp_close(vmgenid_compat_urandom, NULL);
	return ret;
}

static void vmgenid_compat_platform_unregister(struct platform_driver *drv)
{
	platform_driver_unregister(drv);
	if (!IS_ERR(vmgenid_compat_urandom))
		filp_close(vmgenid_compat_urandom, NULL);
}

#undef platform_driver_register
#define platform_driver_register vmgenid_compat_platform_register
#define platform_driver_unregister vmgenid_compat_platform_unregister

/*
 * A kernel with the 6.1 driver built in has an ACPI driver named "vmgenid"
 * already, bound to every VM_GEN_COUNTER device: the module's own ACPI
 * driver, which binds only the devices with no platform device (those with
 * only a _CID), would find them taken and could not even register under
 * that name. Leave the ACPI bus to the built-in driver there; the module
 * still binds every device that has a platform device.
 */
#if IS_BUILTIN(CONFIG_VMGENID)
#define acpi_bus_register_driver(drv) ((void)(drv), 0)
#define acpi_bus_unregister_driver(drv) ((void)(drv))
#endif

#endif /* VMGENID_COMPAT_H */
