/**
 * YAML text with comments, for the files Cairn writes for people to read: a header (starting with the
 * `yaml-language-server` schema line editors use), a comment above chosen keys, short lists of words on one
 * line. The same value always gives the same bytes.
 */
import { Document, isMap, isScalar, visit, type Scalar } from 'yaml';
import type { KeyPath } from '../../lib/yaml.js';

export interface KeyComment {
  /** The key the comment goes above. */
  readonly path: KeyPath;
  /** One or more lines, without the `#`. */
  readonly text: string;
  /** An empty line before the comment, to separate sections. */
  readonly blankLineBefore?: boolean;
}

/** The line that tells editors (yaml-language-server) which JSON Schema a file follows. */
function schemaLine(schemaReference: string): string {
  return `# yaml-language-server: $schema=${schemaReference}`;
}

export function renderCommentedYaml(value: object, options: { readonly schemaReference: string; readonly header: string; readonly comments: readonly KeyComment[] }): string {
  const doc = new Document(value);
  visit(doc, {
    Seq(_, node) {
      if (node.items.every((item) => isScalar(item))) node.flow = true;
    },
  });
  for (const comment of options.comments) {
    const key = keyNode(doc, comment.path);
    if (key === undefined) continue;
    key.commentBefore = comment.text
      .split('\n')
      .map((line) => (line === '' ? '' : ` ${line}`))
      .join('\n');
    if (comment.blankLineBefore) key.spaceBefore = true;
  }
  const header = options.header
    .split('\n')
    .map((line) => (line === '' ? '#' : `# ${line}`))
    .join('\n');
  return `${schemaLine(options.schemaReference)}\n#\n${header}\n\n${doc.toString({ lineWidth: 0, flowCollectionPadding: false })}`;
}

function keyNode(doc: Document, path: KeyPath): Scalar | undefined {
  const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true);
  if (!isMap(parent)) return undefined;
  const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === path[path.length - 1]);
  return pair !== undefined && isScalar(pair.key) ? pair.key : undefined;
}
