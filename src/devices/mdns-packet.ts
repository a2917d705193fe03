/**
 * What an mDNS/DNS-SD message announces (RFC 6762/6763): the service types (`_hap._tcp` …) from PTR records of
 * `_services._dns-sd._udp.local` and of service instances, instance names, and the host names of A records. Names are
 * read with compression pointers, at most 16 jumps and 255 bytes each; records beyond 64 are ignored.
 */
import { printable, Truncated, u16, u8 } from './bytes.js';

export interface MdnsAnnouncement {
  /** Service types, e.g. `_googlecast._tcp`. */
  services: string[];
  /** Instance names, e.g. `Living Room._googlecast._tcp.local`. */
  instances: string[];
  /** `.local` host names with an A record. */
  hosts: string[];
  /** TXT strings (key=value), at most 32. */
  txt: string[];
}

function readName(b: Uint8Array, start: number): [string, number] {
  const labels: string[] = [];
  let o = start;
  let end = -1;
  let jumps = 0;
  let len = 0;
  for (;;) {
    const n = u8(b, o);
    if (n === 0) {
      o++;
      break;
    }
    if ((n & 0xc0) === 0xc0) {
      if (++jumps > 16) throw new Truncated();
      if (end < 0) end = o + 2;
      o = u16(b, o) & 0x3fff;
      continue;
    }
    if (n & 0xc0) throw new Truncated();
    if (o + 1 + n > b.length) throw new Truncated();
    len += n + 1;
    if (len > 255) throw new Truncated();
    labels.push(printable(b, o + 1, o + 1 + n, 63));
    o += 1 + n;
  }
  return [labels.join('.'), end < 0 ? o : end];
}

const SERVICE = /(?:^|\.)(_[A-Za-z0-9-]{1,63}\._(?:tcp|udp))\.local$/i;

export function parseMdns(b: Uint8Array): MdnsAnnouncement | undefined {
  try {
    if (b.length < 12) return undefined;
    const counts = [u16(b, 4), u16(b, 6), u16(b, 8), u16(b, 10)];
    const out: MdnsAnnouncement = { services: [], instances: [], hosts: [], txt: [] };
    const add = (list: string[], v: string, max = 32) => {
      if (list.length < max && !list.includes(v)) list.push(v);
    };
    let o = 12;
    for (let i = 0; i < counts[0]; i++) {
      const [name, next] = readName(b, o);
      o = next + 4;
      const m = SERVICE.exec(name);
      if (m) add(out.services, m[1].toLowerCase());
    }
    const records = Math.min(counts[1] + counts[2] + counts[3], 64);
    for (let i = 0; i < records; i++) {
      const [name, next] = readName(b, o);
      const type = u16(b, next);
      const rdlen = u16(b, next + 8);
      const rd = next + 10;
      if (rd + rdlen > b.length) throw new Truncated();
      if (type === 12) {
        const [target] = readName(b, rd);
        if (name.toLowerCase() === '_services._dns-sd._udp.local') {
          const m = SERVICE.exec(target);
          if (m) add(out.services, m[1].toLowerCase());
        } else {
          const m = SERVICE.exec(name);
          if (m) {
            add(out.services, m[1].toLowerCase());
            add(out.instances, target);
          }
        }
      } else if (type === 33) {
        const m = SERVICE.exec(name);
        if (m) {
          add(out.services, m[1].toLowerCase());
          add(out.instances, name);
        }
      } else if (type === 1 && rdlen === 4 && /\.local$/i.test(name)) {
        add(out.hosts, name);
      } else if (type === 16) {
        for (let t = rd; t < rd + rdlen;) {
          const n = b[t];
          if (t + 1 + n > rd + rdlen) break;
          if (n > 0) add(out.txt, printable(b, t + 1, t + 1 + n, 128));
          t += 1 + n;
        }
      }
      o = rd + rdlen;
    }
    return out;
  } catch (e) {
    if (e instanceof Truncated) return undefined;
    throw e;
  }
}
