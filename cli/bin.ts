#!/usr/bin/env node
/**
 * The `cairn` executable of the build (package.json bin: dist/cli/cairn.cjs). It is CommonJS because Node starts
 * a CommonJS file about 20 ms sooner than an ES module, which is all of `cairn --version` (scripts and CI call it
 * to check for Cairn): that answers here, with the version written in at build time (scripts/build.mjs). Every
 * other command goes on to main.cjs, the command's parser, before which nothing needs loading for the version.
 */
declare const CAIRN_VERSION: string;

const words = process.argv.slice(2);
if (words.length === 1 && (words[0] === '--version' || words[0] === '-V')) process.stdout.write(`${CAIRN_VERSION}\n`);
// eslint-disable-next-line @typescript-eslint/no-require-imports -- this file is built as CommonJS, main.cjs beside it
else require('./main.cjs');
