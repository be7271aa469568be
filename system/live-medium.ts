/**
 * Where the live installer finds its answers on the medium it booted from: the image spec's
 * `installer.answers` is put on the ISO at MEDIUM_ANSWERS_PATH, and a kernel parameter
 * (`cairn.answers=/path/on/the/medium`) may name another file there, as Ubuntu's
 * `subiquity.autoinstallpath` does. Pure: the kernel command line is data.
 */
import { posix } from 'node:path';

/** Where the live system mounts the medium it booted from (stage 1 mounts it, read-only). */
export const LIVE_MEDIUM_MOUNT = '/run/cairn/medium';
/** The answers file an ISO carries (`installer.answers` in image.yaml), as a path on the medium. */
export const MEDIUM_ANSWERS_PATH = '/cairn/answers.yaml';
/** The kernel parameter naming another answers file on the medium. */
export const ANSWERS_PARAM = 'cairn.answers';

/** The answers the kernel command line names: the parameter's path (the last one wins), or the default; an error for a path that leaves the medium. */
export function answersPathOnMedium(cmdline: string): { readonly path: string; readonly fromParameter: boolean } | { readonly error: string } {
  let named: string | undefined;
  for (const word of cmdline.trim().split(/\s+/)) {
    if (word.startsWith(`${ANSWERS_PARAM}=`)) named = word.slice(ANSWERS_PARAM.length + 1);
  }
  if (named === undefined) return { path: MEDIUM_ANSWERS_PATH, fromParameter: false };
  if (!named.startsWith('/') || posix.normalize(named) !== named || named.split('/').includes('..')) {
    return { error: `${ANSWERS_PARAM}=${named}: expected an absolute path on the medium such as ${MEDIUM_ANSWERS_PATH}` };
  }
  return { path: named, fromParameter: true };
}
