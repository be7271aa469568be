/**
 * hardware-configuration.yaml: what `cairn generate-config` derives from the machine, the counterpart of
 * NixOS's hardware-configuration.nix (option names follow NixOS where there is one). Cairn rewrites this
 * file each time; users put their own settings in configuration.yaml.
 */
import { z } from 'zod';
import { validate } from '../lib/schema.js';
import { parseYaml } from '../lib/yaml.js';

/** systemd-detect-virt's names for virtual machines, plus `vm-other` for an unnamed hypervisor. */
const VM_KINDS = ['none', 'kvm', 'qemu', 'bochs', 'oracle', 'vmware', 'microsoft', 'xen', 'parallels', 'amazon', 'bhyve', 'google', 'apple', 'vm-other'] as const;
export type VmKind = (typeof VM_KINDS)[number];

/** systemd-detect-virt's names for containers, plus `container-other`. */
const CONTAINER_KINDS = ['none', 'docker', 'podman', 'lxc', 'lxc-libvirt', 'systemd-nspawn', 'wsl', 'openvz', 'container-other'] as const;
export type ContainerKind = (typeof CONTAINER_KINDS)[number];

/** The guest support a system enables in a VM: NixOS's qemu-guest profile, VirtualBox guest additions, ... */
const GUEST_SUPPORT = ['none', 'qemu', 'virtualbox', 'vmware', 'hyperv', 'xen', 'parallels'] as const;
export type GuestSupport = (typeof GUEST_SUPPORT)[number];

export const kernelModuleName = z
  .string()
  .regex(/^[A-Za-z0-9_-]+$/)
  .describe('a kernel module name such as ahci, nvme or kvm-intel');

export const absolutePath = z.string().regex(/^\/\S*$/).describe('an absolute path such as /dev/disk/by-uuid/... or /boot');

/**
 * A mapping whose keys must match a pattern. The keys are checked here rather than by a key schema so that a
 * bad key is reported like any other value: with its key path, its line, and what was expected.
 */
function keyedBy<V extends z.ZodType>(pattern: RegExp, expected: string, value: V) {
  return z.record(z.string(), value).superRefine((record, context) => {
    for (const key of Object.keys(record)) {
      if (!pattern.test(key)) context.addIssue({ code: 'custom', path: [key], message: `expected ${expected} (got ${JSON.stringify(key)})` });
    }
  });
}

/** LUKS devices by their device-mapper name, as NixOS's boot.initrd.luks.devices (configuration.yaml and system specs share it). */
export const luksDevicesSchema = keyedBy(/^[A-Za-z0-9_.+:-]+$/, 'a device-mapper name (letters, digits, _ . + : -)', z.strictObject({ device: absolutePath }));

const fileSystemSchema = z
  .strictObject({
    device: z.string().min(1).describe('the device, by a stable name: /dev/disk/by-uuid/..., /dev/disk/by-label/..., /dev/mapper/...; or a source such as tmpfs'),
    fsType: z.string().regex(/^[a-z0-9_.]+$/).describe('a filesystem type such as ext4, vfat, btrfs, xfs'),
    options: z.array(z.string().regex(/^[^\s,]+$/).describe('one mount option without spaces or commas')).optional(),
  })
  .describe('a filesystem: device, type, mount options');

export const hardwareConfigurationSchema = z
  .strictObject({
    version: z.literal(1),
    system: z.string().regex(/^[a-z0-9_]+-linux$/).describe('the platform, e.g. x86_64-linux'),
    firmware: z.strictObject({
      type: z.enum(['uefi', 'bios']),
      efiBitness: z.union([z.literal(32), z.literal(64)]).optional().describe('32 or 64: the word size of the UEFI firmware'),
    }),
    boot: z.strictObject({
      initrd: z.strictObject({
        availableKernelModules: z.array(kernelModuleName).default([]),
        kernelModules: z.array(kernelModuleName).default([]),
        luks: z.strictObject({ devices: luksDevicesSchema }).optional(),
      }),
      kernelModules: z.array(kernelModuleName).default([]),
      swraid: z
        .strictObject({
          enable: z.boolean(),
          arrays: z
            .array(
              z.strictObject({
                name: z.string().min(1),
                level: z.string().min(1).optional(),
                uuid: z.string().regex(/^[0-9a-f]{8}(:[0-9a-f]{8}){3}$/).describe("mdadm's array UUID, four groups of 8 hex digits separated by colons").optional(),
              }),
            )
            .default([]),
        })
        .optional(),
    }),
    hardware: z.strictObject({
      cpu: z.strictObject({
        vendor: z.enum(['intel', 'amd', 'other']),
        updateMicrocode: z.boolean().describe('load CPU microcode updates early (bare metal only)'),
      }),
      enableRedistributableFirmware: z.boolean(),
    }),
    virtualisation: z.strictObject({
      vm: z.enum(VM_KINDS),
      container: z.enum(CONTAINER_KINDS),
      guest: z.enum(GUEST_SUPPORT),
    }),
    fileSystems: keyedBy(/^\/\S*$/, 'a mount point: an absolute path such as / or /boot', fileSystemSchema).default({}),
    swapDevices: z.array(z.strictObject({ device: absolutePath })).default([]),
  })
  .describe('hardware-configuration.yaml: what cairn generate-config found on this machine');

export type HardwareConfiguration = z.output<typeof hardwareConfigurationSchema>;
export type FileSystemEntry = z.output<typeof fileSystemSchema>;

export function decodeHardwareConfiguration(text: string, file: string): HardwareConfiguration {
  return validate(hardwareConfigurationSchema, parseYaml(text, file));
}
