/**
 * PCI class codes (PCI-SIG "PCI Code and ID Assignment Specification"): a 24-bit value of base class,
 * subclass and programming interface, which /sys/bus/pci/devices/<address>/class shows as `0x010601`.
 * Only the names are kept here; what the configuration does with a class is decided in the config planner.
 */

const BASE_CLASSES = {
  0x00: 'unclassified device',
  0x01: 'mass storage controller',
  0x02: 'network controller',
  0x03: 'display controller',
  0x04: 'multimedia controller',
  0x05: 'memory controller',
  0x06: 'bridge',
  0x07: 'communication controller',
  0x08: 'system peripheral',
  0x09: 'input device controller',
  0x0a: 'docking station',
  0x0b: 'processor',
  0x0c: 'serial bus controller',
  0x0d: 'wireless controller',
  0x0e: 'intelligent controller',
  0x0f: 'satellite communication controller',
  0x10: 'encryption controller',
  0x11: 'signal processing controller',
  0x12: 'processing accelerator',
  0x13: 'non-essential instrumentation',
  0x40: 'coprocessor',
  0xff: 'unassigned class (vendor specific)',
} as const satisfies Record<number, string>;

/** Subclasses (and a few programming interfaces) that matter for installing a system. */
const SUBCLASSES = {
  0x0000: 'non-VGA unclassified device',
  0x0001: 'VGA-compatible unclassified device',
  0x0100: 'SCSI storage controller',
  0x0101: 'IDE interface',
  0x0104: 'RAID bus controller',
  0x0105: 'ATA controller',
  0x0106: 'SATA controller',
  0x0107: 'serial attached SCSI controller',
  0x0108: 'non-volatile memory controller',
  0x0180: 'mass storage controller',
  0x0200: 'Ethernet controller',
  0x0280: 'network controller',
  0x0300: 'VGA compatible controller',
  0x0302: '3D controller',
  0x0380: 'display controller',
  0x0401: 'multimedia audio controller',
  0x0403: 'audio device',
  0x0600: 'host bridge',
  0x0601: 'ISA bridge',
  0x0604: 'PCI bridge',
  0x0680: 'bridge',
  0x0700: 'serial controller',
  0x0780: 'communication controller',
  0x0805: 'SD host controller',
  0x0880: 'system peripheral',
  0x0c00: 'FireWire (IEEE 1394) controller',
  0x0c03: 'USB controller',
  0x0c05: 'SMBus',
  0x0c80: 'serial bus controller',
  0x0d11: 'Bluetooth controller',
  0x0d80: 'wireless controller',
  0x1180: 'signal processing controller',
} as const satisfies Record<number, string>;

const PROGRAMMING_INTERFACES = {
  0x010601: 'SATA controller (AHCI)',
  0x010802: 'NVMe controller',
  0x0c0300: 'USB 1.1 controller (UHCI)',
  0x0c0310: 'USB 1.1 controller (OHCI)',
  0x0c0320: 'USB 2.0 controller (EHCI)',
  0x0c0330: 'USB 3 controller (xHCI)',
} as const satisfies Record<number, string>;

export interface PciClass {
  /** The 24-bit class code. */
  readonly code: number;
  /** `0x010601`, as sysfs writes it. */
  readonly hex: string;
  /** A name from the specification, or undefined for a base class it does not define. */
  readonly name: string | undefined;
}

/** Decodes sysfs's `class` attribute; undefined when it is not a 24-bit hexadecimal number. */
export function decodePciClass(text: string): PciClass | undefined {
  const match = /^0x([0-9a-fA-F]{6})$/.exec(text.trim());
  if (!match) return undefined;
  const code = parseInt(match[1]!, 16);
  const name =
    (PROGRAMMING_INTERFACES as Record<number, string>)[code] ??
    (SUBCLASSES as Record<number, string>)[code >> 8] ??
    (BASE_CLASSES as Record<number, string>)[code >> 16];
  return { code, hex: `0x${match[1]!.toLowerCase()}`, name };
}

/** Base class 0x01: the controllers disks hang off. */
export function isStorageClass(code: number): boolean {
  return code >> 16 === 0x01;
}

/** 0x0c00 FireWire and 0x0c03 USB: buses a boot disk or a keyboard may be on. */
export function isFireWireOrUsbClass(code: number): boolean {
  return code >> 8 === 0x0c00 || code >> 8 === 0x0c03;
}

export function isDisplayClass(code: number): boolean {
  return code >> 16 === 0x03;
}
