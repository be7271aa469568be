/**
 * `cairn iso inspect` on bootable hybrid ISOs: the El Torito catalog and the partition tables it decodes
 * are what xorriso reports, for Cairn's ISO and for one xorriso made the way distributions make theirs;
 * the boot menus list every generation, newest first, with the profile's current generation as default;
 * and the ESP found at the offset inspect reports passes fsck.fat.
 */
import { copyFile, mkdir, open, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ImageExtent } from '../../image-builder/image-extents.js';
import type { BootMenusReport } from '../../image-builder/read/boot-menu-section.js';
import type { ElToritoReport } from '../../image-builder/read/el-torito-section.js';
import type { InspectReport } from '../../image-builder/read/inspect.js';
import type { PartitionTablesReport } from '../../image-builder/read/partition-section.js';
import { run } from '../../lib/run.js';
import { buildBootableIso } from '../support/boot-test-iso.js';
import { cairnOk } from '../support/cli.js';
import { makeExampleSystem } from '../support/example-system.js';
import { removeTree, temporaryDirectory } from '../support/tree.js';
import { xorrisoBootReport, type XorrisoBootReport } from '../support/xorriso-boot-report.js';

interface Context {
  dir: string;
  cairnIso: string;
  xorrisoIso: string;
  grubIso: string;
}

interface Sections {
  elTorito: ElToritoReport;
  partitions: PartitionTablesReport;
  bootMenus: BootMenusReport;
  extents: ImageExtent[];
}

const inspect = suite<Context>('iso inspect on bootable ISOs');

inspect.before(async (context) => {
  context.dir = await temporaryDirectory('cairn-inspect-boot-');
  const { root } = await makeExampleSystem(context.dir);
  // Generation 2 current: the menus still list 3, 2, 1, and the default is the current one, not the newest.
  await cairnOk(['generation', 'rollback', '--root', root]);
  context.cairnIso = await buildBootableIso(context.dir, root);
  context.xorrisoIso = await xorrisoHybridIso(context.dir);
  context.grubIso = await grubRescueIso(context.dir);
});

inspect.after(async (context) => {
  await removeTree(context.dir);
});

async function inspectJson(iso: string): Promise<InspectReport & { sections: Sections }> {
  return JSON.parse((await cairnOk(['iso', 'inspect', iso, '--json'])).stdout) as InspectReport & { sections: Sections };
}

/** An ISO as distributions make them with xorriso: isolinux, a FAT EFI image with a systemd-boot menu, isohybrid MBR and GPT. */
async function xorrisoHybridIso(dir: string): Promise<string> {
  const tree = join(dir, 'xorriso-tree');
  await mkdir(join(tree, 'isolinux'), { recursive: true });
  await copyFile('/usr/lib/ISOLINUX/isolinux.bin', join(tree, 'isolinux', 'isolinux.bin'));
  await copyFile('/usr/lib/syslinux/modules/bios/ldlinux.c32', join(tree, 'isolinux', 'ldlinux.c32'));
  await writeFile(
    join(tree, 'isolinux', 'isolinux.cfg'),
    'SERIAL 0 115200\nUI menu.c32\nTIMEOUT 50\nDEFAULT two\nLABEL one\n  MENU LABEL ^First\n  LINUX /boot/vmlinuz\n  APPEND init=/a/init\nLABEL two\n  MENU LABEL Second\n  MENU DEFAULT\n  LINUX /boot/vmlinuz\n  INITRD /boot/initrd\n  APPEND init=/b/init quiet\n',
  );
  const efi = join(tree, 'efi.img');
  await run('mkfs.fat', ['-C', efi, '2880']);
  const files = join(dir, 'xorriso-efi');
  await mkdir(files);
  await writeFile(join(files, 'loader.conf'), 'timeout 3\ndefault b.conf\neditor no\n');
  await writeFile(join(files, 'a.conf'), 'title Entry A\nlinux /vmlinuz\noptions init=/a/init\n');
  await writeFile(join(files, 'b.conf'), 'title Entry B\nlinux /vmlinuz\noptions init=/b/init\n');
  await run('mmd', ['-i', efi, '::/loader', '::/loader/entries']);
  await run('mcopy', ['-i', efi, join(files, 'loader.conf'), '::/loader/']);
  await run('mcopy', ['-i', efi, join(files, 'a.conf'), join(files, 'b.conf'), '::/loader/entries/']);
  const iso = join(dir, 'xorriso.iso');
  await run('xorriso', ['-as', 'mkisofs', '-R', '-J', '-V', 'XORRISO_HYBRID', '-o', iso,
    '-b', 'isolinux/isolinux.bin', '-c', 'isolinux/boot.cat', '-no-emul-boot', '-boot-load-size', '4', '-boot-info-table',
    '-isohybrid-mbr', '/usr/lib/ISOLINUX/isohdpfx.bin',
    '-eltorito-alt-boot', '-e', 'efi.img', '-no-emul-boot', '-isohybrid-gpt-basdat', tree]);
  return iso;
}

const TOPLEVEL = '/cairn/store/0a1b2c3d4e5f6g7h8i9j0k1l2m3n4p5q-cairn-system';

/**
 * An ISO made by grub-mkrescue: GRUB for BIOS (El Torito eltorito.img) and for UEFI (an ESP with GRUB),
 * both reading /boot/grub/grub.cfg on the ISO: a menu with a variable, a submenu, an entry inside an `if`,
 * and an entry booting a generation whose profile link is on the ISO.
 */
async function grubRescueIso(dir: string): Promise<string> {
  const tree = join(dir, 'grub-tree');
  await mkdir(join(tree, 'boot/grub'), { recursive: true });
  await mkdir(join(tree, 'cairn/var/profiles'), { recursive: true });
  await symlink(TOPLEVEL, join(tree, 'cairn/var/profiles/system-7-link'));
  await writeFile(
    join(tree, 'boot/grub/grub.cfg'),
    [
      'serial --unit=0 --speed=115200',
      'terminal_output --append serial',
      'set timeout=7',
      "set default='Generations>gen7'",
      'set flags="quiet splash"',
      "menuentry 'Live system' --id live {",
      '  linux /live/vmlinuz boot=live $flags',
      '  initrd /live/initrd.img',
      '}',
      "submenu 'Generations' {",
      `  menuentry 'Generation 7' --id gen7 { linux /k init=${TOPLEVEL}/init }`,
      '}',
      'if [ "${grub_platform}" = "efi" ]; then',
      "  menuentry 'Firmware settings' { fwsetup }",
      'fi',
      '',
    ].join('\n'),
  );
  const iso = join(dir, 'grub.iso');
  await run('grub-mkrescue', ['-o', iso, tree], { env: { SOURCE_DATE_EPOCH: '1763640000' } });
  return iso;
}

/** The El Torito catalog and the partition tables inspect decodes are the ones xorriso reports. */
function assertAgreesWithXorriso(sections: Sections, xorriso: XorrisoBootReport, who: string): void {
  const { elTorito, partitions } = sections;
  assert.is(elTorito.catalogLba, xorriso.catalogLba, `${who}: catalog sector`);
  assert.is(elTorito.catalogPath, xorriso.catalogPath, `${who}: catalog file`);
  assert.equal(
    elTorito.images.map((i) => ({ number: i.number, platform: i.platformName, bootable: i.bootable, emulation: i.emulation, loadSegment: i.loadSegment, systemType: i.systemType, loadSectors: i.loadSectors, lba: i.lba, path: i.path })),
    xorriso.images.map((i) => ({ ...i, path: i.path })),
    `${who}: boot images`,
  );
  assert.equal(elTorito.problems, [], `${who}: the catalog decodes`);
  assert.equal(partitions.mbr!.partitions.map((p) => ({ number: p.number, status: p.status, type: p.type, start: p.start, sectors: p.sectors })), xorriso.mbr, `${who}: MBR entries`);
  assert.ok(partitions.mbr!.bootCode, `${who}: isohdpfx boot code in the MBR`);
  const gpt = partitions.gpt!;
  assert.is(gpt.diskGuid, xorriso.gptDiskGuid, `${who}: GPT disk GUID`);
  assert.equal([gpt.entriesLba, gpt.entryCount], [xorriso.gptEntries!.lba, xorriso.gptEntries!.count], `${who}: GPT entry array`);
  assert.equal([gpt.firstUsableLba, gpt.lastUsableLba, gpt.backupHeaderLba], [xorriso.gptLbaRange!.firstUsable, xorriso.gptLbaRange!.lastUsable, xorriso.gptLbaRange!.backupHeader], `${who}: GPT LBA range`);
  assert.equal(
    gpt.partitions.map((p) => ({ number: p.number, name: p.name, guid: p.guid, typeGuid: p.typeGuid, flags: p.attributes, start: p.firstLba, sectors: p.sectors })),
    xorriso.gpt,
    `${who}: GPT entries`,
  );
  assert.equal(gpt.backupProblems, [], `${who}: the backup GPT matches the primary`);
}

inspect("Cairn's ISO: El Torito, MBR and GPT as xorriso reports them; both menus list every generation with the current one as default", async ({ cairnIso }) => {
  const report = await inspectJson(cairnIso);
  const xorriso = await xorrisoBootReport(cairnIso);
  assertAgreesWithXorriso(report.sections, xorriso, "Cairn's ISO");
  assert.equal(report.sections.elTorito.images.map((i) => [i.platformName, i.path ?? null]), [['BIOS', '/isolinux/isolinux.bin'], ['UEFI', null]], 'the ESP is a hidden image');
  assert.equal(report.sections.partitions.mbr!.partitions.map((p) => p.typeName), ['0x00', 'esp']);

  const menus = report.sections.bootMenus;
  assert.equal(menus.problems, []);
  assert.equal(menus.menus.map((m) => [m.firmware, m.loader, m.config]), [['bios', 'isolinux', '/isolinux/isolinux.cfg'], ['uefi', 'systemd-boot', 'loader/loader.conf']]);
  for (const menu of menus.menus) {
    assert.equal(menu.entries.map((e) => e.generation), [3, 2, 1], `${menu.loader}: every generation, newest first`);
    assert.equal(menu.entries.map((e) => e.isDefault), [false, true, false], `${menu.loader}: the current generation (2) is the default`);
    assert.match(menu.entries[1]!.title, /^Generation 2 - \d{4}-\d{2}-\d{2} - Cairn example 1\.1/);
    assert.ok(menu.entries.every((e) => e.params.includes(`cairn.example=${e.generation}`) && e.init!.endsWith('-cairn-system/init')), `${menu.loader}: each entry boots its own generation`);
    assert.is(menu.timeout, 5);
  }
  assert.is(menus.menus[0]!.serial, true, 'isolinux mirrors its menu on the serial port');
  assert.is(menus.menus[1]!.editor, true, "the ISO's systemd-boot lets the command line be edited");
  const esp = menus.menus[1]!.esp!;
  assert.equal([esp.offset, esp.source, esp.label], [report.sections.elTorito.images[1]!.lba * 2048, 'el-torito', 'CAIRN_ESP']);
  assert.is(esp.offset, report.sections.partitions.mbr!.partitions[1]!.start * 512, 'the ESP partition is the El Torito UEFI image');

  const { stdout } = await cairnOk(['iso', 'inspect', cairnIso]);
  assert.match(stdout, new RegExp(`^El Torito:\\n  boot record at sector 17, catalog at sector ${xorriso.catalogLba} \\(hidden\\)$`, 'm'));
  assert.match(stdout, new RegExp(`^  1  BIOS      yes       none       0x0000        0x00         4 +${xorriso.images[0]!.lba}  /isolinux/isolinux\\.bin$`, 'm'));
  assert.match(stdout, /^  MBR: boot code present, disk signature 0x[0-9a-f]{8}, 2 partitions$/m);
  assert.match(stdout, /^    2  0x00    0xef \(esp\)  \d+ +\d+ +\S+$/m);
  assert.match(stdout, new RegExp(`^  GPT: disk GUID ${xorriso.gptDiskGuid}, 128 entries of 128 bytes at LBA 2, .*\\(backup intact\\)$`, 'm'));
  assert.match(stdout, /^  BIOS: isolinux, \/isolinux\/isolinux\.cfg; timeout 5 s, menu also on the serial port$/m);
  assert.match(stdout, /^  UEFI: systemd-boot, loader\/loader\.conf on the ESP at byte \d+ \(FAT\d+, .*\); timeout 5 s, editor yes$/m);
  assert.is(stdout.match(/^ {4}\* Generation 2 - .*\[generation 2\]$/gm)?.length, 2, 'the default is marked in both menus');
  assert.is(stdout.match(/^ {6}Generation [13] - .*\[generation [13]\]$/gm)?.length, 4);
});

inspect('fsck.fat -n accepts the ESP cut out of the ISO at the offset inspect reports, and mtools reads its menu', async ({ dir, cairnIso }) => {
  const esp = (await inspectJson(cairnIso)).sections.bootMenus.menus.find((m) => m.firmware === 'uefi')!.esp!;
  const image = join(dir, 'esp.img');
  const source = await open(cairnIso, 'r');
  const bytes = Buffer.alloc(esp.size);
  await source.read(bytes, 0, esp.size, esp.offset);
  await source.close();
  await writeFile(image, bytes);
  const fsck = await run('fsck.fat', ['-n', image]);
  assert.match(fsck.stdout, /\d+ files, \d+\/\d+ clusters/);
  assert.not.match(fsck.stdout, /differences|Dirty|ERROR/i);
  const entries = (await run('mdir', ['-b', '-i', image, '::/loader/entries'])).stdout.split('\n').filter((l) => l.endsWith('.conf')).sort();
  assert.equal(entries.map((l) => l.replace(/^.*\//, '')), ['cairn-generation-1.conf', 'cairn-generation-2.conf', 'cairn-generation-3.conf']);
  assert.match((await run('mtype', ['-i', image, '::/loader/loader.conf'])).stdout, /^default cairn-generation-2\.conf$[\s\S]*^editor yes$/m);
});

inspect('an ISO xorriso made (isolinux, an EFI FAT image, isohybrid MBR and GPT) decodes too', async ({ xorrisoIso }) => {
  const report = await inspectJson(xorrisoIso);
  assertAgreesWithXorriso(report.sections, await xorrisoBootReport(xorrisoIso), "xorriso's ISO");
  assert.equal(report.sections.elTorito.images.map((i) => i.path), ['/isolinux/isolinux.bin', '/efi.img']);
  assert.equal(report.sections.partitions.gpt!.partitions.map((p) => p.name), ['ISOHybrid', 'ISOHybrid1']);
  const [bios, uefi] = report.sections.bootMenus.menus;
  assert.equal(bios!.entries.map((e) => [e.title, e.isDefault, e.init, e.generation ?? null]), [['First', false, '/a/init', null], ['Second', true, '/b/init', null]]);
  assert.equal(bios!.entries[1]!.initrds, ['/boot/initrd']);
  assert.is(bios!.timeout, 5);
  assert.equal(uefi!.entries.map((e) => [e.title, e.isDefault]), [['Entry B', true], ['Entry A', false]], 'systemd-boot order: by id, newest first');
  assert.equal([uefi!.editor, uefi!.timeout, uefi!.esp!.source, uefi!.esp!.fatType], [false, 3, 'el-torito', 12]);
  assert.equal(report.sections.bootMenus.problems, []);
});

inspect("an ISO grub-mkrescue made: GRUB's menu for BIOS and for UEFI, read from the ISO, with submenus, conditions and generations", async ({ grubIso }) => {
  const { sections } = await inspectJson(grubIso);
  assert.equal(sections.bootMenus.problems, []);
  assert.equal(sections.bootMenus.menus.map((m) => [m.firmware, m.loader, m.config, m.configOn]), [
    ['bios', 'grub', '/boot/grub/grub.cfg', 'iso'],
    ['uefi', 'grub', '/boot/grub/grub.cfg', 'iso'],
  ]);
  assert.is(sections.bootMenus.menus[1]!.esp?.source, 'el-torito', "the UEFI menu is the one the ESP's GRUB reads");
  for (const menu of sections.bootMenus.menus) {
    assert.equal(
      menu.entries.map((e) => [e.id, e.title, e.submenu ?? [], e.conditional === true, e.isDefault, e.generation]),
      [
        ['live', 'Live system', [], false, false, undefined],
        ['gen7', 'Generation 7', ['Generations'], false, true, 7],
        ['2', 'Firmware settings', [], true, false, undefined],
      ],
    );
    assert.equal(menu.entries[0]!.params, ['boot=live', 'quiet splash'], 'the variable set before, as one word (it was quoted)');
    assert.equal([menu.timeout, menu.serial], [7, true]);
  }
  const text = (await cairnOk(['iso', 'inspect', grubIso])).stdout;
  assert.match(text, /BIOS: grub, \/boot\/grub\/grub\.cfg; timeout 7 s, menu also on the serial port/);
  assert.match(text, /\* Generations > Generation 7  \[generation 7\]/);
  assert.match(text, /Firmware settings  \(if\)\n\s+\(loads no kernel\)/);
});

inspect('an ISO without boot parts has no such sections, and an unreadable ESP is a problem, not a crash', async ({ dir, xorrisoIso }) => {
  await writeFile(join(dir, 'hello.txt'), 'hello\n');
  await writeFile(join(dir, 'plain.yaml'), 'volumeId: PLAIN\nfiles:\n  - from: hello.txt\n    to: /hello.txt\n');
  const plain = join(dir, 'plain.iso');
  await cairnOk(['iso', 'build', join(dir, 'plain.yaml'), '-o', plain]);
  const report = await inspectJson(plain);
  assert.equal(Object.keys(report.sections).sort(), ['extents', 'systemArea']);

  // The EFI image overwritten with zeros: El Torito still points at it, but there is no FAT there.
  const damaged = join(dir, 'damaged.iso');
  await copyFile(xorrisoIso, damaged);
  const uefi = (await inspectJson(damaged)).sections.elTorito.images[1]!;
  const handle = await open(damaged, 'r+');
  await handle.write(Buffer.alloc(2048), 0, 2048, uefi.lba * 2048);
  await handle.close();
  const broken = (await inspectJson(damaged)).sections.bootMenus;
  assert.equal(broken.menus.map((m) => m.loader), ['isolinux']);
  assert.match(broken.problems.join('\n'), new RegExp(`the UEFI boot image at byte ${uefi.lba * 2048}: .* is not a FAT volume`));
  const extents = (await inspectJson(damaged)).sections.extents;
  assert.ok(extents.some((e) => e.kind === 'boot-image' && e.offset === uefi.lba * 2048));
  assert.not.ok(extents.some((e) => e.kind === 'fat' && e.offset === uefi.lba * 2048), 'no FAT volume where there is none');
  assert.ok((await readdir(dir)).includes('damaged.iso'));
});

inspect.run();
