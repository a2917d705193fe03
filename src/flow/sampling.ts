/**
 * Flow sampling (A-33, A-42…A-45): dense (1:N, small N) or sparse (1:N, large N) per pair of zones, decided once per
 * flow from a hash of its endpoints — deterministic, so the same flow is sampled on every sensor and on a replay,
 * and both directions fall together. Sampled flows go to the export and to the model's check hook.
 */
import { cidrContains, tryParseCidr, type Cidr } from '../address/index.js';
import type { FlowView } from './types.js';

export interface ZoneDef {
  name: string;
  nets: string[];
}

export interface SamplingConfig {
  zones: ZoneDef[];
  /** "from->to" zone pairs (or "*->zone", "zone->*") → N of 1:N; the first match in order wins. */
  rates: Array<{ pair: string; rate: number }>;
  defaultRate: number;
}

/** FNV-1a over the endpoint words and ports, symmetric in direction. */
function flowHash(f: FlowView): number {
  let a = 0x811c9dc5;
  const mix = (x: number): void => {
    for (let i = 0; i < 4; i++) {
      a ^= (x >>> (i * 8)) & 0xff;
      a = Math.imul(a, 0x01000193);
    }
  };
  let s = 0;
  let d = 0;
  const src = f.src;
  const dst = f.dst;
  for (let i = 0; i < 4; i++) {
    s = (s ^ src[i]) >>> 0;
    d = (d ^ dst[i]) >>> 0;
  }
  mix((s ^ d) >>> 0);
  mix(Math.imul(s, d) >>> 0);
  mix((f.srcPort ^ f.dstPort) >>> 0);
  mix(f.srcPort * f.dstPort);
  mix(f.proto);
  return a >>> 0;
}

export class FlowSampler {
  private readonly zones: Array<{ name: string; nets: Cidr[] }>;

  constructor(private readonly cfg: SamplingConfig) {
    this.zones = cfg.zones.map((z) => ({
      name: z.name,
      nets: z.nets.map((n) => {
        const c = tryParseCidr(n);
        if (!c) throw new Error(`zone ${z.name}: '${n}' is not an address or CIDR prefix`);
        return c;
      }),
    }));
    for (const r of cfg.rates) {
      if (!Number.isInteger(r.rate) || r.rate < 1)
        throw new Error(`sampling rate for ${r.pair} must be a whole number ≥ 1`);
      if (!/^[\w*-]+->[\w*-]+$/.test(r.pair)) throw new Error(`sampling pair '${r.pair}' is not "from->to"`);
    }
  }

  zoneOf(addr: ArrayLike<number>): string {
    for (const z of this.zones) if (z.nets.some((c) => cidrContains(c, addr))) return z.name;
    return 'wan';
  }

  /** N of 1:N for this flow's zone pair. */
  rateOf(f: FlowView): number {
    const from = this.zoneOf(f.src);
    const to = this.zoneOf(f.dst);
    for (const r of this.cfg.rates) {
      const [a, b] = r.pair.split('->');
      if ((a === '*' || a === from) && (b === '*' || b === to)) return r.rate;
    }
    return this.cfg.defaultRate;
  }

  /** Whether this flow is in the sample, and at which rate. */
  sample(f: FlowView): { sampled: boolean; rate: number } {
    const rate = this.rateOf(f);
    return { sampled: rate === 1 || flowHash(f) % rate === 0, rate };
  }
}
