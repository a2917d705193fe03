/**
 * Multi-pattern prefilter (A-32): one pass over a buffer finds which rules' fast patterns occur, so the cost of
 * inspection grows with the text, not with the number of rules. Aho-Corasick over bytes, built as a trie with
 * failure links and stored flat: the root has a dense 256-entry table (most bytes of most text fail there), other
 * states keep sorted child ranges in typed arrays. 20,000 patterns take a few MB, not the hundreds a full DFA
 * would. ASCII case is folded; each rule's own match re-checks case afterwards.
 */
export class AhoCorasick {
  private readonly root = new Int32Array(256);
  private childStart: Int32Array = new Int32Array(0);
  private childCount: Uint16Array = new Uint16Array(0);
  private childByte: Uint8Array = new Uint8Array(0);
  private childState: Int32Array = new Int32Array(0);
  private fail: Int32Array = new Int32Array(0);
  /** Pattern ids ending at each state, including those reached through failure links. */
  private out: Int32Array[] = [];
  readonly size: number;
  states = 0;

  constructor(
    patterns: ReadonlyArray<Uint8Array>,
    private readonly foldCase = true,
  ) {
    this.size = patterns.length;
    this.build(patterns);
  }

  private fold(b: number): number {
    return this.foldCase && b >= 0x41 && b <= 0x5a ? b | 0x20 : b;
  }

  private build(patterns: ReadonlyArray<Uint8Array>): void {
    // Trie with Map children first; flattened in BFS order below.
    const kids: Array<Map<number, number>> = [new Map()];
    const outs: number[][] = [[]];
    patterns.forEach((p, id) => {
      let s = 0;
      for (const raw of p) {
        const b = this.fold(raw);
        let n = kids[s].get(b);
        if (n === undefined) {
          n = kids.length;
          kids.push(new Map());
          outs.push([]);
          kids[s].set(b, n);
        }
        s = n;
      }
      outs[s].push(id);
    });
    const n = kids.length;
    this.states = n;
    const fail = new Int32Array(n);
    const order: number[] = [0];
    for (let qi = 0; qi < order.length; qi++) {
      const s = order[qi];
      for (const [b, c] of kids[s]) {
        order.push(c);
        if (s === 0) fail[c] = 0;
        else {
          let f = fail[s];
          while (f !== 0 && !kids[f].has(b)) f = fail[f];
          const g = kids[f].get(b);
          fail[c] = g !== undefined && g !== c ? g : 0;
        }
        if (outs[fail[c]].length > 0) outs[c] = outs[c].concat(outs[fail[c]]);
      }
    }
    let edges = 0;
    for (const k of kids) edges += k.size;
    this.childStart = new Int32Array(n);
    this.childCount = new Uint16Array(n);
    this.childByte = new Uint8Array(edges);
    this.childState = new Int32Array(edges);
    let e = 0;
    for (let s = 0; s < n; s++) {
      const sorted = [...kids[s]].sort((a, b) => a[0] - b[0]);
      this.childStart[s] = e;
      this.childCount[s] = sorted.length;
      for (const [b, c] of sorted) {
        this.childByte[e] = b;
        this.childState[e] = c;
        e++;
      }
    }
    this.root.fill(0);
    for (const [b, c] of kids[0]) this.root[b] = c;
    this.fail = fail;
    this.out = outs.map((o) => Int32Array.from(o));
  }

  private child(s: number, b: number): number {
    const start = this.childStart[s];
    const count = this.childCount[s];
    const bytes = this.childByte;
    if (count <= 8) {
      for (let i = start, end = start + count; i < end; i++) if (bytes[i] === b) return this.childState[i];
      return -1;
    }
    let lo = start;
    let hi = start + count - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = bytes[mid];
      if (v === b) return this.childState[mid];
      if (v < b) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** Calls `hit(patternId)` for every pattern occurrence (ids may repeat); stops early when `hit` returns true. */
  scan(buf: Uint8Array, off: number, len: number, hit: (id: number) => boolean | void): void {
    if (this.size === 0) return;
    const fold = this.foldCase;
    const root = this.root;
    const fail = this.fail;
    const out = this.out;
    let s = 0;
    const end = off + len;
    for (let i = off; i < end; i++) {
      let b = buf[i];
      if (fold && b >= 0x41 && b <= 0x5a) b |= 0x20;
      for (;;) {
        if (s === 0) {
          s = root[b];
          break;
        }
        const c = this.child(s, b);
        if (c >= 0) {
          s = c;
          break;
        }
        s = fail[s];
      }
      const o = out[s];
      if (o.length > 0) for (let j = 0; j < o.length; j++) if (hit(o[j]) === true) return;
    }
  }
}
