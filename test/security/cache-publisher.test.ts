/**
 * An event cache table's own entries announced on the bus (log review's restrictions reach the gateway's enforcer
 * this way): new and changed entries go out as `put`, a removal as `del` with the entry last announced, hits not at
 * all, and a filter keeps entries that came from the bus off it. The bus checks each payload against the topic's
 * schema, so an entry the enforcer could not read would fail here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InProcessBus, type CacheEntryChange } from '../../src/framework/index.js';
import { EventCacheTable, publishCacheChanges } from '../../src/security/index.js';

test('cache entries are announced on the bus: put, del, never hits', async () => {
  const bus = new InProcessBus({ validate: true });
  const seen: CacheEntryChange[] = [];
  await bus.subscribe('cache-entry', 'test', (c) => {
    seen.push(c);
  });
  const table = new EventCacheTable();
  const pub = publishCacheChanges(table, bus, { filter: (e) => e.diagnosis !== 'operator' });
  const now = Date.now() * 1000;
  const base = {
    dstIp: '*',
    srcPort: 0,
    dstPort: 0,
    proto: 0,
    createdUs: now,
    maxLifetimeUs: 3600e6,
    direction: 'both' as const,
    scope: 'lan',
  };
  const e = table.record({
    ...base,
    srcIp: '192.168.61.51',
    operation: 'drop',
    eventId: 'log-review:port-diversity',
    diagnosis: 'log-review',
  });
  table.record({ ...base, srcIp: '192.168.61.52', operation: 'drop', eventId: 'x', diagnosis: 'operator' });
  assert.ok(table.lookup('192.168.61.51', '10.90.0.1', 40000, 80, 6, now + 1e6), 'a hit');
  table.remove(e);
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(
    seen.map((c) => [c.change, c.entry.srcIp, c.entry.diagnosis, c.entry.operation]),
    [
      ['put', '192.168.61.51', 'log-review', 'drop'],
      ['del', '192.168.61.51', 'log-review', 'drop'],
    ],
  );
  assert.equal(pub.published, 2);
  await bus.close();
});
