/**
 * Strings a parsed rule keeps. V8 makes a substring of 13 or more characters a slice that keeps the string it was
 * cut from alive: a rule's msg alone would keep its whole text (ET Open: ~630 characters a rule, 9 MB in all),
 * which nothing reads once the rule is parsed.
 */

/** A copy of `s` that holds on to nothing else (shorter substrings are copies already). */
export function ownCopy(s: string): string {
  return s.length < 13 ? s : (' ' + s).slice(1);
}

/** Past this many different strings `shared` starts over (it only saves memory; forgetting changes nothing). */
const SHARED_MAX = 1 << 16;
const SHARED = new Map<string, string>();

/** One copy of a string many rules repeat: class types, flowbit names, protocols. */
export function shared(s: string): string {
  let v = SHARED.get(s);
  if (v === undefined) {
    if (SHARED.size >= SHARED_MAX) SHARED.clear();
    v = ownCopy(s);
    SHARED.set(v, v);
  }
  return v;
}
