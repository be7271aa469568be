/**
 * Whether the chosen disk holds what the install puts on it, known on the summary screen, before anything
 * is written: the chosen generations' store closure (each entry's size on a filesystem of 4 KiB blocks, as
 * the store records it when the entry is added), room for /etc and the log, and the layout's other
 * partitions with the partition table. The summary shows the refusal with the sizes; an unattended install
 * stops with the same message. The executor checks the root again with the tree it staged (checkRootSpace
 * with the measured size), so what the estimate leaves out is still caught before the disk is written.
 */
import { DomainError } from '../../lib/errors.js';
import { formatSize } from '../../lib/size.js';
import type { Profile } from '../../system/profile.js';
import { storeClosureRecords } from '../../system/store.js';
import type { InstallPlan } from './install-plan.js';

/** Beyond the store closure, the root receives /etc, /etc/cairn, the profile links and the log: a few hundred KiB, counted generously. */
export const ROOT_EXTRAS_BYTES = 4 * 1024 * 1024;
/** ext4 and btrfs keep a few percent for metadata, the journal and root's reserve: a root holds 90 % of its size in files. */
const ROOT_USABLE = 0.9;

/** The disk's size against what the install needs; `refusal` says why it cannot be used, with both sizes. */
export interface SpaceCheck {
  /** The smallest disk the install fits on with this layout: the other partitions and the table, and a root that holds `rootNeedBytes`. */
  readonly neededBytes: number;
  readonly diskBytes: number;
  /** What goes on the root filesystem, in 4 KiB blocks. */
  readonly rootNeedBytes: number;
  readonly refusal?: string;
}

/** Pure: does a root of the plan's size hold `rootNeedBytes`, and what disk would. */
export function checkRootSpace(plan: InstallPlan, rootNeedBytes: number): SpaceCheck {
  const diskBytes = plan.target.sizeBytes;
  const otherBytes = Math.max(0, diskBytes - plan.root.sizeBytes);
  const rootBytes = Math.ceil(rootNeedBytes / ROOT_USABLE);
  const neededBytes = otherBytes + rootBytes;
  if (rootNeedBytes <= Math.floor(plan.root.sizeBytes * ROOT_USABLE)) return { neededBytes, diskBytes, rootNeedBytes };
  const generations = plan.generations.length === 1 ? `generation ${plan.generations[0]}` : `generations ${plan.generations.join(', ')}`;
  return {
    neededBytes,
    diskBytes,
    rootNeedBytes,
    refusal:
      `${plan.target.description} is too small: the install needs ${formatSize(neededBytes)} ` +
      `(${formatSize(rootNeedBytes)} of files for ${generations}, in a root of ${formatSize(rootBytes)}, ` +
      `and ${formatSize(otherBytes)} for the other partitions and the table); the disk has ${formatSize(diskBytes)}, ` +
      `its root partition ${formatSize(plan.root.sizeBytes)}. Nothing was written.`,
  };
}

/** The refusal as the error an unattended install and the executor stop with. */
export function spaceError(check: SpaceCheck): DomainError {
  return new DomainError('target-too-small', check.refusal ?? 'the target is too small', {
    hint: 'choose a larger disk (or --size), fewer generations, or a layout with a larger root',
    expected: check.neededBytes,
    actual: check.diskBytes,
  });
}

/** Measures the plan's root from the store's records of the chosen generations' closure (reads records, scans only entries without one). */
export async function measureInstall(plan: InstallPlan, profile: Profile): Promise<SpaceCheck> {
  const toplevels = profile.generations.filter((g) => plan.generations.includes(g.number)).map((g) => g.toplevel);
  const closure = await storeClosureRecords({ root: plan.source.root, store: plan.source.store }, toplevels);
  const closureBytes = [...closure.values()].reduce((sum, record) => sum + record.diskBytes, 0);
  return checkRootSpace(plan, closureBytes + ROOT_EXTRAS_BYTES);
}
