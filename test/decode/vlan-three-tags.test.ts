/**
 * Three stacked VLAN tags are a normal packet (Suricata keeps three): on suricata-verify's detect-vlan-id capture the
 * flow carries the three ids tshark dissects, in order, and no too-many-layers anomaly is raised.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeToEvents } from '../../src/pipeline/collect.js';
import { hasTshark } from '../helpers/tshark.js';

const PCAP = join(
  process.cwd(),
  '..',
  'shared',
  'corpus',
  'suricata-verify',
  'tests',
  'detect-vlan-id',
  'input.pcap',
);
const skip = !existsSync(PCAP) ? 'needs ../shared/corpus' : !hasTshark() ? 'tshark not installed' : false;

test('three VLAN tags: the flow has the ids tshark reads, no anomaly', { skip }, async () => {
  const r = spawnSync('tshark', ['-r', PCAP, '-T', 'fields', '-e', 'vlan.id'], { encoding: 'utf8' });
  const tagged = r.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .map((l) => l.split(',').map(Number));
  assert.deepEqual(tagged, [[200, 300, 400]]);
  const { events } = await analyzeToEvents(PCAP);
  const flows = events.filter((e) => e.event_type === 'flow');
  assert.deepEqual(
    flows.map((f) => f.vlan ?? []),
    [tagged[0], []],
  );
  assert.equal(events.filter((e) => e.event_type === 'anomaly').length, 0);
});
