/**
 * Driving Ink screens in tests: named keys, typing, bursts of keys in one write, and waiting on frames
 * instead of fixed sleeps. Whatever React (or anything else) prints on stderr (console.error, console.warn)
 * while a screen is up is recorded, and unmount() fails the test with it: a warning such as "two children with the same
 * key" is a defect of the screen, and on a real terminal it paints over the installer.
 */
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
  'ctrl-u': '\u0015',
  'page-down': '\u001b[6~',
  end: '\u001b[F',
} as const;
export type InkKey = keyof typeof INK_KEYS;

export interface ScreenDriver {
  frame(): string;
  /** Presses keys one at a time, letting Ink render between them. */
  press(...keys: InkKey[]): Promise<void>;
  /** Types text, one character per write. */
  type(text: string): Promise<void>;
  /** Writes bytes to stdin in ONE write, as a fast typist, a paste or a serial line delivers them. */
  write(bytes: string): Promise<void>;
  /** Waits until the frame matches, then returns it; fails with the last frame after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Waits until a condition holds (a callback was called, a value arrived). */
  until(condition: () => boolean, what: string, timeoutMs?: number): Promise<void>;
  /** What was printed on the console or stderr so far (warnings, errors). */
  printed(): readonly string[];
  /** Unmounts; throws if anything was printed on the console or stderr while the screen was up. */
  unmount(): void;
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

/**
 * Records what is written to stderr (console.error and console.warn end there, React's warnings too) until
 * `stop`. The text still goes through: a test run hides nothing.
 */
function capturePrinting(): { printed: string[]; stop(): void } {
  const printed: string[] = [];
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called with the stream as `this`, and put back as it was
  const write = process.stderr.write;
  process.stderr.write = function (this: NodeJS.WriteStream, chunk: string | Uint8Array, ...rest: unknown[]) {
    printed.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  };
  return {
    printed,
    stop() {
      process.stderr.write = write;
    },
  };
}

/**
 * Renders a screen and waits until it reads stdin (the installer's key input attaches its listener in an
 * effect after the first render; bytes written before that would be lost by the test, not by the app).
 */
export async function renderScreen(element: React.ReactElement): Promise<ScreenDriver> {
  const capture = capturePrinting();
  const instance = render(element);
  const stdin = instance.stdin as unknown as { listenerCount(event: string): number };
  const deadline = Date.now() + 3000;
  while (stdin.listenerCount('data') === 0 && Date.now() < deadline) await tick();
  const frame = () => instance.lastFrame() ?? '';
  let mounted = true;
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
    async write(bytes) {
      instance.stdin.write(bytes);
      await tick();
    },
    async waitFor(pattern, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const current = frame();
        if (pattern.test(current)) return current;
        if (Date.now() > deadline) throw new Error(`the screen never showed ${pattern}; last frame:\n${current}`);
        await tick();
      }
    },
    async until(condition, what, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (!condition()) {
        if (Date.now() > deadline) throw new Error(`${what} did not happen; last frame:\n${frame()}`);
        await tick();
      }
    },
    printed: () => [...capture.printed, ...instance.stderr.frames],
    unmount() {
      if (!mounted) return;
      mounted = false;
      instance.unmount();
      capture.stop();
      const printed = [...capture.printed, ...instance.stderr.frames].filter((text) => text.trim() !== '');
      if (printed.length > 0) throw new Error(`the screen printed ${printed.length} message(s) on the console or stderr:\n${printed.join('\n')}`);
    },
  };
}
