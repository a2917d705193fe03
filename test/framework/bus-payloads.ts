/** Numbered payloads for the bus tests: `seqOf` reads the number back from either topic. */
import type { CacheEntryChange, VerdictMessage } from '../../src/framework/index.js';

export function verdictFor(seq: number): VerdictMessage {
  return {
    engine: 'tlsmon',
    verdict: 'risky',
    srcIp: '192.0.2.10',
    dstIp: '198.51.100.7',
    srcPort: 40000 + (seq % 20000),
    dstPort: 443,
    proto: 6,
    tsUs: 1_700_000_000_000_000 + seq,
    signatureId: seq,
    block: false,
    blocked: false,
    score: 0.9,
    policy: 'default',
  };
}

export function cacheEntryFor(seq: number): CacheEntryChange {
  return {
    change: 'put',
    entry: {
      srcIp: '192.0.2.10',
      dstIp: '198.51.100.7',
      srcPort: 0,
      dstPort: 443,
      proto: 6,
      createdUs: 1_700_000_000_000_000 + seq,
      lastHitUs: 1_700_000_000_000_000 + seq,
      maxLifetimeUs: 3600e6,
      direction: 'both',
      scope: 'any',
      operationType: 'observe',
      operation: 'track',
      eventId: `seq:${seq}`,
      diagnosis: 'tlsmon',
      status: 'valid',
      hits: 0,
    },
  };
}

export function seqOf(topic: string, payload: unknown): number {
  return topic === 'verdict'
    ? (payload as VerdictMessage).signatureId
    : Number((payload as CacheEntryChange).entry.eventId.slice(4));
}
