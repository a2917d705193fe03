/**
 * A DHCP client's fingerprint from its own packets (RFC 2131/2132): the parameter request list (option 55) in the
 * order the client sends it, the vendor class (60), the host name (12). Only BOOTREQUESTs from clients are read;
 * anything malformed is ignored (undefined), never half-read.
 */
import { printable, Truncated, u8 } from './bytes.js';

export interface DhcpFingerprint {
  mac: string;
  /** DHCP message type (1 discover, 3 request …). */
  messageType?: number;
  hostname?: string;
  vendorClass?: string;
  /** Option 55, comma-separated in the client's order (the fingerbank convention). */
  paramList?: string;
  requestedIp?: string;
}

const MAGIC = [0x63, 0x82, 0x53, 0x63];

export function parseDhcp(p: Uint8Array): DhcpFingerprint | undefined {
  try {
    if (p.length < 240 || u8(p, 0) !== 1 || u8(p, 1) !== 1 || u8(p, 2) !== 6) return undefined;
    for (let i = 0; i < 4; i++) if (p[236 + i] !== MAGIC[i]) return undefined;
    const mac = Array.from(p.subarray(28, 34), (x) => x.toString(16).padStart(2, '0')).join(':');
    const fp: DhcpFingerprint = { mac };
    let o = 240;
    while (o < p.length) {
      const code = u8(p, o++);
      if (code === 0) continue;
      if (code === 255) break;
      const len = u8(p, o++);
      const end = o + len;
      if (end > p.length) throw new Truncated();
      if (code === 53 && len === 1) fp.messageType = p[o];
      else if (code === 12 && len > 0) fp.hostname = printable(p, o, end, 63);
      else if (code === 60 && len > 0) fp.vendorClass = printable(p, o, end, 128);
      else if (code === 55) fp.paramList = Array.from(p.subarray(o, end)).join(',');
      else if (code === 50 && len === 4) fp.requestedIp = Array.from(p.subarray(o, end)).join('.');
      o = end;
    }
    return fp;
  } catch (e) {
    if (e instanceof Truncated) return undefined;
    throw e;
  }
}
