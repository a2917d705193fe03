/**
 * Multi-pattern prefilter (A-32): one pass over a buffer finds which rules' fast patterns occur, so the cost of
 * inspection grows with the text, not with the number of rules. Aho-Corasick over bytes, built as a trie with
 * failure links and stored flat in BFS order: the shallow states (where text spends most of its time) have dense
 * 256-entry rows with the failure transitions precomputed, so most bytes cost one table load; deeper states keep
 * sorted child ranges in typed arrays. 20,000 patterns take a few MB, not the hundreds a full DFA would. ASCII
 * case is folded; each rule's own match re-checks case afterwards.
 */
/** Dense rows at most: 4096 × 256 × 4 bytes = 4 MB per automaton. */
const MAX_DENSE_ROWS = 4096;

/** States this shallow get a dense row (every byte's next state precomputed through the failure links). */
const DENSE_DEPTH = 2;

export class AhoCorasick {
  /** Full transition rows of the first `denseRows` states (BFS order, so the shallow ones). */
  private dense: Int32Array = new Int32Array(256);
  private denseRows = 1;
  private childStart: Int32Array = new Int32Array(0);
  private childCount: Uint16Array = new Uint16Array(0);
  private childByte: Uint8Array = new Uint8Array(0);
  private childState: Int32Array = new Int32Array(0);
  private fail: Int32Array = new Int32Array(0);
  /** Pattern ids ending at each state (including through failure links): outIds[outStart[s] .. outStart[s+1]). */
  private outStart: Int32Array = new Int32Array(1);
  private outIds: Int32Array = new Int32Array(0);
  /** 1 where a state has outputs: one byte load per text byte instead of two. */
  private hasOut: Uint8Array = new Uint8Array(1);
  /**
   * The scan in which each output state last reported: a state's outputs (its own and its failure chain's) are
   * the same every time, so reporting them once per scan is enough. Short literals ET uses (`|00|`, `|01 00|`)
   * end on most bytes of a binary payload; without this every one of them was a callback.
   */
  private reported: Uint32Array = new Uint32Array(1);
  private scanGen = 0;
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

  /**
   * Builds the trie in typed arrays (one hash map of edges, child lists as linked lists): 20,000 patterns make
   * a few hundred thousand states, and a Map per state would cost more in allocation than the whole scan.
   */
  private build(patterns: ReadonlyArray<Uint8Array>): void {
    let cap = 1;
    for (const p of patterns) cap += p.length;
    const edge = new Map<number, number>();
    const head = new Int32Array(cap).fill(-1);
    const next = new Int32Array(cap);
    const byteOf = new Uint8Array(cap);
    const ownHead = new Int32Array(cap).fill(-1);
    const ownNext = new Int32Array(patterns.length);
    let n = 1;
    patterns.forEach((p, id) => {
      let s = 0;
      for (let i = 0; i < p.length; i++) {
        const b = this.fold(p[i]);
        const key = s * 256 + b;
        let c = edge.get(key);
        if (c === undefined) {
          c = n++;
          edge.set(key, c);
          byteOf[c] = b;
          next[c] = head[s];
          head[s] = c;
        }
        s = c;
      }
      ownNext[id] = ownHead[s];
      ownHead[s] = id;
    });
    this.states = n;
    // BFS: order[new] = old; renum[old] = new; depth never decreases along the order.
    const order = new Int32Array(n);
    const renum = new Int32Array(n);
    const depth = new Uint16Array(n);
    let qn = 1;
    for (let qi = 0; qi < qn; qi++) {
      const old = order[qi];
      for (let c = head[old]; c >= 0; c = next[c]) {
        renum[c] = qn;
        depth[qn] = depth[qi] + 1;
        order[qn++] = c;
      }
    }
    const child = (sNew: number, b: number): number => {
      const c = edge.get(order[sNew] * 256 + b);
      return c === undefined ? -1 : renum[c];
    };
    const fail = new Int32Array(n);
    for (let s = 1; s < n; s++) {
      // Parent-first order: the failure state of every shallower state is already known.
      for (let cOld = head[order[s]]; cOld >= 0; cOld = next[cOld]) {
        const c = renum[cOld];
        const b = byteOf[cOld];
        let f = fail[s];
        let g = child(f, b);
        while (g < 0 && f !== 0) {
          f = fail[f];
          g = child(f, b);
        }
        fail[c] = g >= 0 && g !== c ? g : 0;
      }
    }
    // Children sorted by byte, per state.
    this.childStart = new Int32Array(n);
    this.childCount = new Uint16Array(n);
    this.childByte = new Uint8Array(Math.max(n - 1, 0));
    this.childState = new Int32Array(Math.max(n - 1, 0));
    let e = 0;
    const tmp: number[] = [];
    for (let s = 0; s < n; s++) {
      tmp.length = 0;
      for (let c = head[order[s]]; c >= 0; c = next[c]) tmp.push(byteOf[c] * 0x1000000 + renum[c]);
      tmp.sort((a, b) => a - b);
      this.childStart[s] = e;
      this.childCount[s] = tmp.length;
      for (const v of tmp) {
        this.childByte[e] = Math.floor(v / 0x1000000);
        this.childState[e] = v % 0x1000000;
        e++;
      }
    }
    this.fail = fail;
    // Outputs: a state's own patterns, then its failure state's (already laid out: it comes earlier).
    const outStart = new Int32Array(n + 1);
    const outCount = new Int32Array(n);
    let total = 0;
    for (let s = 0; s < n; s++) {
      let own = 0;
      for (let id = ownHead[order[s]]; id >= 0; id = ownNext[id]) own++;
      outCount[s] = own + (s === 0 ? 0 : outCount[fail[s]]);
      outStart[s] = total;
      total += outCount[s];
    }
    outStart[n] = total;
    const outIds = new Int32Array(total);
    for (let s = 0; s < n; s++) {
      let k = outStart[s];
      for (let id = ownHead[order[s]]; id >= 0; id = ownNext[id]) outIds[k++] = id;
      if (s !== 0) outIds.copyWithin(k, outStart[fail[s]], outStart[fail[s]] + outCount[fail[s]]);
    }
    this.outStart = outStart;
    this.outIds = outIds;
    this.hasOut = new Uint8Array(n);
    for (let s = 0; s < n; s++) this.hasOut[s] = outCount[s] > 0 ? 1 : 0;
    this.reported = new Uint32Array(n);
    let rows = 1;
    while (rows < n && rows < MAX_DENSE_ROWS && depth[rows] <= DENSE_DEPTH) rows++;
    const dense = new Int32Array(rows * 256);
    for (let s = 0; s < rows; s++) {
      // Misses take the (shallower, already filled) failure state's row; the root's misses stay at the root.
      if (s !== 0) dense.copyWithin(s * 256, fail[s] * 256, fail[s] * 256 + 256);
      const c0 = this.childStart[s];
      for (let k = c0; k < c0 + this.childCount[s]; k++) {
        const b = this.childByte[k];
        // A target with outputs is stored complemented (negative): the scan learns it from the one load.
        const c = this.childState[k];
        const v = outCount[c] > 0 ? ~c : c;
        dense[s * 256 + b] = v;
        // Case folding baked into the row: upper-case text bytes need no folding on the dense path.
        if (this.foldCase && b >= 0x61 && b <= 0x7a) dense[s * 256 + (b ^ 0x20)] = v;
      }
    }
    this.dense = dense;
    this.denseRows = rows;
  }

  /** The next scan's generation for `reported`, clearing it when the counter wraps. */
  private nextScan(): number {
    if (++this.scanGen === 0xffffffff) {
      this.reported.fill(0);
      this.scanGen = 1;
    }
    return this.scanGen;
  }

  /**
   * Calls `hit(patternId)` for every pattern occurrence (ids may repeat); stops early when `hit` returns true.
   * `distinct`: each pattern at least once per scan instead — an output state reports once, which is all a
   * prefilter needs.
   */
  scan(
    buf: Uint8Array,
    off: number,
    len: number,
    hit: (id: number) => boolean | void,
    distinct = false,
  ): void {
    if (this.size === 0) return;
    const gen = this.nextScan();
    const reported = this.reported;
    const fold = this.foldCase;
    const dense = this.dense;
    const rows = this.denseRows;
    const fail = this.fail;
    const cStart = this.childStart;
    const cCount = this.childCount;
    const cByte = this.childByte;
    const cState = this.childState;
    const outStart = this.outStart;
    const outIds = this.outIds;
    const hasOut = this.hasOut;
    let s = 0;
    const end = off + len;
    for (let i = off; i < end; i++) {
      const raw = buf[i];
      if (s < rows) {
        const v = dense[s * 256 + raw];
        if (v >= 0) {
          s = v;
          continue;
        }
        s = ~v;
      } else {
        const b = fold && raw >= 0x41 && raw <= 0x5a ? raw | 0x20 : raw;
        // Deep state: its sorted children, else follow failure links until a dense row answers.
        for (;;) {
          const start = cStart[s];
          const stop = start + cCount[s];
          let next = -1;
          for (let k = start; k < stop; k++) {
            const v = cByte[k];
            if (v === b) {
              next = cState[k];
              break;
            }
            if (v > b) break;
          }
          if (next >= 0) {
            s = next;
            break;
          }
          s = fail[s];
          if (s < rows) {
            const v = dense[s * 256 + raw];
            s = v < 0 ? ~v : v;
            break;
          }
        }
        if (hasOut[s] === 0) continue;
      }
      if (distinct) {
        if (reported[s] === gen) continue;
        reported[s] = gen;
      }
      for (let j = outStart[s], o1 = outStart[s + 1]; j < o1; j++) if (hit(outIds[j]) === true) return;
    }
  }
}
