/**
 * USB devices from /sys/bus/usb/devices: devices are named `<bus>-<port>[.<port>...]` (`1-2`, `3-1.4`),
 * their interfaces `<device>:<configuration>.<interface>` (`1-2:1.0`); `usbN` are the root hubs. A device is
 * mass storage when an interface has class 08, and a boot keyboard when one has class 03 (HID) with
 * protocol 01; their drivers belong in the initrd (a USB root disk, a keyboard for a LUKS passphrase).
 */
import type { HostFiles } from '../../system/machine/host-files.js';
import { moduleOfDriver } from '../../system/machine/driver-module.js';

export interface UsbInterface {
  /** `1-2:1.0` */
  readonly id: string;
  /** Two hex digits each, as sysfs writes them: `08`, `06`, `50`. */
  readonly interfaceClass: string;
  readonly interfaceSubClass: string;
  readonly interfaceProtocol: string;
  readonly driver: string | null;
  readonly module: string | null;
}

export interface UsbDevice {
  /** `1-2` */
  readonly id: string;
  /** `0x0781` */
  readonly vendorId: string;
  readonly productId: string;
  readonly manufacturer: string | null;
  readonly product: string | null;
  /** Link speed in Mbit/s (12, 480, 5000, ...). */
  readonly speedMbps: number | null;
  readonly interfaces: readonly UsbInterface[];
  readonly massStorage: boolean;
  readonly keyboard: boolean;
}

const USB_DEVICES = '/sys/bus/usb/devices';
const DEVICE_NAME = /^\d+-\d+(\.\d+)*$/;
const INTERFACE_NAME = /^(\d+-\d+(?:\.\d+)*):\d+\.\d+$/;

export async function detectUsbDevices(files: HostFiles): Promise<UsbDevice[]> {
  const names = await files.list(USB_DEVICES);
  const interfaces = await Promise.all(names.filter((n) => INTERFACE_NAME.test(n)).map((n) => readInterface(files, n)));
  const devices = await Promise.all(
    names
      .filter((n) => DEVICE_NAME.test(n))
      .map((n) => readDevice(files, n, interfaces.filter((i): i is UsbInterface => i !== undefined && INTERFACE_NAME.exec(i.id)![1] === n))),
  );
  return devices.filter((d): d is UsbDevice => d !== undefined);
}

async function readDevice(files: HostFiles, id: string, interfaces: UsbInterface[]): Promise<UsbDevice | undefined> {
  const path = `${USB_DEVICES}/${id}`;
  const [vendorId, productId, manufacturer, product, speed] = await Promise.all([
    files.attribute(`${path}/idVendor`, { required: true }),
    files.attribute(`${path}/idProduct`, { required: true }),
    files.attribute(`${path}/manufacturer`),
    files.attribute(`${path}/product`),
    files.attribute(`${path}/speed`),
  ]);
  if (vendorId === undefined || productId === undefined) return undefined;
  return {
    id,
    vendorId: `0x${vendorId.toLowerCase()}`,
    productId: `0x${productId.toLowerCase()}`,
    manufacturer: manufacturer ?? null,
    product: product ?? null,
    speedMbps: speed !== undefined && /^\d+(\.\d+)?$/.test(speed) ? Number(speed) : null,
    interfaces,
    massStorage: interfaces.some(isMassStorage),
    keyboard: interfaces.some(isBootKeyboard),
  };
}

async function readInterface(files: HostFiles, id: string): Promise<UsbInterface | undefined> {
  const path = `${USB_DEVICES}/${id}`;
  const [interfaceClass, interfaceSubClass, interfaceProtocol, driver, module] = await Promise.all([
    files.attribute(`${path}/bInterfaceClass`, { required: true }),
    files.attribute(`${path}/bInterfaceSubClass`),
    files.attribute(`${path}/bInterfaceProtocol`),
    files.linkName(`${path}/driver`),
    moduleOfDriver(files, `${path}/driver`),
  ]);
  if (interfaceClass === undefined) return undefined;
  return {
    id,
    interfaceClass: interfaceClass.toLowerCase(),
    interfaceSubClass: interfaceSubClass?.toLowerCase() ?? '00',
    interfaceProtocol: interfaceProtocol?.toLowerCase() ?? '00',
    driver: driver ?? null,
    module: module ?? null,
  };
}

export function isMassStorage(usbInterface: UsbInterface): boolean {
  return usbInterface.interfaceClass === '08';
}

export function isBootKeyboard(usbInterface: UsbInterface): boolean {
  return usbInterface.interfaceClass === '03' && usbInterface.interfaceProtocol === '01';
}
