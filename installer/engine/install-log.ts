/**
 * The install log: every progress event with the time it happened, appended to a file as the install goes,
 * so that a failure leaves the whole story on disk (in /tmp, and on the target once it is written).
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { OnProgress, ProgressEvent } from '../../lib/progress.js';
import { formatSize } from '../../lib/size.js';

export interface InstallLog {
  readonly path: string;
  /** Records an event and passes it on. */
  readonly onProgress: OnProgress;
  line(text: string): void;
}

export function openInstallLog(path: string, forward: OnProgress): InstallLog {
  mkdirSync(dirname(path), { recursive: true });
  const line = (text: string) => appendFileSync(path, `${new Date().toISOString()} ${text}\n`);
  const onProgress = (event: ProgressEvent) => {
    const text = describeEvent(event);
    if (text !== undefined) line(text);
    forward(event);
  };
  return { path, onProgress, line };
}

function describeEvent(event: ProgressEvent): string | undefined {
  switch (event.kind) {
    case 'phase':
      return `phase ${event.phase}: ${event.title}`;
    case 'progress':
      // Only the end of a phase's count: the log stays readable.
      return event.done >= event.total ? `  ${event.phase}: ${event.unit === 'bytes' ? formatSize(event.done) : `${event.done} ${event.unit}`} done` : undefined;
    case 'warning':
      return `warning: ${event.message}`;
    case 'log':
      return `  ${event.message}`;
  }
}
