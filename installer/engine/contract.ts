/**
 * What the install engine and its front ends (the screens, the plain line-by-line mode) share: the answers the
 * front ends gather, what they show (InstallerModel), and what they ask of the engine (InstallerEngine). The
 * engine owns these types; the front ends import them from here, never the other way.
 */
import type { OnProgress } from '../../lib/progress.js';
import type { Layout } from '../../system/layout.js';
import type { SpaceCheck } from './space-check.js';

export type { SpaceCheck } from './space-check.js';

/** Screens the user can be asked; `interactive:` in an answers file names a subset of them. */
export const QUESTION_SECTIONS = ['welcome', 'keyboard', 'timezone', 'disk', 'layout', 'users', 'generations'] as const;
export type QuestionSection = (typeof QUESTION_SECTIONS)[number];

export type LayoutChoice =
  | { readonly kind: 'guided'; readonly filesystem: 'ext4' | 'btrfs'; readonly swap: string }
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'custom'; readonly partitions: readonly CustomPartition[] }
  /** A layout given inline in the answers file. */
  | { readonly kind: 'inline'; readonly layout: Layout };

/** A partition of the guided layout with the size and filesystem the user may change. */
export interface CustomPartition {
  readonly name: string;
  readonly type: string;
  readonly size: string;
  readonly format: 'vfat' | 'ext4' | 'btrfs' | 'xfs' | 'swap' | 'none';
}

export interface UserAnswer {
  readonly name: string;
  readonly passwordHash: string;
}

/** What the screens gather: everything an install needs except what only an answers file sets. */
export interface DraftAnswers {
  readonly locale: string;
  readonly keyMap: string;
  readonly timeZone: string;
  readonly hostName: string;
  /** The chosen disk's path (a block device or an image file). */
  readonly disk: string | undefined;
  readonly layout: LayoutChoice;
  readonly users: readonly UserAnswer[];
  readonly generations: readonly number[];
  /** Encrypt the root filesystem with this passphrase (held in memory only; never in a plan, file or log). */
  readonly encryption?: EncryptionAnswer;
}

export interface EncryptionAnswer {
  readonly passphrase: string;
}

/** A disk the install may be written to, as the disk screen lists it. */
export interface DiskChoice {
  /** The path the install writes to: /dev/... or an image file. */
  readonly path: string;
  /** One line: name, model, size, e.g. "vda  QEMU HARDDISK  20G". */
  readonly label: string;
  /** The by-id name and serial, for telling similar disks apart. */
  readonly identity: string;
  /** What is on the disk now, one line per partition ("vda1  vfat  ESP  512M"), or "empty". */
  readonly contents: readonly string[];
  /** Why this disk cannot be used, if it cannot. */
  readonly refusal?: string;
}

/** A generation of the source profile, as the generations screen lists it. */
export interface GenerationChoice {
  readonly number: number;
  /** `Generation 3 - 2026-11-20 - Cairn 1.2 (Linux 6.1.0)` */
  readonly title: string;
  readonly current: boolean;
}

/** What detection found, as the hardware screen shows it. */
export interface HardwareSummary {
  /** Label/value rows: CPU, memory, firmware, virtualisation, graphics, disks (a disk's partitions have an empty label). */
  readonly rows: readonly (readonly [string, string])[];
  /** What detection could not read; shown, never fatal. */
  readonly warnings: readonly string[];
}

/** The planned partitions of a layout on the chosen disk, or why it cannot be planned. */
export interface LayoutPreview {
  readonly rows: readonly string[];
  readonly error?: string;
}

/** What the front ends show. */
export type InstallerEnding = 'live' | 'disk' | 'image';

export interface InstallerModel {
  /** Where the generations come from, e.g. "the live medium" or a directory. */
  readonly source: string;
  readonly locales: readonly string[];
  readonly keyMaps: readonly string[];
  readonly timeZones: readonly string[];
  readonly hardware: HardwareSummary;
  readonly disks: readonly DiskChoice[];
  readonly generations: readonly GenerationChoice[];
  /**
   * What the done screen offers: the live medium's installer reboots into the result, powers off or opens a
   * shell (and after a failure retries, opens a shell or powers off, never reboots); on another machine a
   * disk can be rebooted into; an image file only ends the installer.
   */
  readonly ending: InstallerEnding;
}

/** What the front ends ask of the install engine. */
export interface InstallerEngine {
  /** Plans a layout on the chosen disk (may read a layout file). */
  previewLayout(answers: DraftAnswers, choice: LayoutChoice): Promise<LayoutPreview>;
  /** The guided layout's partitions, as the starting point for editing (pure). */
  guidedPartitions(answers: DraftAnswers, choice: LayoutChoice): readonly CustomPartition[];
  /** The summary's rows, what will be erased, and the name to type to confirm (pure). */
  summarise(answers: DraftAnswers): { choices: readonly (readonly [string, string])[]; erased: readonly string[]; confirmName: string };
  /**
   * Whether the chosen disk holds the chosen generations and the layout's other partitions, before anything
   * is written: the sizes, and a refusal when it does not (reads the store's records of the closure).
   */
  checkSpace(answers: DraftAnswers): Promise<SpaceCheck>;
  /** The crypt(3) hash of a password (SHA-512 crypt in the app). */
  hashPassword(password: string): string | Promise<string>;
  /** Runs the install; resolves with lines for the done screen, rejects with an error carrying the log path. */
  install(answers: DraftAnswers, onProgress: OnProgress, signal: AbortSignal): Promise<{ readonly lines: readonly string[] }>;
}
