/**
 * tlsmon gives the identification model the traffic of the address it asks about (issue 15 §5): the handshake's
 * own flow as it stands and the flows of that address the monitor saw end, as the compact flows `identify train`
 * builds from EVE. A model whose rule reads traffic (packets per flow) then lands on a different leaf than it does
 * for the bare address (its no-traffic leaf) — checked on a hand-made handshake and on a real capture.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '../../src/store/index.js';
import {
  FEATURE_INDEX,
  FEATURE_NAMES,
  IdentificationService,
  IdentifyModel,
  MODEL_FORMAT,
  ModelRegistry,
  SKIP_OOD_GATE,
} from '../../src/identify/index.js';
import { IdentifyReputation } from '../../src/tlsmon/identify-adapter.js';
import { createTlsmon } from '../../src/tlsmon/setup.js';
import { runAnalysis } from '../../src/pipeline/index.js';
import { features } from './fixtures.js';

const CORPUS = join(process.cwd(), '..', 'shared', 'corpus');
const QUASAR = join(
  CORPUS,
  'attacks/malcolm-pcap/pcaps/plugins/zeek-quasarrat-detector/09ffabf7-774a-43a3-8c97-68f2046fd385.pcap',
);

/** black when the address's flows carry packets (pkts_per_flow > 0); the bare address (-1) is clean. */
function trafficModel(): IdentifyModel {
  return new IdentifyModel({
    format: MODEL_FORMAT,
    features: [...FEATURE_NAMES],
    tree: {
      leaf: false,
      f: FEATURE_INDEX.pkts_per_flow,
      thr: 0,
      left: { leaf: true, id: 1, p: 0.01, n: 100, pos: 1 },
      right: { leaf: true, id: 2, p: 0.99, n: 100, pos: 99 },
    },
    thresholds: { black: 0.9, gray: 0.5 },
    trainedAt: new Date(0).toISOString(),
    info: {},
  });
}

test('the handshake flow and the address’s ended flows reach the model', () => {
  const service = new IdentificationService({ model: trafficModel(), version: 1 });
  const rep = new IdentifyReputation(service);
  const ip = '93.184.216.34';
  const bare = rep.judge(ip);
  assert.equal(bare.verdict, 'clean');
  assert.match(bare.reasons.join('; '), /no traffic supplied/);
  assert.equal(rep.lookup(ip), undefined, 'the bare address is not listed');

  const f = features({ dstIp: ip, srcIp: '192.168.1.20', dstPort: 443, srcPort: 50123 });
  f.flow = { id: 7, proto: 6, startUs: 1.7e15, lastUs: 1.7e15 + 80_000, pkts: [6, 5], bytes: [900, 4200] };
  const seen = rep.judge(ip, f);
  assert.equal(seen.verdict, 'black', seen.reasons.join('; '));
  assert.notDeepEqual(seen.rules_fired, bare.rules_fired, 'another leaf than the no-traffic one');
  assert.equal(rep.lookup(ip, f)?.count, 3);

  // Once that flow ended, the address has traffic even when asked about without a handshake.
  rep.observeFlow({
    id: 7,
    ipVersion: 4,
    src: new Uint32Array([0, 0, 0xffff, 0xc0a80114]),
    dst: new Uint32Array([0, 0, 0xffff, 0x5db8d822]),
    srcPort: 50123,
    dstPort: 443,
    proto: 6,
    startUs: 1.7e15,
    lastUs: 1.7e15 + 2e6,
    pkts: [12, 14],
    bytes: [1500, 30_000],
  } as never);
  const kept = rep.flowsOf(ip);
  assert.equal(kept.length, 1);
  assert.deepEqual(
    { ...kept[0] },
    {
      peer: '192.168.1.20',
      proto: 'tcp',
      port: 443,
      peer_port: 50123,
      pkts_out: 14,
      pkts_in: 12,
      bytes_out: 30_000,
      bytes_in: 1500,
      start: 1.7e9,
      duration: 2,
      ...(f.sni ? { sni: f.sni } : {}),
      ...(f.ja3 ? { ja3: f.ja3 } : {}),
      ...(f.ja4 ? { ja4: f.ja4 } : {}),
      ...(f.chain[0] ? { cert_sha1: f.chain[0].sha1.replace(/:/g, '') } : {}),
    },
    'counted from the server side, with the handshake’s TLS facts',
  );
  assert.equal(rep.judge(ip).verdict, 'black');
  assert.equal(rep.flowsOf('192.168.1.20').length, 0, 'private addresses keep no traffic');
});

test('on a real capture, tlsmon asks the model with each destination’s traffic', async (t) => {
  if (!existsSync(QUASAR)) return t.skip('needs ../shared/corpus (attacks/malcolm-pcap)');
  const dir = mkdtempSync(join(tmpdir(), 'moat-id-features-'));
  const store = openSqlite(join(dir, 'id.db'));
  const mon = await (async () => {
    const reg = new ModelRegistry(store);
    const v = reg.submit(
      trafficModel(),
      { precision: 1, coverage: 1 },
      { minPrecision: 0, minCoverage: 0 },
      SKIP_OOD_GATE,
    );
    reg.activate(v.version);
    return createTlsmon({
      policyPath: join(process.cwd(), 'config', 'policies.yaml'),
      identifyStore: store,
      deliverAlerts: false,
    });
  })();
  const notes = new Map<string, string[]>();
  try {
    await runAnalysis(
      { file: QUASAR },
      {
        eveTypes: ['tls'],
        inspectors: [mon.inspector],
        onEvent: (e) => {
          const s = (
            e.tls as {
              moat: { score: { reputation: { dimensions: { dimension: string; note?: string }[] } } };
            }
          ).moat.score;
          const d = s.reputation.dimensions.find((x) => x.dimension === 'addressReputation');
          const ip = String(e.dest_ip);
          notes.set(ip, [...(notes.get(ip) ?? []), d?.note ?? 'not listed']);
        },
      },
    );
  } finally {
    await mon.close();
  }
  const publicDest = [...notes.keys()].filter((ip) => !ip.startsWith('192.168.') && !ip.startsWith('10.'));
  assert.ok(publicDest.length >= 5, `only ${publicDest.length} public destinations`);
  for (const ip of publicDest)
    assert.ok(
      notes.get(ip)!.every((n) => /identify model v1: black/.test(n)),
      `${ip}: ${notes.get(ip)!.join(' | ')}`,
    );
  // The same model on the bare addresses: its no-traffic leaf, clean.
  const bare = new IdentifyReputation(new IdentificationService({ model: trafficModel(), version: 1 }));
  for (const ip of publicDest) assert.equal(bare.lookup(ip), undefined, ip);
  store.close();
  rmSync(dir, { recursive: true, force: true });
});
