/** App detection by content probes handed to the flow tracker (the pipeline hands it proto/'s), and what parsers receive. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createFlowTracker,
  PROBE_MATCH,
  PROBE_NEED_MORE,
  PROBE_NO,
  type AppAnomalyRecord,
  type AppContext,
  type AppProtoName,
  type AppProtocols,
  type DatagramParser,
  type DatagramProtocolDef,
  type Direction,
  type ProbeResult,
  type StreamParser,
  type StreamProtocolDef,
} from '../../src/flow/index.js';
import { IPPROTO_UDP, TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN } from '../../src/decode/decoded-packet.js';
import { packet, RecordingSink } from './packets.js';

/** A line protocol that starts with `magic` from the client; every delivery is logged as a record. */
function lineProtocol(
  proto: AppProtoName,
  magic: string,
  log: string[],
  opts: { throwOn?: string } = {},
): StreamProtocolDef {
  const m = Buffer.from(magic, 'latin1');
  return {
    proto,
    probe(dir: Direction, buf: Buffer, off: number, len: number): ProbeResult {
      if (dir !== 0) return PROBE_NO;
      const n = Math.min(len, m.length);
      if (buf.compare(m, 0, n, off, off + n) !== 0) return PROBE_NO;
      return len >= m.length ? PROBE_MATCH : PROBE_NEED_MORE;
    },
    create(ctx: AppContext): StreamParser {
      return {
        proto,
        onData(dir: Direction, buf: Buffer, off: number, len: number, tsUs: number): void {
          const text = buf.toString('latin1', off, off + len);
          if (opts.throwOn && text.includes(opts.throwOn)) throw new Error(`cannot parse ${opts.throwOn}`);
          log.push(`${dir}:${text}`);
          ctx.emit({ type: 'anomaly', anomaly: { event: `${proto}.data`, detail: text } }, tsUs);
        },
        onGap(dir: Direction, len: number): void {
          log.push(`${dir}:gap ${len}`);
        },
        onEnd(): void {
          log.push('end');
        },
      };
    },
  };
}

const C = '192.168.1.10';
const SRV = '192.168.1.20';
const c2s = { src: C, dst: SRV, sp: 51000, dp: 9999 };
const s2c = { src: SRV, dst: C, sp: 9999, dp: 51000 };

function run(protocols: Partial<AppProtocols>): {
  sink: RecordingSink;
  eng: ReturnType<typeof createFlowTracker>;
} {
  const sink = new RecordingSink();
  return {
    sink,
    eng: createFlowTracker(sink, { stream: protocols.stream ?? [], datagram: protocols.datagram ?? [] }),
  };
}

function handshake(eng: ReturnType<typeof createFlowTracker>): void {
  eng.handle(packet({ ...c2s, flags: TCP_SYN, seq: 10, ts: 1 }));
  eng.handle(packet({ ...s2c, flags: TCP_SYN | TCP_ACK, seq: 500, ts: 2 }));
  eng.handle(packet({ ...c2s, flags: TCP_ACK, seq: 11, ts: 3 }));
}

test('detection by content, not port: the matching probe creates the parser and sees every byte in order', () => {
  const log: string[] = [];
  const other: string[] = [];
  const { sink, eng } = run({
    stream: [lineProtocol('http', 'ZZZZ', other), lineProtocol('tls', 'PING', log)],
  });
  handshake(eng);
  eng.handle(packet({ ...c2s, flags: TCP_ACK | TCP_PSH, seq: 11, payload: 'PI', ts: 4 })); // probe needs more
  eng.handle(packet({ ...c2s, flags: TCP_ACK | TCP_PSH, seq: 19, payload: ' world', ts: 6 })); // out of order
  eng.handle(packet({ ...c2s, flags: TCP_ACK | TCP_PSH, seq: 13, payload: 'NG one', ts: 5 }));
  // The server acknowledges the first 8 client bytes ("PING one") only.
  eng.handle(packet({ ...s2c, flags: TCP_ACK | TCP_PSH, seq: 501, ack: 19, payload: 'PONG', ts: 7 }));
  assert.equal(sink.records.length, 1, 'only the acknowledged bytes made a record so far');
  eng.handle(packet({ ...c2s, flags: TCP_ACK | TCP_FIN, seq: 25, ack: 505, ts: 8 }));
  eng.finish(10);
  assert.deepEqual(other, []);
  assert.equal(log.join('|'), '0:PING one|0: world|1:PONG|end');
  assert.equal(sink.ended[0].flow.appProto, 'tls');
  assert.equal(sink.records.length, 3);
  assert.equal(sink.records[0].record.type, 'anomaly');
  assert.equal(sink.records[0].flow, sink.ended[0].flow);
  // As Suricata's IDS mode: the app layer's records come with the packet that acknowledged their bytes.
  assert.equal(sink.records[0].tsUs, 7, 'the record time is the packet that acknowledged the bytes');
  assert.equal(sink.records[1].tsUs, 8, "the server's record: the client's ACK of it");
  assert.equal(sink.records[2].tsUs, 10, 'bytes never acknowledged: at the end of the flow');
});

test('bytes the server sent while the client side was undecided reach the parser first', () => {
  const log: string[] = [];
  const { eng } = run({ stream: [lineProtocol('http', 'GET ', log)] });
  handshake(eng);
  eng.handle(packet({ ...s2c, flags: TCP_ACK | TCP_PSH, seq: 501, payload: 'banner', ts: 4 }));
  eng.handle(packet({ ...c2s, flags: TCP_ACK | TCP_PSH, seq: 11, payload: 'GE', ts: 5 }));
  eng.handle(packet({ ...c2s, flags: TCP_ACK | TCP_PSH, seq: 13, payload: 'T /', ts: 6 }));
  eng.finish(10);
  assert.equal(log.join('|'), '0:GET /|end');
});

test('no probe matches: the flow is unknown and no longer reassembled', () => {
  const log: string[] = [];
  const { sink, eng } = run({ stream: [lineProtocol('http', 'GET ', log)] });
  handshake(eng);
  eng.handle(packet({ ...c2s, flags: TCP_ACK | TCP_PSH, seq: 11, payload: 'SSH-2.0', ts: 4 }));
  eng.handle(packet({ ...s2c, flags: TCP_ACK | TCP_PSH, seq: 501, payload: 'SSH-2.0', ts: 5 }));
  // A hole after detection gave up is not reassembled, so not a gap.
  eng.handle(packet({ ...c2s, flags: TCP_ACK | TCP_PSH, seq: 5000, payload: 'GET x', ts: 6 }));
  eng.handle(packet({ ...c2s, flags: TCP_ACK | TCP_FIN, seq: 6000, ts: 7 }));
  eng.finish(10);
  assert.deepEqual(log, []);
  assert.equal(sink.ended[0].flow.appProto, 'unknown');
  assert.equal(eng.stats.tcpGaps, 0);
  assert.deepEqual(sink.ended[0].pkts, [5, 2]);
});

test('a probe that keeps asking for more gives up at the buffer bound', () => {
  const log: string[] = [];
  const greedy: StreamProtocolDef = { ...lineProtocol('http', 'x', log), probe: () => PROBE_NEED_MORE };
  const { sink, eng } = run({ stream: [greedy] });
  handshake(eng);
  let seq = 11;
  for (let i = 0; i < 10; i++) {
    eng.handle(packet({ ...c2s, flags: TCP_ACK, seq, payload: Buffer.alloc(1000, 65), ts: 4 + i }));
    seq += 1000;
  }
  eng.handle(packet({ ...s2c, flags: TCP_ACK, seq: 501, payload: Buffer.alloc(5000, 66), ts: 20 }));
  eng.finish(30);
  assert.equal(sink.ended[0].flow.appProto, 'unknown');
  assert.deepEqual(log, []);
});

test('a gap reaches the parser; the flow end flushes held bytes as gap + data', () => {
  const log: string[] = [];
  const { sink, eng } = run({ stream: [lineProtocol('http', 'GET ', log)] });
  handshake(eng);
  eng.handle(packet({ ...c2s, flags: TCP_ACK | TCP_PSH, seq: 11, payload: 'GET /a', ts: 4 }));
  eng.handle(packet({ ...c2s, flags: TCP_ACK | TCP_PSH, seq: 30, payload: 'tail', ts: 5 }));
  eng.finish(10);
  assert.equal(log.join('|'), '0:GET /a|0:gap 13|0:tail|end');
  assert.equal(eng.stats.tcpGaps, 1);
  assert.equal(sink.ended[0].flow.gapBytes, 13);
});

test('an overlap with different bytes is reported as a stream anomaly on the flow', () => {
  const log: string[] = [];
  const { sink, eng } = run({ stream: [lineProtocol('http', 'GET ', log)] });
  handshake(eng);
  eng.handle(packet({ ...c2s, flags: TCP_ACK, seq: 15, payload: '/index', ts: 4 }));
  eng.handle(packet({ ...c2s, flags: TCP_ACK, seq: 11, payload: 'GET /evil!', ts: 5 }));
  eng.finish(10);
  // First data wins: the held "/index" stays, only "GET " of the later segment is new.
  assert.equal(log.map((l) => l.replace(/^0:/, '')).join(''), 'GET /indexend');
  assert.deepEqual(
    sink.anomalies.map((a) => a.event),
    ['stream.reassembly_overlap_different_data'],
  );
  assert.equal(sink.anomalies[0].flow, sink.ended[0].flow);
});

test('a parser that throws is switched off for its flow and reported; the engine goes on', () => {
  const log: string[] = [];
  const { sink, eng } = run({ stream: [lineProtocol('http', 'GET ', log, { throwOn: 'BOOM' })] });
  handshake(eng);
  eng.handle(packet({ ...c2s, flags: TCP_ACK, seq: 11, payload: 'GET BOOM', ts: 4 }));
  eng.handle(packet({ ...c2s, flags: TCP_ACK, seq: 19, payload: 'more', ts: 5 }));
  eng.handle(
    packet({ src: '1.1.1.1', dst: '2.2.2.2', sp: 1, dp: 2, flags: TCP_ACK, payload: 'GET ok', ts: 6 }),
  );
  eng.finish(10);
  const events = sink.records.map((r) =>
    r.record.type === 'anomaly' ? (r.record as AppAnomalyRecord).anomaly.event : r.record.type,
  );
  assert.deepEqual(events, ['http.parser_error', 'http.data']);
  assert.equal(log.join('|'), '0:GET ok|end');
});

test('midstream pickup: a flow seen without its handshake is detected and parsed', () => {
  const log: string[] = [];
  const { sink, eng } = run({ stream: [lineProtocol('http', 'GET ', log)] });
  eng.handle(packet({ ...c2s, flags: TCP_ACK | TCP_PSH, seq: 123456, payload: 'GET /mid', ts: 4 }));
  eng.handle(packet({ ...s2c, flags: TCP_ACK | TCP_PSH, seq: 999, payload: 'HTTP/1.1 200', ts: 5 }));
  eng.finish(10);
  assert.equal(log.join('|'), '0:GET /mid|1:HTTP/1.1 200|end');
  assert.equal(sink.ended[0].state, 'established');
});

test('UDP: the datagram probe picks the parser, which gets whole datagrams per direction', () => {
  const got: string[] = [];
  const def: DatagramProtocolDef = {
    proto: 'dns',
    probe: (_dir, buf, off, len, sp, dp) =>
      len >= 2 && buf[off] === 0xab && (sp === 53 || dp === 53) ? PROBE_MATCH : PROBE_NO,
    create(ctx: AppContext): DatagramParser {
      return {
        proto: 'dns',
        onDatagram(dir: Direction, buf: Buffer, off: number, len: number, tsUs: number): void {
          got.push(`${dir}:${buf.toString('hex', off, off + len)}`);
          ctx.emit({ type: 'anomaly', anomaly: { event: 'dns.seen' } }, tsUs);
        },
        onEnd(): void {
          got.push('end');
        },
      };
    },
  };
  const { sink, eng } = run({ datagram: [def] });
  const q = { src: C, dst: SRV, sp: 40000, dp: 53, proto: IPPROTO_UDP };
  const r = { src: SRV, dst: C, sp: 53, dp: 40000, proto: IPPROTO_UDP };
  eng.handle(packet({ ...q, payload: Buffer.from([0xab, 1]), ts: 1 }));
  eng.handle(packet({ ...r, payload: Buffer.from([0xab, 2, 3]), ts: 2 }));
  // Another flow whose datagrams never match is given up after a few tries.
  for (let i = 0; i < 10; i++) eng.handle(packet({ ...q, sp: 40001, payload: 'zz', ts: 3 + i }));
  eng.finish(100);
  assert.deepEqual(got, ['0:ab01', '1:ab0203', 'end']);
  assert.equal(sink.ended.find((e) => e.srcPort === 40000)!.flow.appProto, 'dns');
  assert.equal(sink.ended.find((e) => e.srcPort === 40001)!.flow.appProto, 'unknown');
  assert.equal(sink.records.length, 2);
});

test('a reset ends the app layer at once (parser end before the flow record), freeing its state', () => {
  const log: string[] = [];
  const { sink, eng } = run({ stream: [lineProtocol('http', 'GET ', log)] });
  handshake(eng);
  eng.handle(packet({ ...c2s, flags: TCP_ACK | TCP_PSH, seq: 11, payload: 'GET /', ts: 4 }));
  eng.handle(packet({ ...c2s, flags: TCP_ACK | TCP_PSH, seq: 30, payload: 'late', ts: 5 }));
  eng.handle(packet({ ...s2c, flags: TCP_RST, seq: 501, ts: 6 }));
  assert.equal(log.join('|'), '0:GET /|0:gap 14|0:late|end');
  assert.equal(sink.ended.length, 0);
  eng.handle(packet({ ...c2s, flags: TCP_ACK | TCP_PSH, seq: 34, payload: 'after', ts: 7 }));
  eng.finish(10);
  assert.equal(log.length, 4, 'nothing after the end');
  assert.equal(sink.ended[0].flow.gapBytes, 14);
  assert.equal(sink.ended[0].flow.appProto, 'http');
});

test('a probe that throws counts as no match; the next probe still gets its chance', () => {
  const log: string[] = [];
  const broken: StreamProtocolDef = {
    ...lineProtocol('tls', 'x', []),
    probe: () => {
      throw new RangeError('index out of range');
    },
  };
  const { sink, eng } = run({ stream: [broken, lineProtocol('http', 'GET ', log)] });
  handshake(eng);
  eng.handle(packet({ ...c2s, flags: TCP_ACK, seq: 11, payload: 'GET /', ts: 4 }));
  eng.finish(10);
  assert.equal(sink.ended[0].flow.appProto, 'http');
  assert.equal(log.join('|'), '0:GET /|end');
});

test('a peer that never sent a packet (one-sided capture) does not hold records back', () => {
  const log: string[] = [];
  const { sink, eng } = run({ stream: [lineProtocol('tls', 'PING', log)] });
  // Only the client's side was captured: a SYN, then data with acknowledgments that name bytes never seen.
  eng.handle(packet({ ...c2s, flags: TCP_SYN, seq: 10, ts: 1 }));
  eng.handle(packet({ ...c2s, flags: TCP_ACK | TCP_PSH, seq: 11, ack: 900, payload: 'PING', ts: 2 }));
  assert.equal(sink.records.length, 1);
  assert.equal(sink.records[0].tsUs, 2, 'the record comes with the packet that completed it');
  eng.finish(10);
});
