/**
 * Entries from the TLS monitor (A-34: the cache caches what every engine found): on a real QuasarRAT capture the
 * shipped policies call the C2 handshake risky; the monitor publishes that verdict on the bus, the security
 * component's recorder makes it a cache entry for the connection, and the guard meets it first on the
 * connection's next packets (A-30).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeToEvents } from '../../src/pipeline/index.js';
import { createTlsmon } from '../../src/tlsmon/setup.js';
import { EventCacheTable } from '../../src/security/event-cache.js';
import { SecurityGuard } from '../../src/security/guard.js';
import { VerdictRecorder } from '../../src/security/verdict-recorder.js';
import { InProcessBus } from '../../src/framework/index.js';

const PCAP = join(
  '..',
  'shared',
  'corpus',
  'attacks',
  'malcolm-pcap',
  'pcaps',
  'plugins',
  'zeek-quasarrat-detector',
  '09ffabf7-774a-43a3-8c97-68f2046fd385.pcap',
);

test('a risky TLS verdict becomes a cache entry the guard applies first', { timeout: 120_000 }, async (t) => {
  if (!existsSync(PCAP)) {
    t.skip(`corpus absent: ${PCAP}`);
    return;
  }
  const bus = new InProcessBus();
  const mon = await createTlsmon({ policyPath: join('config', 'policies.yaml'), deliverAlerts: false, bus });
  const cache = new EventCacheTable();
  const rec = new VerdictRecorder(cache);
  await rec.subscribe(bus);
  const guard = new SecurityGuard(cache, undefined);
  let events;
  try {
    ({ events } = await analyzeToEvents(PCAP, { inspectors: [guard, mon.inspector] }));
  } finally {
    await mon.close();
    await rec.close();
    await bus.close();
  }
  const c2 = rec.created.filter((e) => e.dstPort === 1337);
  assert.ok(c2.length >= 1, `entries: ${rec.created.map((e) => `${e.dstIp}:${e.dstPort}`).join(', ')}`);
  for (const e of c2) {
    assert.equal(e.diagnosis, 'tlsmon');
    assert.match(e.eventId, /^tlsmon:\d+$/);
    assert.ok(e.operation === 'track' || e.operation === 'drop');
  }
  const first = c2[0];
  const hit = cache.lookup(first.dstIp, first.srcIp, first.dstPort, first.srcPort, 6, first.createdUs + 1e6);
  assert.equal(hit?.forward, false, 'both directions of the connection');
  const applied = events.filter(
    (e) =>
      e.moat !== undefined &&
      'event_cache' in (e.moat as object) &&
      (e.dest_port === 1337 || e.src_port === 1337),
  );
  assert.ok(applied.length >= 1, 'the C2 connection’s next packets met the entry in the cache');
  assert.ok(guard.stats.cacheDecided >= 1);
});
