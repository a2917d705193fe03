/**
 * The seed data of `moat identify eval` and `train`: the flags that name it, the sources loaded from them,
 * and the evaluation datasets built from the sources.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { ASN_RANGES_HELP, num, type GeoFlags } from './shared.js';
import type { GeoLookup } from '../../../intel/index.js';
import {
  DEFAULT_LOOP,
  featurise,
  type EvaluateOptions,
  loadUstcConversations,
  infrastructurePositives,
  windowInvariantFeatures,
  windowed,
  loadIpsumPu,
  loadUnlabelledTraffic,
  combineSources,
  SOURCE_BENIGN,
  sharedFeatures,
  SOURCE_IPSUM,
  SOURCE_USTC,
  type AddressSample,
  type GroupBy,
  type LoopParams,
  type LabelledSet,
  type FeatureContext,
} from '../../../identify/index.js';

export interface DataFlags {
  ustc?: string;
  /** 'infrastructure' (default): USTC malware remotes that are infrastructure only; 'all': every one. */
  ustcPositives?: string;
  ipsum?: string;
  window?: string;
  unlabelled?: string;
  group?: string;
}

export interface Dataset {
  name: string;
  set: LabelledSet;
  labelledShare: number;
  testMask?: Uint8Array;
  unlabelledOnly?: Uint8Array;
  slices?: { name: string; mask: Uint8Array }[];
  features?: number[];
}

function groupByFlag(flags: DataFlags, geo?: GeoLookup): GroupBy {
  const g = flags.group ?? '24';
  if (g !== '24' && g !== 'asn') throw new UsageError(`--group must be 24 or asn, got '${g}'`);
  if (g === 'asn' && !geo)
    throw new UsageError(
      '--group asn needs AS data: --asn-ranges (the @ip-location-db/asn package) or --asn-db',
    );
  return g;
}

export function fileList(flag: string, text: string | undefined): string[] {
  const files = text?.split(',').filter(Boolean) ?? [];
  for (const f of files) if (!existsSync(f)) throw new UsageError(`--${flag}: no such file: ${f}`);
  return files;
}

export interface Sources {
  ustc?: AddressSample[];
  ipsum?: AddressSample[];
  unlabelled?: AddressSample[];
  /** Real benign traffic (label 0), from benign captures. */
  benign?: AddressSample[];
  /** USTC malware remotes left out as the malware's targets (see infrastructurePositives). */
  ustcTargets?: number;
  ctx: FeatureContext;
  groupBy: GroupBy;
}

export function loadSources(flags: DataFlags, extraFeeds: string[], geo?: GeoLookup): Sources {
  const groupBy = groupByFlag(flags, geo);
  const out: Sources = { ctx: geo ? { geo } : {}, groupBy };
  if (flags.ustc) {
    if (!existsSync(join(flags.ustc, 'Malware')))
      throw new UsageError(`--ustc: ${flags.ustc} has no Malware/ folder`);
    const which = flags.ustcPositives ?? 'infrastructure';
    if (which !== 'infrastructure' && which !== 'all')
      throw new UsageError(`--ustc-positives must be infrastructure or all, got '${which}'`);
    const all = loadUstcConversations(flags.ustc);
    if (which === 'all') out.ustc = all;
    else {
      const sel = infrastructurePositives(all);
      out.ustc = sel.samples;
      out.ustcTargets = sel.targets;
    }
  }
  if (flags.ipsum) {
    if (!existsSync(flags.ipsum)) throw new UsageError(`--ipsum: no such file ${flags.ipsum}`);
    const { samples, intel } = loadIpsumPu(flags.ipsum, extraFeeds, geo);
    out.ipsum = samples;
    out.ctx = { ...out.ctx, intel };
  }
  const unl = fileList('unlabelled', flags.unlabelled);
  if (unl.length) out.unlabelled = loadUnlabelledTraffic(unl).samples;
  if (!out.ustc && !out.ipsum)
    throw new UsageError('give labelled seed data: --ustc DIR and/or --ipsum FILE');
  return out;
}

/**
 * Real benign traffic weighs as much as USTC's benign class when the tree grows: a few hundred internet addresses
 * beside thousands of USTC conversations would otherwise not move a split.
 */
function sourceBalanced(set: LabelledSet, samples: readonly { source: number; y: number }[]): LabelledSet {
  let ustcBenign = 0;
  let benign = 0;
  for (const s of samples)
    if (s.source === SOURCE_BENIGN) benign++;
    else if (s.source === SOURCE_USTC && s.y === 0) ustcBenign++;
  const w = benign > 0 ? Math.max(1, ustcBenign / benign) : 1;
  samples.forEach((s, i) => {
    if (s.source === SOURCE_BENIGN) set.w[i] = w;
  });
  if (benign > 0) set.realBenign = Uint8Array.from(samples, (s) => (s.source === SOURCE_BENIGN ? 1 : 0));
  return set;
}

/**
 * Every seed source in one set (train always uses it; eval adds it when there is more than one source). The tree
 * splits on the features every labelled source measures, less the window totals (see WINDOW_TOTALS).
 */
export function combinedDataset(src: Sources): Dataset {
  const c = combineSources(src);
  const features = windowInvariantFeatures(
    sharedFeatures(c.samples.filter((x) => !x.unlabelled).map((x) => x.source)),
  );
  const present = [
    src.ustc ? `ustc-tfc2016${src.ustcTargets !== undefined ? ' (infrastructure positives)' : ''}` : '',
    src.ipsum ? 'ipsum PU' : '',
    src.benign ? 'benign captures' : '',
    src.unlabelled ? 'unlabelled traffic' : '',
  ].filter(Boolean);
  const mask = (source: number): Uint8Array =>
    Uint8Array.from(c.samples, (x) => (x.source === source ? 1 : 0));
  return {
    name: `combined: ${present.join(' + ')} (split by ${src.groupBy === 'asn' ? 'AS' : '/24'})`,
    set: sourceBalanced(featurise(c.samples, src.ctx, { groupBy: src.groupBy }), c.samples),
    labelledShare: 0.4,
    unlabelledOnly: Uint8Array.from(c.samples, (x) => (x.unlabelled ? 1 : 0)),
    features,
    slices: [
      ...(src.ustc ? [{ name: 'ustc-tfc2016 part', mask: mask(SOURCE_USTC) }] : []),
      ...(src.ipsum ? [{ name: 'ipsum part', mask: mask(SOURCE_IPSUM) }] : []),
      ...(src.benign ? [{ name: 'benign captures part', mask: mask(SOURCE_BENIGN) }] : []),
    ],
  };
}

/** The evaluation datasets the flags ask for: each source alone, then all of them combined. */
export function datasets(flags: DataFlags, src: Sources): Dataset[] {
  const out: Dataset[] = [];
  const by = src.groupBy === 'asn' ? 'AS' : '/24';
  if (src.ustc) {
    const samples = src.ustc;
    out.push({ name: 'ustc-tfc2016 per remote address', set: featurise(samples, {}), labelledShare: 0.3 });
    const w = flags.window ? num('window', flags.window, 1, 1000) : 1;
    out.push({
      name: `ustc-tfc2016 windows of ${w} conversation(s)`,
      set: featurise(windowed(samples, w), {}),
      labelledShare: 0.3,
    });
    // Unseen families: the largest TCP botnet (Neris) and a third of the benign applications are held out
    // whole, so the test asks "does it generalise to a family it never saw?" (train/validation stay /24).
    const benignApps = [...new Set(samples.filter((x) => x.y === 0).map((x) => x.family))].sort();
    const heldOut = new Set(['Neris_TCP', ...benignApps.filter((_, i) => i % 3 === 1)]);
    const testMask = Uint8Array.from(samples, (x) => (heldOut.has(x.family) ? 1 : 0));
    out.push({
      name: `ustc-tfc2016 per remote address, unseen families (${[...heldOut].join(', ')})`,
      set: featurise(samples, {}),
      labelledShare: 0.3,
      testMask,
    });
  }
  if (src.ipsum) {
    out.push({
      name: `ipsum PU (≥3 lists positive, 1–2 unlabelled; split by ${by})`,
      set: featurise(src.ipsum, src.ctx, { groupBy: src.groupBy }),
      labelledShare: 0.5,
    });
  }
  if ((src.ustc && src.ipsum) || src.unlabelled) out.push(combinedDataset(src));
  return out;
}

export function evalOptions(d: Dataset): EvaluateOptions {
  return {
    labelledShare: d.labelledShare,
    ...(d.testMask ? { testMask: d.testMask } : {}),
    ...(d.unlabelledOnly ? { unlabelledOnly: d.unlabelledOnly } : {}),
    ...(d.slices ? { slices: d.slices } : {}),
    ...(d.features ? { features: d.features } : {}),
  };
}

/** The seed-data and loop flags eval and train share. */
export const dataOptions = (c: Command): Command =>
  c
    .option('--ustc <dir>', 'USTC-TFC2016 conversations folder (Benign/, Malware/)')
    .option(
      '--ustc-positives <which>',
      "USTC malware remotes taken as black: 'infrastructure' (listening on a port ≥ 1024 the infected host connected to; the rest are its targets and left out) or 'all'",
      'infrastructure',
    )
    .option('--ipsum <file>', 'IPsum main file (positive-unlabelled seeds)')
    .option(
      '--feeds <files>',
      'extra feeds for IPsum address features, comma-separated (Spamhaus DROP/EDROP…)',
    )
    .option('--asn-ranges [files]', ASN_RANGES_HELP)
    .option('--asn-db <mmdb>', 'MaxMind ASN database for IPsum address features')
    .option('--country-db <mmdb>', 'MaxMind Country/City database (listed hosts per country)')
    .option('--window <n>', 'USTC windowed variant: conversations per sample', '1')
    .option(
      '--unlabelled <files>',
      'unlabelled traffic for self-training: EVE NDJSON files (moat analyze), comma-separated',
    )
    .option('--group <by>', 'split neighbourhoods by 24 (/24, /48) or asn (needs AS data)', '24')
    .option('--max-iterations <n>', 'B-5 maximum iterations', String(DEFAULT_LOOP.maxIterations))
    .option(
      '--kappa <k>',
      'B-8 adjustment coefficient κ (confidence margin scale)',
      String(DEFAULT_LOOP.kappa),
    )
    .option(
      '--confidence <c>',
      'B-7 significance level for the improvement test',
      String(DEFAULT_LOOP.confidence),
    )
    .option(
      '--pseudo-cap <share>',
      "B-8 step: at most this share of the labelled size pseudo-labelled per iteration ('none': all beyond the margin)",
      DEFAULT_LOOP.pseudoCap === undefined ? 'none' : String(DEFAULT_LOOP.pseudoCap),
    )
    .option('--json', 'JSON output');

export const loopFrom = (f: {
  maxIterations: string;
  kappa: string;
  confidence: string;
  pseudoCap: string;
}): Partial<LoopParams> => ({
  maxIterations: num('max-iterations', f.maxIterations, 1, 100),
  kappa: num('kappa', f.kappa, 0, 0.5),
  confidence: num('confidence', f.confidence, 0.5, 0.9999),
  pseudoCap: f.pseudoCap === 'none' ? undefined : num('pseudo-cap', f.pseudoCap, 0.001, 100),
});

export type DataCli = DataFlags &
  GeoFlags & {
    feeds?: string;
    maxIterations: string;
    kappa: string;
    confidence: string;
    pseudoCap: string;
    json?: boolean;
  };
