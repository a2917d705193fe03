/** Rule identity and description keywords: msg, sid, rev, gid, classtype, priority, reference, metadata, target. */
import { RuleError } from '../rule.js';
import { intValue, unquote } from '../parse/options.js';
import { needValue, type KeywordHandler } from './context.js';
import { ownCopy, shared } from '../parse/strings.js';

/** The Suricata rule-language version moat implements, for `requires: version`. */
export const RULE_LANGUAGE_VERSION = [8, 0, 0];
/** `requires: feature` names moat has. */
const RULE_FEATURES = new Set(['ja3', 'ja4']);

function cmpVersion(a: number[], b: number[]): number {
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}

/** requires: feature X, version >= 7.0.3 < 8 — why the rule does not apply here, or undefined. */
export function unmetRequirement(text: string, k: string): string | undefined {
  for (const part of text
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)) {
    const m = /^(feature|version)\s+(.+)$/.exec(part);
    if (!m) throw new RuleError(`'${part}' is not 'feature NAME' or 'version OP X.Y.Z'`, undefined, k);
    if (m[1] === 'feature') {
      if (!RULE_FEATURES.has(m[2].trim().toLowerCase())) return `needs feature ${m[2].trim()}`;
      continue;
    }
    const tests = [...m[2].matchAll(/(>=|<=|>|<|=)?\s*(\d+(?:\.\d+){0,2})/g)];
    if (tests.length === 0) throw new RuleError(`'${m[2]}' names no version`, undefined, k);
    for (const [, op = '>=', ver] of tests) {
      const c = cmpVersion(RULE_LANGUAGE_VERSION, ver.split('.').map(Number));
      const ok =
        op === '>=' ? c >= 0 : op === '>' ? c > 0 : op === '<=' ? c <= 0 : op === '<' ? c < 0 : c === 0;
      if (!ok) return `needs version ${op} ${ver}`;
    }
  }
  return undefined;
}

export const META_KEYWORDS: Record<string, KeywordHandler> = {
  // Asks Suricata to store the matching transaction's files (filestore[:dir,scope]): the rule matches and alerts as
  // it would; moat writes no files, so there is nothing more to do (its fileinfo events say stored: false).
  filestore: () => {},
  msg: (c, v, k) => {
    c.rule.msg = ownCopy(unquote(needValue(v, k)).replace(/\\(.)/g, '$1'));
  },
  requires: (c, v, k) => {
    const why = unmetRequirement(needValue(v, k), k);
    if (why && c.rule.unmetRequirement === undefined) c.rule.unmetRequirement = why;
  },
  sid: (c, v, k) => {
    c.rule.sid = intValue(v, k, 1);
  },
  rev: (c, v, k) => {
    c.rule.rev = intValue(v, k, 0);
  },
  gid: (c, v, k) => {
    c.rule.gid = intValue(v, k, 0);
  },
  classtype: (c, v, k) => {
    const t = needValue(v, k);
    if (!/^[\w-]+$/.test(t)) throw new RuleError(`'${t}' is not a class type name`, undefined, k);
    c.rule.classtype = shared(t);
  },
  priority: (c, v, k) => {
    c.rule.priority = intValue(v, k, 1);
  },
  reference: (c, v, k) => {
    c.rule.references.push(ownCopy(needValue(v, k)));
  },
  metadata: (c, v, k) => {
    // Kept as written and split on first use (only alerting rules need it): ET's ten keys per rule were ~7 MB. (Its
    // 121k items are only 5,359 different ones, but sharing them cost more load time than the 2 MB it saves.)
    (c.rule.metadataText ??= []).push(ownCopy(needValue(v, k)));
  },
  target: (_c, v, k) => {
    const t = needValue(v, k);
    if (t !== 'src_ip' && t !== 'dest_ip')
      throw new RuleError(`'${t}' is not src_ip or dest_ip`, undefined, k);
  },
};

/** metadata option values ("key value, key2 value2") as Suricata's alert metadata: values per key, in order. */
export function parseMetadata(texts: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const text of texts) {
    for (const item of text.split(',')) {
      const t = item.trim();
      if (t === '') continue;
      const sp = t.indexOf(' ');
      const key = sp < 0 ? t : t.slice(0, sp);
      const val = sp < 0 ? '' : t.slice(sp + 1).trim();
      (out[key] ??= []).push(val);
    }
  }
  return out;
}
