import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { run } from '../../lib/run.js';
import { isCryptHash, sha512Crypt, verifySha512Crypt } from '../../installer/password-hash.js';

test('SHA-512 crypt matches openssl passwd -6 for passwords of every length class', async () => {
  const cases: [string, string][] = [
    ['a', 'x'],
    ['correct horse battery staple', 'QmZ7RkY3cTJ5dWhM'],
    ['pässwörd ✓ with unicode', 'abc./XYZ'],
    ['x'.repeat(100), 'longpasswordsalt'],
  ];
  for (const [password, salt] of cases) {
    const { stdout } = await run('openssl', ['passwd', '-6', '-salt', salt, '-stdin'], { input: `${password}\n` });
    assert.is(sha512Crypt(password, { salt }), stdout.trim(), `password of ${password.length} characters`);
  }
});

test('explicit rounds are written into the hash and long salts cut to 16, as glibc does', () => {
  // Test vector from the SHA-crypt specification.
  assert.is(
    sha512Crypt('Hello world!', { salt: 'saltstringsaltstring', rounds: 10000 }),
    '$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.',
  );
});

test('random salts differ; verification accepts the right password only', () => {
  const a = sha512Crypt('secret');
  const b = sha512Crypt('secret');
  assert.is.not(a, b);
  assert.ok(verifySha512Crypt('secret', a));
  assert.not.ok(verifySha512Crypt('Secret', a));
  assert.ok(isCryptHash(a));
  assert.not.ok(isCryptHash('secret'));
  assert.ok(isCryptHash('$y$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o.9agCG9G317fhZg9SqC.5i5rd.RhAtQ7'));
});

test.run();
