/**
 * Discovery parsers on packets built from the RFCs, then fuzzed (truncations, flipped bytes, spliced junk, pointer
 * loops): every input gives a result or undefined, never an exception, in bounded time. SSDP: LOCATION outside the
 * zone is refused before any connection; descriptions declaring a DTD are refused; fetches are bounded in size and
 * time (real HTTP servers on loopback).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  checkLocation,
  fetchBounded,
  parseDescription,
  parseDhcp,
  parseMdns,
  parseSsdp,
} from '../../src/devices/index.js';
import { description, dhcpRequest, mdnsAnnouncement, mutate, prng, ssdpNotify } from './packets.js';

test('DHCP: option 55 in the client order, vendor class, host name', () => {
  const p = dhcpRequest({
    mac: '02:11:22:33:44:55',
    vendorClass: 'udhcp 1.36.1',
    params: [1, 3, 6, 12, 15, 28, 42],
    hostname: 'cam1',
  });
  assert.deepEqual(parseDhcp(p), {
    mac: '02:11:22:33:44:55',
    messageType: 1,
    hostname: 'cam1',
    vendorClass: 'udhcp 1.36.1',
    paramList: '1,3,6,12,15,28,42',
  });
  assert.equal(parseDhcp(p.subarray(0, 239)), undefined, 'shorter than the fixed header');
  const reply = Buffer.from(p);
  reply[0] = 2;
  assert.equal(parseDhcp(reply), undefined, 'server replies are not fingerprints');
});

test('mDNS: service types, instances, hosts and TXT from an announcement with compression', () => {
  const p = mdnsAnnouncement({
    service: '_hap._tcp',
    instance: 'Plug 1',
    host: 'plug1',
    ip: '192.168.62.7',
    txt: ['md=Plug', 'ci=7'],
  });
  const m = parseMdns(p);
  assert.ok(m);
  assert.deepEqual(m.services, ['_hap._tcp']);
  assert.deepEqual(m.instances, ['Plug 1._hap._tcp.local']);
  assert.deepEqual(m.hosts, ['plug1.local']);
  assert.deepEqual(m.txt, ['md=Plug', 'ci=7']);
  // A compression pointer to itself: refused, not followed forever.
  const loop = Buffer.from([0, 0, 0x84, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 12, 0, 1]);
  assert.equal(parseMdns(loop), undefined);
});

test('SSDP: NOTIFY headers; LOCATION only inside the zone; descriptions without DTD', () => {
  const s = parseSsdp(ssdpNotify('http://192.168.62.9:49152/desc.xml'));
  assert.deepEqual(s, {
    location: 'http://192.168.62.9:49152/desc.xml',
    target: 'upnp:rootdevice',
    server: 'Linux/5.10 UPnP/2.0 test/1.0',
    usn: 'uuid:1234::upnp:rootdevice',
  });
  assert.equal(parseSsdp(Buffer.from('M-SEARCH * HTTP/1.1\r\n\r\n')), undefined);
  const inZone = (ip: string) => ip.startsWith('192.168.62.');
  assert.equal(checkLocation('http://192.168.62.9:49152/d.xml', inZone).ok, true);
  for (const [url, why] of [
    ['http://203.0.113.5/d.xml', /outside the device's zone/],
    ['http://192.168.61.7/d.xml', /outside/],
    ['https://192.168.62.9/d.xml', /scheme/],
    ['http://evil.example/d.xml', /literal/],
    ['http://[::1]/d.xml', /literal/],
    ['not a url', /not a URL/],
  ] as const) {
    const c = checkLocation(url, inZone);
    assert.equal(c.ok, false, url);
    assert.match((c as { why: string }).why, why, url);
  }
  const d = parseDescription(
    description({
      deviceType: 'urn:schemas-upnp-org:device:MediaRenderer:1',
      manufacturer: 'A &amp; B',
      model: 'TV 9',
      name: 'Lounge',
    }),
  );
  assert.deepEqual(d, {
    deviceType: 'urn:schemas-upnp-org:device:MediaRenderer:1',
    friendlyName: 'Lounge',
    manufacturer: 'A & B',
    modelName: 'TV 9',
    modelNumber: undefined,
    serviceTypes: ['urn:schemas-upnp-org:service:ConnectionManager:1'],
  });
  const laughs = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><root><device><deviceType>&lol2;</deviceType></device></root>`;
  assert.equal(parseDescription(laughs), undefined, 'entity expansion refused');
  assert.equal(parseDescription('<html>not upnp</html>'), undefined);
});

test('fuzzed DHCP, mDNS, SSDP packets and descriptions never throw', () => {
  const rnd = prng(13);
  const seeds = {
    dhcp: dhcpRequest({ mac: '02:00:00:00:00:01', vendorClass: 'x', params: [1, 3, 6], hostname: 'h' }),
    mdns: mdnsAnnouncement({ service: '_googlecast._tcp', instance: 'TV', host: 'tv', ip: '10.0.0.2' }),
    ssdp: ssdpNotify('http://10.0.0.2/d.xml'),
    desc: Buffer.from(description({ deviceType: 'x', manufacturer: 'y', model: 'z', name: 'n' })),
  };
  let parsed = 0;
  const t0 = performance.now();
  for (let i = 0; i < 20_000; i++) {
    for (const [kind, seed] of Object.entries(seeds)) {
      const m = mutate(seed, rnd);
      const r =
        kind === 'dhcp'
          ? parseDhcp(m)
          : kind === 'mdns'
            ? parseMdns(m)
            : kind === 'ssdp'
              ? parseSsdp(m)
              : parseDescription(m.toString('latin1'));
      if (r) parsed++;
    }
  }
  // Random bytes too, not only mutations.
  for (let i = 0; i < 5000; i++) {
    const b = Buffer.from(Array.from({ length: Math.floor(rnd() * 600) }, () => Math.floor(rnd() * 256)));
    parseDhcp(b);
    parseMdns(b);
    parseSsdp(b);
  }
  const ms = performance.now() - t0;
  assert.ok(parsed > 1000, `some mutations still parse (${parsed})`);
  assert.ok(ms < 20_000, `95,000 inputs in ${ms.toFixed(0)} ms`);
});

async function serve(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; port: number }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port };
}

test('description fetches are bounded in bytes and time, and follow no redirect', async (t) => {
  const big = await serve((_q, res) => {
    res.writeHead(200);
    const chunk = Buffer.alloc(64 * 1024, 0x41);
    let n = 0;
    const more = () => {
      while (n < 160 && res.write(chunk)) n++;
      if (n < 160) res.once('drain', more);
      else res.end();
    };
    more();
  });
  const slow = await serve((_q, res) => {
    res.writeHead(200);
    res.write('<root>');
    // never ends
  });
  const redirect = await serve((_q, res) => {
    res.writeHead(302, { location: 'http://203.0.113.1/' });
    res.end();
  });
  t.after(() => {
    for (const s of [big, slow, redirect]) {
      s.server.closeAllConnections();
      s.server.close();
    }
  });
  const at = (port: number) => ({ host: '127.0.0.1', port, path: '/d.xml' });
  await assert.rejects(fetchBounded(at(big.port), 65_536, 5000), /larger than 65536 bytes/);
  const t0 = Date.now();
  await assert.rejects(fetchBounded(at(slow.port), 65_536, 400), /within 400 ms/);
  assert.ok(Date.now() - t0 < 2000);
  await assert.rejects(fetchBounded(at(redirect.port), 65_536, 2000), /HTTP 302/);
});
