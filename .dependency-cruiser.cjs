// Cairn's dependency rule, checked by `npm run lint` (dependency-cruiser):
//
//   lib <- system <- {image-builder, partitioning, bootloader} <- installer <- cli
//
// A folder imports only from itself and the folders to its left. The three middle folders are siblings: they may
// import each other, but not in a cycle (no-circular holds for the whole tree, not only for them). scripts/ and
// bench/ sit at the level of cli/. Nothing outside test/ imports from test/. Inside installer/, the engine is what
// the front ends (screens/, plain/, wizard.ts) drive: it never imports them.

/** A path pattern matching files in any of `folders`. */
const inFolders = (folders) => `^(${folders.join('|')})/`;

const layers = [
  { name: 'lib', above: ['system', 'image-builder', 'partitioning', 'bootloader', 'installer', 'cli', 'scripts', 'bench'] },
  { name: 'system', above: ['image-builder', 'partitioning', 'bootloader', 'installer', 'cli', 'scripts', 'bench'] },
  { name: 'image-builder', above: ['installer', 'cli', 'scripts', 'bench'] },
  { name: 'partitioning', above: ['installer', 'cli', 'scripts', 'bench'] },
  { name: 'bootloader', above: ['installer', 'cli', 'scripts', 'bench'] },
  { name: 'installer', above: ['cli', 'scripts', 'bench'] },
  { name: 'cli', above: ['scripts', 'bench'] },
];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...layers.map((layer) => ({
      name: `${layer.name}-imports-upward`,
      comment: `${layer.name}/ may import only from the folders below it: lib <- system <- {image-builder, partitioning, bootloader} <- installer <- cli`,
      severity: 'error',
      from: { path: `^${layer.name}/` },
      to: { path: inFolders(layer.above) },
    })),
    {
      name: 'not-to-test',
      comment: 'only tests import from test/: move what another folder needs out of test/',
      severity: 'error',
      from: { pathNot: '^test/' },
      to: { path: '^test/' },
    },
    {
      name: 'install-engine-imports-front-end',
      comment: 'installer/engine is driven by the front ends (screens/, plain/, wizard.ts) and never imports them',
      severity: 'error',
      from: { path: '^installer/(engine|config|hardware)/' },
      to: { path: '^installer/(screens|plain)/|^installer/wizard\\.ts$' },
    },
    {
      name: 'no-circular',
      comment: 'modules that import each other in a cycle cannot be understood (or tested) one at a time',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'an import that does not resolve to a file or an installed package',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'shipped-code-not-to-dev-dep',
      comment:
        'the package is installed without dependencies and dist/ is a bundle (scripts/build.mjs) of Cairn and the packages it runs with: ' +
        'shipped code imports those, and the development tools (tsx, uvu, ...) for types only',
      severity: 'error',
      from: { path: '^(lib|system|image-builder|partitioning|bootloader|installer|cli)/' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'], pathNot: 'node_modules/(commander|ink|react|systeminformation|yaml|zod)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist)/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.json'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
