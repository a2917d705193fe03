/** The flow table: direction, counters, states, timeouts, port reuse, the memory cap, flow ids. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createFlowTracker, NO_PROTOCOLS } from '../../src/flow/index.js';
import { symmetricFlowHash } from '../../src/flow/flow-hash.js';
import type { FlowTrackerOptions } from '../../src/flow/options.js';
import {
  IPPROTO_ICMP,
  IPPROTO_UDP,
  TCP_ACK,
  TCP_FIN,
  TCP_PSH,
  TCP_RST,
  TCP_SYN,
} from '../../src/decode/decoded-packet.js';
import { packet, RecordingSink } from './packets.js';

const S = 1_000_000;
const C = '10.0.0.1';
const SRV = '10.0.0.2';

function engine(opts: FlowTrackerOptions = {}): {
  sink: RecordingSink;
  eng: ReturnType<typeof createFlowTracker>;
} {
  const sink = new RecordingSink();
  return { sink, eng: createFlowTracker(sink, NO_PROTOCOLS, opts) };
}

/** A complete TCP session: handshake, one request/response, FIN both ways. */
function session(eng: ReturnType<typeof createFlowTracker>, t0: number, cport = 40000): void {
  const c = { src: C, dst: SRV, sp: cport, dp: 443 };
  const s = { src: SRV, dst: C, sp: 443, dp: cport };
  eng.handle(packet({ ...c, flags: TCP_SYN, seq: 100, ts: t0 }));
  eng.handle(packet({ ...s, flags: TCP_SYN | TCP_ACK, seq: 900, ack: 101, ts: t0 + 10 }));
  eng.handle(packet({ ...c, flags: TCP_ACK, seq: 101, ack: 901, ts: t0 + 20 }));
  eng.handle(packet({ ...c, flags: TCP_ACK | TCP_PSH, seq: 101, payload: 'hello', ts: t0 + 30 }));
  eng.handle(packet({ ...s, flags: TCP_ACK | TCP_PSH, seq: 901, payload: 'world!', ts: t0 + 40 }));
  eng.handle(packet({ ...c, flags: TCP_ACK | TCP_FIN, seq: 106, ts: t0 + 50 }));
  eng.handle(packet({ ...s, flags: TCP_ACK | TCP_FIN, seq: 907, ts: t0 + 60 }));
  eng.handle(packet({ ...c, flags: TCP_ACK, seq: 107, ts: t0 + 70 }));
}

test('a full TCP session is one flow with per-direction counters, flags and the closed state', () => {
  const { sink, eng } = engine();
  session(eng, 5 * S);
  assert.equal(eng.stats.flows, 1);
  assert.equal(eng.stats.activeFlows, 1);
  eng.finish(6 * S);
  assert.equal(sink.ended.length, 1);
  const e = sink.ended[0];
  assert.equal(e.reason, 'shutdown');
  assert.deepEqual(e.pkts, [5, 3]);
  assert.deepEqual(e.bytes, [5 * 54 + 5, 3 * 54 + 6]);
  assert.equal(e.state, 'closed');
  assert.equal(e.src, C);
  assert.equal(e.flow.srcPort, 40000);
  assert.equal(e.flow.dstPort, 443);
  assert.equal(e.flow.startUs, 5 * S);
  assert.equal(e.flow.lastUs, 5 * S + 70);
  assert.equal(e.flow.tcpFlags[0], TCP_SYN | TCP_ACK | TCP_PSH | TCP_FIN);
  assert.equal(e.flow.tcpFlags[1], TCP_SYN | TCP_ACK | TCP_PSH | TCP_FIN);
  assert.equal(e.flow.tcpState, 'closed');
  assert.equal(eng.stats.activeFlows, 0);
});

test('the SYN sender is the initiator even when its SYN/ACK reply is seen first', () => {
  const { sink, eng } = engine();
  // Capture starts at the SYN/ACK: the server is the sender, the client (its destination) initiated.
  eng.handle(packet({ src: SRV, dst: C, sp: 443, dp: 40000, flags: TCP_SYN | TCP_ACK, seq: 1, ts: S }));
  eng.handle(packet({ src: C, dst: SRV, sp: 40000, dp: 443, flags: TCP_ACK, seq: 2, ts: S + 1 }));
  eng.finish(2 * S);
  const e = sink.ended[0];
  assert.equal(e.src, C);
  assert.equal(e.flow.dstPort, 443);
  assert.deepEqual(e.pkts, [1, 1]);
  assert.equal(e.state, 'established');
});

test('without a SYN the first packet seen defines the direction; UDP becomes established on a reply', () => {
  const { sink, eng } = engine();
  eng.handle(packet({ src: SRV, dst: C, sp: 5000, dp: 5353, proto: IPPROTO_UDP, payload: 'x', ts: S }));
  eng.handle(packet({ src: C, dst: SRV, sp: 5353, dp: 5000, proto: IPPROTO_UDP, payload: 'yy', ts: S + 5 }));
  eng.handle(packet({ src: C, dst: SRV, sp: 1, dp: 2, proto: IPPROTO_UDP, ts: S + 6 }));
  eng.finish(2 * S);
  assert.equal(sink.ended.length, 2);
  const [a, b] = sink.ended;
  assert.equal(a.src, SRV);
  assert.equal(a.srcPort, 5000);
  assert.equal(a.state, 'established');
  assert.deepEqual(a.pkts, [1, 1]);
  assert.deepEqual(a.bytes, [55, 56]);
  assert.equal(b.state, 'new');
});

test('a first packet from a well-known port to an ephemeral one is the reply: the flow is written client → server', () => {
  const { sink, eng } = engine();
  // A DNS response seen before its query (Suricata's dns-reversed-udp case) and TCP picked up midstream.
  eng.handle(packet({ src: SRV, dst: C, sp: 53, dp: 40000, proto: IPPROTO_UDP, payload: 'resp', ts: S }));
  eng.handle(
    packet({ src: SRV, dst: C, sp: 80, dp: 40001, flags: TCP_ACK, seq: 9, payload: 'HTTP/1.1', ts: S + 1 }),
  );
  eng.handle(packet({ src: C, dst: SRV, sp: 40001, dp: 80, flags: TCP_ACK, seq: 1, ts: S + 2 }));
  eng.finish(2 * S);
  assert.deepEqual(
    sink.ended.map((e) => [e.src, e.srcPort, e.dstPort, e.pkts]),
    [
      [C, 40000, 53, [0, 1]],
      [C, 40001, 80, [1, 1]],
    ],
  );
});

test('idle timeouts follow packet time and the flow state: new, established, closed', () => {
  const { sink, eng } = engine({ timeouts: { newUs: 30 * S, establishedUs: 300 * S, closedUs: 10 * S } });
  // new: a lone SYN
  eng.handle(packet({ src: C, dst: SRV, sp: 1000, dp: 80, flags: TCP_SYN, ts: 0 }));
  // established: handshake done, idle
  eng.handle(packet({ src: C, dst: SRV, sp: 1001, dp: 80, flags: TCP_SYN, seq: 5, ts: 0 }));
  eng.handle(packet({ src: SRV, dst: C, sp: 80, dp: 1001, flags: TCP_SYN | TCP_ACK, ts: 1 }));
  eng.handle(packet({ src: C, dst: SRV, sp: 1001, dp: 80, flags: TCP_ACK, seq: 6, ts: 2 }));
  // closed: reset
  eng.handle(packet({ src: C, dst: SRV, sp: 1002, dp: 80, flags: TCP_SYN, ts: 0 }));
  eng.handle(packet({ src: SRV, dst: C, sp: 80, dp: 1002, flags: TCP_RST | TCP_ACK, ts: 3 }));
  eng.advanceTime(9 * S);
  assert.equal(sink.ended.length, 0);
  eng.advanceTime(10 * S + 3);
  assert.deepEqual(
    sink.ended.map((e) => [e.flow.srcPort, e.reason, e.state]),
    [[1002, 'timeout', 'closed']],
  );
  eng.advanceTime(30 * S);
  assert.deepEqual(
    sink.ended.map((e) => e.flow.srcPort),
    [1002, 1000],
  );
  eng.advanceTime(299 * S);
  assert.equal(sink.ended.length, 2);
  eng.advanceTime(300 * S + 2);
  assert.deepEqual(
    sink.ended.map((e) => e.flow.srcPort),
    [1002, 1000, 1001],
  );
  assert.equal(sink.ended[2].tsUs, 300 * S + 2);
  assert.equal(eng.stats.activeFlows, 0);
});

test('a packet keeps its flow alive: expiry uses the last packet time', () => {
  const { sink, eng } = engine({ timeouts: { newUs: 30 * S } });
  for (let t = 0; t <= 100; t += 20) {
    eng.handle(packet({ src: C, dst: SRV, sp: 7, dp: 8, proto: IPPROTO_UDP, ts: t * S }));
    eng.advanceTime(t * S);
  }
  assert.equal(sink.ended.length, 0);
  eng.advanceTime(130 * S);
  assert.equal(sink.ended.length, 1);
  assert.equal(sink.ended[0].pkts[0], 6);
});

test('a SYN on a tuple whose session was closed starts a new flow', () => {
  const { sink, eng } = engine();
  session(eng, S);
  session(eng, 2 * S);
  assert.equal(sink.ended.length, 1, 'the first session ended when the second SYN came');
  assert.equal(sink.ended[0].reason, 'timeout');
  eng.finish(3 * S);
  assert.equal(sink.ended.length, 2);
  assert.notEqual(sink.ended[0].flow.id, sink.ended[1].flow.id);
  assert.deepEqual(sink.ended[1].pkts, [5, 3]);
  // A retransmitted SYN while the handshake is pending stays in the flow.
  const { sink: s2, eng: e2 } = engine();
  e2.handle(packet({ src: C, dst: SRV, sp: 9, dp: 80, flags: TCP_SYN, ts: 1 }));
  e2.handle(packet({ src: C, dst: SRV, sp: 9, dp: 80, flags: TCP_SYN, ts: 2 }));
  e2.finish(3);
  assert.equal(s2.ended.length, 1);
  assert.equal(s2.ended[0].pkts[0], 2);
});

test('the memory cap forces the flow nearest its timeout out, counted as evicted', () => {
  const { sink, eng } = engine({ maxFlows: 3 });
  for (let i = 0; i < 3; i++)
    eng.handle(packet({ src: C, dst: SRV, sp: 100 + i, dp: 53, proto: IPPROTO_UDP, ts: i }));
  // Refresh the first so the second is the oldest.
  eng.handle(packet({ src: C, dst: SRV, sp: 100, dp: 53, proto: IPPROTO_UDP, ts: 10 }));
  eng.handle(packet({ src: C, dst: SRV, sp: 200, dp: 53, proto: IPPROTO_UDP, ts: 11 }));
  assert.equal(eng.stats.evicted, 1);
  assert.equal(eng.stats.activeFlows, 3);
  assert.equal(sink.ended.length, 1);
  assert.equal(sink.ended[0].reason, 'forced');
  assert.equal(sink.ended[0].srcPort, 101);
  eng.finish(20);
  assert.deepEqual(sink.ended.map((e) => e.srcPort).sort(), [100, 101, 102, 200]);
});

test('the table grows past its initial size and finds every flow again', () => {
  const { sink, eng } = engine({ maxFlows: 100_000 });
  const n = 20_000;
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < n; i++) {
      const a = `10.${(i >> 8) & 255}.${i & 255}.1`;
      const fwd = round === 0;
      eng.handle(
        packet({
          src: fwd ? a : SRV,
          dst: fwd ? SRV : a,
          sp: fwd ? 1024 + (i % 5000) : 53,
          dp: fwd ? 53 : 1024 + (i % 5000),
          proto: IPPROTO_UDP,
          ts: round * S + i,
        }),
      );
    }
  }
  assert.equal(eng.stats.flows, n);
  eng.finish(10 * S);
  assert.equal(sink.ended.length, n);
  assert.ok(sink.ended.every((e) => e.pkts[0] === 1 && e.pkts[1] === 1 && e.state === 'established'));
  const ids = new Set(sink.ended.map((e) => e.flow.id));
  assert.equal(ids.size, n);
  assert.ok([...ids].every((id) => Number.isSafeInteger(id) && id > 0 && id < 2 ** 52));
});

test('VLAN ids and address words are part of the key; IPv6 flows work the same way', () => {
  const { sink, eng } = engine();
  eng.handle(packet({ src: C, dst: SRV, sp: 1, dp: 2, proto: IPPROTO_UDP, ts: 1, vlan: [10] }));
  eng.handle(packet({ src: C, dst: SRV, sp: 1, dp: 2, proto: IPPROTO_UDP, ts: 2, vlan: [11] }));
  eng.handle(packet({ src: SRV, dst: C, sp: 2, dp: 1, proto: IPPROTO_UDP, ts: 3, vlan: [10] }));
  eng.handle(packet({ src: '2001:db8::1', dst: '2001:db8::2', sp: 1, dp: 2, proto: IPPROTO_UDP, ts: 4 }));
  eng.handle(packet({ src: '2001:db8::2', dst: '2001:db8::1', sp: 2, dp: 1, proto: IPPROTO_UDP, ts: 5 }));
  eng.handle(packet({ src: '2001:db9::2', dst: '2001:db8::1', sp: 2, dp: 1, proto: IPPROTO_UDP, ts: 6 }));
  eng.finish(10);
  assert.equal(sink.ended.length, 4);
  const v10 = sink.ended.find((e) => e.flow.vlan[0] === 10)!;
  assert.deepEqual(v10.pkts, [1, 1]);
  const v6 = sink.ended.filter((e) => e.flow.ipVersion === 6);
  assert.deepEqual(
    v6.map((e) => e.pkts),
    [
      [1, 1],
      [1, 0],
    ],
  );
});

test('ICMP echo request and reply are one flow', () => {
  const { sink, eng } = engine();
  eng.handle(packet({ src: C, dst: SRV, proto: IPPROTO_ICMP, icmpType: 8, ts: 1 }));
  eng.handle(packet({ src: SRV, dst: C, proto: IPPROTO_ICMP, icmpType: 0, ts: 2 }));
  eng.handle(packet({ src: SRV, dst: C, proto: IPPROTO_ICMP, icmpType: 3, icmpCode: 1, ts: 3 }));
  eng.finish(10);
  assert.equal(sink.ended.length, 2);
  assert.deepEqual(sink.ended[0].pkts, [1, 1]);
  assert.equal(sink.ended[0].flow.communityId(), sink.ended[0].flow.communityId());
});

test('symmetricFlowHash is equal for both directions and differs across tuples', () => {
  const a = symmetricFlowHash(packet({ src: C, dst: SRV, sp: 1234, dp: 443, ts: 0 }));
  const b = symmetricFlowHash(packet({ src: SRV, dst: C, sp: 443, dp: 1234, ts: 0 }));
  const c = symmetricFlowHash(packet({ src: C, dst: SRV, sp: 1235, dp: 443, ts: 0 }));
  assert.equal(a, b);
  assert.notEqual(a, c);
  assert.ok(Number.isInteger(a) && a >= 0 && a < 2 ** 32);
  // Spread: the low bit splits many flows roughly evenly (workers shard by hash % n).
  let odd = 0;
  for (let i = 0; i < 1000; i++)
    odd += symmetricFlowHash(packet({ src: C, dst: SRV, sp: 20000 + i, dp: 443, ts: 0 })) & 1;
  assert.ok(odd > 400 && odd < 600, `odd ${odd}`);
});

test('IPv6 with IPv4-mapped addresses is not the IPv4 flow of the same words', () => {
  const { sink, eng } = engine();
  eng.handle(packet({ src: '1.2.3.4', dst: '5.6.7.8', sp: 63, dp: 6666, proto: IPPROTO_UDP, ts: 1 }));
  const p = packet({ src: '1.2.3.4', dst: '5.6.7.8', sp: 63, dp: 6666, proto: IPPROTO_UDP, ts: 2 });
  p.ipVersion = 6;
  eng.handle(p);
  eng.finish(3);
  assert.equal(sink.ended.length, 2);
});

test('flow ids of engines told their shard never collide', () => {
  const ids = new Set<number>();
  for (let index = 0; index < 3; index++) {
    const { sink, eng } = engine({ shard: { index, count: 3 } });
    for (let i = 0; i < 500; i++)
      eng.handle(packet({ src: C, dst: SRV, sp: 1000 + i, dp: 53, proto: IPPROTO_UDP, ts: i }));
    eng.finish(1000);
    for (const e of sink.ended) ids.add(e.flow.id);
  }
  assert.equal(ids.size, 1500);
});

test('one VLAN tag and the same tag with a priority-tagged inner header are different flows', () => {
  const { sink, eng } = engine();
  eng.handle(packet({ src: C, dst: SRV, sp: 1, dp: 2, proto: IPPROTO_UDP, ts: 1, vlan: [5] }));
  eng.handle(packet({ src: C, dst: SRV, sp: 1, dp: 2, proto: IPPROTO_UDP, ts: 2, vlan: [5, 0] }));
  eng.handle(packet({ src: SRV, dst: C, sp: 2, dp: 1, proto: IPPROTO_UDP, ts: 3, vlan: [5, 0] }));
  eng.finish(4);
  assert.deepEqual(
    sink.ended.map((e) => [e.flow.vlan, e.pkts]),
    [
      [[5], [1, 0]],
      [
        [5, 0],
        [1, 1],
      ],
    ],
  );
});
