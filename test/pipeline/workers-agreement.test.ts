/**
 * Multi-worker analysis must give the answer one thread gives. The reading thread places most packets by a
 * hash read off the raw bytes (dispatch/shard-hash.ts); that hash must equal the full decoder's flow hash,
 * or a flow would be split between workers. Checked on every packet of real captures (tunnels, fragments,
 * VLANs, IPv6, link types), then whole analyses with 1, 2 and 3 workers compared event by event.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { openCaptureFile } from '../../src/capture/index.js';
import {
  DecodedPacket,
  DECODE_ERROR,
  DECODE_FRAGMENT_HELD,
  DECODE_NOT_IP,
} from '../../src/decode/decoded-packet.js';
import { PacketDecoder } from '../../src/decode/packet-decoder.js';
import { symmetricFlowHash } from '../../src/flow/index.js';
import { BROADCAST, ShardHasher } from '../../src/pipeline/dispatch/shard-hash.js';
import { runAnalysis } from '../../src/pipeline/index.js';
import type { AnalysisStats } from '../../src/pipeline/stats.js';
import { corpusCaptures } from '../helpers/corpus-captures.js';

const CORPUS = join(process.cwd(), '..', 'shared', 'corpus');
const DIRS = ['tls/ja4/pcap', 'tls/zeek/traces/tunnels', 'tls/zeek/traces/tls', 'attacks'].map((d) =>
  join(CORPUS, d),
);
const skip = existsSync(CORPUS) ? false : 'needs ../shared/corpus';

test('the raw-byte shard hash equals the decoded flow hash on every plain packet', { skip }, async () => {
  const hasher = new ShardHasher();
  let plain = 0;
  let broadcast = 0;
  let files = 0;
  for (const dir of DIRS) {
    for (const file of corpusCaptures(dir, 60)) {
      let src;
      try {
        src = openCaptureFile(file);
      } catch {
        continue;
      }
      files++;
      const decoder = new PacketDecoder();
      const pkt = new DecodedPacket();
      await src.run({
        onPacket(buf, off, caplen, wirelen, tsUs, linkType) {
          const h = hasher.hash(buf, off, caplen, linkType);
          const r = decoder.decode(buf, off, caplen, wirelen, tsUs, linkType, pkt);
          if (h === BROADCAST) {
            broadcast++;
            return;
          }
          plain++;
          assert.ok(
            r !== DECODE_NOT_IP && r !== DECODE_FRAGMENT_HELD && r !== DECODE_ERROR,
            `${file} at ${tsUs}: plain by the dispatcher but the decoder says ${r}`,
          );
          assert.equal(h, symmetricFlowHash(pkt), `${file} packet at ${tsUs}: hash differs`);
        },
      });
    }
  }
  assert.ok(files > 50, `read ${files} captures`);
  // Most real traffic is the plain shape; the rest is decoded by every worker.
  assert.ok(plain > 3 * broadcast, `plain ${plain}, broadcast ${broadcast}`);
});

async function lines(file: string, workers: number): Promise<{ lines: string[]; stats: AnalysisStats }> {
  const out: string[] = [];
  const stats = await runAnalysis(
    { file },
    {
      workers,
      onLine: (l) => {
        // Flow ids carry the worker's shard; everything else must be identical.
        out.push(l.replace(/"flow_id":\d+,/, ''));
      },
    },
  );
  out.sort();
  return { lines: out, stats };
}

test('1, 2 and 3 workers write the same events and counts on real captures', { skip }, async () => {
  const files = [
    ...corpusCaptures(join(CORPUS, 'tls/ja4/pcap'), 16),
    ...corpusCaptures(join(CORPUS, 'tls/zeek/traces/tunnels'), 8),
  ];
  let compared = 0;
  for (const file of files) {
    let one;
    try {
      one = await lines(file, 1);
    } catch {
      continue; // not a capture moat reads; the robustness test covers refusals
    }
    // Worker start-up dominates on small captures: three workers on a few, two on all.
    for (const n of compared < 4 ? [2, 3] : [2]) {
      const many = await lines(file, n);
      assert.deepEqual(many.lines, one.lines, `${file}: ${n} workers`);
      for (const k of [
        'packets',
        'bytes',
        'nonIp',
        'decodeErrors',
        'truncated',
        'flows',
        'tlsHandshakes',
        'httpTransactions',
        'dnsMessages',
        'anomalies',
        'events',
        'firstUs',
        'lastUs',
      ] as const) {
        assert.equal(many.stats[k], one.stats[k], `${file}: ${n} workers, ${k}`);
      }
    }
    compared++;
  }
  assert.ok(compared >= 20, `compared ${compared} captures`);
});

test(
  'an output that cannot be written stops a multi-thread analysis with an error naming it, not a hang',
  { skip },
  async () => {
    const file = corpusCaptures(join(CORPUS, 'tls/ja4/pcap'), 1)[0];
    await assert.rejects(
      runAnalysis({ file }, { workers: 2, eveFile: join(CORPUS, 'no-such-dir', 'eve.json') }),
      /no-such-dir/,
    );
  },
);
