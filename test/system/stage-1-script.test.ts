/**
 * Stage 1's script as rendered (pure): without LUKS support it is byte for byte what it was before LUKS
 * existed (so plain generations keep their store paths and pinned hashes); with it, the shells that run it
 * parse it, it reads `cairn.luks=` afresh on every try, and the passphrase goes only through the shell's
 * printf builtin into a pipe, never onto a command line. The booting is in stage-1-luks.boot.test.ts.
 */
import { createHash } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LUKS_MODULES, LUKS_OPTIONAL_MODULES } from '../../image-builder/system/build-system.js';
import { renderStage1Init, type Stage1Options } from '../../image-builder/system/stage-1.js';
import { run } from '../../lib/run.js';

const PLAIN: Stage1Options = { store: '/cairn/store', profiles: '/cairn/var/profiles', modules: ['virtio_blk', 'ext4'], e2fsck: '/bin/e2fsck', blkid: '/bin/blkid' };
const WITH_LUKS: Stage1Options = { ...PLAIN, luks: { cryptsetup: '/bin/cryptsetup', modules: LUKS_MODULES, optionalModules: LUKS_OPTIONAL_MODULES } };

/** SHA-256 of PLAIN's script as the stage 1 before LUKS support rendered it (main at 4c337d6). */
const PLAIN_SHA256 = '60ab1f398b537acb5cf029b3dcedb0c9226971d89e868b4a7d9c4e789f047f5d';

test('without LUKS support the script keeps its bytes, and names neither cryptsetup nor cairn.luks', () => {
  const script = renderStage1Init(PLAIN);
  assert.is(createHash('sha256').update(script).digest('hex'), PLAIN_SHA256);
  assert.not.match(script, /cryptsetup|luks/);
});

test('with LUKS support: busybox sh and dash parse it; it asks on every console, three tries, and opens luks-<uuid> before looking for root=', async () => {
  const script = renderStage1Init(WITH_LUKS);
  await run('/bin/busybox', ['sh', '-n', '-c', script]);
  await run('sh', ['-n', '-c', script]);
  assert.match(script, /^ {2}root= fstype= flags= mode=rw init= live= timeout=60 luks=$/m, 'cairn.luks= is read afresh on every try');
  assert.match(script, /^ {6}cairn\.luks=\*\) luks="\$luks \$\{p#cairn\.luks=\}" ;;$/m);
  assert.match(script, /^ {4}name=luks-\$luks_uuid$/m);
  assert.match(script, /^ {2}tries=3$/m);
  assert.match(script, /^ {2}for c in \$\(consoles\); do\n {4}\[ "\$c" = tty0 \] && c=tty1\n {4}\(\n/m, 'one reader per console');
  const installed = script.slice(script.indexOf('boot_installed() {'));
  assert.ok(installed.indexOf('open_luks || return 1') < installed.indexOf('wait_for find_root'), 'the LUKS devices are opened before the root is looked for');
});

test('the passphrase reaches cryptsetup through a pipe from the printf builtin: never an argument, never a file', () => {
  const script = renderStage1Init(WITH_LUKS);
  const uses = script.split('\n').filter((line) => line.includes('$passphrase'));
  assert.equal(uses.map((l) => l.trim()), ['[ -n "$passphrase" ] && break', 'printf \'%s\' "$passphrase" > "$luks_pipe"']);
  assert.match(script, /IFS= read -rs passphrase < "\/dev\/\$c"/, 'read without echo, byte for byte (no IFS trimming, no backslash escapes)');
  assert.match(script, /mkfifo -m 600 "\$luks_pipe"/, 'the pipe is a FIFO, whose bytes never reach a filesystem');
  assert.match(script, /DM_DISABLE_UDEV=1 "\$cryptsetup" open --type luks2 --key-file=- "\$1" "\$2" < "\$luks_pipe"/);
});

test.run();
