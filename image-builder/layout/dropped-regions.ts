/**
 * Regions of a provisional plan's data area that the writer left out, each because a content identical to its own
 * was already on the image (plan-layout.ts, ProvisionalLayout): where each was planned, how many sectors it had
 * and where its identical content is. What follows a dropped region moves down by its sectors; a record that
 * pointed at it points at the identical content instead. Regions are dropped in the order of the data area.
 */
export class DroppedRegions {
  /** The provisional first sector of each dropped region, ascending. */
  private readonly starts: number[] = [];
  /** Sectors dropped before each (not counting its own). */
  private readonly before: number[] = [];
  /** Where each one's identical content is (a final place). */
  private readonly targets: number[] = [];
  private total = 0;

  /** Regions dropped. */
  get count(): number {
    return this.starts.length;
  }

  /** Sectors dropped in all. */
  get sectors(): number {
    return this.total;
  }

  /** Records that the region planned at `start`, of `sectors` sectors, is left out for the content at `target`. */
  drop(start: number, sectors: number, target: number): void {
    const last = this.starts.length - 1;
    if (last >= 0 && start <= this.starts[last]!) throw new Error(`region at sector ${start} dropped after the one at ${this.starts[last]}`);
    this.starts.push(start);
    this.before.push(this.total);
    this.targets.push(target);
    this.total += sectors;
  }

  isDropped(lba: number): boolean {
    const index = this.lastAtOrBefore(lba);
    return index >= 0 && this.starts[index] === lba;
  }

  /** Where sector `lba` of the provisional plan is in the settled one (a dropped region's start: its identical content's place). */
  moved(lba: number): number {
    const index = this.lastAtOrBefore(lba);
    if (index < 0) return lba;
    if (this.starts[index] === lba) return this.targets[index]!;
    const sectors = this.droppedSectors(index);
    if (lba < this.starts[index]! + sectors) throw new Error(`sector ${lba} is inside the region dropped at ${this.starts[index]}`);
    return lba - this.before[index]! - sectors;
  }

  /** Sectors of the dropped region `index`. */
  private droppedSectors(index: number): number {
    return (index + 1 < this.before.length ? this.before[index + 1]! : this.total) - this.before[index]!;
  }

  /** The index of the last dropped region starting at or before `lba`, or -1. */
  private lastAtOrBefore(lba: number): number {
    let low = 0;
    let high = this.starts.length - 1;
    let found = -1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      if (this.starts[middle]! <= lba) {
        found = middle;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    return found;
  }
}
