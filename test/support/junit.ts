/** JUnit reports in tests: validated against the vendored schema with xmllint, and read back case by case. */
import { join } from 'node:path';
import { run } from '../../lib/run.js';
import { repoRoot } from './cli.js';

export const JUNIT_SCHEMA = join(repoRoot, 'fixtures/schemas/junit-10.xsd');

/** Fails (with xmllint's message) unless the file is well-formed and valid against the JUnit schema. */
export async function validateJunit(file: string): Promise<void> {
  await run('xmllint', ['--noout', '--schema', JUNIT_SCHEMA, file]);
}

export interface JunitCase {
  readonly classname: string;
  readonly name: string;
  readonly outcome: 'passed' | 'failure' | 'skipped';
  readonly message?: string;
  /** The failure's text. */
  readonly body?: string;
}

/** The test cases of a report Cairn wrote (one attribute order, no nesting beyond Cairn's own). */
export function junitCases(xml: string): JunitCase[] {
  const unescape = (text: string) => text.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&quot;', '"').replaceAll('&#10;', '\n').replaceAll('&amp;', '&');
  return [...xml.matchAll(/<testcase classname="([^"]*)" name="([^"]*)"[^>]*?(?:\/>|>([^]*?)<\/testcase>)/g)].map((m) => {
    const inner = m[3] ?? '';
    const failure = /<failure type="[^"]*" message="([^"]*)">([^]*?)<\/failure>/.exec(inner);
    const skipped = /<skipped message="([^"]*)"\/>/.exec(inner);
    const base = { classname: unescape(m[1]!), name: unescape(m[2]!) };
    if (failure !== null) return { ...base, outcome: 'failure' as const, message: unescape(failure[1]!), body: unescape(failure[2]!) };
    if (skipped !== null) return { ...base, outcome: 'skipped' as const, message: unescape(skipped[1]!) };
    return { ...base, outcome: 'passed' as const };
  });
}
