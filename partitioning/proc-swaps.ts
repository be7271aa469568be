/**
 * /proc/swaps: a header line, then `Filename Type Size Used Priority` per active swap area (sizes in KiB,
 * names escaped as in mountinfo).
 */
import { unescapeMountField } from './mountinfo.js';

export interface Swap {
  /** `/dev/sda2`, `/dev/dm-1`, `/swapfile`, `/dev/zram0`. */
  readonly path: string;
  /** `partition` or `file`. */
  readonly type: string;
  readonly sizeBytes: number;
  readonly priority: number;
}

export function decodeSwaps(text: string): { swaps: Swap[]; malformed: string[] } {
  const swaps: Swap[] = [];
  const malformed: string[] = [];
  for (const line of text.split('\n').slice(1)) {
    if (line.trim() === '') continue;
    const [path, type, size, , priority] = line.trim().split(/\s+/);
    if (path === undefined || type === undefined || !/^\d+$/.test(size ?? '') || !/^-?\d+$/.test(priority ?? '')) {
      malformed.push(line);
      continue;
    }
    swaps.push({ path: unescapeMountField(path), type, sizeBytes: Number(size) * 1024, priority: Number(priority) });
  }
  return { swaps, malformed };
}
