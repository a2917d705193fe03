/** Printable strings and the indicators in them: URLs, IPv4 addresses, domains (A-81 static part). */
const MAX_STRINGS = 20000;

export function extractStrings(b: Buffer, min = 4): string[] {
  const out: string[] = [];
  let start = -1;
  for (let i = 0; i <= b.length; i++) {
    const c = i < b.length ? b[i] : 0;
    const printable = (c >= 0x20 && c < 0x7f) || c === 9;
    if (printable) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      if (i - start >= min) {
        out.push(b.toString('latin1', start, Math.min(i, start + 1024)));
        if (out.length >= MAX_STRINGS) break;
      }
      start = -1;
    }
  }
  return out;
}

const TLDS =
  /\.(com|net|org|info|biz|ru|cn|top|xyz|io|cc|tk|ml|ga|cf|gq|pw|su|de|uk|nl|fr|us|eu|online|site|club|example|local|lan)$/i;

export interface Indicators {
  urls: string[];
  ips: string[];
  domains: string[];
}

export function indicators(strings: readonly string[]): Indicators {
  const urls = new Set<string>();
  const ips = new Set<string>();
  const domains = new Set<string>();
  for (const s of strings) {
    for (const m of s.matchAll(/\b(?:https?|ftp|tftp):\/\/[^\s"'<>`;|]{1,300}/gi)) urls.add(m[0]);
    for (const m of s.matchAll(/\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b/g))
      if (!/^\d+\.\d+\.\d+\.\d+\.\d/.test(m[0])) ips.add(m[0]);
    for (const m of s.matchAll(/\b(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}\b/gi)) {
      const d = m[0].toLowerCase();
      if (TLDS.test(d) && !/\.(so|o|c|h|sh|py|pl)$/.test(d)) domains.add(d);
    }
  }
  return { urls: [...urls].slice(0, 500), ips: [...ips].slice(0, 500), domains: [...domains].slice(0, 500) };
}

/** Shannon entropy in bits per byte; packed or encrypted payloads sit above ~7.2. */
export function entropy(b: Buffer): number {
  if (b.length === 0) return 0;
  const counts = new Uint32Array(256);
  for (const x of b) counts[x]++;
  let h = 0;
  for (const c of counts) {
    if (c === 0) continue;
    const p = c / b.length;
    h -= p * Math.log2(p);
  }
  return h;
}
