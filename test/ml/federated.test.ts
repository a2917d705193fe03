/**
 * Federated learning's trust pieces (A-85…A-88): the ledger commits a block only with a majority of the online
 * appliances' signatures, refuses a replayed, forged or altered block, proves inclusion as a transparency log does;
 * update scoring gives a label-flipping or weight-scaling client (next to) no weight in FedAvg.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import {
  DEFAULT_ARCH,
  GENESIS,
  Ledger,
  USTC_CLASS_NAMES,
  USTC_MALICIOUS,
  blockHash,
  buildModel,
  modelParams,
  buildModelFile,
  fedAvg,
  keyRing,
  scoreUpdates,
  signBlock,
  tfReady,
  trainModel,
  verifyInclusion,
  type Block,
  type BlockBody,
} from '../../src/ml/index.js';
import { SKIP, ustcSplit } from './corpus.js';

function appliance(): { priv: string; pub: string } {
  const k = generateKeyPairSync('ed25519');
  return {
    priv: k.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    pub: k.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
  };
}

test('ledger: majority signatures, replay, forgery and one changed byte refused, inclusion proofs', () => {
  const apps = Array.from({ length: 5 }, appliance);
  const ring = keyRing(apps.map((a) => a.pub));
  const ids = [...ring.keys()];
  const ledger = new Ledger(ring);
  const make = (round: number, signers: number[], prev = ledger.head): Block => {
    const body: BlockBody = {
      index: prev ? prev.index + 1 : 0,
      prevHash: prev ? prev.hash : GENESIS,
      round,
      modelId: `${round}`.padStart(64, 'a'),
      paramsSha256: `${round}`.padStart(64, 'b'),
      weight: 0.25,
      submitter: ids[round % 5],
      online: ids,
      at: new Date(Date.UTC(2026, 11, 6, round)).toISOString(),
    };
    const hash = blockHash(body);
    return { ...body, hash, signatures: signers.map((i) => signBlock(hash, apps[i].priv)) };
  };
  for (let r = 0; r < 7; r++) ledger.append(make(r, [0, 1, 2]));
  // Two of five is no majority.
  assert.throws(
    () => ledger.append(make(7, [3, 4])),
    /2 valid signatures of 5 online appliances, a majority needs 3/,
  );
  // A signature counted twice is one signer.
  assert.throws(() => ledger.append(make(7, [3, 3, 4])), /2 valid signatures/);
  // Replay: a committed block again.
  assert.throws(() => ledger.append(ledger.blocks[3]), /index out of sequence/);
  const again = make(3, [0, 1, 2]);
  assert.throws(() => ledger.append(again), /already in the ledger \(replay\)/);
  // Forged: signed by a key that is not registered.
  const outsider = appliance();
  const forged = make(8, [0]);
  forged.signatures.push(signBlock(forged.hash, outsider.priv), signBlock(forged.hash, outsider.priv));
  assert.throws(() => ledger.append(forged), /1 valid signatures/);
  // One changed byte: in the block's contents, in its signature.
  const b = make(9, [0, 1, 2]);
  assert.throws(() => ledger.append({ ...b, weight: 0.26 }), /hash does not match its contents/);
  const sig = Buffer.from(b.signatures[2].value, 'base64');
  sig[10] ^= 1;
  assert.throws(
    () =>
      ledger.append({
        ...b,
        signatures: [b.signatures[0], b.signatures[1], { ...b.signatures[2], value: sig.toString('base64') }],
      }),
    /2 valid signatures/,
  );
  ledger.append(b);

  // Every appliance verifies the whole replica; a replica with one block altered is refused.
  const replica = JSON.parse(JSON.stringify(ledger.blocks)) as Block[];
  assert.equal(Ledger.verifyAll(replica, ring).root(), ledger.root());
  replica[4] = { ...replica[4], paramsSha256: 'c'.repeat(64) };
  assert.throws(() => Ledger.verifyAll(replica, ring), /block 4: hash does not match/);

  // Inclusion proofs for every block; a proof for the wrong index or an altered hash fails.
  const n = ledger.blocks.length;
  for (let i = 0; i < n; i++)
    assert.ok(verifyInclusion(ledger.blocks[i].hash, i, n, ledger.proof(i), ledger.root()), `block ${i}`);
  assert.equal(verifyInclusion(ledger.blocks[2].hash, 3, n, ledger.proof(2), ledger.root()), false);
  assert.equal(verifyInclusion('f'.repeat(64), 2, n, ledger.proof(2), ledger.root()), false);
});

test(
  'scoring: a label-flipping and a weight-scaling client get (next to) no weight',
  { skip: SKIP },
  async () => {
    const tf = await tfReady();
    const a = ustcSplit(25, 8, 21);
    const b = ustcSplit(25, 0, 22);
    // Every client starts the round from the same global model, as FedAvg needs.
    const global = modelParams(buildModel(tf, DEFAULT_ARCH, 9)).arrays;
    const train = async (set: typeof a.train, seed: number): Promise<Float32Array[]> =>
      (await trainModel(tf, set, { arch: DEFAULT_ARCH, epochs: 4, seed, initial: global })).params;
    const honest1 = await train(a.train, 1);
    const honest2 = await train(b.train, 2);
    // Label flipping: every class learned as another.
    const flipped = await train({ ...b.train, labels: b.train.labels.map((l) => (l + 7) % 20) }, 3);
    const scaled = honest2.map((p) => p.map((v) => v * 10));
    const file = buildModelFile(DEFAULT_ARCH, honest1, [], {
      name: 'fl',
      version: '1',
      classNames: USTC_CLASS_NAMES,
      maliciousClasses: USTC_MALICIOUS,
      training: {},
      metrics: {},
    });
    const s = scoreUpdates(tf, file.manifest, [honest1, honest2, flipped, scaled], a.test);
    assert.ok(s[0].f1 > 0.35 && s[1].f1 > 0.35, `honest F1 ${s[0].f1} ${s[1].f1}`);
    assert.ok(s[2].f1 < 0.1, `flipped F1 ${s[2].f1}`);
    assert.equal(s[2].weight, 0);
    assert.equal(s[3].weight, 0);
    const fused = fedAvg(
      [honest1, honest2, flipped, scaled].map((params, i) => ({ params, weight: s[i].weight })),
    );
    // The poisoned updates do not move the fused model at all: it is the fusion of the honest ones.
    const honestOnly = fedAvg([honest1, honest2].map((params, i) => ({ params, weight: s[i].weight })));
    assert.deepEqual(fused, honestOnly);
  },
);
