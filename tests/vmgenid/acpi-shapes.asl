/*
 * SPDX-License-Identifier: GPL-2.0
 *
 * An SSDT with the Virtual Machine Generation ID device in every shape that
 * hypervisors emit (see README.md, "Every ACPI shape"), loaded into QEMU
 * with -acpitable. Each device's ADDR points at its own 16 bytes in a page
 * that the guest keeps out of its RAM (memmap=4K$0x08000000) and that the
 * host fills with known bytes (-device loader).
 *
 * QEMU can raise no notification for these devices, so a trigger device
 * stands in for the VMM's GPE method: reading its sysfs "status" runs its
 * _STA, which executes Notify (DEV, 0x80) for the device whose number the
 * guest wrote to SEL (1 to 7), counts it in NCNT (modulo 256), then clears
 * SEL. SEL 8 notifies the QEMU device with 0x81 instead, a value the
 * specification does not use, which 6.1's driver acts on all the same. At
 * boot SEL is 0 and _STA notifies nothing. NCNT shows the guest that the
 * Notify ran, as the SCI's count shows that QEMU's notification came.
 *
 * Some of these _HIDs are not valid ACPI or PNP IDs (the VMMs generate
 * their AML themselves): compile with iasl -f.
 */
DefinitionBlock ("", "SSDT", 2, "VMGNDT", "VGSHAPES", 1)
{
    OperationRegion (VGMR, SystemMemory, 0x08000000, 0x1000)
    Field (VGMR, ByteAcc, NoLock, Preserve)
    {
        SEL, 8,
        NCNT, 8
    }

    Scope (\_SB)
    {
        /* The VMGenID specification's own example: no _HID, only the
         * compatible ID. No hypervisor is known to emit it. */
        Device (VGC0)
        {
            Name (_CID, "VM_Gen_Counter")
            Name (_DDN, "VM_Gen_Counter")
            Method (ADDR, 0, NotSerialized)
            {
                Return (Package (2) { 0x08000100, 0 })
            }
        }

        /* QEMU */
        Device (VGQ0)
        {
            Name (_HID, "QEMUVGID")
            Name (_CID, "VM_Gen_Counter")
            Method (ADDR, 0, NotSerialized)
            {
                Return (Package (2) { 0x08000110, 0 })
            }
        }

        /* Xen */
        Device (VGX0)
        {
            Name (_HID, EisaId ("XEN0000"))
            Name (_CID, "VM_Gen_Counter")
            Method (ADDR, 0, NotSerialized)
            {
                Return (Package (2) { 0x08000120, 0 })
            }
        }

        /* Firecracker x86 before 2026 */
        Device (VGF0)
        {
            Name (_HID, "FCVMGID")
            Name (_CID, "VM_Gen_Counter")
            Method (ADDR, 0, NotSerialized)
            {
                Return (Package (2) { 0x08000130, 0 })
            }
        }

        /* Firecracker x86 since 2026, Cloud Hypervisor */
        Device (VGV0)
        {
            Name (_HID, "VMGENCTR")
            Name (_CID, "VM_Gen_Counter")
            Method (ADDR, 0, NotSerialized)
            {
                Return (Package (2) { 0x08000140, 0 })
            }
        }

        /* Hyper-V's long hardware ID */
        Device (VGH0)
        {
            Name (_HID, "Hyper_V_Gen_Counter_V1")
            Name (_CID, "VM_Gen_Counter")
            Method (ADDR, 0, NotSerialized)
            {
                Return (Package (2) { 0x08000150, 0 })
            }
        }

        /* bhyve's long hardware ID */
        Device (VGB0)
        {
            Name (_HID, "Bhyve_V_Gen_Counter_V1")
            Name (_CID, "VM_Gen_Counter")
            Method (ADDR, 0, NotSerialized)
            {
                Return (Package (2) { 0x08000160, 0 })
            }
        }

        /* The stand-in for the VMM's notification. */
        Device (VGTR)
        {
            Name (_HID, "VGNT0002")
            Method (_STA, 0, Serialized)
            {
                Switch (ToInteger (SEL))
                {
                    Case (1) { Notify (VGC0, 0x80) }
                    Case (2) { Notify (VGQ0, 0x80) }
                    Case (3) { Notify (VGX0, 0x80) }
                    Case (4) { Notify (VGF0, 0x80) }
                    Case (5) { Notify (VGV0, 0x80) }
                    Case (6) { Notify (VGH0, 0x80) }
                    Case (7) { Notify (VGB0, 0x80) }
                    Case (8) { Notify (VGQ0, 0x81) }
                }
                If ((SEL >= 1) && (SEL <= 8))
                {
                    NCNT = (NCNT + 1) & 0xFF
                }
                SEL = 0
                Return (0x0F)
            }
        }
    }
}
