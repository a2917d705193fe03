/**
 * Discovery packets as devices send them, built byte by byte from the RFCs (DHCP RFC 2131/2132, mDNS RFC 6762/6763,
 * SSDP UDA 2.0), for the parser tests and as seeds of the fuzz tests; and the Ethernet/IPv4/UDP framing the
 * gateway's interface sees them in.
 */

export function dhcpRequest(o: {
  mac: string;
  vendorClass?: string;
  params?: number[];
  hostname?: string;
}): Buffer {
  const b = Buffer.alloc(240);
  b[0] = 1;
  b[1] = 1;
  b[2] = 6;
  b.writeUInt32BE(0x12345678, 4);
  Buffer.from(o.mac.split(':').map((x) => parseInt(x, 16))).copy(b, 28);
  b.writeUInt32BE(0x63825363, 236);
  const opts: number[] = [53, 1, 1];
  if (o.hostname) opts.push(12, o.hostname.length, ...Buffer.from(o.hostname));
  if (o.vendorClass) opts.push(60, o.vendorClass.length, ...Buffer.from(o.vendorClass));
  if (o.params) opts.push(55, o.params.length, ...o.params);
  opts.push(255);
  return Buffer.concat([b, Buffer.from(opts)]);
}

function name(n: string): number[] {
  const out: number[] = [];
  for (const l of n.split('.')) out.push(l.length, ...Buffer.from(l));
  out.push(0);
  return out;
}

function rr(owner: number[], type: number, rdata: number[]): number[] {
  return [
    ...owner,
    type >> 8,
    type & 255,
    0x80,
    1,
    0,
    0,
    0x11,
    0x94,
    rdata.length >> 8,
    rdata.length & 255,
    ...rdata,
  ];
}

/** An unsolicited mDNS response announcing one service instance on `host` at `ip` (with a compression pointer). */
export function mdnsAnnouncement(o: {
  service: string;
  instance: string;
  host: string;
  ip: string;
  txt?: string[];
}): Buffer {
  const header = [0, 0, 0x84, 0, 0, 0, 0, 4, 0, 0, 0, 0];
  const svc = name(`${o.service}.local`);
  const svcOffset = 12;
  const ptrOwner = svc;
  const inst = [o.instance.length, ...Buffer.from(o.instance), 0xc0, svcOffset];
  const hostName = name(`${o.host}.local`);
  const txt: number[] = [];
  for (const t of o.txt ?? ['a=1']) txt.push(t.length, ...Buffer.from(t));
  const body = [
    ...rr(ptrOwner, 12, inst),
    ...rr([...inst], 33, [0, 0, 0, 0, 0x1f, 0x90, ...hostName]),
    ...rr([...inst], 16, txt),
    ...rr(hostName, 1, o.ip.split('.').map(Number)),
  ];
  return Buffer.from([...header, ...body]);
}

export function ssdpNotify(location: string, nt = 'upnp:rootdevice'): Buffer {
  return Buffer.from(
    `NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nCACHE-CONTROL: max-age=1800\r\nLOCATION: ${location}\r\n` +
      `NT: ${nt}\r\nNTS: ssdp:alive\r\nSERVER: Linux/5.10 UPnP/2.0 test/1.0\r\nUSN: uuid:1234::${nt}\r\n\r\n`,
  );
}

export function description(o: {
  deviceType: string;
  manufacturer: string;
  model: string;
  name: string;
}): string {
  return `<?xml version="1.0"?>
<root xmlns="urn:schemas-upnp-org:device-1-0"><specVersion><major>2</major><minor>0</minor></specVersion>
<device><deviceType>${o.deviceType}</deviceType><friendlyName>${o.name}</friendlyName>
<manufacturer>${o.manufacturer}</manufacturer><modelName>${o.model}</modelName>
<serviceList><service><serviceType>urn:schemas-upnp-org:service:ConnectionManager:1</serviceType></service></serviceList>
</device></root>`;
}

/** Ethernet II + IPv4 + UDP around `payload` (checksums left zero: the parsers do not verify them). */
export function udpFrame(
  o: { mac: string; src: string; dst: string; sport: number; dport: number },
  payload: Buffer,
): Buffer {
  const eth = Buffer.alloc(14);
  Buffer.from([1, 0, 0x5e, 0, 0, 0xfb]).copy(eth, 0);
  Buffer.from(o.mac.split(':').map((x) => parseInt(x, 16))).copy(eth, 6);
  eth.writeUInt16BE(0x0800, 12);
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + 8 + payload.length, 2);
  ip[8] = 64;
  ip[9] = 17;
  Buffer.from(o.src.split('.').map(Number)).copy(ip, 12);
  Buffer.from(o.dst.split('.').map(Number)).copy(ip, 16);
  const udp = Buffer.alloc(8);
  udp.writeUInt16BE(o.sport, 0);
  udp.writeUInt16BE(o.dport, 2);
  udp.writeUInt16BE(8 + payload.length, 4);
  return Buffer.concat([eth, ip, udp, payload]);
}

/** A seeded generator (tests must repeat). */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A mutation of `seed`: flipped bytes, a cut, or random bytes spliced in. */
export function mutate(seed: Buffer, rnd: () => number): Buffer {
  const b = Buffer.from(seed);
  const kind = Math.floor(rnd() * 4);
  if (kind === 0) return b.subarray(0, Math.floor(rnd() * b.length));
  const n = 1 + Math.floor(rnd() * 8);
  for (let i = 0; i < n; i++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
  if (kind === 3) {
    const at = Math.floor(rnd() * b.length);
    const junk = Buffer.from(Array.from({ length: Math.floor(rnd() * 64) }, () => Math.floor(rnd() * 256)));
    return Buffer.concat([b.subarray(0, at), junk, b.subarray(at)]);
  }
  return b;
}
