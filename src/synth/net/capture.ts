/**
 * The frames of one synthetic capture. Scenarios add frames at their own times; `frames()` merges them in
 * time order (ties keep insertion order), so flows interleave as they would on a real link.
 */
export interface SynthFrame {
  tsUs: number;
  data: Buffer;
}

export class SynthCapture {
  private readonly list: { tsUs: number; n: number; data: Buffer }[] = [];

  add(tsUs: number, data: Buffer): void {
    this.list.push({ tsUs: Math.round(tsUs), n: this.list.length, data });
  }

  get count(): number {
    return this.list.length;
  }

  frames(): SynthFrame[] {
    return [...this.list]
      .sort((x, y) => x.tsUs - y.tsUs || x.n - y.n)
      .map((f) => ({ tsUs: f.tsUs, data: f.data }));
  }
}
