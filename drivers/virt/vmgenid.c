// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2022 Jason A. Donenfeld <Jason@zx2c4.com>. All Rights Reserved.
 *
 * The "Virtual Machine Generation ID" is a 16-byte value that the hypervisor
 * changes whenever a virtual machine is restored from a snapshot or cloned,
 * and it raises a notification when it does. Without it, two clones of one
 * snapshot resume with the same RNG state and hand out the same "random"
 * numbers. This driver exists to shepherd that event to random.c, which
 * reseeds, and to userspace, which gets a uevent with NEW_VMGENID=1.
 *
 * The ID is described either by ACPI (a device with _CID "VM_Gen_Counter",
 * or _HID "VMGENCTR", whose ADDR method locates it, notified with 0x80) or by
 * a device tree node compatible with "microsoft,vmgenid" (a memory region
 * and an interrupt).
 */

#include <linux/acpi.h>
#include <linux/device.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/kernel.h>
#include <linux/kobject.h>
#include <linux/mod_devicetable.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/random.h>

enum { VMGENID_SIZE = 16 };

struct vmgenid_state {
	u8 *next_id;
	u8 this_id[VMGENID_SIZE];
	/* Serialises notifications, which may run on several CPUs. */
	struct mutex lock;
};

/* Sent to userspace, once the RNG was reseeded, when the ID changed. */
static char *vmgenid_uevent_env[] = { "NEW_VMGENID=1", NULL };

static void vmgenid_update(struct device *dev)
{
	struct vmgenid_state *state = dev_get_drvdata(dev);
	u8 old_id[VMGENID_SIZE];
	bool changed;

	mutex_lock(&state->lock);
	memcpy(old_id, state->this_id, sizeof(old_id));
	memcpy(state->this_id, state->next_id, sizeof(state->this_id));
	changed = memcmp(old_id, state->this_id, sizeof(old_id));
	if (changed)
		add_vmfork_randomness(state->this_id, sizeof(state->this_id));
	mutex_unlock(&state->lock);

	if (changed)
		kobject_uevent_env(&dev->kobj, KOBJ_CHANGE, vmgenid_uevent_env);
}

/*
 * The specification asks for a cacheable mapping of the ID, so use memremap()
 * rather than ioremap(), which would be uncached.
 */
static int vmgenid_map(struct device *dev, struct vmgenid_state *state,
		       phys_addr_t phys_addr)
{
	void *id;

	id = devm_memremap(dev, phys_addr, VMGENID_SIZE, MEMREMAP_WB);
	if (IS_ERR(id)) {
		dev_err(dev, "cannot map the generation ID at %pa\n", &phys_addr);
		return PTR_ERR(id);
	}

	state->next_id = id;
	memcpy(state->this_id, state->next_id, sizeof(state->this_id));
	add_device_randomness(state->this_id, sizeof(state->this_id));
	return 0;
}

static struct vmgenid_state *vmgenid_alloc(struct device *dev)
{
	struct vmgenid_state *state;

	state = devm_kzalloc(dev, sizeof(*state), GFP_KERNEL);
	if (!state)
		return NULL;
	mutex_init(&state->lock);

	/* Set before any notification source is installed. */
	dev_set_drvdata(dev, state);
	return state;
}

static const struct acpi_device_id vmgenid_acpi_ids[] = {
	{ "VMGENCTR", 0 },
	{ "VM_GEN_COUNTER", 0 },
	{ }
};
MODULE_DEVICE_TABLE(acpi, vmgenid_acpi_ids);

#ifdef CONFIG_ACPI
/*
 * The specification notifies with 0x80, but like the acpi_driver .notify
 * callback this replaces, act on every device notification: re-reading an
 * unchanged ID does nothing.
 */
static void vmgenid_acpi_handler(acpi_handle handle, u32 event, void *dev)
{
	vmgenid_update(dev);
}

static void vmgenid_acpi_remove(void *data)
{
	struct acpi_device *adev = data;

	/* This also waits for handlers that are already running. */
	acpi_remove_notify_handler(adev->handle, ACPI_DEVICE_NOTIFY,
				   vmgenid_acpi_handler);
}

/* The ID of ACPI device @adev, for @dev, which holds the resources. */
static int vmgenid_add_acpi(struct device *dev, struct acpi_device *adev,
			    struct vmgenid_state *state)
{
	struct acpi_buffer parsed = { ACPI_ALLOCATE_BUFFER };
	union acpi_object *obj;
	phys_addr_t phys_addr;
	acpi_status status;
	int ret;

	status = acpi_evaluate_object(adev->handle, "ADDR", NULL, &parsed);
	if (ACPI_FAILURE(status)) {
		dev_err(dev, "cannot evaluate ADDR: %s\n",
			acpi_format_exception(status));
		return -ENODEV;
	}

	obj = parsed.pointer;
	if (!obj || obj->type != ACPI_TYPE_PACKAGE || obj->package.count != 2 ||
	    obj->package.elements[0].type != ACPI_TYPE_INTEGER ||
	    obj->package.elements[1].type != ACPI_TYPE_INTEGER) {
		dev_err(dev, "ADDR is not a package of two integers\n");
		ret = -EINVAL;
		goto out;
	}

	phys_addr = (obj->package.elements[0].integer.value & U32_MAX) |
		    (obj->package.elements[1].integer.value << 32);
	ret = vmgenid_map(dev, state, phys_addr);
	if (ret)
		goto out;

	status = acpi_install_notify_handler(adev->handle, ACPI_DEVICE_NOTIFY,
					     vmgenid_acpi_handler, dev);
	if (ACPI_FAILURE(status)) {
		dev_err(dev, "cannot install the notify handler: %s\n",
			acpi_format_exception(status));
		ret = -ENODEV;
		goto out;
	}
	ret = devm_add_action_or_reset(dev, vmgenid_acpi_remove, adev);
out:
	ACPI_FREE(parsed.pointer);
	return ret;
}

/*
 * ACPI makes a platform device only of a device that has a _HID. The
 * specification's own example describes the ID with no _HID, only _CID
 * "VM_Gen_Counter": bind such devices on the ACPI bus, and leave every
 * device that has a platform device to the platform driver, so that none
 * is bound twice.
 */
static int vmgenid_acpi_add(struct acpi_device *adev)
{
	struct vmgenid_state *state;

	if (adev->pnp.type.platform_id)
		return -ENODEV;

	state = vmgenid_alloc(&adev->dev);
	if (!state)
		return -ENOMEM;
	return vmgenid_add_acpi(&adev->dev, adev, state);
}

static struct acpi_driver vmgenid_acpi_driver = {
	.name = "vmgenid",
	.ids = vmgenid_acpi_ids,
	.owner = THIS_MODULE,
	.ops = {
		.add = vmgenid_acpi_add,
	},
};

static int vmgenid_acpi_register(void)
{
	/* A kernel booted without ACPI tables has no ACPI device to bind. */
	if (acpi_disabled)
		return 0;
	return acpi_bus_register_driver(&vmgenid_acpi_driver);
}

static void vmgenid_acpi_unregister(void)
{
	if (!acpi_disabled)
		acpi_bus_unregister_driver(&vmgenid_acpi_driver);
}
#else
static int vmgenid_add_acpi(struct device *dev, struct acpi_device *adev,
			    struct vmgenid_state *state)
{
	return -ENODEV;
}

static int vmgenid_acpi_register(void)
{
	return 0;
}

static void vmgenid_acpi_unregister(void)
{
}
#endif

static irqreturn_t vmgenid_of_irq(int irq, void *dev)
{
	vmgenid_update(dev);
	return IRQ_HANDLED;
}

static int vmgenid_add_of(struct platform_device *pdev,
			  struct vmgenid_state *state)
{
	struct device *dev = &pdev->dev;
	struct resource *res;
	int irq, ret;

	res = platform_get_resource(pdev, IORESOURCE_MEM, 0);
	if (!res) {
		dev_err(dev, "no reg region for the generation ID\n");
		return -EINVAL;
	}
	if (resource_size(res) < VMGENID_SIZE) {
		dev_err(dev, "reg %pR is smaller than the %d-byte generation ID\n",
			res, VMGENID_SIZE);
		return -EINVAL;
	}

	irq = platform_get_irq(pdev, 0);
	if (irq < 0)
		return irq;

	ret = vmgenid_map(dev, state, res->start);
	if (ret)
		return ret;

	/* Threaded: the uevent allocates memory and may sleep. */
	ret = devm_request_threaded_irq(dev, irq, NULL, vmgenid_of_irq,
					IRQF_ONESHOT, dev_name(dev), dev);
	if (ret)
		dev_err(dev, "cannot request interrupt %d: %d\n", irq, ret);
	return ret;
}

static int vmgenid_probe(struct platform_device *pdev)
{
	struct vmgenid_state *state;

	state = vmgenid_alloc(&pdev->dev);
	if (!state)
		return -ENOMEM;

	if (has_acpi_companion(&pdev->dev))
		return vmgenid_add_acpi(&pdev->dev, ACPI_COMPANION(&pdev->dev),
					state);
	return vmgenid_add_of(pdev, state);
}

static const struct of_device_id vmgenid_of_ids[] = {
	{ .compatible = "microsoft,vmgenid" },
	{ }
};
MODULE_DEVICE_TABLE(of, vmgenid_of_ids);

static struct platform_driver vmgenid_driver = {
	.probe = vmgenid_probe,
	.driver = {
		.name = "vmgenid",
		.of_match_table = vmgenid_of_ids,
		.acpi_match_table = vmgenid_acpi_ids,
	},
};

static int __init vmgenid_init(void)
{
	int ret;

	ret = platform_driver_register(&vmgenid_driver);
	if (ret)
		return ret;
	ret = vmgenid_acpi_register();
	if (ret)
		platform_driver_unregister(&vmgenid_driver);
	return ret;
}
module_init(vmgenid_init);

static void __exit vmgenid_exit(void)
{
	vmgenid_acpi_unregister();
	platform_driver_unregister(&vmgenid_driver);
}
module_exit(vmgenid_exit);

MODULE_DESCRIPTION("Virtual Machine Generation ID");
MODULE_LICENSE("GPL v2");
MODULE_AUTHOR("Jason A. Donenfeld <Jason@zx2c4.com>");
