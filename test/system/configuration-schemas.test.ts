import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ValidationError } from '../../lib/errors.js';
import { detectFileKind, fileKind, jsonSchemaOf } from '../../system/file-kinds.js';
import { repoRoot } from '../support/cli.js';

function problemsOf(kind: string, text: string, file: string): string[] {
  try {
    fileKind(kind).validate(text, file);
  } catch (error) {
    if (error instanceof ValidationError) return error.problems.map((p) => `${p.line} ${p.path}: ${p.message}`);
    throw error;
  }
  assert.unreachable('expected problems');
  return [];
}

test('the golden files are recognised by their $schema line and validate', async () => {
  for (const name of ['hardware-configuration', 'configuration']) {
    const file = join(repoRoot, 'fixtures', 'machines', 'server-vmd-raid', 'expected', `${name}.yaml`);
    const text = await readFile(file, 'utf8');
    const kind = detectFileKind('renamed.yaml', text);
    assert.is(kind.kind, name);
    kind.validate(text, file);
  }
});

test('hardware-configuration.yaml: every problem at once, with line and key path', () => {
  const text = [
    'version: 1',
    'system: x86_64-linux',
    'firmware: { type: efi }',
    'boot:',
    '  initrd:',
    '    availableKernelModules: [ahci, "nvme pci"]',
    '  kernelModules: []',
    'hardware:',
    '  cpu: { vendor: intel, updateMicrocode: yes }',
    '  enableRedistributableFirmware: true',
    'virtualisation: { vm: vmware-esx, container: none, guest: none }',
    'fileSystems:',
    '  boot: { device: /dev/sda1, fsType: vfat }',
    'swapDevices: []',
    '',
  ].join('\n');
  assert.equal(problemsOf('hardware-configuration', text, 'hw.yaml'), [
    '3 firmware.type: expected one of uefi, bios (got "efi")',
    '6 boot.initrd.availableKernelModules[1]: expected a kernel module name such as ahci, nvme or kvm-intel (got "nvme pci")',
    '9 hardware.cpu.updateMicrocode: expected true or false (got "yes")',
    '11 virtualisation.vm: expected one of none, kvm, qemu, bochs, oracle, vmware, microsoft, xen, parallels, amazon, bhyve, google, apple, vm-other (got "vmware-esx")',
    '13 fileSystems.boot: expected a mount point: an absolute path such as / or /boot (got "boot")',
  ]);
});

test('configuration.yaml: unknown keys get a suggestion, plaintext passwords are refused', () => {
  const text = [
    'version: 1',
    'hostname: box',
    'timeZone: Europe/Berlin',
    'locale: en_US.UTF-8',
    'keyMap: us',
    'boot: { loader: systemd-boot }',
    'users:',
    '  - name: alice',
    '    passwordHash: correct horse',
    '',
  ].join('\n');
  assert.equal(problemsOf('configuration', text, 'configuration.yaml'), [
    '1 hostName: missing required key (a host name: letters, digits and -, at most 63 characters, not starting or ending with -)',
    '2 hostname: unknown key; did you mean "hostName"?',
    '9 users[0].passwordHash: expected a crypt(3) hash such as $6$... (make one with: openssl passwd -6), never the password itself (got "correct horse")',
  ]);
});

test('JSON Schemas describe both formats for editors', () => {
  const hardware = jsonSchemaOf(fileKind('hardware-configuration')) as { $id: string; required: string[] };
  assert.is(hardware.$id, 'urn:cairn:schema:hardware-configuration');
  assert.equal(hardware.required, ['version', 'system', 'firmware', 'boot', 'hardware', 'virtualisation']);
  const configuration = jsonSchemaOf(fileKind('configuration')) as { properties: Record<string, unknown>; required: string[] };
  assert.equal(configuration.required, ['version', 'hostName', 'timeZone', 'locale', 'keyMap', 'boot']);
  assert.ok('users' in configuration.properties);
});

test.run();
