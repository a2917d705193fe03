/**
 * Chooses the policy for a connection (T-3, T-51): selectors bind policies to source/destination networks,
 * ports, SNI patterns and named scenarios. The most specific matching selector wins — a scenario beats a server
 * name, which beats a port, which beats networks (longer prefixes beat shorter); ties go to the one written first.
 */
import type { HandshakeFeatures } from '../features.js';
import type { Policy, PolicyFile, Selector } from './schema.js';
import { cidrContains, tryParseCidr, type Cidr } from '../../address/index.js';
import { sniMatches } from '../strategies.js';

interface CompiledSelector {
  policy: string;
  src?: Cidr[];
  dst?: Cidr[];
  ports?: Set<number>;
  sni?: string[];
  scenario?: string;
  index: number;
}

export interface SelectedPolicy {
  name: string;
  policy: Policy;
  /** Which selector chose it ('default' when none matched). */
  via: string;
}

function compile(s: Selector, index: number): CompiledSelector {
  const nets = (list: string[] | undefined): Cidr[] | undefined =>
    list?.map((t) => {
      const c = tryParseCidr(t);
      if (!c) throw new Error(`selector ${index}: bad CIDR '${t}'`);
      return c;
    });
  return {
    policy: s.policy,
    src: nets(s.sourceNets),
    dst: nets(s.destinationNets),
    ports: s.ports ? new Set(s.ports) : undefined,
    sni: s.sni,
    scenario: s.scenario,
    index,
  };
}

/** Longest matching prefix of any of `nets`, or -1 when none contains the address. */
function bestPrefix(nets: Cidr[], addr: Uint32Array): number {
  let best = -1;
  for (const c of nets) if (c.bits > best && cidrContains(c, addr)) best = c.bits;
  return best;
}

export class PolicySelector {
  private readonly selectors: CompiledSelector[];
  private readonly scenarios: CompiledSelector[];

  constructor(private readonly file: PolicyFile) {
    this.selectors = file.selectors.map(compile);
    this.scenarios = Object.entries(file.scenarios).map(([name, sc], i) =>
      compile({ ...sc, policy: name }, i),
    );
  }

  /** The first scenario (in file order) whose conditions all hold, as the deployment tags connections (T-63). */
  scenarioOf(f: HandshakeFeatures): string | undefined {
    for (const s of this.scenarios) {
      if (s.ports && !s.ports.has(f.dstPort)) continue;
      if (s.dst && bestPrefix(s.dst, f.dst) < 0) continue;
      if (s.src && bestPrefix(s.src, f.src) < 0) continue;
      const sni = f.sni;
      if (s.sni && (sni === undefined || !s.sni.some((p) => sniMatches(p, sni)))) continue;
      return s.policy;
    }
    return undefined;
  }

  select(f: HandshakeFeatures): SelectedPolicy {
    let best: CompiledSelector | undefined;
    let bestRank = -1;
    for (const s of this.selectors) {
      let rank = 0;
      if (s.scenario !== undefined) {
        if (f.scenario !== s.scenario) continue;
        rank += 1_000_000;
      }
      if (s.sni) {
        const sni = f.sni;
        if (sni === undefined) continue;
        const hit = s.sni.filter((p) => sniMatches(p, sni));
        if (hit.length === 0) continue;
        // An exact name is more specific than a wildcard; a longer wildcard more than a shorter one.
        rank += 100_000 + Math.max(...hit.map((p) => (p.startsWith('*.') ? p.length : 10_000)));
      }
      if (s.ports) {
        if (!s.ports.has(f.dstPort)) continue;
        rank += 10_000;
      }
      if (s.dst) {
        const b = bestPrefix(s.dst, f.dst);
        if (b < 0) continue;
        rank += 1_000 + b;
      }
      if (s.src) {
        const b = bestPrefix(s.src, f.src);
        if (b < 0) continue;
        rank += 1_000 + b;
      }
      if (rank > bestRank) {
        best = s;
        bestRank = rank;
      }
    }
    const name = best?.policy ?? this.file.default;
    return { name, policy: this.file.policies[name], via: best ? `selectors[${best.index}]` : 'default' };
  }
}
