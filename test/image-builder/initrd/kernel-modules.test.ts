/**
 * Kernel modules from the Debian test kernel's tree: the closure from each module's .modinfo (depends, and
 * softdep pre: through aliases), the modules.dep busybox depmod makes for exactly those modules, compressed
 * modules, and the errors for names the tree does not have.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { run } from '../../../lib/run.js';
import { kernelModuleEntries, parseModinfo, readModuleInfo, readModuleTree, resolveModuleClosure } from '../../../image-builder/initrd/kernel-modules.js';
import { ensureTestKernelModules } from '../../../scripts/test-system.js';
import { caught } from '../../support/caught.js';
import { withTemporaryDirectory } from '../../support/tree.js';

test('modinfo fields: depends (- as _), softdep pre: and post:, aliases, firmware', () => {
  const section = new TextEncoder().encode('license=GPL\0depends=jbd2,mbcache,crc-16\0softdep=pre: crypto-crc32c  post: foo\0alias=fs-ext4\0alias=ext3\0firmware=a.bin\0intree=Y\0');
  assert.equal(parseModinfo(section), { depends: ['jbd2', 'mbcache', 'crc_16'], softdepPre: ['crypto-crc32c'], softdepPost: ['foo'], aliases: ['fs-ext4', 'ext3'], firmware: ['a.bin'] });
  assert.equal(parseModinfo(new TextEncoder().encode('depends=\0')).depends, []);
});

test("ext4's closure: its depends, and crc32c through the softdep alias crypto-crc32c", async () => {
  const { directory, release } = await ensureTestKernelModules();
  const tree = await readModuleTree(directory);
  assert.is(tree.release, release);
  assert.is(tree.modules.get('ext4'), 'kernel/fs/ext4/ext4.ko');
  assert.ok(tree.modules.size > 3000, 'the whole tree is indexed');
  const closure = await resolveModuleClosure(tree, ['ext4', 'virtio-blk']);
  assert.equal(closure.modules.map((m) => m.name).sort(), ['crc16', 'crc32c_generic', 'crc32c_intel', 'ext4', 'jbd2', 'mbcache', 'virtio', 'virtio_blk', 'virtio_ring']);
  assert.equal(closure.unresolvedSoftdeps, []);
});

test('modules.dep made for the staged modules lists each one with what it needs, in load order', async () => {
  const { directory, release } = await ensureTestKernelModules();
  const tree = await readModuleTree(directory);
  const closure = await resolveModuleClosure(tree, ['ext4', 'virtio_pci']);
  const entries = await kernelModuleEntries(tree, closure);
  const paths = entries.map((e) => e.path);
  for (const name of ['modules.builtin', 'modules.builtin.modinfo', 'modules.order', 'modules.dep', 'modules.alias', 'modules.symbols']) assert.ok(paths.includes(`/lib/modules/${release}/${name}`), name);
  assert.ok(paths.includes(`/lib/modules/${release}/kernel/fs/ext4/ext4.ko`));
  const text = (name: string) => {
    const entry = entries.find((e) => e.path === `/lib/modules/${release}/${name}`)!;
    return 'data' in entry ? new TextDecoder().decode(entry.data as Uint8Array) : '';
  };
  const dep = new Map(
    text('modules.dep')
      .trim()
      .split('\n')
      .map((line) => {
        const [module, needs] = line.split(':');
        return [module!, needs!.trim().split(/\s+/).filter((n) => n !== '')];
      }),
  );
  assert.is(dep.size, closure.modules.length, 'one line per staged module');
  assert.equal(dep.get('kernel/fs/ext4/ext4.ko')!.sort(), ['kernel/fs/jbd2/jbd2.ko', 'kernel/fs/mbcache.ko', 'kernel/lib/crc16.ko']);
  assert.equal(dep.get('kernel/drivers/virtio/virtio_pci.ko')!.sort(), ['kernel/drivers/virtio/virtio.ko', 'kernel/drivers/virtio/virtio_pci_legacy_dev.ko', 'kernel/drivers/virtio/virtio_pci_modern_dev.ko', 'kernel/drivers/virtio/virtio_ring.ko']);
  assert.match(text('modules.alias'), /^alias crypto-crc32c crc32c_generic$/m);
  assert.match(text('modules.alias'), /^alias fs-ext4 ext4$/m);
  const again = await kernelModuleEntries(tree, closure);
  assert.equal(again, entries, 'the same modules give the same files');
});

test('xz- and zstd-compressed modules are read like plain ones', async () => {
  const { directory } = await ensureTestKernelModules();
  await withTemporaryDirectory(async (dir) => {
    const plain = await readModuleInfo(join(directory, 'kernel/fs/ext4/ext4.ko'));
    await copyFile(join(directory, 'kernel/fs/ext4/ext4.ko'), join(dir, 'ext4.ko'));
    await run('xz', ['-k', join(dir, 'ext4.ko')]);
    await run('zstd', ['-q', '-k', join(dir, 'ext4.ko')]);
    await run('gzip', ['-k', join(dir, 'ext4.ko')]);
    for (const suffix of ['xz', 'zst', 'gz']) assert.equal(await readModuleInfo(join(dir, `ext4.ko.${suffix}`)), plain, suffix);

    const tree = join(dir, 'lib', 'modules', '9.9.9-test');
    await mkdir(join(tree, 'kernel'), { recursive: true });
    await copyFile(join(dir, 'ext4.ko.xz'), join(tree, 'kernel', 'ext4.ko.xz'));
    const index = await readModuleTree(tree);
    assert.equal([...index.modules], [['ext4', 'kernel/ext4.ko.xz']]);
    const error = (await caught(() => resolveModuleClosure(index, ['ext4']))) as Error;
    assert.match(error.message, new RegExp(`kernel module jbd2, needed by ext4, is not in ${tree}`));
  });
});

test('a module the tree does not have is named with the tree, its release and a likely name; built-in ones are fine', async () => {
  const { directory, release } = await ensureTestKernelModules();
  const tree = await readModuleTree(directory);
  const error = (await caught(() => resolveModuleClosure(tree, ['ext4', 'virtio_blkk', 'no_such_module']))) as Error & { hint?: string };
  assert.is(error.message, `2 modules are not in the kernel's tree ${directory} (release ${release}), nor built in:\n  virtio_blkk (did you mean virtio_blk?)\n  no_such_module`);
  assert.match(error.hint ?? '', /check the names/);
  const builtin = [...tree.builtin][0]!;
  const closure = await resolveModuleClosure(tree, [builtin]);
  assert.equal([closure.modules, closure.builtin], [[], [builtin]]);
});

test.run();
