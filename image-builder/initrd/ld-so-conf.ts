/**
 * The library directories of /etc/ld.so.conf, in the order ldconfig reads them: one directory per line
 * (an old `=TYPE` suffix dropped), `#` comments, `include GLOB...` (relative globs against
 * the including file's folder, matches sorted, as glob(3) returns them), `hwcap` lines ignored.
 */
import { readFile, readdir } from 'node:fs/promises';
import { posix } from 'node:path';
import { errnoCode } from '../../lib/errors.js';

export type LdSoConfLine = { readonly kind: 'directory'; readonly path: string } | { readonly kind: 'include'; readonly pattern: string };

/** The directives of one ld.so.conf file, in order. Pure. */
export function parseLdSoConf(text: string): LdSoConfLine[] {
  const lines: LdSoConfLine[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') continue;
    const words = line.split(/\s+/);
    if (words[0] === 'include') {
      for (const pattern of words.slice(1)) lines.push({ kind: 'include', pattern });
      continue;
    }
    if (words[0] === 'hwcap') continue;
    const path = line.replace(/=.*$/, '').trim();
    if (path !== '') lines.push({ kind: 'directory', path });
  }
  return lines;
}

/** Every directory the configuration names, included files expanded, each directory once (first place wins). */
export async function readLdSoConf(file = '/etc/ld.so.conf'): Promise<string[]> {
  const directories: string[] = [];
  const seen = new Set<string>();
  const visiting = new Set<string>();
  const visit = async (path: string): Promise<void> => {
    if (visiting.has(path)) return;
    visiting.add(path);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      // ldconfig skips an include that names nothing readable; a missing top-level file means no configured dirs.
      if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'EACCES' || errnoCode(error) === 'EISDIR') return;
      throw error;
    }
    for (const line of parseLdSoConf(text)) {
      if (line.kind === 'directory') {
        const dir = posix.normalize(line.path).replace(/(.)\/$/, '$1');
        if (!seen.has(dir)) {
          seen.add(dir);
          directories.push(dir);
        }
        continue;
      }
      const pattern = posix.isAbsolute(line.pattern) ? line.pattern : posix.join(posix.dirname(path), line.pattern);
      for (const match of await expandGlob(pattern)) await visit(match);
    }
  };
  await visit(file);
  return directories;
}

/** Paths matching a pattern with `*`, `?` and `[...]` in any component, sorted. */
async function expandGlob(pattern: string): Promise<string[]> {
  const components = pattern.split('/').filter((c) => c !== '');
  let paths = [pattern.startsWith('/') ? '/' : '.'];
  for (const component of components) {
    if (!/[*?[]/.test(component)) {
      paths = paths.map((p) => posix.join(p, component));
      continue;
    }
    const matcher = globComponent(component);
    const next: string[] = [];
    for (const dir of paths) {
      let names: string[];
      try {
        names = await readdir(dir);
      } catch {
        continue;
      }
      for (const name of names.sort()) if (matcher.test(name) && (!name.startsWith('.') || component.startsWith('.'))) next.push(posix.join(dir, name));
    }
    paths = next;
  }
  return paths.sort();
}

function globComponent(component: string): RegExp {
  let source = '';
  for (let i = 0; i < component.length; i++) {
    const c = component[i]!;
    if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else if (c === '[') {
      const close = component.indexOf(']', i + 2);
      if (close === -1) source += '\\[';
      else {
        const body = component.slice(i + 1, close).replace(/^!/, '^').replace(/\\/g, '\\\\');
        source += `[${body}]`;
        i = close;
      }
    } else source += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}
