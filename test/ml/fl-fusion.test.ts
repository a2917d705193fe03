/**
 * How a round is fused, as its blocks say (A-87): plain weighted FedAvg, or FedAvgM written on the two previous
 * global models so every appliance can recompute it from the ledger. The rule is part of each block's hash, and a
 * round whose blocks disagree on it is refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import {
  GENESIS,
  Ledger,
  blockHash,
  fedAvg,
  fuseRound,
  keyRing,
  signBlock,
  type Block,
  type BlockBody,
  type Fusion,
} from '../../src/ml/index.js';

const f32 = (...v: number[]): Float32Array => Float32Array.from(v);

test('fuseRound: FedAvg, FedAvgM from the two previous globals, all-zero weights', () => {
  const global = [f32(1, 2)];
  const previous = [f32(0, 2)];
  const updates = [
    { params: [f32(2, 2)], weight: 1 },
    { params: [f32(5, 2)], weight: 0.5 },
    { params: [f32(100, -100)], weight: 0 },
  ];
  // Weighted average (2·1 + 5·0.5)/1.5 = 3.
  assert.deepEqual(fuseRound(updates, global, previous, undefined), fedAvg(updates));
  assert.deepEqual([...fuseRound(updates, global, previous, undefined)[0]], [3, 2]);
  const m: Fusion = { rule: 'fedavgm', serverLr: 1, momentum: 0.5 };
  // g + 1·(3 − 1) + 0.5·(1 − 0) = 3.5; the second weight did not move.
  assert.deepEqual([...fuseRound(updates, global, previous, m)[0]], [3.5, 2]);
  // Round 0 has no previous model: no momentum term.
  assert.deepEqual([...fuseRound(updates, global, undefined, m)[0]], [3, 2]);
  // A server step of 0.5: g + 0.5·(3 − 1) = 2.
  assert.deepEqual([...fuseRound(updates, global, undefined, { ...m, serverLr: 0.5 })[0]], [2, 2]);
  // Every weight 0: FedAvg keeps the global model; FedAvgM still coasts on its momentum.
  const none = updates.map((u) => ({ ...u, weight: 0 }));
  assert.deepEqual([...fuseRound(none, global, previous, undefined)[0]], [1, 2]);
  assert.deepEqual([...fuseRound(none, global, previous, m)[0]], [1.5, 2]);
  assert.throws(() => fedAvg(none), /every update has weight 0/);
});

test('ledger: the fusion rule is in the hash, and one round fuses one way', () => {
  const apps = Array.from({ length: 3 }, () => {
    const k = generateKeyPairSync('ed25519');
    return {
      priv: k.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
      pub: k.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    };
  });
  const ring = keyRing(apps.map((a) => a.pub));
  const ids = [...ring.keys()];
  const m: Fusion = { rule: 'fedavgm', serverLr: 1, momentum: 0.7 };
  const make = (i: number, prev: Block | undefined, fusion: Fusion | undefined): Block => {
    const body: BlockBody = {
      index: i,
      prevHash: prev ? prev.hash : GENESIS,
      round: 0,
      modelId: `${i}`.padStart(64, 'c'),
      paramsSha256: `${i}`.padStart(64, 'd'),
      weight: 0.5,
      submitter: ids[i],
      online: ids,
      at: '2026-12-06T20:00:00.000Z',
      ...(fusion ? { fusion } : {}),
    };
    const hash = blockHash(body);
    return { ...body, hash, signatures: apps.map((a) => signBlock(hash, a.priv)) };
  };
  const plain = make(0, undefined, undefined);
  const withM = make(0, undefined, m);
  // A block without a rule hashes as blocks did before the field existed; the rule changes the hash.
  const { fusion: _f, ...noKey } = { ...plain, fusion: undefined };
  assert.equal(blockHash(noKey), plain.hash);
  assert.notEqual(withM.hash, plain.hash);
  assert.notEqual(blockHash({ ...withM, fusion: { ...m, momentum: 0.6 } }), withM.hash);

  const ok = new Ledger(ring);
  ok.append(withM);
  ok.append(make(1, withM, m));
  assert.equal(ok.blocks.length, 2);
  // Properly signed, but the second block of the round fuses otherwise.
  const bad = new Ledger(ring);
  bad.append(withM);
  assert.throws(
    () => bad.append(make(1, withM, { ...m, momentum: 0.9 })),
    /block 1: its fusion rule is not that of the round's other blocks/,
  );
  assert.throws(() => bad.append(make(1, withM, undefined)), /fusion rule is not that of the round/);
});
