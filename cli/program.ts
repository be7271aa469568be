/** The `cairn` command tree. Commands are thin: they parse, call the library, and render. */
import { Command } from 'commander';
import { createRequire } from 'node:module';
import { bootCommand } from './commands/boot.js';
import { configCommand } from './commands/config.js';
import { detectCommand } from './commands/detect.js';
import { generateConfigCommand } from './commands/generate-config.js';
import { generationCommand } from './commands/generation.js';
import { installCommand } from './commands/install.js';
import { partitionCommand } from './commands/partition.js';
import { isoCommand } from './commands/iso.js';

const require = createRequire(import.meta.url);

function packageVersion(): string {
  for (const candidate of ['../package.json', '../../package.json']) {
    try {
      return (require(candidate) as { version: string }).version;
    } catch {
      // dist/cli/ is one level deeper than cli/
    }
  }
  return 'unknown';
}

export function buildProgram(): Command {
  const program = new Command('cairn')
    .description('Build and install generation-based Linux systems: bootable ISOs whose menu offers every generation, an installer, boot entries for rollback.')
    .version(packageVersion(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .enablePositionalOptions();
  for (const sub of [generationCommand(), isoCommand(), installCommand(), bootCommand(), partitionCommand(), detectCommand(), generateConfigCommand(), configCommand()]) program.addCommand(sub);
  // Usage errors throw instead of exiting, so that main() stays the single exit point.
  const exitOverride = (command: Command) => {
    command.exitOverride();
    for (const sub of command.commands) exitOverride(sub);
  };
  exitOverride(program);
  return program;
}
