/**
 * Loads rule files: one rule per line (a trailing backslash continues it), comments and blanks skipped. Rules
 * that fail are reported with file, line, sid and keyword; the rest load (A-2's syntax checker reuses this).
 */
import { readFileSync } from 'node:fs';
import { RuleError, type Rule } from './rule.js';
import { resolveSetTypes } from './datasets.js';
import type { DatasetType } from './dataset-memory.js';
import { parseRule } from './parse/rule-parser.js';

/** Suricata's default address and port groups (suricata.yaml `vars`), overridable per deployment. */
export const DEFAULT_VARS: ReadonlyArray<[string, string]> = [
  ['HOME_NET', '[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]'],
  ['EXTERNAL_NET', '!$HOME_NET'],
  ['HTTP_SERVERS', '$HOME_NET'],
  ['SMTP_SERVERS', '$HOME_NET'],
  ['SQL_SERVERS', '$HOME_NET'],
  ['DNS_SERVERS', '$HOME_NET'],
  ['TELNET_SERVERS', '$HOME_NET'],
  ['AIM_SERVERS', '$EXTERNAL_NET'],
  ['DC_SERVERS', '$HOME_NET'],
  ['DNP3_SERVER', '$HOME_NET'],
  ['DNP3_CLIENT', '$HOME_NET'],
  ['MODBUS_CLIENT', '$HOME_NET'],
  ['MODBUS_SERVER', '$HOME_NET'],
  ['ENIP_CLIENT', '$HOME_NET'],
  ['ENIP_SERVER', '$HOME_NET'],
  ['HTTP_PORTS', '80'],
  ['SHELLCODE_PORTS', '!80'],
  ['ORACLE_PORTS', '1521'],
  ['SSH_PORTS', '22'],
  ['DNP3_PORTS', '20000'],
  ['MODBUS_PORTS', '502'],
  ['FILE_DATA_PORTS', '[$HTTP_PORTS,110,143]'],
  ['FTP_PORTS', '21'],
  ['GENEVE_PORTS', '6081'],
  ['VXLAN_PORTS', '4789'],
  ['TEREDO_PORTS', '3544'],
];

/**
 * DEFAULT_VARS as the map rules are parsed with when none is given: one map for every file, so that the addresses
 * and ports parsed once per map (vars-memo) are parsed once for all of them.
 */
const DEFAULT_VAR_MAP: ReadonlyMap<string, string> = new Map(DEFAULT_VARS);

export interface RuleLoadError {
  file: string;
  line: number;
  sid?: number;
  keyword?: string;
  message: string;
}

/** A rule left out without an error because its `requires:` does not hold here (as Suricata does). */
export interface RuleSkip {
  file: string;
  line: number;
  sid: number;
  why: string;
}

export interface RuleSetLoad {
  rules: Rule[];
  errors: RuleLoadError[];
  /** Rules whose `requires:` names a feature or version moat does not have. */
  skipped: RuleSkip[];
  /** Rule lines seen (loaded, refused, skipped, or replaced by a later revision). */
  total: number;
}

export interface ParseRulesOptions {
  /**
   * Also read disabled rules: a line that is a commented-out rule ("# alert …") is parsed as if enabled. Other
   * comments stay comments.
   */
  disabled?: boolean;
}

/** "#alert …", "# drop …": a commented-out rule, as rule files ship disabled ones. */
const DISABLED_RULE = /^#+\s*((?:alert|drop|pass|reject|rejectsrc|rejectdst|rejectboth)\s.*)$/;

/**
 * A rule file's lines one at a time, as split(/\r?\n/) gives them (a '\r' kept on a last line without '\n').
 * `next` returns undefined at the end, and SKIPPED for a line the caller would skip unread (see BufferLines).
 */
interface Lines {
  /** The number of the line `next` returned last (1-based). */
  lineNo: number;
  next(mustRead: boolean): string | typeof SKIPPED | undefined;
}

const SKIPPED = null;

/** Lines of a string: each is a slice of it (parseRules copies what it keeps). */
class StringLines implements Lines {
  lineNo = 0;
  private pos = 0;

  constructor(private readonly text: string) {}

  next(): string | undefined {
    const text = this.text;
    const pos = this.pos;
    if (pos > text.length) return undefined;
    this.lineNo++;
    const end = text.indexOf('\n', pos);
    if (end < 0) {
      this.pos = text.length + 1;
      return text.slice(pos);
    }
    this.pos = end + 1;
    return text.slice(pos, end > pos && text.charCodeAt(end - 1) === 0x0d ? end - 1 : end);
  }
}

/**
 * Lines of a file's bytes, each decoded (UTF-8) on its own: a line is then a string of its own that a rule can keep
 * parts of without keeping the file's text alive, and the whole file is never one string (ET Open: 14.7 MB). A
 * line that is blank or an ASCII-indented '#' comment not ending in a backslash is returned as SKIPPED without
 * decoding, unless `mustRead`: parseRules would skip it anyway.
 */
class BufferLines implements Lines {
  lineNo = 0;
  private pos = 0;

  constructor(
    private readonly buf: Buffer,
    private readonly readComments: boolean,
  ) {}

  next(mustRead: boolean): string | typeof SKIPPED | undefined {
    const buf = this.buf;
    const pos = this.pos;
    if (pos > buf.length) return undefined;
    this.lineNo++;
    let end = buf.indexOf(0x0a, pos);
    if (end < 0) {
      end = buf.length;
      this.pos = buf.length + 1;
    } else {
      this.pos = end + 1;
      if (end > pos && buf[end - 1] === 0x0d) end--;
    }
    if (!mustRead && !this.readComments && end > pos && buf[end - 1] !== 0x5c) {
      let i = pos;
      while (i < end && (buf[i] === 0x20 || (buf[i] >= 0x09 && buf[i] <= 0x0d))) i++;
      if (i === end || buf[i] === 0x23) return SKIPPED;
    }
    return buf.toString('utf8', pos, end);
  }
}

export function parseRules(
  text: string,
  file: string,
  vars: ReadonlyMap<string, string> = DEFAULT_VAR_MAP,
  opts: ParseRulesOptions = {},
): RuleSetLoad {
  return parseLines(new StringLines(text), true, file, vars, opts);
}

/** Parses rules from lines; `copy`: copy each rule's text first (its lines are slices of a larger string). */
function parseLines(
  lines: Lines,
  copy: boolean,
  file: string,
  vars: ReadonlyMap<string, string>,
  opts: ParseRulesOptions,
): RuleSetLoad {
  const rules: Rule[] = [];
  const errors: RuleLoadError[] = [];
  const skipped: RuleSkip[] = [];
  let total = 0;
  const seen = new Map<string, { line: number; index: number }>();
  const setTypes = new Map<string, DatasetType>();
  for (let line = lines.next(false); line !== undefined; line = lines.next(false)) {
    if (line === SKIPPED) continue;
    const start = lines.lineNo;
    while (line.endsWith('\\')) {
      const more = lines.next(true);
      if (more === undefined || more === SKIPPED) break;
      line = line.slice(0, -1) + more;
    }
    let t = line.trim();
    if (opts.disabled && t.startsWith('#')) t = DISABLED_RULE.exec(t)?.[1] ?? t;
    if (t === '' || t.startsWith('#')) continue;
    total++;
    // A copy, not a slice: what the rule keeps of its text would otherwise keep the whole file's string alive.
    if (copy) t = (' ' + t).slice(1);
    try {
      const r = parseRule(t, vars);
      // A rule whose `requires:` does not hold here is left out quietly, as Suricata does.
      if (r.unmetRequirement !== undefined) {
        skipped.push({ file, line: start, sid: r.sid, why: r.unmetRequirement });
        continue;
      }
      resolveSetTypes(r, setTypes);
      const key = `${r.gid}:${r.sid}`;
      const dup = seen.get(key);
      if (dup !== undefined) {
        // Suricata keeps the higher revision of a duplicated sid; equal or lower is an error.
        const old = rules[dup.index];
        if (r.rev <= old.rev) throw new RuleError(`duplicate of the rule on line ${dup.line}`, r.sid);
        rules[dup.index] = r;
        seen.set(key, { line: start, index: dup.index });
        continue;
      }
      seen.set(key, { line: start, index: rules.length });
      rules.push(r);
    } catch (err) {
      if (!(err instanceof RuleError)) throw err;
      errors.push({ file, line: start, sid: err.sid, keyword: err.keyword, message: err.message });
    }
  }
  return { rules, errors, skipped, total };
}

export function loadRuleFile(
  file: string,
  vars: ReadonlyMap<string, string> = DEFAULT_VAR_MAP,
  opts: ParseRulesOptions = {},
): RuleSetLoad {
  return parseLines(new BufferLines(readFileSync(file), !!opts.disabled), false, file, vars, opts);
}

export function formatRuleError(e: RuleLoadError): string {
  return `${e.file}:${e.line}: ${e.message}`;
}
