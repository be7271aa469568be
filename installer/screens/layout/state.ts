/**
 * The layout screen's state and keys (pure): which sub-view is open, the layout being edited, the list or
 * text field of the open view, and the plan of the current choice on the chosen disk (`preview`, undefined
 * while it is being made: the installer's reducer holds keys back until it arrives).
 */
import { parseSize } from '../../../lib/size.js';
import type { CustomPartition, EncryptionAnswer, LayoutChoice, LayoutPreview } from '../../engine/contract.js';
import { LUKS_FORMAT_LABEL } from '../../../system/answers.js';
import type { Key } from '../keys/split-keys.js';
import { initialListState, listKey, type ListItem, type ListState } from '../select-list/state.js';
import { fieldKey, initialField, type FieldState } from '../text-field/state.js';

export type LayoutView =
  | { readonly kind: 'menu' }
  | { readonly kind: 'filesystem' }
  | { readonly kind: 'swap' }
  | { readonly kind: 'file'; readonly error?: string }
  | { readonly kind: 'custom' }
  | { readonly kind: 'custom-size'; readonly index: number; readonly error?: string }
  | { readonly kind: 'custom-format'; readonly index: number }
  | { readonly kind: 'encrypt' }
  | { readonly kind: 'passphrase'; readonly error?: string }
  | { readonly kind: 'passphrase-confirm' };

export interface LayoutState {
  readonly view: LayoutView;
  readonly choice: LayoutChoice;
  /** The guided settings, kept while a file or custom layout is tried, so switching back restores them. */
  readonly guided: { readonly filesystem: 'ext4' | 'btrfs'; readonly swap: string };
  /** The open view's list (menu, filesystem, swap, custom, custom-format). */
  readonly list: ListState;
  /** The open view's text field (file, custom-size). */
  readonly field: FieldState;
  /** The plan of `choice` on the chosen disk; undefined while it is being made. */
  readonly preview: LayoutPreview | undefined;
  /** Why Enter on "Use this layout" did nothing. */
  readonly notice: string | undefined;
  /** Encrypt the root filesystem with this passphrase (confirmed: typed twice); undefined: not encrypted. */
  readonly encryption: EncryptionAnswer | undefined;
  /** The passphrase typed first, while it is being repeated. */
  readonly pendingPassphrase: string;
}

const SWAP_SIZES = ['none', '1G', '2G', '4G', '8G', '16G'];
const PATH_LIMIT = 4096;
const SIZE_LIMIT = 32;
const PASSPHRASE_LIMIT = 512;

export interface LayoutContext {
  /** The guided layout's partitions, as the starting point for editing. */
  readonly guidedPartitions: (choice: LayoutChoice) => readonly CustomPartition[];
}

export function initialLayoutState(choice: LayoutChoice, encryption?: EncryptionAnswer): LayoutState {
  const guided = choice.kind === 'guided' ? { filesystem: choice.filesystem, swap: choice.swap } : { filesystem: 'ext4' as const, swap: 'none' };
  const base = { choice, guided, preview: undefined, notice: undefined, encryption, pendingPassphrase: '' };
  return withView(base, { kind: 'menu' });
}

/** The items of the open view's list (empty for the text views). */
export function layoutItems(state: Pick<LayoutState, 'view' | 'choice' | 'guided' | 'preview' | 'encryption'>): ListItem[] {
  switch (state.view.kind) {
    case 'menu':
      return [
        { value: 'continue', label: state.preview?.error !== undefined ? 'Use this layout (fix the problem first)' : state.preview === undefined ? 'Use this layout (planning...)' : 'Use this layout' },
        { value: 'filesystem', label: `Guided: root filesystem (${state.guided.filesystem})` },
        { value: 'swap', label: `Guided: swap (${state.guided.swap})` },
        { value: 'file', label: 'Use a layout file...' },
        { value: 'custom', label: 'Edit partition sizes and filesystems...' },
        { value: 'encrypt', label: `Encrypt the root filesystem (${state.encryption === undefined ? 'no' : 'yes'})` },
      ];
    case 'encrypt':
      return [
        { value: 'no', label: 'no' },
        { value: 'yes', label: `yes: ${LUKS_FORMAT_LABEL}, a passphrase asked at every boot` },
      ];
    case 'filesystem':
      return [
        { value: 'ext4', label: 'ext4 (the safe default)' },
        { value: 'btrfs', label: 'btrfs (snapshots, compression)' },
      ];
    case 'swap':
      return SWAP_SIZES.map((s) => ({ value: s, label: s === 'none' ? 'no swap partition' : s }));
    case 'custom':
      return [
        ...partitionsOf(state.choice).map((p, i) => ({ value: String(i), label: `${p.name.padEnd(8)} ${p.type.padEnd(6)} ${p.size.padEnd(6)} ${p.format}` })),
        { value: 'done', label: 'Done editing' },
      ];
    case 'custom-format':
      return formatsFor(partitionsOf(state.choice)[state.view.index]?.type ?? '').map((f) => ({ value: f, label: f }));
    case 'file':
    case 'custom-size':
    case 'passphrase':
    case 'passphrase-confirm':
      return [];
  }
}

export interface LayoutOutcome {
  readonly state: LayoutState;
  /** The layout the user chose ("Use this layout" with a plan that has no error), and its encryption. */
  readonly next?: { readonly layout: LayoutChoice; readonly encryption: EncryptionAnswer | undefined };
  /** Esc on the menu: back a step. */
  readonly back?: true;
}

/** Folds one key into the layout screen. */
export function layoutKey(state: LayoutState, key: Key, context: LayoutContext): LayoutOutcome {
  const view = state.view;
  if (key.kind === 'escape') return view.kind === 'menu' ? { state, back: true } : { state: withView({ ...state, pendingPassphrase: '' }, parentView(view)) };
  if (view.kind === 'passphrase' || view.kind === 'passphrase-confirm') return { state: passphraseKey(state, view, key) };
  if (view.kind === 'file' || view.kind === 'custom-size') {
    const outcome = fieldKey(state.field, key, view.kind === 'file' ? PATH_LIMIT : SIZE_LIMIT);
    const typed = { ...state, field: outcome.state };
    if (outcome.submitted === undefined) return { state: typed };
    const value = outcome.submitted.trim();
    if (view.kind === 'file') {
      if (value === '') return { state: { ...typed, view: { kind: 'file', error: 'give a path' } } };
      return { state: withView({ ...typed, choice: { kind: 'file', path: value } }, { kind: 'menu' }) };
    }
    const parsed = parseSize(value);
    if ('error' in parsed) return { state: { ...typed, view: { ...view, error: parsed.error } } };
    return { state: withView({ ...typed, choice: updatePartition(state.choice, view.index, { size: value }) }, { kind: 'custom-format', index: view.index }) };
  }
  const items = layoutItems(state);
  const outcome = listKey(items, state.list, key);
  const moved = { ...state, list: outcome.state, notice: undefined };
  const value = outcome.chosen?.[0];
  if (value === undefined) return { state: moved };
  switch (view.kind) {
    case 'menu':
      if (value === 'continue') {
        if (state.preview !== undefined && state.preview.error === undefined) return { state: moved, next: { layout: state.choice, encryption: state.encryption } };
        return { state: { ...moved, notice: 'this layout cannot be used: fix the problem shown above first' } };
      }
      if (value === 'custom') {
        const partitions = state.choice.kind === 'custom' ? state.choice.partitions : context.guidedPartitions({ kind: 'guided', ...state.guided });
        return { state: withView({ ...moved, choice: { kind: 'custom', partitions } }, { kind: 'custom' }) };
      }
      return { state: withView(moved, { kind: value as 'filesystem' | 'swap' | 'file' | 'encrypt' }) };
    case 'encrypt':
      // yes: the passphrase, typed twice; no: not encrypted (a passphrase given before is dropped).
      return { state: withView(value === 'yes' ? moved : { ...moved, encryption: undefined }, value === 'yes' ? { kind: 'passphrase' } : { kind: 'menu' }) };
    case 'filesystem': {
      const guided = { ...state.guided, filesystem: value as 'ext4' | 'btrfs' };
      return { state: withView({ ...moved, guided, choice: { kind: 'guided', ...guided } }, { kind: 'menu' }) };
    }
    case 'swap': {
      const guided = { ...state.guided, swap: value };
      return { state: withView({ ...moved, guided, choice: { kind: 'guided', ...guided } }, { kind: 'menu' }) };
    }
    case 'custom':
      return { state: withView(moved, value === 'done' ? { kind: 'menu' } : { kind: 'custom-size', index: Number(value) }) };
    case 'custom-format':
      return { state: withView({ ...moved, choice: updatePartition(state.choice, view.index, { format: value as CustomPartition['format'] }) }, { kind: 'custom' }) };
  }
}

/** Opens a view: its list starts on the current value, its text field holds the current value. */
function withView(state: Omit<LayoutState, 'view' | 'list' | 'field'> & Partial<Pick<LayoutState, 'view' | 'list' | 'field'>>, view: LayoutView): LayoutState {
  const partitions = partitionsOf(state.choice);
  const focus = (() => {
    switch (view.kind) {
      case 'filesystem':
        return state.guided.filesystem;
      case 'swap':
        return state.guided.swap;
      case 'custom-format':
        return partitions[view.index]?.format;
      case 'custom':
        return state.view?.kind === 'custom-size' || state.view?.kind === 'custom-format' ? String(state.view.index) : undefined;
      case 'encrypt':
        return state.encryption === undefined ? 'no' : 'yes';
      default:
        return undefined;
    }
  })();
  const items = layoutItems({ ...state, view });
  const field = view.kind === 'file' ? initialField(state.choice.kind === 'file' ? state.choice.path : '') : view.kind === 'custom-size' ? initialField(partitions[view.index]?.size ?? '') : initialField();
  return { ...state, view, list: initialListState(items, 10, focus), field, notice: undefined };
}

/**
 * The passphrase views: typed (masked), then typed again; an empty one and two that differ are refused on
 * the screen, and only a confirmed one leaves them (as the layout's encryption).
 */
function passphraseKey(state: LayoutState, view: Extract<LayoutView, { kind: 'passphrase' | 'passphrase-confirm' }>, key: Key): LayoutState {
  const outcome = fieldKey(state.field, key, PASSPHRASE_LIMIT);
  const typed = { ...state, field: outcome.state };
  if (outcome.submitted === undefined) return typed;
  // Spaces are part of a passphrase: never trimmed.
  const value = outcome.submitted;
  if (view.kind === 'passphrase') {
    if (value === '') return { ...typed, view: { kind: 'passphrase', error: 'the passphrase is empty: type one (it is asked at every boot)' }, field: initialField() };
    return { ...withView(typed, { kind: 'passphrase-confirm' }), pendingPassphrase: value };
  }
  if (value !== state.pendingPassphrase) {
    return { ...withView(typed, { kind: 'passphrase', error: 'the two passphrases differ; type it again' }), pendingPassphrase: '' };
  }
  return withView({ ...typed, encryption: { passphrase: value }, pendingPassphrase: '' }, { kind: 'menu' });
}

function parentView(view: LayoutView): LayoutView {
  switch (view.kind) {
    case 'custom-size':
    case 'custom-format':
      return { kind: 'custom' };
    default:
      return { kind: 'menu' };
  }
}

function partitionsOf(choice: LayoutChoice): readonly CustomPartition[] {
  return choice.kind === 'custom' ? choice.partitions : [];
}

function updatePartition(choice: LayoutChoice, index: number, patch: Partial<CustomPartition>): LayoutChoice {
  if (choice.kind !== 'custom') return choice;
  return { kind: 'custom', partitions: choice.partitions.map((p, i) => (i === index ? { ...p, ...patch } : p)) };
}

/** The filesystems a partition of a given type may carry. */
function formatsFor(type: string): CustomPartition['format'][] {
  switch (type) {
    case 'esp':
      return ['vfat'];
    case 'swap':
      return ['swap'];
    case 'root':
      // The installer fills the root without mounting it: mke2fs -d or mkfs.btrfs --rootdir.
      return ['ext4', 'btrfs'];
    case 'bios-boot':
      return ['none'];
    default:
      return ['ext4', 'btrfs', 'xfs', 'vfat', 'none'];
  }
}

export function describeChoice(choice: LayoutChoice): string {
  switch (choice.kind) {
    case 'guided':
      return `guided: ESP, ${choice.swap === 'none' ? 'no swap' : `${choice.swap} swap`}, ${choice.filesystem} root filling the disk`;
    case 'file':
      return `layout file ${choice.path}`;
    case 'custom':
      return `edited: ${choice.partitions.map((p) => `${p.name} ${p.size} ${p.format}`).join(', ')}`;
    case 'inline':
      return `from the answers file: ${choice.layout.partitions.map((p) => p.name).join(', ')}`;
  }
}
