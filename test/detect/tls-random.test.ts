/** tls.random, tls.random_time, tls.random_bytes: the hellos' randoms as tshark dissects them, each to its side. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { AppRecord } from '../../src/proto/index.js';
import type { Inspector } from '../../src/pipeline/index.js';
import { analyzeToEvents } from '../../src/pipeline/index.js';
import { RecordBuffers } from '../../src/detect/app-buffers.js';
import { hasTshark } from '../helpers/tshark.js';

const PCAPS = [
  '../shared/corpus/suricata-verify/tests/tls/tls-random/input.pcap',
  '../shared/corpus/suricata-verify/tests/http-all-headers/input.pcap',
  '../shared/corpus/suricata-verify/tests/tls/tls-glupteba/input.pcap',
];

test('the randoms of client and server hello equal tshark tls.handshake.random', async (t) => {
  if (!hasTshark()) return t.skip('tshark not installed');
  let checked = 0;
  for (const pcap of PCAPS.filter((p) => existsSync(p))) {
    const recs: Array<Extract<AppRecord, { type: 'tls' }>> = [];
    const grab: Inspector = {
      name: 'grab',
      onAppRecord: (_f, r) => {
        if (r.type === 'tls') recs.push(r);
        return undefined;
      },
    };
    await analyzeToEvents(pcap, { inspectors: [grab] });
    // tshark: one line per frame with a hello; the handshake types say which.
    const lines = spawnSync(
      'tshark',
      [
        '-r',
        pcap,
        '-Y',
        'tls.handshake.random',
        '-T',
        'fields',
        '-e',
        'tls.handshake.type',
        '-e',
        'tls.handshake.random',
      ],
      { encoding: 'utf8' },
    )
      .stdout.trimEnd()
      .split('\n')
      .filter((l) => l !== '');
    const clients = lines
      .filter((l) => l.split('\t')[0].split(',').includes('1'))
      .map((l) => l.split('\t')[1]);
    const servers = lines
      .filter((l) => l.split('\t')[0].split(',').includes('2'))
      .map((l) => l.split('\t')[1]);
    const hex = (v: unknown): string | undefined => (Buffer.isBuffer(v) ? v.toString('hex') : undefined);
    const ours = recs.map((r) => new RecordBuffers(r));
    assert.deepEqual(ours.map((b) => hex(b.get('tls.random'))).filter(Boolean), clients, pcap);
    assert.deepEqual(ours.map((b) => hex(b.get('tls.random#tc'))).filter(Boolean), servers, pcap);
    for (const b of ours) {
      const r = hex(b.get('tls.random'));
      if (r === undefined) continue;
      assert.equal(hex(b.get('tls.random_time')), r.slice(0, 8));
      assert.equal(hex(b.get('tls.random_bytes')), r.slice(8));
      checked++;
    }
  }
  if (checked === 0) t.skip('captures absent');
});
