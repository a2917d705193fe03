/**
 * Plain HTTP towards a device: one request, a deadline, and a cap on the body kept, so a device that
 * streams forever or never answers costs bounded time and memory.
 */
import { request } from 'node:http';

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export function httpRequest(o: {
  host: string;
  port: number;
  method: string;
  path: string;
  body?: string;
  headers?: Record<string, string>;
  timeoutMs: number;
  maxBytes?: number;
}): Promise<HttpAnswer> {
  const max = o.maxBytes ?? 64 * 1024;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: o.host,
        port: o.port,
        method: o.method,
        path: o.path,
        headers: { ...(o.body !== undefined ? { 'content-type': 'text/plain' } : {}), ...o.headers },
        timeout: o.timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (d: Buffer) => {
          if (size < max) chunks.push(d.subarray(0, max - size));
          size += d.length;
          if (size >= max) res.destroy();
        });
        const end = () => {
          clearTimeout(deadline);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
        };
        res.on('end', end);
        res.on('close', end);
        res.on('error', () => end());
      },
    );
    // `timeout` is idle time; the whole exchange is bounded too.
    const deadline = setTimeout(
      () => req.destroy(new Error(`no full answer within ${o.timeoutMs} ms`)),
      o.timeoutMs,
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${o.timeoutMs} ms`)));
    req.on('error', (e) => {
      clearTimeout(deadline);
      reject(e);
    });
    req.end(o.body);
  });
}
