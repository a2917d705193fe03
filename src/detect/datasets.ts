/**
 * dataset/datarep sets (A-31 ties to threat intel): loaded from the files rules name, in Suricata's formats —
 * strings base64-encoded one per line, md5/sha256 as hex, ipv4/ip as text; datarep lines carry ",reputation".
 * `dataset:set` adds values at run time; sets are bounded.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { InputError } from '../framework/errors.js';
import { RuleError, type DatasetOp, type Rule } from './rule.js';
import {
  DEFAULT_HASHSIZE,
  MAX_ONE_HASHSIZE,
  MAX_TOTAL_HASHSIZE,
  SetMemory,
  type DatasetType,
} from './dataset-memory.js';
import { formatIp, tryParseIp } from '../address/index.js';

const MAX_SET = 1_000_000;
/** Suricata's datarep values are 16-bit. */
const MAX_REP = 65535;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

interface SetInfo {
  type: DatasetType;
  kind: DatasetOp['kind'];
  save?: string;
}

/**
 * An address as a set keeps it: moat's text form (IPv4-mapped IPv6 as the IPv4 address, as an `ip` set stores
 * IPv4 mapped), so a file's "::ffff:192.0.2.1" and a packet's 192.0.2.1 are one value.
 */
function addressKey(text: string): string {
  const ip = tryParseIp(text.trim());
  return ip ? formatIp(ip.words, ip.version) : text.toLowerCase();
}

/**
 * A rule's dataset options without a type name a set made earlier (in this rule or an earlier one of the file):
 * they take its type. An unknown set, or one given another type, refuses the rule, as Suricata does.
 */
export function resolveSetTypes(r: Rule, types: Map<string, DatasetType>): void {
  for (const d of r.datasets) {
    const known = types.get(d.name);
    if (d.type === undefined) {
      if (known === undefined)
        throw new RuleError(
          `set '${d.name}' is not defined: the first option naming it needs a type (string, md5, sha256, ipv4, ip)`,
          r.sid,
          d.kind,
        );
      d.type = known;
    } else if (known !== undefined && known !== d.type)
      throw new RuleError(`set '${d.name}' already exists with type ${known}, not ${d.type}`, r.sid, d.kind);
  }
  for (const d of r.datasets) if (d.type !== undefined) types.set(d.name, d.type);
}

export class DatasetStore {
  private readonly sets = new Map<string, Map<string, number>>();
  private readonly info = new Map<string, SetInfo>();

  /** Hash rows of every set so far, against Suricata's total-hashsizes limit. */
  private hashRows = 0;

  constructor(private readonly baseDir = '.') {}

  /**
   * Loads a set named by a rule (once); a missing file leaves an empty set, as Suricata starts with one. A line
   * that does not decode, a bad reputation value, or a file mixing plain values with `value,reputation` lines is
   * refused (InputError naming the file and line): Suricata does not start with such a set either.
   */
  prepare(op: DatasetOp): void {
    const known = this.info.get(op.name);
    if (known) {
      known.save ??= op.save;
      op.type ??= known.type;
      return;
    }
    const type = op.type;
    if (type === undefined)
      throw new InputError(`set ${op.name} is not defined: the first rule naming it needs a type`);
    // Suricata 8 writes only inside its data directory.
    if (op.save !== undefined && (isAbsolute(op.save) || op.save.split(/[\\/]/).includes('..')))
      throw new InputError(`set ${op.name}: save file ${op.save} is outside the data directory`);
    const hashsize = op.hashsize ?? DEFAULT_HASHSIZE;
    if (hashsize > MAX_ONE_HASHSIZE)
      throw new InputError(
        `set ${op.name}: hashsize ${hashsize} exceeds the single-hashsize limit (${MAX_ONE_HASHSIZE})`,
      );
    if (this.hashRows + hashsize > MAX_TOTAL_HASHSIZE)
      throw new InputError(
        `set ${op.name}: hashsize ${hashsize} exceeds the total-hashsizes limit (${MAX_TOTAL_HASHSIZE}, in use ${this.hashRows})`,
      );
    const memory = new SetMemory(op.name, type, op.memcap, hashsize);
    this.hashRows += hashsize;
    const m = new Map<string, number>();
    this.sets.set(op.name, m);
    this.info.set(op.name, { type, kind: op.kind, save: op.save });
    if (!op.load) return;
    const path = isAbsolute(op.load) ? op.load : join(this.baseDir, op.load);
    if (!existsSync(path)) return;
    let withRep: boolean | undefined;
    const lines = readFileSync(path, 'utf8').split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      const t = lines[i].trim();
      if (t === '' || t.startsWith('#')) continue;
      const where = `${op.load}:${i + 1} (set ${op.name})`;
      const comma = t.indexOf(',');
      const v = comma < 0 ? t : t.slice(0, comma);
      const hasRep = comma >= 0;
      if (withRep !== undefined && hasRep !== withRep)
        throw new InputError(`${where}: mixes plain values and value,reputation lines`);
      withRep = hasRep;
      if (op.kind === 'datarep' && !hasRep)
        throw new InputError(`${where}: a datarep line needs ,reputation`);
      const rep = hasRep ? Number(t.slice(comma + 1)) : 0;
      if (!Number.isInteger(rep) || rep < 0 || rep > MAX_REP)
        throw new InputError(`${where}: reputation must be 0…${MAX_REP}, got '${t.slice(comma + 1)}'`);
      if (op.type === 'string' && !BASE64.test(v)) throw new InputError(`${where}: bad base64 '${v}'`);
      const value =
        op.type === 'string'
          ? Buffer.from(v, 'base64').toString('latin1')
          : op.type === 'ip' || op.type === 'ipv4'
            ? addressKey(v)
            : v.toLowerCase();
      if (!m.has(value)) memory.add(value.length);
      m.set(value, rep);
      if (m.size >= MAX_SET) break;
    }
    memory.check();
  }

  /**
   * Writes every set a rule names with `save`/`state` in Suricata's format (strings base64, one per line; datarep
   * sets with their reputation) under `dataDir`. Returns the files written.
   */
  saveAll(dataDir: string): string[] {
    const written: string[] = [];
    for (const [name, info] of this.info) {
      if (!info.save) continue;
      const m = this.sets.get(name) ?? new Map<string, number>();
      let text = '';
      for (const [v, rep] of m) {
        const value = info.type === 'string' ? Buffer.from(v, 'latin1').toString('base64') : v;
        text += info.kind === 'datarep' ? `${value},${rep}\n` : `${value}\n`;
      }
      const path = join(dataDir, info.save);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
      written.push(path);
    }
    return written;
  }

  /**
   * The dataset condition on a buffer value. `set` matches only when it added the value and `unset` only when it
   * removed one, as in Suricata, so a `set` rule alerts once per new value.
   */
  test(op: DatasetOp, value: string): boolean {
    const m = this.sets.get(op.name);
    if (!m) return false;
    const v = (op.type ?? this.info.get(op.name)?.type) === 'string' ? value : value.toLowerCase();
    switch (op.op) {
      case 'isset':
        if (op.kind === 'datarep') {
          const rep = m.get(v);
          if (rep === undefined || op.repValue === undefined) return false;
          return op.repOp === '>'
            ? rep > op.repValue
            : op.repOp === '<'
              ? rep < op.repValue
              : rep === op.repValue;
        }
        return m.has(v);
      case 'isnotset':
        return !m.has(v);
      case 'set':
        if (m.has(v) || m.size >= MAX_SET) return false;
        m.set(v, 0);
        return true;
      case 'unset':
        return m.delete(v);
    }
  }
}
