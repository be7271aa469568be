/**
 * Writes schemas/<kind>.schema.json for every Cairn file kind (the JSON Schemas editors use through
 * `# yaml-language-server: $schema=...`). A test checks that the committed files are current.
 *
 *   npm run schemas
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fileKinds, jsonSchemaOf } from '../system/file-kinds.js';

export const schemaDirectory = join(dirname(fileURLToPath(import.meta.url)), '..', 'schemas');

export function renderSchemas(): Map<string, string> {
  return new Map(fileKinds().map((kind) => [`${kind.kind}.schema.json`, `${JSON.stringify(jsonSchemaOf(kind), null, 2)}\n`]));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await mkdir(schemaDirectory, { recursive: true });
  for (const [name, text] of renderSchemas()) {
    await writeFile(join(schemaDirectory, name), text);
    process.stdout.write(`schemas/${name}\n`);
  }
}
