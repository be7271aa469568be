/**
 * A program whose standard input and output are plain pipes (as a serial line seen as a file, or a test),
 * its output read by a terminal emulator (xterm.js, headless) of a fixed size, so the test sees the screen a
 * person would see on that line: cursor movements and erasures applied, not the raw bytes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import xterm from '@xterm/headless';

export class PipeTerminal {
  private readonly terminal: InstanceType<typeof xterm.Terminal>;
  private pending: Promise<void> = Promise.resolve();
  private stderr = '';
  readonly exited: Promise<number | null>;

  private constructor(
    private readonly child: ChildProcess,
    width: number,
    height: number,
  ) {
    this.terminal = new xterm.Terminal({ cols: width, rows: height, allowProposedApi: true });
    child.stdout!.on('data', (chunk: Buffer) => {
      // xterm.js wants line feeds to return the carriage too, as a terminal's output processing (onlcr) does.
      const text = chunk.toString('utf8').replace(/\r?\n/g, '\r\n');
      this.pending = this.pending.then(() => new Promise<void>((resolve) => this.terminal.write(text, resolve)));
    });
    child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString('utf8')));
    this.exited = new Promise((resolve) => child.on('close', (code) => resolve(code)));
  }

  /** Starts `argv` with piped stdin/stdout/stderr. */
  static start(argv: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; width?: number; height?: number } = {}): PipeTerminal {
    const child = spawn(argv[0]!, argv.slice(1), { cwd: options.cwd, env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
    return new PipeTerminal(child, options.width ?? 80, options.height ?? 24);
  }

  /** Writes bytes to the program's standard input in one write. */
  write(bytes: string): void {
    this.child.stdin!.write(bytes);
  }

  /** Closes the program's standard input. */
  endInput(): void {
    this.child.stdin!.end();
  }

  /** What the program wrote to stderr (not part of the screen). */
  errors(): string {
    return this.stderr;
  }

  /** The visible screen, one line per row, trailing spaces removed. */
  async screen(): Promise<string> {
    await this.pending;
    const buffer = this.terminal.buffer.active;
    const lines: string[] = [];
    for (let row = 0; row < this.terminal.rows; row++) lines.push(buffer.getLine(buffer.viewportY + row)?.translateToString(true) ?? '');
    return lines.join('\n');
  }

  async waitFor(pattern: RegExp, timeoutMs = 60_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const screen = await this.screen();
      if (pattern.test(screen)) return screen;
      if (Date.now() > deadline) throw new Error(`the screen never showed ${pattern}; it shows:\n${screen}\nstderr:\n${this.stderr}`);
      await sleep(100);
    }
  }

  stop(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}
