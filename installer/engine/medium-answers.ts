/**
 * The live installer's answers: the file the kernel command line names on the medium (`cairn.answers=`),
 * else the one the ISO carries (`installer.answers` in image.yaml), else none (the installer asks).
 */
import { readFile, readlink, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError, errnoCode } from '../../lib/errors.js';
import { ANSWERS_PARAM, LIVE_MEDIUM_MOUNT, answersPathOnMedium } from '../../system/live-medium.js';

export interface MediumAnswersOptions {
  /** Where the medium is mounted (default LIVE_MEDIUM_MOUNT). */
  readonly medium?: string;
  /** The kernel command line (default: /proc/cmdline). */
  readonly cmdline?: string;
}

/** The answers file on the medium (a host path), or undefined when the medium carries none and none is named. */
export async function findMediumAnswers(options: MediumAnswersOptions = {}): Promise<string | undefined> {
  const medium = options.medium ?? LIVE_MEDIUM_MOUNT;
  const cmdline = options.cmdline ?? (await readFile('/proc/cmdline', 'utf8'));
  const named = answersPathOnMedium(cmdline);
  if ('error' in named) throw new UserError(`the kernel command line's ${named.error}`, { hint: 'boot again with the parameter fixed (e in the boot menu edits it), or without it' });
  const file = join(medium, named.path);
  const info = await stat(file).catch((error: unknown) => {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw new UserError(`${file}: cannot read the answers on the medium: ${(error as Error).message}`);
  });
  if (info?.isFile() === true) return file;
  if (named.fromParameter) {
    throw new UserError(`${ANSWERS_PARAM}=${named.path} names no file on the medium (mounted at ${medium})`, { hint: 'boot again with the path of an answers file the ISO carries (image.yaml: files), or without the parameter' });
  }
  return undefined;
}

/**
 * The console an unattended install runs on when the live installer runs on several: the one the kernel
 * names last (`/dev/console`, the last of /sys/class/tty/console/active; tty0 is the first virtual
 * terminal). Pure.
 */
export function primaryConsole(active: string): string | undefined {
  const last = active.trim().split(/\s+/).filter((name) => name !== '').at(-1);
  return last === 'tty0' ? 'tty1' : last;
}

/** Whether this process's terminal is the primary console (true when either cannot be told, as off a live system). */
export async function onPrimaryConsole(): Promise<{ readonly primary: boolean; readonly console: string | undefined }> {
  const active = await readFile('/sys/class/tty/console/active', 'utf8').catch(() => '');
  const console = primaryConsole(active);
  const here = await readlink('/proc/self/fd/0').catch(() => undefined);
  return { primary: console === undefined || here === undefined || !here.startsWith('/dev/tty') || here === `/dev/${console}`, console };
}
