/** Bounds-checked reads for the discovery parsers: every read past the end throws Truncated, caught by the caller. */
export class Truncated extends Error {}

export function u8(b: Uint8Array, o: number): number {
  if (o >= b.length) throw new Truncated();
  return b[o];
}

export function u16(b: Uint8Array, o: number): number {
  if (o + 2 > b.length) throw new Truncated();
  return (b[o] << 8) | b[o + 1];
}

/** Printable ASCII of at most `max` characters (names from the network are shown to people). */
export function printable(b: Uint8Array, start: number, end: number, max = 255): string {
  let s = '';
  for (let i = start; i < end && s.length < max; i++) {
    const c = b[i];
    s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '?';
  }
  return s;
}
