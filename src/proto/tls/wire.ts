/** Bounds-checked big-endian reads over a handshake message; a read past the end throws TlsParseError. */
export class TlsParseError extends Error {}

export class Wire {
  constructor(
    readonly buf: Buffer,
    public pos: number,
    readonly end: number,
  ) {}

  /** `id` (an extension type …) is added to `what` in the message: the label is only built for an error. */
  need(n: number, what: string, id?: number): void {
    if (this.pos + n > this.end) {
      const label = id === undefined ? what : `${what} ${id}`;
      throw new TlsParseError(`${label}: needs ${n} bytes, ${this.end - this.pos} left`);
    }
  }

  u8(what: string): number {
    this.need(1, what);
    return this.buf[this.pos++];
  }

  u16(what: string): number {
    this.need(2, what);
    const v = (this.buf[this.pos] << 8) | this.buf[this.pos + 1];
    this.pos += 2;
    return v;
  }

  u24(what: string): number {
    this.need(3, what);
    const v = (this.buf[this.pos] << 16) | (this.buf[this.pos + 1] << 8) | this.buf[this.pos + 2];
    this.pos += 3;
    return v;
  }

  skip(n: number, what: string): void {
    this.need(n, what);
    this.pos += n;
  }

  /** A sub-reader over the next `n` bytes (a length-prefixed vector), advancing past them. */
  sub(n: number, what: string, id?: number): Wire {
    this.need(n, what, id);
    const w = new Wire(this.buf, this.pos, this.pos + n);
    this.pos += n;
    return w;
  }

  get left(): number {
    return this.end - this.pos;
  }
}
