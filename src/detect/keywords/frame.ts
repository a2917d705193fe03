/**
 * frame:<proto>.<type> (or frame:<type> on a rule of that protocol): a sticky buffer holding one frame's bytes —
 * a TLS record, a DNS message (proto/frames). A rule matches each frame of that name on its own, so a flow can
 * alert once per frame. Frame names moat does not mark are refused, named.
 */
import { FRAME_NAMES } from '../../proto/index.js';
import { RuleError } from '../rule.js';
import { needValue, type KeywordHandler } from './context.js';

/** Rule protocols whose frames go by another name (Suricata's http1 frames on `http` rules). */
const FRAME_PROTO: Record<string, string> = { http: 'http1' };

export const FRAME: KeywordHandler = (c, v, k) => {
  const name = needValue(v, k).trim();
  const full = name.includes('.') ? name : `${FRAME_PROTO[c.rule.proto] ?? c.rule.proto}.${name}`;
  if (!FRAME_NAMES.has(full))
    throw new RuleError(
      `frame '${full}' is not one moat marks (it marks ${[...FRAME_NAMES].join(', ')})`,
      undefined,
      k,
    );
  c.buffer = `frame:${full}`;
  c.last = undefined;
  c.lastContent = undefined;
  c.base64 = undefined;
};
