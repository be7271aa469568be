/**
 * configuration.yaml from the user's choices (the installer's answers) with defaults for what was not
 * chosen: the boot loader follows the firmware (systemd-boot on UEFI, GRUB otherwise, installed to the disk
 * holding `/`), and host name, time zone, locale and keymap have plain defaults. Pure.
 */
import { validate } from '../../lib/schema.js';
import { configurationSchema, type BootLoader, type Configuration, type UserAccount } from '../../system/configuration.js';
import type { HardwareConfiguration } from '../../system/hardware-configuration.js';
import type { PlatformReport } from '../hardware/platform.js';
import { disksUnder, stableDiskPath, type StableName } from './stable-device.js';

/** What a person decides when installing; everything is optional. */
export interface SystemChoices {
  readonly hostName?: string;
  readonly timeZone?: string;
  readonly locale?: string;
  readonly keyMap?: string;
  /** Accounts with crypt(3) password hashes (never passwords). */
  readonly users?: readonly UserChoice[];
  readonly bootLoader?: BootLoader;
  /** For GRUB on a BIOS machine: the disk to install it to, by a stable name. */
  readonly grubDevice?: string;
  readonly kernelParams?: readonly string[];
  readonly packages?: readonly string[];
}

export type UserChoice = Partial<UserAccount> & Pick<UserAccount, 'name'>;

export type GrubDeviceSource = 'chosen' | 'by-id' | 'kernel-name' | 'none';

const DEFAULT_CHOICES = {
  hostName: 'cairn',
  timeZone: 'UTC',
  locale: 'en_US.UTF-8',
  keyMap: 'us',
} as const;

export interface ConfigurationPlan {
  readonly configuration: Configuration;
  /**
   * How `boot.grubDevice` was chosen, for the comment in the file: by the user, by the generator (the disk
   * holding /, by its by-id name, or by its kernel name when it has none), or not at all.
   */
  readonly grubDeviceSource: GrubDeviceSource;
}

/**
 * Composes and validates the configuration. `file` names it in messages; a bad choice (a host name with a
 * space, a plaintext password) is a ValidationError listing every problem with its key path.
 */
export function planConfiguration(
  platform: PlatformReport,
  hardware: HardwareConfiguration,
  choices: SystemChoices,
  file = 'configuration.yaml',
): ConfigurationPlan {
  const bootLoader = choices.bootLoader ?? (platform.firmware.type === 'uefi' ? 'systemd-boot' : 'grub');
  const guessed = bootLoader === 'grub' && choices.grubDevice === undefined && platform.firmware.type === 'bios' ? diskOfRoot(platform, hardware) : undefined;
  const grubDevice = choices.grubDevice ?? guessed?.path;
  const data = {
    version: 1,
    imports: ['hardware-configuration.yaml'],
    hostName: choices.hostName ?? DEFAULT_CHOICES.hostName,
    timeZone: choices.timeZone ?? DEFAULT_CHOICES.timeZone,
    locale: choices.locale ?? DEFAULT_CHOICES.locale,
    keyMap: choices.keyMap ?? DEFAULT_CHOICES.keyMap,
    boot: {
      loader: bootLoader,
      ...(grubDevice === undefined ? {} : { grubDevice }),
      kernelParams: [...(choices.kernelParams ?? [])],
    },
    users: (choices.users ?? []).map((u) => ({ ...u })),
    packages: [...(choices.packages ?? [])],
  };
  const configuration = validate(configurationSchema, { file, data, locate: () => undefined });
  const grubDeviceSource: GrubDeviceSource = choices.grubDevice !== undefined ? 'chosen' : guessed === undefined ? 'none' : guessed.stable ? 'by-id' : 'kernel-name';
  return { configuration, grubDeviceSource };
}

/** The one disk holding the root filesystem, by its by-id name; undefined when there is none or several (RAID). */
function diskOfRoot(platform: PlatformReport, hardware: HardwareConfiguration): StableName | undefined {
  const rootDevice = hardware.fileSystems['/']?.device;
  if (rootDevice === undefined) return undefined;
  const device = platform.blockDevices.find((d) => d.links.includes(rootDevice) || d.path === rootDevice || `/dev/mapper/${d.deviceMapper?.name}` === rootDevice);
  if (device === undefined) return undefined;
  const disks = disksUnder(platform, device.name);
  return disks.length === 1 ? stableDiskPath(disks[0]!) : undefined;
}
