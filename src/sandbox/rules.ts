/**
 * moat's own sample rules (A-81, "YARA-like"): a small text format, one rule per block —
 *
 *   rule mirai_busybox_probe
 *     label scanner
 *     text "/bin/busybox"
 *     hex 7f 45 4c 46
 *     regex "POST /cdn-cgi/"
 *     match any            # any | all | <n>
 *
 * Strings match case-sensitively on the raw bytes; regexes on the latin1 text. Errors name the line.
 */
export interface SampleRule {
  name: string;
  labels: string[];
  patterns: Array<{ kind: 'text' | 'hex' | 'regex'; bytes?: Buffer; re?: RegExp; source: string }>;
  need: 'any' | 'all' | number;
}

export class RuleSyntaxError extends Error {}

export function parseRules(text: string, origin = 'rules'): SampleRule[] {
  const rules: SampleRule[] = [];
  let cur: SampleRule | null = null;
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\s+#.*$/, '').trim();
    if (line === '' || line.startsWith('#')) return;
    const where = `${origin}:${i + 1}`;
    const m = /^(\w+)\s+(.*)$/.exec(line);
    if (!m) throw new RuleSyntaxError(`${where}: expected '<keyword> <value>', got '${line}'`);
    const [, kw, value] = m;
    if (kw === 'rule') {
      if (!/^[A-Za-z_]\w*$/.test(value)) throw new RuleSyntaxError(`${where}: bad rule name '${value}'`);
      cur = { name: value, labels: [], patterns: [], need: 'any' };
      rules.push(cur);
      return;
    }
    if (!cur) throw new RuleSyntaxError(`${where}: '${kw}' outside a rule`);
    const quoted = (): string => {
      const q = /^"((?:[^"\\]|\\.)*)"$/.exec(value);
      if (!q) throw new RuleSyntaxError(`${where}: ${kw} needs a double-quoted value`);
      return q[1].replace(/\\(.)/g, '$1');
    };
    if (kw === 'label') cur.labels.push(value);
    else if (kw === 'text')
      cur.patterns.push({ kind: 'text', bytes: Buffer.from(quoted(), 'latin1'), source: value });
    else if (kw === 'hex') {
      const hex = value.replace(/\s+/g, '');
      if (!/^([0-9a-fA-F]{2})+$/.test(hex)) throw new RuleSyntaxError(`${where}: bad hex string '${value}'`);
      cur.patterns.push({ kind: 'hex', bytes: Buffer.from(hex, 'hex'), source: value });
    } else if (kw === 'regex') {
      try {
        cur.patterns.push({ kind: 'regex', re: new RegExp(quoted()), source: value });
      } catch (e) {
        throw new RuleSyntaxError(`${where}: bad regex: ${(e as Error).message}`);
      }
    } else if (kw === 'match') {
      if (value === 'any' || value === 'all') cur.need = value;
      else if (/^\d+$/.test(value)) cur.need = Number(value);
      else throw new RuleSyntaxError(`${where}: match must be any, all or a number`);
    } else throw new RuleSyntaxError(`${where}: unknown keyword '${kw}'`);
  });
  for (const r of rules)
    if (r.patterns.length === 0) throw new RuleSyntaxError(`${origin}: rule '${r.name}' has no patterns`);
  return rules;
}

export function matchRules(
  rules: readonly SampleRule[],
  data: Buffer,
): Array<{ rule: string; labels: string[]; matched: string[] }> {
  const text = data.toString('latin1');
  const out: Array<{ rule: string; labels: string[]; matched: string[] }> = [];
  for (const r of rules) {
    const matched = r.patterns
      .filter((p) => (p.bytes ? data.includes(p.bytes) : p.re!.test(text)))
      .map((p) => p.source);
    const need = r.need === 'any' ? 1 : r.need === 'all' ? r.patterns.length : r.need;
    if (matched.length >= need) out.push({ rule: r.name, labels: r.labels, matched });
  }
  return out;
}

/** Built-in rules: behaviour families seen in IoT malware. */
export const BUILTIN_RULES = `
rule mirai_busybox_probe
  label scanner
  text "/bin/busybox"
  regex "[A-Z]{5,}: applet not found"
  text "/dev/watchdog"
  match 2
rule iot_default_credentials
  label scanner
  text "xc3511"
  text "vizxv"
  text "7ujMko0admin"
  match 2
rule stratum_miner
  label cryptominer
  regex "stratum\\\\+(tcp|ssl)://"
  text "xmrig"
  text "cryptonight"
  match any
rule flood_vocabulary
  label ddos-flooder
  regex "([Uu][Dd][Pp]|[Ss][Yy][Nn]|[Aa][Cc][Kk]|[Hh][Tt][Tt][Pp]) ?[Ff][Ll][Oo][Oo][Dd]|greeth|vse flood"
  match any
rule upx_packed
  label packed
  text "UPX!"
  match any
rule cron_persistence
  label persistence
  regex "/etc/(cron|init\\\\.d|rc\\\\.local)|crontab -"
  match any
`;
