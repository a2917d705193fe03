/** Validity time text: both ASN.1 forms, the tolerated variants, and what is rejected. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatCertTime, parseGeneralizedTime, parseUtcTime } from '../../../src/proto/x509/time.js';

test('UTCTime: two-digit years pivot at 50, seconds optional, offsets applied', () => {
  assert.equal(parseUtcTime('160210045004Z'), Date.UTC(2016, 1, 10, 4, 50, 4));
  assert.equal(parseUtcTime('491231235959Z'), Date.UTC(2049, 11, 31, 23, 59, 59));
  assert.equal(parseUtcTime('500101000000Z'), Date.UTC(1950, 0, 1));
  assert.equal(parseUtcTime('1602100450Z'), Date.UTC(2016, 1, 10, 4, 50));
  assert.equal(parseUtcTime('160210045004+0200'), Date.UTC(2016, 1, 10, 2, 50, 4));
  assert.equal(parseUtcTime('160210045004-0130'), Date.UTC(2016, 1, 10, 6, 20, 4));
});

test('GeneralizedTime: four-digit years as written, fractions kept to the millisecond', () => {
  assert.equal(parseGeneralizedTime('20550301101112Z'), Date.UTC(2055, 2, 1, 10, 11, 12));
  assert.equal(parseGeneralizedTime('99991231235959Z'), Date.UTC(9999, 11, 31, 23, 59, 59));
  assert.equal(parseGeneralizedTime('20200101000000.25Z'), Date.UTC(2020, 0, 1, 0, 0, 0, 250));
  const y50 = new Date(0);
  y50.setUTCFullYear(50, 0, 1);
  assert.equal(parseGeneralizedTime('00500101000000Z'), y50.getTime(), 'year 0050, not 1950');
});

test('rejects impossible or trailing text', () => {
  for (const bad of [
    '161310045004Z',
    '160232045004Z',
    '160210245004Z',
    '16021004500Z',
    '160210045004Zjunk',
    '1602',
    '',
  ]) {
    assert.ok(Number.isNaN(parseUtcTime(bad)), bad);
  }
  assert.ok(Number.isNaN(parseGeneralizedTime('2020010100000.Z')));
  assert.ok(Number.isNaN(parseUtcTime('160210045004+2500')));
});

test("Suricata's notbefore/notafter text", () => {
  assert.equal(formatCertTime(Date.UTC(2016, 1, 10, 4, 50, 4)), '2016-02-10T04:50:04');
  assert.equal(formatCertTime(Date.UTC(2017, 2, 23)), '2017-03-23T00:00:00');
});
