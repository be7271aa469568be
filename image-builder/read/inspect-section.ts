/**
 * The shape of a section of `cairn iso inspect`'s report (inspect.ts lists them): its own module, so the
 * sections and the list of them do not import each other.
 */
import type { ImageAccess, IsoImage } from './iso-reader.js';

/** What a section reads from: the decoded image and its bytes. */
export interface InspectContext {
  readonly image: IsoImage;
  readonly access: ImageAccess;
}

/** One part of the inspect report. `inspect` returns undefined when the image has nothing of the kind. */
export interface InspectSection<T = unknown> {
  /** Key in the JSON report's `sections`. */
  readonly id: string;
  readonly title: string;
  inspect(context: InspectContext): Promise<T | undefined>;
  render(value: T): string[];
}
