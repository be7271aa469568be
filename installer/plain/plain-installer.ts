/**
 * `cairn install --plain`: the same questions as the screens, one line at a time, for screen readers and
 * serial lines without cursor control. `<` goes back one question; lists are numbered and accept a number
 * or a name; the install itself reports one line per phase.
 */
import { CancelledError } from '../../lib/errors.js';
import type { ProgressEvent } from '../../lib/progress.js';
import { formatSize, parseSize } from '../../lib/size.js';
import type { DraftAnswers, EncryptionAnswer, InstallerEngine, InstallerModel, QuestionSection } from '../engine/contract.js';
import { LUKS_FORMAT_LABEL } from '../../system/answers.js';
import { hostNameProblem, userNameProblem } from '../screens/users/state.js';
import { mergeAnswers, wizardSteps, type Step } from '../wizard.js';
import { BACK, LinePrompter } from './line-prompter.js';

export interface PlainInstallerOptions {
  readonly model: InstallerModel;
  readonly engine: InstallerEngine;
  readonly initial: DraftAnswers;
  readonly sections?: readonly QuestionSection[];
  readonly input: NodeJS.ReadableStream;
  readonly output: NodeJS.WritableStream;
  readonly signal?: AbortSignal;
}

export interface PlainInstallerResult {
  readonly answers: DraftAnswers;
  readonly installed: boolean;
}

const GO_BACK = Symbol('back');
type Outcome = Partial<DraftAnswers> | typeof GO_BACK;

export async function runPlainInstaller(options: PlainInstallerOptions): Promise<PlainInstallerResult> {
  const { model, engine } = options;
  const prompt = new LinePrompter(options.input, options.output);
  const steps = wizardSteps(options.sections);
  let answers = options.initial;
  try {
    prompt.say('Cairn installer (plain mode). Press Enter to keep the value in [brackets]; type < to go back.');
    prompt.say(`This installs a generation-based system from ${model.source}. Nothing is written before you confirm.`);
    for (let index = 0; index < steps.length; ) {
      const outcome = await askStep(prompt, steps[index]!, answers, options);
      if (outcome === GO_BACK) {
        index = Math.max(0, index - 1);
        continue;
      }
      answers = mergeAnswers(answers, outcome);
      index++;
    }
    prompt.say('Installing.');
    const controller = new AbortController();
    options.signal?.addEventListener('abort', () => controller.abort(), { once: true });
    const result = await engine.install(answers, (event) => reportProgress(prompt, event), controller.signal);
    for (const line of result.lines) prompt.say(line);
    return { answers, installed: true };
  } finally {
    prompt.close();
  }
}

async function askStep(prompt: LinePrompter, step: Step, answers: DraftAnswers, options: PlainInstallerOptions): Promise<Outcome> {
  const { model, engine } = options;
  switch (step) {
    case 'welcome':
      return wrap(await chooseFrom(prompt, 'Language (locale)', model.locales, answers.locale), (locale) => ({ locale }));
    case 'keyboard':
      return wrap(await chooseFrom(prompt, 'Keyboard layout', model.keyMaps, answers.keyMap), (keyMap) => ({ keyMap }));
    case 'timezone':
      return wrap(await chooseFrom(prompt, 'Time zone', model.timeZones, answers.timeZone), (timeZone) => ({ timeZone }));
    case 'hardware': {
      prompt.say('Hardware found:');
      for (const [label, value] of model.hardware.rows) prompt.say(`  ${label}: ${value}`);
      for (const warning of model.hardware.warnings) prompt.say(`  note: ${warning}`);
      const reply = await prompt.ask('Press Enter to continue');
      return reply === BACK ? GO_BACK : {};
    }
    case 'disk': {
      prompt.say('Disks (everything on the chosen disk will be erased):');
      model.disks.forEach((disk, i) => {
        prompt.say(`  ${i + 1}. ${disk.label}${disk.refusal === undefined ? '' : ` - cannot be used: ${disk.refusal}`}`);
        prompt.say(`     ${disk.identity}; now on it: ${disk.contents.join('; ')}`);
      });
      const usable = model.disks.filter((d) => d.refusal === undefined);
      if (usable.length === 0) throw new CancelledError('no disk can be used; see the reasons above');
      for (;;) {
        const reply = await prompt.ask('Disk (number or path)', answers.disk);
        if (reply === BACK) return GO_BACK;
        const chosen = /^\d+$/.test(reply) ? model.disks[Number(reply) - 1] : model.disks.find((d) => d.path === reply);
        if (chosen === undefined) prompt.say(`"${reply}" is not one of the disks listed.`);
        else if (chosen.refusal !== undefined) prompt.say(`${chosen.label} cannot be used: ${chosen.refusal}.`);
        else return { disk: chosen.path };
      }
    }
    case 'layout': {
      // What was typed so far in this question survives a retry (a bad swap size keeps the filesystem).
      let current = answers.layout;
      for (;;) {
        prompt.say('Partition layout: 1. guided (ESP, optional swap, root filling the disk)  2. a layout file');
        const kind = await prompt.ask('Layout (1 or 2)', current.kind === 'file' ? '2' : '1');
        if (kind === BACK) return GO_BACK;
        let layout = current;
        if (kind === '2') {
          const path = await prompt.ask('Layout file', current.kind === 'file' ? current.path : undefined);
          if (path === BACK) continue;
          layout = { kind: 'file', path };
          current = layout;
        } else if (kind === '1') {
          const filesystem = await chooseFrom(prompt, 'Root filesystem', ['ext4', 'btrfs'], current.kind === 'guided' ? current.filesystem : 'ext4');
          if (filesystem === BACK) continue;
          current = { kind: 'guided', filesystem: filesystem as 'ext4' | 'btrfs', swap: current.kind === 'guided' ? current.swap : 'none' };
          const swap = await prompt.ask('Swap size (e.g. 2G, or none)', current.swap);
          if (swap === BACK) continue;
          if (swap !== 'none' && 'error' in parseSize(swap)) {
            prompt.say(`swap: ${(parseSize(swap) as { error: string }).error}`);
            continue;
          }
          layout = { ...current, swap };
        } else {
          prompt.say('Type 1 or 2.');
          continue;
        }
        const preview = await engine.previewLayout(answers, layout);
        for (const row of preview.rows) prompt.say(`  ${row}`);
        if (preview.error !== undefined) {
          prompt.say(`This layout cannot be used: ${preview.error}`);
          continue;
        }
        const encryption = await askEncryption(prompt, answers.encryption);
        if (encryption === BACK) continue;
        return { layout, encryption };
      }
    }
    case 'users': {
      let hostName: string;
      for (;;) {
        const reply = await prompt.ask('Host name', answers.hostName);
        if (reply === BACK) return GO_BACK;
        const problem = hostNameProblem(reply);
        if (problem === undefined) {
          hostName = reply;
          break;
        }
        prompt.say(problem);
      }
      const existing = answers.users[0];
      for (;;) {
        const name = await prompt.ask('User name', existing?.name);
        if (name === BACK) return GO_BACK;
        const problem = userNameProblem(name);
        if (problem !== undefined) {
          prompt.say(problem);
          continue;
        }
        const keep = existing !== undefined && existing.name === name;
        const password = await askSecretTwice(prompt, { label: 'Password', noun: 'password', keep, empty: 'give a password' });
        if (password === KEEP) return { hostName, users: [existing!, ...answers.users.slice(1)] };
        if (password === undefined) continue;
        return { hostName, users: [{ name, passwordHash: await engine.hashPassword(password) }, ...answers.users.slice(1)] };
      }
    }
    case 'generations': {
      prompt.say('Generations:');
      for (const g of model.generations) prompt.say(`  ${g.number}. ${g.title}${g.current ? ' [current, always installed]' : ''}`);
      for (;;) {
        const reply = await prompt.ask('Generations to install (numbers separated by spaces, or all)', 'all');
        if (reply === BACK) return GO_BACK;
        const all = model.generations.map((g) => g.number);
        const numbers = reply === 'all' ? all : reply.split(/[\s,]+/).filter((w) => w !== '').map(Number);
        const unknown = numbers.filter((n) => !all.includes(n));
        if (unknown.length > 0 || numbers.some((n) => !Number.isInteger(n))) {
          prompt.say(`not a generation here: ${reply}`);
          continue;
        }
        const current = model.generations.find((g) => g.current)?.number;
        if (current !== undefined && !numbers.includes(current)) numbers.push(current);
        return { generations: [...new Set(numbers)].sort((a, b) => b - a) };
      }
    }
    case 'summary': {
      const summary = engine.summarise(answers);
      prompt.say('Summary:');
      for (const [label, value] of summary.choices) prompt.say(`  ${label}: ${value}`);
      prompt.say('These will be ERASED:');
      for (const line of summary.erased) prompt.say(`  ${line}`);
      const space = await engine.checkSpace(answers);
      if (space.refusal !== undefined) {
        prompt.say(`Cannot install: needed ${formatSize(space.neededBytes)}, the disk has ${formatSize(space.diskBytes)}. ${space.refusal}`);
        for (;;) if ((await prompt.ask('Type < to go back and change the disk or the generations')) === BACK) return GO_BACK;
      }
      prompt.say(`  Space: ${formatSize(space.neededBytes)} needed, the disk has ${formatSize(space.diskBytes)}`);
      for (;;) {
        const reply = await prompt.ask(`Type the disk's name (${summary.confirmName}) to install, or < to go back`);
        if (reply === BACK) return GO_BACK;
        if (reply === summary.confirmName) return {};
        prompt.say(reply === '' ? 'Nothing typed: nothing was written.' : `"${reply}" is not ${summary.confirmName}: nothing was written.`);
      }
    }
  }
}

/** Picks from a list by number or by name; `?` lists every entry, `?text` those containing text. */
async function chooseFrom(prompt: LinePrompter, question: string, options: readonly string[], current: string): Promise<string> {
  const short = options.length <= 12;
  if (short) prompt.say(`${question}: ${options.map((o, i) => `${i + 1}. ${o}`).join('  ')}`);
  for (;;) {
    const reply = await prompt.ask(short ? question : `${question} (a name; ? lists them, ?text searches)`, current);
    if (reply === BACK) return BACK;
    if (reply.startsWith('?')) {
      const needle = reply.slice(1).toLowerCase();
      prompt.say(options.filter((o) => o.toLowerCase().includes(needle)).join(', ') || 'nothing matches');
      continue;
    }
    if (/^\d+$/.test(reply) && short && options[Number(reply) - 1] !== undefined) return options[Number(reply) - 1]!;
    const exact = options.find((o) => o === reply) ?? options.find((o) => o.toLowerCase() === reply.toLowerCase());
    if (exact !== undefined) return exact;
    prompt.say(`"${reply}" is not in the list; type ? to see it.`);
  }
}

function wrap(value: string, patch: (value: string) => Partial<DraftAnswers>): Outcome {
  return value === BACK ? GO_BACK : patch(value);
}

function reportProgress(prompt: LinePrompter, event: ProgressEvent): void {
  switch (event.kind) {
    case 'phase':
      prompt.say(`==> ${event.title}`);
      break;
    case 'progress':
      if (event.done >= event.total) prompt.say(`    done: ${event.unit === 'bytes' ? formatSize(event.done) : `${event.done} ${event.unit}`}`);
      break;
    case 'warning':
      prompt.say(`warning: ${event.message}`);
      break;
    case 'log':
      break;
  }
}

/**
 * Whether to encrypt the root filesystem and, if so, its passphrase typed twice (not echoed); an empty one
 * and two that differ are asked again. Undefined: not encrypted.
 */
async function askEncryption(prompt: LinePrompter, current: EncryptionAnswer | undefined): Promise<EncryptionAnswer | undefined | typeof BACK> {
  for (;;) {
    const reply = await prompt.ask(`Encrypt the root filesystem (${LUKS_FORMAT_LABEL})? yes or no`, current === undefined ? 'no' : 'yes');
    if (reply === BACK) return BACK;
    if (reply === 'no') return undefined;
    if (reply !== 'yes') {
      prompt.say('Type yes or no.');
      continue;
    }
    for (;;) {
      const passphrase = await askSecretTwice(prompt, { label: 'Passphrase (asked at every boot)', noun: 'passphrase', keep: current !== undefined, empty: 'the passphrase is empty: type one' });
      if (passphrase === KEEP) return current;
      if (passphrase !== undefined) return { passphrase };
    }
  }
}

const KEEP = Symbol('keep');

/**
 * A secret typed twice, not echoed: the secret; KEEP for Enter when one was given before; undefined (after
 * saying why) for an empty one or two that differ, to be asked again.
 */
async function askSecretTwice(
  prompt: LinePrompter,
  question: { readonly label: string; readonly noun: string; readonly keep: boolean; readonly empty: string },
): Promise<string | typeof KEEP | undefined> {
  const secret = await prompt.askSecret(question.keep ? `${question.label.replace(/ \(.*\)$/, '')} (Enter keeps the one given before)` : question.label);
  if (secret === '' && question.keep) return KEEP;
  if (secret === '') {
    prompt.say(question.empty);
    return undefined;
  }
  if ((await prompt.askSecret(`Repeat the ${question.noun}`)) !== secret) {
    prompt.say(`the two ${question.noun}s differ; try again`);
    return undefined;
  }
  return secret;
}
