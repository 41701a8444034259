/*
 * SPDX-License-Identifier: GPL-2.0
 *
 * An SSDT with malformed Virtual Machine Generation ID devices, loaded into
 * QEMU with -acpitable: the driver must refuse each with a message. They
 * match the driver through _CID, as QEMU's own device does.
 */
DefinitionBlock ("", "SSDT", 2, "VMGNDT", "BADVGID", 1)
{
    Scope (\_SB)
    {
        /* No ADDR method at all. */
        Device (VGN1)
        {
            Name (_HID, "VGNT0001")
            Name (_CID, "VM_GEN_COUNTER")
            Name (_UID, 1)
        }

        /* ADDR returns a package of one integer. */
        Device (VGN2)
        {
            Name (_HID, "VGNT0001")
            Name (_CID, "VM_GEN_COUNTER")
            Name (_UID, 2)
            Method (ADDR, 0, NotSerialized)
            {
                Return (Package (1) { 0x1000 })
            }
        }

        /* ADDR returns a package of two strings. */
        Device (VGN3)
        {
            Name (_HID, "VGNT0001")
            Name (_CID, "VM_GEN_COUNTER")
            Name (_UID, 3)
            Method (ADDR, 0, NotSerialized)
            {
                Return (Package (2) { "low", "high" })
            }
        }

        /* ADDR is an integer, not a package. */
        Device (VGN4)
        {
            Name (_HID, "VGNT0001")
            Name (_CID, "VM_GEN_COUNTER")
            Name (_UID, 4)
            Name (ADDR, 0x1000)
        }

        /* Only a _CID, as in the specification's example, and no ADDR:
         * the ACPI driver, not the platform driver, must refuse it. */
        Device (VGN5)
        {
            Name (_CID, "VM_Gen_Counter")
        }
    }
}
