/** `cairn config validate|schema`: check any Cairn file, print the JSON Schema of a format. */
import { Command } from 'commander';
import { readUserFile } from '../../lib/user-file.js';
import { detectFileKind, fileKind, fileKinds, jsonSchemaOf } from '../../system/file-kinds.js';
import { printJson } from '../options.js';

export function configCommand(): Command {
  const command = new Command('config').description('check Cairn files and export their JSON Schemas');

  command
    .command('validate')
    .description('validate a Cairn file; every problem is reported with its key path and line')
    .argument('<file>', 'the file to check')
    .option('--kind <kind>', 'the kind of file, when its name and $schema line do not tell')
    .action(async (file: string, options: { kind?: string }) => {
      const text = await readUserFile(file);
      const kind = options.kind === undefined ? detectFileKind(file, text) : fileKind(options.kind);
      await kind.validate(text, file);
      process.stdout.write(`${file}: valid ${kind.title}\n`);
    });

  command
    .command('schema')
    .description('print the JSON Schema of a file kind (for editors: # yaml-language-server: $schema=...)')
    .argument('[kind]', 'the kind; without it, list the kinds')
    .action((kind: string | undefined) => {
      if (kind === undefined) {
        for (const k of fileKinds()) process.stdout.write(`${k.kind.padEnd(24)}${k.title}\n`);
        return;
      }
      printJson(jsonSchemaOf(fileKind(kind)));
    });

  return command;
}
