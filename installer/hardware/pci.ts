/**
 * PCI devices from /sys/bus/pci/devices/<domain:bus:slot.function>: class, vendor and device ids, and the
 * driver bound to each with the kernel module that provides it (none when the driver is built in).
 */
import type { HostFiles } from '../../system/machine/host-files.js';
import { moduleOfDriver } from '../../system/machine/driver-module.js';
import { decodePciClass } from './pci-classes.js';

export interface PciDevice {
  /** `0000:00:1f.2` */
  readonly address: string;
  /** The class code as sysfs writes it, `0x010601`. */
  readonly classCode: string;
  /** The specification's name for the class, or `unknown class 0x...`. */
  readonly className: string;
  /** `0x8086` */
  readonly vendorId: string;
  readonly deviceId: string;
  readonly subsystemVendorId: string | null;
  readonly subsystemDeviceId: string | null;
  /** The bound driver (`ahci`, `nvme`, `virtio-pci`), null when none is bound. */
  readonly driver: string | null;
  /** The module providing the driver (`ahci`, `virtio_pci`); null when built into the kernel or unbound. */
  readonly module: string | null;
}

const PCI_DEVICES = '/sys/bus/pci/devices';

export async function detectPciDevices(files: HostFiles): Promise<PciDevice[]> {
  const addresses = await files.list(PCI_DEVICES);
  const devices = await Promise.all(addresses.map((address) => readPciDevice(files, address)));
  return devices.filter((d): d is PciDevice => d !== undefined);
}

async function readPciDevice(files: HostFiles, address: string): Promise<PciDevice | undefined> {
  const path = `${PCI_DEVICES}/${address}`;
  const [classText, vendorId, deviceId, subsystemVendorId, subsystemDeviceId, driver, module] = await Promise.all([
    files.attribute(`${path}/class`, { required: true }),
    files.attribute(`${path}/vendor`, { required: true }),
    files.attribute(`${path}/device`, { required: true }),
    files.attribute(`${path}/subsystem_vendor`),
    files.attribute(`${path}/subsystem_device`),
    files.linkName(`${path}/driver`),
    moduleOfDriver(files, `${path}/driver`),
  ]);
  if (classText === undefined || vendorId === undefined || deviceId === undefined) return undefined;
  const pciClass = decodePciClass(classText);
  if (pciClass === undefined) {
    files.note(`${path}/class`, `expected a class code such as 0x010601, found "${classText}"`);
    return undefined;
  }
  if (pciClass.name === undefined) files.note(`${path}/class`, `unknown PCI class ${pciClass.hex}; the device is listed without a class name`);
  return {
    address,
    classCode: pciClass.hex,
    className: pciClass.name ?? `unknown class ${pciClass.hex}`,
    vendorId: vendorId.toLowerCase(),
    deviceId: deviceId.toLowerCase(),
    subsystemVendorId: subsystemVendorId?.toLowerCase() ?? null,
    subsystemDeviceId: subsystemDeviceId?.toLowerCase() ?? null,
    driver: driver ?? null,
    module: module ?? null,
  };
}
