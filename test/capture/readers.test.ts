/**
 * Capture readers: hand-built pcap in both byte orders and both time resolutions, pcapng with two interfaces of
 * different link types and timestamp resolutions, damaged and truncated files, the writer. (Corpus agreement with
 * capinfos is in formats.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCaptureFile, CaptureFormatError, PcapWriter } from '../../src/capture/index.js';

interface Got {
  caplen: number;
  wirelen: number;
  tsUs: number;
  linkType: number;
  first: number;
}

async function readAll(path: string): Promise<{ pkts: Got[]; stopped?: string; damaged: number }> {
  const pkts: Got[] = [];
  const st = await openCaptureFile(path).run({
    onPacket(buf, off, caplen, wirelen, tsUs, linkType) {
      pkts.push({ caplen, wirelen, tsUs, linkType, first: buf[off] });
    },
  });
  return { pkts, stopped: st.stoppedBecause, damaged: st.damaged };
}

function pcap(
  le: boolean,
  nano: boolean,
  recs: Array<{ sec: number; frac: number; data: Buffer; wire?: number }>,
  link = 1,
): Buffer {
  const h = Buffer.alloc(24);
  const w32 = (b: Buffer, v: number, o: number): number =>
    le ? b.writeUInt32LE(v, o) : b.writeUInt32BE(v, o);
  const w16 = (b: Buffer, v: number, o: number): number =>
    le ? b.writeUInt16LE(v, o) : b.writeUInt16BE(v, o);
  w32(h, nano ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  w16(h, 2, 4);
  w16(h, 4, 6);
  w32(h, 65535, 16);
  w32(h, link, 20);
  const parts: Buffer[] = [h];
  for (const r of recs) {
    const rh = Buffer.alloc(16);
    w32(rh, r.sec, 0);
    w32(rh, r.frac, 4);
    w32(rh, r.data.length, 8);
    w32(rh, r.wire ?? r.data.length, 12);
    parts.push(rh, r.data);
  }
  return Buffer.concat(parts);
}

function block(type: number, body: Buffer): Buffer {
  const pad = (4 - (body.length % 4)) % 4;
  const len = 12 + body.length + pad;
  const b = Buffer.alloc(len);
  b.writeUInt32LE(type, 0);
  b.writeUInt32LE(len, 4);
  body.copy(b, 8);
  b.writeUInt32LE(len, len - 4);
  return b;
}

function idb(link: number, tsresol?: number): Buffer {
  const opts: Buffer[] = [];
  if (tsresol !== undefined) {
    const o = Buffer.alloc(8);
    o.writeUInt16LE(9, 0);
    o.writeUInt16LE(1, 2);
    o[4] = tsresol;
    opts.push(o);
  }
  const body = Buffer.alloc(8);
  body.writeUInt16LE(link, 0);
  body.writeUInt32LE(65535, 4);
  return block(1, Buffer.concat([body, ...opts, Buffer.alloc(4)]));
}

function epb(iface: number, ticks: bigint, data: Buffer): Buffer {
  const h = Buffer.alloc(20);
  h.writeUInt32LE(iface, 0);
  h.writeUInt32LE(Number(ticks >> 32n), 4);
  h.writeUInt32LE(Number(ticks & 0xffffffffn), 8);
  h.writeUInt32LE(data.length, 12);
  h.writeUInt32LE(data.length + 10, 16);
  return block(6, Buffer.concat([h, data, Buffer.alloc((4 - (data.length % 4)) % 4)]));
}

function shb(): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt32LE(0x1a2b3c4d, 0);
  b.writeUInt16LE(1, 4);
  b.writeBigInt64LE(-1n, 8);
  return block(0x0a0d0d0a, b);
}

test('pcap: both byte orders, µs and ns timestamps, link type, wire length', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-cap-'));
  try {
    for (const le of [true, false]) {
      for (const nano of [false, true]) {
        const f = join(dir, `${le}-${nano}.pcap`);
        writeFileSync(
          f,
          pcap(
            le,
            nano,
            [
              { sec: 1700000000, frac: nano ? 123456789 : 123456, data: Buffer.from([0x45, 1, 2]) },
              { sec: 1700000001, frac: 0, data: Buffer.alloc(60, 0x60), wire: 1500 },
            ],
            101,
          ),
        );
        const r = await readAll(f);
        assert.equal(r.pkts.length, 2);
        assert.deepEqual(r.pkts[0], {
          caplen: 3,
          wirelen: 3,
          tsUs: 1700000000123456,
          linkType: 101,
          first: 0x45,
        });
        assert.deepEqual(r.pkts[1], {
          caplen: 60,
          wirelen: 1500,
          tsUs: 1700000001000000,
          linkType: 101,
          first: 0x60,
        });
        assert.equal(r.stopped, undefined);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('pcapng: two interfaces with their own link type and resolution; unknown blocks skipped', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-cap-'));
  try {
    const f = join(dir, 'two.pcapng');
    writeFileSync(
      f,
      Buffer.concat([
        shb(),
        idb(1), // Ethernet, default µs
        idb(101, 9), // raw IP, ns
        block(0x0badcafe, Buffer.alloc(8)), // unknown block
        epb(0, 1700000000123456n, Buffer.from([0xaa, 1, 2, 3, 4])),
        epb(1, 1700000000123456789n, Buffer.from([0x45, 0, 0])),
        idb(1, 0x80 | 10), // 2^-10 s
        epb(2, 1024n * 5n + 512n, Buffer.from([0x11])),
        epb(7, 0n, Buffer.from([0x22])), // no such interface
      ]),
    );
    const r = await readAll(f);
    assert.deepEqual(r.pkts, [
      { caplen: 5, wirelen: 15, tsUs: 1700000000123456, linkType: 1, first: 0xaa },
      { caplen: 3, wirelen: 13, tsUs: 1700000000123456, linkType: 101, first: 0x45 },
      { caplen: 1, wirelen: 11, tsUs: 5500000, linkType: 1, first: 0x11 },
    ]);
    assert.equal(r.damaged, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('damaged and truncated files: clear errors and stop reasons that name the byte offset', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-cap-'));
  try {
    const junk = join(dir, 'junk.pcap');
    writeFileSync(junk, 'GIF89a not a capture');
    assert.throws(
      () => openCaptureFile(junk),
      (e: unknown) =>
        e instanceof CaptureFormatError &&
        /junk\.pcap: at byte 0: not a pcap or pcapng file \(magic 0x47494638\)/.test(e.message),
    );
    assert.throws(() => openCaptureFile(join(dir, 'missing.pcap')), /cannot open/);
    const full = pcap(true, false, [
      { sec: 1, frac: 0, data: Buffer.alloc(100, 1) },
      { sec: 2, frac: 0, data: Buffer.alloc(100, 2) },
    ]);
    const cut = join(dir, 'cut.pcap');
    writeFileSync(cut, full.subarray(0, full.length - 30));
    const r = await readAll(cut);
    assert.equal(r.pkts.length, 1);
    assert.match(r.stopped ?? '', /truncated record at byte 140: 100 bytes announced, 70 present/);
    const huge = Buffer.from(full);
    huge.writeUInt32LE(0x7fffffff, 24 + 8);
    const hp = join(dir, 'huge.pcap');
    writeFileSync(hp, huge);
    const h = await readAll(hp);
    assert.equal(h.pkts.length, 0);
    assert.match(h.stopped ?? '', /damaged record at byte 24: captured length 2147483647/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the pcap writer round-trips through the reader and through tcpdump', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-cap-'));
  try {
    const f = join(dir, 'w.pcap');
    const w = new PcapWriter(f, 101);
    for (let i = 0; i < 50; i++)
      w.write(Buffer.from([0x45, i, 0, 20, ...Buffer.alloc(16)]), 1_700_000_000_000_000 + i * 1000);
    w.close();
    const r = await readAll(f);
    assert.equal(r.pkts.length, 50);
    assert.equal(r.pkts[49].tsUs, 1_700_000_000_049_000);
    if (spawnSync('sh', ['-c', 'command -v tcpdump']).status === 0) {
      const t = spawnSync('tcpdump', ['-nr', f], { encoding: 'utf8' });
      assert.equal(t.stdout.trim().split('\n').length, 50, t.stderr);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
