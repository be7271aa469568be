import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildBootMenu } from '../../bootloader/entries.js';
import { parseGrubConfig, parseGrubScript, quoteGrubWord, renderGrubConfig } from '../../bootloader/grub.js';
import { loaderMenuOf } from '../../bootloader/loader-menu.js';
import { parseSyslinuxConfig, renderSyslinuxConfig } from '../../bootloader/syslinux.js';
import { blsEntryFileName, compareVersions, globMatches, parseLoaderConf, parseSystemdBoot, renderLoaderConf, renderSystemdBoot } from '../../bootloader/systemd-boot.js';
import { UnwritableEntryError, describeCharacter } from '../../bootloader/writable-text.js';
import { UserError } from '../../lib/errors.js';
import { bootloaderGoldenDirectory, bootloaderGoldenFiles, onEsp, readGolden, sampleMenu, syslinuxGoldenOptions, syslinuxSampleMenu } from '../support/bootloader-golden.js';
import { fakeProfile } from '../support/profiles.js';

async function filesUnder(directory: string, prefix = ''): Promise<string[]> {
  const names: string[] = [];
  for (const entry of await readdir(directory, { withFileTypes: true })) {
    if (entry.isDirectory()) names.push(...(await filesUnder(join(directory, entry.name), `${prefix}${entry.name}/`)));
    else names.push(`${prefix}${entry.name}`);
  }
  return names.sort();
}

/** Compares with its golden file in fixtures/bootloader (rewritten only by `npm run golden`). */
async function matchesGolden(name: string, actual: string): Promise<void> {
  assert.fixture(actual, await readGolden(name), `${name} differs from its golden file (if the change is meant, run npm run golden and read the diff)`);
}

test('fixtures/bootloader holds exactly the golden files the renderers give, byte for byte', async () => {
  const expected = bootloaderGoldenFiles();
  assert.equal(await filesUnder(bootloaderGoldenDirectory), [...expected.keys()].sort());
  for (const [name, text] of expected) await matchesGolden(name, text);
});

test('systemd-boot: loader.conf and one BLS entry per entry, as in the golden files', async () => {
  const config = renderSystemdBoot(sampleMenu(), onEsp);
  await matchesGolden('systemd-boot/loader.conf', config.loaderConf);
  assert.equal(config.entries.map((e) => e.name), [
    'cairn-generation-3.conf',
    'cairn-generation-2.conf',
    'cairn-generation-2-specialisation-debug.conf',
    'cairn-generation-1.conf',
  ]);
  for (const entry of config.entries) await matchesGolden(`systemd-boot/entries/${entry.name}`, entry.text);
});

test('systemd-boot: read back in any directory order, the menu is the model: newest first, default the current one', () => {
  const menu = sampleMenu();
  const config = renderSystemdBoot(menu, onEsp);
  const shuffled = [config.entries[2]!, config.entries[0]!, config.entries[3]!, config.entries[1]!];
  const parsed = parseSystemdBoot({ loaderConf: config.loaderConf, entries: shuffled });
  const { defaultPattern, defaultMatched, ...plain } = parsed;
  assert.equal(plain, loaderMenuOf(menu, onEsp));
  assert.is(defaultPattern, 'cairn-generation-2.conf');
  assert.ok(defaultMatched);
});

test('systemd-boot: the command line editor is off unless asked for (live media ask, installed systems do not)', () => {
  assert.match(renderSystemdBoot(sampleMenu(), onEsp).loaderConf, /^editor no$/m);
  const live = renderSystemdBoot(sampleMenu(), { ...onEsp, editor: true }).loaderConf;
  assert.match(live, /^editor yes$/m);
  assert.is(parseLoaderConf(live).editor, 'yes');
  assert.match(renderLoaderConf('cairn-generation-1', 3), /^editor no$/m);
  assert.match(renderLoaderConf('cairn-generation-1', 3, { editor: true }), /^editor yes$/m);
});

test('systemd-boot: version order is numeric, and a default pattern is a glob', () => {
  assert.ok(compareVersions('10.1', '9.3') > 0);
  assert.ok(compareVersions('2.3', '2.2') > 0);
  assert.ok(compareVersions('2.1', '1.9') > 0);
  assert.ok(compareVersions('2', '2.1') < 0);
  assert.is(compareVersions('007', '7'), 0);
  assert.ok(globMatches('cairn-generation-4*', 'cairn-generation-42.conf'));
  assert.not.ok(globMatches('cairn-generation-4.conf', 'cairn-generation-42.conf'));
  assert.ok(globMatches('cairn-generation-?.conf', 'cairn-generation-4.conf'));
  assert.throws(() => blsEntryFileName('x+3'), /misread/);
});

test('GRUB: flat list newest first, default by id, quoted titles and parameters, serial console, as in the golden file', async () => {
  const menu = sampleMenu();
  const text = renderGrubConfig(menu, onEsp);
  await matchesGolden('grub/grub.cfg', text);
  assert.match(text, /^menuentry 'Generation 2 - 2026-11-22 - Cairn'\\''s \$HOME; \{test\}' --id 'cairn-generation-2' \{$/m);
  const parsed = parseGrubConfig(text);
  const { serial, searchFile, ...plain } = parsed;
  assert.equal(plain, loaderMenuOf(menu, onEsp));
  assert.ok(serial);
  assert.is(searchFile, undefined);
  const quiet = parseGrubConfig(renderGrubConfig(menu, { ...onEsp, serial: false, searchFile: '/cairn/.marker' }));
  assert.not.ok(quiet.serial);
  assert.is(quiet.searchFile, '/cairn/.marker');
});

test('GRUB: the parser follows GRUB quoting', () => {
  assert.equal(parseGrubScript(`a 'b c'"d\\"e" f\\ g # comment\nh;i`).map((c) => c.words), [['a', 'b cd"e', 'f g'], ['h'], ['i']]);
  assert.equal(parseGrubScript(quoteGrubWord("it's")).map((c) => c.words), [["it's"]]);
  assert.throws(() => parseGrubScript('echo $x'), /unquoted "\$"/);
  assert.throws(() => parseGrubScript("echo 'x"), /unterminated/);
});

test('syslinux: UI menu.c32, serial first, MENU LABEL and MENU DEFAULT, as in the golden file', async () => {
  const menu = syslinuxSampleMenu();
  const options = syslinuxGoldenOptions;
  const text = renderSyslinuxConfig(menu, options);
  await matchesGolden('syslinux/syslinux.cfg', text);
  assert.ok(text.startsWith('SERIAL 0 115200\n'), 'SERIAL is the first directive');
  const { serial, menuTitle, ...plain } = parseSyslinuxConfig(text);
  assert.equal(plain, loaderMenuOf(menu, options));
  assert.ok(serial);
  assert.is(menuTitle, 'Cairn live');
  assert.match(renderSyslinuxConfig(menu, { ...options, timeout: 0, serial: false }), /^TIMEOUT 1$/m, 'timeout 0 is a tenth of a second, not "wait forever"');
});

test('a label a loader cannot hold is refused with the generation, the text and the character', () => {
  const menuWith = (label: string, params: string[] = ['quiet']) => buildBootMenu(fakeProfile([{ number: 7, label, params }, { number: 8 }]));
  const refusal = (render: () => unknown): UnwritableEntryError => {
    try {
      render();
    } catch (error) {
      if (error instanceof UnwritableEntryError) return error;
      throw error;
    }
    throw new Error('expected a refusal');
  };
  const bls = refusal(() => renderSystemdBoot(menuWith('two\nlines'), onEsp));
  assert.is(bls.code, 'unwritable-boot-entry');
  assert.match(bls.message, /^a boot entry cannot be written safely for systemd-boot:\n {2}generation 7: the title "Generation 7 - 2026-11-27 - two\\nlines" contains a newline \(U\+000A\) at position 32, which is a control character/);
  assert.ok(bls instanceof UserError);

  const grub = refusal(() => renderGrubConfig(menuWith('fine', ["x='y'"]), onEsp));
  assert.match(grub.message, /generation 7: the kernel parameter "x='y'" contains "'" \(U\+0027\) at position 3, which cannot be written inside a GRUB parameter/);

  const syslinux = refusal(() => renderSyslinuxConfig(menuWith('caf\u00e9 ^fast'), onEsp));
  assert.match(syslinux.message, /generation 7: the title .* contains "é" \(U\+00E9\) at position \d+, which cannot be shown by syslinux \(it shows only printable ASCII\)/);

  const spaced = refusal(() => renderSystemdBoot(menuWith('ok', ['a b']), onEsp));
  assert.match(spaced.message, /the kernel parameter "a b" contains a space \(U\+0020\) at position 2, which would split the parameter in two/);
  assert.is(describeCharacter('\u{1F600}'), '"\u{1F600}" (U+1F600)');

  // GRUB quotes what BLS and syslinux cannot hold.
  assert.not.throws(() => renderGrubConfig(menuWith('trailing space \u{1F600} '), onEsp));
  assert.throws(() => renderSystemdBoot(menuWith('emoji \u{1F600}'), onEsp), /beyond U\+FFFF/);
});

test('every problem of a menu is reported at once', () => {
  const menu = buildBootMenu(fakeProfile([1, 2, 3].map((number) => ({ number, label: `bad\tlabel ${number}` }))));
  assert.throws(
    () => renderSystemdBoot(menu, onEsp),
    (error: unknown) => error instanceof UnwritableEntryError && error.problems.length === 3 && /^3 boot entries cannot be written/.test(error.message),
  );
});

test('timeouts are whole seconds', () => {
  assert.throws(() => renderGrubConfig(sampleMenu(), { ...onEsp, timeout: 1.5 }), /whole number of seconds/);
});

test.run();
