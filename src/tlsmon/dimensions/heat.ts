/**
 * The popularity dimensions (T-23 certificate, T-31 link pair, T-32 service, T-33 destination, T-34 source):
 * how often the key occurred in the history within the window, mapped by the heat strategy.
 */
import type { HandshakeFeatures } from '../features.js';
import { certificateUnavailableReason } from '../features.js';
import type { HeatStrategy } from '../policy/schema.js';
import type { HeatKind, TlsmonServices } from '../services.js';
import { heatScore } from '../strategies.js';
import { unavailable, type DimensionOutcome } from './result.js';

/** The history key of each kind for this connection; undefined when the connection has none (no certificate). */
export function heatKey(kind: HeatKind, f: HandshakeFeatures): string | undefined {
  switch (kind) {
    case 'cert':
      return f.chain.length > 0 ? f.chain[0].sha1 : undefined;
    case 'pair':
      return `${f.srcIp}|${f.dstIp}|${f.dstPort}`;
    case 'service':
      return `${f.dstIp}|${f.dstPort}`;
    case 'dst':
      return f.dstIp;
    case 'src':
      return f.srcIp;
    case 'geo':
      return undefined;
  }
}

export function heat(
  kind: HeatKind,
  f: HandshakeFeatures,
  s: HeatStrategy,
  svc: TlsmonServices,
): DimensionOutcome {
  if (!svc.history) return unavailable('no history store');
  const key = heatKey(kind, f);
  if (key === undefined) return unavailable(certificateUnavailableReason(f) ?? 'no key');
  const count = svc.history.count(kind, key, s.window, f.tsUs / 1e6);
  return { raw: count, score: heatScore(count, s) };
}
