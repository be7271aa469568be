/**
 * GRUB's BIOS boot code as Cairn writes it: the boot sector and core.img block list codecs (round trips,
 * the fields grub-bios-setup sets), the whole disk against the real grub-bios-setup run on a copy of the
 * same image, the same bytes on every build, and every disk Cairn refuses, with nothing written.
 */
import { copyFile, mkdir, open, readFile, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DomainError, UserError } from '../../lib/errors.js';
import { run } from '../../lib/run.js';
import { GRUB_BOOT_SECTOR, decodeGrubBootSector, encodeGrubBootSector, grubBootSectorFor, isGrubBootSector } from '../../bootloader/grub-pc/boot-sector.js';
import { biosBootDiskOfTable, grubPcCoreConfig } from '../../bootloader/grub-pc/boot-code-plan.js';
import { GRUB_CORE_IMAGE, coreImageProblem, decodeCoreBlocklists, encodeCoreBlocklists, placeCoreImage } from '../../bootloader/grub-pc/core-image.js';
import { buildGrubPcImages, installGrubPcBootCode } from '../../bootloader/grub-pc/install-boot-code.js';
import { readGrubBootImage } from '../../bootloader/loader-binaries.js';
import { decodeMbr, encodeMbr, protectiveMbr } from '../../partitioning/mbr.js';
import { readPartitionTable } from '../../partitioning/read-table.js';
import { sha256File } from '../../system/store-hash.js';
import { caught } from '../support/caught.js';
import { canMountInNamespace, findGrubBiosSetup, runGrubBiosSetup } from '../support/grub-bios-setup.js';
import { readRange } from '../support/disk-image.js';
import { removeTree, temporaryDirectory } from '../support/tree.js';

const ESP_VOLUME_ID = 'DEAD-BEEF';

async function blankImage(path: string, bytes: number): Promise<void> {
  await (await open(path, 'w')).close();
  await truncate(path, bytes);
}

/** A GPT image made by sgdisk: a BIOS boot partition of `biosBootSectors` at 2048 (none for 0), a FAT ESP from 4096. */
async function gptImage(path: string, biosBootSectors: number): Promise<void> {
  await blankImage(path, 64 * 1024 * 1024);
  const biosBoot = biosBootSectors === 0 ? [] : [`--new=1:2048:${2048 + biosBootSectors - 1}`, '--typecode=1:EF02'];
  await run('sgdisk', ['--clear', '--disk-guid=0D0181D7-1111-4222-8333-444455556666', ...biosBoot, '--new=2:4096:0', '--typecode=2:EF00', path]);
  await run('mkfs.fat', ['-F', '16', '-i', ESP_VOLUME_ID.replace('-', ''), '--offset', '4096', path, String((64 * 1024 - 2048 - 17) & ~1)]);
}

/** An MBR image made by sfdisk: one FAT ESP starting at `firstLba`, on a disk of `bytes`. */
async function mbrImage(path: string, firstLba: number, bytes = 64 * 1024 * 1024): Promise<void> {
  await blankImage(path, bytes);
  await run('sfdisk', ['--quiet', path], { input: `label: dos\nlabel-id: 0x1b758ad9\nstart=${firstLba}, size=65536, type=ef\n` });
  await run('mkfs.fat', ['-F', '16', '-i', ESP_VOLUME_ID.replace('-', ''), '--offset', String(firstLba), path, '32768']);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** An MBR's fields without its boot code. */
function tableOf(sector: Uint8Array) {
  const { bootCode: _, ...table } = decodeMbr(sector);
  return table;
}

const codecs = suite('GRUB BIOS boot sector and core.img codecs');

codecs('the boot sector round-trips: decode(encode(x)) keeps every field, encode(decode(bytes)) the bytes', async () => {
  const bootImage = await readGrubBootImage();
  const previous = encodeMbr(protectiveMbr(131072, { diskSignature: 0x1234abcd }));
  previous.set([0xeb, 0x3c, 0x90, 1, 2, 3], 0); // a BPB to keep
  const sector = grubBootSectorFor(bootImage, previous, 2048);
  const decoded = decodeGrubBootSector(sector);
  assert.is(decoded.kernelSector, 2048);
  assert.is(decoded.bootDrive, 0xff);
  assert.is(decoded.driveCheck, 'skipped');
  assert.equal([...decoded.bpb.subarray(0, 3)], [1, 2, 3], 'the BPB comes from the sector GRUB replaced');
  assert.equal(decoded.table, tableOf(previous));
  assert.is(decoded.table.diskSignature, 0x1234abcd);
  assert.ok(sameBytes(encodeGrubBootSector(decoded), sector), 'encode(decode(sector)) is the sector');
  assert.ok(isGrubBootSector(sector));
  assert.not.ok(isGrubBootSector(previous));
  // Fields of a value survive the trip.
  const value = { ...decoded, kernelSector: 2 ** 40 + 7, bootDrive: 0x80, driveCheck: 'kept' as const, code: bootImage.subarray(0, 440) };
  const again = decodeGrubBootSector(encodeGrubBootSector(value));
  assert.equal([again.kernelSector, again.bootDrive, again.driveCheck], [2 ** 40 + 7, 0x80, 'kept']);
  assert.equal([...again.code.subarray(GRUB_BOOT_SECTOR.driveCheckOffset, GRUB_BOOT_SECTOR.driveCheckOffset + 2)], [0xeb, 0x05], "boot.img's own jump is kept");
  // Everything but the fields is boot.img's code.
  for (let i = 0; i < 440; i++) {
    const field = (i >= 0x03 && i < 0x5a) || (i >= 0x5c && i < 0x64 + 1) || i === 0x66 || i === 0x67;
    if (!field) assert.is(sector[i], bootImage[i], `byte 0x${i.toString(16)} is boot.img's`);
  }
  assert.ok(sameBytes(sector.subarray(0x1b8), previous.subarray(0x1b8)), 'the partition table and signature are kept');
});

codecs('the block list codec reads and writes lists down from 0x1F4 and ends them with a terminator', () => {
  const sector = new Uint8Array(512).fill(0x55);
  sector.fill(0, 0x1e8); // one list of zeros: none, then a terminator at 0x1E8 as grub-mkimage leaves it
  const lists = [
    { start: 2049, sectors: 100, segment: 0x820 },
    { start: 9000, sectors: 3, segment: 0x820 + 100 * 32 },
  ];
  const encoded = encodeCoreBlocklists(sector, lists);
  assert.equal(decodeCoreBlocklists(encoded), lists);
  assert.ok(sameBytes(encoded.subarray(0, 0x1f4 - 24), sector.subarray(0, 0x1f4 - 24)), 'bytes below the lists and the terminator are untouched');
  assert.ok(sameBytes(encodeCoreBlocklists(encoded, lists), encoded));
  const one = encodeCoreBlocklists(encoded, [lists[0]!]);
  assert.equal(decodeCoreBlocklists(one), [lists[0]], 'a shorter list leaves no old list behind');
  const endless = new Uint8Array(512);
  for (let at = 0x1f4; at >= 0; at -= 12) endless[at + 8] = 1;
  assert.throws(() => decodeCoreBlocklists(endless), /no block list terminator/);
  assert.throws(() => encodeCoreBlocklists(sector, [{ start: 1, sectors: 0x10000, segment: 0 }]), /not 1 to 65535/);
});

codecs('core.img from grub-mkimage: its block list says 2, n-1 sectors, 0x820, and placing it points it at the partition', async () => {
  const { core } = await buildGrubPcImages(grubPcCoreConfig({ table: 'gpt' }, { partition: 2, volumeId: ESP_VOLUME_ID }));
  const sectors = Math.ceil(core.length / 512);
  assert.equal(decodeCoreBlocklists(core), [{ start: 2, sectors: sectors - 1, segment: GRUB_CORE_IMAGE.loadSegment }]);
  assert.is(coreImageProblem(core), undefined);
  const placed = placeCoreImage(core, 2048);
  assert.is(placed.length, sectors * 512);
  assert.equal(decodeCoreBlocklists(placed), [{ start: 2049, sectors: sectors - 1, segment: 0x820 }]);
  assert.ok(sameBytes(placed.subarray(512, core.length), core.subarray(512)), 'only the first sector changes');
  assert.ok(placed.subarray(core.length).every((b) => b === 0), 'padded with zeros');
  assert.match(coreImageProblem(core.subarray(0, 400)) ?? '', /less than two sectors/);
  assert.match(coreImageProblem(new Uint8Array(4096)) ?? '', /block list/);
  assert.throws(() => placeCoreImage(new Uint8Array(4096), 2048), /not a GRUB i386-pc core image/);
});

codecs('core.img and boot.img are the same bytes on every build, whatever SOURCE_DATE_EPOCH says', async () => {
  const config = grubPcCoreConfig({ table: 'gpt' }, { partition: 2, volumeId: ESP_VOLUME_ID });
  const first = await buildGrubPcImages(config);
  const saved = process.env.SOURCE_DATE_EPOCH;
  process.env.SOURCE_DATE_EPOCH = '1234567890';
  try {
    const second = await buildGrubPcImages(config);
    assert.ok(sameBytes(second.core, first.core), 'core.img');
    assert.ok(sameBytes(second.bootImage, first.bootImage), 'boot.img');
  } finally {
    if (saved === undefined) delete process.env.SOURCE_DATE_EPOCH;
    else process.env.SOURCE_DATE_EPOCH = saved;
  }
  const other = await buildGrubPcImages(grubPcCoreConfig({ table: 'gpt' }, { partition: 2, volumeId: '0000-0001' }));
  assert.not.ok(sameBytes(other.core, first.core), 'the ESP volume id is built in');
});

codecs.run();

const disks = suite<{ dir: string; oracle: boolean }>('GRUB BIOS boot code on disks, against grub-bios-setup');

disks.before(async (context) => {
  context.dir = await temporaryDirectory('cairn-grub-pc-');
  context.oracle = findGrubBiosSetup() !== undefined && (await canMountInNamespace());
  if (!context.oracle) console.log('  (grub-bios-setup or an unprivileged mount namespace is missing: the byte-for-byte comparisons with it are skipped)');
});
disks.after(async (context) => {
  await removeTree(context.dir);
});

async function installAndCompare(context: { dir: string; oracle: boolean }, name: string, make: (path: string) => Promise<void>, table: 'gpt' | 'mbr', corePlace: number): Promise<void> {
  const dir = join(context.dir, name);
  await mkdir(dir);
  const cairnImage = join(dir, 'cairn.img');
  const oracleImage = join(dir, 'grub.img');
  await make(cairnImage);
  await copyFile(cairnImage, oracleImage);
  const before = await readFile(cairnImage);
  const result = await installGrubPcBootCode({ disk: cairnImage });
  assert.is(result.code.place.firstLba, corePlace);
  assert.equal(result.esp, { partition: table === 'gpt' ? 2 : 1, volumeId: ESP_VOLUME_ID });
  assert.is(result.prefix, table === 'gpt' ? '(,gpt2)/grub' : '(,msdos1)/grub');

  const after = await readFile(cairnImage);
  const sector0 = decodeGrubBootSector(after);
  assert.is(sector0.kernelSector, corePlace);
  assert.equal(sector0.table, tableOf(before), 'the partition table is kept');
  assert.equal(decodeCoreBlocklists(after.subarray(corePlace * 512)), [{ start: corePlace + 1, sectors: result.code.coreSectors - 1, segment: 0x820 }]);
  // Nothing outside sector 0 and core.img's sectors changed.
  const changed = new Set<number>();
  for (let i = 0; i < after.length; i += 512) if (!after.subarray(i, i + 512).equals(before.subarray(i, i + 512))) changed.add(i / 512);
  for (const sector of changed) assert.ok(sector === 0 || (sector >= corePlace && sector < corePlace + result.code.coreSectors), `sector ${sector} changed`);

  if (!context.oracle) return;
  const disk = biosBootDiskOfTable(name, await readPartitionTable(oracleImage, before.length), before.subarray(0, 512), before.length, 512);
  const images = await buildGrubPcImages(grubPcCoreConfig(disk, result.esp));
  await runGrubBiosSetup(oracleImage, images, join(dir, 'oracle'));
  assert.is(await sha256File(cairnImage), await sha256File(oracleImage), 'the same disk as grub-bios-setup --no-rs-codes writes');
}

disks('GPT with a BIOS boot partition: core.img in it, boot.img in sector 0, byte for byte what grub-bios-setup writes', async (context) => {
  await installAndCompare(context, 'gpt', (path) => gptImage(path, 2048), 'gpt', 2048);
});

disks('MBR: core.img in the gap after the MBR, byte for byte what grub-bios-setup writes', async (context) => {
  await installAndCompare(context, 'mbr', (path) => mbrImage(path, 2048), 'mbr', 1);
});

disks('installing twice gives the same disk (the same bytes on every build)', async (context) => {
  const a = join(context.dir, 'twice-a.img');
  const b = join(context.dir, 'twice-b.img');
  await gptImage(a, 2048);
  await copyFile(a, b);
  await installGrubPcBootCode({ disk: a });
  await installGrubPcBootCode({ disk: b });
  await installGrubPcBootCode({ disk: b });
  assert.is(await sha256File(a), await sha256File(b));
});

async function refusal(context: { dir: string }, name: string, make: (path: string) => Promise<void>, options: { modulesDirectory?: string } = {}): Promise<UserError> {
  const path = join(context.dir, `${name}.img`);
  await make(path);
  // Boot code goes into the first MiBs: sector 0, the MBR gap or the BIOS boot partition (the disks here are sparse, up to 3 TiB).
  const before = await readRange(path, 0, 8 * 1024 * 1024);
  const error = await caught(() => installGrubPcBootCode({ disk: path, ...options }));
  assert.instance(error, UserError);
  assert.equal(await readRange(path, 0, 8 * 1024 * 1024), before, `${name}: nothing was written`);
  return error as UserError;
}

disks('refused: a GPT without a BIOS boot partition, naming the layout change', async (context) => {
  const error = await refusal(context, 'no-bios-boot', (path) => gptImage(path, 0));
  assert.instance(error, DomainError);
  assert.is((error as DomainError).code, 'no-bios-boot-partition');
  assert.match(error.message, /without a BIOS boot partition/);
  assert.match(error.hint ?? '', /type: bios-boot, size: 1M/);
});

disks('refused: a BIOS boot partition too small for core.img', async (context) => {
  const error = await refusal(context, 'tiny-bios-boot', (path) => gptImage(path, 32));
  assert.is((error as DomainError).code, 'bios-boot-partition-too-small');
  assert.match(error.message, /BIOS boot partition \(partition 1, 16K\) of image file .* is too small for GRUB's core\.img \(1\d\dK\)/);
});

disks('refused: an MBR whose first partition starts too early for core.img', async (context) => {
  const error = await refusal(context, 'mbr-63', (path) => mbrImage(path, 63));
  assert.is((error as DomainError).code, 'mbr-gap-too-small');
  assert.match(error.hint ?? '', /1 MiB/);
});

disks('refused: an MBR disk over 2 TiB', async (context) => {
  const error = await refusal(context, 'mbr-3t', (path) => mbrImage(path, 2048, 3 * 1024 ** 4));
  assert.is((error as DomainError).code, 'mbr-disk-too-large');
  assert.match(error.hint ?? '', /table: gpt/);
});

disks('refused: grub-pc-bin missing (an empty module directory), naming the package', async (context) => {
  const empty = join(context.dir, 'no-modules');
  await mkdir(empty);
  const error = await refusal(context, 'no-grub-pc', (path) => gptImage(path, 2048), { modulesDirectory: empty });
  assert.match(error.message, /holds no GRUB i386-pc modules/);
  assert.match(error.hint ?? '', /grub-pc-bin/);
});

disks('refused: an ESP that is not formatted yet', async (context) => {
  const error = await refusal(context, 'unformatted', async (path) => {
    await blankImage(path, 64 * 1024 * 1024);
    await run('sgdisk', ['--clear', '--new=1:2048:4095', '--typecode=1:EF02', '--new=2:4096:0', '--typecode=2:EF00', path]);
  });
  assert.is((error as DomainError).code, 'esp-not-formatted');
});

disks.run();
