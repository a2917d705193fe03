/**
 * The deployed CNN in sampled inspection: `moat analyze --db STORE --cnn` on a capture whose UDP flows carry corpus
 * sessions as payload. Flows of malware classes become event-cache entries with diagnosis method `cnn`, on their own
 * 5-tuple; benign ones mostly do not.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { encodePcap } from '../../src/synth/index.js';
import { udpFrame } from '../../src/synth/net/frame.js';
import { host } from '../../src/synth/net/address.js';
import { USTC_MALICIOUS } from '../../src/ml/index.js';
import { moat } from '../helpers/moat-cli.js';
import { SKIP, USTC_DIR, ustcSplit } from './corpus.js';

test('moat analyze --cnn: malicious flows become cache entries with diagnosis cnn', { skip: SKIP }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-ml-cnn-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const db = join(dir, 'm.db');
  const tr = moat(
    [
      'ml',
      'train',
      '--ustc',
      USTC_DIR,
      '--db',
      db,
      '--per-class',
      '30',
      '--epochs',
      '4',
      '--min-detection',
      '0.5',
      '--max-false-alarm',
      '0.5',
    ],
    { timeoutMs: 900_000 },
  );
  assert.equal(tr.status, 0, tr.stderr);

  // Sessions the model did not train on (another seed's sample), one UDP flow each, trailing zero padding cut.
  const { test: held } = ustcSplit(60, 5, 99);
  const client = host('10.0.0.5');
  const server = host('198.51.100.7');
  const frames = [];
  const malPorts = new Set<number>();
  for (let i = 0; i < held.n; i++) {
    let end = held.width;
    while (end > 0 && held.bytes[i * held.width + end - 1] === 0) end--;
    const payload = Buffer.from(held.bytes.subarray(i * held.width, i * held.width + Math.max(end, 1)));
    const sport = 20000 + i;
    if (USTC_MALICIOUS.includes(held.labels[i])) malPorts.add(sport);
    frames.push({
      tsUs: 1_700_000_000_000_000 + i * 1000,
      data: udpFrame(client, server, sport, 4000, payload, i),
    });
  }
  const pcap = join(dir, 'flows.pcap');
  writeFileSync(pcap, encodePcap(frames));

  const r = moat([
    'analyze',
    pcap,
    '--db',
    db,
    '--cnn',
    '--cnn-min-confidence',
    '0.5',
    '--eve',
    join(dir, 'eve.json'),
  ]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /payload CNN .* checks every flow/);
  const m = /cnn classified (\d+) flows \((\d+) with too little payload\)/.exec(r.stderr);
  assert.equal(Number(m?.[1]) + Number(m?.[2]), 100, r.stderr);

  const sql = new Database(db, { readonly: true });
  t.after(() => sql.close());
  const rows = sql
    .prepare(
      "SELECT src_port, dst_port, proto, diagnosis, event_id FROM security_event_cache WHERE diagnosis = 'cnn'",
    )
    .all() as {
    src_port: number;
    diagnosis: string;
    event_id: string;
    proto: number;
  }[];
  const hits = rows.filter((x) => malPorts.has(x.src_port)).length;
  // 50 malicious flows; a quick model (30 sessions a class, 4 epochs) finds a good part of them and flags fewer
  // benign ones (the full model's recall is in bench/ml-cv.ts).
  assert.ok(hits >= 18, `${hits} of 50 malicious flows flagged`);
  assert.ok(rows.length - hits < hits, `${rows.length - hits} benign flows flagged`);
  assert.ok(rows.every((x) => x.proto === 17 && x.event_id === 'cnn:9500101'));
});
