/**
 * QUIC beyond v1, each against tshark's dissection of the same capture: v2 (RFC 9369) on suricata-verify's
 * quic-v2 capture (version, JA3, JA3S, ALPN); Google QUIC Q046 on tcpdump's gquic capture (SNI and UAID from the
 * clear CHLO); and draft-29, whose Initial salt differs, on a real v1 client Initial re-protected under draft-29's
 * keys (no draft-29 capture is in the corpus) — tshark opens it and reads the SNI moat must read.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeToEvents } from '../../../src/pipeline/collect.js';
import { initialKeys } from '../../../src/proto/quic/index.js';
import { readLongHeader } from '../../../src/proto/quic/initial-packet.js';
import { hasTshark } from '../../helpers/tshark.js';

const CORPUS = join(process.cwd(), '..', 'shared', 'corpus');
const V2 = join(CORPUS, 'suricata-verify', 'tests', 'quic-v2', 'input.pcap');
const GQUIC = join(CORPUS, 'decode', 'tcpdump', 'gquic.pcap');
const V1 = join(CORPUS, 'suricata-verify', 'tests', 'ja4-quic', 'input.pcap');

const tsharkOk = hasTshark();
const skip = !existsSync(CORPUS) ? 'needs ../shared/corpus' : !tsharkOk ? 'tshark not installed' : false;

/** tshark's fields, one row per packet of the filter, columns split on tabs. */
function tshark(pcap: string, filter: string, fields: string[]): string[][] {
  const r = spawnSync(
    'tshark',
    ['-r', pcap, '-Y', filter, '-T', 'fields', ...fields.flatMap((f) => ['-e', f])],
    {
      encoding: 'utf8',
    },
  );
  assert.equal(r.status, 0, r.stderr);
  return r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split('\t'));
}

interface Quic {
  version: string;
  sni?: string;
  ua?: string;
  ja3?: { hash: string };
  ja3s?: { hash: string };
  extensions?: Array<{ type: number; values?: string[] }>;
}

async function quicEvents(pcap: string): Promise<Quic[]> {
  const { events } = await analyzeToEvents(pcap);
  return events.filter((e) => e.event_type === 'quic').map((e) => e.quic as Quic);
}

test('QUIC v2: version, JA3, JA3S and ALPN equal tshark’s', { skip }, async () => {
  const [client] = tshark(V2, 'tls.handshake.type == 1', [
    'quic.version',
    'tls.handshake.ja3',
    'tls.handshake.extensions_alpn_str',
  ]);
  const [server] = tshark(V2, 'tls.handshake.type == 2', ['tls.handshake.ja3s']);
  const q = await quicEvents(V2);
  assert.equal(q.length, 2, 'one event per hello');
  assert.equal(`0x${q[0].version}`, client[0].split(',')[0]);
  assert.equal(q[0].ja3?.hash, client[1]);
  assert.deepEqual(q[0].extensions?.find((e) => e.type === 16)?.values, client[2].split(','));
  assert.equal(q[1].ja3s?.hash, server[0]);
});

test('Google QUIC Q046: SNI and user agent from the CHLO equal tshark’s', { skip }, async () => {
  const [want] = tshark(GQUIC, 'gquic', ['gquic.version', 'gquic.tag.sni', 'gquic.tag.uaid']);
  const q = await quicEvents(GQUIC);
  assert.equal(q.length, 1);
  assert.deepEqual([q[0].version, q[0].sni, q[0].ua], want);
});

/** Re-protects one QUIC v1 Initial under `version`'s Initial keys (same connection ids, packet number, frames). */
function reprotect(pkt: Buffer, version: number): Buffer {
  const h = readLongHeader(pkt, 0, pkt.length);
  assert.ok(h?.initial);
  const dcid = Buffer.from(h.dcid);
  const v1 = initialKeys(dcid, false);
  const mask = (hp: Buffer, sample: Buffer): Buffer => {
    const ecb = createCipheriv('aes-128-ecb', hp, null);
    ecb.setAutoPadding(false);
    return ecb.update(sample);
  };
  // Remove v1 protection.
  const m1 = mask(v1.hp, pkt.subarray(h.pnOffset + 4, h.pnOffset + 20));
  const first = pkt[0] ^ (m1[0] & 0x0f);
  const pnLen = (first & 3) + 1;
  const header = Buffer.from(pkt.subarray(0, h.pnOffset + pnLen));
  header[0] = first;
  let pn = 0;
  for (let i = 0; i < pnLen; i++) {
    header[h.pnOffset + i] = pkt[h.pnOffset + i] ^ m1[1 + i];
    pn = pn * 256 + header[h.pnOffset + i];
  }
  const nonce = (iv: Buffer): Buffer => {
    const n = Buffer.from(iv);
    for (let i = 0; i < 4; i++) n[11 - i] ^= (pn >>> (8 * i)) & 0xff;
    return n;
  };
  const ct = pkt.subarray(h.pnOffset + pnLen, h.end - 16);
  const d = createDecipheriv('aes-128-gcm', v1.key, nonce(v1.iv));
  d.setAAD(header);
  d.setAuthTag(pkt.subarray(h.end - 16, h.end));
  const plain = Buffer.concat([d.update(ct), d.final()]);
  // Protect under the other version's keys.
  const k = initialKeys(dcid, false, version);
  header.writeUInt32BE(version, 1);
  const c = createCipheriv('aes-128-gcm', k.key, nonce(k.iv));
  c.setAAD(header);
  const out = Buffer.concat([header, c.update(plain), c.final(), c.getAuthTag(), pkt.subarray(h.end)]);
  const m2 = mask(k.hp, out.subarray(h.pnOffset + 4, h.pnOffset + 20));
  out[0] ^= m2[0] & 0x0f;
  for (let i = 0; i < pnLen; i++) out[h.pnOffset + i] ^= m2[1 + i];
  return out;
}

/** The capture's first frame (a little-endian classic pcap of Ethernet) with its QUIC datagram re-protected. */
function rewriteFirstFrame(src: string, dst: string, version: number): void {
  const file = readFileSync(src);
  assert.equal(file.readUInt32LE(0), 0xa1b2c3d4, 'classic little-endian pcap');
  const caplen = file.readUInt32LE(24 + 8);
  const frame = file.subarray(40, 40 + caplen);
  // Ethernet (14) + IPv4 (IHL) + UDP (8): the QUIC datagram follows; its length is unchanged, so are the headers'.
  const at = 14 + (frame[14] & 0x0f) * 4 + 8;
  const quic = reprotect(Buffer.from(frame.subarray(at)), version);
  writeFileSync(dst, Buffer.concat([file.subarray(0, 40), frame.subarray(0, at), quic]));
}

test('QUIC draft-29 (its own Initial salt): SNI and version equal tshark’s', { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-quic-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pcap = join(dir, 'draft29.pcap');
  rewriteFirstFrame(V1, pcap, 0xff00001d);
  const [want] = tshark(pcap, 'quic', ['quic.version', 'tls.handshake.extensions_server_name']);
  assert.equal(want[0], '0xff00001d');
  assert.ok(want[1] !== undefined && want[1] !== '', 'tshark opened the draft-29 Initial');
  const q = await quicEvents(pcap);
  assert.equal(q.length, 1);
  assert.equal(q[0].version, 'ff00001d');
  assert.equal(q[0].sni, want[1]);
});
