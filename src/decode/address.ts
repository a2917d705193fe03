/**
 * Text forms of the four-word addresses in DecodedPacket / FlowView. Only called when a record is written
 * (never per packet). IPv6 text follows RFC 5952 (lower case, longest zero run compressed), as Suricata prints.
 */

export function formatIp(words: ArrayLike<number>, ipVersion: number): string {
  if (ipVersion === 4) {
    const a = words[3] >>> 0;
    return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
  }
  const groups: number[] = [];
  for (let i = 0; i < 4; i++) {
    const w = words[i] >>> 0;
    groups.push(w >>> 16, w & 0xffff);
  }
  // Longest run of ≥2 zero groups, first one on ties (RFC 5952 §4.2).
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  const head = hex.slice(0, bestStart).join(':');
  const tail = hex.slice(bestStart + bestLen).join(':');
  return `${head}::${tail}`;
}

/** Parses dotted IPv4 or IPv6 text into four words (IPv4-mapped for IPv4); undefined when invalid. */
export function parseIp(text: string): { words: Uint32Array; ipVersion: 4 | 6 } | undefined {
  const words = new Uint32Array(4);
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    const parts = v4.slice(1).map(Number);
    if (parts.some((p) => p > 255)) return undefined;
    words[2] = 0xffff;
    words[3] = ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
    return { words, ipVersion: 4 };
  }
  if (!text.includes(':') || !/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const toGroups = (s: string): number[] | undefined => {
    if (s === '') return [];
    const out: number[] = [];
    for (const part of s.split(':')) {
      if (part.includes('.')) {
        const inner = parseIp(part);
        if (!inner || inner.ipVersion !== 4) return undefined;
        out.push(inner.words[3] >>> 16, inner.words[3] & 0xffff);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(part)) return undefined;
        out.push(parseInt(part, 16));
      }
    }
    return out;
  };
  const head = toGroups(halves[0]);
  const tail = halves.length === 2 ? toGroups(halves[1]) : [];
  if (!head || !tail) return undefined;
  let groups: number[];
  if (halves.length === 2) {
    if (head.length + tail.length > 7) return undefined;
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    if (head.length !== 8) return undefined;
    groups = head;
  }
  for (let i = 0; i < 4; i++) words[i] = ((groups[2 * i] << 16) | groups[2 * i + 1]) >>> 0;
  return { words, ipVersion: 6 };
}
