/** Running the `cairn` command as a real process, the way users and CI run it. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../../scripts/repo-root.js';

export { repoRoot };

/** tsx's loader by absolute URL, so that the CLI also runs from a working directory outside the repository. */
const tsxLoader = import.meta.resolve('tsx');

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `cairn ...args` (from source, through tsx) with stdin closed, NO_COLOR set and CI-style output;
 * `prefix`: a command that runs it (e.g. `unshare ... sh -c '...; exec "$@"' sh`).
 */
export function cairn(args: readonly string[], options: { cwd?: string; env?: Record<string, string>; input?: string; prefix?: readonly string[] } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const command = [...(options.prefix ?? []), process.execPath, '--import', tsxLoader, join(repoRoot, 'cli', 'main.ts'), ...args];
    const child = spawn(command[0]!, command.slice(1), {
      cwd: options.cwd ?? repoRoot,
      env: { ...process.env, NO_COLOR: '1', CI: 'true', ...options.env },
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c) => (stdout += c));
    child.stderr!.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    if (options.input !== undefined) child.stdin!.end(options.input);
  });
}

/** Like cairn(), but fails with the output when the exit code is not 0. */
export async function cairnOk(args: readonly string[], options: Parameters<typeof cairn>[1] = {}): Promise<CliResult> {
  const result = await cairn(args, options);
  if (result.code !== 0) {
    throw new Error(`cairn ${args.join(' ')} exited ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
  return result;
}
