import { mkdir, readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CancelledError } from '../../lib/errors.js';
import type { ProgressEvent } from '../../lib/progress.js';
import { decodeAnswers } from '../../system/answers.js';
import { readProfile } from '../../system/profile.js';
import { guidedLayout } from '../../partitioning/guided-layout.js';
import { resolveTarget } from '../../partitioning/target.js';
import { detectPlatformOnly } from '../../installer/hardware/detect-hardware.js';
import { openHardwareSource as openRecording } from '../../installer/hardware/hardware-source.js';
import { executeInstall } from '../../installer/engine/execute-install.js';
import { planInstall } from '../../installer/engine/install-plan.js';
import { ensureTestKernel } from '../../scripts/test-system.js';
import { withoutCertificates } from '../../system/secure-boot/pe-image.js';
import { sha256File } from '../../system/store-hash.js';
import { caught } from '../support/caught.js';
import { cairn, cairnOk, repoRoot } from '../support/cli.js';
import { makeSignedSystem } from '../support/secure-boot-system.js';
import { ensureSignedBootFiles } from '../support/signed-boot.js';
import { makeExampleSystem } from '../support/example-system.js';
import { pathExists, removeTree, snapshotTree, temporaryDirectory } from '../support/tree.js';

interface Context {
  dir: string;
  sysroot: string;
}

const RECORDED_VM = join(repoRoot, 'fixtures/machines/qemu-kvm-virtio/recording');
const bad = suite<Context>('install bad input');

bad.before(async (context) => {
  context.dir = await temporaryDirectory();
  context.sysroot = (await makeExampleSystem(context.dir)).root;
});

bad.after(async (context) => {
  await removeTree(context.dir);
});


/** An install that must fail with exit 1 and a message, leaving no image and nothing changed in the source. */
async function refused(context: Context, answers: string, extra: string[], pattern: RegExp, size = '2G', sourceRoot = context.sysroot): Promise<string> {
  const file = join(context.dir, `answers-${Math.random().toString(36).slice(2)}.yaml`);
  await writeFile(file, answers);
  const image = join(context.dir, 'target.img');
  const before = await snapshotTree(sourceRoot);
  const result = await cairn(['install', '--answers', file, '--target', image, '--size', size, '--source-root', sourceRoot, '--from', RECORDED_VM, '--log', join(context.dir, 'refused.log'), ...extra]);
  assert.is(result.code, 1, `exit code (stderr: ${result.stderr})`);
  assert.match(result.stderr, pattern);
  assert.not.match(result.stderr, /internal error/);
  assert.not.ok(await pathExists(image), 'no image was created');
  assert.equal(await snapshotTree(sourceRoot), before, 'the source is untouched');
  return result.stderr;
}

bad('answers with unknown keys and wrong types: every problem at once, with key paths', async (context) => {
  const stderr = await refused(context, 'version: 1\nhostname: box\nswap: lots\nusers: [{ name: Bob }]\nconfirm: true\n', [], /3 problems:/);
  assert.match(stderr, /hostname: unknown key; did you mean "hostName"\?/);
  assert.match(stderr, /swap: expected a size such as 2G, or none/);
  assert.match(stderr, /users\[0\]\.name: expected a user name/);
});

bad('secureBoot: without the signed packages (each named), with bootloader systemd-boot, with firmware bios, with a generation whose kernel is unsigned: refused, nothing written', async (context) => {
  for (const path of ['/usr/lib/shim/shimx64.efi.signed', '/usr/lib/shim/mmx64.efi.signed', '/usr/lib/grub/x86_64-efi-signed/grubx64.efi.signed']) {
    assert.not.ok(await pathExists(path), `this test needs a host without ${path}`);
  }
  const missing = await refused(context, 'version: 1\nsecureBoot: true\nconfirm: true\n', [], /answers-\w+\.yaml: secureBoot: Secure Boot needs the distribution's signed boot chain, and 3 of its files were not found:/);
  assert.match(missing, /shimx64\.efi\.signed \(shim, signed by Microsoft\): install the package shim-signed/);
  assert.match(missing, /grubx64\.efi\.signed \(GRUB, signed by the distribution\): install the package grub-efi-amd64-signed/);
  assert.match(missing, /mmx64\.efi\.signed \(the MOK manager, signed by the distribution\): install the package shim-helpers-amd64-signed/);
  const signed = await ensureSignedBootFiles();
  const files = `secureBoot: { shim: ${signed.shim}, grub: ${signed.grub}, mokManager: ${signed.mokManager} }`;
  await refused(context, `version: 1\n${files}\nbootloader: systemd-boot\nconfirm: true\n`, [], /secureBoot: the Secure Boot chain is shim and the distribution-signed GRUB, and bootloader says systemd-boot, which the distribution does not sign; nothing was written/);
  await refused(context, `version: 1\n${files}\nfirmware: bios\nconfirm: true\n`, [], /secureBoot: Secure Boot is checked by UEFI firmware, and the disk is to boot on BIOS only \(firmware: bios\); nothing was written/);
  // A source whose newest generation runs an unsigned kernel: named, and the disk never written.
  const unsigned = join(context.dir, 'vmlinuz-unsigned');
  await writeFile(unsigned, withoutCertificates(new Uint8Array(await readFile(await ensureTestKernel()))));
  const root = (await makeSignedSystem(context.dir, { name: 'unsigned-root', count: 1, kernel: unsigned })).root;
  const stderr = await refused(context, `version: 1\n${files}\nconfirm: true\n`, [], /with Secure Boot on, shim and GRUB start only kernels signed by the certificate shim trusts:\n {2}generation 1: the kernel \S+\/bzImage carries no Authenticode signature/, '2G', root);
  assert.match(stderr, /hint: use the distribution's signed kernel/);
});

bad('a disk that does not match the expectations is refused', async (context) => {
  await refused(context, 'version: 1\ndisk: { expectSize: 4G }\nconfirm: true\n', [], /its size is 2G \(2147483648 bytes\), but .*answers-\w+\.yaml: disk\.expectSize expects 4G \(4294967296 bytes\)\nNothing was written\./);
  await refused(context, 'version: 1\ndisk: { expectSerial: S3X9NX0M }\nconfirm: true\n', [], /it is an image file, which has no serial, but .*answers-\w+\.yaml: disk\.expectSerial expects "S3X9NX0M"/);
});

bad('a target smaller than the layout is refused', async (context) => {
  await refused(context, 'version: 1\nconfirm: true\n', [], /refusing to write image file .*target\.img \(100M\):\n {2}- it is 100M, the layout needs at least/, '100M');
});

bad('a source profile without generations is refused', async (context) => {
  const empty = join(context.dir, 'empty-root');
  await mkdir(empty);
  const file = join(context.dir, 'a.yaml');
  await writeFile(file, 'version: 1\nconfirm: true\n');
  const result = await cairn(['install', '--answers', file, '--target', join(context.dir, 't.img'), '--size', '2G', '--source-root', empty, '--from', RECORDED_VM, '--log', join(context.dir, 'empty.log')]);
  assert.is(result.code, 1);
  assert.match(result.stderr, /the source profile \/cairn\/var\/profiles\/system under .*empty-root has no generations to install/);
  assert.not.ok(await pathExists(join(context.dir, 't.img')));
});

bad('a target too small for the generations is refused before anything is written: a new image is not created, an existing one is left as it was', async (context) => {
  const big = join(context.dir, 'big-root');
  const kernel = join(context.dir, 'huge-kernel');
  await writeFile(kernel, 'kernel');
  await truncate(kernel, 300 * 1024 * 1024); // sparse: 300 MiB of kernel
  await cairnOk(['generation', 'add', '--root', big, '--kernel', kernel]);
  const file = join(context.dir, 'full.yaml');
  await writeFile(file, 'version: 1\nconfirm: true\n');
  const message = /cairn: error: image file .*small\.img \(700M\) is too small: the install needs \d[\d.]*M \(30\d(\.\d+)?M of files for generation 1, in a root of \d[\d.]*M, and \d[\d.]*M for the other partitions and the table\); the disk has 700M, its root partition 187M\. Nothing was written\./;
  const image = join(context.dir, 'small.img');
  const result = await cairn(['install', '--answers', file, '--target', image, '--size', '700M', '--source-root', big, '--from', RECORDED_VM, '--log', join(context.dir, 'full.log')]);
  assert.is(result.code, 1, result.stderr);
  assert.match(result.stderr, message);
  assert.not.ok(await pathExists(image), 'no image was created');
  assert.not.ok(await pathExists(join(context.dir, 'full.log')), 'refused before the install started (its log)');

  // An existing image file of that size: the same refusal, and its bytes unchanged.
  await writeFile(image, 'an earlier image');
  await truncate(image, 700 * 1024 * 1024);
  const before = await sha256File(image);
  const again = await cairn(['install', '--answers', file, '--target', image, '--source-root', big, '--from', RECORDED_VM, '--log', join(context.dir, 'full.log')]);
  assert.is(again.code, 1, again.stderr);
  assert.match(again.stderr, message);
  assert.is(await sha256File(image), before, 'the image is left as it was');

  // The executor checks the root again with the tree it staged, before the disk is written.
  const platform = await detectPlatformOnly(await openRecording(RECORDED_VM));
  const target = await resolveTarget(join(context.dir, 'executed.img'), { sizeBytes: 700 * 1024 * 1024 });
  const plan = planInstall({ answers: decodeAnswers('version: 1\n', 'answers.yaml'), layout: guidedLayout({}), target, platform, firmware: 'uefi', source: { root: big, store: '/cairn/store', profile: await readProfile(big, '/cairn/var/profiles/system') }, users: [], seed: 'full' });
  const error = await caught(() => executeInstall(plan, { platform, target, workDirectory: join(context.dir, 'work-full'), logPath: join(context.dir, 'executed.log') }));
  assert.match(String(error), /is too small: the install needs .*its root partition 187M\. Nothing was written\./);
  assert.not.ok(await pathExists(join(context.dir, 'executed.img')));
});

bad('without confirm and with no terminal to ask, nothing is written', async (context) => {
  await refused(context, 'version: 1\n', [], /nothing was written: the answers do not say confirm: true, and there is no terminal to ask/);
});

bad('Ctrl-C during the install stops at the next safe point, says what was done, and writes nothing', async (context) => {
  const answers = decodeAnswers('version: 1\n', 'answers.yaml');
  const platform = await detectPlatformOnly(await openRecording(RECORDED_VM));
  const image = join(context.dir, 'stopped.img');
  const target = await resolveTarget(image, { sizeBytes: 2 * 1024 ** 3 });
  const plan = planInstall({
    answers,
    layout: guidedLayout({}),
    target,
    platform,
    firmware: 'uefi',
    source: { root: context.sysroot, store: '/cairn/store', profile: await readProfile(context.sysroot, '/cairn/var/profiles/system') },
    users: [],
    seed: 'stop',
  });
  const controller = new AbortController();
  const events: ProgressEvent[] = [];
  const onProgress = (event: ProgressEvent) => {
    events.push(event);
    if (event.kind === 'phase' && event.phase === 'copy') controller.abort(); // Ctrl-C while copying
  };
  const logPath = join(context.dir, 'stopped.log');
  try {
    await executeInstall(plan, { platform, target, workDirectory: join(context.dir, 'work'), logPath, onProgress, signal: controller.signal });
    assert.unreachable('the install should have stopped');
  } catch (error) {
    assert.instance(error, CancelledError);
    assert.match((error as Error).message, /stopped after copying the generations; the target .*stopped\.img was not written/);
  }
  assert.not.ok(await pathExists(image));
  assert.not.ok(await pathExists(join(context.dir, 'work')), 'the work directory is cleaned up');
  assert.ok(events.every((e) => e.kind !== 'phase' || !['check', 'table', 'filesystems'].includes(e.phase)), 'no disk phase started');
  const log = await (await import('node:fs/promises')).readFile(logPath, 'utf8');
  assert.match(log, /FAILED: stopped after copying the generations/);
});

bad.run();
