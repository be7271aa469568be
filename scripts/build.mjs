#!/usr/bin/env node
/**
 * `npm run build`: dist/ as the published package and `npx cairn` run it. esbuild bundles Cairn and its runtime
 * dependencies (commander, yaml, zod, Ink, React, systeminformation) into a few ES modules:
 *
 *   dist/cli/cairn.cjs        the executable (package.json bin): `cairn --version` at once, else main.js (cli/bin.ts)
 *   dist/cli/main.js          the `cairn` command: argument parsing only; each command group is a dynamic import()
 *   dist/cli/hash-worker.js   the hashing worker thread (image-builder/hash-worker.ts), started by URL beside its caller
 *   dist/cli/chunk-*.js       code shared between groups, split by esbuild, loaded when a group that needs it runs
 *
 * so a command loads only what it runs, from a few files instead of hundreds of modules. The chunks sit beside the
 * worker in one folder because content-identity.ts finds the worker relative to its own module's URL.
 * Type checking is `npm run typecheck` (tsc); esbuild only strips types.
 *
 * The build fails when an output imports a package at run time: the package is installed without dependencies
 * (everything it needs is in dist/), except the optional ones its dependencies try to load and do without.
 */
import { build } from 'esbuild';
import { builtinModules } from 'node:module';
import { readFile, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Packages that bundled code loads only in a try/catch or behind a flag, and works without. */
const OPTIONAL_EXTERNAL = [
  'react-devtools-core', // Ink, with DEV=true only
  'bufferutil', // ws (Ink's devtools connection): native speed-ups, optional
  'utf-8-validate',
  'osx-temperature-sensor', // systeminformation, on macOS only
  'macos-temperature-sensor',
];

/**
 * commander requires `child_process` when it is loaded, for subcommands that are executables of their own, which Cairn
 * has none of; loading it costs about 5 ms of every start. Its `require` is answered with an object that loads the
 * module when commander first calls `spawn` (the one member it uses).
 */
const lazyChildProcessForCommander = {
  name: 'lazy-child-process-for-commander',
  setup(build) {
    build.onResolve({ filter: /^node:child_process$/ }, (args) =>
      /[\\/]node_modules[\\/]commander[\\/]/.test(args.importer) ? { path: 'child_process', namespace: 'cairn-lazy' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'cairn-lazy' }, () => ({
      contents: "module.exports = { get spawn() { return require('node:child_process').spawn; } };",
      loader: 'js',
    }));
  },
};

/**
 * Bundles the command into `outdir` (written when `write`); returns esbuild's metafile (which output holds which
 * sources and imports which output) and the outputs that import a package at run time.
 */
export async function bundleCairn(outdir, { write = true } = {}) {
  const { version } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
  const result = await build({
    absWorkingDir: root,
    entryPoints: { main: 'cli/main.ts', 'hash-worker': 'image-builder/hash-worker.ts' },
    outdir,
    write,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    entryNames: '[name]',
    chunkNames: 'chunk-[hash]',
    external: OPTIONAL_EXTERNAL,
    // Bundled CommonJS packages (systeminformation, parts of Ink's dependencies) call require() for Node's modules.
    // Each chunk's require is made at its first call: most chunks never call it, and making one for each chunk that
    // `generation list` loads took about 1 ms of its start (CPU profile).
    banner: {
      js: "import { createRequire as __cairnCreateRequire } from 'node:module';\nlet __cairnRequire;\nconst require = (id) => (__cairnRequire ??= __cairnCreateRequire(import.meta.url))(id);",
    },
    plugins: [lazyChildProcessForCommander],
    define: { 'process.env.NODE_ENV': '"production"', CAIRN_VERSION: JSON.stringify(version) },
    legalComments: 'eof',
    // Whitespace and syntax only: Node parses and compiles less at every start (measured about 5% of
    // `cairn generation list`), while names stay as written, so a bug report's stack still reads.
    minifyWhitespace: true,
    minifySyntax: true,
    metafile: true,
    logLevel: 'warning',
  });
  // The executable: CommonJS, so that Node starts it sooner; it imports main.js (beside it) unless asked the version.
  await build({
    absWorkingDir: root,
    entryPoints: ['cli/bin.ts'],
    outfile: join(outdir, 'cairn.cjs'),
    write,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    bundle: true,
    external: ['./main.js'],
    define: { CAIRN_VERSION: JSON.stringify(version) },
    logLevel: 'warning',
  });
  const builtins = new Set([...builtinModules, ...builtinModules.map((name) => `node:${name}`)]);
  const strays = [];
  for (const [output, { imports }] of Object.entries(result.metafile.outputs)) {
    for (const { path, external } of imports) {
      if (external && !builtins.has(path) && !OPTIONAL_EXTERNAL.includes(path)) strays.push(`${output} imports ${path}`);
    }
  }
  return { metafile: result.metafile, strays };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await rm(join(root, 'dist'), { recursive: true, force: true });
  const { strays } = await bundleCairn(join(root, 'dist', 'cli'));
  if (strays.length > 0) {
    process.stderr.write(`the build imports packages at run time, which the published package does not install:\n${strays.join('\n')}\n`);
    process.exitCode = 1;
  }
}
