/**
 * The layout file: a declarative disk layout (`cairn partition plan|apply LAYOUT.yaml`, the installer's
 * `layout:` answer). Validation is pure and reports every problem at once with its key path; the rules that
 * span several keys (unique names, percentages that add up to more than what is left, types the table kind
 * cannot hold, labels a filesystem cannot store) are checked here too, so a layout that validates can be
 * planned on any disk that is large enough.
 *
 *   table: gpt
 *   partitions:
 *     - { name: ESP,  type: esp,  size: 512M, format: vfat, label: ESP }
 *     - { name: swap, type: swap, size: 2G }
 *     - { name: root, type: root, size: 100%, format: ext4, label: cairn-root }
 */
import { z } from 'zod';
import { ValidationError, type Problem } from '../lib/errors.js';
import { describeIssues, formatKeyPath } from '../lib/schema.js';
import { formatSize, parseSize, type SizeSpec } from '../lib/size.js';
import { parseYaml, type LoadedYaml } from '../lib/yaml.js';
import { isGuid } from '../lib/guid.js';
import { MBR_TYPE_PATTERN, PARTITION_TYPE_NAMES } from './partition-types.js';

const FILESYSTEM_FORMATS = ['vfat', 'ext4', 'btrfs', 'xfs', 'swap'] as const;
export type FilesystemFormat = (typeof FILESYSTEM_FORMATS)[number];

/** What each format can store, from its mkfs tool's documented limits. */
export const FORMAT_LIMITS = {
  vfat: { labelPattern: /^[A-Z0-9 _-]{1,11}$/, labelRule: 'at most 11 characters of A-Z, 0-9, space, _ and - (FAT stores labels upper case)', minimumBytes: 1024 * 1024 },
  ext4: { labelPattern: /^[^\n]{1,16}$/, labelRule: 'at most 16 characters', minimumBytes: 1024 * 1024 },
  /** mkfs.btrfs (btrfs-progs 6.x) refuses devices under 114294784 bytes. */
  btrfs: { labelPattern: /^[^\n]{1,255}$/, labelRule: 'at most 255 characters', minimumBytes: 114294784 },
  /** xfsprogs 5.19 and later refuse filesystems under 300 MiB. */
  xfs: { labelPattern: /^[^\n]{1,12}$/, labelRule: 'at most 12 characters', minimumBytes: 300 * 1024 * 1024 },
  swap: { labelPattern: /^[^\n]{1,16}$/, labelRule: 'at most 16 characters', minimumBytes: 1024 * 1024 },
} as const satisfies Record<FilesystemFormat, { labelPattern: RegExp; labelRule: string; minimumBytes: number }>;

export interface LayoutPartition {
  /** Unique in the layout; the GPT partition name (at most 36 characters). */
  readonly name: string;
  /** A type name (esp, bios-boot, root, linux, home, swap), a GPT type GUID, or an MBR type byte `0xNN`. */
  readonly type: string;
  readonly size: SizeSpec;
  readonly format?: FilesystemFormat;
  readonly label?: string;
  /** Where the installed system mounts it; defaults from the type (root /, esp /boot, home /home). */
  readonly mountPoint?: string;
  /** MBR: the active flag. GPT: the legacy BIOS bootable attribute. */
  readonly bootable: boolean;
}

export interface Layout {
  readonly table: 'gpt' | 'mbr';
  readonly partitions: readonly LayoutPartition[];
}

const sizeSchema = z
  .union([z.string(), z.number().int().positive()])
  .describe('a size such as 512M, 2G, 1.5T (binary units), a number of bytes, or a percentage of what is left such as 100%')
  .transform((value, context): SizeSpec => {
    if (typeof value === 'number') return { kind: 'bytes', bytes: value };
    const parsed = parseSize(value);
    if ('error' in parsed) {
      context.addIssue({ code: 'custom', message: parsed.error });
      return z.NEVER;
    }
    if (parsed.kind === 'bytes' && parsed.bytes === 0) {
      context.addIssue({ code: 'custom', message: 'a partition cannot be 0 bytes' });
      return z.NEVER;
    }
    return parsed;
  });

const typeSchema = z
  // YAML reads an unquoted 0x83 as the number 131: take a number as the MBR type byte it spells.
  .union([z.string(), z.number().int().min(0).max(255).transform((n) => `0x${n.toString(16).padStart(2, '0')}`)])
  .refine((value) => (PARTITION_TYPE_NAMES as readonly string[]).includes(value) || isGuid(value) || MBR_TYPE_PATTERN.test(value), {
    message: `expected one of ${PARTITION_TYPE_NAMES.join(', ')}, a GPT type GUID, or an MBR type byte such as 0x0c`,
  })
  .describe(`one of ${PARTITION_TYPE_NAMES.join(', ')}, a GPT type GUID (XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX) or an MBR type byte (0xNN)`);

const partitionSchema = z.strictObject({
  name: z
    .string()
    .min(1)
    .max(36)
    // eslint-disable-next-line no-control-regex -- names with control characters (U+0000-U+001F) are refused
    .regex(/^[^\u0000-\u001f]+$/, 'no control characters')
    .describe('the partition name (GPT stores up to 36 characters); unique in the layout'),
  type: typeSchema,
  size: sizeSchema,
  format: z.enum([...FILESYSTEM_FORMATS, 'none']).optional().describe('the filesystem to create, or none'),
  label: z.string().min(1).optional().describe('the filesystem label'),
  mountPoint: z
    .string()
    .regex(/^(\/[^\s]*|none)$/, 'an absolute path or none')
    .optional()
    .describe('where the installed system mounts it (an absolute path, or none); default from the type'),
  bootable: z.boolean().optional().describe('MBR: the active flag; GPT: the legacy BIOS bootable attribute'),
});

export const layoutSchema = z
  .strictObject({
    table: z.enum(['gpt', 'mbr']).default('gpt').describe('the partition table: gpt (default) or mbr'),
    partitions: z.array(partitionSchema).min(1).describe('the partitions, in disk order'),
  })
  .describe('a Cairn disk layout');

/** The mount point a type implies when the layout gives none. */
export function defaultMountPoint(partition: Pick<LayoutPartition, 'type' | 'format'>): string | undefined {
  switch (partition.type) {
    case 'root':
      return '/';
    case 'esp':
      return '/boot';
    case 'home':
      return '/home';
    default:
      return undefined;
  }
}

/** Checks the rules that span keys; returns the problems (with key paths), empty when the layout is sound. */
function checkLayout(
  layout: { readonly table: Layout['table']; readonly partitions: readonly (LayoutPartition | undefined)[] },
  source: Pick<LoadedYaml, 'file' | 'locate'>,
): Problem[] {
  const problems: Problem[] = [];
  const at = (path: (string | number)[], message: string) =>
    problems.push({ file: source.file, path: formatKeyPath(path), line: source.locate(path), message });
  const names = new Map<string, number>();
  const mountPoints = new Map<string, number>();
  let percent = 0;
  const percentIndexes: number[] = [];
  layout.partitions.forEach((p, i) => {
    if (p === undefined) return; // it has problems of its own, already reported
    const seen = names.get(p.name);
    if (seen !== undefined) at(['partitions', i, 'name'], `"${p.name}" is already the name of partitions[${seen}]; names must be unique`);
    else names.set(p.name, i);
    if (p.size.kind === 'percent') {
      percent += p.size.percent;
      percentIndexes.push(i);
    }
    if (layout.table === 'mbr') {
      if (p.type === 'bios-boot') at(['partitions', i, 'type'], 'bios-boot is a GPT partition type; on an MBR disk GRUB lives in the gap before partition 1, so leave this partition out');
      else if (isGuid(p.type)) at(['partitions', i, 'type'], 'a GUID type needs table: gpt; on MBR give a type byte such as 0x83');
    } else if (MBR_TYPE_PATTERN.test(p.type)) {
      at(['partitions', i, 'type'], 'an MBR type byte needs table: mbr; on GPT give a type name or a type GUID');
    }
    if (p.label !== undefined) {
      if (p.format === undefined) at(['partitions', i, 'label'], 'a label needs a format (the label is the filesystem\'s)');
      else if (!FORMAT_LIMITS[p.format].labelPattern.test(p.label)) at(['partitions', i, 'label'], `${p.format} labels are ${FORMAT_LIMITS[p.format].labelRule} (got "${p.label}")`);
    }
    if (p.format !== undefined && p.size.kind === 'bytes' && p.size.bytes < FORMAT_LIMITS[p.format].minimumBytes) {
      at(['partitions', i, 'size'], `${p.format} needs at least ${formatSize(FORMAT_LIMITS[p.format].minimumBytes)} (got ${formatSize(p.size.bytes)})`);
    }
    if (p.format === 'swap' && p.mountPoint !== undefined && p.mountPoint !== 'none') at(['partitions', i, 'mountPoint'], 'swap is not mounted; leave mountPoint out');
    const mountPoint = p.mountPoint ?? defaultMountPoint(p);
    if (mountPoint !== undefined && mountPoint !== 'none') {
      const other = mountPoints.get(mountPoint);
      if (other !== undefined) at(['partitions', i, p.mountPoint === undefined ? 'type' : 'mountPoint'], `partitions[${other}] is already mounted at ${mountPoint}`);
      else mountPoints.set(mountPoint, i);
    }
  });
  if (layout.table === 'mbr' && layout.partitions.length > 4) {
    at(['partitions', 4], `an MBR holds 4 partitions; this layout has ${layout.partitions.length} (use table: gpt)`);
  }
  if (percent > 100) {
    const which = percentIndexes.map((i) => `partitions[${i}]`).join(', ');
    at(['partitions', percentIndexes[percentIndexes.length - 1]!, 'size'], `the percentages of ${which} add up to ${percent}% of what is left; at most 100% can be given out`);
  }
  return problems;
}

/** Validates parsed data as a layout; throws a ValidationError with every problem. */
export function validateLayout(source: Pick<LoadedYaml, 'file' | 'data' | 'locate'>): Layout {
  const result = layoutSchema.safeParse(source.data);
  if (result.success) {
    const layout: Layout = { table: result.data.table, partitions: result.data.partitions.map(toLayoutPartition) };
    const problems = checkLayout(layout, source);
    if (problems.length > 0) throw new ValidationError(problems, { hint: 'see `cairn config schema layout`' });
    return layout;
  }
  // Every problem at once: the rules across partitions are checked on the partitions that are valid alone.
  const problems = describeIssues(layoutSchema, source, result.error.issues);
  const data = source.data as { table?: unknown; partitions?: unknown };
  const table = layoutSchema.shape.table.safeParse(data.table);
  if (table.success && Array.isArray(data.partitions)) {
    const partitions = data.partitions.map((raw) => {
      const one = partitionSchema.safeParse(raw);
      return one.success ? toLayoutPartition(one.data) : undefined;
    });
    problems.push(...checkLayout({ table: table.data, partitions }, source));
  }
  throw new ValidationError(
    problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)),
    { hint: 'see `cairn config schema layout`' },
  );
}

function toLayoutPartition(p: z.output<typeof partitionSchema>): LayoutPartition {
  return {
    name: p.name,
    type: isGuid(p.type) ? p.type.toUpperCase() : p.type.toLowerCase(),
    size: p.size,
    ...(p.format === undefined || p.format === 'none' ? {} : { format: p.format }),
    ...(p.label === undefined ? {} : { label: p.label }),
    ...(p.mountPoint === undefined ? {} : { mountPoint: p.mountPoint }),
    bootable: p.bootable ?? false,
  };
}

/** Parses and validates a layout file's text. */
export function decodeLayout(text: string, file: string): Layout {
  return validateLayout(parseYaml(text, file));
}
