/**
 * The layout the installer offers by default: an EFI system partition, optional swap, and a root
 * filesystem filling the rest of the disk. A 1 MiB BIOS boot partition is added in front when GRUB must
 * boot the GPT disk from a BIOS.
 */
import type { Layout, LayoutPartition } from '../system/layout.js';

export interface GuidedLayoutOptions {
  readonly table?: 'gpt' | 'mbr';
  /** Bytes; default 512 MiB. */
  readonly espBytes?: number;
  /** Bytes of swap; 0 or absent for none. */
  readonly swapBytes?: number;
  readonly rootFilesystem?: 'ext4' | 'btrfs' | 'xfs';
  /** Add a BIOS boot partition for GRUB on a BIOS machine (GPT only). */
  readonly biosBoot?: boolean;
}

const GUIDED_DEFAULTS = {
  espBytes: 512 * 1024 * 1024,
  rootFilesystem: 'ext4',
  espLabel: 'ESP',
  swapLabel: 'cairn-swap',
  rootLabel: 'cairn-root',
} as const;

export function guidedLayout(options: GuidedLayoutOptions = {}): Layout {
  const table = options.table ?? 'gpt';
  const partitions: LayoutPartition[] = [];
  if (options.biosBoot === true && table === 'gpt') {
    partitions.push({ name: 'bios-boot', type: 'bios-boot', size: { kind: 'bytes', bytes: 1024 * 1024 }, bootable: false });
  }
  partitions.push({
    name: 'ESP',
    type: 'esp',
    size: { kind: 'bytes', bytes: options.espBytes ?? GUIDED_DEFAULTS.espBytes },
    format: 'vfat',
    label: GUIDED_DEFAULTS.espLabel,
    bootable: false,
  });
  if (options.swapBytes !== undefined && options.swapBytes > 0) {
    partitions.push({ name: 'swap', type: 'swap', size: { kind: 'bytes', bytes: options.swapBytes }, format: 'swap', label: GUIDED_DEFAULTS.swapLabel, bootable: false });
  }
  partitions.push({
    name: 'root',
    type: 'root',
    size: { kind: 'percent', percent: 100 },
    format: options.rootFilesystem ?? GUIDED_DEFAULTS.rootFilesystem,
    label: GUIDED_DEFAULTS.rootLabel,
    bootable: false,
  });
  return { table, partitions };
}
