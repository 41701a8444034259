// SPDX-License-Identifier: GPL-2.0
/*
 * Find the wakeup mailbox that the DTB names, with Debian's libfdt
 * (libfdt-dev: /usr/include/libfdt.h, /usr/lib/x86_64-linux-gnu/libfdt.a).
 *
 * The DTB is multiboot module 2, the tree the firmware hands to Linux as
 * SETUP_DTB. Its mailbox is the "intel,wakeup-mailbox" child of
 * /reserved-memory, whose reg is read with the #address-cells and
 * #size-cells of /reserved-memory (1 or 2 each; the field uses 2/1).
 */
#include "fw.h"
#include <libfdt.h>

/* the DTB of module 2 after fdt_check_full(), or NULL without module 2 */
const void *dtb_module(void)
{
	const struct mb_module *m = mb_module(2);
	const void *fdt;
	int err;

	if (!m)
		return NULL;
	fdt = (const void *)(uintptr_t)m->start;
	if (m->end - m->start < sizeof(struct fdt_header))
		fw_error("module 2 is too small for a DTB (%u bytes)\n", m->end - m->start);
	err = fdt_check_full(fdt, m->end - m->start);
	if (err)
		fw_error("module 2 is not a valid DTB: %s (libfdt)\n", fdt_strerror(err));
	return fdt;
}

/* Devicetree Specification 2.3.4: no status, "okay" or "ok" */
static int available(const void *fdt, int node)
{
	const char *status;
	int len;

	status = fdt_getprop(fdt, node, "status", &len);
	if (!status)
		return 1;
	return (len == 5 && !memcmp(status, "okay", 5)) ||
	       (len == 3 && !memcmp(status, "ok", 3));
}

static u64 read_cells(const fdt32_t *p, int cells)
{
	u64 v = 0;

	while (cells--)
		v = (v << 32) | fdt32_to_cpu(*p++);
	return v;
}

#define HINT "; to boot such a tree, name the firmware's mailbox with mailbox=ADDR"

/* strict: stop the firmware; otherwise (mailbox= given) only say it */
#define PROBLEM(fmt, ...) do {						\
		if (strict)						\
			fw_error(fmt HINT "\n", ##__VA_ARGS__);		\
		fw_printf("fw: note: " fmt "\n", ##__VA_ARGS__);	\
		return 0;						\
	} while (0)

/*
 * The mailbox the DTB names: 1 with its address (and node path), 0 if the
 * DTB has no available "intel,wakeup-mailbox" node. A node the firmware
 * cannot park the APs on (more than one, a reg that is not one 4 KiB
 * entry) stops the firmware if @strict: it does not guess.
 */
int dtb_mailbox(const void *fdt, u64 *addr, char *path, size_t pathlen, int strict)
{
	const fdt32_t *reg;
	int rm, node, found = -1, nodes = 0, ac, sc, len, err;
	u64 size;

	rm = fdt_path_offset(fdt, "/reserved-memory");
	if (rm == -FDT_ERR_NOTFOUND) {
		fw_printf("fw: dtb: no /reserved-memory node\n");
		return 0;
	}
	if (rm < 0)
		fw_error("dtb: /reserved-memory: %s (libfdt)\n", fdt_strerror(rm));

	fdt_for_each_subnode(node, fdt, rm) {
		err = fdt_node_check_compatible(fdt, node, "intel,wakeup-mailbox");
		if (err == 1 || err == -FDT_ERR_NOTFOUND)
			continue;
		if (err < 0)
			fw_error("dtb: %s (libfdt)\n", fdt_strerror(err));
		if (fdt_get_path(fdt, node, path, pathlen))
			fw_error("dtb: node path longer than %u bytes\n", (u32)pathlen);
		if (!available(fdt, node)) {
			fw_printf("fw: dtb: %s is disabled; not parking the aps on it\n", path);
			continue;
		}
		if (found < 0)
			found = node;
		nodes++;
	}
	if (node < 0 && node != -FDT_ERR_NOTFOUND)
		fw_error("dtb: children of /reserved-memory: %s (libfdt)\n", fdt_strerror(node));
	if (found < 0) {
		fw_printf("fw: dtb: no available intel,wakeup-mailbox node in /reserved-memory\n");
		return 0;
	}
	if (fdt_get_path(fdt, found, path, pathlen))
		fw_error("dtb: node path longer than %u bytes\n", (u32)pathlen);
	if (nodes > 1)
		PROBLEM("dtb: %d intel,wakeup-mailbox nodes; the firmware parks the aps on one",
			nodes);

	ac = fdt_address_cells(fdt, rm);
	sc = fdt_size_cells(fdt, rm);
	if (ac < 0 || sc < 0)
		fw_error("dtb: /reserved-memory: #address-cells or #size-cells: %s (libfdt)\n",
			 fdt_strerror(ac < 0 ? ac : sc));
	if (ac < 1 || ac > 2 || sc < 1 || sc > 2)
		PROBLEM("dtb: /reserved-memory has #address-cells = <%d>, #size-cells = <%d>;"
			" the firmware takes 1 or 2 of each", ac, sc);
	/* reserved-memory binding: an empty ranges, the parent's addresses 1:1 */
	if (!fdt_getprop(fdt, rm, "ranges", &len))
		PROBLEM("dtb: /reserved-memory has no ranges property; its addresses cannot"
			" be translated");
	if (len != 0)
		PROBLEM("dtb: /reserved-memory has a non-empty ranges; the firmware only"
			" takes an empty one (1:1)");

	reg = fdt_getprop(fdt, found, "reg", &len);
	if (!reg)
		PROBLEM("dtb: %s has no reg", path);
	if (len != (ac + sc) * 4)
		PROBLEM("dtb: %s: reg is %d bytes, not one entry of %d address and %d size"
			" cells", path, len, ac, sc);
	*addr = read_cells(reg, ac);
	size = read_cells(reg + ac, sc);
	if (size != SZ_4K)
		PROBLEM("dtb: %s: reg size 0x%llx, not 4 KiB", path, size);
	return 1;
}
