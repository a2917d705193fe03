/** EVE flow records in Suricata's schema, from a flow built by the engine. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createFlowTracker, NO_PROTOCOLS } from '../../src/flow/index.js';
import type { FlowEndReason, FlowView } from '../../src/flow/index.js';
import { writeFlowRecord } from '../../src/output/eve/flow.js';
import { IPPROTO_UDP, TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN } from '../../src/decode/decoded-packet.js';
import { writtenRecords } from '../helpers/eve-object.js';
import { packet, RecordingSink } from './packets.js';

/** The flow record as written, read back. */
function flowRecord(f: FlowView, reason: FlowEndReason): Record<string, unknown> {
  return writtenRecords((o) => writeFlowRecord(o, f, reason, f.lastUs, undefined))[0];
}
const flowEve = (f: FlowView, reason: FlowEndReason): Record<string, unknown> =>
  flowRecord(f, reason).flow as Record<string, unknown>;
const flowTcpEve = (f: FlowView): Record<string, unknown> | undefined =>
  flowRecord(f, 'shutdown').tcp as Record<string, unknown> | undefined;

const T0 = Date.UTC(2016, 4, 27, 6, 56, 11) * 1000 + 304062;

test('flow records hold counters, times, age in whole seconds, state and reason like Suricata', () => {
  const sink = new RecordingSink();
  const eng = createFlowTracker(sink, NO_PROTOCOLS);
  const c = { src: '10.16.1.11', dst: '82.165.177.154', sp: 46652, dp: 80 };
  const s = { src: '82.165.177.154', dst: '10.16.1.11', sp: 80, dp: 46652 };
  eng.handle(packet({ ...c, flags: TCP_SYN, ts: T0, wireLen: 74 }));
  eng.handle(packet({ ...s, flags: TCP_SYN | TCP_ACK, ts: T0 + 100, wireLen: 74 }));
  eng.handle(packet({ ...c, flags: TCP_ACK | TCP_PSH, payload: 'x', ts: T0 + 200, wireLen: 66 }));
  eng.handle(packet({ ...c, flags: TCP_ACK | TCP_FIN, ts: T0 + 1_596_861, wireLen: 66 }));
  eng.finish(T0 + 2_000_000);
  const f = sink.ended[0].flow;
  assert.deepEqual(flowEve(f, 'shutdown'), {
    pkts_toserver: 3,
    pkts_toclient: 1,
    bytes_toserver: 206,
    bytes_toclient: 74,
    start: '2016-05-27T06:56:11.304062+0000',
    end: '2016-05-27T06:56:12.900923+0000',
    age: 1,
    state: 'established',
    reason: 'shutdown',
    alerted: false,
  });
  assert.deepEqual(flowTcpEve(f), {
    tcp_flags: '1b',
    tcp_flags_ts: '1b',
    tcp_flags_tc: '12',
    syn: true,
    fin: true,
    psh: true,
    ack: true,
    state: 'close_wait',
    // Suricata 8's stream buffer regions: 1 for a stream that never held data past a hole.
    ts_max_regions: 1,
    tc_max_regions: 1,
  });
});

test('tcp flags and state after a reset; no tcp object for UDP', () => {
  const sink = new RecordingSink();
  const eng = createFlowTracker(sink, NO_PROTOCOLS);
  const c = { src: '192.168.0.253', dst: '151.101.36.133', sp: 50282, dp: 443 };
  const s = { src: '151.101.36.133', dst: '192.168.0.253', sp: 443, dp: 50282 };
  eng.handle(packet({ ...c, flags: TCP_SYN, ts: T0 }));
  eng.handle(packet({ ...s, flags: TCP_SYN | TCP_ACK, ts: T0 + 1 }));
  eng.handle(packet({ ...c, flags: TCP_ACK, ts: T0 + 2 }));
  eng.handle(packet({ ...s, flags: TCP_ACK | TCP_PSH | TCP_FIN, ts: T0 + 3 }));
  eng.handle(packet({ ...c, flags: TCP_ACK | TCP_PSH, ts: T0 + 4 }));
  eng.handle(packet({ ...c, flags: TCP_RST, ts: T0 + 5 }));
  eng.handle(packet({ src: '1.1.1.1', dst: '2.2.2.2', sp: 5, dp: 6, proto: IPPROTO_UDP, ts: T0 + 6 }));
  eng.finish(T0 + 10);
  const tcp = flowTcpEve(sink.ended[0].flow)!;
  assert.equal(tcp.tcp_flags, '1f');
  assert.equal(tcp.tcp_flags_ts, '1e');
  assert.equal(tcp.tcp_flags_tc, '1b');
  assert.equal(tcp.rst, true);
  assert.equal(tcp.state, 'closed');
  assert.equal(sink.ended[0].flow.state, 'closed');
  assert.equal(flowTcpEve(sink.ended[1].flow), undefined);
  assert.equal(flowEve(sink.ended[1].flow, 'timeout').state, 'new');
});
