/** Driving Ink screens in tests: named keys, typing, and waiting on frames instead of fixed sleeps. */
import type React from 'react';
import { render } from 'ink-testing-library';

export const INK_KEYS = {
  up: '\u001b[A',
  down: '\u001b[B',
  left: '\u001b[D',
  right: '\u001b[C',
  enter: '\r',
  escape: '\u001b',
  space: ' ',
  backspace: '\u007f',
  tab: '\t',
  'ctrl-c': '\u0003',
  'page-down': '\u001b[6~',
  end: '\u001b[F',
} as const;
export type InkKey = keyof typeof INK_KEYS;

export interface ScreenDriver {
  frame(): string;
  /** Presses keys one at a time, letting Ink render between them. */
  press(...keys: InkKey[]): Promise<void>;
  /** Types text, one character at a time. */
  type(text: string): Promise<void>;
  /**
   * Waits until the frame matches, then lets effects settle (a new view attaches its key handler in an
   * effect after it is drawn), and returns the frame; fails with the last frame after `timeoutMs`.
   */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Waits until a condition holds (a callback was called, a value arrived). */
  until(condition: () => boolean, what: string, timeoutMs?: number): Promise<void>;
  unmount(): void;
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 20));
/** Long enough for React to flush effects and Ink to draw after a state change. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 60));

/**
 * Renders a screen and waits until Ink listens to stdin (its input listener is attached by an effect after
 * the first render; keys written before that are dropped). After a key that switches views, wait for the
 * new view with waitFor() before pressing more: the new view's keys handler attaches when it has rendered.
 */
export async function renderScreen(element: React.ReactElement): Promise<ScreenDriver> {
  const instance = render(element);
  const stdin = instance.stdin as unknown as { listenerCount(event: string): number };
  const deadline = Date.now() + 3000;
  while (stdin.listenerCount('readable') === 0 && Date.now() < deadline) await tick();
  await tick();
  const frame = () => instance.lastFrame() ?? '';
  return {
    frame,
    async press(...keys) {
      for (const key of keys) {
        instance.stdin.write(INK_KEYS[key]);
        await tick();
      }
    },
    async type(text) {
      for (const character of text) {
        instance.stdin.write(character);
        await tick();
      }
    },
    async waitFor(pattern, timeoutMs = 3000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const current = frame();
        if (pattern.test(current)) {
          await settle();
          return frame();
        }
        if (Date.now() > deadline) throw new Error(`the screen never showed ${pattern}; last frame:\n${current}`);
        await tick();
      }
    },
    async until(condition, what, timeoutMs = 3000) {
      const deadline = Date.now() + timeoutMs;
      while (!condition()) {
        if (Date.now() > deadline) throw new Error(`${what} did not happen; last frame:\n${frame()}`);
        await tick();
      }
    },
    unmount: () => instance.unmount(),
  };
}
