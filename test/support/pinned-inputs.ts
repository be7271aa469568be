/**
 * Inputs for ISOs whose bytes depend on Cairn's code alone: no downloaded kernel, no boot loader from the
 * host's packages, no umask or clock. A kernel-like file (a bzImage header naming a release, then seeded
 * noise), an initrd of seeded noise, stand-ins for isolinux's files and systemd-boot, a profile of three
 * generations made by `cairn generation add` with fixed dates, and a data tree from the seeded generator.
 * The stand-in loaders do not boot anything: these inputs are for checking bytes, not for QEMU.
 */
import { chmod, mkdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cairnOk } from './cli.js';
import { makeRandomTree, randomSource } from './random-tree.js';

/** The date every pinned ISO is built with (2025-11-20 12:00 UTC, as the example). */
export const PINNED_EPOCH = 1763640000;

/**
 * SHA-256 of the ISOs built from these inputs with `--date PINNED_EPOCH` (test/image-builder/pinned-bytes.test.ts
 * says which), as the writer made them before the plan became data: a rewrite must keep every byte. The bootable
 * ones changed twice since, on purpose: every menu entry carries `cairn.live=<volume id>` and the consoles (issue 14);
 * the store on the ISO carries each entry's record (`/cairn/store/.cairn-entries/<entry>.json`, issue 15).
 */
export const PINNED = {
  example: '90793657336fa412e0bd3fcaa6ebef08f165a43947d1ad204a0d94d11db3416b',
  bios: '26bbe8a6daf8851f34f5bc6f91ac817a540887eaf32507d527ac9dbf43adaaf2',
  uefi: '96ada4c0ea13c541fd67c276229d722de8bdec8e67499dbeca2f65bc595782dd',
  data: '2f77f2e9455dcbf3080c256fb85ddcd3e1bc0bd1405bfa36aea9ed3eb2dc6e52',
} as const;

/** Seeded noise: the same bytes on every machine. */
export function seededBytes(seed: number, size: number): Buffer {
  const random = randomSource(seed);
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i += 4) bytes.writeUInt32LE(Math.floor(random.next() * 2 ** 32), Math.min(i, size - 4));
  return bytes;
}

/** A file that reads as a bzImage of release 6.1.0-99-amd64 (the header `generation add` looks at), 3 MiB + 1 byte. */
export function kernelLikeImage(): Buffer {
  const image = seededBytes(1, 3 * 1024 * 1024 + 1);
  image.write('HdrS', 0x202, 'latin1');
  const version = '6.1.0-99-amd64 (pinned@cairn) #1 SMP\0';
  image.writeUInt16LE(0x400 - 0x200, 0x20e);
  image.write(version, 0x400, 'latin1');
  return image;
}

export interface PinnedBootInputs {
  /** The system root with the store and the profile. */
  readonly root: string;
  /** A folder holding stand-ins for every isolinux file (for `boot.isolinux`). */
  readonly isolinux: string;
  /** A stand-in for systemd-bootx64.efi (for `boot.systemdBoot`). */
  readonly systemdBoot: string;
  /** A README the spec puts at /README.txt. */
  readonly readme: string;
}

/** Writes the pinned bootable inputs under `dir`: three generations sharing one kernel and one initrd. */
export async function makePinnedBootInputs(dir: string): Promise<PinnedBootInputs> {
  const inputs = join(dir, 'inputs');
  const isolinux = join(inputs, 'isolinux');
  await mkdir(isolinux, { recursive: true });
  const kernel = join(inputs, 'vmlinuz');
  const initrd = join(inputs, 'initrd.img');
  await writeFile(kernel, kernelLikeImage());
  await writeFile(initrd, seededBytes(2, 1024 * 1024 + 77));
  // isolinux.bin gets a boot info table patched in (bytes 8..63) and a checksum over the rest.
  await writeFile(join(isolinux, 'isolinux.bin'), seededBytes(3, 38 * 1024));
  await writeFile(join(isolinux, 'isohdpfx.bin'), seededBytes(4, 432));
  for (const [index, module] of ['ldlinux.c32', 'menu.c32', 'libutil.c32', 'libcom32.c32'].entries()) {
    await writeFile(join(isolinux, module), seededBytes(10 + index, 20_000 + index * 3000));
  }
  const systemdBoot = join(inputs, 'systemd-bootx64.efi');
  await writeFile(systemdBoot, seededBytes(5, 120 * 1024));
  const readme = join(inputs, 'README.txt');
  await writeFile(readme, 'A pinned ISO: its bytes depend on Cairn alone.\n');
  await chmod(readme, 0o644);
  await utimes(readme, PINNED_EPOCH - 7200, PINNED_EPOCH - 7200);

  const root = join(dir, 'sysroot');
  for (let n = 1; n <= 3; n++) {
    await cairnOk(
      ['generation', 'add', '--root', root, '--kernel', kernel, '--initrd', initrd, '--param', 'console=ttyS0,115200', '--param', `cairn.pinned=${n}`, '--label', `Pinned 1.${n - 1}`],
      { env: { SOURCE_DATE_EPOCH: String(PINNED_EPOCH - (3 - n) * 86400) } },
    );
  }
  return { root, isolinux, systemdBoot, readme };
}

/** An image spec for the pinned inputs, as the example's (`boot` overrides which firmware it boots). */
export async function writePinnedBootSpec(dir: string, inputs: PinnedBootInputs, name: string, boot = { bios: true, uefi: true }): Promise<string> {
  const spec = join(dir, `${name}.yaml`);
  await writeFile(
    spec,
    [
      `volumeId: PINNED_${name.toUpperCase()}`,
      `root: ${inputs.root}`,
      'profile: /cairn/var/profiles/system',
      'generations: all',
      'boot:',
      `  bios: ${boot.bios}`,
      `  uefi: ${boot.uefi}`,
      '  timeout: 10',
      '  serial: true',
      `  isolinux: ${inputs.isolinux}`,
      `  systemdBoot: ${inputs.systemdBoot}`,
      'files:',
      `  - from: ${inputs.readme}`,
      '    to: /README.txt',
      '',
    ].join('\n'),
  );
  return spec;
}

/**
 * A data ISO's spec: two seeded trees (unicode and 255-byte names, names equal but for case, deep chains,
 * hard links, symbolic links with long targets that need Rock Ridge continuation areas) and a file given
 * alone.
 */
export async function writePinnedDataSpec(dir: string): Promise<string> {
  const data = join(dir, 'data');
  await makeRandomTree(join(data, 'rootfs'), 7);
  await makeRandomTree(join(data, 'extra'), 11);
  const single = join(data, 'single.bin');
  await writeFile(single, seededBytes(6, 5000));
  await chmod(single, 0o600);
  await utimes(single, PINNED_EPOCH - 60, PINNED_EPOCH - 60);
  const spec = join(dir, 'data.yaml');
  await writeFile(spec, `volumeId: PINNED_DATA\nfiles:\n  - from: ${data}/rootfs\n    to: /\n  - from: ${data}/extra\n    to: /opt/extra\n  - from: ${single}\n    to: /docs/single.bin\n`);
  return spec;
}
