/**
 * Fixed-width Latin-1 text fields (OEM name, labels, 8.3 names): one byte per character, so that any
 * byte sequence decodes to a string and encodes back to the same bytes.
 */

export function writeLatin1Field(bytes: Uint8Array, at: number, text: string, length: number, field: string): void {
  if (text.length !== length) throw new RangeError(`${field} must be ${length} characters, got ${JSON.stringify(text)}`);
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0xff) throw new RangeError(`${field} must be Latin-1, got ${JSON.stringify(text)}`);
    bytes[at + i] = code;
  }
}

export function readLatin1Field(bytes: Uint8Array, at: number, length: number): string {
  let text = '';
  for (let i = 0; i < length; i++) text += String.fromCharCode(bytes[at + i]!);
  return text;
}
