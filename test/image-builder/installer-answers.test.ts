/**
 * Answers on the medium: an image spec's `installer.answers` is checked when the ISO is built (every
 * problem named with the answers file and key path, no ISO written) and put on the ISO where the live
 * installer reads it (read back here with xorriso); the kernel parameter naming another answers file.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { run } from '../../lib/run.js';
import { decodeAnswers } from '../../system/answers.js';
import { ANSWERS_PARAM, MEDIUM_ANSWERS_PATH, answersPathOnMedium } from '../../system/live-medium.js';
import { buildIso, writeBootableSpec } from '../support/bootable-iso.js';
import { cairn } from '../support/cli.js';
import { makeExampleSystem, type ExampleSystem } from '../support/example-system.js';
import { removeTree, temporaryDirectory } from '../support/tree.js';

interface Context {
  dir: string;
  system: ExampleSystem;
}

const medium = suite<Context>('answers on the medium');

medium.before(async (context) => {
  context.dir = await temporaryDirectory();
  context.system = await makeExampleSystem(context.dir, 1);
});

medium.after(async (context) => {
  await removeTree(context.dir);
});

const ANSWERS = ['version: 1', 'hostName: unattended', 'disk: { path: /dev/nvme0n1 }', 'confirm: true', 'finish: reboot', ''].join('\n');

medium('installer.answers goes onto the ISO at /cairn/answers.yaml, byte for byte, beside the store', async ({ dir, system }) => {
  await writeFile(join(dir, 'answers.yaml'), ANSWERS);
  const spec = await writeBootableSpec(dir, system.root, { name: 'installer.yaml', boot: 'boot: { bios: true, uefi: false, timeout: 5, serial: true }', extra: 'installer: { answers: answers.yaml }' });
  const iso = await buildIso(spec, join(dir, 'installer.iso'));
  const extracted = join(dir, 'extracted-answers.yaml');
  await run('xorriso', ['-osirrox', 'on', '-indev', iso, '-extract', MEDIUM_ANSWERS_PATH, extracted]);
  assert.is(await readFile(extracted, 'utf8'), ANSWERS);
  const answers = decodeAnswers(await readFile(extracted, 'utf8'), extracted);
  assert.equal([answers.hostName, answers.confirm, answers.finish, answers.disk.path], ['unattended', true, 'reboot', '/dev/nvme0n1']);
  const { stdout } = await run('xorriso', ['-indev', iso, '-find', '/cairn', '-maxdepth', '1']);
  assert.match(stdout, /'\/cairn\/store'/, 'the store is still there: the answers share /cairn with it');
});

medium('answers that do not validate, a layout file, no boot, a file in the answers\' place: refused with the file and key path, no ISO', async ({ dir, system }) => {
  await writeFile(join(dir, 'bad-answers.yaml'), 'version: 1\nhostName: "not a host"\nfinish: halt\nconfirm: yes-please\n');
  const bad = await cairn(['iso', 'build', await writeBootableSpec(dir, system.root, { name: 'bad.yaml', extra: 'installer: { answers: bad-answers.yaml }' }), '-o', join(dir, 'bad.iso')]);
  assert.is(bad.code, 1);
  assert.match(bad.stderr, /3 problems:/);
  assert.match(bad.stderr, /bad-answers\.yaml:2: hostName: /);
  assert.match(bad.stderr, /bad-answers\.yaml:3: finish: expected one of poweroff, reboot, shell \(got "halt"\)/);
  assert.match(bad.stderr, /bad-answers\.yaml:4: confirm: /);

  await writeFile(join(dir, 'layout-answers.yaml'), 'version: 1\nlayout: my-layout.yaml\n');
  const layoutFile = await cairn(['iso', 'build', await writeBootableSpec(dir, system.root, { name: 'layout.yaml', extra: 'installer: { answers: layout-answers.yaml }' }), '-o', join(dir, 'layout.iso')]);
  assert.is(layoutFile.code, 1);
  assert.match(layoutFile.stderr, /layout-answers\.yaml: layout: names the layout file my-layout\.yaml, which is not put on the medium with the answers \(\S+layout\.yaml: installer\.answers\): write the layout inline, or use guided/);

  const missing = await cairn(['iso', 'build', await writeBootableSpec(dir, system.root, { name: 'missing.yaml', extra: 'installer: { answers: none.yaml }' }), '-o', join(dir, 'missing.iso')]);
  assert.is(missing.code, 1);
  assert.match(missing.stderr, /none\.yaml: no such answers file/);

  await writeFile(join(dir, 'answers.yaml'), ANSWERS);
  const noBoot = join(dir, 'no-boot.yaml');
  await writeFile(noBoot, 'volumeId: DATA\ninstaller: { answers: answers.yaml }\n');
  const data = await cairn(['iso', 'build', noBoot, '-o', join(dir, 'no-boot.iso')]);
  assert.is(data.code, 1);
  assert.match(data.stderr, /no-boot\.yaml:2: installer: answers are for the live installer of a bootable ISO/);

  const clash = await cairn(['iso', 'build', await writeBootableSpec(dir, system.root, { name: 'clash.yaml', extra: 'installer: { answers: answers.yaml }\nfiles: [{ from: answers.yaml, to: /cairn/answers.yaml }]' }), '-o', join(dir, 'clash.iso')]);
  assert.is(clash.code, 1);
  assert.match(clash.stderr, /clash\.yaml:\d+: files\[0\]\.to: \/cairn\/answers\.yaml is where installer\.answers goes/);

  for (const name of ['bad', 'layout', 'missing', 'no-boot', 'clash']) {
    assert.not.ok(await stat(join(dir, `${name}.iso`)).then(() => true, () => false), `no ${name}.iso was written`);
  }
});

medium('the kernel parameter names another answers file on the medium; the last one wins; paths off the medium are errors', () => {
  assert.equal(answersPathOnMedium('console=ttyS0,115200 cairn.live=CAIRN_LIVE quiet'), { path: MEDIUM_ANSWERS_PATH, fromParameter: false });
  assert.equal(answersPathOnMedium(`quiet ${ANSWERS_PARAM}=/answers/nvme.yaml\n`), { path: '/answers/nvme.yaml', fromParameter: true });
  assert.equal(answersPathOnMedium(`${ANSWERS_PARAM}=/a.yaml ${ANSWERS_PARAM}=/b.yaml`), { path: '/b.yaml', fromParameter: true });
  for (const bad of ['answers.yaml', '/x/../../etc/shadow', '/x//y.yaml', '']) {
    const result = answersPathOnMedium(`${ANSWERS_PARAM}=${bad}`);
    assert.ok('error' in result && result.error.startsWith(`${ANSWERS_PARAM}=${bad}: expected an absolute path on the medium`), bad);
  }
});

medium.run();
