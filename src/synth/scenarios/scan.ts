/**
 * An nmap-style SYN scan (-sS) of one host: one source port, window 1024, a bare MSS option, ports in
 * random order. Open ports answer SYN/ACK and the scanner's kernel resets them; closed ports answer
 * RST/ACK; filtered ports stay silent and get one retransmitted probe.
 */
import { host, remoteHost } from '../net/address.js';
import { mssOption, tcpFrame, TCP_ACK, TCP_RST, TCP_SYN } from '../net/frame.js';
import type { ScenarioContext } from './context.js';

/** nmap's most frequently open TCP ports (the head of its top-ports list). */
const TOP_PORTS = [
  80, 23, 443, 21, 22, 25, 3389, 110, 445, 139, 143, 53, 135, 3306, 8080, 1723, 111, 995, 993, 5900, 1025,
  587, 8888, 199, 1720, 465, 548, 113, 81, 6001, 10000, 514, 5060, 179, 1026, 2000, 8443, 8000, 32768, 554,
  26, 1433, 49152, 2001, 515, 8008, 49154, 1027, 5666, 646, 5000, 5631, 631, 49153, 8081, 2049, 88, 79, 5800,
  106, 2121, 1110, 49155, 6000, 513, 990, 5357, 427, 49156, 543, 544, 5101, 144, 7, 389, 8009, 3128, 444,
  9999, 5009, 7070, 5190, 3000, 5432, 1900, 3986, 13, 1029, 9, 5051, 6646, 49157, 1028, 873, 1755, 2717, 4899,
  9100, 119, 37,
];

export function scanScenario(ctx: ScenarioContext): void {
  const { rng, cap } = ctx;
  const scanner = host('10.0.0.66');
  const target = remoteHost('198.51.100.20', 64, 6);
  const open = new Set([22, 80, 443]);
  const filtered = new Set([135, 139, 445, 1433]);
  const ports = rng.shuffle(TOP_PORTS.slice(0, Math.min(TOP_PORTS.length, 60 + ctx.flows * 5)));
  const sport = rng.int(40000, 65000);
  const ttl = rng.int(37, 60); // nmap picks a TTL per scan for its raw packets
  const probeHost = { ...scanner, ttl };
  const rtt = rng.int(2_000, 12_000);
  const start = ctx.baseUs + rng.int(5_000_000, 20_000_000);
  let t = start;
  let packets = 0;
  let targetIpId = rng.int(1, 0xffff);
  const add = (ts: number, frame: Buffer): void => {
    cap.add(ts, frame);
    packets++;
  };
  const probe = (ts: number, port: number, seq: number): void =>
    add(
      ts,
      tcpFrame(
        probeHost,
        target,
        { sport, dport: port, seq, ack: 0, flags: TCP_SYN, window: 1024, options: mssOption(1460) },
        Buffer.alloc(0),
        rng.int(1, 0xffff),
      ),
    );
  const silent: { port: number; seq: number }[] = [];
  for (const port of ports) {
    const seq = rng.u32();
    probe(t, port, seq);
    const back = t + rtt + rng.int(0, 800);
    if (open.has(port)) {
      const isn = rng.u32();
      add(
        back,
        tcpFrame(
          target,
          scanner,
          {
            sport: port,
            dport: sport,
            seq: isn,
            ack: seq + 1,
            flags: TCP_SYN | TCP_ACK,
            window: 64240,
            options: mssOption(1460),
          },
          Buffer.alloc(0),
          0,
        ),
      );
      // The scanner's kernel never opened this connection, so it resets it.
      add(
        back + rng.int(20, 90),
        tcpFrame(
          scanner,
          target,
          { sport, dport: port, seq: seq + 1, ack: 0, flags: TCP_RST, window: 0 },
          Buffer.alloc(0),
          0,
        ),
      );
    } else if (filtered.has(port)) {
      silent.push({ port, seq });
    } else {
      targetIpId = (targetIpId + 1) & 0xffff;
      add(
        back,
        tcpFrame(
          target,
          scanner,
          { sport: port, dport: sport, seq: 0, ack: seq + 1, flags: TCP_RST | TCP_ACK, window: 0 },
          Buffer.alloc(0),
          targetIpId,
        ),
      );
    }
    t += rng.int(30, 400);
  }
  // Retransmit probes that got no answer, after nmap's initial timeout.
  t += 1_000_000;
  for (const s of silent) {
    probe(t, s.port, s.seq);
    t += rng.int(30, 400);
  }
  ctx.manifest.push({
    scenario: 'scan',
    transport: 'tcp',
    client: scanner.text,
    clientPort: sport,
    server: target.text,
    serverPort: 0,
    startUs: start,
    packets,
    facts: {
      app: 'scan',
      portsProbed: ports.length,
      open: [...open].map(String),
      filtered: [...filtered].filter((p) => ports.includes(p)).map(String),
    },
  });
}
