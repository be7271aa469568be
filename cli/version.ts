/**
 * Cairn's version. The build writes it in (scripts/build.mjs defines CAIRN_VERSION), so the published command
 * reads no package.json to answer; from source (through tsx) it is read from the package.json one folder up.
 */
import { createRequire } from 'node:module';

declare const CAIRN_VERSION: string | undefined;

export function packageVersion(): string {
  if (typeof CAIRN_VERSION === 'string') return CAIRN_VERSION;
  return (createRequire(import.meta.url)('../package.json') as { version: string }).version;
}
