/**
 * An independent reader of the generator's frames for the tests: Ethernet → IPv4/IPv6 → TCP/UDP with
 * every checksum recomputed, and per-direction TCP streams rebuilt from sequence numbers.
 */

export interface ParsedFrame {
  v6: boolean;
  src: string;
  dst: string;
  proto: number;
  sport: number;
  dport: number;
  seq: number;
  ack: number;
  flags: number;
  payload: Buffer;
  /** Problems found (bad checksum, bad length), empty when the frame is right. */
  errors: string[];
}

function sum16(b: Buffer, off: number, len: number, s = 0): number {
  let i = off;
  for (; i + 1 < off + len; i += 2) s += (b[i] << 8) | b[i + 1];
  if (i < off + len) s += b[i] << 8;
  return s;
}

function fold(s: number): number {
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return s;
}

function addr(b: Buffer, v6: boolean): string {
  if (!v6) return [...b].join('.');
  const g: string[] = [];
  for (let i = 0; i < 16; i += 2) g.push(b.readUInt16BE(i).toString(16));
  return g.join(':');
}

export function parseFrame(f: Buffer): ParsedFrame {
  const errors: string[] = [];
  const type = f.readUInt16BE(12);
  const v6 = type === 0x86dd;
  if (!v6 && type !== 0x0800) errors.push(`ethertype ${type}`);
  let l4: number;
  let l4len: number;
  let proto: number;
  let pseudo: number;
  let src: Buffer;
  let dst: Buffer;
  if (v6) {
    l4len = f.readUInt16BE(18);
    proto = f[20];
    src = f.subarray(22, 38);
    dst = f.subarray(38, 54);
    l4 = 54;
  } else {
    const ihl = (f[14] & 0x0f) * 4;
    const total = f.readUInt16BE(16);
    if (14 + total !== f.length) errors.push(`IPv4 total length ${total} vs frame ${f.length}`);
    if (fold(sum16(f, 14, ihl)) !== 0xffff) errors.push('IPv4 header checksum');
    proto = f[23];
    src = f.subarray(26, 30);
    dst = f.subarray(30, 34);
    l4 = 14 + ihl;
    l4len = total - ihl;
  }
  if (l4 + l4len !== f.length) errors.push(`L4 length ${l4len} vs frame`);
  pseudo = sum16(src, 0, src.length);
  pseudo = sum16(dst, 0, dst.length, pseudo) + proto + l4len;
  if (fold(sum16(f, l4, l4len, pseudo)) !== 0xffff) errors.push(`${proto === 6 ? 'TCP' : 'UDP'} checksum`);
  const sport = f.readUInt16BE(l4);
  const dport = f.readUInt16BE(l4 + 2);
  let payload: Buffer;
  let seq = 0;
  let ack = 0;
  let flags = 0;
  if (proto === 6) {
    seq = f.readUInt32BE(l4 + 4);
    ack = f.readUInt32BE(l4 + 8);
    flags = f[l4 + 13];
    payload = f.subarray(l4 + (f[l4 + 12] >> 4) * 4);
  } else {
    if (f.readUInt16BE(l4 + 4) !== l4len) errors.push('UDP length');
    payload = f.subarray(l4 + 8);
  }
  return {
    v6,
    src: addr(src, v6),
    dst: addr(dst, v6),
    proto,
    sport,
    dport,
    seq,
    ack,
    flags,
    payload,
    errors,
  };
}

export interface TcpStreams {
  key: string;
  client: string;
  server: string;
  serverPort: number;
  c2s: Buffer;
  s2c: Buffer;
  /** Sequence/ack inconsistencies (gaps, overlaps, acks beyond data sent). */
  errors: string[];
}

/** Rebuilds both directions of every TCP connection, checking seq continuity and acks on the way. */
export function tcpStreams(frames: ParsedFrame[]): TcpStreams[] {
  const out = new Map<
    string,
    TcpStreams & { next: Record<string, number>; parts: Record<string, Buffer[]> }
  >();
  for (const p of frames) {
    if (p.proto !== 6) continue;
    const a = `${p.src}|${p.sport}`;
    const b = `${p.dst}|${p.dport}`;
    const syn = (p.flags & 0x02) !== 0 && (p.flags & 0x10) === 0;
    const key = syn ? `${a}>${b}` : out.has(`${a}>${b}`) ? `${a}>${b}` : `${b}>${a}`;
    let s = out.get(key);
    if (!s) {
      if (!syn) continue; // scan answers and resets without a SYN we saw as a connection start
      s = {
        key,
        client: a,
        server: b,
        serverPort: p.dport,
        c2s: Buffer.alloc(0),
        s2c: Buffer.alloc(0),
        errors: [],
        next: {},
        parts: { c2s: [], s2c: [] },
      };
      out.set(key, s);
    }
    const dir = `${p.src}|${p.sport}` === s.client ? 'c2s' : 's2c';
    const other = dir === 'c2s' ? 's2c' : 'c2s';
    if (p.flags & 0x02) {
      s.next[dir] = (p.seq + 1) >>> 0;
    } else if (s.next[dir] !== undefined) {
      if (p.seq !== s.next[dir] && !(p.flags & 0x04))
        s.errors.push(`${dir} seq ${p.seq} expected ${s.next[dir]}`);
      s.next[dir] = (s.next[dir] + p.payload.length + (p.flags & 0x01 ? 1 : 0)) >>> 0;
      if (p.payload.length) s.parts[dir].push(p.payload);
    }
    if (p.flags & 0x10 && s.next[other] !== undefined && p.ack !== s.next[other]) {
      // An ack may lag (delayed), never lead what the peer sent.
      const lead = (p.ack - s.next[other]) >>> 0;
      if (lead !== 0 && lead < 0x80000000) s.errors.push(`${dir} acks ${p.ack} beyond ${s.next[other]}`);
    }
  }
  return [...out.values()].map((s) => ({
    key: s.key,
    client: s.client,
    server: s.server,
    serverPort: s.serverPort,
    c2s: Buffer.concat(s.parts.c2s),
    s2c: Buffer.concat(s.parts.s2c),
    errors: s.errors,
  }));
}

export interface TlsRecordWalk {
  records: { type: number; length: number }[];
  handshakes: { type: number; body: Buffer }[];
  errors: string[];
}

/** Walks TLS records and, for plaintext handshake records, the handshake messages across records. */
export function walkTls(stream: Buffer): TlsRecordWalk {
  const records: TlsRecordWalk['records'] = [];
  const handshakes: TlsRecordWalk['handshakes'] = [];
  const errors: string[] = [];
  let hs = Buffer.alloc(0);
  let encrypted = false;
  let off = 0;
  // An SSLv2-format ClientHello (2-byte header, high bit set, message type 1) may open a client stream.
  if (stream.length >= 3 && stream[0] & 0x80 && stream[2] === 1) {
    const len = ((stream[0] & 0x7f) << 8) | stream[1];
    if (2 + len > stream.length) errors.push('SSLv2 hello runs past the stream');
    else {
      records.push({ type: 0x80, length: len });
      handshakes.push({ type: 1, body: stream.subarray(3, 2 + len) });
    }
    off = 2 + len;
  }
  while (off < stream.length) {
    if (off + 5 > stream.length) {
      errors.push(`truncated record header at ${off}`);
      break;
    }
    const type = stream[off];
    const version = stream.readUInt16BE(off + 1);
    const len = stream.readUInt16BE(off + 3);
    if (type < 20 || type > 23) errors.push(`record type ${type} at ${off}`);
    if (version >> 8 !== 3) errors.push(`record version ${version.toString(16)} at ${off}`);
    if (len > 16384 + 2048) errors.push(`record length ${len} at ${off}`);
    if (off + 5 + len > stream.length) {
      errors.push(`record at ${off} runs past the stream`);
      break;
    }
    records.push({ type, length: len });
    const frag = stream.subarray(off + 5, off + 5 + len);
    if (type === 20) encrypted = true;
    if (type === 22 && !encrypted) {
      hs = Buffer.concat([hs, frag]);
      while (hs.length >= 4) {
        const mlen = hs.readUIntBE(1, 3);
        if (hs.length < 4 + mlen) break;
        handshakes.push({ type: hs[0], body: hs.subarray(4, 4 + mlen) });
        hs = hs.subarray(4 + mlen);
      }
    }
    off += 5 + len;
  }
  if (hs.length) errors.push(`${hs.length} bytes of an unfinished handshake message`);
  return { records, handshakes, errors };
}

export interface HelloFields {
  ciphers: number[];
  extensions: { type: number; body: Buffer }[];
  sni?: string;
  sessionId: Buffer;
}

/** Parses a ClientHello body strictly: every vector must end exactly where the next begins. */
export function parseClientHello(body: Buffer): HelloFields {
  let o = 2 + 32;
  const sidLen = body[o++];
  const sessionId = body.subarray(o, o + sidLen);
  o += sidLen;
  const cl = body.readUInt16BE(o);
  o += 2;
  const ciphers: number[] = [];
  for (let i = 0; i < cl; i += 2) ciphers.push(body.readUInt16BE(o + i));
  o += cl;
  o += 1 + body[o];
  const el = body.readUInt16BE(o);
  o += 2;
  if (o + el !== body.length) throw new Error(`extensions end at ${o + el}, hello body is ${body.length}`);
  const extensions: HelloFields['extensions'] = [];
  let sni: string | undefined;
  const end = o + el;
  while (o < end) {
    const type = body.readUInt16BE(o);
    const len = body.readUInt16BE(o + 2);
    const ext = body.subarray(o + 4, o + 4 + len);
    if (o + 4 + len > end) throw new Error(`extension ${type} overruns the list`);
    extensions.push({ type, body: ext });
    if (type === 0) {
      if (ext.readUInt16BE(0) !== len - 2) throw new Error('server_name list length');
      sni = ext.subarray(5, 5 + ext.readUInt16BE(3)).toString('ascii');
    }
    o += 4 + len;
  }
  return { ciphers, extensions, sni, sessionId };
}
