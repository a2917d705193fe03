/**
 * dnsmasq's lease file, one lease a line: `expiry-epoch mac ip hostname client-id` (`*` when unknown; expiry 0 =
 * infinite). The DHCPv6 `duid` line and anything malformed are skipped, never guessed at.
 */
import { readFileSync } from 'node:fs';

export interface Lease {
  mac: string;
  ip: string;
  hostname?: string;
  clientId?: string;
  /** Lease end, ms since the epoch; undefined = never expires. */
  expires?: number;
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

export function parseLeases(text: string): Lease[] {
  const out: Lease[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4 || !/^\d+$/.test(f[0]) || !MAC.test(f[1]) || !IPV4.test(f[2])) continue;
    const expiry = Number(f[0]);
    out.push({
      mac: f[1].toLowerCase(),
      ip: f[2],
      hostname: f[3] === '*' ? undefined : f[3],
      clientId: f[4] && f[4] !== '*' ? f[4] : undefined,
      expires: expiry === 0 ? undefined : expiry * 1000,
    });
  }
  return out;
}

/** The leases in `file`; none when it does not exist yet (dnsmasq creates it on the first lease). */
export function readLeaseFile(file: string): Lease[] {
  try {
    return parseLeases(readFileSync(file, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}
