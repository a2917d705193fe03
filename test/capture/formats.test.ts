/** Hand-built pcap/pcapng inputs and corpus agreement with capinfos (issue 2, capture and decode). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaptureFormatError, openCaptureFile, PcapWriter } from '../../src/capture/index.js';
import { PcapFileSource } from '../../src/capture/pcap-file.js';
import type { PacketSink } from '../../src/capture/packet.js';

interface Seen {
  caplen: number;
  wirelen: number;
  tsUs: number;
  linkType: number;
  first: number;
}
function collector(): { sink: PacketSink; seen: Seen[] } {
  const seen: Seen[] = [];
  return {
    seen,
    sink: {
      onPacket(buf, off, caplen, wirelen, tsUs, linkType) {
        seen.push({ caplen, wirelen, tsUs, linkType, first: caplen > 0 ? buf[off]! : -1 });
      },
    },
  };
}

const dir = mkdtempSync(join(tmpdir(), 'moat-capture-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

function pcap(le: boolean, nano: boolean, linkType: number): Buffer {
  const parts: Buffer[] = [];
  const h = Buffer.alloc(24);
  const w32 = (b: Buffer, v: number, o: number): number =>
    le ? b.writeUInt32LE(v, o) : b.writeUInt32BE(v, o);
  w32(h, nano ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  if (le) h.writeUInt16LE(2, 4);
  else h.writeUInt16BE(2, 4);
  w32(h, 65535, 16);
  w32(h, linkType | 0x10000000, 20); // FCS bits set above the link type
  parts.push(h);
  for (let i = 0; i < 3; i++) {
    const r = Buffer.alloc(16);
    w32(r, 1700000000 + i, 0);
    w32(r, nano ? 123456789 : 123456, 4);
    w32(r, 10 + i, 8);
    w32(r, 100 + i, 12);
    parts.push(r, Buffer.alloc(10 + i, 0x40 + i));
  }
  return Buffer.concat(parts);
}

for (const le of [true, false])
  for (const nano of [false, true])
    test(`pcap ${le ? 'LE' : 'BE'} ${nano ? 'ns' : 'µs'}: counts, timestamps, lengths, link type`, async () => {
      const f = join(dir, `p-${le}-${nano}.bin`);
      writeFileSync(f, pcap(le, nano, 101));
      const { sink, seen } = collector();
      const st = await openCaptureFile(f).run(sink);
      assert.equal(st.packets, 3);
      assert.equal(st.stoppedBecause, undefined);
      assert.deepEqual(
        seen.map((s) => [s.caplen, s.wirelen, s.tsUs, s.linkType, s.first]),
        [0, 1, 2].map((i) => [10 + i, 100 + i, (1700000000 + i) * 1e6 + 123456, 101, 0x40 + i]),
      );
    });

test('pcap: records straddling small read chunks, truncated last record named', async () => {
  const f = join(dir, 'chunks.pcap');
  const full = pcap(true, false, 1);
  writeFileSync(f, full);
  const { sink, seen } = collector();
  const st = await new PcapFileSource(f, 20).run(sink);
  assert.equal(st.packets, 3);
  assert.deepEqual(
    seen.map((s) => s.first),
    [0x40, 0x41, 0x42],
  );
  writeFileSync(f, full.subarray(0, full.length - 3));
  const st2 = await openCaptureFile(f).run(collector().sink);
  assert.equal(st2.packets, 2);
  assert.match(st2.stoppedBecause ?? '', /truncated record at byte 77/);
});

function block(le: boolean, type: number, body: Buffer): Buffer {
  const len = 12 + body.length + ((4 - (body.length % 4)) % 4);
  const b = Buffer.alloc(len);
  const w = (v: number, o: number): number => (le ? b.writeUInt32LE(v, o) : b.writeUInt32BE(v, o));
  w(type, 0);
  w(len, 4);
  body.copy(b, 8);
  w(len, len - 4);
  return b;
}
function u32s(le: boolean, ...v: number[]): Buffer {
  const b = Buffer.alloc(4 * v.length);
  v.forEach((x, i) => (le ? b.writeUInt32LE(x, 4 * i) : b.writeUInt32BE(x, 4 * i)));
  return b;
}
function idb(le: boolean, linkType: number, tsresol?: number): Buffer {
  const head = Buffer.alloc(8);
  if (le) {
    head.writeUInt16LE(linkType, 0);
    head.writeUInt32LE(65535, 4);
  } else {
    head.writeUInt16BE(linkType, 0);
    head.writeUInt32BE(65535, 4);
  }
  if (tsresol === undefined) return block(le, 1, head);
  const opt = Buffer.alloc(12);
  if (le) {
    opt.writeUInt16LE(9, 0);
    opt.writeUInt16LE(1, 2);
  } else {
    opt.writeUInt16BE(9, 0);
    opt.writeUInt16BE(1, 2);
  }
  opt[4] = tsresol;
  return block(le, 1, Buffer.concat([head, opt]));
}
function shb(le: boolean): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt32LE(0x0a0d0d0a, 0);
  b.writeUInt32LE(28, 4);
  if (le) b.writeUInt32LE(0x1a2b3c4d, 8);
  else b.writeUInt32BE(0x1a2b3c4d, 8);
  b.writeUInt32LE(0xffffffff, 12);
  const tail = Buffer.alloc(12);
  tail.writeUInt32LE(0xffffffff, 0);
  tail.writeUInt32LE(28, 8);
  const out = Buffer.concat([b, tail]);
  if (!le) {
    out.writeUInt16BE(1, 12);
    out.writeUInt16BE(0, 14);
    out.writeUInt32BE(28, 4);
    out.writeUInt32BE(28, 24);
  } else {
    out.writeUInt16LE(1, 12);
    out.writeUInt16LE(0, 14);
  }
  return out;
}
function epb(le: boolean, ifId: number, ticks: bigint, data: Buffer): Buffer {
  const hi = Number(ticks >> 32n);
  const lo = Number(ticks & 0xffffffffn);
  return block(le, 6, Buffer.concat([u32s(le, ifId, hi, lo, data.length, data.length + 4), data]));
}

test('pcapng: two sections (LE, BE), two interfaces with their own link type and tsresol, SPB, unknown blocks', async () => {
  const f = join(dir, 'two.bin');
  const d = Buffer.from([0x45, 1, 2, 3, 4]);
  writeFileSync(
    f,
    Buffer.concat([
      shb(true),
      idb(true, 1), // µs
      idb(true, 101, 9), // ns
      block(true, 0x0bad, Buffer.alloc(8)), // unknown block: skipped
      epb(true, 0, 1700000000123456n, d),
      epb(true, 1, 1700000001987654321n, d),
      epb(true, 5, 1n, d), // unknown interface: damaged
      shb(false),
      idb(false, 113, 0x80 | 10), // 2^-10 s
      epb(false, 0, 1700000002n * 1024n + 512n, d),
      block(false, 3, Buffer.concat([u32s(false, 5), d])),
    ]),
  );
  const { sink, seen } = collector();
  const st = await openCaptureFile(f).run(sink);
  assert.equal(st.packets, 4);
  assert.equal(st.damaged, 1);
  assert.equal(st.stoppedBecause, undefined);
  assert.deepEqual(
    seen.map((s) => [s.linkType, s.tsUs, s.caplen, s.wirelen]),
    [
      [1, 1700000000123456, 5, 9],
      [101, 1700000001987654, 5, 9],
      [113, 1700000002500000, 5, 9],
      [113, 0, 5, 5],
    ],
  );
});

test('format errors name the file, offset 0 and the magic; missing file is clear', () => {
  const f = join(dir, 'text.bin');
  writeFileSync(f, 'hello world, not a capture');
  assert.throws(
    () => openCaptureFile(f),
    (e: unknown) => e instanceof CaptureFormatError && /at byte 0.*0x68656c6c/.test(e.message),
  );
  assert.throws(() => openCaptureFile(join(dir, 'nope.pcap')), /nope\.pcap.*cannot open/);
});

test('PcapWriter output reads back', async () => {
  const f = join(dir, 'w.pcap');
  const w = new PcapWriter(f, 1);
  w.write(Buffer.from([1, 2, 3]), 1700000000654321);
  w.close();
  const { sink, seen } = collector();
  await openCaptureFile(f).run(sink);
  assert.deepEqual(seen, [{ caplen: 3, wirelen: 3, tsUs: 1700000000654321, linkType: 1, first: 1 }]);
});

const corpus = join(process.cwd(), '..', 'shared', 'corpus');
function walk(d: string, out: string[]): string[] {
  for (const n of readdirSync(d)) {
    const p = join(d, n);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

test('corpus agreement with capinfos: packet count and bytes on the wire (capinfos -d)', async (t) => {
  const roots = [join(corpus, 'tls', 'ja4', 'pcap'), join(corpus, 'tls', 'zeek', 'traces')].filter(
    existsSync,
  );
  if (roots.length === 0) return t.skip('corpus absent');
  let ref: string;
  // gzip-compressed traces are not captures moat reads (tshark unpacks them itself).
  const files = roots.flatMap((r) => walk(r, [])).filter((f) => !f.endsWith('.gz'));
  try {
    ref = execFileSync('capinfos', ['-T', '-c', '-d', '-r', ...files], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 1 << 26,
    });
  } catch (e) {
    const out = (e as { stdout?: string }).stdout;
    if (out === undefined) return t.skip('capinfos not installed');
    ref = out;
  }
  let agree = 0;
  let compared = 0;
  const bad: string[] = [];
  for (const line of ref.split('\n')) {
    const [file, n, bytes] = line.split('\t');
    if (!file || !/^\d+$/.test(n ?? '') || !/^\d+$/.test(bytes ?? '')) continue;
    compared++;
    let packets = 0;
    let cap = 0;
    try {
      await openCaptureFile(file).run({
        onPacket(_b, _o, _caplen, wirelen) {
          packets++;
          cap += wirelen;
        },
      });
    } catch (e) {
      bad.push(`${file}: ${(e as Error).message}`);
      continue;
    }
    if (packets === Number(n) && cap === Number(bytes)) agree++;
    else bad.push(`${file}: moat ${packets}/${cap}, capinfos ${n}/${bytes}`);
  }
  console.log(`capture agreement with capinfos: ${agree}/${compared}`);
  assert.ok(compared > 100);
  assert.deepEqual(bad, []);
});
