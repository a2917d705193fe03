/** TCP reassembly of one direction: order, holes, retransmissions, overlaps, wraparound, gaps, bounds. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeldBudget, TcpReassembler, type StreamConsumer } from '../../src/flow/tcp-reassembly.js';
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from '../../src/decode/decoded-packet.js';
import type { Direction } from '../../src/flow/index.js';

class Collector implements StreamConsumer {
  out = '';
  gaps: number[] = [];
  overlaps = 0;
  onStreamData(_dir: Direction, buf: Buffer, off: number, len: number): void {
    this.out += buf.toString('latin1', off, off + len);
  }
  onStreamGap(_dir: Direction, len: number): void {
    this.gaps.push(len);
    this.out += `[gap ${len}]`;
  }
  onStreamOverlapDifferent(): void {
    this.overlaps++;
  }
  onAppLayerCut(): void {
    this.out += '|cut|';
  }
}

function setup(
  maxHeld = 1 << 16,
  budget = new HeldBudget(1 << 20),
): {
  r: TcpReassembler;
  c: Collector;
  n: { tcpGaps: number; reassemblyOverflows: number };
} {
  const c = new Collector();
  const n = { tcpGaps: 0, reassemblyOverflows: 0 };
  return { r: new TcpReassembler(0, maxHeld, c, n, budget), c, n };
}

/** Feeds a segment from a scratch buffer that is overwritten right after, as the capture buffer is. */
function seg(r: TcpReassembler, seq: number, data: string, flags = TCP_ACK): void {
  const buf = Buffer.alloc(data.length + 20, 0x2a);
  buf.write(data, 20, 'latin1');
  r.segment(seq >>> 0, flags, buf, 20, data.length, 0);
  buf.fill(0x21);
}

test('in-order segments are delivered as they come, starting after the SYN', () => {
  const { r, c } = setup();
  seg(r, 1000, '', TCP_SYN);
  seg(r, 1001, 'GET / ');
  seg(r, 1007, 'HTTP/1.1');
  assert.equal(c.out, 'GET / HTTP/1.1');
  assert.equal(r.heldSegmentBytes, 0);
});

test('out-of-order segments are held (copied) and delivered when the hole fills', () => {
  const { r, c } = setup();
  seg(r, 1000, '', TCP_SYN);
  seg(r, 1007, 'world');
  seg(r, 1012, '!');
  assert.equal(c.out, '');
  assert.equal(r.heldSegmentBytes, 6);
  seg(r, 1001, 'hello ');
  assert.equal(c.out, 'hello world!');
  assert.equal(r.heldSegmentBytes, 0);
});

test('retransmissions are dropped; partial overlaps deliver only the new bytes', () => {
  const { r, c } = setup();
  seg(r, 1000, '', TCP_SYN);
  seg(r, 1001, 'abc');
  seg(r, 1001, 'abc');
  seg(r, 1002, 'bcdef');
  seg(r, 1000, 'Xabcdefg');
  assert.equal(c.out, 'abcdefg');
  assert.equal(c.overlaps, 0);
});

test('overlapping held segments: first data wins, different bytes are reported once', () => {
  const { r, c } = setup();
  seg(r, 1000, '', TCP_SYN);
  seg(r, 1005, 'efgh');
  seg(r, 1003, 'cdEFghij'); // overlaps "efgh" with different bytes
  assert.equal(c.overlaps, 1);
  seg(r, 1007, 'Ghij'); // same again, not reported twice
  assert.equal(c.overlaps, 1);
  seg(r, 1001, 'ab');
  assert.equal(c.out, 'abcdefghij');
});

test('sequence numbers wrap around 2^32', () => {
  const { r, c } = setup();
  const isn = 0xfffffff8;
  seg(r, isn, '', TCP_SYN);
  seg(r, isn + 1, 'abcd'); // ends at 0xfffffffd
  seg(r, (isn + 11) >>> 0, 'klmn'); // after the wrap, out of order
  seg(r, (isn + 5) >>> 0, 'efghij'); // spans the wrap
  assert.equal(c.out, 'abcdefghijklmn');
  assert.equal(r.nextSeq, (isn + 15) >>> 0);
});

test('a hole still open at FIN becomes a gap, then the held bytes follow', () => {
  const { r, c, n } = setup();
  seg(r, 1000, '', TCP_SYN);
  seg(r, 1001, 'abc');
  seg(r, 1010, 'xyz');
  seg(r, 1013, '', TCP_FIN | TCP_ACK);
  assert.equal(c.out, 'abc[gap 6]xyz');
  assert.deepEqual(c.gaps, [6]);
  assert.equal(n.tcpGaps, 1);
  assert.equal(r.gapBytes, 6);
  assert.equal(r.ended, true);
});

test('RST flushes too; flush() at flow end reports the hole', () => {
  const { r, c } = setup();
  seg(r, 1, '', TCP_SYN);
  seg(r, 5, 'late'); // the stream starts at 2
  seg(r, 100, '', TCP_RST);
  assert.equal(c.out, '[gap 3]late');
  const b = setup();
  seg(b.r, 1, '', TCP_SYN);
  seg(b.r, 12, 'end');
  b.r.flush(0);
  assert.equal(b.c.out, '[gap 10]end');
});

test('the hold bound is enforced: overflow turns the hole into a gap and counts it', () => {
  const { r, c, n } = setup(10);
  seg(r, 0, '', TCP_SYN);
  seg(r, 1, 'a');
  seg(r, 5, 'eeeee'); // hole of 3 bytes (2..4)
  assert.equal(r.heldSegmentBytes, 5);
  seg(r, 10, 'jjjjj');
  assert.equal(r.heldSegmentBytes, 10);
  assert.equal(n.reassemblyOverflows, 0);
  seg(r, 15, 'o');
  assert.equal(n.reassemblyOverflows, 1);
  assert.equal(r.heldSegmentBytes, 0);
  assert.equal(c.out, 'a[gap 3]eeeeejjjjjo');
  // The late bytes that would have filled the hole are now old: dropped.
  seg(r, 2, 'bcd');
  seg(r, 16, 'p');
  assert.equal(c.out, 'a[gap 3]eeeeejjjjjop');
});

test('midstream pickup: without a SYN the first segment starts the stream', () => {
  const { r, c } = setup();
  seg(r, 5000, 'mid');
  seg(r, 5003, 'stream');
  seg(r, 4990, 'xxxxxxxxxx'); // before the pickup point: old
  assert.equal(c.out, 'midstream');
});

test('data on the SYN itself (TCP Fast Open) starts after the SYN sequence number', () => {
  const { r, c } = setup();
  seg(r, 77, 'tfo', TCP_SYN);
  seg(r, 81, '+more');
  assert.equal(c.out, 'tfo+more');
});

test('many small out-of-order segments in reverse order reassemble', () => {
  const { r, c } = setup();
  seg(r, 0, '', TCP_SYN);
  const text = 'the quick brown fox jumps over the lazy dog';
  for (let i = text.length - 1; i >= 0; i--) seg(r, 1 + i, text[i]);
  assert.equal(c.out, text);
});

test('the engine-wide budget of held bytes is shared by all streams and released on delivery', () => {
  const budget = new HeldBudget(8);
  const a = setup(100, budget);
  const b = setup(100, budget);
  seg(a.r, 0, '', TCP_SYN);
  seg(b.r, 0, '', TCP_SYN);
  seg(a.r, 5, 'aaaaa');
  assert.equal(budget.held, 5);
  seg(b.r, 5, 'bbbbb'); // 10 > 8: this stream gives up its hole
  assert.equal(b.n.reassemblyOverflows, 1);
  assert.equal(b.c.out, '[gap 4]bbbbb');
  assert.equal(budget.held, 5);
  seg(a.r, 1, 'xxxx');
  assert.equal(a.c.out, 'xxxxaaaaa');
  assert.equal(budget.held, 0);
});

test('an acknowledgment past a hole turns it into a gap at once (capture loss, snapshot length)', () => {
  const { r, c, n } = setup();
  seg(r, 1000, '', TCP_SYN);
  seg(r, 1001, 'abc');
  seg(r, 1010, 'xyz'); // 1004..1009 lost by the capture
  assert.equal(c.out, 'abc');
  r.acked(1013, 0);
  assert.equal(c.out, 'abc[gap 6]xyz');
  assert.equal(n.tcpGaps, 1);
  // A truncated segment: only 2 of its bytes were captured; the peer's ACK covers the rest.
  seg(r, 1013, 'tr');
  r.acked(1020, 0);
  assert.equal(c.out, 'abc[gap 6]xyztr[gap 5]');
  seg(r, 1020, 'next');
  assert.equal(c.out, 'abc[gap 6]xyztr[gap 5]next');
  // Old, duplicate and absurd acknowledgments change nothing.
  r.acked(1010, 0);
  r.acked(1024, 0);
  r.acked(1024 + 2 ** 31, 0);
  assert.equal(c.out, 'abc[gap 6]xyztr[gap 5]next');
  // After FIN the ACK counts the FIN itself: no gap.
  seg(r, 1024, '', TCP_FIN | TCP_ACK);
  r.acked(1025, 0);
  assert.equal(n.tcpGaps, 2);
});

test('flow end: holes the peer acknowledged past are gaps; after a hole beyond its last ACK the app layer is cut', () => {
  // Suricata's reading (suricata-verify tcp-rst-unacked-stream-09/-11): the receiver still waited for the hole, so its
  // app layer never gets what follows; raw stream inspection at flow end still does (tcp-rst-unacked-stream-03-gap).
  const { r, c } = setup();
  seg(r, 1000, '', TCP_SYN);
  seg(r, 1001, 'aaaa');
  seg(r, 1009, 'cccc'); // 1005-1008 lost in the capture, acknowledged below
  seg(r, 1017, 'eeee'); // 1013-1016 lost, never acknowledged
  r.acked(1013, 0);
  assert.equal(c.out, 'aaaa[gap 4]cccc');
  r.flushAtEnd(0);
  assert.equal(c.out, 'aaaa[gap 4]cccc|cut|[gap 4]eeee', 'the cut comes before the unacknowledged hole');
  assert.equal(r.heldSegmentBytes, 0);
});

test('flow end: an acknowledgment inside a hole makes the part before it a gap and cuts the app layer there', () => {
  const { r, c } = setup();
  seg(r, 1000, '', TCP_SYN);
  seg(r, 1001, 'aaaa');
  seg(r, 1013, 'eeee'); // hole 1005-1012, acknowledged up to 1009
  r.acked(1009, 0);
  r.flushAtEnd(0);
  assert.equal(c.out, 'aaaa[gap 4]|cut|[gap 4]eeee');
});

test('flow end without any acknowledgment seen (one direction captured): everything held is delivered', () => {
  const { r, c } = setup();
  seg(r, 1000, '', TCP_SYN);
  seg(r, 1001, 'aaaa');
  seg(r, 1009, 'cccc');
  r.flushAtEnd(0);
  assert.equal(c.out, 'aaaa[gap 4]cccc', 'no cut');
});
