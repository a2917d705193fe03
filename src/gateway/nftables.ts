/**
 * The kernel side of blocking (architecture: enforcement lives in nftables, user space programs it). moat owns
 * one table; blocked destinations and flows are set elements with timeouts, so the kernel expires them itself
 * and a crashed moat leaves no permanent blocks. The driver feeds `nft -f -` scripts and never builds rules
 * from unchecked text: every address is parsed first.
 */
import { NftError, checkedIp, runNft } from './nft-exec.js';

export interface NftOptions {
  /** Table name in family inet (default "moat"). */
  table?: string;
  /** Run inside this network namespace (`ip netns exec`), e.g. for tests. */
  netns?: string;
  /** Also filter locally generated traffic (a monitor on the same host as the clients). */
  hookOutput?: boolean;
}

export { NftError };

export class NftablesDriver {
  readonly table: string;

  constructor(private readonly o: NftOptions = {}) {
    this.table = o.table ?? 'moat';
    if (!/^[A-Za-z][\w-]{0,31}$/.test(this.table))
      throw new NftError(`bad nftables table name '${this.table}'`);
  }

  /** Creates (or recreates) moat's table: sets of blocked destinations and flows, and the chains using them. */
  async install(): Promise<void> {
    const t = this.table;
    const hooks = ['forward', ...(this.o.hookOutput ? ['output'] : [])];
    const chains = hooks
      .map(
        (h) => `  chain ${h} {
    type filter hook ${h} priority -10; policy accept;
    ip daddr @block_dst4 meta l4proto tcp reject with tcp reset
    ip6 daddr @block_dst6 meta l4proto tcp reject with tcp reset
    ip daddr @block_dst4 drop
    ip6 daddr @block_dst6 drop
    ip saddr . ip daddr . tcp dport @block_flow4 reject with tcp reset
    ip6 saddr . ip6 daddr . tcp dport @block_flow6 reject with tcp reset
  }`,
      )
      .join('\n');
    const script = `table inet ${t}
delete table inet ${t}
table inet ${t} {
  set block_dst4 { type ipv4_addr; flags timeout; }
  set block_dst6 { type ipv6_addr; flags timeout; }
  set block_flow4 { type ipv4_addr . ipv4_addr . inet_service; flags timeout; }
  set block_flow6 { type ipv6_addr . ipv6_addr . inet_service; flags timeout; }
${chains}
}
`;
    await runNft(['-f', '-'], script, this.o.netns);
  }

  async blockDestination(ip: string, timeoutS: number): Promise<void> {
    const a = checkedIp(ip);
    await runNft(
      [
        'add',
        'element',
        'inet',
        this.table,
        a.v === 4 ? 'block_dst4' : 'block_dst6',
        `{ ${a.text} timeout ${Math.max(1, Math.round(timeoutS))}s }`,
      ],
      undefined,
      this.o.netns,
    );
  }

  async blockFlow(src: string, dst: string, dport: number, timeoutS: number): Promise<void> {
    const s = checkedIp(src);
    const d = checkedIp(dst);
    if (s.v !== d.v) throw new NftError(`flow mixes IPv${s.v} and IPv${d.v}`);
    if (!Number.isInteger(dport) || dport < 1 || dport > 65535) throw new NftError(`bad port ${dport}`);
    await runNft(
      [
        'add',
        'element',
        'inet',
        this.table,
        s.v === 4 ? 'block_flow4' : 'block_flow6',
        `{ ${s.text} . ${d.text} . ${dport} timeout ${Math.max(1, Math.round(timeoutS))}s }`,
      ],
      undefined,
      this.o.netns,
    );
  }

  /** Elements currently in a set, as nft prints them (for the API and tests). */
  async list(set: 'block_dst4' | 'block_dst6' | 'block_flow4' | 'block_flow6'): Promise<string[]> {
    const out = await runNft(['-j', 'list', 'set', 'inet', this.table, set], undefined, this.o.netns);
    const j = JSON.parse(out) as { nftables: Array<{ set?: { elem?: unknown[] } }> };
    const elems = j.nftables.find((x) => x.set)?.set?.elem ?? [];
    return elems.map((e) => JSON.stringify(e));
  }

  async uninstall(): Promise<void> {
    await runNft(['delete', 'table', 'inet', this.table], undefined, this.o.netns).catch(() => undefined);
  }
}
