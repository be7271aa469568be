/**
 * Loading YAML files so that every later error can name the file, the line and the key path. Reading is the
 * only I/O here; validation (lib/schema.ts) is pure and uses `locate` to add line numbers.
 */
import { isMap, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { ValidationError, type Problem } from './errors.js';
import { readUserFile } from './user-file.js';

export type KeyPath = readonly (string | number)[];

export interface LoadedYaml {
  /** The file as the user named it, for messages. */
  readonly file: string;
  readonly data: unknown;
  /** 1-based line of the value at a key path (or of its nearest existing parent). */
  locate(path: KeyPath): number | undefined;
}

export async function loadYamlFile(file: string): Promise<LoadedYaml> {
  return parseYaml(await readUserFile(file), file);
}

/** Parses YAML text; syntax errors are reported all at once with their lines. */
export function parseYaml(text: string, file: string): LoadedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true });
  if (doc.errors.length > 0) {
    const problems: Problem[] = doc.errors.map((e) => ({
      file,
      path: '',
      line: e.linePos?.[0]?.line ?? lineCounter.linePos(e.pos[0]).line,
      message: `YAML syntax: ${firstLine(e.message)}`,
    }));
    throw new ValidationError(problems, { hint: 'fix the YAML syntax at the line shown' });
  }
  const data: unknown = doc.toJS({ maxAliasCount: 100 });
  return {
    file,
    data: data === undefined || data === null ? {} : data,
    locate: (path) => locateInDocument(doc, path, lineCounter),
  };
}

function locateInDocument(doc: Document, path: KeyPath, lines: LineCounter): number | undefined {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = doc.getIn(path.slice(0, depth), true) as Node | undefined;
    if (node && typeof node === 'object' && 'range' in node && node.range) {
      if (depth < path.length && (isMap(node) || isSeq(node))) {
        const key = path[depth];
        const pair = isMap(node) ? node.items.find((p) => (p.key as { value?: unknown } | null)?.value === key) : undefined;
        const keyNode = pair?.key as Node | undefined;
        if (keyNode?.range) return lines.linePos(keyNode.range[0]).line;
      }
      return lines.linePos(node.range[0]).line;
    }
  }
  return undefined;
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.trim();
}
