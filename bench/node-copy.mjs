/**
 * The least an image builder in Node does with a tree, and no more: walk it (names sorted, `lstat` of each), open
 * and read each regular file once, and write the bytes into one output file, each file from a 2048-byte sector,
 * through a 1 MiB buffer written synchronously. No records, no plan. `npm run bench` times it beside `tar` to show
 * what Node's own system calls cost, apart from what Cairn does on top of them.
 *
 * With --identical it also does what a builder that reads each file once would do to store identical contents once:
 * it hashes (SHA-256) each file whose size another file has, as it copies it, and writes a content only the first
 * time it meets it. A file of more than 1 MiB whose size is shared is read twice (hashed, then copied if new): there
 * are few.
 *
 *   node bench/node-copy.mjs [--identical] TREE OUTPUT
 */
import { createHash } from 'node:crypto';
import { closeSync, lstatSync, openSync, readSync, readdirSync, writeSync } from 'node:fs';

const SECTOR = 2048;
const args = process.argv.slice(2);
const identical = args[0] === '--identical';
const [tree, output] = identical ? args.slice(1) : args;
if (tree === undefined || output === undefined) {
  process.stderr.write('usage: node bench/node-copy.mjs [--identical] TREE OUTPUT\n');
  process.exit(2);
}

/** Every regular file in name order: path, size, path, size... */
const files = [];
const sizeCounts = new Map();
function walk(directory) {
  for (const name of readdirSync(directory).sort()) {
    const path = `${directory}/${name}`;
    const info = lstatSync(path);
    if (info.isDirectory()) walk(path);
    else if (info.isFile()) {
      files.push(path, info.size);
      sizeCounts.set(info.size, (sizeCounts.get(info.size) ?? 0) + 1);
    }
  }
}

const out = openSync(output, 'w');
const buffer = Buffer.alloc(1024 * 1024);
const whole = Buffer.alloc(1024 * 1024);
let filled = 0;

function flush() {
  let done = 0;
  while (done < filled) done += writeSync(out, buffer, done, filled - done);
  filled = 0;
}

/** Reads `size` bytes of the open file into `target` from `start` (a file that shrank is an error). */
function readInto(fd, path, target, start, size, position) {
  let done = 0;
  while (done < size) {
    const read = readSync(fd, target, start + done, size - done, position === null ? null : position + done);
    if (read === 0) throw new Error(`${path} shrank while it was read`);
    done += read;
  }
}

function stage(bytes) {
  let offset = 0;
  while (offset < bytes.length) {
    if (filled === buffer.length) flush();
    const take = Math.min(bytes.length - offset, buffer.length - filled);
    bytes.copy(buffer, filled, offset, offset + take);
    filled += take;
    offset += take;
  }
}

function copyFile(fd, path, size) {
  let left = size;
  while (left > 0) {
    if (filled === buffer.length) flush();
    const take = Math.min(buffer.length - filled, left);
    readInto(fd, path, buffer, filled, take, null);
    filled += take;
    left -= take;
  }
}

/** The digest of a file too large to read whole, read in pieces through `whole`. */
function digestInPieces(fd, path, size) {
  const hash = createHash('sha256');
  for (let position = 0; position < size; position += whole.length) {
    const take = Math.min(whole.length, size - position);
    readInto(fd, path, whole, 0, take, position);
    hash.update(whole.subarray(0, take));
  }
  return hash.digest('latin1');
}

const written = new Set();
function copy(path, size) {
  const fd = openSync(path, 'r');
  try {
    if (!identical || size === 0 || sizeCounts.get(size) === 1) copyFile(fd, path, size);
    else if (size <= whole.length) {
      readInto(fd, path, whole, 0, size, 0);
      const key = `${size}:${createHash('sha256').update(whole.subarray(0, size)).digest('latin1')}`;
      if (written.has(key)) return;
      written.add(key);
      stage(whole.subarray(0, size));
    } else {
      const key = `${size}:${digestInPieces(fd, path, size)}`;
      if (written.has(key)) return;
      written.add(key);
      copyFile(fd, path, size);
    }
  } finally {
    closeSync(fd);
  }
  // Zeros up to the next sector, as an image's extents start on one.
  const padding = (SECTOR - (filled % SECTOR)) % SECTOR;
  if (filled + padding > buffer.length) flush();
  buffer.fill(0, filled, filled + padding);
  filled += padding;
}

walk(tree);
for (let i = 0; i < files.length; i += 2) copy(files[i], files[i + 1]);
flush();
closeSync(out);
