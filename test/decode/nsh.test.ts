/**
 * NSH (RFC 8300, ethertype 0x894F) on suricata-verify's MD type 1 and MD type 2 captures: the inner packet's
 * addresses, ports and payload are tshark's dissection of the same frames. Then each malformed header Suricata
 * flags raises its event (bad version, length, MD type, next protocol), and an unknown ethertype raises
 * decoder.ethernet.unknown_ethertype where tshark sees no protocol it knows past Ethernet.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { LINKTYPE_ETHERNET } from '../../src/capture/index.js';
import { hasDecoderEvent } from '../../src/decode/anomalies.js';
import { DECODE_ERROR, DECODE_NOT_IP, DECODE_OK } from '../../src/decode/decoded-packet.js';
import { analyzeToEvents } from '../../src/pipeline/collect.js';
import { eveOptionsOf } from '../../src/pipeline/eve-config.js';
import { readPackets } from './corpus-frames.js';
import { decodeFrame } from './helpers.js';

const SV = join(process.cwd(), '..', 'shared', 'corpus', 'suricata-verify', 'tests');
const NSH_PCAPS = ['decode-nsh-type1', 'decode-nsh-type2'].map((t) => join(SV, t, 'input.pcap'));
const UNKNOWN_PCAP = join(SV, 'decode-unknown-1', 'input.pcap');
const skip = ![...NSH_PCAPS, UNKNOWN_PCAP].every((p) => existsSync(p))
  ? 'needs ../shared/corpus'
  : spawnSync('which', ['tshark']).status !== 0
    ? 'needs tshark'
    : false;

function tsharkFields(pcap: string, fields: string[]): string[] {
  const out = execFileSync('tshark', ['-r', pcap, '-T', 'fields', ...fields.flatMap((f) => ['-e', f])], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return out.split('\n')[0].split('\t');
}

async function firstFrame(pcap: string): Promise<Buffer> {
  const pkts = await readPackets(pcap);
  assert.ok(pkts && pkts.length === 1, `${pcap}: one packet`);
  return pkts[0].frame;
}

test('NSH MD type 1 and 2: the inner UDP packet as tshark dissects it', { skip }, async () => {
  for (const pcap of NSH_PCAPS) {
    const [md, next, src, dst, sport, dport, data] = tsharkFields(pcap, [
      'nsh.mdtype',
      'nsh.nextproto',
      'ip.src',
      'ip.dst',
      'udp.srcport',
      'udp.dstport',
      'data.data',
    ]);
    assert.ok(md === '1' || md === '2', `${pcap}: MD type ${md}`);
    assert.equal(next, '1');
    const d = decodeFrame(await firstFrame(pcap), LINKTYPE_ETHERNET);
    assert.equal(d.r, DECODE_OK, pcap);
    assert.equal(d.pkt.eventCount, 0, `${pcap}: no decoder events`);
    assert.equal(d.src, src);
    assert.equal(d.dst, dst);
    assert.equal(d.pkt.proto, 17);
    assert.equal(d.pkt.srcPort, Number(sport));
    assert.equal(d.pkt.dstPort, Number(dport));
    assert.equal(d.payload.toString('hex'), data);
  }
});

test('NSH: malformed headers raise Suricata decoder events', { skip }, async () => {
  const md2 = await firstFrame(NSH_PCAPS[1]);
  const md1 = await firstFrame(NSH_PCAPS[0]);
  const NSH = 14;
  const cases: { name: string; frame: Buffer; event: string; r: number }[] = [];
  const mut = (base: Buffer, at: number, v: number): Buffer => {
    const f = Buffer.from(base);
    f[NSH + at] = v;
    return f;
  };
  cases.push({
    name: 'version 3',
    frame: mut(md2, 0, 0xc0),
    event: 'decoder.nsh.unsupported_version',
    r: DECODE_NOT_IP,
  });
  cases.push({
    name: 'length past the frame',
    frame: mut(md2, 1, 0x3f),
    event: 'decoder.nsh.bad_header_length',
    r: DECODE_ERROR,
  });
  cases.push({
    name: 'MD type 0',
    frame: mut(md2, 2, 0),
    event: 'decoder.nsh.reserved_type',
    r: DECODE_NOT_IP,
  });
  cases.push({
    name: 'MD type 0xF',
    frame: mut(md2, 2, 0x0f),
    event: 'decoder.nsh.reserved_type',
    r: DECODE_NOT_IP,
  });
  cases.push({
    name: 'MD type 1 of 8 bytes',
    frame: mut(md2, 2, 1),
    event: 'decoder.nsh.bad_header_length',
    r: DECODE_ERROR,
  });
  cases.push({
    name: 'MD type 3',
    frame: mut(md1, 2, 3),
    event: 'decoder.nsh.unsupported_type',
    r: DECODE_NOT_IP,
  });
  cases.push({
    name: 'NSH in NSH',
    frame: mut(md1, 3, 4),
    event: 'decoder.nsh.unknown_payload',
    r: DECODE_NOT_IP,
  });
  cases.push({
    name: 'next protocol 0x99',
    frame: mut(md1, 3, 0x99),
    event: 'decoder.nsh.unknown_payload',
    r: DECODE_NOT_IP,
  });
  cases.push({
    name: 'header cut',
    frame: md2.subarray(0, NSH + 7),
    event: 'decoder.nsh.header_too_small',
    r: DECODE_ERROR,
  });
  for (const c of cases) {
    const d = decodeFrame(c.frame, LINKTYPE_ETHERNET);
    assert.equal(d.r, c.r, c.name);
    assert.ok(
      hasDecoderEvent(d.pkt, c.event),
      `${c.name}: ${c.event} (got ${d.pkt.events.slice(0, d.pkt.eventCount).join()})`,
    );
  }
  // Every cut of a valid frame stays within bounds and raises no internal error.
  for (const base of [md1, md2])
    for (let n = 0; n <= base.length; n++) {
      const d = decodeFrame(base.subarray(0, n), LINKTYPE_ETHERNET);
      assert.ok(!hasDecoderEvent(d.pkt, 'decoder.moat.internal_error'), `cut at ${n}`);
    }
});

test('an ethertype no decoder knows raises decoder.ethernet.unknown_ethertype', { skip }, async () => {
  const [type, protos] = tsharkFields(UNKNOWN_PCAP, ['eth.type', 'frame.protocols']);
  assert.equal(protos, 'eth', 'tshark knows no protocol past Ethernet');
  const frame = await firstFrame(UNKNOWN_PCAP);
  assert.equal(frame.readUInt16BE(12), Number(type));
  const d = decodeFrame(frame, LINKTYPE_ETHERNET);
  assert.equal(d.r, DECODE_NOT_IP);
  assert.ok(hasDecoderEvent(d.pkt, 'decoder.ethernet.unknown_ethertype'));
  // An ethertype moat decodes (NSH) or Suricata takes without moat decoding it (PPPoE discovery) raises none.
  for (const t of [0x894f, 0x8863]) {
    const f = Buffer.from(frame);
    f.writeUInt16BE(t, 12);
    assert.ok(!hasDecoderEvent(decodeFrame(f, LINKTYPE_ETHERNET).pkt, 'decoder.ethernet.unknown_ethertype'));
  }
});

test(
  'the unknown-ethertype anomaly record carries the ether object with ethernet: yes',
  { skip },
  async () => {
    const [type, src, dst] = tsharkFields(UNKNOWN_PCAP, ['eth.type', 'eth.src', 'eth.dst']);
    const custom = eveOptionsOf({ outputs: [{ 'eve-log': { ethernet: 'yes', types: ['anomaly'] } }] }).custom;
    assert.equal(custom.ethernet, true);
    const { events } = await analyzeToEvents(UNKNOWN_PCAP, { eveTypes: ['anomaly'], eveCustom: custom });
    const anomalies = events.filter((e) => e.event_type === 'anomaly');
    assert.equal(anomalies.length, 1);
    const a = anomalies[0] as unknown as {
      anomaly: { type: string; event: string };
      ether: { ether_type: number; src_mac: string; dest_mac: string };
    };
    assert.deepEqual(a.anomaly, { type: 'decode', event: 'decoder.ethernet.unknown_ethertype' });
    assert.deepEqual(a.ether, { ether_type: Number(type), src_mac: src, dest_mac: dst });
    // Without the option the record has no ether object.
    const plain = await analyzeToEvents(UNKNOWN_PCAP, { eveTypes: ['anomaly'] });
    assert.equal(plain.events.length, 1);
    assert.equal('ether' in plain.events[0], false);
  },
);
