/**
 * byte_math (issue 17): Suricata's operators, bitmask-after-math, the position after the bytes read, the shared
 * variable namespace with byte_extract, and the parser's refusals — on built buffers, then on suricata-verify's
 * byte_math tests (their answers are Suricata's).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseRule } from '../../src/detect/parse/rule-parser.js';
import { DEFAULT_VARS } from '../../src/detect/ruleset.js';
import { matchBuffer } from '../../src/detect/buffer-match.js';
import { runAll } from '../../src/detect/suricata-verify/runner.js';
import type { Rule } from '../../src/detect/rule.js';

const VARS = new Map(DEFAULT_VARS);
const rule = (opts: string): Rule => parseRule(`alert tcp any any -> any any (${opts} sid:1;)`, VARS);
const on = (r: Rule, bytes: number[]): boolean =>
  matchBuffer(r.buffers.get('payload') ?? [], Uint8Array.from(bytes));

test('operators, unsigned 64-bit wrap, division by zero', () => {
  const m = (oper: string, rvalue: string, want: number, buf: number[]): boolean =>
    on(rule(`byte_math:bytes 1, offset 0, oper ${oper}, rvalue ${rvalue}, result r; byte_test:1,=,r,1;`), [
      ...buf,
      want,
    ]);
  assert.ok(m('+', '3', 10, [7]));
  assert.ok(m('-', '3', 4, [7]));
  assert.ok(m('*', '3', 21, [7]));
  assert.ok(m('/', '2', 3, [7]), 'integer division');
  assert.ok(m('<<', '2', 28, [7]));
  assert.ok(m('>>', '1', 3, [7]));
  assert.ok(!m('+', '3', 11, [7]));
  // 7 - 8 wraps to 2^64 - 1: a 1-byte test for 0xff is not equal to it.
  assert.ok(
    !on(rule('byte_math:bytes 1, offset 0, oper -, rvalue 8, result r; byte_test:1,=,r,1;'), [7, 0xff]),
  );
  assert.ok(
    on(rule('byte_math:bytes 1, offset 0, oper -, rvalue 8, result r; byte_test:1,<,r,1;'), [7, 0xff]),
  );
  // Division by a variable holding 0 does not match (suricata-verify detect-bytemath-div-01).
  assert.ok(
    !on(rule('byte_extract:1,1,z; byte_math:bytes 1, offset 0, oper /, rvalue z, result r;'), [7, 0]),
  );
});

test('bitmask applies to the result and shifts by its trailing zeros; position after the bytes read', () => {
  // (0x0f + 1) & 0xf0 = 0x10, >> 4 = 1.
  const r = rule('byte_math:bytes 1, offset 0, oper +, rvalue 1, result r, bitmask 0xf0; byte_test:1,=,r,1;');
  assert.ok(on(r, [0x0f, 1]));
  // Big/little endian, string, relative: the next relative content starts after the bytes read.
  const le = rule(
    'content:"A"; byte_math:bytes 2, offset 0, oper +, rvalue 0, result n, relative, endian little; content:"B"; within:n;',
  );
  assert.ok(on(le, [0x41, 3, 0, 0, 0, 0x42]));
  assert.ok(!on(le, [0x41, 2, 0, 0, 0, 0x42]));
  assert.ok(
    on(
      rule('byte_math:bytes 3, offset 0, oper *, rvalue 2, result n, string dec; byte_test:1,=,n,3;'),
      [0x31, 0x30, 0x35, 210],
    ),
  );
});

test('refusals name the option', () => {
  assert.throws(
    () => rule('byte_math:bytes 11, offset 0, oper +, rvalue 1, result r;'),
    /bytes must be 1–10/,
  );
  assert.throws(() => rule('byte_math:bytes 5, offset 0, oper <<, rvalue 1, result r;'), /1–4 with '<<'/);
  assert.throws(() => rule('byte_math:bytes 1, offset 0, oper &, rvalue 1, result r;'), /unknown oper '&'/);
  assert.throws(() => rule('byte_math:bytes 1, offset 0, oper +, rvalue 1;'), /needs 'result'/);
  assert.throws(() => rule('byte_math:bytes 1, offset 70000, oper +, rvalue 1, result r;'), /±65535/);
  assert.throws(
    () => rule('byte_math:bytes 1, offset 0, oper +, rvalue nope, result r;'),
    /neither a number/,
  );
  assert.throws(() => rule('byte_math:bytes 1, offset 0, oper +, rvalue 1, result r, dce;'), /DCE/);
  assert.throws(
    () => rule('byte_math:bytes 1, offset 0, offset 1, oper +, rvalue 1, result r;'),
    /given twice/,
  );
});

test('byte_math on suricata-verify captures', async (t) => {
  const root = join(process.cwd(), '..', 'shared', 'corpus', 'suricata-verify', 'tests');
  if (!existsSync(root)) {
    t.skip(`corpus absent: ${root}`);
    return;
  }
  const names = [
    'detect-bytemath-01',
    'detect-bytemath-add-04',
    'detect-bytemath-div-01',
    'detect-bytemath-mult-04',
    'detect-bytemath-sub-03',
  ];
  const res = await runAll(root, new RegExp(`^(${names.join('|')})$`));
  assert.deepEqual(
    res.map((r) => `${r.test}: ${r.result}${r.reason ? ` (${r.reason})` : ''}`),
    names.map((n) => `${n}: pass`),
  );
});
