/**
 * The kernel's connection tracking table, which *is* the gateway's NAT and session table: read with
 * `conntrack -L -o xml` and parsed from its fixed element layout (flow → meta original/reply/independent).
 */
import { execFile } from 'node:child_process';
import { OperationalError } from '../framework/errors.js';

export interface Tuple {
  src: string;
  dst: string;
  sport?: number;
  dport?: number;
}

export interface ConntrackEntry {
  /** Layer-3 family: ipv4 or ipv6. */
  family: string;
  /** Layer-4 protocol name (tcp, udp, icmp, …). */
  proto: string;
  original: Tuple;
  reply: Tuple;
  /** TCP state (ESTABLISHED, TIME_WAIT …); absent for other protocols. */
  state?: string;
  /** Seconds until the entry expires. */
  timeout: number;
  assured: boolean;
  unreplied: boolean;
  mark: number;
  id?: number;
}

export class ConntrackError extends OperationalError {}

function tag(xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml);
  return m?.[1];
}

function tuple(meta: string): { family: string; proto: string; t: Tuple } {
  const l3 = /<layer3[^>]*protoname="([^"]+)"[^>]*>([\s\S]*?)<\/layer3>/.exec(meta);
  const l4 = /<layer4[^>]*protoname="([^"]+)"[^>]*>([\s\S]*?)<\/layer4>/.exec(meta);
  const sport = l4 ? tag(l4[2], 'sport') : undefined;
  const dport = l4 ? tag(l4[2], 'dport') : undefined;
  return {
    family: l3?.[1] ?? 'unknown',
    proto: l4?.[1] ?? 'unknown',
    t: {
      src: (l3 && tag(l3[2], 'src')) ?? '',
      dst: (l3 && tag(l3[2], 'dst')) ?? '',
      sport: sport === undefined ? undefined : Number(sport),
      dport: dport === undefined ? undefined : Number(dport),
    },
  };
}

export function parseConntrackXml(xml: string): ConntrackEntry[] {
  const out: ConntrackEntry[] = [];
  for (const flow of xml.matchAll(/<flow>([\s\S]*?)<\/flow>/g)) {
    const metas = new Map<string, string>();
    for (const m of flow[1].matchAll(/<meta direction="([a-z]+)">([\s\S]*?)<\/meta>/g)) metas.set(m[1], m[2]);
    const orig = metas.get('original');
    const reply = metas.get('reply');
    if (!orig || !reply) continue;
    const o = tuple(orig);
    const r = tuple(reply);
    const ind = metas.get('independent') ?? '';
    const id = tag(ind, 'id');
    out.push({
      family: o.family,
      proto: o.proto,
      original: o.t,
      reply: r.t,
      state: tag(ind, 'state'),
      timeout: Number(tag(ind, 'timeout') ?? 0),
      assured: ind.includes('<assured/>'),
      unreplied: ind.includes('<unreplied/>'),
      mark: Number(tag(ind, 'mark') ?? 0),
      id: id === undefined ? undefined : Number(id),
    });
  }
  return out;
}

/** Every entry of this network namespace's table. */
export function listConntrack(command = 'conntrack'): Promise<ConntrackEntry[]> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      ['-L', '-o', 'xml'],
      { maxBuffer: 256 * 1024 * 1024, timeout: 30_000 },
      (err, stdout, stderr) => {
        if (err) {
          const why =
            (err as NodeJS.ErrnoException).code === 'ENOENT'
              ? 'not installed (apt-get install conntrack)'
              : (stderr || err.message).trim();
          reject(new ConntrackError(`conntrack -L failed: ${why}`));
        } else resolve(parseConntrackXml(stdout));
      },
    );
  });
}
