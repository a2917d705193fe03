/**
 * Loads and checks a policy file. Schema errors and the rules the schema cannot express (T-11's weight signs,
 * overlapping heat ranges, references to undefined policies or channels, bad CIDRs) are all reported at once,
 * each naming the file, the path inside it and what to do about it.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import {
  FINDING_DIMENSION,
  policyFileSchema,
  policySchema,
  scenarioSchema,
  selectorSchema,
  type Finding,
  type HeatStrategy,
  type Policy,
  type PolicyFile,
  type Scenario,
  type Selector,
} from './schema.js';
import { tryParseCidr } from '../../address/index.js';
import { ConfigError } from '../../framework/errors.js';

export class PolicyError extends ConfigError {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}: invalid policy file:\n  - ${problems.join('\n  - ')}`);
  }
}

function pathText(path: readonly PropertyKey[]): string {
  return path.length === 0
    ? '(top level)'
    : path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.');
}

function zodProblems(err: z.ZodError): string[] {
  return err.issues.map((i) => {
    let msg = i.message;
    if (i.code === 'unrecognized_keys')
      msg = `unknown key(s) ${i.keys.map((k) => `'${k}'`).join(', ')} — check the spelling`;
    return `${pathText(i.path)}: ${msg}`;
  });
}

/** T-11: weights all ≥ 0 or all ≤ 0, and not all 0. */
function checkSigns(where: string, weights: number[], problems: string[]): void {
  if (weights.length === 0) return;
  const pos = weights.some((w) => w > 0);
  const neg = weights.some((w) => w < 0);
  if (pos && neg)
    problems.push(
      `${where}: weights mix signs (${weights.join(', ')}) — make them all ≥ 0 or all ≤ 0 (T-11)`,
    );
  if (!pos && !neg) problems.push(`${where}: weights are all 0 — give at least one a non-zero weight (T-11)`);
}

function checkHeat(where: string, h: HeatStrategy, problems: string[]): void {
  if (h.identity && h.ranges) problems.push(`${where}: give either identity: true or ranges, not both`);
  if (!h.identity && !h.ranges) problems.push(`${where}: give identity: true or a list of ranges`);
  const ranges = [...(h.ranges ?? [])].sort((a, b) => a.min - b.min);
  for (let i = 0; i < ranges.length; i++) {
    const r = ranges[i];
    if (r.max !== undefined && r.max < r.min)
      problems.push(`${where}.ranges: range [${r.min}, ${r.max}] has max < min`);
    const next = ranges[i + 1];
    if (next && (r.max === undefined || r.max >= next.min)) {
      problems.push(
        `${where}.ranges: [${r.min}, ${r.max ?? '∞'}] overlaps [${next.min}, ${next.max ?? '∞'}] — ranges must not overlap`,
      );
    }
  }
}

function checkPolicy(name: string, p: Policy, parts: Parts, problems: string[]): void {
  const at = `policies.${name}`;
  checkSigns(`${at}.weights`, [p.weights.certificate, p.weights.address, p.weights.reputation], problems);
  const groups = [
    ['certificate', p.certificate, p.weights.certificate],
    ['address', p.address, p.weights.address],
    ['reputation', p.reputation, p.weights.reputation],
  ] as const;
  for (const [group, dims, alpha] of groups) {
    const entries = Object.entries(dims).filter(([, d]) => d !== undefined) as Array<
      [string, { weight: number }]
    >;
    if (alpha !== 0 && entries.length === 0) {
      problems.push(
        `${at}.${group}: weight ${alpha} but no dimension chosen — choose dimensions or set its weight to 0`,
      );
    }
    // A group with α = 0 takes no part in F: its dimensions may all weigh 0 (kept only for their findings).
    if (entries.length > 0 && alpha !== 0)
      checkSigns(
        `${at}.${group} dimension`,
        entries.map(([, d]) => d.weight),
        problems,
      );
    for (const [dim, d] of entries) {
      if ('window' in d && ('ranges' in d || 'identity' in d))
        checkHeat(`${at}.${group}.${dim}`, d as HeatStrategy, problems);
    }
  }
  const v = p.certificate.validity;
  if (v) {
    for (let i = 1; i < v.tiers.length; i++) {
      if (v.tiers[i].within <= v.tiers[i - 1].within) {
        problems.push(`${at}.certificate.validity.tiers[${i}]: 'within' must grow from tier to tier`);
      }
    }
  }
  const age = p.reputation.domainAge;
  if (age) {
    for (let i = 1; i < age.curve.length; i++) {
      if (age.curve[i].days <= age.curve[i - 1].days) {
        problems.push(`${at}.reputation.domainAge.curve[${i}]: days must be ascending`);
      }
    }
  }
  for (const [finding, action] of Object.entries(p.decisive)) {
    if (action === undefined) continue;
    const [group, dim] = FINDING_DIMENSION[finding as Finding].split('.') as ['certificate', string];
    if ((p[group] as Record<string, unknown>)[dim] === undefined)
      problems.push(
        `${at}.decisive.${finding}: comes from ${group}.${dim}, which this policy does not choose — add it (a weight of 0 is fine)`,
      );
  }
  p.certificate.legality?.platforms.forEach((name, i) => {
    if (!parts.platformRootNames.has(name))
      problems.push(
        `${at}.certificate.legality.platforms[${i}]: no platform root store '${name}' — define it under trust.platformRoots`,
      );
  });
  p.actions.alert.forEach((ch, i) => {
    if (!parts.channelNames.has(ch)) {
      problems.push(`${at}.actions.alert[${i}]: no channel named '${ch}' — define it under channels`);
    }
  });
}

/**
 * The parts of a policy file the rules beyond the schema look at. From a file that passed the schema they are
 * all of it; from one that did not, every policy, scenario and selector that passes on its own, and the names
 * defined (a policy with an error of its own still exists for the references to it).
 */
interface Parts {
  default: unknown;
  policyNames: ReadonlySet<string>;
  scenarioNames: ReadonlySet<string>;
  channelNames: ReadonlySet<string>;
  platformRootNames: ReadonlySet<string>;
  policies: Array<[string, Policy]>;
  scenarios: Array<[string, Scenario]>;
  selectors: Array<[number, Selector]>;
}

function partsOf(pf: PolicyFile): Parts {
  return {
    default: pf.default,
    policyNames: new Set(Object.keys(pf.policies)),
    scenarioNames: new Set(Object.keys(pf.scenarios)),
    channelNames: new Set(Object.keys(pf.channels)),
    platformRootNames: new Set(Object.keys(pf.trust.platformRoots)),
    policies: Object.entries(pf.policies),
    scenarios: Object.entries(pf.scenarios),
    selectors: pf.selectors.map((s, i) => [i, s]),
  };
}

function record(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** The parts of a document that failed the schema as a whole, each section item checked on its own. */
function partsOfRaw(raw: unknown): Parts {
  const doc = record(raw);
  const each = <T>(section: unknown, schema: z.ZodType<T>): Array<[string, T]> =>
    Object.entries(record(section)).flatMap(([k, v]) => {
      const r = schema.safeParse(v);
      return r.success ? [[k, r.data] as [string, T]] : [];
    });
  const selectors = Array.isArray(doc.selectors) ? (doc.selectors as unknown[]) : [];
  return {
    default: doc.default,
    policyNames: new Set(Object.keys(record(doc.policies))),
    scenarioNames: new Set(Object.keys(record(doc.scenarios))),
    channelNames: new Set(Object.keys(record(doc.channels))),
    platformRootNames: new Set(Object.keys(record(record(doc.trust).platformRoots))),
    policies: each(doc.policies, policySchema),
    scenarios: each(doc.scenarios, scenarioSchema),
    selectors: selectors.flatMap((v, i) => {
      const r = selectorSchema.safeParse(v);
      return r.success ? [[i, r.data] as [number, Selector]] : [];
    }),
  };
}

/** T-11 and the rules the schema cannot express: references, CIDRs, weights, ranges, coverage. */
function ruleProblems(parts: Parts): string[] {
  const problems: string[] = [];
  if (typeof parts.default === 'string' && !parts.policyNames.has(parts.default))
    problems.push(`default: no policy named '${parts.default}' — define it under policies`);
  for (const [name, p] of parts.policies) checkPolicy(name, p, parts, problems);
  for (const [name, sc] of parts.scenarios) {
    for (const key of ['sourceNets', 'destinationNets'] as const) {
      sc[key]?.forEach((c, j) => {
        if (!tryParseCidr(c))
          problems.push(`scenarios.${name}.${key}[${j}]: '${c}' is not an address or CIDR prefix`);
      });
    }
    if (!sc.sourceNets && !sc.destinationNets && !sc.ports && !sc.sni) {
      problems.push(
        `scenarios.${name}: covers no connection — give sourceNets, destinationNets, ports or sni`,
      );
    }
  }
  for (const [i, s] of parts.selectors) {
    const at = `selectors[${i}]`;
    if (!parts.policyNames.has(s.policy)) problems.push(`${at}.policy: no policy named '${s.policy}'`);
    if (s.scenario !== undefined && !parts.scenarioNames.has(s.scenario)) {
      problems.push(`${at}.scenario: no scenario named '${s.scenario}' — define it under scenarios`);
    }
    for (const key of ['sourceNets', 'destinationNets'] as const) {
      s[key]?.forEach((c, j) => {
        if (!tryParseCidr(c)) problems.push(`${at}.${key}[${j}]: '${c}' is not an address or CIDR prefix`);
      });
    }
    if (!s.sourceNets && !s.destinationNets && !s.ports && !s.sni && !s.scenario) {
      problems.push(`${at}: matches everything — give at least one condition, or use 'default' instead`);
    }
  }
  return problems;
}

/**
 * Checks a parsed policy document. Every problem is reported in one PolicyError, schema errors and the rules
 * beyond the schema together: a file is fixed in one pass, not one stage per run.
 */
export function validatePolicyFile(raw: unknown, file: string): PolicyFile {
  const parsed = policyFileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new PolicyError(file, [...zodProblems(parsed.error), ...ruleProblems(partsOfRaw(raw))]);
  }
  const problems = ruleProblems(partsOf(parsed.data));
  if (problems.length > 0) throw new PolicyError(file, problems);
  return parsed.data;
}

export function parsePolicyText(text: string, file: string): PolicyFile {
  let raw: unknown;
  try {
    raw = parseYaml(text, { prettyErrors: true });
  } catch (err) {
    throw new PolicyError(file, [`not valid YAML: ${err instanceof Error ? err.message : String(err)}`]);
  }
  return validatePolicyFile(raw, file);
}

export function loadPolicyFile(file: string): PolicyFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new PolicyError(file, [`cannot read: ${err instanceof Error ? err.message : String(err)}`]);
  }
  return parsePolicyText(text, file);
}
