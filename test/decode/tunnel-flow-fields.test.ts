/**
 * Flows inside tunnels, as Suricata keys and counts them, checked against suricata-verify's expectations and
 * tshark's dissection of the same captures:
 * - ERSPAN type I (suricata-verify decode-erspan-typeI): one flow per inner VLAN, the inner ICMP type and code,
 *   and the bytes of the inner frame (from its Ethernet header), not the outer frame's;
 * - ERSPAN type II (tcpdump's erspan-type-ii-2): the VLAN in the ERSPAN header is the inner packet's VLAN;
 * - the tunnel depth is part of the flow key (suricata-verify flow-pkt-recursion: an ICMP echo and the same
 *   addresses inside IPv6 are four flows).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeToEvents } from '../../src/pipeline/collect.js';

const CORPUS = join(process.cwd(), '..', 'shared', 'corpus');
const SV = join(CORPUS, 'suricata-verify', 'tests');
const ERSPAN1 = join(SV, 'decode-erspan-typeI-02', 'input.pcap');
const ERSPAN2 = join(CORPUS, 'decode', 'tcpdump', 'erspan-type-ii-2.pcap');
const RECURSION = join(SV, 'flow-pkt-recursion', 'tunnel-pkt-flows.pcap');
const skip = !existsSync(ERSPAN1)
  ? 'needs ../shared/corpus'
  : spawnSync('which', ['tshark']).status !== 0
    ? 'needs tshark'
    : false;

/** tshark's fields of every packet, tab-separated, one array per packet. */
function fields(pcap: string, names: string[]): string[][] {
  const out = execFileSync('tshark', ['-r', pcap, '-T', 'fields', ...names.flatMap((n) => ['-e', n])], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  // Only the last line end goes: an empty first field is a leading tab.
  return out
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => l.split('\t'));
}

interface FlowEve {
  event_type: string;
  src_ip: string;
  proto: string;
  vlan?: number[];
  icmp_type?: number;
  icmp_code?: number;
  flow: { pkts_toserver: number; pkts_toclient: number; bytes_toserver: number; bytes_toclient: number };
}

async function flows(pcap: string): Promise<FlowEve[]> {
  const { events } = await analyzeToEvents(pcap);
  return events.filter((e) => e.event_type === 'flow') as unknown as FlowEve[];
}

test(
  'ERSPAN type I: inner VLAN, ICMP type/code and inner bytes, as suricata-verify and tshark read them',
  { skip },
  async () => {
    // Per inner source: VLAN, ICMP type/code, and the inner frame's length (the inner IP length + Ethernet + tags).
    const want = new Map<string, { vlan: string; type: string; code: string; bytes: number; pkts: number }>();
    for (const [ipSrc, ipLen, vlan, type, code] of fields(ERSPAN1, [
      'ip.src',
      'ip.len',
      'vlan.id',
      'icmp.type',
      'icmp.code',
    ])) {
      const src = ipSrc.split(',').pop()!;
      const innerIpLen = Number(ipLen.split(',').pop());
      const tags = vlan === '' ? 0 : vlan.split(',').length;
      const w = want.get(src) ?? { vlan, type, code, bytes: 0, pkts: 0 };
      w.bytes += innerIpLen + 14 + 4 * tags;
      w.pkts++;
      want.set(src, w);
    }
    const got = await flows(ERSPAN1);
    // suricata-verify decode-erspan-typeI-01/02: two flows, 100.95.2.201 on VLAN 1011 and 100.95.3.105 on 999.
    assert.equal(got.length, 2);
    assert.deepEqual(got.find((f) => f.src_ip === '100.95.2.201')?.vlan, [1011]);
    assert.deepEqual(got.find((f) => f.src_ip === '100.95.3.105')?.vlan, [999]);
    for (const f of got) {
      const w = want.get(f.src_ip)!;
      assert.equal(f.proto, 'ICMP');
      assert.deepEqual(f.vlan, [Number(w.vlan)]);
      assert.equal(f.icmp_type, Number(w.type));
      assert.equal(f.icmp_code, Number(w.code));
      assert.equal(f.flow.pkts_toserver, w.pkts);
      assert.equal(f.flow.bytes_toserver, w.bytes);
    }
  },
);

test(
  'ERSPAN type II: the ERSPAN header VLAN is the inner packet VLAN (tshark erspan.vlan)',
  { skip: existsSync(ERSPAN2) ? skip : 'needs ../shared/corpus' },
  async () => {
    const want = new Map<string, string>();
    for (const [ipSrc, vlan] of fields(ERSPAN2, ['ip.src', 'erspan.vlan']))
      want.set(ipSrc.split(',').pop()!, vlan);
    const got = await flows(ERSPAN2);
    assert.equal(got.length, want.size);
    for (const f of got) assert.deepEqual(f.vlan, [Number(want.get(f.src_ip))], f.src_ip);
  },
);

test('the tunnel depth is part of the flow key (suricata-verify flow-pkt-recursion)', { skip }, async () => {
  const got = await flows(RECURSION);
  // Echo request and reply outside a tunnel, and the same pair inside IPv6: four one-packet ICMP flows.
  assert.equal(
    got.filter((f) => f.proto === 'ICMP' && f.flow.pkts_toserver === 1 && f.flow.pkts_toclient === 0).length,
    4,
  );
  // The tunnelled ones count the inner IPv4 packet (tshark's ip.len of the inner header), not the 132-byte frame.
  const inner = fields(RECURSION, ['ipv6.src', 'ip.len']).filter(([v6]) => v6 !== '');
  const innerBytes = inner.map(([, l]) => Number(l)).sort();
  const tunnelled = got
    .filter((f) => f.flow.bytes_toserver !== 92)
    .map((f) => f.flow.bytes_toserver)
    .sort();
  assert.deepEqual(tunnelled, innerBytes);
});
