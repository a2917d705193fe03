/**
 * Static analysis of one sample: what the file is, its ELF structure, strings and indicators,
 * entropy and packer hints, dropper-script facts and rule matches — read-only, never executed.
 */
import { createHash } from 'node:crypto';
import { parseElf, type ElfInfo } from './elf.js';
import { entropy, extractStrings, indicators, type Indicators } from './strings.js';
import { parseScript, type ScriptFacts } from './script.js';
import { BUILTIN_RULES, matchRules, parseRules, type SampleRule } from './rules.js';

export interface StaticReport {
  sha256: string;
  size: number;
  fileType: string;
  elf?: ElfInfo;
  entropy: number;
  packer?: string;
  strings: number;
  indicators: Indicators;
  script?: ScriptFacts;
  rules: Array<{ rule: string; labels: string[]; matched: string[] }>;
}

const builtin = parseRules(BUILTIN_RULES, 'builtin');

export function fileType(b: Buffer): string {
  if (b.length >= 4 && b.readUInt32BE(0) === 0x7f454c46) return 'elf';
  if (b.length >= 2 && b[0] === 0x4d && b[1] === 0x5a) return 'pe';
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) return 'gzip';
  if (b.length >= 4 && b.readUInt32BE(0) === 0x504b0304) return 'zip';
  if (b.length >= 2 && b[0] === 0x23 && b[1] === 0x21) return 'script';
  const head = b.subarray(0, 4096);
  const printable = head.filter((c) => (c >= 0x20 && c < 0x7f) || c === 9 || c === 10 || c === 13).length;
  return head.length > 0 && printable / head.length > 0.95 ? 'text' : 'data';
}

export function analyzeStatic(data: Buffer, extraRules: readonly SampleRule[] = []): StaticReport {
  const type = fileType(data);
  const strings = extractStrings(data);
  const rep: StaticReport = {
    sha256: createHash('sha256').update(data).digest('hex'),
    size: data.length,
    fileType: type,
    entropy: Math.round(entropy(data) * 1000) / 1000,
    strings: strings.length,
    indicators: indicators(strings),
    rules: matchRules([...builtin, ...extraRules], data),
  };
  if (type === 'elf') {
    const elf = parseElf(data);
    if (elf) {
      rep.elf = elf;
      rep.fileType = `elf${elf.bits}-${elf.machine}-${elf.endian}`;
      if (data.includes(Buffer.from('UPX!')) || elf.sections.some((s) => /^UPX\d/.test(s.name)))
        rep.packer = 'upx';
      else if (rep.entropy > 7.2 && elf.sections.length === 0) rep.packer = 'unknown-high-entropy';
    }
  }
  if (type === 'script' || type === 'text') {
    const facts = parseScript(data.toString('latin1'));
    if (facts) {
      rep.script = facts;
      rep.fileType = `script-${facts.language}`;
    }
  }
  return rep;
}
