/**
 * DNS messages (RFC 1035 §4) with name compression the way servers write answers: owner names point
 * back at the question, CNAME targets are compressed against names already written.
 */

export const TYPE_A = 1;
export const TYPE_NS = 2;
export const TYPE_CNAME = 5;
export const TYPE_SOA = 6;
export const TYPE_TXT = 16;
export const TYPE_AAAA = 28;
export const TYPE_OPT = 41;

export const RCODE_NOERROR = 0;
export const RCODE_NXDOMAIN = 3;

export interface ResourceRecord {
  name: string;
  type: number;
  ttl: number;
  /** A: 4 bytes, AAAA: 16 bytes; CNAME/NS: a name; TXT: strings; SOA: fields. */
  data: Buffer | string | string[] | SoaData;
}

export interface SoaData {
  mname: string;
  rname: string;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
}

export interface DnsMessage {
  id: number;
  response: boolean;
  /** Recursion desired (queries) / recursion available (responses) bits are set as stub resolvers use them. */
  rcode?: number;
  authoritative?: boolean;
  question: { name: string; type: number };
  answers?: ResourceRecord[];
  authority?: ResourceRecord[];
  /** Add an EDNS0 OPT record with this UDP payload size. */
  ednsSize?: number;
}

class Writer {
  private readonly parts: Buffer[] = [];
  private length = 0;
  private readonly names = new Map<string, number>();

  bytes(b: Buffer): void {
    this.parts.push(b);
    this.length += b.length;
  }

  u16(n: number): void {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(n);
    this.bytes(b);
  }

  u32(n: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n >>> 0);
    this.bytes(b);
  }

  get offset(): number {
    return this.length;
  }

  /** Labels up to the first suffix already written, then a pointer to it (RFC 1035 §4.1.4). */
  name(name: string): void {
    const labels = name.replace(/\.$/, '').split('.').filter(Boolean);
    for (let i = 0; i < labels.length; i++) {
      const suffix = labels.slice(i).join('.').toLowerCase();
      const at = this.names.get(suffix);
      if (at !== undefined) {
        this.u16(0xc000 | at);
        return;
      }
      if (this.offset < 0x4000) this.names.set(suffix, this.offset);
      const label = Buffer.from(labels[i], 'ascii');
      if (label.length > 63) throw new Error(`synth: DNS label "${labels[i]}" is longer than 63 bytes`);
      this.bytes(Buffer.concat([Buffer.from([label.length]), label]));
    }
    this.bytes(Buffer.from([0]));
  }

  /** RDATA with its 16-bit length filled in after the data is written (names may compress). */
  rdata(write: () => void): void {
    const lenAt = this.parts.length;
    this.u16(0);
    const start = this.offset;
    write();
    this.parts[lenAt].writeUInt16BE(this.offset - start);
  }

  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

function record(w: Writer, rr: ResourceRecord): void {
  w.name(rr.name);
  w.u16(rr.type);
  w.u16(1); // IN
  w.u32(rr.ttl);
  w.rdata(() => {
    const d = rr.data;
    if (Buffer.isBuffer(d)) w.bytes(d);
    else if (typeof d === 'string') w.name(d);
    else if (Array.isArray(d))
      for (const s of d) w.bytes(Buffer.concat([Buffer.from([s.length]), Buffer.from(s)]));
    else {
      w.name(d.mname);
      w.name(d.rname);
      for (const v of [d.serial, d.refresh, d.retry, d.expire, d.minimum]) w.u32(v);
    }
  });
}

export function encodeDns(m: DnsMessage): Buffer {
  const w = new Writer();
  const answers = m.answers ?? [];
  const authority = m.authority ?? [];
  w.u16(m.id);
  // QR | AA | RD, and RA in responses; rcode in the low nibble.
  const flags =
    (m.response ? 0x8000 : 0) | (m.authoritative ? 0x0400 : 0) | 0x0100 | (m.response ? 0x0080 : 0);
  w.u16(flags | (m.rcode ?? 0));
  w.u16(1);
  w.u16(answers.length);
  w.u16(authority.length);
  w.u16(m.ednsSize ? 1 : 0);
  w.name(m.question.name);
  w.u16(m.question.type);
  w.u16(1);
  for (const rr of answers) record(w, rr);
  for (const rr of authority) record(w, rr);
  if (m.ednsSize) {
    w.bytes(Buffer.from([0])); // root
    w.u16(TYPE_OPT);
    w.u16(m.ednsSize);
    w.u32(0);
    w.u16(0);
  }
  return w.done();
}
