/** The layout file and the pure planner: alignment, sizes, derived identifiers, precise errors. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DomainError, ValidationError } from '../../lib/errors.js';
import { guidedLayout } from '../../partitioning/guided-layout.js';
import { ALIGNMENT_BYTES, minimumDiskBytes, planPartitions, type DiskIdentity } from '../../partitioning/plan.js';
import { decodeLayout, type Layout } from '../../system/layout.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

function image(sizeBytes: number, sectorSize = 512): DiskIdentity {
  return { kind: 'image', path: '/images/disk.img', sizeBytes, sectorSize, description: `image file /images/disk.img` };
}

function domainError(action: () => unknown): DomainError {
  try {
    action();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a DomainError');
}

function problems(text: string): string[] {
  try {
    decodeLayout(text, 'layout.yaml');
  } catch (error) {
    if (error instanceof ValidationError) return error.problems.map((p) => `${p.line}: ${p.path}: ${p.message}`);
    throw error;
  }
  throw new Error('expected a ValidationError');
}

const plan = suite('partition planner');

plan('the guided layout on 8 GiB: 1 MiB aligned, root to the last usable sector, types and mount points', () => {
  const result = planPartitions(guidedLayout({ swapBytes: 2 * GiB }), image(8 * GiB), { seed: 'test' });
  assert.is(result.table, 'gpt');
  assert.is(result.firstUsableLba, 34);
  assert.is(result.lastUsableLba, 16777182);
  assert.equal(
    result.partitions.map((p) => [p.number, p.name, p.typeGuid, p.firstLba, p.lastLba, p.filesystem?.format, p.filesystem?.label, p.mountPoint]),
    [
      [1, 'ESP', 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B', 2048, 2048 + 1048576 - 1, 'vfat', 'ESP', '/boot'],
      [2, 'swap', '0657FD6D-A4AB-43C4-84E5-0933C84B4F4F', 1050624, 1050624 + 4194304 - 1, 'swap', 'cairn-swap', undefined],
      [3, 'root', '4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709', 5244928, 16777182, 'ext4', 'cairn-root', '/'],
    ],
  );
  for (const p of result.partitions) assert.is(p.offsetBytes % ALIGNMENT_BYTES, 0, `${p.name} starts on a MiB boundary`);
  assert.is(result.freeSectorsAtEnd, 0);
});

plan('identifiers derive from the seed: same seed, same GUIDs and UUIDs; another seed, others', () => {
  const layout = guidedLayout({ swapBytes: GiB });
  const a = planPartitions(layout, image(8 * GiB), { seed: 'disk:S3YJNX0M:256060514304' });
  const b = planPartitions(layout, image(8 * GiB), { seed: 'disk:S3YJNX0M:256060514304' });
  const c = planPartitions(layout, image(8 * GiB), { seed: 'disk:OTHER:256060514304' });
  assert.equal(a, b);
  assert.is.not(a.diskId, c.diskId);
  assert.is.not(a.partitions[2]!.filesystem!.uuid, c.partitions[2]!.filesystem!.uuid);
  const ids = [a.diskId, ...a.partitions.flatMap((p) => [p.partUuid, p.filesystem!.uuid])];
  assert.is(new Set(ids).size, ids.length, 'every identifier differs');
  assert.match(a.partitions[0]!.filesystem!.uuid, /^[0-9A-F]{4}-[0-9A-F]{4}$/, 'a FAT volume id');
  assert.match(a.partitions[2]!.filesystem!.uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'a version 4 UUID');
});

plan('percentages share what is left after fixed sizes; an MBR disk uses every sector', () => {
  const layout: Layout = decodeLayout(
    'table: mbr\npartitions:\n  - { name: a, type: linux, size: 100M }\n  - { name: b, type: linux, size: 25%, format: ext4 }\n  - { name: c, type: swap, size: 75% }\n',
    'layout.yaml',
  );
  const result = planPartitions(layout, image(1 * GiB + 3 * 512), { seed: 's' });
  const [a, b, c] = result.partitions;
  assert.is(a!.sectors, (100 * MiB) / 512);
  assert.is(b!.sizeBytes, 230 * MiB, '25% of the 923 whole MiB left');
  assert.is(c!.lastLba, result.diskSectors - 1, 'the last share ends at the last sector');
  assert.is(c!.partUuid, `${result.diskId}-03`);
  assert.is(c!.mbrType, 0x82);
});

plan('4096-byte sectors: 256-sector grain, a 6-sector GPT', () => {
  const result = planPartitions(guidedLayout(), image(4 * GiB, 4096), { seed: 's' });
  assert.is(result.alignmentSectors, 256);
  assert.is(result.partitions[0]!.firstLba, 256);
  assert.is(result.lastUsableLba, (4 * GiB) / 4096 - 6);
});

plan('precise errors: too small (naming the disk and sizes), a share under 1 MiB, a filesystem that does not fit, MBR past 2 TiB', () => {
  const small = domainError(() => planPartitions(guidedLayout({ swapBytes: 4 * GiB }), image(2 * GiB), { seed: 's' }));
  assert.is(small.code, 'disk-too-small');
  assert.is(small.message, 'the layout does not fit on image file /images/disk.img: it needs at least 4.5G, the disk has 2G');
  assert.is(small.expected, minimumDiskBytes(guidedLayout({ swapBytes: 4 * GiB })));

  const xfs = domainError(() => planPartitions(guidedLayout({ rootFilesystem: 'xfs' }), image(700 * MiB), { seed: 's' }));
  assert.is(xfs.code, 'partition-too-small');
  assert.match(xfs.message, /^partitions\[1\] \(root\): 187M on image file \/images\/disk\.img is too small for xfs, which needs at least 300M$/);

  const sliver = decodeLayout('partitions:\n  - { name: a, type: linux, size: 100M }\n  - { name: b, type: linux, size: 1% }\n', 'l.yaml');
  assert.is(domainError(() => planPartitions(sliver, image(150 * MiB), { seed: 's' })).code, 'partition-empty');

  const mbr = decodeLayout('table: mbr\npartitions:\n  - { name: a, type: linux, size: 100% }\n', 'l.yaml');
  const big = domainError(() => planPartitions(mbr, image(3 * 1024 * GiB), { seed: 's' }));
  assert.is(big.code, 'mbr-too-large');
  assert.match(big.message, /an MBR addresses only the first 2\^32 sectors \(2T\)/);
});

plan('layout files: every problem at once, with line and key path', () => {
  const text = [
    'table: mbr',
    'partitions:',
    '  - { name: boot, type: bios-boot, size: 1M }',
    '  - { name: esp, type: esp, size: 512MB, format: vfat, label: efi }',
    '  - { name: root, type: root, size: 100%, format: ext4, label: a-label-much-too-long }',
    '  - { name: root, type: C12A7328-F81F-11D2-BA4B-00A0C93EC93B, size: 100%, formt: ext4 }',
    '',
  ].join('\n');
  assert.equal(problems(text), [
    '3: partitions[0].type: bios-boot is a GPT partition type; on an MBR disk GRUB lives in the gap before partition 1, so leave this partition out',
    '4: partitions[1].size: "512MB" is ambiguous: write 512M or 512MiB (binary units, 1M = 1048576 bytes)',
    '5: partitions[2].label: ext4 labels are at most 16 characters (got "a-label-much-too-long")',
    '6: partitions[3].formt: unknown key; did you mean "format"?',
  ]);
  const second = text.replace('512MB', '512M').replace('formt: ext4', 'format: ext4');
  assert.equal(problems(second), [
    '3: partitions[0].type: bios-boot is a GPT partition type; on an MBR disk GRUB lives in the gap before partition 1, so leave this partition out',
    '4: partitions[1].label: vfat labels are at most 11 characters of A-Z, 0-9, space, _ and - (FAT stores labels upper case) (got "efi")',
    '5: partitions[2].label: ext4 labels are at most 16 characters (got "a-label-much-too-long")',
    '6: partitions[3].name: "root" is already the name of partitions[2]; names must be unique',
    '6: partitions[3].type: a GUID type needs table: gpt; on MBR give a type byte such as 0x83',
    '6: partitions[3].size: the percentages of partitions[2], partitions[3] add up to 200% of what is left; at most 100% can be given out',
  ]);
  assert.equal(problems('partitions:\n  - { name: x, type: nope, size: -5 }\n'), [
    '2: partitions[0].type: expected one of esp, bios-boot, root, linux, home, swap, a GPT type GUID, or an MBR type byte such as 0x0c',
    '2: partitions[0].size: must be more than 0 (got -5)',
  ]);
});

plan.run();
