/**
 * `node dist/bench/identify-real-traffic.js --ustc DIR [--db FILE] [--version N] [--k 5]`: how the shipped training
 * path does on real traffic (issue 15 §5), as rates:
 * - the model `moat identify train` stored (`--db`, optional): the share of the gate reference's public addresses
 *   it calls black (goal ≤ 1%), its verdicts on the C2 addresses of the corpus's RAT captures (QuasarRAT on 1337;
 *   AsyncRAT on 7084, 4041, 4782), each judged with the flows moat's own engine sees of it in its capture, and on
 *   the other public addresses of those captures (Windows telemetry, updates …);
 * - group k-fold by capture (`--ustc`): the same recipe as `identify train` (USTC + benign captures, default loop,
 *   final fit) trained k times, each without one fold of the benign captures, and judged on that fold's
 *   addresses — the benign black rate over every capture, not one split — with the C2 verdicts of each fold model.
 */
import { join } from 'node:path';
import { openSqlite } from '../src/store/index.js';
import { analyzeToEvents } from '../src/pipeline/index.js';
import {
  ModelRegistry,
  captureCrossValidation,
  evaluate,
  featurise,
  samplesFromEve,
  benignBlack,
  loadUstcConversations,
  infrastructurePositives,
  type AddressSample,
  type IdentifyModel,
  type Verdict,
} from '../src/identify/index.js';
import { benignReference, benignSamples, corpusBenignSplit } from '../src/cli/commands/identify/benign.js';
import { combinedDataset, evalOptions } from '../src/cli/commands/identify/data.js';

const RATS = join(process.cwd(), '..', 'shared', 'corpus', 'attacks', 'malcolm-pcap', 'pcaps', 'plugins');
const C2_PORTS = new Set([1337, 7084, 4041, 4782, 1780, 1788]);
const CAPTURES = [
  'zeek-quasarrat-detector/09ffabf7-774a-43a3-8c97-68f2046fd385.pcap',
  'zeek-asyncrat-detector/30a385ed-171e-4f15-ac3f-08c96be7bfd1.pcap',
  'zeek-asyncrat-detector/cd010953-5faf-4054-86be-58c020c3a532.pcap',
  'zeek-asyncrat-detector/9596cf60-0da6-47a7-a375-1f25ae32d843.pcap',
  'zeek-strrat-detector/strrat-4423258f-59bc-4a88-bfec-d8ac08c88538.pcap',
];

interface RatAddress extends AddressSample {
  c2: boolean;
  capture: number;
  file: string;
}

async function ratAddresses(): Promise<RatAddress[]> {
  const out: RatAddress[] = [];
  for (const [k, c] of CAPTURES.entries()) {
    const events = (await analyzeToEvents(join(RATS, c))).events as Record<string, unknown>[];
    const c2Ips = new Set(
      events
        .filter((e) => e.event_type === 'flow' && C2_PORTS.has(Number(e.dest_port)))
        .map((e) => String(e.dest_ip)),
    );
    for (const s of samplesFromEve([events]).samples)
      out.push({ ...s, c2: c2Ips.has(s.ip), capture: k, file: c });
  }
  return out;
}

function verdicts(model: IdentifyModel, samples: AddressSample[]): { v: Verdict; rule: string }[] {
  const set = featurise(samples, {});
  return samples.map((_, i) => {
    const s = model.score(set.x, i * set.width);
    const rule = model.rules.get(s.leafId);
    return {
      v: model.verdictOf(s.score),
      rule: rule ? `${rule.id}: ${rule.when} (p=${rule.score.toFixed(3)})` : '',
    };
  });
}

function ratReport(label: string, model: IdentifyModel, rats: RatAddress[], detail: boolean): void {
  const v = verdicts(model, rats);
  const c2 = rats.flatMap((r, i) => (r.c2 ? [i] : []));
  const other = rats.flatMap((r, i) => (r.c2 ? [] : [i]));
  const count = (idx: number[], what: Verdict): number => idx.filter((i) => v[i].v === what).length;
  console.log(
    `${label}: C2 addresses black ${count(c2, 'black')} / ${c2.length}, gray ${count(c2, 'gray')}; other public addresses of the RAT captures black ${count(other, 'black')} / ${other.length}`,
  );
  if (detail)
    for (const i of c2)
      console.log(
        `  ${rats[i].file}: C2 ${rats[i].ip} (${rats[i].flows.length} flows) → ${v[i].v} — ${v[i].rule}`,
      );
}

async function main(): Promise<void> {
  const at = (f: string): string | undefined => {
    const i = process.argv.indexOf(f);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const split = corpusBenignSplit();
  if (!split) throw new Error('needs ../shared/corpus');
  const rats = await ratAddresses();
  const db = at('--db');
  if (db) {
    const reg = new ModelRegistry(openSqlite(db, { create: false }));
    const version = Number(at('--version') ?? reg.list().at(-1)?.version);
    const model = reg.load(version);
    const training = await benignSamples(split.training);
    const ref = await benignReference(split.reference, new Set(training.samples.map((s) => s.ip)));
    const black = benignBlack(model, ref);
    console.log(
      `model v${version}: benign reference (${ref.name}, public addresses unseen in training): black ${black} / ${ref.n} = ${((100 * black) / ref.n).toFixed(2)}%`,
    );
    ratReport(`model v${version}`, model, rats, true);
  }
  const ustcDir = at('--ustc');
  if (!ustcDir) return;
  const k = Number(at('--k') ?? 5);
  // As `identify train` does by default: USTC's malware targets leave the labelled data.
  const { samples: ustc, targets } = infrastructurePositives(loadUstcConversations(ustcDir));
  const all = (await benignSamples([...split.training, ...split.reference])).samples;
  const fold = (training: AddressSample[]): IdentifyModel => {
    const d = combinedDataset({ ustc, ustcTargets: targets, benign: training, ctx: {}, groupBy: '24' });
    const r = evaluate(d.name, d.set, { ...evalOptions(d), labelledShare: 1, finalFit: true });
    return r.final ?? r.best;
  };
  const models: IdentifyModel[] = [];
  const cv = captureCrossValidation(all, k, (training) => {
    const m = fold(training);
    models.push(m);
    return m;
  });
  console.log(
    `group ${k}-fold by capture over ${new Set(all.map((s) => s.capture)).size} benign captures: black ${cv.black} / ${cv.addresses} = ${(100 * cv.blackRate).toFixed(2)}% (gray ${cv.gray}); per fold ${cv.folds.map((f) => `${f.black}/${f.addresses}`).join(' ')}`,
  );
  models.forEach((m, j) => ratReport(`  fold ${j} model`, m, rats, false));
}

void main();
