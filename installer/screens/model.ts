/**
 * What the installer's screens show (the model) and what they ask of the install engine. Everything comes
 * in through these two, so the same screens run against a live machine, a recorded one, or a test.
 */
import type { OnProgress } from '../../lib/progress.js';
import type { CustomPartition, DraftAnswers, LayoutChoice } from '../wizard.js';
import type { DiskChoice } from './disk/index.js';
import type { GenerationChoice } from './generations/index.js';
import type { HardwareSummary } from './hardware/index.js';
import type { LayoutPreview } from './layout/state.js';

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

export interface InstallerEngine {
  /** Plans a layout on the chosen disk (may read a layout file). */
  previewLayout(answers: DraftAnswers, choice: LayoutChoice): Promise<LayoutPreview>;
  /** The guided layout's partitions, as the starting point for editing (pure). */
  guidedPartitions(answers: DraftAnswers, choice: LayoutChoice): readonly CustomPartition[];
  /** The summary's rows, what will be erased, and the name to type to confirm (pure). */
  summarise(answers: DraftAnswers): { choices: readonly (readonly [string, string])[]; erased: readonly string[]; confirmName: string };
  /** The crypt(3) hash of a password (SHA-512 crypt in the app). */
  hashPassword(password: string): string | Promise<string>;
  /** Runs the install; resolves with lines for the done screen, rejects with an error carrying the log path. */
  install(answers: DraftAnswers, onProgress: OnProgress, signal: AbortSignal): Promise<{ readonly lines: readonly string[] }>;
}
