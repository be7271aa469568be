import { Writable } from 'node:stream';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DomainError, ProcessError, UsageError, UserError, ValidationError } from '../../lib/errors.js';
import { progressCounter, type ProgressEvent } from '../../lib/progress.js';
import { EXIT_INTERNAL, EXIT_USAGE, EXIT_USER, reportError } from '../../cli/exit.js';
import { createProgressRenderer } from '../../cli/progress-renderer.js';

function sink(options: { isTTY?: boolean } = {}) {
  let text = '';
  const stream = Object.assign(
    new Writable({
      write(chunk, _encoding, callback) {
        text += String(chunk);
        callback();
      },
    }),
    { isTTY: options.isTTY ?? false, columns: 80 },
  );
  return { stream, text: () => text };
}

test('plain mode: one line when a phase starts, one when it completes', () => {
  const out = sink();
  const renderer = createProgressRenderer({ stream: out.stream, bar: false });
  renderer.onProgress({ kind: 'phase', phase: 'write', title: 'Writing ISO' });
  for (let done = 0; done <= 10; done++) renderer.onProgress({ kind: 'progress', phase: 'write', done: done * 1024 * 1024, total: 10 * 1024 * 1024, unit: 'bytes' });
  renderer.onProgress({ kind: 'warning', message: 'generation 2 skipped' });
  renderer.onProgress({ kind: 'log', message: 'hidden detail' });
  renderer.finish();
  assert.is(out.text(), '==> Writing ISO\n    Writing ISO: 10M done\nwarning: generation 2 skipped\n');
});

test('bar mode redraws one line and ends it', () => {
  const out = sink({ isTTY: true });
  const renderer = createProgressRenderer({ stream: out.stream, bar: true });
  renderer.onProgress({ kind: 'phase', phase: 'copy', title: 'Copying' });
  renderer.onProgress({ kind: 'progress', phase: 'copy', done: 1, total: 4, unit: 'files' });
  renderer.onProgress({ kind: 'progress', phase: 'copy', done: 4, total: 4, unit: 'files' });
  const text = out.text();
  assert.match(text, /\r    \[#+-+\]  25%  1 file \/ 4 files/);
  assert.ok(text.endsWith('100%  4 files / 4 files\u001b[K\n'), text);
});

test('progressCounter reports at most every step and always the last count', () => {
  const events: ProgressEvent[] = [];
  const counter = progressCounter((e) => events.push(e), 'p', 100, 'items', 30);
  for (let i = 0; i < 10; i++) counter.advance(10);
  counter.finish();
  assert.equal(events.map((e) => (e.kind === 'progress' ? e.done : -1)), [30, 60, 90, 100]);
});

test('errors map to exit codes and readable messages', () => {
  const out = sink();
  assert.is(reportError(new UserError('disk.img: too small', { hint: 'use --size 8G' }), out.stream), EXIT_USER);
  assert.is(reportError(new ValidationError([{ file: 'a.yaml', path: 'x', line: 2, message: 'bad' }]), out.stream), EXIT_USER);
  assert.is(reportError(new DomainError('TOO_SMALL', 'too small', { expected: 2, actual: 1 }), out.stream), EXIT_USER);
  assert.is(reportError(new ProcessError(['mkfs.fat', '-F', '32'], 1, null, 'boom\n'), out.stream), EXIT_USER);
  assert.is(reportError(new UsageError('give a disk'), out.stream), EXIT_USAGE);
  assert.is(reportError(new TypeError('undefined is not a function'), out.stream), EXIT_INTERNAL);
  const text = out.text();
  assert.match(text, /cairn: error: disk\.img: too small\n  hint: use --size 8G\n/);
  assert.match(text, /cairn: error: 1 problem:\n  a\.yaml:2: x: bad\n/);
  assert.match(text, /cairn: error: mkfs\.fat -F 32 failed with exit code 1:\n  boom\n/);
  assert.match(text, /cairn: usage error: give a disk/);
  assert.match(text, /cairn: internal error: TypeError: undefined is not a function\n\s+at /);
  assert.match(text, /This is a bug in Cairn/);
});

test.run();
