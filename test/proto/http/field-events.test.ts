/**
 * libhtp's field events as Suricata raises them: Content-Length fields that disagree, an Authorization scheme
 * libhtp does not know, a chunk extension in a request body — on the unit and on real captures.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { headFieldEvents } from '../../../src/proto/http/field-events.js';
import { analyzeToEvents } from '../../../src/pipeline/index.js';

const SV = '../shared/corpus/suricata-verify/tests';

const events = (headers: Array<[string, string]>, isRequest = true): string[] => {
  const out: string[] = [];
  headFieldEvents(headers, isRequest, (e) => out.push(e));
  return out;
};

test('Content-Length fields: equal values are one length, different or non-numeric ones an event', () => {
  assert.deepEqual(events([['Content-Length', '5']]), []);
  assert.deepEqual(
    events([
      ['Content-Length', '5'],
      ['content-length', ' 5'],
    ]),
    [],
  );
  assert.deepEqual(
    events([
      ['Content-Length', '11'],
      ['Content-Length', '93'],
    ]),
    ['DUPLICATE_CONTENT_LENGTH_FIELD_IN_REQUEST'],
  );
  assert.deepEqual(
    events(
      [
        ['Content-Length', '1'],
        ['Content-Length', 'x'],
      ],
      false,
    ),
    ['DUPLICATE_CONTENT_LENGTH_FIELD_IN_RESPONSE'],
  );
});

test("a request's Transfer-Encoding without the chunked coding raises INVALID_TRANSFER_ENCODING_VALUE_IN_REQUEST", () => {
  assert.deepEqual(events([['Transfer-Encoding', 'chunked']]), []);
  assert.deepEqual(events([['Transfer-Encoding', 'gzip, Chunked']]), []);
  assert.deepEqual(events([['Transfer-Encoding', 'identity']]), [
    'INVALID_TRANSFER_ENCODING_VALUE_IN_REQUEST',
  ]);
  assert.deepEqual(events([['Transfer-Encoding', 'chunkedx']]), [
    'INVALID_TRANSFER_ENCODING_VALUE_IN_REQUEST',
  ]);
  assert.deepEqual(events([['Transfer-Encoding', 'identity']], false), []);
});

test('Authorization: Basic, Digest and Bearer are known; other schemes raise REQUEST_AUTH_UNRECOGNIZED', () => {
  for (const v of ['Basic dXNlcjpwYXNz', 'digest username="a"', 'Bearer abc.def'])
    assert.deepEqual(events([['Authorization', v]]), [], v);
  assert.deepEqual(events([['Authorization', 'NTLM TlRMTVNTUAAB']]), ['REQUEST_AUTH_UNRECOGNIZED']);
  // Responses have no Authorization event.
  assert.deepEqual(events([['Authorization', 'NTLM x']], false), []);
});

async function anomalies(pcap: string): Promise<string[]> {
  const { events: ev } = await analyzeToEvents(pcap, {});
  return ev
    .filter((e) => e.event_type === 'anomaly')
    .map((e) => (e as unknown as { anomaly: { event: string } }).anomaly.event);
}

test('on real captures: one event per message that has it', async (t) => {
  const cl = join(SV, 'http-multiple-cl/input.pcap');
  const chunk = join(SV, 'http-event-chunk/input.pcap');
  const bearer = join(SV, 'http-auth-bearer/input.pcap');
  if (![cl, chunk, bearer].every(existsSync)) return t.skip(`${SV} absent`);
  // Two requests; the first says Content-Length 11 and 93.
  assert.equal(
    (await anomalies(cl)).filter((e) => e === 'DUPLICATE_CONTENT_LENGTH_FIELD_IN_REQUEST').length,
    1,
  );
  // "0 ; qwe3=asd3; …": the last chunk carries extensions.
  assert.deepEqual(
    (await anomalies(chunk)).filter((e) => e.includes('CHUNK')),
    ['REQUEST_CHUNK_EXTENSION'],
  );
  assert.deepEqual(await anomalies(bearer), []);
});
