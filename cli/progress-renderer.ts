/**
 * Renders progress events: a redrawn bar on an interactive terminal, plain lines otherwise (one when a
 * phase starts, one when it completes), so CI logs stay short and readable.
 */
import type { OnProgress, ProgressEvent, ProgressUnit } from '../lib/progress.js';
import { formatSize } from '../lib/size.js';
import { isInteractive, style } from './terminal.js';

export interface ProgressRendererOptions {
  readonly stream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly verbose?: boolean;
  /** Draw a bar; defaults to whether the stream is an interactive terminal. */
  readonly bar?: boolean;
}

export interface ProgressRenderer {
  readonly onProgress: OnProgress;
  /** Ends the current bar line. */
  finish(): void;
}

export function createProgressRenderer(options: ProgressRendererOptions = {}): ProgressRenderer {
  const stream = options.stream ?? process.stderr;
  const bar = options.bar ?? isInteractive(stream);
  let titles = new Map<string, string>();
  let barOpen = false;
  let lastCompleted = '';

  const endBar = () => {
    if (barOpen) stream.write('\n');
    barOpen = false;
  };

  const onProgress = (event: ProgressEvent) => {
    switch (event.kind) {
      case 'phase':
        endBar();
        titles.set(event.phase, event.title);
        stream.write(`${style.bold('==>')} ${event.title}\n`);
        break;
      case 'progress': {
        const title = titles.get(event.phase) ?? event.phase;
        if (bar) {
          const width = Math.max(10, Math.min(40, (stream.columns ?? 80) - 40));
          const fraction = event.total === 0 ? 1 : Math.min(1, event.done / event.total);
          const filled = Math.round(fraction * width);
          const line = `    [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}%  ${amount(event.done, event.unit)} / ${amount(event.total, event.unit)}`;
          stream.write(`\r${line}\u001b[K`);
          barOpen = true;
          if (event.done >= event.total) endBar();
        } else if (event.done >= event.total && lastCompleted !== event.phase) {
          lastCompleted = event.phase;
          stream.write(`    ${title}: ${amount(event.done, event.unit)} done\n`);
        }
        break;
      }
      case 'warning':
        endBar();
        stream.write(`${style.warning('warning:')} ${event.message}\n`);
        break;
      case 'log':
        if (options.verbose) {
          endBar();
          stream.write(`${style.dim(event.message)}\n`);
        }
        break;
    }
  };
  return {
    onProgress,
    finish: () => {
      endBar();
      titles = new Map();
    },
  };
}

function amount(value: number, unit: ProgressUnit): string {
  switch (unit) {
    case 'bytes':
      return formatSize(value);
    case 'files':
      return `${value} file${value === 1 ? '' : 's'}`;
    case 'items':
      return String(value);
  }
}
