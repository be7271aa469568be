/**
 * Password hashes for /etc/shadow-style fields: SHA-512 crypt (`$6$`), the scheme glibc's crypt(3) and
 * `openssl passwd -6` produce and verify, implemented from Ulrich Drepper's published specification. The
 * plaintext only ever lives in memory; what is written is the hash.
 */
import { createHash, randomBytes } from 'node:crypto';

const ALPHABET = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const DEFAULT_ROUNDS = 5000;
const SALT_MAX = 16;

/** The byte order in which the 64-byte digest is written, three bytes (four characters) at a time. */
const DIGEST_ORDER: readonly (readonly [number, number, number])[] = [
  [0, 21, 42], [22, 43, 1], [44, 2, 23], [3, 24, 45], [25, 46, 4], [47, 5, 26], [6, 27, 48],
  [28, 49, 7], [50, 8, 29], [9, 30, 51], [31, 52, 10], [53, 11, 32], [12, 33, 54], [34, 55, 13],
  [56, 14, 35], [15, 36, 57], [37, 58, 16], [59, 17, 38], [18, 39, 60], [40, 61, 19], [62, 20, 41],
];

export interface Sha512CryptOptions {
  /** At most 16 characters of [./0-9A-Za-z]; random when absent. */
  readonly salt?: string;
  /** 1000 to 999999999; 5000 (the default) is not written into the hash. */
  readonly rounds?: number;
}

export function sha512Crypt(password: string, options: Sha512CryptOptions = {}): string {
  const salt = (options.salt ?? randomSalt()).slice(0, SALT_MAX);
  if (!/^[./0-9A-Za-z]*$/.test(salt)) throw new RangeError('a crypt salt holds only the characters ./0-9A-Za-z');
  const rounds = Math.min(999_999_999, Math.max(1000, options.rounds ?? DEFAULT_ROUNDS));
  const p = Buffer.from(password, 'utf8');
  const s = Buffer.from(salt, 'ascii');
  const sha = (...parts: Buffer[]) => {
    const hash = createHash('sha512');
    for (const part of parts) hash.update(part);
    return hash.digest();
  };

  const b = sha(p, s, p);
  const a = createHash('sha512').update(p).update(s).update(repeatTo(b, p.length));
  for (let length = p.length; length > 0; length >>= 1) a.update(length & 1 ? b : p);
  let c = a.digest();

  const pBytes = repeatTo(sha(...Array<Buffer>(p.length).fill(p)), p.length);
  const sBytes = repeatTo(sha(...Array<Buffer>(16 + c[0]!).fill(s)), s.length);

  for (let i = 0; i < rounds; i++) {
    const round = createHash('sha512');
    round.update(i & 1 ? pBytes : c);
    if (i % 3 !== 0) round.update(sBytes);
    if (i % 7 !== 0) round.update(pBytes);
    round.update(i & 1 ? c : pBytes);
    c = round.digest();
  }

  let encoded = '';
  for (const [x, y, z] of DIGEST_ORDER) encoded += encode24(c[x]!, c[y]!, c[z]!, 4);
  encoded += encode24(0, 0, c[63]!, 2);
  const roundsPart = options.rounds === undefined || rounds === DEFAULT_ROUNDS ? '' : `rounds=${rounds}$`;
  return `$6$${roundsPart}${salt}$${encoded}`;
}

/** Checks a password against a `$6$` hash (for tests and for re-reading answers). */
export function verifySha512Crypt(password: string, hash: string): boolean {
  const match = /^\$6\$(?:rounds=(\d+)\$)?([./0-9A-Za-z]{0,16})\$[./0-9A-Za-z]{86}$/.exec(hash);
  if (!match) return false;
  const rounds = match[1] === undefined ? undefined : Number(match[1]);
  return sha512Crypt(password, { salt: match[2]!, ...(rounds === undefined ? {} : { rounds }) }) === hash;
}

/** Whether a string looks like a crypt(3) hash of a scheme glibc verifies (yescrypt, SHA-512, SHA-256). */
export function isCryptHash(value: string): boolean {
  return /^\$(6|5)\$(rounds=\d+\$)?[./0-9A-Za-z]{0,16}\$[./0-9A-Za-z]+$/.test(value) || /^\$y\$[./0-9A-Za-z]+\$[./0-9A-Za-z]*\$[./0-9A-Za-z]+$/.test(value);
}

function repeatTo(block: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i += block.length) block.copy(out, i, 0, Math.min(block.length, length - i));
  return out;
}

function encode24(high: number, middle: number, low: number, characters: number): string {
  let word = (high << 16) | (middle << 8) | low;
  let out = '';
  for (let i = 0; i < characters; i++) {
    out += ALPHABET[word & 0x3f];
    word >>= 6;
  }
  return out;
}

function randomSalt(): string {
  return Array.from(randomBytes(SALT_MAX), (byte) => ALPHABET[byte & 0x3f]).join('');
}
