import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { encodePcap, synthesize } from '../../src/synth/index.js';
import { Prng } from '../../src/synth/prng.js';

const digest = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

test('the same seed writes the same bytes; another seed writes other bytes', async () => {
  const a = encodePcap((await synthesize({ seed: 5 })).frames);
  const b = encodePcap((await synthesize({ seed: 5 })).frames);
  const c = encodePcap((await synthesize({ seed: 6 })).frames);
  assert.equal(digest(a), digest(b));
  assert.notEqual(digest(a), digest(c));
});

test('a scenario alone produces the same frames it produces inside "all"', async () => {
  const all = new Set(
    (await synthesize({ seed: 9, flows: 2 })).frames.map((f) => `${f.tsUs}:${digest(f.data)}`),
  );
  const dns = (await synthesize({ seed: 9, flows: 2, scenarios: ['dns'] })).frames;
  assert.ok(dns.length > 10);
  for (const f of dns) assert.ok(all.has(`${f.tsUs}:${digest(f.data)}`));
});

test('--flows adds background flows', async () => {
  const few = await synthesize({ seed: 3, flows: 0, scenarios: ['http', 'dns'] });
  const many = await synthesize({ seed: 3, flows: 8, scenarios: ['http', 'dns'] });
  assert.equal(many.flows.length - few.flows.length, 16);
});

test('the PRNG is a pure function of its seed and forks are independent of later draws', () => {
  const seq = (r: Prng): number[] => Array.from({ length: 8 }, () => r.u32());
  assert.deepEqual(seq(new Prng(42)), seq(new Prng(42)));
  assert.notDeepEqual(seq(new Prng(42)), seq(new Prng(43)));
  const r1 = new Prng(1);
  const f1 = r1.fork('x');
  const r2 = new Prng(1);
  const f2 = r2.fork('x');
  r2.u32();
  assert.deepEqual(seq(f1), seq(f2));
  assert.notDeepEqual(seq(new Prng(1).fork('x')), seq(new Prng(1).fork('y')));
  const r = new Prng(7);
  for (let i = 0; i < 1000; i++) {
    const v = r.int(3, 9);
    assert.ok(v >= 3 && v < 9 && Number.isInteger(v));
  }
});

test('bad seeds are refused with a message naming the value', async () => {
  await assert.rejects(() => synthesize({ seed: -1 }), /seed must be an integer.*-1/);
  await assert.rejects(() => synthesize({ seed: 1.5 }), /seed/);
});
