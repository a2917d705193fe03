/**
 * `moat ml` as a user runs it: train on the corpus layout (a small per-class sample, few epochs), eval prints the
 * per-class table and the `macro-F1` line, export signs, import verifies the signature and refuses a changed byte.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { moat } from '../helpers/moat-cli.js';
import { SKIP, USTC_DIR } from '../ml/corpus.js';

test('moat ml train, eval, export --sign, import --key', { skip: SKIP }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-ml-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const db = join(dir, 'a.db');
  const k = generateKeyPairSync('ed25519');
  writeFileSync(join(dir, 'key.pem'), k.privateKey.export({ format: 'pem', type: 'pkcs8' }));
  writeFileSync(join(dir, 'pub.pem'), k.publicKey.export({ format: 'pem', type: 'spki' }));

  const tr = moat(
    [
      'ml',
      'train',
      '--ustc',
      USTC_DIR,
      '--db',
      db,
      '--per-class',
      '40',
      '--epochs',
      '4',
      '--min-detection',
      '0.5',
      '--max-false-alarm',
      '0.5',
      '--version',
      '1.0',
    ],
    { timeoutMs: 900_000 },
  );
  assert.equal(tr.status, 0, tr.stderr + tr.stdout);
  assert.match(tr.stdout, /model 1\.0 \([0-9a-f]{16}\): deployed, active/);
  assert.match(tr.stderr, /epoch 4\/4: loss/);

  const ev = moat(['ml', 'eval', '--ustc', USTC_DIR, '--db', db]);
  assert.equal(ev.status, 0, ev.stderr);
  assert.match(ev.stdout, /^Zeus\s+\d+\s+0\.\d{4}\s+[01]\.\d{4}/m);
  const f1 = Number(/^macro-F1 (0\.\d{4})$/m.exec(ev.stdout)?.[1]);
  // 40 sessions a class, 4 epochs: far above the 0.05 of guessing, far below the full model.
  assert.ok(f1 > 0.4, ev.stdout);

  const model = join(dir, 'model.json');
  assert.equal(moat(['ml', 'export', '--db', db, '--out', model, '--sign', join(dir, 'key.pem')]).status, 0);
  // A second appliance: its reference set comes from its own training run; here it starts empty but for the import.
  const db2 = join(dir, 'b.db');
  const noKey = moat(['ml', 'import', model, '--db', db2]);
  assert.equal(noKey.status, 2);
  assert.match(noKey.stderr, /--key/);
  const text = readFileSync(model, 'utf8');
  const doc = JSON.parse(text) as { params: string };
  const p = Buffer.from(doc.params, 'base64');
  p[77] ^= 0x40;
  writeFileSync(join(dir, 'bad.json'), JSON.stringify({ ...doc, params: p.toString('base64') }));
  const bad = moat(['ml', 'import', join(dir, 'bad.json'), '--db', db2, '--key', join(dir, 'pub.pem')]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /bad\.json: hash checker refused the model: parameters SHA-256/);
  // Without saved malicious traffic the deployment test cannot pass: reported, not deployed.
  const empty = moat(['ml', 'import', model, '--db', db2, '--key', join(dir, 'pub.pem')]);
  assert.equal(empty.status, 1);
  assert.match(empty.stdout, /REFUSED by the deployment test — no saved malicious traffic/);
  const list = moat(['ml', 'list', '--db', db2]);
  assert.match(list.stdout, /1\.0\s+[0-9a-f]{16}\s+params [0-9a-f]{16}\s+refused/);
});
