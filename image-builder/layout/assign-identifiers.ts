/**
 * The identifiers each directory's children get in the primary tree (d-characters, `NAME.EXT;1`) and in
 * Joliet (UCS-2, up to 64 characters): derived from the real names, made unique among siblings in the order of
 * the real names, so the same tree always gets the same identifiers. Kept as strings (one character per
 * byte, or per UCS-2 unit) until they are encoded.
 */
import { isoDirectoryNameOf, isoFileNameOf, uniqueIsoDirectoryName, uniqueIsoFileName } from '../iso9660/iso-name.js';
import { jolietNameOf, uniqueJolietName } from '../iso9660/joliet-name.js';

export interface NamedChild {
  readonly name: string;
  readonly isDirectory: boolean;
}

/** Primary-tree identifiers for children given in the order of their real names; same order out. */
export function assignPrimaryIdentifiers(children: readonly NamedChild[]): string[] {
  const taken = new Set<string>();
  return children.map((child) => {
    if (child.isDirectory) {
      const name = uniqueIsoDirectoryName(isoDirectoryNameOf(child.name), (id) => taken.has(id));
      taken.add(name);
      return name;
    }
    const name = uniqueIsoFileName(isoFileNameOf(child.name), (id) => taken.has(id));
    const body = `${name.name}.${name.extension}`;
    taken.add(body);
    return `${body};1`;
  });
}

/** Joliet identifiers for children given in the order of their real names; same order out. */
export function assignJolietIdentifiers(children: readonly NamedChild[]): string[] {
  const taken = new Set<string>();
  return children.map((child) => {
    const name = uniqueJolietName(jolietNameOf(child.name), (candidate) => taken.has(candidate));
    taken.add(name);
    return name;
  });
}
