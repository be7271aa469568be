/**
 * Building a system toplevel from a kernel, an initrd and parameters: the store entries Cairn writes for
 * `generation add`. Kernel and initrd become entries of their own (`<hash>-linux-<release>/bzImage`,
 * `<hash>-initrd/initrd`), so generations that share them share the store path.
 */
import { posix } from 'node:path';
import { encodeBootDocument, type BootDocument, type BootspecV1 } from './bootspec.js';
import { readKernelRelease } from './kernel-image.js';
import { addEntry, type EntryContent, type StoreLocation } from './store.js';
import { checkReadableFile, fileReadError } from '../lib/user-file.js';

export interface ToplevelInput {
  readonly kernel: string;
  readonly initrd?: string;
  /** The init the kernel starts; without it the toplevel's `init` links to /sbin/init. */
  readonly init?: string;
  readonly kernelParams: readonly string[];
  readonly label?: string;
  readonly system?: string;
  /** Top-level extension keys to store in boot.json. */
  readonly extensions?: Readonly<Record<string, unknown>>;
  /**
   * More files of the toplevel (a function receives the toplevel's own path). An `init` among them is the
   * generation's init: boot.json names `<toplevel>/init`.
   */
  readonly files?: Readonly<Record<string, EntryContent | ((self: string) => EntryContent)>>;
}

export interface BuiltToplevel {
  readonly toplevel: string;
  readonly kernel: string;
  readonly initrd: string | undefined;
  readonly document: BootDocument;
}

export async function buildToplevel(location: StoreLocation, input: ToplevelInput): Promise<BuiltToplevel> {
  // Check every input before the first store write, so a bad initrd leaves no orphaned kernel behind.
  await checkReadableFile(input.kernel, 'kernel image');
  if (input.initrd !== undefined) await checkReadableFile(input.initrd, 'initrd');
  let release: string | undefined;
  try {
    release = await readKernelRelease(input.kernel);
  } catch (error) {
    throw fileReadError(input.kernel, error, 'kernel image');
  }
  const kernelEntry = await addEntry(location, release === undefined ? 'linux' : `linux-${sanitise(release)}`, {
    bzImage: { type: 'file', source: input.kernel },
  });
  const kernel = posix.join(kernelEntry, 'bzImage');
  let initrd: string | undefined;
  if (input.initrd !== undefined) {
    initrd = posix.join(await addEntry(location, 'initrd', { initrd: { type: 'file', source: input.initrd } }), 'initrd');
  }
  const label = input.label ?? (release === undefined ? 'Cairn' : `Cairn (Linux ${release})`);
  const documentFor = (self: string): BootDocument => ({
    bootspec: {
      system: input.system ?? 'x86_64-linux',
      init: input.init ?? posix.join(self, 'init'),
      ...(initrd === undefined ? {} : { initrd }),
      kernel,
      kernelParams: [...input.kernelParams],
      label,
      toplevel: self,
    } satisfies BootspecV1,
    specialisations: {},
    extensions: { ...(input.extensions ?? {}) },
  });
  const toplevel = await addEntry(location, 'cairn-system', {
    'boot.json': (self) => ({ type: 'text', text: encodeBootDocument(documentFor(self)) }),
    kernel: { type: 'symlink', target: kernel },
    ...(initrd === undefined ? {} : { initrd: { type: 'symlink', target: initrd } }),
    ...(input.init === undefined && input.files?.init === undefined ? { init: { type: 'symlink', target: '/sbin/init' } } : {}),
    'kernel-params': { type: 'text', text: `${input.kernelParams.join(' ')}\n` },
    ...(input.files ?? {}),
  });
  return { toplevel, kernel, initrd, document: documentFor(toplevel) };
}

function sanitise(release: string): string {
  return release.replace(/[^A-Za-z0-9+._?=-]/g, '_');
}
