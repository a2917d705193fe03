/** A small HTTPS client pinned to the console's own certificate, keeping the session cookie like a browser. */
import { request } from 'node:https';

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

export class ConsoleClient {
  cookie = '';
  csrf = '';

  constructor(
    readonly base: string,
    private readonly ca: string,
  ) {}

  call(
    method: string,
    path: string,
    body?: unknown,
    o: { csrf?: boolean; cookie?: boolean } = {},
  ): Promise<Reply> {
    const url = new URL(path, this.base);
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = {};
    if (data) headers['content-type'] = 'application/json';
    if (o.cookie !== false && this.cookie) headers.cookie = this.cookie;
    if (o.csrf !== false && this.csrf && method !== 'GET') headers['x-csrf-token'] = this.csrf;
    return new Promise((resolve, reject) => {
      const req = request(url, { method, headers, ca: this.ca }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: Record<string, unknown>;
          try {
            parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
          } catch {
            parsed = { text };
          }
          const set = res.headers['set-cookie'];
          if (set?.length) this.cookie = set[0].split(';')[0];
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
        });
      });
      req.on('error', reject);
      req.setTimeout(20_000, () => req.destroy(new Error(`${method} ${path}: timed out`)));
      if (data) req.end(data);
      else req.end();
    });
  }

  async login(user: string, password: string): Promise<Reply> {
    const r = await this.call('POST', '/api/login', { user, password });
    if (r.status === 200) this.csrf = String(r.body.csrf);
    return r;
  }
}
