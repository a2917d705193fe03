/** Capture files (pcap, pcapng, cap) under a corpus folder, in name order, at most `limit`; none if it is missing. */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export function corpusCaptures(dir: string, limit: number): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (out.length >= limit) return;
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(pcap|pcapng|cap)$/i.test(e.name)) out.push(p);
    }
  };
  walk(dir);
  return out;
}
