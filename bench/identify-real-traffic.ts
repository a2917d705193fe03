/**
 * `node dist/bench/identify-real-traffic.js --db FILE [--version N]`: how a model `moat identify train` stored does
 * on real traffic (issue 15 §5): the share of the public addresses of the benign reference captures it calls black
 * (goal ≤ 1%), and its recall on the C2 addresses of the corpus's RAT captures (QuasarRAT on 1337; AsyncRAT on
 * 7084, 4041, 4782; STRRAT), each judged with the flows moat's own engine sees of it in its capture.
 */
import { join } from 'node:path';
import { openSqlite } from '../src/store/index.js';
import { analyzeToEvents } from '../src/pipeline/index.js';
import { ModelRegistry, featurise, samplesFromEve, benignBlack } from '../src/identify/index.js';
import { benignReference, benignSamples, corpusBenignSplit } from '../src/cli/commands/identify/benign.js';

const RATS = join(process.cwd(), '..', 'shared', 'corpus', 'attacks', 'malcolm-pcap', 'pcaps', 'plugins');
const C2_PORTS = new Set([1337, 7084, 4041, 4782, 1780, 1788]);
const CAPTURES = [
  'zeek-quasarrat-detector/09ffabf7-774a-43a3-8c97-68f2046fd385.pcap',
  'zeek-asyncrat-detector/30a385ed-171e-4f15-ac3f-08c96be7bfd1.pcap',
  'zeek-asyncrat-detector/cd010953-5faf-4054-86be-58c020c3a532.pcap',
  'zeek-asyncrat-detector/9596cf60-0da6-47a7-a375-1f25ae32d843.pcap',
  'zeek-strrat-detector/strrat-4423258f-59bc-4a88-bfec-d8ac08c88538.pcap',
];

async function main(): Promise<void> {
  const at = (f: string): string | undefined => {
    const i = process.argv.indexOf(f);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const db = at('--db');
  if (!db) throw new Error('--db FILE: the store `moat identify train` wrote');
  const reg = new ModelRegistry(openSqlite(db, { create: false }));
  const version = Number(at('--version') ?? reg.list().at(-1)?.version);
  const model = reg.load(version);
  const split = corpusBenignSplit();
  if (!split) throw new Error('needs ../shared/corpus');
  const training = await benignSamples(split.training);
  const ref = await benignReference(split.reference, new Set(training.samples.map((s) => s.ip)));
  const black = benignBlack(model, ref);
  console.log(
    `model v${version}: benign reference (${ref.name}, public addresses unseen in training): black ${black} / ${ref.n} = ${((100 * black) / ref.n).toFixed(1)}%`,
  );
  let c2 = 0;
  let caught = 0;
  let otherPublic = 0;
  let otherBlack = 0;
  for (const c of CAPTURES) {
    const events = (await analyzeToEvents(join(RATS, c))).events as Record<string, unknown>[];
    const c2Ips = new Set(
      events
        .filter((e) => e.event_type === 'flow' && C2_PORTS.has(Number(e.dest_port)))
        .map((e) => String(e.dest_ip)),
    );
    const samples = samplesFromEve([events]).samples;
    const set = featurise(samples, {});
    samples.forEach((s, i) => {
      const v = model.verdictOf(model.score(set.x, i * set.width).score);
      if (c2Ips.has(s.ip)) {
        c2++;
        if (v === 'black') caught++;
        console.log(`  ${c}: C2 ${s.ip} (${s.flows.length} flows) → ${v}`);
      } else {
        otherPublic++;
        if (v === 'black') otherBlack++;
      }
    });
    for (const ip of c2Ips)
      if (!samples.some((s) => s.ip === ip))
        console.log(`  ${c}: C2 ${ip} is not a public address (no verdict)`);
  }
  console.log(`C2 recall: ${caught} / ${c2} public C2 addresses black`);
  console.log(
    `other public addresses of the RAT captures (Windows telemetry, updates …): black ${otherBlack} / ${otherPublic}`,
  );
}

void main();
