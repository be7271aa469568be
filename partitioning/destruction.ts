/**
 * What applying a plan would destroy, for the confirmation text: the partitions and filesystems on the
 * target now. For an image its table is read and each partition probed with blkid; for a disk the
 * inventory tells.
 */
import { run } from '../lib/run.js';
import { volumesOf } from './disks.js';
import { describeGptType, describeMbrType } from '../system/partition-types.js';
import { readPartitionTable } from './read-table.js';
import type { Target } from './target.js';

export interface ExistingPartition {
  /** Partition number or device path. */
  readonly where: string;
  readonly sizeBytes: number;
  readonly type?: string;
  readonly name?: string;
  readonly fstype?: string;
  readonly label?: string;
  readonly mountpoints: readonly string[];
}

export interface Destruction {
  /** The image file does not exist yet: nothing is destroyed. */
  readonly creates: boolean;
  /** The table there now: gpt, mbr, none, or what is wrong with it. */
  readonly table: string;
  readonly partitions: readonly ExistingPartition[];
  /** A filesystem on the whole disk (an ISO image on a stick, a superfloppy). */
  readonly wholeDiskFilesystem?: string;
}

async function probe(path: string, offset: number): Promise<{ fstype?: string; label?: string }> {
  try {
    const { stdout } = await run('blkid', ['-p', '-o', 'export', '-O', String(offset), path], { okCodes: [0, 2] });
    const values = Object.fromEntries(stdout.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    return { ...(values.TYPE === undefined ? {} : { fstype: values.TYPE }), ...(values.LABEL === undefined ? {} : { label: values.LABEL }) };
  } catch {
    return {};
  }
}

export async function describeDestruction(target: Target): Promise<Destruction> {
  if (target.kind === 'block') {
    const disk = target.disk;
    const partitions = disk.children.map((v) => ({
      where: v.path,
      sizeBytes: v.sizeBytes,
      ...(v.partLabel === undefined ? {} : { name: v.partLabel }),
      ...(v.fstype === undefined ? {} : { fstype: v.fstype }),
      ...(v.label === undefined ? {} : { label: v.label }),
      mountpoints: [...new Set([...v.mountpoints, ...volumesOf(v).flatMap((c) => c.mountpoints)])].sort(),
    }));
    return {
      creates: false,
      table: partitions.length === 0 ? 'none' : 'present',
      partitions,
      ...(disk.fstype === undefined ? {} : { wholeDiskFilesystem: disk.fstype }),
    };
  }
  if (!target.exists) return { creates: true, table: 'none', partitions: [] };
  const size = target.identity.sizeBytes;
  const table = await readPartitionTable(target.path, size);
  switch (table.kind) {
    case 'none': {
      const whole = await probe(target.path, 0);
      return { creates: false, table: 'none', partitions: [], ...(whole.fstype === undefined ? {} : { wholeDiskFilesystem: whole.fstype }) };
    }
    case 'damaged':
      return { creates: false, table: `damaged (${table.problem})`, partitions: [] };
    case 'mbr': {
      const partitions: ExistingPartition[] = [];
      for (const p of table.mbr.partitions) {
        partitions.push({ where: `partition ${p.number}`, sizeBytes: p.sectors * 512, type: describeMbrType(p.type), ...(await probe(target.path, p.firstLba * 512)), mountpoints: [] });
      }
      return { creates: false, table: 'mbr', partitions };
    }
    case 'gpt': {
      const partitions: ExistingPartition[] = [];
      for (const p of table.gpt.partitions) {
        partitions.push({
          where: `partition ${p.number}`,
          sizeBytes: (p.lastLba - p.firstLba + 1) * table.gpt.sectorSize,
          type: describeGptType(p.typeGuid),
          ...(p.name === '' ? {} : { name: p.name }),
          ...(await probe(target.path, p.firstLba * table.gpt.sectorSize)),
          mountpoints: [],
        });
      }
      return { creates: false, table: 'gpt', partitions };
    }
  }
}
