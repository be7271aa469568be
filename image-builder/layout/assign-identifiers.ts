/**
 * The identifiers each directory's children get in the primary tree (d-characters, `NAME.EXT;1`) and in
 * Joliet (UCS-2, up to 64 characters): derived from the real names, made unique among siblings in the order of
 * the real names, so the same tree always gets the same identifiers. Kept as strings (one character per
 * byte, or per UCS-2 unit) until they are encoded.
 */
import { isoDirectoryNameOf, isoFileNameOf, uniqueIsoDirectoryName, uniqueIsoFileName, type NextMarks } from '../iso9660/iso-name.js';
import { jolietNameOf, uniqueJolietName } from '../iso9660/joliet-name.js';

export interface NamedChild {
  readonly name: string;
  readonly isDirectory: boolean;
}

/** Primary-tree identifiers for children given in the order of their real names; same order out. */
export function assignPrimaryIdentifiers(children: readonly NamedChild[]): string[] {
  const taken = new Set<string>();
  const isTaken = (id: string) => taken.has(id);
  const next: NextMarks = new Map();
  return children.map((child) => {
    if (child.isDirectory) {
      const name = uniqueIsoDirectoryName(isoDirectoryNameOf(child.name), isTaken, next);
      taken.add(name);
      return name;
    }
    const name = uniqueIsoFileName(isoFileNameOf(child.name), isTaken, next);
    const body = `${name.name}.${name.extension}`;
    taken.add(body);
    return `${body};1`;
  });
}

/** Joliet identifiers for children given in the order of their real names; same order out. */
export function assignJolietIdentifiers(children: readonly NamedChild[]): string[] {
  const taken = new Set<string>();
  const isTaken = (candidate: string) => taken.has(candidate);
  const next: NextMarks = new Map();
  return children.map((child) => {
    const name = uniqueJolietName(jolietNameOf(child.name), isTaken, next);
    taken.add(name);
    return name;
  });
}
