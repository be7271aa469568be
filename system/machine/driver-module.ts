/** Which kernel module provides a device's driver: what goes into the initrd's module list. */
import { posix } from 'node:path';
import type { HostFiles } from './host-files.js';

/**
 * The module of a bound driver: `<device>/driver/module` fully resolved is `/sys/module/<name>`. Built-in
 * drivers have no module link, and then nothing needs loading.
 */
export async function moduleOfDriver(files: HostFiles, driverLink: string): Promise<string | null> {
  const module = await files.realPath(`${driverLink}/module`);
  return module === undefined ? null : posix.basename(module);
}
