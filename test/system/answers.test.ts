import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ValidationError } from '../../lib/errors.js';
import { decodeAnswers } from '../../system/answers.js';

function problems(text: string): string[] {
  try {
    decodeAnswers(text, 'answers.yaml');
  } catch (error) {
    if (error instanceof ValidationError) return error.problems.map((p) => `${p.line}: ${p.path}: ${p.message}`);
    throw error;
  }
  throw new Error('expected problems');
}

test('only version is required; every other key has its documented default', () => {
  assert.equal(decodeAnswers('version: 1\n', 'answers.yaml'), {
    version: 1,
    hostName: 'cairn',
    timeZone: 'UTC',
    locale: 'en_US.UTF-8',
    keyMap: 'us',
    disk: {},
    layout: 'guided',
    filesystem: 'ext4',
    swap: 'none',
    users: [],
    generations: 'all',
    kernelParams: [],
    confirm: false,
    finish: 'poweroff',
    interactive: [],
    secureBoot: false,
  });
});

test('finish: poweroff (default), reboot or shell; anything else is a problem at its key path', () => {
  assert.is(decodeAnswers('version: 1\nfinish: reboot\n', 'answers.yaml').finish, 'reboot');
  assert.equal(problems('version: 1\nconfirm: true\nfinish: halt\n'), ['3: finish: expected one of poweroff, reboot, shell (got "halt")']);
});

test('the example from the issue validates; layout files and inline layouts are told apart', () => {
  const answers = decodeAnswers(
    ['version: 1', 'hostName: box', 'timeZone: Europe/Berlin', 'locale: en_US.UTF-8', 'keyMap: us', 'disk: { expectSerial: S3X9NX0M, expectSize: 512G }', 'layout: guided', 'filesystem: ext4', 'swap: 2G',
      'users: [{ name: alice, password: "correct horse" }]', 'generations: all', 'bootloader: systemd-boot', 'confirm: true', 'interactive: []', ''].join('\n'),
    'answers.yaml',
  );
  assert.equal(answers.disk, { expectSerial: 'S3X9NX0M', expectSize: '512G' });
  assert.equal(answers.users, [{ name: 'alice', password: 'correct horse' }]);
  assert.equal(decodeAnswers('version: 1\nlayout: ./disk.layout.yaml\n', 'a.yaml').layout, { file: './disk.layout.yaml' });
  const inline = decodeAnswers('version: 1\nlayout:\n  partitions:\n    - { name: ESP, type: esp, size: 512M, format: vfat }\n    - { name: root, type: root, size: 100%, format: ext4 }\n', 'a.yaml').layout;
  assert.ok(typeof inline === 'object' && 'inline' in inline && inline.inline.partitions.length === 2);
  assert.equal(decodeAnswers('version: 1\ngenerations: { newest: 2 }\n', 'a.yaml').generations, { newest: 2 });
});

test('unknown keys and wrong types: every problem at once, with lines and key paths', () => {
  assert.equal(
    problems(['version: 2', 'hostname: box', 'swap: lots', 'users:', '  - name: Alice', '    password: x', '    passwordHash: "$6$abc$def"', 'generations: [0]', 'confirm: yes please', 'interactive: [disks]', ''].join('\n')),
    [
      '1: version: expected 1 (got 2)',
      '2: hostname: unknown key; did you mean "hostName"?',
      '3: swap: expected a size such as 2G, or none',
      '5: users[0].name: expected a user name: a lower case letter or _, then lower case letters, digits, _ or - (at most 32) (got "Alice")',
      '5: users[0]: give password or passwordHash, not both',
      '8: generations[0]: must be more than 0 (got 0)',
      '9: confirm: expected true or false (got "yes please")',
      '10: interactive[0]: expected one of welcome, keyboard, timezone, disk, layout, users, generations (got "disks")',
    ],
  );
});

test('an inline layout is checked by the layout rules, its problems under layout.', () => {
  assert.equal(problems('version: 1\nlayout:\n  partitions:\n    - { name: a, type: root, size: 60% }\n    - { name: b, type: linux, size: 60% }\n'), [
    '5: layout.partitions[1].size: the percentages of partitions[0], partitions[1] add up to 120% of what is left; at most 100% can be given out',
  ]);
  assert.match(problems('version: 1\nlayout: {}\n')[0]!, /layout\.partitions: missing required key/);
});

test('the guided root is ext4 or btrfs: xfs cannot be filled without mounting', () => {
  assert.match(problems('version: 1\nfilesystem: xfs\n')[0]!, /filesystem: expected one of ext4, btrfs \(got "xfs"\)/);
});

test('plain passwords are not crypt hashes', () => {
  assert.match(problems('version: 1\nusers: [{ name: bob, passwordHash: hunter2 }]\n')[0]!, /users\[0\]\.passwordHash: expected a crypt\(3\) hash/);
});

test.run();
