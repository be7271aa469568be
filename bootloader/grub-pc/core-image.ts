/**
 * GRUB's i386-pc `core.img` as a disk holds it: its first sector is `diskboot.img`, which loads the rest
 * by the block lists at the end of that sector. Each list is 12 bytes, `{u64 start LBA, u16 sectors,
 * u16 segment}` little-endian, the first at 0x1F4 and further ones below it, ended by a list of 0 sectors.
 * grub-mkimage writes one list (start 2, the sectors after the first, segment 0x820); grub-bios-setup sets
 * `start` to where the second sector lands. A pure codec plus `placeCoreImage`, which does what
 * grub-bios-setup does when it embeds core.img in consecutive sectors (without Reed-Solomon codes).
 *
 * Layout from GRUB's include/grub/i386/pc/boot.h (struct grub_boot_blocklist) and util/setup.c.
 */

export const GRUB_CORE_IMAGE = {
  sectorSize: 512,
  blocklistSize: 12,
  /** The first (highest) block list: the last 12 bytes of the first sector. */
  firstBlocklistOffset: 512 - 12,
  /** diskboot.img loads the sectors after the first from segment 0x800 + 512/16. */
  loadSegment: 0x820,
  /**
   * The most sectors GRUB's first stage loads: core.img must fit between 0x9000 (where the kernel is
   * linked) and 0x78000 (util/setup.c caps the embedding area so).
   */
  maxSectors: (0x78000 - 0x9000) >> 9,
} as const;

export interface CoreBlocklist {
  readonly start: number;
  readonly sectors: number;
  readonly segment: number;
}

/** The block lists of core.img's first sector, in the order diskboot reads them (from 0x1F4 down). */
export function decodeCoreBlocklists(firstSector: Uint8Array): CoreBlocklist[] {
  checkSector(firstSector);
  const view = new DataView(firstSector.buffer, firstSector.byteOffset, GRUB_CORE_IMAGE.sectorSize);
  const lists: CoreBlocklist[] = [];
  for (let at = GRUB_CORE_IMAGE.firstBlocklistOffset; ; at -= GRUB_CORE_IMAGE.blocklistSize) {
    if (at < 0) throw new RangeError("core.img's first sector has no block list terminator");
    const sectors = view.getUint16(at + 8, true);
    if (sectors === 0) return lists;
    const start = view.getBigUint64(at, true);
    if (start > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`core.img's block list at 0x${at.toString(16)} starts at an implausible sector ${start}`);
    lists.push({ start: Number(start), sectors, segment: view.getUint16(at + 10, true) });
  }
}

/** A copy of `firstSector` with its block lists replaced by `lists` and a terminator after them. */
export function encodeCoreBlocklists(firstSector: Uint8Array, lists: readonly CoreBlocklist[]): Uint8Array {
  checkSector(firstSector);
  const sector = Uint8Array.from(firstSector.subarray(0, GRUB_CORE_IMAGE.sectorSize));
  const view = new DataView(sector.buffer);
  // Clear the lists there are now (as grub-bios-setup does), so no old list survives past the new terminator.
  const old = decodeCoreBlocklists(firstSector).length;
  sector.fill(0, GRUB_CORE_IMAGE.sectorSize - old * GRUB_CORE_IMAGE.blocklistSize);
  lists.forEach((list, i) => {
    const at = GRUB_CORE_IMAGE.firstBlocklistOffset - i * GRUB_CORE_IMAGE.blocklistSize;
    if (at - GRUB_CORE_IMAGE.blocklistSize < 0) throw new RangeError(`${lists.length} block lists do not fit in core.img's first sector`);
    if (!Number.isSafeInteger(list.start) || list.start < 0) throw new RangeError(`block list ${i + 1}: ${list.start} is not an LBA`);
    if (!Number.isInteger(list.sectors) || list.sectors < 1 || list.sectors > 0xffff) throw new RangeError(`block list ${i + 1}: ${list.sectors} sectors is not 1 to 65535`);
    view.setBigUint64(at, BigInt(list.start), true);
    view.setUint16(at + 8, list.sectors, true);
    view.setUint16(at + 10, list.segment, true);
  });
  const terminator = GRUB_CORE_IMAGE.firstBlocklistOffset - lists.length * GRUB_CORE_IMAGE.blocklistSize;
  sector.fill(0, terminator, terminator + GRUB_CORE_IMAGE.blocklistSize);
  return sector;
}

export function coreImageSectors(core: Uint8Array): number {
  return Math.ceil(core.length / GRUB_CORE_IMAGE.sectorSize);
}

/** Why bytes are not a core.img grub-mkimage made for booting from a disk, or undefined when they are one. */
export function coreImageProblem(core: Uint8Array): string | undefined {
  if (core.length < 2 * GRUB_CORE_IMAGE.sectorSize) return `it is ${core.length} bytes, less than two sectors`;
  const sectors = coreImageSectors(core);
  if (sectors > GRUB_CORE_IMAGE.maxSectors) return `it is ${sectors} sectors; GRUB's first stage loads at most ${GRUB_CORE_IMAGE.maxSectors}`;
  let lists: CoreBlocklist[];
  try {
    lists = decodeCoreBlocklists(core);
  } catch (error) {
    return (error as Error).message;
  }
  const list = lists[0];
  if (lists.length !== 1 || list === undefined || list.segment !== GRUB_CORE_IMAGE.loadSegment || list.sectors !== sectors - 1) {
    return `its first sector does not end in the one block list grub-mkimage -O i386-pc writes (${sectors - 1} sectors at segment 0x${GRUB_CORE_IMAGE.loadSegment.toString(16)})`;
  }
  return undefined;
}

/**
 * core.img as it is written to consecutive sectors from `firstLba`: padded with zeros to whole sectors,
 * its block list pointing at the sectors after the first (what grub-bios-setup --no-rs-codes writes into a
 * BIOS boot partition or the gap after the MBR).
 */
export function placeCoreImage(core: Uint8Array, firstLba: number): Uint8Array {
  const problem = coreImageProblem(core);
  if (problem !== undefined) throw new RangeError(`not a GRUB i386-pc core image: ${problem}`);
  const sectors = coreImageSectors(core);
  const placed = new Uint8Array(sectors * GRUB_CORE_IMAGE.sectorSize);
  placed.set(core);
  placed.set(encodeCoreBlocklists(core, [{ start: firstLba + 1, sectors: sectors - 1, segment: GRUB_CORE_IMAGE.loadSegment }]), 0);
  return placed;
}

function checkSector(bytes: Uint8Array): void {
  if (bytes.length < GRUB_CORE_IMAGE.sectorSize) throw new RangeError(`core.img's first sector needs ${GRUB_CORE_IMAGE.sectorSize} bytes, got ${bytes.length}`);
}
