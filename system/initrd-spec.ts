/**
 * The initrd spec (`cairn initrd build SPEC -o FILE`): what goes into an initramfs. Host programs with the
 * libraries they need, libraries loaded with dlopen, kernel modules with their dependencies, and files,
 * directories, symlinks and device nodes given as data. Relative host paths are resolved against the spec's
 * folder.
 *
 *   compression: gzip
 *   programs: [busybox, /usr/sbin/mke2fs, { from: busybox, to: /bin/busybox }]
 *   libraries: [libgcc_s.so.1]
 *   modules: { directory: /lib/modules/6.1.0-57-amd64, include: [virtio_blk, ext4] }
 *   files: [{ from: init.sh, to: /init, mode: "0755" }, { to: /etc/hostname, text: "cairn\n" }]
 *   directories: [/proc, /sys, { path: /root, mode: "0700" }]
 *   symlinks: [{ path: /bin/sh, target: busybox }]
 *   devices: [{ path: /dev/console, type: char, major: 5, minor: 1, mode: "0600" }]
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { validate } from '../lib/schema.js';
import { loadYamlFile, parseYaml } from '../lib/yaml.js';
import { kernelModuleName } from './hardware-configuration.js';

/** An absolute path inside the initramfs: no NUL, no `.` or `..` components. */
const initrdPath = z
  .string()
  .regex(/^\/[^\0]*$/)
  .refine((value) => !value.split('/').some((c) => c === '.' || c === '..'), { message: 'must not contain . or .. components' })
  .describe('an absolute path inside the initramfs, e.g. /bin/busybox');

/** A file or folder on this machine, as a spec names it (the system spec's paths are these too). */
export const hostPath = z
  .string()
  .min(1)
  .refine((value) => !value.includes('\0'), { message: 'contains a NUL character' })
  .describe("a host path, relative to the spec file's folder or absolute");

/** Permission bits written as quoted octal ("0755"): a bare 0755 is the number 755 in YAML 1.2, so numbers are refused. */
const mode = z
  .union([z.string(), z.number()])
  .describe('permission bits as a quoted octal string, e.g. "0755"')
  .transform((value, context) => {
    if (typeof value === 'string' && /^0?[0-7]{3,4}$/.test(value)) return Number.parseInt(value, 8);
    context.addIssue({
      code: 'custom',
      message: typeof value === 'number' ? `write the mode as a quoted octal string such as "0755" (got the number ${value}: YAML reads a bare 0755 as 755)` : `expected an octal mode such as "0755" (got ${JSON.stringify(value)})`,
    });
    return z.NEVER;
  });

const program = z
  .union([
    z.string().min(1).describe("a program name (searched in /usr/local/sbin, /usr/local/bin, /usr/sbin, /usr/bin, /sbin, /bin) or a host path (relative to the spec file's folder or absolute)"),
    z
      .strictObject({
        from: z.string().min(1).describe("a program name, or a host path (relative to the spec file's folder or absolute)"),
        to: initrdPath.optional().describe('where to put it in the initramfs (default: the host path)'),
      })
      .describe('a program and where it goes'),
  ])
  .describe('a program name or path, or {from, to}');

const fileEntry = z
  .strictObject({
    to: initrdPath,
    from: hostPath.optional(),
    text: z.string().optional().describe('the file content, as text'),
    mode: mode.optional(),
  })
  .superRefine((entry, context) => {
    if ((entry.from === undefined) === (entry.text === undefined)) {
      context.addIssue({ code: 'custom', message: 'give either from (a host file) or text (the content), not both or neither' });
    }
  })
  .describe('a file: to (path inside the initramfs) and either from (a host file) or text');

export const initrdSpecSchema = z
  .strictObject({
    compression: z.enum(['gzip', 'none']).default('gzip').describe('gzip (default; every kernel reads it) or none'),
    programs: z.array(program).default([]).describe('host programs, copied with the shared libraries they need'),
    libraries: z
      .array(z.string().min(1).describe('a library name such as libgcc_s.so.1 (searched like the loader does) or an absolute path'))
      .default([])
      .describe('libraries the programs load with dlopen (invisible to DT_NEEDED), copied with what they need'),
    libraryPath: z
      .array(z.string().regex(/^\//).describe('an absolute host directory'))
      .default([])
      .describe('more folders to search for libraries, before the RUNPATH of a program and /etc/ld.so.conf'),
    modules: z
      .strictObject({
        directory: hostPath.describe("the kernel's modules directory, lib/modules/<release>, relative to the spec file's folder or absolute"),
        include: z.array(kernelModuleName).min(1).describe('modules to carry, with the modules they depend on'),
      })
      .optional()
      .describe('kernel modules, with a modules.dep made for them'),
    files: z.array(fileEntry).default([]),
    directories: z
      .array(z.union([initrdPath, z.strictObject({ path: initrdPath, mode: mode.optional() })]))
      .default([])
      .describe('directories: a path, or {path, mode}'),
    symlinks: z
      .array(z.strictObject({ path: initrdPath, target: z.string().min(1).regex(/^[^\0]*$/).describe('what the link points to, relative or absolute') }))
      .default([])
      .describe('symbolic links: {path, target}'),
    devices: z
      .array(
        z.strictObject({
          path: initrdPath,
          type: z.enum(['char', 'block']),
          major: z.number().int().min(0).max(4095).describe('the device major number'),
          minor: z.number().int().min(0).max(1048575).describe('the device minor number'),
          mode: mode.optional(),
        }),
      )
      .default([])
      .describe('device nodes: {path, type: char or block, major, minor, mode}'),
  })
  .describe('an initrd spec (cairn initrd build)');

export type InitrdSpec = z.output<typeof initrdSpecSchema>;

export interface LoadedInitrdSpec {
  readonly file: string;
  /** The folder relative host paths are resolved against. */
  readonly directory: string;
  /** The spec with host paths (programs given by path, files' from, modules.directory) made absolute. */
  readonly spec: InitrdSpec;
}

export function decodeInitrdSpec(text: string, file: string): LoadedInitrdSpec {
  return resolveInitrdSpec(validate(initrdSpecSchema, parseYaml(text, file)), file);
}

export async function loadInitrdSpec(file: string): Promise<LoadedInitrdSpec> {
  return resolveInitrdSpec(validate(initrdSpecSchema, await loadYamlFile(file)), file);
}

function resolveInitrdSpec(spec: InitrdSpec, file: string): LoadedInitrdSpec {
  const directory = dirname(resolve(file));
  const host = (path: string) => (isAbsolute(path) ? resolve(path) : resolve(directory, path));
  // A program with a / in it is a path (relative ones against the spec's folder); without, a name to search.
  const program = (name: string) => (name.includes('/') ? host(name) : name);
  return {
    file,
    directory,
    spec: {
      ...spec,
      programs: spec.programs.map((entry) => (typeof entry === 'string' ? program(entry) : { ...entry, from: program(entry.from) })),
      files: spec.files.map((entry) => (entry.from === undefined ? entry : { ...entry, from: host(entry.from) })),
      ...(spec.modules === undefined ? {} : { modules: { ...spec.modules, directory: host(spec.modules.directory) } }),
    },
  };
}
