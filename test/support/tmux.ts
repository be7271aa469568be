/**
 * A real terminal for the installer's screens: a detached tmux session of a fixed size, read with
 * capture-pane and driven with send-keys, the way a person at an 80x24 console would.
 *
 * Each terminal has its own tmux server on its own socket, started in the foreground (`tmux -D`) as a child
 * of the test process: it stays in the test file's process group, so the test runner's kill of that group
 * (a file past its time limit) takes the server and every program in its panes with it. A daemonised server
 * would leave the group and outlive the test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { run, toolEnvironment } from '../../lib/run.js';

export class TmuxTerminal {
  private constructor(
    private readonly socket: string,
    private readonly server: ChildProcess,
    readonly session: string,
  ) {}

  /** Starts `command` (a shell command line) in a new detached session of `width` x `height`. */
  static async start(command: string, options: { width?: number; height?: number; env?: Record<string, string> } = {}): Promise<TmuxTerminal> {
    const directory = await mkdtemp(join(tmpdir(), 'cairn-tmux-'));
    const socket = join(directory, 'socket');
    const server = spawn('tmux', ['-S', socket, '-D', '-f', '/dev/null'], { stdio: 'ignore', env: toolEnvironment() });
    server.on('exit', () => void rm(directory, { recursive: true, force: true }));
    const deadline = Date.now() + 10_000;
    while (!(await stat(socket).then(() => true, () => false))) {
      if (Date.now() > deadline || server.exitCode !== null) throw new Error(`tmux did not start a server on ${socket}`);
      await sleep(20);
    }
    const session = 'cairn-test';
    const exports = Object.entries({ TERM: 'xterm-256color', ...options.env }).map(([k, v]) => `export ${k}=${shellQuote(v)};`).join(' ');
    const terminal = new TmuxTerminal(socket, server, session);
    await terminal.tmux('new-session', '-d', '-s', session, '-x', String(options.width ?? 80), '-y', String(options.height ?? 24), `${exports} ${command}; echo "[exited $?]"; sleep 3600`);
    await terminal.tmux('set-option', '-t', session, 'remain-on-exit', 'on');
    return terminal;
  }

  /** The pid of this terminal's tmux server (a child of the test process). */
  get serverPid(): number {
    return this.server.pid!;
  }

  /** The pid of the program running in the session's pane. */
  async panePid(): Promise<number> {
    return Number((await this.tmux('display-message', '-p', '-t', this.session, '#{pane_pid}')).stdout.trim());
  }

  /** The screen as text, one line per row. */
  async screen(): Promise<string> {
    return (await this.tmux('capture-pane', '-p', '-t', this.session)).stdout;
  }

  /** Waits until the screen matches, then a moment more for the program to be ready for keys. */
  async waitFor(pattern: RegExp, timeoutMs = 60_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const screen = await this.screen();
      if (pattern.test(screen)) {
        await sleep(150);
        return screen;
      }
      if (Date.now() > deadline) throw new Error(`the terminal never showed ${pattern}; it shows:\n${screen}`);
      await sleep(100);
    }
  }

  /** Sends tmux key names (Enter, Down, Escape, BSpace, C-u, ...), one at a time. */
  async keys(...keys: string[]): Promise<void> {
    for (const key of keys) {
      await this.tmux('send-keys', '-t', this.session, key);
      await sleep(80);
    }
  }

  /** Types literal text. */
  async type(text: string): Promise<void> {
    await this.tmux('send-keys', '-t', this.session, '-l', text);
    await sleep(100);
  }

  /**
   * Sends raw bytes (keys as a terminal sends them: "\r" for Enter, "\u001b[B" for Down) in one send-keys
   * call, so the program reads them as one burst, with no pause between keys.
   */
  async send(bytes: string): Promise<void> {
    await this.tmux('send-keys', '-t', this.session, '-l', bytes);
  }

  async stop(): Promise<void> {
    await this.tmux('kill-server').catch(() => {});
    if (this.server.exitCode === null && this.server.signalCode === null) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.server.kill('SIGKILL');
          resolve();
        }, 5000);
        this.server.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  private tmux(...args: string[]) {
    return run('tmux', ['-S', this.socket, ...args]);
  }
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", "'\\''")}'`;
}
