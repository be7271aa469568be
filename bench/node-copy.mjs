/**
 * The least an image builder in Node does with a tree, and no more: walk it (names sorted, `lstat` of each), open
 * and read each regular file once, and write the bytes into one output file, each file from a 2048-byte sector,
 * through a 1 MiB buffer written synchronously. No identical files found, no records, no plan. `npm run bench`
 * times it beside `tar` to show what Node's own system calls cost, apart from what Cairn does on top of them.
 *
 *   node bench/node-copy.mjs TREE OUTPUT
 */
import { closeSync, lstatSync, openSync, readSync, readdirSync, writeSync } from 'node:fs';

const SECTOR = 2048;
const [tree, output] = process.argv.slice(2);
if (tree === undefined || output === undefined) {
  process.stderr.write('usage: node bench/node-copy.mjs TREE OUTPUT\n');
  process.exit(2);
}

const out = openSync(output, 'w');
const buffer = Buffer.alloc(1024 * 1024);
let filled = 0;

function flush() {
  let done = 0;
  while (done < filled) done += writeSync(out, buffer, done, filled - done);
  filled = 0;
}

function copyFile(path, size) {
  const fd = openSync(path, 'r');
  try {
    let left = size;
    while (left > 0) {
      if (filled === buffer.length) flush();
      const read = readSync(fd, buffer, filled, Math.min(buffer.length - filled, left), null);
      if (read === 0) throw new Error(`${path} shrank while it was copied`);
      filled += read;
      left -= read;
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

function walk(directory) {
  for (const name of readdirSync(directory).sort()) {
    const path = `${directory}/${name}`;
    const info = lstatSync(path);
    if (info.isDirectory()) walk(path);
    else if (info.isFile()) copyFile(path, info.size);
  }
}

walk(tree);
flush();
closeSync(out);
