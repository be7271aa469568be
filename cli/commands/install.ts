/**
 * `cairn install`: the installer. Screens on a terminal, `--plain` line-by-line questions, or unattended from
 * an answers file with `confirm: true` (or `--yes`). `--dry-run` stops at the plan and writes nothing.
 */
import { Command, Option } from 'commander';
import { resolve } from 'node:path';
import { CancelledError, UserError } from '../../lib/errors.js';
import { runAttached } from '../../lib/run.js';
import { formatSize, parseByteSize } from '../../lib/size.js';
import { FIRMWARE_CHOICES, describeBootLoaders, type FirmwareChoice } from '../../system/firmware.js';
import { ANSWERS_PARAM, LIVE_MEDIUM_MOUNT, MEDIUM_ANSWERS_PATH } from '../../system/live-medium.js';
import { DEFAULT_PROFILE } from '../../system/profile.js';
import { DEFAULT_STORE } from '../../system/store.js';
import { planHeading, planRows, PLAN_HEADER } from '../../partitioning/plan-rows.js';
import type { InstallPlan } from '../../installer/engine/install-plan.js';
import type { InstallerSession } from '../../installer/engine/installer-session.js';
import type { DraftAnswers } from '../../installer/engine/contract.js';
import { findMediumAnswers, onPrimaryConsole } from '../../installer/engine/medium-answers.js';
import { formatTable, printJson } from '../options.js';
import { createProgressRenderer } from '../progress-renderer.js';

interface InstallOptions {
  answers?: string;
  target?: string;
  size?: string;
  sourceRoot: string;
  profile: string;
  store: string;
  from?: string;
  firmware?: FirmwareChoice;
  plain?: boolean;
  screens?: boolean;
  dryRun?: boolean;
  yes?: boolean;
  json?: boolean;
  workDir?: string;
  log?: string;
  live?: boolean;
  medium?: string;
}

export function installCommand(): Command {
  return new Command('install')
    .description('install generations onto a disk or an image file: screens on a terminal, --plain questions, or unattended from answers')
    .option('--answers <file>', 'answers file (see cairn config schema answers); confirm: true installs without asking')
    .option('--target <path>', 'the disk (/dev/..., /dev/disk/by-id/...) or image file to install on')
    .option('--size <size>', 'create the image file with this size, e.g. 8G (sparse)')
    .option('--source-root <dir>', 'where the source store and profile are (the live medium: /)', '/')
    .option('--profile <path>', 'the source profile', DEFAULT_PROFILE)
    .option('--store <path>', 'the source store', DEFAULT_STORE)
    .option('--from <recording>', 'plan for a recorded machine (cairn detect --record): its hardware and its disks, which are never written')
    .addOption(
      new Option('--firmware <firmware>', 'which firmware the disk boots on: uefi, bios (GRUB in the first sector) or both (default: both for an image file, else this machine\'s, or the recording\'s with --from)').choices([
        ...FIRMWARE_CHOICES,
      ]),
    )
    .option('--plain', 'ask one question per line (screen readers, serial lines without cursor control)')
    .option('--screens', 'draw the screens even when standard input and output are not a terminal (keys read from standard input as they come)')
    .option('--dry-run', 'plan from the answers and print the plan; nothing is written anywhere')
    .option('--yes', 'install without asking (like confirm: true in the answers)')
    .option('--json', 'with --dry-run: print the plan as JSON')
    .option('--work-dir <dir>', 'where the target\'s trees are assembled before the disk is written (default: in the temporary directory)')
    .option('--log <file>', 'the install log on this machine (default: /tmp/cairn-install-<time>.log)')
    .option('--live', `the live medium's installer: answers from the medium (${ANSWERS_PARAM}=PATH, else ${MEDIUM_ANSWERS_PATH}), and it ends with reboot, power off or a shell`)
    .addOption(new Option('--medium <dir>', 'where the live medium is mounted').default(LIVE_MEDIUM_MOUNT).hideHelp())
    .action(async (options: InstallOptions) => {
      const sizeBytes = options.size === undefined ? undefined : parseByteSize(options.size);
      if (typeof sizeBytes === 'object') throw new UserError(`--size: ${sizeBytes.error}`);
      const live = options.live === true;
      const answersFile = options.answers ?? (live ? await findMediumAnswers({ ...(options.medium === undefined ? {} : { medium: options.medium }) }) : undefined);
      if (live && options.answers === undefined && answersFile !== undefined) process.stderr.write(`Answers from the medium: ${answersFile}\n`);
      // The engine (hardware detection, schemas, partitioning, the install steps) loads when an install runs, not for --help.
      const { openInstallerSession } = await import('../../installer/engine/installer-session.js');
      const session = await openInstallerSession({
        ...(answersFile === undefined ? {} : { answersFile }),
        ...(options.target === undefined ? {} : { target: options.target }),
        ...(sizeBytes === undefined ? {} : { sizeBytes }),
        sourceRoot: resolve(options.sourceRoot),
        profile: options.profile,
        store: options.store,
        ...(options.from === undefined ? {} : { from: options.from }),
        ...(options.firmware === undefined ? {} : { firmware: options.firmware }),
        ...(options.workDir === undefined ? {} : { workDirectory: resolve(options.workDir) }),
        ...(options.log === undefined ? {} : { logPath: resolve(options.log) }),
        dryRun: options.dryRun === true,
        live,
      });
      const terminal = process.stdin.isTTY === true && process.stdout.isTTY === true;
      const confirmed = session.answers.confirm || options.yes === true;

      if (options.dryRun) {
        const { plan } = await session.engine.plan(session.initial);
        if (options.json) printJson(plan);
        else process.stdout.write(describePlan(plan));
        return;
      }
      if (confirmed && session.sections.length === 0) {
        if (live) {
          // The live installer runs on every console; an unattended install runs once, on the primary one.
          const where = await onPrimaryConsole();
          if (!where.primary) {
            process.stdout.write(`The unattended install from ${answersFile ?? 'the answers'} runs on ${where.console}; this console waits for it.\n`);
            return;
          }
        }
        await installUnattended(session, session.initial);
        // Only the live medium's installer ends the machine's session; elsewhere `finish` does not apply.
        if (live) await endWith(session.answers.finish);
        return;
      }
      if (options.plain) {
        const { runPlainInstaller } = await import('../../installer/plain/plain-installer.js');
        await withInterrupt((signal) => runPlainInstaller({ model: session.model, engine: session.engine, initial: session.initial, sections: sectionsFor(session, answersFile), input: process.stdin, output: process.stdout, signal }));
        return;
      }
      if (!terminal && options.screens !== true) {
        throw new UserError('nothing was written: the answers do not say confirm: true, and there is no terminal to ask', {
          hint: 'add confirm: true to the answers file or pass --yes for an unattended install, or run it on a terminal (or with --plain, or --screens)',
        });
      }
      await runScreens(session, answersFile);
    });
}

function sectionsFor(session: InstallerSession, answersFile: string | undefined) {
  // With no answers file every question is asked; with one, only its `interactive` sections.
  return answersFile === undefined ? undefined : session.sections;
}

/** What follows an install the user (or the answers' `finish`) chose: busybox's and systemd's reboot and poweroff alike. */
async function endWith(action: 'reboot' | 'poweroff' | 'shell'): Promise<void> {
  if (action === 'shell') {
    await runAttached(process.env.SHELL ?? '/bin/sh', []);
    return;
  }
  process.stdout.write(action === 'reboot' ? 'Rebooting into the installed system.\n' : 'Powering off.\n');
  await runAttached(action, []);
}

async function installUnattended(session: InstallerSession, draft: DraftAnswers): Promise<void> {
  const renderer = createProgressRenderer();
  let result;
  try {
    result = await withInterrupt((signal) => session.engine.run(draft, renderer.onProgress, signal));
  } finally {
    renderer.finish();
  }
  if ('lines' in result) for (const line of result.lines) process.stdout.write(`${line}\n`);
}

/** Runs work with Ctrl-C turned into an abort: the install stops at its next safe point and says so. */
async function withInterrupt<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onInterrupt = () => {
    process.stderr.write('\nstopping at the next safe point (Ctrl-C again to force)...\n');
    controller.abort();
    process.once('SIGINT', () => process.exit(130));
  };
  process.once('SIGINT', onInterrupt);
  try {
    return await work(controller.signal);
  } finally {
    process.removeListener('SIGINT', onInterrupt);
  }
}

async function runScreens(session: InstallerSession, answersFile: string | undefined): Promise<void> {
  // React is CommonJS: its module.exports is the default export (the bundle gives no named exports for it).
  const [{ render }, { default: React }, { InstallerApp }] = await Promise.all([import('ink'), import('react'), import('../../installer/screens/installer-app.js')]);
  let outcome: { action: string; installed: boolean } = { action: 'cancel', installed: false };
  const app = render(
    React.createElement(InstallerApp, {
      model: session.model,
      engine: session.engine,
      initial: session.initial,
      ...(sectionsFor(session, answersFile) === undefined ? {} : { sections: sectionsFor(session, answersFile)! }),
      onExit: (result) => {
        outcome = result;
      },
    }),
    { exitOnCtrlC: false },
  );
  await app.waitUntilExit();
  if (outcome.action === 'cancel') throw new CancelledError('the installer was left before installing; nothing was written');
  if (outcome.action === 'reboot' || outcome.action === 'poweroff' || outcome.action === 'shell') await endWith(outcome.action);
  if (!outcome.installed) throw new UserError('the install did not complete; see the log named above', { hint: 'run cairn install again: it starts over cleanly' });
}

function describeEncryption(plan: InstallPlan): string {
  const luks = plan.encryption;
  if (luks === undefined) return '';
  const cost = luks.keyDerivation === undefined ? "cost by cryptsetup's benchmark" : `${luks.keyDerivation.memory} KiB, ${luks.keyDerivation.iterations} iterations`;
  return `, inside LUKS2 UUID ${luks.uuid} (${luks.cipher}, ${luks.keySizeBits}-bit key, ${luks.pbkdf} ${cost}), opened as /dev/mapper/${luks.mapperName}`;
}

function describePlan(plan: InstallPlan): string {
  const lines = [
    `Install onto ${plan.target.description}${plan.target.creates ? ' (created)' : ''}`,
    ...planHeading(plan.partitions),
    '',
    formatTable(PLAN_HEADER, planRows(plan.partitions)).trimEnd(),
    '',
    `Generations: ${plan.generations.join(', ')} (current ${plan.current}) from ${plan.source.profile} under ${plan.source.root}`,
    `Boot loader: ${describeBootLoaders(plan.firmware, plan.bootloader)}${plan.secureBoot === undefined ? '' : " behind shim (Secure Boot: the distribution's signed chain)"}${plan.biosBoot === undefined ? '' : `, core.img in ${plan.biosBoot.place.kind === 'bios-boot-partition' ? `the BIOS boot partition (${plan.biosBoot.place.partition})` : 'the gap after the MBR'}`}; kernel parameters added: ${plan.kernelParams.join(' ')}`,
    `Root: ${plan.root.filesystem!.format} ${formatSize(plan.root.sizeBytes)} UUID ${plan.root.filesystem!.uuid}${describeEncryption(plan)}`,
    `Host ${plan.choices.hostName}, ${plan.choices.locale}, keymap ${plan.choices.keyMap}, ${plan.choices.timeZone}; users: ${(plan.choices.users ?? []).map((u) => u.name).join(', ') || 'none'}`,
    '',
    'answers.yaml written to the target:',
    ...plan.reproducingAnswers.trimEnd().split('\n').map((l) => `  ${l}`),
    '',
    'Dry run: nothing was written.',
  ];
  return `${lines.join('\n')}\n`;
}
