/**
 * loadRuleFile reads a file's bytes line by line (comments skipped undecoded, each line its own string) where
 * parseRules splits one string: both must see the same lines — CRLF, a last line without a newline, continuation
 * lines (also after a comment ending in a backslash), blank and indented lines, non-ASCII text, disabled rules — and
 * give the same rules, errors, line numbers and totals.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRuleFile, parseRules, type RuleSetLoad } from '../../src/detect/ruleset.js';

const FILE = [
  '# a comment',
  '',
  '   \t ',
  'alert tcp any any -> any 80 (msg:"one"; content:"GET"; sid:1;)\r',
  '  # an indented comment',
  '# a comment that goes on \\',
  'alert tcp any any -> any any (msg:"swallowed by the comment above"; sid:2;)',
  'alert tcp any any -> any any (msg:"two lines"; \\',
  '  content:"x"; sid:3;)',
  '#alert tcp any any -> any any (msg:"disabled"; sid:4;)',
  '\u00a0# a comment after a no-break space',
  'alert tcp any any -> any any (msg:"caf\u00e9 \u2603"; content:"\u00e9"; sid:5;)',
  'alert tcp any any -> any any (msg:"bad"; nosuchkeyword; sid:6;)',
  'alert tcp any any -> any any (msg:"last, no newline"; sid:7;)\r',
].join('\n');

/** What a load says, in a form assert can compare (rules by sid, msg and content bytes). */
function summary(l: RuleSetLoad): unknown {
  return {
    rules: l.rules.map((r) => [
      r.sid,
      r.msg,
      [...r.buffers].map(([b, ms]) => [b, ms.map((m) => (m.kind === 'content' ? [...m.bytes] : m.kind))]),
    ]),
    errors: l.errors.map((e) => [e.line, e.sid, e.keyword, e.message]),
    skipped: l.skipped,
    total: l.total,
  };
}

test('loadRuleFile and parseRules read the same lines of a rule file', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-rule-lines-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, text] of [
    ['plain.rules', FILE],
    ['newline-end.rules', `${FILE}\n`],
    ['crlf.rules', FILE.replace(/\n/g, '\r\n')],
    ['continued-to-end.rules', `${FILE}\nalert tcp any any -> any any (msg:"cut"; \\`],
  ]) {
    const path = join(dir, name);
    writeFileSync(path, text, 'utf8');
    for (const disabled of [false, true]) {
      const fromFile = loadRuleFile(path, undefined, { disabled });
      const fromText = parseRules(text, path, undefined, { disabled });
      assert.deepEqual(summary(fromFile), summary(fromText), `${name}, disabled ${disabled}`);
    }
  }
  // The file's answer itself, so that two equally wrong readers do not pass.
  const l = loadRuleFile(join(dir, 'plain.rules'));
  assert.deepEqual(
    l.rules.map((r) => r.sid),
    [1, 3, 5, 7],
  );
  assert.equal(l.rules[2].msg, 'caf\u00e9 \u2603');
  assert.deepEqual(
    l.errors.map((e) => [e.line, e.sid]),
    [[13, 6]],
  );
  assert.equal(l.total, 5);
  assert.deepEqual(
    loadRuleFile(join(dir, 'plain.rules'), undefined, { disabled: true }).rules.map((r) => r.sid),
    [1, 3, 4, 5, 7],
  );
});
