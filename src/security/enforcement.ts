/**
 * Live enforcement of A-37's operations in nftables, for event-cache entries: drop and reset as set elements with
 * timeouts; suppress as a per-entry `limit rate` rule; intervene and deceive as DNAT to the honeypot / deception
 * service; monitor and track as NFLOG copies (flow-level and content-level) for user space; forward as an explicit
 * accept that bypasses the rest. Every rule names the entry it enforces (comment), so removal finds it by handle.
 */
import { NftError, checkedIp, runNft } from '../gateway/index.js';
import { ANY_PEER, type CacheEntry } from './event-cache.js';

export interface EnforcementOptions {
  table?: string;
  netns?: string;
  /** Where intervene sends traffic (the honeypot DMZ) and deceive (the deception service). */
  honeypot?: string;
  deception?: string;
  /** NFLOG groups for monitor (flow level) and track (content level). */
  monitorGroup?: number;
  trackGroup?: number;
  /** Also act on locally generated traffic (tests, a monitor on the same host). */
  hookOutput?: boolean;
}

export class EnforcementError extends NftError {}

function nft(args: string[], stdin: string | undefined, netns?: string): Promise<string> {
  return runNft(args, stdin, netns, EnforcementError);
}

function ip(text: string): { t: string; fam: 'ip' | 'ip6' } {
  const a = checkedIp(text, EnforcementError);
  return { t: a.text, fam: a.v === 4 ? 'ip' : 'ip6' };
}

/** The match part of a rule for an entry (one direction). */
function matchOf(e: CacheEntry, reverse = false): string {
  const sp = reverse ? e.dstPort : e.srcPort;
  const dp = reverse ? e.srcPort : e.dstPort;
  const l4 = e.proto === 6 ? 'tcp' : e.proto === 17 ? 'udp' : undefined;
  let m: string;
  if (e.dstIp === ANY_PEER) {
    // A device-level entry: everything from the device (and, both ways, to it).
    const dev = ip(e.srcIp);
    m = `${dev.fam} ${reverse ? 'daddr' : 'saddr'} ${dev.t}`;
  } else {
    const s = ip(reverse ? e.dstIp : e.srcIp);
    const d = ip(reverse ? e.srcIp : e.dstIp);
    m = `${s.fam} saddr ${s.t} ${d.fam} daddr ${d.t}`;
  }
  if (e.proto !== 0) m += ` meta l4proto ${e.proto}`;
  if (l4 && sp !== 0) m += ` ${l4} sport ${sp}`;
  if (l4 && dp !== 0) m += ` ${l4} dport ${dp}`;
  return m;
}

export function entryTag(e: CacheEntry): string {
  return `moat:${e.srcIp}|${e.dstIp}|${e.srcPort}|${e.dstPort}|${e.proto}`.replace(/"/g, '');
}

export class Enforcer {
  readonly table: string;

  constructor(private readonly o: EnforcementOptions = {}) {
    this.table = o.table ?? 'moat_sec';
    if (!/^[A-Za-z][\w-]{0,31}$/.test(this.table))
      throw new EnforcementError(`bad table name '${this.table}'`);
  }

  async install(): Promise<void> {
    const t = this.table;
    const out = this.o.hookOutput
      ? `  chain output { type filter hook output priority -5; policy accept; jump ops; }\n  chain nat_output { type nat hook output priority -105; policy accept; jump divert; }\n`
      : '';
    await nft(
      ['-f', '-'],
      `table inet ${t}\ndelete table inet ${t}\ntable inet ${t} {
  chain ops { }
  chain divert { }
  chain forward { type filter hook forward priority -5; policy accept; jump ops; }
  chain prerouting { type nat hook prerouting priority -105; policy accept; jump divert; }
${out}}\n`,
      this.o.netns,
    );
  }

  /** The nft statements enforcing an entry (exported for tests and the API's explanation). */
  statements(e: CacheEntry): Array<{ chain: 'ops' | 'divert'; rule: string }> {
    const tag = `comment "${entryTag(e)}"`;
    const both = e.direction === 'both';
    const dirs = both ? [false, true] : [false];
    const out: Array<{ chain: 'ops' | 'divert'; rule: string }> = [];
    for (const rev of dirs) {
      const m = matchOf(e, rev);
      switch (e.operation) {
        case 'forward':
          out.push({ chain: 'ops', rule: `${m} accept ${tag}` });
          break;
        case 'drop':
          out.push({ chain: 'ops', rule: `${m} drop ${tag}` });
          break;
        case 'reset':
          out.push({ chain: 'ops', rule: `${m} meta l4proto tcp reject with tcp reset ${tag}` });
          out.push({ chain: 'ops', rule: `${m} drop ${tag}` });
          break;
        case 'suppress': {
          const rate = /^\d+\/(second|minute|hour)$/.test(e.operationArg ?? '')
            ? e.operationArg
            : '10/second';
          out.push({ chain: 'ops', rule: `${m} limit rate over ${rate} drop ${tag}` });
          break;
        }
        case 'monitor':
          out.push({ chain: 'ops', rule: `${m} ct state new log group ${this.o.monitorGroup ?? 10} ${tag}` });
          break;
        case 'track':
          out.push({ chain: 'ops', rule: `${m} log group ${this.o.trackGroup ?? 11} ${tag}` });
          break;
        case 'intervene':
        case 'deceive': {
          if (rev) break;
          const target = e.operation === 'intervene' ? this.o.honeypot : this.o.deception;
          if (!target)
            throw new EnforcementError(
              `${e.operation} needs a ${e.operation === 'intervene' ? 'honeypot' : 'deception'} address`,
            );
          const a = ip(target);
          out.push({ chain: 'divert', rule: `${m} dnat ${a.fam} to ${a.t} ${tag}` });
          break;
        }
      }
    }
    return out;
  }

  async apply(e: CacheEntry): Promise<void> {
    if (e.status !== 'valid') return;
    const script = this.statements(e)
      .map((s) => `add rule inet ${this.table} ${s.chain} ${s.rule}`)
      .join('\n');
    await nft(['-f', '-'], script + '\n', this.o.netns);
  }

  /** Removes every rule carrying the entry's tag (expiry, clearing, rollback). */
  async remove(e: CacheEntry): Promise<number> {
    const tag = entryTag(e);
    const j = JSON.parse(
      await nft(['-j', '-a', 'list', 'table', 'inet', this.table], undefined, this.o.netns),
    ) as {
      nftables: Array<{ rule?: { chain: string; handle: number; comment?: string } }>;
    };
    const rules = j.nftables.flatMap((x) => (x.rule && x.rule.comment === tag ? [x.rule] : []));
    if (rules.length === 0) return 0;
    await nft(
      ['-f', '-'],
      rules.map((r) => `delete rule inet ${this.table} ${r.chain} handle ${r.handle}`).join('\n') + '\n',
      this.o.netns,
    );
    return rules.length;
  }

  async uninstall(): Promise<void> {
    await nft(['delete', 'table', 'inet', this.table], undefined, this.o.netns).catch(() => undefined);
  }
}
