/** iprep (IP reputation categories) and dataset/datarep (sets of values loaded from files) — A-31's intel links. */
import { RuleError, type DatasetOp } from '../rule.js';
import { commaList } from '../parse/options.js';
import { needValue, type KeywordHandler } from './context.js';

export const REPUTATION_KEYWORDS: Record<string, KeywordHandler> = {
  iprep: (c, v, k) => {
    const p = commaList(needValue(v, k));
    const set = p.length === 3 && (p[2] === 'isset' || p[2] === 'isnotset');
    if (p.length !== 4 && !set)
      throw new RuleError(
        'expects side,category,operator,value or side,category,isset|isnotset',
        undefined,
        k,
      );
    const side = p[0] === 'dst' || p[0] === 'src' || p[0] === 'both' || p[0] === 'any' ? p[0] : undefined;
    if (!side) throw new RuleError(`side must be src, dst, both or any, got '${p[0]}'`, undefined, k);
    if (set) {
      c.rule.iprep.push({ side, category: p[1], op: p[2] as 'isset' | 'isnotset', value: 0 });
      return;
    }
    if (p[2] !== '<' && p[2] !== '>' && p[2] !== '=' && p[2] !== '!=')
      throw new RuleError(`operator must be <, >, = or !=, got '${p[2]}'`, undefined, k);
    const value = Number(p[3]);
    if (!Number.isInteger(value) || value < 0 || value > 127)
      throw new RuleError(`value must be 0…127, got '${p[3]}'`, undefined, k);
    c.rule.iprep.push({ side, category: p[1], op: p[2], value });
  },
  dataset: (c, v, k) => dataset(c, v, k, 'dataset'),
  datarep: (c, v, k) => dataset(c, v, k, 'datarep'),
};

function dataset(
  c: Parameters<KeywordHandler>[0],
  v: string | undefined,
  k: string,
  kind: 'dataset' | 'datarep',
): void {
  const p = commaList(needValue(v, k));
  const d: Partial<DatasetOp> = { kind, buffer: c.buffer };
  let i = 0;
  if (kind === 'dataset') {
    const op = p[i++];
    if (op !== 'isset' && op !== 'isnotset' && op !== 'set' && op !== 'unset')
      throw new RuleError(`unknown operation '${op}'`, undefined, k);
    d.op = op;
  } else d.op = 'isset';
  d.name = p[i++];
  if (!d.name || !/^[\w.-]+$/.test(d.name))
    throw new RuleError(`bad set name '${d.name ?? ''}'`, undefined, k);
  if (kind === 'datarep') {
    const op = p[i++];
    if (op !== '<' && op !== '>' && op !== '=')
      throw new RuleError(`operator must be <, > or =, got '${op}'`, undefined, k);
    d.repOp = op;
    d.repValue = Number(p[i++]);
    if (!Number.isFinite(d.repValue)) throw new RuleError('needs a numeric reputation value', undefined, k);
  }
  for (; i < p.length; i++) {
    const [key, ...rest] = p[i].split(/\s+/);
    const val = rest.join(' ');
    if (key === 'type') {
      if (val !== 'string' && val !== 'md5' && val !== 'sha256' && val !== 'ipv4' && val !== 'ip')
        throw new RuleError(`unknown type '${val}'`, undefined, k);
      d.type = val;
    } else if (key === 'load') d.load = val;
    else if (key === 'save') d.save = val;
    // A state file is loaded at start and saved at the end.
    else if (key === 'state') d.load = d.save = val;
    else if (key === 'memcap') d.memcap = sizeValue(val, k);
    else if (key === 'hashsize') {
      if (!/^\d+$/.test(val) || Number(val) > 0xffffffff)
        throw new RuleError(`hashsize must be a 32-bit number, got '${val}'`, undefined, k);
      d.hashsize = Number(val);
    } else if (key === 'format' || key === 'context') continue;
    else throw new RuleError(`unknown option '${key}'`, undefined, k);
  }
  // No type: the set must exist already — made by an earlier option of this rule, or of an earlier rule (the rule
  // file's loader checks that).
  d.type ??= c.rule.datasets.find((x) => x.name === d.name)?.type;
  c.rule.datasets.push(d as DatasetOp);
}

const SIZE_UNITS: Readonly<Record<string, number>> = {
  '': 1,
  kb: 1024,
  kib: 1024,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};

/** A size as Suricata reads one (ParseSizeString): a number with an optional kb/mb/gb (or KiB …) unit. */
function sizeValue(val: string, k: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(val.trim());
  const unit = m ? SIZE_UNITS[m[2].toLowerCase()] : undefined;
  if (!m || unit === undefined)
    throw new RuleError(`memcap must be a size such as 1048576, 512kb or 16mb, got '${val}'`, undefined, k);
  return Math.floor(Number(m[1]) * unit);
}
