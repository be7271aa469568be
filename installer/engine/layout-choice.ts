/**
 * From what the user chose (guided settings, a layout file, edited partitions, an inline layout) to a Layout
 * the partition planner takes, and back to what the answers file says.
 */
import { dirname, isAbsolute, join } from 'node:path';
import { readUserFile } from '../../lib/user-file.js';
import { formatExactSize, parseByteSize } from '../../lib/size.js';
import type { Answers } from '../../system/answers.js';
import { decodeLayout, type Layout } from '../../system/layout.js';
import { guidedLayout } from '../../partitioning/guided-layout.js';
import type { CustomPartition, LayoutChoice } from './contract.js';

export interface LayoutContext {
  /** Where a relative layout file path is resolved: the answers file's folder, or the working directory. */
  readonly baseDirectory: string;
  /** A BIOS machine booting with GRUB gets a BIOS boot partition in the guided layout. */
  readonly biosBoot: boolean;
}

export function choiceFromAnswers(answers: Answers): LayoutChoice {
  if (answers.layout === 'guided') return { kind: 'guided', filesystem: answers.filesystem, swap: answers.swap };
  if ('file' in answers.layout) return { kind: 'file', path: answers.layout.file };
  return { kind: 'inline', layout: answers.layout.inline };
}

/** The answers' `layout`, `filesystem` and `swap` for a choice. */
export function answersLayoutOf(choice: LayoutChoice, layout: Layout): Pick<Answers, 'layout' | 'filesystem' | 'swap'> & Partial<Answers> {
  switch (choice.kind) {
    case 'guided':
      return { layout: 'guided', filesystem: choice.filesystem, swap: choice.swap };
    case 'file':
      return { layout: { file: choice.path }, filesystem: 'ext4', swap: 'none' };
    case 'custom':
    case 'inline':
      return { layout: { inline: layout }, filesystem: 'ext4', swap: 'none' };
  }
}

export async function resolveLayout(choice: LayoutChoice, context: LayoutContext): Promise<Layout> {
  switch (choice.kind) {
    case 'guided':
      return guided(choice.filesystem, choice.swap, context);
    case 'file': {
      const path = isAbsolute(choice.path) ? choice.path : join(context.baseDirectory, choice.path);
      return decodeLayout(await readUserFile(path, 'layout file'), path);
    }
    case 'custom':
      return customLayout(choice.partitions, context);
    case 'inline':
      return choice.layout;
  }
}

function guided(filesystem: 'ext4' | 'btrfs', swap: string, context: LayoutContext): Layout {
  const swapBytes = swap === 'none' ? 0 : parseByteSize(swap);
  return guidedLayout({ rootFilesystem: filesystem, swapBytes: typeof swapBytes === 'number' ? swapBytes : 0, biosBoot: context.biosBoot, table: 'gpt' });
}

/** The guided layout's partitions, as the starting point of the edit screen. */
export function guidedPartitions(choice: LayoutChoice, context: LayoutContext): CustomPartition[] {
  const base = choice.kind === 'guided' ? guided(choice.filesystem, choice.swap, context) : guided('ext4', 'none', context);
  return base.partitions.map((p) => ({
    name: p.name,
    type: p.type,
    size: p.size.kind === 'percent' ? `${p.size.percent}%` : formatExactSize(p.size.bytes),
    format: p.format ?? 'none',
  }));
}

function customLayout(partitions: readonly CustomPartition[], context: LayoutContext): Layout {
  const base = guided('ext4', 'none', context);
  return {
    table: base.table,
    partitions: partitions.map((edited) => {
      const original = base.partitions.find((p) => p.name === edited.name);
      const size = edited.size.trim().endsWith('%') ? { kind: 'percent' as const, percent: Number(edited.size.trim().slice(0, -1)) } : { kind: 'bytes' as const, bytes: Number(parseByteSize(edited.size)) };
      const format = edited.format === 'none' ? undefined : edited.format;
      return {
        name: edited.name,
        type: edited.type,
        size,
        ...(format === undefined ? {} : { format }),
        ...(original?.label !== undefined && original.format === format ? { label: original.label } : {}),
        bootable: original?.bootable ?? false,
      };
    }),
  };
}


export function answersDirectory(answersFile: string | undefined): string {
  return answersFile === undefined ? process.cwd() : dirname(answersFile);
}
