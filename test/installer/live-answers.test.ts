/**
 * The live installer (`cairn install --live`) takes its answers from the medium: the file the kernel
 * command line names (`cairn.answers=`), else /cairn/answers.yaml, else none (it asks). Run here against a
 * directory standing for the mounted medium, planning onto an image file (--dry-run: nothing written).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { UserError } from '../../lib/errors.js';
import { findMediumAnswers, primaryConsole } from '../../installer/engine/medium-answers.js';
import { MEDIUM_ANSWERS_PATH } from '../../system/live-medium.js';
import { cairn, repoRoot } from '../support/cli.js';
import { makeExampleSystem } from '../support/example-system.js';
import { removeTree, temporaryDirectory } from '../support/tree.js';

interface Context {
  dir: string;
  sysroot: string;
  medium: string;
}

const RECORDED_VM = join(repoRoot, 'fixtures/machines/qemu-kvm-virtio/recording');
const live = suite<Context>('live installer answers');

live.before(async (context) => {
  context.dir = await temporaryDirectory();
  context.sysroot = (await makeExampleSystem(context.dir, 1)).root;
  context.medium = join(context.dir, 'medium');
  await mkdir(join(context.medium, 'cairn'), { recursive: true });
  await mkdir(join(context.medium, 'answers'), { recursive: true });
  await writeFile(join(context.medium, MEDIUM_ANSWERS_PATH), 'version: 1\nhostName: from-the-medium\nconfirm: true\n');
  await writeFile(join(context.medium, 'answers', 'other.yaml'), 'version: 1\nhostName: named-on-cmdline\n');
});

live.after(async (context) => {
  await removeTree(context.dir);
});

live('the medium\'s answers; the one cairn.answers= names; none when the medium has none; a named file that is missing is an error', async ({ dir, medium }) => {
  assert.is(await findMediumAnswers({ medium, cmdline: 'console=ttyS0,115200 cairn.live=CAIRN_LIVE' }), join(medium, MEDIUM_ANSWERS_PATH));
  assert.is(await findMediumAnswers({ medium, cmdline: 'quiet cairn.answers=/answers/other.yaml' }), join(medium, 'answers', 'other.yaml'));
  assert.is(await findMediumAnswers({ medium: join(dir, 'empty-medium'), cmdline: 'quiet' }), undefined, 'no answers: the installer asks');
  const missing = await findMediumAnswers({ medium, cmdline: 'cairn.answers=/answers/none.yaml' }).catch((error: unknown) => error);
  assert.instance(missing, UserError);
  assert.match((missing as Error).message, /cairn\.answers=\/answers\/none\.yaml names no file on the medium \(mounted at \S+medium\)/);
  const relative = await findMediumAnswers({ medium, cmdline: 'cairn.answers=answers/other.yaml' }).catch((error: unknown) => error);
  assert.match((relative as Error).message, /the kernel command line's cairn\.answers=answers\/other\.yaml: expected an absolute path on the medium/);
});

live('an unattended install runs on the console the kernel names last (tty0 is the first virtual terminal)', () => {
  assert.is(primaryConsole('tty0 ttyS0\n'), 'ttyS0');
  assert.is(primaryConsole('ttyS0 tty0\n'), 'tty1');
  assert.is(primaryConsole('ttyS1'), 'ttyS1');
  assert.is(primaryConsole(''), undefined);
});

live('cairn install --live plans from the answers on the medium', async ({ dir, sysroot, medium }) => {
  const result = await cairn(['install', '--live', '--medium', medium, '--target', join(dir, 'target.img'), '--size', '4G', '--source-root', sysroot, '--from', RECORDED_VM, '--dry-run']);
  assert.is(result.code, 0, result.stderr);
  assert.match(result.stderr, new RegExp(`Answers from the medium: ${join(medium, MEDIUM_ANSWERS_PATH).replaceAll('/', '\\/')}`));
  assert.match(result.stdout, /^Host from-the-medium, /m);
  const without = await cairn(['install', '--medium', medium, '--target', join(dir, 'target.img'), '--size', '4G', '--source-root', sysroot, '--from', RECORDED_VM, '--dry-run']);
  assert.match(without.stdout, /^Host cairn, /m, 'without --live the medium is not read');
});

live.run();
