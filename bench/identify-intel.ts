/**
 * `node dist/bench/identify-intel.js`: intel lookup speed on the real feeds (IPsum + Spamhaus DROP/EDROP/
 * DROPv6 in one index): longest-prefix matches per second for IPv4 and IPv6 addresses, and the cost of a
 * full feature vector for a request with 3 flows. Numbers only; correctness lives in test/intel.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { ipv4Words, parseIp, type IpWords } from '../src/address/index.js';
import { parseFeed, IntelIndex } from '../src/intel/index.js';
import { computeFeatures, FEATURE_COUNT } from '../src/identify/features.js';
import type { CompactFlow } from '../src/identify/flow-record.js';

const FEEDS = join(process.cwd(), '..', 'shared', 'corpus', 'intel', 'feeds');
if (!existsSync(FEEDS)) {
  process.stderr.write('identify-intel bench: ../shared/corpus/intel/feeds absent\n');
  process.exit(0);
}
const intel = new IntelIndex();
let t = performance.now();
for (const f of ['ipsum/ipsum.txt', 'spamhaus/drop.txt', 'spamhaus/edrop.txt', 'spamhaus/drop_ipv6.txt']) {
  const p = join(FEEDS, f);
  for (const ind of parseFeed(p, readFileSync(p, 'utf8')).indicators)
    intel.add({
      type: ind.type,
      value: ind.value,
      source: f,
      category: ind.category ?? null,
      list_count: ind.listCount ?? null,
    });
}
const loadMs = performance.now() - t;
const v4: IpWords[] = [];
let seed = 12345;
for (let i = 0; i < 100_000; i++) {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  v4.push(ipv4Words(seed));
}
const v6 = Array.from(
  { length: 10_000 },
  (_, i) => parseIp(`2a0${i % 10}:${((i * 7919) & 0xffff).toString(16)}::${i.toString(16)}`).words,
);
function rate(addrs: IpWords[], rounds: number): number {
  let hits = 0;
  const s = performance.now();
  for (let r = 0; r < rounds; r++) for (const a of addrs) if (intel.lookupIp(a)) hits++;
  const ms = performance.now() - s;
  if (hits < 0) process.stdout.write('');
  return (addrs.length * rounds) / (ms / 1000);
}
rate(v4, 2);
const v4Rate = rate(v4, 10);
const v6Rate = rate(v6, 10);
const flows: CompactFlow[] = [0, 1, 2].map((k) => ({
  peer: `10.0.0.${k + 1}`,
  port: 443,
  peer_port: 40000 + k,
  proto: 'tcp',
  pkts_out: 6,
  pkts_in: 5,
  bytes_out: 900,
  bytes_in: 400,
  start: 1_700_000_000 + k * 60,
  duration: 0.4,
  sni: 'a.example.com',
}));
const out = new Float64Array(FEATURE_COUNT);
t = performance.now();
const N = 200_000;
for (let i = 0; i < N; i++) computeFeatures('77.90.185.20', flows, undefined, undefined, { intel }, out);
const featUs = ((performance.now() - t) * 1000) / N;
process.stdout.write(
  `${JSON.stringify({ index_entries: intel.ips.size, load_ms: Math.round(loadMs), v4_lookups_per_s: Math.round(v4Rate), v6_lookups_per_s: Math.round(v6Rate), features_3_flows_us: Number(featUs.toFixed(2)) }, null, 2)}\n`,
);
