/**
 * What the benchmarks share: whole processes timed under GNU time (wall seconds and peak RSS), medians, the
 * machine a figure was measured on, and reproducible incompressible bytes for generated trees.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';

export interface Measurement {
  readonly seconds: number;
  readonly peakKiB: number;
}

/** Runs a command under GNU time (`stdout`: a file its output goes to); returns wall seconds and peak RSS. */
export function measure(argv: readonly string[], options: { env?: Record<string, string>; stdout?: string; cwd?: string } = {}): Measurement {
  if (!existsSync('/usr/bin/time')) throw new Error('GNU time not found at /usr/bin/time: install the package time (scripts/setup does)');
  const command = options.stdout === undefined ? argv : ['sh', '-c', `exec "$@" > "${options.stdout}"`, 'sh', ...argv];
  const result = spawnSync('/usr/bin/time', ['-f', '%e %M', ...command], {
    env: { ...process.env, ...options.env },
    encoding: 'utf8',
    stdio: ['ignore', options.stdout === undefined ? 'ignore' : 'pipe', 'pipe'],
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  });
  if (result.status !== 0) throw new Error(`${argv.join(' ')} failed:\n${result.stderr}`);
  const [seconds, peak] = result.stderr.trim().split('\n').pop()!.split(' ').map(Number);
  return { seconds: seconds!, peakKiB: peak! };
}

/**
 * Wall seconds of a short process, to the microsecond (GNU time rounds to 10 ms, too coarse for start-up):
 * spawn to exit, the same overhead for every command compared.
 */
export function wallSeconds(argv: readonly string[], options: { env?: Record<string, string>; cwd?: string } = {}): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(argv[0]!, argv.slice(1), {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'ignore', 'pipe'],
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`${argv.join(' ')} failed:\n${result.stderr.toString()}`);
  return seconds;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** `2 cores (Intel Xeon ...), 24 GB, load 3.1 2.9 3.0, Node v20.20.2`: where and when a figure was measured. */
export function describeMachine(): string {
  const model = cpus()[0]?.model.replace(/\s+/g, ' ').trim() ?? 'unknown CPU';
  const kernel = existsSync('/proc/sys/kernel/osrelease') ? readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim() : 'unknown kernel';
  return `${cpus().length} cores (${model}), ${(totalmem() / 1024 ** 3).toFixed(0)} GiB, Linux ${kernel}, Node ${process.version}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`;
}

/** Fills a buffer with reproducible, incompressible bytes (xorshift32). */
export function fill(buffer: Buffer, seed: number): Buffer {
  const words = new Uint32Array(buffer.buffer, buffer.byteOffset, Math.floor(buffer.length / 4));
  let x = seed >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  for (let i = words.length * 4; i < buffer.length; i++) buffer[i] = i & 0xff;
  return buffer;
}
