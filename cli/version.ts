/** Cairn's version, from its package.json: one folder up from cli/ (source), two from dist/cli/ (the build). */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export function packageVersion(): string {
  for (const candidate of ['../package.json', '../../package.json']) {
    try {
      const manifest = require(candidate) as { name?: string; version: string };
      if (manifest.name === 'cairn') return manifest.version;
    } catch {
      // not at this level
    }
  }
  return 'unknown';
}
