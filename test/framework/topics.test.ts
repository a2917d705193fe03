/**
 * The topic payloads are neutral shapes in framework/ (it imports no domain), so this test holds them to the
 * domains' own types: the build fails when the event cache entry or the honeypot instance record drifts from its
 * payload, and real values made by the domain code pass the schemas.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cacheEntryChangeSchema,
  honeypotSessionSchema,
  verdictSchema,
  type CacheEntryMessage,
  type HoneypotSessionRecord,
} from '../../src/framework/index.js';
import { EventCacheTable, type CacheEntry } from '../../src/security/event-cache.js';
import type { InstanceRecord } from '../../src/honeypot/instance.js';
import { verdictFor } from './bus-payloads.js';

type Assignable<A, B> = [A] extends [B] ? true : false;
// Both ways for the cache entry: the security component publishes its entries and applies received ones.
const entryOut: Assignable<CacheEntry, CacheEntryMessage> = true;
const entryIn: Assignable<CacheEntryMessage, CacheEntry> = true;
const sessionOut: Assignable<InstanceRecord, HoneypotSessionRecord> = true;

test('payload types follow the domain types (checked at compile time)', () => {
  assert.deepEqual([entryOut, entryIn, sessionOut], [true, true, true]);
});

test('an entry the event cache table made passes the cache-entry schema', () => {
  const table = new EventCacheTable();
  const e = table.record({
    srcIp: '2001:db8::7',
    dstIp: '*',
    srcPort: 0,
    dstPort: 0,
    proto: 0,
    createdUs: 1_700_000_000_000_000,
    maxLifetimeUs: 600e6,
    direction: 'both',
    scope: 'iot',
    operation: 'monitor',
    eventId: 'log-review:7',
    diagnosis: 'log-review',
  });
  const r = cacheEntryChangeSchema.safeParse({ change: 'put', entry: e });
  assert.ok(r.success, JSON.stringify(r.error?.issues));
});

test('a honeypot instance record passes the honeypot-session schema', () => {
  const rec: InstanceRecord = {
    id: 'tn-0001',
    service: 'telnet',
    peerIp: '203.0.113.9',
    peerPort: 51234,
    localPort: 2323,
    start: '2024-05-01T10:00:00.000Z',
    end: '2024-05-01T10:02:00.000Z',
    endReason: 'peer closed',
    credentials: [{ user: 'root', password: 'xc3511', accepted: true }],
    commands: [{ at: '2024-05-01T10:00:05.000Z', line: 'cat /proc/cpuinfo', route: 'emulator' }],
    downloads: [{ url: 'http://203.0.113.9/x.sh', tool: 'wget', status: 'out-of-scope' }],
    samples: [],
    bytesIn: 120,
    bytesOut: 900,
  };
  const r = honeypotSessionSchema.safeParse({ phase: 'ended', session: rec });
  assert.ok(r.success, JSON.stringify(r.error?.issues));
  const bad = honeypotSessionSchema.safeParse({ phase: 'ended', session: { ...rec, peerPort: -1 } });
  assert.equal(bad.success, false);
  assert.deepEqual(bad.error?.issues[0].path, ['session', 'peerPort']);
});

test('verdict: unknown fields from a newer publisher are dropped, not refused', () => {
  const r = verdictSchema.safeParse({ ...verdictFor(1), confidence: 0.7 });
  assert.ok(r.success);
  assert.equal('confidence' in r.data, false);
});
