/**
 * A guard on the writer's exact output. Rewrites of the planner and the writer (the plan as data, faster
 * writing) must not change a single byte, so this builds ISOs from fixed inputs with a fixed date and holds
 * their SHA-256, as computed by the writer before those rewrites:
 *
 * - `example`: the example's shape (three generations sharing a kernel and an initrd, isolinux for BIOS,
 *   systemd-boot in a FAT ESP whose tail is the ISO's kernel and initrd, El Torito, the hybrid MBR and GPT,
 *   a README), with a kernel-like file and stand-in loader binaries (test/support/pinned-inputs.ts), so the
 *   hash depends neither on the Debian kernel the example downloads nor on the host's syslinux or systemd.
 * - `bios` and `uefi`: the same with one firmware only (no ESP and GPT; no isolinux and boot info table).
 * - `data`: a data ISO of seeded trees (unicode and 255-byte names, names equal but for case, hard links,
 *   long link targets in Rock Ridge continuation areas, a deep chain) and a single file.
 *
 * A deliberate change of the output changes these hashes: say why in the commit that updates them.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cairnOk } from '../support/cli.js';
import { makePinnedBootInputs, PINNED, PINNED_EPOCH, writePinnedBootSpec, writePinnedDataSpec } from '../support/pinned-inputs.js';
import { removeTree, temporaryDirectory } from '../support/tree.js';


const pinned = suite<{ dir: string }>('pinned ISO bytes');

pinned.before(async (context) => {
  context.dir = await temporaryDirectory('cairn-pinned-');
});

pinned.after(async (context) => {
  await removeTree(context.dir);
});

async function buildAndHash(spec: string, output: string): Promise<string> {
  await cairnOk(['iso', 'build', spec, '-o', output, '--date', String(PINNED_EPOCH)]);
  return createHash('sha256').update(await readFile(output)).digest('hex');
}

pinned('the example-like bootable ISOs keep their bytes', async ({ dir }) => {
  const inputs = await makePinnedBootInputs(dir);
  const hashes = {
    example: await buildAndHash(await writePinnedBootSpec(dir, inputs, 'example'), join(dir, 'example.iso')),
    bios: await buildAndHash(await writePinnedBootSpec(dir, inputs, 'bios', { bios: true, uefi: false }), join(dir, 'bios.iso')),
    uefi: await buildAndHash(await writePinnedBootSpec(dir, inputs, 'uefi', { bios: false, uefi: true }), join(dir, 'uefi.iso')),
  };
  assert.equal(hashes, { example: PINNED.example, bios: PINNED.bios, uefi: PINNED.uefi });
});

pinned('the data ISO keeps its bytes', async ({ dir }) => {
  assert.is(await buildAndHash(await writePinnedDataSpec(dir), join(dir, 'data.iso')), PINNED.data);
});

pinned.run();
