/**
 * Property test of the escaping rules: random labels and kernel parameters full of characters that break
 * configuration files (quotes, `$`, `;`, braces, backslashes, newlines, control characters, unicode, lone
 * surrogates) are rendered for each loader. Each one is either written so that parsing the configuration
 * back gives exactly the intended entries, or refused with a message naming the generation and the
 * character. The GRUB files that were written are also checked by GRUB's own parser (grub-script-check).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildBootMenu, type BootMenu } from '../../bootloader/entries.js';
import { parseGrubConfig, renderGrubConfig } from '../../bootloader/grub.js';
import { loaderMenuOf, type LoaderMenu, type RenderOptions } from '../../bootloader/loader-menu.js';
import { parseSyslinuxConfig, renderSyslinuxConfig } from '../../bootloader/syslinux.js';
import { parseSystemdBoot, renderSystemdBoot } from '../../bootloader/systemd-boot.js';
import { UnwritableEntryError, type LoaderKind } from '../../bootloader/writable-text.js';
import { run } from '../../lib/run.js';
import { fakeProfile } from '../support/profiles.js';
import { removeTree, temporaryDirectory } from '../support/tree.js';

const SAMPLES = 1200;

/** mulberry32: a small deterministic generator, so a failure reproduces. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Pieces of labels: mostly characters that need care in some format, sometimes ones no format can hold. */
const LABEL_PIECES = [
  'Cairn', ' ', '  ', '1.0', '(Linux 6.1)', "'", '"', '`', '$', '${x}', '$(reboot)', ';', '{', '}', '\\', "\\'", '#', '&', '|', '<', '>', '=',
  ',', '*', '?', '[', ']', '~', '+3', '.conf', '--id x', 'menuentry', 'LABEL x', 'title ', 'options ', 'MENU DEFAULT', 'é', 'ß', '中文',
];
const HARD_LABEL_PIECES = ['\n', '\r', '\t', '\0', '\u001b[2J', '\u007f', '\u0085', '\u{1F600}', '\u2028', '\u00a0', '\ufeff', '\ud800', '^'];
const PARAM_PIECES = [
  'quiet', '=', 'root=LABEL=x', 'console=ttyS0,115200', '$', '${x}', ';', '{', '}', '#', '^', ',', '-', '.', '/', '*', '?', '[', ']', '&', '|',
  '<', '>', '~', '+', 'init=/x', '--', "'", '\\',
];
const HARD_PARAM_PIECES = ['"', ' ', '\t', '\n', 'é', '\u{1F600}', '\0', '\u00a0', ''];

function pick<T>(next: () => number, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)]!;
}

function text(next: () => number, pieces: readonly string[], hard: readonly string[], hardShare: number, min: number, max: number): string {
  const count = min + Math.floor(next() * (max - min + 1));
  return Array.from({ length: count }, () => pick(next, next() < hardShare ? hard : pieces)).join('');
}

const label = (next: () => number, max: number) => text(next, LABEL_PIECES, HARD_LABEL_PIECES, 0.06, 0, max);
const param = (next: () => number, max: number) => text(next, PARAM_PIECES, HARD_PARAM_PIECES, 0.04, 1, max);

function sampleMenu(next: () => number): BootMenu {
  const params = Array.from({ length: 1 + Math.floor(next() * 3) }, () => param(next, 4));
  const specParam = param(next, 3);
  const profile = fakeProfile(
    [
      { number: 1, label: label(next, 3) },
      { number: 2, label: label(next, 8), params, specialisations: next() < 0.3 ? { debug: { kernelParams: [specParam] } } : {} },
    ],
    next() < 0.5 ? 1 : 2,
  );
  const extra = next() < 0.3 ? [param(next, 3)] : [];
  return buildBootMenu(profile, { extraParams: extra });
}

const options: RenderOptions = { loaderPath: (path) => `/EFI/cairn${path}`, timeout: 3, serial: true };

interface Loader {
  readonly name: LoaderKind;
  render(menu: BootMenu): string[];
  parse(files: string[]): LoaderMenu;
}

const LOADERS: readonly Loader[] = [
  {
    name: 'systemd-boot',
    render: (menu) => {
      const config = renderSystemdBoot(menu, options);
      return [config.loaderConf, ...config.entries.map((e) => `${e.name}\u0000${e.text}`)];
    },
    parse: ([loaderConf, ...entries]) => {
      // Read the entries in reverse directory order: the menu order must come from sort-key and version.
      const files = entries.map((e) => ({ name: e.slice(0, e.indexOf('\u0000')), text: e.slice(e.indexOf('\u0000') + 1) })).reverse();
      const { defaultPattern: _pattern, defaultMatched, ...menu } = parseSystemdBoot({ loaderConf, entries: files });
      assert.ok(defaultMatched, 'loader.conf names an existing entry');
      return menu;
    },
  },
  {
    name: 'grub',
    render: (menu) => [renderGrubConfig(menu, options)],
    parse: ([text]) => {
      const { serial: _serial, searchFile: _search, ...menu } = parseGrubConfig(text!);
      return menu;
    },
  },
  {
    name: 'syslinux',
    render: (menu) => [renderSyslinuxConfig(menu, options)],
    parse: ([text]) => {
      const { serial: _serial, menuTitle: _title, ...menu } = parseSyslinuxConfig(text!);
      return menu;
    },
  },
];

const REFUSAL_LINE = /^ {2}generation \d+(, specialisation debug)?: the (title|kernel parameter|path) ".*" (contains (an? [a-zA-Z -]+ \(U\+[0-9A-F]{4}\)|the character U\+[0-9A-F]{4}|".+" \(U\+[0-9A-F]{4,6}\)) at position \d+, which .+|is empty|ends with (a space \(U\+0020\)|the character U\+[0-9A-F]{4}), which \S+ drops)$/s;

for (const loader of LOADERS) {
  test(`${loader.name}: ${SAMPLES} random labels and parameters are written exactly or refused clearly`, async () => {
    const next = random(0xca1e + loader.name.length);
    let written = 0;
    let refused = 0;
    const grubFiles: string[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const menu = sampleMenu(next);
      let files: string[];
      try {
        files = loader.render(menu);
      } catch (error) {
        if (!(error instanceof UnwritableEntryError)) throw error;
        refused += 1;
        const lines = error.message.split('\n');
        assert.match(lines[0]!, new RegExp(`cannot be written safely for ${loader.name}:$`));
        for (const line of lines.slice(1)) {
          if (!line.startsWith('  ... and')) assert.match(line, REFUSAL_LINE, `sample ${i}: a clear refusal: ${JSON.stringify(line)}`);
        }
        continue;
      }
      written += 1;
      assert.equal(loader.parse(files), loaderMenuOf(menu, options), `sample ${i}: the configuration reads back as intended:\n${files.join('\n---\n')}`);
      if (loader.name === 'grub') grubFiles.push(files[0]!);
    }
    assert.ok(written >= SAMPLES / 10, `a good share is written (${written} written, ${refused} refused)`);
    assert.ok(refused >= SAMPLES / 10, `a good share is refused (${written} written, ${refused} refused)`);
    if (loader.name === 'grub') {
      const dir = await temporaryDirectory();
      try {
        await writeFile(join(dir, 'all.cfg'), grubFiles.join('\n'));
        await run('grub-script-check', [join(dir, 'all.cfg')]);
      } finally {
        await removeTree(dir);
      }
    }
  });
}

test('what needs care but can be written is written', () => {
  const tricky = (label: string, params: string[]) => buildBootMenu(fakeProfile([{ number: 1, label, params }]));
  const grubMenu = tricky(`it's "$HOME"; {x} \\ # é 中 \u{1F600} | & < > `, ['a=$x;{y}#', 'b=~*?[]']);
  assert.equal(parseGrubConfig(renderGrubConfig(grubMenu, options)).entries, loaderMenuOf(grubMenu, options).entries);
  const blsMenu = tricky(`it's "$HOME"; {x} \\ # é 中 \u2028 ${'"'}`, ['a=$x;{y}#', "b='q'"]);
  const bls = renderSystemdBoot(blsMenu, options);
  assert.equal(parseSystemdBoot({ loaderConf: bls.loaderConf, entries: bls.entries }).entries, loaderMenuOf(blsMenu, options).entries);
  const syslinuxMenu = tricky(`it's "$HOME"; {x} \\ # | & < >`, ['a=$x;{y}#', "b='q'\\"]);
  assert.equal(parseSyslinuxConfig(renderSyslinuxConfig(syslinuxMenu, options)).entries, loaderMenuOf(syslinuxMenu, options).entries);
});

test.run();
