/**
 * decode-event (issue 17): not run yet, so refused, and the refusal says precisely why for the event named: an
 * event moat's decoder raises (its EVE anomaly) needs the flowless packet path to the rule engine; an event it
 * does not raise needs the decoder check first.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as anomalies from '../../src/decode/anomalies.js';
import { decoderEventNames } from '../../src/decode/index.js';
import { parseRule } from '../../src/detect/parse/rule-parser.js';
import { DEFAULT_VARS } from '../../src/detect/ruleset.js';

const VARS = new Map(DEFAULT_VARS);
const rule = (opts: string) => parseRule(`alert pkthdr any any -> any any (${opts} sid:1;)`, VARS);

test('decoderEventNames lists every decoder event constant', () => {
  const constants = (Object.values(anomalies) as unknown[]).filter(
    (v): v is string => typeof v === 'string' && v.startsWith('decoder.'),
  );
  assert.ok(constants.length > 50);
  assert.deepEqual([...decoderEventNames()].sort(), constants.sort());
});

test('decode-event refusals name what is missing', () => {
  assert.throws(() => rule('decode-event:ipv4.trunc_pkt;'), /moat raises it .*do not reach the rule engine/);
  assert.throws(() => rule('decode-event:decoder.ipv6.frag_overlap;'), /moat raises it/);
  assert.throws(() => rule('decode-event:tcp.opt_invalid_len;'), /decoder does not raise this event/);
  assert.throws(() => rule('decode-event:ipv6.exthdr_useless_fh;'), /decoder does not raise this event/);
});
