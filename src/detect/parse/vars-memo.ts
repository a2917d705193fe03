/**
 * Top-level address and port expressions parsed once per variable map: 20,000 rules say `$HOME_NET`,
 * `$EXTERNAL_NET` and `$HTTP_PORTS` over and over. The parsed sets are shared between rules and never modified.
 * Nested expressions (depth > 0, inside a variable's value) are not memoised; a text that fails to parse is
 * not remembered, so every rule using it gets its own error.
 */
import { ownCopy } from './strings.js';

export function memoPerVars<T>(
  parseAt: (text: string, vars: ReadonlyMap<string, string>, depth: number) => T,
): (text: string, vars: ReadonlyMap<string, string>, depth?: number) => T {
  const memo = new WeakMap<ReadonlyMap<string, string>, Map<string, T>>();
  return (text, vars, depth = 0) => {
    if (depth !== 0) return parseAt(text, vars, depth);
    let byText = memo.get(vars);
    if (!byText) memo.set(vars, (byText = new Map()));
    let set = byText.get(text);
    // A copy as the key: the text is a slice of some rule's text, which the memo would keep alive.
    if (set === undefined) byText.set(ownCopy(text), (set = parseAt(text, vars, 0)));
    return set;
  };
}
