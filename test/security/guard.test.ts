/**
 * The checks in spec order on a real (synthetic) capture: the event cache table is consulted before the rules
 * (A-30) and each of A-37's eight operations is recorded in EVE; deciding operations skip the rules, observing
 * ones do not; drop/reject rule matches become cache entries (A-34); a watched entry (A-62) is blocked again on a
 * rule hit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeToEvents } from '../../src/pipeline/index.js';
import { encodePcap, synthesize } from '../../src/synth/index.js';
import { parseRules } from '../../src/detect/ruleset.js';
import { RuleMatcher } from '../../src/detect/rule-matcher.js';
import { RuleInspector } from '../../src/detect/inspector.js';
import { EventCacheTable, OPERATIONS, type Operation } from '../../src/security/event-cache.js';
import { SecurityGuard } from '../../src/security/guard.js';
import type { EveEvent } from '../../src/output/eve/header.js';

const RULES = [
  'alert tcp any any -> any 23 (msg:"telnet user root"; flow:established,to_server; content:"root"; sid:100;)',
  'drop tcp any any -> any 23 (msg:"mirai password anko"; flow:established,to_server; content:"anko"; sid:101;)',
].join('\n');
const BOT = '192.168.1.199';
const VICTIM = '203.0.113.23';

let dir = '';
let pcap = '';
test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'moat-guard-'));
  pcap = join(dir, 'synth.pcap');
  writeFileSync(pcap, encodePcap((await synthesize({ seed: 1, scenarios: ['bruteforce', 'http'] })).frames));
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

async function run(cache: EventCacheTable) {
  const { rules } = parseRules(RULES, 'guard.rules');
  const guard = new SecurityGuard(cache, new RuleInspector(new RuleMatcher(rules)));
  const { events } = await analyzeToEvents(pcap, { inspectors: [guard] });
  const alerts = events.filter((e) => e.event_type === 'alert');
  const sid = (e: EveEvent) => (e.alert as { signature_id: number }).signature_id;
  return {
    guard,
    ruleAlerts: alerts.filter((e) => sid(e) < 1000),
    cacheEvents: alerts.filter((e) => e.moat !== undefined && 'event_cache' in (e.moat as object)),
  };
}

function seed(cache: EventCacheTable, operation: Operation, status?: 'watched'): void {
  cache.record({
    srcIp: BOT,
    dstIp: VICTIM,
    srcPort: 0,
    dstPort: 0,
    proto: 0,
    createdUs: 0,
    maxLifetimeUs: 1e18,
    direction: 'both',
    scope: 'iot',
    operation,
    operationArg: operation === 'suppress' ? '5/second' : undefined,
    eventId: 'test',
    diagnosis: 'operator',
    status,
  });
}

test('rule matches that drop become cache entries, and the cache then decides those flows first', async () => {
  const cache = new EventCacheTable();
  const { ruleAlerts, cacheEvents, guard } = await run(cache);
  const dropped = ruleAlerts.filter((a) => (a.alert as { signature_id: number }).signature_id === 101);
  assert.ok(dropped.length >= 1);
  const entries = [...cache.entries()];
  assert.ok(entries.length >= 1 && entries.every((e) => e.eventId === 'sid:101' && e.operation === 'drop'));
  assert.equal(entries[0].srcIp, BOT);
  assert.equal(entries[0].dstPort, 23);
  assert.equal(guard.stats.entriesCreated, entries.length);
  // The rest of each dropped session is decided by the cache: one record per flow, no further rule alerts.
  assert.equal(cacheEvents.length, entries.length);
  for (const ev of cacheEvents) {
    assert.equal((ev.moat as { event_cache: { operation: string } }).event_cache.operation, 'drop');
    const later = ruleAlerts.filter(
      (a) => a.flow_id === ev.flow_id && String(a.timestamp) > String(ev.timestamp),
    );
    assert.deepEqual(later, [], 'no rule runs on a flow the cache decided');
  }
});

test('each of the eight A-37 operations is applied from the cache before the rules', async () => {
  const plain = await run(new EventCacheTable());
  const botFlows = new Set(plain.ruleAlerts.map((a) => a.flow_id));
  assert.ok(botFlows.size >= 10, 'the rules hit the brute-force sessions without a cache entry');
  for (const op of OPERATIONS) {
    const cache = new EventCacheTable();
    seed(cache, op);
    const r = await run(cache);
    const ops = new Set(
      r.cacheEvents.map((e) => (e.moat as { event_cache: { operation: string } }).event_cache.operation),
    );
    assert.deepEqual([...ops], [op], op);
    assert.ok(r.cacheEvents.length >= botFlows.size, `${op}: one record per flow of the pair`);
    const observing = op === 'monitor' || op === 'track';
    if (observing) assert.ok(r.ruleAlerts.length > 0, `${op} keeps the rules running`);
    else assert.equal(r.ruleAlerts.length, 0, `${op} decides the flow: rules skipped`);
    const blocked = (r.cacheEvents[0].alert as { action: string }).action === 'blocked';
    assert.equal(blocked, op === 'drop' || op === 'reset' || op === 'suppress', op);
    assert.ok((cache.entries().next().value?.hits ?? 0) >= botFlows.size, 'lookups count hits');
  }
});

test('A-62: a cleared entry under watch is blocked again on the next rule hit', async () => {
  const cache = new EventCacheTable();
  seed(cache, 'track', 'watched');
  const e = cache.entries().next().value!;
  e.watchUntilUs = 1e18;
  const r = await run(cache);
  assert.equal(r.guard.stats.escalated >= 1, true);
  assert.deepEqual([e.status, e.operation, e.diagnosis], ['valid', 'drop', 'rules']);
  assert.match(e.eventId, /^sid:10[01]$/);
});
