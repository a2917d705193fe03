/**
 * Address → AS number and organisation from range tables in the `@ip-location-db/asn` CSV layout
 * ('start,end,asn,organisation'; RouteViews + DB-IP data, CC-BY-4.0: attribute DB-IP when shown to users).
 * Sorted numeric arrays and a binary search: ~410k IPv4 ranges in three typed arrays, no object per range;
 * IPv6 bounds as four words each in one typed array.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { splitCsvLine } from './feeds/csv.js';
import { compareWords, isIpv4Words, parseIpInto, type IpWords } from '../address/index.js';

export class AsnRanges {
  private v4Start = new Uint32Array(0);
  private v4End = new Uint32Array(0);
  private v4Org = new Uint32Array(0);
  private v4Asn = new Uint32Array(0);
  /** Four words per range. */
  private v6Start = new Uint32Array(0);
  private v6End = new Uint32Array(0);
  private v6Org = new Uint32Array(0);
  private v6Asn = new Uint32Array(0);
  private readonly orgs: string[] = [];
  private readonly orgIndex = new Map<string, number>();

  /** The CSVs shipped by the @ip-location-db/asn package, when it is installed. */
  static packageFiles(): { v4: string; v6: string } | null {
    try {
      const dir = dirname(createRequire(import.meta.url).resolve('@ip-location-db/asn/package.json'));
      return { v4: join(dir, 'asn-ipv4.csv'), v6: join(dir, 'asn-ipv6.csv') };
    } catch {
      return null;
    }
  }

  static load(v4Path: string, v6Path?: string): AsnRanges {
    const r = new AsnRanges();
    r.loadFile(v4Path);
    if (v6Path) r.loadFile(v6Path);
    return r;
  }

  private org(name: string): number {
    let i = this.orgIndex.get(name);
    if (i === undefined) {
      i = this.orgs.length;
      this.orgs.push(name);
      this.orgIndex.set(name, i);
    }
    return i;
  }

  private loadFile(path: string): void {
    const text = readFileSync(path, 'utf8');
    const s4: number[] = [];
    const e4: number[] = [];
    const a4: number[] = [];
    const o4: number[] = [];
    const s6: number[] = [];
    const e6: number[] = [];
    const a6: number[] = [];
    const o6: number[] = [];
    const w = new Uint32Array(4);
    let line = 0;
    for (let pos = 0; pos < text.length;) {
      let end = text.indexOf('\n', pos);
      if (end < 0) end = text.length;
      const row = text.slice(pos, end).replace(/\r$/, '');
      pos = end + 1;
      line++;
      if (!row) continue;
      const f = row.includes('"') ? splitCsvLine(row) : row.split(',');
      const asn = Number(f[2]);
      if (!Number.isInteger(asn)) throw new Error(`${path}:${line}: AS number '${f[2]}' is not a number`);
      if (f[0].includes(':')) {
        if (parseIpInto(f[0], w) === 0) throw new Error(`${path}:${line}: not an IPv6 range`);
        s6.push(w[0], w[1], w[2], w[3]);
        if (parseIpInto(f[1] ?? '', w) === 0) throw new Error(`${path}:${line}: not an IPv6 range`);
        e6.push(w[0], w[1], w[2], w[3]);
        a6.push(asn);
        o6.push(this.org(f.slice(3).join(',')));
      } else {
        const a = /^\d+$/.test(f[0]) ? Number(f[0]) : ipv4(f[0], w);
        const b = /^\d+$/.test(f[1]) ? Number(f[1]) : ipv4(f[1] ?? '', w);
        if (a === null || b === null) throw new Error(`${path}:${line}: not an IPv4 range`);
        s4.push(a);
        e4.push(b);
        a4.push(asn);
        o4.push(this.org(f.slice(3).join(',')));
      }
    }
    if (s4.length) {
      // The files are sorted by start address; the binary search relies on it.
      for (let i = 1; i < s4.length; i++)
        if (s4[i] < s4[i - 1]) throw new Error(`${path}: ranges not sorted at line ${i + 1}`);
      this.v4Start = Uint32Array.from(s4);
      this.v4End = Uint32Array.from(e4);
      this.v4Asn = Uint32Array.from(a4);
      this.v4Org = Uint32Array.from(o4);
    }
    if (a6.length) {
      this.v6Start = Uint32Array.from(s6);
      this.v6End = Uint32Array.from(e6);
      this.v6Asn = Uint32Array.from(a6);
      this.v6Org = Uint32Array.from(o6);
    }
  }

  get size(): number {
    return this.v4Start.length + this.v6Asn.length;
  }

  /** The AS whose range holds the address (IPv4 words search the IPv4 table, as IPv4-mapped text did). */
  lookup(ip: IpWords): { asn: number; org: string } | undefined {
    if (isIpv4Words(ip)) {
      const n = ip[3] >>> 0;
      let lo = 0;
      let hi = this.v4Start.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (this.v4Start[mid] <= n) lo = mid + 1;
        else hi = mid - 1;
      }
      if (hi >= 0 && n <= this.v4End[hi]) return { asn: this.v4Asn[hi], org: this.orgs[this.v4Org[hi]] };
      return undefined;
    }
    let lo = 0;
    let hi = this.v6Asn.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (compareWords(this.v6Start, ip, mid * 4) <= 0) lo = mid + 1;
      else hi = mid - 1;
    }
    if (hi >= 0 && compareWords(ip, this.v6End, 0, hi * 4) <= 0)
      return { asn: this.v6Asn[hi], org: this.orgs[this.v6Org[hi]] };
    return undefined;
  }
}

/** A dotted IPv4 start or end as a number, null when it is none. */
function ipv4(text: string, w: Uint32Array): number | null {
  return !text.includes(':') && parseIpInto(text, w) === 4 ? w[3] : null;
}
