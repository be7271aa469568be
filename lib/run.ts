/**
 * The one door to external tools (STYLE.md 3): argv only, never a shell; a fixed environment; stdin closed
 * unless input is given; failures become a ProcessError naming the command, its exit code and stderr tail;
 * a missing program becomes "X not found: install package Y".
 */
import type { ChildProcess } from 'node:child_process';
import { childProcess } from './builtin.js';
import { ProcessError, errnoCode } from './errors.js';
import { ToolNotFoundError, findExecutable } from './tools.js';

export interface RunOptions {
  readonly cwd?: string;
  /** Bytes written to the tool's stdin; without it stdin is closed. */
  readonly input?: string | Uint8Array;
  /** Extra environment entries on top of the fixed base. */
  readonly env?: Readonly<Record<string, string>>;
  /** Kill the tool after this many milliseconds (reported as a ProcessError with signal SIGKILL). */
  readonly timeoutMs?: number;
  /** Exit codes that count as success (default [0]). */
  readonly okCodes?: readonly number[];
}

export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

/**
 * The environment every tool gets: the caller's PATH and HOME, C.UTF-8 messages (so output can be parsed),
 * UTC, and SOURCE_DATE_EPOCH when set (tools that honour it stay reproducible). Nothing else leaks in.
 */
export function toolEnvironment(extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    TZ: 'UTC',
  };
  if (process.env.HOME !== undefined) env.HOME = process.env.HOME;
  if (process.env.SOURCE_DATE_EPOCH !== undefined) env.SOURCE_DATE_EPOCH = process.env.SOURCE_DATE_EPOCH;
  if (process.env.TMPDIR !== undefined) env.TMPDIR = process.env.TMPDIR;
  return { ...env, ...extra };
}

function resolveTool(tool: string): string {
  const path = findExecutable(tool);
  if (path === undefined) throw new ToolNotFoundError(tool);
  return path;
}

/** Runs a tool to completion and returns its output; throws ProcessError on a failing exit code. */
export async function run(tool: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const result = await runBuffered(tool, args, options);
  return {
    stdout: result.stdout.toString('utf8'),
    stderr: result.stderr,
    exitCode: result.exitCode,
  };
}

/** Like run(), with stdout as raw bytes (for tools that print binary data). */
export async function runBinary(
  tool: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<{ readonly stdout: Buffer; readonly stderr: string; readonly exitCode: number }> {
  return runBuffered(tool, args, options);
}

async function runBuffered(
  tool: string,
  args: readonly string[],
  options: RunOptions,
): Promise<{ stdout: Buffer; stderr: string; exitCode: number }> {
  const path = resolveTool(tool);
  const argv = [tool, ...args];
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = childProcess().spawn(path, args, {
        cwd: options.cwd,
        env: toolEnvironment(options.env),
        stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      });
    } catch (error) {
      reject(errnoCode(error) === 'ENOENT' ? new ToolNotFoundError(tool) : error);
      return;
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => err.push(chunk));
    let timer: NodeJS.Timeout | undefined;
    if (options.timeoutMs !== undefined) {
      timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    }
    child.on('error', (error) => {
      if (timer) clearTimeout(timer);
      reject(errnoCode(error) === 'ENOENT' ? new ToolNotFoundError(tool) : error);
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      const stderr = Buffer.concat(err).toString('utf8');
      const ok = options.okCodes ?? [0];
      if (code === null || !ok.includes(code)) {
        reject(new ProcessError(argv, code, signal, stderr));
        return;
      }
      resolve({ stdout: Buffer.concat(out), stderr, exitCode: code });
    });
    if (options.input !== undefined) {
      child.stdin!.on('error', () => {
        /* the tool may exit before reading all input; its exit code tells */
      });
      child.stdin!.end(options.input);
    }
  });
}

/** A tool left running, with its streams, for interactive programs such as QEMU. */
export interface RunningTool {
  readonly process: ChildProcess;
  readonly argv: readonly string[];
  /** Resolves with the exit code (or null and the signal) once the tool has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts a tool with piped stdin/stdout/stderr and returns at once. The same lookup, environment and
 * not-found error as run(); the caller owns the process.
 */
export function startTool(tool: string, args: readonly string[], options: Pick<RunOptions, 'cwd' | 'env'> = {}): RunningTool {
  const path = resolveTool(tool);
  const child = childProcess().spawn(path, args, {
    cwd: options.cwd,
    env: toolEnvironment(options.env),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('error', () => resolve({ code: null, signal: null }));
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
  return { process: child, argv: [tool, ...args], exited };
}

/**
 * Runs a program attached to this terminal (stdin, stdout and stderr inherited), for a shell or a reboot
 * the user asked for. Same lookup and environment rules as run(); resolves with the exit code.
 */
export async function runAttached(tool: string, args: readonly string[], options: Pick<RunOptions, 'env'> = {}): Promise<number> {
  const path = resolveTool(tool);
  return new Promise((resolve, reject) => {
    const child = childProcess().spawn(path, args, { env: { ...toolEnvironment(options.env), TERM: process.env.TERM ?? 'linux' }, stdio: 'inherit' });
    child.on('error', (error) => reject(errnoCode(error) === 'ENOENT' ? new ToolNotFoundError(tool) : error));
    child.on('close', (code) => resolve(code ?? 1));
  });
}
