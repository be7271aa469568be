/** The `cairn` command tree. Commands are thin: they parse, call the library, and render. */
import { Command } from 'commander';
import { packageVersion } from './version.js';

/**
 * The command groups, each loaded only when it runs: `cairn partition apply` does not load the ISO writer
 * or the installer's screens, which keeps start-up short (it counts in every benchmark and every CI call).
 */
const GROUPS: Readonly<Record<string, () => Promise<Command>>> = {
  generation: async () => (await import('./commands/generation.js')).generationCommand(),
  iso: async () => (await import('./commands/iso.js')).isoCommand(),
  install: async () => (await import('./commands/install.js')).installCommand(),
  boot: async () => (await import('./commands/boot.js')).bootCommand(),
  partition: async () => (await import('./commands/partition.js')).partitionCommand(),
  detect: async () => (await import('./commands/detect.js')).detectCommand(),
  'generate-config': async () => (await import('./commands/generate-config.js')).generateConfigCommand(),
  config: async () => (await import('./commands/config.js')).configCommand(),
  initrd: async () => (await import('./commands/initrd.js')).initrdCommand(),
  system: async () => (await import('./commands/system.js')).systemCommand(),
};

/**
 * The program for `argv`: the group named by the first argument only, or every group when none is named
 * (`cairn --help`, `cairn help`, an unknown word), so help and "unknown command" stay complete.
 */
export async function buildProgram(argv: readonly string[] = process.argv): Promise<Command> {
  const program = new Command('cairn')
    .description('Build and install generation-based Linux systems: bootable ISOs whose menu offers every generation, an installer, boot entries for rollback.')
    .version(packageVersion(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .enablePositionalOptions();
  const words = argv.slice(2);
  const first = words.find((word) => !word.startsWith('-'));
  const versionOnly = first === undefined && words.some((word) => word === '-V' || word === '--version');
  const named = versionOnly ? [] : first !== undefined && first in GROUPS ? [first] : Object.keys(GROUPS);
  for (const name of named) program.addCommand(await GROUPS[name]!());
  // Usage errors throw instead of exiting, so that they end in main() like every other error.
  const exitOverride = (command: Command) => {
    command.exitOverride();
    for (const sub of command.commands) exitOverride(sub);
  };
  exitOverride(program);
  return program;
}
