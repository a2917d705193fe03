/**
 * Putting the generated table into the kernel. The script is first checked by the kernel in dry-run mode
 * (`nft -c -f`), then applied in one transaction (`nft -f`): a script the kernel refuses never replaces the
 * running table. Counter values are read from the running table and written into the new one.
 */
import { runNft, NftError } from './nft-exec.js';
import {
  renderRuleset,
  hashFromComment,
  type CounterValue,
  type Ruleset,
  type RulesetState,
} from './ruleset.js';
import type { GatewayPlan } from './config-rules.js';

export interface TableState {
  present: boolean;
  /** Hash of the ruleset in force (from the table's comment); undefined if absent or not moat's. */
  hash?: string;
  counters: Record<string, CounterValue>;
}

interface NftJson {
  nftables: Array<{
    table?: { name: string; comment?: string };
    counter?: { name: string; packets: number; bytes: number };
  }>;
}

/** The running table's hash and counters, read with `nft -j`; `present: false` when the table does not exist. */
export async function readTable(table: string, netns?: string): Promise<TableState> {
  let out: string;
  try {
    out = await runNft(['-j', 'list', 'table', 'inet', table], undefined, netns);
  } catch (e) {
    if (/No such file or directory|does not exist/i.test((e as Error).message))
      return { present: false, counters: {} };
    throw e;
  }
  const j = JSON.parse(out) as NftJson;
  const counters: Record<string, CounterValue> = {};
  let comment = j.nftables.find((o) => o.table)?.table?.comment;
  // nft before 1.0.7 leaves table comments out of its JSON: read the text listing's comment line then.
  if (comment === undefined) {
    const text = await runNft(['list', 'table', 'inet', table], undefined, netns);
    comment = /^\s*comment "([^"]*)"/m.exec(text)?.[1];
  }
  for (const o of j.nftables) {
    // Every named counter, the gateway's and its extension's: all keep their values across a swap.
    if (o.counter) counters[o.counter.name] = { packets: o.counter.packets, bytes: o.counter.bytes };
  }
  return { present: true, hash: hashFromComment(comment), counters };
}

export class RulesetRejected extends NftError {}

/** Asks the kernel whether `script` would apply, without applying it. */
export async function checkRuleset(rs: Ruleset, netns?: string): Promise<void> {
  await runNft(['-c', '-f', '-'], rs.script, netns, RulesetRejected);
}

/** Checks, then atomically replaces moat's table with the one for `plan`; returns what is now in force. */
export async function applyRuleset(
  plan: GatewayPlan,
  state: RulesetState = {},
  netns?: string,
): Promise<Ruleset> {
  const current = await readTable(plan.config.nftables.table, netns);
  const rs = renderRuleset(plan, current.counters, state);
  await checkRuleset(rs, netns);
  await runNft(['-f', '-'], rs.script, netns);
  return rs;
}
