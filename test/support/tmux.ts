/**
 * A real terminal for the installer's screens: a detached tmux session of a fixed size, read with
 * capture-pane and driven with send-keys, the way a person at an 80x24 console would.
 */
import { run } from '../../lib/run.js';

export class TmuxTerminal {
  private constructor(readonly session: string) {}

  /** Starts `command` (a shell command line) in a new detached session of `width` x `height`. */
  static async start(command: string, options: { width?: number; height?: number; env?: Record<string, string> } = {}): Promise<TmuxTerminal> {
    const session = `cairn-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    const exports = Object.entries({ TERM: 'xterm-256color', ...options.env }).map(([k, v]) => `export ${k}=${shellQuote(v)};`).join(' ');
    await run('tmux', ['new-session', '-d', '-s', session, '-x', String(options.width ?? 80), '-y', String(options.height ?? 24), `${exports} ${command}; echo "[exited $?]"; sleep 3600`]);
    await run('tmux', ['set-option', '-t', session, 'remain-on-exit', 'on']);
    return new TmuxTerminal(session);
  }

  /** The screen as text, one line per row. */
  async screen(): Promise<string> {
    return (await run('tmux', ['capture-pane', '-p', '-t', this.session])).stdout;
  }

  /** Waits until the screen matches, then a moment more for the program to be ready for keys. */
  async waitFor(pattern: RegExp, timeoutMs = 60_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const screen = await this.screen();
      if (pattern.test(screen)) {
        await new Promise((resolve) => setTimeout(resolve, 150));
        return screen;
      }
      if (Date.now() > deadline) throw new Error(`the terminal never showed ${pattern}; it shows:\n${screen}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Sends tmux key names (Enter, Down, Escape, BSpace, C-u, ...), one at a time. */
  async keys(...keys: string[]): Promise<void> {
    for (const key of keys) {
      await run('tmux', ['send-keys', '-t', this.session, key]);
      await new Promise((resolve) => setTimeout(resolve, 80));
    }
  }

  /** Types literal text. */
  async type(text: string): Promise<void> {
    await run('tmux', ['send-keys', '-t', this.session, '-l', text]);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  async stop(): Promise<void> {
    await run('tmux', ['kill-session', '-t', this.session], { okCodes: [0, 1] });
  }
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", "'\\''")}'`;
}
