/**
 * The GitHub Action (action.yml): validated against the published schema for action metadata (SchemaStore's,
 * vendored in fixtures/schemas, checked with python3-jsonschema), and its steps run the way the runner runs
 * them (test/support/action-runner.ts): inputs as INPUT_* variables, outputs read back from GITHUB_OUTPUT.
 * One run builds and boot-tests the example system's ISO (one SeaBIOS boot from a CD); the others stop at the
 * check of their inputs.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { run } from '../../lib/run.js';
import { sha256File } from '../../system/store-hash.js';
import { runAction } from '../support/action-runner.js';
import { builtExampleSystem } from '../support/built-system.js';
import { ISO_EPOCH, writeBootableSpec } from '../support/bootable-iso.js';
import { repoRoot } from '../support/cli.js';
import { junitCases, validateJunit } from '../support/junit.js';
import { removeTree, temporaryDirectory } from '../support/tree.js';

interface Context {
  dir: string;
  workspace: string;
}

const SCHEMA = join(repoRoot, 'fixtures/schemas/github-action.json');

/** Validates `data` against the action schema with python3-jsonschema (draft 7); the problems, one a line. */
async function schemaProblems(dir: string, data: unknown, name: string): Promise<string[]> {
  const file = join(dir, `${name}.json`);
  await writeFile(file, JSON.stringify(data));
  const script = [
    'import json, sys, jsonschema',
    'schema = json.load(open(sys.argv[1]))',
    'jsonschema.Draft7Validator.check_schema(schema)',
    'errors = jsonschema.Draft7Validator(schema).iter_errors(json.load(open(sys.argv[2])))',
    'print("\\n".join(sorted("/".join(map(str, e.absolute_path)) + ": " + e.message.splitlines()[0] for e in errors)))',
  ].join('\n');
  const { stdout } = await run('python3', ['-c', script, SCHEMA, file]);
  return stdout.split('\n').filter((l) => l !== '');
}

const action = suite<Context>('GitHub Action');

action.before(async (context) => {
  context.dir = await temporaryDirectory('cairn-action-');
  context.workspace = join(context.dir, 'workspace');
  await mkdir(context.workspace);
});

action.after(async (context) => {
  await removeTree(context.dir);
});

action('action.yml validates against the published schema for actions, which rejects a broken copy', async ({ dir }) => {
  const metadata = parse(await readFile(join(repoRoot, 'action.yml'), 'utf8')) as { runs: { using: string; steps: Record<string, unknown>[] }; inputs: Record<string, unknown> };
  assert.equal(await schemaProblems(dir, metadata, 'action'), []);
  assert.is(metadata.runs.using, 'composite');
  // The counter-proof: the validator reads the schema's rules (a composite run step needs its shell).
  const broken = structuredClone(metadata);
  delete broken.runs.steps[0]!.shell;
  const problems = await schemaProblems(dir, broken, 'broken');
  assert.ok(problems.length > 0, 'a run step without shell is refused');
  assert.ok(problems.some((p) => p.startsWith('runs')), problems.join('\n'));
});

action('the action installs Cairn, builds the ISO from the spec, boot-tests it, and gives the ISO’s path, checksum and JUnit report as outputs', async ({ dir, workspace }) => {
  // The bundled example built for real: its generations have a stage 2, which iso test waits for.
  const system = await builtExampleSystem();
  await mkdir(join(workspace, 'images'));
  await writeBootableSpec(join(workspace, 'images'), system.root, { name: 'live.yaml', volumeId: 'CAIRN_ACTION' });
  const result = await runAction(repoRoot, workspace, join(dir, 'runner'), { spec: 'images/live.yaml', 'boot-test': 'true', 'boot-test-args': '--firmware bios --media cd --generation 3', date: ISO_EPOCH });
  assert.is(result.code, 0, result.steps.map((s) => `${s.name} (${s.code}):\n${s.stdout}\n${s.stderr}`).join('\n'));
  assert.equal(result.steps.map((s) => [s.name, s.code]), [['Check the inputs', 0], ['Install Cairn and its system packages', 0], ['Build the ISO', 0]]);
  const iso = join(workspace, 'build/live.iso');
  assert.is(result.outputs.iso, iso, 'the default output: build/<spec name>.iso in the workspace');
  assert.is(result.outputs.sha256, await sha256File(iso));
  const { stdout } = await run('isoinfo', ['-d', '-i', iso]);
  assert.match(stdout, /Volume id: CAIRN_ACTION/);
  assert.is(result.outputs.junit, join(workspace, 'build/live.junit.xml'));
  await validateJunit(result.outputs.junit!);
  assert.equal(junitCases(await readFile(result.outputs.junit!, 'utf8')).map((c) => [c.classname, c.name, c.outcome]), [['bios.cd', 'generation 3', 'passed']]);
  assert.match(result.steps[2]!.stdout, /1 up, 0 failed/);
});

action('an input naming a missing spec (or no spec, or a folder) stops the action at its first step with an error naming the input', async ({ dir, workspace }) => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ spec: 'images/missing.yaml' }, /^::error title=Cairn ISO: input spec::images\/missing\.yaml does not exist \(looked in \S+\): check the path, relative to the workspace, and that actions\/checkout ran before this step$/m],
    [{ spec: '' }, /^::error title=Cairn ISO: input spec::no image spec given: set spec: to the path of an image spec/m],
    [{ spec: '.' }, /^::error title=Cairn ISO: input spec::\. is not a file: name the image spec \(YAML\) itself$/m],
    [{ spec: 'images/live.yaml', 'boot-test': 'yes' }, /^::error title=Cairn ISO: input boot-test::'yes' is neither true nor false$/m],
  ];
  for (const [index, [inputs, pattern]] of cases.entries()) {
    const runner = join(dir, `refused-${index}`);
    const result = await runAction(repoRoot, workspace, runner, inputs);
    assert.is(result.code, 1);
    assert.equal(result.steps.map((s) => s.name), ['Check the inputs'], 'nothing installed or built');
    assert.match(result.steps[0]!.stdout, pattern, result.steps[0]!.stdout);
    assert.match(result.steps[0]!.stderr, /^cairn action: input /);
    assert.equal(result.outputs, {});
    assert.not.ok(existsSync(join(runner, 'cairn-bin')));
  }
  assert.equal((await readdir(join(workspace, 'build'))).sort(), ['live.iso', 'live.junit.xml'], 'the refused runs wrote nothing');
});

action.run();
