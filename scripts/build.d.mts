/** Types of scripts/build.mjs, for the test that checks what each command loads (test/scripts/build.test.ts). */
import type { Metafile } from 'esbuild';

export function bundleCairn(outdir: string, options?: { write?: boolean }): Promise<{ metafile: Metafile; strays: string[] }>;
