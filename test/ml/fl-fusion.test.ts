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
  framingHistogram,
  fuseFraming,
  fuseInto,
  fuseRound,
  mergeFramingTables,
  globalsNeeded,
  keyRing,
  sameFusion,
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

test('fuseInto: the last round is the mean of its FedAvgM iterate and the globals before it', () => {
  const g = [[Float32Array.from([4, 1])], [Float32Array.from([2, 1])], [Float32Array.from([0, 1])]];
  const updates = [{ params: [Float32Array.from([6, 1])], weight: 1 }];
  const m: Fusion = { rule: 'fedavgm', serverLr: 1, momentum: 0.5, averageLast: 3, rounds: 3 };
  // Round 3 is the last: x = 4 + (6 − 4) + 0.5·(4 − 2) = 7; mean(7, 4, 2) = 13/3.
  const last = fuseInto(updates, g, 3, m);
  assert.equal(last[0][0], Math.fround(13 / 3));
  assert.equal(last[0][1], 1);
  // Before the last round, or without averaging, it is FedAvgM's iterate.
  assert.deepEqual(fuseInto(updates, g, 2, { ...m, rounds: 5 }), fuseRound(updates, g[0], g[1], m));
  assert.deepEqual(fuseInto(updates, g, 3, { ...m, averageLast: 1 }), [Float32Array.from([7, 1])]);
  // A window longer than the run: every trained global there is (round 1 and the iterate; round 0's initial
  // model is not trained and stays out).
  const short = fuseInto(updates, g.slice(1), 2, { ...m, averageLast: 5, rounds: 2 });
  // x = 2 + (6 − 2) + 0.5·(2 − 0) = 7; mean(7, 2) = 4.5.
  assert.deepEqual([...short[0]], [4.5, 1]);
  // A one-round run: the iterate alone.
  assert.deepEqual(
    fuseInto(updates, g.slice(2), 1, { ...m, averageLast: 3, rounds: 1 }),
    fuseRound(updates, g[2], undefined, m),
  );
  assert.equal(globalsNeeded(2, { ...m, averageLast: 5, rounds: 2 }), 2);
  assert.equal(globalsNeeded(6, { ...m, averageLast: 4, rounds: 6 }), 3);
  assert.equal(globalsNeeded(6, undefined), 1);
  assert.throws(() => fuseInto(updates, g.slice(0, 1), 3, m), /needs 2/);
});

test('ledger: the averaging window and the run length are in the hash', () => {
  const k = generateKeyPairSync('ed25519');
  const priv = k.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const ring = keyRing([k.publicKey.export({ format: 'pem', type: 'spki' }).toString()]);
  const id = [...ring.keys()][0];
  const m: Fusion = { rule: 'fedavgm', serverLr: 1, momentum: 0.5, averageLast: 3, rounds: 10 };
  const body: BlockBody = {
    index: 0,
    prevHash: GENESIS,
    round: 9,
    modelId: 'c'.repeat(64),
    paramsSha256: 'd'.repeat(64),
    weight: 0.5,
    submitter: id,
    online: [id],
    at: '2026-12-06T20:00:00.000Z',
    fusion: m,
  };
  const hash = blockHash(body);
  const b: Block = { ...body, hash, signatures: [signBlock(hash, priv)] };
  assert.equal(Ledger.verifyAll([b], ring).blocks.length, 1);
  // Without the averaging fields the rule hashes as FedAvgM's did before they existed.
  const { averageLast: _a, rounds: _r, ...plainM } = m;
  assert.notEqual(blockHash({ ...body, fusion: plainM }), hash);
  for (const changed of [{ ...m, averageLast: 2 }, { ...m, rounds: 11 }, plainM])
    assert.throws(
      () => Ledger.verifyAll([{ ...b, fusion: changed }], ring),
      /block 0: hash does not match its contents/,
    );
  assert.equal(sameFusion(m, { ...m }), true);
  assert.equal(sameFusion(m, { ...m, averageLast: 4 }), false);
});

test("fuseFraming: the kept updates' histograms summed at the recipe's weight; weight 0 or no histogram adds nothing", () => {
  const W = 784;
  const row = (
    len: number,
    label: number,
  ): { n: number; width: number; bytes: Uint8Array; labels: Uint8Array } => {
    const bytes = new Uint8Array(W);
    bytes.set([0x17, 3, 3, len >> 8, len & 0xff]);
    bytes.fill(0x41, 5, 5 + len);
    return { n: 1, width: W, bytes, labels: Uint8Array.from([label]) };
  };
  const h1 = framingHistogram(row(61, 1), 20, W);
  const h2 = framingHistogram(row(90, 2), 20, W);
  const poisoned = framingHistogram(row(61, 9), 20, W);
  const t = fuseFraming([
    { framing: h1, weight: 0.3 },
    { framing: poisoned, weight: 0 },
    { framing: undefined, weight: 0.5 },
    { framing: h2, weight: 0.1 },
  ]);
  assert.ok(t);
  assert.deepEqual(t, mergeFramingTables([h1, h2], t.weight));
  assert.ok(t.weight > 0);
  assert.equal(t.sessions, 2);
  assert.equal(t.counts['61/66'][9], 0, "the weight-0 update's counts are not in");
  assert.equal(t.counts['61/66'][1], 1);
  assert.equal(
    fuseFraming([
      { framing: h1, weight: 0 },
      { framing: undefined, weight: 1 },
    ]),
    undefined,
  );
});
