/**
 * DNS: a stub resolver's queries to its recursive server — A, AAAA, a CNAME chain, NXDOMAIN with the
 * zone's SOA, a query over IPv6, and one large TXT answer fetched over TCP (RFC 7766 length prefix).
 */
import { host, remoteHost, ipv4, ipv6, type Host } from '../net/address.js';
import { serverAddress } from '../net/directory.js';
import { udpFrame } from '../net/frame.js';
import { TcpConversation } from '../net/tcp-conversation.js';
import {
  encodeDns,
  RCODE_NOERROR,
  RCODE_NXDOMAIN,
  TYPE_A,
  TYPE_AAAA,
  TYPE_CNAME,
  TYPE_SOA,
  TYPE_TXT,
  type ResourceRecord,
} from '../dns/message.js';
import type { ScenarioContext } from './context.js';

const RESOLVER_V4 = remoteHost('198.51.100.53', 64, 4);
const RESOLVER_V6 = remoteHost('2001:db8:53::53', 64, 4);
const CLIENTS_V4 = [
  host('192.168.1.23', 128),
  host('10.0.0.15'),
  host('10.0.0.42'),
  host('192.168.1.77', 255),
];
const CLIENT_V6 = host('2001:db8:ffff:1::23', 128);

interface Lookup {
  name: string;
  type: number;
  /** undefined: NXDOMAIN. */
  answers?: ResourceRecord[];
  zone: string;
}

function soa(zone: string): ResourceRecord {
  return {
    name: zone,
    type: TYPE_SOA,
    ttl: 900,
    data: {
      mname: `ns1.${zone}`,
      rname: `hostmaster.${zone}`,
      serial: 2024030101,
      refresh: 7200,
      retry: 3600,
      expire: 1209600,
      minimum: 300,
    },
  };
}

/** The address the other scenarios connect to for `of`. */
const v4 = (of: string): string => serverAddress(of, false);
const v6 = (of: string): string => serverAddress(of, true);

const a = (name: string, addr: string, ttl = 300): ResourceRecord => ({
  name,
  type: TYPE_A,
  ttl,
  data: ipv4(addr),
});
const aaaa = (name: string, addr: string, ttl = 300): ResourceRecord => ({
  name,
  type: TYPE_AAAA,
  ttl,
  data: ipv6(addr),
});
const cname = (name: string, target: string, ttl = 3600): ResourceRecord => ({
  name,
  type: TYPE_CNAME,
  ttl,
  data: target,
});

const LOOKUPS: Lookup[] = [
  {
    name: 'www.example.com',
    type: TYPE_A,
    answers: [a('www.example.com', v4('www.example.com'))],
    zone: 'example.com',
  },
  {
    name: 'www.example.com',
    type: TYPE_AAAA,
    answers: [aaaa('www.example.com', v6('www.example.com'))],
    zone: 'example.com',
  },
  {
    name: 'img.cdn.example.net',
    type: TYPE_A,
    answers: [
      cname('img.cdn.example.net', 'edge-7.cdn.example.net'),
      cname('edge-7.cdn.example.net', 'edge-7.global.example.net', 60),
      a('edge-7.global.example.net', v4('img.cdn.example.net'), 20),
    ],
    zone: 'example.net',
  },
  { name: 'nonexistent.example.com', type: TYPE_A, zone: 'example.com' },
  {
    name: 'api.example.com',
    type: TYPE_A,
    answers: [a('api.example.com', v4('api.example.com'))],
    zone: 'example.com',
  },
  { name: 'wpad.example.org', type: TYPE_A, zone: 'example.org' },
  {
    name: 'www.example.org',
    type: TYPE_A,
    answers: [a('www.example.org', v4('www.example.org'))],
    zone: 'example.org',
  },
  {
    name: 'legacy.example.org',
    type: TYPE_A,
    answers: [a('legacy.example.org', v4('legacy.example.org'), 86400)],
    zone: 'example.org',
  },
  {
    name: 'files.example.org',
    type: TYPE_AAAA,
    answers: [
      cname('files.example.org', 'storage.example.org'),
      aaaa('storage.example.org', v6('files.example.org')),
    ],
    zone: 'example.org',
  },
];

export function dnsScenario(ctx: ScenarioContext): void {
  const { rng, cap } = ctx;
  let clock = ctx.baseUs + rng.int(0, 300_000);
  const ipIds = new Map<string, number>();
  const ipId = (h: Host): number => {
    const v = (ipIds.get(h.text) ?? rng.int(1, 0xffff)) + 1;
    ipIds.set(h.text, v & 0xffff);
    return v;
  };

  const udpLookup = (client: Host, resolver: Host, q: Lookup): void => {
    const start = (clock += rng.int(80_000, Math.max(100_000, ctx.spanUs / (12 + ctx.flows))));
    const id = rng.int(0, 0x10000);
    const sport = rng.int(32768, 61000);
    const edns = rng.chance(0.7) ? 1232 : undefined;
    const query = encodeDns({ id, response: false, question: q, ednsSize: edns });
    cap.add(start, udpFrame(client, resolver, sport, 53, query, ipId(client)));
    const rcode = q.answers ? RCODE_NOERROR : RCODE_NXDOMAIN;
    const response = encodeDns({
      id,
      response: true,
      rcode,
      question: q,
      answers: q.answers,
      authority: q.answers ? undefined : [soa(q.zone)],
      ednsSize: edns,
    });
    cap.add(start + rng.int(900, 40_000), udpFrame(resolver, client, 53, sport, response, ipId(resolver)));
    ctx.manifest.push({
      scenario: 'dns',
      transport: 'udp',
      client: client.text,
      clientPort: sport,
      server: resolver.text,
      serverPort: 53,
      startUs: start,
      packets: 2,
      facts: {
        app: 'dns',
        id,
        qname: q.name,
        qtype: q.type,
        rcode: rcode === RCODE_NOERROR ? 'NOERROR' : 'NXDOMAIN',
        answers: (q.answers ?? []).length,
      },
    });
  };

  for (const q of LOOKUPS) udpLookup(rng.pick(CLIENTS_V4), RESOLVER_V4, q);
  udpLookup(CLIENT_V6, RESOLVER_V6, LOOKUPS[1]);
  for (let i = 0; i < ctx.flows; i++) {
    const q = rng.pick(LOOKUPS);
    udpLookup(rng.pick(CLIENTS_V4), RESOLVER_V4, q);
  }

  // A TXT answer too large for 512 bytes: the client retries over TCP (length-prefixed messages).
  const client = CLIENTS_V4[1];
  const start = (clock += rng.int(100_000, 400_000));
  const conv = new TcpConversation(cap, rng, client, rng.int(32768, 61000), RESOLVER_V4, 53, start);
  const q = { name: 'example.com', type: TYPE_TXT };
  const id = rng.int(0, 0x10000);
  const txt: ResourceRecord[] = Array.from({ length: 14 }, (_, i) => ({
    name: 'example.com',
    type: TYPE_TXT,
    ttl: 3600,
    data: [`v=verify${i} token=${rng.bytes(24).toString('hex')}`],
  }));
  const framed = (m: Buffer): Buffer => Buffer.concat([Buffer.from([m.length >> 8, m.length & 0xff]), m]);
  conv.connect();
  conv.send('c2s', framed(encodeDns({ id, response: false, question: q, ednsSize: 1232 })));
  conv.send(
    's2c',
    framed(encodeDns({ id, response: true, question: q, answers: txt, ednsSize: 1232 })),
    3000,
    false,
  );
  conv.close('c2s');
  ctx.manifest.push({
    scenario: 'dns',
    transport: 'tcp',
    client: client.text,
    clientPort: conv.clientPort,
    server: RESOLVER_V4.text,
    serverPort: 53,
    startUs: start,
    packets: conv.packets,
    facts: { app: 'dns', id, qname: q.name, qtype: TYPE_TXT, rcode: 'NOERROR', answers: txt.length },
  });
}
