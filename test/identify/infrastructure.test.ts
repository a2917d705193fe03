/**
 * Infrastructure positives and window-invariant features (issue 15): USTC's malware *targets* (mail and web servers
 * reached on system ports, peers that connected to the infected host) leave the labelled data; the port features
 * tell a portless flow from a high port; the trees of captures never split on totals that grow with the window.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  FEATURE_INDEX as F,
  FEATURE_NAMES,
  WINDOW_TOTALS,
  computeFeatures,
  windowInvariantFeatures,
} from '../../src/identify/features.js';
import { infrastructurePositives, isInfrastructure } from '../../src/identify/datasets/infrastructure.js';
import { loadUstcConversations, type AddressSample } from '../../src/identify/datasets/ustc-conversations.js';
import { combinedDataset } from '../../src/cli/commands/identify/data.js';
import type { CompactFlow } from '../../src/identify/flow-record.js';

const USTC = join(process.cwd(), '..', 'shared', 'corpus', 'ml', 'ustc-tfc2016-conversations');

const flow = (port: number | undefined, peerPort: number | undefined, proto = 'tcp'): CompactFlow => ({
  peer: '10.0.0.5',
  ...(port === undefined ? {} : { port }),
  ...(peerPort === undefined ? {} : { peer_port: peerPort }),
  proto: proto as CompactFlow['proto'],
  pkts_out: 4,
  pkts_in: 5,
  bytes_out: 400,
  bytes_in: 500,
});
const sample = (ip: string, y: number, flows: CompactFlow[]): AddressSample => ({
  ip,
  y,
  flows,
  family: 'f',
});

test('infrastructure: a listening service on a port ≥ 1024 is; targets on system ports and peers that called in are not', () => {
  assert.equal(isInfrastructure(sample('198.51.100.1', 1, [flow(1337, 49744), flow(1337, 49750)])), true);
  assert.equal(isInfrastructure(sample('198.51.100.2', 1, [flow(25, 1034)])), false, 'spam recipient');
  assert.equal(isInfrastructure(sample('198.51.100.3', 1, [flow(443, 49800), flow(80, 49801)])), false);
  // The remote on an ephemeral port, the infected host listening: the remote called in.
  assert.equal(isInfrastructure(sample('198.51.100.4', 1, [flow(50123, 8080)])), false);
  // Most flows decide: one odd flow does not turn a web server into a C2.
  assert.equal(
    isInfrastructure(sample('198.51.100.5', 1, [flow(80, 50001), flow(80, 50002), flow(8080, 50003)])),
    false,
  );
  assert.equal(isInfrastructure(sample('198.51.100.6', 1, [flow(undefined, undefined, 'icmp')])), false);
  const sel = infrastructurePositives([
    sample('198.51.100.1', 1, [flow(1337, 49744)]),
    sample('198.51.100.2', 1, [flow(25, 1034)]),
    sample('198.51.100.7', 0, [flow(25, 1034)]),
  ]);
  assert.deepEqual(
    sel.samples.map((s) => s.ip),
    ['198.51.100.1', '198.51.100.7'],
    'benign samples stay whatever their port',
  );
  assert.equal(sel.targets, 1);
});

test('port features: portless flows are no high ports; the listening side is counted', () => {
  const x = computeFeatures(
    '198.51.100.9',
    [flow(undefined, undefined, 'icmp'), flow(undefined, undefined, 'icmp')],
    undefined,
    undefined,
    {},
  );
  assert.equal(x[F.nonsystem_port_ratio], 0, 'ICMP is not a high port');
  assert.equal(x[F.service_side_ratio], -1, 'no ports, no side');
  const y = computeFeatures(
    '198.51.100.9',
    [flow(1337, 49744), flow(1337, 49745), flow(50000, 443), flow(53, 5353)],
    undefined,
    undefined,
    {},
  );
  assert.equal(y[F.nonsystem_port_ratio], 0.75);
  assert.equal(y[F.service_side_ratio], 0.75);
  assert.equal(y[F.low_port_ratio], 0.25);
});

test('window totals: never among the features a capture-trained tree may split on', () => {
  const kept = windowInvariantFeatures();
  assert.equal(kept.length, FEATURE_NAMES.length - WINDOW_TOTALS.length);
  for (const f of WINDOW_TOTALS) assert.equal(kept.includes(F[f]), false, f);
  const d = combinedDataset({
    ustc: [sample('1.2.3.4', 1, [flow(1337, 49744)]), sample('1.2.3.5', 0, [flow(443, 49744)])],
    benign: [{ ...sample('198.51.100.1', 0, [flow(443, 50000)]), capture: 7 }],
    ctx: {},
    groupBy: '24',
  });
  assert.ok(d.features && d.features.length > 0);
  for (const f of WINDOW_TOTALS) assert.equal(d.features.includes(F[f]), false, f);
  assert.ok(d.features.includes(F.nonsystem_port_ratio) && d.features.includes(F.pkts_per_flow));
});

test(
  'USTC: most malware remotes are targets; no remote kept as infrastructure is mostly on a system port',
  { skip: existsSync(USTC) ? false : 'corpus ../shared/corpus/ml/ustc-tfc2016-conversations absent' },
  () => {
    const all = loadUstcConversations(USTC);
    const sel = infrastructurePositives(all);
    const malware = all.filter((s) => s.y === 1).length;
    const kept = sel.samples.filter((s) => s.y === 1);
    assert.equal(kept.length + sel.targets, malware);
    assert.ok(sel.targets > malware / 2, `${sel.targets} of ${malware} are targets`);
    assert.ok(kept.length > 500, `${kept.length} infrastructure remotes`);
    for (const s of kept) {
      const system = s.flows.filter((f) => f.port !== undefined && f.port < 1024).length;
      assert.ok(system * 2 <= s.flows.length, s.ip);
    }
    assert.equal(
      sel.samples.filter((s) => s.y === 0).length,
      all.filter((s) => s.y === 0).length,
      'every benign remote stays',
    );
  },
);
