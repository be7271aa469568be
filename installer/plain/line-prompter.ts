/**
 * Questions one line at a time, for screen readers and dumb terminals: no redraws, no cursor movement, every
 * prompt a fresh line. Reads lines from any stream, so it can be driven by a test or a pipe.
 */
import { createInterface, type Interface } from 'node:readline';
import { CancelledError } from '../../lib/errors.js';

/** What the user typed to go back one question. */
export const BACK = '<';

export class LinePrompter {
  private readonly lines: string[] = [];
  private readonly waiting: ((line: string | undefined) => void)[] = [];
  private closed = false;
  private readonly reader: Interface;

  constructor(
    private readonly input: NodeJS.ReadableStream,
    private readonly output: NodeJS.WritableStream,
  ) {
    this.reader = createInterface({ input, terminal: false });
    this.reader.on('line', (line) => {
      const waiter = this.waiting.shift();
      if (waiter) waiter(line);
      else this.lines.push(line);
    });
    this.reader.on('close', () => {
      this.closed = true;
      for (const waiter of this.waiting.splice(0)) waiter(undefined);
    });
  }

  say(text: string): void {
    this.output.write(`${text}\n`);
  }

  /**
   * Asks a question; an empty answer takes the default. End of input cancels the installer. Answers are
   * trimmed, except with `keepSpaces` (a password: its spaces are part of it).
   */
  async ask(question: string, defaultValue?: string, options: { keepSpaces?: boolean } = {}): Promise<string> {
    this.output.write(`${question}${defaultValue === undefined || defaultValue === '' ? '' : ` [${defaultValue}]`}: `);
    const line = await this.nextLine();
    if (line === undefined) {
      this.output.write('\n');
      throw new CancelledError('the input ended before the installer was finished; nothing was written');
    }
    const answer = options.keepSpaces ? line.replace(/\r$/, '') : line.trim();
    return answer === '' && defaultValue !== undefined ? defaultValue : answer;
  }

  /**
   * Asks for a secret, spaces included. On a terminal the echo is switched off (raw mode) while it is
   * typed; Backspace works, Ctrl-C cancels. From a pipe it is a plain line.
   */
  async askSecret(question: string): Promise<string> {
    const input = this.input as NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (on: boolean) => void };
    const raw = input.isTTY === true && typeof input.setRawMode === 'function';
    if (raw) input.setRawMode!(true);
    try {
      const typed = await this.ask(question, undefined, { keepSpaces: true });
      if (raw) this.output.write('\n');
      if (typed.includes('\u0003')) throw new CancelledError('cancelled with Ctrl-C; nothing was written');
      let value = '';
      for (const character of typed) value = character === '\u007f' || character === '\b' ? value.slice(0, -1) : value + character;
      return value;
    } finally {
      if (raw) input.setRawMode!(false);
    }
  }

  close(): void {
    this.reader.close();
  }

  private nextLine(): Promise<string | undefined> {
    const queued = this.lines.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}
