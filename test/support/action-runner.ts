/**
 * Runs a composite GitHub Action's steps the way the runner does, for tests: each `run:` written to a file and
 * run with `bash --noprofile --norc -eo pipefail FILE` in the workspace, its `env:` with `${{ inputs.X }}`
 * replaced by the inputs (or their defaults from action.yml), GITHUB_ACTION_PATH, GITHUB_OUTPUT, GITHUB_ENV,
 * GITHUB_PATH and RUNNER_TEMP set, what a step adds to GITHUB_ENV and GITHUB_PATH passed to the steps after it,
 * and the first failing step ending the run. The action's outputs are read back from its steps' outputs.
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { parse } from 'yaml';

interface ActionStep {
  readonly id?: string;
  readonly name?: string;
  readonly shell?: string;
  readonly run?: string;
  readonly env?: Record<string, string>;
  readonly if?: string;
}

interface ActionFile {
  readonly inputs?: Record<string, { readonly default?: string; readonly required?: boolean }>;
  readonly outputs?: Record<string, { readonly value: string }>;
  readonly runs: { readonly using: string; readonly steps: readonly ActionStep[] };
}

export interface StepRun {
  readonly name: string;
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ActionRun {
  /** The steps that ran, in order; the last one failed when `code` is not 0. */
  readonly steps: readonly StepRun[];
  readonly code: number;
  readonly outputs: Record<string, string>;
}

/** `name=value` lines and `name<<DELIMITER` blocks, as the runner reads GITHUB_OUTPUT and GITHUB_ENV. */
export function parseCommandFile(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc !== null) {
      const end = lines.indexOf(heredoc[2]!, i + 1);
      if (end < 0) throw new Error(`${heredoc[1]}: no closing ${heredoc[2]}`);
      values[heredoc[1]!] = lines.slice(i + 1, end).join('\n');
      i = end;
    } else if (line.includes('=')) {
      values[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return values;
}

/** `${{ inputs.X }}`, `${{ steps.ID.outputs.X }}` and `${{ github.action_path }}`; any other expression is an error. */
function expand(text: string, context: { inputs: Record<string, string>; steps: Record<string, Record<string, string>>; actionPath: string }): string {
  return text.replace(/\$\{\{\s*([^}]*?)\s*\}\}/g, (_, expression: string) => {
    const input = /^inputs\.([\w-]+)$/.exec(expression);
    if (input !== null) return context.inputs[input[1]!] ?? '';
    const output = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(expression);
    if (output !== null) return context.steps[output[1]!]?.[output[2]!] ?? '';
    if (expression === 'github.action_path') return context.actionPath;
    throw new Error(`the test runner does not evaluate \${{ ${expression} }}`);
  });
}

function runBash(file: string, cwd: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', file], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Runs the action at `actionPath` (its action.yml) in `workspace` with `inputs`; `temp` holds the runner's files. */
export async function runAction(actionPath: string, workspace: string, temp: string, inputs: Record<string, string>, env: Record<string, string> = {}): Promise<ActionRun> {
  const action = parse(await readFile(join(actionPath, 'action.yml'), 'utf8')) as ActionFile;
  if (action.runs.using !== 'composite') throw new Error(`runs.using is ${action.runs.using}, not composite`);
  const given: Record<string, string> = {};
  for (const [name, spec] of Object.entries(action.inputs ?? {})) {
    const value = inputs[name] ?? spec.default ?? '';
    if (spec.required === true && value === '' && inputs[name] === undefined) throw new Error(`input ${name} is required`);
    given[name] = value;
  }
  for (const name of Object.keys(inputs)) if (!(name in given)) throw new Error(`action.yml has no input ${name}`);
  await mkdir(temp, { recursive: true });
  const stepOutputs: Record<string, Record<string, string>> = {};
  const added: Record<string, string> = {};
  const paths: string[] = [];
  const steps: StepRun[] = [];
  for (const [index, step] of action.runs.steps.entries()) {
    if (step.run === undefined || step.shell !== 'bash' || step.if !== undefined) throw new Error(`step ${index + 1}: the test runner runs only run: steps with shell: bash and no if:`);
    const files = { script: join(temp, `step-${index}.sh`), output: join(temp, `output-${index}`), env: join(temp, `env-${index}`), path: join(temp, `path-${index}`) };
    await writeFile(files.script, step.run);
    for (const file of [files.output, files.env, files.path]) await writeFile(file, '');
    const context = { inputs: given, steps: stepOutputs, actionPath };
    const stepEnv = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, expand(String(v), context)]));
    const result = await runBash(files.script, workspace, {
      ...(process.env as Record<string, string>),
      ...env,
      ...added,
      PATH: [...paths, env.PATH ?? process.env.PATH ?? ''].join(delimiter),
      ...stepEnv,
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_WORKSPACE: workspace,
      GITHUB_ACTION_PATH: actionPath,
      GITHUB_OUTPUT: files.output,
      GITHUB_ENV: files.env,
      GITHUB_PATH: files.path,
      RUNNER_TEMP: temp,
    });
    steps.push({ name: step.name ?? `step ${index + 1}`, ...result });
    if (step.id !== undefined) stepOutputs[step.id] = parseCommandFile(await readFile(files.output, 'utf8'));
    Object.assign(added, parseCommandFile(await readFile(files.env, 'utf8')));
    paths.unshift(...(await readFile(files.path, 'utf8')).split('\n').filter((l) => l !== '').reverse());
    if (result.code !== 0) return { steps, code: result.code, outputs: {} };
  }
  const context = { inputs: given, steps: stepOutputs, actionPath };
  const outputs = Object.fromEntries(Object.entries(action.outputs ?? {}).map(([name, output]) => [name, expand(output.value, context)]));
  return { steps, code: 0, outputs };
}
