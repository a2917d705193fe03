/** T-44 domain reputation and T-47 domain age, of the destination's name (SNI, else the leaf's CN). */
import type { HandshakeFeatures } from '../features.js';
import type { Policy } from '../policy/schema.js';
import type { TlsmonServices } from '../services.js';
import { curveScore } from '../strategies.js';
import { unavailable, type DimensionOutcome } from './result.js';

export function destinationName(f: HandshakeFeatures): string | undefined {
  const n = f.sni ?? f.chain[0]?.subjectCN;
  return n?.toLowerCase().replace(/\.$/, '');
}

/** The name and its parents, most specific first: a.b.example.com, b.example.com, example.com. */
function candidates(name: string): string[] {
  const labels = name.split('.');
  const out: string[] = [];
  for (let i = 0; i < labels.length - 1; i++) out.push(labels.slice(i).join('.'));
  return out.length > 0 ? out : [name];
}

export function domainReputation(
  f: HandshakeFeatures,
  s: NonNullable<Policy['reputation']['domainReputation']>,
  svc: TlsmonServices,
): DimensionOutcome {
  if (!svc.domains) return unavailable('no domain store loaded');
  const name = destinationName(f);
  if (!name) return unavailable('no server name');
  for (const c of candidates(name)) {
    const r = svc.domains.reputation(c);
    if (r !== undefined) return { raw: r, score: r * s.scale, note: c };
  }
  return { raw: 'unknown', score: s.unknown, note: name };
}

export function domainAge(
  f: HandshakeFeatures,
  s: NonNullable<Policy['reputation']['domainAge']>,
  svc: TlsmonServices,
): DimensionOutcome {
  if (!svc.domains) return unavailable('no domain store loaded');
  const name = destinationName(f);
  if (!name) return unavailable('no server name');
  for (const c of candidates(name)) {
    const reg = svc.domains.registered(c);
    if (reg !== undefined) {
      const days = Math.max(0, (f.tsUs / 1000 - reg) / 86_400_000);
      return {
        raw: Math.floor(days),
        score: curveScore(days, s.curve),
        note: `${c} registered ${new Date(reg).toISOString().slice(0, 10)}`,
      };
    }
  }
  return { raw: 'unknown', score: s.unknown, note: name };
}
