/** What xorriso itself reports about an ISO's tree, parsed, to hold Cairn's decoder against. */
import { run } from '../../lib/run.js';

export interface XorrisoEntry {
  readonly path: string;
  /** `-rw-r--r--` */
  readonly mode: string;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  readonly target?: string;
  /** Data extents (start LBA, byte size) from `-exec report_lba`; files only. */
  extents?: { lba: number; size: number }[];
}

/** Reads single-quoted words as xorriso prints them (`'it'"'"'s'`), returning the words and what follows. */
function quotedWords(text: string): string[] {
  const words: string[] = [];
  let current: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      current = (current ?? '') + text.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      const end = text.indexOf('"', i + 1);
      current = (current ?? '') + text.slice(i + 1, end);
      i = end;
    } else if (c === ' ') {
      if (current !== undefined) words.push(current);
      current = undefined;
    } else {
      current = (current ?? '') + c;
    }
  }
  if (current !== undefined) words.push(current);
  return words;
}

/** `xorriso -indev ISO -find / -exec lsdl` and `-exec report_lba`, as entries by path. `norock` reads the Joliet tree. */
export async function xorrisoListing(iso: string, options: { joliet?: boolean } = {}): Promise<Map<string, XorrisoEntry>> {
  const base = [...(options.joliet ? ['-read_fs', 'norock'] : []), '-indev', iso];
  const listing = await run('xorriso', [...base, '-find', '/', '-exec', 'lsdl']);
  const entries = new Map<string, XorrisoEntry>();
  for (const line of listing.stdout.split('\n')) {
    const match = /^([-dlcbps][-rwxsStT]{9})\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+\w{3}\s+\d+\s+[\d:]+\s+(.*)$/.exec(line);
    if (!match) continue;
    const words = quotedWords(match[6]!);
    const path = words[0]!;
    entries.set(path, {
      path,
      mode: match[1]!,
      uid: Number(match[3]),
      gid: Number(match[4]),
      size: Number(match[5]),
      ...(words[1] === '->' ? { target: words[2]! } : {}),
    });
  }
  const lba = await run('xorriso', [...base, '-find', '/', '-exec', 'report_lba']);
  for (const line of lba.stdout.split('\n')) {
    const match = /^File data lba:\s+\d+\s*,\s*(\d+)\s*,\s*\d+\s*,\s*(\d+)\s*,\s*(.*)$/.exec(line);
    if (!match) continue;
    const entry = entries.get(quotedWords(match[3]!)[0]!);
    if (entry === undefined) continue;
    (entry.extents ??= []).push({ lba: Number(match[1]), size: Number(match[2]) });
  }
  return entries;
}
