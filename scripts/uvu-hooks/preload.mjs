/**
 * Loaded before every test file by scripts/run-tests.mjs (`node --import`): routes `import ... from 'uvu'`
 * to ./uvu.mjs, which wraps uvu's suite hooks so that a throw in `before` or `after` is printed with its
 * stack and fails the file. uvu 0.5 alone returns from a `finally` block there, which drops the error.
 */
import { register } from 'node:module';

register('./resolve.mjs', import.meta.url);
