/** Rule identity and description keywords: msg, sid, rev, gid, classtype, priority, reference, metadata, target. */
import { RuleError } from '../rule.js';
import { intValue, unquote } from '../parse/options.js';
import { needValue, type KeywordHandler } from './context.js';

export const META_KEYWORDS: Record<string, KeywordHandler> = {
  msg: (c, v, k) => {
    c.rule.msg = unquote(needValue(v, k)).replace(/\\(.)/g, '$1');
  },
  sid: (c, v, k) => {
    c.rule.sid = intValue(v, k, 1);
  },
  rev: (c, v, k) => {
    c.rule.rev = intValue(v, k, 0);
  },
  gid: (c, v, k) => {
    c.rule.gid = intValue(v, k, 0);
  },
  classtype: (c, v, k) => {
    const t = needValue(v, k);
    if (!/^[\w-]+$/.test(t)) throw new RuleError(`'${t}' is not a class type name`, undefined, k);
    c.rule.classtype = t;
  },
  priority: (c, v, k) => {
    c.rule.priority = intValue(v, k, 1);
  },
  reference: (c, v, k) => {
    c.rule.references.push(needValue(v, k));
  },
  metadata: (c, v, k) => {
    for (const item of needValue(v, k).split(',')) {
      const t = item.trim();
      if (t === '') continue;
      const sp = t.indexOf(' ');
      const key = sp < 0 ? t : t.slice(0, sp);
      const val = sp < 0 ? '' : t.slice(sp + 1).trim();
      (c.rule.metadata[key] ??= []).push(val);
    }
  },
  target: (_c, v, k) => {
    const t = needValue(v, k);
    if (t !== 'src_ip' && t !== 'dest_ip')
      throw new RuleError(`'${t}' is not src_ip or dest_ip`, undefined, k);
  },
};
