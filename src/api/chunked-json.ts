/**
 * Parses a large JSON batch body (`{"items":[…], …}`) without holding the event loop: the bytes are scanned
 * in slices for the top-level `items` array's element boundaries, then each element is parsed on its own,
 * a slice at a time, yielding between slices. A 35 MB JSON.parse holds the loop for about half a second; here
 * no single step takes more than a few milliseconds, so single requests and health checks keep being answered.
 */
const SCAN_SLICE = 64 * 1024;

const yieldLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

export class BodySyntaxError extends Error {
  readonly statusCode = 400;
  readonly code = 'invalid JSON body';
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

export async function parseJsonChunked(buf: Buffer): Promise<unknown> {
  let depth = 0;
  let inString = false;
  let escaped = false;
  let stringStart = -1;
  let lastKey = '';
  let itemsOpen = -1;
  let itemsClose = -1;
  let elemStart = -1;
  const spans: number[] = [];
  const isWs = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
  for (let from = 0; from < buf.length; from += SCAN_SLICE) {
    const to = Math.min(buf.length, from + SCAN_SLICE);
    for (let i = from; i < to; i++) {
      const c = buf[i];
      if (inString) {
        if (escaped) escaped = false;
        else if (c === BACKSLASH) escaped = true;
        else if (c === QUOTE) {
          inString = false;
          if (depth === 1) lastKey = buf.toString('utf8', stringStart + 1, i);
        }
        continue;
      }
      if (c === QUOTE) {
        inString = true;
        stringStart = i;
        if (depth === 2 && itemsOpen >= 0 && itemsClose < 0 && elemStart < 0) elemStart = i;
        continue;
      }
      if (c === 0x7b || c === 0x5b) {
        if (depth === 1 && c === 0x5b && lastKey === 'items' && itemsOpen < 0) itemsOpen = i;
        else if (depth === 2 && itemsOpen >= 0 && itemsClose < 0 && elemStart < 0) elemStart = i;
        depth++;
        continue;
      }
      if (c === 0x7d || c === 0x5d) {
        depth--;
        if (depth < 0) throw new BodySyntaxError(`unexpected '${String.fromCharCode(c)}' at byte ${i}`);
        if (depth === 1 && itemsOpen >= 0 && itemsClose < 0) {
          if (elemStart >= 0) spans.push(elemStart, i);
          elemStart = -1;
          itemsClose = i;
        }
        continue;
      }
      if (depth === 2 && itemsOpen >= 0 && itemsClose < 0) {
        if (c === 0x2c) {
          if (elemStart < 0) throw new BodySyntaxError(`empty element in items at byte ${i}`);
          spans.push(elemStart, i);
          elemStart = -1;
        } else if (elemStart < 0 && !isWs(c)) elemStart = i;
      }
    }
    if (to < buf.length) await yieldLoop();
  }
  if (inString || depth !== 0) throw new BodySyntaxError('unexpected end of the JSON body');
  if (itemsOpen < 0) return parseWhole(buf.toString('utf8'));
  const rest = parseWhole(
    `${buf.toString('utf8', 0, itemsOpen)}[]${buf.toString('utf8', itemsClose + 1)}`,
  ) as Record<string, unknown>;
  const items = new Array<unknown>(spans.length / 2);
  const slicer = new Slicer();
  for (let k = 0; k < items.length; k++) {
    try {
      items[k] = JSON.parse(buf.toString('utf8', spans[2 * k], spans[2 * k + 1]));
    } catch (e) {
      throw new BodySyntaxError(`items[${k}]: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (slicer.due()) await slicer.pause();
  }
  rest.items = items;
  return rest;
}

function parseWhole(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new BodySyntaxError(e instanceof Error ? e.message : String(e));
  }
}

/**
 * A time-sliced loop's pause: `due()` is true once `budgetMs` have passed since the last yield; `pause()`
 * yields to the event loop (other requests run) and starts a new slice.
 */
export class Slicer {
  private start = performance.now();
  constructor(private readonly budgetMs = 2) {}
  due(): boolean {
    return performance.now() - this.start >= this.budgetMs;
  }
  async pause(): Promise<void> {
    await yieldLoop();
    this.start = performance.now();
  }
}
