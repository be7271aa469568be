/**
 * `cairn install` with its screens for real, onto image files of the example system, against an unattended
 * install of the same answers: keys typed one at a time in a real terminal (tmux); the whole installation's
 * keys sent at once, in tmux and through plain pipes whose output a terminal emulator (xterm.js) reads; and
 * `--plain` from a pipe. Each gives the same partition table and configuration as the unattended run, and
 * nothing but the installer draws on the screen.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { verifySha512Crypt } from '../../installer/password-hash.js';
import { cairnOk, repoRoot } from '../support/cli.js';
import { readExt4File, readSfdisk } from '../support/disk-image.js';
import { makeExampleSystem } from '../support/example-system.js';
import { PipeTerminal } from '../support/pipe-terminal.js';
import { TmuxTerminal } from '../support/tmux.js';
import { pathExists, removeTree, temporaryDirectory } from '../support/tree.js';

const RECORDED_VM = join(repoRoot, 'fixtures/machines/qemu-kvm-virtio/recording');
const PASSWORD = 'correct horse';
const CONFIG_FILES = ['/etc/cairn/configuration.yaml', '/etc/cairn/hardware-configuration.yaml'];

/** Every key of the installation, screen by screen, as a terminal sends them. */
const WHOLE_INSTALL = [
  '\r', // welcome: en_US.UTF-8
  '\r', // keyboard: us
  'berlin\r', // time zone: Europe/Berlin
  '\r', // hardware
  '\r', // disk: the image file
  '\r', // partitions: the guided layout, once planned
  `\u0015box\ralice\r${PASSWORD}\r${PASSWORD}\r`, // host name (Ctrl-U clears "cairn"), user, password twice
  '\r', // generations: all
  'disk.img\r', // summary: the image file's name confirms
  '\r', // done: exit
].join('');

/** What no screen may show: a warning or error printed over the installer. */
const STRAY_OUTPUT = /Warning|Error|Encountered two children|\(node:\d+\)/;

interface Context {
  dir: string;
  sysroot: string;
  /** The unattended install: partition table and configuration files (hashes verified and masked). */
  expected: { table: Awaited<ReturnType<typeof readSfdisk>>; files: string[] };
}

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

async function installed(image: string): Promise<Context['expected']> {
  const table = await readSfdisk(image);
  const rootOffset = table.partitions[1]!.start * 512;
  const files: string[] = [];
  for (const file of CONFIG_FILES) files.push(withoutHashes(await readExt4File(image, rootOffset, file)));
  return { table, files };
}

async function assertSameInstall(image: string, expected: Context['expected']): Promise<void> {
  const actual = await installed(image);
  assert.is(actual.table.id, expected.table.id);
  assert.equal(actual.table.partitions.map(({ node: _, ...p }) => p), expected.table.partitions.map(({ node: _, ...p }) => p));
  for (const [index, file] of CONFIG_FILES.entries()) assert.fixture(actual.files[index]!, expected.files[index]!, file);
  assert.match(actual.files[0]!, /^hostName: box$/m);
  assert.match(actual.files[0]!, /^timeZone: Europe\/Berlin$/m);
}

function installArguments(dir: string, name: string): string[] {
  return ['install', '--target', join(dir, name, 'disk.img'), '--size', '2G', '--source-root', join(dir, 'sysroot'), '--from', RECORDED_VM, '--log', join(dir, `${name}.log`)];
}

const terminal = suite<Context>('the installer on a real terminal');

terminal.before(async (context) => {
  context.dir = await temporaryDirectory();
  context.sysroot = (await makeExampleSystem(context.dir)).root;
  await mkdir(join(context.dir, 'unattended'));
  await writeFile(join(context.dir, 'answers.yaml'), ['version: 1', 'hostName: box', 'timeZone: Europe/Berlin', `users: [{ name: alice, password: "${PASSWORD}" }]`, 'confirm: true', ''].join('\n'));
  await cairnOk([...installArguments(context.dir, 'unattended'), '--answers', join(context.dir, 'answers.yaml')]);
  context.expected = await installed(join(context.dir, 'unattended', 'disk.img'));
});

terminal.after(async (context) => {
  await removeTree(context.dir);
});

/** From the users screen's user name to the summary: alice with PASSWORD typed twice, all generations. */
async function userAndGenerations(tty: TmuxTerminal): Promise<void> {
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
}

async function startInTmux(dir: string, name: string): Promise<TmuxTerminal> {
  await mkdir(join(dir, name));
  const command = shellWords([process.execPath, '--import', 'tsx', join(repoRoot, 'cli/main.ts'), ...installArguments(dir, name)]);
  return TmuxTerminal.start(`cd ${shellWords([repoRoot])} && ${command}`, { width: 80, height: 24 });
}

terminal('tmux, one key at a time: the screens give the same disk and configuration as the unattended run', async ({ dir, expected }) => {
  const tty = await startInTmux(dir, 'typed');
  try {
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
    assert.not.match(hardware, STRAY_OUTPUT);
    await tty.keys('Enter');
    const disks = await tty.waitFor(/Install on which disk/);
    assert.match(disks, /> disk\.img/);
    assert.match(disks, /the image file will be created/);
    assert.not.match(disks, STRAY_OUTPUT);
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
    await userAndGenerations(tty);
    const summary = await tty.waitFor(/These will be ERASED/);
    assert.match(summary, /Time zone\s+Europe\/Berlin/);
    assert.match(summary, /Host name\s+box/);
    assert.not.match(summary, new RegExp(PASSWORD));
    await tty.type('wrong.img');
    await tty.keys('Enter');
    await tty.waitFor(/"wrong\.img" is not disk\.img: nothing was written/);
    await tty.type('disk.img');
    await tty.keys('Enter');
    const done = await tty.waitFor(/Cairn installer - Done/, 180_000);
    assert.not.match(done, STRAY_OUTPUT);
    await tty.keys('Enter'); // exit
    await tty.waitFor(/\[exited 0\]/);
    await assertSameInstall(join(dir, 'typed', 'disk.img'), expected);
  } finally {
    await tty.stop();
  }
});

terminal('tmux: the root encrypted on the partitions screen (passphrase typed twice, masked, a mismatch refused); the summary shows it and refuses an image file; nothing is written', async ({ dir }) => {
  const tty = await startInTmux(dir, 'encrypted');
  const passphrase = 'open sesame';
  try {
    await tty.waitFor(/Welcome\s+\(step 1 of 9\)/);
    await tty.keys('Enter', 'Enter'); // en_US.UTF-8, us
    await tty.waitFor(/Time zone/);
    await tty.keys('Enter'); // UTC
    await tty.waitFor(/Hardware\s+\(step 4 of 9\)/);
    await tty.keys('Enter');
    await tty.waitFor(/Install on which disk/);
    await tty.keys('Enter');
    await tty.waitFor(/root\s+1\.5G\s+ext4/);
    await tty.keys('End');
    await tty.waitFor(/> Encrypt the root filesystem \(no\)/);
    await tty.keys('Enter');
    await tty.waitFor(/Encrypt the root filesystem\?/);
    await tty.keys('Down', 'Enter');
    await tty.waitFor(/Passphrase of the encrypted root/);
    await tty.type(passphrase);
    const typed = await tty.waitFor(/\*{11}/);
    assert.not.match(typed, /sesame/);
    await tty.keys('Enter');
    await tty.waitFor(/Type the passphrase again/);
    await tty.type('open sesane');
    await tty.keys('Enter');
    await tty.waitFor(/the two passphrases differ; type it again/);
    await tty.type(passphrase);
    await tty.keys('Enter');
    await tty.waitFor(/Type the passphrase again/);
    await tty.type(passphrase);
    await tty.keys('Enter');
    const menu = await tty.waitFor(/> Use this layout[^]*Encrypt the root filesystem \(yes\)/);
    assert.match(menu, /Root encrypted: LUKS2, aes-xts-plain64, argon2id/);
    assert.not.match(menu, /sesame/);
    await tty.keys('Enter'); // use this layout
    await tty.waitFor(/Host name and user/);
    await tty.keys('Enter');
    await userAndGenerations(tty);
    const summary = await tty.waitFor(/encryption: \S+disk\.img is an image\s+file,\s+and\s+Cairn\s+encrypts\s+only\s+disks/);
    assert.match(summary, /Encryption\s+root encrypted \(LUKS2, aes-xts-plain64, argon2id\)/);
    // No sizes were measured for a plan that could not be made: none are shown, and "nothing was written" is said once.
    assert.match(summary, /Cannot install:\s*\n/);
    assert.not.match(summary, /needed 0B/);
    assert.is(summary.match(/nothing\s+was\s+written/gi)?.length, 1, summary);
    assert.not.match(summary, /sesame/);
    assert.not.match(summary, STRAY_OUTPUT);
    await tty.keys('C-c');
    await tty.waitFor(/\[exited \d+\]/);
    assert.not.ok(await pathExists(join(dir, 'encrypted', 'disk.img')), 'no image was written');
  } finally {
    await tty.stop();
  }
});

terminal('tmux, the whole installation sent at once: the same disk and configuration; the done screen is the last thing drawn', async ({ dir, expected }) => {
  const tty = await startInTmux(dir, 'burst');
  try {
    // Before the installer has the terminal in raw mode, the line discipline would take Ctrl-U and \r itself.
    await tty.waitFor(/Welcome\s+\(step 1 of 9\)/);
    await tty.send(WHOLE_INSTALL);
    const last = await tty.waitFor(/\[exited 0\]/, 240_000);
    assert.match(last, /Cairn installer - Done/);
    assert.match(last, /Installed generations 3, 2, 1 onto image file/);
    assert.not.match(last, STRAY_OUTPUT);
    await assertSameInstall(join(dir, 'burst', 'disk.img'), expected);
  } finally {
    await tty.stop();
  }
});

terminal('plain pipes read by a terminal emulator, the published bundle running, the whole installation written before the first screen: the same disk and configuration', async ({ dir, expected }) => {
  await mkdir(join(dir, 'piped'));
  const { CI: _ci, CONTINUOUS_INTEGRATION: _ci2, ...environment } = process.env;
  // The published package's bundle (dist/cli/cairn.cjs, as the installer ISO runs it), not the sources: the screens
  // are loaded on demand there, and a difference in how the bundle imports them shows here.
  const program = PipeTerminal.start([process.execPath, join(repoRoot, 'dist/cli/cairn.cjs'), ...installArguments(dir, 'piped'), '--screens'], {
    cwd: repoRoot,
    // Not in CI mode: there Ink draws only the last frame.
    env: { ...environment, TERM: 'xterm-256color' },
  });
  try {
    program.write(WHOLE_INSTALL);
    program.endInput();
    assert.is(await program.exited, 0, program.errors());
    const last = await program.screen();
    assert.match(last, /Cairn installer - Done/);
    assert.match(last, /Installed generations 3, 2, 1 onto image file/);
    assert.not.match(last, STRAY_OUTPUT);
    assert.is(program.errors(), '', 'nothing on stderr');
    await assertSameInstall(join(dir, 'piped', 'disk.img'), expected);
  } finally {
    program.stop();
  }
});

terminal('--plain asks the same questions one line at a time, from a pipe, and installs the same disk', async ({ dir, expected }) => {
  await mkdir(join(dir, 'plain'));
  // Enter keeps each default: ... layout 1, ext4, no swap, not encrypted, then host name and user.
  const lines = ['', '', 'Europe/Berlin', '', '', '1', '', '', '', 'box', 'alice', PASSWORD, PASSWORD, '', 'disk.img', ''];
  const result = await cairnOk([...installArguments(dir, 'plain'), '--plain'], { input: lines.join('\n') });
  assert.match(result.stdout, /Disk \(number or path\) \[.*disk\.img\]/);
  assert.match(result.stdout, /Type the disk's name \(disk\.img\) to install/);
  assert.match(result.stdout, /Installed generations 3, 2, 1 onto image file/);
  assert.not.ok(result.stdout.includes('\u001b['), 'no escape sequences');
  await assertSameInstall(join(dir, 'plain', 'disk.img'), expected);
});

terminal.run();
