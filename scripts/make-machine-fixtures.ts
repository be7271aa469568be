/**
 * Writes the hand-made machine recordings in fixtures/machines/ (see the README there): the same layout
 * `cairn detect --record` makes, laid out from public knowledge of what each kind of machine shows in /sys,
 * /proc, /dev/disk and udev's database, and of what systeminformation returns on it.
 *
 *   node --import tsx scripts/make-machine-fixtures.ts
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MachineTree } from './machine-fixtures/machine-tree.js';
import { buildDesktopAmdSata } from './machine-fixtures/desktop-amd-sata.js';
import { buildLaptopIntelNvidia } from './machine-fixtures/laptop-intel-nvidia.js';
import { buildLegacyBios } from './machine-fixtures/legacy-bios.js';
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

for (const [name, build] of Object.entries(MACHINES)) {
  const tree = new MachineTree(join(machinesDirectory, name, 'recording'));
  const note = build(tree);
  const entries = await tree.write(note);
  process.stdout.write(`fixtures/machines/${name}/recording: ${entries} entries\n`);
}
