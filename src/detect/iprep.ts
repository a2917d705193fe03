/**
 * IP reputation for the `iprep` keyword, from Suricata's files: a categories file (`id,shortname,description`,
 * ids 1…60) and reputation files (`address[/prefix],category-id,score`, scores 0…127). A rule names a category by
 * its short name. An address's score in a category is the host entry's, else the longest listed network's.
 * Bounded: at most MAX_ENTRIES addresses, 60 categories; a bad line is refused with its file and line.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { PrefixSet, parseIpInto, tryParseCidr } from '../address/index.js';
import { InputError } from '../framework/errors.js';

const MAX_CATEGORIES = 60;
const MAX_SCORE = 127;
const MAX_ENTRIES = 1_000_000;

export class IpReputation {
  /** Category short name → id. */
  private readonly categories = new Map<string, number>();
  /** Per prefix: category id → score. */
  private readonly entries = new PrefixSet<Map<number, number>>();
  private readonly words = new Uint32Array(4);

  /** Reads `id,shortname,description` lines; `#` starts a comment. */
  loadCategories(text: string, source: string): void {
    forLines(text, (line, n) => {
      const p = line.split(',');
      const id = Number(p[0]);
      if (p.length < 2 || !Number.isInteger(id) || id < 1 || id > MAX_CATEGORIES)
        throw new InputError(`${source}:${n}: expected id,shortname,description with id 1…${MAX_CATEGORIES}`);
      const name = p[1].trim();
      if (name === '') throw new InputError(`${source}:${n}: empty category short name`);
      this.categories.set(name, id);
    });
  }

  /** Reads `address[/prefix],category-id,score` lines. */
  loadReputation(text: string, source: string): void {
    const known = new Set(this.categories.values());
    forLines(text, (line, n) => {
      const p = line.split(',');
      if (p.length !== 3) throw new InputError(`${source}:${n}: expected address,category,score`);
      const cidr = tryParseCidr(p[0].trim());
      if (!cidr) throw new InputError(`${source}:${n}: '${p[0]}' is not an address or network`);
      const cat = Number(p[1]);
      if (!Number.isInteger(cat) || !known.has(cat))
        throw new InputError(`${source}:${n}: category ${p[1]} is not in the categories file`);
      const score = Number(p[2]);
      if (!Number.isInteger(score) || score < 0 || score > MAX_SCORE)
        throw new InputError(`${source}:${n}: score must be 0…${MAX_SCORE}, got '${p[2]}'`);
      if (this.entries.size >= MAX_ENTRIES)
        throw new InputError(`${source}:${n}: more than ${MAX_ENTRIES} reputation entries`);
      this.entries.add(cidr, new Map([[cat, score]]), (old, v) => {
        for (const [k, s] of v) old.set(k, s);
        return old;
      });
    });
  }

  /** Whether a rule's category short name is known. */
  hasCategory(name: string): boolean {
    return this.categories.has(name);
  }

  /** The score of an address (text) in a category, undefined when neither it nor a network around it has one. */
  score(ip: string, category: string): number | undefined {
    const cat = this.categories.get(category);
    if (cat === undefined || !parseIpInto(ip, this.words)) return undefined;
    const host = this.entries.match(this.words);
    const s = host?.value.get(cat);
    if (s !== undefined) return s;
    // The host is listed in other categories only: the networks around it may have this one.
    return host ? this.entries.matchNetwork(this.words)?.value.get(cat) : undefined;
  }

  /** Loads a categories file and reputation files (relative paths against `dir`). */
  static fromFiles(categoriesFile: string, files: string[], dir: string): IpReputation {
    const r = new IpReputation();
    const at = (f: string): string => (isAbsolute(f) ? f : join(dir, f));
    r.loadCategories(read(at(categoriesFile)), categoriesFile);
    for (const f of files) r.loadReputation(read(at(f)), f);
    return r;
  }
}

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new InputError(`${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function forLines(text: string, each: (line: string, n: number) => void): void {
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i].trim();
    if (t !== '' && !t.startsWith('#')) each(t, i + 1);
  }
}
