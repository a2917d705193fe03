/**
 * The model's check hook end to end (A-33, A-34): a model trained with the identify library on the identify tests'
 * synthetic traffic (abuse = periodic small exchanges with a few peers; clean = large answers to many peers at
 * irregular times) scores the remote addresses of a capture built here with a beaconing C2 and a busy clean server.
 * The C2 must come out black — an EVE alert with diagnosis ml and an 'ml' row in the persisted event cache — and the
 * clean server must not; with 1:N sampling for large N nothing is scored.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { analyzeToEvents } from '../../src/pipeline/index.js';
import { FlowSampler } from '../../src/flow/sampling.js';
import { EventCacheTable } from '../../src/security/event-cache.js';
import { ModelInspector, openModelService } from '../../src/security/model-inspector.js';
import { VerdictRecorder } from '../../src/security/verdict-recorder.js';
import { InProcessBus } from '../../src/framework/index.js';
import { ModelRegistry, SKIP_OOD_GATE } from '../../src/identify/index.js';
import { openSqlite } from '../../src/store/index.js';
import { encodePcap } from '../../src/synth/frame-writer.js';
import { C2, CLEAN, setup } from './model-fixture.js';
import type { EveEvent } from '../../src/output/eve/header.js';

/** The capture analysed with the store's model publishing on a bus a VerdictRecorder listens to (ml, address-level entries). */
async function recordedRun(
  store: string,
  pcap: string,
  opts: ConstructorParameters<typeof ModelInspector>[1],
): Promise<{ events: EveEvent[]; inner: ModelInspector; cache: EventCacheTable }> {
  const db = openSqlite(store);
  try {
    const service = openModelService(db);
    const cache = new EventCacheTable();
    const bus = new InProcessBus();
    const rec = new VerdictRecorder(cache, { engines: { ml: { addressLevel: true } } });
    await rec.subscribe(bus);
    const inner = new ModelInspector(service, { ...opts, verdicts: bus });
    const { events } = await analyzeToEvents(pcap, { inspectors: [inner] });
    await rec.close();
    await bus.close();
    return { events, inner, cache };
  } finally {
    db.close();
  }
}

test('the model flags the beaconing C2, not the clean server; the verdict becomes an ml cache entry', async () => {
  const s = setup();
  try {
    const { events, inner, cache } = await recordedRun(s.store, s.pcap, {});
    const flows = events.filter((e) => e.event_type === 'flow');
    assert.equal(flows.length, 28);
    const alerts = events.filter((e) => e.event_type === 'alert');
    assert.ok(alerts.length >= 1, 'the C2 was flagged');
    for (const a of alerts) {
      assert.equal(a.dest_ip, C2, `only the C2 is flagged: ${JSON.stringify(a.moat)}`);
      const m = (a.moat as { model: Record<string, unknown> }).model;
      assert.equal(m.verdict, 'black');
      assert.equal(m.model_version, s.version);
      assert.ok(typeof m.score === 'number' && m.score >= 0.5, `score ${String(m.score)}`);
      assert.ok(Array.isArray(m.rules_fired) && m.rules_fired.length >= 1);
      assert.ok(Array.isArray(m.reasons) && m.reasons.length >= 1);
      assert.deepEqual((a.alert as { metadata: { diagnosis: string[] } }).metadata.diagnosis, ['ml']);
    }
    // One alert per LAN host talking to the C2 while the verdict stands, not one per flow.
    assert.deepEqual([...new Set(alerts.map((a) => a.src_ip))].sort(), alerts.map((a) => a.src_ip).sort());
    assert.ok(
      inner.stats.scored < inner.stats.sampled,
      `scored ${inner.stats.scored} of ${inner.stats.sampled}`,
    );
    assert.equal(inner.stats.sampled, 28);
    assert.equal(inner.verdictFor(C2)?.verdict, 'black');
    const clean = inner.verdictFor(CLEAN);
    assert.ok(clean && clean.verdict !== 'black', `the clean server was scored: ${JSON.stringify(clean)}`);
    const entries = [...cache.entries()];
    assert.ok(entries.length >= 1);
    for (const e of entries) {
      assert.equal(e.diagnosis, 'ml');
      assert.equal(e.dstIp, C2);
      assert.equal(e.operation, 'drop', 'a black verdict asks for blocking');
      assert.equal(e.dstPort, 0, 'an address-level entry: the next beacon uses a new port');
    }
    // The next beacon (new source port) meets the entry.
    const e0 = entries[0];
    assert.ok(cache.lookup(e0.srcIp, C2, 50000, 8080, 6, e0.createdUs + 1e6));
    assert.equal(cache.lookup('192.168.1.1', CLEAN, 50000, 443, 6, e0.createdUs + 1e6), undefined);
  } finally {
    rmSync(s.dir, { recursive: true, force: true });
  }
});

test('a gray verdict above the configured score alerts too, and is tracked rather than dropped', async () => {
  const s = setup();
  try {
    const { inner, cache } = await recordedRun(s.store, s.pcap, { grayScore: 0.3 });
    const gray = inner.verdictFor(CLEAN);
    assert.equal(gray?.verdict, 'gray');
    const toClean = [...cache.entries()].filter((e) => e.dstIp === CLEAN);
    assert.ok(toClean.length >= 1);
    assert.ok(toClean.every((e) => e.operation === 'track' && e.eventId === 'ml:9500002'));
    assert.ok([...cache.entries()].some((e) => e.dstIp === C2 && e.operation === 'drop'));
  } finally {
    rmSync(s.dir, { recursive: true, force: true });
  }
});

test('a newly activated model is followed and its verdicts replace the cached ones', async () => {
  const s = setup();
  try {
    const db = openSqlite(s.store);
    const service = openModelService(db);
    // Verdicts that never expire and a flow cap where evidence can no longer double: nothing else rescores.
    const inner = new ModelInspector(service, { cacheS: 1e9, maxFlowsPerAddress: 14 });
    await analyzeToEvents(s.pcap, { inspectors: [inner] });
    const before = inner.stats.scored;
    assert.equal(inner.verdictFor(C2)?.model_version, s.version);
    // A second published version (the same tree: only the version must change), activated from another handle.
    const reg = new ModelRegistry(db);
    const v2 = reg.submit(
      reg.load(s.version),
      { precision: 0.99, coverage: 0.9 },
      { minPrecision: 0.9, minCoverage: 0.8 },
      SKIP_OOD_GATE,
    );
    reg.activate(v2.version);
    assert.equal(service.reload(), true);
    // Same capture again: same packet times, so only the version change can send addresses back to the model.
    await analyzeToEvents(s.pcap, { inspectors: [inner] });
    db.close();
    assert.ok(inner.stats.scored >= before + 2, `scored ${inner.stats.scored}, before ${before}`);
    assert.equal(inner.verdictFor(C2)?.model_version, v2.version);
    assert.equal(inner.verdictFor(CLEAN)?.model_version, v2.version);
  } finally {
    rmSync(s.dir, { recursive: true, force: true });
  }
});

test('unsampled flows are not scored: 1:N with a large N checks nothing', async () => {
  const s = setup();
  try {
    const sampler = new FlowSampler({ zones: [], rates: [], defaultRate: 1_000_000 });
    const { events, inner, cache } = await recordedRun(s.store, s.pcap, { sampler });
    assert.equal(inner.stats.skipped, 28);
    assert.equal(inner.stats.sampled, 0);
    assert.equal(inner.stats.scored, 0);
    assert.equal(events.filter((e) => e.event_type === 'alert').length, 0);
    assert.equal(cache.size, 0);
  } finally {
    rmSync(s.dir, { recursive: true, force: true });
  }
});

function moat(args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [join('bin', 'moat.js'), ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

test('moat analyze --db --model: ml alert in EVE, ml row in the same store, none for the clean server', () => {
  const s = setup();
  try {
    const eve = join(s.dir, 'eve.json');
    const r = moat(['analyze', s.pcap, '--eve', eve, '--no-progress', '--db', s.store, '--model']);
    assert.equal(r.code, 0, r.err);
    assert.doesNotMatch(r.err, /deprecated/);
    assert.match(r.err, new RegExp(`identification model v${s.version} from .* checks every flow`));
    assert.match(
      r.err,
      /model checked 28 flows \(0 not sampled\): \d+ scorings of 2 remote addresses .* 1 black, 3 alerts/,
    );
    const events = readFileSync(eve, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const alerts = events.filter((e) => e.event_type === 'alert');
    assert.ok(alerts.length >= 1);
    assert.ok(alerts.every((a) => a.dest_ip === C2 || a.src_ip === C2));
    // A-30: the C2's later beacons (new source ports) meet the address-level entry in the cache before anything else.
    const fromCache = alerts.filter((a) =>
      /event cache: drop \(ml ml:9500001\)/.test(String((a.alert as { signature: string }).signature)),
    );
    assert.ok(fromCache.length >= 1, 'the guard applied the ml entry');
    const flagged = alerts.filter((a) => (a.alert as { signature_id: number }).signature_id === 9_500_001);
    assert.equal(flagged.length, 3, 'one model alert per LAN host talking to the C2');
    const db = new Database(s.store, { readonly: true });
    const rows = db
      .prepare('SELECT src_ip, dst_ip, diagnosis, operation FROM security_event_cache')
      .all() as {
      dst_ip: string;
      diagnosis: string;
      operation: string;
    }[];
    db.close();
    assert.ok(rows.length >= 1);
    assert.ok(rows.every((x) => x.diagnosis === 'ml' && x.dst_ip === C2 && x.operation === 'drop'));
    assert.equal(rows.filter((x) => x.dst_ip === CLEAN).length, 0);

    // The flag of before keeps its meaning (the model's store only: the event cache table stays in memory, so the
    // entries of the first run do not apply) and says what replaces it.
    const sampled = moat([
      'analyze',
      s.pcap,
      '--eve',
      eve,
      '--no-progress',
      '--model-db',
      s.store,
      '--model-sample',
      '1000000',
    ]);
    assert.equal(sampled.code, 0, sampled.err);
    assert.match(sampled.err, /^moat: --model-db is deprecated: use --model with --db FILE/m);
    assert.equal(
      readFileSync(eve, 'utf8')
        .split('\n')
        .filter((l) => l.includes('"event_type":"alert"')).length,
      0,
    );
  } finally {
    rmSync(s.dir, { recursive: true, force: true });
  }
});

test('moat analyze --model names the store when there is no store or no active model', () => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-ml-'));
  try {
    const missing = join(dir, 'none.db');
    const empty = join(dir, 'empty.db');
    new ModelRegistry(openSqlite(empty)).db.close();
    const pcap = join(dir, 'one.pcap');
    writeFileSync(pcap, encodePcap([]));
    const a = moat(['analyze', pcap, '--eve', join(dir, 'e.json'), '--model-db', missing]);
    assert.equal(a.code, 2);
    assert.match(a.err, new RegExp(`--model-db: store ${missing.replace(/[.]/g, '\\.')}: no such file`));
    const none = moat(['analyze', pcap, '--eve', join(dir, 'e.json'), '--model']);
    assert.equal(none.code, 2);
    assert.match(none.err, /--model needs --db/);
    const b = moat(['analyze', pcap, '--eve', join(dir, 'e.json'), '--db', empty, '--model']);
    assert.equal(b.code, 2);
    assert.match(b.err, /no active identification model/);
    assert.ok(b.err.includes(empty));
    const c = moat([
      'analyze',
      pcap,
      '--eve',
      join(dir, 'e.json'),
      '--db',
      empty,
      '--model',
      '--model-version',
      '7',
    ]);
    assert.match(c.err, /no model version 7/);
    const g = moat([
      'analyze',
      pcap,
      '--eve',
      join(dir, 'e.json'),
      '--db',
      empty,
      '--model',
      '--model-gray',
      '2',
    ]);
    assert.equal(g.code, 2);
    assert.match(g.err, /--model-gray must be a score from 0 to 1, got '2'/);
    const help = moat(['analyze', '--help']);
    assert.match(help.out, /--model-gray <score>/);
    assert.match(help.out, /--model +the store's active identification model/);
    assert.match(help.out, /--db <file>/);
    assert.doesNotMatch(help.out, /--model-db/, 'the flag of before is hidden');
    assert.match(help.out, /--model-sample <n>/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
