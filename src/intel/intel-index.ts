/**
 * The in-memory view of live intel used on the request path: longest-prefix match for IPs and networks,
 * hash lookups for AS numbers, certificate SHA-1s, JA3s and domains, and neighbourhood density (how many
 * listed hosts share the /24 — /48 for IPv6 — and the AS of an address; B-4 IP features).
 */
import { isIpv4Words, PrefixSet, tryParseCidr, tryParseIp, type IpWords } from '../address/index.js';
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

/** The /24 of an IPv4 address or the /48 of an IPv6 one as a number (48 bits fit a double exactly). */
function hoodKey(w: IpWords): number {
  return isIpv4Words(w) ? w[3] >>> 8 : (w[0] >>> 0) * 65536 + (w[1] >>> 16);
}

/** True when the address itself is listed (a /32 or /128 entry), not only a network around it. */
function hostListed(set: PrefixSet<IntelHit>, w: IpWords): boolean {
  return set.match(w)?.length === (isIpv4Words(w) ? 32 : 128);
}

export class IntelIndex {
  readonly ips = new PrefixSet<IntelHit>();
  readonly asns = new Map<number, IntelHit>();
  readonly sha1 = new Map<string, IntelHit>();
  readonly ja3 = new Map<string, IntelHit>();
  readonly domains = new Map<string, IntelHit>();
  /** Listed host counts per /24 (IPv4) and /48 (IPv6), keyed by hoodKey. */
  private readonly hood4 = new Map<number, number>();
  private readonly hood6 = new Map<number, number>();
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
        const p = tryParseCidr(row.value);
        if (!p) return;
        const before = this.ips.size;
        this.ips.add(p, hit, mergeHit);
        if (row.type === 'ip' && this.ips.size > before) {
          const key = hoodKey(p.words);
          if (p.version === 4) {
            this.hood4.set(key, (this.hood4.get(key) ?? 0) + 1);
            const wide = p.words[3] >>> 16;
            this.hood16.set(wide, (this.hood16.get(wide) ?? 0) + 1);
          } else this.hood6.set(key, (this.hood6.get(key) ?? 0) + 1);
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

  lookupIp(ip: IpWords): IntelHit | undefined {
    return this.ips.get(ip);
  }

  lookupIpText(text: string): IntelHit | undefined {
    const ip = tryParseIp(text);
    return ip ? this.lookupIp(ip.words) : undefined;
  }

  /** Listed networks (not host entries) around the address: DROP-style evidence independent of IP seeds. */
  lookupNetwork(ip: IpWords): { hit: IntelHit; len: number } | undefined {
    const r = this.ips.matchNetwork(ip);
    return r ? { hit: r.value, len: r.length } : undefined;
  }

  /** Listed hosts in the /24 (/48) of `ip`, not counting `ip` itself. */
  neighbourhoodDensity(ip: IpWords): number {
    const n = (isIpv4Words(ip) ? this.hood4 : this.hood6).get(hoodKey(ip)) ?? 0;
    return hostListed(this.ips, ip) ? n - 1 : n;
  }

  /** Listed hosts in the /16 of an IPv4 address, not counting the address itself (0 for IPv6). */
  wideDensity(ip: IpWords): number {
    if (!isIpv4Words(ip)) return 0;
    const n = this.hood16.get(ip[3] >>> 16) ?? 0;
    return hostListed(this.ips, ip) ? n - 1 : n;
  }

  /** Listed hosts in an AS, not counting `self` when it is a listed host of that AS. */
  asnDensity(asn: number | undefined, self?: IpWords): number {
    if (asn === undefined) return 0;
    const n = this.perAsn.get(asn) ?? 0;
    const selfListed = self !== undefined && hostListed(this.ips, self);
    return selfListed && n > 0 ? n - 1 : n;
  }

  /** Listed hosts in a country, not counting `self` when it is a listed host. */
  countryDensity(country: string, self?: IpWords): number {
    const n = this.perCountry.get(country) ?? 0;
    const selfListed = self !== undefined && hostListed(this.ips, self);
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
