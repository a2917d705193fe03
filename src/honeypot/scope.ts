/**
 * The allowed download scope: the DMZ may not reach out freely, so a URL is fetched only
 * when its resolved address falls in a configured prefix (and port, when given). Out-of-scope URLs
 * are recorded, never contacted. Entries: `127.0.0.1/32`, `10.0.0.0/8:8080`, `::1/128`.
 */
import { isIP } from 'node:net';

interface Prefix {
  v6: boolean;
  bits: bigint;
  len: number;
  port?: number;
}

export class ScopeError extends Error {}

function toBig(ip: string): { v6: boolean; n: bigint } {
  if (isIP(ip) === 4)
    return { v6: false, n: ip.split('.').reduce((a, o) => (a << 8n) | BigInt(Number(o)), 0n) };
  if (isIP(ip) === 6) {
    const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, ''];
    const h = head ? head.split(':') : [];
    const t = tail ? tail.split(':') : [];
    const groups = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
    return { v6: true, n: groups.reduce((a, g) => (a << 16n) | BigInt(parseInt(g || '0', 16)), 0n) };
  }
  throw new ScopeError(`not an IP address: '${ip}'`);
}

export class DownloadScope {
  private readonly prefixes: Prefix[];

  constructor(entries: readonly string[]) {
    this.prefixes = entries.map((e) => {
      const m = /^\[?([0-9a-fA-F:.]+)\]?(?:\/(\d+))?(?::(\d+))?$/.exec(
        e.includes('/') || isIP(e) === 4 ? e : e,
      );
      const slash = e.lastIndexOf('/');
      let addr = e;
      let len: number | undefined;
      let port: number | undefined;
      if (slash >= 0) {
        addr = e.slice(0, slash);
        const rest = e.slice(slash + 1);
        const [l, p] = rest.split(':');
        len = Number(l);
        if (p !== undefined) port = Number(p);
      } else if (m && m[1]) addr = m[1];
      const { v6, n } = toBig(addr);
      const max = v6 ? 128 : 32;
      const L = len ?? max;
      if (!Number.isInteger(L) || L < 0 || L > max)
        throw new ScopeError(`bad prefix length in scope entry '${e}'`);
      if (port !== undefined && !(port > 0 && port < 65536))
        throw new ScopeError(`bad port in scope entry '${e}'`);
      return { v6, bits: n >> BigInt(max - L), len: L, port };
    });
  }

  allows(ip: string, port: number): boolean {
    if (!isIP(ip)) return false;
    const { v6, n } = toBig(ip);
    const max = v6 ? 128 : 32;
    return this.prefixes.some(
      (p) => p.v6 === v6 && n >> BigInt(max - p.len) === p.bits && (p.port === undefined || p.port === port),
    );
  }
}
