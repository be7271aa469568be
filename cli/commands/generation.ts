/** `cairn generation add|list|rollback|delete`: the generations of a profile. */
import { Command } from 'commander';
import { posix, resolve } from 'node:path';
import { UserError } from '../../lib/errors.js';
import { formatSize } from '../../lib/size.js';
import { sourceDateEpoch } from '../../lib/source-date.js';
import { assertCollectable, collectGarbage, findGarbage } from '../../system/garbage.js';
import { addGeneration, assertReadable, deleteGenerations, generationsBeyond, readProfile, rollback, type Profile } from '../../system/profile.js';
import { buildToplevel } from '../../system/toplevel.js';
import { hostPath } from '../../system/root-path.js';
import { addRootOptions, collect, formatDate, formatTable, parseCount, parsePositive, printJson, rootOf } from '../options.js';
import { style } from '../terminal.js';

export function generationCommand(): Command {
  const command = new Command('generation').description('register, list, roll back and delete the generations of a profile');

  addRootOptions(
    command
      .command('add')
      .description('add a generation made of a kernel, an initrd and parameters; it becomes the current one')
      .requiredOption('--kernel <file>', 'kernel image (copied into the store)')
      .option('--initrd <file>', 'initrd image (copied into the store)')
      .option('--init <path>', 'init the kernel starts (default: <toplevel>/init, linked to /sbin/init)')
      .option('--param <param>', 'kernel parameter (repeatable)', collect, [])
      .option('--label <text>', 'label shown in boot menus (default: Cairn (Linux <release>))')
      .option('--json', 'print the new generation as JSON'),
    { store: true },
  ).action(async (options: { root: string; profile: string; store: string; kernel: string; initrd?: string; init?: string; param: string[]; label?: string; json?: boolean }) => {
    const root = rootOf(options);
    if (options.init !== undefined && !options.init.startsWith('/')) {
      throw new UserError(`--init must be an absolute path (got "${options.init}")`);
    }
    const profile = await readProfile(root, options.profile);
    const built = await buildToplevel(
      { root, store: options.store },
      {
        kernel: resolve(options.kernel),
        ...(options.initrd === undefined ? {} : { initrd: resolve(options.initrd) }),
        ...(options.init === undefined ? {} : { init: options.init }),
        kernelParams: options.param,
        ...(options.label === undefined ? {} : { label: options.label }),
      },
    );
    const number = await addGeneration(root, profile, built.toplevel, sourceDateEpoch() ?? new Date());
    if (options.json) printJson({ number, toplevel: built.toplevel, kernel: built.kernel, initrd: built.initrd ?? null });
    else process.stdout.write(`${number}\n`);
  });

  addRootOptions(
    command
      .command('list')
      .description('list the generations: number, date, label, kernel; the current one is marked')
      .option('--json', 'print as JSON'),
  ).action(async (options: { root: string; profile: string; json?: boolean }) => {
    const profile = await readProfile(rootOf(options), options.profile);
    if (options.json) printJson(profileToJson(profile));
    else {
      const rows = [...profile.generations].reverse().map((g) => [
        g.number === profile.current ? '*' : '',
        String(g.number),
        formatDate(g.date),
        g.document.bootspec.label,
        g.document.bootspec.kernel,
      ]);
      if (rows.length === 0 && profile.problems.length === 0) process.stdout.write(`no generations in ${hostPath(profile.root, profile.profile)}\n`);
      else process.stdout.write(formatTable(['', 'GEN', 'DATE (UTC)', 'LABEL', 'KERNEL'], rows));
    }
    // Readable generations are listed; the broken ones are reported and make the command fail.
    assertReadable(profile);
  });

  addRootOptions(
    command
      .command('rollback')
      .description('make the generation before the current one current')
      .option('--json', 'print the switch as JSON'),
  ).action(async (options: { root: string; profile: string; json?: boolean }) => {
    const root = rootOf(options);
    const [from, to] = await rollback(root, await readProfile(root, options.profile));
    if (options.json) printJson({ from, to });
    else process.stdout.write(`switched from generation ${from} to ${to}\n`);
  });

  addRootOptions(
    command
      .command('delete')
      .description('delete generations (never the current one); report, or with --gc remove, store garbage')
      .argument('[numbers...]', 'generation numbers to delete', (value: string, previous: number[] = []) => [...previous, parseCount(value)])
      .option('--keep <n>', 'delete all but the N newest generations (the current one always stays)', parsePositive)
      .option('--gc', 'also remove store entries no remaining generation uses')
      .option('--json', 'print what was deleted as JSON'),
    { store: true },
  ).action(async (numbers: number[], options: { root: string; profile: string; store: string; keep?: number; gc?: boolean; json?: boolean }) => {
    const root = rootOf(options);
    const profile = await readProfile(root, options.profile);
    if (numbers.length > 0 && options.keep !== undefined) throw new UserError('give generation numbers or --keep, not both');
    const doomed = options.keep !== undefined ? generationsBeyond(profile, options.keep) : numbers;
    const location = { root, store: options.store };
    if (options.gc) assertCollectable(location);
    await deleteGenerations(root, profile, doomed);
    const garbage = await findGarbage(location, await readProfile(root, options.profile));
    if (options.gc) await collectGarbage(location, garbage.entries);
    if (options.json) {
      printJson({ deleted: doomed, garbage: garbage.entries, garbageBytes: garbage.bytes, removed: options.gc === true });
      return;
    }
    process.stdout.write(doomed.length === 0 ? 'no generations deleted\n' : `deleted generation${doomed.length === 1 ? '' : 's'} ${doomed.join(', ')}\n`);
    if (garbage.entries.length === 0) process.stdout.write('no store garbage\n');
    else if (options.gc) process.stdout.write(`removed ${garbage.entries.length} store entries (${formatSize(garbage.bytes)})\n`);
    else {
      process.stdout.write(`store garbage: ${garbage.entries.length} entries (${formatSize(garbage.bytes)}); run again with --gc to remove them\n`);
      for (const entry of garbage.entries) process.stdout.write(`  ${style.dim(posix.basename(entry))}\n`);
    }
  });

  return command;
}

function profileToJson(profile: Profile): object {
  return {
    profile: profile.profile,
    current: profile.current ?? null,
    generations: [...profile.generations].reverse().map((g) => ({
      number: g.number,
      current: g.number === profile.current,
      date: g.date.toISOString(),
      label: g.document.bootspec.label,
      kernel: g.document.bootspec.kernel,
      initrd: g.document.bootspec.initrd ?? null,
      init: g.document.bootspec.init,
      kernelParams: g.document.bootspec.kernelParams,
      toplevel: g.toplevel,
      specialisations: Object.keys(g.document.specialisations).sort(),
    })),
    problems: profile.problems.map((p) => ({ file: p.file, path: p.path, message: p.message })),
  };
}
