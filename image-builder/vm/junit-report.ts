/**
 * `cairn iso test --junit`: the results as a JUnit XML report, the format CI systems (GitHub and GitLab
 * test reports, Jenkins, Azure Pipelines) display. One test suite for the image; one test case per boot,
 * its class the firmware mode (`secure-boot.usb`) and its name the generation, with the reason and the end
 * of the serial console in a failure; one skipped test case per mode the image cannot be tested in. Pure:
 * the CLI writes the text.
 */
import { posix } from 'node:path';
import type { BootTestPlan } from './plan-boot-tests.js';
import { describeBootMode } from './boot-modes.js';
import { describeEntry, type BootTestResult } from './run-boot-tests.js';

export interface JunitInput {
  readonly image: string;
  readonly results: readonly BootTestResult[];
  readonly skipped: BootTestPlan['skipped'];
}

export function renderJunitReport(input: JunitInput): string {
  const failures = input.results.filter((r) => !r.up).length;
  const tests = input.results.length + input.skipped.length;
  const time = input.results.reduce((sum, r) => sum + r.seconds, 0);
  const suiteName = `cairn iso test ${posix.basename(input.image)}`;
  const counts = `tests="${tests}" failures="${failures}" errors="0"`;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${attribute(suiteName)}" ${counts} time="${time}">`,
    `  <testsuite name="${attribute(suiteName)}" ${counts} skipped="${input.skipped.length}" time="${time}">`,
    `    <properties>`,
    `      <property name="image" value="${attribute(input.image)}"/>`,
    `    </properties>`,
  ];
  for (const result of input.results) {
    const mode = result.case.mode;
    const open = `    <testcase classname="${mode.firmware}.${mode.media}" name="${attribute(describeEntry(result.case))}" time="${result.seconds}"`;
    const out = result.commandLine === undefined ? [] : [`      <system-out>${text(`kernel command line: ${result.commandLine}${result.initProcess === undefined ? '' : `\ninit process: ${result.initProcess}`}`)}</system-out>`];
    if (result.up) {
      lines.push(out.length === 0 ? `${open}/>` : `${open}>`, ...out, ...(out.length === 0 ? [] : ['    </testcase>']));
      continue;
    }
    const message = `${describeEntry(result.case)} under ${describeBootMode(mode)}: ${result.reason ?? 'did not come up'}`;
    lines.push(`${open}>`, `      <failure type="boot" message="${attribute(message)}">${text(result.consoleTail ?? '')}</failure>`, ...out, '    </testcase>');
  }
  for (const skipped of input.skipped) {
    lines.push(`    <testcase classname="${skipped.mode.firmware}.${skipped.mode.media}" name="every generation" time="0">`, `      <skipped message="${attribute(`${describeBootMode(skipped.mode)}: ${skipped.reason}`)}"/>`, '    </testcase>');
  }
  lines.push('  </testsuite>', '</testsuites>', '');
  return lines.join('\n');
}

/**
 * Text XML 1.0 can hold: the characters it forbids (control characters a serial console is full of, lone
 * surrogates) become U+FFFD; markup characters are escaped.
 */
function text(value: string): string {
  return value
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;');
}

function attribute(value: string): string {
  return text(value).replaceAll('"', '&quot;').replaceAll('\n', '&#10;').replaceAll('\r', '&#13;').replaceAll('\t', '&#9;');
}
