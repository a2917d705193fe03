/**
 * TLS traffic: one TLS 1.2 session per certificate case, TLS 1.3 sessions (one after a
 * HelloRetryRequest), a resumed TLS 1.2 session, TLS on ports 8443 and 8883, IPv6, a hello without SNI,
 * and background sessions from the four client stacks.
 */
import { host, type Host } from '../net/address.js';
import { serverHost } from '../net/directory.js';
import { TcpConversation } from '../net/tcp-conversation.js';
import { buildClientHello, CLIENT_PROFILES, type ClientProfile } from '../tls/client-profiles.js';
import type { CertCase, SynthPki } from '../pki/certificates.js';
import { GROUP_SECP256R1 } from '../tls/constants.js';
import { EphemeralPorts, type ScenarioContext } from './context.js';
import {
  closeNotify,
  playApplicationData,
  playTls12Full,
  playTls12Resumed,
  playTls13,
  playLegacyTls10,
  type Tls12Result,
} from './tls-session.js';

/** The client machines and the stack each runs. */
const CLIENTS: Record<ClientProfile, { v4: Host; v6: Host }> = {
  browser: { v4: host('192.168.1.23', 128), v6: host('2001:db8:ffff:1::23', 128) },
  curl: { v4: host('10.0.0.15'), v6: host('2001:db8:ffff:2::15') },
  python: { v4: host('10.0.0.42'), v6: host('2001:db8:ffff:2::42') },
  iot: { v4: host('192.168.1.77', 255), v6: host('2001:db8:ffff:1::77', 255) },
};

function versionText(v: number): string {
  return v === 0x0304 ? 'TLS 1.3' : 'TLS 1.2';
}

export function tlsScenario(ctx: ScenarioContext, pki: SynthPki): void {
  const { rng } = ctx;
  const ports = new EphemeralPorts(rng.fork('ports'));
  let clock = ctx.baseUs + rng.int(0, 200_000);
  const nextStart = (): number => (clock += rng.int(50_000, Math.max(60_000, ctx.spanUs / (20 + ctx.flows))));

  interface SessionSpec {
    profile: ClientProfile;
    v6?: boolean;
    port?: number;
    sni?: string;
    /** TLS 1.2 server presenting this certificate case; absent: a TLS 1.3 server. */
    cert?: CertCase;
    flightRecords?: 'one' | 'per-message' | { fragment: number };
    /**
     * Come back later and resume: TLS 1.2 by session id or with the session ticket the server issued,
     * TLS 1.3 with a ticket offered as pre-shared key.
     */
    resumeAfter?: 'session-id' | 'ticket' | 'psk';
    helloRetry?: boolean;
    exchanges?: number;
    ending?: 'close_notify' | 'fin' | 'rst';
  }

  const play = (s: SessionSpec): void => {
    const client = CLIENTS[s.profile][s.v6 ? 'v6' : 'v4'];
    const cred = s.cert ? pki.servers[s.cert] : undefined;
    const sni = 'sni' in s ? s.sni : cred?.sni;
    const server = serverHost(sni ?? cred?.subjectCn ?? 'bare', s.v6 ?? false);
    const serverPort = s.port ?? 443;
    const start = nextStart();
    const conv = new TcpConversation(ctx.cap, rng, client, ports.take(client), server, serverPort, start);
    conv.connect();
    const hello = buildClientHello(s.profile, rng, { sni });
    const facts: Record<string, string | number | boolean | string[]> = {
      app: 'tls',
      clientProfile: s.profile,
    };
    if (sni) facts.sni = sni;
    let tls13 = false;
    let full: Tls12Result | undefined;
    if (cred) {
      full = playTls12Full(conv, rng, hello, {
        credential: cred,
        flightRecords: s.flightRecords,
        ocspResponse: cred.case === 'valid' ? pki.validOcsp : undefined,
        ticket: s.profile === 'browser',
        h2: s.profile === 'browser',
      });
      Object.assign(facts, {
        version: versionText(0x0303),
        cipher: full.cipher,
        certCase: cred.case,
        subjectCn: cred.subjectCn,
        stapledOcsp: full.stapled,
        resumed: false,
      });
    } else {
      tls13 = true;
      const r = playTls13(conv, rng, hello, sni, {
        chainBytes: rng.int(1800, 4200),
        serverGroup: s.helloRetry ? GROUP_SECP256R1 : undefined,
      });
      Object.assign(facts, {
        version: versionText(0x0304),
        cipher: r.cipher,
        helloRetry: r.helloRetry,
        resumed: false,
      });
      if (r.alpn) facts.alpn = r.alpn;
    }
    if (full?.alpn) facts.alpn = full.alpn;
    playApplicationData(conv, rng, tls13, s.exchanges ?? rng.int(1, 4));
    const ending = s.ending ?? 'close_notify';
    if (ending === 'close_notify') conv.send('c2s', closeNotify(rng, tls13), rng.int(1000, 20000), false);
    if (ending === 'rst') conv.abort('c2s');
    else conv.close('c2s');
    ctx.manifest.push({
      scenario: 'tls',
      transport: 'tcp',
      client: client.text,
      clientPort: conv.clientPort,
      server: server.text,
      serverPort,
      startUs: start,
      packets: conv.packets,
      facts,
    });

    if (s.resumeAfter && full && cred) {
      // The same client comes back and offers the session id it got: an abbreviated handshake.
      const again = conv.now + rng.int(500_000, 3_000_000);
      const conv2 = new TcpConversation(ctx.cap, rng, client, ports.take(client), server, serverPort, again);
      conv2.connect();
      // With a ticket the client sends a fresh session id, which the server echoes to accept (RFC 5077 §3.4).
      const byTicket = s.resumeAfter === 'ticket' && full.ticket !== undefined;
      const hello2 = byTicket
        ? buildClientHello(s.profile, rng, { sni, ticket: full.ticket, sessionId: rng.bytes(32) })
        : buildClientHello(s.profile, rng, { sni, sessionId: full.sessionId });
      playTls12Resumed(conv2, rng, hello2, full, true);
      playApplicationData(conv2, rng, false, 1);
      conv2.send('c2s', closeNotify(rng, false), rng.int(1000, 5000), false);
      conv2.close('c2s');
      ctx.manifest.push({
        scenario: 'tls',
        transport: 'tcp',
        client: client.text,
        clientPort: conv2.clientPort,
        server: server.text,
        serverPort,
        startUs: again,
        packets: conv2.packets,
        facts: {
          ...facts,
          resumed: true,
          resumedBy: byTicket ? 'ticket' : 'session-id',
          stapledOcsp: false,
          sessionId: hello2.sessionId.toString('hex'),
        },
      });
    }
    if (s.resumeAfter === 'psk' && tls13) {
      const again = conv.now + rng.int(500_000, 3_000_000);
      const conv2 = new TcpConversation(ctx.cap, rng, client, ports.take(client), server, serverPort, again);
      conv2.connect();
      const psk = { identity: rng.bytes(rng.int(180, 230)), age: rng.u32() };
      const hello2 = buildClientHello(s.profile, rng, { sni, psk });
      const r = playTls13(conv2, rng, hello2, sni, { chainBytes: 0, pskAccepted: true });
      playApplicationData(conv2, rng, true, 1);
      conv2.send('c2s', closeNotify(rng, true), rng.int(1000, 5000), false);
      conv2.close('c2s');
      ctx.manifest.push({
        scenario: 'tls',
        transport: 'tcp',
        client: client.text,
        clientPort: conv2.clientPort,
        server: server.text,
        serverPort,
        startUs: again,
        packets: conv2.packets,
        facts: { ...facts, resumed: true, resumedBy: 'psk', helloRetry: r.helloRetry },
      });
    }
  };

  /** An XP-era client with an SSLv2-format hello to an old device that still speaks TLS 1.0. */
  const legacy = (): void => {
    const client = host('192.168.1.50', 128);
    const cred = pki.servers['weak-key'];
    const server = serverHost(cred.subjectCn, false);
    const start = nextStart();
    const conv = new TcpConversation(ctx.cap, rng, client, ports.take(client), server, 443, start, {
      timestamps: false,
    });
    conv.connect();
    const cipher = playLegacyTls10(conv, rng, cred);
    conv.close('c2s');
    ctx.manifest.push({
      scenario: 'tls',
      transport: 'tcp',
      client: client.text,
      clientPort: conv.clientPort,
      server: server.text,
      serverPort: 443,
      startUs: start,
      packets: conv.packets,
      facts: {
        app: 'tls',
        clientProfile: 'legacy-sslv2',
        // Suricata's EVE spelling of TLS 1.0 (versionName in proto/tls), as every version moat writes.
        version: 'TLSv1',
        sslv2Hello: true,
        cipher,
        certCase: cred.case,
        subjectCn: cred.subjectCn,
        resumed: false,
      },
    });
  };

  // One TLS 1.2 session per certificate case (the certificate is only visible before TLS 1.3).
  play({ profile: 'browser', cert: 'valid', exchanges: 3 });
  play({ profile: 'python', cert: 'expired', flightRecords: { fragment: 512 } });
  play({ profile: 'curl', cert: 'self-signed', port: 8443, ending: 'fin' });
  play({ profile: 'browser', cert: 'wildcard', v6: true });
  play({ profile: 'curl', cert: 'many-sans', flightRecords: 'per-message' });
  play({ profile: 'iot', cert: 'weak-key', port: 8883, ending: 'fin' });
  play({ profile: 'browser', cert: 'sni-mismatch', ending: 'rst', exchanges: 1 });
  play({ profile: 'curl', cert: 'valid', resumeAfter: 'session-id' });
  play({ profile: 'browser', cert: 'wildcard', resumeAfter: 'ticket' });
  play({ profile: 'iot', cert: 'valid', sni: undefined });
  legacy();
  // TLS 1.3.
  play({ profile: 'curl', sni: 'api.example.com', resumeAfter: 'psk' });
  play({ profile: 'browser', sni: 'www.example.net', v6: true });
  play({ profile: 'python', sni: 'files.example.org' });
  play({ profile: 'curl', sni: 'secure.example.com', helloRetry: true });
  play({ profile: 'browser', sni: 'mail.example.com', port: 993 });

  // Background: any stack to the common servers; TLS 1.2 servers present a certificate naming the SNI.
  const names = [
    'api.example.com',
    'docs.example.org',
    'news.example',
    'static.example.com',
    'www.example.net',
  ];
  const legacyCases: CertCase[] = ['valid', 'wildcard', 'many-sans'];
  for (let i = 0; i < ctx.flows; i++) {
    const profile = rng.pick(CLIENT_PROFILES);
    const v6 = rng.chance(0.2);
    const ending = rng.pick(['close_notify', 'fin'] as const);
    if (profile === 'iot' || rng.chance(0.3)) {
      const cert = rng.pick(legacyCases);
      const sni = rng
        .pick(pki.servers[cert].dnsNames)
        .replace('*', rng.pick(['img', 'js', 'fonts', 'video']));
      play({ profile, sni, cert, v6, ending });
    } else {
      play({ profile, sni: rng.pick(names), v6, ending });
    }
  }
}
