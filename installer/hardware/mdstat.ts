/**
 * /proc/mdstat: the Linux software RAID arrays. Each array starts with a line such as
 *
 *   md127 : active raid1 nvme1n1p3[1] nvme0n1p3[0]
 *
 * (`(F)` marks a failed member, `(S)` a spare); the following indented lines hold sizes and sync state.
 */
import { compareCodePoints } from '../../lib/code-point-order.js';

export interface MdstatArray {
  readonly name: string;
  /** `active`, `inactive`, ... */
  readonly state: string;
  /** `raid0`, `raid1`, `raid5`, `raid6`, `raid10`, `linear`; null for an inactive array that names none. */
  readonly level: string | null;
  /** Member devices in slot order, e.g. `nvme0n1p3`. */
  readonly members: readonly string[];
  readonly failed: readonly string[];
  readonly spares: readonly string[];
}

export function decodeMdstat(text: string): MdstatArray[] {
  const arrays: MdstatArray[] = [];
  for (const line of text.split('\n')) {
    const match = /^(md[\w/-]*)\s*:\s*(\S+)\s+(.*)$/.exec(line);
    if (!match) continue;
    const [, name, state, rest] = match as unknown as [string, string, string, string];
    const words = rest.split(/\s+/).filter((w) => w !== '' && !/^\(.*\)$/.test(w));
    const level = words[0] !== undefined && !words[0].includes('[') ? words.shift()! : null;
    const members: { name: string; slot: number }[] = [];
    const failed: string[] = [];
    const spares: string[] = [];
    for (const word of words) {
      const member = /^([^[]+)\[(\d+)\](\((F|S|W|R)\))*$/.exec(word);
      if (!member) continue;
      const flags = word.slice(member[1]!.length);
      if (flags.includes('(F)')) failed.push(member[1]!);
      else if (flags.includes('(S)')) spares.push(member[1]!);
      else members.push({ name: member[1]!, slot: Number(member[2]) });
    }
    arrays.push({
      name,
      state,
      level,
      members: members.sort((a, b) => a.slot - b.slot).map((m) => m.name),
      failed: failed.sort(),
      spares: spares.sort(),
    });
  }
  return arrays.sort((a, b) => compareCodePoints(a.name, b.name));
}
