/** `cairn iso build|inspect`: write an ISO from an image spec, and decode one with Cairn's own codecs. */
import { Command, InvalidArgumentError, Option } from 'commander';
import { resolve } from 'node:path';
import { CancelledError } from '../../lib/errors.js';
import { formatSize } from '../../lib/size.js';
import { sourceDateEpoch } from '../../lib/source-date.js';
import { loadImageSpec } from '../../system/image-spec.js';
import { buildIsoFromSpec, type IsoEngine } from '../../image-builder/build-from-spec.js';
import { inspectIsoImage, renderInspectReport } from '../../image-builder/read/inspect.js';
import { statSync } from 'node:fs';
import { printJson } from '../options.js';
import { createProgressRenderer } from '../progress-renderer.js';

/** `--date`: seconds since 1970 (like SOURCE_DATE_EPOCH) or an ISO 8601 date. */
export function parseDate(value: string): Date {
  const date = /^\d+$/.test(value) ? new Date(Number(value) * 1000) : /^\d{4}-\d{2}-\d{2}/.test(value) ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime())) throw new InvalidArgumentError(`expected seconds since 1970 or a date such as 2026-01-31T12:00:00Z, got "${value}"`);
  return date;
}

function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function isoCommand(): Command {
  const command = new Command('iso').description('build ISO images from an image spec and inspect them');

  command
    .command('build')
    .description('build an ISO (Rock Ridge, Joliet, identical files stored once) from an image spec')
    .argument('<spec>', 'the image spec (image.yaml)')
    .requiredOption('-o, --output <file>', 'the ISO to write (written as <file>.tmp, renamed when complete)')
    .addOption(new Option('--engine <engine>', 'who writes the image: Cairn itself, or xorriso').choices(['builtin', 'xorriso']).default('builtin'))
    .option('--date <when>', "the image's date: seconds since 1970 or an ISO 8601 date (default: SOURCE_DATE_EPOCH, else the newest source)", parseDate)
    .option('--json', 'print what was built as JSON')
    .action(async (specFile: string, options: { output: string; engine: IsoEngine; date?: Date; json?: boolean }) => {
      const loaded = await loadImageSpec(specFile);
      const renderer = createProgressRenderer();
      const controller = new AbortController();
      const stop = () => controller.abort(new CancelledError('stopped by Ctrl-C; no image was written'));
      process.once('SIGINT', stop);
      try {
        const date = options.date ?? sourceDateEpoch();
        const result = await buildIsoFromSpec(loaded, {
          output: resolve(options.output),
          engine: options.engine,
          ...(date === undefined ? {} : { date }),
          onProgress: renderer.onProgress,
          signal: controller.signal,
        });
        renderer.finish();
        const size = statSync(result.output).size;
        if (options.json) {
          printJson({ ...result, output: options.output, date: result.date.toISOString(), size, sharedExtents: result.sharedExtents ?? null });
          return;
        }
        const shared = result.sharedExtents === undefined || result.sharedExtents === 0 ? '' : `, ${count(result.sharedExtents, 'file')} stored once for identical content`;
        process.stdout.write(
          `wrote ${options.output}: ${formatSize(size)}, ${count(result.files, 'file')}, ${count(result.directories, 'directory', 'directories')}, ${count(result.symlinks, 'symbolic link')}${shared}\n`,
        );
      } finally {
        renderer.finish();
        process.removeListener('SIGINT', stop);
      }
    });

  command
    .command('inspect')
    .description('show the volume descriptors and the files of an ISO (Rock Ridge attributes, Joliet names), decoded by Cairn')
    .argument('<image>', 'the ISO image')
    .option('--json', 'print the whole decoded image as JSON')
    .action(async (image: string, options: { json?: boolean }) => {
      const report = await inspectIsoImage(image);
      if (options.json) printJson(report);
      else process.stdout.write(`${renderInspectReport(report).join('\n')}\n`);
    });

  return command;
}
