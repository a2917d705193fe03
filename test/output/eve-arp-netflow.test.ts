/**
 * The opt-in EVE types `arp` and `netflow` on real captures, against tshark's dissection of the same packets: each
 * ARP packet's opcode and addresses, and each TCP connection's per-direction packets, bytes, TTL range and flags.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { analyzeToEvents } from '../../src/pipeline/index.js';
import { hasTshark } from '../helpers/tshark.js';

const SV = '../shared/corpus/suricata-verify/tests';
const ARP_PCAPS = [
  `${SV}/decode-arp-2/arp.pcap`,
  // ARP inside GRE inside IPv4 over a VLAN.
  `${SV}/decode-arp-3/arp-encap.pcap`,
  `${SV}/ssh-banner-only/input.pcap`,
];
const NETFLOW_PCAPS = [`${SV}/eve-metadata/testmyids.pcap`, `${SV}/ssh-banner-only/input.pcap`];

function tsharkFields(pcap: string, filter: string, fields: string[]): string[][] {
  const out = spawnSync(
    'tshark',
    ['-r', pcap, '-Y', filter, '-T', 'fields', ...fields.flatMap((f) => ['-e', f])],
    { encoding: 'utf8' },
  ).stdout;
  return out
    .trimEnd()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split('\t'));
}

const OPCODES: Record<string, string> = {
  '1': 'request',
  '2': 'reply',
  '3': 'request_reverse',
  '4': 'reply_reverse',
};

test('arp records name each ARP packet as tshark dissects it, and only when asked for', async (t) => {
  if (!hasTshark()) return t.skip('tshark not installed');
  const pcaps = ARP_PCAPS.filter((p) => existsSync(p));
  if (pcaps.length === 0) return t.skip('corpus not present');
  for (const pcap of pcaps) {
    const want = tsharkFields(pcap, 'arp', [
      'frame.number',
      'arp.opcode',
      'arp.src.hw_mac',
      'arp.src.proto_ipv4',
      'arp.dst.hw_mac',
      'arp.dst.proto_ipv4',
    ]).map(([n, op, sm, si, dm, di]) => ({
      pcap_cnt: Number(n),
      arp: {
        hw_type: 'ethernet',
        proto_type: 'ipv4',
        opcode: OPCODES[op],
        src_mac: sm,
        src_ip: si,
        dest_mac: dm,
        dest_ip: di,
      },
    }));
    assert.ok(want.length > 0, pcap);
    const { events } = await analyzeToEvents(pcap, { eveCustom: { extraTypes: ['arp'] } });
    const got = events
      .filter((e) => e.event_type === 'arp')
      .map((e) => ({ pcap_cnt: e.pcap_cnt, arp: e.arp }));
    assert.deepEqual(got, want, pcap);
    const plain = await analyzeToEvents(pcap);
    assert.equal(plain.events.filter((e) => e.event_type === 'arp').length, 0, 'arp is opt-in');
  }
});

test('netflow records hold each direction of a TCP connection as tshark counts it', async (t) => {
  if (!hasTshark()) return t.skip('tshark not installed');
  const pcaps = NETFLOW_PCAPS.filter((p) => existsSync(p));
  if (pcaps.length === 0) return t.skip('corpus not present');
  let compared = 0;
  for (const pcap of pcaps) {
    // Per TCP connection and sender: packets, bytes on the wire, TTL range, flags OR-ed.
    const per = new Map<string, { pkts: number; bytes: number; min: number; max: number; flags: number }>();
    for (const [src, sport, dst, dport, len, ttl, flags] of tsharkFields(pcap, 'tcp && ip', [
      'ip.src',
      'tcp.srcport',
      'ip.dst',
      'tcp.dstport',
      'frame.len',
      'ip.ttl',
      'tcp.flags',
    ])) {
      const k = `${src}:${sport}>${dst}:${dport}`;
      const v = per.get(k) ?? { pkts: 0, bytes: 0, min: 255, max: 0, flags: 0 };
      v.pkts++;
      v.bytes += Number(len);
      v.min = Math.min(v.min, Number(ttl));
      v.max = Math.max(v.max, Number(ttl));
      v.flags |= Number(flags);
      per.set(k, v);
    }
    const { events } = await analyzeToEvents(pcap, {
      eveCustom: { extraTypes: ['netflow'] },
      flow: { midstream: true },
    });
    const netflows = events.filter((e) => e.event_type === 'netflow' && e.proto === 'TCP');
    assert.ok(netflows.length > 0, pcap);
    for (const e of netflows) {
      const k = `${String(e.src_ip)}:${String(e.src_port)}>${String(e.dest_ip)}:${String(e.dest_port)}`;
      const want = per.get(k);
      assert.ok(want, `${pcap}: tshark has no packets ${k}`);
      const nf = e.netflow as Record<string, unknown>;
      const tcp = e.tcp as Record<string, unknown>;
      assert.deepEqual(
        {
          pkts: nf.pkts,
          bytes: nf.bytes,
          min: nf.min_ttl,
          max: nf.max_ttl,
          flags: parseInt(String(tcp.tcp_flags), 16),
        },
        want,
        `${pcap} ${k}`,
      );
      compared++;
    }
    // Every direction tshark saw is one record (a flow's reply direction only when it sent something).
    assert.equal(netflows.length, per.size, pcap);
  }
  assert.ok(compared >= 2);
});

test('ESP flows are one per security association, named by the SPI tshark reads', async (t) => {
  const pcap = `${SV}/eve-flow-esp/input.pcap`;
  if (!hasTshark()) return t.skip('tshark not installed');
  if (!existsSync(pcap)) return t.skip('corpus not present');
  const want = new Map<string, number>();
  for (const [s4, d4, s6, d6, spi] of tsharkFields(pcap, 'esp', [
    'ip.src',
    'ip.dst',
    'ipv6.src',
    'ipv6.dst',
    'esp.spi',
  ])) {
    const k = `${s4 || s6}>${d4 || d6}#${parseInt(spi, 16)}`;
    want.set(k, (want.get(k) ?? 0) + 1);
  }
  const { events } = await analyzeToEvents(pcap, { eveCustom: { extraTypes: ['netflow'] } });
  const got = new Map<string, number>();
  for (const e of events.filter((x) => x.event_type === 'netflow')) {
    assert.equal(e.proto, 'ESP');
    got.set(
      `${String(e.src_ip)}>${String(e.dest_ip)}#${String(e.spi)}`,
      Number((e.netflow as { pkts: number }).pkts),
    );
  }
  assert.ok(want.size >= 3);
  assert.deepEqual([...got].sort(), [...want].sort());
});
