import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Help } from 'commander';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GROUPS, buildProgram } from '../../cli/program.js';
import { repoRoot } from '../support/cli.js';

test("`cairn --help` lists each group with the group's own term and description (it lists them without loading them)", async () => {
  const help = new Help();
  for (const [name, group] of Object.entries(GROUPS)) {
    const loaded = await group.load();
    assert.is(loaded.name(), name);
    assert.is(group.term, help.subcommandTerm(loaded), `the term of ${name} in cli/program.ts`);
    assert.is(group.description, loaded.description(), `the description of ${name} in cli/program.ts`);
  }
});

test('a named group is loaded whole, with its subcommands; `help GROUP` loads that group; no group named lists every group', async () => {
  const iso = (await buildProgram(['node', 'cairn', 'iso', 'build', '--help'])).commands;
  assert.equal(iso.map((c) => c.name()), ['iso']);
  assert.ok(iso[0]!.commands.some((c) => c.name() === 'build'), 'iso has its subcommands');
  const helpIso = (await buildProgram(['node', 'cairn', 'help', 'iso'])).commands;
  assert.ok(helpIso.find((c) => c.name() === 'iso')!.commands.length > 0, 'help iso loads iso');
  const all = (await buildProgram(['node', 'cairn', '--help'])).commands.map((c) => c.name());
  assert.equal(all, Object.keys(GROUPS));
});

test("the program's version is package.json's (from source; the build writes it in, test/package.test.ts)", async () => {
  const { version } = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
  assert.is((await buildProgram(['node', 'cairn', '--version'])).version(), version);
});

test("a word that names a property of every object (toString, constructor) is an unknown command, not a crash", async () => {
  for (const word of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
    const program = await buildProgram(['node', 'cairn', word]);
    program.configureOutput({ writeErr: () => {} });
    assert.equal(program.commands.map((c) => c.name()), Object.keys(GROUPS), word);
    try {
      await program.parseAsync(['node', 'cairn', word]);
      assert.unreachable(`${word} was accepted`);
    } catch (error) {
      assert.is((error as { code?: string }).code, 'commander.unknownCommand', word);
    }
  }
});

test.run();
