/**
 * Vendor from a MAC address, from the IEEE registries Debian ships (`ieee-data`): MA-L (24-bit prefixes, oui.csv),
 * MA-M (28-bit, mam.csv) and MA-S (36-bit, oui36.csv). Parsed once; a lookup tries the longest prefix first, so a
 * block carved out of a large assignment names its own holder. Locally administered addresses (randomised by
 * phones) have no vendor.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const IEEE_DATA_DIR = '/usr/share/ieee-data';

/** The registries and the number of hex digits of their assignments. */
const FILES: ReadonlyArray<[string, number]> = [
  ['oui36.csv', 9],
  ['mam.csv', 7],
  ['oui.csv', 6],
];

/** One CSV record's second and third fields (the assignment and the organisation); quoted fields allowed. */
function fields(line: string): [string, string] | undefined {
  const out: string[] = [];
  let i = 0;
  while (i <= line.length && out.length < 3) {
    if (line[i] === '"') {
      let v = '';
      i++;
      while (i < line.length) {
        if (line[i] === '"' && line[i + 1] === '"') {
          v += '"';
          i += 2;
        } else if (line[i] === '"') break;
        else v += line[i++];
      }
      out.push(v);
      i = line.indexOf(',', i) + 1 || line.length + 1;
    } else {
      const end = line.indexOf(',', i);
      out.push(line.slice(i, end < 0 ? line.length : end));
      i = end < 0 ? line.length + 1 : end + 1;
    }
  }
  return out.length >= 3 ? [out[1], out[2].trim()] : undefined;
}

export class OuiTable {
  /** Keyed by prefix length in hex digits (6, 7, 9), then the prefix's value. */
  private readonly byLen = new Map<number, Map<number, string>>();
  readonly entries: number;

  constructor(dir = IEEE_DATA_DIR) {
    let n = 0;
    for (const [file, digits] of FILES) {
      let text: string;
      try {
        text = readFileSync(join(dir, file), 'utf8');
      } catch {
        continue; // a registry that is not installed narrows the lookup, it does not stop it
      }
      const m = new Map<number, string>();
      for (const line of text.split('\n')) {
        const f = fields(line);
        if (!f || f[0].length !== digits || !/^[0-9A-Fa-f]+$/.test(f[0])) continue;
        m.set(parseInt(f[0], 16), f[1]);
        n++;
      }
      this.byLen.set(digits, m);
    }
    this.entries = n;
  }

  /** The organisation holding `mac`'s prefix (aa:bb:cc:dd:ee:ff), or undefined. */
  vendor(mac: string): string | undefined {
    const hex = mac.replace(/[:-]/g, '');
    if (!/^[0-9a-fA-F]{12}$/.test(hex)) return undefined;
    // Bit 1 of the first octet: a locally administered (random or assigned by software) address.
    if (parseInt(hex.slice(0, 2), 16) & 2) return undefined;
    for (const digits of [9, 7, 6]) {
      const v = this.byLen.get(digits)?.get(parseInt(hex.slice(0, digits), 16));
      if (v !== undefined) return v;
    }
    return undefined;
  }
}

let shared: OuiTable | undefined;

/** The one table of the process (parsing the registries takes ~50 ms; done on first use). */
export function ouiTable(): OuiTable {
  shared ??= new OuiTable();
  return shared;
}
