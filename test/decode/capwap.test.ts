/**
 * CAPWAP data channel (RFC 5415, UDP 5247): real frames (suricata-verify's bug-2646-02 TLS session and dns-eve's
 * DNS exchanges) carried in CAPWAP data messages by capwap-capture.ts. The answer is tshark's dissection of the
 * built capture: the inner flows' addresses, ports, packets and bytes (the inner 802.3 frame, from its Ethernet
 * header), the frameless messages staying on the outer flow, and the malformed headers tshark flags. Then every
 * cut and mutation of a message decodes within bounds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeToEvents } from '../../src/pipeline/collect.js';
import { DECODE_OK } from '../../src/decode/decoded-packet.js';
import { LINKTYPE_ETHERNET } from '../../src/capture/index.js';
import { capwapCapture, capwapHeader, outerFrame } from './capwap-capture.js';
import { decodeFrame } from './helpers.js';

const SV = join(process.cwd(), '..', 'shared', 'corpus', 'suricata-verify', 'tests');
const SOURCES = [join(SV, 'bug-2646-02', 'input.pcap'), join(SV, 'dns', 'dns-eve', 'input.pcap')];
const skip = !SOURCES.every((s) => existsSync(s))
  ? 'needs ../shared/corpus'
  : spawnSync('which', ['tshark']).status !== 0
    ? 'needs tshark'
    : false;

function tshark(pcap: string, fields: string[]): string[][] {
  const out = execFileSync(
    'tshark',
    ['-r', pcap, '-T', 'fields', '-E', 'occurrence=a', ...fields.flatMap((f) => ['-e', f])],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  );
  return out
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => l.split('\t'));
}

interface FlowEve {
  src_ip: string;
  src_port: number;
  dest_ip: string;
  dest_port: number;
  proto: string;
  app_proto?: string;
  flow: { pkts_toserver: number; pkts_toclient: number; bytes_toserver: number; bytes_toclient: number };
}

test(
  'CAPWAP data: inner flows, outer flow and malformed headers as tshark dissects them',
  { skip },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'moat-capwap-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const pcap = join(dir, 'capwap.pcap');
    writeFileSync(pcap, await capwapCapture(SOURCES));

    const rows = tshark(pcap, [
      'frame.number',
      'frame.len',
      'capwap.header.length',
      'ip.src',
      'ip.dst',
      'tcp.srcport',
      'tcp.dstport',
      'udp.srcport',
      'udp.dstport',
      '_ws.expert.message',
    ]);
    // Inner flows from tshark: the frame inside CAPWAP is the frame minus outer Ethernet/IPv4/UDP and HLEN words.
    type Want = { pkts: [number, number]; bytes: [number, number]; first: string };
    const want = new Map<string, Want>();
    const outer = { pkts: 0, bytes: 0 };
    const malformed: number[] = [];
    for (const [no, len, hlen, src, dst, tsp, tdp, usp, udp, expert] of rows) {
      if (expert.includes('Malformed Packet')) malformed.push(Number(no));
      const srcs = src.split(',');
      if (srcs.length < 2) {
        outer.pkts++;
        outer.bytes += Number(len);
        continue;
      }
      const [is, id] = [srcs[1], dst.split(',')[1]];
      const tcp = tsp !== '';
      const sp = tcp ? tsp : usp.split(',')[1];
      const dp = tcp ? tdp : udp.split(',')[1];
      const a = `${is}:${sp}`;
      const b = `${id}:${dp}`;
      const key = `${tcp ? 'TCP' : 'UDP'} ${[a, b].sort().join(' ')}`;
      const w = want.get(key) ?? { pkts: [0, 0], bytes: [0, 0], first: a };
      const d = a === w.first ? 0 : 1;
      w.pkts[d]++;
      w.bytes[d] += Number(len) - 14 - 20 - 8 - 4 * Number(hlen);
      want.set(key, w);
    }
    assert.equal(want.size, 5, 'tshark sees the TLS session and four DNS exchanges inside CAPWAP');

    const { events } = await analyzeToEvents(pcap);
    const flows = events.filter((e) => e.event_type === 'flow') as unknown as FlowEve[];
    const got = new Map<string, Want>();
    let outerFlow: FlowEve | undefined;
    for (const f of flows) {
      if (f.src_ip === '10.99.0.1' || f.src_ip === '10.99.0.2') {
        outerFlow = f;
        continue;
      }
      const a = `${f.src_ip}:${f.src_port}`;
      const b = `${f.dest_ip}:${f.dest_port}`;
      got.set(`${f.proto} ${[a, b].sort().join(' ')}`, {
        pkts: [f.flow.pkts_toserver, f.flow.pkts_toclient],
        bytes: [f.flow.bytes_toserver, f.flow.bytes_toclient],
        first: a,
      });
    }
    assert.deepEqual(got, want);
    // The keep-alive, the DTLS message and the two malformed ones stay on the outer flow, counted whole.
    assert.ok(outerFlow);
    assert.equal(outerFlow.flow.pkts_toserver + outerFlow.flow.pkts_toclient, outer.pkts);
    assert.equal(outerFlow.flow.bytes_toserver + outerFlow.flow.bytes_toclient, outer.bytes);
    // The inner application layer is read: the TLS session's SNI and the DNS messages.
    const tls = events.filter((e) => e.event_type === 'tls') as unknown as Array<{ tls: { sni: string } }>;
    assert.deepEqual(
      tls.map((e) => e.tls.sni),
      tshark(pcap, ['tls.handshake.extensions_server_name'])
        .flat()
        .filter((s) => s !== ''),
    );
    assert.equal(
      events.filter((e) => e.event_type === 'dns').length,
      tshark(pcap, ['dns.id']).filter(([x]) => x !== '').length,
    );
    // The malformed headers: the frames tshark flags, with moat's event naming the fault.
    const anomalies = events.filter((e) => e.event_type === 'anomaly') as unknown as Array<{
      pcap_cnt: number;
      anomaly: { event: string };
    }>;
    assert.deepEqual(
      anomalies.map((a) => a.pcap_cnt),
      malformed,
    );
    assert.deepEqual(
      anomalies.map((a) => a.anomaly.event),
      ['decoder.moat.capwap_hlen_invalid', 'decoder.moat.capwap_header_too_small'],
    );
  },
);

test('CAPWAP: every cut and damaged header decodes within bounds, never as a wrong inner packet', () => {
  // A real-shaped inner frame: Ethernet / IPv4 / UDP 53.
  const inner = Buffer.from(
    '0001022e83659c80df207a440800450000270001000040110000c0a80001c0a8000204d200350013000068656c6c6f000000000000',
    'hex',
  );
  const msg = Buffer.concat([capwapHeader({ radioMac: Buffer.from('0a1b2c3d4e5f', 'hex') }), inner]);
  const whole = decodeFrame(outerFrame(true, msg, 1), LINKTYPE_ETHERNET);
  assert.equal(whole.r, DECODE_OK);
  assert.equal(whole.src, '192.168.0.1');
  assert.equal(whole.pkt.dstPort, 53);
  assert.equal(whole.pkt.tunnelDepth, 1);
  // Every length of the CAPWAP message (UDP length consistent): the outer datagram, or the inner packet when whole.
  for (let n = 0; n <= msg.length; n++) {
    const d = decodeFrame(outerFrame(true, msg.subarray(0, n), 1), LINKTYPE_ETHERNET);
    assert.ok(d.src === '10.99.0.1' || d.src === '192.168.0.1', `length ${n}: ${d.src}`);
    if (n < 8) assert.equal(d.pkt.anomaly, n === 0 ? '' : 'decoder.moat.capwap_header_too_small');
    else if (n < 16) assert.equal(d.pkt.anomaly, 'decoder.moat.capwap_hlen_invalid');
  }
  // Cut by the capture (snap length), not malformed: truncated, no event.
  const frame = outerFrame(true, msg, 1);
  const cut = decodeFrame(frame, LINKTYPE_ETHERNET, { caplen: 14 + 20 + 8 + 5 });
  assert.equal(cut.pkt.anomaly, '');
  // Every value of each header byte: no throw, no internal error.
  for (let i = 0; i < 16; i++)
    for (let v = 0; v < 256; v++) {
      const m = Buffer.from(msg);
      m[i] = v;
      const d = decodeFrame(outerFrame(true, m, 1), LINKTYPE_ETHERNET);
      assert.notEqual(d.pkt.anomaly, 'decoder.moat.internal_error');
    }
  // Keep-alive, fragment, native (802.11) and DTLS messages are not decapsulated.
  const flag = (byte: number, bit: number): Buffer => {
    const m = Buffer.from(msg);
    m[byte] |= bit;
    return m;
  };
  for (const m of [flag(3, 0x08), flag(3, 0x80), flag(2, 0x01), flag(0, 0x01)]) {
    const d = decodeFrame(outerFrame(true, m, 1), LINKTYPE_ETHERNET);
    assert.equal(d.src, '10.99.0.1');
    assert.equal(d.pkt.tunnelDepth, 0);
  }
});
