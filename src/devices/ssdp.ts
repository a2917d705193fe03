/**
 * SSDP/UPnP (UPnP Device Architecture 2.0): the headers of NOTIFY and M-SEARCH responses, and the device description
 * at LOCATION. The description is fetched only when LOCATION is plain http to an address literal inside the device's
 * own zone subnet (a LOCATION elsewhere — the internet, another zone, a name to resolve — is never fetched, only
 * counted); the fetch is bounded in size and time, follows no redirect, and the XML is read without a DTD: a
 * description declaring one (entity expansion) is refused.
 */
import { request } from 'node:http';

export interface SsdpMessage {
  location?: string;
  server?: string;
  /** NT of a NOTIFY or ST of a response. */
  target?: string;
  usn?: string;
}

export interface UpnpDescription {
  deviceType?: string;
  friendlyName?: string;
  manufacturer?: string;
  modelName?: string;
  modelNumber?: string;
  serviceTypes: string[];
}

export function parseSsdp(p: Uint8Array): SsdpMessage | undefined {
  const text = Buffer.from(p.buffer, p.byteOffset, Math.min(p.length, 4096)).toString('latin1');
  const lines = text.split(/\r?\n/).map((l) => l.replace(/[^\x20-\x7e]/g, '?'));
  if (!/^(NOTIFY \* HTTP\/1\.[01]|HTTP\/1\.[01] 200)/i.test(lines[0] ?? '')) return undefined;
  const m: SsdpMessage = {};
  for (const l of lines.slice(1, 40)) {
    const i = l.indexOf(':');
    if (i <= 0) continue;
    const k = l.slice(0, i).trim().toLowerCase();
    const v = l
      .slice(i + 1)
      .trim()
      .slice(0, 512);
    if (k === 'location') m.location = v;
    else if (k === 'server') m.server = v;
    else if (k === 'nt' || k === 'st') m.target = v;
    else if (k === 'usn') m.usn = v;
  }
  return m;
}

export type LocationCheck =
  { ok: true; host: string; port: number; path: string } | { ok: false; why: string };

/** Whether LOCATION may be fetched: http, an IPv4 literal, inside `inZone`. */
export function checkLocation(location: string, inZone: (ip: string) => boolean): LocationCheck {
  let u: URL;
  try {
    u = new URL(location);
  } catch {
    return { ok: false, why: 'not a URL' };
  }
  if (u.protocol !== 'http:') return { ok: false, why: `scheme ${u.protocol} refused` };
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(u.hostname)) return { ok: false, why: 'not an IPv4 address literal' };
  if (!inZone(u.hostname)) return { ok: false, why: `${u.hostname} is outside the device's zone` };
  return { ok: true, host: u.hostname, port: Number(u.port || 80), path: u.pathname + u.search };
}

/** GET with a byte and a time bound; rejects on any status but 200, on a redirect, or past the bounds. */
export function fetchBounded(
  c: { host: string; port: number; path: string },
  maxBytes: number,
  timeoutMs: number,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: c.host, port: c.port, path: c.path, method: 'GET', timeout: timeoutMs },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          req.destroy();
          return reject(new Error(`HTTP ${res.statusCode}`));
        }
        const parts: Buffer[] = [];
        let n = 0;
        res.on('data', (d: Buffer) => {
          n += d.length;
          if (n > maxBytes) {
            req.destroy();
            return reject(new Error(`description larger than ${maxBytes} bytes`));
          }
          parts.push(d);
        });
        res.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
        res.on('error', reject);
      },
    );
    const deadline = setTimeout(() => {
      req.destroy();
      reject(new Error(`no complete description within ${timeoutMs} ms`));
    }, timeoutMs);
    req.on('close', () => clearTimeout(deadline));
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function text(xml: string, tag: string): string | undefined {
  const m = new RegExp(`<(?:[A-Za-z0-9_]+:)?${tag}\\b[^>]{0,200}>([^<]{0,256})<`).exec(xml);
  return m ? m[1].replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => ENTITIES[e]).trim() : undefined;
}

/** The description's root device fields; undefined for a document that is not one or that declares a DTD. */
export function parseDescription(xml: string): UpnpDescription | undefined {
  if (xml.length > 1 << 20 || /<!DOCTYPE|<!ENTITY/i.test(xml)) return undefined;
  if (!/<(?:[A-Za-z0-9_]+:)?root\b/.test(xml) || !/<(?:[A-Za-z0-9_]+:)?device\b/.test(xml)) return undefined;
  const serviceTypes: string[] = [];
  const re = /<(?:[A-Za-z0-9_]+:)?serviceType>([^<]{1,200})</g;
  for (let m = re.exec(xml); m && serviceTypes.length < 32; m = re.exec(xml))
    if (!serviceTypes.includes(m[1].trim())) serviceTypes.push(m[1].trim());
  return {
    deviceType: text(xml, 'deviceType'),
    friendlyName: text(xml, 'friendlyName'),
    manufacturer: text(xml, 'manufacturer'),
    modelName: text(xml, 'modelName'),
    modelNumber: text(xml, 'modelNumber'),
    serviceTypes,
  };
}
