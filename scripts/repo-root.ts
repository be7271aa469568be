/** The root of the repository, for the scripts, benchmarks and tests that run from a checkout (never from dist/). */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
