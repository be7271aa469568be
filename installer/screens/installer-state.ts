/**
 * The whole installer as one pure reducer (STYLE.md 7): the wizard (step, answers), the current screen's
 * state (list cursors and filters, text fields, the layout's sub-views, the users' fields), the install's
 * progress and the end. Keys come in split one by one (keys/split-keys.ts) and are folded in order, so a
 * screen's keys written at once ("box\ralice\rsecret1\rsecret1\r") give what typing them one at a time
 * gives: a key always goes to the field or list that is current after the keys before it.
 *
 * Work the reducer cannot do (planning a layout, hashing a password, measuring what the chosen generations
 * need on the disk, the install) is asked for in `work`;
 * the app runs it after the keys are folded and reports back with the work's id. While work runs, keys are
 * queued and folded when it is done, never given to another field; they are dropped only when the summary
 * refuses the disk as too small (they were typed to confirm, which cannot happen). Ctrl-C is never
 * queued: it leaves the installer (nothing was written) or, during the install, asks it to stop at its next
 * safe point.
 */
import type { ProgressEvent } from '../../lib/progress.js';
import type { CustomPartition, DraftAnswers, InstallerEnding, InstallerModel, LayoutChoice, LayoutPreview, QuestionSection, SpaceCheck, UserAnswer } from '../engine/contract.js';
import { currentStep, initialWizard, wizardReducer, type Step, type WizardState } from '../wizard.js';
import type { DoneAction } from './done/index.js';
import type { Key } from './keys/split-keys.js';
import { initialLayoutState, layoutKey, type LayoutState } from './layout/state.js';
import { initialProgress, progressReducer, type ProgressState } from './progress/state.js';
import { initialListState, listKey, type ListItem, type ListState } from './select-list/state.js';
import { fieldKey, initialField, type FieldState } from './text-field/state.js';
import { initialUsersState, usersKey, type UsersState } from './users/state.js';

/** What the reducer needs besides the state: the model, and the engine's pure answers. */
export interface InstallerContext {
  readonly model: InstallerModel;
  readonly guidedPartitions: (answers: DraftAnswers, choice: LayoutChoice) => readonly CustomPartition[];
  /** The name to type on the summary to confirm (the disk's device name or the image file's name). */
  readonly confirmName: (answers: DraftAnswers) => string;
}

export type ScreenState =
  | { readonly step: 'welcome' | 'keyboard' | 'timezone' | 'disk'; readonly list: ListState }
  | { readonly step: 'hardware' }
  | { readonly step: 'layout'; readonly layout: LayoutState }
  | { readonly step: 'users'; readonly users: UsersState }
  | { readonly step: 'generations'; readonly list: ListState; readonly error: string | undefined }
  /** `space` is undefined while it is measured; a disk too small is refused there, and Enter goes back to the disk screen. */
  | { readonly step: 'summary'; readonly field: FieldState; readonly refused: string | undefined; readonly space: SpaceCheck | undefined };

export type DoneOutcome = { readonly kind: 'installed'; readonly lines: readonly string[] } | { readonly kind: 'failed'; readonly message: string; readonly logPath: string };

export type Phase =
  | { readonly kind: 'asking'; readonly screen: ScreenState }
  | { readonly kind: 'installing'; readonly run: number; readonly progress: ProgressState; readonly showLog: boolean; readonly stopping: boolean }
  | { readonly kind: 'finished'; readonly outcome: DoneOutcome; readonly list: ListState };

/** Work for the app to run; its result comes back as an action naming `id`. */
export type Work =
  | { readonly id: number; readonly kind: 'preview'; readonly answers: DraftAnswers; readonly choice: LayoutChoice }
  | { readonly id: number; readonly kind: 'hash'; readonly password: string; readonly hostName: string; readonly userName: string; readonly others: readonly UserAnswer[] }
  | { readonly id: number; readonly kind: 'space'; readonly answers: DraftAnswers }
  | { readonly id: number; readonly kind: 'install'; readonly answers: DraftAnswers };

export type ExitAction = DoneAction | 'cancel';

export interface InstallerState {
  readonly wizard: WizardState;
  readonly phase: Phase;
  /** The work running now; keys wait in `queue` until it is done. */
  readonly work: Work | undefined;
  readonly queue: readonly Key[];
  /** The id of the last work asked for. */
  readonly lastWork: number;
  /** Set when the user leaves: the app reports it and ends. */
  readonly exit: { readonly action: ExitAction; readonly installed: boolean } | undefined;
}

export type InstallerAction =
  | { readonly type: 'keys'; readonly keys: readonly Key[] }
  | { readonly type: 'previewed'; readonly work: number; readonly preview: LayoutPreview }
  | { readonly type: 'space-checked'; readonly work: number; readonly space: SpaceCheck }
  | { readonly type: 'hashed'; readonly work: number; readonly hash: string }
  | { readonly type: 'hash-failed'; readonly work: number; readonly message: string }
  | { readonly type: 'progress'; readonly work: number; readonly event: ProgressEvent }
  | { readonly type: 'installed'; readonly work: number; readonly lines: readonly string[] }
  | { readonly type: 'install-failed'; readonly work: number; readonly message: string; readonly logPath: string };

export function initialInstallerState(answers: DraftAnswers, context: InstallerContext, sections?: readonly QuestionSection[]): InstallerState {
  const wizard = initialWizard(answers, sections);
  return enterStep({ wizard, phase: { kind: 'asking', screen: { step: 'hardware' } }, work: undefined, queue: [], lastWork: 0, exit: undefined }, context);
}

export function installerReducer(state: InstallerState, action: InstallerAction, context: InstallerContext): InstallerState {
  if (state.exit !== undefined) return state;
  switch (action.type) {
    case 'keys':
      return foldKeys(state, action.keys, context);
    case 'previewed': {
      if (state.work?.id !== action.work || state.phase.kind !== 'asking' || state.phase.screen.step !== 'layout') return state;
      const layout = { ...state.phase.screen.layout, preview: action.preview };
      return resume({ ...state, work: undefined, phase: { kind: 'asking', screen: { step: 'layout', layout } } }, context);
    }
    case 'space-checked': {
      if (state.work?.id !== action.work || state.phase.kind !== 'asking' || state.phase.screen.step !== 'summary') return state;
      const measured: InstallerState = { ...state, work: undefined, phase: { kind: 'asking', screen: { ...state.phase.screen, space: action.space } } };
      // Keys typed ahead were meant for a confirmation that cannot happen: the refusal stays up until it is read.
      return action.space.refusal === undefined ? resume(measured, context) : { ...measured, queue: [] };
    }
    case 'hashed': {
      const work = state.work;
      if (work?.id !== action.work || work.kind !== 'hash') return state;
      const done = { ...state, work: undefined };
      return resume(next(done, { hostName: work.hostName, users: [{ name: work.userName, passwordHash: action.hash }, ...work.others] }, context), context);
    }
    case 'hash-failed': {
      if (state.work?.id !== action.work || state.phase.kind !== 'asking' || state.phase.screen.step !== 'users') return state;
      const users = { ...state.phase.screen.users, field: 'password' as const, password: '', input: initialField(), error: `the password could not be hashed: ${action.message}` };
      return resume({ ...state, work: undefined, phase: { kind: 'asking', screen: { step: 'users', users } } }, context);
    }
    case 'progress':
      if (state.phase.kind !== 'installing' || state.phase.run !== action.work) return state;
      return { ...state, phase: { ...state.phase, progress: progressReducer(state.phase.progress, action.event) } };
    case 'installed':
    case 'install-failed': {
      if (state.phase.kind !== 'installing' || state.phase.run !== action.work) return state;
      const outcome: DoneOutcome = action.type === 'installed' ? { kind: 'installed', lines: action.lines } : { kind: 'failed', message: action.message, logPath: action.logPath };
      const items = doneItems(outcome, context.model.ending);
      return resume({ ...state, work: undefined, phase: { kind: 'finished', outcome, list: initialListState(items, items.length) } }, context);
    }
  }
}

/** The items of the done screen: what the user can do next. */
export function doneItems(outcome: DoneOutcome, ending: InstallerEnding): ListItem[] {
  const retry = { value: 'retry', label: 'Start the installer again (what it started is cleaned up)' };
  const exit = { value: 'exit', label: 'Exit the installer' };
  if (ending === 'live') {
    // The live system has nothing to exit to: a shell, from which the installer starts again when it ends.
    const shell = { value: 'shell', label: 'Open a shell (the installer starts again when it is left)' };
    const powerOff = { value: 'poweroff', label: 'Power off' };
    if (outcome.kind === 'failed') return [retry, shell, powerOff];
    return [{ value: 'reboot', label: 'Reboot into the installed system (the medium can be taken out now)' }, powerOff, shell];
  }
  if (outcome.kind === 'failed') return [retry, exit];
  return [...(ending === 'disk' ? [{ value: 'reboot', label: 'Reboot into the installed system' }, { value: 'shell', label: 'Open a shell' }] : []), exit];
}

/** The list items of a question step. */
export function stepItems(step: 'welcome' | 'keyboard' | 'timezone' | 'disk' | 'generations', model: InstallerModel): readonly ListItem[] {
  let byStep = itemCache.get(model);
  if (byStep === undefined) itemCache.set(model, (byStep = new Map<string, readonly ListItem[]>()));
  let items = byStep.get(step);
  if (items === undefined) {
    items = computeItems(step, model);
    byStep.set(step, items);
  }
  return items;
}

const itemCache = new WeakMap<InstallerModel, Map<string, readonly ListItem[]>>();

function computeItems(step: 'welcome' | 'keyboard' | 'timezone' | 'disk' | 'generations', model: InstallerModel): readonly ListItem[] {
  const plain = (values: readonly string[]) => values.map((value) => ({ value, label: value }));
  switch (step) {
    case 'welcome':
      return plain(model.locales);
    case 'keyboard':
      return plain(model.keyMaps);
    case 'timezone':
      return plain(model.timeZones);
    case 'disk':
      return model.disks.map((d) => ({ value: d.path, label: d.label, ...(d.refusal === undefined ? {} : { disabled: d.refusal }) }));
    case 'generations':
      return model.generations.map((g) => ({ value: String(g.number), label: `${g.title}${g.current ? '  [current]' : ''}`, ...(g.current ? { locked: true } : {}) }));
  }
}

/** How many rows of each list are shown (the screens fit 80x24). */
export const VISIBLE_ROWS = { welcome: 8, keyboard: 10, timezone: 10, disk: 6, generations: 12 } as const;

/** The most characters the summary's confirmation field holds (a file name). */
const CONFIRM_LIMIT = 255;

function foldKeys(state: InstallerState, keys: readonly Key[], context: InstallerContext): InstallerState {
  let current = state;
  const held: Key[] = [];
  for (const key of keys) {
    if (current.exit !== undefined) break;
    if (key.kind === 'ctrl' && key.letter === 'c') {
      held.length = 0;
      current = interrupt(current);
      continue;
    }
    if (current.work !== undefined && !(current.phase.kind === 'installing' && isProgressKey(key))) {
      held.push(key);
      continue;
    }
    current = applyKey(current, key, context);
  }
  return held.length === 0 ? current : { ...current, queue: [...current.queue, ...held] };
}

/** After work is done: the keys that waited for it, in order. */
function resume(state: InstallerState, context: InstallerContext): InstallerState {
  if (state.queue.length === 0) return state;
  return foldKeys({ ...state, queue: [] }, state.queue, context);
}

/** Keys the progress screen handles while the install runs (everything else waits for the done screen). */
function isProgressKey(key: Key): boolean {
  return key.kind === 'char' && key.text === 'l';
}

function interrupt(state: InstallerState): InstallerState {
  switch (state.phase.kind) {
    case 'asking':
      return { ...state, queue: [], exit: { action: 'cancel', installed: false } };
    case 'installing':
      // Keys typed ahead for the done screen no longer apply: the user changed their mind.
      return { ...state, queue: [], phase: { ...state.phase, stopping: true } };
    case 'finished':
      return { ...state, queue: [], exit: { action: 'exit', installed: state.phase.outcome.kind === 'installed' } };
  }
}

function applyKey(state: InstallerState, key: Key, context: InstallerContext): InstallerState {
  const phase = state.phase;
  if (phase.kind === 'installing') return { ...state, phase: { ...phase, showLog: !phase.showLog } };
  if (phase.kind === 'finished') {
    const items = doneItems(phase.outcome, context.model.ending);
    const outcome = listKey(items, phase.list, key);
    const action = outcome.chosen?.[0] as DoneAction | undefined;
    if (action === undefined) return { ...state, phase: { ...phase, list: outcome.state } };
    // A retry starts from the summary, with a fresh progress view when it installs again.
    if (action === 'retry') return enterStep({ ...state, wizard: { ...state.wizard, confirmed: false } }, context);
    return { ...state, exit: { action, installed: phase.outcome.kind === 'installed' } };
  }
  const screen = phase.screen;
  const answers = state.wizard.answers;
  const withScreen = (next: ScreenState): InstallerState => ({ ...state, phase: { kind: 'asking', screen: next } });
  switch (screen.step) {
    case 'welcome':
    case 'keyboard':
    case 'timezone':
    case 'disk': {
      if (key.kind === 'escape') return back(state, context);
      const outcome = listKey(stepItems(screen.step, context.model), screen.list, key, { filterable: screen.step !== 'disk' });
      const value = outcome.chosen?.[0];
      if (value === undefined) return withScreen({ ...screen, list: outcome.state });
      const patch = screen.step === 'welcome' ? { locale: value } : screen.step === 'keyboard' ? { keyMap: value } : screen.step === 'timezone' ? { timeZone: value } : { disk: value };
      return next(state, patch, context);
    }
    case 'hardware':
      if (key.kind === 'escape') return back(state, context);
      return key.kind === 'enter' ? next(state, {}, context) : state;
    case 'layout': {
      const outcome = layoutKey(screen.layout, key, { guidedPartitions: (choice) => context.guidedPartitions(answers, choice) });
      if (outcome.back) return back(state, context);
      if (outcome.next !== undefined) return next(state, { layout: outcome.next.layout, encryption: outcome.next.encryption }, context);
      const changed = outcome.state.choice !== screen.layout.choice;
      const updated = withScreen({ step: 'layout', layout: changed ? { ...outcome.state, preview: undefined } : outcome.state });
      return changed ? startPreview(updated) : updated;
    }
    case 'users': {
      const outcome = usersKey(screen.users, key, answers.users.slice(1));
      if (outcome.back) return back(state, context);
      if (outcome.done !== undefined) return next(state, outcome.done, context);
      const typed = withScreen({ step: 'users', users: outcome.state });
      if (outcome.hash === undefined) return typed;
      const id = state.lastWork + 1;
      const { hostName, userName } = screen.users;
      return { ...typed, lastWork: id, work: { id, kind: 'hash', password: outcome.hash, hostName, userName, others: answers.users.slice(1) } };
    }
    case 'generations': {
      if (key.kind === 'escape') return back(state, context);
      const outcome = listKey(stepItems('generations', context.model), screen.list, key, { multiple: true });
      if (outcome.chosen === undefined) return withScreen({ ...screen, list: outcome.state });
      const numbers = outcome.chosen.map(Number);
      const current = context.model.generations.find((g) => g.current);
      if (current !== undefined && !numbers.includes(current.number)) numbers.push(current.number);
      if (numbers.length === 0) return withScreen({ ...screen, list: outcome.state, error: 'choose at least one generation' });
      return next(state, { generations: numbers.sort((a, b) => b - a) }, context);
    }
    case 'summary': {
      if (key.kind === 'escape') return back(state, context);
      if (screen.space?.refusal !== undefined) {
        // Nothing can be confirmed: Enter goes back to the disk screen (when it is asked), every other key is ignored.
        if (key.kind !== 'enter') return state;
        return enterStep({ ...state, wizard: wizardReducer(state.wizard, { type: 'back-to', from: 'summary', to: 'disk' }) }, context);
      }
      const outcome = fieldKey(screen.field, key, CONFIRM_LIMIT);
      if (outcome.submitted === undefined) return withScreen({ ...screen, field: outcome.state });
      const typed = outcome.submitted.trim();
      const confirmName = context.confirmName(answers);
      if (typed !== confirmName) {
        const refused = typed === '' ? 'Nothing typed: nothing was written.' : `"${typed}" is not ${confirmName}: nothing was written.`;
        return withScreen({ ...screen, field: initialField(), refused });
      }
      const id = state.lastWork + 1;
      return {
        ...state,
        wizard: wizardReducer(state.wizard, { type: 'confirm' }),
        lastWork: id,
        work: { id, kind: 'install', answers },
        phase: { kind: 'installing', run: id, progress: initialProgress, showLog: false, stopping: false },
      };
    }
  }
}

function next(state: InstallerState, patch: Partial<DraftAnswers>, context: InstallerContext): InstallerState {
  const wizard = wizardReducer(state.wizard, { type: 'next', from: currentStep(state.wizard), patch });
  return enterStep({ ...state, wizard }, context);
}

function back(state: InstallerState, context: InstallerContext): InstallerState {
  if (state.wizard.index === 0) return state;
  return enterStep({ ...state, wizard: wizardReducer(state.wizard, { type: 'back', from: currentStep(state.wizard) }) }, context);
}

/** The current step's screen, fresh, starting from the answers so far (coming back keeps every answer). */
function enterStep(state: InstallerState, context: InstallerContext): InstallerState {
  const answers = state.wizard.answers;
  const step: Step = currentStep(state.wizard);
  const model = context.model;
  const asking = (screen: ScreenState): InstallerState => ({ ...state, phase: { kind: 'asking', screen } });
  switch (step) {
    case 'welcome':
      return asking({ step, list: initialListState(stepItems(step, model), VISIBLE_ROWS[step], answers.locale) });
    case 'keyboard':
      return asking({ step, list: initialListState(stepItems(step, model), VISIBLE_ROWS[step], answers.keyMap) });
    case 'timezone':
      return asking({ step, list: initialListState(stepItems(step, model), VISIBLE_ROWS[step], answers.timeZone) });
    case 'hardware':
      return asking({ step });
    case 'disk':
      return asking({ step, list: initialListState(stepItems(step, model), VISIBLE_ROWS[step], answers.disk) });
    case 'layout':
      return startPreview(asking({ step, layout: initialLayoutState(answers.layout, answers.encryption) }));
    case 'users':
      return asking({ step, users: initialUsersState(answers.hostName, answers.users) });
    case 'generations':
      return asking({ step, list: initialListState(stepItems(step, model), VISIBLE_ROWS[step], undefined, answers.generations.map(String)), error: undefined });
    case 'summary': {
      // What the chosen generations need on the chosen disk is measured first; keys wait for it.
      const id = state.lastWork + 1;
      return { ...asking({ step, field: initialField(), refused: undefined, space: undefined }), lastWork: id, work: { id, kind: 'space', answers } };
    }
  }
}

/** Asks for the plan of the layout screen's current choice; keys wait until it is there. */
function startPreview(state: InstallerState): InstallerState {
  if (state.phase.kind !== 'asking' || state.phase.screen.step !== 'layout') return state;
  const id = state.lastWork + 1;
  return { ...state, lastWork: id, work: { id, kind: 'preview', answers: state.wizard.answers, choice: state.phase.screen.layout.choice } };
}
