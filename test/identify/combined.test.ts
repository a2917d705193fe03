/**
 * Combined seed sources (issue 5 honest evaluation): USTC traffic + IPsum addresses + unlabelled traffic in
 * one run, splits by /24 or by AS that neighbours never cross, unlabelled samples only ever in the
 * self-training pool, and per-source scores of the combined model.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  combineSources,
  SOURCE_IPSUM,
  SOURCE_UNLABELLED,
  SOURCE_USTC,
} from '../../src/identify/datasets/combined.js';
import { loadUnlabelledTraffic, isPublicAddress } from '../../src/identify/datasets/unlabelled-traffic.js';
import { featurise, splitForEvaluation } from '../../src/identify/evaluate.js';
import { neighbourhoodGroup, splitGroup } from '../../src/identify/split-groups.js';
import { FEATURE_INDEX } from '../../src/identify/features.js';
import { AsnRanges } from '../../src/intel/asn-ranges.js';
import { GeoLookup } from '../../src/intel/geo.js';
import type { CompactFlow } from '../../src/identify/flow-record.js';
import { runMoat, sliceUstc } from './cli-child.js';

const flow = (peer: string, bytes: number): CompactFlow => ({
  peer,
  proto: 'tcp',
  port: 443,
  peer_port: 50000,
  pkts_out: 3,
  pkts_in: 4,
  bytes_out: bytes,
  bytes_in: 100,
});

test('sources merge by address: label positive if either says so; unlabelled twins lend flows or drop', () => {
  const c = combineSources({
    ustc: [
      { ip: '198.51.100.1', flows: [flow('10.0.0.1', 10)], y: 0, family: 'Gmail' },
      { ip: '198.51.100.2', flows: [flow('10.0.0.1', 10)], y: 1, family: 'Zeus' },
    ],
    ipsum: [
      { ip: '198.51.100.1', flows: [], y: 1, family: 'ipsum-4' },
      { ip: '203.0.113.5', flows: [], y: 0, family: 'ipsum-1' },
    ],
    unlabelled: [
      { ip: '203.0.113.5', flows: [flow('192.0.2.1', 5)], y: 0, family: 'unlabelled' },
      { ip: '198.51.100.2', flows: [flow('192.0.2.1', 5)], y: 0, family: 'unlabelled' },
      { ip: '192.0.2.200', flows: [flow('192.0.2.1', 5)], y: 1, family: 'unlabelled' },
    ],
  });
  assert.equal(c.merged, 1);
  assert.equal(c.unlabelledDropped, 2);
  const by = new Map(c.samples.map((s) => [s.ip, s]));
  assert.equal(by.get('198.51.100.1')!.y, 1);
  assert.equal(by.get('198.51.100.1')!.source, SOURCE_USTC);
  assert.equal(by.get('198.51.100.1')!.addressFeatures, false, 'USTC addresses are anonymised');
  assert.equal(by.get('198.51.100.2')!.flows[0].peer, '10.0.0.1', 'a USTC sample keeps its capture flows');
  assert.equal(by.get('203.0.113.5')!.flows.length, 1, 'the listed address gets the traffic seen for it');
  assert.equal(by.get('203.0.113.5')!.source, SOURCE_IPSUM);
  const u = by.get('192.0.2.200')!;
  assert.deepEqual([u.source, u.unlabelled, u.y], [SOURCE_UNLABELLED, true, 0]);
});

test('AS groups: one AS on one side whatever its /24s; unknown or anonymised addresses keep their /24', () => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-groups-'));
  try {
    writeFileSync(join(dir, 'v4.csv'), '198.51.0.0,198.51.255.255,64500,Big Hosting\n');
    const geo = new GeoLookup({ asnRanges: AsnRanges.load(join(dir, 'v4.csv')) });
    const a = splitGroup('198.51.1.1', 'asn', geo);
    assert.equal(splitGroup('198.51.200.7', 'asn', geo), a);
    assert.notEqual(splitGroup('198.51.200.7', '24', geo), splitGroup('198.51.1.1', '24', geo));
    assert.equal(splitGroup('203.0.113.9', 'asn', geo), neighbourhoodGroup('203.0.113.9'));
    assert.equal(splitGroup('198.51.1.1', 'asn', geo, false), neighbourhoodGroup('198.51.1.1'));
    assert.notEqual(neighbourhoodGroup('2001:db8:1::1'), neighbourhoodGroup('2001:db8:2::1'));
    assert.equal(neighbourhoodGroup('2001:db8:1::1'), neighbourhoodGroup('2001:db8:1:ffff::9'));
    // 400 samples over 40 /24s of one AS and 40 /24s outside it: the AS never straddles.
    const samples = Array.from({ length: 400 }, (_, i) => ({
      ip: i % 2 ? `198.51.${i % 80}.${i % 250}` : `203.0.${i % 80}.${i % 250}`,
      flows: [flow('192.0.2.1', i)],
      y: i % 3 === 0 ? 1 : 0,
      family: 'x',
    }));
    const set = featurise(samples, { geo }, { groupBy: 'asn' });
    const s = splitForEvaluation(set, { testShare: 0.3, validationShare: 0.25, labelledShare: 0.3 });
    const sides = [s.test, s.validation, s.labelled, s.unlabelled].map((x) => new Set(x.group));
    assert.equal(sides.filter((g) => g.has(a)).length, 1, 'the AS is on exactly one side');
    for (let p = 0; p < 4; p++)
      for (let q = p + 1; q < 4; q++)
        for (const g of sides[p]) assert.equal(sides[q].has(g), false, `group ${g} on two sides`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('unlabelled-only samples join only the self-training pool, never next to a test or validation seed', () => {
  const samples = Array.from({ length: 3000 }, (_, i) => ({
    ip: `10.${(i >> 8) & 255}.${i % 200}.${i % 7}`,
    flows: [flow('192.0.2.1', i)],
    y: i % 2,
    family: 'x',
  }));
  const set = featurise(samples, {});
  const only = Uint8Array.from(samples, (_, i) => (i % 3 === 0 ? 1 : 0));
  const s = splitForEvaluation(set, {
    testShare: 0.3,
    validationShare: 0.25,
    labelledShare: 0.3,
    unlabelledOnly: only,
  });
  const onlyIdx = new Set([...only.keys()].filter((i) => only[i]));
  assert.ok(s.testIndex.every((i) => !onlyIdx.has(i)));
  assert.ok(s.unlabelledDropped > 0);
  // Flows' bytes_out = i identifies each sample: no unlabelled-only sample among labelled/validation/test.
  const bpf = FEATURE_INDEX.bytes_per_flow;
  for (const part of [s.labelled, s.validation, s.test])
    for (let k = 0; k < part.n; k++) {
      const i = part.x[k * part.width + bpf] - 100;
      assert.equal(onlyIdx.has(i), false, `unlabelled sample ${i} got a label`);
    }
  const testGroups = new Set(s.test.group);
  const valGroups = new Set(s.validation.group);
  for (let k = 0; k < s.unlabelled.n; k++) {
    assert.equal(testGroups.has(s.unlabelled.group[k]), false);
    assert.equal(valGroups.has(s.unlabelled.group[k]), false);
  }
  assert.equal(
    s.labelled.n + s.unlabelled.n + s.validation.n + s.test.n + s.unlabelledDropped,
    samples.length,
  );
});

test('unlabelled EVE traffic: public endpoints become samples from their side; TLS joined by flow_id', () => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-unl-'));
  try {
    const ev = (o: Record<string, unknown>): string => JSON.stringify(o);
    const flowEv = (id: number, src: string, dst: string, toServer: number) =>
      ev({
        event_type: 'flow',
        flow_id: id,
        src_ip: src,
        dest_ip: dst,
        src_port: 51000,
        dest_port: 443,
        proto: 'TCP',
        flow: { pkts_toserver: 5, pkts_toclient: 4, bytes_toserver: toServer, bytes_toclient: 900 },
      });
    writeFileSync(
      join(dir, 'a.eve'),
      [
        flowEv(1, '192.168.1.10', '198.51.100.20', 300),
        ev({ event_type: 'tls', flow_id: 1, tls: { sni: 'x.example', ja3: { hash: 'a'.repeat(32) } } }),
        flowEv(2, '198.51.100.30', '203.0.113.40', 500),
        flowEv(3, '10.0.0.1', '10.0.0.2', 1),
        '{not json',
        ev({ event_type: 'flow', src_ip: 'bad', dest_ip: '1.2.3.4', proto: 'TCP' }),
      ].join('\n'),
    );
    const r = loadUnlabelledTraffic([join(dir, 'a.eve')]);
    assert.equal(r.events, 3);
    assert.equal(r.badLines, 2);
    assert.deepEqual(
      r.samples.map((s) => s.ip),
      ['198.51.100.20', '198.51.100.30', '203.0.113.40'],
    );
    const server = r.samples[0].flows[0];
    assert.deepEqual(
      [server.peer, server.bytes_out, server.bytes_in, server.port],
      ['192.168.1.10', 900, 300, 443],
    );
    assert.equal(server.sni, 'x.example');
    assert.equal(server.ja3, 'a'.repeat(32));
    assert.equal(r.samples[1].flows[0].bytes_out, 500, 'the client side sees its own bytes as out');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  for (const [ip, pub] of [
    ['8.8.8.8', true],
    ['10.1.1.1', false],
    ['172.20.0.1', false],
    ['100.64.0.1', false],
    ['224.0.0.251', false],
    ['2a00:1450::1', true],
    ['fe80::1', false],
    ['2001:db8::1', false],
  ] as const)
    assert.equal(isPublicAddress(ip), pub, ip);
});

const USTC = join(process.cwd(), '..', 'shared', 'corpus', 'ml', 'ustc-tfc2016-conversations');
const IPSUM = join(process.cwd(), '..', 'shared', 'corpus', 'intel', 'feeds', 'ipsum', 'ipsum.txt');
const skip = existsSync(USTC) && existsSync(IPSUM) ? false : 'USTC/IPsum corpus absent';

test('moat identify eval: each source, then all combined with per-source scores', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-identify-combined-'));
  try {
    const sub = join(dir, 'ustc');
    sliceUstc(USTC, sub, 300);
    const ipsum = join(dir, 'ipsum.txt');
    const lines = readFileSync(IPSUM, 'utf8').split('\n');
    writeFileSync(
      ipsum,
      lines
        .filter((l) => l.startsWith('#') || l.trim())
        .filter((_, i) => i % 10 === 0)
        .join('\n'),
    );
    const eve = join(dir, 'unl.eve');
    writeFileSync(
      eve,
      Array.from({ length: 300 }, (_, i) =>
        JSON.stringify({
          event_type: 'flow',
          flow_id: i,
          src_ip: `192.168.0.${i % 200}`,
          dest_ip: `${20 + (i % 50)}.${i % 7}.${i % 13}.9`,
          src_port: 40000 + i,
          dest_port: [443, 80, 8080][i % 3],
          proto: 'TCP',
          flow: {
            pkts_toserver: 3 + (i % 9),
            pkts_toclient: 2 + (i % 5),
            bytes_toserver: 200 + i,
            bytes_toclient: 90 * i,
          },
        }),
      ).join('\n'),
    );
    const r = runMoat([
      'identify',
      'eval',
      '--ustc',
      sub,
      '--ipsum',
      ipsum,
      '--unlabelled',
      eve,
      '--max-iterations',
      '2',
      '--json',
    ]);
    assert.equal(r.code, 0, r.err);
    const reports = JSON.parse(r.out) as {
      dataset: string;
      sizes: { unlabelled: number };
      slices: { name: string; withoutSelfTraining: { prAuc: number; positives: number } }[];
      withSelfTraining: { precisionAtCoverage80: number; coverageAtPrecision95: number; prAuc: number };
    }[];
    const names = reports.map((x) => x.dataset);
    assert.ok(names.some((n) => n.startsWith('ustc-tfc2016 per remote address')));
    assert.ok(names.some((n) => n.startsWith('ipsum PU')));
    const combined = reports.find((x) =>
      x.dataset.startsWith('combined: ustc-tfc2016 (infrastructure positives) + ipsum PU + unlabelled'),
    );
    assert.ok(combined, names.join(' | '));
    assert.deepEqual(
      combined.slices.map((s) => s.name),
      ['ustc-tfc2016 part', 'ipsum part'],
    );
    assert.ok(combined.slices.every((s) => s.withoutSelfTraining.positives > 0));
    // The combined model still separates the USTC traffic classes.
    assert.ok(combined.slices[0].withoutSelfTraining.prAuc > 0.8, JSON.stringify(combined.slices[0]));
    for (const k of ['precisionAtCoverage80', 'coverageAtPrecision95', 'prAuc'] as const)
      assert.equal(typeof combined.withSelfTraining[k], 'number');
    const bad = runMoat(['identify', 'eval', '--ipsum', ipsum, '--group', 'asn']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--group asn needs AS data/);
    const missing = runMoat(['identify', 'eval', '--ipsum', ipsum, '--unlabelled', join(dir, 'nope.eve')]);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /--unlabelled: no such file: .*nope\.eve/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
