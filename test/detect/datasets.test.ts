/** dataset/datarep files: validation on load, and `save`/`state` files written in Suricata's format. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatasetStore } from '../../src/detect/datasets.js';
import type { DatasetOp } from '../../src/detect/rule.js';

const op = (o: Partial<DatasetOp>): DatasetOp => ({
  kind: 'dataset',
  op: 'set',
  name: 's',
  type: 'string',
  buffer: 'http.user_agent',
  ...o,
});

test('save: values added at run time are written base64, in the order seen; unset removes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ds-'));
  const st = new DatasetStore(dir);
  const set = op({ save: 'out/seen.csv' });
  st.prepare(set);
  assert.equal(st.test(set, 'curl/7.43.0'), true);
  assert.equal(st.test(set, 'curl/7.43.0'), false);
  assert.equal(st.test(set, 'agent2'), true);
  assert.equal(st.test(set, 'agent3'), true);
  assert.equal(st.test({ ...set, op: 'unset' }, 'agent3'), true);
  st.saveAll(dir);
  assert.equal(readFileSync(join(dir, 'out/seen.csv'), 'utf8'), 'Y3VybC83LjQzLjA=\nYWdlbnQy\n');
});

test('datarep sets keep their reputation; state files load and save', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ds-'));
  writeFileSync(join(dir, 'rep.csv'), 'ZXhhbXBsZS5jb20=,7\n');
  const st = new DatasetStore(dir);
  const rep = op({
    kind: 'datarep',
    op: 'isset',
    name: 'r',
    load: 'rep.csv',
    save: 'rep.csv',
    repOp: '>',
    repValue: 5,
  });
  st.prepare(rep);
  assert.equal(st.test(rep, 'example.com'), true);
  assert.equal(st.test({ ...rep, repValue: 7 }, 'example.com'), false);
  const out = mkdtempSync(join(tmpdir(), 'ds-out-'));
  st.saveAll(out);
  assert.equal(readFileSync(join(out, 'rep.csv'), 'utf8'), 'ZXhhbXBsZS5jb20=,7\n');
});

test('bad files and save paths outside the data directory are refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ds-'));
  const load = (text: string, o: Partial<DatasetOp> = {}): void => {
    writeFileSync(join(dir, 'f.csv'), text);
    new DatasetStore(dir).prepare(op({ op: 'isset', load: 'f.csv', ...o }));
  };
  assert.throws(() => load('Y3VybC83Lj!QzLjA=\n'), /f\.csv:1 \(set s\): bad base64/);
  assert.throws(() => load('YQ==\nYg==,1\n'), /f\.csv:2 .*mixes plain values/);
  assert.throws(() => load('YQ==\n', { kind: 'datarep' }), /needs ,reputation/);
  assert.throws(() => load('YQ==,-1\n', { kind: 'datarep' }), /reputation must be 0…65535/);
  assert.doesNotThrow(() => load('YQ==\nYg==\n'));
  assert.throws(() => new DatasetStore(dir).prepare(op({ save: '../x.csv' })), /outside the data directory/);
  assert.throws(
    () => new DatasetStore(dir).prepare(op({ save: '/tmp/x.csv' })),
    /outside the data directory/,
  );
});
