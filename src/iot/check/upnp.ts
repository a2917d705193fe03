/**
 * UPnP IGD exposure (A-13): an SSDP M-SEARCH for the Internet Gateway Device, sent to the device alone (unicast,
 * udp/1900). When it answers, its description is fetched — only from the device's own address, never from where
 * a LOCATION header points elsewhere — and checked for the WANIPConnection / WANPPPConnection service, through which
 * any host on the LAN can open ports from the internet (AddPortMapping) without authentication.
 */
import { createSocket } from 'node:dgram';
import { httpRequest } from '../http-client.js';

const IGD = 'urn:schemas-upnp-org:device:InternetGatewayDevice:1';

export interface UpnpProbe {
  /** The device answered the IGD search. */
  answered: boolean;
  location?: string;
  /** The description declares an Internet Gateway Device. */
  igd: boolean;
  /** …with a WAN connection service (port mappings from outside). */
  wanService?: string;
  server?: string;
  /** Why the description was not fetched or read. */
  note?: string;
}

function search(host: string, ms: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const sock = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const done = (v: string | undefined) => {
      clearTimeout(t);
      sock.close();
      resolve(v);
    };
    const t = setTimeout(() => done(undefined), ms);
    sock.on('message', (m, rinfo) => {
      if (rinfo.address === host) done(m.toString('latin1').slice(0, 4096));
    });
    sock.on('error', () => done(undefined));
    const msg =
      `M-SEARCH * HTTP/1.1\r\nHOST: ${host.includes(':') ? `[${host}]` : host}:1900\r\n` +
      `MAN: "ssdp:discover"\r\nMX: 1\r\nST: ${IGD}\r\n\r\n`;
    sock.send(msg, 1900, host, (err) => err && done(undefined));
  });
}

function header(response: string, name: string): string | undefined {
  const m = new RegExp(`^${name}:[ \\t]*(.*?)\\s*$`, 'im').exec(response);
  return m?.[1];
}

export async function probeUpnpIgd(host: string, ms: number): Promise<UpnpProbe> {
  const response = await search(host, ms);
  if (!response || !/^HTTP\/1\.[01] 200/i.test(response)) return { answered: false, igd: false };
  const location = header(response, 'location');
  const server = header(response, 'server');
  const st = header(response, 'st') ?? '';
  const base: UpnpProbe = { answered: true, location, server, igd: /InternetGatewayDevice/i.test(st) };
  if (!location) return { ...base, note: 'no LOCATION header' };
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    return { ...base, note: `LOCATION is not a URL: ${location.slice(0, 200)}` };
  }
  const urlHost = url.hostname.replace(/^\[|\]$/g, '');
  if (url.protocol !== 'http:' || urlHost !== host)
    return {
      ...base,
      note: `LOCATION points outside the device (${url.protocol}//${url.host}): not fetched`,
    };
  try {
    const a = await httpRequest({
      host,
      port: Number(url.port || 80),
      method: 'GET',
      path: `${url.pathname}${url.search}`,
      timeoutMs: ms,
      maxBytes: 64 * 1024,
    });
    const xml = a.body.toString('utf8');
    const igd =
      base.igd ||
      /<deviceType>\s*urn:schemas-upnp-org:device:InternetGatewayDevice:\d+\s*<\/deviceType>/i.test(xml);
    const svc =
      /<serviceType>\s*(urn:schemas-upnp-org:service:WAN(?:IP|PPP)Connection:\d+)\s*<\/serviceType>/i.exec(
        xml,
      );
    return { ...base, igd, wanService: svc?.[1] };
  } catch (e) {
    return { ...base, note: `description not read: ${(e as Error).message}` };
  }
}
