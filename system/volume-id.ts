/** ISO 9660 volume ids (ECMA-119 8.4.6): 1 to 32 d-characters. Checked in the image spec and by the writer. */

export const VOLUME_ID_PATTERN = /^[A-Z0-9_]+$/;
export const MAX_VOLUME_ID_LENGTH = 32;

/** What is wrong with a volume id, or undefined when it is fine. */
export function volumeIdProblem(volumeId: string): string | undefined {
  if (volumeId.length === 0) return 'is empty';
  if (volumeId.length > MAX_VOLUME_ID_LENGTH) return `is ${volumeId.length} characters long (at most ${MAX_VOLUME_ID_LENGTH})`;
  if (!VOLUME_ID_PATTERN.test(volumeId)) return 'may hold only A-Z, 0-9 and _';
  return undefined;
}
