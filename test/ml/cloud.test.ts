/**
 * Cloud training: a real worker process gets the sealed data set and the key on a pipe, returns the model
 * sealed, and afterwards the data files are gone, its log (signed with its Ed25519 key) says the key and plaintext
 * were zeroed, the model opens only with the appliance key and verifies as a model.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeSet, issueApplianceKey, seal, unseal, verifyLog, verifyModel } from '../../src/ml/index.js';
import { MOAT } from '../helpers/moat-cli.js';
import { SKIP, ustcSplit } from './corpus.js';

test(
  'the worker trains on the sealed set, returns the model sealed, destroys data and key, signs the log',
  { skip: SKIP },
  (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'moat-ml-cloud-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const job = join(dir, 'job');
    const worker = generateKeyPairSync('ed25519');
    writeFileSync(join(dir, 'worker.pem'), worker.privateKey.export({ format: 'pem', type: 'pkcs8' }));
    const key = issueApplianceKey();
    const { train } = ustcSplit(8, 0);
    const sealed = seal(encodeSet(train), key, 'dataset');
    // The sealed file holds none of the plaintext: a long HTTP request line of the set is not in it.
    assert.equal(sealed.indexOf(Buffer.from('HTTP/1.1')), -1);
    assert.ok(Buffer.from(train.bytes).indexOf(Buffer.from('HTTP/1.1')) >= 0);
    spawnSync('mkdir', [job]);
    writeFileSync(join(job, 'data.sealed'), sealed);

    const r = spawnSync(
      process.execPath,
      [
        MOAT,
        'ml',
        'worker',
        '--job',
        job,
        '--signing-key',
        join(dir, 'worker.pem'),
        '--epochs',
        '1',
        '--version',
        '3.1',
      ],
      {
        input: key.toString('hex'),
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(readdirSync(job).sort(), ['model.sealed', 'worker.log']);
    assert.equal(existsSync(join(job, 'work')), false);

    const pub = worker.publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const line = readFileSync(join(job, 'worker.log'), 'utf8').trim();
    const log = verifyLog(line, pub);
    assert.equal(log.keyZeroed, true);
    assert.equal(log.plaintextZeroed, true);
    assert.deepEqual(log.deleted.map((p) => p.slice(job.length + 1)).sort(), [
      'data.sealed',
      'work/data.plain',
    ]);
    // The log cannot be edited after signing.
    assert.throws(
      () => verifyLog(line.replace('"keyZeroed":true', '"keyZeroed":false'), pub),
      /does not verify/,
    );

    const model = readFileSync(join(job, 'model.sealed'));
    assert.throws(() => unseal(model, issueApplianceKey(), 'model', 'model.sealed'), /authentication failed/);
    const v = verifyModel(unseal(model, key, 'model', 'model.sealed').toString('utf8'));
    assert.equal(v.file.sha256, log.modelSha256);
    assert.equal(v.file.manifest.version, '3.1');
    model[model.length - 3] ^= 1;
    assert.throws(() => unseal(model, key, 'model', 'model.sealed'), /altered/);
  },
);
