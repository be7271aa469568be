import { PassThrough } from 'node:stream';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CancelledError } from '../../lib/errors.js';
import { runPlainInstaller } from '../../installer/plain/plain-installer.js';
import type { DraftAnswers, InstallerEngine, InstallerModel } from '../../installer/engine/contract.js';

const model: InstallerModel = {
  source: 'the live medium',
  locales: ['de_DE.UTF-8', 'en_US.UTF-8'],
  keyMaps: ['de', 'fr', 'us'],
  timeZones: Intl.supportedValuesOf('timeZone'),
  hardware: { rows: [['CPU', 'QEMU Virtual CPU']], warnings: ['no DMI tables'] },
  disks: [
    { path: '/dev/sda', label: 'sda  Live stick  8G', identity: 'usb-live', contents: ['sda1 iso9660'], refusal: 'the live medium' },
    { path: '/dev/vda', label: 'vda  virtio  20G', identity: 'virtio-one', contents: ['empty'] },
  ],
  generations: [
    { number: 3, title: 'Generation 3', current: true },
    { number: 2, title: 'Generation 2', current: false },
    { number: 1, title: 'Generation 1', current: false },
  ],
  ending: 'image',
};

const initial: DraftAnswers = { locale: 'en_US.UTF-8', keyMap: 'us', timeZone: 'UTC', hostName: 'cairn', disk: undefined, layout: { kind: 'guided', filesystem: 'ext4', swap: 'none' }, users: [], generations: [3, 2, 1] };

function engine(installed: DraftAnswers[]): InstallerEngine {
  return {
    previewLayout: (_a, choice) => Promise.resolve(choice.kind === 'file' ? { rows: [], error: `${choice.path}: no such file` } : { rows: [`root ${choice.kind === 'guided' ? choice.filesystem : choice.kind}`] }),
    guidedPartitions: () => [],
    summarise: (a) => ({ choices: [['Disk', a.disk!], ['Time zone', a.timeZone]], erased: [`${a.disk} entirely`], confirmName: 'vda' }),
    checkSpace: () => Promise.resolve({ neededBytes: 1024 ** 3, diskBytes: 20 * 1024 ** 3, rootNeedBytes: 1024 ** 3 }),
    hashPassword: (p) => `hash:${p}`,
    install: (a, onProgress) => {
      installed.push(a);
      onProgress({ kind: 'phase', phase: 'copy', title: 'Copying the store', total: 3, unit: 'files' });
      onProgress({ kind: 'progress', phase: 'copy', done: 3, total: 3, unit: 'files' });
      return Promise.resolve({ lines: ['Installed.'] });
    },
  };
}

async function runWith(lines: string[], installed: DraftAnswers[]) {
  const input = new PassThrough();
  const output = new PassThrough();
  let text = '';
  output.on('data', (c) => (text += c));
  input.end(lines.map((l) => `${l}\n`).join(''));
  try {
    const result = await runPlainInstaller({ model, engine: engine(installed), initial, input, output });
    return { result, text, error: undefined };
  } catch (error) {
    return { result: undefined, text, error };
  }
}

test('every question one line at a time; numbers or names; < goes back; bad answers are asked again', async () => {
  const installed: DraftAnswers[] = [];
  const { result, text, error } = await runWith(
    [
      '1', // locale: de_DE.UTF-8
      'fr', // keymap
      '<', // at the time zone: back to the keymap
      'us', // keymap
      'Berlin', // not a full name
      '?berl', // search
      'Europe/Berlin',
      '', // hardware
      '1', // the live medium: refused
      '7', // no such disk
      '/dev/vda',
      '2', // layout file
      '/nope.yaml', // fails to plan
      '1', // guided
      'btrfs',
      'lots', // bad swap
      '', // guided again (the default now)
      '', // btrfs kept
      '2G',
      'maybe', // encrypt? neither yes nor no
      'yes',
      '', // an empty passphrase
      'one',
      'two', // differ
      'secret words',
      'secret words',
      'Bad_Host!',
      'box',
      'Root', // bad user name
      'alice',
      'pw',
      'pw2', // differ
      'alice',
      ' pw ', // spaces are part of a password
      ' pw ',
      '1 9', // unknown generation
      '1', // 1, and the current (3) anyway
      'sda', // wrong confirmation
      'vda',
    ],
    installed,
  );
  assert.is(error, undefined, String(error) + "\n" + text);
  assert.ok(result?.installed);
  assert.equal(installed, [
    { ...initial, locale: 'de_DE.UTF-8', keyMap: 'us', timeZone: 'Europe/Berlin', disk: '/dev/vda', layout: { kind: 'guided', filesystem: 'btrfs', swap: '2G' }, encryption: { passphrase: 'secret words' }, hostName: 'box', users: [{ name: 'alice', passwordHash: 'hash: pw ' }], generations: [3, 1] },
  ]);
  assert.match(text, /Type yes or no\./);
  assert.match(text, /the passphrase is empty: type one/);
  assert.match(text, /the two passphrases differ; try again/);
  assert.not.match(text, /secret words/, 'the passphrase is not echoed');
  assert.match(text, /sda  Live stick  8G - cannot be used: the live medium/);
  assert.match(text, /sda  Live stick  8G cannot be used: the live medium\./);
  assert.match(text, /"Berlin" is not in the list; type \? to see it\./);
  assert.match(text, /Europe\/Berlin/);
  assert.match(text, /This layout cannot be used: \/nope\.yaml: no such file/);
  assert.match(text, /swap: expected a size/);
  assert.match(text, /use letters, digits and hyphens/);
  assert.match(text, /root exists already|start with a lower case letter/);
  assert.match(text, /the two passwords differ/);
  assert.match(text, /not a generation here: 1 9/);
  assert.match(text, /"sda" is not vda: nothing was written\./);
  assert.match(text, /==> Copying the store\n    done: 3 files\nInstalled\./);
  assert.not.ok(text.slice(text.indexOf('\n')).includes('\u001b['), 'no escape sequences in plain mode after the first line');
});

test('input that ends early cancels without installing', async () => {
  const installed: DraftAnswers[] = [];
  const { error } = await runWith(['', ''], installed);
  assert.instance(error, CancelledError);
  assert.match((error as Error).message, /nothing was written/);
  assert.is(installed.length, 0);
});

test.run();
