/**
 * Everything an install run needs, loaded once: the answers (or their defaults), the source profile, the
 * hardware (this machine, or a recording), the disks and the target, and from them the screens' model, the
 * starting answers, and the engine the screens, the plain mode and the unattended run all call.
 */
import { basename, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DomainError, UserError } from '../../lib/errors.js';
import type { OnProgress } from '../../lib/progress.js';
import { formatSize, parseByteSize } from '../../lib/size.js';
import { readUserFile } from '../../lib/user-file.js';
import { LUKS_FORMAT_LABEL, decodeAnswers, type Answers, type EncryptionAnswers } from '../../system/answers.js';
import { requireTools } from '../../lib/tools.js';
import { bootsOnBios, bootsOnUefi, defaultFirmwareChoice, describeBootLoaders, type FirmwareChoice } from '../../system/firmware.js';
import type { Layout } from '../../system/layout.js';
import { readProfile, type Profile } from '../../system/profile.js';
import { sha256Hex } from '../../system/store-hash.js';
import { buildBootMenu } from '../../bootloader/entries.js';
import { loadSignedChain } from '../../bootloader/secure-boot.js';
import { describeDestruction, type Destruction } from '../../partitioning/destruction.js';
import { planPartitions } from '../../partitioning/plan.js';
import { planRows } from '../../partitioning/plan-rows.js';
import type { TargetPins } from '../../partitioning/safety.js';
import { assertTargetWritable, defaultSeed, diskTarget, prepareTarget, targetRefusals, type Target } from '../../partitioning/target.js';
import { detectHardware, type HardwareReport } from '../hardware/detect-hardware.js';
import { openHardwareSource } from '../hardware/hardware-source.js';
import { summariseHardware } from '../hardware/summary.js';
import { sha512Crypt } from '../password-hash.js';
import { availableKeyMaps, availableLocales, availableTimeZones } from './choice-lists.js';
import type { DiskChoice, DraftAnswers, InstallerEngine, InstallerModel, LayoutChoice, QuestionSection } from './contract.js';
import { executeInstall, type InstallResult } from './execute-install.js';
import { measureInstall, spaceError } from './space-check.js';
import { chooseGenerations, planInstall, type InstallPlan, type InstallUser } from './install-plan.js';
import { answersDirectory, answersLayoutOf, choiceFromAnswers, guidedPartitions, resolveLayout, type LayoutContext } from './layout-choice.js';

export interface SessionOptions {
  readonly answersFile?: string;
  /** The disk or image file to install on (`--target`); wins over the answers' disk.path. */
  readonly target?: string;
  /** Size of an image file to create (`--size`). */
  readonly sizeBytes?: number;
  readonly sourceRoot: string;
  readonly profile: string;
  readonly store: string;
  /** A recording to replay (`--from`): its hardware and its disks; a plan can be made, nothing is written to its disks. */
  readonly from?: string;
  /** Which firmware the disk boots on (`--firmware`); wins over the answers' firmware. */
  readonly firmware?: FirmwareChoice;
  readonly workDirectory?: string;
  readonly logPath?: string;
  /** Stop at the plan: nothing is written anywhere. */
  readonly dryRun?: boolean;
  /** The live medium's installer: it ends with reboot, power off or a shell (model.ts `ending`). */
  readonly live?: boolean;
}

export interface InstallerSession {
  readonly answers: Answers;
  readonly report: HardwareReport;
  readonly profile: Profile;
  readonly model: InstallerModel;
  readonly initial: DraftAnswers;
  readonly sections: readonly QuestionSection[];
  readonly engine: InstallerEngine & {
    /** The plan for final answers (what --dry-run prints and install executes). */
    plan(draft: DraftAnswers): Promise<{ plan: InstallPlan; target: Target }>;
    /** Runs the install (or, in a dry run, only plans it). */
    run(draft: DraftAnswers, onProgress: OnProgress, signal: AbortSignal): Promise<InstallResult | { plan: InstallPlan }>;
  };
  /** The target named on the command line or in the answers, if any. */
  readonly fixedTarget: Target | undefined;
}

const DEFAULT_ANSWERS_TEXT = 'version: 1\n';

export async function openInstallerSession(options: SessionOptions): Promise<InstallerSession> {
  const answersFile = options.answersFile === undefined ? undefined : resolve(options.answersFile);
  const answers = answersFile === undefined ? decodeAnswers(DEFAULT_ANSWERS_TEXT, '(defaults)') : decodeAnswers(await readUserFile(answersFile, 'answers file'), options.answersFile!);

  const profile = await readProfile(options.sourceRoot, options.profile);
  if (profile.generations.length === 0) {
    throw new DomainError('no-generations', `the source profile ${options.profile} under ${options.sourceRoot} has no generations to install`, {
      hint: profile.problems.length > 0 ? `it has broken generations: ${profile.problems.map((p) => p.message).join('; ')}` : 'give --source-root and --profile of a profile that has generations (cairn generation list shows them)',
    });
  }
  const selected = chooseGenerations(answers.generations, profile);
  // Secure Boot's signed files are looked for now, before a screen asks anything: a missing package is named at once.
  if (answers.signedChain !== undefined) await loadSignedChain(answers.signedChain, 'disk', `${options.answersFile ?? '(answers)'}: secureBoot`);

  const source = await openHardwareSource(options.from);
  const report = await detectHardware(source);
  const answersName = options.answersFile ?? '(answers)';
  const pins: TargetPins = {
    ...(answers.disk.expectSerial === undefined ? {} : { serial: { value: answers.disk.expectSerial, from: `${answersName}: disk.expectSerial` } }),
    ...(answers.disk.expectSize === undefined ? {} : { sizeBytes: { value: Number(parseByteSize(answers.disk.expectSize)), from: `${answersName}: disk.expectSize` } }),
  };
  const targetPath = options.target ?? answers.disk.path;
  const fixedTarget =
    targetPath === undefined ? undefined : (await prepareTarget(targetPath, { ...(options.sizeBytes === undefined ? {} : { sizeBytes: options.sizeBytes }), machine: source, pins })).target;
  // The firmware (and so the BIOS boot partition of the guided layout) follows the chosen target.
  const firmwareFor = (target: Target | undefined): FirmwareChoice =>
    options.firmware ?? answers.firmware ?? defaultFirmwareChoice({ machine: report.firmware.type, recorded: options.from !== undefined, image: target?.kind === 'image' });
  const layoutContextFor = (target: Target | undefined): LayoutContext => ({ baseDirectory: answersDirectory(answersFile), biosBoot: bootsOnBios(firmwareFor(target)) });

  // The disks offered: the one named, or every disk of the machine (this one, or the recording's) in the
  // inventory's order, each with the verdict `cairn partition disks` gives it.
  const offered = fixedTarget !== undefined ? [fixedTarget] : report.disks.map((disk) => diskTarget(disk, source));
  const targets = new Map<string, Target>();
  const destructions = new Map<string, Destruction>();
  const choices: DiskChoice[] = [];
  for (const target of offered) {
    const destruction = await describeDestruction(target);
    targets.set(target.path, target);
    destructions.set(target.path, destruction);
    choices.push(diskChoiceOf(target, destruction, pins));
  }

  const targetOf = (path: string | undefined): Target => {
    const target = path === undefined ? undefined : targets.get(path);
    if (target === undefined) throw new UserError(path === undefined ? 'no disk chosen: give --target (a disk or an image file with --size)' : `${path} is not one of the disks offered`);
    return target;
  };

  const planFor = async (draft: DraftAnswers): Promise<{ plan: InstallPlan; target: Target }> => {
    const target = targetOf(draft.disk);
    const layout = await resolveLayout(draft.layout, layoutContextFor(target));
    const finalAnswers: Answers = {
      ...answers,
      locale: draft.locale,
      keyMap: draft.keyMap,
      timeZone: draft.timeZone,
      hostName: draft.hostName,
      ...answersLayoutOf(draft.layout, layout),
      generations: [...draft.generations],
    };
    assertTargetWritable(target, { pins, layout });
    const users: InstallUser[] = draft.users.map((u) => ({ name: u.name, passwordHash: u.passwordHash, ...groupsOf(answers, u.name) }));
    const plan = planInstall({
      answers: finalAnswers,
      layout,
      target,
      platform: report,
      firmware: firmwareFor(target),
      source: { root: options.sourceRoot, store: options.store, profile },
      users,
      seed: answers.seed ?? defaultSeed(target.identity),
      ...(draft.encryption === undefined ? {} : { encryption: answers.encryption?.keyDerivation === undefined ? {} : { keyDerivation: answers.encryption.keyDerivation } }),
      ...(report.memory.totalBytes === null ? {} : { memoryBytes: report.memory.totalBytes }),
      ...(options.answersFile === undefined ? {} : { answersName: options.answersFile }),
    });
    // cryptsetup is named now, before a summary is shown or anything is written.
    if (plan.encryption !== undefined) requireTools(['cryptsetup']);
    return { plan, target };
  };

  const workDirectory = options.workDirectory ?? join(tmpdir(), `cairn-install-${sha256Hex(targetPath ?? 'interactive').slice(0, 12)}`);
  const logPath = options.logPath ?? join(tmpdir(), `cairn-install-${new Date().toISOString().replace(/[:.]/g, '-')}.log`);

  const engine: InstallerSession['engine'] = {
    async previewLayout(draft: DraftAnswers, choice: LayoutChoice) {
      const target = targetOf(draft.disk);
      const layout = await resolveLayout(choice, layoutContextFor(target));
      const planned = planPartitions(layout, target.identity, { seed: answers.seed ?? defaultSeed(target.identity) });
      return { rows: planRows(planned).map((r) => `${r[0]} ${r[1]!.padEnd(10)} ${r[5]!.padStart(7)}  ${r[6]!.padEnd(6)} ${r[9]}`) };
    },
    guidedPartitions: (draft, choice) => guidedPartitions(choice, layoutContextFor(draft.disk === undefined ? undefined : targets.get(draft.disk))),
    summarise(draft) {
      const target = targetOf(draft.disk);
      const firmware = firmwareFor(target);
      const destruction = destructions.get(target.path);
      return {
        choices: [
          ['Disk', target.identity.description],
          ['Layout', describeLayout(draft.layout)],
          ['Language', draft.locale],
          ['Keyboard', draft.keyMap],
          ['Time zone', draft.timeZone],
          ['Host name', draft.hostName],
          ['Users', draft.users.map((u) => u.name).join(', ') || '(none)'],
          ['Generations', draft.generations.join(', ')],
          ['Encryption', draft.encryption === undefined ? 'none' : `root encrypted (${LUKS_FORMAT_LABEL})`],
          ['Boot loader', `${describeBootLoaders(firmware, answers.bootloader ?? (bootsOnUefi(firmware) && answers.signedChain === undefined ? 'systemd-boot' : 'grub'))}${answers.signedChain === undefined ? '' : ', Secure Boot (shim)'}`],
        ],
        erased: erasedLines(target, destruction),
        confirmName: confirmNameOf(target),
      };
    },
    async checkSpace(draft) {
      return measureInstall((await planFor(draft)).plan, profile);
    },
    hashPassword: (password) => sha512Crypt(password),
    plan: planFor,
    async run(draft, onProgress, signal) {
      const { plan, target } = await planFor(draft);
      if (options.dryRun) return { plan };
      // What the summary screen refuses, refused the same way before an unattended install writes anything.
      const space = await measureInstall(plan, profile);
      if (space.refusal !== undefined) throw spaceError(space);
      // One copy of the bytes, zeroed by executeInstall when it is done (the string itself cannot be wiped).
      const passphrase = draft.encryption === undefined ? undefined : Buffer.from(draft.encryption.passphrase, 'utf8');
      return executeInstall(plan, { platform: report, target, workDirectory, logPath, onProgress, signal, ...(passphrase === undefined ? {} : { passphrase }) });
    },
    async install(draft, onProgress, signal) {
      const result = await engine.run(draft, onProgress, signal);
      return 'lines' in result ? { lines: result.lines } : { lines: ['Dry run: the plan is printed; nothing was written.'] };
    },
  };

  const generations = buildBootMenu(profile, {}).entries;
  const model: InstallerModel = {
    source: options.sourceRoot === '/' ? 'the live medium' : options.sourceRoot,
    locales: availableLocales(),
    keyMaps: availableKeyMaps(),
    timeZones: availableTimeZones(),
    hardware: { rows: summariseHardware(report).map((l) => [l.label, l.value] as const), warnings: report.problems.map((p) => `${p.source}: ${p.message}`) },
    disks: choices,
    generations: profile.generations
      .map((g) => ({ number: g.number, title: generations.find((e) => e.generation === g.number && e.specialisation === undefined)?.title ?? `Generation ${g.number}`, current: g.number === selected.current }))
      .sort((a, b) => b.number - a.number),
    ending: options.live === true ? 'live' : fixedTarget?.kind === 'image' ? 'image' : 'disk',
  };
  const initial: DraftAnswers = {
    locale: answers.locale,
    keyMap: answers.keyMap,
    timeZone: answers.timeZone,
    hostName: answers.hostName,
    disk: fixedTarget?.path ?? choices.find((c) => c.refusal === undefined)?.path,
    layout: choiceFromAnswers(answers),
    users: answers.users.map((u) => ({ name: u.name, passwordHash: u.passwordHash ?? (u.password === undefined ? '!' : sha512Crypt(u.password)) })),
    generations: selected.generations,
    ...(answers.encryption === undefined ? {} : { encryption: { passphrase: await readPassphrase(answers.encryption, answersName) } }),
  };
  return { answers, report, profile, model, initial, sections: answers.interactive, engine, fixedTarget };
}

/** The answers' passphrase, or the content of its file without one trailing newline; never empty. */
async function readPassphrase(encryption: EncryptionAnswers, answersName: string): Promise<string> {
  if (encryption.passphraseFile === undefined) return encryption.passphrase!;
  const text = await readUserFile(encryption.passphraseFile, 'passphrase file');
  const passphrase = text.endsWith('\r\n') ? text.slice(0, -2) : text.endsWith('\n') ? text.slice(0, -1) : text;
  if (passphrase === '') {
    throw new UserError(`${answersName}: encryption.passphraseFile: ${encryption.passphraseFile} is empty: an encrypted root needs a passphrase`, { hint: 'write the passphrase into the file (one line)' });
  }
  return passphrase;
}

function groupsOf(answers: Answers, name: string): { groups?: readonly string[] } {
  const groups = answers.users.find((u) => u.name === name)?.groups;
  return groups === undefined ? {} : { groups };
}

/** A disk (or image) as the disk screen lists it; a refused one carries every reason, as `partition disks` gives them. */
function diskChoiceOf(target: Target, destruction: Destruction, pins: TargetPins): DiskChoice {
  const identity = target.identity;
  const refusals = targetRefusals(target, { pins });
  const refusal = refusals.length === 0 ? undefined : refusals.map((r) => r.reason).join('; ');
  return {
    path: target.path,
    label: `${target.kind === 'image' ? basename(target.path) : target.disk.name}  ${identity.model ?? (target.kind === 'image' ? 'image file' : 'unknown model')}  ${formatSize(identity.sizeBytes)}`,
    identity: [identity.byId ?? target.path, identity.serial === undefined ? undefined : `serial ${identity.serial}`].filter(Boolean).join(', '),
    contents: contentLines(destruction),
    ...(refusal === undefined ? {} : { refusal }),
  };
}

function contentLines(destruction: Destruction): string[] {
  if (destruction.creates) return ['nothing yet: the image file will be created'];
  const lines = destruction.partitions.map((p) => [p.where, p.fstype ?? p.type ?? 'unknown', p.label ?? p.name ?? '', formatSize(p.sizeBytes), p.mountpoints.length > 0 ? `mounted at ${p.mountpoints.join(', ')}` : ''].filter((x) => x !== '').join('  '));
  if (destruction.wholeDiskFilesystem !== undefined) lines.push(`a ${destruction.wholeDiskFilesystem} filesystem on the whole disk`);
  return lines.length === 0 ? [`empty (partition table: ${destruction.table})`] : lines;
}

function erasedLines(target: Target, destruction: Destruction | undefined): string[] {
  const head = `${target.identity.description}: ${target.kind === 'image' && destruction?.creates ? 'created new' : 'the whole disk'}`;
  return [head, ...(destruction === undefined ? [] : contentLines(destruction).map((l) => `  ${l}`))];
}

function confirmNameOf(target: Target): string {
  return target.kind === 'image' ? basename(target.path) : target.disk.name;
}

function describeLayout(choice: LayoutChoice): string {
  switch (choice.kind) {
    case 'guided':
      return `guided (ESP, ${choice.swap === 'none' ? 'no swap' : `${choice.swap} swap`}, ${choice.filesystem} root)`;
    case 'file':
      return `layout file ${choice.path}`;
    case 'custom':
      return choice.partitions.map((p) => `${p.name} ${p.size} ${p.format}`).join(', ');
    case 'inline':
      return `from the answers: ${choice.layout.partitions.map((p: Layout['partitions'][number]) => p.name).join(', ')}`;
  }
}
