/** A rule as its alerts name it: Suricata's `alert` fields, the classtype giving the category and default severity. */
import type { Signature } from '../finding/index.js';
import type { Rule } from './rule.js';
import { CLASSTYPES } from './classtypes.js';

const signatures = new WeakMap<Rule, Signature>();

/** Built once per rule (rules are immutable once loaded). */
export function signatureOf(rule: Rule): Signature {
  let s = signatures.get(rule);
  if (!s) {
    const cls = rule.classtype ? CLASSTYPES[rule.classtype] : undefined;
    s = {
      gid: rule.gid,
      sid: rule.sid,
      rev: rule.rev,
      msg: rule.msg,
      category: cls?.[0] ?? '',
      severity: rule.priority ?? cls?.[1] ?? 3,
      metadata: Object.keys(rule.metadata).length > 0 ? rule.metadata : undefined,
    };
    signatures.set(rule, s);
  }
  return s;
}
