/**
 * Reading GRUB menus written by other tools (fixtures/grub-menus: an installer ISO's, a live
 * ISO's, an installed system's grub-mkconfig-style file; each passes grub-script-check) and Cairn's own:
 * titles, ids, kernels, initrds and parameters, submenus, conditional entries, the default and timeout.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildBootMenu } from '../../bootloader/entries.js';
import { parseGrubConfig, renderGrubConfig } from '../../bootloader/grub.js';
import { readGrubMenu } from '../../bootloader/grub-menu-reader.js';
import { repoRoot } from '../support/cli.js';
import { fakeProfile } from '../support/profiles.js';

const fixture = (name: string) => readFile(join(repoRoot, 'fixtures/grub-menus', name), 'utf8');

test('an installer ISO: hotkeys, a submenu whose entries are numbered inside it, the first entry the default', async () => {
  const menu = readGrubMenu(await fixture('installer-iso.cfg'));
  assert.equal(
    menu.entries.map((e) => [e.id, e.title, e.submenu, e.kernel, e.initrds, e.params]),
    [
      ['0', 'Graphical install', [], '/install.amd/vmlinuz', ['/install.amd/gtk/initrd.gz'], ['vga=788', '---', 'quiet']],
      ['1', 'Install', [], '/install.amd/vmlinuz', ['/install.amd/initrd.gz'], ['vga=788', '---', 'quiet']],
      ['2>0', '... Graphical expert install', ['Advanced options ...'], '/install.amd/vmlinuz', ['/install.amd/gtk/initrd.gz'], ['priority=low', 'vga=788', '---']],
      ['2>1', '... Expert install', ['Advanced options ...'], '/install.amd/vmlinuz', ['/install.amd/initrd.gz'], ['priority=low', 'vga=788', '---']],
    ],
  );
  assert.is(menu.defaultId, '0', 'without set default, the first entry');
  assert.is(menu.timeout, undefined, 'no timeout: the menu waits');
  assert.not.ok(menu.serial);
  assert.ok(menu.entries.every((e) => !e.conditional));
});

test('a live ISO: ids, variables expanded where they were set, entries inside if marked conditional, serial', async () => {
  const menu = readGrubMenu(await fixture('live-iso.cfg'));
  assert.equal(
    menu.entries.map((e) => [e.id, e.conditional]),
    [
      ['archlinux', false],
      ['archlinux-accessibility', false],
      ['2', true],
      ['uefi-firmware', true],
      ['4', false],
    ],
  );
  const first = menu.entries[0]!;
  assert.is(first.title, 'Arch Linux install medium (x86_64, UEFI)');
  assert.equal(first.params, ['archisobasedir=arch', 'archisosearchuuid=2025-11-01-08-00-00-00'], '${ISO_UUID} is the value set before');
  assert.equal(first.initrds, ['/arch/boot/x86_64/initramfs-linux.img']);
  assert.is(menu.entries[2]!.kernel, '/boot/memtest86+/memtest.efi');
  assert.is(menu.entries[3]!.kernel, '', 'an entry that loads no kernel (fwsetup)');
  assert.is(menu.defaultId, 'archlinux');
  assert.is(menu.timeout, 15);
  assert.ok(menu.serial);
});

test("an installed system's grub-mkconfig file: --id through a variable, a default path into the submenu, functions skipped", async () => {
  const menu = readGrubMenu(await fixture('installed-system.cfg'));
  assert.equal(menu.entries.map((e) => e.id), [
    'gnulinux-simple-9e1c5b7a',
    'gnulinux-6.1.0-57-amd64-advanced-9e1c5b7a',
    'gnulinux-6.1.0-57-amd64-recovery-9e1c5b7a',
    'gnulinux-6.1.0-56-amd64-advanced-9e1c5b7a',
  ]);
  assert.equal(menu.entries[3]!.submenu, ['Advanced options for Debian GNU/Linux']);
  assert.equal(menu.entries[2]!.params, ['root=UUID=9e1c5b7a', 'ro', 'single']);
  // set default="${next_entry}" sits in the if branch, "1>2" in the else branch; the first set wins in a conditional.
  assert.is(menu.defaultId, undefined, '${next_entry} is known only at boot');
  assert.is(menu.unresolvedDefault, '${next_entry}');
  assert.is(menu.timeout, 5);
  const withoutNext = readGrubMenu((await fixture('installed-system.cfg')).replace('set default="${next_entry}"', 'true'));
  assert.is(withoutNext.defaultId, 'gnulinux-6.1.0-56-amd64-advanced-9e1c5b7a', '"1>2": the third entry of the second item');
});

test("Cairn's own grub.cfg reads the same as its exact parser reads it", () => {
  const menu = buildBootMenu(fakeProfile([{ number: 1, label: "Cairn's {best} $build" }, { number: 2, params: ['quiet', 'a=$b'] }, { number: 3 }], 2));
  const text = renderGrubConfig(menu, { loaderPath: (p) => `/EFI/cairn${p}`, timeout: 4, serial: true });
  const exact = parseGrubConfig(text);
  const read = readGrubMenu(text);
  assert.equal(
    read.entries.map(({ submenu, conditional, ...entry }) => {
      assert.equal([submenu, conditional], [[], false]);
      return entry;
    }),
    exact.entries,
  );
  assert.equal([read.defaultId, read.timeout, read.serial], [exact.defaultId, exact.timeout, exact.serial]);
  assert.is(read.defaultId, 'cairn-generation-2');
});

test('default by number, by title, by a path into a submenu, and a submenu chosen as a whole', () => {
  const text = (value: string) => `set default=${value}\nmenuentry A { linux /a }\nsubmenu S --id s { menuentry B { linux /b }\nmenuentry C --id c { linux /c } }\n`;
  assert.is(readGrubMenu(text('0')).defaultId, '0');
  assert.is(readGrubMenu(text("'A'")).defaultId, '0');
  assert.is(readGrubMenu(text("'1>c'")).defaultId, 'c');
  assert.is(readGrubMenu(text("'s>1'")).defaultId, 'c');
  assert.is(readGrubMenu(text('1')).defaultId, '1>0', 'the submenu: its first entry');
  assert.is(readGrubMenu(text('7')).defaultId, '0', 'a default that names no entry: GRUB boots the first');
  assert.is(readGrubMenu(text('c')).defaultId, '0', 'an id inside a submenu needs its path');
  assert.is(readGrubMenu(text('7')).unresolvedDefault, undefined);
});

test.run();
