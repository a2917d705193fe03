/**
 * Suricata's pcre keyword, run in JavaScript with PCRE2's meaning. The pattern is parsed as PCRE2 parses it (8-bit,
 * non-UTF). Patterns V8 can run without risk go to a RegExp written out from the parse (exact classes and anchors,
 * no flags); the others — back-references, atomic groups, possessive quantifiers, repetition that can backtrack
 * exponentially — go to a step-bounded backtracking matcher that gives up past a budget, as Suricata's PCRE does past
 * its match limit. Either way the subject is capped (PCRE_WINDOW) by the caller.
 */
import { parsePcre, PcreSyntaxError, type PcreOptions } from './parse.js';
import { toJsSource, v8Problem } from './to-js.js';
import { BoundedMatcher } from './backtrack.js';

export { PcreSyntaxError, type PcreOptions } from './parse.js';
export { MATCH_LIMIT, MAX_DEPTH, TOTAL_LIMIT } from './backtrack.js';

export interface CompiledPcre {
  /** End (absolute index into buf) of the first match in buf[start, end), or -1. */
  exec(buf: Uint8Array, start: number, end: number): number;
  /** Which engine runs it, and why the bounded one when it is. */
  engine: 'regexp' | 'bounded';
  why?: string;
}

/** Compiles a pcre pattern; throws PcreSyntaxError naming the problem. */
export function compilePcre(pattern: string, opts: PcreOptions = {}): CompiledPcre {
  const parsed = parsePcre(pattern, opts);
  const why = v8Problem(parsed);
  if (why === undefined) {
    let re: RegExp;
    try {
      re = new RegExp(toJsSource(parsed));
    } catch (err) {
      throw new PcreSyntaxError(`cannot translate: ${err instanceof Error ? err.message : String(err)}`);
    }
    return {
      engine: 'regexp',
      exec(buf, start, end) {
        const text = Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('latin1');
        const r = re.exec(text);
        return r ? start + r.index + r[0].length : -1;
      },
    };
  }
  const m = new BoundedMatcher(parsed);
  return { engine: 'bounded', why, exec: (buf, start, end) => m.exec(buf, start, end) };
}

/**
 * A pcre checked now (its syntax errors are the rule's load errors) and translated on its first match: loading ET
 * Open's 2,600 pcres spent ~40% of the rule parse writing out RegExps, most of which never run. The parse is done
 * again then rather than kept (the trees would stay in memory for every rule). A pattern whose translation V8
 * refuses runs on the bounded matcher, which follows PCRE2's semantics too.
 */
export function lazyPcre(pattern: string, opts: PcreOptions = {}): CompiledPcre {
  parsePcre(pattern, opts);
  return new LazyPcre(pattern, opts);
}

/** A class rather than a literal with getters: one shape for every rule's pcre, no closures per pattern. */
class LazyPcre implements CompiledPcre {
  #compiled: CompiledPcre | undefined;

  constructor(
    private readonly pattern: string,
    private readonly opts: PcreOptions,
  ) {}

  exec(buf: Uint8Array, start: number, end: number): number {
    return (this.#compiled ?? this.compile()).exec(buf, start, end);
  }

  get engine(): 'regexp' | 'bounded' {
    return (this.#compiled ?? this.compile()).engine;
  }

  get why(): string | undefined {
    return (this.#compiled ?? this.compile()).why;
  }

  private compile(): CompiledPcre {
    try {
      this.#compiled = compilePcre(this.pattern, this.opts);
    } catch (err) {
      if (!(err instanceof PcreSyntaxError)) throw err;
      const m = new BoundedMatcher(parsePcre(this.pattern, this.opts));
      this.#compiled = {
        engine: 'bounded',
        why: err.message,
        exec: (buf, start, end) => m.exec(buf, start, end),
      };
    }
    return this.#compiled;
  }
}
