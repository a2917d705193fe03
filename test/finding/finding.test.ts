/** Which findings are alerts: the output counts and writes those, and writes the notes into their record's event. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAlert, type Finding } from '../../src/finding/index.js';

const signature = { gid: 1, sid: 1, rev: 1, msg: 'm', category: '', severity: 3 };

test('notes are not alerts; every kind of alert is', () => {
  const group = { score: null, weight: 1, contribution: null, dimensions: [] };
  const score = {
    policy: 'p',
    selected_by: 'default',
    chain_source: 'none',
    score: null,
    condition: 'F >= 0.5',
    verdict: 'undetermined' as const,
    certificate: group,
    address: group,
    reputation: group,
  };
  const notes: Finding[] = [
    { kind: 'tls-score', score },
    { kind: 'traffic', traffic: { id: ['x'] } },
  ];
  for (const n of notes) assert.equal(isAlert(n), false, n.kind);
  const rule: Finding = { kind: 'rule-alert', signature, action: 'allowed', dir: 1 };
  const tls: Finding = {
    kind: 'tls-alert',
    signature,
    action: 'blocked',
    score,
    wouldBlock: false,
    blocked: true,
    channels: [],
  };
  assert.ok(isAlert(rule) && isAlert(tls));
});
