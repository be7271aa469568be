/** The layout screen's state (pure): which sub-view is open and the layout being edited. */
import { parseSize } from '../../../lib/size.js';
import type { CustomPartition, LayoutChoice } from '../../engine/contract.js';

export type LayoutView =
  | { readonly kind: 'menu' }
  | { readonly kind: 'filesystem' }
  | { readonly kind: 'swap' }
  | { readonly kind: 'file'; readonly error?: string }
  | { readonly kind: 'custom' }
  | { readonly kind: 'custom-size'; readonly index: number; readonly error?: string }
  | { readonly kind: 'custom-format'; readonly index: number };

export interface LayoutState {
  readonly view: LayoutView;
  readonly choice: LayoutChoice;
  /** The guided settings, kept while a file or custom layout is tried, so switching back restores them. */
  readonly guided: { readonly filesystem: 'ext4' | 'btrfs'; readonly swap: string };
}

export type LayoutAction =
  | { readonly type: 'open'; readonly view: LayoutView }
  | { readonly type: 'close' }
  | { readonly type: 'set-filesystem'; readonly filesystem: 'ext4' | 'btrfs' }
  | { readonly type: 'set-swap'; readonly swap: string }
  | { readonly type: 'set-file'; readonly path: string }
  | { readonly type: 'file-error'; readonly error: string }
  | { readonly type: 'start-custom'; readonly partitions: readonly CustomPartition[] }
  | { readonly type: 'set-size'; readonly index: number; readonly size: string }
  | { readonly type: 'set-format'; readonly index: number; readonly format: CustomPartition['format'] };

export function initialLayoutState(choice: LayoutChoice): LayoutState {
  return { view: { kind: 'menu' }, choice, guided: choice.kind === 'guided' ? { filesystem: choice.filesystem, swap: choice.swap } : { filesystem: 'ext4', swap: 'none' } };
}

export function layoutReducer(state: LayoutState, action: LayoutAction): LayoutState {
  switch (action.type) {
    case 'open':
      return { ...state, view: action.view };
    case 'close':
      return { ...state, view: parentView(state.view) };
    case 'set-filesystem': {
      const guided = { ...state.guided, filesystem: action.filesystem };
      return { ...state, guided, choice: { kind: 'guided', ...guided }, view: { kind: 'menu' } };
    }
    case 'set-swap': {
      const guided = { ...state.guided, swap: action.swap };
      return { ...state, guided, choice: { kind: 'guided', ...guided }, view: { kind: 'menu' } };
    }
    case 'set-file':
      return { ...state, choice: { kind: 'file', path: action.path }, view: { kind: 'menu' } };
    case 'file-error':
      return { ...state, view: { kind: 'file', error: action.error } };
    case 'start-custom':
      return { ...state, choice: { kind: 'custom', partitions: action.partitions }, view: { kind: 'custom' } };
    case 'set-size': {
      const parsed = parseSize(action.size);
      if ('error' in parsed) return { ...state, view: { kind: 'custom-size', index: action.index, error: parsed.error } };
      return { ...state, choice: updatePartition(state.choice, action.index, { size: action.size.trim() }), view: { kind: 'custom-format', index: action.index } };
    }
    case 'set-format':
      return { ...state, choice: updatePartition(state.choice, action.index, { format: action.format }), view: { kind: 'custom' } };
  }
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

function updatePartition(choice: LayoutChoice, index: number, patch: Partial<CustomPartition>): LayoutChoice {
  if (choice.kind !== 'custom') return choice;
  return { kind: 'custom', partitions: choice.partitions.map((p, i) => (i === index ? { ...p, ...patch } : p)) };
}

/** The filesystems a partition of a given type may carry. */
export function formatsFor(type: string): CustomPartition['format'][] {
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
