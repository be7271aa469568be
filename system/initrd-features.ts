/**
 * What a generation's stage 1 can do beyond finding and mounting a plain root, recorded in its boot.json under
 * the extension key `org.cairn.initrd.v1` (absent: nothing more). The installer reads it to refuse, before
 * anything is written, an encrypted root that a chosen generation could not open at boot.
 */
import type { BootDocument } from './bootspec.js';

export const INITRD_FEATURES_KEY = 'org.cairn.initrd.v1';

export interface InitrdFeatures {
  /** Stage 1 carries cryptsetup and the dm-crypt modules and opens the LUKS devices named by `cairn.luks=`. */
  readonly luks: boolean;
}

/** The extension value to write (undefined when there is nothing to record, so plain generations keep their bytes). */
export function encodeInitrdFeatures(features: InitrdFeatures): Record<string, unknown> | undefined {
  return features.luks ? { luks: true } : undefined;
}

/** The features recorded in a generation's boot.json; a missing or unreadable extension means none. */
export function initrdFeatures(document: BootDocument): InitrdFeatures {
  const value = document.extensions[INITRD_FEATURES_KEY];
  const luks = typeof value === 'object' && value !== null && (value as { luks?: unknown }).luks === true;
  return { luks };
}
