/**
 * Reassembly under random segmentation, reordering, duplication and overlaps of one consistent stream
 * (seeded, reproducible): the consumer must get exactly the original bytes, once, in order; with a small hold
 * bound, every byte is either delivered in place or accounted for by a gap of the right length.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeldBudget, TcpReassembler, type StreamConsumer } from '../../src/flow/tcp-reassembly.js';
import { TCP_ACK, TCP_FIN, TCP_SYN } from '../../src/decode/decoded-packet.js';

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

class Rebuild implements StreamConsumer {
  readonly out: number[] = [];
  gapBytes = 0;
  overlaps = 0;
  onStreamData(_d: 0 | 1, buf: Buffer, off: number, len: number): void {
    for (let i = 0; i < len; i++) this.out.push(buf[off + i]);
  }
  onStreamGap(_d: 0 | 1, len: number): void {
    this.gapBytes += len;
    for (let i = 0; i < len; i++) this.out.push(-1);
  }
  onStreamOverlapDifferent(): void {
    this.overlaps++;
  }
}

function segments(rnd: () => number, total: number): [number, number][] {
  const segs: [number, number][] = [];
  for (let off = 0; off < total;) {
    const len = 1 + Math.floor(rnd() * 300);
    segs.push([off, Math.min(len, total - off)]);
    off += len;
  }
  // Retransmissions and overlapping re-segmentations of the same bytes.
  const extra = Math.floor(segs.length / 3);
  for (let i = 0; i < extra; i++) {
    const start = Math.floor(rnd() * total);
    segs.push([start, Math.min(1 + Math.floor(rnd() * 500), total - start)]);
  }
  // Local reordering: swap neighbours within a small window.
  for (let i = 0; i < segs.length; i++) {
    const j = Math.min(segs.length - 1, i + Math.floor(rnd() * 6));
    [segs[i], segs[j]] = [segs[j], segs[i]];
  }
  return segs;
}

test('random segmentation, reordering and consistent overlaps reassemble to the original stream', () => {
  for (let seed = 1; seed <= 40; seed++) {
    const rnd = prng(seed);
    const total = 2000 + Math.floor(rnd() * 20000);
    const data = Buffer.alloc(total);
    for (let i = 0; i < total; i++) data[i] = Math.floor(rnd() * 256);
    const isn = Math.floor(rnd() * 2 ** 32) >>> 0; // any ISN, wraparound included
    const c = new Rebuild();
    const r = new TcpReassembler(
      0,
      1 << 20,
      c,
      { tcpGaps: 0, reassemblyOverflows: 0 },
      new HeldBudget(1 << 24),
    );
    r.segment(isn, TCP_SYN, data, 0, 0, 0);
    for (const [off, len] of segments(rnd, total)) {
      const scratch = Buffer.from(data.subarray(off, off + len));
      r.segment((isn + 1 + off) >>> 0, TCP_ACK, scratch, 0, len, 0);
      scratch.fill(0);
    }
    r.flush(0);
    assert.equal(c.gapBytes, 0, `seed ${seed}`);
    assert.equal(c.overlaps, 0, `seed ${seed}`);
    assert.deepEqual(Buffer.from(c.out), data, `seed ${seed}`);
  }
});

test('with a small hold bound every byte is delivered in place or covered by a gap', () => {
  for (let seed = 100; seed < 130; seed++) {
    const rnd = prng(seed);
    const total = 5000 + Math.floor(rnd() * 5000);
    const data = Buffer.alloc(total);
    for (let i = 0; i < total; i++) data[i] = Math.floor(rnd() * 256);
    const counters = { tcpGaps: 0, reassemblyOverflows: 0 };
    const c = new Rebuild();
    const r = new TcpReassembler(1, 600, c, counters, new HeldBudget(1 << 24));
    r.segment(7, TCP_SYN, data, 0, 0, 0);
    // Drop ~10% of segments entirely (capture loss).
    for (const [off, len] of segments(rnd, total)) {
      if (rnd() < 0.1) continue;
      r.segment(8 + off, TCP_ACK, data, off, len, 0);
    }
    r.segment(8 + total, TCP_FIN | TCP_ACK, data, 0, 0, 0);
    r.flush(0);
    assert.ok(c.out.length <= total, `seed ${seed}: no byte twice`);
    for (let i = 0; i < c.out.length; i++) {
      if (c.out[i] !== -1) assert.equal(c.out[i], data[i], `seed ${seed} byte ${i}`);
    }
    assert.equal(c.out.filter((b) => b === -1).length, c.gapBytes);
    assert.equal(r.gapBytes, c.gapBytes);
  }
});
