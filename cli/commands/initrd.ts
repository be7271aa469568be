/** `cairn initrd build|list`: write an initramfs from an initrd spec; list what any newc initramfs holds. */
import { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CancelledError } from '../../lib/errors.js';
import { formatSize } from '../../lib/size.js';
import { sourceDateEpoch } from '../../lib/source-date.js';
import { fileReadError } from '../../lib/user-file.js';
import { loadInitrdSpec } from '../../system/initrd-spec.js';
import { buildInitrd, contentsOfSpec } from '../../image-builder/initrd/build-initrd.js';
import { listInitramfs, type ListedArchive, type ListedEntry } from '../../image-builder/initrd/read-initramfs.js';
import { count, printJson } from '../options.js';
import { createProgressRenderer } from '../progress-renderer.js';

export function initrdCommand(): Command {
  const command = new Command('initrd').description("build initramfs archives with Cairn's own cpio writer, and list them");

  command
    .command('build')
    .description('build an initramfs (cpio newc, gzip or none) from an initrd spec: programs with their libraries, kernel modules with their dependencies, files')
    .argument('<spec>', 'the initrd spec (initrd.yaml)')
    .requiredOption('-o, --output <file>', 'the initramfs to write (written as <file>.tmp, renamed when complete)')
    .option('--json', 'print what was built as JSON')
    .action(async (specFile: string, options: { output: string; json?: boolean }) => {
      const loaded = await loadInitrdSpec(specFile);
      const renderer = createProgressRenderer();
      const controller = new AbortController();
      const stop = () => controller.abort(new CancelledError('stopped by Ctrl-C; no initramfs was written'));
      process.once('SIGINT', stop);
      try {
        const date = sourceDateEpoch() ?? new Date(0);
        const built = await buildInitrd(contentsOfSpec(loaded.spec), {
          output: resolve(options.output),
          compression: loaded.spec.compression,
          date,
          onProgress: renderer.onProgress,
          signal: controller.signal,
        });
        renderer.finish();
        const { collected } = built;
        const libraries = collected.elf.objects.filter((o) => o.role !== 'program').map((o) => o.path);
        if (options.json) {
          printJson({
            output: options.output,
            compression: built.compression,
            size: built.size,
            archiveSize: built.archiveSize,
            entries: built.entries,
            date: date.toISOString(),
            programs: collected.programs,
            libraries,
            modules: collected.modules ?? null,
          });
          return;
        }
        const parts = [
          `${formatSize(built.size)} (${built.compression === 'gzip' ? `gzip, ${formatSize(built.archiveSize)} unpacked` : 'uncompressed'})`,
          count(built.entries, 'entry', 'entries'),
          count(collected.programs.length, 'program'),
          count(libraries.length, 'library', 'libraries'),
          ...(collected.modules === undefined ? [] : [`${count(collected.modules.names.length, 'kernel module')} of ${collected.modules.release}`]),
        ];
        process.stdout.write(`wrote ${options.output}: ${parts.join(', ')}\n`);
      } finally {
        renderer.finish();
        process.removeListener('SIGINT', stop);
      }
    });

  command
    .command('list')
    .description('list the entries of an initramfs: newc archives, plain or compressed (gzip; xz and zstd as the last part), concatenated or not')
    .argument('<file>', 'the initramfs')
    .option('--json', 'print every archive and entry as JSON')
    .action(async (file: string, options: { json?: boolean }) => {
      let bytes: Uint8Array;
      try {
        bytes = await readFile(file);
      } catch (error) {
        throw fileReadError(file, error, 'initramfs');
      }
      const archives = await listInitramfs(bytes, file);
      if (options.json) {
        printJson({ file, archives });
        return;
      }
      process.stdout.write(renderListing(archives));
    });

  return command;
}

/** Like `ls -l`: type and permissions, owner, size, date (UTC), name (-> target); a heading per archive when several. */
function renderListing(archives: readonly ListedArchive[]): string {
  const lines: string[] = [];
  archives.forEach((archive, index) => {
    if (archives.length > 1) {
      const where = archive.compression === 'none' ? `at byte ${archive.offset}` : `${archive.compression} member at byte ${archive.offset}${archive.decompressedOffset ? `, at byte ${archive.decompressedOffset} of its data` : ''}`;
      lines.push(`${index === 0 ? '' : '\n'}archive ${index + 1} (${where}): ${count(archive.entries.length, 'entry', 'entries')}`);
    }
    const width = Math.max(1, ...archive.entries.map((e) => String(e.device ? `${e.device.major}, ${e.device.minor}` : e.size).length));
    for (const entry of archive.entries) lines.push(renderEntry(entry, width));
  });
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

const TYPE_LETTER: Record<ListedEntry['type'], string> = { directory: 'd', file: '-', symlink: 'l', char: 'c', block: 'b', fifo: 'p', socket: 's' };

function renderEntry(entry: ListedEntry, width: number): string {
  const size = entry.device ? `${entry.device.major}, ${entry.device.minor}` : String(entry.size);
  const date = new Date(entry.mtime * 1000).toISOString().slice(0, 16).replace('T', ' ');
  const target = entry.target === undefined ? '' : ` -> ${entry.target}`;
  return `${TYPE_LETTER[entry.type]}${permissions(entry.mode)} ${`${entry.uid}/${entry.gid}`.padEnd(9)} ${size.padStart(width)} ${date} ${entry.name}${target}`;
}

function permissions(mode: number): string {
  const bits = 'rwxrwxrwx';
  let out = '';
  for (let i = 0; i < 9; i++) out += mode & (1 << (8 - i)) ? bits[i] : '-';
  const special = (index: number, flag: number, set: string, unset: string) => {
    if (mode & flag) out = out.slice(0, index) + (out[index] === '-' ? unset : set) + out.slice(index + 1);
  };
  special(2, 0o4000, 's', 'S');
  special(5, 0o2000, 's', 'S');
  special(8, 0o1000, 't', 'T');
  return out;
}
