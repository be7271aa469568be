/** The `cairn` command tree. Commands are thin: they parse, call the library, and render. */
import { Command, Help } from 'commander';
import { packageVersion } from './version.js';

/** A command group: how `cairn --help` lists it (kept equal to the group's own by test/cli/program.test.ts), and its loader. */
export interface CommandGroup {
  /** Its term in the command list ("install [options]"). */
  readonly term: string;
  readonly description: string;
  readonly load: () => Promise<Command>;
}

/**
 * The command groups, each loaded only when it runs: `cairn partition apply` does not load the ISO writer
 * or the installer's screens, which keeps start-up short (it counts in every benchmark and every CI call).
 * `cairn --help` lists them from the terms and descriptions here, without loading any.
 */
export const GROUPS: Readonly<Record<string, CommandGroup>> = {
  generation: {
    term: 'generation',
    description: 'register, list, roll back and delete the generations of a profile',
    load: async () => (await import('./commands/generation.js')).generationCommand(),
  },
  iso: {
    term: 'iso',
    description: 'build ISO images from an image spec and inspect them',
    load: async () => {
      // Before the group's modules load, which is when V8 grows its young generation (lib/heap.ts).
      (await import('../lib/heap.js')).keepHeapNearLiveSize();
      return (await import('./commands/iso.js')).isoCommand();
    },
  },
  install: {
    term: 'install [options]',
    description: 'install generations onto a disk or an image file: screens on a terminal, --plain questions, or unattended from answers',
    load: async () => (await import('./commands/install.js')).installCommand(),
  },
  boot: {
    term: 'boot',
    description: 'boot entries for every generation on an EFI system partition (systemd-boot or GRUB)',
    load: async () => (await import('./commands/boot.js')).bootCommand(),
  },
  partition: {
    term: 'partition',
    description: 'declarative partitioning of disks and image files: plan, apply, list disks',
    load: async () => (await import('./commands/partition.js')).partitionCommand(),
  },
  detect: {
    term: 'detect [options]',
    description: 'detect the hardware: firmware, CPU, memory, graphics, network, PCI and USB devices, disks, mounts, RAID and LUKS',
    load: async () => (await import('./commands/detect.js')).detectCommand(),
  },
  'generate-config': {
    term: 'generate-config [options]',
    description: 'write <root>/etc/cairn/hardware-configuration.yaml (always) and configuration.yaml (only when missing, or with --force)',
    load: async () => (await import('./commands/generate-config.js')).generateConfigCommand(),
  },
  config: { term: 'config', description: 'check Cairn files and export their JSON Schemas', load: async () => (await import('./commands/config.js')).configCommand() },
  initrd: {
    term: 'initrd',
    description: "build initramfs archives with Cairn's own cpio writer, and list them",
    load: async () => (await import('./commands/initrd.js')).initrdCommand(),
  },
  system: {
    term: 'system',
    description: 'build bootable systems (kernel, stage 1 initramfs, userland, stage 2) as generations',
    load: async () => (await import('./commands/system.js')).systemCommand(),
  },
};

/**
 * The program for `argv`: the group named by the first argument (or by `help GROUP`) loaded; otherwise
 * (`cairn --help`, `cairn help`, an unknown word) every group as a stand-in with its term and description,
 * so help and "unknown command" stay complete without loading the groups.
 */
export async function buildProgram(argv: readonly string[] = process.argv): Promise<Command> {
  const program = new Command('cairn')
    .description('Build and install generation-based Linux systems: bootable ISOs whose menu offers every generation, an installer, boot entries for rollback.')
    .version(packageVersion(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .enablePositionalOptions();
  const words = argv.slice(2).filter((word) => !word.startsWith('-'));
  const named = words[0] === 'help' ? words[1] : words[0];
  // Own keys only: `cairn toString` is an unknown command, not Object.prototype's method.
  if (named !== undefined && Object.hasOwn(GROUPS, named)) {
    program.addCommand(await GROUPS[named]!.load());
  } else if (!(named === undefined && argv.slice(2).some((word) => word === '-V' || word === '--version'))) {
    for (const [name, group] of Object.entries(GROUPS)) program.addCommand(new Command(name).description(group.description));
    const standard = new Help();
    program.configureHelp({ subcommandTerm: (command) => GROUPS[command.name()]?.term ?? standard.subcommandTerm(command) });
  }
  // Usage errors throw instead of exiting, so that they end in main() like every other error.
  const exitOverride = (command: Command) => {
    command.exitOverride();
    for (const sub of command.commands) exitOverride(sub);
  };
  exitOverride(program);
  return program;
}
