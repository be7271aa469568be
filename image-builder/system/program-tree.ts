/**
 * Programs from this machine with everything they load, as a tree for the initramfs or for a generation's
 * userland: each program at /bin/<name>, busybox's applets as links to it wherever no program of that name is
 * given, and the interpreters and libraries at the paths this machine's loader found them at (the initrd
 * writer's collectInitrdEntries, with their link chains). One layout serves both trees:
 *
 * - the initramfs is a root of its own: /sbin, /usr/bin and /usr/sbin link to /bin;
 * - the userland is the booted root's /usr (stage 2 links /bin, /lib, /lib64 there): inside it /usr links
 *   to itself and /sbin to bin, so `/usr/lib/x86_64-linux-gnu/libz.so.1` and `/lib/...` both land in its
 *   lib/, `/usr/sbin/e2fsck` in its bin/, and every path the loader or a #! line names resolves on the root.
 */
import { run } from '../../lib/run.js';
import type { InitramfsEntry } from '../initrd/archive-plan.js';
import { collectInitrdEntries } from '../initrd/build-initrd.js';
import type { ElfClosure } from '../initrd/resolve-libraries.js';

/** A program the tree carries: its name in /bin and the host file. */
export interface HostProgram {
  readonly name: string;
  readonly path: string;
}

export interface ProgramTree {
  readonly entries: readonly InitramfsEntry[];
  /** The ELF objects the tree was made from (programs, interpreters, libraries, with their host paths). */
  readonly closure: ElfClosure;
}

/** The names of busybox's applets (asked of the busybox itself, which runs here: it is an x86-64 program). */
export async function busyboxApplets(busybox: string): Promise<string[]> {
  const { stdout } = await run(busybox, ['--list']);
  return stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((name) => /^[A-Za-z0-9_.[-]+$/.test(name) && name !== 'busybox')
    .sort();
}

/** The tree of `programs` (busybox among them, named `busybox`, with its `applets`) and all they load. */
export async function planProgramTree(
  programs: readonly HostProgram[],
  options: { readonly applets: readonly string[]; readonly tree: 'initramfs' | 'usr'; /** Libraries the programs load with dlopen (searched like the loader does). */ readonly libraries?: readonly string[] },
): Promise<ProgramTree> {
  const links: InitramfsEntry[] =
    options.tree === 'usr'
      ? [{ kind: 'symlink', path: '/usr', target: '.' }, { kind: 'symlink', path: '/sbin', target: 'bin' }]
      : [{ kind: 'symlink', path: '/sbin', target: 'bin' }, { kind: 'symlink', path: '/usr/bin', target: '../bin' }, { kind: 'symlink', path: '/usr/sbin', target: '../bin' }];
  const named = new Set(programs.map((p) => p.name));
  const applets: InitramfsEntry[] = named.has('busybox') ? options.applets.filter((a) => !named.has(a)).map((a) => ({ kind: 'symlink', path: `/bin/${a}`, target: 'busybox' })) : [];
  const collected = await collectInitrdEntries({
    programs: programs.map((p) => ({ from: p.path, to: `/bin/${p.name}` })),
    libraries: options.libraries ?? [],
    libraryPath: [],
    entries: [...links, ...applets],
  });
  return { entries: collected.entries, closure: collected.elf };
}
