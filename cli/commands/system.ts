/** `cairn system build`: a system spec made into the next generation of a profile. */
import { Command } from 'commander';
import { sourceDateEpoch } from '../../lib/source-date.js';
import { buildSystem } from '../../image-builder/system/build-system.js';
import { addGeneration, readProfile } from '../../system/profile.js';
import { loadSystemDefinition } from '../../system/system-spec.js';
import { addRootOptions, printJson, rootOf } from '../options.js';
import { createProgressRenderer } from '../progress-renderer.js';

export function systemCommand(): Command {
  const command = new Command('system').description('build bootable systems (kernel, stage 1 initramfs, userland, stage 2) as generations');

  addRootOptions(
    command
      .command('build')
      .description('build the system a spec declares and add it to the profile as the next generation (prints its number)')
      .argument('<spec>', 'the system spec (system.yaml)')
      .option('--json', 'print the new generation as JSON'),
    { store: true },
  ).action(async (specFile: string, options: { root: string; profile: string; store: string; json?: boolean }) => {
    const root = rootOf(options);
    const definition = await loadSystemDefinition(specFile);
    const profile = await readProfile(root, options.profile);
    const date = sourceDateEpoch();
    const renderer = createProgressRenderer();
    let built;
    try {
      built = await buildSystem(definition, { location: { root, store: options.store }, profile: options.profile, onProgress: renderer.onProgress });
    } finally {
      renderer.finish();
    }
    const number = await addGeneration(root, profile, built.toplevel, date ?? new Date());
    if (options.json) {
      printJson({ number, toplevel: built.toplevel, kernel: built.kernel, initrd: built.initrd ?? null, init: built.document.bootspec.init, release: built.release, label: built.document.bootspec.label, entries: built.entries, files: definition.files });
    } else process.stdout.write(`${number}\n`);
  });

  return command;
}
