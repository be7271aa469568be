/**
 * The installer's screens with ink-testing-library and a fake engine: the whole flow; keys typed one at a
 * time, each screen's keys as one write, and the whole installation as one write giving the same answers;
 * keys typed while work runs; Ctrl-C on every screen and during the install; a retry; bad input (a paste
 * of 10,000 characters, a write that ends half-way through an escape sequence).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InstallerApp } from '../../../installer/screens/installer-app.js';
import type { ExitAction } from '../../../installer/screens/installer-state.js';
import type { DraftAnswers, QuestionSection } from '../../../installer/engine/contract.js';
import { Gate, fakeEngine, fakeInitial, fakeModel, type FakeEngine } from '../../support/fake-installer.js';
import { renderScreen, type ScreenDriver } from '../../support/ink.js';

interface Exit {
  action: ExitAction;
  installed: boolean;
  answers: DraftAnswers;
  /** The screen as it was when the installer was left (Ink in CI mode writes a stale frame when it unmounts). */
  frame: string;
}

async function start(engine: FakeEngine, options: { initial?: DraftAnswers; sections?: QuestionSection[] } = {}): Promise<{ screen: ScreenDriver; exits: Exit[] }> {
  const exits: Exit[] = [];
  const drawn: { screen?: ScreenDriver } = {};
  const screen = await renderScreen(
    <InstallerApp
      model={fakeModel}
      engine={engine}
      initial={options.initial ?? fakeInitial}
      {...(options.sections ? { sections: options.sections } : {})}
      onExit={(r) => exits.push({ ...r, frame: drawn.screen?.frame() ?? '' })}
    />,
  );
  drawn.screen = screen;
  return { screen, exits };
}

const DOWN = '\u001b[B';
const UP = '\u001b[A';

/** Each screen of a whole installation: what it shows first, and the keys that answer it. */
const SCREENS: readonly { readonly title: RegExp; readonly keys: string }[] = [
  { title: /Welcome\s+\(step 1 of 9\)/, keys: 'fr\r' },
  { title: /Keyboard layout\s+\(step 2/, keys: `${UP}\r` },
  { title: /Time zone\s+\(step 3/, keys: 'paris\r' },
  { title: /Hardware\s+\(step 4/, keys: '\r' },
  { title: /Disk\s+\(step 5/, keys: `${DOWN}\r` },
  // Root filesystem: btrfs; then "Use this layout" (once the new plan is made).
  { title: /Partitions\s+\(step 6/, keys: `${DOWN}\r${DOWN}\r\r` },
  { title: /Host name and user\s+\(step 7/, keys: '\u0015box\ralice\rsecret1\rsecret1\r' },
  // Uncheck generation 1 (the cursor starts on 3; 2 is current and locked).
  { title: /Generations\s+\(step 8/, keys: `${DOWN}${DOWN} \r` },
  { title: /Summary\s+\(step 9/, keys: 'vdb\r' },
  { title: /Cairn installer - Done/, keys: '\r' },
];

const EXPECTED: DraftAnswers = {
  locale: 'fr_FR.UTF-8',
  keyMap: 'fr',
  timeZone: 'Europe/Paris',
  hostName: 'box',
  disk: '/dev/vdb',
  layout: { kind: 'guided', filesystem: 'btrfs', swap: 'none' },
  users: [{ name: 'alice', passwordHash: 'hash:secret1' }],
  generations: [3, 2],
};

/** The keys of a string, each as the bytes a terminal sends for it. */
function keysOf(bytes: string): string[] {
  // eslint-disable-next-line no-control-regex -- keys are split where an escape sequence begins, at ESC (U+001B)
  return bytes.match(/\u001b\[[0-9;]*[A-Za-z~]|\u001bO[A-Z]|[\s\S]/gu) ?? [];
}

async function finish(screen: ScreenDriver, exits: Exit[], engine: FakeEngine): Promise<{ frame: string; installed: DraftAnswers[]; exits: Exit[] }> {
  await screen.until(() => exits.length === 1, 'leaving the installer', 10_000);
  screen.unmount();
  return { frame: exits[0]!.frame, installed: engine.installed, exits };
}

test('keys typed one at a time, each screen as one write, and the whole installation as one write give the same answers', async () => {
  // One key per write, each screen waited for first.
  const typedEngine = fakeEngine();
  const typed = await start(typedEngine);
  for (const screen of SCREENS) {
    await typed.screen.waitFor(screen.title);
    for (const key of keysOf(screen.keys)) await typed.screen.write(key);
  }
  const oneByOne = await finish(typed.screen, typed.exits, typedEngine);

  // Each screen's keys as one write, written as soon as the screen shows.
  const screenEngine = fakeEngine();
  const perScreen = await start(screenEngine);
  for (const screen of SCREENS) {
    await perScreen.screen.waitFor(screen.title);
    await perScreen.screen.write(screen.keys);
  }
  const screenWrites = await finish(perScreen.screen, perScreen.exits, screenEngine);

  // Everything, every screen and the done screen's Enter, as one write before the first screen has moved.
  const burstEngine = fakeEngine();
  const burst = await start(burstEngine);
  await burst.screen.write(SCREENS.map((s) => s.keys).join(''));
  const oneWrite = await finish(burst.screen, burst.exits, burstEngine);

  for (const [name, run] of [['one at a time', oneByOne], ['a write per screen', screenWrites], ['one write', oneWrite]] as const) {
    assert.equal(run.installed, [EXPECTED], name);
    assert.equal(run.exits.map((e) => [e.action, e.installed]), [['exit', true]], name);
    assert.equal(run.exits[0]!.answers, EXPECTED, name);
    assert.match(run.frame, /Installed onto \/dev\/vdb/, name);
  }
  assert.is(screenWrites.frame, oneByOne.frame);
  assert.is(oneWrite.frame, oneByOne.frame);
});

test('the partitions screen encrypts the root: the passphrase typed twice, masked; empty and differing ones refused on the screen; one key at a time and one write give the same answers', async () => {
  // From "Use this layout": down to "Encrypt the root filesystem (no)", yes, then the passphrase views.
  const toEncrypt = `${DOWN}${DOWN}${DOWN}${DOWN}${DOWN}\r${DOWN}\r`;
  const keys = `${toEncrypt}\rabc\rabd\r pass word \r pass word \r\r`;
  const expected = { passphrase: ' pass word ' };

  const typedEngine = fakeEngine();
  const typed = await start(typedEngine, { initial: { ...fakeInitial, disk: '/dev/vda' }, sections: ['layout'] });
  await typed.screen.waitFor(/Hardware/);
  await typed.screen.write('\r');
  await typed.screen.waitFor(/> Use this layout$/m);
  for (const key of keysOf(toEncrypt)) await typed.screen.write(key);
  await typed.screen.waitFor(/Passphrase of the encrypted root/);
  await typed.screen.write('\r');
  await typed.screen.waitFor(/the passphrase is empty: type one/);
  for (const key of keysOf('abc\r')) await typed.screen.write(key);
  await typed.screen.waitFor(/Type the passphrase again/);
  for (const key of keysOf('abd')) await typed.screen.write(key);
  const masked = await typed.screen.waitFor(/\*\*\*/);
  assert.not.match(masked, /abd/, 'the passphrase is masked');
  await typed.screen.write('\r');
  await typed.screen.waitFor(/the two passphrases differ; type it again/);
  for (const key of keysOf(' pass word \r pass word \r')) await typed.screen.write(key);
  const menu = await typed.screen.waitFor(/Encrypt the root filesystem \(yes\)/);
  assert.match(menu, /Root encrypted: LUKS2, aes-xts-plain64, argon2id/);
  assert.not.match(menu, /pass word/);
  await typed.screen.write('\r');
  await typed.screen.waitFor(/Summary/);
  await typed.screen.write('vda\r');
  await typed.screen.until(() => typedEngine.installed.length === 1, 'the install');
  assert.equal(typedEngine.installed[0]!.encryption, expected);
  typed.screen.unmount();

  const burstEngine = fakeEngine();
  const burst = await start(burstEngine, { initial: { ...fakeInitial, disk: '/dev/vda' }, sections: ['layout'] });
  await burst.screen.write(`\r${keys}vda\r`);
  await burst.screen.until(() => burstEngine.installed.length === 1, 'the install');
  assert.equal(burstEngine.installed[0]!.encryption, expected);
  assert.equal(burstEngine.installed[0], typedEngine.installed[0]);
  burst.screen.unmount();
});

test('the users screen: "box\\ralice\\rsecret1\\rsecret1\\r" as one write fills the four fields in order', async () => {
  const engine = fakeEngine();
  const { screen, exits } = await start(engine, { initial: { ...fakeInitial, disk: '/dev/vda' }, sections: ['users'] });
  await screen.waitFor(/Hardware/);
  await screen.write('\r');
  await screen.waitFor(/Host name and user/);
  await screen.write('\u0015box\ralice\rsecret1\rsecret1\rvda\r');
  await screen.until(() => engine.installed.length === 1, 'the install');
  assert.equal(engine.installed[0]!.hostName, 'box');
  assert.equal(engine.installed[0]!.users, [{ name: 'alice', passwordHash: 'hash:secret1' }]);
  await screen.write('\r');
  await screen.until(() => exits.length === 1, 'leaving');
  screen.unmount();
});

test('the whole flow: answers survive going back, a wrong disk name is refused, then the install runs', async () => {
  const engine = fakeEngine();
  const { screen, exits } = await start(engine);
  await screen.waitFor(/Welcome\s+\(step 1 of 9\)/);
  await screen.press('enter');
  await screen.waitFor(/Keyboard layout/);
  await screen.type('de');
  await screen.waitFor(/> de/);
  await screen.press('enter');
  await screen.waitFor(/Time zone/);
  await screen.press('enter');
  const hardware = await screen.waitFor(/Hardware\s+\(step 4 of 9\)/);
  assert.match(hardware, /CPU\s+QEMU Virtual CPU/);
  await screen.press('enter');
  await screen.waitFor(/Install on which disk/);
  await screen.press('down', 'enter'); // vdb
  await screen.waitFor(/root 100% ext4/);
  await screen.press('enter');
  await screen.waitFor(/Host name and user/);
  await screen.press('enter');
  await screen.waitFor(/User name:/);
  await screen.type('bob');
  await screen.press('enter');
  await screen.waitFor(/User name:\s+bob/);
  await screen.type('pw');
  await screen.press('enter');
  await screen.waitFor(/Password:\s+\*{8}/);
  await screen.type('pw');
  await screen.press('enter');
  await screen.waitFor(/Generations to install/);

  // Back three steps: the disk screen still has vdb under the cursor, the keymap is still de.
  await screen.press('escape');
  await screen.waitFor(/Host name and user/);
  await screen.press('escape');
  await screen.waitFor(/Partitions/);
  await screen.press('escape');
  const disk = await screen.waitFor(/Install on which disk/);
  assert.match(disk, /> vdb/);
  await screen.press('enter');
  await screen.waitFor(/root 100% ext4/);
  await screen.press('enter');
  // The users screen keeps the names; an empty password keeps the hash already made.
  await screen.waitFor(/Host name and user/);
  await screen.press('enter');
  await screen.waitFor(/User name:/);
  await screen.press('enter');
  await screen.waitFor(/empty keeps the password/);
  await screen.press('enter');
  await screen.waitFor(/Repeat password/);
  await screen.press('enter');
  await screen.waitFor(/Generations to install/);
  await screen.press('enter');
  const summary = await screen.waitFor(/These will be ERASED/);
  assert.match(summary, /Keyboard\s+de/);
  assert.match(summary, /\/dev\/vdb \(all of it\)/);

  await screen.type('vda');
  await screen.press('enter');
  await screen.waitFor(/"vda" is not vdb: nothing was written/);
  assert.is(engine.installed.length, 0);
  await screen.type('vdb');
  await screen.press('enter');
  await screen.waitFor(/Done/);
  assert.equal(engine.installed, [{ ...fakeInitial, keyMap: 'de', disk: '/dev/vdb', hostName: 'cairn', users: [{ name: 'bob', passwordHash: 'hash:pw' }], generations: [3, 2, 1] }]);
  await screen.press('enter');
  await screen.until(() => exits.length === 1, 'leaving');
  assert.equal(exits.map((e) => [e.action, e.installed]), [['exit', true]]);
  screen.unmount();
});

test('only the sections asked are shown; the others come from the answers', async () => {
  const engine = fakeEngine();
  const { screen } = await start(engine, { initial: { ...fakeInitial, disk: '/dev/vda', users: [{ name: 'ann', passwordHash: 'h' }] }, sections: ['generations'] });
  const first = await screen.waitFor(/Hardware\s+\(step 1 of 3\)/);
  assert.match(first, /QEMU Virtual CPU/);
  await screen.press('enter');
  await screen.waitFor(/Generations to install/);
  await screen.press('space', 'enter');
  await screen.waitFor(/Summary/);
  await screen.type('vda');
  await screen.press('enter');
  await screen.until(() => engine.installed.length === 1, 'the install');
  assert.equal(engine.installed[0]!.generations, [2, 1]);
  screen.unmount();
});

test('Ctrl-C on every screen leaves without installing', async () => {
  for (let index = 0; index < SCREENS.length - 1; index++) {
    const engine = fakeEngine();
    const { screen, exits } = await start(engine);
    await screen.write(SCREENS.slice(0, index).map((s) => s.keys).join(''));
    await screen.waitFor(SCREENS[index]!.title);
    await screen.write('\u0003');
    await screen.until(() => exits.length === 1, `leaving from screen ${index + 1}`);
    assert.equal(exits.map((e) => [e.action, e.installed]), [['cancel', false]], `screen ${index + 1}`);
    assert.is(engine.installed.length, 0);
    screen.unmount();
  }
});

test('Ctrl-C while a plan or a hash is being made leaves at once; keys typed before it are not applied', async () => {
  const previewGate = new Gate();
  const engine = fakeEngine({ previewGate });
  const { screen, exits } = await start(engine, { initial: { ...fakeInitial, disk: '/dev/vda' }, sections: ['layout'] });
  await screen.write('\r');
  await screen.waitFor(/planning\.\.\./);
  await screen.write('\r\u0003');
  await screen.until(() => exits.length === 1, 'leaving');
  assert.equal(exits.map((e) => e.action), ['cancel']);
  previewGate.open();
  screen.unmount();
  assert.is(engine.installed.length, 0);
});

test('Ctrl-C during the install stops it: the done screen says nothing was written; typed-ahead keys are dropped', async () => {
  const installGate = new Gate();
  const engine = fakeEngine({ installGate });
  const { screen, exits } = await start(engine, { initial: { ...fakeInitial, disk: '/dev/vda' }, sections: [] });
  await screen.write('\rvda\r');
  await screen.waitFor(/Copying, attempt 1/);
  await screen.write('\r\u0003');
  const frame = await screen.waitFor(/Install failed/);
  assert.match(frame, /stopped after copying the generations; the target \/dev\/vda was not written/);
  assert.match(frame, /> Start the installer again/, 'the Enter typed before Ctrl-C did not retry');
  await screen.write(`${DOWN}\r`);
  await screen.until(() => exits.length === 1, 'leaving');
  assert.equal(exits.map((e) => [e.action, e.installed]), [['exit', false]]);
  screen.unmount();
});

test('Retry after a failure starts over from the summary with a fresh progress view', async () => {
  const second = new Gate();
  const engine = fakeEngine({ failing: [1], attemptGates: { 2: second } });
  const { screen, exits } = await start(engine, { initial: { ...fakeInitial, disk: '/dev/vda' }, sections: [] });
  await screen.write('\rvda\r');
  const failed = await screen.waitFor(/Install failed/);
  assert.match(failed, /mkfs\.ext4 failed/);
  assert.match(failed, /The full log is at \/tmp\/fake\.log/);
  await screen.write('\r');
  await screen.waitFor(/Summary/);
  await screen.write('vda\r');
  const progress = await screen.waitFor(/Copying, attempt 2/);
  assert.not.match(progress, /attempt 1/, 'nothing of the first attempt is on the progress screen');
  second.open();
  await screen.waitFor(/Cairn installer - Done/);
  await screen.write('\r');
  await screen.until(() => exits.length === 1, 'leaving');
  screen.unmount();
});

test('Enter on a screen whose plan is still being made waits for the plan, then goes on; keys typed meanwhile follow it', async () => {
  const previewGate = new Gate();
  const engine = fakeEngine({ previewGate });
  const { screen, exits } = await start(engine, { initial: { ...fakeInitial, disk: '/dev/vda' }, sections: ['layout', 'users'] });
  await screen.write('\r');
  await screen.waitFor(/Use this layout \(planning\.\.\.\)/);
  await screen.write('\r\u0015box\ralice\r');
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.match(screen.frame(), /Partitions/, 'still on the layout screen while the plan is made');
  assert.match(screen.frame(), /planning\.\.\./);
  previewGate.open();
  const users = await screen.waitFor(/Password:/);
  assert.match(users, /Host name:\s+box/);
  assert.match(users, /User name:\s+alice/);
  await screen.write('\u0003');
  await screen.until(() => exits.length === 1, 'leaving');
  screen.unmount();
});

test('keys typed while the password is hashed go to the next screen, not to a field', async () => {
  const hashGate = new Gate();
  const engine = fakeEngine({ hashGate });
  const { screen } = await start(engine, { initial: { ...fakeInitial, disk: '/dev/vda' }, sections: ['users', 'generations'] });
  await screen.write('\r');
  await screen.waitFor(/Host name and user/);
  await screen.write('\ralice\rpw\rpw\r');
  await screen.waitFor(/Hashing the password/);
  await screen.write(` \rvda\r`);
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.match(screen.frame(), /Hashing the password/);
  hashGate.open();
  await screen.until(() => engine.installed.length === 1, 'the install');
  assert.equal(engine.installed[0]!.users, [{ name: 'alice', passwordHash: 'hash:pw' }]);
  assert.equal(engine.installed[0]!.generations, [2, 1], 'Space unchecked generation 3 on the generations screen');
  screen.unmount();
});

test('a paste of 10,000 characters into a text field keeps what fits, with a message; a bracketed paste too', async () => {
  const engine = fakeEngine();
  const { screen } = await start(engine, { initial: { ...fakeInitial, disk: '/dev/vda' }, sections: ['users'] });
  await screen.write('\r');
  await screen.waitFor(/Host name and user/);
  await screen.write(`\u0015${'a'.repeat(10_000)}`);
  let frame = await screen.waitFor(/this field holds at most 253 characters: the rest was left out/);
  assert.match(frame, /Host name:\s+\.\.\.a{57}/, 'the end of the value is shown on one line');
  await screen.write('\u0015box\r');
  await screen.waitFor(/User name:/);
  await screen.write(`\u001b[200~${'b'.repeat(10_000)}\r\u001b[201~`);
  frame = await screen.waitFor(/this field holds at most 32 characters/);
  assert.not.match(frame, /Password:.*\*/, 'the newline in the paste did not submit the field');
  await screen.write('\u0015alice\rpw\rpw\r');
  await screen.waitFor(/Summary/);
  await screen.write('vda\r');
  await screen.until(() => engine.installed.length === 1, 'the install');
  assert.is(engine.installed[0]!.hostName, 'box');
  screen.unmount();
});

test('a write that ends half-way through an escape sequence is completed by the next; a lone Esc goes back', async () => {
  const engine = fakeEngine();
  const { screen, exits } = await start(engine);
  await screen.waitFor(/Welcome/);
  await screen.write('\r\u001b[');
  await screen.waitFor(/Keyboard layout/);
  await screen.write('A');
  await screen.waitFor(/> fr/);
  assert.not.match(screen.frame(), /Welcome/, 'the cut-off sequence was not taken as Esc (back)');
  await screen.write('\u001b');
  await screen.waitFor(/Welcome/, 2000);
  await screen.write('\u001b[B\u001b');
  await screen.write('[B\r');
  await screen.waitFor(/Keyboard layout/);
  await screen.write('\u0003');
  await screen.until(() => exits.length === 1, 'leaving');
  assert.is(exits[0]!.answers.locale, 'fr_FR.UTF-8', 'two Downs from en_US.UTF-8');
  screen.unmount();
});

test('two Enters on the hardware screen choose the disk under the cursor, as typing them one at a time does', async () => {
  const engine = fakeEngine();
  const { screen, exits } = await start(engine, { sections: ['disk'] });
  await screen.waitFor(/Hardware/);
  await screen.write('\r\r');
  await screen.waitFor(/Summary/);
  await screen.write('\u0003');
  await screen.until(() => exits.length === 1, 'leaving');
  assert.is(exits[0]!.answers.disk, '/dev/vda');
  screen.unmount();
});

test.run();
