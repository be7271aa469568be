/**
 * The encrypted root (issue 17) up to the disk write: what the plan decides (the LUKS2 UUID from the seed,
 * cairn.luks= before root=UUID= on every boot entry, the hardware configuration's LUKS device, crypttab,
 * answers copied without the passphrase), cryptsetup's luksFormat as the plan runs it (on a plain file,
 * rootless: LUKS2, aes-xts-plain64, argon2id, the planned UUID, no passphrase in the bytes), and every bad
 * input refused before anything is written, through `cairn install` as a user runs it.
 */
import { chmod, readFile, readdir, readlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { run } from '../../../lib/run.js';
import { LUKS_FORMAT } from '../../../system/answers.js';
import { INITRD_FEATURES_KEY } from '../../../system/initrd-features.js';
import { formatLuks, luksFormatArguments } from '../../../partitioning/luks.js';
import { openInstallerSession } from '../../../installer/engine/installer-session.js';
import { planCrypttab } from '../../../installer/engine/target-etc.js';
import { renderConfigFiles } from '../../../installer/config/generate-config.js';
import { cairn, repoRoot } from '../../support/cli.js';
import { makeExampleSystem } from '../../support/example-system.js';
import { canMountInNamespace } from '../../support/grub-bios-setup.js';
import { pathExists, removeTree, snapshotTree, temporaryDirectory } from '../../support/tree.js';

interface Context {
  dir: string;
  /** The example system, its generations without LUKS support in stage 1. */
  plain: string;
  /** The same generations marked as opening LUKS (what boot.initrd.luks.enable: true builds). */
  luks: string;
}

const RECORDED_VM = join(repoRoot, 'fixtures/machines/qemu-kvm-virtio/recording');
/** The recording's disk Cairn may write (a plan is made for it; nothing is ever written to a recording's disk). */
const DISK = '/dev/vdb';
const PASSPHRASE = 'correct horse battery staple';
const TEST_COST = 'keyDerivation: { memory: 65536, iterations: 4 }';

const encryption = suite<Context>('encrypted root');

/** Marks generations' stage 1 as opening LUKS, in their boot.json (the extension a LUKS build records). */
async function markLuks(root: string, numbers: readonly number[]): Promise<void> {
  const profiles = join(root, 'cairn/var/profiles');
  for (const name of await readdir(profiles)) {
    const match = /^system-(\d+)-link$/.exec(name);
    if (match === null || !numbers.includes(Number(match[1]))) continue;
    const toplevel = join(root, await readlink(join(profiles, name)));
    const file = join(toplevel, 'boot.json');
    const document = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    document[INITRD_FEATURES_KEY] = { luks: true };
    await chmod(file, 0o644).catch(() => undefined);
    await writeFile(file, `${JSON.stringify(document, null, 2)}\n`);
  }
}

encryption.before(async (context) => {
  context.dir = await temporaryDirectory();
  context.plain = (await makeExampleSystem(join(context.dir, 'plain'))).root;
  context.luks = (await makeExampleSystem(join(context.dir, 'luks'))).root;
  await markLuks(context.luks, [1, 2, 3]);
});

encryption.after(async (context) => {
  await removeTree(context.dir);
});

async function answersFile(context: Context, text: string): Promise<string> {
  const file = join(context.dir, `answers-${Math.random().toString(36).slice(2)}.yaml`);
  await writeFile(file, text);
  return file;
}

encryption('the plan: LUKS2 UUID from the seed, cairn.luks= before root=UUID=, the LUKS device in the hardware configuration and crypttab, the answers copy without the passphrase', async (context) => {
  const file = await answersFile(context, `version: 1\nseed: s1\nencryption: { passphrase: "${PASSPHRASE}", ${TEST_COST} }\nconfirm: true\n`);
  const open = () => openInstallerSession({ answersFile: file, target: DISK, from: RECORDED_VM, sourceRoot: context.luks, profile: '/cairn/var/profiles/system', store: '/cairn/store', dryRun: true });
  const session = await open();
  assert.equal(session.initial.encryption, { passphrase: PASSPHRASE });
  const { plan } = await session.engine.plan(session.initial);
  const luks = plan.encryption!;
  assert.match(luks.uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.is(luks.mapperName, `luks-${luks.uuid}`);
  assert.equal([luks.cipher, luks.keySizeBits, luks.pbkdf, luks.keyDerivation], ['aes-xts-plain64', 512, 'argon2id', { memory: 65536, iterations: 4 }]);
  assert.is(luks.partition, plan.root.name);
  assert.equal(plan.kernelParams.slice(0, 2), [`cairn.luks=UUID=${luks.uuid}`, `root=UUID=${plan.root.filesystem!.uuid}`]);
  assert.is((await (await open()).engine.plan(session.initial)).plan.encryption!.uuid, luks.uuid, 'the same seed, the same UUID');
  // The hardware configuration the target gets: the LUKS device, the root by its filesystem UUID.
  const rendered = renderConfigFiles({ platform: session.report, layout: plan.targetLayout, choices: plan.choices, mountedAt: '/' });
  const hardware = parse(rendered.hardwareConfiguration) as { boot: { initrd: { luks: { devices: Record<string, { device: string }> } } }; fileSystems: Record<string, { device: string }> };
  assert.equal(hardware.boot.initrd.luks.devices, { [`luks-${luks.uuid}`]: { device: `/dev/disk/by-uuid/${luks.uuid}` } });
  assert.is(hardware.fileSystems['/']!.device, `/dev/disk/by-uuid/${plan.root.filesystem!.uuid}`);
  const crypttab = planCrypttab(plan)!;
  assert.is(crypttab.kind === 'text' ? crypttab.text.split('\n')[1] : '', `luks-${luks.uuid} UUID=${luks.uuid} none luks`);
  // The passphrase is in no plan (--dry-run --json prints it whole) and not in the answers written to the target.
  assert.not.ok(JSON.stringify(plan).includes(PASSPHRASE), 'no passphrase in the plan');
  assert.match(plan.reproducingAnswers, /its passphrase was removed from this copy/);
  assert.equal((parse(plan.reproducingAnswers) as { encryption: unknown }).encryption, { passphraseFile: 'PASSPHRASE-FILE', keyDerivation: { memory: 65536, iterations: 4 } });
  // The summary says what the root becomes.
  assert.ok(session.engine.summarise(session.initial).choices.some(([label, value]) => label === 'Encryption' && value === 'root encrypted (LUKS2, aes-xts-plain64, argon2id)'));
  const unencrypted = { ...session.initial };
  delete (unencrypted as { encryption?: unknown }).encryption;
  const plainPlan = (await session.engine.plan(unencrypted)).plan;
  assert.is(plainPlan.encryption, undefined);
  assert.is(plainPlan.kernelParams[0], `root=UUID=${plainPlan.root.filesystem!.uuid}`);
  assert.is(planCrypttab(plainPlan), undefined);
});

encryption('passphraseFile: relative to the answers file, without one trailing newline', async (context) => {
  await writeFile(join(context.dir, 'secret.txt'), ` ${PASSPHRASE} \n`);
  const file = await answersFile(context, 'version: 1\nencryption: { passphraseFile: secret.txt }\n');
  const session = await openInstallerSession({ answersFile: file, target: DISK, from: RECORDED_VM, sourceRoot: context.luks, profile: '/cairn/var/profiles/system', store: '/cairn/store', dryRun: true });
  assert.equal(session.initial.encryption, { passphrase: ` ${PASSPHRASE} ` });
});

encryption('luksFormat as the plan runs it, on a plain file: LUKS2, aes-xts-plain64 with a 512-bit key, argon2id at the given cost, the planned UUID; the passphrase in neither argv nor the bytes, and it opens the header', async (context) => {
  const image = join(context.dir, 'luks.img');
  await writeFile(image, Buffer.alloc(20 * 1024 * 1024));
  const uuid = '0b5ac6f0-1b0e-4c3f-9d7e-5a6b7c8d9e0f';
  const format = { uuid, mapperName: `luks-${uuid}`, ...LUKS_FORMAT, keyDerivation: { memory: 65536, iterations: 4 } };
  const args = luksFormatArguments(format, image);
  assert.not.ok(args.join(' ').includes(PASSPHRASE));
  const logged: string[] = [];
  await formatLuks(format, image, new Uint8Array(Buffer.from(PASSPHRASE)), (line) => logged.push(line));
  assert.not.ok(logged.join('\n').includes(PASSPHRASE), 'the log has the command, not the passphrase');
  const dump = (await run('cryptsetup', ['luksDump', image])).stdout;
  assert.match(dump, /^Version:\s+2$/m);
  assert.match(dump, new RegExp(`^UUID:\\s+${uuid}$`, 'm'));
  assert.match(dump, /cipher:\s+aes-xts-plain64/);
  assert.match(dump, /Cipher key:\s+512 bits/);
  assert.match(dump, /PBKDF:\s+argon2id/);
  assert.match(dump, /Memory:\s+65536/);
  assert.match(dump, /Time cost:\s+4/);
  assert.not.ok((await readFile(image)).includes(Buffer.from(PASSPHRASE)), 'no passphrase in the bytes');
  // The same bytes as a person types at the boot prompt (no newline) open it; one more byte does not.
  await run('cryptsetup', ['open', '--test-passphrase', '--key-file=-', image], { input: PASSPHRASE });
  const wrong = await run('cryptsetup', ['open', '--test-passphrase', '--key-file=-', image], { input: `${PASSPHRASE}\n` }).then(() => 'opened', () => 'refused');
  assert.is(wrong, 'refused');
});

/** `cairn install` that must fail with exit 1 and the message, writing nothing (the source untouched, no image). */
async function refused(context: Context, answers: string, target: string[], pattern: RegExp, options: { root?: string; prefix?: readonly string[] } = {}): Promise<string> {
  const file = await answersFile(context, answers);
  const root = options.root ?? context.luks;
  const before = await snapshotTree(root);
  const result = await cairn(['install', '--answers', file, ...target, '--source-root', root, '--log', join(context.dir, 'refused.log')], options.prefix === undefined ? {} : { prefix: options.prefix });
  assert.is(result.code, 1, `exit code (stderr: ${result.stderr})`);
  assert.match(result.stderr, pattern);
  assert.not.match(result.stderr, /internal error/);
  assert.not.ok(result.stderr.includes(PASSPHRASE), 'the passphrase is not in the message');
  assert.equal(await snapshotTree(root), before, 'the source is untouched');
  return result.stderr;
}

const ON_RECORDED_DISK = ['--target', DISK, '--from', RECORDED_VM];
const KEY = `passphrase: "${PASSPHRASE}", ${TEST_COST}`;

encryption('bad input, each refused before anything is written: empty passphrase, empty passphrase file, an image target, swap, a generation without LUKS, a key derivation over half the memory', async (context) => {
  await refused(context, 'version: 1\nencryption: { passphrase: "" }\nconfirm: true\n', ON_RECORDED_DISK, /encryption\.passphrase: must not be empty/);
  await refused(context, 'version: 1\nencryption: {}\nconfirm: true\n', ON_RECORDED_DISK, /encryption: give passphrase or passphraseFile/);
  await writeFile(join(context.dir, 'empty.txt'), '\n');
  await refused(context, 'version: 1\nencryption: { passphraseFile: empty.txt }\nconfirm: true\n', ON_RECORDED_DISK, /encryption\.passphraseFile: .*empty\.txt is empty: an encrypted root needs a passphrase/);
  const image = join(context.dir, 'target.img');
  await refused(context, `version: 1\nencryption: { ${KEY} }\nconfirm: true\n`, ['--target', image, '--size', '2G'], /encryption: .*target\.img is an image file, and Cairn encrypts only disks: LUKS2 needs device-mapper/);
  assert.not.ok(await pathExists(image), 'no image was created');
  await refused(context, `version: 1\nswap: 1G\nencryption: { ${KEY} }\nconfirm: true\n`, ON_RECORDED_DISK, /encryption: the layout has a swap partition \(swap\), which Cairn does not encrypt/);
  await refused(context, `version: 1\nencryption: { ${KEY} }\nconfirm: true\n`, ON_RECORDED_DISK, /encryption: generations 1, 2, 3 cannot open an encrypted root at boot[\s\S]*boot\.initrd\.luks\.enable: true/, { root: context.plain });
  // The recorded VM has 8 GiB (MemTotal 8327020544 bytes): 4 GiB of argon2id memory is more than half.
  const memory = await refused(context, 'version: 1\nencryption: { passphrase: x, keyDerivation: { memory: 4194304, iterations: 4 } }\nconfirm: true\n', ON_RECORDED_DISK, /encryption\.keyDerivation\.memory: 4194304 KiB is more than half of this machine's memory \(8131856 KiB/);
  assert.match(memory, /give at most 4065928 KiB/);
  // Half of it is accepted: the plan is made (a dry run prints it).
  const file = await answersFile(context, 'version: 1\nencryption: { passphrase: x, keyDerivation: { memory: 4065928, iterations: 4 } }\n');
  const ok = await cairn(['install', '--answers', file, ...ON_RECORDED_DISK, '--source-root', context.luks, '--dry-run']);
  assert.is(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /Root: ext4 \S+ UUID \S+, inside LUKS2 UUID (\S+) \(aes-xts-plain64, 512-bit key, argon2id 4065928 KiB, 4 iterations\), opened as \/dev\/mapper\/luks-\1/);
  assert.match(ok.stdout, /kernel parameters added: cairn\.luks=UUID=\S+ root=UUID=/);
});

encryption('cryptsetup missing from the system: named, with its package, before anything is written', async (context) => {
  if (!(await canMountInNamespace())) {
    console.log('  (no user and mount namespace here: cryptsetup cannot be hidden)');
    return;
  }
  // /dev/null over every place cryptsetup is found: not a file, so not a tool.
  const hide = ['/usr/sbin/cryptsetup', '/sbin/cryptsetup', '/usr/bin/cryptsetup', '/bin/cryptsetup'].filter((p) => existsSync(p));
  assert.ok(hide.length > 0, 'cryptsetup is installed here (scripts/setup installs cryptsetup-bin)');
  const prefix = ['unshare', '-rm', 'sh', '-c', `${hide.map((p) => `mount --bind /dev/null ${p}`).join(' && ')} && exec "$@"`, 'sh'];
  await refused(context, `version: 1\nencryption: { ${KEY} }\nconfirm: true\n`, ON_RECORDED_DISK, /cryptsetup not found: install the package cryptsetup-bin/, { prefix });
});

encryption.run();
