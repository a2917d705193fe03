/** The rule engine's per-flow table: slots survive growth and reuse, recognition looks at first data each way. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RuleFlows } from '../../src/detect/flow-tables.js';

test('flow slots keep each flow its own sequence numbers and marks through growth, deletion and reuse', () => {
  const t = new RuleFlows(true);
  const write = (id: number): void => {
    const at = 4 * t.slot(id);
    for (let k = 0; k < 4; k++) t.seqs![at + k] = id * 10 + k;
    if (id % 3 === 0) t.setEncrypted(id);
  };
  // Past the first table (256 flows) several times, then half the flows end and new ones take their slots.
  for (let id = 1; id <= 1000; id++) write(id);
  for (let id = 2; id <= 1000; id += 2) t.delete(id);
  for (let id = 2001; id <= 2700; id++) {
    const at = 4 * t.slot(id);
    assert.ok(
      [0, 1, 2, 3].every((k) => Number.isNaN(t.seqs![at + k])),
      `flow ${id} starts with nothing seen`,
    );
    assert.equal(t.encrypted(id), false, `flow ${id} starts in clear`);
    write(id);
  }
  const live = [
    ...Array.from({ length: 500 }, (_, i) => 2 * i + 1),
    ...Array.from({ length: 700 }, (_, i) => 2001 + i),
  ];
  const seen = new Set<number>();
  for (const id of live) {
    const slot = t.find(id);
    assert.ok(slot >= 0 && !seen.has(slot), `flow ${id} has a slot of its own`);
    seen.add(slot);
    assert.deepEqual(
      [...t.seqs!.subarray(4 * slot, 4 * slot + 4)],
      [0, 1, 2, 3].map((k) => id * 10 + k),
    );
    assert.equal(t.encrypted(id), id % 3 === 0);
    assert.equal(t.slot(id), slot, 'asking again gives the same slot');
  }
  assert.equal(t.find(2), -1);
  assert.equal(t.encrypted(2), false);
  t.delete(2);
  assert.equal(t.find(2), -1);
  assert.equal(new RuleFlows(false).seqs, undefined, 'no sequence numbers without stream_size rules');
});

test('recognition: the first data in each direction decides, a recognized protocol stays', () => {
  const g = new RuleFlows(false);
  const note = (id: number, dir: number, text: string): void => {
    const b = Buffer.from('xx' + text, 'latin1');
    g.note(id, dir, b, 2, b.length - 2);
  };
  note(1, 1, 'SSH-2.0-OpenSSH_9.6');
  assert.equal(g.recognized(1), 'ssh');
  note(1, 0, 'USER anonymous\r\n');
  assert.equal(g.recognized(1), 'ssh', 'a recognized protocol stays');
  // Client data first shows nothing; later client data is not looked at, the server's first data still is.
  g.setEncrypted(2);
  note(2, 0, 'hello');
  note(2, 0, 'USER anonymous\r\n');
  assert.equal(g.recognized(2), '');
  note(2, 1, '220 (vsFTPd 3.0.3)\r\n');
  assert.equal(g.recognized(2), 'ftp');
  assert.equal(g.encrypted(2), true, 'recognition keeps the other marks');
  note(3, 0, 'EHLO mail.example\r\n');
  assert.equal(g.recognized(3), 'smtp');
  assert.equal(g.recognized(1), 'ssh', 'each flow its own');
  g.delete(3);
  assert.equal(g.recognized(3), '');
  assert.equal(g.recognized(99), '');
});

test('the last flow asked for is remembered only while it lives', () => {
  const t = new RuleFlows(false);
  const a = t.slot(7);
  assert.equal(t.slot(7), a, 'the same flow again: its slot');
  assert.equal(t.find(7), a);
  t.delete(7);
  assert.equal(t.find(7), -1, 'a deleted flow has no slot, although it was the last asked for');
  const b = t.slot(8);
  assert.equal(b, a, 'the freed slot goes to the next new flow');
  t.setEncrypted(8);
  assert.equal(t.encrypted(7), false, 'the deleted flow does not see the slot’s new owner');
  assert.equal(t.encrypted(8), true);
});
