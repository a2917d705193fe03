/**
 * dataset/datarep sets (A-31 ties to threat intel): loaded from the files rules name, in Suricata's formats —
 * strings base64-encoded one per line, md5/sha256 as hex, ipv4/ip as text; datarep lines carry ",reputation".
 * `dataset:set` adds values at run time; sets are bounded.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { DatasetOp } from './rule.js';
import { formatIp, tryParseIp } from '../address/index.js';

const MAX_SET = 1_000_000;

/**
 * An address as a set keeps it: moat's text form (IPv4-mapped IPv6 as the IPv4 address, as an `ip` set stores
 * IPv4 mapped), so a file's "::ffff:192.0.2.1" and a packet's 192.0.2.1 are one value.
 */
function addressKey(text: string): string {
  const ip = tryParseIp(text.trim());
  return ip ? formatIp(ip.words, ip.version) : text.toLowerCase();
}

export class DatasetStore {
  private readonly sets = new Map<string, Map<string, number>>();

  constructor(private readonly baseDir = '.') {}

  /** Loads a set named by a rule (once); a missing file leaves an empty set, as Suricata starts with one. */
  prepare(op: DatasetOp): void {
    if (this.sets.has(op.name)) return;
    const m = new Map<string, number>();
    this.sets.set(op.name, m);
    if (!op.load) return;
    const path = isAbsolute(op.load) ? op.load : join(this.baseDir, op.load);
    if (!existsSync(path)) return;
    for (const line of readFileSync(path, 'utf8').split(/\r?\n/)) {
      const t = line.trim();
      if (t === '' || t.startsWith('#')) continue;
      const [v, rep] = t.split(',');
      const value =
        op.type === 'string'
          ? Buffer.from(v, 'base64').toString('latin1')
          : op.type === 'ip' || op.type === 'ipv4'
            ? addressKey(v)
            : v.toLowerCase();
      m.set(value, rep === undefined ? 0 : Number(rep));
      if (m.size >= MAX_SET) break;
    }
  }

  /**
   * The dataset condition on a buffer value. `set` matches only when it added the value and `unset` only when it
   * removed one, as in Suricata, so a `set` rule alerts once per new value.
   */
  test(op: DatasetOp, value: string): boolean {
    const m = this.sets.get(op.name);
    if (!m) return false;
    const v = op.type === 'string' ? value : value.toLowerCase();
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
