/**
 * A LUKS2 container on a partition, made with cryptsetup on a block device (device-mapper writes the
 * ciphertext, so this needs root and a kernel with dm-crypt: the live installer has both). The header's
 * UUID is chosen by the plan (`--uuid`), so boot entries and the hardware configuration can name it before
 * anything is written. The passphrase reaches cryptsetup on stdin only (`--key-file=-`, read to its end,
 * so it is given without a newline: the same bytes a person types at the prompt at boot), never in argv.
 */
import { existsSync } from 'node:fs';
import { run } from '../lib/run.js';

/**
 * cryptsetup's environment for open and close. libdevmapper waits for udev to confirm each /dev/mapper node;
 * where no udev runs (the live installer system, like stage 1) that wait never ends, so there it is told to
 * make the nodes itself (DM_DISABLE_UDEV). udev runs when its control socket is there.
 */
function deviceMapperEnv(): Record<string, string> {
  return existsSync('/run/udev/control') ? {} : { DM_DISABLE_UDEV: '1' };
}

/** The container to make: the cipher and key derivation are fixed by the caller (system/answers.ts LUKS_FORMAT). */
export interface LuksFormat {
  /** The LUKS header's UUID (lower case), also the partition's /dev/disk/by-uuid name once formatted. */
  readonly uuid: string;
  /** The /dev/mapper name it is opened as while the filesystem is made, e.g. `luks-<uuid>`. */
  readonly mapperName: string;
  readonly cipher: string;
  readonly keySizeBits: number;
  readonly pbkdf: string;
  /** argon2id's cost; without it, cryptsetup's benchmark chooses. */
  readonly keyDerivation?: { readonly memory: number; readonly iterations: number };
}

/** cryptsetup's arguments for luksFormat (pure; the passphrase is not among them). */
export function luksFormatArguments(format: LuksFormat, device: string): string[] {
  return [
    'luksFormat',
    '--type',
    'luks2',
    '--cipher',
    format.cipher,
    '--key-size',
    String(format.keySizeBits),
    '--pbkdf',
    format.pbkdf,
    ...(format.keyDerivation === undefined ? [] : ['--pbkdf-memory', String(format.keyDerivation.memory), '--pbkdf-force-iterations', String(format.keyDerivation.iterations)]),
    '--uuid',
    format.uuid,
    '--batch-mode',
    '--key-file=-',
    device,
  ];
}

/**
 * Formats `device` as LUKS2 and opens it as /dev/mapper/<mapperName>; returns that path. `log` receives the
 * commands (without the passphrase). dm_crypt is loaded first where modprobe can (a kernel with it built in,
 * or modules already loaded, need nothing).
 */
export async function formatAndOpenLuks(format: LuksFormat, device: string, passphrase: Uint8Array, log: (line: string) => void): Promise<string> {
  await run('modprobe', ['dm_crypt']).catch(() => undefined);
  await formatLuks(format, device, passphrase, log);
  const openArgs = ['open', '--type', 'luks2', '--key-file=-', device, format.mapperName];
  log(`cryptsetup ${openArgs.join(' ')} (passphrase on stdin)`);
  await run('cryptsetup', openArgs, { input: passphrase, env: deviceMapperEnv() });
  return `/dev/mapper/${format.mapperName}`;
}

/** Writes the LUKS2 header (luksFormat); works on a plain file too, without root. */
export async function formatLuks(format: LuksFormat, device: string, passphrase: Uint8Array, log: (line: string) => void): Promise<void> {
  const args = luksFormatArguments(format, device);
  log(`cryptsetup ${args.join(' ')} (passphrase on stdin)`);
  await run('cryptsetup', args, { input: passphrase });
}

/** Closes an opened container (after the filesystem in it is flushed); a container already closed is fine. */
export async function closeLuks(mapperName: string): Promise<void> {
  await run('cryptsetup', ['close', mapperName], { okCodes: [0, 4], env: deviceMapperEnv() });
}
