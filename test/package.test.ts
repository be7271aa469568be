import { mkdir, open, readdir, readFile, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { run } from '../lib/run.js';
import { repoRoot } from './support/cli.js';
import { removeTree, temporaryDirectory } from './support/tree.js';

test('npm pack + npm install elsewhere gives a working `cairn` built to JavaScript (no tsx at run time)', async () => {
  const dir = await temporaryDirectory();
  try {
    const { stdout } = await run('npm', ['pack', '--pack-destination', dir, '--silent'], { cwd: repoRoot, timeoutMs: 300_000 });
    const tarball = join(dir, stdout.trim().split('\n').pop()!);
    const { stdout: listing } = await run('tar', ['-tzf', tarball]);
    assert.match(listing, /^package\/dist\/cli\/main\.cjs$/m);
    assert.not.match(listing, /^package\/(test|fixtures)\//m, 'tests and fixtures are not shipped');
    assert.not.match(listing, /\.tsx?$/m, 'no TypeScript sources in the package');

    const project = join(dir, 'project');
    await mkdir(project);
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'uses-cairn', version: '1.0.0', private: true }));
    await run('npm', ['install', '--no-audit', '--no-fund', '--silent', tarball], { cwd: project, timeoutMs: 600_000 });
    assert.not.ok((await readdir(join(project, 'node_modules'))).includes('tsx'), 'tsx is a development dependency only');

    const bin = join(project, 'node_modules', '.bin', 'cairn');
    const { version } = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    assert.is((await run(bin, ['--version'])).stdout, `${version}\n`, 'cairn --version (cli/bin.ts)');
    assert.is((await run(bin, ['-V', 'generation'])).stdout, `${version}\n`, 'the version main.cjs gives commander (cli/version.ts)');
    const help = await run(bin, ['--help']);
    assert.match(help.stdout, /Usage: cairn/);
    const listed = await run(bin, ['generation', 'list', '--json', '--root', join(repoRoot, 'fixtures/profiles/nixos'), '--profile', '/nix/var/nix/profiles/system']);
    assert.is((JSON.parse(listed.stdout) as { current: number }).current, 142);

    // What starts fast loads neither `crypto` nor `child_process` (lib/builtin.ts, scripts/build.mjs) nor an ES module: Node's own
    // list of the modules a process loaded, written as it exits with the size of its young generation.
    const preload = join(dir, 'record-modules.cjs');
    await writeFile(
      preload,
      [
        "process.on('exit', () => {",
        "  const young = require('node:v8').getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');",
        "  require('node:fs').writeFileSync(process.env.CAIRN_TEST_MODULES, [...process.moduleLoadList, `new_space ${young.space_size}`].join('\\n'));",
        '});',
        '',
      ].join('\n'),
    );
    const profile = ['--root', join(repoRoot, 'fixtures/profiles/nixos'), '--profile', '/nix/var/nix/profiles/system'];
    for (const args of [['generation', 'list', ...profile], ['install', '--help']]) {
      const record = join(dir, 'modules.txt');
      await run(bin, args, { env: { NODE_OPTIONS: `--require ${preload}`, CAIRN_TEST_MODULES: record } });
      const loaded = (await readFile(record, 'utf8')).split('\n');
      assert.ok(loaded.includes('NativeModule fs'), `the list of cairn ${args[0]}'s modules is Node's: ${loaded.length} entries`);
      for (const module of ['NativeModule crypto', 'NativeModule child_process']) {
        assert.not.ok(loaded.includes(module), `cairn ${args.join(' ')} loads ${module.split(' ')[1]}`);
      }
      // Nor Node's ES module loader, which runs the first ES module a process imports: the outputs are CommonJS.
      assert.not.ok(loaded.includes('NativeModule internal/modules/esm/module_job'), `cairn ${args.join(' ')} imports an ES module`);
    }

    // Three sparse files of one size whose first and last 64 KiB match: their samples cannot tell them apart, so
    // all three are hashed whole, 384 MiB, which is enough to go to the hashing workers (dist/.../hash-worker.cjs).
    assert.ok(availableParallelism() >= 2, 'hashing in worker threads needs 2 cores; this test checks it');
    const tree = join(dir, 'tree');
    await mkdir(tree);
    for (const [name, middle] of [['a.bin', 'x'], ['b.bin', 'x'], ['c.bin', 'y']] as const) {
      const file = await open(join(tree, name), 'w');
      await file.write(middle, 64 * 1024 * 1024);
      await file.truncate(128 * 1024 * 1024);
      await file.close();
    }
    await writeFile(join(dir, 'image.yaml'), 'volumeId: HASHED\nfiles:\n  - from: tree\n    to: /\n');
    const record = join(dir, 'iso-build.txt');
    const built = await run(bin, ['iso', 'build', join(dir, 'image.yaml'), '-o', join(dir, 'hashed.iso'), '--json'], {
      timeoutMs: 300_000,
      env: { NODE_OPTIONS: `--require ${preload}`, CAIRN_TEST_MODULES: record },
    });
    // lib/heap.ts's flags are set before the iso group loads: without them V8 has grown its young generation to
    // 8 MiB by the end of this build (2 to 4 MiB with them).
    const young = Number(/^new_space (\d+)$/m.exec(await readFile(record, 'utf8'))![1]);
    assert.ok(young < 8 * 1024 * 1024, `iso build's young generation stays under 8 MiB: ${young} bytes`);
    const report = JSON.parse(built.stdout) as { files: number; sharedExtents: number };
    assert.equal({ files: report.files, sharedExtents: report.sharedExtents }, { files: 3, sharedExtents: 1 }, 'a.bin and b.bin stored once, c.bin apart');
  } finally {
    await removeTree(dir);
  }
});

test.run();
