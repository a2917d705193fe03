/**
 * Mutation fuzzing of the decoder: real and hand-built frames with random byte changes, truncations and
 * cut-off captures, fixed seed. Each mutated frame is decoded twice, by two decoders with the same history:
 * once at an odd offset in a buffer whose bytes past caplen are random junk, once as an exact-size copy.
 * Identical results prove the decoder never reads past caplen; no decoder.moat.internal_error proves it
 * never threw.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecodedPacket } from '../../src/decode/decoded-packet.js';
import { PacketDecoder } from '../../src/decode/packet-decoder.js';
import { corpusFrames, type Frame } from './corpus-frames.js';
import {
  erspan2,
  erspan3,
  ethernet,
  ext6,
  frag6,
  geneve,
  gre,
  icmp,
  ipv4,
  ipv6,
  sll,
  sll2,
  tcp,
  u16,
  udp,
  vlanTag,
  vxlan,
} from './frames.js';
import { mulberry32 as rng } from '../../src/framework/prng.js';

function handBuilt(): Frame[] {
  const t4 = ipv4({ proto: 6 }, tcp({ sp: 1, dp: 443 }, Buffer.alloc(40, 1)));
  const u6 = ipv6({ nh: 17 }, udp(53, 5353, Buffer.alloc(30, 2)));
  const frames: Buffer[] = [
    ethernet(0x0800, t4),
    ethernet(0x86dd, u6),
    ethernet(0x88a8, vlanTag(1, 0x8100, vlanTag(2, 0x0800, t4))),
    ethernet(0x0800, ipv4({ proto: 47 }, gre(0x0800, t4, { csum: true, key: 1, seq: 2 }))),
    ethernet(0x0800, ipv4({ proto: 47 }, gre(0x6558, ethernet(0x86dd, u6)))),
    ethernet(0x0800, ipv4({ proto: 47 }, gre(0x88be, erspan2(ethernet(0x0800, t4)), { seq: 1 }))),
    ethernet(0x0800, ipv4({ proto: 47 }, gre(0x22eb, erspan3(ethernet(0x0800, t4), true), { seq: 1 }))),
    ethernet(0x0800, ipv4({ proto: 17 }, udp(1, 4789, vxlan(5, ethernet(0x0800, t4))))),
    ethernet(
      0x0800,
      ipv4({ proto: 17 }, udp(1, 6081, geneve(0x6558, Buffer.alloc(8), ethernet(0x0800, t4)))),
    ),
    ethernet(0x0800, ipv4({ proto: 4 }, t4)),
    ethernet(0x86dd, ipv6({ nh: 41 }, u6)),
    ethernet(0x86dd, ipv6({ nh: 0 }, Buffer.concat([ext6(60, 0), ext6(6, 1), tcp({ sp: 2, dp: 3 })]))),
    ethernet(0x86dd, ipv6({ nh: 44 }, Buffer.concat([frag6(17, 0, true, 9), Buffer.alloc(64, 3)]))),
    ethernet(0x86dd, ipv6({ nh: 44 }, Buffer.concat([frag6(17, 64, false, 9), Buffer.alloc(20, 4)]))),
    ethernet(0x0800, ipv4({ proto: 17, id: 3, fragOffset: 0, more: true }, Buffer.alloc(64, 5))),
    ethernet(0x0800, ipv4({ proto: 17, id: 3, fragOffset: 64, more: false }, Buffer.alloc(16, 6))),
    ethernet(0x0800, ipv4({ proto: 1 }, icmp(3, 1, Buffer.alloc(28)))),
    ethernet(
      0x0800,
      ipv4(
        { proto: 47 },
        Buffer.concat([u16(0x3001), u16(0x880b), Buffer.alloc(8), Buffer.from([0xff, 3, 0, 0x21]), t4]),
      ),
    ),
  ];
  const gtp = Buffer.concat([
    Buffer.from([0x34, 0xff]),
    u16(8 + t4.length),
    Buffer.alloc(4),
    Buffer.from([0, 0, 0, 0x85, 1, 0, 0, 0]),
    t4,
  ]);
  frames.push(ethernet(0x0800, ipv4({ proto: 17 }, udp(2152, 2152, gtp))));
  const ayiya = Buffer.concat([Buffer.from([0x41, 0x52, 0x11, 41]), Buffer.alloc(40), u6]);
  frames.push(ethernet(0x0800, ipv4({ proto: 17 }, udp(5072, 5072, ayiya))));
  frames.push(ethernet(0x0800, ipv4({ proto: 17 }, udp(3544, 5000, Buffer.concat([Buffer.alloc(8), u6])))));
  const wlan = Buffer.concat([
    Buffer.from([0x88, 0x03]),
    Buffer.alloc(30),
    Buffer.from([0xaa, 0xaa, 3, 0, 0, 0, 8, 0]),
    t4,
  ]);
  frames.push(ethernet(0x0800, ipv4({ proto: 47 }, gre(0x8200, wlan))));
  const out: Frame[] = frames.map((frame) => ({ frame, linkType: 1 }));
  out.push({ frame: Buffer.concat([Buffer.from([0, 0, 8, 0, 0, 0, 0, 0]), wlan]), linkType: 127 });
  out.push({ frame: sll(0x0800, t4), linkType: 113 }, { frame: sll2(0x86dd, u6), linkType: 276 });
  out.push(
    { frame: Buffer.concat([Buffer.from([2, 0, 0, 0]), t4]), linkType: 0 },
    { frame: u6, linkType: 101 },
  );
  return out;
}

const ITERATIONS = 150_000;

test(`mutation fuzz: ${ITERATIONS} mutated frames, no throw, no read past caplen, same answer at any offset`, async () => {
  const bases = [...handBuilt(), ...(await corpusFrames(400))];
  const rand = rng(0x5eed);
  const a = new PacketDecoder({ reassembly: { maxDatagrams: 64, maxTableBytes: 1 << 20 } });
  const b = new PacketDecoder({ reassembly: { maxDatagrams: 64, maxTableBytes: 1 << 20 } });
  const pa = new DecodedPacket();
  const pb = new DecodedPacket();
  const big = Buffer.alloc(70_000);
  const results = [0, 0, 0, 0, 0];
  for (let i = 0; i < ITERATIONS; i++) {
    const base = bases[Math.floor(rand() * bases.length)];
    const len = base.frame.length;
    const exact = Buffer.from(base.frame);
    const flips = 1 + Math.floor(rand() * 4);
    for (let k = 0; k < flips && len > 0; k++) {
      // Bias changes towards the headers, where the decoder makes its decisions.
      const pos = Math.floor(rand() * Math.min(len, rand() < 0.8 ? 80 : len));
      const r = rand();
      exact[pos] = r < 0.3 ? 0 : r < 0.5 ? 0xff : (exact[pos] ^ (1 << Math.floor(rand() * 8))) & 255;
    }
    let caplen = len;
    let wirelen = len;
    const cut = rand();
    if (cut < 0.2) {
      caplen = Math.floor(rand() * len);
      wirelen = len; // snap-length cut
    } else if (cut < 0.3) {
      caplen = Math.floor(rand() * len);
      wirelen = caplen; // the wire packet itself is short
    }
    const off = 1 + Math.floor(rand() * 64);
    for (let j = 0; j < off; j++) big[j] = (rand() * 256) | 0;
    exact.copy(big, off, 0, caplen);
    for (let j = off + caplen; j < off + caplen + 128; j++) big[j] = (rand() * 256) | 0;
    const ra = a.decode(big, off, caplen, wirelen, i * 1000, base.linkType, pa);
    const rb = b.decode(exact.subarray(0, caplen), 0, caplen, wirelen, i * 1000, base.linkType, pb);
    results[ra]++;
    if (pa.anomaly === 'decoder.moat.internal_error') assert.fail(`internal error on iteration ${i}`);
    if (
      ra !== rb ||
      pa.anomaly !== pb.anomaly ||
      pa.ipVersion !== pb.ipVersion ||
      pa.proto !== pb.proto ||
      pa.srcPort !== pb.srcPort ||
      pa.dstPort !== pb.dstPort ||
      pa.tcpFlags !== pb.tcpFlags ||
      pa.tunnelDepth !== pb.tunnelDepth ||
      pa.payloadLen !== pb.payloadLen ||
      pa.src[3] !== pb.src[3] ||
      pa.dst[0] !== pb.dst[0] ||
      pa.vlanCount !== pb.vlanCount
    ) {
      assert.fail(
        `iteration ${i}: results differ with junk past caplen (${ra}/${pa.anomaly} vs ${rb}/${pb.anomaly})`,
      );
    }
    // The payload never reaches outside the captured bytes (or the reassembly buffer).
    if (pa.buf === big && pa.payloadLen > 0) {
      assert.ok(
        pa.payloadOff >= off && pa.payloadOff + pa.payloadLen <= off + caplen,
        `iteration ${i}: payload bounds`,
      );
      assert.ok(
        pb.payloadLen === 0 ||
          big.compare(
            exact,
            pb.payloadOff,
            pb.payloadOff + pb.payloadLen,
            pa.payloadOff,
            pa.payloadOff + pa.payloadLen,
          ) === 0,
      );
    }
  }
  // The mutations exercised every outcome, not only the error path.
  assert.ok(results[0] > ITERATIONS / 10, `ok ${results[0]}`);
  assert.ok(results[1] > 100, `truncated ${results[1]}`);
  assert.ok(results[4] > 100, `errors ${results[4]}`);
  assert.ok(a.reassembler.held <= 64);
});
