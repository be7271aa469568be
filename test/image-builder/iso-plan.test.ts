/**
 * The ISO plan as data: `iso build --dry-run` prints it and writes nothing; every extent it names is what
 * `iso inspect` reads back from the ISO built from the same spec (the example, and a data ISO); and the plan
 * alone — cloned, so it cannot lean on anything else — writes the very bytes of a build.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildIsoFromSpec } from '../../image-builder/build-from-spec.js';
import type { ImageExtent } from '../../image-builder/image-extents.js';
import type { IsoPlan } from '../../image-builder/layout/iso-plan.js';
import { writeIsoImage } from '../../image-builder/write-image.js';
import { loadImageSpec } from '../../system/image-spec.js';
import { cairn, cairnOk, repoRoot } from '../support/cli.js';
import { makeExampleSystem } from '../support/example-system.js';
import { makePinnedBootInputs, PINNED, PINNED_EPOCH, writePinnedBootSpec, writePinnedDataSpec } from '../support/pinned-inputs.js';
import { removeTree, snapshotTree, temporaryDirectory } from '../support/tree.js';

interface Context {
  dir: string;
  /** The example's spec (examples/live/image.yaml) with its root pointed at a system made as the example makes it. */
  example: string;
  data: string;
}

interface DryRun {
  readonly dryRun: true;
  readonly size: number;
  readonly volumeSectors: number;
  readonly extents: ImageExtent[];
}

const plans = suite<Context>('the ISO plan');

plans.before(async (context) => {
  context.dir = await temporaryDirectory('cairn-plan-');
  const system = await makeExampleSystem(context.dir);
  const example = await readFile(join(repoRoot, 'examples', 'live', 'image.yaml'), 'utf8');
  context.example = join(context.dir, 'example.yaml');
  await writeFile(
    context.example,
    example.replace(/^root: .*$/m, `root: ${system.root}`).replace(/^ {2}- from: README\.txt$/m, `  - from: ${join(repoRoot, 'examples', 'live', 'README.txt')}`),
  );
  context.data = await writePinnedDataSpec(context.dir);
});

plans.after(async (context) => {
  await removeTree(context.dir);
});

const env = { SOURCE_DATE_EPOCH: String(PINNED_EPOCH) };

/** The dry run's plan, the output folder unchanged by it; then the build and what inspect reads back. */
async function planThenBuild(spec: string, out: string): Promise<{ dry: DryRun; inspected: { size: number; volumeSectors: number; extents: ImageExtent[] } }> {
  await mkdir(out, { recursive: true });
  const iso = join(out, 'image.iso');
  const before = await snapshotTree(out);
  const dry = JSON.parse((await cairnOk(['iso', 'build', spec, '-o', iso, '--dry-run', '--json'], { env })).stdout) as DryRun;
  assert.equal(await snapshotTree(out), before, 'the dry run wrote nothing');
  await cairnOk(['iso', 'build', spec, '-o', iso], { env });
  const report = JSON.parse((await cairnOk(['iso', 'inspect', iso, '--json'])).stdout) as {
    image: { size: number; primary: { volumeSpaceSize: number }; problems: string[] };
    sections: { extents: ImageExtent[] };
  };
  assert.equal(report.image.problems, []);
  return { dry, inspected: { size: report.image.size, volumeSectors: report.image.primary.volumeSpaceSize, extents: report.sections.extents } };
}

const kinds = (extents: readonly ImageExtent[]) => [...new Set(extents.map((e) => e.kind))].sort();

plans("the example: --dry-run --json names every extent iso inspect reads back from the build, and writes nothing", async ({ dir, example }) => {
  const { dry, inspected } = await planThenBuild(example, join(dir, 'example-out'));
  assert.equal(kinds(dry.extents), ['boot-catalog', 'boot-image', 'boot-info-table', 'continuation-areas', 'directory', 'fat', 'file', 'gpt-entries', 'gpt-header', 'mbr', 'partition', 'path-table', 'volume-descriptor']);
  assert.equal(dry.extents, inspected.extents);
  assert.equal({ size: dry.size, volumeSectors: dry.volumeSectors }, { size: inspected.size, volumeSectors: inspected.volumeSectors });
});

plans('a data ISO: the same, Rock Ridge continuation areas included', async ({ dir, data }) => {
  const { dry, inspected } = await planThenBuild(data, join(dir, 'data-out'));
  assert.equal(kinds(dry.extents), ['continuation-areas', 'directory', 'file', 'path-table', 'volume-descriptor']);
  assert.equal(dry.extents, inspected.extents);
  assert.equal({ size: dry.size, volumeSectors: dry.volumeSectors }, { size: inspected.size, volumeSectors: inspected.volumeSectors });
});

plans('--dry-run prints the plan as a table of every extent, and says nothing was written', async ({ dir, example }) => {
  const out = join(dir, 'text-out');
  await mkdir(out);
  const before = await snapshotTree(out);
  const result = await cairnOk(['iso', 'build', example, '-o', join(out, 'live.iso'), '--dry-run'], { env });
  const lines = result.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^would write .*live\.iso: \d+(\.\d+)?M \(\d+ sectors of 2048 bytes in the volume\), \d+ files, \d+ directories, \d+ symbolic links; nothing written$/);
  assert.match(lines[1]!, /^sector\s+size\s+kind\s+what$/);
  assert.ok(lines.some((l) => /^16\s+2K\s+volume-descriptor\s+primary$/.test(l)));
  assert.ok(lines.some((l) => /^\d+\s+\S+\s+boot-image\s+BIOS, 4 load sectors$/.test(l)));
  assert.ok(lines.some((l) => /^\d+\s+\S+\s+partition\s+GPT 1, esp, "EFI System"$/.test(l)));
  assert.ok(lines.some((l) => /^\d+\s+\S+\s+file\s+\/isolinux\/isolinux\.bin$/.test(l)));
  assert.equal(await snapshotTree(out), before, 'nothing written');
});

plans('--dry-run with an output folder that does not exist fails as a real build does, creating nothing', async ({ dir, example }) => {
  const missing = join(dir, 'no-such-folder', 'live.iso');
  const dry = await cairn(['iso', 'build', example, '-o', missing, '--dry-run'], { env });
  const real = await cairn(['iso', 'build', example, '-o', missing], { env });
  assert.is(dry.code, 1);
  assert.equal({ code: dry.code, stderr: dry.stderr, stdout: dry.stdout }, { code: real.code, stderr: real.stderr, stdout: real.stdout });
  assert.match(dry.stderr, /cannot write .*no-such-folder\/live\.iso: the folder .*no-such-folder does not exist/);
  assert.is((await cairn(['iso', 'build', example, '-o', missing, '--dry-run', '--engine', 'xorriso'])).code, 1);
});

/** No functions, no class instances, no cycles: plain values all the way down. */
function assertPlainData(value: unknown, path: string, ancestors: Set<object>): void {
  if (value === null || typeof value !== 'object') {
    assert.ok(typeof value !== 'function' && typeof value !== 'symbol', `${path} is a ${typeof value}`);
    return;
  }
  if (value instanceof Date || ArrayBuffer.isView(value)) return;
  const prototype: unknown = Object.getPrototypeOf(value);
  assert.ok(prototype === Object.prototype || prototype === Array.prototype, `${path} is a ${(prototype as { constructor?: { name: string } } | null)?.constructor?.name}`);
  assert.not.ok(ancestors.has(value), `${path} refers back to what holds it`);
  ancestors.add(value);
  for (const [key, child] of Object.entries(value)) assertPlainData(child, `${path}.${key}`, ancestors);
  ancestors.delete(value);
}

plans('the plan is plain data, and the plan alone writes the image: a clone of it gives the pinned bytes', async ({ dir }) => {
  const inputs = await makePinnedBootInputs(join(dir, 'pinned'));
  const specs = { example: await writePinnedBootSpec(join(dir, 'pinned'), inputs, 'example'), data: await writePinnedDataSpec(join(dir, 'pinned')) };
  for (const [name, spec] of Object.entries(specs) as [keyof typeof specs, string][]) {
    const output = join(dir, `${name}-from-clone.iso`);
    const { plan } = await buildIsoFromSpec(await loadImageSpec(spec), { output, date: new Date(PINNED_EPOCH * 1000), dryRun: true });
    assertPlainData(plan, 'plan', new Set());
    const clone = deserialize(serialize(plan)) as IsoPlan;
    await writeIsoImage(clone, output);
    assert.is(createHash('sha256').update(await readFile(output)).digest('hex'), PINNED[name], `${name}: written from the clone`);
  }
});

plans.run();
