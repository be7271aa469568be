import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { verifySha512Crypt } from '../../installer/password-hash.js';
import { cairnOk, repoRoot } from '../support/cli.js';
import { readExt4File, readSfdisk } from '../support/disk-image.js';
import { makeExampleSystem } from '../support/example-system.js';
import { TmuxTerminal } from '../support/tmux.js';
import { removeTree, temporaryDirectory } from '../support/tree.js';

const RECORDED_VM = join(repoRoot, 'fixtures/machines/qemu-kvm-virtio/recording');
const PASSWORD = 'correct horse';

function shellWords(words: string[]): string {
  return words.map((w) => `'${w.replaceAll("'", "'\\''")}'`).join(' ');
}

/** The configuration with each password hash checked against the password and then set aside. */
function withoutHashes(text: string): string {
  let verified = 0;
  const masked = text.replace(/^(\s*)passwordHash: (\S+)$/gm, (_line, indent: string, hash: string) => {
    assert.ok(verifySha512Crypt(PASSWORD, hash.replace(/^["']|["']$/g, '')), `the hash ${hash} verifies the password`);
    verified++;
    return `${indent}passwordHash: <verified>`;
  });
  assert.ok(verified > 0 || !/^users:/m.test(text), 'every user has a verified hash');
  return masked;
}

test('the screens in a real terminal give the same disk and configuration as the unattended run', async () => {
  const dir = await temporaryDirectory();
  const terminal: { value?: TmuxTerminal } = {};
  try {
    const sysroot = (await makeExampleSystem(dir)).root;
    await mkdir(join(dir, 'screens'));
    await mkdir(join(dir, 'unattended'));
    const viaScreens = join(dir, 'screens', 'disk.img');
    const viaAnswers = join(dir, 'unattended', 'disk.img');

    const command = shellWords([process.execPath, '--import', 'tsx', join(repoRoot, 'cli/main.ts'), 'install', '--target', viaScreens, '--size', '2G', '--source-root', sysroot, '--from', RECORDED_VM, '--log', join(dir, 'screens.log')]);
    const tty = await TmuxTerminal.start(`cd ${shellWords([repoRoot])} && ${command}`, { width: 80, height: 24 });
    terminal.value = tty;
    await tty.waitFor(/Welcome\s+\(step 1 of 9\)/);
    await tty.keys('Enter'); // en_US.UTF-8
    await tty.waitFor(/Keyboard layout/);
    await tty.keys('Enter'); // us
    await tty.waitFor(/Time zone/);
    await tty.type('berlin');
    await tty.waitFor(/> Europe\/Berlin/);
    await tty.keys('Enter');
    const hardware = await tty.waitFor(/Hardware\s+\(step 4 of 9\)/);
    assert.match(hardware, /virtual machine: kvm|qemu/i);
    await tty.keys('Enter');
    const disks = await tty.waitFor(/Install on which disk/);
    assert.match(disks, /> disk\.img/);
    assert.match(disks, /the image file will be created/);
    await tty.keys('Enter');
    await tty.waitFor(/root\s+1\.5G\s+ext4/);
    // Esc goes back a step and keeps the answers: the disk is still chosen.
    await tty.keys('Escape');
    await tty.waitFor(/Install on which disk/);
    await tty.keys('Enter');
    await tty.waitFor(/root\s+1\.5G\s+ext4/);
    await tty.keys('Enter'); // use the guided layout
    await tty.waitFor(/Host name and user/);
    await tty.keys('BSpace', 'BSpace', 'BSpace', 'BSpace', 'BSpace');
    await tty.type('box');
    await tty.keys('Enter');
    await tty.waitFor(/User name:/);
    await tty.type('alice');
    await tty.keys('Enter');
    await tty.waitFor(/Password:/);
    await tty.type(PASSWORD);
    await tty.keys('Enter');
    await tty.waitFor(/Repeat password:/);
    await tty.type(PASSWORD);
    await tty.keys('Enter');
    await tty.waitFor(/Generations to install/);
    await tty.keys('Enter');
    const summary = await tty.waitFor(/These will be ERASED/);
    assert.match(summary, /Time zone\s+Europe\/Berlin/);
    assert.match(summary, /Host name\s+box/);
    assert.not.match(summary, new RegExp(PASSWORD));
    await tty.type('wrong.img');
    await tty.keys('Enter');
    await tty.waitFor(/"wrong\.img" is not disk\.img: nothing was written/);
    await tty.type('disk.img');
    await tty.keys('Enter');
    await tty.waitFor(/Cairn installer - Done/, 180_000);
    await tty.keys('Enter'); // exit
    await tty.waitFor(/\[exited 0\]/);

    await writeFile(join(dir, 'answers.yaml'), ['version: 1', 'hostName: box', 'timeZone: Europe/Berlin', `users: [{ name: alice, password: "${PASSWORD}" }]`, 'confirm: true', ''].join('\n'));
    await cairnOk(['install', '--answers', join(dir, 'answers.yaml'), '--target', viaAnswers, '--size', '2G', '--source-root', sysroot, '--from', RECORDED_VM, '--log', join(dir, 'unattended.log')]);

    const [a, b] = [await readSfdisk(viaScreens), await readSfdisk(viaAnswers)];
    assert.is(a.id, b.id);
    assert.equal(a.partitions.map(({ node: _, ...p }) => p), b.partitions.map(({ node: _, ...p }) => p));
    const rootOffset = a.partitions[1]!.start * 512;
    for (const file of ['/etc/cairn/configuration.yaml', '/etc/cairn/hardware-configuration.yaml']) {
      assert.fixture(withoutHashes(await readExt4File(viaScreens, rootOffset, file)), withoutHashes(await readExt4File(viaAnswers, rootOffset, file)));
    }
  } finally {
    await terminal.value?.stop();
    await removeTree(dir);
  }
});

test('--plain asks the same questions one line at a time, from a pipe, and installs the same disk', async () => {
  const dir = await temporaryDirectory();
  try {
    const sysroot = (await makeExampleSystem(dir)).root;
    await mkdir(join(dir, 'plain'));
    const image = join(dir, 'plain', 'disk.img');
    const lines = ['', '', 'Europe/Berlin', '', '', '1', '', '', 'box', 'alice', PASSWORD, PASSWORD, '', 'disk.img', ''];
    const result = await cairnOk(['install', '--plain', '--target', image, '--size', '2G', '--source-root', sysroot, '--from', RECORDED_VM, '--log', join(dir, 'plain.log')], { input: lines.join('\n') });
    assert.match(result.stdout, /Disk \(number or path\) \[.*disk\.img\]/);
    assert.match(result.stdout, /Type the disk's name \(disk\.img\) to install/);
    assert.match(result.stdout, /Installed generations 3, 2, 1 onto image file/);
    assert.not.ok(result.stdout.includes('\u001b['), 'no escape sequences');
    const table = await readSfdisk(image);
    const configuration = await readExt4File(image, table.partitions[1]!.start * 512, '/etc/cairn/configuration.yaml');
    assert.match(configuration, /^hostName: box$/m);
    assert.match(configuration, /^timeZone: Europe\/Berlin$/m);
    withoutHashes(configuration);
  } finally {
    await removeTree(dir);
  }
});

test.run();
