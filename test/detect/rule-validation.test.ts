/**
 * Rules Suricata refuses at load and moat must refuse too (suricata-verify's start-up failures): a content a
 * transform makes unmatchable, buffers of another app protocol than the header's, byte_math `relative` with nothing
 * to be relative to. Each with a rule that loads, so the check is not a blanket refusal.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRules } from '../../src/detect/ruleset.js';

function load(rule: string): string | undefined {
  const r = parseRules(`${rule}\n`, 't.rules');
  return r.errors[0]?.message;
}

test('a content the preceding transform makes unmatchable is refused', () => {
  const rule = (t: string, c: string): string =>
    `alert http any any -> any any (file_data; ${t}; content:"${c}"; sid:1;)`;
  assert.match(load(rule('strip_whitespace', 'a b')) ?? '', /never match after strip_whitespace/);
  assert.match(load(rule('strip_whitespace', 'ab|0d|')) ?? '', /strip_whitespace/);
  assert.equal(load(rule('strip_whitespace', 'ab|00|')), undefined);
  assert.match(load(rule('compress_whitespace', 'a  b')) ?? '', /compress_whitespace/);
  assert.equal(load(rule('compress_whitespace', 'a b')), undefined);
  assert.match(load(rule('to_lowercase', 'AT PAT')) ?? '', /to_lowercase/);
  assert.equal(load(rule('to_lowercase', 'at pat')), undefined);
  assert.match(load(rule('to_uppercase', 'at')) ?? '', /to_uppercase/);
  assert.equal(load(rule('to_uppercase', 'AT PAT')), undefined);
});

test('a buffer of another app protocol than the header names is refused', () => {
  assert.match(
    load('alert smb any any -> any any (ja4.hash; content:"q"; sid:1;)') ?? '',
    /conflicting protocols: smb and ja4\.hash/,
  );
  assert.match(
    load('alert dns any any -> any any (http.uri; content:"q"; sid:1;)') ?? '',
    /dns and http\.uri/,
  );
  assert.equal(load('alert quic any any -> any any (ja4.hash; content:"q"; sid:1;)'), undefined);
  assert.equal(load('alert tcp any any -> any any (http.uri; content:"q"; sid:1;)'), undefined);
  assert.equal(load('alert http any any -> any any (http.uri; content:"q"; sid:1;)'), undefined);
});

test('file.data on a protocol Suricata extracts files from and moat does not is refused naming that', () => {
  // Suricata 8 loads these (SMTP attachments); moat has no SMTP file extraction, so they could never match.
  assert.match(
    load('alert smtp any any -> any any (flow:to_server; file_data; content:"legal"; sid:1;)') ?? '',
    /file\.data: on 'smtp' rules: moat extracts files from HTTP only/,
  );
  assert.equal(load('alert http any any -> any any (file_data; content:"legal"; sid:1;)'), undefined);
});

test('byte_math relative in a sticky buffer needs a content or pcre before it', () => {
  const bm = 'byte_math:bytes 1, offset 1, oper <<, rvalue 2, result r, relative';
  assert.match(
    load(`alert tcp any any -> any any (ipv4.hdr; ${bm}; sid:1;)`) ?? '',
    /relative specified without previous pattern match/,
  );
  assert.equal(load(`alert tcp any any -> any any (ipv4.hdr; content:"|45|"; ${bm}; sid:1;)`), undefined);
  assert.equal(load(`alert tcp any any -> any any (${bm}; sid:1;)`), undefined);
});

test('pcrexform takes its expression double-quoted only', () => {
  const r = (x: string): string =>
    `alert http any any -> any any (http.request_line; pcrexform:${x}; content:"/z"; sid:1;)`;
  assert.match(load(r('[a-z]+\\s+(.*)\\s+HTTP')) ?? '', /double-quoted/);
  assert.equal(load(r('"[a-z]+\\s+(.*)\\s+HTTP"')), undefined);
});
