/**
 * The checksum keywords (ipv4-csum, tcpv4-csum … icmpv6-csum): moat's verdict on each packet of real captures
 * (IPv4 and IPv6, TCP, UDP, ICMP, tunnels, offloaded captures with bad sums) agrees with tshark's checksum
 * validation; the keyword parses `valid`/`invalid` only; suricata-verify's detect-chksum-02 passes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { DECODE_OK, DecodedPacket } from '../../src/decode/decoded-packet.js';
import { PacketDecoder } from '../../src/decode/packet-decoder.js';
import { checksumValid, type ChecksumLayer } from '../../src/detect/keywords/checksum.js';
import { parseRule } from '../../src/detect/parse/rule-parser.js';
import { DEFAULT_VARS } from '../../src/detect/ruleset.js';
import { runAll } from '../../src/detect/suricata-verify/runner.js';
import { CORPUS, readPackets, TLS_PCAPS } from '../decode/corpus-frames.js';
import { hasTshark } from '../helpers/tshark.js';

const SV = join(CORPUS, 'suricata-verify', 'tests');
const FILES = [
  join(SV, 'detect-chksum-01', 'input.pcap'),
  join(TLS_PCAPS, 'ipv6.pcapng'),
  join(TLS_PCAPS, 'dhcpv6.pcap'),
  join(TLS_PCAPS, 'gre-sample.pcap'),
  join(TLS_PCAPS, 'http1.pcapng'),
  join(TLS_PCAPS, 'quic-tls-handshake.pcapng'),
  join(TLS_PCAPS, 'single-packets.pcap'),
].filter((f) => existsSync(f));

const FIELDS = ['ip', 'tcp', 'udp', 'icmp', 'icmpv6'].map((p) => `${p}.checksum.status`);

test('rule options: valid or invalid, nothing else', () => {
  const vars = new Map(DEFAULT_VARS);
  const r = parseRule('alert tcp any any -> any any (tcpv4-csum:invalid; ipv4-csum:valid; sid:1;)', vars);
  assert.deepEqual(r.checksums, [
    { layer: 'tcpv4', valid: false },
    { layer: 'ipv4', valid: true },
  ]);
  assert.throws(
    () => parseRule('alert tcp any any -> any any (tcpv6-csum:maybe; sid:1;)', vars),
    /'valid' or 'invalid'/,
  );
});

test('checksum verdicts agree with tshark on real captures', async (t) => {
  if (FILES.length < 2 || !hasTshark()) return t.skip('corpus or tshark absent');
  const counts: Record<string, [number, number]> = {};
  const misses: string[] = [];
  let badSeen = 0;
  for (const file of FILES) {
    const args = [
      '-r',
      file,
      '-T',
      'fields',
      '-E',
      'occurrence=l',
      '-E',
      'separator=|',
      '-e',
      'frame.protocols',
    ];
    for (const p of ['ip', 'tcp', 'udp']) args.push('-o', `${p}.check_checksum:TRUE`);
    for (const f of FIELDS) args.push('-e', f);
    const ts = spawnSync('tshark', args, { encoding: 'utf8', maxBuffer: 1 << 26 });
    assert.equal(ts.status, 0, ts.stderr);
    const lines = ts.stdout.split('\n');
    const pkts = await readPackets(file);
    assert.ok(pkts);
    const dec = new PacketDecoder();
    const pkt = new DecodedPacket();
    pkts.forEach((p, i) => {
      const r = dec.decode(p.frame, 0, p.caplen, p.wirelen, p.tsUs, p.linkType, pkt);
      const [protos, ip, tcp, udp, icmp, icmp6] = (lines[i] ?? '').split('|');
      const layers = (protos ?? '').split(':');
      // An ICMP error quotes a packet whose sums tshark checks as its own layers: not this packet's.
      const lastIp = Math.max(layers.lastIndexOf('ip'), layers.lastIndexOf('ipv6'));
      const firstIcmp = layers.findIndex((l) => l === 'icmp' || l === 'icmpv6');
      if (r !== DECODE_OK || (firstIcmp >= 0 && firstIcmp < lastIp)) return;
      const v6 = layers[lastIp] === 'ipv6';
      const want: Array<[ChecksumLayer, string | undefined]> = v6
        ? [
            ['tcpv6', tcp],
            ['udpv6', udp],
            ['icmpv6', icmp6],
          ]
        : [
            ['ipv4', ip],
            ['tcpv4', tcp],
            ['udpv4', udp],
            ['icmpv4', icmp],
          ];
      for (const [layer, status] of want) {
        // tshark: 0 bad, 1 good, 2 not verified (absent, or a UDP sum of 0).
        if (status !== '0' && status !== '1') continue;
        const got = checksumValid(layer, pkt);
        if (status === '0') badSeen++;
        const c = (counts[layer] ??= [0, 0]);
        c[0]++;
        if (got === (status === '1')) c[1]++;
        else if (misses.length < 10) misses.push(`${basename(file)} #${i + 1} ${layer}: ${got} vs ${status}`);
      }
    });
  }
  for (const [layer, [n, ok]] of Object.entries(counts)) t.diagnostic(`${layer}: ${ok}/${n} agree`);
  assert.deepEqual(misses, []);
  for (const layer of ['ipv4', 'tcpv4', 'udpv4', 'tcpv6', 'udpv6', 'icmpv6'])
    assert.ok((counts[layer]?.[0] ?? 0) > 0, `no ${layer} packet compared`);
  // Both verdicts were compared: the capture from an offloading NIC has bad TCP sums.
  t.diagnostic(`bad sums compared: ${badSeen}`);
  assert.ok(badSeen > 0, 'no bad checksum among the compared packets');
});

test('suricata-verify detect-chksum-02 passes', async (t) => {
  if (!existsSync(SV)) return t.skip(`corpus absent: ${SV}`);
  const res = await runAll(SV, /^detect-chksum-02$/);
  assert.deepEqual(
    res.map((r) => `${r.test}: ${r.result}${r.reason ? ` (${r.reason})` : ''}`),
    ['detect-chksum-02: pass'],
  );
});
