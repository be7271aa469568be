/**
 * The partition types a layout may name, with their GPT type GUIDs (UEFI spec and the Discoverable
 * Partitions Specification) and MBR type bytes. A raw GUID (GPT) or a raw byte such as `0x0c` (MBR) may be
 * given instead of a name.
 */
import { isGuid, normalizeGuid } from '../lib/guid.js';

export const PARTITION_TYPE_NAMES = ['esp', 'bios-boot', 'root', 'linux', 'home', 'swap'] as const;
export type PartitionTypeName = (typeof PARTITION_TYPE_NAMES)[number];

export const GPT_TYPE_GUIDS = {
  esp: 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B',
  'bios-boot': '21686148-6449-6E6F-744E-656564454649',
  /** x86-64 root, from the Discoverable Partitions Specification. */
  root: '4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709',
  linux: '0FC63DAF-8483-4772-8E79-3D69D8477DE4',
  home: '933AC7E1-2EB4-4F13-B844-0E14E2AEF915',
  swap: '0657FD6D-A4AB-43C4-84E5-0933C84B4F4F',
} as const satisfies Record<PartitionTypeName, string>;

/** MBR type bytes; bios-boot has none (an MBR disk keeps GRUB's core image in the gap before partition 1). */
export const MBR_TYPE_BYTES = {
  esp: 0xef,
  root: 0x83,
  linux: 0x83,
  home: 0x83,
  swap: 0x82,
} as const satisfies Partial<Record<PartitionTypeName, number>>;

export const MBR_TYPE_PATTERN = /^0x[0-9A-Fa-f]{2}$/;

function isPartitionTypeName(value: string): value is PartitionTypeName {
  return (PARTITION_TYPE_NAMES as readonly string[]).includes(value);
}

/** The GPT type GUID of a layout type, or undefined when it has none (an MBR byte). */
export function gptTypeGuid(type: string): string | undefined {
  if (isPartitionTypeName(type)) return GPT_TYPE_GUIDS[type];
  return isGuid(type) ? normalizeGuid(type) : undefined;
}

/** The MBR type byte of a layout type, or undefined when it has none (bios-boot, a GUID). */
export function mbrTypeByte(type: string): number | undefined {
  if (isPartitionTypeName(type)) return type === 'bios-boot' ? undefined : MBR_TYPE_BYTES[type];
  return MBR_TYPE_PATTERN.test(type) ? parseInt(type.slice(2), 16) : undefined;
}

/** The layout name of a GPT type GUID, for printing tables read from disks; the GUID itself otherwise. */
export function describeGptType(guid: string): string {
  const upper = guid.toUpperCase();
  const name = PARTITION_TYPE_NAMES.find((n) => GPT_TYPE_GUIDS[n] === upper);
  return name ?? upper;
}

/** The layout name of an MBR type byte (0x83 is "linux"), or `0xNN`. */
export function describeMbrType(byte: number): string {
  const names: Record<number, string> = { 0xef: 'esp', 0x83: 'linux', 0x82: 'swap', 0xee: 'gpt-protective', 0x05: 'extended', 0x0f: 'extended', 0x0c: 'fat32' };
  return names[byte] ?? `0x${byte.toString(16).padStart(2, '0')}`;
}
