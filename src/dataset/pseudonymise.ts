/**
 * Keyed, consistent pseudonyms: the same input always maps to the same fake under one
 * key, so reports stay joinable while real identities are gone. IPv4/IPv6 keep their prefix structure
 * (two addresses sharing n leading bits share exactly n leading bits after mapping: each output bit
 * is the input bit flipped by a keyed function of the bits before it). Pseudonyms of free-form
 * values carry recognisable shapes (`.invalid` domains, `cred-`, `SN-`) so the privacy check can tell
 * them from real data.
 */
import { createHmac } from 'node:crypto';
import {
  formatIpv4,
  formatIpv6Full,
  ipFromBigInt,
  ipToBigInt,
  parseIp,
  tryParseIp,
} from '../address/index.js';

export class Pseudonymiser {
  private readonly cache = new Map<string, string>();
  /** Every original value replaced so far: the privacy check refuses output still holding one. */
  readonly originals = new Set<string>();
  /** Every pseudonym produced, so the check does not mistake them for real values. */
  readonly produced = new Set<string>();

  constructor(private readonly key: Buffer) {
    if (key.length < 16) throw new Error('pseudonymisation key must be at least 16 bytes');
  }

  private h(kind: string, v: string): Buffer {
    return createHmac('sha256', this.key).update(kind).update('\0').update(v).digest();
  }

  private memo(kind: string, v: string, make: () => string): string {
    const k = `${kind}\0${v}`;
    let out = this.cache.get(k);
    if (out === undefined) {
      out = make();
      if (this.cache.size < 1_000_000) this.cache.set(k, out);
    }
    this.originals.add(v);
    this.produced.add(out);
    return out;
  }

  private prefixPreserving(bits: bigint, width: number, kind: string): bigint {
    let out = 0n;
    for (let i = 0; i < width; i++) {
      const prefix = bits >> BigInt(width - i);
      const flip = BigInt(this.h(kind, `${i}/${prefix.toString(16)}`)[0] & 1);
      const bit = (bits >> BigInt(width - 1 - i)) & 1n;
      out = (out << 1n) | (bit ^ flip);
    }
    return out;
  }

  ipv4(ip: string): string {
    return this.memo('ip4', ip, () => {
      // Text found by pattern may carry leading zeros ('010.0.0.1'): read as decimal, as always.
      const a = parseIp(ip.replace(/(^|\.)0+(?=\d)/g, '$1'));
      if (a.version !== 4) throw new Error(`not an IPv4 address: '${ip}'`);
      const m = this.prefixPreserving(ipToBigInt(a.words, 4), 32, 'ip4');
      return formatIpv4(Number(m));
    });
  }

  /** Pseudonyms are written as eight groups without '::' (the form earlier datasets used). */
  ipv6(ip: string): string {
    const a = ip.includes(':') && !ip.includes('.') ? tryParseIp(ip) : undefined;
    if (!a) throw new Error(`not an IPv6 address in hex groups: '${ip}'`);
    return this.memo('ip6', ip.toLowerCase(), () => {
      const m = this.prefixPreserving(ipToBigInt(a.words, 6), 128, 'ip6');
      return formatIpv6Full(ipFromBigInt(m, 6));
    });
  }

  ip(ip: string): string {
    return ip.includes(':') ? this.ipv6(ip) : this.ipv4(ip);
  }

  /** MACs keep their multicast and locally-administered bits and their separator style. */
  mac(mac: string): string {
    return this.memo('mac', mac.toLowerCase(), () => {
      const sep = mac.includes('-') ? '-' : ':';
      const bytes = mac.split(/[:-]/).map((x) => parseInt(x, 16));
      const r = this.h('mac', mac.toLowerCase());
      const out = bytes.map((_, i) => r[i]);
      out[0] = (out[0] & 0xfc) | (bytes[0] & 0x03);
      const s = out.map((b) => b.toString(16).padStart(2, '0')).join(sep);
      return mac === mac.toUpperCase() ? s.toUpperCase() : s;
    });
  }

  email(e: string): string {
    return this.memo(
      'email',
      e.toLowerCase(),
      () =>
        `user-${this.h('email', e.toLowerCase()).toString('hex').slice(0, 8)}@mail-${this.h(
          'dom',
          e.split('@')[1] ?? '',
        )
          .toString('hex')
          .slice(0, 6)}.invalid`,
    );
  }

  phone(p: string): string {
    return this.memo('phone', p, () => {
      const r = this.h('phone', p.replace(/\D/g, ''));
      let k = 0;
      return p.replace(/\d/g, (d, i: number) =>
        i === 0 && p.startsWith('+') ? d : String(r[k++ % r.length] % 10),
      );
    });
  }

  credential(c: string): string {
    return this.memo('cred', c, () => `cred-${this.h('cred', c).toString('hex').slice(0, 10)}`);
  }

  hostname(h: string): string {
    return this.memo(
      'host',
      h.toLowerCase(),
      () => `host-${this.h('host', h.toLowerCase()).toString('hex').slice(0, 8)}`,
    );
  }

  serial(s: string): string {
    return this.memo(
      'serial',
      s,
      () =>
        `SN-${this.h('serial', s)
          .toString('hex')
          .slice(0, Math.max(6, Math.min(16, s.length)))
          .toUpperCase()}`,
    );
  }
}
