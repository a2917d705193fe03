/** Which findings are alerts, and which way an alert's traffic went (the event cache names connections by it). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alertDirection, isAlert, type Finding } from '../../src/finding/index.js';

const signature = { gid: 1, sid: 1, rev: 1, msg: 'm', category: '', severity: 3 };

test('notes are not alerts; rule and cache alerts carry their direction, the others are the flow’s', () => {
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
  assert.equal(alertDirection(rule), 1);
  assert.equal(alertDirection(tls), 0);
});
