/** Test helpers: a loopback file server and a scripted line client. */
import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function tempDir(tag: string): string {
  return mkdtempSync(join(tmpdir(), `moat-hp-${tag}-`));
}

/**
 * A honeypot configuration with one telnet listener on a free port, no other service and the sandbox off, its
 * files under `dir`; `extra` lines add to it (bind, timing, capture …).
 */
export function telnetHoneypotYaml(
  dir: string,
  extra: string[] = [],
  database = join(dir, 'moat.db'),
): string {
  return (
    [
      'telnet: [0]',
      'ssh: []',
      'http: []',
      'mqtt: []',
      `quarantineDir: ${join(dir, 'q')}`,
      `database: ${database}`,
      `eve: ${join(dir, 'eve.json')}`,
      `sandbox: { enabled: false, timeoutSeconds: 5, reportDir: ${join(dir, 'reports')} }`,
      ...extra,
    ].join('\n') + '\n'
  );
}

export async function fileServer(
  files: Record<string, Buffer>,
): Promise<{ port: number; hits: string[]; close(): Promise<void> }> {
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(req.url ?? '');
    const body = files[req.url ?? ''];
    if (!body) {
      res.statusCode = 404;
      res.end();
      return;
    }
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  return {
    port: typeof a === 'object' && a ? a.port : 0,
    hits,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** A raw TCP client that waits for text to appear in the stream. */
export class LineClient {
  private buf = '';
  private waiters: Array<() => void> = [];
  closed = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.buf += d.toString('latin1');
      for (const w of this.waiters.splice(0)) w();
    });
    socket.on('close', () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static open(port: number): Promise<LineClient> {
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(new LineClient(s)));
      s.on('error', reject);
    });
  }

  /** Waits until `text` has been received and returns everything up to and including it. */
  async until(text: string, timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.buf.indexOf(text);
      if (i >= 0) {
        const got = this.buf.slice(0, i + text.length);
        this.buf = this.buf.slice(i + text.length);
        return got;
      }
      if (this.closed)
        throw new Error(`connection closed before '${text}'; got: ${JSON.stringify(this.buf.slice(-300))}`);
      if (Date.now() > deadline)
        throw new Error(`timeout waiting for '${text}'; got: ${JSON.stringify(this.buf.slice(-300))}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 100);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  send(line: string): void {
    this.socket.write(line + '\r\n');
  }

  close(): void {
    this.socket.destroy();
  }
}
