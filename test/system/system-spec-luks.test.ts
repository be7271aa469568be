/**
 * `boot.initrd.luks` in system specs and in the files they import: which specs carry LUKS support in stage 1
 * (enabled, or a device named, in the spec, its configuration.yaml or its hardware-configuration.yaml; no
 * file turns off what another turned on), and bad values reported with file, line and key path.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ValidationError } from '../../lib/errors.js';
import { loadSystemDefinition } from '../../system/system-spec.js';
import { caught } from '../support/caught.js';
import { repoRoot } from '../support/cli.js';
import { withTemporaryDirectory } from '../support/tree.js';

const test = suite('boot.initrd.luks');

const KERNEL = 'kernel: { image: /boot/vmlinuz, modules: /lib/modules/6.1.0-57-amd64 }';
const HARDWARE = join(repoRoot, 'fixtures', 'machines', 'qemu-kvm-virtio', 'expected', 'hardware-configuration.yaml');

/** Writes the spec (and the files it imports) and loads it: whether it carries LUKS support. */
async function luksOf(dir: string, spec: readonly string[], files: Readonly<Record<string, string>> = {}): Promise<boolean> {
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  const file = join(dir, 'test.system.yaml');
  await writeFile(file, ['version: 1', KERNEL, ...spec, ''].join('\n'));
  return (await loadSystemDefinition(file)).luks;
}

const configuration = (luks: string) => ['version: 1', 'hostName: box', 'timeZone: UTC', 'locale: C.UTF-8', 'keyMap: us', `boot: { loader: grub${luks} }`, ''].join('\n');

test('off unless asked for; enable: true or a device named turns it on, in the spec or in an import', () =>
  withTemporaryDirectory(async (dir) => {
    const hardware = await readFile(HARDWARE, 'utf8');
    const withDevice = hardware.replace('    kernelModules: []\n', '    kernelModules: []\n    luks:\n      devices:\n        luks-0f1e2d3c: { device: /dev/disk/by-uuid/0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0 }\n');
    assert.is.not(withDevice, hardware);
    assert.is(await luksOf(dir, []), false, 'a spec that says nothing');
    assert.is(await luksOf(dir, ['boot: { initrd: { luks: { enable: false } } }']), false);
    assert.is(await luksOf(dir, ['boot: { initrd: { luks: { enable: true } } }']), true);
    assert.is(await luksOf(dir, ['boot: { initrd: { luks: { devices: { cryptroot: { device: /dev/vda2 } } } } }']), true, 'a device named, no enable');
    assert.is(await luksOf(dir, ['imports: [configuration.yaml]'], { 'configuration.yaml': configuration(', initrd: { luks: { enable: true } }') }), true, 'configuration.yaml enables it');
    assert.is(await luksOf(dir, ['imports: [configuration.yaml]'], { 'configuration.yaml': configuration('') }), false);
    assert.is(await luksOf(dir, ['imports: [hardware-configuration.yaml]'], { 'hardware-configuration.yaml': hardware }), false, 'a hardware configuration without LUKS devices');
    assert.is(await luksOf(dir, ['imports: [hardware-configuration.yaml]', 'boot: { initrd: { luks: { enable: false } } }'], { 'hardware-configuration.yaml': withDevice }), true, 'the hardware names a LUKS device: enable: false does not turn that off');
    assert.is((await loadSystemDefinition(join(repoRoot, 'examples', 'system', 'generation-1.system.yaml'))).luks, true, 'the example carries it (its generations are installable encrypted)');
    assert.is((await loadSystemDefinition(join(repoRoot, 'examples', 'installer', 'generation-1.system.yaml'))).luks, true, 'the installer example too (its generations are the ones installed)');
  }),
);

test('bad values: every problem with its line and key path', () =>
  withTemporaryDirectory(async (dir) => {
    const error = await caught(() => luksOf(dir, ['boot:', '  initrd:', '    luks:', '      enable: yes please', '      devices:', '        "bad name": { device: /dev/vda2 }', '        cryptroot: { device: vda2 }', '      keyFile: /k']));
    assert.instance(error, ValidationError);
    const problems = (error as ValidationError).problems.map((p) => `${p.line} ${p.path}: ${p.message}`);
    assert.equal(problems, [
      '6 boot.initrd.luks.enable: expected true or false (got "yes please")',
      '8 boot.initrd.luks.devices.bad name: expected a device-mapper name (letters, digits, _ . + : -) (got "bad name")',
      '9 boot.initrd.luks.devices.cryptroot.device: expected an absolute path such as /dev/disk/by-uuid/... or /boot (got "vda2")',
      '10 boot.initrd.luks.keyFile: unknown key; remove it (allowed: enable, devices)',
    ]);
  }),
);

test.run();
