/** TCP session states as Suricata's EVE `tcp.state` names them, and the flow state they map to. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from '../../src/decode/decoded-packet.js';
import { flowStateOfTcp, nextTcpState, TCP_NONE, TCP_STATE_NAMES } from '../../src/flow/tcp-state.js';

/** Runs [dir, flags] steps from 'none' and returns the state names after each. */
function walk(steps: [0 | 1, number][]): string[] {
  let s = TCP_NONE;
  return steps.map(([dir, flags]) => {
    s = nextTcpState(s, dir, flags);
    return TCP_STATE_NAMES[s];
  });
}

const HANDSHAKE: [0 | 1, number][] = [
  [0, TCP_SYN],
  [1, TCP_SYN | TCP_ACK],
  [0, TCP_ACK],
];

test('handshake, then the client closes first: close_wait, last_ack, closed', () => {
  assert.deepEqual(
    walk([...HANDSHAKE, [0, TCP_FIN | TCP_ACK], [1, TCP_ACK], [1, TCP_FIN | TCP_ACK], [0, TCP_ACK]]),
    ['syn_sent', 'syn_recv', 'established', 'close_wait', 'close_wait', 'last_ack', 'closed'],
  );
});

test('the server closes first: fin_wait1, fin_wait2, time_wait, closed', () => {
  assert.deepEqual(
    walk([...HANDSHAKE, [1, TCP_FIN | TCP_ACK], [0, TCP_ACK], [0, TCP_FIN | TCP_ACK], [1, TCP_ACK]]),
    ['syn_sent', 'syn_recv', 'established', 'fin_wait1', 'fin_wait2', 'time_wait', 'closed'],
  );
});

test('simultaneous close passes through closing; a reset closes from any state', () => {
  assert.deepEqual(walk([...HANDSHAKE, [1, TCP_FIN | TCP_ACK], [0, TCP_FIN]]).slice(3), [
    'fin_wait1',
    'closing',
  ]);
  assert.deepEqual(
    walk([
      [0, TCP_SYN],
      [1, TCP_RST | TCP_ACK],
    ]),
    ['syn_sent', 'closed'],
  );
  assert.deepEqual(walk([[0, TCP_ACK]]), ['established'], 'midstream pickup');
});

test('flow state: new until the handshake completes, closed from last_ack/time_wait on', () => {
  const byName = (n: string): number => flowStateOfTcp(TCP_STATE_NAMES.indexOf(n as never));
  assert.deepEqual(
    [
      'none',
      'syn_sent',
      'syn_recv',
      'established',
      'fin_wait1',
      'close_wait',
      'last_ack',
      'time_wait',
      'closed',
    ].map(byName),
    [0, 0, 0, 1, 1, 1, 2, 2, 2],
  );
});
