/**
 * Content hashes for store paths. A store entry is `<store>/<hash>-<name>`; the hash is derived from the
 * entry's name and content (files, modes, symlink targets), so identical content lands at the same path
 * and is stored once. Hashes are printed in the 32-character base32 alphabet Nix uses (no e, o, u, t), so
 * Cairn's store paths look like, and scan like, Nix's.
 */
import { createReadStream } from 'node:fs';
import { crypto } from '../lib/builtin.js';
import { compareCodePoints } from '../lib/code-point-order.js';

const HASH_ALPHABET = '0123456789abcdfghijklmnpqrsvwxyz';
/** A store entry's base name: hash, dash, name. */
export const STORE_ENTRY_PATTERN = /^([0123456789abcdfghijklmnpqrsvwxyz]{32})-([A-Za-z0-9+._?=-][A-Za-z0-9+._?=-]*)$/;

/** 160 bits of a digest in base32, most significant bits first. */
export function encodeBase32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += HASH_ALPHABET[(buffer >>> bits) & 31];
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += HASH_ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/** A node of a tree to be stored, described by content rather than by location. */
export type TreeNode =
  | { readonly type: 'file'; readonly sha256: string; readonly executable: boolean }
  | { readonly type: 'symlink'; readonly target: string }
  | { readonly type: 'directory'; readonly entries: Readonly<Record<string, TreeNode>> };

/** A canonical serialisation of a tree: names sorted by code point, every field explicit. */
function serialiseTree(node: TreeNode): string {
  switch (node.type) {
    case 'file':
      return `(file ${node.executable ? 'x' : '-'} ${node.sha256})`;
    case 'symlink':
      return `(symlink ${JSON.stringify(node.target)})`;
    case 'directory': {
      const names = Object.keys(node.entries).sort(compareCodePoints);
      return `(directory ${names.map((n) => `${JSON.stringify(n)} ${serialiseTree(node.entries[n]!)}`).join(' ')})`;
    }
  }
}

/** The hash part of the store path for `name` holding `tree`. */
export function storeHash(name: string, tree: TreeNode): string {
  const digest = crypto().createHash('sha256').update(`cairn-store-v1\0${name}\0${serialiseTree(tree)}`).digest();
  return encodeBase32(digest.subarray(0, 20));
}

export async function sha256File(path: string): Promise<string> {
  const hash = crypto().createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export function sha256Hex(text: string | Uint8Array): string {
  return crypto().createHash('sha256').update(text).digest('hex');
}
