/** The progress screen's state (pure): the install's phases as they start and finish, and the log. */
import type { ProgressEvent, ProgressUnit } from '../../../lib/progress.js';

export interface PhaseProgress {
  readonly phase: string;
  readonly title: string;
  readonly status: 'running' | 'done';
  readonly done: number;
  readonly total: number;
  readonly unit: ProgressUnit | undefined;
}

export interface ProgressState {
  readonly phases: readonly PhaseProgress[];
  /** Every message, warnings included, newest last (the log view shows the tail). */
  readonly log: readonly string[];
  readonly warnings: number;
}

export const initialProgress: ProgressState = { phases: [], log: [], warnings: 0 };

const LOG_LIMIT = 2000;

export function progressReducer(state: ProgressState, event: ProgressEvent): ProgressState {
  switch (event.kind) {
    case 'phase': {
      const finished = state.phases.map((p) => (p.status === 'running' ? { ...p, status: 'done' as const } : p));
      return {
        ...state,
        phases: [...finished, { phase: event.phase, title: event.title, status: 'running', done: 0, total: event.total ?? 0, unit: event.unit }],
        log: appendLog(state.log, `==> ${event.title}`),
      };
    }
    case 'progress':
      return { ...state, phases: state.phases.map((p) => (p.phase === event.phase ? { ...p, done: event.done, total: event.total, unit: event.unit } : p)) };
    case 'warning':
      return { ...state, warnings: state.warnings + 1, log: appendLog(state.log, `warning: ${event.message}`) };
    case 'log':
      return { ...state, log: appendLog(state.log, event.message) };
  }
}

function appendLog(log: readonly string[], line: string): readonly string[] {
  const next = [...log, line];
  return next.length > LOG_LIMIT ? next.slice(next.length - LOG_LIMIT) : next;
}
