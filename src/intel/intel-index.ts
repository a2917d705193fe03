/**
 * The in-memory view of live intel used on the request path: longest-prefix match for IPs and networks,
 * hash lookups for AS numbers, certificate SHA-1s, JA3s and domains, and neighbourhood density (how many
 * listed hosts share the /24 — /48 for IPv6 — and the AS of an address; B-4 IP features).
 */
import { parseIp, parsePrefix, type IpAddress } from './address.js';
import { PrefixSet } from './prefix-set.js';
import type { GeoLookup } from './geo.js';
import type { IndicatorRow } from './store.js';

export interface IntelHit {
  sources: string[];
  categories: string[];
  /** Highest IPsum list count seen for the entry, 0 when none. */
  listCount: number;
}

function mergeHit(a: IntelHit, b: IntelHit): IntelHit {
  return {
    sources: [...new Set([...a.sources, ...b.sources])],
    categories: [...new Set([...a.categories, ...b.categories])],
    listCount: Math.max(a.listCount, b.listCount),
  };
}

function hitOf(row: Pick<IndicatorRow, 'source' | 'category' | 'list_count'>): IntelHit {
  return {
    sources: [row.source],
    categories: row.category ? [row.category] : [],
    listCount: row.list_count ?? 0,
  };
}

function hoodKey(ip: IpAddress): number | bigint {
  return ip.v === 4 ? ip.n >>> 8 : ip.n >> 80n;
}

export class IntelIndex {
  readonly ips = new PrefixSet<IntelHit>();
  readonly asns = new Map<number, IntelHit>();
  readonly sha1 = new Map<string, IntelHit>();
  readonly ja3 = new Map<string, IntelHit>();
  readonly domains = new Map<string, IntelHit>();
  /** Listed host counts per /24 (IPv4, key n>>>8) and /48 (IPv6, key n>>80). */
  private readonly hood4 = new Map<number, number>();
  private readonly hood6 = new Map<bigint, number>();
  private readonly hood16 = new Map<number, number>();
  private readonly perAsn = new Map<number, number>();
  private readonly perCountry = new Map<string, number>();
  private hosts: string[] = [];

  static fromRows(rows: Iterable<IndicatorRow>, geo?: GeoLookup): IntelIndex {
    const idx = new IntelIndex();
    for (const r of rows) idx.add(r);
    if (geo?.enabled) idx.computeAsnDensity(geo);
    return idx;
  }

  add(row: Pick<IndicatorRow, 'type' | 'value' | 'source' | 'category' | 'list_count'>): void {
    const hit = hitOf(row);
    switch (row.type) {
      case 'ip':
      case 'cidr': {
        const p = parsePrefix(row.value);
        if (!p) return;
        const before = this.ips.size;
        this.ips.add(p, hit, mergeHit);
        if (row.type === 'ip' && this.ips.size > before) {
          const ip = { v: p.v, n: p.n } as IpAddress;
          if (ip.v === 4) {
            this.hood4.set(ip.n >>> 8, (this.hood4.get(ip.n >>> 8) ?? 0) + 1);
            this.hood16.set(ip.n >>> 16, (this.hood16.get(ip.n >>> 16) ?? 0) + 1);
          } else this.hood6.set(ip.n >> 80n, (this.hood6.get(ip.n >> 80n) ?? 0) + 1);
          this.hosts.push(row.value.replace(/\/\d+$/, ''));
        }
        return;
      }
      case 'asn': {
        const n = Number(row.value.replace(/^AS/i, ''));
        const old = this.asns.get(n);
        this.asns.set(n, old ? mergeHit(old, hit) : hit);
        return;
      }
      case 'sha1':
      case 'ja3':
      case 'domain': {
        const m = row.type === 'sha1' ? this.sha1 : row.type === 'ja3' ? this.ja3 : this.domains;
        const old = m.get(row.value);
        m.set(row.value, old ? mergeHit(old, hit) : hit);
        return;
      }
    }
  }

  /** Listed hosts per AS and per country (from whichever databases `geo` has). */
  computeAsnDensity(geo: GeoLookup): void {
    this.perAsn.clear();
    this.perCountry.clear();
    for (const h of this.hosts) {
      const { asn, country } = geo.lookup(h);
      if (asn !== undefined) this.perAsn.set(asn, (this.perAsn.get(asn) ?? 0) + 1);
      if (country !== undefined) this.perCountry.set(country, (this.perCountry.get(country) ?? 0) + 1);
    }
  }

  lookupIp(ip: IpAddress): IntelHit | undefined {
    return this.ips.lookup(ip)?.value;
  }

  lookupIpText(text: string): IntelHit | undefined {
    const ip = parseIp(text);
    return ip ? this.lookupIp(ip) : undefined;
  }

  /** Listed networks (not host entries) around the address: DROP-style evidence independent of IP seeds. */
  lookupNetwork(ip: IpAddress): { hit: IntelHit; len: number } | undefined {
    const r = this.ips.lookupNetwork(ip);
    return r ? { hit: r.value, len: r.len } : undefined;
  }

  /** Listed hosts in the /24 (/48) of `ip`, not counting `ip` itself. */
  neighbourhoodDensity(ip: IpAddress): number {
    const n =
      ip.v === 4
        ? (this.hood4.get(hoodKey(ip) as number) ?? 0)
        : (this.hood6.get(hoodKey(ip) as bigint) ?? 0);
    const selfListed = this.ips.lookup(ip)?.len === (ip.v === 4 ? 32 : 128);
    return selfListed ? n - 1 : n;
  }

  /** Listed hosts in the /16 of an IPv4 address, not counting the address itself (0 for IPv6). */
  wideDensity(ip: IpAddress): number {
    if (ip.v !== 4) return 0;
    const n = this.hood16.get(ip.n >>> 16) ?? 0;
    return this.ips.lookup(ip)?.len === 32 ? n - 1 : n;
  }

  /** Listed hosts in an AS, not counting `self` when it is a listed host of that AS. */
  asnDensity(asn: number | undefined, self?: IpAddress): number {
    if (asn === undefined) return 0;
    const n = this.perAsn.get(asn) ?? 0;
    const selfListed = self !== undefined && this.ips.lookup(self)?.len === (self.v === 4 ? 32 : 128);
    return selfListed && n > 0 ? n - 1 : n;
  }

  /** Listed hosts in a country, not counting `self` when it is a listed host. */
  countryDensity(country: string, self?: IpAddress): number {
    const n = this.perCountry.get(country) ?? 0;
    const selfListed = self !== undefined && this.ips.lookup(self)?.len === (self.v === 4 ? 32 : 128);
    return selfListed && n > 0 ? n - 1 : n;
  }

  domainHit(name: string): IntelHit | undefined {
    // A listed domain also lists its subdomains.
    let d = name.toLowerCase().replace(/\.$/, '');
    for (;;) {
      const h = this.domains.get(d);
      if (h) return h;
      const dot = d.indexOf('.');
      if (dot < 0) return undefined;
      d = d.slice(dot + 1);
    }
  }
}
