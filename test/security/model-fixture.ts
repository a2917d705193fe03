/**
 * Fixture for the model hook tests: a capture with a beaconing C2 and a busy clean server, and an identification
 * store whose active model was trained on the identify tests' synthetic traffic.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_TRAIN, ModelRegistry, trainModel, SKIP_OOD_GATE } from '../../src/identify/index.js';
import { openSqlite } from '../../src/store/index.js';
import { encodePcap } from '../../src/synth/frame-writer.js';
import { host, remoteHost } from '../../src/synth/net/address.js';
import { SynthCapture } from '../../src/synth/net/capture.js';
import { TcpConversation } from '../../src/synth/net/tcp-conversation.js';
import { Prng } from '../../src/synth/prng.js';
import { syntheticRequests, toLabelledSet } from '../identify/synthetic.js';

export const C2 = '93.184.216.77';
export const CLEAN = '93.184.220.5';
const T0 = 1_700_000_000_000_000;

/** 14 beacons a minute apart (±2 %) from three LAN hosts to C2:8080, a few hundred bytes each way. */
function beacons(cap: SynthCapture, rng: Prng): void {
  const c2 = remoteHost(C2, 64, 12);
  let t = T0;
  for (let k = 0; k < 14; k++) {
    t += 60e6 * (0.98 + rng.int(0, 40) / 1000);
    const conv = new TcpConversation(cap, rng, host(`192.168.1.${1 + (k % 3)}`), 49152 + k, c2, 8080, t);
    conv.connect();
    conv.send('c2s', Buffer.alloc(200 + rng.int(0, 200), 0x41));
    conv.send('s2c', Buffer.alloc(250 + rng.int(0, 200), 0x42));
    conv.close('c2s');
  }
}

/** 14 downloads of 40–90 kB from CLEAN:443 by as many LAN hosts at irregular times. */
function downloads(cap: SynthCapture, rng: Prng): void {
  const srv = remoteHost(CLEAN, 64, 9);
  let t = T0;
  for (let k = 0; k < 14; k++) {
    t += rng.int(5, 200) * 1e6;
    const client = host(`192.168.${rng.int(2, 50)}.${rng.int(2, 250)}`);
    const conv = new TcpConversation(cap, rng, client, 30000 + rng.int(0, 30000), srv, 443, t);
    conv.connect();
    conv.send('c2s', Buffer.alloc(300 + rng.int(0, 300), 0x16));
    conv.send('s2c', Buffer.alloc(40_000 + rng.int(0, 50_000), 0x17));
    conv.close('s2c');
  }
}

export function setup(): { dir: string; pcap: string; store: string; version: number } {
  const dir = mkdtempSync(join(tmpdir(), 'moat-ml-'));
  const cap = new SynthCapture();
  const rng = new Prng(7);
  beacons(cap, rng.fork('c2'));
  downloads(cap, rng.fork('clean'));
  const pcap = join(dir, 'c2.pcap');
  writeFileSync(pcap, encodePcap(cap.frames()));
  const store = join(dir, 'identify.db');
  const db = openSqlite(store);
  const reg = new ModelRegistry(db);
  const model = trainModel(toLabelledSet(syntheticRequests(400, 21)), DEFAULT_TRAIN);
  const r = reg.submit(
    model,
    { precision: 0.99, coverage: 0.9 },
    { minPrecision: 0.9, minCoverage: 0.8 },
    SKIP_OOD_GATE,
  );
  assert.ok(r.published, r.reasons.join('; '));
  reg.activate(r.version);
  db.close();
  return { dir, pcap, store, version: r.version };
}
