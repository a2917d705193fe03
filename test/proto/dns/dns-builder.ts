/**
 * Builds DNS messages byte by byte for tests, with name compression (RFC 1035 §4.1.4) so parsers meet
 * pointers the way real servers write them.
 */
export interface RR {
  name: string;
  type: number;
  ttl?: number;
  rclass?: number;
  /** Raw rdata, or a function writing it with access to the builder (for compressed names). */
  rdata: Buffer | ((b: DnsBuilder) => void);
}

export class DnsBuilder {
  private bytes: number[] = [];
  private readonly names = new Map<string, number>();

  u8(v: number): this {
    this.bytes.push(v & 255);
    return this;
  }
  u16(v: number): this {
    return this.u8(v >> 8).u8(v);
  }
  u32(v: number): this {
    return this.u16(v >>> 16).u16(v & 0xffff);
  }
  raw(b: Buffer | number[]): this {
    for (const x of b) this.bytes.push(x);
    return this;
  }
  get length(): number {
    return this.bytes.length;
  }

  /** Writes a name, compressing against names written before when `compress`. */
  name(n: string, compress = true): this {
    const labels = n === '' ? [] : n.split('.');
    for (let i = 0; i < labels.length; i++) {
      const suffix = labels.slice(i).join('.').toLowerCase();
      const at = this.names.get(suffix);
      if (compress && at !== undefined) return this.u16(0xc000 | at);
      if (this.bytes.length < 0x3fff) this.names.set(suffix, this.bytes.length);
      const l = Buffer.from(labels[i], 'latin1');
      this.u8(l.length).raw(l);
    }
    return this.u8(0);
  }

  toBuffer(): Buffer {
    return Buffer.from(this.bytes);
  }
}

export interface MessageSpec {
  id: number;
  flags: number;
  questions: Array<{ name: string; type: number; qclass?: number }>;
  answers?: RR[];
  authorities?: RR[];
  additionals?: RR[];
}

export function buildMessage(m: MessageSpec): Buffer {
  const b = new DnsBuilder();
  const an = m.answers ?? [];
  const ns = m.authorities ?? [];
  const ar = m.additionals ?? [];
  b.u16(m.id).u16(m.flags).u16(m.questions.length).u16(an.length).u16(ns.length).u16(ar.length);
  for (const q of m.questions)
    b.name(q.name)
      .u16(q.type)
      .u16(q.qclass ?? 1);
  for (const rr of [...an, ...ns, ...ar]) {
    b.name(rr.name)
      .u16(rr.type)
      .u16(rr.rclass ?? 1)
      .u32(rr.ttl ?? 300);
    if (Buffer.isBuffer(rr.rdata)) {
      b.u16(rr.rdata.length).raw(rr.rdata);
    } else {
      const lenAt = b.length;
      b.u16(0);
      rr.rdata(b);
      const buf = b.toBuffer();
      const rdLen = buf.length - lenAt - 2;
      // Patch the rdlength in place.
      (b as unknown as { bytes: number[] }).bytes[lenAt] = rdLen >> 8;
      (b as unknown as { bytes: number[] }).bytes[lenAt + 1] = rdLen & 255;
    }
  }
  return b.toBuffer();
}

export const ipv4 = (s: string): Buffer => Buffer.from(s.split('.').map(Number));

/** Frames messages for DNS over TCP (two-byte length prefix). */
export function tcpFrame(...msgs: Buffer[]): Buffer {
  return Buffer.concat(
    msgs.map((m) => {
      const h = Buffer.alloc(2);
      h.writeUInt16BE(m.length);
      return Buffer.concat([h, m]);
    }),
  );
}
