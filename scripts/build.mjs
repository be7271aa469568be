#!/usr/bin/env node
/**
 * `npm run build`: dist/ as the published package and `npx cairn` run it. esbuild bundles Cairn and its runtime
 * dependencies (commander, yaml, zod, Ink, React, systeminformation) into a few files:
 *
 *   dist/cli/cairn.cjs        the executable (package.json bin): `cairn --version` at once, else main.cjs (cli/bin.ts)
 *   dist/cli/main.cjs         the `cairn` command: argument parsing only; each command group is loaded when it runs
 *   dist/cli/hash-worker.cjs  the hashing worker thread (image-builder/hash-worker.ts), started by URL beside its caller
 *   dist/cli/chunk-*.cjs      code shared between groups, split by esbuild, loaded when a group that needs it runs
 *   dist/cli/chunk-*.js       the same for the few chunks that must stay ES modules (below)
 *
 * so a command loads only what it runs, from a few files instead of hundreds of modules. The chunks sit beside the
 * worker in one folder because content-identity.ts finds the worker relative to its own module's URL.
 * Type checking is `npm run typecheck` (tsc); esbuild only strips types.
 *
 * esbuild splits code into chunks only as ES modules; each chunk is then made CommonJS (toCommonJs below), because
 * Node loads its ES module loader for the first ES module a process imports, about 8 ms of every start (measured
 * against a CommonJS file). A chunk that awaits at its top level (Ink's) cannot be CommonJS, nor can one that
 * imports such a chunk statically: those stay ES modules, loaded with import() by the CommonJS ones, and only the
 * commands that draw screens load them.
 *
 * The build fails when an output imports a package at run time: the package is installed without dependencies
 * (everything it needs is in dist/), except the optional ones its dependencies try to load and do without.
 */
import { build, transform } from 'esbuild';
import { builtinModules } from 'node:module';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
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

/** Each ES module chunk's `require` (bundled CommonJS packages call it for Node's modules), made at its first call. */
const ESM_REQUIRE =
  "import { createRequire as __cairnCreateRequire } from 'node:module';\nlet __cairnRequire;\nconst require = (id) => (__cairnRequire ??= __cairnCreateRequire(import.meta.url))(id);";

/**
 * esbuild's ES module outputs as CommonJS files (`.cjs`), but those that must stay ES modules (`.js`): the ones
 * that await at their top level, and the ones that import those statically. Imports between outputs are renamed
 * to match; a CommonJS output loads another CommonJS output with require() (an import() of it becomes a require
 * in a promise) and an ES module output with import(). Returns the files to write, by name.
 */
async function toCommonJs(outputFiles, metafile) {
  const sources = new Map(outputFiles.filter((file) => file.path.endsWith('.js')).map((file) => [basename(file.path), file.text]));
  const staysEsm = new Set();
  for (const [name, text] of sources) {
    const awaitsAtTop = await commonJs(text).then(
      () => false,
      (error) => (/Top-level await/.test(String(error)) ? true : Promise.reject(error)),
    );
    if (awaitsAtTop) staysEsm.add(name);
  }
  // What statically imports an ES module output stays one, up the chain.
  const staticImports = Object.entries(metafile.outputs).map(([output, { imports }]) => [
    basename(output),
    imports.filter((i) => !i.external && i.kind === 'import-statement').map((i) => basename(i.path)),
  ]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [name, imported] of staticImports) {
      if (!staysEsm.has(name) && imported.some((other) => staysEsm.has(other))) {
        staysEsm.add(name);
        grew = true;
      }
    }
  }
  const fileName = (name) => (staysEsm.has(name) ? name : name.replace(/\.js$/, '.cjs'));
  return Promise.all(
    [...sources].map(async ([name, text]) => {
      const esm = staysEsm.has(name);
      // `"./chunk-X.js"` in an import, an export ... from, or an import(): the file it is now.
      const renamed = text.replace(/(import\()?"\.\/([\w-]+\.js)"(\))?/g, (whole, call, target, close) => {
        if (!sources.has(target)) return whole;
        if (call !== undefined && close !== undefined && !esm && !staysEsm.has(target)) return `Promise.resolve().then(()=>require("./${fileName(target)}"))`;
        return `${call ?? ''}"./${fileName(target)}"${close ?? ''}`;
      });
      // Made CommonJS after the renaming: an import() that became a require() needs none of esbuild's interop helpers.
      return { name: fileName(name), text: esm ? renamed : (await commonJs(renamed)).code };
    }),
  );
}

/** An ES module output as CommonJS: Node's own `require`, and `import.meta.url` from the file's name. */
function commonJs(text) {
  const code = text.replace(ESM_REQUIRE, '');
  return transform(code, {
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    define: { 'import.meta.url': '__cairnModuleUrl' },
    banner: code.includes('import.meta.url') ? "const __cairnModuleUrl = require('node:url').pathToFileURL(__filename).href;" : '',
    minifyWhitespace: true,
    minifySyntax: true,
    logLevel: 'silent',
  });
}

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
    write: false,
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
    // (The chunks made CommonJS drop it: they have Node's own.)
    banner: { js: ESM_REQUIRE },
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
  // Anything else esbuild writes (none today: assets are inlined) goes out as it is.
  const others = result.outputFiles.filter((file) => !file.path.endsWith('.js')).map((file) => ({ name: basename(file.path), text: file.contents }));
  const files = [...(await toCommonJs(result.outputFiles, result.metafile)), ...others];
  if (write) {
    await mkdir(outdir, { recursive: true });
    await Promise.all(files.map((file) => writeFile(join(outdir, file.name), file.text)));
  }
  // The executable: it requires main.cjs (beside it) unless asked the version.
  await build({
    absWorkingDir: root,
    entryPoints: ['cli/bin.ts'],
    outfile: join(outdir, 'cairn.cjs'),
    write,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    bundle: true,
    external: ['./main.cjs'],
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
