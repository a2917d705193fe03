/**
 * The bounded pieces behind HTTP files: the streaming multipart/form-data reader (any split of the body gives the
 * same files), the byte-range table (order, overlap, memcap, timeout) and the configuration keys that set them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { formDataBoundary, MAX_PART_HEAD, MultipartFiles } from '../../../src/proto/http/multipart.js';
import { RangeTable, MAX_RANGE_FILES } from '../../../src/proto/http/range-table.js';
import { RequestFiles } from '../../../src/proto/http/request-files.js';
import { httpOptionsOf, sizeSetting } from '../../../src/pipeline/eve-config.js';

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

const B = '----x7MA4YWxkTrZu0gW';
const FILE_A = Buffer.from('line one\r\n--not-the-boundary\r\n\r\nbinary \u0000\u00ff end', 'latin1');
const BODY = Buffer.from(
  `--${B}\r\nContent-Disposition: form-data; name="field"\r\n\r\nvalue\r\n` +
    `--${B}\r\nContent-Disposition: form-data; name="up"; filename="a.bin"\r\nContent-Type: application/octet-stream\r\n\r\n` +
    FILE_A.toString('latin1') +
    `\r\n--${B}\r\ncontent-disposition: form-data; name="two"; filename="b;c.txt"\r\n\r\n\r\n` +
    `--${B}--\r\n`,
  'latin1',
);

function run(splits: number[], body = BODY, truncated = false): ReturnType<MultipartFiles['finish']> {
  const m = new MultipartFiles(B, { limit: 0, hashes: ['sha256'] });
  let p = 0;
  for (const s of [...splits, body.length]) {
    m.data(body, p, s - p);
    p = s;
  }
  return m.finish(truncated);
}

test('multipart: parts with a filename are files, their data up to the CRLF before the next delimiter', () => {
  const files = run([]);
  assert.deepEqual(
    files.map((f) => [f.name, f.size, f.state, f.sha256]),
    [
      ['a.bin', FILE_A.length, 'CLOSED', sha256(FILE_A)],
      ['b;c.txt', 0, 'CLOSED', sha256('')],
    ],
  );
});

test('multipart: every split of the body into two or three chunks gives the same files', () => {
  const want = JSON.stringify(run([]).map((f) => [f.name, f.size, f.sha256]));
  for (let i = 1; i < BODY.length; i++) {
    assert.equal(JSON.stringify(run([i]).map((f) => [f.name, f.size, f.sha256])), want, `split at ${i}`);
    const j = Math.min(BODY.length - 1, i + 7);
    if (j > i) assert.equal(JSON.stringify(run([i, j]).map((f) => [f.name, f.size, f.sha256])), want);
  }
});

test('multipart: a body cut inside a file part gives that file TRUNCATED with every byte seen', () => {
  const cut = BODY.indexOf('end') + 3;
  const files = run([], BODY.subarray(0, cut), true);
  assert.equal(files.length, 1);
  assert.equal(files[0].state, 'TRUNCATED');
  assert.equal(files[0].size, FILE_A.length);
  assert.equal(files[0].sha256, sha256(FILE_A));
});

test('multipart: a part head over MAX_PART_HEAD is not read (an event), the part is no file, later parts are', () => {
  const events: string[] = [];
  const m = new MultipartFiles(B, { limit: 0 }, (e) => events.push(e));
  const long = `--${B}\r\nX-Pad: ${'a'.repeat(MAX_PART_HEAD + 10)}\r\nContent-Disposition: form-data; filename="big"\r\n\r\nzzz`;
  const tail = `\r\n--${B}\r\nContent-Disposition: form-data; filename="ok"\r\n\r\nabc\r\n--${B}--`;
  const body = Buffer.from(long + tail);
  for (let p = 0; p < body.length; p += 1000) m.data(body, p, Math.min(1000, body.length - p));
  const files = m.finish(false);
  assert.deepEqual(events, ['MULTIPART_INVALID_HEADER']);
  assert.deepEqual(
    files.map((f) => [f.name, f.size]),
    [['ok', 3]],
  );
});

test('boundary from Content-Type: quoted or bare; other types and absurd boundaries give none', () => {
  assert.equal(formDataBoundary(`multipart/form-data; boundary=${B}`), B);
  assert.equal(formDataBoundary('Multipart/Form-Data; boundary="a b"; charset=x'), 'a b');
  assert.equal(formDataBoundary('multipart/mixed; boundary=x'), undefined);
  assert.equal(formDataBoundary('multipart/form-data'), undefined);
  assert.equal(formDataBoundary(`multipart/form-data; boundary=${'b'.repeat(300)}`), undefined);
});

test('request bodies: POST/PUT bodies are one file named by the path, up to request-body-limit', () => {
  const body = Buffer.from('x'.repeat(100));
  const put = RequestFiles.forRequest('PUT', '/up/load.bin?x=1', undefined, { limit: 60, hashes: ['md5'] })!;
  put.data(body, 0, 50);
  put.data(body, 50, 50);
  const [f] = put.finish(false)!;
  assert.deepEqual([f.name, f.size, f.state], ['/up/load.bin', 60, 'TRUNCATED']);
  assert.equal(f.md5, createHash('md5').update(body.subarray(0, 60)).digest('hex'));
  const post = RequestFiles.forRequest('POST', '/form', 'text/plain', { limit: 0 })!;
  post.data(body, 0, 100);
  assert.deepEqual(
    post.finish(false)!.map((x) => [x.name, x.size, x.state]),
    [['/form', 100, 'CLOSED']],
  );
  assert.equal(RequestFiles.forRequest('GET', '/', undefined, { limit: 0 }), undefined);
  // An empty body opens no file.
  assert.equal(RequestFiles.forRequest('POST', '/', undefined, { limit: 0 })!.finish(false), undefined);
});

const RESOURCE = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7) & 0xff));

function feed(
  t: RangeTable,
  start: number,
  end: number,
  tsUs = 0,
  key = 'h\u0000/f',
): ReturnType<RangeTable['close']> {
  const b = t.open(key, '/f', start, end, RESOURCE.length, tsUs);
  if (!b) return undefined;
  b.data(RESOURCE, start, end - start + 1);
  return t.close(b, key);
}

test('ranges: in order, out of order and overlapping ranges join into the whole file once', () => {
  for (const order of [
    [
      [0, 399],
      [400, 699],
      [700, 999],
    ],
    [
      [700, 999],
      [400, 699],
      [0, 399],
    ],
    [
      [400, 699],
      [0, 499],
      [650, 999],
    ],
  ]) {
    const t = new RangeTable(['sha256']);
    const results = order.map(([s, e]) => feed(t, s, e));
    const whole = results.filter((r) => r !== undefined);
    assert.equal(whole.length, 1, JSON.stringify(order));
    assert.equal(results[results.length - 1], whole[0], 'the range that completes the file hands it back');
    assert.deepEqual([whole[0].size, whole[0].state, whole[0].sha256], [1000, 'CLOSED', sha256(RESOURCE)]);
    assert.equal(t.held, 0);
    assert.equal(t.size, 0);
  }
});

test('ranges: buffered ranges are bounded by memcap; one that does not fit is skipped and held bytes stay under it', () => {
  const t = new RangeTable(undefined, { memcap: 500, timeoutUs: 60e6 });
  assert.equal(feed(t, 600, 999), undefined);
  assert.equal(t.held, 400);
  assert.equal(t.open('h\u0000/f', '/f', 200, 399, 1000, 0), undefined, 'no room for 200 more bytes');
  assert.ok(t.held <= 500);
  // The start arrives: joined up to 400, the buffered range waits for 400-599.
  assert.equal(feed(t, 0, 399), undefined);
  assert.equal(t.held, 400);
  const whole = feed(t, 400, 599);
  assert.equal(whole?.size, 1000, 'the buffered range is merged when the bytes before it come');
  assert.equal(t.held, 0);
});

test('ranges: a resource untouched past the timeout is dropped with what it held; the table caps resources', () => {
  const t = new RangeTable(undefined, { memcap: 1 << 20, timeoutUs: 1_000_000 });
  feed(t, 500, 999, 0);
  assert.equal(t.held, 500);
  feed(t, 0, 99, 5_000_000, 'other');
  assert.equal(t.held, 0, 'the first resource expired');
  const u = new RangeTable(undefined);
  for (let i = 0; i < MAX_RANGE_FILES; i++) assert.ok(u.open(`k${i}`, '/f', 10, 19, 100, 0));
  assert.equal(u.open('one-more', '/f', 10, 19, 100, 0), undefined);
});

test('configuration: body limits, byterange bounds and file digests from a suricata.yaml', () => {
  assert.equal(sizeSetting('k', '100kb'), 102400);
  assert.equal(sizeSetting('k', '4 KiB'), 4096);
  assert.equal(sizeSetting('k', 0), 0);
  assert.throws(() => sizeSetting('app-layer.x', 'lots'), /app-layer\.x: expected a size/);
  const doc = {
    'app-layer': {
      protocols: {
        http: {
          libhtp: { 'default-config': { 'request-body-limit': '1mb', 'response-body-limit': 0 } },
          byterange: { memcap: '8mb', timeout: 30 },
        },
      },
    },
    outputs: [
      { 'eve-log': { types: [{ files: { 'force-hash': ['md5', 'sha1'] } }] } },
      { 'file-store': { version: 2, enabled: 'yes' } },
    ],
  };
  assert.deepEqual(httpOptionsOf(doc), {
    requestBodyLimit: 1 << 20,
    responseBodyLimit: 0,
    byterange: { memcap: 8 << 20, timeoutUs: 30e6 },
    fileHashes: ['md5', 'sha1', 'sha256'],
  });
  assert.equal(httpOptionsOf({ outputs: [{ 'file-store': { enabled: 'no' } }] }), undefined);
});

test('ranges: a hole inside a buffered range or an abandoned range leaves no bytes counted against the memcap', () => {
  const t = new RangeTable(undefined, { memcap: 1 << 20, timeoutUs: 60e6 });
  const key = 'h\u0000/f';
  const b = t.open(key, '/f', 500, 999, 1000, 0)!;
  b.data(RESOURCE, 500, 100);
  b.gap(50);
  b.data(RESOURCE, 650, 350);
  assert.equal(t.close(b, key), undefined);
  assert.equal(t.held, 100, 'only the bytes before the hole stay buffered');
  const a = t.open(key, '/f', 0, 99, 1000, 0)!;
  t.abandon(a, key);
  const c = t.open(key, '/f', 700, 799, 1000, 0)!;
  t.abandon(c, key);
  assert.equal(t.held, 100);
  // The claim of the abandoned in-order range was released: the start can be appended again.
  assert.equal(feed(t, 0, 499), undefined);
  assert.equal(t.held, 0);
});
