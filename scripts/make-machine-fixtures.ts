/**
 * Writes the hand-made machine recordings in fixtures/machines/ (see the README there): the same layout
 * `cairn detect --record` makes, laid out from public knowledge of what each kind of machine shows in /sys,
 * /proc, /dev/disk and udev's database, and of what systeminformation returns on it.
 *
 *   node --import tsx scripts/make-machine-fixtures.ts             # the recordings
 *   node --import tsx scripts/make-machine-fixtures.ts --expected  # also rewrite expected/*.yaml (as npm run golden does)
 *
 * The expected files are golden files: rewrite them only on purpose, and read the diff before committing.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderConfigFiles } from '../installer/config/generate-config.js';
import { detectPlatformOnly } from '../installer/hardware/detect-hardware.js';
import { openHardwareSource as openRecording } from '../installer/hardware/hardware-source.js';
import { buildDesktopAmdSata } from './machine-fixtures/desktop-amd-sata.js';
import { buildLaptopIntelNvidia } from './machine-fixtures/laptop-intel-nvidia.js';
import { buildLegacyBios } from './machine-fixtures/legacy-bios.js';
import { MachineTree } from './machine-fixtures/machine-tree.js';
import { buildQemuKvmVirtio } from './machine-fixtures/qemu-kvm-virtio.js';
import { buildServerVmdRaid } from './machine-fixtures/server-vmd-raid.js';
import { buildVirtualboxAhci } from './machine-fixtures/virtualbox-ahci.js';

export const machinesDirectory = join(fileURLToPath(import.meta.url), '..', '..', 'fixtures', 'machines');

const MACHINES: Readonly<Record<string, (tree: MachineTree) => string>> = {
  'qemu-kvm-virtio': buildQemuKvmVirtio,
  'virtualbox-ahci': buildVirtualboxAhci,
  'laptop-intel-nvidia': buildLaptopIntelNvidia,
  'desktop-amd-sata': buildDesktopAmdSata,
  'server-vmd-raid': buildServerVmdRaid,
  'legacy-bios': buildLegacyBios,
};

/** The files generate-config writes for a recorded machine, as installed (its root at /). */
export async function expectedFilesOf(recording: string): Promise<{ hardware: string; configuration: string }> {
  const platform = await detectPlatformOnly(await openRecording(recording));
  const rendered = renderConfigFiles({ platform, mountedAt: '/' });
  return { hardware: rendered.hardwareConfiguration, configuration: rendered.configuration };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--expected') && process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false') {
    process.stderr.write('--expected: refused while CI is set: golden files are rewritten on purpose (npm run golden), never by CI\n');
    process.exit(1);
  }
  for (const [name, build] of Object.entries(MACHINES)) {
    const recording = join(machinesDirectory, name, 'recording');
    const tree = new MachineTree(recording);
    const entries = await tree.write(build(tree));
    process.stdout.write(`fixtures/machines/${name}/recording: ${entries} entries\n`);
    if (process.argv.includes('--expected')) {
      const expected = await expectedFilesOf(recording);
      await mkdir(join(machinesDirectory, name, 'expected'), { recursive: true });
      await writeFile(join(machinesDirectory, name, 'expected', 'hardware-configuration.yaml'), expected.hardware);
      await writeFile(join(machinesDirectory, name, 'expected', 'configuration.yaml'), expected.configuration);
      process.stdout.write(`fixtures/machines/${name}/expected: rewritten\n`);
    }
  }
}
