/**
 * Agreement with tshark on real captures: for every packet of the TLS (JA4) captures and the Zeek tunnel traces
 * (GRE, ERSPAN, VXLAN, Geneve, Teredo, AYIYA, GTP, IP-in-IP, loopback and cooked link types), the innermost IP
 * addresses, protocol and ports moat decodes are compared with tshark's last occurrence of each field.
 * tshark runs once over the files concatenated with mergecap (in order), which keeps the test to seconds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { formatIp } from '../../src/address/index.js';
import {
  DECODE_FRAGMENT_HELD,
  DECODE_OK,
  DECODE_TRUNCATED,
  DecodedPacket,
} from '../../src/decode/decoded-packet.js';
import { PacketDecoder } from '../../src/decode/packet-decoder.js';
import { captureFiles, readPackets, TLS_PCAPS, TUNNEL_PCAPS } from './corpus-frames.js';

const FIELDS = [
  'frame.protocols',
  'ip.src',
  'ip.dst',
  'ipv6.src',
  'ipv6.dst',
  'tcp.srcport',
  'tcp.dstport',
  'udp.srcport',
  'udp.dstport',
];

function haveTool(name: string): boolean {
  return spawnSync(name, ['-v'], { stdio: 'ignore' }).status === 0;
}

const files = [...captureFiles(TLS_PCAPS), ...captureFiles(TUNNEL_PCAPS)];
const skip =
  files.length === 0
    ? 'corpus not found under ../shared/corpus/tls'
    : !haveTool('tshark') || !haveTool('mergecap')
      ? 'tshark/mergecap not installed'
      : false;

test('innermost IP addresses, protocol and ports agree with tshark', { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-decode-'));
  try {
    const merged = join(dir, 'all.pcapng');
    const m = spawnSync('mergecap', ['-a', '-w', merged, ...files], { encoding: 'utf8' });
    assert.equal(m.status, 0, m.stderr);
    const args = ['-r', merged, '-T', 'fields', '-E', 'occurrence=l', '-E', 'separator=|'];
    for (const f of FIELDS) args.push('-e', f);
    const ts = spawnSync('tshark', args, { encoding: 'utf8', maxBuffer: 1 << 28 });
    assert.equal(ts.status, 0, ts.stderr);
    const lines = ts.stdout.split('\n');

    let line = 0;
    let l4Compared = 0;
    let l4Agree = 0;
    let ipCompared = 0;
    let ipAgree = 0;
    const misses: string[] = [];
    for (const file of files) {
      const pkts = await readPackets(file);
      assert.ok(pkts, `${file} is a capture`);
      const dec = new PacketDecoder();
      const pkt = new DecodedPacket();
      for (const p of pkts) {
        const r = dec.decode(p.frame, 0, p.caplen, p.wirelen, p.tsUs, p.linkType, pkt);
        const [protos, s4, d4, s6, d6, tsp, tdp, usp, udp] = (lines[line++] ?? '').split('|');
        const layers = (protos ?? '').split(':');
        const li4 = layers.lastIndexOf('ip');
        const li6 = layers.lastIndexOf('ipv6');
        const lip = Math.max(li4, li6);
        // IP inside an ICMP error is the quoted packet, not a layer of this one.
        const licmp = Math.max(layers.lastIndexOf('icmp'), layers.lastIndexOf('icmpv6'));
        if (lip < 0 || (licmp >= 0 && licmp < lip)) continue;
        const want4 = li4 > li6;
        const wantSrc = want4 ? s4 : s6;
        const wantDst = want4 ? d4 : d6;
        if (!wantSrc) continue; // tshark could not read the addresses either
        // A held fragment has its IP layer decoded (tshark shows it as ip:data).
        const okResult = r === DECODE_OK || r === DECODE_TRUNCATED || r === DECODE_FRAGMENT_HELD;
        const src = pkt.ipVersion ? formatIp(pkt.src, pkt.ipVersion) : '-';
        const dst = pkt.ipVersion ? formatIp(pkt.dst, pkt.ipVersion) : '-';
        ipCompared++;
        const ipOk = okResult && src === wantSrc && dst === wantDst;
        if (ipOk) ipAgree++;
        const lt = layers.lastIndexOf('tcp');
        const lu = layers.lastIndexOf('udp');
        if (Math.max(lt, lu) < lip) {
          if (!ipOk && misses.length < 20)
            misses.push(`${basename(file)}: ${src} ${dst} vs ${wantSrc} ${wantDst} [${protos}]`);
          continue;
        }
        const tcp = lt > lu;
        l4Compared++;
        const ok =
          ipOk &&
          pkt.proto === (tcp ? 6 : 17) &&
          String(pkt.srcPort) === (tcp ? tsp : usp) &&
          String(pkt.dstPort) === (tcp ? tdp : udp);
        if (ok) l4Agree++;
        else if (misses.length < 20)
          misses.push(
            `${basename(file)}: ${src}:${pkt.srcPort} ${dst}:${pkt.dstPort} p${pkt.proto} vs [${protos}]`,
          );
      }
    }
    assert.equal(line, lines.length - 1, 'moat and tshark saw the same number of packets');
    const l4Pct = (100 * l4Agree) / l4Compared;
    const ipPct = (100 * ipAgree) / ipCompared;
    t.diagnostic(`files ${files.length}, packets ${line}`);
    t.diagnostic(`TCP/UDP innermost 5-tuple: ${l4Agree}/${l4Compared} agree (${l4Pct.toFixed(2)}%)`);
    t.diagnostic(`innermost IP addresses: ${ipAgree}/${ipCompared} agree (${ipPct.toFixed(2)}%)`);
    for (const m of misses) t.diagnostic(`differs: ${m}`);
    assert.ok(l4Compared > 10_000, `compared ${l4Compared}`);
    assert.ok(l4Pct >= 99.9, `TCP/UDP agreement ${l4Pct.toFixed(2)}% < 99.9%`);
    assert.ok(ipPct >= 99.8, `IP agreement ${ipPct.toFixed(2)}% < 99.8%`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
