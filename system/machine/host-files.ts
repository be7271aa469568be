/**
 * What detection code reads files through: a FileTree plus a log of what could not be read. Detection never
 * throws for an unreadable entry; it notes the problem (with the path) and carries on with what it has.
 */
import { posix } from 'node:path';
import { errnoCode, messageOf } from '../../lib/errors.js';
import { compareCodePoints } from '../../lib/code-point-order.js';
import type { FileTree } from './file-tree.js';

/** Something detection could not read or understand, with where it looked. */
export interface HardwareProblem {
  /** The file, directory or recording entry concerned, e.g. `/sys/bus/pci/devices/0000:00:1f.2/class`. */
  readonly source: string;
  readonly message: string;
}

export class HostFiles {
  readonly #tree: FileTree;
  readonly #problems = new Map<string, HardwareProblem>();

  constructor(tree: FileTree) {
    this.#tree = tree;
  }

  /** Notes a problem; the same source and message are reported once. */
  note(source: string, message: string): void {
    this.#problems.set(`${source}\0${message}`, { source, message });
  }

  /** Every problem so far, sorted by source then message (so reports do not depend on read order). */
  problems(): HardwareProblem[] {
    return [...this.#problems.values()].sort((a, b) => compareCodePoints(a.source, b.source) || compareCodePoints(a.message, b.message));
  }

  /** A file's text, or undefined. A missing file is a problem only when `required`. */
  async text(path: string, options: { required?: boolean } = {}): Promise<string | undefined> {
    const bytes = await this.bytes(path, options);
    return bytes === undefined ? undefined : bytes.toString('utf8');
  }

  /** A one-line sysfs attribute without its newline and padding; empty values count as absent. */
  async attribute(path: string, options: { required?: boolean } = {}): Promise<string | undefined> {
    const text = (await this.text(path, options))?.trim();
    return text === undefined || text === '' ? undefined : text;
  }

  async bytes(path: string, options: { required?: boolean } = {}): Promise<Buffer | undefined> {
    let failed = false;
    const bytes = await this.#guard(path, () => this.#tree.readFile(path), () => (failed = true));
    // A read that failed has been noted already; only a file that is simply not there is "missing".
    if (bytes === undefined && options.required && !failed) this.note(path, 'missing: cannot read it');
    return bytes;
  }

  /** Target of a symlink as stored, or undefined. */
  link(path: string): Promise<string | undefined> {
    return this.#guard(path, () => this.#tree.readLink(path));
  }

  /** Last component of a symlink's target (a driver's name from `.../driver`), or undefined. */
  async linkName(path: string): Promise<string | undefined> {
    const target = await this.link(path);
    return target === undefined ? undefined : posix.basename(target);
  }

  realPath(path: string): Promise<string | undefined> {
    return this.#guard(path, () => this.#tree.realPath(path));
  }

  async exists(path: string): Promise<boolean> {
    return (await this.realPath(path)) !== undefined;
  }

  /** Entry names, sorted; an absent directory is empty. */
  async list(path: string): Promise<string[]> {
    return (await this.#guard(path, () => this.#tree.list(path))) ?? [];
  }

  async #guard<T>(path: string, work: () => Promise<T | undefined>, onFailure?: () => void): Promise<T | undefined> {
    try {
      return await work();
    } catch (error) {
      onFailure?.();
      const code = errnoCode(error);
      this.note(path, `cannot read it: ${code === undefined ? messageOf(error) : describeErrno(code, error)}`);
      return undefined;
    }
  }
}

function describeErrno(code: string, error: unknown): string {
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return `permission denied (${code}); run as root to read it`;
    case 'EIO':
      return 'input/output error (EIO)';
    default: {
      const message = messageOf(error).replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '');
      return `${message} (${code})`;
    }
  }
}
