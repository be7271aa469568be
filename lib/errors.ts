/**
 * Cairn's error classes. Core code throws these; only the CLI turns them into messages and exit codes
 * (cli/exit.ts). Keep the set small: a user can fix a UserError, a ProcessError names the external command
 * that failed, anything else is a bug in Cairn.
 */

/** Something the user can fix: bad input, a missing file, a refused disk. Printed without a stack. */
export class UserError extends Error {
  override readonly name: string = 'UserError';
  /** One sentence on how to fix it, printed after the message. */
  readonly hint: string | undefined;
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.hint = options.hint;
  }
}

/** A problem found while validating a file: where it is and what is wrong. */
export interface Problem {
  /** The file the problem is in, as the user named it. */
  readonly file: string;
  /** Key path inside the file, e.g. `boot.uefi` or `partitions[2].size`; empty for the whole file. */
  readonly path: string;
  /** 1-based line of the offending value, when known. */
  readonly line?: number | undefined;
  readonly message: string;
}

export function formatProblem(problem: Problem): string {
  const where = problem.line === undefined ? problem.file : `${problem.file}:${problem.line}`;
  return problem.path === '' ? `${where}: ${problem.message}` : `${where}: ${problem.path}: ${problem.message}`;
}

/** Every problem of a file at once (STYLE.md 5). */
export class ValidationError extends UserError {
  override readonly name: string = 'ValidationError';
  readonly problems: readonly Problem[];
  constructor(problems: readonly Problem[], options: { hint?: string } = {}) {
    const head = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(`${head}:\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`, options);
    this.problems = problems;
  }
}

/**
 * A domain rule was broken: a disk too small, an ESP without room. Carries a stable `code` and, where it
 * helps, the expected and the actual value so that callers and tests need not parse the message.
 */
export class DomainError extends UserError {
  override readonly name: string = 'DomainError';
  readonly code: string;
  readonly expected: unknown;
  readonly actual: unknown;
  constructor(
    code: string,
    message: string,
    options: { hint?: string; expected?: unknown; actual?: unknown; cause?: unknown } = {},
  ) {
    super(message, options);
    this.code = code;
    this.expected = options.expected;
    this.actual = options.actual;
  }
}

/** The command line itself is wrong (unknown flag, missing argument): exit code 2. */
export class UsageError extends UserError {
  override readonly name: string = 'UsageError';
}

/** An external tool ran and failed. */
export class ProcessError extends Error {
  override readonly name: string = 'ProcessError';
  readonly command: readonly string[];
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly stderrTail: string;
  constructor(command: readonly string[], exitCode: number | null, signal: string | null, stderr: string) {
    const tail = tailLines(stderr, 12);
    const how = signal === null ? `exit code ${exitCode}` : `signal ${signal}`;
    super(`${formatCommand(command)} failed with ${how}${tail === '' ? '' : `:\n${indent(tail)}`}`);
    this.command = command;
    this.exitCode = exitCode;
    this.signal = signal;
    this.stderrTail = tail;
  }
}

/** Raised when a stop was requested (Ctrl-C) and the work stopped at a safe point. */
export class CancelledError extends UserError {
  override readonly name: string = 'CancelledError';
}

function formatCommand(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w./:=@%+,-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`)).join(' ');
}

function tailLines(text: string, count: number): string {
  const lines = text.trimEnd().split('\n');
  return lines.slice(-count).join('\n');
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}

/** A message for any thrown value, for the places that must not throw again. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Node's system error code (ENOENT, EACCES, ...) if the value is one. */
export function errnoCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
    return error.code;
  }
  return undefined;
}
