import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bootFilesOf, buildBootMenu, entryId } from '../../bootloader/entries.js';
import { DomainError, UserError } from '../../lib/errors.js';
import type { ProgressEvent } from '../../lib/progress.js';
import { readProfile } from '../../system/profile.js';
import { repoRoot } from '../support/cli.js';
import { fakeBootspec, fakeProfile } from '../support/profiles.js';

function warningsOf(events: ProgressEvent[]): string[] {
  return events.flatMap((e) => (e.kind === 'warning' ? [e.message] : []));
}

test('one entry per generation and specialisation, newest first, specialisations right after their generation', () => {
  const profile = fakeProfile(
    [
      { number: 1, label: 'First' },
      { number: 2, label: 'Second', specialisations: { zeta: { label: 'Second Z' }, debug: { kernelParams: ['loglevel=7'] } } },
      { number: 10, label: 'Tenth' },
    ],
    2,
  );
  const menu = buildBootMenu(profile, { extraParams: ['root=LABEL=cairn'] });
  assert.equal(
    menu.entries.map((e) => [e.id, e.title, e.version]),
    [
      ['cairn-generation-10', 'Generation 10 - 2026-11-30 - Tenth', '10.1'],
      ['cairn-generation-2', 'Generation 2 - 2026-11-22 - Second', '2.3'],
      ['cairn-generation-2-specialisation-debug', 'Generation 2 - 2026-11-22 - Second (specialisation debug)', '2.2'],
      ['cairn-generation-2-specialisation-zeta', 'Generation 2 - 2026-11-22 - Second Z (specialisation zeta)', '2.1'],
      ['cairn-generation-1', 'Generation 1 - 2026-11-21 - First', '1.1'],
    ],
  );
  assert.is(menu.defaultId, 'cairn-generation-2', 'the default is the current generation, not the newest');
  assert.is(menu.defaultGeneration, 2);
  const debug = menu.entries[2]!;
  assert.equal(debug.kernelParams, [`init=${fakeBootspec(2).toplevel}-specialisation-debug/init`, 'loglevel=7', 'root=LABEL=cairn'], 'init, then the bootspec params, then the extra ones');
  assert.is(debug.specialisation, 'debug');
  assert.ok(menu.entries.every((e) => e.sortKey === 'cairn'));
  assert.equal(bootFilesOf(menu), [fakeBootspec(1).initrd, fakeBootspec(1).kernel].sort());
});

test('the date in titles is the UTC date of the generation', () => {
  const profile = fakeProfile([{ number: 42, label: 'Cairn 1.0 (Linux 6.1.0)', date: new Date('2026-11-20T23:30:00-05:00') }]);
  assert.is(buildBootMenu(profile).entries[0]!.title, 'Generation 42 - 2026-11-21 - Cairn 1.0 (Linux 6.1.0)');
  const unlabelled = fakeProfile([{ number: 3, label: '' }]);
  assert.is(buildBootMenu(unlabelled).entries[0]!.title, 'Generation 3 - 2026-11-23');
});

test('--limit keeps the N newest generations and always the current one', () => {
  const profile = fakeProfile([1, 2, 3, 4, 5].map((number) => ({ number })), 2);
  assert.equal(buildBootMenu(profile, { limit: 2 }).entries.map((e) => e.generation), [5, 4, 2]);
  assert.equal(buildBootMenu(profile, { limit: 10 }).entries.map((e) => e.generation), [5, 4, 3, 2, 1]);
  assert.throws(() => buildBootMenu(profile, { limit: 0 }), (error: unknown) => error instanceof UserError && /at least 1/.test(error.message));
});

test('a selection of generations; unknown numbers are named', () => {
  const events: ProgressEvent[] = [];
  const profile = fakeProfile([1, 2, 3].map((number) => ({ number })), 3);
  const menu = buildBootMenu(profile, { generations: [1, 2], onProgress: (e) => events.push(e) });
  assert.equal(menu.entries.map((e) => e.generation), [2, 1]);
  assert.is(menu.defaultId, 'cairn-generation-2', 'without the current generation, the newest selected one is the default');
  assert.equal(warningsOf(events), ['the current generation 3 is not among the selected generations; the default entry is generation 2']);
  assert.throws(
    () => buildBootMenu(profile, { generations: [2, 7, 9] }),
    (error: unknown) => error instanceof UserError && error.message === 'generations 7, 9 not found in /cairn/var/profiles/system' && /1, 2, 3/.test(error.hint ?? ''),
  );
});

test('a generation whose kernel or initrd is missing is skipped with a warning naming it', () => {
  const events: ProgressEvent[] = [];
  const profile = fakeProfile(
    [
      { number: 1 },
      { number: 2, kernel: '/cairn/store/gone-linux/bzImage' },
      { number: 3, specialisations: { debug: { initrd: '/cairn/store/gone-initrd/initrd' } } },
    ],
    2,
  );
  const missing = new Set(['/cairn/store/gone-linux/bzImage', '/cairn/store/gone-initrd/initrd']);
  const menu = buildBootMenu(profile, { missing, onProgress: (e) => events.push(e) });
  assert.equal(menu.entries.map((e) => e.id), ['cairn-generation-3', 'cairn-generation-1']);
  assert.equal(menu.skipped, [
    { generation: 3, specialisation: 'debug', missing: ['/cairn/store/gone-initrd/initrd'] },
    { generation: 2, specialisation: undefined, missing: ['/cairn/store/gone-linux/bzImage'] },
  ]);
  assert.equal(warningsOf(events), [
    'generation 3, specialisation debug skipped: /cairn/store/gone-initrd/initrd is missing',
    'generation 2 skipped: /cairn/store/gone-linux/bzImage is missing',
    'the current generation 2 cannot be booted; the default entry is generation 3',
  ]);
  assert.is(menu.defaultId, 'cairn-generation-3');
});

test('no bootable generation is a domain error', () => {
  const profile = fakeProfile([{ number: 1 }]);
  assert.throws(
    () => buildBootMenu(profile, { missing: new Set([fakeBootspec(1).kernel]) }),
    (error: unknown) => error instanceof DomainError && error.code === 'no-bootable-generation' && /every generation misses its kernel or initrd/.test(error.message),
  );
  assert.throws(() => buildBootMenu(fakeProfile([])), (error: unknown) => error instanceof DomainError && /the profile has no generations/.test(error.message));
});

test('entry ids are stable lower-case ASCII, unique, and never look like a BLS boot counter', () => {
  assert.is(entryId(42), 'cairn-generation-42');
  assert.is(entryId(42, 'debug'), 'cairn-generation-42-specialisation-debug');
  const odd = ['a+3', 'Debug', 'debug', 'x+1-2', 'A.B_c'];
  const ids = odd.map((name) => entryId(7, name));
  assert.is(new Set(ids).size, odd.length);
  for (const id of ids) {
    assert.match(id, /^[a-z0-9._-]+$/);
    assert.not.match(`${id}.conf`, /\+\d+(-\d+)?\.conf$/);
  }
  assert.is(entryId(7, 'a+3'), entryId(7, 'a+3'), 'the same name gives the same id');
});

test('the NixOS fixture profile: three generations, the current one default, its specialisation right after it', async () => {
  const root = join(repoRoot, 'fixtures/profiles/nixos');
  const profile = await readProfile(root, '/nix/var/nix/profiles/system');
  const menu = buildBootMenu(profile);
  assert.equal(menu.entries.map((e) => e.id), ['cairn-generation-143', 'cairn-generation-143-specialisation-debug', 'cairn-generation-142', 'cairn-generation-141']);
  assert.is(menu.defaultId, 'cairn-generation-142');
  assert.equal(menu.entries[1]!.kernelParams, [
    'init=/nix/store/7a1b2c3d4f5g6h7i8j9k0l1m2n3p4q5r-nixos-system-host-25.05.20250603-specialisation-debug/init',
    'loglevel=7',
    'systemd.log_level=debug',
  ]);
  assert.match(menu.entries[0]!.title, /^Generation 143 - \d{4}-\d\d-\d\d - NixOS 25\.05\.20250603 \(Linux 6\.12\.34\)$/);
});

test.run();
